//! The intake form (受理登记): one form for every kind and channel, with up to three parties,
//! the place typed and completed from the units in the user's scope, and every problem shown
//! next to its field. Validation is the domain's; this module only maps fields to and fro.

use super::account::{frame, render};
use super::attachments;
use super::error::UiError;
use super::i18n::Tr;
use super::pages::Frame;
use super::session::Staff;
use crate::api::matters::register;
use crate::problem::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use minsheng_domain::matter::RegistrationDraft;
use minsheng_domain::party::{PartyDraft, PartyRole};
use minsheng_domain::{Channel, MatterKind, OrgTree, UnitId, UnitKind};

/// Party rows on the form.
const PARTY_ROWS: usize = 3;

#[derive(Clone, Default)]
pub struct PartyForm {
    pub prefix: String,
    pub role: String,
    pub name: String,
    pub phone: String,
    pub id_card: String,
    pub address: String,
}

impl PartyForm {
    fn is_empty(&self) -> bool {
        [&self.name, &self.phone, &self.id_card, &self.address].iter().all(|v| v.trim().is_empty())
    }
}

/// The form's values as typed, kept to show them again after an error.
#[derive(Clone, Default)]
pub struct IntakeForm {
    pub kind: String,
    pub channel: String,
    pub urgency: String,
    pub category: String,
    pub place: String,
    pub title: String,
    pub body: String,
    pub people: String,
    pub amount: String,
    pub project: String,
    pub parties: Vec<PartyForm>,
}

impl IntakeForm {
    fn blank() -> Self {
        let mut f = Self {
            kind: "request".into(),
            channel: "phone".into(),
            urgency: "normal".into(),
            people: "1".into(),
            ..Self::default()
        };
        f.parties = (0..PARTY_ROWS)
            .map(|i| PartyForm {
                prefix: format!("parties[{i}]."),
                role: if i == 1 { "respondent".into() } else { "applicant".into() },
                ..PartyForm::default()
            })
            .collect();
        f
    }

    fn from_fields(fields: Vec<(String, String)>) -> (Self, String) {
        let mut f = Self::blank();
        let mut csrf = String::new();
        for (k, v) in fields {
            match k.as_str() {
                "csrf" => csrf = v,
                "kind" => f.kind = v,
                "channel" => f.channel = v,
                "urgency" => f.urgency = v,
                "category" => f.category = v,
                "place" => f.place = v,
                "title" => f.title = v,
                "body" => f.body = v,
                "people" => f.people = v,
                "amount" => f.amount = v,
                "project" => f.project = v,
                other => {
                    let Some((row, field)) = other.strip_prefix('p').and_then(|r| r.split_once('_')) else {
                        continue;
                    };
                    let Some(p) = row.parse::<usize>().ok().and_then(|i| f.parties.get_mut(i)) else {
                        continue;
                    };
                    match field {
                        "role" => p.role = v,
                        "name" => p.name = v,
                        "phone" => p.phone = v,
                        "id_card" => p.id_card = v,
                        "address" => p.address = v,
                        _ => {}
                    }
                }
            }
        }
        (f, csrf)
    }
}

#[derive(Template)]
#[template(path = "intake.html")]
pub struct IntakePage {
    pub frame: Frame,
    pub form: IntakeForm,
    pub kinds: Vec<(String, String)>,
    pub channels: Vec<(String, String)>,
    pub urgencies: Vec<(String, String)>,
    pub categories: Vec<(String, String)>,
    pub places: Vec<String>,
    /// (field key, message)
    pub field_errors: Vec<(String, String)>,
    /// (label, message), for the summary at the top
    pub errors: Vec<(String, String)>,
}

impl IntakePage {
    pub fn error_for(&self, key: impl AsRef<str>) -> Option<&str> {
        self.field_errors.iter().find(|(k, _)| k == key.as_ref()).map(|(_, m)| m.as_str())
    }

    pub fn has_error(&self, key: &str) -> bool {
        self.error_for(key).is_some()
    }
}

/// Units one may name as the place: villages, communities and townships in scope.
fn places(org: &OrgTree, scope_root: UnitId) -> Vec<String> {
    org.iter()
        .filter(|u| matches!(u.kind, UnitKind::Village | UnitKind::Township | UnitKind::Grid))
        .filter(|u| org.is_within(u.id, scope_root))
        .filter(|u| {
            u.kind != UnitKind::Grid
                || org
                    .get(scope_root)
                    .is_some_and(|r| r.kind == UnitKind::Grid || r.kind == UnitKind::Village)
        })
        .map(|u| org.full_name(u.id))
        .collect()
}

