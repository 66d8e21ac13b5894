//! Sharded runs: shard K of M runs a contiguous range of the fixed chunks,
//! writes its mergeable statistics as a *partial result*, and `merge` puts
//! the parts back together into exactly the single run's statistics.
//!
//! Shard boundaries depend only on the number of trials and the number of
//! shards (never on threads), and every statistic merges exactly, so the
//! merged summary is byte for byte the single run's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::batch::CHUNK;
use crate::stats::Merge;
use crate::stats::batch::BatchStats;
use crate::stats::summary::Meta;

/// The `format` tag of a partial result.
pub const PARTIAL_FORMAT: &str = "alliance-sim partial result";

/// Shard K of M (1 ≤ K ≤ M), as in `--shard 3/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// K, from 1.
    pub index: u64,
    /// M.
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("'{s}' is not K/M with 1 ≤ K ≤ M (e.g. 3/8)");
        let (k, m) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = m.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// The trials `[start, end)` this shard runs out of `trials`: chunks
    /// `⌊(K−1)·C/M⌋ .. ⌊K·C/M⌋` of the C chunks (possibly none).
    pub fn range(&self, trials: u64) -> (u64, u64) {
        let chunks = u128::from(trials.div_ceil(CHUNK));
        let bound = |k: u64| {
            let chunk = (u128::from(k) * chunks / u128::from(self.count)) as u64;
            chunk.saturating_mul(CHUNK).min(trials)
        };
        (bound(self.index - 1), bound(self.index))
    }
}

/// What one shard writes: its statistics and everything that says which
/// run it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Partial {
    /// Always [`PARTIAL_FORMAT`].
    pub format: String,
    /// The whole run's metadata (`trials` is the whole run's N).
    pub meta: Meta,
    /// K.
    pub shard: u64,
    /// M.
    pub shards: u64,
    /// First trial of this shard.
    pub start: u64,
    /// One past its last trial.
    pub end: u64,
    /// Its statistics.
    pub stats: BatchStats,
    /// SHA-256 of everything above, as written (see [`Partial::seal`]).
    pub digest: String,
}

impl Partial {
    /// The SHA-256 (hex) of the part's content: every field but the digest,
    /// in its JSON encoding.
    fn content_digest(&self) -> String {
        let content = (&self.format, &self.meta, self.shard, self.shards, self.start, self.end, &self.stats);
        let json = serde_json::to_vec(&content).unwrap_or_default();
        Sha256::digest(&json).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Sets the digest from the content: the last step before writing.
    pub fn seal(mut self) -> Partial {
        self.digest = self.content_digest();
        self
    }

    /// Whether the content still matches the digest it was written with.
    /// A mismatch means the part was edited or damaged after it was
    /// written; a match proves only that whoever changed it (if anyone)
    /// recomputed the digest too — it is a checksum, not a signature.
    pub fn is_intact(&self) -> bool {
        self.digest == self.content_digest()
    }
}

/// Why parts could not be read or merged. Each names the part (its file)
/// and the field that does not fit; every one is bad input.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// No part was given.
    #[error("no partial results given")]
    Empty,
    /// The file could not be read (missing, not a regular file, too large).
    #[error("{part}: cannot read the partial result: {error}")]
    Unreadable {
        /// The part's file.
        part: String,
        /// Why.
        error: crate::input::ReadError,
    },
    /// The file is not a partial result's JSON.
    #[error("{part}:{line}:{column}: not an alliance-sim partial result: {error}")]
    NotJson {
        /// The part's file.
        part: String,
        /// Where the JSON stops making sense.
        line: usize,
        /// Its column.
        column: usize,
        /// What the JSON reader said.
        error: serde_json::Error,
    },
    /// The content does not match the digest it was written with.
    #[error("{part}: digest: the part was changed after it was written (its content does not match its digest)")]
    Changed {
        /// The part's file.
        part: String,
    },
    /// Its `format` tag is not a partial result's.
    #[error("{part}: not an alliance-sim partial result (format {format:?})")]
    NotAPart {
        /// The part's file.
        part: String,
        /// The tag it carries.
        format: String,
    },
    /// Two parts disagree on what run they are from.
    #[error("{part} and {first} are from different runs: {field} {here} ≠ {there}")]
    DifferentRuns {
        /// The part's file.
        part: String,
        /// The first part's file.
        first: String,
        /// What differs.
        field: &'static str,
        /// The part's value (shortened).
        here: String,
        /// The first part's value (shortened).
        there: String,
    },
    /// The part's range is not the one its shard number gives.
    #[error("{part}: shard {shard}/{shards} does not cover the trials it should")]
    WrongRange {
        /// The part's file.
        part: String,
        /// Its K.
        shard: u64,
        /// Its M.
        shards: u64,
    },
    /// The part's statistics count other trials than its range.
    #[error("{part}: holds {held} trials, its range has {range}")]
    WrongCount {
        /// The part's file.
        part: String,
        /// Trials in its statistics.
        held: u64,
        /// Trials in its range.
        range: u64,
    },
    /// One shard number is given twice.
    #[error("shard {shard}/{shards} is given twice: {first} and {second}")]
    Twice {
        /// The shard's K.
        shard: u64,
        /// M.
        shards: u64,
        /// The first file with it.
        first: String,
        /// The second.
        second: String,
    },
    /// Shard numbers are missing.
    #[error("missing shard(s) {missing} of {shards}")]
    Missing {
        /// Up to 20 missing K, comma-separated.
        missing: String,
        /// M.
        shards: u64,
    },
    /// The part's statistics are inconsistent with the scenario.
    #[error("{part}: {why}")]
    Inconsistent {
        /// The part's file.
        part: String,
        /// The field and what does not fit.
        why: String,
    },
}

