//! `alliance-sim sweep`: a grid of overrides, all points in lockstep.

use std::process::ExitCode;

use super::compare::run_lockstep;
use super::run::meta;
use super::{Failure, emit, load_quietly, load_scenario};
use crate::batch::Plan;
use crate::cli::{MAX_SWEEP_POINTS, SweepArgs};
use crate::scenario::{Override, Scenario};
use crate::stats::sweep::{self, SWEEP_SCHEMA_VERSION, Sweep};

/// Runs a sweep.
pub fn run(args: &SweepArgs) -> Result<ExitCode, Failure> {
    super::check_targets(&args.output, &[])?;
    let grid = grid(args)?;
    let base = load_scenario(&args.scenario, &args.overrides)?.scenario;
    let mut points: Vec<Scenario> = Vec::with_capacity(grid.len());
    let mut warnings = Vec::new();
    for values in &grid {
        let mut overrides = args.overrides.clone();
        overrides.extend(
            args.vary.iter().zip(values).map(|(v, value)| Override { path: v.path.clone(), value: value.clone() }),
        );
        let loaded = load_quietly(&args.scenario, &overrides)?;
        for w in loaded.warnings {
            let text = w.to_string();
            if !warnings.contains(&text) {
                eprintln!("{text}");
                warnings.push(text);
            }
        }
        points.push(loaded.scenario);
    }
    let trials = args.batch.trials.unwrap_or(base.run.trials);
    let seed = args.batch.seed.unwrap_or(base.run.seed);
    if trials == 0 {
        return Err(Failure::input("--trials must be at least 1"));
    }
    let scenarios: Vec<&Scenario> = points.iter().collect();
    let lockstep = run_lockstep(&scenarios, &[], Plan { seed, start: 0, end: trials }, args.batch.threads)?;
    let meta = meta(&base, seed, trials, &args.overrides);
    let points = points
        .iter()
        .zip(&lockstep.stats)
        .zip(grid)
        .map(|((s, stats), values)| sweep::point(s, stats, &meta, values))
        .collect();
    let result = Sweep {
        schema_version: SWEEP_SCHEMA_VERSION,
        meta,
        paths: args.vary.iter().map(|v| v.path.clone()).collect(),
        points,
    };
    emit(&result, &args.output).map(|()| ExitCode::SUCCESS)
}

/// Every combination of the varied values, the last path fastest.
fn grid(args: &SweepArgs) -> Result<Vec<Vec<String>>, Failure> {
    let size = args.vary.iter().try_fold(1usize, |acc, v| acc.checked_mul(v.values.len()));
    match size {
        Some(n) if n <= MAX_SWEEP_POINTS => {}
        _ => {
            return Err(Failure::input(format!("the grid has more than {MAX_SWEEP_POINTS} points; vary fewer values")));
        }
    }
    let mut grid: Vec<Vec<String>> = vec![Vec::new()];
    for v in &args.vary {
        grid = grid
            .into_iter()
            .flat_map(|prefix| {
                v.values.iter().map(move |value| {
                    let mut p = prefix.clone();
                    p.push(value.clone());
                    p
                })
            })
            .collect();
    }
    Ok(grid)
}
