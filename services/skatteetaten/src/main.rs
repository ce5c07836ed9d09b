//! The skatteetaten agency assistant: the SDK serving this crate's content.

fn main() -> std::process::ExitCode {
    veiviser_agency_sdk::run(veiviser_skatteetaten::CONTENT, veiviser_skatteetaten::DEFAULT_PORT)
}
