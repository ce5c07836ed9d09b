//! The citizen's chat window in a real headless Chromium (Debian's
//! `chromium` and `chromedriver`), driven over WebDriver: the acknowledgement,
//! a demo login with consent, the life-event plan (its days, the tailored
//! text, the tasks that only may apply), a handover to an advisor connected
//! through the advisor API, the download during the chat and after it, and a
//! title per state in the service's frame; axe-core checks WCAG 2.0, 2.1 and
//! 2.2 A and AA on every screen and fails the test on any violation; the
//! layout must reflow at 320 CSS pixels (400 % zoom) and on a phone. A second
//! journey runs in nynorsk and English up to the plan, which must show the
//! deadline groups the master gives over gRPC in that language, on a desktop
//! and a phone, and switches language during the chat. The privacy and
//! accessibility statements, and the chat embedded in another site's page
//! with one script tag, have their own journeys.
//! Screenshots go to `target/test-artifacts/browser/`.
//!
//! Needs chromedriver (on PATH or `$VEIVISER_CHROMEDRIVER`) and axe-core 4
//! (`$VEIVISER_AXE_JS`, which `tests/run.sh` sets from the PyPI package
//! axe-playwright-python).
//! Without them the test says so and passes, except under CI, where it fails.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use veiviser_consent::ConsentConfig;
use veiviser_master::MasterConfig;
use veiviser_master::handover::hours::HoursPolicy;
use veiviser_proto::master::v1::{
    AskRequest, FinalAnswer, HandBack, HandoverState, Reply, Take, ask_event, desk_action, desk_event, handover_event,
};
use veiviser_testkit::federation::Federation;
use veiviser_testkit::trust::TrustProcess;

use crate::handover::{citizen_status, citizen_until, request_human, watch};
use crate::support::{READY, WebEndpoint, ask, federation_with_trust, first_line, master_config, session};

const KARI: &str = "14838512047";

/// What the browser test needs from the machine.
struct Tools {
    chromedriver: PathBuf,
    axe: String,
}

fn find_tools() -> Result<Tools, String> {
    let chromedriver = std::env::var_os("VEIVISER_CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| on_path("chromedriver"))
        .ok_or("chromedriver not found (apt-get install chromium chromium-driver)")?;
    let axe_path = match std::env::var_os("VEIVISER_AXE_JS") {
        Some(path) => PathBuf::from(path),
        None => axe_from_pypi().ok_or("axe-core not found (run tests/run.sh, or set VEIVISER_AXE_JS)")?,
    };
    let axe = std::fs::read_to_string(&axe_path).map_err(|e| format!("{}: {e}", axe_path.display()))?;
    Ok(Tools { chromedriver, axe })
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// axe.min.js as shipped inside the axe-playwright-python package.
fn axe_from_pypi() -> Option<PathBuf> {
    let pythons = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/venv/bin/python3"),
        PathBuf::from("python3"),
    ];
    pythons.iter().find_map(|python| {
        let output = std::process::Command::new(python)
            .args([
                "-c",
                "import axe_playwright_python, os; print(os.path.dirname(axe_playwright_python.__file__))",
            ])
            .output()
            .ok()?;
        let dir = String::from_utf8(output.stdout).ok()?;
        let path = Path::new(dir.trim()).join("axe.min.js");
        path.is_file().then_some(path)
    })
}

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-artifacts/browser");
    std::fs::create_dir_all(&dir).expect("artifact directory");
    dir
}

/// chromedriver on a free port; returns once it says it is listening.
async fn start_chromedriver(path: &Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let stdout = child.stdout.take().expect("stdout");
    let started = first_line(stdout, READY, |line| {
        line.contains("started successfully").then_some(())
    })
    .await;
    assert!(started.is_some(), "chromedriver did not start");
    (child, format!("http://127.0.0.1:{port}"))
}

async fn browser(webdriver: &str, downloads: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=nb"],
            "prefs": {
                "download.default_directory": downloads.to_string_lossy(),
                "download.prompt_for_download": false,
            },
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(webdriver)
        .await
        .expect("a browser session")
}

/// Waits until `condition` (a JavaScript expression) is true in the page.
async fn wait_for(client: &Client, condition: &str) {
    let script = format!("return Boolean({condition});");
    let poll = async {
        loop {
            if client.execute(&script, vec![]).await.expect("script runs") == Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    if tokio::time::timeout(READY, poll).await.is_err() {
        let _ = save_screenshot(client, "timeout").await;
        panic!("the page never satisfied: {condition}");
    }
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css} on the page"))
        .text()
        .await
        .expect("text")
}

async fn click(client: &Client, css: &str) {
    let element = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css} on the page"));
    element.click().await.unwrap_or_else(|e| panic!("{css} clicked: {e}"));
}

/// The text of `css` whether or not it is shown yet.
async fn text_content(client: &Client, css: &str) -> String {
    let script = format!("return document.querySelector('{css}').textContent.trim();");
    let text = client.execute(&script, vec![]).await.expect("script runs");
    text.as_str().unwrap_or_else(|| panic!("{css} on the page")).to_string()
}

