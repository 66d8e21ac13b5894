//! The instruction set of compiled expressions: the operations, the
//! functions they name, and what each computes. Both the closures that
//! evaluate a program (`super::closures`) and the compiler's constant
//! folding call the functions here, so a folded constant is exactly what
//! evaluation would give.

use super::env::{Env, Field, Statics, TrialState};
use crate::dist;
use crate::rng::SubStream;

/// A member-level fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberField {
    /// Attribute slot.
    Attr(u16),
    /// Pledge to a given pool.
    Pledge(u16),
    /// Pledge to the chosen pool.
    PledgeChosen,
    /// Lead time in days.
    LeadTime,
    /// The member's id (string).
    Id,
    /// Whether it is the host.
    IsHost,
    /// Whether it chairs the council.
    IsChair,
    /// Its vote (string).
    Vote,
    /// Personnel it committed.
    Committed,
    /// Whether its status is active (boolean).
    Active,
}

/// Functions of one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func1 {
    /// |x|
    Abs,
    /// e^x
    Exp,
    /// ln x
    Ln,
    /// √x
    Sqrt,
    /// ⌊x⌋
    Floor,
    /// ⌈x⌉
    Ceil,
    /// nearest integer
    Round,
    /// 1 / (1 + e^-x)
    Logistic,
    /// ln(p / (1 - p))
    Logit,
    /// sine (radians)
    Sin,
    /// cosine (radians)
    Cos,
    /// exponential(rate) draw
    Exponential,
    /// poisson(lambda) draw
    Poisson,
    /// bernoulli(p) draw
    Bernoulli,
}

/// Functions of two numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func2 {
    /// smaller
    Min,
    /// larger
    Max,
    /// uniform(lo, hi) draw
    Uniform,
    /// normal(mean, sd) draw
    Normal,
    /// lognormal(mu, sigma) draw
    LogNormal,
    /// beta(alpha, beta) draw
    Beta,
}

/// Functions of three numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func3 {
    /// clamp(x, lo, hi)
    Clamp,
    /// triangular(lo, mode, hi) draw
    Triangular,
}

/// One stack operation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    /// Push a constant.
    Const(f64),
    /// Push a crisis variable or outcome.
    Var(u16),
    /// Push a trial field.
    Field(Field),
    /// Push a fact of the member in scope.
    Member(MemberField),
    /// Push a fact of the host.
    Host(MemberField),
    /// Push a fact of a named member (by index).
    Of(u16, MemberField),
    /// Push whether a named member committed personnel.
    Contributes(u16),
    /// Push the chair's id.
    Chair,
    /// Push the number of active members.
    MembersActive,
    /// Push the crisis kind.
    CrisisKind,
    /// Push a pool's cap.
    PoolCap(u16),
    /// Negate.
    Neg,
    /// Logical not.
    Not,
    /// Add.
    Add,
    /// Subtract.
    Sub,
    /// Multiply.
    Mul,
    /// Divide.
    Div,
    /// Power.
    Pow,
    /// Less than.
    Lt,
    /// Less or equal.
    Le,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Ge,
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Pop; skip this many operations when false. (Jumps are relative,
    /// forward, so the compiler can cut code before them.)
    JumpIfFalse(u32),
    /// Skip this many operations.
    Jump(u32),
    /// `&&`: if the top is false keep it and skip, else pop it.
    AndJump(u32),
    /// `||`: if the top is true keep it and skip, else pop it.
    OrJump(u32),
    /// Apply a function of one value.
    F1(Func1),
    /// Apply a function of two values.
    F2(Func2),
    /// Apply a function of three values.
    F3(Func3),
}

impl Op {
    /// Whether the operation draws random numbers (and so cannot be folded).
    pub(crate) fn is_draw(self) -> bool {
        matches!(
            self,
            Op::F1(Func1::Exponential | Func1::Poisson | Func1::Bernoulli)
                | Op::F2(Func2::Uniform | Func2::Normal | Func2::LogNormal | Func2::Beta)
                | Op::F3(Func3::Triangular)
        )
    }

    /// Whether the operation reads nothing of the scenario or the trial but
    /// constants and crisis variables: two programs of such operations that
    /// are equal compute the same from the same variables and stream, in
    /// any scenario.
    pub(crate) fn reads_only_variables(self) -> bool {
        !matches!(
            self,
            Op::Field(_)
                | Op::Member(_)
                | Op::Host(_)
                | Op::Of(..)
                | Op::Contributes(_)
                | Op::Chair
                | Op::MembersActive
                | Op::CrisisKind
                | Op::PoolCap(_)
        )
    }

