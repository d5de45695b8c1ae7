//! Commands: what a user asks to happen to a matter. `decide` checks the command against the
//! matter's state and the actor, and answers with the events to record or a typed error. It
//! never writes anything; the store appends what it returns.

use crate::access::Actor;
use crate::category::Catalogue;
use crate::error::{Denial, DomainError, FieldError, Issue};
use crate::event::Event;
use crate::ids::UnitId;
use crate::matter::{HandlingMode, Matter, Registration, RegistrationDraft, Status};
use crate::org::OrgTree;
use crate::text;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Everything a decision may depend on besides the matter itself.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub actor: Actor,
    pub now: Timestamp,
    pub org: &'a OrgTree,
    pub catalogue: &'a Catalogue,
}

/// The commands of the generic lifecycle. Kind-specific workflows add their own.
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
    /// Begin handling; from `registered` this is 直办 by the actor's own unit.
    Start {},
    /// Answer the citizen in writing.
    Reply { text: String },
    /// Close the matter (办结).
    Close {
        #[serde(default)]
        note: Option<String>,
    },
    /// Reopen a replied or closed matter, with the reason.
    Reopen { reason: String },
    /// A comment on the record.
    Comment { text: String },
    /// An internal note.
    Note { text: String },
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
        }
    }
}

pub const TEXT_MAX: usize = 5_000;
pub const NOTE_MAX: usize = 1_000;
/// The most co-handling units one matter may have.
pub const CO_UNITS_MAX: usize = 20;

/// Validates an intake and checks the actor may register a matter at that place.
pub fn register(draft: &RegistrationDraft, ctx: &Context<'_>) -> Result<Event, DomainError> {
    if !ctx.actor.role.registers() {
        return Err(DomainError::Forbidden(Denial::Role));
    }
    let registration =
        Registration::parse(draft, ctx.catalogue, |u| ctx.org.contains(u)).map_err(DomainError::Invalid)?;
    if !ctx.org.is_within(registration.unit_id, ctx.actor.unit_id) {
        return Err(DomainError::field("unit_id", Issue::NotInScope));
    }
    Ok(Event::Registered(registration))
}

/// Decides a command against the matter's current state.
pub fn decide(matter: &Matter, command: &Command, ctx: &Context<'_>) -> Result<Vec<Event>, DomainError> {
    let actor = ctx.actor;
    let illegal = || DomainError::IllegalTransition { command: command.name(), status: matter.status };
    let status = matter.status;
    match command {
        Command::Assign { mode, unit_id, co_unit_ids, report_by, note } => {
            if !actor.role.dispatches() {
                return Err(DomainError::Forbidden(Denial::Role));
            }
            if !matches!(status, Status::Registered | Status::Assigned | Status::InProgress) {
                return Err(illegal());
            }
            if actor.role == crate::Role::Handler && !handles(matter, ctx) {
                return Err(DomainError::Forbidden(Denial::NotHandlingUnit));
            }
            routes_for(matter, ctx)?;
            let assignment =
                parse_assignment(*mode, *unit_id, co_unit_ids, *report_by, note.as_deref(), ctx)?;
            Ok(vec![assignment])
        }
        Command::Start {} => {
            if !actor.role.handles() {
                return Err(DomainError::Forbidden(Denial::Role));
            }
            match status {
                Status::Registered if !ctx.org.is_within(matter.registration.unit_id, actor.unit_id) => {
                    Err(DomainError::Forbidden(Denial::OutOfScope))
                }
                Status::Registered => Ok(vec![Event::Started { direct_unit: Some(actor.unit_id) }]),
                Status::Assigned if handles(matter, ctx) => Ok(vec![Event::Started { direct_unit: None }]),
                Status::Assigned => Err(DomainError::Forbidden(Denial::NotHandlingUnit)),
                _ => Err(illegal()),
            }
        }
        Command::Reply { text } => {
            if !actor.role.handles() {
                return Err(DomainError::Forbidden(Denial::Role));
            }
            if status != Status::InProgress {
                return Err(illegal());
            }
            if !handles(matter, ctx) {
                return Err(DomainError::Forbidden(Denial::NotHandlingUnit));
            }
            let text = text::required("text", text, TEXT_MAX).map_err(one)?;
            Ok(vec![Event::Replied { text }])
        }
        Command::Close { note } => {
            if !actor.role.closes() {
                return Err(DomainError::Forbidden(Denial::Role));
            }
            if status != Status::Replied {
                return Err(illegal());
            }
            routes_for(matter, ctx)?;
            let note = text::optional("note", note.as_deref(), NOTE_MAX).map_err(one)?;
            Ok(vec![Event::Closed { note }])
        }
        Command::Reopen { reason } => {
            if !actor.role.closes() {
                return Err(DomainError::Forbidden(Denial::Role));
            }
            if !matches!(status, Status::Replied | Status::Closed) {
                return Err(illegal());
            }
            routes_for(matter, ctx)?;
            let reason = text::required("reason", reason, NOTE_MAX).map_err(one)?;
            Ok(vec![Event::Reopened { reason }])
        }
        Command::Comment { text } | Command::Note { text } => {
            if !actor.role.handles() {
                return Err(DomainError::Forbidden(Denial::Role));
            }
            answers_for(matter, ctx)?;
            let text = text::required("text", text, TEXT_MAX).map_err(one)?;
            Ok(vec![if matches!(command, Command::Comment { .. }) {
                Event::Commented { text }
            } else {
                Event::NoteAdded { text }
            }])
        }
    }
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
fn answers_for(matter: &Matter, ctx: &Context<'_>) -> Result<(), DomainError> {
    if ctx.org.is_within(matter.registration.unit_id, ctx.actor.unit_id) || handles(matter, ctx) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(Denial::OutOfScope))
    }
}

/// May the actor route, close or reopen the matter: is its place, or its lead unit, in the
/// actor's subtree? Co-handling units work on a matter; they do not steer it.
fn routes_for(matter: &Matter, ctx: &Context<'_>) -> Result<(), DomainError> {
    let me = ctx.actor.unit_id;
    let lead = matter.handling.as_ref().is_some_and(|h| ctx.org.is_within(h.lead, me));
    if ctx.org.is_within(matter.registration.unit_id, me) || lead {
        Ok(())
    } else {
        Err(DomainError::Forbidden(Denial::OutOfScope))
    }
}

/// Is the actor's unit the lead or a co-handling unit of the matter, or above the lead?
fn handles(matter: &Matter, ctx: &Context<'_>) -> bool {
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
    Ok(Event::Assigned { mode, lead, co_units, report_by, note })
}

fn one(e: FieldError) -> DomainError {
    DomainError::Invalid(vec![e])
}

#[cfg(test)]
mod tests;
