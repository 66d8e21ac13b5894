//! A problem in an expression, located at a character.

/// A problem in an expression.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    /// Character offset in the expression text.
    pub at: usize,
    /// What is wrong.
    pub message: String,
    /// What was expected.
    pub expected: Option<String>,
    /// A suggestion.
    pub help: Option<String>,
}

impl ExprError {
    pub(super) fn new(at: usize, message: String) -> ExprError {
        ExprError { at, message, expected: None, help: None }
    }
    pub(super) fn expected(mut self, text: impl Into<String>) -> ExprError {
        self.expected = Some(text.into());
        self
    }
    pub(super) fn help(mut self, text: Option<String>) -> ExprError {
        self.help = text;
        self
    }
}
