//! What a message says about where it belongs: how close it comes to each
//! target's examples (the whole message and each of its sentences, so a
//! question asked last in a long story still counts), and which concept
//! terms it contains. [`super::Router::decide`] weighs this evidence.

use std::collections::{HashMap, HashSet};

use veiviser_textmatch::{Found, Index, Vocabulary, normalize, words};

use super::{Domain, Target};

/// A concept term the master knows: whose concept it is and what answers it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConceptRef {
    /// The concept's id in its owner's content.
    pub id: String,
    /// Whose domain the concept is in.
    pub domain: Domain,
    /// The skill that answers it, when the concept names one.
    pub skill: Option<String>,
}

/// The closest example of one target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Closest {
    pub score: f32,
    /// The example's number in the router's index.
    pub example: Option<usize>,
}

/// Everything the decision rules look at for one message.
#[derive(Debug)]
pub struct Evidence<'r> {
    /// The best score of each target over the message and its sentences, best first.
    pub targets: Vec<(&'r Target, Closest)>,
    /// The concept terms found, longest first.
    pub concepts: Vec<Found<'r, ConceptRef>>,
    /// The concept terms found in the message's questions (its sentences
    /// ending in "?"), or in the whole message when it asks none that way:
    /// what is asked for, not what is told.
    pub asked: Vec<Found<'r, ConceptRef>>,
    /// Per domain seen: its best target, and its concepts' weight and count.
    domains: Vec<DomainEvidence<'r>>,
    /// The parts of what is asked (questions split at "and", commas, …),
    /// when there are several, for [`Evidence::clause_agencies`].
    clauses: Vec<String>,
    /// How many words the message has.
    pub words: usize,
    /// How many questions it asks (see `questions`).
    pub questions: usize,
}

#[derive(Debug)]
struct DomainEvidence<'r> {
    domain: Domain,
    best: Option<(&'r Target, Closest)>,
    concept_weight: f32,
    concept_count: usize,
}

impl<'r> Evidence<'r> {
    pub fn gather(
        index: &'r Index<Target>,
        vocabulary: &'r Vocabulary<ConceptRef>,
        question_words: &HashSet<String>,
        text: &str,
    ) -> Self {
        // Each target's best score over the segments, in the first ranking's order.
        let mut targets: Vec<(&'r Target, Closest)> = Vec::new();
        let mut position: HashMap<*const Target, usize> = HashMap::new();
        for segment in segments(text) {
            for candidate in index.rank(segment) {
                let at = *position.entry(std::ptr::from_ref(candidate.label)).or_insert_with(|| {
                    targets.push((
                        candidate.label,
                        Closest {
                            score: 0.0,
                            example: None,
                        },
                    ));
                    targets.len() - 1
                });
                let closest = &mut targets[at].1;
                if candidate.score > closest.score {
                    *closest = Closest {
                        score: candidate.score,
                        example: candidate.example,
                    };
                }
            }
        }
        // Stable: equal scores keep the ranking's order.
        targets.sort_by(|(_, a), (_, b)| b.score.total_cmp(&a.score));
        let questions = questions(text, question_words);
        let concepts = vocabulary.find(text);
        // One sentence that is a question: what is asked is the whole message.
        let whole_is_asked =
            questions.is_empty() || (questions.len() == 1 && questions[0].len() + 2 >= text.trim().len());
        let asked = if whole_is_asked {
            concepts.clone()
        } else {
            let mut asked = vocabulary.find(&questions.join(" . "));
            // "Han budde i kommunal leilegheit. Kva skjer med leilegheita?": a
            // question that names the head (the last word, of five letters or
            // more) of a term the story holds asks about that concept.
            let question_stems: HashSet<String> = questions
                .iter()
                .flat_map(|q| words(&normalize(q)))
                .filter(|w| w.folded.chars().count() >= 5 && !question_words.contains(&w.folded))
                .map(|w| w.stem)
                .collect();
            for found in &concepts {
                let already = asked.iter().any(|a| a.label == found.label);
                if !already
                    && matches!(found.label.domain, Domain::Agency(_))
                    && words(&normalize(found.term))
                        .last()
                        .is_some_and(|head| question_stems.contains(&head.stem))
                {
                    asked.push(found.clone());
                }
            }
            asked
        };
        let asked_text = if whole_is_asked { vec![text] } else { questions.clone() };
        let mut clauses: Vec<String> = Vec::new();
        for clause in asked_text.iter().flat_map(|question| clauses_of(question)) {
            if !clauses.contains(&clause) && clauses.len() < MAX_CLAUSES {
                clauses.push(clause);
            }
        }
        let clauses = if clauses.len() > 1 { clauses } else { Vec::new() };
        let mut domains: Vec<DomainEvidence<'r>> = Vec::new();
        for (target, closest) in &targets {
            let domain = target.domain();
            if !domains.iter().any(|d| d.domain == domain) {
                domains.push(DomainEvidence {
                    domain,
                    best: Some((*target, *closest)),
                    concept_weight: 0.0,
                    concept_count: 0,
                });
            }
        }
        // Each concept counts once per domain, by its longest term found.
        let mut counted: Vec<(&str, f32)> = Vec::new();
        for found in &concepts {
            let weight = term_weight(found.words);
            match counted.iter_mut().find(|(id, _)| *id == found.label.id) {
                Some((_, best)) => *best = best.max(weight),
                None => counted.push((&found.label.id, weight)),
            }
        }
        for (id, weight) in counted {
            let Some(found) = concepts.iter().find(|f| f.label.id == id) else {
                continue;
            };
            let domain = &found.label.domain;
            let at = match domains.iter().position(|d| &d.domain == domain) {
                Some(at) => at,
                None => {
                    domains.push(DomainEvidence {
                        domain: domain.clone(),
                        best: None,
                        concept_weight: 0.0,
                        concept_count: 0,
                    });
                    domains.len() - 1
                }
            };
            domains[at].concept_weight += weight;
            domains[at].concept_count += 1;
        }
        Self {
            targets,
            concepts,
            asked,
            domains,
            clauses,
            words: text.split_whitespace().count(),
            questions: questions.len(),
        }
    }

    /// The agencies that the parts of a question asking several things point
    /// at by their examples: each part's best target, when it is an agency's
    /// skill scoring at least `at_least`. Empty when only one thing is asked.
    pub fn clause_agencies(&self, index: &'r Index<Target>, at_least: f32) -> Vec<Domain> {
        let mut agencies: Vec<Domain> = Vec::new();
        for clause in &self.clauses {
            let best = index.rank(clause).into_iter().next();
            if let Some(best) = best
                && best.score >= at_least
                && let domain @ Domain::Agency(_) = best.label.domain()
                && !agencies.contains(&domain)
            {
                agencies.push(domain);
            }
        }
        agencies
    }

    fn of(&self, domain: &Domain) -> Option<&DomainEvidence<'r>> {
        self.domains.iter().find(|d| &d.domain == domain)
    }

