//! Clocks (时限): the limits running on a matter, and the timers they set.
//!
//! A clock is started by an event that carries its due instant, computed by the calendar
//! from the policy when the event was decided, so the history never changes when a policy or
//! a notice does. Which clocks run follows from the matter's kind and state ([`follow`]);
//! leader ownership, supervision and the ledger's review date start their own.
//!
//! Each running clock sets at most two timers: a reminder before it is due and an overdue
//! mark when it is (a window, the citizen's time to ask for review, instead expires). The
//! store keeps the timers as rows; the scheduler fires them through [`fire`], and the event a
//! firing records clears its timer, so a timer fires once however many schedulers race.

use crate::calendar::Limit;
use crate::command::Context;
use crate::event::Event;
use crate::matter::{Matter, MatterKind, Status};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

string_enum!(
    /// The clocks a matter may run.
    ClockName {
        /// 受理时限: decide whether to accept (petitions 15 days, wage claims 5 working days)
        Intake = "intake",
        /// 告知受理时限: the competent body notifies acceptance of a petition (15 days)
        Acceptance = "acceptance",
        /// 派单时限: dispatch a request or grid event (hours)
        Dispatch = "dispatch",
        /// 办理时限: handle and answer
        Handling = "handling",
        /// The longest extension of the handling limit (a cap, never a running clock)
        Extension = "extension",
        /// 回访时限: follow-up visit after the reply
        FollowUp = "follow_up",
        /// 复查/复核申请期限: the petitioner's window to ask for review
        ReviewWindow = "review_window",
        /// 复查/复核时限: the review decision
        Review = "review",
        /// 包案时限: the owning leader's deadline
        Leader = "leader",
        /// 督办反馈时限: the answer a supervision asks for
        Supervision = "supervision",
        /// 挂账复核日期: when a parked matter is looked at again
        LedgerReview = "ledger_review",
        /// 调解时限: a committee mediates normally within one month of acceptance
        Mediation = "mediation",
        /// 预约调解: a scheduled session (the mediator is reminded the day before)
        Session = "session",
        /// 协议履行期限: the next term of the agreement to perform
        Performance = "performance",
        /// 回访: the next follow-up visit after an agreement (by default 30 days after it)
        Visit = "visit",
        /// After each term's deadline, the visit that checks it (7 days; a limit, not a clock)
        VisitAfterTerm = "visit_after_term",
        /// 司法确认申请期限: apply jointly within 30 days of the agreement taking effect
        JudicialApplication = "judicial_application",
        /// 法院受理期限 (3 days)
        JudicialAcceptance = "judicial_acceptance",
        /// 法院审查期限 (15 days)
        JudicialRuling = "judicial_ruling",
        /// 审查期限延长 (10 days; a limit, not a clock)
        JudicialExtension = "judicial_extension",
    }
);

impl ClockName {
    /// Clocks whose limits may be counted in hours.
    pub fn may_run_in_hours(self) -> bool {
        matches!(self, Self::Dispatch | Self::Handling)
    }

    /// A window is the citizen's time to act: when it closes the matter moves on; no one is late.
    /// The parties' 30 days to apply for judicial confirmation are one too (人民调解法 第三十三条:
    /// they may apply; nobody owes it).
    pub fn is_window(self) -> bool {
        matches!(self, Self::ReviewWindow | Self::JudicialApplication)
    }

    /// Whether passing its due instant is someone's lateness, marked overdue. A booked session
    /// is not: it reminds the mediator, and shows as passed until the session is recorded.
    pub fn marks_overdue(self) -> bool {
        !self.is_window() && self != Self::Session
    }

    /// Clocks that [`follow`] starts and stops from the matter's state, at a policy limit.
    fn follows_state(self) -> bool {
        !matches!(
            self,
            Self::Leader | Self::Supervision | Self::LedgerReview | Self::Extension | Self::VisitAfterTerm
        ) && !self.is_derived()
            && self != Self::JudicialExtension
    }

    /// Clocks whose due instant the mediation's own facts carry (see `Mediation::clocks`).
    fn is_derived(self) -> bool {
        matches!(
            self,
            Self::Session
                | Self::Performance
                | Self::Visit
                | Self::JudicialApplication
                | Self::JudicialAcceptance
                | Self::JudicialRuling
        )
    }
}

/// A running clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub started: Timestamp,
    pub due: Timestamp,
    /// The policy limit it runs, where one did (an explicit deadline has none).
    pub limit: Option<Limit>,
    pub reminded: bool,
    pub overdue: bool,
    /// The matter's version when this run of the clock began: a restart at the very same
    /// instant is still a new run.
    pub run: i64,
}

