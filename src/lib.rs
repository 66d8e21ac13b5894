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
//! feature: it turns arguments into plans and results into output. The
//! classroom studio (`alliance-sim serve`), a web server on the surface
//! below, is `studio` (feature `studio`, part of `cli`). With
//! `default-features = false` the library builds without clap, the
//! terminal crates, axum and tokio, for programs that embed the engine.
//!
//! # The surface to build on
//!
//! A program that embeds the engine (the Python package, the studio's web
//! server) needs only these: [`scenario::load`] with a
//! [`scenario::Source`] and [`scenario::Override`]s (errors are located
//! [`scenario::Diagnostic`]s); the analyses of [`analysis`] with their
//! plans and a [`analysis::Monitor`]; the results of [`stats`]
//! ([`stats::summary::summarise`], `Comparison`, `Sweep`, `Sensitivity`),
//! drawn by [`report`] ([`report::Render`], [`report::html`]); one trial's
//! story from [`explain`]; per-trial records as Arrow batches from
//! [`records`]; shard parts from [`shard`]. The Python package
//! (`python/`) stands on exactly this surface. The lower layers
//! ([`rules`], [`engine`], [`rng`], [`batch`]) stay public for the
//! integration tests, benchmarks and fuzzers that exercise the expression
//! language and single trials; their items may change in any release.
//! Modules the crate alone uses are private.
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
pub mod cpu;
pub(crate) mod dist;
pub mod engine;
pub mod explain;
pub(crate) mod input;
#[cfg(feature = "cli")]
pub(crate) mod output;
pub mod profile;
pub mod records;
pub mod report;
pub mod rng;
pub mod rules;
pub mod scenario;
pub mod shard;
pub mod stats;
#[cfg(feature = "studio")]
pub mod studio;
pub(crate) mod suggest;
pub(crate) mod text;
pub(crate) mod vocabulary;
