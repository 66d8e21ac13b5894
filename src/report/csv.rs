//! The CSV layouts (contracts documented in docs/exports.md).
//!
//! Every layout is "long": one row per number with the columns that say what
//! it is, so pandas or R can pivot it as they like. Numbers are written in
//! the shortest form that reads back to the same `f64`; a missing value
//! (NaN) is an empty field.

use crate::stats::Proportion;
use crate::stats::summary::{Estimate, Percentiles, Summary};

/// Header of the summary layout. `value` is always a number (or empty);
/// the metadata's text goes in `text`, so that pandas reads `value` as
/// floats without a conversion.
pub const SUMMARY_HEADER: [&str; 9] = ["section", "item", "measure", "value", "se", "lo", "hi", "n", "text"];

/// A CSV document being written.
pub struct Rows {
    writer: csv::Writer<Vec<u8>>,
    /// Whether number rows end with an empty `text` field.
    text_column: bool,
}

/// A number as a CSV field.
pub fn field(x: f64) -> String {
    if x.is_nan() { String::new() } else { format!("{x}") }
}

impl Rows {
    /// A document with this header.
    pub fn new(header: &[&str]) -> Rows {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record(header);
        Rows { writer, text_column: header.last() == Some(&"text") }
    }

    /// Any row.
    pub fn row<I: AsRef<[u8]>>(&mut self, fields: impl IntoIterator<Item = I>) {
        let _ = self.writer.write_record(fields);
    }

    /// A row of the summary layout from its leading labels and numbers.
    fn numbers(&mut self, labels: &[&str], value: f64, se: f64, lo: f64, hi: f64, n: Option<u64>) {
        let mut fields: Vec<String> = labels.iter().map(|s| (*s).to_string()).collect();
        fields.extend([field(value), field(se), field(lo), field(hi), n.map(|n| n.to_string()).unwrap_or_default()]);
        if self.text_column {
            fields.push(String::new());
        }
        self.row(fields);
    }

    /// A proportion (value, no se, Wilson interval, n).
    pub fn proportion(&mut self, labels: &[&str], p: &Proportion) {
        self.numbers(labels, p.p, f64::NAN, p.lo, p.hi, Some(p.n));
    }

    /// A mean with its standard error and interval.
    pub fn estimate(&mut self, labels: &[&str], e: &Estimate) {
        self.numbers(labels, e.mean, e.se, e.lo, e.hi, Some(e.n));
    }

    /// A bare number.
    pub fn value(&mut self, labels: &[&str], x: f64) {
        self.numbers(labels, x, f64::NAN, f64::NAN, f64::NAN, None);
    }

    /// Percentiles as six rows whose measure ends in `_p5` … `_max`.
    pub fn percentiles(&mut self, section: &str, item: &str, measure: &str, p: &Percentiles) {
        for (suffix, x) in
            [("p5", p.p5), ("p25", p.p25), ("p50", p.p50), ("p75", p.p75), ("p95", p.p95), ("max", p.max)]
        {
            self.value(&[section, item, &format!("{measure}_{suffix}")], x);
        }
    }

    /// The finished text.
    pub fn finish(self) -> String {
        let bytes = self.writer.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

/// The summary as CSV (layout [`SUMMARY_HEADER`]).
pub fn render(s: &Summary) -> String {
    let mut rows = Rows::new(&SUMMARY_HEADER);
    let m = &s.meta;
    for (k, v) in [
        ("scenario", m.scenario.clone()),
        ("origin", m.origin.clone()),
        ("scenario_hash", m.scenario_hash.clone()),
        ("seed", m.seed.to_string()),
        ("trials", m.trials.to_string()),
        ("tool_version", m.tool_version.clone()),
        ("rng", m.rng.clone()),
        ("overrides", m.overrides.join(" ")),
    ] {
        rows.row(["meta", k, "text", "", "", "", "", "", &v]);
    }
    let f = &s.funnel;
    for (item, p) in [
        ("request", &f.request),
        ("invoked", &f.invoked),
        ("deploy", &f.deploy),
        ("non_military", &f.non_military),
        ("refused", &f.refused),
    ] {
        rows.proportion(&["funnel", item, "probability"], p);
    }
    let d = &s.deployment;
    rows.estimate(&["deployment", "deployed", "mean_given_deploy"], &d.personnel);
    rows.percentiles("deployment", "deployed", "given_deploy", &d.percentiles);
    rows.estimate(&["deployment", "deployed", "mean_per_trial"], &d.per_trial);
    rows.estimate(&["deployment", "need", "mean"], &d.need);
    rows.percentiles("deployment", "need", "all", &d.need_percentiles);
    rows.proportion(&["deployment", "need", "above_smallest_cap"], &d.need_above_smallest_cap);
    rows.proportion(&["deployment", "need", "above_every_cap"], &d.need_above_every_cap);
    rows.estimate(&["deployment", "shortfall", "mean_given_deploy"], &d.shortfall);
    rows.proportion(&["deployment", "shortfall", "positive_given_deploy"], &d.shortfall_positive);
    rows.proportion(&["deployment", "trimmed", "given_deploy"], &d.trimmed);
    rows.value(&["deployment", "trimmed", "mean_personnel"], d.trimmed_mean);
    for p in &d.pools {
        rows.value(&["pool", &p.id, "cap"], p.cap as f64);
        rows.proportion(&["pool", &p.id, "share_of_deployments"], &p.share_of_deployments);
        rows.value(&["pool", &p.id, "mean_personnel"], p.mean_personnel);
    }
    for ml in &s.members {
        rows.proportion(&["member", &ml.id, "support"], &ml.support);
        rows.proportion(&["member", &ml.id, "block"], &ml.block);
        rows.proportion(&["member", &ml.id, "contributes_given_deploy"], &ml.contributes);
        rows.estimate(&["member", &ml.id, "personnel_when_contributing"], &ml.mean_personnel);
        rows.value(&["member", &ml.id, "share_of_personnel"], ml.share);
    }
    let t = &s.timing;
    rows.estimate(&["timing", "decision", "days"], &t.decision);
    rows.estimate(&["timing", "first_arrival", "days"], &t.first_arrival);
    rows.percentiles("timing", "first_arrival", "days", &t.first_arrival_percentiles);
    rows.estimate(&["timing", "full_strength", "days"], &t.full_strength);
    rows.percentiles("timing", "full_strength", "days", &t.full_strength_percentiles);
    for o in &s.outcomes {
        rows.estimate(&["outcome", &o.name, "mean"], &o.estimate);
        rows.value(&["outcome", &o.name, "min"], o.min);
        rows.value(&["outcome", &o.name, "max"], o.max);
    }
    for r in &s.rules {
        rows.value(&["rule", &r.id, "fired"], r.fired as f64);
    }
    if let Some(b) = &s.backtest {
        rows.proportion(&["backtest", &b.outcome, "outcome_probability"], &b.outcome_probability);
        if let Some(q) = b.personnel_percentile {
            rows.value(&["backtest", "personnel", "percentile"], q);
        }
        for (id, p) in &b.contributors {
            rows.value(&["backtest", id, "contributes_given_deploy"], *p);
        }
        rows.value(&["backtest", "history", "outside_central_90"], f64::from(u8::from(b.outside_central_90)));
    }
    rows.finish()
}
