//! Handing a conversation to a human: which agency's advisors take it,
//! whether they answer now (the card's opening hours), the offer added to an
//! answer, and the citizen's request that puts them in the desk's queue.

pub mod hours;

use veiviser_agency_sdk::opening_hours::OpeningHours;
use veiviser_proto::agency::v1::{AdvisorHours, AssistantCard, Contact};
use veiviser_proto::master::v1::{HandoverOffer, HandoverState, HandoverStatus};

use crate::content::{MasterLanguage, Texts, fill};
use crate::desk::DeskAgency;
use crate::error::Error;
use crate::network::Snapshot;
use crate::state::Master;
use hours::HoursPolicy;

/// Why a handover is offered or asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoverReason {
    /// The citizen asked for a person.
    Asked,
    /// The assistant failed to understand twice in a row.
    NotUnderstood,
    /// An agency's answer said a human is needed.
    Agency,
}

impl HandoverReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Asked => "asked",
            Self::NotUnderstood => "not-understood",
            Self::Agency => "agency",
        }
    }
}

/// Whether an agency's advisors answer now.
#[derive(Debug, Clone, PartialEq)]
pub enum Availability {
    Open,
    /// Outside opening hours; the next opening, when known.
    Closed {
        next: Option<jiff::ZonedDateTime>,
    },
    /// The agency has no advisor chat.
    NoAdvisors,
}

/// Handover decisions over the master's state: whose advisors, whether
/// they answer now, the offer and the request.
#[derive(Debug, Clone, Copy)]
pub struct Handovers<'m> {
    master: &'m Master,
}

impl<'m> Handovers<'m> {
    pub fn new(master: &'m Master) -> Self {
        Self { master }
    }

    /// Whether `card`'s advisors answer at this moment.
    pub fn availability(&self, card: &AssistantCard) -> Availability {
        let Some(hours) = &card.advisor_hours else {
            return Availability::NoAdvisors;
        };
        if self.master.config().advisor_hours == HoursPolicy::AlwaysOpen {
            return Availability::Open;
        }
        match OpeningHours::from_card(hours) {
            Ok(hours) => {
                let now = self.master.config().clock.now();
                if hours.is_open(now) {
                    Availability::Open
                } else {
                    Availability::Closed {
                        next: hours.next_opening(now),
                    }
                }
            }
            Err(error) => {
                // A broken card keeps its advisors closed rather than queueing citizens nobody may serve.
                tracing::warn!(agency = %card.agency_id, %error, "advisor hours unreadable; treated as closed");
                Availability::Closed { next: None }
            }
        }
    }

    /// The agency whose advisors should take the conversation: the one asked
    /// for, else the first of `preferred` with advisors, else the first in
    /// the network with advisors.
    fn handover_card<'s>(
        &self,
        snapshot: &'s Snapshot,
        requested: &str,
        preferred: &[String],
    ) -> Result<&'s AssistantCard, Error> {
        if !requested.is_empty() {
            return snapshot.card(requested).ok_or(Error::UnknownAgency);
        }
        preferred
            .iter()
            .filter_map(|id| snapshot.card(id))
            .chain(snapshot.known().map(|(_, card)| card))
            .find(|card| card.advisor_hours.is_some())
            .ok_or(Error::NoAdvisorsAnywhere)
    }

    fn desk_agency(card: &AssistantCard, language: &str) -> DeskAgency {
        DeskAgency {
            id: card.agency_id.clone(),
            // Handover texts name the agency inside a sentence («en veileder i kommunen»).
            name: crate::text::name_in_text(card, language).to_string(),
            contact: card.contact.clone().unwrap_or_default(),
            homepage: card.homepage.clone(),
            hours: card.advisor_hours.clone(),
        }
    }

    /// The citizen asks for a person: queued when the advisors answer now,
    /// told the hours and alternatives when they do not.
    pub fn request_human(&self, session_id: &str, agency_id: &str) -> Result<HandoverStatus, Error> {
        let language = self.master.sessions().touch(session_id)?;
        if let Some(current) = self.master.desk().current(session_id) {
            return Ok(current);
        }
        let snapshot = self.master.network().snapshot();
        let preferred = self.master.sessions().last_agencies(session_id);
        let card = self.handover_card(&snapshot, agency_id, &preferred)?;
        let agency = Self::desk_agency(card, &language);
        let content = self.master.content().language(&language)?;
        match self.availability(card) {
            Availability::Open => {
                // Asking counts as the citizen's own wish, whatever was offered before.
                let status =
                    self.master
                        .desk()
                        .request(session_id, &language, agency, HandoverReason::Asked.as_str())?;
                crate::metrics::Metrics::count(&self.master.metrics().handovers, "queued");
                Ok(status)
            }
            Availability::Closed { next } => {
                crate::metrics::Metrics::count(&self.master.metrics().handovers, "closed");
                Ok(closed_status(agency, content, next.as_ref()))
            }
            Availability::NoAdvisors => Err(Error::NoAdvisors(agency.name)),
        }
    }

    /// The offer to add to an answer given for `reason`, when some agency has advisors.
    pub fn handover_offer(
        &self,
        snapshot: &Snapshot,
        language: &MasterLanguage,
        preferred: &[String],
        reason: HandoverReason,
    ) -> Option<HandoverOffer> {
        let card = self.handover_card(snapshot, "", preferred).ok()?;
        let agency = Self::desk_agency(card, &language.language);
        let texts = &language.texts;
        let (open_now, text) = match self.availability(card) {
            Availability::Open => {
                let offer = match reason {
                    HandoverReason::Asked => &texts.handover_offer_asked,
                    HandoverReason::NotUnderstood => &texts.handover_offer_not_understood,
                    HandoverReason::Agency => &texts.handover_offer_agency,
                };
                (true, fill(offer, &[("agency", &agency.name)]))
            }
            Availability::Closed { next } => (false, closed_status(agency.clone(), language, next.as_ref()).text),
            Availability::NoAdvisors => return None,
        };
        Some(HandoverOffer {
            agency_id: agency.id,
            agency_name: agency.name,
            reason: reason.as_str().to_string(),
            open_now,
            text,
        })
    }
}

