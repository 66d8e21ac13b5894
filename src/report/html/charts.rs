//! The SVG charts: interval bars, histograms with marker lines, a tornado,
//! paired Sobol' index bars and a spider chart.
//! Colours are the Okabe–Ito palette; each bar carries its value in a
//! `data-value` attribute.

use std::fmt::Write;

use super::{esc, short, thousands};
use crate::stats::sensitivity::Sensitivity;
use crate::stats::sobol::SobolIndices;
use crate::stats::spider::Spider;
use crate::stats::{Bin, Proportion};

pub(super) const BLUE: &str = "#0072B2";
pub(super) const ORANGE: &str = "#E69F00";
pub(super) const VERMILLION: &str = "#D55E00";
pub(super) const SKY: &str = "#56B4E9";
pub(super) const INK: &str = "#222";
pub(super) const WIDTH: f64 = 760.0;

/// Axis ticks at round numbers: multiples of a step of 1, 2 or 5 × 10ⁿ,
/// from the first at or above `lo` to the last at or below `hi`, about
/// `most` of them at most (never fewer than two on a span that has room).
pub(super) fn nice_ticks(lo: f64, hi: f64, most: usize) -> (Vec<f64>, f64) {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return (vec![lo], 1.0);
    }
    let rough = (hi - lo) / most.max(1) as f64;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| *s >= rough).unwrap_or(10.0 * power);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    // Multiples of the step, computed from integers so that no sum drifts.
    let ticks = (first..=last).map(|k| if k == 0 { 0.0 } else { k as f64 * step }).collect();
    (ticks, step)
}

/// A tick's label: as many decimals as the step needs, thousands grouped;
/// as a percentage when `percent`.
pub(super) fn tick_label(v: f64, step: f64, percent: bool) -> String {
    let (v, step) = if percent { (100.0 * v, 100.0 * step) } else { (v, step) };
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let text = if v.abs() < 1e-9 * step {
        "0".to_string()
    } else if decimals == 0 {
        thousands(v)
    } else {
        format!("{v:.decimals$}")
    };
    if percent { format!("{text}%") } else { text }
}

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
    // The axis ends on a round number at or past `max`.
    let (mut ticks, step) = nice_ticks(min, max, 5);
    if let Some(&last) = ticks.last()
        && last < max - 1e-9 * step
    {
        ticks.push(last + step);
    }
    let max = ticks.last().copied().unwrap_or(max).max(max);
    let left = 230.0;
    let right = WIDTH - 90.0;
    let row = 34.0;
    let height = 50.0 + row * bars.len() as f64 + 40.0;
    let x = |v: f64| left + (right - left) * ((v - min) / (max - min)).clamp(0.0, 1.0);
    let mut s =
        format!("viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\"><title>{}</title>", esc(title));
    // Grid and axis.
    for v in ticks {
        let gx = x(v);
        let label = tick_label(v, step, percent);
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
    // The axis fits the data (its last bin with trials) and the markers
    // near it; a marker far beyond (a cap of 20,000 over deployments of at
    // most 3,600) is drawn as an arrow at the axis' end.
    let data_hi = bins.iter().rev().find(|b| b.count > 0).map_or(1.0, |b| b.hi);
    let near = markers.iter().map(|m| m.0).filter(|v| *v <= 2.0 * data_hi).fold(data_hi, f64::max);
    let (ticks, step) = nice_ticks(0.0, near, 6);
    let span = ticks.last().copied().filter(|t| *t >= near).unwrap_or(ticks.last().copied().unwrap_or(near) + step);
    let peak = bins.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
    let total: u64 = bins.iter().map(|b| b.count).sum();
    let x = |v: f64| left + (right - left) * (v / span).clamp(0.0, 1.0);
    let y = |c: f64| bottom - (bottom - top) * c / peak;
    let (ticks, step) = nice_ticks(0.0, span, 6);
    for v in ticks {
        let anchor = if x(v) >= right - 1.0 { "end" } else { "middle" };
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"{anchor}\">{}</text>",
            x(v),
            bottom + 20.0,
            tick_label(v, step, false)
        );
    }
    // Shares of trials on the left, where the bars are.
    let peak_share = peak / total.max(1) as f64;
    let (shares, share_step) = nice_ticks(0.0, peak_share, 4);
    for v in shares {
        let ty = y(v * total.max(1) as f64);
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{ty:.1}\" x2=\"{right}\" y2=\"{ty:.1}\" class=\"grid\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            ty + 4.0,
            tick_label(v, share_step, true)
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
        if *v > span {
            // Beyond the axis: an arrow at its end, labelled.
            let _ = write!(
                s,
                "<path class=\"marker beyond {style}\" data-value=\"{v}\" d=\"M{:.1} {ty:.1}h12l-5 -5m5 5l-5 5\" stroke=\"{stroke}\" stroke-width=\"2\" fill=\"none\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"marklabel\" text-anchor=\"end\" fill=\"{stroke}\">{}</text>",
                right - 12.0,
                right - 16.0,
                ty + 4.0,
                esc(label)
            );
            continue;
        }
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
    let (ticks, step) = nice_ticks(-reach, reach, 6);
    for v in ticks {
        let sign = if v > 0.0 { "+" } else { "" };
        let _ = write!(
            s,
            "<line x1=\"{0:.1}\" y1=\"30\" x2=\"{0:.1}\" y2=\"{1:.1}\" class=\"grid\"/><text x=\"{0:.1}\" y=\"{2:.1}\" class=\"tick\" text-anchor=\"middle\">{sign}{3}</text>",
            x(v),
            height - 40.0,
            height - 22.0,
            tick_label(v, step, false)
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
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"label small\" data-input=\"{}\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y + 15.0,
            esc(&l.path),
            esc(&l.path)
        );
        for (d, fill, side) in [(l.low.delta(), SKY, "low"), (l.high.delta(), BLUE, "high")] {
            let (a, b) = (x(0.0).min(x(d)), x(0.0).max(x(d)));
            let _ = write!(
                s,
                "<rect class=\"bar\" data-key=\"{}.{side}\" data-input=\"{}\" data-value=\"{d}\" x=\"{a:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"9\" fill=\"{fill}\"/>",
                esc(&l.path),
                esc(&l.path),
                y + if side == "low" { 2.0 } else { 11.0 },
                (b - a).max(0.5)
            );
        }
    }
    s
}

