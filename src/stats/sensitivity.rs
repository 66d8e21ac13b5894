//! [`Sensitivity`]: one metric as each numeric input moves down and up by a
//! fraction, on common random numbers, ranked by the swing (a tornado).

use serde::{Deserialize, Serialize};

use super::paired::{Difference, Kind};
use super::summary::Meta;

/// Version of the sensitivity JSON layout.
pub const SENSITIVITY_SCHEMA_VERSION: u32 = 1;

/// One side of an input's move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Move {
    /// The input's value on this side.
    pub input: f64,
    /// The metric there, against the base (paired), or why it could not
    /// be run (the moved value is invalid, e.g. a probability above 1).
    #[serde(with = "ran_or_invalid")]
    pub effect: Result<Difference, String>,
}

/// A move's effect in JSON: the difference itself, or `{"invalid": why}`;
/// not Rust's `{"Ok": …}` and `{"Err": …}`.
mod ran_or_invalid {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Difference;

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Effect {
        Invalid { invalid: String },
        Ran(Difference),
    }

    pub fn serialize<S: Serializer>(effect: &Result<Difference, String>, s: S) -> Result<S::Ok, S::Error> {
        match effect {
            Ok(difference) => difference.serialize(s),
            Err(why) => Effect::Invalid { invalid: why.clone() }.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Result<Difference, String>, D::Error> {
        Ok(match Effect::deserialize(d)? {
            Effect::Ran(difference) => Ok(difference),
            Effect::Invalid { invalid } => Err(invalid),
        })
    }
}

impl Move {
    /// The change in the metric (0 when the move was invalid).
    pub fn delta(&self) -> f64 {
        self.effect.as_ref().map_or(0.0, |d| if d.diff.is_nan() { 0.0 } else { d.diff })
    }
}

/// One input's line of the tornado.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputLine {
    /// Its `--set` path.
    pub path: String,
    /// Its value in the scenario.
    pub base: f64,
    /// Moved down.
    pub low: Move,
    /// Moved up.
    pub high: Move,
    /// |metric(high) − metric(low)|: the rank key.
    pub swing: f64,
}

/// A sensitivity analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    /// Layout version.
    pub schema_version: u32,
    /// The base run's metadata.
    pub meta: Meta,
    /// The metric's name.
    pub metric: String,
    /// How it reads.
    pub metric_kind: Kind,
    /// Its value in the base scenario.
    pub base_value: f64,
    /// Each input moved by ± this fraction of its value.
    pub fraction: f64,
    /// Inputs, largest swing first.
    pub inputs: Vec<InputLine>,
}

/// Ranks inputs by swing, largest first (ties by path, so the order is stable).
pub fn rank(inputs: &mut [InputLine]) {
    inputs.sort_by(|a, b| b.swing.total_cmp(&a.swing).then_with(|| a.path.cmp(&b.path)));
}
