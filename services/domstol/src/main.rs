//! The courts' agency assistant: the SDK serving this crate's content.

fn main() -> std::process::ExitCode {
    veiviser_agency_sdk::run(veiviser_domstol::CONTENT, veiviser_domstol::DEFAULT_PORT)
}