    /// Whether the operation reads nothing of the scenario but constants,
    /// crisis variables and the trial's own state (fields, votes,
    /// commitments): two such programs that are equal compute the same at
    /// the same point of two trials whose state so far is the same.
    pub(crate) fn reads_only_the_trial(self) -> bool {
        use MemberField::{Committed, Vote};
        self.reads_only_variables()
            || matches!(
                self,
                Op::Field(_) | Op::Contributes(_) | Op::Member(Vote | Committed) | Op::Of(_, Vote | Committed)
            )
    }

    /// How many stack values a computing operation consumes (0 for loads and jumps).
    pub(crate) fn arity(self) -> usize {
        match self {
            Op::Neg | Op::Not | Op::F1(_) => 1,
            Op::F3(_) => 3,
            op if is_binary(op) || matches!(op, Op::Pow | Op::F2(_)) => 2,
            _ => 0,
        }
    }
}

/// Applies a computing operation (of [`Op::arity`] arguments) to `args`.
/// The compiler's constant folding uses it; it calls the functions the
/// closures call ([`binary`], [`func1`], …), so a folded constant is exactly
/// what evaluation would give.
/// Arguments beyond the operation's arity are ignored.
#[inline(always)]
pub(crate) fn apply(op: Op, x: f64, y: f64, z: f64, rng: &mut SubStream) -> f64 {
    match op {
        Op::Neg => -x,
        Op::Not => b(x == 0.0),
        Op::F1(f) => func1(f, x, rng),
        Op::Pow => x.powf(y),
        Op::F2(f) => func2(f, x, y, rng),
        Op::F3(f) => func3(f, x, y, z, rng),
        op => binary(op, x, y),
    }
}

fn is_binary(op: Op) -> bool {
    matches!(op, Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Eq | Op::Ne)
}

#[inline]
fn b(x: bool) -> f64 {
    if x { 1.0 } else { 0.0 }
}

/// `member.vote` as the language reads a vote code: its string's id.
#[inline(always)]
pub(crate) fn vote_string(code: u8) -> f64 {
    f64::from(code) + VOTE_STRING_BASE
}

/// `contributes(m)` of the personnel `m` committed.
#[inline(always)]
pub(crate) fn contributed(committed: f64) -> f64 {
    b(committed > 0.0)
}

/// Performs a load operation (the caller checked it is one).
#[inline(always)]
pub(crate) fn load(env: &Env<'_>, op: Op) -> f64 {
    load_from(env.statics, env.frame, env.member, op)
}

/// Performs a load operation on any trial state: a frame, or a block's lane.
#[inline(always)]
pub(crate) fn load_from(statics: &Statics, state: &impl TrialState, member: usize, op: Op) -> f64 {
    match op {
        Op::Const(v) => v,
        Op::Var(slot) => state.var(usize::from(slot)),
        Op::Field(f) => state.field(f),
        Op::Member(f) => member_field(statics, state, member, f),
        Op::Host(f) => member_field(statics, state, statics.host, f),
        Op::Of(m, f) => member_field(statics, state, usize::from(m), f),
        Op::Contributes(m) => contributed(state.committed(usize::from(m))),
        Op::Chair => statics.member_names[statics.chair],
        Op::MembersActive => statics.members_active,
        Op::CrisisKind => statics.crisis_kind,
        Op::PoolCap(p) => statics.pool_caps[usize::from(p)],
        _ => f64::NAN,
    }
}

/// Applies a binary operator (the caller checked it is one).
#[inline(always)]
pub(crate) fn binary(op: Op, l: f64, r: f64) -> f64 {
    match op {
        Op::Add => l + r,
        Op::Sub => l - r,
        Op::Mul => l * r,
        Op::Div => l / r,
        Op::Lt => b(l < r),
        Op::Le => b(l <= r),
        Op::Gt => b(l > r),
        Op::Ge => b(l >= r),
        Op::Eq => b(l == r),
        Op::Ne => b(l != r),
        _ => f64::NAN,
    }
}

/// A member-level fact that does not change during a run (None for the
/// fields a trial sets: the vote, the chosen pool's pledge, commitments).
pub(crate) fn static_member_field(s: &Statics, m: usize, f: MemberField) -> Option<f64> {
    match f {
        MemberField::Attr(a) => s.attrs.get(m * s.n_attrs + usize::from(a)).copied(),
        MemberField::Pledge(p) => s.pledges.get(m * s.n_pools + usize::from(p)).copied(),
        MemberField::LeadTime => s.lead_times.get(m).copied(),
        MemberField::Id => s.member_names.get(m).copied(),
        MemberField::IsHost => Some(b(m == s.host)),
        MemberField::IsChair => Some(b(m == s.chair)),
        MemberField::Active => s.active.get(m).copied(),
        MemberField::PledgeChosen | MemberField::Vote | MemberField::Committed => None,
    }
}

