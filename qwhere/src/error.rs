//! A syntax error with its place, and how it is shown to a model.

use std::fmt;

/// A syntax error with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Character offset (0-based) where the problem is.
    pub position: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "q.where syntax error at character {}: {}",
            self.position + 1,
            self.message
        )
    }
}

impl std::error::Error for ParseError {}

impl ParseError {
    /// The message with the condition and a caret under the position, and an example of the
    /// syntax, for a model to correct itself.
    pub fn explain(&self, source: &str) -> String {
        let (shown, caret) = excerpt(source, self.position);
        format!(
            "{self}\n  {shown}\n  {}^\nWrite a T-SQL condition without WHERE, e.g. Status = 'Open' AND Name LIKE N'O''Brien%' AND Qty IN (1, 2)",
            " ".repeat(caret)
        )
    }
}

/// Characters shown on each side of an error's position: enough to recognise the spot, and a
/// condition of any length still gives a message of a few lines.
const CONTEXT_CHARS: usize = 40;

/// The part of `source` around character `position`, on one line (line breaks and tabs shown
/// as spaces so the caret lines up), with `…` where it was cut, and the caret's column in it.
fn excerpt(source: &str, position: usize) -> (String, usize) {
    let chars: Vec<char> = source
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let position = position.min(chars.len());
    let start = position.saturating_sub(CONTEXT_CHARS);
    let end = (position + CONTEXT_CHARS).min(chars.len());
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push('…');
    }
    (shown, position - start + usize::from(start > 0))
}
