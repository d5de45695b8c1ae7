//! `/api/v1/units`, `/api/v1/users`, `/api/v1/categories` and `/api/v1/me`: the org tree, the
//! staff accounts in the caller's scope, and the category catalogue.

use super::views::{CategoryList, CategoryView, UnitList, UnitView, UserList, UserView};
use crate::auth::{self, Caller};
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use minsheng_domain::error::Denial;
use minsheng_domain::{FieldError, Issue, Role, Unit, UnitId, UnitKind};
use minsheng_store::{NewUnit, NewUser, UserRecord};
use serde::Deserialize;
use utoipa::ToSchema;

/// The whole org tree, root first. Every signed-in user may read it, to route matters.
#[utoipa::path(get, path = "/api/v1/units", tag = "organisation", responses((status = 200, body = UnitList)), security(("bearer" = [])))]
pub async fn units(State(state): State<AppState>, _caller: Caller) -> Json<UnitList> {
    let org = state.org();
    Json(UnitList { items: org.iter().map(|u| UnitView::of(u, &org)).collect() })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnitRequest {
    pub parent_id: i64,
    pub kind: UnitKind,
    pub name: String,
    #[serde(default)]
    pub code: Option<String>,
}

/// Add a unit under one in the administrator's scope.
#[utoipa::path(
    post, path = "/api/v1/units", tag = "organisation", request_body = NewUnitRequest,
    responses((status = 201, body = UnitView), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn create_unit(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewUnitRequest>,
) -> Result<(StatusCode, Json<UnitView>), ApiError> {
    let unit = add_unit(&state, &caller, req).await?;
    Ok((StatusCode::CREATED, Json(UnitView::of(&unit, &state.org()))))
}

/// Adds a unit for an administrator; the API and the admin pages both come through here.
pub(crate) async fn add_unit(
    state: &AppState,
    caller: &Caller,
    req: NewUnitRequest,
) -> Result<Unit, ApiError> {
    if !caller.actor.role.administers() {
        return Err(ApiError::Forbidden(Denial::Role));
    }
    let org = state.org_knowing(&[req.parent_id]).await;
    let parent = org.get(UnitId(req.parent_id)).ok_or(ApiError::field("parent_id", Issue::UnknownUnit))?;
    if !org.is_within(parent.id, caller.actor.unit_id) {
        return Err(ApiError::field("parent_id", Issue::NotInScope));
    }
    let mut errors = vec![];
    if !req.kind.may_sit_under(Some(parent.kind)) {
        errors.push(FieldError::new("kind", Issue::OutOfRange { min: 0, max: 0 }));
    }
    let name = minsheng_domain::text::required("name", &req.name, 60).map_err(|e| errors.push(e)).ok();
    let code =
        minsheng_domain::text::optional("code", req.code.as_deref(), 20).map_err(|e| errors.push(e)).ok();
    let (Some(name), Some(code), true) = (name, code, errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    let parent_path = org.path(parent.id).ok_or(ApiError::Internal)?;
    let unit = state
        .store
        .create_unit(NewUnit { parent_id: Some(parent.id), kind: req.kind, name, code, parent_path })
        .await?;
    state.reload().await?;
    Ok(unit)
}

/// Staff accounts whose unit lies in the caller's scope.
#[utoipa::path(get, path = "/api/v1/users", tag = "organisation", responses((status = 200, body = UserList)), security(("bearer" = [])))]
pub async fn users(State(state): State<AppState>, caller: Caller) -> Result<Json<UserList>, ApiError> {
    let users = state.store.users(&caller.scope).await?;
    Ok(Json(UserList { items: users.into_iter().map(UserView::from).collect() }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    /// 3–32 characters: lower-case letters, digits, `_`, `.` or `-`.
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: i64,
    /// At least 8 characters.
    pub password: String,
}

/// Create a staff account in the administrator's scope.
#[utoipa::path(
    post, path = "/api/v1/users", tag = "organisation", request_body = NewUserRequest,
    responses((status = 201, body = UserView), (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NewUserRequest>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let user = add_user(&state, &caller, req).await?;
    Ok((StatusCode::CREATED, Json(UserView::from(user))))
}

/// Creates a staff account for an administrator; the API and the admin pages share it.
pub(crate) async fn add_user(
    state: &AppState,
    caller: &Caller,
    req: NewUserRequest,
) -> Result<UserRecord, ApiError> {
    if !caller.actor.role.administers() {
        return Err(ApiError::Forbidden(Denial::Role));
    }
    let org = state.org_knowing(&[req.unit_id]).await;
    let mut errors = vec![];
    let username = req.username.trim().to_owned();
    let valid_name = (3..=32).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'));
    if !valid_name {
        errors.push(FieldError::new("username", Issue::BadName));
    }
    let display_name = minsheng_domain::text::required("display_name", &req.display_name, 60)
        .map_err(|e| errors.push(e))
        .ok();
    let unit = UnitId(req.unit_id);
    if !org.contains(unit) {
        errors.push(FieldError::new("unit_id", Issue::UnknownUnit));
    } else if !org.is_within(unit, caller.actor.unit_id) {
        errors.push(FieldError::new("unit_id", Issue::NotInScope));
    }
    if req.password.chars().count() < 8 {
        errors.push(FieldError::new("password", Issue::OutOfRange { min: 8, max: 1024 }));
    }
    let (Some(display_name), true) = (display_name, errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    let password = req.password;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|_| ApiError::Internal)??;
    let user = state
        .store
        .create_user(NewUser {
            username,
            display_name,
            role: req.role,
            unit_id: unit,
            password_hash: hash,
            created_at: state.clock.now(),
        })
        .await?;
    Ok(user)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "organisation", responses((status = 200, body = UserView)), security(("bearer" = [])))]
pub async fn me(caller: Caller) -> Json<UserView> {
    Json(UserView::from(caller.user))
}

/// The category catalogue; a matter's `category` takes a `code` from here.
#[utoipa::path(get, path = "/api/v1/categories", tag = "organisation", responses((status = 200, body = CategoryList)), security(("bearer" = [])))]
pub async fn categories(State(state): State<AppState>, _caller: Caller) -> Json<CategoryList> {
    let items = state
        .catalogue()
        .all()
        .iter()
        .map(|c| CategoryView {
            code: c.code.0.clone(),
            name_zh: c.name_zh.clone(),
            name_en: c.name_en.clone(),
        })
        .collect();
    Json(CategoryList { items })
}
