//! The values that cross the store boundary: what to append, what a list returns, users, units
//! and tokens as stored. Plain data; no SQL here.

use jiff::Timestamp;
use minsheng_domain::chain::Digest;
use minsheng_domain::clock::Timer;
use minsheng_domain::matter::WaitingFor;
use minsheng_domain::org::path_of;
use minsheng_domain::{Channel, MatterId, MatterKind, OrgTree, Role, Status, UnitId, UnitKind, UserId};
use minsheng_domain::{Event, Matter};
use serde::Serialize;

/// One command's worth of events for one matter, ready to be sealed into the log.
#[derive(Clone, Debug)]
pub struct Append {
    pub target: Target,
    /// When the last of the events happened; the projection's `updated_at`.
    pub at: Timestamp,
    /// The events, serialised before they reach the writer.
    pub events: Vec<PendingEvent>,
    /// The projection row after the events; `None` leaves it as it is (version aside).
    pub projection: Option<Projection>,
    /// Unit paths whose subtrees may see the matter (place and every handling unit).
    pub access_paths: Vec<String>,
}

/// An event ready to be sealed: its type, its canonical JSON, when it happened and who did it.
#[derive(Clone, Debug)]
pub struct PendingEvent {
    pub event_type: &'static str,
    pub payload: String,
    pub at: Timestamp,
    pub actor: UserId,
}

impl PendingEvent {
    pub fn of(event: &Event, at: Timestamp, actor: UserId) -> Result<Self, serde_json::Error> {
        Ok(Self { event_type: event.type_name(), payload: serde_json::to_string(event)?, at, actor })
    }
}

#[derive(Clone, Debug)]
pub enum Target {
    /// A new matter; a retried intake with the same key returns the first matter instead.
    New { idempotency: Option<IdempotencyKey> },
    /// An existing matter; with `expected_version` the append fails if anyone wrote since.
    Existing { id: MatterId, expected_version: Option<i64> },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    pub user: UserId,
    pub key: String,
    /// A digest of the request, to refuse a key reused for a different request.
    pub fingerprint: Digest,
}

impl Append {
    /// The append that registers `matter` (built with a placeholder id).
    pub fn new_matter(
        matter: &Matter,
        events: &[Event],
        org: &OrgTree,
        idempotency: Option<IdempotencyKey>,
    ) -> Result<Self, serde_json::Error> {
        Self::build(Target::New { idempotency }, matter, events, org)
    }

    /// A matter imported with its whole history (the demo, imports): `events` with their
    /// times, `after` the state they lead to.
    pub fn history(
        after: &Matter,
        events: Vec<PendingEvent>,
        org: &OrgTree,
        idempotency: Option<IdempotencyKey>,
    ) -> Self {
        Self::projecting(Target::New { idempotency }, after, events, org)
    }

    /// The append that records `events`, which brought the matter to state `after`.
    pub fn existing(
        after: &Matter,
        events: &[Event],
        org: &OrgTree,
        expected_version: Option<i64>,
    ) -> Result<Self, serde_json::Error> {
        let target = Target::Existing { id: after.id, expected_version };
        Self::build(target, after, events, org)
    }

    /// An append that leaves the projection alone (a reveal, say): no version check.
    pub fn annotation(
        id: MatterId,
        actor: UserId,
        at: Timestamp,
        event: &Event,
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            target: Target::Existing { id, expected_version: None },
            at,
            events: vec![PendingEvent::of(event, at, actor)?],
            projection: None,
            access_paths: vec![],
        })
    }

    fn build(
        target: Target,
        after: &Matter,
        events: &[Event],
        org: &OrgTree,
    ) -> Result<Self, serde_json::Error> {
        let at = after.updated_at;
        let events =
            events.iter().map(|e| PendingEvent::of(e, at, UserId(0))).collect::<Result<Vec<_>, _>>()?;
        Ok(Self::projecting(target, after, events, org))
    }

    /// `events` leading to `after`, with the projection and access rows of `after`.
    fn projecting(target: Target, after: &Matter, events: Vec<PendingEvent>, org: &OrgTree) -> Self {
        Self {
            target,
            at: after.updated_at,
            events,
            projection: Some(Projection::of(after, org)),
            access_paths: after.visible_to_units().into_iter().filter_map(|u| org.path(u)).collect(),
        }
    }

    /// Attributes every event to `actor`.
    pub fn by(mut self, actor: UserId) -> Self {
        for e in &mut self.events {
            e.actor = actor;
        }
        self
    }
}

/// The list row of a matter, written in the same transaction as its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Projection {
    pub kind: MatterKind,
    pub channel: Channel,
    pub category: String,
    pub status: Status,
    pub unit_id: UnitId,
    pub unit_path: String,
    pub lead_unit_id: Option<UnitId>,
    pub title: String,
    pub people_involved: i64,
    pub amount_fen: Option<i64>,
    pub registered_at: Timestamp,
    /// The earliest deadline a unit must meet (see `Matter::deadline`).
    pub due_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub reopen_count: i64,
    /// Whose decision the matter waits on, if any.
    pub waiting: Option<(WaitingFor, UnitId)>,
    /// The timers its clocks set; they replace the matter's stored timers.
    pub timers: Vec<Timer>,
    /// A petition that is final.
    pub is_final: bool,
    /// A petition's applicants as keys (written once, with the new matter).
    pub petitioner_keys: Vec<Digest>,
    /// The mediator a dispute is with (people's mediation); loads count the open matters only.
    pub mediator_id: Option<UserId>,
    /// 并件: the main matter this one is merged into and handled on.
    pub merged_into: Option<MatterId>,
}

