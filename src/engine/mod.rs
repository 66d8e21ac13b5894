//! One trial of the response pipeline (model.md "One trial"): draw → request
//! → council → pool → contributions → deployment → outcomes.
//!
//! No I/O, no allocation and no string look-up per trial: the [`Frame`] is
//! reused, and every decision reads compiled programs and index tables.
//!
//! # Rules the engine applies (documented contract)
//!
//! * Frozen and withdrawn members neither vote nor contribute; the host does
//!   not contribute unless `host_contributes: true`.
//! * A vote draws one uniform *u*: support if *u* < P(support), else block if
//!   *u* < P(support) + (1 − P(support))·P(block), else abstain.
//! * Council aggregation: `consensus` passes when nobody blocks and someone
//!   supports; `unanimity` when every voter supports; `majority` when more
//!   than half support (a tie goes the chair's way if `chair_breaks_ties`);
//!   `qualified: f` when at least f of the voters support. A passed vote
//!   becomes `non_military` with P(mission_only), else `deploy`; a failed vote
//!   becomes `non_military` with P(fallback), else `refused`.
//! * The need is rounded up to whole personnel and saturates at 10¹⁵.
//! * A member contributes only to a pool it pledged to; its personnel are
//!   rounded and bounded by that pledge; arrival is the decision day plus its
//!   arrival day (days saturate at 10⁶).
//! * **Trimming at the cap:** when the contributions exceed the pool's cap,
//!   the excess is taken from the *last* contributors in the declared order
//!   first (the lead nations keep their contingents); a member trimmed to
//!   zero no longer counts as a contributor. Trimmed personnel are counted.
//! * Non-finite values from expressions: a NaN probability counts as 0,
//!   personnel and days are clamped to their ranges (NaN → 0).

pub mod block;

use crate::dist;

pub use crate::vocabulary::forced;

/// `value` forced into `[lo, hi]` (NaN → `lo`), raising `flag` in `frame`
/// when it had to be.
#[inline]
fn force(frame: &mut Frame, value: f64, lo: f64, hi: f64, flag: u8) -> f64 {
    let (value, raised) = forced_into(value, lo, hi, flag);
    frame.forced |= raised;
    value
}

/// `value` forced into `[lo, hi]` (NaN → `lo`), and `flag` when it had to
/// be (else 0): the rule both engines force values by.
#[inline(always)]
fn forced_into(value: f64, lo: f64, hi: f64, flag: u8) -> (f64, u8) {
    if value >= lo && value <= hi { (value, 0) } else { (if value.is_nan() { lo } else { value.clamp(lo, hi) }, flag) }
}

/// The need in whole personnel, and the flag that says why it was forced
/// (NaN, negative, beyond [`limits::NEED`]) when it was (else 0).
#[inline(always)]
fn whole_need(need: f64) -> (f64, u8) {
    let flag = if need.is_nan() {
        forced::NEED_NAN
    } else if need < 0.0 {
        forced::NEED_NEGATIVE
    } else {
        forced::NEED_SATURATED
    };
    let (need, raised) = forced_into(need, 0.0, limits::NEED, flag);
    (need.ceil(), raised)
}
use crate::rng::{StreamKey, SubStream, TrialKey};
use crate::rules::env::{Env, Field, Frame, vote};
use crate::rules::ruleset::{FireCounter, Observer, RuleId, RuleSet, Silent};
use crate::scenario::model::{Correlation, DecisionRule, Distribution, Scenario, Status, Variable, class, limits};

/// Something that happened in a trial, for `explain`.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A crisis variable was drawn.
    Variable {
        /// Slot of the variable.
        slot: usize,
    },
    /// The host decided whether to request aid.
    Request {
        /// P(request).
        probability: f64,
        /// Whether it requested.
        requested: bool,
    },
    /// A member voted.
    Vote {
        /// Member index.
        member: usize,
        /// P(support).
        support: f64,
        /// P(block | not support).
        block: f64,
        /// The vote code.
        vote: u8,
    },
    /// The council aggregated the votes.
    Council {
        /// Whether the vote on troops passed.
        passed: bool,
        /// P(mission only) or P(fallback), whichever applied.
        mission_probability: f64,
    },
    /// The pool was chosen.
    Pool {
        /// Need in personnel.
        need: f64,
        /// Pool index.
        pool: usize,
    },
    /// A member decided on a contribution.
    Contribution {
        /// Member index.
        member: usize,
        /// P(contributes).
        probability: f64,
        /// Personnel committed (0 when none).
        personnel: f64,
        /// Days after the decision.
        arrival_day: f64,
    },
    /// A member's contingent was trimmed at the cap.
    Trim {
        /// Member index.
        member: usize,
        /// Personnel removed.
        removed: f64,
    },
}

