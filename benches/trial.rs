//! One trial of each shipped scenario (throughput in trials), and
//! kazakhstan-2022's trial stage by stage: a whole trial, a trial from an
//! already drawn crisis, one from an already decided council (lockstep's
//! `Start::Crisis` and `Start::Decided`), and folding into the statistics.
//! The differences attribute time to the crisis and to the request and
//! council; `alliance-sim bench --stages` gives every stage by a clock.
//! These follow the scalar engine (what `explain` and correlated scenarios
//! use); `engines` sets it beside the block engine that runs batches.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use alliance_sim::engine::block::run_block;
use alliance_sim::engine::{Start, run_trial, run_trial_from};
use alliance_sim::rng::{TrialKey, TrialKeys};
use alliance_sim::rules::env::{Block, Frame, LANES};
use alliance_sim::rules::lanes::first_lanes;
use alliance_sim::rules::ruleset::FireCounter;
use alliance_sim::scenario::{Source, bundled, load};
use alliance_sim::stats::batch::BatchStats;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("trial");
    group.throughput(Throughput::Elements(1));
    for (name, _) in bundled::list() {
        let s = load(&Source::Bundled(name.into()), &[]).expect("scenario").scenario;
        let mut frame = Frame::new(s.n_slots(), s.members.len());
        let mut stats = BatchStats::new(&s);
        let mut fires = vec![0u64; s.rules.len()];
        let mut keys = TrialKeys::starting_at(1, 0);
        group.bench_function(name, |b| {
            b.iter(|| {
                run_trial(&s, keys.next_key(), &mut frame, &mut FireCounter::new(&mut fires));
                stats.fold(&s, black_box(&frame));
            })
        });
    }
    group.finish();
}

/// Where a stage benchmark starts a trial, given a finished frame of it.
type StartFrom = fn(&Frame) -> Start<'_>;

/// Trials whose finished frames the stage benchmarks start from.
const PREPARED: usize = 4096;

fn stages(c: &mut Criterion) {
    let s = load(&Source::Bundled("kazakhstan-2022".into()), &[]).expect("scenario").scenario;
    let mut fires = vec![0u64; s.rules.len()];
    let mut keys = TrialKeys::starting_at(1, 0);
    let prepared: Vec<_> = (0..PREPARED)
        .map(|_| {
            let key = keys.next_key();
            let mut frame = Frame::new(s.n_slots(), s.members.len());
            run_trial(&s, key, &mut frame, &mut FireCounter::new(&mut fires));
            (key, frame)
        })
        .collect();
    let mut group = c.benchmark_group("stages/kazakhstan-2022");
    group.throughput(Throughput::Elements(1));
    let mut frame = Frame::new(s.n_slots(), s.members.len());
    let starts: [(&str, StartFrom); 3] = [
        ("whole trial", |_| Start::Fresh),
        ("after the crisis", |f| Start::Crisis(f)),
        ("after the council", |f| Start::Decided(f, false)),
    ];
    for (name, start) in starts {
        let mut i = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                let (key, from) = &prepared[i % PREPARED];
                i += 1;
                run_trial_from(&s, *key, &mut frame, &mut FireCounter::new(&mut fires), start(from));
                black_box(&frame);
            })
        });
    }
    let mut stats = BatchStats::new(&s);
    let mut i = 0;
    group.bench_function("folding statistics", |b| {
        b.iter(|| {
            stats.fold(&s, black_box(&prepared[i % PREPARED].1));
            i += 1;
        })
    });
    group.finish();
}

/// The two engines on the same 64 trials of kazakhstan-2022: 64 scalar
/// trials one after another, and one block of the block engine (results
/// equal lane for lane; the throughput is per trial in both).
fn engines(c: &mut Criterion) {
    let s = load(&Source::Bundled("kazakhstan-2022".into()), &[]).expect("scenario").scenario;
    let mut fires = vec![0u64; s.rules.len()];
    let mut group = c.benchmark_group("engines/kazakhstan-2022");
    group.throughput(Throughput::Elements(LANES as u64));
    let mut keys = TrialKeys::starting_at(1, 0);
    let mut frame = Frame::new(s.n_slots(), s.members.len());
    group.bench_function("scalar, 64 trials", |b| {
        b.iter(|| {
            for _ in 0..LANES {
                run_trial(&s, keys.next_key(), &mut frame, &mut FireCounter::new(&mut fires));
                black_box(&frame);
            }
        })
    });
    let mut block = Block::new(s.n_slots(), s.members.len());
    let mut lane_keys = [TrialKey(0, 0); LANES];
    group.bench_function("block of 64", |b| {
        b.iter(|| {
            for key in &mut lane_keys {
                *key = keys.next_key();
            }
            run_block(&s, &lane_keys, first_lanes(LANES), &mut block, &mut fires);
            black_box(&block);
        })
    });
    group.finish();
}

criterion_group!(benches, bench, stages, engines);
criterion_main!(benches);
