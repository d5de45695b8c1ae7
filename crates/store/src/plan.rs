//! The group-commit planner shared by both engines. Given a batch of appends, the chain head
//! and what the database says about the matters and keys involved, it decides each append's
//! outcome and produces every row to write: sealed events, projections, access rows, keys and
//! the new chain head. The engines only look things up before and write rows after.

use crate::model::{Append, AppendError, Appended, IdempotencyKey, Projection, Target};
use jiff::Timestamp;
use minsheng_domain::chain::{self, Digest, Link};
use minsheng_domain::{MatterId, UserId};
use std::collections::HashMap;

/// The last sealed event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: Digest,
}

impl Head {
    pub const GENESIS: Head = Head { seq: 0, hash: chain::GENESIS };
}

/// What the database already holds about a batch.
#[derive(Debug, Default)]
pub struct Lookups {
    /// Current versions of the existing matters the batch touches (absent: no such matter).
    pub versions: HashMap<MatterId, i64>,
    /// Idempotency keys already used: (user, key) → the matter they made.
    pub keys: HashMap<(UserId, String), KeyHit>,
}

/// An idempotency key found in the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyHit {
    pub matter_id: MatterId,
    pub fingerprint: Digest,
    /// The matter's current version.
    pub version: i64,
}

impl Lookups {
    /// Existing matter ids the batch touches.
    pub fn matter_ids(batch: &[Append]) -> Vec<MatterId> {
        batch
            .iter()
            .filter_map(|a| match a.target {
                Target::Existing { id, .. } => Some(id),
                Target::New { .. } => None,
            })
            .collect()
    }

    /// Idempotency keys the batch carries.
    pub fn keys(batch: &[Append]) -> Vec<&IdempotencyKey> {
        batch
            .iter()
            .filter_map(|a| match &a.target {
                Target::New { idempotency } => idempotency.as_ref(),
                Target::Existing { .. } => None,
            })
            .collect()
    }
}

/// A sealed event row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRow {
    pub seq: i64,
    pub matter_id: MatterId,
    pub version: i64,
    pub at: Timestamp,
    pub actor: UserId,
    pub event_type: &'static str,
    pub payload: String,
    pub hash: Digest,
}

/// Everything one batch writes, and what each append is told.
#[derive(Debug, Default)]
pub struct Plan {
    pub events: Vec<EventRow>,
    pub inserts: Vec<(MatterId, i64, Timestamp, Projection)>,
    /// (matter, new version, updated at, new projection if it changed)
    pub updates: Vec<(MatterId, i64, Timestamp, Option<Projection>)>,
    pub access: Vec<(MatterId, String)>,
    pub keys: Vec<(IdempotencyKey, MatterId, Timestamp)>,
    pub head: Option<Head>,
    pub outcomes: Vec<Result<Appended, AppendError>>,
}

impl Plan {
    /// Does the batch write anything at all?
    pub fn writes(&self) -> bool {
        !self.events.is_empty()
    }
}

