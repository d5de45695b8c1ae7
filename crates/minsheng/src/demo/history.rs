//! A year of demo history. Each generated grievance is registered and then carried through its
//! lifecycle by the domain's own `decide`, acting as the staff who would really do each step,
//! with times spread over the past year; matters from recent weeks are still open. Chunks are
//! generated on a blocking thread while the previous chunk is being committed.

use super::county::{COMMITTEES, DEPARTMENTS};
use super::texts::{self, DemoKind, Place};
use jiff::{SignedDuration, Timestamp};
use minsheng_domain::clock;
use minsheng_domain::command::{self, Command};
use minsheng_domain::event::{Outcome, Satisfaction};
use minsheng_domain::matter::RegistrationDraft;
use minsheng_domain::party::PartyDraft;
use minsheng_domain::policy::Urgency;
use minsheng_domain::{Actor, Channel, Event, HandlingMode, Matter, MatterId, MatterKind, OrgTree};
use minsheng_domain::{Role, UnitId, UnitKind, UserId};
use minsheng_store::{Append, PendingEvent, Store, UserRecord};
use minsheng_web::state::Knowledge;
use std::collections::HashMap;
use std::sync::Arc;

/// A township and who works there.
#[derive(Clone, Debug)]
struct Township {
    id: UnitId,
    name: String,
    committee: UnitId,
    villages: Vec<Village>,
    clerk: UserId,
    mediator: UserId,
}

/// A village with its grids and each grid's worker.
#[derive(Clone, Debug)]
struct Village {
    id: UnitId,
    name: String,
    grids: Vec<(UnitId, UserId)>,
}

/// The staff and units the history is acted by.
#[derive(Clone, Debug)]
pub struct Cast {
    county: UnitId,
    county_clerk: UserId,
    leader: UserId,
    townships: Vec<Township>,
    /// category → (unit, the user acting for it)
    departments: HashMap<&'static str, Vec<(UnitId, UserId)>>,
    committees: HashMap<&'static str, (UnitId, UserId)>,
    petitions_office: (UnitId, UserId),
}

impl Cast {
    pub fn of(org: &OrgTree, users: &[UserRecord]) -> Result<Self, String> {
        let user = |name: &str| {
            users.iter().find(|u| u.username == name).map(|u| u.id).ok_or(format!("no user {name}"))
        };
        let unit =
            |name: &str| org.iter().find(|u| u.name == name).map(|u| u.id).ok_or(format!("no unit {name}"));
        let county = org.iter().find(|u| u.parent_id.is_none()).map(|u| u.id).ok_or("no county")?;
        let mut townships = vec![];
        for t in org.iter().filter(|u| u.kind == UnitKind::Township) {
            let suffix: String = t.code.as_deref().unwrap_or_default().chars().skip(6).collect();
            let worker_of = |grid: UnitId| {
                users.iter().find(|u| u.unit_id == grid && u.role == Role::GridWorker).map(|u| u.id)
            };
            let villages: Vec<Village> = org
                .iter()
                .filter(|v| v.kind == UnitKind::Village && v.parent_id == Some(t.id))
                .map(|v| Village {
                    id: v.id,
                    name: v.name.clone(),
                    grids: org
                        .iter()
                        .filter(|g| g.kind == UnitKind::Grid && g.parent_id == Some(v.id))
                        .filter_map(|g| worker_of(g.id).map(|w| (g.id, w)))
                        .collect(),
                })
                .collect();
            if villages.is_empty() {
                continue;
            }
            townships.push(Township {
                id: t.id,
                name: t.name.clone(),
                committee: unit(&format!("{}人民调解委员会", t.name))?,
                villages,
                clerk: user(&format!("clerk_{suffix}"))?,
                mediator: user(&format!("mediator_{suffix}"))?,
            });
        }
        let mut departments: HashMap<&'static str, Vec<(UnitId, UserId)>> = HashMap::new();
        for (name, login, categories) in DEPARTMENTS {
            let who = (unit(name)?, user(&format!("handler_{login}"))?);
            for c in *categories {
                departments.entry(c).or_default().push(who);
            }
        }
        let mut committees = HashMap::new();
        for (name, login, categories) in COMMITTEES {
            let who = (unit(name)?, user(&format!("mediator_{login}"))?);
            for c in *categories {
                committees.insert(*c, who);
            }
        }
        Ok(Self {
            county,
            county_clerk: user("clerk")?,
            leader: user("leader")?,
            townships,
            departments,
            committees,
            petitions_office: (unit("市信访局")?, user("handler_xfj")?),
        })
    }
}

