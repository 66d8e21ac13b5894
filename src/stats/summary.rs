//! [`BatchStats`] → [`Summary`]: the numbers reports print. Pure: no I/O,
//! and the same statistics always give the same summary.

use serde::{Deserialize, Serialize};

use super::batch::{BatchStats, DAY_STEPS};
use super::{Histogram, Moments, Proportion, Z95, mean_se};
use crate::scenario::model::{DayRange, Scenario, Timed, class};

/// Version of the JSON summary layout (bumped on any breaking change).
pub const SCHEMA_VERSION: u32 = 1;

/// Metadata of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// Layout version of this summary.
    pub schema_version: u32,
    /// alliance-sim version.
    pub tool_version: String,
    /// Scenario display name.
    pub scenario: String,
    /// Where the scenario came from.
    pub origin: String,
    /// SHA-256 of the scenario's files and overrides.
    pub scenario_hash: String,
    /// Seed.
    pub seed: u64,
    /// Trials run.
    pub trials: u64,
    /// RNG algorithm.
    pub rng: String,
    /// `--set` overrides, as given.
    pub overrides: Vec<String>,
}

impl Meta {
    /// The metadata of a run of `trials` trials of `s` from `seed`.
    pub fn new(s: &Scenario, seed: u64, trials: u64, overrides: &[crate::scenario::Override]) -> Meta {
        Meta {
            schema_version: SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: s.name.clone(),
            origin: s.origin.clone(),
            scenario_hash: s.hash.clone(),
            seed,
            trials,
            rng: crate::rng::ALGORITHM.to_string(),
            overrides: overrides.iter().map(ToString::to_string).collect(),
        }
    }
}

/// Mean with standard error and a 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Number of values.
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// Standard error of the mean.
    pub se: f64,
    /// mean − 1.96·se.
    pub lo: f64,
    /// mean + 1.96·se.
    pub hi: f64,
}

impl Estimate {
    fn new(n: u64, mean: f64, se: f64) -> Estimate {
        Estimate { n, mean, se, lo: mean - Z95 * se, hi: mean + Z95 * se }
    }
    fn of_moments(m: &Moments) -> Estimate {
        Estimate::new(m.n, m.mean(), m.std_error())
    }
    fn of_histogram(h: &Histogram) -> Estimate {
        Estimate::new(h.n, h.mean(), h.std_error())
    }
    fn of_sums(n: u64, sum: u128, sum_sq: u128) -> Estimate {
        let (mean, se) = mean_se(n, i128::try_from(sum).unwrap_or(i128::MAX), sum_sq);
        Estimate::new(n, mean, se)
    }
}

/// Percentiles 5, 25, 50, 75, 95 and the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// 5th.
    pub p5: f64,
    /// 25th.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th.
    pub p75: f64,
    /// 95th.
    pub p95: f64,
    /// Maximum.
    pub max: f64,
}

impl Percentiles {
    fn of(h: &Histogram, scale: f64) -> Percentiles {
        Percentiles {
            p5: h.quantile(0.05) / scale,
            p25: h.quantile(0.25) / scale,
            p50: h.quantile(0.5) / scale,
            p75: h.quantile(0.75) / scale,
            p95: h.quantile(0.95) / scale,
            max: if h.n == 0 { f64::NAN } else { h.max as f64 / scale },
        }
    }
}

/// The funnel of outcome classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Funnel {
    /// P(the host requests aid).
    pub request: Proportion,
    /// P(the council invokes the article: deploy or non-military).
    pub invoked: Proportion,
    /// P(only a non-military response).
    pub non_military: Proportion,
    /// P(the council decides to deploy troops).
    pub deploy: Proportion,
    /// P(troops decided on, and nobody sent any): a deploy trial with no
    /// contribution, counted in `deploy` and named on its own.
    pub deploy_unsent: Proportion,
    /// P(refused after a request).
    pub refused: Proportion,
}

