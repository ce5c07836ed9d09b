//! The master as a running thing: its state ([`Master`]) and serving it on a
//! listener until shutdown.

use std::future::Future;
use std::hash::RandomState;
use std::sync::Arc;

use tokio::net::TcpListener;
use veiviser_proto::master::v1::citizen_assistant_server::CitizenAssistantServer;

use crate::content::MasterContent;
use crate::network::Network;
use crate::service::CitizenService;
use crate::sessions::Sessions;
use crate::{Error, MasterConfig};

/// The master's state, shared by every request.
#[derive(Debug)]
pub struct Master {
    pub config: MasterConfig,
    pub content: Arc<MasterContent>,
    pub network: Arc<Network>,
    pub sessions: Sessions,
    /// Random per process: the conversation ids agencies see cannot be linked
    /// across agencies or back to the session id.
    pub pseudonyms: RandomState,
}

impl Master {
    /// The masker for citizen messages: the agencies' published phone numbers
    /// stay readable, everything else that looks like personal data is masked.
    pub fn masker(&self) -> veiviser_masking::Masker {
        let snapshot = self.network.snapshot();
        veiviser_masking::Masker::default().allow_numbers(
            snapshot
                .known()
                .filter_map(|(_, card)| card.contact.as_ref().map(|c| c.phone.clone())),
        )
    }

    pub fn new(config: MasterConfig) -> Result<Arc<Self>, Error> {
        let content = Arc::new(match &config.content_dir {
            Some(dir) => MasterContent::from_dir(dir)?,
            None => MasterContent::embedded()?,
        });
        let network = Arc::new(Network::new(&config, Arc::clone(&content))?);
        let sessions = Sessions::new(config.session_idle_timeout, config.max_sessions);
        Ok(Arc::new(Self {
            config,
            content,
            network,
            sessions,
            pseudonyms: RandomState::new(),
        }))
    }
}

/// Builds a master from `config` and serves it on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    config: MasterConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    serve_master(listener, Master::new(config)?, shutdown).await
}

/// Serves an existing master (tests keep a handle to watch its network).
pub async fn serve_master(
    listener: TcpListener,
    master: Arc<Master>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    let address = listener.local_addr()?;
    // Dropping the set at the end of this function stops the refresh tasks.
    let _refresh = master.network.spawn_refresh();
    let (router, _health) = veiviser_agency_sdk::server::router(
        &master.config.server,
        CitizenAssistantServer::new(CitizenService::new(Arc::clone(&master))),
    )
    .await;
    tracing::info!(%address, agencies = master.config.agencies.len(), "master assistant serving");
    veiviser_agency_sdk::server::serve_router(router, listener, shutdown).await?;
    tracing::info!("master assistant stopped");
    Ok(())
}
