//! `alliance-sim merge`: partial results of a sharded run → the single
//! run's summary, byte for byte.

use std::process::ExitCode;

use super::{Failure, emit, load_scenario};
use crate::cli::MergeArgs;
use crate::scenario::{self, Override};
use crate::shard::{self, Partial};
use crate::stats::summary;

/// Merges partial results.
pub fn run(args: &MergeArgs) -> Result<ExitCode, Failure> {
    let mut parts = Vec::with_capacity(args.parts.len());
    for path in &args.parts {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Failure::input(format!("{name}: cannot read: {e}")))?;
        let part: Partial = serde_json::from_str(&text).map_err(|e| {
            Failure::input(format!("{name}:{}:{}: not an alliance-sim partial result: {e}", e.line(), e.column()))
        })?;
        parts.push((name, part));
    }
    let (meta, stats) = shard::merge(&parts).map_err(Failure::failed)?;
    let overrides = meta
        .overrides
        .iter()
        .map(|o| o.parse::<Override>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::failed(format!("the parts record an override that does not parse: {e}")))?;
    let origin = args.scenario.clone().unwrap_or_else(|| scenario::origin_argument(&meta.origin));
    let loaded = load_scenario(&origin, &overrides)?;
    if loaded.scenario.hash != meta.scenario_hash {
        return Err(Failure::failed(format!(
            "the scenario at {origin} has changed since the parts were run (sha256 {} ≠ {}); \
             give the original with --scenario",
            &loaded.scenario.hash[..16],
            &meta.scenario_hash[..16.min(meta.scenario_hash.len())]
        )));
    }
    if !stats.fits(&loaded.scenario) {
        return Err(Failure::failed(format!(
            "the parts' statistics do not have the shape of the scenario at {origin} (pools, members, outcomes, rules)"
        )));
    }
    let summary = summary::summarise(&loaded.scenario, &stats, meta);
    emit(&summary, &args.output).map(|()| ExitCode::SUCCESS)
}
