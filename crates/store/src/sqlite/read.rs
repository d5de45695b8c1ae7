//! Row decoding and the scoped list query for SQLite.

use crate::model::*;
use crate::scope::{Scope, prefix_range};
use crate::{Result, StoreError};
use minsheng_domain::{Category, CategoryCode, Channel, MatterId, MatterKind, RecordedEvent, Role, Status};
use minsheng_domain::{Unit, UnitId, UnitKind, UserId};
use rusqlite::OptionalExtension;
use rusqlite::types::Value;
use rusqlite::{Connection, Row};

pub const USER: &str = "id, username, display_name, role, unit_id, active";
pub const USER_U: &str = "u.id, u.username, u.display_name, u.role, u.unit_id, u.active";

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?}"))
}

pub fn unit(r: &Row<'_>) -> rusqlite::Result<Result<Unit>> {
    let kind: String = r.get(2)?;
    Ok(Ok(Unit {
        id: UnitId(r.get(0)?),
        parent_id: r.get::<_, Option<i64>>(1)?.map(UnitId),
        kind: match UnitKind::parse(&kind) {
            Some(k) => k,
            None => return Ok(Err(corrupt("unit kind", &kind))),
        },
        name: r.get(3)?,
        code: r.get(4)?,
    }))
}

pub fn category(r: &Row<'_>) -> rusqlite::Result<Category> {
    Ok(Category { code: CategoryCode(r.get(0)?), name_zh: r.get(1)?, name_en: r.get(2)? })
}

pub fn user(r: &Row<'_>) -> rusqlite::Result<Result<UserRecord>> {
    let role: String = r.get(3)?;
    let Some(role) = Role::parse(&role) else { return Ok(Err(corrupt("role", &role))) };
    Ok(Ok(UserRecord {
        id: UserId(r.get(0)?),
        username: r.get(1)?,
        display_name: r.get(2)?,
        role,
        unit_id: UnitId(r.get(4)?),
        active: r.get(5)?,
    }))
}

pub fn event(r: &Row<'_>) -> rusqlite::Result<Result<RecordedEvent>> {
    let payload: String = r.get(5)?;
    let event = match serde_json::from_str(&payload) {
        Ok(e) => e,
        Err(e) => return Ok(Err(StoreError::Corrupt(format!("event payload: {e}")))),
    };
    Ok(Ok(RecordedEvent {
        seq: r.get(0)?,
        matter_id: MatterId(r.get(1)?),
        version: r.get(2)?,
        at: from_ms(r.get(3)?),
        actor: UserId(r.get(4)?),
        event,
    }))
}

const SUMMARY: &str = "m.id, m.version, m.kind, m.channel, m.category, m.status, m.unit_id, m.lead_unit_id, m.title, \
    m.people_involved, m.amount_fen, m.registered_at, m.updated_at, m.due_at, m.closed_at, m.reopen_count, \
    m.merged_into";

fn summary(r: &Row<'_>) -> rusqlite::Result<Result<MatterSummary>> {
    let (kind, channel, status): (String, String, String) = (r.get(2)?, r.get(3)?, r.get(5)?);
    let (Some(kind), Some(channel), Some(status)) =
        (MatterKind::parse(&kind), Channel::parse(&channel), Status::parse(&status))
    else {
        return Ok(Err(corrupt("matter row", &format!("{kind}/{channel}/{status}"))));
    };
    Ok(Ok(MatterSummary {
        id: MatterId(r.get(0)?),
        version: r.get(1)?,
        kind,
        channel,
        category: r.get(4)?,
        status,
        unit_id: UnitId(r.get(6)?),
        lead_unit_id: r.get::<_, Option<i64>>(7)?.map(UnitId),
        title: r.get(8)?,
        people_involved: r.get(9)?,
        amount_fen: r.get(10)?,
        registered_at: from_ms(r.get(11)?),
        updated_at: from_ms(r.get(12)?),
        due_at: r.get::<_, Option<i64>>(13)?.map(from_ms),
        closed_at: r.get::<_, Option<i64>>(14)?.map(from_ms),
        reopen_count: r.get(15)?,
        merged_into: r.get::<_, Option<i64>>(16)?.map(MatterId),
    }))
}

/// The scoped, filtered, newest-first page of matters.
/// The WHERE conditions of a scoped, filtered matter query, appended to `sql` with their
/// arguments; list and count share them.
/// The path of the filter's lead unit, when the scope check might be spared by it.
fn lead_path(c: &Connection, scope: &Scope, filter: &MatterFilter) -> Result<Option<String>> {
    match filter.lead_unit {
        Some(u) if scope.path() != "/" => Ok(c
            .prepare_cached("SELECT path FROM units WHERE id = ?1")?
            .query_row([u.0], |r| r.get(0))
            .optional()?),
        _ => Ok(None),
    }
}

