//! Syntax tree → checked, name-resolved [`Program`].
//!
//! Names are resolved against [`Symbols`] (what the scenario declares) and the
//! [`Context`] of the expression (which pipeline stage it runs in, whether a
//! member is in scope). Every problem becomes an [`ExprError`] pointing at the
//! character of the expression where it starts.

use super::ops::Op;
use super::parser::{self, Expr, ExprKind, UnaryOp};
use super::program::{MAX_STACK, Program, Type};

mod error;
mod fold;
mod names;
mod symbols;
mod types;

pub use error::ExprError;
pub use names::TRIAL_QUANTITIES;
pub use symbols::{Context, Facts, Stage, Symbols, VarSymbol};

/// Parses, checks and compiles `text`, which must have type `want`
/// (`None` accepts any type).
pub fn compile(text: &str, want: Option<Type>, symbols: &mut Symbols, ctx: Context) -> Result<Program, Vec<ExprError>> {
    let ast = parser::parse(text)
        .map_err(|e| vec![ExprError { at: e.at, message: e.message, expected: e.expected, help: None }])?;
    let mut compiler =
        Compiler { symbols, ctx, ops: Vec::new(), errors: Vec::new(), depth: 0, max_depth: 0, barrier: 0 };
    let ty = compiler.expr(&ast);
    if let (Some(ty), Some(want)) = (ty, want)
        && ty != want
    {
        let hint = match (want, ty) {
            (Type::Bool, Type::Num) => Some("compare it with something, as in severity > 0.5".to_string()),
            (Type::Num, Type::Bool) => Some("use if … then 1 else 0 to turn a condition into a number".to_string()),
            _ => None,
        };
        compiler
            .errors
            .push(ExprError::new(0, format!("this expression gives {}", ty.name())).expected(want.name()).help(hint));
    }
    if compiler.max_depth > MAX_STACK {
        compiler.errors.push(
            ExprError::new(0, format!("expression needs a stack of {} values", compiler.max_depth))
                .expected(format!("at most {MAX_STACK}; split it into crisis variables")),
        );
    }
    if !compiler.errors.is_empty() {
        return Err(compiler.errors);
    }
    let ty = ty.or(want).unwrap_or(Type::Num);
    Ok(Program::new(compiler.ops, ty, text))
}

/// The state of one compilation: operations emitted so far with the stack
/// depth they need, and the errors found. Its methods are spread by
/// concern: `expr` here, then `names`, `types` and `fold`.
struct Compiler<'s> {
    symbols: &'s mut Symbols,
    ctx: Context,
    ops: Vec<Op>,
    errors: Vec<ExprError>,
    depth: usize,
    max_depth: usize,
    /// Operations before this index may be jump targets: constant folding
    /// never consumes them.
    barrier: usize,
}