/// Deployment figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    /// Personnel deployed, over deploy trials in which troops were sent.
    pub personnel: Estimate,
    /// Its percentiles.
    pub percentiles: Percentiles,
    /// Personnel deployed per trial, over all trials (0 when none).
    pub per_trial: Estimate,
    /// Need in personnel, over all trials.
    pub need: Estimate,
    /// Need percentiles.
    pub need_percentiles: Percentiles,
    /// P(need exceeds the smallest pool's cap).
    pub need_above_smallest_cap: Proportion,
    /// P(need exceeds every cap).
    pub need_above_every_cap: Proportion,
    /// Shortfall, over deploy trials.
    pub shortfall: Estimate,
    /// P(shortfall > 0 | deploy).
    pub shortfall_positive: Proportion,
    /// Personnel deployed beyond the need, over deploy trials.
    pub surplus: Estimate,
    /// P(more personnel deployed than the need | deploy).
    pub surplus_positive: Proportion,
    /// P(contributions trimmed at the cap | deploy).
    pub trimmed: Proportion,
    /// Mean personnel trimmed per trimmed trial.
    pub trimmed_mean: f64,
    /// By pool.
    pub pools: Vec<PoolLine>,
}

/// One pool's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolLine {
    /// Pool id.
    pub id: String,
    /// Cap.
    pub cap: u64,
    /// P(this pool | deploy).
    pub share_of_deployments: Proportion,
    /// Mean personnel when this pool deploys.
    pub mean_personnel: f64,
}

/// One member's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberLine {
    /// Member id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Status.
    pub status: String,
    /// P(supports | council met).
    pub support: Proportion,
    /// P(blocks | council met).
    pub block: Proportion,
    /// P(contributes | deploy).
    pub contributes: Proportion,
    /// The crisis's host, which contributes only with `host_contributes`.
    pub host: bool,
    /// Mean personnel when contributing.
    pub mean_personnel: Estimate,
    /// Its share of all personnel deployed.
    pub share: f64,
}

impl MemberLine {
    /// Whether this member is the host and never contributed: it asks for
    /// help, so reports show it as the host rather than as a 0% contributor.
    pub fn asks_only(&self) -> bool {
        self.host && self.contributes.k == 0
    }
}

/// Timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Days from the request to the decision.
    pub decision: Estimate,
    /// Percentiles of the decision.
    pub decision_percentiles: Percentiles,
    /// Days from the request to the first arrival.
    pub first_arrival: Estimate,
    /// Percentiles of the first arrival.
    pub first_arrival_percentiles: Percentiles,
    /// Days from the request to full strength.
    pub full_strength: Estimate,
    /// Percentiles of full strength.
    pub full_strength_percentiles: Percentiles,
}

/// One outcome metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeLine {
    /// Name.
    pub name: String,
    /// Mean (a proportion for conditions) with SE and interval.
    pub estimate: Estimate,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

/// One rule's fire count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleLine {
    /// Stable id.
    pub id: String,
    /// Times fired.
    pub fired: u64,
    /// Mean firings per trial.
    pub per_trial: f64,
    /// The `because` sentence.
    pub because: String,
}

/// Where history falls in the simulated distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// The observed class.
    pub outcome: String,
    /// P(the observed class).
    pub outcome_probability: Proportion,
    /// Observed personnel.
    pub personnel: Option<u64>,
    /// Mid-percentile of the observed personnel among deploy trials in
    /// which troops went (P(below) + ½·P(equal)), in [0, 1].
    pub personnel_percentile: Option<f64>,
    /// P(exactly the observed contributors | deploy).
    pub contributor_set: Option<Proportion>,
    /// Each observed contributor's simulated P(contributes | deploy).
    pub contributors: Vec<(String, f64)>,
    /// Each recorded time against its simulated distribution.
    pub times: Vec<TimeCheck>,
    /// P(every recorded field at once: the class, the personnel within
    /// ±25%, exactly the contributors, each time in its range), the
    /// likelihood `calibrate` fits.
    pub all_fields: Proportion,
    /// Whether history lies outside the central 90%: its class has P < 5%,
    /// its personnel or a recorded time lies outside the simulated 5th to
    /// 95th percentiles (or a time's range holds no simulated run), or its
    /// contributor set has P < 5%.
    pub outside_central_90: bool,
    /// Rank of the observed class among the four (1: strictly the most
    /// likely; a tie takes the worse rank).
    pub rank: usize,
    /// ln P(the observed class), the class counts smoothed by half a trial
    /// each so that it stays finite (as `calibrate` scores it).
    pub log_score: f64,
}

