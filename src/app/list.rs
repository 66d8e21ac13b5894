//! `alliance-sim list`: the bundled scenarios, one line each.

use std::process::ExitCode;

use super::{Failure, write_stdout};
use crate::scenario::bundled;

/// Prints the bundled scenarios.
pub fn run() -> Result<ExitCode, Failure> {
    let mut out = String::new();
    let width = bundled::list().iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, title) in bundled::list() {
        out.push_str(&format!("{name:width$}  {title}\n"));
    }
    write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}