impl Compiler<'_> {
    fn emit(&mut self, op: Op, stack_change: isize) {
        let op = self.known_value(op).map_or(op, Op::Const);
        self.ops.push(op);
        self.depth = self.depth.saturating_add_signed(stack_change);
        self.max_depth = self.max_depth.max(self.depth);
    }

    fn expr(&mut self, e: &Expr) -> Option<Type> {
        match &e.kind {
            ExprKind::Num(n) => {
                self.emit(Op::Const(*n), 1);
                Some(Type::Num)
            }
            ExprKind::Bool(v) => {
                self.emit(Op::Const(if *v { 1.0 } else { 0.0 }), 1);
                Some(Type::Bool)
            }
            ExprKind::Str(s) => {
                let id = self.symbols.intern(s);
                self.emit(Op::Const(id), 1);
                Some(Type::Str)
            }
            ExprKind::Path(path) => self.path(e.at, path),
            ExprKind::Call(name, args) => self.call(e.at, name, args),
            ExprKind::Unary(op, inner) => {
                let ty = self.expr(inner)?;
                match op {
                    UnaryOp::Neg => {
                        self.want(inner, ty, Type::Num, "'-'")?;
                        self.emit_folded(Op::Neg);
                        Some(Type::Num)
                    }
                    UnaryOp::Not => {
                        self.want(inner, ty, Type::Bool, "'!'")?;
                        self.emit_folded(Op::Not);
                        Some(Type::Bool)
                    }
                }
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r),
            ExprKind::If(c, t, f) => {
                let barrier = self.barrier;
                let ct = self.expr(c);
                if let Some(ct) = ct {
                    self.want(c, ct, Type::Bool, "'if'");
                }
                // Only a condition that compiled left its value last.
                let (tt, ft) = match ct.and_then(|_| self.take_constant()) {
                    // A constant condition keeps one branch (both are still checked).
                    Some(cond) => {
                        let then_at = self.ops.len();
                        let tt = self.expr(t);
                        self.depth -= 1;
                        let else_at = self.ops.len();
                        let ft = self.expr(f);
                        let kept = if cond != 0.0 {
                            self.ops.truncate(else_at);
                            then_at..else_at
                        } else {
                            self.ops.drain(then_at..else_at);
                            then_at..self.ops.len()
                        };
                        self.after_cut(barrier, kept);
                        (tt, ft)
                    }
                    None => {
                        let jump_else = self.ops.len();
                        self.emit(Op::JumpIfFalse(0), -1);
                        let tt = self.expr(t);
                        let jump_end = self.ops.len();
                        self.emit(Op::Jump(0), -1);
                        let else_at = self.ops.len();
                        let ft = self.expr(f);
                        self.patch(jump_else, else_at);
                        self.patch(jump_end, self.ops.len());
                        (tt, ft)
                    }
                };
                let (tt, ft) = (tt?, ft?);
                if tt != ft {
                    self.errors.push(
                        ExprError::new(
                            f.at,
                            format!("the 'else' branch gives {} but the 'then' branch gives {}", ft.name(), tt.name()),
                        )
                        .expected(format!("{} in both branches", tt.name())),
                    );
                    return None;
                }
                Some(tt)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Context, Stage, Symbols, compile};
    use crate::rules::ops::Op;
    use crate::rules::program::Type;

    fn ctx() -> Context {
        Context { stage: Stage::Outcome, member: false, visible_vars: 0, member_index: None }
    }

    fn errors(text: &str) -> Vec<String> {
        match compile(text, None, &mut Symbols::default(), ctx()) {
            Ok(_) => Vec::new(),
            Err(es) => es.iter().map(|e| format!("{} | {:?} | {:?}", e.message, e.expected, e.help)).collect(),
        }
    }

    #[test]
    fn an_operand_with_an_error_does_not_take_another_operands_constant() {
        // Found by the expression fuzz target: the failed left side of '&&'
        // emitted nothing, and '&&' took the 'then' branch's 1 as its own,
        // leaving fewer operations than the 'else' branch started with.
        let found = errors("((if false then 1else ytrwe && flax == flagf) || falXe) == flag");
        assert!(found.iter().any(|e| e.contains("unknown name 'ytrwe'")), "{found:?}");
        let found = errors("1 + (if nope then 1 else 2)");
        assert!(found.iter().any(|e| e.contains("unknown name 'nope'")), "{found:?}");
    }

    #[test]
    fn constants_fold_but_never_across_a_jump_target() {
        let p = compile("min(3, 1, 2) + 2 ^ 3", None, &mut Symbols::default(), ctx()).expect("compiles");
        assert_eq!(p.ops(), &[Op::Const(9.0)]);
        // Session 1's bug: folding through the join of an if gave 1.
        let p = compile("(if 1 < 2 then 1 else 2) + 3", None, &mut Symbols::default(), ctx()).expect("compiles");
        assert_eq!(p.as_constant(), Some(4.0));
    }

    #[test]
    fn functions_come_from_one_table_with_their_arity() {
        assert!(errors("clamp(1, 2)")[0].starts_with("clamp() takes 3 arguments, found 2"));
        assert!(errors("abs(1, 2)")[0].starts_with("abs() takes 1 argument, found 2"));
        let unknown = &errors("clmap(1, 0, 2)")[0];
        assert!(unknown.contains("unknown name 'clmap'"), "{unknown}");
        assert!(unknown.contains("did you mean 'clamp'?"), "{unknown}");
        assert!(unknown.contains("a function: min max clamp abs"), "{unknown}");
        assert!(errors("bernoulli(0.5) and true").is_empty(), "bernoulli gives a boolean");
        assert_eq!(
            compile("normal(0, 1)", Some(Type::Num), &mut Symbols::default(), ctx()).map(|p| p.ops().len()),
            Ok(3),
            "a draw is never folded"
        );
    }

    #[test]
    fn a_member_result_is_refused_before_its_stage() {
        let early = Context { stage: Stage::Request, ..ctx() };
        let mut symbols = Symbols { members: vec!["russia".into()], ..Symbols::default() };
        let e = compile("committed(\"russia\") > 0", None, &mut symbols, early).expect_err("too early");
        assert!(e[0].message.contains("committed()"), "{:?}", e[0]);
    }
}
