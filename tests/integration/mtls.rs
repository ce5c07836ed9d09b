//! Mutual TLS between the master and an agency: the master reaches an agency
//! that requires client certificates, and the agency refuses clients with no
//! certificate, no TLS, or a certificate from another CA.

use veiviser_agency_sdk::AgencyConfig;
use veiviser_cli::devca;
use veiviser_proto::agency::v1::DescribeRequest;
use veiviser_proto::agency::v1::agency_assistant_client::AgencyAssistantClient;
use veiviser_runtime::ServerConfig;
use veiviser_runtime::tls::{TlsFiles, TlsPem};
use veiviser_testkit::federation::{Addresses, Federation};

use crate::support::{READY, ask, master_config, session};

fn pem(ca: &devca::DevCa, name: &str) -> TlsPem {
    let (_, cert, key) = ca.leaves.iter().find(|(n, _, _)| n == name).expect("issued");
    TlsFiles {
        cert: cert.clone(),
        key: key.clone(),
        ca: ca.ca.clone(),
    }
    .load()
    .expect("readable PEM")
}

async fn describe(endpoint: tonic::transport::Endpoint) -> Result<(), String> {
    let channel = endpoint.connect().await.map_err(|e| format!("connect: {e:?}"))?;
    AgencyAssistantClient::new(channel)
        .describe(DescribeRequest {})
        .await
        .map(|_| ())
        .map_err(|status| format!("describe: {status:?}"))
}

#[tokio::test]
async fn the_master_reaches_an_mtls_agency_that_refuses_everyone_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names = ["master".to_string(), "nav".to_string()];
    let ca = devca::generate(&dir.path().join("ca"), &names).expect("dev CA");
    let rogue = devca::generate(&dir.path().join("rogue"), &names[..1]).expect("another CA");

    let nav = veiviser_agency_sdk::Assistant::new(veiviser_nav::CONTENT.load().expect("content"));
    let mut config = master_config();
    config.agency_tls = Some(pem(&ca, "master"));
    let server = AgencyConfig {
        server: ServerConfig {
            tls: Some(pem(&ca, "nav")),
            ..ServerConfig::default()
        },
        ..AgencyConfig::default()
    };
    let federation = Federation::start(vec![nav], Addresses::ephemeral(1), config, server)
        .await
        .expect("starts");
    federation
        .wait_until_ready(READY)
        .await
        .expect("the master reaches NAV over mutual TLS");
    let (mut client, session_id) = session(&federation, "nb").await;
    let (_, answer) = ask(&mut client, &session_id, "hvordan søker jeg gravferdsstønad").await;
    assert_eq!(answer.agency_ids, ["nav"]);

    let address = federation.agencies[0].address;
    let https = format!("https://{address}");
    let plain = tonic::transport::Endpoint::from_shared(format!("http://{address}")).expect("url");
    assert!(describe(plain).await.is_err(), "plaintext refused");

    let no_certificate =
        tonic::transport::Endpoint::from_shared(https.clone())
            .expect("url")
            .tls_config(tonic::transport::ClientTlsConfig::new().ca_certificate(
                tonic::transport::Certificate::from_pem(std::fs::read_to_string(&ca.ca).expect("ca")),
            ))
            .expect("tls");
    assert!(
        describe(no_certificate).await.is_err(),
        "a client without a certificate is refused"
    );

    let rogue_client = TlsPem {
        ca: std::fs::read_to_string(&ca.ca).expect("ca"),
        ..pem(&rogue, "master")
    };
    let rogue_endpoint = tonic::transport::Endpoint::from_shared(https.clone())
        .expect("url")
        .tls_config(rogue_client.client())
        .expect("tls");
    assert!(
        describe(rogue_endpoint).await.is_err(),
        "a certificate from another CA is refused"
    );

    let genuine = tonic::transport::Endpoint::from_shared(https)
        .expect("url")
        .tls_config(pem(&ca, "master").client())
        .expect("tls");
    describe(genuine).await.expect("the master's certificate is accepted");
    federation.shutdown().await.expect("clean shutdown");
}
