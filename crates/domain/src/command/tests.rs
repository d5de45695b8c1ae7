use super::*;
use crate::access::Role;
use crate::calendar::Calendar;
use crate::category::defaults;
use crate::event::RecordedEvent;
use crate::event::{Outcome, Route, Satisfaction, SupervisionMode};
use crate::ids::{MatterId, UserId};
use crate::matter::{Channel, MatterKind};
use crate::org::{Unit, UnitKind};
use crate::policy::Policies;
use jiff::SignedDuration;
use proptest::prelude::*;

const COUNTY: UnitId = UnitId(1);
const TOWN_A: UnitId = UnitId(2);
const TOWN_B: UnitId = UnitId(3);
const VILLAGE_A: UnitId = UnitId(4);
const DEPT: UnitId = UnitId(5);
const DEPT2: UnitId = UnitId(6);

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
        u(TOWN_A, Some(COUNTY), UnitKind::Township),
        u(TOWN_B, Some(COUNTY), UnitKind::Township),
        u(VILLAGE_A, Some(TOWN_A), UnitKind::Village),
        u(DEPT, Some(COUNTY), UnitKind::Department),
        u(DEPT2, Some(COUNTY), UnitKind::Department),
    ])
    .unwrap_or_default()
}

fn now() -> Timestamp {
    Timestamp::from_second(1_780_000_000).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn actor(role: Role, unit: UnitId) -> Actor {
    Actor { user_id: UserId(7), role, unit_id: unit }
}

fn draft() -> RegistrationDraft {
    RegistrationDraft {
        kind: MatterKind::Request,
        channel: Channel::Phone,
        category: "environment".into(),
        unit_id: VILLAGE_A.0,
        title: "反映石料厂粉尘污染".into(),
        body: "村口石料厂粉尘大，请求查处。".into(),
        people_involved: Some(3),
        amount_fen: None,
        parties: vec![],
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
            calendar: Calendar::builtin(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8))).unwrap(),
            policies: Policies::defaults(),
        }
    }

    fn ctx(&self, actor: Actor) -> Context<'_> {
        Context {
            actor,
            now: now(),
            org: &self.org,
            catalogue: &self.catalogue,
            calendar: &self.calendar,
            policies: &self.policies,
        }
    }

    fn registered(&self) -> Matter {
        self.registered_as(MatterKind::Request).0
    }

    /// A new matter of `kind`, and the log of its registration.
    fn registered_as(&self, kind: MatterKind) -> (Matter, Vec<RecordedEvent>) {
        let draft = RegistrationDraft { kind, ..draft() };
        let events = register(&draft, &self.ctx(actor(Role::Clerk, TOWN_A))).unwrap();
        let Some(Event::Registered(reg)) = events.first() else { panic!("registration first") };
        let mut m = Matter::registered(MatterId(1), reg.clone(), now(), UserId(7));
        let mut log = vec![];
        for (i, e) in events.into_iter().enumerate() {
            if i > 0 {
                m.apply(&e, now());
            }
            log.push(RecordedEvent {
                seq: i as i64 + 1,
                matter_id: m.id,
                version: m.version,
                at: now(),
                actor: UserId(7),
                event: e,
            });
        }
        (m, log)
    }

    fn run(&self, matter: &mut Matter, who: Actor, cmd: Command) -> Result<(), DomainError> {
        for e in decide(matter, &cmd, &self.ctx(who))? {
            matter.apply(&e, now());
        }
        Ok(())
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

#[test]
fn the_whole_lifecycle() -> Result<(), DomainError> {
    let w = World::new();
    let mut m = w.registered();
    assert_eq!(m.status, Status::Registered);
    w.run(&mut m, actor(Role::Clerk, TOWN_A), transfer_to(DEPT))?;
    assert_eq!(m.status, Status::Assigned);
    w.run(&mut m, actor(Role::Handler, DEPT), Command::Start {})?;
    assert_eq!(m.status, Status::InProgress);
    w.run(&mut m, actor(Role::Handler, DEPT), Command::Reply { text: "已责令整改".into(), outcome: None })?;
    assert_eq!(m.status, Status::Replied);
    w.run(&mut m, actor(Role::Clerk, TOWN_A), Command::Close { note: None })?;
    assert_eq!(m.status, Status::Closed);
    w.run(&mut m, actor(Role::Leader, COUNTY), Command::Reopen { reason: "群众反映仍有粉尘".into() })?;
    assert_eq!((m.status, m.reopen_count), (Status::InProgress, 1));
    assert_eq!(m.clocks.keys().copied().collect::<Vec<_>>(), vec![crate::clock::ClockName::Handling]);
    assert_eq!(m.visible_to_units().into_iter().collect::<Vec<_>>(), vec![VILLAGE_A, DEPT]);
    Ok(())
}

#[test]
fn direct_handling_at_intake() -> Result<(), DomainError> {
    let w = World::new();
    let mut m = w.registered();
    w.run(&mut m, actor(Role::Clerk, TOWN_A), Command::Start {})?;
    assert_eq!(m.handling.as_ref().map(|h| (h.mode, h.lead)), Some((HandlingMode::Direct, TOWN_A)));
    Ok(())
}

#[test]
fn illegal_transitions_are_typed() {
    let w = World::new();
    let m = w.registered();
    let err =
        decide(&m, &Command::Reply { text: "x".into(), outcome: None }, &w.ctx(actor(Role::Clerk, TOWN_A)));
    assert_eq!(err, Err(DomainError::IllegalTransition { command: "reply", status: Status::Registered }));
    let err = decide(&m, &Command::Close { note: None }, &w.ctx(actor(Role::Clerk, TOWN_A)));
    assert_eq!(err, Err(DomainError::IllegalTransition { command: "close", status: Status::Registered }));
}

#[test]
fn only_the_handling_unit_works_on_an_assigned_matter() -> Result<(), DomainError> {
    let w = World::new();
    let mut m = w.registered();
    w.run(&mut m, actor(Role::Clerk, TOWN_A), transfer_to(DEPT))?;
    let err = decide(&m, &Command::Start {}, &w.ctx(actor(Role::Handler, DEPT2)));
    assert_eq!(err, Err(DomainError::Forbidden(Denial::NotHandlingUnit)));
    // A county leader sits above the department and may act.
    assert!(decide(&m, &Command::Start {}, &w.ctx(actor(Role::Leader, COUNTY))).is_ok());
    Ok(())
}

#[test]
fn units_beside_the_matter_may_not_steer_it() -> Result<(), DomainError> {
    let w = World::new();
    let mut m = w.registered();
    let joint = Command::Assign {
        mode: HandlingMode::Joint,
        unit_id: DEPT.0,
        co_unit_ids: vec![TOWN_B.0],
        report_by: None,
        note: None,
    };
    w.run(&mut m, actor(Role::Clerk, TOWN_A), joint)?;
    // The co-handling township works on it and comments, but does not re-route it.
    let town_b = actor(Role::Leader, TOWN_B);
    assert!(decide(&m, &Command::Comment { text: "协办意见".into() }, &w.ctx(town_b)).is_ok());
    assert_eq!(
        decide(&m, &transfer_to(TOWN_B), &w.ctx(town_b)),
        Err(DomainError::Forbidden(Denial::OutOfScope))
    );
    // Once transferred onward, the first department keeps sight of it but has no say.
    w.run(&mut m, actor(Role::Clerk, TOWN_A), transfer_to(DEPT2))?;
    let dept = actor(Role::Handler, DEPT);
    assert_eq!(
        decide(&m, &Command::Note { text: "x".into() }, &w.ctx(dept)),
        Err(DomainError::Forbidden(Denial::OutOfScope))
    );
    w.run(&mut m, actor(Role::Handler, DEPT2), Command::Start {})?;
    w.run(&mut m, actor(Role::Handler, DEPT2), Command::Reply { text: "已办".into(), outcome: None })?;
    assert_eq!(
        decide(&m, &Command::Close { note: None }, &w.ctx(actor(Role::Clerk, TOWN_B))),
        Err(DomainError::Forbidden(Denial::OutOfScope))
    );
    assert!(decide(&m, &Command::Close { note: None }, &w.ctx(actor(Role::Clerk, TOWN_A))).is_ok());
    // Direct handling at intake is for units over the place only.
    let fresh = w.registered();
    assert_eq!(
        decide(&fresh, &Command::Start {}, &w.ctx(actor(Role::Clerk, TOWN_B))),
        Err(DomainError::Forbidden(Denial::OutOfScope))
    );
    Ok(())
}

#[test]
fn auditors_change_nothing() {
    let w = World::new();
    let m = w.registered();
    let auditor = actor(Role::Auditor, COUNTY);
    for cmd in [Command::Start {}, Command::Comment { text: "x".into() }, transfer_to(DEPT)] {
        assert_eq!(decide(&m, &cmd, &w.ctx(auditor)), Err(DomainError::Forbidden(Denial::Role)));
    }
    assert_eq!(register(&draft(), &w.ctx(auditor)).err(), Some(DomainError::Forbidden(Denial::Role)));
}

#[test]
fn registration_is_confined_to_the_actors_subtree() {
    let w = World::new();
    let err = register(&draft(), &w.ctx(actor(Role::Clerk, TOWN_B)));
    assert_eq!(err.err(), Some(DomainError::field("unit_id", Issue::NotInScope)));
}

#[test]
fn registration_names_every_bad_field() {
    let w = World::new();
    let bad = RegistrationDraft {
        title: " ".into(),
        category: "nope".into(),
        unit_id: 99,
        amount_fen: Some(-5),
        ..draft()
    };
    let Err(DomainError::Invalid(errors)) = register(&bad, &w.ctx(actor(Role::Clerk, COUNTY))) else {
        panic!("expected field errors");
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["title", "category", "unit_id", "amount_fen"]);
}

#[test]
fn assignment_rules() {
    let w = World::new();
    let m = w.registered();
    let ctx = w.ctx(actor(Role::Clerk, TOWN_A));
    let assign = |mode, unit: UnitId, co: Vec<i64>, report_by| Command::Assign {
        mode,
        unit_id: unit.0,
        co_unit_ids: co,
        report_by,
        note: None,
    };
    let field_of = |r: Result<Vec<Event>, DomainError>| match r {
        Err(DomainError::Invalid(e)) => e.into_iter().map(|e| (e.field, e.issue)).collect::<Vec<_>>(),
        _ => vec![],
    };
    assert_eq!(
        field_of(decide(&m, &assign(HandlingMode::Assign, DEPT, vec![], None), &ctx)),
        [("report_by".to_string(), Issue::Required)]
    );
    assert_eq!(
        field_of(decide(
            &m,
            &assign(HandlingMode::Assign, DEPT, vec![], Some(now() - SignedDuration::from_hours(1))),
            &ctx
        )),
        [("report_by".to_string(), Issue::MustBeInFuture)]
    );
    assert_eq!(
        field_of(decide(&m, &assign(HandlingMode::Joint, DEPT, vec![], None), &ctx)),
        [("co_unit_ids".to_string(), Issue::NeedsCoUnits)]
    );
    assert_eq!(
        field_of(decide(&m, &assign(HandlingMode::Joint, DEPT, vec![DEPT.0, 42], None), &ctx)),
        [
            ("co_unit_ids[0]".to_string(), Issue::SameAsLead),
            ("co_unit_ids[1]".to_string(), Issue::UnknownUnit)
        ]
    );
    let ok = decide(
        &m,
        &assign(HandlingMode::Joint, DEPT, vec![DEPT2.0], Some(now() + SignedDuration::from_hours(48))),
        &ctx,
    );
    assert!(matches!(
        ok.as_deref(),
        Ok([
            Event::Assigned { mode: HandlingMode::Joint, .. },
            Event::ClockStopped { .. },
            Event::ClockStarted { .. }
        ])
    ));
}

fn any_command() -> impl Strategy<Value = Command> {
    let unit = prop_oneof![Just(DEPT), Just(DEPT2), Just(TOWN_A), Just(VILLAGE_A), Just(UnitId(99))];
    let later = now() + SignedDuration::from_hours(240);
    let text = "[a-z ]{0,4}";
    prop_oneof![
        unit.clone().prop_map(transfer_to),
        Just(Command::Start {}),
        (text, proptest::option::of(proptest::sample::select(Outcome::ALL.to_vec())))
            .prop_map(|(text, outcome)| Command::Reply { text, outcome }),
        Just(Command::Close { note: None }),
        text.prop_map(|reason| Command::Reopen { reason }),
        "[a-z]{1,4}".prop_map(|text| Command::Comment { text }),
        text.prop_map(|reason| Command::Return { reason }),
        (0u32..40).prop_map(|amount| Command::RequestExtension { amount, reason: "r".into() }),
        any::<bool>().prop_map(|approve| Command::DecideExtension { approve, note: None }),
        proptest::sample::select(Satisfaction::ALL.to_vec())
            .prop_map(|satisfaction| Command::FollowUp { satisfaction, note: None }),
        proptest::sample::select(Route::ALL.to_vec())
            .prop_map(|route| Command::Decline { route, reason: "r".into() }),
        Just(Command::RequestReview { reason: "r".into(), unit_id: None }),
        proptest::sample::select(Outcome::ALL.to_vec())
            .prop_map(|outcome| Command::DecideReview { outcome, text: "t".into() }),
        Just(Command::Escalate { reason: "r".into() }),
        unit.prop_map(|u| Command::Delegate { unit_id: u.0, note: None }),
        Just(Command::Supervise { mode: SupervisionMode::Urge, text: "t".into(), reply_by: Some(later) }),
        Just(Command::AssignLeader { leader_id: 3, due: later, note: None }),
        Just(Command::Park { reason: "r".into(), review_by: later }),
        Just(Command::Unpark { note: None }),
        Just(Command::Open {}),
        Just(Command::Cancel { reason: "r".into() }),
        any::<bool>().prop_map(|passed| Command::Verify { passed, note: None }),
        (0u8..7).prop_map(|rating| Command::Evaluate { rating, note: None }),
    ]
}

fn any_actor() -> impl Strategy<Value = Actor> {
    (
        proptest::sample::select(Role::ALL.to_vec()),
        proptest::sample::select(vec![COUNTY, TOWN_A, TOWN_B, DEPT, DEPT2]),
    )
        .prop_map(|(role, unit)| actor(role, unit))
}

/// A step: a command by someone, or the scheduler firing the matter's n-th timer.
#[derive(Clone, Debug)]
enum Step {
    Do(Actor, Command),
    Fire(usize),
}

fn any_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (any_actor(), any_command()).prop_map(|(a, c)| Step::Do(a, c)),
        1 => (0usize..4).prop_map(Step::Fire),
    ]
}