/// A recorded time against the simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeCheck {
    /// The `observed:` field (`days_to_decision`, …).
    pub field: String,
    /// Earliest day the record allows.
    pub from: f64,
    /// Latest.
    pub to: f64,
    /// P(the simulated time falls in the range | the trials that have it).
    pub within: Proportion,
    /// Share of simulated times before `from`.
    pub below: f64,
    /// Share of simulated times after `to`.
    pub above: f64,
}

/// Everything a batch reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The JSON document's version (also in `meta`), at the top where a
    /// reader looks first.
    pub schema_version: u32,
    /// Metadata.
    pub meta: Meta,
    /// The funnel.
    pub funnel: Funnel,
    /// Deployment.
    pub deployment: Deployment,
    /// Members.
    pub members: Vec<MemberLine>,
    /// Timing.
    pub timing: Timing,
    /// Outcome metrics.
    pub outcomes: Vec<OutcomeLine>,
    /// Rules, most fired first.
    pub rules: Vec<RuleLine>,
    /// Against history, when the scenario has `observed`.
    pub backtest: Option<Backtest>,
    /// Against history at a fit that never saw the case, when asked for
    /// (`run --fit-file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_out: Option<LeftOut>,
}

/// A case run at the parameters fitted without it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeftOut {
    /// Each fitted parameter's path and its value without this case.
    pub values: Vec<(String, f64)>,
    /// Where history falls at those values.
    pub backtest: Backtest,
    /// P(the observed class) from the class frequencies of the other
    /// cases (half a case added to each class), when shown apart from
    /// `backtest`'s table (`run` and `report`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_frequency: Option<f64>,
    /// The forecast at onset: the same values, with the variables known
    /// only after the outcome drawn from the other cases (absent when the
    /// scenario marks none).
    #[serde(default)]
    pub at_onset: Option<AtOnset>,
}

/// A case forecast as at its onset (see `crate::analysis::forecast`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtOnset {
    /// The variables drawn from the other cases (`crisis.known: after`).
    pub drawn: Vec<String>,
    /// The other cases they were drawn from, each equally likely.
    pub from: Vec<String>,
    /// Where history falls in that forecast.
    pub backtest: Backtest,
}

