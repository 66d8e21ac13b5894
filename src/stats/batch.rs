//! [`BatchStats`]: everything a batch folds from its trials.

use serde::{Deserialize, Serialize};

use super::{Histogram, Merge, Moments, Proportion, Z95, lane_sums, mean_se};
use crate::rules::env::{Block, Field, LANES, Lanes, Mask, TrialState, vote};
use crate::rules::lanes::{each_lane, lanes_where, nonzero};
use crate::scenario::model::{DayRange, Observed, Scenario, Timed, class, limits};
use crate::vocabulary::forced;

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
    /// Personnel deployed beyond the need, over deploy trials (0 when
    /// none).
    pub surplus: Histogram,
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
    /// Histogram of days to decision (hundredths of a day).
    pub decision_days_hist: Histogram,
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
    /// Trials that match every field history recorded at once: the
    /// observed class and each recorded quantity within its band (the
    /// likelihood `calibrate` fits).
    pub history_match: u64,
    /// Trials in which each kind of nonsense value was forced into range
    /// (see [`crate::vocabulary::forced`]).
    pub forced: [u64; forced::KINDS],
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

    /// Checks statistics read from a file (a partial result) for internal
    /// consistency with `s`: the classes add up to the trials, no count
    /// exceeds the trials it counts among, and every sum is one those trials
    /// could produce. The error names the field. Statistics that pass can be
    /// merged without overflow and summarised without absurd figures.
    pub fn check(&self, s: &Scenario) -> Result<(), String> {
        if !self.fits(s) {
            return Err(
                "stats: its lists do not have the shape of the scenario (pools, members, outcomes, rules)".into()
            );
        }
        let trials = self.trials;
        let classes = self.classes.iter().try_fold(0u64, |a, &c| a.checked_add(c));
        if classes != Some(trials) {
            let total = classes.map_or_else(|| "more than 2⁶⁴".into(), |c| c.to_string());
            return Err(format!("stats.classes: the classes add up to {total} trials, but the part holds {trials}"));
        }
        let deploys = self.classes[usize::from(class::DEPLOY)];
        let requested = trials - self.classes[usize::from(class::NO_REQUEST)];
        let at_most = |field: &str, count: u64, most: u64, of: &str| {
            if count <= most { Ok(()) } else { Err(format!("stats.{field} is {count}, more than the {most} {of}")) }
        };
        let equal = |field: &str, count: u64, expected: u64, of: &str| {
            if count == expected { Ok(()) } else { Err(format!("stats.{field} is {count}, not the {expected} {of}")) }
        };
        let personnel = limits::PERSONNEL as u64;
        let days = (limits::DAYS * DAY_STEPS) as u64;
        self.need.check("stats.need", limits::NEED as u64)?;
        equal("need.n", self.need.n, trials, "trials")?;
        self.deployed.check("stats.deployed", personnel)?;
        equal("deployed.n", self.deployed.n, deploys, "deploy trials")?;
        self.shortfall.check("stats.shortfall", limits::NEED as u64)?;
        equal("shortfall.n", self.shortfall.n, deploys, "deploy trials")?;
        self.surplus.check("stats.surplus", personnel)?;
        equal("surplus.n", self.surplus.n, deploys, "deploy trials")?;
        at_most("need_above_all", self.need_above_all, self.need_above_smallest, "trials above the smallest cap")?;
        at_most("need_above_smallest", self.need_above_smallest, trials, "trials")?;
        at_most("trimmed_trials", self.trimmed_trials, deploys, "deploy trials")?;
        if self.trimmed_personnel > u128::from(self.trimmed_trials) * u128::from(personnel) * 64 {
            return Err(format!(
                "stats.trimmed_personnel is {}, more than its trials could trim",
                self.trimmed_personnel
            ));
        }
        at_most("observed_contributor_match", self.observed_contributor_match, deploys, "deploy trials")?;
        at_most("history_match", self.history_match, trials, "trials")?;
        let pool_trials = self.pool_trials.iter().try_fold(0u64, |a, &c| a.checked_add(c));
        equal("pool_trials", pool_trials.unwrap_or(u64::MAX), deploys, "deploy trials (summed over pools)")?;
        if self.pool_personnel.iter().sum::<u128>() != self.deployed.sum {
            return Err("stats.pool_personnel: the pools' personnel do not add up to deployed.sum".into());
        }
        self.decision_days.check("stats.decision_days", requested)?;
        self.decision_days_hist.check("stats.decision_days_hist", days)?;
        equal("decision_days_hist.n", self.decision_days_hist.n, self.decision_days.n, "decisions (decision_days.n)")?;
        let arrivals = self.first_arrival.n;
        self.first_arrival.check("stats.first_arrival", deploys)?;
        self.full_strength.check("stats.full_strength", arrivals)?;
        equal("full_strength.n", self.full_strength.n, arrivals, "arrivals (first_arrival.n)")?;
        self.first_arrival_hist.check("stats.first_arrival_hist", days)?;
        self.full_strength_hist.check("stats.full_strength_hist", days)?;
        equal("first_arrival_hist.n", self.first_arrival_hist.n, arrivals, "arrivals (first_arrival.n)")?;
        equal("full_strength_hist.n", self.full_strength_hist.n, arrivals, "arrivals (first_arrival.n)")?;
        let mut member_personnel = 0u128;
        for (m, stats) in self.members.iter().enumerate() {
            let field = |name: &str| format!("members[{m}].{name}");
            let votes = [stats.support, stats.abstain, stats.block].iter().try_fold(0u64, |a, &c| a.checked_add(c));
            at_most(&field("support + abstain + block"), votes.unwrap_or(u64::MAX), requested, "requested trials")?;
            at_most(&field("contributed"), stats.contributed, deploys, "deploy trials")?;
            let most = u128::from(stats.contributed) * u128::from(personnel);
            if stats.personnel > most || stats.personnel < u128::from(stats.contributed) {
                return Err(format!(
                    "stats.{}: {} personnel cannot come from {} contributions of 1 to {personnel}",
                    field("personnel"),
                    stats.personnel,
                    stats.contributed
                ));
            }
            if stats.personnel_sq > most * u128::from(personnel) || stats.personnel_sq < stats.personnel {
                return Err(format!(
                    "stats.{}: {} is not a possible sum of squares",
                    field("personnel_sq"),
                    stats.personnel_sq
                ));
            }
            member_personnel += stats.personnel;
        }
        if member_personnel != self.deployed.sum {
            return Err(format!(
                "stats.members: their personnel add up to {member_personnel}, not deployed.sum = {}",
                self.deployed.sum
            ));
        }
        for (i, o) in self.outcomes.iter().enumerate() {
            o.check(&format!("stats.outcomes[{i}]"), trials)?;
        }
        for (kind, &count) in self.forced.iter().enumerate() {
            at_most(&format!("forced[{kind}]"), count, trials, "trials")?;
        }
        let fires_most = trials.saturating_mul(s.members.len().max(1) as u64 * 4);
        for (i, &fires) in self.rule_fires.iter().enumerate() {
            at_most(&format!("rule_fires[{i}]"), fires, fires_most, "firings its trials allow")?;
        }
        Ok(())
    }

    /// Folds the trial left in `frame` (rule fires are counted separately,
    /// directly into `rule_fires`, while the trial runs).
    #[inline]
    pub fn fold(&mut self, s: &Scenario, frame: &impl TrialState) {
        self.trials += 1;
        let class_now = (frame.field(Field::Outcome) as usize).min(3);
        self.classes[class_now] += 1;
        let need = frame.field(Field::Need) as u64;
        self.need.add(need);
        // Counted without branches where the outcome is a coin toss (a
        // branch on it would be mispredicted half the time).
        self.need_above_smallest += u64::from(need > s.smallest_cap);
        self.need_above_all += u64::from(need > s.largest_cap);
        if frame.field(Field::Requested) != 0.0 {
            let days = frame.field(Field::DecisionDays);
            self.decision_days.add(days);
            self.decision_days_hist.add((days * DAY_STEPS).round() as u64);
        }
        for (m, stats) in self.members.iter_mut().enumerate() {
            let v = frame.vote(m);
            stats.support += u64::from(v == vote::SUPPORT);
            stats.abstain += u64::from(v == vote::ABSTAIN);
            stats.block += u64::from(v == vote::BLOCK);
        }
        let contributors = if class_now == usize::from(class::DEPLOY) { self.fold_deployment(s, frame) } else { 0 };
        if let Some(o) = &s.observed
            && o.outcome == Some(class_now as u8)
        {
            self.history_match += u64::from(matches_history(o, frame, contributors));
        }
        for (o, acc) in s.outcomes.iter().zip(self.outcomes.iter_mut()) {
            acc.add(frame.var(o.slot));
        }
        if frame.forced() != 0 {
            self.count_forced(frame.forced());
        }
    }

    /// Folds the trials in the lanes of `lanes` of a block, as [`fold`]
    /// of each lane would, column by column: counts become popcounts of
    /// masks, and the sums of a block are taken in 64-bit integers.
    ///
    /// [`fold`]: BatchStats::fold
    pub fn fold_block(&mut self, s: &Scenario, block: &Block, lanes: Mask) {
        crate::cpu::dispatch(
            #[inline(always)]
            || self.fold_lanes(s, block, lanes),
        );
    }

    /// [`fold_block`](BatchStats::fold_block)'s body, inlined into the copy
    /// [`crate::cpu::dispatch`] compiles for the CPU's instruction set.
    #[inline(always)]
    fn fold_lanes(&mut self, s: &Scenario, block: &Block, lanes: Mask) {
        let column = |f: Field| &block.fields[f as usize];
        self.trials += u64::from(lanes.count_ones());
        // `(outcome as usize).min(3)` as comparisons: NaN and values below
        // 1 are class 0, and 3 or more is class 3.
        let outcome = column(Field::Outcome);
        let at_least = |c: f64| lanes_where(outcome, |o| o >= c);
        let (one, two, three) = (at_least(1.0), at_least(2.0), at_least(3.0));
        let classes: [Mask; 4] = [!one, one & !two, two & !three, three];
        for (count, mask) in self.classes.iter_mut().zip(classes) {
            *count += u64::from((mask & lanes).count_ones());
        }
        let need = whole(column(Field::Need));
        self.need.add_lanes(&need, lanes);
        self.need_above_smallest += u64::from((lanes_where(&need, |n| n > s.smallest_cap) & lanes).count_ones());
        self.need_above_all += u64::from((lanes_where(&need, |n| n > s.largest_cap) & lanes).count_ones());
        let requested = nonzero(column(Field::Requested), lanes);
        self.decision_days.add_lanes(column(Field::DecisionDays), requested);
        self.decision_days_hist.add_lanes(&day_steps(column(Field::DecisionDays)), requested);
        for (votes, stats) in block.votes.iter().zip(self.members.iter_mut()) {
            let cast = |code: u8| u64::from((lanes_where(votes, |v| v == code) & lanes).count_ones());
            stats.support += cast(vote::SUPPORT);
            stats.abstain += cast(vote::ABSTAIN);
            stats.block += cast(vote::BLOCK);
        }
        let deploy = classes[usize::from(class::DEPLOY)] & lanes;
        let contributors = if deploy != 0 { self.fold_deployments(s, block, deploy) } else { [0; LANES] };
        if let Some(o) = &s.observed
            && let Some(c) = o.outcome
        {
            let candidates = classes[usize::from(c).min(3)] & lanes;
            if candidates != 0 {
                self.history_match +=
                    u64::from(lanes_matching_history(o, block, &contributors, candidates).count_ones());
            }
        }
        for (o, acc) in s.outcomes.iter().zip(self.outcomes.iter_mut()) {
            acc.add_lanes(&block.vars[o.slot], lanes);
        }
        let forced =
            block.forced.iter().enumerate().fold(0, |any, (i, f)| any | if lanes >> i & 1 == 1 { *f } else { 0 });
        if forced != 0 {
            each_lane(
                lanes,
                #[inline(always)]
                |i| self.count_forced(block.forced[i]),
            );
        }
    }

    /// [`fold_deployment`](BatchStats::fold_deployment) of the lanes of
    /// `deploy`; returns each lane's contributors as a bit mask.
    #[inline(always)]
    fn fold_deployments(&mut self, s: &Scenario, block: &Block, deploy: Mask) -> [u64; LANES] {
        let column = |f: Field| &block.fields[f as usize];
        let deployed = whole(column(Field::Deployed));
        self.deployed.add_lanes(&deployed, deploy);
        self.shortfall.add_lanes(&whole(column(Field::Shortfall)), deploy);
        let need = whole(column(Field::Need));
        let surplus: [u64; LANES] = std::array::from_fn(|i| deployed[i].saturating_sub(need[i]));
        self.surplus.add_lanes(&surplus, deploy);
        let trimmed = whole(column(Field::Trimmed));
        let trimmed_lanes = lanes_where(&trimmed, |t| t > 0) & deploy;
        if trimmed_lanes != 0 {
            self.trimmed_trials += u64::from(trimmed_lanes.count_ones());
            each_lane(
                trimmed_lanes,
                #[inline(always)]
                |i| self.trimmed_personnel += u128::from(trimmed[i]),
            );
        }
        for (p, (trials, personnel)) in self.pool_trials.iter_mut().zip(self.pool_personnel.iter_mut()).enumerate() {
            let in_pool = lanes_where(&block.pool, |pool| pool == p) & deploy;
            *trials += u64::from(in_pool.count_ones());
            each_lane(
                in_pool,
                #[inline(always)]
                |i| *personnel += u128::from(deployed[i]),
            );
        }
        let first = column(Field::FirstArrival);
        let arrived = !lanes_where(first, f64::is_nan) & deploy;
        if arrived != 0 {
            let full = column(Field::FullStrength);
            self.first_arrival.add_lanes(first, arrived);
            self.full_strength.add_lanes(full, arrived);
            self.first_arrival_hist.add_lanes(&day_steps(first), arrived);
            self.full_strength_hist.add_lanes(&day_steps(full), arrived);
        }
        let mut contributors = [0u64; LANES];
        for (m, (committed, stats)) in block.committed.iter().zip(self.members.iter_mut()).enumerate() {
            // Zero when it did not contribute, so it adds nothing to the sums.
            let personnel = whole(committed);
            let contributed = lanes_where(&personnel, |p| p > 0);
            for (i, c) in contributors.iter_mut().enumerate() {
                *c |= (contributed >> i & 1) << m;
            }
            let contributed = contributed & deploy;
            stats.contributed += u64::from(contributed.count_ones());
            let (sum, sum_sq, _) = lane_sums(&personnel, contributed);
            stats.personnel += sum;
            stats.personnel_sq += sum_sq;
        }
        if let Some(o) = s.observed.as_ref().filter(|o| !o.contributors.is_empty()) {
            let matching = lanes_where(&contributors, |c| c == o.contributor_mask) & deploy;
            self.observed_contributor_match += u64::from(matching.count_ones());
        }
        contributors
    }

    #[cold]
    fn count_forced(&mut self, bits: u8) {
        for (kind, count) in self.forced.iter_mut().enumerate() {
            *count += u64::from(bits >> kind & 1);
        }
    }

    /// Folds a deploy trial; returns its contributors as a bit mask.
    fn fold_deployment(&mut self, s: &Scenario, frame: &impl TrialState) -> u64 {
        let deployed = frame.field(Field::Deployed) as u64;
        self.deployed.add(deployed);
        self.shortfall.add(frame.field(Field::Shortfall) as u64);
        self.surplus.add(deployed.saturating_sub(frame.field(Field::Need) as u64));
        let trimmed = frame.field(Field::Trimmed) as u64;
        if trimmed > 0 {
            self.trimmed_trials += 1;
            self.trimmed_personnel += u128::from(trimmed);
        }
        if let Some(p) = self.pool_trials.get_mut(frame.pool()) {
            *p += 1;
            self.pool_personnel[frame.pool()] += u128::from(deployed);
        }
        let first = frame.field(Field::FirstArrival);
        if !first.is_nan() {
            let full = frame.field(Field::FullStrength);
            self.first_arrival.add(first);
            self.full_strength.add(full);
            self.first_arrival_hist.add((first * DAY_STEPS).round() as u64);
            self.full_strength_hist.add((full * DAY_STEPS).round() as u64);
        }
        let mut contributors = 0u64;
        for (m, stats) in self.members.iter_mut().enumerate() {
            // Zero when it did not contribute, so no branch is needed.
            let personnel = frame.committed(m) as u64;
            let contributed = personnel > 0;
            stats.contributed += u64::from(contributed);
            stats.personnel += u128::from(personnel);
            stats.personnel_sq += u128::from(personnel) * u128::from(personnel);
            contributors |= u64::from(contributed) << m;
        }
        if s.observed.as_ref().is_some_and(|o| !o.contributors.is_empty() && o.contributor_mask == contributors) {
            self.observed_contributor_match += 1;
        }
        contributors
    }
}

