//! The matter page's actions: which commands the domain would accept from this user now
//! (found by asking it), the form each one needs, and reading a posted form back into the
//! command. Every workflow step of every kind comes through here.

use super::i18n::Tr;
use super::pages::{Action, ActionField};
use crate::state::{AppState, Knowledge};
use jiff::Timestamp;
use minsheng_domain::calendar::LimitUnit;
use minsheng_domain::clock::ClockName;
use minsheng_domain::command::{self, Command};
use minsheng_domain::event::{Outcome, Route, Satisfaction, SupervisionMode};
use minsheng_domain::{Channel, DomainError, HandlingMode, Issue, Matter, MatterKind, Role, UnitKind};
use std::collections::HashMap;

/// The steps that move a matter on, shown open; the rest sit folded below them.
const PRIMARY: &[&str] = &[
    "accept_mediation",
    "record_session",
    "draft_agreement",
    "sign_agreement",
    "file_judicial",
    "record_judicial_acceptance",
    "record_judicial_ruling",
    "record_visit",
    "open",
    "assign",
    "start",
    "reply",
    "decide_extension",
    "decide_review",
    "verify",
    "close",
    "follow_up",
];

/// The posted fields of an action form; a name may repeat (a multiple select).
#[derive(Default)]
pub struct Posted(HashMap<String, Vec<String>>);

impl Posted {
    pub fn of(fields: Vec<(String, String)>) -> Self {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in fields {
            map.entry(k).or_default().push(v);
        }
        Self(map)
    }

    /// Every value posted under `name`, in order.
    pub fn all(&self, name: &str) -> &[String] {
        self.0.get(name).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).and_then(|v| v.first()).map(String::as_str).unwrap_or_default()
    }

    pub(super) fn text(&self, name: &str) -> String {
        self.get(name).to_string()
    }

    pub(super) fn optional(&self, name: &str) -> Option<String> {
        Some(self.text(name)).filter(|t| !t.trim().is_empty())
    }

    pub(super) fn int(&self, name: &str) -> Option<i64> {
        self.get(name).trim().parse().ok()
    }

    pub(super) fn ints(&self, name: &str) -> Vec<i64> {
        self.0.get(name).map(|v| v.iter().filter_map(|s| s.trim().parse().ok()).collect()).unwrap_or_default()
    }
}

/// `2026-12-01` as the end of that day in the deployment's time zone.
fn end_of_day(known: &Knowledge, raw: &str) -> Option<Timestamp> {
    let date: jiff::civil::Date = raw.trim().parse().ok()?;
    known.calendar.end_of(date)
}

/// The command a posted action form asks for; `None` for an unknown action or a malformed
/// choice (which a browser never sends). A date left empty stays empty, so the domain names it.
pub fn command_of(p: &Posted, known: &Knowledge, now: Timestamp) -> Option<Command> {
    let date = |name: &str| -> Option<Option<Timestamp>> {
        let raw = p.get(name);
        if raw.trim().is_empty() { Some(None) } else { end_of_day(known, raw).map(Some) }
    };
    // A required date left empty becomes a past instant, which the domain refuses by name.
    let required_date = |name: &str| date(name).map(|d| d.unwrap_or(now));
    Some(match p.get("action") {
        "assign" => Command::Assign {
            mode: HandlingMode::parse(p.get("mode")).unwrap_or(HandlingMode::Transfer),
            unit_id: p.int("unit_id")?,
            co_unit_ids: p.ints("co_unit_ids"),
            report_by: date("report_by")?,
            note: None,
        },
        "start" => Command::Start {},
        "reply" => Command::Reply {
            text: p.text("text"),
            outcome: match p.get("outcome") {
                "" => None,
                o => Some(Outcome::parse(o)?),
            },
        },
        "close" => Command::Close { note: p.optional("text") },
        "reopen" => Command::Reopen { reason: p.text("text") },
        "comment" => Command::Comment { text: p.text("text") },
        "note" => Command::Note { text: p.text("text") },
        "return" => Command::Return { reason: p.text("text") },
        "request_extension" => Command::RequestExtension {
            amount: p.get("amount").trim().parse().unwrap_or(0),
            reason: p.text("text"),
        },
        "decide_extension" => {
            Command::DecideExtension { approve: p.get("approve") == "yes", note: p.optional("text") }
        }
        "follow_up" => Command::FollowUp {
            satisfaction: Satisfaction::parse(p.get("satisfaction"))?,
            note: p.optional("text"),
        },
        "decline" => Command::Decline { route: Route::parse(p.get("route"))?, reason: p.text("text") },
        "request_review" => Command::RequestReview { reason: p.text("text"), unit_id: p.int("unit_id") },
        "decide_review" => {
            Command::DecideReview { outcome: Outcome::parse(p.get("outcome"))?, text: p.text("text") }
        }
        "escalate" => Command::Escalate { reason: p.text("text") },
        "delegate" => Command::Delegate { unit_id: p.int("unit_id")?, note: p.optional("text") },
        "supervise" => Command::Supervise {
            mode: SupervisionMode::parse(p.get("mode"))?,
            text: p.text("text"),
            reply_by: date("reply_by")?,
        },
        "assign_leader" => Command::AssignLeader {
            leader_id: p.int("leader_id")?,
            due: required_date("due")?,
            note: p.optional("text"),
        },
        "park" => Command::Park { reason: p.text("text"), review_by: required_date("review_by")? },
        "unpark" => Command::Unpark { note: p.optional("text") },
        "open" => Command::Open {},
        "cancel" => Command::Cancel { reason: p.text("text") },
        "verify" => Command::Verify { passed: p.get("passed") == "yes", note: p.optional("text") },
        "evaluate" => {
            Command::Evaluate { rating: p.get("rating").trim().parse().ok()?, note: p.optional("text") }
        }
        // A number that is no matter's is named by the domain, like any unknown main.
        "merge_into" => Command::MergeInto { main_id: p.int("main_id").unwrap_or(0), reason: p.text("text") },
        "unmerge" => Command::Unmerge { reason: p.text("text") },
        "record_contact" => {
            Command::RecordContact { channel: Channel::parse(p.get("channel"))?, note: p.optional("text") }
        }
        other => return super::mediation_actions::command_of(other, p, known, now),
    })
}

