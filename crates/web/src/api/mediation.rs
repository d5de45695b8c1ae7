//! `/api/v1/mediation`: what a people's mediation committee needs besides the matter's own
//! commands: the mediation part of a matter as JSON, a suggestion of mediators by speciality
//! and load, the committee's registers as XLSX ledgers and its monthly counts. Every read is
//! confined to the caller's scope.

use crate::auth::Caller;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use minsheng_domain::mediation::registers::{
    self, MonthlySummary, Names, Period, Register, RegisterKind, Value,
};
use minsheng_domain::mediation::{AgreementForm, JudicialResult, Mediation, MediationOutcome, Source};
use minsheng_domain::{Issue, Matter, MatterKind, OrgTree, Role, UnitId, UnitKind, UserId};
use minsheng_store::{MatterFilter, Page, Scope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One term of the agreement in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct TermView {
    pub obligor: String,
    pub content: String,
    pub manner: String,
    /// `2026-12-31`
    pub deadline: String,
    pub due: Timestamp,
    pub performed: bool,
}

/// The agreement in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementView {
    pub form: AgreementForm,
    pub version: u32,
    /// SHA-256 (hex) of the signed version's parties and content; none for an oral agreement.
    pub content_hash: Option<String>,
    pub signed_on: String,
    pub facts: String,
    pub issues: String,
    pub responsibilities: String,
    pub terms: Vec<TermView>,
    /// The last instant to apply for judicial confirmation.
    pub apply_by: Option<Timestamp>,
    /// A relapse set it aside.
    pub relapsed: bool,
}

/// An application for judicial confirmation.
#[derive(Debug, Serialize, ToSchema)]
pub struct JudicialView {
    pub court: String,
    pub filed_on: String,
    pub accept_by: Timestamp,
    pub accepted_on: Option<String>,
    pub rule_by: Option<Timestamp>,
    pub extended: bool,
    pub ruled_on: Option<String>,
    pub result: Option<JudicialResult>,
}

/// The mediation part of a dispute.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediationView {
    pub committee_id: Option<UnitId>,
    pub committee_name: Option<String>,
    pub mediator_id: Option<UserId>,
    pub chosen_by_party: bool,
    pub source: Option<Source>,
    pub accepted_at: Option<Timestamp>,
    pub rights_notified: bool,
    pub sessions: u32,
    pub next_session: Option<Timestamp>,
    pub next_session_place: Option<String>,
    pub risk_flags: u32,
    /// A draft newer than the agreement in force, awaiting signatures.
    pub unsigned_draft_version: Option<u32>,
    pub agreement: Option<AgreementView>,
    pub outcome: Option<MediationOutcome>,
    pub judicial: Option<JudicialView>,
    /// Follow-up visits still to make, earliest first.
    pub visits_due: Vec<Timestamp>,
    pub visits_done: u32,
    pub relapses: u32,
    pub transfers: u32,
}

