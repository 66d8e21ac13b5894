//! One trial told as a story: `alliance-sim explain`.
//!
//! The trial is run again with the same key the batch gave it, so every draw
//! is the one the batch folded in; a [`Recorder`] keeps each pipeline event
//! and each rule that fired, and [`Story`] arranges them for people.

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::engine::{self, Event, Trace};
use crate::rng::{Decision, StreamKey, SubStream, TrialKey, TrialKeys};
use crate::rules::compile::{self, Context, Stage};
use crate::rules::env::{Env, Field, Frame, vote};
use crate::rules::program::Program;
use crate::rules::program::Type;
use crate::rules::ruleset::{Observer, RuleId};
use crate::scenario::model::{Scenario, class};

/// Everything that happened in a trial, in order.
#[derive(Debug, Default)]
pub struct Recorder {
    steps: Vec<Step>,
}

#[derive(Debug)]
enum Step {
    Event(Event),
    Fired { rule: RuleId, before: f64, after: f64 },
}

impl Observer for Recorder {
    fn fired(&mut self, rule: RuleId, _member: usize, before: f64, after: f64) {
        self.steps.push(Step::Fired { rule, before, after });
    }
}

impl Trace for Recorder {
    fn event(&mut self, event: Event) {
        self.steps.push(Step::Event(event));
    }
}

/// A rule that fired, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Because {
    /// The rule's id.
    pub rule: String,
    /// Its `because` sentence.
    pub because: String,
    /// The value before the rule.
    pub before: f64,
    /// The value after it.
    pub after: f64,
}

/// A name and a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Named {
    /// The name.
    pub name: String,
    /// The value, as its type prints.
    pub value: Shown,
}

/// A value of any type, as a person (and JSON) reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Shown {
    /// A number.
    Number(f64),
    /// true / false.
    Bool(bool),
    /// A categorical label or an id.
    Label(String),
}

impl Shown {
    /// The frame's encoding of a value of type `ty` (booleans as 0/1,
    /// strings as their index among the scenario's strings) made readable.
    pub fn of(s: &Scenario, ty: Type, value: f64) -> Shown {
        match ty {
            Type::Num => Shown::Number(value),
            Type::Bool => Shown::Bool(value != 0.0),
            Type::Str => match s.symbols.strings.get(value as usize) {
                Some(label) if value >= 0.0 => Shown::Label(label.clone()),
                _ => Shown::Number(value),
            },
        }
    }
}

/// The host's decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestStep {
    /// P(request).
    pub probability: f64,
    /// Whether it asked.
    pub requested: bool,
    /// Rules that moved the probability.
    pub rules: Vec<Because>,
}

/// One member's vote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VoteStep {
    /// Member id.
    pub member: String,
    /// P(support).
    pub support_probability: f64,
    /// P(block | not support).
    pub block_probability: f64,
    /// support, abstain or block.
    pub vote: String,
    /// Rules that moved the probabilities.
    pub rules: Vec<Because>,
}

/// The council's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CouncilStep {
    /// Whether the vote on troops passed.
    pub passed: bool,
    /// P(mission only) when it passed, P(fallback) when it did not.
    pub mission_probability: f64,
    /// Days the council took.
    pub days: f64,
    /// Rules that moved the mission/fallback probability.
    pub rules: Vec<Because>,
}

/// The pool chosen against the caps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolStep {
    /// Personnel needed.
    pub need: f64,
    /// The pool.
    pub pool: String,
    /// Its cap.
    pub cap: u64,
    /// Every pool's cap, for comparison.
    pub caps: Vec<(String, u64)>,
}

/// One member's contribution decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContributionStep {
    /// Member id.
    pub member: String,
    /// P(contributes).
    pub probability: f64,
    /// Personnel committed (before any trimming).
    pub personnel: f64,
    /// Days after the decision it arrives.
    pub arrival_day: f64,
    /// Personnel removed at the cap.
    pub trimmed: f64,
    /// Rules that fired for it.
    pub rules: Vec<Because>,
}

/// The deployment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentStep {
    /// Personnel deployed.
    pub deployed: f64,
    /// Personnel needed.
    pub need: f64,
    /// Shortfall.
    pub shortfall: f64,
    /// Trimmed at the cap.
    pub trimmed: f64,
    /// Days from the request to the first arrival.
    pub first_arrival: Option<f64>,
    /// … to full strength.
    pub full_strength: Option<f64>,
}

/// A correlated crisis variable's draw: its own normal score, the score
/// after mixing with the others', and the percentile of its distribution
/// that it took.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrelatedStep {
    /// The variable.
    pub name: String,
    /// The standard normal score drawn from its own stream.
    pub own_score: f64,
    /// The score mixed by the correlation's Cholesky factor.
    pub mixed_score: f64,
    /// Φ(mixed score): where in its distribution the variable fell.
    pub percentile: f64,
}

