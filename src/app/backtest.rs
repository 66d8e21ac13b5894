//! `alliance-sim backtest`: every scenario with an `observed` block against
//! its own history, from the same statistics `run` reports.

use std::process::ExitCode;

use serde::{Deserialize, Serialize};

use super::{Failure, emit, load_quietly, load_scenario, watched};
use crate::analysis::{self, CalibratePlan, FitParameter, forecast};
use crate::batch::Plan;
use crate::cli::{BacktestArgs, BatchArgs, LeftOutArgs};
use crate::report::Render;
use crate::report::csv::{Rows, field};
use crate::report::doc::{Doc, Style, pct};
use crate::report::json;
use crate::report::table::recorded_fields;
use crate::scenario::{Override, Prepared, Source, bundled};
use crate::stats::Proportion;
use crate::stats::calibrate::frequency_baseline;
use crate::stats::summary::{self, AtOnset, Backtest, LeftOut, Meta};
use crate::vocabulary::class;

/// Version of the backtest JSON layout.
pub const BACKTEST_SCHEMA_VERSION: u32 = 1;

/// One historical case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// The run.
    pub meta: Meta,
    /// Where history falls, with the scenario's numbers as written (in
    /// sample when they were fitted to this case).
    pub backtest: Backtest,
    /// P(the observed class) from the class frequencies of the other cases
    /// (half a case added to each class).
    pub class_frequency: f64,
    /// Where history falls at a fit that never saw this case, when the
    /// fitted parameters were given.
    pub left_out: Option<LeftOut>,
}

/// Every case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtests {
    /// Layout version.
    pub schema_version: u32,
    /// The cases, in the order given (bundled order by default).
    pub cases: Vec<Case>,
}

/// Runs the backtest, its throughput said once for all its runs.
pub fn run(args: &BacktestArgs) -> Result<ExitCode, Failure> {
    super::gathering_throughput(|| backtest(args))
}

fn backtest(args: &BacktestArgs) -> Result<ExitCode, Failure> {
    super::check_targets(&args.output, &[])?;
    let names: Vec<String> = if args.scenarios.is_empty() {
        bundled::list().into_iter().map(|(n, _)| n.to_string()).collect()
    } else {
        args.scenarios.clone()
    };
    let fit = super::calibrate::fit_parameters(&args.fit.fit, args.fit.fit_file.as_deref())?;
    let with_history: Vec<String> =
        with_history(&names, !args.scenarios.is_empty())?.into_iter().map(|(name, _)| name).collect();
    let refits = if fit.is_empty() { None } else { Some(left_out_fits(&with_history, fit.clone(), &args.batch)?) };
    let prepared: Vec<Prepared> = with_history.iter().map(|n| Prepared::read(&Source::resolve(n))).collect();
    let mut cases: Vec<Case> = Vec::new();
    for (i, name) in with_history.iter().enumerate() {
        let (meta, backtest) = check(name, &[], &args.batch)?;
        let left_out = match &refits {
            Some(values) => Some(left_out(i, &with_history, &prepared, &fit, &values[i], &args.batch)?),
            None => None,
        };
        cases.push(Case { meta, backtest, class_frequency: 0.0, left_out });
    }
    let observed: Vec<usize> = cases.iter().map(|c| class::index(&c.backtest.outcome).unwrap_or(0)).collect();
    for ((case, p), o) in cases.iter_mut().zip(frequency_baseline(&observed)).zip(&observed) {
        case.class_frequency = p[*o];
    }
    emit(&Backtests { schema_version: BACKTEST_SCHEMA_VERSION, cases }, &args.output).map(|()| ExitCode::SUCCESS)
}

/// Of `names`, those whose scenario records an outcome, with its class
/// index (the others named on stderr when `say` is set).
fn with_history(names: &[String], say: bool) -> Result<Vec<(String, usize)>, Failure> {
    let mut out = Vec::new();
    for name in names {
        let s = load_scenario(name, &[])?.scenario;
        if let Some(class) = s.observed.as_ref().and_then(|o| o.outcome) {
            out.push((name.clone(), usize::from(class)));
        } else if say {
            eprintln!("{name}: no observed outcome, skipped");
        }
    }
    Ok(out)
}

/// Case `names[i]` at `values` of `fit` (its refit without it): where
/// history falls there, and at onset.
fn left_out(
    i: usize,
    names: &[String],
    prepared: &[Prepared],
    fit: &[FitParameter],
    values: &[f64],
    batch: &BatchArgs,
) -> Result<LeftOut, Failure> {
    let overrides: Vec<Override> = fit.iter().zip(values).map(|(p, v)| p.set_to(*v)).collect();
    let (_, backtest) = check(&names[i], &overrides, batch)?;
    let at_onset = at_onset(i, names, prepared, &overrides, batch)?;
    let values = fit.iter().zip(values).map(|(p, v)| (p.path.clone(), *v)).collect();
    Ok(LeftOut { values, backtest, class_frequency: None, at_onset })
}

