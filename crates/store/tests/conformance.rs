//! One conformance suite for both engines: every test runs against SQLite and PostgreSQL.
//! PostgreSQL comes from MINSHENG_TEST_DATABASE_URL (default: the local server as `postgres`);
//! if it cannot be reached the PostgreSQL half fails, it never skips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::{SignedDuration, Timestamp};
use minsheng_domain::calendar::{DayKind, Notice, NoticeDay};
use minsheng_domain::chain::Digest;
use minsheng_domain::clock::{ClockName, TimerKind};
use minsheng_domain::matter::Registration;
use minsheng_domain::matter::WaitingFor;
use minsheng_domain::{CategoryCode, Channel, Event, HandlingMode, Matter, MatterId, MatterKind, Role};
use minsheng_domain::{OrgTree, Status, Unit, UnitId, UnitKind, UserId};
use minsheng_store::*;
use minsheng_testkit::{Engine, TestDb, on_both_engines};
use std::sync::Arc;

struct Fixture {
    store: Arc<dyn Store>,
    db: TestDb,
}

impl Fixture {
    async fn start(engine: Engine) -> Self {
        let db = TestDb::new(engine).await;
        let store = minsheng_store::open(&db.url).await.unwrap();
        Self { store, db }
    }

    async fn done(self) {
        self.store.close().await;
        drop(self.store);
        self.db.remove().await;
    }

    async fn tamper(&self, seq: i64) {
        let disable = match self.db.engine {
            Engine::Sqlite => "DROP TRIGGER events_no_update;",
            Engine::Postgres => "ALTER TABLE events DISABLE TRIGGER events_append_only;",
        };
        self.db
            .raw_sql(&format!(
                "{disable} UPDATE events SET payload = replace(payload, '粉尘', '灰尘') WHERE seq = {seq};"
            ))
            .await
            .unwrap();
    }
}

/// County 1 → townships A, B → a village in A; a department under the county.
struct Tree {
    org: OrgTree,
    county: UnitId,
    town_a: UnitId,
    town_b: UnitId,
    village_a: UnitId,
    dept: UnitId,
}

async fn tree(store: &dyn Store) -> Tree {
    let mut made: Vec<Unit> = vec![];
    let add = async |parent: Option<&Unit>, kind, name: &str, made: &mut Vec<Unit>| {
        let parent_path = match parent {
            None => "/".to_owned(),
            Some(p) => OrgTree::new(made.clone()).unwrap().path(p.id).unwrap(),
        };
        let unit = store
            .create_unit(NewUnit {
                parent_id: parent.map(|p| p.id),
                kind,
                name: name.into(),
                code: None,
                parent_path,
            })
            .await
            .unwrap();
        made.push(unit.clone());
        unit
    };
    let county = add(None, UnitKind::County, "诸暨市", &mut made).await;
    let a = add(Some(&county), UnitKind::Township, "枫桥镇", &mut made).await;
    let b = add(Some(&county), UnitKind::Township, "店口镇", &mut made).await;
    let v = add(Some(&a), UnitKind::Village, "枫源村", &mut made).await;
    let d = add(Some(&county), UnitKind::Department, "住建局", &mut made).await;
    let org = OrgTree::new(store.units().await.unwrap()).unwrap();
    Tree { org, county: county.id, town_a: a.id, town_b: b.id, village_a: v.id, dept: d.id }
}

fn t0() -> Timestamp {
    Timestamp::from_second(1_790_000_000).unwrap()
}

fn registration(unit: UnitId, kind: MatterKind, title: &str) -> Registration {
    Registration {
        kind,
        channel: Channel::Visit,
        category: CategoryCode("environment".into()),
        unit_id: unit,
        title: title.into(),
        body: "村口石料厂粉尘污染严重，请求查处。".into(),
        parties: vec![],
        people_involved: 3,
        amount_fen: None,
        attachments: vec![],
        urgency: Default::default(),
        project: None,
    }
}

fn new_append(t: &Tree, unit: UnitId, kind: MatterKind, at: Timestamp, key: Option<(&str, u8)>) -> Append {
    let reg = registration(unit, kind, "反映石料厂粉尘污染");
    let matter = Matter::registered(MatterId(0), reg.clone(), at, UserId(1));
    let idempotency =
        key.map(|(k, f)| IdempotencyKey { user: UserId(1), key: k.into(), fingerprint: [f; 32] });
    Append::new_matter(&matter, &[Event::Registered(reg)], &t.org, idempotency).unwrap().by(UserId(1))
}

async fn load(store: &dyn Store, id: MatterId) -> Matter {
    Matter::from_events(&store.events(&Scope::all(), id).await.unwrap().unwrap()).unwrap()
}

/// Applies `event` to the stored matter and appends it, expecting `version`.
async fn act(
    store: &dyn Store,
    t: &Tree,
    id: MatterId,
    event: Event,
    expected: Option<i64>,
) -> Result<Appended, AppendError> {
    let mut m = load(store, id).await;
    let at = m.updated_at + SignedDuration::from_mins(5);
    m.apply(&event, at);
    let mut append = Append::existing(&m, &[event], &t.org, expected).unwrap().by(UserId(2));
    append.at = at;
    store.append(append).await
}