/// Generates `n` matters into the store, showing progress.
pub async fn generate(
    store: Arc<dyn Store>,
    known: Knowledge,
    cast: Cast,
    n: u64,
    seed: u64,
) -> Result<(), String> {
    const CHUNK: u64 = 2_000;
    let bar = indicatif::ProgressBar::new(n);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, 剩余 {eta})")
            .map_err(|e| e.to_string())?,
    );
    bar.set_message("生成一年的事项 generating matters");
    let now = Timestamp::now();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Append>>(2);
    let producer = tokio::task::spawn_blocking(move || {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut i = 0;
        while i < n {
            let end = (i + CHUNK).min(n);
            let chunk: Vec<Append> =
                (i..end).filter_map(|k| one_matter(&mut rng, &known, &cast, now, k, n)).collect();
            if tx.blocking_send(chunk).is_err() {
                return;
            }
            i = end;
        }
    });
    let mut written = 0u64;
    let mut failed = 0u64;
    while let Some(chunk) = rx.recv().await {
        let size = chunk.len() as u64;
        for outcome in store.append_many(chunk).await {
            if let Err(e) = outcome {
                failed += 1;
                if failed <= 3 {
                    tracing::error!(error = %e, "a demo matter was refused");
                }
            }
        }
        written += size;
        bar.set_position(written);
        // Without a terminal the bar is hidden; say something every tenth of the way instead.
        if bar.is_hidden() && n >= 10 && (written - size) / (n / 10) != written / (n / 10) {
            eprintln!("生成事项 generating matters: {written}/{n}");
        }
    }
    producer.await.map_err(|e| e.to_string())?;
    bar.finish_with_message("完成 done");
    if failed > 0 {
        return Err(format!("{failed} demo matters were refused by the store"));
    }
    Ok(())
}

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> Option<&'a T> {
    (!items.is_empty()).then(|| &items[rng.usize(..items.len())])
}

