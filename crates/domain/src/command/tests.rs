use super::*;
use crate::access::Role;
use crate::category::defaults;
use crate::event::RecordedEvent;
use crate::ids::{MatterId, UserId};
use crate::matter::{Channel, MatterKind};
use crate::org::{Unit, UnitKind};
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
    }
}

struct World {
    org: OrgTree,
    catalogue: Catalogue,
}

impl World {
    fn new() -> Self {
        Self { org: org(), catalogue: Catalogue::new(defaults()) }
    }

    fn ctx(&self, actor: Actor) -> Context<'_> {
        Context { actor, now: now(), org: &self.org, catalogue: &self.catalogue }
    }

    fn registered(&self) -> Matter {
        let Ok(Event::Registered(reg)) = register(&draft(), &self.ctx(actor(Role::Clerk, TOWN_A))) else {
            return Matter::registered(MatterId(0), empty_registration(), now(), UserId(0));
        };
        Matter::registered(MatterId(1), reg, now(), UserId(7))
    }

    fn run(&self, matter: &mut Matter, who: Actor, cmd: Command) -> Result<(), DomainError> {
        for e in decide(matter, &cmd, &self.ctx(who))? {
            matter.apply(&e, now());
        }
        Ok(())
    }
}

fn empty_registration() -> Registration {
    Registration {
        kind: MatterKind::Request,
        channel: Channel::Phone,
        category: crate::CategoryCode("x".into()),
        unit_id: UnitId(0),
        title: String::new(),
        body: String::new(),
        parties: vec![],
        people_involved: 0,
        amount_fen: None,
        attachments: vec![],
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
    w.run(&mut m, actor(Role::Handler, DEPT), Command::Reply { text: "已责令整改".into() })?;
    assert_eq!(m.status, Status::Replied);
    w.run(&mut m, actor(Role::Clerk, TOWN_A), Command::Close { note: None })?;
    assert_eq!(m.status, Status::Closed);
    w.run(&mut m, actor(Role::Leader, COUNTY), Command::Reopen { reason: "群众反映仍有粉尘".into() })?;
    assert_eq!((m.status, m.reopen_count, m.version), (Status::InProgress, 1, 6));
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
    let err = decide(&m, &Command::Reply { text: "x".into() }, &w.ctx(actor(Role::Clerk, TOWN_A)));
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
    w.run(&mut m, actor(Role::Handler, DEPT2), Command::Reply { text: "已办".into() })?;
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
    assert!(matches!(ok.as_deref(), Ok([Event::Assigned { mode: HandlingMode::Joint, .. }])));
}

fn any_command() -> impl Strategy<Value = Command> {
    let unit = prop_oneof![Just(DEPT), Just(DEPT2), Just(TOWN_A), Just(UnitId(99))];
    prop_oneof![
        unit.prop_map(transfer_to),
        Just(Command::Start {}),
        "[a-z ]{0,4}".prop_map(|text| Command::Reply { text }),
        Just(Command::Close { note: None }),
        "[a-z ]{0,4}".prop_map(|reason| Command::Reopen { reason }),
        "[a-z]{1,4}".prop_map(|text| Command::Comment { text }),
    ]
}

fn any_actor() -> impl Strategy<Value = Actor> {
    (
        proptest::sample::select(Role::ALL.to_vec()),
        proptest::sample::select(vec![COUNTY, TOWN_A, TOWN_B, DEPT, DEPT2]),
    )
        .prop_map(|(role, unit)| actor(role, unit))
}

proptest! {
    /// Whatever anyone tries, the state only moves along legal edges, every accepted event
    /// bumps the version by one, and folding the recorded events gives the same state.
    #[test]
    fn random_command_sequences_keep_the_invariants(steps in proptest::collection::vec((any_actor(), any_command()), 1..40)) {
        let w = World::new();
        let mut m = w.registered();
        let mut log = vec![RecordedEvent { seq: 1, matter_id: m.id, version: 1, at: now(), actor: UserId(7), event: Event::Registered(m.registration.clone()) }];
        for (who, cmd) in steps {
            let before = m.status;
            match decide(&m, &cmd, &w.ctx(who)) {
                Ok(events) => {
                    for e in events {
                        m.apply(&e, now());
                        log.push(RecordedEvent { seq: log.len() as i64 + 1, matter_id: m.id, version: m.version, at: now(), actor: who.user_id, event: e });
                    }
                    let legal = match (before, m.status) {
                        (a, b) if a == b => true,
                        (Status::Registered | Status::Assigned | Status::InProgress, Status::Assigned) => true,
                        (Status::Registered | Status::Assigned, Status::InProgress) => true,
                        (Status::InProgress, Status::Replied) => true,
                        (Status::Replied, Status::Closed) => true,
                        (Status::Replied | Status::Closed, Status::InProgress | Status::Registered) => true,
                        _ => false,
                    };
                    prop_assert!(legal, "{:?} -> {:?} by {:?}", before, m.status, cmd);
                    prop_assert!(who.role != Role::Auditor);
                }
                Err(_) => prop_assert_eq!(before, m.status),
            }
        }
        prop_assert_eq!(m.version, log.len() as i64);
        prop_assert_eq!(Matter::from_events(&log), Some(m));
    }
}