fn legal(before: Status, after: Status) -> bool {
    use Status::*;
    before == after
        || match before {
            Registered => matches!(after, Assigned | InProgress | Closed | Parked),
            Assigned => matches!(after, InProgress | Registered | Closed | Parked),
            InProgress => matches!(after, Assigned | Replied | Registered | Parked),
            Replied => matches!(after, Closed | InProgress | Registered | UnderReview),
            UnderReview => matches!(after, Replied | Closed),
            Closed => matches!(after, InProgress | Registered),
            Parked => matches!(after, InProgress | Registered),
        }
}

/// What must hold of any matter, whatever happened to it.
fn sound(m: &Matter, policies: &Policies) -> Result<(), String> {
    let fail = |what: &str| Err(format!("{what}: {m:?}"));
    match m.status {
        Status::Registered if m.handling.is_some() => return fail("registered but handled"),
        Status::Assigned | Status::InProgress | Status::UnderReview if m.handling.is_none() => {
            return fail("handled by no one");
        }
        Status::Closed if !m.clocks.is_empty() => return fail("closed with running clocks"),
        _ => {}
    }
    if m.is_final() && m.status != Status::Closed {
        return fail("final but open");
    }
    if m.review_level > REVIEWS_MAX || m.extensions_granted > 1 {
        return fail("too many reviews or extensions");
    }
    if m.extension.is_some() && !matches!(m.status, Status::Assigned | Status::InProgress) {
        return fail("extension pending outside handling");
    }
    if m.registration.kind == MatterKind::Request && m.reopen_count > 1 {
        return fail("a request reopened twice");
    }
    if !crate::clock::consistent(m, policies) {
        return fail("clocks do not follow the state");
    }
    Ok(())
}

