//! Exports, per-trial records, precision stopping and safe writes.

use std::process::Stdio;
use std::time::Duration;

use crate::{sim, stdout_of};

#[test]
fn per_trial_records_add_up_to_the_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let records = dir.path().join("trials.csv");
    let json = stdout_of(&[
        "run",
        "kazakhstan-2022",
        "-n",
        "40000",
        "-s",
        "8",
        "--format",
        "json",
        "--trials-out",
        records.to_str().expect("path"),
    ]);
    let summary: serde_json::Value = serde_json::from_str(&json).expect("json");
    let mut reader = csv::Reader::from_path(&records).expect("csv");
    let headers = reader.headers().expect("headers").clone();
    let russia = headers.iter().position(|h| h == "russia").expect("member column");
    let (mut n, mut deploys, mut sent, mut deployed, mut russia_in) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for (i, record) in reader.records().enumerate() {
        let record = record.expect("record");
        assert_eq!(record[0].parse::<usize>().expect("trial"), i, "rows in trial order");
        n += 1;
        if &record[1] == "deploy" {
            deploys += 1;
            let personnel = record[4].parse::<u64>().expect("deployed");
            deployed += personnel;
            sent += u64::from(personnel > 0);
            russia_in += u64::from(record[russia].parse::<f64>().expect("personnel") > 0.0);
        }
    }
    assert_eq!(n, 40_000);
    assert_eq!(deploys, summary["funnel"]["deploy"]["k"].as_u64().expect("k"));
    let mean = summary["deployment"]["personnel"]["mean"].as_f64().expect("mean");
    // Personnel are described over the deployments in which troops went;
    // the others are counted by name.
    assert!((deployed as f64 / sent as f64 - mean).abs() < 1e-9);
    assert_eq!(deploys - sent, summary["funnel"]["deploy_unsent"]["k"].as_u64().expect("k"));
    let members = summary["members"].as_array().expect("members");
    let russia_line = members.iter().find(|m| m["id"] == "russia").expect("russia");
    assert_eq!(russia_in, russia_line["contributes"]["k"].as_u64().expect("k"));
}

#[test]
fn precision_stopping_is_the_same_for_any_thread_count_and_equals_a_fixed_run() {
    let run = |threads: &str| {
        let out = sim()
            .args(["run", "kazakhstan-2022", "--precision", "0.002", "-j", threads, "--format", "json"])
            .output()
            .expect("run");
        assert!(out.status.success());
        (String::from_utf8(out.stdout).expect("utf-8"), String::from_utf8(out.stderr).expect("utf-8"))
    };
    let (one, stderr) = run("1");
    let (four, _) = run("4");
    assert_eq!(one, four);
    assert!(stderr.contains("precision reached"), "{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&one).expect("json");
    let trials = summary["meta"]["trials"].as_u64().expect("trials");
    let deploy = &summary["funnel"]["deploy"];
    let half = (deploy["hi"].as_f64().expect("hi") - deploy["lo"].as_f64().expect("lo")) / 2.0;
    assert!(half <= 0.002, "half-width {half}");
    assert_eq!(trials % alliance_sim::batch::CHUNK, 0);
    // One chunk fewer would not have been enough: p(1−p)·1.96²/h² trials are needed.
    let p = deploy["p"].as_f64().expect("p");
    let needed = p * (1.0 - p) * (1.96f64 / 0.002).powi(2);
    assert!((trials as f64) >= needed * 0.99 && (trials as f64) < needed + 2.0 * alliance_sim::batch::CHUNK as f64);
    // And it is exactly the run of that many trials.
    let fixed = stdout_of(&["run", "kazakhstan-2022", "-n", &trials.to_string(), "--format", "json"]);
    assert_eq!(one, fixed);
}

#[test]
fn an_interrupted_run_leaves_the_previous_file_and_no_temporary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let records = dir.path().join("big.csv");
    std::fs::write(&records, "previous\n").expect("write");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("alliance-sim"))
        .args(["run", "kazakhstan-2022", "-n", "1000000000", "-j", "1", "--trials-out"])
        .arg(&records)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait until the run is under way (the temporary file exists), then stop it.
    let started = std::time::Instant::now();
    while std::fs::read_dir(dir.path()).expect("dir").count() < 2 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let _ = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("interrupted") && stderr.contains("was not written"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&records).expect("previous file"), "previous\n");
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(left.len(), 1, "temporary files left: {left:?}");
}

