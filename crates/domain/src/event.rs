//! Events: the immutable facts a matter's history is made of. The timeline shown to users is
//! this stream, and the store seals it with a hash chain.

use crate::calendar::Limit;
use crate::clock::ClockName;
use crate::ids::{MatterId, UnitId, UserId};
use crate::matter::{Channel, HandlingMode, Registration};
use crate::mediation::{
    AgreementContent, FailureRoute, JudicialResult, Linkage, Performance, RemainingRisk, Source, Term,
};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

string_enum!(
    /// How a petition's handling, review or re-review came out (处理意见).
    Outcome {
        /// 支持
        Support = "support",
        /// 解释
        Explain = "explain",
        /// 不予支持
        Reject = "reject",
    }
);

string_enum!(
    /// The citizen's verdict at the follow-up visit (回访满意度).
    Satisfaction {
        /// 满意
        Satisfied = "satisfied",
        /// 基本满意
        Fair = "fair",
        /// 不满意
        Unsatisfied = "unsatisfied",
    }
);

string_enum!(
    /// The channel a matter that does not belong here is sent to (告知途径).
    Route {
        /// 诉讼
        Litigation = "litigation",
        /// 仲裁
        Arbitration = "arbitration",
        /// 行政复议
        Reconsideration = "reconsideration",
        /// 信访渠道
        Petition = "petition",
        /// 其他法定途径
        Other = "other",
    }
);

string_enum!(
    /// Why a matter went up a tier.
    EscalationCause {
        /// 主动上报
        Request = "request",
        /// 超期自动上报
        Overdue = "overdue",
        /// 规则触发
        Rule = "rule",
    }
);

string_enum!(
    /// Why a petition became final (终结).
    FinalCause {
        /// 复核后终结
        ReReviewed = "re_reviewed",
        /// 复查/复核申请期限届满
        WindowElapsed = "window_elapsed",
    }
);

