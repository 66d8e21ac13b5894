//! [`BatchStats`]: everything a batch folds from its trials.

use serde::{Deserialize, Serialize};

use super::{Histogram, Merge, Moments, Proportion, Z95, mean_se};
use crate::rules::env::{Field, Frame, vote};
use crate::scenario::model::{Scenario, class};

/// Days are histogrammed in hundredths of a day.
pub const DAY_STEPS: f64 = 100.0;

/// Per-member counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberStats {
    /// Trials in which it voted support.
    pub support: u64,
    /// … abstained.
    pub abstain: u64,
    /// … blocked.
    pub block: u64,
    /// Deploy trials in which it contributed (after trimming).
    pub contributed: u64,
    /// Personnel it deployed (exact sum, over deploy trials).
    pub personnel: u128,
    /// Sum of squares of its deployed personnel when contributing.
    pub personnel_sq: u128,
}

impl Merge for MemberStats {
    fn merge(&mut self, o: &Self) {
        self.support += o.support;
        self.abstain += o.abstain;
        self.block += o.block;
        self.contributed += o.contributed;
        self.personnel += o.personnel;
        self.personnel_sq = self.personnel_sq.saturating_add(o.personnel_sq);
    }
}

/// Mergeable statistics of a range of trials.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchStats {
    /// Trials folded.
    pub trials: u64,
    /// Trials by outcome class (no_request, refused, non_military, deploy).
    pub classes: [u64; 4],
    /// Personnel deployed, over deploy trials.
    pub deployed: Histogram,
    /// Need in personnel, over all trials.
    pub need: Histogram,
    /// Shortfall in personnel, over deploy trials.
    pub shortfall: Histogram,
    /// Trials whose need exceeds the smallest pool cap.
    pub need_above_smallest: u64,
    /// Trials whose need exceeds every pool cap.
    pub need_above_all: u64,
    /// Deploy trials in which contributions were trimmed at the cap.
    pub trimmed_trials: u64,
    /// Personnel trimmed in total.
    pub trimmed_personnel: u128,
    /// Deploy trials by pool.
    pub pool_trials: Vec<u64>,
    /// Personnel deployed by pool.
    pub pool_personnel: Vec<u128>,
    /// Days to decision, over requested trials.
    pub decision_days: Moments,
    /// Days to first arrival, over deploy trials with a contributor.
    pub first_arrival: Moments,
    /// Days to full strength, over the same trials.
    pub full_strength: Moments,
    /// Histogram of days to first arrival (hundredths of a day).
    pub first_arrival_hist: Histogram,
    /// Histogram of days to full strength (hundredths of a day).
    pub full_strength_hist: Histogram,
    /// Per member.
    pub members: Vec<MemberStats>,
    /// Per outcome metric.
    pub outcomes: Vec<Moments>,
    /// Times each rule fired.
    pub rule_fires: Vec<u64>,
    /// Outcome-class counts paired with the observed contributors all
    /// contributing (for backtests): deploy trials with exactly the observed
    /// contributor set.
    pub observed_contributor_match: u64,
}

impl BatchStats {
    /// Empty statistics sized for a scenario.
    pub fn new(s: &Scenario) -> BatchStats {
        BatchStats {
            pool_trials: vec![0; s.pools.len()],
            pool_personnel: vec![0; s.pools.len()],
            members: vec![MemberStats::default(); s.members.len()],
            outcomes: vec![Moments::default(); s.outcomes.len()],
            rule_fires: vec![0; s.rules.len()],
            ..BatchStats::default()
        }
    }

    /// Whether these statistics have the shape of `s`'s (one entry per
    /// pool, member, outcome and rule): statistics read from a file must,
    /// before a summary indexes them by the scenario.
    pub fn fits(&self, s: &Scenario) -> bool {
        let empty = BatchStats::new(s);
        self.pool_trials.len() == empty.pool_trials.len()
            && self.pool_personnel.len() == empty.pool_personnel.len()
            && self.members.len() == empty.members.len()
            && self.outcomes.len() == empty.outcomes.len()
            && self.rule_fires.len() == empty.rule_fires.len()
    }

    /// Folds the trial left in `frame` (rule fires are counted separately,
    /// directly into `rule_fires`, while the trial runs).
    #[inline]
    pub fn fold(&mut self, s: &Scenario, frame: &Frame) {
        self.trials += 1;
        let class_now = (frame.get(Field::Outcome) as usize).min(3);
        self.classes[class_now] += 1;
        let need = frame.get(Field::Need) as u64;
        self.need.add(need);
        if need > s.smallest_cap {
            self.need_above_smallest += 1;
        }
        if need > s.largest_cap {
            self.need_above_all += 1;
        }
        if frame.get(Field::Requested) != 0.0 {
            self.decision_days.add(frame.get(Field::DecisionDays));
        }
        for (m, stats) in self.members.iter_mut().enumerate() {
            match frame.votes[m] {
                vote::SUPPORT => stats.support += 1,
                vote::ABSTAIN => stats.abstain += 1,
                vote::BLOCK => stats.block += 1,
                _ => {}
            }
        }
        if class_now == usize::from(class::DEPLOY) {
            self.fold_deployment(s, frame);
        }
        for (o, acc) in s.outcomes.iter().zip(self.outcomes.iter_mut()) {
            acc.add(frame.vars[o.slot]);
        }
    }

