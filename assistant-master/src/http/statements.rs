//! The privacy and accessibility statements as pages, rendered on the server
//! from the master's content in the asked language, with the operator and the
//! retention filled in from the configuration: plain HTML, every text escaped.

use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::common::{Web, WebResult};
use crate::content::{MasterLanguage, Statement, fill};

/// Where each statement is served.
pub(super) const PRIVACY_PATH: &str = "/personvern";
pub(super) const ACCESSIBILITY_PATH: &str = "/tilgjengelighet";

#[derive(Debug, Deserialize)]
pub(super) struct StatementQuery {
    #[serde(default)]
    lang: String,
}

pub(super) async fn privacy(State(web): State<Web>, Query(query): Query<StatementQuery>) -> WebResult<Response> {
    render(&web, &query.lang, PRIVACY_PATH, |language| &language.statement.privacy)
}

pub(super) async fn accessibility(State(web): State<Web>, Query(query): Query<StatementQuery>) -> WebResult<Response> {
    render(&web, &query.lang, ACCESSIBILITY_PATH, |language| {
        &language.statement.accessibility
    })
}

fn render(web: &Web, lang: &str, path: &str, statement: impl Fn(&MasterLanguage) -> &Statement) -> WebResult<Response> {
    let content = web.master.content();
    let language = content.language(lang)?;
    let config = web.master.config();
    let retention_days = config.retention.kept_days().to_string();
    let idle_minutes = config.session_idle_timeout.as_secs().div_ceil(60).to_string();
    let values = [
        ("operator", config.operator.as_str()),
        ("operator_contact", config.operator_contact.as_str()),
        ("retention_days", retention_days.as_str()),
        ("idle_minutes", idle_minutes.as_str()),
    ];
    let filled = |text: &str| fill(text, &values);
    let page_text = |key: &'static str| language.page_text(key);
    let statement = statement(language);
    let tag = escape(&language.language);

    let mut html = String::with_capacity(8 * 1024);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"{tag}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} – {site}</title>\n<link rel=\"stylesheet\" href=\"/app.css\">\n</head>\n<body>\n\
         <a class=\"skip-link\" href=\"#statement\">{skip}</a>\n\
         <header class=\"site-header\"><div class=\"site-header-inner\">\
         <a class=\"site-name\" href=\"/\">{site}</a><span class=\"site-tagline\">{tagline}</span>\
         <nav class=\"site-languages\" aria-label=\"{languages}\">",
        title = escape(&filled(&statement.title)),
        site = escape(page_text("siteName")),
        skip = escape(page_text("skipToContent")),
        tagline = escape(page_text("siteTagline")),
        languages = escape(page_text("languageLabel")),
    );
    for other in content.languages() {
        let name = escape(other.page.get("languageName").unwrap_or(&other.language));
        let other_tag = escape(&other.language);
        if other.language == language.language {
            let _ = write!(html, "<span lang=\"{other_tag}\" aria-current=\"page\">{name}</span>");
        } else {
            let _ = write!(
                html,
                "<a lang=\"{other_tag}\" href=\"{path}?lang={other_tag}\">{name}</a>"
            );
        }
    }
    let _ = write!(
        html,
        "</nav></div></header>\n<main id=\"statement\" class=\"statement\">\n<h1>{}</h1>\n<p class=\"intro\">{}</p>\n",
        escape(&filled(&statement.title)),
        linked(&filled(&statement.summary)),
    );
    for section in &statement.sections {
        let _ = write!(html, "<section>\n<h2>{}</h2>\n", escape(&filled(&section.heading)));
        for paragraph in &section.paragraphs {
            let _ = writeln!(html, "<p>{}</p>", linked(&filled(paragraph)));
        }
        html.push_str("</section>\n");
    }
    let _ = write!(
        html,
        "<p><a href=\"/?lang={tag}\">{back}</a></p>\n</main>\n{footer}</body>\n</html>\n",
        back = escape(page_text("backToChat")),
        footer = footer(language, &config.operator),
    );
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// The footer every statement page ends with: both statements and the operator.
fn footer(language: &MasterLanguage, operator: &str) -> String {
    let text = |key: &'static str| escape(language.page_text(key));
    let tag = escape(&language.language);
    format!(
        "<footer class=\"site-footer\"><div class=\"site-footer-inner\">\
         <a href=\"{PRIVACY_PATH}?lang={tag}\">{}</a>\
         <a href=\"{ACCESSIBILITY_PATH}?lang={tag}\">{}</a>\
         <span>{}</span></div></footer>\n",
        text("footerPrivacy"),
        text("footerAccessibility"),
        escape(&fill(language.page_text("footerOperator"), &[("operator", operator)])),
    )
}

/// `text` escaped for HTML, its `https://` addresses made links.
fn linked(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for (index, word) in text.split(' ').enumerate() {
        if index > 0 {
            out.push(' ');
        }
        let trimmed = word.trim_end_matches(['.', ',', ')', ';', ':']);
        if trimmed.starts_with("https://") && trimmed.len() > "https://".len() {
            let address = escape(trimmed);
            let _ = write!(
                out,
                "<a href=\"{address}\">{address}</a>{}",
                escape(&word[trimmed.len()..])
            );
        } else {
            out.push_str(&escape(word));
        }
    }
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_only_web_addresses_become_links() {
        assert_eq!(escape("<b a=\"1\">&'"), "&lt;b a=&quot;1&quot;&gt;&amp;&#39;");
        assert_eq!(
            linked("Se https://www.datatilsynet.no. Eller <script>"),
            "Se <a href=\"https://www.datatilsynet.no\">https://www.datatilsynet.no</a>. Eller &lt;script&gt;"
        );
        assert_eq!(linked("javascript:alert(1)"), "javascript:alert(1)");
        assert_eq!(
            linked("https://\"onmouseover=x"),
            "<a href=\"https://&quot;onmouseover=x\">https://&quot;onmouseover=x</a>"
        );
    }
}
