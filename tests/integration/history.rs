//! History against the simulation: every observed field is compared, the
//! whole record's probability is the joint one, a decided deployment that
//! nobody sends is named, contributions are sized to the need, and a field
//! nothing can compare with is refused. Figures are checked against closed
//! forms (`tests/data/history.yaml`), within 5 standard errors.

use serde_json::Value;

use super::{sim, stdout_of};

/// Checks `got` against the closed form `want` for a proportion of `n`
/// trials: within 5 standard errors.
fn near_proportion(what: &str, got: f64, want: f64, n: f64) {
    let se = (want * (1.0 - want) / n).sqrt();
    assert!((got - want).abs() <= 5.0 * se, "{what}: {got} against the closed form {want} (5σ = {})", 5.0 * se);
}

fn history_run() -> Value {
    serde_json::from_str(&stdout_of(&["run", "tests/data/history.yaml", "--format", "json"])).expect("json")
}

#[test]
fn every_recorded_field_and_the_whole_record_match_their_closed_forms() {
    let run = history_run();
    let n = 200_000.0;
    let deploy = 0.8;
    let b = &run["backtest"];
    let f = |v: &Value| v.as_f64().expect("a number");
    // a in and b out: each contributes with P = 1/2, independently.
    near_proportion("contributor set", f(&b["contributor_set"]["p"]), 0.25, deploy * n);
    // Days uniform(0, 2), rounded to hundredths: [0.5, 1] holds
    // round(100 d) ∈ [50, 100], d ∈ [0.495, 1.005): 0.51 / 2.
    let times = b["times"].as_array().expect("times");
    near_proportion("days to decision", f(&times[0]["within"]["p"]), 0.255, deploy * n);
    // The first arrival is the decision plus 1 day when a is in (2/3 of
    // the trials with an arrival), plus 2 when only b is (it then lands in
    // [1.5, 2] only with d < 0.005).
    let arrival = 2.0 / 3.0 * 0.255 + 1.0 / 3.0 * 0.0025;
    near_proportion("days to first arrival", f(&times[1]["within"]["p"]), arrival, deploy * n * 0.75);
    // The whole record is one event, not a product of the fields: the
    // arrival's range is the decision's again, so it adds no factor.
    near_proportion("all fields at once", f(&b["all_fields"]["p"]), deploy * 0.25 * 0.255, n);
    assert!(!b["outside_central_90"].as_bool().unwrap(), "history is typical here");
}

#[test]
fn a_deployment_nobody_sends_is_named_and_personnel_are_sized_to_the_need() {
    let run = history_run();
    let n = 200_000.0;
    let f = |v: &Value| v.as_f64().expect("a number");
    // Both members decline with P = 1/4.
    near_proportion("deploy, nobody sent", f(&run["funnel"]["deploy_unsent"]["p"]), 0.8 * 0.25, n);
    // Sized to the need of 1,000 by pledges 3,000 and 1,000 (of 4,000; the
    // host's own pledge is not among what may contribute): a sends
    // 750·U, b 250·U, U ~ uniform(0.5, 1.5). Over the trials with troops
    // sent (a alone, b alone, both, equally likely) the mean is 2000 / 3.
    let personnel = &run["deployment"]["personnel"];
    let sent = 0.8 * 0.75 * n;
    // The standard deviation of a mixture of 750U, 250U and 750U + 250U.
    let second_moment = (750f64.powi(2) * (1.0 + 1.0 / 12.0)
        + 250f64.powi(2) * (1.0 + 1.0 / 12.0)
        + 1000f64.powi(2)
        + (750f64.powi(2) + 250f64.powi(2)) / 12.0)
        / 3.0;
    let sd = (second_moment - (2000.0f64 / 3.0).powi(2)).sqrt();
    let mean = f(&personnel["mean"]);
    assert!((mean - 2000.0 / 3.0).abs() <= 5.0 * sd / sent.sqrt(), "mean personnel when sent: {mean}");
    assert_eq!(f(&personnel["n"]), f(&run["funnel"]["deploy"]["k"]) - f(&run["funnel"]["deploy_unsent"]["k"]));
    // More than the need: a alone when 750U ≥ 1000.5 (P = 124.5 / 750),
    // both when 750U₁ + 250U₂ > 1000 (a half, less the density 1/750 of
    // landing on 1000 exactly).
    let surplus = 0.25 * (124.5 / 750.0) + 0.25 * (1.0 - 1.0 / 750.0) / 2.0;
    near_proportion("deployed above the need", f(&run["deployment"]["surplus_positive"]["p"]), surplus, 0.8 * n);
}