    fn fold_deployment(&mut self, s: &Scenario, frame: &Frame) {
        let deployed = frame.get(Field::Deployed) as u64;
        self.deployed.add(deployed);
        self.shortfall.add(frame.get(Field::Shortfall) as u64);
        let trimmed = frame.get(Field::Trimmed) as u64;
        if trimmed > 0 {
            self.trimmed_trials += 1;
            self.trimmed_personnel += u128::from(trimmed);
        }
        if let Some(p) = self.pool_trials.get_mut(frame.pool) {
            *p += 1;
            self.pool_personnel[frame.pool] += u128::from(deployed);
        }
        let first = frame.get(Field::FirstArrival);
        if !first.is_nan() {
            let full = frame.get(Field::FullStrength);
            self.first_arrival.add(first);
            self.full_strength.add(full);
            self.first_arrival_hist.add((first * DAY_STEPS).round() as u64);
            self.full_strength_hist.add((full * DAY_STEPS).round() as u64);
        }
        let mut contributors = 0u64;
        for (m, stats) in self.members.iter_mut().enumerate() {
            let personnel = frame.committed[m] as u64;
            let contributed = personnel > 0;
            if contributed {
                stats.contributed += 1;
                stats.personnel += u128::from(personnel);
                stats.personnel_sq += u128::from(personnel) * u128::from(personnel);
            }
            contributors |= u64::from(contributed) << m;
        }
        if s.observed.as_ref().is_some_and(|o| !o.contributors.is_empty() && o.contributor_mask == contributors) {
            self.observed_contributor_match += 1;
        }
    }
}

/// The quantity `run --precision` watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watched {
    /// A funnel probability: the outcome class is one of these (a bit each).
    Classes(u8),
    /// Mean personnel deployed per trial.
    DeployedPerTrial,
    /// The mean of an outcome metric (its index).
    Outcome(usize),
}

impl Watched {
    /// The quantity called `name` in a scenario.
    pub fn named(s: &Scenario, name: &str) -> Result<Watched, String> {
        if let Some(mask) = class::stage(name) {
            return Ok(Watched::Classes(mask));
        }
        Ok(match name {
            "deployed" => Watched::DeployedPerTrial,
            _ => match s.outcomes.iter().position(|o| o.name == name) {
                Some(i) => Watched::Outcome(i),
                None => {
                    let outcomes: Vec<&str> = s.outcomes.iter().map(|o| o.name.as_str()).collect();
                    return Err(format!(
                        "unknown quantity '{name}': expected one of {}{}{}",
                        class::STAGES.map(|(stage, _)| stage).join(", ") + ", deployed",
                        if outcomes.is_empty() { "" } else { ", or an outcome: " },
                        outcomes.join(", ")
                    ));
                }
            },
        })
    }

    /// The half-width of its 95% interval in `stats` (infinite until known).
    pub fn half_width(self, stats: &BatchStats) -> f64 {
        let width = match self {
            Watched::Classes(mask) => {
                let p = Proportion::wilson(class::count(mask, &stats.classes), stats.trials);
                (p.hi - p.lo) / 2.0
            }
            Watched::DeployedPerTrial => {
                let sum = i128::try_from(stats.deployed.sum).unwrap_or(i128::MAX);
                Z95 * mean_se(stats.trials, sum, stats.deployed.sum_sq).1
            }
            Watched::Outcome(i) => stats.outcomes.get(i).map_or(f64::NAN, |m| Z95 * m.std_error()),
        };
        if width.is_nan() { f64::INFINITY } else { width }
    }
}

impl Merge for BatchStats {
    fn merge(&mut self, o: &Self) {
        self.trials += o.trials;
        for (a, b) in self.classes.iter_mut().zip(o.classes) {
            *a += b;
        }
        self.deployed.merge(&o.deployed);
        self.need.merge(&o.need);
        self.shortfall.merge(&o.shortfall);
        self.need_above_smallest += o.need_above_smallest;
        self.need_above_all += o.need_above_all;
        self.trimmed_trials += o.trimmed_trials;
        self.trimmed_personnel += o.trimmed_personnel;
        self.pool_trials.merge(&o.pool_trials);
        self.pool_personnel.merge(&o.pool_personnel);
        self.decision_days.merge(&o.decision_days);
        self.first_arrival.merge(&o.first_arrival);
        self.full_strength.merge(&o.full_strength);
        self.first_arrival_hist.merge(&o.first_arrival_hist);
        self.full_strength_hist.merge(&o.full_strength_hist);
        self.members.merge(&o.members);
        self.outcomes.merge(&o.outcomes);
        self.rule_fires.merge(&o.rule_fires);
        self.observed_contributor_match += o.observed_contributor_match;
    }
}
