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
        let d = &top[side]["effect"];
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

/// JSON says a move's effect as the difference itself or `{"invalid":
/// why}`, not as Rust's `{"Ok": …}` / `{"Err": …}` (#34).
#[test]
fn a_move_in_json_is_its_difference_or_why_it_is_invalid() {
    let text = stdout_of(&[
        "sensitivity",
        "tests/data/closed_form.yaml",
        "--metric",
        "deploy",
        "--input",
        "decisions.council.support.rules.0.set",
        "-n",
        "2000",
        "--format",
        "json",
    ]);
    assert!(!text.contains("\"Ok\"") && !text.contains("\"Err\""), "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    let line = &json["inputs"][0];
    assert!(line["low"]["effect"]["diff"].is_number(), "{line}");
    assert!(line["high"]["effect"]["invalid"].as_str().is_some_and(|w| w.contains("moved down only")), "{line}");
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

const PI: &str = "3.141592653589793";

/// `sensitivity --method sobol` over `vary` on the Ishigami scenario.
fn sobol_of(metric: &str, vary: &[String], samples: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["sensitivity", "tests/data/ishigami.yaml", "--method", "sobol", "--metric", metric];
    for v in vary {
        args.extend(["--vary", v.as_str()]);
    }
    args.extend(["--samples", samples, "-n", "1", "--format", "json"]);
    args.extend(extra);
    serde_json::from_str(&stdout_of(&args)).expect("json")
}

/// The Ishigami function's indices are known in closed form (a = 7,
/// b = 0.1; Sobol' and Levitan 1999): each must lie in its bootstrap
/// interval, and the estimate near it.
#[test]
fn sobol_indices_of_the_ishigami_function_match_the_closed_form() {
    let vary: Vec<String> = (1..=3).map(|i| format!("crisis.variables.x{i}=-{PI}:{PI}")).collect();
    let json = sobol_of("ishigami", &vary, "1024", &[]);
    let exact = [(0.3139, 0.5576), (0.4424, 0.4424), (0.0, 0.2437)];
    for (input, (s1, st)) in json["inputs"].as_array().expect("inputs").iter().zip(exact) {
        for (which, truth) in [("first", s1), ("total", st)] {
            let i = &input[which];
            let (v, lo, hi) = (i["value"].as_f64().unwrap(), i["lo"].as_f64().unwrap(), i["hi"].as_f64().unwrap());
            assert!(lo <= truth && truth <= hi, "{} {which}: {truth} outside [{lo}, {hi}]", input["path"]);
            assert!((v - truth).abs() < 0.05, "{} {which}: {v} vs {truth}", input["path"]);
        }
    }
}

/// A linear model's indices are its terms' shares of the variance: for
/// 2·x1 + x2 with x uniform on [0, 1], 0.8 and 0.2, first-order and total
/// alike (no interaction).
#[test]
fn sobol_indices_of_a_linear_outcome_are_its_shares_of_variance() {
    let vary = vec!["crisis.variables.x1=0.0:1.0".to_string(), "crisis.variables.x2=0.0:1.0".to_string()];
    let json = sobol_of("linear", &vary, "512", &[]);
    for (input, share) in json["inputs"].as_array().expect("inputs").iter().zip([0.8, 0.2]) {
        for which in ["first", "total"] {
            let v = input[which]["value"].as_f64().unwrap();
            assert!((v - share).abs() < 0.02, "{} {which}: {v} vs {share}", input["path"]);
        }
    }
}

#[test]
fn sobol_indices_of_a_batch_statistic_are_the_same_for_any_thread_count() {
    let args = |threads: &'static str| {
        stdout_of(&[
            "sensitivity",
            "kazakhstan-2022",
            "--method",
            "sobol",
            "--vary",
            "members.russia.attributes.alignment=0.5:1",
            "--vary",
            "crisis.variables.foreign_backed.bernoulli=0.3:1",
            "--samples",
            "16",
            "-n",
            "500",
            "-j",
            threads,
            "--format",
            "json",
        ])
    };
    let one = args("1");
    assert_eq!(one, args("2"));
    let json: serde_json::Value = serde_json::from_str(&one).expect("json");
    assert_eq!(json["points"].as_array().expect("points").len(), 16 * 4, "N(k + 2) points");
    assert!(json["inner_noise_share"].as_f64().unwrap() > 0.0, "a batch statistic carries inner noise");
}

/// Inputs drawn from distributions: for 2·x1 + x2 with x1 ~ beta(2, 5)
/// (variance 10 / (49·8)) and x2 ~ triangular(0, 0.5, 1) (variance
/// 0.75 / 18), the shares are 4·0.025510 / 0.143707 = 0.7101 and 0.2899.
#[test]
fn sobol_indices_over_distributions_are_their_shares_of_variance() {
    let vary = vec!["crisis.variables.x1=beta:2:5".to_string(), "crisis.variables.x2=triangular:0:0.5:1".to_string()];
    let json = sobol_of("linear", &vary, "1024", &[]);
    let (v1, v2) = (4.0 * 10.0 / (49.0 * 8.0), 0.75 / 18.0);
    let shares = [v1 / (v1 + v2), v2 / (v1 + v2)];
    for (input, share) in json["inputs"].as_array().expect("inputs").iter().zip(shares) {
        for which in ["first", "total"] {
            let v = input[which]["value"].as_f64().unwrap();
            assert!((v - share).abs() < 0.02, "{} {which}: {v} vs {share}", input["path"]);
        }
    }
    assert_eq!(json["inputs"][0]["drawn_from"], "beta(2, 5)");
    // Exactly the variance of the design's outputs: 1024 Sobol' points.
    let variance = json["variance"].as_f64().unwrap();
    assert!((variance - (v1 + v2)).abs() < 0.01 * (v1 + v2), "variance {variance} vs {}", v1 + v2);
}

/// A Latin hypercube over a distribution puts one point in each of its
/// percentile strata: the sample's distribution function is within 1/N of
/// the triangular's closed form everywhere.
#[test]
fn a_sampled_sweep_draws_a_distribution_stratum_by_stratum() {
    let out = stdout_of(&[
        "sweep",
        "tests/data/ishigami.yaml",
        "--vary",
        "crisis.variables.x1=triangular:0:0.25:1",
        "--sample",
        "lhs:200",
        "-n",
        "1",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    let mut x: Vec<f64> =
        json["points"].as_array().expect("points").iter().map(|p| p["values"][0].as_f64().expect("value")).collect();
    x.sort_by(f64::total_cmp);
    let cdf = |v: f64| if v <= 0.25 { v * v / 0.25 } else { 1.0 - (1.0 - v).powi(2) / 0.75 };
    for (i, &v) in x.iter().enumerate() {
        let f = cdf(v);
        assert!(f >= i as f64 / 200.0 - 1e-9 && f <= (i + 1) as f64 / 200.0 + 1e-9, "point {i}: F({v}) = {f}");
    }
}

/// An `uncertain:` block is what `--vary` would say: the same indices,
/// byte for byte.
#[test]
fn declared_uncertain_inputs_equal_the_same_flags() {
    let common = ["--method", "sobol", "--samples", "16", "-n", "300", "--format", "json"];
    let mut declared = vec!["sensitivity", "uncertain/kazakhstan-2022"];
    declared.extend(common);
    let mut flags = vec![
        "sensitivity",
        "uncertain/kazakhstan-2022",
        "--vary",
        "members.russia.attributes.alignment=triangular:0.6:0.95:1",
        "--vary",
        "crisis.variables.foreign_backed.bernoulli=beta:8:2",
        "--vary",
        "alliance.pools.peacekeeping.cap=2000:6000",
    ];
    flags.extend(common);
    let (a, b) = (stdout_of(&declared), stdout_of(&flags));
    assert_eq!(a, b);
    let json: serde_json::Value = serde_json::from_str(&a).expect("json");
    let drawn: Vec<&str> =
        json["inputs"].as_array().unwrap().iter().map(|i| i["drawn_from"].as_str().unwrap()).collect();
    let mut sorted = drawn.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["2000:6000", "beta(8, 2)", "triangular(0.6, 0.95, 1)"]);
}

#[test]
fn sobol_needs_ranges_and_ranges_need_sobol() {
    for (args, says) in [
        (vec!["sensitivity", "kazakhstan-2022", "--method", "sobol"], "--vary"),
        (
            vec!["sensitivity", "kazakhstan-2022", "--method", "sobol", "--vary", "decisions.request.base=0:0.3:4"],
            "PATH=LO:HI",
        ),
        (
            vec!["sensitivity", "kazakhstan-2022", "--method", "sobol", "--vary", "decisions.request.base=normal:0.1"],
            "normal takes 2 parameters",
        ),
        (
            vec!["sensitivity", "kazakhstan-2022", "--method", "sobol", "--vary", "decisions.request.base=gamma:1:2"],
            "unknown distribution 'gamma'",
        ),
        (vec!["sensitivity", "kazakhstan-2022", "--vary", "decisions.request.base=0:0.3"], "--method sobol"),
        (
            vec![
                "sensitivity",
                "kazakhstan-2022",
                "--method",
                "sobol",
                "--vary",
                "decisions.request.base=0:0.3",
                "--metric",
                "nope",
            ],
            "nope",
        ),
    ] {
        let out = sim().args(&args).output().expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says) && !stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// Morris elementary effects of a linear outcome are its coefficients times
/// each range, in every trajectory (σ = 0).
#[test]
fn morris_effects_of_a_linear_outcome_are_its_coefficients() {
    let out = stdout_of(&[
        "sensitivity",
        "tests/data/ishigami.yaml",
        "--method",
        "morris",
        "--metric",
        "linear",
        "--vary",
        "crisis.variables.x1=0.0:1.0",
        "--vary",
        "crisis.variables.x2=0.0:3.0",
        "--trajectories",
        "12",
        "-n",
        "1",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    // 2·x1 + x2: a step of Δ over x1's range of 1 moves it 2Δ; over x2's
    // range of 3, 3Δ.
    for (input, effect) in json["inputs"].as_array().expect("inputs").iter().zip([2.0, 3.0]) {
        let (mu_star, mu, sigma) = (
            input["mu_star"]["value"].as_f64().unwrap(),
            input["mu"].as_f64().unwrap(),
            input["sigma"].as_f64().unwrap(),
        );
        // Outcome values are folded on a fixed-point grid of 2⁻¹⁶ (exact,
        // order-free sums), so an effect is exact to about 1e-5.
        assert!((mu_star - effect).abs() < 1e-4 && (mu - effect).abs() < 1e-4, "{}: {mu_star} {mu}", input["path"]);
        assert!(sigma < 1e-4, "{}: σ {sigma}", input["path"]);
    }
    assert_eq!(json["points"].as_array().expect("points").len(), 12 * 3, "r(k + 1) points");
}
