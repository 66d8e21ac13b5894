//! `alliance-sim sweep`: a grid of overrides, all points in lockstep.

use std::process::ExitCode;

use super::compare::run_lockstep;
use super::{Failure, emit, load_quietly, load_scenario};
use crate::batch::Plan;
use crate::cli::{MAX_SWEEP_POINTS, SweepArgs};
use crate::scenario::{Override, Scenario};
use crate::stats::summary::Meta;
use crate::stats::sweep::{self, SWEEP_SCHEMA_VERSION, Sweep};

/// Runs a sweep.
pub fn run(args: &SweepArgs) -> Result<ExitCode, Failure> {
    super::check_targets(&args.output, &[])?;
    let grid = grid(args)?;
    let base = load_scenario(&args.scenario, &args.overrides)?.scenario;
    let mut points: Vec<Scenario> = Vec::with_capacity(grid.len());
    // One line per warning's place, naming the first grid point it came
    // from and how many more points share it.
    let mut warnings: Vec<(String, String, usize)> = Vec::new();
    for (k, values) in grid.iter().enumerate() {
        let mut overrides = args.overrides.clone();
        overrides.extend(
            args.vary.iter().zip(values).map(|(v, value)| Override { path: v.path.clone(), value: value.clone() }),
        );
        let loaded = load_quietly(&args.scenario, &overrides).map_err(|e| Failure {
            message: format!("at grid point {} ({}):\n{}", k + 1, describe(args, values), e.message),
            ..e
        })?;
        for w in loaded.warnings {
            let place = format!("{}:{}:{}", w.file, w.line, w.column);
            match warnings.iter_mut().find(|(p, _, _)| *p == place) {
                Some((_, _, more)) => *more += 1,
                None => warnings.push((place, format!("{w} [at grid point {}: {}]", k + 1, describe(args, values)), 0)),
            }
        }
        points.push(loaded.scenario);
    }
    for (_, text, more) in &warnings {
        let others = if *more > 0 { format!(" (and at {more} more points)") } else { String::new() };
        eprintln!("{text}{others}");
    }
    let trials = args.batch.trials.unwrap_or(base.run.trials);
    let seed = args.batch.seed.unwrap_or(base.run.seed);
    if trials == 0 {
        return Err(Failure::input("--trials must be at least 1"));
    }
    let scenarios: Vec<&Scenario> = points.iter().collect();
    let (lockstep, interrupted) =
        run_lockstep(&scenarios, &[], Plan { seed, start: 0, end: trials }, args.batch.threads)?;
    let meta = Meta::new(&base, seed, lockstep.trials(), &args.overrides);
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
    emit(&result, &args.output).map(|()| super::finished(interrupted))
}

/// A grid point as `path=value, …`.
fn describe(args: &SweepArgs, values: &[String]) -> String {
    args.vary.iter().zip(values).map(|(v, value)| format!("{}={value}", v.path)).collect::<Vec<_>>().join(", ")
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
