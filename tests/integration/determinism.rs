//! Same scenario + seed → identical results for any thread count, any split.

use alliance_sim::analysis;
use alliance_sim::batch::{CHUNK, Plan};
use alliance_sim::stats::Merge;
use alliance_sim::stats::batch::BatchStats;

use crate::load;

fn run_on(threads: usize, s: &alliance_sim::scenario::Scenario, plan: Plan) -> BatchStats {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
    pool.install(|| analysis::run_all(s, plan))
}

#[test]
fn thread_count_does_not_change_results() {
    let s = load("scenarios/kazakhstan-2022.yaml").scenario;
    let plan = Plan { seed: 11, start: 0, end: 5 * CHUNK + 123 };
    let one = run_on(1, &s, plan);
    assert_eq!(one, run_on(2, &s, plan));
    assert_eq!(one, run_on(8, &s, plan));
}

#[test]
fn any_split_of_the_trials_merges_to_the_whole() {
    let s = load("scenarios/armenia-2022.yaml").scenario;
    let n = 3 * CHUNK + 77;
    let whole = run_on(2, &s, Plan { seed: 3, start: 0, end: n });
    let mut identity = BatchStats::default();
    identity.merge(&whole);
    assert_eq!(identity, whole, "the default is the identity of merge");
    for cut in [1, CHUNK, CHUNK + 5, 2 * CHUNK] {
        let mut a = run_on(2, &s, Plan { seed: 3, start: 0, end: cut });
        let b = run_on(1, &s, Plan { seed: 3, start: cut, end: n });
        a.merge(&b);
        assert_eq!(a, whole, "split at {cut}");
    }
}

#[test]
fn different_seeds_differ_and_same_seeds_agree() {
    let s = load("scenarios/kazakhstan-2022.yaml").scenario;
    let a = run_on(2, &s, Plan { seed: 1, start: 0, end: 20_000 });
    let b = run_on(2, &s, Plan { seed: 1, start: 0, end: 20_000 });
    let c = run_on(2, &s, Plan { seed: 2, start: 0, end: 20_000 });
    assert_eq!(a, b);
    assert_ne!(a, c);
}