/// A step of the pipeline, as `bench --stages` attributes time to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The trial's key and its crisis variables.
    Crisis,
    /// The host's request.
    Request,
    /// The votes and the council's decision.
    Council,
    /// The need, sized in every trial.
    Need,
    /// The choice of pool.
    Pool,
    /// The members' contributions.
    Contributions,
    /// Trimming at the cap, arrival times.
    Deployment,
    /// The outcome metrics.
    Outcomes,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 8] = [
        Stage::Crisis,
        Stage::Request,
        Stage::Council,
        Stage::Need,
        Stage::Pool,
        Stage::Contributions,
        Stage::Deployment,
        Stage::Outcomes,
    ];

    /// What the stage is called in reports.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Crisis => "crisis (trial key, variables)",
            Stage::Request => "request",
            Stage::Council => "council (votes, decision, days)",
            Stage::Need => "need",
            Stage::Pool => "pool",
            Stage::Contributions => "contributions",
            Stage::Deployment => "deployment (trimming, arrivals)",
            Stage::Outcomes => "outcomes",
        }
    }
}

/// Receives rule firings and pipeline events. The batch uses a counter whose
/// `event` and `stage` are no-ops; `explain` records every event.
pub trait Trace: Observer {
    /// Called at each step of the pipeline.
    fn event(&mut self, _event: Event) {}
    /// Called when a stage of the trial is done.
    fn stage(&mut self, _done: Stage) {}
    /// Whether a rule set met a value that is not a number since the last
    /// call (clearing it).
    fn met_not_a_number(&mut self) -> bool {
        false
    }
}

/// A trace that counts rule firings as the batch does and calls `on_stage`
/// at the end of every stage with the counter (to read its not-a-number
/// flag): lockstep watches the decision stages with it, `bench --stages`
/// reads a clock.
pub struct StageHook<'a, F: FnMut(Stage, &FireCounter<'a>)> {
    /// The counter.
    pub counter: FireCounter<'a>,
    /// Called when a stage is done.
    pub on_stage: F,
}

impl<'a, F: FnMut(Stage, &FireCounter<'a>)> Observer for StageHook<'a, F> {
    #[inline]
    fn fired(&mut self, rule: RuleId, member: usize, before: f64, after: f64) {
        self.counter.fired(rule, member, before, after);
    }
    #[inline]
    fn not_a_number(&mut self) {
        self.counter.not_a_number();
    }
}

impl<'a, F: FnMut(Stage, &FireCounter<'a>)> Trace for StageHook<'a, F> {
    #[inline]
    fn stage(&mut self, done: Stage) {
        (self.on_stage)(done, &self.counter);
    }
    #[inline]
    fn met_not_a_number(&mut self) -> bool {
        self.counter.met_not_a_number()
    }
}

impl Trace for FireCounter<'_> {
    #[inline]
    fn met_not_a_number(&mut self) -> bool {
        std::mem::take(&mut self.not_a_number)
    }
}
impl Trace for Silent {}

/// Runs one trial with key `key`, leaving its results in `frame`.
///
/// # Reproducibility
///
/// Every decision draws from its own sub-stream (see [`crate::rng`]), keyed
/// by meaning, so the results depend only on the scenario and the key.
#[inline]
pub fn run_trial(s: &Scenario, key: TrialKey, frame: &mut Frame, trace: &mut impl Trace) {
    run_trial_from(s, key, frame, trace, Start::Fresh);
}

