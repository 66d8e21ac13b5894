//! The report's sections, one function each, in the order they appear.

use std::fmt::Write;

use super::charts::{BLUE, Bar, ORANGE, histogram, index_bars, interval_chart, spider, tornado};
use super::{Report, esc, figure, short, thousands};
use crate::stats::sensitivity::Sensitivity;

/// From request to deployment: the funnel, with what history chose.
pub(super) fn funnel(out: &mut String, r: &Report<'_>) {
    let s = r.summary;
    let observed = r.summary.backtest.as_ref();
    out.push_str("<section><h2>From request to deployment</h2>\n");
    let f = &s.funnel;
    let obs = |class: &str| observed.is_some_and(|b| b.outcome == class);
    let bars = [
        Bar::proportion("host requests aid", "funnel.request", &f.request, false),
        Bar::proportion("council acts (invoked)", "funnel.invoked", &f.invoked, false),
        Bar::proportion("troops decided", "funnel.deploy", &f.deploy, obs("deploy")),
        Bar::proportion("… and nobody sent any", "funnel.deploy_unsent", &f.deploy_unsent, false),
        Bar::proportion("non-military only", "funnel.non_military", &f.non_military, obs("non_military")),
        Bar::proportion("refused", "funnel.refused", &f.refused, obs("refused")),
    ];
    let caption = match observed {
        Some(b) => format!(
            "Share of trials at each stage with 95% Wilson intervals. ◆ marks what history chose: {}.",
            b.outcome.replace('_', "-")
        ),
        None => "Share of trials at each stage with 95% Wilson intervals.".into(),
    };
    figure(out, "funnel", "The funnel.", &interval_chart(&bars, 0.0, 1.0, "share of trials", true, "Funnel"), &caption);
    out.push_str("</section>\n");
}

/// How many deploy, against the caps: the deployed and need histograms and the shortfall.
pub(super) fn deployment(out: &mut String, r: &Report<'_>) {
    let s = r.summary;
    let observed = r.summary.backtest.as_ref();
    out.push_str("<section><h2>How many deploy, against the caps</h2>\n");
    let d = &s.deployment;
    let mut markers: Vec<(f64, String, &str)> = d
        .pools
        .iter()
        .map(|p| (p.cap as f64, format!("{} cap {}", p.id.replace('_', " "), thousands(p.cap as f64)), "cap"))
        .collect();
    if let Some(v) = observed.and_then(|b| b.personnel) {
        markers.push((v as f64, format!("history: {}", thousands(v as f64)), "observed"));
    }
    figure(
        out,
        "deployment",
        "Personnel deployed.",
        &histogram(
            &r.distributions.deployed,
            &markers,
            BLUE,
            "personnel deployed (trials with troops sent)",
            "Personnel deployed",
            "deployed",
        ),
        &format!(
            "Mean {} (95% interval {}–{}), median {}; dashed lines: pool caps{}.",
            thousands(d.personnel.mean),
            thousands(d.personnel.lo),
            thousands(d.personnel.hi),
            thousands(d.percentiles.p50),
            if observed.and_then(|b| b.personnel).is_some() { "; solid line: what history deployed" } else { "" }
        ),
    );
    let need_markers: Vec<(f64, String, &str)> = markers.iter().filter(|m| m.2 == "cap").cloned().collect();
    figure(
        out,
        "need",
        "Personnel needed.",
        &histogram(
            &r.distributions.need,
            &need_markers,
            ORANGE,
            "personnel the crisis needs (all trials)",
            "Need",
            "need",
        ),
        &format!(
            "Mean need {}; P(need above the smallest cap) {:.1}%, above every cap {:.1}%.",
            thousands(d.need.mean),
            100.0 * d.need_above_smallest_cap.p,
            100.0 * d.need_above_every_cap.p
        ),
    );
    let _ = writeln!(
        out,
        "<table data-section=\"shortfall\"><tr><th>shortfall when deployed</th><td class=\"n\" data-key=\"deployment.shortfall\" data-value=\"{}\">{} ± {}</td></tr><tr><th>P(shortfall &gt; 0 | deploy)</th><td class=\"n\">{:.1}%</td></tr><tr><th>surplus over the need when deployed</th><td class=\"n\" data-key=\"deployment.surplus\" data-value=\"{}\">{} ± {}</td></tr><tr><th>P(more deployed than the need | deploy)</th><td class=\"n\">{:.1}%</td></tr><tr><th>P(contributions trimmed at the cap | deploy)</th><td class=\"n\">{:.1}%</td></tr></table>",
        d.shortfall.mean,
        thousands(d.shortfall.mean),
        short(d.shortfall.se),
        100.0 * d.shortfall_positive.p,
        d.surplus.mean,
        thousands(d.surplus.mean),
        short(d.surplus.se),
        100.0 * d.surplus_positive.p,
        100.0 * d.trimmed.p
    );
    out.push_str("</section>\n");
}