/// Plans a batch. `next_id` hands out ids for new matters, in order.
pub fn plan(batch: &[Append], head: Head, lookups: &Lookups, mut next_id: impl FnMut() -> MatterId) -> Plan {
    let mut plan = Plan::default();
    let mut head = head;
    let mut versions = lookups.versions.clone();
    let mut keys: HashMap<(UserId, String), KeyHit> = HashMap::new();
    for append in batch {
        if append.events.is_empty() {
            plan.outcomes.push(Err(AppendError::Failed("an append needs at least one event".into())));
            continue;
        }
        let outcome = match &append.target {
            Target::New { idempotency } => {
                let earlier = idempotency.as_ref().and_then(|k| {
                    let id = (k.user, k.key.clone());
                    lookups.keys.get(&id).or_else(|| keys.get(&id)).map(|found| (k, *found))
                });
                match (earlier, &append.projection) {
                    (Some((k, hit)), _) if hit.fingerprint != k.fingerprint => Err(AppendError::KeyReused),
                    (Some((_, hit)), _) => Ok(Appended {
                        matter_id: hit.matter_id,
                        version: versions.get(&hit.matter_id).copied().unwrap_or(hit.version),
                        replayed: true,
                    }),
                    (None, None) => Err(AppendError::Failed("a new matter needs its projection".into())),
                    (None, Some(projection)) => {
                        let id = next_id();
                        let version = seal(&mut plan, &mut head, append, id, 0);
                        plan.inserts.push((id, version, append.at, projection.clone()));
                        versions.insert(id, version);
                        if let Some(k) = idempotency {
                            keys.insert(
                                (k.user, k.key.clone()),
                                KeyHit { matter_id: id, fingerprint: k.fingerprint, version },
                            );
                            plan.keys.push((k.clone(), id, append.at));
                        }
                        Ok(Appended { matter_id: id, version, replayed: false })
                    }
                }
            }
            Target::Existing { id, expected_version } => match versions.get(id).copied() {
                None => Err(AppendError::NotFound),
                Some(current) if expected_version.is_some_and(|v| v != current) => {
                    Err(AppendError::Conflict { current })
                }
                Some(current) => {
                    let version = seal(&mut plan, &mut head, append, *id, current);
                    plan.updates.push((*id, version, append.at, append.projection.clone()));
                    versions.insert(*id, version);
                    Ok(Appended { matter_id: *id, version, replayed: false })
                }
            },
        };
        if let Ok(done) = &outcome
            && !done.replayed
        {
            plan.access.extend(append.access_paths.iter().map(|p| (done.matter_id, p.clone())));
        }
        plan.outcomes.push(outcome);
    }
    if plan.writes() {
        plan.head = Some(head);
    }
    plan
}

/// Seals the append's events after `head`; returns the matter's new version.
fn seal(plan: &mut Plan, head: &mut Head, append: &Append, id: MatterId, mut version: i64) -> i64 {
    for pending in &append.events {
        version += 1;
        let seq = head.seq + 1;
        let link = Link {
            seq,
            matter_id: id.0,
            version,
            at_ms: pending.at.as_millisecond(),
            actor: pending.actor.0,
            event_type: pending.event_type,
            payload: &pending.payload,
        };
        let hash = chain::digest(&head.hash, &link);
        plan.events.push(EventRow {
            seq,
            matter_id: id,
            version,
            at: pending.at,
            actor: pending.actor,
            event_type: pending.event_type,
            payload: pending.payload.clone(),
            hash,
        });
        *head = Head { seq, hash };
    }
    version
}

/// Recomputes the chain over rows in `seq` order, reporting the first break.
#[derive(Debug)]
pub struct Verifier {
    prev: Head,
    checked: i64,
}

impl Default for Verifier {
    fn default() -> Self {
        Self { prev: Head::GENESIS, checked: 0 }
    }
}

impl Verifier {
    /// Checks the next stored event; `Err` names why it breaks the chain.
    pub fn check(&mut self, link: &Link<'_>, stored: &[u8]) -> Result<(), crate::model::BreakReason> {
        if link.seq != self.prev.seq + 1 {
            return Err(crate::model::BreakReason::Gap);
        }
        let hash = chain::digest(&self.prev.hash, link);
        if hash.as_slice() != stored {
            return Err(crate::model::BreakReason::DigestMismatch);
        }
        self.prev = Head { seq: link.seq, hash };
        self.checked += 1;
        Ok(())
    }

    pub fn checked(&self) -> i64 {
        self.checked
    }

    /// After the last event: does the chain end where the stored head says it does?
    pub fn finish(&self, head_seq: i64, head_hash: &[u8]) -> Result<(), crate::model::BreakReason> {
        if head_seq != self.prev.seq {
            Err(crate::model::BreakReason::Gap)
        } else if head_hash != self.prev.hash.as_slice() {
            Err(crate::model::BreakReason::DigestMismatch)
        } else {
            Ok(())
        }
    }
}
