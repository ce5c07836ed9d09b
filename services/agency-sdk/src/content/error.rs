//! Content that cannot be served, with the file and the rule it breaks.

/// Content that cannot be served, with the file it comes from.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ContentError {
    pub file: String,
    pub message: String,
}

impl ContentError {
    pub(crate) fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            message: message.into(),
        }
    }
}
