//! The compiled scenario: everything a trial needs, index-addressed.
//!
//! Names survive only for reports and `explain`; the engine reads slots,
//! member indices and compiled programs.

use crate::dist::{Marginal, Spread};
use crate::rng::StreamKey;
use crate::rules::compile::Symbols;
use crate::rules::env::Statics;
use crate::rules::program::{Program, Type};
use crate::rules::ruleset::RuleSet;
pub use crate::vocabulary::{CRISIS_KINDS, class, limits};

/// How the council aggregates votes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DecisionRule {
    /// No member blocks, and at least one supports.
    Consensus,
    /// Every voting member supports.
    Unanimity,
    /// More than half of the voting members support (the chair breaks ties
    /// when `chair_breaks_ties`).
    Majority,
    /// At least this fraction of the voting members support.
    Qualified(f64),
}

impl DecisionRule {
    /// The rule as written in YAML.
    pub fn describe(self) -> String {
        match self {
            DecisionRule::Consensus => "consensus".into(),
            DecisionRule::Unanimity => "unanimity".into(),
            DecisionRule::Majority => "majority".into(),
            DecisionRule::Qualified(f) => format!("qualified ({f})"),
        }
    }
}

/// A member's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Votes and contributes.
    Active,
    /// Participation frozen: neither votes nor contributes.
    Frozen,
    /// Left the alliance: neither votes nor contributes.
    Withdrawn,
}

impl Status {
    /// The status as written in YAML.
    pub fn name(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Frozen => "frozen",
            Status::Withdrawn => "withdrawn",
        }
    }
}

/// A force pool.
#[derive(Debug, Clone)]
pub struct Pool {
    /// Id used in rules.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Personnel cap.
    pub cap: u64,
}

/// A member state.
#[derive(Debug, Clone)]
pub struct Member {
    /// Id used in rules.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Standing.
    pub status: Status,
    /// Days from the decision until its first troops can arrive.
    pub lead_time: f64,
    /// Attribute values by slot (booleans 0/1; undeclared attributes 0).
    pub attributes: Vec<f64>,
    /// Personnel pledged to each pool (by pool index).
    pub pledges: Vec<u64>,
}

/// How a crisis variable is drawn.
#[derive(Debug, Clone)]
pub enum Distribution {
    /// A program: a fixed expression of earlier variables, or a named
    /// distribution as the call that draws it (`beta: {alpha: 6, beta: 2}`
    /// is the program `beta(6, 2)`, so its parameters may be expressions).
    Draw(Program),
    /// One of several labels with fixed weights.
    Categorical {
        /// Interned ids of the labels.
        labels: Vec<f64>,
        /// Cumulative weights.
        cumulative: Vec<f64>,
    },
    /// A continuous family under `correlate:`, drawn by its quantile at
    /// the normal score the crisis's [`Correlation`] gives it.
    Correlated {
        /// The family.
        marginal: Marginal,
        /// Its parameters (as in the scenario: expressions of earlier
        /// variables allowed), padded to three.
        params: [Program; 3],
        /// The variable's row in the correlation matrix.
        row: usize,
    },
}

/// Rank correlations between continuous crisis variables, honoured by a
/// Gaussian copula: each variable draws a standard normal score from its
/// own stream, the scores are mixed by the Cholesky factor of the normal
/// correlation 2 sin(πρ/6) (which has Spearman correlation ρ), and each
/// variable is its family's quantile at the mixed score.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    /// The variables' slots, in the matrix's order.
    pub slots: Vec<usize>,
    /// The rank (Spearman) correlations as declared, row-major.
    pub rank: Vec<f64>,
    /// The lower Cholesky factor of the normal scores' correlation,
    /// row-major.
    pub cholesky: Vec<f64>,
}

