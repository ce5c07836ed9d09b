//! The runtime's error type. Its errors happen while a service starts or
//! stops (unusable TLS material, a listener that fails), never while it
//! answers a request, so none becomes a gRPC status here.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A setting cannot be used as given; the message says which and why.
    #[error("{0}")]
    InvalidArgument(String),
    /// Serving failed (binding, transport).
    #[error("transport: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}
