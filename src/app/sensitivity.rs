//! `alliance-sim sensitivity`: each numeric input moved down and up, all
//! variants in lockstep with the base on common random numbers.

use std::process::ExitCode;

use super::{Failure, emit, watched};
use crate::analysis::{self, MorrisPlan, SensitivityPlan, SobolPlan};
use crate::cli::{Method, SensitivityArgs};
use crate::report::sensitivity::Tornado;
use crate::scenario::Source;
use crate::stats::sensitivity::Sensitivity;

/// Runs a sensitivity analysis.
pub fn run(args: &SensitivityArgs) -> Result<ExitCode, Failure> {
    super::check_targets(&args.output, &[])?;
    match args.method {
        Method::Sobol => return sobol(args),
        Method::Morris => return morris(args),
        Method::Oat => {}
    }
    if let Some(v) = args.vary.first() {
        return Err(Failure::input(format!("error: --vary {}: ranges are for --method sobol or morris", v.path)));
    }
    let plan = SensitivityPlan {
        source: Source::resolve(&args.scenario),
        overrides: args.overrides.clone(),
        metric: args.metric.clone(),
        fraction: args.fraction,
        inputs: args.inputs.clone(),
        trials: args.trials.unwrap_or(20_000),
        seed: args.seed,
    };
    let result = analyse(&plan, args.threads)?;
    emit(&Tornado { result: &result, top: args.top }, &args.output).map(|()| ExitCode::SUCCESS)
}

/// Runs the analysis from the terminal (also for `report --sensitivity`).
pub fn analyse(plan: &SensitivityPlan, threads: Option<usize>) -> Result<Sensitivity, Failure> {
    Ok(watched(threads, |monitor| analysis::sensitivity(plan, monitor))??)
}

/// Refuses --input with a method that takes ranges.
fn no_inputs(args: &SensitivityArgs, method: &str) -> Result<(), Failure> {
    match args.inputs.first() {
        Some(i) => Err(Failure::input(format!(
            "error: --input {i}: --method {method} takes --vary PATH=LO:HI ranges, not --input"
        ))),
        None => Ok(()),
    }
}

/// Says a design's cost before it runs.
fn announce(points: usize, trials: u64) {
    eprintln!("{points} points × {trials} trials = {} scenario-trials", (points as u64).saturating_mul(trials));
}

/// Runs a Morris screening (`--method morris`), saying its cost first.
fn morris(args: &SensitivityArgs) -> Result<ExitCode, Failure> {
    no_inputs(args, "morris")?;
    let plan = MorrisPlan {
        source: Source::resolve(&args.scenario),
        overrides: args.overrides.clone(),
        metric: args.metric.clone(),
        vary: analysis::vary_or_declared(&Source::resolve(&args.scenario), &args.overrides, &args.vary)?,
        trajectories: args.trajectories,
        levels: args.levels,
        trials: args.trials.unwrap_or(2_000),
        seed: args.seed,
    };
    let points = plan.size()?;
    eprint!("Morris design: r(k + 1) = {} × {} = ", plan.trajectories, plan.vary.len() + 1);
    announce(points, plan.trials);
    let screening = watched(args.threads, |monitor| analysis::morris(&plan, monitor))??;
    emit(&screening, &args.output).map(|()| ExitCode::SUCCESS)
}

/// Runs a Sobol' analysis (`--method sobol`), saying its cost first.
fn sobol(args: &SensitivityArgs) -> Result<ExitCode, Failure> {
    no_inputs(args, "sobol")?;
    let plan = SobolPlan {
        source: Source::resolve(&args.scenario),
        overrides: args.overrides.clone(),
        metric: args.metric.clone(),
        vary: analysis::vary_or_declared(&Source::resolve(&args.scenario), &args.overrides, &args.vary)?,
        samples: args.samples,
        trials: args.trials.unwrap_or(2_000),
        seed: args.seed,
    };
    let points = plan.size()?;
    eprint!("Sobol' design: N(k + 2) = {} × {} = ", plan.samples, plan.vary.len() + 2);
    announce(points, plan.trials);
    let indices = watched(args.threads, |monitor| analysis::sobol(&plan, monitor))??;
    emit(&indices, &args.output).map(|()| ExitCode::SUCCESS)
}
