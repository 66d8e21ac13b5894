//! Many trials: fixed chunks run in parallel with rayon, consumed in chunk
//! order.
//!
//! Chunk boundaries depend only on the trial indices (never on the thread
//! count); each chunk folds its trials into its own accumulator, and the
//! chunks are handed to the consumer strictly left to right. With integer
//! statistics the result is identical for any thread count and any split of
//! the range, and a consumer that stops early (precision stopping) stops at
//! the same chunk whatever the threads.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::engine::block::{self, BlockStart};
use crate::engine::{self, Stage, StageHook, Start};
use crate::rng::{TrialKey, TrialKeys};
use crate::rules::env::{Block, Frame, LANES};
use crate::rules::lanes::first_lanes;
use crate::rules::ruleset::FireCounter;
use crate::scenario::Scenario;
use crate::stats::Merge;
use crate::stats::batch::BatchStats;
use crate::stats::paired::{PairStats, Pairing};

/// Trials per chunk.
pub const CHUNK: u64 = 1 << 14;

/// The most worker threads a run may start: 8 per core, and at least 16.
/// More only adds memory and scheduling, never speed.
pub fn max_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from).saturating_mul(8).max(16)
}

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

/// What a consumer says after each chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Go on to the next chunk.
    Continue,
    /// Stop here: later chunks are not consumed.
    Stop,
}

/// How a drive ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Every chunk of the plan was consumed, or the consumer stopped.
    Done,
    /// Cancelled (Ctrl-C) between waves.
    Cancelled,
}

/// Runs the chunks of a plan on the current rayon pool, a wave of
/// 4 × threads chunks at a time, and hands each chunk's result (with its
/// trial range) to `consume` in chunk order. `cancel` is checked between
/// waves.
///
/// Chunks are `chunk_size` trials. Only [`CHUNK`] fixes where
/// shards and precision stopping fall; work that neither shards nor stops
/// early (lockstep runs of many scenarios) may use smaller chunks, so that
/// Ctrl-C is seen within a fraction of a second. The statistics merge
/// exactly, so the chunk size never changes a result.
pub(crate) fn drive<C: Send>(
    plan: Plan,
    chunk_size: u64,
    cancel: &AtomicBool,
    run_chunk: impl Fn(u64, u64) -> C + Sync,
    mut consume: impl FnMut(u64, u64, C) -> Flow,
) -> Ending {
    let chunk_size = chunk_size.max(1);
    let first_chunk = plan.start / chunk_size;
    let last_chunk = plan.end.div_ceil(chunk_size);
    let wave = (rayon::current_num_threads() as u64 * 4).max(1);
    let bounds = |c: u64| ((c * chunk_size).max(plan.start), ((c + 1) * chunk_size).min(plan.end));
    let mut chunk = first_chunk;
    while chunk < last_chunk {
        if cancel.load(Ordering::Relaxed) {
            return Ending::Cancelled;
        }
        let upto = (chunk + wave).min(last_chunk);
        let parts: Vec<C> = (chunk..upto)
            .into_par_iter()
            .map(|c| {
                let (start, end) = bounds(c);
                run_chunk(start, end)
            })
            .collect();
        for (c, part) in (chunk..upto).zip(parts) {
            let (start, end) = bounds(c);
            if consume(start, end, part) == Flow::Stop {
                return Ending::Done;
            }
        }
        chunk = upto;
    }
    Ending::Done
}

/// Runs the trials `[start, end)` of one scenario in one thread, calling
/// `each` after every trial with its index and final frame.
pub(crate) fn run_range_with(
    s: &Scenario,
    seed: u64,
    start: u64,
    end: u64,
    mut each: impl FnMut(u64, &Frame),
) -> BatchStats {
    let mut frame = Frame::new(s.n_slots(), s.members.len());
    let mut finish = |stats: &mut BatchStats, i: u64, frame: &Frame| {
        stats.fold(s, frame);
        each(i, frame);
    };
    run_trials(s, seed, start, end, |stats, first, trials| match trials {
        Trials::Block(block, n) => {
            for (lane, i) in (first..first + n as u64).enumerate() {
                block.copy_to(lane, &mut frame);
                finish(stats, i, &frame);
            }
        }
        Trials::Frame(frame) => finish(stats, first, frame),
    })
}

/// Runs the trials `[start, end)` of one scenario in one thread.
pub fn run_range(s: &Scenario, seed: u64, start: u64, end: u64) -> BatchStats {
    run_trials(s, seed, start, end, |stats, _, trials| match trials {
        Trials::Block(block, n) => stats.fold_block(s, block, first_lanes(n)),
        Trials::Frame(frame) => stats.fold(s, frame),
    })
}

