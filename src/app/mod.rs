//! One module per subcommand; each returns the process exit code.

pub mod backtest;
pub mod bench;
pub mod calibrate;
pub mod compare;
pub mod explain;
pub mod list;
pub mod merge;
pub mod report;
pub mod run;
pub mod sensitivity;
pub mod serve;
pub mod show;
pub mod sweep;
pub mod validate;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::CommandFactory;
use indicatif::{ProgressBar, ProgressStyle};

use crate::analysis::{AnalysisError, Monitor};
use crate::cli::{Cli, Command, OutputArgs};
use crate::output::{self, Target};
use crate::report::{Format, Render};
use crate::scenario::{self, Diagnostic, Loaded, Override, Scenario, Source};
use crate::shard::MergeError;
use crate::stats::batch::BatchStats;

/// Exit code for invalid input or arguments.
pub const EXIT_INPUT: u8 = 2;
/// Exit code for a run that failed.
pub const EXIT_FAILED: u8 = 1;

/// A failure with its exit code.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// What to print (already formatted).
    pub message: String,
}

impl Failure {
    /// Bad input (exit 2).
    pub fn input(message: impl Into<String>) -> Failure {
        Failure { code: EXIT_INPUT, message: message.into() }
    }
    /// A failed run (exit 1).
    pub fn failed(message: impl Into<String>) -> Failure {
        Failure { code: EXIT_FAILED, message: message.into() }
    }

    /// Prints the message to stderr, escaped: it may quote a name or a line
    /// from a file, and an ESC or a NUL in it must not reach the terminal.
    pub fn print(&self) {
        eprintln!("{}", crate::text::escape_for_terminal(&self.printed()));
    }

    /// The message in the one form every error takes: "error: …" (as
    /// clap's and the scenario checker's do), whatever it was built with.
    fn printed(&self) -> String {
        let message = self.message.as_str();
        let head = message.get(..5).unwrap_or("");
        if head.eq_ignore_ascii_case("error") && message[5..].starts_with([':', '[']) {
            format!("error{}", &message[5..])
        } else if message.starts_with("warning") {
            message.to_string()
        } else {
            format!("error: {message}")
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Backtest(args) => backtest::run(&args),
        Command::Calibrate(args) => calibrate::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Sensitivity(args) => sensitivity::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::List => list::run(),
        Command::Show(args) => show::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Completions { shell } => {
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "alliance-sim", &mut text);
            let mut script = String::from_utf8_lossy(&text).into_owned();
            if shell == clap_complete::Shell::Bash {
                // clap_complete spells a hyphenated bin's subcommand states
                // two ways, so no subcommand's options ever complete
                // (clap-rs/clap#6421, open): use the dispatch loop's spelling.
                script = script.replace("alliance__subcmd__sim", "alliance__sim");
            }
            write_stdout(&script).map(|()| ExitCode::SUCCESS)
        }
        Command::Man => man_page().map(|()| ExitCode::SUCCESS),
        Command::Schema => write_stdout(&scenario::schema::json_schema()).map(|()| ExitCode::SUCCESS),
    }
}

/// Whether stderr gets colour (a terminal, and `NO_COLOR` unset).
pub fn color_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether stdout gets colour.
pub fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Prints diagnostics to stderr.
pub fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let mut err = std::io::stderr().lock();
    for d in diagnostics {
        let _ = writeln!(err, "{d}");
    }
}

/// Loads a scenario argument (path or bundled name), printing warnings.
pub fn load_scenario(arg: &str, overrides: &[Override]) -> Result<Loaded, Failure> {
    let loaded = load_quietly(arg, overrides)?;
    print_diagnostics(&loaded.warnings);
    Ok(loaded)
}

/// Loads a scenario argument, leaving its warnings to the caller.
pub fn load_quietly(arg: &str, overrides: &[Override]) -> Result<Loaded, Failure> {
    scenario::load(&Source::resolve(arg), overrides).map_err(|e| Failure::input(e.to_string()))
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::failed(format!("cannot write to stdout: {e}"))),
    }
}

/// Writes a document to a target: stdout, or a file replaced atomically.
pub fn write_target(target: &Target, text: &str) -> Result<(), Failure> {
    match target {
        Target::Stdout => write_stdout(text),
        Target::File(path) => output::write_atomic(path, text.as_bytes())
            .map_err(|e| Failure::failed(format!("cannot write {}: {e}", path.display()))),
    }
}