fn page(
    state: &AppState,
    staff: &Staff,
    form: IntakeForm,
    field_errors: Vec<(String, String)>,
) -> IntakePage {
    let tr = staff.tr;
    let org = state.org();
    let catalogue = state.catalogue();
    let label = |key: &str| -> String {
        match key {
            "place" => tr.t("intake-place"),
            "title" => tr.t("intake-matter-title"),
            "body" => tr.t("intake-body"),
            "people" => tr.t("intake-people"),
            "project" => tr.t("intake-project"),
            "amount" => tr.t("intake-amount"),
            "category" => tr.t("intake-category"),
            "attachments" => tr.t("matter-attachments"),
            other => match other.strip_prefix("parties[").and_then(|r| r.split_once("].")) {
                Some((i, field)) => {
                    let n = i.parse::<usize>().unwrap_or_default() + 1;
                    let what = match field {
                        "name" => tr.t("intake-party-name"),
                        "phone" => tr.t("intake-party-phone"),
                        "id_card" => tr.t("intake-party-id"),
                        _ => tr.t("intake-party-address"),
                    };
                    format!("{} · {what}", tr.t1("intake-party", "n", n))
                }
                None => other.to_owned(),
            },
        }
    };
    let errors = field_errors.iter().map(|(k, m)| (label(k), m.clone())).collect();
    IntakePage {
        frame: frame(staff, "/matters/new"),
        form,
        kinds: super::pages::kind_options(tr),
        channels: super::pages::channel_options(tr),
        urgencies: minsheng_domain::policy::Urgency::ALL
            .iter()
            .map(|u| (u.as_str().into(), tr.of("urgency", u.as_str())))
            .collect(),
        categories: super::pages::category_options(tr, &catalogue),
        places: places(&org, staff.caller.actor.unit_id),
        field_errors,
        errors,
    }
}

pub async fn form(State(state): State<AppState>, staff: Staff) -> Response {
    let mut form = IntakeForm::blank();
    form.category = state.catalogue().all().first().map(|c| c.code.0.clone()).unwrap_or_default();
    render(staff.tr, &page(&state, &staff, form, vec![]))
}

/// Yuan as typed (`12500`, `8500.50`, `1,200`) to fen.
fn fen(raw: &str) -> Option<i64> {
    minsheng_domain::Fen::parse_yuan(raw).map(minsheng_domain::Fen::get)
}

/// The form's text fields and its files, read from a multipart body.
async fn read_multipart(
    mut multipart: Multipart,
) -> Result<(Vec<(String, String)>, Vec<(String, Vec<u8>)>), ApiError> {
    let mut fields = vec![];
    let mut files = vec![];
    while let Some(field) = multipart.next_field().await.map_err(|_| ApiError::PayloadTooLarge)? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(|_| ApiError::PayloadTooLarge)?;
                if !file_name.is_empty() || !bytes.is_empty() {
                    files.push((file_name, bytes.to_vec()));
                }
            }
            None => fields.push((name, field.text().await.map_err(|_| ApiError::PayloadTooLarge)?)),
        }
    }
    Ok((fields, files))
}