fn conditions(
    scope: &Scope,
    filter: &MatterFilter,
    lead_path: Option<&str>,
    sql: &mut String,
    args: &mut Vec<Value>,
) {
    let mut arg = |sql: &mut String, clause: &str, v: Value| {
        args.push(v);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
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
            lo.into(),
        );
        arg(sql, " AND a.unit_path < ?)", hi.into());
    }
    if let Some(k) = filter.kind {
        arg(sql, " AND m.kind = ?", k.as_str().to_owned().into());
    }
    if let Some(s) = filter.status {
        arg(sql, " AND m.status = ?", s.as_str().to_owned().into());
    }
    if let Some(ch) = filter.channel {
        arg(sql, " AND m.channel = ?", ch.as_str().to_owned().into());
    }
    if let Some(cat) = &filter.category {
        arg(sql, " AND m.category = ?", cat.clone().into());
    }
    if let Some(path) = &filter.unit_path {
        let (lo, hi) = prefix_range(path);
        arg(sql, " AND m.unit_path >= ?", lo.into());
        arg(sql, " AND m.unit_path < ?", hi.into());
    }
    if let Some(t) = filter.registered_from {
        arg(sql, " AND m.registered_at >= ?", ms(t).into());
    }
    if let Some(t) = filter.registered_before {
        arg(sql, " AND m.registered_at < ?", ms(t).into());
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
        arg(sql, " AND m.lead_unit_id = ?", u.0.into());
    }
    if let Some(ids) = &filter.ids {
        sql.push_str(" AND m.id IN (NULL");
        for id in ids.iter().take(500) {
            arg(sql, ", ?", id.0.into());
        }
        sql.push(')');
    }
    if let Some(t) = filter.due_before {
        arg(sql, " AND m.due_at IS NOT NULL AND m.due_at < ?", ms(t).into());
    }
    if let Some(t) = filter.due_from {
        arg(sql, " AND m.due_at >= ?", ms(t).into());
    }
    if let Some((what, unit)) = filter.waiting {
        arg(sql, " AND m.waiting_for = ?", what.as_str().to_string().into());
        arg(sql, " AND m.waiting_unit_id = ?", unit.0.into());
    }
    match filter.merged {
        Some(true) => sql.push_str(" AND m.merged_into IS NOT NULL"),
        Some(false) => sql.push_str(" AND m.merged_into IS NULL"),
        None => {}
    }
    if let Some(main) = filter.merged_into {
        arg(sql, " AND m.merged_into = ?", main.0.into());
    }
}

pub fn list(c: &Connection, scope: &Scope, filter: &MatterFilter, page: Page) -> Result<ListPage> {
    let mut sql = format!("SELECT {SUMMARY} FROM matters m WHERE 1 = 1");
    let mut args: Vec<Value> = Vec::new();
    let lead = lead_path(c, scope, filter)?;
    conditions(scope, filter, lead.as_deref(), &mut sql, &mut args);
    let mut arg = |sql: &mut String, clause: &str, v: Value| {
        args.push(v);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    if let Some(before) = page.before {
        let clause = if filter.oldest_first { " AND m.id > ?" } else { " AND m.id < ?" };
        arg(&mut sql, clause, before.0.into());
    }
    let limit = page.limit.clamp(1, 500);
    let order = if filter.by_deadline {
        " ORDER BY m.due_at, m.id LIMIT ?"
    } else if filter.oldest_first {
        " ORDER BY m.id LIMIT ?"
    } else {
        " ORDER BY m.id DESC LIMIT ?"
    };
    arg(&mut sql, order, i64::from(limit + 1).into());
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), summary)?;
    let mut items = rows.map(|r| r?).collect::<Result<Vec<_>>>()?;
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|m| m.id).filter(|_| !filter.by_deadline)
    } else {
        None
    };
    Ok(ListPage { items, next })
}

/// How many matters a scoped filter finds, counting no further than `cap`.
pub fn count(c: &Connection, scope: &Scope, filter: &MatterFilter, cap: u32) -> Result<i64> {
    let mut sql = String::from("SELECT COUNT(*) FROM (SELECT 1 FROM matters m WHERE 1 = 1");
    let mut args: Vec<Value> = Vec::new();
    let lead = lead_path(c, scope, filter)?;
    conditions(scope, filter, lead.as_deref(), &mut sql, &mut args);
    args.push(i64::from(cap).into());
    sql.push_str(&format!(" LIMIT ?{})", args.len()));
    let mut stmt = c.prepare_cached(&sql)?;
    Ok(stmt.query_row(rusqlite::params_from_iter(args), |r| r.get(0))?)
}
