//! One agency assistant through the agency contract, as the master or an
//! outside caller sees it: the card, answers, streaming, bad input.

use tokio_stream::StreamExt;
use veiviser_proto::agency::v1::agency_assistant_client::AgencyAssistantClient;
use veiviser_proto::agency::v1::{AskRequest, DescribeRequest, TaskState, ask_stream_chunk::Chunk};

use crate::support::federation;

async fn client(address: std::net::SocketAddr) -> AgencyAssistantClient<tonic::transport::Channel> {
    AgencyAssistantClient::connect(format!("http://{address}"))
        .await
        .expect("agency reachable")
}

fn question(text: &str, language: &str) -> AskRequest {
    AskRequest {
        text: text.into(),
        language: language.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn agencies_answer_stream_and_refuse_bad_input() {
    let federation = federation().await;
    let address = |id: &str| federation.agencies.iter().find(|a| a.id == id).expect("agency").address;
    let mut skatt = client(address("skatteetaten")).await;

    let card = skatt.describe(DescribeRequest {}).await.expect("card").into_inner();
    assert_eq!(card.agency_id, "skatteetaten");
    assert_eq!(card.contract_version.split('.').next(), Some("1"));
    assert!(!card.content_version.is_empty());

    let answer = skatt
        .ask(question("må vi betale arveavgift på arven", "nb"))
        .await
        .expect("answer")
        .into_inner();
    assert_eq!(answer.skill_id, "arveavgift");
    assert_eq!(answer.state, i32::from(TaskState::Completed));
    assert!(answer.text.contains("2013"), "{}", answer.text);

    // The streamed answer concatenates to the unary answer's text.
    let request = question("when is the tax return for my late mother ready", "en");
    let whole = skatt.ask(request.clone()).await.expect("answer").into_inner();
    let mut stream = skatt.ask_stream(request).await.expect("stream").into_inner();
    let (mut text, mut done) = (String::new(), None);
    while let Some(chunk) = stream.next().await {
        match chunk.expect("chunk").chunk {
            Some(Chunk::TextDelta(delta)) => text.push_str(&delta),
            Some(Chunk::Done(answer)) => done = Some(answer),
            None => {}
        }
    }
    assert_eq!(text, whole.text);
    assert_eq!(done.expect("final chunk").skill_id, whole.skill_id);

    // Life-event mode: the agency's part of the plan, every item attributed.
    let mut kommune = client(address("kommune")).await;
    let part = kommune
        .ask(AskRequest {
            life_event: "dodsfall-og-arv".into(),
            language: "nn".into(),
            ..Default::default()
        })
        .await
        .expect("answer")
        .into_inner();
    assert_eq!(part.language, "nn");
    assert!(part.checklist.len() >= 3);
    assert!(
        part.checklist
            .iter()
            .all(|i| i.agency_id == "kommune" && i.link.starts_with("https://"))
    );

    // A referral back to an agency already on the path is not offered.
    let mut nav = client(address("nav")).await;
    let mut asked = question("hvordan søker jeg gravferdsstønad", "nb");
    let referred = nav.ask(asked.clone()).await.expect("answer").into_inner();
    assert_eq!(
        referred.referrals.first().map(|r| r.agency_id.as_str()),
        Some("kommune")
    );
    asked.referral_path = vec!["kommune".into()];
    let not_back = nav.ask(asked).await.expect("answer").into_inner();
    assert!(not_back.referrals.is_empty());

    // Something no NAV example resembles gets the fallback, not a guess.
    let fallback = nav
        .ask(question("xqzv blorft wub", "nb"))
        .await
        .expect("answer")
        .into_inner();
    assert_eq!(fallback.state, i32::from(TaskState::InputRequired));
    assert!(fallback.skill_id.is_empty());

    for (request, fragment) in [
        (question("", "nb"), "empty"),
        (question("   ", "nb"), "empty"),
        (question("hei", "de"), "not supported"),
        (question(&"x".repeat(4_001), "nb"), "longer than"),
    ] {
        let status = nav.ask(request).await.expect_err("refused");
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(status.message().contains(fragment), "{}", status.message());
    }
    federation.shutdown().await.expect("clean shutdown");
}

/// Behind the master's door, the agency checks again: a question sent
/// straight to it with a valid identity number (typed with a no-break space,
/// as pasted from a bank) is answered as usual, the number is masked before
/// the assistant reads it, and the agency counts it on its /metrics.
#[tokio::test]
async fn an_agency_masks_again_what_reaches_it_unmasked_and_counts_it() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let assistant = veiviser_testkit::federation::built_in_assistants()
        .expect("content")
        .into_iter()
        .find(|a| a.agency_id() == "nav")
        .expect("nav");
    let config = veiviser_agency_sdk::AgencyConfig::default();
    let metrics = config.metrics.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let metrics_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let metrics_address = metrics_listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|s| *s).await;
    };
    let agency = tokio::spawn(veiviser_agency_sdk::serve(
        listener,
        assistant,
        config,
        until_stopped(stopped.clone()),
    ));
    let metrics_server = tokio::spawn(veiviser_agency_sdk::serve_metrics(
        metrics_listener,
        metrics.clone(),
        until_stopped(stopped),
    ));

    let mut nav = client(address).await;
    let answer = nav
        .ask(question(
            "fødselsnummeret mitt er 128350\u{a0}12180, hvordan søker jeg gravferdsstønad?",
            "nb",
        ))
        .await
        .expect("answered")
        .into_inner();
    assert_eq!(
        answer.skill_id, "gravferdsstonad",
        "the masked question is still understood"
    );
    assert_eq!(metrics.remasked("fodselsnummer"), 1);
    nav.ask(question("hvordan søker jeg gravferdsstønad?", "nb"))
        .await
        .expect("answered");
    assert_eq!(metrics.remasked("fodselsnummer"), 1, "a clean question is not counted");

    let mut stream = tokio::net::TcpStream::connect(metrics_address).await.expect("connect");
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("request");
    let mut page = String::new();
    stream.read_to_string(&mut page).await.expect("response");
    assert!(
        page.contains("veiviser_agency_remasked_total{kind=\"fodselsnummer\"} 1"),
        "{page}"
    );
    assert!(!page.contains("12180"), "{page}");

    let _ = stop.send(true);
    agency.await.expect("joined").expect("served");
    metrics_server.await.expect("joined").expect("served");
}
