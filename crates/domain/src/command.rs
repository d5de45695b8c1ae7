//! Commands: what a user asks to happen to a matter. `decide` checks the command against the
//! matter's state and the actor, and answers with the events to record or a typed error. It
//! never writes anything; the store appends what it returns.

use crate::access::Actor;
use crate::calendar::{Calendar, Limit};
use crate::category::Catalogue;
use crate::clock::{self, ClockName};
use crate::error::{Denial, DomainError, FieldError, Issue};
use crate::event::Event;
use crate::event::{EscalationCause, FinalCause, Outcome, Route, Satisfaction, SupervisionMode};
use crate::ids::UnitId;
use crate::ids::{MatterId, UserId};
use crate::matter::{Channel, MatterKind};
use crate::matter::{HandlingMode, Matter, Registration, RegistrationDraft, Status};
use crate::mediation::{
    FailureRoute, JudicialResult, Linkage, Performance, RemainingRisk, Source, TermDraft,
};
use crate::org::OrgTree;
use crate::policy::Policies;
use crate::text;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Everything a decision may depend on besides the matter itself.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub actor: Actor,
    pub now: Timestamp,
    pub org: &'a OrgTree,
    pub catalogue: &'a Catalogue,
    pub calendar: &'a Calendar,
    pub policies: &'a Policies,
}

