//! `/api/v1/calendar` and `/api/v1/policies`: due dates as the calendar counts them (for
//! integrations and auditors), each year's holiday notice, and the time-limit policies, which
//! an administrator of the whole deployment may change; every change is logged.

use crate::auth::Caller;
use crate::extract::ApiJson;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use jiff::civil::Date;
use minsheng_domain::calendar::{Calendar, CalendarError, DayKind, Limit, LimitUnit, Notice, NoticeDay};
use minsheng_domain::error::Denial;
use minsheng_domain::policy::{Policies, TimeLimit};
use minsheng_domain::{FieldError, Issue};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The settings key the policies are stored under.
pub const POLICIES_KEY: &str = "time_limits";

/// The counting convention, stated with every answer.
pub const CONVENTION: &str = "start day excluded; calendar_days: start + N, moved to the next working day when that \
     is a rest day (if the deployment rolls forward); working_days: the N-th working day after the start; a \
     limit in days is met by 24:00 of its due date in the deployment's time zone";

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeadlineQuery {
    /// The day the limit starts from (excluded from the count), `YYYY-MM-DD`.
    start: Option<String>,
    /// How many days.
    amount: Option<String>,
    /// `working_days` or `calendar_days`.
    unit: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineView {
    #[schema(value_type = String)]
    pub start: Date,
    pub amount: u32,
    pub unit: LimitUnit,
    /// The last day of the limit.
    #[schema(value_type = String)]
    pub due_date: Date,
    /// The instant the limit ends: 24:00 of the due date, local time.
    #[schema(value_type = String)]
    pub due_at: jiff::Timestamp,
    pub time_zone: String,
    pub rolls_forward: bool,
    pub convention: &'static str,
}

/// The due date of a limit, as every clock in Minsheng counts it.
#[utoipa::path(
    get, path = "/api/v1/calendar/deadline", tag = "calendar", params(DeadlineQuery),
    responses((status = 200, body = DeadlineView), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn deadline(
    State(state): State<AppState>,
    _caller: Caller,
    Query(q): Query<DeadlineQuery>,
) -> Result<Json<DeadlineView>, ApiError> {
    let mut errors = vec![];
    let start = match q.start.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new("start", Issue::Required));
            None
        }
        Some(s) => s.parse::<Date>().map_err(|_| errors.push(FieldError::new("start", Issue::BadDate))).ok(),
    };
    let max = Limit::AMOUNT_MAX;
    let amount = match q.amount.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new("amount", Issue::Required));
            None
        }
        Some(a) => a.parse::<u32>().ok().filter(|a| *a <= max).or_else(|| {
            errors.push(FieldError::new("amount", Issue::OutOfRange { min: 0, max: i64::from(max) }));
            None
        }),
    };
    let unit = match q.unit.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new("unit", Issue::Required));
            None
        }
        Some(u) => LimitUnit::parse(u).filter(|u| *u != LimitUnit::Hours).or_else(|| {
            errors.push(FieldError::new("unit", Issue::NotOneOf));
            None
        }),
    };
    let (Some(start), Some(amount), Some(unit), true) = (start, amount, unit, errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    let calendar = state.calendar();
    let limit = Limit { amount, unit };
    let due_date = calendar.due_date(start, limit);
    let due_at = calendar.end_of(due_date).ok_or(ApiError::field("start", Issue::BadDate))?;
    Ok(Json(DeadlineView {
        start,
        amount,
        unit,
        due_date,
        due_at,
        time_zone: calendar.time_zone().iana_name().unwrap_or("Asia/Shanghai").to_string(),
        rolls_forward: calendar.rolls_forward(),
        convention: CONVENTION,
    }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeDayView {
    #[schema(value_type = String)]
    pub date: Date,
    /// `off` (a holiday) or `on` (a weekend day made a working day).
    pub kind: DayKind,
    /// The holiday it belongs to, e.g. 国庆节.
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    pub year: i16,
    /// Whether any notice covers the year; without one only weekends rest.
    pub known: bool,
    pub days: Vec<NoticeDayView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeRequest {
    pub days: Vec<NoticeDayView>,
}

fn notice_view(calendar: &Calendar, year: i16) -> NoticeView {
    let notice = calendar.notice(year);
    NoticeView {
        year,
        known: !notice.days.is_empty(),
        days: notice
            .days
            .into_iter()
            .map(|d| NoticeDayView { date: d.date, kind: d.kind, name: d.name })
            .collect(),
    }
}

fn year_of(raw: &str) -> Result<i16, ApiError> {
    raw.parse::<i16>().ok().filter(|y| (Calendar::FIRST_YEAR..=Calendar::LAST_YEAR).contains(y)).ok_or(
        ApiError::field(
            "year",
            Issue::OutOfRange { min: i64::from(Calendar::FIRST_YEAR), max: i64::from(Calendar::LAST_YEAR) },
        ),
    )
}

/// A year's holidays and make-up working days.
#[utoipa::path(
    get, path = "/api/v1/calendar/{year}", tag = "calendar",
    responses((status = 200, body = NoticeView)), security(("bearer" = []))
)]
pub async fn year(
    State(state): State<AppState>,
    _caller: Caller,
    Path(year): Path<String>,
) -> Result<Json<NoticeView>, ApiError> {
    Ok(Json(notice_view(&state.calendar(), year_of(&year)?)))
}

/// Enter (or correct) a year's notice from the State Council; it replaces that year's days.
#[utoipa::path(
    put, path = "/api/v1/calendar/{year}", tag = "calendar", request_body = NoticeRequest,
    responses((status = 200, body = NoticeView), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn put_year(
    State(state): State<AppState>,
    caller: Caller,
    Path(year): Path<String>,
    ApiJson(req): ApiJson<NoticeRequest>,
) -> Result<Json<NoticeView>, ApiError> {
    let year = year_of(&year)?;
    let days: Vec<NoticeDay> =
        req.days.into_iter().map(|d| NoticeDay { date: d.date, kind: d.kind, name: d.name }).collect();
    enter_notice(&state, &caller, Notice { year, days }).await?;
    Ok(Json(notice_view(&state.calendar(), year)))
}

/// Checks and saves a notice for a deployment administrator; the API and the admin page both
/// come through here.
pub(crate) async fn enter_notice(
    state: &AppState,
    caller: &Caller,
    mut notice: Notice,
) -> Result<(), ApiError> {
    deployment_admin(state, caller)?;
    for (i, day) in notice.days.iter_mut().enumerate() {
        day.name = minsheng_domain::text::optional(&format!("days[{i}].name"), Some(&day.name), 40)
            .map_err(|e| ApiError::Invalid(vec![e]))?
            .unwrap_or_default();
    }
    if notice.days.len() > 120 {
        return Err(ApiError::field("days", Issue::TooLong { max: 120 }));
    }
    Calendar::check_notice(&notice).map_err(|e| notice_error(&notice, e))?;
    notice.days.sort_by_key(|d| d.date);
    state.store.save_calendar_notice(&notice, caller.user.id, state.clock.now()).await?;
    state.reload_clocks().await?;
    Ok(())
}

fn notice_error(notice: &Notice, e: CalendarError) -> ApiError {
    let at = |date: Date| notice.days.iter().position(|d| d.date == date).unwrap_or(0);
    let year = i64::from(notice.year);
    match e {
        CalendarError::OutsideYear { date, .. } => {
            ApiError::field(&format!("days[{}].date", at(date)), Issue::OutOfRange { min: year, max: year })
        }
        CalendarError::Twice(date) => {
            let second =
                notice.days.iter().enumerate().filter(|(_, d)| d.date == date).nth(1).map(|(i, _)| i);
            ApiError::field(&format!("days[{}].date", second.unwrap_or(0)), Issue::Duplicate)
        }
        CalendarError::AlreadyWorking(date) => {
            ApiError::field(&format!("days[{}].kind", at(date)), Issue::NotAWeekend)
        }
        CalendarError::YearOutOfRange(_) | CalendarError::BadLine { .. } => ApiError::field(
            "year",
            Issue::OutOfRange { min: i64::from(Calendar::FIRST_YEAR), max: i64::from(Calendar::LAST_YEAR) },
        ),
    }
}

/// Only an administrator at the root of the tree changes what the whole deployment counts by.
pub(crate) fn deployment_admin(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    let at_root = state.org().get(caller.actor.unit_id).is_some_and(|u| u.parent_id.is_none());
    if caller.actor.role.administers() && at_root { Ok(()) } else { Err(ApiError::Forbidden(Denial::Role)) }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoliciesView {
    pub rules: Vec<TimeLimit>,
}

/// The time limits every clock runs, by kind, category and urgency.
#[utoipa::path(
    get, path = "/api/v1/policies", tag = "calendar",
    responses((status = 200, body = PoliciesView)), security(("bearer" = []))
)]
pub async fn policies(State(state): State<AppState>, _caller: Caller) -> Json<PoliciesView> {
    Json(PoliciesView { rules: state.policies().rules().to_vec() })
}

/// Replace the time limits. New clocks run the new limits; running clocks keep theirs.
#[utoipa::path(
    put, path = "/api/v1/policies", tag = "calendar", request_body = PoliciesView,
    responses((status = 200, body = PoliciesView), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
pub async fn put_policies(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<PoliciesView>,
) -> Result<Json<PoliciesView>, ApiError> {
    save_policies(&state, &caller, req.rules).await?;
    Ok(Json(PoliciesView { rules: state.policies().rules().to_vec() }))
}

/// Checks and saves the policies for a deployment administrator (API and admin page).
pub(crate) async fn save_policies(
    state: &AppState,
    caller: &Caller,
    rules: Vec<TimeLimit>,
) -> Result<(), ApiError> {
    deployment_admin(state, caller)?;
    let catalogue = state.catalogue();
    Policies::check(&rules, |c| catalogue.get(c).is_some()).map_err(ApiError::Invalid)?;
    let json = serde_json::to_string(&Policies::new(rules)).map_err(|_| ApiError::Internal)?;
    state.store.put_setting(POLICIES_KEY, &json, caller.user.id, state.clock.now()).await?;
    state.reload_clocks().await?;
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyChangeView {
    pub changed_by: i64,
    #[schema(value_type = String)]
    pub changed_at: jiff::Timestamp,
    pub rules: Vec<TimeLimit>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyChangeList {
    pub items: Vec<PolicyChangeView>,
}

/// Every change of the time limits, newest first: who, when and what they became.
#[utoipa::path(
    get, path = "/api/v1/policies/changes", tag = "calendar",
    responses((status = 200, body = PolicyChangeList)), security(("bearer" = []))
)]
pub async fn policy_changes(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<PolicyChangeList>, ApiError> {
    let changes = state.store.setting_changes(POLICIES_KEY, 100).await?;
    let items = changes
        .into_iter()
        .filter_map(|c| {
            let rules: Policies = serde_json::from_str(&c.value).ok()?;
            Some(PolicyChangeView {
                changed_by: c.changed_by.0,
                changed_at: c.changed_at,
                rules: rules.rules().to_vec(),
            })
        })
        .collect();
    Ok(Json(PolicyChangeList { items }))
}
