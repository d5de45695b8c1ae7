//! Warnings in the store, on both engines: raised once per open subject (a second raise of the
//! same key writes nothing), saved only at the version read, listed by scope and filter, found
//! by their matters, with their log; a closed subject may warn again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::{SignedDuration, Timestamp};
use minsheng_domain::warning::{Detail, Happening, Level, Response, WarningSubject};
use minsheng_domain::{MatterId, OrgTree, Unit, UnitId, UnitKind};
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
}

/// County → townships A and B; returns (org, A, B).
async fn tree(store: &dyn Store) -> (OrgTree, Unit, Unit) {
    let county = store
        .create_unit(NewUnit {
            parent_id: None,
            kind: UnitKind::County,
            name: "诸暨市".into(),
            code: None,
            parent_path: "/".into(),
        })
        .await
        .unwrap();
    let path = format!("/{}/", county.id.0);
    let mut towns = vec![];
    for name in ["枫桥镇", "店口镇"] {
        towns.push(
            store
                .create_unit(NewUnit {
                    parent_id: Some(county.id),
                    kind: UnitKind::Township,
                    name: name.into(),
                    code: None,
                    parent_path: path.clone(),
                })
                .await
                .unwrap(),
        );
    }
    let org = OrgTree::new(store.units().await.unwrap()).unwrap();
    let b = towns.pop().unwrap();
    let a = towns.pop().unwrap();
    (org, a, b)
}

fn t0() -> Timestamp {
    Timestamp::from_second(1_790_000_000).unwrap()
}

fn warning(org: &OrgTree, unit: UnitId, key: &str, level: Level, members: &[i64]) -> WarningRecord {
    WarningRecord {
        id: 0,
        version: 0,
        key: key.into(),
        level,
        unit_id: unit,
        unit_path: org.path(unit).unwrap(),
        raised_at: t0(),
        updated_at: t0(),
        closed_at: None,
        detail: Detail {
            subject: WarningSubject::Matter(MatterId(members[0])),
            members: members.iter().map(|m| MatterId(*m)).collect(),
            rules: vec!["people_blue".into()],
            reason: "涉及人数6人（≥5人）".into(),
            response: Response::NotifyUnitHead,
            owner: None,
            deadline: None,
            coordinator: None,
            notified: vec![],
            close_note: None,
            figures: None,
        },
    }
}

fn entry(happening: Happening, level: Level, text: &str) -> WarningEntry {
    WarningEntry { at: t0(), happening, level, text: text.into() }
}

async fn raised_once_then_saved_at_its_version(f: &Fixture) {
    let (org, a, _) = tree(&*f.store).await;
    let w = warning(&org, a.id, "matter:7", Level::Blue, &[7]);
    let first =
        f.store.raise_warning(w.clone(), entry(Happening::Raised, Level::Blue, "发出")).await.unwrap();
    let first = first.expect("the first raise writes");
    assert_eq!((first.version, first.level), (1, Level::Blue));
    // The same subject again, as a second node or a restart would: nothing written.
    let again =
        f.store.raise_warning(w.clone(), entry(Happening::Raised, Level::Blue, "发出")).await.unwrap();
    assert!(again.is_none());
    assert_eq!(f.store.open_warnings().await.unwrap().len(), 1);

    // Escalate at the version read; a second save at the same version loses.
    let mut up = first.clone();
    up.level = Level::Yellow;
    up.updated_at = t0() + SignedDuration::from_hours(1);
    assert!(f.store.save_warning(&up, entry(Happening::Escalated, Level::Yellow, "升级")).await.unwrap());
    assert!(!f.store.save_warning(&up, entry(Happening::Escalated, Level::Yellow, "升级")).await.unwrap());

    let (stored, log) = f.store.warning(&Scope::all(), first.id).await.unwrap().unwrap();
    assert_eq!((stored.level, stored.version), (Level::Yellow, 2));
    assert_eq!(
        log.iter().map(|e| (e.happening, e.level)).collect::<Vec<_>>(),
        vec![(Happening::Raised, Level::Blue), (Happening::Escalated, Level::Yellow)]
    );

    // Closed, it is no longer open, and the subject may warn again.
    let mut closed = stored.clone();
    closed.closed_at = Some(t0() + SignedDuration::from_hours(2));
    closed.detail.close_note = Some("事项已化解".into());
    assert!(
        f.store.save_warning(&closed, entry(Happening::Closed, Level::Yellow, "事项已化解")).await.unwrap()
    );
    assert!(f.store.open_warnings().await.unwrap().is_empty());
    let mut closed_again = closed.clone();
    closed_again.version += 1;
    assert!(
        !f.store.save_warning(&closed_again, entry(Happening::Closed, Level::Yellow, "x")).await.unwrap()
    );
    let anew = f.store.raise_warning(w, entry(Happening::Raised, Level::Blue, "发出")).await.unwrap();
    assert!(anew.is_some_and(|n| n.id != first.id));
}

