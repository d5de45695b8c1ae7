//! Deciding the mediation steps of a dispute: who may take each, in which state, and what is
//! wrong with the input, every problem named by its field. Dates that record something done
//! (a session held, an agreement signed, a court's acceptance) may not lie in the future nor
//! before the step they follow.

use super::{AgreementContent, FailureRoute, Linkage, Term, TermDraft};
use crate::calendar::Limit;
use crate::clock::ClockName;
use crate::command::{Command, Context, NOTE_MAX, TEXT_MAX, handles, one, routes_for};
use crate::error::{Denial, DomainError, FieldError, Issue};
use crate::event::Event;
use crate::ids::{UnitId, UserId};
use crate::matter::{Matter, MatterKind, Status};
use crate::org::UnitKind;
use crate::text;
use jiff::Timestamp;
use jiff::civil::Date;

/// The most terms one agreement may have.
pub const TERMS_MAX: usize = 30;
const SHORT: usize = 200;

/// Collects field errors while parsing a command's input.
#[derive(Default)]
struct Fields(Vec<FieldError>);

impl Fields {
    fn required(&mut self, field: &str, raw: &str, max: usize) -> String {
        text::required(field, raw, max).map_err(|e| self.0.push(e)).unwrap_or_default()
    }

    fn optional(&mut self, field: &str, raw: Option<&str>, max: usize) -> Option<String> {
        text::optional(field, raw, max).map_err(|e| self.0.push(e)).ok().flatten()
    }

    fn push(&mut self, field: impl Into<String>, issue: Issue) {
        self.0.push(FieldError::new(field, issue));
    }

    /// A date of something done: not after today, not before `after` (when given).
    fn past_date(&mut self, field: &str, date: Date, after: Option<Date>, today: Date) {
        if date > today {
            self.push(field, Issue::NotYetOccurred);
        } else if after.is_some_and(|a| date < a) {
            self.push(field, Issue::DateOrder);
        }
    }

    fn done<T>(self, value: T) -> Result<T, DomainError> {
        if self.0.is_empty() { Ok(value) } else { Err(DomainError::Invalid(self.0)) }
    }
}

/// A mediation limit for this dispute (the policy's, or the default).
fn limit(m: &Matter, ctx: &Context<'_>, clock: ClockName, default: Limit) -> Limit {
    let r = &m.registration;
    ctx.policies.limit(MatterKind::Dispute, clock, r.category.as_str(), r.urgency).unwrap_or(default)
}

/// The end (24:00) of the date a limit counted from `start` falls on.
fn due_after(ctx: &Context<'_>, start: Date, limit: Limit) -> Option<Timestamp> {
    ctx.calendar.end_of(ctx.calendar.due_date(start, limit))
}

/// The tier of a committee or unit: village 1, township 2, county 3.
fn tier(ctx: &Context<'_>, unit: UnitId) -> u8 {
    let kind = |u: UnitId| ctx.org.get(u).map(|u| u.kind);
    let own = kind(unit);
    let parent = ctx.org.get(unit).and_then(|u| u.parent_id).and_then(kind);
    match (own, parent) {
        (Some(UnitKind::Village | UnitKind::Grid), _)
        | (Some(UnitKind::Committee), Some(UnitKind::Village)) => 1,
        (Some(UnitKind::Township), _) | (Some(UnitKind::Committee), Some(UnitKind::Township)) => 2,
        _ => 3,
    }
}