#[test]
fn an_export_to_a_missing_directory_is_bad_input_named_before_the_run() {
    let out = sim().args(["run", "-n", "1000", "--export-json", "/nonexistent/dir/x.json"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("trials/s"), "the run did not start");
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/dir/x.json"));
}

#[test]
fn summary_exports_parse_back_to_the_same_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (json_path, csv_path, md_path) = (dir.path().join("s.json"), dir.path().join("s.csv"), dir.path().join("s.md"));
    let stdout = stdout_of(&[
        "run",
        "armenia-2022",
        "-n",
        "20000",
        "--export-json",
        json_path.to_str().expect("path"),
        "--export-csv",
        csv_path.to_str().expect("path"),
        "--export-markdown",
        md_path.to_str().expect("path"),
    ]);
    assert!(stdout.contains("Funnel"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json")).expect("parse");
    let mut reader = csv::Reader::from_path(&csv_path).expect("csv");
    let mut checked = 0;
    for record in reader.records() {
        let record = record.expect("record");
        let from_json = match (&record[0], &record[2]) {
            ("funnel", "probability") => &json["funnel"][&record[1]]["p"],
            ("member", "contributes_given_deploy") => {
                let m =
                    json["members"].as_array().expect("members").iter().find(|m| m["id"] == record[1]).expect("member");
                &m["contributes"]["p"]
            }
            _ => continue,
        };
        if record[3].is_empty() {
            assert!(from_json.is_null());
        } else {
            assert_eq!(record[3].parse::<f64>().expect("value"), from_json.as_f64().expect("number"), "{record:?}");
        }
        checked += 1;
    }
    assert!(checked >= 5 + 6, "checked {checked}");
    let md = std::fs::read_to_string(&md_path).expect("md");
    assert!(md.starts_with("# ") && md.contains("| stage"));
}

#[test]
fn a_report_to_dash_goes_to_stdout_and_export_html_refuses_dash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out =
        sim().current_dir(dir.path()).args(["report", "armenia-2022", "-n", "500", "-o", "-"]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("<!DOCTYPE html>"));
    assert!(!dir.path().join("-").exists(), "no file named '-'");
    let refused = sim()
        .current_dir(dir.path())
        .args(["run", "armenia-2022", "-n", "500", "--export-html", "-"])
        .output()
        .expect("run");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("report SCENARIO -o -"));
    assert!(!dir.path().join("-").exists());
}

#[test]
fn arrow_records_hold_what_the_csv_holds_typed_with_votes_and_crisis_variables() {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int16Type, UInt64Type};
    use arrow_array::{Array, RecordBatch};
    use arrow_schema::DataType;

    let dir = tempfile::tempdir().expect("tempdir");
    let (arrow, csv) = (dir.path().join("t.arrow"), dir.path().join("t.csv"));
    // More than two chunks, so batches must share their dictionaries.
    let n = "40000";
    for path in [&arrow, &csv] {
        stdout_of(&["run", "armenia-2022", "-n", n, "-s", "3", "--trials-out", path.to_str().expect("path")]);
    }
    let file = std::fs::File::open(&arrow).expect("arrow file");
    let reader = arrow_ipc::reader::FileReader::try_new(file, None).expect("an Arrow IPC file");
    let schema = reader.schema();
    let batches: Vec<RecordBatch> = reader.map(|b| b.expect("batch")).collect();
    let batch = arrow_select_concat(&schema, &batches);
    let mut rows = csv::Reader::from_path(&csv).expect("csv");
    let header: Vec<String> = rows.headers().expect("header").iter().map(str::to_string).collect();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(names, header, "the same columns in both formats");
    for needed in ["crisis.severity", "russia.vote", "russia.contributes"] {
        assert!(names.iter().any(|n| n == needed), "{needed} is a column");
    }
    let records: Vec<csv::StringRecord> = rows.records().map(|r| r.expect("row")).collect();
    assert_eq!(records.len(), batch.num_rows());
    // Every cell, as text, equals the CSV's (null ↔ empty).
    for (c, field) in schema.fields().iter().enumerate() {
        let column = batch.column(c);
        for (r, record) in records.iter().enumerate() {
            let text = if column.is_null(r) {
                String::new()
            } else {
                match field.data_type() {
                    DataType::UInt64 => column.as_primitive::<UInt64Type>().value(r).to_string(),
                    DataType::Float64 => column.as_primitive::<Float64Type>().value(r).to_string(),
                    DataType::Boolean => column.as_boolean().value(r).to_string(),
                    DataType::Dictionary(..) => {
                        let d = column.as_dictionary::<Int16Type>();
                        let key = d.keys().value(r) as usize;
                        d.values().as_string::<i32>().value(key).to_string()
                    }
                    other => panic!("unexpected column type {other}"),
                }
            };
            assert_eq!(text, record[c], "row {r}, column {}", field.name());
        }
    }
}

/// The batches of a file as one (the columns concatenated).
fn arrow_select_concat(
    schema: &arrow_schema::SchemaRef,
    batches: &[arrow_array::RecordBatch],
) -> arrow_array::RecordBatch {
    arrow_select::concat::concat_batches(schema, batches).expect("concatenate")
}

#[test]
fn a_string_valued_crisis_variable_keeps_one_dictionary_across_an_arrow_file() {
    // Not categorical, so its labels are the scenario's interned strings;
    // with labels in first-seen order, chunks disagreed and the file failed.
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = dir.path().join("leader.yaml");
    std::fs::write(
        &scenario,
        "extends: kazakhstan-2022\ncrisis:\n  variables:\n    leader: 'if severity > 0.7 then \"russia\" else \"belarus\"'\n",
    )
    .expect("write");
    let arrow = dir.path().join("t.arrow");
    let (s, a) = (scenario.to_str().expect("path"), arrow.to_str().expect("path"));
    stdout_of(&["run", s, "-n", "100000", "-s", "1", "--trials-out", a]);
    let reader = arrow_ipc::reader::FileReader::try_new(std::fs::File::open(&arrow).expect("file"), None).expect("ipc");
    let rows: usize = reader.map(|b| b.expect("batch").num_rows()).sum();
    assert_eq!(rows, 100_000);
}
