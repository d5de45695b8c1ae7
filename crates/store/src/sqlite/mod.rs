//! The SQLite engine, the embedded default: one file in WAL mode, one writer thread committing
//! in groups ([`writer`]), and a small pool of read-only connections for queries.

mod checkpoint;
mod clocks;
mod migrate;
mod read;
mod warnings;
mod writer;

use crate::model::*;
use crate::plan::Verifier;
use crate::scope::Scope;
use crate::{Result, Store, StoreError};
use async_trait::async_trait;
use jiff::Timestamp;
use minsheng_domain::chain::{Digest, Link};
use minsheng_domain::{Category, MatterId, RecordedEvent, Unit, UnitId, UserId};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;
use writer::Writer;

const READERS: usize = 4;

pub struct SqliteStore {
    path: PathBuf,
    writer: Writer,
    readers: Arc<Readers>,
    checkpointer: checkpoint::Checkpointer,
}

struct Readers {
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
    path: PathBuf,
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -16000;")
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies migrations.
    pub async fn open(path: &Path) -> Result<Self> {
        let path = path.to_owned();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let p = path.clone();
        let conn = tokio::task::spawn_blocking(move || -> Result<Connection> {
            let mut conn = Connection::open(&p)?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            configure(&conn)?;
            migrate::run(&mut conn)?;
            // Table statistics for the query planner (gathered once if missing, then kept fresh
            // by the checkpoint thread): without them SQLite sorts every open matter for the
            // workbench instead of walking the overdue index.
            conn.execute_batch("PRAGMA optimize = 0x10002;")?;
            // Checkpoints run on their own thread, off the writer's critical path.
            conn.pragma_update(None, "wal_autocheckpoint", 0)?;
            Ok(conn)
        })
        .await
        .map_err(|e| StoreError::Corrupt(e.to_string()))??;
        let writer = Writer::start(conn)?;
        let checkpointer = checkpoint::Checkpointer::start(&path)?;
        let readers = Arc::new(Readers {
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(READERS),
            path: path.clone(),
        });
        Ok(Self { path, writer, readers, checkpointer })
    }

