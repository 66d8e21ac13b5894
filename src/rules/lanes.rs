//! Programs compiled to lane-wise closures: one call evaluates an expression
//! for every trial of a [`Block`](super::env::Block) (issue #17).
//!
//! The tree is the one `super::closures` builds, node by node, but each
//! node works on [`LANES`] values at once: `severity > 0.6` is one loop over
//! the block's `severity` column that LLVM turns into vector instructions,
//! and the cost of calling a node is paid once per block instead of once
//! per trial.
//!
//! # Invariant
//!
//! For every lane in the mask, a lane-wise closure computes exactly what the
//! scalar closure computes for that lane's trial, with the same functions
//! (`binary`, `func1`, `func2`, `func3` and the samplers of `dist`) and the
//! same draws from the lane's own stream, in the same order:
//!
//! * a node that draws, draws only for the lanes of its mask (one
//!   `SubStream` per lane), after its operands, as the scalar node does;
//! * `&&`, `||` and `if … then … else` evaluate their right side or their
//!   branch under the mask of the lanes that reach it, so a draw there
//!   happens in exactly the trials where the scalar closure makes it;
//! * a node may write values in lanes outside its mask — one that draws
//!   nothing computes every lane, and a constant `triangular` transforms
//!   its uniforms for the whole block — but draws in none of them: values
//!   outside the mask are never read (branches merge under their masks).
//!
//! The block engine's differential test compares whole trials with the
//! scalar engine's; an expression test and the `eval_differential` fuzz
//! target compare the two closures' values and streams lane by lane.

use super::closures::{Tree, binary_node, tree, with_operand};
use super::env::{Field, LANES, LaneEnv, Lanes, Mask};
use super::ops::{
    Func1, Func2, Func3, MemberField, Op, binary, clamp, contributed, func1, func2, func3, load_from, math1,
    vote_string,
};
use crate::dist;
use crate::rng::SubStream;

