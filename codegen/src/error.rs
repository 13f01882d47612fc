//! Located errors: every problem the generator finds names the document and the JSON pointer of
//! the construct at fault, so a user can jump straight to it.

use std::fmt;

/// Which input file an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The OpenAPI document.
    Spec,
    /// The doc overrides (overrides.yaml).
    Overrides,
}

/// A generation error with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The file the error is in.
    pub source: Source,
    /// JSON pointer of the offending construct, e.g. `#/paths/~1v3~1tables/get`.
    pub pointer: String,
    /// What is wrong, and where it helps, what to do.
    pub message: String,
}

impl Error {
    /// An error in the OpenAPI document.
    pub fn spec(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            source: Source::Spec,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// An error in the overrides file.
    pub fn overrides(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Error {
            source: Source::Overrides,
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = match self.source {
            Source::Spec => "OpenAPI document",
            Source::Overrides => "overrides",
        };
        write!(f, "{file} at {}: {}", self.pointer, self.message)
    }
}

impl std::error::Error for Error {}

/// Result alias for the generator.
pub type Result<T, E = Error> = std::result::Result<T, E>;
