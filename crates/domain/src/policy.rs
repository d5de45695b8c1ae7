//! Time-limit policies (办理时限): which limit each clock of each matter kind runs, by category
//! and urgency. The defaults are DOMAIN.md's statutory and customary limits; an administrator
//! may change any of them, and the store records every change.

use crate::calendar::{Limit, LimitUnit};
use crate::clock::ClockName;
use crate::error::{FieldError, Issue};
use crate::matter::MatterKind;
use serde::{Deserialize, Serialize};

string_enum!(
    /// How pressing a matter is (缓急程度).
    Urgency {
        /// 一般
        Normal = "normal",
        /// 紧急
        Urgent = "urgent",
        /// 疑难: complex, given longer
        Difficult = "difficult",
    }
);

// The enum comes from `string_enum!`, which cannot mark a default variant.
#[allow(clippy::derivable_impls)]
impl Default for Urgency {
    fn default() -> Self {
        Self::Normal
    }
}

/// One limit. A rule naming a category or an urgency is more specific than one that does not;
/// the most specific matching rule wins (category and urgency > category > urgency > neither).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeLimit {
    pub kind: MatterKind,
    pub clock: ClockName,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub urgency: Option<Urgency>,
    pub limit: Limit,
}

/// The live set of limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Policies(Vec<TimeLimit>);

impl Default for Policies {
    fn default() -> Self {
        Self::defaults()
    }
}

impl Policies {
    /// The most rules one installation keeps.
    pub const RULES_MAX: usize = 500;

    pub fn new(rules: Vec<TimeLimit>) -> Self {
        Self(rules)
    }

    pub fn rules(&self) -> &[TimeLimit] {
        &self.0
    }

    /// DOMAIN.md's defaults.
    pub fn defaults() -> Self {
        use ClockName::*;
        use MatterKind::*;
        let cd = Limit::calendar_days;
        let wd = Limit::working_days;
        let rule = |kind, clock, limit| TimeLimit { kind, clock, category: None, urgency: None, limit };
        let urgent =
            |kind, clock, limit| TimeLimit { urgency: Some(Urgency::Urgent), ..rule(kind, clock, limit) };
        let difficult =
            |kind, clock, limit| TimeLimit { urgency: Some(Urgency::Difficult), ..rule(kind, clock, limit) };
        let category = |kind, clock, code: &str, limit| TimeLimit {
            category: Some(code.to_string()),
            ..rule(kind, clock, limit)
        };
        Self(vec![
            // 信访: decide within 15 days, the competent body accepts within 15, handles in 60
            // (+ one extension of up to 30), review windows and decisions of 30 days each.
            rule(Petition, Intake, cd(15)),
            rule(Petition, Acceptance, cd(15)),
            rule(Petition, Handling, cd(60)),
            rule(Petition, Extension, cd(30)),
            rule(Petition, ReviewWindow, cd(30)),
            rule(Petition, Review, cd(30)),
            rule(Petition, FollowUp, wd(5)),
            // 12345 诉求: dispatch within hours (urgent 1 h); handle by category and urgency.
            rule(Request, Dispatch, Limit::hours(2)),
            urgent(Request, Dispatch, Limit::hours(1)),
            rule(Request, Handling, wd(13)),
            category(Request, Handling, "consultation", wd(3)),
            urgent(Request, Handling, cd(0)),
            difficult(Request, Handling, cd(15)),
            rule(Request, Extension, wd(10)),
            rule(Request, FollowUp, wd(1)),
            // 网格事件: dispatch the same day, handle in 5 working days, escalate when missed.
            rule(GridEvent, Dispatch, Limit::hours(24)),
            rule(GridEvent, Handling, wd(5)),
            urgent(GridEvent, Handling, cd(0)),
            rule(GridEvent, Extension, wd(5)),
            rule(GridEvent, FollowUp, wd(3)),
            // 矛盾纠纷: mediation normally within one month.
            rule(Dispute, Handling, cd(30)),
            rule(Dispute, Extension, cd(30)),
            rule(Dispute, FollowUp, cd(30)),
            // 人民调解: a month from acceptance; visits 30 days after the agreement and 7 after
            // each term's deadline; judicial confirmation applied for in 30 days, accepted in 3,
            // decided in 15 (+10).
            rule(Dispute, Mediation, cd(30)),
            rule(Dispute, Visit, cd(30)),
            rule(Dispute, VisitAfterTerm, cd(7)),
            rule(Dispute, JudicialApplication, cd(30)),
            rule(Dispute, JudicialAcceptance, cd(3)),
            rule(Dispute, JudicialRuling, cd(15)),
            rule(Dispute, JudicialExtension, cd(10)),
            // 欠薪: accept in 5 working days, handle in 60 (+30).
            rule(WageClaim, Intake, wd(5)),
            rule(WageClaim, Handling, wd(60)),
            rule(WageClaim, Extension, wd(30)),
            rule(WageClaim, FollowUp, wd(5)),
        ])
    }

