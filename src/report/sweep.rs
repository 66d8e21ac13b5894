//! Rendering a [`Sweep`].

use super::Render;
use super::csv::{Rows, field};
use super::doc::{Doc, Style, est, pct};
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
        let mut header: Vec<&str> = self.paths.iter().map(String::as_str).collect();
        header.extend([
            "P(request)",
            "P(deploy)",
            "P(refused)",
            "deployed | deploy",
            "shortfall | deploy",
            "first arrival (days)",
        ]);
        let mut t = doc.table(&header);
        for p in &self.points {
            let mut cells: Vec<String> = p.values.iter().map(|v| short(v)).collect();
            cells.extend([
                pct(&p.funnel.request),
                pct(&p.funnel.deploy),
                pct(&p.funnel.refused),
                est(&p.deployed),
                est(&p.shortfall),
                est(&p.first_arrival),
            ]);
            doc.row(&mut t, cells);
        }
        doc.push(t, self.paths.len());
        if self.points.first().is_some_and(|p| !p.outcomes.is_empty()) {
            doc.heading("Outcome metrics at each point (mean ± se)");
            let mut header: Vec<&str> = self.paths.iter().map(String::as_str).collect();
            let names: Vec<String> = self.points[0].outcomes.iter().map(|o| o.name.clone()).collect();
            header.extend(names.iter().map(String::as_str));
            let mut t = doc.table(&header);
            for p in &self.points {
                let mut cells: Vec<String> = p.values.iter().map(|v| short(v)).collect();
                cells.extend(p.outcomes.iter().map(|o| est(&o.estimate)));
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