/// What `run` and `report` show beside case `name` in sample when given
/// --fit or --fit-file: the case left out of a fit to every bundled case
/// with history, and at onset. `None` without them.
pub(super) fn left_out_for(
    name: &str,
    args: &LeftOutArgs,
    overrides: &[Override],
    batch: &BatchArgs,
) -> Result<Option<LeftOut>, Failure> {
    let fit = super::calibrate::fit_parameters(&args.fit, args.fit_file.as_deref())?;
    if fit.is_empty() {
        return Ok(None);
    }
    if !overrides.is_empty() {
        return Err(Failure::input(
            "error: --fit/--fit-file checks the case as the base was fitted to it, so it takes no --set (the \
             refit would not have seen the change)",
        ));
    }
    left_out_of(name, &fit, batch).map(Some)
}

/// The bundled case `name` left out of a fit of `fit` to every bundled
/// case with history, and at onset.
fn left_out_of(name: &str, fit: &[FitParameter], batch: &BatchArgs) -> Result<LeftOut, Failure> {
    let all: Vec<String> = bundled::list().into_iter().map(|(n, _)| n.to_string()).collect();
    let (cases, observed): (Vec<String>, Vec<usize>) = with_history(&all, false)?.into_iter().unzip();
    let Some(i) = bundled::find(name).and_then(|b| cases.iter().position(|c| c == b)) else {
        if with_history(&[name.to_string()], false)?.is_empty() {
            return Err(Failure::input(format!(
                "error: --fit-file: {name} records no history (no `observed:` outcome), so there is nothing to \
                 check left out"
            )));
        }
        return Err(Failure::input(format!(
            "error: --fit-file: {name} is not one of the cases the base was fitted to ({}); its figures are \
             already out of sample",
            cases.join(", ")
        )));
    };
    let refits = left_out_fits(&cases, fit.to_vec(), batch)?;
    let prepared: Vec<Prepared> = cases.iter().map(|n| Prepared::read(&Source::resolve(n))).collect();
    let class_frequency = Some(frequency_baseline(&observed)[i][observed[i]]);
    Ok(LeftOut { class_frequency, ..left_out(i, &cases, &prepared, fit, &refits[i], batch)? })
}

/// Runs case `name` with `overrides`; returns its metadata and where history falls.
fn check(name: &str, overrides: &[Override], batch: &BatchArgs) -> Result<(Meta, Backtest), Failure> {
    let s = load_scenario(name, overrides)?.scenario;
    let trials = batch.trials.unwrap_or(s.run.trials);
    let seed = batch.seed.unwrap_or(s.run.seed);
    let stats = super::run::run_one(&s, Plan { seed, start: 0, end: trials }, batch.threads, Default::default(), "")?;
    let summary = summary::summarise(&s, &stats, Meta::new(&s, seed, trials, overrides));
    let backtest = summary.backtest.ok_or_else(|| Failure::failed(format!("error: {name}: no history to check")))?;
    Ok((summary.meta, backtest))
}

/// Case `i` forecast as at its onset with `overrides` (its left-out fit):
/// its trials split among the other cases' definitions of what is known
/// only after the outcome. `None` when its scenario marks nothing so, or no
/// other case defines it.
fn at_onset(
    i: usize,
    names: &[String],
    prepared: &[Prepared],
    overrides: &[Override],
    batch: &BatchArgs,
) -> Result<Option<AtOnset>, Failure> {
    let s = load_quietly(&names[i], overrides)?.scenario;
    let others: Vec<(String, &Prepared)> =
        names.iter().zip(prepared).enumerate().filter(|(j, _)| *j != i).map(|(_, (n, p))| (n.clone(), p)).collect();
    let onset = forecast::onset(&names[i], &s, &others);
    if !onset.possible() {
        return Ok(None);
    }
    let variants = onset
        .variants(&prepared[i], overrides)
        .map_err(|e| Failure::input(format!("the onset forecast of {}:\n{e}", names[i])))?;
    let trials = batch.trials.unwrap_or(s.run.trials);
    let seed = batch.seed.unwrap_or(s.run.seed);
    let finished = watched(batch.threads, |monitor| forecast::run(&variants, seed, trials, monitor))?;
    if finished.interrupted {
        return Err(Failure::failed("interrupted: no results were printed"));
    }
    let stats = finished.value;
    let summary = summary::summarise(&s, &stats, Meta::new(&s, seed, trials, overrides));
    let backtest =
        summary.backtest.ok_or_else(|| Failure::failed(format!("error: {}: no history to check", names[i])))?;
    Ok(Some(AtOnset { drawn: onset.after, from: onset.priors.into_iter().map(|(n, _)| n).collect(), backtest }))
}