proptest! {
    /// Whatever anyone tries, and whenever timers fire, the state only moves along legal
    /// edges and stays sound, every accepted event bumps the version by one, and folding the
    /// recorded events gives the same state.
    #[test]
    fn random_command_sequences_keep_the_invariants(
        kind in proptest::sample::select(MatterKind::ALL.to_vec()),
        steps in proptest::collection::vec(any_step(), 1..40),
    ) {
        let w = World::new();
        let (mut m, mut log) = w.registered_as(kind);
        let system = actor(Role::Admin, COUNTY);
        for step in steps {
            let before = m.status;
            let decided = match &step {
                Step::Do(who, cmd) => decide(&m, cmd, &w.ctx(*who)).map(|e| (who.user_id, e)),
                Step::Fire(n) => {
                    let timers = m.timers();
                    let events = timers.get(*n % timers.len().max(1))
                        .map(|t| crate::clock::fire(&m, t, &w.ctx(system)))
                        .unwrap_or_default();
                    Ok((UserId(0), events))
                }
            };
            match decided {
                Ok((by, events)) => {
                    for e in events {
                        m.apply(&e, now());
                        log.push(RecordedEvent { seq: log.len() as i64 + 1, matter_id: m.id, version: m.version, at: now(), actor: by, event: e });
                    }
                    prop_assert!(legal(before, m.status), "{:?} -> {:?} by {:?}", before, m.status, step);
                    if let Step::Do(who, _) = &step {
                        prop_assert!(who.role != Role::Auditor || before == m.status);
                    }
                    if let Err(e) = sound(&m, &w.policies) {
                        prop_assert!(false, "after {:?}: {}", step, e);
                    }
                }
                Err(_) => prop_assert_eq!(before, m.status),
            }
        }
        prop_assert_eq!(m.version, log.len() as i64);
        prop_assert_eq!(Matter::from_events(&log), Some(m));
    }
}

