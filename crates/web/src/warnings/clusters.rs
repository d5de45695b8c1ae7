//! Grouping matters into clusters: matters of one category about one project, one employer, or
//! one place where they also say nearly the same thing. A project's cluster claims its matters
//! first, so they are not warned of again as an employer's or a place's.

use super::facts::Facts;
use super::subjects::{About, Name, Names};
use jiff::{SignedDuration, Timestamp};
use minsheng_domain::warning::{ClusterFacts, ClusterMember, Figures, LOOKBACK_DAYS};
use minsheng_domain::{MatterId, OrgTree, UnitId};
use std::collections::HashMap;

/// How alike two matters at the same place must be to belong to one place cluster.
pub const PLACE_SIMILARITY: f64 = 0.5;

/// A cluster as the evaluator found it.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub facts: ClusterFacts,
    /// The unit over every member's place.
    pub unit: UnitId,
    pub figures: Figures,
    /// Its (category, subject), interned.
    pub(super) about: (Name, About),
}

/// The clusters among the facts, in the order they claim matters (see the module's doc), then
/// by key.
pub(super) fn clusters<'a>(
    facts: impl Iterator<Item = &'a Facts>,
    names: &Names,
    now: Timestamp,
    org: &OrgTree,
    window: u32,
) -> Vec<Cluster> {
    let since = now - SignedDuration::from_hours(24 * i64::from(LOOKBACK_DAYS));
    let mut groups: HashMap<(Name, About), Vec<&Facts>> = HashMap::new();
    for f in facts.filter(|f| f.registered_at >= since || f.open) {
        for about in f.subjects() {
            groups.entry(about).or_default().push(f);
        }
    }
    let mut keyed: Vec<_> = groups
        .into_iter()
        .filter(|(_, group)| group.len() >= 2)
        .map(|(about, group)| (about.1.rank(), names.key(about), about, group))
        .collect();
    keyed.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    // The member sets kept so far, and which of them each matter is in: a group all of whose
    // members an earlier cluster holds is not a cluster of its own.
    let mut kept: Vec<Vec<MatterId>> = vec![];
    let mut holding: HashMap<MatterId, Vec<usize>> = HashMap::new();
    let mut out = vec![];
    for (_, key, about, group) in keyed {
        let mut members = match about.1 {
            About::Place(_) => alike(&group),
            _ => group,
        };
        if members.len() < 2 {
            continue;
        }
        members.sort_by_key(|f| f.id);
        let ids: Vec<MatterId> = members.iter().map(|f| f.id).collect();
        let held = ids.first().and_then(|first| holding.get(first)).is_some_and(|sets| {
            sets.iter()
                .any(|k| kept.get(*k).is_some_and(|set| ids.iter().all(|id| set.binary_search(id).is_ok())))
        });
        if held {
            continue;
        }
        for id in &ids {
            holding.entry(*id).or_default().push(kept.len());
        }
        kept.push(ids);
        let facts = ClusterFacts {
            key,
            members: members
                .iter()
                .map(|f| ClusterMember {
                    id: f.id,
                    age_days: f.age_days(now),
                    open: f.open,
                    people_involved: f.people,
                })
                .collect(),
        };
        let in_window: Vec<&&Facts> = members.iter().filter(|f| f.age_days(now) < window).collect();
        let figures = Figures {
            window_days: window,
            size: facts.size_in(window),
            before: facts.size_before(window),
            open: u32::try_from(members.iter().filter(|f| f.open).count()).unwrap_or(u32::MAX),
            people: in_window.iter().map(|f| u64::from(f.people)).sum(),
            amount_fen: in_window.iter().filter_map(|f| f.amount_fen).sum(),
        };
        let unit = common_unit(org, members.iter().map(|f| f.place));
        out.push(Cluster { facts, unit, figures, about });
    }
    out
}

/// The matters of a place's group that say nearly the same as another one there.
fn alike<'a>(group: &[&'a Facts]) -> Vec<&'a Facts> {
    let mut found = vec![false; group.len()];
    for (i, a) in group.iter().enumerate() {
        for (j, b) in group.iter().enumerate().skip(i + 1) {
            if !(found[i] && found[j]) && a.similarity(b) >= PLACE_SIMILARITY {
                found[i] = true;
                found[j] = true;
            }
        }
    }
    group.iter().zip(found).filter(|(_, f)| *f).map(|(g, _)| *g).collect()
}

/// The deepest unit over all of these.
pub(super) fn common_unit(org: &OrgTree, units: impl Iterator<Item = UnitId>) -> UnitId {
    let mut common: Option<Vec<UnitId>> = None;
    for u in units {
        let lineage = org.lineage(u);
        common = Some(match common {
            None => lineage.to_vec(),
            Some(c) => c.iter().zip(lineage).take_while(|(a, b)| a == b).map(|(a, _)| *a).collect(),
        });
    }
    common.and_then(|c| c.last().copied()).unwrap_or(UnitId(0))
}

#[cfg(test)]
mod tests {
    use super::super::facts::signature_of;
    use super::*;
    use crate::similar::subject_name;
    use minsheng_domain::warning::Subject;
    use minsheng_domain::{Unit, UnitKind};

