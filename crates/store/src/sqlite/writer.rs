//! The single SQLite writer: one thread owns the write connection, takes whatever commands have
//! queued, and commits them in one transaction (group commit), so many matters share one fsync.
//! Callers get their outcome only after the commit is durable.

use crate::model::{Append, AppendError, Appended, ms};
use crate::plan::{self, Head, KeyHit, Lookups, Plan};
use crate::{Result, StoreError};
use minsheng_domain::MatterId;
use minsheng_domain::chain::Digest;
use rusqlite::{Connection, OptionalExtension, params};
use std::sync::RwLock;
use std::thread::JoinHandle;
use tokio::sync::{mpsc, oneshot};

/// The most appends committed in one transaction.
const MAX_BATCH: usize = 512;

type Outcomes = Vec<Result<Appended, AppendError>>;

pub(crate) enum Job {
    Append(Vec<Append>, oneshot::Sender<Outcomes>),
    /// A rare write (a unit, a user, a token) run on the writer in its own transaction.
    Solo(Box<dyn FnOnce(&mut Connection) + Send>),
}

pub(crate) struct Writer {
    queue: RwLock<Option<mpsc::Sender<Job>>>,
    thread: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    pub fn start(conn: Connection) -> Result<Self> {
        let (tx, rx) = mpsc::channel(8192);
        let state = WriterState::load(&conn)?;
        let thread =
            std::thread::Builder::new().name("sqlite-writer".into()).spawn(move || run(conn, rx, state))?;
        Ok(Self { queue: RwLock::new(Some(tx)), thread: std::sync::Mutex::new(Some(thread)) })
    }

    fn sender(&self) -> Option<mpsc::Sender<Job>> {
        self.queue.read().ok().and_then(|q| q.clone())
    }

    pub async fn append(&self, appends: Vec<Append>) -> Outcomes {
        let n = appends.len();
        let closed = || (0..n).map(|_| Err(AppendError::Failed(StoreError::Closed.to_string()))).collect();
        let Some(queue) = self.sender() else { return closed() };
        let (tx, rx) = oneshot::channel();
        if queue.send(Job::Append(appends, tx)).await.is_err() {
            return closed();
        }
        rx.await.unwrap_or_else(|_| closed())
    }

