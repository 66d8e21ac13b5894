//! A batch of kazakhstan-2022 at 1 and 2 threads (throughput in trials).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use alliance_sim::analysis;
use alliance_sim::batch::Plan;
use alliance_sim::scenario::{Source, load};

fn bench(c: &mut Criterion) {
    let s = load(&Source::Bundled("kazakhstan-2022".into()), &[]).expect("scenario").scenario;
    let trials = 1_000_000;
    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(trials));
    group.sample_size(10);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        group.bench_function(format!("threads-{threads}"), |b| {
            b.iter(|| pool.install(|| analysis::run_all(&s, Plan { seed: 1, start: 0, end: trials })))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
