//! The `alliance-sim` binary: parse the command line, run, print the error once.

use std::process::ExitCode;

use clap::Parser;

/// The many-point analyses build and drop thousands of scenarios; glibc's
/// malloc spent a third of their set-up consolidating free lists.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let outcome = alliance_sim::app::run(alliance_sim::cli::Cli::parse());
    match outcome {
        Ok(code) => code,
        Err(failure) => {
            failure.print();
            ExitCode::from(failure.code)
        }
    }
}
