//! `alliance-sim bench`: trials per second at 1, 2, … threads, checking
//! that every repetition gives identical statistics.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::{Failure, emit, load_scenario, thread_pool};
use crate::analysis;
use crate::batch::Plan;
use crate::cli::BenchArgs;
use crate::profile::StageProfile;
use crate::report::Render;
use crate::report::csv::{Rows, field};
use crate::report::doc::{Doc, Style};
use crate::report::json;
use crate::scenario::Scenario;
use crate::scenario::bundled;
use crate::stats::batch::BatchStats;

/// One thread count's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Worker threads.
    pub threads: usize,
    /// Trials per second of each timed repetition.
    pub rates: Vec<f64>,
    /// Their mean.
    pub mean: f64,
    /// Their standard deviation (n − 1).
    pub sd: f64,
    /// Their median.
    pub median: f64,
    /// Slowest.
    pub min: f64,
    /// Fastest.
    pub max: f64,
    /// Repetitions whose modified z-score (median absolute deviation)
    /// exceeds 3.5 (Iglewicz and Hoaglin): a disturbed repetition.
    pub outliers: usize,
    /// Median over the 1-thread median.
    pub speedup: f64,
}

/// Where and with what a benchmark ran, so two figures can be compared
/// knowingly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// The CPU model (`/proc/cpuinfo`), or "unknown".
    pub cpu: String,
    /// Logical CPUs visible to the process.
    pub cpus: usize,
    /// `release` or `debug`.
    pub profile: String,
    /// The instruction-set level the engine's lane loops ran at
    /// ([`crate::cpu::level`]: `x86-64`, `x86-64-v3` or `x86-64-v4`; empty
    /// in a saved benchmark older than schema 5).
    #[serde(default)]
    pub instruction_set: String,
    /// alliance-sim's version.
    pub tool_version: String,
    /// The git revision built (empty outside a checkout).
    pub git_revision: String,
    /// The 1-, 5- and 15-minute load averages when the run started
    /// (`/proc/loadavg`; empty where unknown).
    pub load_average: Vec<f64>,
}

impl Environment {
    /// This process's environment.
    pub fn here() -> Environment {
        let cpu = read_text("/proc/cpuinfo")
            .and_then(|t| t.lines().find(|l| l.starts_with("model name")).map(|l| l.to_string()))
            .and_then(|l| l.split_once(':').map(|(_, m)| m.trim().to_string()))
            .unwrap_or_else(|| "unknown".into());
        let load_average = read_text("/proc/loadavg")
            .map(|t| t.split_whitespace().take(3).filter_map(|x| x.parse().ok()).collect())
            .unwrap_or_default();
        Environment {
            cpu,
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            profile: if cfg!(debug_assertions) { "debug" } else { "release" }.into(),
            instruction_set: crate::cpu::level().name().into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            git_revision: env!("ALLIANCE_SIM_GIT_REVISION").into(),
            load_average,
        }
    }
}

/// Whether the figures look disturbed, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Noise {
    /// True when a thread count's σ/mean exceeds 5% or a repetition is an
    /// outlier: the machine was probably busy.
    pub noisy: bool,
    /// What was seen, per thread count that was noisy.
    pub reasons: Vec<String>,
}

/// The spread above which a thread count's figures are called noisy.
const NOISY_CV: f64 = 0.05;

