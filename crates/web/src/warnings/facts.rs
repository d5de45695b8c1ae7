//! What the evaluator keeps of each open or recent matter, and how it keeps it small: at a
//! million matters that is a few hundred thousand of them, for as long as the server runs.
//!
//! - The names a matter clusters by (its category, employers and project) are interned once in
//!   [`Names`]; a matter holds their numbers.
//! - The facts sit in one vector ordered by matter id ([`Known`]): no hash table's empty slots,
//!   and a new matter (the highest id) is pushed at the end.
//! - The signature keeps 32 rows of one byte. Two unrelated rows agree by chance once in 256,
//!   which moves an estimate by < 0.004: nothing near the place clusters' threshold.

use super::subjects::{About, Names};
use crate::similar::subject_name;
use jiff::Timestamp;
use minsheng_domain::Matter;
use minsheng_domain::party::PartyRole;
use minsheng_domain::warning::{MatterFacts, Overdue};
use minsheng_domain::{MatterId, Status, UnitId};

/// Rows of the MinHash signature kept per matter to tell whether two matters at one place say
/// the same thing (32 of the 128: an estimate within ±0.09 at 0.5).
pub(super) const SIGNATURE_ROWS: usize = 32;

/// What the evaluator keeps of one matter.
#[derive(Clone, Debug)]
pub(super) struct Facts {
    pub id: MatterId,
    pub registered_at: Timestamp,
    pub place: UnitId,
    /// The handling unit, or the place while it is not routed.
    pub unit: UnitId,
    pub category: super::subjects::Name,
    pub project: Option<super::subjects::Name>,
    /// Organisations named as the other party (an employer, a company).
    pub employers: Box<[super::subjects::Name]>,
    /// Not closed, and not merged into another matter.
    pub open: bool,
    /// A leader owns it (领导包案).
    pub led: bool,
    pub people: u32,
    pub repeat_contacts: u32,
    pub violence_flags: u32,
    pub amount_fen: Option<i64>,
    pub spans: Box<[(Timestamp, Timestamp)]>,
    pub supervision_due: Option<Timestamp>,
    /// The main matter it was merged into (并件).
    pub merged_into: Option<MatterId>,
    pub signature: [u8; SIGNATURE_ROWS],
}

/// Words that make a party's name an organisation's, so it can be a cluster's subject.
const ORGANISATION: &[&str] = &[
    "公司",
    "厂",
    "项目部",
    "集团",
    "合作社",
    "中心",
    "商行",
    "店",
    "工作室",
    "事务所",
    "学校",
    "医院",
    "物业",
    "酒店",
    "超市",
    "银行",
    "协会",
    "幼儿园",
    "队",
];

/// An organisation's name that can be a cluster's subject: not a person's, and not an
/// anonymised one (`某某公司`, `浙江某物业管理有限公司`), which names no one in particular.
pub(super) fn is_organisation(name: &str) -> bool {
    name.chars().count() >= 4 && !name.contains('某') && ORGANISATION.iter().any(|w| name.contains(w))
}

/// The first [`SIGNATURE_ROWS`] rows of a text's signature, a byte each.
pub(super) fn signature_of(title: &str, body: &str) -> [u8; SIGNATURE_ROWS] {
    let signature = minsheng_search::similar::Signature::of_matter(title, body);
    let mut rows = [0u8; SIGNATURE_ROWS];
    for (row, value) in rows.iter_mut().zip(signature.rows()) {
        // The low bits are the row's hash; the high byte is the round that filled it.
        *row = (value & 0xff) as u8;
    }
    rows
}

