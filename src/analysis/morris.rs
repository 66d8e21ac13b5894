//! Morris screening: elementary effects along random one-at-a-time
//! trajectories over the parameters' ranges (Morris 1991), summarised as
//! μ* (the mean absolute effect, Campolongo et al. 2007), μ and σ — a cheap
//! first pass over many parameters before Sobol' indices on the few that
//! matter.
//!
//! Each of r trajectories starts at a random point of a p-level grid in the
//! unit cube and moves every parameter once, in random order, by
//! Δ = p / (2(p − 1)) (up from the lower half of the grid, down from the
//! upper), so it costs k + 1 points; every point runs the same trials
//! (common random numbers). An elementary effect is the change in the
//! statistic over Δ, in the direction of the move — SALib's convention,
//! so its `morris.analyze` on the exported design gives the same numbers.

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::sobol::run_design;
use super::{AnalysisError, Monitor, Vary};
use crate::batch::Plan;
use crate::scenario::{Override, Source};
use crate::stats::morris::{MORRIS_SCHEMA_VERSION, MorrisPoint, MorrisScreening, Screened};
use crate::stats::sobol::Index;
use crate::stats::summary::Meta;

/// Bootstrap resamples of the trajectories for μ*'s interval.
const BOOTSTRAP: usize = 1000;
/// Keeps the design's draws apart from every other use of the seed.
const MORRIS_STREAM: u64 = 0x6d6f_7272_6973_5f64;

/// A Morris screening to run.
#[derive(Debug, Clone)]
pub struct MorrisPlan {
    /// The scenario.
    pub source: Source,
    /// Overrides applied at every point.
    pub overrides: Vec<Override>,
    /// The statistic screened (as for Sobol').
    pub metric: String,
    /// The parameters, each `PATH=LO:HI`.
    pub vary: Vec<Vary>,
    /// r, the trajectories: the design has r(k + 1) points.
    pub trajectories: usize,
    /// p, the grid's levels (even, at least 2).
    pub levels: usize,
    /// Trials per point.
    pub trials: u64,
    /// The seed of the trials and of the design (default: the scenario's).
    pub seed: Option<u64>,
}

impl MorrisPlan {
    /// Points the design has: r(k + 1).
    pub fn points(&self) -> usize {
        self.trajectories.saturating_mul(self.vary.len() + 1)
    }

    /// The points, or why a design that large is refused (with its cost).
    pub fn size(&self) -> Result<usize, AnalysisError> {
        let k = self.vary.len();
        let formula = format!("r(k + 1) = {} × {}", self.trajectories, k + 1);
        super::design_fits("--trajectories", &formula, self.trajectories.checked_mul(k + 1), k)
    }
}

/// The design in the unit cube: r trajectories of k + 1 points, and for
/// each step the parameter it moved.
fn trajectories(r: usize, k: usize, levels: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ MORRIS_STREAM);
    let top = (levels - 1) as f64;
    let delta = levels as f64 / (2.0 * top);
    let mut points = Vec::with_capacity(r * (k + 1));
    let mut moved = Vec::with_capacity(r * k);
    for _ in 0..r {
        let mut x: Vec<f64> = (0..k).map(|_| rng.random_range(0..levels) as f64 / top).collect();
        points.push(x.clone());
        let mut order: Vec<usize> = (0..k).collect();
        order.shuffle(&mut rng);
        for i in order {
            x[i] += if x[i] + delta <= 1.0 + 1e-12 { delta } else { -delta };
            x[i] = x[i].clamp(0.0, 1.0);
            points.push(x.clone());
            moved.push(i);
        }
    }
    (points, moved)
}

