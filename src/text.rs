//! Text from files, made safe to show: nothing in it may hide or reorder
//! what a terminal or a spreadsheet displays. Low in the house, so that the
//! scenario loader, the shard merge and the reports can all use it.

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

/// At most `chars` characters of `text`, escaped as [`escape_for_terminal`]
/// does, with `…` when something was cut: how a message quotes a field read
/// from an untrusted file.
pub fn excerpt(text: &str, chars: usize) -> String {
    let mut shown = escape_for_terminal(&text.chars().take(chars).collect::<String>());
    if text.chars().nth(chars).is_some() {
        shown.push('…');
    }
    shown
}
