//! The tonic implementation of `veiviser.master.v1.AdvisorDesk`: checks the
//! desk key and the sign-in, then turns an advisor's action stream into calls
//! on the [`crate::desk::Desk`] until they disconnect. The advisor page
//! (`http::advisor`) opens its connections through the same checks.

use std::net::IpAddr;
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};
use veiviser_proto::master::v1::advisor_desk_server::AdvisorDesk;
use veiviser_proto::master::v1::{DeskAction, DeskEvent, SignIn, desk_action};

use crate::desk::keys::Attempt;
use crate::desk::{AdvisorId, Ending, Refusal};
use crate::error::Error;
use crate::state::Master;
use crate::text::checked_text;

/// Events buffered per advisor connection; an advisor whose client lets it
/// fill is signed out (their conversations go back to the queue).
const EVENT_BUFFER: usize = 256;
/// How long a new connection may take to send its sign_in.
const SIGN_IN_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);
/// The longest advisor display name, in characters.
pub const MAX_ADVISOR_NAME: usize = 80;

#[derive(Debug, Clone)]
pub struct AdvisorDeskService {
    master: Arc<Master>,
}

impl AdvisorDeskService {
    pub fn new(master: Arc<Master>) -> Self {
        Self { master }
    }

    /// With a desk key configured, the call must carry it as a bearer token
    /// (`authorization`: the header's value, if any).
    /// Checks the desk key that `client` presents. A client that gave too
    /// many wrong keys lately is refused without the key being looked at;
    /// every refusal is logged (the reason, never the key) and counted.
    pub(crate) fn authorize(&self, authorization: Option<&str>, client: Option<IpAddr>) -> Result<(), Error> {
        let Some(key) = &self.master.config().advisor_key else {
            return Ok(());
        };
        let keys = self.master.desk_keys();
        if keys.attempt(client) == Attempt::Throttled {
            self.count_refusal("desk-key-throttled");
            tracing::warn!(reason = "desk-key-throttled", "advisor refused");
            return Err(Error::DeskKeyThrottled);
        }
        let presented = authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        if constant_time_eq(presented.as_bytes(), key.as_bytes()) {
            keys.right(client);
            Ok(())
        } else {
            let locked = keys.wrong(client);
            self.count_refusal("wrong-desk-key");
            tracing::warn!(
                reason = "wrong-desk-key",
                locked,
                "advisor refused: missing or wrong desk key"
            );
            Err(Error::Unauthenticated)
        }
    }

    fn count_refusal(&self, reason: &str) {
        crate::metrics::Metrics::count(&self.master.metrics().refusals, reason);
    }

    /// Checks the sign-in: a known agency with advisors, and a usable name.
    fn check_sign_in(&self, sign_in: &SignIn) -> Result<String, Error> {
        let name = sign_in.advisor_name.trim();
        if name.is_empty() || name.chars().count() > MAX_ADVISOR_NAME {
            return Err(Error::InvalidArgument(format!(
                "advisor_name must be 1 to {MAX_ADVISOR_NAME} characters"
            )));
        }
        let snapshot = self.master.network().snapshot();
        let card = snapshot.card(&sign_in.agency_id).ok_or(Error::UnknownAgency)?;
        if card.advisor_hours.is_none() {
            return Err(Error::NoAdvisors(sign_in.agency_id.clone()));
        }
        Ok(name.to_string())
    }

    /// An advisor's reply as it is stored and shown: checked like a citizen's
    /// message, and masked, since advisors are held to the same rule: what is
    /// stored and shown never holds personal data in the clear.
    pub(crate) fn prepare_reply(&self, text: &str) -> Result<String, Error> {
        let text = checked_text(text, self.master.config().max_message_chars, "reply")?;
        Ok(self.master.masker().mask(text).text)
    }

