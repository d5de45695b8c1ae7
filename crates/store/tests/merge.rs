//! Merged matters (主件/并件) in the projection, on both engines: each row names the main it is
//! merged into, lists tell merged matters from the others, and a main finds its merged ones.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::{SignedDuration, Timestamp};
use minsheng_domain::matter::Registration;
use minsheng_domain::{
    CategoryCode, Channel, Event, Matter, MatterId, MatterKind, OrgTree, UnitKind, UserId,
};
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

fn t0() -> Timestamp {
    Timestamp::from_second(1_790_000_000).unwrap()
}

/// A county and one township; the township's id.
async fn township(s: &dyn Store) -> (OrgTree, minsheng_domain::UnitId) {
    let new = |parent_id, kind, name: &str, parent_path: String| NewUnit {
        parent_id,
        kind,
        name: name.into(),
        code: None,
        parent_path,
    };
    let county = s.create_unit(new(None, UnitKind::County, "诸暨市", "/".into())).await.unwrap();
    let path = OrgTree::new(vec![county.clone()]).unwrap().path(county.id).unwrap();
    let town = s.create_unit(new(Some(county.id), UnitKind::Township, "枫桥镇", path)).await.unwrap();
    (OrgTree::new(vec![county, town.clone()]).unwrap(), town.id)
}

async fn register(s: &dyn Store, org: &OrgTree, unit: minsheng_domain::UnitId) -> MatterId {
    let reg = Registration {
        kind: MatterKind::WageClaim,
        channel: Channel::Visit,
        category: CategoryCode("wage_arrears".into()),
        unit_id: unit,
        title: "工地拖欠工资".into(),
        body: "包工头拖欠班组工资。".into(),
        parties: vec![],
        people_involved: 5,
        amount_fen: None,
        attachments: vec![],
        urgency: Default::default(),
        project: None,
    };
    let m = Matter::registered(MatterId(0), reg.clone(), t0(), UserId(1));
    let append = Append::new_matter(&m, &[Event::Registered(reg)], org, None).unwrap().by(UserId(1));
    s.append(append).await.unwrap().matter_id
}

async fn act(s: &dyn Store, org: &OrgTree, id: MatterId, event: Event) {
    let mut m = Matter::from_events(&s.events(&Scope::all(), id).await.unwrap().unwrap()).unwrap();
    let at = m.updated_at + SignedDuration::from_mins(5);
    m.apply(&event, at);
    let mut append = Append::existing(&m, &[event], org, Some(m.version - 1)).unwrap().by(UserId(2));
    append.at = at;
    s.append(append).await.unwrap();
}

async fn ids(s: &dyn Store, filter: MatterFilter) -> Vec<MatterId> {
    let page = s.list(&Scope::all(), &filter, Page { before: None, limit: 50 }).await.unwrap();
    let mut ids: Vec<_> = page.items.iter().map(|m| m.id).collect();
    ids.sort();
    ids
}

async fn merged_matters_are_told_apart(f: &Fixture) {
    let s = f.store.as_ref();
    let (org, town) = township(s).await;
    let main = register(s, &org, town).await;
    let merged = register(s, &org, town).await;
    let other = register(s, &org, town).await;
    act(s, &org, merged, Event::MergedInto { main, reason: "同一工地".into() }).await;
    act(s, &org, main, Event::MergeReceived { from: merged, contacts: 1 }).await;

    let all =
        s.list(&Scope::all(), &MatterFilter::default(), Page { before: None, limit: 50 }).await.unwrap();
    let row = |id| all.items.iter().find(|m| m.id == id).unwrap().merged_into;
    assert_eq!((row(main), row(merged), row(other)), (None, Some(main), None));
    assert_eq!(ids(s, MatterFilter { merged: Some(true), ..Default::default() }).await, vec![merged]);
    assert_eq!(ids(s, MatterFilter { merged: Some(false), ..Default::default() }).await, vec![main, other]);
    assert_eq!(ids(s, MatterFilter { merged_into: Some(main), ..Default::default() }).await, vec![merged]);
    assert!(ids(s, MatterFilter { merged_into: Some(other), ..Default::default() }).await.is_empty());
    let open_unmerged = MatterFilter { merged: Some(false), open: true, ..Default::default() };
    assert_eq!(s.count(&Scope::all(), &open_unmerged, 100).await.unwrap(), 2);

    // Undone, it is a matter like any other again.
    act(s, &org, merged, Event::Unmerged { main, reason: "并错了".into() }).await;
    act(s, &org, main, Event::MergeWithdrawn { from: merged }).await;
    assert!(ids(s, MatterFilter { merged: Some(true), ..Default::default() }).await.is_empty());
    assert_eq!(
        ids(s, MatterFilter { merged: Some(false), ..Default::default() }).await,
        vec![main, merged, other]
    );
}

on_both_engines!(Fixture; merged_matters_are_told_apart);
