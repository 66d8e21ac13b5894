//! Global sensitivity: Sobol' indices of a batch statistic over uncertain
//! parameters, each drawn from a range.
//!
//! Saltelli's design (Saltelli et al. 2010, "Variance based sensitivity
//! analysis of model output", Computer Physics Communications 181): two
//! matrices A and B of N points each, from one scrambled Sobol' sequence of
//! 2k dimensions, and for each parameter i the matrix AB_i (A with column i
//! from B) — N(k + 2) scenarios. Every scenario runs the same trials in
//! lockstep (common random numbers), so the inner Monte Carlo noise is
//! shared between the points it compares. First-order indices by Saltelli
//! (2010), S_i = mean(f_B (f_ABi − f_A)) / V, total indices by Jansen
//! (1999), ST_i = mean((f_A − f_ABi)²) / 2V, with V the variance of f over A
//! and B together, f centred on its mean over every point — the estimators
//! SALib uses, so its `sobol.analyze` on the exported design gives the same
//! numbers. Intervals: percentile bootstrap
//! over the N rows.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{AnalysisError, Monitor, Point, Sample, Vary};
use crate::batch::Plan;
use crate::dist::Spread;
use crate::scenario::{self, Override, Scenario, Source};
use crate::stats::batch::Watched;
use crate::stats::sobol::{DesignPoint, Index, InputIndices, SOBOL_SCHEMA_VERSION, SobolIndices};
use crate::stats::summary::Meta;

/// Bootstrap resamples for the intervals.
const BOOTSTRAP: usize = 1000;
/// Keeps the bootstrap's draws apart from every other use of the seed.
const BOOTSTRAP_STREAM: u64 = 0x736f_626f_6c5f_6273;

/// A Sobol' analysis to run.
#[derive(Debug, Clone)]
pub struct SobolPlan {
    /// The scenario.
    pub source: Source,
    /// Overrides applied at every point.
    pub overrides: Vec<Override>,
    /// The statistic analysed: a funnel stage (`deploy`, `request`, …),
    /// `deployed` (per trial) or an outcome metric's name (its mean).
    pub metric: String,
    /// The uncertain parameters, each `PATH=LO:HI`.
    pub vary: Vec<Vary>,
    /// N, the base sample: the design has N(k + 2) points.
    pub samples: usize,
    /// Trials per point.
    pub trials: u64,
    /// The seed of the trials and of the design (default: the scenario's).
    pub seed: Option<u64>,
}

impl SobolPlan {
    /// Points the design has: N(k + 2).
    pub fn points(&self) -> usize {
        self.samples.saturating_mul(self.vary.len() + 2)
    }

    /// The points, or why a design that large is refused (with its cost).
    pub fn size(&self) -> Result<usize, AnalysisError> {
        let k = self.vary.len();
        let formula = format!("N(k + 2) = {} × {}", self.samples, k + 2);
        super::design_fits("--samples", &formula, self.samples.checked_mul(k + 2), k)
    }
}