async fn save_screenshot(client: &Client, name: &str) -> PathBuf {
    let png = client.screenshot().await.expect("screenshot");
    let path = artifacts().join(format!("{name}.png"));
    std::fs::write(&path, png).expect("screenshot saved");
    path
}

/// Runs axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules (2.2 adds target
/// size) and fails on any violation.
async fn assert_accessible(client: &Client, axe: &str, screen: &str) {
    client.execute(axe, vec![]).await.expect("axe-core loads");
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'] } })
          .then(result => done(result.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => n.target.join(' ')) }))))
          .catch(error => done([{ id: 'axe-error', help: String(error) }]));
    "#;
    let violations = client.execute_async(script, vec![]).await.expect("axe runs");
    assert_eq!(
        violations,
        json!([]),
        "accessibility violations on the {screen} screen:\n{violations:#}"
    );
}

/// No horizontal scrolling at this viewport width.
async fn assert_reflows(client: &Client, width: u32, height: u32, name: &str) {
    client.set_window_size(width, height).await.expect("resize");
    let inner = client
        .execute("return window.innerWidth;", vec![])
        .await
        .expect("width");
    let scroll = client
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await
        .expect("scroll width");
    save_screenshot(client, name).await;
    assert!(
        scroll.as_f64() <= inner.as_f64(),
        "horizontal scrolling at {width}px: content {scroll} px in {inner} px"
    );
}

/// Whether the element `css` is wholly inside the window.
async fn in_view(client: &Client, css: &str) -> bool {
    let script = format!(
        "const r = document.querySelector('{css}').getBoundingClientRect(); \
         return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;"
    );
    client.execute(&script, vec![]).await.expect("script runs") == Value::Bool(true)
}

async fn title(client: &Client) -> String {
    client.title().await.expect("title")
}

/// Headings of level one that are shown: each screen has exactly one.
async fn visible_h1s(client: &Client) -> u64 {
    let script = "return [...document.querySelectorAll('h1')].filter(h => h.getClientRects().length > 0).length;";
    client
        .execute(script, vec![])
        .await
        .expect("script runs")
        .as_u64()
        .unwrap_or(0)
}

/// Fetches `href` (of `css`) from inside the page: its status and text.
async fn fetched(client: &Client, css: &str) -> (u64, String) {
    let script = format!(
        "const done = arguments[arguments.length - 1]; \
         fetch(document.querySelector('{css}').href).then(async r => done([r.status, await r.text()])) \
           .catch(e => done([0, String(e)]));"
    );
    let result = client.execute_async(&script, vec![]).await.expect("fetch runs");
    (
        result[0].as_u64().unwrap_or(0),
        result[1].as_str().unwrap_or_default().to_string(),
    )
}