impl Facts {
    pub fn of(m: &Matter, names: &mut Names) -> Self {
        let r = &m.registration;
        let mut employers: Vec<super::subjects::Name> = r
            .parties
            .iter()
            .filter(|p| p.role != PartyRole::Applicant && is_organisation(p.name.as_str()))
            .map(|p| subject_name(p.name.as_str()))
            .filter(|n| !n.is_empty())
            .map(|n| names.intern(&n))
            .collect();
        employers.sort();
        employers.dedup();
        Self {
            id: m.id,
            registered_at: m.registered_at,
            place: r.unit_id,
            unit: m.handling.as_ref().map_or(r.unit_id, |h| h.lead),
            category: names.intern(r.category.as_str()),
            project: r
                .project
                .as_deref()
                .filter(|p| !p.contains('某'))
                .map(subject_name)
                .filter(|p| !p.is_empty())
                .map(|p| names.intern(&p)),
            employers: employers.into_boxed_slice(),
            open: m.status != Status::Closed && m.merged_into.is_none(),
            led: m.leader.is_some(),
            people: r.people_involved,
            repeat_contacts: m.repeat_contacts(),
            violence_flags: m.mediation.risk_flags,
            amount_fen: r.amount_fen.map(|f| f.get()),
            spans: Overdue::spans(m).into_boxed_slice(),
            supervision_due: m.clocks.get(&minsheng_domain::clock::ClockName::Supervision).map(|c| c.due),
            merged_into: m.merged_into,
            signature: signature_of(&r.title, &r.body),
        }
    }

    pub fn matter_facts(&self, now: Timestamp) -> MatterFacts {
        MatterFacts {
            id: self.id,
            open: self.open,
            people_involved: self.people,
            amount_fen: self.amount_fen,
            overdue: Overdue::worst_of(&self.spans, now),
            supervision_ignored: self.supervision_due.is_some_and(|due| now > due),
            repeat_contacts: self.repeat_contacts,
            violence_flags: self.violence_flags,
        }
    }

    /// The share of signature rows two matters agree on: their words' Jaccard similarity,
    /// estimated.
    pub fn similarity(&self, other: &Self) -> f64 {
        let same = self.signature.iter().zip(&other.signature).filter(|(a, b)| a == b).count();
        same as f64 / SIGNATURE_ROWS as f64
    }

    pub fn age_days(&self, now: Timestamp) -> u32 {
        u32::try_from(now.duration_since(self.registered_at).as_secs().max(0) / 86_400).unwrap_or(u32::MAX)
    }

    /// The (category, subject) pairs it may cluster by: its place, each employer, its project.
    pub fn subjects(&self) -> impl Iterator<Item = (super::subjects::Name, About)> + '_ {
        let category = self.category;
        std::iter::once(About::Place(self.place))
            .chain(self.employers.iter().map(|e| About::Employer(*e)))
            .chain(self.project.map(About::Project))
            .map(move |about| (category, about))
    }
}

/// Every matter's facts, ordered by id.
#[derive(Default)]
pub(super) struct Known(Vec<Facts>);

impl Known {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Facts> {
        self.0.iter()
    }

    fn at(&self, id: MatterId) -> Result<usize, usize> {
        self.0.binary_search_by_key(&id, |f| f.id)
    }

    pub fn get(&self, id: MatterId) -> Option<&Facts> {
        self.at(id).ok().and_then(|i| self.0.get(i))
    }

    pub fn get_mut(&mut self, id: MatterId) -> Option<&mut Facts> {
        self.at(id).ok().and_then(|i| self.0.get_mut(i))
    }

    /// Keeps these facts, replacing the matter's earlier ones.
    pub fn put(&mut self, facts: Facts) {
        match self.at(facts.id) {
            Ok(i) => self.0[i] = facts,
            Err(i) => {
                if self.0.len() == self.0.capacity() {
                    // By an eighth, not double: at a million matters a doubling is 50 MB more.
                    self.0.reserve_exact(self.0.len() / 8 + 64);
                }
                self.0.insert(i, facts);
            }
        }
    }

    pub fn retain(&mut self, keep: impl FnMut(&Facts) -> bool) {
        self.0.retain(keep);
        // After a large prune, give most of the room back (keeping an eighth to grow into).
        if self.0.len() < self.0.capacity() / 2 {
            self.0.shrink_to(self.0.len() + self.0.len() / 8);
        }
    }

