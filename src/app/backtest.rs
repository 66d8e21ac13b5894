//! `alliance-sim backtest`: every scenario with an `observed` block against
//! its own history, from the same statistics `run` reports.

use std::process::ExitCode;

use serde::{Deserialize, Serialize};

use super::{Failure, emit, load_scenario};
use crate::batch::Plan;
use crate::cli::BacktestArgs;
use crate::report::Render;
use crate::report::csv::{Rows, field};
use crate::report::doc::{Doc, Style, pct};
use crate::report::json;
use crate::report::table::{day_range, time_check};
use crate::scenario::bundled;
use crate::stats::summary::{self, Backtest, Meta};

/// Version of the backtest JSON layout.
pub const BACKTEST_SCHEMA_VERSION: u32 = 1;

/// One historical case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// The run.
    pub meta: Meta,
    /// Where history falls.
    pub backtest: Backtest,
}

/// Every case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtests {
    /// Layout version.
    pub schema_version: u32,
    /// The cases, in the order given (bundled order by default).
    pub cases: Vec<Case>,
}

/// Runs the backtest.
pub fn run(args: &BacktestArgs) -> Result<ExitCode, Failure> {
    super::check_targets(&args.output, &[])?;
    let names: Vec<String> = if args.scenarios.is_empty() {
        bundled::list().into_iter().map(|(n, _)| n.to_string()).collect()
    } else {
        args.scenarios.clone()
    };
    let mut cases = Vec::new();
    for name in &names {
        let s = load_scenario(name, &[])?.scenario;
        if s.observed.as_ref().is_none_or(|o| o.outcome.is_none()) {
            if !args.scenarios.is_empty() {
                eprintln!("{name}: no observed outcome, skipped");
            }
            continue;
        }
        let trials = args.batch.trials.unwrap_or(s.run.trials);
        let seed = args.batch.seed.unwrap_or(s.run.seed);
        let stats =
            super::run::run_one(&s, Plan { seed, start: 0, end: trials }, args.batch.threads, Default::default(), "")?;
        let summary = summary::summarise(&s, &stats, Meta::new(&s, seed, trials, &[]));
        if let Some(backtest) = summary.backtest {
            cases.push(Case { meta: summary.meta, backtest });
        }
    }
    emit(&Backtests { schema_version: BACKTEST_SCHEMA_VERSION, cases }, &args.output).map(|()| ExitCode::SUCCESS)
}

/// Whether a case records anything beyond its outcome class.
fn records_more_than_a_class(b: &Backtest) -> bool {
    b.personnel.is_some() || b.contributor_set.is_some() || !b.times.is_empty()
}

