//! `/api/v1/matters`: intake, reading, listing, commands, the timeline, and revealing personal
//! data with a reason. Every read passes the caller's scope to the store.

use super::views::{MatterList, MatterView, Timeline, TimelineEntry};
use crate::auth::Caller;
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use minsheng_domain::command::{self, Command};
use minsheng_domain::matter::RegistrationDraft;
use minsheng_domain::{Channel, Event, FieldError, Issue, Matter, MatterId, MatterKind, Status, UnitId};
use minsheng_store::{Append, AppendError, IdempotencyKey, MatterFilter, Page};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

pub(crate) fn matter_id(raw: &str) -> Result<MatterId, ApiError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).map(MatterId).ok_or(ApiError::NotFound)
}

pub(crate) fn append_failed(state: &AppState, e: AppendError) -> ApiError {
    match e {
        AppendError::Conflict { current } => {
            state.metrics.stale_writes.inc();
            ApiError::StaleVersion { current }
        }
        AppendError::NotFound => ApiError::NotFound,
        AppendError::KeyReused => ApiError::KeyReused,
        AppendError::Failed(reason) => {
            tracing::error!(%reason, "append failed");
            ApiError::Internal
        }
    }
}

fn serialise_failed(e: serde_json::Error) -> ApiError {
    tracing::error!(error = %e, "event serialisation failed");
    ApiError::Internal
}

/// Loads a matter the caller may see.
pub async fn load(state: &AppState, caller: &Caller, id: MatterId) -> Result<Matter, ApiError> {
    let events = state.store.events(&caller.scope, id).await?.ok_or(ApiError::NotFound)?;
    Matter::from_events(&events).ok_or_else(|| {
        tracing::error!(matter = %id, "event stream does not start with a registration");
        ApiError::Internal
    })
}

fn idempotency_key(
    headers: &HeaderMap,
    caller: &Caller,
    draft: &RegistrationDraft,
) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(raw) = headers.get("idempotency-key") else { return Ok(None) };
    let key = raw
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or(ApiError::field("Idempotency-Key", Issue::BadKey))?;
    let body = serde_json::to_vec(draft).map_err(serialise_failed)?;
    Ok(Some(IdempotencyKey {
        user: caller.user.id,
        key: key.to_owned(),
        fingerprint: Sha256::digest(&body).into(),
    }))
}

