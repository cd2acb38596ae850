//! Errors that name what the user has to fix: the file, the template path or the parameter.

use std::path::{Path, PathBuf};

/// A problem at a place inside a document (`Resources.X.Properties.Y`, a parameter name), before
/// the document's file name is known to the code that found it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct Problem {
    pub at: String,
    pub message: String,
}

impl Problem {
    pub fn new(at: impl Into<String>, message: impl Into<String>) -> Self {
        Self { at: at.into(), message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Something in template.yaml (or what it references) that the local cloud cannot use.
    #[error("{}: {problem}", file.display())]
    Template { file: PathBuf, problem: Problem },
    /// The parameter file, or a parameter's value against the template's constraints.
    #[error("{}: {problem}", file.display())]
    Parameters { file: PathBuf, problem: Problem },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// A local setting (environment variable, command-line flag).
    #[error("{0}")]
    Settings(String),
    /// An emulator refused or could not be reached.
    #[error("{what}: {message}")]
    Aws { what: String, message: String },
}

impl Error {
    pub fn template(file: &Path, problem: Problem) -> Self {
        Self::Template { file: file.to_path_buf(), problem }
    }

    pub fn parameters(file: &Path, problem: Problem) -> Self {
        Self::Parameters { file: file.to_path_buf(), problem }
    }

    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io { path: path.to_path_buf(), source }
    }

    pub fn aws(what: impl Into<String>, message: impl std::fmt::Display) -> Self {
        Self::Aws { what: what.into(), message: message.to_string() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
