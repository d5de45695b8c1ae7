//! The matter aggregate (事项): what was brought in, where, by whom, and where it stands in the
//! generic lifecycle registered → assigned → in progress → replied → closed (with reopen).
//! State is only ever a fold of the matter's events; see [`Matter::apply`].

use crate::category::{Catalogue, CategoryCode};
use crate::error::{FieldError, Issue};
use crate::event::{Event, RecordedEvent};
use crate::ids::{MatterId, UnitId, UserId};
use crate::money::Fen;
use crate::party::{Party, PartyDraft};
use crate::text;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

string_enum!(
    /// What sort of matter this is; each kind gets its own workflow in later layers.
    MatterKind {
        /// 诉求 (12345-style request)
        Request = "request",
        /// 信访事项
        Petition = "petition",
        /// 矛盾纠纷
        Dispute = "dispute",
        /// 网格事件
        GridEvent = "grid_event",
        /// 欠薪投诉
        WageClaim = "wage_claim",
    }
);

string_enum!(
    /// How the matter came in (受理渠道).
    Channel {
        /// 来信
        Letter = "letter",
        /// 来访
        Visit = "visit",
        /// 电话
        Phone = "phone",
        /// 网上
        Online = "online",
        /// 网格上报
        Grid = "grid",
        /// 部门移交
        Transfer = "transfer",
        /// 主动排查
        Screening = "screening",
    }
);

string_enum!(
    /// Where the matter stands.
    Status {
        /// 已登记
        Registered = "registered",
        /// 已交办/转办
        Assigned = "assigned",
        /// 办理中
        InProgress = "in_progress",
        /// 已答复
        Replied = "replied",
        /// 已办结
        Closed = "closed",
    }
);

string_enum!(
    /// How a matter was routed (办理方式).
    HandlingMode {
        /// 直办: handled by the unit that took it in
        Direct = "direct",
        /// 转办: sent to the competent unit
        Transfer = "transfer",
        /// 交办: assigned with a report-back deadline
        Assign = "assign",
        /// 协办: a lead unit with co-handling units
        Joint = "joint",
    }
);

/// Metadata of a file attached at intake; the bytes live outside the event log.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub name: String,
    pub media_type: String,
    pub size_bytes: u64,
    #[serde(default)]
    pub sha256: Option<String>,
}

/// Everything recorded at intake, validated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub kind: MatterKind,
    pub channel: Channel,
    pub category: CategoryCode,
    /// The place the matter concerns (属地).
    pub unit_id: UnitId,
    pub title: String,
    pub body: String,
    pub parties: Vec<Party>,
    pub people_involved: u32,
    pub amount_fen: Option<Fen>,
    pub attachments: Vec<Attachment>,
}

/// Intake as it arrives from outside, before validation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationDraft {
    pub kind: MatterKind,
    pub channel: Channel,
    pub category: String,
    pub unit_id: i64,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub people_involved: Option<i64>,
    #[serde(default)]
    pub amount_fen: Option<i64>,
    #[serde(default)]
    pub parties: Vec<PartyDraft>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

impl Registration {
    pub const TITLE_MAX: usize = 100;
    pub const BODY_MAX: usize = 10_000;
    pub const PARTIES_MAX: usize = 50;
    pub const PEOPLE_MAX: i64 = 1_000_000;
    pub const ATTACHMENTS_MAX: usize = 20;

    /// Validates a draft against the catalogue and the unit's existence, collecting every
    /// field error. Whether the actor may register at that unit is the command's business.
    pub fn parse(
        draft: &RegistrationDraft,
        catalogue: &Catalogue,
        unit_exists: impl Fn(UnitId) -> bool,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut keep = |r: Result<String, FieldError>| r.map_err(|e| errors.push(e)).ok();
        let title = keep(text::required("title", &draft.title, Self::TITLE_MAX));
        let body = keep(text::required("body", &draft.body, Self::BODY_MAX));
        let category = match catalogue.get(draft.category.trim()) {
            Some(c) => Some(c.code.clone()),
            None => {
                errors.push(FieldError::new("category", Issue::UnknownCategory));
                None
            }
        };
        let unit_id = UnitId(draft.unit_id);
        if !unit_exists(unit_id) {
            errors.push(FieldError::new("unit_id", Issue::UnknownUnit));
        }
        let people = draft.people_involved.unwrap_or(1);
        if !(0..=Self::PEOPLE_MAX).contains(&people) {
            errors.push(FieldError::new(
                "people_involved",
                Issue::OutOfRange { min: 0, max: Self::PEOPLE_MAX },
            ));
        }
        let amount_fen = match draft.amount_fen {
            None => None,
            Some(a) => {
                let fen = Fen::new(a);
                if fen.is_none() {
                    errors.push(FieldError::new("amount_fen", Issue::OutOfRange { min: 0, max: Fen::MAX }));
                }
                fen
            }
        };
        if draft.parties.len() > Self::PARTIES_MAX {
            errors.push(FieldError::new("parties", Issue::TooLong { max: Self::PARTIES_MAX }));
        }
        let parties: Vec<Option<Party>> = draft
            .parties
            .iter()
            .enumerate()
            .map(|(i, p)| p.parse(&format!("parties[{i}]"), &mut errors))
            .collect();
        if draft.attachments.len() > Self::ATTACHMENTS_MAX {
            errors.push(FieldError::new("attachments", Issue::TooLong { max: Self::ATTACHMENTS_MAX }));
        }
        for (i, a) in draft.attachments.iter().enumerate().take(Self::ATTACHMENTS_MAX) {
            let field = |name: &str| format!("attachments[{i}].{name}");
            for (name, value, max) in [("name", &a.name, 200), ("media_type", &a.media_type, 100)] {
                if let Err(e) = text::required(&field(name), value, max) {
                    errors.push(e);
                }
            }
            let hex_digest = |d: &String| d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit());
            if a.sha256.as_ref().is_some_and(|d| !hex_digest(d)) {
                errors.push(FieldError::new(field("sha256"), Issue::BadDigest));
            }
        }
        match (title, body, category, errors.is_empty()) {
            (Some(title), Some(body), Some(category), true) => Ok(Self {
                kind: draft.kind,
                channel: draft.channel,
                category,
                unit_id,
                title,
                body,
                parties: parties.into_iter().flatten().collect(),
                people_involved: u32::try_from(people).unwrap_or(u32::MAX),
                amount_fen,
                attachments: draft.attachments.clone(),
            }),
            _ => Err(errors),
        }
    }
}

