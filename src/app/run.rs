//! `alliance-sim run`: a batch, its summary on stdout (and in any exports),
//! timing on stderr. With `--shard K/M`, a partial result instead.

use std::process::ExitCode;

use super::{Extras, Failure, execute, load_scenario};
use crate::batch::Plan;
use crate::cli::RunArgs;
use crate::output::{Sink, Target};
use crate::report::json;
use crate::scenario::{Scenario, bundled};
use crate::shard::{PARTIAL_FORMAT, Partial};
use crate::stats::batch::Watched;
use crate::stats::summary::{self, Meta};

/// The most trials `--precision` runs when `--trials` is not given.
pub const PRECISION_MAX_TRIALS: u64 = 10_000_000_000;

/// Runs a batch.
pub fn run(args: &RunArgs) -> Result<ExitCode, Failure> {
    let name = args.scenario.as_deref().unwrap_or(bundled::DEFAULT);
    let loaded = load_scenario(name, &args.overrides)?;
    let s = &loaded.scenario;
    let trials = match (args.batch.trials, args.precision) {
        (Some(n), _) => n,
        (None, Some(_)) => PRECISION_MAX_TRIALS,
        (None, None) => s.run.trials,
    };
    let seed = args.batch.seed.unwrap_or(s.run.seed);
    if trials == 0 {
        return Err(Failure::input("--trials must be at least 1"));
    }
    let records_target = args.trials_out.as_ref().map(|t| ("--trials-out", t));
    let html_target = args.export_html.clone().map(Target::File);
    let more: Vec<(&str, &Target)> =
        records_target.into_iter().chain(html_target.as_ref().map(|t| ("--export-html", t))).collect();
    super::check_targets(&args.output, &more)?;
    let Some(shard) = args.shard else {
        let extras = extras(s, args, seed, trials)?;
        let stats = execute(s, Plan { seed, start: 0, end: trials }, args.batch.threads, extras)?;
        let run_meta = Meta::new(s, seed, stats.trials, &args.overrides);
        if let Some(path) = &args.export_html {
            super::report::write(
                &Target::File(path.clone()),
                &[s],
                std::slice::from_ref(&stats),
                vec![run_meta.clone()],
                &[],
                &[],
                None,
            )?;
        }
        let summary = summary::summarise(s, &stats, run_meta);
        let records_on_stdout = args.trials_out == Some(Target::Stdout);
        return super::emit_beside(&summary, &args.output, records_on_stdout).map(|()| ExitCode::SUCCESS);
    };
    let meta = Meta::new(s, seed, trials, &args.overrides);
    let out = &args.output;
    if out.export_json.is_empty()
        || !out.export_csv.is_empty()
        || !out.export_markdown.is_empty()
        || args.export_html.is_some()
    {
        return Err(Failure::input(
            "--shard writes a partial result, which only --export-json PATH can hold; merge the parts with \
             `alliance-sim merge` to get tables, CSV, Markdown or an HTML report",
        ));
    }
    let (start, end) = shard.range(trials);
    let stats = execute(s, Plan { seed, start, end }, args.batch.threads, Extras::default())?;
    let partial = Partial {
        format: PARTIAL_FORMAT.to_string(),
        meta,
        shard: shard.index,
        shards: shard.count,
        start,
        end,
        stats,
        digest: String::new(),
    }
    .seal();
    let text = json::render(&partial);
    for target in &out.export_json {
        super::write_target(target, &text)?;
    }
    if !out.export_json.contains(&Target::Stdout) {
        eprintln!("shard {}/{}: trials {start}..{end} of {trials}", shard.index, shard.count);
    }
    Ok(ExitCode::SUCCESS)
}

/// Precision stopping and per-trial records, as asked.
fn extras(s: &Scenario, args: &RunArgs, seed: u64, trials: u64) -> Result<Extras, Failure> {
    let precision = match args.precision {
        Some(h) if !(h.is_finite() && h > 0.0) => {
            return Err(Failure::input(format!("--precision {h}: expected a positive half-width, e.g. 0.001")));
        }
        Some(h) => Some((
            Watched::named(s, &args.precision_of).map_err(|e| Failure::input(format!("--precision-of: {e}")))?,
            h,
        )),
        None => None,
    };
    if let Some(target) = &args.trials_out {
        // The size to expect, from 256 trials rendered as the file will be.
        let mut sample = Vec::new();
        let shown = trials.min(256);
        crate::batch::run_range_with(s, seed, 0, shown, |i, frame| crate::records::append(&mut sample, s, i, frame));
        let bytes = sample.len() as f64 / shown.max(1) as f64 * trials as f64;
        eprintln!(
            "--trials-out {target}: about {} ({:.0} bytes per trial, {trials} trials)",
            human_bytes(bytes),
            sample.len() as f64 / shown.max(1) as f64
        );
    }
    let records = match &args.trials_out {
        Some(target) => Some((
            Sink::create(target)
                .map_err(|e| Failure::input(format!("error: --trials-out {target}: cannot write there: {e}")))?,
            target.to_string(),
        )),
        None => None,
    };
    Ok(Extras { precision, records })
}

/// A size in bytes as people read it.
fn human_bytes(bytes: f64) -> String {
    match bytes {
        b if b < 1e6 => format!("{:.0} kB", b / 1e3),
        b if b < 1e9 => format!("{:.0} MB", b / 1e6),
        b if b < 1e12 => format!("{:.1} GB", b / 1e9),
        b => format!("{:.1} TB", b / 1e12),
    }
}