async fn listed_by_scope_filter_and_matter(f: &Fixture) {
    let (org, a, b) = tree(&*f.store).await;
    let raise = async |unit: UnitId, key: &str, level, members: &[i64]| {
        f.store
            .raise_warning(warning(&org, unit, key, level, members), entry(Happening::Raised, level, "发出"))
            .await
            .unwrap()
            .unwrap()
    };
    let w1 = raise(a.id, "matter:1", Level::Blue, &[1]).await;
    let w2 = raise(a.id, "cluster:wage:project:x", Level::Yellow, &[1, 2, 3]).await;
    let w3 = raise(b.id, "matter:9", Level::Red, &[9]).await;
    let ids = |ws: Vec<WarningRecord>| ws.into_iter().map(|w| w.id).collect::<Vec<_>>();
    let all = WarningFilter { limit: 50, ..WarningFilter::default() };
    assert_eq!(ids(f.store.warnings(&Scope::all(), &all).await.unwrap()), vec![w3.id, w2.id, w1.id]);
    let town_a = Scope::subtree(org.path(a.id).unwrap());
    assert_eq!(ids(f.store.warnings(&town_a, &all).await.unwrap()), vec![w2.id, w1.id]);
    // A unit outside the scope shows nothing, and a warning outside it cannot be read.
    let other = WarningFilter { unit_path: Some(org.path(b.id).unwrap()), ..all.clone() };
    assert!(f.store.warnings(&town_a, &other).await.unwrap().is_empty());
    assert!(f.store.warning(&town_a, w3.id).await.unwrap().is_none());
    let yellow = WarningFilter { level: Some(Level::Yellow), ..all.clone() };
    assert_eq!(ids(f.store.warnings(&Scope::all(), &yellow).await.unwrap()), vec![w2.id]);
    let of_two = WarningFilter { matter: Some(MatterId(2)), ..all.clone() };
    assert_eq!(ids(f.store.warnings(&Scope::all(), &of_two).await.unwrap()), vec![w2.id]);
    let of_one = WarningFilter { matter: Some(MatterId(1)), ..all.clone() };
    assert_eq!(ids(f.store.warnings(&Scope::all(), &of_one).await.unwrap()), vec![w2.id, w1.id]);
    let page = WarningFilter { before: Some(w2.id), ..all.clone() };
    assert_eq!(ids(f.store.warnings(&Scope::all(), &page).await.unwrap()), vec![w1.id]);

    // Closing one: the open and closed filters split them; members follow a saved change.
    let mut c = w1.clone();
    c.closed_at = Some(t0());
    assert!(f.store.save_warning(&c, entry(Happening::Closed, Level::Blue, "事项已化解")).await.unwrap());
    let open = WarningFilter { open: Some(true), ..all.clone() };
    let shut = WarningFilter { open: Some(false), ..all.clone() };
    assert_eq!(ids(f.store.warnings(&Scope::all(), &open).await.unwrap()), vec![w3.id, w2.id]);
    assert_eq!(ids(f.store.warnings(&Scope::all(), &shut).await.unwrap()), vec![w1.id]);
    let mut grown = w2.clone();
    grown.detail.members.push(MatterId(4));
    assert!(
        f.store.save_warning(&grown, entry(Happening::Responded, Level::Yellow, "簇扩大")).await.unwrap()
    );
    let of_four = WarningFilter { matter: Some(MatterId(4)), ..all };
    assert_eq!(ids(f.store.warnings(&Scope::all(), &of_four).await.unwrap()), vec![w2.id]);
}

on_both_engines!(Fixture; raised_once_then_saved_at_its_version, listed_by_scope_filter_and_matter);