fn transfer(to: UnitId) -> Event {
    Event::Assigned {
        mode: HandlingMode::Transfer,
        lead: to,
        co_units: vec![],
        report_by: None,
        note: None,
        by: None,
    }
}

async fn append_read_and_project(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    let made = s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), None)).await.unwrap();
    assert_eq!((made.version, made.replayed), (1, false));
    let events = s.events(&Scope::all(), made.matter_id).await.unwrap().unwrap();
    assert_eq!(events.len(), 1);
    assert!(matches!(&events[0].event, Event::Registered(r) if r.title == "反映石料厂粉尘污染"));
    assert_eq!(events[0].at, t0());

    let v2 = act(s, &t, made.matter_id, transfer(t.dept), Some(1)).await.unwrap();
    assert_eq!(v2.version, 2);
    let page =
        s.list(&Scope::all(), &MatterFilter::default(), Page { before: None, limit: 10 }).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let row = &page.items[0];
    assert_eq!((row.status, row.lead_unit_id, row.version), (Status::Assigned, Some(t.dept), 2));
    assert_eq!(row.title, "反映石料厂粉尘污染");
    assert_eq!(s.count_matters().await.unwrap(), 1);
}

/// A follower of the log (the search index) reads what it has not applied, in order, in pages.
async fn the_log_is_read_in_order_after_a_checkpoint(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    assert!(s.log_after(0, 10).await.unwrap().is_empty());
    assert_eq!(s.log_head().await.unwrap(), 0);
    let a = s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), None)).await.unwrap().matter_id;
    let b = s.append(new_append(&t, t.town_b, MatterKind::Dispute, t0(), None)).await.unwrap().matter_id;
    act(s, &t, a, transfer(t.dept), Some(1)).await.unwrap();
    let all = s.log_after(0, 100).await.unwrap();
    let matters: Vec<MatterId> = all.iter().map(|(_, m)| *m).collect();
    assert_eq!(matters, [a, b, a]);
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0), "in order: {all:?}");
    assert_eq!(s.log_after(all[0].0, 1).await.unwrap(), vec![all[1]], "a page after a checkpoint");
    assert!(s.log_after(all[2].0, 10).await.unwrap().is_empty(), "nothing after the head");
    assert_eq!(s.log_head().await.unwrap(), all[2].0, "the head is the last event");

    // A search's hits come back as list rows, still confined to the scope.
    let hits = MatterFilter { ids: Some(vec![b, a, MatterId(999_999)]), ..MatterFilter::default() };
    let page = s.list(&Scope::all(), &hits, Page { before: None, limit: 10 }).await.unwrap();
    assert_eq!(
        page.items.iter().map(|m| m.id).collect::<Vec<_>>(),
        [b, a],
        "newest first, unknown ids ignored"
    );
    let town_b = Scope::subtree(t.org.path(t.town_b).unwrap());
    let page = s.list(&town_b, &hits, Page { before: None, limit: 10 }).await.unwrap();
    assert_eq!(page.items.iter().map(|m| m.id).collect::<Vec<_>>(), [b], "the scope still decides");
    let none = MatterFilter { ids: Some(vec![]), ..MatterFilter::default() };
    assert!(s.list(&Scope::all(), &none, Page { before: None, limit: 10 }).await.unwrap().items.is_empty());
}

async fn stale_versions_conflict(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    let id = s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), None)).await.unwrap().matter_id;
    act(s, &t, id, transfer(t.dept), Some(1)).await.unwrap();
    let stale = act(s, &t, id, Event::Started { direct_unit: None }, Some(1)).await;
    assert_eq!(stale, Err(AppendError::Conflict { current: 2 }));
    assert_eq!(load(s, id).await.version, 2, "a refused write changes nothing");
    let missing = act(s, &t, id, Event::Commented { text: "x".into() }, None).await.map(|a| a.version);
    assert_eq!(missing, Ok(3));
    let unknown =
        Append::annotation(MatterId(9_999_999), UserId(1), t0(), &Event::Commented { text: "x".into() })
            .unwrap();
    assert_eq!(s.append(unknown).await, Err(AppendError::NotFound));
}

async fn idempotent_intake(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    let first =
        s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), Some(("k-1", 7)))).await.unwrap();
    let again =
        s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), Some(("k-1", 7)))).await.unwrap();
    assert_eq!((again.matter_id, again.replayed), (first.matter_id, true));
    let reused = s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), Some(("k-1", 8)))).await;
    assert_eq!(reused, Err(AppendError::KeyReused));
    // The same key twice inside one group commit still makes one matter.
    let both = s
        .append_many(vec![
            new_append(&t, t.village_a, MatterKind::Request, t0(), Some(("k-2", 1))),
            new_append(&t, t.village_a, MatterKind::Request, t0(), Some(("k-2", 1))),
        ])
        .await;
    let ids: Vec<_> = both.into_iter().map(|r| r.unwrap().matter_id).collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(s.count_matters().await.unwrap(), 2);
}

