//! A comparison: scenarios in lockstep on the same trial keys, each later
//! one paired with the first on common random numbers.

use super::{AnalysisError, Finished, Monitor};
use crate::batch::{Lockstep, Plan};
use crate::scenario::{self, Override, Scenario, Source};
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

/// Loads and runs the scenarios of a plan on the current rayon pool.
pub fn compare(plan: &ComparePlan, mut monitor: Monitor<'_>) -> Result<Finished<Compared>, AnalysisError> {
    let mut scenarios = Vec::with_capacity(plan.scenarios.len());
    for (source, overrides) in &plan.scenarios {
        let loaded = scenario::load(source, overrides)?;
        for w in &loaded.warnings {
            monitor.warn(&w.to_string());
        }
        scenarios.push(loaded.scenario);
    }
    let first = scenarios.first().ok_or_else(|| AnalysisError::Plan("no scenario to run".into()))?;
    let trials = super::trials_or(plan.trials, first)?;
    let seed = plan.seed.unwrap_or(first.run.seed);
    let refs: Vec<&Scenario> = scenarios.iter().collect();
    let pairings: Vec<Pairing> = refs[1..].iter().map(|b| Pairing::between(refs[0], b)).collect();
    let run = super::lockstep(&refs, &pairings, Plan { seed, start: 0, end: trials }, monitor);
    let done = run.value.trials();
    let metas = refs.iter().zip(&plan.scenarios).map(|(s, (_, o))| Meta::new(s, seed, done, o)).collect();
    let value = Compared { scenarios, pairings, lockstep: run.value, metas };
    Ok(Finished { value, interrupted: run.interrupted })
}
