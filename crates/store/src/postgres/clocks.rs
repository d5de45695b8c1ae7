//! PostgreSQL queries for timers, holiday notices and settings.

use crate::model::{DueTimer, SettingChange, from_ms, ms};
use crate::{Result, StoreError};
use jiff::Timestamp;
use minsheng_domain::calendar::Notice;
use minsheng_domain::clock::{ClockName, Timer, TimerKind};
use minsheng_domain::{MatterId, UserId};
use tokio_postgres::{Client, Row};

/// Reads a timer from columns `clock, kind, due, run, fire_at` starting at `at`.
fn timer(r: &Row, at: usize) -> Result<Timer> {
    let clock: &str = r.try_get(at)?;
    let kind: &str = r.try_get(at + 1)?;
    let (Some(c), Some(k)) = (ClockName::parse(clock), TimerKind::parse(kind)) else {
        return Err(StoreError::Corrupt(format!("timer {clock}/{kind}")));
    };
    Ok(Timer {
        clock: c,
        kind: k,
        due: from_ms(r.try_get(at + 2)?),
        run: r.try_get(at + 3)?,
        fire_at: from_ms(r.try_get(at + 4)?),
    })
}

pub(super) async fn due_timers(
    c: &deadpool_postgres::Object,
    now: Timestamp,
    limit: u32,
) -> Result<Vec<DueTimer>> {
    let due = c
        .prepare_cached(
            "SELECT matter_id, clock, kind, due, run, fire_at FROM timers WHERE fire_at <= $1 \
             ORDER BY fire_at, matter_id LIMIT $2",
        )
        .await?;
    let rows = c.query(&due, &[&ms(now), &i64::from(limit)]).await?;
    rows.iter().map(|r| Ok(DueTimer { matter_id: MatterId(r.try_get(0)?), timer: timer(r, 1)? })).collect()
}

pub(super) async fn timers_of(c: &Client, id: MatterId) -> Result<Vec<Timer>> {
    let rows = c
        .query(
            "SELECT clock, kind, due, run, fire_at FROM timers WHERE matter_id = $1 ORDER BY fire_at, clock, kind",
            &[&id.0],
        )
        .await?;
    rows.iter().map(|r| timer(r, 0)).collect()
}

/// Replaces the timers of `matters` with `timers` (inside the writer's transaction).
pub(super) async fn replace_timers(
    tx: &mut super::writer::Tx<'_>,
    matters: &[i64],
    timers: &[(MatterId, Timer)],
    fresh: bool,
) -> Result<()> {
    if !fresh && !matters.is_empty() {
        tx.execute("DELETE FROM timers WHERE matter_id = ANY($1)", &[&matters]).await?;
    }
    if timers.is_empty() {
        return Ok(());
    }
    let id: Vec<i64> = timers.iter().map(|(m, _)| m.0).collect();
    let clock: Vec<&str> = timers.iter().map(|(_, t)| t.clock.as_str()).collect();
    let kind: Vec<&str> = timers.iter().map(|(_, t)| t.kind.as_str()).collect();
    let fire_at: Vec<i64> = timers.iter().map(|(_, t)| ms(t.fire_at)).collect();
    let due: Vec<i64> = timers.iter().map(|(_, t)| ms(t.due)).collect();
    let run: Vec<i64> = timers.iter().map(|(_, t)| t.run).collect();
    tx.execute(
        "INSERT INTO timers (matter_id, clock, kind, fire_at, due, run) \
         SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])",
        &[&id, &clock, &kind, &fire_at, &due, &run],
    )
    .await?;
    Ok(())
}

pub(super) async fn notices(c: &Client) -> Result<Vec<Notice>> {
    let rows = c.query("SELECT year, days FROM calendar_notices ORDER BY year", &[]).await?;
    let mut out = vec![];
    for r in rows {
        let year: i32 = r.try_get(0)?;
        let days: &str = r.try_get(1)?;
        let year = i16::try_from(year).map_err(|_| StoreError::Corrupt(format!("notice year {year}")))?;
        let days =
            serde_json::from_str(days).map_err(|e| StoreError::Corrupt(format!("notice {year}: {e}")))?;
        out.push(Notice { year, days });
    }
    Ok(out)
}

pub(super) async fn save_notice(c: &mut Client, notice: &Notice, by: UserId, at: Timestamp) -> Result<()> {
    let days = serde_json::to_string(&notice.days).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let tx = c.transaction().await?;
    tx.execute(
        "INSERT INTO calendar_notices (year, days, entered_by, entered_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (year) DO UPDATE SET days = excluded.days, entered_by = excluded.entered_by, \
         entered_at = excluded.entered_at",
        &[&i32::from(notice.year), &days, &by.0, &ms(at)],
    )
    .await?;
    tx.execute(
        "INSERT INTO settings_log (key, value, changed_by, changed_at) VALUES ($1, $2, $3, $4)",
        &[&format!("calendar:{}", notice.year), &days, &by.0, &ms(at)],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn setting(c: &Client, key: &str) -> Result<Option<String>> {
    let row = c.query_opt("SELECT value FROM settings WHERE key = $1", &[&key]).await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

pub(super) async fn put_setting(
    c: &mut Client,
    key: &str,
    value: &str,
    by: UserId,
    at: Timestamp,
) -> Result<()> {
    let tx = c.transaction().await?;
    tx.execute(
        "INSERT INTO settings (key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at",
        &[&key, &value, &by.0, &ms(at)],
    )
    .await?;
    tx.execute(
        "INSERT INTO settings_log (key, value, changed_by, changed_at) VALUES ($1, $2, $3, $4)",
        &[&key, &value, &by.0, &ms(at)],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn setting_changes(c: &Client, key: &str, limit: u32) -> Result<Vec<SettingChange>> {
    let rows = c
        .query(
            "SELECT value, changed_by, changed_at FROM settings_log WHERE key = $1 ORDER BY id DESC LIMIT $2",
            &[&key, &i64::from(limit)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SettingChange {
                value: r.try_get(0)?,
                changed_by: UserId(r.try_get(1)?),
                changed_at: from_ms(r.try_get(2)?),
            })
        })
        .collect()
}
