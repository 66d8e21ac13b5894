//! Streaming, mergeable accumulators.
//!
//! # The merge law
//!
//! For every accumulator, `Default::default()` is the identity, and merging
//! the accumulations of two consecutive ranges of trials equals accumulating
//! the whole range — **bit for bit**. Everything is kept in integers to make
//! that true in any order: counts, exact personnel sums, exact histograms, and
//! real-valued quantities (days, outcome metrics) on a fixed-point grid of
//! 2⁻¹⁶ (their reported means are exact to that grid). Memory does not grow
//! with the number of trials.

pub mod batch;
pub mod calibrate;
pub mod compare;
pub mod morris;
pub mod paired;
pub mod sensitivity;
pub mod sobol;
pub mod spider;
pub mod summary;
pub mod sweep;

use serde::{Deserialize, Serialize};

use crate::rules::env::{LANES, Lanes, Mask};
use crate::rules::lanes::each_lane;

/// Accumulators that can be combined. `Default::default()` is the identity,
/// and merging the results of two halves equals accumulating the whole.
pub trait Merge: Default {
    /// Adds `other` into `self`.
    fn merge(&mut self, other: &Self);
}

/// Fixed-point scale of real-valued accumulators (2¹⁶ steps per unit).
pub const FIXED_SCALE: f64 = 65536.0;
/// Largest magnitude a real value is recorded with (larger values saturate).
pub const FIXED_LIMIT: f64 = 2.0e9;

/// Count, sum and sum of squares of real values on a fixed-point grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moments {
    /// Number of values.
    pub n: u64,
    /// Sum of the quantised values.
    pub sum: i128,
    /// Sum of the squared quantised values (saturating).
    pub sum_sq: u128,
    /// Smallest quantised value (i64::MAX when empty).
    pub min: i64,
    /// Largest quantised value (i64::MIN when empty).
    pub max: i64,
}

impl Default for Moments {
    /// The empty accumulator (min and max at their identities).
    fn default() -> Moments {
        Moments { n: 0, sum: 0, sum_sq: 0, min: i64::MAX, max: i64::MIN }
    }
}

impl Moments {
    /// Records a value (NaN is skipped; infinities saturate).
    #[inline]
    pub fn add(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        let q = (x.clamp(-FIXED_LIMIT, FIXED_LIMIT) * FIXED_SCALE).round() as i64;
        self.n += 1;
        self.sum += i128::from(q);
        self.sum_sq = self.sum_sq.saturating_add((i128::from(q) * i128::from(q)) as u128);
        self.min = self.min.min(q);
        self.max = self.max.max(q);
    }

    /// Records the values of the lanes of `mask`: what [`Moments::add`]
    /// of each gives, with the block's sums taken in 64-bit integers when
    /// they cannot overflow there (values below 2¹²; 2¹² · 2¹⁶ = 2²⁸ on the grid).
    #[inline(always)]
    pub fn add_lanes(&mut self, x: &Lanes, mask: Mask) {
        // A grid value is a whole number below 2⁴⁸ in magnitude: its bits
        // plus 1.5 · 2⁵² give it exactly, in a few vector instructions.
        const MAGIC: f64 = (3u64 << 51) as f64;
        let mut q = [0i64; LANES];
        let mut kept: Mask = 0;
        for (i, (q, x)) in q.iter_mut().zip(x).enumerate() {
            let keep = mask >> i & 1 == 1 && !x.is_nan();
            kept |= Mask::from(keep) << i;
            let grid = if keep { (x.clamp(-FIXED_LIMIT, FIXED_LIMIT) * FIXED_SCALE).round() } else { 0.0 };
            *q = (grid + MAGIC).to_bits().wrapping_sub(MAGIC.to_bits()) as i64;
        }
        if kept == 0 {
            return;
        }
        // The kept lanes' extremes, each a select then a plain reduction
        // (written as one loop with three running values, LLVM kept it
        // scalar under AVX-512).
        let lows: [i64; LANES] = std::array::from_fn(|i| if kept >> i & 1 == 1 { q[i] } else { i64::MAX });
        let highs: [i64; LANES] = std::array::from_fn(|i| if kept >> i & 1 == 1 { q[i] } else { i64::MIN });
        let lo = lows.iter().fold(i64::MAX, |a, &b| a.min(b));
        let hi = highs.iter().fold(i64::MIN, |a, &b| a.max(b));
        let largest = q.iter().fold(0u64, |a, &b| a.max(b.unsigned_abs()));
        if largest < 1 << 28 {
            // |q|² < 2⁵⁶: 64 of them fit in a u64; the lanes not kept are 0.
            let (sum, sum_sq) = q.iter().fold((0i64, 0u64), |(s, sq), &q| (s + q, sq + (q * q) as u64));
            self.sum += i128::from(sum);
            self.sum_sq = self.sum_sq.saturating_add(u128::from(sum_sq));
        } else {
            for &q in &q {
                self.sum += i128::from(q);
                self.sum_sq = self.sum_sq.saturating_add((i128::from(q) * i128::from(q)) as u128);
            }
        }
        self.n += u64::from(kept.count_ones());
        self.min = self.min.min(lo);
        self.max = self.max.max(hi);
    }

