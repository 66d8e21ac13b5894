//! A spider chart's lines: a statistic against each parameter's percentile.

use serde::{Deserialize, Serialize};

use super::summary::Meta;

/// The chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spider {
    /// The scenario, seed and trials per point.
    pub meta: Meta,
    /// The statistic drawn.
    pub metric: String,
    /// One line per parameter.
    pub lines: Vec<SpiderLine>,
}

/// One parameter's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpiderLine {
    /// The `--set` path.
    pub path: String,
    /// Its range's bottom (the 0th percentile).
    pub lo: f64,
    /// Its top (the 100th).
    pub hi: f64,
    /// From the 0th percentile up.
    pub points: Vec<SpiderPoint>,
}

/// One point of a line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpiderPoint {
    /// The percentile, 0..1.
    pub percentile: f64,
    /// The parameter's value there.
    pub value: f64,
    /// The statistic.
    pub output: f64,
    /// Its standard error.
    pub se: f64,
}
