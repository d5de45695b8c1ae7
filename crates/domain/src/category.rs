//! The category catalogue (事项分类): codes used by the API and the default set shipped with
//! the product. Administrators may add more; the store keeps the live list.

use serde::{Deserialize, Serialize};

/// A category's stable code, e.g. `wage_arrears`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CategoryCode(pub String);

impl CategoryCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub code: CategoryCode,
    pub name_zh: String,
    pub name_en: String,
}

/// The live list of categories, as loaded from the store.
#[derive(Clone, Debug, Default)]
pub struct Catalogue(Vec<Category>);

impl Catalogue {
    pub fn new(categories: Vec<Category>) -> Self {
        Self(categories)
    }

    pub fn get(&self, code: &str) -> Option<&Category> {
        self.0.iter().find(|c| c.code.0 == code)
    }

    pub fn all(&self) -> &[Category] {
        &self.0
    }
}

/// The categories a new installation starts with: (code, 中文, English).
pub const DEFAULTS: &[(&str, &str, &str)] = &[
    ("wage_arrears", "拖欠工资", "Unpaid wages"),
    ("land", "土地纠纷", "Land dispute"),
    ("neighbour", "邻里纠纷", "Neighbour dispute"),
    ("property_service", "物业纠纷", "Property management"),
    ("expropriation", "征地拆迁", "Expropriation and demolition"),
    ("environment", "环境污染", "Environmental pollution"),
    ("family", "婚姻家庭", "Marriage and family"),
    ("medical", "医疗纠纷", "Medical dispute"),
    ("traffic", "交通事故", "Traffic accident"),
    ("labour", "劳动争议", "Labour dispute"),
    ("urban_management", "城市管理", "Urban management"),
    ("public_facilities", "公共设施", "Public facilities"),
    ("social_security", "社会保障", "Social security"),
    ("housing", "住房保障", "Housing"),
    ("consumer", "消费维权", "Consumer rights"),
    ("public_security", "治安隐患", "Public safety hazard"),
    ("education", "教育服务", "Education"),
    ("consultation", "政策咨询", "Policy enquiry"),
    ("other", "其他", "Other"),
];

/// [`DEFAULTS`] as categories.
pub fn defaults() -> Vec<Category> {
    DEFAULTS
        .iter()
        .map(|(code, zh, en)| Category {
            code: CategoryCode((*code).into()),
            name_zh: (*zh).into(),
            name_en: (*en).into(),
        })
        .collect()
}
