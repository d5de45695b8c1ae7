//! The registers a people's mediation committee keeps (人民调解工作台账), computed from its
//! disputes' states and event histories for a period: 纠纷排查登记簿, 人民调解登记簿, 调解协议
//! 登记簿, 回访登记簿, and the figures of the monthly report (人民调解工作月报).
//!
//! Only what happened while this committee mediated counts: an event belongs to the committee
//! whose acceptance (`MediationAccepted`) it follows, until a transfer moves the dispute on.
//! An event falls in a period by the instant it was recorded, so each fact appears in exactly
//! one period's register; the dates written in the rows are the dates the facts name (the
//! day an agreement was signed, a visit made). Party names are written in full, as the
//! committee's own books need; phone and ID-card numbers never appear. The caller supplies
//! the names of units, users and categories; nothing here reads a store.

use super::{AgreementForm, JudicialResult, MediationOutcome, Performance, RemainingRisk, Source, Term};
use crate::calendar::Calendar;
use crate::category::CategoryCode;
use crate::event::{Event, RecordedEvent, Satisfaction};
use crate::ids::{MatterId, UnitId, UserId};
use crate::matter::{Channel, Matter};
use crate::party::PartyRole;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

string_enum!(
    /// Which register (登记簿) or report.
    RegisterKind {
        /// 纠纷排查登记簿
        Screening = "screening",
        /// 人民调解登记簿
        Mediation = "mediation",
        /// 调解协议登记簿
        Agreements = "agreements",
        /// 回访登记簿
        Visits = "visits",
        /// 人民调解工作月报
        Summary = "summary",
    }
);

impl RegisterKind {
    /// The register's title, as printed on its cover.
    pub fn title(self) -> &'static str {
        match self {
            Self::Screening => "纠纷排查登记簿",
            Self::Mediation => "人民调解登记簿",
            Self::Agreements => "调解协议登记簿",
            Self::Visits => "回访登记簿",
            Self::Summary => "人民调解工作月报",
        }
    }

    /// The column headings.
    pub fn header(self) -> &'static [&'static str] {
        match self {
            Self::Screening => {
                &["序号", "排查日期", "编号", "纠纷类型", "地点", "当事人", "简要情况", "处理情况"]
            }
            Self::Mediation => &[
                "序号",
                "受理日期",
                "编号",
                "纠纷类型",
                "来源",
                "当事人",
                "简要情况",
                "当事人请求",
                "调解员",
                "调解次数",
                "调解结果",
                "结束日期",
            ],
            Self::Agreements => &[
                "序号",
                "协议日期",
                "编号",
                "版本",
                "形式",
                "当事人",
                "协议条款",
                "司法确认",
                "履行情况",
                "是否反弹",
                "内容摘要",
            ],
            Self::Visits => {
                &["序号", "回访日期", "编号", "当事人", "履行情况", "满意度", "遗留风险", "回访人", "备注"]
            }
            Self::Summary => &["项目", "数值"],
        }
    }
}

/// A cell of a register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Int(i64),
    /// An amount of money in fen, shown in yuan.
    Yuan(i64),
    Empty,
}

/// A register as a table: its title, its header and its rows, each row as long as the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Register {
    pub kind: RegisterKind,
    pub title: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<Value>>,
}

/// A half-open period `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: Timestamp,
    pub to: Timestamp,
}

impl Period {
    pub fn contains(&self, at: Timestamp) -> bool {
        self.from <= at && at < self.to
    }
}

/// The names a register writes, which the caller knows and this crate does not.
pub trait Names {
    /// A unit's name (the place a dispute concerns, a committee).
    fn unit(&self, id: UnitId) -> String;
    /// A user's display name (the mediator, the visitor).
    fn user(&self, id: UserId) -> String;
    /// A category's Chinese name.
    fn category(&self, code: &CategoryCode) -> String;
}

/// The figures of a committee's monthly report (人民调解工作月报).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlySummary {
    /// Disputes accepted (受理).
    pub received: i64,
    /// Mediations that reached an outcome: a written or oral agreement, or a failure. A
    /// refusal is not a mediation; an amended agreement is not a new one.
    pub mediated: i64,
    /// Of those, agreements (written or oral).
    pub succeeded: i64,
    /// `succeeded / mediated` in thousandths, rounded; `None` when nothing was mediated.
    pub success_rate_permille: Option<i64>,
    /// The amounts in dispute (涉及金额) of the disputes mediated, in fen.
    pub amount_fen: i64,
    /// The people involved (涉及人数) in the disputes mediated.
    pub people: i64,
    /// Relapses (反弹) recorded.
    pub relapses: i64,
    /// Follow-up visits (回访) made.
    pub visits: i64,
    /// Risks of violence reported.
    pub risk_flags: i64,
}

/// One of the committee's registers for the period, rows in the order the facts were recorded.
/// `disputes` are the disputes with their histories (each in log order); `RegisterKind::Summary`
/// gives [`summary_rows`] of [`summary`].
pub fn register(
    kind: RegisterKind,
    disputes: &[(Matter, Vec<RecordedEvent>)],
    committee: UnitId,
    period: Period,
    calendar: &Calendar,
    names: &dyn Names,
) -> Register {
    let b = Books { committee, period, calendar, names };
    let mut rows = match kind {
        RegisterKind::Screening => b.screening(disputes),
        RegisterKind::Mediation => b.mediation(disputes),
        RegisterKind::Agreements => b.agreements(disputes),
        RegisterKind::Visits => b.visits(disputes),
        RegisterKind::Summary => return summary_rows(&summary(disputes, committee, period)),
    };
    rows.sort_by_key(|(key, _)| *key);
    let rows = rows
        .into_iter()
        .enumerate()
        .map(|(i, (_, cells))| {
            let mut row = Vec::with_capacity(cells.len() + 1);
            row.push(Value::Int(i64::try_from(i).unwrap_or(i64::MAX).saturating_add(1)));
            row.extend(cells);
            row
        })
        .collect();
    Register { kind, title: kind.title(), header: kind.header().to_vec(), rows }
}

