//! An agency's content: its card and its answers per language, loaded from
//! TOML files and validated as a whole before the assistant serves anything.

mod card;
mod error;
mod load;
mod model;
mod validate;

pub use error::ContentError;
pub use load::EmbeddedContent;
pub use model::{
    AdvisorHoursFile, CardFile, ChecklistFile, ConceptFile, ContactFile, Content, DeadlineFile, DeadlineUnitName,
    IntentFile, LanguageFile, LifeEventFile, PhaseName, ReferralFile, TailoringFile,
};
pub use validate::concepts as check_concepts;

#[cfg(test)]
mod tests {
    use super::Content;

    const CARD: &str = r#"
id = "testetat"
organisation_number = "999999999"
homepage = "https://test.example.no"
life_events = ["dodsfall-og-arv"]
[contact]
phone = "00 00 00 00"
url = "https://test.example.no/kontakt"
"#;

    fn language(tag: &str, deadline_months: u32, link: &str) -> String {
        let examples = |word: &str| -> String {
            (1..=8)
                .map(|n| format!("\"{word} {tag} eksempel {n}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            r#"language = "{tag}"
display_name = "Testetaten"
description = "Tester."
fallback = "Vet ikke."

[[life_event]]
id = "dodsfall-og-arv"
name = "Dødsfall og arv"
examples = [{life}]
answer = "Vår del."

[[intent]]
id = "stonad"
name = "Stønad"
examples = [{intent}]
answer = "Søk stønad."
life_events = ["dodsfall-og-arv"]

[[intent.checklist]]
key = "stonad-soknad"
title = "Søk"
action = "Send søknad."
deadline = {{ within = {deadline_months}, unit = "months" }}
link = "{link}"
"#,
            life = examples("livshendelse"),
            intent = examples("stonad"),
        )
    }

    fn files(languages: &[(&str, String)]) -> Vec<(String, String)> {
        let mut files = vec![("card.toml".to_string(), CARD.to_string())];
        files.extend(
            languages
                .iter()
                .map(|(tag, text)| (format!("{tag}.toml"), text.clone())),
        );
        files
    }

    fn error(languages: &[(&str, String)]) -> String {
        Content::from_files(files(languages)).expect_err("invalid").to_string()
    }

    const LINK: &str = "https://test.example.no/stonad";

    #[test]
    fn valid_content_loads_with_a_stable_version() {
        let set = [("nb", language("nb", 6, LINK)), ("en", language("en", 6, LINK))];
        let first = Content::from_files(files(&set)).expect("valid");
        let again = Content::from_files(files(&set).into_iter().rev()).expect("valid");
        assert_eq!(first.languages().keys().collect::<Vec<_>>(), ["en", "nb"]);
        assert_eq!(
            first.version(),
            again.version(),
            "file order does not change the version"
        );
        let edited = Content::from_files(files(&[("nb", language("nb", 5, LINK))])).expect("valid");
        assert_ne!(first.version(), edited.version());
    }

    #[test]
    fn languages_must_agree_on_deadlines_and_links() {
        let message = error(&[("nb", language("nb", 6, LINK)), ("en", language("en", 3, LINK))]);
        assert!(
            message.contains("stonad-soknad") && message.contains("differs"),
            "{message}"
        );
        let message = error(&[
            ("nb", language("nb", 6, LINK)),
            ("en", language("en", 6, "https://other.example.no")),
        ]);
        assert!(message.contains("differs"), "{message}");
    }

    #[test]
    fn concepts_reach_the_card_and_break_no_rule() {
        let concept = |tag: &str, target: &str| {
            format!("\n[[concept]]\nid = \"stotte\"\n{target}\nterms = [\"penger til {tag}\", \"støtte\"]\n")
        };
        let with = |tag: &str, target: &str| language(tag, 6, LINK) + &concept(tag, target);
        let content = Content::from_files(files(&[
            ("nb", with("nb", "intent = \"stonad\"")),
            ("en", with("en", "intent = \"stonad\"")),
        ]))
        .expect("valid");
        let card = crate::Assistant::new(content).card().clone();
        assert_eq!(card.concepts.len(), 1);
        assert_eq!(card.concepts[0].skill, "stonad");
        assert_eq!(card.concepts[0].terms.len(), 4, "two terms in each of two languages");
        for (target, rule) in [
            ("intent = \"ukjent\"", "does not declare"),
            ("life_event = \"ukjent\"", "does not declare"),
            ("intent = \"stonad\"\nlife_event = \"dodsfall-og-arv\"", "both"),
        ] {
            let message = error(&[("nb", with("nb", target))]);
            assert!(message.starts_with("nb.toml") && message.contains(rule), "{message}");
        }
        let twice = language("nb", 6, LINK) + "\n[[concept]]\nid = \"x\"\nterms = [\"grav\", \"Grav\"]\n";
        assert!(error(&[("nb", twice)]).contains("twice"));
        let message = error(&[
            ("nb", with("nb", "intent = \"stonad\"")),
            ("en", with("en", "life_event = \"dodsfall-og-arv\"")),
        ]);
        assert!(message.contains("differs"), "languages agree on concepts: {message}");
    }

    #[test]
    fn refuses_thin_or_broken_content_naming_the_file() {
        let few = language("nb", 6, LINK)
            .replace("\"stonad nb eksempel 8\", ", "")
            .replace(", \"stonad nb eksempel 8\"", "");
        let message = error(&[("nb", few)]);
        assert!(
            message.starts_with("nb.toml") && message.contains("at least 8"),
            "{message}"
        );

        let message = error(&[("nb", language("nb", 6, "http://plain.example.no"))]);
        assert!(message.contains("https://"), "{message}");

        let message = error(&[(
            "nb",
            language("nb", 6, LINK).replace("language = \"nb\"", "language = \"nn\""),
        )]);
        assert!(message.contains("named for \"nb\""), "{message}");

        let message = error(&[(
            "nb",
            language("nb", 6, LINK).replace("[[intent]]", "unknown_field = 1\n[[intent]]"),
        )]);
        assert!(message.starts_with("nb.toml"), "{message}");

        let message = Content::from_files([("nb.toml".to_string(), language("nb", 6, LINK))])
            .expect_err("no card")
            .to_string();
        assert!(message.starts_with("card.toml"), "{message}");
    }

    #[test]
    fn advisor_hours_are_read_as_the_master_reads_them() {
        let with_hours = |table: &str| {
            let mut set = files(&[("nb", language("nb", 6, LINK))]);
            set[0].1.push_str(&format!("[advisor_hours]\n{table}\n"));
            Content::from_files(set)
        };
        let valid = r#"timezone = "Europe/Oslo"
days = ["mon", "fri"]
opens = "09:00"
closes = "14:30"
closed_dates = ["12-24", "2026-12-28"]"#;
        let content = with_hours(valid).expect("valid hours");
        let hours = content.card().advisor_hours.as_ref().expect("hours");
        let on_the_card = veiviser_proto::agency::v1::AdvisorHours::from(hours);
        assert_eq!(
            on_the_card.closed_dates,
            ["12-24", "2026-12-28"],
            "the card carries them"
        );
        for (broken, named) in [
            (valid.replace("12-24", "24.12"), "closed date \"24.12\""),
            (valid.replace("Europe/Oslo", "Europe/Atlantis"), "time zone"),
            (valid.replace("\"fri\"", "\"fredag\""), "day \"fredag\""),
            (valid.replace("14:30", "08:00"), "closing time"),
            (valid.replace("\"mon\", \"fri\"", ""), "at least one day"),
        ] {
            let message = with_hours(&broken).expect_err("refused").to_string();
            assert!(
                message.starts_with("card.toml") && message.contains(named),
                "{named}: {message}"
            );
        }
    }

    #[test]
    fn reads_a_content_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files(&[("nb", language("nb", 6, LINK))]) {
            std::fs::write(dir.path().join(name), text).expect("written");
        }
        std::fs::write(dir.path().join("README.md"), "not content").expect("written");
        let content = Content::from_dir(dir.path()).expect("valid");
        assert_eq!(content.card().id, "testetat");
        assert!(Content::from_dir(&dir.path().join("missing")).is_err());
    }
}
