//! Syntax tree → checked, name-resolved [`Program`].
//!
//! Names are resolved against [`Symbols`] (what the scenario declares) and the
//! [`Context`] of the expression (which pipeline stage it runs in, whether a
//! member is in scope). Every problem becomes an [`ExprError`] pointing at the
//! character of the expression where it starts.

use std::collections::BTreeMap;

use super::env::{Field, Statics};
use super::ops::{Func1, Func2, Func3, MemberField, Op, apply, static_member_field};
use super::parser::{self, BinaryOp, Expr, ExprKind, UnaryOp};
use super::program::{MAX_STACK, Program, Type};
use crate::rng::{StreamKey, SubStream, TrialKey};
use crate::suggest::suggest;
use crate::vocabulary::{CRISIS_KINDS, class, vote};

/// The pipeline stages, in order. A name set at one stage can be read by
/// expressions of that stage and later ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Drawing the crisis variables.
    Variables,
    /// The host's request.
    Request,
    /// Each member's vote.
    Vote,
    /// The council's result (mission-only, fallback, days to decide).
    Council,
    /// Sizing the need and choosing the pool.
    Pool,
    /// Each member's contribution.
    Contribute,
    /// Outcome metrics.
    Outcome,
}

impl Stage {
    /// The stage's name in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Stage::Variables => "the crisis variables",
            Stage::Request => "the request rules",
            Stage::Vote => "the vote rules",
            Stage::Council => "the council rules",
            Stage::Pool => "the pool rules",
            Stage::Contribute => "the contribution rules",
            Stage::Outcome => "the outcomes",
        }
    }
}

/// A named crisis variable or outcome.
#[derive(Debug, Clone)]
pub struct VarSymbol {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// The stage from which it is known.
    pub stage: Stage,
}

/// The names a scenario declares, and its string table.
#[derive(Debug, Clone, Default)]
pub struct Symbols {
    /// Crisis variables then outcomes; the slot is the index.
    pub vars: Vec<VarSymbol>,
    /// Member ids; the member index is the position.
    pub members: Vec<String>,
    /// Attribute names and types; the slot is the index.
    pub attrs: Vec<(String, Type)>,
    /// Pool ids; the pool index is the position.
    pub pools: Vec<String>,
    /// Interned strings; the id is the index.
    pub strings: Vec<String>,
    /// Names declared further down (while variables compile), for a clear
    /// message when one is used too early.
    pub pending: Vec<String>,
    /// Facts fixed for the whole scenario, once known: reads of them then
    /// compile to constants (see [`Facts`]).
    pub facts: Option<Facts>,
    /// The labels each categorical crisis variable can take, by its name.
    pub labels: BTreeMap<String, Vec<String>>,
}

/// What a compiled scenario fixes before any trial: the tables, and the
/// crisis variables whose value never varies. With these, `member.alignment`
/// for a known member, `crisis.kind` or a fixed variable compile to
/// constants, and constant folding removes what they decide.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The scenario's tables.
    pub statics: Statics,
    /// Each variable slot's value when it is a constant.
    pub fixed_vars: Vec<Option<f64>>,
    /// The chosen pool, when compiling for the stages after the choice
    /// (so `pool`, `pool_cap` and `member.pledge` are known).
    pub pool: Option<usize>,
}

impl Symbols {
    /// The interned id of `text`, adding it when new.
    pub fn intern(&mut self, text: &str) -> f64 {
        let index = match self.strings.iter().position(|s| s == text) {
            Some(i) => i,
            None => {
                self.strings.push(text.to_string());
                self.strings.len() - 1
            }
        };
        index as f64
    }
}

/// Where an expression runs.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// The pipeline stage.
    pub stage: Stage,
    /// Whether `member.*` means something here.
    pub member: bool,
    /// How many variable slots are visible (variables see only earlier ones).
    pub visible_vars: usize,
    /// The member `member.*` refers to, when the program is compiled for one.
    pub member_index: Option<usize>,
}

