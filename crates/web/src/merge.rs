//! Merging matters (主件/并件) across their two records. The domain decides each matter's side
//! (`minsheng_domain::merge`); this module writes them one after the other, since every append
//! is one matter's, and keeps the pair in agreement when the second write fails.
//!
//! Order and failure handling:
//! - A merge appends to the merged matter (并件) first, then the main (主件); undoing it, the
//!   same way round. The merged matter's record is the authority on the link (its projection
//!   row names the main), the main's list of merged matters follows from it.
//! - A main's answer and closing (答复, 办结) are appended to each merged matter after the
//!   main's own append, so each contact's citizen finds the answer on their own record (and in
//!   its letters).
//! - The first append is the one the user asked for: when it fails, nothing was written and
//!   the request fails. The second is derived from the two records by idempotent domain
//!   functions, so it can be tried again at any time and never duplicates anything. It is
//!   retried when someone else wrote first. If the main refuses the merge by then (it was
//!   closed or merged meanwhile), the merged matter's side is undone and the refusal is
//!   answered. Any other failure is logged, and the request answers what it did: the user's
//!   write is durable, and nothing is lost, because the missing write is recomputed from the
//!   durable one the next time either matter of the pair is written ([`follow_up`], run after
//!   every command), which heals it.
//! - These derived writes act for the pair, not for the caller's view: they read and write the
//!   other matter whatever the caller's scope, as the scheduler does, show the caller nothing
//!   of it, and are recorded under the caller's name (whose action caused them).

use crate::api::matters::load;
use crate::auth::Caller;
use crate::problem::ApiError;
use crate::state::{AppState, Knowledge};
use minsheng_domain::command::{self, Command};
use minsheng_domain::merge;
use minsheng_domain::{DomainError, Event, Issue, Matter, MatterId, OrgTree, Status};
use minsheng_store::{Append, AppendError, MatterFilter, Page, Scope};
use std::collections::BTreeSet;
use std::sync::Arc;

/// How many times a derived write is tried when someone else wrote the matter first.
const ATTEMPTS: usize = 3;

/// What the log says of a derived write that did not happen.
const RETRIED: &str = "a merge's second write did not happen; the next write on either matter retries it";

/// Why the undo written when a main refuses a merge after the merged matter's side was written.
const MAIN_REFUSED: &str = "主件状态已变化，并件未能完成，系统自动撤销";

/// A matter as it is now, whatever the caller's scope (for the other matter of a pair).
async fn current(state: &AppState, id: MatterId) -> Result<Option<Matter>, ApiError> {
    let events = state.store.events(&Scope::all(), id).await?;
    Ok(events.and_then(|e| Matter::from_events(&e)))
}

fn failed(e: serde_json::Error) -> ApiError {
    tracing::error!(error = %e, "event serialisation failed");
    ApiError::Internal
}

/// Appends `events` (decided on `before`) for `caller`, expecting `before`'s version; returns
/// the matter after them.
async fn append(
    state: &AppState,
    caller: &Caller,
    org: &OrgTree,
    before: &Matter,
    events: &[Event],
) -> Result<Result<Matter, AppendError>, ApiError> {
    let now = state.clock.now();
    let mut after = before.clone();
    for e in events {
        after.apply(e, now);
    }
    let append =
        Append::existing(&after, events, org, Some(before.version)).map_err(failed)?.by(caller.user.id);
    Ok(state.store.append(append).await.map(|done| {
        after.version = done.version;
        after
    }))
}

/// What became of a derived write.
enum Derived {
    /// Written.
    Done,
    /// Nothing was missing.
    Agreed,
    /// The domain refused it (only [`merge::receive`] refuses).
    Refused(DomainError),
    /// It could not be written; the next write on the pair tries again.
    Failed,
}

/// Writes what matter `id` lacks according to `derive`, read afresh at each attempt; retried
/// when someone else wrote first.
async fn write_derived(
    state: &AppState,
    caller: &Caller,
    known: &Knowledge,
    id: MatterId,
    derive: impl Fn(&Matter) -> Result<Vec<Event>, DomainError>,
) -> Derived {
    for _ in 0..ATTEMPTS {
        let matter = match current(state, id).await {
            Ok(Some(m)) => m,
            Ok(None) => {
                tracing::error!(matter = %id, "the other matter of a merge does not exist");
                return Derived::Failed;
            }
            Err(_) => return Derived::Failed,
        };
        let events = match derive(&matter) {
            Ok(events) if events.is_empty() => return Derived::Agreed,
            Ok(events) => events,
            Err(refusal) => return Derived::Refused(refusal),
        };
        match append(state, caller, &known.org, &matter, &events).await {
            Ok(Ok(_)) => return Derived::Done,
            Ok(Err(AppendError::Conflict { .. })) => continue,
            Ok(Err(e)) => {
                tracing::error!(matter = %id, error = %e, "{RETRIED}: {e}");
                return Derived::Failed;
            }
            Err(_) => return Derived::Failed,
        }
    }
    tracing::warn!(matter = %id, "{RETRIED}: other writes kept coming first");
    Derived::Failed
}

