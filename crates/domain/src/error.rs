//! Typed errors of the domain. They carry codes, not sentences: the web layer words them in
//! the user's language.

use crate::matter::Status;
use serde::Serialize;

/// What is wrong with one input field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "issue")]
pub enum Issue {
    Required,
    TooLong {
        max: usize,
    },
    OutOfRange {
        min: i64,
        max: i64,
    },
    ControlCharacters,
    BadPhone,
    BadIdCard,
    BadName,
    UnknownUnit,
    UnknownCategory,
    NotInScope,
    MustBeInFuture,
    OnlyForJoint,
    NeedsCoUnits,
    Duplicate,
    SameAsLead,
    /// Not a SHA-256 digest in hexadecimal.
    BadDigest,
    /// Not 1–200 visible ASCII characters (an idempotency key).
    BadKey,
    /// This field may not be set here.
    NotAccepted,
    /// Allowed once, and done already.
    OnlyOnce,
    /// A request of this sort already waits for its decision.
    AlreadyPending,
    /// Already at the top of the tiers: nowhere higher to go.
    AtTop,
    /// Must be a unit below the current handling unit.
    NotBelow,
    /// This limit cannot be counted in hours.
    NoHours,
    /// Not a date in the form YYYY-MM-DD.
    BadDate,
    /// Not one of the values this field takes.
    NotOneOf,
    /// Only a weekend day can be made a working day.
    NotAWeekend,
    /// Not an active leader who oversees the matter.
    NotALeader,
    /// Not recorded as signed (an agreement needs every party and the mediator).
    Unsigned,
    /// Earlier than a date it must follow (a session before acceptance, a ruling before filing).
    DateOrder,
    /// A date that has not come yet, for something that has happened.
    NotYetOccurred,
    /// Later than the time allowed for it.
    TooLate,
    /// Not a unit of the kind this step needs (a committee of a higher tier, a department …).
    WrongUnitKind,
    /// Not a mediation committee, and no committee handles the dispute.
    NotACommittee,
    /// Not an active mediator of the committee.
    NotAMediator,
    /// Names no item of the list (a party or a term by its number).
    NoSuchItem,
    /// Names no matter the actor can see (a main matter to merge into).
    UnknownMatter,
    /// A matter cannot be merged into itself.
    MergeIntoItself,
    /// The matter is merged into a main matter already (并件 once).
    AlreadyMerged,
    /// The matter is a main matter (主件) with merged matters, so it cannot itself be merged.
    IsAMain,
    /// The main matter is itself merged into another one: merge into that one instead.
    MainIsMerged,
    /// The main matter is closed (办结): nothing more comes of merging into it.
    MainClosed,
    /// The matter is not merged into any main matter (nothing to undo).
    NotMerged,
    /// The matter is merged into a main matter: it is handled there, unless the merge is undone.
    MergedAway,
}

/// One field that failed, named by its JSON path (`parties[0].phone`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    #[serde(flatten)]
    pub issue: Issue,
}

impl FieldError {
    pub fn new(field: impl Into<String>, issue: Issue) -> Self {
        Self { field: field.into(), issue }
    }
}

/// Why the actor may not do this.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Denial {
    /// The role never does this (an auditor only reads).
    Role,
    /// The matter is handled by a unit outside the actor's subtree.
    NotHandlingUnit,
    /// The place of the matter lies outside the actor's subtree.
    OutOfScope,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("command {command} is not allowed while the matter is {status:?}")]
    IllegalTransition { command: &'static str, status: Status },
    #[error("forbidden: {0:?}")]
    Forbidden(Denial),
}

impl DomainError {
    pub fn field(field: impl Into<String>, issue: Issue) -> Self {
        Self::Invalid(vec![FieldError::new(field, issue)])
    }
}