/// Checks every place a command will write before it starts: each export
/// of `out` and each of `more` (an HTML report, per-trial records) is a
/// regular file or new, in a directory that takes a new file, and at most
/// one of them is stdout. Refuses with exit 2, naming the path.
pub fn check_targets(out: &OutputArgs, more: &[(&str, &Target)]) -> Result<(), Failure> {
    let exports = [
        ("--export-json", &out.export_json),
        ("--export-csv", &out.export_csv),
        ("--export-markdown", &out.export_markdown),
    ];
    let all =
        exports.iter().flat_map(|(flag, targets)| targets.iter().map(move |t| (*flag, t))).chain(more.iter().copied());
    let mut on_stdout: Vec<&str> = Vec::new();
    for (flag, target) in all {
        match target {
            Target::Stdout => on_stdout.push(flag),
            Target::File(path) => output::check_writable(path)
                .map_err(|e| Failure::input(format!("error: {flag} {}: cannot write there: {e}", path.display())))?,
        }
    }
    if on_stdout.len() > 1 {
        return Err(Failure::input(format!(
            "error: {} all ask for stdout ('-'); at most one output can go there",
            on_stdout.join(", ")
        )));
    }
    Ok(())
}

/// Prints a result in the chosen format and writes every export. An export
/// to `-` takes stdout's place. The result reaches stdout before any file is
/// written, so a failing export loses nothing that was computed.
pub fn emit(result: &impl Render, out: &OutputArgs) -> Result<(), Failure> {
    emit_beside(result, out, false)
}

/// As [`emit`]; with `stdout_taken`, stdout already carries another output
/// (per-trial records), so the result goes only to the exports.
pub fn emit_beside(result: &impl Render, out: &OutputArgs, stdout_taken: bool) -> Result<(), Failure> {
    let exports =
        [(Format::Json, &out.export_json), (Format::Csv, &out.export_csv), (Format::Markdown, &out.export_markdown)];
    let export_to_stdout = exports.iter().any(|(_, targets)| targets.contains(&Target::Stdout));
    if !stdout_taken && !export_to_stdout {
        write_stdout(&result.render(out.format, color_stdout()))?;
    }
    // Every export is tried; the failures are reported once, together.
    let mut failures: Vec<Failure> = Vec::new();
    for (format, targets) in exports {
        if targets.is_empty() {
            continue;
        }
        let text = result.render(format, false);
        for target in targets {
            if let Err(e) = write_target(target, &text) {
                failures.push(e);
            }
        }
    }
    match failures.first() {
        None => Ok(()),
        Some(first) => Err(Failure {
            code: first.code,
            message: failures.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("\n"),
        }),
    }
}

/// Stops runs on Ctrl-C or SIGTERM: the handler raises a flag the batch
/// checks between waves. Installed once per process.
pub fn interrupt_flag() -> Arc<AtomicBool> {
    static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
    Arc::clone(FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let handler_flag = Arc::clone(&flag);
        // If a handler cannot be installed, Ctrl-C keeps its default action.
        let _ = ctrlc::set_handler(move || handler_flag.store(true, Ordering::Relaxed));
        flag
    }))
}

/// A rayon pool of `threads` workers; when `None`, `RAYON_NUM_THREADS` if
/// set (held to the same bound as `--threads`), else all cores.
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Failure> {
    let threads = match threads {
        Some(n) => n,
        None => threads_from_env(std::env::var_os("RAYON_NUM_THREADS"))?,
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Failure::failed(format!("cannot start worker threads: {e}")))
}

/// The worker threads `RAYON_NUM_THREADS` asks for (0, all cores, when
/// unset), refused past [`crate::batch::max_threads`] as `--threads` is.
fn threads_from_env(value: Option<std::ffi::OsString>) -> Result<usize, Failure> {
    let Some(value) = value else { return Ok(0) };
    let most = crate::batch::max_threads();
    match value.to_str().and_then(|v| v.trim().parse::<usize>().ok()) {
        Some(n) if n <= most => Ok(n),
        _ => Err(Failure::input(format!(
            "error: RAYON_NUM_THREADS={}: expected a whole number of worker threads from 1 to {most} (0 for all \
             cores), as --threads takes; unset it or use --threads",
            crate::text::escape_for_terminal(&value.to_string_lossy())
        ))),
    }
}

