//! A sweep: a grid of overrides, every point run in lockstep on the same
//! trial keys, so that differences between points come from the varied
//! values, not from sampling noise in unrelated draws.

use super::{AnalysisError, Monitor, Point};
use crate::batch::Plan;
use crate::dist::Spread;
use crate::scenario::{self, Override, Source};
use crate::stats::summary::Meta;
use crate::stats::sweep::{self as table, SWEEP_SCHEMA_VERSION, Sweep};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A sweep to run.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    /// The scenario every point starts from.
    pub source: Source,
    /// Overrides applied at every point.
    pub overrides: Vec<Override>,
    /// The varied paths; several make a grid, the last varying fastest.
    pub vary: Vec<Vary>,
    /// Trials per point (default: the scenario's).
    pub trials: Option<u64>,
    /// The seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Points drawn from the ranges instead of a grid (`--sample`).
    pub sample: Option<Sample>,
}

/// A sampling design for a sweep (`--sample lhs:N` or `sobol:N`): N points
/// in the box of the varied ranges (each `--vary PATH=LO:HI`), one row each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// Latin hypercube: each range cut into N equal strata, each stratum
    /// used once per path, strata paired at random (McKay, Beckman and
    /// Conover 1979), a uniform point within each stratum.
    LatinHypercube(usize),
    /// The first N points of an Owen-scrambled Sobol' sequence (Burley
    /// 2020, the `sobol_burley` crate): low discrepancy in every projection.
    Sobol(usize),
}

impl Sample {
    /// How many points the design has.
    pub fn points(self) -> usize {
        match self {
            Sample::LatinHypercube(n) | Sample::Sobol(n) => n,
        }
    }

    /// The design's label in outputs, e.g. `lhs:64`.
    pub fn label(self) -> String {
        match self {
            Sample::LatinHypercube(n) => format!("lhs:{n}"),
            Sample::Sobol(n) => format!("sobol:{n}"),
        }
    }

    /// The design's points in the unit cube, `dimensions` coordinates each,
    /// the same for the same seed on every machine.
    pub fn unit_points(self, dimensions: usize, seed: u64) -> Vec<Vec<f64>> {
        match self {
            Sample::LatinHypercube(n) => {
                let mut rng = ChaCha8Rng::seed_from_u64(seed ^ LHS_STREAM);
                let columns: Vec<Vec<f64>> = (0..dimensions)
                    .map(|_| {
                        let mut strata: Vec<usize> = (0..n).collect();
                        strata.shuffle(&mut rng);
                        strata.iter().map(|&k| (k as f64 + rng.random::<f64>()) / n as f64).collect()
                    })
                    .collect();
                (0..n).map(|i| columns.iter().map(|c| c[i]).collect()).collect()
            }
            Sample::Sobol(n) => {
                // The scramble seed: the run's seed folded to 32 bits.
                let scramble = (seed ^ (seed >> 32)) as u32;
                (0..n)
                    .map(|i| {
                        (0..dimensions).map(|d| f64::from(sobol_burley::sample(i as u32, d as u32, scramble))).collect()
                    })
                    .collect()
            }
        }
    }
}

/// Keeps a Latin hypercube's permutations apart from every other use of
/// the seed.
const LHS_STREAM: u64 = 0x4c48_535f_6465_7369;

impl std::str::FromStr for Sample {
    type Err = String;
    fn from_str(s: &str) -> Result<Sample, String> {
        let bad = || format!("'{s}': expected lhs:N or sobol:N with 2 ≤ N ≤ {MAX_SWEEP_POINTS} (e.g. lhs:64)");
        let (kind, n) = s.split_once(':').ok_or_else(bad)?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if !(2..=MAX_SWEEP_POINTS).contains(&n) {
            return Err(bad());
        }
        match kind.trim() {
            "lhs" => Ok(Sample::LatinHypercube(n)),
            "sobol" => Ok(Sample::Sobol(n)),
            _ => Err(bad()),
        }
    }
}

/// `PATH=LO:HI:STEPS` or `PATH=V1,V2,…`: the values one path takes in a
/// grid; `PATH=LO:HI` or `PATH=FAMILY:P1:P2[:P3]`: where a sampling design
/// draws it from.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    /// The dotted path, as for `--set`.
    pub path: String,
    /// The values, as YAML text (empty for a spread).
    pub values: Vec<String>,
    /// Where a design draws it from, for `PATH=LO:HI` or a distribution.
    pub spread: Option<Spread>,
}