impl MediationView {
    /// The view of a dispute that has been to mediation; `None` otherwise.
    pub fn of(m: &Mediation, org: &OrgTree) -> Option<Self> {
        if !m.engaged() && m.transfers == 0 {
            return None;
        }
        Some(Self {
            committee_id: m.committee,
            committee_name: m.committee.and_then(|c| org.get(c)).map(|u| u.name.clone()),
            mediator_id: m.mediator,
            chosen_by_party: m.chosen_by_party,
            source: m.source,
            accepted_at: m.accepted_at,
            rights_notified: m.rights_notified,
            sessions: m.sessions,
            next_session: m.next_session.as_ref().map(|(t, _)| *t),
            next_session_place: m.next_session.as_ref().map(|(_, p)| p.clone()),
            risk_flags: m.risk_flags,
            unsigned_draft_version: m.unsigned_draft().map(|(v, _)| *v),
            agreement: m.agreement.as_ref().map(|a| AgreementView {
                form: a.form,
                version: a.version,
                content_hash: a.hash.clone(),
                signed_on: a.signed_on.to_string(),
                facts: a.content.facts.clone(),
                issues: a.content.issues.clone(),
                responsibilities: a.content.responsibilities.clone(),
                terms: a
                    .terms
                    .iter()
                    .map(|t| TermView {
                        obligor: t.term.obligor.clone(),
                        content: t.term.content.clone(),
                        manner: t.term.manner.clone(),
                        deadline: t.term.deadline.to_string(),
                        due: t.due,
                        performed: t.performed,
                    })
                    .collect(),
                apply_by: a.apply_by,
                relapsed: a.relapsed,
            }),
            outcome: m.outcome,
            judicial: m.judicial.as_ref().map(|j| JudicialView {
                court: j.court.clone(),
                filed_on: j.filed_on.to_string(),
                accept_by: j.accept_by,
                accepted_on: j.accepted_on.map(|d| d.to_string()),
                rule_by: j.rule_by,
                extended: j.extended,
                ruled_on: j.ruled.map(|(d, _)| d.to_string()),
                result: j.ruled.map(|(_, r)| r),
            }),
            visits_due: m.visits.clone(),
            visits_done: m.visits_done,
            relapses: m.relapses,
            transfers: m.transfers,
        })
    }
}

