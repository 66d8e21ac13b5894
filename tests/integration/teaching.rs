//! Teaching tools: backtest, help with examples, completions, man page.

use crate::{sim, stdout_of};

#[test]
fn backtest_reports_the_same_numbers_as_run() {
    let text = stdout_of(&["backtest", "-n", "30000", "-s", "4", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&text).expect("json");
    let cases = report["cases"].as_array().expect("cases");
    let names: Vec<&str> = cases.iter().map(|c| c["meta"]["scenario"].as_str().expect("name")).collect();
    assert_eq!(names.len(), 3, "the three historical cases: {names:?}");
    for (case, scenario) in cases.iter().zip(["kazakhstan-2022", "kyrgyzstan-2010", "armenia-2022"]) {
        let run = stdout_of(&["run", scenario, "-n", "30000", "-s", "4", "--format", "json"]);
        let run: serde_json::Value = serde_json::from_str(&run).expect("json");
        assert_eq!(case["backtest"], run["backtest"], "{scenario}");
    }
}

#[test]
fn every_subcommand_help_has_a_worked_example() {
    for sub in [
        "run",
        "validate",
        "compare",
        "sweep",
        "sensitivity",
        "explain",
        "backtest",
        "merge",
        "list",
        "completions",
        "man",
    ] {
        let help = stdout_of(&[sub, "--help"]);
        assert!(help.contains("Example"), "{sub} --help has no example");
        assert!(help.contains("alliance-sim "), "{sub} --help example does not show the command");
    }
}

#[test]
fn completions_and_man_page_are_generated() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains("sensitivity"), "{shell} completion lacks subcommands");
    }
    let page = stdout_of(&["man"]);
    assert!(page.starts_with(".ie") || page.contains(".TH alliance-sim"), "not roff");
    assert!(page.contains("SUBCOMMAND: EXPLAIN"));
    let out = sim().args(["completions", "tcsh"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
}
