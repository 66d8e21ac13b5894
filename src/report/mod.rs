//! [`Summary`] → bytes. No statistics are computed here.

pub mod json;
pub mod table;

use crate::stats::summary::Summary;

/// Output formats of `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable tables.
    Table,
    /// The versioned JSON summary (see README "JSON summary").
    Json,
}

/// Renders a summary in a format.
pub fn render(summary: &Summary, format: Format, color: bool) -> String {
    match format {
        Format::Table => table::render(summary, color),
        Format::Json => json::render(summary),
    }
}
