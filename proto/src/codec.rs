//! The codec of every Veiviser service: prost's, except that a request that is not
//! valid protobuf for its method (a text field that is not UTF-8, a wrong wire type)
//! is the caller's error, INVALID_ARGUMENT, where prost's codec says INTERNAL.
//!
//! The error names the field and the rule that failed (prost's own description),
//! never the bytes. A response that cannot be decoded stays INTERNAL: the caller did
//! nothing wrong.

use std::marker::PhantomData;

use prost::Message;
use tonic::Status;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic_prost::{ProstDecoder, ProstEncoder};

/// Whether a message type is sent by the caller of a method (a request) or by the
/// server (a response). Implemented by `build.rs` for every type a method takes or
/// returns.
pub trait Direction {
    /// True for a method's input type.
    const SENT_BY_CALLER: bool;
}

/// [`tonic_prost::ProstCodec`] with decode errors of requests as INVALID_ARGUMENT.
#[derive(Debug, Clone)]
pub struct ContractCodec<T, U> {
    _types: PhantomData<(T, U)>,
}

impl<T, U> Default for ContractCodec<T, U> {
    fn default() -> Self {
        Self { _types: PhantomData }
    }
}

impl<T, U> Codec for ContractCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Direction + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = ContractDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::default()
    }

    fn decoder(&mut self) -> Self::Decoder {
        ContractDecoder {
            inner: ProstDecoder::default(),
        }
    }
}

/// Decodes with prost and classifies a failure by who sent the message.
#[derive(Debug, Clone)]
pub struct ContractDecoder<U> {
    inner: ProstDecoder<U>,
}

impl<U: Message + Default + Direction> Decoder for ContractDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        self.inner.decode(buf).map_err(|status| {
            if U::SENT_BY_CALLER && status.code() == tonic::Code::Internal {
                Status::invalid_argument(status.message().to_owned())
            } else {
                status
            }
        })
    }

    fn buffer_settings(&self) -> BufferSettings {
        self.inner.buffer_settings()
    }
}

include!(concat!(env!("OUT_DIR"), "/veiviser_directions.rs"));
