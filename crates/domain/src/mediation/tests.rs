//! People's mediation on a dispute: the whole path from acceptance to relapse, the inputs
//! refused by field, the steps refused by state or actor, and a property test that random
//! mediation steps keep the fold, the clocks and the outcome coherent.

use super::*;
use crate::access::{Actor, Role};
use crate::calendar::{Calendar, Limit};
use crate::category::{Catalogue, defaults};
use crate::clock::{self, TimerKind};
use crate::command::{Command, Context, decide, register};
use crate::error::{Denial, DomainError, Issue};
use crate::event::{Event, RecordedEvent};
use crate::ids::MatterId;
use crate::matter::{Channel, HandlingMode, Matter, MatterKind, RegistrationDraft, Status};
use crate::org::{OrgTree, Unit, UnitKind};
use crate::party::{PartyDraft, PartyRole};
use crate::policy::Policies;
use jiff::civil::date;
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, ToSpan};
use proptest::prelude::*;

const COUNTY: UnitId = UnitId(1);
const TOWNSHIP: UnitId = UnitId(2);
const VILLAGE: UnitId = UnitId(3);
/// 镇人民调解委员会
const TOWN_COMMITTEE: UnitId = UnitId(4);
/// 村人民调解委员会
const VILLAGE_COMMITTEE: UnitId = UnitId(5);
/// 县人民调解委员会
const COUNTY_COMMITTEE: UnitId = UnitId(6);
/// 县人民法院
const COURT: UnitId = UnitId(7);
/// A second committee of the township's tier (a professional one), for same-tier transfers.
const TOWN_PRO_COMMITTEE: UnitId = UnitId(8);

fn org() -> OrgTree {
    let u = |id: UnitId, parent: Option<UnitId>, kind| Unit {
        id,
        parent_id: parent,
        kind,
        name: format!("u{id}"),
        code: None,
    };
    OrgTree::new(vec![
        u(COUNTY, None, UnitKind::County),
        u(TOWNSHIP, Some(COUNTY), UnitKind::Township),
        u(VILLAGE, Some(TOWNSHIP), UnitKind::Village),
        u(TOWN_COMMITTEE, Some(TOWNSHIP), UnitKind::Committee),
        u(VILLAGE_COMMITTEE, Some(VILLAGE), UnitKind::Committee),
        u(COUNTY_COMMITTEE, Some(COUNTY), UnitKind::Committee),
        u(COURT, Some(COUNTY), UnitKind::Department),
        u(TOWN_PRO_COMMITTEE, Some(TOWNSHIP), UnitKind::Committee),
    ])
    .unwrap()
}

fn tz() -> TimeZone {
    TimeZone::fixed(Offset::constant(8))
}

/// An instant on the hour, in the deployment's time zone (UTC+8).
fn local(y: i16, mo: i8, d: i8, h: i8) -> Timestamp {
    date(y, mo, d).at(h, 0, 0, 0).to_zoned(tz()).unwrap().timestamp()
}

/// Monday 1 June 2026, 09:00: the dispute comes in.
fn start() -> Timestamp {
    local(2026, 6, 1, 9)
}

fn mediator() -> Actor {
    Actor { user_id: UserId(11), role: Role::Mediator, unit_id: TOWN_COMMITTEE }
}

fn village_mediator() -> Actor {
    Actor { user_id: UserId(15), role: Role::Mediator, unit_id: VILLAGE_COMMITTEE }
}

fn clerk() -> Actor {
    Actor { user_id: UserId(12), role: Role::Clerk, unit_id: TOWNSHIP }
}

fn auditor() -> Actor {
    Actor { user_id: UserId(13), role: Role::Auditor, unit_id: COUNTY }
}

fn court() -> Actor {
    Actor { user_id: UserId(14), role: Role::Handler, unit_id: COURT }
}

fn party(role: PartyRole, name: &str, phone: &str) -> PartyDraft {
    PartyDraft {
        role,
        name: name.into(),
        phone: Some(phone.into()),
        id_card: None,
        address: Some("枫桥镇枫源村".into()),
    }
}

/// A neighbour dispute with three parties, in the village.
fn dispute() -> RegistrationDraft {
    RegistrationDraft {
        kind: MatterKind::Dispute,
        channel: Channel::Visit,
        category: "neighbour".into(),
        unit_id: VILLAGE.0,
        title: "相邻围墙纠纷".into(),
        body: "张三反映李四、王五新砌围墙占用其通行通道，双方多次争吵，请求调解。".into(),
        people_involved: Some(3),
        amount_fen: None,
        parties: vec![
            party(PartyRole::Applicant, "张三", "13812345678"),
            party(PartyRole::Respondent, "李四", "13912345678"),
            party(PartyRole::Respondent, "王五", "13712345678"),
        ],
        attachments: vec![],
        urgency: None,
        project: None,
    }
}

struct World {
    org: OrgTree,
    catalogue: Catalogue,
    calendar: Calendar,
    policies: Policies,
}

impl World {
    fn new() -> Self {
        Self {
            org: org(),
            catalogue: Catalogue::new(defaults()),
            calendar: Calendar::builtin(tz()).unwrap(),
            policies: Policies::defaults(),
        }
    }

    fn ctx(&self, actor: Actor, now: Timestamp) -> Context<'_> {
        Context {
            actor,
            now,
            org: &self.org,
            catalogue: &self.catalogue,
            calendar: &self.calendar,
            policies: &self.policies,
        }
    }

    /// 24:00 of a date.
    fn end(&self, day: Date) -> Timestamp {
        self.calendar.end_of(day).unwrap()
    }

    /// The end of the due date of `days` calendar days counted from `day` (rolled forward).
    fn after(&self, day: Date, days: u32) -> Timestamp {
        self.end(self.calendar.due_date(day, Limit::calendar_days(days)))
    }
}

/// One dispute, its log, and the time it is now.
struct Case<'w> {
    w: &'w World,
    now: Timestamp,
    m: Matter,
    log: Vec<RecordedEvent>,
}

impl<'w> Case<'w> {
    /// Registered by the township's clerk and transferred to `committee`.
    fn routed_to(w: &'w World, committee: UnitId) -> Self {
        let now = start();
        let mut events = register(&dispute(), &w.ctx(clerk(), now)).unwrap().into_iter();
        let Some(Event::Registered(reg)) = events.next() else { panic!("registration first") };
        let m = Matter::registered(MatterId(1), reg.clone(), now, clerk().user_id);
        let first = RecordedEvent {
            seq: 1,
            matter_id: m.id,
            version: m.version,
            at: now,
            actor: clerk().user_id,
            event: Event::Registered(reg),
        };
        let mut case = Self { w, now, m, log: vec![first] };
        case.record(clerk().user_id, events.collect());
        case.run(clerk(), transfer_to(committee)).unwrap();
        case
    }

    fn new(w: &'w World) -> Self {
        Self::routed_to(w, TOWN_COMMITTEE)
    }

    /// Routed to the township committee, which accepted it.
    fn accepted(w: &'w World) -> Self {
        let mut case = Self::new(w);
        case.run(mediator(), accept()).unwrap();
        case
    }

    /// Accepted, with version 1 of the agreement drafted and signed today.
    fn agreed(w: &'w World) -> Self {
        let mut case = Self::accepted(w);
        case.run(mediator(), draft_of(&agreement_v1())).unwrap();
        let today = case.today();
        case.run(mediator(), sign(today, &[0, 1, 2], true)).unwrap();
        case
    }

