//! The checks the fuzz targets run, shared with `tests/regressions.rs`,
//! which replays every input a fuzzer ever crashed on.

use alliance_sim::batch::run_range;
use alliance_sim::rng::{StreamKey, SubStream, TrialKey};
use alliance_sim::rules::compile::{Context, Stage, Symbols, VarSymbol, compile};
use alliance_sim::rules::env::{Env, Frame, Statics};
use alliance_sim::rules::parser::{self, BinaryOp, Expr, ExprKind, UnaryOp};
use alliance_sim::rules::program::Type;
use alliance_sim::scenario::{self, Source};

/// Scenario text from arbitrary bytes: loads or reports errors, never
/// panics; a scenario that loads runs a few trials.
pub fn load_scenario(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let source = Source::Text { name: "fuzz.yaml".into(), text: text.to_string() };
    if let Ok(loaded) = scenario::load(&source, &[]) {
        let stats = run_range(&loaded.scenario, 1, 0, 64);
        assert_eq!(stats.trials, 64);
    }
}

/// The variables every expression target may read.
fn symbols() -> Symbols {
    let mut symbols = Symbols::default();
    for (name, ty) in [("x", Type::Num), ("y", Type::Num), ("flag", Type::Bool)] {
        symbols.vars.push(VarSymbol { name: name.into(), ty, stage: Stage::Variables });
    }
    symbols
}

const CONTEXT: Context = Context { stage: Stage::Request, member: false, visible_vars: 3, member_index: None };

/// Expression text from arbitrary bytes: compiles or reports errors whose
/// offsets lie inside the text; what compiles evaluates without panicking.
pub fn expression(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match compile(text, None, &mut symbols(), CONTEXT) {
        Ok(program) => {
            let statics = Statics::default();
            let mut frame = Frame::new(3, 0);
            frame.vars.copy_from_slice(&[1.5, -2.0, 1.0]);
            let env = Env { statics: &statics, frame: &frame, member: 0 };
            let _ = program.eval(&env, &mut SubStream::new(TrialKey(3, 4), StreamKey::of("fuzz")));
        }
        Err(errors) => {
            for e in errors {
                assert!(e.at <= text.chars().count(), "error offset {} beyond the text", e.at);
            }
        }
    }
}

/// The reference: a direct walk of the parsed tree with IEEE arithmetic,
/// booleans as 1/0 and short-circuit logic. `None` for what it does not
/// model (random draws, names other than x, y, flag, strings).
pub fn reference(e: &Expr, vars: [f64; 3]) -> Option<f64> {
    let b = |v: bool| if v { 1.0 } else { 0.0 };
    Some(match &e.kind {
        ExprKind::Num(v) => *v,
        ExprKind::Bool(v) => b(*v),
        ExprKind::Str(_) => return None,
        ExprKind::Path(p) => match p.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["x"] => vars[0],
            ["y"] => vars[1],
            ["flag"] => vars[2],
            _ => return None,
        },
        ExprKind::Unary(UnaryOp::Neg, a) => -reference(a, vars)?,
        ExprKind::Unary(UnaryOp::Not, a) => b(reference(a, vars)? == 0.0),
        ExprKind::Binary(op, l, r) => {
            let x = reference(l, vars)?;
            match op {
                BinaryOp::And => return Some(if x == 0.0 { 0.0 } else { b(reference(r, vars)? != 0.0) }),
                BinaryOp::Or => return Some(if x != 0.0 { 1.0 } else { b(reference(r, vars)? != 0.0) }),
                _ => {}
            }
            let y = reference(r, vars)?;
            match op {
                BinaryOp::Add => x + y,
                BinaryOp::Sub => x - y,
                BinaryOp::Mul => x * y,
                BinaryOp::Div => x / y,
                BinaryOp::Pow => x.powf(y),
                BinaryOp::Lt => b(x < y),
                BinaryOp::Le => b(x <= y),
                BinaryOp::Gt => b(x > y),
                BinaryOp::Ge => b(x >= y),
                BinaryOp::Eq => b(x == y),
                BinaryOp::Ne => b(x != y),
                BinaryOp::And | BinaryOp::Or => unreachable!("handled above"),
            }
        }
        ExprKind::If(c, t, f) => {
            if reference(c, vars)? != 0.0 {
                reference(t, vars)?
            } else {
                reference(f, vars)?
            }
        }
        ExprKind::Call(name, args) => {
            let a: Vec<f64> = args.iter().map(|x| reference(x, vars)).collect::<Option<_>>()?;
            match (name.as_str(), a.as_slice()) {
                ("abs", [v]) => v.abs(),
                ("exp", [v]) => v.exp(),
                ("ln", [v]) => v.ln(),
                ("sqrt", [v]) => v.sqrt(),
                ("floor", [v]) => v.floor(),
                ("ceil", [v]) => v.ceil(),
                ("round", [v]) => v.round(),
                ("logistic", [v]) => 1.0 / (1.0 + (-v).exp()),
                ("logit", [v]) => (v / (1.0 - v)).ln(),
                ("min", [first, rest @ ..]) if !rest.is_empty() => rest.iter().fold(*first, |m, v| m.min(*v)),
                ("max", [first, rest @ ..]) if !rest.is_empty() => rest.iter().fold(*first, |m, v| m.max(*v)),
                ("clamp", [v, lo, hi]) => v.max(*lo).min(*hi),
                _ => return None,
            }
        }
    })
}

