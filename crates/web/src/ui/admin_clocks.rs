//! Administration of what the clocks count by: each year's holiday notice (with a due-date
//! calculator anyone may use) and the time-limit policies. Saving goes through the same checks
//! as the API (`api::calendar`), and every change is logged.

use super::account::{frame, render};
use super::error::UiError;
use super::pages::Frame;
use super::session::Staff;
use crate::api::calendar::{enter_notice, save_policies};
use crate::problem::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;
use minsheng_domain::calendar::{DayKind, Limit, LimitUnit, Notice, NoticeDay};
use minsheng_domain::policy::TimeLimit;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "admin_calendar.html")]
pub struct CalendarPage {
    pub frame: Frame,
    pub year: i16,
    pub known: bool,
    /// (date, weekday, kind words, holiday)
    pub days: Vec<(String, String, String, String)>,
    /// The notice as the form shows it, one day a line.
    pub text: String,
    /// The calculator's question and answer, when asked.
    pub start: String,
    pub amount: String,
    pub unit: String,
    pub answer: Option<String>,
    pub units: Vec<(String, String)>,
    pub admin: bool,
    pub notice: Option<String>,
    pub errors: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    year: Option<i16>,
    start: Option<String>,
    amount: Option<String>,
    unit: Option<String>,
    done: Option<String>,
}

fn weekday(d: Date) -> &'static str {
    ["一", "二", "三", "四", "五", "六", "日"][usize::from(d.weekday().to_monday_zero_offset() as u8)]
}

fn calendar_page(state: &AppState, staff: &Staff, q: &CalendarQuery) -> CalendarPage {
    let tr = staff.tr;
    let calendar = state.calendar();
    let now = calendar.date_of(state.clock.now());
    let year = q.year.filter(|y| (2000..=2100).contains(y)).unwrap_or(now.year());
    let notice = calendar.notice(year);
    let kind_words = |k: DayKind| tr.t(&format!("calendar-{}", k.as_str()));
    let text = notice
        .days
        .iter()
        .map(|d| format!("{} {} {}", d.date, kind_words(d.kind), d.name))
        .collect::<Vec<_>>()
        .join("\n");
    let start = q.start.clone().unwrap_or_default();
    let amount = q.amount.clone().unwrap_or_default();
    let unit = q.unit.clone().unwrap_or_else(|| "working_days".into());
    let answer = match (start.trim().parse::<Date>(), amount.trim().parse::<u32>(), LimitUnit::parse(&unit)) {
        (Ok(s), Ok(a), Some(u)) if u != LimitUnit::Hours && a <= Limit::AMOUNT_MAX => {
            let due = calendar.due_date(s, Limit { amount: a, unit: u });
            Some(tr.t1("calendar-answer", "date", format!("{due}（星期{}）", weekday(due))))
        }
        _ if start.is_empty() && amount.is_empty() => None,
        _ => Some(tr.t("calendar-bad-question")),
    };
    CalendarPage {
        frame: frame(staff, "/admin/calendar"),
        year,
        known: !notice.days.is_empty(),
        days: notice
            .days
            .iter()
            .map(|d| {
                (d.date.to_string(), format!("星期{}", weekday(d.date)), kind_words(d.kind), d.name.clone())
            })
            .collect(),
        text,
        start,
        amount,
        unit,
        answer,
        units: [LimitUnit::WorkingDays, LimitUnit::CalendarDays]
            .iter()
            .map(|u| (u.as_str().to_string(), tr.of("unit", u.as_str())))
            .collect(),
        admin: staff.caller.actor.role.administers(),
        notice: q.done.as_ref().map(|_| tr.t("action-done")),
        errors: vec![],
    }
}

/// The year's notice and the calculator; every member of staff may look.
pub async fn calendar(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<CalendarQuery>,
) -> Response {
    render(staff.tr, &calendar_page(&state, &staff, &q))
}

#[derive(Deserialize)]
pub struct NoticeForm {
    csrf: String,
    year: i16,
    days: String,
}

/// Reads the notice's lines: `2027-01-01 放假 元旦` (or `off`/`on`, `上班`), one day a line.
fn parse_days(text: &str) -> Result<Vec<NoticeDay>, Vec<(usize, String)>> {
    let mut days = vec![];
    let mut bad = vec![];
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let mut parts = line.split_whitespace();
        let date = parts.next().and_then(|d| d.parse::<Date>().ok());
        let kind = match parts.next() {
            Some("放假" | "休" | "off") => Some(DayKind::Off),
            Some("上班" | "调休上班" | "班" | "on") => Some(DayKind::On),
            _ => None,
        };
        let name = parts.collect::<Vec<_>>().join(" ");
        match (date, kind) {
            (Some(date), Some(kind)) => days.push(NoticeDay { date, kind, name }),
            _ => bad.push((i + 1, line.trim().to_string())),
        }
    }
    if bad.is_empty() { Ok(days) } else { Err(bad) }
}