impl Line {
    /// The figures of `rates` at `threads` threads (speed-up against `base`,
    /// the one-thread median; this line's own median when it is that one).
    fn of(threads: usize, rates: Vec<f64>, base: Option<f64>) -> Line {
        let mut sorted = rates.clone();
        sorted.sort_by(f64::total_cmp);
        let median = median_of(&sorted);
        let n = rates.len() as f64;
        let mean = rates.iter().sum::<f64>() / n;
        let sd = if rates.len() > 1 {
            (rates.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        let mut deviations: Vec<f64> = rates.iter().map(|r| (r - median).abs()).collect();
        deviations.sort_by(f64::total_cmp);
        let mad = median_of(&deviations);
        let outliers =
            if mad > 0.0 { rates.iter().filter(|r| 0.6745 * (*r - median).abs() / mad > 3.5).count() } else { 0 };
        Line {
            threads,
            mean,
            sd,
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
            outliers,
            speedup: median / base.unwrap_or(median),
            rates,
        }
    }

    /// Why this line's figures look disturbed, if they do.
    fn noise(&self) -> Option<String> {
        let cv = self.sd / self.mean;
        (cv > NOISY_CV || self.outliers > 0).then(|| {
            format!(
                "{} thread(s): σ/mean {:.1}%{}",
                self.threads,
                100.0 * cv,
                if self.outliers > 0 { format!(", {} outlier repetition(s)", self.outliers) } else { String::new() }
            )
        })
    }
}

fn median_of(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}

/// Version of the `bench` JSON document (2: mean, σ, outliers, the
/// environment and the noise verdict; 3: `versus`, a second scenario, and
/// `stages`; 5: `environment.instruction_set`, the level the engine ran
/// at, in place of the build's `target_features`).
pub const BENCH_SCHEMA_VERSION: u32 = 5;

/// The saved versions `--baseline` reads: their `lines[].rates` mean what
/// this version's do.
const BASELINE_VERSIONS: std::ops::RangeInclusive<u64> = 2..=5;

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
    /// Untimed warm-up repetitions per thread count.
    pub warmup: usize,
    /// Where and with what it ran.
    pub environment: Environment,
    /// Whether every repetition at every thread count gave identical statistics.
    pub identical: bool,
    /// Per thread count.
    pub lines: Vec<Line>,
    /// Whether the figures look disturbed.
    pub noise: Noise,
    /// The comparison with a saved earlier run, when one was given.
    pub baseline: Option<Baseline>,
    /// The second scenario timed beside the first, when one was named.
    pub versus: Option<Versus>,
    /// The first scenario's time stage by stage, with `--stages`.
    pub stages: Option<StageProfile>,
}

/// A second scenario timed in alternation with the first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Versus {
    /// Its name.
    pub scenario: String,
    /// Its figures per thread count.
    pub lines: Vec<Line>,
    /// The first scenario's mean speed over this one's, per thread count
    /// ("faster" means the first is faster).
    pub ratios: Vec<Ratio>,
}

/// This run against a saved earlier one, thread count by thread count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// The saved run's file.
    pub file: String,
    /// Its environment, when it recorded one (version 2 documents).
    pub environment: Option<Environment>,
    /// Per thread count both runs measured.
    pub lines: Vec<Ratio>,
}

/// Mean trials per second now over the baseline's, with a 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ratio {
    /// Worker threads.
    pub threads: usize,
    /// mean now / mean then.
    pub ratio: f64,
    /// Lower end of its 95% interval (none with one repetition on a side).
    pub lo: Option<f64>,
    /// Upper end.
    pub hi: Option<f64>,
    /// "faster", "slower" (the interval excludes 1), "no real difference",
    /// or, with no interval, no verdict.
    pub verdict: String,
}

impl Ratio {
    /// The ratio of mean rates `now` over `then` (their [`Line`]s: mean, σ,
    /// repetitions), with a 95% interval from
    /// the log of the ratio: its standard error by the delta method, and
    /// Student's t at Welch–Satterthwaite's degrees of freedom.
    fn of(now: &Line, then: &Line) -> Ratio {
        let relative_variance = |l: &Line| {
            let n = l.rates.len() as f64;
            (n, (l.sd / l.mean).powi(2) / n)
        };
        let ((na, ua), (nb, ub)) = (relative_variance(now), relative_variance(then));
        let (ma, mb) = (now.mean, then.mean);
        let se = (ua + ub).sqrt();
        let df = if ua + ub > 0.0 {
            (ua + ub).powi(2) / (ua * ua / (na - 1.0).max(1.0) + ub * ub / (nb - 1.0).max(1.0))
        } else {
            f64::INFINITY
        };
        let ratio = ma / mb;
        if na < 2.0 || nb < 2.0 {
            let verdict = "no verdict: one repetition gives no interval (--repeat 2 or more on both runs)";
            return Ratio { threads: now.threads, ratio, lo: None, hi: None, verdict: verdict.into() };
        }
        let t = t975(df);
        let (lo, hi) = ((ratio.ln() - t * se).exp(), (ratio.ln() + t * se).exp());
        let verdict = if lo > 1.0 {
            "faster"
        } else if hi < 1.0 {
            "slower"
        } else {
            "no real difference"
        };
        Ratio { threads: now.threads, ratio, lo: Some(lo), hi: Some(hi), verdict: verdict.into() }
    }
}

