//! The demo county's org tree: the real townships and villages of 诸暨市 from the committed
//! division slice (see `data/README.md`), with generated grids, the county's departments and
//! its mediation committees.

use minsheng_domain::UnitKind;
use serde::Deserialize;

const SLICE: &str = include_str!("../../data/zhuji-330681.json");

#[derive(Deserialize)]
struct Slice {
    county: Division,
    townships: Vec<Township>,
}

#[derive(Deserialize)]
struct Division {
    code: String,
    name: String,
}

#[derive(Deserialize)]
struct Township {
    code: String,
    name: String,
    villages: Vec<Division>,
}

/// A unit to create, with the index of its parent in the plan.
#[derive(Clone, Debug)]
pub struct PlannedUnit {
    pub parent: Option<usize>,
    pub kind: UnitKind,
    pub name: String,
    pub code: Option<String>,
}

/// Departments of the county: (name, the handler's login, the categories they take).
pub const DEPARTMENTS: &[(&str, &str, &[&str])] = &[
    ("市社会治理中心", "centre", &["other"]),
    ("市信访局", "xfj", &["expropriation", "housing"]),
    ("市公安局", "gaj", &["public_security", "traffic"]),
    ("市司法局", "sfj", &["family", "neighbour"]),
    ("市人力资源和社会保障局", "rsj", &["wage_arrears", "labour", "social_security"]),
    ("市住房和城乡建设局", "zjj", &["property_service", "housing"]),
    ("市自然资源和规划局", "zrghj", &["land", "expropriation"]),
    ("绍兴市生态环境局诸暨分局", "sthj", &["environment"]),
    ("市市场监督管理局", "scjg", &["consumer"]),
    ("市卫生健康局", "wjj", &["medical"]),
    ("市教育体育局", "jtj", &["education"]),
    ("市综合行政执法局", "zfj", &["urban_management", "public_facilities"]),
    ("市交通运输局", "jtysj", &["public_facilities", "traffic"]),
    ("市民政局", "mzj", &["social_security", "consultation"]),
    ("市人民法院", "court", &[]),
];

/// County-level professional mediation committees: (name, the mediator's login, categories).
pub const COMMITTEES: &[(&str, &str, &[&str])] = &[
    ("诸暨市医疗纠纷人民调解委员会", "med_committee", &["medical"]),
    ("诸暨市道路交通事故人民调解委员会", "traffic_committee", &["traffic"]),
    ("诸暨市劳动争议人民调解委员会", "labour_committee", &["labour", "wage_arrears"]),
];

/// The township whose villages have mediation committees of their own (村调委会), one
/// mediator each: Fengqiao's 小事不出村.
pub const COMMITTEE_VILLAGES_OF: &str = "枫桥镇";

/// What every township's and village's mediators take on.
pub const EVERYDAY_DISPUTES: &[&str] = &["neighbour", "family", "land"];

/// `XX村委会` → `XX村`, `XX社区居委会` → `XX社区`, `XX居委会` → `XX社区`.
pub fn village_name(raw: &str) -> String {
    if let Some(stem) = raw.strip_suffix("村委会") {
        format!("{stem}村")
    } else if let Some(stem) = raw.strip_suffix("社区居委会") {
        format!("{stem}社区")
    } else if let Some(stem) = raw.strip_suffix("居委会") {
        format!("{stem}社区")
    } else {
        raw.to_owned()
    }
}

const GRID_NAMES: [&str; 3] = ["第一网格", "第二网格", "第三网格"];

/// The whole tree to create, parents before children. The county is index 0.
pub fn plan() -> Result<Vec<PlannedUnit>, String> {
    let slice: Slice =
        serde_json::from_str(SLICE).map_err(|e| format!("the division slice is unreadable: {e}"))?;
    let mut units = vec![PlannedUnit {
        parent: None,
        kind: UnitKind::County,
        name: slice.county.name.clone(),
        code: Some(slice.county.code.clone()),
    }];
    for (name, _, _) in DEPARTMENTS {
        units.push(PlannedUnit {
            parent: Some(0),
            kind: UnitKind::Department,
            name: (*name).into(),
            code: None,
        });
    }
    let justice = units.iter().position(|u| u.name == "市司法局");
    for (name, _, _) in COMMITTEES {
        units.push(PlannedUnit {
            parent: justice,
            kind: UnitKind::Committee,
            name: (*name).into(),
            code: None,
        });
    }
    // Village committees come after everything else, so the other units keep their places.
    let mut committee_villages = vec![];
    for (t, township) in slice.townships.iter().enumerate() {
        let ti = units.len();
        units.push(PlannedUnit {
            parent: Some(0),
            kind: UnitKind::Township,
            name: township.name.clone(),
            code: Some(township.code.clone()),
        });
        units.push(PlannedUnit {
            parent: Some(ti),
            kind: UnitKind::Committee,
            name: format!("{}人民调解委员会", township.name),
            code: None,
        });
        units.push(PlannedUnit {
            parent: Some(ti),
            kind: UnitKind::Department,
            name: format!("{}司法所", township.name),
            code: None,
        });
        for (v, village) in township.villages.iter().enumerate() {
            let vi = units.len();
            units.push(PlannedUnit {
                parent: Some(ti),
                kind: UnitKind::Village,
                name: village_name(&village.name),
                code: Some(village.code.clone()),
            });
            if township.name == COMMITTEE_VILLAGES_OF {
                committee_villages.push(vi);
            }
            // Two or three grids a village, varying by position.
            for grid in GRID_NAMES.iter().take(2 + (t + v) % 2) {
                units.push(PlannedUnit {
                    parent: Some(vi),
                    kind: UnitKind::Grid,
                    name: (*grid).into(),
                    code: None,
                });
            }
        }
    }
    for vi in committee_villages {
        let name = units.get(vi).map(|v| format!("{}人民调解委员会", v.name)).unwrap_or_default();
        units.push(PlannedUnit { parent: Some(vi), kind: UnitKind::Committee, name, code: None });
    }
    Ok(units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_county() {
        let units = plan().unwrap();
        assert_eq!(units[0].name, "诸暨市");
        let townships: Vec<&str> =
            units.iter().filter(|u| u.kind == UnitKind::Township).map(|u| u.name.as_str()).collect();
        assert_eq!(townships.len(), 23);
        assert!(townships.contains(&"枫桥镇"));
        let villages = units.iter().filter(|u| u.kind == UnitKind::Village).count();
        assert!(villages > 500, "{villages}");
        assert!(units.iter().all(|u| u.parent.is_none_or(|p| p < units.len())));
        let village_committees = units
            .iter()
            .filter(|u| u.kind == UnitKind::Committee)
            .filter(|u| u.parent.and_then(|p| units.get(p)).is_some_and(|p| p.kind == UnitKind::Village))
            .count();
        assert!(village_committees > 10, "{village_committees}");
        assert_eq!(village_name("枫源村委会"), "枫源村");
        assert_eq!(village_name("望云社区居委会"), "望云社区");
    }
}
