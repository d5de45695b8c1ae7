//! Browser sessions: the `ms_session` cookie (HttpOnly, SameSite=Strict, Secure behind HTTPS)
//! holds a random secret whose SHA-256 is stored like an API token, with a shorter life. The
//! [`Staff`] extractor admits signed-in users and sends others to the login page. Every form
//! that changes state carries a CSRF token derived from the session secret.

use super::i18n::{LANG_COOKIE, Tr};
use crate::auth::{self, Caller};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "ms_session";
/// The unit a user with several acts for now (their own when absent or not theirs).
pub const UNIT_COOKIE: &str = "ms_unit";
/// The double-submit token of the login form, before there is a session.
pub const LOGIN_COOKIE: &str = "ms_login";

/// A signed-in member of staff, with their language and the CSRF token for their forms.
pub struct Staff {
    pub caller: Caller,
    pub tr: Tr,
    pub csrf: String,
    /// Units the user may act for, their own first: (id, name). One entry for most users.
    pub units: Vec<(i64, String)>,
}

impl Staff {
    /// Is `submitted` this session's CSRF token?
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        constant_time_eq(self.csrf.as_bytes(), submitted.as_bytes())
    }
}

/// The CSRF token of a session: a digest of its secret, which only the cookie's holder knows.
pub fn csrf_for(secret: &str) -> String {
    let digest = Sha256::new().chain_update(b"minsheng-csrf\0").chain_update(secret.as_bytes()).finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The language of a request: its cookie, else `Accept-Language`.
pub fn tr_of(parts_headers: &axum::http::HeaderMap) -> Tr {
    let jar = CookieJar::from_headers(parts_headers);
    Tr::from_request(parts_headers, jar.get(LANG_COOKIE).map(|c| c.value()))
}

/// A cookie with the attributes every Minsheng cookie has.
pub fn cookie(name: &'static str, value: String, max_age_secs: i64, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
}

/// Where to send someone who is not signed in: the login page, remembering where they were.
fn to_login(parts: &Parts) -> Response {
    let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let target = if next == "/" { "/login".to_owned() } else { format!("/login?next={}", urlencode(next)) };
    Redirect::to(&target).into_response()
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let tr = tr_of(&parts.headers);
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(secret) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Err(to_login(parts));
        };
        let mut caller = match auth::caller_for(state, &secret).await {
            Ok(Some(caller)) => caller,
            Ok(None) => return Err(to_login(parts)),
            Err(e) => return Err(super::error::UiError::new(tr, e).into_response()),
        };
        let extra = match state.store.extra_units(caller.user.id).await {
            Ok(u) => u,
            Err(e) => return Err(super::error::UiError::new(tr, e.into()).into_response()),
        };
        let org = state.org();
        let home = caller.user.unit_id;
        let units: Vec<(i64, String)> = std::iter::once(home)
            .chain(extra.iter().copied().filter(|u| *u != home))
            .filter_map(|u| org.get(u).map(|x| (u.0, x.name.clone())))
            .collect();
        // Acting for another of the user's units: its subtree becomes the scope.
        let chosen = jar.get(UNIT_COOKIE).and_then(|c| c.value().parse::<i64>().ok());
        if let Some(unit) = chosen.map(minsheng_domain::UnitId).filter(|u| *u != home && extra.contains(u))
            && let Some(path) = org.path(unit)
        {
            caller.actor.unit_id = unit;
            caller.scope = minsheng_store::Scope::subtree(path);
        }
        Ok(Staff { caller, tr, csrf: csrf_for(&secret), units })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_follow_the_session() {
        assert_eq!(csrf_for("a"), csrf_for("a"));
        assert_ne!(csrf_for("a"), csrf_for("b"));
        assert_eq!(csrf_for("a").len(), 32);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert_eq!(urlencode("/matters/5?x=枫"), "/matters/5%3Fx%3D%E6%9E%AB");
    }
}