/// Who contributes: contribution rates and personnel per member.
pub(super) fn members(out: &mut String, r: &Report<'_>) {
    let s = r.summary;
    let observed = r.summary.backtest.as_ref();
    out.push_str("<section><h2>Who contributes</h2>\n");
    let observed_ids: Vec<&str> =
        observed.map(|b| b.contributors.iter().map(|(id, _)| id.as_str()).collect()).unwrap_or_default();
    // The host asks for help: no 0% bar for it (the text report says "host").
    let host_note = s
        .members
        .iter()
        .find(|ml| ml.asks_only())
        .map(|ml| format!(" {} is the host: it asks for help and does not contribute here.", ml.name))
        .unwrap_or_default();
    let bars: Vec<Bar> = s
        .members
        .iter()
        .filter(|ml| !ml.asks_only())
        .map(|ml| {
            Bar::proportion(
                &ml.name,
                &format!("members.{}.contributes", ml.id),
                &ml.contributes,
                observed_ids.contains(&ml.id.as_str()),
            )
        })
        .collect();
    let caption = if observed_ids.is_empty() {
        format!("P(contributes | troops deployed), 95% intervals.{host_note}")
    } else {
        format!("P(contributes | troops deployed), 95% intervals; ◆ contributed in history.{host_note}")
    };
    figure(
        out,
        "members",
        "Contribution rates.",
        &interval_chart(&bars, 0.0, 1.0, "share of deployments", true, "Contribution rates"),
        &caption,
    );
    let top = s.members.iter().map(|ml| ml.mean_personnel.hi).filter(|v| v.is_finite()).fold(1.0, f64::max);
    let bars: Vec<Bar> = s
        .members
        .iter()
        .filter(|ml| !ml.asks_only())
        .map(|ml| Bar {
            label: ml.name.clone(),
            key: format!("members.{}.personnel", ml.id),
            value: ml.mean_personnel.mean,
            lo: ml.mean_personnel.lo,
            hi: ml.mean_personnel.hi,
            text: thousands(ml.mean_personnel.mean),
            highlight: false,
        })
        .collect();
    figure(
        out,
        "members-personnel",
        "Personnel when contributing.",
        &interval_chart(&bars, 0.0, top * 1.05, "personnel (mean when contributing)", false, "Personnel per member"),
        "Mean personnel sent by each member when it contributes, 95% intervals.",
    );
    out.push_str("</section>\n");
}

/// How fast: days from the request to the decision, first arrival and full strength.
pub(super) fn timing(out: &mut String, r: &Report<'_>) {
    let s = r.summary;
    out.push_str("<section><h2>How fast</h2>\n");
    let t = &s.timing;
    let timing = [
        ("decision", "council decides", &t.decision),
        ("first_arrival", "first arrival", &t.first_arrival),
        ("full_strength", "full strength", &t.full_strength),
    ];
    let top = timing.iter().map(|(_, _, e)| e.hi).filter(|v| v.is_finite()).fold(1.0, f64::max);
    let bars: Vec<Bar> = timing
        .iter()
        .map(|(k, label, e)| Bar {
            label: (*label).into(),
            key: format!("timing.{k}"),
            value: e.mean,
            lo: e.lo,
            hi: e.hi,
            text: format!("{} days", short(e.mean)),
            highlight: false,
        })
        .collect();
    figure(
        out,
        "timing",
        "Days from the request.",
        &interval_chart(&bars, 0.0, top * 1.1, "days from the request (mean)", false, "Timing"),
        &format!(
            "Means with 95% intervals. First arrival: 5th–95th percentile {}–{} days; full strength {}–{} days.",
            short(t.first_arrival_percentiles.p5),
            short(t.first_arrival_percentiles.p95),
            short(t.full_strength_percentiles.p5),
            short(t.full_strength_percentiles.p95)
        ),
    );
    out.push_str("</section>\n");
}

/// The outcome metrics, when the scenario has any.
pub(super) fn outcomes(out: &mut String, r: &Report<'_>) {
    let s = r.summary;
    if !s.outcomes.is_empty() {
        out.push_str("<section><h2>Outcomes</h2>\n");
        let lo = s.outcomes.iter().map(|o| o.min).filter(|v| v.is_finite()).fold(0.0, f64::min);
        let hi = s.outcomes.iter().map(|o| o.max).filter(|v| v.is_finite()).fold(1.0, f64::max);
        let bars: Vec<Bar> = s
            .outcomes
            .iter()
            .map(|o| Bar {
                label: o.name.replace('_', " "),
                key: format!("outcomes.{}", o.name),
                value: o.estimate.mean,
                lo: o.estimate.lo,
                hi: o.estimate.hi,
                text: short(o.estimate.mean),
                highlight: false,
            })
            .collect();
        figure(
            out,
            "outcomes",
            "Outcome metrics.",
            &interval_chart(&bars, lo, hi, "mean over all trials", false, "Outcome metrics"),
            "Means with 95% intervals (a condition's mean is the share of trials where it held).",
        );
        out.push_str("</section>\n");
    }
}

