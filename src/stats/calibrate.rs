//! What a calibration reports: the fitted values with their intervals, each
//! case's probability of what happened before and after the fit, and the
//! fit's out-of-sample scores beside two baselines.

use serde::{Deserialize, Serialize};

use crate::vocabulary::class;

/// Version of the calibration JSON layout.
pub const CALIBRATION_SCHEMA_VERSION: u32 = 1;

/// A calibration's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Layout version.
    pub schema_version: u32,
    /// alliance-sim's version.
    pub tool_version: String,
    /// The seed every case ran on.
    pub seed: u64,
    /// Trials per case per evaluation of the likelihood.
    pub trials: u64,
    /// Evaluations of the likelihood, all fits together.
    pub evaluations: u64,
    /// The fitted parameters, in the order given.
    pub parameters: Vec<Fitted>,
    /// Log-likelihood of the cases at the starting values.
    pub log_likelihood_before: f64,
    /// Log-likelihood at the fitted values.
    pub log_likelihood_after: f64,
    /// Every case.
    pub cases: Vec<CaseFit>,
    /// Scores of the fit and of the baselines (mean over cases).
    pub scores: Vec<Score>,
    /// Whether the leave-one-out log score beats the class-frequency
    /// baseline's (absent without cross-validation).
    pub beats_frequency_baseline: Option<bool>,
}

/// One fitted parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fitted {
    /// The `--set` path.
    pub path: String,
    /// Lower bound of the search.
    pub lo: f64,
    /// Upper bound of the search.
    pub hi: f64,
    /// The value the first case's files give it.
    pub written: f64,
    /// Where the search starts: the written value, clamped into the bounds.
    pub start: f64,
    /// The fitted value.
    pub value: f64,
    /// 95% profile-likelihood interval (deviance ≤ 3.84), when computed.
    pub interval: Option<(f64, f64)>,
    /// Whether the interval reaches a bound of the search (it may extend
    /// past it).
    pub at_bound: (bool, bool),
}

/// One case's fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseFit {
    /// The scenario's name.
    pub case: String,
    /// Where it was loaded from.
    pub origin: String,
    /// The outcome class history chose.
    pub observed: String,
    /// Observed personnel, when the case records troops deployed.
    pub personnel: Option<u64>,
    /// Class probabilities before the fit (no_request, refused,
    /// non_military, deploy).
    pub before: [f64; 4],
    /// Class probabilities at the fitted values.
    pub after: [f64; 4],
    /// P(the whole record: the class and every other recorded field at
    /// once) at the fitted values.
    pub record_after: f64,
    /// Rank of the observed class at the fitted values (1: most likely).
    pub rank_after: usize,
    /// Class probabilities when fitted without this case (leave-one-out).
    pub left_out: Option<[f64; 4]>,
    /// The fitted values without this case, in the order of the parameters.
    pub left_out_values: Option<Vec<f64>>,
    /// Class probabilities of the forecast at onset: left out, with the
    /// variables known only after the outcome drawn from the other cases.
    #[serde(default)]
    pub forecast: Option<[f64; 4]>,
    /// P(the whole record) of that forecast.
    #[serde(default)]
    pub forecast_record: Option<f64>,
    /// The variables the forecast drew from the other cases
    /// (`crisis.known: after`).
    #[serde(default)]
    pub after_the_fact: Vec<String>,
}

impl CaseFit {
    /// Index of the observed class.
    pub fn observed_index(&self) -> usize {
        class::index(&self.observed).unwrap_or(0)
    }
}

/// A scoring of predictions over the cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// What predicted: `fitted (in sample)`, `leave-one-out`, `uniform`,
    /// `class frequencies of the other cases`.
    pub method: String,
    /// Mean natural log of the probability given to what happened (higher
    /// is better; 0 is perfect).
    pub log_score: f64,
    /// Mean multi-class Brier score, Σ over classes of (p − outcome)² (lower
    /// is better; 0 is perfect, 2 the worst).
    pub brier: f64,
    /// Cases whose observed class was the most likely one.
    pub top_class: usize,
}

impl Score {
    /// Scores predictions `probabilities[i]` of cases whose observed class
    /// indices are `observed[i]`.
    pub fn of(method: &str, probabilities: &[[f64; 4]], observed: &[usize]) -> Score {
        let n = probabilities.len().max(1) as f64;
        let log_score = probabilities.iter().zip(observed).map(|(p, &o)| p[o].ln()).sum::<f64>() / n;
        let brier = probabilities
            .iter()
            .zip(observed)
            .map(|(p, &o)| p.iter().enumerate().map(|(k, q)| (q - f64::from(u8::from(k == o))).powi(2)).sum::<f64>())
            .sum::<f64>()
            / n;
        let top_class = probabilities.iter().zip(observed).filter(|(p, o)| rank(p, **o) == 1).count();
        Score { method: method.into(), log_score, brier, top_class }
    }
}

/// Rank of class `k` in `p`: 1 when it is strictly the most likely; a tie
/// takes the worse rank, so that a flat prediction ranks nothing first.
pub fn rank(p: &[f64; 4], k: usize) -> usize {
    1 + p.iter().enumerate().filter(|&(j, q)| j != k && *q >= p[k]).count()
}

/// Leave-one-out class frequencies: for each case, the other cases' classes
/// counted with half a case added to every class (so that a class the
/// others never show keeps a small probability, as Jeffreys' prior does).
pub fn frequency_baseline(observed: &[usize]) -> Vec<[f64; 4]> {
    let mut counts = [0.0; 4];
    for &o in observed {
        counts[o] += 1.0;
    }
    observed
        .iter()
        .map(|&o| {
            let mut c = counts;
            c[o] -= 1.0;
            let total: f64 = c.iter().sum::<f64>() + 2.0;
            c.map(|x| (x + 0.5) / total)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_match_their_definitions_on_a_worked_example() {
        let p = [[0.5, 0.25, 0.25, 0.0], [0.1, 0.1, 0.1, 0.7]];
        let s = Score::of("x", &p, &[0, 3]);
        assert!((s.log_score - (0.5f64.ln() + 0.7f64.ln()) / 2.0).abs() < 1e-12);
        // (0.25 + 0.0625 + 0.0625) and (0.01 · 3 + 0.09).
        assert!((s.brier - (0.375 + 0.12) / 2.0).abs() < 1e-12);
        assert_eq!(s.top_class, 2);
    }

    #[test]
    fn the_frequency_baseline_leaves_the_case_out_and_adds_half_a_case_per_class() {
        let f = frequency_baseline(&[0, 0, 0, 3]);
        // Case 0: others are two no_request and one deploy; total 3 + 2.
        assert_eq!(f[0], [2.5 / 5.0, 0.5 / 5.0, 0.5 / 5.0, 1.5 / 5.0]);
        // Case 3: others are three no_request.
        assert_eq!(f[3], [3.5 / 5.0, 0.5 / 5.0, 0.5 / 5.0, 0.5 / 5.0]);
        for p in f {
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn ranks_count_the_classes_at_least_as_likely() {
        assert_eq!(rank(&[0.1, 0.2, 0.6, 0.1], 2), 1);
        assert_eq!(rank(&[0.1, 0.4, 0.4, 0.1], 2), 2);
        assert_eq!(rank(&[0.1, 0.4, 0.4, 0.1], 0), 4);
        assert_eq!(rank(&[0.25; 4], 1), 4);
    }
}
