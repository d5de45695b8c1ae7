//! Three-colour warnings in the staff pages: the warning board (`/warnings`: open warnings by
//! level, unit and age; the org tree coloured by its open warnings, as a map of tiles; the
//! clusters standing now), one warning with its matters and log (`/warnings/{id}`), and the
//! rules page for administrators (`/admin/warnings`) with its 90-day preview.

use super::account::{frame, render};
use super::error::UiError;
use super::i18n::Tr;
use super::pages::{china_time, deadline_time};
use super::session::Staff;
use crate::api::warnings::{
    ClusterView, Preview, SubjectView, WarningParams, WarningView, preview_of, save_rules, views,
};
use crate::problem::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minsheng_domain::warning::{Condition, Figures, Level, Rules};
use minsheng_domain::{OrgTree, UnitId};
use minsheng_store::{Scope, WarningFilter};
use std::collections::HashMap;

/// A warning as a row of the board.
pub struct Row {
    pub id: i64,
    pub level: &'static str,
    pub label: String,
    pub subject: String,
    pub unit: String,
    pub age: i64,
    pub reason: String,
    pub response: String,
    pub owner: String,
    pub deadline: String,
    pub raised: String,
    pub closed: String,
    pub note: String,
}

/// `事项 #42`, `同一项目：…`, `同一属地：枫桥镇 / 枫源村`.
fn subject_words(tr: Tr, s: &SubjectView) -> String {
    match s.kind {
        "matter" => tr.t1("warning-subject-matter", "id", s.name.clone()),
        kind => format!("{}：{}", tr.t(&format!("warning-subject-{kind}")), s.name),
    }
}

fn row(tr: Tr, v: &WarningView) -> Row {
    Row {
        id: v.id,
        level: v.level.as_str(),
        label: tr.of("level", v.level.as_str()),
        subject: subject_words(tr, &v.subject),
        unit: v.unit_name.clone(),
        age: v.age_days,
        reason: v.reason.clone(),
        response: v.response.clone(),
        owner: v.owner.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        deadline: v.deadline.map(deadline_time).unwrap_or_default(),
        raised: china_time(v.raised_at),
        closed: v.closed_at.map(china_time).unwrap_or_default(),
        note: v.close_note.clone().unwrap_or_default(),
    }
}

/// A tile of the org map: a unit with the worst level of the open warnings in its subtree.
pub struct Tile {
    pub id: i64,
    pub name: String,
    pub level: &'static str,
    pub count: usize,
    /// Its units below that have warnings (name, level, count).
    pub inner: Vec<(String, &'static str, usize)>,
}

fn worst(levels: &[Level]) -> &'static str {
    levels.iter().max().map_or("none", |l| l.as_str())
}

/// The scope's units one level down as tiles, each coloured by its subtree's open warnings.
fn tiles(org: &OrgTree, root: UnitId, open: &[(UnitId, Level)]) -> Vec<Tile> {
    let under = |unit: UnitId| -> Vec<Level> {
        open.iter().filter(|(u, _)| org.is_within(*u, unit)).map(|(_, l)| *l).collect()
    };
    let mut out: Vec<Tile> = org
        .iter()
        .filter(|u| u.parent_id == Some(root))
        .map(|u| {
            let levels = under(u.id);
            let inner = org
                .iter()
                .filter(|c| c.parent_id == Some(u.id))
                .filter_map(|c| {
                    let l = under(c.id);
                    (!l.is_empty()).then(|| (c.name.clone(), worst(&l), l.len()))
                })
                .collect();
            Tile { id: u.id.0, name: u.name.clone(), level: worst(&levels), count: levels.len(), inner }
        })
        .collect();
    // The scope's own unit, for warnings held right at it.
    let own: Vec<Level> = open.iter().filter(|(u, _)| *u == root).map(|(_, l)| *l).collect();
    if !own.is_empty() {
        out.insert(
            0,
            Tile {
                id: root.0,
                name: org.get(root).map(|u| u.name.clone()).unwrap_or_default(),
                level: worst(&own),
                count: own.len(),
                inner: vec![],
            },
        );
    }
    out.sort_by_key(|t| std::cmp::Reverse((level_rank(t.level), t.count)));
    out
}

