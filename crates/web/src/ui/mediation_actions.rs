//! The matter page's people's-mediation steps: the form of each (acceptance with a suggested
//! mediator, sessions, the agreement with its rows of terms, signatures, judicial
//! confirmation, performance, visits, relapse and transfers), the probes that ask the domain
//! which are allowed, and reading a posted form back into the command.

use super::actions::{Posted, field, options, select};
use super::i18n::Tr;
use super::pages::ActionField;
use crate::state::{AppState, Knowledge};
use jiff::Timestamp;
use jiff::civil::Date;
use minsheng_domain::command::Command;
use minsheng_domain::event::Satisfaction;
use minsheng_domain::mediation::{
    FailureRoute, JudicialResult, Linkage, Performance, RemainingRisk, Source, TermDraft,
};
use minsheng_domain::{Matter, UnitKind};

/// Rows of terms the agreement form offers; empty rows are ignored.
pub const TERM_ROWS: usize = 5;

/// What the mediation forms choose from.
#[derive(Default)]
pub struct MediationChoices {
    /// Mediators of the committee, best suggestion first, with load and speciality.
    pub mediators: Vec<(String, String)>,
    pub parties: Vec<(String, String)>,
    /// Terms of the agreement in force not yet performed.
    pub terms: Vec<(String, String)>,
    /// Units a dispute may be transferred to: committees, departments, the command centres.
    pub units: Vec<(String, String)>,
}

pub async fn choices(
    state: &AppState,
    matter: &Matter,
    known: &Knowledge,
    codes: &[&str],
) -> MediationChoices {
    let org = &known.org;
    let mut c = MediationChoices {
        parties: matter
            .registration
            .parties
            .iter()
            .enumerate()
            .map(|(i, p)| (i.to_string(), format!("{}（{}）", p.name.masked(), i + 1)))
            .collect(),
        terms: matter
            .mediation
            .live_agreement()
            .map(|a| {
                a.terms
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| !t.performed)
                    .map(|(i, t)| (i.to_string(), format!("{}. {}{}", i + 1, t.term.obligor, t.term.content)))
                    .collect()
            })
            .unwrap_or_default(),
        ..MediationChoices::default()
    };
    if codes.contains(&"transfer_mediation") {
        c.units = org
            .iter()
            .filter(|u| {
                matches!(
                    u.kind,
                    UnitKind::Committee | UnitKind::Department | UnitKind::Township | UnitKind::County
                )
            })
            .map(|u| (u.id.0.to_string(), org.full_name(u.id)))
            .collect();
    }
    if codes.contains(&"accept_mediation") {
        let committee = matter
            .handling
            .as_ref()
            .map(|h| h.lead)
            .filter(|l| org.get(*l).is_some_and(|u| u.kind == UnitKind::Committee));
        if let Some(committee) = committee {
            let category = matter.registration.category.as_str();
            let all = minsheng_store::Scope::all();
            if let Ok(found) = crate::api::mediation::suggest(state, &all, committee, category).await {
                c.mediators = found
                    .into_iter()
                    .map(|m| {
                        let fit = if m.matches_category { "★ " } else { "" };
                        (m.id.0.to_string(), format!("{fit}{}（在办 {}）", m.display_name, m.open_matters))
                    })
                    .collect();
            }
        }
    }
    c
}