/// Which unit handles the matter now, and how it got there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handling {
    pub mode: HandlingMode,
    pub lead: UnitId,
    pub co_units: Vec<UnitId>,
    pub report_by: Option<Timestamp>,
}

/// The current state of one matter: a fold of its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matter {
    pub id: MatterId,
    pub version: i64,
    pub registration: Registration,
    pub status: Status,
    pub handling: Option<Handling>,
    pub registered_at: Timestamp,
    pub registered_by: UserId,
    pub updated_at: Timestamp,
    pub reply: Option<String>,
    pub replied_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub reopen_count: u32,
    /// Every unit that has ever handled the matter, for scope (a unit keeps sight of what it handled).
    pub handled_by: BTreeSet<UnitId>,
}

impl Matter {
    /// The state right after registration.
    pub fn registered(id: MatterId, registration: Registration, at: Timestamp, by: UserId) -> Self {
        Self {
            id,
            version: 1,
            registration,
            status: Status::Registered,
            handling: None,
            registered_at: at,
            registered_by: by,
            updated_at: at,
            reply: None,
            replied_at: None,
            closed_at: None,
            reopen_count: 0,
            handled_by: BTreeSet::new(),
        }
    }

    /// Folds a stream of recorded events; `None` unless it starts with a registration.
    pub fn from_events(events: &[RecordedEvent]) -> Option<Self> {
        let (first, rest) = events.split_first()?;
        let Event::Registered(reg) = &first.event else { return None };
        let mut matter = Self::registered(first.matter_id, reg.clone(), first.at, first.actor);
        matter.version = first.version;
        for e in rest {
            matter.apply(&e.event, e.at);
            matter.version = e.version;
        }
        Some(matter)
    }

    /// Applies one event that `decide` produced. Never fails: events are facts.
    pub fn apply(&mut self, event: &Event, at: Timestamp) {
        self.version += 1;
        self.updated_at = at;
        match event {
            Event::Registered(_) => {}
            Event::Assigned { mode, lead, co_units, report_by, .. } => {
                self.status = Status::Assigned;
                self.handled_by.insert(*lead);
                self.handled_by.extend(co_units.iter().copied());
                self.handling = Some(Handling {
                    mode: *mode,
                    lead: *lead,
                    co_units: co_units.clone(),
                    report_by: *report_by,
                });
            }
            Event::Started { direct_unit } => {
                self.status = Status::InProgress;
                if let Some(unit) = direct_unit {
                    self.handled_by.insert(*unit);
                    self.handling = Some(Handling {
                        mode: HandlingMode::Direct,
                        lead: *unit,
                        co_units: vec![],
                        report_by: None,
                    });
                }
            }
            Event::Replied { text } => {
                self.status = Status::Replied;
                self.reply = Some(text.clone());
                self.replied_at = Some(at);
            }
            Event::Closed { .. } => {
                self.status = Status::Closed;
                self.closed_at = Some(at);
            }
            Event::Reopened { .. } => {
                self.status = if self.handling.is_some() { Status::InProgress } else { Status::Registered };
                self.reopen_count += 1;
                self.closed_at = None;
            }
            Event::Commented { .. } | Event::NoteAdded { .. } | Event::PartiesRevealed { .. } => {}
        }
    }

    /// The units whose subtrees may see this matter: its place and every unit that handled it.
    pub fn visible_to_units(&self) -> BTreeSet<UnitId> {
        let mut units = self.handled_by.clone();
        units.insert(self.registration.unit_id);
        units
    }
}
