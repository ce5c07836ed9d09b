//! The trust service binary, built inside the test package so integration
//! tests can run it as a real process (and kill it with SIGKILL).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    veiviser_consent::cli_main().await
}
