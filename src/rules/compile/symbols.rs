//! What a scenario declares for expressions to read, and where an
//! expression runs.

use std::collections::BTreeMap;

use crate::rules::env::Statics;
use crate::rules::program::Type;

/// The pipeline stages, in order. A name set at one stage can be read by
/// expressions of that stage and later ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Drawing the crisis variables.
    Variables,
    /// The host's request.
    Request,
    /// Each member's vote.
    Vote,
    /// The council's result (mission-only, fallback, days to decide).
    Council,
    /// Sizing the need and choosing the pool.
    Pool,
    /// Each member's contribution.
    Contribute,
    /// Outcome metrics.
    Outcome,
}

impl Stage {
    /// The stage's name in messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Stage::Variables => "the crisis variables",
            Stage::Request => "the request rules",
            Stage::Vote => "the vote rules",
            Stage::Council => "the council rules",
            Stage::Pool => "the pool rules",
            Stage::Contribute => "the contribution rules",
            Stage::Outcome => "the outcomes",
        }
    }
}

/// A named crisis variable or outcome.
#[derive(Debug, Clone)]
pub struct VarSymbol {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// The stage from which it is known.
    pub stage: Stage,
}

/// The names a scenario declares, and its string table.
#[derive(Debug, Clone, Default)]
pub struct Symbols {
    /// Crisis variables then outcomes; the slot is the index.
    pub vars: Vec<VarSymbol>,
    /// Member ids; the member index is the position.
    pub members: Vec<String>,
    /// Attribute names and types; the slot is the index.
    pub attrs: Vec<(String, Type)>,
    /// Pool ids; the pool index is the position.
    pub pools: Vec<String>,
    /// Interned strings; the id is the index.
    pub strings: Vec<String>,
    /// Names declared further down (while variables compile), for a clear
    /// message when one is used too early.
    pub pending: Vec<String>,
    /// Facts fixed for the whole scenario, once known: reads of them then
    /// compile to constants (see [`Facts`]).
    pub facts: Option<Facts>,
    /// The labels each categorical crisis variable can take, by its name.
    pub labels: BTreeMap<String, Vec<String>>,
}

/// What a compiled scenario fixes before any trial: the tables, and the
/// crisis variables whose value never varies. With these, `member.alignment`
/// for a known member, `crisis.kind` or a fixed variable compile to
/// constants, and constant folding removes what they decide.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The scenario's tables.
    pub statics: Statics,
    /// Each variable slot's value when it is a constant.
    pub fixed_vars: Vec<Option<f64>>,
    /// The chosen pool, when compiling for the stages after the choice
    /// (so `pool`, `pool_cap` and `member.pledge` are known).
    pub pool: Option<usize>,
}

impl Symbols {
    /// The interned id of `text`, adding it when new.
    pub fn intern(&mut self, text: &str) -> f64 {
        let index = match self.strings.iter().position(|s| s == text) {
            Some(i) => i,
            None => {
                self.strings.push(text.to_string());
                self.strings.len() - 1
            }
        };
        index as f64
    }
}

/// Where an expression runs.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    /// The pipeline stage.
    pub stage: Stage,
    /// Whether `member.*` means something here.
    pub member: bool,
    /// How many variable slots are visible (variables see only earlier ones).
    pub visible_vars: usize,
    /// The member `member.*` refers to, when the program is compiled for one.
    pub member_index: Option<usize>,
}
