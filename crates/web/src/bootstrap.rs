//! First start: seed the default categories, a root unit, and the first administrator, so an
//! empty database becomes a usable installation.

use crate::auth;
use crate::problem::ApiError;
use crate::state::AppState;
use minsheng_domain::{Role, UnitKind};
use minsheng_store::{NewUnit, NewUser};

/// Where the first administrator's password came from.
#[derive(Debug, PartialEq, Eq)]
pub enum FirstAdmin {
    /// Users existed already; nothing was created.
    Existing,
    /// Created with the password the operator supplied.
    Supplied { username: String },
    /// Created with a generated password, to be shown once.
    Generated { username: String, password: String },
}

/// Seeds what an empty installation needs. `root_name` names the root unit if there is none.
pub async fn bootstrap(
    state: &AppState,
    root_name: &str,
    admin_user: Option<String>,
    admin_password: Option<String>,
) -> Result<FirstAdmin, ApiError> {
    state.store.ensure_categories(minsheng_domain::category::defaults()).await?;
    if state.org().is_empty() {
        let unit = NewUnit {
            parent_id: None,
            kind: UnitKind::County,
            name: root_name.to_owned(),
            code: None,
            parent_path: "/".into(),
        };
        state.store.create_unit(unit).await?;
    }
    state.reload().await?;
    if state.store.count_users().await? > 0 {
        return Ok(FirstAdmin::Existing);
    }
    let root = state.org().iter().find(|u| u.parent_id.is_none()).map(|u| u.id).ok_or(ApiError::Internal)?;
    let username = admin_user.filter(|u| !u.trim().is_empty()).unwrap_or_else(|| "admin".into());
    let (password, generated) = match admin_password.filter(|p| !p.is_empty()) {
        Some(p) => (p, false),
        None => (auth::random_password()?, true),
    };
    let hash = {
        let p = password.clone();
        tokio::task::spawn_blocking(move || auth::hash_password(&p))
            .await
            .map_err(|_| ApiError::Internal)??
    };
    state
        .store
        .create_user(NewUser {
            username: username.clone(),
            display_name: "系统管理员".into(),
            role: Role::Admin,
            unit_id: root,
            password_hash: hash,
            created_at: state.clock.now(),
        })
        .await?;
    Ok(if generated {
        FirstAdmin::Generated { username, password }
    } else {
        FirstAdmin::Supplied { username }
    })
}