    fn ctx(&self, actor: Actor) -> Context<'w> {
        self.w.ctx(actor, self.now)
    }

    fn today(&self) -> Date {
        self.w.calendar.date_of(self.now)
    }

    fn at(&mut self, now: Timestamp) {
        assert!(now >= self.now, "time runs forward");
        self.now = now;
    }

    fn decide(&self, who: Actor, cmd: &Command) -> Result<Vec<Event>, DomainError> {
        decide(&self.m, cmd, &self.ctx(who))
    }

    fn record(&mut self, by: UserId, events: Vec<Event>) {
        for e in events {
            self.m.apply(&e, self.now);
            self.log.push(RecordedEvent {
                seq: self.log.len() as i64 + 1,
                matter_id: self.m.id,
                version: self.m.version,
                at: self.now,
                actor: by,
                event: e,
            });
        }
    }

    /// Decides and records a command, and checks the fold and the clocks after it.
    fn run(&mut self, who: Actor, cmd: Command) -> Result<Vec<Event>, DomainError> {
        let events = self.decide(who, &cmd)?;
        self.record(who.user_id, events.clone());
        assert_eq!(Matter::from_events(&self.log).as_ref(), Some(&self.m), "fold after {cmd:?}");
        assert!(clock::consistent(&self.m, &self.w.policies), "clocks after {cmd:?}: {:?}", self.m.clocks);
        Ok(events)
    }

    fn due(&self, clock: ClockName) -> Option<Timestamp> {
        self.m.clocks.get(&clock).map(|c| c.due)
    }

    fn running(&self) -> Vec<ClockName> {
        self.m.clocks.keys().copied().collect()
    }

    fn events(&self) -> impl Iterator<Item = &Event> {
        self.log.iter().map(|e| &e.event)
    }
}

fn transfer_to(unit: UnitId) -> Command {
    Command::Assign {
        mode: HandlingMode::Transfer,
        unit_id: unit.0,
        co_unit_ids: vec![],
        report_by: None,
        note: None,
    }
}

fn accept() -> Command {
    Command::AcceptMediation {
        mediator_id: 11,
        chosen_by_party: true,
        source: Source::Application,
        referred_by: None,
        requests: "请求李四、王五拆除占道围墙并赔偿损失".into(),
    }
}

fn session(held_at: Timestamp) -> Command {
    Command::RecordSession {
        held_at,
        place: "枫源村调解室".into(),
        participants: "张三、李四、王五，调解员".into(),
        record: "各方陈述事实，调解员释法明理。".into(),
        proposals: Some("拆除占道部分，赔偿损失".into()),
    }
}

fn term(obligor: &str, content: &str, manner: &str, deadline: Date) -> Term {
    Term { obligor: obligor.into(), content: content.into(), manner: manner.into(), deadline }
}

fn agreement_v1() -> AgreementContent {
    AgreementContent {
        facts: "李四、王五新砌围墙占用张三通行通道约半米。".into(),
        issues: "围墙是否占用通道及损失赔偿。".into(),
        responsibilities: "李四、王五未经协商砌墙，负主要责任。".into(),
        terms: vec![
            term("李四", "拆除占道部分围墙", "现场拆除", date(2026, 6, 15)),
            term("王五", "赔偿张三损失两千元", "银行转账", date(2026, 6, 30)),
        ],
    }
}

fn draft_of(content: &AgreementContent) -> Command {
    Command::DraftAgreement {
        facts: content.facts.clone(),
        issues: content.issues.clone(),
        responsibilities: content.responsibilities.clone(),
        terms: content
            .terms
            .iter()
            .map(|t| TermDraft {
                obligor: t.obligor.clone(),
                content: t.content.clone(),
                manner: t.manner.clone(),
                deadline: Some(t.deadline),
            })
            .collect(),
    }
}

fn sign(signed_on: Date, parties: &[usize], mediator_signed: bool) -> Command {
    Command::SignAgreement { signed_on, parties_signed: parties.to_vec(), mediator_signed }
}

fn visit() -> Command {
    Command::RecordVisit {
        performance: Performance::Partial,
        satisfaction: Satisfaction::Fair,
        risk: RemainingRisk::Low,
        note: None,
    }
}