/// One probe per action: a plausible command, to ask the domain whether the user may.
fn probes(now: Timestamp, any_unit: i64) -> Vec<Command> {
    let later = now + jiff::SignedDuration::from_hours(24 * 30);
    let x = || "x".to_string();
    vec![
        Command::Open {},
        Command::Assign {
            mode: HandlingMode::Transfer,
            unit_id: any_unit,
            co_unit_ids: vec![],
            report_by: None,
            note: None,
        },
        Command::Start {},
        Command::Reply { text: x(), outcome: Some(Outcome::Explain) },
        Command::DecideExtension { approve: true, note: None },
        Command::DecideReview { outcome: Outcome::Explain, text: x() },
        Command::Verify { passed: true, note: None },
        Command::Close { note: None },
        Command::FollowUp { satisfaction: Satisfaction::Satisfied, note: None },
        Command::Return { reason: x() },
        Command::RequestExtension { amount: 1, reason: x() },
        Command::RequestReview { reason: x(), unit_id: None },
        Command::Decline { route: Route::Litigation, reason: x() },
        Command::Escalate { reason: x() },
        Command::Delegate { unit_id: any_unit, note: None },
        Command::Supervise { mode: SupervisionMode::Urge, text: x(), reply_by: None },
        Command::AssignLeader { leader_id: 0, due: later, note: None },
        Command::Park { reason: x(), review_by: later },
        Command::Unpark { note: None },
        Command::Cancel { reason: x() },
        Command::Evaluate { rating: 5, note: None },
        Command::RecordRecovery { amount_fen: 100, workers: 1, note: None },
        Command::ReferToPolice { reason: x() },
        Command::RecordContact { channel: Channel::Phone, note: None },
        Command::MergeInto { main_id: -1, reason: x() },
        Command::Unmerge { reason: x() },
    ]
    .into_iter()
    .chain(super::mediation_actions::probes(now, any_unit))
    .chain([Command::Reopen { reason: x() }, Command::Comment { text: x() }, Command::Note { text: x() }])
    .collect()
}

/// Refusals that come of a merge: the step is not open to this matter, whatever is filled in.
fn merge_forbids(issue: Issue) -> bool {
    matches!(issue, Issue::MergedAway | Issue::AlreadyMerged | Issue::IsAMain | Issue::NotMerged)
}

/// Every action's code, for checking each has words.
pub fn codes() -> Vec<&'static str> {
    probes(Timestamp::UNIX_EPOCH, 0).iter().map(Command::name).collect()
}

/// What the page offers a matter's action forms to choose from.
pub struct Choices {
    /// Units a matter can be routed to.
    pub units: Vec<(String, String)>,
    /// Units below the current handling unit, for delegation.
    pub below: Vec<(String, String)>,
    /// Leaders who oversee the matter, for 包案.
    pub leaders: Vec<(String, String)>,
    /// Bodies that may review: the units above the handling unit, then the county's departments.
    pub reviewers: Vec<(String, String)>,
    /// People's mediation: mediators to appoint, the parties, the agreement's terms, and the
    /// units a dispute may be transferred to.
    pub mediation: super::mediation_actions::MediationChoices,
}

