//! Names: `crisis.*`, `member.*`, variables, pools, the functions of
//! [`FUNCTIONS`] and a member's results, each resolved against the
//! symbols and the stage, with "did you mean" for the unknown.

use super::{Compiler, ExprError, Stage};
use crate::rules::env::Field;
use crate::rules::ops::{FUNCTIONS, Func1, MemberField, Op};
use crate::rules::parser::{Expr, ExprKind};
use crate::rules::program::Type;
use crate::suggest::suggest;

const MEMBER_FIELDS: [&str; 9] =
    ["id", "lead_time", "is_host", "is_chair", "active", "vote", "pledge", "pledges", "committed"];

/// The trial's own quantities by name: the field each reads, its type and
/// the stage from which it is known. A crisis variable or outcome may not
/// take one of these names.
pub const TRIAL_QUANTITIES: [(&str, Field, Type, Stage); 19] = [
    ("requested", Field::Requested, Type::Bool, Stage::Vote),
    ("votes_support", Field::VotesSupport, Type::Num, Stage::Council),
    ("votes_abstain", Field::VotesAbstain, Type::Num, Stage::Council),
    ("votes_block", Field::VotesBlock, Type::Num, Stage::Council),
    ("votes_cast", Field::VotesCast, Type::Num, Stage::Council),
    ("decision_days", Field::DecisionDays, Type::Num, Stage::Pool),
    ("decision", Field::Outcome, Type::Str, Stage::Pool),
    ("outcome", Field::Outcome, Type::Str, Stage::Pool),
    ("need", Field::Need, Type::Num, Stage::Pool),
    ("pool", Field::Pool, Type::Str, Stage::Contribute),
    ("pool_cap", Field::PoolCap, Type::Num, Stage::Contribute),
    ("pool_pledged", Field::PoolPledged, Type::Num, Stage::Contribute),
    ("contributors", Field::Contributors, Type::Num, Stage::Contribute),
    ("committed_total", Field::CommittedTotal, Type::Num, Stage::Contribute),
    ("deployed", Field::Deployed, Type::Num, Stage::Outcome),
    ("trimmed", Field::Trimmed, Type::Num, Stage::Outcome),
    ("shortfall", Field::Shortfall, Type::Num, Stage::Outcome),
    ("days_to_first_arrival", Field::FirstArrival, Type::Num, Stage::Outcome),
    ("days_to_full_strength", Field::FullStrength, Type::Num, Stage::Outcome),
];

/// Functions that read a member's results (by id), from the stage given.
const MEMBER_FUNCTIONS: [(&str, Stage); 4] = [
    ("committed", Stage::Contribute),
    ("contributes", Stage::Contribute),
    ("vote", Stage::Council),
    ("active", Stage::Variables),
];