/// A problem in an expression.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    /// Character offset in the expression text.
    pub at: usize,
    /// What is wrong.
    pub message: String,
    /// What was expected.
    pub expected: Option<String>,
    /// A suggestion.
    pub help: Option<String>,
}

impl ExprError {
    fn new(at: usize, message: String) -> ExprError {
        ExprError { at, message, expected: None, help: None }
    }
    fn expected(mut self, text: impl Into<String>) -> ExprError {
        self.expected = Some(text.into());
        self
    }
    fn help(mut self, text: Option<String>) -> ExprError {
        self.help = text;
        self
    }
}

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

const MEMBER_FIELDS: [&str; 8] = ["id", "lead_time", "is_host", "is_chair", "vote", "pledge", "pledges", "committed"];

const FUNCTIONS: [&str; 24] = [
    "min",
    "max",
    "clamp",
    "abs",
    "exp",
    "ln",
    "sqrt",
    "floor",
    "ceil",
    "round",
    "logistic",
    "logit",
    "uniform",
    "normal",
    "lognormal",
    "beta",
    "triangular",
    "bernoulli",
    "exponential",
    "poisson",
    "committed",
    "contributes",
    "vote",
    "pledge",
];

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
                let (tt, ft) = match self.take_constant() {
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

    /// The value of a load that the scenario's facts fix, if any.
    fn known_value(&self, op: Op) -> Option<f64> {
        let facts = self.symbols.facts.as_ref()?;
        let st = &facts.statics;
        match op {
            Op::Var(slot) => facts.fixed_vars.get(usize::from(slot)).copied().flatten(),
            Op::Field(Field::Pool) => st.pool_names.get(facts.pool?).copied(),
            Op::Field(Field::PoolCap) => st.pool_caps.get(facts.pool?).copied(),
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
    fn patch(&mut self, at: usize, to: usize) {
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
    fn take_constant(&mut self) -> Option<f64> {
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
    fn after_cut(&mut self, barrier: usize, kept: std::ops::Range<usize>) {
        let has_jumps = self.ops[kept.start.min(self.ops.len())..]
            .iter()
            .any(|op| matches!(op, Op::JumpIfFalse(_) | Op::Jump(_) | Op::AndJump(_) | Op::OrJump(_)));
        self.barrier = if has_jumps { self.ops.len() } else { barrier.min(self.ops.len()) };
    }

    /// Emits a computing operation, or — when its arguments are constants
    /// and it draws nothing — replaces them by the value it would compute.
    fn emit_folded(&mut self, op: Op) {
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

    fn want(&mut self, e: &Expr, got: Type, want: Type, what: &str) -> Option<()> {
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
    fn domain(&self, e: &Expr) -> Option<(String, Vec<String>)> {
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
    fn check_string_domain(&mut self, equal: bool, l: &Expr, r: &Expr) -> Option<()> {
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

    fn binary(&mut self, op: BinaryOp, l: &Expr, r: &Expr) -> Option<Type> {
        use BinaryOp as B;
        let what = format!("'{}'", op.symbol());
        if matches!(op, B::And | B::Or) {
            let barrier = self.barrier;
            let lt = self.expr(l);
            let rt = match self.take_constant() {
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

    fn unknown(&mut self, at: usize, name: &str, candidates: Vec<String>, expected: &str) -> Option<Type> {
        let help = suggest(name, candidates.iter().map(String::as_str)).map(|s| format!("did you mean '{s}'?"));
        self.errors.push(ExprError::new(at, format!("unknown name '{name}'")).expected(expected).help(help));
        None
    }

    fn too_early(&mut self, at: usize, name: &str, known_from: Stage) -> Option<Type> {
        self.errors.push(
            ExprError::new(at, format!("'{name}' is not known yet in {}", self.ctx.stage.describe()))
                .expected(format!("a name known by then ('{name}' is set for {})", known_from.describe())),
        );
        None
    }

    fn path(&mut self, at: usize, path: &[String]) -> Option<Type> {
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        match parts.as_slice() {
            [name] => self.simple_name(at, name),
            ["member", rest @ ..] => {
                if !self.ctx.member {
                    self.errors.push(
                        ExprError::new(
                            at,
                            format!("'member.…' has no member to refer to in {}", self.ctx.stage.describe()),
                        )
                        .expected("host.… or a named member, as in committed(\"russia\")"),
                    );
                    return None;
                }
                let (field, ty) = self.member_field(at, rest)?;
                self.emit(Op::Member(field), 1);
                Some(ty)
            }
            ["host", rest @ ..] => {
                let (field, ty) = self.member_field(at, rest)?;
                self.emit(Op::Host(field), 1);
                Some(ty)
            }
            ["alliance", "chair"] => {
                self.emit(Op::Chair, 1);
                Some(Type::Str)
            }
            ["alliance", "members"] => {
                self.emit(Op::MembersActive, 1);
                Some(Type::Num)
            }
            ["crisis", "kind"] => {
                self.emit(Op::CrisisKind, 1);
                Some(Type::Str)
            }
            ["crisis", "host"] => {
                self.emit(Op::Host(MemberField::Id), 1);
                Some(Type::Str)
            }
            ["pools", pool, "cap"] => {
                let Some(p) = self.symbols.pools.iter().position(|x| x == pool) else {
                    let pools = self.symbols.pools.clone();
                    return self.unknown(at, pool, pools, "a pool id declared under alliance.pools");
                };
                self.emit(Op::PoolCap(p as u16), 1);
                Some(Type::Num)
            }
            [first, ..] => {
                let mut candidates: Vec<String> =
                    ["member", "host", "alliance", "crisis", "pools"].iter().map(|s| s.to_string()).collect();
                candidates.extend(self.symbols.vars.iter().map(|v| v.name.clone()));
                let what = format!(
                    "a crisis variable, member.…, host.…, alliance.chair, alliance.members, crisis.kind, crisis.host or pools.<id>.cap; '{}' has no fields",
                    first
                );
                self.unknown(at, &path.join("."), candidates, &what)
            }
            [] => None,
        }
    }

    fn member_field(&mut self, at: usize, rest: &[&str]) -> Option<(MemberField, Type)> {
        let stage = self.ctx.stage;
        let (field, ty, from) = match rest {
            ["id"] => (MemberField::Id, Type::Str, Stage::Variables),
            ["lead_time"] => (MemberField::LeadTime, Type::Num, Stage::Variables),
            ["is_host"] => (MemberField::IsHost, Type::Bool, Stage::Variables),
            ["is_chair"] => (MemberField::IsChair, Type::Bool, Stage::Variables),
            ["vote"] => (MemberField::Vote, Type::Str, Stage::Council),
            ["pledge"] => (MemberField::PledgeChosen, Type::Num, Stage::Contribute),
            ["committed"] => (MemberField::Committed, Type::Num, Stage::Contribute),
            ["pledges", pool] => match self.symbols.pools.iter().position(|p| p == pool) {
                Some(p) => (MemberField::Pledge(p as u16), Type::Num, Stage::Variables),
                None => {
                    let pools = self.symbols.pools.clone();
                    self.unknown(at, pool, pools, "a pool id declared under alliance.pools");
                    return None;
                }
            },
            [attr] => match self.symbols.attrs.iter().position(|(a, _)| a == attr) {
                Some(slot) => (MemberField::Attr(slot as u16), self.symbols.attrs[slot].1, Stage::Variables),
                None => {
                    let mut candidates: Vec<String> = self.symbols.attrs.iter().map(|(a, _)| a.clone()).collect();
                    candidates.extend(MEMBER_FIELDS.iter().map(|s| s.to_string()));
                    self.unknown(at, attr, candidates, "a member attribute declared under members.<id>.attributes, or id, lead_time, is_host, is_chair, vote, pledge, pledges.<pool>, committed");
                    return None;
                }
            },
            _ => {
                self.errors.push(
                    ExprError::new(at, format!("'{}' is not a member field", rest.join(".")))
                        .expected("one name after 'member.' or 'host.', as in member.alignment"),
                );
                return None;
            }
        };
        if stage < from {
            self.too_early(at, rest.join(".").as_str(), from);
            return None;
        }
        Some((field, ty))
    }

    fn simple_name(&mut self, at: usize, name: &str) -> Option<Type> {
        let visible = self.ctx.visible_vars;
        if let Some(slot) = self.symbols.vars.iter().position(|v| v.name == name) {
            let var = &self.symbols.vars[slot];
            let (ty, from) = (var.ty, var.stage);
            if slot >= visible || self.ctx.stage < from {
                if from == Stage::Variables && self.ctx.stage == Stage::Variables {
                    self.errors.push(
                        ExprError::new(at, format!("'{name}' is defined after this variable"))
                            .expected("a variable defined above this one (variables are drawn in file order)"),
                    );
                    return None;
                }
                return self.too_early(at, name, from);
            }
            self.emit(Op::Var(slot as u16), 1);
            return Some(ty);
        }
        let field = match name {
            "requested" => Some((Field::Requested, Type::Bool, Stage::Vote)),
            "votes_support" => Some((Field::VotesSupport, Type::Num, Stage::Council)),
            "votes_abstain" => Some((Field::VotesAbstain, Type::Num, Stage::Council)),
            "votes_block" => Some((Field::VotesBlock, Type::Num, Stage::Council)),
            "votes_cast" => Some((Field::VotesCast, Type::Num, Stage::Council)),
            "decision_days" => Some((Field::DecisionDays, Type::Num, Stage::Pool)),
            "decision" | "outcome" => Some((Field::Outcome, Type::Str, Stage::Pool)),
            "need" => Some((Field::Need, Type::Num, Stage::Pool)),
            "pool" => Some((Field::Pool, Type::Str, Stage::Contribute)),
            "pool_cap" => Some((Field::PoolCap, Type::Num, Stage::Contribute)),
            "contributors" => Some((Field::Contributors, Type::Num, Stage::Contribute)),
            "committed_total" => Some((Field::CommittedTotal, Type::Num, Stage::Contribute)),
            "deployed" => Some((Field::Deployed, Type::Num, Stage::Outcome)),
            "trimmed" => Some((Field::Trimmed, Type::Num, Stage::Outcome)),
            "shortfall" => Some((Field::Shortfall, Type::Num, Stage::Outcome)),
            "days_to_first_arrival" => Some((Field::FirstArrival, Type::Num, Stage::Outcome)),
            "days_to_full_strength" => Some((Field::FullStrength, Type::Num, Stage::Outcome)),
            _ => None,
        };
        if let Some((field, ty, from)) = field {
            if self.ctx.stage < from {
                return self.too_early(at, name, from);
            }
            self.emit(Op::Field(field), 1);
            return Some(ty);
        }
        if self.symbols.pending.iter().any(|p| p == name) {
            self.errors.push(
                ExprError::new(at, format!("'{name}' is defined after this variable"))
                    .expected("a variable defined above this one (variables are drawn in file order)"),
            );
            return None;
        }
        let mut candidates: Vec<String> =
            self.symbols.vars[..visible.min(self.symbols.vars.len())].iter().map(|v| v.name.clone()).collect();
        candidates.extend(
            [
                "requested",
                "votes_support",
                "votes_abstain",
                "votes_block",
                "votes_cast",
                "decision_days",
                "outcome",
                "need",
                "pool",
                "pool_cap",
                "contributors",
                "committed_total",
                "deployed",
                "trimmed",
                "shortfall",
                "days_to_first_arrival",
                "days_to_full_strength",
                "true",
                "false",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        self.unknown(
            at,
            name,
            candidates,
            "a crisis variable, an outcome, a trial quantity (need, deployed, …), member.…, host.… or alliance.…",
        )
    }

    fn member_arg(&mut self, at: usize, fname: &str, args: &[Expr]) -> Option<u16> {
        let [arg] = args else {
            self.errors.push(
                ExprError::new(at, format!("{fname}() takes 1 argument, found {}", args.len()))
                    .expected(format!("{fname}(\"member_id\")")),
            );
            return None;
        };
        let ExprKind::Str(id) = &arg.kind else {
            self.errors.push(
                ExprError::new(arg.at, format!("{fname}() needs a member id in quotes"))
                    .expected(format!("{fname}(\"russia\")")),
            );
            return None;
        };
        match self.symbols.members.iter().position(|m| m == id) {
            Some(m) => Some(m as u16),
            None => {
                let members = self.symbols.members.clone();
                self.unknown(arg.at, id, members, "a member id declared under members");
                None
            }
        }
    }

    fn call(&mut self, at: usize, name: &str, args: &[Expr]) -> Option<Type> {
        match name {
            "committed" | "contributes" | "vote" => {
                let from = if name == "vote" { Stage::Council } else { Stage::Contribute };
                if self.ctx.stage < from {
                    return self.too_early(at, &format!("{name}()"), from);
                }
                let m = self.member_arg(at, name, args)?;
                let (op, ty) = match name {
                    "committed" => (Op::Of(m, MemberField::Committed), Type::Num),
                    "contributes" => (Op::Contributes(m), Type::Bool),
                    _ => (Op::Of(m, MemberField::Vote), Type::Str),
                };
                self.emit(op, 1);
                return Some(ty);
            }
            _ => {}
        }
        let f1 = match name {
            "abs" => Some(Func1::Abs),
            "exp" => Some(Func1::Exp),
            "ln" => Some(Func1::Ln),
            "sqrt" => Some(Func1::Sqrt),
            "floor" => Some(Func1::Floor),
            "ceil" => Some(Func1::Ceil),
            "round" => Some(Func1::Round),
            "logistic" => Some(Func1::Logistic),
            "logit" => Some(Func1::Logit),
            "exponential" => Some(Func1::Exponential),
            "poisson" => Some(Func1::Poisson),
            "bernoulli" => Some(Func1::Bernoulli),
            _ => None,
        };
        let f2 = match name {
            "min" => Some(Func2::Min),
            "max" => Some(Func2::Max),
            "uniform" => Some(Func2::Uniform),
            "normal" => Some(Func2::Normal),
            "lognormal" => Some(Func2::LogNormal),
            "beta" => Some(Func2::Beta),
            _ => None,
        };
        let f3 = match name {
            "clamp" => Some(Func3::Clamp),
            "triangular" => Some(Func3::Triangular),
            _ => None,
        };
        let arity = if f1.is_some() {
            1
        } else if f2.is_some() {
            2
        } else if f3.is_some() {
            3
        } else {
            let candidates = FUNCTIONS.iter().map(|s| s.to_string()).collect();
            return self.unknown(at, name, candidates, "a function: min max clamp abs exp ln sqrt floor ceil round logistic logit uniform normal lognormal beta triangular bernoulli exponential poisson committed contributes vote");
        };
        let variadic = matches!(name, "min" | "max");
        if args.len() != arity && !(variadic && args.len() >= 2) {
            self.errors.push(
                ExprError::new(
                    at,
                    format!(
                        "{name}() takes {arity} argument{}, found {}",
                        if arity == 1 { "" } else { "s" },
                        args.len()
                    ),
                )
                .expected(format!("{arity} argument{}", if arity == 1 { "" } else { "s" })),
            );
            return None;
        }
        let mut ok = true;
        for (i, arg) in args.iter().enumerate() {
            match self.expr(arg) {
                Some(t) => ok &= self.want(arg, t, Type::Num, &format!("{name}()")).is_some(),
                None => ok = false,
            }
            if variadic && i >= 1 {
                self.emit_folded(Op::F2(f2?));
            }
        }
        if !ok {
            return None;
        }
        if let Some(f) = f1 {
            self.emit_folded(Op::F1(f));
            return Some(if f == Func1::Bernoulli { Type::Bool } else { Type::Num });
        }
        if let Some(f) = f2
            && !variadic
        {
            self.emit_folded(Op::F2(f));
        }
        if let Some(f) = f3 {
            self.emit_folded(Op::F3(f));
        }
        Some(Type::Num)
    }
}