/// Validates terms: each needs who, what, how and a deadline not before `not_before`.
fn terms(f: &mut Fields, drafts: &[TermDraft], not_before: Date) -> Vec<Term> {
    if drafts.len() > TERMS_MAX {
        f.push("terms", Issue::TooLong { max: TERMS_MAX });
    }
    let mut out = vec![];
    for (i, t) in drafts.iter().enumerate().take(TERMS_MAX) {
        let field = |name: &str| format!("terms[{i}].{name}");
        let obligor = f.required(&field("obligor"), &t.obligor, 60);
        let content = f.required(&field("content"), &t.content, NOTE_MAX);
        let manner = f.required(&field("manner"), &t.manner, SHORT);
        match t.deadline {
            None => f.push(field("deadline"), Issue::Required),
            Some(d) if d < not_before => f.push(field("deadline"), Issue::DateOrder),
            Some(deadline) => out.push(Term { obligor, content, manner, deadline }),
        }
    }
    out
}

/// Each term's deadline as an instant, and the visits: one after each term's deadline and one
/// after the agreement.
fn schedule(
    m: &Matter,
    ctx: &Context<'_>,
    agreed_on: Date,
    terms: &[Term],
) -> (Vec<Timestamp>, Vec<Timestamp>) {
    let after_term = limit(m, ctx, ClockName::VisitAfterTerm, Limit::calendar_days(7));
    let after_agreement = limit(m, ctx, ClockName::Visit, Limit::calendar_days(30));
    let due: Vec<Timestamp> = terms.iter().filter_map(|t| ctx.calendar.end_of(t.deadline)).collect();
    let mut visits: Vec<Timestamp> = terms
        .iter()
        .filter_map(|t| due_after(ctx, t.deadline, after_term))
        .chain(due_after(ctx, agreed_on, after_agreement))
        .collect();
    visits.sort();
    visits.dedup();
    (due, visits)
}

