//! The matter aggregate (事项): what was brought in, where, by whom, and where it stands in the
//! generic lifecycle registered → assigned → in progress → replied → closed (with reopen).
//! State is only ever a fold of the matter's events; see [`Matter::apply`].

use crate::category::{Catalogue, CategoryCode};
use crate::clock::{Clock, ClockName};
use crate::error::{FieldError, Issue};
use crate::event::{Event, FinalCause, Outcome, RecordedEvent, Route, Satisfaction};
use crate::ids::{MatterId, UnitId, UserId};
use crate::money::Fen;
use crate::party::{Party, PartyDraft};
use crate::policy::Urgency;
use crate::text;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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
        /// 复查/复核中
        UnderReview = "under_review",
        /// 挂账: on the ledger, to be looked at again by a date
        Parked = "parked",
        /// 已办结 (including declined, cancelled and final)
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
    #[serde(default)]
    pub urgency: Urgency,
    /// The project the matter is about (涉及项目: a construction site, an expropriation …), as
    /// written at intake, when there is one. Clusters group matters by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
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
    #[serde(default)]
    pub urgency: Option<Urgency>,
    #[serde(default)]
    pub project: Option<String>,
}

impl Registration {
    pub const TITLE_MAX: usize = 100;
    pub const BODY_MAX: usize = 10_000;
    pub const PARTIES_MAX: usize = 50;
    pub const PEOPLE_MAX: i64 = 1_000_000;
    pub const ATTACHMENTS_MAX: usize = 20;
    pub const PROJECT_MAX: usize = 100;

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
        let project =
            text::optional("project", draft.project.as_deref(), Self::PROJECT_MAX).unwrap_or_else(|e| {
                errors.push(e);
                None
            });
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
                urgency: draft.urgency.unwrap_or_default(),
                project,
            }),
            _ => Err(errors),
        }
    }
}

impl Registration {
    /// Keys naming each applicant, for finding the same petitioner again without searching
    /// personal data: SHA-256 of the ID number, or of the name with the phone number.
    pub fn petitioner_keys(&self) -> Vec<crate::chain::Digest> {
        use sha2::{Digest as _, Sha256};
        let key = |text: String| -> crate::chain::Digest { Sha256::digest(text.as_bytes()).into() };
        let mut keys: Vec<_> = self
            .parties
            .iter()
            .filter(|p| p.role == crate::party::PartyRole::Applicant)
            .flat_map(|p| {
                let by_id = p.id_card.as_ref().map(|id| key(format!("id:{}", id.as_str())));
                let by_phone =
                    p.phone.as_ref().map(|ph| key(format!("np:{}|{}", p.name.as_str(), ph.as_str())));
                [by_id, by_phone].into_iter().flatten()
            })
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }
}

/// Which unit handles the matter now, and how it got there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handling {
    pub mode: HandlingMode,
    pub lead: UnitId,
    pub co_units: Vec<UnitId>,
    pub report_by: Option<Timestamp>,
    /// The unit that routed it here, where a return goes back to.
    pub by: Option<UnitId>,
}

/// A request to extend the handling limit, awaiting its decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingExtension {
    pub amount: u32,
    pub reason: String,
    pub approver: UnitId,
}

/// Whose move it is when the matter waits on a decision rather than on work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// Returned (退单): the unit that routed it must route it again.
    Dispatch(UnitId),
    /// An extension request awaits this unit's approval.
    Approval(UnitId),
}

string_enum!(
    /// What a matter waits on, as the list projection stores it.
    WaitingFor {
        /// 退回待重新派发
        Dispatch = "dispatch",
        /// 待审批
        Approval = "approval",
    }
);

