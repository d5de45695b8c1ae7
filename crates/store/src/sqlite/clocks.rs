//! SQLite queries for timers, holiday notices and settings.

use crate::model::{DueTimer, SettingChange, from_ms, ms};
use crate::{Result, StoreError};
use jiff::Timestamp;
use minsheng_domain::calendar::Notice;
use minsheng_domain::clock::{ClockName, Timer, TimerKind};
use minsheng_domain::{MatterId, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// Reads a timer from columns `clock, kind, due, run, fire_at` starting at `at`.
pub(super) fn timer(r: &Row<'_>, at: usize) -> rusqlite::Result<Result<Timer>> {
    let clock: String = r.get(at)?;
    let kind: String = r.get(at + 1)?;
    let (Some(clock), Some(kind)) = (ClockName::parse(&clock), TimerKind::parse(&kind)) else {
        return Ok(Err(StoreError::Corrupt(format!("timer {clock}/{kind}"))));
    };
    Ok(Ok(Timer {
        clock,
        kind,
        due: from_ms(r.get(at + 2)?),
        run: r.get(at + 3)?,
        fire_at: from_ms(r.get(at + 4)?),
    }))
}

pub(super) fn due_timers(c: &Connection, now: Timestamp, limit: u32) -> Result<Vec<DueTimer>> {
    let mut s = c.prepare_cached(
        "SELECT matter_id, clock, kind, due, run, fire_at FROM timers WHERE fire_at <= ?1 \
         ORDER BY fire_at, matter_id LIMIT ?2",
    )?;
    let rows = s.query_map(params![ms(now), limit], |r| {
        let matter_id = MatterId(r.get(0)?);
        Ok(timer(r, 1)?.map(|timer| DueTimer { matter_id, timer }))
    })?;
    rows.collect::<rusqlite::Result<Vec<_>>>()?.into_iter().collect()
}

pub(super) fn timers_of(c: &Connection, id: MatterId) -> Result<Vec<Timer>> {
    let mut s = c.prepare_cached(
        "SELECT clock, kind, due, run, fire_at FROM timers WHERE matter_id = ?1 ORDER BY fire_at, clock, kind",
    )?;
    let rows = s.query_map([id.0], |r| timer(r, 0))?;
    rows.collect::<rusqlite::Result<Vec<_>>>()?.into_iter().collect()
}

/// Replaces a matter's timers (inside the writer's transaction).
pub(super) fn replace_timers(c: &Connection, id: MatterId, timers: &[Timer], fresh: bool) -> Result<()> {
    if !fresh {
        c.prepare_cached("DELETE FROM timers WHERE matter_id = ?1")?.execute([id.0])?;
    }
    let mut insert = c.prepare_cached(
        "INSERT INTO timers (matter_id, clock, kind, fire_at, due, run) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for t in timers {
        insert.execute(params![id.0, t.clock.as_str(), t.kind.as_str(), ms(t.fire_at), ms(t.due), t.run])?;
    }
    Ok(())
}

pub(super) fn notices(c: &Connection) -> Result<Vec<Notice>> {
    let mut s = c.prepare_cached("SELECT year, days FROM calendar_notices ORDER BY year")?;
    let rows = s.query_map([], |r| Ok((r.get::<_, i16>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = vec![];
    for row in rows {
        let (year, days) = row?;
        let days =
            serde_json::from_str(&days).map_err(|e| StoreError::Corrupt(format!("notice {year}: {e}")))?;
        out.push(Notice { year, days });
    }
    Ok(out)
}

pub(super) fn save_notice(c: &mut Connection, notice: &Notice, by: UserId, at: Timestamp) -> Result<()> {
    let days = serde_json::to_string(&notice.days).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let tx = c.transaction()?;
    tx.execute(
        "INSERT INTO calendar_notices (year, days, entered_by, entered_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (year) DO UPDATE SET days = excluded.days, entered_by = excluded.entered_by, \
         entered_at = excluded.entered_at",
        params![notice.year, days, by.0, ms(at)],
    )?;
    // The log keeps every version of a notice, as it does every setting.
    tx.execute(
        "INSERT INTO settings_log (key, value, changed_by, changed_at) VALUES (?1, ?2, ?3, ?4)",
        params![format!("calendar:{}", notice.year), days, by.0, ms(at)],
    )?;
    tx.commit()?;
    Ok(())
}

pub(super) fn setting(c: &Connection, key: &str) -> Result<Option<String>> {
    Ok(c.prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(super) fn put_setting(
    c: &mut Connection,
    key: &str,
    value: &str,
    by: UserId,
    at: Timestamp,
) -> Result<()> {
    let tx = c.transaction()?;
    tx.execute(
        "INSERT INTO settings (key, value, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at",
        params![key, value, by.0, ms(at)],
    )?;
    tx.execute(
        "INSERT INTO settings_log (key, value, changed_by, changed_at) VALUES (?1, ?2, ?3, ?4)",
        params![key, value, by.0, ms(at)],
    )?;
    tx.commit()?;
    Ok(())
}

pub(super) fn setting_changes(c: &Connection, key: &str, limit: u32) -> Result<Vec<SettingChange>> {
    let mut s = c.prepare_cached(
        "SELECT value, changed_by, changed_at FROM settings_log WHERE key = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = s.query_map(params![key, limit], |r| {
        Ok(SettingChange { value: r.get(0)?, changed_by: UserId(r.get(1)?), changed_at: from_ms(r.get(2)?) })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
