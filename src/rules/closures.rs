//! Programs compiled to nested closures: evaluation without a dispatch loop.
//!
//! A [`Program`](super::program::Program)'s operations are postfix with
//! structured forward jumps. [`build`] turns them back into a tree and makes
//! every node a closure specialised to its operation *and* to the kind of its
//! operands — a constant, a crisis variable, a trial field, or another node —
//! so `severity > 0.6` is one small function that reads a slot and compares,
//! with no operation decoding at run time. Distributions whose parameters are
//! constants are prepared once (a `beta(6, 2)` keeps its sampler).
//!
//! # Invariant
//!
//! A closure computes exactly what the operations say, with the same
//! functions ([`binary`], [`func1`], [`func2`], [`func3`] and the samplers of
//! [`crate::dist`]) and in the same order, so every draw happens when and as
//! the operations make it. The property test and the `eval_differential`
//! fuzz target compare evaluation with an independent reference interpreter.

use super::env::{Env, Field};
use super::ops::{Func1, Func2, Func3, MemberField, Op, binary, func1, func2, func3, load};
use crate::dist;
use crate::rng::SubStream;

/// A compiled program: a function of the trial so far and the decision's stream.
pub type EvalFn = dyn Fn(&Env<'_>, &mut SubStream) -> f64 + Send + Sync;

/// A node while the tree is built: leaves stay data so that their parent
/// can specialise to them.
enum Node {
    Const(f64),
    Var(usize),
    Field(Field),
    Dyn(Box<EvalFn>),
}

impl Node {
    fn new(f: impl Fn(&Env<'_>, &mut SubStream) -> f64 + Send + Sync + 'static) -> Node {
        Node::Dyn(Box::new(f))
    }

    fn finish(self) -> Box<EvalFn> {
        match self {
            Node::Const(c) => Box::new(move |_, _| c),
            Node::Var(slot) => Box::new(move |e, _| e.frame.vars[slot]),
            Node::Field(f) => Box::new(move |e, _| e.frame.get(f)),
            Node::Dyn(d) => d,
        }
    }
}

/// How a specialised closure reads one operand.
trait Operand: Send + Sync + 'static {
    fn get(&self, e: &Env<'_>, rng: &mut SubStream) -> f64;
}

struct Konst(f64);
struct Slot(usize);
struct Fld(Field);
struct Sub(Box<EvalFn>);

impl Operand for Konst {
    #[inline(always)]
    fn get(&self, _: &Env<'_>, _: &mut SubStream) -> f64 {
        self.0
    }
}

impl Operand for Slot {
    #[inline(always)]
    fn get(&self, e: &Env<'_>, _: &mut SubStream) -> f64 {
        e.frame.vars[self.0]
    }
}

impl Operand for Fld {
    #[inline(always)]
    fn get(&self, e: &Env<'_>, _: &mut SubStream) -> f64 {
        e.frame.get(self.0)
    }
}

impl Operand for Sub {
    #[inline(always)]
    fn get(&self, e: &Env<'_>, rng: &mut SubStream) -> f64 {
        (self.0)(e, rng)
    }
}

/// Binds `$x` to the operand `$node` as its specialised reader (`Konst`,
/// `Slot`, `Fld` or `Sub`, as the module that expands it defines them:
/// here and in `super::lanes`).
macro_rules! with_operand {
    ($node:expr, |$x:ident| $body:expr) => {
        match $node {
            Node::Const(c) => {
                let $x = Konst(c);
                $body
            }
            Node::Var(s) => {
                let $x = Slot(s);
                $body
            }
            Node::Field(f) => {
                let $x = Fld(f);
                $body
            }
            Node::Dyn(d) => {
                let $x = Sub(d);
                $body
            }
        }
    };
}
pub(super) use with_operand;

/// The node of a binary operator: `pure2` (of the module that expands it)
/// with the operator fixed in its closure, so nothing is decoded at run time.
macro_rules! binary_node {
    ($op:expr, $l:expr, $r:expr) => {
        match $op {
            Op::Add => pure2($l, $r, |x, y| binary(Op::Add, x, y)),
            Op::Sub => pure2($l, $r, |x, y| binary(Op::Sub, x, y)),
            Op::Mul => pure2($l, $r, |x, y| binary(Op::Mul, x, y)),
            Op::Div => pure2($l, $r, |x, y| binary(Op::Div, x, y)),
            Op::Lt => pure2($l, $r, |x, y| binary(Op::Lt, x, y)),
            Op::Le => pure2($l, $r, |x, y| binary(Op::Le, x, y)),
            Op::Gt => pure2($l, $r, |x, y| binary(Op::Gt, x, y)),
            Op::Ge => pure2($l, $r, |x, y| binary(Op::Ge, x, y)),
            Op::Eq => pure2($l, $r, |x, y| binary(Op::Eq, x, y)),
            Op::Ne => pure2($l, $r, |x, y| binary(Op::Ne, x, y)),
            _ => pure2($l, $r, f64::powf),
        }
    };
}
pub(super) use binary_node;

/// A function of one value (which may draw).
fn one(x: Node, g: impl Fn(f64, &mut SubStream) -> f64 + Copy + Send + Sync + 'static) -> Node {
    with_operand!(x, |a| Node::new(move |e, rng| {
        let x = a.get(e, rng);
        g(x, rng)
    }))
}

/// A function of two values (which may draw).
fn two(l: Node, r: Node, g: impl Fn(f64, f64, &mut SubStream) -> f64 + Copy + Send + Sync + 'static) -> Node {
    with_operand!(l, |a| with_operand!(r, |b| Node::new(move |e, rng| {
        let x = a.get(e, rng);
        let y = b.get(e, rng);
        g(x, y, rng)
    })))
}

/// A function of two values that draws nothing: folded when both are constants.
fn pure2(l: Node, r: Node, g: impl Fn(f64, f64) -> f64 + Copy + Send + Sync + 'static) -> Node {
    if let (Node::Const(a), Node::Const(b)) = (&l, &r) {
        return Node::Const(g(*a, *b));
    }
    two(l, r, move |x, y, _| g(x, y))
}

/// A function of three values (which may draw); every operand a node.
fn three(x: Node, y: Node, z: Node, g: impl Fn(f64, f64, f64, &mut SubStream) -> f64 + Send + Sync + 'static) -> Node {
    let (x, y, z) = (x.finish(), y.finish(), z.finish());
    Node::new(move |e, rng| {
        let a = x(e, rng);
        let b = y(e, rng);
        let c = z(e, rng);
        g(a, b, c, rng)
    })
}

/// The closure of a well-formed operation list (as the compiler emits).
/// A malformed list (which the compiler never produces) evaluates to NaN.
pub fn build(ops: &[Op]) -> Box<EvalFn> {
    tree::<Node>(ops).map_or_else(nan, Node::finish)
}

fn nan() -> Box<EvalFn> {
    Box::new(|_, _| f64::NAN)
}

/// A kind of node that a program's operations are built into: the scalar
/// closures here, the lane-wise ones in `super::lanes`. Both are built by
/// the one walk over the operations, [`tree`].
pub(super) trait Tree: Sized {
    /// A load: a constant, a variable, a field or a fact.
    fn leaf(op: Op) -> Self;
    /// `left && right` (`and`) or `left || right`.
    fn and_or(and: bool, left: Self, right: Self) -> Self;
    /// `if cond then then else otherwise`.
    fn if_else(cond: Self, then: Self, otherwise: Self) -> Self;
    /// `-x`, `!x` or a function of one value.
    fn unary(op: Op, x: Self) -> Self;
    /// An arithmetic or comparison operator, or `^`.
    fn binary(op: Op, l: Self, r: Self) -> Self;
    /// A function of two values.
    fn function2(f: Func2, l: Self, r: Self) -> Self;
    /// A function of three values.
    fn ternary(f: Func3, x: Self, y: Self, z: Self) -> Self;
}

/// The tree of a well-formed operation list: the one node it leaves.
pub(super) fn tree<T: Tree>(ops: &[Op]) -> Option<T> {
    let mut stack = sequence(ops)?;
    (stack.len() == 1).then(|| stack.pop()).flatten()
}

/// Builds a sequence of operations into the nodes it leaves on the stack.
fn sequence<T: Tree>(ops: &[Op]) -> Option<Vec<T>> {
    let mut stack: Vec<T> = Vec::new();
    let mut pc = 0;
    while let Some(&op) = ops.get(pc) {
        pc += 1;
        let node = match op {
            Op::AndJump(skip) | Op::OrJump(skip) => {
                let end = pc.checked_add(skip as usize)?;
                let right = tree(ops.get(pc..end)?)?;
                let left = stack.pop()?;
                pc = end;
                T::and_or(matches!(op, Op::AndJump(_)), left, right)
            }
            Op::JumpIfFalse(skip) => {
                // cond; JumpIfFalse → else; then…; Jump → end; else…
                let else_at = pc.checked_add(skip as usize)?;
                let Some(&Op::Jump(skip_else)) = ops.get(else_at.checked_sub(1)?) else { return None };
                let end = else_at.checked_add(skip_else as usize)?;
                let then = tree(ops.get(pc..else_at - 1)?)?;
                let otherwise = tree(ops.get(else_at..end)?)?;
                let cond = stack.pop()?;
                pc = end;
                T::if_else(cond, then, otherwise)
            }
            Op::Jump(_) => return None,
            Op::Neg | Op::Not | Op::F1(_) => T::unary(op, stack.pop()?),
            Op::F3(f) => {
                let z = stack.pop()?;
                let y = stack.pop()?;
                let x = stack.pop()?;
                T::ternary(f, x, y, z)
            }
            Op::F2(f) => {
                let r = stack.pop()?;
                let l = stack.pop()?;
                T::function2(f, l, r)
            }
            op if op.arity() == 2 => {
                let r = stack.pop()?;
                let l = stack.pop()?;
                T::binary(op, l, r)
            }
            load_op => T::leaf(load_op),
        };
        stack.push(node);
    }
    Some(stack)
}

impl Tree for Node {
    fn leaf(op: Op) -> Node {
        match op {
            Op::Const(c) => Node::Const(c),
            Op::Var(slot) => Node::Var(usize::from(slot)),
            Op::Field(f) => Node::Field(f),
            // The trial-dependent loads rules use most, with the operation fixed
            // in the closure, so `load` decodes nothing at run time.
            Op::Member(MemberField::PledgeChosen) => Node::new(|e, _| load(e, Op::Member(MemberField::PledgeChosen))),
            Op::Member(MemberField::Vote) => Node::new(|e, _| load(e, Op::Member(MemberField::Vote))),
            Op::Member(MemberField::Committed) => Node::new(|e, _| load(e, Op::Member(MemberField::Committed))),
            Op::Contributes(m) => Node::new(move |e, _| load(e, Op::Contributes(m))),
            other => Node::new(move |e, _| load(e, other)),
        }
    }

    fn and_or(and: bool, left: Node, right: Node) -> Node {
        let (left, right) = (left.finish(), right.finish());
        if and {
            Node::new(move |e, rng| {
                let l = left(e, rng);
                if l == 0.0 { l } else { right(e, rng) }
            })
        } else {
            Node::new(move |e, rng| {
                let l = left(e, rng);
                if l != 0.0 { l } else { right(e, rng) }
            })
        }
    }

    fn if_else(cond: Node, then: Node, otherwise: Node) -> Node {
        let (cond, then, otherwise) = (cond.finish(), then.finish(), otherwise.finish());
        Node::new(move |e, rng| if cond(e, rng) == 0.0 { otherwise(e, rng) } else { then(e, rng) })
    }

    fn unary(op: Op, x: Node) -> Node {
        match op {
            Op::Neg => one(x, |v, _| -v),
            Op::Not => one(x, |v, _| if v == 0.0 { 1.0 } else { 0.0 }),
            Op::F1(Func1::Abs) => one(x, |v, rng| func1(Func1::Abs, v, rng)),
            Op::F1(Func1::Exp) => one(x, |v, rng| func1(Func1::Exp, v, rng)),
            Op::F1(Func1::Ln) => one(x, |v, rng| func1(Func1::Ln, v, rng)),
            Op::F1(Func1::Sqrt) => one(x, |v, rng| func1(Func1::Sqrt, v, rng)),
            Op::F1(Func1::Floor) => one(x, |v, rng| func1(Func1::Floor, v, rng)),
            Op::F1(Func1::Ceil) => one(x, |v, rng| func1(Func1::Ceil, v, rng)),
            Op::F1(Func1::Round) => one(x, |v, rng| func1(Func1::Round, v, rng)),
            Op::F1(Func1::Logistic) => one(x, |v, rng| func1(Func1::Logistic, v, rng)),
            Op::F1(Func1::Logit) => one(x, |v, rng| func1(Func1::Logit, v, rng)),
            Op::F1(Func1::Sin) => one(x, |v, rng| func1(Func1::Sin, v, rng)),
            Op::F1(Func1::Cos) => one(x, |v, rng| func1(Func1::Cos, v, rng)),
            Op::F1(Func1::Exponential) => one(x, |v, rng| func1(Func1::Exponential, v, rng)),
            Op::F1(Func1::Poisson) => one(x, |v, rng| func1(Func1::Poisson, v, rng)),
            _ => one(x, |v, rng| func1(Func1::Bernoulli, v, rng)),
        }
    }

    fn binary(op: Op, l: Node, r: Node) -> Node {
        binary_node!(op, l, r)
    }

    fn function2(f: Func2, l: Node, r: Node) -> Node {
        match (f, &l, &r) {
            // As `func2` computes them; they draw nothing.
            (Func2::Min, ..) => pure2(l, r, f64::min),
            (Func2::Max, ..) => pure2(l, r, f64::max),
            (Func2::Beta, Node::Const(a), Node::Const(b)) => {
                let sampler = dist::BetaSampler::new(*a, *b);
                Node::new(move |_, rng| sampler.sample(rng))
            }
            (Func2::Uniform, ..) => two(l, r, |x, y, rng| func2(Func2::Uniform, x, y, rng)),
            (Func2::Normal, ..) => two(l, r, |x, y, rng| func2(Func2::Normal, x, y, rng)),
            (Func2::LogNormal, ..) => two(l, r, |x, y, rng| func2(Func2::LogNormal, x, y, rng)),
            (Func2::Beta, ..) => two(l, r, |x, y, rng| func2(Func2::Beta, x, y, rng)),
        }
    }

    fn ternary(f: Func3, x: Node, y: Node, z: Node) -> Node {
        match (f, &x, &y, &z) {
            (Func3::Clamp, _, Node::Const(lo), Node::Const(hi)) => {
                let (lo, hi) = (*lo, *hi);
                one(x, move |v, rng| func3(Func3::Clamp, v, lo, hi, rng))
            }
            (Func3::Triangular, Node::Const(lo), Node::Const(mode), Node::Const(hi)) => {
                let (lo, mode, hi) = (*lo, *mode, *hi);
                Node::new(move |_, rng| func3(Func3::Triangular, lo, mode, hi, rng))
            }
            (Func3::Clamp, ..) => three(x, y, z, |a, b, c, rng| func3(Func3::Clamp, a, b, c, rng)),
            (Func3::Triangular, ..) => three(x, y, z, |a, b, c, rng| func3(Func3::Triangular, a, b, c, rng)),
        }
    }
}
