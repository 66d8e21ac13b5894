//! Calibration: fit chosen parameters to the historical cases by maximum
//! likelihood, and say how well the fit predicts cases it did not see.
//!
//! The likelihood is that of each case's whole record at once, estimated
//! from the simulated frequencies: a trial counts when its outcome class is
//! history's and every other field the case records matches too (personnel
//! within ±25%, exactly the contributors, each recorded time within the
//! range its sources allow). Every case runs on the same
//! seed and trial indices at every evaluation — common random numbers — so
//! the estimate moves smoothly with the parameters instead of jumping with
//! fresh noise, and Nelder–Mead (the `argmin` crate) can climb it.
//!
//! Intervals are 95% profile-likelihood intervals: each parameter is held
//! at points across its range while the others are refitted, and the
//! interval is where the deviance stays below 3.84 (χ², one degree of
//! freedom). Leave-one-case-out cross-validation refits without each case,
//! from the middle of each range (so that nothing the case taught the full
//! fit leaks in), and scores the probability the refit gives it.

use std::sync::atomic::Ordering;

use argmin::core::{CostFunction, Executor, State};
use argmin::solver::neldermead::NelderMead;
use rayon::prelude::*;

use super::forecast::{self, Onset};
use super::{AnalysisError, Monitor};
use crate::batch;
use crate::scenario::{self, Override, Source};
use crate::stats::batch::BatchStats;
use crate::stats::calibrate::{
    CALIBRATION_SCHEMA_VERSION, Calibration, CaseFit, Fitted, Score, frequency_baseline, rank,
};
use crate::vocabulary::class;

/// The score of the onset forecasts, as the scores table names it.
pub const FORECAST: &str = "forecast at onset (left out, after-the-fact inputs drawn)";
/// The score of the class-frequency baseline, as the scores table names it.
pub const FREQUENCY: &str = "class frequencies of the other cases";
/// Deviance at the edge of a 95% interval (χ² quantile, 1 degree of freedom).
const DEVIANCE_95: f64 = 3.841_458_820_694_124;
/// Points at which each parameter's profile is evaluated.
const PROFILE_POINTS: usize = 9;
/// Trials per case per evaluation, unless asked otherwise.
pub const DEFAULT_TRIALS: u64 = 4000;
/// The seed every case runs on, unless asked otherwise.
pub const DEFAULT_SEED: u64 = 2022;
/// Most Nelder–Mead iterations per fit, unless asked otherwise.
pub const DEFAULT_ITERATIONS: u64 = 200;

/// A calibration to run.
#[derive(Debug, Clone)]
pub struct CalibratePlan {
    /// The cases, each a scenario with an `observed` outcome.
    pub cases: Vec<Source>,
    /// The parameters to fit, with their bounds.
    pub fit: Vec<FitParameter>,
    /// Trials per case per evaluation.
    pub trials: u64,
    /// The seed every case runs on.
    pub seed: u64,
    /// Most Nelder–Mead iterations per fit (each costs one or more
    /// evaluations of the likelihood).
    pub max_iterations: u64,
    /// Compute profile-likelihood intervals.
    pub intervals: bool,
    /// Refit without each case in turn (leave-one-out).
    pub cross_validate: bool,
}

/// `PATH=LO:HI`: a parameter to fit and the range searched.
#[derive(Debug, Clone, PartialEq)]
pub struct FitParameter {
    /// The `--set` path (a rule's number by its id:
    /// `decisions.request.rules.survival.add`).
    pub path: String,
    /// Lowest value searched.
    pub lo: f64,
    /// Highest value searched.
    pub hi: f64,
    /// Whether LO and HI are written as integers. The search then keeps to
    /// whole numbers when the scenario's value is whole too and the range
    /// holds more than its two ends (a cap, a pledge; not a probability
    /// searched on 0:1).
    pub whole: bool,
}

