//! Events: the immutable facts a matter's history is made of. The timeline shown to users is
//! this stream, and the store seals it with a hash chain.

use crate::calendar::Limit;
use crate::clock::ClockName;
use crate::ids::{MatterId, UnitId, UserId};
use crate::matter::{HandlingMode, Registration};
use jiff::Timestamp;
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
    /// 欠薪追回: wages recovered for workers (added to what was recovered before).
    RecoveryRecorded { amount_fen: i64, workers: u32, note: Option<String> },
    /// 移送公安: an employer's refusal to pay is referred to the police.
    ReferredToPolice { reason: String },
    /// At intake: the same petitioner raised the same subject in a petition that is final;
    /// by law it is no longer accepted (信访工作条例: 不再受理).
    RepeatOfFinal { of: MatterId },
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
            Self::RepeatOfFinal { .. } => "repeat_of_final",
            Self::RecoveryRecorded { .. } => "recovery_recorded",
            Self::ReferredToPolice { .. } => "referred_to_police",
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
