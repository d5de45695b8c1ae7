use super::*;
use crate::access::{Actor, Role};
use crate::calendar::Calendar;
use crate::category::{Catalogue, defaults};
use crate::clock::ClockName;
use crate::command::{Command, decide, register};
use crate::event::{Outcome, RecordedEvent, Route};
use crate::ids::{UnitId, UserId};
use crate::matter::{Channel, HandlingMode, MatterKind, RegistrationDraft};
use crate::org::{OrgTree, Unit, UnitKind};
use crate::policy::Policies;
use jiff::Timestamp;

const COUNTY: UnitId = UnitId(1);
const TOWN_A: UnitId = UnitId(2);
const TOWN_B: UnitId = UnitId(3);
const VILLAGE_A: UnitId = UnitId(4);
const DEPT: UnitId = UnitId(5);

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
    ])
    .unwrap_or_default()
}

fn now() -> Timestamp {
    Timestamp::from_second(1_780_000_000).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn actor(role: Role, unit: UnitId) -> Actor {
    Actor { user_id: UserId(7), role, unit_id: unit }
}

fn clerk() -> Actor {
    actor(Role::Clerk, TOWN_A)
}

fn handler() -> Actor {
    actor(Role::Handler, DEPT)
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

    /// A wage claim registered in the village, with the log of its registration.
    fn wage_claim(&self, id: i64, log: &mut Vec<RecordedEvent>) -> Matter {
        let draft = RegistrationDraft {
            kind: MatterKind::WageClaim,
            channel: Channel::Visit,
            category: "wage_arrears".into(),
            unit_id: VILLAGE_A.0,
            title: "安置房工地拖欠工资".into(),
            body: "包工头拖欠班组工资三万元。".into(),
            people_involved: Some(5),
            amount_fen: Some(3_000_000),
            parties: vec![],
            attachments: vec![],
            urgency: None,
            project: Some("安置房二期".into()),
        };
        let events = register(&draft, &self.ctx(clerk())).unwrap();
        let Some(Event::Registered(reg)) = events.first() else { panic!("registration first") };
        let mut m = Matter::registered(MatterId(id), reg.clone(), now(), UserId(7));
        record(log, &m, &events[0]);
        for e in &events[1..] {
            m.apply(e, now());
            record(log, &m, e);
        }
        m
    }

    /// Runs a command through `decide`, applying and logging what it records.
    fn run(
        &self,
        m: &mut Matter,
        who: Actor,
        cmd: Command,
        log: &mut Vec<RecordedEvent>,
    ) -> Result<(), DomainError> {
        for e in decide(m, &cmd, &self.ctx(who))? {
            apply(m, &e, log);
        }
        Ok(())
    }

    /// A wage claim assigned to the department and in progress there.
    fn in_progress(&self, id: i64, log: &mut Vec<RecordedEvent>) -> Matter {
        let mut m = self.wage_claim(id, log);
        let assign = Command::Assign {
            mode: HandlingMode::Transfer,
            unit_id: DEPT.0,
            co_unit_ids: vec![],
            report_by: None,
            note: None,
        };
        self.run(&mut m, clerk(), assign, log).unwrap();
        self.run(&mut m, handler(), Command::Start {}, log).unwrap();
        m
    }

    /// Merges `s` into `main` on both sides.
    fn merge(
        &self,
        s: &mut Matter,
        main: &mut Matter,
        who: Actor,
        logs: (&mut Vec<RecordedEvent>, &mut Vec<RecordedEvent>),
    ) {
        let both = merge(s, main, "同一工地同一包工头", &self.ctx(who)).unwrap();
        for e in &both.secondary {
            apply(s, e, logs.0);
        }
        for e in &both.main {
            apply(main, e, logs.1);
        }
    }
}

fn record(log: &mut Vec<RecordedEvent>, m: &Matter, e: &Event) {
    log.push(RecordedEvent {
        seq: log.len() as i64 + 1,
        matter_id: m.id,
        version: m.version,
        at: now(),
        actor: UserId(7),
        event: e.clone(),
    });
}

fn apply(m: &mut Matter, e: &Event, log: &mut Vec<RecordedEvent>) {
    m.apply(e, now());
    record(log, m, e);
}

fn refused(result: Result<impl std::fmt::Debug, DomainError>, field: &str, issue: Issue) {
    match result {
        Err(DomainError::Invalid(errors)) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!((errors[0].field.as_str(), errors[0].issue), (field, issue));
        }
        other => panic!("expected {field} {issue:?}, got {other:?}"),
    }
}

