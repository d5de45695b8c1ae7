//! The matter page: header with status and deadline, parties (masked unless revealed with a
//! reason), the timeline, and exactly the actions the domain allows this user now. Actions
//! are plain forms (post, then redirect), so the page works without JavaScript.

use super::account::{frame, render};
use super::actions::{Posted, command_of};
use super::error::UiError;
use super::i18n::Tr;
use super::pages::{ClockLine, MatterPage, PartyLine, SimilarRow, TimelineLine, china_time};
use super::session::Staff;
use crate::api::matters::{execute, matter_id, record_reveal};
use crate::problem::ApiError;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minsheng_domain::matter::Waiting;
use minsheng_domain::party::PartyRole;
use minsheng_domain::policy::Urgency;
use minsheng_domain::{Event, Matter, OrgTree, RecordedEvent};
use minsheng_store::{MatterFilter, Page};
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
    let mut ids: Vec<_> = events.iter().map(|e| e.actor).chain(matter.mediation.mediator).collect();
    ids.sort();
    ids.dedup();
    let names: HashMap<_, _> =
        state.store.users_by_id(&ids).await?.into_iter().map(|u| (u.id, u.display_name)).collect();
    let clocks = matter
        .clocks
        .iter()
        .map(|(name, c)| {
            let hours = (c.due.as_second() - now.as_second()) / 3600;
            let (remaining, overdue) = if name.is_window() || hours >= 0 {
                (tr.t1("matter-remaining", "hours", hours.max(0)), false)
            } else {
                (tr.t1("matter-overdue-by", "hours", -hours), true)
            };
            ClockLine {
                name: tr.of("clock", name.as_str()),
                due: super::pages::deadline_time(c.due),
                remaining,
                overdue,
            }
        })
        .collect();
    let repeat_of = matter.repeat_of.map(|of| (of.0, tr.t1("matter-repeat-of-final", "id", of)));
    let waiting = matter.waiting().map(|w| match w {
        Waiting::Dispatch(unit) => tr.t1("matter-waiting-dispatch", "unit", org.full_name(unit)),
        Waiting::Approval(unit) => tr.t1("matter-waiting-approval", "unit", org.full_name(unit)),
    });
    let mut facts = vec![];
    if let Some(p) = &matter.registration.project {
        facts.push((tr.t("intake-project"), p.clone()));
    }
    if matter.registration.urgency != Urgency::Normal {
        facts.push((tr.t("intake-urgency"), tr.of("urgency", matter.registration.urgency.as_str())));
    }
    if let Some(o) = matter.outcome {
        facts.push((tr.t("action-outcome"), tr.of("outcome", o.as_str())));
    }
    if matter.review_level > 0 {
        facts.push((tr.t("matter-review-level"), tr.t(&format!("review-level-{}", matter.review_level))));
    }
    if let Some(f) = matter.final_cause {
        facts.push((tr.t("matter-final"), tr.of("final", f.as_str())));
    }
    if let Some(r) = matter.declined {
        facts.push((tr.t("action-route"), tr.of("route", r.as_str())));
    }
    if let Some(s) = matter.follow_up {
        facts.push((tr.t("action-satisfaction"), tr.of("satisfaction", s.as_str())));
    }
    if matter.recovered_fen > 0 {
        let amount =
            minsheng_domain::Fen::new(matter.recovered_fen).map(|f| f.to_string()).unwrap_or_default();
        facts.push((
            tr.t("matter-recovered"),
            format!("¥{amount} · {}", tr.t1("detail-workers", "count", matter.workers_paid)),
        ));
    }
    if matter.referred_to_police {
        facts.push((tr.t("matter-referred"), tr.t("matter-referred-yes")));
    }
    facts.extend(super::mediation::facts(tr, &matter.mediation, org, &names));
    if matter.contacts() > 1 || !matter.merged.is_empty() {
        facts.push((tr.t("matter-contacts"), matter.contacts().to_string()));
    }
    if matter.repeat_contacts() > 0 {
        facts.push((tr.t("matter-repeat-contacts"), matter.repeat_contacts().to_string()));
    }
    if matter.escalations > 0 || matter.supervisions > 0 {
        facts.push((tr.t("matter-escalations"), matter.escalations.to_string()));
        facts.push((tr.t("matter-supervisions"), matter.supervisions.to_string()));
    }
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
            who: if e.actor.0 == 0 {
                tr.t("actor-system")
            } else {
                names.get(&e.actor).cloned().unwrap_or_default()
            },
            detail: detail(tr, &e.event, org),
        })
        .collect();
    let catalogue = state.catalogue();
    let actions =
        super::actions::allowed(state, tr, staff.caller.actor, matter, &state.knowledge(state.org())).await;
    let may_merge = actions.iter().any(|a| a.code == "merge_into");
    let merged = merged_lines(state, staff, matter).await?;
    let similar = if matter.merged_into.is_none() {
        similar_lines(state, staff, matter, may_merge).await
    } else {
        vec![]
    };
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
        clocks,
        repeat_of,
        waiting,
        risk: (matter.mediation.risk_flags > 0 && matter.status != minsheng_domain::Status::Closed)
            .then(|| tr.t1("mediation-risk-alert", "count", matter.mediation.risk_flags)),
        facts,
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
        letters: crate::documents::available(matter, events)
            .into_iter()
            .map(|k| {
                let base = format!("/matters/{}/letters/{}", matter.id, k.as_str());
                (base.clone(), format!("{base}.pdf"), k.title().to_string())
            })
            .collect(),
        actions,
        merged_into: matter.merged_into.map(|m| m.0),
        merged,
        similar,
        warnings: super::warnings::of_matter(state, &staff.caller.scope, matter.id).await,
        notice: None,
        errors: vec![],
    })
}