/// A mediator the committee could appoint, with why.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediatorView {
    pub id: UserId,
    pub display_name: String,
    pub unit_id: UnitId,
    /// Category codes the mediator specialises in.
    pub specialities: Vec<String>,
    /// Open disputes the mediator mediates now.
    pub open_matters: i64,
    /// Specialises in the dispute's category.
    pub matches_category: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediatorList {
    /// Best first: speciality in the category, then the lightest load.
    pub items: Vec<MediatorView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MediatorQuery {
    /// The committee (its mediators and those of committees below it).
    pub committee_id: String,
    /// A category code; mediators specialising in it come first.
    pub category: Option<String>,
}

/// The mediators of a committee, ranked for a dispute of `category`: speciality first, then
/// the fewest open disputes. The parties' own choice of a mediator always stands.
pub async fn suggest(
    state: &AppState,
    scope: &Scope,
    committee: UnitId,
    category: &str,
) -> Result<Vec<MediatorView>, ApiError> {
    let org = state.org();
    let users: Vec<_> = state
        .store
        .users(scope)
        .await?
        .into_iter()
        .filter(|u| u.active && u.role == Role::Mediator && org.is_within(u.unit_id, committee))
        .collect();
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    let loads: std::collections::HashMap<_, _> =
        state.store.mediator_loads(&ids).await?.into_iter().collect();
    let specialities: std::collections::HashMap<_, _> =
        state.store.mediator_specialities(&ids).await?.into_iter().collect();
    let mut out: Vec<MediatorView> = users
        .into_iter()
        .map(|u| {
            let specialities: Vec<String> = specialities.get(&u.id).cloned().unwrap_or_default();
            MediatorView {
                matches_category: specialities.iter().any(|s| s == category),
                open_matters: loads.get(&u.id).copied().unwrap_or(0),
                specialities,
                id: u.id,
                display_name: u.display_name,
                unit_id: u.unit_id,
            }
        })
        .collect();
    out.sort_by_key(|m| (!m.matches_category, m.open_matters, m.id));
    Ok(out)
}

/// Mediators to appoint, best first.
#[utoipa::path(
    get, path = "/api/v1/mediation/mediators", tag = "mediation",
    params(MediatorQuery),
    responses((status = 200, body = MediatorList), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn mediators(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<MediatorQuery>,
) -> Result<Json<MediatorList>, ApiError> {
    let committee = committee_param(&state, &caller, &q.committee_id)?;
    let items = suggest(&state, &caller.scope, committee, q.category.as_deref().unwrap_or("")).await?;
    Ok(Json(MediatorList { items }))
}

/// A committee id from a query, which must be a committee in the caller's scope.
fn committee_param(state: &AppState, caller: &Caller, raw: &str) -> Result<UnitId, ApiError> {
    let org = state.org();
    let id = raw
        .trim()
        .parse::<i64>()
        .map(UnitId)
        .map_err(|_| ApiError::BadQuery { field: "committee_id".into() })?;
    match org.get(id) {
        Some(u) if u.kind == UnitKind::Committee && org.is_within(id, caller.actor.unit_id) => Ok(id),
        Some(u) if u.kind == UnitKind::Committee => Err(ApiError::field("committee_id", Issue::NotInScope)),
        Some(_) => Err(ApiError::field("committee_id", Issue::NotACommittee)),
        None => Err(ApiError::field("committee_id", Issue::UnknownUnit)),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    pub committee_id: String,
    /// First day, `2026-11-01`.
    pub from: String,
    /// Last day, inclusive, `2026-11-30`.
    pub to: String,
}

/// The committee's disputes with their histories, and the period as instants.
pub async fn period_data(
    state: &AppState,
    caller: &Caller,
    q: &PeriodQuery,
) -> Result<(UnitId, Vec<(Matter, Vec<minsheng_domain::RecordedEvent>)>, Period), ApiError> {
    let committee = committee_param(state, caller, &q.committee_id)?;
    let calendar = state.calendar();
    let date = |field: &str, raw: &str| {
        raw.trim().parse::<jiff::civil::Date>().map_err(|_| ApiError::field(field, Issue::BadDate))
    };
    let (first, last) = (date("from", &q.from)?, date("to", &q.to)?);
    if last < first {
        return Err(ApiError::field("to", Issue::DateOrder));
    }
    if first.until(last).map(|s| s.get_days()).unwrap_or(i32::MAX) > 366 {
        return Err(ApiError::field("to", Issue::OutOfRange { min: 1, max: 366 }));
    }
    let start = calendar.time_zone().to_zoned(first.to_datetime(jiff::civil::Time::midnight()));
    let from = start.map(|z| z.timestamp()).map_err(|_| ApiError::field("from", Issue::BadDate))?;
    let to = calendar.end_of(last).ok_or(ApiError::field("to", Issue::BadDate))?;
    // Disputes this committee leads, or accepted and then transferred on (its acceptance and
    // what came of it stay in its books), registered before the period ends: follow-ups of
    // older agreements fall into later periods. A unit keeps sight of what it handled, so the
    // committee's own subtree (inside the caller's scope, checked above) holds them all.
    let org = state.org();
    let path = org.path(committee).ok_or(ApiError::NotFound)?;
    let handled = Scope::subtree(path.clone());
    let ours = |u: UnitId| org.path(u).is_some_and(|p| p.starts_with(&path));
    let filter = MatterFilter {
        kind: Some(MatterKind::Dispute),
        registered_before: Some(to),
        ..MatterFilter::default()
    };
    let mut out = vec![];
    let mut before = None;
    loop {
        let page = state.store.list(&handled, &filter, Page { before, limit: 500 }).await?;
        for s in &page.items {
            let Some(events) = state.store.events(&handled, s.id).await? else { continue };
            let accepted = events.iter().any(|e| {
                matches!(&e.event, minsheng_domain::Event::MediationAccepted { committee, .. } if ours(*committee))
            });
            if !(s.lead_unit_id.is_some_and(ours) || accepted) {
                continue;
            }
            if let Some(m) = Matter::from_events(&events) {
                out.push((m, events));
            }
        }
        match page.next {
            Some(next) if out.len() < 20_000 => before = Some(next),
            _ => break,
        }
    }
    Ok((committee, out, Period { from, to }))
}

struct StoreNames {
    org: std::sync::Arc<OrgTree>,
    users: std::collections::HashMap<UserId, String>,
    catalogue: std::sync::Arc<minsheng_domain::Catalogue>,
}

impl Names for StoreNames {
    fn unit(&self, id: UnitId) -> String {
        self.org.full_name(id)
    }
    fn user(&self, id: UserId) -> String {
        self.users.get(&id).cloned().unwrap_or_default()
    }
    fn category(&self, code: &minsheng_domain::CategoryCode) -> String {
        self.catalogue.get(code.as_str()).map(|c| c.name_zh.clone()).unwrap_or_else(|| code.0.clone())
    }
}

async fn names(
    state: &AppState,
    data: &[(Matter, Vec<minsheng_domain::RecordedEvent>)],
) -> Result<StoreNames, ApiError> {
    let mut ids: Vec<UserId> = data
        .iter()
        .flat_map(|(m, events)| events.iter().map(|e| e.actor).chain(m.mediation.mediator))
        .collect();
    ids.sort();
    ids.dedup();
    let users = state.store.users_by_id(&ids).await?.into_iter().map(|u| (u.id, u.display_name)).collect();
    Ok(StoreNames { org: state.org(), users, catalogue: state.catalogue() })
}

/// A register as an XLSX workbook's bytes.
pub fn xlsx(register: &Register) -> Result<Vec<u8>, ApiError> {
    let sheet = minsheng_docs::Sheet {
        name: register.title.to_string(),
        header: register.header.iter().map(|h| h.to_string()).collect(),
        rows: register
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|v| match v {
                        Value::Text(t) => minsheng_docs::Cell::Text(t.clone()),
                        Value::Int(n) => minsheng_docs::Cell::Int(*n),
                        Value::Yuan(fen) => minsheng_docs::Cell::Money(*fen as f64 / 100.0),
                        Value::Empty => minsheng_docs::Cell::Empty,
                    })
                    .collect()
            })
            .collect(),
    };
    sheet.to_xlsx().map_err(|e| {
        tracing::error!(error = %e, "a register failed to write");
        ApiError::Internal
    })
}

