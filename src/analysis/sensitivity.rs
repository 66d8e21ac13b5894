//! One-at-a-time sensitivity: each numeric input moved down and up by a
//! fraction, every variant in lockstep with the base on common random
//! numbers, ranked by the metric's swing (a tornado).

use super::{AnalysisError, Monitor, Point};
use crate::batch::Plan;
use crate::scenario::{self, Override, Scenario, Source};
use crate::stats::paired::{Difference, Kind, Pairing};
use crate::stats::sensitivity::{self as tornado, InputLine, Move, SENSITIVITY_SCHEMA_VERSION, Sensitivity};
use crate::stats::summary::Meta;
use crate::suggest::suggest;

/// Where the inputs moved by default live.
const DEFAULT_INPUTS: [&str; 4] = ["members.", "crisis.", "decisions.", "alliance.pools."];

/// A sensitivity analysis to run.
#[derive(Debug, Clone)]
pub struct SensitivityPlan {
    /// The base scenario.
    pub source: Source,
    /// Overrides applied to the base and every variant.
    pub overrides: Vec<Override>,
    /// The paired measure whose change is shown (e.g. `deploy`, `deployed`).
    pub metric: String,
    /// Each input moves to (1 − f) and (1 + f) times its value; 0 < f < 1.
    pub fraction: f64,
    /// The `--set` paths to move; empty for every nonzero number of the
    /// members, crisis, decisions and pools.
    pub inputs: Vec<String>,
    /// Trials per point.
    pub trials: u64,
    /// The seed (default: the scenario's).
    pub seed: Option<u64>,
}

/// Runs the analysis on the current rayon pool.
pub fn sensitivity(plan: &SensitivityPlan, mut monitor: Monitor<'_>) -> Result<Sensitivity, AnalysisError> {
    if !(plan.fraction > 0.0 && plan.fraction < 1.0) {
        return Err(AnalysisError::Plan(format!(
            "--fraction {}: expected a number between 0 and 1, e.g. 0.1",
            plan.fraction
        )));
    }
    let trials = super::at_least_one(plan.trials)?;
    let prepared = scenario::Prepared::read(&plan.source);
    let loaded = prepared.load(&plan.overrides)?;
    for w in &loaded.warnings {
        monitor.warn(&w.to_string());
    }
    let base = loaded.scenario;
    let numbers = scenario::numeric_inputs(&plan.source, &plan.overrides)?;
    let inputs = choose_inputs(&numbers, &plan.inputs)?;
    let metric_kind = metric_kind(&base, &plan.metric)?;
    let seed = plan.seed.unwrap_or(base.run.seed);
    let factors = [1.0 - plan.fraction, 1.0 + plan.fraction];
    // Each input's two moves, in order: the moved value and the variant's
    // effect on the metric (paired with the base), or why it is invalid.
    let mut moves: Vec<Move> = Vec::with_capacity(2 * inputs.len());
    let mut base_value = f64::NAN;
    let build = |i: usize, _: &mut Monitor<'_>| {
        let (path, value) = &inputs[i / 2];
        Ok(match moved(plan, &prepared, path, *value, factors[i % 2]) {
            Ok((input, variant)) => {
                moves
                    .push(Move { input, effect: Err(format!("{} is not defined in the moved scenario", plan.metric)) });
                // Each variant paired with the base on the metric alone.
                let mut pairing = Pairing::between(&base, &variant);
                pairing.measures.retain(|m| m.name() == plan.metric);
                Some(Point { scenario: variant, pairing: Some(pairing) })
            }
            Err((input, why)) => {
                moves.push(Move { input, effect: Err(why) });
                None
            }
        })
    };
    let mut effects: Vec<(usize, Difference)> = Vec::new();
    super::run_points(
        Some(&base),
        2 * inputs.len(),
        build,
        Plan { seed, start: 0, end: trials },
        &mut monitor,
        |i, _, _, pair| {
            if let Some(sums) = pair.as_ref().and_then(|p| p.sums.first()) {
                effects.push((i, sums.difference()));
            }
        },
    )?;
    for (i, difference) in effects {
        if base_value.is_nan() {
            base_value = difference.a;
        }
        moves[i].effect = Ok(difference);
    }
    // Two moves an input, in the inputs' order.
    let mut moves = moves.into_iter();
    let mut lines: Vec<InputLine> = Vec::with_capacity(inputs.len());
    for (path, value) in &inputs {
        let (Some(low), Some(high)) = (moves.next(), moves.next()) else { break };
        lines.push(InputLine {
            path: path.clone(),
            base: *value,
            swing: (high.delta() - low.delta()).abs(),
            low,
            high,
        });
    }
    tornado::rank(&mut lines);
    Ok(Sensitivity {
        schema_version: SENSITIVITY_SCHEMA_VERSION,
        meta: Meta::new(&base, seed, trials, &plan.overrides),
        metric: plan.metric.clone(),
        metric_kind,
        base_value,
        fraction: plan.fraction,
        inputs: lines,
    })
}