/// Computes the summary of `stats`.
pub fn summarise(s: &Scenario, stats: &BatchStats, meta: Meta) -> Summary {
    let n = stats.trials;
    let [no_request, refused, non_military, deploy] = stats.classes;
    let requested = n - no_request;
    let funnel = Funnel {
        request: Proportion::wilson(requested, n),
        invoked: Proportion::wilson(non_military + deploy, n),
        non_military: Proportion::wilson(non_military, n),
        deploy: Proportion::wilson(deploy, n),
        deploy_unsent: Proportion::wilson(stats.deployed.rank_of(0).1, n),
        refused: Proportion::wilson(refused, n),
    };
    let all_deployed: u128 = stats.deployed.sum;
    // Non-deploy trials add zeros: the same sums over all n trials.
    let per_trial = Estimate::of_sums(n, all_deployed, stats.deployed.sum_sq);
    // Personnel are described over the deployments that happened: a deploy
    // trial in which nobody sent anyone is named in the funnel instead.
    let sent = stats.deployed.without_zeros();
    let deployment = Deployment {
        personnel: Estimate::of_histogram(&sent),
        percentiles: Percentiles::of(&sent, 1.0),
        per_trial,
        need: Estimate::of_histogram(&stats.need),
        need_percentiles: Percentiles::of(&stats.need, 1.0),
        need_above_smallest_cap: Proportion::wilson(stats.need_above_smallest, n),
        need_above_every_cap: Proportion::wilson(stats.need_above_all, n),
        shortfall: Estimate::of_histogram(&stats.shortfall),
        shortfall_positive: Proportion::wilson(stats.shortfall.n - stats.shortfall.rank_of(0).1, deploy),
        surplus: Estimate::of_histogram(&stats.surplus),
        surplus_positive: Proportion::wilson(stats.surplus.n - stats.surplus.rank_of(0).1, deploy),
        trimmed: Proportion::wilson(stats.trimmed_trials, deploy),
        trimmed_mean: if stats.trimmed_trials == 0 {
            0.0
        } else {
            stats.trimmed_personnel as f64 / stats.trimmed_trials as f64
        },
        pools: s
            .pools
            .iter()
            .enumerate()
            .map(|(i, p)| PoolLine {
                id: p.id.clone(),
                cap: p.cap,
                share_of_deployments: Proportion::wilson(stats.pool_trials[i], deploy),
                mean_personnel: if stats.pool_trials[i] == 0 {
                    f64::NAN
                } else {
                    stats.pool_personnel[i] as f64 / stats.pool_trials[i] as f64
                },
            })
            .collect(),
    };
    let members = s
        .members
        .iter()
        .zip(&stats.members)
        .enumerate()
        .map(|(i, (m, ms))| {
            let voted = ms.support + ms.abstain + ms.block;
            let k = ms.contributed;
            MemberLine {
                id: m.id.clone(),
                name: m.name.clone(),
                status: m.status.name().to_string(),
                support: Proportion::wilson(ms.support, voted),
                block: Proportion::wilson(ms.block, voted),
                contributes: Proportion::wilson(k, deploy),
                host: i == s.host,
                mean_personnel: Estimate::of_sums(k, ms.personnel, ms.personnel_sq),
                share: if all_deployed == 0 { 0.0 } else { ms.personnel as f64 / all_deployed as f64 },
            }
        })
        .collect();
    let timing = Timing {
        decision: Estimate::of_moments(&stats.decision_days),
        decision_percentiles: Percentiles::of(&stats.decision_days_hist, DAY_STEPS),
        first_arrival: Estimate::of_moments(&stats.first_arrival),
        first_arrival_percentiles: Percentiles::of(&stats.first_arrival_hist, DAY_STEPS),
        full_strength: Estimate::of_moments(&stats.full_strength),
        full_strength_percentiles: Percentiles::of(&stats.full_strength_hist, DAY_STEPS),
    };
    let outcomes = s
        .outcomes
        .iter()
        .zip(&stats.outcomes)
        .map(|(o, m)| OutcomeLine {
            name: o.name.clone(),
            estimate: Estimate::of_moments(m),
            min: m.min_value(),
            max: m.max_value(),
        })
        .collect();
    let mut rules: Vec<RuleLine> = s
        .rules
        .iter()
        .zip(&stats.rule_fires)
        .map(|(r, f)| RuleLine {
            id: r.id.clone(),
            fired: *f,
            per_trial: *f as f64 / n.max(1) as f64,
            because: r.because.clone(),
        })
        .collect();
    rules.sort_by(|a, b| b.fired.cmp(&a.fired).then_with(|| a.id.cmp(&b.id)));
    let backtest = s.observed.as_ref().and_then(|o| {
        let cls = o.outcome?;
        let p = Proportion::wilson(stats.classes[usize::from(cls)], n);
        // Among the deployments in which troops went, as the personnel
        // figures are described.
        let percentile = o.personnel.filter(|_| sent.n > 0).map(|v| {
            let (below, equal) = sent.rank_of(v);
            (below as f64 + 0.5 * equal as f64) / sent.n as f64
        });
        let times: Vec<TimeCheck> = o.times().map(|(t, r)| time_check(stats, t, r)).collect();
        let contributor_set =
            (!o.contributors.is_empty()).then(|| Proportion::wilson(stats.observed_contributor_match, deploy));
        let outside = p.p < 0.05
            || percentile.is_some_and(|q| cls == class::DEPLOY && !(0.05..=0.95).contains(&q))
            || contributor_set.is_some_and(|c| c.p < 0.05)
            || times.iter().any(|t| t.below > 0.95 || t.above > 0.95 || (t.within.k == 0 && t.within.n > 0));
        Some(Backtest {
            outcome: class::NAMES[usize::from(cls)].to_string(),
            outcome_probability: p,
            personnel: o.personnel,
            personnel_percentile: if cls == class::DEPLOY { percentile } else { None },
            contributor_set,
            contributors: o
                .contributors
                .iter()
                .map(|m| (s.members[*m].id.clone(), stats.members[*m].contributed as f64 / deploy.max(1) as f64))
                .collect(),
            times,
            all_fields: Proportion::wilson(stats.history_match, n),
            outside_central_90: outside,
            rank: super::calibrate::rank(&stats.classes.map(|k| k as f64), usize::from(cls)),
            log_score: ((stats.classes[usize::from(cls)] as f64 + 0.5) / (n as f64 + 2.0)).ln(),
        })
    });
    Summary {
        schema_version: meta.schema_version,
        meta,
        funnel,
        deployment,
        members,
        timing,
        outcomes,
        rules,
        backtest,
        left_out: None,
    }
}

