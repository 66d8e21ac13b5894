//! Sweeps: one row per point, on common random numbers.

use crate::stdout_of;

#[test]
fn a_sweep_of_the_request_probability_is_monotone_and_matches_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json_path = dir.path().join("sweep.json");
    let csv_path = dir.path().join("sweep.csv");
    stdout_of(&[
        "sweep",
        "tests/data/closed_form.yaml",
        "--vary",
        "decisions.request=0.1:0.9:9",
        "-n",
        "40000",
        "--export-json",
        json_path.to_str().expect("path"),
        "--export-csv",
        csv_path.to_str().expect("path"),
    ]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("read")).expect("json");
    let points = json["points"].as_array().expect("points");
    assert_eq!(points.len(), 9);
    let mut last = -1.0;
    for (i, p) in points.iter().enumerate() {
        let expected = 0.1 + 0.1 * i as f64;
        // Typed in JSON: a number, not its text.
        assert_eq!(p["values"][0].as_f64(), Some((expected * 10.0).round() / 10.0));
        let request = &p["funnel"]["request"];
        let got = request["p"].as_f64().expect("p");
        let se = (expected * (1.0 - expected) / 40_000.0).sqrt();
        assert!((got - expected).abs() < 5.0 * se, "point {i}: {got} vs {expected}");
        // On common random numbers the request draw is the same uniform at
        // every point, so the estimate cannot go down as the probability rises.
        assert!(got >= last, "not monotone at point {i}");
        last = got;
    }
    // The CSV holds the same numbers.
    let mut reader = csv::Reader::from_path(&csv_path).expect("csv");
    let headers = reader.headers().expect("headers").clone();
    assert_eq!(&headers[1], "decisions.request");
    for record in reader.records() {
        let record = record.expect("record");
        if &record[2] == "p_request" {
            let i: usize = record[0].parse::<usize>().expect("point") - 1;
            let p: f64 = record[3].parse().expect("value");
            assert_eq!(p, points[i]["funnel"]["request"]["p"].as_f64().expect("p"));
        }
    }
}

#[test]
fn a_grid_has_one_row_per_combination() {
    let text = stdout_of(&[
        "sweep",
        "kazakhstan-2022",
        "--vary",
        "alliance.pools.peacekeeping.cap=2000,3600,5000",
        "--vary",
        "members.armenia.status=active,frozen",
        "-n",
        "2000",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    let values: Vec<String> =
        json["points"].as_array().expect("points").iter().map(|p| p["values"].to_string()).collect();
    assert_eq!(
        values,
        [
            r#"[2000.0,"active"]"#,
            r#"[2000.0,"frozen"]"#,
            r#"[3600.0,"active"]"#,
            r#"[3600.0,"frozen"]"#,
            r#"[5000.0,"active"]"#,
            r#"[5000.0,"frozen"]"#
        ]
    );
}

#[test]
fn a_bad_vary_is_bad_input() {
    for (vary, message) in [
        ("decisions.request=0.1:0.9:x", "STEPS is not a whole number"),
        ("decisions.request", "is not PATH=VALUE"),
        ("decisions.requst=0.1,0.2", "requst"),
        ("decisions.request=1.5,0.2", "decisions.request"),
    ] {
        let out = crate::sim().args(["sweep", "kazakhstan-2022", "--vary", vary, "-n", "100"]).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{vary}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{vary}: expected {message:?} in {stderr}");
    }
}
