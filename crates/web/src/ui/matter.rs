//! The matter page: header with status and deadline, parties (masked unless revealed with a
//! reason), the timeline, and exactly the actions the domain allows this user now. Actions
//! are plain forms (post, then redirect), so the page works without JavaScript.

use super::account::{frame, render};
use super::error::UiError;
use super::i18n::Tr;
use super::pages::{Action, MatterPage, PartyLine, TimelineLine, china_time};
use super::session::Staff;
use crate::api::matters::{execute, matter_id, record_reveal};
use crate::problem::ApiError;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use minsheng_domain::command::{self, Command, Context};
use minsheng_domain::party::PartyRole;
use minsheng_domain::{DomainError, Event, HandlingMode, Matter, OrgTree, RecordedEvent, UnitKind};
use serde::Deserialize;
use std::collections::HashMap;

/// Everything the page needs besides the matter: who did what, and what may be done.
async fn page(
    state: &AppState,
    staff: &Staff,
    matter: &Matter,
    events: &[RecordedEvent],
    org: &OrgTree,
    reveal: bool,
) -> Result<MatterPage, ApiError> {
    let tr = staff.tr;
    let now = state.clock.now();
    let r = &matter.registration;
    let mut ids: Vec<_> = events.iter().map(|e| e.actor).collect();
    ids.sort();
    ids.dedup();
    let names: HashMap<_, _> =
        state.store.users_by_id(&ids).await?.into_iter().map(|u| (u.id, u.display_name)).collect();
    let deadline = matter.handling.as_ref().and_then(|h| h.report_by);
    let open = super::workbench::unanswered(matter.status);
    let (remaining, overdue) = match deadline {
        Some(d) if open => {
            let hours = (d.as_second() - now.as_second()) / 3600;
            if hours >= 0 {
                (tr.t1("matter-remaining", "hours", hours), false)
            } else {
                (tr.t1("matter-overdue-by", "hours", -hours), true)
            }
        }
        _ => (String::new(), false),
    };
    let handling = matter
        .handling
        .as_ref()
        .map(|h| format!("{} · {}", org.full_name(h.lead), tr.of("mode", h.mode.as_str())))
        .unwrap_or_default();
    let parties = r
        .parties
        .iter()
        .map(|p| {
            let role = match p.role {
                PartyRole::Applicant => "party-applicant",
                PartyRole::Respondent => "party-respondent",
                PartyRole::Other => "party-other",
            };
            let show = |full: &str, masked: String| if reveal { full.to_owned() } else { masked };
            PartyLine {
                role: tr.t(role),
                name: show(p.name.as_str(), p.name.masked()),
                phone: p.phone.as_ref().map(|v| show(v.as_str(), v.masked())).unwrap_or_default(),
                id_card: p.id_card.as_ref().map(|v| show(v.as_str(), v.masked())).unwrap_or_default(),
                address: p.address.as_ref().map(|v| show(v.as_str(), v.masked())).unwrap_or_default(),
            }
        })
        .collect();
    let timeline = events
        .iter()
        .map(|e| TimelineLine {
            at: china_time(e.at),
            what: tr.of("event", e.event.type_name()),
            who: names.get(&e.actor).cloned().unwrap_or_default(),
            detail: detail(tr, &e.event, org),
        })
        .collect();
    let catalogue = state.catalogue();
    Ok(MatterPage {
        frame: frame(staff, &format!("/matters/{}", matter.id)),
        id: matter.id.0,
        version: matter.version,
        heading: tr.t1("matter-title", "id", matter.id),
        title: r.title.clone(),
        kind: tr.of("kind", r.kind.as_str()),
        status: tr.of("status", matter.status.as_str()),
        status_code: matter.status.as_str(),
        reopen_count: matter.reopen_count,
        deadline: deadline.map(china_time),
        remaining,
        overdue,
        place: org.full_name(r.unit_id),
        channel: tr.of("channel", r.channel.as_str()),
        category: catalogue
            .get(r.category.as_str())
            .map(|c| tr.category(c))
            .unwrap_or_else(|| r.category.0.clone()),
        handling,
        people: r.people_involved,
        amount: r.amount_fen.map(|f| f.to_string()),
        body: r.body.clone(),
        reply: matter.reply.clone(),
        parties,
        attachments: r
            .attachments
            .iter()
            .filter_map(|a| {
                let size = if a.size_bytes >= 1024 * 1024 {
                    format!("{:.1} MB", a.size_bytes as f64 / 1048576.0)
                } else {
                    format!("{} KB", a.size_bytes.div_ceil(1024))
                };
                a.sha256.clone().map(|sha| (sha, a.name.clone(), size))
            })
            .collect(),
        masked: !reveal,
        timeline,
        actions: allowed_actions(staff, matter, org, state),
        units: org
            .iter()
            .filter(|u| matches!(u.kind, UnitKind::Township | UnitKind::Department | UnitKind::Committee))
            .map(|u| (u.id.0, org.full_name(u.id)))
            .collect(),
        notice: None,
        errors: vec![],
    })
}

