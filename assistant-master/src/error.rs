//! The master's error type and the one place it becomes a gRPC status.

use tonic::Status;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the citizen must confirm that they will not share personal data before the chat starts")]
    NotAcknowledged,
    #[error("unknown or expired session")]
    UnknownSession,
    #[error("{0}")]
    InvalidArgument(String),
    #[error("too many open sessions; try again later")]
    TooManySessions,
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("invalid master content: {0}")]
    Content(String),
    #[error("transport: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Sdk(#[from] veiviser_agency_sdk::Error),
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        match error {
            Error::NotAcknowledged => Status::failed_precondition(error.to_string()),
            Error::UnknownSession => Status::not_found(error.to_string()),
            Error::InvalidArgument(message) => Status::invalid_argument(message),
            Error::TooManySessions => Status::resource_exhausted(error.to_string()),
            other => {
                tracing::error!(error = %other, "internal error");
                Status::internal("internal error")
            }
        }
    }
}
