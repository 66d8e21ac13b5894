//! [`Sweep`]: one scenario at each point of a grid of overrides, on common
//! random numbers.

use serde::{Deserialize, Serialize};

use super::batch::BatchStats;
use super::summary::{self, Estimate, Funnel, Meta, OutcomeLine};
use crate::scenario::Scenario;

/// Version of the sweep JSON layout.
pub const SWEEP_SCHEMA_VERSION: u32 = 1;

/// One point of the grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The value of each varied path, as given to `--set` (typed in JSON:
    /// `1000` and `true` are a number and a boolean, `frozen` a string).
    #[serde(serialize_with = "typed", deserialize_with = "untyped")]
    pub values: Vec<String>,
    /// The scenario's content hash at this point.
    pub scenario_hash: String,
    /// The funnel.
    pub funnel: Funnel,
    /// Personnel deployed, over deploy trials.
    pub deployed: Estimate,
    /// Personnel deployed per trial.
    pub deployed_per_trial: Estimate,
    /// Shortfall, over deploy trials.
    pub shortfall: Estimate,
    /// Days to first arrival.
    pub first_arrival: Estimate,
    /// Days to full strength.
    pub full_strength: Estimate,
    /// Outcome metrics.
    pub outcomes: Vec<OutcomeLine>,
}

/// A sweep's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// Layout version.
    pub schema_version: u32,
    /// The base scenario's metadata (overrides: those given with `--set`).
    pub meta: Meta,
    /// The varied paths, in the order of each point's values.
    pub paths: Vec<String>,
    /// The sampling design and its seed (`lhs:64 (seed 2022)`); absent for
    /// a grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design: Option<String>,
    /// The points, in grid order (the last path varies fastest) or the
    /// design's order.
    pub points: Vec<Point>,
}

/// The line of one point.
pub fn point(s: &Scenario, stats: &BatchStats, meta: &Meta, values: Vec<String>) -> Point {
    let full = summary::summarise(s, stats, meta.clone());
    Point {
        values,
        scenario_hash: s.hash.clone(),
        funnel: full.funnel,
        deployed: full.deployment.personnel,
        deployed_per_trial: full.deployment.per_trial,
        shortfall: full.deployment.shortfall,
        first_arrival: full.timing.first_arrival,
        full_strength: full.timing.full_strength,
        outcomes: full.outcomes,
    }
}

/// Writes each value as the JSON type its text reads as.
fn typed<S: serde::Serializer>(values: &[String], serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = serializer.serialize_seq(Some(values.len()))?;
    for v in values {
        match (v.parse::<f64>(), v.as_str()) {
            (Ok(x), _) if x.is_finite() => seq.serialize_element(&x)?,
            (_, "true" | "false") => seq.serialize_element(&(v == "true"))?,
            _ => seq.serialize_element(v)?,
        }
    }
    seq.end()
}

/// Reads values written by [`typed`] back as their text.
fn untyped<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let values: Vec<serde_json::Value> = Deserialize::deserialize(deserializer)?;
    Ok(values.into_iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect())
}
