//! People's mediation of a demo dispute, after the centre has routed it to a committee: the
//! mediator accepts it and tells the parties their rights, holds one to three sessions (some
//! scheduled ahead), and the mediation ends in a written agreement (about 85%), an oral one
//! (5%), a failure (8%) or a refusal (2%). An agreement's terms are performed, mostly in time,
//! its visits made when they fall due, some written agreements confirmed by the court, a few
//! disputes relapse and are mediated again; the township closes the dispute after the last
//! visit. A village committee passes a few disputes up to the township's (提级调解). Every
//! step is decided by the domain, as the mediator who would take it.

use super::history::{Run, hours};
use super::texts::{self, MediationText};
use fastrand::Rng;
use jiff::{SignedDuration, Timestamp, ToSpan};
use minsheng_domain::command::Command;
use minsheng_domain::event::Satisfaction;
use minsheng_domain::mediation::{
    FailureRoute, JudicialResult, Linkage, Performance, RemainingRisk, Source, TermDraft,
};
use minsheng_domain::{Actor, Channel, Role, UnitId, UserId};

/// A committee and the mediator who acts for it.
#[derive(Clone, Copy, Debug)]
pub struct Committee {
    pub unit: UnitId,
    pub mediator: UserId,
}

impl Committee {
    fn actor(self) -> Actor {
        Actor { user_id: self.mediator, role: Role::Mediator, unit_id: self.unit }
    }
}