/// The largest partial result read (a part is a few hundred kilobytes).
pub const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a part from a file: a bounded regular file, a partial result's
/// JSON, intact (its content matches its digest).
pub fn read_part(path: &std::path::Path) -> Result<Partial, MergeError> {
    let part = path.display().to_string();
    let bytes = crate::input::read_bounded(path, MAX_PART_BYTES)
        .map_err(|error| MergeError::Unreadable { part: part.clone(), error })?;
    let partial: Partial = serde_json::from_slice(&bytes).map_err(|error| MergeError::NotJson {
        part: part.clone(),
        line: error.line(),
        column: error.column(),
        error,
    })?;
    if !partial.is_intact() {
        return Err(MergeError::Changed { part });
    }
    Ok(partial)
}

/// Checks that parts belong to one run and cover it once, then that each
/// part's statistics pass `check_stats` (see [`BatchStats::check`]), then
/// merges them in shard order.
pub fn merge(
    parts: &[(String, Partial)],
    check_stats: impl Fn(&BatchStats) -> Result<(), String>,
) -> Result<(Meta, BatchStats), MergeError> {
    let Some((first_name, first)) = parts.first() else {
        return Err(MergeError::Empty);
    };
    let m = &first.meta;
    for (name, p) in parts {
        if p.format != PARTIAL_FORMAT {
            return Err(MergeError::NotAPart { part: name.clone(), format: p.format.clone() });
        }
        let checks: [(&str, String, String); 7] = [
            ("scenario hash", p.meta.scenario_hash.clone(), m.scenario_hash.clone()),
            ("seed", p.meta.seed.to_string(), m.seed.to_string()),
            ("trials", p.meta.trials.to_string(), m.trials.to_string()),
            ("shard count", p.shards.to_string(), first.shards.to_string()),
            ("alliance-sim version", p.meta.tool_version.clone(), m.tool_version.clone()),
            ("RNG", p.meta.rng.clone(), m.rng.clone()),
            ("overrides", p.meta.overrides.join(" "), m.overrides.join(" ")),
        ];
        for (field, here, there) in checks {
            if here != there {
                return Err(MergeError::DifferentRuns {
                    part: name.clone(),
                    first: first_name.clone(),
                    field,
                    here: crate::text::excerpt(&here, 64),
                    there: crate::text::excerpt(&there, 64),
                });
            }
        }
        let expected = Shard { index: p.shard, count: p.shards };
        if p.shard == 0 || p.shard > p.shards || expected.range(p.meta.trials) != (p.start, p.end) {
            return Err(MergeError::WrongRange { part: name.clone(), shard: p.shard, shards: p.shards });
        }
        if p.stats.trials != p.end - p.start {
            return Err(MergeError::WrongCount { part: name.clone(), held: p.stats.trials, range: p.end - p.start });
        }
    }
    // Ordered by shard number; nothing is sized by the (untrusted) shard count.
    let mut by_index: BTreeMap<u64, &(String, Partial)> = BTreeMap::new();
    for part in parts {
        if let Some((other, _)) = by_index.insert(part.1.shard, part) {
            return Err(MergeError::Twice {
                shard: part.1.shard,
                shards: first.shards,
                first: other.clone(),
                second: part.0.clone(),
            });
        }
    }
    if by_index.len() as u64 != first.shards {
        let missing: Vec<String> =
            (1..=first.shards).filter(|k| !by_index.contains_key(k)).take(20).map(|k| k.to_string()).collect();
        return Err(MergeError::Missing { missing: missing.join(", "), shards: first.shards });
    }
    for (name, p) in by_index.values() {
        check_stats(&p.stats).map_err(|why| MergeError::Inconsistent { part: name.clone(), why })?;
    }
    let mut stats = BatchStats::default();
    for p in by_index.values() {
        stats.merge(&p.1.stats);
    }
    Ok((m.clone(), stats))
}
