//! Located problems in scenario files, collected and printed rustc-style.
//!
//! Every problem a user can make in a scenario becomes a [`Diagnostic`] with a
//! file, line and column, a message, what was expected, and at most one
//! suggestion. Loading collects all of them in one pass where it can.

use std::fmt;
use std::sync::Arc;

/// A position in a source file (1-based line and column, in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    /// Index of the file in the [`Sources`] table.
    pub file: u16,
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// 1-based column; 0 when unknown.
    pub column: u32,
}

impl Loc {
    /// The same position moved `chars` characters to the right on its line.
    pub fn shifted(self, chars: usize) -> Loc {
        Loc { column: self.column.saturating_add(u32::try_from(chars).unwrap_or(u32::MAX)), ..self }
    }
}

/// The files a scenario was read from, so that locations can name them.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    names: Vec<Arc<str>>,
}

impl Sources {
    /// Registers a file name (once: a name read again keeps its index) and returns its index.
    pub fn add(&mut self, name: &str) -> u16 {
        let index = match self.names.iter().position(|n| &**n == name) {
            Some(known) => known,
            None => {
                self.names.push(Arc::from(name));
                self.names.len() - 1
            }
        };
        u16::try_from(index).unwrap_or(u16::MAX)
    }

    /// The display name of file `index`.
    pub fn name(&self, index: u16) -> &str {
        self.names.get(usize::from(index)).map_or("<unknown>", |n| n)
    }
}

/// How serious a problem is: errors stop the load, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The scenario cannot be used.
    Error,
    /// The scenario runs, but probably not as the author meant.
    Warning,
}

/// One located problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Display name of the file.
    pub file: Arc<str>,
    /// 1-based line (0 if unknown).
    pub line: u32,
    /// 1-based column (0 if unknown).
    pub column: u32,
    /// What is wrong, lowercase, no trailing period.
    pub message: String,
    /// What was expected instead.
    pub expected: Option<String>,
    /// A suggestion, such as "did you mean 'severity'?".
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        // Text quoted from a file is shown escaped: a bidirectional
        // override in a bad id must not reorder the message around it.
        let shown = crate::text::escape_for_terminal;
        // Line 0: no place in a file (an override, a file that could not
        // be read): the name alone.
        match self.line {
            0 => write!(f, "{kind}: {}: {}", shown(&self.file), shown(&self.message))?,
            line => write!(f, "{kind}: {}:{line}:{}: {}", shown(&self.file), self.column, shown(&self.message))?,
        }
        if let Some(expected) = &self.expected {
            write!(f, "\n  expected {}", shown(expected))?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {}", shown(help))?;
        }
        Ok(())
    }
}

/// A collector of diagnostics for one load.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// The files involved.
    pub sources: Sources,
    /// Everything found so far, in the order found.
    pub items: Vec<Diagnostic>,
    /// Members a file added to the scenario it extends (on purpose: with
    /// name and pledges), for `validate` to show.
    pub added_members: Vec<String>,
}

/// Upper bound on the number of diagnostics kept for one load.
const MAX_DIAGNOSTICS: usize = 200;

impl Report {
    /// Records an error at `loc`.
    pub fn error(&mut self, loc: Loc, message: impl Into<String>) -> DiagnosticBuilder<'_> {
        self.push(Severity::Error, loc, message.into())
    }

    /// Records a warning at `loc`.
    pub fn warning(&mut self, loc: Loc, message: impl Into<String>) -> DiagnosticBuilder<'_> {
        self.push(Severity::Warning, loc, message.into())
    }

    fn push(&mut self, severity: Severity, loc: Loc, message: String) -> DiagnosticBuilder<'_> {
        let diagnostic = Diagnostic {
            severity,
            file: Arc::from(self.sources.name(loc.file)),
            line: loc.line,
            column: loc.column,
            message,
            expected: None,
            help: None,
        };
        if self.items.len() < MAX_DIAGNOSTICS {
            self.items.push(diagnostic);
            let last = self.items.len() - 1;
            DiagnosticBuilder { target: self.items.get_mut(last) }
        } else {
            DiagnosticBuilder { target: None }
        }
    }

    /// Whether any error (not warning) was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// The errors, sorted by file, line and column.
    pub fn errors(&self) -> Vec<Diagnostic> {
        self.sorted(Severity::Error)
    }

    /// The warnings, sorted by file, line and column.
    pub fn warnings(&self) -> Vec<Diagnostic> {
        self.sorted(Severity::Warning)
    }

    fn sorted(&self, severity: Severity) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = self.items.iter().filter(|d| d.severity == severity).cloned().collect();
        out.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        out.dedup();
        out
    }
}

/// Adds the optional parts of a diagnostic just recorded.
pub struct DiagnosticBuilder<'a> {
    target: Option<&'a mut Diagnostic>,
}

impl DiagnosticBuilder<'_> {
    /// Says what was expected.
    pub fn expected(self, text: impl Into<String>) -> Self {
        let mut this = self;
        if let Some(d) = this.target.as_deref_mut() {
            d.expected = Some(text.into());
        }
        this
    }

    /// Adds a suggestion.
    pub fn help(self, text: impl Into<String>) -> Self {
        let mut this = self;
        if let Some(d) = this.target.as_deref_mut() {
            d.help = Some(text.into());
        }
        this
    }

    /// Adds "did you mean …?" when one of `candidates` is close to `word`.
    pub fn suggest<'c>(self, word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Self {
        match suggest(word, candidates) {
            Some(best) => self.help(format!("did you mean '{best}'?")),
            None => self,
        }
    }
}

pub use crate::suggest::suggest;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(suggest("severty", ["severity", "duration"]), Some("severity"));
        assert_eq!(suggest("xyz", ["severity", "duration"]), None);
    }
}
