//! Type checks: operands of the type an operator wants, and strings
//! compared only with values of their domain (a class, a vote, a label).

use super::{Compiler, ExprError};
use crate::rules::ops::Op;
use crate::rules::parser::{BinaryOp, Expr, ExprKind};
use crate::rules::program::Type;
use crate::suggest::suggest;
use crate::vocabulary::{CRISIS_KINDS, class, vote};

impl Compiler<'_> {
    pub(super) fn want(&mut self, e: &Expr, got: Type, want: Type, what: &str) -> Option<()> {
        if got == want {
            return Some(());
        }
        self.errors.push(
            ExprError::new(e.at, format!("{what} needs {} but this is {}", want.name(), got.name()))
                .expected(want.name()),
        );
        None
    }

    /// The values a string-valued name can take, when the language knows them.
    pub(super) fn domain(&self, e: &Expr) -> Option<(String, Vec<String>)> {
        let ExprKind::Path(path) = &e.kind else { return None };
        let owned = |names: &[&str]| names.iter().map(|s| (*s).to_string()).collect();
        let (what, values) = match path.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["crisis", "kind"] => ("crisis.kind", owned(&CRISIS_KINDS)),
            ["outcome"] | ["decision"] => ("the outcome", owned(&class::NAMES)),
            [_, "vote"] => ("a vote", owned(&vote::NAMES)),
            ["pool"] => ("the pool", self.symbols.pools.clone()),
            [_, "id"] | ["alliance", "chair"] | ["crisis", "host"] => ("a member id", self.symbols.members.clone()),
            [name] => return self.symbols.labels.get(*name).map(|labels| (format!("'{name}'"), labels.clone())),
            _ => return None,
        };
        Some((what.to_string(), values))
    }

    /// Refuses `name == "text"` when `name` can never be `text` (a typo
    /// that would make the comparison silently constant).
    pub(super) fn check_string_domain(&mut self, equal: bool, l: &Expr, r: &Expr) -> Option<()> {
        for (name, literal) in [(l, r), (r, l)] {
            let (ExprKind::Str(text), Some((what, values))) = (&literal.kind, self.domain(name)) else { continue };
            if values.is_empty() || values.iter().any(|v| v == text) {
                continue;
            }
            let hint = suggest(text, values.iter().map(String::as_str)).map(|s| format!("did you mean \"{s}\"?"));
            self.errors.push(
                ExprError::new(
                    literal.at,
                    format!("{what} is never \"{text}\", so this is always {equal}", equal = !equal),
                )
                .expected(format!("one of: {}", values.join(", ")))
                .help(hint),
            );
            return None;
        }
        Some(())
    }

    pub(super) fn binary(&mut self, op: BinaryOp, l: &Expr, r: &Expr) -> Option<Type> {
        use BinaryOp as B;
        let what = format!("'{}'", op.symbol());
        if matches!(op, B::And | B::Or) {
            let barrier = self.barrier;
            let lt = self.expr(l);
            // Only a left side that compiled left its value last: after an
            // error the last constant is someone else's.
            let rt = match lt.and_then(|_| self.take_constant()) {
                // A constant left side decides alone (false && …, true || …)
                // or leaves the right side alone; the right side is still checked.
                Some(left) => {
                    let right_at = self.ops.len();
                    let rt = self.expr(r);
                    if (left != 0.0) == (op == B::Or) {
                        self.ops.truncate(right_at);
                        self.depth -= 1;
                        self.emit(Op::Const(left), 1);
                    }
                    self.after_cut(barrier, right_at..self.ops.len());
                    rt
                }
                None => {
                    let jump = self.ops.len();
                    self.emit(if op == B::And { Op::AndJump(0) } else { Op::OrJump(0) }, 0);
                    let rt = self.expr(r);
                    self.depth -= 1;
                    // `x && true` and `x || false` are x.
                    let neutral = if op == B::And { 1.0 } else { 0.0 };
                    if self.ops.len() == jump + 2 && self.ops.last() == Some(&Op::Const(neutral)) {
                        self.ops.truncate(jump);
                    } else {
                        self.patch(jump, self.ops.len());
                    }
                    rt
                }
            };
            let (lt, rt) = (lt?, rt?);
            self.want(l, lt, Type::Bool, &what)?;
            self.want(r, rt, Type::Bool, &what)?;
            return Some(Type::Bool);
        }
        let lt = self.expr(l);
        let rt = self.expr(r);
        let (lt, rt) = (lt?, rt?);
        match op {
            B::Eq | B::Ne => {
                if lt != rt {
                    self.errors.push(
                        ExprError::new(r.at, format!("{what} compares {} with {}", lt.name(), rt.name()))
                            .expected(format!("{} on both sides", lt.name())),
                    );
                    return None;
                }
                if lt == Type::Str {
                    self.check_string_domain(op == B::Eq, l, r)?;
                }
                self.emit_folded(if op == B::Eq { Op::Eq } else { Op::Ne });
                Some(Type::Bool)
            }
            B::Lt | B::Le | B::Gt | B::Ge => {
                self.want(l, lt, Type::Num, &what)?;
                self.want(r, rt, Type::Num, &what)?;
                self.emit_folded(match op {
                    B::Lt => Op::Lt,
                    B::Le => Op::Le,
                    B::Gt => Op::Gt,
                    _ => Op::Ge,
                });
                Some(Type::Bool)
            }
            _ => {
                self.want(l, lt, Type::Num, &what)?;
                self.want(r, rt, Type::Num, &what)?;
                self.emit_folded(match op {
                    B::Add => Op::Add,
                    B::Sub => Op::Sub,
                    B::Mul => Op::Mul,
                    B::Div => Op::Div,
                    _ => Op::Pow,
                });
                Some(Type::Num)
            }
        }
    }
}
