//! `alliance-sim run`: a batch, its summary on stdout (and in any exports),
//! timing on stderr. With `--shard K/M`, a partial result instead.

use std::process::ExitCode;

use super::{Failure, load_scenario, watched};
use crate::analysis::{self, AnalysisError, Compared, RunOptions};
use crate::batch::{Lockstep, Plan};
use crate::cli::RunArgs;
use crate::output::{Sink, Target};
use crate::records::{self, RecordFormat};
use crate::report::json;
use crate::scenario::{Scenario, bundled};
use crate::shard::{PARTIAL_FORMAT, Partial};
use crate::stats::batch::{BatchStats, Watched};
use crate::stats::summary::{self, Meta};

/// Runs a batch.
pub fn run(args: &RunArgs) -> Result<ExitCode, Failure> {
    let name = args.scenario.as_deref().unwrap_or(bundled::DEFAULT);
    let loaded = load_scenario(name, &args.overrides)?;
    let s = &loaded.scenario;
    let trials = match (args.batch.trials, args.precision) {
        (Some(n), _) => n,
        (None, Some(_)) => analysis::PRECISION_MAX_TRIALS,
        (None, None) => s.run.trials,
    };
    let seed = args.batch.seed.unwrap_or(s.run.seed);
    let records_target = args.trials_out.as_ref().map(|t| ("--trials-out", t));
    let html_target = args.export_html.clone().map(Target::File);
    let more: Vec<(&str, &Target)> =
        records_target.into_iter().chain(html_target.as_ref().map(|t| ("--export-html", t))).collect();
    super::check_targets(&args.output, &more)?;
    let Some(shard) = args.shard else {
        let left_out = super::backtest::left_out_for(name, &args.fit, &args.overrides, &args.batch)?;
        let stats = run_whole(s, args, Plan { seed, start: 0, end: trials })?;
        let run_meta = Meta::new(s, seed, stats.trials, &args.overrides);
        if let Some(target) = &html_target {
            let alone = Compared {
                scenarios: vec![s.clone()],
                pairings: Vec::new(),
                lockstep: Lockstep { stats: vec![stats.clone()], pairs: Vec::new() },
                metas: vec![run_meta.clone()],
            };
            super::report::write(target, &alone, None, None, left_out.as_ref())?;
        }
        let summary = summary::Summary { left_out, ..summary::summarise(s, &stats, run_meta) };
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
    let stats = run_one(s, Plan { seed, start, end }, args.batch.threads, RunOptions::default(), "")?;
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

/// Runs the whole plan with precision stopping and per-trial records, as
/// asked, and says whether the precision was reached.
fn run_whole(s: &Scenario, args: &RunArgs, plan: Plan) -> Result<BatchStats, Failure> {
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
    let Some(target) = &args.trials_out else {
        let stats = run_one(s, plan, args.batch.threads, RunOptions { precision, records: None }, "")?;
        say_precision(&stats, precision);
        return Ok(stats);
    };
    let format = match target {
        Target::File(path) => RecordFormat::of_path(&path.to_string_lossy()),
        Target::Stdout => RecordFormat::Csv,
    };
    // The size to expect: 512 and 1,024 trials written as the file will be,
    // the difference per trial (a file's fixed overhead counted once).
    let trials = plan.end - plan.start;
    let size = |n| records::encoded_size(s, plan.seed, n, format).unwrap_or(0) as f64;
    let (half, whole) = (size(512), size(1024));
    let per_trial = (whole - half) / 512.0;
    let kind = if format == RecordFormat::Arrow { "Arrow IPC" } else { "CSV" };
    eprintln!(
        "--trials-out {target}: {kind}, about {} ({per_trial:.0} bytes per trial, {trials} trials)",
        human_bytes(if trials <= 1024 { size(trials) } else { half + per_trial * (trials - 512) as f64 }),
    );
    let mut sink = Sink::create(target)
        .map_err(|e| Failure::input(format!("error: --trials-out {target}: cannot write there: {e}")))?;
    let options = RunOptions { precision, records: Some((format, &mut sink)) };
    let lost = format!("; {target} was not written");
    let stats = run_one(s, plan, args.batch.threads, options, &lost)?;
    sink.commit().map_err(|e| Failure::failed(format!("cannot write {target}: {e}")))?;
    say_precision(&stats, precision);
    Ok(stats)
}

/// Runs a plan of one scenario, watched from the terminal; an interrupted
/// run keeps nothing (`lost` says what else was not written).
pub fn run_one(
    s: &Scenario,
    plan: Plan,
    threads: Option<usize>,
    options: RunOptions<'_>,
    lost: &str,
) -> Result<BatchStats, Failure> {
    let finished = watched(threads, |monitor| analysis::run(s, plan, options, monitor))?.map_err(|e| match e {
        AnalysisError::Records(e) => Failure::failed(format!("cannot write the per-trial records: {e}{lost}")),
        other => other.into(),
    })?;
    if finished.interrupted {
        return Err(Failure::failed(format!("interrupted: no results were printed{lost}")));
    }
    super::warn_forced(s, &finished.value);
    Ok(finished.value)
}

/// Says on stderr whether `--precision` was reached.
fn say_precision(stats: &BatchStats, precision: Option<(Watched, f64)>) {
    let Some((watched, h)) = precision else { return };
    let width = watched.half_width(stats);
    if width <= h {
        eprintln!("precision reached after {} trials: 95% half-width {width:.6} ≤ {h}", stats.trials);
    } else {
        eprintln!(
            "warning: precision not reached: 95% half-width {width:.6} > {h} after {} trials (raise --trials)",
            stats.trials
        );
    }
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
