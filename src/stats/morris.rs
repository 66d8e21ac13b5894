//! What a Morris screening reports: each parameter's μ* (with a bootstrap
//! interval), μ and σ of its elementary effects, and the design with its
//! outputs (for SALib's `morris.analyze`, or a plot of μ* against σ).

use serde::{Deserialize, Serialize};

use super::sobol::Index;
use super::summary::Meta;

/// Version of the Morris JSON layout.
pub const MORRIS_SCHEMA_VERSION: u32 = 1;

/// A Morris screening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MorrisScreening {
    /// Layout version.
    pub schema_version: u32,
    /// The scenario, seed and trials per point.
    pub meta: Meta,
    /// The statistic screened.
    pub metric: String,
    /// Whether it is a probability (its effects then read in percentage
    /// points).
    #[serde(default)]
    pub probability: bool,
    /// r, the trajectories.
    pub trajectories: usize,
    /// p, the grid's levels.
    pub levels: usize,
    /// The step, as a share of each range.
    pub delta: f64,
    /// Each parameter, in the order given.
    pub inputs: Vec<Screened>,
    /// Every point: trajectory by trajectory, k + 1 steps each.
    pub points: Vec<MorrisPoint>,
}

/// One parameter's elementary effects, summarised (in the statistic's
/// units per share Δ of the parameter's range).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screened {
    /// The `--set` path.
    pub path: String,
    /// What it is drawn from: `LO:HI` or a distribution, `normal(0.8, 0.05)`.
    pub drawn_from: String,
    /// Lowest value.
    pub lo: f64,
    /// Highest value.
    pub hi: f64,
    /// Mean effect (signed: effects of opposite sign cancel).
    pub mu: f64,
    /// Mean absolute effect: the importance ranking, with its 95%
    /// bootstrap interval over the trajectories.
    pub mu_star: Index,
    /// Standard deviation of the effects: non-linearity or interaction.
    pub sigma: f64,
}

/// A point of the design and the statistic there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MorrisPoint {
    /// Its trajectory.
    pub trajectory: usize,
    /// Its step along it (0: the start).
    pub step: usize,
    /// The parameter this step moved (none at the start).
    pub moved: Option<String>,
    /// The parameters' values, in the order given.
    pub values: Vec<f64>,
    /// The statistic.
    pub output: f64,
    /// Its standard error (inner Monte Carlo).
    pub se: f64,
}
