//! The self-contained HTML report: inline SVG and CSS, no script, no font
//! or image fetched from anywhere; readable offline and printable.
//!
//! Charts are templated SVG rather than a charting library: the report needs
//! only interval bars, histograms with marker lines and a tornado, and
//! writing them directly keeps the file small, byte-for-byte deterministic
//! and free of a font or rasteriser dependency. Colours are the Okabe–Ito
//! palette (distinguishable with colour-blindness) at different lightness,
//! with dashes and labels where colour alone would carry meaning, so the
//! report also reads in grayscale; sizes are set for a projector.
//!
//! Every number shown is the summary's; each chart's bars carry their value
//! in a `data-value` attribute, which the tests compare with the JSON.

use std::fmt::Write;

use crate::stats::compare::Comparison;
use crate::stats::sensitivity::Sensitivity;
use crate::stats::summary::Summary;
use crate::stats::{Bin, Proportion};

/// Bins per histogram.
pub const BINS: usize = 60;

impl Distributions {
    /// The histograms of a batch.
    pub fn of(stats: &crate::stats::batch::BatchStats) -> Distributions {
        Distributions { deployed: stats.deployed.bins(BINS, 1.0), need: stats.need.bins(BINS, 1.0) }
    }
}

/// Distributions the summary reduces to percentiles, for the histograms.
#[derive(Debug, Clone, Default)]
pub struct Distributions {
    /// Personnel deployed, over deploy trials.
    pub deployed: Vec<Bin>,
    /// Need, over all trials.
    pub need: Vec<Bin>,
}

/// What a report shows.
pub struct Report<'a> {
    /// The scenario's summary.
    pub summary: &'a Summary,
    /// Its histograms.
    pub distributions: &'a Distributions,
    /// Other scenarios' summaries, with the comparison against this one.
    pub comparison: Option<(&'a [Summary], &'a Comparison)>,
    /// A sensitivity analysis to draw as a tornado.
    pub sensitivity: Option<&'a Sensitivity>,
}

const BLUE: &str = "#0072B2";
const ORANGE: &str = "#E69F00";
const VERMILLION: &str = "#D55E00";
const SKY: &str = "#56B4E9";
const INK: &str = "#222";
const WIDTH: f64 = 760.0;

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let n = x.round() as i64;
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("−{out}") } else { out }
}

fn short(x: f64) -> String {
    if !x.is_finite() {
        "—".into()
    } else if x.abs() >= 100.0 {
        thousands(x)
    } else {
        format!("{x:.2}")
    }
}

/// One bar with its interval, for [`interval_chart`].
struct Bar {
    label: String,
    key: String,
    value: f64,
    lo: f64,
    hi: f64,
    text: String,
    highlight: bool,
}

impl Bar {
    fn proportion(label: &str, key: &str, p: &Proportion, highlight: bool) -> Bar {
        Bar {
            label: label.into(),
            key: key.into(),
            value: p.p,
            lo: p.lo,
            hi: p.hi,
            text: if p.p.is_nan() { "—".into() } else { format!("{:.1}%", 100.0 * p.p) },
            highlight,
        }
    }
}

/// A figure: a chart with a caption, tagged with its section.
fn figure(out: &mut String, section: &str, title: &str, svg: &str, caption: &str) {
    let _ = writeln!(
        out,
        "<figure class=\"chart\" data-section=\"{section}\"><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" {svg}</svg><figcaption><strong>{}</strong> {}</figcaption></figure>",
        esc(title),
        esc(caption)
    );
}