async fn scope_confines_reads(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    let in_a =
        s.append(new_append(&t, t.village_a, MatterKind::Dispute, t0(), None)).await.unwrap().matter_id;
    let in_b = s.append(new_append(&t, t.town_b, MatterKind::Dispute, t0(), None)).await.unwrap().matter_id;
    let scope = |u: UnitId| Scope::subtree(t.org.path(u).unwrap());
    let all = MatterFilter::default();
    let page = Page { before: None, limit: 50 };
    let ids = |p: ListPage| p.items.into_iter().map(|m| m.id).collect::<Vec<_>>();

    assert_eq!(ids(s.list(&scope(t.town_a), &all, page).await.unwrap()), vec![in_a]);
    assert_eq!(ids(s.list(&scope(t.town_b), &all, page).await.unwrap()), vec![in_b]);
    assert_eq!(ids(s.list(&scope(t.county), &all, page).await.unwrap()), vec![in_b, in_a]);
    assert!(s.events(&scope(t.town_b), in_a).await.unwrap().is_none());
    assert!(s.events(&scope(t.village_a), in_a).await.unwrap().is_some());
    assert!(s.list(&scope(t.dept), &all, page).await.unwrap().items.is_empty());

    // Transferring to the department lets it see the matter; the township keeps it too.
    act(s, &t, in_a, transfer(t.dept), Some(1)).await.unwrap();
    assert_eq!(ids(s.list(&scope(t.dept), &all, page).await.unwrap()), vec![in_a]);
    assert!(s.events(&scope(t.dept), in_a).await.unwrap().is_some());
    assert!(s.events(&scope(t.town_b), in_a).await.unwrap().is_none());

    // A place or lead-unit filter inside the scope skips the access check and finds the same;
    // one outside the scope still finds nothing the scope does not see.
    let place = |u: UnitId| MatterFilter { unit_path: t.org.path(u), ..MatterFilter::default() };
    assert_eq!(ids(s.list(&scope(t.town_a), &place(t.village_a), page).await.unwrap()), vec![in_a]);
    assert!(s.list(&scope(t.town_a), &place(t.town_b), page).await.unwrap().items.is_empty());
    assert!(
        s.list(&scope(t.town_b), &place(t.county), page).await.unwrap().items.iter().all(|m| m.id == in_b)
    );
    let led = |u: UnitId| MatterFilter { lead_unit: Some(u), ..MatterFilter::default() };
    assert_eq!(ids(s.list(&scope(t.dept), &led(t.dept), page).await.unwrap()), vec![in_a]);
    assert_eq!(s.count(&scope(t.dept), &led(t.dept), 100).await.unwrap(), 1);
    assert!(
        s.list(&scope(t.town_b), &led(t.dept), page).await.unwrap().items.is_empty(),
        "led elsewhere, unseen"
    );
}

async fn filters_and_cursor_pages(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    let mut appends = vec![];
    for i in 0..25 {
        let kind = if i % 3 == 0 { MatterKind::Petition } else { MatterKind::Request };
        let unit = if i % 2 == 0 { t.village_a } else { t.town_b };
        appends.push(new_append(&t, unit, kind, t0() + SignedDuration::from_hours(i), None));
    }
    let made: Vec<MatterId> =
        s.append_many(appends).await.into_iter().map(|r| r.unwrap().matter_id).collect();
    let every = |filter: MatterFilter| async move {
        let mut seen = vec![];
        let mut before = None;
        loop {
            let p = s.list(&Scope::all(), &filter, Page { before, limit: 10 }).await.unwrap();
            seen.extend(p.items.iter().map(|m| m.id));
            match p.next {
                Some(n) => before = Some(n),
                None => break seen,
            }
        }
    };
    let mut newest_first = made.clone();
    newest_first.reverse();
    assert_eq!(every(MatterFilter::default()).await, newest_first);
    assert_eq!(
        every(MatterFilter { oldest_first: true, ..Default::default() }).await,
        made,
        "oldest first, paged forward"
    );
    let petitions = every(MatterFilter { kind: Some(MatterKind::Petition), ..Default::default() }).await;
    assert_eq!(petitions.len(), 9);
    let petition = MatterFilter { kind: Some(MatterKind::Petition), ..Default::default() };
    assert_eq!(s.count(&Scope::all(), &petition, 1000).await.unwrap(), 9);
    assert_eq!(s.count(&Scope::all(), &petition, 5).await.unwrap(), 5, "counting stops at the cap");
    let town_a = Scope::subtree(t.org.path(t.town_a).unwrap());
    assert_eq!(s.count(&town_a, &MatterFilter::default(), 1000).await.unwrap(), 13);
    let in_a = every(MatterFilter { unit_path: t.org.path(t.town_a), ..Default::default() }).await;
    assert_eq!(in_a.len(), 13);
    let window = MatterFilter {
        registered_from: Some(t0() + SignedDuration::from_hours(5)),
        registered_before: Some(t0() + SignedDuration::from_hours(10)),
        kind: Some(MatterKind::Request),
        ..Default::default()
    };
    assert_eq!(every(window).await.len(), 3); // hours 5, 7, 8
    act(s, &t, made[0], transfer(t.dept), None).await.unwrap();
    let assigned = every(MatterFilter { status: Some(Status::Assigned), ..Default::default() }).await;
    assert_eq!(assigned, vec![made[0]]);
    let open_at_dept =
        every(MatterFilter { open: true, lead_unit: Some(t.dept), ..Default::default() }).await;
    assert_eq!(open_at_dept, vec![made[0]]);
    assert!(every(MatterFilter { lead_unit: Some(t.town_b), ..Default::default() }).await.is_empty());
    assert_eq!(every(MatterFilter { unanswered: true, ..Default::default() }).await.len(), 25);
    // Assign three with deadlines; the deadline order puts the earliest first.
    for (i, hours) in [(3usize, 30i64), (4, 10), (5, 20)] {
        let due = t0() + SignedDuration::from_hours(hours);
        let event = Event::Assigned {
            mode: HandlingMode::Assign,
            lead: t.dept,
            co_units: vec![],
            report_by: Some(due),
            note: None,
            by: None,
        };
        act(s, &t, made[i], event, None).await.unwrap();
        let clock = Event::ClockStarted { clock: ClockName::Handling, limit: None, due };
        act(s, &t, made[i], clock, None).await.unwrap();
    }
    let due = every(MatterFilter {
        unanswered: true,
        by_deadline: true,
        due_before: Some(t0() + SignedDuration::from_hours(25)),
        ..Default::default()
    })
    .await;
    assert_eq!(due, vec![made[4], made[5]]);
    let none = every(MatterFilter {
        category: Some("wage_arrears".into()),
        channel: Some(Channel::Visit),
        ..Default::default()
    })
    .await;
    assert!(none.is_empty());
}

