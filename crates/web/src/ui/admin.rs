//! Administration (管理): walk the org tree and add or rename units; list, add and change the
//! users of a unit's subtree (name, role, may sign in, new password). Only administrators, and
//! only within their own subtree; the rules are the API's, through the same functions.

use super::account::{frame, render};
use super::error::UiError;
use super::pages::Frame;
use super::session::Staff;
use crate::api::org::{NewUnitRequest, NewUserRequest, add_unit, add_user};
use crate::problem::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minsheng_domain::error::Denial;
use minsheng_domain::{Role, UnitId, UnitKind, UserId};
use minsheng_store::Scope;
use serde::Deserialize;

pub struct UnitLine {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub code: String,
}

#[derive(Template)]
#[template(path = "admin_units.html")]
pub struct UnitsPage {
    pub frame: Frame,
    pub parent_id: i64,
    pub crumbs: Vec<(i64, String)>,
    pub children: Vec<UnitLine>,
    pub kinds: Vec<(String, String)>,
    /// Where the unit shown may move: (id, name).
    pub parents: Vec<(i64, String)>,
    pub notice: Option<String>,
    pub errors: Vec<String>,
}

pub struct UserLine {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    pub frame: Frame,
    pub unit_id: i64,
    pub unit_name: String,
    pub users: Vec<UserLine>,
    pub roles: Vec<(String, String)>,
    pub notice: Option<String>,
    pub errors: Vec<String>,
}

fn admin_only(staff: &Staff) -> Result<(), UiError> {
    if staff.caller.actor.role.administers() {
        Ok(())
    } else {
        Err(UiError::new(staff.tr, ApiError::Forbidden(Denial::Role)))
    }
}

/// A unit in the administrator's subtree, or their own root.
fn unit_in_scope(state: &AppState, staff: &Staff, raw: Option<i64>) -> Result<UnitId, UiError> {
    let root = staff.caller.actor.unit_id;
    let unit = raw.map(UnitId).unwrap_or(root);
    if state.org().is_within(unit, root) { Ok(unit) } else { Err(UiError::not_found(staff.tr)) }
}

/// A form an administrator posted: its CSRF token first, then the role.
pub(super) fn admin_post(staff: &Staff, csrf: &str) -> Result<(), UiError> {
    if !staff.csrf_ok(csrf) {
        return Err(UiError::csrf(staff.tr));
    }
    admin_only(staff)
}

/// An administrator's page about a unit in their subtree (their own root when none is named).
pub(super) fn admin_unit(state: &AppState, staff: &Staff, raw: Option<i64>) -> Result<UnitId, UiError> {
    admin_only(staff)?;
    unit_in_scope(state, staff, raw)
}

pub(super) fn messages(staff: &Staff, e: &ApiError) -> Vec<String> {
    let lang = staff.tr.lang();
    match e {
        ApiError::Invalid(fields) => {
            fields.iter().map(|f| format!("{}：{}", lang.field(&f.field), lang.issue(&f.issue))).collect()
        }
        other => vec![other.render(lang).title],
    }
}

#[derive(Deserialize, Default)]
pub struct UnitsQuery {
    parent: Option<i64>,
    done: Option<String>,
}

fn units_page(
    state: &AppState,
    staff: &Staff,
    parent: UnitId,
    notice: Option<String>,
    errors: Vec<String>,
) -> UnitsPage {
    let tr = staff.tr;
    let org = state.org();
    let root = staff.caller.actor.unit_id;
    let crumbs = org
        .lineage(parent)
        .iter()
        .filter(|u| org.is_within(**u, root))
        .filter_map(|u| org.get(*u).map(|x| (u.0, x.name.clone())))
        .collect();
    let parent_kind = org.get(parent).map(|u| u.kind);
    UnitsPage {
        parents: move_targets(&org, parent, root),
        frame: frame(staff, "/admin/units"),
        parent_id: parent.0,
        crumbs,
        children: org
            .iter()
            .filter(|u| u.parent_id == Some(parent))
            .map(|u| UnitLine {
                id: u.id.0,
                name: u.name.clone(),
                kind: tr.of("unitkind", u.kind.as_str()),
                code: u.code.clone().unwrap_or_default(),
            })
            .collect(),
        kinds: UnitKind::ALL
            .iter()
            .filter(|k| k.may_sit_under(parent_kind))
            .map(|k| (k.as_str().into(), tr.of("unitkind", k.as_str())))
            .collect(),
        notice,
        errors,
    }
}

