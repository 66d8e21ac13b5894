//! Property tests (proptest): the merge law of the statistics, expression
//! evaluation against a reference interpreter, and `extends` associativity.

use alliance_sim::batch::{Lockstep, run_range, run_range_lockstep};
use alliance_sim::rng::{StreamKey, SubStream, TrialKey};
use alliance_sim::rules::compile::{Context, Stage, Symbols, VarSymbol, compile};
use alliance_sim::rules::env::{Block, Env, Frame, LANES, LaneEnv, Statics};
use alliance_sim::rules::program::Type;
use alliance_sim::scenario::tree;
use alliance_sim::stats::Merge;
use alliance_sim::stats::paired::Pairing;
use proptest::prelude::*;

use crate::load;

// ----- the merge law ---------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Accumulating a range equals merging the accumulations of any split of
    /// it, bit for bit, for every statistic (BatchStats holds them all).
    #[test]
    fn statistics_of_a_range_equal_the_merge_of_its_parts(
        start in 0u64..50_000, len in 1u64..3_000, cuts in proptest::collection::vec(0.0f64..1.0, 1..4), seed in 0u64..1000,
    ) {
        let s = load("scenarios/kazakhstan-2022.yaml").scenario;
        let end = start + len;
        let whole = run_range(&s, seed, start, end);
        let mut points: Vec<u64> = cuts.iter().map(|c| start + (c * len as f64) as u64).collect();
        points.push(start);
        points.push(end);
        points.sort_unstable();
        let mut merged = alliance_sim::stats::batch::BatchStats::default();
        for w in points.windows(2) {
            merged.merge(&run_range(&s, seed, w[0], w[1]));
        }
        prop_assert_eq!(merged, whole);
    }

    /// The same law for the paired statistics of a comparison.
    #[test]
    fn paired_statistics_merge_exactly(start in 0u64..50_000, len in 1u64..2_000, cut in 0.0f64..1.0) {
        let a = load("scenarios/kazakhstan-2022.yaml").scenario;
        let b = load("scenarios/what-if/russia-committed-elsewhere.yaml").scenario;
        let pairing = Pairing::between(&a, &b);
        let pairings = std::slice::from_ref(&pairing);
        let end = start + len;
        let mid = start + (cut * len as f64) as u64;
        let whole = run_range_lockstep(&[&a, &b], pairings, 3, start, end);
        let mut merged = Lockstep::default();
        merged.merge(&run_range_lockstep(&[&a, &b], pairings, 3, start, mid));
        merged.merge(&run_range_lockstep(&[&a, &b], pairings, 3, mid, end));
        prop_assert_eq!(merged, whole);
    }
}

// ----- expressions against a reference interpreter ---------------------------