/// Sobol' indices as paired bars per parameter: first-order (dark) above
/// total (light), each with its 95% bootstrap whisker, on a 0–1 axis.
pub(super) fn index_bars(t: &SobolIndices) -> String {
    let (left, right, row) = (330.0, WIDTH - 30.0, 34.0);
    let height = 40.0 + row * t.inputs.len() as f64 + 40.0;
    let x = |v: f64| left + (right - left) * v.clamp(0.0, 1.0);
    let mut s = format!(
        "viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\"><title>Sobol' indices of {}</title>",
        esc(&t.metric)
    );
    let (ticks, step) = nice_ticks(0.0, 1.0, 5);
    for v in ticks {
        let _ = write!(
            s,
            "<line x1=\"{0:.1}\" y1=\"30\" x2=\"{0:.1}\" y2=\"{1:.1}\" class=\"grid\"/><text x=\"{0:.1}\" y=\"{2:.1}\" class=\"tick\" text-anchor=\"middle\">{3}</text>",
            x(v),
            height - 40.0,
            height - 24.0,
            tick_label(v, step, false)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">share of the variance of {} (dark: first order S, alone; light: total ST, with interactions)</text>",
        (left + right) / 2.0,
        height - 6.0,
        esc(&t.metric)
    );
    let mut order: Vec<usize> = (0..t.inputs.len()).collect();
    order.sort_by(|&a, &b| t.inputs[b].total.value.total_cmp(&t.inputs[a].total.value));
    for (row_at, &i) in order.iter().enumerate() {
        let p = &t.inputs[i];
        let y = 34.0 + row * row_at as f64;
        let label = if p.below_noise { format!("{} (below noise)", p.path) } else { p.path.clone() };
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"label small\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y + 17.0,
            esc(&label)
        );
        for (index, fill, which, dy) in [(&p.first, BLUE, "first", 2.0), (&p.total, SKY, "total", 15.0)] {
            let _ = write!(
                s,
                "<rect class=\"bar\" data-key=\"{}.{which}\" data-value=\"{}\" x=\"{left:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"11\" fill=\"{fill}\"/><line class=\"whisker\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
                esc(&p.path),
                index.value,
                y + dy,
                (x(index.value) - left).max(0.5),
                x(index.lo),
                x(index.hi),
                y + dy + 5.5,
                y + dy + 5.5
            );
        }
    }
    s
}

/// Line dashes for the spider's lines, so they read in grayscale.
const DASHES: [&str; 6] = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4"];
/// Line colours (Okabe–Ito).
const LINES: [&str; 6] = [BLUE, VERMILLION, ORANGE, SKY, "#009E73", "#CC79A7"];

