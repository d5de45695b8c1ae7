//! Benchmark (bench/timers): one scheduler tick at scale. Loads `MATTERS` open matters whose
//! clocks set three timer rows each on average (a handling clock's reminder and overdue mark,
//! and on half of them a leader's deadline), spread over the coming year; then drives a manual
//! clock forward a minute a tick and times `scheduler::tick`, which finds the due rows by index
//! and fires them. Prints RESULT lines; asserts nothing.
//!
//!   DATABASE_URL (a temporary SQLite file)  MATTERS (1000000)  TICKS (300)  STEP_SECS (60)
//!   SETTLE_SECS (0): wait this long after loading, so that the database's background work
//!   after a bulk load (PostgreSQL's autovacuum and analyze) is done, as in a running system
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::{SignedDuration, Timestamp};
use minsheng_domain::clock::ClockName;
use minsheng_domain::matter::Registration;
use minsheng_domain::{CategoryCode, Channel, Event, Matter, MatterId, MatterKind, UnitId, UserId};
use minsheng_store::{Append, PendingEvent};
use minsheng_web::clock::ManualClock;
use minsheng_web::{AppState, Settings, scheduler};
use std::sync::Arc;
use std::time::Instant;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let matters = env("MATTERS", 1_000_000);
    let ticks = env("TICKS", 300);
    let step = SignedDuration::from_secs(env("STEP_SECS", 60) as i64);
    let dir = tempfile::tempdir().unwrap();
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| dir.path().join("timers.db").display().to_string());
    let start: Timestamp = "2026-01-05T09:00:00+08:00".parse().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let store = minsheng_store::open(&url).await.unwrap();
    let state = AppState::load(Arc::clone(&store), clock.clone(), Settings::default()).await.unwrap();
    minsheng_web::bootstrap(&state, "诸暨市", Some("admin".into()), Some("bench-password".into()))
        .await
        .unwrap();
    let org = state.org();
    let county = org.iter().next().unwrap().id;

    let loaded = Instant::now();
    let mut rng = fastrand::Rng::with_seed(7);
    let chunk = 5_000;
    let mut made = 0;
    let mut rows = 0;
    while made < matters {
        let n = chunk.min(matters - made);
        let appends: Vec<Append> = (0..n)
            .map(|_| {
                let (append, timers) = open_matter(&mut rng, county, start, &org);
                rows += timers;
                append
            })
            .collect();
        for r in store.append_many(appends).await {
            r.unwrap();
        }
        made += n;
        if made % 100_000 == 0 {
            eprintln!("loaded {made}/{matters}");
        }
    }
    println!(
        "RESULT load: {matters} open matters, {rows} timer rows, {:.1} s ({})",
        loaded.elapsed().as_secs_f64(),
        store.engine()
    );

    tokio::time::sleep(std::time::Duration::from_secs(env("SETTLE_SECS", 0))).await;
    let mut times = vec![];
    let mut fired = 0;
    let mut now = start;
    for _ in 0..ticks {
        now += step;
        clock.set(now);
        let t = Instant::now();
        let tick = scheduler::tick(&state, 500).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        fired += tick.events;
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "RESULT tick ({}): {ticks} ticks of {}s, {fired} timers fired ({:.1} a tick), p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        store.engine(),
        step.as_secs(),
        fired as f64 / ticks as f64,
        q(0.5),
        q(0.99),
        q(1.0)
    );
    store.close().await;
}

/// An open request routed to the county and being handled, with a handling clock due within
/// the year and, for half of them, a leader's deadline.
fn open_matter(
    rng: &mut fastrand::Rng,
    unit: UnitId,
    start: Timestamp,
    org: &minsheng_domain::OrgTree,
) -> (Append, usize) {
    let registration = Registration {
        kind: MatterKind::Request,
        channel: Channel::Phone,
        category: CategoryCode("environment".into()),
        unit_id: unit,
        title: "反映石料厂粉尘污染".into(),
        body: "村口石料厂粉尘大，请求查处。".into(),
        parties: vec![],
        people_involved: 1,
        amount_fen: None,
        attachments: vec![],
        urgency: Default::default(),
        project: None,
    };
    let at = start - SignedDuration::from_hours(1);
    let due = |rng: &mut fastrand::Rng| start + SignedDuration::from_mins(rng.i64(60..60 * 24 * 365));
    let mut events = vec![
        Event::Registered(registration.clone()),
        Event::Started { direct_unit: Some(unit) },
        Event::ClockStarted { clock: ClockName::Handling, limit: None, due: due(rng) },
    ];
    if rng.bool() {
        events.push(Event::ClockStarted { clock: ClockName::Leader, limit: None, due: due(rng) });
    }
    let mut matter = Matter::registered(MatterId(0), registration, at, UserId(1));
    for e in &events[1..] {
        matter.apply(e, at);
    }
    let pending = events.iter().map(|e| PendingEvent::of(e, at, UserId(1)).unwrap()).collect();
    (Append::history(&matter, pending, org, None), matter.timers().len())
}