fn merge_into(main: &Matter) -> Command {
    Command::MergeInto { main_id: main.id.0, reason: "同一事项".into() }
}

#[test]
fn a_merged_matter_stops_its_clocks_and_its_main_counts_it() {
    let w = World::new();
    let (mut log_m, mut log_s) = (vec![], vec![]);
    let mut main = w.in_progress(1, &mut log_m);
    let mut s = w.in_progress(2, &mut log_s);
    assert_eq!(s.clocks.keys().copied().collect::<Vec<_>>(), vec![ClockName::Handling]);
    assert_eq!((main.contacts(), main.repeat_contacts()), (1, 0));

    w.merge(&mut s, &mut main, clerk(), (&mut log_s, &mut log_m));
    assert_eq!(s.merged_into, Some(main.id));
    assert!(s.clocks.is_empty(), "a merged matter runs no clock: {:?}", s.clocks);
    assert!(s.timers().is_empty() && s.deadline().is_none());
    assert!(crate::clock::consistent(&s, &w.policies));
    assert_eq!(s.status, Status::InProgress, "its state is kept for when the merge is undone");
    assert_eq!(s.waiting(), None);
    assert_eq!((s.contacts(), s.repeat_contacts()), (1, 0), "its main counts it");
    assert_eq!(main.merged, vec![s.id]);
    assert_eq!((main.contacts(), main.repeat_contacts()), (2, 1));
    assert_eq!(
        main.clocks.keys().copied().collect::<Vec<_>>(),
        vec![ClockName::Handling],
        "the main runs on"
    );
}

#[test]
fn repeat_contacts_count_while_the_matter_is_unresolved() -> Result<(), DomainError> {
    let w = World::new();
    let (mut log_m, mut log_s) = (vec![], vec![]);
    let mut main = w.in_progress(1, &mut log_m);
    let mut s = w.wage_claim(2, &mut log_s);
    let call = || Command::RecordContact { channel: Channel::Phone, note: Some("又打电话来问".into()) };
    w.run(&mut main, clerk(), call(), &mut log_m)?;
    w.run(&mut main, handler(), Command::RecordContact { channel: Channel::Visit, note: None }, &mut log_m)?;
    assert_eq!((main.contacts(), main.repeat_contacts()), (3, 2));
    // A merged matter brings its own repeat contacts along.
    w.run(&mut s, clerk(), call(), &mut log_s)?;
    assert_eq!(s.contacts(), 2);
    w.merge(&mut s, &mut main, clerk(), (&mut log_s, &mut log_m));
    assert_eq!((main.contacts(), main.repeat_contacts()), (5, 4));
    // Resolved, nothing is repeating any more; the contacts stay counted.
    w.run(&mut main, handler(), Command::Reply { text: "已督促支付".into(), outcome: None }, &mut log_m)?;
    assert_eq!(main.repeat_contacts(), 4, "answered is not yet resolved");
    w.run(&mut main, clerk(), Command::Close { note: None }, &mut log_m)?;
    assert_eq!((main.contacts(), main.repeat_contacts()), (5, 0));
    // The note is checked; an auditor records nothing; another township's clerk may not.
    let long = Command::RecordContact { channel: Channel::Letter, note: Some("长".repeat(NOTE_MAX + 1)) };
    refused(decide(&main, &long, &w.ctx(clerk())), "note", Issue::TooLong { max: NOTE_MAX });
    let by = |who| decide(&main, &call(), &w.ctx(who));
    assert_eq!(by(actor(Role::Auditor, COUNTY)), Err(DomainError::Forbidden(Denial::Role)));
    assert_eq!(by(actor(Role::Clerk, TOWN_B)), Err(DomainError::Forbidden(Denial::OutOfScope)));
    Ok(())
}