/// Student's t 97.5% quantile at `df` degrees of freedom (rounded down to
/// a whole number; the normal's 1.96 from 120).
fn t975(df: f64) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        d if d.is_nan() || d < 1.0 => TABLE[0],
        d if d < 31.0 => TABLE[(d.floor() as usize).clamp(1, 30) - 1],
        d if d < 41.0 => 2.021,
        d if d < 61.0 => 2.000,
        d if d < 121.0 => 1.980,
        _ => 1.960,
    }
}

/// A small system file as text (`/proc/cpuinfo`), through the bounded
/// reader (4 MiB).
fn read_text(path: &str) -> Option<String> {
    let bytes = crate::input::read_bounded(std::path::Path::new(path), 4 << 20).ok()?;
    String::from_utf8(bytes).ok()
}

/// The largest saved benchmark read.
const MAX_BASELINE_BYTES: u64 = 16 * 1024 * 1024;

/// A saved `bench --format json`, read and checked before the benchmark
/// runs.
struct Saved {
    file: String,
    environment: Option<Environment>,
    /// Thread count and the rates measured at it.
    lines: Vec<(u64, Vec<f64>)>,
}

/// Reads a saved benchmark of `scenario`, refusing one that cannot be
/// compared: not a benchmark, of another version or scenario, or with a
/// rate that is not a positive number.
fn read_baseline(path: &std::path::Path, scenario: &str) -> Result<Saved, Failure> {
    let file = path.display().to_string();
    let refuse = |why: String| Failure::input(format!("error: --baseline {file}: {why}"));
    let bytes =
        crate::input::read_bounded(path, MAX_BASELINE_BYTES).map_err(|e| refuse(format!("cannot read it: {e}")))?;
    let saved: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| Failure::input(format!("error: --baseline {file}:{}:{}: not JSON: {e}", e.line(), e.column())))?;
    let what = "expected the output of `alliance-sim bench --format json`";
    let version = saved["schema_version"].as_u64().ok_or_else(|| refuse(format!("schema_version: {what}")))?;
    if !BASELINE_VERSIONS.contains(&version) {
        return Err(refuse(format!(
            "schema_version {version}: this version reads saved benchmarks of versions {} to {}",
            BASELINE_VERSIONS.start(),
            BASELINE_VERSIONS.end()
        )));
    }
    let then = saved["scenario"].as_str().ok_or_else(|| refuse(format!("scenario: {what}")))?;
    if then != scenario {
        return Err(refuse(format!("it timed '{then}', not '{scenario}': rates of two scenarios do not compare")));
    }
    let saved_lines = saved["lines"].as_array().ok_or_else(|| refuse(format!("lines: {what}")))?;
    let mut lines = Vec::with_capacity(saved_lines.len());
    for (i, line) in saved_lines.iter().enumerate() {
        let threads = line["threads"]
            .as_u64()
            .filter(|t| *t > 0)
            .ok_or_else(|| refuse(format!("lines[{i}].threads: expected a positive whole number")))?;
        let rates = line["rates"].as_array().ok_or_else(|| refuse(format!("lines[{i}].rates: {what}")))?;
        let rates = rates
            .iter()
            .enumerate()
            .map(|(j, r)| {
                r.as_f64().filter(|x| x.is_finite() && *x > 0.0).ok_or_else(|| {
                    refuse(format!("lines[{i}].rates[{j}] is {r}: expected a positive number of trials per second"))
                })
            })
            .collect::<Result<Vec<f64>, Failure>>()?;
        if rates.is_empty() {
            return Err(refuse(format!("lines[{i}].rates: empty")));
        }
        lines.push((threads, rates));
    }
    let environment = serde_json::from_value(saved["environment"].clone()).ok();
    Ok(Saved { file, environment, lines })
}

