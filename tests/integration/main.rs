//! Veiviser's integration tests, compiled into one binary: the federation runs
//! in-process on 127.0.0.1:0 and is driven through its public gRPC APIs.

mod advisor_web;
mod agency;
mod balancing;
mod browser;
mod conformance;
mod consent;
mod consent_durability;
mod consent_postgres;
mod continuity;
mod federation;
mod foreign;
mod handover;
mod masking_eval;
mod mtls;
mod outside_client;
mod privacy;
mod python_agency;
mod registry;
mod retention;
mod routing_eval;
mod soak;
mod support;
mod trace_context;
