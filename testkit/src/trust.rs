//! The trust service in this process, next to the federation: `veiviser demo`
//! runs it on fixed loopback ports with an in-memory database; tests run it
//! on `127.0.0.1:0` and wire agencies and master to it.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use veiviser_agency_sdk::TrustConfig;
use veiviser_consent::{ConsentConfig, Trust};
use veiviser_master::profiles::{LIFE_EVENT_PURPOSE, TrustLink};

/// The demo's trust service ports: gRPC and HTTP (JWKS).
pub const DEMO_TRUST_PORTS: (u16, u16) = (50070, 50071);

/// A running trust service.
#[derive(Debug)]
pub struct TrustProcess {
    pub trust: Arc<Trust>,
    pub grpc_address: SocketAddr,
    pub http_address: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), String>>,
}

impl TrustProcess {
    /// Starts the trust service on the two addresses. `config.issuer` is set
    /// to the HTTP address actually bound.
    pub async fn start(mut config: ConsentConfig, grpc: SocketAddr, http: SocketAddr) -> Result<Self, String> {
        let grpc = TcpListener::bind(grpc)
            .await
            .map_err(|e| format!("cannot listen on {grpc}: {e}"))?;
        let http = TcpListener::bind(http)
            .await
            .map_err(|e| format!("cannot listen on {http}: {e}"))?;
        let grpc_address = grpc.local_addr().map_err(|e| e.to_string())?;
        let http_address = http.local_addr().map_err(|e| e.to_string())?;
        config.issuer = format!("http://{http_address}");
        let trust = Arc::new(Trust::open(config).await.map_err(|e| e.to_string())?);
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = Arc::clone(&trust);
        let task = tokio::spawn(async move {
            veiviser_consent::serve(grpc, http, serving, async {
                let _ = stopped.await;
            })
            .await
            .map_err(|e| e.to_string())
        });
        Ok(Self {
            trust,
            grpc_address,
            http_address,
            stop,
            task,
        })
    }

    /// What an agency needs to accept this service's profile tokens.
    pub fn agency_trust(&self) -> TrustConfig {
        TrustConfig {
            issuer: self.trust.config.issuer.clone(),
            jwks_url: format!("http://{}{}", self.http_address, veiviser_consent::http::JWKS_PATH),
            trust_service: Some(format!("http://{}", self.grpc_address)),
            actor: self.trust.config.actor.clone(),
        }
    }

    /// What the master needs to ask this service for profile tokens.
    pub fn master_link(&self) -> TrustLink {
        TrustLink {
            address: format!("http://{}", self.grpc_address),
            purpose: LIFE_EVENT_PURPOSE.to_string(),
        }
    }

    pub async fn stop(self) -> Result<(), String> {
        let _ = self.stop.send(());
        self.task.await.map_err(|e| e.to_string())?
    }
}