pub async fn units(State(state): State<AppState>, staff: Staff, Query(q): Query<UnitsQuery>) -> Response {
    let parent = match admin_unit(&state, &staff, q.parent) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let notice = q.done.map(|_| staff.tr.t("admin-updated"));
    render(staff.tr, &units_page(&state, &staff, parent, notice, vec![]))
}

#[derive(Deserialize)]
pub struct UnitForm {
    csrf: String,
    parent: i64,
    #[serde(default)]
    kind: Option<String>,
    name: String,
    #[serde(default)]
    code: Option<String>,
}

pub async fn add_unit_form(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<UnitForm>,
) -> Response {
    if !staff.csrf_ok(&form.csrf) {
        return UiError::csrf(staff.tr).into_response();
    }
    let Some(kind) = form.kind.as_deref().and_then(UnitKind::parse) else {
        return UiError::not_found(staff.tr).into_response();
    };
    let code = form.code.filter(|c| !c.trim().is_empty());
    let req = NewUnitRequest { parent_id: form.parent, kind, name: form.name, code };
    match add_unit(&state, &staff.caller, req).await {
        Ok(_) => Redirect::to(&format!("/admin/units?parent={}&done=1", form.parent)).into_response(),
        Err(e) => {
            let Ok(parent) = unit_in_scope(&state, &staff, Some(form.parent)) else {
                return UiError::not_found(staff.tr).into_response();
            };
            let errors = messages(&staff, &e);
            (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                render(staff.tr, &units_page(&state, &staff, parent, None, errors)),
            )
                .into_response()
        }
    }
}

pub async fn rename_unit(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<UnitForm>,
) -> Response {
    let tr = staff.tr;
    if let Err(e) = admin_post(&staff, &form.csrf) {
        return e.into_response();
    }
    let unit = match unit_in_scope(&state, &staff, Some(id)) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let name = match minsheng_domain::text::required("name", &form.name, 60) {
        Ok(n) => n,
        Err(e) => {
            let errors = messages(&staff, &ApiError::Invalid(vec![e]));
            let parent = unit_in_scope(&state, &staff, Some(form.parent)).unwrap_or(unit);
            return render(tr, &units_page(&state, &staff, parent, None, errors));
        }
    };
    let code = match minsheng_domain::text::optional("code", form.code.as_deref(), 20) {
        Ok(c) => c,
        Err(e) => {
            let errors = messages(&staff, &ApiError::Invalid(vec![e]));
            let parent = unit_in_scope(&state, &staff, Some(form.parent)).unwrap_or(unit);
            return render(tr, &units_page(&state, &staff, parent, None, errors));
        }
    };
    if let Err(e) = state.store.rename_unit(unit, name, code).await {
        return UiError::new(tr, e.into()).into_response();
    }
    if let Err(e) = state.reload().await {
        return UiError::new(tr, e.into()).into_response();
    }
    Redirect::to(&format!("/admin/units?parent={}&done=1", form.parent)).into_response()
}

#[derive(Deserialize, Default)]
pub struct UsersQuery {
    unit: Option<i64>,
    done: Option<String>,
}

async fn users_page(
    state: &AppState,
    staff: &Staff,
    unit: UnitId,
    notice: Option<String>,
    errors: Vec<String>,
) -> Result<UsersPage, ApiError> {
    let tr = staff.tr;
    let org = state.org();
    let path = org.path(unit).ok_or(ApiError::NotFound)?;
    // The unit's own users; those of units below are one click down the tree (a county's
    // whole subtree would be a page of thousands).
    let users: Vec<_> =
        state.store.users(&Scope::subtree(path)).await?.into_iter().filter(|u| u.unit_id == unit).collect();
    Ok(UsersPage {
        frame: frame(staff, "/admin/users"),
        unit_id: unit.0,
        unit_name: match org.full_name(unit) {
            name if name.is_empty() => org.get(unit).map(|u| u.name.clone()).unwrap_or_default(),
            name => name,
        },
        users: users
            .into_iter()
            .map(|u| UserLine {
                id: u.id.0,
                username: u.username,
                display_name: u.display_name,
                role: u.role.as_str().into(),
                unit: org.full_name(u.unit_id),
                active: u.active,
            })
            .collect(),
        roles: Role::ALL.iter().map(|r| (r.as_str().into(), tr.of("role", r.as_str()))).collect(),
        notice,
        errors,
    })
}

