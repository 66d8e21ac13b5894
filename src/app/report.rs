//! `alliance-sim report` and `--export-html`: the HTML report.

use std::process::ExitCode;

use super::compare::run_lockstep;
use super::{Failure, load_scenario, sensitivity};
use crate::batch::Plan;
use crate::cli::{OutputArgs, ReportArgs, SensitivityArgs};
use crate::output::Target;
use crate::report::html::{self, Distributions, Report};
use crate::scenario::Scenario;
use crate::stats::batch::BatchStats;
use crate::stats::compare::{self, Comparison};
use crate::stats::paired::{PairStats, Pairing};
use crate::stats::sensitivity::Sensitivity;
use crate::stats::summary::{self, Meta, Summary};

/// Writes a report.
pub fn run(args: &ReportArgs) -> Result<ExitCode, Failure> {
    super::check_targets(&OutputArgs::none(), &[("--output", &args.output)])?;
    let mut scenarios: Vec<Scenario> = vec![load_scenario(&args.scenario, &args.overrides)?.scenario];
    for other in &args.compare {
        scenarios.push(load_scenario(other, &args.overrides)?.scenario);
    }
    let trials = args.batch.trials.unwrap_or(scenarios[0].run.trials);
    let seed = args.batch.seed.unwrap_or(scenarios[0].run.seed);
    if trials == 0 {
        return Err(Failure::input("--trials must be at least 1"));
    }
    let refs: Vec<&Scenario> = scenarios.iter().collect();
    let pairings: Vec<Pairing> = refs[1..].iter().map(|b| Pairing::between(refs[0], b)).collect();
    let (lockstep, interrupted) =
        run_lockstep(&refs, &pairings, Plan { seed, start: 0, end: trials }, args.batch.threads)?;
    if interrupted {
        return Err(Failure::failed(format!("interrupted: {} was not written", args.output)));
    }
    let metas: Vec<Meta> = refs.iter().map(|s| Meta::new(s, seed, trials, &args.overrides)).collect();
    let tornado = match &args.sensitivity {
        Some(metric) => {
            let (result, interrupted) = sensitivity::analyse(&SensitivityArgs {
                scenario: args.scenario.clone(),
                metric: metric.clone(),
                fraction: 0.1,
                inputs: Vec::new(),
                top: 12,
                // The trials asked for, per point, as `sensitivity -n` would.
                trials,
                seed: Some(seed),
                threads: args.batch.threads,
                output: OutputArgs::none(),
                overrides: args.overrides.clone(),
            })?;
            if interrupted {
                return Err(Failure::failed(format!("interrupted: {} was not written", args.output)));
            }
            Some(result)
        }
        None => None,
    };
    write(&args.output, &refs, &lockstep.stats, metas, &pairings, &lockstep.pairs, tornado.as_ref())?;
    if let Target::File(path) = &args.output {
        eprintln!("report written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds and writes the report of scenarios run in lockstep: the first in
/// full, the others beside it (with the paired statistics against it).
pub fn write(
    target: &Target,
    scenarios: &[&Scenario],
    stats: &[BatchStats],
    metas: Vec<Meta>,
    pairings: &[Pairing],
    pairs: &[PairStats],
    tornado: Option<&Sensitivity>,
) -> Result<(), Failure> {
    let summaries: Vec<Summary> =
        scenarios.iter().zip(stats).zip(&metas).map(|((s, st), m)| summary::summarise(s, st, m.clone())).collect();
    let comparison: Option<Comparison> = (scenarios.len() > 1).then(|| compare::compare(metas, pairings, pairs));
    let distributions = Distributions::of(&stats[0]);
    let report = Report {
        summary: &summaries[0],
        distributions: &distributions,
        comparison: comparison.as_ref().map(|c| (&summaries[1..], c)),
        sensitivity: tornado,
    };
    super::write_target(target, &html::render(&report))
}
