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

/// Every instruction-set level this CPU has (`cpu::dispatch`: the baseline,
/// AVX2, AVX-512) gives the same bytes, for every bundled scenario and for
/// a comparison; `.ci/run` checks the same under emulated older CPUs.
#[test]
fn every_instruction_set_level_gives_the_same_bytes() {
    use alliance_sim::cpu::{self, LEVEL_VARIABLE, Level};
    let levels: Vec<Level> =
        [Level::Baseline, Level::V3, Level::V4].into_iter().filter(|l| *l <= cpu::detected()).collect();
    let list = crate::stdout_of(&["list"]);
    let mut runs: Vec<Vec<&str>> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|name| vec!["run", name, "--trials", "100000", "--seed", "7", "--format", "json"])
        .collect();
    assert!(runs.len() >= 3, "{list}");
    runs.push(vec!["compare", "kazakhstan-2022", "armenia-2022", "--trials", "50000", "--format", "json"]);
    for args in &runs {
        let outputs: Vec<(Level, Vec<u8>)> = levels
            .iter()
            .map(|level| {
                let out = crate::sim().env(LEVEL_VARIABLE, level.name()).args(args).output().expect("run");
                assert!(out.status.success(), "{args:?} at {}: {}", level.name(), String::from_utf8_lossy(&out.stderr));
                (*level, out.stdout)
            })
            .collect();
        for (level, bytes) in &outputs[1..] {
            assert!(bytes == &outputs[0].1, "{args:?}: {} differs from {}", level.name(), outputs[0].0.name());
        }
    }
}

#[test]
fn the_benchmark_names_the_level_it_ran_at() {
    let out = crate::sim()
        .env(alliance_sim::cpu::LEVEL_VARIABLE, "x86-64")
        .args([
            "bench",
            "kazakhstan-2022",
            "--trials",
            "20000",
            "--repeat",
            "1",
            "--max-threads",
            "1",
            "--format",
            "json",
        ])
        .output()
        .expect("bench");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["environment"]["instruction_set"], "x86-64");
}