/// Register a matter (受理登记).
///
/// Send an `Idempotency-Key` header to retry safely: the same key with the same body returns
/// the matter the first request made (200), never a second one.
#[utoipa::path(
    post, path = "/api/v1/matters", tag = "matters",
    request_body = RegistrationDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses(
        (status = 201, description = "Registered", body = MatterView),
        (status = 200, description = "Replayed: this key already registered the matter", body = MatterView),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(draft): ApiJson<RegistrationDraft>,
) -> Result<Response, ApiError> {
    // A file's digest names stored content; only uploads the server itself checked may carry
    // one, or a client could point at someone else's file, or at content of any type.
    let claimed: Vec<FieldError> = (0..draft.attachments.len())
        .filter(|i| draft.attachments[*i].sha256.is_some())
        .map(|i| FieldError::new(format!("attachments[{i}].sha256"), Issue::NotAccepted))
        .collect();
    if !claimed.is_empty() {
        return Err(ApiError::Invalid(claimed));
    }
    let key = idempotency_key(&headers, &caller, &draft)?;
    let (done, matter) = register(&state, &caller, &draft, key).await?;
    let org = state.org();
    // A replay answers with the matter as it is now; a new one as it was just made.
    let (status, view) = if done.replayed {
        (StatusCode::OK, MatterView::of(&load(&state, &caller, done.matter_id).await?, &org, false))
    } else {
        (StatusCode::CREATED, MatterView::of(&matter, &org, false))
    };
    let location = format!("/api/v1/matters/{}", done.matter_id);
    let mut response = (status, axum::Json(view)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// Registers a matter for the caller; the API and the intake form both come through here.
pub async fn register(
    state: &AppState,
    caller: &Caller,
    draft: &RegistrationDraft,
    key: Option<IdempotencyKey>,
) -> Result<(minsheng_store::Appended, Matter), ApiError> {
    let known = state.knowledge(state.org_knowing(&[draft.unit_id]).await);
    let now = state.clock.now();
    let mut events = command::register(draft, &known.ctx(caller.actor, now))?;
    let Some(Event::Registered(registration)) = events.first().cloned() else {
        return Err(ApiError::Internal);
    };
    // The same petitioner on the same subject after a final petition: flagged, not refused,
    // so the clerk can tell the citizen why and decline with the channel named.
    let keys = registration.petitioner_keys();
    if registration.kind == minsheng_domain::MatterKind::Petition && !keys.is_empty() {
        let finals = state.store.final_petitions(&keys, registration.category.as_str(), 1).await?;
        events.extend(finals.first().map(|of| Event::RepeatOfFinal { of: *of }));
    }
    let mut matter = Matter::registered(MatterId(0), registration, now, caller.user.id);
    for e in &events[1..] {
        matter.apply(e, now);
    }
    let append =
        Append::new_matter(&matter, &events, &known.org, key).map_err(serialise_failed)?.by(caller.user.id);
    let done = state.store.append(append).await.map_err(|e| append_failed(state, e))?;
    if !done.replayed {
        state.metrics.matters_registered.inc();
    }
    matter.id = done.matter_id;
    Ok((done, matter))
}

/// One matter, personal data masked.
#[utoipa::path(
    get, path = "/api/v1/matters/{id}", tag = "matters",
    params(("id" = i64, Path)),
    responses((status = 200, body = MatterView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<axum::Json<MatterView>, ApiError> {
    let matter = load(&state, &caller, matter_id(&id)?).await?;
    Ok(axum::Json(MatterView::of(&matter, &state.org(), false)))
}

/// Filters of the matter list; all optional.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// request | petition | dispute | grid_event | wage_claim
    pub kind: Option<String>,
    /// registered | assigned | in_progress | replied | closed
    pub status: Option<String>,
    /// letter | visit | phone | online | grid | transfer | screening
    pub channel: Option<String>,
    /// A category code.
    pub category: Option<String>,
    /// Matters whose place lies in this unit's subtree.
    pub unit_id: Option<String>,
    /// Registered at or after: `2026-03-01` (China time) or an RFC 3339 timestamp.
    pub from: Option<String>,
    /// Registered before: `2026-04-01` (China time) or an RFC 3339 timestamp.
    pub to: Option<String>,
    /// `true`: only unanswered matters past their report-back deadline.
    pub overdue: Option<String>,
    /// `true`: only matters merged into a main matter (并件); `false`: only the others.
    pub merged: Option<String>,
    /// Words to find (全文检索) in titles, bodies, replies and notes, with every other filter;
    /// traditional characters and full-width digits find their usual forms.
    pub q: Option<String>,
    /// `relevance` (the default: with `q` best match first, otherwise newest), `newest` or `oldest`.
    pub sort: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<String>,
}

impl ListParams {
    /// The store filter and page these parameters ask for; a bad one is named.
    pub fn filter(&self, state: &AppState) -> Result<(MatterFilter, Page), ApiError> {
        let q = self;
        let org = state.org();
        let unit = parse_param("unit_id", &q.unit_id, |s| s.parse::<i64>().ok())?;
        let unit_path = match unit {
            None => None,
            Some(u) => Some(org.path(UnitId(u)).ok_or(ApiError::field("unit_id", Issue::UnknownUnit))?),
        };
        let mut filter = MatterFilter {
            kind: parse_param("kind", &q.kind, MatterKind::parse)?,
            status: parse_param("status", &q.status, Status::parse)?,
            channel: parse_param("channel", &q.channel, Channel::parse)?,
            category: parse_param("category", &q.category, |s| {
                state.catalogue().get(s).map(|c| c.code.0.clone())
            })?,
            unit_path,
            registered_from: parse_param("from", &q.from, parse_instant)?,
            registered_before: parse_param("to", &q.to, parse_instant)?,
            ..MatterFilter::default()
        };
        filter.oldest_first = parse_param("sort", &q.sort, |s| match s {
            "newest" | "relevance" => Some(false),
            "oldest" => Some(true),
            _ => None,
        })?
        .unwrap_or(false);
        if parse_param("overdue", &q.overdue, |s| s.parse::<bool>().ok())? == Some(true) {
            filter.due_before = Some(state.clock.now());
        }
        filter.merged = parse_param("merged", &q.merged, |s| s.parse::<bool>().ok())?;
        let before =
            parse_param("cursor", &q.cursor, |s| s.parse::<i64>().ok().filter(|n| *n > 0).map(MatterId))?;
        let limit =
            parse_param("limit", &q.limit, |s| s.parse::<u32>().ok().filter(|n| (1..=500).contains(n)))?;
        Ok((filter, Page { before, limit: limit.unwrap_or(50) }))
    }
}

/// A query parameter read by `parse`: absent or blank is `None`; one that does not read is
/// named in a 422.
pub(crate) fn parse_param<T>(
    field: &str,
    raw: &Option<String>,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => parse(s).map(Some).ok_or(ApiError::BadQuery { field: field.into() }),
    }
}

/// `2026-03-01` as midnight China time, or an RFC 3339 timestamp.
fn parse_instant(s: &str) -> Option<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    let date: jiff::civil::Date = s.parse().ok()?;
    let china = jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8));
    date.to_zoned(china).ok().map(|z| z.timestamp())
}

