//! The trust service's error type and the one place it becomes a gRPC status.

use tonic::Status;
use veiviser_runtime::tokens::TokenError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidArgument(String),
    #[error("citizen token refused: {0}")]
    Unauthenticated(TokenError),
    #[error("profile token refused: {0}")]
    BadProfileToken(TokenError),
    #[error("no consent in force for this agency and purpose")]
    NoConsent,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("demo login is disabled on this service")]
    DemoLoginDisabled,
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("signing: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Runtime(#[from] veiviser_runtime::Error),
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        match error {
            Error::InvalidArgument(message) => Status::invalid_argument(message),
            Error::Unauthenticated(_) | Error::BadProfileToken(_) => Status::unauthenticated(error.to_string()),
            Error::NoConsent | Error::DemoLoginDisabled => Status::failed_precondition(error.to_string()),
            Error::NotFound(_) => Status::not_found(error.to_string()),
            other => {
                tracing::error!(error = %other, "internal error");
                Status::internal("internal error")
            }
        }
    }
}