#[test]
fn undoing_a_merge_restarts_the_clocks_and_the_main_gives_the_contacts_back() -> Result<(), DomainError> {
    let w = World::new();
    let (mut log_m, mut log_s) = (vec![], vec![]);
    let mut main = w.in_progress(1, &mut log_m);
    let mut s = w.in_progress(2, &mut log_s);
    w.merge(&mut s, &mut main, clerk(), (&mut log_s, &mut log_m));
    w.run(&mut s, clerk(), Command::Unmerge { reason: "并错了，不是同一工地".into() }, &mut log_s)?;
    assert_eq!(s.merged_into, None);
    assert_eq!(s.status, Status::InProgress);
    assert_eq!(s.clocks.keys().copied().collect::<Vec<_>>(), vec![ClockName::Handling]);
    assert!(crate::clock::consistent(&s, &w.policies));
    assert!(s.deadline().is_some_and(|d| d > now()));
    // The main learns it from the merged matter's record, once.
    let back = main_side(&main, &s);
    assert_eq!(back, vec![Event::MergeWithdrawn { from: s.id }]);
    for e in &back {
        apply(&mut main, e, &mut log_m);
    }
    assert_eq!((main.merged.len(), main.contacts(), main.repeat_contacts()), (0, 1, 0));
    assert!(main_side(&main, &s).is_empty());
    // A registered matter merged and unmerged gets its intake clock again.
    let mut fresh = w.wage_claim(3, &mut vec![]);
    let mut log = vec![];
    w.merge(&mut fresh, &mut main, clerk(), (&mut log, &mut log_m));
    assert!(fresh.clocks.is_empty());
    w.run(&mut fresh, clerk(), Command::Unmerge { reason: "撤销".into() }, &mut log)?;
    assert_eq!(fresh.clocks.keys().copied().collect::<Vec<_>>(), vec![ClockName::Intake]);
    Ok(())
}

#[test]
fn every_refusal_is_named() -> Result<(), DomainError> {
    let w = World::new();
    let (mut log_m, mut log_s, mut log_t) = (vec![], vec![], vec![]);
    let mut main = w.in_progress(1, &mut log_m);
    let mut s = w.in_progress(2, &mut log_s);
    let mut third = w.in_progress(3, &mut log_t);
    let ctx = w.ctx(clerk());
    // Not into itself, on either side.
    refused(decide(&s, &merge_into(&s), &ctx), "main_id", Issue::MergeIntoItself);
    refused(receive(&s, &s, &ctx), "main_id", Issue::MergeIntoItself);
    // Undo only what is merged.
    refused(decide(&s, &Command::Unmerge { reason: "x".into() }, &ctx), "merged_into", Issue::NotMerged);
    // The reason is needed.
    refused(merge(&s, &main, " ", &ctx), "reason", Issue::Required);

    w.merge(&mut s, &mut main, clerk(), (&mut log_s, &mut log_m));
    // Not twice.
    refused(decide(&s, &merge_into(&third), &ctx), "main_id", Issue::AlreadyMerged);
    // A main with merged matters is not merged itself; nor is anything merged into a merged one.
    refused(merge(&main, &third, "x", &ctx), "main_id", Issue::IsAMain);
    refused(merge(&third, &s, "x", &ctx), "main_id", Issue::MainIsMerged);
    // A merged matter is handled on its main; it takes comments, notes and the undo only.
    for cmd in [
        Command::Reply { text: "x".into(), outcome: None },
        Command::Escalate { reason: "x".into() },
        Command::RecordContact { channel: Channel::Phone, note: None },
        Command::RecordRecovery { amount_fen: 100, workers: 1, note: None },
    ] {
        refused(decide(&s, &cmd, &w.ctx(handler())), "merged_into", Issue::MergedAway);
    }
    assert!(decide(&s, &Command::Comment { text: "已告知并件".into() }, &w.ctx(handler())).is_ok());
    assert!(decide(&s, &Command::Note { text: "内部".into() }, &w.ctx(handler())).is_ok());
    assert!(decide(&s, &Command::Unmerge { reason: "x".into() }, &ctx).is_ok());

    // Not into a closed main.
    w.run(&mut third, handler(), Command::Reply { text: "已答复".into(), outcome: None }, &mut log_t)?;
    let mut fourth = w.in_progress(4, &mut vec![]);
    w.run(&mut third, clerk(), Command::Close { note: None }, &mut log_t)?;
    refused(merge(&fourth, &third, "x", &ctx), "main_id", Issue::MainClosed);
    // An answered matter is not merged: it has had its own answer.
    w.run(&mut fourth, handler(), Command::Reply { text: "已答复".into(), outcome: None }, &mut vec![])?;
    assert_eq!(
        decide(&fourth, &merge_into(&main), &ctx),
        Err(DomainError::IllegalTransition { command: "merge_into", status: Status::Replied })
    );
    // Who may: not an auditor, not a grid worker, not another township's clerk.
    let fifth = w.in_progress(5, &mut vec![]);
    let by = |who| decide(&fifth, &merge_into(&main), &w.ctx(who));
    assert_eq!(by(actor(Role::Auditor, COUNTY)), Err(DomainError::Forbidden(Denial::Role)));
    assert_eq!(by(actor(Role::GridWorker, VILLAGE_A)), Err(DomainError::Forbidden(Denial::Role)));
    assert_eq!(by(actor(Role::Clerk, TOWN_B)), Err(DomainError::Forbidden(Denial::OutOfScope)));
    // …who may not merge into a main outside their scope either.
    let theirs = w.in_progress(6, &mut vec![]);
    assert_eq!(
        receive(&theirs, &fifth, &w.ctx(actor(Role::Clerk, TOWN_B))),
        Err(DomainError::Forbidden(Denial::OutOfScope))
    );
    Ok(())
}

