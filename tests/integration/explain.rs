//! `explain` tells exactly the trial the batch ran.

use alliance_sim::explain;

use crate::{load, sim, stdout_of};

#[test]
fn explain_agrees_with_the_batch_records_trial_by_trial() {
    let dir = tempfile::tempdir().expect("tempdir");
    let records = dir.path().join("trials.csv");
    stdout_of(&[
        "run",
        "scenarios/kazakhstan-2022.yaml",
        "-n",
        "3000",
        "-s",
        "5",
        "--trials-out",
        records.to_str().expect("path"),
    ]);
    let s = load("scenarios/kazakhstan-2022.yaml").scenario;
    let mut reader = csv::Reader::from_path(&records).expect("csv");
    let headers = reader.headers().expect("headers").clone();
    let member_columns: Vec<(usize, String)> =
        s.members.iter().map(|m| (headers.iter().position(|h| h == m.id).expect("column"), m.id.clone())).collect();
    for (i, record) in reader.records().enumerate().step_by(7) {
        let record = record.expect("record");
        let story = explain::explain(&s, 5, i as u64);
        assert_eq!(story.outcome, &record[1], "trial {i}");
        let deployed = story.deployment.as_ref().map_or(0.0, |d| d.deployed);
        assert_eq!(deployed, record[4].parse::<f64>().expect("deployed"), "trial {i}");
        for (column, id) in &member_columns {
            let from_story =
                story.contributions.iter().find(|c| &c.member == id).map_or(0.0, |c| c.personnel - c.trimmed);
            let from_batch: f64 = record[*column].parse().expect("personnel");
            assert_eq!(from_story, from_batch, "trial {i}, {id}");
        }
    }
}

#[test]
fn find_returns_a_trial_that_meets_the_condition() {
    let out = stdout_of(&["explain", "kazakhstan-2022", "--find", "outcome == \"refused\"", "--format", "json"]);
    let story: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(story["outcome"], "refused");
    let out = stdout_of(&["explain", "kazakhstan-2022", "--find", "deployed > 2500", "--format", "json"]);
    let story: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(story["deployment"]["deployed"].as_f64().expect("deployed") > 2500.0);
    // It is the first: no earlier trial meets it.
    let s = load("scenarios/kazakhstan-2022.yaml").scenario;
    let found = story["trial"].as_u64().expect("trial");
    for i in 0..found {
        let earlier = explain::explain(&s, s.run.seed, i);
        assert!(earlier.deployment.is_none_or(|d| d.deployed <= 2500.0), "trial {i} meets it too");
    }
}

/// `explain --help` gives a `--find` example (issue #34: its old one,
/// `deployed > 3600`, matched no trial): read from the help, it finds the
/// trial it names, checked against each trial's own story.
#[test]
fn the_find_example_in_the_help_finds_the_trial_it_names() {
    // The help is wrapped to the terminal: words joined again by one space.
    let help = stdout_of(&["explain", "--help"]).split_whitespace().collect::<Vec<_>>().join(" ");
    let example = help.split("or '").nth(1).and_then(|rest| rest.split('\'').next()).expect("a --find example");
    let named: u64 = help
        .split("kazakhstan-2022's trial ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|n| n.parse().ok())
        .expect("the trial the example names");
    let (field, bound) = example.split_once(" > ").expect("'FIELD > NUMBER'");
    assert_eq!(field, "deployed", "{example}");
    let bound: f64 = bound.parse().expect("a number");
    let out = stdout_of(&["explain", "kazakhstan-2022", "--find", example, "--format", "json"]);
    let story: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(story["trial"].as_u64(), Some(named), "{example}");
    let s = load("scenarios/kazakhstan-2022.yaml").scenario;
    let deployed = |i| explain::explain(&s, s.run.seed, i).deployment.map_or(0.0, |d| d.deployed);
    assert!(deployed(named) > bound);
    assert!((0..named).all(|i| deployed(i) <= bound), "an earlier trial meets {example}");
}

#[test]
fn find_with_no_match_says_so_and_fails() {
    let out = sim()
        .args(["explain", "kazakhstan-2022", "--find", "deployed > 1000000", "--search-limit", "5000"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no trial in 0..5000"));
    let out = sim().args(["explain", "kazakhstan-2022", "--find", "deployed >"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--find:1:"));
}