/// Differential: every expression that compiles to a number or boolean and
/// that the reference models evaluates to exactly the reference's value.
pub fn eval_differential(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let vars = [f64::from(data[0] as i8) / 8.0, f64::from(data[1] as i8) / 8.0, f64::from(data[2] & 1)];
    let Ok(text) = std::str::from_utf8(&data[3..]) else { return };
    let Ok(program) = compile(text, None, &mut symbols(), CONTEXT) else { return };
    if program.ty() == Type::Str {
        return;
    }
    lanes_equal_the_scalar_closure(&program, vars, text);
    let Ok(ast) = parser::parse(text) else { panic!("compiled but does not parse: {text:?}") };
    let Some(want) = reference(&ast, vars) else { return };
    let statics = Statics::default();
    let mut frame = Frame::new(3, 0);
    frame.vars.copy_from_slice(&vars);
    let env = Env { statics: &statics, frame: &frame, member: 0 };
    let got = program.eval(&env, &mut SubStream::new(TrialKey(3, 4), StreamKey::of("fuzz")));
    assert!(
        got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
        "{text:?} with x={}, y={}, flag={}: program {got}, reference {want}",
        vars[0],
        vars[1],
        vars[2]
    );
}

/// The lane-wise closure of `program` gives, in every lane of a mask, the
/// scalar closure's value for that lane's variables and stream, and leaves
/// every lane's stream where the scalar evaluation leaves it (draws
/// included, which the reference interpreter cannot follow).
fn lanes_equal_the_scalar_closure(program: &alliance_sim::rules::program::Program, vars: [f64; 3], text: &str) {
    use alliance_sim::rules::env::{Block, LANES, LaneEnv, Mask};
    let lane_vars = |i: usize| {
        let flag = (i % 2 == 1) ^ (vars[2] != 0.0);
        [vars[0] + (i % 5) as f64 - 2.0, if i.is_multiple_of(3) { 0.0 } else { vars[1] }, f64::from(u8::from(flag))]
    };
    let mut block = Block::new(3, 0);
    for i in 0..LANES {
        for (k, v) in lane_vars(i).into_iter().enumerate() {
            block.vars[k][i] = v;
        }
    }
    let statics = Statics::default();
    let stream = |i: usize| SubStream::new(TrialKey(3, i as u64), StreamKey::of("fuzz"));
    let mut rngs = std::array::from_fn(stream);
    let mask: Mask = 0xF0F0_FFFF_0000_FFFE;
    let mut out = [0.0; LANES];
    program.eval_lanes(&LaneEnv { statics: &statics, block: &block, member: 0 }, &mut rngs, mask, &mut out);
    for (i, lane_rng) in rngs.iter().enumerate() {
        let mut rng = stream(i);
        if mask >> i & 1 == 1 {
            let mut frame = Frame::new(3, 0);
            frame.vars.copy_from_slice(&lane_vars(i));
            let want = program.eval(&Env { statics: &statics, frame: &frame, member: 0 }, &mut rng);
            assert!(
                out[i].to_bits() == want.to_bits() || (out[i].is_nan() && want.is_nan()),
                "{text:?} in lane {i}: lanes {}, scalar {want}",
                out[i]
            );
        }
        assert_eq!(*lane_rng, rng, "{text:?}: lane {i}'s stream");
    }
}

/// A partial result from arbitrary bytes (a mutated real part, re-sealed so
/// that the digest does not stop the fuzzer at the door): `merge`'s checks
/// refuse it or pass it, never panic; a part that passes summarises into
/// probabilities within [0, 1] and means within the values seen.
pub fn merge_part(data: &[u8]) {
    use alliance_sim::shard::{self, Partial};
    use alliance_sim::stats::summary;
    let Ok(part) = serde_json::from_slice::<Partial>(data) else { return };
    let part = part.seal();
    assert!(part.is_intact());
    static SCENARIO: std::sync::OnceLock<alliance_sim::scenario::Scenario> = std::sync::OnceLock::new();
    let s = SCENARIO.get_or_init(|| {
        scenario::load(&Source::Bundled("kazakhstan-2022".into()), &[]).expect("bundled scenario").scenario
    });
    let Ok((meta, stats)) = shard::Merger::new("fuzz.json".into(), part, |stats: &alliance_sim::stats::batch::BatchStats| stats.check(s))
        .and_then(shard::Merger::finish)
    else {
        return;
    };
    let stats_max = stats.deployed.max as f64;
    let deployed_mean = stats.deployed.mean();
    assert!(stats.deployed.n == 0 || deployed_mean <= stats_max, "mean {deployed_mean} above max {stats_max}");
    let summary = summary::summarise(s, &stats, meta);
    let json = serde_json::to_value(&summary).expect("json");
    assert!(!json.is_null());
}

