//! The page templates (askama, in `templates/`) and the plain values they show. Values are
//! worded here, in the user's language, so the templates only lay them out.

use super::i18n::Tr;
use askama::Template;
use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};

/// What every signed-in page shows around its content.
pub struct Frame {
    pub tr: Tr,
    pub name: String,
    pub csrf: String,
    /// This page's path, for the language switch to come back to.
    pub path: String,
    /// Show the administration link.
    pub admin: bool,
    /// Units to switch between (empty unless there are several), and the current one.
    pub units: Vec<(i64, String)>,
    pub unit: i64,
}

/// (value, words) pairs for a `<select>` of matter kinds.
pub fn kind_options(tr: Tr) -> Vec<(String, String)> {
    minsheng_domain::MatterKind::ALL.iter().map(|k| (k.as_str().into(), tr.of("kind", k.as_str()))).collect()
}

/// (value, words) pairs for a `<select>` of channels.
pub fn channel_options(tr: Tr) -> Vec<(String, String)> {
    minsheng_domain::Channel::ALL.iter().map(|c| (c.as_str().into(), tr.of("channel", c.as_str()))).collect()
}

/// (code, name) pairs for a `<select>` of categories, named in the user's language.
pub fn category_options(tr: Tr, catalogue: &minsheng_domain::Catalogue) -> Vec<(String, String)> {
    catalogue.all().iter().map(|c| (c.code.0.clone(), tr.category(c))).collect()
}

/// `2026-11-22 14:05`, China time.
pub fn china_time(t: Timestamp) -> String {
    let china = TimeZone::fixed(Offset::constant(8));
    t.to_zoned(china).strftime("%Y-%m-%d %H:%M").to_string()
}

/// A deadline as people say it: a limit in days ends at midnight, shown as `2026-12-09 24:00`
/// rather than the next day's `00:00`; other instants as [`china_time`].
pub fn deadline_time(t: Timestamp) -> String {
    let local = t.to_zoned(TimeZone::fixed(Offset::constant(8)));
    match (local.hour(), local.minute(), local.second(), local.date().yesterday()) {
        (0, 0, 0, Ok(day)) => format!("{day} 24:00"),
        _ => china_time(t),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub tr: Tr,
    pub message: String,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub tr: Tr,
    pub csrf: String,
    pub next: String,
    pub username: String,
    pub message: Option<String>,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub frame: Frame,
    pub notice: Option<String>,
    pub errors: Vec<String>,
}

pub struct Row {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub status: String,
    pub status_code: &'static str,
    pub place: String,
    pub registered: String,
    pub deadline: String,
    pub overdue: bool,
    /// A search's matched words in context (escaped HTML with `<mark>`), or empty.
    pub snippet: String,
}

pub struct Section {
    pub title: String,
    pub rows: Vec<Row>,
    /// How many there are in all (`999+` past the cap), where counted.
    pub count: Option<String>,
}

#[derive(Template)]
#[template(path = "workbench.html")]
pub struct WorkbenchPage {
    pub frame: Frame,
    pub hello: String,
    pub scope: String,
    pub sections: Vec<Section>,
    /// Open warnings in the user's scope, gravest first: (id, level, words).
    pub warnings: Vec<(i64, &'static str, String)>,
}

pub struct PartyLine {
    pub role: String,
    pub name: String,
    pub phone: String,
    pub id_card: String,
    pub address: String,
}

pub struct TimelineLine {
    pub at: String,
    pub what: String,
    pub who: String,
    pub detail: String,
}

/// An action the user may take now, with its form's fields.
pub struct Action {
    pub code: &'static str,
    pub label: String,
    pub fields: Vec<ActionField>,
    /// A step that moves the matter on (shown open), rather than an occasional one.
    pub primary: bool,
}

/// One input of an action's form.
pub struct ActionField {
    pub name: &'static str,
    pub label: String,
    /// `textarea`, `select`, `multi`, `checks`, `date`, `datetime`, `number`, `text` (an
    /// amount), `line` (a short text) or `terms` (rows of an agreement's terms).
    pub input: &'static str,
    pub required: bool,
    /// (value, words) for selects and checkboxes.
    pub options: Vec<(String, String)>,
    pub min: i64,
    pub max: i64,
    /// The value the input starts with.
    pub value: String,
}

/// A running clock as the header shows it.
pub struct ClockLine {
    pub name: String,
    pub due: String,
    pub remaining: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "matter.html")]
pub struct MatterPage {
    pub frame: Frame,
    pub id: i64,
    pub version: i64,
    pub heading: String,
    pub title: String,
    pub kind: String,
    pub status: String,
    pub status_code: &'static str,
    pub reopen_count: u32,
    pub clocks: Vec<ClockLine>,
    /// The final petition this one repeats, and the warning in words.
    pub repeat_of: Option<(i64, String)>,
    /// What the matter waits on, in words (a return to re-route, an extension to approve).
    pub waiting: Option<String>,
    /// A mediator reported a risk that the dispute turns violent (a red flag on the matter).
    pub risk: Option<String>,
    /// Workflow facts worth a line in the header: outcome, review level, final, follow-up.
    pub facts: Vec<(String, String)>,
    pub place: String,
    pub channel: String,
    pub category: String,
    pub handling: String,
    pub people: u32,
    pub amount: Option<String>,
    pub body: String,
    pub reply: Option<String>,
    pub parties: Vec<PartyLine>,
    /// (sha256, name, size)
    pub attachments: Vec<(String, String, String)>,
    pub masked: bool,
    pub timeline: Vec<TimelineLine>,
    pub actions: Vec<Action>,
    /// Letters the matter has: (print page, PDF, title).
    pub letters: Vec<(String, String, String)>,
    /// 并件: the main matter this one is merged into.
    pub merged_into: Option<i64>,
    /// 主件: the matters merged into this one, (id, title; empty outside the user's scope).
    pub merged: Vec<(i64, String)>,
    /// 相似事项: open and recent matters that say nearly the same thing.
    pub similar: Vec<SimilarRow>,
    /// Open warnings about the matter: (id, level, words).
    pub warnings: Vec<(i64, &'static str, String)>,
    pub notice: Option<String>,
    pub errors: Vec<String>,
}

/// A similar matter on the matter page, with a one-click merge into it where allowed.
pub struct SimilarRow {
    pub id: i64,
    pub title: String,
    pub place: String,
    pub status: String,
    pub percent: i64,
    /// Why it matches, in words.
    pub why: String,
    /// The user may merge this matter into it (并入此件).
    pub mergeable: bool,
}

/// A letter as a print-ready page: A4, no navigation, the same words as the PDF.
#[derive(Template)]
#[template(path = "letter.html")]
pub struct LetterPage {
    pub tr: Tr,
    pub back: String,
    pub pdf: String,
    pub letter: minsheng_docs::Letter,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_in_days_ends_at_24_00_of_its_last_day() {
        let midnight: Timestamp = "2026-12-10T00:00:00+08:00".parse().unwrap();
        assert_eq!(deadline_time(midnight), "2026-12-09 24:00");
        let afternoon: Timestamp = "2026-12-10T14:05:00+08:00".parse().unwrap();
        assert_eq!(deadline_time(afternoon), "2026-12-10 14:05");
    }
}