/// One probe per mediation step, to ask the domain whether the user may take it.
pub fn probes(now: Timestamp, any_unit: i64) -> Vec<Command> {
    let x = || "x".to_string();
    let later = now + jiff::SignedDuration::from_hours(24);
    let today = Date::constant(2000, 1, 1);
    vec![
        Command::AcceptMediation {
            mediator_id: 1,
            chosen_by_party: false,
            source: Source::Application,
            referred_by: None,
            requests: x(),
        },
        Command::NotifyRights { note: None },
        Command::ScheduleSession { at: later, place: x() },
        Command::RecordSession { held_at: now, place: x(), participants: x(), record: x(), proposals: None },
        Command::DraftAgreement { facts: x(), issues: x(), responsibilities: x(), terms: vec![] },
        Command::SignAgreement { signed_on: today, parties_signed: vec![], mediator_signed: true },
        Command::RecordOralAgreement { content: x(), terms: vec![] },
        Command::RecordFailure { reason: x(), routes: vec![FailureRoute::Litigation], referred_to: None },
        Command::RefuseMediation { party: 0, reason: x(), routes: vec![], referred_to: None },
        Command::FlagRisk { description: x(), reported_to: x() },
        Command::FileJudicial { court: x(), filed_on: today },
        Command::RecordJudicialAcceptance { accepted_on: today },
        Command::ExtendJudicial { reason: x() },
        Command::RecordJudicialRuling { ruled_on: today, result: JudicialResult::Confirmed, note: None },
        Command::RecordPerformance { term: 0, note: None },
        Command::RecordVisit {
            performance: Performance::Performed,
            satisfaction: Satisfaction::Satisfied,
            risk: RemainingRisk::None,
            note: None,
        },
        Command::RecordRelapse { reason: x() },
        Command::TransferMediation { unit_id: any_unit, linkage: Linkage::Escalate, reason: x() },
    ]
}

/// A date field: `YYYY-MM-DD`; empty means today.
fn date(p: &Posted, known: &Knowledge, now: Timestamp, name: &str) -> Option<Date> {
    match p.get(name).trim() {
        "" => Some(known.calendar.date_of(now)),
        raw => raw.parse().ok(),
    }
}

/// A `datetime-local` field (`2026-12-01T14:30`) in the deployment's time zone; empty is now.
fn instant(p: &Posted, known: &Knowledge, now: Timestamp, name: &str) -> Option<Timestamp> {
    match p.get(name).trim() {
        "" => Some(now),
        raw => {
            let dt: jiff::civil::DateTime = raw.parse().ok()?;
            known.calendar.time_zone().to_zoned(dt).ok().map(|z| z.timestamp())
        }
    }
}

/// The terms' rows as posted; a row left wholly empty is no term.
fn terms(p: &Posted) -> Option<Vec<TermDraft>> {
    let col = |n: &str| p.all(n);
    let (who, what, how, when) =
        (col("term_obligor"), col("term_content"), col("term_manner"), col("term_deadline"));
    let mut out = vec![];
    for i in 0..who.len().max(what.len()).max(how.len()).max(when.len()) {
        let cell = |c: &[String]| c.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
        let row = (cell(who), cell(what), cell(how), cell(when));
        if row.0.is_empty() && row.1.is_empty() && row.2.is_empty() && row.3.is_empty() {
            continue;
        }
        let deadline = if row.3.is_empty() { None } else { Some(row.3.parse().ok()?) };
        out.push(TermDraft { obligor: row.0, content: row.1, manner: row.2, deadline });
    }
    Some(out)
}

fn routes(p: &Posted) -> Option<Vec<FailureRoute>> {
    p.all("routes").iter().map(|r| FailureRoute::parse(r)).collect()
}