/// Runs an analysis on `threads` workers (all cores when `None`), watched
/// from the terminal: Ctrl-C and SIGTERM stop it at the next wave, a
/// progress bar (with the stage, for analyses that have stages) shows on a
/// terminal for long runs, a long run says on stderr what it will cost
/// even where no bar can show, warnings go to stderr before the trials
/// start, and the throughput (scenario-trials per second) follows on
/// stderr. Every batch-shaped command runs through here.
pub fn watched<T: Send>(threads: Option<usize>, analysis: impl FnOnce(Monitor<'_>) -> T + Send) -> Result<T, Failure> {
    let pool = thread_pool(threads)?;
    let cancel = interrupt_flag();
    let started = Instant::now();
    // The bar is made at the first progress and named by each stage.
    let bar: std::sync::Mutex<(Option<ProgressBar>, String)> = std::sync::Mutex::new((None, String::new()));
    let mut shown = false;
    let mut announced = false;
    let mut done = 0u64;
    let result = pool.install(|| {
        let progress = |now: u64, work: u64| {
            let mut bar = bar.lock().unwrap_or_else(|e| e.into_inner());
            if !shown {
                shown = true;
                bar.0 = progress_bar(work);
                if let Some(b) = &bar.0 {
                    b.set_message(bar.1.clone());
                }
            }
            if let Some(b) = &bar.0 {
                b.set_length(work);
                b.set_position(now);
            }
            let elapsed = started.elapsed();
            let long = (done < COST_SAMPLE && now >= COST_SAMPLE && work > LONG_RUN)
                || (bar.0.is_none() && !announced && is_long(now, work, elapsed));
            if long {
                announced = true;
                // Above the bar, not through it.
                match &bar.0 {
                    Some(b) => b.suspend(|| announce_cost(work, now, elapsed)),
                    None => announce_cost(work, now, elapsed),
                }
            }
            done = now;
        };
        let stage = |name: &str| {
            let mut bar = bar.lock().unwrap_or_else(|e| e.into_inner());
            bar.1 = name.to_string();
            if let Some(b) = &bar.0 {
                b.set_message(name.to_string());
            }
        };
        analysis(Monitor::new(&cancel, progress).on_warning(|w| eprintln!("{w}")).on_stage(stage))
    });
    if let Some(b) = &bar.lock().unwrap_or_else(|e| e.into_inner()).0 {
        b.finish_and_clear();
    }
    if done > 0 {
        let mut gathered = GATHERED.lock().unwrap_or_else(|e| e.into_inner());
        match gathered.as_mut() {
            Some((trials, elapsed, threads)) => {
                *trials += done;
                *elapsed += started.elapsed();
                *threads = pool.current_num_threads();
            }
            None => report_throughput(done, started.elapsed(), pool.current_num_threads()),
        }
    }
    Ok(result)
}

impl From<MergeError> for Failure {
    fn from(e: MergeError) -> Failure {
        Failure::input(e.to_string())
    }
}

impl From<AnalysisError> for Failure {
    fn from(e: AnalysisError) -> Failure {
        match e {
            AnalysisError::Records(e) => Failure::failed(format!("cannot write the per-trial records: {e}")),
            AnalysisError::Interrupted(why) => Failure::failed(why),
            other => Failure::input(other.to_string()),
        }
    }
}

/// Says on stderr how often the engine forced a nonsense value into range
/// (a NaN need, a negative day, …), naming the quantity and its expression.
pub fn warn_forced(s: &Scenario, stats: &BatchStats) {
    for ((path, what), &count) in crate::engine::forced::MEANINGS.iter().zip(&stats.forced) {
        if count == 0 {
            continue;
        }
        let expression = match *path {
            "decisions.pool.need" => match s.need.as_constant() {
                Some(v) => format!(" (= {})", crate::scenario::build::readable(v)),
                None => format!(" (`{}`)", s.need.text()),
            },
            _ => String::new(),
        };
        eprintln!(
            "warning: {path}{expression} {what} in {count} of {} trials ({:.3}%); check the expression",
            stats.trials,
            100.0 * count as f64 / stats.trials.max(1) as f64
        );
    }
}

/// Runs longer than this many trials say what they will cost.
const LONG_RUN: u64 = 1_000_000_000;
/// Trials timed before the cost of a long run is estimated.
const COST_SAMPLE: u64 = 1 << 20;

/// Whether a run `done` trials of `work` into its `elapsed` time will take
/// long enough to be worth a word where no bar shows: after a few seconds
/// of measuring, more than [`LONG_SECONDS`] in all.
fn is_long(done: u64, work: u64, elapsed: Duration) -> bool {
    let secs = elapsed.as_secs_f64();
    done > 0 && secs >= 3.0 && secs * work as f64 / done as f64 > LONG_SECONDS
}

/// Runs expected to take longer than this, in seconds, say so on stderr
/// when no progress bar can show (stderr is not a terminal).
const LONG_SECONDS: f64 = 15.0;

/// Prints the estimated duration of a long run to stderr.
fn announce_cost(trials: u64, done: u64, elapsed: Duration) {
    let rate = done as f64 / elapsed.as_secs_f64().max(1e-9);
    let secs = trials as f64 / rate;
    let human = match secs {
        s if s < 120.0 => format!("{s:.0} seconds"),
        s if s < 7_200.0 => format!("{:.0} minutes", s / 60.0),
        s if s < 172_800.0 => format!("{:.1} hours", s / 3_600.0),
        s if s < 63_072_000.0 => format!("{:.0} days", s / 86_400.0),
        s => format!("{:.3e} years", s / 31_557_600.0),
    };
    eprintln!(
        "{trials} trials at about {rate:.0} trials/s will take about {human}; Ctrl-C stops cleanly (or use --precision or --shard)"
    );
}

/// The throughput of the runs so far, while [`gathering_throughput`] runs.
static GATHERED: std::sync::Mutex<Option<(u64, Duration, usize)>> = std::sync::Mutex::new(None);

/// Runs `f`, whose analyses each run [`watched`], and says their throughput
/// in one line at the end rather than one per analysis (a backtest of
/// eleven cases printed eleven).
pub fn gathering_throughput<T>(f: impl FnOnce() -> T) -> T {
    *GATHERED.lock().unwrap_or_else(|e| e.into_inner()) = Some((0, Duration::ZERO, 0));
    let out = f();
    if let Some((trials, elapsed, threads)) = GATHERED.lock().unwrap_or_else(|e| e.into_inner()).take()
        && trials > 0
    {
        report_throughput(trials, elapsed, threads);
    }
    out
}

/// Prints "N trials in T s on J threads: R trials/s" to stderr.
pub fn report_throughput(trials: u64, elapsed: Duration, threads: usize) {
    let secs = elapsed.as_secs_f64();
    eprintln!("{trials} trials in {secs:.3} s on {threads} threads: {:.0} trials/s", trials as f64 / secs.max(1e-9));
}

/// A progress bar on stderr for runs long enough to want one.
pub fn progress_bar(trials: u64) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() || trials < 2_000_000 {
        return None;
    }
    let bar = ProgressBar::new(trials);
    // Whole trials per second, averaged since the start: analyses report
    // a wave's chunks at once, and indicatif's recent-rate estimate then
    // reads a burst as the speed (a sensitivity opened at "87 M trials/s,
    // eta 1s"). Nothing is shown until a second has been measured.
    let average = |state: &indicatif::ProgressState| {
        let secs = state.elapsed().as_secs_f64();
        (secs >= 1.0 && state.pos() > 0).then(|| state.pos() as f64 / secs)
    };
    let rate = move |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = match average(state) {
            Some(rate) => write!(w, "{rate:.0} trials/s"),
            None => write!(w, "… trials/s"),
        };
    };
    let eta = move |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
        let left = state.len().unwrap_or(0).saturating_sub(state.pos()) as f64;
        let _ = match average(state) {
            Some(rate) => write!(w, "{:#}", indicatif::HumanDuration(Duration::from_secs_f64(left / rate))),
            None => write!(w, "…"),
        };
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} trials  {rate}  eta {eta}  {wide_msg}")
            .map(|style| style.with_key("rate", rate).with_key("eta", eta))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

