//! Where a trial's time goes (`bench --stages`): the batch loop of
//! [`crate::batch::run_range`] with a clock read at the end of every
//! pipeline stage and after folding into the statistics — once per block
//! of trials on the block engine (`engine::block`, through its stage
//! callback), once per trial on the scalar engine (through a
//! [`StageHook`]) for scenarios with correlated variables.
//!
//! A clock reading costs about as much as a small stage, so its cost is
//! measured first (back-to-back readings) and subtracted from every
//! interval; the same trials are also run without clocks, and the two
//! totals are reported side by side so that a reader can judge how well the
//! stages add up.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::batch;
use crate::engine::block::{self, BlockStart};
use crate::engine::{self, Stage, StageHook};
use crate::rng::{TrialKey, TrialKeys};
use crate::rules::env::{Block, Frame, LANES, Mask};
use crate::rules::lanes::first_lanes;
use crate::rules::ruleset::FireCounter;
use crate::scenario::Scenario;
use crate::stats::batch::BatchStats;

/// Time in one stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageTime {
    /// The stage's name.
    pub stage: String,
    /// Nanoseconds per trial, over every trial.
    pub ns_per_trial: f64,
    /// Share of the stages' total.
    pub share: f64,
    /// Share of trials that reached the stage.
    pub reached: f64,
    /// Nanoseconds per trial that reached it.
    pub ns_when_reached: f64,
}

/// A one-thread run's time, stage by stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageProfile {
    /// Trials timed.
    pub trials: u64,
    /// Nanoseconds one clock reading costs (subtracted from every stage).
    pub clock_ns: f64,
    /// The stages' sum per trial, clock cost subtracted.
    pub stages_ns: f64,
    /// The same trials without clocks, per trial.
    pub plain_ns: f64,
    /// Per stage, in pipeline order, then folding into the statistics.
    pub stages: Vec<StageTime>,
}

/// The name of the last row: folding the trial into the statistics.
const FOLDING: &str = "folding statistics";

/// Slots: the pipeline's stages, then folding.
const SLOTS: usize = Stage::ALL.len() + 1;

/// A clock read at the end of every stage: time, trials and readings per slot.
struct Clock {
    last: Instant,
    nanos: [u128; SLOTS],
    reached: [u64; SLOTS],
    readings: [u64; SLOTS],
}

impl Clock {
    /// Slot `slot` is done for `trials` trials.
    fn mark(&mut self, slot: usize, trials: u64) {
        let now = Instant::now();
        self.nanos[slot] += (now - self.last).as_nanos();
        self.reached[slot] += trials;
        self.readings[slot] += 1;
        self.last = now;
    }
}

/// Nanoseconds per clock reading, the median of several back-to-back runs.
fn clock_cost() -> f64 {
    const READINGS: u32 = 200_000;
    let mut runs: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            let mut last = start;
            for _ in 0..READINGS {
                last = std::hint::black_box(Instant::now());
            }
            (last - start).as_nanos() as f64 / f64::from(READINGS)
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

/// Times `trials` trials of `s` from `seed` on this thread, stage by stage.
pub fn stages(s: &Scenario, seed: u64, trials: u64) -> StageProfile {
    let clock_ns = clock_cost();
    let started = Instant::now();
    std::hint::black_box(batch::run_range(s, seed, 0, trials));
    let plain_ns = started.elapsed().as_nanos() as f64 / trials.max(1) as f64;

    let mut stats = BatchStats::new(s);
    let mut fires = vec![0u64; s.rules.len()];
    let mut keys = TrialKeys::starting_at(seed, 0);
    let mut clock = Clock { last: Instant::now(), nanos: [0; SLOTS], reached: [0; SLOTS], readings: [0; SLOTS] };
    if block::supports(s) {
        let mut block = Block::new(s.n_slots(), s.members.len());
        let mut lane_keys = [TrialKey(0, 0); LANES];
        let mut left = trials;
        while left > 0 {
            let n = left.min(LANES as u64) as usize;
            for key in &mut lane_keys[..n] {
                *key = keys.next_key();
            }
            let mut mark = |done: Stage, lanes: Mask| clock.mark(done as usize, u64::from(lanes.count_ones()));
            block::run_block_from(s, &lane_keys, first_lanes(n), &mut block, &mut fires, BlockStart::Fresh, &mut mark);
            stats.fold_block(s, &block, first_lanes(n));
            clock.mark(SLOTS - 1, n as u64);
            left -= n as u64;
        }
    } else {
        let mut frame = Frame::new(s.n_slots(), s.members.len());
        for _ in 0..trials {
            let mut trace = StageHook {
                counter: FireCounter::new(&mut fires),
                on_stage: |done: Stage, _: &FireCounter<'_>| clock.mark(done as usize, 1),
            };
            engine::run_trial(s, keys.next_key(), &mut frame, &mut trace);
            stats.fold(s, &frame);
            clock.mark(SLOTS - 1, 1);
        }
    }
    std::hint::black_box(&stats);

    let n = trials.max(1) as f64;
    let per_trial: Vec<f64> =
        (0..SLOTS).map(|i| ((clock.nanos[i] as f64 - clock_ns * clock.readings[i] as f64) / n).max(0.0)).collect();
    let stages_ns: f64 = per_trial.iter().sum();
    let names = Stage::ALL.iter().map(|st| st.name()).chain([FOLDING]);
    let stages = names
        .zip(per_trial)
        .zip(clock.reached)
        .map(|((name, ns), reached)| StageTime {
            stage: name.to_string(),
            ns_per_trial: ns,
            share: if stages_ns > 0.0 { ns / stages_ns } else { 0.0 },
            reached: reached as f64 / n,
            ns_when_reached: if reached > 0 { ns * n / reached as f64 } else { 0.0 },
        })
        .collect();
    StageProfile { trials, clock_ns, stages_ns, plain_ns, stages }
}