/// The fields a refusal names, with their issues.
fn problems(r: Result<Vec<Event>, DomainError>) -> Vec<(String, Issue)> {
    match r {
        Err(DomainError::Invalid(errors)) => errors.into_iter().map(|e| (e.field, e.issue)).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

fn named(field: &str, issue: Issue) -> (String, Issue) {
    (field.to_string(), issue)
}

fn illegal(command: &'static str, status: Status) -> Result<Vec<Event>, DomainError> {
    Err(DomainError::IllegalTransition { command, status })
}

#[test]
fn a_dispute_from_acceptance_through_relapse_to_a_new_agreement() {
    let w = World::new();
    let mut c = Case::new(&w);
    assert_eq!((c.m.status, c.running()), (Status::Assigned, vec![ClockName::Handling]));

    // 受理登记: the parties chose the mediator; the committee's month starts.
    c.run(mediator(), accept()).unwrap();
    let med = &c.m.mediation;
    assert_eq!(
        (med.committee, med.mediator, med.chosen_by_party, med.source, med.accepted_at),
        (Some(TOWN_COMMITTEE), Some(UserId(11)), true, Some(Source::Application), Some(start()))
    );
    assert_eq!(c.m.status, Status::InProgress);
    assert_eq!(c.running(), [ClockName::Mediation]);
    assert_eq!(c.due(ClockName::Mediation), Some(w.calendar.due(start(), Limit::calendar_days(30))));

    c.run(mediator(), Command::NotifyRights { note: Some("已书面告知".into()) }).unwrap();
    assert!(c.m.mediation.rights_notified);
    assert_eq!(
        c.decide(mediator(), &Command::NotifyRights { note: None }),
        illegal("notify_rights", Status::InProgress)
    );

    // 预约调解: the session's clock is due at its time, and reminds the day before.
    let first = local(2026, 6, 4, 9);
    c.run(mediator(), Command::ScheduleSession { at: first, place: "枫源村调解室".into() }).unwrap();
    assert_eq!(c.due(ClockName::Session), Some(first));
    let timers: Vec<_> =
        c.m.timers()
            .into_iter()
            .filter(|t| t.clock == ClockName::Session)
            .map(|t| (t.kind, t.fire_at))
            .collect();
    // The mediator is reminded the day before; a session is an appointment, never "overdue".
    assert_eq!(timers, [(TimerKind::Remind, local(2026, 6, 3, 9))]);

    // Two sessions; holding the scheduled one ends its clock.
    c.at(local(2026, 6, 4, 11));
    c.run(mediator(), session(first)).unwrap();
    assert_eq!(c.running(), [ClockName::Mediation]);
    c.at(local(2026, 6, 8, 11));
    c.run(mediator(), session(local(2026, 6, 8, 9))).unwrap();
    let med = &c.m.mediation;
    assert_eq!((med.sessions, med.last_session, &med.next_session), (2, Some(local(2026, 6, 8, 9)), &None));

    // The written agreement: drafted, then signed by all three parties and the mediator.
    let content = agreement_v1();
    let drafted = c.run(mediator(), draft_of(&content)).unwrap();
    assert_eq!(drafted.first(), Some(&Event::AgreementDrafted { version: 1, content: content.clone() }));
    let signed_on = date(2026, 6, 8);
    c.run(mediator(), sign(signed_on, &[0, 1, 2], true)).unwrap();
    assert_eq!(c.m.status, Status::Replied);
    assert_eq!(c.m.mediation.outcome, Some(MediationOutcome::Written));
    let a = c.m.mediation.agreement.clone().unwrap();
    assert_eq!(
        (a.form, a.version, &a.content, a.signed_on),
        (AgreementForm::Written, 1, &content, signed_on)
    );
    let hash = content_hash(1, &c.m.registration.parties, &content);
    assert_eq!(a.hash.as_deref(), Some(hash.as_str()));
    assert_eq!(hash.len(), 64);
    // The next term is due at the end of its deadline; the first visit is 7 days after the
    // first term's deadline (before the one 30 days after signing); the parties may apply for
    // judicial confirmation for 30 days.
    assert_eq!(c.running(), [ClockName::Performance, ClockName::Visit, ClockName::JudicialApplication]);
    assert_eq!(c.due(ClockName::Performance), Some(w.end(date(2026, 6, 15))));
    let visits = [w.after(date(2026, 6, 15), 7), w.after(date(2026, 6, 30), 7), w.after(signed_on, 30)];
    assert_eq!(c.m.mediation.visits, visits);
    assert_eq!(c.due(ClockName::Visit), visits.iter().min().copied());
    assert_eq!(c.due(ClockName::Visit), Some(w.end(date(2026, 6, 22))));
    assert_eq!(c.due(ClockName::JudicialApplication), Some(w.after(signed_on, 30)));
    assert_eq!(a.apply_by, Some(w.end(date(2026, 7, 8))));

    // 司法确认: filed, accepted within 3 days, extended once by 10, ruled.
    c.at(local(2026, 6, 9, 10));
    c.run(mediator(), Command::FileJudicial { court: "县人民法院".into(), filed_on: date(2026, 6, 9) })
        .unwrap();
    assert_eq!(c.running(), [ClockName::Performance, ClockName::Visit, ClockName::JudicialAcceptance]);
    assert_eq!(c.due(ClockName::JudicialAcceptance), Some(w.after(date(2026, 6, 9), 3)));
    c.at(local(2026, 6, 10, 10));
    c.run(mediator(), Command::RecordJudicialAcceptance { accepted_on: date(2026, 6, 10) }).unwrap();
    let rule_by = w.after(date(2026, 6, 10), 15);
    assert_eq!(c.due(ClockName::JudicialRuling), Some(rule_by));
    c.run(mediator(), Command::ExtendJudicial { reason: "案情复杂".into() }).unwrap();
    // 25 June + 10 days is Sunday 5 July, which rolls forward to Monday.
    assert_eq!(c.due(ClockName::JudicialRuling), Some(w.end(date(2026, 7, 6))));
    assert_eq!(
        c.decide(mediator(), &Command::ExtendJudicial { reason: "再次延长".into() }),
        illegal("extend_judicial", Status::Replied)
    );
    c.at(local(2026, 6, 12, 10));
    let ruling = Command::RecordJudicialRuling {
        ruled_on: date(2026, 6, 12),
        result: JudicialResult::Confirmed,
        note: None,
    };
    c.run(mediator(), ruling).unwrap();
    assert_eq!(c.running(), [ClockName::Performance, ClockName::Visit]);
    let j = c.m.mediation.judicial.clone().unwrap();
    assert_eq!((j.extended, j.ruled), (true, Some((date(2026, 6, 12), JudicialResult::Confirmed))));

    // 履行: the first term is done; the clock moves to the second.
    c.run(mediator(), Command::RecordPerformance { term: 0, note: None }).unwrap();
    assert_eq!(c.due(ClockName::Performance), Some(w.end(date(2026, 6, 30))));
    assert_eq!(
        c.decide(mediator(), &Command::RecordPerformance { term: 0, note: None }),
        Err(DomainError::field("term", Issue::OnlyOnce))
    );
    assert_eq!(
        c.decide(mediator(), &Command::RecordPerformance { term: 2, note: None }),
        Err(DomainError::field("term", Issue::NoSuchItem))
    );

    // 回访: the visit clock moves to the next visit.
    c.at(local(2026, 6, 23, 10));
    c.run(mediator(), visit()).unwrap();
    assert_eq!(c.m.mediation.visits_done, 1);
    assert_eq!(c.due(ClockName::Visit), Some(w.after(date(2026, 6, 30), 7)));

    // 反弹: back in progress, counted against the agreement, the committee's month again.
    c.at(local(2026, 6, 24, 10));
    c.run(mediator(), Command::RecordRelapse { reason: "王五拒不赔偿，双方再起冲突".into() }).unwrap();
    let med = &c.m.mediation;
    assert_eq!((c.m.status, c.m.reopen_count, med.relapses, med.outcome), (Status::InProgress, 1, 1, None));
    assert!(med.agreement.as_ref().is_some_and(|a| a.relapsed) && med.live_agreement().is_none());
    assert_eq!(c.running(), [ClockName::Mediation]);
    assert_eq!(c.due(ClockName::Mediation), Some(w.calendar.due(c.now, Limit::calendar_days(30))));
    for step in [visit(), Command::RecordPerformance { term: 1, note: None }] {
        assert_eq!(c.decide(mediator(), &step), illegal(step.name(), Status::InProgress));
    }

    // The signed version cannot be signed again: a new version 2 must be drafted.
    let today = c.today();
    assert_eq!(
        c.decide(mediator(), &sign(today, &[0, 1, 2], true)),
        illegal("sign_agreement", Status::InProgress)
    );
    let v2 = AgreementContent {
        terms: vec![term("王五", "赔偿张三损失两千元", "银行转账", date(2026, 7, 10))],
        ..agreement_v1()
    };
    let drafted = c.run(mediator(), draft_of(&v2)).unwrap();
    assert!(matches!(drafted.first(), Some(Event::AgreementDrafted { version: 2, .. })));
    c.run(mediator(), sign(today, &[2, 1, 0], true)).unwrap();
    let med = &c.m.mediation;
    assert_eq!(
        (c.m.status, med.outcome, med.relapses),
        (Status::Replied, Some(MediationOutcome::Written), 1)
    );
    let a = med.agreement.clone().unwrap();
    assert_eq!((a.version, a.relapsed), (2, false));
    assert_eq!(a.hash, Some(content_hash(2, &c.m.registration.parties, &v2)));
    // The new agreement may be confirmed in its own right, within 30 days of its signing.
    assert_eq!(c.running(), [ClockName::Performance, ClockName::Visit, ClockName::JudicialApplication]);
    assert_eq!(c.due(ClockName::JudicialApplication), Some(w.after(today, 30)));
    c.run(mediator(), Command::FileJudicial { court: "县人民法院".into(), filed_on: today }).unwrap();
    assert!(c.m.clocks.contains_key(&ClockName::JudicialAcceptance));
}

#[test]
fn sessions_signatures_and_terms_are_refused_by_field() {
    let w = World::new();
    let mut c = Case::accepted(&w);
    let mediator = mediator();

    // A session held in the future, or before the committee accepted the dispute.
    let later = c.now + SignedDuration::from_hours(1);
    assert_eq!(
        c.decide(mediator, &session(later)),
        Err(DomainError::field("held_at", Issue::NotYetOccurred))
    );
    let before = c.now - SignedDuration::from_hours(48);
    assert_eq!(c.decide(mediator, &session(before)), Err(DomainError::field("held_at", Issue::DateOrder)));
    let past = c.now - SignedDuration::from_hours(1);
    assert_eq!(
        c.decide(mediator, &Command::ScheduleSession { at: past, place: "调解室".into() }),
        Err(DomainError::field("at", Issue::MustBeInFuture))
    );

    // Terms: each needs a deadline, not before today; every bad field is named at once.
    let today = c.today();
    let good = TermDraft {
        obligor: "李四".into(),
        content: "拆除围墙".into(),
        manner: "现场拆除".into(),
        deadline: Some(today),
    };
    let draft = |terms: Vec<TermDraft>, facts: &str| Command::DraftAgreement {
        facts: facts.into(),
        issues: "通道".into(),
        responsibilities: "李四负责".into(),
        terms,
    };
    let undated = TermDraft { deadline: None, ..good.clone() };
    assert_eq!(
        problems(c.decide(mediator, &draft(vec![good.clone(), undated], "事实"))),
        [named("terms[1].deadline", Issue::Required)]
    );
    let yesterday = TermDraft { deadline: Some(today.yesterday().unwrap()), ..good.clone() };
    assert_eq!(
        problems(c.decide(mediator, &draft(vec![yesterday, good.clone()], " "))),
        [named("facts", Issue::Required), named("terms[0].deadline", Issue::DateOrder)]
    );
    assert_eq!(problems(c.decide(mediator, &draft(vec![], "事实"))), [named("terms", Issue::Required)]);

    // Signing: nothing to sign yet; then every party and the mediator must sign.
    assert_eq!(
        c.decide(mediator, &sign(today, &[0, 1, 2], true)),
        illegal("sign_agreement", Status::InProgress)
    );
    c.run(mediator, draft(vec![good], "事实")).unwrap();
    assert_eq!(
        c.decide(mediator, &sign(today, &[0, 1], true)),
        Err(DomainError::field("parties[2].signed", Issue::Unsigned))
    );
    assert_eq!(
        c.decide(mediator, &sign(today, &[0, 1, 2], false)),
        Err(DomainError::field("mediator_signed", Issue::Unsigned))
    );
    assert_eq!(
        problems(c.decide(mediator, &sign(today, &[1, 5], false))),
        [
            named("parties_signed", Issue::NoSuchItem),
            named("parties[0].signed", Issue::Unsigned),
            named("parties[2].signed", Issue::Unsigned),
            named("mediator_signed", Issue::Unsigned),
        ]
    );
    let tomorrow = today.tomorrow().unwrap();
    // Not yet signed tomorrow; and a term due today may not be signed for after its deadline.
    assert_eq!(
        problems(c.decide(mediator, &sign(tomorrow, &[0, 1, 2], true))),
        [named("signed_on", Issue::NotYetOccurred), named("terms[0].deadline", Issue::DateOrder)]
    );
    assert_eq!(
        c.decide(mediator, &sign(today.yesterday().unwrap(), &[0, 1, 2], true)),
        Err(DomainError::field("signed_on", Issue::DateOrder))
    );
    // Tomorrow, the same: signed after the term's deadline.
    c.at(c.now + SignedDuration::from_hours(24));
    assert_eq!(
        c.decide(mediator, &sign(tomorrow, &[0, 1, 2], true)),
        Err(DomainError::field("terms[0].deadline", Issue::DateOrder))
    );

    // A failure names the routes told to the parties.
    let failure =
        |routes| Command::RecordFailure { reason: "双方分歧过大".into(), routes, referred_to: None };
    assert_eq!(c.decide(mediator, &failure(vec![])), Err(DomainError::field("routes", Issue::Required)));
    assert!(c.decide(mediator, &failure(vec![FailureRoute::Litigation])).is_ok());

    // Acceptance needs a mediator and, for a transferred dispute, who transferred it.
    let fresh = Case::new(&w);
    let bad = Command::AcceptMediation {
        mediator_id: 0,
        chosen_by_party: false,
        source: Source::Police,
        referred_by: None,
        requests: " ".into(),
    };
    assert_eq!(
        problems(fresh.decide(mediator, &bad)),
        [
            named("mediator_id", Issue::Required),
            named("requests", Issue::Required),
            named("referred_by", Issue::Required)
        ]
    );
    // A dispute at a department has no committee to accept it.
    let at_court = Case::routed_to(&w, COURT);
    assert_eq!(
        at_court.decide(court(), &accept()),
        Err(DomainError::field("committee", Issue::NotACommittee))
    );
}

#[test]
fn judicial_confirmation_dates_are_checked() {
    let w = World::new();
    let mut c = Case::agreed(&w);
    let signed_on = c.today();
    let mediator = mediator();
    // Nothing filed: there is nothing for the court to accept.
    let acceptance = Command::RecordJudicialAcceptance { accepted_on: signed_on };
    assert_eq!(c.decide(mediator, &acceptance), illegal("record_judicial_acceptance", Status::Replied));
    let file = |filed_on| Command::FileJudicial { court: "县人民法院".into(), filed_on };
    assert_eq!(
        c.decide(mediator, &file(signed_on.yesterday().unwrap())),
        Err(DomainError::field("filed_on", Issue::DateOrder))
    );
    assert_eq!(
        problems(c.decide(
            mediator,
            &Command::FileJudicial { court: "".into(), filed_on: signed_on.tomorrow().unwrap() }
        )),
        [named("court", Issue::Required), named("filed_on", Issue::NotYetOccurred)]
    );

    // Accepted before it was filed; ruled before it was accepted.
    c.at(c.now + SignedDuration::from_hours(48));
    let filed_on = c.today();
    c.run(mediator, file(filed_on)).unwrap();
    assert_eq!(
        c.decide(mediator, &Command::RecordJudicialAcceptance { accepted_on: signed_on }),
        Err(DomainError::field("accepted_on", Issue::DateOrder))
    );
    let ruling =
        |ruled_on| Command::RecordJudicialRuling { ruled_on, result: JudicialResult::Rejected, note: None };
    assert_eq!(c.decide(mediator, &ruling(filed_on)), illegal("record_judicial_ruling", Status::Replied));
    assert_eq!(
        c.decide(mediator, &Command::ExtendJudicial { reason: "x".into() }),
        illegal("extend_judicial", Status::Replied)
    );
    c.run(mediator, Command::RecordJudicialAcceptance { accepted_on: filed_on }).unwrap();
    assert_eq!(c.decide(mediator, &ruling(signed_on)), Err(DomainError::field("ruled_on", Issue::DateOrder)));
    assert_eq!(c.decide(mediator, &file(filed_on)), illegal("file_judicial", Status::Replied));

    // Filing after the 30-day window is too late.
    let mut late = Case::agreed(&w);
    let signed_on = late.today();
    late.at(late.now + SignedDuration::from_hours(24 * 40));
    let today = late.today();
    assert!(w.end(today) > late.m.mediation.agreement.as_ref().and_then(|a| a.apply_by).unwrap());
    assert_eq!(late.decide(mediator, &file(today)), Err(DomainError::field("filed_on", Issue::TooLate)));
    // On the window's last day it is in time.
    let last_day = w.calendar.due_date(signed_on, Limit::calendar_days(30));
    assert!(late.decide(mediator, &file(last_day)).is_ok());
}

#[test]
fn transfers_between_tiers_and_to_other_mediators() {
    let w = World::new();
    let mut c = Case::accepted(&w);
    let mediator = mediator();
    let transfer = |unit: UnitId, linkage| Command::TransferMediation {
        unit_id: unit.0,
        linkage,
        reason: "案情复杂".into(),
    };
    // Escalation goes to a committee of a higher tier only.
    for unit in [VILLAGE_COMMITTEE, TOWN_COMMITTEE, TOWN_PRO_COMMITTEE, COURT, TOWNSHIP] {
        assert_eq!(
            c.decide(mediator, &transfer(unit, Linkage::Escalate)),
            Err(DomainError::field("unit_id", Issue::WrongUnitKind)),
            "escalate to {unit}"
        );
    }
    assert!(c.decide(mediator, &transfer(COUNTY_COMMITTEE, Linkage::Escalate)).is_ok());
    assert_eq!(
        c.decide(mediator, &transfer(UnitId(99), Linkage::People)),
        Err(DomainError::field("unit_id", Issue::UnknownUnit))
    );
    for (unit, linkage) in [
        (COUNTY_COMMITTEE, Linkage::Administrative),
        (COURT, Linkage::People),
        (VILLAGE, Linkage::Joint),
        (TOWN_COMMITTEE, Linkage::People),
    ] {
        assert_eq!(
            c.decide(mediator, &transfer(unit, linkage)),
            Err(DomainError::field("unit_id", Issue::WrongUnitKind)),
            "{linkage:?} to {unit}"
        );
    }
    assert!(c.decide(mediator, &transfer(TOWNSHIP, Linkage::Joint)).is_ok());
    assert!(c.decide(mediator, &transfer(COURT, Linkage::Judicial)).is_ok());

    // 转行政调解 to a department: the committee lets go and the department works it as a matter.
    c.run(mediator, transfer(COURT, Linkage::Administrative)).unwrap();
    let med = &c.m.mediation;
    assert_eq!((med.committee, med.mediator, med.transfers), (None, None, 1));
    assert_eq!((c.m.status, c.m.handling.as_ref().map(|h| h.lead)), (Status::Assigned, Some(COURT)));
    assert_eq!(c.running(), [ClockName::Handling]);
    assert_eq!(
        c.decide(mediator, &Command::NotifyRights { note: None }),
        Err(DomainError::Forbidden(Denial::NotHandlingUnit))
    );
    c.run(court(), Command::Start {}).unwrap();
    assert_eq!(c.m.status, Status::InProgress);

    // 提级调解 from the village committee to the township's.
    let mut v = Case::routed_to(&w, VILLAGE_COMMITTEE);
    v.run(village_mediator(), accept()).unwrap();
    assert_eq!(v.m.mediation.committee, Some(VILLAGE_COMMITTEE));
    v.run(village_mediator(), transfer(TOWN_COMMITTEE, Linkage::Escalate)).unwrap();
    assert_eq!((v.m.status, v.m.mediation.committee), (Status::Assigned, None));
    assert_eq!(
        v.decide(village_mediator(), &Command::NotifyRights { note: None }),
        Err(DomainError::Forbidden(Denial::NotHandlingUnit))
    );
    v.run(mediator, accept()).unwrap();
    let med = &v.m.mediation;
    assert_eq!((med.committee, med.transfers, med.accepted_at), (Some(TOWN_COMMITTEE), 1, Some(start())));
    assert_eq!((v.m.status, v.running()), (Status::InProgress, vec![ClockName::Mediation]));
}

#[test]
fn a_refusal_ends_the_mediation() {
    let w = World::new();
    let mut c = Case::accepted(&w);
    c.run(
        mediator(),
        Command::ScheduleSession { at: c.now + SignedDuration::from_hours(72), place: "调解室".into() },
    )
    .unwrap();
    let refuse = |party| Command::RefuseMediation {
        party,
        reason: "李四不同意调解".into(),
        routes: vec![],
        referred_to: None,
    };
    assert_eq!(c.decide(mediator(), &refuse(3)), Err(DomainError::field("party", Issue::NoSuchItem)));
    let events = c.run(mediator(), refuse(1)).unwrap();
    // Without routes given, every route is told.
    assert!(matches!(
        events.first(),
        Some(Event::MediationRefused { party: 1, routes, .. }) if routes == FailureRoute::ALL
    ));
    assert_eq!((c.m.status, c.m.mediation.outcome), (Status::Closed, Some(MediationOutcome::Refused)));
    assert!(c.m.clocks.is_empty() && c.m.timers().is_empty(), "{:?}", c.m.clocks);
    assert!(c.m.closed_at.is_some());
    for step in [
        session(c.now),
        Command::RecordRelapse { reason: "又起纠纷".into() },
        Command::Reopen { reason: "重办".into() },
        accept(),
    ] {
        assert_eq!(c.decide(mediator(), &step), illegal(step.name(), Status::Closed));
    }
}

#[test]
fn a_failure_ends_the_mediation() {
    let w = World::new();
    let mut c = Case::accepted(&w);
    c.run(mediator(), session(c.now)).unwrap();
    c.run(mediator(), draft_of(&agreement_v1())).unwrap();
    let routes = vec![FailureRoute::Litigation, FailureRoute::Arbitration, FailureRoute::Litigation];
    let failure = Command::RecordFailure {
        reason: "双方分歧过大".into(),
        routes,
        referred_to: Some("县人民法院".into()),
    };
    let events = c.run(mediator(), failure).unwrap();
    assert!(matches!(
        events.first(),
        Some(Event::MediationFailed { routes, .. })
            if routes == &[FailureRoute::Litigation, FailureRoute::Arbitration]
    ));
    assert_eq!((c.m.status, c.m.mediation.outcome), (Status::Closed, Some(MediationOutcome::Failed)));
    assert!(c.m.clocks.is_empty() && c.m.timers().is_empty(), "{:?}", c.m.clocks);
    let today = c.today();
    for step in [sign(today, &[0, 1, 2], true), Command::RecordRelapse { reason: "x".into() }, visit()] {
        assert_eq!(c.decide(mediator(), &step), illegal(step.name(), Status::Closed));
    }
}

#[test]
fn a_committee_mediates_and_no_one_else_steers() {
    let w = World::new();
    let mut c = Case::accepted(&w);
    // The generic steps give way to the mediation's own.
    for step in [
        Command::Reply { text: "已调处".into(), outcome: None },
        Command::FollowUp { satisfaction: Satisfaction::Satisfied, note: None },
        Command::Reopen { reason: "重办".into() },
        Command::Escalate { reason: "上报".into() },
        transfer_to(COURT),
    ] {
        for who in [clerk(), mediator()] {
            assert_eq!(c.decide(who, &step), illegal(step.name(), Status::InProgress));
        }
    }
    // Auditors read; a unit outside the handling subtree has no say.
    let notify = Command::NotifyRights { note: None };
    assert_eq!(c.decide(auditor(), &notify), Err(DomainError::Forbidden(Denial::Role)));
    assert_eq!(c.decide(court(), &notify), Err(DomainError::Forbidden(Denial::NotHandlingUnit)));
    let other = Actor { user_id: UserId(16), role: Role::Mediator, unit_id: TOWN_PRO_COMMITTEE };
    assert_eq!(c.decide(other, &notify), Err(DomainError::Forbidden(Denial::NotHandlingUnit)));
    // The township's clerk, above the committee, may record for it.
    c.run(clerk(), notify).unwrap();
    // After the agreement, the reply and the follow-up are still the mediation's.
    c.run(mediator(), draft_of(&agreement_v1())).unwrap();
    let today = c.today();
    c.run(mediator(), sign(today, &[0, 1, 2], true)).unwrap();
    for step in [
        Command::FollowUp { satisfaction: Satisfaction::Satisfied, note: None },
        Command::Reopen { reason: "重办".into() },
    ] {
        assert_eq!(c.decide(clerk(), &step), illegal(step.name(), Status::Replied));
    }
    assert_eq!(c.decide(auditor(), &visit()), Err(DomainError::Forbidden(Denial::Role)));
    // Closing is the generic step; a relapse after it reopens the mediation.
    c.run(clerk(), Command::Close { note: None }).unwrap();
    assert!(c.m.clocks.is_empty());
    c.run(mediator(), visit()).unwrap();
    assert_eq!(c.decide(court(), &visit()), Err(DomainError::Forbidden(Denial::OutOfScope)));
    c.run(mediator(), Command::RecordRelapse { reason: "又起纠纷".into() }).unwrap();
    assert_eq!(
        (c.m.status, c.m.closed_at, c.running()),
        (Status::InProgress, None, vec![ClockName::Mediation])
    );
    // Not a dispute: no mediation at all.
    let mut request = RegistrationDraft { kind: MatterKind::Request, ..dispute() };
    request.category = "environment".into();
    let events = register(&request, &w.ctx(clerk(), start())).unwrap();
    let Some(Event::Registered(reg)) = events.first() else { panic!("registration first") };
    let m = Matter::registered(MatterId(2), reg.clone(), start(), clerk().user_id);
    assert_eq!(
        decide(&m, &accept(), &w.ctx(clerk(), start())),
        illegal("accept_mediation", Status::Registered)
    );
}

#[test]
fn an_amendment_after_signing_is_a_new_version() {
    let w = World::new();
    let mut c = Case::agreed(&w);
    let v1 = c.m.mediation.agreement.clone().unwrap();
    let hash1 = v1.hash.clone().unwrap();
    // The first version is on its way to the court when the parties amend it.
    let filed_on = c.today();
    c.run(mediator(), Command::FileJudicial { court: "县人民法院".into(), filed_on }).unwrap();

    let amended = AgreementContent {
        terms: vec![
            term("李四", "拆除占道部分围墙", "现场拆除", date(2026, 6, 20)),
            term("王五", "赔偿张三损失两千五百元", "银行转账", date(2026, 6, 30)),
        ],
        ..agreement_v1()
    };
    let drafted = c.run(mediator(), draft_of(&amended)).unwrap();
    assert_eq!(drafted.first(), Some(&Event::AgreementDrafted { version: 2, content: amended.clone() }));
    // Until signed, version 1 stays in force.
    assert_eq!(c.m.status, Status::Replied);
    assert_eq!(c.m.mediation.agreement.as_ref().map(|a| a.version), Some(1));
    assert_eq!(c.m.mediation.unsigned_draft().map(|(v, _)| *v), Some(2));

    let today = c.today();
    let signed = c.run(mediator(), sign(today, &[0, 1, 2], true)).unwrap();
    let hash2 = content_hash(2, &c.m.registration.parties, &amended);
    assert_ne!(hash1, hash2);
    assert!(
        matches!(signed.first(), Some(Event::AgreementSigned { version: 2, content_hash, .. }) if *content_hash == hash2)
    );
    let a = c.m.mediation.agreement.clone().unwrap();
    assert_eq!((a.version, &a.content, a.hash.as_deref()), (2, &amended, Some(hash2.as_str())));
    assert_eq!(c.m.status, Status::Replied);
    assert_eq!(c.due(ClockName::Performance), Some(w.end(date(2026, 6, 20))));
    // The amended agreement is confirmed on its own application: the filing of version 1
    // does not carry over to it.
    assert_eq!(c.m.mediation.judicial, None);
    assert_eq!(c.due(ClockName::JudicialApplication), Some(w.after(today, 30)));

    // Version 1's content and digest stay in the history; the fold keeps version 2.
    assert!(c.events().any(|e| *e == Event::AgreementDrafted { version: 1, content: agreement_v1() }));
    assert!(c.events().any(
        |e| matches!(e, Event::AgreementSigned { version: 1, content_hash, .. } if *content_hash == hash1)
    ));
    let folded = Matter::from_events(&c.log).unwrap();
    assert_eq!(folded.mediation.agreement, Some(a));
    // Nothing new to sign.
    assert_eq!(
        c.decide(mediator(), &sign(today, &[0, 1, 2], true)),
        illegal("sign_agreement", Status::Replied)
    );
}

#[test]
fn an_oral_agreement_has_no_digest_and_no_judicial_confirmation() {
    let w = World::new();
    let mut c = Case::accepted(&w);
    let today = c.today();
    let oral = Command::RecordOralAgreement {
        content: "李四当场同意拆除占道部分".into(),
        terms: vec![TermDraft {
            obligor: "李四".into(),
            content: "拆除占道部分".into(),
            manner: "现场拆除".into(),
            deadline: Some(date(2026, 6, 5)),
        }],
    };
    c.run(mediator(), oral).unwrap();
    let a = c.m.mediation.agreement.clone().unwrap();
    assert_eq!((a.form, a.version, a.hash, a.apply_by), (AgreementForm::Oral, 1, None, None));
    assert_eq!((c.m.status, c.m.mediation.outcome), (Status::Replied, Some(MediationOutcome::Oral)));
    assert_eq!(c.running(), [ClockName::Performance, ClockName::Visit]);
    assert_eq!(c.due(ClockName::Visit), Some(w.after(date(2026, 6, 5), 7)));
    let file = Command::FileJudicial { court: "县人民法院".into(), filed_on: today };
    assert_eq!(c.decide(mediator(), &file), illegal("file_judicial", Status::Replied));
    // An oral agreement is not amended by drafting.
    assert_eq!(c.decide(mediator(), &draft_of(&agreement_v1())), illegal("draft_agreement", Status::Replied));
}

// --- Random sequences -------------------------------------------------------------------------

/// A mediation step with its inputs relative to the moment it is taken (hours from now, days
/// from today), or a generic step.
#[derive(Clone, Debug)]
enum Op {
    Accept {
        mediator_id: i64,
        source: Source,
        referred: bool,
    },
    Notify,
    Refuse {
        party: usize,
        routes: Vec<FailureRoute>,
    },
    Schedule {
        hours: i64,
    },
    Session {
        hours_ago: i64,
        blank: bool,
    },
    Risk,
    Draft {
        deadlines: Vec<Option<i64>>,
        blank: bool,
    },
    Sign {
        days: i64,
        parties: Vec<usize>,
        mediator: bool,
    },
    Oral {
        deadlines: Vec<Option<i64>>,
    },
    Fail {
        routes: Vec<FailureRoute>,
    },
    File {
        days: i64,
    },
    JudicialAccept {
        days: i64,
    },
    Extend,
    Rule {
        days: i64,
        result: JudicialResult,
    },
    Perform {
        term: usize,
    },
    Visit {
        performance: Performance,
        satisfaction: Satisfaction,
        risk: RemainingRisk,
    },
    Relapse,
    Transfer {
        unit: UnitId,
        linkage: Linkage,
    },
    Park {
        days: i64,
    },
    Generic(Command),
    /// The next step of an uneventful mediation from where the dispute stands, with good
    /// inputs, so that random sequences get deep into agreements, the court and relapses.
    Progress,
}

fn terms_due(deadlines: &[Option<i64>], day: impl Fn(i64) -> Date) -> Vec<TermDraft> {
    deadlines
        .iter()
        .map(|d| TermDraft {
            obligor: "李四".into(),
            content: "拆除围墙".into(),
            manner: "现场拆除".into(),
            deadline: d.map(&day),
        })
        .collect()
}

/// The step an uneventful mediation takes next.
fn progress(m: &Matter, now: Timestamp, today: Date) -> Command {
    let med = &m.mediation;
    let day = |n: i64| today.checked_add(n.days()).unwrap();
    let written = med.live_agreement().filter(|a| a.form == AgreementForm::Written);
    match m.status {
        Status::Registered | Status::Assigned if med.committee.is_none() => accept(),
        Status::InProgress if med.ongoing() => {
            if !med.rights_notified {
                Command::NotifyRights { note: None }
            } else if med.sessions == 0 {
                session(now)
            } else if med.unsigned_draft().is_none() {
                terms_drafted(&[Some(5), Some(15)], day)
            } else {
                sign(today, &[0, 1, 2], true)
            }
        }
        Status::InProgress => Command::Reply { text: "已调处".into(), outcome: None },
        Status::Parked => Command::Unpark { note: None },
        Status::Replied => match (written, &med.judicial) {
            (Some(_), None) => Command::FileJudicial { court: "县人民法院".into(), filed_on: today },
            (Some(_), Some(j)) if j.accepted_on.is_none() => {
                Command::RecordJudicialAcceptance { accepted_on: today }
            }
            (Some(_), Some(j)) if j.ruled.is_none() && !j.extended && m.version % 2 == 0 => {
                Command::ExtendJudicial { reason: "案情复杂".into() }
            }
            (Some(_), Some(j)) if j.ruled.is_none() => Command::RecordJudicialRuling {
                ruled_on: today,
                result: JudicialResult::Confirmed,
                note: None,
            },
            _ => match med.live_agreement().and_then(|a| a.terms.iter().position(|t| !t.performed)) {
                Some(term) => Command::RecordPerformance { term, note: None },
                None if !med.visits.is_empty() => visit(),
                None => Command::RecordRelapse { reason: "再起纠纷".into() },
            },
        },
        _ => Command::RecordRelapse { reason: "再起纠纷".into() },
    }
}

fn terms_drafted(deadlines: &[Option<i64>], day: impl Fn(i64) -> Date) -> Command {
    Command::DraftAgreement {
        facts: "事实".into(),
        issues: "通道".into(),
        responsibilities: "李四负责".into(),
        terms: terms_due(deadlines, day),
    }
}

fn command(op: &Op, m: &Matter, now: Timestamp, today: Date) -> Command {
    let day = |n: i64| today.checked_add(n.days()).unwrap();
    let hours = |n: i64| now + SignedDuration::from_hours(n);
    let text = |blank: bool| if blank { " ".to_string() } else { "记录".to_string() };
    match op {
        Op::Accept { mediator_id, source, referred } => Command::AcceptMediation {
            mediator_id: *mediator_id,
            chosen_by_party: *referred,
            source: *source,
            referred_by: referred.then(|| "县公安局".into()),
            requests: "请求调解".into(),
        },
        Op::Notify => Command::NotifyRights { note: None },
        Op::Refuse { party, routes } => Command::RefuseMediation {
            party: *party,
            reason: "不同意调解".into(),
            routes: routes.clone(),
            referred_to: None,
        },
        Op::Schedule { hours: h } => Command::ScheduleSession { at: hours(*h), place: "调解室".into() },
        Op::Session { hours_ago, blank } => Command::RecordSession {
            held_at: hours(-hours_ago),
            place: "调解室".into(),
            participants: "各方".into(),
            record: text(*blank),
            proposals: None,
        },
        Op::Risk => Command::FlagRisk { description: "扬言报复".into(), reported_to: "派出所".into() },
        Op::Draft { deadlines, blank } => Command::DraftAgreement {
            facts: text(*blank),
            issues: "通道".into(),
            responsibilities: "李四负责".into(),
            terms: terms_due(deadlines, day),
        },
        Op::Sign { days, parties, mediator } => Command::SignAgreement {
            signed_on: day(*days),
            parties_signed: parties.clone(),
            mediator_signed: *mediator,
        },
        Op::Oral { deadlines } => {
            Command::RecordOralAgreement { content: "口头达成".into(), terms: terms_due(deadlines, day) }
        }
        Op::Fail { routes } => {
            Command::RecordFailure {
                reason: "分歧过大".into(), routes: routes.clone(), referred_to: None
            }
        }
        Op::File { days } => Command::FileJudicial { court: "县人民法院".into(), filed_on: day(*days) },
        Op::JudicialAccept { days } => Command::RecordJudicialAcceptance { accepted_on: day(*days) },
        Op::Extend => Command::ExtendJudicial { reason: "案情复杂".into() },
        Op::Rule { days, result } => {
            Command::RecordJudicialRuling { ruled_on: day(*days), result: *result, note: None }
        }
        Op::Perform { term } => Command::RecordPerformance { term: *term, note: None },
        Op::Visit { performance, satisfaction, risk } => Command::RecordVisit {
            performance: *performance,
            satisfaction: *satisfaction,
            risk: *risk,
            note: None,
        },
        Op::Relapse => Command::RecordRelapse { reason: "再起纠纷".into() },
        Op::Transfer { unit, linkage } => {
            Command::TransferMediation { unit_id: unit.0, linkage: *linkage, reason: "转交".into() }
        }
        Op::Park { days } => Command::Park { reason: "暂难化解".into(), review_by: hours(days * 24) },
        Op::Generic(c) => c.clone(),
        Op::Progress => progress(m, now, today),
    }
}

fn any_op() -> impl Strategy<Value = Op> {
    use proptest::collection::vec;
    use proptest::sample::select;
    let blank = prop_oneof![5 => Just(false), 1 => Just(true)];
    // Mostly today, sometimes a few days off either way.
    let day = || prop_oneof![4 => Just(0i64), 1 => -3i64..2];
    let deadline =
        prop_oneof![8 => (0i64..40).prop_map(Some), 1 => (-3i64..0).prop_map(Some), 1 => Just(None)];
    let deadlines = prop_oneof![6 => vec(deadline, 1..3), 1 => Just(std::vec![])];
    let parties = prop_oneof![4 => Just(std::vec![0usize, 1, 2]), 1 => vec(0usize..4, 0..4)];
    let routes = vec(select(FailureRoute::ALL), 0..3);
    let unit = select(std::vec![
        COUNTY,
        TOWNSHIP,
        VILLAGE,
        TOWN_COMMITTEE,
        VILLAGE_COMMITTEE,
        COUNTY_COMMITTEE,
        COURT,
        TOWN_PRO_COMMITTEE,
        UnitId(99),
    ]);
    let generic = select(std::vec![
        Command::Start {},
        Command::Reply { text: "已调处".into(), outcome: None },
        Command::Close { note: None },
        Command::Reopen { reason: "重办".into() },
        Command::FollowUp { satisfaction: Satisfaction::Unsatisfied, note: None },
        Command::Escalate { reason: "上报".into() },
        Command::Unpark { note: None },
        Command::Comment { text: "备注".into() },
        transfer_to(TOWN_COMMITTEE),
        transfer_to(VILLAGE_COMMITTEE),
        transfer_to(COURT),
    ]);
    prop_oneof![
        3 => (prop_oneof![4 => Just(11i64), 1 => Just(0)], select(Source::ALL), prop_oneof![3 => Just(true), 1 => Just(false)])
            .prop_map(|(mediator_id, source, referred)| Op::Accept { mediator_id, source, referred }),
        1 => Just(Op::Notify),
        1 => (0usize..4, routes.clone()).prop_map(|(party, routes)| Op::Refuse { party, routes }),
        2 => (-2i64..100).prop_map(|hours| Op::Schedule { hours }),
        3 => (-3i64..80, blank.clone()).prop_map(|(hours_ago, blank)| Op::Session { hours_ago, blank }),
        1 => Just(Op::Risk),
        4 => (deadlines.clone(), blank).prop_map(|(deadlines, blank)| Op::Draft { deadlines, blank }),
        4 => (day(), parties, prop_oneof![4 => Just(true), 1 => Just(false)])
            .prop_map(|(days, parties, mediator)| Op::Sign { days, parties, mediator }),
        1 => deadlines.prop_map(|deadlines| Op::Oral { deadlines }),
        1 => routes.prop_map(|routes| Op::Fail { routes }),
        2 => day().prop_map(|days| Op::File { days }),
        2 => day().prop_map(|days| Op::JudicialAccept { days }),
        1 => Just(Op::Extend),
        2 => (day(), select(JudicialResult::ALL)).prop_map(|(days, result)| Op::Rule { days, result }),
        2 => (0usize..3).prop_map(|term| Op::Perform { term }),
        2 => (select(Performance::ALL), select(Satisfaction::ALL), select(RemainingRisk::ALL))
            .prop_map(|(performance, satisfaction, risk)| Op::Visit { performance, satisfaction, risk }),
        2 => Just(Op::Relapse),
        2 => (unit, select(Linkage::ALL)).prop_map(|(unit, linkage)| Op::Transfer { unit, linkage }),
        1 => (-1i64..10).prop_map(|days| Op::Park { days }),
        3 => generic.prop_map(Op::Generic),
        30 => Just(Op::Progress),
    ]
}

fn any_actor() -> impl Strategy<Value = Actor> {
    prop_oneof![5 => Just(mediator()), 2 => Just(clerk()), 1 => Just(auditor()), 1 => Just(court())]
}

/// A step: someone takes a step, the scheduler fires the matter's n-th timer when it is due,
/// or time passes.
#[derive(Clone, Debug)]
enum Step {
    Do(Actor, Op),
    Fire(usize),
    Wait(i64),
}

fn any_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (any_actor(), any_op()).prop_map(|(a, op)| Step::Do(a, op)),
        1 => (0usize..6).prop_map(Step::Fire),
        1 => (1i64..240).prop_map(Step::Wait),
    ]
}