/// Matters in the caller's scope, newest first.
#[utoipa::path(
    get, path = "/api/v1/matters", tag = "matters",
    params(ListParams),
    responses((status = 200, body = MatterList), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<axum::Json<MatterList>, ApiError> {
    let Query(q) = query.map_err(|e| {
        let text = e.body_text();
        ApiError::BadQuery { field: text.split('`').nth(1).unwrap_or("query").to_owned() }
    })?;
    let (filter, page) = q.filter(&state)?;
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let newest = q.sort.as_deref() == Some("newest");
        let offset = parse_param("cursor", &q.cursor, |s| s.parse::<usize>().ok().filter(|n| *n <= 10_000))?;
        return Ok(axum::Json(
            search_list(&state, &caller, text, &filter, offset.unwrap_or(0), page.limit, newest).await?,
        ));
    }
    let page = state.store.list(&caller.scope, &filter, page).await?;
    Ok(axum::Json(MatterList {
        items: page.items,
        next_cursor: page.next.map(|id| id.0.to_string()),
        total: None,
        hits: vec![],
    }))
}

/// A list found by words: the index finds, counts and ranks within the caller's scope and the
/// filters; the store gives the rows, still through the scope. `cursor` is then an offset.
pub async fn search_list(
    state: &AppState,
    caller: &Caller,
    text: &str,
    filter: &MatterFilter,
    offset: usize,
    limit: u32,
    newest: bool,
) -> Result<MatterList, ApiError> {
    use minsheng_search::index::{Order, Query};
    if let Err(e) = crate::search::catch_up(state, 5, false).await {
        tracing::warn!(error = %e, "the search index is behind the log");
    }
    let query = Query {
        text: text.chars().take(200).collect(),
        scopes: vec![caller.scope.path().to_owned()],
        kind: filter.kind.map(|k| k.as_str().to_owned()),
        status: filter.status.map(|s| s.as_str().to_owned()),
        channel: filter.channel.map(|c| c.as_str().to_owned()),
        category: filter.category.clone(),
        place_path: filter.unit_path.clone(),
        lead_unit: filter.lead_unit.map(|u| u.0),
        registered_from_ms: filter.registered_from.map(|t| t.as_millisecond()),
        registered_before_ms: filter.registered_before.map(|t| t.as_millisecond()),
        open_only: filter.open,
        order: if newest { Order::Newest } else { Order::Relevance },
        offset,
        limit: limit.clamp(1, 500) as usize,
    };
    // A search at a million matters takes milliseconds of CPU: off the async workers.
    let search = std::sync::Arc::clone(&state.search);
    let hits = tokio::task::spawn_blocking(move || search.index.search(&query))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "search task failed");
            ApiError::Internal
        })?
        .map_err(|e| {
            tracing::error!(error = %e, "search failed");
            ApiError::Internal
        })?;
    let ids: Vec<MatterId> = hits.items.iter().map(|h| MatterId(h.id)).collect();
    // The index knows nothing of merges: a `merged` filter applies to the rows it found.
    let rows = MatterFilter { ids: Some(ids.clone()), merged: filter.merged, ..MatterFilter::default() };
    let page = state.store.list(&caller.scope, &rows, Page { before: None, limit: 500 }).await?;
    let mut by_id: std::collections::HashMap<_, _> = page.items.into_iter().map(|m| (m.id, m)).collect();
    let items: Vec<_> = ids.iter().filter_map(|id| by_id.remove(id)).collect();
    let next = offset + hits.items.len();
    Ok(MatterList {
        items,
        next_cursor: (next < hits.total && !hits.items.is_empty()).then(|| next.to_string()),
        total: Some(hits.total),
        hits: hits
            .items
            .into_iter()
            .map(|h| super::views::HitView {
                id: MatterId(h.id),
                score: h.score,
                title_snippet: h.title_snippet,
                body_snippet: h.body_snippet,
            })
            .collect(),
    })
}