/// The register of `kind` (or the monthly summary, `summary`) for a committee and period.
pub async fn register(
    state: &AppState,
    caller: &Caller,
    kind: &str,
    q: &PeriodQuery,
) -> Result<Register, ApiError> {
    let kind = RegisterKind::parse(kind).ok_or(ApiError::NotFound)?;
    let (committee, data, period) = period_data(state, caller, q).await?;
    let names = names(state, &data).await?;
    Ok(registers::register(kind, &data, committee, period, &state.calendar(), &names))
}

/// A register as XLSX: `screening`, `mediation`, `agreements`, `visits` or `summary`.
#[utoipa::path(
    get, path = "/api/v1/mediation/registers/{file}", tag = "mediation",
    params(("file" = String, Path, description = "`mediation.xlsx`, `agreements.xlsx` …"), PeriodQuery),
    responses(
        (status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "the register"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn register_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(file): axum::extract::Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, ApiError> {
    let kind = file.strip_suffix(".xlsx").ok_or(ApiError::NotFound)?;
    let register = register(&state, &caller, kind, &q).await?;
    let bytes = xlsx(&register)?;
    Ok(xlsx_response(&format!("mediation-{kind}-{}-{}.xlsx", q.from.trim(), q.to.trim()), bytes))
}

pub fn xlsx_response(name: &str, bytes: Vec<u8>) -> Response {
    let name: String =
        name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')).collect();
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// A committee's counts for a period.
#[utoipa::path(
    get, path = "/api/v1/mediation/summary", tag = "mediation",
    params(PeriodQuery),
    responses((status = 200, body = MonthlySummary), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<MonthlySummary>, ApiError> {
    let (committee, data, period) = period_data(&state, &caller, &q).await?;
    Ok(Json(registers::summary(&data, committee, period)))
}

/// Checks the caller administers `unit` (it lies in their subtree).
fn administers(state: &AppState, caller: &Caller, unit: UnitId) -> Result<(), ApiError> {
    if !caller.actor.role.administers() {
        return Err(ApiError::Forbidden(minsheng_domain::error::Denial::Role));
    }
    if !state.org().is_within(unit, caller.actor.unit_id) {
        return Err(ApiError::NotFound);
    }
    Ok(())
}

/// Category codes for a mediator's specialities or a committee's field, each checked against
/// the catalogue and named by its place in the list.
fn category_codes(state: &AppState, field: &str, codes: &[String]) -> Result<Vec<String>, ApiError> {
    const MAX: usize = 20;
    if codes.len() > MAX {
        return Err(ApiError::field(field, Issue::TooLong { max: MAX }));
    }
    let catalogue = state.catalogue();
    let mut errors = vec![];
    let mut out = vec![];
    for (i, code) in codes.iter().enumerate() {
        match catalogue.get(code.trim()) {
            Some(c) if !out.contains(&c.code.0) => out.push(c.code.0.clone()),
            Some(_) => {}
            None => {
                errors.push(minsheng_domain::FieldError::new(format!("{field}[{i}]"), Issue::UnknownCategory))
            }
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(ApiError::Invalid(errors)) }
}

/// Replaces a mediator's specialities; only an administrator above the mediator may.
pub async fn save_specialities(
    state: &AppState,
    caller: &Caller,
    user: UserId,
    codes: &[String],
) -> Result<(), ApiError> {
    let found = state.store.users_by_id(&[user]).await?;
    let Some(u) = found.first().filter(|u| u.role == Role::Mediator) else { return Err(ApiError::NotFound) };
    administers(state, caller, u.unit_id)?;
    let codes = category_codes(state, "specialities", codes)?;
    Ok(state.store.set_mediator_specialities(user, codes).await?)
}

/// Sets (or, with none, removes) a professional committee's field.
pub async fn save_committee_field(
    state: &AppState,
    caller: &Caller,
    unit: UnitId,
    field: Option<&str>,
) -> Result<(), ApiError> {
    let org = state.org();
    if !org.get(unit).is_some_and(|u| u.kind == UnitKind::Committee) {
        return Err(ApiError::NotFound);
    }
    administers(state, caller, unit)?;
    let field = match field.map(str::trim).filter(|f| !f.is_empty()) {
        None => None,
        Some(f) => category_codes(state, "field", &[f.to_owned()])
            .map_err(|_| ApiError::field("field", Issue::UnknownCategory))?
            .into_iter()
            .next(),
    };
    Ok(state.store.set_committee_field(unit, field).await?)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecialitiesRequest {
    /// Category codes, e.g. `["neighbour", "land"]`.
    pub specialities: Vec<String>,
}

/// Set a mediator's specialities (administrators).
#[utoipa::path(
    put, path = "/api/v1/mediation/mediators/{id}/specialities", tag = "mediation",
    params(("id" = i64, Path)),
    request_body = SpecialitiesRequest,
    responses((status = 204), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn put_specialities(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<i64>,
    crate::extract::ApiJson(req): crate::extract::ApiJson<SpecialitiesRequest>,
) -> Result<axum::http::StatusCode, ApiError> {
    save_specialities(&state, &caller, UserId(id), &req.specialities).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldRequest {
    /// A category code (`medical`, `traffic` …), or null for a general committee.
    pub field: Option<String>,
}

/// Set a professional committee's field (administrators).
#[utoipa::path(
    put, path = "/api/v1/mediation/committees/{id}/field", tag = "mediation",
    params(("id" = i64, Path)),
    request_body = FieldRequest,
    responses((status = 204), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn put_committee_field(
    State(state): State<AppState>,
    caller: Caller,
    axum::extract::Path(id): axum::extract::Path<i64>,
    crate::extract::ApiJson(req): crate::extract::ApiJson<FieldRequest>,
) -> Result<axum::http::StatusCode, ApiError> {
    save_committee_field(&state, &caller, UnitId(id), req.field.as_deref()).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