/// The committee's figures for the period.
pub fn summary(
    disputes: &[(Matter, Vec<RecordedEvent>)],
    committee: UnitId,
    period: Period,
) -> MonthlySummary {
    let mut s = MonthlySummary::default();
    let mut mediated: BTreeSet<MatterId> = BTreeSet::new();
    let mut amount_fen = 0i64;
    let mut people = 0i64;
    for (m, events) in disputes {
        let mut outcome = Outcomes::default();
        for (e, ours) in attributed(events, committee) {
            let reached = outcome.step(&e.event, e.at);
            if !ours || !period.contains(e.at) {
                continue;
            }
            if let Some((o, _)) = reached
                && o != MediationOutcome::Refused
            {
                s.mediated += 1;
                if o.succeeded() {
                    s.succeeded += 1;
                }
                if mediated.insert(m.id) {
                    let reg = &m.registration;
                    amount_fen = amount_fen.saturating_add(reg.amount_fen.map(|f| f.get()).unwrap_or(0));
                    people = people.saturating_add(i64::from(reg.people_involved));
                }
            }
            match &e.event {
                Event::MediationAccepted { committee: c, .. } if *c == committee => s.received += 1,
                Event::Relapsed { .. } => s.relapses += 1,
                Event::VisitRecorded { .. } => s.visits += 1,
                Event::RiskFlagged { .. } => s.risk_flags += 1,
                _ => {}
            }
        }
    }
    s.amount_fen = amount_fen;
    s.people = people;
    s.success_rate_permille = (s.mediated > 0).then(|| (s.succeeded * 1000 + s.mediated / 2) / s.mediated);
    s
}

/// The monthly figures as a two-column table (项目, 数值), to write as a sheet.
pub fn summary_rows(s: &MonthlySummary) -> Register {
    let kind = RegisterKind::Summary;
    let rate = match s.success_rate_permille {
        Some(p) => Value::Text(format!("{}.{}%", p / 10, p % 10)),
        None => Value::Empty,
    };
    let rows = [
        ("受理纠纷（件）", Value::Int(s.received)),
        ("调解纠纷（件）", Value::Int(s.mediated)),
        ("调解成功（件）", Value::Int(s.succeeded)),
        ("调解成功率", rate),
        ("涉及金额（元）", Value::Yuan(s.amount_fen)),
        ("涉及人数（人）", Value::Int(s.people)),
        ("反弹（件）", Value::Int(s.relapses)),
        ("回访（次）", Value::Int(s.visits)),
        ("风险预警（次）", Value::Int(s.risk_flags)),
    ]
    .into_iter()
    .map(|(label, value)| vec![Value::Text(label.into()), value])
    .collect();
    Register { kind, title: kind.title(), header: kind.header().to_vec(), rows }
}

/// Rows are sorted by when their fact was recorded, then by matter and log position.
type Key = (Timestamp, MatterId, i64);
type Rows = Vec<(Key, Vec<Value>)>;

/// What every register is computed against.
struct Books<'a> {
    committee: UnitId,
    period: Period,
    calendar: &'a Calendar,
    names: &'a dyn Names,
}

impl Books<'_> {
    fn day(&self, at: Timestamp) -> Value {
        date(self.calendar.date_of(at))
    }

    /// 纠纷排查登记簿: disputes found by screening (the registration's channel, or the source
    /// this committee accepted them from), registered in the period. A dispute no committee has
    /// accepted yet is counted as the caller's; one only another committee accepted is not.
    fn screening(&self, disputes: &[(Matter, Vec<RecordedEvent>)]) -> Rows {
        let mut rows = vec![];
        for (m, events) in disputes {
            let accepted: Vec<(UnitId, Source)> = events
                .iter()
                .filter_map(|e| match &e.event {
                    Event::MediationAccepted { committee, source, .. } => Some((*committee, *source)),
                    _ => None,
                })
                .collect();
            let ours = accepted.iter().any(|(c, _)| *c == self.committee);
            let screened = m.registration.channel == Channel::Screening
                || accepted.iter().any(|(c, s)| *c == self.committee && *s == Source::Screening);
            if !(ours || accepted.is_empty()) || !screened || !self.period.contains(m.registered_at) {
                continue;
            }
            let reg = &m.registration;
            rows.push((
                (m.registered_at, m.id, 0),
                vec![
                    self.day(m.registered_at),
                    Value::Int(m.id.0),
                    text(self.names.category(&reg.category)),
                    text(self.names.unit(reg.unit_id)),
                    text(parties(m)),
                    text(&reg.title),
                    text(self.standing(m)),
                ],
            ));
        }
        rows
    }

    /// Where a dispute stands for this committee now (处理情况).
    fn standing(&self, m: &Matter) -> String {
        let med = &m.mediation;
        if med.committee == Some(self.committee) {
            return med.outcome.map_or("调解中", outcome_words).into();
        }
        if !med.engaged() {
            return "待受理".into();
        }
        match &m.handling {
            Some(h) if h.lead != self.committee => format!("已移交{}", self.names.unit(h.lead)),
            _ => "已移交".into(),
        }
    }

    /// 人民调解登记簿: one row per acceptance by this committee in the period, with what came of
    /// it up to now (its sessions, outcome and the day it ended), until a transfer moved it on.
    fn mediation(&self, disputes: &[(Matter, Vec<RecordedEvent>)]) -> Rows {
        let mut rows = vec![];
        for (m, events) in disputes {
            let events = in_order(events);
            for (i, e) in events.iter().enumerate() {
                let Event::MediationAccepted { committee, mediator, source, referred_by, requests, .. } =
                    &e.event
                else {
                    continue;
                };
                if *committee != self.committee || !self.period.contains(e.at) {
                    continue;
                }
                let mut outcomes = Outcomes::from_history(&events[..i]);
                let mut sessions = 0i64;
                for later in &events[i + 1..] {
                    if matches!(later.event, Event::MediationTransferred { .. }) {
                        break;
                    }
                    if matches!(later.event, Event::SessionHeld { .. }) {
                        sessions += 1;
                    }
                    outcomes.step(&later.event, later.at);
                }
                let source = match referred_by {
                    Some(by) => format!("{}（{by}）", source_words(*source)),
                    None => source_words(*source).into(),
                };
                let (result, ended) = match outcomes.current {
                    Some((o, at)) => (outcome_words(o), date(outcomes.date(self.calendar, at))),
                    None => ("调解中", Value::Empty),
                };
                let reg = &m.registration;
                rows.push((
                    (e.at, m.id, e.seq),
                    vec![
                        self.day(e.at),
                        Value::Int(m.id.0),
                        text(self.names.category(&reg.category)),
                        text(source),
                        text(parties(m)),
                        text(&reg.title),
                        text(requests),
                        text(self.names.user(*mediator)),
                        Value::Int(sessions),
                        text(result),
                        ended,
                    ],
                ));
            }
        }
        rows
    }

    /// 调解协议登记簿: one row per version signed (or oral agreement recorded) in the period,
    /// with its judicial confirmation, its performance and whether it relapsed, as they stand.
    fn agreements(&self, disputes: &[(Matter, Vec<RecordedEvent>)]) -> Rows {
        let mut rows = vec![];
        for (m, events) in disputes {
            for a in agreements(events, self.committee) {
                if !a.ours || !self.period.contains(a.at) {
                    continue;
                }
                let terms: Vec<String> = a.terms.iter().map(term_words).collect();
                let judicial = match (a.form, a.judicial) {
                    (AgreementForm::Oral, _) => Value::Empty,
                    (AgreementForm::Written, j) => text(judicial_words(j)),
                };
                let performance = if a.terms.is_empty() {
                    a.visited.map_or(Value::Empty, |p| text(performance_words(p)))
                } else if a.performed.len() >= a.terms.len() {
                    text("已履行")
                } else if a.performed.is_empty() {
                    text("未履行")
                } else {
                    text("部分履行")
                };
                rows.push((
                    (a.at, m.id, a.seq),
                    vec![
                        date(a.date),
                        Value::Int(m.id.0),
                        Value::Int(i64::from(a.version)),
                        text(match a.form {
                            AgreementForm::Written => "书面协议",
                            AgreementForm::Oral => "口头协议",
                        }),
                        text(parties(m)),
                        text(terms.join("；")),
                        judicial,
                        performance,
                        text(if a.relapsed { "是" } else { "否" }),
                        a.hash.map_or(Value::Empty, |h| text(h.chars().take(16).collect::<String>())),
                    ],
                ));
            }
        }
        rows
    }

    /// 回访登记簿: the visits made in the period, by whoever recorded them.
    fn visits(&self, disputes: &[(Matter, Vec<RecordedEvent>)]) -> Rows {
        let mut rows = vec![];
        for (m, events) in disputes {
            for (e, ours) in attributed(events, self.committee) {
                let Event::VisitRecorded { performance, satisfaction, risk, note } = &e.event else {
                    continue;
                };
                if !ours || !self.period.contains(e.at) {
                    continue;
                }
                rows.push((
                    (e.at, m.id, e.seq),
                    vec![
                        self.day(e.at),
                        Value::Int(m.id.0),
                        text(parties(m)),
                        text(performance_words(*performance)),
                        text(satisfaction_words(*satisfaction)),
                        text(risk_words(*risk)),
                        text(self.names.user(e.actor)),
                        note.as_deref().map_or(Value::Empty, text),
                    ],
                ));
            }
        }
        rows
    }
}