    /// Runs a read on a pooled connection, off the async threads.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let _permit = self.readers.permits.acquire().await.map_err(|_| StoreError::Closed)?;
        let readers = Arc::clone(&self.readers);
        tokio::task::spawn_blocking(move || {
            let pooled = readers.idle.lock().ok().and_then(|mut idle| idle.pop());
            let conn = match pooled {
                Some(c) => c,
                None => {
                    let c = Connection::open_with_flags(
                        &readers.path,
                        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    configure(&c)?;
                    c.pragma_update(None, "query_only", true)?;
                    c
                }
            };
            let out = f(&conn);
            if let Ok(mut idle) = readers.idle.lock() {
                idle.push(conn);
            }
            out
        })
        .await
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn engine(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<()> {
        self.read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).map(|_| ())?)).await
    }

    async fn units(&self) -> Result<Vec<Unit>> {
        self.read(|c| {
            let mut s = c.prepare_cached("SELECT id, parent_id, kind, name, code FROM units ORDER BY id")?;
            let rows = s.query_map([], read::unit)?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn create_unit(&self, unit: NewUnit) -> Result<Unit> {
        self.writer
            .solo(move |c| {
                let tx = c.transaction()?;
                tx.execute(
                    "INSERT INTO units (parent_id, kind, name, code, path) VALUES (?1, ?2, ?3, ?4, '')",
                    params![unit.parent_id.map(|u| u.0), unit.kind.as_str(), unit.name, unit.code],
                )?;
                let id = tx.last_insert_rowid();
                tx.execute(
                    "UPDATE units SET path = ?2 WHERE id = ?1",
                    params![id, format!("{}{id}/", unit.parent_path)],
                )?;
                tx.commit()?;
                Ok(Unit {
                    id: UnitId(id),
                    parent_id: unit.parent_id,
                    kind: unit.kind,
                    name: unit.name,
                    code: unit.code,
                })
            })
            .await
    }

    async fn move_unit(
        &self,
        id: UnitId,
        new_parent: UnitId,
        old_path: String,
        new_path: String,
    ) -> Result<()> {
        let (lo, hi) = crate::scope::prefix_range(&old_path);
        self.writer
            .solo(move |c| {
                let tx = c.transaction()?;
                tx.execute("UPDATE units SET parent_id = ?2 WHERE id = ?1", params![id.0, new_parent.0])?;
                let rewrite = |table: &str, column: &str| {
                    format!(
                        "UPDATE {table} SET {column} = ?1 || substr({column}, ?2) WHERE {column} >= ?3 AND {column} < ?4"
                    )
                };
                let start = old_path.chars().count() as i64 + 1;
                for (table, column) in [("units", "path"), ("matters", "unit_path"), ("matter_access", "unit_path")] {
                    tx.execute(&rewrite(table, column), params![new_path, start, lo, hi])?;
                }
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn rename_unit(&self, id: UnitId, name: String, code: Option<String>) -> Result<()> {
        self.writer
            .solo(move |c| {
                c.execute("UPDATE units SET name = ?2, code = ?3 WHERE id = ?1", params![id.0, name, code])?;
                Ok(())
            })
            .await
    }

    async fn categories(&self) -> Result<Vec<Category>> {
        self.read(|c| {
            let mut s =
                c.prepare_cached("SELECT code, name_zh, name_en FROM categories ORDER BY position, code")?;
            let rows = s.query_map([], read::category)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn ensure_categories(&self, categories: Vec<Category>) -> Result<()> {
        self.writer
            .solo(move |c| {
                let tx = c.transaction()?;
                for (i, cat) in categories.iter().enumerate() {
                    tx.execute(
                        "INSERT OR IGNORE INTO categories (code, name_zh, name_en, position) VALUES (?1, ?2, ?3, ?4)",
                        params![cat.code.0, cat.name_zh, cat.name_en, i as i64],
                    )?;
                }
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn count_users(&self) -> Result<i64> {
        self.read(|c| Ok(c.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?)).await
    }

    async fn create_user(&self, user: NewUser) -> Result<UserRecord> {
        self.writer
            .solo(move |c| {
                let inserted = c.execute(
                    "INSERT INTO users (username, display_name, role, unit_id, password_hash, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        user.username,
                        user.display_name,
                        user.role.as_str(),
                        user.unit_id.0,
                        user.password_hash,
                        ms(user.created_at)
                    ],
                );
                match inserted {
                    Err(rusqlite::Error::SqliteFailure(e, _))
                        if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                    {
                        return Err(StoreError::Duplicate("username"));
                    }
                    other => other?,
                };
                Ok(UserRecord {
                    id: UserId(c.last_insert_rowid()),
                    username: user.username,
                    display_name: user.display_name,
                    role: user.role,
                    unit_id: user.unit_id,
                    active: true,
                })
            })
            .await
    }

    async fn update_user(&self, user: UserRecord) -> Result<()> {
        self.writer
            .solo(move |c| {
                c.execute(
                    "UPDATE users SET display_name = ?2, role = ?3, unit_id = ?4, active = ?5 WHERE id = ?1",
                    params![user.id.0, user.display_name, user.role.as_str(), user.unit_id.0, user.active],
                )?;
                if !user.active {
                    c.execute("DELETE FROM auth_tokens WHERE user_id = ?1", [user.id.0])?;
                }
                Ok(())
            })
            .await
    }

    async fn credentials(&self, username: &str) -> Result<Option<Credentials>> {
        let username = username.to_owned();
        self.read(move |c| {
            let mut s = c.prepare_cached(&format!(
                "SELECT {}, password_hash FROM users WHERE username = ?1",
                read::USER
            ))?;
            let found =
                s.query_row([username], |r| Ok((read::user(r)?, r.get::<_, String>(6)?))).optional()?;
            match found {
                None => Ok(None),
                Some((user, hash)) => Ok(Some(Credentials { user: user?, password_hash: hash })),
            }
        })
        .await
    }

    async fn users_by_id(&self, ids: &[UserId]) -> Result<Vec<UserRecord>> {
        let ids: Vec<i64> = ids.iter().map(|u| u.0).collect();
        if ids.is_empty() {
            return Ok(vec![]);
        }
        self.read(move |c| {
            let marks = vec!["?"; ids.len()].join(",");
            let mut s =
                c.prepare(&format!("SELECT {} FROM users WHERE id IN ({marks}) ORDER BY id", read::USER))?;
            let rows = s.query_map(rusqlite::params_from_iter(ids), read::user)?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn users(&self, scope: &Scope) -> Result<Vec<UserRecord>> {
        let (lo, hi) = scope.range();
        self.read(move |c| {
            let mut s = c.prepare_cached(&format!(
                "SELECT {} FROM users u JOIN units n ON n.id = u.unit_id WHERE n.path >= ?1 AND n.path < ?2 ORDER BY u.id",
                read::USER_U
            ))?;
            let rows = s.query_map([lo, hi], read::user)?;
            rows.map(|r| r?).collect()
        })
        .await
    }

    async fn create_token(&self, token: NewToken) -> Result<()> {
        self.writer
            .solo(move |c| {
                c.execute(
                    "INSERT INTO auth_tokens (hash, user_id, kind, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        token.hash.as_slice(),
                        token.user_id.0,
                        token.kind.as_str(),
                        ms(token.created_at),
                        ms(token.expires_at)
                    ],
                )?;
                Ok(())
            })
            .await
    }

    async fn token_user(&self, hash: &Digest, now: Timestamp) -> Result<Option<UserRecord>> {
        let hash = *hash;
        self.read(move |c| {
            let mut s = c.prepare_cached(&format!(
                "SELECT {} FROM auth_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.hash = ?1 AND t.expires_at > ?2 AND u.active = 1",
                read::USER_U
            ))?;
            s.query_row(params![hash.as_slice(), ms(now)], read::user).optional()?.transpose()
        })
        .await
    }

    async fn revoke_token(&self, hash: &Digest) -> Result<()> {
        let hash = *hash;
        self.writer
            .solo(move |c| {
                c.execute("DELETE FROM auth_tokens WHERE hash = ?1", [hash.as_slice()])?;
                Ok(())
            })
            .await
    }

    async fn login_failures(&self, username: &str, since: Timestamp) -> Result<i64> {
        let username = username.to_owned();
        self.read(move |c| {
            let mut s =
                c.prepare_cached("SELECT COUNT(*) FROM login_failures WHERE username = ?1 AND at >= ?2")?;
            Ok(s.query_row(params![username, ms(since)], |r| r.get(0))?)
        })
        .await
    }

    async fn record_login_failure(&self, username: &str, at: Timestamp, keep_since: Timestamp) -> Result<()> {
        let username = username.to_owned();
        self.writer
            .solo(move |c| {
                let tx = c.transaction()?;
                tx.execute("DELETE FROM login_failures WHERE at < ?1", [ms(keep_since)])?;
                tx.execute(
                    "INSERT INTO login_failures (username, at) VALUES (?1, ?2)",
                    params![username, ms(at)],
                )?;
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn clear_login_failures(&self, username: &str) -> Result<()> {
        let username = username.to_owned();
        self.writer
            .solo(move |c| {
                c.execute("DELETE FROM login_failures WHERE username = ?1", [username])?;
                Ok(())
            })
            .await
    }

    async fn set_password(&self, user: UserId, password_hash: String) -> Result<()> {
        self.writer
            .solo(move |c| {
                c.execute(
                    "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                    params![user.0, password_hash],
                )?;
                Ok(())
            })
            .await
    }

    async fn revoke_user_tokens(&self, user: UserId, except: Option<&Digest>) -> Result<()> {
        let keep: Vec<u8> = except.map(|d| d.to_vec()).unwrap_or_default();
        self.writer
            .solo(move |c| {
                c.execute(
                    "DELETE FROM auth_tokens WHERE user_id = ?1 AND hash <> ?2",
                    params![user.0, keep],
                )?;
                Ok(())
            })
            .await
    }

    async fn extra_units(&self, user: UserId) -> Result<Vec<UnitId>> {
        self.read(move |c| {
            let mut s =
                c.prepare_cached("SELECT unit_id FROM user_units WHERE user_id = ?1 ORDER BY unit_id")?;
            let rows = s.query_map([user.0], |r| r.get::<_, i64>(0).map(UnitId))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn set_extra_units(&self, user: UserId, units: Vec<UnitId>) -> Result<()> {
        self.writer
            .solo(move |c| {
                let tx = c.transaction()?;
                tx.execute("DELETE FROM user_units WHERE user_id = ?1", [user.0])?;
                for u in units {
                    tx.execute(
                        "INSERT OR IGNORE INTO user_units (user_id, unit_id) VALUES (?1, ?2)",
                        params![user.0, u.0],
                    )?;
                }
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn user_lang(&self, user: UserId) -> Result<Option<String>> {
        self.read(move |c| {
            let mut s = c.prepare_cached("SELECT lang FROM user_prefs WHERE user_id = ?1")?;
            Ok(s.query_row([user.0], |r| r.get(0)).optional()?)
        })
        .await
    }

    async fn set_user_lang(&self, user: UserId, lang: &str) -> Result<()> {
        let lang = lang.to_owned();
        self.writer
            .solo(move |c| {
                c.execute(
                    "INSERT INTO user_prefs (user_id, lang) VALUES (?1, ?2) \
                     ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang",
                    params![user.0, lang],
                )?;
                Ok(())
            })
            .await
    }

    async fn saved_filters(&self, user: UserId) -> Result<Vec<SavedFilter>> {
        self.read(move |c| {
            let mut s =
                c.prepare_cached("SELECT id, name, query FROM saved_filters WHERE user_id = ?1 ORDER BY id")?;
            let rows = s.query_map([user.0], |r| {
                Ok(SavedFilter { id: r.get(0)?, name: r.get(1)?, query: r.get(2)? })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn save_filter(&self, user: UserId, name: String, query: String) -> Result<SavedFilter> {
        self.writer
            .solo(move |c| {
                c.execute(
                    "INSERT INTO saved_filters (user_id, name, query) VALUES (?1, ?2, ?3)",
                    params![user.0, name, query],
                )?;
                Ok(SavedFilter { id: c.last_insert_rowid(), name, query })
            })
            .await
    }

    async fn delete_filter(&self, user: UserId, id: i64) -> Result<()> {
        self.writer
            .solo(move |c| {
                c.execute("DELETE FROM saved_filters WHERE id = ?1 AND user_id = ?2", params![id, user.0])?;
                Ok(())
            })
            .await
    }

    async fn mediator_loads(&self, mediators: &[UserId]) -> Result<Vec<(UserId, i64)>> {
        let mediators = mediators.to_vec();
        if mediators.is_empty() {
            return Ok(vec![]);
        }
        self.read(move |c| {
            // The condition repeats the partial index's, so each count walks only open matters.
            let mut s = c.prepare_cached(
                "SELECT COUNT(*) FROM matters WHERE mediator_id = ?1 AND status <> 'closed'",
            )?;
            mediators.into_iter().map(|u| Ok((u, s.query_row([u.0], |r| r.get(0))?))).collect()
        })
        .await
    }

    async fn mediator_specialities(&self, users: &[UserId]) -> Result<Vec<(UserId, Vec<String>)>> {
        let users = users.to_vec();
        if users.is_empty() {
            return Ok(vec![]);
        }
        self.read(move |c| {
            let mut s = c.prepare_cached(
                "SELECT category FROM mediator_specialities WHERE user_id = ?1 ORDER BY category",
            )?;
            users
                .into_iter()
                .map(|u| {
                    let rows = s.query_map([u.0], |r| r.get(0))?;
                    Ok((u, rows.collect::<rusqlite::Result<Vec<String>>>()?))
                })
                .collect()
        })
        .await
    }

    async fn set_mediator_specialities(&self, user: UserId, specialities: Vec<String>) -> Result<()> {
        self.writer
            .solo(move |c| {
                let tx = c.transaction()?;
                tx.execute("DELETE FROM mediator_specialities WHERE user_id = ?1", [user.0])?;
                for category in specialities {
                    tx.execute(
                        "INSERT OR IGNORE INTO mediator_specialities (user_id, category) VALUES (?1, ?2)",
                        params![user.0, category],
                    )?;
                }
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn committee_fields(&self) -> Result<Vec<(UnitId, String)>> {
        self.read(|c| {
            let mut s =
                c.prepare_cached("SELECT unit_id, category FROM committee_fields ORDER BY unit_id")?;
            let rows = s.query_map([], |r| Ok((UnitId(r.get(0)?), r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    async fn set_committee_field(&self, unit: UnitId, field: Option<String>) -> Result<()> {
        self.writer
            .solo(move |c| {
                match field {
                    Some(category) => c.execute(
                        "INSERT INTO committee_fields (unit_id, category) VALUES (?1, ?2) \
                         ON CONFLICT (unit_id) DO UPDATE SET category = excluded.category",
                        params![unit.0, category],
                    )?,
                    None => c.execute("DELETE FROM committee_fields WHERE unit_id = ?1", [unit.0])?,
                };
                Ok(())
            })
            .await
    }

    async fn final_petitions(&self, keys: &[Digest], category: &str, limit: u32) -> Result<Vec<MatterId>> {
        let (keys, category) = (keys.to_vec(), category.to_string());
        self.read(move |c| {
            let mut s = c.prepare_cached(
                "SELECT DISTINCT m.id FROM petitioner_keys k JOIN matters m ON m.id = k.matter_id \
                 WHERE k.key = ?1 AND m.final = 1 AND m.kind = 'petition' AND m.category = ?2",
            )?;
            let mut found = vec![];
            for k in &keys {
                for id in s.query_map(params![k.as_slice(), category], |r| r.get::<_, i64>(0))? {
                    found.push(MatterId(id?));
                }
            }
            found.sort_by(|a, b| b.cmp(a));
            found.dedup();
            found.truncate(limit as usize);
            Ok(found)
        })
        .await
    }

    async fn due_timers(&self, now: Timestamp, limit: u32) -> Result<Vec<DueTimer>> {
        self.read(move |c| clocks::due_timers(c, now, limit)).await
    }

    async fn timers_of(&self, id: MatterId) -> Result<Vec<minsheng_domain::clock::Timer>> {
        self.read(move |c| clocks::timers_of(c, id)).await
    }

    async fn calendar_notices(&self) -> Result<Vec<minsheng_domain::calendar::Notice>> {
        self.read(clocks::notices).await
    }

    async fn save_calendar_notice(
        &self,
        notice: &minsheng_domain::calendar::Notice,
        by: UserId,
        at: Timestamp,
    ) -> Result<()> {
        let notice = notice.clone();
        self.writer.solo(move |c| clocks::save_notice(c, &notice, by, at)).await
    }

    async fn setting(&self, key: &str) -> Result<Option<String>> {
        let key = key.to_string();
        self.read(move |c| clocks::setting(c, &key)).await
    }

    async fn put_setting(&self, key: &str, value: &str, by: UserId, at: Timestamp) -> Result<()> {
        let (key, value) = (key.to_string(), value.to_string());
        self.writer.solo(move |c| clocks::put_setting(c, &key, &value, by, at)).await
    }

    async fn setting_changes(&self, key: &str, limit: u32) -> Result<Vec<SettingChange>> {
        let key = key.to_string();
        self.read(move |c| clocks::setting_changes(c, &key, limit)).await
    }

    async fn raise_warning(
        &self,
        warning: crate::WarningRecord,
        entry: crate::WarningEntry,
    ) -> Result<Option<crate::WarningRecord>> {
        self.writer.solo(move |c| warnings::raise(c, warning, entry)).await
    }

    async fn save_warning(&self, warning: &crate::WarningRecord, entry: crate::WarningEntry) -> Result<bool> {
        let warning = warning.clone();
        self.writer.solo(move |c| warnings::save(c, &warning, &entry)).await
    }

    async fn open_warnings(&self) -> Result<Vec<crate::WarningRecord>> {
        self.read(warnings::open).await
    }

    async fn warnings(
        &self,
        scope: &Scope,
        filter: &crate::WarningFilter,
    ) -> Result<Vec<crate::WarningRecord>> {
        let (scope, filter) = (scope.clone(), filter.clone());
        self.read(move |c| warnings::list(c, &scope, &filter)).await
    }

    async fn warning(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Option<(crate::WarningRecord, Vec<crate::WarningEntry>)>> {
        let scope = scope.clone();
        self.read(move |c| warnings::one(c, &scope, id)).await
    }

    async fn append(&self, append: Append) -> Result<Appended, AppendError> {
        let mut out = self.writer.append(vec![append]).await;
        out.pop().unwrap_or_else(|| Err(AppendError::Failed("no outcome".into())))
    }

    async fn append_many(&self, appends: Vec<Append>) -> Vec<Result<Appended, AppendError>> {
        self.writer.append(appends).await
    }

    async fn events(&self, scope: &Scope, id: MatterId) -> Result<Option<Vec<RecordedEvent>>> {
        let scope = scope.clone();
        self.read(move |c| {
            // A matter has a handful of access rows: read them by matter, test the scope here.
            let mut paths = c.prepare_cached("SELECT unit_path FROM matter_access WHERE matter_id = ?1")?;
            let visible = paths
                .query_map([id.0], |r| r.get::<_, String>(0))?
                .any(|p| p.is_ok_and(|p| scope.covers(&p)));
            if !visible {
                return Ok(None);
            }
            let mut s = c.prepare_cached(
                "SELECT seq, matter_id, version, at, actor, payload FROM events WHERE matter_id = ?1 ORDER BY version",
            )?;
            let rows = s.query_map([id.0], read::event)?;
            let events = rows.map(|r| r?).collect::<Result<Vec<_>>>()?;
            Ok((!events.is_empty()).then_some(events))
        })
        .await
    }

    async fn list(&self, scope: &Scope, filter: &MatterFilter, page: Page) -> Result<ListPage> {
        let scope = scope.clone();
        let filter = filter.clone();
        self.read(move |c| read::list(c, &scope, &filter, page)).await
    }

    async fn count(&self, scope: &Scope, filter: &MatterFilter, cap: u32) -> Result<i64> {
        let scope = scope.clone();
        let filter = filter.clone();
        self.read(move |c| read::count(c, &scope, &filter, cap)).await
    }

    async fn count_matters(&self) -> Result<i64> {
        self.read(|c| Ok(c.query_row("SELECT COUNT(*) FROM matters", [], |r| r.get(0))?)).await
    }

    async fn log_head(&self) -> Result<i64> {
        self.read(|c| Ok(c.query_row("SELECT seq FROM chain_head", [], |r| r.get(0))?)).await
    }

    async fn log_after(&self, seq: i64, limit: u32) -> Result<Vec<(i64, MatterId)>> {
        self.read(move |c| {
            let mut s =
                c.prepare_cached("SELECT seq, matter_id FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
            let rows =
                s.query_map(rusqlite::params![seq, limit], |r| Ok((r.get(0)?, MatterId(r.get(1)?))))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn verify_chain(&self) -> Result<ChainReport> {
        self.read(|c| {
            // One read transaction: the head and the events it covers come from one snapshot,
            // so a server committing meanwhile does not look like a broken chain.
            let tx = c.unchecked_transaction()?;
            let (head_seq, head_hash): (i64, Vec<u8>) =
                tx.query_row("SELECT seq, hash FROM chain_head", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let mut s = tx.prepare(
                "SELECT seq, matter_id, version, at, actor, event_type, payload, hash FROM events \
                 WHERE seq <= ?1 ORDER BY seq",
            )?;
            let mut rows = s.query([head_seq])?;
            let mut verifier = Verifier::default();
            while let Some(r) = rows.next()? {
                let (event_type, payload, hash): (String, String, Vec<u8>) =
                    (r.get(5)?, r.get(6)?, r.get(7)?);
                let link = Link {
                    seq: r.get(0)?,
                    matter_id: r.get(1)?,
                    version: r.get(2)?,
                    at_ms: r.get(3)?,
                    actor: r.get(4)?,
                    event_type: &event_type,
                    payload: &payload,
                };
                if let Err(reason) = verifier.check(&link, &hash) {
                    return Ok(ChainReport::Broken {
                        seq: link.seq,
                        matter_id: MatterId(link.matter_id),
                        reason,
                        checked: verifier.checked(),
                    });
                }
            }
            if let Err(reason) = verifier.finish(head_seq, &head_hash) {
                return Ok(ChainReport::Broken {
                    seq: verifier.checked() + 1,
                    matter_id: MatterId(0),
                    reason,
                    checked: verifier.checked(),
                });
            }
            Ok(ChainReport::Intact { events: verifier.checked() })
        })
        .await
    }

    async fn backup(&self, dest: &Path) -> Result<()> {
        let dest = dest.to_owned();
        let src = self.path.clone();
        tokio::task::spawn_blocking(move || -> Result<()> {
            if dest.exists() {
                return Err(StoreError::Io(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!("{} already exists", dest.display()),
                )));
            }
            let conn = Connection::open_with_flags(&src, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
            conn.busy_timeout(std::time::Duration::from_secs(30))?;
            conn.execute("VACUUM INTO ?1", [dest.to_string_lossy()])?;
            Ok(())
        })
        .await
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
    }

    async fn close(&self) {
        self.writer.close().await;
        self.checkpointer.close().await;
    }
}