pub async fn save_notice(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<NoticeForm>,
) -> Response {
    let tr = staff.tr;
    if !staff.csrf_ok(&form.csrf) {
        return UiError::csrf(tr).into_response();
    }
    let q = CalendarQuery { year: Some(form.year), ..CalendarQuery::default() };
    let refused = |errors: Vec<String>| {
        let mut page = calendar_page(&state, &staff, &q);
        page.text = form.days.clone();
        page.errors = errors;
        (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(tr, &page)).into_response()
    };
    let days = match parse_days(&form.days) {
        Ok(days) => days,
        Err(bad) => {
            return refused(
                bad.into_iter().map(|(n, l)| tr.t1("calendar-bad-line", "line", n) + "：" + &l).collect(),
            );
        }
    };
    match enter_notice(&state, &staff.caller, Notice { year: form.year, days }).await {
        Ok(()) => Redirect::to(&format!("/admin/calendar?year={}&done=1", form.year)).into_response(),
        Err(ApiError::Invalid(fields)) => {
            refused(fields.iter().map(|f| format!("{}：{}", f.field, tr.lang().issue(&f.issue))).collect())
        }
        Err(e) => UiError::new(tr, e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "admin_policies.html")]
pub struct PoliciesPage {
    pub frame: Frame,
    /// (index, kind words, clock words, category words, urgency words, amount, unit code)
    pub rules: Vec<(usize, String, String, String, String, u32, &'static str)>,
    pub units: Vec<(String, String)>,
    /// (when, who, how many rules)
    pub changes: Vec<(String, String, usize)>,
    pub notice: Option<String>,
    pub errors: Vec<String>,
}

async fn policies_page(state: &AppState, staff: &Staff) -> Result<PoliciesPage, ApiError> {
    let tr = staff.tr;
    let catalogue = state.catalogue();
    let any = tr.t("policy-any");
    let rules = state
        .policies()
        .rules()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                i,
                tr.of("kind", r.kind.as_str()),
                tr.of("clock", r.clock.as_str()),
                r.category
                    .as_deref()
                    .map(|c| catalogue.get(c).map(|c| tr.category(c)).unwrap_or(c.into()))
                    .unwrap_or(any.clone()),
                r.urgency.map(|u| tr.of("urgency", u.as_str())).unwrap_or(any.clone()),
                r.limit.amount,
                r.limit.unit.as_str(),
            )
        })
        .collect();
    let log = state.store.setting_changes(crate::api::calendar::POLICIES_KEY, 10).await?;
    let ids: Vec<_> = log.iter().map(|c| c.changed_by).collect();
    let names: std::collections::HashMap<_, _> =
        state.store.users_by_id(&ids).await?.into_iter().map(|u| (u.id, u.display_name)).collect();
    let changes = log
        .iter()
        .map(|c| {
            let count = serde_json::from_str::<Vec<TimeLimit>>(&c.value).map(|r| r.len()).unwrap_or(0);
            (
                super::pages::china_time(c.changed_at),
                names.get(&c.changed_by).cloned().unwrap_or_default(),
                count,
            )
        })
        .collect();
    Ok(PoliciesPage {
        frame: frame(staff, "/admin/policies"),
        rules,
        units: LimitUnit::ALL.iter().map(|u| (u.as_str().to_string(), tr.of("unit", u.as_str()))).collect(),
        changes,
        notice: None,
        errors: vec![],
    })
}

pub async fn policies(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<CalendarQuery>,
) -> Response {
    if !staff.caller.actor.role.administers() {
        return UiError::new(staff.tr, ApiError::Forbidden(minsheng_domain::error::Denial::Role))
            .into_response();
    }
    match policies_page(&state, &staff).await {
        Ok(mut page) => {
            page.notice = q.done.map(|_| staff.tr.t("action-done"));
            render(staff.tr, &page)
        }
        Err(e) => UiError::new(staff.tr, e).into_response(),
    }
}

/// Saves edited amounts and units: `amount_{i}` and `unit_{i}` for the rule at index i.
pub async fn save_policies_form(
    State(state): State<AppState>,
    staff: Staff,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let tr = staff.tr;
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).unwrap_or_default();
    if !staff.csrf_ok(get("csrf")) {
        return UiError::csrf(tr).into_response();
    }
    let mut rules = state.policies().rules().to_vec();
    let mut errors = vec![];
    for (i, rule) in rules.iter_mut().enumerate() {
        match (get(&format!("amount_{i}")).parse::<u32>(), LimitUnit::parse(get(&format!("unit_{i}")))) {
            (Ok(amount), Some(unit)) => rule.limit = Limit { amount, unit },
            _ => errors.push(tr.t1("policy-bad-row", "row", i + 1)),
        }
    }
    let outcome = if errors.is_empty() {
        save_policies(&state, &staff.caller, rules).await
    } else {
        Err(ApiError::Invalid(vec![]))
    };
    match outcome {
        Ok(()) => Redirect::to("/admin/policies?done=1").into_response(),
        Err(ApiError::Invalid(fields)) => {
            errors.extend(fields.iter().map(|f| {
                let row =
                    f.field.split(['[', ']']).nth(1).and_then(|n| n.parse::<usize>().ok()).map(|n| n + 1);
                let at = row.map(|r| tr.t1("policy-row", "row", r)).unwrap_or_default();
                format!("{at}{}", tr.lang().issue(&f.issue))
            }));
            match policies_page(&state, &staff).await {
                Ok(mut page) => {
                    page.errors = errors;
                    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(tr, &page)).into_response()
                }
                Err(e) => UiError::new(tr, e).into_response(),
            }
        }
        Err(e) => UiError::new(tr, e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notice_lines_read_in_chinese_or_english_and_bad_ones_are_numbered() {
        let days = parse_days("2027-01-01 放假 元旦\n\n2027-02-06 上班 春节\n2027-10-09 on 国庆节").unwrap();
        assert_eq!(days.len(), 3);
        assert_eq!((days[1].kind, days[1].name.as_str()), (DayKind::On, "春节"));
        let bad = parse_days("2027-01-01 放假 元旦\n2027-13-01 放假 x\n2027-02-01 休息").unwrap_err();
        assert_eq!(bad.iter().map(|(n, _)| *n).collect::<Vec<_>>(), vec![2, 3]);
    }
}
