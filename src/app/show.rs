//! `alliance-sim show`: a bundled scenario's YAML, printed or ejected into a
//! directory (with every file it extends) for editing.

use std::process::ExitCode;

use super::{Failure, write_stdout};
use crate::cli::ShowArgs;
use crate::output;
use crate::scenario::bundled;

/// Prints or ejects a bundled scenario.
pub fn run(args: &ShowArgs) -> Result<ExitCode, Failure> {
    let Some(name) = bundled::find(&args.name) else {
        let names: Vec<&str> = bundled::list().into_iter().map(|(n, _)| n).collect();
        let hint = crate::scenario::diagnostic::suggest(&args.name, names.iter().copied())
            .map(|s| format!(" (did you mean '{s}'?)"))
            .unwrap_or_default();
        return Err(Failure::input(format!(
            "error: '{}' is not a bundled scenario{hint}; `alliance-sim list` shows them",
            args.name
        )));
    };
    let Some(dir) = &args.eject else {
        write_stdout(bundled::text(name).unwrap_or_default())?;
        return Ok(ExitCode::SUCCESS);
    };
    let files = bundled::chain(name);
    let mut targets: Vec<_> = files
        .iter()
        .map(|f| (dir.join(format!("{f}.yaml")), bundled::text(f).unwrap_or_default().to_string()))
        .collect();
    // The schema the files' first line points editors at.
    let schema = crate::scenario::schema::json_schema();
    targets.push((dir.join("alliance-sim.schema.json"), schema));
    // A file already there with the same text (a base shared with an
    // earlier eject) is kept; one that differs is never overwritten.
    // Read no more than the text's length (never a FIFO, a device or a
    // link to one: `input::read_bounded` refuses those unopened).
    let same = |path: &std::path::Path, text: &str| {
        crate::input::read_bounded(path, text.len() as u64).map(|b| b == text.as_bytes())
    };
    for (path, text) in &targets {
        match same(path, text) {
            Ok(true) => {}
            Ok(false) | Err(crate::input::ReadError::TooLarge { .. }) => {
                return Err(Failure::input(format!(
                    "error: --eject {}: {} exists and differs; --eject never overwrites a file (choose another DIR)",
                    dir.display(),
                    path.display()
                )));
            }
            Err(crate::input::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Failure::input(format!(
                    "error: --eject {}: {}: {e}; --eject writes only new files (choose another DIR)",
                    dir.display(),
                    path.display()
                )));
            }
        }
    }
    targets.retain(|(p, t)| !same(p, t).unwrap_or(false));
    for (path, _) in &targets {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                Failure::input(format!("error: --eject {}: cannot create {}: {e}", dir.display(), parent.display()))
            })?;
        }
        output::check_writable(path).map_err(|e| {
            Failure::input(format!("error: --eject {}: cannot write {}: {e}", dir.display(), path.display()))
        })?;
    }
    for (path, text) in &targets {
        output::write_atomic(path, text.as_bytes())
            .map_err(|e| Failure::failed(format!("error: cannot write {}: {e}", path.display())))?;
        eprintln!("wrote {}", path.display());
    }
    eprintln!("edit it, then: alliance-sim validate {}", dir.join(format!("{name}.yaml")).display());
    Ok(ExitCode::SUCCESS)
}
