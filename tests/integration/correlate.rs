//! Correlated crisis variables (`crisis.correlate`, issue #21 item 3): the
//! sample rank correlations match the declared ones within their standard
//! error, each marginal is still its declared distribution (Kolmogorov–
//! Smirnov against closed forms written here), a variable's stream is still
//! its own, and `explain` shows the scores.

use alliance_sim::analysis;
use alliance_sim::batch::{CHUNK, Plan};
use alliance_sim::engine::run_trial;
use alliance_sim::rng::TrialKeys;
use alliance_sim::rules::env::Frame;
use alliance_sim::rules::ruleset::Silent;
use alliance_sim::scenario::model::Scenario;
use alliance_sim::stats::Merge;

use crate::{load, stdout_of};

const TRIALS: usize = 20_000;

/// Each variable's value in trials 0..TRIALS of `seed`, by name.
fn draws(s: &Scenario, seed: u64) -> impl Fn(&str) -> Vec<f64> {
    let mut frame = Frame::new(s.n_slots(), s.members.len());
    let mut keys = TrialKeys::starting_at(seed, 0);
    let mut columns = vec![Vec::with_capacity(TRIALS); s.variables.len()];
    for _ in 0..TRIALS {
        run_trial(s, keys.next_key(), &mut frame, &mut Silent);
        for (slot, column) in columns.iter_mut().enumerate() {
            column.push(frame.vars[slot]);
        }
    }
    let names: Vec<String> = s.variables.iter().map(|v| v.name.clone()).collect();
    move |name| columns[names.iter().position(|n| n == name).expect("variable")].clone()
}

fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    for (rank, &i) in order.iter().enumerate() {
        r[i] = rank as f64;
    }
    r
}

fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let (rx, ry) = (ranks(x), ranks(y));
    let n = x.len() as f64;
    let mean = (n - 1.0) / 2.0;
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mean) * (b - mean)).sum();
    let var: f64 = rx.iter().map(|a| (a - mean).powi(2)).sum();
    cov / var
}