/// A history in log order.
fn in_order(events: &[RecordedEvent]) -> Vec<&RecordedEvent> {
    let mut sorted: Vec<&RecordedEvent> = events.iter().collect();
    sorted.sort_by_key(|e| (e.version, e.seq));
    sorted
}

/// Each event of a history, in log order, with whether `committee` was mediating the dispute
/// when it happened: from each of its acceptances until a transfer moves the dispute on.
fn attributed(events: &[RecordedEvent], committee: UnitId) -> Vec<(&RecordedEvent, bool)> {
    let mut current = None;
    in_order(events)
        .into_iter()
        .map(|e| {
            if let Event::MediationAccepted { committee: c, .. } = &e.event {
                current = Some(*c);
            }
            let ours = current == Some(committee);
            if matches!(e.event, Event::MediationTransferred { .. }) {
                current = None;
            }
            (e, ours)
        })
        .collect()
}

/// Follows a mediation's outcome through its history as the state does: an agreement, a
/// failure or a refusal settles it, a relapse opens it again. An amended agreement leaves it.
#[derive(Default)]
struct Outcomes {
    /// The outcome in force, with the instant it was recorded and the date it names.
    current: Option<(MediationOutcome, Timestamp)>,
    named: Option<Date>,
}

impl Outcomes {
    fn from_history(events: &[&RecordedEvent]) -> Self {
        let mut o = Self::default();
        for e in events {
            o.step(&e.event, e.at);
        }
        o
    }

    /// Applies an event; answers the outcome it reached, if it reached one.
    fn step(&mut self, event: &Event, at: Timestamp) -> Option<(MediationOutcome, Timestamp)> {
        let (outcome, named) = match event {
            Event::Relapsed { .. } => {
                self.current = None;
                self.named = None;
                return None;
            }
            Event::AgreementSigned { signed_on, .. } => (MediationOutcome::Written, Some(*signed_on)),
            Event::OralAgreementRecorded { agreed_on, .. } => (MediationOutcome::Oral, Some(*agreed_on)),
            Event::MediationFailed { .. } => (MediationOutcome::Failed, None),
            Event::MediationRefused { .. } => (MediationOutcome::Refused, None),
            _ => return None,
        };
        if self.current.is_some() {
            return None;
        }
        self.current = Some((outcome, at));
        self.named = named;
        self.current
    }

    /// The date the outcome in force was reached: the one its event names, else the day of it.
    fn date(&self, calendar: &Calendar, at: Timestamp) -> Date {
        self.named.unwrap_or_else(|| calendar.date_of(at))
    }
}

/// How a judicial confirmation of an agreement stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JudicialStanding {
    None,
    Filed,
    Accepted,
    Ruled(JudicialResult),
}

/// A signed version (or an oral agreement) and what became of it while it was in force.
struct AgreementRecord {
    seq: i64,
    at: Timestamp,
    ours: bool,
    date: Date,
    version: u32,
    form: AgreementForm,
    terms: Vec<Term>,
    hash: Option<String>,
    judicial: JudicialStanding,
    /// The indices of the terms performed.
    performed: BTreeSet<usize>,
    /// The performance the latest visit found.
    visited: Option<Performance>,
    relapsed: bool,
}