/// What a user may ask of a matter: the generic lifecycle and every kind's workflow steps.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Route to a unit: transfer (转办), assign with a report-back deadline (交办), or a lead
    /// unit with co-handling units (协办).
    Assign {
        mode: HandlingMode,
        unit_id: i64,
        #[serde(default)]
        co_unit_ids: Vec<i64>,
        #[serde(default)]
        report_by: Option<Timestamp>,
        #[serde(default)]
        note: Option<String>,
    },
    /// Begin handling: from `registered` this is 直办 by the actor's own unit; for a petition
    /// it is acceptance (受理).
    Start {},
    /// Answer the citizen in writing; a petition's answer states its outcome.
    Reply {
        text: String,
        #[serde(default)]
        outcome: Option<Outcome>,
    },
    /// Close the matter (办结).
    Close {
        #[serde(default)]
        note: Option<String>,
    },
    /// Reopen a replied or closed matter, with the reason (a relapse, an unsatisfied citizen).
    Reopen { reason: String },
    /// A comment on the record.
    Comment { text: String },
    /// An internal note.
    Note { text: String },
    /// 退单: the handling unit returns a mis-routed matter, once, with the reason.
    Return { reason: String },
    /// 申请延期 of the handling limit, in its unit (days or working days).
    RequestExtension { amount: u32, reason: String },
    /// 延期审批
    DecideExtension {
        approve: bool,
        #[serde(default)]
        note: Option<String>,
    },
    /// 回访: the citizen's verdict after the reply.
    FollowUp {
        satisfaction: Satisfaction,
        #[serde(default)]
        note: Option<String>,
    },
    /// 不予受理 / 分流: the matter belongs to another channel, named for the citizen.
    Decline { route: Route, reason: String },
    /// 复查/复核申请: the petitioner asks the next-higher body (or `unit_id`) to review.
    RequestReview {
        reason: String,
        #[serde(default)]
        unit_id: Option<i64>,
    },
    /// 复查/复核意见; a re-review's decision makes the petition final.
    DecideReview { outcome: Outcome, text: String },
    /// 上报 one tier up.
    Escalate { reason: String },
    /// 下派 to a unit below the current handling unit.
    Delegate {
        unit_id: i64,
        #[serde(default)]
        note: Option<String>,
    },
    /// 督办 / 催办, optionally wanting an answer by a date.
    Supervise {
        mode: SupervisionMode,
        text: String,
        #[serde(default)]
        reply_by: Option<Timestamp>,
    },
    /// 领导包案: `leader_id` owns the matter until `due`. The caller checks the user is a leader.
    AssignLeader {
        leader_id: i64,
        due: Timestamp,
        #[serde(default)]
        note: Option<String>,
    },
    /// 挂账: not solvable now; look at it again by `review_by`.
    Park { reason: String, review_by: Timestamp },
    /// Take a parked matter up again.
    Unpark {
        #[serde(default)]
        note: Option<String>,
    },
    /// 立案: take on a reported grid event.
    Open {},
    /// 作废: a reported grid event is not a case.
    Cancel { reason: String },
    /// 核查: the on-site check of a grid event's feedback.
    Verify {
        passed: bool,
        #[serde(default)]
        note: Option<String>,
    },
    /// 评价: rate a closed grid event's handling, 1–5.
    Evaluate {
        rating: u8,
        #[serde(default)]
        note: Option<String>,
    },
    /// 欠薪追回: record wages recovered for a wage claim, and how many workers were paid.
    RecordRecovery {
        amount_fen: i64,
        workers: u32,
        #[serde(default)]
        note: Option<String>,
    },
    /// 移送公安: refer an employer's refusal to pay to the police.
    ReferToPolice { reason: String },
    /// 调解受理登记: the committee handling a dispute takes it on, with its mediator (chosen
    /// by the parties, or appointed) and the parties' requests. The caller checks the mediator
    /// is an active mediator of the committee.
    AcceptMediation {
        mediator_id: i64,
        #[serde(default)]
        chosen_by_party: bool,
        source: Source,
        #[serde(default)]
        referred_by: Option<String>,
        requests: String,
    },
    /// 告知权利义务: the parties were told their rights and duties.
    NotifyRights {
        #[serde(default)]
        note: Option<String>,
    },
    /// A party (by its index in `parties`) refuses mediation; it ends with the routes told.
    RefuseMediation {
        party: usize,
        reason: String,
        #[serde(default)]
        routes: Vec<FailureRoute>,
        #[serde(default)]
        referred_to: Option<String>,
    },
    /// 预约调解
    ScheduleSession { at: Timestamp, place: String },
    /// 调解记录
    RecordSession {
        held_at: Timestamp,
        place: String,
        participants: String,
        record: String,
        #[serde(default)]
        proposals: Option<String>,
    },
    /// 可能激化的纠纷: flag a risk of violence, and record to whom it was reported.
    FlagRisk { description: String, reported_to: String },
    /// Draft (or amend) the written agreement: a new version each time.
    DraftAgreement { facts: String, issues: String, responsibilities: String, terms: Vec<TermDraft> },
    /// Every party (by index) and the mediator signed the latest draft on `signed_on`.
    SignAgreement {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        signed_on: Date,
        #[serde(default)]
        parties_signed: Vec<usize>,
        #[serde(default)]
        mediator_signed: bool,
    },
    /// 口头协议
    RecordOralAgreement {
        content: String,
        #[serde(default)]
        terms: Vec<TermDraft>,
    },
    /// 调解不成: the routes told to the parties, and where it was referred.
    RecordFailure {
        reason: String,
        routes: Vec<FailureRoute>,
        #[serde(default)]
        referred_to: Option<String>,
    },
    /// 申请司法确认
    FileJudicial {
        court: String,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        filed_on: Date,
    },
    /// 法院受理
    RecordJudicialAcceptance {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        accepted_on: Date,
    },
    /// 法院延长审查期限 (once, 10 days)
    ExtendJudicial { reason: String },
    /// 法院裁定
    RecordJudicialRuling {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
        ruled_on: Date,
        result: JudicialResult,
        #[serde(default)]
        note: Option<String>,
    },
    /// A term of the agreement (by index) was performed.
    RecordPerformance {
        term: usize,
        #[serde(default)]
        note: Option<String>,
    },
    /// 回访
    RecordVisit {
        performance: Performance,
        satisfaction: Satisfaction,
        risk: RemainingRisk,
        #[serde(default)]
        note: Option<String>,
    },
    /// 反弹: the dispute came back; it reopens and counts against the agreement.
    RecordRelapse { reason: String },
    /// 提级/联合调解, 三调联动: move the dispute to another mediator, with the reason.
    TransferMediation { unit_id: i64, linkage: Linkage, reason: String },
    /// 并件: merge this matter into the main matter (主件) `main_id`, which is about the same
    /// thing. Its clocks stop, it is handled on the main, and the main's answer is recorded
    /// on it too; the main counts its contacts. The caller records the main's side.
    MergeInto { main_id: i64, reason: String },
    /// 撤销并件: this matter stands on its own again; its clocks restart from its state.
    Unmerge { reason: String },
    /// 重复来访/来电/来信: the citizen came back about this same matter, by `channel`.
    RecordContact {
        channel: Channel,
        #[serde(default)]
        note: Option<String>,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Assign { .. } => "assign",
            Self::Start {} => "start",
            Self::Reply { .. } => "reply",
            Self::Close { .. } => "close",
            Self::Reopen { .. } => "reopen",
            Self::Comment { .. } => "comment",
            Self::Note { .. } => "note",
            Self::Return { .. } => "return",
            Self::RequestExtension { .. } => "request_extension",
            Self::DecideExtension { .. } => "decide_extension",
            Self::FollowUp { .. } => "follow_up",
            Self::Decline { .. } => "decline",
            Self::RequestReview { .. } => "request_review",
            Self::DecideReview { .. } => "decide_review",
            Self::Escalate { .. } => "escalate",
            Self::Delegate { .. } => "delegate",
            Self::Supervise { .. } => "supervise",
            Self::AssignLeader { .. } => "assign_leader",
            Self::Park { .. } => "park",
            Self::Unpark { .. } => "unpark",
            Self::Open {} => "open",
            Self::Cancel { .. } => "cancel",
            Self::Verify { .. } => "verify",
            Self::Evaluate { .. } => "evaluate",
            Self::RecordRecovery { .. } => "record_recovery",
            Self::ReferToPolice { .. } => "refer_to_police",
            Self::AcceptMediation { .. } => "accept_mediation",
            Self::NotifyRights { .. } => "notify_rights",
            Self::RefuseMediation { .. } => "refuse_mediation",
            Self::ScheduleSession { .. } => "schedule_session",
            Self::RecordSession { .. } => "record_session",
            Self::FlagRisk { .. } => "flag_risk",
            Self::DraftAgreement { .. } => "draft_agreement",
            Self::SignAgreement { .. } => "sign_agreement",
            Self::RecordOralAgreement { .. } => "record_oral_agreement",
            Self::RecordFailure { .. } => "record_failure",
            Self::FileJudicial { .. } => "file_judicial",
            Self::RecordJudicialAcceptance { .. } => "record_judicial_acceptance",
            Self::ExtendJudicial { .. } => "extend_judicial",
            Self::RecordJudicialRuling { .. } => "record_judicial_ruling",
            Self::RecordPerformance { .. } => "record_performance",
            Self::RecordVisit { .. } => "record_visit",
            Self::RecordRelapse { .. } => "record_relapse",
            Self::TransferMediation { .. } => "transfer_mediation",
            Self::MergeInto { .. } => "merge_into",
            Self::Unmerge { .. } => "unmerge",
            Self::RecordContact { .. } => "record_contact",
        }
    }

    /// The steps of merging and repeat contacts, decided by `merge::steps`.
    pub fn is_merge(&self) -> bool {
        matches!(self, Self::MergeInto { .. } | Self::Unmerge { .. } | Self::RecordContact { .. })
    }

    /// What a matter merged into a main one still takes: undoing the merge, comments and notes
    /// (and a second merge, refused by name). Everything else is done on the main.
    fn taken_while_merged(&self) -> bool {
        matches!(
            self,
            Self::Unmerge { .. } | Self::MergeInto { .. } | Self::Comment { .. } | Self::Note { .. }
        )
    }

    /// A mediation step, decided by `mediation::decide`.
    pub fn is_mediation(&self) -> bool {
        matches!(
            self,
            Self::AcceptMediation { .. }
                | Self::NotifyRights { .. }
                | Self::RefuseMediation { .. }
                | Self::ScheduleSession { .. }
                | Self::RecordSession { .. }
                | Self::FlagRisk { .. }
                | Self::DraftAgreement { .. }
                | Self::SignAgreement { .. }
                | Self::RecordOralAgreement { .. }
                | Self::RecordFailure { .. }
                | Self::FileJudicial { .. }
                | Self::RecordJudicialAcceptance { .. }
                | Self::ExtendJudicial { .. }
                | Self::RecordJudicialRuling { .. }
                | Self::RecordPerformance { .. }
                | Self::RecordVisit { .. }
                | Self::RecordRelapse { .. }
                | Self::TransferMediation { .. }
        )
    }

    /// Generic steps a mediated dispute takes through its mediation instead: its answer is
    /// the agreement, its follow-up the visits, its reopening a relapse, its routing a transfer.
    fn superseded_by_mediation(&self) -> bool {
        matches!(
            self,
            Self::Assign { .. }
                | Self::Start {}
                | Self::Reply { .. }
                | Self::Reopen { .. }
                | Self::Return { .. }
                | Self::RequestExtension { .. }
                | Self::DecideExtension { .. }
                | Self::FollowUp { .. }
                | Self::Decline { .. }
                | Self::Escalate { .. }
                | Self::Delegate { .. }
        )
    }
}