impl Correlation {
    /// Number of correlated variables.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether it correlates nothing (never, once built).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// An uncertain input: the number at a dotted path and where an analysis
/// draws it from.
#[derive(Debug, Clone, PartialEq)]
pub struct Uncertain {
    /// The dotted path, as for `--set`.
    pub path: String,
    /// A range or a distribution.
    pub spread: Spread,
}

/// A crisis variable.
#[derive(Debug, Clone)]
pub struct Variable {
    /// Its name.
    pub name: String,
    /// Its distribution.
    pub distribution: Distribution,
    /// Optional truncation bounds (rejection, then clamping after 100 tries).
    pub truncate: Option<(f64, f64)>,
    /// Its value type.
    pub ty: Type,
    /// Its random stream.
    pub stream: StreamKey,
    /// When its value is known (`crisis.known`).
    pub known: Known,
}

/// When a crisis variable's value can be known (`crisis.known`): a forecast
/// made at the crisis's onset may use the first kind and must draw the
/// second (what the host asked for, how soon its government fell) from what
/// other cases saw, since its value carries the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Known {
    /// Known when the crisis breaks out (the default).
    #[default]
    Onset,
    /// Known only once the outcome is known.
    After,
}

impl Known {
    /// The words a scenario writes.
    pub const NAMES: [&str; 2] = ["onset", "after"];
}

/// An outcome metric.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Its name.
    pub name: String,
    /// The expression.
    pub program: Program,
    /// Its slot in the frame's variables.
    pub slot: usize,
    /// Its random stream.
    pub stream: StreamKey,
}

/// What history recorded for a case. Every field but the note is compared
/// with the simulation: in the history check, the backtest and
/// `calibrate`'s likelihood (a field nothing could compare with is refused
/// at load).
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The outcome class (`no_request`, `refused`, `non_military`, `deploy`).
    pub outcome: Option<u8>,
    /// Personnel deployed.
    pub personnel: Option<u64>,
    /// Members that contributed (indices).
    pub contributors: Vec<usize>,
    /// The same members as a bit mask (bit i = member i), for the per-trial check.
    pub contributor_mask: u64,
    /// Days from the request to the council's decision.
    pub days_to_decision: Option<DayRange>,
    /// Days from the request to the first arrival.
    pub days_to_first_arrival: Option<DayRange>,
    /// Days from the request to full strength.
    pub days_to_full_strength: Option<DayRange>,
    /// Free text: what happened and the sources.
    pub note: String,
}

/// A time the record gives, in days after the request, as the range the
/// sources allow (a whole day `d` is `d ± ½`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayRange {
    /// Earliest.
    pub from: f64,
    /// Latest.
    pub to: f64,
}

/// A deployment's personnel matches the record within this fraction of it
/// (the need is a judgement, so the model is not asked for the exact
/// figure).
pub const PERSONNEL_BAND: f64 = 0.25;

impl Observed {
    /// The personnel a trial may deploy and still match the record.
    pub fn personnel_band(&self) -> Option<(u64, u64)> {
        self.personnel.map(|x| {
            (((1.0 - PERSONNEL_BAND) * x as f64).floor() as u64, ((1.0 + PERSONNEL_BAND) * x as f64).ceil() as u64)
        })
    }

    /// The recorded times, each with the trial quantity it is compared with.
    pub fn times(&self) -> impl Iterator<Item = (Timed, DayRange)> + '_ {
        [
            (Timed::Decision, self.days_to_decision),
            (Timed::FirstArrival, self.days_to_first_arrival),
            (Timed::FullStrength, self.days_to_full_strength),
        ]
        .into_iter()
        .filter_map(|(t, r)| r.map(|r| (t, r)))
    }
}

/// A time a case can record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timed {
    /// Request to decision (every requested trial).
    Decision,
    /// Request to the first arrival (deploy trials with troops sent).
    FirstArrival,
    /// Request to full strength (the same trials).
    FullStrength,
}

