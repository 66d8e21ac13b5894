//! The HTML report: self-contained, one chart per section, and the numbers
//! of the JSON summary.

use std::collections::HashMap;

use crate::stdout_of;

/// `data-key` → `data-value` of every element that carries both.
fn values(html: &str) -> HashMap<String, f64> {
    let mut out = HashMap::new();
    for part in html.split("data-key=\"").skip(1) {
        let Some((key, rest)) = part.split_once('"') else { continue };
        let Some(value) = rest.split_once("data-value=\"").and_then(|(before, v)| (!before.contains('>')).then_some(v))
        else {
            continue;
        };
        let number = value.split('"').next().unwrap_or_default();
        if let Ok(v) = number.parse::<f64>() {
            out.insert(key.to_string(), v);
        }
    }
    out
}

#[test]
fn the_report_holds_the_json_summary_numbers_and_a_chart_per_section() {
    let dir = tempfile::tempdir().expect("tempdir");
    let html_path = dir.path().join("report.html");
    let json = stdout_of(&[
        "run",
        "kazakhstan-2022",
        "-n",
        "50000",
        "-s",
        "3",
        "--format",
        "json",
        "--export-html",
        html_path.to_str().expect("path"),
    ]);
    let summary: serde_json::Value = serde_json::from_str(&json).expect("json");
    let html = std::fs::read_to_string(&html_path).expect("html");
    let v = values(&html);
    for stage in ["request", "invoked", "deploy", "non_military", "refused"] {
        assert_eq!(v[&format!("funnel.{stage}")], summary["funnel"][stage]["p"].as_f64().expect("p"), "{stage}");
    }
    for m in summary["members"].as_array().expect("members") {
        let id = m["id"].as_str().expect("id");
        let key = format!("members.{id}.contributes");
        if m["host"] == true && m["contributes"]["k"] == 0 {
            // The host asks and does not contribute: no 0% bar, a caption instead (#34).
            assert!(!v.contains_key(&key), "{id}: the host drawn as a 0% contributor");
            assert!(html.contains("is the host: it asks for help and does not contribute here."));
            continue;
        }
        assert_eq!(v[&key], m["contributes"]["p"].as_f64().expect("p"), "{id}");
    }
    for t in ["decision", "first_arrival", "full_strength"] {
        assert_eq!(v[&format!("timing.{t}")], summary["timing"][t]["mean"].as_f64().expect("mean"), "{t}");
    }
    for o in summary["outcomes"].as_array().expect("outcomes") {
        let name = o["name"].as_str().expect("name");
        assert_eq!(v[&format!("outcomes.{name}")], o["estimate"]["mean"].as_f64().expect("mean"), "{name}");
    }
    assert_eq!(v["deployment.shortfall"], summary["deployment"]["shortfall"]["mean"].as_f64().expect("mean"));
    // The caps and the observed personnel are marked on the histogram.
    assert!(html.contains("class=\"marker cap\" data-value=\"3600\""));
    // The 20,000 pool's cap lies far beyond every deployment: an arrow at
    // the axis' end.
    assert!(html.contains("class=\"marker beyond cap\" data-value=\"20000\""));
    assert!(html.contains("class=\"marker observed\" data-value=\"2030\""));
    // The histogram's bins count every deploy trial in which troops went.
    let binned: u64 = html
        .split("data-key=\"deployed\"")
        .skip(1)
        .filter_map(|p| p.split("data-count=\"").nth(1)?.split('"').next()?.parse::<u64>().ok())
        .sum();
    let k = |key: &str| summary["funnel"][key]["k"].as_u64().expect("k");
    assert_eq!(binned, k("deploy") - k("deploy_unsent"));
    for section in ["funnel", "deployment", "need", "members", "timing", "outcomes", "rules"] {
        assert_eq!(html.matches(&format!("class=\"chart\" data-section=\"{section}\"")).count(), 1, "{section}");
    }
    // Self-contained: nothing fetched, nothing run.
    for forbidden in ["<script", "<link", "src=\"http", "href=\"http", "url(", "@import"] {
        assert!(!html.contains(forbidden), "the report contains {forbidden}");
    }
}

#[test]
fn a_comparison_report_has_the_side_by_side_and_the_tornado() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.html");
    stdout_of(&[
        "report",
        "kazakhstan-2022",
        "--compare",
        "what-if/armenia-frozen",
        "--sensitivity",
        "deploy",
        "-n",
        "20000",
        "-o",
        path.to_str().expect("path"),
    ]);
    let html = std::fs::read_to_string(&path).expect("html");
    for section in ["compare", "tornado"] {
        assert_eq!(html.matches(&format!("class=\"chart\" data-section=\"{section}\"")).count(), 1, "{section}");
    }
    let v = values(&html);
    // Armenia frozen contributes nothing; the paired difference is there.
    assert!(v.contains_key("diff.deploy.probability"));
    assert!(html.contains("What if: Kazakhstan 2022 with Armenia frozen"));
}

