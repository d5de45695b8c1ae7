//! Three-colour warnings at work: the evaluator that follows the event log, keeps the few facts
//! the rules read about every open or recent matter, groups them into clusters, and records
//! what the domain's [`warning::decide`] answers — raise, escalate, close — with the response
//! each level asks for (DOMAIN.md): blue notifies the handling unit's head; yellow makes a
//! leader the owner (领导包案) of every open matter concerned, with a deadline; red has the
//! county command centre coordinate and tells the superiors.
//!
//! Warnings are about matters and clusters of matters, never about people: a cluster's subject
//! is a place, a project or an employer that is an organisation (a person's name never makes a
//! subject), and the reasons name none of them.
//!
//! Every node runs the evaluator. Facts live in memory: at start, every open matter and every
//! matter of the last [`LOOKBACK_DAYS`] is folded once; afterwards only the matters the log
//! says changed. The store keeps at most one open warning per subject (a unique key), and a
//! change is saved at the version read, so restarts and racing nodes never duplicate a
//! warning or its response: only the node whose raise was written responds.
//!
//! `facts` owns what is kept per matter (and how it stays small at a million matters),
//! `subjects` the interned names matters cluster by, `clusters` the grouping itself; this
//! module the loop, the settling of each change and the responses.

mod clusters;
mod facts;
mod subjects;

pub use clusters::{Cluster, PLACE_SIMILARITY};

use crate::scheduler::SYSTEM;
use crate::state::AppState;
use clusters::clusters;
use facts::{Facts, Known};
use jiff::{SignedDuration, Timestamp};
use minsheng_domain::command::{self, Command};
use minsheng_domain::warning::{
    self, Change, ClusterFacts, Detail, Figures, Firing, Happening, LOOKBACK_DAYS, Level, MatterFacts,
    Response, Rules, WarningSubject,
};
use minsheng_domain::{Matter, MatterId, OrgTree, Role, Status, UnitId, UserId};
use minsheng_store::{
    Append, MatterFilter, Page, Scope, StoreError, UserRecord, WarningEntry, WarningRecord,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use subjects::{About, Name, Names};

/// The setting that holds the live rules (DOMAIN.md's defaults until an administrator saves).
pub const RULES_KEY: &str = "warning_rules";

/// How often everything is evaluated again when the log is quiet (clocks run late, windows
/// move on).
const SWEEP_EVERY: SignedDuration = SignedDuration::from_secs(30);

/// The evaluator's memory.
#[derive(Default)]
struct Inner {
    loaded: bool,
    checkpoint: i64,
    facts: Known,
    /// The names the facts cluster by.
    names: Names,
    /// Open warnings by subject key.
    open: HashMap<String, WarningRecord>,
    last_sweep: Option<Timestamp>,
    users: Option<Arc<Vec<UserRecord>>>,
    /// Every cluster as of the last sweep, with those the log touched since brought up to date:
    /// what the board shows, without grouping every matter again per request.
    clusters: Option<Vec<Cluster>>,
}

/// The evaluator; one per node, in the app state.
#[derive(Default)]
pub struct Warnings {
    inner: tokio::sync::Mutex<Inner>,
}

/// What one run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Run {
    pub changed: usize,
    pub raised: usize,
    pub escalated: usize,
    pub closed: usize,
}

/// The live rules: the saved ones, or DOMAIN.md's defaults.
pub async fn rules(state: &AppState) -> Result<Rules, StoreError> {
    match state.store.setting(RULES_KEY).await? {
        Some(json) => {
            serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("warning rules: {e}")))
        }
        None => Ok(Rules::defaults()),
    }
}

