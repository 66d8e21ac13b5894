//! Results → bytes: terminal tables, Markdown, JSON and CSV. No statistics
//! are computed here.

pub mod compare;
pub mod csv;
pub mod doc;
pub mod explain;
pub mod html;
pub mod json;
pub mod sensitivity;
pub mod sobol;
pub mod sweep;
pub mod table;

use crate::stats::summary::Summary;
use doc::Style;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// Human-readable tables.
    Table,
    /// The versioned JSON document (see docs/exports.md).
    Json,
    /// Long-format CSV, one number per row (see docs/exports.md).
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
