//! Many trials: fixed chunks run in parallel with rayon, merged in chunk
//! order.
//!
//! Chunk boundaries depend only on the number of trials (never on the thread
//! count); each chunk folds its trials into its own [`BatchStats`], and the
//! chunks of a wave are merged left to right. With integer statistics the
//! result is identical for any thread count and any split of the range.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::engine;
use crate::rng::TrialKeys;
use crate::rules::env::Frame;
use crate::rules::ruleset::FireCounter;
use crate::scenario::Scenario;
use crate::stats::Merge;
use crate::stats::batch::BatchStats;

/// Trials per chunk.
pub const CHUNK: u64 = 1 << 14;

/// Which trials to run.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// The seed.
    pub seed: u64,
    /// First trial index (inclusive).
    pub start: u64,
    /// Last trial index (exclusive).
    pub end: u64,
}

/// Runs the trials `range` in one thread, folding them.
pub fn run_range(s: &Scenario, seed: u64, start: u64, end: u64) -> BatchStats {
    let mut stats = BatchStats::new(s);
    let mut fires = vec![0u64; s.rules.len()];
    let mut frame = Frame::new(s.n_slots(), s.members.len());
    let mut keys = TrialKeys::starting_at(seed, start);
    for _ in start..end {
        let key = keys.next_key();
        engine::run_trial(s, key, &mut frame, &mut FireCounter(&mut fires));
        stats.fold(s, &frame);
    }
    stats.rule_fires = fires;
    stats
}

/// Runs a plan on the current rayon pool. `progress` is called with the
/// trials done after each wave; when `cancel` becomes true the run stops at
/// the end of a wave and returns `None`.
pub fn run(s: &Scenario, plan: Plan, cancel: &AtomicBool, mut progress: impl FnMut(u64)) -> Option<BatchStats> {
    let first_chunk = plan.start / CHUNK;
    let last_chunk = plan.end.div_ceil(CHUNK);
    let wave = (rayon::current_num_threads() as u64 * 4).max(1);
    let mut total = BatchStats::new(s);
    let mut chunk = first_chunk;
    while chunk < last_chunk {
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let upto = (chunk + wave).min(last_chunk);
        let parts: Vec<BatchStats> = (chunk..upto)
            .into_par_iter()
            .map(|c| {
                let start = (c * CHUNK).max(plan.start);
                let end = ((c + 1) * CHUNK).min(plan.end);
                run_range(s, plan.seed, start, end)
            })
            .collect();
        for part in &parts {
            total.merge(part);
        }
        progress(total.trials);
        chunk = upto;
    }
    Some(total)
}