/// A saved benchmark against this run's lines.
fn against(saved: Saved, lines: &[Line]) -> Result<Baseline, Failure> {
    let ratios: Vec<Ratio> = lines
        .iter()
        .filter_map(|line| {
            let (_, rates) = saved.lines.iter().find(|(t, _)| *t == line.threads as u64)?;
            Some(Ratio::of(line, &Line::of(line.threads, rates.clone(), None)))
        })
        .collect();
    if ratios.is_empty() {
        return Err(Failure::input(format!(
            "error: --baseline {}: no thread count in common with this run",
            saved.file
        )));
    }
    Ok(Baseline { file: saved.file, environment: saved.environment, lines: ratios })
}

/// Runs the benchmark.
pub fn run(args: &BenchArgs) -> Result<ExitCode, Failure> {
    super::check_targets(&args.output, &[])?;
    let names: Vec<&str> = match args.scenarios.as_slice() {
        [] => vec![bundled::DEFAULT],
        named => named.iter().map(String::as_str).collect(),
    };
    let scenarios =
        names.iter().map(|name| load_scenario(name, &[]).map(|l| l.scenario)).collect::<Result<Vec<_>, _>>()?;
    let saved = match &args.baseline {
        Some(path) => Some(read_baseline(path, &scenarios[0].name)?),
        None => None,
    };
    let environment = Environment::here();
    let max_threads = args.max_threads.unwrap_or(environment.cpus).max(1);
    let mut reference: Vec<Option<BatchStats>> = vec![None; scenarios.len()];
    let mut identical = true;
    let mut lines: Vec<Vec<Line>> = vec![Vec::new(); scenarios.len()];
    for threads in 1..=max_threads {
        let pool = thread_pool(Some(threads))?;
        let batch =
            |s: &Scenario| pool.install(|| analysis::run_all(s, Plan { seed: s.run.seed, start: 0, end: args.trials }));
        // Warm-up: caches, page faults, thread start-up, the CPU's clock.
        for _ in 0..args.warmup {
            scenarios.iter().for_each(|s| drop(batch(s)));
        }
        // Repetitions alternate between the scenarios (A B A B …), so a
        // drift in the machine's speed touches both alike.
        let mut rates = vec![Vec::with_capacity(args.repeat); scenarios.len()];
        for _ in 0..args.repeat {
            for (i, s) in scenarios.iter().enumerate() {
                let started = Instant::now();
                let stats = batch(s);
                let secs = started.elapsed().as_secs_f64().max(1e-9);
                rates[i].push(args.trials as f64 / secs);
                match &reference[i] {
                    None => reference[i] = Some(stats),
                    Some(r) => identical &= &stats == r,
                }
            }
        }
        for (i, rates) in rates.into_iter().enumerate() {
            let line = Line::of(threads, rates, lines[i].first().map(|l| l.median));
            let who = if scenarios.len() > 1 { format!("{}, ", scenarios[i].name) } else { String::new() };
            eprintln!(
                "{who}{threads} thread(s): {:.0} ± {:.0} trials/s (median {:.0})",
                line.mean, line.sd, line.median
            );
            lines[i].push(line);
        }
    }
    let reasons: Vec<String> = lines.iter().flatten().filter_map(Line::noise).collect();
    // The report on stdout says it too: said here only when that report
    // is not on the terminal already (a file, a pipe), not twice.
    if !reasons.is_empty() && !std::io::stdout().is_terminal() {
        eprintln!(
            "warning: the machine was busy ({}): rerun, or judge a change by instruction counts \
             (benches/instructions.sh)",
            reasons.join("; ")
        );
    }
    let mut lines = lines.into_iter();
    let first = lines.next().unwrap_or_default();
    let versus = lines.next().map(|second| Versus {
        scenario: scenarios[1].name.clone(),
        ratios: first.iter().zip(&second).map(|(a, b)| Ratio::of(a, b)).collect(),
        lines: second,
    });
    let stages = args.stages.then(|| {
        let s = &scenarios[0];
        let profile = crate::profile::stages(s, s.run.seed, args.trials);
        eprintln!(
            "stages: {:.0} ns per trial with clocks subtracted, {:.0} ns without clocks",
            profile.stages_ns, profile.plain_ns
        );
        profile
    });
    let baseline = match saved {
        Some(saved) => Some(against(saved, &first)?),
        None => None,
    };
    let result = Bench {
        schema_version: BENCH_SCHEMA_VERSION,
        scenario: scenarios[0].name.clone(),
        trials: args.trials,
        repeat: args.repeat,
        warmup: args.warmup,
        environment,
        identical,
        lines: first,
        noise: Noise { noisy: !reasons.is_empty(), reasons },
        baseline,
        versus,
        stages,
    };
    emit(&result, &args.output)?;
    if identical { Ok(ExitCode::SUCCESS) } else { Err(Failure::failed("repetitions gave different statistics")) }
}

