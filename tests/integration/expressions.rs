//! Table-driven expression tests: values (tests/data/expr_eval.csv) and
//! errors with positions (tests/data/expr_errors.csv).

use alliance_sim::rng::{StreamKey, SubStream, TrialKey};
use alliance_sim::rules::compile::{Context, Stage, Symbols, VarSymbol, compile};
use alliance_sim::rules::env::{Env, Frame, Statics};
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