pub const TEXT_MAX: usize = 5_000;
pub const NOTE_MAX: usize = 1_000;
/// The most co-handling units one matter may have.
pub const CO_UNITS_MAX: usize = 20;
/// Reviews a petition may have: 复查, then 复核.
pub const REVIEWS_MAX: u8 = 2;

/// Validates an intake, checks the actor may register a matter at that place, and starts
/// the clocks a new matter of its kind runs.
pub fn register(draft: &RegistrationDraft, ctx: &Context<'_>) -> Result<Vec<Event>, DomainError> {
    if !ctx.actor.role.registers() {
        return Err(DomainError::Forbidden(Denial::Role));
    }
    let registration =
        Registration::parse(draft, ctx.catalogue, |u| ctx.org.contains(u)).map_err(DomainError::Invalid)?;
    if !ctx.org.is_within(registration.unit_id, ctx.actor.unit_id) {
        return Err(DomainError::field("unit_id", Issue::NotInScope));
    }
    let fresh = Matter::registered(MatterId(0), registration.clone(), ctx.now, ctx.actor.user_id);
    let mut events = vec![Event::Registered(registration)];
    events.extend(clock::follow(&fresh, &[], ctx));
    Ok(events)
}

/// Decides a command against the matter's current state: the events it records, followed by
/// the clock events they imply.
pub fn decide(matter: &Matter, command: &Command, ctx: &Context<'_>) -> Result<Vec<Event>, DomainError> {
    let mut events = steps(matter, command, ctx)?;
    let clocks = clock::follow(matter, &events, ctx);
    events.extend(clocks);
    Ok(events)
}

