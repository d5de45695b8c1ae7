//! The staff interface's words: Fluent messages for zh-CN (the default) and English, embedded
//! at compile time from `locales/`. Every string a page shows comes from here; a test fails
//! when one language lacks a key the other has.

use axum::http::HeaderMap;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-CN",
        // Plain text in HTML: no Unicode isolation marks around placeables.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ZH: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

/// The cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "ms_lang";

/// A translator for one language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tr {
    english: bool,
}

impl Tr {
    pub fn zh() -> Self {
        Self { english: false }
    }

    pub fn en() -> Self {
        Self { english: true }
    }

    /// The language cookie decides; without one, `Accept-Language` (English only if it comes first).
    pub fn from_request(headers: &HeaderMap, cookie: Option<&str>) -> Self {
        match cookie {
            Some("en") => Self::en(),
            Some(_) => Self::zh(),
            None if crate::lang::Lang::from_headers(headers) == crate::lang::Lang::En => Self::en(),
            None => Self::zh(),
        }
    }

    fn id(&self) -> &'static LanguageIdentifier {
        if self.english { &EN } else { &ZH }
    }

    /// `zh-CN` or `en`, for `<html lang>`.
    pub fn code(&self) -> &'static str {
        if self.english { "en" } else { "zh-CN" }
    }

    /// The other language's code, for the switch.
    pub fn other_code(&self) -> &'static str {
        if self.english { "zh-CN" } else { "en" }
    }

    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// A message with one argument.
    pub fn t1(&self, key: &str, name: &'static str, value: impl ToString) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        args.insert(Cow::Borrowed(name), FluentValue::from(value.to_string()));
        LOCALES.lookup_with_args(self.id(), key, &args)
    }

    /// A message with two arguments.
    pub fn t2(
        &self,
        key: &str,
        a: &'static str,
        a_value: impl ToString,
        b: &'static str,
        b_value: impl ToString,
    ) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        args.insert(Cow::Borrowed(a), FluentValue::from(a_value.to_string()));
        args.insert(Cow::Borrowed(b), FluentValue::from(b_value.to_string()));
        LOCALES.lookup_with_args(self.id(), key, &args)
    }

    /// The same language, for the API's error wording.
    pub fn lang(&self) -> crate::lang::Lang {
        if self.english { crate::lang::Lang::En } else { crate::lang::Lang::Zh }
    }

    /// A category's name in this language.
    pub fn category(&self, c: &minsheng_domain::Category) -> String {
        if self.english { c.name_en.clone() } else { c.name_zh.clone() }
    }

    /// `prefix-value`, e.g. `status-closed`.
    pub fn of(&self, prefix: &str, value: &str) -> String {
        self.t(&format!("{prefix}-{value}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(ftl: &str) -> BTreeSet<String> {
        ftl.lines()
            .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" = "))
            .filter_map(|l| l.split(" = ").next().map(str::to_owned))
            .collect()
    }

    #[test]
    fn both_languages_have_every_key() {
        let zh = keys(include_str!("../../locales/zh-CN/main.ftl"));
        let en = keys(include_str!("../../locales/en/main.ftl"));
        assert!(zh.len() > 50);
        let missing_en: Vec<_> = zh.difference(&en).collect();
        let missing_zh: Vec<_> = en.difference(&zh).collect();
        assert!(
            missing_en.is_empty() && missing_zh.is_empty(),
            "en lacks {missing_en:?}; zh-CN lacks {missing_zh:?}"
        );
    }

    #[test]
    fn looks_up_with_arguments_in_both_languages() {
        assert_eq!(Tr::zh().t("login-title"), "登录");
        assert_eq!(Tr::en().t("login-title"), "Sign in");
        assert_eq!(Tr::zh().t1("matter-title", "id", 42), "事项 42");
        assert_eq!(Tr::en().of("status", "in_progress"), "In progress");
    }

    #[test]
    fn every_enum_value_has_words() {
        use minsheng_domain::calendar::LimitUnit;
        use minsheng_domain::clock::ClockName;
        use minsheng_domain::event::{
            EscalationCause, FinalCause, Outcome, Route, Satisfaction, SupervisionMode,
        };
        use minsheng_domain::policy::Urgency;
        use minsheng_domain::{Channel, HandlingMode, MatterKind, Status};
        // Every event type the domain records (a new variant must be added here and worded).
        const EVENT_TYPES: &[&str] = &[
            "registered",
            "assigned",
            "started",
            "replied",
            "closed",
            "reopened",
            "commented",
            "note_added",
            "parties_revealed",
            "returned",
            "extension_requested",
            "extension_decided",
            "followed_up",
            "declined",
            "review_requested",
            "review_decided",
            "finalised",
            "escalated",
            "delegated",
            "supervised",
            "leader_assigned",
            "parked",
            "unparked",
            "opened",
            "cancelled",
            "verified",
            "evaluated",
            "clock_started",
            "clock_stopped",
            "reminded",
            "went_overdue",
            "window_closed",
            "mediation_accepted",
            "rights_notified",
            "mediation_refused",
            "session_scheduled",
            "session_held",
            "risk_flagged",
            "agreement_drafted",
            "agreement_signed",
            "oral_agreement_recorded",
            "mediation_failed",
            "judicial_filed",
            "judicial_accepted",
            "judicial_extended",
            "judicial_ruled",
            "term_performed",
            "visit_recorded",
            "relapsed",
            "mediation_transferred",
            "merged_into",
            "merge_received",
            "unmerged",
            "merge_withdrawn",
            "contact_recorded",
        ];
        use minsheng_domain::mediation::{
            FailureRoute, JudicialResult, Linkage, MediationOutcome, Performance, RemainingRisk, Source,
        };
        for tr in [Tr::zh(), Tr::en()] {
            let values = MatterKind::ALL
                .iter()
                .map(|k| ("kind", k.as_str()))
                .chain(Status::ALL.iter().map(|s| ("status", s.as_str())))
                .chain(Channel::ALL.iter().map(|c| ("channel", c.as_str())))
                .chain(HandlingMode::ALL.iter().map(|m| ("mode", m.as_str())))
                .chain(ClockName::ALL.iter().map(|c| ("clock", c.as_str())))
                .chain(Outcome::ALL.iter().map(|c| ("outcome", c.as_str())))
                .chain(Satisfaction::ALL.iter().map(|c| ("satisfaction", c.as_str())))
                .chain(Route::ALL.iter().map(|c| ("route", c.as_str())))
                .chain(SupervisionMode::ALL.iter().map(|c| ("supervision", c.as_str())))
                .chain(EscalationCause::ALL.iter().map(|c| ("escalation", c.as_str())))
                .chain(FinalCause::ALL.iter().map(|c| ("final", c.as_str())))
                .chain(LimitUnit::ALL.iter().map(|c| ("unit", c.as_str())))
                .chain(Urgency::ALL.iter().map(|c| ("urgency", c.as_str())))
                .chain(Source::ALL.iter().map(|c| ("source", c.as_str())))
                .chain(FailureRoute::ALL.iter().map(|c| ("failure-route", c.as_str())))
                .chain(Linkage::ALL.iter().map(|c| ("linkage", c.as_str())))
                .chain(Performance::ALL.iter().map(|c| ("performance", c.as_str())))
                .chain(RemainingRisk::ALL.iter().map(|c| ("risk", c.as_str())))
                .chain(JudicialResult::ALL.iter().map(|c| ("judicial", c.as_str())))
                .chain(MediationOutcome::ALL.iter().map(|c| ("mediation-outcome", c.as_str())))
                .chain(crate::ui::actions::codes().into_iter().map(|c| ("action", c)))
                .chain(EVENT_TYPES.iter().map(|e| ("event", *e)));
            for (prefix, value) in values {
                let words = tr.of(prefix, value);
                assert!(!words.is_empty() && !words.contains(prefix), "{prefix}-{value} in {}", tr.code());
            }
        }
    }
}