/// Runs the screening on the current rayon pool.
pub fn morris(plan: &MorrisPlan, mut monitor: Monitor<'_>) -> Result<MorrisScreening, AnalysisError> {
    let k = plan.vary.len();
    if k == 0 {
        return Err(AnalysisError::Plan(
            "--method morris needs the parameters: give --vary PATH=LO:HI for each, or declare them under `uncertain:` in the scenario".into(),
        ));
    }
    if plan.trajectories < 2 {
        return Err(AnalysisError::Plan(format!("--trajectories {}: at least 2 are needed", plan.trajectories)));
    }
    if plan.levels < 2 || !plan.levels.is_multiple_of(2) {
        return Err(AnalysisError::Plan(format!(
            "--levels {}: expected an even number, at least 2 (e.g. 4)",
            plan.levels
        )));
    }
    let trials = super::at_least_one(plan.trials)?;
    plan.size()?;
    let super::sobol::Ranged { base, watched, seed, ranges } = super::sobol::ranged(
        &plan.source,
        &plan.overrides,
        &plan.metric,
        plan.seed,
        &plan.vary,
        "--method morris",
        &mut monitor,
    )?;
    let (units, moved) = trajectories(plan.trajectories, k, plan.levels, seed);
    let run = run_design(
        &plan.source,
        &plan.overrides,
        &plan.vary,
        &ranges,
        &units,
        Plan { seed, start: 0, end: trials },
        watched,
        &mut monitor,
    )?;
    let delta = plan.levels as f64 / (2.0 * (plan.levels - 1) as f64);
    // effects[i][t]: parameter i's elementary effect in trajectory t.
    let mut effects = vec![Vec::with_capacity(plan.trajectories); k];
    for t in 0..plan.trajectories {
        for s in 0..k {
            let (before, after) = (t * (k + 1) + s, t * (k + 1) + s + 1);
            let i = moved[t * k + s];
            let up = units[after][i] > units[before][i];
            let change = run.outputs[after].0 - run.outputs[before].0;
            effects[i].push(if up { change } else { -change } / delta);
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ MORRIS_STREAM ^ 1);
    let inputs = plan
        .vary
        .iter()
        .zip(&ranges)
        .zip(&effects)
        .map(|((v, spread), ee)| {
            let (lo, hi) = spread.ends();
            let r = ee.len() as f64;
            let mu = ee.iter().sum::<f64>() / r;
            let mu_star_of = |which: &mut dyn Iterator<Item = f64>| which.map(f64::abs).sum::<f64>() / r;
            let mu_star = mu_star_of(&mut ee.iter().copied());
            let sigma = (ee.iter().map(|e| (e - mu).powi(2)).sum::<f64>() / (r - 1.0)).sqrt();
            let replicates = (0..BOOTSTRAP)
                .map(|_| mu_star_of(&mut (0..ee.len()).map(|_| ee[rng.random_range(0..ee.len())])))
                .collect();
            Screened {
                path: v.path.clone(),
                drawn_from: spread.describe(),
                lo,
                hi,
                mu,
                mu_star: Index::of(mu_star, replicates),
                sigma,
            }
        })
        .collect();
    let points = run
        .values
        .into_iter()
        .zip(&run.outputs)
        .enumerate()
        .map(|(p, (values, &(output, se)))| MorrisPoint {
            trajectory: p / (k + 1),
            step: p % (k + 1),
            moved: (p % (k + 1)).checked_sub(1).map(|s| plan.vary[moved[(p / (k + 1)) * k + s]].path.clone()),
            values,
            output,
            se,
        })
        .collect();
    Ok(MorrisScreening {
        schema_version: MORRIS_SCHEMA_VERSION,
        meta: Meta::new(&base, seed, trials, &plan.overrides),
        metric: plan.metric.clone(),
        probability: matches!(watched, crate::stats::batch::Watched::Classes(_)),
        trajectories: plan.trajectories,
        levels: plan.levels,
        delta,
        inputs,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::trajectories;

    #[test]
    fn each_trajectory_moves_every_parameter_once_by_delta_on_the_grid() {
        let (points, moved) = trajectories(30, 3, 4, 9);
        assert_eq!(points.len(), 30 * 4);
        for t in 0..30 {
            let mut seen = moved[t * 3..t * 3 + 3].to_vec();
            seen.sort_unstable();
            assert_eq!(seen, vec![0, 1, 2]);
            for s in 0..3 {
                let (a, b) = (&points[t * 4 + s], &points[t * 4 + s + 1]);
                let changed: Vec<usize> = (0..3).filter(|&i| a[i] != b[i]).collect();
                assert_eq!(changed, vec![moved[t * 3 + s]]);
                assert!(((a[changed[0]] - b[changed[0]]).abs() - 2.0 / 3.0).abs() < 1e-12);
                for x in b {
                    assert!((x * 3.0 - (x * 3.0).round()).abs() < 1e-9 && (0.0..=1.0).contains(x), "{x} off the grid");
                }
            }
        }
    }
}
