//! People's mediation in the staff pages: what the matter page shows of a mediation (the
//! committee, the mediator, sessions, the agreement in force with its terms and digest, the
//! judicial confirmation, visits and relapses), the words of each mediation event in the
//! timeline, and the committee's page of registers and monthly counts (`/mediation`).

use super::account::{frame, render};
use super::error::UiError;
use super::i18n::Tr;
use super::pages::{china_time, deadline_time};
use super::session::Staff;
use crate::api::mediation::{PeriodQuery, register, xlsx, xlsx_response};
use crate::problem::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use minsheng_domain::mediation::Mediation;
use minsheng_domain::mediation::registers::MonthlySummary;
use minsheng_domain::{Event, OrgTree, UnitKind, UserId};
use serde::Deserialize;
use std::collections::HashMap;

/// The mediation's facts for the matter page's list of facts.
pub fn facts(tr: Tr, m: &Mediation, org: &OrgTree, names: &HashMap<UserId, String>) -> Vec<(String, String)> {
    let mut out = vec![];
    if !m.engaged() && m.transfers == 0 {
        return out;
    }
    if let Some(c) = m.committee {
        out.push((tr.t("mediation-committee"), org.full_name(c)));
    }
    if let Some(u) = m.mediator {
        let chosen =
            if m.chosen_by_party { tr.t("mediation-chosen-yes") } else { tr.t("mediation-chosen-no") };
        out.push((
            tr.t("mediation-mediator-name"),
            format!("{}（{chosen}）", names.get(&u).cloned().unwrap_or_default()),
        ));
    }
    if let Some(s) = m.source {
        out.push((tr.t("mediation-source"), tr.of("source", s.as_str())));
    }
    out.push((tr.t("mediation-sessions"), m.sessions.to_string()));
    if let Some((at, place)) = &m.next_session {
        out.push((tr.t("mediation-next-session"), format!("{} · {place}", china_time(*at))));
    }
    if m.risk_flags > 0 {
        out.push((tr.t("mediation-risk-flags"), m.risk_flags.to_string()));
    }
    if let Some(o) = m.outcome {
        out.push((tr.t("mediation-outcome"), tr.of("mediation-outcome", o.as_str())));
    }
    if let Some(a) = &m.agreement {
        let relapsed = if a.relapsed { tr.t("mediation-relapsed") } else { String::new() };
        let line = tr.t2("mediation-agreement-line", "version", a.version, "date", a.signed_on.to_string());
        out.push((tr.t("mediation-agreement"), format!("{line}{relapsed}")));
        if let Some(h) = &a.hash {
            out.push((tr.t("mediation-hash"), h.clone()));
        }
        for (i, t) in a.terms.iter().enumerate() {
            let state = if t.performed { tr.t("mediation-term-done") } else { tr.t("mediation-term-open") };
            out.push((
                format!("{} {}", tr.t("mediation-term"), i + 1),
                format!(
                    "{}：{}（{}，{}）· {state}",
                    t.term.obligor,
                    t.term.content,
                    t.term.manner,
                    deadline_time(t.due)
                ),
            ));
        }
    }
    if let Some((v, _)) = m.unsigned_draft() {
        out.push((tr.t("mediation-agreement"), tr.t1("mediation-draft-pending", "version", v)));
    }
    if let Some(j) = &m.judicial {
        let stage = match (&j.ruled, j.accepted_on) {
            (Some((d, r)), _) => format!("{} {d}", tr.of("judicial", r.as_str())),
            (None, Some(d)) => format!("{} {d}", tr.t("event-judicial_accepted")),
            (None, None) => format!("{} {}", tr.t("event-judicial_filed"), j.filed_on),
        };
        out.push((tr.t("mediation-judicial"), format!("{} · {stage}", j.court)));
    }
    if m.visits_done > 0 || !m.visits.is_empty() {
        out.push((
            tr.t("mediation-visits"),
            tr.t2("mediation-visits-line", "done", m.visits_done, "due", m.visits.len()),
        ));
    }
    if m.relapses > 0 {
        out.push((tr.t("mediation-relapses"), m.relapses.to_string()));
    }
    out
}