string_enum!(
    /// A supervisor's formal chase.
    SupervisionMode {
        /// 督办
        Supervise = "supervise",
        /// 催办
        Urge = "urge",
    }
);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// 受理登记
    Registered(Registration),
    /// 转办 / 交办 / 协办
    Assigned {
        mode: HandlingMode,
        lead: UnitId,
        co_units: Vec<UnitId>,
        report_by: Option<Timestamp>,
        note: Option<String>,
        /// The unit that routed it, to which a return goes back.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<UnitId>,
    },
    /// 开始办理; `direct_unit` is set when the intake unit handles it itself (直办).
    Started { direct_unit: Option<UnitId> },
    /// 答复; petitions carry the handling opinion's outcome.
    Replied {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outcome: Option<Outcome>,
    },
    /// 办结
    Closed { note: Option<String> },
    /// 重办 (a relapse or an unsatisfied reply)
    Reopened { reason: String },
    /// A comment on the record.
    Commented { text: String },
    /// An internal note, never shown to citizens.
    NoteAdded { text: String },
    /// Someone looked at the unmasked personal data, and why.
    PartiesRevealed { reason: String },
    /// 退单: the handling unit sends a mis-routed matter back to whoever routed it.
    Returned { from: UnitId, to: UnitId, reason: String },
    /// 申请延期, in the unit of the running handling limit.
    ExtensionRequested { amount: u32, reason: String },
    /// 延期审批; an approval moves the handling clock to `due`.
    ExtensionDecided { approved: bool, due: Option<Timestamp>, note: Option<String> },
    /// 回访
    FollowedUp { satisfaction: Satisfaction, note: Option<String> },
    /// 不予受理 / 分流: the matter belongs to another channel, which the citizen is told.
    Declined { route: Route, reason: String },
    /// 申请复查 (level 1) / 复核 (level 2), decided by `reviewer`.
    ReviewRequested { level: u8, reviewer: UnitId, reason: String },
    /// 复查/复核意见
    ReviewDecided { level: u8, outcome: Outcome, text: String },
    /// 终结: the same request on the same facts is no longer accepted.
    Finalised { cause: FinalCause },
    /// 上报: up one tier.
    Escalated { from: UnitId, to: UnitId, cause: EscalationCause, reason: Option<String> },
    /// 下派: down to a unit below.
    Delegated { from: UnitId, to: UnitId, note: Option<String> },
    /// 督办 / 催办, with the date an answer is wanted by.
    Supervised { mode: SupervisionMode, text: String, reply_by: Option<Timestamp> },
    /// 领导包案: a named leader owns the matter to its end, by a deadline.
    LeaderAssigned { leader: UserId, due: Timestamp, note: Option<String> },
    /// 挂账: not solvable now; looked at again by `review_by`.
    Parked { reason: String, review_by: Timestamp },
    /// 销账复办: a parked matter is taken up again.
    Unparked { note: Option<String> },
    /// 立案: a reported grid event is taken on.
    Opened {},
    /// 作废: a reported grid event is not a case.
    Cancelled { reason: String },
    /// 核查: the on-site check of a grid event's feedback.
    Verified { passed: bool, note: Option<String> },
    /// 评价: a closed grid event's handling is rated 1–5.
    Evaluated { rating: u8, note: Option<String> },
    /// A clock starts (or restarts) with its due instant.
    ClockStarted { clock: ClockName, limit: Option<Limit>, due: Timestamp },
    /// A clock stops: what it timed is done or no longer asked.
    ClockStopped { clock: ClockName },
    /// 临期提醒
    Reminded { clock: ClockName, due: Timestamp },
    /// 超期
    WentOverdue { clock: ClockName, due: Timestamp },
    /// 期限届满: a window the citizen did not use closed (a review window's closing makes the
    /// petition final instead).
    WindowClosed { clock: ClockName },
    /// 欠薪追回: wages recovered for workers (added to what was recovered before).
    RecoveryRecorded { amount_fen: i64, workers: u32, note: Option<String> },
    /// 移送公安: an employer's refusal to pay is referred to the police.
    ReferredToPolice { reason: String },
    /// At intake: the same petitioner raised the same subject in a petition that is final;
    /// by law it is no longer accepted (信访工作条例: 不再受理).
    RepeatOfFinal { of: MatterId },
    /// 调解受理登记: a committee takes the dispute on, with its mediator.
    MediationAccepted {
        committee: UnitId,
        mediator: UserId,
        /// The parties chose this mediator (otherwise the committee appointed one).
        chosen_by_party: bool,
        source: Source,
        /// Who transferred it, for disputes from the police, a court or an agency.
        referred_by: Option<String>,
        /// 当事人的请求
        requests: String,
    },
    /// 告知当事人权利义务
    RightsNotified { note: Option<String> },
    /// A party refused mediation: it ends, and the parties are told where to go instead.
    MediationRefused { party: usize, reason: String, routes: Vec<FailureRoute>, referred_to: Option<String> },
    /// 预约调解
    SessionScheduled { at: Timestamp, place: String },
    /// 调解记录: a session held.
    SessionHeld {
        held_at: Timestamp,
        place: String,
        participants: String,
        record: String,
        proposals: Option<String>,
    },
    /// 可能激化: a mediator flags a risk of violence, and to whom it was reported (法第25条).
    RiskFlagged { description: String, reported_to: String },
    /// A version of the written agreement, drafted and not yet signed.
    AgreementDrafted { version: u32, content: AgreementContent },
    /// Every party and the mediator signed `version`; its digest is kept from now on.
    AgreementSigned {
        version: u32,
        signed_on: Date,
        content_hash: String,
        /// Each term's deadline as the instant it ends, in the terms' order.
        terms_due: Vec<Timestamp>,
        /// The last instant to apply jointly for judicial confirmation.
        apply_by: Timestamp,
        /// The follow-up visits scheduled, earliest first.
        visits: Vec<Timestamp>,
    },
    /// 口头协议, recorded.
    OralAgreementRecorded {
        agreed_on: Date,
        content: String,
        terms: Vec<Term>,
        terms_due: Vec<Timestamp>,
        visits: Vec<Timestamp>,
    },
    /// 调解不成: the routes told to the parties and where it was referred.
    MediationFailed { reason: String, routes: Vec<FailureRoute>, referred_to: Option<String> },
    /// 申请司法确认
    JudicialFiled { court: String, filed_on: Date, accept_by: Timestamp },
    /// 法院受理
    JudicialAccepted { accepted_on: Date, rule_by: Timestamp },
    /// 法院延长审查期限
    JudicialExtended { reason: String, rule_by: Timestamp },
    /// 法院裁定
    JudicialRuled { ruled_on: Date, result: JudicialResult, note: Option<String> },
    /// A term of the agreement performed.
    TermPerformed { term: usize, note: Option<String> },
    /// 回访
    VisitRecorded {
        performance: Performance,
        satisfaction: Satisfaction,
        risk: RemainingRisk,
        note: Option<String>,
    },
    /// 反弹: the dispute comes back after an agreement, which it counts against.
    Relapsed { reason: String },
    /// 提级/联合调解 or 三调联动: the dispute moves to another mediator, with the reason.
    MediationTransferred { from: UnitId, to: UnitId, linkage: Linkage, reason: String },
    /// 并件: this matter is merged into `main` (主件); its clocks stop and it follows the main,
    /// whose answer it receives, until the merge is undone.
    MergedInto { main: MatterId, reason: String },
    /// On the main matter: `from` was merged into it, bringing its contacts.
    MergeReceived { from: MatterId, contacts: u32 },
    /// 撤销并件: the matter stands on its own again; its clocks restart from its state.
    Unmerged { main: MatterId, reason: String },
    /// On the main matter: `from` was taken out again, and the contacts it had brought with it.
    MergeWithdrawn { from: MatterId },
    /// 重复来访/来电/来信: the citizen came back about this same matter.
    ContactRecorded { channel: Channel, note: Option<String> },
}