impl Timed {
    /// The `observed:` field's name.
    pub fn field(self) -> &'static str {
        match self {
            Timed::Decision => "days_to_decision",
            Timed::FirstArrival => "days_to_first_arrival",
            Timed::FullStrength => "days_to_full_strength",
        }
    }
}

/// A rule's description, for fire counts and `explain`.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    /// Stable id, such as `request/foreign_framing` or `contribute.probability/2`.
    pub id: String,
    /// The `because` sentence.
    pub because: String,
}

/// The random streams of the fixed decisions, keyed by meaning.
#[derive(Debug, Clone)]
pub struct Streams {
    /// The host's request.
    pub request: StreamKey,
    /// The council's result.
    pub council: StreamKey,
    /// The pool choice.
    pub pool: StreamKey,
    /// Each member's vote.
    pub vote: Vec<StreamKey>,
    /// Each member's decision to contribute.
    pub contribute: Vec<StreamKey>,
    /// Each member's personnel.
    pub personnel: Vec<StreamKey>,
    /// Each member's arrival day.
    pub arrival: Vec<StreamKey>,
}

/// Defaults for a run.
#[derive(Debug, Clone, Copy)]
pub struct RunDefaults {
    /// Number of trials.
    pub trials: u64,
    /// Seed.
    pub seed: u64,
}

/// A rule set decided per member: as written, and specialised for each
/// member (its facts folded in, rules that cannot fire for it removed) —
/// for the contribution stage, for each member *and pool*, since the pool
/// is chosen by then. Specialising changes no result: the same rules fire,
/// drawing the same numbers.
#[derive(Debug, Clone)]
pub struct PerMember {
    /// The rules as written (for reports and `explain`).
    pub written: RuleSet,
    /// The specialised copies: index `m` (one per member), or `m * pools + p`.
    pub specialised: Vec<RuleSet>,
    /// How many pools the copies are specialised for (0: not per pool).
    pub pools: usize,
}

impl PerMember {
    /// A rule set not yet specialised.
    pub fn written(written: RuleSet) -> PerMember {
        PerMember { written, specialised: Vec::new(), pools: 0 }
    }

    /// The rule set to evaluate for member `m` (copies specialised per member).
    #[inline]
    pub fn of(&self, m: usize) -> &RuleSet {
        let copy = if self.pools == 0 { self.specialised.get(m) } else { None };
        copy.unwrap_or(&self.written)
    }

    /// The rule set to evaluate for member `m` once pool `pool` is chosen.
    #[inline]
    pub fn in_pool(&self, m: usize, pool: usize) -> &RuleSet {
        let copy = if pool < self.pools { self.specialised.get(m * self.pools + pool) } else { None };
        copy.unwrap_or(&self.written)
    }
}

/// The council stage's rule sets.
#[derive(Debug, Clone)]
pub struct Council {
    /// How votes are aggregated.
    pub rule: DecisionRule,
    /// Whether the chair decides a tied majority vote.
    pub chair_breaks_ties: bool,
    /// P(a member supports).
    pub support: PerMember,
    /// P(a member blocks | it does not support).
    pub block: PerMember,
    /// P(only a non-military mission | the vote passes).
    pub mission_only: RuleSet,
    /// P(a non-military mission | the vote fails).
    pub fallback: RuleSet,
    /// Days the council takes to decide.
    pub days: RuleSet,
}

/// The contribution stage's rule sets.
#[derive(Debug, Clone)]
pub struct Contribution {
    /// Members in the order they decide.
    pub order: Vec<usize>,
    /// Whether the host may contribute to its own rescue.
    pub host_contributes: bool,
    /// P(the member contributes).
    pub probability: PerMember,
    /// Personnel sent (bounded by the pledge).
    pub personnel: PerMember,
    /// Days after the decision until it arrives.
    pub arrival_day: PerMember,
}

