//! The SDK's error type and the one place it becomes a gRPC status.

use crate::content::ContentError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request cannot be answered as sent; the message says why.
    #[error("{0}")]
    InvalidArgument(String),
    /// The content files are not valid.
    #[error("invalid content: {0}")]
    Content(#[from] ContentError),
    /// Serving failed (binding, transport).
    #[error("transport: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

impl From<Error> for tonic::Status {
    fn from(error: Error) -> Self {
        match error {
            Error::InvalidArgument(message) => tonic::Status::invalid_argument(message),
            other => {
                tracing::error!(error = %other, "internal error");
                tonic::Status::internal("internal error")
            }
        }
    }
}