impl Event {
    /// The `type` tag, also stored as its own column.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Registered(_) => "registered",
            Self::Assigned { .. } => "assigned",
            Self::Started { .. } => "started",
            Self::Replied { .. } => "replied",
            Self::Closed { .. } => "closed",
            Self::Reopened { .. } => "reopened",
            Self::Commented { .. } => "commented",
            Self::NoteAdded { .. } => "note_added",
            Self::PartiesRevealed { .. } => "parties_revealed",
            Self::Returned { .. } => "returned",
            Self::ExtensionRequested { .. } => "extension_requested",
            Self::ExtensionDecided { .. } => "extension_decided",
            Self::FollowedUp { .. } => "followed_up",
            Self::Declined { .. } => "declined",
            Self::ReviewRequested { .. } => "review_requested",
            Self::ReviewDecided { .. } => "review_decided",
            Self::Finalised { .. } => "finalised",
            Self::Escalated { .. } => "escalated",
            Self::Delegated { .. } => "delegated",
            Self::Supervised { .. } => "supervised",
            Self::LeaderAssigned { .. } => "leader_assigned",
            Self::Parked { .. } => "parked",
            Self::Unparked { .. } => "unparked",
            Self::Opened {} => "opened",
            Self::Cancelled { .. } => "cancelled",
            Self::Verified { .. } => "verified",
            Self::Evaluated { .. } => "evaluated",
            Self::ClockStarted { .. } => "clock_started",
            Self::ClockStopped { .. } => "clock_stopped",
            Self::Reminded { .. } => "reminded",
            Self::WentOverdue { .. } => "went_overdue",
            Self::WindowClosed { .. } => "window_closed",
            Self::RepeatOfFinal { .. } => "repeat_of_final",
            Self::RecoveryRecorded { .. } => "recovery_recorded",
            Self::ReferredToPolice { .. } => "referred_to_police",
            Self::MediationAccepted { .. } => "mediation_accepted",
            Self::RightsNotified { .. } => "rights_notified",
            Self::MediationRefused { .. } => "mediation_refused",
            Self::SessionScheduled { .. } => "session_scheduled",
            Self::SessionHeld { .. } => "session_held",
            Self::RiskFlagged { .. } => "risk_flagged",
            Self::AgreementDrafted { .. } => "agreement_drafted",
            Self::AgreementSigned { .. } => "agreement_signed",
            Self::OralAgreementRecorded { .. } => "oral_agreement_recorded",
            Self::MediationFailed { .. } => "mediation_failed",
            Self::JudicialFiled { .. } => "judicial_filed",
            Self::JudicialAccepted { .. } => "judicial_accepted",
            Self::JudicialExtended { .. } => "judicial_extended",
            Self::JudicialRuled { .. } => "judicial_ruled",
            Self::TermPerformed { .. } => "term_performed",
            Self::VisitRecorded { .. } => "visit_recorded",
            Self::Relapsed { .. } => "relapsed",
            Self::MediationTransferred { .. } => "mediation_transferred",
            Self::MergedInto { .. } => "merged_into",
            Self::MergeReceived { .. } => "merge_received",
            Self::Unmerged { .. } => "unmerged",
            Self::MergeWithdrawn { .. } => "merge_withdrawn",
            Self::ContactRecorded { .. } => "contact_recorded",
        }
    }
}

/// An event as the log holds it: its global position, its matter and version, when and by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedEvent {
    pub seq: i64,
    pub matter_id: MatterId,
    pub version: i64,
    pub at: Timestamp,
    pub actor: UserId,
    pub event: Event,
}
