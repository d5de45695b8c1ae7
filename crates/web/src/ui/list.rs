//! The matter list: the API's filters as a form (kind, status, channel, category, place
//! subtree, date range, overdue), newest first, a page at a time by cursor.

use super::account::{frame, render};
use super::error::UiError;
use super::pages::{Frame, Row};
use super::session::{Staff, urlencode};
use super::workbench::row;
use crate::api::matters::ListParams;
use crate::problem::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minsheng_domain::{Status, UnitKind};

/// The filter values as the form shows them.
#[derive(Default)]
pub struct Shown {
    /// Words to find.
    pub text: String,
    pub kind: String,
    pub status: String,
    pub channel: String,
    pub category: String,
    pub unit_id: String,
    pub from: String,
    pub to: String,
    pub overdue: String,
    /// `true`, `false` or empty: merged matters (并件) only, none of them, or all.
    pub merged: String,
    pub sort: String,
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
    /// This list as a spreadsheet.
    pub export: String,
    /// The user's saved filters: (id, name, href).
    pub saved: Vec<(i64, String, String)>,
    /// This list's query, to save.
    pub query: String,
    pub error: Option<String>,
    /// With words to find: how many matters match in all.
    pub total: Option<usize>,
}

fn shown(p: &ListParams) -> Shown {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    Shown {
        text: v(&p.q),
        kind: v(&p.kind),
        status: v(&p.status),
        channel: v(&p.channel),
        category: v(&p.category),
        unit_id: v(&p.unit_id),
        from: v(&p.from),
        to: v(&p.to),
        overdue: v(&p.overdue),
        merged: v(&p.merged),
        sort: v(&p.sort),
    }
}

/// This page's query with the cursor moved on, or (`None`) without a cursor, at `path`.
fn href(path: &str, q: &Shown, cursor: Option<i64>) -> String {
    let pairs = [
        ("q", &q.text),
        ("kind", &q.kind),
        ("status", &q.status),
        ("channel", &q.channel),
        ("category", &q.category),
        ("unit_id", &q.unit_id),
        ("from", &q.from),
        ("to", &q.to),
        ("overdue", &q.overdue),
        ("merged", &q.merged),
        ("sort", &q.sort),
    ];
    let mut query: Vec<String> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", urlencode(v))).collect();
    if let Some(cursor) = cursor {
        query.push(format!("cursor={cursor}"));
    }
    format!("{path}?{}", query.join("&"))
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
    let text = q.text.trim().to_owned();
    let mut total = None;
    let (rows, next, error) = match filtered {
        Ok((filter, page)) if !text.is_empty() => {
            let offset = params.cursor.as_deref().and_then(|c| c.trim().parse::<usize>().ok()).unwrap_or(0);
            let newest = q.sort == "newest";
            match crate::api::matters::search_list(
                &state,
                &staff.caller,
                &text,
                &filter,
                offset,
                page.limit,
                newest,
            )
            .await
            {
                Ok(found) => {
                    total = found.total;
                    let snippets: std::collections::HashMap<_, _> = found
                        .hits
                        .into_iter()
                        .map(|h| {
                            let s = if h.body_snippet.is_empty() { h.title_snippet } else { h.body_snippet };
                            (h.id, s)
                        })
                        .collect();
                    let rows = found
                        .items
                        .iter()
                        .map(|m| super::pages::Row {
                            snippet: snippets.get(&m.id).cloned().unwrap_or_default(),
                            ..row(m, &staff, &org, now)
                        })
                        .collect();
                    let next =
                        found.next_cursor.and_then(|c| c.parse().ok()).map(|c| href("/matters", &q, Some(c)));
                    (rows, next, None)
                }
                Err(e) => return UiError::new(tr, e).into_response(),
            }
        }
        Ok((filter, page)) => match state.store.list(&staff.caller.scope, &filter, page).await {
            Ok(p) => (
                p.items.iter().map(|m| row(m, &staff, &org, now)).collect(),
                p.next.map(|c| href("/matters", &q, Some(c.0))),
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
    let export = href("/matters/export.xlsx", &q, None);
    let query = href("", &q, None).trim_start_matches('?').to_owned();
    let saved = match state.store.saved_filters(staff.caller.user.id).await {
        Ok(f) => f.into_iter().map(|f| (f.id, f.name, format!("/matters?{}", f.query))).collect(),
        Err(e) => return UiError::new(tr, e.into()).into_response(),
    };
    let page = ListPage {
        frame: frame(&staff, "/matters"),
        export,
        saved,
        query,
        q,
        kinds: super::pages::kind_options(tr),
        statuses: Status::ALL.iter().map(|s| (s.as_str().into(), tr.of("status", s.as_str()))).collect(),
        channels: super::pages::channel_options(tr),
        categories: super::pages::category_options(tr, &catalogue),
        units: org
            .iter()
            .filter(|u| matches!(u.kind, UnitKind::County | UnitKind::Township | UnitKind::Village))
            .filter(|u| org.is_within(u.id, staff.caller.actor.unit_id))
            .map(|u| (u.id.0.to_string(), org.full_name(u.id)))
            .collect(),
        rows,
        next,
        error,
        total,
    };
    render(tr, &page)
}

/// The most filters one user keeps.
const SAVED_MAX: usize = 20;

#[derive(serde::Deserialize)]
pub struct SaveForm {
    csrf: String,
    name: String,
    query: String,
}

/// Saves the list's current filter under a name, then shows it.
pub async fn save_filter(
    State(state): State<AppState>,
    staff: Staff,
    axum::Form(form): axum::Form<SaveForm>,
) -> Response {
    let tr = staff.tr;
    if !staff.csrf_ok(&form.csrf) {
        return UiError::csrf(tr).into_response();
    }
    // Keep only a query the list itself would accept.
    let parsed: Result<ListParams, _> = serde_urlencoded_query(&form.query);
    let (Ok(name), Ok(_)) = (minsheng_domain::text::required("name", &form.name, 30), parsed) else {
        return axum::response::Redirect::to(&format!("/matters?{}", form.query)).into_response();
    };
    let user = staff.caller.user.id;
    match state.store.saved_filters(user).await {
        Ok(existing) if existing.len() >= SAVED_MAX => {
            return UiError {
                tr,
                status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                message_key: "filters-too-many",
            }
            .into_response();
        }
        Ok(_) => {}
        Err(e) => return UiError::new(tr, e.into()).into_response(),
    }
    if let Err(e) = state.store.save_filter(user, name, form.query.clone()).await {
        return UiError::new(tr, e.into()).into_response();
    }
    axum::response::Redirect::to(&format!("/matters?{}", form.query)).into_response()
}

fn serde_urlencoded_query(query: &str) -> Result<ListParams, ()> {
    if query.len() > 500 {
        return Err(());
    }
    let uri: axum::http::Uri = format!("/?{query}").parse().map_err(|_| ())?;
    Query::<ListParams>::try_from_uri(&uri).map(|Query(q)| q).map_err(|_| ())
}

#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

pub async fn delete_filter(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Path(id): axum::extract::Path<i64>,
    axum::Form(form): axum::Form<CsrfOnly>,
) -> Response {
    if !staff.csrf_ok(&form.csrf) {
        return UiError::csrf(staff.tr).into_response();
    }
    if let Err(e) = state.store.delete_filter(staff.caller.user.id, id).await {
        return UiError::new(staff.tr, e.into()).into_response();
    }
    axum::response::Redirect::to("/matters").into_response()
}