/// A validated, compiled scenario: the only input of a trial.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Display name.
    pub name: String,
    /// What the scenario is about.
    pub description: String,
    /// Where it came from (path or bundled name).
    pub origin: String,
    /// SHA-256 of the files' contents (and any overrides), hex.
    pub hash: String,
    /// The alliance's name.
    pub alliance: String,
    /// The mutual-aid article.
    pub article: String,
    /// Index of the chair.
    pub chair: usize,
    /// The pools.
    pub pools: Vec<Pool>,
    /// The smallest pool cap (the peacekeeping cap in the CSTO scenarios).
    pub smallest_cap: u64,
    /// The largest pool cap.
    pub largest_cap: u64,
    /// The members.
    pub members: Vec<Member>,
    /// Index of the host.
    pub host: usize,
    /// The crisis kind.
    pub kind: String,
    /// The crisis variables, in draw order.
    pub variables: Vec<Variable>,
    /// Rank correlations between some of them (`crisis.correlate`).
    pub correlation: Option<Correlation>,
    /// P(the host requests aid).
    pub request: RuleSet,
    /// The council.
    pub council: Council,
    /// Personnel the crisis needs.
    pub need: Program,
    /// Optional rule choosing the pool (a pool id).
    pub pool_choice: Option<Program>,
    /// The contributions.
    pub contribution: Contribution,
    /// The outcome metrics.
    pub outcomes: Vec<Outcome>,
    /// What history recorded.
    pub observed: Option<Observed>,
    /// The inputs it declares uncertain (`uncertain:`), for global
    /// sensitivity and sampled sweeps when no `--vary` is given.
    pub uncertain: Vec<Uncertain>,
    /// Run defaults.
    pub run: RunDefaults,
    /// Every rule, by [`crate::rules::ruleset::RuleId`].
    pub rules: Vec<RuleInfo>,
    /// Names and strings.
    pub symbols: Symbols,
    /// Tables for evaluation.
    pub statics: Statics,
    /// Random stream keys.
    pub streams: Streams,
    /// Pool index of each interned string (for `pool.choose`).
    pub pool_of_string: Vec<Option<usize>>,
}

impl Scenario {
    /// Whether this scenario's crisis variables are drawn exactly as
    /// `other`'s: the same variables in the same slots, streams,
    /// distributions, truncation and interned strings, each program reading
    /// only constants and earlier variables. Then, for the same trial key,
    /// both draw the same values, and scenarios run in lockstep draw them
    /// once (issue #17: nested workloads share work).
    pub fn draws_the_same_crisis_as(&self, other: &Scenario) -> bool {
        let same_draw = |a: &Distribution, b: &Distribution| match (a, b) {
            (Distribution::Draw(p), Distribution::Draw(q)) => {
                p.ops() == q.ops() && p.ops().iter().all(|op| op.reads_only_variables())
            }
            (
                Distribution::Categorical { labels: la, cumulative: ca },
                Distribution::Categorical { labels: lb, cumulative: cb },
            ) => la == lb && ca == cb,
            (
                Distribution::Correlated { marginal: ma, params: pa, row: ra },
                Distribution::Correlated { marginal: mb, params: pb, row: rb },
            ) => {
                ma == mb
                    && ra == rb
                    && pa
                        .iter()
                        .zip(pb)
                        .all(|(p, q)| p.ops() == q.ops() && p.ops().iter().all(|op| op.reads_only_variables()))
            }
            _ => false,
        };
        self.correlation == other.correlation
            && self.variables.len() == other.variables.len()
            && self.symbols.strings == other.symbols.strings
            && self.variables.iter().zip(&other.variables).all(|(a, b)| {
                a.stream == b.stream
                    && a.truncate == b.truncate
                    && a.ty == b.ty
                    && same_draw(&a.distribution, &b.distribution)
            })
    }