    /// The mean (NaN when empty).
    pub fn mean(&self) -> f64 {
        mean_se(self.n, self.sum, self.sum_sq).0 / FIXED_SCALE
    }

    /// The standard error of the mean (NaN with fewer than 2 values).
    pub fn std_error(&self) -> f64 {
        mean_se(self.n, self.sum, self.sum_sq).1 / FIXED_SCALE
    }

    /// The smallest value.
    pub fn min_value(&self) -> f64 {
        if self.n == 0 { f64::NAN } else { self.min as f64 / FIXED_SCALE }
    }

    /// The largest value.
    pub fn max_value(&self) -> f64 {
        if self.n == 0 { f64::NAN } else { self.max as f64 / FIXED_SCALE }
    }
}

impl Merge for Moments {
    fn merge(&mut self, o: &Self) {
        self.n += o.n;
        self.sum += o.sum;
        self.sum_sq = self.sum_sq.saturating_add(o.sum_sq);
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }
}

/// Mean and standard error of the mean of `n` values from their sum and sum
/// of squares. The spread n·Σx² − (Σx)² is computed exactly in integers when
/// it fits in 128 bits (no cancellation), else in floating point.
pub fn mean_se(n: u64, sum: i128, sum_sq: u128) -> (f64, f64) {
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let nf = n as f64;
    let mean = sum as f64 / nf;
    if n < 2 {
        return (mean, f64::NAN);
    }
    let abs = sum.unsigned_abs();
    let spread = u128::from(n)
        .checked_mul(sum_sq)
        .zip(abs.checked_mul(abs))
        .and_then(|(a, b)| a.checked_sub(b))
        .map_or_else(|| (nf * sum_sq as f64 - (sum as f64).powi(2)).max(0.0), |d| d as f64);
    let variance = spread / (nf * (nf - 1.0));
    (mean, (variance / nf).sqrt())
}

/// The sum, the (saturating) sum of squares and the largest of the values
/// in the lanes of `mask`, taken in 64-bit integers when they cannot
/// overflow there (every value below 2²⁶), else in 128-bit ones.
#[inline(always)]
pub fn lane_sums(values: &[u64; LANES], mask: Mask) -> (u128, u128, u64) {
    let mut kept = [0u64; LANES];
    let mut largest = 0u64;
    for (i, (k, &v)) in kept.iter_mut().zip(values).enumerate() {
        *k = if mask >> i & 1 == 1 { v } else { 0 };
        largest = largest.max(*k);
    }
    if largest < 1 << 26 {
        let (sum, sum_sq) = kept.iter().fold((0u64, 0u64), |(s, sq), &v| (s + v, sq + v * v));
        return (u128::from(sum), u128::from(sum_sq), largest);
    }
    kept.iter().fold((0u128, 0u128, largest), |(s, sq, l), &v| {
        (s + u128::from(v), sq.saturating_add(u128::from(v) * u128::from(v)), l)
    })
}

