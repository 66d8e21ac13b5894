//! The command line end to end.

use predicates::prelude::*;

use crate::{repo, sim};

#[test]
fn run_with_no_argument_runs_the_bundled_kazakhstan_scenario() {
    sim()
        .args(["run", "--trials", "20000"])
        .current_dir(std::env::temp_dir())
        .assert()
        .success()
        .stdout(predicate::str::contains("Kazakhstan 2022"))
        .stdout(predicate::str::contains("Funnel"))
        .stderr(predicate::str::contains("trials/s"));
}

#[test]
fn stdout_is_byte_identical_for_any_thread_count() {
    for format in ["table", "json"] {
        let outputs: Vec<Vec<u8>> = ["1", "2", "8"]
            .iter()
            .map(|t| {
                let out = sim()
                    .args([
                        "run",
                        "kazakhstan-2022",
                        "--trials",
                        "70000",
                        "--seed",
                        "4",
                        "--format",
                        format,
                        "--threads",
                        t,
                    ])
                    .output()
                    .expect("run");
                assert!(out.status.success());
                out.stdout
            })
            .collect();
        assert_eq!(outputs[0], outputs[1], "{format}: 1 vs 2 threads");
        assert_eq!(outputs[0], outputs[2], "{format}: 1 vs 8 threads");
    }
}

#[test]
fn validate_accepts_every_shipped_scenario() {
    let mut cmd = sim();
    cmd.arg("validate");
    for entry in std::fs::read_dir(repo("scenarios")).expect("dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            cmd.arg(path);
        }
    }
    cmd.assert().success().stdout(predicate::str::contains("ok:"));
}

