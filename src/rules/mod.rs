//! The rule language: expressions ([`parser`] → [`compile`] → [`program`],
//! whose instructions are [`ops`], evaluated by `closures` one trial at a
//! time or by [`lanes`] a block of trials at a time) and rule sets
//! ([`ruleset`]), evaluated against `env`.

pub(crate) mod closures;
pub mod compile;
pub mod env;
pub mod lanes;
pub mod ops;
pub mod parser;
pub mod program;
pub mod ruleset;