mod workflows {
    use super::*;
    use crate::calendar::Limit;
    use crate::clock::{ClockName, TimerKind, fire};
    use crate::matter::Waiting;

    fn petition(w: &World) -> Matter {
        w.registered_as(MatterKind::Petition).0
    }

    fn due_of(m: &Matter, clock: ClockName) -> Option<Timestamp> {
        m.clocks.get(&clock).map(|c| c.due)
    }

    #[test]
    fn a_petition_from_registration_to_final() -> Result<(), DomainError> {
        let w = World::new();
        let clerk = actor(Role::Clerk, TOWN_A);
        let dept = actor(Role::Handler, DEPT);
        let county = actor(Role::Handler, COUNTY);
        let mut m = petition(&w);
        let cal = &w.calendar;
        assert_eq!(due_of(&m, ClockName::Intake), Some(cal.due(now(), Limit::calendar_days(15))));
        w.run(&mut m, clerk, transfer_to(DEPT))?;
        assert_eq!(m.clocks.keys().copied().collect::<Vec<_>>(), vec![ClockName::Acceptance]);
        w.run(&mut m, dept, Command::Start {})?;
        let handling = due_of(&m, ClockName::Handling);
        assert_eq!(handling, Some(cal.due(now(), Limit::calendar_days(60))));
        // One extension of at most 30 days, approved by the unit that routed it.
        let too_long =
            decide(&m, &Command::RequestExtension { amount: 31, reason: "需调查".into() }, &w.ctx(dept));
        assert_eq!(too_long, Err(DomainError::field("amount", Issue::OutOfRange { min: 1, max: 30 })));
        w.run(&mut m, dept, Command::RequestExtension { amount: 20, reason: "需现场调查".into() })?;
        assert_eq!(m.waiting(), Some(Waiting::Approval(TOWN_A)));
        let self_approval = decide(&m, &Command::DecideExtension { approve: true, note: None }, &w.ctx(dept));
        assert_eq!(self_approval, Err(DomainError::Forbidden(Denial::Role)));
        w.run(&mut m, clerk, Command::DecideExtension { approve: true, note: None })?;
        let extended = due_of(&m, ClockName::Handling).unwrap();
        let old_last_day = cal.date_of(handling.unwrap() - SignedDuration::from_secs(1));
        assert_eq!(Some(extended), cal.end_of(cal.due_date(old_last_day, Limit::calendar_days(20))));
        assert_eq!(m.waiting(), None);
        let again = decide(&m, &Command::RequestExtension { amount: 5, reason: "再延".into() }, &w.ctx(dept));
        assert_eq!(again, Err(DomainError::field("amount", Issue::OnlyOnce)));
        // The handling opinion states its outcome.
        let bare = decide(&m, &Command::Reply { text: "经查".into(), outcome: None }, &w.ctx(dept));
        assert_eq!(bare, Err(DomainError::field("outcome", Issue::Required)));
        w.run(
            &mut m,
            dept,
            Command::Reply { text: "经查，不予支持。".into(), outcome: Some(Outcome::Reject) },
        )?;
        assert_eq!(m.clocks.keys().copied().collect::<Vec<_>>(), vec![ClockName::ReviewWindow]);
        // 复查 by the next-higher body, then 复核, then final.
        w.run(&mut m, clerk, Command::RequestReview { reason: "不服处理意见".into(), unit_id: None })?;
        assert_eq!(
            (m.status, m.review_level, m.handling.as_ref().map(|h| h.lead)),
            (Status::UnderReview, 1, Some(COUNTY))
        );
        assert!(m.clocks.contains_key(&ClockName::Review));
        w.run(
            &mut m,
            county,
            Command::DecideReview { outcome: Outcome::Reject, text: "维持原处理意见".into() },
        )?;
        assert_eq!(m.status, Status::Replied);
        w.run(&mut m, clerk, Command::RequestReview { reason: "申请复核".into(), unit_id: Some(COUNTY.0) })?;
        w.run(&mut m, county, Command::DecideReview { outcome: Outcome::Reject, text: "复核维持".into() })?;
        assert_eq!((m.status, m.final_cause), (Status::Closed, Some(FinalCause::ReReviewed)));
        assert!(m.clocks.is_empty(), "{:?}", m.clocks);
        let reopen = decide(&m, &Command::Reopen { reason: "再访".into() }, &w.ctx(clerk));
        assert!(matches!(reopen, Err(DomainError::IllegalTransition { .. })));
        Ok(())
    }

