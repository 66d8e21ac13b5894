//! Analyses: what a command computes, as library functions that take plain
//! plans and return results, with no terminal, no argument parser and no
//! printing — the layer the command line, a web server or Python bindings
//! stand on alike.
//!
//! Every analysis is batch-shaped and runs through one driver
//! (`batch::drive`) on the current rayon pool; the caller watches and
//! stops it through a [`Monitor`] (a progress bar and Ctrl-C on the command
//! line). An interrupted analysis returns what finished ([`Finished`]).

pub mod calibrate;
pub mod compare;
pub mod forecast;
pub mod morris;
pub mod sensitivity;
pub mod sobol;
pub mod spider;
pub mod sweep;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use arrow_schema::Schema;

use crate::batch::{self, Ending, Flow, Lockstep, Plan};
use crate::records::{self, ChunkRecords, RecordFormat, RecordWriter};
use crate::scenario::{LoadError, Scenario};
use crate::stats::Merge;
use crate::stats::batch::{BatchStats, Watched};
use crate::stats::paired::{PairStats, Pairing};

pub use calibrate::{CalibratePlan, FitParameter, calibrate};
pub use compare::{ComparePlan, Compared, compare};
pub use morris::{MorrisPlan, morris};
pub use sensitivity::{SensitivityPlan, sensitivity};
pub use sobol::{SobolPlan, sobol};
pub use spider::{SpiderPlan, spider};
pub use sweep::{Sample, SweepPlan, Vary, sweep, vary_or_declared};

/// Why an analysis could not start (or, for I/O, go on).
#[derive(Debug)]
pub enum AnalysisError {
    /// A scenario (or a varied one) did not load; `context` says which.
    Scenario {
        /// Which scenario, e.g. "at grid point 3 (x=1)"; empty for the base.
        context: String,
        /// Its located diagnostics.
        error: LoadError,
    },
    /// An argument of the plan is out of range or names nothing; the text
    /// names the argument and what was expected.
    Plan(String),
    /// Writing per-trial records failed.
    Records(std::io::Error),
    /// Stopped by the monitor before any result could be kept (a fit that
    /// did not finish is no result).
    Interrupted(String),
}

impl std::fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnalysisError::Scenario { context, error } if context.is_empty() => write!(f, "{error}"),
            AnalysisError::Scenario { context, error } => write!(f, "{context}:\n{error}"),
            AnalysisError::Plan(why) => f.write_str(why),
            AnalysisError::Records(e) => write!(f, "{e}"),
            AnalysisError::Interrupted(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for AnalysisError {}

impl From<LoadError> for AnalysisError {
    fn from(error: LoadError) -> Self {
        AnalysisError::Scenario { context: String::new(), error }
    }
}

/// How the caller watches and stops a running analysis.
pub struct Monitor<'a> {
    cancel: &'a AtomicBool,
    progress: Box<dyn FnMut(u64, u64) + 'a>,
    warn: Box<dyn FnMut(&str) + 'a>,
    stage: Box<dyn FnMut(&str) + 'a>,
}