impl std::str::FromStr for FitParameter {
    type Err = String;
    fn from_str(s: &str) -> Result<FitParameter, String> {
        let o: Override = s.parse()?;
        let bad = || format!("'{s}': expected PATH=LO:HI with finite LO below HI (e.g. decisions.request.base=0:0.5)");
        let (lo, hi) = o.value.split_once(':').ok_or_else(bad)?;
        let (lo, hi) = (lo.trim(), hi.trim());
        let (l, h): (f64, f64) = (lo.parse().map_err(|_| bad())?, hi.parse().map_err(|_| bad())?);
        if !(l.is_finite() && h.is_finite() && l < h && (h - l).is_finite()) {
            return Err(bad());
        }
        let whole = lo.parse::<i64>().is_ok() && hi.parse::<i64>().is_ok();
        Ok(FitParameter { path: o.path, lo: l, hi: h, whole })
    }
}

impl FitParameter {
    /// The override that sets this parameter to `x`, named by `--fit`.
    pub fn set_to(&self, x: f64) -> Override {
        Override::from("--fit", self.path.clone(), number_text(x))
    }

    /// The value at `u` in [0, 1] of the range (rounded for whole numbers).
    fn at(&self, u: f64) -> f64 {
        let x = self.lo + (self.hi - self.lo) * u.clamp(0.0, 1.0);
        if self.whole { x.round() } else { x }
    }

    /// Where `x` lies in the range, in [0, 1].
    fn unit(&self, x: f64) -> f64 {
        ((x - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
    }
}

/// A case ready to evaluate: where it comes from and what history chose.
struct Case {
    /// Its files read once, for the thousands of loads a fit makes.
    prepared: scenario::Prepared,
    name: String,
    origin: String,
    observed: usize,
    personnel: Option<u64>,
    /// Its forecast at onset: the variables known only after, drawn from
    /// the other cases.
    onset: Onset,
}

/// What one evaluation of one case gives.
#[derive(Clone, Copy)]
struct CaseLikelihood {
    classes: [f64; 4],
    log_likelihood: f64,
}

/// The likelihood over the cases, counting its evaluations.
struct Objective<'a, 'm> {
    plan: &'a CalibratePlan,
    cases: &'a [Case],
    /// The monitor and the fit's progress.
    progress: &'a std::sync::Mutex<Progress<'m>>,
}

#[cfg(test)]
static NEVER_STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// How far a calibration is, in likelihood evaluations and in trials. Each
/// stage (the fit, each parameter's interval, each left-out case) has a
/// budget of evaluations; a stage that converges early gives the rest of
/// its budget back, so the bar ends at its end and the time left is not
/// the worst case's.
struct Progress<'m> {
    monitor: Monitor<'m>,
    evaluations: u64,
    trials: u64,
    /// Trials planned for the whole calibration, as budgeted so far.
    planned: u64,
    /// Where the current stage's budget ends, in trials.
    stage_end: u64,
}

impl Progress<'_> {
    /// Closes the current stage (its unspent budget leaves the plan) and
    /// opens the next, named `name`, with a budget of `trials`.
    fn stage(&mut self, name: &str, trials: u64) {
        self.close_stage();
        self.stage_end = self.trials + trials;
        self.monitor.stage(name);
    }

    /// Gives the current stage's unspent budget back.
    fn close_stage(&mut self) {
        self.planned = self.planned.saturating_sub(self.stage_end.saturating_sub(self.trials)).max(self.trials);
        self.stage_end = self.trials;
        (self.monitor.progress)(self.trials, self.planned);
    }
}