/// The actions the domain would accept from this user now, each with its form.
pub async fn allowed(
    state: &AppState,
    tr: Tr,
    actor: minsheng_domain::Actor,
    matter: &Matter,
    known: &Knowledge,
) -> Vec<Action> {
    let now = state.clock.now();
    let ctx = known.ctx(actor, now);
    let org = &known.org;
    let any_unit = org.iter().map(|u| u.id.0).next().unwrap_or_default();
    let codes: Vec<&'static str> = probes(now, any_unit)
        .into_iter()
        .filter(|probe| match command::decide(matter, probe, &ctx) {
            // A field the user fills in may be wrong; a merge that forbids the step is not.
            Err(DomainError::Invalid(errors)) => !errors.iter().any(|e| merge_forbids(e.issue)),
            Ok(_) => true,
            Err(DomainError::IllegalTransition { .. } | DomainError::Forbidden(_)) => false,
        })
        .map(|probe| probe.name())
        .collect();
    if codes.is_empty() {
        return vec![];
    }
    let choices = choices(state, matter, known, &codes).await;
    codes.into_iter().map(|code| form(tr, code, matter, known, &choices)).collect()
}

async fn choices(state: &AppState, matter: &Matter, known: &Knowledge, codes: &[&str]) -> Choices {
    let org = &known.org;
    let name = |id: minsheng_domain::UnitId| (id.0.to_string(), org.full_name(id));
    let units = org
        .iter()
        .filter(|u| matches!(u.kind, UnitKind::Township | UnitKind::Department | UnitKind::Committee))
        .map(|u| name(u.id))
        .collect();
    let lead = matter.handling.as_ref().map(|h| h.lead).unwrap_or(matter.registration.unit_id);
    let below = org
        .iter()
        .filter(|u| u.id != lead && org.is_within(u.id, lead))
        .take(300)
        .map(|u| name(u.id))
        .collect();
    let mut leaders = vec![];
    if codes.contains(&"assign_leader") {
        let overseers: Vec<_> =
            org.lineage(matter.registration.unit_id).iter().chain(org.lineage(lead)).copied().collect();
        if let Ok(users) = state.store.users(&minsheng_store::Scope::all()).await {
            leaders = users
                .into_iter()
                .filter(|u| u.active && u.role == Role::Leader && overseers.contains(&u.unit_id))
                .map(|u| (u.id.0.to_string(), format!("{}（{}）", u.display_name, org.full_name(u.unit_id))))
                .collect();
        }
    }
    let root = org.iter().find(|u| u.parent_id.is_none()).map(|u| u.id);
    // Above the handling unit first; the county itself stays on offer for a re-review when it
    // reviewed already (nothing stands above it in one county's tree).
    let mut reviewer_ids: Vec<minsheng_domain::UnitId> =
        org.lineage(lead).iter().rev().skip(1).copied().collect();
    reviewer_ids.extend(root.filter(|r| !reviewer_ids.contains(r)));
    reviewer_ids
        .extend(org.iter().filter(|u| u.kind == UnitKind::Department && u.parent_id == root).map(|u| u.id));
    let reviewers = reviewer_ids.into_iter().map(name).collect();
    let mediation = super::mediation_actions::choices(state, matter, known, codes).await;
    Choices { units, below, leaders, reviewers, mediation }
}

pub(super) fn field(name: &'static str, label: String, input: &'static str, required: bool) -> ActionField {
    ActionField { name, label, input, required, options: vec![], min: 0, max: 0, value: String::new() }
}

pub(super) fn select(name: &'static str, label: String, options: Vec<(String, String)>) -> ActionField {
    ActionField { options, ..field(name, label, "select", true) }
}

pub(super) fn options<T: Copy>(
    tr: Tr,
    group: &str,
    all: &[T],
    code: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter().map(|v| (code(*v).to_string(), tr.of(group, code(*v)))).collect()
}

