//! A year of demo history. Each generated grievance is registered and then carried through its
//! lifecycle by the domain's own `decide`, acting as the staff who would really do each step,
//! with times spread over the past year; matters from recent weeks are still open. Disputes go
//! through people's mediation once a committee has them (see `mediation`). Chunks are
//! generated on a blocking thread while the previous chunk is being committed.

use super::county::{COMMITTEES, DEPARTMENTS};
use super::mediation::{self, Committee, Dispute};
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

/// A village with its grids and each grid's worker, and its mediation committee with its
/// mediator where it has one.
#[derive(Clone, Debug)]
struct Village {
    id: UnitId,
    name: String,
    grids: Vec<(UnitId, UserId)>,
    committee: Option<(UnitId, UserId)>,
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
    /// The court that confirms mediation agreements (司法确认), if the county has one.
    court: Option<String>,
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
            let mediator_of = |committee: UnitId| {
                users.iter().find(|u| u.unit_id == committee && u.role == Role::Mediator).map(|u| u.id)
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
                    committee: org
                        .iter()
                        .filter(|c| c.kind == UnitKind::Committee && c.parent_id == Some(v.id))
                        .find_map(|c| mediator_of(c.id).map(|m| (c.id, m))),
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
            court: county_court(org, county),
        })
    }
}

/// The county's people's court, by its full name (诸暨市人民法院), if the org has it.
fn county_court(org: &OrgTree, county: UnitId) -> Option<String> {
    let county_name = org.get(county).map(|u| u.name.as_str()).unwrap_or_default();
    org.iter()
        .filter(|u| u.kind == UnitKind::Department && u.name.ends_with("人民法院"))
        .map(|u| {
            u.name.strip_prefix('市').map_or_else(|| u.name.clone(), |rest| format!("{county_name}{rest}"))
        })
        .next()
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

/// A span of `lo..hi` hours, to the minute.
pub(super) fn hours(rng: &mut fastrand::Rng, lo: i64, hi: i64) -> SignedDuration {
    SignedDuration::from_mins(rng.i64(lo * 60..hi * 60))
}

/// One matter's history as it is being made: the matter, its events so far and the time of
/// the last step.
pub(super) struct Run<'a> {
    pub known: &'a Knowledge,
    /// The demo's present: nothing happens at or after it.
    pub now: Timestamp,
    /// The scheduler, as whom timers fire.
    system: Actor,
    pub matter: Matter,
    pub events: Vec<PendingEvent>,
    pub at: Timestamp,
}