fn steps(matter: &Matter, command: &Command, ctx: &Context<'_>) -> Result<Vec<Event>, DomainError> {
    use Status::*;
    // A matter merged into a main one is handled there (并件随主件办理).
    if matter.merged_into.is_some() && !command.taken_while_merged() {
        return Err(DomainError::field("merged_into", Issue::MergedAway));
    }
    // While a committee mediates (and after), the mediation's own steps replace these; a
    // dispute transferred on to a department or a court is worked there as any matter.
    if matter.mediation.engaged() && matter.mediation.committee.is_some() && command.superseded_by_mediation()
    {
        return Err(DomainError::IllegalTransition { command: command.name(), status: matter.status });
    }
    let actor = ctx.actor;
    let role = actor.role;
    let illegal = || DomainError::IllegalTransition { command: command.name(), status: matter.status };
    let status = matter.status;
    let kind = matter.registration.kind;
    let need = |ok: bool| if ok { Ok(()) } else { Err(DomainError::Forbidden(Denial::Role)) };
    let state = |ok: bool| if ok { Ok(()) } else { Err(illegal()) };
    let handling_unit =
        || if handles(matter, ctx) { Ok(()) } else { Err(DomainError::Forbidden(Denial::NotHandlingUnit)) };
    match command {
        Command::Assign { mode, unit_id, co_unit_ids, report_by, note } => {
            need(role.dispatches())?;
            state(matches!(status, Registered | Assigned | InProgress))?;
            state(kind != MatterKind::GridEvent || matter.opened)?;
            if role == crate::Role::Handler {
                handling_unit()?;
            }
            routes_for(matter, ctx)?;
            let assignment =
                parse_assignment(*mode, *unit_id, co_unit_ids, *report_by, note.as_deref(), ctx)?;
            Ok(vec![assignment])
        }
        Command::Start {} => {
            need(role.handles())?;
            state(kind != MatterKind::GridEvent || matter.opened)?;
            match status {
                Registered if !ctx.org.is_within(matter.registration.unit_id, actor.unit_id) => {
                    Err(DomainError::Forbidden(Denial::OutOfScope))
                }
                Registered => Ok(vec![Event::Started { direct_unit: Some(actor.unit_id) }]),
                Assigned if handles(matter, ctx) => Ok(vec![Event::Started { direct_unit: None }]),
                Assigned => Err(DomainError::Forbidden(Denial::NotHandlingUnit)),
                _ => Err(illegal()),
            }
        }
        Command::Reply { text, outcome } => {
            need(role.handles())?;
            state(status == InProgress)?;
            handling_unit()?;
            let text = text::required("text", text, TEXT_MAX);
            match (kind, outcome, text) {
                (MatterKind::Petition, None, _) => Err(DomainError::field("outcome", Issue::Required)),
                (_, _, Err(e)) => Err(one(e)),
                (_, outcome, Ok(text)) => Ok(vec![Event::Replied { text, outcome: *outcome }]),
            }
        }
        Command::Close { note } => {
            need(role.closes())?;
            state(status == Replied)?;
            state(kind != MatterKind::GridEvent || matter.verified == Some(true))?;
            routes_for(matter, ctx)?;
            let note = text::optional("note", note.as_deref(), NOTE_MAX).map_err(one)?;
            Ok(vec![Event::Closed { note }])
        }
        Command::Reopen { reason } => {
            need(role.closes())?;
            state(matches!(status, Replied | Closed) && !matter.is_final() && !matter.cancelled)?;
            state(matter.declined.is_none())?;
            routes_for(matter, ctx)?;
            if kind == MatterKind::Request && matter.reopen_count >= 1 {
                return Err(DomainError::field("reason", Issue::OnlyOnce));
            }
            let reason = text::required("reason", reason, NOTE_MAX).map_err(one)?;
            Ok(vec![Event::Reopened { reason }])
        }
        Command::Comment { text } | Command::Note { text } => {
            need(role.handles())?;
            answers_for(matter, ctx)?;
            let text = text::required("text", text, TEXT_MAX).map_err(one)?;
            Ok(vec![if matches!(command, Command::Comment { .. }) {
                Event::Commented { text }
            } else {
                Event::NoteAdded { text }
            }])
        }
        Command::Return { reason } => {
            need(role.handles())?;
            state(matches!(status, Assigned | InProgress))?;
            let Some(h) = &matter.handling else { return Err(illegal()) };
            state(h.mode != HandlingMode::Direct)?;
            if !ctx.org.is_within(h.lead, actor.unit_id) {
                return Err(DomainError::Forbidden(Denial::NotHandlingUnit));
            }
            if matter.returned_by.contains(&h.lead) {
                return Err(DomainError::field("reason", Issue::OnlyOnce));
            }
            let reason = text::required("reason", reason, NOTE_MAX).map_err(one)?;
            let to = h.by.unwrap_or(matter.registration.unit_id);
            Ok(vec![Event::Returned { from: h.lead, to, reason }])
        }
        Command::RequestExtension { amount, reason } => {
            need(role.handles())?;
            state(matches!(status, Assigned | InProgress))?;
            handling_unit()?;
            if matter.extension.is_some() {
                return Err(DomainError::field("amount", Issue::AlreadyPending));
            }
            if matter.extensions_granted >= 1 {
                return Err(DomainError::field("amount", Issue::OnlyOnce));
            }
            let cap = extension_cap(matter, ctx);
            let mut errors = vec![];
            if *amount == 0 || *amount > cap.amount {
                errors.push(FieldError::new(
                    "amount",
                    Issue::OutOfRange { min: 1, max: i64::from(cap.amount) },
                ));
            }
            let reason = text::required("reason", reason, NOTE_MAX).map_err(|e| errors.push(e)).ok();
            match reason {
                Some(reason) if errors.is_empty() => {
                    Ok(vec![Event::ExtensionRequested { amount: *amount, reason }])
                }
                _ => Err(DomainError::Invalid(errors)),
            }
        }
        Command::DecideExtension { approve, note } => {
            need(role.dispatches() && role != crate::Role::Handler)?;
            let Some(pending) = &matter.extension else { return Err(illegal()) };
            if !ctx.org.is_within(pending.approver, actor.unit_id) {
                return Err(DomainError::Forbidden(Denial::OutOfScope));
            }
            let note = text::optional("note", note.as_deref(), NOTE_MAX).map_err(one)?;
            let due = match (approve, matter.clocks.get(&ClockName::Handling)) {
                (true, Some(clock)) => {
                    let cap = extension_cap(matter, ctx);
                    let last_day = ctx.calendar.date_of(
                        clock.due.checked_sub(jiff::SignedDuration::from_secs(1)).unwrap_or(clock.due),
                    );
                    let extended =
                        ctx.calendar.due_date(last_day, Limit { amount: pending.amount, unit: cap.unit });
                    ctx.calendar.end_of(extended)
                }
                _ => None,
            };
            Ok(vec![Event::ExtensionDecided { approved: *approve, due, note }])
        }
        Command::FollowUp { satisfaction, note } => {
            need(role.closes() || role == crate::Role::Clerk)?;
            state(
                matches!(status, Replied | Closed)
                    && matter.replied_at.is_some()
                    && matter.follow_up.is_none(),
            )?;
            state(matter.declined.is_none() && !matter.cancelled)?;
            routes_for(matter, ctx)?;
            let note = text::optional("note", note.as_deref(), NOTE_MAX).map_err(one)?;
            Ok(vec![Event::FollowedUp { satisfaction: *satisfaction, note }])
        }
        Command::Decline { route, reason } => {
            need(role.dispatches())?;
            state(matches!(status, Registered | Assigned))?;
            routes_for(matter, ctx)?;
            let reason = text::required("reason", reason, NOTE_MAX).map_err(one)?;
            Ok(vec![Event::Declined { route: *route, reason }])
        }
        Command::RequestReview { reason, unit_id } => {
            need(role.registers() && role != crate::Role::GridWorker)?;
            state(kind == MatterKind::Petition && status == Replied && matter.review_level < REVIEWS_MAX)?;
            answers_for(matter, ctx)?;
            let reason = text::required("reason", reason, NOTE_MAX).map_err(one)?;
            let lead = matter.handling.as_ref().map(|h| h.lead).unwrap_or(matter.registration.unit_id);
            let reviewer = match unit_id {
                Some(id) if ctx.org.contains(UnitId(*id)) => UnitId(*id),
                Some(_) => return Err(DomainError::field("unit_id", Issue::UnknownUnit)),
                None => ctx
                    .org
                    .get(lead)
                    .and_then(|u| u.parent_id)
                    .ok_or_else(|| DomainError::field("unit_id", Issue::AtTop))?,
            };
            Ok(vec![Event::ReviewRequested { level: matter.review_level + 1, reviewer, reason }])
        }
        Command::DecideReview { outcome, text } => {
            need(role.handles())?;
            state(status == UnderReview)?;
            handling_unit()?;
            let text = text::required("text", text, TEXT_MAX).map_err(one)?;
            let level = matter.review_level;
            let mut out = vec![Event::ReviewDecided { level, outcome: *outcome, text }];
            if level >= REVIEWS_MAX {
                out.push(Event::Finalised { cause: FinalCause::ReReviewed });
            }
            Ok(out)
        }
        Command::Escalate { reason } => {
            need(role.handles())?;
            state(matches!(status, Registered | Assigned | InProgress))?;
            let from = matter.handling.as_ref().map(|h| h.lead).unwrap_or(matter.registration.unit_id);
            if !ctx.org.is_within(from, actor.unit_id) {
                return Err(DomainError::Forbidden(Denial::NotHandlingUnit));
            }
            let reason = text::required("reason", reason, NOTE_MAX).map_err(one)?;
            let to = ctx
                .org
                .get(from)
                .and_then(|u| u.parent_id)
                .ok_or_else(|| DomainError::field("reason", Issue::AtTop))?;
            Ok(vec![Event::Escalated { from, to, cause: EscalationCause::Request, reason: Some(reason) }])
        }
        Command::Delegate { unit_id, note } => {
            need(role.dispatches())?;
            state(matches!(status, Registered | Assigned | InProgress))?;
            state(kind != MatterKind::GridEvent || matter.opened)?;
            let from = matter.handling.as_ref().map(|h| h.lead).unwrap_or(matter.registration.unit_id);
            if !ctx.org.is_within(from, actor.unit_id) {
                return Err(DomainError::Forbidden(Denial::NotHandlingUnit));
            }
            let to = UnitId(*unit_id);
            if !ctx.org.contains(to) {
                return Err(DomainError::field("unit_id", Issue::UnknownUnit));
            }
            if to == from || !ctx.org.is_within(to, from) {
                return Err(DomainError::field("unit_id", Issue::NotBelow));
            }
            let note = text::optional("note", note.as_deref(), NOTE_MAX).map_err(one)?;
            Ok(vec![Event::Delegated { from, to, note }])
        }
        Command::Supervise { mode, text, reply_by } => {
            need(role.supervises())?;
            state(status != Closed)?;
            routes_for(matter, ctx)?;
            let mut errors = vec![];
            let text = text::required("text", text, TEXT_MAX).map_err(|e| errors.push(e)).ok();
            if reply_by.is_some_and(|t| t <= ctx.now) {
                errors.push(FieldError::new("reply_by", Issue::MustBeInFuture));
            }
            let Some(text) = text.filter(|_| errors.is_empty()) else {
                return Err(DomainError::Invalid(errors));
            };
            let mut out = vec![Event::Supervised { mode: *mode, text, reply_by: *reply_by }];
            if let Some(due) = reply_by {
                out.push(Event::ClockStarted { clock: ClockName::Supervision, limit: None, due: *due });
            }
            Ok(out)
        }
        Command::AssignLeader { leader_id, due, note } => {
            need(role.supervises())?;
            state(status != Closed)?;
            routes_for(matter, ctx)?;
            if *due <= ctx.now {
                return Err(DomainError::field("due", Issue::MustBeInFuture));
            }
            let note = text::optional("note", note.as_deref(), NOTE_MAX).map_err(one)?;
            Ok(vec![
                Event::LeaderAssigned { leader: UserId(*leader_id), due: *due, note },
                Event::ClockStarted { clock: ClockName::Leader, limit: None, due: *due },
            ])
        }
        Command::Park { reason, review_by } => {
            need(role.dispatches())?;
            state(matches!(status, Registered | Assigned | InProgress))?;
            routes_for(matter, ctx)?;
            let mut errors = vec![];
            let reason = text::required("reason", reason, NOTE_MAX).map_err(|e| errors.push(e)).ok();
            if *review_by <= ctx.now {
                errors.push(FieldError::new("review_by", Issue::MustBeInFuture));
            }
            let Some(reason) = reason.filter(|_| errors.is_empty()) else {
                return Err(DomainError::Invalid(errors));
            };
            Ok(vec![
                Event::Parked { reason, review_by: *review_by },
                Event::ClockStarted { clock: ClockName::LedgerReview, limit: None, due: *review_by },
            ])
        }
        Command::Unpark { note } => {
            need(role.dispatches())?;
            state(status == Parked)?;
            routes_for(matter, ctx)?;
            let note = text::optional("note", note.as_deref(), NOTE_MAX).map_err(one)?;
            Ok(vec![Event::Unparked { note }, Event::ClockStopped { clock: ClockName::LedgerReview }])
        }
        Command::Open {} | Command::Cancel { .. } => {
            need(role.dispatches())?;
            state(kind == MatterKind::GridEvent && status == Registered && !matter.opened)?;
            routes_for(matter, ctx)?;
            match command {
                Command::Cancel { reason } => {
                    let reason = text::required("reason", reason, NOTE_MAX).map_err(one)?;
                    Ok(vec![Event::Cancelled { reason }])
                }
                _ => Ok(vec![Event::Opened {}]),
            }
        }
        Command::Verify { passed, note } => {
            need(role.closes() || role == crate::Role::GridWorker)?;
            state(kind == MatterKind::GridEvent && status == Replied)?;
            answers_for(matter, ctx)?;
            let note = text::optional("note", note.as_deref(), NOTE_MAX).map_err(one)?;
            Ok(vec![Event::Verified { passed: *passed, note }])
        }
        Command::Evaluate { rating, note } => {
            need(role.closes())?;
            state(
                kind == MatterKind::GridEvent
                    && status == Closed
                    && !matter.cancelled
                    && matter.rating.is_none(),
            )?;
            routes_for(matter, ctx)?;
            if !(1..=5).contains(rating) {
                return Err(DomainError::field("rating", Issue::OutOfRange { min: 1, max: 5 }));
            }
            let note = text::optional("note", note.as_deref(), NOTE_MAX).map_err(one)?;
            Ok(vec![Event::Evaluated { rating: *rating, note }])
        }
        Command::RecordRecovery { amount_fen, workers, note } => {
            need(role.handles())?;
            state(kind == MatterKind::WageClaim && matches!(status, Assigned | InProgress | Replied))?;
            handling_unit()?;
            let mut errors = vec![];
            if crate::money::Fen::new(*amount_fen).is_none_or(|f| f.get() == 0) {
                errors.push(FieldError::new(
                    "amount_fen",
                    Issue::OutOfRange { min: 1, max: crate::money::Fen::MAX },
                ));
            }
            if i64::from(*workers) > Registration::PEOPLE_MAX {
                errors.push(FieldError::new(
                    "workers",
                    Issue::OutOfRange { min: 0, max: Registration::PEOPLE_MAX },
                ));
            }
            let note =
                text::optional("note", note.as_deref(), NOTE_MAX).map_err(|e| errors.push(e)).ok().flatten();
            if !errors.is_empty() {
                return Err(DomainError::Invalid(errors));
            }
            Ok(vec![Event::RecoveryRecorded { amount_fen: *amount_fen, workers: *workers, note }])
        }
        Command::ReferToPolice { reason } => {
            need(role.handles())?;
            state(kind == MatterKind::WageClaim && status != Closed && !matter.referred_to_police)?;
            handling_unit()?;
            let reason = text::required("reason", reason, NOTE_MAX).map_err(one)?;
            Ok(vec![Event::ReferredToPolice { reason }])
        }
        Command::AcceptMediation { .. }
        | Command::NotifyRights { .. }
        | Command::RefuseMediation { .. }
        | Command::ScheduleSession { .. }
        | Command::RecordSession { .. }
        | Command::FlagRisk { .. }
        | Command::DraftAgreement { .. }
        | Command::SignAgreement { .. }
        | Command::RecordOralAgreement { .. }
        | Command::RecordFailure { .. }
        | Command::FileJudicial { .. }
        | Command::RecordJudicialAcceptance { .. }
        | Command::ExtendJudicial { .. }
        | Command::RecordJudicialRuling { .. }
        | Command::RecordPerformance { .. }
        | Command::RecordVisit { .. }
        | Command::RecordRelapse { .. }
        | Command::TransferMediation { .. } => crate::mediation::decide::steps(matter, command, ctx),
        Command::MergeInto { .. } | Command::Unmerge { .. } | Command::RecordContact { .. } => {
            crate::merge::steps(matter, command, ctx)
        }
    }
}