/// Horizontal bars with 95% whiskers on an axis from `min` to `max`.
fn interval_chart(bars: &[Bar], min: f64, max: f64, axis: &str, percent: bool, title: &str) -> String {
    let left = 230.0;
    let right = WIDTH - 90.0;
    let row = 34.0;
    let height = 50.0 + row * bars.len() as f64 + 40.0;
    let x = |v: f64| left + (right - left) * ((v - min) / (max - min)).clamp(0.0, 1.0);
    let mut s =
        format!("viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\"><title>{}</title>", esc(title));
    // Grid and axis.
    for i in 0..=4 {
        let v = min + (max - min) * f64::from(i) / 4.0;
        let gx = x(v);
        let label = if percent { format!("{:.0}%", 100.0 * v) } else { short(v) };
        let _ = write!(
            s,
            "<line x1=\"{gx:.1}\" y1=\"30\" x2=\"{gx:.1}\" y2=\"{:.1}\" class=\"grid\"/><text x=\"{gx:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"middle\">{label}</text>",
            height - 40.0,
            height - 22.0
        );
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
        (left + right) / 2.0,
        height - 4.0,
        esc(axis)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 40.0 + row * i as f64;
        let fill = if b.highlight { VERMILLION } else { BLUE };
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"label\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y + 17.0,
            esc(&b.label)
        );
        if b.value.is_finite() {
            let w = (x(b.value) - x(min.max(0.0).min(max))).max(0.0);
            let _ = write!(
                s,
                "<rect class=\"bar\" data-key=\"{}\" data-value=\"{}\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"22\" fill=\"{fill}\"/>",
                esc(&b.key),
                b.value,
                x(min.max(0.0).min(max))
            );
            if b.lo.is_finite() && b.hi.is_finite() {
                let (l, h, m) = (x(b.lo), x(b.hi), y + 11.0);
                let _ = write!(
                    s,
                    "<path class=\"whisker\" d=\"M{l:.1} {m:.1}H{h:.1}M{l:.1} {:.1}V{:.1}M{h:.1} {:.1}V{:.1}\"/>",
                    m - 7.0,
                    m + 7.0,
                    m - 7.0,
                    m + 7.0
                );
            }
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"value\">{}{}</text>",
            right + 8.0,
            y + 17.0,
            esc(&b.text),
            if b.highlight { " ◆" } else { "" }
        );
    }
    s
}

/// A histogram with vertical marker lines (caps, history).
fn histogram(bins: &[Bin], markers: &[(f64, String, &str)], color: &str, axis: &str, title: &str, key: &str) -> String {
    let (left, right, top, bottom) = (70.0, WIDTH - 20.0, 40.0, 250.0);
    let height = bottom + 50.0;
    let mut s =
        format!("viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\"><title>{}</title>", esc(title));
    let hi = bins.last().map_or(1.0, |b| b.hi);
    let span = markers.iter().map(|m| m.0 * 1.05).fold(hi, f64::max);
    let peak = bins.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
    let total: u64 = bins.iter().map(|b| b.count).sum();
    let x = |v: f64| left + (right - left) * (v / span).clamp(0.0, 1.0);
    let y = |c: f64| bottom - (bottom - top) * c / peak;
    for i in 0..=5 {
        let v = span * f64::from(i) / 5.0;
        let anchor = if i == 5 { "end" } else { "middle" };
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"{anchor}\">{}</text>",
            x(v),
            bottom + 20.0,
            thousands(v)
        );
    }
    let _ = write!(s, "<line x1=\"{left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\" class=\"axisline\"/>");
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
        (left + right) / 2.0,
        height - 6.0,
        esc(axis)
    );
    let _ = write!(
        s,
        "<text x=\"14\" y=\"{:.1}\" class=\"axis\" transform=\"rotate(-90 14 {:.1})\" text-anchor=\"middle\">share of trials</text>",
        (top + bottom) / 2.0,
        (top + bottom) / 2.0
    );
    for b in bins {
        let h = bottom - y(b.count as f64);
        let share = b.count as f64 / total.max(1) as f64;
        let _ = write!(
            s,
            "<rect class=\"bin\" data-key=\"{key}\" data-lo=\"{}\" data-count=\"{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{color}\"><title>{}–{}: {:.1}%</title></rect>",
            b.lo,
            b.count,
            x(b.lo),
            y(b.count as f64),
            (x(b.hi) - x(b.lo) - 0.5).max(0.5),
            thousands(b.lo),
            thousands(b.hi),
            100.0 * share
        );
    }
    for (i, (v, label, style)) in markers.iter().enumerate() {
        let mx = x(*v);
        let (stroke, dash) = if *style == "observed" { (VERMILLION, "") } else { (INK, " stroke-dasharray=\"7 5\"") };
        let ty = top - 8.0 + 16.0 * (i % 3) as f64;
        let anchor = if mx > (left + right) / 2.0 { "end" } else { "start" };
        let dx = if anchor == "end" { -5.0 } else { 5.0 };
        let _ = write!(
            s,
            "<line class=\"marker {style}\" data-value=\"{v}\" x1=\"{mx:.1}\" y1=\"{:.1}\" x2=\"{mx:.1}\" y2=\"{bottom}\" stroke=\"{stroke}\" stroke-width=\"2.5\"{dash}/><text x=\"{:.1}\" y=\"{ty:.1}\" class=\"marklabel\" text-anchor=\"{anchor}\" fill=\"{stroke}\">{}</text>",
            top - 20.0,
            mx + dx,
            esc(label)
        );
    }
    s
}

