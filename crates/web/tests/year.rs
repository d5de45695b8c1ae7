//! A simulated year: a clock driven through 365 days in two-hour ticks, thousands of matters of
//! every kind registered and worked as people would, the application restarted every two
//! months, and on PostgreSQL two scheduler nodes ticking at once. At the end every timer that
//! came due has fired exactly once, while live, and no later than one tick after it was due.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::{SignedDuration, Timestamp};
use minsheng_domain::clock::TimerKind;
use minsheng_domain::command::Command;
use minsheng_domain::event::{Outcome, Satisfaction};
use minsheng_domain::matter::RegistrationDraft;
use minsheng_domain::{Channel, Event, HandlingMode, Matter, MatterId, MatterKind, Role, UnitId, UnitKind};
use minsheng_store::{NewUnit, NewUser, Scope, Store};
use minsheng_testkit::{Engine, TestDb};
use minsheng_web::api::matters::{execute, register};
use minsheng_web::auth::Caller;
use minsheng_web::clock::{Clock, ManualClock};
use minsheng_web::problem::ApiError;
use minsheng_web::scheduler;
use minsheng_web::{AppState, Settings};
use std::collections::HashMap;
use std::sync::Arc;

const TICK: SignedDuration = SignedDuration::from_hours(2);
const TICKS: i64 = 365 * 12;
/// A matter is registered every this many ticks (about 2,200 in the year).
const EVERY: i64 = 2;
const RESTART_EVERY: i64 = 60 * 12;

struct Node {
    state: AppState,
    store: Arc<dyn Store>,
}

async fn node(url: &str, clock: &Arc<ManualClock>) -> Node {
    let store = minsheng_store::open(url).await.unwrap();
    let state = AppState::load(Arc::clone(&store), clock.clone(), Settings::default()).await.unwrap();
    Node { state, store }
}

/// The people of the simulation, as callers.
struct Cast {
    clerk: Caller,
    handler: Caller,
    village: Caller,
    leader: Caller,
    dept: UnitId,
    village_unit: UnitId,
}

async fn seed(n: &Node) -> Cast {
    let state = &n.state;
    minsheng_web::bootstrap(state, "诸暨市", Some("admin".into()), Some("password-123".into()))
        .await
        .unwrap();
    let county = state.org().iter().next().unwrap().id;
    let add = async |parent: UnitId, kind, name: &str| {
        let parent_path = state.org().path(parent).unwrap();
        let u = n
            .store
            .create_unit(NewUnit {
                parent_id: Some(parent),
                kind,
                name: name.into(),
                code: None,
                parent_path,
            })
            .await
            .unwrap();
        state.reload().await.unwrap();
        u.id
    };
    let town = add(county, UnitKind::Township, "枫桥镇").await;
    let village = add(town, UnitKind::Village, "枫源村").await;
    let dept = add(county, UnitKind::Department, "市住房和城乡建设局").await;
    let person = async |name: &str, role, unit| {
        let user = n
            .store
            .create_user(NewUser {
                username: name.into(),
                display_name: name.into(),
                role,
                unit_id: unit,
                password_hash: "x".into(),
                created_at: Timestamp::UNIX_EPOCH,
            })
            .await
            .unwrap();
        Caller::of(user, &state.org(), [0; 32]).unwrap()
    };
    Cast {
        clerk: person("clerk", Role::Clerk, county).await,
        handler: person("handler", Role::Handler, dept).await,
        village: person("village", Role::Handler, village).await,
        leader: person("leader", Role::Leader, county).await,
        dept,
        village_unit: village,
    }
}

