//! The command line (clap derive only; behaviour lives in `app`).

use clap::{Args, Parser, Subcommand};

use crate::report::Format;
use crate::scenario::Override;

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
  alliance-sim run kazakhstan-2022 --set members.russia.attributes.alignment=0.5

Results go to stdout and are byte-identical for any --threads; timing and
trials per second go to stderr.")]
    Run(RunArgs),
    /// Check scenario files and print a summary of each, or its errors.
    #[command(after_help = "\
Examples:
  alliance-sim validate scenarios/*.yaml
  alliance-sim validate my-crisis.yaml

Exit status 0 when every file is valid, 2 when any has an error.")]
    Validate(ValidateArgs),
    /// List the scenarios bundled in the binary.
    #[command(after_help = "Example:\n  alliance-sim list\n  alliance-sim run kyrgyzstan-2010")]
    List,
}

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file or bundled name (default: kazakhstan-2022).
    pub scenario: Option<String>,
    /// Number of trials (default: the scenario's run.trials).
    #[arg(long, short = 'n')]
    pub trials: Option<u64>,
    /// Seed (default: the scenario's run.seed).
    #[arg(long, short = 's')]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Override a scenario field: PATH=VALUE, e.g. alliance.pools.peacekeeping.cap=5000.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub overrides: Vec<Override>,
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
