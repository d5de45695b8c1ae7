//! `/api/v1/warnings`: three-colour warnings in the caller's scope (by level, state, unit and
//! matter), one warning with its log, the clusters standing now, and the rules an administrator
//! edits, with a preview of what an edit would fire on the last 90 days.

use crate::api::calendar::deployment_admin;
use crate::api::matters::parse_param;
use crate::auth::Caller;
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use jiff::Timestamp;
use minsheng_domain::OrgTree;
use minsheng_domain::warning::{ClusterKey, Figures, Firing, Level, Rules, Subject, WarningSubject};
use minsheng_store::{UserRecord, WarningFilter, WarningRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// What a cluster is about, in words.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectView {
    /// `matter`, `place`, `employer` or `project`
    pub kind: &'static str,
    /// The place's full name, the employer's or the project's name; the matter's id for a matter.
    pub name: String,
    /// The category code the cluster's matters share.
    pub category: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarningView {
    pub id: i64,
    /// blue | yellow | red
    #[schema(value_type = String)]
    pub level: Level,
    /// 黄色预警（Ⅱ级，较重）
    pub level_label: String,
    pub open: bool,
    pub subject: SubjectView,
    /// The matters it is about.
    pub members: Vec<i64>,
    pub unit_id: i64,
    pub unit_name: String,
    /// The rules that held.
    pub rules: Vec<String>,
    /// Why, with the figures.
    pub reason: String,
    /// What the level asks, in words.
    pub response: String,
    pub owner: Option<PersonView>,
    #[schema(value_type = Option<String>)]
    pub deadline: Option<Timestamp>,
    pub coordinator: Option<String>,
    pub notified: Vec<PersonView>,
    #[schema(value_type = String)]
    pub raised_at: Timestamp,
    #[schema(value_type = Option<String>)]
    pub closed_at: Option<Timestamp>,
    pub close_note: Option<String>,
    /// Whole days since it was raised (to its closing, once closed).
    pub age_days: i64,
    pub figures: Option<Figures>,
}

fn subject(org: &OrgTree, s: &WarningSubject) -> SubjectView {
    match s {
        WarningSubject::Matter(id) => SubjectView { kind: "matter", name: id.0.to_string(), category: None },
        WarningSubject::Cluster(ClusterKey { subject, category }) => {
            let (kind, name) = match subject {
                Subject::Place(u) => ("place", org.full_name(*u)),
                Subject::Employer(n) => ("employer", n.clone()),
                Subject::Project(n) => ("project", n.clone()),
            };
            SubjectView { kind, name, category: Some(category.clone()) }
        }
    }
}

impl WarningView {
    pub fn of(w: &WarningRecord, org: &OrgTree, users: &[UserRecord], now: Timestamp) -> Self {
        let person = |id: minsheng_domain::UserId| {
            users.iter().find(|u| u.id == id).map(|u| PersonView { id: id.0, name: u.display_name.clone() })
        };
        let d = &w.detail;
        let end = w.closed_at.unwrap_or(now);
        Self {
            id: w.id,
            level: w.level,
            level_label: w.level.label(),
            open: w.is_open(),
            subject: subject(org, &d.subject),
            members: d.members.iter().map(|m| m.0).collect(),
            unit_id: w.unit_id.0,
            unit_name: org.full_name(w.unit_id),
            rules: d.rules.clone(),
            reason: d.reason.clone(),
            response: d.response.words(),
            owner: d.owner.and_then(person),
            deadline: d.deadline,
            coordinator: d.coordinator.map(|u| org.full_name(u)),
            notified: d.notified.iter().filter_map(|u| person(*u)).collect(),
            raised_at: w.raised_at,
            closed_at: w.closed_at,
            close_note: d.close_note.clone(),
            age_days: end.duration_since(w.raised_at).as_secs().max(0) / 86_400,
            figures: d.figures.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarningList {
    pub items: Vec<WarningView>,
    /// Pass as `cursor` for the next page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarningParams {
    /// blue | yellow | red
    pub level: Option<String>,
    /// `open` (the default), `closed` or `all`
    pub state: Option<String>,
    /// Warnings of this unit's subtree.
    pub unit_id: Option<String>,
    /// Warnings about this matter (alone or in a cluster).
    pub matter_id: Option<String>,
    pub cursor: Option<String>,
    /// 1–500 (default 50)
    pub limit: Option<String>,
}

impl WarningParams {
    pub fn filter(&self, state: &AppState) -> Result<WarningFilter, ApiError> {
        let org = state.org();
        let unit_path = parse_param("unit_id", &self.unit_id, |s| {
            s.parse::<i64>().ok().and_then(|id| org.path(minsheng_domain::UnitId(id)))
        })?;
        let open = match self.state.as_deref().map(str::trim) {
            None | Some("") | Some("open") => Some(true),
            Some("closed") => Some(false),
            Some("all") => None,
            Some(_) => return Err(ApiError::BadQuery { field: "state".into() }),
        };
        Ok(WarningFilter {
            level: parse_param("level", &self.level, Level::parse)?,
            open,
            unit_path,
            matter: parse_param("matter_id", &self.matter_id, |s| {
                s.parse().ok().map(minsheng_domain::MatterId)
            })?,
            before: parse_param("cursor", &self.cursor, |s| s.parse().ok())?,
            limit: parse_param("limit", &self.limit, |s| {
                s.parse::<u32>().ok().filter(|n| (1..=500).contains(n))
            })?
            .unwrap_or(50),
        })
    }
}

/// Warnings and their people's names, as views.
pub async fn views(state: &AppState, ws: &[WarningRecord]) -> Result<Vec<WarningView>, ApiError> {
    let mut ids: Vec<minsheng_domain::UserId> =
        ws.iter().flat_map(|w| w.detail.owner.into_iter().chain(w.detail.notified.iter().copied())).collect();
    ids.sort();
    ids.dedup();
    let users = if ids.is_empty() { vec![] } else { state.store.users_by_id(&ids).await? };
    let org = state.org();
    let now = state.clock.now();
    Ok(ws.iter().map(|w| WarningView::of(w, &org, &users, now)).collect())
}

/// Warnings in your scope, newest first: open ones unless `state` says otherwise.
#[utoipa::path(
    get, path = "/api/v1/warnings", tag = "warnings",
    params(WarningParams),
    responses((status = 200, body = WarningList), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<WarningParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<WarningList>, ApiError> {
    let Query(q) = query.map_err(|_| ApiError::BadQuery { field: "query".into() })?;
    let filter = q.filter(&state)?;
    let found = state.store.warnings(&caller.scope, &filter).await?;
    let next_cursor =
        (found.len() == filter.limit as usize).then(|| found.last().map(|w| w.id.to_string())).flatten();
    Ok(Json(WarningList { items: views(&state, &found).await?, next_cursor }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogLine {
    #[schema(value_type = String)]
    pub at: Timestamp,
    /// raised | escalated | responded | closed
    pub happening: String,
    #[schema(value_type = String)]
    pub level: Level,
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarningDetailView {
    #[serde(flatten)]
    pub warning: WarningView,
    pub log: Vec<LogLine>,
}

/// One warning in your scope, with its log (raised, escalated, responded, closed).
#[utoipa::path(
    get, path = "/api/v1/warnings/{id}", tag = "warnings",
    params(("id" = i64, Path)),
    responses((status = 200, body = WarningDetailView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<WarningDetailView>, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound)?;
    let (w, log) = state.store.warning(&caller.scope, id).await?.ok_or(ApiError::NotFound)?;
    let warning = views(&state, std::slice::from_ref(&w)).await?.pop().ok_or(ApiError::NotFound)?;
    let log = log
        .into_iter()
        .map(|e| LogLine { at: e.at, happening: e.happening.as_str().into(), level: e.level, text: e.text })
        .collect();
    Ok(Json(WarningDetailView { warning, log }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterView {
    pub subject: SubjectView,
    pub unit_id: i64,
    pub unit_name: String,
    pub members: Vec<i64>,
    pub figures: Figures,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterList {
    pub items: Vec<ClusterView>,
}

/// Clusters standing now in your scope (open ones), largest first: similar matters about one
/// place, employer or project, with their size, growth, people and amount.
#[utoipa::path(
    get, path = "/api/v1/warnings/clusters", tag = "warnings",
    responses((status = 200, body = ClusterList)),
    security(("bearer" = []))
)]
pub async fn clusters(State(state): State<AppState>, caller: Caller) -> Result<Json<ClusterList>, ApiError> {
    Ok(Json(ClusterList { items: cluster_views(&state, &caller).await? }))
}

pub async fn cluster_views(state: &AppState, caller: &Caller) -> Result<Vec<ClusterView>, ApiError> {
    let org = state.org();
    let found = crate::warnings::current_clusters(state, &caller.scope).await?;
    Ok(found
        .into_iter()
        .take(200)
        .map(|c| ClusterView {
            subject: subject(&org, &WarningSubject::Cluster(c.facts.key.clone())),
            unit_id: c.unit.0,
            unit_name: org.full_name(c.unit),
            members: c.facts.members.iter().map(|m| m.id.0).collect(),
            figures: c.figures.clone(),
        })
        .collect())
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesView {
    /// Each rule: `id`, `level` (blue|yellow|red), `enabled`, and `condition` with its `kind`
    /// (cluster_size, collective_growing, people, amount, overdue, overdue_by_half,
    /// supervision_ignored, repeat_contacts, violence_risk) and thresholds.
    #[schema(value_type = Vec<Object>)]
    pub rules: Rules,
}

/// The live warning rules (DOMAIN.md's defaults until an administrator saves others).
#[utoipa::path(
    get, path = "/api/v1/warnings/rules", tag = "warnings",
    responses((status = 200, body = RulesView)), security(("bearer" = []))
)]
pub async fn get_rules(State(state): State<AppState>, _caller: Caller) -> Result<Json<RulesView>, ApiError> {
    Ok(Json(RulesView { rules: crate::warnings::rules(&state).await? }))
}

/// Replace the warning rules (a deployment administrator). Open warnings stay at their level;
/// the next evaluation applies the new rules.
#[utoipa::path(
    put, path = "/api/v1/warnings/rules", tag = "warnings", request_body = RulesView,
    responses((status = 200, body = RulesView), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn put_rules(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<RulesView>,
) -> Result<Json<RulesView>, ApiError> {
    save_rules(&state, &caller, &req.rules).await?;
    Ok(Json(RulesView { rules: crate::warnings::rules(&state).await? }))
}

/// Checks and saves the rules for a deployment administrator (API and admin page).
pub(crate) async fn save_rules(state: &AppState, caller: &Caller, rules: &Rules) -> Result<(), ApiError> {
    deployment_admin(state, caller)?;
    Rules::check(rules.rules()).map_err(ApiError::Invalid)?;
    let json = serde_json::to_string(rules).map_err(|_| ApiError::Internal)?;
    state.store.put_setting(crate::warnings::RULES_KEY, &json, caller.user.id, state.clock.now()).await?;
    Ok(())
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct LevelCounts {
    pub blue: usize,
    pub yellow: usize,
    pub red: usize,
}

impl LevelCounts {
    pub fn of(firings: &[Firing]) -> Self {
        let n = |l| firings.iter().filter(|f| f.level == l).count();
        Self { blue: n(Level::Blue), yellow: n(Level::Yellow), red: n(Level::Red) }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewLine {
    #[schema(value_type = String)]
    pub level: Level,
    pub subject: SubjectView,
    pub rules: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    /// What the live rules fire on the same matters.
    pub live: LevelCounts,
    /// What the posted rules would fire.
    pub proposed: LevelCounts,
    /// The first 100 of what the posted rules fire, gravest first.
    pub items: Vec<PreviewLine>,
}

/// What posted rules would fire on every matter and cluster of the last 90 days (each taken as
/// if still open), beside what the live rules fire: the effect of an edit before it is saved.
#[utoipa::path(
    post, path = "/api/v1/warnings/rules/preview", tag = "warnings", request_body = RulesView,
    responses((status = 200, body = Preview), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<RulesView>,
) -> Result<Json<Preview>, ApiError> {
    Ok(Json(preview_of(&state, &caller, &req.rules).await?))
}

pub(crate) async fn preview_of(
    state: &AppState,
    caller: &Caller,
    rules: &Rules,
) -> Result<Preview, ApiError> {
    deployment_admin(state, caller)?;
    Rules::check(rules.rules()).map_err(ApiError::Invalid)?;
    let live = crate::warnings::preview(state, &crate::warnings::rules(state).await?).await?;
    let proposed = crate::warnings::preview(state, rules).await?;
    let org = state.org();
    Ok(Preview {
        live: LevelCounts::of(&live),
        proposed: LevelCounts::of(&proposed),
        items: proposed
            .iter()
            .take(100)
            .map(|f| PreviewLine {
                level: f.level,
                subject: subject(&org, &f.subject),
                rules: f.rules.clone(),
                reason: f.reason.clone(),
            })
            .collect(),
    })
}
