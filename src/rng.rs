//! The one place random streams are derived.
//!
//! # Reproducibility
//!
//! * **Trial keys.** Trial *i* of a run with seed *s* gets a 128-bit key: the
//!   64-bit words `2i` and `2i+1` of the ChaCha8 keystream seeded with
//!   `ChaCha8Rng::seed_from_u64(s)`. A chunk of consecutive trials reads its
//!   keys sequentially from one generator positioned with `set_word_pos`, so a
//!   key costs two ChaCha8 words (about 4 ns) instead of a fresh 85 ns buffer
//!   fill, and depends only on (seed, *i*) — never on threads or sharding.
//! * **Decision sub-streams.** Each decision (a crisis variable, the request,
//!   a member's vote, a member's contribution, …) has a [`StreamKey`]: a
//!   64-bit hash of its *meaning* (`"vote/russia"`, `"var/severity"`), fixed
//!   when the scenario is compiled. Its random numbers come from a
//!   [`SubStream`]: SplitMix64 started at `mix64(t0 ^ stream) ^ t1` for the
//!   trial key (t0, t1). Changing one member's rules, or reordering the file,
//!   leaves every other decision's numbers unchanged: common random numbers.
//! * **Why one mixing round.** A trial derives about 25 sub-streams. Each
//!   start state is one SplitMix64 finaliser of the stream key and the
//!   trial's first word, and every number drawn passes through a second
//!   finaliser, so two streams of one trial, whose keys differ in fixed bits,
//!   are two full mixing rounds apart. Version 0.1 mixed the start state
//!   twice; once is 8% more trials per second on kazakhstan-2022, and the
//!   tests below check uniformity and independence within and across trials.
//!
//! * **Uniforms.** A uniform is the top 52 bits of a draw over 2⁵², made
//!   with the bits of a float in [1, 2) less 1: exact, and one vector
//!   instruction where a 53-bit conversion from a 64-bit integer takes
//!   several on AVX2 (`SubStream::units` draws a block's at once).
//!   Version 0.2 took 53 bits.
//!
//! Byte-identical results are promised per platform and build: `ln`, `exp`
//! and `powf` may differ in the last bit across platforms.

use rand::{Rng, SeedableRng, TryRng};
use rand_chacha::ChaCha8Rng;
use std::convert::Infallible;

/// The algorithm recorded in outputs: how trial keys, sub-streams and
/// uniforms are made, and the samplers' revision (version 0.3 draws
/// whole-shape betas as order statistics).
pub(crate) const ALGORITHM: &str = "ChaCha8 trial keys (rand_chacha 0.10) + keyed SplitMix64 sub-streams (one-round start), 52-bit uniforms; samplers 0.3 (whole-shape beta by order statistics)";

/// The 128-bit random key of one trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrialKey(pub u64, pub u64);

/// Produces the keys of consecutive trials from a seed.
pub struct TrialKeys {
    chacha: ChaCha8Rng,
}

impl TrialKeys {
    /// Keys starting at trial `first`.
    pub fn starting_at(seed: u64, first: u64) -> TrialKeys {
        let mut chacha = ChaCha8Rng::seed_from_u64(seed);
        // Each key is two u64 words = four 32-bit words of the keystream.
        chacha.set_word_pos(u128::from(first) * 4);
        TrialKeys { chacha }
    }

    /// The key of the next trial.
    #[inline]
    pub fn next_key(&mut self) -> TrialKey {
        TrialKey(self.chacha.next_u64(), self.chacha.next_u64())
    }
}

/// The key of the trial `trial` alone (the tests' shorthand).
#[cfg(test)]
pub(crate) fn trial_key(seed: u64, trial: u64) -> TrialKey {
    TrialKeys::starting_at(seed, trial).next_key()
}

/// A stable hash of a decision's meaning, computed once at load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StreamKey(pub u64);

impl StreamKey {
    /// The key of the decision named `meaning` (FNV-1a, then a SplitMix64 finaliser).
    pub fn of(meaning: &str) -> StreamKey {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in meaning.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        StreamKey(mix64(h))
    }
}