/// Where a trial starts when scenarios run in lockstep on the same key
/// share its beginning (issue #17: nested workloads share work).
#[derive(Debug, Clone, Copy)]
pub enum Start<'a> {
    /// Draw and decide everything.
    Fresh,
    /// Copy the crisis variables from this frame, drawn for the same key by
    /// a scenario this one [`Scenario::draws_the_same_crisis_as`].
    Crisis(&'a Frame),
    /// Copy the crisis, the request and the council's result from this
    /// frame, run for the same key by a scenario this one
    /// [`Scenario::decides_the_same_as`]; the flag says whether those
    /// stages met a value that is not a number.
    Decided(&'a Frame, bool),
}

/// Runs one trial from `start`: with a shared beginning, the results are
/// exactly [`run_trial`]'s, and the copied stages' rule firings are the
/// caller's to count (they equal the other scenario's).
pub fn run_trial_from(s: &Scenario, key: TrialKey, frame: &mut Frame, trace: &mut impl Trace, start: Start<'_>) {
    frame.reset();
    match start {
        Start::Fresh => draw_variables(s, key, frame, trace),
        Start::Crisis(from) | Start::Decided(from, _) => {
            let n = s.variables.len();
            frame.vars[..n].copy_from_slice(&from.vars[..n]);
        }
    }
    trace.stage(Stage::Crisis);
    if let Start::Decided(from, not_a_number) = start {
        let decided = Field::Outcome as usize + 1;
        frame.fields[..decided].copy_from_slice(&from.fields[..decided]);
        frame.votes.copy_from_slice(&from.votes);
        frame.forced |= from.forced & forced::DECISION_DAYS;
        if not_a_number {
            frame.forced |= forced::RULE_SET;
        }
        trace.stage(Stage::Council);
    } else if request(s, key, frame, trace) {
        trace.stage(Stage::Request);
        council(s, key, frame, trace);
        trace.stage(Stage::Council);
    } else {
        frame.set(Field::Outcome, f64::from(class::NO_REQUEST));
        trace.stage(Stage::Request);
    }
    // The need is sized in every trial, so P(need > cap) covers all crises;
    // the pool stream then serves the pool choice.
    let mut pool_rng = SubStream::new(key, s.streams.pool);
    let need = size_need(s, frame, &mut pool_rng);
    trace.stage(Stage::Need);
    if frame.get(Field::Outcome) as u8 == class::DEPLOY {
        choose_pool(s, need, frame, &mut pool_rng, trace);
        trace.stage(Stage::Pool);
        contribute(s, key, frame, trace);
        trace.stage(Stage::Contributions);
        deploy(s, frame, trace);
        trace.stage(Stage::Deployment);
    }
    outcomes(s, key, frame);
    if trace.met_not_a_number() {
        frame.forced |= forced::RULE_SET;
    }
    trace.stage(Stage::Outcomes);
}

fn env<'a>(s: &'a Scenario, frame: &'a Frame, member: usize) -> Env<'a> {
    Env { statics: &s.statics, frame, member }
}

fn draw_variables(s: &Scenario, key: TrialKey, frame: &mut Frame, trace: &mut impl Trace) {
    if let Some(c) = &s.correlation {
        return draw_correlated(s, c, key, frame, trace);
    }
    for (slot, var) in s.variables.iter().enumerate() {
        frame.vars[slot] = draw_independent(s, key, var, frame);
        trace.event(Event::Variable { slot });
    }
}

/// [`draw_variables`] under `correlate:`, kept apart so that scenarios
/// without it pay nothing for the scores.
#[inline(never)]
fn draw_correlated(s: &Scenario, c: &Correlation, key: TrialKey, frame: &mut Frame, trace: &mut impl Trace) {
    let mut scores = Scores::of(s, c, key);
    for (slot, var) in s.variables.iter().enumerate() {
        frame.vars[slot] = match &var.distribution {
            Distribution::Correlated { marginal, params, row } => {
                let rng = &mut scores.streams[*row];
                let e = env(s, frame, 0);
                let p = [0, 1, 2].map(|i| params[i].eval(&e, rng));
                marginal.at_score(p, scores.mixed[*row], var.truncate)
            }
            _ => draw_independent(s, key, var, frame),
        };
        trace.event(Event::Variable { slot });
    }
}

/// A variable drawn from its own stream, truncation by rejection (then
/// clamping after 100 tries).
#[inline(always)]
fn draw_independent(s: &Scenario, key: TrialKey, var: &Variable, frame: &Frame) -> f64 {
    let mut rng = SubStream::new(key, var.stream);
    let d = &var.distribution;
    let mut value = draw(d, &env(s, frame, 0), &mut rng);
    if let Some((lo, hi)) = var.truncate {
        let mut tries = 0;
        while !(lo..=hi).contains(&value) && tries < 100 {
            value = draw(d, &env(s, frame, 0), &mut rng);
            tries += 1;
        }
        value = if value.is_nan() { lo } else { value.clamp(lo, hi) };
    }
    value
}

/// The normal scores of a trial's correlated crisis variables (at most
/// [`limits::CORRELATED`], on the stack).
#[derive(Debug, Clone)]
pub struct Scores {
    /// Each variable's own standard normal score: the first draw of its
    /// stream, so a variable's stream still belongs to it.
    pub own: [f64; limits::CORRELATED],
    /// The scores mixed by the Cholesky factor, w = L z: standard normals
    /// with the correlation the rank correlations call for.
    pub mixed: [f64; limits::CORRELATED],
    /// Each stream after its score, for the variable's parameters.
    streams: [SubStream; limits::CORRELATED],
}

impl Default for Scores {
    fn default() -> Scores {
        Scores {
            own: [0.0; limits::CORRELATED],
            mixed: [0.0; limits::CORRELATED],
            streams: [(); limits::CORRELATED].map(|()| SubStream::new(TrialKey(0, 0), StreamKey(0))),
        }
    }
}

impl Scores {
    /// The scores of trial `key` under `c`.
    pub fn of(s: &Scenario, c: &Correlation, key: TrialKey) -> Scores {
        let mut scores = Scores::default();
        scores.draw(s, c, key);
        scores
    }

    fn draw(&mut self, s: &Scenario, c: &Correlation, key: TrialKey) {
        let n = c.len();
        for (row, &slot) in c.slots.iter().enumerate() {
            let rng = &mut self.streams[row];
            *rng = SubStream::new(key, s.variables[slot].stream);
            self.own[row] = dist::normal(rng, 0.0, 1.0);
        }
        for i in 0..n {
            let l = &c.cholesky[i * n..i * n + i + 1];
            self.mixed[i] = l.iter().zip(&self.own).map(|(a, z)| a * z).sum();
        }
    }
}

fn draw(d: &Distribution, e: &Env<'_>, rng: &mut SubStream) -> f64 {
    match d {
        Distribution::Draw(p) => p.eval(e, rng),
        Distribution::Categorical { labels, cumulative } => {
            let i = dist::categorical(rng, cumulative);
            labels.get(i).copied().unwrap_or(0.0)
        }
        // Drawn through its score by `draw_variables`, never here.
        Distribution::Correlated { .. } => f64::NAN,
    }
}

/// Evaluates a probability rule set and draws against it; the uniform is
/// drawn first so that rules' own draws never shift it.
fn decide(set: &RuleSet, e: &Env<'_>, rng: &mut SubStream, trace: &mut impl Trace) -> (bool, f64) {
    let u = rng.unit();
    let p = set.eval(e, rng, trace);
    (u < p, p)
}

fn request(s: &Scenario, key: TrialKey, frame: &mut Frame, trace: &mut impl Trace) -> bool {
    let mut rng = SubStream::new(key, s.streams.request);
    let (requested, probability) = decide(&s.request, &env(s, frame, 0), &mut rng, trace);
    frame.set(Field::Requested, f64::from(u8::from(requested)));
    trace.event(Event::Request { probability, requested });
    requested
}

fn council(s: &Scenario, key: TrialKey, frame: &mut Frame, trace: &mut impl Trace) {
    let (mut support, mut abstain, mut block) = (0u32, 0u32, 0u32);
    for (m, member) in s.members.iter().enumerate() {
        if member.status != Status::Active {
            continue;
        }
        let mut rng = SubStream::new(key, s.streams.vote[m]);
        let u = rng.unit();
        let e = env(s, frame, m);
        let p_support = s.council.support.of(m).eval(&e, &mut rng, trace);
        let p_block = s.council.block.of(m).eval(&e, &mut rng, trace);
        let code = if u < p_support {
            support += 1;
            vote::SUPPORT
        } else if u < p_support + (1.0 - p_support) * p_block {
            block += 1;
            vote::BLOCK
        } else {
            abstain += 1;
            vote::ABSTAIN
        };
        frame.votes[m] = code;
        trace.event(Event::Vote { member: m, support: p_support, block: p_block, vote: code });
    }
    let cast = support + abstain + block;
    frame.set(Field::VotesSupport, f64::from(support));
    frame.set(Field::VotesAbstain, f64::from(abstain));
    frame.set(Field::VotesBlock, f64::from(block));
    frame.set(Field::VotesCast, f64::from(cast));
    let chair_decides = s.council.chair_breaks_ties && frame.votes[s.chair] == vote::SUPPORT;
    let passed = passes(s.council.rule, Tally { support, abstain, block }, chair_decides);
    let mut rng = SubStream::new(key, s.streams.council);
    let e = env(s, frame, 0);
    let set = if passed { &s.council.mission_only } else { &s.council.fallback };
    let (mission, p) = decide(set, &e, &mut rng, trace);
    let days = s.council.days.eval(&e, &mut rng, trace);
    let days = force(frame, days, 0.0, limits::DAYS, forced::DECISION_DAYS);
    let class_now = match (passed, mission) {
        (true, false) => class::DEPLOY,
        (_, true) => class::NON_MILITARY,
        (false, false) => class::REFUSED,
    };
    frame.set(Field::DecisionDays, days);
    frame.set(Field::Outcome, f64::from(class_now));
    trace.event(Event::Council { passed, mission_probability: p });
}

/// The votes of the active members.
#[derive(Debug, Clone, Copy)]
struct Tally {
    support: u32,
    abstain: u32,
    block: u32,
}

/// Whether the council passes a deployment under `rule`. An abstention is a
/// vote cast (it counts against unanimity and in a majority's or a quorum's
/// base) but is no block; `chair_decides` (the chair breaks ties and
/// supported) carries a tied majority.
#[inline]
fn passes(rule: DecisionRule, t: Tally, chair_decides: bool) -> bool {
    let cast = t.support + t.abstain + t.block;
    match rule {
        DecisionRule::Consensus => t.block == 0 && t.support > 0,
        DecisionRule::Unanimity => cast > 0 && t.support == cast,
        DecisionRule::Majority => {
            let twice = 2 * t.support;
            twice > cast || (twice == cast && cast > 0 && chair_decides)
        }
        DecisionRule::Qualified(f) => cast > 0 && f64::from(t.support) >= f * f64::from(cast),
    }
}

/// Evaluates the need in whole personnel.
fn size_need(s: &Scenario, frame: &mut Frame, rng: &mut SubStream) -> f64 {
    let need = s.need.eval(&env(s, frame, 0), rng);
    let (need, raised) = whole_need(need);
    frame.forced |= raised;
    frame.set(Field::Need, need);
    need
}

fn choose_pool(s: &Scenario, need: f64, frame: &mut Frame, rng: &mut SubStream, trace: &mut impl Trace) {
    let mut pool = s.default_pool(need);
    if let Some(choose) = &s.pool_choice {
        let id = choose.eval(&env(s, frame, 0), rng);
        if id >= 0.0
            && let Some(Some(p)) = s.pool_of_string.get(id as usize)
        {
            pool = *p;
        }
    }
    frame.pool = pool;
    frame.set(Field::Pool, s.statics.pool_names[pool]);
    frame.set(Field::PoolCap, s.statics.pool_caps[pool]);
    frame.set(Field::PoolPledged, s.statics.pool_pledged[pool]);
    trace.event(Event::Pool { need, pool });
}

fn contribute(s: &Scenario, key: TrialKey, frame: &mut Frame, trace: &mut impl Trace) {
    let c = &s.contribution;
    let decision_days = frame.get(Field::DecisionDays);
    for &m in &c.order {
        let member = &s.members[m];
        if member.status != Status::Active || (m == s.host && !c.host_contributes) {
            continue;
        }
        let pledge = member.pledges[frame.pool] as f64;
        if pledge <= 0.0 {
            continue;
        }
        let mut rng = SubStream::new(key, s.streams.contribute[m]);
        let (yes, probability) = decide(c.probability.in_pool(m, frame.pool), &env(s, frame, m), &mut rng, trace);
        let (mut personnel, mut arrival_day) = (0.0, f64::NAN);
        if yes {
            let mut rng = SubStream::new(key, s.streams.personnel[m]);
            let raw = c.personnel.in_pool(m, frame.pool).eval(&env(s, frame, m), &mut rng, trace);
            if raw.is_nan() || raw < 0.0 {
                frame.forced |= forced::PERSONNEL;
            }
            personnel = if raw.is_nan() { 0.0 } else { raw.clamp(0.0, pledge).round() };
            if personnel >= 1.0 {
                let mut rng = SubStream::new(key, s.streams.arrival[m]);
                let day = c.arrival_day.in_pool(m, frame.pool).eval(&env(s, frame, m), &mut rng, trace);
                arrival_day = force(frame, day, 0.0, limits::DAYS, forced::ARRIVAL_DAY);
                frame.committed[m] = personnel;
                frame.arrival[m] = (decision_days + arrival_day).min(limits::DAYS);
                frame.fields[Field::Contributors as usize] += 1.0;
                frame.fields[Field::CommittedTotal as usize] += personnel;
            } else {
                personnel = 0.0;
            }
        }
        trace.event(Event::Contribution { member: m, probability, personnel, arrival_day });
    }
}

fn deploy(s: &Scenario, frame: &mut Frame, trace: &mut impl Trace) {
    let cap = frame.get(Field::PoolCap);
    let total = frame.get(Field::CommittedTotal);
    let mut excess = (total - cap).max(0.0);
    frame.set(Field::Trimmed, excess);
    for &m in s.contribution.order.iter().rev() {
        if excess <= 0.0 {
            break;
        }
        let have = frame.committed[m];
        if have <= 0.0 {
            continue;
        }
        let removed = have.min(excess);
        frame.committed[m] = have - removed;
        excess -= removed;
        if frame.committed[m] <= 0.0 {
            frame.arrival[m] = f64::NAN;
            frame.fields[Field::Contributors as usize] -= 1.0;
        }
        trace.event(Event::Trim { member: m, removed });
    }
    let deployed = total.min(cap);
    frame.set(Field::Deployed, deployed);
    let (mut first, mut full) = (f64::INFINITY, f64::NEG_INFINITY);
    for &a in &frame.arrival {
        if !a.is_nan() {
            first = first.min(a);
            full = full.max(a);
        }
    }
    if first.is_finite() {
        frame.set(Field::FirstArrival, first);
        frame.set(Field::FullStrength, full);
    }
}

fn outcomes(s: &Scenario, key: TrialKey, frame: &mut Frame) {
    let need = frame.get(Field::Need);
    frame.set(Field::Shortfall, (need - frame.get(Field::Deployed)).max(0.0));
    for o in &s.outcomes {
        let mut rng = SubStream::new(key, o.stream);
        let v = o.program.eval(&env(s, frame, 0), &mut rng);
        if v.is_nan() || v.abs() > crate::stats::FIXED_LIMIT {
            frame.forced |= forced::OUTCOME;
        }
        frame.vars[o.slot] = v;
    }
}

#[cfg(test)]
mod tests {
    use super::{DecisionRule, Tally, passes};

    fn tally(support: u32, abstain: u32, block: u32) -> Tally {
        Tally { support, abstain, block }
    }

    #[test]
    fn consensus_lets_abstentions_pass_but_not_a_block_or_silence() {
        assert!(passes(DecisionRule::Consensus, tally(1, 5, 0), false));
        assert!(!passes(DecisionRule::Consensus, tally(5, 0, 1), false), "one block stops it");
        assert!(!passes(DecisionRule::Consensus, tally(0, 6, 0), false), "nobody supports");
        assert!(!passes(DecisionRule::Consensus, tally(0, 0, 0), false), "nobody votes");
    }

    #[test]
    fn unanimity_counts_an_abstention_against() {
        assert!(passes(DecisionRule::Unanimity, tally(6, 0, 0), false));
        assert!(!passes(DecisionRule::Unanimity, tally(5, 1, 0), false));
        assert!(!passes(DecisionRule::Unanimity, tally(0, 0, 0), false));
    }

    #[test]
    fn a_tied_majority_passes_only_when_a_supporting_chair_breaks_it() {
        assert!(passes(DecisionRule::Majority, tally(4, 1, 1), false));
        assert!(!passes(DecisionRule::Majority, tally(3, 2, 1), false), "a tie without the chair");
        assert!(passes(DecisionRule::Majority, tally(3, 2, 1), true), "the chair supports and breaks it");
        assert!(!passes(DecisionRule::Majority, tally(2, 2, 2), true), "no tie to break");
        assert!(!passes(DecisionRule::Majority, tally(0, 0, 0), true), "no votes, no tie");
    }

    #[test]
    fn a_qualified_majority_is_a_share_of_the_votes_cast() {
        let two_thirds = DecisionRule::Qualified(2.0 / 3.0);
        assert!(passes(two_thirds, tally(4, 2, 0), false));
        assert!(!passes(two_thirds, tally(3, 2, 1), false));
        assert!(!passes(two_thirds, tally(0, 0, 0), false));
    }
}