/// Every agreement of a history, as the state folds them: a signature takes the content of
/// its draft, an oral agreement the next version; terms performed, visits and relapses go to
/// the agreement in force, and the court's steps to the agreement that was filed.
fn agreements(events: &[RecordedEvent], committee: UnitId) -> Vec<AgreementRecord> {
    let mut drafts: BTreeMap<u32, Vec<Term>> = BTreeMap::new();
    let mut out: Vec<AgreementRecord> = vec![];
    let mut in_force: Option<usize> = None;
    let mut filed: Option<usize> = None;
    for (e, ours) in attributed(events, committee) {
        let last_version = out.last().map(|a| a.version).unwrap_or(0);
        let record = |version: u32, form, date, terms: Vec<Term>, hash: Option<String>| AgreementRecord {
            seq: e.seq,
            at: e.at,
            ours,
            date,
            version,
            form,
            terms,
            hash,
            judicial: JudicialStanding::None,
            performed: BTreeSet::new(),
            visited: None,
            relapsed: false,
        };
        match &e.event {
            Event::AgreementDrafted { version, content } => {
                drafts.insert(*version, content.terms.clone());
            }
            Event::AgreementSigned { version, signed_on, content_hash, .. } => {
                let terms = drafts.get(version).cloned().unwrap_or_default();
                let hash = Some(content_hash.clone());
                out.push(record(*version, AgreementForm::Written, *signed_on, terms, hash));
                in_force = Some(out.len() - 1);
            }
            Event::OralAgreementRecorded { agreed_on, terms, .. } => {
                out.push(record(last_version + 1, AgreementForm::Oral, *agreed_on, terms.clone(), None));
                in_force = Some(out.len() - 1);
            }
            Event::JudicialFiled { .. } => {
                filed = in_force;
                set(&mut out, filed, |a| a.judicial = JudicialStanding::Filed);
            }
            Event::JudicialAccepted { .. } => {
                set(&mut out, filed, |a| a.judicial = JudicialStanding::Accepted)
            }
            Event::JudicialRuled { result, .. } => {
                set(&mut out, filed, |a| a.judicial = JudicialStanding::Ruled(*result));
            }
            Event::TermPerformed { term, .. } => set(&mut out, in_force, |a| {
                a.performed.insert(*term);
            }),
            Event::VisitRecorded { performance, .. } => {
                set(&mut out, in_force, |a| a.visited = Some(*performance));
            }
            Event::Relapsed { .. } => {
                set(&mut out, in_force, |a| a.relapsed = true);
                in_force = None;
            }
            _ => {}
        }
    }
    out
}

fn set(records: &mut [AgreementRecord], at: Option<usize>, f: impl FnOnce(&mut AgreementRecord)) {
    if let Some(a) = at.and_then(|i| records.get_mut(i)) {
        f(a);
    }
}

/// Text, or an empty cell for nothing.
fn text(s: impl Into<String>) -> Value {
    let s = s.into();
    if s.is_empty() { Value::Empty } else { Value::Text(s) }
}

fn date(d: Date) -> Value {
    Value::Text(d.to_string())
}

/// The parties in full with their parts: 张三（申请人）、李四（被申请人）.
fn parties(m: &Matter) -> String {
    let part = |r: PartyRole| match r {
        PartyRole::Applicant => "申请人",
        PartyRole::Respondent => "被申请人",
        PartyRole::Other => "其他当事人",
    };
    let names: Vec<String> =
        m.registration.parties.iter().map(|p| format!("{}（{}）", p.name.as_str(), part(p.role))).collect();
    names.join("、")
}

/// `obligor：content（manner，deadline前）`.
fn term_words(t: &Term) -> String {
    format!("{}：{}（{}，{}前）", t.obligor, t.content, t.manner, t.deadline)
}

fn source_words(s: Source) -> &'static str {
    match s {
        Source::Application => "当事人申请",
        Source::Screening => "主动排查",
        Source::Intake => "综治中心分流",
        Source::Police => "公安机关移送",
        Source::Court => "人民法院委派委托",
        Source::Agency => "行政机关移送",
    }
}

fn outcome_words(o: MediationOutcome) -> &'static str {
    match o {
        MediationOutcome::Written => "调解成功（书面协议）",
        MediationOutcome::Oral => "调解成功（口头协议）",
        MediationOutcome::Failed => "调解不成",
        MediationOutcome::Refused => "当事人拒绝调解",
    }
}

fn judicial_words(j: JudicialStanding) -> &'static str {
    match j {
        JudicialStanding::None => "未申请",
        JudicialStanding::Filed => "已申请",
        JudicialStanding::Accepted => "已受理",
        JudicialStanding::Ruled(JudicialResult::Confirmed) => "确认有效",
        JudicialStanding::Ruled(JudicialResult::Rejected) => "驳回申请",
    }
}

fn performance_words(p: Performance) -> &'static str {
    match p {
        Performance::Performed => "已履行",
        Performance::Partial => "部分履行",
        Performance::NotPerformed => "未履行",
    }
}

fn satisfaction_words(s: Satisfaction) -> &'static str {
    match s {
        Satisfaction::Satisfied => "满意",
        Satisfaction::Fair => "基本满意",
        Satisfaction::Unsatisfied => "不满意",
    }
}

