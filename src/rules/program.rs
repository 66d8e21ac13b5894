//! Compiled expressions and their evaluation.
//!
//! A [`Program`] is a flat list of stack operations over `f64` (booleans are
//! 0/1, strings are interned ids), the form the compiler folds constants in
//! and tests inspect. The checker proved the types and the stack depth at
//! load; the operations are then built into closures (`super::closures`)
//! and into lane-wise closures for a block of trials (`super::lanes`), so
//! evaluation cannot fail, does not allocate, decodes no operation and
//! looks up no strings.

use super::closures::{self, EvalFn};
use super::env::{Env, LaneEnv, Lanes, Mask};
use super::lanes::{self, LaneFn, Streams};
use super::ops::Op;
use crate::rng::SubStream;

/// The largest stack an expression may need.
pub(crate) const MAX_STACK: usize = 16;

/// The value types of the expression language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A real number.
    Num,
    /// true / false.
    Bool,
    /// A string (an id or a kind).
    Str,
}

impl Type {
    /// The type's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Type::Num => "a number",
            Type::Bool => "a boolean",
            Type::Str => "a string",
        }
    }
}

/// How [`Program::eval`] gets the value: the two commonest programs (a
/// rule's constant operand, a condition that is one variable) skip the call.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Direct {
    Const(f64),
    Var(usize),
    Closure,
}

/// A compiled expression: the closure built from its operations (see
/// `super::closures`), and the operations, type and text it came from.
///
/// Only the first two fields are read while trials run; the source sits
/// behind a pointer so that rules, which hold three programs each, stay
/// small enough for the specialised copies to share the L1 cache.
pub struct Program {
    /// Constants and single variables are read in place; anything else
    /// calls the closure.
    direct: Direct,
    eval: Box<EvalFn>,
    source: Box<Source>,
}

/// Where a program came from, and its lane-wise closure (called once per
/// block of trials, so it can sit behind the pointer).
struct Source {
    lanes: Box<LaneFn>,
    ops: Box<[Op]>,
    ty: Type,
    text: String,
}

impl Program {
    pub(crate) fn new(ops: Vec<Op>, ty: Type, text: &str) -> Program {
        let direct = match *ops {
            [Op::Const(c)] => Direct::Const(c),
            [Op::Var(slot)] => Direct::Var(usize::from(slot)),
            _ => Direct::Closure,
        };
        let eval = closures::build(&ops);
        let lanes = lanes::build(&ops);
        let source = Box::new(Source { lanes, ops: ops.into_boxed_slice(), ty, text: text.to_string() });
        Program { direct, eval, source }
    }

    /// A constant program.
    pub(crate) fn constant(value: f64, ty: Type) -> Program {
        Program::new(vec![Op::Const(value)], ty, &value.to_string())
    }

    /// The program that applies the function `op` to the values of `args`,
    /// evaluated in order: a distribution's draw from its parameters.
    pub(crate) fn call(op: Op, args: &[&Program], ty: Type, name: &str) -> Program {
        let mut ops: Vec<Op> = args.iter().flat_map(|a| a.ops().iter().copied()).collect();
        ops.push(op);
        let texts: Vec<&str> = args.iter().map(|a| a.text()).collect();
        Program::new(ops, ty, &format!("{name}({})", texts.join(", ")))
    }

    /// The constant value, when the program is one.
    #[inline]
    pub fn as_constant(&self) -> Option<f64> {
        match self.direct {
            Direct::Const(v) => Some(v),
            _ => None,
        }
    }

    /// Whether evaluating the program draws random numbers.
    pub fn draws(&self) -> bool {
        self.ops().iter().any(|op| op.is_draw())
    }

    /// The operations (for tests and the reference interpreter).
    pub fn ops(&self) -> &[Op] {
        &self.source.ops
    }

    /// The value type.
    pub fn ty(&self) -> Type {
        self.source.ty
    }

    /// The source text, for `explain` and reports.
    pub fn text(&self) -> &str {
        &self.source.text
    }

    /// Evaluates the program.
    #[inline]
    pub fn eval(&self, env: &Env<'_>, rng: &mut SubStream) -> f64 {
        match self.direct {
            Direct::Const(c) => c,
            Direct::Var(slot) => env.frame.vars[slot],
            Direct::Closure => (self.eval)(env, rng),
        }
    }

    /// Evaluates the program for the lanes of `mask` of a block, each lane
    /// drawing from its own stream (see `super::lanes`).
    #[inline]
    pub fn eval_lanes(&self, env: &LaneEnv<'_>, rngs: &mut Streams, mask: Mask, out: &mut Lanes) {
        match self.direct {
            Direct::Const(c) => out.fill(c),
            Direct::Var(slot) => *out = env.block.vars[slot],
            Direct::Closure => (self.source.lanes)(env, rngs, mask, out),
        }
    }
}

impl Clone for Program {
    /// Builds the copy's closure again (a `Box` evaluates faster than a
    /// shared `Arc<dyn Fn>`, and programs are copied only while loading).
    fn clone(&self) -> Program {
        Program::new(self.ops().to_vec(), self.ty(), self.text())
    }
}

impl PartialEq for Program {
    /// Programs are equal when their sources are (the closure is built from them).
    fn eq(&self, other: &Program) -> bool {
        self.ops() == other.ops() && self.ty() == other.ty() && self.text() == other.text()
    }
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program").field("ops", &self.ops()).field("ty", &self.ty()).field("text", &self.text()).finish()
    }
}
