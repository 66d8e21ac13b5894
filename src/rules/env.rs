//! What an expression can read while a trial runs: the scenario's fixed
//! tables ([`Statics`]) and the trial's state so far ([`Frame`]).
//!
//! Both are index-addressed: names were turned into slots when the scenario
//! was compiled, so evaluation looks up no strings.

/// Fixed facts of a compiled scenario, laid out for evaluation.
#[derive(Debug, Clone, Default)]
pub struct Statics {
    /// Member attributes: `attrs[member * n_attrs + attr]` (booleans are 0/1).
    pub attrs: Vec<f64>,
    /// Number of attribute slots.
    pub n_attrs: usize,
    /// Pledges: `pledges[member * n_pools + pool]` (personnel).
    pub pledges: Vec<f64>,
    /// Number of pools.
    pub n_pools: usize,
    /// Pool caps (personnel).
    pub pool_caps: Vec<f64>,
    /// Interned string id of each pool's id.
    pub pool_names: Vec<f64>,
    /// Interned string id of each member's id.
    pub member_names: Vec<f64>,
    /// Deployment lead time of each member (days).
    pub lead_times: Vec<f64>,
    /// Index of the host member.
    pub host: usize,
    /// Index of the chair.
    pub chair: usize,
    /// Number of active members.
    pub members_active: f64,
    /// Interned string id of the crisis kind.
    pub crisis_kind: f64,
}

/// Trial state that expressions can read, by slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum Field {
    // The fields the request and the council set come first, up to and
    // including `Outcome`: lockstep copies them as one slice
    // (`engine::Start::Decided`).
    /// Whether the host requested aid (0/1).
    Requested,
    /// Members voting support.
    VotesSupport,
    /// Members abstaining.
    VotesAbstain,
    /// Members blocking.
    VotesBlock,
    /// Members who voted.
    VotesCast,
    /// Days the council took.
    DecisionDays,
    /// The outcome class so far (interned string id).
    Outcome,
    /// Personnel the crisis needs.
    Need,
    /// The chosen pool (interned string id; -1 when none).
    Pool,
    /// The chosen pool's cap.
    PoolCap,
    /// Members who have committed personnel so far.
    Contributors,
    /// Personnel committed so far.
    CommittedTotal,
    /// Personnel deployed (after the cap).
    Deployed,
    /// Personnel trimmed at the cap.
    Trimmed,
    /// Need minus deployed, when positive.
    Shortfall,
    /// Days from the crisis to the first arrival.
    FirstArrival,
    /// Days from the crisis to full strength.
    FullStrength,
}

/// Number of [`Field`] slots.
pub(crate) const N_FIELDS: usize = Field::FullStrength as usize + 1;

pub use crate::vocabulary::vote;

/// The trial state, reused across trials (allocated once per worker).
#[derive(Debug, Clone)]
pub struct Frame {
    /// Crisis variables, then outcome metrics, by slot.
    pub vars: Vec<f64>,
    /// Scalar fields by [`Field`].
    pub fields: [f64; N_FIELDS],
    /// Each member's vote code.
    pub votes: Vec<u8>,
    /// Personnel each member committed (before the cap).
    pub committed: Vec<f64>,
    /// Each member's arrival day (NaN when not contributing).
    pub arrival: Vec<f64>,
    /// The chosen pool index (usize::MAX when none).
    pub pool: usize,
    /// Quantities the engine forced into range this trial, one bit each
    /// (see `engine::forced`).
    pub forced: u8,
}

impl Frame {
    /// A frame sized for a scenario.
    pub fn new(n_vars: usize, n_members: usize) -> Frame {
        Frame {
            vars: vec![0.0; n_vars],
            fields: [0.0; N_FIELDS],
            votes: vec![vote::NONE; n_members],
            committed: vec![0.0; n_members],
            arrival: vec![f64::NAN; n_members],
            pool: usize::MAX,
            forced: 0,
        }
    }

    /// Clears the state for the next trial (no allocation).
    pub(crate) fn reset(&mut self) {
        self.fields = [0.0; N_FIELDS];
        self.fields[Field::Pool as usize] = -1.0;
        // No arrival until someone arrives: "never" reads as NaN.
        self.fields[Field::FirstArrival as usize] = f64::NAN;
        self.fields[Field::FullStrength as usize] = f64::NAN;
        self.votes.fill(vote::NONE);
        self.committed.fill(0.0);
        self.arrival.fill(f64::NAN);
        self.pool = usize::MAX;
        self.forced = 0;
    }

    /// Reads a field.
    #[inline]
    pub fn get(&self, field: Field) -> f64 {
        self.fields[field as usize]
    }

    /// Writes a field.
    #[inline]
    pub fn set(&mut self, field: Field, value: f64) {
        self.fields[field as usize] = value;
    }
}

/// Everything an evaluation reads: the fixed tables, the trial so far, and
/// the member the rule is about (for `member.*`).
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// Fixed tables.
    pub statics: &'a Statics,
    /// The trial so far.
    pub frame: &'a Frame,
    /// The member in scope (0 when none; the checker forbids `member.*` there).
    pub member: usize,
}
