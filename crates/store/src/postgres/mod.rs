//! The PostgreSQL engine, for deployments that outgrow one machine. Reads go through a pool;
//! appends go through a writer task that commits queued commands in groups, as on SQLite, with
//! whole batches written by `UNNEST` so a batch costs a handful of round trips. The chain head
//! row is locked per batch, so several application nodes keep one chain.

mod clocks;
mod read;
mod warnings;
mod writer;

use crate::model::*;
use crate::plan::Verifier;
use crate::scope::Scope;
use crate::{Result, Store, StoreError};
use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use jiff::Timestamp;
use minsheng_domain::chain::{Digest, Link};
use minsheng_domain::{Category, MatterId, RecordedEvent, Unit, UnitId, UserId};
use std::collections::HashMap;
use std::path::Path;
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;
use writer::PgWriter;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_ledger.sql")),
    (2, include_str!("../../migrations/postgres/0002_login_failures.sql")),
    (3, include_str!("../../migrations/postgres/0003_workbench_indexes.sql")),
    (4, include_str!("../../migrations/postgres/0004_overdue_index.sql")),
    (5, include_str!("../../migrations/postgres/0005_saved_filters.sql")),
    (6, include_str!("../../migrations/postgres/0006_lead_status_index.sql")),
    (7, include_str!("../../migrations/postgres/0007_user_prefs.sql")),
    (8, include_str!("../../migrations/postgres/0008_user_units.sql")),
    (9, include_str!("../../migrations/postgres/0009_clocks.sql")),
    (10, include_str!("../../migrations/postgres/0010_final_petitions.sql")),
    (11, include_str!("../../migrations/postgres/0011_deadline_indexes.sql")),
    (12, include_str!("../../migrations/postgres/0012_mediation.sql")),
    (13, include_str!("../../migrations/postgres/0013_merge.sql")),
    (14, include_str!("../../migrations/postgres/0014_warnings.sql")),
];

pub struct PgStore {
    pool: Pool,
    writer: PgWriter,
}

fn pool_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Pool(e.to_string())
}