/// A command with the version it was decided against.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandRequest {
    /// The `version` the caller last saw; a stale one gets 409 with the current version.
    pub expected_version: i64,
    pub command: Command,
}

/// Run a command on a matter: assign, start, reply, close, reopen, comment, note, and every
/// workflow step.
///
/// `merge_into` merges this matter (并件) into the main matter `main_id` (主件): it stops its
/// clocks, is handled on the main, and receives the main's reply and closing on its own record;
/// the main counts its contacts. `unmerge` undoes it. `record_contact` counts a repeat contact
/// (the citizen called, visited or wrote again). A merged matter takes only `unmerge`,
/// `comment` and `note`; everything else is refused with the field `merged_into`.
#[utoipa::path(
    post, path = "/api/v1/matters/{id}/commands", tag = "matters",
    params(("id" = i64, Path)),
    request_body = CommandRequest,
    responses(
        (status = 200, description = "The matter after the command", body = MatterView),
        (status = 409, description = "Stale version, or not allowed in the matter's state", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn run_command(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CommandRequest>,
) -> Result<axum::Json<MatterView>, ApiError> {
    let (matter, org) = execute(&state, &caller, matter_id(&id)?, req.expected_version, &req.command).await?;
    Ok(axum::Json(MatterView::of(&matter, &org, false)))
}

/// Decides and records a command on a matter the caller may see; the API and the staff pages
/// both come through here. Returns the matter after the command, and the org tree used.
pub async fn execute(
    state: &AppState,
    caller: &Caller,
    id: MatterId,
    expected_version: i64,
    command: &Command,
) -> Result<(Matter, std::sync::Arc<minsheng_domain::OrgTree>), ApiError> {
    // Merging writes two matters, one after the other (see `crate::merge`).
    match command {
        Command::MergeInto { main_id, reason } => {
            return crate::merge::merge_into(state, caller, id, expected_version, *main_id, reason).await;
        }
        Command::Unmerge { reason } => {
            return crate::merge::unmerge(state, caller, id, expected_version, reason).await;
        }
        _ => {}
    }
    let mut matter = load(state, caller, id).await?;
    if matter.version != expected_version {
        state.metrics.stale_writes.inc();
        return Err(ApiError::StaleVersion { current: matter.version });
    }
    let mentioned: Vec<i64> = match command {
        Command::Assign { unit_id, co_unit_ids, .. } => {
            std::iter::once(*unit_id).chain(co_unit_ids.iter().copied()).collect()
        }
        Command::Delegate { unit_id, .. }
        | Command::RequestReview { unit_id: Some(unit_id), .. }
        | Command::TransferMediation { unit_id, .. } => vec![*unit_id],
        _ => vec![],
    };
    if let Command::AssignLeader { leader_id, .. } = command {
        owning_leader(state, &matter, *leader_id).await?;
    }
    if let Command::AcceptMediation { mediator_id, .. } = command {
        committee_mediator(state, caller, &matter, *mediator_id).await?;
    }
    let known = state.knowledge(state.org_knowing(&mentioned).await);
    let now = state.clock.now();
    let events = command::decide(&matter, command, &known.ctx(caller.actor, now))?;
    let org = known.org;
    for e in &events {
        matter.apply(e, now);
    }
    let append = Append::existing(&matter, &events, &org, Some(expected_version))
        .map_err(serialise_failed)?
        .by(caller.user.id);
    let done = state.store.append(append).await.map_err(|e| append_failed(state, e))?;
    matter.version = done.version;
    // A main's answer reaches its merged matters; a pair that disagrees is healed.
    if crate::merge::follow_up(state, caller, &matter).await {
        matter = load(state, caller, id).await?;
    }
    Ok((matter, org))
}

/// Checks that a leader asked to own a matter (包案) is an active leader who oversees it.
async fn owning_leader(state: &AppState, matter: &Matter, leader_id: i64) -> Result<(), ApiError> {
    let users = state.store.users_by_id(&[minsheng_domain::UserId(leader_id)]).await?;
    let org = state.org();
    let oversees = |unit| {
        org.is_within(matter.registration.unit_id, unit)
            || matter.handling.as_ref().is_some_and(|h| org.is_within(h.lead, unit))
    };
    match users.first() {
        Some(u) if u.active && u.role == minsheng_domain::Role::Leader && oversees(u.unit_id) => Ok(()),
        _ => Err(ApiError::field("leader_id", Issue::NotALeader)),
    }
}

/// Checks that the mediator appointed at acceptance is an active mediator of the committee that
/// takes the dispute on (the committee handling it, or the caller's own).
async fn committee_mediator(
    state: &AppState,
    caller: &Caller,
    matter: &Matter,
    mediator_id: i64,
) -> Result<(), ApiError> {
    let org = state.org();
    let is_committee = |u: UnitId| org.get(u).is_some_and(|u| u.kind == minsheng_domain::UnitKind::Committee);
    let committee = match &matter.handling {
        Some(h) if is_committee(h.lead) => h.lead,
        _ => caller.actor.unit_id,
    };
    let users = state.store.users_by_id(&[minsheng_domain::UserId(mediator_id)]).await?;
    match users.first() {
        Some(u)
            if u.active
                && u.role == minsheng_domain::Role::Mediator
                && org.is_within(u.unit_id, committee) =>
        {
            Ok(())
        }
        _ => Err(ApiError::field("mediator_id", Issue::NotAMediator)),
    }
}

/// Records a reveal of the parties' personal data, with its reason; returns the matter.
pub(crate) async fn record_reveal(
    state: &AppState,
    caller: &Caller,
    id: MatterId,
    reason: &str,
) -> Result<(Matter, std::sync::Arc<minsheng_domain::OrgTree>), ApiError> {
    let mut matter = load(state, caller, id).await?;
    let org = reveal_on(state, caller, &mut matter, reason).await?;
    Ok((matter, org))
}

/// Records a reveal on a matter the caller has already loaded (in scope), and applies it.
pub(crate) async fn reveal_on(
    state: &AppState,
    caller: &Caller,
    matter: &mut Matter,
    reason: &str,
) -> Result<std::sync::Arc<minsheng_domain::OrgTree>, ApiError> {
    let known = state.knowledge(state.org());
    let now = state.clock.now();
    let event = command::reveal(reason, &known.ctx(caller.actor, now))?;
    let append = Append::annotation(matter.id, caller.user.id, now, &event).map_err(serialise_failed)?;
    let done = state.store.append(append).await.map_err(|e| append_failed(state, e))?;
    matter.apply(&event, now);
    matter.version = done.version;
    Ok(known.org)
}

/// The matter's history: its events, oldest first.
#[utoipa::path(
    get, path = "/api/v1/matters/{id}/timeline", tag = "matters",
    params(("id" = i64, Path)),
    responses((status = 200, body = Timeline), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<axum::Json<Timeline>, ApiError> {
    let events = state.store.events(&caller.scope, matter_id(&id)?).await?.ok_or(ApiError::NotFound)?;
    Ok(axum::Json(Timeline { items: events.iter().map(TimelineEntry::of).collect() }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    /// Why the unmasked data is needed; kept in the matter's timeline.
    pub reason: String,
}

/// See the parties' personal data unmasked. The reason is recorded as an event.
#[utoipa::path(
    post, path = "/api/v1/matters/{id}/reveal", tag = "matters",
    params(("id" = i64, Path)),
    request_body = RevealRequest,
    responses((status = 200, body = MatterView), (status = 403, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn reveal(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RevealRequest>,
) -> Result<axum::Json<MatterView>, ApiError> {
    let (matter, org) = record_reveal(&state, &caller, matter_id(&id)?, &req.reason).await?;
    Ok(axum::Json(MatterView::of(&matter, &org, true)))
}
