//! `/api/v1/auth/token`: trade a username and password for a bearer token, or give one back.

use crate::auth::{self, Caller};
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use minsheng_store::{NewToken, TokenKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`. Shown once; only its hash is kept.
    pub token: String,
    pub expires_at: jiff::Timestamp,
}

/// Sign in: a bearer token for the API.
#[utoipa::path(
    post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses(
        (status = 201, body = TokenResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Locked after repeated failures", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn issue(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<TokenRequest>,
) -> Result<(StatusCode, Json<TokenResponse>), ApiError> {
    let user = auth::sign_in(&state, &req.username, &req.password).await?;
    let (secret, digest) = auth::new_token()?;
    let now = state.clock.now();
    let expires_at = now.checked_add(state.settings.token_ttl).map_err(|_| ApiError::Internal)?;
    state
        .store
        .create_token(NewToken {
            hash: digest,
            user_id: user.id,
            kind: TokenKind::Api,
            created_at: now,
            expires_at,
        })
        .await?;
    tracing::info!(user = %user.username, "token issued");
    Ok((StatusCode::CREATED, Json(TokenResponse { token: secret, expires_at })))
}

/// Sign out: the presented token stops working.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth", responses((status = 204)), security(("bearer" = [])))]
pub async fn revoke(State(state): State<AppState>, caller: Caller) -> Result<StatusCode, ApiError> {
    state.store.revoke_token(&caller.token).await?;
    state.tokens.forget(&caller.token);
    Ok(StatusCode::NO_CONTENT)
}
