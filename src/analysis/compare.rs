//! A comparison: scenarios in lockstep on the same trial keys, each later
//! one paired with the first on common random numbers.

use super::{AnalysisError, Monitor, Point};
use crate::batch::{Lockstep, Plan};
use crate::scenario::{self, Override, Scenario, Source};
use crate::stats::batch::BatchStats;
use crate::stats::compare::{self as paired, Comparison};
use crate::stats::paired::Pairing;
use crate::stats::summary::Meta;

/// A comparison to run.
#[derive(Debug, Clone)]
pub struct ComparePlan {
    /// Each scenario with its own overrides; the first is the reference.
    pub scenarios: Vec<(Source, Vec<Override>)>,
    /// Trials (default: the first scenario's).
    pub trials: Option<u64>,
    /// The seed (default: the first scenario's).
    pub seed: Option<u64>,
}

/// Scenarios run in lockstep, with what it takes to report them.
#[derive(Debug, Clone)]
pub struct Compared {
    /// The scenarios, as loaded.
    pub scenarios: Vec<Scenario>,
    /// Each later scenario's pairing with the first.
    pub pairings: Vec<Pairing>,
    /// Their statistics and paired statistics.
    pub lockstep: Lockstep,
    /// Each scenario's run metadata (with its overrides).
    pub metas: Vec<Meta>,
}

impl Compared {
    /// The paired differences of each later scenario against the first.
    pub fn comparison(&self) -> Comparison {
        paired::compare(self.metas.clone(), &self.pairings, &self.lockstep.pairs)
    }
}

/// The most scenarios one comparison takes: every scenario's statistics
/// are kept for the report, so a comparison's memory grows with them (about
/// 0.5 MB each); a sweep or a design runs any number of points.
pub const MAX_COMPARED: usize = 64;

/// Loads and runs the scenarios of a plan on the current rayon pool.
pub fn compare(plan: &ComparePlan, mut monitor: Monitor<'_>) -> Result<Compared, AnalysisError> {
    if plan.scenarios.len() > MAX_COMPARED {
        return Err(AnalysisError::Plan(format!(
            "{} scenarios to compare; at most {MAX_COMPARED} (each keeps its whole statistics for the report): \
             for many variants of one scenario use `sweep` (any number of points, in waves)",
            plan.scenarios.len()
        )));
    }
    let mut scenarios = Vec::with_capacity(plan.scenarios.len());
    for (source, overrides) in &plan.scenarios {
        let loaded = scenario::load(source, overrides)?;
        for w in &loaded.warnings {
            monitor.warn(&w.to_string());
        }
        scenarios.push(loaded.scenario);
    }
    let Some((first, later)) = scenarios.split_first() else {
        return Err(AnalysisError::Plan("no scenario to run".into()));
    };
    let trials = super::trials_or(plan.trials, first)?;
    let seed = plan.seed.unwrap_or(first.run.seed);
    let pairings: Vec<Pairing> = later.iter().map(|b| Pairing::between(first, b)).collect();
    let mut lockstep = Lockstep::default();
    let build = |i: usize, _: &mut Monitor<'_>| {
        Ok(Some(Point { scenario: later[i].clone(), pairing: Some(pairings[i].clone()) }))
    };
    let first_stats = super::run_points(
        Some(first),
        later.len(),
        build,
        Plan { seed, start: 0, end: trials },
        &mut monitor,
        |_, _, stats, pair| {
            lockstep.stats.push(stats);
            lockstep.pairs.extend(pair);
        },
    )?;
    lockstep.stats.insert(0, first_stats.unwrap_or_else(|| BatchStats::new(first)));
    let metas = scenarios.iter().zip(&plan.scenarios).map(|(s, (_, o))| Meta::new(s, seed, trials, o)).collect();
    Ok(Compared { scenarios, pairings, lockstep, metas })
}
