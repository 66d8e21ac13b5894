//! `alliance-sim sweep`: a grid of overrides, all points in lockstep.

use std::process::ExitCode;

use super::{Failure, emit, watched};
use crate::analysis::{self, SweepPlan};
use crate::cli::SweepArgs;
use crate::scenario::Source;

/// Runs a sweep.
pub fn run(args: &SweepArgs) -> Result<ExitCode, Failure> {
    super::check_targets(&args.output, &[])?;
    let plan = SweepPlan {
        source: Source::resolve(&args.scenario),
        overrides: args.overrides.clone(),
        vary: match args.sample {
            Some(_) => analysis::vary_or_declared(&Source::resolve(&args.scenario), &args.overrides, &args.vary)?,
            None => args.vary.clone(),
        },
        trials: args.batch.trials,
        seed: args.batch.seed,
        sample: args.sample,
    };
    let sweep = watched(args.batch.threads, |monitor| analysis::sweep(&plan, monitor))??;
    emit(&sweep, &args.output).map(|()| ExitCode::SUCCESS)
}