impl Compiler<'_> {
    pub(super) fn unknown(&mut self, at: usize, name: &str, candidates: Vec<String>, expected: &str) -> Option<Type> {
        let help = suggest(name, candidates.iter().map(String::as_str)).map(|s| format!("did you mean '{s}'?"));
        self.errors.push(ExprError::new(at, format!("unknown name '{name}'")).expected(expected).help(help));
        None
    }

    pub(super) fn too_early(&mut self, at: usize, name: &str, known_from: Stage) -> Option<Type> {
        self.errors.push(
            ExprError::new(at, format!("'{name}' is not known yet in {}", self.ctx.stage.describe()))
                .expected(format!("a name known by then ('{name}' is set for {})", known_from.describe())),
        );
        None
    }

    pub(super) fn path(&mut self, at: usize, path: &[String]) -> Option<Type> {
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

    pub(super) fn member_field(&mut self, at: usize, rest: &[&str]) -> Option<(MemberField, Type)> {
        let stage = self.ctx.stage;
        let (field, ty, from) = match rest {
            ["id"] => (MemberField::Id, Type::Str, Stage::Variables),
            ["lead_time"] => (MemberField::LeadTime, Type::Num, Stage::Variables),
            ["is_host"] => (MemberField::IsHost, Type::Bool, Stage::Variables),
            ["is_chair"] => (MemberField::IsChair, Type::Bool, Stage::Variables),
            ["active"] => (MemberField::Active, Type::Bool, Stage::Variables),
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
                    self.unknown(at, attr, candidates, "a member attribute declared under members.<id>.attributes, or id, lead_time, is_host, is_chair, active, vote, pledge, pledges.<pool>, committed");
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

    pub(super) fn simple_name(&mut self, at: usize, name: &str) -> Option<Type> {
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
        let field = TRIAL_QUANTITIES.iter().find(|(n, ..)| *n == name).map(|&(_, f, ty, from)| (f, ty, from));
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
        candidates.extend(TRIAL_QUANTITIES.iter().map(|(n, ..)| n.to_string()));
        candidates.extend(["true", "false"].map(str::to_string));
        self.unknown(
            at,
            name,
            candidates,
            "a crisis variable, an outcome, a trial quantity (need, deployed, …), member.…, host.… or alliance.…",
        )
    }

    pub(super) fn member_arg(&mut self, at: usize, fname: &str, args: &[Expr]) -> Option<u16> {
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

    pub(super) fn call(&mut self, at: usize, name: &str, args: &[Expr]) -> Option<Type> {
        if let Some(&(_, from)) = MEMBER_FUNCTIONS.iter().find(|(n, _)| *n == name) {
            return self.member_call(at, name, from, args);
        }
        let Some(&(_, op)) = FUNCTIONS.iter().find(|(n, _)| *n == name) else {
            let names = FUNCTIONS.iter().map(|(n, _)| *n).chain(MEMBER_FUNCTIONS.iter().map(|(n, _)| *n));
            // `pledge` is suggested too: people write pledge("russia") for member.pledge.
            let candidates = names.clone().chain(["pledge"]).map(str::to_string).collect();
            let expected = format!("a function: {}", names.collect::<Vec<_>>().join(" "));
            return self.unknown(at, name, candidates, &expected);
        };
        let arity = op.arity();
        let variadic = matches!(name, "min" | "max");
        if args.len() != arity && !(variadic && args.len() >= 2) {
            let plural = if arity == 1 { "" } else { "s" };
            self.errors.push(
                ExprError::new(at, format!("{name}() takes {arity} argument{plural}, found {}", args.len()))
                    .expected(format!("{arity} argument{plural}")),
            );
            return None;
        }
        let mut ok = true;
        for (i, arg) in args.iter().enumerate() {
            match self.expr(arg) {
                Some(t) => ok &= self.want(arg, t, Type::Num, &format!("{name}()")).is_some(),
                None => ok = false,
            }
            // min(a, b, c) is min(min(a, b), c).
            if variadic && i >= 1 {
                self.emit_folded(op);
            }
        }
        if !ok {
            return None;
        }
        if !variadic {
            self.emit_folded(op);
        }
        Some(if op == Op::F1(Func1::Bernoulli) { Type::Bool } else { Type::Num })
    }

    /// `committed("id")`, `contributes("id")`, `vote("id")`: a member's result.
    pub(super) fn member_call(&mut self, at: usize, name: &str, from: Stage, args: &[Expr]) -> Option<Type> {
        if self.ctx.stage < from {
            return self.too_early(at, &format!("{name}()"), from);
        }
        let m = self.member_arg(at, name, args)?;
        let (op, ty) = match name {
            "committed" => (Op::Of(m, MemberField::Committed), Type::Num),
            "contributes" => (Op::Contributes(m), Type::Bool),
            "active" => (Op::Of(m, MemberField::Active), Type::Bool),
            _ => (Op::Of(m, MemberField::Vote), Type::Str),
        };
        self.emit(op, 1);
        Some(ty)
    }
}