async fn moving_a_unit_carries_its_matters(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    let id = s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), None)).await.unwrap().matter_id;
    let scope = |org: &OrgTree, u: UnitId| Scope::subtree(org.path(u).unwrap());
    assert!(s.events(&scope(&t.org, t.town_b), id).await.unwrap().is_none());
    // The village moves from township A to township B, and its matter with it.
    let old = t.org.path(t.village_a).unwrap();
    let new = format!("{}{}/", t.org.path(t.town_b).unwrap(), t.village_a.0);
    s.move_unit(t.village_a, t.town_b, old, new).await.unwrap();
    let org = OrgTree::new(s.units().await.unwrap()).unwrap();
    assert!(org.is_within(t.village_a, t.town_b));
    assert!(s.events(&scope(&org, t.town_b), id).await.unwrap().is_some());
    assert!(s.events(&scope(&org, t.town_a), id).await.unwrap().is_none());
    let in_b = MatterFilter { unit_path: org.path(t.town_b), ..Default::default() };
    assert_eq!(s.list(&Scope::all(), &in_b, Page { before: None, limit: 10 }).await.unwrap().items.len(), 1);
    // Paths that merely share a prefix of digits are left alone.
    assert_eq!(org.path(t.town_a), t.org.path(t.town_a));
}

async fn chain_detects_tampering(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    for _ in 0..3 {
        let id =
            s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), None)).await.unwrap().matter_id;
        act(s, &t, id, transfer(t.dept), None).await.unwrap();
    }
    assert_eq!(s.verify_chain().await.unwrap(), ChainReport::Intact { events: 6 });
    // The log refuses edits while its guard is in place.
    assert!(f.db.raw_sql("UPDATE events SET payload = '{}' WHERE seq = 3").await.is_err());
    assert!(f.db.raw_sql("DELETE FROM events WHERE seq = 3").await.is_err());
    f.tamper(3).await;
    match s.verify_chain().await.unwrap() {
        ChainReport::Broken { seq, reason, checked, .. } => {
            assert_eq!((seq, reason, checked), (3, BreakReason::DigestMismatch, 2));
        }
        other => panic!("tampering went unnoticed: {other:?}"),
    }
}

async fn truncation_and_empty_appends_are_refused(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    for _ in 0..3 {
        s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), None)).await.unwrap();
    }
    let mut empty = new_append(&t, t.village_a, MatterKind::Request, t0(), None);
    empty.events.clear();
    assert!(matches!(s.append(empty).await, Err(AppendError::Failed(_))));
    assert_eq!(s.count_matters().await.unwrap(), 3, "an append without events writes nothing");
    // Someone removes the newest event behind the application's back.
    let disable = match f.db.engine {
        Engine::Sqlite => "DROP TRIGGER events_no_delete;",
        Engine::Postgres => "ALTER TABLE events DISABLE TRIGGER events_append_only;",
    };
    f.db.raw_sql(&format!("{disable} DELETE FROM events WHERE seq = 3;")).await.unwrap();
    assert_eq!(
        s.verify_chain().await.unwrap(),
        ChainReport::Broken { seq: 3, matter_id: MatterId(0), reason: BreakReason::Gap, checked: 2 }
    );
}

async fn concurrent_appends_share_commits(f: &Fixture) {
    let s = Arc::clone(&f.store);
    let t = Arc::new(tree(s.as_ref()).await);
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let (s, t) = (Arc::clone(&s), Arc::clone(&t));
            tokio::spawn(async move {
                s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), Some((&format!("c-{i}"), 1))))
                    .await
            })
        })
        .collect();
    let mut ids = vec![];
    for task in tasks {
        ids.push(task.await.unwrap().unwrap().matter_id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200);
    assert_eq!(s.count_matters().await.unwrap(), 200);
    assert_eq!(s.verify_chain().await.unwrap(), ChainReport::Intact { events: 200 });
}