/// A form's label without its hint in brackets, to name what was recorded in it:
/// `调解方案/建议（可不填）` → `调解方案/建议`, `Proposals (optional)` → `Proposals`.
fn bare(label: String) -> String {
    match label.find(['（', '(']) {
        Some(i) => label[..i].trim_end().to_owned(),
        None => label,
    }
}

/// What a mediation event says beyond its name.
pub fn detail(tr: Tr, event: &Event, org: &OrgTree) -> String {
    let with = |base: String, note: &Option<String>| match note {
        Some(n) => format!("{base}：{n}"),
        None => base,
    };
    let routes = |r: &[minsheng_domain::mediation::FailureRoute]| {
        r.iter().map(|r| tr.of("failure-route", r.as_str())).collect::<Vec<_>>().join("、")
    };
    match event {
        Event::MediationAccepted { committee, source, requests, referred_by, .. } => {
            let by = referred_by.as_ref().map(|b| format!("（{b}）")).unwrap_or_default();
            format!("{} · {}{by}：{requests}", org.full_name(*committee), tr.of("source", source.as_str()))
        }
        Event::RightsNotified { note } => note.clone().unwrap_or_default(),
        Event::MediationRefused { reason, routes: r, referred_to, .. }
        | Event::MediationFailed { reason, routes: r, referred_to } => {
            let to = referred_to.as_ref().map(|t| format!(" → {t}")).unwrap_or_default();
            format!("{reason}（{}：{}）{to}", tr.t("mediation-routes"), routes(r))
        }
        Event::SessionScheduled { at, place } => format!("{} · {place}", china_time(*at)),
        Event::SessionHeld { held_at, place, participants, record, proposals } => {
            let p = proposals
                .as_ref()
                .map(|p| format!("；{}：{p}", bare(tr.t("mediation-proposals"))))
                .unwrap_or_default();
            format!("{} · {place} · {participants}：{record}{p}", china_time(*held_at))
        }
        Event::RiskFlagged { description, reported_to } => {
            format!("{description}（{}：{reported_to}）", tr.t("mediation-reported-to"))
        }
        Event::AgreementDrafted { version, content } => {
            format!(
                "v{version}：{}",
                content
                    .terms
                    .iter()
                    .map(|t| format!("{}{}", t.obligor, t.content))
                    .collect::<Vec<_>>()
                    .join("；")
            )
        }
        Event::AgreementSigned { version, signed_on, content_hash, .. } => {
            format!("v{version} · {signed_on} · SHA-256 {}", &content_hash[..content_hash.len().min(16)])
        }
        Event::OralAgreementRecorded { content, .. } => content.clone(),
        Event::JudicialFiled { court, filed_on, .. } => format!("{court} · {filed_on}"),
        Event::JudicialAccepted { accepted_on, rule_by } => {
            format!("{accepted_on}（{} {}）", tr.t("clock-judicial_ruling"), deadline_time(*rule_by))
        }
        Event::JudicialExtended { reason, rule_by } => format!("{reason}（{}）", deadline_time(*rule_by)),
        Event::JudicialRuled { ruled_on, result, note } => {
            with(format!("{} {ruled_on}", tr.of("judicial", result.as_str())), note)
        }
        Event::TermPerformed { term, note } => with(format!("{} {}", tr.t("mediation-term"), term + 1), note),
        Event::VisitRecorded { performance, satisfaction, risk, note } => with(
            format!(
                "{} · {} · {} {}",
                tr.of("performance", performance.as_str()),
                tr.of("satisfaction", satisfaction.as_str()),
                tr.t("mediation-remaining-risk"),
                tr.of("risk", risk.as_str())
            ),
            note,
        ),
        Event::Relapsed { reason } => reason.clone(),
        Event::MediationTransferred { from, to, linkage, reason } => format!(
            "{} → {}（{}）：{reason}",
            org.full_name(*from),
            org.full_name(*to),
            tr.of("linkage", linkage.as_str())
        ),
        _ => String::new(),
    }
}