/// What an event says beyond its name.
fn detail(tr: Tr, event: &Event, org: &OrgTree) -> String {
    match event {
        Event::Assigned { mode, lead, note, .. } => {
            let base = format!("{} → {}", tr.of("mode", mode.as_str()), org.full_name(*lead));
            match note {
                Some(n) => format!("{base}：{n}"),
                None => base,
            }
        }
        Event::Replied { text } | Event::Commented { text } | Event::NoteAdded { text } => text.clone(),
        Event::Closed { note } => note.clone().unwrap_or_default(),
        Event::Reopened { reason } | Event::PartiesRevealed { reason } => reason.clone(),
        Event::Registered(_) | Event::Started { .. } => String::new(),
    }
}

/// The actions the domain would accept from this user now, found by asking it.
fn allowed_actions(staff: &Staff, matter: &Matter, org: &OrgTree, state: &AppState) -> Vec<Action> {
    let tr = staff.tr;
    let catalogue = state.catalogue();
    let ctx = Context { actor: staff.caller.actor, now: state.clock.now(), org, catalogue: &catalogue };
    let any_unit = org.iter().map(|u| u.id.0).next().unwrap_or_default();
    let probes: [(&'static str, Command, Option<&'static str>); 7] = [
        (
            "assign",
            Command::Assign {
                mode: HandlingMode::Transfer,
                unit_id: any_unit,
                co_unit_ids: vec![],
                report_by: None,
                note: None,
            },
            None,
        ),
        ("start", Command::Start {}, None),
        ("reply", Command::Reply { text: "x".into() }, Some("action-text")),
        ("close", Command::Close { note: None }, None),
        ("reopen", Command::Reopen { reason: "x".into() }, Some("action-reason")),
        ("comment", Command::Comment { text: "x".into() }, Some("action-text")),
        ("note", Command::Note { text: "x".into() }, Some("action-text")),
    ];
    probes
        .into_iter()
        .filter(|(_, probe, _)| match command::decide(matter, probe, &ctx) {
            Ok(_) | Err(DomainError::Invalid(_)) => true,
            Err(DomainError::IllegalTransition { .. } | DomainError::Forbidden(_)) => false,
        })
        .map(|(code, _, text)| Action {
            code,
            label: tr.t(&format!("action-{code}")),
            needs_text: text.is_some(),
            text_label: text.map(|k| tr.t(k)).unwrap_or_default(),
        })
        .collect()
}

async fn load(
    state: &AppState,
    staff: &Staff,
    raw_id: &str,
) -> Result<(Matter, Vec<RecordedEvent>), ApiError> {
    let id = matter_id(raw_id)?;
    let events = state.store.events(&staff.caller.scope, id).await?.ok_or(ApiError::NotFound)?;
    let matter = Matter::from_events(&events).ok_or(ApiError::Internal)?;
    Ok((matter, events))
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Response {
    let tr = staff.tr;
    let shown = async {
        let (matter, events) = load(&state, &staff, &id).await?;
        let mut p = page(&state, &staff, &matter, &events, &state.org(), false).await?;
        p.notice = q.done.map(|_| tr.t("action-done"));
        Ok::<_, ApiError>(p)
    };
    match shown.await {
        Ok(p) => render(tr, &p),
        Err(e) => UiError::new(tr, e).into_response(),
    }
}

#[derive(Default)]
pub struct ActionForm {
    csrf: String,
    version: i64,
    action: String,
    co_unit_ids: Vec<i64>,
    text: Option<String>,
    unit_id: Option<i64>,
    mode: Option<String>,
    report_by: Option<String>,
}

impl ActionForm {
    /// Reads the posted fields; `co_unit_ids` may repeat (a multiple select).
    fn from_fields(fields: Vec<(String, String)>) -> Self {
        let mut f = Self::default();
        for (k, v) in fields {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "version" => f.version = v.trim().parse().unwrap_or(-1),
                "action" => f.action = v,
                "text" => f.text = Some(v),
                "unit_id" => f.unit_id = v.trim().parse().ok(),
                "mode" => f.mode = Some(v),
                "report_by" => f.report_by = Some(v),
                "co_unit_ids" => f.co_unit_ids.extend(v.trim().parse::<i64>().ok()),
                _ => {}
            }
        }
        f
    }
}