/// What people do to matter `i`, `after` ticks from its registration.
fn plan(i: u64, kind: MatterKind, cast: &Cast) -> Vec<(i64, Who, Command)> {
    let transfer = |unit: UnitId| Command::Assign {
        mode: HandlingMode::Transfer,
        unit_id: unit.0,
        co_unit_ids: vec![],
        report_by: None,
        note: None,
    };
    let reply = |outcome| Command::Reply { text: "已办理，答复如下。".into(), outcome };
    let late = (i % 7) as i64 * 40; // some are slow enough to go overdue
    match kind {
        MatterKind::Request => {
            let mut p = vec![
                (1, Who::Clerk, transfer(cast.dept)),
                (3, Who::Handler, Command::Start {}),
                (10 + late, Who::Handler, reply(None)),
            ];
            if i.is_multiple_of(3) {
                p.push((
                    14 + late,
                    Who::Clerk,
                    Command::FollowUp { satisfaction: Satisfaction::Satisfied, note: None },
                ));
                p.push((15 + late, Who::Clerk, Command::Close { note: None }));
            }
            p
        }
        MatterKind::Petition => {
            let mut p = vec![(2, Who::Clerk, transfer(cast.dept)), (20, Who::Handler, Command::Start {})];
            if !i.is_multiple_of(4) {
                p.push((100 + late, Who::Handler, reply(Some(Outcome::Explain))));
            }
            if i % 8 == 1 {
                p.push((
                    150 + late,
                    Who::Clerk,
                    Command::RequestReview { reason: "不服".into(), unit_id: None },
                ));
                p.push((
                    200 + late,
                    Who::Leader,
                    Command::DecideReview { outcome: Outcome::Explain, text: "维持".into() },
                ));
            }
            p
        }
        MatterKind::GridEvent => vec![
            (1, Who::Clerk, Command::Open {}),
            (2, Who::Clerk, transfer(cast.village_unit)),
            (4, Who::Village, Command::Start {}),
            (20 + late * 2, Who::Village, reply(None)),
        ],
        MatterKind::WageClaim | MatterKind::Dispute => {
            vec![(2, Who::Clerk, transfer(cast.dept)), (6, Who::Handler, Command::Start {})]
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Who {
    Clerk,
    Handler,
    Village,
    Leader,
}

impl Cast {
    fn caller(&self, who: Who) -> &Caller {
        match who {
            Who::Clerk => &self.clerk,
            Who::Handler => &self.handler,
            Who::Village => &self.village,
            Who::Leader => &self.leader,
        }
    }
}

async fn fold(store: &dyn Store, id: MatterId) -> Matter {
    Matter::from_events(&store.events(&Scope::all(), id).await.unwrap().unwrap()).unwrap()
}

/// Ticks every node until nothing is due; with two nodes they tick at once and race. Returns
/// how many firings lost a race to the other node.
async fn drain(nodes: &[Node]) -> usize {
    let mut raced = 0;
    for _ in 0..50 {
        let running: Vec<_> = nodes
            .iter()
            .map(|n| {
                let state = n.state.clone();
                tokio::spawn(async move { scheduler::tick(&state, 500).await })
            })
            .collect();
        let mut idle = true;
        for r in running {
            let t = r.await.unwrap().unwrap();
            idle &= t.due == 0;
            raced += t.raced;
        }
        if idle {
            return raced;
        }
    }
    panic!("timers kept coming due within one instant");
}

async fn simulate(engine: Engine, nodes_per_run: usize) {
    let db = TestDb::new(engine).await;
    let start: Timestamp = "2026-01-01T00:00:00+08:00".parse().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let mut nodes = vec![];
    for _ in 0..nodes_per_run {
        nodes.push(node(&db.url, &clock).await);
    }
    let cast = seed(&nodes[0]).await;
    for n in &nodes[1..] {
        n.state.reload().await.unwrap();
    }
    let kinds = [
        MatterKind::Request,
        MatterKind::Request,
        MatterKind::Petition,
        MatterKind::GridEvent,
        MatterKind::Request,
        MatterKind::WageClaim,
        MatterKind::GridEvent,
        MatterKind::Dispute,
        MatterKind::Petition,
    ];
    let mut ids = vec![];
    // (tick, matter index, who, command)
    let mut agenda: Vec<(i64, usize, Who, Command)> = vec![];
    let mut refused = 0usize;
    let mut raced = 0usize;
    for step in 0..=TICKS {
        let now = start + TICK * step as i32;
        clock.set(now);
        if step > 0 && step % RESTART_EVERY == 0 {
            for n in nodes.drain(..) {
                n.store.close().await;
            }
            for _ in 0..nodes_per_run {
                nodes.push(node(&db.url, &clock).await);
            }
        }
        raced += drain(&nodes).await;
        let app = &nodes[step as usize % nodes.len()].state;
        if step % EVERY == 0 && step < TICKS - 24 {
            let i = ids.len() as u64;
            let kind = kinds[i as usize % kinds.len()];
            let draft = RegistrationDraft {
                kind,
                channel: Channel::Phone,
                category: if i.is_multiple_of(5) { "consultation".into() } else { "environment".into() },
                unit_id: cast.village_unit.0,
                title: format!("模拟事项 {i}"),
                body: "村口石料厂粉尘污染，请求查处。".into(),
                people_involved: Some(1),
                amount_fen: None,
                parties: vec![],
                attachments: vec![],
                urgency: None,
                project: None,
            };
            let (done, _) = register(app, &cast.clerk, &draft, None).await.unwrap();
            for (after, who, command) in plan(i, kind, &cast) {
                agenda.push((step + after, ids.len(), who, command));
            }
            ids.push(done.matter_id);
        }
        let (now_due, later): (Vec<_>, Vec<_>) = agenda.drain(..).partition(|(at, ..)| *at <= step);
        agenda = later;
        for (_, i, who, command) in now_due {
            let version = fold(nodes[0].store.as_ref(), ids[i]).await.version;
            match execute(app, cast.caller(who), ids[i], version, &command).await {
                Ok(_) => {}
                // A step the clocks overtook (an escalated grid event is no longer the
                // village's; an expired window left nothing to review) is refused, as it
                // would be for a person.
                Err(ApiError::Forbidden(_) | ApiError::IllegalTransition { .. }) => refused += 1,
                Err(e) => panic!("{command:?} on matter {i}: {e:?}"),
            }
        }
    }
    let end = clock.now();
    let store = nodes[0].store.as_ref();
    assert!(store.due_timers(end, 10).await.unwrap().is_empty(), "every timer that came due fired");

    // Replay every matter: each firing found its timer live in the state before it, fired no
    // earlier than due and at most one tick late; a fired timer is gone, so none fires twice.
    let mut fired: HashMap<TimerKind, usize> = HashMap::new();
    let mut escalations = 0;
    for id in &ids {
        let events = store.events(&Scope::all(), *id).await.unwrap().unwrap();
        let mut m = Matter::registered(
            *id,
            match &events[0].event {
                Event::Registered(r) => r.clone(),
                other => panic!("first event {other:?}"),
            },
            events[0].at,
            events[0].actor,
        );
        for e in &events[1..] {
            let wanted = match &e.event {
                Event::Reminded { clock, due } => Some((*clock, TimerKind::Remind, Some(*due))),
                Event::WentOverdue { clock, due } => Some((*clock, TimerKind::Overdue, Some(*due))),
                Event::Finalised { .. } if e.actor.0 == 0 => {
                    Some((minsheng_domain::clock::ClockName::ReviewWindow, TimerKind::Expire, None))
                }
                Event::Escalated { .. } => {
                    escalations += 1;
                    None
                }
                _ => None,
            };
            if let Some((clock, kind, due)) = wanted {
                assert_eq!(e.actor.0, 0, "timers fire as the system");
                let timer = m
                    .timers()
                    .into_iter()
                    .find(|t| t.clock == clock && t.kind == kind && due.is_none_or(|d| d == t.due))
                    .unwrap_or_else(|| {
                        panic!("matter {id}: {kind:?} of {clock:?} fired with no live timer (twice?)")
                    });
                let late = e.at.duration_since(timer.fire_at);
                assert!(late >= SignedDuration::ZERO, "matter {id}: {kind:?} fired {late:?} early");
                assert!(late <= TICK, "matter {id}: {kind:?} fired {late:?} late");
                *fired.entry(kind).or_default() += 1;
            }
            m.apply(&e.event, e.at);
        }
    }
    let count = |k| fired.get(&k).copied().unwrap_or(0);
    eprintln!(
        "{engine:?} × {nodes_per_run}: {} matters, {} reminders, {} overdue, {} windows closed, {escalations} escalations, {refused} steps refused, {raced} firings lost a race",
        ids.len(),
        count(TimerKind::Remind),
        count(TimerKind::Overdue),
        count(TimerKind::Expire)
    );
    assert!(ids.len() > 2_000);
    assert!(count(TimerKind::Remind) > 1_000 && count(TimerKind::Overdue) > 300, "{fired:?}");
    assert!(count(TimerKind::Expire) > 50 && escalations > 10, "{fired:?}, {escalations}");
    if nodes_per_run > 1 {
        assert!(raced > 0, "the two schedulers never met on a timer; the race went untested");
    }
    for n in nodes {
        n.store.close().await;
    }
    db.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_on_sqlite_with_restarts() {
    simulate(Engine::Sqlite, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_on_postgres_with_two_schedulers_and_restarts() {
    simulate(Engine::Postgres, 2).await;
}