/// Why: the rules that fired most, with their reasons.
pub(super) fn rules(out: &mut String, r: &Report<'_>) {
    let s = r.summary;
    out.push_str("<section><h2>Why: the rules that fired most</h2>\n");
    let rules: Vec<_> = s.rules.iter().filter(|r| r.fired > 0).take(8).collect();
    let top = rules.iter().map(|r| r.per_trial).fold(0.0, f64::max).max(1e-9);
    let bars: Vec<Bar> = rules
        .iter()
        .map(|r| Bar {
            label: r.id.rsplit_once('/').map_or(r.id.as_str(), |(_, name)| name).replace('_', " "),
            key: format!("rules.{}", r.id),
            value: r.per_trial,
            lo: f64::NAN,
            hi: f64::NAN,
            text: format!("{:.2}", r.per_trial),
            highlight: false,
        })
        .collect();
    figure(
        out,
        "rules",
        "Rule firings per trial.",
        &interval_chart(&bars, 0.0, top * 1.05, "times fired per trial", false, "Most-fired rules"),
        "How often each rule changed a probability or value.",
    );
    out.push_str("<table><tr><th>rule</th><th>because</th></tr>");
    for r in &rules {
        let _ = write!(out, "<tr><td><code>{}</code></td><td>{}</td></tr>", esc(&r.id), esc(&r.because));
    }
    out.push_str("</table></section>\n");
}

/// Against history, for a scenario with an `observed:` block.
pub(super) fn history(out: &mut String, r: &Report<'_>) {
    let observed = r.summary.backtest.as_ref();
    if let Some(b) = observed {
        let _ = writeln!(
            out,
            "<section><h2>Against history</h2><p class=\"note\" data-section=\"backtest\">History chose <strong>{}</strong>, which the model gives P = {:.1}% [{:.1}, {:.1}]{}. History lies {} the central 90% of the simulation.</p>",
            b.outcome.replace('_', "-"),
            100.0 * b.outcome_probability.p,
            100.0 * b.outcome_probability.lo,
            100.0 * b.outcome_probability.hi,
            b.personnel_percentile
                .map(|q| format!(
                    "; the {} personnel sent fall at the {:.0}th percentile of simulated deployments",
                    thousands(b.personnel.unwrap_or(0) as f64),
                    100.0 * q
                ))
                .unwrap_or_default(),
            if b.outside_central_90 { "outside" } else { "inside" }
        );
        if !b.times.is_empty() {
            out.push_str("<table data-section=\"history-times\"><tr><th>recorded time</th><th>simulated</th></tr>");
            for x in &b.times {
                let _ = write!(
                    out,
                    "<tr><td>{}: {}</td><td>{}</td></tr>",
                    esc(&x.field),
                    esc(&crate::report::table::day_range(x.from, x.to)),
                    esc(&crate::report::table::time_check(x))
                );
            }
            out.push_str("</table>\n");
        }
        match &r.summary.left_out {
            Some(l) => {
                out.push_str(
                    "<table data-section=\"history-left-out\"><tr><th>check</th><th>P(history's class)</th>\
                     <th>P(the whole record)</th><th>history in the central 90%?</th></tr>",
                );
                let onset = l.at_onset.as_ref().map(|a| ("at onset", &a.backtest));
                for (name, c) in [("in sample", b), ("left out", &l.backtest)].into_iter().chain(onset) {
                    let _ = write!(
                        out,
                        "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(crate::report::doc::pct(&c.outcome_probability).trim()),
                        esc(crate::report::doc::pct(&c.all_fields).trim()),
                        if c.outside_central_90 { "no" } else { "yes" }
                    );
                }
                if let Some(p) = l.class_frequency {
                    let _ = write!(
                        out,
                        "<tr><td>class frequencies of the other cases</td><td>{:.1}%</td><td></td><td></td></tr>",
                        100.0 * p
                    );
                }
                out.push_str("</table>\n");
                let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(&crate::report::table::LEFT_OUT.join(" ")));
            }
            None => {
                let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(&crate::report::table::IN_SAMPLE.join(" ")));
            }
        }
        out.push_str("</section>\n");
    }
}

