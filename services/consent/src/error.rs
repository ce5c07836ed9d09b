//! The trust service's error type and its one table: each error's gRPC code
//! ([`Error::code`]), and the one place it becomes a status.

use tonic::{Code, Status};
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
    #[error("registry changes need the operator key")]
    OperatorKey,
    #[error("registry changes are off: this trust service has no operator key")]
    RegistryClosed,
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

impl Error {
    /// The gRPC code of this error: the one table from error to code.
    pub fn code(&self) -> Code {
        match self {
            Self::InvalidArgument(_) => Code::InvalidArgument,
            Self::Unauthenticated(_) | Self::BadProfileToken(_) | Self::OperatorKey => Code::Unauthenticated,
            Self::NoConsent | Self::DemoLoginDisabled | Self::RegistryClosed => Code::FailedPrecondition,
            Self::NotFound(_) => Code::NotFound,
            Self::Config(_) | Self::Database(_) | Self::Signing(_) | Self::Io(_) | Self::Runtime(_) => Code::Internal,
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        match (error.code(), error) {
            (Code::Internal, error) => {
                // The detail goes to the log; the client gets no internals.
                tracing::error!(%error, "internal error");
                Status::internal("internal error")
            }
            (Code::InvalidArgument, Error::InvalidArgument(message)) => Status::invalid_argument(message),
            (code, error) => Status::new(code, error.to_string()),
        }
    }
}
