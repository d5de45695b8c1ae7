//! The PostgreSQL writer task: takes whatever appends have queued and commits them in one
//! transaction, locking the chain head so that several nodes still build one chain. Each
//! table is written with one `UNNEST` statement per batch.

use crate::model::{Append, AppendError, Appended, Projection, ms};
use crate::plan::{self, Head, KeyHit, Lookups, Plan};
use crate::{Result, StoreError};
use minsheng_domain::MatterId;
use minsheng_domain::chain::Digest;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::RwLock;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row, Statement, Transaction};

const MAX_BATCH: usize = 512;

type Outcomes = Vec<Result<Appended, AppendError>>;
type Job = (Vec<Append>, oneshot::Sender<Outcomes>);

pub(crate) struct PgWriter {
    queue: RwLock<Option<mpsc::Sender<Job>>>,
    task: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl PgWriter {
    pub fn start(config: Config) -> Self {
        let (tx, rx) = mpsc::channel(8192);
        let task = tokio::spawn(run(config, rx));
        Self { queue: RwLock::new(Some(tx)), task: std::sync::Mutex::new(Some(task)) }
    }

    pub async fn append(&self, appends: Vec<Append>) -> Outcomes {
        let n = appends.len();
        let closed = || (0..n).map(|_| Err(AppendError::Failed(StoreError::Closed.to_string()))).collect();
        let Some(queue) = self.queue.read().ok().and_then(|q| q.clone()) else { return closed() };
        let (tx, rx) = oneshot::channel();
        if queue.send((appends, tx)).await.is_err() {
            return closed();
        }
        rx.await.unwrap_or_else(|_| closed())
    }

    pub async fn close(&self) {
        if let Ok(mut q) = self.queue.write() {
            q.take();
        }
        let task = self.task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

async fn connect(config: &Config) -> Result<Client> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "postgres writer connection ended");
        }
    });
    Ok(client)
}

/// The writer connection's prepared statements, by SQL text: each is parsed once per
/// connection, then only bound and executed (half the round trips of an unnamed query).
type Prepared = HashMap<&'static str, Statement>;

/// A write transaction that prepares each statement once.
pub(super) struct Tx<'t> {
    tx: Transaction<'t>,
    prepared: &'t mut Prepared,
}

impl Tx<'_> {
    async fn statement(&mut self, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql).await?;
        self.prepared.insert(sql, s.clone());
        Ok(s)
    }

    pub(super) async fn execute(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let s = self.statement(sql).await?;
        Ok(self.tx.execute(&s, params).await?)
    }

    pub(super) async fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>> {
        let s = self.statement(sql).await?;
        Ok(self.tx.query(&s, params).await?)
    }

    async fn query_one(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Row> {
        let s = self.statement(sql).await?;
        Ok(self.tx.query_one(&s, params).await?)
    }

    async fn commit(self) -> Result<()> {
        Ok(self.tx.commit().await?)
    }
}

async fn run(config: Config, mut rx: mpsc::Receiver<Job>) {
    let mut client: Option<Client> = None;
    let mut prepared = Prepared::new();
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        let mut pending = jobs[0].0.len();
        while pending < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => {
                    pending += job.0.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let sizes: Vec<usize> = jobs.iter().map(|(a, _)| a.len()).collect();
        let (batch, replies): (Vec<Vec<Append>>, Vec<_>) = jobs.into_iter().unzip();
        let batch: Vec<Append> = batch.into_iter().flatten().collect();
        if client.as_ref().is_none_or(Client::is_closed) {
            prepared.clear();
            client = connect(&config)
                .await
                .map_err(|e| tracing::error!(error = %e, "postgres writer cannot connect"))
                .ok();
        }
        let outcomes = match &mut client {
            None => Err(StoreError::Closed),
            Some(c) => write_batch(c, &mut prepared, &batch).await,
        };
        let outcomes = outcomes.map(|p| p.outcomes).unwrap_or_else(|e| {
            tracing::error!(error = %e, "group commit failed; every command in it is refused");
            batch.iter().map(|_| Err(AppendError::Failed(e.to_string()))).collect()
        });
        let mut outcomes = outcomes.into_iter();
        for (size, reply) in sizes.into_iter().zip(replies) {
            let _ = reply.send(outcomes.by_ref().take(size).collect());
        }
    }
}

