//! `alliance-sim compare`: scenarios in lockstep on the same trial keys.

use std::process::ExitCode;

use super::{Failure, emit, watched};
use crate::analysis::{self, ComparePlan};
use crate::cli::CompareArgs;
use crate::output::Target;
use crate::scenario::{Override, Source};

/// Runs a comparison.
pub fn run(args: &CompareArgs) -> Result<ExitCode, Failure> {
    let html = args.export_html.clone().map(Target::File);
    super::check_targets(&args.output, &html.iter().map(|t| ("--export-html", t)).collect::<Vec<_>>())?;
    if let Some(o) = args.overrides_for.iter().find(|o| o.index > args.scenarios.len()) {
        return Err(Failure::input(format!(
            "--set-for {}:{} names scenario {}, but only {} are compared",
            o.index,
            o.value,
            o.index,
            args.scenarios.len()
        )));
    }
    let scenarios = args
        .scenarios
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut overrides: Vec<Override> = args.overrides.clone();
            overrides.extend(args.overrides_for.iter().filter(|o| o.index == i + 1).map(|o| o.value.clone()));
            (Source::resolve(name), overrides)
        })
        .collect();
    let plan = ComparePlan { scenarios, trials: args.batch.trials, seed: args.batch.seed };
    let compared = &watched(args.batch.threads, |monitor| analysis::compare(&plan, monitor))??;
    if let Some(path) = &args.export_html {
        super::report::write(&Target::File(path.clone()), compared, None, None, None)?;
    }
    emit(&compared.comparison(), &args.output).map(|()| ExitCode::SUCCESS)
}