/// A number as sweep values print it: 12 significant digits, so that
/// 0.1 + 0.2 prints as 0.3.
fn number_text(x: f64) -> String {
    let text = format!("{:.12e}", x);
    text.parse::<f64>().map(|v| v.to_string()).unwrap_or(text)
}

/// The value of `spread` at `u` in [0, 1] as an override writes it, and
/// that value (12 significant digits, so the scenario gets what is shown).
pub(crate) fn value_at(spread: &Spread, u: f64) -> (f64, String) {
    let x = spread.value(u);
    let text = number_text(x);
    (text.parse().unwrap_or(x), text)
}

/// Most points a sweep's grid may have.
pub const MAX_SWEEP_POINTS: usize = 10_000;

impl std::str::FromStr for Vary {
    type Err = String;
    fn from_str(s: &str) -> Result<Vary, String> {
        let o: Override = s.parse()?;
        let spec = o.value.trim();
        let parts: Vec<&str> = spec.split(':').collect();
        let family =
            parts.first().filter(|n| parts.len() > 1 && n.trim().starts_with(|c: char| c.is_ascii_alphabetic()));
        if let Some(name) = family {
            let params: Result<Vec<f64>, _> = parts[1..].iter().map(|p| p.trim().parse::<f64>()).collect();
            let params = params.map_err(|_| format!("in '{s}': the parameters of {name} must be numbers"))?;
            let spread = Spread::family(name.trim(), &params).map_err(|e| format!("in '{s}': {e}"))?;
            return Ok(Vary { path: o.path, values: Vec::new(), spread: Some(spread) });
        }
        let values = if let [lo, hi, steps] = parts[..] {
            let bad = |what: &str| format!("in '{s}': {what} (expected LO:HI:STEPS, e.g. 0.2:0.9:8)");
            let lo: f64 = lo.trim().parse().map_err(|_| bad("LO is not a number"))?;
            let hi: f64 = hi.trim().parse().map_err(|_| bad("HI is not a number"))?;
            let steps: usize = steps.trim().parse().map_err(|_| bad("STEPS is not a whole number"))?;
            if !(lo.is_finite() && hi.is_finite() && (hi - lo).is_finite()) || steps == 0 || steps > MAX_SWEEP_POINTS {
                return Err(bad(&format!("LO and HI must be finite and 1 ≤ STEPS ≤ {MAX_SWEEP_POINTS}")));
            }
            if lo > hi {
                return Err(bad(&format!("LO {lo} is above HI {hi}; write the range from low to high")));
            }
            (0..steps)
                .map(|i| number_text(if steps == 1 { lo } else { lo + (hi - lo) * i as f64 / (steps - 1) as f64 }))
                .collect()
        } else if let [Ok(lo), Ok(hi)] = parts.iter().map(|p| p.trim().parse::<f64>()).collect::<Vec<_>>()[..] {
            if !(lo.is_finite() && hi.is_finite() && lo < hi && (hi - lo).is_finite()) {
                return Err(format!("in '{s}': a range LO:HI needs finite LO below HI (and HI − LO finite)"));
            }
            let whole = parts.iter().all(|p| p.trim().parse::<i64>().is_ok());
            return Ok(Vary { path: o.path, values: Vec::new(), spread: Some(Spread::Range { lo, hi, whole }) });
        } else {
            spec.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect::<Vec<_>>()
        };
        if values.is_empty() {
            return Err(format!("'{s}' gives no values"));
        }
        Ok(Vary { path: o.path, values, spread: None })
    }
}

/// The paths a design varies: `vary` if any are given, else those the
/// scenario declares under `uncertain:`.
pub fn vary_or_declared(source: &Source, overrides: &[Override], vary: &[Vary]) -> Result<Vec<Vary>, AnalysisError> {
    if !vary.is_empty() {
        return Ok(vary.to_vec());
    }
    let loaded = scenario::load(source, overrides)?;
    Ok(loaded
        .scenario
        .uncertain
        .iter()
        .map(|u| Vary { path: u.path.clone(), values: Vec::new(), spread: Some(u.spread) })
        .collect())
}