/// Whether a trial of the observed class matches every other field the
/// record holds (personnel within its band, exactly the contributors, each
/// time within its range). `contributors` is the trial's bit mask.
fn matches_history(o: &Observed, frame: &impl TrialState, contributors: u64) -> bool {
    let personnel = o.personnel_band().is_none_or(|(lo, hi)| {
        let d = frame.field(Field::Deployed) as u64;
        (lo..=hi).contains(&d)
    });
    let set = o.contributors.is_empty() || contributors == o.contributor_mask;
    personnel
        && set
        && o.times().all(|(t, r)| {
            let days = frame.field(time_field(t));
            let (lo, hi) = day_window(r);
            !days.is_nan() && (lo..=hi).contains(&((days * DAY_STEPS).round() as u64))
        })
}

/// [`matches_history`] of the lanes of `candidates` (lanes of the observed
/// class), as a mask.
#[inline(always)]
fn lanes_matching_history(o: &Observed, block: &Block, contributors: &[u64; LANES], candidates: Mask) -> Mask {
    let mut out = candidates;
    if let Some((lo, hi)) = o.personnel_band() {
        out &= lanes_where(&whole(&block.fields[Field::Deployed as usize]), |d| (lo..=hi).contains(&d));
    }
    if !o.contributors.is_empty() {
        out &= lanes_where(contributors, |c| c == o.contributor_mask);
    }
    for (t, r) in o.times() {
        let days = &block.fields[time_field(t) as usize];
        let (lo, hi) = day_window(r);
        // NaN (no arrival) is in no range.
        out &= !lanes_where(days, f64::is_nan) & lanes_where(&day_steps(days), |x| (lo..=hi).contains(&x));
    }
    out
}

