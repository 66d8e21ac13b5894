//! The spider chart (as @RISK draws it): a statistic against each
//! parameter's percentile across its range, one parameter at a time with
//! the others as the scenario writes them, every point on the same trials.

use super::{AnalysisError, Monitor, Point, Vary};
use crate::batch::Plan;
use crate::scenario::{self, Override, Source};
use crate::stats::spider::{Spider, SpiderLine, SpiderPoint};
use crate::stats::summary::Meta;

/// A spider chart to compute.
#[derive(Debug, Clone)]
pub struct SpiderPlan {
    /// The scenario.
    pub source: Source,
    /// Overrides applied at every point.
    pub overrides: Vec<Override>,
    /// The statistic drawn (as for Sobol').
    pub metric: String,
    /// The parameters, each `PATH=LO:HI` (a uniform range: its percentile
    /// p is LO + p·(HI − LO)).
    pub vary: Vec<Vary>,
    /// Points per line, from the 0th to the 100th percentile.
    pub steps: usize,
    /// Trials per point.
    pub trials: u64,
    /// The seed (default: the scenario's).
    pub seed: Option<u64>,
}

/// Computes the chart's lines on the current rayon pool.
pub fn spider(plan: &SpiderPlan, mut monitor: Monitor<'_>) -> Result<Spider, AnalysisError> {
    if plan.steps < 2 {
        return Err(AnalysisError::Plan(format!("spider: {} steps; at least 2 are needed", plan.steps)));
    }
    let trials = super::at_least_one(plan.trials)?;
    let super::sobol::Ranged { base, watched, seed, ranges } = super::sobol::ranged(
        &plan.source,
        &plan.overrides,
        &plan.metric,
        plan.seed,
        &plan.vary,
        "a spider chart",
        &mut monitor,
    )?;
    let percentiles: Vec<f64> = (0..plan.steps).map(|i| i as f64 / (plan.steps - 1) as f64).collect();
    let prepared = scenario::Prepared::read(&plan.source);
    let steps = plan.steps;
    let mut values: Vec<f64> = Vec::with_capacity(plan.vary.len() * steps);
    let build = |at: usize, _: &mut Monitor<'_>| {
        let (v, spread) = (&plan.vary[at / steps], &ranges[at / steps]);
        let (x, text) = super::sweep::value_at(spread, percentiles[at % steps]);
        let mut all = plan.overrides.clone();
        all.push(Override::from("--sobol", v.path.clone(), text));
        let loaded = prepared
            .load(&all)
            .map_err(|error| AnalysisError::Scenario { context: format!("at {}={x}", v.path), error })?;
        values.push(x);
        Ok(Some(Point { scenario: loaded.scenario, pairing: None }))
    };
    let mut outputs = Vec::with_capacity(plan.vary.len() * steps);
    super::run_points(
        None,
        plan.vary.len() * steps,
        build,
        Plan { seed, start: 0, end: trials },
        &mut monitor,
        |_, _, stats, _| outputs.push(watched.estimate(&stats)),
    )?;
    let lines = plan
        .vary
        .iter()
        .zip(&ranges)
        .enumerate()
        .map(|(i, (v, spread))| SpiderLine {
            path: v.path.clone(),
            lo: spread.ends().0,
            hi: spread.ends().1,
            points: percentiles
                .iter()
                .enumerate()
                .map(|(j, &p)| {
                    let at = i * steps + j;
                    let (output, se) = outputs[at];
                    SpiderPoint { percentile: p, value: values[at], output, se }
                })
                .collect(),
        })
        .collect();
    Ok(Spider { meta: Meta::new(&base, seed, trials, &plan.overrides), metric: plan.metric.clone(), lines })
}
