//! `alliance-sim sensitivity`: each numeric input moved down and up, all
//! variants in lockstep with the base on common random numbers.

use std::process::ExitCode;

use super::compare::run_lockstep;
use super::{Failure, emit, load_quietly, load_scenario};
use crate::batch::Plan;
use crate::cli::SensitivityArgs;
use crate::report::sensitivity::Tornado;
use crate::scenario::{self, Override, Scenario, Source};
use crate::stats::paired::{Kind, PairSums, Pairing};
use crate::stats::sensitivity::{self, InputLine, Move, SENSITIVITY_SCHEMA_VERSION, Sensitivity};
use crate::stats::summary::Meta;

/// One move of an input: its value and the variant's index, or its value
/// and why the moved scenario is invalid.
type Side = Result<(f64, usize), (f64, String)>;

/// Where the inputs moved by default live.
const DEFAULT_INPUTS: [&str; 4] = ["members.", "crisis.", "decisions.", "alliance.pools."];

/// Runs a sensitivity analysis.
pub fn run(args: &SensitivityArgs) -> Result<ExitCode, Failure> {
    super::check_targets(&args.output, &[])?;
    let (result, interrupted) = analyse(args)?;
    emit(&Tornado { result: &result, top: args.top }, &args.output).map(|()| super::finished(interrupted))
}

/// The analysis itself (also drawn by `report --sensitivity`), and whether
/// it was interrupted (its figures then cover the trials that finished).
pub fn analyse(args: &SensitivityArgs) -> Result<(Sensitivity, bool), Failure> {
    if !(args.fraction > 0.0 && args.fraction < 1.0) {
        return Err(Failure::input(format!(
            "--fraction {}: expected a number between 0 and 1, e.g. 0.1",
            args.fraction
        )));
    }
    if args.trials == 0 {
        return Err(Failure::input("--trials must be at least 1"));
    }
    let base = load_scenario(&args.scenario, &args.overrides)?.scenario;
    let numbers = scenario::numeric_inputs(&Source::resolve(&args.scenario), &args.overrides)
        .map_err(|e| Failure::input(e.to_string()))?;
    let inputs = choose_inputs(&numbers, &args.inputs)?;
    let metric_kind = metric_kind(&base, &args.metric)?;
    let mut variants: Vec<Scenario> = Vec::new();
    let mut moves: Vec<[Side; 2]> = Vec::new();
    for (path, value) in &inputs {
        let sides = [1.0 - args.fraction, 1.0 + args.fraction].map(|factor| {
            let load = |moved: f64| {
                let mut overrides = args.overrides.clone();
                overrides.push(Override { path: path.clone(), value: moved.to_string() });
                load_quietly(&args.scenario, &overrides)
            };
            let mut moved = moved_value(*value, factor);
            let mut loaded = load(moved);
            // A probability near 1 moves up to 1, not past it; one at 1
            // moves down only. Neither is tried past the valid range.
            if loaded.is_err() && *value <= 1.0 && moved > 1.0 {
                if *value == 1.0 {
                    return Err((moved, "already 1, the top of its range: moved down only".to_string()));
                }
                moved = 1.0;
                loaded = load(moved);
            }
            match loaded {
                Ok(loaded) => {
                    variants.push(loaded.scenario);
                    Ok((moved, variants.len() - 1))
                }
                Err(e) => Err((moved, first_line(&e.message))),
            }
        });
        moves.push(sides);
    }
    let seed = args.seed.unwrap_or(base.run.seed);
    let mut scenarios: Vec<&Scenario> = vec![&base];
    scenarios.extend(variants.iter());
    // Each variant paired with the base on the metric alone.
    let pairings: Vec<Pairing> = variants
        .iter()
        .map(|v| {
            let mut pairing = Pairing::between(&base, v);
            pairing.measures.retain(|m| m.name() == args.metric);
            pairing
        })
        .collect();
    let (lockstep, interrupted) =
        run_lockstep(&scenarios, &pairings, Plan { seed, start: 0, end: args.trials }, args.threads)?;
    let effect = |side: &Side| match side {
        Ok((moved, i)) => Move {
            input: *moved,
            effect: lockstep.pairs[*i]
                .sums
                .first()
                .map(PairSums::difference)
                .ok_or_else(|| format!("{} is not defined in the moved scenario", args.metric)),
        },
        Err((moved, why)) => Move { input: *moved, effect: Err(why.clone()) },
    };
    let mut lines: Vec<InputLine> = inputs
        .iter()
        .zip(&moves)
        .map(|((path, value), [low, high])| {
            let (low, high) = (effect(low), effect(high));
            InputLine { path: path.clone(), base: *value, swing: (high.delta() - low.delta()).abs(), low, high }
        })
        .collect();
    sensitivity::rank(&mut lines);
    let base_value = lockstep.pairs.first().map_or(f64::NAN, |p| p.sums[0].difference().a);
    let result = Sensitivity {
        schema_version: SENSITIVITY_SCHEMA_VERSION,
        meta: Meta::new(&base, seed, lockstep.trials(), &args.overrides),
        metric: args.metric.clone(),
        metric_kind,
        base_value,
        fraction: args.fraction,
        inputs: lines,
    };
    Ok((result, interrupted))
}

/// The inputs asked for, or every number in the default places (zeros,
/// which a fraction cannot move, left out).
fn choose_inputs(numbers: &[(String, f64)], asked: &[String]) -> Result<Vec<(String, f64)>, Failure> {
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
                let hint = crate::scenario::diagnostic::suggest(path, numbers.iter().map(|(p, _)| p.as_str()))
                    .map(|s| format!(" (did you mean '{s}'?)"))
                    .unwrap_or_default();
                Failure::input(format!("--input {path}: no number at that path in the scenario{hint}"))
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

/// How the metric reads, or a message listing the metrics there are.
fn metric_kind(base: &Scenario, name: &str) -> Result<Kind, Failure> {
    let measures = Pairing::between(base, base).measures;
    measures.iter().find(|m| m.name() == name).map(|m| m.kind).ok_or_else(|| {
        let names: Vec<String> = measures.iter().map(|m| m.name()).collect();
        Failure::input(format!("--metric {name}: unknown; expected one of {}", names.join(", ")))
    })
}