/// A table of figures per thread count.
fn lines_table(doc: &mut Doc, lines: &[Line]) {
    let mut t = doc.table(&["threads", "mean ± σ trials/s", "median", "min", "max", "outliers", "speed-up"]);
    for l in lines {
        doc.row(
            &mut t,
            vec![
                l.threads.to_string(),
                format!("{:.0} ± {:.0}", l.mean, l.sd),
                format!("{:.0}", l.median),
                format!("{:.0}", l.min),
                format!("{:.0}", l.max),
                l.outliers.to_string(),
                format!("{:.2}×", l.speedup),
            ],
        );
    }
    doc.push(t, 1);
}

/// Where a trial's time goes.
fn stages_table(doc: &mut Doc, p: &StageProfile) {
    doc.heading(&format!("Where a trial's time goes (1 thread, {} trials)", p.trials));
    let mut t = doc.table(&["stage", "ns per trial", "share", "trials reaching it", "ns when reached"]);
    for st in &p.stages {
        doc.row(
            &mut t,
            vec![
                st.stage.clone(),
                format!("{:.1}", st.ns_per_trial),
                format!("{:.1}%", 100.0 * st.share),
                format!("{:.1}%", 100.0 * st.reached),
                format!("{:.1}", st.ns_when_reached),
            ],
        );
    }
    doc.push(t, 1);
    doc.line(&format!(
        "The stages add up to {:.0} ns per trial after subtracting {:.1} ns per clock reading; the same trials \
         without clocks took {:.0} ns per trial.",
        p.stages_ns, p.clock_ns, p.plain_ns
    ));
}

/// A table of speed ratios per thread count, headed `what` (e.g. "now / then").
fn ratios_table(doc: &mut Doc, what: &str, ratios: &[Ratio]) {
    let mut t = doc.table(&["threads", what, "95% interval", "verdict"]);
    for r in ratios {
        doc.row(
            &mut t,
            vec![
                r.threads.to_string(),
                format!("{:.3}×", r.ratio),
                match (r.lo, r.hi) {
                    (Some(lo), Some(hi)) => format!("[{lo:.3}, {hi:.3}]"),
                    _ => "none".into(),
                },
                r.verdict.clone(),
            ],
        );
    }
    doc.push(t, 1);
}