#[test]
fn the_main_answer_and_closing_reach_each_merged_matter_once() -> Result<(), DomainError> {
    let w = World::new();
    let (mut log_m, mut log_s) = (vec![], vec![]);
    let mut main = w.in_progress(1, &mut log_m);
    let mut s = w.in_progress(2, &mut log_s);
    w.merge(&mut s, &mut main, clerk(), (&mut log_s, &mut log_m));
    let ctx = w.ctx(handler());
    assert!(follow_main(&s, &main, &ctx).is_empty(), "nothing to pass on before the answer");
    let text = "经协调，施工单位已于本月支付全部欠薪。";
    w.run(
        &mut main,
        handler(),
        Command::Reply { text: text.into(), outcome: Some(Outcome::Support) },
        &mut log_m,
    )?;
    let passed = follow_main(&s, &main, &ctx);
    assert_eq!(passed, vec![Event::Replied { text: text.into(), outcome: Some(Outcome::Support) }]);
    for e in &passed {
        apply(&mut s, e, &mut log_s);
    }
    assert_eq!(
        (s.status, s.reply.as_deref(), s.outcome),
        (Status::Replied, Some(text), Some(Outcome::Support))
    );
    assert!(s.clocks.is_empty(), "still merged: no follow-up clock of its own");
    assert!(follow_main(&s, &main, &ctx).is_empty(), "idempotent");
    // The main's closing follows too; a second run finds nothing more.
    w.run(&mut main, clerk(), Command::Close { note: None }, &mut log_m)?;
    let closed = follow_main(&s, &main, &ctx);
    assert_eq!(closed, vec![Event::Closed { note: None }]);
    for e in &closed {
        apply(&mut s, e, &mut log_s);
    }
    assert_eq!(s.status, Status::Closed);
    assert!(follow_main(&s, &main, &ctx).is_empty());
    // Missed both (a failed write): one run brings both, in order.
    let mut late = w.in_progress(3, &mut vec![]);
    for e in decide(&late, &merge_into(&main), &w.ctx(clerk()))? {
        late.apply(&e, now());
    }
    assert_eq!(
        follow_main(&late, &main, &ctx),
        vec![
            Event::Replied { text: text.into(), outcome: Some(Outcome::Support) },
            Event::Closed { note: None }
        ]
    );
    // A matter not merged into this main gets nothing from it.
    let other = w.in_progress(4, &mut vec![]);
    assert!(follow_main(&other, &main, &ctx).is_empty());
    Ok(())
}

#[test]
fn a_main_declined_to_another_channel_does_not_close_its_merged_matters() -> Result<(), DomainError> {
    let w = World::new();
    let (mut log_m, mut log_s) = (vec![], vec![]);
    let mut main = w.wage_claim(1, &mut log_m);
    let mut s = w.wage_claim(2, &mut log_s);
    w.merge(&mut s, &mut main, clerk(), (&mut log_s, &mut log_m));
    let decline = Command::Decline { route: Route::Arbitration, reason: "属劳动仲裁".into() };
    w.run(&mut main, clerk(), decline, &mut log_m)?;
    assert!(follow_main(&s, &main, &w.ctx(clerk())).is_empty());
    Ok(())
}