impl Render for Backtests {
    fn document(&self, style: Style) -> String {
        let mut doc = Doc::new(style);
        doc.title("Backtest: the model against the historical cases");
        doc.line("History is flagged when it lies outside the simulated central 90%: its outcome class has P < 5%,");
        doc.line("its personnel or a recorded time lies before the 5th or after the 95th percentile, or its");
        doc.line("contributor set has P < 5%.");
        doc.heading("Cases");
        let mut t = doc.table(&["case", "observed", "P(observed class)", "rank", "ln P", "in central 90%"]);
        for c in &self.cases {
            let b = &c.backtest;
            doc.row(
                &mut t,
                vec![
                    c.meta.scenario.clone(),
                    b.outcome.clone(),
                    pct(&b.outcome_probability),
                    format!("{} of 4", b.rank),
                    format!("{:.3}", b.log_score),
                    if b.outside_central_90 { "NO — history in a tail".into() } else { "yes".into() },
                ],
            );
        }
        doc.push(t, 2);
        if !self.cases.is_empty() {
            let n = self.cases.len();
            let top = self.cases.iter().filter(|c| c.backtest.rank == 1).count();
            let mean = self.cases.iter().map(|c| c.backtest.log_score).sum::<f64>() / n as f64;
            doc.line(&format!(
                "History's class is the most likely one in {top} of {n} cases; mean log score {mean:.3} \
                 (uniform over the four classes: {:.3}). Trials per case: {}.",
                0.25f64.ln(),
                self.cases[0].meta.trials
            ));
        }
        let recorded: Vec<&Case> = self.cases.iter().filter(|c| records_more_than_a_class(&c.backtest)).collect();
        if !recorded.is_empty() {
            doc.heading("Every other recorded field");
            let mut t = doc.table(&["case", "history", "simulated"]);
            for c in recorded {
                let b = &c.backtest;
                let name = || c.meta.scenario.clone();
                if let (Some(v), Some(q)) = (b.personnel, b.personnel_percentile) {
                    doc.row(&mut t, vec![name(), format!("personnel: {v}"), format!("percentile {:.1}", 100.0 * q)]);
                }
                if let Some(p) = &b.contributor_set {
                    let ids: Vec<&str> = b.contributors.iter().map(|(id, _)| id.as_str()).collect();
                    doc.row(
                        &mut t,
                        vec![
                            name(),
                            format!("contributors: {}", ids.join(", ")),
                            format!("P(exactly) = {}", pct(p).trim_start()),
                        ],
                    );
                }
                for x in &b.times {
                    doc.row(&mut t, vec![name(), format!("{}: {}", x.field, day_range(x.from, x.to)), time_check(x)]);
                }
                doc.row(&mut t, vec![name(), "all of it at once".into(), pct(&b.all_fields)]);
            }
            doc.push(t, 2);
        }
        for c in self.cases.iter().filter(|c| !c.backtest.contributors.is_empty()) {
            doc.heading(&format!("{}: the observed contributors", c.meta.scenario));
            let mut t = doc.table(&["member", "P(contributes | deploy)"]);
            for (id, p) in &c.backtest.contributors {
                doc.row(&mut t, vec![id.clone(), format!("{:.1}%", 100.0 * p)]);
            }
            if let Some(p) = &c.backtest.contributor_set {
                doc.row(&mut t, vec!["exactly this set".into(), pct(p)]);
            }
            doc.push(t, 1);
        }
        doc.finish()
    }

    fn json(&self) -> String {
        json::render(self)
    }

    fn csv(&self) -> String {
        let mut rows = Rows::new(&["case", "measure", "item", "value", "lo", "hi", "n"]);
        for c in &self.cases {
            let b = &c.backtest;
            let p = &b.outcome_probability;
            rows.row([
                &c.meta.scenario,
                "outcome_probability",
                &b.outcome,
                &field(p.p),
                &field(p.lo),
                &field(p.hi),
                &p.n.to_string(),
            ]);
            if let Some(q) = b.personnel_percentile {
                rows.row([&c.meta.scenario, "personnel_percentile", "", &field(q), "", "", ""]);
            }
            for (id, p) in &b.contributors {
                rows.row([&c.meta.scenario, "contributes_given_deploy", id, &field(*p), "", "", ""]);
            }
            for x in &b.times {
                let w = &x.within;
                rows.row([
                    &c.meta.scenario,
                    "time_within_range",
                    &x.field,
                    &field(w.p),
                    &field(w.lo),
                    &field(w.hi),
                    &w.n.to_string(),
                ]);
                rows.row([&c.meta.scenario, "time_earlier", &x.field, &field(x.below), "", "", ""]);
                rows.row([&c.meta.scenario, "time_later", &x.field, &field(x.above), "", "", ""]);
            }
            if let Some(p) = &b.contributor_set {
                rows.row([
                    &c.meta.scenario,
                    "contributor_set",
                    "",
                    &field(p.p),
                    &field(p.lo),
                    &field(p.hi),
                    &p.n.to_string(),
                ]);
            }
            let a = &b.all_fields;
            rows.row([&c.meta.scenario, "all_fields", "", &field(a.p), &field(a.lo), &field(a.hi), &a.n.to_string()]);
            rows.row([&c.meta.scenario, "outside_central_90", "", &b.outside_central_90.to_string(), "", "", ""]);
            rows.row([&c.meta.scenario, "rank", &b.outcome, &b.rank.to_string(), "", "", ""]);
            rows.row([&c.meta.scenario, "log_score", &b.outcome, &field(b.log_score), "", "", ""]);
        }
        rows.finish()
    }
}
