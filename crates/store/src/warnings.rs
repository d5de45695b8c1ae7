//! What the store keeps of three-colour warnings: each warning's row (level, unit, when raised
//! and closed, its [`Detail`]), the matters it is about, and its log of happenings (raised,
//! escalated, responded, closed). A subject has at most one open warning — a unique index on
//! the subject's key among open rows — so two evaluators racing raise it once, and a saved
//! change carries the version it read, so they change it once.

use jiff::Timestamp;
use minsheng_domain::warning::{Detail, Happening, Level};
use minsheng_domain::{MatterId, UnitId};

/// A warning as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarningRecord {
    pub id: i64,
    /// Bumped by every save; a save names the version it read.
    pub version: i64,
    /// The subject's key (`matter:42`, `cluster:wage:project:…`).
    pub key: String,
    pub level: Level,
    /// The unit it belongs to: the matter's handling unit, or the unit over all of a cluster's
    /// places. Who may see it follows from its path.
    pub unit_id: UnitId,
    pub unit_path: String,
    pub raised_at: Timestamp,
    pub updated_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub detail: Detail,
}

impl WarningRecord {
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

/// One line of a warning's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarningEntry {
    pub at: Timestamp,
    pub happening: Happening,
    /// The level after it.
    pub level: Level,
    /// What happened, in words.
    pub text: String,
}

/// Filters of a warning list, combined with AND; newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WarningFilter {
    pub level: Option<Level>,
    /// `Some(true)`: open only; `Some(false)`: closed only.
    pub open: Option<bool>,
    /// Within this unit's subtree (its path), inside the scope.
    pub unit_path: Option<String>,
    /// About this matter (alone or in a cluster).
    pub matter: Option<MatterId>,
    /// The cursor: ids below this one.
    pub before: Option<i64>,
    pub limit: u32,
}

pub(crate) fn detail_json(d: &Detail) -> crate::Result<String> {
    serde_json::to_string(d).map_err(|e| crate::StoreError::Corrupt(format!("warning detail: {e}")))
}

pub(crate) fn detail_of(id: i64, json: &str) -> crate::Result<Detail> {
    serde_json::from_str(json).map_err(|e| crate::StoreError::Corrupt(format!("warning {id}: {e}")))
}

pub(crate) fn level_of(id: i64, s: &str) -> crate::Result<Level> {
    Level::parse(s).ok_or_else(|| crate::StoreError::Corrupt(format!("warning {id}: level {s}")))
}

pub(crate) fn happening_of(id: i64, s: &str) -> crate::Result<Happening> {
    Happening::parse(s).ok_or_else(|| crate::StoreError::Corrupt(format!("warning {id}: happening {s}")))
}