/// A dispute routed to a committee, and what its mediation needs to know.
pub struct Dispute<'a> {
    pub text: &'a MediationText,
    pub channel: Channel,
    pub parties: usize,
    /// The committee it was routed to, with the committee's name.
    pub committee: (Committee, &'a str),
    /// Whether that is a county professional committee.
    pub professional: bool,
    /// The township's committee, for a village committee's dispute (提级调解).
    pub escalate_to: Option<(Committee, &'a str)>,
    pub township: &'a str,
    pub village: &'a str,
    /// The court that confirms agreements, if the county has one.
    pub court: Option<&'a str>,
    /// Who closes the dispute after the last visit: the township's clerk.
    pub closer: Actor,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Written,
    Oral,
    Failed,
}

fn mins(rng: &mut Rng, lo: i64, hi: i64) -> SignedDuration {
    SignedDuration::from_mins(rng.i64(lo..hi))
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

/// Mediates the dispute as far as the demo's present allows.
pub fn mediate(run: &mut Run<'_>, rng: &mut Rng, d: &Dispute<'_>) {
    let m = d.text;
    let (source, referred_by) = match d.channel {
        Channel::Visit | Channel::Phone => (Source::Application, None),
        Channel::Screening => (Source::Screening, None),
        Channel::Transfer => match d.court {
            Some(court) if rng.u8(..100) < 40 => (Source::Court, Some(court.to_owned())),
            _ => (Source::Police, Some(texts::police_station(d.township))),
        },
        _ => (Source::Intake, None),
    };
    let accept = |c: Committee, rng: &mut Rng| Command::AcceptMediation {
        mediator_id: c.mediator.0,
        chosen_by_party: rng.u8(..100) < 30,
        source,
        referred_by: referred_by.clone(),
        requests: m.requests.clone(),
    };
    let (mut here, mut name) = d.committee;
    let accepted = office_after(run, rng, (2, 48));
    if !run.step_at(here.actor(), accept(here, rng), accepted) {
        return;
    }
    let note = texts::rights_note(rng);
    if !run.step(here.actor(), Command::NotifyRights { note }, mins(rng, 5, 60)) {
        return;
    }
    let roll = rng.u8(..100);
    if roll < 2 {
        let refuse = Command::RefuseMediation {
            party: d.parties.saturating_sub(1).min(1),
            reason: texts::refusal_reason(rng, m),
            routes: vec![],
            referred_to: None,
        };
        run.step(here.actor(), refuse, hours(rng, 2, 72));
        return;
    }
    let outcome = match roll {
        2..87 => Outcome::Written,
        87..92 => Outcome::Oral,
        _ => Outcome::Failed,
    };
    // A few mediations drag on past their month.
    let late = rng.u8(..100) < 7;
    // A village committee that cannot settle it after a session passes it up.
    if let Some((up, up_name)) = d.escalate_to
        && rng.u8(..100) < 15
    {
        if !session(run, rng, d, (here, name), (0, 2), (false, late, false)) {
            return;
        }
        let reason = format!("{}纠纷涉及面较广，经村调委会调解未果，申请提级由{up_name}调解。", m.subject);
        let transfer = Command::TransferMediation { unit_id: up.unit.0, linkage: Linkage::Escalate, reason };
        let transferred = office_after(run, rng, (2, 48));
        if !run.step_at(here.actor(), transfer, transferred) {
            return;
        }
        let accepted = office_after(run, rng, (2, 48));
        if !run.step_at(up.actor(), accept(up, rng), accepted) {
            return;
        }
        (here, name) = (up, up_name);
    }
    let sessions = match (outcome, rng.u8(..100)) {
        _ if late => 3,
        (Outcome::Failed, r) => 2 + usize::from(r < 50),
        (_, ..45) => 1,
        (_, 45..85) => 2,
        _ => 3,
    };
    for i in 0..sessions {
        if !session(run, rng, d, (here, name), (i, sessions), (outcome != Outcome::Failed, late, false)) {
            return;
        }
        if i == 0 && rng.u16(..1000) < 10 {
            let (description, reported_to) = texts::risk(rng, m, d.township);
            run.step(here.actor(), Command::FlagRisk { description, reported_to }, mins(rng, 20, 240));
        }
    }
    match outcome {
        Outcome::Written => {
            if sign(run, rng, d, here) {
                follow(run, rng, d, here, true);
            }
        }
        Outcome::Oral => {
            let today = run.date_of(run.at);
            let terms = m.terms.iter().take(usize::from(rng.bool())).map(|t| term(rng, t, today)).collect();
            let content = format!("双方当场口头达成协议：{}。", m.deal);
            let oral = Command::RecordOralAgreement { content, terms };
            if run.step(here.actor(), oral, mins(rng, 20, 90)) {
                follow(run, rng, d, here, true);
            }
        }
        Outcome::Failed => fail(run, rng, d, here, sessions),
    }
}

/// Session `i` of `of`, scheduled ahead half the time; false when it has not happened yet.
/// `agreed`: the mediation ends in an agreement; `late`: it drags on; `again`: after a relapse.
fn session(
    run: &mut Run<'_>,
    rng: &mut Rng,
    d: &Dispute<'_>,
    (c, name): (Committee, &str),
    (i, of): (usize, usize),
    (agreed, late, again): (bool, bool, bool),
) -> bool {
    let scheduled = rng.bool();
    let gap = match i {
        0 => rng.i64(0..=3),
        _ if late => rng.i64(10..=20),
        _ => rng.i64(2..=7),
    };
    let gap = if scheduled { gap.max(1) } else { gap };
    let date = run.date_of(run.at).saturating_add(gap.days());
    let hour = *[9, 9, 10, 14, 14, 15].get(rng.usize(..6)).unwrap_or(&9);
    let minute = if rng.bool() { 0 } else { 30 };
    let county = d.professional && c.unit == d.committee.0.unit;
    let place = texts::session_place(rng, name, d.township, d.village, county);
    let participants = texts::participants(rng, d.text, d.village, name);
    let (record, proposals) = texts::session_record(rng, d.text, (i, of), agreed, again);
    let mut held_at = run.local(date, hour, minute).unwrap_or(run.at + days(gap));
    if scheduled {
        let ahead = run.at + mins(rng, 10, 180);
        if held_at <= ahead + SignedDuration::from_hours(1) {
            held_at = ahead + days(1);
        }
        let schedule = Command::ScheduleSession { at: held_at, place: place.clone() };
        if !run.step_at(c.actor(), schedule, ahead) {
            return false;
        }
        // Recorded as it begins: the session's own clock is due then.
        let record = Command::RecordSession { held_at, place, participants, record, proposals };
        run.step_at(c.actor(), record, held_at)
    } else {
        if held_at <= run.at {
            held_at = run.at + mins(rng, 30, 180);
        }
        let record = Command::RecordSession { held_at, place, participants, record, proposals };
        let after = mins(rng, 90, 240);
        run.step_at(c.actor(), record, held_at + after)
    }
}

/// An instant in office hours on the day `lo..hi` hours after the last step, not before it.
fn office_after(run: &Run<'_>, rng: &mut Rng, (lo, hi): (i64, i64)) -> Timestamp {
    let at = run.at + hours(rng, lo, hi);
    office(run, rng, run.date_of(at)).filter(|t| *t > run.at).unwrap_or(at)
}

/// An instant in office hours on `date`.
fn office(run: &Run<'_>, rng: &mut Rng, date: jiff::civil::Date) -> Option<Timestamp> {
    run.local(date, 8 + rng.i8(0..9), rng.i8(0..60))
}

/// A term as drafted on `today`: due within the days the text gives, else one to four weeks.
fn term(rng: &mut Rng, t: &texts::TermText, today: jiff::civil::Date) -> TermDraft {
    let days = t.days.map_or_else(|| rng.i64(7..=30), |d| i64::from(d.clamp(1, 60)));
    TermDraft {
        obligor: t.obligor.clone(),
        content: t.content.clone(),
        manner: t.manner.to_owned(),
        deadline: Some(today.saturating_add(days.days())),
    }
}

/// The written agreement drafted after the last session and signed the same day by every
/// party and the mediator.
fn sign(run: &mut Run<'_>, rng: &mut Rng, d: &Dispute<'_>, c: Committee) -> bool {
    let m = d.text;
    let drafted = run.at + mins(rng, 20, 120);
    let today = run.date_of(drafted);
    let terms = m.terms.iter().map(|t| term(rng, t, today)).collect();
    let draft = Command::DraftAgreement {
        facts: m.facts.clone(),
        issues: m.issues.clone(),
        responsibilities: m.responsibilities.clone(),
        terms,
    };
    if !run.step_at(c.actor(), draft, drafted) {
        return false;
    }
    let signed = run.at + mins(rng, 10, 60);
    let sign = Command::SignAgreement {
        signed_on: run.date_of(signed),
        parties_signed: (0..d.parties).collect(),
        mediator_signed: true,
    };
    run.step_at(c.actor(), sign, signed)
}

/// Mediation without agreement, with the routes the parties are told.
fn fail(run: &mut Run<'_>, rng: &mut Rng, d: &Dispute<'_>, c: Committee, sessions: usize) {
    let m = d.text;
    let mut routes = vec![];
    if m.fail_route.contains("仲裁") {
        routes.push(FailureRoute::Arbitration);
    }
    if m.fail_route.contains("法院") || routes.is_empty() {
        routes.push(FailureRoute::Litigation);
    }
    let referred_to = match (routes.first(), rng.u8(..100)) {
        (Some(FailureRoute::Arbitration), ..30) if m.fail_route.contains("劳动") => {
            Some("诸暨市劳动人事争议仲裁委员会".to_owned())
        }
        (Some(FailureRoute::Litigation), ..30) => d.court.map(|c| format!("{c}诉讼服务中心")),
        _ => None,
    };
    let failed =
        Command::RecordFailure { reason: texts::failure_reason(rng, m, sessions), routes, referred_to };
    run.step(c.actor(), failed, mins(rng, 20, 120));
}

/// What follows an agreement.
enum Act {
    Perform(usize),
    Visit,
    File,
    Accept,
    Rule(JudicialResult),
    Relapse,
}

/// The agreement just reached, followed: its terms performed, its visits made, a written one
/// sometimes confirmed by the court; a few relapse and are mediated again (once). The township
/// closes the dispute after the last visit.
fn follow(run: &mut Run<'_>, rng: &mut Rng, d: &Dispute<'_>, c: Committee, first: bool) {
    let m = d.text;
    let agreed_at = run.at;
    let Some(agreement) = run.matter.mediation.live_agreement() else { return };
    let written = agreement.form == minsheng_domain::mediation::AgreementForm::Written;
    let dues: Vec<Timestamp> = agreement.terms.iter().map(|t| t.due).collect();
    let manners: Vec<String> = agreement.terms.iter().map(|t| t.term.manner.clone()).collect();
    let visits = run.matter.mediation.visits.clone();
    let mut plan: Vec<(Timestamp, Act)> = vec![];
    let signed_on = run.date_of(agreed_at);
    for (i, due) in dues.iter().enumerate() {
        let last_day = run.date_of(*due - SignedDuration::from_secs(1));
        let span = last_day.since(signed_on).map_or(0, |s| i64::from(s.get_days()));
        let date = match rng.u8(..100) {
            // In time, mostly well before the deadline.
            ..88 => {
                signed_on.saturating_add((((span as f64) * (rng.f64() * 0.8 + 0.2)).round() as i64).days())
            }
            88..97 => last_day.saturating_add(rng.i64(1..=10).days()),
            _ => continue,
        };
        let at = office(run, rng, date).unwrap_or(*due).max(agreed_at + SignedDuration::from_mins(10));
        plan.push((at, Act::Perform(i)));
    }
    let mut first_visit = None;
    for due in &visits {
        let last_day = run.date_of(*due - SignedDuration::from_secs(1));
        let date = if rng.u8(..100) < 93 {
            last_day.saturating_sub(rng.i64(0..=2).days())
        } else {
            last_day.saturating_add(rng.i64(1..=4).days())
        };
        let at = office(run, rng, date).unwrap_or(*due).max(agreed_at + SignedDuration::from_hours(1));
        first_visit = first_visit.or(Some(at));
        plan.push((at, Act::Visit));
    }
    let relapse = first && rng.u8(..100) < 3;
    if d.court.is_some() && written && first && !relapse && rng.u8(..100) < 13 {
        let filed = signed_on.saturating_add(rng.i64(1..=14).days());
        let accepted = filed.saturating_add(rng.i64(1..=2).days());
        let ruled = accepted.saturating_add(rng.i64(5..=14).days());
        let result = if rng.u8(..100) < 95 { JudicialResult::Confirmed } else { JudicialResult::Rejected };
        for (date, act) in [(filed, Act::File), (accepted, Act::Accept), (ruled, Act::Rule(result))] {
            if let Some(at) = office(run, rng, date) {
                plan.push((at, act));
            }
        }
    }
    if let Some(visit) = first_visit.filter(|_| relapse) {
        let date = run.date_of(visit).saturating_add(rng.i64(1..=10).days());
        plan.push((office(run, rng, date).unwrap_or(visit), Act::Relapse));
    }
    plan.sort_by_key(|(at, _)| *at);
    let me = c.actor();
    for (at, act) in plan {
        if at >= run.now {
            return;
        }
        let today = run.date_of(at);
        match act {
            Act::Perform(i) => {
                let note = texts::performance_note(rng, manners.get(i).map_or("", String::as_str));
                run.step_at(me, Command::RecordPerformance { term: i, note }, at);
            }
            Act::Visit => {
                let visit = visit(run, rng, m, at);
                run.step_at(me, visit, at);
            }
            Act::File => {
                let court = d.court.unwrap_or_default().to_owned();
                run.step_at(me, Command::FileJudicial { court, filed_on: today }, at);
            }
            Act::Accept => {
                run.step_at(me, Command::RecordJudicialAcceptance { accepted_on: today }, at);
            }
            Act::Rule(result) => {
                let note = (result == JudicialResult::Rejected).then(|| texts::JUDICIAL_REJECTED.to_owned());
                run.step_at(me, Command::RecordJudicialRuling { ruled_on: today, result, note }, at);
            }
            Act::Relapse => {
                let reason = texts::relapse_reason(rng, m);
                if run.step_at(me, Command::RecordRelapse { reason }, at) {
                    again(run, rng, d, c);
                }
                return;
            }
        }
    }
    if run.matter.mediation.visits.is_empty() && rng.u8(..100) < 96 {
        let performed =
            run.matter.mediation.live_agreement().is_some_and(|a| a.terms.iter().all(|t| t.performed));
        let close = Command::Close { note: Some(texts::mediated_close(rng, performed)) };
        let at = office_after(run, rng, (2, 72));
        run.step_at(d.closer, close, at);
    }
}

/// A follow-up visit at `at`: what it finds of the terms due by then.
fn visit(run: &Run<'_>, rng: &mut Rng, m: &MediationText, at: Timestamp) -> Command {
    let terms = run.matter.mediation.live_agreement().map(|a| a.terms.as_slice()).unwrap_or_default();
    let due = terms.iter().filter(|t| t.due <= at);
    let (due_count, done) = due.fold((0, 0), |(n, k), t| (n + 1, k + usize::from(t.performed)));
    let any_done = terms.iter().any(|t| t.performed);
    let performance = if done == due_count {
        Performance::Performed
    } else if done > 0 || any_done {
        Performance::Partial
    } else {
        Performance::NotPerformed
    };
    let r = rng.u8(..100);
    let (satisfaction, risk) = match performance {
        Performance::Performed if r < 90 => (Satisfaction::Satisfied, RemainingRisk::None),
        Performance::Performed => (Satisfaction::Fair, RemainingRisk::None),
        Performance::Partial if r < 70 => (Satisfaction::Fair, RemainingRisk::Low),
        Performance::Partial => (Satisfaction::Unsatisfied, RemainingRisk::Low),
        _ if r < 60 => (Satisfaction::Unsatisfied, RemainingRisk::Low),
        _ => (Satisfaction::Unsatisfied, RemainingRisk::High),
    };
    let note =
        texts::visit_note(rng, m, performance == Performance::Performed, performance == Performance::Partial);
    Command::RecordVisit { performance, satisfaction, risk, note }
}

/// After a relapse, the committee mediates again: one or two sessions, then mostly a new
/// written agreement (followed as the first was), else a failure.
fn again(run: &mut Run<'_>, rng: &mut Rng, d: &Dispute<'_>, c: Committee) {
    let name = if d.committee.0.unit == c.unit {
        d.committee.1
    } else {
        d.escalate_to.map_or(d.committee.1, |e| e.1)
    };
    let agreed = rng.u8(..100) < 85;
    let sessions = 1 + usize::from(rng.bool());
    for i in 0..sessions {
        if !session(run, rng, d, (c, name), (i, sessions), (agreed, false, true)) {
            return;
        }
    }
    if !agreed {
        fail(run, rng, d, c, sessions);
    } else if sign(run, rng, d, c) {
        follow(run, rng, d, c, false);
    }
}
