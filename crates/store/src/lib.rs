//! Storage for Minsheng: one [`Store`] trait and two engines behind it, SQLite (the embedded
//! default) and PostgreSQL. The SQL lives only in `sqlite/` and `postgres/`; the group-commit
//! plan both engines follow lives in [`plan`]. Every read of matters takes a [`Scope`], so no
//! caller can list or fetch a matter outside the user's unit subtree.

pub mod model;
pub mod plan;
pub mod postgres;
pub mod scope;
pub mod sqlite;
pub mod warnings;

use async_trait::async_trait;
use minsheng_domain::chain::Digest;
use minsheng_domain::{Category, MatterId, RecordedEvent, Unit, UnitId, UserId};
use std::path::Path;
use std::sync::Arc;

pub use model::*;
pub use scope::Scope;
pub use warnings::{WarningEntry, WarningFilter, WarningRecord};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("postgres pool: {0}")]
    Pool(String),
    #[error("{0} already exists")]
    Duplicate(&'static str),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    #[error("the writer has stopped")]
    Closed,
    #[error("{0}")]
    Unsupported(&'static str),
    #[error("bad database address: {0}")]
    BadUrl(String),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything Minsheng keeps. Implemented by [`sqlite::SqliteStore`] and [`postgres::PgStore`],
/// and tested by one conformance suite against both.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn engine(&self) -> &'static str;
    /// A cheap round trip, for readiness.
    async fn ping(&self) -> Result<()>;

    async fn units(&self) -> Result<Vec<Unit>>;
    async fn create_unit(&self, unit: NewUnit) -> Result<Unit>;
    /// Moves a unit (and everything below it) under another parent, rewriting the paths that
    /// scope queries use: the units', the matters' places and the access rows. `old_path` and
    /// `new_path` are the unit's own path before and after.
    async fn move_unit(
        &self,
        id: UnitId,
        new_parent: UnitId,
        old_path: String,
        new_path: String,
    ) -> Result<()>;
    /// Renames a unit (its place in the tree stays).
    async fn rename_unit(&self, id: UnitId, name: String, code: Option<String>) -> Result<()>;
    async fn categories(&self) -> Result<Vec<Category>>;
    /// Adds categories whose codes are not there yet.
    async fn ensure_categories(&self, categories: Vec<Category>) -> Result<()>;

    async fn count_users(&self) -> Result<i64>;
    async fn create_user(&self, user: NewUser) -> Result<UserRecord>;
    /// Changes a user's name, role, unit and whether they may sign in.
    async fn update_user(&self, user: UserRecord) -> Result<()>;
    async fn credentials(&self, username: &str) -> Result<Option<Credentials>>;
    /// The users with these ids (for naming who did what in a timeline).
    async fn users_by_id(&self, ids: &[UserId]) -> Result<Vec<UserRecord>>;
    /// Users whose unit lies in the scope.
    async fn users(&self, scope: &Scope) -> Result<Vec<UserRecord>>;

    async fn create_token(&self, token: NewToken) -> Result<()>;
    /// The active user holding an unexpired token with this hash.
    async fn token_user(&self, hash: &Digest, now: jiff::Timestamp) -> Result<Option<UserRecord>>;
    async fn revoke_token(&self, hash: &Digest) -> Result<()>;
    /// Every token of the user except `except` (the session that changed the password).
    async fn revoke_user_tokens(&self, user: UserId, except: Option<&Digest>) -> Result<()>;
    /// Replaces the user's argon2id hash.
    async fn set_password(&self, user: UserId, password_hash: String) -> Result<()>;

    /// Failed sign-ins for `username` since `since`, for lockout.
    async fn login_failures(&self, username: &str, since: jiff::Timestamp) -> Result<i64>;
    /// Records a failed sign-in; drops every record older than `keep_since`.
    async fn record_login_failure(
        &self,
        username: &str,
        at: jiff::Timestamp,
        keep_since: jiff::Timestamp,
    ) -> Result<()>;
    /// Forgets the failures after a successful sign-in.
    async fn clear_login_failures(&self, username: &str) -> Result<()>;

    /// Units the user may also act for, besides their own.
    async fn extra_units(&self, user: UserId) -> Result<Vec<UnitId>>;
    /// Replaces the user's extra units.
    async fn set_extra_units(&self, user: UserId, units: Vec<UnitId>) -> Result<()>;

    /// The interface language the user chose last (`zh-CN` or `en`), if any.
    async fn user_lang(&self, user: UserId) -> Result<Option<String>>;
    async fn set_user_lang(&self, user: UserId, lang: &str) -> Result<()>;

    /// The user's saved list filters, oldest first.
    async fn saved_filters(&self, user: UserId) -> Result<Vec<SavedFilter>>;
    async fn save_filter(&self, user: UserId, name: String, query: String) -> Result<SavedFilter>;
    /// Deletes one of the user's filters (someone else's is left alone).
    async fn delete_filter(&self, user: UserId, id: i64) -> Result<()>;

    // People's mediation: mediators' loads and specialities, committees' professional fields.
    /// How many matters not yet closed each of `mediators` mediates, one entry per id asked, in
    /// the order asked; a mediator with none gets 0.
    async fn mediator_loads(&self, mediators: &[UserId]) -> Result<Vec<(UserId, i64)>>;
    /// The specialities (category codes such as `neighbour`, `land`, `medical`) of each of
    /// `users`, one entry per id asked, in the order asked, each list sorted by code; a user
    /// with none gets an empty list.
    async fn mediator_specialities(&self, users: &[UserId]) -> Result<Vec<(UserId, Vec<String>)>>;
    /// Replaces the user's specialities.
    async fn set_mediator_specialities(&self, user: UserId, specialities: Vec<String>) -> Result<()>;
    /// The professional field (a category code such as `medical` or `traffic`) of every
    /// committee that has one, by unit id.
    async fn committee_fields(&self) -> Result<Vec<(UnitId, String)>>;
    /// Sets a professional committee's field; `None` removes it.
    async fn set_committee_field(&self, unit: UnitId, field: Option<String>) -> Result<()>;

    /// Appends one command's events, committed in a group with others. Durable on `Ok`.
    async fn append(&self, append: Append) -> Result<Appended, AppendError>;
    /// Appends many at once (imports, the demo); each gets its own outcome.
    async fn append_many(&self, appends: Vec<Append>) -> Vec<Result<Appended, AppendError>>;

    /// The matter's events in order, if it exists and is in scope.
    async fn events(&self, scope: &Scope, id: MatterId) -> Result<Option<Vec<RecordedEvent>>>;
    async fn list(&self, scope: &Scope, filter: &MatterFilter, page: Page) -> Result<ListPage>;
    /// How many matters in scope the filter finds, up to `cap` (then "cap or more").
    async fn count(&self, scope: &Scope, filter: &MatterFilter, cap: u32) -> Result<i64>;
    async fn count_matters(&self) -> Result<i64>;
    /// The log after `seq`, as (seq, matter) pairs in order, at most `limit`: what a follower
    /// of the log (the search index) has not applied yet. Sequence numbers are assigned under
    /// the chain head's lock, so none commits behind a later one.
    async fn log_after(&self, seq: i64, limit: u32) -> Result<Vec<(i64, MatterId)>>;
    /// The sequence number of the last event in the log (0 for an empty log).
    async fn log_head(&self) -> Result<i64>;

    /// Final petitions of `category` with any of these petitioner keys, newest first.
    async fn final_petitions(&self, keys: &[Digest], category: &str, limit: u32) -> Result<Vec<MatterId>>;

    /// Timers due at `now`, earliest first, at most `limit`: what one scheduler tick fires.
    async fn due_timers(&self, now: jiff::Timestamp, limit: u32) -> Result<Vec<DueTimer>>;
    /// Every matter's timers (tests and audits; unbounded).
    async fn timers_of(&self, id: MatterId) -> Result<Vec<minsheng_domain::clock::Timer>>;

    /// The holiday notices administrators entered, by year.
    async fn calendar_notices(&self) -> Result<Vec<minsheng_domain::calendar::Notice>>;
    /// Saves (or replaces) a year's notice.
    async fn save_calendar_notice(
        &self,
        notice: &minsheng_domain::calendar::Notice,
        by: UserId,
        at: jiff::Timestamp,
    ) -> Result<()>;

    /// A setting's JSON value, if it was ever set.
    async fn setting(&self, key: &str) -> Result<Option<String>>;
    /// Sets a setting and records the change in the settings log, in one transaction.
    async fn put_setting(&self, key: &str, value: &str, by: UserId, at: jiff::Timestamp) -> Result<()>;
    /// The latest changes of a setting, newest first.
    async fn setting_changes(&self, key: &str, limit: u32) -> Result<Vec<SettingChange>>;

    /// Raises a warning (its `id` and `version` are ignored) with the first line of its log,
    /// unless an open warning with the same key exists: then `None`, and nothing is written.
    async fn raise_warning(
        &self,
        warning: WarningRecord,
        entry: WarningEntry,
    ) -> Result<Option<WarningRecord>>;
    /// Saves a changed warning and a line of its log if it is still at `warning.version` and
    /// open; `false` (nothing written) if someone changed or closed it first.
    async fn save_warning(&self, warning: &WarningRecord, entry: WarningEntry) -> Result<bool>;
    /// Every open warning, for the evaluator (no scope: it acts as no user).
    async fn open_warnings(&self) -> Result<Vec<WarningRecord>>;
    /// Warnings in the scope, by the filter, newest first.
    async fn warnings(&self, scope: &Scope, filter: &WarningFilter) -> Result<Vec<WarningRecord>>;
    /// A warning in the scope and its log, oldest line first.
    async fn warning(&self, scope: &Scope, id: i64) -> Result<Option<(WarningRecord, Vec<WarningEntry>)>>;

    /// Recomputes the whole hash chain.
    async fn verify_chain(&self) -> Result<ChainReport>;
    /// A consistent copy of the whole database at `dest`, taken while running.
    async fn backup(&self, dest: &Path) -> Result<()>;
    /// Finishes queued writes and stops the writer.
    async fn close(&self);
}

/// Opens the store a URL names: `postgres://…` or `postgresql://…` for PostgreSQL, anything
/// else as a SQLite file path (`sqlite://` prefix optional). Runs migrations.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::open(url).await?))
    } else {
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        Ok(Arc::new(sqlite::SqliteStore::open(Path::new(path)).await?))
    }
}