pub fn steps(m: &Matter, command: &Command, ctx: &Context<'_>) -> Result<Vec<Event>, DomainError> {
    let med = &m.mediation;
    let illegal = || DomainError::IllegalTransition { command: command.name(), status: m.status };
    let state = |ok: bool| if ok { Ok(()) } else { Err(illegal()) };
    state(m.registration.kind == MatterKind::Dispute)?;
    if !ctx.actor.role.closes() {
        return Err(DomainError::Forbidden(Denial::Role));
    }
    let today = ctx.calendar.date_of(ctx.now);
    let accepted_on = med.accepted_at.map(|t| ctx.calendar.date_of(t));
    let mediating = med.ongoing() && m.status == Status::InProgress;
    let mut f = Fields::default();
    // Relapses and visits may come after the matter was closed; everything else is the
    // handling unit's, while it handles.
    let relapse_or_visit = matches!(command, Command::RecordRelapse { .. } | Command::RecordVisit { .. });
    if relapse_or_visit && m.status == Status::Closed {
        routes_for(m, ctx)?;
    } else if !handles(m, ctx) {
        return Err(DomainError::Forbidden(Denial::NotHandlingUnit));
    }
    match command {
        Command::AcceptMediation { mediator_id, chosen_by_party, source, referred_by, requests } => {
            state(matches!(m.status, Status::Registered | Status::Assigned) && med.committee.is_none())?;
            let is_committee = |u: UnitId| ctx.org.get(u).is_some_and(|u| u.kind == UnitKind::Committee);
            let committee = match &m.handling {
                Some(h) if is_committee(h.lead) => h.lead,
                _ if is_committee(ctx.actor.unit_id) => ctx.actor.unit_id,
                _ => return Err(DomainError::field("committee", Issue::NotACommittee)),
            };
            if *mediator_id <= 0 {
                f.push("mediator_id", Issue::Required);
            }
            let requests = f.required("requests", requests, TEXT_MAX);
            let referred_by = f.optional("referred_by", referred_by.as_deref(), SHORT);
            let transferred =
                matches!(source, super::Source::Police | super::Source::Court | super::Source::Agency);
            if transferred && referred_by.is_none() {
                f.push("referred_by", Issue::Required);
            }
            f.done(vec![Event::MediationAccepted {
                committee,
                mediator: UserId(*mediator_id),
                chosen_by_party: *chosen_by_party,
                source: *source,
                referred_by,
                requests,
            }])
        }
        Command::NotifyRights { note } => {
            // Told once; the step is then no longer offered.
            state(mediating && !med.rights_notified)?;
            let note = f.optional("note", note.as_deref(), NOTE_MAX);
            f.done(vec![Event::RightsNotified { note }])
        }
        Command::RefuseMediation { party, reason, routes, referred_to } => {
            state(mediating)?;
            if *party >= m.registration.parties.len() {
                f.push("party", Issue::NoSuchItem);
            }
            let reason = f.required("reason", reason, NOTE_MAX);
            let referred_to = f.optional("referred_to", referred_to.as_deref(), SHORT);
            let routes = if routes.is_empty() { FailureRoute::ALL.to_vec() } else { dedup(routes) };
            f.done(vec![Event::MediationRefused { party: *party, reason, routes, referred_to }])
        }
        Command::ScheduleSession { at, place } => {
            state(mediating)?;
            if *at <= ctx.now {
                f.push("at", Issue::MustBeInFuture);
            }
            let place = f.required("place", place, SHORT);
            f.done(vec![Event::SessionScheduled { at: *at, place }])
        }
        Command::RecordSession { held_at, place, participants, record, proposals } => {
            state(mediating)?;
            if *held_at > ctx.now {
                f.push("held_at", Issue::NotYetOccurred);
            } else if med
                .accepted_at
                .is_some_and(|a| ctx.calendar.date_of(*held_at) < ctx.calendar.date_of(a))
            {
                f.push("held_at", Issue::DateOrder);
            }
            let place = f.required("place", place, SHORT);
            let participants = f.required("participants", participants, NOTE_MAX);
            let record = f.required("record", record, TEXT_MAX);
            let proposals = f.optional("proposals", proposals.as_deref(), TEXT_MAX);
            f.done(vec![Event::SessionHeld { held_at: *held_at, place, participants, record, proposals }])
        }
        Command::FlagRisk { description, reported_to } => {
            state(med.engaged() && m.status != Status::Closed)?;
            let description = f.required("description", description, TEXT_MAX);
            let reported_to = f.required("reported_to", reported_to, SHORT);
            f.done(vec![Event::RiskFlagged { description, reported_to }])
        }
        Command::DraftAgreement { facts, issues, responsibilities, terms: drafts } => {
            let amending = m.status == Status::Replied
                && med.live_agreement().is_some_and(|a| a.form == super::AgreementForm::Written);
            state(mediating || amending)?;
            let facts = f.required("facts", facts, TEXT_MAX);
            let issues = f.required("issues", issues, TEXT_MAX);
            let responsibilities = f.required("responsibilities", responsibilities, TEXT_MAX);
            if drafts.is_empty() {
                f.push("terms", Issue::Required);
            }
            let terms = terms(&mut f, drafts, today);
            let version = med
                .draft
                .as_ref()
                .map(|(v, _)| *v)
                .unwrap_or(0)
                .max(med.agreement.as_ref().map(|a| a.version).unwrap_or(0))
                + 1;
            let content = AgreementContent { facts, issues, responsibilities, terms };
            f.done(vec![Event::AgreementDrafted { version, content }])
        }
        Command::SignAgreement { signed_on, parties_signed, mediator_signed } => {
            // Nothing to sign without a draft newer than the agreement in force.
            let Some((version, content)) = med.unsigned_draft() else { return Err(illegal()) };
            state(mediating || m.status == Status::Replied)?;
            f.past_date("signed_on", *signed_on, accepted_on, today);
            let parties = &m.registration.parties;
            if parties_signed.iter().any(|p| *p >= parties.len()) {
                f.push("parties_signed", Issue::NoSuchItem);
            }
            for i in (0..parties.len()).filter(|i| !parties_signed.contains(i)) {
                f.push(format!("parties[{i}].signed"), Issue::Unsigned);
            }
            if !mediator_signed {
                f.push("mediator_signed", Issue::Unsigned);
            }
            for (i, t) in content.terms.iter().enumerate() {
                if t.deadline < *signed_on {
                    f.push(format!("terms[{i}].deadline"), Issue::DateOrder);
                }
            }
            let (terms_due, visits) = schedule(m, ctx, *signed_on, &content.terms);
            let window = limit(m, ctx, ClockName::JudicialApplication, Limit::calendar_days(30));
            let apply_by = due_after(ctx, *signed_on, window);
            if apply_by.is_none() || terms_due.len() != content.terms.len() {
                f.push("signed_on", Issue::BadDate);
            }
            let content_hash = super::content_hash(*version, parties, content);
            f.done(())?;
            Ok(vec![Event::AgreementSigned {
                version: *version,
                signed_on: *signed_on,
                content_hash,
                terms_due,
                apply_by: apply_by.unwrap_or(ctx.now),
                visits,
            }])
        }
        Command::RecordOralAgreement { content, terms: drafts } => {
            state(mediating)?;
            let content = f.required("content", content, TEXT_MAX);
            let terms = terms(&mut f, drafts, today);
            let (terms_due, visits) = schedule(m, ctx, today, &terms);
            f.done(vec![Event::OralAgreementRecorded { agreed_on: today, content, terms, terms_due, visits }])
        }
        Command::RecordFailure { reason, routes, referred_to } => {
            state(mediating)?;
            let reason = f.required("reason", reason, NOTE_MAX);
            if routes.is_empty() {
                f.push("routes", Issue::Required);
            }
            let referred_to = f.optional("referred_to", referred_to.as_deref(), SHORT);
            f.done(vec![Event::MediationFailed { reason, routes: dedup(routes), referred_to }])
        }
        Command::FileJudicial { court, filed_on } => {
            let agreement = med.live_agreement().filter(|a| a.form == super::AgreementForm::Written);
            let Some(a) = agreement.filter(|_| m.status == Status::Replied && med.judicial.is_none()) else {
                return Err(illegal());
            };
            let court = f.required("court", court, SHORT);
            f.past_date("filed_on", *filed_on, Some(a.signed_on), today);
            // A window that lapsed unused has no end left to meet.
            if a.apply_by.is_none_or(|by| ctx.calendar.end_of(*filed_on).is_some_and(|t| t > by)) {
                f.push("filed_on", Issue::TooLate);
            }
            let accept_by = due_after(
                ctx,
                *filed_on,
                limit(m, ctx, ClockName::JudicialAcceptance, Limit::calendar_days(3)),
            );
            f.done(())?;
            Ok(vec![Event::JudicialFiled {
                court,
                filed_on: *filed_on,
                accept_by: accept_by.unwrap_or(ctx.now),
            }])
        }
        Command::RecordJudicialAcceptance { accepted_on } => {
            let Some(j) = med.judicial.as_ref().filter(|j| j.accepted_on.is_none()) else {
                return Err(illegal());
            };
            f.past_date("accepted_on", *accepted_on, Some(j.filed_on), today);
            let rule_by = due_after(
                ctx,
                *accepted_on,
                limit(m, ctx, ClockName::JudicialRuling, Limit::calendar_days(15)),
            );
            f.done(())?;
            Ok(vec![Event::JudicialAccepted {
                accepted_on: *accepted_on,
                rule_by: rule_by.unwrap_or(ctx.now),
            }])
        }
        Command::ExtendJudicial { reason } => {
            let pending = med.judicial.as_ref().filter(|j| j.accepted_on.is_some() && j.ruled.is_none());
            // The court extends once; the step is then no longer offered.
            let Some(j) = pending.filter(|j| !j.extended) else { return Err(illegal()) };
            let reason = f.required("reason", reason, NOTE_MAX);
            let last_day = j.rule_by.map(|t| ctx.calendar.date_of(t - jiff::SignedDuration::from_secs(1)));
            let extra = limit(m, ctx, ClockName::JudicialExtension, Limit::calendar_days(10));
            let rule_by = last_day.and_then(|d| due_after(ctx, d, extra));
            f.done(())?;
            Ok(vec![Event::JudicialExtended { reason, rule_by: rule_by.unwrap_or(ctx.now) }])
        }
        Command::RecordJudicialRuling { ruled_on, result, note } => {
            let pending = med.judicial.as_ref().filter(|j| j.ruled.is_none());
            let Some(accepted) = pending.and_then(|j| j.accepted_on) else { return Err(illegal()) };
            f.past_date("ruled_on", *ruled_on, Some(accepted), today);
            let note = f.optional("note", note.as_deref(), NOTE_MAX);
            f.done(vec![Event::JudicialRuled { ruled_on: *ruled_on, result: *result, note }])
        }
        Command::RecordPerformance { term, note } => {
            let open_terms = |a: &&super::Agreement| a.terms.iter().any(|t| !t.performed);
            let Some(a) = med.live_agreement().filter(|_| m.status == Status::Replied).filter(open_terms)
            else {
                return Err(illegal());
            };
            match a.terms.get(*term) {
                None => f.push("term", Issue::NoSuchItem),
                Some(t) if t.performed => f.push("term", Issue::OnlyOnce),
                Some(_) => {}
            }
            let note = f.optional("note", note.as_deref(), NOTE_MAX);
            f.done(vec![Event::TermPerformed { term: *term, note }])
        }
        Command::RecordVisit { performance, satisfaction, risk, note } => {
            let agreed = med.live_agreement().is_some() && med.outcome.is_some_and(|o| o.succeeded());
            state(agreed && matches!(m.status, Status::Replied | Status::Closed))?;
            let note = f.optional("note", note.as_deref(), NOTE_MAX);
            f.done(vec![Event::VisitRecorded {
                performance: *performance,
                satisfaction: *satisfaction,
                risk: *risk,
                note,
            }])
        }
        Command::RecordRelapse { reason } => {
            let agreed = med.outcome.is_some_and(|o| o.succeeded()) && med.live_agreement().is_some();
            state(agreed && matches!(m.status, Status::Replied | Status::Closed))?;
            let reason = f.required("reason", reason, NOTE_MAX);
            f.done(vec![Event::Relapsed { reason }])
        }
        Command::TransferMediation { unit_id, linkage, reason } => {
            state(matches!(m.status, Status::Registered | Status::Assigned | Status::InProgress))?;
            let from = m.handling.as_ref().map(|h| h.lead).unwrap_or(m.registration.unit_id);
            let to = UnitId(*unit_id);
            let kind = ctx.org.get(to).map(|u| u.kind);
            let fits = match (linkage, kind) {
                (_, None) => {
                    f.push("unit_id", Issue::UnknownUnit);
                    true
                }
                (Linkage::Escalate, Some(UnitKind::Committee)) => tier(ctx, to) > tier(ctx, from),
                (Linkage::Joint, Some(k)) => matches!(k, UnitKind::County | UnitKind::Township),
                (Linkage::Administrative | Linkage::Judicial, Some(k)) => k == UnitKind::Department,
                (Linkage::People, Some(k)) => k == UnitKind::Committee,
                _ => false,
            };
            if !fits || to == from {
                f.push("unit_id", Issue::WrongUnitKind);
            }
            let reason = f.required("reason", reason, NOTE_MAX);
            f.done(vec![Event::MediationTransferred { from, to, linkage: *linkage, reason }])
        }
        _ => Err(one(FieldError::new("type", Issue::NotOneOf))),
    }
}

fn dedup<T: Copy + PartialEq>(items: &[T]) -> Vec<T> {
    let mut out: Vec<T> = vec![];
    for i in items {
        if !out.contains(i) {
            out.push(*i);
        }
    }
    out
}
