//! Administration of people's mediation (`/admin/mediation`): the professional field of each
//! committee in the administrator's subtree, and each mediator's specialities, which rank the
//! mediators suggested at acceptance. The rules are the API's, through the same functions.

use super::account::{frame, render};
use super::admin::{admin_post, admin_unit, messages};
use super::error::UiError;
use super::pages::Frame;
use super::session::Staff;
use crate::api::mediation::{save_committee_field, save_specialities};
use crate::problem::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minsheng_domain::{Role, UnitId, UnitKind, UserId};
use serde::Deserialize;
use std::collections::HashMap;

pub struct CommitteeLine {
    pub id: i64,
    pub name: String,
    pub field: String,
}

pub struct MediatorLine {
    pub id: i64,
    pub name: String,
    pub unit: String,
    pub specialities: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin_mediation.html")]
pub struct MediationAdminPage {
    pub frame: Frame,
    pub committees: Vec<CommitteeLine>,
    pub mediators: Vec<MediatorLine>,
    /// (code, name) of every category.
    pub categories: Vec<(String, String)>,
    pub notice: Option<String>,
    pub errors: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn build(
    state: &AppState,
    staff: &Staff,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<MediationAdminPage, ApiError> {
    let org = state.org();
    let root = staff.caller.actor.unit_id;
    let fields: HashMap<UnitId, String> = state.store.committee_fields().await?.into_iter().collect();
    let committees = org
        .iter()
        .filter(|u| u.kind == UnitKind::Committee && org.is_within(u.id, root))
        .map(|u| CommitteeLine {
            id: u.id.0,
            name: org.full_name(u.id),
            field: fields.get(&u.id).cloned().unwrap_or_default(),
        })
        .collect();
    let users: Vec<_> = state
        .store
        .users(&staff.caller.scope)
        .await?
        .into_iter()
        .filter(|u| u.role == Role::Mediator && u.active)
        .collect();
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    let specialities: HashMap<_, _> = state.store.mediator_specialities(&ids).await?.into_iter().collect();
    let mediators = users
        .into_iter()
        .map(|u| MediatorLine {
            id: u.id.0,
            unit: org.full_name(u.unit_id),
            specialities: specialities.get(&u.id).cloned().unwrap_or_default(),
            name: u.display_name,
        })
        .collect();
    let tr = staff.tr;
    let categories = state.catalogue().all().iter().map(|c| (c.code.0.clone(), tr.category(c))).collect();
    Ok(MediationAdminPage {
        frame: frame(staff, "/admin/mediation"),
        committees,
        mediators,
        categories,
        notice,
        errors,
    })
}

pub async fn page(State(state): State<AppState>, staff: Staff, Query(q): Query<DoneQuery>) -> Response {
    if let Err(e) = admin_unit(&state, &staff, None) {
        return e.into_response();
    }
    let notice = q.done.map(|_| staff.tr.t("admin-updated"));
    match build(&state, &staff, notice, vec![]).await {
        Ok(p) => render(staff.tr, &p),
        Err(e) => UiError::new(staff.tr, e).into_response(),
    }
}

/// The form posts: the CSRF token and the values.
async fn saved(state: &AppState, staff: &Staff, result: Result<(), ApiError>) -> Response {
    match result {
        Ok(()) => Redirect::to("/admin/mediation?done=1").into_response(),
        Err(ApiError::Invalid(f)) => {
            let errors = messages(staff, &ApiError::Invalid(f));
            match build(state, staff, None, errors).await {
                Ok(p) => (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(staff.tr, &p)).into_response(),
                Err(e) => UiError::new(staff.tr, e).into_response(),
            }
        }
        Err(e) => UiError::new(staff.tr, e).into_response(),
    }
}

pub async fn save_field(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or_default();
    if let Err(e) = admin_post(&staff, get("csrf")) {
        return e.into_response();
    }
    let result = save_committee_field(&state, &staff.caller, UnitId(id), Some(get("field"))).await;
    saved(&state, &staff, result).await
}

pub async fn save_mediator(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = form.iter().find(|(n, _)| n == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
    if let Err(e) = admin_post(&staff, csrf) {
        return e.into_response();
    }
    let codes: Vec<String> =
        form.iter().filter(|(n, _)| n == "specialities").map(|(_, v)| v.clone()).collect();
    let result = save_specialities(&state, &staff.caller, UserId(id), &codes).await;
    saved(&state, &staff, result).await
}