    /// Whether this scenario's trials also *decide* as `other`'s up to the
    /// council's result: it draws the same crisis, and its request, votes
    /// and council are the same rule sets (as evaluated, specialised),
    /// streams, members' statuses, host, chair and decision rule. Then, for
    /// the same trial key, both reach the need with the same state, and
    /// scenarios in lockstep copy it (a sweep over a cap or a contribution
    /// rule). Their rule ids agree, so the rules of these stages fired as
    /// often in both.
    pub fn decides_the_same_as(&self, other: &Scenario) -> bool {
        let (a, b) = (&self.council, &other.council);
        let n = self.members.len();
        let per_member = |x: &PerMember, y: &PerMember| (0..n).all(|m| x.of(m).computes_the_same_as(y.of(m)));
        self.draws_the_same_crisis_as(other)
            && n == other.members.len()
            && self.members.iter().zip(&other.members).all(|(x, y)| x.status == y.status)
            && (self.host, self.chair) == (other.host, other.chair)
            && (a.rule, a.chair_breaks_ties) == (b.rule, b.chair_breaks_ties)
            && (self.streams.request, self.streams.council) == (other.streams.request, other.streams.council)
            && self.streams.vote == other.streams.vote
            && self.request.computes_the_same_as(&other.request)
            && a.mission_only.computes_the_same_as(&b.mission_only)
            && a.fallback.computes_the_same_as(&b.fallback)
            && a.days.computes_the_same_as(&b.days)
            && per_member(&a.support, &b.support)
            && per_member(&a.block, &b.block)
    }

    /// The rule sets of the request and the council, each member's copy
    /// included (the rules whose firings [`Scenario::decides_the_same_as`]
    /// lets lockstep copy).
    pub fn decision_rule_sets(&self) -> Vec<&RuleSet> {
        let c = &self.council;
        let mut sets = vec![&self.request, &c.mission_only, &c.fallback, &c.days, &c.support.written, &c.block.written];
        sets.extend(c.support.specialised.iter().chain(&c.block.specialised));
        sets
    }

    /// Every expression of the scenario as written (specialised copies left out).
    pub fn programs(&self) -> Vec<&Program> {
        let c = &self.council;
        let k = &self.contribution;
        let sets = [&self.request, &c.mission_only, &c.fallback, &c.days]
            .into_iter()
            .chain([&c.support, &c.block, &k.probability, &k.personnel, &k.arrival_day].map(|p| &p.written));
        let mut programs: Vec<&Program> = sets
            .flat_map(|set| {
                std::iter::once(&set.base)
                    .chain(set.rules.iter().flat_map(|r| r.scope.iter().chain([&r.when, &r.operand])))
            })
            .collect();
        programs.extend(self.variables.iter().flat_map(|v| match &v.distribution {
            Distribution::Draw(p) => std::slice::from_ref(p),
            Distribution::Categorical { .. } => &[],
            Distribution::Correlated { params, .. } => params.as_slice(),
        }));
        programs.push(&self.need);
        programs.extend(&self.pool_choice);
        programs.extend(self.outcomes.iter().map(|o| &o.program));
        programs
    }

    /// Number of frame variable slots (variables plus outcomes).
    pub fn n_slots(&self) -> usize {
        self.variables.len() + self.outcomes.len()
    }

    /// Index of a member by id.
    pub fn member_index(&self, id: &str) -> Option<usize> {
        self.members.iter().position(|m| m.id == id)
    }

    /// The pool a need of `need` personnel goes to by default: the smallest
    /// whose cap covers it, else the largest.
    pub fn default_pool(&self, need: f64) -> usize {
        let mut best: Option<usize> = None;
        let mut largest = 0;
        for (i, pool) in self.pools.iter().enumerate() {
            if pool.cap > self.pools[largest].cap {
                largest = i;
            }
            if pool.cap as f64 >= need && best.is_none_or(|b| pool.cap < self.pools[b].cap) {
                best = Some(i);
            }
        }
        best.unwrap_or(largest)
    }
}
