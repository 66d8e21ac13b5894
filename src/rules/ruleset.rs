//! Rule sets: a `base` value adjusted by ordered rules.
//!
//! Each rule has a `when` condition and one effect — `set`, `add`,
//! `multiply` or `odds` (multiply the odds p/(1-p), as a logit model does) —
//! an optional `stop` (no later rule applies), a `because` sentence, and an
//! optional scope (member ids and/or a condition on `member.*`). Probability
//! rule sets are clamped to [0, 1] after every effect.

use super::env::{Env, LANES, LaneEnv, Lanes, Mask};
use super::lanes::{Streams, nonzero};
use super::program::Program;
use crate::rng::SubStream;

/// A rule's stable id: its index in the scenario's rule table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub u16);

/// What a rule does to the value when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Replace the value.
    Set,
    /// Add to the value.
    Add,
    /// Multiply the value.
    Multiply,
    /// Multiply the odds p / (1 - p).
    Odds,
}

impl Effect {
    /// The effect's YAML key.
    pub fn name(self) -> &'static str {
        match self {
            Effect::Set => "set",
            Effect::Add => "add",
            Effect::Multiply => "multiply",
            Effect::Odds => "odds",
        }
    }

    fn apply(self, value: f64, operand: f64) -> f64 {
        match self {
            Effect::Set => operand,
            Effect::Add => value + operand,
            Effect::Multiply => value * operand,
            Effect::Odds => {
                if value >= 1.0 {
                    if operand > 0.0 { 1.0 } else { 0.0 }
                } else {
                    let odds = value / (1.0 - value) * operand;
                    if odds.is_infinite() { 1.0 } else { odds / (1.0 + odds) }
                }
            }
        }
    }
}

/// One rule of a rule set.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable id.
    pub id: RuleId,
    /// Members the rule applies to (bit i = member i); `None` for all.
    pub members: Option<u64>,
    /// Extra scope condition on the member.
    pub scope: Option<Program>,
    /// The condition.
    pub when: Program,
    /// The effect.
    pub effect: Effect,
    /// The operand of the effect.
    pub operand: Program,
    /// Whether later rules are skipped after this one fires.
    pub stop: bool,
}

/// A base value and its rules.
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// The starting value.
    pub base: Program,
    /// Rules in order.
    pub rules: Vec<Rule>,
    /// Whether the value is a probability (clamped to [0, 1]).
    pub probability: bool,
}

/// Receives each rule that fires (the batch counts them; `explain` narrates).
pub trait Observer {
    /// Called when rule `rule` fires for `member`, moving the value.
    fn fired(&mut self, rule: RuleId, member: usize, before: f64, after: f64);
    /// Called when the base or a rule gave a value that is not a number
    /// (it counts as 0).
    #[inline]
    fn not_a_number(&mut self) {}
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {
    #[inline]
    fn fired(&mut self, _: RuleId, _: usize, _: f64, _: f64) {}
}

/// An observer that counts firings per rule, and notes whether a value
/// that is not a number was met.
pub struct FireCounter<'a> {
    /// Firings by rule index.
    pub fires: &'a mut [u64],
    /// Whether a rule set met NaN since this was last cleared.
    pub not_a_number: bool,
}

impl<'a> FireCounter<'a> {
    /// A counter adding into `fires`.
    pub fn new(fires: &'a mut [u64]) -> FireCounter<'a> {
        FireCounter { fires, not_a_number: false }
    }
}

impl Observer for FireCounter<'_> {
    #[inline]
    fn fired(&mut self, rule: RuleId, _: usize, _: f64, _: f64) {
        if let Some(c) = self.fires.get_mut(usize::from(rule.0)) {
            *c += 1;
        }
    }
    #[inline]
    fn not_a_number(&mut self) {
        self.not_a_number = true;
    }
}

/// Turns NaN into 0 (telling the observer) and clamps probabilities to [0, 1].
#[inline(always)]
fn sanitise(value: f64, probability: bool, observer: &mut impl Observer) -> f64 {
    let (value, was_nan) = clean(value, probability);
    if was_nan {
        observer.not_a_number();
    }
    value
}

/// A value as a rule set keeps it: NaN becomes 0 (and says so), a
/// probability is clamped to [0, 1].
#[inline(always)]
fn clean(value: f64, probability: bool) -> (f64, bool) {
    let was_nan = value.is_nan();
    let value = if was_nan { 0.0 } else { value };
    (if probability { value.clamp(0.0, 1.0) } else { value }, was_nan)
}

/// Counts a block's rule firings as [`FireCounter`] counts one trial's,
/// and notes the lanes that met a value that is not a number.
pub struct LaneCounter<'a> {
    /// Firings by rule index.
    pub fires: &'a mut [u64],
    /// The lanes that met NaN.
    pub not_a_number: Mask,
}

