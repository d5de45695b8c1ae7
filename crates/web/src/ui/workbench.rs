//! The workbench (工作台): what waits for the user's unit, what is overdue, and what came in
//! lately, each a short list drawn through the user's scope.

use super::account::{frame, render};
use super::error::UiError;
use super::pages::{Row, Section, WorkbenchPage, china_time};
use super::session::Staff;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minsheng_domain::matter::WaitingFor;
use minsheng_domain::{OrgTree, Role};
use minsheng_store::{MatterFilter, MatterSummary, Page};

const SHOWN: u32 = 10;
/// Counts stop here and show as `99+`, as a badge does: counting further costs a millisecond
/// a list at a million matters and tells a desk nothing it can act on.
const COUNT_CAP: u32 = 100;

pub fn row(m: &MatterSummary, staff: &Staff, org: &OrgTree, now: jiff::Timestamp) -> Row {
    let tr = staff.tr;
    // The deadline is the earliest running clock's; clocks stop when what they time is done.
    let overdue = m.due_at.is_some_and(|t| t < now);
    Row {
        id: m.id.0,
        title: m.title.clone(),
        kind: tr.of("kind", m.kind.as_str()),
        status: tr.of("status", m.status.as_str()),
        status_code: m.status.as_str(),
        place: org.full_name(m.unit_id),
        registered: china_time(m.registered_at),
        deadline: m.due_at.map(super::pages::deadline_time).unwrap_or_default(),
        overdue,
        snippet: String::new(),
    }
}

pub async fn show(State(state): State<AppState>, staff: Staff) -> Response {
    let tr = staff.tr;
    let org = state.org();
    let now = state.clock.now();
    // (title, filter, counted?)
    let mut wanted: Vec<(&str, MatterFilter, bool)> = vec![];
    if matches!(staff.caller.actor.role, Role::Handler | Role::Mediator | Role::GridWorker | Role::Leader) {
        // Waiting for an answer from my unit; a replied matter waits for the clerk instead.
        let mine = MatterFilter {
            unanswered: true,
            lead_unit: Some(staff.caller.actor.unit_id),
            ..MatterFilter::default()
        };
        wanted.push(("workbench-to-handle", mine, true));
    }
    let me = staff.caller.actor.unit_id;
    if staff.caller.actor.role.dispatches() {
        let returned = MatterFilter { waiting: Some((WaitingFor::Dispatch, me)), ..MatterFilter::default() };
        wanted.push(("workbench-returned", returned, true));
    }
    if staff.caller.actor.role.dispatches() && staff.caller.actor.role != Role::Handler {
        let approval = MatterFilter { waiting: Some((WaitingFor::Approval, me)), ..MatterFilter::default() };
        wanted.push(("workbench-approval", approval, true));
    }
    // Whose deadlines: those a working unit leads; for a desk (clerk, leader, admin) below the
    // root, those of the matters placed in its subtree; at the root, all of them. Each is a
    // short range of its own index, not a walk through the county's deadlines.
    let root = org.get(me).is_some_and(|u| u.parent_id.is_none());
    let by_deadline = match staff.caller.actor.role {
        Role::Handler | Role::Mediator | Role::GridWorker => {
            MatterFilter { by_deadline: true, lead_unit: Some(me), ..MatterFilter::default() }
        }
        _ if root => MatterFilter { by_deadline: true, ..MatterFilter::default() },
        _ => MatterFilter { by_deadline: true, unit_path: org.path(me), ..MatterFilter::default() },
    };
    let soon = now.checked_add(jiff::SignedDuration::from_hours(48)).unwrap_or(now);
    wanted.push((
        "workbench-due-soon",
        MatterFilter { due_from: Some(now), due_before: Some(soon), ..by_deadline.clone() },
        true,
    ));
    wanted.push(("workbench-overdue", MatterFilter { due_before: Some(now), ..by_deadline }, true));
    wanted.push(("workbench-recent", MatterFilter { open: true, ..MatterFilter::default() }, false));
    let mut sections = vec![];
    for (key, mut filter, counted) in wanted {
        // A merged matter (并件) is handled on its main: it is on no one's to-do list, and has
        // no deadline of its own. What came in lately still shows it.
        if counted {
            filter.merged = Some(false);
        }
        let scope = &staff.caller.scope;
        let listed = state.store.list(scope, &filter, Page { before: None, limit: SHOWN }).await;
        let counted =
            if counted { state.store.count(scope, &filter, COUNT_CAP).await.map(Some) } else { Ok(None) };
        let (page, count) = match (listed, counted) {
            (Ok(p), Ok(c)) => (p, c),
            (Err(e), _) | (_, Err(e)) => return UiError::new(tr, e.into()).into_response(),
        };
        sections.push(Section {
            title: tr.t(key),
            rows: page.items.iter().map(|m| row(m, &staff, &org, now)).collect(),
            count: count.map(|c| {
                if c >= i64::from(COUNT_CAP) { format!("{}+", COUNT_CAP - 1) } else { c.to_string() }
            }),
        });
    }
    let page = WorkbenchPage {
        frame: frame(&staff, "/"),
        hello: tr.t1("workbench-hello", "name", &staff.caller.user.display_name),
        scope: tr.t1(
            "workbench-scope",
            "unit",
            org.get(staff.caller.actor.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
        ),
        sections,
        warnings: super::warnings::in_scope(&state, &staff.caller.scope, 8).await,
    };
    render(tr, &page)
}
