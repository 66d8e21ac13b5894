//! What a Sobol' analysis reports: each parameter's first-order and total
//! indices with bootstrap intervals, the share of the output's variance
//! that is inner Monte Carlo noise, and the design with its outputs (for a
//! second method, such as SALib, to analyse).

use serde::{Deserialize, Serialize};

use super::summary::Meta;

/// Version of the Sobol' JSON layout.
pub const SOBOL_SCHEMA_VERSION: u32 = 1;

/// A Sobol' analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SobolIndices {
    /// Layout version.
    pub schema_version: u32,
    /// The scenario, seed and trials per point.
    pub meta: Meta,
    /// The statistic analysed.
    pub metric: String,
    /// N, the base sample.
    pub samples: usize,
    /// The design, in words.
    pub design: String,
    /// Variance of the statistic over the points of A and B.
    pub variance: f64,
    /// Mean squared standard error of a point's statistic over that
    /// variance: the share of it that is inner Monte Carlo noise.
    pub inner_noise_share: f64,
    /// Each parameter's indices, in the order given.
    pub inputs: Vec<InputIndices>,
    /// Every point of the design: A, B, then AB1 … ABk, N each.
    pub points: Vec<DesignPoint>,
}

/// One parameter's indices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputIndices {
    /// The `--set` path.
    pub path: String,
    /// What it is drawn from: `LO:HI` or a distribution, `normal(0.8, 0.05)`.
    pub drawn_from: String,
    /// Lowest value drawn.
    pub lo: f64,
    /// Highest value drawn.
    pub hi: f64,
    /// First-order index S_i: the share of variance it explains alone.
    pub first: Index,
    /// Total index ST_i: its share with every interaction it takes part in.
    pub total: Index,
    /// Whether its total index is below twice the inner-noise share: too
    /// small to tell from the noise, so not ranked.
    pub below_noise: bool,
}

/// An index with its 95% percentile-bootstrap interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Index {
    /// The estimate.
    pub value: f64,
    /// 2.5th percentile of the bootstrap.
    pub lo: f64,
    /// 97.5th percentile.
    pub hi: f64,
}

impl Index {
    /// An estimate and its bootstrap replicates.
    pub fn of(value: f64, mut replicates: Vec<f64>) -> Index {
        replicates.retain(|x| x.is_finite());
        replicates.sort_by(f64::total_cmp);
        let at = |q: f64| {
            if replicates.is_empty() {
                return f64::NAN;
            }
            let i = (q * (replicates.len() - 1) as f64).round() as usize;
            replicates[i.min(replicates.len() - 1)]
        };
        Index { value, lo: at(0.025), hi: at(0.975) }
    }
}

/// A point of the design and the statistic there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignPoint {
    /// A, B or AB1 … ABk.
    pub role: String,
    /// Its row j in 0..N.
    pub sample: usize,
    /// The parameters' values, in the order given.
    pub values: Vec<f64>,
    /// The statistic.
    pub output: f64,
    /// Its standard error (inner Monte Carlo).
    pub se: f64,
}
impl SobolIndices {
    /// A warning when an index lies outside [0, 1] (a share cannot), as a
    /// small design's estimates do: they are then not shares yet, and more
    /// samples are the remedy.
    pub fn estimation_warning(&self) -> Option<String> {
        let out: Vec<String> = self
            .inputs
            .iter()
            .flat_map(|p| [("S", &p.path, p.first.value), ("ST", &p.path, p.total.value)])
            .filter(|(_, _, v)| !(-0.05..=1.05).contains(v))
            .map(|(name, path, v)| format!("{name} = {v:.3} for {path}"))
            .collect();
        (!out.is_empty()).then(|| {
            format!(
                "Warning: {} lies outside 0-1, which no share can: the estimates are not yet precise enough to \
                 read as shares. Raise --samples.",
                out.join(", ")
            )
        })
    }
}