/// Finished trials: the first `n` lanes of the block engine's block, or the
/// scalar engine's frame.
enum Trials<'a> {
    Block(&'a Block, usize),
    Frame(&'a Frame),
}

/// Runs the trials `[start, end)`, a block at a time where the block engine
/// runs the scenario, handing the finished trials (with the first one's
/// index) to `finish`, which folds them into the statistics.
fn run_trials(
    s: &Scenario,
    seed: u64,
    start: u64,
    end: u64,
    mut finish: impl FnMut(&mut BatchStats, u64, Trials<'_>),
) -> BatchStats {
    let mut stats = BatchStats::new(s);
    let mut fires = vec![0u64; s.rules.len()];
    let mut keys = TrialKeys::starting_at(seed, start);
    if block::supports(s) {
        let mut block = Block::new(s.n_slots(), s.members.len());
        let mut lane_keys = [TrialKey(0, 0); LANES];
        let mut first = start;
        while first < end {
            let n = (end - first).min(LANES as u64) as usize;
            for key in &mut lane_keys[..n] {
                *key = keys.next_key();
            }
            block::run_block(s, &lane_keys, first_lanes(n), &mut block, &mut fires);
            finish(&mut stats, first, Trials::Block(&block, n));
            first += n as u64;
        }
    } else {
        let mut frame = Frame::new(s.n_slots(), s.members.len());
        for i in start..end {
            engine::run_trial(s, keys.next_key(), &mut frame, &mut FireCounter::new(&mut fires));
            finish(&mut stats, i, Trials::Frame(&frame));
        }
    }
    stats.rule_fires = fires;
    stats
}

/// Several scenarios run in lockstep on the same trial keys: each gets its
/// own statistics, and each later scenario's paired statistics against the
/// first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lockstep {
    /// Per scenario.
    pub stats: Vec<BatchStats>,
    /// Scenario j+1 against scenario 0.
    pub pairs: Vec<PairStats>,
}

impl Lockstep {
    /// Trials each scenario ran.
    pub fn trials(&self) -> u64 {
        self.stats.first().map_or(0, |s| s.trials)
    }
}

/// A lockstep chunk: about [`CHUNK`] scenario-trials, a power of two, but
/// at least [`LOCKSTEP_LEAST`] trials: every chunk builds and merges each
/// scenario's statistics (histograms of thousands of cells), which cost 5%
/// of a 20-point sweep at 1,024 trials a chunk. When the plan's `trials`
/// would then make fewer than four chunks per worker (many scenarios, few
/// trials each: a Sobol' design), chunks shrink to give every worker work,
/// down to [`LOCKSTEP_FEWEST`] trials — a chunk of hundreds of scenarios
/// is work enough to pay for its statistics. Results do not depend on the
/// chunking.
pub(crate) fn lockstep_chunk(scenarios: usize, trials: u64) -> u64 {
    let chunk = (CHUNK / scenarios.max(1) as u64).next_power_of_two().clamp(LOCKSTEP_LEAST, CHUNK);
    let spread = trials.div_ceil(4 * rayon::current_num_threads() as u64).max(1);
    if scenarios as u64 * spread >= CHUNK { chunk.min(spread.max(LOCKSTEP_FEWEST)) } else { chunk }
}

/// The fewest trials in a lockstep chunk of many scenarios.
const LOCKSTEP_FEWEST: u64 = 64;

/// The fewest trials in a lockstep chunk.
const LOCKSTEP_LEAST: u64 = 4096;

impl Merge for Lockstep {
    fn merge(&mut self, o: &Self) {
        self.stats.merge(&o.stats);
        self.pairs.merge(&o.pairs);
    }
}

/// Runs the trials `[start, end)` of every scenario in lockstep, in one thread.
pub fn run_range_lockstep(scenarios: &[&Scenario], pairings: &[Pairing], seed: u64, start: u64, end: u64) -> Lockstep {
    let mut stats: Vec<BatchStats> = scenarios.iter().map(|s| BatchStats::new(s)).collect();
    let mut fires: Vec<Vec<u64>> = scenarios.iter().map(|s| vec![0u64; s.rules.len()]).collect();
    let mut pairs: Vec<PairStats> = pairings.iter().map(PairStats::new).collect();
    // A later scenario copies from the first what it would compute the same
    // way: the crisis variables (a sweep over a vote rule or an attribute),
    // or the crisis, the request and the council's result too (a sweep
    // over a cap or a contribution rule).
    let starts: Vec<Shared> = scenarios
        .iter()
        .map(|s| {
            if s.decides_the_same_as(scenarios[0]) {
                Shared::Decision
            } else if s.draws_the_same_crisis_as(scenarios[0]) {
                Shared::Crisis
            } else {
                Shared::Nothing
            }
        })
        .collect();
    let mut keys = TrialKeys::starting_at(seed, start);
    let mut run =
        LockstepRun { scenarios, pairings, starts: &starts, stats: &mut stats, fires: &mut fires, pairs: &mut pairs };
    if scenarios.iter().all(|s| block::supports(s)) {
        run.blocks(&mut keys, end - start);
    } else {
        run.trials(&mut keys, end - start);
    }
    // The copied stages' rules fired in the first scenario only; they are
    // the same rules (same ids) and fired as often in the others.
    let decision_rules: Vec<usize> = scenarios.first().map_or_else(Vec::new, |s| {
        let sets = s.decision_rule_sets();
        sets.iter().flat_map(|set| set.rules.iter().map(|r| usize::from(r.id.0))).collect()
    });
    if let Some((first, later)) = fires.split_first_mut() {
        for (counts, _) in later.iter_mut().zip(&starts[1..]).filter(|(_, s)| **s == Shared::Decision) {
            for &r in &decision_rules {
                if let (Some(&fired), Some(count)) = (first.get(r), counts.get_mut(r)) {
                    *count = fired;
                }
            }
        }
    }
    for (st, f) in stats.iter_mut().zip(fires) {
        st.rule_fires = f;
    }
    Lockstep { stats, pairs }
}

/// A lockstep range's scenarios, what each shares with the first, and
/// what they accumulate.
struct LockstepRun<'a> {
    scenarios: &'a [&'a Scenario],
    pairings: &'a [Pairing],
    starts: &'a [Shared],
    stats: &'a mut [BatchStats],
    fires: &'a mut [Vec<u64>],
    pairs: &'a mut [PairStats],
}

