//! The JSON shapes the API answers with. Personal data is masked here unless the caller has
//! just revealed it with a recorded reason.

use minsheng_domain::calendar::Limit;
use minsheng_domain::clock::ClockName;
use minsheng_domain::event::{FinalCause, Outcome, Route, Satisfaction};
use minsheng_domain::matter::{Attachment, Handling, WaitingFor};
use minsheng_domain::party::{Party, PartyRole};
use minsheng_domain::policy::Urgency;
use minsheng_domain::{
    Channel, Event, HandlingMode, Matter, MatterId, MatterKind, OrgTree, RecordedEvent, Status,
};
use minsheng_domain::{Role, Unit, UnitId, UnitKind, UserId};
use minsheng_store::{MatterSummary, UserRecord};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct PartyView {
    pub role: PartyRole,
    pub name: String,
    pub phone: Option<String>,
    pub id_card: Option<String>,
    pub address: Option<String>,
    /// True when the values above are masked.
    pub masked: bool,
}

impl PartyView {
    pub fn of(p: &Party, reveal: bool) -> Self {
        if reveal {
            Self {
                role: p.role,
                name: p.name.as_str().into(),
                phone: p.phone.as_ref().map(|v| v.as_str().into()),
                id_card: p.id_card.as_ref().map(|v| v.as_str().into()),
                address: p.address.as_ref().map(|v| v.as_str().into()),
                masked: false,
            }
        } else {
            Self {
                role: p.role,
                name: p.name.masked(),
                phone: p.phone.as_ref().map(|v| v.masked()),
                id_card: p.id_card.as_ref().map(|v| v.masked()),
                address: p.address.as_ref().map(|v| v.masked()),
                masked: true,
            }
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HandlingView {
    pub mode: HandlingMode,
    pub lead_unit_id: UnitId,
    pub lead_unit_name: String,
    pub co_unit_ids: Vec<UnitId>,
    /// 交办: when the unit must report back.
    pub report_by: Option<jiff::Timestamp>,
}

impl HandlingView {
    fn of(h: &Handling, org: &OrgTree) -> Self {
        Self {
            mode: h.mode,
            lead_unit_id: h.lead,
            lead_unit_name: unit_name(org, h.lead),
            co_unit_ids: h.co_units.clone(),
            report_by: h.report_by,
        }
    }
}

fn unit_name(org: &OrgTree, id: UnitId) -> String {
    org.get(id).map(|u| u.name.clone()).unwrap_or_default()
}

/// A whole matter.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatterView {
    pub id: MatterId,
    /// Send it back as `expected_version` with the next command.
    pub version: i64,
    pub kind: MatterKind,
    pub channel: Channel,
    pub category: String,
    pub status: Status,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub title: String,
    pub body: String,
    pub people_involved: u32,
    pub amount_fen: Option<i64>,
    /// The project named at intake (涉及项目).
    pub project: Option<String>,
    pub parties: Vec<PartyView>,
    pub attachments: Vec<Attachment>,
    pub handling: Option<HandlingView>,
    pub registered_at: jiff::Timestamp,
    pub registered_by: UserId,
    pub updated_at: jiff::Timestamp,
    pub reply: Option<String>,
    pub replied_at: Option<jiff::Timestamp>,
    pub closed_at: Option<jiff::Timestamp>,
    pub reopen_count: u32,
    pub urgency: Urgency,
    /// The earliest deadline a unit must meet now.
    pub deadline: Option<jiff::Timestamp>,
    /// The running clocks.
    pub clocks: Vec<ClockView>,
    /// `dispatch` (returned, to be routed again) or `approval` (an extension request), and by whom.
    pub waiting_for: Option<WaitingFor>,
    pub waiting_unit_id: Option<UnitId>,
    /// The outcome of a petition's latest handling opinion or review.
    pub outcome: Option<Outcome>,
    /// 0 before any review, 1 复查, 2 复核.
    pub review_level: u8,
    /// Set when a petition is final (终结).
    pub final_cause: Option<FinalCause>,
    /// The channel a declined matter was sent to.
    pub declined_to: Option<Route>,
    pub follow_up: Option<Satisfaction>,
    pub leader_id: Option<UserId>,
    pub escalations: u32,
    pub supervisions: u32,
    pub extensions_granted: u32,
    /// A final petition this one repeats (same petitioner, same subject): no longer accepted.
    pub repeat_of: Option<MatterId>,
    /// A wage claim's wages recovered so far (fen) and the workers paid.
    pub recovered_fen: i64,
    pub workers_paid: u32,
    pub referred_to_police: bool,
    /// People's mediation, for a dispute that has been to a committee.
    pub mediation: Option<super::mediation::MediationView>,
    /// 并件: the main matter (主件) this one is merged into and handled on.
    pub merged_into: Option<MatterId>,
    /// 主件: the matters merged into this one.
    pub merged: Vec<MatterId>,
    /// 来件次数: how many times citizens brought this matter (the first contact, repeat
    /// contacts, and what the merged matters brought).
    pub contacts: u32,
    /// The contacts beyond the first while the matter is unresolved (0 once closed, and for a
    /// merged matter, whose main counts them).
    pub repeat_contacts: u32,
}

/// A running clock.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    pub clock: ClockName,
    pub started: jiff::Timestamp,
    pub due: jiff::Timestamp,
    pub limit: Option<Limit>,
    pub overdue: bool,
}

impl MatterView {
    pub fn of(m: &Matter, org: &OrgTree, reveal: bool) -> Self {
        let r = &m.registration;
        Self {
            id: m.id,
            version: m.version,
            kind: r.kind,
            channel: r.channel,
            category: r.category.0.clone(),
            status: m.status,
            unit_id: r.unit_id,
            unit_name: org.full_name(r.unit_id),
            title: r.title.clone(),
            body: r.body.clone(),
            people_involved: r.people_involved,
            amount_fen: r.amount_fen.map(|f| f.get()),
            project: r.project.clone(),
            parties: r.parties.iter().map(|p| PartyView::of(p, reveal)).collect(),
            attachments: r.attachments.clone(),
            handling: m.handling.as_ref().map(|h| HandlingView::of(h, org)),
            registered_at: m.registered_at,
            registered_by: m.registered_by,
            updated_at: m.updated_at,
            reply: m.reply.clone(),
            replied_at: m.replied_at,
            closed_at: m.closed_at,
            reopen_count: m.reopen_count,
            urgency: r.urgency,
            deadline: m.deadline(),
            clocks: m
                .clocks
                .iter()
                .map(|(name, c)| ClockView {
                    clock: *name,
                    started: c.started,
                    due: c.due,
                    limit: c.limit,
                    overdue: c.overdue,
                })
                .collect(),
            waiting_for: m.waiting().map(|w| w.what()),
            waiting_unit_id: m.waiting().map(|w| w.unit()),
            outcome: m.outcome,
            review_level: m.review_level,
            final_cause: m.final_cause,
            declined_to: m.declined,
            follow_up: m.follow_up,
            leader_id: m.leader,
            escalations: m.escalations,
            supervisions: m.supervisions,
            extensions_granted: m.extensions_granted,
            repeat_of: m.repeat_of,
            recovered_fen: m.recovered_fen,
            workers_paid: m.workers_paid,
            referred_to_police: m.referred_to_police,
            mediation: super::mediation::MediationView::of(&m.mediation, org),
            merged_into: m.merged_into,
            merged: m.merged.clone(),
            contacts: m.contacts(),
            repeat_contacts: m.repeat_contacts(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatterList {
    pub items: Vec<MatterSummary>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// With `q`: how many matters in the caller's scope match, in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<usize>,
    /// With `q`: why each item matched, in the items' order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hits: Vec<HitView>,
}

/// Why a matter matched a search: its score and the matched words in context.
#[derive(Debug, Serialize, ToSchema)]
pub struct HitView {
    pub id: MatterId,
    pub score: f32,
    /// HTML-escaped, the matched words in `<mark>`.
    pub title_snippet: String,
    pub body_snippet: String,
}

/// One event of a matter's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEntry {
    pub seq: i64,
    pub version: i64,
    pub at: jiff::Timestamp,
    pub actor_id: UserId,
    #[serde(rename = "type")]
    pub kind: String,
    /// The event's fields; party data in a registration is masked.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl TimelineEntry {
    pub fn of(e: &RecordedEvent) -> Self {
        let data = match &e.event {
            Event::Registered(r) => {
                let mut v = serde_json::to_value(r).unwrap_or_default();
                if let Some(obj) = v.as_object_mut() {
                    let parties: Vec<PartyView> = r.parties.iter().map(|p| PartyView::of(p, false)).collect();
                    obj.insert("parties".into(), serde_json::to_value(parties).unwrap_or_default());
                }
                v
            }
            other => {
                let mut v = serde_json::to_value(other).unwrap_or_default();
                if let Some(obj) = v.as_object_mut() {
                    obj.remove("type");
                }
                v
            }
        };
        Self {
            seq: e.seq,
            version: e.version,
            at: e.at,
            actor_id: e.actor,
            kind: e.event.type_name().into(),
            data,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    pub items: Vec<TimelineEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitView {
    pub id: UnitId,
    pub parent_id: Option<UnitId>,
    pub kind: UnitKind,
    pub name: String,
    pub code: Option<String>,
    /// The names from below the root down to this unit, e.g. `枫桥镇 / 枫源村`.
    pub full_name: String,
}

impl UnitView {
    pub fn of(u: &Unit, org: &OrgTree) -> Self {
        Self {
            id: u.id,
            parent_id: u.parent_id,
            kind: u.kind,
            name: u.name.clone(),
            code: u.code.clone(),
            full_name: org.full_name(u.id),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitList {
    pub items: Vec<UnitView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: UnitId,
    pub active: bool,
}

impl From<UserRecord> for UserView {
    fn from(u: UserRecord) -> Self {
        Self {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            unit_id: u.unit_id,
            active: u.active,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<UserView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    pub items: Vec<CategoryView>,
}
