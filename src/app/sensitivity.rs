//! `alliance-sim sensitivity`: each numeric input moved down and up, all
//! variants in lockstep with the base on common random numbers.

use std::process::ExitCode;

use super::{Failure, emit, keep_interrupted, watched};
use crate::analysis::{self, SensitivityPlan};
use crate::cli::SensitivityArgs;
use crate::report::sensitivity::Tornado;
use crate::scenario::Source;
use crate::stats::sensitivity::Sensitivity;

/// Runs a sensitivity analysis.
pub fn run(args: &SensitivityArgs) -> Result<ExitCode, Failure> {
    super::check_targets(&args.output, &[])?;
    let plan = SensitivityPlan {
        source: Source::resolve(&args.scenario),
        overrides: args.overrides.clone(),
        metric: args.metric.clone(),
        fraction: args.fraction,
        inputs: args.inputs.clone(),
        trials: args.trials,
        seed: args.seed,
    };
    let (result, interrupted) = analyse(&plan, args.threads)?;
    emit(&Tornado { result: &result, top: args.top }, &args.output).map(|()| super::finished(interrupted))
}

/// Runs the analysis from the terminal (also for `report --sensitivity`),
/// and says whether it was interrupted (its figures then cover the trials
/// that finished).
pub fn analyse(plan: &SensitivityPlan, threads: Option<usize>) -> Result<(Sensitivity, bool), Failure> {
    let finished = watched(threads, |monitor| analysis::sensitivity(plan, monitor))??;
    keep_interrupted(finished.interrupted, finished.value.meta.trials, plan.trials)?;
    Ok((finished.value, finished.interrupted))
}