/// The command a posted mediation form asks for; `None` for an unknown action or a malformed
/// choice (which a browser never sends).
pub fn command_of(code: &str, p: &Posted, known: &Knowledge, now: Timestamp) -> Option<Command> {
    Some(match code {
        "accept_mediation" => Command::AcceptMediation {
            mediator_id: p.int("mediator_id").unwrap_or(0),
            chosen_by_party: p.get("chosen_by_party") == "yes",
            source: Source::parse(p.get("source"))?,
            referred_by: p.optional("referred_by"),
            requests: p.text("requests"),
        },
        "notify_rights" => Command::NotifyRights { note: p.optional("text") },
        "refuse_mediation" => Command::RefuseMediation {
            party: p.get("party").trim().parse().ok()?,
            reason: p.text("text"),
            routes: routes(p)?,
            referred_to: p.optional("referred_to"),
        },
        "schedule_session" => {
            Command::ScheduleSession { at: instant(p, known, now, "at")?, place: p.text("place") }
        }
        "record_session" => Command::RecordSession {
            held_at: instant(p, known, now, "held_at")?,
            place: p.text("place"),
            participants: p.text("participants"),
            record: p.text("record"),
            proposals: p.optional("proposals"),
        },
        "flag_risk" => Command::FlagRisk { description: p.text("text"), reported_to: p.text("reported_to") },
        "draft_agreement" => Command::DraftAgreement {
            facts: p.text("facts"),
            issues: p.text("issues"),
            responsibilities: p.text("responsibilities"),
            terms: terms(p)?,
        },
        "sign_agreement" => Command::SignAgreement {
            signed_on: date(p, known, now, "signed_on")?,
            parties_signed: p
                .ints("parties_signed")
                .into_iter()
                .filter_map(|i| usize::try_from(i).ok())
                .collect(),
            mediator_signed: p.get("mediator_signed") == "yes",
        },
        "record_oral_agreement" => Command::RecordOralAgreement { content: p.text("text"), terms: terms(p)? },
        "record_failure" => Command::RecordFailure {
            reason: p.text("text"),
            routes: routes(p)?,
            referred_to: p.optional("referred_to"),
        },
        "file_judicial" => {
            Command::FileJudicial { court: p.text("court"), filed_on: date(p, known, now, "filed_on")? }
        }
        "record_judicial_acceptance" => {
            Command::RecordJudicialAcceptance { accepted_on: date(p, known, now, "accepted_on")? }
        }
        "extend_judicial" => Command::ExtendJudicial { reason: p.text("text") },
        "record_judicial_ruling" => Command::RecordJudicialRuling {
            ruled_on: date(p, known, now, "ruled_on")?,
            result: JudicialResult::parse(p.get("result"))?,
            note: p.optional("text"),
        },
        "record_performance" => {
            Command::RecordPerformance { term: p.get("term").trim().parse().ok()?, note: p.optional("text") }
        }
        "record_visit" => Command::RecordVisit {
            performance: Performance::parse(p.get("performance"))?,
            satisfaction: Satisfaction::parse(p.get("satisfaction"))?,
            risk: RemainingRisk::parse(p.get("risk"))?,
            note: p.optional("text"),
        },
        "record_relapse" => Command::RecordRelapse { reason: p.text("text") },
        "transfer_mediation" => Command::TransferMediation {
            unit_id: p.int("unit_id")?,
            linkage: Linkage::parse(p.get("linkage"))?,
            reason: p.text("text"),
        },
        _ => return None,
    })
}

fn line(name: &'static str, label: String, required: bool) -> ActionField {
    field(name, label, "line", required)
}

fn valued(f: ActionField, value: String) -> ActionField {
    ActionField { value, ..f }
}