/// Values below this are counted exactly, one bucket per integer.
pub const EXACT_BELOW: u64 = 1 << 16;
/// Sub-buckets per power of two above [`EXACT_BELOW`] (relative error 1/256).
const LOG_SUB: u64 = 256;

/// A histogram of non-negative integers: exact below 65,536, and within
/// 0.4% above (256 buckets per power of two).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// Counts of 0, 1, 2, … (grown as needed, up to 65,535).
    pub exact: Vec<u64>,
    /// Counts of the logarithmic buckets above.
    pub log: Vec<u64>,
    /// Number of values.
    pub n: u64,
    /// Exact sum of the values.
    pub sum: u128,
    /// Exact sum of squares (saturating).
    pub sum_sq: u128,
    /// Largest value.
    pub max: u64,
}

fn log_bucket(v: u64) -> usize {
    let bits = 63 - v.leading_zeros() as u64; // floor(log2 v) >= 16
    let sub = (v >> (bits - 8)) & (LOG_SUB - 1);
    ((bits - 16) * LOG_SUB + sub) as usize
}

fn log_bucket_low(b: usize) -> u64 {
    let b = b as u64;
    let bits = b / LOG_SUB + 16;
    let sub = b % LOG_SUB;
    (1u64 << bits) + (sub << (bits - 8))
}

impl Histogram {
    /// Records a value.
    #[inline(always)]
    pub fn add(&mut self, v: u64) {
        // `exact` never grows past EXACT_BELOW entries, so a hit is exact.
        match usize::try_from(v).ok().and_then(|i| self.exact.get_mut(i)) {
            Some(count) => *count += 1,
            None => self.count_beyond_exact(v),
        }
        self.n += 1;
        self.sum += u128::from(v);
        self.sum_sq = self.sum_sq.saturating_add(u128::from(v) * u128::from(v));
        self.max = self.max.max(v);
    }

    /// Records the values of the lanes of `mask`: what [`Histogram::add`]
    /// of each gives (the sums by [`lane_sums`]).
    #[inline(always)]
    pub fn add_lanes(&mut self, values: &[u64; LANES], mask: Mask) {
        if mask == 0 {
            return;
        }
        let (sum, sum_sq, largest) = lane_sums(values, mask);
        self.sum += sum;
        self.sum_sq = self.sum_sq.saturating_add(sum_sq);
        each_lane(mask, |i| match usize::try_from(values[i]).ok().and_then(|b| self.exact.get_mut(b)) {
            Some(count) => *count += 1,
            None => self.count_beyond_exact(values[i]),
        });
        self.n += u64::from(mask.count_ones());
        self.max = self.max.max(largest);
    }

    /// Counts a value the exact buckets do not reach yet: grows them, or
    /// counts it in a logarithmic bucket.
    #[cold]
    fn count_beyond_exact(&mut self, v: u64) {
        if v < EXACT_BELOW {
            let i = v as usize;
            if i >= self.exact.len() {
                self.exact.resize(i + 1, 0);
            }
            self.exact[i] += 1;
        } else {
            let b = log_bucket(v);
            if b >= self.log.len() {
                self.log.resize(b + 1, 0);
            }
            self.log[b] += 1;
        }
    }

    /// The mean (NaN when empty).
    pub fn mean(&self) -> f64 {
        self.mean_se().0
    }

    /// The standard error of the mean.
    pub fn std_error(&self) -> f64 {
        self.mean_se().1
    }

    fn mean_se(&self) -> (f64, f64) {
        mean_se(self.n, i128::try_from(self.sum).unwrap_or(i128::MAX), self.sum_sq)
    }

