//! Events: the immutable facts a matter's history is made of. The timeline shown to users is
//! this stream, and the store seals it with a hash chain.

use crate::ids::{MatterId, UnitId, UserId};
use crate::matter::{HandlingMode, Registration};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

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
    },
    /// 开始办理; `direct_unit` is set when the intake unit handles it itself (直办).
    Started { direct_unit: Option<UnitId> },
    /// 答复
    Replied { text: String },
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