/// A trial told as a story.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Story {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Trial index.
    pub trial: u64,
    /// The outcome class.
    pub outcome: String,
    /// The crisis as drawn.
    pub variables: Vec<Named>,
    /// How the correlated variables got their percentiles (`correlate:`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub correlated: Vec<CorrelatedStep>,
    /// The host's decision.
    pub request: RequestStep,
    /// Each voting member.
    pub votes: Vec<VoteStep>,
    /// The council's result (when the host asked).
    pub council: Option<CouncilStep>,
    /// The pool (when troops go).
    pub pool: Option<PoolStep>,
    /// Contributions in the declared order (when troops go).
    pub contributions: Vec<ContributionStep>,
    /// The deployment (when troops go).
    pub deployment: Option<DeploymentStep>,
    /// Outcome metrics.
    pub outcomes: Vec<Named>,
    /// Days from the request, with what happened.
    pub timeline: Vec<(f64, String)>,
}

/// Runs trial `trial` of a batch with `seed` into `frame`, recording it.
pub fn replay(s: &Scenario, seed: u64, trial: u64, frame: &mut Frame) -> Recorder {
    let key = TrialKeys::starting_at(seed, trial).next_key();
    let mut recorder = Recorder::default();
    engine::run_trial(s, key, frame, &mut recorder);
    recorder
}

/// Tells trial `trial` of a batch with `seed`.
pub fn explain(s: &Scenario, seed: u64, trial: u64) -> Story {
    let mut frame = Frame::new(s.n_slots(), s.members.len());
    let recorder = replay(s, seed, trial, &mut frame);
    let mut story = tell(s, seed, trial, &frame, recorder);
    if let Some(c) = &s.correlation {
        let scores = engine::Scores::of(s, c, TrialKeys::starting_at(seed, trial).next_key());
        story.correlated = c
            .slots
            .iter()
            .enumerate()
            .map(|(row, &slot)| CorrelatedStep {
                name: s.variables[slot].name.clone(),
                own_score: scores.own[row],
                mixed_score: scores.mixed[row],
                percentile: crate::dist::normal_cdf(scores.mixed[row]),
            })
            .collect();
    }
    story
}

fn tell(s: &Scenario, seed: u64, trial: u64, frame: &Frame, recorder: Recorder) -> Story {
    let because = |rule: RuleId, before: f64, after: f64| {
        let info = &s.rules[usize::from(rule.0)];
        Because { rule: info.id.clone(), because: info.because.clone(), before, after }
    };
    let member_id = |m: usize| s.members[m].id.clone();
    let cls = (frame.get(Field::Outcome) as usize).min(3);
    let mut story = Story {
        scenario: s.name.clone(),
        seed,
        trial,
        outcome: class::NAMES[cls].to_string(),
        variables: Vec::new(),
        correlated: Vec::new(),
        request: RequestStep { probability: f64::NAN, requested: false, rules: Vec::new() },
        votes: Vec::new(),
        council: None,
        pool: None,
        contributions: Vec::new(),
        deployment: None,
        outcomes: s
            .outcomes
            .iter()
            .map(|o| Named { name: o.name.clone(), value: Shown::of(s, o.program.ty(), frame.vars[o.slot]) })
            .collect(),
        timeline: Vec::new(),
    };
    let mut pending: Vec<Because> = Vec::new();
    for step in recorder.steps {
        let event = match step {
            Step::Fired { rule, before, after } => {
                pending.push(because(rule, before, after));
                continue;
            }
            Step::Event(e) => e,
        };
        let rules = std::mem::take(&mut pending);
        match event {
            Event::Variable { slot } => {
                let v = &s.variables[slot];
                story.variables.push(Named { name: v.name.clone(), value: Shown::of(s, v.ty, frame.vars[slot]) })
            }
            Event::Request { probability, requested } => story.request = RequestStep { probability, requested, rules },
            Event::Vote { member, support, block, vote: code } => story.votes.push(VoteStep {
                member: member_id(member),
                support_probability: support,
                block_probability: block,
                vote: match code {
                    vote::SUPPORT => "support",
                    vote::BLOCK => "block",
                    vote::ABSTAIN => "abstain",
                    _ => "none",
                }
                .to_string(),
                rules,
            }),
            Event::Council { passed, mission_probability } => {
                story.council =
                    Some(CouncilStep { passed, mission_probability, days: frame.get(Field::DecisionDays), rules })
            }
            Event::Pool { need, pool } => {
                story.pool = s.pools.get(pool).map(|p| PoolStep {
                    need,
                    pool: p.id.clone(),
                    cap: p.cap,
                    caps: s.pools.iter().map(|q| (q.id.clone(), q.cap)).collect(),
                })
            }
            Event::Contribution { member, probability, personnel, arrival_day } => {
                story.contributions.push(ContributionStep {
                    member: member_id(member),
                    probability,
                    personnel,
                    arrival_day,
                    trimmed: 0.0,
                    rules,
                })
            }
            Event::Trim { member, removed } => {
                if let Some(c) = story.contributions.iter_mut().find(|c| c.member == s.members[member].id) {
                    c.trimmed += removed;
                }
            }
        }
    }
    let requested = story.request.requested;
    if requested {
        story.timeline.push((0.0, format!("{} asks the alliance for help", s.members[s.host].name)));
        story.timeline.push((frame.get(Field::DecisionDays), format!("the council decides: {}", story.outcome)));
    }
    if cls == usize::from(class::DEPLOY) {
        let arrived = |f: Field| Some(frame.get(f)).filter(|d| !d.is_nan());
        story.deployment = Some(DeploymentStep {
            deployed: frame.get(Field::Deployed),
            need: frame.get(Field::Need),
            shortfall: frame.get(Field::Shortfall),
            trimmed: frame.get(Field::Trimmed),
            first_arrival: arrived(Field::FirstArrival),
            full_strength: arrived(Field::FullStrength),
        });
        for (m, day) in frame.arrival.iter().enumerate() {
            if !day.is_nan() {
                let who = &s.members[m].name;
                story.timeline.push((*day, format!("{who}'s contingent of {} arrives", frame.committed[m])));
            }
        }
    }
    story.timeline.sort_by(|a, b| a.0.total_cmp(&b.0));
    story
}

