//! JSON documents: serialised with serde, pretty-printed, with non-finite
//! numbers written as `null`. Layouts are versioned by `schema_version` and
//! documented in docs/exports.md.

use serde::Serialize;

/// Renders a value as pretty JSON with a trailing newline.
pub fn render<T: Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