/// Why an evaluation stopped.
#[derive(Debug)]
enum Stop {
    Cancelled,
    Scenario(AnalysisError),
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Cancelled => f.write_str("interrupted"),
            Stop::Scenario(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Stop {}

impl Objective<'_, '_> {
    /// Each case's class probabilities and log-likelihood at `values` (one
    /// per fitted parameter), over the cases whose indices `which` lists.
    fn evaluate(&self, values: &[f64], which: &[usize]) -> Result<Vec<CaseLikelihood>, Stop> {
        {
            let mut m = self.progress.lock().unwrap_or_else(|e| e.into_inner());
            if m.monitor.cancel.load(Ordering::Relaxed) {
                return Err(Stop::Cancelled);
            }
            // Progress in trials, as every analysis reports it.
            m.evaluations += 1;
            m.trials += self.plan.trials.saturating_mul(which.len() as u64);
            m.planned = m.planned.max(m.trials);
            let (done, work) = (m.trials, m.planned);
            (m.monitor.progress)(done, work);
        }
        let overrides: Vec<Override> = self.plan.fit.iter().zip(values).map(|(p, v)| p.set_to(*v)).collect();
        let (cases, seed, trials) = (self.cases, self.plan.seed, self.plan.trials);
        which
            .par_iter()
            .map(|&i| {
                let case = &cases[i];
                let s = case.prepared.load(&overrides).map_err(|error| {
                    Stop::Scenario(AnalysisError::Scenario {
                        context: format!("case {} at {}", case.name, describe(&overrides)),
                        error,
                    })
                })?;
                Ok(likelihood(&batch::run_range(&s.scenario, seed, 0, trials)))
            })
            .collect()
    }

    /// Case `i`'s onset forecast at `values`: its trials split among the
    /// other cases' definitions of its after-the-fact variables
    /// ([`forecast`](super::forecast)).
    fn forecast(&self, values: &[f64], i: usize) -> Result<CaseLikelihood, Stop> {
        let overrides: Vec<Override> = self.plan.fit.iter().zip(values).map(|(p, v)| p.set_to(*v)).collect();
        let case = &self.cases[i];
        let variants = case.onset.variants(&case.prepared, &overrides).map_err(|error| {
            Stop::Scenario(AnalysisError::Scenario {
                context: format!("the onset forecast of case {} at {}", case.name, describe(&overrides)),
                error,
            })
        })?;
        let stats = forecast::run(&variants, self.plan.seed, self.plan.trials, Monitor::quiet()).value;
        Ok(likelihood(&stats))
    }

    /// Whether the monitor asked to stop.
    fn stopped(&self) -> bool {
        self.progress.lock().unwrap_or_else(|e| e.into_inner()).monitor.cancel.load(Ordering::Relaxed)
    }

    /// Begins a stage of `evaluations` likelihood evaluations over `cases`
    /// cases (see [`Progress`]).
    fn stage(&self, name: &str, evaluations: u64, cases: usize) {
        let trials = evaluations.saturating_mul(self.plan.trials).saturating_mul(cases as u64);
        self.progress.lock().unwrap_or_else(|e| e.into_inner()).stage(name, trials);
    }

    /// Minus the log-likelihood of the cases `which` at the unit point `u`
    /// (coordinates outside [0, 1] are clamped and pay a penalty that
    /// leads the simplex back).
    fn cost_at(&self, u: &[f64], which: &[usize]) -> Result<f64, Stop> {
        let outside: f64 = u.iter().map(|x| (x - x.clamp(0.0, 1.0)).powi(2)).sum();
        let values: Vec<f64> = self.plan.fit.iter().zip(u).map(|(p, x)| p.at(*x)).collect();
        let cases = self.evaluate(&values, which)?;
        Ok(-cases.iter().map(|c| c.log_likelihood).sum::<f64>() + 1e3 * outside)
    }
}

/// The likelihood of one case from the statistics of its trials.
fn likelihood(stats: &BatchStats) -> CaseLikelihood {
    let n = stats.trials as f64;
    // Half a trial added to each class keeps an unseen class's
    // probability above zero (and its log finite).
    let classes = stats.classes.map(|k| (k as f64 + 0.5) / (n + 2.0));
    // The same smoothing for the whole record (the class alone, for a case
    // that records nothing else).
    let log_likelihood = ((stats.history_match as f64 + 0.5) / (n + 2.0)).ln();
    CaseLikelihood { classes, log_likelihood }
}

/// A number as an override's text, exact enough to reproduce the value.
fn number_text(x: f64) -> String {
    format!("{x}")
}

fn describe(overrides: &[Override]) -> String {
    overrides.iter().map(|o| o.to_string()).collect::<Vec<_>>().join(", ")
}

/// The likelihood restricted to some cases, for leave-one-out and profiles.
struct Restricted<'a, 'm, 'b> {
    objective: &'b Objective<'a, 'm>,
    which: Vec<usize>,
    /// A parameter held at a unit value (for a profile), not searched.
    held: Option<(usize, f64)>,
}

impl Restricted<'_, '_, '_> {
    /// The full unit point from the searched coordinates.
    fn full(&self, searched: &[f64]) -> Vec<f64> {
        match self.held {
            None => searched.to_vec(),
            Some((j, x)) => {
                let mut u = searched.to_vec();
                u.insert(j, x);
                u
            }
        }
    }
}

