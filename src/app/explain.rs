//! `alliance-sim explain`: one trial of a batch as a story.

use std::process::ExitCode;

use super::{Failure, emit, load_scenario};
use crate::cli::ExplainArgs;
use crate::explain::{self, Condition, Search};

/// Tells a trial.
pub fn run(args: &ExplainArgs) -> Result<ExitCode, Failure> {
    super::check_targets(&args.output, &[])?;
    let s = load_scenario(&args.scenario, &args.overrides)?.scenario;
    let seed = args.seed.unwrap_or(s.run.seed);
    let trial = match &args.find {
        None => args.trial,
        Some(text) => {
            let condition = Condition::compile(&s, text).map_err(|e| Failure::input(e.to_string()))?;
            match explain::find(&s, seed, args.trial, args.search_limit, &condition, &super::interrupt_flag()) {
                Search::Found(i) => {
                    eprintln!("trial {i} is the first from {} that meets: {text}", args.trial);
                    i
                }
                Search::Stopped(i) => {
                    return Err(Failure::failed(format!(
                        "interrupted: no trial in {}..{i} (seed {seed}) meets: {text}",
                        args.trial
                    )));
                }
                Search::Missing => {
                    return Err(Failure::failed(format!(
                        "no trial in {}..{} (seed {seed}) meets: {text}",
                        args.trial,
                        args.trial.saturating_add(args.search_limit)
                    )));
                }
            }
        }
    };
    let story = explain::explain(&s, seed, trial);
    emit(&story, &args.output).map(|()| ExitCode::SUCCESS)
}