/// What a trial draws for: the one place the stream of each decision is
/// named. Its key is [`StreamKey::of`] the name `vote/russia`, `var/need`,
/// …; renaming one changes every result that decision touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision<'a> {
    /// The host's request.
    Request,
    /// The council's result.
    Council,
    /// The choice of pool.
    Pool,
    /// A member's vote (by member id).
    Vote(&'a str),
    /// A member's decision to contribute.
    Contribute(&'a str),
    /// A member's personnel.
    Personnel(&'a str),
    /// A member's arrival day.
    Arrival(&'a str),
    /// A crisis variable's draw (by variable name).
    Variable(&'a str),
    /// An outcome metric's draws (by outcome name).
    Outcome(&'a str),
    /// `explain --find`'s condition.
    Find,
}

impl Decision<'_> {
    /// The decision's stream key.
    pub fn key(self) -> StreamKey {
        match self {
            Decision::Request => StreamKey::of("request"),
            Decision::Council => StreamKey::of("council"),
            Decision::Pool => StreamKey::of("pool"),
            Decision::Vote(id) => StreamKey::of(&format!("vote/{id}")),
            Decision::Contribute(id) => StreamKey::of(&format!("contribute/{id}")),
            Decision::Personnel(id) => StreamKey::of(&format!("personnel/{id}")),
            Decision::Arrival(id) => StreamKey::of(&format!("arrival/{id}")),
            Decision::Variable(name) => StreamKey::of(&format!("var/{name}")),
            Decision::Outcome(name) => StreamKey::of(&format!("outcome/{name}")),
            Decision::Find => StreamKey::of("explain/find"),
        }
    }
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

#[inline]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The random numbers of one decision in one trial (SplitMix64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubStream {
    state: u64,
}

impl SubStream {
    /// The sub-stream of decision `stream` in the trial with key `trial`.
    #[inline]
    pub fn new(trial: TrialKey, stream: StreamKey) -> SubStream {
        SubStream { state: mix64(trial.0 ^ stream.0) ^ trial.1 }
    }

    /// A uniform number in [0, 1) with 52 random bits.
    #[inline]
    pub(crate) fn unit(&mut self) -> f64 {
        to_unit(self.next_u64())
    }

    /// The next [`unit`](Self::unit) of each stream of `streams` in `mask`
    /// (bit *i* for `streams[i]`), in `out`, in one loop the compiler
    /// vectorises: a stream outside the mask keeps its state, and its lane
    /// of `out` is left unspecified. Lane by lane, the same numbers as
    /// `unit`.
    #[inline(always)]
    pub(crate) fn units<const N: usize>(streams: &mut [SubStream; N], mask: u64, out: &mut [f64; N]) {
        for (i, (s, o)) in streams.iter_mut().zip(out.iter_mut()).enumerate() {
            s.state = s.state.wrapping_add(GOLDEN & (mask >> i & 1).wrapping_neg());
            *o = to_unit(mix64(s.state));
        }
    }
}

/// The top 52 bits of `word` as a number in [0, 1): (word >> 12) / 2⁵²,
/// exactly.
#[inline(always)]
fn to_unit(word: u64) -> f64 {
    f64::from_bits(word >> 12 | 0x3ff0_0000_0000_0000) - 1.0
}

impl TryRng for SubStream {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_u64() >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.state = self.state.wrapping_add(GOLDEN);
        Ok(mix64(self.state))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trial_keys_depend_only_on_seed_and_index() {
        let mut seq = TrialKeys::starting_at(7, 0);
        let keys: Vec<TrialKey> = (0..10).map(|_| seq.next_key()).collect();
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(*key, trial_key(7, i as u64));
        }
        assert_ne!(trial_key(7, 3), trial_key(8, 3));
    }

    #[test]
    fn values_agree_with_an_independent_implementation() {
        // Pinned to values computed by tests/data/rng_reference.py, a Python
        // implementation of PCG32 seeding, ChaCha8, FNV-1a and SplitMix64
        // written from their specifications. A change here changes every
        // published result, and must change ALGORITHM so that `merge`
        // refuses parts drawn the old way.
        assert_eq!(trial_key(2022, 0), TrialKey(11_071_404_962_618_538_916, 18_230_130_673_146_796_666));
        assert_eq!(trial_key(2022, 37), TrialKey(3_110_731_730_267_682_327, 5_891_416_048_361_294_080));
        assert_eq!(StreamKey::of("vote/russia"), StreamKey(1_682_109_073_289_521_474));
        assert_eq!(Decision::Vote("russia").key(), StreamKey::of("vote/russia"));
        let mut request = SubStream::new(trial_key(2022, 0), StreamKey::of("request"));
        assert_eq!(request.next_u64(), 10_573_943_672_647_846_436);
        let mut s = SubStream::new(TrialKey(1, 2), StreamKey(3));
        assert_eq!([s.next_u64(), s.next_u64()], [11_032_171_404_065_780_470, 975_276_082_757_002_409]);
        let mut s = SubStream::new(TrialKey(1, 2), StreamKey(3));
        assert_eq!([s.unit(), s.unit()], [0.5980552101760288, 0.052869822384914666]);
        // The block form draws the same numbers, and leaves the streams
        // outside the mask where they were.
        let mut block = [SubStream::new(TrialKey(1, 2), StreamKey(3)), SubStream::new(TrialKey(1, 2), StreamKey(3))];
        let mut out = [0.0; 2];
        SubStream::units(&mut block, 0b01, &mut out);
        assert_eq!(out[0], 0.5980552101760288);
        SubStream::units(&mut block, 0b11, &mut out);
        assert_eq!(out, [0.052869822384914666, 0.5980552101760288]);
    }

    /// Pearson correlation of two samples.
    fn correlation(x: &[f64], y: &[f64]) -> f64 {
        let n = x.len() as f64;
        let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
        let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
        let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
        let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
        cov / (vx * vy).sqrt()
    }

    #[test]
    fn streams_are_uniform_and_independent_within_and_across_trials() {
        // Two streams whose keys differ in one bit (the hardest case for the
        // one-round start), over consecutive trials: each first draw is
        // uniform bit by bit, and no pair is correlated, each within 5
        // standard errors (bit frequency 0.5/sqrt(n), correlation 1/sqrt(n)).
        let n = 200_000usize;
        let (a, b) = (StreamKey(0x5eed), StreamKey(0x5eed ^ 1));
        let mut keys = TrialKeys::starting_at(9, 0);
        let (mut first_a, mut first_b, mut second_a) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let mut bit_ones = [0u32; 64];
        for i in 0..n {
            let key = keys.next_key();
            let mut sa = SubStream::new(key, a);
            let word = sa.next_u64();
            for (bit, ones) in bit_ones.iter_mut().enumerate() {
                *ones += u32::from(word >> bit & 1 == 1);
            }
            first_a[i] = (word >> 11) as f64;
            second_a[i] = sa.unit();
            first_b[i] = SubStream::new(key, b).unit();
        }
        let n_f = n as f64;
        for (bit, ones) in bit_ones.iter().enumerate() {
            let p = f64::from(*ones) / n_f;
            assert!((p - 0.5).abs() < 5.0 * 0.5 / n_f.sqrt(), "bit {bit} is set in {p} of first draws");
        }
        let limit = 5.0 / n_f.sqrt();
        let pairs = [
            ("two streams of a trial", correlation(&first_a, &first_b)),
            ("first and second draw of a stream", correlation(&first_a, &second_a)),
            ("a stream in consecutive trials", correlation(&first_a[1..], &first_a[..n - 1])),
        ];
        for (what, r) in pairs {
            assert!(r.abs() < limit, "{what}: correlation {r}");
        }
    }

    #[test]
    fn unit_draws_have_the_uniform_mean() {
        let mut s = SubStream::new(trial_key(1, 1), StreamKey::of("x"));
        let n = 100_000;
        let mean = (0..n).map(|_| s.unit()).sum::<f64>() / f64::from(n);
        // SE of the mean of U(0,1) is sqrt(1/12/n) ≈ 0.00091; 5σ ≈ 0.0046.
        assert!((mean - 0.5).abs() < 0.0046, "mean {mean}");
    }
}
