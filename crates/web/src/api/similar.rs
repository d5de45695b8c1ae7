//! Similar matters: `GET /api/v1/matters/{id}/similar` for a registered matter, and
//! `POST /api/v1/matters/similar` for words still being typed at intake. Both answer the open
//! and recent matters in the caller's scope that say nearly the same thing, most similar
//! first, each with its score and why it matches.

use super::matters::{load, matter_id};
use crate::auth::Caller;
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};
use crate::similar::{Why, why};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use jiff::Timestamp;
use minsheng_domain::party::PartyRole;
use minsheng_domain::{Matter, MatterId, Status, UnitId};
use minsheng_store::{MatterFilter, Page};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How far back a closed matter still counts as recent.
const RECENT_DAYS: i64 = 180;

#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarMatter {
    pub id: MatterId,
    pub title: String,
    pub status: Status,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub registered_at: Timestamp,
    /// Estimated Jaccard similarity of the two texts' character 3-grams, 0–1.
    pub score: f64,
    pub why: Why,
    /// 并件: the main matter it is merged into (merge into that one instead).
    pub merged_into: Option<MatterId>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarList {
    pub items: Vec<SimilarMatter>,
}

/// What a similarity search starts from.
pub struct Probe<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub unit_id: i64,
    pub category: &'a str,
    /// The project named at intake, if any.
    pub project: Option<&'a str>,
    /// Names of the other parties (respondents and others), to find the same one again.
    pub respondents: Vec<String>,
    pub exclude: Option<MatterId>,
}

/// The open and recent matters in the caller's scope most like `probe`.
pub async fn similar_to(
    state: &AppState,
    caller: &Caller,
    probe: &Probe<'_>,
    limit: usize,
) -> Result<Vec<SimilarMatter>, ApiError> {
    if let Err(e) = crate::search::catch_up(state, 5, false).await {
        tracing::warn!(error = %e, "the similarity index is behind the log");
    }
    let found: Vec<(MatterId, f64)> = state
        .similar
        .candidates(probe.title, probe.body, 200)
        .into_iter()
        .filter(|(id, _)| Some(*id) != probe.exclude)
        .collect();
    if found.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<MatterId> = found.iter().map(|(id, _)| *id).collect();
    let filter = MatterFilter { ids: Some(ids), ..MatterFilter::default() };
    let rows = state.store.list(&caller.scope, &filter, Page { before: None, limit: 500 }).await?;
    let recent = state.clock.now() - jiff::SignedDuration::from_hours(24 * RECENT_DAYS);
    let visible: std::collections::HashMap<_, _> = rows
        .items
        .into_iter()
        .filter(|m| m.status != Status::Closed || m.registered_at >= recent)
        .map(|m| (m.id, m))
        .collect();
    let org = state.org();
    let mut out = vec![];
    for (id, score) in found {
        if out.len() >= limit {
            break;
        }
        let Some(row) = visible.get(&id) else { continue };
        let Some(other) = state.store.events(&caller.scope, id).await?.and_then(|e| Matter::from_events(&e))
        else {
            continue;
        };
        out.push(SimilarMatter {
            id,
            title: row.title.clone(),
            status: row.status,
            unit_id: row.unit_id,
            unit_name: org.full_name(row.unit_id),
            registered_at: row.registered_at,
            score,
            why: why(
                probe.title,
                probe.body,
                probe.unit_id,
                probe.category,
                probe.project,
                &probe.respondents,
                &other,
            ),
            merged_into: row.merged_into,
        });
    }
    Ok(out)
}

fn respondents(m: &Matter) -> Vec<String> {
    m.registration
        .parties
        .iter()
        .filter(|p| p.role != PartyRole::Applicant)
        .map(|p| p.name.as_str().to_owned())
        .collect()
}

/// Matters like this one: open or recent, in your scope, most similar first.
#[utoipa::path(
    get, path = "/api/v1/matters/{id}/similar", tag = "matters",
    params(("id" = i64, Path)),
    responses((status = 200, body = SimilarList), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn of_matter(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<SimilarList>, ApiError> {
    let m = load(&state, &caller, matter_id(&id)?).await?;
    let r = &m.registration;
    let probe = Probe {
        title: &r.title,
        body: &r.body,
        unit_id: r.unit_id.0,
        category: r.category.as_str(),
        project: r.project.as_deref(),
        respondents: respondents(&m),
        exclude: Some(m.id),
    };
    Ok(Json(SimilarList { items: similar_to(&state, &caller, &probe, 10).await? }))
}

/// Words being typed at intake.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimilarRequest {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub category: Option<String>,
    /// The project being named (涉及项目).
    #[serde(default)]
    pub project: Option<String>,
    /// Names of the other parties (an employer, a company, a neighbour).
    #[serde(default)]
    pub respondents: Vec<String>,
}

/// Matters like the one being registered, while the clerk types.
#[utoipa::path(
    post, path = "/api/v1/matters/similar", tag = "matters",
    request_body = SimilarRequest,
    responses((status = 200, body = SimilarList), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn of_draft(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<SimilarRequest>,
) -> Result<Json<SimilarList>, ApiError> {
    let title: String = req.title.chars().take(200).collect();
    let body: String = req.body.chars().take(10_000).collect();
    let probe = Probe {
        title: &title,
        body: &body,
        unit_id: req.unit_id.unwrap_or(0),
        category: req.category.as_deref().unwrap_or(""),
        project: req.project.as_deref(),
        respondents: req.respondents.into_iter().take(20).collect(),
        exclude: None,
    };
    Ok(Json(SimilarList { items: similar_to(&state, &caller, &probe, 10).await? }))
}
