//! Temporary stand-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DemoKind {
    Request,
    Petition,
    Dispute,
    GridEvent,
    WageClaim,
}
pub struct Place<'a> {
    pub township: &'a str,
    pub village: &'a str,
}
pub struct Grievance {
    pub kind: DemoKind,
    pub category: &'static str,
    pub title: String,
    pub body: String,
    pub people_involved: u32,
    pub amount_fen: Option<i64>,
    pub parties: Vec<DemoParty>,
    pub reply: String,
    pub close_note: String,
}
pub struct DemoParty {
    pub name: String,
    pub phone: String,
    pub id_card: Option<String>,
    pub address: String,
}
pub fn compose(rng: &mut fastrand::Rng, place: &Place<'_>) -> Grievance {
    let (kind, category) = match rng.u8(..5) {
        0 => (DemoKind::Request, "consultation"),
        1 => (DemoKind::Petition, "expropriation"),
        2 => (DemoKind::Dispute, "neighbour"),
        3 => (DemoKind::GridEvent, "public_facilities"),
        _ => (DemoKind::WageClaim, "wage_arrears"),
    };
    Grievance {
        kind,
        category,
        title: format!("反映{}{}的问题", place.township, place.village),
        body: format!("{}{}村民反映问题，请求处理。编号{}", place.township, place.village, rng.u32(..)),
        people_involved: 1 + rng.u32(..20),
        amount_fen: None,
        parties: vec![DemoParty {
            name: "张三".into(),
            phone: format!("138{:08}", rng.u32(..100_000_000)),
            id_card: None,
            address: format!("诸暨市{}{}1号", place.township, place.village),
        }],
        reply: "已处理".into(),
        close_note: "回访满意".into(),
    }
}
