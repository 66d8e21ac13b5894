//! Specialising a compiled scenario's rule sets to what it fixes.
//!
//! Once the scenario is built, its tables, its chair, its crisis kind and
//! its constant variables are known. Each rule set is compiled again from its
//! text with those facts (for per-member rule sets, once per member, and for
//! the contribution stage once per member and pool, so `member.pledge` and
//! `pool_cap` are constants too),
//! so that `member.alignment`, `crisis.kind == "internal_unrest"` or a fixed
//! `russia_distracted` become constants and constant folding removes what
//! they decide. A rule that can never fire for a member (outside its
//! `members:` list, a scope or condition that folds to false) is dropped
//! from that member's copy.
//!
//! # Invariant
//!
//! Specialising changes no result: a dropped rule could not fire, and a
//! folded expression draws no random numbers, so every remaining
//! expression draws exactly what it drew before. The tests compare runs
//! with and without specialisation.

use super::model::{Distribution, PerMember, Scenario};
use crate::rules::compile::{Context, Facts, Stage, Symbols, compile};
use crate::rules::program::Program;
use crate::rules::ruleset::{Rule, RuleSet};

/// Specialises every rule set of `s` in place.
pub fn specialise(s: &mut Scenario) {
    let fixed_vars = s
        .variables
        .iter()
        .map(|v| match (&v.distribution, v.truncate) {
            (Distribution::Draw(p), None) => p.as_constant(),
            _ => None,
        })
        .collect();
    s.symbols.facts = Some(Facts { statics: s.statics.clone(), fixed_vars, pool: None });
    let n_vars = s.variables.len();
    let ctx = |stage, member| Context { stage, member, visible_vars: n_vars, member_index: None };
    let n_members = s.members.len();
    let symbols = &mut s.symbols;
    s.request = one(&s.request, symbols, ctx(Stage::Request, false));
    let council = &mut s.council;
    for set in [&mut council.mission_only, &mut council.fallback, &mut council.days] {
        *set = one(set, symbols, ctx(Stage::Council, false));
    }
    for set in [&mut council.support, &mut council.block] {
        per_member(set, symbols, ctx(Stage::Vote, true), n_members, 0);
    }
    // Members contribute once the pool is chosen: a copy per member and pool.
    let n_pools = s.pools.len();
    let c = &mut s.contribution;
    for set in [&mut c.probability, &mut c.personnel, &mut c.arrival_day] {
        per_member(set, symbols, ctx(Stage::Contribute, true), n_members, n_pools);
    }
}

/// A copy of `set` per member, or, when `pools > 0`, per member and pool
/// (index `m * pools + p`, compiled knowing the pool).
fn per_member(set: &mut PerMember, symbols: &mut Symbols, ctx: Context, n_members: usize, pools: usize) {
    let choices: Vec<Option<usize>> = if pools == 0 { vec![None] } else { (0..pools).map(Some).collect() };
    set.specialised = (0..n_members)
        .flat_map(|m| choices.iter().map(move |&pool| (m, pool)))
        .map(|(m, pool)| {
            if let Some(facts) = &mut symbols.facts {
                facts.pool = pool;
            }
            specialise_set(&set.written, symbols, Context { member_index: Some(m), ..ctx }, Some(m))
        })
        .collect();
    set.pools = pools;
    // Later compilations (`explain --find`) must not assume a pool.
    if let Some(facts) = &mut symbols.facts {
        facts.pool = None;
    }
}

fn one(set: &RuleSet, symbols: &mut Symbols, ctx: Context) -> RuleSet {
    specialise_set(set, symbols, ctx, None)
}

/// Recompiles a program with the facts; keeps the original if that fails
/// (it cannot, since the text compiled before, but nothing is lost if it does).
fn recompile(p: &Program, symbols: &mut Symbols, ctx: Context) -> Program {
    compile(p.text(), Some(p.ty()), symbols, ctx).unwrap_or_else(|_| p.clone())
}

fn specialise_set(set: &RuleSet, symbols: &mut Symbols, ctx: Context, member: Option<usize>) -> RuleSet {
    let base = recompile(&set.base, symbols, ctx);
    let mut rules = Vec::with_capacity(set.rules.len());
    for rule in &set.rules {
        if let (Some(mask), Some(m)) = (rule.members, member)
            && mask & (1u64 << m) == 0
        {
            continue;
        }
        let scope = rule.scope.as_ref().map(|p| recompile(p, symbols, ctx));
        // A constant scope either excludes the member or is no scope at all.
        let scope = match scope.as_ref().and_then(Program::as_constant) {
            Some(v) => {
                if v == 0.0 {
                    continue;
                }
                None
            }
            None => scope,
        };
        let when = recompile(&rule.when, symbols, ctx);
        if when.as_constant() == Some(0.0) {
            continue;
        }
        rules.push(Rule {
            members: if member.is_some() { None } else { rule.members },
            scope,
            when,
            operand: recompile(&rule.operand, symbols, ctx),
            ..rule.clone()
        });
    }
    RuleSet { base, rules, probability: set.probability }
}