impl PgStore {
    /// Connects, applies migrations under an advisory lock, and starts the writer.
    pub async fn open(url: &str) -> Result<Self> {
        let config: tokio_postgres::Config = url.parse().map_err(|e| StoreError::BadUrl(format!("{e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager).max_size(16).build().map_err(pool_err)?;
        {
            let mut client = pool.get().await.map_err(pool_err)?;
            let tx = client.transaction().await?;
            tx.batch_execute(
                "SET LOCAL client_min_messages = warning; SELECT pg_advisory_xact_lock(7310001); \
                 CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
            )
            .await?;
            for (version, sql) in MIGRATIONS {
                let done =
                    tx.query_opt("SELECT 1 FROM schema_migrations WHERE version = $1", &[version]).await?;
                if done.is_none() {
                    tx.batch_execute(sql).await?;
                    tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[version]).await?;
                }
            }
            tx.commit().await?;
        }
        let writer = PgWriter::start(config);
        Ok(Self { pool, writer })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(pool_err)
    }
}

#[async_trait]
impl Store for PgStore {
    fn engine(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<()> {
        self.client().await?.simple_query("SELECT 1").await?;
        Ok(())
    }

    async fn units(&self) -> Result<Vec<Unit>> {
        let c = self.client().await?;
        let rows = c.query("SELECT id, parent_id, kind, name, code FROM units ORDER BY id", &[]).await?;
        rows.iter().map(read::unit).collect()
    }

    async fn create_unit(&self, unit: NewUnit) -> Result<Unit> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let row = tx
            .query_one(
                "INSERT INTO units (parent_id, kind, name, code, path) VALUES ($1, $2, $3, $4, '') RETURNING id",
                &[&unit.parent_id.map(|u| u.0), &unit.kind.as_str(), &unit.name, &unit.code],
            )
            .await?;
        let id: i64 = row.get(0);
        tx.execute("UPDATE units SET path = $2 WHERE id = $1", &[&id, &format!("{}{id}/", unit.parent_path)])
            .await?;
        tx.commit().await?;
        Ok(Unit {
            id: UnitId(id),
            parent_id: unit.parent_id,
            kind: unit.kind,
            name: unit.name,
            code: unit.code,
        })
    }

    async fn move_unit(
        &self,
        id: UnitId,
        new_parent: UnitId,
        old_path: String,
        new_path: String,
    ) -> Result<()> {
        let (lo, hi) = crate::scope::prefix_range(&old_path);
        let start = old_path.chars().count() as i32 + 1;
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        tx.execute("UPDATE units SET parent_id = $2 WHERE id = $1", &[&id.0, &new_parent.0]).await?;
        for (table, column) in [("units", "path"), ("matters", "unit_path"), ("matter_access", "unit_path")] {
            let sql = format!(
                "UPDATE {table} SET {column} = $1 || substr({column}, $2) WHERE {column} >= $3 AND {column} < $4"
            );
            tx.execute(&sql, &[&new_path, &start, &lo, &hi]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn rename_unit(&self, id: UnitId, name: String, code: Option<String>) -> Result<()> {
        let c = self.client().await?;
        c.execute("UPDATE units SET name = $2, code = $3 WHERE id = $1", &[&id.0, &name, &code]).await?;
        Ok(())
    }

    async fn categories(&self) -> Result<Vec<Category>> {
        let c = self.client().await?;
        let rows =
            c.query("SELECT code, name_zh, name_en FROM categories ORDER BY position, code", &[]).await?;
        Ok(rows.iter().map(read::category).collect())
    }

    async fn ensure_categories(&self, categories: Vec<Category>) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        for (i, cat) in categories.iter().enumerate() {
            tx.execute(
                "INSERT INTO categories (code, name_zh, name_en, position) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&cat.code.0, &cat.name_zh, &cat.name_en, &(i as i32)],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn count_users(&self) -> Result<i64> {
        Ok(self.client().await?.query_one("SELECT COUNT(*) FROM users", &[]).await?.get(0))
    }

    async fn create_user(&self, user: NewUser) -> Result<UserRecord> {
        let c = self.client().await?;
        let row = c
            .query_one(
                "INSERT INTO users (username, display_name, role, unit_id, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    &user.username,
                    &user.display_name,
                    &user.role.as_str(),
                    &user.unit_id.0,
                    &user.password_hash,
                    &ms(user.created_at),
                ],
            )
            .await
            .map_err(|e| {
                if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                    StoreError::Duplicate("username")
                } else {
                    e.into()
                }
            })?;
        Ok(UserRecord {
            id: UserId(row.get(0)),
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            unit_id: user.unit_id,
            active: true,
        })
    }

    async fn update_user(&self, user: UserRecord) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        tx.execute(
            "UPDATE users SET display_name = $2, role = $3, unit_id = $4, active = $5 WHERE id = $1",
            &[&user.id.0, &user.display_name, &user.role.as_str(), &user.unit_id.0, &user.active],
        )
        .await?;
        if !user.active {
            tx.execute("DELETE FROM auth_tokens WHERE user_id = $1", &[&user.id.0]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        let c = self.client().await?;
        let sql = format!("SELECT {}, password_hash FROM users WHERE username = $1", read::USER);
        match c.query_opt(&sql, &[&username]).await? {
            None => Ok(None),
            Some(row) => Ok(Some(Credentials { user: read::user(&row)?, password_hash: row.get(6) })),
        }
    }

    async fn users_by_id(&self, ids: &[UserId]) -> Result<Vec<UserRecord>> {
        let ids: Vec<i64> = ids.iter().map(|u| u.0).collect();
        let c = self.client().await?;
        let sql = format!("SELECT {} FROM users WHERE id = ANY($1) ORDER BY id", read::USER);
        let rows = c.query(&sql, &[&ids]).await?;
        rows.iter().map(read::user).collect()
    }

    async fn users(&self, scope: &Scope) -> Result<Vec<UserRecord>> {
        let (lo, hi) = scope.range();
        let c = self.client().await?;
        let sql = format!(
            "SELECT {} FROM users u JOIN units n ON n.id = u.unit_id WHERE n.path >= $1 AND n.path < $2 ORDER BY u.id",
            read::USER_U
        );
        let rows = c.query(&sql, &[&lo, &hi]).await?;
        rows.iter().map(read::user).collect()
    }

    async fn create_token(&self, token: NewToken) -> Result<()> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO auth_tokens (hash, user_id, kind, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            &[
                &token.hash.as_slice(),
                &token.user_id.0,
                &token.kind.as_str(),
                &ms(token.created_at),
                &ms(token.expires_at),
            ],
        )
        .await?;
        Ok(())
    }

    async fn token_user(&self, hash: &Digest, now: Timestamp) -> Result<Option<UserRecord>> {
        let c = self.client().await?;
        let sql = format!(
            "SELECT {} FROM auth_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.hash = $1 AND t.expires_at > $2 AND u.active",
            read::USER_U
        );
        let stmt = c.prepare_cached(&sql).await?;
        c.query_opt(&stmt, &[&hash.as_slice(), &ms(now)]).await?.map(|r| read::user(&r)).transpose()
    }

    async fn revoke_token(&self, hash: &Digest) -> Result<()> {
        self.client().await?.execute("DELETE FROM auth_tokens WHERE hash = $1", &[&hash.as_slice()]).await?;
        Ok(())
    }

    async fn login_failures(&self, username: &str, since: Timestamp) -> Result<i64> {
        let c = self.client().await?;
        let sql = "SELECT COUNT(*) FROM login_failures WHERE username = $1 AND at >= $2";
        Ok(c.query_one(sql, &[&username, &ms(since)]).await?.get(0))
    }

    async fn record_login_failure(&self, username: &str, at: Timestamp, keep_since: Timestamp) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        tx.execute("DELETE FROM login_failures WHERE at < $1", &[&ms(keep_since)]).await?;
        tx.execute("INSERT INTO login_failures (username, at) VALUES ($1, $2)", &[&username, &ms(at)])
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn clear_login_failures(&self, username: &str) -> Result<()> {
        self.client().await?.execute("DELETE FROM login_failures WHERE username = $1", &[&username]).await?;
        Ok(())
    }

    async fn set_password(&self, user: UserId, password_hash: String) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        tx.execute("UPDATE users SET password_hash = $2 WHERE id = $1", &[&user.0, &password_hash]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn revoke_user_tokens(&self, user: UserId, except: Option<&Digest>) -> Result<()> {
        let c = self.client().await?;
        let keep: &[u8] = except.map(|d| d.as_slice()).unwrap_or(&[]);
        c.execute("DELETE FROM auth_tokens WHERE user_id = $1 AND hash <> $2", &[&user.0, &keep]).await?;
        Ok(())
    }

    async fn extra_units(&self, user: UserId) -> Result<Vec<UnitId>> {
        let c = self.client().await?;
        let rows =
            c.query("SELECT unit_id FROM user_units WHERE user_id = $1 ORDER BY unit_id", &[&user.0]).await?;
        Ok(rows.iter().map(|r| UnitId(r.get(0))).collect())
    }

    async fn set_extra_units(&self, user: UserId, units: Vec<UnitId>) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        tx.execute("DELETE FROM user_units WHERE user_id = $1", &[&user.0]).await?;
        let ids: Vec<i64> = units.iter().map(|u| u.0).collect();
        tx.execute(
            "INSERT INTO user_units (user_id, unit_id) SELECT $1, u FROM UNNEST($2::bigint[]) AS u ON CONFLICT DO NOTHING",
            &[&user.0, &ids],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn user_lang(&self, user: UserId) -> Result<Option<String>> {
        let c = self.client().await?;
        Ok(c.query_opt("SELECT lang FROM user_prefs WHERE user_id = $1", &[&user.0]).await?.map(|r| r.get(0)))
    }

    async fn set_user_lang(&self, user: UserId, lang: &str) -> Result<()> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO user_prefs (user_id, lang) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang",
            &[&user.0, &lang],
        )
        .await?;
        Ok(())
    }

    async fn final_petitions(&self, keys: &[Digest], category: &str, limit: u32) -> Result<Vec<MatterId>> {
        let keys: Vec<&[u8]> = keys.iter().map(|k| k.as_slice()).collect();
        let rows = self
            .client()
            .await?
            .query(
                "SELECT DISTINCT m.id FROM petitioner_keys k JOIN matters m ON m.id = k.matter_id \
                 WHERE k.key = ANY($1) AND m.final AND m.kind = 'petition' AND m.category = $2 \
                 ORDER BY m.id DESC LIMIT $3",
                &[&keys, &category, &i64::from(limit)],
            )
            .await?;
        rows.iter().map(|r| Ok(MatterId(r.try_get(0)?))).collect()
    }

    async fn due_timers(&self, now: Timestamp, limit: u32) -> Result<Vec<DueTimer>> {
        clocks::due_timers(&self.client().await?, now, limit).await
    }

    async fn timers_of(&self, id: MatterId) -> Result<Vec<minsheng_domain::clock::Timer>> {
        clocks::timers_of(&*self.client().await?, id).await
    }

    async fn calendar_notices(&self) -> Result<Vec<minsheng_domain::calendar::Notice>> {
        clocks::notices(&*self.client().await?).await
    }

    async fn save_calendar_notice(
        &self,
        notice: &minsheng_domain::calendar::Notice,
        by: UserId,
        at: Timestamp,
    ) -> Result<()> {
        let mut c = self.client().await?;
        clocks::save_notice(&mut c, notice, by, at).await
    }

    async fn setting(&self, key: &str) -> Result<Option<String>> {
        clocks::setting(&*self.client().await?, key).await
    }

    async fn raise_warning(
        &self,
        warning: crate::WarningRecord,
        entry: crate::WarningEntry,
    ) -> Result<Option<crate::WarningRecord>> {
        warnings::raise(&mut self.client().await?, warning, entry).await
    }

    async fn save_warning(&self, warning: &crate::WarningRecord, entry: crate::WarningEntry) -> Result<bool> {
        warnings::save(&mut self.client().await?, warning, &entry).await
    }

    async fn open_warnings(&self) -> Result<Vec<crate::WarningRecord>> {
        warnings::open(&self.client().await?).await
    }

    async fn warnings(
        &self,
        scope: &Scope,
        filter: &crate::WarningFilter,
    ) -> Result<Vec<crate::WarningRecord>> {
        warnings::list(&self.client().await?, scope, filter).await
    }

    async fn warning(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<(crate::WarningRecord, Vec<crate::WarningEntry>)>> {
        warnings::one(&self.client().await?, scope, id).await
    }

    async fn put_setting(&self, key: &str, value: &str, by: UserId, at: Timestamp) -> Result<()> {
        let mut c = self.client().await?;
        clocks::put_setting(&mut c, key, value, by, at).await
    }

    async fn setting_changes(&self, key: &str, limit: u32) -> Result<Vec<SettingChange>> {
        clocks::setting_changes(&*self.client().await?, key, limit).await
    }

    async fn saved_filters(&self, user: UserId) -> Result<Vec<SavedFilter>> {
        let c = self.client().await?;
        let rows = c
            .query("SELECT id, name, query FROM saved_filters WHERE user_id = $1 ORDER BY id", &[&user.0])
            .await?;
        Ok(rows.iter().map(|r| SavedFilter { id: r.get(0), name: r.get(1), query: r.get(2) }).collect())
    }

    async fn save_filter(&self, user: UserId, name: String, query: String) -> Result<SavedFilter> {
        let c = self.client().await?;
        let row = c
            .query_one(
                "INSERT INTO saved_filters (user_id, name, query) VALUES ($1, $2, $3) RETURNING id",
                &[&user.0, &name, &query],
            )
            .await?;
        Ok(SavedFilter { id: row.get(0), name, query })
    }

    async fn delete_filter(&self, user: UserId, id: i64) -> Result<()> {
        let c = self.client().await?;
        c.execute("DELETE FROM saved_filters WHERE id = $1 AND user_id = $2", &[&id, &user.0]).await?;
        Ok(())
    }

    async fn mediator_loads(&self, mediators: &[UserId]) -> Result<Vec<(UserId, i64)>> {
        if mediators.is_empty() {
            return Ok(vec![]);
        }
        let ids: Vec<i64> = mediators.iter().map(|u| u.0).collect();
        let c = self.client().await?;
        // The condition repeats the partial index's, so the counts walk only open matters.
        let rows = c
            .query(
                "SELECT mediator_id, COUNT(*) FROM matters \
                 WHERE mediator_id = ANY($1) AND status <> 'closed' GROUP BY mediator_id",
                &[&ids],
            )
            .await?;
        let mut counts = HashMap::new();
        for r in &rows {
            counts.insert(r.try_get::<_, i64>(0)?, r.try_get::<_, i64>(1)?);
        }
        Ok(mediators.iter().map(|u| (*u, counts.get(&u.0).copied().unwrap_or(0))).collect())
    }

    async fn mediator_specialities(&self, users: &[UserId]) -> Result<Vec<(UserId, Vec<String>)>> {
        if users.is_empty() {
            return Ok(vec![]);
        }
        let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT user_id, category FROM mediator_specialities WHERE user_id = ANY($1) \
                 ORDER BY user_id, category",
                &[&ids],
            )
            .await?;
        let mut by_user: HashMap<i64, Vec<String>> = HashMap::new();
        for r in &rows {
            by_user.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
        }
        Ok(users.iter().map(|u| (*u, by_user.get(&u.0).cloned().unwrap_or_default())).collect())
    }

    async fn set_mediator_specialities(&self, user: UserId, specialities: Vec<String>) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        tx.execute("DELETE FROM mediator_specialities WHERE user_id = $1", &[&user.0]).await?;
        tx.execute(
            "INSERT INTO mediator_specialities (user_id, category) SELECT $1, c FROM UNNEST($2::text[]) AS c \
             ON CONFLICT DO NOTHING",
            &[&user.0, &specialities],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn committee_fields(&self) -> Result<Vec<(UnitId, String)>> {
        let c = self.client().await?;
        let rows = c.query("SELECT unit_id, category FROM committee_fields ORDER BY unit_id", &[]).await?;
        rows.iter().map(|r| Ok((UnitId(r.try_get(0)?), r.try_get(1)?))).collect()
    }

    async fn set_committee_field(&self, unit: UnitId, field: Option<String>) -> Result<()> {
        let c = self.client().await?;
        match field {
            Some(category) => {
                c.execute(
                    "INSERT INTO committee_fields (unit_id, category) VALUES ($1, $2) \
                     ON CONFLICT (unit_id) DO UPDATE SET category = excluded.category",
                    &[&unit.0, &category],
                )
                .await?
            }
            None => c.execute("DELETE FROM committee_fields WHERE unit_id = $1", &[&unit.0]).await?,
        };
        Ok(())
    }

    async fn append(&self, append: Append) -> Result<Appended, AppendError> {
        let mut out = self.writer.append(vec![append]).await;
        out.pop().unwrap_or_else(|| Err(AppendError::Failed("no outcome".into())))
    }

    async fn append_many(&self, appends: Vec<Append>) -> Vec<Result<Appended, AppendError>> {
        self.writer.append(appends).await
    }

    async fn events(&self, scope: &Scope, id: MatterId) -> Result<Option<Vec<RecordedEvent>>> {
        let c = self.client().await?;
        // A matter has a handful of access rows: read them by matter and test the scope here.
        // (A range on unit_path lets a generic plan walk the whole subtree's index instead.)
        let access = c.prepare_cached("SELECT unit_path FROM matter_access WHERE matter_id = $1").await?;
        let paths = c.query(&access, &[&id.0]).await?;
        let visible = paths.iter().any(|r| r.try_get::<_, &str>(0).is_ok_and(|p| scope.covers(p)));
        if !visible {
            return Ok(None);
        }
        let read = c
            .prepare_cached(
                "SELECT seq, matter_id, version, at, actor, payload FROM events WHERE matter_id = $1 ORDER BY version",
            )
            .await?;
        let rows = c.query(&read, &[&id.0]).await?;
        let events = rows.iter().map(read::event).collect::<Result<Vec<_>>>()?;
        Ok((!events.is_empty()).then_some(events))
    }

    async fn list(&self, scope: &Scope, filter: &MatterFilter, page: Page) -> Result<ListPage> {
        let c = self.client().await?;
        read::list(&c, scope, filter, page).await
    }

    async fn count(&self, scope: &Scope, filter: &MatterFilter, cap: u32) -> Result<i64> {
        let c = self.client().await?;
        read::count(&c, scope, filter, cap).await
    }

    async fn count_matters(&self) -> Result<i64> {
        Ok(self.client().await?.query_one("SELECT COUNT(*) FROM matters", &[]).await?.get(0))
    }

    async fn log_head(&self) -> Result<i64> {
        Ok(self.client().await?.query_one("SELECT seq FROM chain_head", &[]).await?.get(0))
    }

    async fn log_after(&self, seq: i64, limit: u32) -> Result<Vec<(i64, MatterId)>> {
        let c = self.client().await?;
        let s = c
            .prepare_cached("SELECT seq, matter_id FROM events WHERE seq > $1 ORDER BY seq LIMIT $2")
            .await?;
        let rows = c.query(&s, &[&seq, &i64::from(limit)]).await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, MatterId(r.try_get(1)?)))).collect()
    }

    async fn verify_chain(&self) -> Result<ChainReport> {
        let mut c = self.client().await?;
        let tx = c
            .build_transaction()
            .read_only(true)
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .start()
            .await?;
        let mut verifier = Verifier::default();
        let mut after = 0i64;
        loop {
            let rows = tx
                .query(
                    "SELECT seq, matter_id, version, at, actor, event_type, payload, hash FROM events \
                     WHERE seq > $1 ORDER BY seq LIMIT 10000",
                    &[&after],
                )
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.get(0);
            for r in &rows {
                let (event_type, payload, hash): (&str, &str, &[u8]) = (r.get(5), r.get(6), r.get(7));
                let link = Link {
                    seq: r.get(0),
                    matter_id: r.get(1),
                    version: r.get(2),
                    at_ms: r.get(3),
                    actor: r.get(4),
                    event_type,
                    payload,
                };
                if let Err(reason) = verifier.check(&link, hash) {
                    return Ok(ChainReport::Broken {
                        seq: link.seq,
                        matter_id: MatterId(link.matter_id),
                        reason,
                        checked: verifier.checked(),
                    });
                }
            }
        }
        let head = tx.query_one("SELECT seq, hash FROM chain_head", &[]).await?;
        if let Err(reason) = verifier.finish(head.get(0), head.get::<_, &[u8]>(1)) {
            return Ok(ChainReport::Broken {
                seq: verifier.checked() + 1,
                matter_id: MatterId(0),
                reason,
                checked: verifier.checked(),
            });
        }
        Ok(ChainReport::Intact { events: verifier.checked() })
    }

    async fn backup(&self, _dest: &Path) -> Result<()> {
        Err(StoreError::Unsupported(
            "PostgreSQL is backed up with its own tools: pg_dump --format=custom (see docs/operator-guide.md)",
        ))
    }

    async fn close(&self) {
        self.writer.close().await;
    }
}