/// The tornado: each input's change in the metric, down (light) and up (dark).
fn tornado(t: &Sensitivity, top: usize) -> String {
    let lines: Vec<_> = t.inputs.iter().take(top).collect();
    let (left, right, row) = (330.0, WIDTH - 20.0, 28.0);
    let height = 50.0 + row * lines.len() as f64 + 40.0;
    let reach = lines.iter().map(|l| l.low.delta().abs().max(l.high.delta().abs())).fold(0.0, f64::max).max(1e-12);
    let centre = (left + right) / 2.0;
    let x = |d: f64| centre + (right - left) / 2.0 * d / reach;
    let mut s = format!(
        "viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\"><title>Tornado of {}</title>",
        esc(&t.metric)
    );
    let _ =
        write!(s, "<line x1=\"{centre}\" y1=\"30\" x2=\"{centre}\" y2=\"{:.1}\" class=\"axisline\"/>", height - 40.0);
    for (v, anchor) in [(-reach, "start"), (reach, "end")] {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"{anchor}\">{:+.4}</text>",
            x(v),
            height - 22.0,
            v
        );
    }
    let _ = write!(
        s,
        "<text x=\"{centre}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">change in {} (light: input −{:.0}%, dark: input +{:.0}%)</text>",
        height - 4.0,
        esc(&t.metric),
        100.0 * t.fraction,
        100.0 * t.fraction
    );
    for (i, l) in lines.iter().enumerate() {
        let y = 40.0 + row * i as f64;
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"label small\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y + 15.0,
            esc(&l.path)
        );
        for (d, fill, side) in [(l.low.delta(), SKY, "low"), (l.high.delta(), BLUE, "high")] {
            let (a, b) = (x(0.0).min(x(d)), x(0.0).max(x(d)));
            let _ = write!(
                s,
                "<rect class=\"bar\" data-key=\"{}.{side}\" data-value=\"{d}\" x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"9\" fill=\"{fill}\"/>",
                esc(&l.path),
                y + if side == "low" { 2.0 } else { 11.0 },
                (b - a).max(0.5)
            );
        }
    }
    s
}

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#222;max-width:820px;margin:2rem auto;padding:0 1rem;line-height:1.45;font-size:17px}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{font-size:1.3rem;border-bottom:2px solid #0072B2;padding-bottom:.2rem;margin-top:2.2rem}
.meta{color:#444;font-size:.92rem}.meta code{background:#f2f2f2;padding:0 .25rem}
figure{margin:1rem 0;break-inside:avoid}figcaption{font-size:.9rem;color:#333}
svg{max-width:100%;height:auto;font-size:15px}
.grid{stroke:#ddd;stroke-width:1}.axisline{stroke:#222;stroke-width:1.5}.tick{fill:#444;font-size:13px}.axis{fill:#222;font-size:14px}
.label{fill:#222;font-size:15px}.small{font-size:12px}.value{fill:#222;font-size:14px;font-weight:600}.marklabel{font-size:13px;font-weight:600}
.whisker{stroke:#000;stroke-width:2;fill:none}
table{border-collapse:collapse;width:100%;font-size:.92rem;margin:.6rem 0}th,td{border-bottom:1px solid #ddd;padding:.3rem .4rem;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.note{background:#fff7e6;border-left:4px solid #E69F00;padding:.4rem .7rem}
@media print{body{margin:0;max-width:none;font-size:12pt}h2{break-after:avoid}}
";

/// Renders the report.
pub fn render(r: &Report<'_>) -> String {
    let s = r.summary;
    let m = &s.meta;
    let observed = s.backtest.as_ref();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{} — alliance-sim report</title><style>{STYLE}</style></head><body>",
        esc(&m.scenario)
    );
    let _ = write!(out, "<header><h1>{}</h1><p class=\"meta\" data-section=\"header\">", esc(&m.scenario));
    let _ = write!(
        out,
        "{} trials, seed <code>{}</code> · alliance-sim {} · scenario <code>{}</code>, sha256 <code>{}</code> · RNG {}",
        thousands(m.trials as f64),
        m.seed,
        esc(&m.tool_version),
        esc(&m.origin),
        esc(&m.scenario_hash[..16.min(m.scenario_hash.len())]),
        esc(&m.rng)
    );
    for o in &m.overrides {
        let _ = write!(out, "<br>override <code>--set {}</code>", esc(o));
    }
    out.push_str("</p></header>\n");

    // Funnel.
    out.push_str("<section><h2>From request to deployment</h2>\n");
    let f = &s.funnel;
    let obs = |class: &str| observed.is_some_and(|b| b.outcome == class);
    let bars = [
        Bar::proportion("host requests aid", "funnel.request", &f.request, false),
        Bar::proportion("council acts (invoked)", "funnel.invoked", &f.invoked, false),
        Bar::proportion("troops deployed", "funnel.deploy", &f.deploy, obs("deploy")),
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
    figure(
        &mut out,
        "funnel",
        "The funnel.",
        &interval_chart(&bars, 0.0, 1.0, "share of trials", true, "Funnel"),
        &caption,
    );
    out.push_str("</section>\n");

    // Deployment.
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
        &mut out,
        "deployment",
        "Personnel deployed.",
        &histogram(
            &r.distributions.deployed,
            &markers,
            BLUE,
            "personnel deployed (deploy trials)",
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
        &mut out,
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
        "<table data-section=\"shortfall\"><tr><th>shortfall when deployed</th><td class=\"n\" data-key=\"deployment.shortfall\" data-value=\"{}\">{} ± {}</td></tr><tr><th>P(shortfall &gt; 0 | deploy)</th><td class=\"n\">{:.1}%</td></tr><tr><th>P(contributions trimmed at the cap | deploy)</th><td class=\"n\">{:.1}%</td></tr></table>",
        d.shortfall.mean,
        thousands(d.shortfall.mean),
        short(d.shortfall.se),
        100.0 * d.shortfall_positive.p,
        100.0 * d.trimmed.p
    );
    out.push_str("</section>\n");

    // Members.
    out.push_str("<section><h2>Who contributes</h2>\n");
    let observed_ids: Vec<&str> =
        observed.map(|b| b.contributors.iter().map(|(id, _)| id.as_str()).collect()).unwrap_or_default();
    let bars: Vec<Bar> = s
        .members
        .iter()
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
        "P(contributes | troops deployed), 95% intervals.".to_string()
    } else {
        "P(contributes | troops deployed), 95% intervals; ◆ contributed in history.".to_string()
    };
    figure(
        &mut out,
        "members",
        "Contribution rates.",
        &interval_chart(&bars, 0.0, 1.0, "share of deployments", true, "Contribution rates"),
        &caption,
    );
    let top = s.members.iter().map(|ml| ml.mean_personnel.hi).filter(|v| v.is_finite()).fold(1.0, f64::max);
    let bars: Vec<Bar> = s
        .members
        .iter()
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
        &mut out,
        "members-personnel",
        "Personnel when contributing.",
        &interval_chart(&bars, 0.0, top * 1.05, "personnel (mean when contributing)", false, "Personnel per member"),
        "Mean personnel sent by each member when it contributes, 95% intervals.",
    );
    out.push_str("</section>\n");

    // Timing.
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
        &mut out,
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

    // Outcomes.
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
            &mut out,
            "outcomes",
            "Outcome metrics.",
            &interval_chart(&bars, lo, hi, "mean over all trials", false, "Outcome metrics"),
            "Means with 95% intervals (a condition's mean is the share of trials where it held).",
        );
        out.push_str("</section>\n");
    }

    // Rules.
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
        &mut out,
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

    // History.
    if let Some(b) = observed {
        let _ = writeln!(
            out,
            "<section><h2>Against history</h2><p class=\"note\" data-section=\"backtest\">History chose <strong>{}</strong>, which the model gives P = {:.1}% [{:.1}, {:.1}]{}. History lies {} the central 90% of the simulation.</p></section>",
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
    }

    // Comparison.
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
            &mut out,
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

    // Tornado.
    if let Some(t) = r.sensitivity {
        out.push_str("<section><h2>Which inputs matter</h2>\n");
        figure(
            &mut out,
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
    out.push_str("<footer class=\"meta\"><p>Made by alliance-sim. Intervals are 95%: Wilson for proportions, mean ± 1.96 standard errors otherwise.</p></footer></body></html>\n");
    out
}

fn letter(i: usize) -> char {
    char::from(b'A' + (i % 26) as u8)
}