/// A command line from arbitrary bytes (arguments separated by NUL): clap
/// and the value parsers (shards, ranges, overrides, paths, threads) accept
/// or refuse it, never panic.
pub fn cli_args(data: &[u8]) {
    use clap::Parser;
    let Ok(text) = std::str::from_utf8(data) else { return };
    let args = std::iter::once("alliance-sim").chain(text.split('\0'));
    let _ = alliance_sim::cli::Cli::try_parse_from(args);
}

/// An analysis from arbitrary bytes: a method byte, a stop instant, then
/// NUL-separated `--vary`/`--fit` specs and sizes. The specs parse or are
/// refused; a plan of any size is refused or, when small, run — with the
/// stop flag raised after a fuzz-chosen number of progress reports, the
/// interruption at a random instant. Never a panic: the result is a value
/// or an error, and an interrupted analysis is `Interrupted`.
pub fn analysis_args(data: &[u8]) {
    use std::sync::atomic::{AtomicBool, Ordering};

    use alliance_sim::analysis::{
        self, AnalysisError, CalibratePlan, FitParameter, Monitor, MorrisPlan, SensitivityPlan, SobolPlan, SweepPlan, Vary,
    };
    let [method, stop_after, rest @ ..] = data else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let mut fields = text.split('\0');
    let specs: Vec<&str> = fields.by_ref().take(3).collect();
    let size: usize = fields.next().and_then(|s| s.parse().ok()).unwrap_or(8);
    let vary: Vec<Vary> = specs.iter().filter_map(|s| s.parse().ok()).collect();
    let source = Source::Bundled("kazakhstan-2022".into());
    let cancel = AtomicBool::new(false);
    let mut reports = 0u8;
    let monitor = Monitor::new(&cancel, |_, _| {
        reports = reports.saturating_add(1);
        if reports >= *stop_after {
            cancel.store(true, Ordering::Relaxed);
        }
    });
    // Small enough to run in a fuzzing iteration; the size checks see the
    // size as given.
    let trials = 16;
    let result: Result<(), AnalysisError> = match method % 5 {
        0 => {
            let sample = fields.next().and_then(|s| s.parse().ok());
            let plan = SweepPlan { source, overrides: Vec::new(), vary, trials: Some(trials), seed: Some(1), sample };
            let points: usize = plan.vary.iter().map(|v| v.values.len().max(1)).product();
            if points > 64 {
                return;
            }
            analysis::sweep(&plan, monitor).map(drop)
        }
        1 => {
            let plan = SobolPlan {
                source,
                overrides: Vec::new(),
                metric: "deploy".into(),
                vary,
                samples: size,
                trials,
                seed: Some(1),
            };
            match plan.size() {
                Ok(points) if points <= 256 => analysis::sobol(&plan, monitor).map(drop),
                Ok(_) => return,
                Err(e) => Err(e),
            }
        }
        2 => {
            let plan = MorrisPlan {
                source,
                overrides: Vec::new(),
                metric: "deploy".into(),
                vary,
                trajectories: size,
                levels: 4,
                trials,
                seed: Some(1),
            };
            match plan.size() {
                Ok(points) if points <= 256 => analysis::morris(&plan, monitor).map(drop),
                Ok(_) => return,
                Err(e) => Err(e),
            }
        }
        3 => {
            let inputs = specs.iter().map(|s| s.split('=').next().unwrap_or(s).to_string()).collect();
            let plan = SensitivityPlan {
                source,
                overrides: Vec::new(),
                metric: "deploy".into(),
                fraction: 0.1,
                inputs,
                trials,
                seed: Some(1),
            };
            analysis::sensitivity(&plan, monitor).map(drop)
        }
        _ => {
            let fit: Vec<FitParameter> = specs.iter().filter_map(|s| s.parse().ok()).collect();
            let plan = CalibratePlan {
                cases: vec![source],
                fit,
                trials,
                seed: 1,
                max_iterations: (size as u64).min(3),
                intervals: false,
                cross_validate: false,
            };
            analysis::calibrate(&plan, monitor).map(drop)
        }
    };
    // Interrupted only when asked (it may also finish before the flag is seen).
    if let Err(AnalysisError::Interrupted(_)) = result {
        assert!(cancel.load(Ordering::Relaxed), "interrupted without a stop");
    }
}
