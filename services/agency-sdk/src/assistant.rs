//! Answering questions from an agency's content: picking the intent, and
//! turning it into an `AskResponse` in the asked language.

use veiviser_proto::agency::v1::{
    self as pb, AskRequest, AskResponse, AssistantCard, ChecklistItem, Referral, RelativeDeadline, TaskState,
};
use veiviser_textmatch::Index;

use crate::Error;
use crate::content::{ChecklistFile, Content, DeadlineUnitName, IntentFile, LanguageFile};
use veiviser_runtime::tokens::Profile;

/// The longest question an agency accepts, in characters.
pub const MAX_QUESTION_CHARS: usize = 4_000;
/// Below this score, a question gets the fallback answer instead of a guess.
const MIN_MATCH_SCORE: f32 = 0.30;
/// Intent scores average the closest examples and blend in the intent's mean
/// example, as the master's router does.
const NEIGHBOURS: usize = 3;
const CENTROID_WEIGHT: f32 = 0.3;

/// An agency assistant: its content, its assistant card and an index of its
/// intents' examples in every language.
#[derive(Debug)]
pub struct Assistant {
    content: Content,
    card: AssistantCard,
    intents: Index<String>,
}

impl Assistant {
    pub fn new(content: Content) -> Self {
        let card = content.assistant_card();
        let intents = Index::new(content.languages().values().flat_map(|language| {
            language
                .intents
                .iter()
                .flat_map(|intent| intent.examples.iter().map(|e| (intent.id.clone(), e.as_str())))
        }))
        .with_neighbours(NEIGHBOURS)
        .with_centroid_weight(CENTROID_WEIGHT);
        Self { content, card, intents }
    }

    pub fn agency_id(&self) -> &str {
        &self.content.card().id
    }

    pub fn card(&self) -> &AssistantCard {
        &self.card
    }

    pub fn content(&self) -> &Content {
        &self.content
    }

    /// Answers one question. Errors only for requests that cannot be
    /// answered at all (bad input); an unknown question gets the fallback.
    pub fn answer(&self, request: &AskRequest) -> Result<AskResponse, Error> {
        self.answer_for(request, None)
    }

    /// Answers `request`, tailored to `profile` (verified claims) when given.
    pub fn answer_for(&self, request: &AskRequest, profile: Option<&Profile>) -> Result<AskResponse, Error> {
        let language = self.language_for(&request.language)?;
        let mut response = self.answer_in(language, request)?;
        if let Some(profile) = profile {
            let target = if request.life_event.is_empty() {
                response.skill_id.clone()
            } else {
                request.life_event.clone()
            };
            crate::tailoring::tailor(language, &target, profile, &mut response);
        }
        Ok(response)
    }

    fn answer_in(&self, language: &LanguageFile, request: &AskRequest) -> Result<AskResponse, Error> {
        if !request.life_event.is_empty() {
            return Ok(self.life_event_answer(language, &request.life_event));
        }
        let text = request.text.trim();
        if text.is_empty() {
            return Err(Error::InvalidArgument("the question is empty".into()));
        }
        if text.chars().count() > MAX_QUESTION_CHARS {
            return Err(Error::InvalidArgument(format!(
                "the question is longer than {MAX_QUESTION_CHARS} characters"
            )));
        }
        let routed = (!request.skill_id.is_empty())
            .then(|| language.intents.iter().find(|i| i.id == request.skill_id))
            .flatten();
        let (intent, confidence) = match routed {
            Some(intent) => (Some(intent), 1.0),
            None => match self.intents.best(text) {
                Some(best) if best.score >= MIN_MATCH_SCORE => {
                    (language.intents.iter().find(|i| &i.id == best.label), best.score)
                }
                Some(best) => (None, best.score),
                None => (None, 0.0),
            },
        };
        Ok(match intent {
            Some(intent) => self.intent_answer(language, intent, confidence, &request.referral_path),
            None => self.fallback(language, confidence),
        })
    }

