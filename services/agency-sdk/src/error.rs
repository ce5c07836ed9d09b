//! The SDK's error type and its one table: each error's gRPC code
//! ([`Error::code`]), and the one place it becomes a status.

use veiviser_runtime::tokens::TokenError;

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
    ProfileToken(#[from] TokenError),
    /// A profile token came to an agency configured without a trust service.
    #[error("this agency does not accept profile tokens")]
    TokensNotAccepted,
    /// The card-signing key file cannot be read or is not a key.
    #[error("card key: {0}")]
    CardKey(String),
    /// A signed card was asked of an agency that has no card-signing key.
    #[error("this agency has no card-signing key")]
    NoCardKey,
}

impl Error {
    /// The gRPC code of this error: the one table from error to code.
    pub fn code(&self) -> tonic::Code {
        match self {
            Self::InvalidArgument(_) => tonic::Code::InvalidArgument,
            Self::ProfileToken(TokenError::KeysUnavailable) => tonic::Code::Unavailable,
            Self::ProfileToken(_) | Self::TokensNotAccepted => tonic::Code::Unauthenticated,
            Self::NoCardKey => tonic::Code::FailedPrecondition,
            Self::Content(_) | Self::Runtime(_) | Self::Io(_) | Self::CardKey(_) => tonic::Code::Internal,
        }
    }
}

impl From<Error> for tonic::Status {
    fn from(error: Error) -> Self {
        match (error.code(), error) {
            (tonic::Code::Internal, error) => {
                // The detail goes to the log; the client gets no internals.
                tracing::error!(%error, "internal error");
                tonic::Status::internal("internal error")
            }
            (_, Error::InvalidArgument(message)) => tonic::Status::invalid_argument(message),
            (code @ tonic::Code::Unavailable, _) => tonic::Status::new(code, "cannot verify profile tokens right now"),
            (code, error) => tonic::Status::new(code, error.to_string()),
        }
    }
}
