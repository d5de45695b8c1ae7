//! Row decoding and the scoped list query for PostgreSQL.

use crate::model::*;
use crate::scope::{Scope, prefix_range};
use crate::{Result, StoreError};
use minsheng_domain::{Category, CategoryCode, Channel, MatterId, MatterKind, RecordedEvent, Role, Status};
use minsheng_domain::{Unit, UnitId, UnitKind, UserId};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

pub const USER: &str = "id, username, display_name, role, unit_id, active";
pub const USER_U: &str = "u.id, u.username, u.display_name, u.role, u.unit_id, u.active";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

pub fn unit(r: &Row) -> Result<Unit> {
    let kind: &str = r.try_get(2)?;
    Ok(Unit {
        id: UnitId(r.try_get(0)?),
        parent_id: r.try_get::<_, Option<i64>>(1)?.map(UnitId),
        kind: UnitKind::parse(kind).ok_or_else(|| corrupt("unit kind", kind))?,
        name: r.try_get(3)?,
        code: r.try_get(4)?,
    })
}

pub fn category(r: &Row) -> Category {
    Category { code: CategoryCode(r.get(0)), name_zh: r.get(1), name_en: r.get(2) }
}

pub fn user(r: &Row) -> Result<UserRecord> {
    let role: &str = r.try_get(3)?;
    Ok(UserRecord {
        id: UserId(r.try_get(0)?),
        username: r.try_get(1)?,
        display_name: r.try_get(2)?,
        role: Role::parse(role).ok_or_else(|| corrupt("role", role))?,
        unit_id: UnitId(r.try_get(4)?),
        active: r.try_get(5)?,
    })
}

pub fn event(r: &Row) -> Result<RecordedEvent> {
    let payload: &str = r.try_get(5)?;
    Ok(RecordedEvent {
        seq: r.try_get(0)?,
        matter_id: MatterId(r.try_get(1)?),
        version: r.try_get(2)?,
        at: from_ms(r.try_get(3)?),
        actor: UserId(r.try_get(4)?),
        event: serde_json::from_str(payload)
            .map_err(|e| StoreError::Corrupt(format!("event payload: {e}")))?,
    })
}

const SUMMARY: &str = "m.id, m.version, m.kind, m.channel, m.category, m.status, m.unit_id, m.lead_unit_id, m.title, \
    m.people_involved, m.amount_fen, m.registered_at, m.updated_at, m.due_at, m.closed_at, m.reopen_count, \
    m.merged_into";

fn summary(r: &Row) -> Result<MatterSummary> {
    let (kind, channel, status): (&str, &str, &str) = (r.try_get(2)?, r.try_get(3)?, r.try_get(5)?);
    let (Some(kind), Some(channel), Some(status)) =
        (MatterKind::parse(kind), Channel::parse(channel), Status::parse(status))
    else {
        return Err(corrupt("matter row", &format!("{kind}/{channel}/{status}")));
    };
    Ok(MatterSummary {
        id: MatterId(r.try_get(0)?),
        version: r.try_get(1)?,
        kind,
        channel,
        category: r.try_get(4)?,
        status,
        unit_id: UnitId(r.try_get(6)?),
        lead_unit_id: r.try_get::<_, Option<i64>>(7)?.map(UnitId),
        title: r.try_get(8)?,
        people_involved: r.try_get(9)?,
        amount_fen: r.try_get(10)?,
        registered_at: from_ms(r.try_get(11)?),
        updated_at: from_ms(r.try_get(12)?),
        due_at: r.try_get::<_, Option<i64>>(13)?.map(from_ms),
        closed_at: r.try_get::<_, Option<i64>>(14)?.map(from_ms),
        reopen_count: r.try_get(15)?,
        merged_into: r.try_get::<_, Option<i64>>(16)?.map(MatterId),
    })
}

/// The scoped, filtered, newest-first page of matters.
/// The WHERE conditions of a scoped, filtered matter query, appended to `sql` with their
/// arguments; list and count share them.
/// The path of the filter's lead unit, when the scope check might be spared by it.
async fn lead_path(
    c: &tokio_postgres::Client,
    scope: &Scope,
    filter: &MatterFilter,
) -> Result<Option<String>> {
    match filter.lead_unit {
        Some(u) if scope.path() != "/" => {
            let row = c.query_opt("SELECT path FROM units WHERE id = $1", &[&u.0]).await?;
            Ok(row.map(|r| r.try_get(0)).transpose()?)
        }
        _ => Ok(None),
    }
}

