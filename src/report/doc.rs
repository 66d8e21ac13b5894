//! A small document builder shared by the table and Markdown renderers:
//! headings, paragraphs and tables, styled for a terminal or for Markdown.

use std::fmt::Write;

use comfy_table::presets::{ASCII_MARKDOWN, UTF8_FULL_CONDENSED};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

use crate::stats::Proportion;
use crate::stats::paired::Kind;
use crate::stats::summary::{Estimate, Percentiles};

/// How a document is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Box-drawn tables for a terminal, bold headings when `color`.
    Terminal {
        /// Whether ANSI styling is allowed.
        color: bool,
    },
    /// GitHub-flavoured Markdown.
    Markdown,
}

/// A document being written.
#[derive(Debug)]
pub struct Doc {
    style: Style,
    out: String,
    /// Columns the tables must fit (terminal tables only).
    width: Option<u16>,
}

/// The width terminal tables fit: the terminal's when stdout is one, or
/// `COLUMNS` when set; none (full width, for files and pipes) otherwise.
fn table_width() -> Option<u16> {
    use std::io::IsTerminal;
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<u16>().ok()).filter(|&c| c >= 40);
    if std::io::stdout().is_terminal() { columns.or_else(|| Table::new().width()) } else { columns }
}

/// `text` wrapped at word boundaries to the terminal's width (see
/// `table_width`), later lines indented by `indent`; unchanged for files
/// and pipes.
pub fn fit_terminal(text: &str, indent: &str) -> String {
    fit(text, table_width(), indent)
}

fn fit(text: &str, width: Option<u16>, indent: &str) -> String {
    match width {
        Some(width) => textwrap::fill(text, textwrap::Options::new(usize::from(width)).subsequent_indent(indent)),
        None => text.to_string(),
    }
}

impl Doc {
    /// An empty document.
    pub fn new(style: Style) -> Doc {
        let width = match style {
            Style::Terminal { .. } => table_width(),
            Style::Markdown => None,
        };
        Doc { style, out: String::new(), width }
    }

    /// The document's title line.
    pub fn title(&mut self, text: &str) {
        match self.style {
            Style::Terminal { .. } => self.line(text),
            Style::Markdown => {
                let _ = writeln!(self.out, "# {text}\n");
            }
        }
    }

    /// A line of text (a paragraph line in Markdown). On a terminal narrower
    /// than the line it wraps at word boundaries, later lines indented.
    pub fn line(&mut self, text: &str) {
        match self.style {
            Style::Terminal { .. } => {
                let _ = writeln!(self.out, "{}", fit(text, self.width, "  "));
            }
            Style::Markdown => {
                // A paragraph right under a table would be read as one of
                // its rows.
                if self.out.ends_with("|\n") {
                    self.out.push('\n');
                }
                let _ = writeln!(self.out, "{text}  ");
            }
        }
    }

    /// A section heading.
    pub fn heading(&mut self, text: &str) {
        match self.style {
            Style::Terminal { color: true } => {
                let _ = writeln!(self.out, "\n\x1b[1m{}\x1b[0m", fit(text, self.width, ""));
            }
            Style::Terminal { color: false } => {
                let _ = writeln!(self.out, "\n{}", fit(text, self.width, ""));
            }
            Style::Markdown => {
                let _ = writeln!(self.out, "\n## {text}\n");
            }
        }
    }

    /// A new table with this header, in the document's style (escaping `|`
    /// in Markdown, in the header as in the rows).
    pub fn table(&self, header: &[&str]) -> Table {
        let mut t = Table::new();
        let preset = if self.style == Style::Markdown { ASCII_MARKDOWN } else { UTF8_FULL_CONDENSED };
        t.load_preset(preset).set_content_arrangement(ContentArrangement::Disabled);
        if self.style == Style::Markdown {
            t.set_header(header.iter().map(|h| Cell::new(h.replace('|', "\\|"))));
        } else {
            t.set_header(header.iter().map(Cell::new));
        }
        // On a narrow terminal, long cells wrap inside their column instead
        // of every row wrapping across the screen.
        if let Some(width) = self.width {
            t.set_content_arrangement(ContentArrangement::Dynamic).set_width(width);
        }
        t
    }

    /// Adds a row to a table (escaping `|` in Markdown).
    pub fn row(&self, t: &mut Table, cells: Vec<String>) {
        if self.style == Style::Markdown {
            t.add_row(cells.into_iter().map(|c| c.replace('|', "\\|")));
        } else {
            t.add_row(cells);
        }
    }

