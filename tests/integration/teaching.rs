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

#[test]
fn the_man_page_refers_only_to_itself() {
    let page = stdout_of(&["man"]);
    assert!(!page.contains("(1)\n") && !page.contains("sim\\-run(1)"), "a reference to a page that is not generated");
    assert!(page.contains("alliance\\-sim run\\fR (see SUBCOMMAND: RUN below)"));
}

#[test]
fn bash_completes_a_subcommand_option_and_its_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("alliance-sim.bash");
    std::fs::write(&script, stdout_of(&["completions", "bash"])).expect("write");
    // What bash does on `alliance-sim run --format <TAB>` and `sweep --va<TAB>`.
    let driver = format!(
        "source {}\n\
         COMP_WORDS=(alliance-sim run --format ''); COMP_CWORD=3; _alliance__sim alliance-sim '' --format\n\
         echo \"format: ${{COMPREPLY[*]}}\"\n\
         COMP_WORDS=(alliance-sim sweep --va); COMP_CWORD=2; _alliance__sim alliance-sim --va sweep\n\
         echo \"sweep: ${{COMPREPLY[*]}}\"\n",
        script.display()
    );
    let out = std::process::Command::new("bash").args(["-c", &driver]).output().expect("bash");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("format: table json csv markdown"), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("sweep: --vary"), "{text}");
}
