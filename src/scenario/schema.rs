//! The scenario format as types, for one purpose: `alliance-sim schema`
//! prints their JSON Schema (schemars), so editors with yaml-language-server
//! autocomplete fields, show these doc comments and underline typos.
//!
//! Loading does not use these types (the builder reads a located tree to
//! report line and column), so the format is described twice;
//! `tests/integration/schema.rs` keeps the two together: every shipped
//! scenario validates, and for every map of every shipped scenario the
//! loader and this schema agree on whether an unknown field is allowed. Map values may be `~` (null): in a file that
//! `extends` another, that deletes the inherited entry.

// The fields are read only by schemars' derive, never by Rust code.
#![allow(dead_code)]

use std::collections::BTreeMap;

use schemars::JsonSchema;

/// A number, a boolean, or an expression (see docs/scenarios.md, "Expressions").
#[derive(JsonSchema)]
#[schemars(untagged)]
pub enum Expr {
    /// A number.
    Number(f64),
    /// true / false.
    Bool(bool),
    /// An expression, e.g. `member.alignment * 0.8`.
    Text(String),
}

/// A crisis scenario for alliance-sim.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Display name.
    name: Option<String>,
    /// What the scenario is about.
    description: Option<String>,
    /// Another scenario file this one is laid over (maps merge, lists replace, `~` deletes).
    extends: Option<String>,
    /// The alliance: its decision rule, chair and force pools.
    alliance: Option<Alliance>,
    /// The member states, by id.
    members: Option<BTreeMap<String, Option<Member>>>,
    /// The crisis: who is struck, what kind of crisis, what is drawn per trial.
    crisis: Option<Crisis>,
    /// The response pipeline: request, council, pool, contributions.
    decisions: Option<Decisions>,
    /// Outcome metrics, by name: expressions over the trial's results.
    outcomes: Option<BTreeMap<String, Option<Expr>>>,
    /// What history recorded, for `backtest`.
    observed: Option<Observed>,
    /// Inputs declared uncertain: a dotted path (a number in this
    /// scenario) and the range or distribution `sensitivity --method
    /// sobol|morris` and `sweep --sample` draw it from.
    uncertain: Option<BTreeMap<String, UncertainInput>>,
    /// Defaults for `run`.
    run: Option<RunDefaults>,
}

/// How the council aggregates votes.
#[derive(JsonSchema)]
#[schemars(untagged)]
pub enum DecisionRule {
    /// consensus (no member blocks, one supports), unanimity or majority.
    Named(NamedRule),
    /// At least this share of voting members support.
    Qualified {
        /// The share, in (0, 1].
        qualified: f64,
    },
}

/// A named decision rule.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum NamedRule {
    /// No member blocks, and at least one supports (the CSTO's rule).
    Consensus,
    /// Every voting member supports.
    Unanimity,
    /// More than half of the voting members support.
    Majority,
}

/// The alliance.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Alliance {
    /// Its name.
    name: Option<String>,
    /// The mutual-aid article, e.g. Article 4 of the Collective Security Treaty.
    article: Option<String>,
    /// consensus | unanimity | majority | {qualified: 0.67}.
    decision_rule: Option<DecisionRule>,
    /// The chair's member id (rules read member.is_chair).
    chair: Option<String>,
    /// Under majority, the chair breaks ties.
    chair_breaks_ties: Option<bool>,
    /// Force pools with personnel caps, by id.
    pools: Option<BTreeMap<String, Option<Pool>>>,
    /// The range each numeric member attribute must lie in, by name.
    attributes: Option<BTreeMap<String, Option<AttributeRange>>>,
}

/// The range of a member attribute.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AttributeRange {
    /// Smallest value.
    min: f64,
    /// Largest value.
    max: f64,
}

/// A force pool.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Pool {
    /// Display name, e.g. Collective Peacekeeping Forces.
    name: Option<String>,
    /// Most personnel it can deploy (CSTO: about 3,600 peacekeepers, about 20,000 rapid reaction).
    cap: Option<u64>,
}

/// A member's status.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum Status {
    /// Votes and contributes.
    Active,
    /// Participation suspended: neither votes nor contributes.
    Frozen,
    /// Left the alliance: neither votes nor contributes.
    Withdrawn,
}

/// A member state.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Member {
    /// Display name.
    name: Option<String>,
    /// active | frozen | withdrawn.
    status: Option<Status>,
    /// Days to get its contingent moving (rules read member.lead_time).
    lead_time: Option<f64>,
    /// Free numbers and booleans that rules read as member.NAME.
    attributes: Option<BTreeMap<String, Option<Expr>>>,
    /// Personnel pledged to each pool, by pool id.
    pledges: Option<BTreeMap<String, Option<u64>>>,
}