string_enum!(
    /// What a timer does when it fires.
    TimerKind {
        /// 临期提醒
        Remind = "remind",
        /// 超期
        Overdue = "overdue",
        /// 期限届满 (a window closes)
        Expire = "expire",
    }
);

/// A timer a matter's clocks set: the store keeps these as rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    pub clock: ClockName,
    pub kind: TimerKind,
    /// The clock's due instant when the timer was set; a timer whose clock moved is stale.
    pub due: Timestamp,
    /// The run of the clock that set it; a timer of an earlier run is stale.
    pub run: i64,
    pub fire_at: Timestamp,
}

/// How long before its due instant a clock reminds: a day for limits in days, a quarter of
/// the span for shorter ones.
fn reminder_at(clock: &Clock) -> Option<Timestamp> {
    let span = clock.due.duration_since(clock.started);
    let lead = if span > SignedDuration::from_hours(48) { SignedDuration::from_hours(24) } else { span / 4 };
    let at = clock.due.checked_sub(lead).ok()?;
    (at > clock.started && lead > SignedDuration::ZERO).then_some(at)
}

impl Matter {
    /// The timers the matter's running clocks set now.
    pub fn timers(&self) -> Vec<Timer> {
        let mut timers = vec![];
        for (name, clock) in &self.clocks {
            let timer = |kind, fire_at| Timer { clock: *name, kind, due: clock.due, run: clock.run, fire_at };
            let reminds = !name.is_window() || *name == ClockName::JudicialApplication;
            if reminds
                && !clock.reminded
                && !clock.overdue
                && let Some(at) = reminder_at(clock)
            {
                timers.push(timer(TimerKind::Remind, at));
            }
            if name.is_window() {
                timers.push(timer(TimerKind::Expire, clock.due));
            } else if !clock.overdue && name.marks_overdue() {
                timers.push(timer(TimerKind::Overdue, clock.due));
            }
        }
        timers
    }

    /// The earliest due instant a unit must meet (windows are the citizen's, not a deadline; a
    /// booked session is an appointment).
    pub fn deadline(&self) -> Option<Timestamp> {
        self.clocks.iter().filter(|(n, _)| n.marks_overdue()).map(|(_, c)| c.due).min()
    }
}

/// The state-driven clocks a matter of this kind should run in this state. A matter merged
/// into a main one runs none: the main's clocks time it.
fn wanted(m: &Matter) -> BTreeSet<ClockName> {
    use ClockName::*;
    use MatterKind::*;
    let kind = m.registration.kind;
    let mut want = BTreeSet::new();
    if m.merged_into.is_some() {
        return want;
    }
    match m.status {
        Status::Registered => match kind {
            Petition | WageClaim => {
                want.insert(Intake);
            }
            Request | GridEvent => {
                want.insert(Dispatch);
            }
            Dispute => {}
        },
        Status::Assigned if kind == Petition => {
            want.insert(Acceptance);
        }
        // A committee that accepted a dispute mediates it on its own month.
        Status::InProgress if m.mediation.ongoing() => {
            want.insert(Mediation);
        }
        Status::Assigned | Status::InProgress => {
            want.insert(Handling);
        }
        Status::Replied if kind == Petition => {
            want.insert(ReviewWindow);
        }
        Status::UnderReview => {
            want.insert(Review);
        }
        Status::Replied | Status::Closed | Status::Parked => {}
    }
    // The follow-up visit is due once answered, until it is made or the matter is closed: a
    // closed matter owes nothing more (a visit may still be recorded after closing).
    // A mediated dispute is followed up by its visits instead.
    if kind != Petition && m.status == Status::Replied && m.follow_up.is_none() && !m.mediation.engaged() {
        want.insert(FollowUp);
    }
    want
}

/// Whether the state-driven clocks running are exactly those the state asks for (where the
/// policy gives a limit): the invariant [`follow`] keeps.
pub fn consistent(m: &Matter, policies: &crate::policy::Policies) -> bool {
    let r = &m.registration;
    let want: BTreeSet<ClockName> = wanted(m)
        .into_iter()
        .filter(|c| policies.limit(r.kind, *c, r.category.as_str(), r.urgency).is_some())
        .collect();
    let running: BTreeSet<ClockName> = m.clocks.keys().copied().filter(|c| c.follows_state()).collect();
    let derived: std::collections::BTreeMap<ClockName, Timestamp> =
        m.clocks.iter().filter(|(n, _)| n.is_derived()).map(|(n, c)| (*n, c.due)).collect();
    if m.merged_into.is_some() {
        return m.clocks.is_empty();
    }
    want == running && derived == m.mediation.clocks(m.status != Status::Closed)
}