/// A main matter's merged matters, each with its title where the user may see it.
async fn merged_lines(
    state: &AppState,
    staff: &Staff,
    matter: &Matter,
) -> Result<Vec<(i64, String)>, ApiError> {
    if matter.merged.is_empty() {
        return Ok(vec![]);
    }
    let filter = MatterFilter { ids: Some(matter.merged.clone()), ..MatterFilter::default() };
    let rows = state.store.list(&staff.caller.scope, &filter, Page { before: None, limit: 500 }).await?;
    let titles: HashMap<_, _> = rows.items.into_iter().map(|m| (m.id, m.title)).collect();
    Ok(matter.merged.iter().map(|id| (id.0, titles.get(id).cloned().unwrap_or_default())).collect())
}

/// The open and recent matters like this one (as `GET /api/v1/matters/{id}/similar`), each
/// offering a one-click merge into it when the user may merge this matter and it can take it.
async fn similar_lines(state: &AppState, staff: &Staff, matter: &Matter, may_merge: bool) -> Vec<SimilarRow> {
    let tr = staff.tr;
    let r = &matter.registration;
    let respondents = r
        .parties
        .iter()
        .filter(|p| p.role != PartyRole::Applicant)
        .map(|p| p.name.as_str().to_owned())
        .collect();
    let probe = crate::api::similar::Probe {
        title: &r.title,
        body: &r.body,
        unit_id: r.unit_id.0,
        category: r.category.as_str(),
        project: r.project.as_deref(),
        respondents,
        exclude: Some(matter.id),
    };
    let found = match crate::api::similar::similar_to(state, &staff.caller, &probe, 5).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(matter = %matter.id, error = ?e, "similar matters could not be found");
            return vec![];
        }
    };
    found
        .into_iter()
        .map(|m| {
            let mut why = vec![];
            if !m.why.shared_words.is_empty() {
                why.push(format!("{}：{}", tr.t("similar-shared"), m.why.shared_words.join("、")));
            }
            if m.why.same_project {
                why.push(tr.t("similar-same-project"));
            }
            if m.why.same_place {
                why.push(tr.t("similar-same-place"));
            }
            if !m.why.same_parties.is_empty() {
                why.push(format!("{}：{}", tr.t("similar-same-party"), m.why.same_parties.join("、")));
            }
            SimilarRow {
                id: m.id.0,
                title: m.title,
                place: m.unit_name,
                status: tr.of("status", m.status.as_str()),
                percent: (m.score * 100.0).round() as i64,
                why: why.join(" · "),
                mergeable: may_merge
                    && m.status != minsheng_domain::Status::Closed
                    && m.merged_into.is_none(),
            }
        })
        .collect()
}