/// A recorded time against the simulated times of the trials that have
/// one (requested trials for the decision, arrivals for the others).
fn time_check(stats: &BatchStats, t: Timed, r: DayRange) -> TimeCheck {
    let h = match t {
        Timed::Decision => &stats.decision_days_hist,
        Timed::FirstArrival => &stats.first_arrival_hist,
        Timed::FullStrength => &stats.full_strength_hist,
    };
    let (lo, hi) = super::batch::day_window(r);
    let within = h.count_between(lo, hi);
    let below = h.rank_of(lo).0;
    let n = h.n.max(1) as f64;
    TimeCheck {
        field: t.field().to_string(),
        from: r.from,
        to: r.to,
        within: Proportion::wilson(within, h.n),
        below: below as f64 / n,
        above: h.n.saturating_sub(below + within) as f64 / n,
    }
}

#[cfg(test)]
mod tests {
    use super::{Meta, summarise};
    use crate::stats::batch::BatchStats;

    fn minimal() -> crate::scenario::Scenario {
        let text = include_str!("../../tests/data/minimal.yaml");
        let source = crate::scenario::Source::Text { name: "minimal.yaml".into(), text: text.into() };
        crate::scenario::load(&source, &[]).expect("builds").scenario
    }

    #[test]
    fn the_funnel_is_read_off_the_class_counts() {
        let s = minimal();
        let mut stats = BatchStats::new(&s);
        // no request, refused, non-military, deploy
        stats.classes = [40, 10, 20, 30];
        stats.trials = 100;
        let summary = summarise(&s, &stats, Meta::new(&s, 1, 100, &[]));
        let f = &summary.funnel;
        assert_eq!((f.request.k, f.invoked.k, f.deploy.k, f.non_military.k, f.refused.k), (60, 50, 30, 20, 10));
        assert!(f.request.n == 100 && f.deploy.p == 0.3);
        // Wilson's interval for 30 of 100, computed by hand.
        let (lo, hi) = (0.218_95, 0.395_85);
        assert!((f.deploy.lo - lo).abs() < 1e-4 && (f.deploy.hi - hi).abs() < 1e-4, "{:?}", f.deploy);
    }
}