    /// Runs `f` on the write connection and returns its result.
    pub async fn solo<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let queue = self.sender().ok_or(StoreError::Closed)?;
        let (tx, rx) = oneshot::channel();
        let job = Job::Solo(Box::new(move |conn| {
            let _ = tx.send(f(conn));
        }));
        queue.send(job).await.map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Lets queued jobs finish, then stops the thread.
    pub async fn close(&self) {
        if let Ok(mut q) = self.queue.write() {
            q.take();
        }
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

struct WriterState {
    head: Head,
    next_id: i64,
}

impl WriterState {
    fn load(conn: &Connection) -> Result<Self> {
        let (seq, hash): (i64, Vec<u8>) =
            conn.query_row("SELECT seq, hash FROM chain_head WHERE one = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let hash: Digest = hash.try_into().map_err(|_| StoreError::Corrupt("chain head digest".into()))?;
        let next_id: i64 =
            conn.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM matters", [], |r| r.get(0))?;
        Ok(Self { head: Head { seq, hash }, next_id })
    }
}

fn run(mut conn: Connection, mut rx: mpsc::Receiver<Job>, mut state: WriterState) {
    while let Some(first) = rx.blocking_recv() {
        let mut groups: Vec<(Vec<Append>, oneshot::Sender<Outcomes>)> = Vec::new();
        let mut solos = Vec::new();
        let mut pending = 0;
        let mut take = |job: Job, pending: &mut usize| match job {
            Job::Append(a, tx) => {
                *pending += a.len();
                groups.push((a, tx));
            }
            Job::Solo(f) => solos.push(f),
        };
        take(first, &mut pending);
        while pending < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => take(job, &mut pending),
                Err(_) => break,
            }
        }
        if !groups.is_empty() {
            commit_group(&mut conn, &mut state, groups);
        }
        for solo in solos {
            solo(&mut conn);
        }
    }
}

fn commit_group(
    conn: &mut Connection,
    state: &mut WriterState,
    groups: Vec<(Vec<Append>, oneshot::Sender<Outcomes>)>,
) {
    let sizes: Vec<usize> = groups.iter().map(|(a, _)| a.len()).collect();
    let (batch, replies): (Vec<Vec<Append>>, Vec<_>) = groups.into_iter().unzip();
    let batch: Vec<Append> = batch.into_iter().flatten().collect();
    let mut next_id = state.next_id;
    let outcomes = match write_batch(conn, &batch, state.head, &mut next_id) {
        Ok(plan) => {
            if let Some(head) = plan.head {
                state.head = head;
            }
            state.next_id = next_id;
            plan.outcomes
        }
        Err(e) => {
            tracing::error!(error = %e, "group commit failed; every command in it is refused");
            if let Ok(fresh) = WriterState::load(conn) {
                *state = fresh;
            }
            batch.iter().map(|_| Err(AppendError::Failed(e.to_string()))).collect()
        }
    };
    let mut outcomes = outcomes.into_iter();
    for (size, reply) in sizes.into_iter().zip(replies) {
        let _ = reply.send(outcomes.by_ref().take(size).collect());
    }
}

fn write_batch(conn: &mut Connection, batch: &[Append], head: Head, next_id: &mut i64) -> Result<Plan> {
    // IMMEDIATE: take the write lock up front, so another process writing to the file cannot
    // make the batch fail half-way with a stale snapshot.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut lookups = Lookups::default();
    {
        let mut version = tx.prepare_cached("SELECT version FROM matters WHERE id = ?1")?;
        for id in Lookups::matter_ids(batch) {
            if let Some(v) = version.query_row([id.0], |r| r.get(0)).optional()? {
                lookups.versions.insert(id, v);
            }
        }
        let mut key = tx.prepare_cached(
            "SELECT k.matter_id, k.fingerprint, m.version FROM idempotency_keys k \
             JOIN matters m ON m.id = k.matter_id WHERE k.user_id = ?1 AND k.key = ?2",
        )?;
        for k in Lookups::keys(batch) {
            let hit = key
                .query_row(params![k.user.0, k.key], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, i64>(2)?))
                })
                .optional()?;
            if let Some((matter, fingerprint, version)) = hit {
                let fingerprint =
                    fingerprint.try_into().map_err(|_| StoreError::Corrupt("fingerprint".into()))?;
                lookups.keys.insert(
                    (k.user, k.key.clone()),
                    KeyHit { matter_id: MatterId(matter), fingerprint, version },
                );
            }
        }
    }
    let plan = plan::plan(batch, head, &lookups, || {
        let id = *next_id;
        *next_id += 1;
        MatterId(id)
    });
    if !plan.writes() {
        return Ok(plan);
    }
    {
        let mut event = tx.prepare_cached(
            "INSERT INTO events (seq, matter_id, version, at, actor, event_type, payload, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for e in &plan.events {
            event.execute(params![
                e.seq,
                e.matter_id.0,
                e.version,
                ms(e.at),
                e.actor.0,
                e.event_type,
                e.payload,
                e.hash.as_slice()
            ])?;
        }
        let mut insert = tx.prepare_cached(
            "INSERT INTO matters (id, version, kind, channel, category, status, unit_id, unit_path, lead_unit_id, \
             title, people_involved, amount_fen, registered_at, updated_at, due_at, closed_at, reopen_count, \
             waiting_for, waiting_unit_id, final, mediator_id, merged_into) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, \
             ?22)",
        )?;
        for (id, version, at, p) in &plan.inserts {
            insert.execute(params![
                id.0,
                version,
                p.kind.as_str(),
                p.channel.as_str(),
                p.category,
                p.status.as_str(),
                p.unit_id.0,
                p.unit_path,
                p.lead_unit_id.map(|u| u.0),
                p.title,
                p.people_involved,
                p.amount_fen,
                ms(p.registered_at),
                ms(*at),
                p.due_at.map(ms),
                p.closed_at.map(ms),
                p.reopen_count,
                p.waiting.map(|(w, _)| w.as_str()),
                p.waiting.map(|(_, u)| u.0),
                p.is_final,
                p.mediator_id.map(|u| u.0),
                p.merged_into.map(|m| m.0)
            ])?;
            super::clocks::replace_timers(&tx, *id, &p.timers, true)?;
            let mut key =
                tx.prepare_cached("INSERT OR IGNORE INTO petitioner_keys (key, matter_id) VALUES (?1, ?2)")?;
            for k in &p.petitioner_keys {
                key.execute(params![k.as_slice(), id.0])?;
            }
        }
        let mut update = tx.prepare_cached(
            "UPDATE matters SET version = ?2, updated_at = ?3, status = ?4, lead_unit_id = ?5, due_at = ?6, \
             closed_at = ?7, reopen_count = ?8, waiting_for = ?9, waiting_unit_id = ?10, final = ?11, \
             mediator_id = ?12, merged_into = ?13 WHERE id = ?1",
        )?;
        let mut touch =
            tx.prepare_cached("UPDATE matters SET version = ?2, updated_at = ?3 WHERE id = ?1")?;
        for (id, version, at, p) in &plan.updates {
            match p {
                Some(p) => {
                    update.execute(params![
                        id.0,
                        version,
                        ms(*at),
                        p.status.as_str(),
                        p.lead_unit_id.map(|u| u.0),
                        p.due_at.map(ms),
                        p.closed_at.map(ms),
                        p.reopen_count,
                        p.waiting.map(|(w, _)| w.as_str()),
                        p.waiting.map(|(_, u)| u.0),
                        p.is_final,
                        p.mediator_id.map(|u| u.0),
                        p.merged_into.map(|m| m.0)
                    ])?;
                    super::clocks::replace_timers(&tx, *id, &p.timers, false)?;
                }
                None => {
                    touch.execute(params![id.0, version, ms(*at)])?;
                }
            };
        }
        let mut access =
            tx.prepare_cached("INSERT OR IGNORE INTO matter_access (unit_path, matter_id) VALUES (?1, ?2)")?;
        for (id, path) in &plan.access {
            access.execute(params![path, id.0])?;
        }
        let mut key = tx.prepare_cached(
            "INSERT INTO idempotency_keys (user_id, key, matter_id, fingerprint, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (k, id, at) in &plan.keys {
            key.execute(params![k.user.0, k.key, id.0, k.fingerprint.as_slice(), ms(*at)])?;
        }
        if let Some(head) = plan.head {
            tx.prepare_cached("UPDATE chain_head SET seq = ?1, hash = ?2 WHERE one = 1")?
                .execute(params![head.seq, head.hash.as_slice()])?;
        }
    }
    tx.commit()?;
    Ok(plan)
}