/// The longest extension the policy allows the matter, in the handling limit's unit.
fn extension_cap(matter: &Matter, ctx: &Context<'_>) -> Limit {
    let r = &matter.registration;
    ctx.policies
        .limit(r.kind, ClockName::Extension, r.category.as_str(), r.urgency)
        .unwrap_or(Limit::calendar_days(30))
}

/// Decides a request to see the unmasked personal data.
pub fn reveal(reason: &str, ctx: &Context<'_>) -> Result<Event, DomainError> {
    if !ctx.actor.role.reveals() {
        return Err(DomainError::Forbidden(Denial::Role));
    }
    let reason = text::required("reason", reason, NOTE_MAX).map_err(one)?;
    Ok(Event::PartiesRevealed { reason })
}

/// Does the actor answer for the matter: is its place in the actor's subtree, or does the
/// actor's unit handle it? Units that only handled it before keep sight of it, not a say in it.
pub(crate) fn answers_for(matter: &Matter, ctx: &Context<'_>) -> Result<(), DomainError> {
    if ctx.org.is_within(matter.registration.unit_id, ctx.actor.unit_id) || handles(matter, ctx) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(Denial::OutOfScope))
    }
}

/// May the actor route, close or reopen the matter: is its place, or its lead unit, in the
/// actor's subtree? Co-handling units work on a matter; they do not steer it.
pub(crate) fn routes_for(matter: &Matter, ctx: &Context<'_>) -> Result<(), DomainError> {
    let me = ctx.actor.unit_id;
    let lead = matter.handling.as_ref().is_some_and(|h| ctx.org.is_within(h.lead, me));
    if ctx.org.is_within(matter.registration.unit_id, me) || lead {
        Ok(())
    } else {
        Err(DomainError::Forbidden(Denial::OutOfScope))
    }
}

