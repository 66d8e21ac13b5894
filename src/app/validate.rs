//! `alliance-sim validate FILE…`: a short summary per valid file, or its
//! errors; exit 2 when any file has an error.

use std::process::ExitCode;

use super::{EXIT_INPUT, Failure, print_diagnostics, write_stdout};
use crate::cli::ValidateArgs;
use crate::report::doc::fit_terminal;
use crate::scenario::{self, Source};

/// Validates each file.
pub fn run(args: &ValidateArgs) -> Result<ExitCode, Failure> {
    let mut failed = false;
    for name in &args.files {
        // A file name is shown escaped: an ESC in it must not reach the terminal.
        let file = crate::text::escape_for_terminal(name);
        match scenario::load(&Source::resolve(name), &[]) {
            Ok(loaded) => {
                let s = &loaded.scenario;
                print_diagnostics(&loaded.warnings);
                let rules = s.rules.len();
                let pools: Vec<String> = s.pools.iter().map(|p| format!("{} ({})", p.id, p.cap)).collect();
                let added = if loaded.added_members.is_empty() {
                    String::new()
                } else {
                    format!(" (added: {})", loaded.added_members.join(", "))
                };
                let line = format!(
                    "ok: {file}: {} — {} members{added}, {} variables, {} rules, {} outcomes, pools {}{}",
                    s.name,
                    s.members.len(),
                    s.variables.len(),
                    rules,
                    s.outcomes.len(),
                    pools.join(", "),
                    if loaded.warnings.is_empty() {
                        String::new()
                    } else {
                        let n = loaded.warnings.len();
                        format!(", {n} warning{}", if n == 1 { "" } else { "s" })
                    }
                );
                write_stdout(&(fit_terminal(&line, "    ") + "\n"))?;
            }
            // A base or an overlay (`calibrate --write`'s) lacks only the
            // crisis's host and kind, which the scenarios that extend it
            // give: everything else in it was checked.
            Err(e) if is_base(&e.diagnostics) => {
                let line = format!(
                    "ok: {file}: a base for other scenarios (it gives no crisis host or kind, so it is not run \
                     on its own; a scenario that extends it and names them is)"
                );
                write_stdout(&(fit_terminal(&line, "    ") + "\n"))?;
            }
            Err(e) => {
                failed = true;
                print_diagnostics(&e.diagnostics);
                let errors = e.diagnostics.iter().filter(|d| d.severity == scenario::Severity::Error).count();
                eprintln!("invalid: {file}: {errors} error{}", if errors == 1 { "" } else { "s" });
            }
        }
    }
    Ok(if failed { ExitCode::from(EXIT_INPUT) } else { ExitCode::SUCCESS })
}

/// Whether a load's only errors are the crisis's missing host and kind:
/// the file is a base (as `scenarios/base/csto.yaml`) or an overlay on one.
fn is_base(diagnostics: &[scenario::Diagnostic]) -> bool {
    let mut errors = diagnostics.iter().filter(|d| d.severity == scenario::Severity::Error).peekable();
    errors.peek().is_some()
        && errors.all(|d| matches!(d.message.as_str(), "crisis has no 'host'" | "crisis has no 'kind'"))
}
