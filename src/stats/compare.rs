//! [`Comparison`]: scenarios against the first, on common random numbers.

use serde::{Deserialize, Serialize};

use super::Proportion;
use super::paired::{Difference, Kind, PairStats, Pairing, Side};
use super::summary::Meta;
use crate::scenario::model::class;

/// Version of the comparison JSON layout.
pub const COMPARISON_SCHEMA_VERSION: u32 = 1;

/// One compared quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffLine {
    /// Section (funnel, deployment, timing, member, outcome).
    pub section: String,
    /// Item.
    pub item: String,
    /// Measure.
    pub measure: String,
    /// How it reads.
    pub kind: Kind,
    /// Values and the paired difference.
    pub difference: Difference,
    /// Which side's member is the host, kept from contributing by the
    /// rules (a member line only): its value there is a role, not a rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Side>,
}

/// One scenario against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Against {
    /// The baseline's name.
    pub baseline: String,
    /// This scenario's name.
    pub scenario: String,
    /// What could not be compared.
    pub notes: Vec<String>,
    /// The compared quantities.
    pub lines: Vec<DiffLine>,
    /// Trials by outcome class: `transitions[a][b]` counts trials in class
    /// `a` in the baseline and `b` here (classes as in [`class::NAMES`]).
    pub transitions: [[u64; 4]; 4],
    /// Share of trials whose outcome class differs.
    pub flipped: Proportion,
}

/// A comparison of scenarios on the same seed and trial indices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Layout version.
    pub schema_version: u32,
    /// The outcome class names, in the order of the transition tables.
    pub classes: Vec<String>,
    /// Each scenario's metadata (the first is the baseline).
    pub scenarios: Vec<Meta>,
    /// Each later scenario against the first.
    pub against: Vec<Against>,
}

/// A scenario's name as a comparison shows it: with its overrides, so that
/// a scenario compared with itself under `--set-for` is told apart.
fn label(meta: &Meta) -> String {
    if meta.overrides.is_empty() {
        meta.scenario.clone()
    } else {
        format!("{} [--set {}]", meta.scenario, meta.overrides.join(", "))
    }
}

/// Builds the comparison from the paired statistics.
pub fn compare(metas: Vec<Meta>, pairings: &[Pairing], pairs: &[PairStats]) -> Comparison {
    let against = pairings
        .iter()
        .zip(pairs)
        .zip(metas.iter().skip(1))
        .map(|((pairing, stats), meta)| {
            let t = &stats.transitions;
            let total: u64 = t.iter().flatten().sum();
            let same: u64 = (0..4).map(|c| t[c][c]).sum();
            Against {
                baseline: label(&metas[0]),
                scenario: label(meta),
                notes: pairing.notes.clone(),
                lines: pairing
                    .measures
                    .iter()
                    .zip(&stats.sums)
                    .map(|(m, sums)| DiffLine {
                        section: m.section.to_string(),
                        item: m.item.clone(),
                        measure: m.measure.to_string(),
                        kind: m.kind,
                        difference: sums.difference(),
                        host: m.host,
                    })
                    .collect(),
                transitions: *t,
                flipped: Proportion::wilson(total - same, total),
            }
        })
        .collect();
    Comparison {
        schema_version: COMPARISON_SCHEMA_VERSION,
        classes: class::NAMES.iter().map(|s| (*s).to_string()).collect(),
        scenarios: metas,
        against,
    }
}