/// Runs a sweep on the current rayon pool. A warning is passed on once per
/// place, naming the first point it came from; how many more points share
/// it follows after the run.
pub fn sweep(plan: &SweepPlan, mut monitor: Monitor<'_>) -> Result<Sweep, AnalysisError> {
    let prepared = scenario::Prepared::read(&plan.source);
    let loaded = prepared.load(&plan.overrides)?;
    for w in &loaded.warnings {
        monitor.warn(&w.to_string());
    }
    let base = loaded.scenario;
    let seed = plan.seed.unwrap_or(base.run.seed);
    if plan.vary.is_empty() {
        return Err(AnalysisError::Plan(
            "nothing to vary: give --vary PATH=VALUES, or --sample with ranges declared under `uncertain:` in the scenario"
                .into(),
        ));
    }
    super::each_path_once("--vary", plan.vary.iter().map(|v| v.path.as_str()))?;
    let grid = match plan.sample {
        None => grid(&plan.vary)?,
        Some(design) => sampled(&plan.vary, design, seed)?,
    };
    let trials = super::trials_or(plan.trials, &base)?;
    let meta = Meta::new(&base, seed, trials, &plan.overrides);
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut rows = Vec::with_capacity(grid.len());
    let build = |k: usize, monitor: &mut Monitor<'_>| {
        let values = &grid[k];
        let mut overrides = plan.overrides.clone();
        overrides.extend(
            plan.vary.iter().zip(values).map(|(v, value)| Override::from("--vary", v.path.clone(), value.clone())),
        );
        let where_ = || format!("at point {} ({})", k + 1, describe(&plan.vary, values));
        let loaded = prepared.load(&overrides).map_err(|error| AnalysisError::Scenario { context: where_(), error })?;
        for w in loaded.warnings {
            let place = format!("{}:{}:{}", w.file, w.line, w.column);
            match seen.iter_mut().find(|(p, _)| *p == place) {
                Some((_, more)) => *more += 1,
                None => {
                    monitor.warn(&format!("{w} [{}]", where_()));
                    seen.push((place, 0));
                }
            }
        }
        Ok(Some(Point { scenario: loaded.scenario, pairing: None }))
    };
    super::run_points(
        None,
        grid.len(),
        build,
        Plan { seed, start: 0, end: trials },
        &mut monitor,
        |k, s, stats, _| rows.push(table::point(s, &stats, &meta, grid[k].clone())),
    )?;
    for (place, more) in seen.into_iter().filter(|(_, more)| *more > 0) {
        monitor.warn(&format!("{place}: the same warning at {more} more points"));
    }
    Ok(Sweep {
        schema_version: SWEEP_SCHEMA_VERSION,
        meta,
        paths: plan.vary.iter().map(|v| v.path.clone()).collect(),
        design: plan.sample.map(|d| format!("{} (seed {seed})", d.label())),
        points: rows,
    })
}

/// A grid point as `path=value, …`.
fn describe(vary: &[Vary], values: &[String]) -> String {
    vary.iter().zip(values).map(|(v, value)| format!("{}={value}", v.path)).collect::<Vec<_>>().join(", ")
}

/// The points of a sampling design over the varied ranges.
fn sampled(vary: &[Vary], design: Sample, seed: u64) -> Result<Vec<Vec<String>>, AnalysisError> {
    let most = sobol_burley::NUM_DIMENSIONS as usize;
    if matches!(design, Sample::Sobol(_)) && vary.len() > most {
        return Err(AnalysisError::Plan(format!(
            "--sample {}: a Sobol' design has at most {most} paths; {} were given (use lhs:N)",
            design.label(),
            vary.len()
        )));
    }
    let ranges = ranges(vary, &format!("--sample {}", design.label()))?;
    let points = design.unit_points(ranges.len(), seed);
    Ok(points.iter().map(|u| ranges.iter().zip(u).map(|(spread, u)| value_at(spread, *u).1).collect()).collect())
}

/// Each varied path's spread; `what` (the flag that draws from them) names
/// the refusal of a path given as a grid.
pub(crate) fn ranges(vary: &[Vary], what: &str) -> Result<Vec<Spread>, AnalysisError> {
    vary.iter()
        .map(|v| {
            v.spread.ok_or_else(|| {
                AnalysisError::Plan(format!(
                    "--vary {}: {what} draws from ranges; give PATH=LO:HI (e.g. {}=0.2:0.9) or a distribution (e.g. {}=normal:0.8:0.05)",
                    v.path, v.path, v.path
                ))
            })
        })
        .collect()
}