    /// The limit of a clock for a matter, if any rule gives one.
    pub fn limit(
        &self,
        kind: MatterKind,
        clock: ClockName,
        category: &str,
        urgency: Urgency,
    ) -> Option<Limit> {
        let found = self
            .0
            .iter()
            .filter(|r| r.kind == kind && r.clock == clock)
            .filter(|r| r.category.as_deref().is_none_or(|c| c == category))
            .filter(|r| r.urgency.is_none_or(|u| u == urgency))
            .max_by_key(|r| (r.category.is_some(), r.urgency.is_some()))
            .map(|r| r.limit);
        // A rule set saved before mediation's limits existed still runs them at the defaults.
        let mediation = matches!(
            clock,
            ClockName::Mediation
                | ClockName::Visit
                | ClockName::VisitAfterTerm
                | ClockName::JudicialApplication
                | ClockName::JudicialAcceptance
                | ClockName::JudicialRuling
                | ClockName::JudicialExtension
        );
        match found {
            None if mediation && !self.0.iter().any(|r| r.kind == kind && r.clock == clock) => {
                static DEFAULTS: std::sync::OnceLock<Policies> = std::sync::OnceLock::new();
                let defaults = DEFAULTS.get_or_init(Policies::defaults);
                if std::ptr::eq(defaults, self) {
                    None
                } else {
                    defaults.limit(kind, clock, category, urgency)
                }
            }
            found => found,
        }
    }

    /// Checks an edited set: sane amounts, no two rules for the same case, hours only where a
    /// clock runs in hours.
    pub fn check(rules: &[TimeLimit], category_exists: impl Fn(&str) -> bool) -> Result<(), Vec<FieldError>> {
        let mut errors = vec![];
        if rules.len() > Self::RULES_MAX {
            errors.push(FieldError::new("rules", Issue::TooLong { max: Self::RULES_MAX }));
        }
        for (i, r) in rules.iter().enumerate() {
            let field = |name: &str| format!("rules[{i}].{name}");
            if r.limit.amount > Limit::AMOUNT_MAX {
                errors.push(FieldError::new(
                    field("limit.amount"),
                    Issue::OutOfRange { min: 0, max: i64::from(Limit::AMOUNT_MAX) },
                ));
            }
            if r.limit.unit == LimitUnit::Hours && !r.clock.may_run_in_hours() {
                errors.push(FieldError::new(field("limit.unit"), Issue::NoHours));
            }
            if r.category.as_deref().is_some_and(|c| !category_exists(c)) {
                errors.push(FieldError::new(field("category"), Issue::UnknownCategory));
            }
            let same = |o: &TimeLimit| {
                o.kind == r.kind && o.clock == r.clock && o.category == r.category && o.urgency == r.urgency
            };
            if rules[..i].iter().any(same) {
                errors.push(FieldError::new(field("clock"), Issue::Duplicate));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_rule_wins() {
        let p = Policies::defaults();
        let handling = |cat: &str, u| p.limit(MatterKind::Request, ClockName::Handling, cat, u);
        assert_eq!(handling("environment", Urgency::Normal), Some(Limit::working_days(13)));
        assert_eq!(handling("consultation", Urgency::Normal), Some(Limit::working_days(3)));
        assert_eq!(handling("environment", Urgency::Urgent), Some(Limit::calendar_days(0)));
        assert_eq!(handling("environment", Urgency::Difficult), Some(Limit::calendar_days(15)));
        assert_eq!(
            p.limit(MatterKind::Petition, ClockName::Handling, "land", Urgency::Urgent),
            Some(Limit::calendar_days(60))
        );
        assert_eq!(p.limit(MatterKind::Petition, ClockName::Dispatch, "land", Urgency::Normal), None);
    }

    #[test]
    fn the_defaults_pass_their_own_check_and_bad_edits_are_named() {
        let known = |c: &str| crate::category::DEFAULTS.iter().any(|(code, ..)| *code == c);
        assert_eq!(Policies::check(Policies::defaults().rules(), known), Ok(()));
        let mut rules = Policies::defaults().0;
        rules.push(rules[0].clone());
        rules.push(TimeLimit {
            kind: MatterKind::Petition,
            clock: ClockName::Review,
            category: Some("nope".into()),
            urgency: None,
            limit: Limit::hours(4),
        });
        let errors = Policies::check(&rules, known).unwrap_err();
        let n = rules.len();
        assert_eq!(
            errors,
            vec![
                FieldError::new(format!("rules[{}].clock", n - 2), Issue::Duplicate),
                FieldError::new(format!("rules[{}].limit.unit", n - 1), Issue::NoHours),
                FieldError::new(format!("rules[{}].category", n - 1), Issue::UnknownCategory),
            ]
        );
    }
}