pub async fn users(State(state): State<AppState>, staff: Staff, Query(q): Query<UsersQuery>) -> Response {
    let unit = match admin_unit(&state, &staff, q.unit) {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let notice = q.done.map(|_| staff.tr.t("admin-updated"));
    match users_page(&state, &staff, unit, notice, vec![]).await {
        Ok(p) => render(staff.tr, &p),
        Err(e) => UiError::new(staff.tr, e).into_response(),
    }
}

#[derive(Deserialize)]
pub struct NewUserForm {
    csrf: String,
    unit_id: i64,
    username: String,
    display_name: String,
    role: String,
    password: String,
}

pub async fn add_user_form(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<NewUserForm>,
) -> Response {
    let tr = staff.tr;
    if !staff.csrf_ok(&form.csrf) {
        return UiError::csrf(tr).into_response();
    }
    let Some(role) = Role::parse(&form.role) else { return UiError::not_found(tr).into_response() };
    let unit = form.unit_id;
    let req = NewUserRequest {
        username: form.username,
        display_name: form.display_name,
        role,
        unit_id: unit,
        password: form.password,
    };
    match add_user(&state, &staff.caller, req).await {
        Ok(_) => Redirect::to(&format!("/admin/users?unit={unit}&done=1")).into_response(),
        Err(e) => {
            let Ok(unit) = unit_in_scope(&state, &staff, Some(unit)) else {
                return UiError::not_found(tr).into_response();
            };
            match users_page(&state, &staff, unit, None, messages(&staff, &e)).await {
                Ok(p) => (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(tr, &p)).into_response(),
                Err(e) => UiError::new(tr, e).into_response(),
            }
        }
    }
}

#[derive(Deserialize)]
pub struct UserForm {
    csrf: String,
    back: i64,
    display_name: String,
    role: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

pub async fn update_user(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<UserForm>,
) -> Response {
    let tr = staff.tr;
    if let Err(e) = admin_post(&staff, &form.csrf) {
        return e.into_response();
    }
    let found = match state.store.users_by_id(&[UserId(id)]).await {
        Ok(mut u) => u.pop(),
        Err(e) => return UiError::new(tr, e.into()).into_response(),
    };
    let org = state.org();
    let Some(mut user) = found.filter(|u| org.is_within(u.unit_id, staff.caller.actor.unit_id)) else {
        return UiError::not_found(tr).into_response();
    };
    let Some(role) = Role::parse(&form.role) else { return UiError::not_found(tr).into_response() };
    let mut errors = vec![];
    match minsheng_domain::text::required("display_name", &form.display_name, 60) {
        Ok(n) => user.display_name = n,
        Err(e) => errors.extend(messages(&staff, &ApiError::Invalid(vec![e]))),
    }
    let password = form.password.filter(|p| !p.is_empty());
    if password.as_ref().is_some_and(|p| p.chars().count() < 8) {
        errors.push(tr.t("password-short"));
    }
    let back = unit_in_scope(&state, &staff, Some(form.back)).unwrap_or(staff.caller.actor.unit_id);
    if !errors.is_empty() {
        return match users_page(&state, &staff, back, None, errors).await {
            Ok(p) => (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(tr, &p)).into_response(),
            Err(e) => UiError::new(tr, e).into_response(),
        };
    }
    user.role = role;
    user.active = form.active.as_deref() == Some("true");
    let user_id = user.id;
    let saved = async {
        state.store.update_user(user).await?;
        if let Some(p) = password {
            let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&p))
                .await
                .map_err(|_| ApiError::Internal)??;
            state.store.set_password(user_id, hash).await?;
            state.store.revoke_user_tokens(user_id, None).await?;
        }
        Ok::<_, ApiError>(())
    };
    if let Err(e) = saved.await {
        return UiError::new(tr, e).into_response();
    }
    state.tokens.forget_user(user_id);
    Redirect::to(&format!("/admin/users?unit={}&done=1", back.0)).into_response()
}

