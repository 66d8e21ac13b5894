//! The human-readable summary report: the funnel first, then deployment,
//! members, timing, outcomes and the most-fired rules. The same document is
//! drawn as terminal tables or as Markdown.

use super::doc::{Doc, Style, est, num, pct, percentiles, shorten_path};
use crate::stats::summary::{Backtest, Summary};

/// Renders the summary in a style.
pub fn render(s: &Summary, style: Style) -> String {
    let mut doc = Doc::new(style);
    for section in [header, funnel, deployment, members, timing, outcomes, history, rules] {
        section(&mut doc, s);
    }
    doc.finish()
}

/// The title, the scenario's origin and hash, and any overrides.
fn header(doc: &mut Doc, s: &Summary) {
    let m = &s.meta;
    doc.title(&format!("{} — {} trials, seed {}", m.scenario, m.trials, m.seed));
    doc.line(&format!(
        "scenario {} (sha256 {}), alliance-sim {}",
        m.origin,
        &m.scenario_hash[..16.min(m.scenario_hash.len())],
        m.tool_version
    ));
    for o in &m.overrides {
        doc.line(&format!("override --set {o}"));
    }
}

/// From request to deployment, with Wilson intervals.
fn funnel(doc: &mut Doc, s: &Summary) {
    doc.heading("Funnel (95% Wilson intervals)");
    let mut t = doc.table(&["stage", "probability"]);
    for (label, p) in [
        ("request", &s.funnel.request),
        ("invoked (council acts)", &s.funnel.invoked),
        ("deploy", &s.funnel.deploy),
        ("  of which nobody sent troops", &s.funnel.deploy_unsent),
        ("non-military only", &s.funnel.non_military),
        ("refused", &s.funnel.refused),
    ] {
        doc.row(&mut t, vec![label.to_string(), pct(p)]);
    }
    doc.push(t, 1);
}

/// Personnel deployed and needed, shortfall, trimming and pools.
fn deployment(doc: &mut Doc, s: &Summary) {
    doc.heading("Deployment (personnel)");
    let d = &s.deployment;
    let mut t = doc.table(&["quantity", "value"]);
    doc.row(&mut t, vec!["deployed | troops sent (mean ± se)".into(), est(&d.personnel)]);
    doc.row(&mut t, vec!["deployed | troops sent p5/p25/p50/p75/p95".into(), percentiles(&d.percentiles)]);
    doc.row(&mut t, vec!["deployed per trial (mean ± se)".into(), est(&d.per_trial)]);
    doc.row(&mut t, vec!["need (mean ± se)".into(), est(&d.need)]);
    doc.row(&mut t, vec!["need p5/p25/p50/p75/p95".into(), percentiles(&d.need_percentiles)]);
    doc.row(&mut t, vec!["P(need > smallest cap)".into(), pct(&d.need_above_smallest_cap)]);
    doc.row(&mut t, vec!["P(need > every cap)".into(), pct(&d.need_above_every_cap)]);
    doc.row(&mut t, vec!["shortfall | deploy (mean ± se)".into(), est(&d.shortfall)]);
    doc.row(&mut t, vec!["P(shortfall > 0 | deploy)".into(), pct(&d.shortfall_positive)]);
    doc.row(&mut t, vec!["surplus over need | deploy (mean ± se)".into(), est(&d.surplus)]);
    doc.row(&mut t, vec!["P(deployed > need | deploy)".into(), pct(&d.surplus_positive)]);
    doc.row(&mut t, vec!["P(trimmed at cap | deploy)".into(), pct(&d.trimmed)]);
    for p in &d.pools {
        doc.row(
            &mut t,
            vec![
                format!("pool {} (cap {}) | deploy", p.id, p.cap),
                format!("{}   mean {}", pct(&p.share_of_deployments), num(p.mean_personnel)),
            ],
        );
    }
    doc.push(t, 1);
}