impl Run<'_> {
    /// The scheduler's part, as it would have happened: every timer due before `until` fires
    /// at its time, as the system.
    pub fn fire_until(&mut self, until: Timestamp) {
        while let Some(t) =
            self.matter.timers().into_iter().filter(|t| t.fire_at < until).min_by_key(|t| t.fire_at)
        {
            let fired = clock::fire(&self.matter, &t, &self.known.ctx(self.system, t.fire_at));
            if fired.is_empty() {
                break;
            }
            for e in fired {
                self.matter.apply(&e, t.fire_at);
                if let Ok(p) = PendingEvent::of(&e, t.fire_at, UserId(0)) {
                    self.events.push(p);
                }
            }
        }
    }

    /// `cmd` decided as `actor`, `after` the last step; false when that is not yet past or the
    /// domain refuses it.
    pub fn step(&mut self, actor: Actor, cmd: Command, after: SignedDuration) -> bool {
        self.step_at(actor, cmd, self.at + after)
    }

    /// `cmd` decided as `actor` at `when` (not before the last step).
    pub fn step_at(&mut self, actor: Actor, cmd: Command, when: Timestamp) -> bool {
        let next = when.max(self.at);
        if next >= self.now {
            return false;
        }
        self.fire_until(next);
        match command::decide(&self.matter, &cmd, &self.known.ctx(actor, next)) {
            Ok(new) => {
                for e in new {
                    self.matter.apply(&e, next);
                    if let Ok(p) = PendingEvent::of(&e, next, actor.user_id) {
                        self.events.push(p);
                    }
                }
                self.at = next;
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, command = cmd.name(), "demo step refused");
                false
            }
        }
    }

    /// The calendar date of an instant.
    pub fn date_of(&self, at: Timestamp) -> jiff::civil::Date {
        self.known.calendar.date_of(at)
    }

    /// `date` at `hour:minute`, local time.
    pub fn local(&self, date: jiff::civil::Date, hour: i8, minute: i8) -> Option<Timestamp> {
        self.known.calendar.time_zone().to_zoned(date.at(hour, minute, 0, 0)).ok().map(|z| z.timestamp())
    }
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
        project: g.project,
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
    let registered = match command::register(&draft, &known.ctx(registrar, registered_at)) {
        Ok(events) => events,
        Err(e) => {
            tracing::warn!(error = %e, "generated text failed validation; skipped");
            return None;
        }
    };
    let Some(Event::Registered(registration)) = registered.first() else { return None };
    let matter = Matter::registered(MatterId(0), registration.clone(), registered_at, registrar.user_id);
    let system = Actor { user_id: UserId(0), role: Role::Admin, unit_id: cast.county };
    let mut run = Run { known, now, system, matter, events: vec![], at: registered_at };
    for (i, e) in registered.iter().enumerate() {
        if i > 0 {
            run.matter.apply(e, registered_at);
        }
        run.events.push(PendingEvent::of(e, registered_at, registrar.user_id).ok()?);
    }
    // Route it as a centre would.
    let category = g.category;
    let (lead, lead_user, mode, co): (UnitId, UserId, HandlingMode, Vec<i64>) = match kind {
        // A professional committee takes some of its field's disputes; in a village with its
        // own committee, half the everyday ones stay in the village (小事不出村).
        MatterKind::Dispute => match (cast.committees.get(category), village.committee) {
            (Some(&(unit, user)), _) if rng.u8(..10) < 4 => (unit, user, HandlingMode::Transfer, vec![]),
            (None, Some((unit, user)))
                if matches!(category, "neighbour" | "family" | "land") && rng.bool() =>
            {
                (unit, user, HandlingMode::Transfer, vec![])
            }
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
        run.step(township_clerk, Command::Open {}, hours(rng, 1, 4))
            && run.step(handler, Command::Start {}, hours(rng, 1, 6))
    } else if mode == HandlingMode::Direct {
        run.step(handler, Command::Start {}, hours(rng, 1, 6))
    } else {
        let report_by =
            (mode == HandlingMode::Assign).then(|| run.at + SignedDuration::from_hours(24 * 15 + 12));
        let assign = Command::Assign { mode, unit_id: lead.0, co_unit_ids: co, report_by, note: None };
        // A hotline dispatches within its two hours, mostly; other intakes route the same day.
        let dispatch_after = if kind == MatterKind::Request {
            SignedDuration::from_mins(rng.i64(10..150))
        } else {
            hours(rng, 1, 20)
        };
        // A committee starts a dispute by accepting it for mediation, below.
        run.step(clerk, assign, dispatch_after)
            && (kind == MatterKind::Dispute || run.step(handler, Command::Start {}, hours(rng, 2, 48)))
    };
    // A dispute goes through people's mediation, to an agreement followed up by visits (and
    // closed by the township after the last one), a failure or a refusal.
    if kind == MatterKind::Dispute {
        if routed && let Some(text) = &g.mediation {
            let name = |u: UnitId| org.get(u).map(|u| u.name.as_str()).unwrap_or_default();
            let escalate_to = (lead != township.committee && village.committee.is_some_and(|c| c.0 == lead))
                .then(|| {
                    (
                        Committee { unit: township.committee, mediator: township.mediator },
                        name(township.committee),
                    )
                });
            let dispute = Dispute {
                text,
                channel,
                parties: run.matter.registration.parties.len(),
                committee: (Committee { unit: lead, mediator: lead_user }, name(lead)),
                professional: cast.committees.values().any(|c| c.0 == lead),
                escalate_to,
                township: &township.name,
                village: &village.name,
                court: cast.court.as_deref(),
                closer: township_clerk,
            };
            mediation::mediate(&mut run, rng, &dispute);
        }
        run.fire_until(now);
        return Some(Append::history(&run.matter, run.events, org, None));
    }
    if routed && rng.u8(..10) < 2 {
        let note = Command::Note { text: "已电话联系当事人，约定上门核实情况。".into() };
        run.step(handler, note, hours(rng, 1, 30));
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
    let reply = Command::Reply { text: g.reply.clone(), outcome };
    let replied = routed
        && (run.step(handler, reply.clone(), answer_after) || {
            // Escalated meanwhile (its tier's limit ran out): the tier holding it answers.
            let lead = run.matter.handling.as_ref().map(|h| h.lead);
            let holder = if lead == Some(township.id) {
                Some(township_clerk)
            } else if lead == Some(cast.county) {
                Some(Actor { user_id: cast.county_clerk, role: Role::Clerk, unit_id: cast.county })
            } else {
                None
            };
            holder.is_some_and(|a| {
                run.step(a, Command::Start {}, hours(rng, 2, 24))
                    && run.step(a, reply, hours(rng, 24, 24 * 5))
            })
        });
    // A grid event's feedback is checked on site before it closes.
    let verified = replied
        && (kind != MatterKind::GridEvent
            || run.step(township_clerk, Command::Verify { passed: true, note: None }, hours(rng, 2, 30)));
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
        run.step(clerk, Command::FollowUp { satisfaction, note: None }, hours(rng, 2, 22));
    }
    // A petition is left to its review window, which the scheduler closes into finality.
    let closed = verified
        && kind != MatterKind::Petition
        && rng.u8(..100) < 96
        && run.step(clerk, Command::Close { note: Some(g.close_note.clone()) }, hours(rng, 4, 24 * 5));
    if closed && rng.u8(..100) < 4 {
        let leader = Actor { user_id: cast.leader, role: Role::Leader, unit_id: cast.county };
        let reopen =
            Command::Reopen { reason: "回访时群众反映问题反弹，要求重新办理。".into() };
        if run.step(leader, reopen, hours(rng, 24, 24 * 30))
            && run.step(
                handler,
                Command::Reply { text: format!("经再次核查处理：{}", g.reply), outcome: None },
                hours(rng, 24, 24 * 10),
            )
        {
            run.step(
                clerk,
                Command::Close { note: Some("重新办理后回访满意，销号。".into()) },
                hours(rng, 4, 48),
            );
        }
    }
    run.fire_until(now);
    Some(Append::history(&run.matter, run.events, org, None))
}
