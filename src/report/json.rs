//! The JSON summary: `Summary` serialised with serde, pretty-printed, with
//! non-finite numbers written as `null`. Its layout is versioned by
//! `meta.schema_version` and documented in the README.

use crate::stats::summary::Summary;

/// Renders the summary as pretty JSON with a trailing newline.
pub fn render(summary: &Summary) -> String {
    let mut text = serde_json::to_string_pretty(summary).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