/// Every combination of the varied values, the last path fastest.
fn grid(vary: &[Vary]) -> Result<Vec<Vec<String>>, AnalysisError> {
    if let Some(v) = vary.iter().find(|v| v.spread.is_some()) {
        return Err(AnalysisError::Plan(format!(
            "--vary {}: a range LO:HI is for --sample (lhs:N or sobol:N); a grid needs LO:HI:STEPS or V1,V2,…",
            v.path
        )));
    }
    let size = vary.iter().try_fold(1usize, |acc, v| acc.checked_mul(v.values.len()));
    match size {
        Some(n) if n <= MAX_SWEEP_POINTS => {}
        _ => {
            return Err(AnalysisError::Plan(format!(
                "the grid has more than {MAX_SWEEP_POINTS} points; vary fewer values"
            )));
        }
    }
    let mut grid: Vec<Vec<String>> = vec![Vec::new()];
    for v in vary {
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

#[cfg(test)]
mod tests {
    use super::Sample;

    /// Which of `n` equal strata of [0, 1) each coordinate `d` falls in.
    fn strata(points: &[Vec<f64>], d: usize, n: usize) -> Vec<usize> {
        let mut s: Vec<usize> = points.iter().map(|p| (p[d] * n as f64) as usize).collect();
        s.sort_unstable();
        s
    }

    #[test]
    fn a_latin_hypercube_uses_every_stratum_of_every_path_once() {
        let n = 50;
        let points = Sample::LatinHypercube(n).unit_points(3, 7);
        assert_eq!(points.len(), n);
        for d in 0..3 {
            assert_eq!(strata(&points, d, n), (0..n).collect::<Vec<_>>(), "dimension {d}");
        }
        assert_eq!(points, Sample::LatinHypercube(n).unit_points(3, 7), "the same seed gives the same design");
        assert_ne!(points, Sample::LatinHypercube(n).unit_points(3, 8));
    }

    #[test]
    fn scrambled_sobol_points_stratify_each_path_at_a_power_of_two() {
        // The first 2^m points of a (scrambled) Sobol' sequence put one
        // point in each interval [k/2^m, (k+1)/2^m) of every coordinate, and
        // one in each square of side 1/4 of two coordinates for 2^m = 16.
        let points = Sample::Sobol(64).unit_points(4, 2022);
        for d in 0..4 {
            assert_eq!(strata(&points, d, 64), (0..64).collect::<Vec<_>>(), "dimension {d}");
        }
        let first16 = &points[..16];
        let mut squares: Vec<(usize, usize)> =
            first16.iter().map(|p| ((p[0] * 4.0) as usize, (p[1] * 4.0) as usize)).collect();
        squares.sort_unstable();
        squares.dedup();
        assert_eq!(squares.len(), 16, "every square of the 4×4 grid holds one point");
        assert_ne!(points, Sample::Sobol(64).unit_points(4, 2023), "the seed scrambles");
    }

    #[test]
    fn a_sobol_design_past_its_dimensions_is_refused_not_a_panic() {
        let vary: Vec<super::Vary> = (0..=sobol_burley::NUM_DIMENSIONS)
            .map(|i| format!("members.m{i}.attributes.alignment=0:1").parse().expect("vary"))
            .collect();
        assert!(super::sampled(&vary, Sample::Sobol(4), 1).is_err());
        assert_eq!(super::sampled(&vary, Sample::LatinHypercube(4), 1).map(|p| p.len()).ok(), Some(4));
    }

    #[test]
    fn a_range_written_in_whole_numbers_draws_whole_numbers_evenly() {
        // 3000:3003 holds four whole numbers; 400 Latin-hypercube points put
        // exactly 100 on each (a stratum of 1/400 never straddles a quarter).
        let vary: Vec<super::Vary> = vec!["alliance.pools.peacekeeping.cap=3000:3003".parse().expect("vary")];
        assert!(matches!(vary[0].spread, Some(super::Spread::Range { whole: true, .. })));
        let points = super::sampled(&vary, Sample::LatinHypercube(400), 3).expect("design");
        for value in ["3000", "3001", "3002", "3003"] {
            assert_eq!(points.iter().filter(|p| p[0] == value).count(), 100, "{value}");
        }
        let real: super::Vary = "alliance.pools.peacekeeping.cap=3000.0:3003".parse().expect("vary");
        assert!(
            matches!(real.spread, Some(super::Spread::Range { whole: false, .. })),
            "a decimal point asks for any number"
        );
    }

    #[test]
    fn designs_are_read_from_their_text() {
        assert_eq!("lhs:64".parse::<Sample>(), Ok(Sample::LatinHypercube(64)));
        assert_eq!("sobol:128".parse::<Sample>(), Ok(Sample::Sobol(128)));
        for bad in ["lhs", "lhs:1", "grid:4", "sobol:x", "lhs:100000"] {
            assert!(bad.parse::<Sample>().is_err(), "{bad}");
        }
    }
}