/// Each member's votes, contribution rate, personnel and share.
fn members(doc: &mut Doc, s: &Summary) {
    doc.heading("Members");
    // Compact, one word a header (a long header is cut mid-word in a
    // narrow column); the line under the table says what they mean.
    let header: &[&str] = if doc.compact() {
        &["member", "status", "support", "block", "sends", "personnel", "share"]
    } else {
        &["member", "status", "P(support)", "P(block)", "P(contributes | deploy)", "personnel when in", "share"]
    };
    let mut t = doc.table(header);
    for mline in &s.members {
        doc.row(
            &mut t,
            vec![
                mline.name.clone(),
                mline.status.clone(),
                doc.pct(&mline.support),
                doc.pct(&mline.block),
                if mline.asks_only() { "host".into() } else { doc.pct(&mline.contributes) },
                doc.est(&mline.mean_personnel),
                if mline.asks_only() { "—".into() } else { format!("{:.1}%", 100.0 * mline.share) },
            ],
        );
    }
    doc.push(t, 2);
    if doc.compact() {
        doc.line("support, block: P(the vote); sends: P(contributes | deploy); personnel: the mean when it sends.");
    }
    doc.compact_note();
}

/// Days from the request to the decision, first arrival and full strength.
fn timing(doc: &mut Doc, s: &Summary) {
    doc.heading("Timing (days from the request)");
    let mut t = doc.table(&["milestone", "mean ± se", "p5/p25/p50/p75/p95"]);
    doc.row(&mut t, vec!["decision".into(), est(&s.timing.decision), percentiles(&s.timing.decision_percentiles)]);
    doc.row(
        &mut t,
        vec!["first arrival".into(), est(&s.timing.first_arrival), percentiles(&s.timing.first_arrival_percentiles)],
    );
    doc.row(
        &mut t,
        vec!["full strength".into(), est(&s.timing.full_strength), percentiles(&s.timing.full_strength_percentiles)],
    );
    doc.push(t, 1);
}

/// The outcome metrics, when the scenario has any.
fn outcomes(doc: &mut Doc, s: &Summary) {
    if !s.outcomes.is_empty() {
        doc.heading("Outcomes");
        let mut t = doc.table(&["metric", "mean ± se", "95% interval", "min", "max"]);
        for o in &s.outcomes {
            doc.row(
                &mut t,
                vec![
                    o.name.clone(),
                    est(&o.estimate),
                    format!("[{}, {}]", num(o.estimate.lo), num(o.estimate.hi)),
                    num(o.min),
                    num(o.max),
                ],
            );
        }
        doc.push(t, 1);
    }
}

/// What a history check against a fitted case is, said where it is shown.
pub const IN_SAMPLE: [&str; 2] = [
    "In sample when the scenario's numbers were fitted to this case (the CSTO base's were);",
    "--fit-file scenarios/base/csto.fit adds the case left out of the fit, and at onset.",
];

/// What the left-out and at-onset columns are, said where they are shown.
pub const LEFT_OUT: [&str; 3] = [
    "In sample: the scenario as written, fitted to this case among others; left out: at a fit",
    "of the other cases; at onset: left out, with what is known only after the outcome",
    "(crisis.known: after) drawn from the other cases, each equally likely.",
];

