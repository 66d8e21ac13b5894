//! `alliance-sim run`: a batch, its summary on stdout (and in any exports),
//! timing on stderr. With `--shard K/M`, a partial result instead.

use std::process::ExitCode;

use super::{Failure, emit, execute, load_scenario};
use crate::batch::Plan;
use crate::cli::RunArgs;
use crate::output::Target;
use crate::report::json;
use crate::scenario::{Scenario, bundled};
use crate::shard::{PARTIAL_FORMAT, Partial};
use crate::stats::summary::{self, Meta, SCHEMA_VERSION};

/// Runs a batch.
pub fn run(args: &RunArgs) -> Result<ExitCode, Failure> {
    let name = args.scenario.as_deref().unwrap_or(bundled::DEFAULT);
    let loaded = load_scenario(name, &args.overrides)?;
    let s = &loaded.scenario;
    let trials = args.batch.trials.unwrap_or(s.run.trials);
    let seed = args.batch.seed.unwrap_or(s.run.seed);
    if trials == 0 {
        return Err(Failure::input("--trials must be at least 1"));
    }
    let meta = meta(s, seed, trials, &args.overrides);
    let Some(shard) = args.shard else {
        let stats = execute(s, Plan { seed, start: 0, end: trials }, args.batch.threads)?;
        let summary = summary::summarise(s, &stats, meta);
        return emit(&summary, &args.output).map(|()| ExitCode::SUCCESS);
    };
    let out = &args.output;
    if out.export_json.is_empty() || !out.export_csv.is_empty() || !out.export_markdown.is_empty() {
        return Err(Failure::input(
            "--shard writes a partial result, which only --export-json PATH can hold; merge the parts with \
             `alliance-sim merge` to get tables, CSV or Markdown",
        ));
    }
    let (start, end) = shard.range(trials);
    let stats = execute(s, Plan { seed, start, end }, args.batch.threads)?;
    let partial = Partial {
        format: PARTIAL_FORMAT.to_string(),
        meta,
        shard: shard.index,
        shards: shard.count,
        start,
        end,
        stats,
    };
    let text = json::render(&partial);
    for target in &out.export_json {
        super::write_target(target, &text)?;
    }
    if !out.export_json.contains(&Target::Stdout) {
        eprintln!("shard {}/{}: trials {start}..{end} of {trials}", shard.index, shard.count);
    }
    Ok(ExitCode::SUCCESS)
}

/// The metadata of a run.
pub fn meta(s: &Scenario, seed: u64, trials: u64, overrides: &[crate::scenario::Override]) -> Meta {
    Meta {
        schema_version: SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: s.name.clone(),
        origin: s.origin.clone(),
        scenario_hash: s.hash.clone(),
        seed,
        trials,
        rng: crate::rng::ALGORITHM.to_string(),
        overrides: overrides.iter().map(ToString::to_string).collect(),
    }
}