/// Each case's fitted values without it: `calibrate`'s leave-one-case-out
/// refits, on its default trials, seed and iterations.
fn left_out_fits(names: &[String], fit: Vec<FitParameter>, batch: &BatchArgs) -> Result<Vec<Vec<f64>>, Failure> {
    use crate::analysis::calibrate::{DEFAULT_ITERATIONS, DEFAULT_SEED, DEFAULT_TRIALS};
    let plan = CalibratePlan {
        cases: names.iter().map(|n| Source::resolve(n)).collect(),
        fit,
        trials: DEFAULT_TRIALS,
        seed: DEFAULT_SEED,
        max_iterations: DEFAULT_ITERATIONS,
        intervals: false,
        cross_validate: true,
    };
    let fitted = watched(batch.threads, |monitor| analysis::calibrate(&plan, monitor))??;
    Ok(fitted.cases.into_iter().map(|c| c.left_out_values.unwrap_or_default()).collect())
}

/// A backtest's CSV rows, each measure named with `prefix` (`left_out_`
/// for the refit without the case).
fn backtest_rows(rows: &mut Rows, case: &str, prefix: &str, b: &Backtest) {
    let proportion = |rows: &mut Rows, measure: &str, item: &str, p: &Proportion| {
        let measure = format!("{prefix}{measure}");
        rows.row([case, &measure, item, &field(p.p), &field(p.lo), &field(p.hi), &p.n.to_string()]);
    };
    let value = |rows: &mut Rows, measure: &str, item: &str, v: String| {
        rows.row([case, &format!("{prefix}{measure}"), item, &v, "", "", ""]);
    };
    proportion(rows, "outcome_probability", &b.outcome, &b.outcome_probability);
    if let Some(q) = b.personnel_percentile {
        value(rows, "personnel_percentile", "", field(q));
    }
    for (id, p) in &b.contributors {
        value(rows, "contributes_given_deploy", id, field(*p));
    }
    for x in &b.times {
        proportion(rows, "time_within_range", &x.field, &x.within);
        value(rows, "time_earlier", &x.field, field(x.below));
        value(rows, "time_later", &x.field, field(x.above));
    }
    if let Some(p) = &b.contributor_set {
        proportion(rows, "contributor_set", "", p);
    }
    proportion(rows, "all_fields", "", &b.all_fields);
    value(rows, "outside_central_90", "", b.outside_central_90.to_string());
    value(rows, "rank", &b.outcome, b.rank.to_string());
    value(rows, "log_score", &b.outcome, field(b.log_score));
}

/// Where history falls in a case's forecast at onset, when there is one.
fn onset(c: &Case) -> Option<&Backtest> {
    c.left_out.as_ref().and_then(|l| l.at_onset.as_ref()).map(|a| &a.backtest)
}

/// Whether a case records anything beyond its outcome class.
fn records_more_than_a_class(b: &Backtest) -> bool {
    b.personnel.is_some() || b.contributor_set.is_some() || !b.times.is_empty()
}