    fn org() -> OrgTree {
        let unit = |id: i64, parent: Option<i64>, kind, name: &str| Unit {
            id: UnitId(id),
            parent_id: parent.map(UnitId),
            kind,
            name: name.into(),
            code: None,
        };
        OrgTree::new(vec![
            unit(1, None, UnitKind::County, "诸暨市"),
            unit(2, Some(1), UnitKind::Township, "枫桥镇"),
            unit(3, Some(2), UnitKind::Village, "枫源村"),
            unit(4, Some(2), UnitKind::Village, "栎桥村"),
            unit(5, Some(1), UnitKind::Township, "店口镇"),
        ])
        .unwrap()
    }

    fn now() -> Timestamp {
        Timestamp::from_second(1_790_000_000).unwrap()
    }

    fn facts(
        names: &mut Names,
        id: i64,
        place: i64,
        text: &str,
        project: Option<&str>,
        employer: Option<&str>,
    ) -> Facts {
        Facts {
            id: MatterId(id),
            registered_at: now() - SignedDuration::from_hours(24 * id),
            place: UnitId(place),
            unit: UnitId(place),
            category: names.intern("wage_arrears"),
            project: project.map(|p| names.intern(&subject_name(p))),
            employers: employer.map(|e| names.intern(&subject_name(e))).into_iter().collect(),
            open: true,
            led: false,
            people: 2,
            repeat_contacts: 0,
            violence_flags: 0,
            amount_fen: Some(100_000),
            spans: Box::new([]),
            supervision_due: None,
            merged_into: None,
            signature: signature_of("", text),
        }
    }

    #[test]
    fn a_cluster_belongs_to_the_unit_over_its_places() {
        let org = org();
        assert_eq!(common_unit(&org, [UnitId(3), UnitId(4)].into_iter()), UnitId(2));
        assert_eq!(common_unit(&org, [UnitId(3), UnitId(5)].into_iter()), UnitId(1));
        assert_eq!(common_unit(&org, [UnitId(3)].into_iter()), UnitId(3));
    }

    #[test]
    fn clusters_by_project_and_by_similar_words_at_one_place() {
        let org = org();
        let mut names = Names::default();
        let wage = "反映在工地做木工，包工头拖欠八个月工资共两万四千元，多次讨要未果，请求帮助追讨。";
        let other = "反映村口道路路灯损坏已有半个月，夜间出行不便，请求尽快维修。";
        let all = [
            facts(&mut names, 1, 3, wage, Some("枫桥镇中心幼儿园新建工程"), None),
            facts(&mut names, 2, 4, &format!("{wage}（二）"), Some("枫桥镇中心幼儿园 新建工程"), None),
            // Same place, nearly the same words, no project: a place cluster with the first.
            facts(&mut names, 3, 3, &format!("{wage}！"), None, None),
            // Same place, other words: no cluster.
            facts(&mut names, 4, 3, other, None, None),
        ];
        let found = clusters(all.iter(), &names, now(), &org, 30);
        let keys: Vec<(&Subject, Vec<i64>)> = found
            .iter()
            .map(|c| (&c.facts.key.subject, c.facts.members.iter().map(|m| m.id.0).collect()))
            .collect();
        assert_eq!(
            keys,
            vec![
                (&Subject::Project(subject_name("枫桥镇中心幼儿园新建工程")), vec![1, 2]),
                (&Subject::Place(UnitId(3)), vec![1, 3]),
            ],
            "the project's cluster first; the place's is the first and third, not the fourth"
        );
        assert_eq!(found[0].facts.key.category, "wage_arrears");
        assert_eq!(found[0].unit, UnitId(2), "over both villages");
        assert_eq!(found[0].figures.people, 4);
        assert_eq!(found[0].figures.amount_fen, 200_000);
    }

    #[test]
    fn matters_already_in_a_project_cluster_are_not_warned_of_again_by_employer() {
        let org = org();
        let mut names = Names::default();
        let text = "反映在工地做钢筋工，被拖欠工资。";
        let all = [
            facts(&mut names, 1, 3, text, Some("城西安置小区二期"), Some("浙江天宇建筑工程有限公司")),
            facts(
                &mut names,
                2,
                3,
                "反映工地拖欠泥水工工资",
                Some("城西安置小区二期"),
                Some("浙江天宇建筑工程有限公司"),
            ),
        ];
        let found = clusters(all.iter(), &names, now(), &org, 30);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(matches!(found[0].facts.key.subject, Subject::Project(_)));
    }

    #[test]
    fn a_wider_subject_holding_more_matters_is_a_cluster_of_its_own() {
        let org = org();
        let mut names = Names::default();
        let text = "反映在工地做钢筋工，被拖欠工资。";
        let employer = Some("浙江天宇建筑工程有限公司");
        let all = [
            facts(&mut names, 1, 3, text, Some("城西安置小区二期"), employer),
            facts(&mut names, 2, 3, "反映工地拖欠泥水工工资", Some("城西安置小区二期"), employer),
            facts(&mut names, 3, 5, "反映工地拖欠木工工资", None, employer),
        ];
        let found = clusters(all.iter(), &names, now(), &org, 30);
        let sizes: Vec<(bool, usize)> = found
            .iter()
            .map(|c| (matches!(c.facts.key.subject, Subject::Employer(_)), c.facts.members.len()))
            .collect();
        assert_eq!(sizes, vec![(false, 2), (true, 3)], "the project's two, then the employer's three");
        assert_eq!(found[1].unit, UnitId(1), "over both townships");
    }
}