async fn focused_id(client: &Client) -> String {
    client
        .execute("return document.activeElement && document.activeElement.id;", vec![])
        .await
        .expect("focus")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Types into the composer and sends with the Enter key.
async fn say(client: &Client, text: &str) {
    let message = client.find(Locator::Css("#message")).await.expect("composer");
    message.send_keys(text).await.expect("typed");
    message.send_keys(&Key::Enter.to_string()).await.expect("sent");
}

/// The federation with a trust service, the web chat served on an ephemeral
/// port, and a headless Chromium driven over WebDriver.
struct BrowserChat {
    axe: String,
    client: Client,
    web: WebEndpoint,
    federation: Federation,
    trust: TrustProcess,
    downloads: tempfile::TempDir,
    _chromedriver: Child,
}

impl BrowserChat {
    /// `None`, after saying why, when the machine lacks the browser tools and
    /// this is not CI; under CI a missing tool fails the test.
    async fn start() -> Option<Self> {
        Self::start_with(|config| config).await
    }

    async fn start_with_desk_key(desk_key: Option<&str>) -> Option<Self> {
        Self::start_with(|config| MasterConfig {
            advisor_key: desk_key.map(str::to_string),
            ..config
        })
        .await
    }

    /// With the test's master configuration changed by `configure`.
    async fn start_with(configure: impl FnOnce(MasterConfig) -> MasterConfig) -> Option<Self> {
        let tools = match find_tools() {
            Ok(tools) => tools,
            Err(missing) if std::env::var_os("CI").is_none() => {
                eprintln!("skipping the browser test: {missing}");
                return None;
            }
            Err(missing) => panic!("CI must run the browser test: {missing}"),
        };
        let any = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let trust = TrustProcess::start(ConsentConfig::default(), any, any)
            .await
            .expect("trust service");
        // The tests run at any hour; opening hours have their own tests.
        let federation = federation_with_trust(
            &trust,
            configure(MasterConfig {
                advisor_hours: HoursPolicy::AlwaysOpen,
                ..master_config()
            }),
        )
        .await;
        let web = WebEndpoint::start(Arc::clone(&federation.master)).await;
        let downloads = tempfile::tempdir().expect("download dir");
        let (chromedriver, webdriver) = start_chromedriver(&tools.chromedriver).await;
        let client = browser(&webdriver, downloads.path()).await;
        Some(Self {
            axe: tools.axe,
            client,
            web,
            federation,
            trust,
            downloads,
            _chromedriver: chromedriver,
        })
    }

    /// Loads the page afresh and waits until the demo people are listed.
    async fn open(&self) {
        self.client.goto(&self.web.url("/")).await.expect("page loads");
        wait_for(
            &self.client,
            "document.querySelector('#person option[value=\"14838512047\"]')",
        )
        .await;
    }

    async fn choose_language(&self, language: &str) {
        let select = self.client.find(Locator::Css("#lang")).await.expect("language select");
        select.select_by_value(language).await.expect("language chosen");
        wait_for(&self.client, &format!("document.documentElement.lang === '{language}'")).await;
    }

    async fn stop(self) {
        self.client.close().await.expect("browser closes");
        self.web.stop().await;
        self.federation.shutdown().await.expect("stops");
        self.trust.stop().await.expect("trust stops");
    }
}

/// Asks `question` in the page and waits until the whole plan has arrived.
async fn ask_for_the_plan(client: &Client, question: &str) -> String {
    say(client, question).await;
    wait_for(client, "document.querySelector('#messages .plan .plan-group')").await;
    wait_for(client, "!document.querySelector('#messages [aria-busy=true]')").await;
    text_of(client, "#messages .plan").await
}

#[tokio::test]
async fn a_citizen_chats_in_the_browser_from_acknowledgement_to_advisor_and_download() {
    let Some(chat) = BrowserChat::start().await else {
        return;
    };
    let (client, axe) = (&chat.client, chat.axe.as_str());

    // The start screen, in all three languages, in the service's frame.
    chat.open().await;
    assert_accessible(client, axe, "start").await;
    let start_title = title(client).await;
    assert_eq!(visible_h1s(client).await, 1, "one h1 on the start screen");
    for framed in [
        ".site-header .site-name",
        "#lang",
        "footer a#privacy-link",
        "footer a#accessibility-link",
    ] {
        assert!(client.find(Locator::Css(framed)).await.is_ok(), "{framed} in the frame");
    }
    let bokmal = text_of(client, "label[for=ack]").await;
    for language in ["nn", "en", "nb"] {
        chat.choose_language(language).await;
        if language != "nb" {
            assert_ne!(
                text_of(client, "label[for=ack]").await,
                bokmal,
                "{language} has its own text"
            );
        }
    }

    // Starting without the acknowledgement is refused, and focus goes to it.
    click(client, "#start").await;
    wait_for(
        client,
        "document.querySelector('#start-error').textContent.trim().length > 0",
    )
    .await;
    assert_eq!(focused_id(client).await, "ack");
    assert!(
        client
            .find(Locator::Css("#chat"))
            .await
            .expect("chat")
            .is_displayed()
            .await
            .ok()
            != Some(true)
    );

    // Keyboard only from here: space ticks the box, Enter starts.
    let ack = client.find(Locator::Css("#ack")).await.expect("ack");
    ack.send_keys(" ").await.expect("ticked");
    assert!(
        ack.is_selected().await.expect("state"),
        "space ticks the acknowledgement"
    );
    let person = client.find(Locator::Css("#person")).await.expect("person select");
    person.select_by_value(KARI).await.expect("Kari chosen");
    wait_for(client, "document.querySelector('#consent-nav')").await;
    let consent = client.find(Locator::Css("#consent-nav")).await.expect("NAV consent");
    consent.send_keys(" ").await.expect("consented");
    assert_accessible(client, axe, "login and consent").await;
    let start = client.find(Locator::Css("#start")).await.expect("start");
    client
        .execute("document.querySelector('#start').focus();", vec![])
        .await
        .expect("focus");
    start.send_keys(&Key::Enter.to_string()).await.expect("started");
    wait_for(
        client,
        "document.querySelectorAll('#messages .msg-assistant').length >= 1",
    )
    .await;
    assert_eq!(focused_id(client).await, "message", "focus moves to the composer");
    assert!(text_of(client, "#messages").await.contains("personopplysninger"));
    let chat_title = title(client).await;
    assert_ne!(chat_title, start_title, "the title says the chat has started");
    assert_eq!(visible_h1s(client).await, 1, "one h1 on the chat screen");

    // The life event: every agency at once, one plan grouped by deadline,
    // its deadlines worked out from "i går".
    let plan = ask_for_the_plan(client, "min far døde i går, hva må jeg gjøre?").await;
    for expected in ["De første dagene", "Innen 6 måneder", "NAV", "Skatteetaten", "senest"] {
        assert!(plan.contains(expected), "the plan names {expected}:\n{plan}");
    }
    assert!(
        !text_of(client, "#messages .plan-counted-from").await.is_empty(),
        "the page says which day the deadlines count from"
    );
    // Kari consented to NAV: what NAV worked out for her is on the page, marked.
    let tailored = client
        .find(Locator::Css("#messages .agency-part-tailored"))
        .await
        .expect("the tailored part is on the page");
    assert!(
        tailored.is_displayed().await.expect("shown"),
        "the tailored text is visible"
    );
    let tailored_text = tailored.text().await.expect("text");
    assert!(
        tailored_text.contains("NAV") && tailored_text.chars().any(|c| c.is_ascii_digit()),
        "NAV's tailored part: {tailored_text}"
    );
    // Tasks that only apply in some situations wait behind a toggle.
    let conditional_shown = client
        .execute(
            "const d = document.querySelector('#messages details.plan-conditional'); \
             return d ? [d.open, d.querySelectorAll('.plan-item').length] : null;",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(
        conditional_shown[0],
        Value::Bool(false),
        "closed at first: {conditional_shown}"
    );
    assert!(conditional_shown[1].as_u64() >= Some(1), "{conditional_shown}");
    let groups = client
        .execute(
            "return document.querySelectorAll('#messages .plan-group h3').length;",
            vec![],
        )
        .await
        .expect("groups");
    assert!(groups.as_u64() >= Some(3), "grouped by deadline: {groups}");
    let first_item = client
        .find(Locator::Css("#messages .plan input[type=checkbox]"))
        .await
        .expect("a checklist item");
    first_item.send_keys(" ").await.expect("ticked");
    assert!(first_item.is_selected().await.expect("state"));
    save_screenshot(client, "life-event-plan").await;
    assert_accessible(client, axe, "life-event plan").await;

    // Personal data typed into the chat: the citizen's own bubble shows the
    // message as it was kept, masked, right under the notice saying so.
    say(
        client,
        "fødselsnummeret mitt er 12835012180, hvordan søker jeg gravferdsstønad?",
    )
    .await;
    wait_for(
        client,
        "[...document.querySelectorAll('#messages .msg-citizen')].pop().textContent.includes('⟨fødselsnummer⟩')",
    )
    .await;
    assert!(
        !text_of(client, "#messages").await.contains("12835012180"),
        "the typed number is no longer shown"
    );

    // Talk to a person: the advisor takes the conversation through the advisor API.
    let (actions, mut desk) = veiviser_cli::advisor::attend(
        &chat.federation.master_address.to_string(),
        None,
        "nav",
        "Veileder Anne",
    )
    .await
    .expect("advisor signs in");
    click(client, "#human").await;
    wait_for(
        client,
        "document.querySelector('#handover-status').textContent.includes('nummer 1')",
    )
    .await;
    // After a long plan the queue position is on screen and has the focus.
    wait_for(
        client,
        "document.activeElement && document.activeElement.id === 'handover-status'",
    )
    .await;
    let queue_title = title(client).await;
    assert_ne!(queue_title, chat_title, "the title says the citizen is waiting");
    assert!(
        in_view(client, "#handover-status").await && in_view(client, "#message").await,
        "the handover status and the composer are in view after the plan"
    );
    let mut next_desk_event = async || {
        tokio::time::timeout(READY, desk.message())
            .await
            .expect("desk event in time")
            .expect("desk stream")
            .and_then(|e| e.event)
            .expect("desk open")
    };
    let handover_id = loop {
        if let desk_event::Event::Queue(queue) = next_desk_event().await
            && let Some(waiting) = queue.waiting.first()
        {
            break waiting.handover_id.clone();
        }
    };
    let send = |action: desk_action::Action| {
        let actions = actions.clone();
        async move {
            actions
                .send(veiviser_cli::advisor::action(action))
                .await
                .expect("desk listening")
        }
    };
    send(desk_action::Action::Take(Take {
        handover_id: handover_id.clone(),
    }))
    .await;
    let assigned = loop {
        if let desk_event::Event::Assigned(conversation) = next_desk_event().await {
            break conversation;
        }
    };
    let history: String = assigned.history.iter().map(|e| e.text.as_str()).collect();
    assert!(
        history.contains("min far døde i går"),
        "the history goes with the citizen"
    );
    wait_for(
        client,
        "document.querySelector('#handover-status').textContent.includes('Veileder Anne')",
    )
    .await;
    let advisor_title = title(client).await;
    assert!(
        advisor_title != queue_title && advisor_title != chat_title,
        "{advisor_title}"
    );
    say(client, "Hvor lang tid har vi på skiftet?").await;
    let wrote = loop {
        if let desk_event::Event::CitizenWrote(wrote) = next_desk_event().await {
            break wrote;
        }
    };
    assert!(wrote.text.contains("skiftet"));
    send(desk_action::Action::Reply(Reply {
        handover_id: handover_id.clone(),
        text: "Arvingene må velge privat skifte innen 60 dager.".into(),
    }))
    .await;
    wait_for(
        client,
        "[...document.querySelectorAll('#messages .msg-advisor')].some(m => m.textContent.includes('60 dager'))",
    )
    .await;
    save_screenshot(client, "advisor").await;
    assert_accessible(client, axe, "advisor").await;
    send(desk_action::Action::HandBack(HandBack { handover_id })).await;
    wait_for(client, "[...document.querySelectorAll('#messages .msg-system')].some(m => m.textContent.includes('tilbake til Veiviser'))").await;

    // The download: a text file with the whole conversation, the advisor's part included.
    click(client, "#download").await;
    let downloaded = async {
        loop {
            let done = std::fs::read_dir(chat.downloads.path())
                .expect("download dir")
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .find(|path| path.extension().is_some_and(|ext| ext == "txt"));
            if let Some(path) = done {
                return path;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let file = tokio::time::timeout(READY, downloaded)
        .await
        .expect("the transcript downloads");
    let content = std::fs::read_to_string(&file).expect("readable");
    for expected in ["min far døde i går", "60 dager", "Veileder"] {
        assert!(content.contains(expected), "the download holds {expected}:\n{content}");
    }
    std::fs::copy(&file, artifacts().join("transcript.txt")).expect("kept as an artifact");

    // 400 % zoom of a 1280 px window is 320 CSS px; then a phone.
    assert_reflows(client, 320, 640, "reflow-320px").await;
    assert_accessible(client, axe, "320 px").await;
    assert_reflows(client, 375, 667, "phone-375px").await;
    let human_visible = client
        .find(Locator::Css("#human"))
        .await
        .expect("human")
        .is_displayed()
        .await
        .expect("visible");
    assert!(human_visible, "talk to a person stays one click away on a phone");

    // «Avslutt» asks first, offers the download, and ends only when confirmed.
    click(client, "#end").await;
    wait_for(client, "document.querySelector('#end-dialog').open").await;
    assert_eq!(focused_id(client).await, "end-cancel", "the safe choice has the focus");
    assert_accessible(client, axe, "end dialog").await;
    click(client, "#end-cancel").await;
    wait_for(client, "!document.querySelector('#end-dialog').open").await;
    assert!(!text_of(client, "#messages").await.is_empty());
    assert!(
        client
            .execute("return !document.querySelector('#composer').hidden;", vec![])
            .await
            .expect("composer")
            == Value::Bool(true),
        "cancelling keeps the conversation open"
    );
    click(client, "#end").await;
    wait_for(client, "document.querySelector('#end-dialog').open").await;
    click(client, "#end-confirm").await;
    wait_for(client, "!document.querySelector('#closed').hidden").await;
    assert_ne!(title(client).await, chat_title, "the title says the chat has ended");
    // Kept for the retention period, and downloadable until then, as the page says.
    assert!(!text_of(client, "#closed-retention").await.is_empty());
    let (status, after_end) = fetched(client, "#closed-download").await;
    assert_eq!(status, 200, "{after_end}");
    assert!(after_end.contains("min far døde i går"), "{after_end}");
    assert!(!after_end.contains("12835012180"), "still masked");
    assert_accessible(client, axe, "ended").await;

    chat.stop().await;
}

#[tokio::test]
async fn the_chat_speaks_nynorsk_and_english_through_to_the_plan() {
    let Some(chat) = BrowserChat::start().await else {
        return;
    };
    let client = &chat.client;
    chat.open().await;
    let bokmal_button = text_content(client, "#human").await;
    let (mut grpc, session_id) = session(&chat.federation, "nb").await;
    let (_, bokmal) = ask(&mut grpc, &session_id, "min far er død, hva må jeg gjøre?").await;
    let bokmal_groups: BTreeSet<String> = bokmal.checklist.into_iter().map(|item| item.group_label).collect();
    for (language, question) in [
        ("nn", "far min er død, kva må eg gjere?"),
        ("en", "my father died, what do I need to do?"),
    ] {
        // What the master itself says in this language, asked over gRPC.
        let (mut grpc, session_id) = session(&chat.federation, language).await;
        let (_, expected) = ask(&mut grpc, &session_id, question).await;
        let groups: BTreeSet<&str> = expected
            .checklist
            .iter()
            .map(|item| item.group_label.as_str())
            .collect();
        assert!(
            groups.len() >= 3,
            "{language}: the plan has deadline groups: {groups:?}"
        );
        assert!(
            groups.iter().all(|group| !bokmal_groups.contains(*group)),
            "{language}: the master words the groups in {language}, not bokmål: {groups:?}"
        );

        chat.open().await;
        chat.choose_language(language).await;
        let button = text_content(client, "#human").await;
        assert!(
            !button.is_empty() && button != bokmal_button,
            "{language}: the page's own words change: {button}"
        );
        // Ticked only if the browser did not restore the box from the last visit.
        let ack = client.find(Locator::Css("#ack")).await.expect("ack");
        if !ack.is_selected().await.expect("state") {
            ack.click().await.expect("ticked");
        }
        click(client, "#start").await;
        wait_for(
            client,
            "document.querySelectorAll('#messages .msg-assistant').length >= 1",
        )
        .await;
        ask_for_the_plan(client, question).await;
        // Those behind the "may apply" toggle included.
        let plan = text_content(client, "#messages .plan").await;
        for group in &groups {
            assert!(
                plan.contains(group),
                "{language}: the page has the group {group:?}:\n{plan}"
            );
        }
        save_screenshot(client, &format!("life-event-plan-{language}")).await;
        assert_accessible(client, &chat.axe, &format!("life-event plan in {language}")).await;
        // And on a phone: no sideways scrolling, the composer still there.
        client.set_window_size(375, 667).await.expect("resize");
        client
            .execute("document.querySelector('#messages .plan').scrollIntoView();", vec![])
            .await
            .expect("scrolled to the plan");
        assert_reflows(client, 375, 667, &format!("life-event-plan-{language}-phone")).await;
        assert!(
            client
                .find(Locator::Css("#message"))
                .await
                .expect("composer")
                .is_displayed()
                .await
                .expect("shown"),
            "{language}: the composer on a phone"
        );
        assert_accessible(client, &chat.axe, &format!("life-event plan in {language} on a phone")).await;
        client.set_window_size(1280, 900).await.expect("resize");
    }

    // Switching language during the chat: the page and the answers follow.
    let question = "how do I apply for the funeral grant?";
    let (mut grpc, english_session) = session(&chat.federation, "en").await;
    let mut events = grpc
        .ask(AskRequest {
            session_id: english_session,
            text: question.into(),
            language: "nn".into(),
        })
        .await
        .expect("asked for nynorsk")
        .into_inner();
    let mut expected = FinalAnswer::default();
    while let Some(event) = events.message().await.expect("an event") {
        if let Some(ask_event::Event::Final(last)) = event.event {
            expected = last;
        }
    }
    chat.choose_language("nn").await;
    let answers_before = client
        .execute(
            "return document.querySelectorAll('#messages .msg-assistant').length;",
            vec![],
        )
        .await
        .expect("count");
    say(client, question).await;
    wait_for(
        client,
        &format!(
            "document.querySelectorAll('#messages .msg-assistant').length > {answers_before} \
             && !document.querySelector('#messages [aria-busy=true]')"
        ),
    )
    .await;
    let answered = client
        .execute(
            "return [...document.querySelectorAll('#messages .msg-assistant')].pop().textContent;",
            vec![],
        )
        .await
        .expect("the answer");
    let first_line = expected.text.lines().next().unwrap_or_default();
    assert!(
        !first_line.is_empty() && answered.as_str().unwrap_or_default().contains(first_line),
        "answered in the language chosen during the chat, not the one written: {answered}"
    );
    chat.stop().await;
}

#[tokio::test]
async fn the_privacy_and_accessibility_statements_say_what_this_service_does() {
    let Some(chat) = BrowserChat::start().await else {
        return;
    };
    let client = &chat.client;
    let config = chat.federation.master.config();
    let content = veiviser_master::content::MasterContent::embedded().expect("content");
    chat.open().await;
    chat.choose_language("nn").await;
    // From the chat's footer, in the chat's language, in a new tab (the
    // conversation lives in the chat's page).
    let link = client
        .execute(
            "const a = document.querySelector('#privacy-link'); return [a.href, a.target];",
            vec![],
        )
        .await
        .expect("the link");
    assert_eq!(link[1], "_blank", "{link}");
    let href = link[0].as_str().expect("href").to_string();
    assert!(href.ends_with("/personvern?lang=nn"), "{href}");
    client.goto(&href).await.expect("the statement loads");
    let nynorsk = content.language("nn").expect("nn");
    wait_for(client, "document.querySelector('main.statement h1')").await;
    assert_eq!(text_of(client, "h1").await, nynorsk.statement.privacy.title);
    let page = text_of(client, "main").await;
    let kept = config.retention.kept_days().to_string();
    assert!(page.contains(&config.operator), "names who is responsible:\n{page}");
    assert!(page.contains(&kept), "says how long a conversation is kept:\n{page}");
    assert!(
        !page.contains('{') && !page.contains('}'),
        "every placeholder filled:\n{page}"
    );
    assert_eq!(visible_h1s(client).await, 1);
    save_screenshot(client, "privacy-statement-nn").await;
    assert_accessible(client, &chat.axe, "privacy statement").await;

    click(client, "footer a[href^='/tilgjengelighet']").await;
    wait_for(client, "location.pathname === '/tilgjengelighet'").await;
    assert_eq!(text_of(client, "h1").await, nynorsk.statement.accessibility.title);
    // The same statement in English, from its language links.
    click(client, ".site-languages a[lang=en]").await;
    wait_for(client, "document.documentElement.lang === 'en'").await;
    let english = content.language("en").expect("en");
    assert_eq!(text_of(client, "h1").await, english.statement.accessibility.title);
    assert_accessible(client, &chat.axe, "accessibility statement").await;
    assert_reflows(client, 320, 640, "accessibility-statement-320px").await;
    chat.stop().await;
}

/// A site that embeds the chat: its own page with the one script tag.
async fn serve_host_page(listener: tokio::net::TcpListener, chat_url: String) {
    let page = format!(
        "<!DOCTYPE html><html lang=\"nn\"><head><meta charset=\"utf-8\"><title>Eksempel kommune</title></head>\
         <body><main><h1>Eksempel kommune</h1><p>Ei side hos ei etat.</p></main>\
         <script src=\"{chat_url}/embed.js\" defer></script></body></html>"
    );
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let page = page.clone();
            async move { axum::response::Html(page) }
        }),
    );
    let _ = axum::serve(listener, app).await;
}

#[tokio::test]
async fn an_agency_site_opens_the_same_chat_with_one_script_tag() {
    let host = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("host port");
    // Another origin than the chat's (127.0.0.1): the site's own name.
    let site = format!("http://localhost:{}", host.local_addr().expect("address").port());
    let origin = site.clone();
    let Some(chat) = BrowserChat::start_with(move |config| MasterConfig {
        embed_origins: vec![origin],
        ..config
    })
    .await
    else {
        return;
    };
    let client = &chat.client;
    tokio::spawn(serve_host_page(host, chat.web.url("")));
    client.goto(&format!("{site}/")).await.expect("the site loads");
    let open = "document.getElementById('veiviser-embed')?.shadowRoot.querySelector('.open')";
    wait_for(client, open).await;
    // The button speaks the site's language (nynorsk) and opens the panel.
    let label = client
        .execute(&format!("return {open}.textContent;"), vec![])
        .await
        .expect("label");
    let nynorsk = veiviser_master::content::MasterContent::embedded().expect("content");
    assert_eq!(
        label.as_str(),
        nynorsk
            .language("nn")
            .expect("nn")
            .page
            .get("embedOpen")
            .map(String::as_str)
    );
    client
        .execute(&format!("{open}.click();"), vec![])
        .await
        .expect("opened");
    let frame = "document.getElementById('veiviser-embed')?.shadowRoot.querySelector('iframe')";
    wait_for(client, frame).await;
    // A WebDriver element reference to the frame inside the shadow root.
    let reference = client
        .execute(&format!("return {frame};"), vec![])
        .await
        .expect("the frame")
        .as_object()
        .and_then(|element| element.values().next())
        .and_then(Value::as_str)
        .expect("an element reference")
        .to_string();
    fantoccini::elements::Element::from_element_id(client.clone(), reference.into())
        .enter_frame()
        .await
        .expect("into the chat's frame");
    wait_for(
        client,
        "document.querySelector('#start') && document.documentElement.lang === 'nn'",
    )
    .await;
    let ack = client.find(Locator::Css("#ack")).await.expect("ack");
    ack.click().await.expect("ticked");
    click(client, "#start").await;
    wait_for(
        client,
        "document.querySelectorAll('#messages .msg-assistant').length >= 1",
    )
    .await;
    let plan = ask_for_the_plan(client, "far min døydde i går, kva må eg gjere no?").await;
    assert!(plan.contains("NAV"), "the same assistant, inside the site:\n{plan}");
    // In a small panel too, the answer's start is brought into the conversation's view.
    let start_in_view = client
        .execute(
            "const view = document.querySelector('#messages').getBoundingClientRect(); \
             const top = [...document.querySelectorAll('#messages .msg-assistant')].pop().getBoundingClientRect().top; \
             return top >= view.top - 1 && top < view.bottom;",
            vec![],
        )
        .await
        .expect("script runs");
    assert_eq!(start_in_view, Value::Bool(true), "the newest answer is in view");
    client.enter_parent_frame().await.expect("back to the site");
    save_screenshot(client, "embedded-chat").await;
    chat.stop().await;
}

#[tokio::test]
async fn an_advisor_serves_a_citizen_from_the_advisor_page() {
    const DESK_KEY: &str = "browser-desk-key";
    let Some(chat) = BrowserChat::start_with_desk_key(Some(DESK_KEY)).await else {
        return;
    };
    let client = &chat.client;

    // A citizen over gRPC who typed a phone number, then asked for a person.
    let (mut citizen, session_id) = session(&chat.federation, "nb").await;
    ask(
        &mut citizen,
        &session_id,
        "hvordan søker jeg dagpenger? ring meg på 912 34 567",
    )
    .await;
    let queued = request_human(&mut citizen, &session_id, "nav").await.expect("queued");
    let mut handover = watch(&mut citizen, &session_id).await;

    client
        .goto(&chat.web.url("/advisor"))
        .await
        .expect("advisor page loads");
    wait_for(client, "document.querySelector('#agency option[value=\"nav\"]')").await;
    let agencies = text_content(client, "#agency").await;
    assert!(
        !agencies.contains("Skatteetaten"),
        "only agencies with advisors are offered: {agencies}"
    );
    assert_accessible(client, &chat.axe, "advisor sign-in").await;
    client
        .find(Locator::Css("#agency"))
        .await
        .expect("agency")
        .select_by_value("nav")
        .await
        .expect("NAV");
    // The sign-in fields are styled like the chat's and big enough to hit.
    let heights = client
        .execute(
            "return ['#advisor-name', '#desk-key', '#agency'].map(s => document.querySelector(s).getBoundingClientRect().height);",
            vec![],
        )
        .await
        .expect("heights");
    for height in heights.as_array().expect("three") {
        assert!(height.as_f64() >= Some(44.0), "a sign-in field under 44 px: {heights}");
    }
    let name = client.find(Locator::Css("#advisor-name")).await.expect("name");
    name.send_keys("Veileder Per").await.expect("typed");
    let key = client.find(Locator::Css("#desk-key")).await.expect("key");
    key.send_keys("wrong-key").await.expect("typed");
    click(client, "#sign-in").await;
    wait_for(
        client,
        "document.querySelector('#sign-in-error').textContent.trim().length > 0",
    )
    .await;
    assert!(
        client
            .find(Locator::Css("#desk"))
            .await
            .expect("desk")
            .is_displayed()
            .await
            .ok()
            != Some(true),
        "a wrong desk key does not sign in"
    );
    // The page words the refusal itself, in Norwegian, not the API's English message.
    let api_message: Value = reqwest::Client::new()
        .post(chat.web.url("/api/advisor/attend"))
        .bearer_auth("wrong-key")
        .json(&json!({"agency_id": "nav", "advisor_name": "Veileder Per"}))
        .send()
        .await
        .expect("refused")
        .json()
        .await
        .expect("an error body");
    let shown = text_of(client, "#sign-in-error").await;
    let english = api_message["error"].as_str().unwrap_or_default();
    assert!(!english.is_empty() && !shown.contains(english), "{shown}");
    key.clear().await.expect("cleared");
    key.send_keys(DESK_KEY).await.expect("typed");
    click(client, "#sign-in").await;

    // The queue shows the citizen; taking the conversation brings the masked history.
    wait_for(client, "document.querySelectorAll('#queue li').length === 1").await;
    assert_accessible(client, &chat.axe, "advisor queue").await;
    click(client, "#queue button").await;
    wait_for(client, "!document.querySelector('#conversation').hidden").await;
    let history = text_content(client, "#history").await;
    assert!(history.contains("dagpenger"), "the history comes along: {history}");
    assert!(
        !history.contains("912 34 567") && history.contains("⟨telefonnummer⟩"),
        "the history is masked: {history}"
    );
    let joined = citizen_status(&mut handover, HandoverState::WithAdvisor).await;
    assert_eq!(joined.advisor, "Veileder Per");
    assert_eq!(joined.handover_id, queued.handover_id);

    // The citizen writes; the advisor reads it on the page and answers with Enter.
    ask(&mut citizen, &session_id, "hvor lang er behandlingstiden?").await;
    wait_for(
        client,
        "document.querySelector('#history').textContent.includes('behandlingstiden')",
    )
    .await;
    let reply = client.find(Locator::Css("#reply")).await.expect("reply box");
    reply
        .send_keys("Ring oss gjerne, eller send meg 912 34 567 igjen")
        .await
        .expect("typed");
    reply.send_keys(&Key::Enter.to_string()).await.expect("sent");
    let answered = citizen_until(&mut handover, |event| match event {
        handover_event::Event::AdvisorReply(reply) => Some(reply),
        _ => None,
    })
    .await;
    assert!(answered.text.starts_with("Ring oss gjerne"), "{}", answered.text);
    assert!(
        !answered.text.contains("912 34 567"),
        "the reply is masked: {}",
        answered.text
    );
    wait_for(
        client,
        "[...document.querySelectorAll('#history .msg-advisor')].some(m => m.textContent.includes('⟨telefonnummer⟩'))",
    )
    .await;
    let shown = text_content(client, "#history").await;
    assert!(
        !shown.contains("912 34 567"),
        "the advisor sees what the citizen gets: {shown}"
    );
    save_screenshot(client, "advisor-page").await;
    assert_accessible(client, &chat.axe, "advisor conversation").await;
    assert_reflows(client, 320, 640, "advisor-page-320px").await;

    // Handing back ends the human part for the citizen.
    click(client, "#hand-back").await;
    let ended = citizen_status(&mut handover, HandoverState::Ended).await;
    assert!(ended.text.contains("tilbake"), "{}", ended.text);

    // A second request; the advisor takes it and closes the page: the
    // conversation goes back to the queue.
    let again = request_human(&mut citizen, &session_id, "nav")
        .await
        .expect("queued again");
    let mut handover = watch(&mut citizen, &session_id).await;
    wait_for(
        client,
        "document.querySelectorAll('#queue li').length === 1 && !document.querySelector('#take-next').disabled",
    )
    .await;
    click(client, "#take-next").await;
    let joined = citizen_status(&mut handover, HandoverState::WithAdvisor).await;
    assert_eq!(joined.handover_id, again.handover_id);
    client.goto("about:blank").await.expect("page left");
    let requeued = citizen_status(&mut handover, HandoverState::Queued).await;
    assert_eq!((requeued.handover_id, requeued.position), (again.handover_id, 1));

    chat.stop().await;
}
