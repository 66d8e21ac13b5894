//! Expression evaluation: a simple condition and a larger arithmetic rule.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

use alliance_sim::rng::{StreamKey, SubStream, TrialKey};
use alliance_sim::rules::compile::{Context, Stage, Symbols, VarSymbol, compile};
use alliance_sim::rules::env::{Env, Frame, Statics};
use alliance_sim::rules::program::Type;

fn bench(c: &mut Criterion) {
    let mut symbols = Symbols::default();
    for (name, ty) in [("severity", Type::Num), ("foreign_backed", Type::Bool), ("required", Type::Num)] {
        symbols.vars.push(VarSymbol { name: name.into(), ty, stage: Stage::Variables });
    }
    let ctx = Context { stage: Stage::Request, member: false, visible_vars: 3, member_index: None };
    let simple = compile("severity > 0.6 && foreign_backed", Some(Type::Bool), &mut symbols, ctx).expect("compiles");
    let large = compile(
        "if severity > 0.5 then clamp(0.2 + 0.5 * severity - required / 10000, 0, 1) else logistic(severity * 3 - 1)",
        Some(Type::Num),
        &mut symbols,
        ctx,
    )
    .expect("compiles");
    let statics = Statics::default();
    let mut frame = Frame::new(3, 0);
    frame.vars.copy_from_slice(&[0.7, 1.0, 2500.0]);
    let mut rng = SubStream::new(TrialKey(1, 2), StreamKey::of("bench"));
    let mut group = c.benchmark_group("expr");
    group.bench_function("simple", |b| {
        b.iter(|| {
            let env = Env { statics: &statics, frame: black_box(&frame), member: 0 };
            black_box(simple.eval(&env, &mut rng))
        })
    });
    group.bench_function("large", |b| {
        b.iter(|| {
            let env = Env { statics: &statics, frame: black_box(&frame), member: 0 };
            black_box(large.eval(&env, &mut rng))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