    /// Adds a table, its columns from `right_from` on aligned right.
    pub fn push(&mut self, mut t: Table, right_from: usize) {
        for i in right_from..t.column_count() {
            if let Some(c) = t.column_mut(i) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        let _ = writeln!(self.out, "{t}");
    }

    /// The finished text.
    pub fn finish(self) -> String {
        self.out
    }

    /// On a terminal whose width the tables must fit, the columns left for
    /// a table's flexible cells (a path, a bar) once `columns` columns'
    /// borders and the `fixed` widths of the others are taken; `None` for
    /// files and pipes, which keep the full width.
    pub fn room(&self, columns: usize, fixed: usize) -> Option<usize> {
        self.width.map(|w| usize::from(w).saturating_sub(3 * columns + 1 + fixed))
    }

    /// Whether tables must fit a terminal narrower than `natural` columns.
    pub fn narrower_than(&self, natural: usize) -> bool {
        self.width.is_some_and(|w| usize::from(w) < natural)
    }

    /// Whether the widest tables show estimates alone (a terminal narrower
    /// than [`COMPACT_BELOW`] columns), so that each row keeps to a line.
    pub fn compact(&self) -> bool {
        self.narrower_than(COMPACT_BELOW)
    }

    /// A proportion for a table: with its interval, or alone when compact.
    pub fn pct(&self, p: &Proportion) -> String {
        if !self.compact() || p.p.is_nan() {
            return pct(p);
        }
        let d = percent_decimals(100.0 * p.p);
        format!("{:.d$}%", 100.0 * p.p)
    }

    /// An estimate for a table: ± its standard error, or alone when compact.
    pub fn est(&self, e: &Estimate) -> String {
        if self.compact() && !e.mean.is_nan() { num(e.mean) } else { est(e) }
    }

    /// Under a compact table, where its intervals are.
    pub fn compact_note(&mut self) {
        if self.compact() {
            self.line(&format!(
                "Intervals and standard errors show {COMPACT_BELOW} columns wide, or in --format csv or json."
            ));
        }
    }
}

/// Below this many columns, the widest tables leave out intervals.
pub const COMPACT_BELOW: usize = 120;

/// A dotted path in at most `most` characters, shortened from the left at
/// a dot or a slash (`…foreign_backed.bernoulli`, `…follow_the_lead`): the
/// end of a path says what it is. A last part longer than `most` keeps its
/// end.
pub fn shorten_path(path: &str, most: usize) -> String {
    if path.chars().count() <= most {
        return path.to_string();
    }
    // The longest end after a separator that fits with its "…".
    let fitting = path
        .char_indices()
        .filter(|&(_, c)| c == '.' || c == '/')
        .map(|(i, _)| &path[i + 1..])
        .find(|rest| rest.chars().count() < most);
    match fitting {
        Some(rest) => format!("…{rest}"),
        None => {
            let tail: Vec<char> = path.chars().rev().take(most.saturating_sub(1)).collect();
            format!("…{}", tail.into_iter().rev().collect::<String>())
        }
    }
}

/// The widest of `cells` and `header`, in characters.
pub fn widest<'c>(header: &str, cells: impl IntoIterator<Item = &'c String>) -> usize {
    cells.into_iter().map(|c| c.chars().count()).chain([header.chars().count()]).max().unwrap_or(0)
}

/// A proportion as a percentage with its interval.
pub fn pct(p: &Proportion) -> String {
    if p.p.is_nan() {
        return "—".into();
    }
    let d = percent_decimals(100.0 * p.p);
    format!("{:5.d$}%  [{:.d$}, {:.d$}]", 100.0 * p.p, 100.0 * p.lo, 100.0 * p.hi)
}

/// Decimals that keep a percentage strictly between 0 and 100 from
/// printing as 0.0 or 100.0 (a rare outcome is rare, not absent): one,
/// or enough for two significant figures of its distance from the edge.
fn percent_decimals(x: f64) -> usize {
    let edge = x.min(100.0 - x);
    if edge.is_nan() || edge <= 0.0 || edge >= 0.05 { 1 } else { ((-edge.log10()).ceil() as usize + 1).min(6) }
}

