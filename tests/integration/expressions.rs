//! Table-driven expression tests: values (tests/data/expr_eval.csv) and
//! errors with positions (tests/data/expr_errors.csv).

use alliance_sim::rng::{StreamKey, SubStream, TrialKey};
use alliance_sim::rules::compile::{Context, Stage, Symbols, VarSymbol, compile};
use alliance_sim::rules::env::{Block, Env, Frame, LANES, LaneEnv, Mask, Statics};
use alliance_sim::rules::program::Type;

use crate::repo;

fn symbols() -> Symbols {
    let mut s = Symbols::default();
    for (name, ty) in [("x", Type::Num), ("y", Type::Num), ("flag", Type::Bool)] {
        s.vars.push(VarSymbol { name: name.into(), ty, stage: Stage::Variables });
    }
    s.members = vec!["a".into()];
    s
}

fn rows(file: &str) -> Vec<Vec<String>> {
    std::fs::read_to_string(repo(file))
        .expect("table")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(';').map(str::to_string).collect())
        .collect()
}

const CONTEXT: Context = Context { stage: Stage::Request, member: false, visible_vars: 3, member_index: None };

#[test]
fn expressions_evaluate_to_their_table_values() {
    for row in rows("tests/data/expr_eval.csv") {
        let (text, expected) = (&row[0], row[1].parse::<f64>().expect("number"));
        let mut syms = symbols();
        let kind = syms.intern("internal_unrest");
        let program = compile(text, None, &mut syms, CONTEXT).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        let statics = Statics { crisis_kind: kind, member_names: vec![0.0], ..Statics::default() };
        let mut frame = Frame::new(3, 1);
        frame.vars.copy_from_slice(&[2.0, 0.5, 1.0]);
        let env = Env { statics: &statics, frame: &frame, member: 0 };
        let mut rng = SubStream::new(TrialKey(1, 2), StreamKey::of("t"));
        let got = program.eval(&env, &mut rng);
        assert!((got - expected).abs() < 1e-12, "{text}: got {got}, expected {expected}");
    }
}

#[test]
fn expression_errors_point_at_the_right_character() {
    for row in rows("tests/data/expr_errors.csv") {
        let (text, at, fragment) = (&row[0], row[1].parse::<usize>().expect("offset"), &row[2]);
        let errors = compile(text, None, &mut symbols(), CONTEXT).expect_err(text);
        assert!(
            errors.iter().any(|e| e.at == at && e.message.contains(fragment.as_str())),
            "{text}: expected '{fragment}' at {at}, got {errors:?}"
        );
    }
}

#[test]
fn constant_subexpressions_are_folded() {
    let p = compile("2 * 3 + 1", Some(Type::Num), &mut symbols(), CONTEXT).expect("compiles");
    assert_eq!(p.as_constant(), Some(7.0));
    let p = compile("x * (2 + 3)", Some(Type::Num), &mut symbols(), CONTEXT).expect("compiles");
    assert_eq!(p.ops().len(), 3);
    // Constant conditions keep one side only.
    let p = compile("true && flag", Some(Type::Bool), &mut symbols(), CONTEXT).expect("compiles");
    assert_eq!(p.ops().len(), 1);
    let p = compile("if 2 > 1 then x else y", Some(Type::Num), &mut symbols(), CONTEXT).expect("compiles");
    assert_eq!(p.ops().len(), 1);
}

/// Expressions that draw, behind every kind of branch.
const DRAWING: [&str; 13] = [
    "uniform(x, x + 1) + uniform(0, y)",
    "if flag then normal(x, 1) else beta(2, 3) * uniform(0, 1)",
    "if bernoulli(0.5) then exponential(y + 0.5) else poisson(x + 1)",
    "flag && bernoulli(0.3)",
    "!flag || uniform(0, 1) < y",
    "x > 1 && (y == 0 || beta(x + 1, 2) > 0.5)",
    "triangular(0, y, 1) + triangular(0, 0.5, 1)",
    "lognormal(0, y + 0.1) * (if x > 2 then uniform(1, 2) else 1)",
    "clamp(normal(x, 1), 0, uniform(1, 3))",
    "max(uniform(0, 1), uniform(0, 1), uniform(0, 1))",
    "if y > 0 then if x > 2 then exponential(1) else uniform(0, x) else if bernoulli(0.9) then 1 else 0",
    "beta(6, 2) + beta(y + 0.5, x + 0.5)",
    // Constant parameters the samplers sanitise: reversed, a point, a zero rate.
    "triangular(2, 5, 1) + triangular(1, 1, 1) + uniform(3, 1) + exponential(0)",
];

/// Lane-wise evaluation gives, in every lane of a mask, what the scalar
/// closure gives for that lane's values and stream, and leaves each lane's
/// stream exactly where the scalar evaluation leaves it (outside the mask:
/// untouched) — for the value table and for expressions that draw behind
/// `&&`, `||` and `if`.
#[test]
fn lane_wise_evaluation_equals_the_scalar_closure_lane_by_lane() {
    let rows = rows("tests/data/expr_eval.csv");
    let texts = rows.iter().map(|r| r[0].as_str()).chain(DRAWING);
    let lane_vars =
        |i: usize| [2.0 + (i % 5) as f64 - 2.0, if i.is_multiple_of(3) { 0.0 } else { 0.5 }, (i % 2) as f64];
    let mut block = Block::new(3, 1);
    for i in 0..LANES {
        for (k, v) in lane_vars(i).into_iter().enumerate() {
            block.vars[k][i] = v;
        }
    }
    let stream = |i: usize| SubStream::new(TrialKey(5, i as u64), StreamKey::of("lanes"));
    let mask: Mask = 0xF0F0_FFFF_0000_FFFE;
    for text in texts {
        let mut syms = symbols();
        let kind = syms.intern("internal_unrest");
        let program = compile(text, None, &mut syms, CONTEXT).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        let statics = Statics { crisis_kind: kind, member_names: vec![0.0], ..Statics::default() };
        let mut rngs = std::array::from_fn(stream);
        let mut out = [f64::NAN; LANES];
        program.eval_lanes(&LaneEnv { statics: &statics, block: &block, member: 0 }, &mut rngs, mask, &mut out);
        for (i, lane_rng) in rngs.iter().enumerate() {
            let mut rng = stream(i);
            if mask >> i & 1 == 1 {
                let mut frame = Frame::new(3, 1);
                frame.vars.copy_from_slice(&lane_vars(i));
                let want = program.eval(&Env { statics: &statics, frame: &frame, member: 0 }, &mut rng);
                assert!(
                    out[i].to_bits() == want.to_bits() || (out[i].is_nan() && want.is_nan()),
                    "{text} in lane {i}: lanes {}, scalar {want}",
                    out[i]
                );
            }
            assert_eq!(*lane_rng, rng, "{text}: lane {i}'s stream");
        }
    }
}
