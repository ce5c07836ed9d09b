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
    /// Serving failed (TLS material, binding, transport).
    #[error(transparent)]
    Runtime(#[from] veiviser_runtime::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// A profile token was refused; the reason is safe to return.
    #[error("profile token refused: {0}")]
    ProfileToken(#[from] veiviser_runtime::tokens::TokenError),
    /// A profile token came to an agency configured without a trust service.
    #[error("this agency does not accept profile tokens")]
    TokensNotAccepted,
}

impl From<Error> for tonic::Status {
    fn from(error: Error) -> Self {
        match error {
            Error::InvalidArgument(message) => tonic::Status::invalid_argument(message),
            Error::ProfileToken(veiviser_runtime::tokens::TokenError::KeysUnavailable) => {
                tonic::Status::unavailable("cannot verify profile tokens right now")
            }
            Error::ProfileToken(_) | Error::TokensNotAccepted => tonic::Status::unauthenticated(error.to_string()),
            other => {
                tracing::error!(error = %other, "internal error");
                tonic::Status::internal("internal error")
            }
        }
    }
}
