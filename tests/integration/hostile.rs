//! Hostile and unlucky input (issue #14): no panic, no hang, no device
//! clobbered, nothing lost. Each test failed before its fix.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alliance_sim::shard::Partial;

use crate::{repo, sim, stdout_of};

/// Runs the binary with a time limit (a hang fails the test, not CI).
fn run(args: &[&str]) -> std::process::Output {
    sim().args(args).timeout(Duration::from_secs(60)).output().expect("run")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Writes the parts of a 2-shard run of kazakhstan-2022 into `dir`.
fn parts(dir: &Path) -> Vec<PathBuf> {
    (1..=2)
        .map(|k| {
            let path = dir.join(format!("part-{k}.json"));
            stdout_of(&[
                "run",
                "-n",
                "40000",
                "-s",
                "5",
                "--shard",
                &format!("{k}/2"),
                "--export-json",
                path.to_str().expect("path"),
            ]);
            path
        })
        .collect()
}

/// Edits a part's JSON, then seals it again (as a forger would), so that
/// what is tested is the consistency check behind the digest.
fn forge(path: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    edit(&mut v);
    let part: Partial = serde_json::from_value(v).expect("still a part");
    std::fs::write(path, serde_json::to_string(&part.seal()).expect("json")).expect("write");
}

fn merge(parts: &[PathBuf]) -> std::process::Output {
    let mut args = vec!["merge".to_string()];
    args.extend(parts.iter().map(|p| p.display().to_string()));
    sim().args(&args).timeout(Duration::from_secs(60)).output().expect("merge")
}

#[test]
fn an_edited_part_is_detected_by_its_digest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let parts = parts(dir.path());
    let text = std::fs::read_to_string(&parts[0]).expect("read");
    // Move 5,000 trials from no_request to deploy, by hand.
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let classes = v["stats"]["classes"].as_array_mut().expect("classes");
    classes[0] = (classes[0].as_u64().expect("n") - 5000).into();
    classes[3] = (classes[3].as_u64().expect("n") + 5000).into();
    std::fs::write(&parts[0], v.to_string()).expect("write");
    let out = merge(&parts);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("part-1.json: digest: the part was changed"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

/// A change to a part's JSON.
type Edit = dyn Fn(&mut serde_json::Value);

#[test]
fn a_forged_part_is_refused_naming_the_file_and_the_field() {
    let cases: Vec<(&str, Box<Edit>)> = vec![
        // Classes that add up to more than the trials (once: a panic in clamp).
        (
            "stats.classes",
            Box::new(|v| v["stats"]["classes"][3] = (v["stats"]["classes"][3].as_u64().unwrap() + 7).into()),
        ),
        ("stats.classes", Box::new(|v| v["stats"]["classes"][0] = u64::MAX.into())),
        // 5,000 trials moved between classes: the deployments no longer match.
        (
            "stats.deployed.n",
            Box::new(|v| {
                v["stats"]["classes"][0] = (v["stats"]["classes"][0].as_u64().unwrap() - 5000).into();
                v["stats"]["classes"][3] = (v["stats"]["classes"][3].as_u64().unwrap() + 5000).into();
            }),
        ),
        // A support count of 10^12 (once: printed as 100%).
        ("members[0].support", Box::new(|v| v["stats"]["members"][0]["support"] = 1_000_000_000_000u64.into())),
        // personnel = u64::MAX (once: a 15-digit mean and a share of 1.7e13 %).
        ("members[0].personnel", Box::new(|v| v["stats"]["members"][0]["personnel"] = u64::MAX.into())),
        ("stats.deployed", Box::new(|v| v["stats"]["deployed"]["max"] = u64::MAX.into())),
        ("stats.need", Box::new(|v| v["stats"]["need"]["n"] = 1.into())),
        ("stats.forced", Box::new(|v| v["stats"]["forced"][0] = u64::MAX.into())),
    ];
    for (field, edit) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let parts = parts(dir.path());
        forge(&parts[1], edit);
        let out = merge(&parts);
        assert_eq!(out.status.code(), Some(2), "{field}: {}", stderr(&out));
        assert!(stderr(&out).contains("part-2.json: ") && stderr(&out).contains(field), "{field}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_scenario_hash_with_multi_byte_characters_does_not_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let parts = parts(dir.path());
    for path in &parts {
        forge(path, |v| v["meta"]["scenario_hash"] = "\u{202e}ééééééééééééééééééé".into());
    }
    let out = merge(&parts);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("meta.scenario_hash") && stderr(&out).contains("\\u{202e}"), "{}", stderr(&out));
}

#[test]
fn merge_never_opens_a_path_named_inside_a_part() {
    let dir = tempfile::tempdir().expect("tempdir");
    let parts = parts(dir.path());
    for path in &parts {
        forge(path, |v| v["meta"]["origin"] = "/dev/zero".into());
    }
    let out = merge(&parts);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("give it with --scenario FILE"), "{}", stderr(&out));
    // With the scenario given, the parts merge.
    let mut args: Vec<String> = vec!["merge".into(), "--scenario".into(), "kazakhstan-2022".into()];
    args.extend(parts.iter().map(|p| p.display().to_string()));
    let out = sim().args(&args).output().expect("merge");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn special_files_are_refused_without_reading_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let fifo = fifo.to_str().expect("path");
    for (target, kind) in [("/dev/zero", "character device"), ("/dev/urandom", "character device"), (fifo, "FIFO")] {
        let child = dir.path().join("child.yaml");
        std::fs::write(&child, format!("extends: {target}\n")).expect("write");
        let out = run(&["validate", child.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(2), "{target}");
        assert!(stderr(&out).contains(kind) && stderr(&out).contains("child.yaml:1:"), "{}", stderr(&out));
        let out = run(&["merge", target]);
        assert_eq!(out.status.code(), Some(2), "{target}");
        assert!(stderr(&out).contains(kind), "{}", stderr(&out));
        let out = run(&["run", target]);
        assert_eq!(out.status.code(), Some(2), "{target}");
    }
}

#[test]
fn an_export_never_replaces_a_device_or_a_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (target, kind) in [("/dev/full", "character device"), (dir.path().to_str().expect("path"), "directory")] {
        let out = run(&["run", "-n", "1000", "--export-json", target]);
        assert_eq!(out.status.code(), Some(2), "{target}");
        assert!(stderr(&out).contains(kind), "{}", stderr(&out));
        assert!(out.stdout.is_empty(), "nothing was run");
    }
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/full").expect("/dev/full").file_type().is_char_device());
}

#[test]
fn thread_counts_are_bounded() {
    let out = run(&["run", "-n", "1000", "-j", "100000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expected a number of threads from 1 to"), "{}", stderr(&out));
    let out = run(&["run", "-n", "1000", "-j", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_bad_output_path_is_refused_before_the_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("nodir/x/out.json");
    let missing = missing.to_str().expect("path");
    // 10^12 trials: if the path were checked only at the end, this would not end.
    for flag in ["--export-json", "--export-csv", "--export-markdown", "--export-html", "--trials-out"] {
        let out = run(&["run", "-n", "1000000000000", flag, missing]);
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(stderr(&out).contains(flag) && stderr(&out).contains("No such file"), "{}", stderr(&out));
    }
    let out = run(&["compare", "kazakhstan-2022", "armenia-2022", "-n", "1000000000000", "--export-csv", missing]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["run", "-n", "1000", "--export-json", "-", "--trials-out", "-"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("at most one output can go there"), "{}", stderr(&out));
}

#[test]
fn export_html_with_a_shard_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let part = dir.path().join("p.json");
    let html = dir.path().join("r.html");
    let out = run(&[
        "run",
        "-n",
        "1000",
        "--shard",
        "1/2",
        "--export-json",
        part.to_str().expect("path"),
        "--export-html",
        html.to_str().expect("path"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("HTML report"), "{}", stderr(&out));
    assert!(!html.exists() && !part.exists());
}

#[test]
fn trials_out_dash_means_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = sim()
        .current_dir(dir.path())
        .args(["run", "kazakhstan-2022", "-n", "500", "--trials-out", "-"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.starts_with("trial,outcome,"), "{}", &text[..80.min(text.len())]);
    assert_eq!(text.lines().count(), 501, "a header and one row per trial, and no summary");
    assert!(!dir.path().join("-").exists(), "no file named '-'");
    assert!(String::from_utf8_lossy(&out.stderr).contains("bytes per trial, 500 trials)"), "no size estimate");
}

#[test]
fn ids_that_could_spoof_a_table_are_refused() {
    for (file, fragment) in [
        ("member_id_bidi_override.yaml", "'b\\u{202e}x' is not a valid id"),
        ("member_id_empty.yaml", "member id '' is not a valid id"),
        ("member_id_zero_width.yaml", "is not a valid id"),
    ] {
        let path = repo(&format!("tests/data/bad/{file}"));
        let out = run(&["validate", path.to_str().expect("path")]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert!(stderr(&out).contains(fragment), "{file}: {}", stderr(&out));
        assert!(!stderr(&out).contains('\u{202e}'), "the raw override reaches the terminal");
    }
}

#[test]
fn forced_values_are_reported_and_saturated_percentiles_agree_with_the_max() {
    let out = run(&["run", "-n", "20000", "--set", "decisions.pool.need=sqrt(0 - required) + ln(0 - 1)"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("decisions.pool.need (`sqrt(0 - required) + ln(0 - 1)`) was not a number and counted as 0 in 20000 of 20000 trials"),
        "{}",
        stderr(&out)
    );
    let out = run(&["run", "-n", "20000", "--set", "decisions.pool.need=-1e308"]);
    assert!(stderr(&out).contains("(= -1e308) was negative"), "{}", stderr(&out));
    let out = run(&["run", "-n", "20000", "--set", "decisions.pool.need=required / 0", "--format", "json"]);
    assert!(stderr(&out).contains("saturated at 10¹⁵ in 20000 of 20000"), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let need = &v["deployment"]["need_percentiles"];
    for p in ["p5", "p50", "p95"] {
        assert_eq!(need[p].as_f64(), Some(1e15), "{p}: {need}");
    }
    let out = run(&["run", "-n", "20000", "--set", "decisions.request.base=ln(severity - 2)"]);
    assert!(stderr(&out).contains("a rule set under decisions gave a value that is not a number"), "{}", stderr(&out));
    // A plain run forces nothing and says nothing.
    let out = run(&["run", "-n", "20000"]);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}

#[test]
fn yaml_library_advice_does_not_reach_the_user() {
    for file in ["duplicate_key.yaml", "two_yaml_documents.yaml", "alias_bomb.yaml", "too_many_members.yaml"] {
        let path = repo(&format!("tests/data/bad/{file}"));
        let out = run(&["validate", path.to_str().expect("path")]);
        let text = stderr(&out);
        for leak in ["DuplicateKeyPolicy", "from_str_multiple", "budget breached", "unknown member", "1 errors"] {
            assert!(!text.contains(leak), "{file}: {leak} in {text}");
        }
        assert!(text.contains("1 error\n"), "{file}: {text}");
    }
}

#[test]
fn different_overrides_never_share_a_hash() {
    use alliance_sim::scenario::{self, Override, Source};
    let hash = |overrides: &[&str]| {
        let overrides: Vec<Override> = overrides.iter().map(|o| o.parse().expect("override")).collect();
        scenario::load(&Source::Bundled("kazakhstan-2022".into()), &overrides).expect("loads").scenario.hash
    };
    assert_ne!(
        hash(&["description=X", "alliance.name=Y"]),
        hash(&["description=Xalliance.", "name=Y"]),
        "the overrides encode alike"
    );
}

#[test]
fn explain_prints_labels_and_booleans() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(repo("tests/data/minimal.yaml")).expect("read").replace(
        "    severity: {uniform",
        "    framing: {categorical: {terror: 0.5, protest: 0.5}}\n    flag: {bernoulli: 0.5}\n    severity: {uniform",
    );
    let path = dir.path().join("labels.yaml");
    std::fs::write(&path, text).expect("write");
    let path = path.to_str().expect("path");
    let table = stdout_of(&["explain", path, "--trial", "1"]);
    assert!(table.contains("framing = terror") || table.contains("framing = protest"), "{table}");
    assert!(table.contains("flag = true") || table.contains("flag = false"), "{table}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&["explain", path, "--trial", "1", "--format", "json"])).expect("json");
    let vars = json["variables"].as_array().expect("variables");
    assert!(vars.iter().any(|v| v["name"] == "framing" && v["value"].is_string()), "{vars:?}");
    assert!(vars.iter().any(|v| v["name"] == "flag" && v["value"].is_boolean()), "{vars:?}");
}

#[test]
fn sweep_and_sensitivity_refuse_or_skip_what_cannot_be_valid() {
    let out = run(&["sweep", "kazakhstan-2022", "--vary", "alliance.pools.peacekeeping.cap=5000:1000:3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("LO 5000 is above HI 1000"), "{}", stderr(&out));
    let table = stdout_of(&[
        "sensitivity",
        "kazakhstan-2022",
        "-n",
        "2000",
        "--input",
        "decisions.council.support.rules.0.set",
    ]);
    assert!(table.contains("already 1, the top of its range: moved down only"), "{table}");
    assert!(!table.contains("not a probability"), "{table}");
}