/// Runs the analysis on the current rayon pool.
pub fn sobol(plan: &SobolPlan, mut monitor: Monitor<'_>) -> Result<SobolIndices, AnalysisError> {
    let k = plan.vary.len();
    if k == 0 {
        return Err(AnalysisError::Plan(
            "--method sobol needs the uncertain parameters: give --vary PATH=LO:HI for each, or declare them under `uncertain:` in the scenario".into(),
        ));
    }
    if plan.samples < 8 {
        return Err(AnalysisError::Plan(format!("--samples {}: at least 8 are needed", plan.samples)));
    }
    let trials = super::at_least_one(plan.trials)?;
    plan.size()?;
    let Ranged { base, watched, seed, ranges } =
        ranged(&plan.source, &plan.overrides, &plan.metric, plan.seed, &plan.vary, "--method sobol", &mut monitor)?;
    let design = Sample::Sobol(plan.samples);
    if 2 * k > sobol_burley::NUM_DIMENSIONS as usize {
        return Err(AnalysisError::Plan(format!(
            "--method sobol: at most {} parameters; {k} were given",
            sobol_burley::NUM_DIMENSIONS / 2
        )));
    }
    let unit = design.unit_points(2 * k, seed);
    // Rows of A, then B, then AB_1 … AB_k, each N points: (role, sample,
    // unit point).
    let mut rows: Vec<(String, usize, Vec<f64>)> = Vec::with_capacity(plan.points());
    for block in [Block::A, Block::B].into_iter().chain((0..k).map(Block::Ab)) {
        for (j, u) in unit.iter().enumerate() {
            let point = (0..k).map(|c| if block.takes_b(c) { u[k + c] } else { u[c] }).collect();
            rows.push((block.role(), j, point));
        }
    }
    let units: Vec<Vec<f64>> = rows.iter().map(|(_, _, u)| u.clone()).collect();
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
    let (outputs, values_of) = (run.outputs, run.values);
    let n = plan.samples;
    let f = |block: usize| -> &[(f64, f64)] { &outputs[block * n..(block + 1) * n] };
    // Centred on the mean over every point, as SALib does: the first-order
    // estimator is biased for outputs far from zero.
    let centre = outputs.iter().map(|x| x.0).sum::<f64>() / outputs.len() as f64;
    let centred = |block: usize| -> Vec<f64> { f(block).iter().map(|x| x.0 - centre).collect() };
    let (fa, fb) = (centred(0), centred(1));
    let fab: Vec<Vec<f64>> = (0..k).map(|i| centred(2 + i)).collect();
    let all_rows: Vec<usize> = (0..n).collect();
    let point = indices(&fa, &fb, &fab, &all_rows);
    let variance = point.0;
    // With one trial per point there is no inner error to estimate (NaN).
    let inner = outputs.iter().map(|(_, se)| se * se).sum::<f64>() / outputs.len() as f64;
    let noise_share = if variance > 0.0 { inner / variance } else { f64::INFINITY };
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ BOOTSTRAP_STREAM);
    let mut boot: Vec<Vec<(f64, f64)>> = vec![Vec::with_capacity(BOOTSTRAP); k];
    let mut resample = vec![0usize; n];
    for _ in 0..BOOTSTRAP {
        for r in resample.iter_mut() {
            *r = rng.random_range(0..n);
        }
        let (_, s) = indices(&fa, &fb, &fab, &resample);
        for (i, si) in s.into_iter().enumerate() {
            boot[i].push(si);
        }
    }
    let inputs = plan
        .vary
        .iter()
        .zip(&ranges)
        .zip(point.1)
        .zip(boot)
        .map(|(((v, spread), (s1, st)), b)| {
            let (lo, hi) = spread.ends();
            let first = Index::of(s1, b.iter().map(|x| x.0).collect());
            let total = Index::of(st, b.iter().map(|x| x.1).collect());
            InputIndices {
                path: v.path.clone(),
                drawn_from: spread.describe(),
                lo,
                hi,
                below_noise: total.value < 2.0 * noise_share,
                first,
                total,
            }
        })
        .collect();
    let design_points = rows
        .into_iter()
        .zip(values_of)
        .zip(&outputs)
        .map(|(((role, sample, _), values), &(output, se))| DesignPoint { role, sample, values, output, se })
        .collect();
    Ok(SobolIndices {
        schema_version: SOBOL_SCHEMA_VERSION,
        meta: Meta::new(&base, seed, trials, &plan.overrides),
        metric: plan.metric.clone(),
        samples: n,
        design: format!("Saltelli, {} (seed {seed}), N(k + 2) = {} points", design.label(), plan.points()),
        variance,
        inner_noise_share: noise_share,
        inputs,
        points: design_points,
    })
}

/// What running a design's points gives.
pub(super) struct DesignRun {
    /// The statistic and its standard error at each point.
    pub outputs: Vec<(f64, f64)>,
    /// Each point's parameter values.
    pub values: Vec<Vec<f64>>,
}

/// Runs every point of a design (unit coordinates over `ranges`) on the
/// same trials, a wave at a time, and reads `watched` at each.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_design(
    source: &Source,
    overrides: &[Override],
    vary: &[Vary],
    ranges: &[Spread],
    units: &[Vec<f64>],
    plan: Plan,
    watched: Watched,
    monitor: &mut Monitor<'_>,
) -> Result<DesignRun, AnalysisError> {
    let prepared = scenario::Prepared::read(source);
    let mut values_of: Vec<Vec<f64>> = Vec::with_capacity(units.len());
    let build = |p: usize, _: &mut Monitor<'_>| {
        let values: Vec<(f64, String)> =
            ranges.iter().zip(&units[p]).map(|(spread, u)| super::sweep::value_at(spread, *u)).collect();
        let mut all = overrides.to_vec();
        all.extend(
            vary.iter().zip(&values).map(|(v, (_, text))| Override::from("--vary", v.path.clone(), text.clone())),
        );
        let loaded = prepared
            .load(&all)
            .map_err(|error| AnalysisError::Scenario { context: format!("at design point {}", p + 1), error })?;
        values_of.push(values.iter().map(|(x, _)| *x).collect());
        Ok(Some(Point { scenario: loaded.scenario, pairing: None }))
    };
    let mut outputs = Vec::with_capacity(units.len());
    super::run_points(None, units.len(), build, plan, monitor, |_, _, stats, _| {
        outputs.push(watched.estimate(&stats))
    })?;
    Ok(DesignRun { outputs, values: values_of })
}

