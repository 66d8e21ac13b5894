//! A case forecast as at its onset: the crisis variables its scenario marks
//! as known only once the outcome is known (`crisis.known: {…: after}`:
//! what the host asked for, how soon its government fell) carry part of the
//! answer, so a forecast may not read the case's own values. It draws them
//! from a prior over the other cases instead: each other case is equally
//! likely, and a trial takes all of them (jointly) as that case defines them.
//!
//! The mixture is run as blocks of trials: of `n` trials and `m` other
//! cases, the k-th block of about n/m trials runs the case with the k-th
//! other case's definitions. Merged, the blocks are a sample of the mixture
//! (each variant a 1/m share, as the prior weighs it) on the same seed and
//! trial indices as the case itself, so the forecast and the case's own run
//! share their random numbers wherever the variables agree.

use super::{Finished, Monitor};
use crate::batch::{self, Ending, Flow, Plan};
use crate::scenario::model::Known;
use crate::scenario::{Override, Prepared, Scenario};
use crate::stats::Merge;
use crate::stats::batch::BatchStats;

/// A case's onset forecast: the variables drawn from the other cases, and
/// one set of overrides per other case that defines them.
#[derive(Debug, Clone, PartialEq)]
pub struct Onset {
    /// The variables known only after the outcome, in draw order.
    pub after: Vec<String>,
    /// Each other case's name with the overrides that give the case that
    /// case's definitions; empty when nothing is known only after (the
    /// forecast is then the case's own run).
    pub priors: Vec<(String, Vec<Override>)>,
}

/// The variables of `s` known only after the outcome.
fn after_the_fact(s: &Scenario) -> Vec<String> {
    s.variables.iter().filter(|v| v.known == Known::After).map(|v| v.name.clone()).collect()
}

/// The onset forecast of the case `s` (loaded from `case`): its
/// after-the-fact variables as each of `others` (a name and its prepared
/// files) defines them. An other case that lacks one of them is left out of
/// the prior; with none left there is no forecast ([`Onset::possible`]).
pub fn onset(case: &str, s: &Scenario, others: &[(String, &Prepared)]) -> Onset {
    let after = after_the_fact(s);
    if after.is_empty() {
        return Onset { after, priors: Vec::new() };
    }
    let mut priors = Vec::new();
    for (name, prepared) in others {
        let origin = format!("the onset forecast of {case}, as in {name}:");
        let definitions: Option<Vec<Override>> = after
            .iter()
            .map(|v| {
                let path = format!("crisis.variables.{v}");
                prepared.flow_at(&path).map(|text| Override::from(&origin, path, text))
            })
            .collect();
        if let Some(overrides) = definitions {
            priors.push((name.clone(), overrides));
        }
    }
    Onset { after, priors }
}

impl Onset {
    /// Whether there is a forecast to make: something is known only after,
    /// and another case defines it.
    pub fn possible(&self) -> bool {
        !self.after.is_empty() && !self.priors.is_empty()
    }

    /// The scenarios of the mixture, one per other case, each with
    /// `overrides` (fitted values) and that case's definitions (none when
    /// the forecast is not [`possible`](Onset::possible)).
    pub fn variants(
        &self,
        case: &Prepared,
        overrides: &[Override],
    ) -> Result<Vec<Scenario>, crate::scenario::LoadError> {
        self.priors
            .iter()
            .map(|(_, prior)| {
                let all: Vec<Override> = overrides.iter().chain(prior).cloned().collect();
                case.load(&all).map(|l| l.scenario)
            })
            .collect()
    }
}

/// The trials `[start, end)` of each of `m` variants among `trials`: as
/// equal as whole trials allow, in order, covering every trial once.
pub fn blocks(m: usize, trials: u64) -> Vec<(u64, u64)> {
    let m = m.max(1) as u128;
    let at = |k: u128| (u128::from(trials) * k / m) as u64;
    (0..m).map(|k| (at(k), at(k + 1))).collect()
}

/// Runs the mixture: trials `[0, trials)` on `seed`, the k-th block of
/// [`blocks`] on `variants[k]`, merged in trial order (so the result is
/// the same on any number of threads). Interrupted, it covers the trials
/// that ran.
pub fn run(variants: &[Scenario], seed: u64, trials: u64, mut monitor: Monitor<'_>) -> Finished<BatchStats> {
    let mut total = BatchStats::default();
    let mut ending = Ending::Done;
    for (s, (start, end)) in variants.iter().zip(blocks(variants.len(), trials)) {
        ending = batch::drive(
            Plan { seed, start, end },
            batch::CHUNK,
            monitor.cancel,
            |from, to| batch::run_range(s, seed, from, to),
            |_, _, part| {
                total.merge(&part);
                (monitor.progress)(total.trials, trials);
                Flow::Continue
            },
        );
        if ending == Ending::Cancelled {
            break;
        }
    }
    Finished { value: total, interrupted: ending == Ending::Cancelled }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_every_trial_once_in_near_equal_shares() {
        assert_eq!(blocks(3, 10), vec![(0, 3), (3, 6), (6, 10)]);
        assert_eq!(blocks(1, 7), vec![(0, 7)]);
        assert_eq!(blocks(4, 2), vec![(0, 0), (0, 1), (1, 1), (1, 2)]);
        let big = blocks(7, u64::MAX);
        assert_eq!((big[0].0, big[6].1), (0, u64::MAX));
        assert!(big.windows(2).all(|w| w[0].1 == w[1].0));
    }
}
