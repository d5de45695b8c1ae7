//! Merging matters (主件/并件) and counting repeat contacts (重复来访/来电/来信).
//!
//! When several contacts are about the same thing, staff merge each into one main matter (主件).
//! A merged matter (并件) keeps its own record and its citizen: it stops its clocks, is handled
//! on the main, and receives the main's answer and closing on its own record, so its citizen
//! gets the answer too. The main counts every contact its merged matters brought. A merge can
//! be undone: the matter then stands on its own again, with its clocks restarted from its state.
//!
//! Every decision here is about one matter at a time, as the event log is: [`steps`] decides
//! the commands on the matter they are sent to, [`receive`] the main's side of a merge, and
//! the reconciling functions [`main_side`] and [`follow_main`] say what one matter of a pair
//! still lacks given the other's state. Those two are idempotent (they answer nothing once
//! the pair agrees), so the caller may run them again after any failure, any number of times.

use crate::clock;
use crate::command::{Command, Context, NOTE_MAX, answers_for, one, routes_for};
use crate::error::{Denial, DomainError, Issue};
use crate::event::Event;
use crate::ids::MatterId;
use crate::matter::{Matter, Status};
use crate::text;

/// Decides merging, undoing a merge and recording a repeat contact on the matter they are sent
/// to. Whether the main matter may take the merge is [`receive`]'s to say.
pub(crate) fn steps(m: &Matter, command: &Command, ctx: &Context<'_>) -> Result<Vec<Event>, DomainError> {
    let role = ctx.actor.role;
    let need = |ok: bool| if ok { Ok(()) } else { Err(DomainError::Forbidden(Denial::Role)) };
    let illegal = || DomainError::IllegalTransition { command: command.name(), status: m.status };
    match command {
        Command::MergeInto { main_id, reason } => {
            need(role.dispatches())?;
            if *main_id == m.id.0 {
                return Err(DomainError::field("main_id", Issue::MergeIntoItself));
            }
            if m.merged_into.is_some() {
                return Err(DomainError::field("main_id", Issue::AlreadyMerged));
            }
            if !m.merged.is_empty() {
                return Err(DomainError::field("main_id", Issue::IsAMain));
            }
            // Only a matter still waiting for its answer follows another's; one answered,
            // under review, parked or closed has its own course.
            if !matches!(m.status, Status::Registered | Status::Assigned | Status::InProgress) {
                return Err(illegal());
            }
            routes_for(m, ctx)?;
            let reason = text::required("reason", reason, NOTE_MAX).map_err(one)?;
            Ok(vec![Event::MergedInto { main: MatterId(*main_id), reason }])
        }
        Command::Unmerge { reason } => {
            need(role.dispatches())?;
            let Some(main) = m.merged_into else {
                return Err(DomainError::field("merged_into", Issue::NotMerged));
            };
            routes_for(m, ctx)?;
            let reason = text::required("reason", reason, NOTE_MAX).map_err(one)?;
            Ok(vec![Event::Unmerged { main, reason }])
        }
        Command::RecordContact { channel, note } => {
            need(role.registers())?;
            answers_for(m, ctx)?;
            let note = text::optional("note", note.as_deref(), NOTE_MAX).map_err(one)?;
            Ok(vec![Event::ContactRecorded { channel: *channel, note }])
        }
        _ => Err(illegal()),
    }
}

/// The main matter's side of merging `from` into it: it records what `from` brings. Refused
/// by name when `main` is `from` itself, is merged into another matter, or is closed. Nothing
/// when `from` is already among its merged matters.
pub fn receive(main: &Matter, from: &Matter, ctx: &Context<'_>) -> Result<Vec<Event>, DomainError> {
    if main.id == from.id {
        return Err(DomainError::field("main_id", Issue::MergeIntoItself));
    }
    if main.merged_into.is_some() {
        return Err(DomainError::field("main_id", Issue::MainIsMerged));
    }
    if main.status == Status::Closed {
        return Err(DomainError::field("main_id", Issue::MainClosed));
    }
    answers_for(main, ctx)?;
    if main.merged.contains(&from.id) {
        return Ok(vec![]);
    }
    Ok(vec![Event::MergeReceived { from: from.id, contacts: from.contacts() }])
}

/// Both sides of a merge, decided before anything is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merge {
    /// For the matter merged (并件): the merge and its clocks stopping.
    pub secondary: Vec<Event>,
    /// For the main matter (主件): what the merged matter brings.
    pub main: Vec<Event>,
}

/// Decides merging `secondary` into `main` on both: every rule of either side, refused by name.
pub fn merge(
    secondary: &Matter,
    main: &Matter,
    reason: &str,
    ctx: &Context<'_>,
) -> Result<Merge, DomainError> {
    let command = Command::MergeInto { main_id: main.id.0, reason: reason.to_owned() };
    let events = crate::command::decide(secondary, &command, ctx)?;
    let main_events = receive(main, secondary, ctx)?;
    Ok(Merge { secondary: events, main: main_events })
}

/// What the main matter's record lacks given the other matter's: its arrival, when that
/// matter says it is merged into `main` and `main` does not list it; its withdrawal, when
/// `main` lists it and it says otherwise. Nothing once they agree.
pub fn main_side(main: &Matter, other: &Matter) -> Vec<Event> {
    let claims = other.merged_into == Some(main.id);
    let listed = main.merged.contains(&other.id);
    match (claims, listed) {
        (true, false) => vec![Event::MergeReceived { from: other.id, contacts: other.contacts() }],
        (false, true) => vec![Event::MergeWithdrawn { from: other.id }],
        _ => vec![],
    }
}

/// What a matter merged into `main` lacks of the main's answer: the main's reply (text and a
/// petition's outcome) once the main is answered, and the closing once the main is closed
/// after an answer (办结). A main declined to another channel or cancelled closes without an
/// answer; its merged matters are not closed with it, and staff undo the merge instead.
/// Nothing for a matter not merged into `main`, or once it has what the main has.
pub fn follow_main(secondary: &Matter, main: &Matter, ctx: &Context<'_>) -> Vec<Event> {
    if secondary.merged_into != Some(main.id) {
        return vec![];
    }
    let answered = matches!(main.status, Status::Replied | Status::UnderReview | Status::Closed)
        && main.replied_at.is_some();
    let mut out = vec![];
    if let (true, Some(text)) = (answered, &main.reply) {
        let has = secondary.replied_at.is_some()
            && secondary.reply.as_ref() == Some(text)
            && secondary.outcome == main.outcome;
        if !has {
            out.push(Event::Replied { text: text.clone(), outcome: main.outcome });
        }
    }
    let done = main.status == Status::Closed && main.declined.is_none() && !main.cancelled;
    if answered && done && secondary.status != Status::Closed {
        out.push(Event::Closed { note: None });
    }
    let clocks = clock::follow(secondary, &out, ctx);
    out.extend(clocks);
    out
}

#[cfg(test)]
mod tests;