/// A card's advisor hours as the citizen reads them: "mandag–fredag" for
/// weekdays, and the card's defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursInWords {
    pub days: String,
    pub opens: String,
    pub closes: String,
}

impl HoursInWords {
    pub fn new(hours: &AdvisorHours, texts: &Texts) -> Self {
        match OpeningHours::from_card(hours) {
            Ok(parsed) => Self {
                days: if parsed.is_weekdays() {
                    texts.weekdays.clone()
                } else {
                    let names: Vec<&str> = parsed.days().iter().map(|day| texts.day_name(*day)).collect();
                    names.join(", ")
                },
                opens: parsed.opens(),
                closes: parsed.closes(),
            },
            // An unreadable card is shown as written.
            Err(_) => Self {
                days: hours.days.join(", "),
                opens: hours.opens.clone(),
                closes: hours.closes.clone(),
            },
        }
    }
}

/// The answer outside opening hours: when the advisors answer, and how else
/// to reach the agency now. Nobody is queued. Each sentence is left out when
/// the card lacks what it needs, so a card without a phone still reads well.
fn closed_status(agency: DeskAgency, language: &MasterLanguage, next: Option<&jiff::ZonedDateTime>) -> HandoverStatus {
    let texts = &language.texts;
    let HoursInWords { days, opens, closes } = HoursInWords::new(&agency.hours.clone().unwrap_or_default(), texts);
    let mut sentences = vec![fill(
        &texts.handover_closed,
        &[
            ("agency", &agency.name),
            ("days", &days),
            ("opens", &opens),
            ("closes", &closes),
        ],
    )];
    if let Some(when) = next {
        let date_time = fill(
            &texts.date_time,
            &[
                ("date", &when.strftime("%d.%m.%Y").to_string()),
                ("time", &when.strftime("%H:%M").to_string()),
            ],
        );
        sentences.push(fill(&texts.handover_next_opening, &[("next", &date_time)]));
    }
    sentences.extend(other_ways_to_reach(&agency.contact, &agency.homepage, texts));
    let text = sentences.join(" ");
    HandoverStatus {
        agency_id: agency.id,
        agency_name: agency.name,
        state: HandoverState::Closed.into(),
        text,
        contact: Some(agency.contact),
        homepage: agency.homepage,
        hours: agency.hours,
        opens_next: next
            .map(|when| when.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
            .unwrap_or_default(),
        ..Default::default()
    }
}

/// "You can call … or find more at …", with only what the agency gives: its
/// contact page, or else its homepage. `None` when it gives neither.
pub fn other_ways_to_reach(contact: &Contact, homepage: &str, texts: &Texts) -> Option<String> {
    let phone = contact.phone.trim();
    let url = [contact.url.trim(), homepage.trim()]
        .into_iter()
        .find(|url| !url.is_empty())
        .unwrap_or_default();
    let values = [("phone", phone), ("url", url)];
    match (phone.is_empty(), url.is_empty()) {
        (false, false) => Some(fill(&texts.reach_phone_and_url, &values)),
        (false, true) => Some(fill(&texts.reach_phone, &values)),
        (true, false) => Some(fill(&texts.reach_url, &values)),
        (true, true) => None,
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::content::MasterContent;

    fn agency(phone: &str, url: &str, homepage: &str) -> DeskAgency {
        DeskAgency {
            id: "nav".into(),
            name: "NAV".into(),
            contact: Contact {
                phone: phone.into(),
                url: url.into(),
            },
            homepage: homepage.into(),
            hours: Some(AdvisorHours::default()),
        }
    }

    fn next_opening() -> jiff::ZonedDateTime {
        date(2026, 11, 30)
            .at(9, 0, 0, 0)
            .in_tz("Europe/Oslo")
            .expect("valid zone")
    }

    #[test]
    fn the_closed_answer_names_hours_next_opening_and_the_other_ways_in_every_language() {
        let content = MasterContent::embedded().expect("valid");
        for language in content.languages() {
            let status = closed_status(
                agency("55 55 33 33", "https://www.nav.no/kontaktoss", ""),
                language,
                Some(&next_opening()),
            );
            let tag = &language.language;
            for part in [
                "NAV",
                "09:00",
                "14:30",
                "30.11.2026",
                "55 55 33 33",
                "https://www.nav.no/kontaktoss",
            ] {
                assert!(status.text.contains(part), "{tag}: {part} missing in {}", status.text);
            }
            assert!(
                !status.text.contains(['{', '}']),
                "{tag}: placeholder left in {}",
                status.text
            );
            assert_eq!(status.opens_next, "2026-11-30T09:00:00+01:00");
        }
    }

    #[test]
    fn the_closed_answer_leaves_out_what_the_card_does_not_give() {
        let content = MasterContent::embedded().expect("valid");
        let english = content.language("en").expect("present");
        let text = |agency: DeskAgency, next: Option<&jiff::ZonedDateTime>| closed_status(agency, english, next).text;

        let texts = &english.texts;
        let opening = |template: &str| template.split('{').next().unwrap_or_default().trim().to_string();
        let (call, next_answer) = (opening(&texts.reach_phone), opening(&texts.handover_next_opening));
        let no_phone = text(agency("", "", "https://www.nav.no"), None);
        let find_more = fill(&texts.reach_url, &[("url", "https://www.nav.no")]);
        assert!(no_phone.ends_with(&find_more), "{no_phone}");
        assert!(
            !no_phone.contains(&call) && !no_phone.contains(&next_answer),
            "{no_phone}"
        );

        let no_page = text(agency("55 55 33 33", " ", ""), Some(&next_opening()));
        assert!(
            no_page.ends_with(&fill(&texts.reach_phone, &[("phone", "55 55 33 33")])),
            "{no_page}"
        );

        let nothing = text(agency("", "", ""), None);
        assert!(
            nothing.starts_with(opening(&texts.handover_closed).as_str()),
            "the closed text itself: {nothing}"
        );
        let find_more_opening = opening(&texts.reach_url);
        assert!(
            !nothing.contains(&call) && !nothing.contains(&find_more_opening) && !nothing.contains(&next_answer),
            "{nothing}"
        );
        assert!(!nothing.contains("  "), "{nothing}");
    }

    #[test]
    fn days_other_than_monday_to_friday_are_named_in_the_session_language() {
        let content = MasterContent::embedded().expect("valid");
        let hours = AdvisorHours {
            days: vec!["mon".into(), "wed".into(), "sat".into()],
            ..Default::default()
        };
        for (tag, expected) in [
            ("nb", "mandag, onsdag, lørdag"),
            ("nn", "måndag, onsdag, laurdag"),
            ("en", "Monday, Wednesday, Saturday"),
        ] {
            let texts = &content.language(tag).expect("present").texts;
            assert_eq!(HoursInWords::new(&hours, texts).days, expected, "{tag}");
        }
        let weekdays = HoursInWords::new(&AdvisorHours::default(), &content.language("nn").expect("nn").texts);
        assert_eq!(weekdays.days, "måndag–fredag");
    }
}