impl Render for Bench {
    fn document(&self, style: Style) -> String {
        let mut doc = Doc::new(style);
        let e = &self.environment;
        doc.title(&format!(
            "Benchmark: {} — {} trials × {} repetitions per thread count, after {} warm-up",
            self.scenario, self.trials, self.repeat, self.warmup
        ));
        doc.line(&format!(
            "{} ({} CPUs), {} build [{}], alliance-sim {}{}, load average {}",
            e.cpu,
            e.cpus,
            e.profile,
            e.instruction_set,
            e.tool_version,
            if e.git_revision.is_empty() { String::new() } else { format!(" ({})", e.git_revision) },
            e.load_average.iter().map(|x| format!("{x:.2}")).collect::<Vec<_>>().join(" ")
        ));
        lines_table(&mut doc, &self.lines);
        if let Some(v) = &self.versus {
            doc.heading(&format!("{} (timed in alternation)", v.scenario));
            lines_table(&mut doc, &v.lines);
            doc.heading(&format!("{} against {}", self.scenario, v.scenario));
            ratios_table(&mut doc, "speed ratio", &v.ratios);
        }
        if let Some(p) = &self.stages {
            stages_table(&mut doc, p);
        }
        if self.noise.noisy {
            doc.line(&format!(
                "warning: the machine was busy ({}): rerun, or judge a change by instruction counts \
                 (benches/instructions.sh)",
                self.noise.reasons.join("; ")
            ));
        }
        if let Some(b) = &self.baseline {
            doc.heading(&format!("Against {}", b.file));
            if let Some(then) = &b.environment
                && (then.cpu != e.cpu || then.git_revision != e.git_revision)
            {
                doc.line(&format!(
                    "then: {} ({} CPUs), alliance-sim {} ({}), load average {}",
                    then.cpu,
                    then.cpus,
                    then.tool_version,
                    then.git_revision,
                    then.load_average.iter().map(|x| format!("{x:.2}")).collect::<Vec<_>>().join(" ")
                ));
            }
            ratios_table(&mut doc, "now / then", &b.lines);
        }
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
        let mut rows = Rows::new(&["scenario", "threads", "repetition", "trials_per_second"]);
        let second = self.versus.iter().map(|v| (&v.scenario, &v.lines));
        for (scenario, lines) in std::iter::once((&self.scenario, &self.lines)).chain(second) {
            for l in lines {
                for (i, r) in l.rates.iter().enumerate() {
                    rows.row([scenario.clone(), l.threads.to_string(), (i + 1).to_string(), field(*r)]);
                }
            }
        }
        rows.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{Line, Ratio};

    #[test]
    fn a_ratio_s_interval_is_welch_s_on_the_log_scale() {
        // By hand: means 100 and 50, σ 2 and 1 (2% of each), 3 repetitions:
        // se² = 2 × 0.02²/3, Welch df = 4, t = 2.776, so the interval is
        // 2 × exp(±2.776 × 0.016330) = [1.9115, 2.0926].
        let now = Line::of(1, vec![100.0, 102.0, 98.0], None);
        let then = Line::of(1, vec![50.0, 51.0, 49.0], None);
        let r = Ratio::of(&now, &then);
        assert!((r.ratio - 2.0).abs() < 1e-12);
        let (lo, hi) = (r.lo.expect("lo"), r.hi.expect("hi"));
        assert!((lo - 1.9115).abs() < 2e-4 && (hi - 2.0926).abs() < 2e-4, "{r:?}");
        assert_eq!(r.verdict, "faster");
        assert_eq!(Ratio::of(&then, &then).verdict, "no real difference");
        // One repetition on a side: no interval, no verdict.
        let once = Ratio::of(&now, &Line::of(1, vec![50.0], None));
        assert_eq!((once.lo, once.hi), (None, None));
        assert!(once.verdict.starts_with("no verdict"), "{once:?}");
    }

    #[test]
    fn mean_spread_and_outliers_are_read_as_hyperfine_does() {
        let quiet = Line::of(1, vec![100.0, 101.0, 99.0, 100.0, 100.5], None);
        assert_eq!((quiet.median, quiet.min, quiet.max, quiet.outliers), (100.0, 99.0, 101.0, 0));
        assert!((quiet.mean - 100.1).abs() < 1e-9);
        // σ by hand: deviations −0.1, 0.9, −1.1, −0.1, 0.4 → Σd² = 2.2, /4.
        assert!((quiet.sd - (2.2f64 / 4.0).sqrt()).abs() < 1e-9);
        assert_eq!(quiet.noise(), None);
        let busy = Line::of(2, vec![200.0, 201.0, 199.0, 200.0, 150.0], Some(100.0));
        assert_eq!(busy.outliers, 1, "the 150 is a disturbed repetition");
        assert_eq!(busy.speedup, 2.0);
        assert!(busy.noise().is_some_and(|n| n.contains("1 outlier")));
        let spread = Line::of(1, vec![100.0, 120.0, 90.0, 110.0], None);
        assert!(spread.noise().is_some_and(|n| n.contains("σ/mean")), "a 12% spread is noise");
    }
}