/// A well-typed expression, generated, printed and evaluated independently
/// of the parser and compiler.
#[derive(Debug, Clone)]
enum E {
    Num(f64),
    X,
    Y,
    Flag,
    Neg(Box<E>),
    Not(Box<E>),
    Arith(&'static str, Box<E>, Box<E>),
    Cmp(&'static str, Box<E>, Box<E>),
    Logic(&'static str, Box<E>, Box<E>),
    If(Box<E>, Box<E>, Box<E>),
    F1(&'static str, Box<E>),
    F2(&'static str, Box<E>, Box<E>),
    Clamp(Box<E>, Box<E>, Box<E>),
}

fn num_expr() -> impl Strategy<Value = E> {
    let leaf = prop_oneof![
        (-20i32..20, 0u32..3).prop_map(|(n, d)| E::Num(f64::from(n) / 10f64.powi(d as i32))),
        Just(E::X),
        Just(E::Y),
    ];
    leaf.prop_recursive(5, 48, 3, |inner| {
        let cond = bool_from(inner.clone());
        prop_oneof![
            inner.clone().prop_map(|e| E::Neg(Box::new(e))),
            (prop::sample::select(vec!["+", "-", "*", "/", "^"]), inner.clone(), inner.clone())
                .prop_map(|(op, a, b)| E::Arith(op, Box::new(a), Box::new(b))),
            (cond, inner.clone(), inner.clone()).prop_map(|(c, a, b)| E::If(Box::new(c), Box::new(a), Box::new(b))),
            (prop::sample::select(vec!["abs", "floor", "ceil", "round", "sqrt", "exp", "ln"]), inner.clone())
                .prop_map(|(f, a)| E::F1(f, Box::new(a))),
            (prop::sample::select(vec!["min", "max"]), inner.clone(), inner.clone()).prop_map(|(f, a, b)| E::F2(
                f,
                Box::new(a),
                Box::new(b)
            )),
            (inner.clone(), inner.clone(), inner).prop_map(|(a, b, c)| E::Clamp(Box::new(a), Box::new(b), Box::new(c))),
        ]
    })
}

fn bool_from(num: impl Strategy<Value = E> + Clone + 'static) -> impl Strategy<Value = E> + Clone {
    let leaf =
        prop_oneof![
            Just(E::Flag),
            (prop::sample::select(vec!["<", "<=", ">", ">=", "==", "!="]), num.clone(), num)
                .prop_map(|(op, a, b)| E::Cmp(op, Box::new(a), Box::new(b))),
        ];
    leaf.prop_recursive(2, 8, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| E::Not(Box::new(e))),
            (prop::sample::select(vec!["&&", "||"]), inner.clone(), inner).prop_map(|(op, a, b)| E::Logic(
                op,
                Box::new(a),
                Box::new(b)
            )),
        ]
    })
}

fn text(e: &E) -> String {
    match e {
        E::Num(x) if *x < 0.0 => format!("({x})"),
        E::Num(x) => format!("{x}"),
        E::X => "x".into(),
        E::Y => "y".into(),
        E::Flag => "flag".into(),
        E::Neg(a) => format!("(-{})", text(a)),
        E::Not(a) => format!("(!{})", text(a)),
        E::Arith(op, a, b) | E::Cmp(op, a, b) | E::Logic(op, a, b) => format!("({} {op} {})", text(a), text(b)),
        E::If(c, a, b) => format!("(if {} then {} else {})", text(c), text(a), text(b)),
        E::F1(f, a) => format!("{f}({})", text(a)),
        E::F2(f, a, b) => format!("{f}({}, {})", text(a), text(b)),
        E::Clamp(a, b, c) => format!("clamp({}, {}, {})", text(a), text(b), text(c)),
    }
}

/// The reference: IEEE arithmetic, booleans as 1/0, short-circuit logic,
/// min/max ignoring NaN like f64::min, clamp(x, lo, hi) = min(max(x, lo), hi).
fn reference(e: &E, x: f64, y: f64, flag: bool) -> f64 {
    let r = |e: &E| reference(e, x, y, flag);
    let truth = |v: f64| v != 0.0;
    let b = |v: bool| if v { 1.0 } else { 0.0 };
    match e {
        E::Num(v) => *v,
        E::X => x,
        E::Y => y,
        E::Flag => b(flag),
        E::Neg(a) => -r(a),
        E::Not(a) => b(!truth(r(a))),
        E::Arith(op, a, c) => {
            let (l, rr) = (r(a), r(c));
            match *op {
                "+" => l + rr,
                "-" => l - rr,
                "*" => l * rr,
                "/" => l / rr,
                _ => l.powf(rr),
            }
        }
        E::Cmp(op, a, c) => {
            let (l, rr) = (r(a), r(c));
            b(match *op {
                "<" => l < rr,
                "<=" => l <= rr,
                ">" => l > rr,
                ">=" => l >= rr,
                "==" => l == rr,
                _ => l != rr,
            })
        }
        E::Logic(op, a, c) => match *op {
            "&&" => b(truth(r(a)) && truth(r(c))),
            _ => b(truth(r(a)) || truth(r(c))),
        },
        E::If(c, a, d) => {
            if truth(r(c)) {
                r(a)
            } else {
                r(d)
            }
        }
        E::F1(f, a) => {
            let v = r(a);
            match *f {
                "abs" => v.abs(),
                "floor" => v.floor(),
                "ceil" => v.ceil(),
                "round" => v.round(),
                "sqrt" => v.sqrt(),
                "exp" => v.exp(),
                _ => v.ln(),
            }
        }
        E::F2(f, a, c) => {
            if *f == "min" {
                r(a).min(r(c))
            } else {
                r(a).max(r(c))
            }
        }
        E::Clamp(a, lo, hi) => r(a).max(r(lo)).min(r(hi)),
    }
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    /// Every generated expression compiles (it is well typed) and the
    /// compiled program — folding, fast paths and interpreter — gives
    /// exactly the reference's value.
    #[test]
    fn compiled_expressions_equal_the_reference_interpreter(
        e in num_expr(), x in -5.0f64..5.0, y in prop_oneof![Just(0.0), -3.0f64..3.0], flag in any::<bool>(),
    ) {
        let source = text(&e);
        let mut symbols = Symbols::default();
        for (name, ty) in [("x", Type::Num), ("y", Type::Num), ("flag", Type::Bool)] {
            symbols.vars.push(VarSymbol { name: name.into(), ty, stage: Stage::Variables });
        }
        let ctx = Context { stage: Stage::Request, member: false, visible_vars: 3, member_index: None };
        let program = match compile(&source, Some(Type::Num), &mut symbols, ctx) {
            Ok(p) => p,
            Err(errors) => {
                // Only the documented limits may refuse a well-typed expression.
                prop_assert!(errors.iter().all(|e| e.message.contains("stack") || e.message.contains("deep")), "{source}: {errors:?}");
                return Ok(());
            }
        };
        let statics = Statics::default();
        let mut frame = Frame::new(3, 0);
        frame.vars.copy_from_slice(&[x, y, if flag { 1.0 } else { 0.0 }]);
        let env = Env { statics: &statics, frame: &frame, member: 0 };
        let got = program.eval(&env, &mut SubStream::new(TrialKey(1, 2), StreamKey::of("p")));
        let want = reference(&e, x, y, flag);
        prop_assert!(same(got, want), "{source} with x={x}, y={y}, flag={flag}: got {got}, reference {want}");

        // Lane-wise, over a block whose lanes hold other values (zeros,
        // signs, both flags), every lane of the mask gets its reference.
        let lane_vars = |i: usize| {
            let x = if i % 7 == 3 { 0.0 } else { x + (i as f64 - 31.5) * 0.15 };
            let y = if i % 5 == 1 { 0.0 } else { y * ((i % 3) as f64 - 1.0) };
            (x, y, flag ^ (i % 2 == 1))
        };
        let mut block = Block::new(3, 0);
        for i in 0..LANES {
            let (x, y, flag) = lane_vars(i);
            block.vars[0][i] = x;
            block.vars[1][i] = y;
            block.vars[2][i] = if flag { 1.0 } else { 0.0 };
        }
        let env = LaneEnv { statics: &statics, block: &block, member: 0 };
        let mut rngs = std::array::from_fn(|i| SubStream::new(TrialKey(1, i as u64), StreamKey::of("p")));
        let mask = !0u64 ^ 0x0100_2000_0004_0010;
        let mut out = [f64::NAN; LANES];
        program.eval_lanes(&env, &mut rngs, mask, &mut out);
        for i in (0..LANES).filter(|i| mask >> i & 1 == 1) {
            let (x, y, flag) = lane_vars(i);
            let want = reference(&e, x, y, flag);
            prop_assert!(same(out[i], want), "{source} in lane {i} with x={x}, y={y}, flag={flag}: got {}, reference {want}", out[i]);
        }
    }
}

// ----- extends ---------------------------------------------------------------

/// A YAML map whose fields each keep one kind, as in valid scenarios: `a`
/// a number, `b` a string, `c` a list, `crisis` and `variables` maps.
fn yaml_map(depth: u32) -> BoxedStrategy<String> {
    let nested = if depth == 0 {
        Just("{}".to_string()).boxed()
    } else {
        yaml_map(depth - 1).prop_map(|m| format!("{{{m}}}")).boxed()
    };
    (
        proptest::option::of(0i32..100),
        proptest::option::of("[a-z]{1,3}"),
        proptest::option::of(proptest::collection::vec(0i32..9, 0..3)),
        proptest::option::of(nested.clone()),
        proptest::option::of(nested),
    )
        .prop_map(|(a, b, c, crisis, variables)| {
            let mut fields = Vec::new();
            if let Some(a) = a {
                fields.push(format!("a: {a}"));
            }
            if let Some(b) = b {
                fields.push(format!("b: \"{b}\""));
            }
            if let Some(c) = c {
                fields.push(format!("c: {c:?}"));
            }
            if let Some(m) = crisis {
                fields.push(format!("crisis: {m}"));
            }
            if let Some(m) = variables {
                fields.push(format!("variables: {m}"));
            }
            fields.join(", ")
        })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Laying C over (B over A) equals laying (C over B) over A, for files
    /// that give each field one kind and use no `~` (docs/scenarios.md, "`extends:` merge
    /// semantics": a `~`, or a scalar replacing a map, makes the grouping
    /// matter, and only the documented chain order applies).
    #[test]
    fn extends_merging_is_associative_without_deletions(a in yaml_map(3), b in yaml_map(3), c in yaml_map(3)) {
        let parse = |text: &str, file: u16| tree::parse(&format!("{{{text}}}"), file).expect("valid yaml");
        let (ta, tb, tc) = (parse(&a, 0), parse(&b, 1), parse(&c, 2));
        let left = tree::merge(tree::merge(ta.clone(), tb.clone()), tc.clone());
        let right = tree::merge(ta, tree::merge(tb, tc));
        prop_assert_eq!(left, right);
    }
}