    fn language_for(&self, tag: &str) -> Result<&LanguageFile, Error> {
        let tag = if tag.is_empty() { "nb" } else { tag };
        self.content.language(tag).ok_or_else(|| {
            let known: Vec<&str> = self.content.languages().keys().map(String::as_str).collect();
            Error::InvalidArgument(format!(
                "the language is not supported; use one of {}",
                known.join(", ")
            ))
        })
    }

    fn base(&self, language: &LanguageFile) -> AskResponse {
        AskResponse {
            agency_id: self.agency_id().to_string(),
            language: language.language.clone(),
            ..Default::default()
        }
    }

    fn intent_answer(
        &self,
        language: &LanguageFile,
        intent: &IntentFile,
        confidence: f32,
        referral_path: &[String],
    ) -> AskResponse {
        let checklist: Vec<ChecklistItem> = intent.checklist.iter().map(|i| self.checklist_item(i)).collect();
        let mut sources: Vec<String> = checklist.iter().map(|i| i.link.clone()).collect();
        sources.dedup();
        AskResponse {
            text: intent.answer.trim().to_string(),
            confidence,
            skill_id: intent.id.clone(),
            checklist,
            referrals: intent
                .referrals
                .iter()
                .filter(|r| !referral_path.contains(&r.agency))
                .map(|r| Referral {
                    agency_id: r.agency.clone(),
                    name: r.name.clone(),
                    url: r.url.clone(),
                    reason: r.reason.clone(),
                    skill_id: r.skill.clone().unwrap_or_default(),
                })
                .collect(),
            human_needed: intent.human_needed,
            state: TaskState::Completed.into(),
            sources,
            ..self.base(language)
        }
    }

    fn life_event_answer(&self, language: &LanguageFile, event_id: &str) -> AskResponse {
        let Some(event) = language.life_events.iter().find(|e| e.id == event_id) else {
            return AskResponse {
                state: TaskState::Rejected.into(),
                ..self.base(language)
            };
        };
        let checklist: Vec<ChecklistItem> = language
            .intents
            .iter()
            .filter(|intent| intent.life_events.iter().any(|e| e == event_id))
            .flat_map(|intent| intent.checklist.iter().map(|item| self.checklist_item(item)))
            .collect();
        AskResponse {
            text: event.answer.trim().to_string(),
            confidence: 1.0,
            checklist,
            state: TaskState::Completed.into(),
            sources: vec![self.content.card().homepage.clone()],
            ..self.base(language)
        }
    }

    fn fallback(&self, language: &LanguageFile, confidence: f32) -> AskResponse {
        AskResponse {
            text: language.fallback.trim().to_string(),
            confidence,
            state: TaskState::InputRequired.into(),
            ..self.base(language)
        }
    }

    fn checklist_item(&self, item: &ChecklistFile) -> ChecklistItem {
        ChecklistItem {
            key: item.key.clone(),
            title: item.title.clone(),
            action: item.action.clone(),
            deadline: item.deadline.map(|d| RelativeDeadline {
                within: d.within,
                unit: deadline_unit(d.unit).into(),
            }),
            when: item.when.clone().unwrap_or_default(),
            link: item.link.clone(),
            agency_id: self.agency_id().to_string(),
            phase: item.phase.map(|p| p.as_str().to_string()).unwrap_or_default(),
            only_if: item.only_if.clone().unwrap_or_default(),
        }
    }
}

fn deadline_unit(unit: DeadlineUnitName) -> pb::DeadlineUnit {
    match unit {
        DeadlineUnitName::Days => pb::DeadlineUnit::Days,
        DeadlineUnitName::WorkingDays => pb::DeadlineUnit::WorkingDays,
        DeadlineUnitName::Weeks => pb::DeadlineUnit::Weeks,
        DeadlineUnitName::Months => pb::DeadlineUnit::Months,
    }
}