/// A lane-wise program: fills `out` for the lanes of the mask, drawing from
/// each lane's stream.
pub type LaneFn = dyn Fn(&LaneEnv<'_>, &mut Streams, Mask, &mut Lanes) + Send + Sync;

/// One decision's stream per lane.
pub type Streams = [SubStream; LANES];

/// The lanes of `mask` whose value is not zero (NaN counts as not zero, as
/// `if` and `&&` read it).
#[inline(always)]
pub fn nonzero(values: &Lanes, mask: Mask) -> Mask {
    lanes_where(values, |v| v != 0.0) & mask
}

/// The lanes whose value passes `test`.
#[inline(always)]
pub fn lanes_where<T: Copy>(values: &[T; LANES], test: impl Fn(T) -> bool) -> Mask {
    values.iter().enumerate().fold(0, |bits, (i, &v)| bits | Mask::from(test(v)) << i)
}

/// Calls `f` with the index of every lane in `mask`, lowest first.
#[inline(always)]
pub fn each_lane(mut mask: Mask, mut f: impl FnMut(usize)) {
    while mask != 0 {
        f(mask.trailing_zeros() as usize);
        mask &= mask - 1;
    }
}

/// The mask of the first `n` lanes.
#[inline]
pub fn first_lanes(n: usize) -> Mask {
    let n = n.min(LANES);
    if n >= Mask::BITS as usize { Mask::MAX } else { (1 << n) - 1 }
}

enum Node {
    Const(f64),
    Var(usize),
    Field(Field),
    Dyn(Box<LaneFn>),
}

impl Node {
    /// A node computed by `f`, run in the copy compiled for the CPU's
    /// instruction set (`crate::cpu::dispatch`).
    fn new(f: impl Fn(&LaneEnv<'_>, &mut Streams, Mask, &mut Lanes) + Send + Sync + 'static) -> Node {
        Node::Dyn(Box::new(move |e, rngs, mask, out| {
            crate::cpu::dispatch(
                #[inline(always)]
                || f(e, rngs, mask, out),
            )
        }))
    }

    fn finish(self) -> Box<LaneFn> {
        match self {
            Node::Const(c) => Box::new(move |_, _, _, out| out.fill(c)),
            Node::Var(slot) => Box::new(move |e, _, _, out| *out = e.block.vars[slot]),
            Node::Field(f) => Box::new(move |e, _, _, out| *out = e.block.fields[f as usize]),
            Node::Dyn(d) => d,
        }
    }
}

/// How a specialised node reads one operand: in place (a column of the
/// block) or computed into `scratch`.
trait Operand: Send + Sync + 'static {
    fn get<'a>(&'a self, e: &'a LaneEnv<'_>, rngs: &mut Streams, mask: Mask, scratch: &'a mut Lanes) -> &'a Lanes;
}

struct Konst(f64);
struct Slot(usize);
struct Fld(Field);
struct Sub(Box<LaneFn>);

impl Operand for Konst {
    #[inline(always)]
    fn get<'a>(&'a self, _: &'a LaneEnv<'_>, _: &mut Streams, _: Mask, scratch: &'a mut Lanes) -> &'a Lanes {
        scratch.fill(self.0);
        scratch
    }
}

impl Operand for Slot {
    #[inline(always)]
    fn get<'a>(&'a self, e: &'a LaneEnv<'_>, _: &mut Streams, _: Mask, _: &'a mut Lanes) -> &'a Lanes {
        &e.block.vars[self.0]
    }
}

impl Operand for Fld {
    #[inline(always)]
    fn get<'a>(&'a self, e: &'a LaneEnv<'_>, _: &mut Streams, _: Mask, _: &'a mut Lanes) -> &'a Lanes {
        &e.block.fields[self.0 as usize]
    }
}

impl Operand for Sub {
    #[inline(always)]
    fn get<'a>(&'a self, e: &'a LaneEnv<'_>, rngs: &mut Streams, mask: Mask, scratch: &'a mut Lanes) -> &'a Lanes {
        (self.0)(e, rngs, mask, scratch);
        scratch
    }
}

/// A function of one value that draws nothing: every lane, in one loop.
fn pure1(x: Node, g: impl Fn(f64) -> f64 + Copy + Send + Sync + 'static) -> Node {
    if let Node::Const(c) = x {
        return Node::Const(g(c));
    }
    with_operand!(x, |a| Node::new(
        #[inline(always)]
        move |e, rngs, mask, out| {
            let mut sa = [0.0; LANES];
            let x = a.get(e, rngs, mask, &mut sa);
            for (o, x) in out.iter_mut().zip(x) {
                *o = g(*x);
            }
        }
    ))
}

/// A function of one value that draws: the lanes of the mask, each from its stream.
fn draw1(x: Node, g: impl Fn(f64, &mut SubStream) -> f64 + Copy + Send + Sync + 'static) -> Node {
    with_operand!(x, |a| Node::new(
        #[inline(always)]
        move |e, rngs, mask, out| {
            let mut sa = [0.0; LANES];
            let x = a.get(e, rngs, mask, &mut sa);
            each_lane(mask, |i| out[i] = g(x[i], &mut rngs[i]));
        }
    ))
}

/// A function of two values that draws nothing: folded when both are constants.
fn pure2(l: Node, r: Node, g: impl Fn(f64, f64) -> f64 + Copy + Send + Sync + 'static) -> Node {
    if let (Node::Const(a), Node::Const(b)) = (&l, &r) {
        return Node::Const(g(*a, *b));
    }
    with_operand!(l, |a| with_operand!(r, |b| Node::new(
        #[inline(always)]
        move |e, rngs, mask, out| {
            let (mut sa, mut sb) = ([0.0; LANES], [0.0; LANES]);
            let x = a.get(e, rngs, mask, &mut sa);
            let y = b.get(e, rngs, mask, &mut sb);
            for ((o, x), y) in out.iter_mut().zip(x).zip(y) {
                *o = g(*x, *y);
            }
        }
    )))
}

/// A function of two values that draws.
fn draw2(l: Node, r: Node, g: impl Fn(f64, f64, &mut SubStream) -> f64 + Copy + Send + Sync + 'static) -> Node {
    with_operand!(l, |a| with_operand!(r, |b| Node::new(
        #[inline(always)]
        move |e, rngs, mask, out| {
            let (mut sa, mut sb) = ([0.0; LANES], [0.0; LANES]);
            let x = a.get(e, rngs, mask, &mut sa);
            let y = b.get(e, rngs, mask, &mut sb);
            each_lane(mask, |i| out[i] = g(x[i], y[i], &mut rngs[i]));
        }
    )))
}

/// A function of three values (which may draw); every operand a node.
fn three(x: Node, y: Node, z: Node, g: impl Fn(f64, f64, f64, &mut SubStream) -> f64 + Send + Sync + 'static) -> Node {
    let (x, y, z) = (x.finish(), y.finish(), z.finish());
    Node::new(
        #[inline(always)]
        move |e, rngs, mask, out| {
            let (mut b, mut c) = ([0.0; LANES], [0.0; LANES]);
            x(e, rngs, mask, out);
            y(e, rngs, mask, &mut b);
            z(e, rngs, mask, &mut c);
            each_lane(mask, |i| out[i] = g(out[i], b[i], c[i], &mut rngs[i]));
        },
    )
}

/// The lane-wise closure of a well-formed operation list (as the compiler
/// emits). A malformed list evaluates to NaN, as its scalar closure does.
pub fn build(ops: &[Op]) -> Box<LaneFn> {
    tree::<Node>(ops).map_or_else(nan, Node::finish)
}

fn nan() -> Box<LaneFn> {
    Box::new(|_, _, _, out| out.fill(f64::NAN))
}

/// The votes of a member's column as the language reads them (string ids).
#[inline(always)]
fn votes(codes: &[u8; LANES], out: &mut Lanes) {
    for (o, code) in out.iter_mut().zip(codes) {
        *o = vote_string(*code);
    }
}

/// A draw from a sampler prepared from constant parameters, in the lanes of the mask.
fn sampled(sample: impl Fn(&mut SubStream) -> f64 + Send + Sync + 'static) -> Node {
    Node::new(
        #[inline(always)]
        move |_, rngs, mask, out| each_lane(mask, |i| out[i] = sample(&mut rngs[i])),
    )
}

/// A draw that is a function of one uniform (`at`, a sampler's inverse
/// distribution function): the whole block's uniforms at once, then the
/// values of every lane in vector registers (outside the mask, unused).
fn from_unit(at: impl Fn(f64) -> f64 + Send + Sync + 'static) -> Node {
    Node::new(
        #[inline(always)]
        move |_, rngs, mask, out| {
            SubStream::units(rngs, mask, out);
            for o in out.iter_mut() {
                *o = at(*o);
            }
        },
    )
}

/// `out` takes `from`'s value in the lanes of `mask`.
#[inline(always)]
fn merge(out: &mut Lanes, from: &Lanes, mask: Mask) {
    for (i, (o, f)) in out.iter_mut().zip(from).enumerate() {
        if mask >> i & 1 == 1 {
            *o = *f;
        }
    }
}

impl Tree for Node {
    fn leaf(op: Op) -> Node {
        match op {
            Op::Const(c) => Node::Const(c),
            Op::Var(slot) => Node::Var(usize::from(slot)),
            Op::Field(f) => Node::Field(f),
            // The member facts a trial sets are columns of the block: read
            // them so, rather than a lane at a time through `load_from`.
            Op::Member(MemberField::Vote) => Node::new(
                #[inline(always)]
                |e, _, _, out| votes(&e.block.votes[e.member], out),
            ),
            Op::Host(MemberField::Vote) => Node::new(
                #[inline(always)]
                |e, _, _, out| votes(&e.block.votes[e.statics.host], out),
            ),
            Op::Of(m, MemberField::Vote) => Node::new(
                #[inline(always)]
                move |e, _, _, out| votes(&e.block.votes[usize::from(m)], out),
            ),
            Op::Member(MemberField::Committed) => Node::new(
                #[inline(always)]
                |e, _, _, out| *out = e.block.committed[e.member],
            ),
            Op::Of(m, MemberField::Committed) => Node::new(
                #[inline(always)]
                move |e, _, _, out| *out = e.block.committed[usize::from(m)],
            ),
            Op::Contributes(m) => Node::new(
                #[inline(always)]
                move |e, _, _, out| {
                    for (o, c) in out.iter_mut().zip(&e.block.committed[usize::from(m)]) {
                        *o = contributed(*c);
                    }
                },
            ),
            other => Node::new(
                #[inline(always)]
                move |e, _, _, out| {
                    for (i, o) in out.iter_mut().enumerate() {
                        *o = load_from(e.statics, &e.block.lane(i), e.member, other);
                    }
                },
            ),
        }
    }

    /// `&&` goes on where the left is true, `||` where it is false: the
    /// right side is evaluated in those lanes only.
    fn and_or(and: bool, left: Node, right: Node) -> Node {
        let (left, right) = (left.finish(), right.finish());
        Node::new(
            #[inline(always)]
            move |e, rngs, mask, out| {
                left(e, rngs, mask, out);
                let true_lanes = nonzero(out, mask);
                let on = if and { true_lanes } else { mask & !true_lanes };
                if on != 0 {
                    let mut r = [0.0; LANES];
                    right(e, rngs, on, &mut r);
                    merge(out, &r, on);
                }
            },
        )
    }

    /// Each branch is evaluated in the lanes that take it.
    fn if_else(cond: Node, then: Node, otherwise: Node) -> Node {
        let (cond, then, otherwise) = (cond.finish(), then.finish(), otherwise.finish());
        Node::new(
            #[inline(always)]
            move |e, rngs, mask, out| {
                let mut c = [0.0; LANES];
                cond(e, rngs, mask, &mut c);
                let then_lanes = nonzero(&c, mask);
                let else_lanes = mask & !then_lanes;
                if then_lanes != 0 {
                    then(e, rngs, then_lanes, out);
                }
                if else_lanes != 0 {
                    let mut r = [0.0; LANES];
                    otherwise(e, rngs, else_lanes, &mut r);
                    merge(out, &r, else_lanes);
                }
            },
        )
    }

    fn unary(op: Op, x: Node) -> Node {
        match op {
            Op::Neg => pure1(x, |v| -v),
            Op::Not => pure1(x, |v| if v == 0.0 { 1.0 } else { 0.0 }),
            Op::F1(Func1::Abs) => pure1(x, |v| math1(Func1::Abs, v)),
            Op::F1(Func1::Exp) => pure1(x, |v| math1(Func1::Exp, v)),
            Op::F1(Func1::Ln) => pure1(x, |v| math1(Func1::Ln, v)),
            Op::F1(Func1::Sqrt) => pure1(x, |v| math1(Func1::Sqrt, v)),
            Op::F1(Func1::Floor) => pure1(x, |v| math1(Func1::Floor, v)),
            Op::F1(Func1::Ceil) => pure1(x, |v| math1(Func1::Ceil, v)),
            Op::F1(Func1::Round) => pure1(x, |v| math1(Func1::Round, v)),
            Op::F1(Func1::Logistic) => pure1(x, |v| math1(Func1::Logistic, v)),
            Op::F1(Func1::Logit) => pure1(x, |v| math1(Func1::Logit, v)),
            Op::F1(Func1::Sin) => pure1(x, |v| math1(Func1::Sin, v)),
            Op::F1(Func1::Cos) => pure1(x, |v| math1(Func1::Cos, v)),
            Op::F1(Func1::Exponential) => match x {
                Node::Const(rate) => {
                    let sampler = dist::ExponentialSampler::new(rate);
                    sampled(move |rng| sampler.sample(rng))
                }
                x => draw1(x, |v, rng| func1(Func1::Exponential, v, rng)),
            },
            Op::F1(Func1::Poisson) => draw1(x, |v, rng| func1(Func1::Poisson, v, rng)),
            // The whole block's uniforms at once, then `dist::bernoulli`'s test.
            _ => with_operand!(x, |a| Node::new(
                #[inline(always)]
                move |e, rngs, mask, out| {
                    let mut sa = [0.0; LANES];
                    let p = a.get(e, rngs, mask, &mut sa);
                    SubStream::units(rngs, mask, out);
                    for (o, p) in out.iter_mut().zip(p) {
                        *o = f64::from(u8::from(dist::below(*o, *p)));
                    }
                }
            )),
        }
    }

    fn binary(op: Op, l: Node, r: Node) -> Node {
        binary_node!(op, l, r)
    }

    fn function2(f: Func2, l: Node, r: Node) -> Node {
        match (f, &l, &r) {
            (Func2::Min, ..) => pure2(l, r, f64::min),
            (Func2::Max, ..) => pure2(l, r, f64::max),
            (Func2::Beta, Node::Const(a), Node::Const(b)) => match dist::BetaSampler::new(*a, *b) {
                dist::BetaSampler::OrderStatistic(o) => Node::new(
                    #[inline(always)]
                    move |_, rngs, mask, out| o.sample_lanes(rngs, mask, out),
                ),
                sampler => sampled(move |rng| sampler.sample(rng)),
            },
            (Func2::Uniform, Node::Const(lo), Node::Const(hi)) => {
                let sampler = dist::UniformSampler::new(*lo, *hi);
                from_unit(move |u| sampler.at(u))
            }
            (Func2::Uniform, ..) => draw2(l, r, |x, y, rng| func2(Func2::Uniform, x, y, rng)),
            (Func2::Normal, ..) => draw2(l, r, |x, y, rng| func2(Func2::Normal, x, y, rng)),
            (Func2::LogNormal, ..) => draw2(l, r, |x, y, rng| func2(Func2::LogNormal, x, y, rng)),
            (Func2::Beta, ..) => draw2(l, r, |x, y, rng| func2(Func2::Beta, x, y, rng)),
        }
    }

    fn ternary(f: Func3, x: Node, y: Node, z: Node) -> Node {
        match (f, &x, &y, &z) {
            (Func3::Clamp, _, Node::Const(lo), Node::Const(hi)) => {
                let (lo, hi) = (*lo, *hi);
                pure1(x, move |v| clamp(v, lo, hi))
            }
            (Func3::Triangular, Node::Const(lo), Node::Const(mode), Node::Const(hi)) => {
                let sampler = dist::TriangularSampler::new(*lo, *mode, *hi);
                from_unit(move |u| sampler.at(u))
            }
            (Func3::Clamp, ..) => three(x, y, z, |a, b, c, rng| func3(Func3::Clamp, a, b, c, rng)),
            (Func3::Triangular, ..) => three(x, y, z, |a, b, c, rng| func3(Func3::Triangular, a, b, c, rng)),
        }
    }
}