    /// Every domain with a target or a concept term in the message.
    pub fn domains(&self) -> impl Iterator<Item = &Domain> {
        self.domains.iter().map(|d| &d.domain)
    }

    /// The agencies whose concepts the message's questions name.
    pub fn asked_agencies(&self) -> Vec<&'r Domain> {
        let mut agencies: Vec<&Domain> = Vec::new();
        for found in &self.asked {
            if matches!(found.label.domain, Domain::Agency(_)) && !agencies.contains(&&found.label.domain) {
                agencies.push(&found.label.domain);
            }
        }
        agencies
    }

    /// How many concept terms of `domain` the message's questions hold.
    pub fn asked_in(&self, domain: &Domain) -> usize {
        self.asked.iter().filter(|found| &found.label.domain == domain).count()
    }

    /// Whether the message's questions hold a concept term of any agency.
    pub fn asks_an_agency(&self) -> bool {
        self.asked
            .iter()
            .any(|found| matches!(found.label.domain, Domain::Agency(_)))
    }

    /// The best target of `domain` and its score.
    pub fn best_in(&self, domain: &Domain) -> Option<(&'r Target, Closest)> {
        self.of(domain).and_then(|d| d.best)
    }

    /// The score of `domain`'s best example.
    pub fn example_score(&self, domain: &Domain) -> f32 {
        self.best_in(domain).map_or(0.0, |(_, closest)| closest.score)
    }

    /// How strongly the concept terms found point at `domain`: each concept
    /// counts once, by its longest term found (one for a one-word term, more
    /// for longer ones), so a concept written out in many terms does not
    /// outweigh several concepts.
    pub fn concept_weight(&self, domain: &Domain) -> f32 {
        self.of(domain).map_or(0.0, |d| d.concept_weight)
    }

    /// The domain's score the rules compare: its best example, plus
    /// `concept_bonus` for each concept found (at most three).
    pub fn score(&self, domain: &Domain, concept_bonus: f32) -> f32 {
        self.example_score(domain) + concept_bonus * self.concept_weight(domain).min(3.0)
    }

    /// How many different concepts of `domain` were found.
    pub fn concept_count(&self, domain: &Domain) -> usize {
        self.of(domain).map_or(0, |d| d.concept_count)
    }

    /// The concepts found in `domain` that name a skill, by skill, strongest first.
    pub fn concept_skills(&self, domain: &Domain) -> Vec<(&'r str, f32)> {
        let mut skills: Vec<(&str, f32)> = Vec::new();
        for found in self.concepts.iter().filter(|f| &f.label.domain == domain) {
            if let Some(skill) = &found.label.skill {
                match skills.iter_mut().find(|(s, _)| s == skill) {
                    Some((_, weight)) => *weight += term_weight(found.words),
                    None => skills.push((skill, term_weight(found.words))),
                }
            }
        }
        skills.sort_by(|a, b| b.1.total_cmp(&a.1));
        skills
    }
}