/// Runs `alliance-sim run FILE` on a scenario text; returns (status, stderr).
fn run_text(dir: &std::path::Path, text: &str) -> (i32, String) {
    let path = dir.join("case.yaml");
    std::fs::write(&path, text).unwrap();
    let out = sim().args(["run", path.to_str().unwrap(), "-n", "100"]).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_recorded_field_nothing_can_compare_with_is_refused_where_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(super::repo("tests/data/history.yaml")).unwrap();
    let head = &base[..base.find("observed:").unwrap()];
    for (observed, line, message) in [
        (
            "observed:\n  outcome: non_military\n  personnel: 0\n",
            "personnel",
            "observed.personnel is recorded for a case whose outcome is non_military",
        ),
        (
            "observed:\n  outcome: no_request\n  days_to_decision: 1\n",
            "days_to_decision",
            "observed.days_to_decision is recorded for a case whose outcome is no_request",
        ),
        ("observed:\n  outcome: deploy\n  contributors: []\n", "contributors", "observed.contributors is empty"),
        (
            "observed:\n  outcome: deploy\n  days_to_full_strength: {from: 3, to: 1}\n",
            "days_to_full_strength",
            "observed.days_to_full_strength runs from 3 to 1, backwards",
        ),
        ("observed:\n  outcome: deploy\n  days_to_first_arrival: soon\n", "days_to_first_arrival", "is a string"),
    ] {
        let text = format!("{head}{observed}");
        let (code, err) = run_text(dir.path(), &text);
        assert_eq!(code, 2, "{observed}: {err}");
        assert!(err.contains(message), "{observed}: {err}");
        // The error points at the field's own line.
        let row = text
            .lines()
            .collect::<Vec<_>>()
            .iter()
            .rposition(|l| l.trim_start().starts_with(&format!("{line}:")))
            .unwrap()
            + 1;
        assert!(err.contains(&format!("case.yaml:{row}:")), "{observed}: not at line {row}: {err}");
    }
}

#[test]
fn a_file_that_extends_a_case_does_not_inherit_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("overlay.yaml");
    std::fs::write(&path, "extends: kazakhstan-2022\nname: chaired by Kazakhstan\nalliance:\n  chair: kazakhstan\n")
        .unwrap();
    let out = stdout_of(&["run", path.to_str().unwrap(), "-n", "2000", "--format", "json"]);
    let run: Value = serde_json::from_str(&out).unwrap();
    assert!(run["backtest"].is_null(), "the overlay is another scenario: {}", run["backtest"]);
    // Restated, it is compared again.
    std::fs::write(&path, "extends: kazakhstan-2022\nname: restated\nobserved:\n  outcome: deploy\n").unwrap();
    let out = stdout_of(&["run", path.to_str().unwrap(), "-n", "2000", "--format", "json"]);
    let run: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(run["backtest"]["outcome"], "deploy");
}

#[test]
fn backtest_sets_each_case_beside_its_refit_without_it_and_the_class_frequencies() {
    let out = stdout_of(&[
        "backtest",
        "kazakhstan-2022",
        "armenia-2022",
        "kyrgyzstan-2010",
        "--fit",
        "decisions.contribute.arrival_day.rules.parliament_delay.add=0.0:8.0",
        "-n",
        "2000",
        "--format",
        "json",
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    // The class frequencies of the other cases, half a case added to each
    // of the four classes: deploy, non_military, non_military.
    let expected = [0.5 / 4.0, 1.5 / 4.0, 1.5 / 4.0];
    for (c, want) in cases.iter().zip(expected) {
        assert!((c["class_frequency"].as_f64().unwrap() - want).abs() < 1e-12, "{}", c["meta"]["scenario"]);
        assert!(c["left_out"]["backtest"]["outcome_probability"]["p"].is_number());
    }
    // Only Kazakhstan 2022 records arrival days, so without it nothing
    // informs the parliament's delay: the refit stays near the middle of
    // the range (4 days) instead of keeping what Kazakhstan 2022 taught the
    // full fit (about 1.35).
    let value = cases[0]["left_out"]["values"][0][1].as_f64().unwrap();
    assert!((value - 4.0).abs() <= 1.6, "the refit without the only informative case moved to {value}");
}

/// `run --fit-file` shows the case left out and at onset exactly as
/// `backtest --fit-file` does (one refit, two commands), with the class
/// frequencies of the other ten cases: no other deployed, so P(deploy) =
/// (0 + ½) / (10 + 2).
#[test]
fn run_shows_a_case_left_out_and_at_onset_as_the_backtest_does() {
    let fit = ["--fit-file", "scenarios/base/csto.fit", "-n", "20000", "--format", "json"];
    let run: Value = serde_json::from_str(&stdout_of(&[&["run", "kazakhstan-2022"][..], &fit].concat())).unwrap();
    let backtest: Value = serde_json::from_str(&stdout_of(&[&["backtest"][..], &fit].concat())).unwrap();
    let case = backtest["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["meta"]["scenario"] == run["meta"]["scenario"])
        .expect("kazakhstan-2022 among the backtest's cases");
    let (mine, theirs) = (&run["left_out"], &case["left_out"]);
    assert_eq!(mine["values"], theirs["values"]);
    assert_eq!(mine["backtest"], theirs["backtest"]);
    assert_eq!(mine["at_onset"], theirs["at_onset"]);
    assert_eq!(mine["at_onset"]["drawn"], serde_json::json!(["bilateral_route", "days_to_fall", "help_sought"]));
    assert_eq!(mine["class_frequency"].as_f64(), Some(0.5 / 12.0));
    // Without the flag the JSON has no left_out at all (its layout is unchanged).
    let plain: Value =
        serde_json::from_str(&stdout_of(&["run", "kazakhstan-2022", "-n", "1000", "--format", "json"])).unwrap();
    assert!(plain.get("left_out").is_none());
    // A case changed by --set, or a scenario with no history, has nothing to leave out.
    for extra in
        [&["kazakhstan-2022", "--set", "alliance.pools.peacekeeping.cap=5000"][..], &["what-if/kazakhstan-chair"]]
    {
        let out = sim().args(["run"]).args(extra).args(["--fit-file", "scenarios/base/csto.fit"]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains("--set") || err.contains("records no history"), "{extra:?}: {err}");
    }
}
