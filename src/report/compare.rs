//! Rendering a [`Comparison`].

use super::Render;
use super::csv::{Rows, field};
use super::doc::{Doc, Style, delta, delta_interval, pct, value};
use super::json;
use crate::stats::compare::{Comparison, DiffLine};
use crate::stats::paired::Side;

/// Header of the comparison CSV layout.
pub const COMPARISON_HEADER: [&str; 16] = [
    "baseline",
    "scenario",
    "section",
    "item",
    "measure",
    "value_a",
    "value_b",
    "diff",
    "se",
    "lo",
    "hi",
    "unpaired_se",
    "excludes_zero",
    "n_a",
    "n_b",
    "host",
];

/// A compared quantity in words.
pub fn label(line: &DiffLine) -> String {
    match (line.section.as_str(), line.measure.as_str()) {
        ("funnel", _) => format!("P({})", line.item.replace('_', "-")),
        ("deployment", "mean_per_trial") => format!("{} per trial", line.item),
        ("deployment", "mean_given_deploy") => format!("{} | deploy", line.item),
        ("deployment", _) => line.item.clone(),
        ("timing", _) => format!("days to {}", line.item.replace('_', " ")),
        ("member", "contributes_given_deploy") => format!("{} contributes | deploy", line.item),
        ("member", _) => format!("{} personnel when in", line.item),
        _ => line.item.clone(),
    }
}

/// Below this many columns, a comparison leaves out its intervals and
/// standard errors, so that each quantity keeps to one line.
const NARROW: usize = 120;

impl Render for Comparison {
    fn document(&self, style: Style) -> String {
        let mut doc = Doc::new(style);
        let first = &self.scenarios[0];
        doc.title(&format!("Comparison on common random numbers — {} trials, seed {}", first.trials, first.seed));
        for (i, m) in self.scenarios.iter().enumerate() {
            let tag = if i == 0 { "baseline" } else { "scenario" };
            let sets =
                if m.overrides.is_empty() { String::new() } else { format!(", --set {}", m.overrides.join(" ")) };
            doc.line(&format!(
                "{tag} {}: {} ({}, sha256 {}{sets})",
                i + 1,
                m.scenario,
                m.origin,
                &m.scenario_hash[..16]
            ));
        }
        for a in &self.against {
            doc.heading(&format!("{} − {} (paired 95% intervals)", a.scenario, a.baseline));
            for note in &a.notes {
                doc.line(&format!("note: {note}; compared on what both share"));
            }
            // Below NARROW columns, one line a quantity: the intervals and
            // standard errors are left out (said below the table).
            let narrow = doc.narrower_than(NARROW);
            let header: &[&str] = if narrow {
                &["quantity", "baseline", "scenario", "difference", "≠ 0"]
            } else {
                &["quantity", "baseline", "scenario", "difference", "95% interval", "se (unpaired)", "≠ 0"]
            };
            let mut t = doc.table(header);
            for line in &a.lines {
                let d = &line.difference;
                // A host kept from contributing is "host", not a 0% rate
                // or a missing mean, and a difference with it is not shown
                // (`run` says the same).
                let host = line.host;
                let shown = |is_host: bool, x: f64| if is_host { "host".to_string() } else { value(line.kind, x) };
                let (a_cell, b_cell) =
                    (shown(host.is_some_and(Side::baseline), d.a), shown(host.is_some_and(Side::scenario), d.b));
                let mut cells = if host.is_some() {
                    vec![label(line), a_cell, b_cell, "—".into(), "—".into(), "—".into(), "—".into()]
                } else {
                    let (difference, interval) = delta_interval(line.kind, d.diff, d.lo, d.hi, d.excludes_zero);
                    vec![
                        label(line),
                        a_cell,
                        b_cell,
                        difference,
                        interval,
                        format!(
                            "{} ({})",
                            delta(line.kind, d.se).trim_start_matches('+'),
                            delta(line.kind, d.unpaired_se).trim_start_matches('+')
                        ),
                        if d.excludes_zero { "yes".into() } else { "no".into() },
                    ]
                };
                if narrow {
                    cells.drain(4..6);
                }
                doc.row(&mut t, cells);
            }
            doc.push(t, 1);
            if narrow {
                doc.line(&format!(
                    "The 95% intervals and standard errors show {NARROW} columns wide, or in --format csv or json."
                ));
            }
            let total: u64 = a.transitions.iter().flatten().sum();
            doc.line(&format!("outcome class flipped in {} of trials", pct(&a.flipped).trim()));
            let mut header = vec!["baseline ↓  scenario →".to_string()];
            header.extend(self.classes.iter().cloned());
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            let mut t = doc.table(&header);
            for (from, row) in self.classes.iter().zip(&a.transitions) {
                let mut cells = vec![from.clone()];
                cells.extend(row.iter().map(|k| format!("{:.1}%", 100.0 * *k as f64 / total.max(1) as f64)));
                doc.row(&mut t, cells);
            }
            doc.push(t, 1);
        }
        doc.finish()
    }

    fn json(&self) -> String {
        json::render(self)
    }

    fn csv(&self) -> String {
        let mut rows = Rows::new(&COMPARISON_HEADER);
        for a in &self.against {
            for line in &a.lines {
                let d = &line.difference;
                rows.row([
                    a.baseline.clone(),
                    a.scenario.clone(),
                    line.section.clone(),
                    line.item.clone(),
                    line.measure.clone(),
                    field(d.a),
                    field(d.b),
                    field(d.diff),
                    field(d.se),
                    field(d.lo),
                    field(d.hi),
                    field(d.unpaired_se),
                    d.excludes_zero.to_string(),
                    d.n_a.to_string(),
                    d.n_b.to_string(),
                    line.host.map_or_else(String::new, |side| side.name().to_string()),
                ]);
            }
            let total: u64 = a.transitions.iter().flatten().sum();
            for (from, row) in self.classes.iter().zip(&a.transitions) {
                for (to, k) in self.classes.iter().zip(row) {
                    let mut cells =
                        vec![a.baseline.clone(), a.scenario.clone(), "transition".into(), from.clone(), to.clone()];
                    cells.extend([String::new(), field(*k as f64 / total.max(1) as f64)]);
                    cells.extend(std::iter::repeat_n(String::new(), 6));
                    cells.extend([total.to_string(), k.to_string(), String::new()]);
                    rows.row(cells);
                }
            }
        }
        rows.finish()
    }
}