#[derive(Template)]
#[template(path = "admin_categories.html")]
pub struct CategoriesPage {
    pub frame: Frame,
    /// (code, 中文, English)
    pub categories: Vec<(String, String, String)>,
    pub notice: Option<String>,
    pub errors: Vec<String>,
}

fn categories_page(
    state: &AppState,
    staff: &Staff,
    notice: Option<String>,
    errors: Vec<String>,
) -> CategoriesPage {
    CategoriesPage {
        frame: frame(staff, "/admin/categories"),
        categories: state
            .catalogue()
            .all()
            .iter()
            .map(|c| (c.code.0.clone(), c.name_zh.clone(), c.name_en.clone()))
            .collect(),
        notice,
        errors,
    }
}

pub async fn categories(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<UsersQuery>,
) -> Response {
    if let Err(e) = admin_only(&staff) {
        return e.into_response();
    }
    let notice = q.done.map(|_| staff.tr.t("admin-created"));
    render(staff.tr, &categories_page(&state, &staff, notice, vec![]))
}

#[derive(Deserialize)]
pub struct CategoryForm {
    csrf: String,
    code: String,
    name_zh: String,
    name_en: String,
}

/// Adds a category. Categories are shared by the whole installation, so only an
/// administrator at the root of the tree may add one.
pub async fn add_category(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<CategoryForm>,
) -> Response {
    let tr = staff.tr;
    if !staff.csrf_ok(&form.csrf) {
        return UiError::csrf(tr).into_response();
    }
    let at_root = state.org().get(staff.caller.actor.unit_id).is_some_and(|u| u.parent_id.is_none());
    if !staff.caller.actor.role.administers() || !at_root {
        return UiError::new(tr, ApiError::Forbidden(Denial::Role)).into_response();
    }
    let code = form.code.trim().to_owned();
    let valid = (2..=32).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && state.catalogue().get(&code).is_none();
    let zh = minsheng_domain::text::required("name_zh", &form.name_zh, 30);
    let en = minsheng_domain::text::required("name_en", &form.name_en, 60);
    let (true, Ok(name_zh), Ok(name_en)) = (valid, zh, en) else {
        let errors = vec![tr.t("admin-bad-code")];
        return (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            render(tr, &categories_page(&state, &staff, None, errors)),
        )
            .into_response();
    };
    let mut all = state.catalogue().all().to_vec();
    all.push(minsheng_domain::Category { code: minsheng_domain::CategoryCode(code), name_zh, name_en });
    let saved = async {
        state.store.ensure_categories(all).await?;
        state.reload().await
    };
    if let Err(e) = saved.await {
        return UiError::new(tr, e.into()).into_response();
    }
    Redirect::to("/admin/categories?done=1").into_response()
}

#[derive(Template)]
#[template(path = "admin_user_units.html")]
pub struct UserUnitsPage {
    pub frame: Frame,
    pub id: i64,
    pub name: String,
    pub home: i64,
    /// (unit, name, chosen)
    pub units: Vec<(i64, String, bool)>,
}

/// A user in the administrator's subtree.
async fn user_in_scope(
    state: &AppState,
    staff: &Staff,
    id: i64,
) -> Result<minsheng_store::UserRecord, UiError> {
    let found = state.store.users_by_id(&[UserId(id)]).await.map_err(|e| UiError::new(staff.tr, e.into()))?;
    let org = state.org();
    found
        .into_iter()
        .find(|u| org.is_within(u.unit_id, staff.caller.actor.unit_id))
        .ok_or_else(|| UiError::not_found(staff.tr))
}