/// A compiled `--find` condition over a trial's results.
pub struct Condition {
    program: Program,
    /// Its random stream, if it draws (keyed like any other decision).
    stream: StreamKey,
}

/// Why a `--find` condition does not compile: each problem, located in the
/// condition's text.
#[derive(Debug, Clone, PartialEq)]
pub struct FindError(pub Vec<crate::rules::compile::ExprError>);

impl std::fmt::Display for FindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            let expected = e.expected.as_ref().map(|x| format!("; expected {x}")).unwrap_or_default();
            let help = e.help.as_ref().map(|h| format!("\n  help: {h}")).unwrap_or_default();
            let sep = if i > 0 { "\n" } else { "" };
            write!(f, "{sep}--find:1:{}: {}{expected}{help}", e.at + 1, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for FindError {}

impl Condition {
    /// Compiles `text` as a condition that sees everything the outcome
    /// metrics see: crisis variables, `outcome`, `deployed`, `need`,
    /// `shortfall`, the days, and the outcome metrics themselves.
    pub fn compile(s: &Scenario, text: &str) -> Result<Condition, FindError> {
        let mut symbols = s.symbols.clone();
        let visible_vars = symbols.vars.len();
        let ctx = Context { stage: Stage::Outcome, member: false, visible_vars, member_index: None };
        compile::compile(text, Some(Type::Bool), &mut symbols, ctx)
            .map(|program| Condition { program, stream: Decision::Find.key() })
            .map_err(FindError)
    }

    /// Whether the trial with `key`, left in `frame`, meets the condition.
    pub fn holds(&self, s: &Scenario, key: TrialKey, frame: &Frame) -> bool {
        let mut rng = SubStream::new(key, self.stream);
        self.program.eval(&Env { statics: &s.statics, frame, member: 0 }, &mut rng) != 0.0
    }
}

/// The first trial from `from` (at most `limit` trials) that meets
/// `condition`; `stop` ends the search early (Ctrl-C, a page gone).
pub fn find(s: &Scenario, seed: u64, from: u64, limit: u64, condition: &Condition, stop: &AtomicBool) -> Search {
    let mut frame = Frame::new(s.n_slots(), s.members.len());
    let mut keys = TrialKeys::starting_at(seed, from);
    let mut silent = crate::rules::ruleset::Silent;
    for i in from..from.saturating_add(limit) {
        if (i - from).is_multiple_of(STOP_EVERY) && stop.load(Ordering::Relaxed) {
            return Search::Stopped(i);
        }
        let key = keys.next_key();
        engine::run_trial(s, key, &mut frame, &mut silent);
        if condition.holds(s, key, &frame) {
            return Search::Found(i);
        }
    }
    Search::Missing
}

/// Trials between two looks at a search's stop flag (about a millisecond).
const STOP_EVERY: u64 = 4096;

/// How a [`find`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search {
    /// The first trial that meets the condition.
    Found(u64),
    /// No trial in the range meets it.
    Missing,
    /// Stopped by the flag before this trial.
    Stopped(u64),
}
