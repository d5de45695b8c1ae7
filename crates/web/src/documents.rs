//! The notices a matter's handling produces (转送告知书, 受理告知书, 不予受理告知书, 延期告知书,
//! 处理意见书):
//! which ones a matter has, and their words, composed from its events with the dates the
//! calendar computed, in the name of the unit that took each step. The same letter is served
//! as a print-ready page and as a PDF.

use minsheng_docs::Letter;
use minsheng_domain::calendar::Calendar;
use minsheng_domain::clock::ClockName;
use minsheng_domain::party::PartyRole;
use minsheng_domain::{Event, Matter, MatterKind, OrgTree, RecordedEvent, UnitId, UserId};
use std::collections::HashMap;

mod mediation;

/// The kinds of letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    /// 受理告知书
    Acceptance,
    /// 转送/交办告知书
    Transfer,
    /// 不予受理告知书
    NonAcceptance,
    /// 延期告知书
    Extension,
    /// 处理意见书
    Opinion,
    /// 人民调解当事人权利义务告知书
    Rights,
    /// 人民调解协议书
    Agreement,
    /// 人民调解受理登记表
    MediationRegistration,
    /// 人民调解记录
    SessionRecord,
    /// 人民调解回访记录
    VisitRecord,
}

impl DocKind {
    pub const ALL: [DocKind; 10] = [
        Self::Transfer,
        Self::Acceptance,
        Self::NonAcceptance,
        Self::Extension,
        Self::Opinion,
        Self::MediationRegistration,
        Self::Rights,
        Self::SessionRecord,
        Self::Agreement,
        Self::VisitRecord,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acceptance => "acceptance",
            Self::Transfer => "transfer",
            Self::NonAcceptance => "non_acceptance",
            Self::Extension => "extension",
            Self::Opinion => "opinion",
            Self::Rights => "rights",
            Self::Agreement => "agreement",
            Self::MediationRegistration => "mediation_registration",
            Self::SessionRecord => "session_record",
            Self::VisitRecord => "visit_record",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Acceptance => "信访事项受理告知书",
            Self::Transfer => "信访事项转送告知书",
            Self::NonAcceptance => "信访事项不予受理告知书",
            Self::Extension => "办理期限延长告知书",
            Self::Opinion => "信访事项处理意见书",
            Self::Rights => "人民调解当事人权利义务告知书",
            Self::Agreement => "人民调解协议书",
            Self::MediationRegistration => "人民调解受理登记表",
            Self::SessionRecord => "人民调解记录",
            Self::VisitRecord => "人民调解回访记录",
        }
    }

    /// The mark in the document number.
    fn mark(self) -> &'static str {
        match self {
            Self::Acceptance => "受",
            Self::Transfer => "转",
            Self::NonAcceptance => "不受",
            Self::Extension => "延",
            Self::Opinion => "处",
            Self::Rights => "调告",
            Self::Agreement => "调协",
            Self::MediationRegistration => "调登",
            Self::SessionRecord => "调记",
            Self::VisitRecord => "调访",
        }
    }

    /// A document of people's mediation (see `documents::mediation`).
    fn is_mediation(self) -> bool {
        matches!(
            self,
            Self::Rights
                | Self::Agreement
                | Self::MediationRegistration
                | Self::SessionRecord
                | Self::VisitRecord
        )
    }

    /// The event a letter of this kind reports, the last of them.
    fn event(self, events: &[RecordedEvent]) -> Option<&RecordedEvent> {
        events.iter().rev().find(|e| {
            matches!(
                (self, &e.event),
                (Self::Acceptance, Event::Started { .. })
                    | (Self::Transfer, Event::Assigned { .. })
                    | (Self::NonAcceptance, Event::Declined { .. })
                    | (Self::Extension, Event::ExtensionDecided { approved: true, .. })
                    | (Self::Opinion, Event::Replied { outcome: Some(_), .. })
                    | (Self::Rights, Event::MediationAccepted { .. })
                    | (Self::Agreement, Event::AgreementDrafted { .. } | Event::AgreementSigned { .. })
                    | (Self::MediationRegistration, Event::MediationAccepted { .. })
                    | (Self::SessionRecord, Event::SessionHeld { .. })
                    | (Self::VisitRecord, Event::VisitRecorded { .. })
            )
        })
    }
}