    #[test]
    fn a_petitions_review_window_expires_into_finality() -> Result<(), DomainError> {
        let w = World::new();
        let mut m = petition(&w);
        w.run(&mut m, actor(Role::Clerk, TOWN_A), Command::Start {})?;
        w.run(
            &mut m,
            actor(Role::Clerk, TOWN_A),
            Command::Reply { text: "答复".into(), outcome: Some(Outcome::Explain) },
        )?;
        let timers = m.timers();
        assert_eq!(timers.iter().map(|t| t.kind).collect::<Vec<_>>(), vec![TimerKind::Expire]);
        for e in fire(&m, &timers[0], &w.ctx(actor(Role::Admin, COUNTY))) {
            m.apply(&e, now());
        }
        assert_eq!((m.status, m.final_cause), (Status::Closed, Some(FinalCause::WindowElapsed)));
        assert!(m.timers().is_empty());
        Ok(())
    }

    #[test]
    fn a_unit_returns_a_misrouted_request_once() -> Result<(), DomainError> {
        let w = World::new();
        let clerk = actor(Role::Clerk, TOWN_A);
        let dept = actor(Role::Handler, DEPT);
        let mut m = w.registered();
        assert!(m.clocks.contains_key(&ClockName::Dispatch));
        w.run(&mut m, clerk, transfer_to(DEPT))?;
        assert_eq!(m.clocks.keys().copied().collect::<Vec<_>>(), vec![ClockName::Handling]);
        let blank = decide(&m, &Command::Return { reason: " ".into() }, &w.ctx(dept));
        assert_eq!(blank, Err(DomainError::field("reason", Issue::Required)));
        w.run(&mut m, dept, Command::Return { reason: "不属于本单位职责".into() })?;
        assert_eq!((m.status, m.waiting()), (Status::Registered, Some(Waiting::Dispatch(TOWN_A))));
        assert_eq!(m.clocks.keys().copied().collect::<Vec<_>>(), vec![ClockName::Dispatch]);
        w.run(&mut m, clerk, transfer_to(DEPT))?;
        assert_eq!(m.waiting(), None);
        let twice = decide(&m, &Command::Return { reason: "仍不属于".into() }, &w.ctx(dept));
        assert_eq!(twice, Err(DomainError::field("reason", Issue::OnlyOnce)));
        // Reply, follow-up the next working day, and an unsatisfied citizen reopens it once.
        w.run(&mut m, dept, Command::Start {})?;
        w.run(&mut m, dept, Command::Reply { text: "已处理".into(), outcome: None })?;
        assert_eq!(due_of(&m, ClockName::FollowUp), Some(w.calendar.due(now(), Limit::working_days(1))));
        w.run(&mut m, clerk, Command::FollowUp { satisfaction: Satisfaction::Unsatisfied, note: None })?;
        assert!(m.clocks.is_empty());
        w.run(&mut m, clerk, Command::Reopen { reason: "群众不满意".into() })?;
        w.run(&mut m, dept, Command::Reply { text: "再次处理".into(), outcome: None })?;
        w.run(&mut m, clerk, Command::Close { note: None })?;
        let second = decide(&m, &Command::Reopen { reason: "仍不满意".into() }, &w.ctx(clerk));
        assert_eq!(second, Err(DomainError::field("reason", Issue::OnlyOnce)));
        Ok(())
    }

