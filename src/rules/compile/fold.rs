//! Constant folding: loads the scenario's facts fix become constants, and
//! operations on constants are applied at compile time (with the same
//! functions evaluation calls), never across a jump target.

use super::{Compiler, Facts};
use crate::rng::{StreamKey, SubStream, TrialKey};
use crate::rules::env::Field;
use crate::rules::ops::{MemberField, Op, apply, static_member_field};

impl Compiler<'_> {
    /// The value of a load that the scenario's facts fix, if any.
    pub(super) fn known_value(&self, op: Op) -> Option<f64> {
        let facts = self.symbols.facts.as_ref()?;
        let st = &facts.statics;
        match op {
            Op::Var(slot) => facts.fixed_vars.get(usize::from(slot)).copied().flatten(),
            Op::Field(Field::Pool) => st.pool_names.get(facts.pool?).copied(),
            Op::Field(Field::PoolCap) => st.pool_caps.get(facts.pool?).copied(),
            Op::Field(Field::PoolPledged) => st.pool_pledged.get(facts.pool?).copied(),
            Op::Member(f) => known_member_field(facts, self.ctx.member_index?, f),
            Op::Host(f) => known_member_field(facts, st.host, f),
            Op::Of(m, f) => known_member_field(facts, usize::from(m), f),
            Op::Chair => st.member_names.get(st.chair).copied(),
            Op::MembersActive => Some(st.members_active),
            Op::CrisisKind => Some(st.crisis_kind),
            Op::PoolCap(p) => st.pool_caps.get(usize::from(p)).copied(),
            _ => None,
        }
    }

    /// Points the jump at `at` to `to` (as a forward skip) and marks `to` as
    /// a jump target.
    pub(super) fn patch(&mut self, at: usize, to: usize) {
        let skip = u32::try_from(to - at - 1).unwrap_or(u32::MAX);
        if let Some(op) = self.ops.get_mut(at) {
            *op = match *op {
                Op::JumpIfFalse(_) => Op::JumpIfFalse(skip),
                Op::Jump(_) => Op::Jump(skip),
                Op::AndJump(_) => Op::AndJump(skip),
                Op::OrJump(_) => Op::OrJump(skip),
                other => other,
            };
        }
        self.barrier = self.barrier.max(to);
    }

    /// Removes and returns a trailing constant that no jump targets.
    pub(super) fn take_constant(&mut self) -> Option<f64> {
        match self.ops.last() {
            Some(Op::Const(v)) if self.ops.len() > self.barrier => {
                let v = *v;
                self.ops.pop();
                self.depth -= 1;
                Some(v)
            }
            _ => None,
        }
    }

    /// After cutting a construct down to the code in `kept` (now at the end):
    /// if that code has no jumps, nothing inside it is a jump target, so the
    /// barrier goes back to where it was before the construct.
    pub(super) fn after_cut(&mut self, barrier: usize, kept: std::ops::Range<usize>) {
        let has_jumps = self.ops[kept.start.min(self.ops.len())..]
            .iter()
            .any(|op| matches!(op, Op::JumpIfFalse(_) | Op::Jump(_) | Op::AndJump(_) | Op::OrJump(_)));
        self.barrier = if has_jumps { self.ops.len() } else { barrier.min(self.ops.len()) };
    }

    /// Emits a computing operation, or — when its arguments are constants
    /// and it draws nothing — replaces them by the value it would compute.
    pub(super) fn emit_folded(&mut self, op: Op) {
        let n = op.arity();
        let len = self.ops.len();
        let args: Option<Vec<f64>> = (len >= n && len - n >= self.barrier && !op.is_draw())
            .then(|| self.ops[len - n..].iter().map(|o| if let Op::Const(v) = o { Some(*v) } else { None }).collect())
            .flatten();
        match args {
            Some(args) => {
                let mut unused = SubStream::new(TrialKey(0, 0), StreamKey(0));
                let arg = |i: usize| args.get(i).copied().unwrap_or(0.0);
                let value = apply(op, arg(0), arg(1), arg(2), &mut unused);
                self.ops.truncate(len - n);
                self.depth -= n;
                self.emit(Op::Const(value), 1);
            }
            None => self.emit(op, 1 - n as isize),
        }
    }
}

/// A member fact the facts fix: a static one, or its pledge to the chosen pool.
fn known_member_field(facts: &Facts, m: usize, f: MemberField) -> Option<f64> {
    let st = &facts.statics;
    match (f, facts.pool) {
        (MemberField::PledgeChosen, Some(pool)) => {
            static_member_field(st, m, MemberField::Pledge(u16::try_from(pool).ok()?))
        }
        _ => static_member_field(st, m, f),
    }
}