    /// Gives back what growing left spare (after the start's load).
    pub fn shrink(&mut self) {
        self.0.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisations_are_subjects_and_people_or_anonymised_names_are_not() {
        assert!(is_organisation("浙江天宇建筑工程有限公司"));
        assert!(is_organisation("枫桥镇中心幼儿园"));
        assert!(!is_organisation("张建国"), "a person is never a subject");
        assert!(!is_organisation("某某建筑公司"), "an anonymised name names no one");
        assert!(!is_organisation("浙江某物业管理有限公司"));
    }

    #[test]
    fn byte_rows_estimate_what_the_full_signature_does() {
        let a = "反映在工地做木工，包工头拖欠八个月工资共两万四千元，多次讨要未果，请求帮助追讨。";
        let b = "反映在工地做木工，包工头拖欠八个月工资共两万四千元，多次讨要未果，请求帮助追讨！（二）";
        let c = "反映村口道路路灯损坏已有半个月，夜间出行不便，请求尽快维修。";
        let full = |x: &str, y: &str| {
            let (sx, sy) = (
                minsheng_search::similar::Signature::of_matter("", x),
                minsheng_search::similar::Signature::of_matter("", y),
            );
            let same = sx.rows().iter().zip(sy.rows()).take(SIGNATURE_ROWS).filter(|(p, q)| p == q).count();
            same as f64 / SIGNATURE_ROWS as f64
        };
        let bytes = |x: &str, y: &str| {
            let (sx, sy) = (signature_of("", x), signature_of("", y));
            sx.iter().zip(&sy).filter(|(p, q)| p == q).count() as f64 / SIGNATURE_ROWS as f64
        };
        assert!(full(a, b) > 0.6, "near copies: {}", full(a, b));
        assert_eq!(bytes(a, b), full(a, b), "rows that agree agree in their low byte too");
        assert!(bytes(a, c) <= full(a, c) + 2.0 / SIGNATURE_ROWS as f64, "{} vs {}", bytes(a, c), full(a, c));
        assert!(bytes(a, c) < 0.2);
    }

    #[test]
    fn facts_are_kept_in_id_order_and_replaced_in_place() {
        let mut names = Names::default();
        let wage = names.intern("wage_arrears");
        assert_eq!(names.intern("wage_arrears"), wage, "a name is interned once");
        assert_eq!(names.get(wage), "wage_arrears");
        let fact = |id: i64| Facts {
            id: MatterId(id),
            registered_at: Timestamp::UNIX_EPOCH,
            place: UnitId(1),
            unit: UnitId(1),
            category: wage,
            project: None,
            employers: Box::new([]),
            open: true,
            led: false,
            people: 1,
            repeat_contacts: 0,
            violence_flags: 0,
            amount_fen: None,
            spans: Box::new([]),
            supervision_due: None,
            merged_into: None,
            signature: [0; SIGNATURE_ROWS],
        };
        let mut known = Known::default();
        for id in [5, 2, 9, 7] {
            known.put(fact(id));
        }
        known.put(Facts { people: 3, ..fact(7) });
        let ids: Vec<i64> = known.iter().map(|f| f.id.0).collect();
        assert_eq!(ids, vec![2, 5, 7, 9]);
        assert_eq!(known.get(MatterId(7)).map(|f| f.people), Some(3));
        assert!(known.get(MatterId(6)).is_none());
        known.retain(|f| f.id.0 != 5);
        assert_eq!(known.len(), 3);
        if let Some(f) = known.get_mut(MatterId(9)) {
            f.led = true;
        }
        assert!(known.get(MatterId(9)).is_some_and(|f| f.led));
        // Growing keeps at most an eighth (and a little) spare; a large prune gives room back.
        for id in 10..5_000 {
            known.put(fact(id));
            assert!(known.0.capacity() <= known.len() + known.len() / 8 + 64, "at {id}");
        }
        known.retain(|f| f.id.0 < 100);
        assert_eq!(known.len(), 93);
        assert!(known.0.capacity() <= 93 + 93 / 8 + 64);
    }
}