    #[test]
    fn timers_fire_once_and_an_overdue_grid_event_goes_up_a_tier() -> Result<(), DomainError> {
        let w = World::new();
        let clerk = actor(Role::Clerk, TOWN_A);
        let (mut m, _) = w.registered_as(MatterKind::GridEvent);
        let not_open = decide(&m, &transfer_to(VILLAGE_A), &w.ctx(clerk));
        assert!(matches!(not_open, Err(DomainError::IllegalTransition { .. })));
        w.run(&mut m, clerk, Command::Open {})?;
        w.run(&mut m, clerk, transfer_to(VILLAGE_A))?;
        let timers = m.timers();
        let kinds: Vec<_> = timers.iter().map(|t| (t.clock, t.kind)).collect();
        assert_eq!(
            kinds,
            vec![(ClockName::Handling, TimerKind::Remind), (ClockName::Handling, TimerKind::Overdue)]
        );
        let system = w.ctx(actor(Role::Admin, COUNTY));
        let reminded = fire(&m, &timers[0], &system);
        assert!(matches!(reminded.as_slice(), [Event::Reminded { clock: ClockName::Handling, .. }]));
        for e in &reminded {
            m.apply(e, now());
        }
        assert!(fire(&m, &timers[0], &system).is_empty(), "a reminder fires once");
        let overdue = fire(&m, &timers[1], &system);
        for e in &overdue {
            m.apply(e, now());
        }
        assert!(matches!(overdue.first(), Some(Event::WentOverdue { .. })));
        assert!(overdue.iter().any(|e| matches!(e, Event::Escalated { to, .. } if *to == TOWN_A)));
        assert_eq!(m.handling.as_ref().map(|h| h.lead), Some(TOWN_A));
        assert!(fire(&m, &timers[1], &system).is_empty(), "an overdue mark fires once");
        // The new tier has a fresh handling clock with its own timers.
        assert!(m.timers().iter().all(|t| t.run > timers[1].run));
        Ok(())
    }