#[derive(Deserialize, Default)]
pub struct RegistersQuery {
    committee_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "mediation.html")]
pub struct MediationPage {
    pub frame: super::pages::Frame,
    /// Committees in the user's scope: (id, name, chosen).
    pub committees: Vec<(String, String, bool)>,
    pub from: String,
    pub to: String,
    /// (file, words) of each register to download, with the query.
    pub downloads: Vec<(String, String)>,
    pub summary: Option<MonthlySummary>,
    pub errors: Vec<String>,
}

/// `/mediation`: choose a committee and a period; download its registers; see its counts.
pub async fn page(State(state): State<AppState>, staff: Staff, Query(q): Query<RegistersQuery>) -> Response {
    let tr = staff.tr;
    let org = state.org();
    let me = staff.caller.actor.unit_id;
    let committees: Vec<_> = org
        .iter()
        .filter(|u| u.kind == UnitKind::Committee && org.is_within(u.id, me))
        .map(|u| u.id)
        .collect();
    let today = state.calendar().date_of(state.clock.now());
    let first = today.first_of_month();
    let from = q.from.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| first.to_string());
    let to =
        q.to.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| today.last_of_month().to_string());
    let chosen =
        q.committee_id.clone().or_else(|| committees.first().map(|c| c.0.to_string())).unwrap_or_default();
    let mut p = MediationPage {
        frame: frame(&staff, "/mediation"),
        committees: committees
            .iter()
            .map(|c| (c.0.to_string(), org.full_name(*c), c.0.to_string() == chosen))
            .collect(),
        from: from.clone(),
        to: to.clone(),
        downloads: vec![],
        summary: None,
        errors: vec![],
    };
    if !chosen.is_empty() {
        let query = PeriodQuery { committee_id: chosen.clone(), from: from.clone(), to: to.clone() };
        match crate::api::mediation::period_data(&state, &staff.caller, &query).await {
            Ok((committee, data, period)) => {
                let s = minsheng_domain::mediation::registers::summary(&data, committee, period);
                p.summary = Some(s);
                let qs = format!("committee_id={chosen}&from={from}&to={to}");
                p.downloads = ["screening", "mediation", "agreements", "visits", "summary"]
                    .iter()
                    .map(|k| {
                        (
                            format!("/mediation/registers/{k}.xlsx?{qs}"),
                            tr.t(&format!("mediation-register-{k}")),
                        )
                    })
                    .collect();
            }
            Err(ApiError::Invalid(fields)) => {
                let lang = tr.lang();
                p.errors = fields
                    .iter()
                    .map(|f| format!("{}：{}", lang.field(&f.field), lang.issue(&f.issue)))
                    .collect();
            }
            Err(e) => return UiError::new(tr, e).into_response(),
        }
    }
    render(tr, &p)
}

/// `/mediation/registers/{kind}.xlsx`: a register for staff, with their session.
pub async fn register_file(
    State(state): State<AppState>,
    staff: Staff,
    Path(file): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let tr = staff.tr;
    let made = async {
        let kind = file.strip_suffix(".xlsx").ok_or(ApiError::NotFound)?;
        let r = register(&state, &staff.caller, kind, &q).await?;
        Ok::<_, ApiError>(xlsx_response(
            &format!("mediation-{kind}-{}-{}.xlsx", q.from.trim(), q.to.trim()),
            xlsx(&r)?,
        ))
    };
    match made.await {
        Ok(r) => r,
        Err(e) => UiError::new(tr, e).into_response(),
    }
}