/// What an event says beyond its name.
fn detail(tr: Tr, event: &Event, org: &OrgTree) -> String {
    let with = |base: String, note: &Option<String>| match note {
        Some(n) => format!("{base}：{n}"),
        None => base,
    };
    let unit = |u: &minsheng_domain::UnitId| org.full_name(*u);
    match event {
        Event::Assigned { mode, lead, note, .. } => {
            with(format!("{} → {}", tr.of("mode", mode.as_str()), unit(lead)), note)
        }
        Event::Replied { text, outcome: Some(o) } => format!("【{}】{text}", tr.of("outcome", o.as_str())),
        Event::Replied { text, .. } | Event::Commented { text } | Event::NoteAdded { text } => text.clone(),
        Event::Closed { note } | Event::Unparked { note } => note.clone().unwrap_or_default(),
        Event::Reopened { reason } | Event::PartiesRevealed { reason } | Event::Cancelled { reason } => {
            reason.clone()
        }
        Event::Returned { from, to, reason } => format!("{} → {}：{reason}", unit(from), unit(to)),
        Event::ExtensionRequested { amount, reason } => {
            format!("{}：{reason}", tr.t1("detail-extension", "amount", amount))
        }
        Event::ExtensionDecided { approved, due, note } => {
            let verdict = if *approved { tr.t("action-approve") } else { tr.t("action-reject") };
            let due =
                due.map(|d| format!("，{} {}", tr.t("detail-new-due"), china_time(d))).unwrap_or_default();
            with(format!("{verdict}{due}"), note)
        }
        Event::FollowedUp { satisfaction, note } => with(tr.of("satisfaction", satisfaction.as_str()), note),
        Event::Declined { route, reason } => format!("{}：{reason}", tr.of("route", route.as_str())),
        Event::ReviewRequested { level, reviewer, reason } => {
            format!("{} → {}：{reason}", tr.t(&format!("review-level-{level}")), unit(reviewer))
        }
        Event::ReviewDecided { outcome, text, .. } => {
            format!("【{}】{text}", tr.of("outcome", outcome.as_str()))
        }
        Event::Finalised { cause } => tr.of("final", cause.as_str()),
        Event::Escalated { from, to, cause, reason } => {
            with(format!("{} → {}（{}）", unit(from), unit(to), tr.of("escalation", cause.as_str())), reason)
        }
        Event::Delegated { from, to, note } => with(format!("{} → {}", unit(from), unit(to)), note),
        Event::Supervised { mode, text, reply_by } => {
            let by = reply_by
                .map(|d| format!("（{} {}）", tr.t("action-reply-by"), china_time(d)))
                .unwrap_or_default();
            format!("【{}】{text}{by}", tr.of("supervision", mode.as_str()))
        }
        Event::LeaderAssigned { due, note, .. } => {
            with(format!("{} {}", tr.t("action-leader-due"), china_time(*due)), note)
        }
        Event::Parked { reason, review_by } => {
            format!("{reason}（{} {}）", tr.t("action-review-by"), china_time(*review_by))
        }
        Event::Verified { passed, note } => {
            with(if *passed { tr.t("action-verified") } else { tr.t("action-not-verified") }, note)
        }
        Event::Evaluated { rating, note } => with("★".repeat(usize::from(*rating)), note),
        Event::ClockStarted { clock, due, .. } => {
            format!("{} {}", tr.of("clock", clock.as_str()), china_time(*due))
        }
        Event::ClockStopped { clock }
        | Event::Reminded { clock, .. }
        | Event::WentOverdue { clock, .. }
        | Event::WindowClosed { clock } => tr.of("clock", clock.as_str()),
        Event::RepeatOfFinal { of } => tr.t1("detail-repeat-of-final", "id", of),
        Event::RecoveryRecorded { amount_fen, workers, note } => with(
            format!(
                "¥{} · {}",
                minsheng_domain::Fen::new(*amount_fen).map(|f| f.to_string()).unwrap_or_default(),
                tr.t1("detail-workers", "count", workers)
            ),
            note,
        ),
        Event::ReferredToPolice { reason } => reason.clone(),
        Event::Registered(_) | Event::Started { .. } | Event::Opened {} => String::new(),
        Event::MergedInto { main, reason } => {
            format!("{}：{reason}", tr.t1("detail-merged-into", "id", main))
        }
        Event::Unmerged { main, reason } => format!("{}：{reason}", tr.t1("detail-unmerged", "id", main)),
        Event::MergeReceived { from, contacts } => {
            tr.t2("detail-merge-received", "id", from, "count", contacts)
        }
        Event::MergeWithdrawn { from } => tr.t1("detail-merge-withdrawn", "id", from),
        Event::ContactRecorded { channel, note } => with(tr.of("channel", channel.as_str()), note),
        Event::MediationAccepted { .. }
        | Event::RightsNotified { .. }
        | Event::MediationRefused { .. }
        | Event::SessionScheduled { .. }
        | Event::SessionHeld { .. }
        | Event::RiskFlagged { .. }
        | Event::AgreementDrafted { .. }
        | Event::AgreementSigned { .. }
        | Event::OralAgreementRecorded { .. }
        | Event::MediationFailed { .. }
        | Event::JudicialFiled { .. }
        | Event::JudicialAccepted { .. }
        | Event::JudicialExtended { .. }
        | Event::JudicialRuled { .. }
        | Event::TermPerformed { .. }
        | Event::VisitRecorded { .. }
        | Event::Relapsed { .. }
        | Event::MediationTransferred { .. } => super::mediation::detail(tr, event, org),
    }
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

pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let tr = staff.tr;
    let form = Posted::of(fields);
    if !staff.csrf_ok(form.get("csrf")) {
        return UiError::csrf(tr).into_response();
    }
    let Ok(matter) = matter_id(&id) else { return UiError::not_found(tr).into_response() };
    let known = state.knowledge(state.org());
    let Some(command) = command_of(&form, &known, state.clock.now()) else {
        return UiError::not_found(tr).into_response();
    };
    let version = form.get("version").trim().parse().unwrap_or(-1);
    let failure = match execute(&state, &staff.caller, matter, version, &command).await {
        Ok(_) => return Redirect::to(&format!("/matters/{matter}?done=1")).into_response(),
        Err(e) => e,
    };
    // Show the matter as it is now, with what went wrong.
    let lang = tr.lang();
    let (notice, errors) = match &failure {
        ApiError::StaleVersion { .. } => (Some(tr.t("action-stale")), vec![]),
        ApiError::Invalid(fields) => (
            None,
            fields
                .iter()
                .map(|f| {
                    let name = lang.field(&f.field);
                    if name == f.field {
                        format!("{} {}", tr.t("error-invalid"), lang.issue(&f.issue))
                    } else {
                        format!("{name}：{}", lang.issue(&f.issue))
                    }
                })
                .collect(),
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
