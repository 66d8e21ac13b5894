//! `alliance-sim compare`: scenarios in lockstep on the same trial keys.

use std::process::ExitCode;
use std::time::Instant;

use super::run::meta;
use super::{Failure, emit, interrupt_flag, load_scenario, report_throughput, thread_pool};
use crate::batch::{self, Ending, Flow, Lockstep, Plan};
use crate::cli::CompareArgs;
use crate::output::Target;
use crate::scenario::{Override, Scenario};
use crate::stats::Merge;
use crate::stats::compare;
use crate::stats::paired::Pairing;

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
    let mut loaded = Vec::with_capacity(args.scenarios.len());
    let mut overrides_of = Vec::with_capacity(args.scenarios.len());
    for (i, name) in args.scenarios.iter().enumerate() {
        let mut overrides: Vec<Override> = args.overrides.clone();
        overrides.extend(args.overrides_for.iter().filter(|o| o.index == i + 1).map(|o| o.value.clone()));
        loaded.push(load_scenario(name, &overrides)?.scenario);
        overrides_of.push(overrides);
    }
    let scenarios: Vec<&Scenario> = loaded.iter().collect();
    let trials = args.batch.trials.unwrap_or(scenarios[0].run.trials);
    let seed = args.batch.seed.unwrap_or(scenarios[0].run.seed);
    if trials == 0 {
        return Err(Failure::input("--trials must be at least 1"));
    }
    let pairings: Vec<Pairing> = scenarios[1..].iter().map(|b| Pairing::between(scenarios[0], b)).collect();
    let lockstep = run_lockstep(&scenarios, &pairings, Plan { seed, start: 0, end: trials }, args.batch.threads)?;
    let metas: Vec<_> = scenarios.iter().zip(&overrides_of).map(|(s, o)| meta(s, seed, trials, o)).collect();
    if let Some(path) = &args.export_html {
        super::report::write(path, &scenarios, &lockstep.stats, metas.clone(), &pairings, &lockstep.pairs, None)?;
    }
    let comparison = compare::compare(metas, &pairings, &lockstep.pairs);
    emit(&comparison, &args.output).map(|()| ExitCode::SUCCESS)
}

/// Runs scenarios in lockstep over a plan, with Ctrl-C handling, and reports
/// the throughput (scenario-trials per second) on stderr.
pub fn run_lockstep(
    scenarios: &[&Scenario],
    pairings: &[Pairing],
    plan: Plan,
    threads: Option<usize>,
) -> Result<Lockstep, Failure> {
    let pool = thread_pool(threads)?;
    let cancel = interrupt_flag();
    let started = Instant::now();
    let mut total = Lockstep::default();
    let ending = pool.install(|| {
        batch::drive(
            plan,
            &cancel,
            |start, end| batch::run_range_lockstep(scenarios, pairings, plan.seed, start, end),
            |_, _, part| {
                total.merge(&part);
                Flow::Continue
            },
        )
    });
    if ending == Ending::Cancelled {
        return Err(Failure::failed("interrupted: no results were written"));
    }
    report_throughput((plan.end - plan.start) * scenarios.len() as u64, started.elapsed(), pool.current_num_threads());
    Ok(total)
}