impl<'a> Monitor<'a> {
    /// Stops at the end of the current wave once `cancel` is raised; tells
    /// `progress` the scenario-trials done and the total after each chunk.
    /// Warnings are dropped unless [`Monitor::on_warning`] takes them.
    pub fn new(cancel: &'a AtomicBool, progress: impl FnMut(u64, u64) + 'a) -> Monitor<'a> {
        Monitor { cancel, progress: Box::new(progress), warn: Box::new(|_| {}), stage: Box::new(|_| {}) }
    }

    /// Never stopped, nothing told.
    pub fn quiet() -> Monitor<'static> {
        static NEVER: AtomicBool = AtomicBool::new(false);
        Monitor::new(&NEVER, |_, _| {})
    }

    /// Hands each warning of the scenarios loaded (one located line; the
    /// analysis runs anyway) to `warn`, before the trials start.
    pub fn on_warning(self, warn: impl FnMut(&str) + 'a) -> Monitor<'a> {
        Monitor { warn: Box::new(warn), ..self }
    }

    /// Hands the name of each stage of a many-stage analysis ("fitting 3
    /// parameters to 11 cases", …) to `stage` as it begins.
    pub fn on_stage(self, stage: impl FnMut(&str) + 'a) -> Monitor<'a> {
        Monitor { stage: Box::new(stage), ..self }
    }

    /// Passes on a warning.
    fn warn(&mut self, text: &str) {
        (self.warn)(text);
    }

    /// Says which stage begins.
    fn stage(&mut self, text: &str) {
        (self.stage)(text);
    }
}

/// A single-scenario run's result and whether it was interrupted (it then
/// covers the first trials of the plan).
#[derive(Debug, Clone, PartialEq)]
pub struct Finished<T> {
    /// The result of the trials that ran.
    pub value: T,
    /// Whether the monitor stopped it before the plan's end.
    pub interrupted: bool,
}

/// What a single-scenario run does besides folding statistics.
#[derive(Default)]
pub struct RunOptions<'w> {
    /// Stop at the first chunk after which this quantity's 95% half-width
    /// is at most this much.
    pub precision: Option<(Watched, f64)>,
    /// Per-trial records in a format (CSV or Arrow IPC, see
    /// `crate::records`), written in trial order.
    pub records: Option<(RecordFormat, &'w mut (dyn Write + Send))>,
}

/// Runs one scenario over a plan. Records that cannot be written stop the
/// run with [`AnalysisError::Records`].
pub fn run(
    s: &Scenario,
    plan: Plan,
    options: RunOptions<'_>,
    mut monitor: Monitor<'_>,
) -> Result<Finished<BatchStats>, AnalysisError> {
    let RunOptions { precision, records } = options;
    let mut total = BatchStats::new(s);
    let mut write_error = None;
    let format = records.as_ref().map(|(format, _)| *format);
    let schema = Arc::new(if format.is_some() { records::arrow_schema(s) } else { Schema::empty() });
    let mut writer = match records {
        Some((format, out)) => Some(RecordWriter::start(format, s, &schema, out).map_err(AnalysisError::Records)?),
        None => None,
    };
    let work = plan.end - plan.start;
    let ending = batch::drive(
        plan,
        batch::CHUNK,
        monitor.cancel,
        |start, end| match format {
            Some(format) => {
                let mut chunk = ChunkRecords::new(format, s, &schema);
                let stats = batch::run_range_with(s, plan.seed, start, end, |i, frame| chunk.push(s, i, frame));
                (stats, Some(chunk))
            }
            None => (batch::run_range(s, plan.seed, start, end), None),
        },
        |_, _, (part, chunk)| {
            if let (Some(writer), Some(chunk)) = (&mut writer, chunk)
                && let Err(e) = writer.write(chunk)
            {
                write_error = Some(e);
                return Flow::Stop;
            }
            total.merge(&part);
            (monitor.progress)(total.trials, work);
            match precision {
                Some((watched, h)) if watched.half_width(&total) <= h => Flow::Stop,
                _ => Flow::Continue,
            }
        },
    );
    if let Some(e) = write_error {
        return Err(AnalysisError::Records(e));
    }
    if let Some(writer) = writer {
        writer.finish().map_err(AnalysisError::Records)?;
    }
    Ok(Finished { value: total, interrupted: ending == Ending::Cancelled })
}

/// Runs one scenario over the whole plan, unwatched (benchmarks, tests,
/// embedding code with its own progress).
pub fn run_all(s: &Scenario, plan: Plan) -> BatchStats {
    static NEVER: AtomicBool = AtomicBool::new(false);
    let mut total = BatchStats::new(s);
    batch::drive(
        plan,
        batch::CHUNK,
        &NEVER,
        |start, end| batch::run_range(s, plan.seed, start, end),
        |_, _, part| {
            total.merge(&part);
            Flow::Continue
        },
    );
    total
}

/// The most points a many-point analysis holds at once. Points are built,
/// run over every trial and folded a wave at a time, so an analysis's
/// memory stays flat in its number of points; a lockstep chunk of a wave is
/// then at most 65 × 4,096 scenario-trials (`batch::LOCKSTEP_LEAST`), so a stop is
/// seen within a fraction of a second.
pub const WAVE_POINTS: usize = 64;

/// A point of a many-point analysis, built when its wave comes.
pub(crate) struct Point {
    /// The scenario at this point.
    pub scenario: Scenario,
    /// What is paired with the lead (with a lead; `None` pairs every
    /// measure). Ignored without a lead.
    pub pairing: Option<Pairing>,
}

/// Runs `count` points (each built by `build`, which may pass warnings to
/// the monitor, or skipped when it gives `None`) on the plan's trials, all on the same trial keys, a wave of
/// [`WAVE_POINTS`] at a time; each point's statistics (and, with a `lead`
/// scenario run beside every wave, its paired statistics against the lead)
/// go to `keep` in point order as its wave finishes. Returns the lead's
/// statistics. The monitor's stop is seen between points being built and
/// between chunks; a stopped analysis keeps nothing
/// ([`AnalysisError::Interrupted`]). Results do not depend on the waves:
/// every point runs the same trials whatever runs beside it.
pub(crate) fn run_points(
    lead: Option<&Scenario>,
    count: usize,
    mut build: impl FnMut(usize, &mut Monitor<'_>) -> Result<Option<Point>, AnalysisError>,
    plan: Plan,
    monitor: &mut Monitor<'_>,
    mut keep: impl FnMut(usize, &Scenario, BatchStats, Option<PairStats>),
) -> Result<Option<BatchStats>, AnalysisError> {
    let trials = plan.end - plan.start;
    let work = trials.saturating_mul(count.max(1) as u64);
    let stopped = || {
        AnalysisError::Interrupted(
            "interrupted: no results were printed or written (an earlier export is kept as it was)".into(),
        )
    };
    let mut lead_stats: Option<BatchStats> = None;
    let mut next = 0;
    let mut done_points = 0u64;
    while next < count || (lead.is_some() && lead_stats.is_none()) {
        let mut wave: Vec<(usize, Point)> = Vec::with_capacity(WAVE_POINTS.min(count - next));
        while wave.len() < WAVE_POINTS && next < count {
            if monitor.cancel.load(Ordering::Relaxed) {
                return Err(stopped());
            }
            if let Some(point) = build(next, monitor)? {
                wave.push((next, point));
            }
            next += 1;
        }
        let scenarios: Vec<&Scenario> = lead.into_iter().chain(wave.iter().map(|(_, p)| &p.scenario)).collect();
        if wave.is_empty() && (lead.is_none() || lead_stats.is_some()) {
            continue;
        }
        // Lockstep pairs scenario j + 1 with pairing j: with a lead, every
        // point has one (by default the whole pairing with the lead), so
        // the two never fall out of step; without a lead, none.
        let pairings: Vec<Pairing> = match lead {
            Some(lead) => wave
                .iter()
                .map(|(_, p)| p.pairing.clone().unwrap_or_else(|| Pairing::between(lead, &p.scenario)))
                .collect(),
            None => Vec::new(),
        };
        let width = wave.len() as u64;
        let mut total = Lockstep::default();
        let ending = batch::drive(
            plan,
            batch::lockstep_chunk(scenarios.len(), trials),
            monitor.cancel,
            |start, end| batch::run_range_lockstep(&scenarios, &pairings, plan.seed, start, end),
            |_, _, part| {
                total.merge(&part);
                (monitor.progress)(done_points * trials + total.trials() * width, work);
                Flow::Continue
            },
        );
        if ending == Ending::Cancelled {
            return Err(stopped());
        }
        done_points += width;
        let mut stats = total.stats.into_iter();
        if lead.is_some() {
            let first = stats.next();
            if lead_stats.is_none() {
                lead_stats = first;
            }
        }
        let mut pairs = total.pairs.into_iter();
        for ((i, point), st) in wave.into_iter().zip(stats) {
            keep(i, &point.scenario, st, pairs.next());
        }
    }
    Ok(lead_stats)
}

/// The most points a design may have: each point's values and result are
/// kept for the export.
pub const MAX_DESIGN_POINTS: usize = 200_000;
/// The most values (points × parameters) a design may have.
pub const MAX_DESIGN_VALUES: usize = 2_000_000;

/// Refuses a design of `points` points (as `formula` gives them, e.g.
/// "N(k + 2) = 2000 × 250") over `k` parameters that would not fit, before
/// any work, saying what it would cost; `flag` names the size to lower.
pub(crate) fn design_fits(flag: &str, formula: &str, points: Option<usize>, k: usize) -> Result<usize, AnalysisError> {
    let values = points.and_then(|p| p.checked_mul(k));
    match (points, values) {
        (Some(p), Some(v)) if p <= MAX_DESIGN_POINTS && v <= MAX_DESIGN_VALUES => Ok(p),
        _ => {
            let points = points.map_or_else(|| "more than 2^64".to_string(), |p| p.to_string());
            let values = values.map_or_else(
                || "too many values to count".to_string(),
                |v| format!("{v} values, about {} MB to hold and more to write", (v as u64).saturating_mul(16) >> 20),
            );
            Err(AnalysisError::Plan(format!(
                "{flag}: the design has {formula} = {points} points × {k} parameters = {values}; at most \
                 {MAX_DESIGN_POINTS} points and {MAX_DESIGN_VALUES} values: lower {flag} or vary fewer parameters"
            )))
        }
    }
}

/// Refuses a path given to `flag` more than once (the second would silently
/// replace the first's value in one place and not in another).
pub(crate) fn each_path_once<'p>(flag: &str, paths: impl IntoIterator<Item = &'p str>) -> Result<(), AnalysisError> {
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        if !seen.insert(path) {
            return Err(AnalysisError::Plan(format!("{flag} {path}: given twice; give each path once")));
        }
    }
    Ok(())
}

/// The most trials a run with a precision target makes when no trial count
/// is given (`run --precision`, Python's `run(precision=…)`).
pub const PRECISION_MAX_TRIALS: u64 = 10_000_000_000;

/// The trials a plan asks for, or the scenario's own (at least 1 when valid).
pub fn trials_or(asked: Option<u64>, s: &Scenario) -> Result<u64, AnalysisError> {
    at_least_one(asked.unwrap_or(s.run.trials))
}

/// A trial count, refused when 0 (the command line refuses it first).
pub fn at_least_one(trials: u64) -> Result<u64, AnalysisError> {
    match trials {
        0 => Err(AnalysisError::Plan("--trials must be at least 1".into())),
        n => Ok(n),
    }
}
