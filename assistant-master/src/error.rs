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
    #[error("this session has no handover to a human advisor")]
    NoHandover,
    #[error("unknown agency \"{0}\" (or not reachable since the master started)")]
    UnknownAgency(String),
    #[error("{0} has no chat with human advisors")]
    NoAdvisors(String),
    #[error("no agency in the network has chat with human advisors")]
    NoAdvisorsAnywhere,
    #[error("the master is shutting down; try again shortly")]
    ShuttingDown,
    #[error("a valid desk key is required")]
    Unauthenticated,
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
            Error::UnknownSession | Error::NoHandover | Error::UnknownAgency(_) => Status::not_found(error.to_string()),
            Error::NoAdvisors(_) | Error::NoAdvisorsAnywhere => Status::failed_precondition(error.to_string()),
            Error::ShuttingDown => Status::unavailable(error.to_string()),
            Error::Unauthenticated => Status::unauthenticated(error.to_string()),
            Error::InvalidArgument(message) => Status::invalid_argument(message),
            Error::TooManySessions => Status::resource_exhausted(error.to_string()),
            other => {
                tracing::error!(error = %other, "internal error");
                Status::internal("internal error")
            }
        }
    }
}
