//! `alliance-sim run`: a batch, its summary on stdout, timing on stderr.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::{Failure, load_scenario, write_stdout};
use crate::batch::{self, Plan};
use crate::cli::RunArgs;
use crate::report;
use crate::scenario::bundled;
use crate::stats::summary::{self, Meta, SCHEMA_VERSION};

/// Runs a batch.
pub fn run(args: &RunArgs) -> Result<ExitCode, Failure> {
    let name = args.scenario.as_deref().unwrap_or(bundled::DEFAULT);
    let loaded = load_scenario(name, &args.overrides)?;
    let s = &loaded.scenario;
    let trials = args.trials.unwrap_or(s.run.trials);
    let seed = args.seed.unwrap_or(s.run.seed);
    if trials == 0 {
        return Err(Failure::input("--trials must be at least 1"));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(|e| Failure::failed(format!("cannot start worker threads: {e}")))?;
    let threads = pool.current_num_threads();
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    // Ctrl-C asks the batch to stop after the current wave. If a handler
    // cannot be installed (one already is), Ctrl-C keeps its default action.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let bar = progress_bar(trials);
    let started = Instant::now();
    let stats = pool.install(|| {
        batch::run(s, Plan { seed, start: 0, end: trials }, &cancel, |done| {
            if let Some(b) = &bar {
                b.set_position(done);
            }
        })
    });
    let elapsed = started.elapsed();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let Some(stats) = stats else {
        return Err(Failure::failed("interrupted: no results were written"));
    };
    let meta = Meta {
        schema_version: SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: s.name.clone(),
        origin: s.origin.clone(),
        scenario_hash: s.hash.clone(),
        seed,
        trials,
        rng: crate::rng::ALGORITHM.to_string(),
        overrides: args.overrides.iter().map(|o| format!("{}={}", o.path, o.value)).collect(),
    };
    let summary = summary::summarise(s, &stats, meta);
    write_stdout(&report::render(&summary, args.format, super::color_stdout()))?;
    let secs = elapsed.as_secs_f64();
    eprintln!("{trials} trials in {secs:.3} s on {threads} threads: {:.0} trials/s", trials as f64 / secs.max(1e-9));
    Ok(ExitCode::SUCCESS)
}

fn progress_bar(trials: u64) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() || trials < 2_000_000 {
        return None;
    }
    let bar = ProgressBar::new(trials);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} trials  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}