/// Largest gap between the empirical distribution function and `cdf`.
fn ks_distance(x: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let f = cdf(v);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

/// Φ by Abramowitz and Stegun 7.1.26 (|error| < 1.5e-7), independent of
/// the engine's erfc.
fn phi(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 { 0.5 * (1.0 + erf) } else { 0.5 * (1.0 - erf) }
}

/// √n·D below 2.745: P(√n·D > x) ≈ 2e^(−2x²) equals the two-sided 5σ
/// normal tail (5.7e-7) at x = 2.745.
fn assert_marginal(name: &str, x: &[f64], cdf: impl Fn(f64) -> f64) {
    let d = ks_distance(x, cdf);
    let limit = 2.745 / (x.len() as f64).sqrt();
    assert!(d < limit, "{name}: KS distance {d:.4} ≥ {limit:.4}");
}

#[test]
fn sample_rank_correlations_match_the_declared_ones() {
    let s = load("tests/data/correlated.yaml").scenario;
    let of = draws(&s, 11);
    let pairs = [
        ("severity", "required", 0.7),
        ("severity", "delay", 0.3),
        ("severity", "spread", -0.4),
        ("required", "delay", 0.2),
        ("required", "spread", -0.2),
        ("delay", "spread", 0.0),
        ("free", "severity", 0.0),
        ("free", "required", 0.0),
    ];
    for (a, b, target) in pairs {
        let r = spearman(&of(a), &of(b));
        // Bonett and Wright (2000): var(atanh r_s) ≈ (1 + ρ²/2) / (n − 3).
        let se = ((1.0 + target * target / 2.0) / (TRIALS as f64 - 3.0)).sqrt();
        let z = (f64::atanh(r) - f64::atanh(target)) / se;
        assert!(z.abs() < 5.0, "{a} ~ {b}: sample {r:.4} vs {target} ({z:.1}σ)");
    }
}

#[test]
fn marginals_are_the_declared_distributions() {
    let s = load("tests/data/correlated.yaml").scenario;
    let of = draws(&s, 12);
    assert_marginal("severity ~ beta(6, 2)", &of("severity"), |x| {
        let x = x.clamp(0.0, 1.0);
        7.0 * x.powi(6) - 6.0 * x.powi(7)
    });
    assert_marginal("required ~ triangular(1500, 2500, 3500)", &of("required"), |x| {
        let x = x.clamp(1500.0, 3500.0);
        if x <= 2500.0 { (x - 1500.0).powi(2) / 2e6 } else { 1.0 - (3500.0 - x).powi(2) / 2e6 }
    });
    let (lo, hi) = ((-0.8f64 * 0.5).exp(), (-0.8f64 * 3.0).exp());
    assert_marginal("delay ~ exponential(0.8) truncated to [0.5, 3]", &of("delay"), |x| {
        ((lo - (-0.8 * x.clamp(0.5, 3.0)).exp()) / (lo - hi)).clamp(0.0, 1.0)
    });
    assert_marginal("spread ~ normal(10, 2)", &of("spread"), |x| phi((x - 10.0) / 2.0));
    assert_marginal("free ~ uniform(0, 1)", &of("free"), |x| x.clamp(0.0, 1.0));
    // `shifted` is uniform(severity, severity + 1): its parameters are
    // evaluated per trial, so shifted − severity is uniform on [0, 1].
    let gap: Vec<f64> = of("shifted").iter().zip(of("severity")).map(|(a, b)| a - b).collect();
    assert_marginal("shifted − severity ~ uniform(0, 1)", &gap, |x| x.clamp(0.0, 1.0));
    // A KS test that can fail: the wrong closed form is refused.
    let d = ks_distance(&of("severity"), |x| x.clamp(0.0, 1.0));
    assert!(d > 2.745 / (TRIALS as f64).sqrt(), "beta(6, 2) passed as uniform (D = {d})");
}

#[test]
fn a_variable_keeps_its_own_stream() {
    // Declaring another variable before them changes nothing they draw.
    let base = load("tests/data/correlated.yaml").scenario;
    let text = std::fs::read_to_string(crate::repo("tests/data/correlated.yaml")).expect("read");
    let text = text.replace("    severity: {beta", "    first: {uniform: {min: 0, max: 9}}\n    severity: {beta");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(crate::repo("tests/data/closed_form.yaml"), dir.path().join("closed_form.yaml")).expect("copy");
    let path = dir.path().join("correlated.yaml");
    std::fs::write(&path, text).expect("write");
    let extra = match alliance_sim::scenario::load(&alliance_sim::scenario::Source::File(path), &[]) {
        Ok(l) => l.scenario,
        Err(e) => panic!("{e}"),
    };
    let (a, b) = (draws(&base, 5), draws(&extra, 5));
    for name in ["severity", "required", "delay", "spread", "shifted", "free"] {
        assert_eq!(a(name), b(name), "{name} changed when another variable was declared");
    }
}

#[test]
fn explain_shows_each_correlated_variables_scores() {
    let out = stdout_of(&["explain", "what-if/severity-drives-need", "--trial", "3"]);
    assert!(out.contains("Drawn together (crisis.correlate): severity, required."), "{out}");
    assert!(out.contains("· required: own score"), "{out}");
    let json = stdout_of(&["explain", "what-if/severity-drives-need", "--trial", "3", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let steps = v["correlated"].as_array().expect("correlated steps");
    assert_eq!(steps.len(), 2);
    // severity is first in the matrix: its mixed score is its own score.
    assert_eq!(steps[0]["own_score"], steps[0]["mixed_score"]);
    let p = steps[1]["percentile"].as_f64().expect("percentile");
    assert!((0.0..=1.0).contains(&p));
    // Uncorrelated scenarios print and export no such step.
    let plain = stdout_of(&["explain", "kazakhstan-2022", "--trial", "3", "--format", "json"]);
    assert!(!plain.contains("correlated"), "{plain}");
}

#[test]
fn correlated_runs_are_identical_for_any_thread_count_and_split() {
    let s = load("scenarios/what-if/severity-drives-need.yaml").scenario;
    let on = |threads: usize, start: u64, end: u64| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        pool.install(|| analysis::run_all(&s, Plan { seed: 9, start, end }))
    };
    let n = 3 * CHUNK + 17;
    let whole = on(1, 0, n);
    assert_eq!(whole, on(2, 0, n));
    let mut split = on(2, 0, CHUNK + 5);
    split.merge(&on(1, CHUNK + 5, n));
    assert_eq!(split, whole);
}
