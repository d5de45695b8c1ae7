//! People's mediation (人民调解, 人民调解法 2010) of a dispute: the committee's registration,
//! the parties told their rights, sessions, the outcome (a written agreement with terms, an
//! oral one, or a failure with the routes told), judicial confirmation (司法确认), the terms'
//! performance, follow-up visits (回访), relapse (反弹), and transfers between tiers and between
//! people's, administrative and judicial mediation (三调联动).
//!
//! All of it lives on the dispute matter: [`Mediation`] is the part of its state these events
//! fold into, and the commands are decided in [`decide`]. The instants a clock needs (a
//! session's time, a term's deadline, a visit's date) are computed when the command is decided
//! and carried in the event, so the history never changes when a policy does; [`Mediation`]
//! answers which of them are pending, and the clock module runs them.

pub mod decide;
pub mod registers;

use crate::clock::ClockName;
use crate::event::Satisfaction;
use crate::ids::{UnitId, UserId};
use crate::party::Party;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

string_enum!(
    /// Where a dispute came to the committee from (纠纷来源).
    Source {
        /// 当事人申请
        Application = "application",
        /// 主动排查
        Screening = "screening",
        /// 综治中心/其他渠道分流
        Intake = "intake",
        /// 公安机关移送
        Police = "police",
        /// 人民法院委派/委托
        Court = "court",
        /// 行政机关/其他部门移送
        Agency = "agency",
    }
);

string_enum!(
    /// A route the parties are told of when mediation ends without agreement (告知途径).
    FailureRoute {
        /// 仲裁
        Arbitration = "arbitration",
        /// 行政途径（行政调解、行政裁决、行政复议）
        Administrative = "administrative",
        /// 诉讼
        Litigation = "litigation",
    }
);

string_enum!(
    /// How a dispute moves between mediators (分级调处 and 三调联动).
    Linkage {
        /// 提级调解: to a committee of a higher tier
        Escalate = "escalate",
        /// 联合调解: coordinated by the command centre
        Joint = "joint",
        /// 转行政调解
        Administrative = "administrative",
        /// 转司法调解（诉调对接）
        Judicial = "judicial",
        /// 转人民调解
        People = "people",
    }
);

string_enum!(
    /// How far an agreement has been performed, as a follow-up visit finds it.
    Performance {
        /// 已履行
        Performed = "performed",
        /// 部分履行
        Partial = "partial",
        /// 未履行
        NotPerformed = "not_performed",
    }
);

string_enum!(
    /// The risk a follow-up visit still sees (遗留风险).
    RemainingRisk {
        /// 无
        None = "none",
        /// 较低
        Low = "low",
        /// 较高
        High = "high",
    }
);

string_enum!(
    /// The court's ruling on an application for judicial confirmation.
    JudicialResult {
        /// 裁定确认有效
        Confirmed = "confirmed",
        /// 裁定驳回申请
        Rejected = "rejected",
    }
);

string_enum!(
    /// The form of an agreement.
    AgreementForm {
        /// 书面协议
        Written = "written",
        /// 口头协议
        Oral = "oral",
    }
);

string_enum!(
    /// How a mediation ended.
    MediationOutcome {
        /// 调解成功，达成书面协议
        Written = "written",
        /// 调解成功，达成口头协议
        Oral = "oral",
        /// 调解不成
        Failed = "failed",
        /// 当事人拒绝调解
        Refused = "refused",
    }
);

impl MediationOutcome {
    pub fn succeeded(self) -> bool {
        matches!(self, Self::Written | Self::Oral)
    }
}

/// One term of an agreement: who does what, how, and by when (履行方式、时限).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// Who performs it (a party's name, or 双方).
    pub obligor: String,
    pub content: String,
    /// 履行方式: e.g. 银行转账, 现场拆除.
    pub manner: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub deadline: Date,
}

/// A term as it arrives from outside; the deadline may be missing, which is refused by name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermDraft {
    #[serde(default)]
    pub obligor: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub manner: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub deadline: Option<Date>,
}

