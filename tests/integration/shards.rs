//! Sharded runs merge into exactly the single run.

use std::path::{Path, PathBuf};

use crate::{sim, stdout_of};

const TRIALS: &str = "120000"; // 8 chunks: shards of 0, 1 and 2 chunks with 7 shards

fn write_parts(dir: &Path, scenario: &str, seed: &str, trials: &str, shards: u64) -> Vec<PathBuf> {
    (1..=shards)
        .map(|k| {
            let path = dir.join(format!("{scenario}-{seed}-{trials}-part-{k}-of-{shards}.json"));
            let shard = format!("{k}/{shards}");
            let target = path.to_str().expect("path");
            stdout_of(&["run", scenario, "-n", trials, "-s", seed, "--shard", &shard, "--export-json", target]);
            path
        })
        .collect()
}

fn merge(parts: &[PathBuf], format: &str) -> std::process::Output {
    let mut cmd = sim();
    cmd.arg("merge").args(parts).args(["--format", format]);
    cmd.output().expect("merge")
}

#[test]
fn merged_shards_equal_the_single_run_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    for shards in [1, 3, 7] {
        let parts = write_parts(dir.path(), "kazakhstan-2022", "9", TRIALS, shards);
        for format in ["table", "json", "csv", "markdown"] {
            let single = stdout_of(&["run", "kazakhstan-2022", "-n", TRIALS, "-s", "9", "--format", format]);
            let merged = merge(&parts, format);
            assert!(merged.status.success(), "{}", String::from_utf8_lossy(&merged.stderr));
            assert_eq!(String::from_utf8_lossy(&merged.stdout), single, "{shards} shards, {format}");
        }
    }
}

#[test]
fn parts_that_do_not_belong_together_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let parts = write_parts(dir.path(), "kazakhstan-2022", "9", "50000", 3);
    let other_seed = write_parts(dir.path(), "kazakhstan-2022", "10", "50000", 3);
    let other_trials = write_parts(dir.path(), "kazakhstan-2022", "9", "60000", 3);
    let other_scenario = write_parts(dir.path(), "armenia-2022", "9", "50000", 3);
    let cases: Vec<(Vec<PathBuf>, &str)> = vec![
        (vec![parts[0].clone(), parts[1].clone(), other_seed[2].clone()], "seed 10 ≠ 9"),
        (vec![parts[0].clone(), parts[1].clone(), other_trials[2].clone()], "trials 60000 ≠ 50000"),
        (vec![parts[0].clone(), parts[1].clone(), other_scenario[2].clone()], "scenario hash"),
        (vec![parts[0].clone(), parts[1].clone()], "missing shard(s) 3 of 3"),
        (vec![parts[0].clone(), parts[1].clone(), parts[1].clone(), parts[2].clone()], "given twice"),
    ];
    for (given, message) in cases {
        let out = merge(&given, "table");
        assert_eq!(out.status.code(), Some(2), "{message}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "expected {message:?} in {stderr}");
        assert!(out.stdout.is_empty());
    }
    let out = merge(&parts, "table");
    assert!(out.status.success());
}

#[test]
fn a_file_that_is_not_a_partial_result_is_bad_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("summary.json");
    let text = stdout_of(&["run", "-n", "1000", "--format", "json"]);
    std::fs::write(&path, text).expect("write");
    let out = merge(&[path], "table");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an alliance-sim partial result"));
}

#[test]
fn a_tampered_part_is_refused_without_a_crash_or_a_huge_allocation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let parts = write_parts(dir.path(), "kazakhstan-2022", "9", "20000", 1);
    let text = std::fs::read_to_string(&parts[0]).expect("read");
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
        f(&mut v);
        // Sealed again, so that the checks behind the digest are what is tested.
        let part: alliance_sim::shard::Partial = serde_json::from_value(v).expect("a part");
        let path = dir.path().join("tampered.json");
        std::fs::write(&path, serde_json::to_string(&part.seal()).expect("json")).expect("write");
        merge(&[path], "table")
    };
    // A shard count of 10^15 with an empty range: once, a table of 10^15 slots.
    let out = edit(&|v| {
        v["shards"] = 1_000_000_000_000_000u64.into();
        v["end"] = 0.into();
        v["stats"] = serde_json::from_str(
            &serde_json::to_string(&alliance_sim::stats::batch::BatchStats::default()).expect("json"),
        )
        .expect("json");
    });
    assert_eq!(out.status.code(), Some(2));
    // Refused by its statistics (checked as each part comes, before the
    // shard numbers are complete) or as a missing shard: never sized by M.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("tampered.json:") || stderr.contains("missing shard(s) 2, 3"), "{stderr}");
    // Statistics whose shape is not the scenario's: once, an index out of bounds.
    let out = edit(&|v| {
        v["stats"]["members"].as_array_mut().expect("members").pop();
    });
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shape"));
}