pub async fn user_units(State(state): State<AppState>, staff: Staff, Path(id): Path<i64>) -> Response {
    if let Err(e) = admin_only(&staff) {
        return e.into_response();
    }
    let user = match user_in_scope(&state, &staff, id).await {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let chosen = match state.store.extra_units(user.id).await {
        Ok(u) => u,
        Err(e) => return UiError::new(staff.tr, e.into()).into_response(),
    };
    let org = state.org();
    let page = UserUnitsPage {
        frame: frame(&staff, "/admin/users"),
        id,
        name: user.display_name,
        home: user.unit_id.0,
        units: org
            .iter()
            .filter(|u| {
                matches!(
                    u.kind,
                    UnitKind::County | UnitKind::Township | UnitKind::Department | UnitKind::Committee
                )
            })
            .filter(|u| org.is_within(u.id, staff.caller.actor.unit_id) && u.id != user.unit_id)
            .map(|u| {
                (
                    u.id.0,
                    org.full_name(u.id).chars().collect::<String>().trim().to_owned(),
                    chosen.contains(&u.id),
                )
            })
            .map(|(i, n, c)| {
                if n.is_empty() {
                    (i, org.get(UnitId(i)).map(|u| u.name.clone()).unwrap_or_default(), c)
                } else {
                    (i, n, c)
                }
            })
            .collect(),
    };
    render(staff.tr, &page)
}

/// Saves a user's extra units: only units in the administrator's own subtree.
pub async fn save_user_units(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let tr = staff.tr;
    let csrf = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
    if let Err(e) = admin_post(&staff, csrf) {
        return e.into_response();
    }
    let user = match user_in_scope(&state, &staff, id).await {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let org = state.org();
    let units: Vec<UnitId> = fields
        .iter()
        .filter(|(k, _)| k == "unit")
        .filter_map(|(_, v)| v.parse::<i64>().ok().map(UnitId))
        .filter(|u| org.is_within(*u, staff.caller.actor.unit_id) && *u != user.unit_id)
        .take(50)
        .collect();
    if let Err(e) = state.store.set_extra_units(user.id, units).await {
        return UiError::new(tr, e.into()).into_response();
    }
    Redirect::to(&format!("/admin/users?unit={}&done=1", user.unit_id)).into_response()
}

/// Units the unit may move under: in the administrator's subtree, of a kind that may hold it,
/// not inside it, not its parent already. Never the administrator's own root.
fn move_targets(org: &minsheng_domain::OrgTree, unit: UnitId, root: UnitId) -> Vec<(i64, String)> {
    let Some(this) = org.get(unit) else { return vec![] };
    if unit == root || this.parent_id.is_none() {
        return vec![];
    }
    org.iter()
        .filter(|p| org.is_within(p.id, root) && !org.is_within(p.id, unit) && Some(p.id) != this.parent_id)
        .filter(|p| this.kind.may_sit_under(Some(p.kind)))
        .map(|p| {
            let name = org.full_name(p.id);
            (p.id.0, if name.is_empty() { p.name.clone() } else { name })
        })
        .collect()
}

#[derive(Deserialize)]
pub struct MoveForm {
    csrf: String,
    parent: i64,
}

/// Moves a unit, with everything below it and the matters placed there, under a new parent.
pub async fn move_unit(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> Response {
    let tr = staff.tr;
    if let Err(e) = admin_post(&staff, &form.csrf) {
        return e.into_response();
    }
    let org = state.org();
    let unit = UnitId(id);
    let target = UnitId(form.parent);
    let allowed = move_targets(&org, unit, staff.caller.actor.unit_id).iter().any(|(p, _)| *p == target.0);
    let (Some(old), Some(parent_path), true) = (org.path(unit), org.path(target), allowed) else {
        return UiError::new(tr, ApiError::Forbidden(Denial::OutOfScope)).into_response();
    };
    let new = format!("{parent_path}{id}/");
    let moved = async {
        state.store.move_unit(unit, target, old, new).await?;
        state.reload().await
    };
    if let Err(e) = moved.await {
        return UiError::new(tr, e.into()).into_response();
    }
    Redirect::to(&format!("/admin/units?parent={id}&done=1")).into_response()
}
