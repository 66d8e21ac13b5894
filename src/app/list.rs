//! `alliance-sim list`: the bundled scenarios, one line each.

use std::process::ExitCode;

use super::{Failure, write_stdout};
use crate::report::doc::fit_terminal;
use crate::scenario::bundled;

/// Prints the bundled scenarios.
pub fn run() -> Result<ExitCode, Failure> {
    let mut out = String::new();
    let width = bundled::list().iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, title) in bundled::list() {
        let line = format!("{name:width$}  {title}");
        out.push_str(&fit_terminal(&line, &" ".repeat(width + 2)));
        out.push('\n');
    }
    write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}
