//! The org tree (组织架构): county → township → village → grid, with departments and
//! mediation committees hanging where they belong. Answers "is this unit inside that subtree?"
//! for scope checks, and validates where a new unit may be attached.

use crate::ids::UnitId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The kind of a unit, which fixes where it may sit in the tree.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 县/区
    County,
    /// 乡镇/街道
    Township,
    /// 村/社区
    Village,
    /// 网格
    Grid,
    /// 部门 (公安, 司法局, 信访局 …) or a township office (司法所, 派出所)
    Department,
    /// 人民调解委员会, including professional committees
    Committee,
}

impl UnitKind {
    pub const ALL: [UnitKind; 6] =
        [Self::County, Self::Township, Self::Village, Self::Grid, Self::Department, Self::Committee];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::County => "county",
            Self::Township => "township",
            Self::Village => "village",
            Self::Grid => "grid",
            Self::Department => "department",
            Self::Committee => "committee",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// May a unit of this kind be attached under a parent of `parent` kind (or be a root)?
    pub fn may_sit_under(self, parent: Option<UnitKind>) -> bool {
        use UnitKind::*;
        match (self, parent) {
            (County, None) => true,
            (_, None) => false,
            (County, Some(_)) => false,
            (Township, Some(p)) => p == County,
            (Village, Some(p)) => p == Township,
            (Grid, Some(p)) => matches!(p, Village | Township),
            (Department, Some(p)) => matches!(p, County | Township),
            (Committee, Some(p)) => matches!(p, County | Township | Village | Department),
        }
    }
}

/// One node of the tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: UnitId,
    pub parent_id: Option<UnitId>,
    pub kind: UnitKind,
    pub name: String,
    /// The statistical division code where there is one (乡镇 330681101, 村 330681101201).
    pub code: Option<String>,
}

/// Why a set of units is not a valid tree.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    #[error("unit {0} has an unknown parent")]
    UnknownParent(UnitId),
    #[error("unit {0} may not sit under its parent")]
    MisplacedKind(UnitId),
    #[error("unit {0} is part of a cycle")]
    Cycle(UnitId),
}

/// The whole tree, indexed for ancestry questions.
#[derive(Clone, Debug, Default)]
pub struct OrgTree {
    units: HashMap<UnitId, Unit>,
    /// Ancestors of each unit from the root down to the unit itself.
    lineage: HashMap<UnitId, Vec<UnitId>>,
    order: Vec<UnitId>,
}

impl OrgTree {
    /// Builds the tree, checking parents exist, kinds sit where they may, and there are no cycles.
    pub fn new(units: Vec<Unit>) -> Result<Self, OrgError> {
        let order: Vec<UnitId> = units.iter().map(|u| u.id).collect();
        let units: HashMap<UnitId, Unit> = units.into_iter().map(|u| (u.id, u)).collect();
        let mut lineage = HashMap::with_capacity(units.len());
        for unit in units.values() {
            let parent_kind = match unit.parent_id {
                None => None,
                Some(p) => Some(units.get(&p).ok_or(OrgError::UnknownParent(unit.id))?.kind),
            };
            if !unit.kind.may_sit_under(parent_kind) {
                return Err(OrgError::MisplacedKind(unit.id));
            }
            let mut chain = vec![unit.id];
            let mut cursor = unit.parent_id;
            while let Some(p) = cursor {
                if chain.contains(&p) || chain.len() > units.len() {
                    return Err(OrgError::Cycle(unit.id));
                }
                chain.push(p);
                cursor = units.get(&p).and_then(|u| u.parent_id);
            }
            chain.reverse();
            lineage.insert(unit.id, chain);
        }
        Ok(Self { units, lineage, order })
    }

    pub fn get(&self, id: UnitId) -> Option<&Unit> {
        self.units.get(&id)
    }

    /// The unit at the top of the tree (the county), if there is one.
    pub fn root(&self) -> Option<UnitId> {
        self.iter().find(|u| u.parent_id.is_none()).map(|u| u.id)
    }

    pub fn contains(&self, id: UnitId) -> bool {
        self.units.contains_key(&id)
    }

    /// Units in the order they were given (creation order).
    pub fn iter(&self) -> impl Iterator<Item = &Unit> {
        self.order.iter().filter_map(|id| self.units.get(id))
    }

    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Is `unit` equal to `ancestor` or below it?
    pub fn is_within(&self, unit: UnitId, ancestor: UnitId) -> bool {
        self.lineage.get(&unit).is_some_and(|l| l.contains(&ancestor))
    }

    /// The materialised path `/1/5/23/` used by the store for subtree queries.
    pub fn path(&self, unit: UnitId) -> Option<String> {
        self.lineage.get(&unit).map(|l| path_of(l))
    }

    /// Root-first ancestry of a unit, the unit included.
    pub fn lineage(&self, unit: UnitId) -> &[UnitId] {
        self.lineage.get(&unit).map(Vec::as_slice).unwrap_or(&[])
    }

    /// A readable name with its township, e.g. `枫桥镇 / 枫源村`; the root by its own name.
    pub fn full_name(&self, unit: UnitId) -> String {
        if self.lineage(unit).len() == 1 {
            return self.units.get(&unit).map(|u| u.name.clone()).unwrap_or_default();
        }
        self.lineage(unit)
            .iter()
            .skip(1)
            .filter_map(|id| self.units.get(id))
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

/// `/1/5/23/` for the lineage `[1, 5, 23]`.
pub fn path_of(lineage: &[UnitId]) -> String {
    let mut s = String::from("/");
    for id in lineage {
        s.push_str(&id.0.to_string());
        s.push('/');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i64, parent: Option<i64>, kind: UnitKind) -> Unit {
        Unit { id: UnitId(id), parent_id: parent.map(UnitId), kind, name: format!("u{id}"), code: None }
    }

    #[test]
    fn builds_paths_and_answers_ancestry() -> Result<(), OrgError> {
        let tree = OrgTree::new(vec![
            unit(1, None, UnitKind::County),
            unit(2, Some(1), UnitKind::Township),
            unit(3, Some(2), UnitKind::Village),
            unit(4, Some(3), UnitKind::Grid),
            unit(5, Some(1), UnitKind::Department),
            unit(6, Some(1), UnitKind::Township),
        ])?;
        assert_eq!(tree.path(UnitId(4)).as_deref(), Some("/1/2/3/4/"));
        assert!(tree.is_within(UnitId(4), UnitId(2)));
        assert!(tree.is_within(UnitId(2), UnitId(2)));
        assert!(!tree.is_within(UnitId(4), UnitId(6)));
        assert!(!tree.is_within(UnitId(2), UnitId(4)));
        Ok(())
    }

    #[test]
    fn rejects_misplaced_kinds_and_unknown_parents() {
        assert_eq!(
            OrgTree::new(vec![unit(1, None, UnitKind::County), unit(2, Some(1), UnitKind::Village)]).err(),
            Some(OrgError::MisplacedKind(UnitId(2)))
        );
        assert_eq!(
            OrgTree::new(vec![unit(2, Some(9), UnitKind::Township)]).err(),
            Some(OrgError::UnknownParent(UnitId(2)))
        );
        assert_eq!(
            OrgTree::new(vec![unit(1, None, UnitKind::Village)]).err(),
            Some(OrgError::MisplacedKind(UnitId(1)))
        );
    }
}
