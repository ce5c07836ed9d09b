//! W3C trace context: the master continues the citizen's `traceparent` (or
//! starts a trace) and every agency call carries a child span of it.

use veiviser_cli::client;
use veiviser_proto::master::v1::AskRequest;
use veiviser_runtime::trace::TraceContext;

use crate::support::RecordingNetwork;

async fn ask_with(client: &mut client::MasterClient, session_id: &str, traceparent: Option<&str>) {
    let mut request = tonic::Request::new(AskRequest {
        session_id: session_id.to_string(),
        text: "hvordan søker jeg gravferdsstønad".into(),
        language: String::new(),
    });
    if let Some(header) = traceparent {
        request
            .metadata_mut()
            .insert("traceparent", header.parse().expect("ascii"));
    }
    let mut stream = client.ask(request).await.expect("asked").into_inner();
    while stream.message().await.expect("event").is_some() {}
}

#[tokio::test]
async fn every_agency_call_carries_a_child_of_the_citizens_trace() {
    let network = RecordingNetwork::start().await;
    let mut client = client::connect(&network.master_address.to_string())
        .await
        .expect("master");
    let session = client::start_session(&mut client, "nb", true).await.expect("session");
    let citizen = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    ask_with(&mut client, &session.session_id, Some(citizen)).await;
    ask_with(&mut client, &session.session_id, None).await;
    ask_with(&mut client, &session.session_id, None).await;

    let contexts: Vec<TraceContext> = network
        .received()
        .iter()
        .map(|r| TraceContext::parse(r.traceparent.as_deref().expect("traceparent sent")).expect("valid"))
        .collect();
    assert_eq!(contexts.len(), 3);
    let parent = TraceContext::parse(citizen).expect("valid");
    assert_eq!(
        contexts[0].trace_id, parent.trace_id,
        "the citizen's trace is continued"
    );
    assert_ne!(contexts[0].span_id, parent.span_id, "as a child span");
    // Without a traceparent each turn starts its own trace.
    assert_ne!(contexts[1].trace_id, parent.trace_id);
    assert_ne!(contexts[1].trace_id, contexts[2].trace_id);
    network.stop().await;
}