async fn write_batch(client: &mut Client, prepared: &mut Prepared, batch: &[Append]) -> Result<Plan> {
    let mut tx = Tx { tx: client.transaction().await?, prepared };
    let row = tx.query_one("SELECT seq, hash FROM chain_head WHERE one = 1 FOR UPDATE", &[]).await?;
    let hash: Digest =
        row.get::<_, Vec<u8>>(1).try_into().map_err(|_| StoreError::Corrupt("chain head".into()))?;
    let head = Head { seq: row.get(0), hash };

    let mut lookups = Lookups::default();
    let ids: Vec<i64> = Lookups::matter_ids(batch).iter().map(|m| m.0).collect();
    if !ids.is_empty() {
        for r in tx.query("SELECT id, version FROM matters WHERE id = ANY($1)", &[&ids]).await? {
            lookups.versions.insert(MatterId(r.get(0)), r.get(1));
        }
    }
    let keys = Lookups::keys(batch);
    if !keys.is_empty() {
        let users: Vec<i64> = keys.iter().map(|k| k.user.0).collect();
        let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
        let rows = tx
            .query(
                "SELECT k.user_id, k.key, k.matter_id, k.fingerprint, m.version \
                 FROM UNNEST($1::bigint[], $2::text[]) AS q(user_id, key) \
                 JOIN idempotency_keys k ON k.user_id = q.user_id AND k.key = q.key \
                 JOIN matters m ON m.id = k.matter_id",
                &[&users, &names],
            )
            .await?;
        for r in rows {
            let fingerprint: Digest =
                r.get::<_, Vec<u8>>(3).try_into().map_err(|_| StoreError::Corrupt("fingerprint".into()))?;
            let hit = KeyHit { matter_id: MatterId(r.get(2)), fingerprint, version: r.get(4) };
            lookups.keys.insert((minsheng_domain::UserId(r.get(0)), r.get(1)), hit);
        }
    }
    let new = batch.iter().filter(|a| matches!(a.target, crate::model::Target::New { .. })).count() as i64;
    let mut fresh: Vec<i64> = if new > 0 {
        tx.query("SELECT nextval('matters_id_seq') FROM generate_series(1::bigint, $1::bigint)", &[&new])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect()
    } else {
        vec![]
    };
    fresh.reverse();
    let plan = plan::plan(batch, head, &lookups, || MatterId(fresh.pop().unwrap_or(0)));
    if !plan.writes() {
        return Ok(plan);
    }
    write_events(&mut tx, &plan).await?;
    write_matters(&mut tx, &plan).await?;
    if !plan.access.is_empty() {
        let paths: Vec<&str> = plan.access.iter().map(|(_, p)| p.as_str()).collect();
        let ids: Vec<i64> = plan.access.iter().map(|(m, _)| m.0).collect();
        tx.execute(
            "INSERT INTO matter_access (unit_path, matter_id) SELECT * FROM UNNEST($1::text[], $2::bigint[]) \
             ON CONFLICT DO NOTHING",
            &[&paths, &ids],
        )
        .await?;
    }
    if !plan.keys.is_empty() {
        let users: Vec<i64> = plan.keys.iter().map(|(k, _, _)| k.user.0).collect();
        let names: Vec<&str> = plan.keys.iter().map(|(k, _, _)| k.key.as_str()).collect();
        let matters: Vec<i64> = plan.keys.iter().map(|(_, m, _)| m.0).collect();
        let prints: Vec<&[u8]> = plan.keys.iter().map(|(k, _, _)| k.fingerprint.as_slice()).collect();
        let ats: Vec<i64> = plan.keys.iter().map(|(_, _, at)| ms(*at)).collect();
        tx.execute(
            "INSERT INTO idempotency_keys (user_id, key, matter_id, fingerprint, created_at) \
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::bytea[], $5::bigint[])",
            &[&users, &names, &matters, &prints, &ats],
        )
        .await?;
    }
    if let Some(head) = plan.head {
        tx.execute(
            "UPDATE chain_head SET seq = $1, hash = $2 WHERE one = 1",
            &[&head.seq, &head.hash.as_slice()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(plan)
}

async fn write_events(tx: &mut Tx<'_>, plan: &Plan) -> Result<()> {
    let e = &plan.events;
    let seq: Vec<i64> = e.iter().map(|e| e.seq).collect();
    let matter: Vec<i64> = e.iter().map(|e| e.matter_id.0).collect();
    let version: Vec<i64> = e.iter().map(|e| e.version).collect();
    let at: Vec<i64> = e.iter().map(|e| ms(e.at)).collect();
    let actor: Vec<i64> = e.iter().map(|e| e.actor.0).collect();
    let kind: Vec<&str> = e.iter().map(|e| e.event_type).collect();
    let payload: Vec<&str> = e.iter().map(|e| e.payload.as_str()).collect();
    let hash: Vec<&[u8]> = e.iter().map(|e| e.hash.as_slice()).collect();
    tx.execute(
        "INSERT INTO events (seq, matter_id, version, at, actor, event_type, payload, hash) \
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], \
         $6::text[], $7::text[], $8::bytea[])",
        &[&seq, &matter, &version, &at, &actor, &kind, &payload, &hash],
    )
    .await?;
    Ok(())
}

/// Projection columns as parallel arrays, for `UNNEST`.
#[derive(Default)]
struct Columns<'a> {
    id: Vec<i64>,
    version: Vec<i64>,
    updated_at: Vec<i64>,
    kind: Vec<&'a str>,
    channel: Vec<&'a str>,
    category: Vec<&'a str>,
    status: Vec<&'a str>,
    unit_id: Vec<i64>,
    unit_path: Vec<&'a str>,
    lead: Vec<Option<i64>>,
    title: Vec<&'a str>,
    people: Vec<i64>,
    amount: Vec<Option<i64>>,
    registered_at: Vec<i64>,
    due_at: Vec<Option<i64>>,
    closed_at: Vec<Option<i64>>,
    reopen: Vec<i64>,
    waiting_for: Vec<Option<&'static str>>,
    waiting_unit: Vec<Option<i64>>,
    is_final: Vec<bool>,
    mediator: Vec<Option<i64>>,
    merged_into: Vec<Option<i64>>,
    /// (key, matter) for new petitions.
    keys: Vec<(Vec<u8>, i64)>,
    /// The timers of every matter pushed, which replace their stored ones.
    timers: Vec<(MatterId, minsheng_domain::clock::Timer)>,
}

impl<'a> Columns<'a> {
    fn push(&mut self, id: MatterId, version: i64, at: jiff::Timestamp, p: &'a Projection) {
        self.id.push(id.0);
        self.version.push(version);
        self.updated_at.push(ms(at));
        self.kind.push(p.kind.as_str());
        self.channel.push(p.channel.as_str());
        self.category.push(&p.category);
        self.status.push(p.status.as_str());
        self.unit_id.push(p.unit_id.0);
        self.unit_path.push(&p.unit_path);
        self.lead.push(p.lead_unit_id.map(|u| u.0));
        self.title.push(&p.title);
        self.people.push(p.people_involved);
        self.amount.push(p.amount_fen);
        self.registered_at.push(ms(p.registered_at));
        self.due_at.push(p.due_at.map(ms));
        self.closed_at.push(p.closed_at.map(ms));
        self.reopen.push(p.reopen_count);
        self.waiting_for.push(p.waiting.map(|(w, _)| w.as_str()));
        self.waiting_unit.push(p.waiting.map(|(_, u)| u.0));
        self.is_final.push(p.is_final);
        self.mediator.push(p.mediator_id.map(|u| u.0));
        self.merged_into.push(p.merged_into.map(|m| m.0));
        self.keys.extend(p.petitioner_keys.iter().map(|k| (k.to_vec(), id.0)));
        self.timers.extend(p.timers.iter().map(|t| (id, *t)));
    }
}

async fn write_matters(tx: &mut Tx<'_>, plan: &Plan) -> Result<()> {
    if !plan.inserts.is_empty() {
        let mut c = Columns::default();
        for (id, version, at, p) in &plan.inserts {
            c.push(*id, *version, *at, p);
        }
        tx.execute(
            "INSERT INTO matters (id, version, updated_at, kind, channel, category, status, unit_id, unit_path, \
             lead_unit_id, title, people_involved, amount_fen, registered_at, due_at, closed_at, reopen_count, \
             waiting_for, waiting_unit_id, final, mediator_id, merged_into) \
             SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], \
             $7::text[], $8::bigint[], $9::text[], $10::bigint[], $11::text[], $12::bigint[], $13::bigint[], \
             $14::bigint[], $15::bigint[], $16::bigint[], $17::bigint[], $18::text[], $19::bigint[], $20::bool[], \
             $21::bigint[], $22::bigint[])",
            &[
                &c.id, &c.version, &c.updated_at, &c.kind, &c.channel, &c.category, &c.status, &c.unit_id,
                &c.unit_path, &c.lead, &c.title, &c.people, &c.amount, &c.registered_at, &c.due_at,
                &c.closed_at, &c.reopen, &c.waiting_for, &c.waiting_unit, &c.is_final, &c.mediator,
                &c.merged_into,
            ],
        )
        .await?;
        if !c.keys.is_empty() {
            let keys: Vec<&[u8]> = c.keys.iter().map(|(k, _)| k.as_slice()).collect();
            let ids: Vec<i64> = c.keys.iter().map(|(_, m)| *m).collect();
            tx.execute(
                "INSERT INTO petitioner_keys (key, matter_id) SELECT * FROM UNNEST($1::bytea[], $2::bigint[]) \
                 ON CONFLICT DO NOTHING",
                &[&keys, &ids],
            )
            .await?;
        }
        super::clocks::replace_timers(tx, &c.id, &c.timers, true).await?;
    }
    // One row per matter: the last version wins, with the last projection the batch gave it.
    let mut last: BTreeMap<MatterId, (i64, jiff::Timestamp, Option<&Projection>)> = BTreeMap::new();
    for (id, version, at, p) in &plan.updates {
        let entry = last.entry(*id).or_insert((*version, *at, None));
        entry.0 = *version;
        entry.1 = *at;
        if p.is_some() {
            entry.2 = p.as_ref();
        }
    }
    let (touched, projected): (Vec<_>, Vec<_>) = last.into_iter().partition(|(_, (_, _, p))| p.is_none());
    if !projected.is_empty() {
        let mut c = Columns::default();
        for (id, (version, at, p)) in &projected {
            if let Some(p) = p {
                c.push(*id, *version, *at, p);
            }
        }
        tx.execute(
            "UPDATE matters m SET version = u.version, updated_at = u.updated_at, status = u.status, \
             lead_unit_id = u.lead, due_at = u.due_at, closed_at = u.closed_at, reopen_count = u.reopen, \
             waiting_for = u.waiting_for, waiting_unit_id = u.waiting_unit, final = u.final, \
             mediator_id = u.mediator, merged_into = u.merged_into \
             FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[], \
             $7::bigint[], $8::bigint[], $9::text[], $10::bigint[], $11::bool[], $12::bigint[], $13::bigint[]) \
             AS u(id, version, updated_at, status, lead, due_at, closed_at, reopen, waiting_for, waiting_unit, final, \
             mediator, merged_into) \
             WHERE m.id = u.id",
            &[
                &c.id, &c.version, &c.updated_at, &c.status, &c.lead, &c.due_at, &c.closed_at, &c.reopen,
                &c.waiting_for, &c.waiting_unit, &c.is_final, &c.mediator, &c.merged_into,
            ],
        )
        .await?;
        super::clocks::replace_timers(tx, &c.id, &c.timers, false).await?;
    }
    if !touched.is_empty() {
        let id: Vec<i64> = touched.iter().map(|(id, _)| id.0).collect();
        let version: Vec<i64> = touched.iter().map(|(_, (v, _, _))| *v).collect();
        let at: Vec<i64> = touched.iter().map(|(_, (_, at, _))| ms(*at)).collect();
        tx.execute(
            "UPDATE matters m SET version = u.version, updated_at = u.updated_at \
             FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[]) AS u(id, version, updated_at) WHERE m.id = u.id",
            &[&id, &version, &at],
        )
        .await?;
    }
    Ok(())
}