/// Merges matter `id` into `main_id` (并件): the merged matter's side, then the main's.
pub async fn merge_into(
    state: &AppState,
    caller: &Caller,
    id: MatterId,
    expected_version: i64,
    main_id: i64,
    reason: &str,
) -> Result<(Matter, Arc<OrgTree>), ApiError> {
    let secondary = load(state, caller, id).await?;
    if secondary.version != expected_version {
        state.metrics.stale_writes.inc();
        return Err(ApiError::StaleVersion { current: secondary.version });
    }
    let known = state.knowledge(state.org());
    let ctx = known.ctx(caller.actor, state.clock.now());
    // This matter's own rules first (itself, twice, a main, its state, who may), then the main
    // must exist within the caller's scope, then the main's rules.
    command::decide(&secondary, &Command::MergeInto { main_id, reason: reason.to_owned() }, &ctx)?;
    let main = match load(state, caller, MatterId(main_id)).await {
        Err(ApiError::NotFound) => return Err(ApiError::field("main_id", Issue::UnknownMatter)),
        other => other?,
    };
    let both = merge::merge(&secondary, &main, reason, &ctx)?;
    let merged = append(state, caller, &known.org, &secondary, &both.secondary)
        .await?
        .map_err(|e| crate::api::matters::append_failed(state, e))?;
    let receive = |m: &Matter| merge::receive(m, &merged, &ctx);
    match write_derived(state, caller, &known, main.id, receive).await {
        Derived::Failed => Ok((merged, known.org)),
        Derived::Done | Derived::Agreed => {
            // A main answered already passes its answer on at once.
            if follow_up(state, caller, &merged).await
                && let Ok(Some(now)) = current(state, id).await
            {
                return Ok((now, known.org));
            }
            Ok((merged, known.org))
        }
        Derived::Refused(refusal) => {
            // The main changed between the check and the write: take the merge back.
            let undo = Command::Unmerge { reason: MAIN_REFUSED.into() };
            match command::decide(&merged, &undo, &known.ctx(caller.actor, state.clock.now())) {
                Ok(events) => match append(state, caller, &known.org, &merged, &events).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => {
                        tracing::error!(matter = %id, error = %e, "a refused merge could not be undone")
                    }
                    Err(e) => {
                        tracing::error!(matter = %id, error = ?e, "a refused merge could not be undone")
                    }
                },
                Err(e) => tracing::error!(matter = %id, error = %e, "a refused merge could not be undone"),
            }
            Err(refusal.into())
        }
    }
}

/// Undoes the merge of matter `id` (撤销并件): its side, then its main's.
pub async fn unmerge(
    state: &AppState,
    caller: &Caller,
    id: MatterId,
    expected_version: i64,
    reason: &str,
) -> Result<(Matter, Arc<OrgTree>), ApiError> {
    let secondary = load(state, caller, id).await?;
    if secondary.version != expected_version {
        state.metrics.stale_writes.inc();
        return Err(ApiError::StaleVersion { current: secondary.version });
    }
    let known = state.knowledge(state.org());
    let ctx = known.ctx(caller.actor, state.clock.now());
    let events = command::decide(&secondary, &Command::Unmerge { reason: reason.to_owned() }, &ctx)?;
    let alone = append(state, caller, &known.org, &secondary, &events)
        .await?
        .map_err(|e| crate::api::matters::append_failed(state, e))?;
    if let Some(main) = secondary.merged_into {
        write_derived(state, caller, &known, main, |m| Ok(merge::main_side(m, &alone))).await;
    }
    Ok((alone, known.org))
}

/// After a command on `matter` (its state after it): brings the other matters of its merges in
/// line. As a main, each merged matter receives the main's answer and closing, and the main's
/// own list is healed from the merged matters' records; as a merged matter, its main's list is
/// healed and any answer it missed is written. Failures are logged and retried at the next
/// write on the pair; the command itself has succeeded. True when `matter` itself was written
/// (reread it before showing it).
pub async fn follow_up(state: &AppState, caller: &Caller, matter: &Matter) -> bool {
    let known = state.knowledge(state.org());
    let ctx = known.ctx(caller.actor, state.clock.now());
    let mut touched = false;
    if let Some(main_id) = matter.merged_into {
        write_derived(state, caller, &known, main_id, |m| Ok(merge::main_side(m, matter))).await;
        if let Ok(Some(main)) = current(state, main_id).await {
            let follow = |s: &Matter| Ok(merge::follow_main(s, &main, &ctx));
            touched |= matches!(write_derived(state, caller, &known, matter.id, follow).await, Derived::Done);
        }
    }
    // The matters that say they are merged into this one, and those it lists.
    let claiming = MatterFilter { merged_into: Some(matter.id), ..MatterFilter::default() };
    let claims: BTreeSet<MatterId> = match state
        .store
        .list(&Scope::all(), &claiming, Page { before: None, limit: 500 })
        .await
    {
        Ok(page) => page.items.into_iter().map(|m| m.id).collect(),
        Err(e) => {
            tracing::warn!(matter = %matter.id, error = %e, "could not list the matters merged into a main");
            return touched;
        }
    };
    let listed: BTreeSet<MatterId> = matter.merged.iter().copied().collect();
    for other in claims.symmetric_difference(&listed) {
        if let Ok(Some(other)) = current(state, *other).await {
            let heal = |m: &Matter| Ok(merge::main_side(m, &other));
            touched |= matches!(write_derived(state, caller, &known, matter.id, heal).await, Derived::Done);
        }
    }
    let answered = matches!(matter.status, Status::Replied | Status::UnderReview | Status::Closed);
    if answered {
        for id in &claims {
            write_derived(state, caller, &known, *id, |s| Ok(merge::follow_main(s, matter, &ctx))).await;
        }
    }
    touched
}
