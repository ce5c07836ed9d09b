//! The trust service process.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    veiviser_consent::cli_main().await
}