impl LockstepRun<'_> {
    /// The lockstep loop on the block engine: a block of keys at a time, each
    /// scenario run from what it shares with the first.
    fn blocks(&mut self, keys: &mut TrialKeys, trials: u64) {
        let (scenarios, pairings, starts) = (self.scenarios, self.pairings, self.starts);
        let (stats, fires, pairs) = (&mut *self.stats, &mut *self.fires, &mut *self.pairs);
        let mut blocks: Vec<Block> = scenarios.iter().map(|s| Block::new(s.n_slots(), s.members.len())).collect();
        let mut lane_keys = [TrialKey(0, 0); LANES];
        let mut left = trials;
        while left > 0 {
            let n = left.min(LANES as u64) as usize;
            for key in &mut lane_keys[..n] {
                *key = keys.next_key();
            }
            let lanes = first_lanes(n);
            let Some((base, later)) = blocks.split_first_mut() else { break };
            let not_a_number = block::run_block_from(
                scenarios[0],
                &lane_keys,
                lanes,
                base,
                &mut fires[0],
                BlockStart::Fresh,
                &mut |_, _| {},
            );
            for (j, (s, block)) in (1..).zip(scenarios[1..].iter().zip(later.iter_mut())) {
                let from = match starts[j] {
                    Shared::Nothing => BlockStart::Fresh,
                    Shared::Crisis => BlockStart::Crisis(base),
                    Shared::Decision => BlockStart::Decided(base, not_a_number),
                };
                block::run_block_from(s, &lane_keys, lanes, block, &mut fires[j], from, &mut |_, _| {});
            }
            for ((st, s), block) in stats.iter_mut().zip(scenarios).zip(&blocks) {
                st.fold_block(s, block, lanes);
            }
            for lane in 0..n {
                for (j, (pair, pairing)) in pairs.iter_mut().zip(pairings).enumerate() {
                    pair.fold(pairing, &blocks[0].lane(lane), &blocks[j + 1].lane(lane));
                }
            }
            left -= n as u64;
        }
    }

    /// The lockstep loop on the scalar engine (scenarios with correlated variables).
    fn trials(&mut self, keys: &mut TrialKeys, trials: u64) {
        let (scenarios, pairings, starts) = (self.scenarios, self.pairings, self.starts);
        let (stats, fires, pairs) = (&mut *self.stats, &mut *self.fires, &mut *self.pairs);
        let mut frames: Vec<Frame> = scenarios.iter().map(|s| Frame::new(s.n_slots(), s.members.len())).collect();
        for _ in 0..trials {
            let key = keys.next_key();
            let Some((base, later)) = frames.split_first_mut() else { break };
            // Whether the request or the council met a value that is not a
            // number, which a scenario copying those stages must report too.
            let mut not_a_number = false;
            let mut watch = StageHook {
                counter: FireCounter::new(&mut fires[0]),
                on_stage: |done, counter: &FireCounter<'_>| {
                    if matches!(done, Stage::Request | Stage::Council) {
                        not_a_number = counter.not_a_number;
                    }
                },
            };
            engine::run_trial(scenarios[0], key, base, &mut watch);
            stats[0].fold(scenarios[0], base);
            for (j, (s, frame)) in (1..).zip(scenarios[1..].iter().zip(later.iter_mut())) {
                let from = match starts[j] {
                    Shared::Nothing => Start::Fresh,
                    Shared::Crisis => Start::Crisis(base),
                    Shared::Decision => Start::Decided(base, not_a_number),
                };
                engine::run_trial_from(s, key, frame, &mut FireCounter::new(&mut fires[j]), from);
                stats[j].fold(s, frame);
            }
            for (j, (pair, pairing)) in pairs.iter_mut().zip(pairings).enumerate() {
                pair.fold(pairing, &frames[0], &frames[j + 1]);
            }
        }
    }
}

/// How much of a trial a lockstep scenario copies from the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shared {
    Nothing,
    Crisis,
    Decision,
}