/// What a written agreement says besides the parties (调解协议书的内容).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementContent {
    /// 纠纷的主要事实
    pub facts: String,
    /// 争议事项
    pub issues: String,
    /// 各方当事人的责任
    pub responsibilities: String,
    /// 协议内容: the terms, each with its manner and deadline of performance.
    pub terms: Vec<Term>,
}

/// A term of the agreement in force, with the instant it is due and whether it is done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermState {
    pub term: Term,
    pub due: Timestamp,
    pub performed: bool,
}

/// The agreement in force (the last signed version, or the oral agreement).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    pub form: AgreementForm,
    pub version: u32,
    pub content: AgreementContent,
    /// SHA-256 of the signed version's parties and content (hex); oral agreements have none.
    pub hash: Option<String>,
    pub signed_on: Date,
    pub signed_at: Timestamp,
    pub terms: Vec<TermState>,
    /// The last instant to apply jointly for judicial confirmation (written agreements).
    pub apply_by: Option<Timestamp>,
    /// A relapse counted against it: its terms and visits are no longer followed.
    pub relapsed: bool,
}

/// An application for judicial confirmation and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judicial {
    pub court: String,
    pub filed_on: Date,
    pub accept_by: Timestamp,
    pub accepted_on: Option<Date>,
    pub rule_by: Option<Timestamp>,
    pub extended: bool,
    pub ruled: Option<(Date, JudicialResult)>,
}

/// The mediation part of a dispute's state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mediation {
    /// The committee mediating it now; `None` before acceptance and after a transfer.
    pub committee: Option<UnitId>,
    pub mediator: Option<UserId>,
    pub chosen_by_party: bool,
    pub source: Option<Source>,
    pub accepted_at: Option<Timestamp>,
    pub rights_notified: bool,
    pub sessions: u32,
    pub last_session: Option<Timestamp>,
    /// A scheduled session not yet held.
    pub next_session: Option<(Timestamp, String)>,
    pub risk_flags: u32,
    /// The latest draft: (version, content). A version above the agreement's awaits signing.
    pub draft: Option<(u32, AgreementContent)>,
    pub agreement: Option<Agreement>,
    pub outcome: Option<MediationOutcome>,
    pub judicial: Option<Judicial>,
    /// Follow-up visits still to make, earliest first.
    pub visits: Vec<Timestamp>,
    pub visits_done: u32,
    pub relapses: u32,
    pub transfers: u32,
}

impl Mediation {
    /// Accepted by a committee and still without an outcome: sessions and agreements happen now.
    pub fn ongoing(&self) -> bool {
        self.committee.is_some() && self.outcome.is_none()
    }

    /// Ever accepted by a committee: the dispute follows the mediation workflow.
    pub fn engaged(&self) -> bool {
        self.accepted_at.is_some()
    }

    /// The agreement in force, unless a relapse set it aside.
    pub fn live_agreement(&self) -> Option<&Agreement> {
        self.agreement.as_ref().filter(|a| !a.relapsed)
    }

    /// The draft that awaits signatures: newer than the agreement in force.
    pub fn unsigned_draft(&self) -> Option<&(u32, AgreementContent)> {
        let signed = self.agreement.as_ref().map(|a| a.version).unwrap_or(0);
        self.draft.as_ref().filter(|(v, _)| *v > signed)
    }