/// A recorded range of days in the histograms' hundredths of a day (a
/// trial's time is rounded to them, in the check as in the histograms).
pub fn day_window(r: DayRange) -> (u64, u64) {
    ((r.from * DAY_STEPS).ceil() as u64, (r.to * DAY_STEPS).floor() as u64)
}

/// The trial field a recorded time is compared with.
fn time_field(t: Timed) -> Field {
    match t {
        Timed::Decision => Field::DecisionDays,
        Timed::FirstArrival => Field::FirstArrival,
        Timed::FullStrength => Field::FullStrength,
    }
}

/// Each lane's value as a whole number, as `value as u64` reads it (NaN
/// and negatives are 0).
#[inline(always)]
fn whole(values: &Lanes) -> [u64; LANES] {
    // `as u64` one lane at a time is ~11 instructions (x86 has no vector
    // conversion to u64 before AVX-512): below 2⁵², the integer part is
    // read from the bits of the value plus 2⁵², a few vector instructions.
    const TWO_52: f64 = (1u64 << 52) as f64;
    let mut out = [0u64; LANES];
    let mut large = false;
    for (o, &v) in out.iter_mut().zip(values) {
        large |= v >= TWO_52;
        // NaN and negatives become 0, as `as u64` makes them (`clamp`
        // would keep NaN).
        #[allow(clippy::manual_clamp)]
        let t = v.max(0.0).min(TWO_52).trunc();
        *o = (t + TWO_52).to_bits() - TWO_52.to_bits();
    }
    if large {
        for (o, &v) in out.iter_mut().zip(values) {
            *o = v as u64;
        }
    }
    out
}