/// A longer term is stronger evidence, up to a point.
fn term_weight(words: usize) -> f32 {
    match words {
        0 | 1 => 1.0,
        2 => 1.25,
        _ => 1.5,
    }
}

/// The sentences of `text` that end in a question mark; in a message with
/// none, its parts (between commas and sentence ends) that begin with a
/// question word ("hvordan", "kva", "how" …, from the master's content).
fn questions<'t>(text: &'t str, question_words: &HashSet<String>) -> Vec<&'t str> {
    let mut questions = Vec::new();
    let mut start = 0;
    for (at, c) in text.char_indices() {
        if matches!(c, '.' | '!' | ';' | '\n' | '?') {
            if c == '?' {
                questions.push(text[start..at].trim());
            }
            start = at + c.len_utf8();
        }
    }
    questions.retain(|q| !q.is_empty());
    if questions.is_empty() && !question_words.is_empty() {
        let parts: Vec<&str> = text.split([',', '.', '!', ';', '\n']).map(str::trim).collect();
        let asking: Vec<&str> = parts
            .iter()
            .copied()
            .filter(|part| {
                part.split_whitespace()
                    .next()
                    .is_some_and(|first| question_words.contains(&first.to_lowercase()))
            })
            .collect();
        // Only when it tells something besides: a message that is all question is asked whole.
        if asking.len() < parts.iter().filter(|p| !p.is_empty()).count() {
            questions = asking;
        }
    }
    questions
}

/// The most parts of a question ranked on their own (each is one ranking).
const MAX_CLAUSES: usize = 6;

/// The parts of one question that ask different things: split at sentence
/// ends, commas and the words that join two requests, keeping parts of at
/// least three words.
fn clauses_of(question: &str) -> Vec<String> {
    const JOINS: [&str; 8] = [
        " og ",
        " and ",
        " samt ",
        " eller ",
        " or ",
        " også ",
        " also ",
        " as well as ",
    ];
    let mut parts = vec![question.to_lowercase()];
    for join in JOINS {
        parts = parts
            .iter()
            .flat_map(|p| p.split(join).map(str::to_string).collect::<Vec<_>>())
            .collect();
    }
    parts
        .iter()
        .flat_map(|p| {
            p.split([',', '.', '?', '!', ';', '\n'])
                .map(str::trim)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|p| p.split_whitespace().count() >= 3)
        .collect()
}

/// The message itself and, when it has more than one, each of its sentences.
fn segments(text: &str) -> Vec<&str> {
    let sentences: Vec<&str> = text
        .split(['.', '?', '!', ';', '\n'])
        .map(str::trim)
        .filter(|s| s.split_whitespace().count() >= 2)
        .collect();
    let mut segments = vec![text];
    if sentences.len() > 1 {
        segments.extend(sentences);
    }
    segments
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{questions, segments};

    #[test]
    fn a_story_is_read_whole_and_sentence_by_sentence() {
        let words: HashSet<String> = ["hva", "hvem"].map(String::from).into();
        let story = "Far døde i går. Han bodde alene. Hvem betaler begravelsen?";
        assert_eq!(
            segments(story),
            [story, "Far døde i går", "Han bodde alene", "Hvem betaler begravelsen"]
        );
        assert_eq!(segments("hvor mye er G"), ["hvor mye er G"]);
        assert_eq!(questions(story, &words), ["Hvem betaler begravelsen"]);
        assert_eq!(questions("far døde i går, hva gjør vi nå", &words), ["hva gjør vi nå"]);
        assert!(
            questions("hva gjør vi nå", &words).is_empty(),
            "all question: asked whole"
        );
        assert!(questions("far døde i går, hva gjør vi nå", &HashSet::new()).is_empty());
    }
}
