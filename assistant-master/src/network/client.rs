//! The master's client to one agency: a tonic channel (one instance, or
//! balanced over the pods a host name resolves to) behind a tower stack
//! (load shedding, a concurrency limit), shared by the contract's client and
//! gRPC health.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tonic::codegen::http::Uri;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::health_client::HealthClient;
use tower::ServiceBuilder;
use tower::limit::ConcurrencyLimit;
use tower::load_shed::LoadShed;
use veiviser_agency_sdk::contract::MAX_CARD_BYTES;
use veiviser_proto::agency::v1::agency_assistant_client::AgencyAssistantClient;

use super::pods::{Pods, PodsHandle};
use crate::config::MasterConfig;
use crate::error::Error;

/// How many locally reset HTTP/2 streams a client remembers. A client resets
/// a stream when an answer completes before its own end-of-request frame is
/// flushed; frames that then arrive for a forgotten reset stream count toward
/// h2's limit of 1024 and close the connection. Remembering more keeps the
/// limit for misbehaving peers without tripping it in normal use.
pub const REMEMBERED_RESET_STREAMS: usize = 1024;

/// The tower stack every call to one agency goes through.
pub type AgencyStack = LoadShed<ConcurrencyLimit<Channel>>;
/// A client to one agency behind the master's tower stack.
pub type AgencyClient = AgencyAssistantClient<AgencyStack>;
/// gRPC health of one agency, through the same stack and limit.
pub type AgencyHealth = HealthClient<AgencyStack>;

/// Whether `status` is the client's own refusal of a message larger than it
/// decodes (an agency's own OUT_OF_RANGE is an ordinary error).
pub fn too_large(status: &tonic::Status) -> bool {
    status.code() == tonic::Code::OutOfRange && status.message().contains("message length too large")
}

/// The clients of one agency address.
pub struct Clients {
    pub client: AgencyClient,
    pub health: AgencyHealth,
    /// The host is a name, which may stand for several pods: calls are
    /// balanced over the addresses it resolves to ([`super::pods`]).
    pub pods: Option<PodsHandle>,
}

/// The contract's client and the health client for one agency address. An
/// address with an IP address is one instance; one with a host name is
/// balanced over every address the name resolves to that accepts a
/// connection, re-resolved every `pod_refresh`.
pub fn clients(address: &str, config: &MasterConfig) -> Result<Clients, Error> {
    let invalid = |e: &dyn std::fmt::Display| Error::Config(format!("agency address \"{address}\": {e}"));
    let uri: Uri = address.parse().map_err(|e| invalid(&e))?;
    let host = uri.host().ok_or_else(|| invalid(&"no host"))?.to_string();
    let balanced = host.trim_matches(['[', ']']).parse::<IpAddr>().is_err();
    let mut pods = None;
    let channel = if balanced {
        let (channel, changes) = Channel::balance_channel::<SocketAddr>(16);
        let scheme = uri.scheme_str().unwrap_or("http").to_string();
        let port = uri.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
        let settings = config.clone();
        let name = host.clone();
        let origin: Uri = format!("{scheme}://{host}:{port}").parse().map_err(|e| invalid(&e))?;
        let endpoint = move |pod: SocketAddr| {
            let endpoint = Endpoint::from_shared(format!("{scheme}://{pod}"))
                .ok()?
                // Requests name the agency (`:authority`), not the pod's address, as for an ingress.
                .origin(origin.clone());
            // TLS checks the pod's certificate against the agency's name, not the pod's address.
            configure(endpoint, &settings, Some(&name)).ok()
        };
        let handle = PodsHandle::default();
        pods = Some(handle.clone());
        tokio::spawn(
            Pods {
                host,
                port,
                resolver: config.agency_resolver.clone(),
                refresh: config.pod_refresh,
                endpoint: Box::new(endpoint),
                changes,
                handle,
            }
            .follow(),
        );
        channel
    } else {
        let endpoint = Endpoint::from_shared(address.to_string()).map_err(|e| invalid(&e))?;
        configure(endpoint, config, None)?.connect_lazy()
    };
    let stack = ServiceBuilder::new()
        // Fail a call at once when the agency already has its limit of calls in flight,
        // rather than queueing behind a slow agency.
        .load_shed()
        // At most this many calls in flight to one agency (health checks included).
        .concurrency_limit(config.agency_concurrency)
        .service(channel);
    let client = AgencyAssistantClient::new(stack.clone())
        // Nothing an agency sends may be larger than the largest card accepted;
        // a larger message fails to decode (OUT_OF_RANGE) instead of filling memory.
        .max_decoding_message_size(MAX_CARD_BYTES);
    Ok(Clients {
        client,
        health: HealthClient::new(stack),
        pods,
    })
}

/// The connection settings of every agency endpoint; `tls_name` is the name
/// a pod's certificate must carry when the endpoint is a pod's address.
fn configure(mut endpoint: Endpoint, config: &MasterConfig, tls_name: Option<&str>) -> Result<Endpoint, Error> {
    if let Some(tls) = &config.agency_tls {
        // Mutual TLS: present the master's certificate, trust agencies signed by the CA.
        let mut tls = tls.client();
        if let Some(name) = tls_name {
            tls = tls.domain_name(name);
        }
        endpoint = endpoint
            .tls_config(tls)
            .map_err(|e| Error::Config(format!("agency TLS: {e}")))?;
    }
    Ok(endpoint
        // Give up connecting quickly; the caller's deadline and the refresh loop decide what next.
        .connect_timeout(config.agency_timeout.min(Duration::from_secs(2)))
        // Notice a dead agency on an idle connection.
        .http2_keep_alive_interval(Duration::from_secs(30))
        // Small request frames go out at once.
        .tcp_nodelay(true)
        // Frames for streams this client reset are ignored, not counted as errors.
        .http2_max_concurrent_reset_streams(REMEMBERED_RESET_STREAMS))
}