/// Side by side: the other scenarios and the paired differences.
pub(super) fn comparison(out: &mut String, r: &Report<'_>) {
    let s = r.summary;
    if let Some((others, cmp)) = r.comparison {
        out.push_str("<section><h2>Side by side</h2>\n");
        let mut bars = Vec::new();
        for (i, sm) in std::iter::once(s).chain(others.iter()).enumerate() {
            for (key, label, p) in [
                ("deploy", "deploy", &sm.funnel.deploy),
                ("refused", "refused", &sm.funnel.refused),
                ("non_military", "non-military", &sm.funnel.non_military),
            ] {
                bars.push(Bar::proportion(
                    &format!("{} · {label}", letter(i)),
                    &format!("scenario{}.funnel.{key}", i + 1),
                    p,
                    false,
                ));
            }
        }
        let legend: Vec<String> = std::iter::once(s)
            .chain(others.iter())
            .enumerate()
            .map(|(i, sm)| format!("{} = {}", letter(i), sm.meta.scenario))
            .collect();
        figure(
            out,
            "compare",
            "The scenarios' outcomes.",
            &interval_chart(&bars, 0.0, 1.0, "share of trials", true, "Scenarios side by side"),
            &format!("{}. Same seed and trial indices for all.", legend.join("; ")),
        );
        for a in &cmp.against {
            let lines: Vec<_> = a
                .lines
                .iter()
                .filter(|l| l.section == "funnel" || l.section == "deployment" || l.section == "timing")
                .collect();
            out.push_str("<table data-section=\"differences\"><tr><th>quantity</th><th>baseline</th><th>scenario</th><th>difference [95% paired interval]</th></tr>");
            for l in &lines {
                let dd = &l.difference;
                let pct = l.kind == crate::stats::paired::Kind::Probability;
                let f = |v: f64| if pct { format!("{:.1}%", 100.0 * v) } else { short(v) };
                let g = |v: f64| if pct { format!("{:+.2} pp", 100.0 * v) } else { format!("{:+.2}", v) };
                let _ = write!(
                    out,
                    "<tr><td>{} {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\" data-key=\"diff.{}.{}\" data-value=\"{}\">{} [{}, {}]{}</td></tr>",
                    esc(&l.item.replace('_', " ")),
                    esc(&l.measure.replace('_', " ")),
                    f(dd.a),
                    f(dd.b),
                    esc(&l.item),
                    esc(&l.measure),
                    dd.diff,
                    g(dd.diff),
                    g(dd.lo),
                    g(dd.hi),
                    if dd.excludes_zero { " ✱" } else { "" }
                );
            }
            let _ = writeln!(
                out,
                "</table><p class=\"meta\">{} − {}; ✱ the interval excludes zero. The outcome class flipped in {:.1}% of trials.</p>",
                esc(&a.scenario),
                esc(&a.baseline),
                100.0 * a.flipped.p
            );
        }
        out.push_str("</section>\n");
    }
}

/// Which inputs matter: the tornado, when one was run.
pub(super) fn sensitivity(out: &mut String, r: &Report<'_>) {
    if let Some(t) = r.sensitivity {
        tornado_section(out, t);
    }
}

/// The tornado's section, alone (the studio draws it on demand).
pub fn tornado_section(out: &mut String, t: &Sensitivity) {
    out.push_str("<section><h2>Which inputs matter</h2>\n");
    figure(
        out,
        "tornado",
        &format!("Sensitivity of {}.", t.metric),
        &tornado(t, 12),
        &format!(
            "Each input moved by ±{:.0}% on common random numbers, {} trials per point; the {} with the \
             largest swing.",
            100.0 * t.fraction,
            thousands(t.meta.trials as f64),
            t.inputs.len().min(12)
        ),
    );
    out.push_str("</section>\n");
}

/// Over whole ranges: Sobol' indices as paired bars, and the spider chart.
pub(super) fn global(out: &mut String, r: &Report<'_>) {
    let Some((indices, lines)) = r.global else { return };
    out.push_str("<section><h2>Which inputs matter over their ranges</h2>\n");
    figure(
        out,
        "sobol",
        &format!("Sobol' indices of {}.", indices.metric),
        &index_bars(indices),
        &format!(
            "{}, {} trials per point on common random numbers; whiskers are 95% bootstrap intervals. \
             A parameter whose total index is well above its first-order index matters through the others.",
            indices.design,
            thousands(indices.meta.trials as f64)
        ),
    );
    figure(
        out,
        "spider",
        &format!("Spider chart of {}.", lines.metric),
        &spider(lines),
        &format!(
            "Each parameter moved alone from the bottom of its range to the top, the others as written, \
             {} trials per point: the steeper the line, the more the parameter moves the answer there.",
            thousands(lines.meta.trials as f64)
        ),
    );
    out.push_str("</section>\n");
}

fn letter(i: usize) -> char {
    char::from(b'A' + (i % 26) as u8)
}