    /// Carries out one action; a refusal is told to the advisor, who stays connected.
    fn act(&self, advisor: AdvisorId, name: &str, action: desk_action::Action) -> Result<(), (String, Refusal)> {
        let desk = &self.master.desk();
        match action {
            desk_action::Action::SignIn(_) => Err((String::new(), Refusal::AlreadySignedIn)),
            desk_action::Action::Take(take) => desk
                .take(advisor, &take.handover_id, name)
                .map_err(|e| (take.handover_id, e)),
            desk_action::Action::Reply(reply) => match self.prepare_reply(&reply.text) {
                Ok(masked) => desk
                    .reply(advisor, &reply.handover_id, &masked)
                    .map_err(|e| (reply.handover_id, e)),
                Err(error) => Err((reply.handover_id, Refusal::Reply(error.to_string()))),
            },
            desk_action::Action::HandBack(hand_back) => desk
                .finish(advisor, &hand_back.handover_id, Ending::HandedBack)
                .map_err(|e| (hand_back.handover_id, e)),
            desk_action::Action::Close(close) => desk
                .finish(advisor, &close.handover_id, Ending::ClosedByAdvisor)
                .map_err(|e| (close.handover_id, e)),
        }
    }

    /// Follows the advisor's actions until they disconnect or the master
    /// shuts down, then signs them out. Only the desk holds the sender of the
    /// advisor's events, so signing out ends their stream.
    async fn follow(self, advisor: AdvisorId, name: String, mut actions: BoxStream<'static, DeskAction>) {
        let mut closing = self.master.desk().closing();
        loop {
            let action = tokio::select! {
                action = actions.next() => action,
                _ = closing.wait_for(|closing| *closing) => break,
            };
            match action {
                Some(DeskAction { action: Some(action) }) => {
                    if let Err((handover_id, refusal)) = self.act(advisor, &name, action) {
                        self.master.desk().refuse(advisor, handover_id, &refusal);
                    }
                }
                Some(DeskAction { action: None }) => {}
                None => break,
            }
        }
        self.master.desk().sign_out(advisor);
    }

    /// Signs an authorized advisor in and follows `actions` (everything after
    /// the sign-in) until they end. The desk's events for the advisor come
    /// out of the returned receiver (an error last, when the master shuts
    /// down); it closes when they are signed out.
    pub(crate) fn open(
        &self,
        sign_in: &SignIn,
        actions: BoxStream<'static, DeskAction>,
    ) -> Result<mpsc::Receiver<Result<DeskEvent, Status>>, Error> {
        let name = self.check_sign_in(sign_in)?;
        let (events, receiver) = mpsc::channel(EVENT_BUFFER);
        let advisor = self.master.desk().sign_in(&sign_in.agency_id, events)?;
        tokio::spawn(self.clone().follow(advisor, name, actions));
        Ok(receiver)
    }
}

/// Compares two byte strings in time that depends on their lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[tonic::async_trait]
impl AdvisorDesk for AdvisorDeskService {
    type AttendStream = ReceiverStream<Result<DeskEvent, Status>>;

    async fn attend(&self, request: Request<Streaming<DeskAction>>) -> Result<Response<Self::AttendStream>, Status> {
        let authorization = request.metadata().get("authorization").and_then(|v| v.to_str().ok());
        self.authorize(authorization, request.remote_addr().map(|a| a.ip()))?;
        let mut actions = request.into_inner();
        let first = tokio::time::timeout(SIGN_IN_WITHIN, actions.message())
            .await
            .unwrap_or(Ok(None))?;
        let sign_in = match first {
            Some(DeskAction {
                action: Some(desk_action::Action::SignIn(sign_in)),
            }) => sign_in,
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "the first action must be sign_in, within {} seconds",
                    SIGN_IN_WITHIN.as_secs()
                ))
                .into());
            }
        };
        // A broken stream ends the advisor's actions like a clean close.
        let actions = futures::stream::unfold(actions, |mut actions| async move {
            let action = actions.message().await.ok().flatten()?;
            Some((action, actions))
        });
        let receiver = self.open(&sign_in, actions.boxed())?;
        Ok(Response::new(ReceiverStream::new(receiver)))
    }
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn keys_compare_equal_only_when_identical() {
        assert!(constant_time_eq(b"desk-key", b"desk-key"));
        assert!(!constant_time_eq(b"desk-key", b"desk-kez"));
        assert!(!constant_time_eq(b"desk-key", b"desk-ke"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
