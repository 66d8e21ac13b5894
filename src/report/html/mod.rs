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

//!
//! [`render`] writes the page from one function per section (in
//! `sections`), each drawing its charts with the SVG builders of `charts`;
//! the style sheet is `report.css`, included at build time.

mod charts;
mod sections;

use std::fmt::Write;

use crate::stats::Bin;
use crate::stats::compare::Comparison;
use crate::stats::sensitivity::Sensitivity;
use crate::stats::sobol::SobolIndices;
use crate::stats::spider::Spider;
use crate::stats::summary::Summary;

pub use sections::tornado_section;
use sections::{comparison, deployment, funnel, global, history, members, outcomes, rules, sensitivity, timing};

/// Bins per histogram.
pub const BINS: usize = 60;

impl Distributions {
    /// The histograms of a batch.
    pub fn of(stats: &crate::stats::batch::BatchStats) -> Distributions {
        // A deployment decided and never sent is in the funnel, by name,
        // not a spike at zero here.
        Distributions { deployed: stats.deployed.without_zeros().bins(BINS, 1.0), need: stats.need.bins(BINS, 1.0) }
    }
}

/// Distributions the summary reduces to percentiles, for the histograms.
#[derive(Debug, Clone, Default)]
pub struct Distributions {
    /// Personnel deployed, over deploy trials in which troops were sent.
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
    /// Sobol' indices and a spider chart over parameter ranges.
    pub global: Option<(&'a SobolIndices, &'a Spider)>,
}

/// A section of the report (drawn only when the report has what it shows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// From request to deployment.
    Funnel,
    /// How many deploy, against the caps.
    Deployment,
    /// Who contributes.
    Members,
    /// How fast.
    Timing,
    /// The scenario's outcome metrics.
    Outcomes,
    /// Which rules fired.
    Rules,
    /// Against what happened.
    History,
    /// Side by side with the compared scenarios.
    Comparison,
    /// The tornado.
    Sensitivity,
    /// Sobol' indices and the spider chart.
    Global,
}

impl Section {
    /// Every section, in the order [`render`] draws them.
    pub const ALL: [Section; 10] = [
        Section::Funnel,
        Section::Deployment,
        Section::Members,
        Section::Timing,
        Section::Outcomes,
        Section::Rules,
        Section::History,
        Section::Comparison,
        Section::Sensitivity,
        Section::Global,
    ];
}

/// The report's sections in `order`, without the page around them (the
/// studio places them in its own page).
pub fn sections(r: &Report<'_>, order: &[Section]) -> String {
    let mut out = String::new();
    for section in order {
        let draw = match section {
            Section::Funnel => funnel,
            Section::Deployment => deployment,
            Section::Members => members,
            Section::Timing => timing,
            Section::Outcomes => outcomes,
            Section::Rules => rules,
            Section::History => history,
            Section::Comparison => comparison,
            Section::Sensitivity => sensitivity,
            Section::Global => global,
        };
        draw(&mut out, r);
    }
    out
}

/// The report's style sheet (the studio serves it beside its own).
pub const STYLE: &str = include_str!("report.css");

/// Renders the report.
pub fn render(r: &Report<'_>) -> String {
    let s = r.summary;
    let m = &s.meta;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{} — alliance-sim report</title><style>\n{STYLE}</style></head><body>",
        esc(&m.scenario)
    );
    let _ = write!(out, "<header><h1>{}</h1><p class=\"meta\" data-section=\"header\">", esc(&m.scenario));
    // The subtitle says what a reader needs (how many trials, which seed,
    // which file); what reproduces the run byte for byte goes to the foot.
    let _ = write!(
        out,
        "{} trials, seed <code>{}</code> · scenario <code>{}</code>",
        thousands(m.trials as f64),
        m.seed,
        esc(&m.origin),
    );
    for o in &m.overrides {
        let _ = write!(out, "<br>override <code>--set {}</code>", esc(o));
    }
    out.push_str("</p></header>\n");
    out.push_str(&sections(r, &Section::ALL));
    let _ = writeln!(
        out,
        "<footer class=\"meta\"><p>Made by alliance-sim {}. Intervals are 95%: Wilson for proportions, mean ± 1.96 standard errors otherwise.</p><p>To reproduce: scenario sha256 <code>{}</code>; random numbers: {}.</p></footer></body></html>",
        esc(&m.tool_version),
        esc(&m.scenario_hash[..16.min(m.scenario_hash.len())]),
        esc(&m.rng)
    );
    out
}

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

/// A figure: a chart with a caption, tagged with its section.
fn figure(out: &mut String, section: &str, title: &str, svg: &str, caption: &str) {
    let _ = writeln!(
        out,
        "<figure class=\"chart\" data-section=\"{section}\"><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" {svg}</svg><figcaption><strong>{}</strong> {}</figcaption></figure>",
        esc(title),
        esc(caption)
    );
}

#[cfg(test)]
mod tests {
    use super::{esc, short, thousands};

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(thousands(1_234_567.4), "1,234,567");
        assert_eq!(thousands(999.5), "1,000");
        assert_eq!(thousands(-3600.0), "−3,600");
        assert_eq!(thousands(f64::NAN), "—");
        assert_eq!(short(0.126), "0.13");
        assert_eq!(short(20_000.0), "20,000");
    }

    #[test]
    fn text_is_escaped_for_html_and_attributes() {
        assert_eq!(esc("<a href=\"x\">&</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    }
}