/// The spider chart: the statistic against each parameter's percentile.
pub(super) fn spider(t: &Spider) -> String {
    let (left, right, top, bottom) = (70.0, WIDTH - 250.0, 20.0, 300.0);
    let height = bottom + 50.0;
    let outputs = t.lines.iter().flat_map(|l| l.points.iter().map(|p| p.output)).filter(|v| v.is_finite());
    let (lo, hi) = outputs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = if lo.is_finite() && hi > lo { (lo, hi) } else { (lo - 0.5, lo + 0.5) };
    let pad = 0.05 * (hi - lo);
    let (lo, hi) = (lo - pad, hi + pad);
    let x = |p: f64| left + (right - left) * p;
    let y = |v: f64| bottom - (bottom - top) * (v - lo) / (hi - lo);
    let mut s = format!(
        "viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\"><title>Spider chart of {}</title>",
        esc(&t.metric)
    );
    for p in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            s,
            "<line x1=\"{0:.1}\" y1=\"{top}\" x2=\"{0:.1}\" y2=\"{bottom}\" class=\"grid\"/><text x=\"{0:.1}\" y=\"{1:.1}\" class=\"tick\" text-anchor=\"middle\">{2:.0}</text>",
            x(p),
            bottom + 16.0,
            100.0 * p
        );
    }
    let (ticks, step) = nice_ticks(lo, hi, 5);
    for v in ticks {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"tick\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y(v) + 4.0,
            tick_label(v, step, false)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"middle\">percentile of each parameter's range, the others as written (vertical: {})</text>",
        (left + right) / 2.0,
        bottom + 40.0,
        esc(&t.metric)
    );
    for (i, line) in t.lines.iter().enumerate() {
        let path: Vec<String> =
            line.points.iter().map(|p| format!("{:.1},{:.1}", x(p.percentile), y(p.output))).collect();
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\" stroke-dasharray=\"{}\" points=\"{}\"/>",
            LINES[i % LINES.len()],
            DASHES[i % DASHES.len()],
            path.join(" ")
        );
        for p in &line.points {
            let _ = write!(
                s,
                "<circle class=\"point\" data-key=\"{}@{}\" data-value=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{}\"/>",
                esc(&line.path),
                p.percentile,
                p.output,
                x(p.percentile),
                y(p.output),
                LINES[i % LINES.len()]
            );
        }
        let ly = top + 18.0 * i as f64;
        let _ = write!(
            s,
            "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{ly:.1}\" y2=\"{ly:.1}\" stroke=\"{}\" stroke-width=\"2.5\" stroke-dasharray=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"label small\">{} ({}–{})</text>",
            right + 12.0,
            right + 40.0,
            LINES[i % LINES.len()],
            DASHES[i % DASHES.len()],
            right + 46.0,
            ly + 4.0,
            esc(line
                .path
                .rsplit('.')
                .take(2)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join(".")
                .as_str()),
            short(line.lo),
            short(line.hi)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::{nice_ticks, tick_label};

    /// Whether every tick is a whole multiple of a 1, 2 or 5 × 10ⁿ step.
    fn round(ticks: &[f64], step: f64) -> bool {
        let mantissa = step / 10f64.powf(step.log10().floor());
        [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-9)
            && ticks.iter().all(|t| ((t / step) - (t / step).round()).abs() < 1e-6)
    }

    #[test]
    fn ticks_fall_on_round_numbers_whatever_the_range() {
        for (lo, hi) in
            [(0.0, 4200.0), (0.0, 390.0), (0.0, 1.52), (-0.0452, 0.0452), (0.0, 1.0), (3.3, 17.9), (0.0, 21_000.0)]
        {
            let (ticks, step) = nice_ticks(lo, hi, 5);
            assert!(round(&ticks, step), "{lo}..{hi}: {ticks:?} by {step}");
            assert!(ticks.len() >= 2 && ticks.len() <= 6, "{lo}..{hi}: {ticks:?}");
            assert!(ticks.iter().all(|t| *t >= lo - 1e-12 && *t <= hi + 1e-12), "{lo}..{hi}: {ticks:?}");
        }
        let (ticks, step) = nice_ticks(-0.0452, 0.0452, 6);
        let labels: Vec<String> = ticks.iter().map(|t| tick_label(*t, step, false)).collect();
        assert_eq!(labels, ["-0.04", "-0.02", "0", "0.02", "0.04"].map(String::from).to_vec());
        let (ticks, step) = nice_ticks(0.0, 4200.0, 5);
        let labels: Vec<String> = ticks.iter().map(|t| tick_label(*t, step, false)).collect();
        assert_eq!(labels, ["0", "1,000", "2,000", "3,000", "4,000"].map(String::from).to_vec());
        let (ticks, step) = nice_ticks(0.0, 1.0, 5);
        let labels: Vec<String> = ticks.iter().map(|t| tick_label(*t, step, true)).collect();
        assert_eq!(labels, ["0%", "20%", "40%", "60%", "80%", "100%"].map(String::from).to_vec());
    }
}