/// A number at a precision that suits its size (— for NaN): whole above
/// 100, two decimals down to 0.01, and below that two significant figures
/// (a standard error of 0.004 is not "0.00").
pub fn num(x: f64) -> String {
    if x.is_nan() {
        "—".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x == 0.0 || x.abs() >= 0.01 || !x.is_finite() {
        format!("{x:.2}")
    } else {
        let decimals = ((-x.abs().log10()).floor() as usize + 2).min(12);
        format!("{x:.decimals$}")
    }
}

/// A mean ± its standard error.
pub fn est(e: &Estimate) -> String {
    if e.mean.is_nan() {
        return "—".into();
    }
    format!("{} ± {}", num(e.mean), num(e.se))
}

/// Five percentiles and the maximum.
pub fn percentiles(p: &Percentiles) -> String {
    format!("{} / {} / {} / {} / {}   max {}", num(p.p5), num(p.p25), num(p.p50), num(p.p75), num(p.p95), num(p.max))
}

/// A value of a compared quantity: a percentage or a number.
pub fn value(kind: Kind, x: f64) -> String {
    match kind {
        Kind::Probability if !x.is_nan() => format!("{:.1}%", 100.0 * x),
        _ => num(x),
    }
}

/// A difference and its interval, `(difference, "[lo, hi]")`, with as many
/// decimals as it takes for the interval to be read: its ends apart when it
/// has width, and neither shown as zero when it excludes zero (so "≠ 0:
/// yes" never stands beside "[+0.00, +0.00]").
pub fn delta_interval(kind: Kind, diff: f64, lo: f64, hi: f64, excludes_zero: bool) -> (String, String) {
    let scale = if kind == Kind::Probability { 100.0 } else { 1.0 };
    let unit = if kind == Kind::Probability { " pp" } else { "" };
    let start = if kind == Kind::Probability || diff.abs() < 100.0 { 2 } else { 0 };
    let at = |x: f64, d: usize| format!("{:+.*}{unit}", d, scale * x);
    let zero =
        |text: &str| text.trim_start_matches(['+', '-']).trim_end_matches(unit).chars().all(|c| c == '0' || c == '.');
    let readable = |d: usize| {
        let (l, h) = (at(lo, d), at(hi, d));
        (l != h || lo == hi) && !(excludes_zero && (zero(&l) || zero(&h)))
    };
    if [diff, lo, hi].iter().any(|x| x.is_nan()) {
        return (delta(kind, diff), format!("[{}, {}]", delta(kind, lo), delta(kind, hi)));
    }
    match (start..=8).find(|&d| readable(d)) {
        Some(d) if d > start => (at(diff, d), format!("[{}, {}]", at(lo, d), at(hi, d))),
        _ => (delta(kind, diff), format!("[{}, {}]", delta(kind, lo), delta(kind, hi))),
    }
}

/// A change: percentage points or a signed number.
pub fn delta(kind: Kind, x: f64) -> String {
    match kind {
        Kind::Probability if !x.is_nan() => format!("{:+.2} pp", 100.0 * x),
        _ if x.is_nan() => num(x),
        _ => format!("{}{}", if x >= 0.0 { "+" } else { "" }, num(x)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_path_is_shortened_from_the_left_at_a_dot() {
        use super::shorten_path;
        let path = "crisis.variables.foreign_backed.bernoulli";
        assert_eq!(shorten_path(path, 60), path);
        assert_eq!(shorten_path(path, 30), "…foreign_backed.bernoulli");
        assert_eq!(shorten_path(path, 12), "…bernoulli");
        assert_eq!(shorten_path(path, 6), "…oulli");
        assert_eq!(shorten_path("contribute.probability/follow_the_lead", 26), "…follow_the_lead");
    }

    use super::*;

    #[test]
    fn an_interval_that_excludes_zero_never_reads_as_zero() {
        // 0.002 pp to 0.004 pp: at two decimals both ends read +0.00 pp.
        let (diff, interval) = delta_interval(Kind::Probability, 0.00003, 0.00002, 0.00004, true);
        assert_eq!((diff.as_str(), interval.as_str()), ("+0.003 pp", "[+0.002 pp, +0.004 pp]"));
        // A plain interval keeps two decimals.
        let (_, interval) = delta_interval(Kind::Probability, 0.01, 0.005, 0.015, true);
        assert_eq!(interval, "[+0.50 pp, +1.50 pp]");
        // An exact zero stays as it is.
        let (_, interval) = delta_interval(Kind::Mean, 0.0, 0.0, 0.0, false);
        assert_eq!(interval, "[+0.00, +0.00]");
        let (_, interval) = delta_interval(Kind::Mean, 0.0004, 0.0001, 0.0007, true);
        assert_eq!(interval, "[+0.0001, +0.0007]");
    }
}