    /// The q-quantile (0 ≤ q ≤ 1): the smallest value v with at least
    /// ⌈q·n⌉ values ≤ v (exact below 65,536).
    pub fn quantile(&self, q: f64) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        let mut seen = 0;
        for (v, c) in self.exact.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return v as f64;
            }
        }
        for (b, c) in self.log.iter().enumerate() {
            seen += c;
            if seen >= rank {
                // The bucket's top, but never above the largest value seen:
                // a quantity stuck at one value reads as that value.
                let last = (64 - 16) * LOG_SUB as usize - 1;
                let top = if b >= last { u64::MAX } else { log_bucket_low(b + 1) - 1 };
                return top.min(self.max) as f64;
            }
        }
        self.max as f64
    }

    /// The same values without the zeros (the sums are unchanged).
    pub fn without_zeros(&self) -> Histogram {
        let mut h = self.clone();
        if let Some(zeros) = h.exact.first_mut() {
            h.n -= *zeros;
            *zeros = 0;
        }
        h
    }

    /// Number of values from `lo` to `hi`, both included (exact below
    /// 65,536).
    pub fn count_between(&self, lo: u64, hi: u64) -> u64 {
        if lo > hi {
            return 0;
        }
        let (below_lo, _) = self.rank_of(lo);
        let (below_hi, at_hi) = self.rank_of(hi);
        (below_hi + at_hi).saturating_sub(below_lo)
    }

    /// Number of values strictly below `v` and equal to `v` (for percentiles
    /// of an observed value; `v` must be below 65,536 for exactness).
    pub fn rank_of(&self, v: u64) -> (u64, u64) {
        let limit = (v as usize).min(self.exact.len());
        let below: u64 = self.exact[..limit].iter().sum::<u64>()
            + if v >= EXACT_BELOW { self.log.iter().take(log_bucket(v)).sum::<u64>() } else { 0 };
        let equal = if v < EXACT_BELOW { self.exact.get(v as usize).copied().unwrap_or(0) } else { 0 };
        (below, equal)
    }
}

impl Histogram {
    /// Checks a histogram read from a file: its buckets hold its `n`
    /// values, which are at most `limit`, and its sums are ones those
    /// values could have. The error names `field`.
    pub fn check(&self, field: &str, limit: u64) -> Result<(), String> {
        let bad = |what: String| Err(format!("{field}: {what}"));
        if self.exact.len() as u64 > EXACT_BELOW || self.log.len() > log_bucket(u64::MAX) + 1 {
            return bad("has more buckets than a histogram can".into());
        }
        let counted = self.exact.iter().chain(&self.log).try_fold(0u64, |a, &c| a.checked_add(c));
        if counted != Some(self.n) {
            return bad(format!("its buckets hold {} values, but n is {}", fmt_count(counted), self.n));
        }
        if self.max > limit {
            return bad(format!("its largest value {} is above {limit}, the most one trial can record", self.max));
        }
        let n = u128::from(self.n);
        let top = self.exact.iter().rposition(|&c| c > 0).map(|v| v as u64);
        let top = self.log.iter().rposition(|&c| c > 0).map(log_bucket_low).or(top);
        let max_ok = match top {
            None => self.max == 0,
            Some(v) if v < EXACT_BELOW => self.max == v,
            Some(v) => self.max >= v,
        };
        let sum_ok = self.sum <= n * u128::from(self.max) && self.sum >= u128::from(self.max);
        let sq_ok = self.sum_sq <= n.saturating_mul(u128::from(self.max) * u128::from(self.max));
        if !max_ok || !(sum_ok || (self.n == 0 && self.sum == 0)) || !sq_ok {
            return bad(format!(
                "n = {}, max = {}, sum = {} and sum_sq = {} cannot all be true of one set of values",
                self.n, self.max, self.sum, self.sum_sq
            ));
        }
        Ok(())
    }
}

impl Moments {
    /// Checks moments read from a file: at most `most` values, each within
    /// the recorded range, and sums those values could have.
    pub fn check(&self, field: &str, most: u64) -> Result<(), String> {
        let limit = (FIXED_LIMIT * FIXED_SCALE) as i64;
        let fine = if self.n == 0 {
            *self == Moments::default()
        } else {
            self.n <= most
                && -limit <= self.min
                && self.min <= self.max
                && self.max <= limit
                && self.sum >= i128::from(self.n) * i128::from(self.min)
                && self.sum <= i128::from(self.n) * i128::from(self.max)
        };
        if fine {
            Ok(())
        } else {
            Err(format!(
                "{field}: n = {} (at most {most}), min = {}, max = {} and sum = {} cannot all be true of one set of values",
                self.n, self.min, self.max, self.sum
            ))
        }
    }
}

