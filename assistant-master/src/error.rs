//! The master's error type and its one table: each error's gRPC code, and
//! each gRPC code's HTTP status and names. Every status the master sends, on
//! gRPC or HTTP, and every error metric label comes from here.

use axum::http::StatusCode;
use tonic::{Code, Status};

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
    #[error("unknown agency (or not reachable since the master started)")]
    UnknownAgency,
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
    /// As many questions are being answered as the master admits at once.
    #[error("the assistant is busy; try again in a moment")]
    Busy,
    /// One client started sessions faster than its limit allows.
    #[error("too many new sessions from one address; wait a minute and try again")]
    TooManyNewSessions,
    /// Too many wrong desk keys from this client lately.
    #[error("too many wrong desk keys; wait a minute and try again")]
    DeskKeyThrottled,
    /// The advisor page is off: it needs a desk key on the master.
    #[error("the advisor page needs a desk key on the master (VEIVISER_ADVISOR_KEY)")]
    AdvisorPageOff,
    /// A feature that needs the trust service, on a master without one.
    #[error("this master has no trust service, so {0}")]
    NoTrustService(&'static str),
    /// An advisor page connection that has ended (or never existed).
    #[error("this advisor connection has ended; sign in again")]
    AdvisorConnectionGone,
    /// The advisor page sent actions faster than the desk takes them.
    #[error("too many actions at once; wait for the desk to answer")]
    TooManyActions,
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("invalid master content: {0}")]
    Content(String),
    #[error("transport: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Runtime(#[from] veiviser_runtime::Error),
    /// The session store failed (the detail goes to the log only).
    #[error("session store: {0}")]
    SessionStore(#[from] sqlx::Error),
    /// Anything the client cannot act on; the detail goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The gRPC code of this error: the one table from error to code.
    pub fn code(&self) -> Code {
        match self {
            Self::NotAcknowledged | Self::NoAdvisors(_) | Self::NoAdvisorsAnywhere | Self::AdvisorPageOff => {
                Code::FailedPrecondition
            }
            Self::UnknownSession | Self::NoHandover | Self::UnknownAgency | Self::AdvisorConnectionGone => {
                Code::NotFound
            }
            Self::InvalidArgument(_) => Code::InvalidArgument,
            Self::ShuttingDown | Self::Busy => Code::Unavailable,
            Self::Unauthenticated => Code::Unauthenticated,
            Self::TooManySessions | Self::TooManyNewSessions | Self::TooManyActions | Self::DeskKeyThrottled => {
                Code::ResourceExhausted
            }
            Self::NoTrustService(_) => Code::Unimplemented,
            Self::Config(_)
            | Self::Content(_)
            | Self::Transport(_)
            | Self::Io(_)
            | Self::Runtime(_)
            | Self::SessionStore(_)
            | Self::Internal(_) => Code::Internal,
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        match error.code() {
            Code::Internal => {
                tracing::error!(error = %error, "internal error");
                Status::internal("internal error")
            }
            Code::InvalidArgument => match error {
                Error::InvalidArgument(message) => Status::invalid_argument(message),
                other => Status::invalid_argument(other.to_string()),
            },
            code => {
                let busy = matches!(error, Error::Busy);
                let mut status = Status::new(code, error.to_string());
                if busy {
                    // gRPC's retry hint: try again after this many milliseconds.
                    status.metadata_mut().insert(
                        "grpc-retry-pushback-ms",
                        tonic::metadata::MetadataValue::from(BUSY_RETRY_MS),
                    );
                }
                status
            }
        }
    }
}

/// How long a client refused as busy is asked to wait, in milliseconds.
pub const BUSY_RETRY_MS: u32 = 1_000;

/// The HTTP status for a gRPC code, as the web endpoints answer it.
pub fn http_status(code: Code) -> StatusCode {
    match code {
        Code::InvalidArgument | Code::OutOfRange => StatusCode::BAD_REQUEST,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::FailedPrecondition => StatusCode::PRECONDITION_FAILED,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The code as gRPC names it ("INVALID_ARGUMENT"): the `code` of the web
/// endpoints' JSON errors.
pub fn code_name(code: Code) -> &'static str {
    code_names(code).0
}

/// The code's name in the master's metric labels ("InvalidArgument").
pub fn metric_label(code: Code) -> &'static str {
    code_names(code).1
}

fn code_names(code: Code) -> (&'static str, &'static str) {
    match code {
        Code::Ok => ("OK", "Ok"),
        Code::Cancelled => ("CANCELLED", "Cancelled"),
        Code::Unknown => ("UNKNOWN", "Unknown"),
        Code::InvalidArgument => ("INVALID_ARGUMENT", "InvalidArgument"),
        Code::DeadlineExceeded => ("DEADLINE_EXCEEDED", "DeadlineExceeded"),
        Code::NotFound => ("NOT_FOUND", "NotFound"),
        Code::AlreadyExists => ("ALREADY_EXISTS", "AlreadyExists"),
        Code::PermissionDenied => ("PERMISSION_DENIED", "PermissionDenied"),
        Code::ResourceExhausted => ("RESOURCE_EXHAUSTED", "ResourceExhausted"),
        Code::FailedPrecondition => ("FAILED_PRECONDITION", "FailedPrecondition"),
        Code::Aborted => ("ABORTED", "Aborted"),
        Code::OutOfRange => ("OUT_OF_RANGE", "OutOfRange"),
        Code::Unimplemented => ("UNIMPLEMENTED", "Unimplemented"),
        Code::Internal => ("INTERNAL", "Internal"),
        Code::Unavailable => ("UNAVAILABLE", "Unavailable"),
        Code::DataLoss => ("DATA_LOSS", "DataLoss"),
        Code::Unauthenticated => ("UNAUTHENTICATED", "Unauthenticated"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_grpc_and_labels_follow_the_code_enum() {
        for code in [
            Code::InvalidArgument,
            Code::NotFound,
            Code::Internal,
            Code::FailedPrecondition,
        ] {
            assert_eq!(metric_label(code), format!("{code:?}"));
            let snake: String = metric_label(code)
                .chars()
                .enumerate()
                .flat_map(|(i, c)| {
                    let sep = (c.is_uppercase() && i > 0).then_some('_');
                    sep.into_iter().chain(std::iter::once(c.to_ascii_uppercase()))
                })
                .collect();
            assert_eq!(code_name(code), snake);
        }
    }

    #[test]
    fn internal_detail_stays_out_of_the_status() {
        let status = Status::from(Error::Content("secret path /etc/x".into()));
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error");
        let status = Status::from(Error::UnknownSession);
        assert_eq!(
            (status.code(), status.message()),
            (Code::NotFound, "unknown or expired session")
        );
    }
}
