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
    /// Personnel pledged to each pool by the members that may contribute.
    pub pool_pledged: Vec<f64>,
    /// Interned string id of each pool's id.
    pub pool_names: Vec<f64>,
    /// Interned string id of each member's id.
    pub member_names: Vec<f64>,
    /// Whether each member is active (1) or not (0).
    pub active: Vec<f64>,
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
    /// Personnel pledged to the chosen pool by the members that may
    /// contribute (active; the host only with `host_contributes`).
    PoolPledged,
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

    /// The fields before a trial: no pool (-1), and no arrival until
    /// someone arrives ("never" reads as NaN); the rest 0.
    pub(crate) const EMPTY_FIELDS: [f64; N_FIELDS] = {
        let mut fields = [0.0; N_FIELDS];
        fields[Field::Pool as usize] = -1.0;
        fields[Field::FirstArrival as usize] = f64::NAN;
        fields[Field::FullStrength as usize] = f64::NAN;
        fields
    };

    /// Clears the state for the next trial (no allocation).
    pub(crate) fn reset(&mut self) {
        self.fields = Frame::EMPTY_FIELDS;
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

/// What a load or the statistics read of a trial: one trial's [`Frame`],
/// or one lane of a [`Block`]. Both engines are read through it, so a load
/// means the same in each, and a block's lanes are folded in place.
pub trait TrialState {
    /// A crisis variable or outcome metric.
    fn var(&self, slot: usize) -> f64;
    /// A scalar field.
    fn field(&self, field: Field) -> f64;
    /// A member's vote code.
    fn vote(&self, member: usize) -> u8;
    /// Personnel a member committed.
    fn committed(&self, member: usize) -> f64;
    /// The chosen pool's index (usize::MAX when none).
    fn pool(&self) -> usize;
    /// Quantities forced into range (see `engine::forced`).
    fn forced(&self) -> u8;
}

impl TrialState for Frame {
    #[inline(always)]
    fn var(&self, slot: usize) -> f64 {
        self.vars[slot]
    }
    #[inline(always)]
    fn field(&self, field: Field) -> f64 {
        self.get(field)
    }
    #[inline(always)]
    fn vote(&self, member: usize) -> u8 {
        self.votes[member]
    }
    #[inline(always)]
    fn committed(&self, member: usize) -> f64 {
        self.committed[member]
    }
    #[inline(always)]
    fn pool(&self) -> usize {
        self.pool
    }
    #[inline(always)]
    fn forced(&self) -> u8 {
        self.forced
    }
}

/// Trials a [`Block`] holds side by side.
pub const LANES: usize = 64;

/// One bit per lane of a block (bit i = lane i).
pub type Mask = u64;

/// One value per lane of a block.
pub type Lanes = [f64; LANES];

/// The states of [`LANES`] trials, field by field (a [`Frame`] per lane,
/// turned inside out), so that one rule is applied to every trial of the
/// block in one loop: the block engine's state (`engine::block`).
#[derive(Debug, Clone)]
pub struct Block {
    /// Crisis variables, then outcome metrics, by slot.
    pub vars: Vec<Lanes>,
    /// Scalar fields by [`Field`].
    pub fields: [Lanes; N_FIELDS],
    /// Each member's vote codes.
    pub votes: Vec<[u8; LANES]>,
    /// Personnel each member committed (before the cap).
    pub committed: Vec<Lanes>,
    /// Each member's arrival day (NaN when not contributing).
    pub arrival: Vec<Lanes>,
    /// The chosen pool index (usize::MAX when none).
    pub pool: [usize; LANES],
    /// Quantities forced into range, per lane (see `engine::forced`).
    pub forced: [u8; LANES],
}

impl Block {
    /// A block sized for a scenario.
    pub fn new(n_vars: usize, n_members: usize) -> Block {
        let mut block = Block {
            vars: vec![[0.0; LANES]; n_vars],
            fields: [[0.0; LANES]; N_FIELDS],
            votes: vec![[vote::NONE; LANES]; n_members],
            committed: vec![[0.0; LANES]; n_members],
            arrival: vec![[f64::NAN; LANES]; n_members],
            pool: [usize::MAX; LANES],
            forced: [0; LANES],
        };
        block.reset();
        block
    }

    /// Clears every lane as [`Frame::reset`] clears a frame.
    #[inline(always)]
    pub(crate) fn reset(&mut self) {
        for (lanes, value) in self.fields.iter_mut().zip(Frame::EMPTY_FIELDS) {
            lanes.fill(value);
        }
        self.votes.iter_mut().for_each(|v| v.fill(vote::NONE));
        self.committed.iter_mut().for_each(|c| c.fill(0.0));
        self.arrival.iter_mut().for_each(|a| a.fill(f64::NAN));
        self.pool.fill(usize::MAX);
        self.forced.fill(0);
    }

    /// Lane `lane`'s state as a frame (the statistics and the records read frames).
    pub fn copy_to(&self, lane: usize, frame: &mut Frame) {
        for (to, from) in frame.vars.iter_mut().zip(&self.vars) {
            *to = from[lane];
        }
        for (to, from) in frame.fields.iter_mut().zip(&self.fields) {
            *to = from[lane];
        }
        for (to, from) in frame.votes.iter_mut().zip(&self.votes) {
            *to = from[lane];
        }
        for (to, from) in frame.committed.iter_mut().zip(&self.committed) {
            *to = from[lane];
        }
        for (to, from) in frame.arrival.iter_mut().zip(&self.arrival) {
            *to = from[lane];
        }
        frame.pool = self.pool[lane];
        frame.forced = self.forced[lane];
    }

    /// A view of lane `lane`, read as one trial.
    #[inline(always)]
    pub fn lane(&self, lane: usize) -> Lane<'_> {
        Lane { block: self, lane }
    }
}

/// One lane of a block, read as one trial's state.
#[derive(Clone, Copy)]
pub struct Lane<'a> {
    block: &'a Block,
    lane: usize,
}

impl TrialState for Lane<'_> {
    #[inline(always)]
    fn var(&self, slot: usize) -> f64 {
        self.block.vars[slot][self.lane]
    }
    #[inline(always)]
    fn field(&self, field: Field) -> f64 {
        self.block.fields[field as usize][self.lane]
    }
    #[inline(always)]
    fn vote(&self, member: usize) -> u8 {
        self.block.votes[member][self.lane]
    }
    #[inline(always)]
    fn committed(&self, member: usize) -> f64 {
        self.block.committed[member][self.lane]
    }
    #[inline(always)]
    fn pool(&self) -> usize {
        self.block.pool[self.lane]
    }
    #[inline(always)]
    fn forced(&self) -> u8 {
        self.block.forced[self.lane]
    }
}

/// What a lane-wise evaluation reads: the fixed tables, the block of trials
/// so far, and the member in scope.
#[derive(Clone, Copy)]
pub struct LaneEnv<'a> {
    /// Fixed tables.
    pub statics: &'a Statics,
    /// The trials so far.
    pub block: &'a Block,
    /// The member in scope (0 when none).
    pub member: usize,
}
