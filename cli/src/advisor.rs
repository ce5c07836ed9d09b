//! `veiviser advisor`: a human advisor's terminal at the desk. Signs in for
//! one agency, shows the queue, takes conversations with their masked
//! history, replies, and hands them back or closes them.

use std::io::BufRead;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use veiviser_proto::master::v1::advisor_desk_client::AdvisorDeskClient;
use veiviser_proto::master::v1::{
    Close, DeskAction, DeskEvent, HandBack, Reply, SignIn, Take, WaitingConversation, desk_action, desk_event,
};

/// The environment variable holding the desk key.
pub const ADVISOR_KEY_ENV: &str = "VEIVISER_ADVISOR_KEY";

/// Opens an advisor's connection: returns where to send actions and the desk's events.
pub async fn attend(
    master: &str,
    key: Option<&str>,
    agency_id: &str,
    advisor_name: &str,
) -> Result<(mpsc::Sender<DeskAction>, tonic::Streaming<DeskEvent>), tonic::Status> {
    let channel = crate::client::channel(master)
        .await
        .map_err(tonic::Status::unavailable)?;
    let (actions, receiver) = mpsc::channel(16);
    let sign_in = action(desk_action::Action::SignIn(SignIn {
        agency_id: agency_id.to_string(),
        advisor_name: advisor_name.to_string(),
    }));
    // The channel is empty and its receiver alive: this cannot fail.
    let _ = actions.try_send(sign_in);
    let mut request = tonic::Request::new(ReceiverStream::new(receiver));
    if let Some(key) = key {
        let value = format!("Bearer {key}")
            .parse()
            .map_err(|_| tonic::Status::invalid_argument("the desk key is not usable as a header"))?;
        request.metadata_mut().insert("authorization", value);
    }
    let events = AdvisorDeskClient::new(channel).attend(request).await?.into_inner();
    Ok((actions, events))
}

/// Wraps one action for the stream.
pub fn action(action: desk_action::Action) -> DeskAction {
    DeskAction { action: Some(action) }
}

/// The interactive terminal: commands on standard input, events printed as they come.
pub async fn run(master: &str, key: Option<&str>, agency_id: &str, advisor_name: &str) -> Result<(), String> {
    let (actions, mut events) = attend(master, key, agency_id, advisor_name)
        .await
        .map_err(|s| s.message().to_string())?;
    println!("Signed in at the {agency_id} desk as {advisor_name}.");
    println!("/take [id] takes the longest-waiting (or that) conversation; text replies; /back hands it back;");
    println!("/close ends it; /quit signs out.\n");
    let lines = spawn_stdin_reader();
    let mut lines = ReceiverStream::new(lines);
    let mut current: Option<String> = None;
    loop {
        tokio::select! {
            event = events.message() => match event {
                Ok(Some(event)) => show(&event, &mut current),
                Ok(None) => return Ok(()),
                Err(status) => return Err(status.message().to_string()),
            },
            line = tokio_stream::StreamExt::next(&mut lines) => {
                let Some(line) = line else { return Ok(()) };
                let Some(next) = command(line.trim(), current.as_deref()) else {
                    if line.trim() == "/quit" {
                        return Ok(());
                    }
                    continue;
                };
                if actions.send(next).await.is_err() {
                    return Err("the desk closed the connection".into());
                }
            }
        }
    }
}

/// Reads standard input on a thread of its own, a line at a time.
fn spawn_stdin_reader() -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel(16);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if sender.blocking_send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// The action a typed line asks for, if any.
fn command(line: &str, current: Option<&str>) -> Option<DeskAction> {
    let current = current.unwrap_or_default().to_string();
    let next = match line.split_once(' ').map_or((line, ""), |(c, rest)| (c, rest.trim())) {
        ("", _) | ("/quit", _) => return None,
        ("/take", id) => desk_action::Action::Take(Take {
            handover_id: id.to_string(),
        }),
        ("/back", _) => desk_action::Action::HandBack(HandBack { handover_id: current }),
        ("/close", _) => desk_action::Action::Close(Close { handover_id: current }),
        _ => desk_action::Action::Reply(Reply {
            handover_id: current,
            text: line.to_string(),
        }),
    };
    Some(action(next))
}

fn show(event: &DeskEvent, current: &mut Option<String>) {
    match &event.event {
        Some(desk_event::Event::Queue(queue)) => {
            println!("· queue: {} waiting", queue.waiting.len());
            for waiting in &queue.waiting {
                println!(
                    "  {}. {} ({}, {}, since {}, {} entries)",
                    waiting.position,
                    waiting.handover_id,
                    waiting.language,
                    waiting.reason,
                    waiting.waiting_since,
                    waiting.history.len()
                );
            }
        }
        Some(desk_event::Event::Assigned(conversation)) => {
            *current = Some(conversation.handover_id.clone());
            print_history(conversation);
        }
        Some(desk_event::Event::CitizenWrote(wrote)) => println!("citizen: {}", wrote.text),
        Some(desk_event::Event::Gone(gone)) => {
            println!("· the conversation ended ({})", gone.reason);
            if current.as_deref() == Some(gone.handover_id.as_str()) {
                *current = None;
            }
        }
        Some(desk_event::Event::Refused(refused)) => println!("! {}", refused.reason),
        None => {}
    }
}

fn print_history(conversation: &WaitingConversation) {
    println!(
        "· you have {} (language {}, topics: {})",
        conversation.handover_id,
        conversation.language,
        if conversation.topics.is_empty() {
            "-".to_string()
        } else {
            conversation.topics.join(", ")
        }
    );
    for entry in &conversation.history {
        println!("  [{} {}] {}", entry.at, entry.role, entry.text.replace('\n', "\n    "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_lines_become_actions_on_the_current_conversation() {
        let reply = command("Hei, jeg kan hjelpe", Some("h1")).and_then(|a| a.action);
        assert!(
            matches!(reply, Some(desk_action::Action::Reply(Reply { handover_id, text }))
            if handover_id == "h1" && text == "Hei, jeg kan hjelpe")
        );
        let take = command("/take abc", None).and_then(|a| a.action);
        assert!(matches!(take, Some(desk_action::Action::Take(Take { handover_id })) if handover_id == "abc"));
        let back = command("/back", Some("h2")).and_then(|a| a.action);
        assert!(matches!(back, Some(desk_action::Action::HandBack(HandBack { handover_id })) if handover_id == "h2"));
        assert!(command("", Some("h1")).is_none());
        assert!(command("/quit", Some("h1")).is_none());
    }
}
