//! Sensitivity: inputs moved one at a time, ranked by their effect.

use crate::{sim, stdout_of};

#[test]
fn the_request_probability_moves_p_request_by_exactly_its_own_change() {
    let text = stdout_of(&[
        "sensitivity",
        "tests/data/closed_form.yaml",
        "--metric",
        "request",
        "--fraction",
        "0.1",
        "-n",
        "100000",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    let inputs = json["inputs"].as_array().expect("inputs");
    // Only the request probability (0.6) affects P(request): it ranks first.
    let top = &inputs[0];
    assert_eq!(top["path"], "decisions.request");
    let n = 100_000f64;
    for (side, expected) in [("low", -0.06), ("high", 0.06)] {
        let d = &top[side]["effect"]["Ok"];
        let diff = d["diff"].as_f64().expect("diff");
        // Paired: the indicator differs only on an interval of width 0.06.
        let se = (0.06f64 * 0.94 / n).sqrt();
        assert!((diff - expected).abs() < 5.0 * se, "{side}: {diff} vs {expected}");
    }
    for other in &inputs[1..] {
        assert_eq!(other["swing"].as_f64(), Some(0.0), "{} should not move P(request)", other["path"]);
    }
}

#[test]
fn moves_that_make_the_scenario_invalid_are_reported_not_run() {
    let text = stdout_of(&[
        "sensitivity",
        "tests/data/closed_form.yaml",
        "--metric",
        "deploy",
        "--input",
        "decisions.council.support.rules.0.set",
        "--input",
        "decisions.request",
        "--fraction",
        "0.9",
        "-n",
        "2000",
        "--format",
        "csv",
    ]);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 4);
    // decisions.request = 0.6 × 1.9 = 1.14 is not a probability: it moves to 1.
    let high = |path: &str| rows.iter().find(|r| &r[1] == path && &r[3] == "high").expect("row");
    assert_eq!((&high("decisions.request")[4], &high("decisions.request")[11]), ("1", ""), "{rows:?}");
    // A rule already at 1 moves down only: the high side is not run.
    let at_one = high("decisions.council.support.rules.0.set");
    assert!(at_one[11].contains("moved down only") && at_one[6].is_empty(), "{rows:?}");
}

#[test]
fn an_unknown_metric_or_input_is_bad_input() {
    for (args, message) in [
        (vec!["--metric", "deplyo"], "expected one of"),
        (vec!["--input", "members.russia.attributes.alignmnt"], "did you mean"),
        (vec!["--fraction", "1.5"], "between 0 and 1"),
    ] {
        let out = sim().args(["sensitivity", "kazakhstan-2022", "-n", "100"]).args(&args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}
