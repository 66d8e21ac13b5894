//! The SVG charts: interval bars, histograms with marker lines, a tornado.
//! Colours are the Okabe–Ito palette; each bar carries its value in a
//! `data-value` attribute.

use std::fmt::Write;

use super::{esc, short, thousands};
use crate::stats::sensitivity::Sensitivity;
use crate::stats::{Bin, Proportion};

pub(super) const BLUE: &str = "#0072B2";
pub(super) const ORANGE: &str = "#E69F00";
pub(super) const VERMILLION: &str = "#D55E00";
pub(super) const SKY: &str = "#56B4E9";
pub(super) const INK: &str = "#222";
pub(super) const WIDTH: f64 = 760.0;

/// One bar with its interval, for [`interval_chart`].
pub(super) struct Bar {
    pub(super) label: String,
    pub(super) key: String,
    pub(super) value: f64,
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) text: String,
    pub(super) highlight: bool,
}

impl Bar {
    pub(super) fn proportion(label: &str, key: &str, p: &Proportion, highlight: bool) -> Bar {
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

/// Horizontal bars with 95% whiskers on an axis from `min` to `max`.
pub(super) fn interval_chart(bars: &[Bar], min: f64, max: f64, axis: &str, percent: bool, title: &str) -> String {
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
pub(super) fn histogram(
    bins: &[Bin],
    markers: &[(f64, String, &str)],
    color: &str,
    axis: &str,
    title: &str,
    key: &str,
) -> String {
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
pub(super) fn tornado(t: &Sensitivity, top: usize) -> String {
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