/// Is the actor's unit the lead or a co-handling unit of the matter, or above the lead?
pub(crate) fn handles(matter: &Matter, ctx: &Context<'_>) -> bool {
    let me = ctx.actor.unit_id;
    match &matter.handling {
        None => ctx.org.is_within(matter.registration.unit_id, me),
        Some(h) => ctx.org.is_within(h.lead, me) || h.co_units.iter().any(|u| ctx.org.is_within(*u, me)),
    }
}

fn parse_assignment(
    mode: HandlingMode,
    unit_id: i64,
    co_unit_ids: &[i64],
    report_by: Option<Timestamp>,
    note: Option<&str>,
    ctx: &Context<'_>,
) -> Result<Event, DomainError> {
    let mut errors = Vec::new();
    let lead = UnitId(unit_id);
    if !ctx.org.contains(lead) {
        errors.push(FieldError::new("unit_id", Issue::UnknownUnit));
    }
    match mode {
        HandlingMode::Direct => errors.push(FieldError::new("mode", Issue::OutOfRange { min: 0, max: 0 })),
        HandlingMode::Joint if co_unit_ids.is_empty() => {
            errors.push(FieldError::new("co_unit_ids", Issue::NeedsCoUnits))
        }
        HandlingMode::Transfer | HandlingMode::Assign if !co_unit_ids.is_empty() => {
            errors.push(FieldError::new("co_unit_ids", Issue::OnlyForJoint))
        }
        _ => {}
    }
    if co_unit_ids.len() > CO_UNITS_MAX {
        return Err(DomainError::field("co_unit_ids", Issue::TooLong { max: CO_UNITS_MAX }));
    }
    let mut co_units: Vec<UnitId> = Vec::with_capacity(co_unit_ids.len());
    for (i, id) in co_unit_ids.iter().map(|id| UnitId(*id)).enumerate() {
        let field = format!("co_unit_ids[{i}]");
        if !ctx.org.contains(id) {
            errors.push(FieldError::new(field, Issue::UnknownUnit));
        } else if id == lead {
            errors.push(FieldError::new(field, Issue::SameAsLead));
        } else if co_units.contains(&id) {
            errors.push(FieldError::new(field, Issue::Duplicate));
        } else {
            co_units.push(id);
        }
    }
    match (mode, report_by) {
        (HandlingMode::Assign, None) => errors.push(FieldError::new("report_by", Issue::Required)),
        (_, Some(t)) if t <= ctx.now => errors.push(FieldError::new("report_by", Issue::MustBeInFuture)),
        _ => {}
    }
    let note = text::optional("note", note, NOTE_MAX).map_err(|e| errors.push(e)).ok().flatten();
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    Ok(Event::Assigned { mode, lead, co_units, report_by, note, by: Some(ctx.actor.unit_id) })
}

pub(crate) fn one(e: FieldError) -> DomainError {
    DomainError::Invalid(vec![e])
}

#[cfg(test)]
mod tests;