    /// The clocks these facts run and when each is due: a scheduled session, the next term
    /// to perform, the next follow-up visit and the judicial confirmation's steps. Only while
    /// the matter is open (`running`).
    pub fn clocks(&self, running: bool) -> BTreeMap<ClockName, Timestamp> {
        let mut out = BTreeMap::new();
        if !running {
            return out;
        }
        if self.ongoing()
            && let Some((at, _)) = &self.next_session
        {
            out.insert(ClockName::Session, *at);
        }
        if let Some(a) =
            self.live_agreement().filter(|_| self.outcome.is_some_and(MediationOutcome::succeeded))
        {
            if let Some(due) = a.terms.iter().filter(|t| !t.performed).map(|t| t.due).min() {
                out.insert(ClockName::Performance, due);
            }
            if let Some(due) = self.visits.first() {
                out.insert(ClockName::Visit, *due);
            }
            match (&self.judicial, a.apply_by) {
                (None, Some(by)) => {
                    out.insert(ClockName::JudicialApplication, by);
                }
                (Some(j), _) if j.accepted_on.is_none() => {
                    out.insert(ClockName::JudicialAcceptance, j.accept_by);
                }
                (Some(j), _) if j.ruled.is_none() => {
                    if let Some(by) = j.rule_by {
                        out.insert(ClockName::JudicialRuling, by);
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// The digest a signed agreement is kept by: SHA-256 over its version, the parties' details
/// and its content, as canonical JSON, in hexadecimal. Any change makes a different digest.
pub fn content_hash(version: u32, parties: &[Party], content: &AgreementContent) -> String {
    use sha2::{Digest as _, Sha256};
    #[derive(Serialize)]
    struct Signed<'a> {
        version: u32,
        parties: &'a [Party],
        content: &'a AgreementContent,
    }
    // Field order is fixed by the struct definitions, so the serialisation is canonical.
    let json = serde_json::to_string(&Signed { version, parties, content }).unwrap_or_default();
    Sha256::digest(json.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// What a follow-up visit records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub performance: Performance,
    pub satisfaction: Satisfaction,
    pub risk: RemainingRisk,
    pub note: Option<String>,
}

/// Folds a mediation event into the matter. The matter's status follows the mediation: an
/// accepted dispute is in progress, an agreement is answered (履行中), a failure or a refusal
/// closes it, and a relapse takes it back into progress.
pub(crate) fn apply(m: &mut crate::Matter, event: &crate::Event, at: Timestamp) {
    use crate::Event as E;
    use crate::matter::{Handling, HandlingMode, Status};
    let med = &mut m.mediation;
    match event {
        E::MediationAccepted { committee, mediator, chosen_by_party, source, .. } => {
            med.committee = Some(*committee);
            med.mediator = Some(*mediator);
            med.chosen_by_party = *chosen_by_party;
            med.source = Some(*source);
            med.accepted_at.get_or_insert(at);
            m.status = Status::InProgress;
            m.returned = None;
            m.handled_by.insert(*committee);
            if m.handling.as_ref().is_none_or(|h| h.lead != *committee) {
                m.handling = Some(Handling {
                    mode: HandlingMode::Direct,
                    lead: *committee,
                    co_units: vec![],
                    report_by: None,
                    by: None,
                });
            }
        }
        E::RightsNotified { .. } => med.rights_notified = true,
        E::MediationRefused { .. } | E::MediationFailed { .. } => {
            med.outcome = Some(if matches!(event, E::MediationRefused { .. }) {
                MediationOutcome::Refused
            } else {
                MediationOutcome::Failed
            });
            med.next_session = None;
            m.status = Status::Closed;
            m.closed_at = Some(at);
        }
        E::SessionScheduled { at: when, place } => med.next_session = Some((*when, place.clone())),
        E::SessionHeld { held_at, .. } => {
            med.sessions += 1;
            med.last_session = Some(med.last_session.map_or(*held_at, |l| l.max(*held_at)));
            med.next_session = None;
        }
        E::RiskFlagged { .. } => med.risk_flags += 1,
        E::AgreementDrafted { version, content } => med.draft = Some((*version, content.clone())),
        E::AgreementSigned { version, signed_on, content_hash, terms_due, apply_by, visits } => {
            let content = med.draft.as_ref().filter(|(v, _)| v == version).map(|(_, c)| c.clone());
            if let Some(content) = content {
                let terms = content
                    .terms
                    .iter()
                    .zip(terms_due)
                    .map(|(t, due)| TermState { term: t.clone(), due: *due, performed: false })
                    .collect();
                med.agreement = Some(Agreement {
                    form: AgreementForm::Written,
                    version: *version,
                    content,
                    hash: Some(content_hash.clone()),
                    signed_on: *signed_on,
                    signed_at: at,
                    terms,
                    apply_by: Some(*apply_by),
                    relapsed: false,
                });
            }
            agreed(m, MediationOutcome::Written, visits, at);
        }
        E::OralAgreementRecorded { agreed_on, content, terms, terms_due, visits } => {
            let version = med.agreement.as_ref().map(|a| a.version).unwrap_or(0) + 1;
            med.agreement = Some(Agreement {
                form: AgreementForm::Oral,
                version,
                content: AgreementContent {
                    facts: content.clone(),
                    issues: String::new(),
                    responsibilities: String::new(),
                    terms: terms.clone(),
                },
                hash: None,
                signed_on: *agreed_on,
                signed_at: at,
                terms: terms
                    .iter()
                    .zip(terms_due)
                    .map(|(t, due)| TermState { term: t.clone(), due: *due, performed: false })
                    .collect(),
                apply_by: None,
                relapsed: false,
            });
            agreed(m, MediationOutcome::Oral, visits, at);
        }
        E::JudicialFiled { court, filed_on, accept_by } => {
            med.judicial = Some(Judicial {
                court: court.clone(),
                filed_on: *filed_on,
                accept_by: *accept_by,
                accepted_on: None,
                rule_by: None,
                extended: false,
                ruled: None,
            });
        }
        E::JudicialAccepted { accepted_on, rule_by } => {
            if let Some(j) = &mut med.judicial {
                j.accepted_on = Some(*accepted_on);
                j.rule_by = Some(*rule_by);
            }
        }
        E::JudicialExtended { rule_by, .. } => {
            if let Some(j) = &mut med.judicial {
                j.extended = true;
                j.rule_by = Some(*rule_by);
            }
        }
        E::JudicialRuled { ruled_on, result, .. } => {
            if let Some(j) = &mut med.judicial {
                j.ruled = Some((*ruled_on, *result));
            }
        }
        E::TermPerformed { term, .. } => {
            if let Some(t) = med.agreement.as_mut().and_then(|a| a.terms.get_mut(*term)) {
                t.performed = true;
            }
        }
        E::VisitRecorded { .. } => {
            med.visits_done += 1;
            if !med.visits.is_empty() {
                med.visits.remove(0);
            }
        }
        E::Relapsed { .. } => {
            med.relapses += 1;
            // The court is asked about an agreement; the one set aside is not pursued.
            med.judicial = None;
            med.outcome = None;
            med.visits.clear();
            if let Some(a) = &mut med.agreement {
                a.relapsed = true;
            }
            m.status = Status::InProgress;
            m.reopen_count += 1;
            m.closed_at = None;
            m.follow_up = None;
        }
        E::MediationTransferred { from, to, .. } => {
            med.transfers += 1;
            med.committee = None;
            med.mediator = None;
            med.next_session = None;
            m.status = Status::Assigned;
            m.handled_by.insert(*to);
            m.handling = Some(Handling {
                mode: HandlingMode::Transfer,
                lead: *to,
                co_units: vec![],
                report_by: None,
                by: Some(*from),
            });
        }
        _ => {}
    }
}

/// An agreement reached: the mediation succeeded and the matter is answered (履行中). A new
/// agreement in force is confirmed on its own application, if at all: an earlier version's
/// does not carry over to it.
fn agreed(m: &mut crate::Matter, outcome: MediationOutcome, visits: &[Timestamp], at: Timestamp) {
    m.mediation.outcome = Some(outcome);
    m.mediation.judicial = None;
    m.mediation.visits = visits.to_vec();
    m.mediation.next_session = None;
    if m.status != crate::matter::Status::Replied {
        m.status = crate::matter::Status::Replied;
        m.replied_at = Some(at);
    }
}

#[cfg(test)]
mod tests;