/// The scenario with one input moved by `factor`, and the value it moved
/// to; or that value and why the moved scenario is invalid. A probability
/// near 1 moves up to 1, not past it; one at 1 moves down only. Neither is
/// tried past the valid range.
fn moved(
    plan: &SensitivityPlan,
    prepared: &scenario::Prepared,
    path: &str,
    value: f64,
    factor: f64,
) -> Result<(f64, Scenario), (f64, String)> {
    let load = |moved: f64| {
        let mut overrides = plan.overrides.clone();
        overrides.push(Override::from("--input", path, moved.to_string()));
        prepared.load(&overrides)
    };
    let mut moved = moved_value(value, factor);
    let mut loaded = load(moved);
    if loaded.is_err() && value <= 1.0 && moved > 1.0 {
        if value == 1.0 {
            return Err((moved, "already 1, the top of its range: moved down only".to_string()));
        }
        moved = 1.0;
        loaded = load(moved);
    }
    match loaded {
        Ok(loaded) => Ok((moved, loaded.scenario)),
        Err(e) => Err((moved, first_line(&e.to_string()))),
    }
}

/// The inputs asked for, or every number in the default places (zeros,
/// which a fraction cannot move, left out).
fn choose_inputs(numbers: &[(String, f64)], asked: &[String]) -> Result<Vec<(String, f64)>, AnalysisError> {
    super::each_path_once("--input", asked.iter().map(String::as_str))?;
    if asked.is_empty() {
        return Ok(numbers
            .iter()
            .filter(|(path, value)| *value != 0.0 && DEFAULT_INPUTS.iter().any(|p| path.starts_with(p)))
            .cloned()
            .collect());
    }
    asked
        .iter()
        .map(|path| {
            numbers.iter().find(|(p, _)| p == path).cloned().ok_or_else(|| {
                let hint = suggest(path, numbers.iter().map(|(p, _)| p.as_str()))
                    .map(|s| format!(" (did you mean '{s}'?)"))
                    .unwrap_or_default();
                AnalysisError::Plan(format!("--input {path}: no number at that path in the scenario{hint}"))
            })
        })
        .collect()
}

/// `value × factor`, kept whole when the value is a whole number of 10 or
/// more (caps, pledges, personnel).
fn moved_value(value: f64, factor: f64) -> f64 {
    let moved = value * factor;
    if value.fract() == 0.0 && value.abs() >= 10.0 { moved.round() } else { (moved * 1e12).round() / 1e12 }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim_start_matches("error: ").to_string()
}

/// How the metric reads, or an error listing the metrics there are.
fn metric_kind(base: &Scenario, name: &str) -> Result<Kind, AnalysisError> {
    let measures = Pairing::between(base, base).measures;
    measures.iter().find(|m| m.name() == name).map(|m| m.kind).ok_or_else(|| {
        let names: Vec<String> = measures.iter().map(|m| m.name()).collect();
        AnalysisError::Plan(format!("--metric {name}: unknown; expected one of {}", names.join(", ")))
    })
}