/// The kind of crisis.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum CrisisKind {
    /// An attack by another state (the treaty's own case).
    ExternalAggression,
    /// Unrest inside the host.
    InternalUnrest,
    /// A clash on a border.
    BorderClash,
    /// Mixed means.
    Hybrid,
    /// A conflict between members.
    IntraMember,
}

/// The crisis.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Crisis {
    /// The stricken member's id.
    host: Option<String>,
    /// external_aggression | internal_unrest | border_clash | hybrid | intra_member.
    kind: Option<CrisisKind>,
    /// Crisis variables, drawn once per trial in this order.
    variables: Option<BTreeMap<String, Option<Variable>>>,
    /// Rank correlations between continuous crisis variables.
    correlate: Option<Correlate>,
    /// When each variable's value is known: at the crisis's onset, or only
    /// once its outcome is known (a forecast draws those from other cases).
    known: Option<BTreeMap<String, Known>>,
}

/// When a crisis variable's value is known.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum Known {
    /// When the crisis breaks out.
    Onset,
    /// Only once the outcome is known.
    After,
}

/// Rank (Spearman) correlations between continuous crisis variables,
/// honoured by a Gaussian copula.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Correlate {
    /// The variables, in the matrix's order (2 to 16).
    variables: Vec<String>,
    /// The rank correlation matrix: symmetric, 1 on the diagonal, positive definite.
    rank_correlation: Vec<Vec<f64>>,
}

/// A crisis variable: a fixed value or a distribution.
#[derive(JsonSchema)]
#[schemars(untagged)]
pub enum Variable {
    /// A fixed number, boolean or expression of earlier variables.
    Fixed(Expr),
    /// A distribution.
    Drawn(Box<Distribution>),
}

/// Exactly one distribution (parameters may be expressions of earlier variables).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Distribution {
    /// A fixed value.
    fixed: Option<Expr>,
    /// Uniform on [min, max].
    uniform: Option<Params<MinMax>>,
    /// Normal with mean and sd.
    normal: Option<Params<MeanSd>>,
    /// Lognormal with mu and sigma (of the logarithm).
    lognormal: Option<Params<MuSigma>>,
    /// Beta with alpha and beta.
    beta: Option<Params<AlphaBeta>>,
    /// Triangular on [min, max] with its mode.
    triangular: Option<Params<MinModeMax>>,
    /// true with this probability.
    bernoulli: Option<Expr>,
    /// Exponential with this rate.
    exponential: Option<Params<Rate>>,
    /// Poisson with this mean.
    poisson: Option<Params<Lambda>>,
    /// A label drawn with these weights.
    categorical: Option<BTreeMap<String, Option<Expr>>>,
    /// Same as categorical.
    choice: Option<BTreeMap<String, Option<Expr>>>,
    /// [lo, hi]: redraw outside (100 tries), then clamp.
    truncate: Option<[f64; 2]>,
}

/// Distribution parameters.
#[derive(JsonSchema)]
#[schemars(transparent)]
pub struct Params<T>(T);

macro_rules! params {
    ($name:ident { $($field:ident),+ }) => {
        /// Distribution parameters (numbers or expressions).
        #[derive(JsonSchema)]
        #[schemars(deny_unknown_fields)]
                pub struct $name { $(#[doc = stringify!($field)] $field: Expr),+ }
    };
}
params!(MinMax { min, max });
params!(MeanSd { mean, sd });
params!(MuSigma { mu, sigma });
params!(AlphaBeta { alpha, beta });
params!(MinModeMax { min, mode, max });
params!(Rate { rate });
params!(Lambda { lambda });

/// A probability or value with the rules that move it.
#[derive(JsonSchema)]
#[schemars(untagged)]
pub enum RuleSet {
    /// A bare value: a base with no rules.
    Bare(Expr),
    /// A base and ordered rules.
    Ruled(Ruled),
}

/// A base and ordered rules.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Ruled {
    /// The starting value (required unless the file extends one that has
    /// it: an overlay may only add rules).
    base: Option<Expr>,
    /// Applied in order; each fires when its condition holds.
    rules: Option<Rules>,
}

/// A rule list, or (in a file that `extends` another) rules to add after
/// the inherited ones.
#[derive(JsonSchema)]
#[schemars(untagged)]
pub enum Rules {
    /// The rules (replacing any inherited list).
    List(Vec<Rule>),
    /// `{append: [...]}`: the inherited rules, then these.
    Append(AppendRules),
    /// `{ID: {...}}`: changes to inherited rules, each named by its id (or
    /// index), e.g. `{survival: {add: 0.6}}` (what `calibrate --write`
    /// writes).
    Changes(BTreeMap<String, RuleChange>),
}

/// Changes to one inherited rule: any of its fields.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RuleChange {
    /// The condition.
    when: Option<Expr>,
    /// Replace the value.
    set: Option<Expr>,
    /// Add to it.
    add: Option<Expr>,
    /// Multiply it.
    multiply: Option<Expr>,
    /// Multiply the odds p/(1−p).
    odds: Option<Expr>,
    /// No later rule applies after this one fires.
    stop: Option<bool>,
    /// Why, in a sentence.
    because: Option<String>,
    /// Only for these member ids.
    members: Option<Vec<String>>,
    /// Only for members meeting this condition.
    scope: Option<Expr>,
}

