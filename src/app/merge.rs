//! `alliance-sim merge`: partial results of a sharded run → the single
//! run's summary, byte for byte.
//!
//! A part is untrusted input. Before anything is merged, each part must be
//! a regular file of bounded size, intact (its digest matches its content),
//! from the same run as the others, and internally consistent with the
//! scenario (see [`crate::stats::batch::BatchStats::check`]). Every refusal
//! exits 2 and names the file and the field. `merge` never opens a path
//! named inside a part: a part run from a file needs `--scenario FILE`.

use std::process::ExitCode;

use super::{Failure, emit, load_scenario};
use crate::cli::MergeArgs;
use crate::scenario::{Override, bundled};
use crate::shard::{self, MergeError};
use crate::stats::batch::BatchStats;
use crate::stats::summary;

/// Merges partial results.
pub fn run(args: &MergeArgs) -> Result<ExitCode, Failure> {
    super::check_targets(&args.output, &[])?;
    // One part held at a time: read, checked and folded, then dropped.
    let (first_path, later) = args.parts.split_first().ok_or(MergeError::Empty)?;
    let first_part = shard::read_part(first_path)?;
    let first_name = first_path.display().to_string();
    let first = first_part.meta.clone();
    let overrides = first
        .overrides
        .iter()
        .map(|o| o.parse::<Override>().map(|o| Override { origin: format!("{first_name}: meta.overrides:"), ..o }))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::input(format!("{first_name}: meta.overrides: an override does not parse: {e}")))?;
    let origin = match &args.scenario {
        Some(given) => given.clone(),
        None => bundled_origin(&first.origin).ok_or_else(|| {
            Failure::input(format!(
                "the parts were run from the file {}; give it with --scenario FILE \
                 (merge does not open paths named inside a part)",
                crate::text::excerpt(&first.origin, 200)
            ))
        })?,
    };
    let loaded = load_scenario(&origin, &overrides)?;
    let s = &loaded.scenario;
    // The first part against the scenario; the others against the first.
    if s.hash != first.scenario_hash {
        return Err(Failure::input(format!(
            "{}: meta.scenario_hash: the scenario at {origin} is not the one the part was run from \
             (sha256 {} ≠ {}); give the original with --scenario",
            first_name,
            crate::text::excerpt(&s.hash, 16),
            crate::text::excerpt(&first.scenario_hash, 16)
        )));
    }
    let mut merger = shard::Merger::new(first_name, first_part, |stats: &BatchStats| stats.check(s))?;
    for path in later {
        merger.add(path.display().to_string(), shard::read_part(path)?)?;
    }
    let (meta, stats) = merger.finish()?;
    let summary = summary::summarise(s, &stats, meta);
    emit(&summary, &args.output).map(|()| ExitCode::SUCCESS)
}

/// The bundled scenario a part's origin names, if it names one.
fn bundled_origin(origin: &str) -> Option<String> {
    let name = origin.strip_prefix("<bundled>/")?;
    bundled::text(name).map(|_| name.to_string())
}
