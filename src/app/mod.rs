//! One module per subcommand; each returns the process exit code.

pub mod list;
pub mod run;
pub mod validate;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::scenario::{self, Diagnostic, Loaded, Override, Source};

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
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::List => list::run(),
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
    match scenario::load(&Source::resolve(arg), overrides) {
        Ok(loaded) => {
            print_diagnostics(&loaded.warnings);
            Ok(loaded)
        }
        Err(e) => Err(Failure::input(e.to_string())),
    }
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
