//! One trial of each shipped scenario (throughput in trials).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use alliance_sim::engine::run_trial;
use alliance_sim::rng::TrialKeys;
use alliance_sim::rules::env::Frame;
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

criterion_group!(benches, bench);
criterion_main!(benches);
