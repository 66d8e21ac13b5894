//! `alliance-sim compare`: scenarios in lockstep on the same trial keys.

use std::process::ExitCode;
use std::time::Instant;

use super::{Failure, emit, interrupt_flag, load_scenario, report_throughput, thread_pool};
use crate::batch::{self, Ending, Flow, Lockstep, Plan};
use crate::cli::CompareArgs;
use crate::output::Target;
use crate::scenario::{Override, Scenario};
use crate::stats::Merge;
use crate::stats::compare;
use crate::stats::paired::Pairing;
use crate::stats::summary::Meta;

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
    let plan = Plan { seed, start: 0, end: trials };
    let (lockstep, interrupted) = run_lockstep(&scenarios, &pairings, plan, args.batch.threads)?;
    let done = lockstep.trials();
    let metas: Vec<_> = scenarios.iter().zip(&overrides_of).map(|(s, o)| Meta::new(s, seed, done, o)).collect();
    if let Some(path) = &args.export_html {
        super::report::write(
            &Target::File(path.clone()),
            &scenarios,
            &lockstep.stats,
            metas.clone(),
            &pairings,
            &lockstep.pairs,
            None,
        )?;
    }
    let comparison = compare::compare(metas, &pairings, &lockstep.pairs);
    emit(&comparison, &args.output).map(|()| super::finished(interrupted))
}

/// Runs scenarios in lockstep over a plan, with a progress bar (on a
/// terminal, for long runs) and Ctrl-C handling, and reports the throughput
/// (scenario-trials per second) on stderr. Interrupted, it keeps the trials
/// that finished — every scenario ran the same first N — and says so; the
/// flag returned is then true.
pub fn run_lockstep(
    scenarios: &[&Scenario],
    pairings: &[Pairing],
    plan: Plan,
    threads: Option<usize>,
) -> Result<(Lockstep, bool), Failure> {
    let pool = thread_pool(threads)?;
    let cancel = interrupt_flag();
    let started = Instant::now();
    let width = scenarios.len() as u64;
    let bar = super::progress_bar((plan.end - plan.start).saturating_mul(width));
    let mut total = Lockstep::default();
    let ending = pool.install(|| {
        batch::drive_in(
            plan,
            batch::lockstep_chunk(scenarios.len()),
            &cancel,
            |start, end| batch::run_range_lockstep(scenarios, pairings, plan.seed, start, end),
            |_, _, part| {
                total.merge(&part);
                if let Some(b) = &bar {
                    b.set_position(total.trials().saturating_mul(width));
                }
                Flow::Continue
            },
        )
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let done = total.trials();
    let interrupted = ending == Ending::Cancelled;
    if interrupted {
        if done == 0 {
            return Err(Failure::failed("interrupted before any trial finished: no results were written"));
        }
        eprintln!(
            "interrupted: every result is for the first {done} of {} trials (the same trials for every scenario \
             and point; none is missing); exit status 1",
            plan.end - plan.start
        );
    }
    report_throughput(done * width, started.elapsed(), pool.current_num_threads());
    Ok((total, interrupted))
}