/// The man page of the tool with a section per subcommand.
fn man_page() -> Result<(), Failure> {
    let command = Cli::command();
    let mut page = Vec::new();
    let render = |cmd: &clap::Command, out: &mut Vec<u8>| clap_mangen::Man::new(cmd.clone()).render(out);
    render(&command, &mut page).map_err(|e| Failure::failed(format!("cannot render the man page: {e}")))?;
    // clap_mangen points at one page per subcommand; this page holds them all.
    let mut text = String::from_utf8_lossy(&page).into_owned();
    for sub in command.get_subcommands() {
        let name = sub.get_name();
        text = text.replace(
            &format!("alliance\\-sim\\-{}(1)", name.replace('-', "\\-")),
            &format!("\\fBalliance\\-sim {name}\\fR (see SUBCOMMAND: {} below)", name.to_uppercase()),
        );
    }
    let text = text.replace("alliance\\-sim\\-help(1)", "\\fBalliance\\-sim help\\fR");
    let mut page = text.into_bytes();
    for sub in command.get_subcommands() {
        let full = sub.clone().bin_name(format!("alliance-sim {}", sub.get_name()));
        let mut section = Vec::new();
        render(&full, &mut section).map_err(|e| Failure::failed(format!("cannot render the man page: {e}")))?;
        // Each subcommand's page without its own title header.
        let text = String::from_utf8_lossy(&section);
        let body = text.lines().skip_while(|l| !l.starts_with(".SH NAME")).collect::<Vec<_>>().join("\n");
        page.extend_from_slice(format!(".SH \"SUBCOMMAND: {}\"\n", sub.get_name().to_uppercase()).as_bytes());
        page.extend_from_slice(body.replace(".SH ", ".SS ").as_bytes());
        page.push(b'\n');
    }
    write_stdout(&unfilled_examples(&String::from_utf8_lossy(&page)))
}

