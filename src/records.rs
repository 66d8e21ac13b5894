//! Per-trial records (`run --trials-out FILE.csv`): one CSV row per trial,
//! streamed to disk chunk by chunk in trial order, never held whole.
//!
//! Columns (a contract, see the README): `trial, outcome, need, pool,
//! deployed, shortfall, trimmed, first_arrival, full_strength, decision_days`,
//! then one column per member (its id) with the personnel it deployed (0
//! when none), then one per outcome metric (its name). Days are empty when
//! undefined (no arrival; no request).

use std::io::Write;

use crate::rules::env::{Field, Frame};
use crate::scenario::model::{Scenario, class};

/// The fixed leading columns.
pub const FIXED_COLUMNS: [&str; 10] = [
    "trial",
    "outcome",
    "need",
    "pool",
    "deployed",
    "shortfall",
    "trimmed",
    "first_arrival",
    "full_strength",
    "decision_days",
];

/// The header line for a scenario.
pub fn header(s: &Scenario) -> Vec<u8> {
    let mut columns: Vec<&str> = FIXED_COLUMNS.to_vec();
    columns.extend(s.members.iter().map(|m| m.id.as_str()));
    columns.extend(s.outcomes.iter().map(|o| o.name.as_str()));
    let mut line = columns.join(",").into_bytes();
    line.push(b'\n');
    line
}

fn number(out: &mut Vec<u8>, x: f64) {
    if !x.is_nan() {
        let _ = write!(out, "{x}");
    }
}

/// Appends trial `i`'s row.
pub fn append(out: &mut Vec<u8>, s: &Scenario, i: u64, frame: &Frame) {
    let cls = (frame.get(Field::Outcome) as usize).min(3);
    let deploy = cls == usize::from(class::DEPLOY);
    let _ = write!(out, "{i},{},", class::NAMES[cls]);
    number(out, frame.get(Field::Need));
    out.push(b',');
    if deploy && let Some(p) = s.pools.get(frame.pool) {
        out.extend_from_slice(p.id.as_bytes());
    }
    for field in [Field::Deployed, Field::Shortfall, Field::Trimmed, Field::FirstArrival, Field::FullStrength] {
        out.push(b',');
        if deploy {
            number(out, frame.get(field));
        } else if matches!(field, Field::Deployed | Field::Trimmed) {
            out.push(b'0');
        }
    }
    out.push(b',');
    if frame.get(Field::Requested) != 0.0 {
        number(out, frame.get(Field::DecisionDays));
    }
    for personnel in &frame.committed {
        out.push(b',');
        number(out, if deploy { *personnel } else { 0.0 });
    }
    for o in &s.outcomes {
        out.push(b',');
        number(out, frame.vars[o.slot]);
    }
    out.push(b'\n');
}