fn risk_words(r: RemainingRisk) -> &'static str {
    match r {
        RemainingRisk::None => "无",
        RemainingRisk::Low => "较低",
        RemainingRisk::High => "较高",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Actor, Role};
    use crate::category::{Catalogue, defaults};
    use crate::command::{self, Command, Context};
    use crate::matter::{MatterKind, RegistrationDraft};
    use crate::mediation::{FailureRoute, Linkage, TermDraft};
    use crate::org::{OrgTree, Unit, UnitKind};
    use crate::party::PartyDraft;
    use crate::policy::Policies;
    use jiff::civil::date as ymd;

    const COUNTY: UnitId = UnitId(1);
    const TOWN: UnitId = UnitId(2);
    const VILLAGE: UnitId = UnitId(3);
    /// The committee whose registers these are, in the village.
    const OURS: UnitId = UnitId(4);
    /// The township's committee.
    const THEIRS: UnitId = UnitId(5);
    const CLERK: UserId = UserId(11);
    const MEDIATOR: UserId = UserId(21);
    const THEIR_MEDIATOR: UserId = UserId(31);

    struct World {
        org: OrgTree,
        catalogue: Catalogue,
        calendar: Calendar,
        policies: Policies,
    }

    /// A dispute as the log holds it: its state and its history.
    struct Case {
        matter: Matter,
        log: Vec<RecordedEvent>,
    }

    /// A local (UTC+8) instant: `2026-05-06T10:00`.
    fn at(local: &str) -> Timestamp {
        format!("{local}:00+08:00").parse().unwrap()
    }

    fn clerk() -> Actor {
        Actor { user_id: CLERK, role: Role::Clerk, unit_id: VILLAGE }
    }
    fn mediator() -> Actor {
        Actor { user_id: MEDIATOR, role: Role::Mediator, unit_id: OURS }
    }
    fn their_mediator() -> Actor {
        Actor { user_id: THEIR_MEDIATOR, role: Role::Mediator, unit_id: THEIRS }
    }

    fn may() -> Period {
        Period { from: at("2026-05-01T00:00"), to: at("2026-06-01T00:00") }
    }

    impl World {
        fn new() -> Self {
            let u = |id: UnitId, parent: Option<UnitId>, kind, name: &str| Unit {
                id,
                parent_id: parent,
                kind,
                name: name.into(),
                code: None,
            };
            let org = OrgTree::new(vec![
                u(COUNTY, None, UnitKind::County, "诸暨市"),
                u(TOWN, Some(COUNTY), UnitKind::Township, "枫桥镇"),
                u(VILLAGE, Some(TOWN), UnitKind::Village, "枫源村"),
                u(OURS, Some(VILLAGE), UnitKind::Committee, "枫源村人民调解委员会"),
                u(THEIRS, Some(TOWN), UnitKind::Committee, "枫桥镇人民调解委员会"),
            ])
            .unwrap();
            let tz = jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8));
            Self {
                org,
                catalogue: Catalogue::new(defaults()),
                calendar: Calendar::builtin(tz).unwrap(),
                policies: Policies::defaults(),
            }
        }

        fn ctx(&self, actor: Actor, now: Timestamp) -> Context<'_> {
            Context {
                actor,
                now,
                org: &self.org,
                catalogue: &self.catalogue,
                calendar: &self.calendar,
                policies: &self.policies,
            }
        }

        /// Registers a dispute at the village, with the amount (fen) and the people it involves
        /// and its parties (applicant first).
        fn open(
            &self,
            id: i64,
            when: &str,
            channel: Channel,
            category: &str,
            (amount_fen, people): (Option<i64>, i64),
            parties: [&str; 2],
        ) -> Case {
            let party = |name: &str, role, phone: Option<&str>| PartyDraft {
                role,
                name: name.into(),
                phone: phone.map(Into::into),
                ..PartyDraft::default()
            };
            let draft = RegistrationDraft {
                kind: MatterKind::Dispute,
                channel,
                category: category.into(),
                unit_id: VILLAGE.0,
                title: format!("{}与{}纠纷", parties[0], parties[1]),
                body: "双方因琐事发生争执，请求调解。".into(),
                people_involved: Some(people),
                amount_fen,
                parties: vec![
                    party(parties[0], PartyRole::Applicant, Some("13812345678")),
                    party(parties[1], PartyRole::Respondent, None),
                ],
                attachments: vec![],
                urgency: None,
                project: None,
            };
            let now = at(when);
            let events = command::register(&draft, &self.ctx(clerk(), now)).unwrap();
            let Some(Event::Registered(reg)) = events.first() else { panic!("registration first") };
            let mut matter = Matter::registered(MatterId(id), reg.clone(), now, CLERK);
            let mut log = vec![];
            for (i, e) in events.into_iter().enumerate() {
                if i > 0 {
                    matter.apply(&e, now);
                }
                log.push(RecordedEvent {
                    seq: id * 1000 + i as i64,
                    matter_id: matter.id,
                    version: matter.version,
                    at: now,
                    actor: CLERK,
                    event: e,
                });
            }
            Case { matter, log }
        }

        /// Decides `cmd` at `when` and records what it decides.
        fn run(&self, case: &mut Case, who: Actor, when: &str, cmd: Command) {
            let now = at(when);
            let events = command::decide(&case.matter, &cmd, &self.ctx(who, now))
                .unwrap_or_else(|e| panic!("{} at {when}: {e:?}", cmd.name()));
            for e in events {
                case.matter.apply(&e, now);
                let seq = case.log.last().map(|e| e.seq).unwrap_or(0) + 1;
                case.log.push(RecordedEvent {
                    seq,
                    matter_id: case.matter.id,
                    version: case.matter.version,
                    at: now,
                    actor: who.user_id,
                    event: e,
                });
            }
        }

        fn assign(&self, case: &mut Case, when: &str, committee: UnitId) {
            let cmd = Command::Assign {
                mode: crate::matter::HandlingMode::Transfer,
                unit_id: committee.0,
                co_unit_ids: vec![],
                report_by: None,
                note: None,
            };
            self.run(case, clerk(), when, cmd);
        }

        fn accept(&self, case: &mut Case, who: Actor, when: &str, source: Source, referred_by: Option<&str>) {
            let cmd = Command::AcceptMediation {
                mediator_id: who.user_id.0,
                chosen_by_party: false,
                source,
                referred_by: referred_by.map(Into::into),
                requests: "请求依法调解".into(),
            };
            self.run(case, who, when, cmd);
        }

        fn session(&self, case: &mut Case, who: Actor, when: &str) {
            let cmd = Command::RecordSession {
                held_at: at(when),
                place: "村调解室".into(),
                participants: "双方当事人".into(),
                record: "听取双方陈述，释法说理。".into(),
                proposals: None,
            };
            self.run(case, who, when, cmd);
        }

        fn flag(&self, case: &mut Case, who: Actor, when: &str) {
            let cmd = Command::FlagRisk {
                description: "一方扬言报复".into(),
                reported_to: "枫桥派出所".into(),
            };
            self.run(case, who, when, cmd);
        }

        fn visit(&self, case: &mut Case, when: &str, performance: Performance, satisfaction: Satisfaction) {
            let cmd = Command::RecordVisit {
                performance,
                satisfaction,
                risk: RemainingRisk::Low,
                note: Some("围墙尚未拆除".into()),
            };
            self.run(case, mediator(), when, cmd);
        }
    }

    fn term(obligor: &str, content: &str, manner: &str, deadline: Date) -> TermDraft {
        TermDraft {
            obligor: obligor.into(),
            content: content.into(),
            manner: manner.into(),
            deadline: Some(deadline),
        }
    }

    struct Book(Catalogue);

    impl Names for Book {
        fn unit(&self, id: UnitId) -> String {
            match id {
                VILLAGE => "枫源村".into(),
                OURS => "枫源村人民调解委员会".into(),
                _ => format!("单位{id}"),
            }
        }
        fn user(&self, id: UserId) -> String {
            match id {
                MEDIATOR => "王调解".into(),
                _ => format!("用户{id}"),
            }
        }
        fn category(&self, code: &CategoryCode) -> String {
            self.0.get(code.as_str()).map(|c| c.name_zh.clone()).unwrap_or_default()
        }
    }

    /// Six disputes around May 2026. Ours, in the village committee:
    /// 1. accepted in April, a written agreement in May (filed, confirmed; one term of two
    ///    performed), a visit in May and another in June;
    /// 2. found by screening in May: a risk flagged, an oral agreement, a relapse, a failure;
    /// 3. from the police in May, refused by the respondent;
    /// 4. screened and accepted at the end of May, its agreement signed in June.
    ///
    /// 5. accepted by the township committee (a session, a risk flag), transferred to ours
    ///    in May and still mediated; 6. the township committee's alone.
    fn disputes(w: &World) -> Vec<Case> {
        let mut one =
            w.open(1, "2026-04-28T09:00", Channel::Visit, "neighbour", (Some(500_000), 2), ["张三", "李四"]);
        w.assign(&mut one, "2026-04-28T10:00", OURS);
        w.accept(&mut one, mediator(), "2026-04-29T09:00", Source::Application, None);
        w.session(&mut one, mediator(), "2026-05-03T10:00");
        let draft = Command::DraftAgreement {
            facts: "李四搭建围墙占用张三宅基地。".into(),
            issues: "围墙拆除及损失赔偿。".into(),
            responsibilities: "李四承担主要责任。".into(),
            terms: vec![
                term("李四", "赔偿修缮费用5000元", "银行转账", ymd(2026, 5, 31)),
                term("李四", "拆除搭建的围墙", "现场拆除", ymd(2026, 6, 15)),
            ],
        };
        w.run(&mut one, mediator(), "2026-05-05T10:00", draft);
        let sign = Command::SignAgreement {
            signed_on: ymd(2026, 5, 6),
            parties_signed: vec![0, 1],
            mediator_signed: true,
        };
        w.run(&mut one, mediator(), "2026-05-06T15:00", sign);
        let file = Command::FileJudicial { court: "诸暨市人民法院".into(), filed_on: ymd(2026, 5, 8) };
        w.run(&mut one, mediator(), "2026-05-08T10:00", file);
        let accepted = Command::RecordJudicialAcceptance { accepted_on: ymd(2026, 5, 9) };
        w.run(&mut one, mediator(), "2026-05-09T10:00", accepted);
        let ruled = Command::RecordJudicialRuling {
            ruled_on: ymd(2026, 5, 12),
            result: JudicialResult::Confirmed,
            note: None,
        };
        w.run(&mut one, mediator(), "2026-05-12T10:00", ruled);
        w.run(&mut one, mediator(), "2026-05-20T10:00", Command::RecordPerformance { term: 0, note: None });
        w.visit(&mut one, "2026-05-25T10:00", Performance::Partial, Satisfaction::Fair);
        w.visit(&mut one, "2026-06-05T10:00", Performance::Performed, Satisfaction::Satisfied);

        let mut two = w.open(2, "2026-05-02T08:30", Channel::Screening, "land", (None, 5), ["王五", "赵六"]);
        w.assign(&mut two, "2026-05-02T08:40", OURS);
        w.accept(&mut two, mediator(), "2026-05-02T09:00", Source::Screening, None);
        w.flag(&mut two, mediator(), "2026-05-04T10:00");
        w.session(&mut two, mediator(), "2026-05-07T10:00");
        let oral = Command::RecordOralAgreement {
            content: "双方同意按原界桩划界。".into(),
            terms: vec![term("赵六", "退还多占土地", "现场移桩", ymd(2026, 5, 15))],
        };
        w.run(&mut two, mediator(), "2026-05-10T10:00", oral);
        w.run(
            &mut two,
            mediator(),
            "2026-05-20T10:00",
            Command::RecordRelapse { reason: "赵六又移动界桩".into() },
        );
        w.session(&mut two, mediator(), "2026-05-21T10:00");
        let failed = Command::RecordFailure {
            reason: "双方分歧过大".into(),
            routes: vec![FailureRoute::Litigation],
            referred_to: None,
        };
        w.run(&mut two, mediator(), "2026-05-22T10:00", failed);

        let mut three =
            w.open(3, "2026-05-12T08:00", Channel::Phone, "traffic", (Some(1_200_000), 3), ["孙七", "周八"]);
        w.assign(&mut three, "2026-05-12T08:30", OURS);
        w.accept(&mut three, mediator(), "2026-05-12T09:00", Source::Police, Some("城关派出所"));
        let refuse = Command::RefuseMediation {
            party: 1,
            reason: "周八不同意调解".into(),
            routes: vec![],
            referred_to: None,
        };
        w.run(&mut three, mediator(), "2026-05-14T10:00", refuse);

        let mut four = w.open(
            4,
            "2026-05-28T08:00",
            Channel::Phone,
            "property_service",
            (None, 1),
            ["吴九", "某物业公司"],
        );
        w.assign(&mut four, "2026-05-28T08:30", OURS);
        w.accept(&mut four, mediator(), "2026-05-28T09:00", Source::Screening, None);
        let draft = Command::DraftAgreement {
            facts: "物业费争议。".into(),
            issues: "物业费减免。".into(),
            responsibilities: "双方均有责任。".into(),
            terms: vec![term("某物业公司", "减免物业费300元", "抵扣", ymd(2026, 6, 30))],
        };
        w.run(&mut four, mediator(), "2026-05-30T10:00", draft);
        let sign = Command::SignAgreement {
            signed_on: ymd(2026, 6, 2),
            parties_signed: vec![0, 1],
            mediator_signed: true,
        };
        w.run(&mut four, mediator(), "2026-06-02T10:00", sign);

        let mut five =
            w.open(5, "2026-05-03T08:00", Channel::Letter, "family", (Some(200_000), 2), ["郑十", "冯一"]);
        w.assign(&mut five, "2026-05-03T08:30", THEIRS);
        w.accept(&mut five, their_mediator(), "2026-05-03T09:00", Source::Application, None);
        w.flag(&mut five, their_mediator(), "2026-05-04T09:00");
        w.session(&mut five, their_mediator(), "2026-05-04T10:00");
        let transfer = Command::TransferMediation {
            unit_id: OURS.0,
            linkage: Linkage::People,
            reason: "双方均居住在枫源村".into(),
        };
        w.run(&mut five, their_mediator(), "2026-05-05T10:00", transfer);
        w.accept(&mut five, mediator(), "2026-05-06T09:00", Source::Intake, None);
        w.session(&mut five, mediator(), "2026-05-08T10:00");

        let mut six =
            w.open(6, "2026-05-15T08:00", Channel::Screening, "consumer", (Some(9_900), 1), ["陈二", "刘三"]);
        w.assign(&mut six, "2026-05-15T08:30", THEIRS);
        w.accept(&mut six, their_mediator(), "2026-05-15T09:00", Source::Screening, None);
        let oral = Command::RecordOralAgreement { content: "商家退款。".into(), terms: vec![] };
        w.run(&mut six, their_mediator(), "2026-05-16T10:00", oral);

        vec![one, two, three, four, five, six]
    }

    fn input(cases: Vec<Case>) -> Vec<(Matter, Vec<RecordedEvent>)> {
        cases.into_iter().map(|c| (c.matter, c.log)).collect()
    }

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn the_fixture_is_the_fold_of_its_log() {
        let w = World::new();
        for c in disputes(&w) {
            assert_eq!(Matter::from_events(&c.log).as_ref(), Some(&c.matter), "matter {}", c.matter.id);
        }
    }

    #[test]
    fn the_months_figures() {
        let w = World::new();
        let all = input(disputes(&w));
        let s = summary(&all, OURS, may());
        assert_eq!(
            s,
            MonthlySummary {
                // 2, 3, 4 and 5 (dispute 1 was accepted in April).
                received: 4,
                // 1's written agreement, 2's oral agreement and then its failure; 3's refusal
                // is no mediation, 4's agreement came in June, 6 is another committee's.
                mediated: 3,
                succeeded: 2,
                success_rate_permille: Some(667),
                // Disputes 1 and 2.
                amount_fen: 500_000,
                people: 7,
                relapses: 1,
                // The June visit to 1 is not May's.
                visits: 1,
                // 5's flag was raised by the township committee.
                risk_flags: 1,
            }
        );
        let april = Period { from: at("2026-04-01T00:00"), to: may().from };
        let s = summary(&all, OURS, april);
        assert_eq!((s.received, s.mediated, s.success_rate_permille), (1, 0, None));
        let june = Period { from: may().to, to: at("2026-07-01T00:00") };
        let s = summary(&all, OURS, june);
        assert_eq!(
            (s.received, s.mediated, s.succeeded, s.visits, s.amount_fen, s.people),
            (0, 1, 1, 1, 0, 1)
        );
        // The end is open: a period ending at 2's acceptance does not hold it, one starting there does.
        let accepted = at("2026-05-02T09:00");
        assert_eq!(summary(&all, OURS, Period { from: may().from, to: accepted }).received, 0);
        assert_eq!(summary(&all, OURS, Period { from: accepted, to: may().to }).received, 4);
        // The township committee sees its own: 5 and 6 accepted, 6's oral agreement and 5's flag.
        let s = summary(&all, THEIRS, may());
        assert_eq!((s.received, s.mediated, s.succeeded, s.amount_fen, s.risk_flags), (2, 1, 1, 9_900, 1));
    }

    #[test]
    fn the_monthly_report_as_rows() {
        let w = World::new();
        let all = input(disputes(&w));
        let r = register(
            RegisterKind::Summary,
            &all,
            OURS,
            may(),
            &w.calendar,
            &Book(Catalogue::new(defaults())),
        );
        assert_eq!(
            (r.kind.as_str(), r.title, r.header.clone()),
            ("summary", "人民调解工作月报", vec!["项目", "数值"])
        );
        assert_eq!(r, summary_rows(&summary(&all, OURS, may())));
        let rows: Vec<(Value, Value)> =
            r.rows.into_iter().map(|row| (row[0].clone(), row[1].clone())).collect();
        assert_eq!(
            rows,
            vec![
                (t("受理纠纷（件）"), Value::Int(4)),
                (t("调解纠纷（件）"), Value::Int(3)),
                (t("调解成功（件）"), Value::Int(2)),
                (t("调解成功率"), t("66.7%")),
                (t("涉及金额（元）"), Value::Yuan(500_000)),
                (t("涉及人数（人）"), Value::Int(7)),
                (t("反弹（件）"), Value::Int(1)),
                (t("回访（次）"), Value::Int(1)),
                (t("风险预警（次）"), Value::Int(1)),
            ]
        );
        let empty = summary_rows(&MonthlySummary::default());
        assert_eq!(empty.rows[3], vec![t("调解成功率"), Value::Empty]);
    }

    #[test]
    fn the_registers() {
        let w = World::new();
        let all = input(disputes(&w));
        let names = Book(Catalogue::new(defaults()));
        let book = |kind| register(kind, &all, OURS, may(), &w.calendar, &names);

        let screening = book(RegisterKind::Screening);
        assert_eq!(screening.title, "纠纷排查登记簿");
        assert_eq!(screening.header[1], "排查日期");
        // 2 came in by screening; 4 was accepted as screened; 6 is the township's.
        assert_eq!(
            screening.rows,
            vec![
                vec![
                    Value::Int(1),
                    t("2026-05-02"),
                    Value::Int(2),
                    t("土地纠纷"),
                    t("枫源村"),
                    t("王五（申请人）、赵六（被申请人）"),
                    t("王五与赵六纠纷"),
                    t("调解不成"),
                ],
                vec![
                    Value::Int(2),
                    t("2026-05-28"),
                    Value::Int(4),
                    t("物业纠纷"),
                    t("枫源村"),
                    t("吴九（申请人）、某物业公司（被申请人）"),
                    t("吴九与某物业公司纠纷"),
                    t("调解成功（书面协议）"),
                ],
            ]
        );

        let mediation = book(RegisterKind::Mediation);
        assert_eq!(mediation.header.len(), 12);
        let ids: Vec<&Value> = mediation.rows.iter().map(|r| &r[2]).collect();
        assert_eq!(ids, [&Value::Int(2), &Value::Int(5), &Value::Int(3), &Value::Int(4)]);
        assert_eq!(
            mediation.rows[0],
            vec![
                Value::Int(1),
                t("2026-05-02"),
                Value::Int(2),
                t("土地纠纷"),
                t("主动排查"),
                t("王五（申请人）、赵六（被申请人）"),
                t("王五与赵六纠纷"),
                t("请求依法调解"),
                t("王调解"),
                Value::Int(2),
                t("调解不成"),
                t("2026-05-22"),
            ]
        );
        // 5: only our session counts, and it goes on.
        assert_eq!(mediation.rows[1][4], t("综治中心分流"));
        assert_eq!(mediation.rows[1][9..], [Value::Int(1), t("调解中"), Value::Empty]);
        assert_eq!(mediation.rows[2][4], t("公安机关移送（城关派出所）"));
        assert_eq!(mediation.rows[2][9..], [Value::Int(0), t("当事人拒绝调解"), t("2026-05-14")]);
        // 4 was accepted in May; its register line shows the June agreement it came to.
        assert_eq!(mediation.rows[3][10..], [t("调解成功（书面协议）"), t("2026-06-02")]);

        let agreements = book(RegisterKind::Agreements);
        let hash = all[0].0.mediation.agreement.as_ref().and_then(|a| a.hash.clone()).unwrap();
        assert_eq!(
            agreements.rows,
            vec![
                vec![
                    Value::Int(1),
                    t("2026-05-06"),
                    Value::Int(1),
                    Value::Int(1),
                    t("书面协议"),
                    t("张三（申请人）、李四（被申请人）"),
                    t(
                        "李四：赔偿修缮费用5000元（银行转账，2026-05-31前）；李四：拆除搭建的围墙（现场拆除，2026-06-15前）"
                    ),
                    t("确认有效"),
                    t("部分履行"),
                    t("否"),
                    t(&hash[..16]),
                ],
                vec![
                    Value::Int(2),
                    t("2026-05-10"),
                    Value::Int(2),
                    Value::Int(1),
                    t("口头协议"),
                    t("王五（申请人）、赵六（被申请人）"),
                    t("赵六：退还多占土地（现场移桩，2026-05-15前）"),
                    Value::Empty,
                    t("未履行"),
                    t("是"),
                    Value::Empty,
                ],
            ]
        );

        let visits = book(RegisterKind::Visits);
        assert_eq!(
            visits.rows,
            vec![vec![
                Value::Int(1),
                t("2026-05-25"),
                Value::Int(1),
                t("张三（申请人）、李四（被申请人）"),
                t("部分履行"),
                t("基本满意"),
                t("较低"),
                t("王调解"),
                t("围墙尚未拆除"),
            ]]
        );

        // Every row is as long as its header, and no phone number is written.
        for kind in RegisterKind::ALL {
            let r = book(*kind);
            assert_eq!(r.header, kind.header(), "{}", kind.as_str());
            assert_eq!(r.kind, *kind);
            for row in &r.rows {
                assert_eq!(row.len(), r.header.len(), "{}", kind.as_str());
                assert!(!row.iter().any(|v| matches!(v, Value::Text(s) if s.contains("138"))));
            }
        }
    }

    #[test]
    fn an_amended_agreement_is_a_new_row_but_not_a_new_mediation() {
        let w = World::new();
        let mut cases = disputes(&w);
        let one = &mut cases[0];
        let draft = Command::DraftAgreement {
            facts: "李四搭建围墙占用张三宅基地。".into(),
            issues: "围墙拆除。".into(),
            responsibilities: "李四承担主要责任。".into(),
            terms: vec![term("李四", "拆除搭建的围墙", "现场拆除", ymd(2026, 6, 20))],
        };
        w.run(one, mediator(), "2026-06-10T10:00", draft);
        let sign = Command::SignAgreement {
            signed_on: ymd(2026, 6, 10),
            parties_signed: vec![0, 1],
            mediator_signed: true,
        };
        w.run(one, mediator(), "2026-06-10T11:00", sign);
        let all = input(cases);
        let june = Period { from: may().to, to: at("2026-07-01T00:00") };
        let r = register(
            RegisterKind::Agreements,
            &all,
            OURS,
            june,
            &w.calendar,
            &Book(Catalogue::new(defaults())),
        );
        // 4's agreement and 1's second version, which nothing has been done under yet.
        let cells: Vec<_> = r
            .rows
            .iter()
            .map(|row| (row[2].clone(), row[3].clone(), row[7].clone(), row[8].clone()))
            .collect();
        assert_eq!(
            cells,
            vec![
                (Value::Int(4), Value::Int(1), t("未申请"), t("未履行")),
                (Value::Int(1), Value::Int(2), t("未申请"), t("未履行")),
            ]
        );
        // Only 4's agreement is a mediation reached in June.
        assert_eq!(summary(&all, OURS, june).mediated, 1);
        // May's line for version 1 keeps the confirmation it had.
        let may_rows = register(
            RegisterKind::Agreements,
            &all,
            OURS,
            may(),
            &w.calendar,
            &Book(Catalogue::new(defaults())),
        );
        assert_eq!(may_rows.rows[0][7], t("确认有效"));
    }

    #[test]
    fn kinds_by_code() {
        assert_eq!(RegisterKind::parse("agreements"), Some(RegisterKind::Agreements));
        assert_eq!(RegisterKind::parse("ledger"), None);
        assert_eq!(RegisterKind::ALL.len(), 5);
    }
}
