//! Instruction sets chosen at run time (issues #37 and #38).
//!
//! The crate is compiled for the x86-64 baseline, so one binary (and one
//! Python wheel) runs on every x86-64 CPU. The block engine's lane loops —
//! where vector width pays — go through [`dispatch`], which runs them in a
//! copy compiled for the widest instruction set the CPU has: x86-64-v4
//! (AVX-512), x86-64-v3 (AVX2 and FMA) or the baseline (SSE2). The level is
//! read once, from the CPU, and may be lowered with the environment
//! variable `ALLIANCE_SIM_CPU` (`x86-64`, `x86-64-v3`, `x86-64-v4`) to
//! compare the paths; a level the CPU lacks is never used.
//!
//! # Invariant
//!
//! Every level computes the same bits: Rust never contracts a multiply and
//! an add into a fused one on its own, and integer and IEEE arithmetic do
//! not depend on the vector width. `.ci/run` compares each level's JSON for
//! every bundled scenario, and under an emulated older CPU.

use std::sync::OnceLock;

/// An instruction-set level, as the x86-64 micro-architecture levels name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// x86-64 with SSE2: every x86-64 CPU.
    Baseline,
    /// x86-64-v3: AVX2, FMA, BMI2 (Intel since 2013, AMD since 2015).
    V3,
    /// x86-64-v4: AVX-512 F, DQ, CD, BW and VL.
    V4,
}

impl Level {
    /// The level's name, as `-C target-cpu` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Baseline => "x86-64",
            Level::V3 => "x86-64-v3",
            Level::V4 => "x86-64-v4",
        }
    }

    fn named(name: &str) -> Option<Level> {
        [Level::Baseline, Level::V3, Level::V4].into_iter().find(|l| l.name() == name.trim())
    }
}

/// The environment variable that lowers the level (for tests and benchmarks).
pub const LEVEL_VARIABLE: &str = "ALLIANCE_SIM_CPU";

/// The level the engine's lane loops run at: the CPU's, or lower if
/// [`LEVEL_VARIABLE`] asks for a lower one.
pub fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        let detected = detected();
        match std::env::var(LEVEL_VARIABLE).ok().as_deref().and_then(Level::named) {
            Some(asked) => asked.min(detected),
            None => detected,
        }
    })
}

/// The widest level this CPU supports.
pub fn detected() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        macro_rules! has {
            ($($feature:tt),*) => { true $(&& std::is_x86_feature_detected!($feature))* };
        }
        let v3 = has!("avx", "avx2", "fma", "bmi1", "bmi2", "lzcnt", "movbe", "popcnt", "f16c", "sse4.2", "ssse3");
        let v4 = v3 && has!("avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl");
        if v4 {
            Level::V4
        } else if v3 {
            Level::V3
        } else {
            Level::Baseline
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    Level::Baseline
}

/// Runs `f` compiled for [`level`]: `f` is inlined into a copy of this
/// function built for that instruction set, and so are the functions it
/// calls that LLVM inlines. Called from three places, `f` is inlined only
/// when forced: write it `#[inline(always)] || …`, and mark the functions
/// it calls that do the work `#[inline(always)]` too (a function that is
/// not inlined runs at the baseline).
///
/// ```
/// let lanes = [1.0f64; 64];
/// let sum: f64 = alliance_sim::cpu::dispatch(#[inline(always)] || lanes.iter().sum());
/// assert_eq!(sum, 64.0);
/// ```
#[inline(always)]
pub fn dispatch<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    match level() {
        // SAFETY: `level` is never above what the CPU was found to support.
        Level::V4 => unsafe { v4(f) },
        Level::V3 => unsafe { v3(f) },
        Level::Baseline => f(),
    }
    #[cfg(not(target_arch = "x86_64"))]
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(
    enable = "avx,avx2,fma,bmi1,bmi2,lzcnt,movbe,popcnt,f16c,sse3,ssse3,sse4.1,sse4.2,avx512f,avx512dq,avx512cd,avx512bw,avx512vl"
)]
fn v4<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx,avx2,fma,bmi1,bmi2,lzcnt,movbe,popcnt,f16c,sse3,ssse3,sse4.1,sse4.2")]
fn v3<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_named_as_target_cpu_names_them() {
        for level in [Level::Baseline, Level::V3, Level::V4] {
            assert_eq!(Level::named(level.name()), Some(level));
        }
        assert_eq!(Level::named("haswell"), None);
        assert!(level() <= detected());
    }

    #[test]
    fn dispatch_returns_what_the_function_computes() {
        let lanes: [f64; 64] = std::array::from_fn(|i| i as f64 * 0.1);
        let sum = dispatch(|| lanes.iter().map(|x| x * 3.0 + 1.0).sum::<f64>());
        assert_eq!(sum, lanes.iter().map(|x| x * 3.0 + 1.0).sum::<f64>());
    }
}
