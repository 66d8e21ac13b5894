//! Rendering a [`Sweep`].

use super::Render;
use super::csv::{Rows, field};
use super::doc::{Doc, Style, shorten_path};
use super::json;
use crate::stats::Proportion;
use crate::stats::summary::Estimate;
use crate::stats::sweep::{Point, Sweep};

/// Header of the sweep CSV layout: `point`, one column per varied path
/// (named by its path), then `measure,value,se,lo,hi,n`.
pub const SWEEP_FIXED_COLUMNS: [&str; 6] = ["measure", "value", "se", "lo", "hi", "n"];

/// A point's value for a reader: a drawn number (a Latin hypercube's
/// 0.6234518907323) to four significant figures; what was written as is.
/// CSV and JSON keep every digit.
fn short(value: &str) -> String {
    match value.parse::<f64>() {
        Ok(x) if x.is_finite() && x != 0.0 && value.len() > 8 => {
            let decimals = (3 - x.abs().log10().floor() as i64).clamp(0, 12) as usize;
            format!("{x:.decimals$}")
        }
        _ => value.to_string(),
    }
}

fn proportions(p: &Point) -> [(&'static str, &Proportion); 4] {
    [
        ("request", &p.funnel.request),
        ("deploy", &p.funnel.deploy),
        ("non_military", &p.funnel.non_military),
        ("refused", &p.funnel.refused),
    ]
}

fn estimates(p: &Point) -> [(&'static str, &Estimate); 5] {
    [
        ("deployed_given_deploy", &p.deployed),
        ("deployed_per_trial", &p.deployed_per_trial),
        ("shortfall_given_deploy", &p.shortfall),
        ("first_arrival_days", &p.first_arrival),
        ("full_strength_days", &p.full_strength),
    ]
}

impl Render for Sweep {
    fn document(&self, style: Style) -> String {
        let mut doc = Doc::new(style);
        let m = &self.meta;
        doc.title(&format!("Sweep of {} — {} trials per point, seed {}", m.scenario, m.trials, m.seed));
        doc.line(&format!(
            "scenario {} (sha256 {}), common random numbers across points",
            m.origin,
            &m.scenario_hash[..16]
        ));
        for o in &m.overrides {
            doc.line(&format!("override --set {o}"));
        }
        doc.heading("Funnel and deployment at each point (95% intervals)");
        // Compact, the paths share what the six short columns leave,
        // shortened from the left at a dot.
        let most = match doc.room(self.paths.len() + 6, 35) {
            Some(room) if doc.compact() => (room / self.paths.len().max(1)).max(6),
            _ => usize::MAX,
        };
        // A path whose last part does not fit is numbered, and named in
        // full under the table.
        let fits = |p: &str| p.rsplit('.').next().map_or(0, |s| s.chars().count()) < most;
        let paths: Vec<String> = self
            .paths
            .iter()
            .enumerate()
            .map(|(i, p)| if fits(p) { shorten_path(p, most) } else { format!("[{}]", i + 1) })
            .collect();
        let numbered: Vec<String> =
            self.paths.iter().enumerate().filter(|(_, p)| !fits(p)).map(|(i, p)| format!("[{}] {p}", i + 1)).collect();
        let mut header: Vec<&str> = paths.iter().map(String::as_str).collect();
        header.extend(if doc.compact() {
            ["request", "deploy", "refused", "sent", "short", "days"]
        } else {
            ["P(request)", "P(deploy)", "P(refused)", "deployed | deploy", "shortfall | deploy", "first arrival (days)"]
        });
        let mut t = doc.table(&header);
        for p in &self.points {
            let mut cells: Vec<String> = p.values.iter().map(|v| short(v)).collect();
            cells.extend([
                doc.pct(&p.funnel.request),
                doc.pct(&p.funnel.deploy),
                doc.pct(&p.funnel.refused),
                doc.est(&p.deployed),
                doc.est(&p.shortfall),
                doc.est(&p.first_arrival),
            ]);
            doc.row(&mut t, cells);
        }
        doc.push(t, self.paths.len());
        if !numbered.is_empty() {
            doc.line(&format!("{}.", numbered.join("; ")));
        }
        if doc.compact() {
            doc.line(
                "request, deploy, refused: the probabilities; sent, short: the personnel deployed and the \
                 shortfall, means given deploy; days: to the first arrival.",
            );
        }
        doc.compact_note();
        if self.points.first().is_some_and(|p| !p.outcomes.is_empty()) {
            doc.heading("Outcome metrics at each point (mean ± se)");
            let mut header: Vec<&str> = paths.iter().map(String::as_str).collect();
            let names: Vec<String> = self.points[0].outcomes.iter().map(|o| o.name.clone()).collect();
            header.extend(names.iter().map(String::as_str));
            let mut t = doc.table(&header);
            for p in &self.points {
                let mut cells: Vec<String> = p.values.iter().map(|v| short(v)).collect();
                cells.extend(p.outcomes.iter().map(|o| doc.est(&o.estimate)));
                doc.row(&mut t, cells);
            }
            doc.push(t, self.paths.len());
        }
        doc.finish()
    }

    fn json(&self) -> String {
        json::render(self)
    }

    fn csv(&self) -> String {
        let mut header = vec!["point".to_string()];
        header.extend(self.paths.iter().cloned());
        header.extend(SWEEP_FIXED_COLUMNS.iter().map(|s| (*s).to_string()));
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut rows = Rows::new(&header);
        for (i, p) in self.points.iter().enumerate() {
            let lead = |measure: &str| {
                let mut cells = vec![(i + 1).to_string()];
                cells.extend(p.values.iter().cloned());
                cells.push(measure.to_string());
                cells
            };
            for (name, q) in proportions(p) {
                let mut cells = lead(&format!("p_{name}"));
                cells.extend([field(q.p), String::new(), field(q.lo), field(q.hi), q.n.to_string()]);
                rows.row(cells);
            }
            let outcome_estimates = p.outcomes.iter().map(|o| (format!("outcome_{}", o.name), &o.estimate));
            for (name, e) in estimates(p).into_iter().map(|(n, e)| (n.to_string(), e)).chain(outcome_estimates) {
                let mut cells = lead(&name);
                cells.extend([field(e.mean), field(e.se), field(e.lo), field(e.hi), e.n.to_string()]);
                rows.row(cells);
            }
        }
        rows.finish()
    }
}