impl Waiting {
    pub fn what(self) -> WaitingFor {
        match self {
            Self::Dispatch(_) => WaitingFor::Dispatch,
            Self::Approval(_) => WaitingFor::Approval,
        }
    }
    pub fn unit(self) -> UnitId {
        match self {
            Self::Dispatch(u) | Self::Approval(u) => u,
        }
    }
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
    /// The running clocks.
    pub clocks: BTreeMap<ClockName, Clock>,
    /// The last return, while the matter waits to be routed again: (from, to).
    pub returned: Option<(UnitId, UnitId)>,
    /// Units that have returned the matter; each may do so once.
    pub returned_by: BTreeSet<UnitId>,
    pub extension: Option<PendingExtension>,
    /// Extensions granted so far (one is allowed).
    pub extensions_granted: u32,
    pub follow_up: Option<Satisfaction>,
    /// The outcome of the latest handling opinion or review of a petition.
    pub outcome: Option<Outcome>,
    /// 0 before any review; 1 while or after a review (复查); 2 for a re-review (复核).
    pub review_level: u8,
    pub final_cause: Option<FinalCause>,
    pub declined: Option<Route>,
    pub cancelled: bool,
    /// A grid event has been taken on (立案).
    pub opened: bool,
    /// The last on-site check of a grid event passed.
    pub verified: Option<bool>,
    pub rating: Option<u8>,
    pub leader: Option<UserId>,
    pub escalations: u32,
    pub supervisions: u32,
    /// Overdue marks, ever.
    pub overdue_marks: u32,
    /// A final petition this one repeats (same petitioner, same subject): no longer accepted.
    pub repeat_of: Option<MatterId>,
    /// Wages recovered so far (fen) and the workers paid, for a wage claim.
    pub recovered_fen: i64,
    pub workers_paid: u32,
    /// Referred to the police for refusal to pay.
    pub referred_to_police: bool,
    /// People's mediation of a dispute.
    pub mediation: crate::mediation::Mediation,
    /// 并件: the main matter (主件) this one is merged into; it is handled there.
    pub merged_into: Option<MatterId>,
    /// 主件: the matters merged into this one, in the order they came.
    pub merged: Vec<MatterId>,
    /// Repeat contacts recorded on this matter itself: the citizen called, visited or wrote
    /// again about it.
    pub repeat_count: u32,
    /// The contacts each merged matter brought with it (its own and its repeats).
    pub brought: BTreeMap<MatterId, u32>,
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
            clocks: BTreeMap::new(),
            returned: None,
            returned_by: BTreeSet::new(),
            extension: None,
            extensions_granted: 0,
            follow_up: None,
            outcome: None,
            review_level: 0,
            final_cause: None,
            declined: None,
            cancelled: false,
            opened: false,
            verified: None,
            rating: None,
            leader: None,
            escalations: 0,
            supervisions: 0,
            overdue_marks: 0,
            repeat_of: None,
            recovered_fen: 0,
            workers_paid: 0,
            referred_to_police: false,
            mediation: crate::mediation::Mediation::default(),
            merged_into: None,
            merged: vec![],
            repeat_count: 0,
            brought: BTreeMap::new(),
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
            Event::Assigned { mode, lead, co_units, report_by, by, .. } => {
                self.status = Status::Assigned;
                self.returned = None;
                self.handled_by.insert(*lead);
                self.handled_by.extend(co_units.iter().copied());
                self.handling = Some(Handling {
                    mode: *mode,
                    lead: *lead,
                    co_units: co_units.clone(),
                    report_by: *report_by,
                    by: *by,
                });
            }
            Event::Started { direct_unit } => {
                self.status = Status::InProgress;
                if let Some(unit) = direct_unit {
                    self.returned = None;
                    self.handled_by.insert(*unit);
                    self.handling = Some(Handling {
                        mode: HandlingMode::Direct,
                        lead: *unit,
                        co_units: vec![],
                        report_by: None,
                        by: None,
                    });
                }
            }
            Event::Replied { text, outcome } => {
                self.status = Status::Replied;
                self.reply = Some(text.clone());
                self.replied_at = Some(at);
                self.outcome = *outcome;
                self.follow_up = None;
                self.extension = None;
            }
            Event::Closed { .. } => {
                self.status = Status::Closed;
                self.closed_at = Some(at);
            }
            Event::Reopened { .. } => {
                self.status = if self.handling.is_some() { Status::InProgress } else { Status::Registered };
                self.reopen_count += 1;
                self.closed_at = None;
                self.verified = None;
            }
            Event::Commented { .. } | Event::NoteAdded { .. } | Event::PartiesRevealed { .. } => {}
            Event::Returned { from, to, .. } => {
                self.status = Status::Registered;
                self.handling = None;
                self.returned = Some((*from, *to));
                self.returned_by.insert(*from);
                self.extension = None;
            }
            Event::ExtensionRequested { amount, reason } => {
                let approver = self.handling.as_ref().and_then(|h| h.by).unwrap_or(self.registration.unit_id);
                self.extension = Some(PendingExtension { amount: *amount, reason: reason.clone(), approver });
            }
            Event::ExtensionDecided { approved, due, .. } => {
                self.extension = None;
                if *approved {
                    self.extensions_granted += 1;
                    if let (Some(due), Some(clock)) = (due, self.clocks.get_mut(&ClockName::Handling)) {
                        clock.due = *due;
                        clock.reminded = false;
                        clock.overdue = false;
                    }
                }
            }
            Event::FollowedUp { satisfaction, .. } => self.follow_up = Some(*satisfaction),
            Event::Declined { route, .. } => {
                self.status = Status::Closed;
                self.declined = Some(*route);
                self.closed_at = Some(at);
            }
            Event::ReviewRequested { level, reviewer, .. } => {
                self.status = Status::UnderReview;
                self.review_level = *level;
                self.handled_by.insert(*reviewer);
                self.closed_at = None;
                self.handling = Some(Handling {
                    mode: HandlingMode::Transfer,
                    lead: *reviewer,
                    co_units: vec![],
                    report_by: None,
                    by: None,
                });
            }
            Event::ReviewDecided { outcome, text, .. } => {
                self.status = Status::Replied;
                self.outcome = Some(*outcome);
                self.reply = Some(text.clone());
                self.replied_at = Some(at);
            }
            Event::Finalised { cause } => {
                self.status = Status::Closed;
                self.final_cause = Some(*cause);
                self.closed_at = Some(at);
            }
            Event::Escalated { to, .. } | Event::Delegated { to, .. } => {
                if matches!(event, Event::Escalated { .. }) {
                    self.escalations += 1;
                }
                self.status = Status::Assigned;
                self.handled_by.insert(*to);
                let by = self.handling.as_ref().map(|h| h.lead);
                self.handling = Some(Handling {
                    mode: HandlingMode::Transfer,
                    lead: *to,
                    co_units: vec![],
                    report_by: None,
                    by,
                });
            }
            Event::Supervised { .. } => self.supervisions += 1,
            Event::LeaderAssigned { leader, .. } => self.leader = Some(*leader),
            Event::Parked { .. } => self.status = Status::Parked,
            Event::Unparked { .. } => {
                self.status = if self.handling.is_some() { Status::InProgress } else { Status::Registered };
            }
            Event::Opened {} => self.opened = true,
            Event::Cancelled { .. } => {
                self.status = Status::Closed;
                self.cancelled = true;
                self.closed_at = Some(at);
            }
            Event::Verified { passed, .. } => {
                self.verified = Some(*passed);
                if !passed {
                    self.status = Status::InProgress;
                }
            }
            Event::Evaluated { rating, .. } => self.rating = Some(*rating),
            Event::ClockStarted { clock, limit, due } => {
                let c = Clock {
                    started: at,
                    due: *due,
                    limit: *limit,
                    reminded: false,
                    overdue: false,
                    run: self.version,
                };
                self.clocks.insert(*clock, c);
            }
            Event::ClockStopped { clock } => {
                self.clocks.remove(clock);
            }
            Event::Reminded { clock, .. } => {
                if let Some(c) = self.clocks.get_mut(clock) {
                    c.reminded = true;
                }
            }
            Event::RepeatOfFinal { of } => self.repeat_of = Some(*of),
            Event::RecoveryRecorded { amount_fen, workers, .. } => {
                self.recovered_fen = self.recovered_fen.saturating_add(*amount_fen);
                self.workers_paid = self.workers_paid.saturating_add(*workers);
            }
            Event::ReferredToPolice { .. } => self.referred_to_police = true,
            Event::WentOverdue { clock, .. } => {
                self.overdue_marks += 1;
                if let Some(c) = self.clocks.get_mut(clock) {
                    c.overdue = true;
                }
            }
            Event::WindowClosed { clock } => {
                // The parties' 30 days to apply for judicial confirmation passed unused.
                if *clock == ClockName::JudicialApplication
                    && let Some(a) = &mut self.mediation.agreement
                {
                    a.apply_by = None;
                }
            }
            Event::MediationAccepted { .. }
            | Event::RightsNotified { .. }
            | Event::MediationRefused { .. }
            | Event::SessionScheduled { .. }
            | Event::SessionHeld { .. }
            | Event::RiskFlagged { .. }
            | Event::AgreementDrafted { .. }
            | Event::AgreementSigned { .. }
            | Event::OralAgreementRecorded { .. }
            | Event::MediationFailed { .. }
            | Event::JudicialFiled { .. }
            | Event::JudicialAccepted { .. }
            | Event::JudicialExtended { .. }
            | Event::JudicialRuled { .. }
            | Event::TermPerformed { .. }
            | Event::VisitRecorded { .. }
            | Event::Relapsed { .. }
            | Event::MediationTransferred { .. } => crate::mediation::apply(self, event, at),
            Event::MergedInto { main, .. } => {
                self.merged_into = Some(*main);
                // A merged matter waits on no one: it is handled on the main matter.
                self.extension = None;
            }
            Event::MergeReceived { from, contacts } => {
                if !self.merged.contains(from) {
                    self.merged.push(*from);
                    self.brought.insert(*from, *contacts);
                }
            }
            Event::Unmerged { .. } => self.merged_into = None,
            Event::MergeWithdrawn { from } => {
                self.merged.retain(|m| m != from);
                self.brought.remove(from);
            }
            Event::ContactRecorded { .. } => self.repeat_count = self.repeat_count.saturating_add(1),
        }
        // A request to extend lapses when the matter leaves the unit's hands: re-routed,
        // answered, parked or closed.
        let rerouted = matches!(
            event,
            Event::Assigned { .. }
                | Event::Escalated { .. }
                | Event::Delegated { .. }
                | Event::MediationTransferred { .. }
        );
        if rerouted || !matches!(self.status, Status::Assigned | Status::InProgress) {
            self.extension = None;
        }
    }

    /// Whose decision the matter waits on, if it waits on one. A merged matter waits on no
    /// one: it is handled on its main matter.
    pub fn waiting(&self) -> Option<Waiting> {
        if self.merged_into.is_some() {
            return None;
        }
        if let Some(e) = &self.extension {
            return Some(Waiting::Approval(e.approver));
        }
        match (self.status, self.returned) {
            (Status::Registered, Some((_, to))) => Some(Waiting::Dispatch(to)),
            _ => None,
        }
    }

    /// How many times citizens brought this matter: the first contact, the repeat contacts
    /// recorded on it, and everything the matters merged into it brought.
    pub fn contacts(&self) -> u32 {
        let brought = self.brought.values().fold(0u32, |sum, n| sum.saturating_add(*n));
        self.repeat_count.saturating_add(brought).saturating_add(1)
    }

    /// The contacts beyond the first while the matter is unresolved (not closed); merged
    /// matters count as repeat contacts of their main. A merged matter counts none of its own:
    /// its main counts them. The warning rule on repeat contacts reads this.
    pub fn repeat_contacts(&self) -> u32 {
        if self.status == Status::Closed || self.merged_into.is_some() {
            0
        } else {
            self.contacts().saturating_sub(1)
        }
    }

    /// A petition that is final: the same request on the same facts is no longer accepted.
    pub fn is_final(&self) -> bool {
        self.final_cause.is_some()
    }

    /// The units whose subtrees may see this matter: its place and every unit that handled it.
    pub fn visible_to_units(&self) -> BTreeSet<UnitId> {
        let mut units = self.handled_by.clone();
        units.insert(self.registration.unit_id);
        units
    }
}
