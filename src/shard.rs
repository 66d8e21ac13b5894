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
    /// The part was written by another version of the tool, whose random
    /// streams or statistics differ.
    #[error(
        "{part}: written by {by}; this is alliance-sim {}, whose results differ: run every shard with one version",
        env!("CARGO_PKG_VERSION")
    )]
    OtherVersion {
        /// The part's file.
        part: String,
        /// The version (or, for a part of this version, the RNG) it names.
        by: String,
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
/// JSON of this version of the tool, intact (its content matches its
/// digest). The format, version and RNG are read before the rest, so a part
/// of another version is refused as such, whatever its fields.
pub fn read_part(path: &std::path::Path) -> Result<Partial, MergeError> {
    let part = path.display().to_string();
    let bytes = crate::input::read_bounded(path, MAX_PART_BYTES)
        .map_err(|error| MergeError::Unreadable { part: part.clone(), error })?;
    let not_json = |error: serde_json::Error| MergeError::NotJson {
        part: part.clone(),
        line: error.line(),
        column: error.column(),
        error,
    };
    /// What is read of a part before the rest.
    #[derive(Deserialize)]
    struct Head {
        format: String,
        meta: HeadMeta,
    }
    #[derive(Deserialize)]
    struct HeadMeta {
        tool_version: String,
        rng: String,
    }
    let head: Head = serde_json::from_slice(&bytes).map_err(not_json)?;
    if head.format != PARTIAL_FORMAT {
        return Err(MergeError::NotAPart { part, format: crate::text::excerpt(&head.format, 64) });
    }
    let (version, rng) = (env!("CARGO_PKG_VERSION"), crate::rng::ALGORITHM);
    if head.meta.tool_version != version || head.meta.rng != rng {
        let by = if head.meta.tool_version != version {
            format!("alliance-sim {}", crate::text::excerpt(&head.meta.tool_version, 32))
        } else {
            format!("a build with another RNG ({})", crate::text::excerpt(&head.meta.rng, 80))
        };
        return Err(MergeError::OtherVersion { part, by });
    }
    let partial: Partial = serde_json::from_slice(&bytes).map_err(not_json)?;
    if !partial.is_intact() {
        return Err(MergeError::Changed { part });
    }
    Ok(partial)
}

/// Parts merged one at a time, so that no more than one is held: each is
/// checked against the first (one run, one range per shard), then its
/// statistics against the scenario (`check_stats`, see
/// [`BatchStats::check`]), then folded. The statistics merge exactly, so
/// the order of the parts does not matter.
pub struct Merger<C> {
    first_name: String,
    meta: Meta,
    shards: u64,
    /// Each shard number seen, with its part's file.
    seen: BTreeMap<u64, String>,
    check_stats: C,
    stats: BatchStats,
}

impl<C: Fn(&BatchStats) -> Result<(), String>> Merger<C> {
    /// Starts with the first part.
    pub fn new(name: String, first: Partial, check_stats: C) -> Result<Merger<C>, MergeError> {
        let mut merger = Merger {
            first_name: name.clone(),
            meta: first.meta.clone(),
            shards: first.shards,
            seen: BTreeMap::new(),
            check_stats,
            stats: BatchStats::default(),
        };
        merger.add(name, first)?;
        Ok(merger)
    }

    /// Checks a part and folds it in.
    pub fn add(&mut self, name: String, p: Partial) -> Result<(), MergeError> {
        if p.format != PARTIAL_FORMAT {
            return Err(MergeError::NotAPart { part: name, format: crate::text::excerpt(&p.format, 64) });
        }
        let m = &self.meta;
        let checks: [(&str, String, String); 7] = [
            ("scenario hash", p.meta.scenario_hash.clone(), m.scenario_hash.clone()),
            ("seed", p.meta.seed.to_string(), m.seed.to_string()),
            ("trials", p.meta.trials.to_string(), m.trials.to_string()),
            ("shard count", p.shards.to_string(), self.shards.to_string()),
            ("alliance-sim version", p.meta.tool_version.clone(), m.tool_version.clone()),
            ("RNG", p.meta.rng.clone(), m.rng.clone()),
            ("overrides", p.meta.overrides.join(" "), m.overrides.join(" ")),
        ];
        for (field, here, there) in checks {
            if here != there {
                return Err(MergeError::DifferentRuns {
                    part: name,
                    first: self.first_name.clone(),
                    field,
                    here: crate::text::excerpt(&here, 64),
                    there: crate::text::excerpt(&there, 64),
                });
            }
        }
        let expected = Shard { index: p.shard, count: p.shards };
        if p.shard == 0 || p.shard > p.shards || expected.range(p.meta.trials) != (p.start, p.end) {
            return Err(MergeError::WrongRange { part: name, shard: p.shard, shards: p.shards });
        }
        if p.stats.trials != p.end - p.start {
            return Err(MergeError::WrongCount { part: name, held: p.stats.trials, range: p.end - p.start });
        }
        if let Some(other) = self.seen.get(&p.shard) {
            return Err(MergeError::Twice { shard: p.shard, shards: self.shards, first: other.clone(), second: name });
        }
        (self.check_stats)(&p.stats).map_err(|why| MergeError::Inconsistent { part: name.clone(), why })?;
        self.stats.merge(&p.stats);
        self.seen.insert(p.shard, name);
        Ok(())
    }

    /// The merged run, once every shard is in.
    pub fn finish(self) -> Result<(Meta, BatchStats), MergeError> {
        if self.seen.len() as u64 != self.shards {
            let missing: Vec<String> =
                (1..=self.shards).filter(|k| !self.seen.contains_key(k)).take(20).map(|k| k.to_string()).collect();
            return Err(MergeError::Missing { missing: missing.join(", "), shards: self.shards });
        }
        Ok((self.meta, self.stats))
    }
}