async fn users_and_tokens(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    let user = |name: &str, unit| NewUser {
        username: name.into(),
        display_name: "测试".into(),
        role: Role::Clerk,
        unit_id: unit,
        password_hash: "$argon2id$fake".into(),
        created_at: t0(),
    };
    let a = s.create_user(user("clerk_a", t.town_a)).await.unwrap();
    s.create_user(user("clerk_b", t.village_a)).await.unwrap();
    s.create_user(user("dept", t.dept)).await.unwrap();
    assert!(matches!(s.create_user(user("clerk_a", t.town_b)).await, Err(StoreError::Duplicate("username"))));
    assert_eq!(s.count_users().await.unwrap(), 3);
    let scoped: Vec<String> = s
        .users(&Scope::subtree(t.org.path(t.town_a).unwrap()))
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(scoped, ["clerk_a", "clerk_b"]);
    let creds = s.credentials("clerk_a").await.unwrap().unwrap();
    assert_eq!((creds.user.id, creds.password_hash.as_str()), (a.id, "$argon2id$fake"));
    assert!(s.credentials("nobody").await.unwrap().is_none());
    let named: Vec<String> =
        s.users_by_id(&[a.id, UserId(999)]).await.unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(named, ["clerk_a"]);
    assert!(s.users_by_id(&[]).await.unwrap().is_empty());

    // Extra units a user may act for, replaced as a whole.
    s.set_extra_units(a.id, vec![t.town_b, t.dept, t.dept]).await.unwrap();
    assert_eq!(s.extra_units(a.id).await.unwrap(), vec![t.town_b, t.dept]);
    s.set_extra_units(a.id, vec![t.village_a]).await.unwrap();
    assert_eq!(s.extra_units(a.id).await.unwrap(), vec![t.village_a]);

    // A language preference per user, replaced when changed.
    assert_eq!(s.user_lang(a.id).await.unwrap(), None);
    s.set_user_lang(a.id, "en").await.unwrap();
    s.set_user_lang(a.id, "zh-CN").await.unwrap();
    assert_eq!(s.user_lang(a.id).await.unwrap().as_deref(), Some("zh-CN"));

    // Saved filters belong to their user.
    let f = s.save_filter(a.id, "我的超期件".into(), "overdue=true".into()).await.unwrap();
    s.save_filter(a.id, "信访".into(), "kind=petition".into()).await.unwrap();
    let other = s.users(&Scope::all()).await.unwrap().into_iter().find(|u| u.username == "dept").unwrap();
    s.delete_filter(other.id, f.id).await.unwrap();
    let names: Vec<String> = s.saved_filters(a.id).await.unwrap().into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["我的超期件", "信访"], "another user cannot delete them");
    s.delete_filter(a.id, f.id).await.unwrap();
    assert_eq!(s.saved_filters(a.id).await.unwrap().len(), 1);
    assert!(s.saved_filters(other.id).await.unwrap().is_empty());

    // Renaming units and changing users.
    s.rename_unit(t.town_b, "店口镇（新）".into(), Some("330681111".into())).await.unwrap();
    let renamed = s.units().await.unwrap().into_iter().find(|u| u.id == t.town_b).unwrap();
    assert_eq!((renamed.name.as_str(), renamed.code.as_deref()), ("店口镇（新）", Some("330681111")));
    let mut changed = a.clone();
    changed.role = Role::Leader;
    changed.display_name = "改名".into();
    s.update_user(changed.clone()).await.unwrap();
    assert_eq!(s.credentials("clerk_a").await.unwrap().unwrap().user, changed);

    let hash: Digest = [9; 32];
    let token = NewToken {
        hash,
        user_id: a.id,
        kind: TokenKind::Api,
        created_at: t0(),
        expires_at: t0() + SignedDuration::from_hours(1),
    };
    s.create_token(token.clone()).await.unwrap();
    assert_eq!(s.token_user(&hash, t0()).await.unwrap().map(|u| u.id), Some(a.id));
    assert!(s.token_user(&hash, t0() + SignedDuration::from_hours(2)).await.unwrap().is_none(), "expired");
    assert!(s.token_user(&[8; 32], t0()).await.unwrap().is_none());
    s.revoke_token(&hash).await.unwrap();
    assert!(s.token_user(&hash, t0()).await.unwrap().is_none(), "revoked");
    // Deactivating a user ends their tokens.
    s.create_token(NewToken { hash: [7; 32], ..token }).await.unwrap();
    s.update_user(UserRecord { active: false, ..changed }).await.unwrap();
    assert!(s.token_user(&[7; 32], t0()).await.unwrap().is_none());
    assert!(!s.credentials("clerk_a").await.unwrap().unwrap().user.active);
}

