//! Signing in and out, the language switch, and changing one's password.

use super::error::UiError;
use super::i18n::{LANG_COOKIE, Tr};
use super::pages::{Frame, LoginPage, PasswordPage};
use super::session::{self, LOGIN_COOKIE, SESSION_COOKIE, Staff, cookie, tr_of};
use crate::auth;
use crate::problem::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minsheng_store::{NewToken, TokenKind};
use serde::Deserialize;

/// Renders a template, or the error page if rendering fails.
pub fn render(tr: Tr, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "page failed to render");
            UiError::new(tr, ApiError::Internal).into_response()
        }
    }
}

/// Only paths on this site: `/x`, never `//host`, `/\\host`, or anything with whitespace or
/// control characters (browsers drop tabs and newlines, turning `/\t/host` into `//host`).
fn safe_next(next: Option<&str>) -> String {
    let ok = |n: &str| {
        n.starts_with('/')
            && !n[1..].starts_with(['/', '\\'])
            && !n.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    };
    match next {
        Some(n) if ok(n) => n.to_owned(),
        _ => "/".into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_site() {
        for good in ["/", "/matters/5", "/matters?kind=dispute&status=closed"] {
            assert_eq!(super::safe_next(Some(good)), good);
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "https://evil.example",
            "/ /x",
            "/a\nb",
            "",
            "x",
        ] {
            assert_eq!(super::safe_next(Some(bad)), "/", "{bad:?}");
        }
    }
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    bye: Option<String>,
}

fn random_hex() -> Result<String, ApiError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::Internal)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The login form, with a fresh double-submit token.
fn login_page(state: &AppState, tr: Tr, jar: CookieJar, page: LoginPage) -> Response {
    let jar = jar.add(cookie(LOGIN_COOKIE, page.csrf.clone(), 3600, state.settings.secure_cookies));
    (jar, render(tr, &page)).into_response()
}

pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> Response {
    let tr = tr_of(&headers);
    let Ok(csrf) = random_hex() else { return UiError::new(tr, ApiError::Internal).into_response() };
    let notice = q.bye.map(|_| tr.t("login-signed-out"));
    let page = LoginPage {
        tr,
        csrf,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        message: None,
        notice,
    };
    login_page(&state, tr, jar, page)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    let tr = tr_of(&headers);
    let expected = jar.get(LOGIN_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if expected.is_empty() || !session::constant_time_eq(expected.as_bytes(), form.csrf.as_bytes()) {
        return UiError::csrf(tr).into_response();
    }
    let next = safe_next(form.next.as_deref());
    let user = match auth::sign_in(&state, &form.username, &form.password).await {
        Ok(user) => user,
        Err(e) => {
            let message = match e {
                ApiError::BadCredentials => tr.t("login-failed"),
                ApiError::LockedOut { minutes } => tr.t1("login-locked", "minutes", minutes),
                other => return UiError::new(tr, other).into_response(),
            };
            let Ok(csrf) = random_hex() else { return UiError::new(tr, ApiError::Internal).into_response() };
            let page =
                LoginPage { tr, csrf, next, username: form.username, message: Some(message), notice: None };
            return login_page(&state, tr, jar, page);
        }
    };
    let Ok((secret, digest)) = auth::new_token() else {
        return UiError::new(tr, ApiError::Internal).into_response();
    };
    let now = state.clock.now();
    let ttl = state.settings.session_ttl;
    let Ok(expires_at) = now.checked_add(ttl) else {
        return UiError::new(tr, ApiError::Internal).into_response();
    };
    let token =
        NewToken { hash: digest, user_id: user.id, kind: TokenKind::Session, created_at: now, expires_at };
    if let Err(e) = state.store.create_token(token).await {
        return UiError::new(tr, e.into()).into_response();
    }
    tracing::info!(user = %user.username, "signed in");
    // The user's own language, wherever they sign in.
    let jar = match state.store.user_lang(user.id).await {
        Ok(Some(lang)) => jar.add(cookie(LANG_COOKIE, lang, 3600 * 24 * 365, state.settings.secure_cookies)),
        _ => jar,
    };
    let jar = jar
        .remove(axum_extra::extract::cookie::Cookie::build(LOGIN_COOKIE).path("/").build())
        .add(cookie(SESSION_COOKIE, secret, ttl.as_secs(), state.settings.secure_cookies));
    (jar, Redirect::to(&next)).into_response()
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    staff: Staff,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !staff.csrf_ok(&form.csrf) {
        return UiError::csrf(staff.tr).into_response();
    }
    if let Err(e) = state.store.revoke_token(&staff.caller.token).await {
        return UiError::new(staff.tr, e.into()).into_response();
    }
    state.tokens.forget(&staff.caller.token);
    let jar = jar.remove(axum_extra::extract::cookie::Cookie::build(SESSION_COOKIE).path("/").build());
    (jar, Redirect::to("/login?bye=1")).into_response()
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// Remembers the chosen language in a cookie and, for a signed-in user, in their profile, so
/// that it follows them to any browser; then goes back.
pub async fn switch_language(
    State(state): State<AppState>,
    Path(code): Path<String>,
    jar: CookieJar,
    Query(q): Query<NextQuery>,
) -> Response {
    let value = if code == "en" { "en" } else { "zh-CN" };
    if let Some(secret) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned())
        && let Ok(Some(caller)) = auth::caller_for(&state, &secret).await
        && let Err(e) = state.store.set_user_lang(caller.user.id, value).await
    {
        tracing::warn!(error = %e, "could not remember the language");
    }
    let jar = jar.add(cookie(LANG_COOKIE, value.into(), 3600 * 24 * 365, state.settings.secure_cookies));
    (jar, Redirect::to(&safe_next(q.next.as_deref()))).into_response()
}

pub fn frame(staff: &Staff, path: &str) -> Frame {
    Frame {
        tr: staff.tr,
        name: staff.caller.user.display_name.clone(),
        csrf: staff.csrf.clone(),
        path: session::urlencode(path),
        admin: staff.caller.actor.role.administers(),
        units: if staff.units.len() > 1 { staff.units.clone() } else { vec![] },
        unit: staff.caller.actor.unit_id.0,
    }
}

pub async fn password_form(staff: Staff) -> Response {
    let page = PasswordPage { frame: frame(&staff, "/account/password"), notice: None, errors: vec![] };
    render(staff.tr, &page)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<PasswordForm>,
) -> Response {
    let tr = staff.tr;
    if !staff.csrf_ok(&form.csrf) {
        return UiError::csrf(tr).into_response();
    }
    let mut errors = vec![];
    if form.new.chars().count() < 8 {
        errors.push(tr.t("password-short"));
    }
    if form.new != form.repeat {
        errors.push(tr.t("password-mismatch"));
    }
    if errors.is_empty() {
        match auth::sign_in(&state, &staff.caller.user.username, &form.current).await {
            Ok(_) => {}
            Err(ApiError::BadCredentials) => errors.push(tr.t("password-wrong")),
            Err(ApiError::LockedOut { minutes }) => errors.push(tr.t1("login-locked", "minutes", minutes)),
            Err(e) => return UiError::new(tr, e).into_response(),
        }
    }
    if !errors.is_empty() {
        return render(tr, &PasswordPage { frame: frame(&staff, "/account/password"), notice: None, errors });
    }
    let new = form.new;
    let hash = match tokio::task::spawn_blocking(move || auth::hash_password(&new)).await {
        Ok(Ok(hash)) => hash,
        _ => return UiError::new(tr, ApiError::Internal).into_response(),
    };
    let user = staff.caller.user.id;
    let done = async {
        state.store.set_password(user, hash).await?;
        state.store.revoke_user_tokens(user, Some(&staff.caller.token)).await
    };
    if let Err(e) = done.await {
        return UiError::new(tr, e.into()).into_response();
    }
    state.tokens.forget_user(user);
    let notice = Some(tr.t("password-changed"));
    render(tr, &PasswordPage { frame: frame(&staff, "/account/password"), notice, errors: vec![] })
}

#[derive(Deserialize, Default)]
pub struct UnitQuery {
    unit: Option<i64>,
    next: Option<String>,
}

/// Acts for another of the user's units from now on (a cookie, checked on every request).
pub async fn switch_unit(
    State(state): State<AppState>,
    staff: Staff,
    jar: CookieJar,
    Query(q): Query<UnitQuery>,
) -> Response {
    let Some(unit) = q.unit.filter(|u| staff.units.iter().any(|(id, _)| id == u)) else {
        return UiError::not_found(staff.tr).into_response();
    };
    let jar = jar.add(cookie(
        session::UNIT_COOKIE,
        unit.to_string(),
        3600 * 24 * 30,
        state.settings.secure_cookies,
    ));
    (jar, Redirect::to(&safe_next(q.next.as_deref()))).into_response()
}