impl Render for Backtests {
    fn document(&self, style: Style) -> String {
        let mut doc = Doc::new(style);
        doc.title("Backtest: the model against the historical cases");
        doc.line(
            "History is flagged when it lies outside the simulated central 90%: its outcome class has P < 5%, its \
             personnel or a recorded time lies before the 5th or after the 95th percentile, or its contributor set \
             has P < 5%, or no simulated run falls in a recorded time's range.",
        );
        let left_out = self.cases.iter().any(|c| c.left_out.is_some());
        let but = if left_out {
            "were); left out: each case run at a fit that never saw it"
        } else {
            "were; --fit-file scenarios/base/csto.fit adds each case left out)"
        };
        doc.line(&format!(
            "In sample: the scenarios as written, whose numbers were fitted to these cases (the base's {but}. \
             Class frequencies: each case's class as often as among the other cases."
        ));
        if self.cases.iter().any(|c| c.left_out.as_ref().is_some_and(|l| l.at_onset.is_some())) {
            doc.line(
                "At onset: left out, with what is known only after the outcome (crisis.known: after) drawn from the \
                 other cases, each equally likely: the forecast one could have made at the time.",
            );
        }
        doc.heading("Cases: P(the observed class)");
        let at_onset = self.cases.iter().any(|c| onset(c).is_some());
        let mut headers = vec!["case", "observed", "in sample", "rank"];
        if left_out {
            headers.push("left out");
        }
        if at_onset {
            headers.push("at onset");
        }
        headers.extend(["class frequencies", "in central 90%"]);
        let mut t = doc.table(&headers);
        for c in &self.cases {
            let b = &c.backtest;
            let mut row = vec![
                c.meta.scenario.clone(),
                b.outcome.clone(),
                doc.pct(&b.outcome_probability).trim_start().to_string(),
                format!("{} of 4", b.rank),
            ];
            if left_out {
                row.push(
                    c.left_out
                        .as_ref()
                        .map_or("—".into(), |l| doc.pct(&l.backtest.outcome_probability).trim_start().to_string()),
                );
            }
            if at_onset {
                row.push(onset(c).map_or("—".into(), |b| doc.pct(&b.outcome_probability).trim_start().to_string()));
            }
            row.push(format!("{:.1}%", 100.0 * c.class_frequency));
            let tail = |b: &Backtest| if b.outside_central_90 { "NO" } else { "yes" };
            row.push(match &c.left_out {
                Some(l) => format!("{} / {} left out", tail(b), tail(&l.backtest)),
                None => tail(b).into(),
            });
            doc.row(&mut t, row);
        }
        doc.push(t, 2);
        doc.compact_note();
        if !self.cases.is_empty() {
            let n = self.cases.len() as f64;
            let top = self.cases.iter().filter(|c| c.backtest.rank == 1).count();
            let mean = |f: &dyn Fn(&Case) -> f64| self.cases.iter().map(f).sum::<f64>() / n;
            let mut line = format!(
                "History's class is the most likely one in {top} of {} cases in sample. Mean log score: in sample \
                 {:.3}",
                self.cases.len(),
                mean(&|c| c.backtest.log_score)
            );
            if left_out {
                let top_out =
                    self.cases.iter().filter(|c| c.left_out.as_ref().is_some_and(|l| l.backtest.rank == 1)).count();
                line += &format!(
                    ", left out {:.3} (top class in {top_out} of {})",
                    mean(&|c| c.left_out.as_ref().map_or(f64::NAN, |l| l.backtest.log_score)),
                    self.cases.len()
                );
            }
            if at_onset {
                // A case with nothing known only after is its own forecast.
                let score =
                    |c: &Case| onset(c).or(c.left_out.as_ref().map(|l| &l.backtest)).map_or(f64::NAN, |b| b.log_score);
                let top = self
                    .cases
                    .iter()
                    .filter(|c| onset(c).or(c.left_out.as_ref().map(|l| &l.backtest)).is_some_and(|b| b.rank == 1))
                    .count();
                line += &format!(", at onset {:.3} (top class in {top} of {})", mean(&score), self.cases.len());
            }
            line += &format!(
                ", class frequencies {:.3}, uniform over the four classes {:.3}. Trials per case: {}.",
                mean(&|c| c.class_frequency.ln()),
                0.25f64.ln(),
                self.cases[0].meta.trials
            );
            doc.line(&line);
        }
        let recorded: Vec<&Case> = self.cases.iter().filter(|c| records_more_than_a_class(&c.backtest)).collect();
        if !recorded.is_empty() {
            doc.heading("Every other recorded field");
            let mut headers = vec!["case", "history", "in sample"];
            if left_out {
                headers.push("left out");
            }
            if at_onset {
                headers.push("at onset");
            }
            let mut t = doc.table(&headers);
            for c in recorded {
                let lines = recorded_fields(&c.backtest);
                let out = c.left_out.as_ref().map(|l| recorded_fields(&l.backtest));
                let early = onset(c).map(recorded_fields);
                for (i, (history, simulated)) in lines.into_iter().enumerate() {
                    let mut row = vec![c.meta.scenario.clone(), history, simulated];
                    if left_out {
                        row.push(out.as_ref().and_then(|o| o.get(i)).map_or("—".into(), |(_, s)| s.clone()));
                    }
                    if at_onset {
                        row.push(early.as_ref().and_then(|o| o.get(i)).map_or("—".into(), |(_, s)| s.clone()));
                    }
                    doc.row(&mut t, row);
                }
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
            let case = c.meta.scenario.as_str();
            backtest_rows(&mut rows, case, "", &c.backtest);
            rows.row([case, "class_frequency", &c.backtest.outcome, &field(c.class_frequency), "", "", ""]);
            if let Some(l) = &c.left_out {
                backtest_rows(&mut rows, case, "left_out_", &l.backtest);
                for (path, v) in &l.values {
                    rows.row([case, "left_out_value", path, &field(*v), "", "", ""]);
                }
                if let Some(a) = &l.at_onset {
                    backtest_rows(&mut rows, case, "at_onset_", &a.backtest);
                    for v in &a.drawn {
                        rows.row([case, "at_onset_drawn", v, "", "", "", ""]);
                    }
                }
            }
        }
        rows.finish()
    }
}
