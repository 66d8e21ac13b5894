//! The `alliance-sim` binary: parse the command line, run, print the error once.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = alliance_sim::cli::Cli::parse();
    match alliance_sim::app::run(cli) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("{}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