/// Each lane's day as a count of hundredths of a day (the histograms' unit).
#[inline(always)]
fn day_steps(days: &Lanes) -> [u64; LANES] {
    whole(&days.map(|d| (d * DAY_STEPS).round()))
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

/// A name that is no quantity `--precision-of` can watch.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unknown quantity '{name}': expected one of {expected}")]
pub struct UnknownQuantity {
    /// The name given.
    pub name: String,
    /// The quantities there are, listed.
    pub expected: String,
}

impl Watched {
    /// The quantity called `name` in a scenario.
    pub fn named(s: &Scenario, name: &str) -> Result<Watched, UnknownQuantity> {
        if let Some(mask) = class::stage(name) {
            return Ok(Watched::Classes(mask));
        }
        Ok(match name {
            "deployed" => Watched::DeployedPerTrial,
            _ => match s.outcomes.iter().position(|o| o.name == name) {
                Some(i) => Watched::Outcome(i),
                None => {
                    let outcomes: Vec<&str> = s.outcomes.iter().map(|o| o.name.as_str()).collect();
                    let expected = format!(
                        "{}{}{}",
                        class::STAGES.map(|(stage, _)| stage).join(", ") + ", deployed",
                        if outcomes.is_empty() { "" } else { ", or an outcome: " },
                        outcomes.join(", ")
                    );
                    return Err(UnknownQuantity { name: name.to_string(), expected });
                }
            },
        })
    }

    /// Its estimate in `stats` and the estimate's standard error.
    pub fn estimate(self, stats: &BatchStats) -> (f64, f64) {
        match self {
            Watched::Classes(mask) => {
                let n = stats.trials as f64;
                let p = class::count(mask, &stats.classes) as f64 / n;
                (p, (p * (1.0 - p) / n).sqrt())
            }
            Watched::DeployedPerTrial => {
                mean_se(stats.trials, i128::try_from(stats.deployed.sum).unwrap_or(i128::MAX), stats.deployed.sum_sq)
            }
            Watched::Outcome(i) => stats.outcomes.get(i).map_or((f64::NAN, f64::NAN), |m| (m.mean(), m.std_error())),
        }
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
        self.surplus.merge(&o.surplus);
        self.need_above_smallest += o.need_above_smallest;
        self.need_above_all += o.need_above_all;
        self.trimmed_trials += o.trimmed_trials;
        self.trimmed_personnel += o.trimmed_personnel;
        self.pool_trials.merge(&o.pool_trials);
        self.pool_personnel.merge(&o.pool_personnel);
        self.decision_days.merge(&o.decision_days);
        self.decision_days_hist.merge(&o.decision_days_hist);
        self.first_arrival.merge(&o.first_arrival);
        self.full_strength.merge(&o.full_strength);
        self.first_arrival_hist.merge(&o.first_arrival_hist);
        self.full_strength_hist.merge(&o.full_strength_hist);
        self.members.merge(&o.members);
        self.outcomes.merge(&o.outcomes);
        self.rule_fires.merge(&o.rule_fires);
        self.observed_contributor_match += o.observed_contributor_match;
        self.history_match += o.history_match;
        for (a, b) in self.forced.iter_mut().zip(o.forced) {
            *a += b;
        }
    }
}
