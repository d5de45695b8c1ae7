//! The matter list: the API's filters as a form (kind, status, channel, category, place
//! subtree, date range, overdue), newest first, a page at a time by cursor.

use super::account::{frame, render};
use super::error::UiError;
use super::i18n::Tr;
use super::pages::{Frame, Row};
use super::session::{Staff, urlencode};
use super::workbench::row;
use crate::api::matters::ListParams;
use crate::problem::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minsheng_domain::{Channel, MatterKind, Status, UnitKind};

/// The filter values as the form shows them.
#[derive(Default)]
pub struct Shown {
    pub kind: String,
    pub status: String,
    pub channel: String,
    pub category: String,
    pub unit_id: String,
    pub from: String,
    pub to: String,
    pub overdue: String,
}

#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub frame: Frame,
    pub q: Shown,
    pub kinds: Vec<(String, String)>,
    pub statuses: Vec<(String, String)>,
    pub channels: Vec<(String, String)>,
    pub categories: Vec<(String, String)>,
    pub units: Vec<(String, String)>,
    pub rows: Vec<Row>,
    pub next: Option<String>,
    pub error: Option<String>,
}

fn shown(p: &ListParams) -> Shown {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    Shown {
        kind: v(&p.kind),
        status: v(&p.status),
        channel: v(&p.channel),
        category: v(&p.category),
        unit_id: v(&p.unit_id),
        from: v(&p.from),
        to: v(&p.to),
        overdue: v(&p.overdue),
    }
}

/// This page's query with the cursor moved on.
fn next_href(q: &Shown, cursor: i64) -> String {
    let pairs = [
        ("kind", &q.kind),
        ("status", &q.status),
        ("channel", &q.channel),
        ("category", &q.category),
        ("unit_id", &q.unit_id),
        ("from", &q.from),
        ("to", &q.to),
        ("overdue", &q.overdue),
    ];
    let mut query: Vec<String> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", urlencode(v))).collect();
    query.push(format!("cursor={cursor}"));
    format!("/matters?{}", query.join("&"))
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    query: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let tr = staff.tr;
    let (params, rejected) = match query {
        Ok(Query(q)) => (q, None),
        Err(e) => {
            let text = e.body_text();
            (ListParams::default(), Some(text.split('`').nth(1).unwrap_or("query").to_owned()))
        }
    };
    let q = shown(&params);
    let org = state.org();
    let now = state.clock.now();
    let filtered = match rejected {
        Some(field) => Err(ApiError::BadQuery { field }),
        None => params.filter(&state),
    };
    let (rows, next, error) = match filtered {
        Ok((filter, page)) => match state.store.list(&staff.caller.scope, &filter, page).await {
            Ok(p) => (
                p.items.iter().map(|m| row(m, &staff, &org, now)).collect(),
                p.next.map(|c| next_href(&q, c.0)),
                None,
            ),
            Err(e) => return UiError::new(tr, e.into()).into_response(),
        },
        Err(ApiError::BadQuery { field }) => (vec![], None, Some(tr.t1("list-bad", "field", field))),
        Err(ApiError::Invalid(f)) => (
            vec![],
            None,
            Some(tr.t1("list-bad", "field", f.first().map(|e| e.field.clone()).unwrap_or_default())),
        ),
        Err(e) => return UiError::new(tr, e).into_response(),
    };
    let catalogue = state.catalogue();
    let page = ListPage {
        frame: frame(&staff, "/matters"),
        q,
        kinds: MatterKind::ALL.iter().map(|k| (k.as_str().into(), tr.of("kind", k.as_str()))).collect(),
        statuses: Status::ALL.iter().map(|s| (s.as_str().into(), tr.of("status", s.as_str()))).collect(),
        channels: Channel::ALL.iter().map(|c| (c.as_str().into(), tr.of("channel", c.as_str()))).collect(),
        categories: catalogue
            .all()
            .iter()
            .map(|c| (c.code.0.clone(), if tr == Tr::en() { c.name_en.clone() } else { c.name_zh.clone() }))
            .collect(),
        units: org
            .iter()
            .filter(|u| matches!(u.kind, UnitKind::County | UnitKind::Township | UnitKind::Village))
            .filter(|u| org.is_within(u.id, staff.caller.actor.unit_id))
            .map(|u| (u.id.0.to_string(), org.full_name(u.id)))
            .collect(),
        rows,
        next,
        error,
    };
    render(tr, &page)
}