/// `{append: [...]}`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AppendRules {
    /// Rules added after the inherited ones.
    append: Vec<Rule>,
}

/// A rule.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Rule {
    /// Stable id (default: its position).
    id: Option<String>,
    /// The condition.
    when: Expr,
    /// Replace the value.
    set: Option<Expr>,
    /// Add to it.
    add: Option<Expr>,
    /// Multiply it.
    multiply: Option<Expr>,
    /// Multiply the odds p/(1−p).
    odds: Option<Expr>,
    /// No later rule applies after this one fires.
    stop: Option<bool>,
    /// Why, in a sentence (explain shows it).
    because: String,
    /// Only for these member ids.
    members: Option<Vec<String>>,
    /// Only for members meeting this condition.
    scope: Option<Expr>,
}

/// The response pipeline.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Decisions {
    /// P(the host requests aid).
    request: Option<RuleSet>,
    /// The council's vote.
    council: Option<Council>,
    /// Sizing the need and choosing the pool.
    pool: Option<PoolChoice>,
    /// Members' contributions.
    contribute: Option<Contribute>,
}

/// The council.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Council {
    /// P(a member supports), per member.
    support: Option<RuleSet>,
    /// P(a member blocks | it does not support).
    block: Option<RuleSet>,
    /// P(only a non-military response | troops approved).
    mission_only: Option<RuleSet>,
    /// P(a non-military response | troops refused).
    fallback: Option<RuleSet>,
    /// Days the council takes.
    days: Option<RuleSet>,
}

/// The pool step.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PoolChoice {
    /// Personnel needed.
    need: Option<Expr>,
    /// A pool id (string expression); default: the smallest pool that covers the need.
    choose: Option<Expr>,
}

/// Contributions.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Contribute {
    /// Member ids in the order they decide (later ones see earlier choices).
    order: Option<Vec<String>>,
    /// Whether the host contributes to its own rescue.
    host_contributes: Option<bool>,
    /// P(a member contributes).
    probability: Option<RuleSet>,
    /// Personnel it sends (bounded by its pledge to the pool).
    personnel: Option<RuleSet>,
    /// Days after the decision its contingent arrives.
    arrival_day: Option<RuleSet>,
}

/// An outcome class.
#[derive(JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum OutcomeClass {
    /// The host did not ask.
    NoRequest,
    /// The council refused.
    Refused,
    /// Only a non-military response.
    NonMilitary,
    /// Troops deployed.
    Deploy,
}

/// What history recorded.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Observed {
    /// no_request | refused | non_military | deploy.
    outcome: Option<OutcomeClass>,
    /// Personnel deployed.
    personnel: Option<u64>,
    /// Member ids that contributed.
    contributors: Option<Vec<String>>,
    /// Days from the request to the council's decision.
    days_to_decision: Option<Days>,
    /// Days from the request to the first arrival.
    days_to_first_arrival: Option<Days>,
    /// Days from the request to full strength.
    days_to_full_strength: Option<Days>,
    /// A note.
    note: Option<String>,
}

/// A recorded time in days after the request: a calendar day (read as ±
/// half a day) or the range the sources allow.
#[derive(JsonSchema)]
#[schemars(untagged)]
pub enum Days {
    /// A calendar day after the request's.
    Day(f64),
    /// The range the sources allow.
    Range(DayRange),
}

/// The range of days the sources allow.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DayRange {
    /// Earliest.
    from: f64,
    /// Latest.
    to: f64,
}

/// Defaults for `run`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RunDefaults {
    /// Number of trials.
    trials: Option<u64>,
    /// Seed.
    seed: Option<u64>,
}

/// The JSON Schema of the scenario format, pretty-printed.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(ScenarioFile);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// Where an uncertain input is drawn from: exactly one distribution.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct UncertainInput {
    /// Uniform on [min, max].
    uniform: Option<Params<MinMax>>,
    /// Normal with mean and sd.
    normal: Option<Params<MeanSd>>,
    /// Lognormal with mu and sigma.
    lognormal: Option<Params<MuSigma>>,
    /// Beta with alpha and beta.
    beta: Option<Params<AlphaBeta>>,
    /// Triangular with min, mode and max.
    triangular: Option<Params<MinModeMax>>,
    /// Exponential with rate.
    exponential: Option<Params<Rate>>,
    /// With uniform: draw whole numbers only (a cap, a pledge).
    whole: Option<bool>,
}
