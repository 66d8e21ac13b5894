//! `alliance-sim report` and `--export-html`: the HTML report.

use std::process::ExitCode;

use super::{Failure, sensitivity, watched};
use crate::analysis::{self, ComparePlan, Compared, SensitivityPlan, SobolPlan, SpiderPlan};
use crate::cli::{OutputArgs, ReportArgs};
use crate::output::Target;
use crate::report::html::{self, Distributions, Report};
use crate::scenario::Source;
use crate::stats::sensitivity::Sensitivity;
use crate::stats::sobol::SobolIndices;
use crate::stats::spider::Spider;
use crate::stats::summary::{self, LeftOut, Summary};

/// Writes a report.
pub fn run(args: &ReportArgs) -> Result<ExitCode, Failure> {
    super::check_targets(&OutputArgs::none(), &[("--output", &args.output)])?;
    let left_out = super::backtest::left_out_for(&args.scenario, &args.fit, &args.overrides, &args.batch)?;
    let names = std::iter::once(&args.scenario).chain(&args.compare);
    let plan = ComparePlan {
        scenarios: names.map(|name| (Source::resolve(name), args.overrides.clone())).collect(),
        trials: args.batch.trials,
        seed: args.batch.seed,
    };
    let compared = watched(args.batch.threads, |monitor| analysis::compare(&plan, monitor))??;
    let tornado = match &args.sensitivity {
        Some(metric) => {
            let plan = SensitivityPlan {
                source: Source::resolve(&args.scenario),
                overrides: args.overrides.clone(),
                metric: metric.clone(),
                fraction: 0.1,
                inputs: Vec::new(),
                // The trials asked for, per point, as `sensitivity -n` would.
                trials: compared.lockstep.trials(),
                seed: Some(compared.metas[0].seed),
            };
            Some(sensitivity::analyse(&plan, args.batch.threads)?)
        }
        None => None,
    };
    let global = if args.sobol.is_empty() { None } else { Some(global(args, compared.metas[0].seed)?) };
    write(&args.output, &compared, tornado.as_ref(), global.as_ref().map(|(i, s)| (i, s)), left_out.as_ref())?;
    if let Target::File(path) = &args.output {
        eprintln!("report written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The Sobol' indices and the spider chart of `--sobol`'s ranges.
fn global(args: &ReportArgs, seed: u64) -> Result<(SobolIndices, Spider), Failure> {
    let metric = args.sensitivity.clone().unwrap_or_else(|| "deploy".into());
    let source = Source::resolve(&args.scenario);
    let sobol = SobolPlan {
        source: source.clone(),
        overrides: args.overrides.clone(),
        metric: metric.clone(),
        vary: args.sobol.clone(),
        samples: args.sobol_samples,
        trials: args.sobol_trials,
        seed: Some(seed),
    };
    let spider = SpiderPlan {
        source,
        overrides: args.overrides.clone(),
        metric,
        vary: args.sobol.clone(),
        steps: 11,
        trials: args.sobol_trials,
        seed: Some(seed),
    };
    let indices = watched(args.batch.threads, |monitor| analysis::sobol(&sobol, monitor))??;
    let lines = watched(args.batch.threads, |monitor| analysis::spider(&spider, monitor))??;
    Ok((indices, lines))
}

/// Builds and writes the report of scenarios run in lockstep: the first in
/// full, the others beside it (with the paired statistics against it).
pub fn write(
    target: &Target,
    compared: &Compared,
    tornado: Option<&Sensitivity>,
    global: Option<(&SobolIndices, &Spider)>,
    left_out: Option<&LeftOut>,
) -> Result<(), Failure> {
    let mut summaries: Vec<Summary> = compared
        .scenarios
        .iter()
        .zip(&compared.lockstep.stats)
        .zip(&compared.metas)
        .map(|((s, st), m)| summary::summarise(s, st, m.clone()))
        .collect();
    summaries[0].left_out = left_out.cloned();
    let comparison = (compared.scenarios.len() > 1).then(|| compared.comparison());
    let distributions = Distributions::of(&compared.lockstep.stats[0]);
    let report = Report {
        summary: &summaries[0],
        distributions: &distributions,
        comparison: comparison.as_ref().map(|c| (&summaries[1..], c)),
        sensitivity: tornado,
        global,
    };
    super::write_target(target, &html::render(&report))
}