/// The letters a matter has now. Acceptance, non-acceptance and the handling opinion are a
/// petition's; any matter whose limit was extended has the extension notice.
pub fn available(m: &Matter, events: &[RecordedEvent]) -> Vec<DocKind> {
    let kind = m.registration.kind;
    DocKind::ALL
        .into_iter()
        .filter(|k| match k {
            DocKind::Extension => true,
            k if k.is_mediation() => kind == MatterKind::Dispute,
            _ => kind == MatterKind::Petition,
        })
        .filter(|k| k.event(events).is_some())
        .collect()
}

/// `2026年9月30日`, in the deployment's time zone.
pub fn chinese_date(calendar: &Calendar, at: jiff::Timestamp) -> String {
    let d = calendar.date_of(at);
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// The last day of a limit that ends at 24:00 of it.
fn due_day(calendar: &Calendar, due: jiff::Timestamp) -> String {
    chinese_date(calendar, due.checked_sub(jiff::SignedDuration::from_secs(1)).unwrap_or(due))
}

/// The due instant the first start of clock `name` after version `after` gave it.
fn clock_due(events: &[RecordedEvent], name: ClockName, after: i64) -> Option<jiff::Timestamp> {
    events.iter().filter(|e| e.version > after).find_map(|e| match &e.event {
        Event::ClockStarted { clock, due, .. } if *clock == name => Some(*due),
        _ => None,
    })
}

/// Writes the letter of `kind`; `units` names the unit each acting user belongs to.
pub fn compose(
    kind: DocKind,
    m: &Matter,
    events: &[RecordedEvent],
    org: &OrgTree,
    calendar: &Calendar,
    units: &HashMap<UserId, UnitId>,
    catalogue: &minsheng_domain::Catalogue,
) -> Option<Letter> {
    let e = kind.event(events)?;
    if kind.is_mediation() {
        let category = catalogue.get(m.registration.category.as_str()).map(|c| c.name_zh.as_str());
        return mediation::compose(kind, m, e, events, org, calendar, category);
    }
    let r = &m.registration;
    let issuer_unit = units.get(&e.actor).copied().or(m.handling.as_ref().map(|h| h.lead))?;
    let issuer = org.get(issuer_unit).map(|u| u.name.clone()).unwrap_or_default();
    let addressee = r
        .parties
        .iter()
        .find(|p| p.role == PartyRole::Applicant)
        .or(r.parties.first())
        .map(|p| p.name.as_str().to_string())
        .unwrap_or_else(|| "信访人".into());
    let registered = chinese_date(calendar, m.registered_at);
    let opening = format!("你（你们）于{registered}提出的关于“{}”的信访事项", r.title);
    let accepted = DocKind::Acceptance.event(events).map(|a| chinese_date(calendar, a.at));
    let year = calendar.date_of(e.at).year();
    let mut facts = vec![("事项编号".to_string(), m.id.to_string())];
    let paragraphs = match (&e.event, kind) {
        (Event::Started { .. }, DocKind::Acceptance) => {
            let due = clock_due(events, ClockName::Handling, e.version - 1);
            if let Some(due) = due {
                facts.push(("办理期限".into(), format!("{}前", due_day(calendar, due))));
            }
            facts.push(("受理日期".into(), chinese_date(calendar, e.at)));
            vec![
                format!(
                    "{opening}，经审查，符合《信访工作条例》规定的受理条件，本机关已于{}依法受理。",
                    chinese_date(calendar, e.at)
                ),
                "本机关将自受理之日起60日内办结，并书面答复你（你们）。情况复杂的，经本机关负责人批准，可以适当延长办理期限，延长期限不超过30日，并告知你（你们）延期理由。".into(),
            ]
        }
        (Event::Assigned { mode, lead, report_by, .. }, DocKind::Transfer) => {
            let body = org.get(*lead).map(|u| u.name.clone()).unwrap_or_default();
            let verb = if *mode == minsheng_domain::HandlingMode::Assign { "交办" } else { "转送" };
            facts.push(("承办机关".into(), body.clone()));
            facts.push((format!("{verb}日期"), chinese_date(calendar, e.at)));
            if let Some(t) = report_by {
                facts.push(("报告办理结果期限".into(), format!("{}前", due_day(calendar, *t))));
            }
            vec![
                format!(
                    "{opening}，经审查，属于{body}的职责范围。根据《信访工作条例》的规定，本机关已于{}将该事项{verb}{body}办理。",
                    chinese_date(calendar, e.at)
                ),
                format!("{body}将自收到之日起15日内决定是否受理，并书面告知你（你们）。"),
            ]
        }
        (Event::Declined { route, reason }, DocKind::NonAcceptance) => vec![
            format!(
                "{opening}，经审查，该事项依法应当通过{}途径解决。根据《信访工作条例》的规定，本机关不予受理，请你（你们）依照有关法律、行政法规规定的程序向有关机关提出。",
                route_words(*route)
            ),
            format!("理由：{reason}"),
        ],
        (Event::ExtensionDecided { due: Some(due), .. }, DocKind::Extension) => {
            let (amount, reason) = events
                .iter()
                .rev()
                .filter(|x| x.version < e.version)
                .find_map(|x| match &x.event {
                    Event::ExtensionRequested { amount, reason } => Some((*amount, reason.clone())),
                    _ => None,
                })
                .unwrap_or_default();
            facts.push(("延长后的办理期限".into(), format!("{}前", due_day(calendar, *due))));
            let since = accepted.map(|a| format!("，本机关已于{a}受理")).unwrap_or_default();
            vec![format!(
                "{opening}{since}。因{reason}，经批准，办理期限延长{amount}日，本机关将于{}前办结并书面答复你（你们）。",
                due_day(calendar, *due)
            )]
        }
        (Event::Replied { text, outcome: Some(outcome) }, DocKind::Opinion) => {
            let reviewer = org
                .get(issuer_unit)
                .and_then(|u| u.parent_id)
                .and_then(|p| org.get(p))
                .map(|u| u.name.clone())
                .unwrap_or_else(|| "上一级行政机关".into());
            vec![
                format!("{opening}，本机关已依法受理。经调查核实，现将处理意见告知如下："),
                text.clone(),
                // Letters are Chinese: the outcome's words are the zh-CN catalogue's.
                format!("处理结果：{}。", crate::ui::i18n::Tr::zh().of("outcome", outcome.as_str())),
                format!("如对本处理意见不服，可以自收到本意见书之日起30日内向{reviewer}请求复查。"),
            ]
        }
        _ => return None,
    };
    Some(Letter {
        issuer,
        title: kind.title().into(),
        number: format!("民声{}〔{year}〕第{}号", kind.mark(), m.id),
        addressee,
        paragraphs,
        facts,
        signatures: vec![],
        date: chinese_date(calendar, e.at),
    })
}

fn route_words(route: minsheng_domain::event::Route) -> &'static str {
    use minsheng_domain::event::Route::*;
    match route {
        Litigation => "诉讼",
        Arbitration => "仲裁",
        Reconsideration => "行政复议",
        Petition => "信访",
        Other => "其他法定",
    }
}