/// Events that restart a state-driven clock although it keeps running: a new routing starts a
/// new handling limit; a review decision opens a new window.
fn restarts(event: &Event) -> &'static [ClockName] {
    match event {
        Event::Assigned { .. } | Event::Escalated { .. } | Event::Delegated { .. } => {
            &[ClockName::Handling, ClockName::Acceptance]
        }
        Event::ReviewDecided { .. } => &[ClockName::ReviewWindow],
        _ => &[],
    }
}

/// The clock events that follow `events` on `before`: starting what the new state needs at
/// its policy limit (or at an assignment's report-back deadline), and stopping what it no
/// longer needs. Closing stops every clock, so only open matters have deadlines; so does
/// merging into a main matter (并件), and undoing the merge starts what the state needs again.
pub fn follow(before: &Matter, events: &[Event], ctx: &Context<'_>) -> Vec<Event> {
    let mut after = before.clone();
    for e in events {
        after.apply(e, ctx.now);
    }
    let mut restarted: BTreeSet<ClockName> =
        events.iter().flat_map(|e| restarts(e).iter().copied()).collect();
    let want = wanted(&after);
    restarted.retain(|c| want.contains(c));
    let merged = after.merged_into.is_some();
    let derived = if merged {
        std::collections::BTreeMap::new()
    } else {
        after.mediation.clocks(after.status != Status::Closed)
    };
    let mut out = vec![];
    for (name, _) in after.clocks.iter() {
        let stale = (name.follows_state() && !want.contains(name))
            || (name.is_derived() && !derived.contains_key(name));
        if stale || after.status == Status::Closed || merged {
            out.push(Event::ClockStopped { clock: *name });
        }
    }
    for (name, due) in &derived {
        if after.clocks.get(name).is_none_or(|c| c.due != *due) {
            out.push(Event::ClockStarted { clock: *name, limit: None, due: *due });
        }
    }
    let explicit = events.iter().find_map(|e| match e {
        Event::Assigned { report_by: Some(t), .. } => Some(*t),
        _ => None,
    });
    for name in want {
        if after.clocks.contains_key(&name) && !restarted.contains(&name) {
            continue;
        }
        let reg = &after.registration;
        let due = match (name, explicit) {
            (ClockName::Handling, Some(t)) => Some((None, t)),
            _ => ctx
                .policies
                .limit(reg.kind, name, reg.category.as_str(), reg.urgency)
                .map(|limit| (Some(limit), ctx.calendar.due(ctx.now, limit))),
        };
        if let Some((limit, due)) = due {
            out.push(Event::ClockStarted { clock: name, limit, due });
        }
    }
    out
}

/// What a firing timer records, if it is still live: its clock runs, in the same run with the
/// same due instant, and has not already been marked. An overdue grid event escalates a tier.
pub fn fire(m: &Matter, timer: &Timer, ctx: &Context<'_>) -> Vec<Event> {
    let Some(clock) = m.clocks.get(&timer.clock) else { return vec![] };
    if clock.due != timer.due || clock.run != timer.run {
        return vec![];
    }
    let mut events = match timer.kind {
        TimerKind::Remind if !clock.reminded && !clock.overdue => {
            vec![Event::Reminded { clock: timer.clock, due: clock.due }]
        }
        TimerKind::Overdue if !clock.overdue => {
            let mut out = vec![Event::WentOverdue { clock: timer.clock, due: clock.due }];
            let tiered = m.registration.kind == MatterKind::GridEvent && timer.clock == ClockName::Handling;
            if let (true, Some(h)) = (tiered, &m.handling)
                && let Some(to) = ctx.org.get(h.lead).and_then(|u| u.parent_id)
            {
                out.push(Event::Escalated {
                    from: h.lead,
                    to,
                    cause: crate::event::EscalationCause::Overdue,
                    reason: None,
                });
            }
            out
        }
        TimerKind::Expire if timer.clock == ClockName::ReviewWindow => {
            vec![Event::Finalised { cause: crate::event::FinalCause::WindowElapsed }]
        }
        TimerKind::Expire if timer.clock.is_window() => vec![Event::WindowClosed { clock: timer.clock }],
        _ => return vec![],
    };
    let follow_up = follow(m, &events, ctx);
    events.extend(follow_up);
    events
}