/// The `k`-th of `n` matters, registered on day k·365/n of the past year.
fn one_matter(
    rng: &mut fastrand::Rng,
    known: &Knowledge,
    cast: &Cast,
    now: Timestamp,
    k: u64,
    n: u64,
) -> Option<Append> {
    let org: &OrgTree = &known.org;
    // 枫桥镇 weighs three times as much: the demo's featured township is busy.
    let weighted: Vec<&Township> = cast
        .townships
        .iter()
        .flat_map(|t| std::iter::repeat_n(t, if t.name == "枫桥镇" { 3 } else { 1 }))
        .collect();
    let township = *pick(rng, &weighted)?;
    let village = pick(rng, &township.villages)?;
    let g = texts::compose(rng, &Place { township: &township.name, village: &village.name });

    let day = (k as f64 / n as f64 * 365.0) as i64;
    let registered_at =
        now - SignedDuration::from_hours(24 * (365 - day)) + SignedDuration::from_mins(rng.i64(0..600) - 300);
    let registered_at = registered_at.min(now - SignedDuration::from_mins(30));
    // Who registers it, acting from their own unit: the county centre takes calls and letters,
    // the township takes visits and disputes, a grid worker reports from their grid.
    let county_clerk = Actor { user_id: cast.county_clerk, role: Role::Clerk, unit_id: cast.county };
    let township_clerk = Actor { user_id: township.clerk, role: Role::Clerk, unit_id: township.id };
    let grid = pick(rng, &village.grids).copied();
    let (kind, channel, registrar, place) = match (g.kind, grid) {
        (DemoKind::Request, _) | (DemoKind::GridEvent, None) => (
            MatterKind::Request,
            *pick(rng, &[Channel::Phone, Channel::Phone, Channel::Online])?,
            county_clerk,
            village.id,
        ),
        (DemoKind::Petition, _) => (
            MatterKind::Petition,
            *pick(rng, &[Channel::Letter, Channel::Visit, Channel::Online])?,
            county_clerk,
            village.id,
        ),
        (DemoKind::Dispute, _) => (
            MatterKind::Dispute,
            *pick(rng, &[Channel::Visit, Channel::Visit, Channel::Screening, Channel::Transfer])?,
            township_clerk,
            village.id,
        ),
        (DemoKind::GridEvent, Some((grid, worker))) => (
            MatterKind::GridEvent,
            Channel::Grid,
            Actor { user_id: worker, role: Role::GridWorker, unit_id: grid },
            grid,
        ),
        (DemoKind::WageClaim, _) => (
            MatterKind::WageClaim,
            *pick(rng, &[Channel::Visit, Channel::Phone])?,
            township_clerk,
            village.id,
        ),
    };
    let draft = RegistrationDraft {
        kind,
        channel,
        category: g.category.to_owned(),
        unit_id: place.0,
        title: g.title,
        body: g.body,
        people_involved: Some(i64::from(g.people_involved)),
        amount_fen: g.amount_fen,
        parties: g
            .parties
            .into_iter()
            .enumerate()
            .map(|(i, p)| PartyDraft {
                role: if i == 0 {
                    minsheng_domain::party::PartyRole::Applicant
                } else {
                    minsheng_domain::party::PartyRole::Respondent
                },
                name: p.name,
                phone: Some(p.phone),
                id_card: p.id_card,
                address: Some(p.address),
            })
            .collect(),
        attachments: vec![],
        urgency: Some(if rng.u8(..100) < 6 { Urgency::Urgent } else { Urgency::Normal }),
    };
    let ctx = |actor: Actor, at: Timestamp| known.ctx(actor, at);
    let registered = match command::register(&draft, &ctx(registrar, registered_at)) {
        Ok(events) => events,
        Err(e) => {
            tracing::warn!(error = %e, "generated text failed validation; skipped");
            return None;
        }
    };
    let Some(Event::Registered(registration)) = registered.first() else { return None };
    let mut matter = Matter::registered(MatterId(0), registration.clone(), registered_at, registrar.user_id);
    let mut events = vec![];
    for (i, e) in registered.iter().enumerate() {
        if i > 0 {
            matter.apply(e, registered_at);
        }
        events.push(PendingEvent::of(e, registered_at, registrar.user_id).ok()?);
    }
    let mut at = registered_at;
    // The scheduler's part, as it would have happened: every timer due before `until` fires
    // at its time, as the system.
    let system = Actor { user_id: UserId(0), role: Role::Admin, unit_id: cast.county };
    let fire_until = |matter: &mut Matter, events: &mut Vec<PendingEvent>, until: Timestamp| {
        while let Some(t) =
            matter.timers().into_iter().filter(|t| t.fire_at < until).min_by_key(|t| t.fire_at)
        {
            let fired = clock::fire(matter, &t, &ctx(system, t.fire_at));
            if fired.is_empty() {
                break;
            }
            for e in fired {
                matter.apply(&e, t.fire_at);
                if let Ok(p) = PendingEvent::of(&e, t.fire_at, UserId(0)) {
                    events.push(p);
                }
            }
        }
    };
    let mut step = |matter: &mut Matter,
                    actor: Actor,
                    cmd: Command,
                    after: SignedDuration,
                    at: &mut Timestamp|
     -> bool {
        let next = *at + after;
        if next >= now {
            return false;
        }
        fire_until(matter, &mut events, next);
        match command::decide(matter, &cmd, &ctx(actor, next)) {
            Ok(new) => {
                for e in new {
                    matter.apply(&e, next);
                    if let Ok(p) = PendingEvent::of(&e, next, actor.user_id) {
                        events.push(p);
                    }
                }
                *at = next;
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, "demo step refused");
                false
            }
        }
    };
    let hours =
        |rng: &mut fastrand::Rng, lo: i64, hi: i64| SignedDuration::from_mins(rng.i64(lo * 60..hi * 60));

    // Route it as a centre would.
    let category = g.category;
    let (lead, lead_user, mode, co): (UnitId, UserId, HandlingMode, Vec<i64>) = match kind {
        MatterKind::Dispute => match cast.committees.get(category) {
            Some(&(unit, user)) if rng.u8(..10) < 4 => (unit, user, HandlingMode::Transfer, vec![]),
            _ => (township.committee, township.mediator, HandlingMode::Transfer, vec![]),
        },
        MatterKind::Petition => {
            (cast.petitions_office.0, cast.petitions_office.1, HandlingMode::Assign, vec![])
        }
        MatterKind::WageClaim => {
            let (unit, user) = cast.departments.get("wage_arrears").and_then(|d| d.first().copied())?;
            (unit, user, HandlingMode::Joint, vec![township.id.0])
        }
        MatterKind::GridEvent => (registrar.unit_id, registrar.user_id, HandlingMode::Direct, vec![]),
        MatterKind::Request => match cast.departments.get(category).and_then(|d| pick(rng, d)) {
            Some(&(unit, user)) if rng.u8(..10) < 7 => (unit, user, HandlingMode::Transfer, vec![]),
            _ => (township.id, township.clerk, HandlingMode::Transfer, vec![]),
        },
    };
    // Whoever registered it routes and closes it, except that a grid worker's events are
    // closed by the township: closing is not a grid worker's to do.
    let clerk = if registrar.role == Role::GridWorker { township_clerk } else { registrar };
    let handler = if mode == HandlingMode::Direct {
        registrar
    } else {
        Actor { user_id: lead_user, role: Role::Handler, unit_id: lead }
    };
    let routed = if kind == MatterKind::GridEvent {
        step(&mut matter, township_clerk, Command::Open {}, hours(rng, 1, 4), &mut at)
            && step(&mut matter, handler, Command::Start {}, hours(rng, 1, 6), &mut at)
    } else if mode == HandlingMode::Direct {
        step(&mut matter, handler, Command::Start {}, hours(rng, 1, 6), &mut at)
    } else {
        let report_by = (mode == HandlingMode::Assign).then(|| at + SignedDuration::from_hours(24 * 15 + 12));
        let assign = Command::Assign { mode, unit_id: lead.0, co_unit_ids: co, report_by, note: None };
        // A hotline dispatches within its two hours, mostly; other intakes route the same day.
        let dispatch_after = if kind == MatterKind::Request {
            SignedDuration::from_mins(rng.i64(10..150))
        } else {
            hours(rng, 1, 20)
        };
        step(&mut matter, clerk, assign, dispatch_after, &mut at)
            && step(&mut matter, handler, Command::Start {}, hours(rng, 2, 48), &mut at)
    };
    if routed && rng.u8(..10) < 2 {
        let note = Command::Note { text: "已电话联系当事人，约定上门核实情况。".into() };
        step(&mut matter, handler, note, hours(rng, 1, 30), &mut at);
    }
    // Most are answered within a few weeks; recent ones may still be open.
    let outcome = (kind == MatterKind::Petition).then(|| {
        *pick(rng, &[Outcome::Support, Outcome::Explain, Outcome::Explain, Outcome::Reject])
            .unwrap_or(&Outcome::Explain)
    });
    // Most answers come well inside the kind's limit; a few run late, as they do.
    let late = rng.u8(..100) < 12;
    let answer_after = match (kind, late) {
        (MatterKind::GridEvent, false) => hours(rng, 4, 24 * 4),
        (MatterKind::Petition | MatterKind::WageClaim, false) => hours(rng, 24 * 5, 24 * 45),
        (_, false) => hours(rng, 24, 24 * 12),
        (_, true) => hours(rng, 24 * 15, 24 * 70),
    };
    let replied = routed
        && step(
            &mut matter,
            handler,
            Command::Reply { text: g.reply.clone(), outcome },
            answer_after,
            &mut at,
        );
    // A grid event's feedback is checked on site before it closes.
    let verified = replied
        && (kind != MatterKind::GridEvent
            || step(
                &mut matter,
                township_clerk,
                Command::Verify { passed: true, note: None },
                hours(rng, 2, 30),
                &mut at,
            ));
    // The next working day, the centre calls back and asks whether the citizen is satisfied.
    if verified && kind != MatterKind::Petition && rng.u8(..100) < 90 {
        let roll = rng.u8(..100);
        let satisfaction = if roll < 80 {
            Satisfaction::Satisfied
        } else if roll < 95 {
            Satisfaction::Fair
        } else {
            Satisfaction::Unsatisfied
        };
        step(&mut matter, clerk, Command::FollowUp { satisfaction, note: None }, hours(rng, 2, 22), &mut at);
    }
    // A petition is left to its review window, which the scheduler closes into finality.
    let closed = verified
        && kind != MatterKind::Petition
        && rng.u8(..100) < 96
        && step(
            &mut matter,
            clerk,
            Command::Close { note: Some(g.close_note.clone()) },
            hours(rng, 4, 24 * 5),
            &mut at,
        );
    if closed && rng.u8(..100) < 4 {
        let leader = Actor { user_id: cast.leader, role: Role::Leader, unit_id: cast.county };
        let reopen =
            Command::Reopen { reason: "回访时群众反映问题反弹，要求重新办理。".into() };
        if step(&mut matter, leader, reopen, hours(rng, 24, 24 * 30), &mut at)
            && step(
                &mut matter,
                handler,
                Command::Reply { text: format!("经再次核查处理：{}", g.reply), outcome: None },
                hours(rng, 24, 24 * 10),
                &mut at,
            )
        {
            step(
                &mut matter,
                clerk,
                Command::Close { note: Some("重新办理后回访满意，销号。".into()) },
                hours(rng, 4, 48),
                &mut at,
            );
        }
    }
    fire_until(&mut matter, &mut events, now);
    Some(Append::history(&matter, events, org, None))
}