/// The page with each help's "Examples:" lines set without filling (`.nf`
/// … `.fi`): filled, roff ran the commands together and wrapped them
/// mid-command.
fn unfilled_examples(page: &str) -> String {
    let mut out = String::with_capacity(page.len() + 256);
    let mut in_examples = false;
    for line in page.lines() {
        if in_examples && !line.starts_with("  ") {
            out.push_str(".fi\n");
            in_examples = false;
        }
        out.push_str(line);
        out.push('\n');
        if line.starts_with("Example") && line.ends_with(':') {
            out.push_str(".nf\n");
            in_examples = true;
        }
    }
    if in_examples {
        out.push_str(".fi\n");
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_run_is_announced_when_it_will_run_past_fifteen_seconds_and_has_been_measured() {
        use std::time::Duration;
        let s = Duration::from_secs;
        assert!(!super::is_long(100, 1_000, s(1)), "measured for under 3 s");
        assert!(super::is_long(300, 2_000, s(3)), "3 s for 15% of the work: 20 s in all");
        assert!(!super::is_long(500, 1_000, s(3)), "6 s in all");
        assert!(!super::is_long(0, 1_000, s(5)), "nothing done yet");
    }

    #[test]
    fn every_error_is_printed_in_one_form() {
        let printed = |m: &str| super::Failure::input(m).printed();
        assert_eq!(printed("error: --trials: expected"), "error: --trials: expected");
        assert_eq!(printed("Error: no such case"), "error: no such case");
        assert_eq!(printed("interrupted: nothing was written"), "error: interrupted: nothing was written");
        assert_eq!(printed("error[E0001]: a.yaml:1:1"), "error[E0001]: a.yaml:1:1");
    }

    #[test]
    fn rayon_num_threads_is_held_to_the_threads_bound() {
        use std::ffi::OsString;
        assert_eq!(super::threads_from_env(None).ok(), Some(0));
        assert_eq!(super::threads_from_env(Some(OsString::from("3"))).ok(), Some(3));
        for bad in ["100000", "-1", "two", ""] {
            let failure = super::threads_from_env(Some(OsString::from(bad))).expect_err(bad);
            assert_eq!(failure.code, super::EXIT_INPUT);
            assert!(failure.message.contains("RAYON_NUM_THREADS"), "{}", failure.message);
        }
    }
}