fn conditions(
    scope: &Scope,
    filter: &MatterFilter,
    lead_path: Option<&str>,
    sql: &mut String,
    args: &mut Vec<Box<dyn ToSql + Sync + Send>>,
) {
    let mut arg = |sql: &mut String, clause: &str, v: Box<dyn ToSql + Sync + Send>| {
        args.push(v);
        sql.push_str(&clause.replace('?', &format!("${}", args.len())));
    };
    // A place (or lead unit) filter inside the scope already confines the rows to it: a matter
    // is visible where it is placed and where it is led, so the access-row check would only
    // cost a lookup a row.
    let place_in_scope = filter.unit_path.as_deref().is_some_and(|p| scope.covers(p));
    let lead_in_scope = lead_path.is_some_and(|p| scope.covers(p));
    if scope.path() != "/" && !place_in_scope && !lead_in_scope {
        let (lo, hi) = scope.range();
        arg(
            sql,
            " AND EXISTS (SELECT 1 FROM matter_access a WHERE a.matter_id = m.id AND a.unit_path >= ?",
            Box::new(lo),
        );
        arg(sql, " AND a.unit_path < ?)", Box::new(hi));
    }
    if let Some(k) = filter.kind {
        arg(sql, " AND m.kind = ?", Box::new(k.as_str()));
    }
    if let Some(s) = filter.status {
        arg(sql, " AND m.status = ?", Box::new(s.as_str()));
    }
    if let Some(ch) = filter.channel {
        arg(sql, " AND m.channel = ?", Box::new(ch.as_str()));
    }
    if let Some(cat) = &filter.category {
        arg(sql, " AND m.category = ?", Box::new(cat.clone()));
    }
    if let Some(path) = &filter.unit_path {
        let (lo, hi) = prefix_range(path);
        arg(sql, " AND m.unit_path >= ?", Box::new(lo));
        arg(sql, " AND m.unit_path < ?", Box::new(hi));
    }
    if let Some(t) = filter.registered_from {
        arg(sql, " AND m.registered_at >= ?", Box::new(ms(t)));
    }
    if let Some(t) = filter.registered_before {
        arg(sql, " AND m.registered_at < ?", Box::new(ms(t)));
    }
    if filter.open {
        sql.push_str(" AND m.status <> 'closed'");
    }
    if filter.unanswered {
        sql.push_str(" AND m.status IN ('registered', 'assigned', 'in_progress')");
    }
    if filter.by_deadline {
        sql.push_str(" AND m.due_at IS NOT NULL");
    }
    if let Some(u) = filter.lead_unit {
        arg(sql, " AND m.lead_unit_id = ?", Box::new(u.0));
    }
    if let Some(ids) = &filter.ids {
        let ids: Vec<i64> = ids.iter().take(500).map(|m| m.0).collect();
        arg(sql, " AND m.id = ANY(?)", Box::new(ids));
    }
    if let Some(t) = filter.due_before {
        arg(sql, " AND m.due_at < ?", Box::new(ms(t)));
    }
    if let Some(t) = filter.due_from {
        arg(sql, " AND m.due_at >= ?", Box::new(ms(t)));
    }
    if let Some((what, unit)) = filter.waiting {
        arg(sql, " AND m.waiting_for = ?", Box::new(what.as_str().to_string()));
        arg(sql, " AND m.waiting_unit_id = ?", Box::new(unit.0));
    }
    match filter.merged {
        Some(true) => sql.push_str(" AND m.merged_into IS NOT NULL"),
        Some(false) => sql.push_str(" AND m.merged_into IS NULL"),
        None => {}
    }
    if let Some(main) = filter.merged_into {
        arg(sql, " AND m.merged_into = ?", Box::new(main.0));
    }
}

pub async fn list(
    c: &tokio_postgres::Client,
    scope: &Scope,
    filter: &MatterFilter,
    page: Page,
) -> Result<ListPage> {
    let mut sql = format!("SELECT {SUMMARY} FROM matters m WHERE TRUE");
    let mut args: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
    let lead = lead_path(c, scope, filter).await?;
    conditions(scope, filter, lead.as_deref(), &mut sql, &mut args);
    let mut arg = |sql: &mut String, clause: &str, v: Box<dyn ToSql + Sync + Send>| {
        args.push(v);
        sql.push_str(&clause.replace('?', &format!("${}", args.len())));
    };
    if let Some(before) = page.before {
        let clause = if filter.oldest_first { " AND m.id > ?" } else { " AND m.id < ?" };
        arg(&mut sql, clause, Box::new(before.0));
    }
    let limit = page.limit.clamp(1, 500);
    let order = if filter.by_deadline {
        " ORDER BY m.due_at, m.id LIMIT ?"
    } else if filter.oldest_first {
        " ORDER BY m.id LIMIT ?"
    } else {
        " ORDER BY m.id DESC LIMIT ?"
    };
    arg(&mut sql, order, Box::new(i64::from(limit + 1)));
    let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref() as &(dyn ToSql + Sync)).collect();
    let rows = c.query(&sql, &params).await?;
    let mut items = rows.iter().map(summary).collect::<Result<Vec<_>>>()?;
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|m| m.id).filter(|_| !filter.by_deadline)
    } else {
        None
    };
    Ok(ListPage { items, next })
}

/// How many matters a scoped filter finds, counting no further than `cap`.
pub async fn count(
    c: &tokio_postgres::Client,
    scope: &Scope,
    filter: &MatterFilter,
    cap: u32,
) -> Result<i64> {
    let mut sql = String::from("SELECT COUNT(*) FROM (SELECT 1 FROM matters m WHERE TRUE");
    let mut args: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
    let lead = lead_path(c, scope, filter).await?;
    conditions(scope, filter, lead.as_deref(), &mut sql, &mut args);
    args.push(Box::new(i64::from(cap)));
    sql.push_str(&format!(" LIMIT ${}) AS capped", args.len()));
    let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref() as &(dyn ToSql + Sync)).collect();
    Ok(c.query_one(&sql, &params).await?.get(0))
}
