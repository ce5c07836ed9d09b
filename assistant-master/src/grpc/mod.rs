//! The gRPC transport: thin tonic adapters over the master's state, one per
//! service of `veiviser.master.v1` (citizens and advisors).

mod advisor;
mod citizen;

pub use advisor::{AdvisorDeskService, MAX_ADVISOR_NAME};
pub use citizen::{CitizenService, FORWARDED_INTENT};
