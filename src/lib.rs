//! alliance-sim: a Monte Carlo simulator of how a military alliance (the
//! CSTO, by default) answers a crisis.
//!
//! The data's path, one module per stage:
//!
//! 1. [`scenario`] — YAML files (with `extends:` and `--set`) → a validated,
//!    compiled [`scenario::Scenario`], with located diagnostics.
//! 2. [`rules`] — the expression language and rule sets the scenario compiles to.
//! 3. [`rng`] — the one place random streams are derived from (seed, trial).
//! 4. [`engine`] — one trial: draw → request → council → pool → contributions
//!    → deployment → outcomes. No I/O, no allocation, no strings.
//! 5. [`batch`] — many trials in fixed chunks on rayon, merged in order.
//! 6. [`stats`] — streaming, mergeable, integer statistics and the summary.
//! 7. [`analysis`] — what a command computes (a run, a comparison, a sweep,
//!    a tornado) as functions of plain plans, watched through a `Monitor`.
//! 8. [`report`] — results as tables, JSON, CSV, Markdown or HTML.
//!
//! The command line lives in [`app`] and [`cli`], behind the default `cli`
//! feature: it turns arguments into plans and results into output; with `default-features = false` the library builds without
//! clap and the terminal crates, for programs that embed the engine.
//!
//! # Reproducibility
//!
//! Trial *i*'s random numbers depend only on (seed, *i*), so results are
//! byte-identical for any thread count, on a given platform and build.
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod analysis;
#[cfg(feature = "cli")]
pub mod app;
pub mod batch;
#[cfg(feature = "cli")]
pub mod cli;
pub(crate) mod dist;
pub mod engine;
pub mod explain;
pub(crate) mod input;
#[cfg(feature = "cli")]
pub(crate) mod output;
pub(crate) mod records;
pub mod report;
pub mod rng;
pub mod rules;
pub mod scenario;
pub mod shard;
pub mod stats;
pub(crate) mod suggest;
pub(crate) mod text;
pub(crate) mod vocabulary;
