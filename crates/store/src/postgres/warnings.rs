//! PostgreSQL queries for three-colour warnings (see [`crate::warnings`]).

use crate::Result;
use crate::model::{from_ms, ms};
use crate::scope::{Scope, prefix_range};
use crate::warnings::{
    WarningEntry, WarningFilter, WarningRecord, detail_json, detail_of, happening_of, level_of,
};
use deadpool_postgres::Client;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

const COLUMNS: &str = "w.id, w.version, w.key, w.level, w.unit_id, w.unit_path, w.raised_at, w.updated_at, \
                       w.closed_at, w.detail";

fn record(r: &Row) -> Result<WarningRecord> {
    let id: i64 = r.try_get(0)?;
    Ok(WarningRecord {
        id,
        version: r.try_get(1)?,
        key: r.try_get(2)?,
        level: level_of(id, r.try_get(3)?)?,
        unit_id: minsheng_domain::UnitId(r.try_get(4)?),
        unit_path: r.try_get(5)?,
        raised_at: from_ms(r.try_get(6)?),
        updated_at: from_ms(r.try_get(7)?),
        closed_at: r.try_get::<_, Option<i64>>(8)?.map(from_ms),
        detail: detail_of(id, r.try_get(9)?)?,
    })
}

async fn log(tx: &impl GenericClient, id: i64, e: &WarningEntry) -> Result<()> {
    tx.execute(
        "INSERT INTO warning_log (warning_id, at, happening, level, text) VALUES ($1, $2, $3, $4, $5)",
        &[&id, &ms(e.at), &e.happening.as_str(), &e.level.as_str(), &e.text],
    )
    .await?;
    Ok(())
}

async fn members(tx: &impl GenericClient, w: &WarningRecord, fresh: bool) -> Result<()> {
    if !fresh {
        tx.execute("DELETE FROM warning_members WHERE warning_id = $1", &[&w.id]).await?;
    }
    let ids: Vec<i64> = w.detail.members.iter().map(|m| m.0).collect();
    tx.execute(
        "INSERT INTO warning_members (matter_id, warning_id) SELECT DISTINCT m, $2::BIGINT FROM unnest($1::BIGINT[]) m \
         ON CONFLICT DO NOTHING",
        &[&ids, &w.id],
    )
    .await?;
    Ok(())
}

pub(super) async fn raise(
    c: &mut Client,
    mut w: WarningRecord,
    e: WarningEntry,
) -> Result<Option<WarningRecord>> {
    let tx = c.transaction().await?;
    let row = tx
        .query_opt(
            "INSERT INTO warnings (key, version, level, unit_id, unit_path, raised_at, updated_at, closed_at, detail) \
             VALUES ($1, 1, $2, $3, $4, $5, $6, NULL, $7) ON CONFLICT DO NOTHING RETURNING id",
            &[
                &w.key,
                &w.level.as_str(),
                &w.unit_id.0,
                &w.unit_path,
                &ms(w.raised_at),
                &ms(w.updated_at),
                &detail_json(&w.detail)?,
            ],
        )
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    w.id = row.try_get(0)?;
    w.version = 1;
    w.closed_at = None;
    members(&tx, &w, true).await?;
    log(&tx, w.id, &e).await?;
    tx.commit().await?;
    Ok(Some(w))
}

pub(super) async fn save(c: &mut Client, w: &WarningRecord, e: &WarningEntry) -> Result<bool> {
    let tx = c.transaction().await?;
    let changed = tx
        .execute(
            "UPDATE warnings SET version = version + 1, level = $1, unit_id = $2, unit_path = $3, updated_at = $4, \
             closed_at = $5, detail = $6 WHERE id = $7 AND version = $8 AND closed_at IS NULL",
            &[
                &w.level.as_str(),
                &w.unit_id.0,
                &w.unit_path,
                &ms(w.updated_at),
                &w.closed_at.map(ms),
                &detail_json(&w.detail)?,
                &w.id,
                &w.version,
            ],
        )
        .await?;
    if changed == 0 {
        return Ok(false);
    }
    members(&tx, w, false).await?;
    log(&tx, w.id, e).await?;
    tx.commit().await?;
    Ok(true)
}

pub(super) async fn open(c: &Client) -> Result<Vec<WarningRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM warnings w WHERE w.closed_at IS NULL ORDER BY w.id");
    c.query(&sql, &[]).await?.iter().map(record).collect()
}

pub(super) async fn list(c: &Client, scope: &Scope, f: &WarningFilter) -> Result<Vec<WarningRecord>> {
    let path = match &f.unit_path {
        Some(p) if scope.covers(p) => p.clone(),
        Some(_) => return Ok(vec![]),
        None => scope.path().to_owned(),
    };
    let (lo, hi) = prefix_range(&path);
    let mut sql = format!("SELECT {COLUMNS} FROM warnings w");
    if f.matter.is_some() {
        sql.push_str(" JOIN warning_members m ON m.warning_id = w.id AND m.matter_id = $6");
    }
    sql.push_str(
        " WHERE w.unit_path >= $1 AND w.unit_path < $2 AND ($3::TEXT IS NULL OR w.level = $3) \
         AND ($4::BOOLEAN IS NULL OR $4 = (w.closed_at IS NULL)) AND ($5::BIGINT IS NULL OR w.id < $5)",
    );
    if f.matter.is_none() {
        sql.push_str(" AND $6::BIGINT IS NULL");
    }
    sql.push_str(" ORDER BY w.id DESC LIMIT $7");
    let level = f.level.map(|l| l.as_str().to_owned());
    let matter = f.matter.map(|m| m.0);
    let limit = i64::from(f.limit.clamp(1, 1000));
    c.query(&sql, &[&lo, &hi, &level, &f.open, &f.before, &matter, &limit])
        .await?
        .iter()
        .map(record)
        .collect()
}

pub(super) async fn one(
    c: &Client,
    scope: &Scope,
    id: i64,
) -> Result<Option<(WarningRecord, Vec<WarningEntry>)>> {
    let sql = format!("SELECT {COLUMNS} FROM warnings w WHERE w.id = $1");
    let Some(row) = c.query_opt(&sql, &[&id]).await? else {
        return Ok(None);
    };
    let w = record(&row)?;
    if !scope.covers(&w.unit_path) {
        return Ok(None);
    }
    let rows = c
        .query("SELECT at, happening, level, text FROM warning_log WHERE warning_id = $1 ORDER BY id", &[&id])
        .await?;
    let mut log = vec![];
    for r in &rows {
        log.push(WarningEntry {
            at: from_ms(r.try_get(0)?),
            happening: happening_of(id, r.try_get(1)?)?,
            level: level_of(id, r.try_get(2)?)?,
            text: r.try_get(3)?,
        });
    }
    Ok(Some((w, log)))
}