/// Runs beside the server until `stop`: a run a second.
pub async fn follow(state: AppState, stop: impl std::future::Future<Output = ()>) {
    tokio::pin!(stop);
    loop {
        if let Err(e) = run_once(&state).await {
            tracing::warn!(error = %e, "warning evaluation failed; retrying");
        }
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

/// Catches up with the log and evaluates what changed (everything, every [`SWEEP_EVERY`]).
pub async fn run_once(state: &AppState) -> Result<Run, StoreError> {
    let mut inner = state.warnings.inner.lock().await;
    let now = state.clock.now();
    let mut run = Run::default();
    if !inner.loaded {
        load(state, &mut inner, now).await?;
    }
    let mut changed = BTreeSet::new();
    loop {
        let batch = state.store.log_after(inner.checkpoint, 2000).await?;
        for (seq, id) in &batch {
            changed.insert(*id);
            inner.checkpoint = *seq;
        }
        if batch.len() < 2000 {
            break;
        }
    }
    for id in &changed {
        refresh(state, &mut inner, *id).await?;
    }
    run.changed = changed.len();
    let due = inner.last_sweep.is_none_or(|at| now.duration_since(at) >= SWEEP_EVERY || now < at);
    if changed.is_empty() && !due {
        return Ok(run);
    }
    inner.users = None;
    let rules = rules(state).await?;
    if due {
        let started = std::time::Instant::now();
        evaluate(state, &mut inner, &rules, now, None, &mut run).await?;
        inner.last_sweep = Some(now);
        prune(&mut inner, now);
        tracing::debug!(
            matters = inner.facts.len(),
            open_warnings = inner.open.len(),
            raised = run.raised,
            escalated = run.escalated,
            closed = run.closed,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "warning sweep"
        );
    } else {
        // Between sweeps only what changed: its matters, and the clusters they belong to.
        evaluate(state, &mut inner, &rules, now, Some(&changed), &mut run).await?;
    }
    Ok(run)
}

/// Folds every open matter, every matter of the lookback, and the matter of every open warning.
async fn load(state: &AppState, inner: &mut Inner, now: Timestamp) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let head = state.store.log_head().await?;
    inner.open = state.store.open_warnings().await?.into_iter().map(|w| (w.key.clone(), w)).collect();
    let since = now - SignedDuration::from_hours(24 * i64::from(LOOKBACK_DAYS));
    let filters = [
        MatterFilter { open: true, ..MatterFilter::default() },
        MatterFilter { registered_from: Some(since), ..MatterFilter::default() },
    ];
    let mut ids = BTreeSet::new();
    for filter in filters {
        let mut page = Page { before: None, limit: 500 };
        loop {
            let rows = state.store.list(&Scope::all(), &filter, page).await?;
            ids.extend(rows.items.iter().map(|m| m.id));
            match rows.next {
                Some(next) => page.before = Some(next),
                None => break,
            }
        }
    }
    ids.extend(inner.open.values().flat_map(|w| w.detail.members.iter().copied()));
    for id in ids {
        refresh(state, inner, id).await?;
    }
    inner.facts.shrink();
    inner.checkpoint = head;
    inner.loaded = true;
    tracing::info!(
        matters = inner.facts.len(),
        warnings = inner.open.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "warning evaluator loaded"
    );
    Ok(())
}

async fn refresh(state: &AppState, inner: &mut Inner, id: MatterId) -> Result<(), StoreError> {
    let Some(events) = state.store.events(&Scope::all(), id).await? else { return Ok(()) };
    if let Some(m) = Matter::from_events(&events) {
        let facts = Facts::of(&m, &mut inner.names);
        inner.facts.put(facts);
    }
    Ok(())
}

/// Forgets closed matters older than the lookback that no open warning names.
fn prune(inner: &mut Inner, now: Timestamp) {
    let since = now - SignedDuration::from_hours(24 * i64::from(LOOKBACK_DAYS));
    let named: BTreeSet<MatterId> =
        inner.open.values().flat_map(|w| w.detail.members.iter().copied()).collect();
    inner.facts.retain(|f| f.open || f.registered_at >= since || named.contains(&f.id));
}

/// The cluster window the rules use (the first cluster-size rule's), for the figures shown.
fn window(rules: &Rules) -> u32 {
    rules
        .rules()
        .iter()
        .find_map(|r| match r.condition {
            warning::Condition::ClusterSize { window_days, .. } => Some(window_days),
            _ => None,
        })
        .unwrap_or(30)
}

/// What one subject's evaluation brings.
struct Evaluated {
    key: String,
    /// A matter merged into another: its warning closes saying so.
    merged_into: Option<MatterId>,
    open: bool,
    firing: Option<Firing>,
    unit: UnitId,
    members: Vec<MatterId>,
    figures: Option<Figures>,
}

async fn evaluate(
    state: &AppState,
    inner: &mut Inner,
    rules: &Rules,
    now: Timestamp,
    only: Option<&BTreeSet<MatterId>>,
    run: &mut Run,
) -> Result<(), StoreError> {
    let org = state.org();
    // Only what would change is kept for settling: a sweep looks at every matter and cluster,
    // and nearly all of them change nothing.
    let mut subjects: Vec<Evaluated> = vec![];
    let matters: Vec<&Facts> = match only {
        Some(ids) => ids.iter().filter_map(|id| inner.facts.get(*id)).collect(),
        None => inner.facts.iter().collect(),
    };
    for f in &matters {
        let facts = f.matter_facts(now);
        let firing = warning::evaluate_matter(rules, &facts);
        if firing.is_none() && facts.open {
            // An open matter no rule holds of changes nothing, whatever stands on it.
            continue;
        }
        let s = Evaluated {
            key: warning::key(&WarningSubject::Matter(f.id)),
            merged_into: f.merged_into,
            open: facts.open,
            firing,
            unit: f.unit,
            members: vec![f.id],
            figures: None,
        };
        if worth_settling(&inner.open, &s) {
            subjects.push(s);
        }
    }
    // The subjects the changed matters are about: the clusters to look at again.
    let touched: Option<HashSet<(Name, About)>> =
        only.map(|_| matters.iter().flat_map(|f| f.subjects()).collect());
    let in_touched = |f: &&Facts| touched.as_ref().is_none_or(|t| f.subjects().any(|s| t.contains(&s)));
    let found = clusters(inner.facts.iter().filter(in_touched), &inner.names, now, &org, window(rules));
    let mut seen: HashSet<String> = HashSet::new();
    for c in &found {
        let key = warning::key(&WarningSubject::Cluster(c.facts.key.clone()));
        seen.insert(key.clone());
        let s = Evaluated {
            key,
            merged_into: None,
            open: c.facts.open(),
            firing: warning::evaluate_cluster(rules, &c.facts),
            unit: c.unit,
            members: c.facts.member_ids(),
            figures: Some(c.figures.clone()),
        };
        if worth_settling(&inner.open, &s) {
            subjects.push(s);
        }
    }
    match (&touched, &mut inner.clusters) {
        (None, cache) => *cache = Some(found),
        (Some(t), Some(cache)) => {
            cache.retain(|c| !t.contains(&c.about));
            cache.extend(found);
        }
        (Some(_), None) => {}
    }
    // A cluster warning whose cluster is gone (its matters closed and aged out) closes too; a
    // sweep looks at every cluster, so only a sweep can tell.
    let gone: Vec<Evaluated> = inner
        .open
        .values()
        .filter(|_| only.is_none())
        .filter(|w| matches!(w.detail.subject, WarningSubject::Cluster(_)) && !seen.contains(&w.key))
        .filter(|w| w.detail.members.iter().all(|m| inner.facts.get(*m).is_none_or(|f| !f.open)))
        .map(|w| Evaluated {
            key: w.key.clone(),
            merged_into: None,
            open: false,
            firing: None,
            unit: w.unit_id,
            members: w.detail.members.clone(),
            figures: w.detail.figures.clone(),
        })
        .collect();
    subjects.extend(gone);
    subjects.sort_by(|a, b| a.key.cmp(&b.key));
    for s in subjects {
        settle(state, inner, &org, s, now, run).await?;
    }
    Ok(())
}

/// Whether [`settle`] would record anything for this evaluation.
fn worth_settling(open: &HashMap<String, WarningRecord>, s: &Evaluated) -> bool {
    let previous = open.get(&s.key);
    let change = warning::decide(previous.map(|w| (w.level, &w.detail.subject)), s.open, s.firing.clone());
    !matches!(change, Change::None) || previous.is_some_and(|w| s.open && w.detail.members != s.members)
}

fn entry(now: Timestamp, happening: Happening, level: Level, text: impl Into<String>) -> WarningEntry {
    WarningEntry { at: now, happening, level, text: text.into() }
}

async fn settle(
    state: &AppState,
    inner: &mut Inner,
    org: &OrgTree,
    s: Evaluated,
    now: Timestamp,
    run: &mut Run,
) -> Result<(), StoreError> {
    let previous = inner.open.get(&s.key).cloned();
    let change = warning::decide(previous.as_ref().map(|w| (w.level, &w.detail.subject)), s.open, s.firing);
    match (change, previous) {
        (Change::Raise(f), _) => {
            let Some(unit_path) = org.path(s.unit) else { return Ok(()) };
            let w = WarningRecord {
                id: 0,
                version: 0,
                key: s.key.clone(),
                level: f.level,
                unit_id: s.unit,
                unit_path,
                raised_at: now,
                updated_at: now,
                closed_at: None,
                detail: Detail {
                    subject: f.subject.clone(),
                    members: s.members,
                    rules: f.rules.clone(),
                    reason: f.reason.clone(),
                    response: warning::response(f.level),
                    owner: None,
                    deadline: None,
                    coordinator: None,
                    notified: vec![],
                    close_note: None,
                    figures: s.figures,
                },
            };
            let said = format!("{}：{}", f.level.label(), f.reason);
            match state.store.raise_warning(w, entry(now, Happening::Raised, f.level, said)).await? {
                Some(w) => {
                    run.raised += 1;
                    let w = respond(state, inner, org, w, now).await?;
                    inner.open.insert(s.key, w);
                }
                None => reread(state, inner).await?,
            }
        }
        (Change::Escalate { from, to, firing }, Some(mut w)) => {
            w.level = to;
            w.updated_at = now;
            w.detail.rules = firing.rules;
            w.detail.reason = firing.reason.clone();
            w.detail.response = warning::response(to);
            w.detail.members = s.members;
            if s.figures.is_some() {
                w.detail.figures = s.figures;
            }
            let said = format!("由{}升级为{}：{}", from.label(), to.label(), firing.reason);
            if state.store.save_warning(&w, entry(now, Happening::Escalated, to, said)).await? {
                w.version += 1;
                run.escalated += 1;
                let w = respond(state, inner, org, w, now).await?;
                inner.open.insert(s.key, w);
            } else {
                reread(state, inner).await?;
            }
        }
        (Change::Close { note }, Some(mut w)) => {
            let note = match s.merged_into {
                Some(main) => format!("已并入主件#{}，由主件继续办理", main.0),
                None => note,
            };
            w.closed_at = Some(now);
            w.updated_at = now;
            w.detail.close_note = Some(note.clone());
            if s.figures.is_some() {
                w.detail.figures = s.figures;
            }
            if state.store.save_warning(&w, entry(now, Happening::Closed, w.level, note)).await? {
                run.closed += 1;
                inner.open.remove(&s.key);
            } else {
                reread(state, inner).await?;
            }
        }
        (Change::None, Some(mut w)) if s.open && w.detail.members != s.members => {
            // A cluster that grew (or lost a merged matter) keeps its warning; its members and
            // figures follow, and a new open member gets the owner too.
            let added = s.members.iter().filter(|m| !w.detail.members.contains(m)).count();
            w.detail.members = s.members;
            w.updated_at = now;
            if s.figures.is_some() {
                w.detail.figures = s.figures;
            }
            let said = format!("簇内事项变为{}件（新增{}件）", w.detail.members.len(), added);
            if state.store.save_warning(&w, entry(now, Happening::Responded, w.level, said)).await? {
                w.version += 1;
                let w = respond(state, inner, org, w, now).await?;
                inner.open.insert(s.key, w);
            } else {
                reread(state, inner).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Another node changed a warning first: take the store's open warnings as they are.
async fn reread(state: &AppState, inner: &mut Inner) -> Result<(), StoreError> {
    inner.open = state.store.open_warnings().await?.into_iter().map(|w| (w.key.clone(), w)).collect();
    Ok(())
}

/// The active leaders of the nearest unit at or above `unit` that has any.
fn leaders_over(users: &[UserRecord], org: &OrgTree, unit: UnitId) -> Vec<UserRecord> {
    for u in org.lineage(unit).iter().rev() {
        let found: Vec<UserRecord> =
            users.iter().filter(|x| x.active && x.role == Role::Leader && x.unit_id == *u).cloned().collect();
        if !found.is_empty() {
            return found;
        }
    }
    vec![]
}

async fn users(state: &AppState, inner: &mut Inner) -> Result<Arc<Vec<UserRecord>>, StoreError> {
    match &inner.users {
        Some(users) => Ok(Arc::clone(users)),
        None => {
            let users = Arc::new(state.store.users(&Scope::all()).await?);
            inner.users = Some(Arc::clone(&users));
            Ok(users)
        }
    }
}

fn names(users: &[UserRecord]) -> String {
    users.iter().map(|u| u.display_name.as_str()).collect::<Vec<_>>().join("、")
}

/// Carries out what the warning's level asks, once per level, and records it.
async fn respond(
    state: &AppState,
    inner: &mut Inner,
    org: &OrgTree,
    mut w: WarningRecord,
    now: Timestamp,
) -> Result<WarningRecord, StoreError> {
    let users = users(state, inner).await?;
    let mut said = vec![];
    let heads = leaders_over(&users, org, w.unit_id);
    let tell = |w: &mut WarningRecord, who: &[UserRecord]| {
        let fresh: Vec<&UserRecord> = who.iter().filter(|u| !w.detail.notified.contains(&u.id)).collect();
        w.detail.notified.extend(fresh.iter().map(|u| u.id));
        fresh.iter().map(|u| u.display_name.clone()).collect::<Vec<_>>()
    };
    match w.detail.response {
        Response::NotifyUnitHead => {
            let told = tell(&mut w, &heads);
            if told.is_empty() && w.detail.notified.is_empty() {
                said.push(format!("{}没有负责人账号，请管理员配置", org.full_name(w.unit_id)));
            } else if !told.is_empty() {
                said.push(format!("已通知承办单位负责人：{}", told.join("、")));
            }
        }
        Response::LeaderOwner { deadline_days } => {
            own(state, inner, &mut w, &heads, deadline_days, now, &mut said).await?;
        }
        Response::CommandCentre => {
            own(state, inner, &mut w, &heads, warning::LEADER_DEADLINE_DAYS, now, &mut said).await?;
            let root = org.root();
            if w.detail.coordinator.is_none()
                && let Some(root) = root
            {
                w.detail.coordinator = Some(root);
                said.push(format!("{}指挥中心统筹协调", org.full_name(root)));
            }
            // The superiors: the leaders of the unit above the warning's, and the centre's.
            let above = org.get(w.unit_id).and_then(|u| u.parent_id);
            let mut superiors = above.map(|u| leaders_over(&users, org, u)).unwrap_or_default();
            if let Some(root) = root {
                superiors.extend(
                    users.iter().filter(|u| u.active && u.role == Role::Leader && u.unit_id == root).cloned(),
                );
            }
            superiors.sort_by_key(|u| u.id);
            superiors.dedup_by_key(|u| u.id);
            let told = tell(&mut w, &superiors);
            if !told.is_empty() {
                said.push(format!("已报告上级：{}", told.join("、")));
            }
        }
    }
    if said.is_empty() {
        return Ok(w);
    }
    w.updated_at = now;
    if state.store.save_warning(&w, entry(now, Happening::Responded, w.level, said.join("；"))).await? {
        w.version += 1;
    }
    Ok(w)
}

/// Yellow and red: a leader owns every open matter of the warning (领导包案) until the
/// deadline. A matter some leader already owns keeps its owner.
async fn own(
    state: &AppState,
    inner: &mut Inner,
    w: &mut WarningRecord,
    heads: &[UserRecord],
    days: u32,
    now: Timestamp,
    said: &mut Vec<String>,
) -> Result<(), StoreError> {
    let owner = match w.detail.owner {
        Some(id) => heads.iter().find(|u| u.id == id).cloned().or_else(|| heads.first().cloned()),
        None => heads.first().cloned(),
    };
    let Some(owner) = owner else {
        if w.detail.owner.is_none() {
            said.push("没有可包案的领导账号，请管理员配置".to_string());
        }
        return Ok(());
    };
    let deadline = match w.detail.deadline {
        Some(d) if w.detail.owner == Some(owner.id) => d,
        _ => now + SignedDuration::from_hours(24 * i64::from(days)),
    };
    let first = w.detail.owner.is_none();
    w.detail.owner = Some(owner.id);
    w.detail.deadline = Some(deadline);
    let mut assigned = vec![];
    for id in w.detail.members.clone() {
        let Some(f) = inner.facts.get(id) else { continue };
        if !f.open || f.led {
            continue;
        }
        let note = format!("{}：{}", w.level.label(), w.detail.reason);
        if assign_leader(state, id, owner.id, deadline, note, now).await? {
            assigned.push(format!("#{}", id.0));
            if let Some(f) = inner.facts.get_mut(id) {
                f.led = true;
            }
        }
    }
    let until = deadline.to_zoned(state.settings.time_zone.clone()).date();
    if first {
        said.push(format!("由{}包案，限{}前化解", names(std::slice::from_ref(&owner)), until));
    }
    if !assigned.is_empty() {
        said.push(format!("{}已由领导包案", assigned.join("、")));
    }
    Ok(())
}

/// Records 领导包案 on a matter as the system, at the version read (one retry if it moved).
async fn assign_leader(
    state: &AppState,
    id: MatterId,
    leader: UserId,
    due: Timestamp,
    note: String,
    now: Timestamp,
) -> Result<bool, StoreError> {
    for _ in 0..2 {
        let Some(events) = state.store.events(&Scope::all(), id).await? else { return Ok(false) };
        let Some(mut matter) = Matter::from_events(&events) else { return Ok(false) };
        if matter.status == Status::Closed || matter.leader.is_some() {
            return Ok(false);
        }
        let known = state.knowledge(state.org());
        let system = crate::scheduler::system_actor(&known.org);
        let cmd =
            Command::AssignLeader { leader_id: leader.0, due, note: Some(note.chars().take(500).collect()) };
        let events = match command::decide(&matter, &cmd, &known.ctx(system, now)) {
            Ok(e) => e,
            Err(e) => {
                tracing::info!(matter = id.0, error = %e, "a warning's leader could not be assigned");
                return Ok(false);
            }
        };
        let read = matter.version;
        for e in &events {
            matter.apply(e, now);
        }
        let append = Append::existing(&matter, &events, &known.org, Some(read))
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .by(SYSTEM);
        match state.store.append(append).await {
            Ok(_) => return Ok(true),
            Err(minsheng_store::AppendError::Conflict { .. }) => continue,
            Err(e) => return Err(StoreError::Corrupt(e.to_string())),
        }
    }
    Ok(false)
}

/// The clusters in `scope` now, largest first, for the board.
pub async fn current_clusters(state: &AppState, scope: &Scope) -> Result<Vec<Cluster>, StoreError> {
    let mut inner = state.warnings.inner.lock().await;
    if !inner.loaded {
        load(state, &mut inner, state.clock.now()).await?;
    }
    let rules = rules(state).await?;
    let org = state.org();
    let now = state.clock.now();
    let all = match &inner.clusters {
        Some(cached) => cached.clone(),
        None => clusters(inner.facts.iter(), &inner.names, now, &org, window(&rules)),
    };
    let mut found: Vec<Cluster> = all
        .into_iter()
        .filter(|c| org.path(c.unit).is_some_and(|p| scope.covers(&p)) && c.facts.open())
        .collect();
    found.sort_by_key(|c| std::cmp::Reverse((c.figures.size, c.figures.open)));
    Ok(found)
}

/// What `rules` would fire on the matters and clusters of the last [`LOOKBACK_DAYS`], each
/// taken as if still open: an administrator sees an edit's effect before saving it.
pub async fn preview(state: &AppState, rules: &Rules) -> Result<Vec<Firing>, StoreError> {
    let mut inner = state.warnings.inner.lock().await;
    let now = state.clock.now();
    if !inner.loaded {
        load(state, &mut inner, now).await?;
    }
    let since = now - SignedDuration::from_hours(24 * i64::from(LOOKBACK_DAYS));
    let recent: Vec<Facts> = inner
        .facts
        .iter()
        .filter(|f| f.registered_at >= since)
        .map(|f| Facts { open: true, ..f.clone() })
        .collect();
    let matters: Vec<MatterFacts> = recent.iter().map(|f| f.matter_facts(now)).collect();
    let org = state.org();
    let clusters: Vec<ClusterFacts> = clusters(recent.iter(), &inner.names, now, &org, window(rules))
        .into_iter()
        .map(|c| c.facts)
        .collect();
    Ok(warning::preview(rules, &matters, &clusters))
}

/// Forgets what was loaded, so the next run loads afresh (after a restore, in tests).
pub async fn reset(state: &AppState) {
    *state.warnings.inner.lock().await = Inner::default();
}