#[test]
fn main_side_heals_a_missing_arrival_once() {
    let w = World::new();
    let (mut log_m, mut log_s) = (vec![], vec![]);
    let mut main = w.in_progress(1, &mut log_m);
    let mut s = w.in_progress(2, &mut log_s);
    // Only the merged matter's side was written.
    for e in decide(&s, &merge_into(&main), &w.ctx(clerk())).unwrap() {
        apply(&mut s, &e, &mut log_s);
    }
    let heal = main_side(&main, &s);
    assert_eq!(heal, vec![Event::MergeReceived { from: s.id, contacts: 1 }]);
    for e in &heal {
        apply(&mut main, e, &mut log_m);
    }
    assert!(main_side(&main, &s).is_empty());
    assert!(receive(&main, &s, &w.ctx(clerk())).unwrap().is_empty(), "receiving twice records nothing");
    // Applying an arrival twice (a replayed write) still counts it once.
    let mut twice = main.clone();
    twice.apply(&Event::MergeReceived { from: s.id, contacts: 1 }, now());
    assert_eq!((twice.merged.len(), twice.contacts()), (1, 2));
}

#[test]
fn the_log_folds_back_into_the_same_matters() {
    let w = World::new();
    let (mut log_m, mut log_s) = (vec![], vec![]);
    let mut main = w.in_progress(1, &mut log_m);
    let mut s = w.in_progress(2, &mut log_s);
    w.run(&mut s, clerk(), Command::RecordContact { channel: Channel::Letter, note: None }, &mut log_s)
        .unwrap();
    w.merge(&mut s, &mut main, clerk(), (&mut log_s, &mut log_m));
    w.run(&mut main, clerk(), Command::RecordContact { channel: Channel::Phone, note: None }, &mut log_m)
        .unwrap();
    // Through JSON, as the store keeps it.
    let stored = |log: &[RecordedEvent]| -> Vec<RecordedEvent> {
        serde_json::from_str(&serde_json::to_string(log).unwrap()).unwrap()
    };
    assert_eq!(Matter::from_events(&stored(&log_m)), Some(main.clone()));
    assert_eq!(Matter::from_events(&stored(&log_s)), Some(s.clone()));
    assert_eq!(main.contacts(), 4);
    w.run(&mut s, clerk(), Command::Unmerge { reason: "撤销".into() }, &mut log_s).unwrap();
    for e in main_side(&main, &s) {
        apply(&mut main, &e, &mut log_m);
    }
    assert_eq!(Matter::from_events(&stored(&log_m)), Some(main.clone()));
    assert_eq!(Matter::from_events(&stored(&log_s)), Some(s.clone()));
    assert_eq!((main.contacts(), s.contacts(), s.repeat_contacts()), (2, 2, 1));
}

#[test]
fn commands_and_events_have_stable_json() {
    let cmd: Command =
        serde_json::from_str(r#"{"type":"merge_into","main_id":12,"reason":"同一工地"}"#).unwrap();
    assert_eq!(cmd, Command::MergeInto { main_id: 12, reason: "同一工地".into() });
    let cmd: Command = serde_json::from_str(r#"{"type":"record_contact","channel":"phone"}"#).unwrap();
    assert_eq!(cmd, Command::RecordContact { channel: Channel::Phone, note: None });
    assert!(cmd.is_merge());
    let e = Event::MergeReceived { from: MatterId(3), contacts: 2 };
    assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"type":"merge_received","from":3,"contacts":2}"#);
    assert_eq!(e.type_name(), "merge_received");
    for (e, name) in [
        (Event::MergedInto { main: MatterId(1), reason: "x".into() }, "merged_into"),
        (Event::Unmerged { main: MatterId(1), reason: "x".into() }, "unmerged"),
        (Event::MergeWithdrawn { from: MatterId(1) }, "merge_withdrawn"),
        (Event::ContactRecorded { channel: Channel::Visit, note: None }, "contact_recorded"),
    ] {
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!((json["type"].as_str(), e.type_name()), (Some(name), name));
    }
}