/// The form of a mediation step (empty for a code that is not one).
pub fn fields(tr: Tr, code: &str, matter: &Matter, c: &MediationChoices) -> Vec<ActionField> {
    let text = |key: &str, required| field("text", tr.t(key), "textarea", required);
    let area = |name: &'static str, key: &str, required| field(name, tr.t(key), "textarea", required);
    let yes_no = |yes: &str, no: &str| vec![("yes".to_string(), tr.t(yes)), ("no".to_string(), tr.t(no))];
    let draft = matter.mediation.draft.as_ref().map(|(_, d)| d);
    let prefill =
        |f: ActionField, pick: fn(&minsheng_domain::mediation::AgreementContent) -> &String| match draft {
            Some(d) => valued(f, pick(d).clone()),
            None => f,
        };
    let route_choices = || ActionField {
        options: options(tr, "failure-route", FailureRoute::ALL, FailureRoute::as_str),
        ..field("routes", tr.t("mediation-routes"), "checks", false)
    };
    match code {
        "accept_mediation" => vec![
            select("mediator_id", tr.t("mediation-mediator"), c.mediators.clone()),
            select(
                "chosen_by_party",
                tr.t("mediation-chosen"),
                yes_no("mediation-chosen-yes", "mediation-chosen-no"),
            ),
            select("source", tr.t("mediation-source"), options(tr, "source", Source::ALL, Source::as_str)),
            line("referred_by", tr.t("mediation-referred-by"), false),
            area("requests", "mediation-requests", true),
        ],
        "notify_rights" => vec![text("action-note-optional", false)],
        "refuse_mediation" => vec![
            select("party", tr.t("mediation-refusing-party"), c.parties.clone()),
            text("action-reason", true),
            route_choices(),
            line("referred_to", tr.t("mediation-referred-to"), false),
        ],
        "schedule_session" => vec![
            field("at", tr.t("mediation-session-at"), "datetime", true),
            line("place", tr.t("mediation-place"), true),
        ],
        "record_session" => vec![
            // Left empty, it is now (as its label says), so the browser must let it be empty.
            field("held_at", tr.t("mediation-held-at"), "datetime", false),
            line("place", tr.t("mediation-place"), true),
            line("participants", tr.t("mediation-participants"), true),
            area("record", "mediation-record", true),
            area("proposals", "mediation-proposals", false),
        ],
        "flag_risk" => vec![
            text("mediation-risk", true),
            valued(
                line("reported_to", tr.t("mediation-reported-to"), true),
                tr.t("mediation-reported-to-default"),
            ),
        ],
        "draft_agreement" => vec![
            prefill(area("facts", "mediation-facts", true), |d| &d.facts),
            prefill(area("issues", "mediation-issues", true), |d| &d.issues),
            prefill(area("responsibilities", "mediation-responsibilities", true), |d| &d.responsibilities),
            ActionField { min: TERM_ROWS as i64, ..field("terms", tr.t("mediation-terms"), "terms", true) },
        ],
        "sign_agreement" => vec![
            field("signed_on", tr.t("mediation-signed-on"), "date", false),
            ActionField {
                options: c.parties.clone(),
                ..field("parties_signed", tr.t("mediation-parties-signed"), "checks", true)
            },
            select(
                "mediator_signed",
                tr.t("mediation-mediator-signed"),
                yes_no("mediation-signed-yes", "mediation-signed-no"),
            ),
        ],
        "record_oral_agreement" => vec![
            text("mediation-oral-content", true),
            ActionField { min: 2, ..field("terms", tr.t("mediation-terms-optional"), "terms", false) },
        ],
        "record_failure" => vec![
            text("action-reason", true),
            ActionField { required: true, ..route_choices() },
            line("referred_to", tr.t("mediation-referred-to"), false),
        ],
        "file_judicial" => vec![
            line("court", tr.t("mediation-court"), true),
            field("filed_on", tr.t("mediation-filed-on"), "date", false),
        ],
        "record_judicial_acceptance" => {
            vec![field("accepted_on", tr.t("mediation-accepted-on"), "date", false)]
        }
        "extend_judicial" => vec![text("action-reason", true)],
        "record_judicial_ruling" => vec![
            field("ruled_on", tr.t("mediation-ruled-on"), "date", false),
            select(
                "result",
                tr.t("mediation-result"),
                options(tr, "judicial", JudicialResult::ALL, JudicialResult::as_str),
            ),
            text("action-note-optional", false),
        ],
        "record_performance" => {
            vec![select("term", tr.t("mediation-term"), c.terms.clone()), text("action-note-optional", false)]
        }
        "record_visit" => vec![
            select(
                "performance",
                tr.t("mediation-performance"),
                options(tr, "performance", Performance::ALL, Performance::as_str),
            ),
            select(
                "satisfaction",
                tr.t("action-satisfaction"),
                options(tr, "satisfaction", Satisfaction::ALL, Satisfaction::as_str),
            ),
            select(
                "risk",
                tr.t("mediation-remaining-risk"),
                options(tr, "risk", RemainingRisk::ALL, RemainingRisk::as_str),
            ),
            text("action-note-optional", false),
        ],
        "record_relapse" => vec![text("action-reason", true)],
        "transfer_mediation" => vec![
            select(
                "linkage",
                tr.t("mediation-linkage"),
                options(tr, "linkage", Linkage::ALL, Linkage::as_str),
            ),
            select("unit_id", tr.t("mediation-transfer-to"), c.units.clone()),
            text("action-reason", true),
        ],
        _ => vec![],
    }
}