/// A count that may have overflowed, for messages.
fn fmt_count(count: Option<u64>) -> String {
    count.map_or_else(|| "more than 2⁶⁴".into(), |c| c.to_string())
}

/// A bin of a histogram drawn for people.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    /// Lower edge (inclusive).
    pub lo: f64,
    /// Upper edge (exclusive).
    pub hi: f64,
    /// Values in it.
    pub count: u64,
}

impl Histogram {
    /// `count` equal-width bins over [0, max + 1), divided by `scale` (e.g.
    /// hundredths of a day → days). Values above 65,536 are placed by their
    /// bucket's lower edge (within 0.4%).
    pub fn bins(&self, count: usize, scale: f64) -> Vec<Bin> {
        if self.n == 0 || count == 0 {
            return Vec::new();
        }
        let span = self.max as f64 + 1.0;
        let width = span / count as f64;
        let mut bins: Vec<Bin> = (0..count)
            .map(|i| Bin { lo: i as f64 * width / scale, hi: (i + 1) as f64 * width / scale, count: 0 })
            .collect();
        let mut put = |v: f64, c: u64| {
            let i = ((v / width) as usize).min(count - 1);
            bins[i].count += c;
        };
        for (v, c) in self.exact.iter().enumerate().filter(|(_, c)| **c > 0) {
            put(v as f64, *c);
        }
        for (b, c) in self.log.iter().enumerate().filter(|(_, c)| **c > 0) {
            put(log_bucket_low(b) as f64, *c);
        }
        bins
    }
}

impl Merge for Histogram {
    fn merge(&mut self, o: &Self) {
        self.exact.merge(&o.exact);
        self.log.merge(&o.log);
        self.n += o.n;
        self.sum += o.sum;
        self.sum_sq = self.sum_sq.saturating_add(o.sum_sq);
        self.max = self.max.max(o.max);
    }
}

impl Merge for u64 {
    fn merge(&mut self, o: &Self) {
        *self += o;
    }
}

impl Merge for u128 {
    fn merge(&mut self, o: &Self) {
        *self += o;
    }
}

/// Element by element; the shorter vector grows with identities, so an
/// empty vector is the identity too.
impl<T: Merge + Clone> Merge for Vec<T> {
    fn merge(&mut self, o: &Self) {
        if self.len() < o.len() {
            self.resize(o.len(), T::default());
        }
        for (a, b) in self.iter_mut().zip(o) {
            a.merge(b);
        }
    }
}

/// A proportion with its 95% Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    /// Successes.
    pub k: u64,
    /// Trials.
    pub n: u64,
    /// k / n.
    pub p: f64,
    /// Lower end of the 95% interval.
    pub lo: f64,
    /// Upper end of the 95% interval.
    pub hi: f64,
}

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

