//! Generated Rust code for the Veiviser gRPC contract (`proto/veiviser/**`).
//!
//! `agency::v1` is what every agency assistant implements; `master::v1` is the
//! citizen-facing API of the master assistant; `consent::v1` is the trust
//! service (consent grants and profile tokens); `registry::v1` is the
//! federation's allow-list of agencies, kept by the trust service. [`FILE_DESCRIPTOR_SET`] feeds gRPC
//! server reflection.
#![allow(missing_docs, missing_debug_implementations, unreachable_pub)]
#![allow(clippy::all, clippy::pedantic)]

/// The encoded `FileDescriptorSet` of every Veiviser proto, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/veiviser_descriptor.bin"));

pub mod codec;

pub mod agency {
    pub mod v1 {
        tonic::include_proto!("veiviser.agency.v1");
    }
}

pub mod master {
    pub mod v1 {
        tonic::include_proto!("veiviser.master.v1");
    }
}

pub mod consent {
    pub mod v1 {
        tonic::include_proto!("veiviser.consent.v1");
    }
}

pub mod registry {
    pub mod v1 {
        tonic::include_proto!("veiviser.registry.v1");
    }
}
