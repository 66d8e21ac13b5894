//! `alliance-sim bench`: trials per second at 1, 2, … threads, checking
//! that every repetition gives identical statistics.

use std::process::ExitCode;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::{Failure, emit, load_scenario, thread_pool};
use crate::analysis;
use crate::batch::Plan;
use crate::cli::BenchArgs;
use crate::report::Render;
use crate::report::csv::{Rows, field};
use crate::report::doc::{Doc, Style};
use crate::report::json;
use crate::scenario::bundled;

/// One thread count's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Worker threads.
    pub threads: usize,
    /// Trials per second of each timed repetition.
    pub rates: Vec<f64>,
    /// Their median.
    pub median: f64,
    /// Slowest.
    pub min: f64,
    /// Fastest.
    pub max: f64,
    /// Median over the 1-thread median.
    pub speedup: f64,
}

/// Version of the `bench` JSON document.
pub const BENCH_SCHEMA_VERSION: u32 = 1;

/// A benchmark's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bench {
    /// The JSON document's version, as in every document the tool writes.
    pub schema_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// Trials per repetition.
    pub trials: u64,
    /// Timed repetitions per thread count.
    pub repeat: usize,
    /// alliance-sim version.
    pub tool_version: String,
    /// Logical CPUs the machine reports.
    pub cpus: usize,
    /// Whether every repetition at every thread count gave identical statistics.
    pub identical: bool,
    /// Per thread count.
    pub lines: Vec<Line>,
}

/// Runs the benchmark.
pub fn run(args: &BenchArgs) -> Result<ExitCode, Failure> {
    super::check_targets(&args.output, &[])?;
    let name = args.scenario.as_deref().unwrap_or(bundled::DEFAULT);
    let s = load_scenario(name, &[])?.scenario;
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let max_threads = args.max_threads.unwrap_or(cpus).max(1);
    let plan = Plan { seed: s.run.seed, start: 0, end: args.trials };
    let mut reference = None;
    let mut identical = true;
    let mut lines: Vec<Line> = Vec::new();
    for threads in 1..=max_threads {
        let pool = thread_pool(Some(threads))?;
        // Warm-up: caches, page faults, thread start-up.
        let _ = pool.install(|| analysis::run_all(&s, Plan { end: (args.trials / 4).max(1), ..plan }));
        let mut rates = Vec::with_capacity(args.repeat);
        for _ in 0..args.repeat {
            let started = Instant::now();
            let stats = Some(pool.install(|| analysis::run_all(&s, plan)));
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            rates.push(args.trials as f64 / secs);
            match &reference {
                None => reference = stats,
                Some(r) => identical &= stats.as_ref() == Some(r),
            }
        }
        let mut sorted = rates.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        let base = lines.first().map_or(median, |l| l.median);
        eprintln!("{threads} thread(s): median {median:.0} trials/s");
        lines.push(Line {
            threads,
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            speedup: median / base,
            rates,
        });
    }
    let result = Bench {
        schema_version: BENCH_SCHEMA_VERSION,
        scenario: s.name.clone(),
        trials: args.trials,
        repeat: args.repeat,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        cpus,
        identical,
        lines,
    };
    emit(&result, &args.output)?;
    if identical { Ok(ExitCode::SUCCESS) } else { Err(Failure::failed("repetitions gave different statistics")) }
}

impl Render for Bench {
    fn document(&self, style: Style) -> String {
        let mut doc = Doc::new(style);
        doc.title(&format!(
            "Benchmark: {} — {} trials × {} repetitions per thread count ({} CPUs)",
            self.scenario, self.trials, self.repeat, self.cpus
        ));
        let mut t = doc.table(&["threads", "median trials/s", "min", "max", "speed-up"]);
        for l in &self.lines {
            doc.row(
                &mut t,
                vec![
                    l.threads.to_string(),
                    format!("{:.0}", l.median),
                    format!("{:.0}", l.min),
                    format!("{:.0}", l.max),
                    format!("{:.2}×", l.speedup),
                ],
            );
        }
        doc.push(t, 1);
        doc.line(if self.identical {
            "every repetition at every thread count gave identical statistics"
        } else {
            "WARNING: repetitions gave different statistics"
        });
        doc.finish()
    }

    fn json(&self) -> String {
        json::render(self)
    }

    fn csv(&self) -> String {
        let mut rows = Rows::new(&["threads", "repetition", "trials_per_second"]);
        for l in &self.lines {
            for (i, r) in l.rates.iter().enumerate() {
                rows.row([l.threads.to_string(), (i + 1).to_string(), field(*r)]);
            }
        }
        rows.finish()
    }
}