impl Projection {
    pub fn of(m: &Matter, org: &OrgTree) -> Self {
        let r = &m.registration;
        Self {
            kind: r.kind,
            channel: r.channel,
            category: r.category.0.clone(),
            status: m.status,
            unit_id: r.unit_id,
            unit_path: org.path(r.unit_id).unwrap_or_else(|| path_of(&[r.unit_id])),
            lead_unit_id: m.handling.as_ref().map(|h| h.lead),
            title: r.title.clone(),
            people_involved: i64::from(r.people_involved),
            amount_fen: r.amount_fen.map(|f| f.get()),
            registered_at: m.registered_at,
            due_at: m.deadline(),
            closed_at: m.closed_at,
            reopen_count: i64::from(m.reopen_count),
            waiting: m.waiting().map(|w| (w.what(), w.unit())),
            timers: m.timers(),
            is_final: m.is_final(),
            petitioner_keys: if r.kind == MatterKind::Petition { r.petitioner_keys() } else { vec![] },
            mediator_id: m.mediation.mediator,
            merged_into: m.merged_into,
        }
    }
}

/// What an append achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    pub matter_id: MatterId,
    /// The matter's version after the append.
    pub version: i64,
    /// True when an idempotency key matched an earlier intake and nothing new was written.
    pub replayed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AppendError {
    #[error("the matter changed: its version is now {current}")]
    Conflict { current: i64 },
    #[error("no such matter")]
    NotFound,
    #[error("the idempotency key was used for a different request")]
    KeyReused,
    #[error("the write failed: {0}")]
    Failed(String),
}

/// A row of a matter list, as the API also answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatterSummary {
    pub id: MatterId,
    pub version: i64,
    pub kind: MatterKind,
    pub channel: Channel,
    pub category: String,
    pub status: Status,
    pub unit_id: UnitId,
    pub lead_unit_id: Option<UnitId>,
    pub title: String,
    pub people_involved: i64,
    pub amount_fen: Option<i64>,
    pub registered_at: Timestamp,
    pub updated_at: Timestamp,
    pub due_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub reopen_count: i64,
    /// 并件: the main matter this one is merged into and handled on.
    pub merged_into: Option<MatterId>,
}

/// Filters of a matter list; all optional, all combined with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatterFilter {
    pub kind: Option<MatterKind>,
    pub status: Option<Status>,
    pub channel: Option<Channel>,
    pub category: Option<String>,
    /// Place within this unit's subtree (its path).
    pub unit_path: Option<String>,
    pub registered_from: Option<Timestamp>,
    pub registered_before: Option<Timestamp>,
    /// Only matters not yet closed.
    pub open: bool,
    /// Only matters not yet answered: registered, assigned or in progress.
    pub unanswered: bool,
    /// Only matters whose lead unit is this one.
    pub lead_unit: Option<UnitId>,
    /// Only matters whose deadline falls before this time.
    pub due_before: Option<Timestamp>,
    /// Only matters whose deadline falls at or after this time.
    pub due_from: Option<Timestamp>,
    /// Only matters waiting on this decision by this unit.
    pub waiting: Option<(WaitingFor, UnitId)>,
    /// Oldest deadline first instead of newest first; only matters with a deadline, and no
    /// further pages (for short lists such as the workbench's).
    pub by_deadline: bool,
    /// Oldest first (the page cursor then moves forward).
    pub oldest_first: bool,
    /// Only these matters (a search's hits; at most a page of them).
    pub ids: Option<Vec<MatterId>>,
    /// `Some(true)`: only matters merged into a main one (并件); `Some(false)`: only the others
    /// (every to-do list: a merged matter is handled on its main).
    pub merged: Option<bool>,
    /// Only the matters merged into this main matter.
    pub merged_into: Option<MatterId>,
}

/// Newest first (or oldest, by the filter); `before` is the cursor: the last id of the
/// previous page, after which this page continues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub before: Option<MatterId>,
    pub limit: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListPage {
    pub items: Vec<MatterSummary>,
    pub next: Option<MatterId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUnit {
    pub parent_id: Option<UnitId>,
    pub kind: UnitKind,
    pub name: String,
    pub code: Option<String>,
    /// The path the new unit's own path is built on (`/1/5/`), or `/` for a root.
    pub parent_path: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserRecord {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: UnitId,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: UnitId,
    /// An argon2id PHC string; the store never sees a password.
    pub password_hash: String,
    pub created_at: Timestamp,
}

/// A user with the stored password hash, for login only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub user: UserRecord,
    pub password_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewToken {
    /// SHA-256 of the secret; the secret itself is shown once and never stored.
    pub hash: Digest,
    pub user_id: UserId,
    pub kind: TokenKind,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A bearer token for integrations.
    Api,
    /// A browser session.
    Session,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Session => "session",
        }
    }
}

/// The outcome of recomputing the hash chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainReport {
    Intact { events: i64 },
    Broken { seq: i64, matter_id: MatterId, reason: BreakReason, checked: i64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakReason {
    /// The stored digest does not match the event's contents.
    DigestMismatch,
    /// A sequence number is missing before this event.
    Gap,
}

pub fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

pub fn from_ms(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// A list filter a user saved under a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedFilter {
    pub id: i64,
    pub name: String,
    /// The list's query string, e.g. `status=in_progress&kind=request`.
    pub query: String,
}

/// A timer that is due, with its matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueTimer {
    pub matter_id: MatterId,
    pub timer: Timer,
}

/// One recorded change of a setting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SettingChange {
    pub value: String,
    pub changed_by: UserId,
    pub changed_at: Timestamp,
}