/// The letter of `kind` for a matter in the caller's scope. Every letter names the citizen in
/// full, so issuing one is recorded on the matter as a reveal, with the letter as its reason.
pub async fn issue(
    state: &crate::AppState,
    caller: &crate::auth::Caller,
    id: minsheng_domain::MatterId,
    kind: DocKind,
) -> Result<Letter, crate::problem::ApiError> {
    use crate::problem::ApiError;
    let events = state.store.events(&caller.scope, id).await?.ok_or(ApiError::NotFound)?;
    let matter = Matter::from_events(&events).ok_or(ApiError::Internal)?;
    if !available(&matter, &events).contains(&kind) {
        return Err(ApiError::NotFound);
    }
    let mut actors: Vec<UserId> = events.iter().map(|e| e.actor).collect();
    actors.sort();
    actors.dedup();
    let units = state.store.users_by_id(&actors).await?.into_iter().map(|u| (u.id, u.unit_id)).collect();
    let letter = compose(kind, &matter, &events, &state.org(), &state.calendar(), &units, &state.catalogue())
        .ok_or(ApiError::NotFound)?;
    let mut matter = matter;
    crate::api::matters::reveal_on(state, caller, &mut matter, &format!("出具《{}》", kind.title())).await?;
    Ok(letter)
}

/// The letter as PDF bytes, typeset off the async threads.
pub async fn pdf(state: &crate::AppState, letter: Letter) -> Result<Vec<u8>, crate::problem::ApiError> {
    use crate::problem::ApiError;
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let font = state.cjk_font().map_err(|e| {
            tracing::error!(error = %e, "no font for PDF letters");
            ApiError::NoPdfFont
        })?;
        letter.pdf(&font).map_err(|e| {
            tracing::error!(error = %e, "a PDF letter failed");
            ApiError::Internal
        })
    })
    .await
    .map_err(|_| ApiError::Internal)?
}