#[test]
fn a_report_with_ranges_draws_the_sobol_indices_and_the_spider_of_the_same_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("global.html");
    let ranges = ["members.russia.attributes.alignment=0.5:1", "crisis.variables.foreign_backed.bernoulli=0.3:1"];
    let mut args = vec!["report", "kazakhstan-2022", "-n", "2000", "-s", "5", "--sobol-samples", "16"];
    args.extend(["--sobol-trials", "300", "-o", out.to_str().expect("utf-8")]);
    for r in ranges {
        args.extend(["--sobol", r]);
    }
    stdout_of(&args);
    let html = std::fs::read_to_string(&out).expect("report");
    assert!(html.contains("data-section=\"sobol\"") && html.contains("data-section=\"spider\""));
    let drawn = values(&html);
    // The bars are `sensitivity --method sobol`'s indices for the same
    // ranges, seed and trials.
    let mut sobol = vec!["sensitivity", "kazakhstan-2022", "--method", "sobol", "--samples", "16", "-n", "300"];
    sobol.extend(["-s", "5", "--format", "json"]);
    for r in ranges {
        sobol.extend(["--vary", r]);
    }
    let json: serde_json::Value = serde_json::from_str(&stdout_of(&sobol)).expect("json");
    for input in json["inputs"].as_array().expect("inputs") {
        let path = input["path"].as_str().expect("path");
        for which in ["first", "total"] {
            assert_eq!(drawn[&format!("{path}.{which}")], input[which]["value"].as_f64().expect("value"), "{path}");
        }
    }
    // A spider point is a run with that value set: Russia's alignment at
    // its range's 30th percentile, 0.65.
    let run = stdout_of(&[
        "run",
        "kazakhstan-2022",
        "-n",
        "300",
        "-s",
        "5",
        "--set",
        "members.russia.attributes.alignment=0.65",
        "--format",
        "json",
    ]);
    let run: serde_json::Value = serde_json::from_str(&run).expect("json");
    assert_eq!(drawn["members.russia.attributes.alignment@0.3"], run["funnel"]["deploy"]["p"].as_f64().expect("p"));
}

/// Every axis of every chart: the tick labels of each `<svg>`, the
/// percentages apart from the plain numbers (a histogram has one of each).
fn axes(html: &str) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    for svg in html.split("<svg").skip(1) {
        let svg = svg.split("</svg>").next().unwrap_or_default();
        let labels: Vec<&str> = svg
            .split("class=\"tick\"")
            .skip(1)
            .filter_map(|t| t.split_once('>').and_then(|(_, rest)| rest.split('<').next()))
            .collect();
        for percent in [false, true] {
            let axis: Vec<f64> = labels
                .iter()
                .filter(|l| l.ends_with('%') == percent)
                .filter_map(|l| l.trim_end_matches('%').replace([',', '+'], "").parse::<f64>().ok())
                .collect();
            if !axis.is_empty() {
                out.push(axis);
            }
        }
    }
    out
}

/// Axes a projector can show (#39): every axis ticked at whole multiples
/// of a 1, 2 or 5 × 10ⁿ step, and the deployment histogram fitted to its
/// data, the 20,000 pool's cap marked beyond its end instead of
/// stretching the axis to 21,000.
#[test]
fn chart_ticks_are_round_and_histograms_fit_their_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("k.html");
    let mut args = vec!["report", "kazakhstan-2022", "-n", "20000", "-s", "3", "--compare", "kyrgyzstan-2010"];
    args.extend(["--sensitivity", "deploy", "-o", out.to_str().expect("utf-8")]);
    stdout_of(&args);
    let html = std::fs::read_to_string(&out).expect("report");
    let axes = axes(&html);
    assert!(axes.len() >= 8, "{axes:?}");
    for axis in &axes {
        if axis.len() < 2 {
            continue;
        }
        let step = axis[1] - axis[0];
        let mantissa = step / 10f64.powf(step.log10().floor());
        assert!([1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-6), "step {step}: {axis:?}");
        for t in axis {
            assert!(((t / step) - (t / step).round()).abs() < 1e-6, "tick {t} is off the step {step}: {axis:?}");
        }
    }
    let deployed =
        html.split("<svg").find(|svg| svg.contains("data-key=\"deployed\"")).expect("the deployment histogram");
    let top = axes_of(deployed);
    assert!(top <= 5000.0, "the axis runs to {top} while every deployment is under 3,600");
    assert!(deployed.contains("marker beyond cap"), "the 20,000 cap is marked beyond the axis");
}

/// The largest plain tick of one chart.
fn axes_of(svg: &str) -> f64 {
    axes(&format!("<svg{}", svg.split("</svg>").next().unwrap_or_default())).into_iter().flatten().fold(0.0, f64::max)
}
