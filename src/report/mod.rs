//! Results → bytes: terminal tables, Markdown, JSON and CSV. No statistics
//! are computed here.

pub mod compare;
pub mod csv;
pub mod doc;
pub mod explain;
pub mod html;
pub mod json;
pub mod sensitivity;
pub mod sweep;
pub mod table;

use crate::stats::summary::Summary;
use doc::Style;

/// `text` with every character that could hide or reorder what a terminal
/// or a spreadsheet shows — control characters but line feed and tab, bidirectional overrides
/// and isolates, zero-width characters — written as a `\u{…}` escape.
/// Ids cannot hold these (they match `[a-z][a-z0-9_]*`); this is for text
/// taken from files that were not checked, such as a part's metadata.
pub fn escape_for_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if hides_or_reorders(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Control (but line feed and tab), bidirectional-formatting and zero-width
/// characters.
pub fn hides_or_reorders(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{061c}' | '\u{feff}')
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// Human-readable tables.
    Table,
    /// The versioned JSON document (see README "JSON summary").
    Json,
    /// Long-format CSV, one number per row (see README "CSV exports").
    Csv,
    /// The tables as GitHub-flavoured Markdown.
    Markdown,
}

/// Something every format can render: a run's summary, a comparison, a
/// sweep, a sensitivity analysis.
pub trait Render {
    /// Terminal tables or Markdown.
    fn document(&self, style: Style) -> String;
    /// The JSON document.
    fn json(&self) -> String;
    /// The CSV document.
    fn csv(&self) -> String;

    /// Renders in a format (`color` applies to tables only).
    fn render(&self, format: Format, color: bool) -> String {
        match format {
            Format::Table => self.document(Style::Terminal { color }),
            Format::Markdown => self.document(Style::Markdown),
            Format::Json => self.json(),
            Format::Csv => self.csv(),
        }
    }
}

impl Render for Summary {
    fn document(&self, style: Style) -> String {
        table::render(self, style)
    }
    fn json(&self) -> String {
        json::render(self)
    }
    fn csv(&self) -> String {
        csv::render(self)
    }
}