async fn login_failures_and_password_changes(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    let min = SignedDuration::from_mins;
    for i in 0..3 {
        s.record_login_failure("clerk_a", t0() + min(i), t0() - min(60)).await.unwrap();
    }
    s.record_login_failure("other", t0(), t0() - min(60)).await.unwrap();
    assert_eq!(s.login_failures("clerk_a", t0()).await.unwrap(), 3);
    assert_eq!(s.login_failures("clerk_a", t0() + min(2)).await.unwrap(), 1);
    // Old failures are pruned as new ones come in.
    s.record_login_failure("clerk_a", t0() + min(120), t0() + min(60)).await.unwrap();
    assert_eq!(s.login_failures("clerk_a", t0() - min(1)).await.unwrap(), 1);
    assert_eq!(s.login_failures("other", t0() - min(1)).await.unwrap(), 0);
    s.clear_login_failures("clerk_a").await.unwrap();
    assert_eq!(s.login_failures("clerk_a", t0() - min(1)).await.unwrap(), 0);

    let user = s
        .create_user(NewUser {
            username: "pw".into(),
            display_name: "改密".into(),
            role: Role::Clerk,
            unit_id: t.town_a,
            password_hash: "old".into(),
            created_at: t0(),
        })
        .await
        .unwrap();
    s.set_password(user.id, "new".into()).await.unwrap();
    assert_eq!(s.credentials("pw").await.unwrap().unwrap().password_hash, "new");
    let token = |b: u8| NewToken {
        hash: [b; 32],
        user_id: user.id,
        kind: TokenKind::Session,
        created_at: t0(),
        expires_at: t0() + SignedDuration::from_hours(1),
    };
    for b in [1, 2, 3] {
        s.create_token(token(b)).await.unwrap();
    }
    s.revoke_user_tokens(user.id, Some(&[2; 32])).await.unwrap();
    assert!(s.token_user(&[1; 32], t0()).await.unwrap().is_none());
    assert!(s.token_user(&[2; 32], t0()).await.unwrap().is_some(), "the session that changed it stays");
    assert!(s.token_user(&[3; 32], t0()).await.unwrap().is_none());
}

async fn categories_are_seeded_once(f: &Fixture) {
    let s = f.store.as_ref();
    s.ensure_categories(minsheng_domain::category::defaults()).await.unwrap();
    s.ensure_categories(minsheng_domain::category::defaults()).await.unwrap();
    let cats = s.categories().await.unwrap();
    assert_eq!(cats.len(), minsheng_domain::category::DEFAULTS.len());
    assert_eq!(cats[0].code.as_str(), "wage_arrears");
    assert_eq!(cats[0].name_zh, "拖欠工资");
}

async fn reopening_keeps_everything(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    let id = s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), None)).await.unwrap().matter_id;
    for e in [
        transfer(t.dept),
        Event::Started { direct_unit: None },
        Event::Replied { text: "已处理".into(), outcome: None },
        Event::Closed { note: None },
        Event::Reopened { reason: "反弹".into() },
    ] {
        act(s, &t, id, e, None).await.unwrap();
    }
    let m = load(s, id).await;
    assert_eq!((m.status, m.reopen_count, m.version), (Status::InProgress, 1, 6));
    let row = s.list(&Scope::all(), &MatterFilter::default(), Page { before: None, limit: 1 }).await.unwrap();
    assert_eq!(
        (row.items[0].status, row.items[0].reopen_count, row.items[0].closed_at),
        (Status::InProgress, 1, None)
    );
}

on_both_engines!(
    Fixture;
    append_read_and_project,
    stale_versions_conflict,
    idempotent_intake,
    scope_confines_reads,
    filters_and_cursor_pages,
    chain_detects_tampering,
    moving_a_unit_carries_its_matters,
    truncation_and_empty_appends_are_refused,
    concurrent_appends_share_commits,
    users_and_tokens,
    login_failures_and_password_changes,
    categories_are_seeded_once,
    reopening_keeps_everything,
    timers_follow_the_clocks,
    waiting_matters_are_found_by_unit,
    settings_and_notices_keep_their_history,
    mediators_and_committees_keep_their_fields,
    mediator_loads_count_open_matters,
    the_log_is_read_in_order_after_a_checkpoint,
);

/// Timers are rows replaced with each projection: due ones come back earliest first, a fired
/// reminder's row is gone, and a stopped clock leaves none.
async fn timers_follow_the_clocks(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    let a = s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), None)).await.unwrap().matter_id;
    let b = s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), None)).await.unwrap().matter_id;
    let hours = |h| t0() + SignedDuration::from_hours(h);
    act(s, &t, a, Event::ClockStarted { clock: ClockName::Handling, limit: None, due: hours(100) }, None)
        .await
        .unwrap();
    act(s, &t, b, Event::ClockStarted { clock: ClockName::Dispatch, limit: None, due: hours(2) }, None)
        .await
        .unwrap();
    let timers = s.timers_of(a).await.unwrap();
    let kinds: Vec<_> = timers.iter().map(|t| (t.clock, t.kind, t.fire_at)).collect();
    assert_eq!(
        kinds,
        vec![
            (ClockName::Handling, TimerKind::Remind, hours(76)),
            (ClockName::Handling, TimerKind::Overdue, hours(100))
        ]
    );
    assert_eq!(timers, load(s, a).await.timers(), "the rows are the fold's timers");
    let due = s.due_timers(hours(80), 10).await.unwrap();
    let due: Vec<_> = due.iter().map(|d| (d.matter_id, d.timer.kind)).collect();
    assert_eq!(due, vec![(b, TimerKind::Remind), (b, TimerKind::Overdue), (a, TimerKind::Remind)]);
    let b_remind = load(s, b).await.timers()[0];
    assert_eq!(s.due_timers(b_remind.fire_at, 10).await.unwrap()[0].timer, b_remind, "due at its instant");
    assert_eq!(s.due_timers(hours(80), 1).await.unwrap().len(), 1, "the limit holds");
    let remind = Event::Reminded { clock: ClockName::Handling, due: hours(100) };
    act(s, &t, a, remind, None).await.unwrap();
    assert_eq!(s.timers_of(a).await.unwrap().len(), 1, "a fired reminder's row is gone");
    act(s, &t, b, Event::ClockStopped { clock: ClockName::Dispatch }, None).await.unwrap();
    assert!(s.timers_of(b).await.unwrap().is_empty());
    let left = s.due_timers(hours(1000), 10).await.unwrap();
    assert_eq!(left.iter().map(|d| d.matter_id).collect::<Vec<_>>(), vec![a]);
    // The projection's deadline is the clock's due instant.
    let row = every_row(s, a).await;
    assert_eq!(row.due_at, Some(hours(100)));
}