fn level_rank(level: &str) -> u8 {
    match level {
        "red" => 3,
        "yellow" => 2,
        "blue" => 1,
        _ => 0,
    }
}

pub struct ClusterRow {
    pub subject: String,
    pub category: String,
    pub unit: String,
    pub size: u32,
    pub before: u32,
    pub open: u32,
    pub people: u64,
    pub amount: String,
    pub window: u32,
    pub members: Vec<i64>,
}

fn yuan(fen: i64) -> String {
    format!("¥{}.{:02}", fen / 100, (fen % 100).abs())
}

fn cluster_row(tr: Tr, state: &AppState, c: &ClusterView) -> ClusterRow {
    let catalogue = state.catalogue();
    let category = c.subject.category.clone().unwrap_or_default();
    ClusterRow {
        subject: subject_words(tr, &c.subject),
        category: catalogue.get(&category).map(|k| tr.category(k)).unwrap_or(category),
        unit: c.unit_name.clone(),
        size: c.figures.size,
        before: c.figures.before,
        open: c.figures.open,
        people: c.figures.people,
        amount: yuan(c.figures.amount_fen),
        window: c.figures.window_days,
        members: c.members.iter().copied().take(30).collect(),
    }
}

#[derive(Template)]
#[template(path = "warnings.html")]
pub struct Board {
    pub frame: super::pages::Frame,
    pub counts: [(String, &'static str, usize); 3],
    pub rows: Vec<Row>,
    pub tiles: Vec<Tile>,
    pub clusters: Vec<ClusterRow>,
    pub level: String,
    pub state: String,
    pub units: Vec<(i64, String)>,
    pub unit: String,
    pub next: Option<String>,
}

/// `GET /warnings`: the board.
pub async fn board(State(state): State<AppState>, staff: Staff, Query(q): Query<WarningParams>) -> Response {
    let tr = staff.tr;
    match board_page(&state, &staff, q).await {
        Ok(page) => render(tr, &page),
        Err(ApiError::BadQuery { .. }) => Redirect::to("/warnings").into_response(),
        Err(e) => UiError::new(tr, e).into_response(),
    }
}

async fn board_page(state: &AppState, staff: &Staff, q: WarningParams) -> Result<Board, ApiError> {
    let tr = staff.tr;
    let org = state.org();
    let scope = &staff.caller.scope;
    let filter = q.filter(state)?;
    let found = state.store.warnings(scope, &filter).await?;
    let next =
        (found.len() == filter.limit as usize).then(|| found.last().map(|w| w.id.to_string())).flatten();
    let rows = views(state, &found).await?.iter().map(|v| row(tr, v)).collect();
    let open = state
        .store
        .warnings(scope, &WarningFilter { open: Some(true), limit: 1000, ..WarningFilter::default() })
        .await?;
    let count = |l: Level| open.iter().filter(|w| w.level == l).count();
    let counts =
        [Level::Red, Level::Yellow, Level::Blue].map(|l| (tr.of("level", l.as_str()), l.as_str(), count(l)));
    let me = staff.caller.actor.unit_id;
    let pairs: Vec<(UnitId, Level)> = open.iter().map(|w| (w.unit_id, w.level)).collect();
    let clusters = crate::api::warnings::cluster_views(state, &staff.caller)
        .await?
        .iter()
        .take(30)
        .map(|c| cluster_row(tr, state, c))
        .collect();
    let units = std::iter::once(me)
        .chain(org.iter().filter(|u| u.parent_id == Some(me)).map(|u| u.id))
        .map(|u| (u.0, org.full_name(u)))
        .collect();
    Ok(Board {
        frame: frame(staff, "/warnings"),
        counts,
        rows,
        tiles: tiles(&org, me, &pairs),
        clusters,
        level: q.level.unwrap_or_default(),
        state: q.state.unwrap_or_else(|| "open".into()),
        units,
        unit: q.unit_id.unwrap_or_default(),
        next,
    })
}

#[derive(Template)]
#[template(path = "warning.html")]
pub struct One {
    pub frame: super::pages::Frame,
    pub w: Row,
    pub rules: String,
    pub members: Vec<(i64, String, String)>,
    pub notified: String,
    pub coordinator: String,
    pub close_note: String,
    pub figures: Option<Figures>,
    pub amount: String,
    pub log: Vec<(String, String, &'static str, String)>,
}

/// `GET /warnings/{id}`: one warning, its matters and its log.
pub async fn one(State(state): State<AppState>, staff: Staff, Path(id): Path<String>) -> Response {
    let tr = staff.tr;
    let Ok(id) = id.parse::<i64>() else { return UiError::not_found(tr).into_response() };
    let found = match state.store.warning(&staff.caller.scope, id).await {
        Ok(Some(found)) => found,
        Ok(None) => return UiError::not_found(tr).into_response(),
        Err(e) => return UiError::new(tr, e.into()).into_response(),
    };
    let (w, log) = found;
    let v = match views(&state, std::slice::from_ref(&w)).await {
        Ok(mut v) => match v.pop() {
            Some(v) => v,
            None => return UiError::not_found(tr).into_response(),
        },
        Err(e) => return UiError::new(tr, e).into_response(),
    };
    let filter = minsheng_store::MatterFilter { ids: Some(w.detail.members.clone()), ..Default::default() };
    let rows = match state
        .store
        .list(&staff.caller.scope, &filter, minsheng_store::Page { before: None, limit: 500 })
        .await
    {
        Ok(rows) => rows.items,
        Err(e) => return UiError::new(tr, e.into()).into_response(),
    };
    let titles: HashMap<i64, (String, String)> =
        rows.into_iter().map(|m| (m.id.0, (m.title, tr.of("status", m.status.as_str())))).collect();
    let members = w
        .detail
        .members
        .iter()
        .map(|m| {
            let (title, status) = titles.get(&m.0).cloned().unwrap_or_default();
            (m.0, title, status)
        })
        .collect();
    let amount = w.detail.figures.as_ref().map(|f| yuan(f.amount_fen)).unwrap_or_default();
    let figures = w.detail.figures.clone();
    let page = One {
        frame: frame(&staff, &format!("/warnings/{id}")),
        rules: v.rules.join("、"),
        notified: v.notified.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("、"),
        coordinator: v.coordinator.clone().unwrap_or_default(),
        close_note: v.close_note.clone().unwrap_or_default(),
        w: row(tr, &v),
        members,
        figures,
        amount,
        log: log
            .iter()
            .map(|e| {
                (
                    china_time(e.at),
                    tr.t(&format!("warning-happening-{}", e.happening.as_str())),
                    e.level.as_str(),
                    e.text.clone(),
                )
            })
            .collect(),
    };
    render(tr, &page)
}

/// One rule as the rules form shows it.
pub struct RuleRow {
    pub index: usize,
    pub id: String,
    pub level: &'static str,
    pub enabled: bool,
    pub what: String,
    /// (field name, label, value)
    pub inputs: Vec<(&'static str, String, String)>,
}

fn rule_rows(tr: Tr, rules: &Rules) -> Vec<RuleRow> {
    rules
        .rules()
        .iter()
        .enumerate()
        .map(|(index, r)| {
            let kind = match &r.condition {
                Condition::ClusterSize { .. } => "cluster_size",
                Condition::CollectiveGrowing { .. } => "collective_growing",
                Condition::People { .. } => "people",
                Condition::Amount { .. } => "amount",
                Condition::Overdue => "overdue",
                Condition::OverdueByHalf => "overdue_by_half",
                Condition::SupervisionIgnored => "supervision_ignored",
                Condition::RepeatContacts { .. } => "repeat_contacts",
                Condition::ViolenceRisk => "violence_risk",
            };
            let input = |name: &'static str, v: String| (name, tr.t(&format!("warning-input-{name}")), v);
            let inputs = match r.condition {
                Condition::ClusterSize { min, window_days } => {
                    vec![input("min", min.to_string()), input("window_days", window_days.to_string())]
                }
                Condition::CollectiveGrowing { min_people, window_days } => {
                    vec![
                        input("min_people", min_people.to_string()),
                        input("window_days", window_days.to_string()),
                    ]
                }
                Condition::People { min } | Condition::RepeatContacts { min } => {
                    vec![input("min", min.to_string())]
                }
                Condition::Amount { min_fen } => vec![input("min_yuan", (min_fen / 100).to_string())],
                _ => vec![],
            };
            RuleRow {
                index,
                id: r.id.clone(),
                level: r.level.as_str(),
                enabled: r.enabled,
                what: tr.t(&format!("warning-rule-{kind}")),
                inputs,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin_warnings.html")]
pub struct RulesPage {
    pub frame: super::pages::Frame,
    pub rules: Vec<RuleRow>,
    pub levels: Vec<(&'static str, String)>,
    pub errors: Vec<String>,
    pub notice: Option<String>,
    pub preview: Option<Preview>,
    pub preview_lines: Vec<(&'static str, String, String)>,
}

fn rules_page(staff: &Staff, rules: &Rules) -> RulesPage {
    let tr = staff.tr;
    RulesPage {
        frame: frame(staff, "/admin/warnings"),
        rules: rule_rows(tr, rules),
        levels: [Level::Blue, Level::Yellow, Level::Red]
            .iter()
            .map(|l| (l.as_str(), tr.of("level", l.as_str())))
            .collect(),
        errors: vec![],
        notice: None,
        preview: None,
        preview_lines: vec![],
    }
}

/// `GET /admin/warnings`: the live rules, to edit.
pub async fn rules_form(State(state): State<AppState>, staff: Staff) -> Response {
    let tr = staff.tr;
    if let Err(e) = crate::api::calendar::deployment_admin(&state, &staff.caller) {
        return UiError::new(tr, e).into_response();
    }
    match crate::warnings::rules(&state).await {
        Ok(rules) => render(tr, &rules_page(&staff, &rules)),
        Err(e) => UiError::new(tr, e.into()).into_response(),
    }
}

/// Reads the form over the live rules: each row's level, enabled box and thresholds. A number
/// that does not read is reported under its rule's field, like the API's checks.
fn read_form(tr: Tr, live: &Rules, fields: &[(String, String)]) -> (Rules, Vec<String>) {
    let get = |name: String| fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v.trim().to_owned());
    let mut errors = vec![];
    let mut out = vec![];
    for (i, r) in live.rules().iter().enumerate() {
        let mut r = r.clone();
        if let Some(l) = get(format!("r{i}_level")).as_deref().and_then(Level::parse) {
            r.level = l;
        }
        r.enabled = get(format!("r{i}_enabled")).is_some();
        let mut number = |name: &str| -> Option<i64> {
            let raw = get(format!("r{i}_{name}"))?;
            match raw.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(format!(
                        "{}·{}：{}",
                        r.id,
                        tr.t(&format!("warning-input-{name}")),
                        tr.t("warning-not-a-number")
                    ));
                    None
                }
            }
        };
        let small = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        match &mut r.condition {
            Condition::ClusterSize { min, window_days } => {
                if let Some(n) = number("min") {
                    *min = small(n);
                }
                if let Some(n) = number("window_days") {
                    *window_days = small(n);
                }
            }
            Condition::CollectiveGrowing { min_people, window_days } => {
                if let Some(n) = number("min_people") {
                    *min_people = small(n);
                }
                if let Some(n) = number("window_days") {
                    *window_days = small(n);
                }
            }
            Condition::People { min } | Condition::RepeatContacts { min } => {
                if let Some(n) = number("min") {
                    *min = small(n);
                }
            }
            Condition::Amount { min_fen } => {
                if let Some(n) = number("min_yuan") {
                    *min_fen = n.saturating_mul(100);
                }
            }
            _ => {}
        }
        out.push(r);
    }
    (Rules::new(out), errors)
}

/// `POST /admin/warnings`: preview the edited rules on the last 90 days, or save them.
pub async fn rules_post(
    State(state): State<AppState>,
    staff: Staff,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let tr = staff.tr;
    let csrf = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or("");
    if !staff.csrf_ok(csrf) {
        return UiError::csrf(tr).into_response();
    }
    let live = match crate::warnings::rules(&state).await {
        Ok(r) => r,
        Err(e) => return UiError::new(tr, e.into()).into_response(),
    };
    let (edited, errors) = read_form(tr, &live, &fields);
    let mut page = rules_page(&staff, &edited);
    if !errors.is_empty() {
        page.errors = errors;
        return render(tr, &page);
    }
    let save = fields.iter().any(|(k, v)| k == "action" && v == "save");
    let lang = tr.lang();
    let named = |fields: Vec<minsheng_domain::FieldError>| -> Vec<String> {
        fields
            .iter()
            .map(|f| {
                let rule = f
                    .field
                    .strip_prefix("rules[")
                    .and_then(|r| r.split_once(']'))
                    .and_then(|(i, _)| i.parse::<usize>().ok())
                    .and_then(|i| edited.rules().get(i))
                    .map(|r| format!("{}·", r.id))
                    .unwrap_or_default();
                format!("{rule}{}", lang.issue(&f.issue))
            })
            .collect()
    };
    if save {
        match save_rules(&state, &staff.caller, &edited).await {
            Ok(()) => page.notice = Some(tr.t("warning-rules-saved")),
            Err(ApiError::Invalid(f)) => page.errors = named(f),
            Err(e) => return UiError::new(tr, e).into_response(),
        }
        return render(tr, &page);
    }
    match preview_of(&state, &staff.caller, &edited).await {
        Ok(p) => {
            page.preview_lines = p
                .items
                .iter()
                .take(30)
                .map(|l| (l.level.as_str(), subject_words(tr, &l.subject), l.reason.clone()))
                .collect();
            page.preview = Some(p);
        }
        Err(ApiError::Invalid(f)) => page.errors = named(f),
        Err(e) => return UiError::new(tr, e).into_response(),
    }
    render(tr, &page)
}

/// A warning as one line of a banner or a card: (id, level, `黄色预警（Ⅱ级，较重）：why`).
fn banner(w: &minsheng_store::WarningRecord) -> (i64, &'static str, String) {
    (w.id, w.level.as_str(), format!("{}：{}", w.level.label(), w.detail.reason))
}

/// The open warnings about a matter, for its page: (id, level, label, reason).
pub async fn of_matter(
    state: &AppState,
    scope: &Scope,
    id: minsheng_domain::MatterId,
) -> Vec<(i64, &'static str, String)> {
    let filter = WarningFilter { open: Some(true), matter: Some(id), limit: 20, ..WarningFilter::default() };
    match state.store.warnings(scope, &filter).await {
        Ok(ws) => ws.iter().map(banner).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "a matter's warnings could not be read");
            vec![]
        }
    }
}

/// The gravest open warnings in a scope, for the workbench: (id, level, words).
pub async fn in_scope(state: &AppState, scope: &Scope, limit: usize) -> Vec<(i64, &'static str, String)> {
    let filter = WarningFilter { open: Some(true), limit: 500, ..WarningFilter::default() };
    match state.store.warnings(scope, &filter).await {
        Ok(mut ws) => {
            ws.sort_by_key(|w| (std::cmp::Reverse(w.level), std::cmp::Reverse(w.id)));
            ws.iter().take(limit).map(banner).collect()
        }
        Err(e) => {
            tracing::warn!(error = %e, "the open warnings could not be read");
            vec![]
        }
    }
}