/// Against history, for a scenario with an `observed:` block: in sample,
/// and beside it left out and at onset when they were asked for.
fn history(doc: &mut Doc, s: &Summary) {
    let Some(b) = &s.backtest else { return };
    doc.heading("Against history");
    let left_out = s.left_out.as_ref();
    let onset = left_out.and_then(|l| l.at_onset.as_ref()).map(|a| &a.backtest);
    let mut headers = vec!["observed", if left_out.is_some() { "in sample" } else { "simulated" }];
    if left_out.is_some() {
        headers.push("left out");
    }
    if onset.is_some() {
        headers.push("at onset");
    }
    let mut t = doc.table(&headers);
    // One row: what history recorded, then the same figure of each check.
    let columns: Vec<&Backtest> = std::iter::once(b).chain(left_out.map(|l| &l.backtest)).chain(onset).collect();
    let mut row = |doc: &mut Doc, observed: String, figure: &dyn Fn(usize, &Backtest) -> String| {
        let mut cells = vec![observed];
        cells.extend(columns.iter().enumerate().map(|(k, c)| figure(k, c)));
        doc.row(&mut t, cells);
    };
    let outcome = format!("outcome: {}", b.outcome);
    if left_out.is_some() {
        row(doc, outcome, &|_, c| pct(&c.outcome_probability).trim_start().to_string());
    } else {
        row(doc, outcome, &|_, c| format!("P = {}", pct(&c.outcome_probability)));
    }
    let fields: Vec<Vec<(String, String)>> = columns.iter().map(|c| recorded_fields(c)).collect();
    for (i, (history, _)) in fields[0].iter().enumerate() {
        row(doc, history.clone(), &|k, _| fields[k].get(i).map_or(String::new(), |(_, simulated)| simulated.clone()));
    }
    for (i, (id, _)) in b.contributors.iter().enumerate() {
        row(doc, format!("{id} contributed"), &|_, c| {
            c.contributors.get(i).map_or(String::new(), |(_, p)| format!("P(contributes | deploy) = {:.1}%", 100.0 * p))
        });
    }
    row(doc, "history in the central 90%?".into(), &|_, c| {
        if c.outside_central_90 { "no — history is in a tail".to_string() } else { "yes".to_string() }
    });
    doc.push(t, usize::MAX);
    if let Some(l) = left_out {
        for line in LEFT_OUT {
            doc.line(line);
        }
        if let Some(p) = l.class_frequency {
            doc.line(&format!("Class frequencies: P({}) = {:.1}% among the other cases.", b.outcome, 100.0 * p));
        }
    } else {
        for line in IN_SAMPLE {
            doc.line(line);
        }
    }
}

/// Each recorded field beyond the class, as (what history recorded, where
/// it falls in the simulation), ending with the whole record at once: the
/// rows `run` and `backtest` show alike.
pub fn recorded_fields(b: &Backtest) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let (Some(v), Some(q)) = (b.personnel, b.personnel_percentile) {
        out.push((format!("personnel: {v}"), format!("percentile {:.1} of deployments", 100.0 * q)));
    }
    if let Some(p) = &b.contributor_set {
        let ids: Vec<&str> = b.contributors.iter().map(|(id, _)| id.as_str()).collect();
        out.push((format!("contributors: {}", ids.join(", ")), format!("P(exactly these) = {}", pct(p).trim_start())));
    }
    for x in &b.times {
        out.push((format!("{}: {}", x.field, day_range(x.from, x.to)), time_check(x)));
    }
    out.push(("all of it at once".into(), pct(&b.all_fields).trim_start().to_string()));
    out
}

/// A recorded range of days, as the file may write it.
pub fn day_range(from: f64, to: f64) -> String {
    format!("{}–{} days", num_days(from), num_days(to))
}

fn num_days(x: f64) -> String {
    format!("{x:.2}").trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Where a recorded time falls: P(in its range) and the shares before and
/// after it.
pub fn time_check(c: &crate::stats::summary::TimeCheck) -> String {
    format!(
        "P(in range) = {}; {:.1}% earlier, {:.1}% later",
        pct(&c.within).trim_start(),
        100.0 * c.below,
        100.0 * c.above
    )
}

/// The ten most-fired rules with their reasons.
fn rules(doc: &mut Doc, s: &Summary) {
    doc.heading("Most-fired rules");
    // Compact, a rule's id is shortened from the left at a dot, so that
    // its end (the rule's own name) is not cut.
    let (header, most) = if doc.compact() {
        (["rule", "per trial", "because"], 26)
    } else {
        (["rule", "fired per trial", "because"], usize::MAX)
    };
    let mut t = doc.table(&header);
    for r in s.rules.iter().take(10) {
        doc.row(&mut t, vec![shorten_path(&r.id, most), format!("{:.3}", r.per_trial), r.because.clone()]);
    }
    doc.push(t, usize::MAX);
}
