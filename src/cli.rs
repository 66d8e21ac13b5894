//! The command line (clap derive only; behaviour lives in `app`).

use clap::{Args, Parser, Subcommand};

use std::path::PathBuf;

use crate::analysis::{FitParameter, Sample, Vary};
use crate::output::Target;
use crate::report::Format;
use crate::scenario::Override;
use crate::shard::Shard;

/// Monte Carlo simulator of how a military alliance answers a crisis.
#[derive(Debug, Parser)]
#[command(name = "alliance-sim", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "\
Examples:
  alliance-sim run                                   # Kazakhstan 2022, bundled
  alliance-sim run kyrgyzstan-2010 --trials 1000000 --seed 7
  alliance-sim run scenarios/armenia-2022.yaml --format json > armenia.json
  alliance-sim validate scenarios/*.yaml
  alliance-sim list";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a batch of trials and print the summary.
    #[command(after_help = "\
Examples:
  alliance-sim run
  alliance-sim run kazakhstan-2022 --trials 1000000 --threads 2
  alliance-sim run my-crisis.yaml --seed 42 --format json
  alliance-sim run kazakhstan-2022 \\
      --set members.russia.attributes.alignment=0.5
  alliance-sim run armenia-2022 --export-csv armenia.csv \\
      --export-markdown armenia.md
  alliance-sim run kazakhstan-2022 -n 10000000 --shard 2/4 \\
      --export-json part-2.json
  alliance-sim run kyrgyzstan-2010 --fit-file scenarios/base/csto.fit

Results go to stdout and are byte-identical for any --threads; timing and
trials per second go to stderr. A case with history is checked against it
in sample (the base was fitted to it); --fit-file adds the case left out
of that fit and at onset, beside the class frequencies (a refit of every
case first: what `backtest --fit-file` costs).")]
    Run(RunArgs),
    /// Check scenario files and print a summary of each, or its errors.
    #[command(after_help = "\
Examples:
  alliance-sim validate scenarios/*.yaml
  alliance-sim validate my-crisis.yaml

Exit status 0 when every file is valid, 2 when any has an error.")]
    Validate(ValidateArgs),
    /// Compare scenarios on common random numbers: paired differences and flips.
    #[command(after_help = "\
Examples:
  alliance-sim compare kazakhstan-2022 what-if/russia-committed-elsewhere
  alliance-sim compare kazakhstan-2022 kazakhstan-2022 \\
      --set-for 2:alliance.pools.peacekeeping.cap=5000
  alliance-sim compare armenia-2022 kyrgyzstan-2010 -n 200000 \\
      --export-csv diff.csv

Every scenario runs on the same seed and trial indices, and each decision is
drawn from a sub-stream keyed by its meaning, so a decision both scenarios
share sees the same random numbers. Differences (scenario − baseline) come
with paired 95% intervals, narrower than independent runs would give; the
unpaired standard error is shown beside the paired one.")]
    Compare(CompareArgs),
    /// Run a scenario at every point of a grid or a sampling design.
    #[command(after_help = "\
Examples:
  alliance-sim sweep kazakhstan-2022 \\
      --vary members.russia.attributes.alignment=0.3:0.95:8
  alliance-sim sweep kazakhstan-2022 \\
      --vary alliance.pools.peacekeeping.cap=2000,3600,5000
  alliance-sim sweep armenia-2022 --vary decisions.request=0.2:1:5 \\
      --vary members.russia.status=active,frozen --export-csv grid.csv
  alliance-sim sweep kazakhstan-2022 --sample lhs:64 \\
      --vary members.russia.attributes.alignment=0.5:1 \\
      --vary alliance.pools.peacekeeping.cap=2000:6000 --export-csv lhs.csv

One row per point (several --vary make a grid; the last varies fastest).
Every point runs on the same seed and trial indices, so differences between
rows come from the varied value, not from sampling noise in unrelated draws.

--sample draws N points from ranges (--vary PATH=LO:HI) instead of a grid,
which explodes past three paths: lhs:N, a Latin hypercube (each range in N
strata, each used once), or sobol:N, a scrambled Sobol' sequence (even
coverage of every pair of paths). A range written in whole numbers (a cap,
a pledge: 2000:6000) draws whole numbers; write 2000.0:6000.0 for any
number. A path may be drawn from a distribution instead (PATH=beta:8:2,
PATH=normal:3600:500: each stratum is a percentile band). Without --vary,
--sample uses the scenario's `uncertain:` block. The design is seeded by
--seed; its rows are ready for a regression or PRIM.")]
    Sweep(SweepArgs),
    /// Rank the inputs by their effect on a metric and draw the tornado.
    #[command(after_help = "\
Examples:
  alliance-sim sensitivity kazakhstan-2022 --metric deploy
  alliance-sim sensitivity kazakhstan-2022 --metric deployed \\
      --fraction 0.2 --top 10
  alliance-sim sensitivity armenia-2022 --metric refused \\
      --input decisions.request.base \\
      --input members.russia.attributes.alignment --format json
  alliance-sim sensitivity kazakhstan-2022 --method sobol \\
      --vary members.russia.attributes.alignment=0.5:1 \\
      --vary crisis.variables.foreign_backed.bernoulli=0.3:1 \\
      --vary alliance.pools.peacekeeping.cap=2000:6000 --samples 64
  alliance-sim sensitivity kazakhstan-2022 --method morris \\
      --vary members.russia.attributes.alignment=0.5:1 \\
      --vary members.belarus.attributes.alignment=0.5:1 \\
      --vary decisions.request.rules.survival.add=0.3:0.9 \\
      --vary decisions.council.block.base=0.0:0.2 --trajectories 10
  alliance-sim sensitivity uncertain/kazakhstan-2022 --method sobol \\
      --samples 64

Each input (member attributes, pledges and lead times, crisis variable
parameters, decision constants, pool caps) is moved to (1 − f) and (1 + f)
times its value, one at a time, on common random numbers; a probability
moves up to 1 at most (one already at 1 moves down only), and any other move
that would make the scenario invalid is reported as not moved. The
tornado's bars show the metric's change; ░ is the input moved down, █ up.

--method sobol sees interactions one-at-a-time moves cannot: each --vary
range is sampled by Saltelli's design (a scrambled Sobol' sequence, N(k + 2)
points, all on common random numbers) and the metric's variance is split
into first-order indices S (a parameter alone) and total indices ST (with
its interactions), with 95% bootstrap intervals. The cost, N(k + 2) points
times --trials, is printed first; an index smaller than the inner Monte
Carlo noise is flagged, not ranked. --format json holds the design and its
outputs, for SALib or a regression. A parameter may be drawn from a
distribution instead of a range (members.russia.attributes.alignment=
triangular:0.6:0.95:1); a scenario may declare its parameters under
`uncertain:`, used when no --vary is given.

--method morris screens many parameters cheaply: --trajectories r random
one-at-a-time paths over a --levels p grid, r(k + 1) points; μ* ranks the
parameters, σ beside it flags non-linearity or interaction.")]
    Sensitivity(SensitivityArgs),
    /// Tell one trial as a story: the draws, the votes and why, the pool, who came when.
    #[command(after_help = "\
Examples:
  alliance-sim explain kazakhstan-2022 --trial 17
  alliance-sim explain kazakhstan-2022 --find 'outcome == \"refused\"'
  alliance-sim explain kazakhstan-2022 \\
      --find 'outcome == \"deploy\" and deployed < 1000' --format json
  alliance-sim explain armenia-2022 --find 'outcome == \"non_military\"' --seed 7

Trial I is exactly trial I of `run` with the same seed: the same draws, the
same outcome. --find evaluates a condition over each trial's results (crisis
variables, outcome, deployed, need, shortfall, days_to_first_arrival,
days_to_full_strength, the outcome metrics) from --trial on, and tells the
first that meets it; exit status 1 if none does within --search-limit.")]
    Explain(ExplainArgs),
    /// Check the model against history: every scenario with an `observed` block.
    #[command(after_help = "\
Examples:
  alliance-sim backtest
  alliance-sim backtest --trials 1000000 --format json
  alliance-sim backtest my-case.yaml
  alliance-sim backtest --fit-file scenarios/base/csto.fit

For each case, every field its `observed:` block records against the
simulation: the probability of the outcome class history chose; where the
observed personnel falls among simulated deployments; the probability of
exactly the observed contributors, and each one's contribution rate; each
recorded time (days to decision, first arrival, full strength) as the
probability of its range and the shares before and after; and the
probability of the whole record at once, the likelihood `calibrate` fits.
Cases where history lies outside the central 90% are flagged. These are
in-sample figures when the scenarios' numbers were fitted to the same cases
(the base's were); beside them stands the class-frequency baseline (each
case's class as often as among the other cases). With --fit or --fit-file,
naming what was fitted, every case is refitted without itself
(leave-one-case-out, as `calibrate` does) and its every recorded field is
shown again at that fit: the out-of-sample figures. And once more at
onset: at that fit, with the crisis variables the scenario marks as known
only after the outcome (`crisis.known: {help_sought: after}`) drawn from
the other cases, each equally likely: the forecast one could have made
when the crisis broke out. The exit status is 0
either way: this is a report, not a test.")]
    Backtest(BacktestArgs),
    /// Fit parameters to the historical cases and score the fit out of sample.
    #[command(after_help = "\
Examples:
  alliance-sim calibrate --fit decisions.request.base=0:0.5 -n 1000 \\
      --max-iterations 30 --no-cross-validation
  alliance-sim calibrate --fit decisions.request.base=0:0.5 \\
      --fit decisions.request.rules.survival.add=0:0.9 -n 1000 \\
      --write fitted.yaml --export-json fit.json
  alliance-sim calibrate kazakhstan-2022 armenia-2022 kyrgyzstan-2010 \\
      --fit decisions.council.block.base=0:0.3 -n 2000

The cases (default: every bundled scenario with an `observed` block) are
fitted together by maximum likelihood: the probability each gives its
whole record at once (the outcome class history chose and every other
field it records: personnel within ±25%, exactly the contributors, each
time within the range its sources allow), estimated from -n trials per
case on common random numbers, so that the estimate moves smoothly with
the parameters. Nelder-Mead searches inside the bounds, starting from the
scenarios' own values. A --fit path names a number as --set does; a rule
by its id. A range in whole numbers (a cap: 2000:6000) searches whole
numbers when the value is whole; write 0.0:5.0 to search fractions.
--fit-file FILE lists PATH=LO:HI lines, for a calibration kept with a
project.

Reported: each fitted value with its 95% profile-likelihood interval; each
case's probability of what happened before and after, and the rank of that
class; leave-one-case-out cross-validation (each case predicted by a fit
that never saw it) and the forecast at onset (that refit, with the
variables marked as known only after the outcome drawn from the other
cases), as log and Brier scores beside two baselines: uniform over the
four classes, and the class frequencies of the other cases. A fit that
does not beat the frequency baseline out of sample says so.

--write FILE writes the fitted values as a scenario that extends what was
calibrated: the case itself when there is one, else the cases' common
parent (e.g. base/csto.yaml), which a case then extends.")]
    Calibrate(CalibrateArgs),
    /// Write a self-contained HTML report with charts (no network, printable).
    #[command(after_help = "\
Examples:
  alliance-sim report kazakhstan-2022 -o kazakhstan.html
  alliance-sim report kazakhstan-2022 --compare what-if/armenia-frozen \\
      -o compare.html
  alliance-sim report armenia-2022 --sensitivity deploy -n 500000 \\
      -o armenia.html
  alliance-sim report kazakhstan-2022 -o global.html \\
      --sobol members.russia.attributes.alignment=0.5:1 \\
      --sobol crisis.variables.foreign_backed.bernoulli=0.3:1

One HTML file with inline SVG and CSS: the funnel, the distribution of
personnel deployed against the pool caps, the need, contributions per
member, timing, outcomes, the most-fired rules, history when the scenario
records it, the comparison and the tornado when asked. --sobol ranges add
Sobol' indices as paired bars and a spider chart (the metric against each
parameter's percentile, as @RISK draws it). `run` and `compare` write the
same report with --export-html PATH.")]
    Report(ReportArgs),
    /// Merge the partial results of a sharded run into the single run's summary.
    #[command(after_help = "\
Examples:
  for k in 1 2 3; do alliance-sim run kazakhstan-2022 -n 3000000 \\
      --shard $k/3 --export-json part-$k.json; done
  alliance-sim merge part-*.json
  alliance-sim merge part-*.json --format json > merged.json

The merged summary is byte for byte the one `run` prints for the same
scenario, trials and seed, in every format. Parts from different runs (another
seed, scenario, trial count, shard count or version), or a missing or repeated
shard, are refused with exit status 2.")]
    Merge(MergeArgs),
    /// Measure trials per second at 1, 2, … threads, checking results are identical.
    #[command(after_help = "\
Examples:
  alliance-sim bench
  alliance-sim bench kazakhstan-2022 --trials 10000000 --repeat 7
  alliance-sim bench --format json > $(hostname).json
  alliance-sim bench --baseline $(hostname).json
  alliance-sim bench kazakhstan-2022 kyrgyzstan-2010
  alliance-sim bench --stages --max-threads 1

--warmup untimed batches, then --repeat timed ones at each thread count
from 1 to --max-threads: mean ± σ, median, slowest and fastest trials per
second, outlier repetitions and the speed-up over one thread, with the
machine, build and load average. A spread over 5% or an outlier is
reported as a busy machine. Every repetition must give identical
statistics (exit status 1 otherwise).

With two scenarios, their repetitions alternate (A B A B …) and the first's
speed over the second's is given with a 95% interval; --baseline does the
same against a saved run. \"faster\" or \"slower\" is said only when the
interval excludes 1.

--stages reads the clock at the end of every stage of every trial, after
one more repetition on one thread: nanoseconds per trial per stage, the
clock's own cost (measured) subtracted, beside the same trials' time
without clocks, so you see what a stage (and its rules) costs.")]
    Bench(BenchArgs),
    /// Print the JSON Schema of the scenario format, for editors.
    #[command(after_help = "\
Examples:
  alliance-sim schema > alliance-sim.schema.json

Then put this first line in a scenario file, and editors with the YAML
language server (VS Code's YAML extension, Neovim, Helix …) autocomplete
fields, show their descriptions and underline typos:
  # yaml-language-server: $schema=./alliance-sim.schema.json")]
    Schema,
    /// Print a shell completion script.
    #[command(after_help = "\
Examples:
  alliance-sim completions bash \\
      > ~/.local/share/bash-completion/completions/alliance-sim
  alliance-sim completions zsh > ~/.zfunc/_alliance-sim
  alliance-sim completions fish > ~/.config/fish/completions/alliance-sim.fish")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) for alliance-sim and its subcommands.
    #[command(after_help = "\
Examples:
  alliance-sim man > alliance-sim.1 && man ./alliance-sim.1
  alliance-sim man | gzip > /usr/local/share/man/man1/alliance-sim.1.gz")]
    Man,
    /// List the scenarios bundled in the binary.
    #[command(after_help = "Example:\n  alliance-sim list\n  alliance-sim run kyrgyzstan-2010")]
    List,
    /// Print a bundled scenario's YAML, or copy it (and what it extends) to edit.
    #[command(after_help = "\
Examples:
  alliance-sim show what-if/armenia-frozen
  alliance-sim show kazakhstan-2022 --eject my-cases
  alliance-sim validate my-cases/kazakhstan-2022.yaml

A bundled scenario's comments give its sources and, for a what-if, the
question it asks and what to expect. --eject writes the scenario and every
file it extends into DIR, keeping their relative paths, so the copy
validates and runs as it is; it never overwrites a file. A file of your own
can also build on a bundled scenario directly: `extends: kazakhstan-2022`.")]
    Show(ShowArgs),
    /// Open the classroom studio: live what-ifs in a browser.
    #[command(after_help = "\
Examples:
  alliance-sim serve
  alliance-sim serve what-if/armenia-frozen --open
  alliance-sim serve my-cases/kazakhstan-2022.yaml --port 8500
  alliance-sim serve --host 0.0.0.0      # a classroom on the local network

Prints an address to open in a browser. The page offers every input of the
scenario as a slider or switch (grouped as the scenario reads; a control's
tooltip is its `because` text), and shows the funnel, the deployment against
the pool caps, who contributes, timing and outcomes beside the unmodified
scenario on common random numbers, with paired differences and 95%
intervals: a first picture at once, refined up to --most-trials. It tells
one trial of a chosen outcome as `explain` does, shows the changes as a
what-if YAML that can be edited (errors located as you type) and saved, and
keeps its whole state in the address, so a link reproduces the view.

Everything is served from the binary (no network needed). The server reads
only bundled scenarios and .yaml files inside the folder it was started in,
writes nothing, and answers only requests carrying the printed address's
token. It listens on 127.0.0.1 unless --host says otherwise; Ctrl-C stops it.")]
    Serve(ServeArgs),
}

/// Parses a thread count: 1 up to [`crate::batch::max_threads`].
fn threads(s: &str) -> Result<usize, String> {
    let most = crate::batch::max_threads();
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=most).contains(&n) => Ok(n),
        _ => Err(format!("expected a number of threads from 1 to {most} (8 per core on this machine)")),
    }
}

/// Parses a count that must be at least 1 (`--trials`, `--repeat`): the
/// one place a zero is refused.
fn at_least_one<N: std::str::FromStr + PartialEq + From<u8>>(s: &str) -> Result<N, String> {
    match s.trim().parse::<N>() {
        Ok(n) if n != N::from(0) => Ok(n),
        _ => Err("expected a whole number, at least 1".into()),
    }
}

/// Parses `--export-html`'s path: a file, never stdout (stdout carries the
/// summary; `report -o -` writes a report there).
fn html_file(s: &str) -> Result<PathBuf, String> {
    match s {
        "" => Err("the path is empty".into()),
        "-" => {
            Err("the HTML report goes to a file here; `alliance-sim report SCENARIO -o -` writes it to stdout".into())
        }
        _ => Ok(PathBuf::from(s)),
    }
}

/// How many trials, from which seed, on how many threads.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Number of trials (default: the scenario's run.trials).
    #[arg(long, short = 'n', value_parser = at_least_one::<u64>)]
    pub trials: Option<u64>,
    /// Seed (default: the scenario's run.seed).
    #[arg(long, short = 's')]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores; at most 8 per core). Results do not depend on it.
    #[arg(long, short = 'j', value_parser = threads)]
    pub threads: Option<usize>,
}

/// Where results go and in which formats.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Format of the results on stdout.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Also write the JSON document to PATH ('-': stdout instead of --format). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub export_json: Vec<Target>,
    /// Also write the long-format CSV to PATH ('-': stdout). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub export_csv: Vec<Target>,
    /// Also write the tables as Markdown to PATH ('-': stdout). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub export_markdown: Vec<Target>,
}

impl OutputArgs {
    /// Tables on stdout and no export.
    pub fn none() -> OutputArgs {
        OutputArgs {
            format: Format::Table,
            export_json: Vec::new(),
            export_csv: Vec::new(),
            export_markdown: Vec::new(),
        }
    }
}

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file or bundled name (default: kazakhstan-2022).
    #[arg(value_parser = SCENARIO_NAMES, hide_possible_values = true)]
    pub scenario: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub batch: BatchArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
    /// Override a scenario field: PATH=VALUE, e.g. alliance.pools.peacekeeping.cap=5000.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<Override>,
    /// Also write the HTML report to PATH (as `alliance-sim report`).
    #[arg(long, value_name = "PATH", value_parser = html_file)]
    pub export_html: Option<PathBuf>,
    /// Run only shard K of M and write its partial result with --export-json (see `merge`).
    #[arg(long, value_name = "K/M", conflicts_with_all = ["precision", "trials_out", "fit", "fit_file"])]
    pub shard: Option<Shard>,
    /// Stop once the 95% interval's half-width of --precision-of is at most H
    /// (checked chunk by chunk, so the stopping point is the same for any
    /// --threads); --trials is then the most that will be run.
    #[arg(long, value_name = "H")]
    pub precision: Option<f64>,
    /// The quantity --precision watches: request, invoked, deploy, non_military,
    /// refused, deployed (mean per trial) or an outcome metric's name.
    #[arg(long, value_name = "NAME", default_value = "deploy", requires = "precision")]
    pub precision_of: String,
    /// Write one row per trial to FILE: CSV, or Arrow IPC when FILE ends
    /// in .arrow, .feather or .ipc ('-': CSV on stdout, in place of the
    /// summary; streamed; see docs/exports.md).
    #[arg(long, value_name = "FILE")]
    pub trials_out: Option<Target>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub fit: LeftOutArgs,
}

/// `N:PATH=VALUE`: an override for the N-th scenario of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedOverride {
    /// N, from 1.
    pub index: usize,
    /// The override.
    pub value: Override,
}

impl std::str::FromStr for IndexedOverride {
    type Err = String;
    fn from_str(s: &str) -> Result<IndexedOverride, String> {
        let bad = || format!("'{s}' is not N:PATH=VALUE (e.g. 2:alliance.pools.peacekeeping.cap=5000)");
        let (n, rest) = s.split_once(':').ok_or_else(bad)?;
        let index: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 {
            return Err(bad());
        }
        Ok(IndexedOverride { index, value: rest.parse()? })
    }
}

/// Arguments of `compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Two or more scenario files or bundled names; the first is the baseline.
    #[arg(required = true, num_args = 2.., value_parser = SCENARIO_NAMES, hide_possible_values = true)]
    pub scenarios: Vec<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub batch: BatchArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
    /// Override a field in every scenario: PATH=VALUE.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<Override>,
    /// Override a field in the N-th scenario only: N:PATH=VALUE.
    #[arg(long = "set-for", value_name = "N:PATH=VALUE")]
    pub overrides_for: Vec<IndexedOverride>,
    /// Also write the HTML report (the first scenario, the others beside it) to PATH.
    #[arg(long, value_name = "PATH", value_parser = html_file)]
    pub export_html: Option<PathBuf>,
}

/// Arguments of `sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file or bundled name.
    #[arg(value_parser = SCENARIO_NAMES, hide_possible_values = true)]
    pub scenario: String,
    /// A path and its values: PATH=LO:HI:STEPS or PATH=V1,V2,… (several make a
    /// grid), or PATH=LO:HI, a range for --sample.
    #[arg(long, required_unless_present = "sample", value_name = "PATH=VALUES")]
    pub vary: Vec<Vary>,
    /// Draw N points from the ranges instead of a grid: lhs:N (Latin
    /// hypercube) or sobol:N (scrambled Sobol' sequence), seeded by --seed.
    #[arg(long, value_name = "DESIGN:N")]
    pub sample: Option<Sample>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub batch: BatchArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
    /// Override a field at every point: PATH=VALUE.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<Override>,
}

/// Arguments of `sensitivity`.
#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// Scenario file or bundled name.
    #[arg(value_parser = SCENARIO_NAMES, hide_possible_values = true)]
    pub scenario: String,
    /// The metric: deploy, request, refused, deployed (per trial), shortfall,
    /// first_arrival, ID.contributes, an outcome metric's name …
    #[arg(long, default_value = "deploy", value_parser = METRIC_NAMES, hide_possible_values = true)]
    pub metric: String,
    /// Move each input down and up by this fraction of its value.
    #[arg(long, default_value_t = 0.1)]
    pub fraction: f64,
    /// Only these inputs (dotted paths; repeatable). Default: every number
    /// under members, crisis, decisions and alliance.pools.
    #[arg(long = "input", value_name = "PATH")]
    pub inputs: Vec<String>,
    /// Show this many inputs in the tornado (all are in JSON and CSV).
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// Number of trials per point (default 20000, or 2000 with --method
    /// sobol; common random numbers make small differences visible with
    /// few trials).
    #[arg(long, short = 'n', value_parser = at_least_one::<u64>)]
    pub trials: Option<u64>,
    /// oat: each input moved down and up, one at a time (a tornado);
    /// sobol: Sobol' indices over the --vary ranges (Saltelli's design);
    /// morris: elementary effects over them (screening).
    #[arg(long, value_enum, default_value = "oat")]
    pub method: Method,
    /// With --method sobol or morris: an uncertain parameter and its range,
    /// PATH=LO:HI, or a distribution, PATH=normal:MEAN:SD (also uniform,
    /// lognormal, beta, triangular, exponential; repeatable). Without
    /// --vary, the scenario's `uncertain:` block is used.
    #[arg(long, value_name = "PATH=LO:HI")]
    pub vary: Vec<Vary>,
    /// With --method sobol: N, the base sample; the design runs N(k + 2)
    /// points for k parameters.
    #[arg(long, default_value_t = 512)]
    pub samples: usize,
    /// With --method morris: r, the trajectories; the design runs r(k + 1)
    /// points.
    #[arg(long, default_value_t = 20)]
    pub trajectories: usize,
    /// With --method morris: p, the grid's levels (even).
    #[arg(long, default_value_t = 4)]
    pub levels: usize,
    /// Seed (default: the scenario's run.seed).
    #[arg(long, short = 's')]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores; at most 8 per core).
    #[arg(long, short = 'j', value_parser = threads)]
    pub threads: Option<usize>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
    /// Override a field everywhere first: PATH=VALUE.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<Override>,
}

/// How `sensitivity` moves the inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// One at a time, down and up by --fraction (a tornado).
    Oat,
    /// Sobol' first-order and total indices over --vary ranges.
    Sobol,
    /// Morris elementary effects over --vary ranges (screening).
    Morris,
}

/// Arguments of `explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Scenario file or bundled name.
    #[arg(value_parser = SCENARIO_NAMES, hide_possible_values = true)]
    pub scenario: String,
    /// The trial to tell (with --find: where the search starts).
    #[arg(long, short = 't', default_value_t = 0)]
    pub trial: u64,
    /// Seed (default: the scenario's run.seed), as given to `run`.
    #[arg(long, short = 's')]
    pub seed: Option<u64>,
    /// Tell the first trial that meets CONDITION, e.g. 'outcome == "refused"' or 'deployed > 2800' (kazakhstan-2022's trial 14).
    #[arg(long, value_name = "CONDITION")]
    pub find: Option<String>,
    /// With --find: give up after this many trials.
    #[arg(long, default_value_t = 10_000_000)]
    pub search_limit: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
    /// Override a scenario field: PATH=VALUE.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<Override>,
}

/// What the cases were fitted with, to show a case left out of the fit.
#[derive(Debug, Clone, Default, Args)]
pub struct LeftOutArgs {
    /// A parameter the cases were fitted with, PATH=LO:HI (repeatable):
    /// history is then checked left out too, at a fit of the other cases
    /// that never saw the case, and at onset: left out, with the variables
    /// the scenario marks as known only after the outcome (`crisis.known`)
    /// drawn from the other cases.
    #[arg(long, value_name = "PATH=LO:HI")]
    pub fit: Vec<crate::analysis::FitParameter>,
    /// A file of such parameters, one PATH=LO:HI per line (the base's:
    /// scenarios/base/csto.fit).
    #[arg(long, value_name = "FILE")]
    pub fit_file: Option<PathBuf>,
}

/// Arguments of `backtest`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Scenarios to check (default: every bundled scenario with an `observed` block).
    #[arg(value_parser = SCENARIO_NAMES, hide_possible_values = true)]
    pub scenarios: Vec<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub fit: LeftOutArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub batch: BatchArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// Arguments of `calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Cases to fit (default: every bundled scenario with an `observed` block).
    #[arg(value_parser = SCENARIO_NAMES, hide_possible_values = true)]
    pub cases: Vec<String>,
    /// A parameter to fit and its bounds: PATH=LO:HI (repeatable; a rule's
    /// number by its id, e.g. decisions.request.rules.survival.add=0:0.9).
    #[arg(long, value_name = "PATH=LO:HI", required_unless_present = "fit_file")]
    pub fit: Vec<FitParameter>,
    /// A file of parameters to fit, one PATH=LO:HI per line ('#' starts a
    /// comment); with --fit, both are fitted.
    #[arg(long, value_name = "FILE")]
    pub fit_file: Option<PathBuf>,
    /// Trials per case at each evaluation of the likelihood.
    #[arg(long, short = 'n', default_value_t = crate::analysis::calibrate::DEFAULT_TRIALS, value_parser = at_least_one::<u64>)]
    pub trials: u64,
    /// Seed every case runs on.
    #[arg(long, short = 's', default_value_t = crate::analysis::calibrate::DEFAULT_SEED)]
    pub seed: u64,
    /// Most Nelder-Mead iterations per fit.
    #[arg(long, default_value_t = crate::analysis::calibrate::DEFAULT_ITERATIONS, value_parser = at_least_one::<u64>)]
    pub max_iterations: u64,
    /// Skip the profile-likelihood intervals.
    #[arg(long)]
    pub no_intervals: bool,
    /// Skip leave-one-case-out cross-validation.
    #[arg(long)]
    pub no_cross_validation: bool,
    /// Write the fitted values as a scenario overlay to FILE.
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// Worker threads (default: all cores; at most 8 per core). Results do not depend on it.
    #[arg(long, short = 'j', value_parser = threads)]
    pub threads: Option<usize>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// Arguments of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Scenario file or bundled name (default: kazakhstan-2022); name a
    /// second to time both, alternating, and see the first's speed over the
    /// second's with a 95% interval.
    #[arg(num_args = 0..=2, value_name = "SCENARIO", value_parser = SCENARIO_NAMES, hide_possible_values = true)]
    pub scenarios: Vec<String>,
    /// Trials per timed repetition.
    #[arg(long, short = 'n', default_value_t = 4_000_000, value_parser = at_least_one::<u64>)]
    pub trials: u64,
    /// Timed repetitions per thread count.
    #[arg(long, default_value_t = 5, value_parser = at_least_one::<usize>)]
    pub repeat: usize,
    /// Untimed repetitions before the timed ones, per thread count.
    #[arg(long, default_value_t = 1)]
    pub warmup: usize,
    /// Compare with a saved `bench --format json` (ratio of mean trials/s
    /// with a 95% interval, per thread count).
    #[arg(long, value_name = "FILE.json")]
    pub baseline: Option<PathBuf>,
    /// Up to this many threads (default: every CPU; at most 8 per core).
    #[arg(long, value_parser = threads)]
    pub max_threads: Option<usize>,
    /// Also time the first scenario's trials stage by stage on one thread
    /// (crisis, request, council, need, pool, contributions, deployment,
    /// outcomes, folding).
    #[arg(long)]
    pub stages: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// Arguments of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Scenario file or bundled name.
    #[arg(value_parser = SCENARIO_NAMES, hide_possible_values = true)]
    pub scenario: String,
    /// Where to write the HTML file (`-` for stdout).
    #[arg(long, short = 'o', value_name = "PATH")]
    pub output: Target,
    /// Scenarios to show side by side, with paired differences (repeatable).
    #[arg(long = "compare", value_name = "SCENARIO", value_parser = SCENARIO_NAMES, hide_possible_values = true)]
    pub compare: Vec<String>,
    /// Include the tornado of this metric (e.g. deploy, deployed).
    #[arg(long, value_name = "METRIC", value_parser = METRIC_NAMES, hide_possible_values = true)]
    pub sensitivity: Option<String>,
    /// Include Sobol' indices and a spider chart over this parameter's
    /// range, PATH=LO:HI (repeatable), of the --sensitivity metric (default
    /// deploy).
    #[arg(long, value_name = "PATH=LO:HI")]
    pub sobol: Vec<Vary>,
    /// With --sobol: N, the Sobol' base sample.
    #[arg(long, default_value_t = 128)]
    pub sobol_samples: usize,
    /// With --sobol: trials per design point.
    #[arg(long, default_value_t = 2000, value_parser = at_least_one::<u64>)]
    pub sobol_trials: u64,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub batch: BatchArgs,
    /// Override a field in every scenario: PATH=VALUE.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<Override>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub fit: LeftOutArgs,
}

/// Arguments of `merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial results written by `run --shard K/M --export-json PATH`.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// The scenario, when it is no longer where the parts say it was.
    #[arg(long)]
    pub scenario: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// Arguments of `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A bundled scenario's name (see `alliance-sim list`).
    #[arg(value_parser = SCENARIO_NAMES, hide_possible_values = true)]
    pub name: String,
    /// Copy it, with the files it extends, into this directory instead.
    #[arg(long, value_name = "DIR")]
    pub eject: Option<PathBuf>,
}

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The scenario the page opens with: a bundled name or a .yaml file in
    /// this folder (default kazakhstan-2022).
    #[arg(value_parser = SCENARIO_NAMES, hide_possible_values = true)]
    pub scenario: Option<String>,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8421)]
    pub port: u16,
    /// Address to listen on; anything but loopback serves the local network
    /// (a warning says so).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Open the address in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Most trials one request may run (the page refines up to this).
    #[arg(long, default_value_t = 1_000_000, value_parser = at_least_one::<u64>)]
    pub most_trials: u64,
    /// Keep the access token in this file, so that links prepared before a
    /// class keep working after a restart: read when it exists, else made
    /// and written there (readable by you only).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<std::path::PathBuf>,
}

/// Arguments of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files or bundled names.
    #[arg(required = true)]
    pub files: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}

/// An argument that takes any text (what it names is checked where it is
/// used, with did-you-mean) and for which the shell's completion offers
/// `names()`: the bundled scenarios, or the built-in metrics.
#[derive(Debug, Clone, Copy)]
pub struct Offered(fn() -> Vec<&'static str>);

/// A scenario argument: completion offers the bundled names.
const SCENARIO_NAMES: Offered =
    Offered(|| crate::scenario::bundled::list().into_iter().map(|(name, _)| name).collect());

/// A metric argument: completion offers the built-in metrics (a
/// scenario's outcome metrics and `ID.contributes` come on top).
const METRIC_NAMES: Offered = Offered(|| METRICS.to_vec());

/// The metrics of every scenario.
const METRICS: [&str; 12] = [
    "request",
    "invoked",
    "deploy",
    "non_military",
    "refused",
    "deployed",
    "deployed_given_deploy",
    "need",
    "shortfall",
    "decision",
    "first_arrival",
    "full_strength",
];

impl clap::builder::TypedValueParser for Offered {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::TypedValueParser::parse_ref(&clap::builder::StringValueParser::new(), cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new((self.0)().into_iter().map(clap::builder::PossibleValue::new)))
    }
}
