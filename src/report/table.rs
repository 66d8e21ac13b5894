//! The default human-readable report: the funnel first, then deployment,
//! members, timing, outcomes and the most-fired rules.

use std::fmt::Write;

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use crate::stats::Proportion;
use crate::stats::summary::{Estimate, Percentiles, Summary};

fn pct(p: &Proportion) -> String {
    if p.p.is_nan() {
        return "—".into();
    }
    format!("{:5.1}%  [{:.1}, {:.1}]", 100.0 * p.p, 100.0 * p.lo, 100.0 * p.hi)
}

fn num(x: f64) -> String {
    if x.is_nan() {
        "—".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn est(e: &Estimate) -> String {
    if e.mean.is_nan() {
        return "—".into();
    }
    format!("{} ± {}", num(e.mean), num(e.se))
}

fn percentiles(p: &Percentiles) -> String {
    format!("{} / {} / {} / {} / {}   max {}", num(p.p5), num(p.p25), num(p.p50), num(p.p75), num(p.p95), num(p.max))
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(header.iter().map(Cell::new));
    t
}

fn right(t: &mut Table, from: usize) {
    for i in from..t.column_count() {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn heading(out: &mut String, text: &str, color: bool) {
    if color {
        let _ = writeln!(out, "\n\x1b[1m{text}\x1b[0m");
    } else {
        let _ = writeln!(out, "\n{text}");
    }
}

/// Renders the summary as tables.
pub fn render(s: &Summary, color: bool) -> String {
    let mut out = String::new();
    let m = &s.meta;
    let _ = writeln!(out, "{} — {} trials, seed {}", m.scenario, m.trials, m.seed);
    let _ = writeln!(
        out,
        "scenario {} (sha256 {}), alliance-sim {}",
        m.origin,
        &m.scenario_hash[..16.min(m.scenario_hash.len())],
        m.tool_version
    );
    for o in &m.overrides {
        let _ = writeln!(out, "override --set {o}");
    }

    heading(&mut out, "Funnel (95% Wilson intervals)", color);
    let mut t = table(&["stage", "probability"]);
    for (label, p) in [
        ("request", &s.funnel.request),
        ("invoked (council acts)", &s.funnel.invoked),
        ("deploy", &s.funnel.deploy),
        ("non-military only", &s.funnel.non_military),
        ("refused", &s.funnel.refused),
    ] {
        t.add_row(vec![label.to_string(), pct(p)]);
    }
    right(&mut t, 1);
    let _ = writeln!(out, "{t}");

    heading(&mut out, "Deployment (personnel)", color);
    let d = &s.deployment;
    let mut t = table(&["quantity", "value"]);
    t.add_row(vec!["deployed | deploy (mean ± se)".into(), est(&d.personnel)]);
    t.add_row(vec!["deployed | deploy p5/p25/p50/p75/p95".into(), percentiles(&d.percentiles)]);
    t.add_row(vec!["deployed per trial (mean ± se)".into(), est(&d.per_trial)]);
    t.add_row(vec!["need (mean ± se)".into(), est(&d.need)]);
    t.add_row(vec!["need p5/p25/p50/p75/p95".into(), percentiles(&d.need_percentiles)]);
    t.add_row(vec!["P(need > smallest cap)".into(), pct(&d.need_above_smallest_cap)]);
    t.add_row(vec!["P(need > every cap)".into(), pct(&d.need_above_every_cap)]);
    t.add_row(vec!["shortfall | deploy (mean ± se)".into(), est(&d.shortfall)]);
    t.add_row(vec!["P(shortfall > 0 | deploy)".into(), pct(&d.shortfall_positive)]);
    t.add_row(vec!["P(trimmed at cap | deploy)".into(), pct(&d.trimmed)]);
    for p in &d.pools {
        t.add_row(vec![
            format!("pool {} (cap {}) | deploy", p.id, p.cap),
            format!("{}   mean {}", pct(&p.share_of_deployments), num(p.mean_personnel)),
        ]);
    }
    right(&mut t, 1);
    let _ = writeln!(out, "{t}");

    heading(&mut out, "Members", color);
    let mut t =
        table(&["member", "status", "P(support)", "P(block)", "P(contributes | deploy)", "personnel when in", "share"]);
    for mline in &s.members {
        t.add_row(vec![
            mline.name.clone(),
            mline.status.clone(),
            pct(&mline.support),
            pct(&mline.block),
            pct(&mline.contributes),
            est(&mline.mean_personnel),
            format!("{:.1}%", 100.0 * mline.share),
        ]);
    }
    right(&mut t, 2);
    let _ = writeln!(out, "{t}");

    heading(&mut out, "Timing (days from the request)", color);
    let mut t = table(&["milestone", "mean ± se", "p5/p25/p50/p75/p95"]);
    t.add_row(vec!["decision".into(), est(&s.timing.decision), String::new()]);
    t.add_row(vec![
        "first arrival".into(),
        est(&s.timing.first_arrival),
        percentiles(&s.timing.first_arrival_percentiles),
    ]);
    t.add_row(vec![
        "full strength".into(),
        est(&s.timing.full_strength),
        percentiles(&s.timing.full_strength_percentiles),
    ]);
    right(&mut t, 1);
    let _ = writeln!(out, "{t}");

    if !s.outcomes.is_empty() {
        heading(&mut out, "Outcomes", color);
        let mut t = table(&["metric", "mean ± se", "95% interval", "min", "max"]);
        for o in &s.outcomes {
            t.add_row(vec![
                o.name.clone(),
                est(&o.estimate),
                format!("[{}, {}]", num(o.estimate.lo), num(o.estimate.hi)),
                num(o.min),
                num(o.max),
            ]);
        }
        right(&mut t, 1);
        let _ = writeln!(out, "{t}");
    }

    if let Some(b) = &s.backtest {
        heading(&mut out, "Against history", color);
        let mut t = table(&["observed", "simulated"]);
        t.add_row(vec![format!("outcome: {}", b.outcome), format!("P = {}", pct(&b.outcome_probability))]);
        if let (Some(v), Some(q)) = (b.personnel, b.personnel_percentile) {
            t.add_row(vec![format!("personnel: {v}"), format!("percentile {:.1} of deployments", 100.0 * q)]);
        }
        if let Some(p) = &b.contributor_set {
            t.add_row(vec!["exactly the observed contributors".into(), pct(p)]);
        }
        for (id, p) in &b.contributors {
            t.add_row(vec![format!("{id} contributed"), format!("P(contributes | deploy) = {:.1}%", 100.0 * p)]);
        }
        t.add_row(vec![
            "history in the central 90%?".to_string(),
            if b.outside_central_90 { "no — history is in a tail".to_string() } else { "yes".to_string() },
        ]);
        let _ = writeln!(out, "{t}");
    }

    heading(&mut out, "Most-fired rules", color);
    let mut t = table(&["rule", "fired per trial", "because"]);
    for r in s.rules.iter().take(10) {
        t.add_row(vec![r.id.clone(), format!("{:.3}", r.per_trial), r.because.clone()]);
    }
    let _ = writeln!(out, "{t}");
    out
}