/// `2026-12-01` as the end of that day, China time.
fn end_of_day(date: &str) -> Option<Timestamp> {
    let date: jiff::civil::Date = date.trim().parse().ok()?;
    let china = jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8));
    date.at(23, 59, 59, 0).to_zoned(china).ok().map(|z| z.timestamp())
}

fn command_of(form: &ActionForm) -> Option<Command> {
    let text = form.text.clone().unwrap_or_default();
    Some(match form.action.as_str() {
        "assign" => Command::Assign {
            mode: HandlingMode::parse(form.mode.as_deref().unwrap_or("transfer"))?,
            unit_id: form.unit_id?,
            co_unit_ids: form.co_unit_ids.clone(),
            report_by: form.report_by.as_deref().filter(|d| !d.trim().is_empty()).and_then(end_of_day),
            note: None,
        },
        "start" => Command::Start {},
        "reply" => Command::Reply { text },
        "close" => Command::Close { note: form.text.clone().filter(|t| !t.trim().is_empty()) },
        "reopen" => Command::Reopen { reason: text },
        "comment" => Command::Comment { text },
        "note" => Command::Note { text },
        _ => return None,
    })
}

pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let tr = staff.tr;
    let form = ActionForm::from_fields(fields);
    if !staff.csrf_ok(&form.csrf) {
        return UiError::csrf(tr).into_response();
    }
    let Ok(matter) = matter_id(&id) else { return UiError::not_found(tr).into_response() };
    let Some(command) = command_of(&form) else { return UiError::not_found(tr).into_response() };
    let failure = match execute(&state, &staff.caller, matter, form.version, &command).await {
        Ok(_) => return Redirect::to(&format!("/matters/{matter}?done=1")).into_response(),
        Err(e) => e,
    };
    // Show the matter as it is now, with what went wrong.
    let lang = tr.lang();
    let (notice, errors) = match &failure {
        ApiError::StaleVersion { .. } => (Some(tr.t("action-stale")), vec![]),
        ApiError::Invalid(fields) => (
            None,
            fields.iter().map(|f| format!("{} {}", tr.t("error-invalid"), lang.issue(&f.issue))).collect(),
        ),
        ApiError::IllegalTransition { .. } | ApiError::Forbidden(_) => (None, vec![tr.t("error-forbidden")]),
        _ => return UiError::new(tr, failure).into_response(),
    };
    let reshown = async {
        let (matter, events) = load(&state, &staff, &id).await?;
        let mut p = page(&state, &staff, &matter, &events, &state.org(), false).await?;
        p.notice = notice;
        p.errors = errors;
        Ok::<_, ApiError>(p)
    };
    match reshown.await {
        Ok(p) => (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(tr, &p)).into_response(),
        Err(e) => UiError::new(tr, e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct RevealForm {
    csrf: String,
    reason: String,
}

pub async fn reveal(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(form): Form<RevealForm>,
) -> Response {
    let tr = staff.tr;
    if !staff.csrf_ok(&form.csrf) {
        return UiError::csrf(tr).into_response();
    }
    let shown = async {
        let matter_id = matter_id(&id)?;
        record_reveal(&state, &staff.caller, matter_id, &form.reason).await?;
        let (matter, events) = load(&state, &staff, &id).await?;
        page(&state, &staff, &matter, &events, &state.org(), true).await
    };
    match shown.await {
        Ok(p) => render(tr, &p),
        Err(ApiError::Invalid(_)) => {
            Redirect::to(&format!("/matters/{}", matter_id(&id).map(|m| m.0).unwrap_or_default()))
                .into_response()
        }
        Err(e) => UiError::new(tr, e).into_response(),
    }
}