    #[test]
    fn supervision_leader_ownership_and_the_ledger() -> Result<(), DomainError> {
        let w = World::new();
        let leader = actor(Role::Leader, COUNTY);
        let clerk = actor(Role::Clerk, TOWN_A);
        let mut m = w.registered();
        w.run(&mut m, clerk, transfer_to(DEPT))?;
        let by_clerk = decide(
            &m,
            &Command::Supervise {
                mode: SupervisionMode::Supervise, text: "请加快".into(), reply_by: None
            },
            &w.ctx(clerk),
        );
        assert_eq!(by_clerk, Err(DomainError::Forbidden(Denial::Role)));
        let later = now() + SignedDuration::from_hours(72);
        w.run(
            &mut m,
            leader,
            Command::Supervise {
                mode: SupervisionMode::Supervise,
                text: "请三日内反馈".into(),
                reply_by: Some(later),
            },
        )?;
        w.run(&mut m, leader, Command::AssignLeader { leader_id: 9, due: later, note: None })?;
        assert_eq!((m.supervisions, m.leader), (1, Some(UserId(9))));
        assert!(m.clocks.contains_key(&ClockName::Supervision) && m.clocks.contains_key(&ClockName::Leader));
        w.run(&mut m, clerk, Command::Park { reason: "需待规划调整".into(), review_by: later })?;
        assert_eq!(m.status, Status::Parked);
        assert!(!m.clocks.contains_key(&ClockName::Handling));
        w.run(&mut m, clerk, Command::Unpark { note: None })?;
        assert_eq!(m.status, Status::InProgress);
        assert!(
            m.clocks.contains_key(&ClockName::Handling) && !m.clocks.contains_key(&ClockName::LedgerReview)
        );
        let escalate = decide(
            &m,
            &Command::Escalate { reason: "超出本级能力".into() },
            &w.ctx(actor(Role::Handler, DEPT)),
        )?;
        assert!(matches!(escalate.first(), Some(Event::Escalated { to, .. }) if *to == COUNTY));
        let at_top = decide(
            &w.registered(),
            &Command::Escalate { reason: "x".into() },
            &w.ctx(actor(Role::Clerk, COUNTY)),
        );
        assert!(at_top.is_ok(), "from the village the place escalates to its township");
        Ok(())
    }
}