impl RuleSet {
    /// Whether this rule set computes exactly what `other` does at the same
    /// point of a trial with the same state: the same base, rules, ids,
    /// scopes and effects, every program reading only constants, variables
    /// and the trial's state (see `Op::reads_only_the_trial`).
    pub(crate) fn computes_the_same_as(&self, other: &RuleSet) -> bool {
        let same = |a: &Program, b: &Program| a.ops() == b.ops() && a.ops().iter().all(|op| op.reads_only_the_trial());
        let same_scope = |a: &Option<Program>, b: &Option<Program>| match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => same(a, b),
            _ => false,
        };
        self.probability == other.probability
            && same(&self.base, &other.base)
            && self.rules.len() == other.rules.len()
            && self.rules.iter().zip(&other.rules).all(|(a, b)| {
                a.id == b.id
                    && a.members == b.members
                    && a.effect == b.effect
                    && a.stop == b.stop
                    && same_scope(&a.scope, &b.scope)
                    && same(&a.when, &b.when)
                    && same(&a.operand, &b.operand)
            })
    }

    /// A rule set with only a base.
    pub(crate) fn constant(base: Program, probability: bool) -> RuleSet {
        RuleSet { base, rules: Vec::new(), probability }
    }

    /// Evaluates the rule set for `env.member`, reporting fired rules.
    #[inline(always)]
    pub fn eval(&self, env: &Env<'_>, rng: &mut SubStream, observer: &mut impl Observer) -> f64 {
        match self.base.as_constant() {
            Some(base) if self.rules.is_empty() => sanitise(base, self.probability, observer),
            _ => self.eval_rules(env, rng, observer),
        }
    }

    #[inline(always)]
    fn eval_rules(&self, env: &Env<'_>, rng: &mut SubStream, observer: &mut impl Observer) -> f64 {
        let mut value = sanitise(self.base.eval(env, rng), self.probability, observer);
        for rule in &self.rules {
            if let Some(mask) = rule.members
                && mask & (1u64 << env.member) == 0
            {
                continue;
            }
            if let Some(scope) = &rule.scope
                && scope.eval(env, rng) == 0.0
            {
                continue;
            }
            if rule.when.eval(env, rng) == 0.0 {
                continue;
            }
            let before = value;
            value = sanitise(rule.effect.apply(value, rule.operand.eval(env, rng)), self.probability, observer);
            observer.fired(rule.id, env.member, before, value);
            if rule.stop {
                break;
            }
        }
        value
    }

    /// Evaluates the rule set for `env.member` in the lanes of `mask` of a
    /// block, leaving each lane's value in `out`: lane by lane what
    /// [`RuleSet::eval`] gives, with the same draws and firings.
    #[inline(always)]
    pub fn eval_lanes(
        &self,
        env: &LaneEnv<'_>,
        rngs: &mut Streams,
        mask: Mask,
        out: &mut Lanes,
        count: &mut LaneCounter<'_>,
    ) {
        self.base.eval_lanes(env, rngs, mask, out);
        let mut met_nan: Mask = 0;
        for (i, v) in out.iter_mut().enumerate() {
            let was_nan;
            (*v, was_nan) = clean(*v, self.probability);
            met_nan |= Mask::from(was_nan) << i;
        }
        let mut active = mask;
        let mut scratch = [0.0; LANES];
        for rule in &self.rules {
            if active == 0 {
                break;
            }
            if let Some(members) = rule.members
                && members & (1u64 << env.member) == 0
            {
                continue;
            }
            let mut reached = active;
            if let Some(scope) = &rule.scope {
                scope.eval_lanes(env, rngs, reached, &mut scratch);
                reached = nonzero(&scratch, reached);
            }
            if reached == 0 {
                continue;
            }
            rule.when.eval_lanes(env, rngs, reached, &mut scratch);
            let fire = nonzero(&scratch, reached);
            if fire == 0 {
                continue;
            }
            rule.operand.eval_lanes(env, rngs, fire, &mut scratch);
            // The effect in every lane, kept where the rule fires: the
            // effect is chosen once, so each arm is one vector loop instead
            // of a dispatch per lane.
            let with = |effect: Effect| -> Lanes { std::array::from_fn(|i| effect.apply(out[i], scratch[i])) };
            let applied = match rule.effect {
                Effect::Set => with(Effect::Set),
                Effect::Add => with(Effect::Add),
                Effect::Multiply => with(Effect::Multiply),
                Effect::Odds => with(Effect::Odds),
            };
            for (i, (o, a)) in out.iter_mut().zip(applied).enumerate() {
                let fires = fire >> i & 1 == 1;
                let (value, was_nan) = clean(a, self.probability);
                *o = if fires { value } else { *o };
                met_nan |= Mask::from(was_nan & fires) << i;
            }
            if let Some(c) = count.fires.get_mut(usize::from(rule.id.0)) {
                *c += u64::from(fire.count_ones());
            }
            if rule.stop {
                active &= !fire;
            }
        }
        count.not_a_number |= met_nan & mask;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odds_multiplies_the_odds() {
        let p = Effect::Odds.apply(0.5, 3.0);
        assert!((p - 0.75).abs() < 1e-12);
        assert_eq!(Effect::Odds.apply(0.0, 3.0), 0.0);
        assert_eq!(Effect::Odds.apply(1.0, 0.5), 1.0);
    }
}