pub async fn submit(State(state): State<AppState>, staff: Staff, multipart: Multipart) -> Response {
    let tr = staff.tr;
    let (fields, files) = match read_multipart(multipart).await {
        Ok(read) => read,
        Err(e) => return UiError::new(tr, e).into_response(),
    };
    let (form, csrf) = IntakeForm::from_fields(fields);
    if !staff.csrf_ok(&csrf) {
        return UiError::csrf(tr).into_response();
    }
    let lang = tr.lang();
    let mut errors: Vec<(String, String)> = vec![];
    let org = state.org();
    let place = org
        .iter()
        .find(|u| org.full_name(u.id) == form.place.trim() && org.is_within(u.id, staff.caller.actor.unit_id))
        .map(|u| u.id.0);
    if place.is_none() {
        errors.push(("place".into(), lang.issue(&minsheng_domain::Issue::UnknownUnit)));
    }
    let people = match form.people.trim() {
        "" => None,
        p => match p.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(("people".into(), tr.t("intake-bad-number")));
                None
            }
        },
    };
    let amount_fen = match form.amount.trim() {
        "" => None,
        a => match fen(a) {
            Some(f) => Some(f),
            None => {
                errors.push(("amount".into(), tr.t("intake-bad-amount")));
                None
            }
        },
    };
    let mut attachments = vec![];
    if files.len() > attachments::MAX_FILES {
        errors.push(("attachments".into(), tr.t("intake-file-too-many")));
    } else {
        for (name, bytes) in files {
            match attachments::store(&state, &name, bytes).await {
                Ok(a) => attachments.push(a),
                Err(attachments::Refusal::TooLarge) => {
                    errors.push(("attachments".into(), tr.t1("intake-file-too-large", "name", &name)))
                }
                Err(_) => errors.push(("attachments".into(), tr.t1("intake-file-type", "name", &name))),
            }
        }
    }
    let parties: Vec<PartyDraft> = form
        .parties
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| PartyDraft {
            role: match p.role.as_str() {
                "respondent" => PartyRole::Respondent,
                "other" => PartyRole::Other,
                _ => PartyRole::Applicant,
            },
            name: p.name.clone(),
            phone: Some(p.phone.clone()),
            id_card: Some(p.id_card.clone()),
            address: Some(p.address.clone()),
        })
        .collect();
    // Domain paths name parties by their place among the filled rows; map back to form rows.
    let filled: Vec<usize> =
        form.parties.iter().enumerate().filter(|(_, p)| !p.is_empty()).map(|(i, _)| i).collect();
    let (Some(kind), Some(channel)) = (MatterKind::parse(&form.kind), Channel::parse(&form.channel)) else {
        return UiError::not_found(tr).into_response();
    };
    let draft = RegistrationDraft {
        kind,
        channel,
        category: form.category.clone(),
        unit_id: place.unwrap_or(-1),
        title: form.title.clone(),
        body: form.body.clone(),
        people_involved: people,
        amount_fen,
        parties,
        attachments,
        urgency: Some(minsheng_domain::policy::Urgency::parse(&form.urgency).unwrap_or_default()),
        project: Some(form.project.clone()).filter(|p| !p.trim().is_empty()),
    };
    // With problems found here already, still ask the domain, so every field is named at once;
    // only a clean form is registered.
    let outcome = if errors.is_empty() {
        register(&state, &staff.caller, &draft, None).await.map(|(done, _)| Some(done))
    } else {
        let known = state.knowledge(org.clone());
        minsheng_domain::command::register(&draft, &known.ctx(staff.caller.actor, state.clock.now()))
            .map(|_| None)
            .map_err(ApiError::from)
    };
    match outcome {
        Ok(Some(done)) => {
            return Redirect::to(&format!("/matters/{}?done=1", done.matter_id)).into_response();
        }
        Ok(None) => {}
        Err(ApiError::Invalid(fields)) => {
            for f in fields {
                let key = match f.field.as_str() {
                    "unit_id" if place.is_none() => continue,
                    "unit_id" => "place".to_owned(),
                    "people_involved" => "people".to_owned(),
                    "amount_fen" => "amount".to_owned(),
                    other => match other.strip_prefix("parties[").and_then(|r| r.split_once(']')) {
                        Some((i, rest)) => {
                            let row = i
                                .parse::<usize>()
                                .ok()
                                .and_then(|i| filled.get(i).copied())
                                .unwrap_or_default();
                            format!("parties[{row}]{rest}")
                        }
                        None => other.to_owned(),
                    },
                };
                errors.push((key, lang.issue(&f.issue)));
            }
        }
        Err(e) => return UiError::new(tr, e).into_response(),
    }
    let page = page(&state, &staff, form, errors);
    (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(tr, &page)).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn yuan_to_fen() {
        assert_eq!(super::fen("12500"), Some(1_250_000));
        assert_eq!(super::fen("8500.5"), Some(850_050));
        assert_eq!(super::fen("¥1,200.05"), Some(120_005));
        for bad in ["", "abc", "1.234", "-5", "1.2.3", "."] {
            assert_eq!(super::fen(bad), None, "{bad}");
        }
    }
}

/// The fields the similar-matters panel reads from the intake form as the clerk types.
#[derive(serde::Deserialize, Default)]
pub struct Typing {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    project: String,
}

/// One similar matter as the panel shows it.
pub struct SimilarLine {
    pub id: i64,
    pub title: String,
    pub place: String,
    pub status: String,
    pub percent: i64,
    pub shared: String,
    pub same_place: bool,
    pub same_project: bool,
    pub same_parties: String,
}

#[derive(Template)]
#[template(path = "similar.html")]
pub struct SimilarPanel {
    pub tr: Tr,
    pub items: Vec<SimilarLine>,
}

/// `POST /matters/similar`: while a clerk types, the open and recent matters in their scope
/// that say nearly the same thing (an htmx fragment under the form).
pub async fn similar(State(state): State<AppState>, staff: Staff, Form(t): Form<Typing>) -> Response {
    let tr = staff.tr;
    if !staff.csrf_ok(&t.csrf) {
        return UiError::csrf(tr).into_response();
    }
    let text_len = t.title.chars().count() + t.body.chars().count();
    let org = state.org();
    let unit = org
        .iter()
        .find(|u| org.full_name(u.id) == t.place.trim() && org.is_within(u.id, staff.caller.actor.unit_id))
        .map(|u| u.id.0)
        .unwrap_or(0);
    let title: String = t.title.chars().take(200).collect();
    let body: String = t.body.chars().take(10_000).collect();
    let probe = crate::api::similar::Probe {
        title: &title,
        body: &body,
        unit_id: unit,
        category: &t.category,
        project: Some(t.project.as_str()),
        respondents: vec![],
        exclude: None,
    };
    // Too few words say nothing yet.
    let found = if text_len < 8 {
        vec![]
    } else {
        match crate::api::similar::similar_to(&state, &staff.caller, &probe, 5).await {
            Ok(found) => found,
            Err(e) => return UiError::new(tr, e).into_response(),
        }
    };
    let items = found
        .into_iter()
        .map(|m| SimilarLine {
            id: m.id.0,
            title: m.title,
            place: m.unit_name,
            status: tr.of("status", m.status.as_str()),
            percent: (m.score * 100.0).round() as i64,
            shared: m.why.shared_words.join("、"),
            same_place: m.why.same_place,
            same_project: m.why.same_project,
            same_parties: m.why.same_parties.join("、"),
        })
        .collect();
    render(tr, &SimilarPanel { tr, items })
}
