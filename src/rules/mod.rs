//! The rule language: expressions ([`parser`] → [`compile`] → [`program`])
//! and rule sets ([`ruleset`]), evaluated against [`env`].

pub mod closures;
pub mod compile;
pub mod env;
pub mod parser;
pub mod program;
pub mod ruleset;