/// Reads a member-level fact.
#[inline(always)]
fn member_field(s: &Statics, state: &impl TrialState, m: usize, f: MemberField) -> f64 {
    match f {
        MemberField::PledgeChosen => {
            let pool = state.pool();
            if pool < s.n_pools { s.pledges[m * s.n_pools + pool] } else { 0.0 }
        }
        MemberField::Vote => vote_string(state.vote(m)),
        MemberField::Committed => state.committed(m),
        fixed => static_member_field(s, m, fixed).unwrap_or(0.0),
    }
}

/// The language's numeric functions by name, in the order messages list
/// them, with the operation each compiles to (its arity is the operation's,
/// [`Op::arity`]; `min` and `max` also take more than two arguments).
pub(crate) const FUNCTIONS: [(&str, Op); 22] = [
    ("min", Op::F2(Func2::Min)),
    ("max", Op::F2(Func2::Max)),
    ("clamp", Op::F3(Func3::Clamp)),
    ("abs", Op::F1(Func1::Abs)),
    ("exp", Op::F1(Func1::Exp)),
    ("ln", Op::F1(Func1::Ln)),
    ("sqrt", Op::F1(Func1::Sqrt)),
    ("floor", Op::F1(Func1::Floor)),
    ("ceil", Op::F1(Func1::Ceil)),
    ("round", Op::F1(Func1::Round)),
    ("logistic", Op::F1(Func1::Logistic)),
    ("logit", Op::F1(Func1::Logit)),
    ("sin", Op::F1(Func1::Sin)),
    ("cos", Op::F1(Func1::Cos)),
    ("uniform", Op::F2(Func2::Uniform)),
    ("normal", Op::F2(Func2::Normal)),
    ("lognormal", Op::F2(Func2::LogNormal)),
    ("beta", Op::F2(Func2::Beta)),
    ("triangular", Op::F3(Func3::Triangular)),
    ("bernoulli", Op::F1(Func1::Bernoulli)),
    ("exponential", Op::F1(Func1::Exponential)),
    ("poisson", Op::F1(Func1::Poisson)),
];

/// Interned ids 0..=3 are the outcome classes; 4..=7 are the vote words
/// `none`, `support`, `abstain`, `block` (interned first by the scenario builder).
pub(crate) const VOTE_STRING_BASE: f64 = 4.0;

/// Applies a one-argument function.
#[inline(always)]
pub(crate) fn func1(f: Func1, x: f64, rng: &mut SubStream) -> f64 {
    match f {
        Func1::Exponential => dist::exponential(rng, x),
        Func1::Poisson => dist::poisson(rng, x),
        Func1::Bernoulli => b(dist::bernoulli(rng, x)),
        _ => math1(f, x),
    }
}

/// Applies a one-argument function that draws nothing (NaN for a draw).
#[inline(always)]
pub(crate) fn math1(f: Func1, x: f64) -> f64 {
    match f {
        Func1::Abs => x.abs(),
        Func1::Exp => x.exp(),
        Func1::Ln => x.ln(),
        Func1::Sqrt => x.sqrt(),
        Func1::Floor => x.floor(),
        Func1::Ceil => x.ceil(),
        Func1::Round => x.round(),
        Func1::Logistic => 1.0 / (1.0 + (-x).exp()),
        Func1::Logit => (x / (1.0 - x)).ln(),
        Func1::Sin => x.sin(),
        Func1::Cos => x.cos(),
        Func1::Exponential | Func1::Poisson | Func1::Bernoulli => f64::NAN,
    }
}

/// Applies a two-argument function.
#[inline(always)]
pub(crate) fn func2(f: Func2, x: f64, y: f64, rng: &mut SubStream) -> f64 {
    match f {
        Func2::Min => x.min(y),
        Func2::Max => x.max(y),
        Func2::Uniform => dist::uniform(rng, x, y),
        Func2::Normal => dist::normal(rng, x, y),
        Func2::LogNormal => dist::lognormal(rng, x, y),
        Func2::Beta => dist::beta(rng, x, y),
    }
}

/// Applies a three-argument function.
#[inline(always)]
pub(crate) fn func3(f: Func3, x: f64, y: f64, z: f64, rng: &mut SubStream) -> f64 {
    match f {
        Func3::Clamp => clamp(x, y, z),
        Func3::Triangular => dist::triangular(rng, x, y, z),
    }
}

/// `clamp(x, lo, hi)` as the language computes it (no panic when lo > hi).
#[inline(always)]
pub(crate) fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.max(lo).min(hi)
}