impl Proportion {
    /// The Wilson score interval (Wilson 1927; Agresti & Coull 1998).
    pub fn wilson(k: u64, n: u64) -> Proportion {
        if n == 0 {
            return Proportion { k, n, p: f64::NAN, lo: f64::NAN, hi: f64::NAN };
        }
        let (kf, nf) = (k as f64, n as f64);
        let p = kf / nf;
        let z2 = Z95 * Z95;
        let denom = 1.0 + z2 / nf;
        let centre = (p + z2 / (2.0 * nf)) / denom;
        let half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
        Proportion { k, n, p, lo: (centre - half).clamp(0.0, p), hi: (centre + half).clamp(p, 1.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks of values of every scale (small, past the 64-bit fast paths,
    /// past the exact buckets, at the saturation limits), with NaN,
    /// negatives and infinities, under masks full, empty and random.
    fn blocks() -> Vec<(Lanes, Mask)> {
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let z = (state ^ (state >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z ^ (z >> 31)
        };
        let specials = [f64::NAN, -1.0, f64::INFINITY, f64::NEG_INFINITY, 0.0, 1e300, -1e300, 0.5];
        let mut out = Vec::new();
        for scale in [1.0, 100.0, 4095.0, 4097.0, 7e4, 1e7, 7e7, 3e9, 1e19, 1e30] {
            let masks: Vec<Mask> = [Mask::MAX, 0, 1, 1 << 63].into_iter().chain((0..6).map(|_| next())).collect();
            for (k, mask) in masks.into_iter().enumerate() {
                let mut lanes = [0.0; LANES];
                for v in &mut lanes {
                    let r = next();
                    *v = if k % 3 == 2 && r % 7 == 0 {
                        specials[(r >> 8) as usize % specials.len()]
                    } else {
                        (r >> 11) as f64 / (1u64 << 53) as f64 * scale
                    };
                }
                out.push((lanes, mask));
            }
        }
        out
    }

    #[test]
    fn lane_wise_adding_equals_adding_lane_by_lane() {
        let (mut moments, mut moments_lanes) = (Moments::default(), Moments::default());
        let (mut histogram, mut histogram_lanes) = (Histogram::default(), Histogram::default());
        for (lanes, mask) in blocks() {
            let whole = lanes.map(|v| v as u64);
            for i in (0..LANES).filter(|i| mask >> i & 1 == 1) {
                moments.add(lanes[i]);
                histogram.add(whole[i]);
            }
            moments_lanes.add_lanes(&lanes, mask);
            histogram_lanes.add_lanes(&whole, mask);
            assert_eq!(moments_lanes, moments);
            assert_eq!(histogram_lanes, histogram);
        }
        assert_eq!(histogram.sum_sq, u128::MAX, "the saturation was reached");
        assert!(histogram.log.iter().sum::<u64>() > 0 && moments.max > 1 << 40, "the slow paths were taken");
    }

    #[test]
    fn wilson_interval_is_within_unit_range_and_contains_p() {
        for (k, n) in [(0, 10), (10, 10), (3, 7), (500, 1000)] {
            let p = Proportion::wilson(k, n);
            assert!(p.lo >= 0.0 && p.hi <= 1.0 && p.lo <= p.p && p.p <= p.hi);
        }
        // Known value: 5/10 → [0.2366, 0.7634].
        let p = Proportion::wilson(5, 10);
        assert!((p.lo - 0.2366).abs() < 1e-4 && (p.hi - 0.7634).abs() < 1e-4);
    }

    #[test]
    fn mean_and_standard_error_match_the_textbook_formula() {
        // 1..=100: mean 50.5, sample variance 100·101/12 = 841.67, se = sqrt(841.67 / 100).
        let (sum, sum_sq) = (1..=100i128).fold((0, 0u128), |(s, q), x| (s + x, q + (x * x) as u128));
        let (mean, se) = mean_se(100, sum, sum_sq);
        assert_eq!(mean, 50.5);
        assert!((se - (100.0f64 * 101.0 / 12.0 / 100.0).sqrt()).abs() < 1e-12, "{se}");
        // Constant data have no spread, exactly.
        assert_eq!(mean_se(1000, 2000, 4000).1, 0.0);
    }

    #[test]
    fn histogram_quantiles_are_exact_below_the_limit() {
        let mut h = Histogram::default();
        for v in 1..=100 {
            h.add(v);
        }
        assert_eq!(h.quantile(0.5), 50.0);
        assert_eq!(h.quantile(0.95), 95.0);
        assert_eq!(h.rank_of(10), (9, 1));
        h.add(1_000_000);
        assert!(h.quantile(1.0) <= 1_000_000.0 && h.quantile(1.0) > 996_000.0);
    }

    #[test]
    fn merge_law_holds_bit_for_bit() {
        let values: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.37).sin() * 100.0).collect();
        for split in [0, 1, 500, 999, 1000] {
            let mut whole = Moments::default();
            values.iter().for_each(|v| whole.add(*v));
            let (mut a, mut b) = (Moments::default(), Moments::default());
            values[..split].iter().for_each(|v| a.add(*v));
            values[split..].iter().for_each(|v| b.add(*v));
            a.merge(&b);
            assert_eq!(a, whole);
        }
    }
}
