//! A sweep: a grid of overrides, every point run in lockstep on the same
//! trial keys, so that differences between points come from the varied
//! values, not from sampling noise in unrelated draws.

use super::{AnalysisError, Finished, Monitor};
use crate::batch::Plan;
use crate::scenario::{self, Override, Scenario, Source};
use crate::stats::summary::Meta;
use crate::stats::sweep::{self as table, SWEEP_SCHEMA_VERSION, Sweep};

/// A sweep to run.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    /// The scenario every point starts from.
    pub source: Source,
    /// Overrides applied at every point.
    pub overrides: Vec<Override>,
    /// The varied paths; several make a grid, the last varying fastest.
    pub vary: Vec<Vary>,
    /// Trials per point (default: the scenario's).
    pub trials: Option<u64>,
    /// The seed (default: the scenario's).
    pub seed: Option<u64>,
}

/// `PATH=LO:HI:STEPS` or `PATH=V1,V2,…`: the values one path takes in a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    /// The dotted path, as for `--set`.
    pub path: String,
    /// The values, as YAML text.
    pub values: Vec<String>,
}

/// Most points a sweep's grid may have.
pub const MAX_SWEEP_POINTS: usize = 10_000;

impl std::str::FromStr for Vary {
    type Err = String;
    fn from_str(s: &str) -> Result<Vary, String> {
        let o: Override = s.parse()?;
        let spec = o.value.trim();
        let parts: Vec<&str> = spec.split(':').collect();
        let values = if let [lo, hi, steps] = parts[..] {
            let bad = |what: &str| format!("in '{s}': {what} (expected LO:HI:STEPS, e.g. 0.2:0.9:8)");
            let lo: f64 = lo.trim().parse().map_err(|_| bad("LO is not a number"))?;
            let hi: f64 = hi.trim().parse().map_err(|_| bad("HI is not a number"))?;
            let steps: usize = steps.trim().parse().map_err(|_| bad("STEPS is not a whole number"))?;
            if !(lo.is_finite() && hi.is_finite()) || steps == 0 || steps > MAX_SWEEP_POINTS {
                return Err(bad(&format!("LO and HI must be finite and 1 ≤ STEPS ≤ {MAX_SWEEP_POINTS}")));
            }
            if lo > hi {
                return Err(bad(&format!("LO {lo} is above HI {hi}; write the range from low to high")));
            }
            (0..steps)
                .map(|i| {
                    let x = if steps == 1 { lo } else { lo + (hi - lo) * i as f64 / (steps - 1) as f64 };
                    // 12 significant digits: 0.1 + 0.2 prints as 0.3.
                    let text = format!("{:.12e}", x);
                    text.parse::<f64>().map(|v| v.to_string()).unwrap_or(text)
                })
                .collect()
        } else {
            spec.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect::<Vec<_>>()
        };
        if values.is_empty() {
            return Err(format!("'{s}' gives no values"));
        }
        Ok(Vary { path: o.path, values })
    }
}

/// Runs a sweep on the current rayon pool. Warnings are gathered by place:
/// one line per place, naming the first point it came from and how many
/// more points share it.
pub fn sweep(plan: &SweepPlan, mut monitor: Monitor<'_>) -> Result<Finished<Sweep>, AnalysisError> {
    let grid = grid(&plan.vary)?;
    let loaded = scenario::load(&plan.source, &plan.overrides)?;
    for w in &loaded.warnings {
        monitor.warn(&w.to_string());
    }
    let base = loaded.scenario;
    let mut points: Vec<Scenario> = Vec::with_capacity(grid.len());
    let mut seen: Vec<(String, String, usize)> = Vec::new();
    for (k, values) in grid.iter().enumerate() {
        let mut overrides = plan.overrides.clone();
        overrides.extend(
            plan.vary.iter().zip(values).map(|(v, value)| Override { path: v.path.clone(), value: value.clone() }),
        );
        let where_ = || format!("at grid point {} ({})", k + 1, describe(&plan.vary, values));
        let loaded = scenario::load(&plan.source, &overrides)
            .map_err(|error| AnalysisError::Scenario { context: where_(), error })?;
        for w in loaded.warnings {
            let place = format!("{}:{}:{}", w.file, w.line, w.column);
            match seen.iter_mut().find(|(p, _, _)| *p == place) {
                Some((_, _, more)) => *more += 1,
                None => seen.push((place, format!("{w} [{}]", where_()), 0)),
            }
        }
        points.push(loaded.scenario);
    }
    for (_, text, more) in seen {
        match more {
            0 => monitor.warn(&text),
            more => monitor.warn(&format!("{text} (and at {more} more points)")),
        }
    }
    let trials = super::trials_or(plan.trials, &base)?;
    let seed = plan.seed.unwrap_or(base.run.seed);
    let scenarios: Vec<&Scenario> = points.iter().collect();
    let run = super::lockstep(&scenarios, &[], Plan { seed, start: 0, end: trials }, monitor);
    let meta = Meta::new(&base, seed, run.value.trials(), &plan.overrides);
    let rows = points
        .iter()
        .zip(&run.value.stats)
        .zip(grid)
        .map(|((s, stats), values)| table::point(s, stats, &meta, values))
        .collect();
    let value = Sweep {
        schema_version: SWEEP_SCHEMA_VERSION,
        meta,
        paths: plan.vary.iter().map(|v| v.path.clone()).collect(),
        points: rows,
    };
    Ok(Finished { value, interrupted: run.interrupted })
}

/// A grid point as `path=value, …`.
fn describe(vary: &[Vary], values: &[String]) -> String {
    vary.iter().zip(values).map(|(v, value)| format!("{}={value}", v.path)).collect::<Vec<_>>().join(", ")
}

/// Every combination of the varied values, the last path fastest.
fn grid(vary: &[Vary]) -> Result<Vec<Vec<String>>, AnalysisError> {
    let size = vary.iter().try_fold(1usize, |acc, v| acc.checked_mul(v.values.len()));
    match size {
        Some(n) if n <= MAX_SWEEP_POINTS => {}
        _ => {
            return Err(AnalysisError::Plan(format!(
                "the grid has more than {MAX_SWEEP_POINTS} points; vary fewer values"
            )));
        }
    }
    let mut grid: Vec<Vec<String>> = vec![Vec::new()];
    for v in vary {
        grid = grid
            .into_iter()
            .flat_map(|prefix| {
                v.values.iter().map(move |value| {
                    let mut p = prefix.clone();
                    p.push(value.clone());
                    p
                })
            })
            .collect();
    }
    Ok(grid)
}