async fn every_row(s: &dyn Store, id: MatterId) -> MatterSummary {
    let page =
        s.list(&Scope::all(), &MatterFilter::default(), Page { before: None, limit: 500 }).await.unwrap();
    page.items.into_iter().find(|m| m.id == id).unwrap()
}

/// A returned matter waits for the unit that routed it; an extension request for its approver.
async fn waiting_matters_are_found_by_unit(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    let id = s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), None)).await.unwrap().matter_id;
    let other =
        s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), None)).await.unwrap().matter_id;
    let assigned = Event::Assigned {
        mode: HandlingMode::Transfer,
        lead: t.dept,
        co_units: vec![],
        report_by: None,
        note: None,
        by: Some(t.town_a),
    };
    act(s, &t, id, assigned.clone(), None).await.unwrap();
    act(s, &t, other, assigned, None).await.unwrap();
    let returned = Event::Returned { from: t.dept, to: t.town_a, reason: "不属于本单位".into() };
    act(s, &t, id, returned, None).await.unwrap();
    act(s, &t, other, Event::ExtensionRequested { amount: 5, reason: "需调查".into() }, None).await.unwrap();
    let waiting = |what, unit| MatterFilter { waiting: Some((what, unit)), ..Default::default() };
    let found = |f: MatterFilter| async move {
        s.list(&Scope::all(), &f, Page { before: None, limit: 10 })
            .await
            .unwrap()
            .items
            .iter()
            .map(|m| m.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(found(waiting(WaitingFor::Dispatch, t.town_a)).await, vec![id]);
    assert_eq!(found(waiting(WaitingFor::Approval, t.town_a)).await, vec![other]);
    assert!(found(waiting(WaitingFor::Dispatch, t.town_b)).await.is_empty());
    act(s, &t, other, Event::ExtensionDecided { approved: false, due: None, note: None }, None)
        .await
        .unwrap();
    assert!(found(waiting(WaitingFor::Approval, t.town_a)).await.is_empty(), "a decision ends the wait");
}

async fn settings_and_notices_keep_their_history(f: &Fixture) {
    let s = f.store.as_ref();
    assert_eq!(s.setting("time_limits").await.unwrap(), None);
    s.put_setting("time_limits", "[1]", UserId(1), t0()).await.unwrap();
    s.put_setting("time_limits", "[2]", UserId(2), t0() + SignedDuration::from_hours(1)).await.unwrap();
    assert_eq!(s.setting("time_limits").await.unwrap().as_deref(), Some("[2]"));
    let log = s.setting_changes("time_limits", 10).await.unwrap();
    let log: Vec<_> = log.iter().map(|c| (c.value.as_str(), c.changed_by)).collect();
    assert_eq!(log, vec![("[2]", UserId(2)), ("[1]", UserId(1))]);
    let day = |d: &str, kind, name: &str| NoticeDay { date: d.parse().unwrap(), kind, name: name.into() };
    let notice = Notice { year: 2027, days: vec![day("2027-01-01", DayKind::Off, "元旦")] };
    s.save_calendar_notice(&notice, UserId(1), t0()).await.unwrap();
    let corrected = Notice {
        year: 2027,
        days: vec![day("2027-01-01", DayKind::Off, "元旦"), day("2027-02-06", DayKind::On, "春节")],
    };
    s.save_calendar_notice(&corrected, UserId(1), t0()).await.unwrap();
    assert_eq!(s.calendar_notices().await.unwrap(), vec![corrected]);
    assert_eq!(s.setting_changes("calendar:2027", 10).await.unwrap().len(), 2);
}

/// Mediators' specialities and committees' professional fields are replaced as a whole, and
/// read back in the order asked.
async fn mediators_and_committees_keep_their_fields(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    let committee = async |name: &str| {
        let parent_path = t.org.path(t.county).unwrap();
        let unit = NewUnit {
            parent_id: Some(t.county),
            kind: UnitKind::Committee,
            name: name.into(),
            code: None,
            parent_path,
        };
        s.create_unit(unit).await.unwrap().id
    };
    let medical = committee("诸暨市医疗纠纷人民调解委员会").await;
    let traffic = committee("诸暨市交通事故纠纷人民调解委员会").await;
    let mediator = async |name: &str| {
        let user = NewUser {
            username: name.into(),
            display_name: "调解员".into(),
            role: Role::Mediator,
            unit_id: medical,
            password_hash: "$argon2id$fake".into(),
            created_at: t0(),
        };
        s.create_user(user).await.unwrap().id
    };
    let (a, b) = (mediator("med_a").await, mediator("med_b").await);
    let codes = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();

    s.set_mediator_specialities(a, codes(&["neighbour", "land", "land"])).await.unwrap();
    s.set_mediator_specialities(b, codes(&["medical"])).await.unwrap();
    assert_eq!(
        s.mediator_specialities(&[b, UserId(999), a]).await.unwrap(),
        vec![(b, codes(&["medical"])), (UserId(999), vec![]), (a, codes(&["land", "neighbour"]))],
        "every id asked, in the order asked, each sorted"
    );
    s.set_mediator_specialities(a, codes(&["family"])).await.unwrap();
    s.set_mediator_specialities(b, vec![]).await.unwrap();
    assert_eq!(
        s.mediator_specialities(&[a, b]).await.unwrap(),
        vec![(a, codes(&["family"])), (b, vec![])],
        "replaced as a whole"
    );
    assert!(s.mediator_specialities(&[]).await.unwrap().is_empty());

    assert!(s.committee_fields().await.unwrap().is_empty());
    s.set_committee_field(medical, Some("medical".into())).await.unwrap();
    s.set_committee_field(traffic, Some("labour".into())).await.unwrap();
    s.set_committee_field(traffic, Some("traffic".into())).await.unwrap();
    assert_eq!(
        s.committee_fields().await.unwrap(),
        vec![(medical, "medical".to_string()), (traffic, "traffic".to_string())]
    );
    s.set_committee_field(medical, None).await.unwrap();
    s.set_committee_field(medical, None).await.unwrap();
    assert_eq!(s.committee_fields().await.unwrap(), vec![(traffic, "traffic".to_string())]);
}

/// A new dispute with `mediator` in its projection, in `status`.
fn mediated(t: &Tree, mediator: Option<UserId>, status: Status) -> Append {
    let reg = registration(t.village_a, MatterKind::Dispute, "邻里宅基地纠纷");
    let mut matter = Matter::registered(MatterId(0), reg.clone(), t0(), UserId(1));
    matter.mediation.mediator = mediator;
    matter.status = status;
    if status == Status::Closed {
        matter.closed_at = Some(t0());
    }
    Append::new_matter(&matter, &[Event::Registered(reg)], &t.org, None).unwrap().by(UserId(1))
}

/// Applies `event` to the stored matter with `mediator` in its projection (the events here
/// carry no mediation, so the fold alone would leave the mediator empty).
async fn act_mediated(s: &dyn Store, t: &Tree, id: MatterId, mediator: UserId, event: Event) {
    let mut m = load(s, id).await;
    let at = m.updated_at + SignedDuration::from_mins(5);
    m.apply(&event, at);
    m.mediation.mediator = Some(mediator);
    let mut append = Append::existing(&m, &[event], &t.org, None).unwrap().by(UserId(2));
    append.at = at;
    s.append(append).await.unwrap();
}

/// A mediator's load is the open matters that name them: closed ones and other mediators'
/// do not count, and the projection follows the matter's mediator and status.
async fn mediator_loads_count_open_matters(f: &Fixture) {
    let s = f.store.as_ref();
    let t = tree(s).await;
    let (a, b, idle) = (UserId(501), UserId(502), UserId(503));
    let made: Vec<MatterId> = s
        .append_many(vec![
            mediated(&t, Some(a), Status::Registered),
            mediated(&t, Some(a), Status::InProgress),
            mediated(&t, Some(a), Status::Closed),
            mediated(&t, Some(b), Status::InProgress),
            mediated(&t, None, Status::InProgress),
        ])
        .await
        .into_iter()
        .map(|r| r.unwrap().matter_id)
        .collect();
    assert_eq!(s.mediator_loads(&[b, idle, a]).await.unwrap(), vec![(b, 1), (idle, 0), (a, 2)]);
    assert!(s.mediator_loads(&[]).await.unwrap().is_empty());

    // One of a's disputes passes to b; then b closes it.
    act_mediated(s, &t, made[1], b, Event::Commented { text: "改由调解员乙主持".into() }).await;
    assert_eq!(s.mediator_loads(&[a, b]).await.unwrap(), vec![(a, 1), (b, 2)]);
    act_mediated(s, &t, made[1], b, Event::Closed { note: None }).await;
    assert_eq!(s.mediator_loads(&[a, b]).await.unwrap(), vec![(a, 1), (b, 1)]);
}

#[tokio::test]
async fn sqlite_backup_is_a_consistent_copy() {
    let f = Fixture::start(Engine::Sqlite).await;
    let s = f.store.as_ref();
    let t = tree(s).await;
    s.append(new_append(&t, t.village_a, MatterKind::Request, t0(), None)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("copy.db");
    s.backup(&dest).await.unwrap();
    assert!(s.backup(&dest).await.is_err(), "never overwrites");
    let copy = minsheng_store::open(dest.to_str().unwrap()).await.unwrap();
    assert_eq!(copy.count_matters().await.unwrap(), 1);
    assert_eq!(copy.verify_chain().await.unwrap(), ChainReport::Intact { events: 1 });
    copy.close().await;
    f.done().await;
}