/// What must hold of a dispute after any accepted step.
fn coherent(c: &Case<'_>) -> Result<(), String> {
    let m = &c.m;
    let med = &m.mediation;
    let fail = |what: &str| Err(format!("{what}: {m:#?}"));
    if Matter::from_events(&c.log).as_ref() != Some(m) {
        return fail("the fold of the log differs from the state");
    }
    if m.version != c.log.len() as i64 {
        return fail("the version is not the log's length");
    }
    if !clock::consistent(m, &c.w.policies) {
        return fail("the clocks do not follow the state");
    }
    if m.status == Status::Closed && !m.clocks.is_empty() {
        return fail("a clock runs on a closed matter");
    }
    match med.outcome {
        Some(MediationOutcome::Written | MediationOutcome::Oral)
            if !matches!(m.status, Status::Replied | Status::Closed) =>
        {
            return fail("an agreement, but neither replied nor closed");
        }
        Some(MediationOutcome::Failed | MediationOutcome::Refused) if m.status != Status::Closed => {
            return fail("mediation ended without agreement, but the matter is open");
        }
        _ => {}
    }
    // A mediating dispute is in progress, unless it was put on the ledger (挂账), which the
    // generic Park allows while a committee mediates; it resumes in progress.
    if med.ongoing() && !matches!(m.status, Status::InProgress | Status::Parked) {
        return fail("a committee mediates, but the matter is not in progress");
    }
    if let Some(a) = &med.agreement {
        let expected = match a.form {
            AgreementForm::Written => Some(content_hash(a.version, &m.registration.parties, &a.content)),
            AgreementForm::Oral => None,
        };
        if a.hash != expected {
            return fail("the agreement's digest is not its content's");
        }
    }
    let reached = c
        .log
        .iter()
        .filter(|e| matches!(e.event, Event::AgreementSigned { .. } | Event::OralAgreementRecorded { .. }))
        .count();
    if med.relapses as usize > reached {
        return fail("more relapses than agreements");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the mediator, the township, an auditor or the court try, with good inputs and
    /// bad, as time passes and timers fire: the log folds to the state, the clocks follow it,
    /// the outcome and the status agree, a signed agreement keeps its digest, and an auditor
    /// changes nothing.
    #[test]
    fn random_mediation_steps_keep_the_invariants(steps in proptest::collection::vec(any_step(), 1..40)) {
        let w = World::new();
        let mut c = Case::new(&w);
        let system = Actor { user_id: UserId(0), role: Role::Admin, unit_id: COUNTY };
        for step in &steps {
            let decided = match step {
                Step::Wait(hours) => {
                    c.now += SignedDuration::from_hours(*hours);
                    continue;
                }
                Step::Fire(n) => {
                    let timers = c.m.timers();
                    let Some(timer) = timers.get(n % timers.len().max(1)).copied() else { continue };
                    c.now = c.now.max(timer.fire_at);
                    Ok((system.user_id, clock::fire(&c.m, &timer, &c.ctx(system))))
                }
                Step::Do(who, op) => {
                    let cmd = command(op, &c.m, c.now, c.today());
                    c.decide(*who, &cmd).map(|events| (who.user_id, events))
                }
            };
            if let Ok((by, events)) = decided {
                if let Step::Do(who, _) = step {
                    prop_assert!(who.role != Role::Auditor, "an auditor's step was accepted: {:?}", step);
                }
                c.record(by, events);
                if let Err(e) = coherent(&c) {
                    prop_assert!(false, "after {:?}: {}", step, e);
                }
            }
        }
    }
}

#[test]
fn an_unused_judicial_window_lapses_and_stops_counting_against_the_unit() {
    let w = World::new();
    let mut case = Case::agreed(&w);
    let apply_by = case.due(ClockName::JudicialApplication).expect("the window runs after signing");
    let timer = case
        .m
        .timers()
        .into_iter()
        .find(|t| t.clock == ClockName::JudicialApplication && t.kind == clock::TimerKind::Expire)
        .expect("the window expires at its end");
    assert!(
        case.m
            .timers()
            .iter()
            .any(|t| t.clock == ClockName::JudicialApplication && t.kind == clock::TimerKind::Remind),
        "the parties are reminded before it closes"
    );
    assert_ne!(case.m.deadline(), Some(apply_by), "the parties' window is no deadline of the unit");
    assert_eq!(timer.fire_at, apply_by);
    case.at(apply_by);
    let fired = clock::fire(&case.m, &timer, &case.ctx(mediator()));
    assert!(matches!(fired.first(), Some(Event::WindowClosed { clock: ClockName::JudicialApplication })));
    case.record(UserId(0), fired);
    assert_eq!(case.m.overdue_marks, 0, "nobody was late");
    assert_eq!(Matter::from_events(&case.log).as_ref(), Some(&case.m));
    assert!(clock::consistent(&case.m, &w.policies));
    assert!(!case.running().contains(&ClockName::JudicialApplication), "{:?}", case.running());
    assert_eq!(case.m.mediation.live_agreement().and_then(|a| a.apply_by), None);
    // The parties' 30 days are over: the court can no longer be asked.
    assert!(matches!(
        case.decide(
            mediator(),
            &Command::FileJudicial { court: "诸暨市人民法院".into(), filed_on: case.today() }
        ),
        Err(DomainError::IllegalTransition { .. }) | Err(DomainError::Invalid(_))
    ));
}
