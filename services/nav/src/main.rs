//! The nav agency assistant: the SDK serving this crate's content.

fn main() -> std::process::ExitCode {
    veiviser_agency_sdk::run(veiviser_nav::CONTENT, veiviser_nav::DEFAULT_PORT)
}