/// What every analysis over parameter ranges starts from: the base
/// scenario (its warnings passed on), the statistic to read, the seed and
/// each range. `what` names the analysis in a refusal.
pub(super) struct Ranged {
    /// The scenario as written (with the plan's overrides).
    pub base: Scenario,
    /// The statistic read at each point.
    pub watched: Watched,
    /// The seed of the trials and of the design.
    pub seed: u64,
    /// Where each parameter is drawn from.
    pub ranges: Vec<Spread>,
}

/// Loads what [`Ranged`] holds.
pub(super) fn ranged(
    source: &Source,
    overrides: &[Override],
    metric: &str,
    seed: Option<u64>,
    vary: &[Vary],
    what: &str,
    monitor: &mut Monitor<'_>,
) -> Result<Ranged, AnalysisError> {
    super::each_path_once("--vary", vary.iter().map(|v| v.path.as_str()))?;
    let loaded = scenario::load(source, overrides)?;
    for w in &loaded.warnings {
        monitor.warn(&w.to_string());
    }
    let base = loaded.scenario;
    let watched = Watched::named(&base, metric).map_err(|e| AnalysisError::Plan(format!("--metric {metric}: {e}")))?;
    let seed = seed.unwrap_or(base.run.seed);
    let ranges = super::sweep::ranges(vary, what)?;
    Ok(Ranged { base, watched, seed, ranges })
}

/// Which matrix of the design a point belongs to.
#[derive(Clone, Copy)]
enum Block {
    A,
    B,
    /// A with column i from B.
    Ab(usize),
}

impl Block {
    /// Whether column `c` of this block's points comes from B.
    fn takes_b(self, c: usize) -> bool {
        match self {
            Block::A => false,
            Block::B => true,
            Block::Ab(i) => i == c,
        }
    }

    /// The role as exported (SALib's names): A, B, AB1 … ABk.
    fn role(self) -> String {
        match self {
            Block::A => "A".into(),
            Block::B => "B".into(),
            Block::Ab(i) => format!("AB{}", i + 1),
        }
    }
}

/// The output variance over A and B, and each parameter's (S_i, ST_i), over
/// the rows `which` (all of them, or a bootstrap resample).
fn indices(fa: &[f64], fb: &[f64], fab: &[Vec<f64>], which: &[usize]) -> (f64, Vec<(f64, f64)>) {
    let m = which.len() as f64;
    let mean = which.iter().map(|&j| fa[j] + fb[j]).sum::<f64>() / (2.0 * m);
    let variance = which.iter().map(|&j| (fa[j] - mean).powi(2) + (fb[j] - mean).powi(2)).sum::<f64>() / (2.0 * m);
    let per_input = fab
        .iter()
        .map(|ab| {
            let first = which.iter().map(|&j| fb[j] * (ab[j] - fa[j])).sum::<f64>() / m / variance;
            let total = which.iter().map(|&j| (fa[j] - ab[j]).powi(2)).sum::<f64>() / (2.0 * m) / variance;
            (first, total)
        })
        .collect();
    (variance, per_input)
}

#[cfg(test)]
mod tests {
    use super::indices;

    #[test]
    fn the_estimators_give_an_additive_models_shares_of_variance() {
        use rand::{RngExt, SeedableRng};
        // f = 2 x1 + x2 with x uniform on [0, 1]: the exact shares of a
        // linear model are a_i² var(x_i) / Σ — 0.8 and 0.2 — first-order
        // and total alike.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let n = 4096;
        let mut draw = || -> Vec<(f64, f64)> { (0..n).map(|_| (rng.random::<f64>(), rng.random::<f64>())).collect() };
        let (a, b) = (draw(), draw());
        let model = |x: (f64, f64)| 2.0 * x.0 + x.1;
        let fa: Vec<f64> = a.iter().map(|&x| model(x)).collect();
        let fb: Vec<f64> = b.iter().map(|&x| model(x)).collect();
        let fab: Vec<Vec<f64>> = vec![
            a.iter().zip(&b).map(|(&x, &y)| model((y.0, x.1))).collect(),
            a.iter().zip(&b).map(|(&x, &y)| model((x.0, y.1))).collect(),
        ];
        // Centred on the mean over every point, as `sobol` does.
        let all: Vec<f64> = fa.iter().chain(&fb).chain(fab.iter().flatten()).copied().collect();
        let centre = all.iter().sum::<f64>() / all.len() as f64;
        let c = |v: &[f64]| -> Vec<f64> { v.iter().map(|x| x - centre).collect() };
        let fab: Vec<Vec<f64>> = fab.iter().map(|v| c(v)).collect();
        let which: Vec<usize> = (0..n).collect();
        let (_, s) = indices(&c(&fa), &c(&fb), &fab, &which);
        for ((s1, st), exact) in s.iter().zip([0.8, 0.2]) {
            assert!((s1 - exact).abs() < 0.05 && (st - exact).abs() < 0.05, "{s1} {st} vs {exact}");
        }
    }
}