/// The cost of a point whose scenario does not load (a value outside what
/// the scenario accepts): above any likelihood's, so the search leaves it.
const INFEASIBLE: f64 = 1e12;

impl CostFunction for Restricted<'_, '_, '_> {
    type Param = Vec<f64>;
    type Output = f64;
    /// Never an error: argmin's Nelder–Mead unwraps the first simplex's
    /// costs. A point that does not load is infeasible; a stop is seen
    /// again after the search ([`minimise`]).
    fn cost(&self, searched: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        Ok(self.objective.cost_at(&self.full(searched), &self.which).unwrap_or(INFEASIBLE))
    }
}

/// Minimises `problem` from `start` with Nelder–Mead; returns the best
/// point and its cost.
fn minimise(problem: Restricted<'_, '_, '_>, start: &[f64], max_iterations: u64) -> Result<(Vec<f64>, f64), Stop> {
    let objective = problem.objective;
    if start.is_empty() {
        let cost = objective.cost_at(&problem.full(&[]), &problem.which)?;
        return Ok((Vec::new(), cost));
    }
    // The first simplex: the start and a step of a fifth of the range along
    // each coordinate (away from the nearer bound).
    let mut simplex = vec![start.to_vec()];
    for j in 0..start.len() {
        let mut p = start.to_vec();
        p[j] += if start[j] > 0.5 { -0.2 } else { 0.2 };
        simplex.push(p);
    }
    let solver = NelderMead::new(simplex).with_sd_tolerance(1e-4).map_err(stop_of)?;
    // Each iteration costs one to n + 2 evaluations; bound the iterations.
    let iterations = max_iterations.max(1);
    let result = Executor::new(problem, solver).configure(|s| s.max_iters(iterations)).run().map_err(stop_of)?;
    if objective.stopped() {
        return Err(Stop::Cancelled);
    }
    let state = result.state();
    let best = state.get_best_param().cloned().unwrap_or_else(|| start.to_vec());
    Ok((best.iter().map(|x| x.clamp(0.0, 1.0)).collect(), state.get_best_cost()))
}

fn stop_of(e: argmin::core::Error) -> Stop {
    match e.downcast::<Stop>() {
        Ok(stop) => stop,
        Err(e) => Stop::Scenario(AnalysisError::Plan(format!("the optimiser failed: {e}"))),
    }
}