/// The form of one action.
fn form(tr: Tr, code: &'static str, matter: &Matter, known: &Knowledge, c: &Choices) -> Action {
    let text = |key: &str, required| field("text", tr.t(key), "textarea", required);
    let yes_no = |yes: &str, no: &str| vec![("yes".to_string(), tr.t(yes)), ("no".to_string(), tr.t(no))];
    let petition = matter.registration.kind == MatterKind::Petition;
    let fields = match code {
        "assign" => vec![
            select("unit_id", tr.t("action-assign-unit"), c.units.clone()),
            select(
                "mode",
                tr.t("action-assign-mode"),
                options(
                    tr,
                    "mode",
                    &[HandlingMode::Transfer, HandlingMode::Assign, HandlingMode::Joint],
                    HandlingMode::as_str,
                ),
            ),
            ActionField {
                options: c.units.clone(),
                ..field("co_unit_ids", tr.t("action-co-units"), "multi", false)
            },
            field("report_by", tr.t("action-report-by"), "date", false),
        ],
        "reply" if petition => vec![
            select("outcome", tr.t("action-outcome"), options(tr, "outcome", Outcome::ALL, Outcome::as_str)),
            text("action-opinion", true),
        ],
        "reply" | "comment" | "note" => vec![text("action-text", true)],
        "close" | "unpark" => vec![text("action-note-optional", false)],
        "reopen" | "return" | "escalate" | "cancel" | "unmerge" => vec![text("action-reason", true)],
        "merge_into" => vec![
            ActionField { min: 1, max: i64::MAX, ..field("main_id", tr.t("action-main-id"), "number", true) },
            text("action-reason", true),
        ],
        "record_contact" => vec![
            select(
                "channel",
                tr.t("action-contact-channel"),
                options(
                    tr,
                    "channel",
                    &[Channel::Visit, Channel::Phone, Channel::Letter, Channel::Online],
                    Channel::as_str,
                ),
            ),
            text("action-note-optional", false),
        ],
        "request_extension" => {
            let r = &matter.registration;
            let cap = known.policies.limit(r.kind, ClockName::Extension, r.category.as_str(), r.urgency);
            let (max, unit) = cap.map(|l| (l.amount, l.unit)).unwrap_or((30, LimitUnit::CalendarDays));
            vec![
                ActionField {
                    min: 1,
                    max: i64::from(max),
                    ..field(
                        "amount",
                        tr.t1("action-extension-amount", "unit", tr.of("unit", unit.as_str())),
                        "number",
                        true,
                    )
                },
                text("action-reason", true),
            ]
        }
        "decide_extension" => vec![
            select("approve", tr.t("action-decision"), yes_no("action-approve", "action-reject")),
            text("action-note-optional", false),
        ],
        "follow_up" => vec![
            select(
                "satisfaction",
                tr.t("action-satisfaction"),
                options(tr, "satisfaction", Satisfaction::ALL, Satisfaction::as_str),
            ),
            text("action-note-optional", false),
        ],
        "decline" => vec![
            select("route", tr.t("action-route"), options(tr, "route", Route::ALL, Route::as_str)),
            text("action-reason", true),
        ],
        "request_review" => vec![
            ActionField {
                options: std::iter::once((String::new(), tr.t("action-review-default")))
                    .chain(c.reviewers.clone())
                    .collect(),
                ..field("unit_id", tr.t("action-review-unit"), "select", false)
            },
            text("action-reason", true),
        ],
        "decide_review" => vec![
            select("outcome", tr.t("action-outcome"), options(tr, "outcome", Outcome::ALL, Outcome::as_str)),
            text("action-opinion", true),
        ],
        "delegate" => vec![
            select("unit_id", tr.t("action-delegate-unit"), c.below.clone()),
            text("action-note-optional", false),
        ],
        "supervise" => vec![
            select(
                "mode",
                tr.t("action-supervision-mode"),
                options(tr, "supervision", SupervisionMode::ALL, SupervisionMode::as_str),
            ),
            text("action-text", true),
            field("reply_by", tr.t("action-reply-by"), "date", false),
        ],
        "assign_leader" => vec![
            select("leader_id", tr.t("action-leader"), c.leaders.clone()),
            field("due", tr.t("action-leader-due"), "date", true),
            text("action-note-optional", false),
        ],
        "park" => {
            vec![field("review_by", tr.t("action-review-by"), "date", true), text("action-reason", true)]
        }
        "verify" => vec![
            select("passed", tr.t("action-verify-result"), yes_no("action-verified", "action-not-verified")),
            text("action-note-optional", false),
        ],
        "record_recovery" => vec![
            field("amount", tr.t("action-recovered-yuan"), "text", true),
            ActionField {
                min: 0,
                max: 1_000_000,
                ..field("workers", tr.t("action-workers-paid"), "number", true)
            },
            text("action-note-optional", false),
        ],
        "refer_to_police" => vec![text("action-reason", true)],
        "evaluate" => vec![
            select(
                "rating",
                tr.t("action-rating"),
                (1..=5).rev().map(|n| (n.to_string(), "★".repeat(n))).collect(),
            ),
            text("action-note-optional", false),
        ],
        other => super::mediation_actions::fields(tr, other, matter, &c.mediation),
    };
    let label = match (code, matter.registration.kind) {
        ("start", MatterKind::Petition) => tr.t("action-accept"),
        ("decline", MatterKind::Petition) => tr.t("action-not-accept"),
        ("reply", MatterKind::GridEvent) => tr.t("action-feedback"),
        ("decide_extension", _) => match &matter.extension {
            Some(e) => tr.t1("action-decide-extension-of", "amount", e.amount) + "：" + &e.reason,
            None => tr.t("action-decide_extension"),
        },
        _ => tr.t(&format!("action-{code}")),
    };
    Action { code, label, fields, primary: PRIMARY.contains(&code) }
}
