//! Who is calling. Passwords are hashed with argon2id and checked only at login; API tokens are
//! 256 random bits, stored as their SHA-256, so checking one per request costs a hash and an
//! index lookup, never a slow password hash. [`Caller`] is the extractor every protected
//! handler takes; it also yields the caller's [`Scope`] for the store.

use crate::problem::ApiError;
use crate::state::AppState;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use minsheng_domain::chain::Digest;
use minsheng_domain::{Actor, OrgTree};
use minsheng_store::{Scope, UserRecord};
use sha2::{Digest as _, Sha256};

/// Hashes a password with argon2id and a random salt (CPU-heavy: call off the async threads).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        ApiError::Internal
    })
}

/// Checks a password against a stored hash (CPU-heavy: call off the async threads).
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// Runs a password check with at most one check per core at a time: each costs ~19 MiB and
/// tens of milliseconds of CPU, and sign-in needs no account, so unbounded checks would let
/// anyone exhaust the server.
pub async fn verify_password_bounded(password: &str, hash: String) -> Result<bool, ApiError> {
    static CHECKS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let checks = CHECKS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2))
    });
    let _permit = checks.acquire().await.map_err(|_| ApiError::Unavailable)?;
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|_| ApiError::Internal)
}

/// A hash of a password nobody has, verified when the username is unknown so that a wrong
/// username costs the same time as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy-password-nobody-has").unwrap_or_default())
}

/// A new token: the secret to hand out once, and the digest to store.
pub fn new_token() -> Result<(String, Digest), ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::Internal)?;
    let secret = format!("ms_{}", hex(&bytes));
    let digest = token_digest(&secret);
    Ok((secret, digest))
}

pub fn token_digest(secret: &str) -> Digest {
    Sha256::digest(secret.as_bytes()).into()
}

/// A random password for the first administrator: 20 characters from an unambiguous alphabet.
pub fn random_password() -> Result<String, ApiError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::Internal)?;
    Ok(bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: UserRecord,
    pub actor: Actor,
    /// The store scope: the caller's unit subtree.
    pub scope: Scope,
    /// The token digest the caller presented.
    pub token: Digest,
}

impl Caller {
    pub fn of(user: UserRecord, org: &OrgTree, token: Digest) -> Option<Self> {
        let path = org.path(user.unit_id)?;
        let actor = Actor { user_id: user.id, role: user.role, unit_id: user.unit_id };
        Some(Self { user, actor, scope: Scope::subtree(path), token })
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let secret = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or(ApiError::Unauthorized)?;
        caller_for(state, secret).await?.ok_or(ApiError::Unauthorized)
    }
}

/// The caller holding the token or session secret `secret`, if it is valid.
pub async fn caller_for(state: &AppState, secret: &str) -> Result<Option<Caller>, ApiError> {
    let digest = token_digest(secret);
    let now = state.clock.now();
    let user = match state.tokens.get(&digest, now) {
        Some(user) => user,
        None => match state.store.token_user(&digest, now).await? {
            Some(user) => {
                state.tokens.put(digest, user.clone(), now);
                user
            }
            None => return Ok(None),
        },
    };
    let org = state.org_knowing(&[user.unit_id.0]).await;
    Ok(Caller::of(user, &org, digest))
}

/// Failed sign-ins within [`LOCKOUT_WINDOW`] that lock an account.
pub const LOCKOUT_AFTER: i64 = 5;
/// How far back failures count, and how long a lockout lasts at most.
pub const LOCKOUT_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_mins(15);

/// Checks a username and password, with lockout after repeated failures. Used by the API's
/// token endpoint and the staff login page alike.
pub async fn sign_in(state: &AppState, username: &str, password: &str) -> Result<UserRecord, ApiError> {
    let username = username.trim();
    let now = state.clock.now();
    let since = now.checked_sub(LOCKOUT_WINDOW).map_err(|_| ApiError::Internal)?;
    if state.store.login_failures(username, since).await? >= LOCKOUT_AFTER {
        return Err(ApiError::LockedOut { minutes: LOCKOUT_WINDOW.as_mins() });
    }
    let found = state.store.credentials(username).await?;
    let hash = found.as_ref().map(|c| c.password_hash.clone()).unwrap_or_else(|| decoy_hash().to_owned());
    let ok = verify_password_bounded(password, hash).await?;
    match found {
        Some(c) if ok && c.user.active => {
            state.store.clear_login_failures(username).await?;
            Ok(c.user)
        }
        _ => {
            state.store.record_login_failure(username, now, since).await?;
            tracing::info!(%username, "sign-in refused");
            Err(ApiError::BadCredentials)
        }
    }
}

/// Recently checked tokens, so that a busy client costs one database lookup a minute rather
/// than one a request. A revocation on this node takes effect at once; on other nodes of a
/// PostgreSQL deployment within [`TokenCache::TTL`].
#[derive(Default)]
pub struct TokenCache {
    entries: std::sync::RwLock<std::collections::HashMap<Digest, (UserRecord, jiff::Timestamp)>>,
}

impl TokenCache {
    pub const TTL: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);
    const MAX: usize = 10_000;

    pub fn get(&self, digest: &Digest, now: jiff::Timestamp) -> Option<UserRecord> {
        let entries = self.entries.read().ok()?;
        let (user, checked) = entries.get(digest)?;
        (now < *checked + Self::TTL).then(|| user.clone())
    }

    pub fn put(&self, digest: Digest, user: UserRecord, now: jiff::Timestamp) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= Self::MAX {
                entries.retain(|_, (_, checked)| now < *checked + Self::TTL);
                if entries.len() >= Self::MAX {
                    entries.clear();
                }
            }
            entries.insert(digest, (user, now));
        }
    }

    /// Forgets every cached token of `user` (after a password change).
    pub fn forget_user(&self, user: minsheng_domain::UserId) {
        if let Ok(mut entries) = self.entries.write() {
            entries.retain(|_, (u, _)| u.id != user);
        }
    }

    pub fn forget(&self, digest: &Digest) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(digest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens() {
        let hash = hash_password("正确的密码123").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("正确的密码123", &hash));
        assert!(!verify_password("wrong", &hash));
        let (secret, digest) = new_token().unwrap();
        assert_eq!(secret.len(), 3 + 64);
        assert_eq!(token_digest(&secret), digest);
        assert_ne!(new_token().unwrap().0, secret);
        assert_eq!(random_password().unwrap().len(), 20);
    }
}