/// Refuses a range whose end a case does not accept (a probability's range
/// past 1, a count's below 0), naming the parameter and the case: the
/// search would otherwise start on a scenario that cannot run.
fn searchable(plan: &CalibratePlan, cases: &[Case]) -> Result<(), AnalysisError> {
    for p in &plan.fit {
        for end in [p.lo, p.hi] {
            for case in cases {
                let at_end = [p.set_to(end)];
                if let Err(e) = case.prepared.load(&at_end) {
                    let why = e.diagnostics.first().map_or_else(
                        || e.to_string(),
                        |d| match &d.expected {
                            Some(expected) => format!("{}; expected {expected}", d.message),
                            None => d.message.clone(),
                        },
                    );
                    return Err(AnalysisError::Plan(format!(
                        "--fit {}={}:{}: {} is outside what case {} accepts ({why}); search a range inside it",
                        p.path, p.lo, p.hi, end, case.name
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Loads the cases and checks each has an observed outcome class.
fn cases(plan: &CalibratePlan, monitor: &mut Monitor<'_>) -> Result<Vec<Case>, AnalysisError> {
    let mut out = Vec::new();
    for source in &plan.cases {
        let loaded = scenario::load(source, &[])?;
        for w in &loaded.warnings {
            monitor.warn(&w.to_string());
        }
        let s = loaded.scenario;
        let Some(observed) = s.observed.as_ref().and_then(|o| o.outcome.map(|c| (c, o.personnel))) else {
            return Err(AnalysisError::Plan(format!(
                "{}: no observed outcome class; calibration needs an `observed: {{outcome: …}}` block",
                source.display()
            )));
        };
        out.push((
            Case {
                prepared: scenario::Prepared::read(source),
                name: s.name.clone(),
                origin: source.display(),
                observed: usize::from(observed.0),
                personnel: observed.1.filter(|&x| x > 0),
                onset: Onset { after: Vec::new(), priors: Vec::new() },
            },
            s,
        ));
    }
    if out.is_empty() {
        return Err(AnalysisError::Plan("no cases to calibrate on".into()));
    }
    // The prior of each case's after-the-fact variables: the other cases.
    let onsets: Vec<Onset> = out
        .iter()
        .enumerate()
        .map(|(i, (case, s))| {
            let others: Vec<(String, &scenario::Prepared)> = out
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, (c, _))| (scenario::origin_argument(&c.origin), &c.prepared))
                .collect();
            forecast::onset(&scenario::origin_argument(&case.origin), s, &others)
        })
        .collect();
    Ok(out.into_iter().zip(onsets).map(|((case, _), onset)| Case { onset, ..case }).collect())
}

/// Each parameter's value as the first case writes it: the start.
fn written(plan: &CalibratePlan) -> Result<Vec<f64>, AnalysisError> {
    plan.fit
        .iter()
        .map(|p| {
            scenario::number_at(&plan.cases[0], &[], &p.path)?.ok_or_else(|| {
                AnalysisError::Plan(format!(
                    "--fit {}: not a number in {}; give the path of a number (`alliance-sim sensitivity` lists \
                     them), e.g. decisions.request.base or decisions.request.rules.survival.add",
                    p.path,
                    plan.cases[0].display()
                ))
            })
        })
        .collect()
}

/// Runs a calibration on the current rayon pool. Progress counts
/// likelihood evaluations; an interrupted calibration returns an error
/// (a half-finished fit is no result).
pub fn calibrate(plan: &CalibratePlan, mut monitor: Monitor<'_>) -> Result<Calibration, AnalysisError> {
    super::at_least_one(plan.trials)?;
    if plan.fit.is_empty() {
        return Err(AnalysisError::Plan(
            "nothing to fit: give at least one --fit PATH=LO:HI (e.g. --fit decisions.request.base=0:0.5)".into(),
        ));
    }
    super::each_path_once("--fit", plan.fit.iter().map(|p| p.path.as_str()))?;
    let cases = cases(plan, &mut monitor)?;
    let written = written(plan)?;
    searchable(plan, &cases)?;
    // Whole numbers only where the bounds and the value are whole and the
    // range holds more than its two ends (a probability searched on 0:1 is
    // not rounded).
    let adjusted = CalibratePlan {
        fit: plan
            .fit
            .iter()
            .zip(&written)
            .map(|(p, v)| FitParameter { whole: p.whole && v.fract() == 0.0 && p.hi - p.lo > 1.0, ..p.clone() })
            .collect(),
        ..plan.clone()
    };
    let plan = &adjusted;
    let start: Vec<f64> = plan.fit.iter().zip(&written).map(|(p, v)| p.unit(*v)).collect();
    let k = plan.fit.len();
    let per_fit = plan.max_iterations;
    let n = cases.len();
    // Each stage's budget of evaluations: a search is bounded by its
    // iterations, and the fit adds one evaluation before and one after.
    let fit_budget = per_fit + 2;
    let interval_budget = PROFILE_POINTS as u64 * (per_fit / 4).max(1);
    let left_out_budget = per_fit + 1;
    let planned = fit_budget * n as u64
        + if plan.intervals { k as u64 * interval_budget * n as u64 } else { 0 }
        + if plan.cross_validate { n as u64 * left_out_budget * (n as u64).saturating_sub(1) } else { 0 };
    let progress =
        Progress { monitor, evaluations: 0, trials: 0, planned: planned.saturating_mul(plan.trials), stage_end: 0 };
    let shared = std::sync::Mutex::new(progress);
    let objective = Objective { plan, cases: &cases, progress: &shared };
    let all: Vec<usize> = (0..n).collect();
    let values = |u: &[f64]| -> Vec<f64> { plan.fit.iter().zip(u).map(|(p, x)| p.at(*x)).collect() };
    let run = || -> Result<Calibration, Stop> {
        let parameters = if k == 1 { "1 parameter".to_string() } else { format!("{k} parameters") };
        objective.stage(&format!("fitting {parameters} to {n} cases"), fit_budget, n);
        let before = objective.evaluate(&values(&start), &all)?;
        let (best, best_cost) =
            minimise(Restricted { objective: &objective, which: all.clone(), held: None }, &start, per_fit)?;
        let after = objective.evaluate(&values(&best), &all)?;
        let intervals = if plan.intervals {
            profiles(&objective, &best, best_cost, per_fit / 4, interval_budget)?
        } else {
            vec![None; k]
        };
        let left_out = if plan.cross_validate {
            let mut out = Vec::with_capacity(cases.len());
            for (i, case) in cases.iter().enumerate() {
                objective.stage(
                    &format!("leaving out case {} of {n} ({}) and refitting", i + 1, case.name),
                    left_out_budget,
                    n - 1,
                );
                let others: Vec<usize> = all.iter().copied().filter(|&j| j != i).collect();
                // From the middle of each range, not from the full fit: a
                // number only this case informs would otherwise keep the
                // value this case gave it, and the refit would not be out
                // of sample.
                let middle = vec![0.5; k];
                let (u, _) =
                    minimise(Restricted { objective: &objective, which: others, held: None }, &middle, per_fit)?;
                let refit = values(&u);
                let left_out = objective.evaluate(&refit, &[i])?[0].classes;
                let onset = if case.onset.possible() { Some(objective.forecast(&refit, i)?) } else { None };
                out.push(Some((left_out, onset, refit)));
            }
            out
        } else {
            vec![None; cases.len()]
        };
        let observed: Vec<usize> = cases.iter().map(|c| c.observed).collect();
        let fits: Vec<CaseFit> = cases
            .iter()
            .zip(before.iter().zip(&after))
            .zip(&left_out)
            .map(|((c, (b, a)), l)| CaseFit {
                case: c.name.clone(),
                origin: c.origin.clone(),
                observed: class::NAMES[c.observed].to_string(),
                personnel: c.personnel,
                before: b.classes,
                after: a.classes,
                record_after: a.log_likelihood.exp(),
                rank_after: rank(&a.classes, c.observed),
                left_out: l.as_ref().map(|(classes, ..)| *classes),
                left_out_values: l.as_ref().map(|(.., values)| values.clone()),
                forecast: l.as_ref().and_then(|(_, onset, _)| onset.map(|o| o.classes)),
                forecast_record: l.as_ref().and_then(|(_, onset, _)| onset.map(|o| o.log_likelihood.exp())),
                after_the_fact: if c.onset.possible() { c.onset.after.clone() } else { Vec::new() },
            })
            .collect();
        let mut scores = vec![
            Score::of("as written", &fits.iter().map(|c| c.before).collect::<Vec<_>>(), &observed),
            Score::of("fitted (in sample)", &fits.iter().map(|c| c.after).collect::<Vec<_>>(), &observed),
        ];
        let mut beats = None;
        if plan.cross_validate {
            let loo: Vec<[f64; 4]> = fits.iter().filter_map(|c| c.left_out).collect();
            let model = Score::of("leave-one-out", &loo, &observed);
            let frequency = Score::of(FREQUENCY, &frequency_baseline(&observed), &observed);
            beats = Some(model.log_score > frequency.log_score);
            scores.push(model);
            // Only when every case has one: a score over some cases would
            // not compare with the others.
            if cases.iter().all(|c| c.onset.possible()) {
                let onset: Vec<[f64; 4]> = fits.iter().filter_map(|c| c.forecast).collect();
                scores.push(Score::of(FORECAST, &onset, &observed));
            }
            scores.push(frequency);
        }
        scores.push(Score::of("uniform over the four classes", &vec![[0.25; 4]; cases.len()], &observed));
        let evaluations = {
            let mut progress = shared.lock().unwrap_or_else(|e| e.into_inner());
            progress.close_stage();
            progress.evaluations
        };
        Ok(Calibration {
            schema_version: CALIBRATION_SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            seed: plan.seed,
            trials: plan.trials,
            evaluations,
            parameters: plan
                .fit
                .iter()
                .zip(&start)
                .zip(&best)
                .zip(intervals)
                .zip(&written)
                .map(|((((p, s), b), interval), w)| Fitted {
                    path: p.path.clone(),
                    lo: p.lo,
                    hi: p.hi,
                    written: *w,
                    start: p.at(*s),
                    value: p.at(*b),
                    interval: interval.map(|(lo, hi, _, _)| (lo, hi)),
                    at_bound: interval.map_or((false, false), |(_, _, l, h)| (l, h)),
                })
                .collect(),
            log_likelihood_before: before.iter().map(|c| c.log_likelihood).sum(),
            log_likelihood_after: after.iter().map(|c| c.log_likelihood).sum(),
            cases: fits,
            scores,
            beats_frequency_baseline: beats,
        })
    };
    match run() {
        Ok(value) => Ok(value),
        Err(Stop::Cancelled) => {
            Err(AnalysisError::Interrupted("interrupted: the fit did not finish; nothing was written".into()))
        }
        Err(Stop::Scenario(e)) => Err(e),
    }
}

/// A 95% interval: (lo, hi, whether lo is at the search's lower bound,
/// whether hi is at its upper bound).
type Interval = (f64, f64, bool, bool);

/// Each parameter's 95% profile-likelihood interval.
fn profiles(
    objective: &Objective<'_, '_>,
    best: &[f64],
    best_cost: f64,
    evaluations: u64,
    budget: u64,
) -> Result<Vec<Option<Interval>>, Stop> {
    let all: Vec<usize> = (0..objective.cases.len()).collect();
    let mut out = Vec::with_capacity(best.len());
    for (j, p) in objective.plan.fit.iter().enumerate() {
        let stage = format!("the 95% interval of {} ({} of {})", p.path, j + 1, best.len());
        objective.stage(&stage, budget, all.len());
        // The profile at evenly spaced points and at the optimum.
        let mut points: Vec<f64> = (0..PROFILE_POINTS).map(|i| i as f64 / (PROFILE_POINTS - 1) as f64).collect();
        points.push(best[j]);
        points.sort_by(f64::total_cmp);
        points.dedup();
        let mut deviance = Vec::with_capacity(points.len());
        for &x in &points {
            let others: Vec<f64> = best.iter().enumerate().filter(|(i, _)| *i != j).map(|(_, v)| *v).collect();
            let restricted = Restricted { objective, which: all.clone(), held: Some((j, x)) };
            let (_, cost) = minimise(restricted, &others, evaluations)?;
            deviance.push((2.0 * (cost - best_cost)).max(0.0));
        }
        out.push(interval(&points, &deviance).map(|(lo, hi, l, h)| (p.at(lo), p.at(hi), l, h)));
    }
    Ok(out)
}

/// Where a profile's deviance crosses the 95% threshold on either side of
/// its minimum, by linear interpolation between the profile's points.
fn interval(points: &[f64], deviance: &[f64]) -> Option<Interval> {
    let m = (0..points.len()).min_by(|&a, &b| deviance[a].total_cmp(&deviance[b]))?;
    let cross = |a: usize, b: usize| {
        let (da, db) = (deviance[a], deviance[b]);
        points[a] + (points[b] - points[a]) * ((DEVIANCE_95 - da) / (db - da))
    };
    let lo = (0..m).rev().find(|&i| deviance[i] > DEVIANCE_95).map(|i| cross(i + 1, i));
    let hi = (m + 1..points.len()).find(|&i| deviance[i] > DEVIANCE_95).map(|i| cross(i - 1, i));
    Some((lo.unwrap_or(points[0]), hi.unwrap_or(points[points.len() - 1]), lo.is_none(), hi.is_none()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_stage_that_ends_early_gives_its_budget_back() {
        use std::sync::{Arc, Mutex};
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let monitor = crate::analysis::Monitor::new(&super::NEVER_STOP, move |done, work| {
            record.lock().expect("lock").push((done, work))
        });
        let mut p = super::Progress { monitor, evaluations: 0, trials: 0, planned: 1_000, stage_end: 0 };
        p.stage("fit", 600);
        p.trials = 200; // converged after a third of its budget
        p.stage("interval", 400);
        assert_eq!(p.planned, 600, "the fit's unspent 400 left the plan");
        p.trials = 600;
        p.close_stage();
        assert_eq!((p.trials, p.planned), (600, 600), "the bar ends at its end");
        assert_eq!(seen.lock().expect("lock").last(), Some(&(600, 600)));
    }

    use super::*;

    #[test]
    fn a_profile_interval_is_read_where_the_deviance_crosses_3_84() {
        // A quadratic deviance ((x − 0.5) / 0.1)²: the exact interval is
        // 0.5 ± 0.1·√3.84.
        let points: Vec<f64> = (0..=100).map(|i| f64::from(i) / 100.0).collect();
        let deviance: Vec<f64> = points.iter().map(|x| ((x - 0.5) / 0.1).powi(2)).collect();
        let (lo, hi, l, h) = interval(&points, &deviance).unwrap();
        let half = 0.1 * DEVIANCE_95.sqrt();
        assert!((lo - (0.5 - half)).abs() < 1e-3 && (hi - (0.5 + half)).abs() < 1e-3, "{lo} {hi}");
        assert!(!l && !h);
        let flat = vec![0.0; points.len()];
        assert_eq!(interval(&points, &flat), Some((0.0, 1.0, true, true)));
    }

    #[test]
    fn fit_parameters_parse_their_range_and_whole_numbers() {
        let p: FitParameter = "alliance.pools.peacekeeping.cap=2000:6000".parse().unwrap();
        assert!(p.whole);
        assert_eq!(p.at(0.3333), 3333.0);
        let q: FitParameter = "decisions.request.base=0:0.5".parse().unwrap();
        assert!(!q.whole, "0.5 is not a whole number");
        for bad in ["x=1", "x=1:0", "x=a:b", "=0:1", "x=0:inf"] {
            assert!(bad.parse::<FitParameter>().is_err(), "{bad}");
        }
    }
}
