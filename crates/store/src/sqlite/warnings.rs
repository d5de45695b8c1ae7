//! SQLite queries for three-colour warnings (see [`crate::warnings`]).

use crate::Result;
use crate::model::{from_ms, ms};
use crate::scope::{Scope, prefix_range};
use crate::warnings::{
    WarningEntry, WarningFilter, WarningRecord, detail_json, detail_of, happening_of, level_of,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

const COLUMNS: &str = "w.id, w.version, w.key, w.level, w.unit_id, w.unit_path, w.raised_at, w.updated_at, \
                       w.closed_at, w.detail";

fn record(r: &Row<'_>) -> rusqlite::Result<Result<WarningRecord>> {
    let id: i64 = r.get(0)?;
    let level: String = r.get(3)?;
    let detail: String = r.get(9)?;
    let (level, detail) = match (level_of(id, &level), detail_of(id, &detail)) {
        (Ok(l), Ok(d)) => (l, d),
        (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
    };
    Ok(Ok(WarningRecord {
        id,
        version: r.get(1)?,
        key: r.get(2)?,
        level,
        unit_id: minsheng_domain::UnitId(r.get(4)?),
        unit_path: r.get(5)?,
        raised_at: from_ms(r.get(6)?),
        updated_at: from_ms(r.get(7)?),
        closed_at: r.get::<_, Option<i64>>(8)?.map(from_ms),
        detail,
    }))
}

fn log(tx: &Transaction<'_>, id: i64, e: &WarningEntry) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO warning_log (warning_id, at, happening, level, text) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, ms(e.at), e.happening.as_str(), e.level.as_str(), e.text])?;
    Ok(())
}

fn members(tx: &Transaction<'_>, w: &WarningRecord, fresh: bool) -> Result<()> {
    if !fresh {
        tx.prepare_cached("DELETE FROM warning_members WHERE warning_id = ?1")?.execute([w.id])?;
    }
    let mut insert =
        tx.prepare_cached("INSERT OR IGNORE INTO warning_members (matter_id, warning_id) VALUES (?1, ?2)")?;
    for m in &w.detail.members {
        insert.execute(params![m.0, w.id])?;
    }
    Ok(())
}

pub(super) fn raise(
    c: &mut Connection,
    mut w: WarningRecord,
    e: WarningEntry,
) -> Result<Option<WarningRecord>> {
    let tx = c.transaction()?;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO warnings (key, version, level, unit_id, unit_path, raised_at, updated_at, closed_at, detail) \
             VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, NULL, ?7) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            w.key,
            w.level.as_str(),
            w.unit_id.0,
            w.unit_path,
            ms(w.raised_at),
            ms(w.updated_at),
            detail_json(&w.detail)?
        ])?;
    if inserted == 0 {
        return Ok(None);
    }
    w.id = tx.last_insert_rowid();
    w.version = 1;
    w.closed_at = None;
    members(&tx, &w, true)?;
    log(&tx, w.id, &e)?;
    tx.commit()?;
    Ok(Some(w))
}

pub(super) fn save(c: &mut Connection, w: &WarningRecord, e: &WarningEntry) -> Result<bool> {
    let tx = c.transaction()?;
    let changed = tx
        .prepare_cached(
            "UPDATE warnings SET version = version + 1, level = ?1, unit_id = ?2, unit_path = ?3, updated_at = ?4, \
             closed_at = ?5, detail = ?6 WHERE id = ?7 AND version = ?8 AND closed_at IS NULL",
        )?
        .execute(params![
            w.level.as_str(),
            w.unit_id.0,
            w.unit_path,
            ms(w.updated_at),
            w.closed_at.map(ms),
            detail_json(&w.detail)?,
            w.id,
            w.version
        ])?;
    if changed == 0 {
        return Ok(false);
    }
    members(&tx, w, false)?;
    log(&tx, w.id, e)?;
    tx.commit()?;
    Ok(true)
}

pub(super) fn open(c: &Connection) -> Result<Vec<WarningRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM warnings w WHERE w.closed_at IS NULL ORDER BY w.id");
    let mut s = c.prepare_cached(&sql)?;
    let rows = s.query_map([], record)?;
    rows.collect::<rusqlite::Result<Vec<_>>>()?.into_iter().collect()
}

pub(super) fn list(c: &Connection, scope: &Scope, f: &WarningFilter) -> Result<Vec<WarningRecord>> {
    // The narrower of the scope and the filter's unit decides the path range.
    let path = match &f.unit_path {
        Some(p) if scope.covers(p) => p.clone(),
        Some(_) => return Ok(vec![]),
        None => scope.path().to_owned(),
    };
    let (lo, hi) = prefix_range(&path);
    let mut sql = format!("SELECT {COLUMNS} FROM warnings w");
    if f.matter.is_some() {
        sql.push_str(" JOIN warning_members m ON m.warning_id = w.id AND m.matter_id = ?6");
    }
    sql.push_str(
        " WHERE w.unit_path >= ?1 AND w.unit_path < ?2 AND (?3 IS NULL OR w.level = ?3) \
         AND (?4 IS NULL OR (?4 = 1) = (w.closed_at IS NULL)) AND (?5 IS NULL OR w.id < ?5)",
    );
    if f.matter.is_none() {
        sql.push_str(" AND ?6 IS NULL");
    }
    sql.push_str(" ORDER BY w.id DESC LIMIT ?7");
    let mut s = c.prepare_cached(&sql)?;
    let rows = s.query_map(
        params![
            lo,
            hi,
            f.level.map(|l| l.as_str()),
            f.open.map(i64::from),
            f.before,
            f.matter.map(|m| m.0),
            f.limit.clamp(1, 1000)
        ],
        record,
    )?;
    rows.collect::<rusqlite::Result<Vec<_>>>()?.into_iter().collect()
}

pub(super) fn one(
    c: &Connection,
    scope: &Scope,
    id: i64,
) -> Result<Option<(WarningRecord, Vec<WarningEntry>)>> {
    let sql = format!("SELECT {COLUMNS} FROM warnings w WHERE w.id = ?1");
    let Some(w) = c.prepare_cached(&sql)?.query_row([id], record).optional()?.transpose()? else {
        return Ok(None);
    };
    if !scope.covers(&w.unit_path) {
        return Ok(None);
    }
    let mut s = c.prepare_cached(
        "SELECT at, happening, level, text FROM warning_log WHERE warning_id = ?1 ORDER BY id",
    )?;
    let rows = s.query_map([id], |r| {
        Ok((from_ms(r.get(0)?), r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
    })?;
    let mut log = vec![];
    for row in rows {
        let (at, happening, level, text) = row?;
        log.push(WarningEntry {
            at,
            happening: happening_of(id, &happening)?,
            level: level_of(id, &level)?,
            text,
        });
    }
    Ok(Some((w, log)))
}