#[test]
fn validate_fails_with_exit_2_and_a_located_message() {
    sim()
        .args(["validate", "tests/data/bad/misspelt_variable_in_when.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("misspelt_variable_in_when.yaml:31:15: unknown name 'severty'"))
        .stderr(predicate::str::contains("did you mean 'severity'?"));
}

#[test]
fn bad_set_paths_and_values_are_refused_with_exit_2() {
    sim()
        .args(["run", "kazakhstan-2022", "--trials", "100", "--set", "members.rusia.attributes.alignment=0.4"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no field 'members.rusia'"))
        .stderr(predicate::str::contains("did you mean 'russia'"));
    sim()
        .args(["run", "kazakhstan-2022", "--trials", "100", "--set", "alliance.pools.peacekeeping.cap=-5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the cap of pool 'peacekeeping' is -5"))
        // The refused cap does not cascade into warnings about pledges above it.
        .stderr(predicate::str::contains("more than its cap").not());
    sim().args(["run", "--set", "novalue"]).assert().code(2);
}

#[test]
fn setting_an_attribute_no_rule_reads_warns() {
    let minimal = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/minimal.yaml");
    let unread = "no rule or expression reads the attribute 'needs_parliament'";
    // minimal.yaml declares needs_parliament but no rule reads it.
    sim()
        .args(["run", minimal, "--trials", "100", "--set", "members.a.attributes.needs_parliament=true"])
        .assert()
        .success()
        .stderr(predicate::str::contains(unread));
    sim()
        .args(["run", minimal, "--trials", "100", "--set", "members.a.attributes.alignment=0.4"])
        .assert()
        .success()
        .stderr(predicate::str::contains("no rule or expression reads").not());
}

#[test]
fn bad_flags_exit_2() {
    sim().args(["run", "--trials", "many"]).assert().code(2);
    sim().args(["frobnicate"]).assert().code(2);
}

#[test]
fn list_shows_bundled_scenarios_and_they_run_by_name() {
    sim().arg("list").assert().success().stdout(predicate::str::contains("kyrgyzstan-2010"));
    sim()
        .args(["run", "armenia-2022", "--trials", "1000", "--format", "json"])
        .current_dir(std::env::temp_dir())
        .assert()
        .success()
        .stdout(predicate::str::contains("\"schema_version\": 1"));
}

#[test]
fn json_summary_of_a_shipped_scenario_is_pinned() {
    // Value stability: an accidental change to the random streams, the
    // distributions or the engine changes these counts.
    let out = sim()
        .args(["run", "kazakhstan-2022", "--trials", "5000", "--seed", "1", "--format", "json"])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let k = |path: &str| v.pointer(path).and_then(serde_json::Value::as_u64).expect(path);
    let pinned = [
        ("/funnel/request/k", k("/funnel/request/k")),
        ("/funnel/deploy/k", k("/funnel/deploy/k")),
        ("/funnel/non_military/k", k("/funnel/non_military/k")),
    ];
    let expected: [(&str, u64); 3] = PINNED;
    assert_eq!(pinned, expected);
    let mean = v.pointer("/deployment/personnel/mean").and_then(serde_json::Value::as_f64).expect("mean");
    assert_eq!(mean, PINNED_MEAN);
}

const PINNED: [(&str, u64); 3] =
    [("/funnel/request/k", 3855), ("/funnel/deploy/k", 3242), ("/funnel/non_military/k", 613)];
const PINNED_MEAN: f64 = 2101.5873456790123;

#[test]
fn bench_reports_every_thread_count_and_identical_results() {
    let out = crate::stdout_of(&["bench", "-n", "40000", "--repeat", "2", "--max-threads", "3", "--format", "json"]);
    let bench: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(bench["identical"], true);
    let threads: Vec<u64> =
        bench["lines"].as_array().expect("lines").iter().map(|l| l["threads"].as_u64().expect("n")).collect();
    assert_eq!(threads, [1, 2, 3]);
    for line in bench["lines"].as_array().expect("lines") {
        let rates: Vec<f64> = line["rates"].as_array().expect("rates").iter().filter_map(|r| r.as_f64()).collect();
        assert_eq!(rates.len(), 2);
        assert!(line["median"].as_f64().expect("median") > 0.0);
        // Mean and σ from the rates, independently.
        let mean = (rates[0] + rates[1]) / 2.0;
        let sd = (rates[0] - rates[1]).abs() / 2f64.sqrt();
        assert!((line["mean"].as_f64().expect("mean") - mean).abs() <= 1e-6 * mean);
        assert!((line["sd"].as_f64().expect("sd") - sd).abs() <= 1e-6 * mean);
    }
    // The environment, so that two figures can be compared knowingly.
    let env = &bench["environment"];
    assert!(!env["cpu"].as_str().expect("cpu").is_empty());
    assert!(env["cpus"].as_u64().expect("cpus") >= 1);
    assert_eq!(env["profile"], "release");
    assert_eq!(env["tool_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(env["instruction_set"], alliance_sim::cpu::level().name());
    assert_eq!(env["load_average"].as_array().expect("load").len(), 3);
    assert!(bench["noise"]["noisy"].is_boolean() && bench["noise"]["reasons"].is_array());
    assert_eq!(bench["warmup"], 1);
}

#[test]
fn a_closed_stdout_exits_quietly_with_status_0() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("alliance-sim"))
        // A partial result of a million trials is ~140 KB, more than a pipe holds (64 KB), so the
        // program is still writing when the reader goes away.
        .args(["run", "kazakhstan-2022", "-n", "1000000", "--shard", "1/1", "--export-json", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Read one line, then close the pipe, as `| head -1` does.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let full = crate::stdout_of(&["run", "kazakhstan-2022", "-n", "1000000", "--shard", "1/1", "--export-json", "-"]);
    assert!(
        full.len() > 1 << 17,
        "the output ({} bytes) must overflow the pipe for this test to mean anything",
        full.len()
    );
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked") && !stderr.contains("error"), "{stderr}");
}

#[test]
fn exit_codes_follow_the_documented_classes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let part = dir.path().join("p.json");
    sim().args(["run", "-n", "1000", "--shard", "1/2", "--export-json"]).arg(&part).assert().success();
    let cases: Vec<(Vec<String>, i32)> = vec![
        (vec!["run".into(), "-n".into(), "1000".into()], 0),
        (vec!["validate".into(), "tests/data/bad/negative_cap.yaml".into()], 2),
        (vec!["run".into(), "--set".into(), "alliance.pools.nope.cap=1".into()], 2),
        (vec!["run".into(), "--trails".into(), "5".into()], 2),
        (vec!["run".into(), "no-such-scenario".into()], 2),
        (vec!["run".into(), "-n".into(), "1000".into(), "--export-json".into(), "/nonexistent/x.json".into()], 2),
        (vec!["merge".into(), part.display().to_string()], 2),
        (
            vec![
                "explain".into(),
                "kazakhstan-2022".into(),
                "--find".into(),
                "need < 0".into(),
                "--search-limit".into(),
                "100".into(),
            ],
            1,
        ),
    ];
    for (args, code) in cases {
        let out = sim().args(&args).output().expect("run");
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    // Warnings never change the exit code.
    let out = sim().args(["validate", "scenarios/hypothetical-beyond-caps.yaml"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn bench_of_two_scenarios_times_them_in_alternation_and_says_which_is_faster() {
    let dir = tempfile::tempdir().expect("tempdir");
    // kazakhstan-2022 with forty more beta draws a trial: several times the work.
    let heavy = dir.path().join("heavy.yaml");
    let draws = vec!["beta(2, 3)"; 40].join(" + ");
    let base = crate::repo("scenarios/kazakhstan-2022.yaml");
    std::fs::write(&heavy, format!("extends: {}\nname: Heavy\noutcomes:\n  burden: {draws}\n", base.display()))
        .expect("write");
    let heavy = heavy.to_str().expect("path");
    let run = ["bench", "kazakhstan-2022", heavy, "-n", "100000", "--repeat", "4", "--max-threads", "1"];
    let json = [&run[..], &["--format", "json"]].concat();
    let bench: serde_json::Value = serde_json::from_str(&crate::stdout_of(&json)).expect("json");
    assert_eq!(bench["schema_version"], 5);
    assert_eq!(bench["identical"], true);
    let versus = &bench["versus"];
    assert_eq!(versus["scenario"], "Heavy");
    assert_eq!(versus["lines"][0]["rates"].as_array().expect("rates").len(), 4);
    let ratio = &versus["ratios"][0];
    let (lo, r, hi) = (ratio["lo"].as_f64(), ratio["ratio"].as_f64(), ratio["hi"].as_f64());
    assert!(lo < r && r < hi && lo > Some(1.0), "the lighter scenario is faster: {ratio}");
    assert_eq!(ratio["verdict"], "faster");
    let table = crate::stdout_of(&run);
    assert!(table.contains("Heavy (timed in alternation)") && table.contains("against Heavy"), "{table}");
    let csv = crate::stdout_of(&[&run[..], &["--format", "csv"]].concat());
    assert!(csv.starts_with("scenario,threads,repetition,trials_per_second\n"), "{csv}");
    assert_eq!(csv.lines().filter(|l| l.starts_with("Heavy,")).count(), 4);
}

#[test]
fn bench_stages_attributes_each_trial_to_the_stages_it_reached() {
    let args = ["bench", "--stages", "-n", "50000", "--repeat", "1", "--max-threads", "1", "--format", "json"];
    let bench: serde_json::Value = serde_json::from_str(&crate::stdout_of(&args)).expect("json");
    let profile = &bench["stages"];
    assert_eq!(profile["trials"], 50000);
    let stages = profile["stages"].as_array().expect("stages");
    let names: Vec<&str> = stages.iter().map(|s| s["stage"].as_str().expect("name")).collect();
    assert_eq!(names.first(), Some(&"crisis (trial key, variables)"));
    assert_eq!(names.last(), Some(&"folding statistics"));
    assert_eq!(names.len(), 9);
    // The same seed and trials as `run`: the share of trials reaching the
    // council is P(request), reaching the pool is P(deploy), exactly.
    let run: serde_json::Value =
        serde_json::from_str(&crate::stdout_of(&["run", "-n", "50000", "--format", "json"])).expect("json");
    let reached = |name: &str| {
        stages.iter().find(|s| s["stage"].as_str().is_some_and(|n| n.starts_with(name))).expect(name)["reached"]
            .as_f64()
    };
    assert_eq!(reached("council"), run["funnel"]["request"]["p"].as_f64());
    assert_eq!(reached("pool"), run["funnel"]["deploy"]["p"].as_f64());
    assert_eq!(reached("need"), Some(1.0));
    let share: f64 = stages.iter().map(|s| s["share"].as_f64().expect("share")).sum();
    assert!((share - 1.0).abs() < 1e-9, "shares add up to one: {share}");
    assert!(stages.iter().all(|s| s["ns_per_trial"].as_f64().is_some_and(|x| x >= 0.0)));
    assert!(
        profile["plain_ns"].as_f64().is_some_and(|x| x > 0.0) && profile["clock_ns"].as_f64().is_some_and(|x| x > 0.0)
    );
}

#[test]
fn bench_against_a_baseline_says_whether_the_difference_is_real() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = ["bench", "-n", "500000", "--repeat", "5", "--max-threads", "1", "--format", "json"];
    let saved: serde_json::Value = serde_json::from_str(&crate::stdout_of(&run)).expect("json");
    // A baseline ten times as fast (as if this build were a slowed one), and
    // one a tenth as fast: differences far beyond a busy machine's noise.
    for (factor, verdict) in [(10.0, "slower"), (0.1, "faster")] {
        let mut then = saved.clone();
        for line in then["lines"].as_array_mut().expect("lines") {
            for rate in line["rates"].as_array_mut().expect("rates") {
                *rate = (rate.as_f64().expect("rate") * factor).into();
            }
        }
        let path = dir.path().join(format!("then-{factor}.json"));
        std::fs::write(&path, then.to_string()).expect("write");
        let mut args = run.to_vec();
        args.extend(["--baseline", path.to_str().expect("path")]);
        let now: serde_json::Value = serde_json::from_str(&crate::stdout_of(&args)).expect("json");
        let ratio = &now["baseline"]["lines"][0];
        assert_eq!(ratio["verdict"], verdict, "{ratio}");
        let (lo, hi) = (ratio["lo"].as_f64().expect("lo"), ratio["hi"].as_f64().expect("hi"));
        let r = ratio["ratio"].as_f64().expect("ratio");
        assert!(lo < r && r < hi, "the interval holds the ratio: {ratio}");
    }
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"lines\": 3}").expect("write");
    let out =
        crate::sim().args(["bench", "-n", "1000", "--repeat", "1", "--baseline"]).arg(&junk).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--baseline"));
}

#[test]
fn a_sampled_sweep_draws_its_points_from_the_ranges_and_each_is_its_own_run() {
    // Trials, seed and format shared by the sweep and the runs it must equal.
    let same = ["-n", "4000", "-s", "5", "--format", "json"];
    let design = [
        "sweep",
        "kazakhstan-2022",
        "--vary",
        "members.russia.attributes.alignment=0.5:1",
        "--vary",
        "alliance.pools.peacekeeping.cap=2000:5000",
        "--sample",
        "lhs:6",
    ];
    let args = [&design[..], &same[..]].concat();
    let out = crate::stdout_of(&[&args[..], &["-j", "1"]].concat());
    assert_eq!(out, crate::stdout_of(&[&args[..], &["-j", "2"]].concat()), "any thread count");
    let sweep: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(sweep["design"], "lhs:6 (seed 5)");
    let points = sweep["points"].as_array().expect("points");
    assert_eq!(points.len(), 6);
    let mut strata = Vec::new();
    for p in points {
        let values: Vec<f64> =
            p["values"].as_array().expect("values").iter().map(|v| v.as_f64().expect("number")).collect();
        assert!((0.5..1.0).contains(&values[0]) && (2000.0..=5000.0).contains(&values[1]), "{values:?}");
        assert_eq!(values[1].fract(), 0.0, "a cap range in whole numbers draws whole numbers: {values:?}");
        strata.push(((values[0] - 0.5) / 0.5 * 6.0) as usize);
        // The point is the scenario with those values set, on the same seed.
        let alignment = format!("members.russia.attributes.alignment={}", values[0]);
        let cap = format!("alliance.pools.peacekeeping.cap={}", values[1]);
        let set = ["run", "kazakhstan-2022", "--set", &alignment, "--set", &cap];
        let run: serde_json::Value =
            serde_json::from_str(&crate::stdout_of(&[&set[..], &same[..]].concat())).expect("json");
        assert_eq!(p["funnel"]["deploy"]["k"], run["funnel"]["deploy"]["k"]);
        assert_eq!(p["deployed"]["mean"], run["deployment"]["personnel"]["mean"]);
    }
    strata.sort_unstable();
    assert_eq!(strata, [0, 1, 2, 3, 4, 5], "one point in each sixth of the range");
    for bad in [
        vec!["--vary", "members.russia.attributes.alignment=0.5,1", "--sample", "lhs:4"],
        vec!["--vary", "members.russia.attributes.alignment=0.5:1"],
        vec!["--vary", "members.russia.attributes.alignment=0.5:1", "--sample", "lhs:1"],
    ] {
        let out = crate::sim().args(["sweep", "kazakhstan-2022", "-n", "100"]).args(&bad).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--"), "{bad:?}");
    }
}
