//! The search index as the server keeps it: it follows the event log from the checkpoint
//! stored in the index itself, turning each changed matter into a document (title, body,
//! replies, notes and mediation records; the unit paths that may see it; the list's filter
//! fields). Every node keeps its own index and follows the shared log, so several app nodes
//! on one PostgreSQL each find every matter. A search first catches up with the log, so what
//! a user just registered is found at once; a follower task keeps it current between
//! searches. `minsheng reindex` rebuilds it from zero.

use crate::state::AppState;
use minsheng_domain::{Event, Matter, MatterId, OrgTree, RecordedEvent, Status};
use minsheng_search::index::{MatterDoc, SearchIndex};
use minsheng_store::Scope;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Log entries applied in one catch-up step (one commit).
const BATCH: u32 = 2_000;

/// The index and the lock that makes one task at a time apply the log to it.
pub struct Search {
    pub index: SearchIndex,
    applying: tokio::sync::Mutex<()>,
    /// The index was checked against this log (see [`matches_the_log`]); until then nobody
    /// searches it.
    checked: std::sync::atomic::AtomicBool,
}

impl Search {
    pub fn new(index: SearchIndex) -> Arc<Self> {
        Arc::new(Self {
            index,
            applying: tokio::sync::Mutex::new(()),
            checked: std::sync::atomic::AtomicBool::new(false),
        })
    }
}

/// What the index holds of a matter besides its title and body: every answer, comment and
/// note, and a mediation's records.
fn extra_text(events: &[RecordedEvent]) -> String {
    let mut parts: Vec<&str> = vec![];
    for e in events {
        match &e.event {
            Event::Replied { text, .. }
            | Event::ReviewDecided { text, .. }
            | Event::Commented { text }
            | Event::NoteAdded { text } => parts.push(text),
            Event::SessionHeld { record, .. } => parts.push(record),
            Event::MediationAccepted { requests, .. } => parts.push(requests),
            Event::OralAgreementRecorded { content, .. } => parts.push(content),
            Event::AgreementDrafted { content, .. } => {
                parts.push(&content.facts);
                parts.push(&content.issues);
            }
            _ => {}
        }
    }
    parts.join("\n")
}

/// The document of a matter, from its state and history.
pub fn doc_of(m: &Matter, events: &[RecordedEvent], org: &OrgTree) -> MatterDoc {
    let r = &m.registration;
    let parties: Vec<&str> = r.parties.iter().map(|p| p.name.as_str()).collect();
    let mut extra = extra_text(events);
    // Party names are searchable by staff who may see the matter (its scope decides), never
    // shown in a snippet: snippets come from title and body only.
    if !parties.is_empty() {
        extra.push('\n');
        extra.push_str(&parties.join(" "));
    }
    MatterDoc {
        id: m.id.0,
        title: r.title.clone(),
        body: r.body.clone(),
        extra,
        scope: m.visible_to_units().into_iter().filter_map(|u| org.path(u)).collect(),
        place_path: org.path(r.unit_id).unwrap_or_default(),
        lead_unit: m.handling.as_ref().map(|h| h.lead.0),
        kind: r.kind.as_str().to_owned(),
        status: m.status.as_str().to_owned(),
        channel: r.channel.as_str().to_owned(),
        category: r.category.as_str().to_owned(),
        registered_at_ms: m.registered_at.as_millisecond(),
        open: m.status != Status::Closed,
    }
}

/// Applies the log after the index's checkpoint, at most `rounds` batches; returns how many
/// log entries it applied. With `wait` false it returns at once when another task is applying
/// (a search then answers from the index as it stands rather than wait behind a rebuild).
pub async fn catch_up(state: &AppState, rounds: u32, wait: bool) -> Result<u64, String> {
    use std::sync::atomic::Ordering;
    let search = &state.search;
    let wait = wait || !search.checked.load(Ordering::Acquire);
    let _one_at_a_time = match search.applying.try_lock() {
        Ok(guard) => guard,
        Err(_) if !wait => return Ok(0),
        Err(_) => search.applying.lock().await,
    };
    if !search.checked.load(Ordering::Acquire) {
        let stale = if state.similar.outdated() {
            Some("similarity signatures of an older recipe; rebuilding the index to sign every matter again")
        } else if !matches_the_log(state).await? {
            Some("the search index was built from another log; rebuilding it")
        } else {
            None
        };
        if let Some(why) = stale {
            tracing::warn!("{why}");
            search.index.clear().and_then(|()| search.index.commit(0)).map_err(|e| e.to_string())?;
            state.similar.clear().map_err(|e| e.to_string())?;
        }
        search.checked.store(true, Ordering::Release);
    }
    let mut applied = 0;
    for _ in 0..rounds {
        let from = search.index.checkpoint().unwrap_or(0);
        let entries = state.store.log_after(from, BATCH).await.map_err(|e| e.to_string())?;
        let Some(last) = entries.last().map(|(seq, _)| *seq) else { break };
        let changed: BTreeSet<MatterId> = entries.iter().map(|(_, m)| *m).collect();
        let org = state.org();
        for id in changed {
            match state.store.events(&Scope::all(), id).await.map_err(|e| e.to_string())? {
                Some(events) => match Matter::from_events(&events) {
                    Some(m) => {
                        search.index.upsert(&doc_of(&m, &events, &org)).map_err(|e| e.to_string())?;
                        state.similar.add(&m).map_err(|e| e.to_string())?;
                    }
                    None => search.index.delete(id.0).map_err(|e| e.to_string())?,
                },
                None => search.index.delete(id.0).map_err(|e| e.to_string())?,
            }
        }
        state.similar.sync().map_err(|e| e.to_string())?;
        search.index.commit(last).map_err(|e| e.to_string())?;
        applied += entries.len() as u64;
        if entries.len() < BATCH as usize {
            break;
        }
    }
    Ok(applied)
}

/// Whether the index was built from this log: the event at its checkpoint must exist. An index
/// left from another database (a restored backup, a rebuilt demo) is cleared and rebuilt.
async fn matches_the_log(state: &AppState) -> Result<bool, String> {
    let Some(checkpoint) = state.search.index.checkpoint().filter(|c| *c > 0) else { return Ok(true) };
    let at = state.store.log_after(checkpoint - 1, 1).await.map_err(|e| e.to_string())?;
    Ok(at.first().map(|(seq, _)| *seq) == Some(checkpoint))
}

/// Follows the log until `stop` resolves: catches up every quarter of a second.
pub async fn follow(state: AppState, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    loop {
        if let Err(e) = catch_up(&state, 50, true).await {
            tracing::warn!(error = %e, "the search index could not follow the log; retrying");
        }
        tokio::select! {
            _ = &mut stop => break,
            _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
        }
    }
}

/// Rebuilds the index from zero: clears it, then applies the whole log, telling `progress`
/// the sequence number reached and the log's head as it goes. Returns the entries applied.
pub async fn rebuild(state: &AppState, mut progress: impl FnMut(i64, i64)) -> Result<u64, String> {
    let head = state.store.log_head().await.map_err(|e| e.to_string())?;
    state.search.index.clear().and_then(|()| state.search.index.commit(0)).map_err(|e| e.to_string())?;
    let mut applied = 0;
    loop {
        let step = catch_up(state, 1, true).await?;
        applied += step;
        progress(state.search.index.checkpoint().unwrap_or(0), head);
        if step == 0 {
            return Ok(applied);
        }
    }
}
