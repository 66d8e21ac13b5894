//! Teaching tools: backtest, help with examples, completions, man page.

use crate::{sim, stdout_of};

#[test]
fn backtest_reports_the_same_numbers_as_run() {
    let text = stdout_of(&["backtest", "-n", "30000", "-s", "4", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&text).expect("json");
    let cases = report["cases"].as_array().expect("cases");
    let names: Vec<&str> = cases.iter().map(|c| c["meta"]["scenario"].as_str().expect("name")).collect();
    let shipped = [
        "kazakhstan-2022",
        "kyrgyzstan-2010",
        "armenia-2022",
        "kyrgyzstan-2005",
        "tajikistan-2010",
        "kazakhstan-2011",
        "armenia-2020",
        "kyrgyzstan-2020",
        "armenia-2021",
        "armenia-2023",
        "russia-2024",
    ];
    assert_eq!(names.len(), shipped.len(), "the eleven historical cases: {names:?}");
    for (case, scenario) in cases.iter().zip(shipped) {
        let run = stdout_of(&["run", scenario, "-n", "30000", "-s", "4", "--format", "json"]);
        let run: serde_json::Value = serde_json::from_str(&run).expect("json");
        assert_eq!(case["backtest"], run["backtest"], "{scenario}");
    }
}

/// Issue #15's bar for the shipped base: history's outcome class is the
/// most likely one in at least nine of the eleven cases, and the mean log
/// score beats the class-frequency baseline's (each case predicted by the
/// frequencies of the other ten, half a case added per class: −1.107).
#[test]
fn the_shipped_base_puts_history_first_in_nine_of_eleven_cases() {
    let text = stdout_of(&["backtest", "-n", "30000", "-s", "4", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&text).expect("json");
    let cases = report["cases"].as_array().expect("cases");
    let first: Vec<&str> = cases
        .iter()
        .filter(|c| c["backtest"]["rank"] == 1)
        .map(|c| c["meta"]["scenario"].as_str().expect("name"))
        .collect();
    assert!(first.len() >= 9, "history's class is the most likely in only {first:?}");
    let mean =
        cases.iter().map(|c| c["backtest"]["log_score"].as_f64().expect("log score")).sum::<f64>() / cases.len() as f64;
    // The baseline, counted here: ln((others of the class + ½) / (10 + 2)).
    let observed: Vec<&str> = cases.iter().map(|c| c["backtest"]["outcome"].as_str().expect("class")).collect();
    let baseline = observed
        .iter()
        .map(|o| {
            let others = observed.iter().filter(|x| x == &o).count() as f64 - 1.0;
            ((others + 0.5) / (observed.len() as f64 - 1.0 + 2.0)).ln()
        })
        .sum::<f64>()
        / observed.len() as f64;
    assert!((baseline - -1.107).abs() < 1e-3, "7 no_request, 3 non_military, 1 deploy give −1.107: {baseline}");
    assert!(mean > baseline, "mean log score {mean} does not beat the frequency baseline {baseline}");
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
        "calibrate",
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
    // Examples are set line by line, not filled into a paragraph (#34).
    let lines: Vec<&str> = page.lines().collect();
    let examples: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == "Examples:").collect();
    assert!(examples.len() > 5, "{} example blocks", examples.len());
    for i in examples {
        assert_eq!(lines[i + 1], ".nf", "the examples after line {i} are filled");
        let end = (i + 1..lines.len()).find(|&j| !lines[j].starts_with("  ") && j > i + 1).expect("end");
        assert_eq!(lines[end], ".fi", "the examples after line {i} are not closed");
    }
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
         echo \"sweep: ${{COMPREPLY[*]}}\"\n\
         COMP_WORDS=(alliance-sim show kaz); COMP_CWORD=2; _alliance__sim alliance-sim kaz show\n\
         echo \"show: ${{COMPREPLY[*]}}\"\n\
         COMP_WORDS=(alliance-sim sensitivity kazakhstan-2022 --metric sh); COMP_CWORD=4; \
         _alliance__sim alliance-sim sh --metric\n\
         echo \"metric: ${{COMPREPLY[*]}}\"\n",
        script.display()
    );
    let out = std::process::Command::new("bash").args(["-c", &driver]).output().expect("bash");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("format: table json csv markdown"), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("sweep: --vary"), "{text}");
    // Bundled scenario names and metric names complete (#34).
    assert!(text.contains("show: kazakhstan-2022"), "{text}");
    assert!(text.contains("metric: shortfall"), "{text}");
}
