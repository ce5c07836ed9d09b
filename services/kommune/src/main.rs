//! The kommune agency assistant: the SDK serving this crate's content.

fn main() -> std::process::ExitCode {
    veiviser_agency_sdk::run(veiviser_kommune::CONTENT, veiviser_kommune::DEFAULT_PORT)
}
