//! The scheduler: fires due timers (reminders, overdue marks with their escalations, windows
//! closing) as events on their matters.
//!
//! A tick reads the earliest due timer rows, folds each matter, asks the domain what firing
//! records ([`clock::fire`]), and appends it with the version it read. Appending the event
//! replaces the matter's timer rows in the same transaction, so a fired timer is gone the
//! moment its event is durable. Two schedulers (two app nodes on one PostgreSQL) may read the
//! same row: the first append wins, the second finds the version moved and lets it be; the
//! next tick sees no such timer. Hence exactly once, across restarts and nodes, with no lock.

use crate::state::AppState;
use minsheng_domain::clock;
use minsheng_domain::{Actor, Matter, MatterId, Role, UserId};
use minsheng_store::{Append, AppendError, DueTimer, Scope, StoreError};
use std::time::Duration;

/// The system's user id in the event log: timers fire as no person.
pub const SYSTEM: UserId = UserId(0);

/// The system as an actor: what fires on its own (timers, warnings' responses) acts as no
/// person, with the administrator's reach from the top of the tree.
pub fn system_actor(org: &minsheng_domain::OrgTree) -> Actor {
    Actor { user_id: SYSTEM, role: Role::Admin, unit_id: org.root().unwrap_or(minsheng_domain::UnitId(0)) }
}

/// What one tick did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tick {
    /// Due timer rows read.
    pub due: usize,
    /// Matters whose firings were appended.
    pub fired: usize,
    /// Events appended.
    pub events: usize,
    /// Matters another writer changed first; their timers are looked at again next tick.
    pub raced: usize,
}

/// How the scheduler runs.
#[derive(Clone, Copy, Debug)]
pub struct SchedulerConfig {
    /// Time between ticks when nothing is due.
    pub interval: Duration,
    /// Timer rows read per tick.
    pub batch: u32,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self { interval: Duration::from_secs(1), batch: 500 }
    }
}

/// Fires everything due at the clock's now, once.
pub async fn tick(state: &AppState, batch: u32) -> Result<Tick, StoreError> {
    let now = state.clock.now();
    let due = state.store.due_timers(now, batch).await?;
    let mut report = Tick { due: due.len(), ..Tick::default() };
    let known = state.knowledge(state.org());
    let system = system_actor(&known.org);
    let ctx = known.ctx(system, now);
    // Decide every due matter, then commit them together: one group commit a tick.
    let mut appends = vec![];
    let mut sizes = vec![];
    for (id, timers) in by_matter(&due) {
        let Some(events) = state.store.events(&Scope::all(), id).await? else { continue };
        let Some(mut matter) = Matter::from_events(&events) else { continue };
        let read = matter.version;
        let mut fired = vec![];
        for timer in timers {
            let new = clock::fire(&matter, &timer, &ctx);
            for e in &new {
                matter.apply(e, now);
            }
            fired.extend(new);
        }
        if fired.is_empty() {
            continue;
        }
        match Append::existing(&matter, &fired, &known.org, Some(read)) {
            Ok(a) => {
                appends.push(a.by(SYSTEM));
                sizes.push(fired.len());
            }
            Err(e) => tracing::error!(matter = %id, error = %e, "a firing could not be serialised"),
        }
    }
    if !appends.is_empty() {
        for (outcome, size) in state.store.append_many(appends).await.into_iter().zip(sizes) {
            match outcome {
                Ok(_) => {
                    report.fired += 1;
                    report.events += size;
                }
                Err(AppendError::Conflict { .. } | AppendError::NotFound) => report.raced += 1,
                Err(AppendError::KeyReused) => {}
                Err(AppendError::Failed(e)) => return Err(StoreError::Corrupt(e)),
            }
        }
    }
    state.metrics.timers_fired.inc_by(report.events as u64);
    Ok(report)
}

/// The due timers grouped by matter, in the order of each matter's first due timer.
fn by_matter(due: &[DueTimer]) -> Vec<(MatterId, Vec<clock::Timer>)> {
    let mut groups: Vec<(MatterId, Vec<clock::Timer>)> = vec![];
    let mut at: std::collections::HashMap<MatterId, usize> = std::collections::HashMap::new();
    for d in due {
        match at.get(&d.matter_id) {
            Some(&i) => groups[i].1.push(d.timer),
            None => {
                at.insert(d.matter_id, groups.len());
                groups.push((d.matter_id, vec![d.timer]));
            }
        }
    }
    groups
}

/// Ticks until `stop` resolves: at once again while whole batches come back, otherwise after
/// the interval.
pub async fn run(state: AppState, config: SchedulerConfig, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    loop {
        let wait = match tick(&state, config.batch).await {
            Ok(t) if t.due >= config.batch as usize => Duration::ZERO,
            Ok(_) => config.interval,
            Err(e) => {
                tracing::warn!(error = %e, "scheduler tick failed; retrying");
                config.interval
            }
        };
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}
