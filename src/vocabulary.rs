//! The shared vocabulary: the words and numbers every layer agrees on —
//! outcome classes, vote codes and their names, crisis kinds, and the
//! limits a scenario must respect. It depends on nothing, so the rule
//! language, the scenario loader, the engine and the statistics can all
//! read it without any of them importing another.

/// The limits a scenario must respect (each refused at load with a message).
pub mod limits {
    /// Members in one scenario (rule scopes are 64-bit masks).
    pub const MEMBERS: usize = 64;
    /// Pools.
    pub const POOLS: usize = 16;
    /// Crisis variables plus outcomes.
    pub const VARIABLES: usize = 256;
    /// Crisis variables under `correlate:` (their scores live on the stack).
    pub const CORRELATED: usize = 16;
    /// Rules in the whole scenario.
    pub const RULES: usize = 2048;
    /// Attributes per member.
    pub const ATTRIBUTES: usize = 128;
    /// Largest pool cap or pledge, in personnel.
    pub const PERSONNEL: f64 = 10_000_000.0;
    /// Length of an `extends:` chain.
    pub const EXTENDS_CHAIN: usize = 16;
    /// Largest need recorded, in personnel (larger needs saturate here).
    pub const NEED: f64 = 1.0e15;
    /// Largest number of days recorded (longer times saturate here).
    pub const DAYS: f64 = 1_000_000.0;
}

/// Vote codes in `Frame::votes`.
pub mod vote {
    /// Did not vote (not active, or no council).
    pub const NONE: u8 = 0;
    /// Supported deployment.
    pub const SUPPORT: u8 = 1;
    /// Abstained.
    pub const ABSTAIN: u8 = 2;
    /// Blocked.
    pub const BLOCK: u8 = 3;
    /// Names, by code: the values `member.vote` takes.
    pub const NAMES: [&str; 4] = ["none", "support", "abstain", "block"];
}

/// The kinds of crisis a scenario may name (`crisis.kind`).
pub const CRISIS_KINDS: [&str; 5] =
    ["external_aggression", "internal_unrest", "border_clash", "hybrid", "intra_member"];

/// The interned ids of the outcome classes.
pub mod class {
    /// The host did not request aid.
    pub const NO_REQUEST: u8 = 0;
    /// The council refused.
    pub const REFUSED: u8 = 1;
    /// Only a non-military response.
    pub const NON_MILITARY: u8 = 2;
    /// Troops deployed.
    pub const DEPLOY: u8 = 3;
    /// Names, by id.
    pub const NAMES: [&str; 4] = ["no_request", "refused", "non_military", "deploy"];

    const fn bit(class: u8) -> u8 {
        1 << class
    }

    /// The funnel's stages, each the set of outcome classes (a bit per
    /// class) in which a trial reached it. Everything that reports or
    /// compares the funnel reads it from here.
    pub const STAGES: [(&str, u8); 5] = [
        ("request", bit(REFUSED) | bit(NON_MILITARY) | bit(DEPLOY)),
        ("invoked", bit(NON_MILITARY) | bit(DEPLOY)),
        ("deploy", bit(DEPLOY)),
        ("non_military", bit(NON_MILITARY)),
        ("refused", bit(REFUSED)),
    ];

    /// The class called `name`, as an index into [`NAMES`].
    pub fn index(name: &str) -> Option<usize> {
        NAMES.iter().position(|n| *n == name)
    }

    /// The classes of the stage called `name`.
    pub fn stage(name: &str) -> Option<u8> {
        STAGES.iter().find(|(n, _)| *n == name).map(|(_, mask)| *mask)
    }

    /// Trials in the classes of `mask`, from counts by class.
    pub fn count(mask: u8, by_class: &[u64; 4]) -> u64 {
        (0..4).filter(|c| mask & bit(*c as u8) != 0).map(|c| by_class[c]).sum()
    }
}

/// Quantities the engine forces into range when an expression gives
/// nonsense, one bit each in `Frame::forced`. The batch counts them and a
/// run says on stderr how often each happened, so that a clamp never
/// changes results silently.
pub mod forced {
    /// The need was not a number (it counts as 0).
    pub const NEED_NAN: u8 = 1 << 0;
    /// The need was negative (it counts as 0).
    pub const NEED_NEGATIVE: u8 = 1 << 1;
    /// The need was above 10¹⁵ or infinite (it saturates there).
    pub const NEED_SATURATED: u8 = 1 << 2;
    /// The council's days were not a number, negative or above 10⁶.
    pub const DECISION_DAYS: u8 = 1 << 3;
    /// A member's arrival day was not a number, negative or above 10⁶.
    pub const ARRIVAL_DAY: u8 = 1 << 4;
    /// A member's personnel were not a number or negative (they count as 0).
    pub const PERSONNEL: u8 = 1 << 5;
    /// An outcome metric was not a number (skipped) or beyond ±2·10⁹ (saturated).
    pub const OUTCOME: u8 = 1 << 6;
    /// A rule set's base or a rule gave a value that is not a number (it counts as 0).
    pub const RULE_SET: u8 = 1 << 7;
    /// How many kinds there are.
    pub const KINDS: usize = 8;
    /// What each bit means, for messages, and which expression gave it.
    pub const MEANINGS: [(&str, &str); KINDS] = [
        ("decisions.pool.need", "was not a number and counted as 0"),
        ("decisions.pool.need", "was negative and counted as 0"),
        ("decisions.pool.need", "was above 10¹⁵ (or infinite) and saturated at 10¹⁵"),
        ("decisions.council.days", "was not a number or outside 0 to 10⁶ days and was clamped"),
        ("decisions.contribute.arrival_day", "was not a number or outside 0 to 10⁶ days and was clamped"),
        ("decisions.contribute.personnel", "was not a number or negative and counted as 0"),
        ("outcomes", "was not a number (skipped) or beyond ±2·10⁹ (saturated)"),
        ("a rule set under decisions", "gave a value that is not a number, which counted as 0"),
    ];
}
