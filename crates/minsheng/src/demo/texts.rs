//! Demo texts: deterministic generation of the demo county's grievance texts — the title, body,
//! parties, reply and closing note of each request, petition, dispute, grid event and wage
//! claim in a year of history. Everything is invented from fragments (no real persons; firms
//! are written `诸暨某…有限公司`); the same seed always gives the same texts. This module
//! touches no database and knows nothing of the domain beyond the category codes.

use fastrand::Rng;

/// Which kind of matter a text is written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DemoKind {
    Request,
    Petition,
    Dispute,
    GridEvent,
    WageClaim,
}

/// Where the matter happens: a township and one of its villages or communities.
pub struct Place<'a> {
    pub township: &'a str,
    pub village: &'a str,
}

/// One generated matter.
pub struct Grievance {
    pub kind: DemoKind,
    pub category: &'static str,
    pub title: String,
    pub body: String,
    pub people_involved: u32,
    pub amount_fen: Option<i64>,
    /// The project the body names (a construction site, an expropriation), if any.
    pub project: Option<String>,
    pub parties: Vec<DemoParty>,
    pub reply: String,
    pub close_note: String,
    /// What a people's mediation of a dispute writes down (disputes only).
    pub mediation: Option<MediationText>,
}

/// The pieces of a dispute its mediation records: the requests, the facts and issues of the
/// agreement, the terms agreed, and how a failure is routed. Filled from the same case as the
/// body, so the agreement says what the body asked.
pub struct MediationText {
    pub subject: String,
    pub applicant: String,
    pub respondent: String,
    /// 当事人的请求
    pub requests: String,
    /// 纠纷的主要事实
    pub facts: String,
    /// 争议事项
    pub issues: String,
    /// 各方当事人的责任
    pub responsibilities: String,
    /// The agreement as one sentence (without the final 。).
    pub deal: String,
    /// The agreement's terms, one to three.
    pub terms: Vec<TermText>,
    /// Where the parties are sent when mediation fails: 向人民法院提起诉讼 and the like.
    pub fail_route: String,
}

/// One term of an agreement as written: who, what, how, and within how many days of signing
/// (when the text says so).
pub struct TermText {
    pub obligor: String,
    pub content: String,
    pub manner: &'static str,
    pub days: Option<u32>,
}

/// A party to a generated matter (the applicant first, the respondent second).
pub struct DemoParty {
    pub name: String,
    pub phone: String,
    pub id_card: Option<String>,
    pub address: String,
}

/// The category codes the texts use, with their Chinese names.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("wage_arrears", "拖欠工资"),
    ("land", "土地纠纷"),
    ("neighbour", "邻里纠纷"),
    ("property_service", "物业纠纷"),
    ("expropriation", "征地拆迁"),
    ("environment", "环境污染"),
    ("family", "婚姻家庭"),
    ("medical", "医疗纠纷"),
    ("traffic", "交通事故"),
    ("labour", "劳动争议"),
    ("urban_management", "城市管理"),
    ("public_facilities", "公共设施"),
    ("social_security", "社会保障"),
    ("housing", "住房保障"),
    ("consumer", "消费维权"),
    ("public_security", "治安隐患"),
    ("education", "教育服务"),
    ("consultation", "政策咨询"),
    ("other", "其他"),
];

use DemoKind::{Dispute, GridEvent, Petition, Request, WageClaim};

/// (category, kind, weight per mille): about 40% requests, 25% disputes, 15% grid events,
/// 12% petitions and 8% wage claims.
const MIX: &[(&str, DemoKind, u32)] = &[
    ("wage_arrears", WageClaim, 77),
    ("wage_arrears", Petition, 9),
    ("wage_arrears", Request, 4),
    ("land", Dispute, 35),
    ("land", Petition, 10),
    ("land", Request, 5),
    ("neighbour", Dispute, 64),
    ("neighbour", GridEvent, 8),
    ("neighbour", Request, 8),
    ("property_service", Request, 36),
    ("property_service", Dispute, 18),
    ("property_service", Petition, 6),
    ("expropriation", Petition, 28),
    ("expropriation", Dispute, 4),
    ("expropriation", Request, 8),
    ("environment", GridEvent, 32),
    ("environment", Request, 31),
    ("environment", Petition, 7),
    ("family", Dispute, 45),
    ("family", Request, 5),
    ("medical", Dispute, 16),
    ("medical", Petition, 2),
    ("medical", Request, 2),
    ("traffic", Dispute, 27),
    ("traffic", Request, 3),
    ("labour", Dispute, 25),
    ("labour", Request, 15),
    ("labour", Petition, 10),
    ("urban_management", GridEvent, 40),
    ("urban_management", Request, 40),
    ("public_facilities", GridEvent, 40),
    ("public_facilities", Request, 40),
    ("social_security", Petition, 20),
    ("social_security", Request, 30),
    ("housing", Petition, 18),
    ("housing", Request, 12),
    ("consumer", Request, 54),
    ("consumer", Dispute, 6),
    ("public_security", GridEvent, 24),
    ("public_security", Request, 16),
    ("education", Request, 34),
    ("education", Petition, 6),
    ("consultation", Request, 60),
    ("other", Request, 14),
    ("other", GridEvent, 6),
];

/// Composes one matter at `place`. Deterministic for the state of `rng`.
pub fn compose(rng: &mut Rng, place: &Place<'_>) -> Grievance {
    let (category, kind) = pick_mix(rng);
    let mut cx = Cx::new(rng, place, kind);
    let facts = match category {
        "wage_arrears" => wage(rng, &mut cx),
        "land" => land(rng, &mut cx),
        "neighbour" => neighbour(rng, &mut cx),
        "property_service" => property(rng, &mut cx),
        "expropriation" => expropriation(rng, &mut cx),
        "environment" => issue_facts(rng, &mut cx, ENVIRONMENT),
        "family" => family(rng, &mut cx),
        "medical" => medical(rng, &mut cx),
        "traffic" => traffic(rng, &mut cx),
        "labour" => labour(rng, &mut cx),
        "urban_management" => issue_facts(rng, &mut cx, URBAN),
        "public_facilities" => issue_facts(rng, &mut cx, FACILITIES),
        "social_security" => social_security(rng, &mut cx),
        "housing" => housing(rng, &mut cx),
        "consumer" => consumer(rng, &mut cx),
        "public_security" => issue_facts(rng, &mut cx, SAFETY),
        "education" => education(rng, &mut cx),
        "consultation" => consultation(rng, &mut cx),
        _ => issue_facts(rng, &mut cx, OTHER),
    };
    finish(rng, &cx, category, facts)
}

fn pick_mix(rng: &mut Rng) -> (&'static str, DemoKind) {
    let total: u32 = MIX.iter().map(|m| m.2).sum();
    let mut x = rng.u32(..total.max(1));
    for &(category, kind, weight) in MIX {
        if x < weight {
            return (category, kind);
        }
        x -= weight;
    }
    ("other", Request)
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/// One element of a slice, or `or` when it is empty.
fn pick<T: Copy>(rng: &mut Rng, xs: &[T], or: T) -> T {
    if xs.is_empty() { or } else { xs.get(rng.usize(..xs.len())).copied().unwrap_or(or) }
}

fn p(rng: &mut Rng, xs: &[&'static str]) -> &'static str {
    pick(rng, xs, "")
}

fn chance(rng: &mut Rng, percent: u8) -> bool {
    rng.u8(..100) < percent
}

fn len(s: &str) -> usize {
    s.chars().count()
}

/// A whole number of yuan in `lo..=hi`, rounded down to `step`.
fn yuan(rng: &mut Rng, lo: i64, hi: i64, step: i64) -> i64 {
    let step = step.max(1);
    let v = rng.i64(lo..=hi.max(lo));
    (v / step * step).max(step)
}

/// Money as people write it: `8500元`, `36800元`, `3.68万元`, `120万元`.
fn money(rng: &mut Rng, yuan: i64) -> String {
    let wan_form = yuan >= 10_000 && yuan % 100 == 0 && (yuan >= 100_000 || rng.bool());
    if wan_form {
        let wan = yuan / 10_000;
        let rest = (yuan % 10_000) / 100;
        if rest == 0 {
            format!("{wan}万元")
        } else if rest % 10 == 0 {
            format!("{wan}.{}万元", rest / 10)
        } else {
            format!("{wan}.{rest:02}万元")
        }
    } else {
        format!("{yuan}元")
    }
}

/// Chinese numerals for small counts (`两` for 2, as in 两个月).
fn cn(n: u32) -> String {
    const D: [&str; 10] = ["零", "一", "两", "三", "四", "五", "六", "七", "八", "九"];
    let digit = |d: u32| D.get(d as usize).copied().unwrap_or("");
    match n {
        0..=9 => digit(n).to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", if n == 12 { "二" } else { digit(n - 10) }),
        20..=99 => {
            let tens = if n / 10 == 2 { "二" } else { digit(n / 10) };
            let ones = if n % 10 == 2 { "二" } else { digit(n % 10) };
            if n.is_multiple_of(10) { format!("{tens}十") } else { format!("{tens}十{ones}") }
        }
        _ => n.to_string(),
    }
}

/// A span of months as said aloud: 两个多月, 半年, 一年多.
fn months_phrase(rng: &mut Rng, months: u32) -> String {
    match months {
        0 | 1 => p(rng, &["一个多月", "一个月"]).to_owned(),
        6 => p(rng, &["半年", "半年多"]).to_owned(),
        12 => p(rng, &["一年", "一年多"]).to_owned(),
        18 => "一年半".to_owned(),
        m if m > 12 => format!("{}个月", m),
        m => format!("{}个{}月", cn(m), if rng.bool() { "多" } else { "" }),
    }
}

// ---------------------------------------------------------------------------------------------
// Placeholder filling: templates are plain strings with `{name}` slots.

struct Vars {
    kv: Vec<(&'static str, String)>,
}

impl Vars {
    fn set(&mut self, key: &'static str, value: impl Into<String>) {
        let value = value.into();
        match self.kv.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.kv.push((key, value)),
        }
    }

    fn get(&self, key: &str) -> &str {
        self.kv.iter().find(|(k, _)| *k == key).map_or("", |(_, v)| v.as_str())
    }

    fn fill_once(&self, t: &str) -> String {
        let mut out = String::with_capacity(t.len() + 32);
        let mut rest = t;
        while let Some(i) = rest.find('{') {
            out.push_str(rest.get(..i).unwrap_or(""));
            let after = rest.get(i + 1..).unwrap_or("");
            let Some(j) = after.find('}') else {
                out.push_str(rest.get(i..).unwrap_or(""));
                return out;
            };
            let key = after.get(..j).unwrap_or("");
            match self.kv.iter().find(|(k, _)| *k == key) {
                Some((_, v)) => out.push_str(v),
                None => {
                    out.push('{');
                    out.push_str(key);
                    out.push('}');
                }
            }
            rest = after.get(j + 1..).unwrap_or("");
        }
        out.push_str(rest);
        out
    }

    /// Fills `t`; values may themselves hold slots (one level deep).
    fn fill(&self, t: &str) -> String {
        let once = self.fill_once(t);
        if once.contains('{') { self.fill_once(&once) } else { once }
    }
}

// ---------------------------------------------------------------------------------------------
// People, phones, ID cards, addresses

const SURNAMES: &[&str] = &[
    "陈", "陈", "陈", "王", "王", "杨", "杨", "周", "周", "赵", "赵", "何", "何", "楼", "楼", "宣", "骆",
    "寿", "斯", "郦", "边", "俞", "蒋", "孟", "袁", "金", "冯", "黄", "徐", "钱", "李", "张", "刘", "吴",
    "朱", "胡", "郭", "林", "郑", "谢", "沈", "许", "方", "姚", "傅", "章", "丁", "应", "汪", "石", "卢",
    "潘", "戚", "屠", "吕", "毛", "鲁", "翁", "蔡", "钟",
];
const MALE_ONE: &[&str] =
    &["伟", "军", "强", "勇", "斌", "杰", "涛", "磊", "超", "鹏", "刚", "峰", "浩", "鑫", "波", "平", "明"];
const MALE_FIRST: &[&str] = &[
    "建", "国", "志", "海", "永", "立", "文", "德", "春", "金", "伟", "明", "学", "正", "卫", "光", "家",
    "宏", "俊", "晓", "新", "长", "荣", "忠", "益", "利", "炳", "银",
];
const MALE_SECOND: &[&str] = &[
    "军", "平", "强", "华", "明", "峰", "良", "生", "根", "法", "祥", "林", "东", "江", "龙", "辉", "杰",
    "斌", "波", "刚", "勇", "民", "成", "康", "昌", "土", "水", "标", "锋",
];
const FEMALE_ONE: &[&str] = &["芳", "丽", "娟", "英", "萍", "燕", "婷", "静", "敏", "洁", "琳", "霞", "红"];
const FEMALE_FIRST: &[&str] =
    &["秀", "丽", "美", "玉", "春", "小", "晓", "雅", "彩", "月", "慧", "静", "金", "海", "佳", "雪", "爱"];
const FEMALE_SECOND: &[&str] = &[
    "英", "芳", "娟", "萍", "燕", "霞", "红", "梅", "琴", "玲", "珍", "凤", "兰", "莲", "娣", "仙", "婷",
    "敏", "娜", "丹", "洁", "飞", "儿",
];

#[derive(Clone)]
struct Person {
    name: String,
    surname: &'static str,
    female: bool,
    born: i32,
}

/// The year the demo's texts are written in (ages are counted from it).
const NOW_YEAR: i32 = 2025;

fn person(rng: &mut Rng, born_lo: i32, born_hi: i32) -> Person {
    let female = rng.bool();
    person_of(rng, female, born_lo, born_hi)
}

fn person_of(rng: &mut Rng, female: bool, born_lo: i32, born_hi: i32) -> Person {
    let surname = p(rng, SURNAMES);
    let given = if female {
        if chance(rng, 30) {
            p(rng, FEMALE_ONE).to_owned()
        } else {
            format!("{}{}", p(rng, FEMALE_FIRST), p(rng, FEMALE_SECOND))
        }
    } else if chance(rng, 30) {
        p(rng, MALE_ONE).to_owned()
    } else {
        format!("{}{}", p(rng, MALE_FIRST), p(rng, MALE_SECOND))
    };
    let lo = born_lo.clamp(1950, 2004);
    let hi = born_hi.clamp(lo, 2004);
    Person { name: format!("{surname}{given}"), surname, female, born: rng.i32(lo..=hi) }
}

fn honorific(p: &Person) -> String {
    format!("{}{}", p.surname, if p.female { "女士" } else { "先生" })
}

const PHONE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "157",
    "158", "159", "166", "173", "175", "176", "177", "180", "181", "182", "183", "186", "187", "188", "189",
    "191", "193", "195", "198", "199",
];

fn phone(rng: &mut Rng) -> String {
    format!("{}{:08}", p(rng, PHONE_PREFIXES), rng.u32(..100_000_000))
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number.
fn check_char(first17: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = first17.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b.saturating_sub(b'0')) * w).sum();
    CHECK.get((sum % 11) as usize).map_or('0', |&c| char::from(c))
}

/// A valid 诸暨 (330681) resident ID number for `who`: birth date in their birth year, an
/// odd sequence for men and an even one for women.
fn id_card(rng: &mut Rng, who: &Person) -> String {
    let year = who.born.clamp(1950, 2004);
    let month = rng.u32(1..=12);
    let day = rng.u32(1..=days_in_month(year, month));
    let parity = if who.female { rng.u32(0..5) * 2 } else { rng.u32(0..5) * 2 + 1 };
    let seq = rng.u32(1..100) * 10 + parity;
    let first17 = format!("330681{year:04}{month:02}{day:02}{seq:03}");
    let check = check_char(&first17);
    format!("{first17}{check}")
}

const ROADS: &[&str] = &[
    "暨阳路",
    "浣纱路",
    "艮塔路",
    "望云路",
    "大桥路",
    "江东路",
    "东二路",
    "西施大街",
    "东旺路",
    "苎萝路",
    "永昌路",
    "展诚大道",
    "城东路",
    "环城西路",
    "人民路",
    "西二路",
    "健民路",
    "陶朱路",
];
const ESTATES: &[&str] = &[
    "浣江花园",
    "东湖苑",
    "金色家园",
    "翠湖山庄",
    "锦绣华庭",
    "江南名都",
    "阳光水岸",
    "城西安置小区",
    "滨江公寓",
    "香榧苑",
    "桃源新村",
    "紫薇花园",
    "望江府",
    "东盛小区",
];

fn address(rng: &mut Rng, cx: &Cx) -> String {
    if cx.urban {
        let road = p(rng, ROADS);
        match rng.u8(..3) {
            0 => format!(
                "诸暨市{}{}{}{}幢{}室",
                cx.town,
                cx.vil,
                p(rng, ESTATES),
                rng.u32(1..=28),
                rng.u32(1..=18) * 100 + rng.u32(1..=4)
            ),
            1 => format!("诸暨市{}{}{}{}号", cx.town, cx.vil, road, rng.u32(1..=300)),
            _ => format!("诸暨市{}{}{}号", cx.town, cx.vil, rng.u32(1..=260)),
        }
    } else {
        format!("诸暨市{}{}{}号", cx.town, cx.vil, rng.u32(1..=320))
    }
}

fn party(rng: &mut Rng, cx: &Cx, who: &Person) -> DemoParty {
    let id = chance(rng, 60).then(|| id_card(rng, who));
    DemoParty { name: who.name.clone(), phone: phone(rng), id_card: id, address: address(rng, cx) }
}

fn org_party(rng: &mut Rng, cx: &Cx, name: &str) -> DemoParty {
    let addr = match rng.u8(..3) {
        0 => format!("诸暨市{}{}{}号", cx.town, p(rng, ROADS), rng.u32(1..=500)),
        1 => format!("诸暨市{}工业功能区{}号", cx.town, rng.u32(1..=120)),
        _ => format!("诸暨市{}{}号", p(rng, ROADS), rng.u32(1..=800)),
    };
    DemoParty { name: name.to_owned(), phone: phone(rng), id_card: None, address: addr }
}

// ---------------------------------------------------------------------------------------------
// Context: place, voice and the two people a text may mention

struct Cx {
    kind: DemoKind,
    town: String,
    vil: String,
    urban: bool,
    /// Written in the citizen's own words (我) rather than recorded by a clerk.
    first: bool,
    a: Person,
    b: Person,
    v: Vars,
}

const RURAL_SPOTS: &[&str] = &["村口", "村东头", "村西头", "后山脚下", "溪边", "老公路边", "村委会附近"];
const URBAN_SPOTS: &[&str] = &["附近", "东侧", "西侧", "南门附近", "沿街"];
const SINCE: &[&str] = &[
    "最近一个多月",
    "这半年来",
    "从去年冬天开始",
    "今年开春以后",
    "近两个月来",
    "从去年年底开始",
    "从上个月中旬起",
    "入夏以来",
];
const DURS: &[&str] = &["一个多月", "半个多月", "两个多月", "快三个月", "十来天", "大半年", "一个星期"];

impl Cx {
    fn new(rng: &mut Rng, place: &Place<'_>, kind: DemoKind) -> Self {
        let urban = place.village.ends_with("社区") || place.village.ends_with("居委会");
        let a = person(rng, 1955, 2000);
        let b = person(rng, 1955, 2000);
        let first = match kind {
            Request => chance(rng, 30),
            Petition => chance(rng, 60),
            Dispute => chance(rng, 30),
            WageClaim => chance(rng, 50),
            GridEvent => false,
        };
        let mut cx = Cx {
            kind,
            town: place.township.to_owned(),
            vil: place.village.to_owned(),
            urban,
            first,
            a,
            b,
            v: Vars { kv: Vec::with_capacity(48) },
        };
        cx.v.set("town", place.township);
        cx.v.set("vil", place.village);
        cx.v.set("res", if urban { "居民" } else { "村民" });
        cx.v.set("org", if urban { "社区" } else { "村里" });
        cx.v.set("gov", if place.township.ends_with("街道") { "{town}办事处" } else { "{town}政府" });
        cx.v.set("stay", p(rng, &["十来天", "半个月", "二十多天", "一个多月", "一个星期"]));
        cx.v.set("spot", if urban { p(rng, URBAN_SPOTS) } else { p(rng, RURAL_SPOTS) });
        cx.v.set(
            "road",
            if urban || chance(rng, 40) {
                p(rng, ROADS).to_owned()
            } else {
                format!("{}老街", place.township)
            },
        );
        cx.v.set("since", p(rng, SINCE));
        cx.v.set("dur", p(rng, DURS));
        cx.v.set("days", pick(rng, &[3u32, 5, 7, 7, 10, 15], 7).to_string());
        cx.v.set("n", rng.u32(2..=9).to_string());
        cx.v.set("hh", pick(rng, &[6u32, 8, 10, 12, 15, 20, 23, 30, 40], 10).to_string());
        cx.v.set("dist", pick(rng, &[50u32, 80, 100, 150, 200, 300], 100).to_string());
        cx.v.set("area", pick(rng, &[20u32, 30, 35, 40, 60, 80], 30).to_string());
        cx.v.set("vol", pick(rng, &[10u32, 20, 30, 50], 20).to_string());
        cx.v.set("len", pick(rng, &[30u32, 50, 80, 100, 200], 50).to_string());
        cx.v.set("k", rng.u32(2..=6).to_string());
        cx.v.set("month", rng.u32(1..=12).to_string());
        cx.v.set("estate", p(rng, ESTATES));
        cx.v.set("bld", rng.u32(1..=24).to_string());
        cx.set_people();
        cx
    }

    /// Replaces the applicant by someone born in `lo..=hi`.
    fn applicant(&mut self, rng: &mut Rng, female: Option<bool>, lo: i32, hi: i32) {
        self.a = match female {
            Some(f) => person_of(rng, f, lo, hi),
            None => person(rng, lo, hi),
        };
        self.set_people();
    }

    fn other(&mut self, rng: &mut Rng, female: Option<bool>, lo: i32, hi: i32) {
        self.b = match female {
            Some(f) => person_of(rng, f, lo, hi),
            None => person(rng, lo, hi),
        };
        self.set_people();
    }

    /// The other person is of the applicant's family name (a son, a brother).
    fn kin(&mut self) {
        let given: String = self.b.name.chars().skip(self.b.surname.chars().count()).collect();
        self.b.name = format!("{}{given}", self.a.surname);
        self.b.surname = self.a.surname;
        self.set_people();
    }

    fn set_people(&mut self) {
        let me = if self.first {
            "我".to_owned()
        } else {
            match self.kind {
                Request | Petition | WageClaim => "其".to_owned(),
                _ => self.a.name.clone(),
            }
        };
        self.v.set("me", me);
        self.v.set("a", self.a.name.clone());
        self.v.set("b", self.b.name.clone());
        self.v.set("hon", honorific(&self.a));
        self.v.set("age", (NOW_YEAR - self.a.born).to_string());
    }

    fn f(&self, t: &str) -> String {
        // 其的孩子 reads wrong; a clerk writes 其孩子.
        self.v.fill(t).replace("其的", "其")
    }
}

// ---------------------------------------------------------------------------------------------
// What each category contributes, and how the kind frames it

#[derive(Default)]
struct Facts {
    titles: Vec<String>,
    /// The heart of the body (no opener, no closing request), without the final 。.
    what: String,
    /// Optional sentences, dropped first when the body would be too long.
    extras: Vec<String>,
    /// What is asked, as a verb phrase that follows 希望/要求/请求.
    ask: String,
    /// Replaces the kind's closing sentence.
    closing: Option<String>,
    /// A ready-made opener that replaces the kind's.
    opener: Option<String>,
    people: u32,
    amount_yuan: Option<i64>,
    /// Parties after the applicant.
    others: Vec<DemoParty>,
    reply: String,
    close: Option<String>,
    mediation: Option<MediationText>,
}

const ATTEMPTS: &[&str] = &[
    "{me}已经向{org}反映过好几次，{org}也来人看过，但问题一直没有解决",
    "之前打过一次12345，处理后好了几天，现在又和原来一样",
    "找过相关负责人，对方每次都说会处理，结果一拖再拖",
    "周边不少{res}都有意见，但不知道该找哪个部门",
    "{me}打过好几次电话给{org}，每次都说会向上反映",
];

fn finish(rng: &mut Rng, cx: &Cx, category: &'static str, mut f: Facts) -> Grievance {
    let cat_zh = CATEGORIES.iter().find(|c| c.0 == category).map_or("其他", |c| c.1);
    let title = fit_title(rng, &f.titles, cx, cat_zh);
    let body = frame(rng, cx, &f);
    let project = Some(cx.v.get("proj")).filter(|p| !p.is_empty() && body.contains(p)).map(str::to_owned);
    let mut parties = vec![party(rng, cx, &cx.a)];
    parties.extend(f.others.drain(..).take(2));
    let reply = fit_reply(cx, &f.reply);
    let close = f.close.take().unwrap_or_else(|| generic_close(rng, cx.kind));
    let mut mediation = f.mediation.take().filter(|_| cx.kind == Dispute);
    if let Some(m) = &mut mediation {
        m.responsibilities = responsibilities(category, &m.applicant, &m.respondent);
    }
    Grievance {
        kind: cx.kind,
        category,
        title,
        body,
        people_involved: f.people.max(1),
        amount_fen: f.amount_yuan.filter(|y| *y > 0).map(|y| y * 100),
        project,
        parties,
        reply,
        close_note: close,
        mediation,
    }
}

fn fit_title(rng: &mut Rng, titles: &[String], cx: &Cx, cat_zh: &str) -> String {
    let fitting: Vec<&String> = titles.iter().filter(|t| (8..=40).contains(&len(t))).collect();
    if !fitting.is_empty()
        && let Some(t) = fitting.get(rng.usize(..fitting.len()))
    {
        return (*t).clone();
    }
    let t = format!("{}{}问题反映", cx.vil, cat_zh);
    if (8..=40).contains(&len(&t)) { t } else { format!("关于{cat_zh}事项的反映") }
}

fn fit_reply(cx: &Cx, reply: &str) -> String {
    let mut r = reply.to_owned();
    if len(&r) < 30 {
        r.push_str(if cx.kind == Dispute {
            "双方对处理结果无异议。"
        } else {
            "处理结果已告知当事人。"
        });
    }
    if len(&r) > 200 {
        // Keep whole sentences that fit.
        let mut out = String::new();
        for s in r.split_inclusive('。') {
            if len(&out) + len(s) > 200 {
                break;
            }
            out.push_str(s);
        }
        r = if len(&out) >= 30 { out } else { r.chars().take(199).collect::<String>() + "。" };
    }
    r
}

fn generic_close(rng: &mut Rng, kind: DemoKind) -> String {
    let notes: &[&str] = match kind {
        Request => &[
            "回访来电人，对处理结果表示满意",
            "回访群众满意，予以办结",
            "电话回访，来电人表示基本满意",
            "已答复来电人，回访满意，予以销号",
            "回访来电人，问题已解决",
        ],
        Petition => &[
            "已送达书面答复意见，信访人未申请复查，予以办结",
            "信访人对答复意见表示认可，事项办结",
            "已当面送达处理意见书，信访人签收，予以办结",
            "回访信访人，问题已解决，事项办结",
        ],
        Dispute => &[
            "协议已履行完毕，回访双方无异议",
            "调解成功，协议当场履行，予以销号",
            "回访双方，协议履行正常，予以销号",
            "协议已履行，回访当事人满意",
        ],
        GridEvent => &[
            "现场核查已整改到位，予以结案",
            "网格员复核处置到位，拍照确认后结案",
            "回访周边群众满意，予以销号",
            "处置完毕，网格员现场核实后结案",
        ],
        WageClaim => &[
            "欠薪已全额支付，工人签字确认，予以结案",
            "工资已发放到位，回访工人满意",
            "余款已按约付清，予以销号",
        ],
    };
    p(rng, notes).to_owned()
}

/// Opener + what + extras + closing, kept within 40–400 characters.
fn frame(rng: &mut Rng, cx: &Cx, f: &Facts) -> String {
    let opener = match &f.opener {
        Some(o) => o.clone(),
        None => cx.f(opener_template(rng, cx)),
    };
    let closing = match &f.closing {
        Some(c) => c.clone(),
        None if f.ask.is_empty() => String::new(),
        None => {
            let t = closing_template(rng, cx);
            let mut v = Vars { kv: cx.v.kv.clone() };
            v.set("ask", f.ask.clone());
            v.fill(t)
        }
    };
    let mut extras: Vec<&String> = f.extras.iter().collect();
    loop {
        let mut body = String::new();
        body.push_str(&opener);
        body.push_str(&f.what);
        body.push('。');
        for e in &extras {
            body.push_str(e);
            body.push('。');
        }
        body.push_str(&closing);
        if len(&body) <= 400 || extras.is_empty() {
            if len(&body) > 400 {
                let mut cut: String = body.chars().take(398).collect();
                cut.push('。');
                return cut;
            }
            if len(&body) < 40 {
                body.push_str(if cx.kind == GridEvent {
                    "已拍照存档，请及时处置。"
                } else {
                    "请尽快核实处理，谢谢。"
                });
            }
            return body;
        }
        extras.pop();
    }
}

fn opener_template(rng: &mut Rng, cx: &Cx) -> &'static str {
    match (cx.kind, cx.first) {
        (Request, true) => p(rng, &["网民留言：", "", "", "市民通过政务服务网留言："]),
        (Request, false) => p(
            rng,
            &["来电人{hon}反映：", "市民来电反映，", "{res}来电称，", "来电人反映：", "市民{hon}来电反映，"],
        ),
        (Petition, true) => {
            p(rng, &["尊敬的领导：我是{town}{vil}{res}{a}，", "我是{town}{vil}的{res}{a}，", ""])
        }
        (Petition, false) => {
            p(rng, &["信访人{a}来访反映：", "{town}{vil}{res}{a}来信反映，", "信访人{a}网上来信反映："])
        }
        (Dispute, true) => p(rng, &["", "我是{vil}{res}{a}，"]),
        (Dispute, false) => p(
            rng,
            &[
                "当事人{a}到{town}矛调中心申请调解。经了解，",
                "{vil}调委会在矛盾纠纷排查中了解到，",
                "",
                "经登记，",
            ],
        ),
        (GridEvent, _) => {
            p(rng, &["网格员日常巡查发现，", "网格员巡查时发现，", "网格员走访中发现：", "网格员上报："])
        }
        (WageClaim, true) => "",
        (WageClaim, false) => "",
    }
}

fn closing_template(rng: &mut Rng, cx: &Cx) -> &'static str {
    match (cx.kind, cx.first) {
        (Request, true) => p(rng, &["希望{ask}。", "恳请{ask}，谢谢！", "麻烦相关部门处理一下，希望{ask}。"]),
        (Request, false) => p(
            rng,
            &[
                "来电人希望{ask}。",
                "诉求：{ask}。",
                "来电人要求{ask}，请相关部门核实处理。",
                "来电人希望{ask}，并请处理后回复。",
            ],
        ),
        (Petition, true) => {
            p(rng, &["恳请领导重视，{ask}。", "特此来信，请求{ask}，望早日给予答复。", "请求上级部门{ask}。"])
        }
        (Petition, false) => p(rng, &["信访人请求{ask}。", "信访人要求{ask}，并请求书面答复。"]),
        (Dispute, true) => {
            p(rng, &["{me}的要求是{ask}，希望调委会帮忙调解。", "请求调委会组织调解，要求{ask}。"])
        }
        (Dispute, false) => p(
            rng,
            &[
                "{a}要求{ask}，双方协商未果，现申请人民调解。",
                "{a}要求{ask}，{stance}。",
                "{a}要求{ask}，{stance}，双方同意由调委会主持调解。",
            ],
        ),
        (GridEvent, _) => p(
            rng,
            &["已拍照上报，建议{ask}。", "网格员已现场劝导，建议{ask}。", "因超出网格处置能力，建议{ask}。"],
        ),
        (WageClaim, _) => "请求{ask}。",
    }
}

const STANCES: &[&str] = &[
    "{b}对此不予认可",
    "{b}同意部分要求，但对金额有异议",
    "{b}以种种理由推脱",
    "{b}表示愿意协商，但双方分歧较大",
    "双方多次协商未果，矛盾有激化苗头",
];

fn petition_reply(rng: &mut Rng, core: &str) -> String {
    let head = if core.starts_with('经') {
        p(rng, &["", "你反映的问题已收悉。", "现答复如下："])
    } else {
        p(rng, &["经调查核实，", "经调查，你反映的问题基本属实。", "经认真核查，"])
    };
    let tail =
        p(rng, &["", "如对本处理意见不服，可自收到之日起30日内向上一级行政机关申请复查。", "特此答复。"]);
    let mut r = format!("{head}{core}");
    if len(&r) + len(tail) <= 200 {
        r.push_str(tail);
    }
    r
}

fn titles(cx: &Cx, ts: &[&str]) -> Vec<String> {
    ts.iter().map(|t| cx.f(t)).collect()
}

// ---------------------------------------------------------------------------------------------
// Issue-shaped categories (a problem at a place): environment, urban management, public
// facilities, safety hazards, other.

/// (subject for titles, what a citizen tells, what a grid worker sees ("" = never a grid
/// event), what is asked, what the unit did, who did it)
type Issue = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str);

const ENVIRONMENT: &[Issue] = &[
    (
        "石料厂粉尘污染",
        "{vil}{spot}的石料厂{since}一开工粉尘就漫天飞，周边农田、屋顶和晾在外面的衣服上都是一层灰，{me}家离厂子不到{dist}米，老人小孩经常咳嗽",
        "{vil}{spot}石料厂正在生产，料堆未覆盖，破碎机处未见喷淋，厂区周边粉尘明显，约{hh}户{res}受影响",
        "督促石料厂落实降尘措施",
        "该石料厂存在料堆未覆盖、喷淋设施未开启的问题，已责令停产整改，加装喷淋和防尘网后方可恢复生产",
        "{town}生态环境所和综合行政执法队",
    ),
    (
        "养殖场臭气和污水",
        "{vil}{spot}有一家生猪养殖场，{since}臭味越来越重，天一热整个村都闻得到，还有污水顺着水沟流进村边的小溪",
        "{vil}{spot}养殖场外排水沟有黑色污水外溢，流向附近溪沟，现场异味明显",
        "查清养殖场污水的去向，依法处理",
        "该养殖场存在粪污处理设施运行不正常、雨污未分流的问题，已立案查处，责令限期清理沟渠并完善治污设施",
        "生态环境分局",
    ),
    (
        "塑料加工厂异味扰民",
        "{vil}{spot}一家塑料颗粒加工厂{since}每天傍晚开始散发刺鼻的焦味，关着窗户都能闻到，{me}家小孩晚上闻着头晕",
        "{vil}{spot}塑料加工厂车间门窗敞开，废气收集装置未运行，周边有明显焦糊味",
        "尽快查处，让厂家装好废气处理设备",
        "该厂废气收集处理设施未正常运行，已责令立即停产整改，整改后委托第三方检测，达标后方可生产",
        "生态环境分局",
    ),
    (
        "小作坊偷排废水",
        "{vil}{spot}有个小作坊，{since}经常往河里排有颜色的废水，排水口附近河水发黑发臭，下雨天排得更多",
        "{vil}{spot}一小作坊排水口有带颜色的废水流入河道，下游约{len}米水面发黑",
        "对偷排废水的行为依法处理",
        "该作坊属无证经营，废水未经处理直接外排，已依法取缔并封堵排污口，河道已安排保洁清理",
        "生态环境分局和{gov}",
    ),
    (
        "木材加工厂噪音扰民",
        "{vil}{spot}的木材加工厂{since}电锯声从早上六点响到晚上十点多，周末也不停，{me}家就在厂子隔壁，晚上根本睡不好",
        "{vil}{spot}木材加工厂晚上9点后仍在开机作业，噪音较大，未采取隔音措施",
        "责令工厂晚上停止生产",
        "经夜间监测，该厂厂界噪声超标，已责令其晚上10点至早上6点停止生产，并限期加装隔音设施",
        "{town}综合行政执法队",
    ),
    (
        "废品站露天焚烧",
        "{vil}{spot}的废品收购站经常在空地上烧电线皮和废塑料，黑烟很大，味道很难闻，{me}家晒在外面的衣服都熏黑了",
        "{vil}{spot}废品收购站空地上有焚烧废塑料的痕迹，仍有余烟，周边气味刺鼻",
        "禁止废品站焚烧垃圾",
        "已约谈废品站经营者，责令清理焚烧残留物，依法作出罚款处罚，后续纳入网格重点巡查",
        "{town}综合行政执法队",
    ),
    (
        "烧烤店油烟扰民",
        "{vil}{spot}的一家烧烤店每天傍晚营业到凌晨，油烟直往楼上住户窗户里飘，夏天窗户都不敢开",
        "{vil}{spot}一烧烤店在店外设炉烧烤，未安装油烟净化设施，油烟直排",
        "督促烧烤店安装油烟净化器，不在店外烧烤",
        "已责令该店停止店外烧烤，限期安装油烟净化设施并定期清洗，复查时已安装到位",
        "{town}综合行政执法队",
    ),
    (
        "搅拌站粉尘和泥浆",
        "{vil}{spot}的混凝土搅拌站昼夜生产，搅拌车进出带出大量泥浆，路面全是泥，晴天一过车就是一阵灰",
        "{vil}{spot}搅拌站出入口车辆未冲洗，路面泥浆较多，道路扬尘明显",
        "督促搅拌站冲洗车辆、清扫路面",
        "已责令该搅拌站在出入口设置车辆冲洗平台，安排专人清扫路面，并对其运输车辆开展专项检查",
        "{town}综合行政执法队",
    ),
    (
        "河道漂浮垃圾",
        "{vil}{spot}那段河道{since}漂满了垃圾和水草，河水发绿，天热了还有臭味，河长公示牌上的电话打过也没人来",
        "{vil}{spot}河道水面漂浮垃圾和水葫芦约{len}米，局部水体发绿",
        "安排人员打捞清理河道",
        "已安排河道保洁人员打捞清理漂浮物，并将该河段保洁频次调整为每周三次，由村级河长加强巡河",
        "{town}河长办",
    ),
];

const URBAN: &[Issue] = &[
    (
        "流动摊贩占道经营",
        "{road}靠近{vil}的路段每天早晚都有流动摊贩占道经营，卖菜的、卖水果的把半条路都占了，早高峰人车混在一起，很不安全",
        "{road}{vil}路段有流动摊贩{n}处占道经营，影响车辆和行人通行",
        "加强管理，把摊贩引导到市场里去",
        "执法队员已对占道摊贩进行劝导，引导其到附近农贸市场临时摊位经营，并在早晚高峰安排人员定点值守",
        "{town}综合行政执法队",
    ),
    (
        "人行道违停",
        "{road}靠近{vil}这一段人行道上长期停满了车，行人只能走机动车道，带小孩出门很危险",
        "{road}{vil}段人行道停放机动车{n}辆，盲道被占用",
        "清理人行道上的违停车辆",
        "已对违停车辆张贴告知单并依法处罚，在该路段加装隔离桩，纳入日常巡查",
        "{town}综合行政执法队和交警中队",
    ),
    (
        "屋顶违章搭建",
        "{vil}有住户在自家屋顶加盖了一层彩钢棚，面积大约{area}平方米，挡住了{me}家的采光，下雨天雨水还往{me}家院子里流",
        "{vil}一户{res}正在屋顶搭建彩钢棚，面积约{area}平方米，未见审批手续",
        "查处违章搭建",
        "经核查，该彩钢棚未办理任何审批手续，属违法建设，已下达限期拆除通知书，当事人已于{days}日内自行拆除",
        "{town}综合行政执法队",
    ),
    (
        "建筑垃圾乱倒",
        "{vil}{spot}的空地被人倾倒了大量建筑垃圾，堆了有半人多高，好几个月没人清理，晚上还有车偷偷来倒",
        "{vil}{spot}空地堆放建筑垃圾约{vol}立方米，无遮盖，有继续倾倒迹象",
        "清运建筑垃圾，查处乱倒行为",
        "已安排环卫作业单位清运建筑垃圾约{vol}立方米，在该处设置警示牌和监控，对查实的倾倒者依法处罚",
        "{town}综合行政执法队",
    ),
    (
        "店铺出店经营",
        "{road}上几家店铺把货架、桌椅摆到人行道上，晚上还在门口支起大排档，走路都要绕开",
        "{road}有{n}家店铺出店经营，货物和桌椅占用人行道",
        "督促店铺把东西收回店内",
        "已对涉事店铺逐一告知，责令当场整改，对屡教不改的一家依法暂扣物品并处罚款",
        "{town}综合行政执法队",
    ),
    (
        "户外广告牌松动",
        "{road}一处户外广告牌支架松动，刮风的时候晃得厉害，下面就是公交站，担心掉下来砸到人",
        "{road}一户外广告牌支架锈蚀松动，下方为公交站台，存在坠落隐患",
        "尽快拆除或加固广告牌",
        "已通知广告设置单位当天拆除该广告牌，现场隐患已消除",
        "市综合行政执法局",
    ),
    (
        "工地夜间施工扰民",
        "{road}附近的工地{since}经常晚上十点以后还在施工，打桩、倒渣土的声音很大，附近{res}根本睡不着",
        "{road}一工地夜间22时后仍在打桩作业，现场未见夜间施工许可公示",
        "责令工地晚上停止夜间施工",
        "经查，该工地未办理夜间施工许可，已责令停止夜间作业，并对施工单位依法处罚",
        "市综合行政执法局",
    ),
    (
        "渣土车沿路抛洒",
        "渣土车经过{road}时一路抛洒泥土，晴天灰尘大，雨天路面全是泥，骑电动车很容易滑倒",
        "{road}路面有渣土车抛洒的泥土，长约{len}米，影响通行安全",
        "查处抛洒的渣土车，清扫路面",
        "已安排保洁人员清扫路面，追查到涉事运输公司并依法处罚，要求车辆密闭运输",
        "市综合行政执法局",
    ),
];

const FACILITIES: &[Issue] = &[
    (
        "路灯不亮",
        "{vil}{spot}一带的路灯坏了{dur}，晚上黑漆漆的，老人出门散步很不方便，前几天还有人骑车摔了",
        "{vil}{spot}一带路灯{n}盏不亮，夜间照明不足",
        "尽快修复路灯",
        "已安排维修人员更换灯具和线路，{n}盏路灯已恢复正常照明",
        "{town}村镇建设办",
    ),
    (
        "村道路面坑洼",
        "{vil}通往{town}的路上有好几处坑洼，最大的坑有脸盆那么大，下雨天积水看不清，已经有电动车摔倒了",
        "{vil}道路路面破损，坑槽{n}处，雨天积水，存在安全隐患",
        "尽快修补路面",
        "已安排养护单位对破损路面进行修补，共修补坑槽{n}处，路面已恢复平整",
        "{town}村镇建设办",
    ),
    (
        "窨井盖破损",
        "{road}靠近{vil}的人行道上有个窨井盖破了一个角，晚上看不清，很容易踩空",
        "{road}人行道一处窨井盖破损，已用警示锥临时围挡",
        "尽快更换井盖",
        "已联系权属单位当天更换井盖，隐患已消除",
        "市综合行政执法局",
    ),
    (
        "自来水水压低",
        "{vil}{since}自来水水压很低，早晚用水高峰时楼上根本没水，{me}家只能半夜接水",
        "{vil}片区自来水水压不足，早晚高峰高处住户无水",
        "查明原因，解决用水问题",
        "经排查，为该片区主管网老化漏损所致，已完成漏点抢修，目前水压已恢复正常，该片区已纳入今年管网改造计划",
        "供水公司",
    ),
    (
        "公交站无候车亭",
        "{vil}附近的公交站只有一根站牌，没有候车亭也没有座椅，下雨天等车的老人学生只能淋雨",
        "{vil}公交站点无候车亭，站牌倾斜",
        "增设候车亭",
        "已将该站点纳入候车亭建设计划，站牌已扶正加固，预计下月完成候车亭安装",
        "市交通运输局",
    ),
    (
        "健身器材损坏",
        "{vil}文化礼堂前的健身器材有好几件坏了，扶手断了、螺丝松了，小孩在上面玩很危险",
        "{vil}文化礼堂前健身器材{n}件损坏，存在安全隐患",
        "修理或更换健身器材",
        "已对损坏器材设置警示并暂停使用，{days}日内完成维修更换",
        "{town}文化站",
    ),
    (
        "沿河护栏缺失",
        "{vil}沿河的那段路护栏倒了好几段，晚上路灯又暗，怕有小孩或者骑车的人掉到河里",
        "{vil}沿河道路护栏缺失约{len}米，临水一侧无防护",
        "尽快修复护栏",
        "已在缺失段设置临时围挡，并安排施工队补装护栏，现已完工",
        "{town}村镇建设办",
    ),
    (
        "垃圾清运不及时",
        "{vil}{spot}的垃圾桶{since}经常满了没人清，垃圾堆到桶外面，天热臭味很大，还招苍蝇",
        "{vil}{spot}垃圾收集点垃圾满溢，周边散落垃圾较多",
        "增加清运频次",
        "已督促保洁公司当天清运，并将该点清运频次由每天一次调整为每天两次",
        "{town}环卫所",
    ),
    (
        "红绿灯配时不合理",
        "{road}和{vil}路口的红绿灯直行绿灯只有十几秒，早高峰车子排出去好几百米，行人过马路也来不及",
        "",
        "重新调整红绿灯配时",
        "经交警部门实地观测，已将该路口早晚高峰直行绿灯时长延长至45秒，并增设行人过街提示",
        "交警大队",
    ),
];

const SAFETY: &[Issue] = &[
    (
        "电动车楼道充电隐患",
        "{vil}有住户长期把电动车推进楼道里充电，电线从窗户里拉出来，一旦着火楼上的人都跑不掉",
        "{vil}一居民楼楼道内停放电动车{n}辆，有飞线充电现象",
        "清理楼道电动车，增设集中充电点",
        "已联合{vil}对楼道内电动车进行清理，拆除飞线{n}处，并在附近增设集中充电桩",
        "{town}派出所",
    ),
    (
        "出租房消防隐患",
        "{vil}有一栋出租房住了十几户人，楼道里堆满杂物，也没有灭火器，{me}很担心出事",
        "{vil}一出租房楼道堆放杂物，未配备灭火器，疏散通道不畅",
        "督促房东整改消防隐患",
        "已责令房东清理楼道杂物、配齐灭火器和应急照明，复查已整改到位",
        "{town}派出所和消防工作站",
    ),
    (
        "餐馆液化气瓶隐患",
        "{vil}{spot}的小饭馆用的液化气瓶很旧，也没有检验标签，就放在灶台边上",
        "{vil}{spot}一餐馆使用无检验标识的液化气瓶{n}只，摆放不规范",
        "查清气瓶来源，排除隐患",
        "已暂扣无标识气瓶{n}只，责令该店使用正规供气单位的合格气瓶，并安装燃气泄漏报警器",
        "{town}应急管理办",
    ),
    (
        "学校路口缺少减速设施",
        "{vil}的路口车速很快，旁边就是幼儿园，接送孩子的时候很危险，已经发生过两次剐蹭",
        "{vil}交叉路口无减速设施和警示标志，临近幼儿园",
        "增设减速带和警示标志",
        "已在路口增设减速带和学校区域警示标志，上下学时段安排人员护学",
        "交警中队和{gov}",
    ),
    (
        "废弃厂房安全隐患",
        "{vil}{spot}有一处废弃厂房，门窗都坏了，经常有小孩进去玩，屋顶瓦片随时可能掉下来",
        "{vil}{spot}废弃厂房围墙破损，屋顶部分坍塌，有未成年人进入的痕迹",
        "封闭废弃厂房",
        "已通知产权人封闭厂房出入口，设置警示标志，并列入年内拆除计划",
        "{gov}",
    ),
    (
        "夜宵店深夜喧哗",
        "{vil}{spot}的夜宵店门口经常有人喝酒喧哗到两三点，还有人在路边摔酒瓶",
        "{vil}{spot}夜宵店门口深夜有人员聚集饮酒喧哗，地面有碎玻璃",
        "加强夜间巡逻，管一管夜宵店",
        "已约谈经营者，要求凌晨一点前停止室外营业，并将该路段纳入夜间巡逻路线",
        "{town}派出所",
    ),
    (
        "山塘游泳溺水隐患",
        "{vil}{spot}的山塘天一热就有人去游泳，水很深，也没有警示牌，担心出事",
        "{vil}{spot}山塘周边无警示标志和防护设施，有人员下水游泳",
        "设置警示牌和防护栏",
        "已在山塘周边设置警示牌{n}块和救生圈，暑期安排人员巡查劝离",
        "{town}应急管理办",
    ),
];

const OTHER: &[Issue] = &[
    (
        "流浪犬追咬行人",
        "{vil}{spot}最近有几条流浪狗，经常追着小孩和骑车的人叫，前几天有人被咬伤了",
        "{vil}{spot}有流浪犬{n}条出没，有追咬行人现象",
        "把流浪狗收容起来",
        "已联系犬只收容中心捕捉收容流浪犬{n}条，并提醒{res}规范养犬",
        "市综合行政执法局",
    ),
    (
        "马蜂窝",
        "{vil}{spot}的大树上有个很大的马蜂窝，已经有人被蜇了，小孩放学要从树下经过",
        "{vil}{spot}树上有马蜂窝一处，直径约30厘米，临近道路",
        "尽快摘除马蜂窝",
        "已联系消防救援站当天摘除马蜂窝，现场已无隐患",
        "{town}应急管理办",
    ),
    (
        "建议增设公厕",
        "{vil}{spot}一带人流量大，赶集的时候人更多，但一个公厕都没有，{me}建议在这里建一座公厕",
        "",
        "研究增设公共厕所",
        "经研究，拟结合公厕提升改造计划在该区域增设一座公厕，已列入明年建设计划",
        "{gov}",
    ),
    (
        "手机信号差",
        "{vil}{spot}一带手机信号很差，在家打电话经常断线，孩子上网课也卡",
        "",
        "协调运营商改善信号",
        "已协调通信运营商实地测试，确认为覆盖弱区，计划在附近增设基站，预计三个月内完成",
        "市经信局",
    ),
    (
        "表扬{vil}工作人员",
        "{me}想表扬{vil}的工作人员，前段时间{me}家老人在家突发疾病，他们帮忙叫了救护车，还一直陪到医院",
        "",
        "对他们提出表扬",
        "已将群众表扬转达{vil}，并在{town}工作例会上通报表扬",
        "{gov}",
    ),
    (
        "枯树倒伏隐患",
        "{vil}{spot}路边有一棵枯死的大树，树干已经裂开了，刮台风的时候很可能倒下来",
        "{vil}{spot}路边一棵枯树树干开裂，倾斜向道路一侧，存在倒伏隐患",
        "尽快处理枯树",
        "已安排园林养护人员对枯树进行截枝和移除，现场已清理完毕",
        "{town}村镇建设办",
    ),
];

fn issue_facts(rng: &mut Rng, cx: &mut Cx, table: &[Issue]) -> Facts {
    let usable: Vec<&Issue> = table.iter().filter(|i| cx.kind != GridEvent || !i.2.is_empty()).collect();
    let fallback: &Issue = &("", "", "", "", "", "");
    let &(subject, told, seen, ask, fix, unit) = pick(rng, &usable, fallback);
    let subject = cx.f(subject);
    cx.v.set("subject", subject);
    cx.v.set("unit", cx.f(unit));
    let mut f = Facts { people: 1, ..Facts::default() };
    match cx.kind {
        GridEvent => {
            f.what = cx.f(seen);
            f.ask = cx.f(p(rng, &["由{unit}处置", "由{unit}核查处置", "转{unit}处理"]));
            f.titles = titles(cx, &["{vil}{subject}", "巡查发现{vil}{subject}", "{town}{vil}{subject}问题"]);
            f.people = if seen.contains("{hh}") { cx.v.get("hh").parse().unwrap_or(1) } else { 1 };
            let lead = if fix.starts_with('经') {
                p(rng, &["{unit}接单后到场，", "{unit}已于当日到场，"])
            } else {
                p(rng, &["{unit}接单后到场处置，", "经{unit}现场处置，", "{unit}已于当日到场，"])
            };
            f.reply = cx.f(&format!("{lead}{fix}。"));
        }
        Petition => {
            f.what = cx.f(told);
            f.extras.push(cx.f(p(rng, ATTEMPTS)));
            f.extras.push(cx.f("周边{hh}户{res}都深受影响，大家意见很大"));
            f.ask = cx.f(ask);
            f.titles = titles(
                cx,
                &["关于{vil}{subject}问题的信访", "{vil}{res}反映{subject}问题", "反映{town}{vil}{subject}"],
            );
            f.people = if chance(rng, 40) { cx.v.get("hh").parse().unwrap_or(1) } else { 1 };
            f.reply = petition_reply(rng, &cx.f(&format!("{fix}。")));
        }
        _ => {
            f.what = cx.f(told);
            if chance(rng, 45) && !told.contains("建议") && !told.contains("表扬") {
                f.extras.push(cx.f(p(rng, ATTEMPTS)));
            }
            f.ask = cx.f(ask);
            let remark = told.contains("建议") || told.contains("表扬");
            f.titles = if remark {
                titles(cx, &["{vil}{res}{subject}", "市民来电{subject}", "关于{vil}{subject}的来电"])
            } else {
                titles(
                    cx,
                    &[
                        "反映{town}{vil}{subject}问题",
                        "{vil}{subject}",
                        "关于{vil}{subject}的投诉",
                        "反映{vil}{subject}",
                    ],
                )
            };
            let told_to = p(rng, &["", "处理结果已电话告知来电人。", "已向来电人反馈。"]);
            let lead = if fix.starts_with('经') || fix.starts_with('已') {
                "{unit}受理后，"
            } else {
                "经{unit}核实，"
            };
            f.reply = cx.f(&format!("{lead}{fix}。{told_to}"));
        }
    }
    f
}

// ---------------------------------------------------------------------------------------------
// Dispute-shaped categories: neighbour, land, family, medical, traffic.

/// (subject for titles, the story, what the applicant asks of the other side, the terms
/// agreed, whether money is claimed, where it may happen: None anywhere, Some(true) towns)
type Case = (&'static str, &'static str, &'static str, &'static str, bool, Option<bool>);

/// Writes a dispute-shaped matter from `cases`. The `{b}` slot is the other side.
fn case_facts(rng: &mut Rng, cx: &mut Cx, cases: &[Case], mediator: &str, fail_route: &str) -> Facts {
    let usable: Vec<&Case> = cases.iter().filter(|c| c.5.is_none_or(|u| u == cx.urban)).collect();
    let fallback: &Case = &("", "", "", "", false, None);
    let &(subject, told, ask, deal, money_claim, _) = pick(rng, &usable, fallback);
    case_with(rng, cx, (subject, told, ask, deal, money_claim), mediator, fail_route)
}

fn case_with(
    rng: &mut Rng,
    cx: &mut Cx,
    (subject, told, ask, deal, money_claim): (&str, &str, &str, &str, bool),
    mediator: &str,
    fail_route: &str,
) -> Facts {
    let mut f = Facts { people: 2, ..Facts::default() };
    let claimed = cx.v.get("amt_yuan").parse::<i64>().unwrap_or(0);
    if money_claim && claimed > 0 {
        f.amount_yuan = Some(claimed);
    }
    cx.v.set("subject", subject);
    if cx.kind == Request {
        // A caller names the other side as 邻居王某, not in full.
        if cx.v.get("b") == cx.b.name {
            let masked = format!("{}{}某", cx.v.get("b_ref"), cx.b.surname);
            cx.v.set("b", masked);
        }
    }
    cx.v.set("stance", cx.f(p(rng, STANCES)));
    f.what = cx.f(told);
    f.ask = cx.f(ask);
    let agreed = chance(rng, 88);
    let deal = cx.f(deal);
    cx.v.set("mediator", mediator);
    match cx.kind {
        Dispute => {
            f.mediation = Some(mediation_text(cx, subject, (told, ask), &deal, fail_route));
            f.titles = titles(
                cx,
                &["{a}与{b}{subject}纠纷", "{vil}{a}与{b}{subject}纠纷", "关于{vil}{subject}纠纷的调解申请"],
            );
            if chance(rng, 35) {
                f.extras.push(cx.f(p(
                    rng,
                    &[
                        "{vil}调解员曾上门调解过一次，未能达成一致",
                        "双方为此多次发生争吵",
                        "此前双方自行协商过两次，均不欢而散",
                    ],
                )));
            }
            if agreed {
                let head = p(
                    rng,
                    &[
                        "经{mediator}组织调解，双方自愿达成协议：",
                        "在调解员主持下，双方达成如下协议：",
                        "经调解员释法说理、多次协调，双方达成一致：",
                    ],
                );
                f.reply = cx.f(&format!("{head}{deal}。"));
            } else {
                f.reply = cx.f(&format!(
                    "经调解员{}次组织调解，双方分歧较大，未能达成协议。已告知当事人可{fail_route}，并做好释法说理工作。",
                    p(rng, &["两", "三"])
                ));
                f.close = Some(
                    p(
                        rng,
                        &["调解不成，已告知其他解决途径，予以终结", "调解未成功，已引导依法解决，予以销号"],
                    )
                    .to_owned(),
                );
            }
        }
        GridEvent => {
            f.titles = titles(
                cx,
                &["{vil}两户{res}{subject}纠纷", "走访发现{vil}{subject}矛盾", "{vil}{subject}矛盾苗头"],
            );
            f.ask = cx.f("由{vil}调委会介入调解");
            f.reply = cx.f(&format!("网格员会同调解员上门做工作，双方达成口头协议：{deal}。"));
        }
        Petition => {
            f.titles = titles(cx, &["{a}反映{subject}问题", "关于{vil}{subject}问题的信访"]);
            f.extras.push(cx.f(p(rng, ATTEMPTS)));
            f.ask = format!("督促{}", f.ask);
            f.reply = petition_reply(rng, &cx.f(&format!("已由{{town}}组织双方协调，{deal}。")));
        }
        _ => {
            f.titles = titles(
                cx,
                &["反映与{b}{subject}纠纷", "{vil}{res}反映{subject}问题", "请求协调{subject}纠纷"],
            );
            let closing = if cx.first {
                p(rng, &["希望有关部门出面协调，{ask}。", "想请{org}或调委会帮忙协调，{ask}。"])
            } else {
                p(
                    rng,
                    &[
                        "来电人希望有关部门出面协调，{ask}。",
                        "诉求：{ask}。",
                        "来电人希望{org}出面协调，{ask}。",
                    ],
                )
            };
            cx.v.set("ask", f.ask.clone());
            f.closing = Some(cx.f(closing));
            let lead = match cx.v.get("req_lead") {
                "" => "已转{town}调委会上门组织双方协商，",
                lead => lead,
            };
            f.reply = cx.f(&format!("{lead}{deal}。"));
        }
    }
    f
}

/// What a mediation of this case writes down. The record speaks of the applicant by name
/// even where the body is in the first person.
fn mediation_text(
    cx: &Cx,
    subject: &str,
    (told, ask): (&str, &str),
    deal: &str,
    fail_route: &str,
) -> MediationText {
    let mut v = Vars { kv: cx.v.kv.clone() };
    v.set("me", cx.a.name.clone());
    let third = |t: &str| v.fill(t).replace("其的", "其");
    let (a, b) = (cx.a.name.clone(), cx.v.get("b").to_owned());
    let ask = third(ask);
    MediationText {
        subject: subject.to_owned(),
        requests: format!("{a}要求{ask}。"),
        facts: format!("{}。", third(told)),
        issues: format!("{a}要求{ask}；{}。双方争议的焦点是{subject}问题。", cx.v.get("stance")),
        responsibilities: String::new(),
        deal: deal.to_owned(),
        terms: terms_of(deal, &a, &b),
        fail_route: fail_route.to_owned(),
        applicant: a,
        respondent: b,
    }
}

/// The terms of a written-out agreement: its clauses (split at `；` and `，并`), each with who
/// performs it, how, and the days the text gives. Waivers (不再追究) are not terms.
fn terms_of(deal: &str, a: &str, b: &str) -> Vec<TermText> {
    let mut out: Vec<TermText> = vec![];
    let mut last = b.to_owned();
    // Waivers, arrangements left open and the committee's own visits are no terms to perform.
    let waiver = |seg: &str| {
        ["不再追究", "不再就此", "再无其他", "就此事了结", "就此了结", "另行商定", "回访"]
            .iter()
            .any(|w| seg.contains(w))
            || (!a.is_empty() && seg.strip_prefix(a).is_some_and(|r| r.starts_with("不再")))
    };
    // Findings (经核对…, 确认…) are no terms either.
    let finding = |seg: &str| seg.starts_with('经') || seg.starts_with("确认");
    // A new subject after a comma starts a new clause: …恢复门禁卡，张芳补交物业费….
    let subject = |seg: &str| [a, b, "双方"].iter().any(|who| !who.is_empty() && seg.starts_with(who));
    let mut clauses: Vec<String> = vec![];
    for part in deal.split('；').flat_map(|part| part.split("，并")) {
        let mut clause = String::new();
        for seg in part.split('，').filter(|seg| !waiver(seg) && !finding(seg)) {
            if subject(seg) && !clause.is_empty() {
                clauses.push(std::mem::take(&mut clause));
            }
            if !clause.is_empty() {
                clause.push('，');
            }
            clause.push_str(seg);
        }
        clauses.push(clause);
    }
    for clause in &clauses {
        let clause = clause.trim_matches(|c| c == '，' || c == '。' || c == ' ');
        if clause.is_empty() {
            continue;
        }
        let after = |who: &str| (!who.is_empty()).then(|| clause.strip_prefix(who)).flatten();
        let named = after(b).map(|rest| (b, rest)).or_else(|| after(a).map(|rest| (a, rest)));
        let (obligor, content) = if let Some((who, rest)) = named {
            // 王伟家, 王伟一家, 王伟及其投保的保险公司 perform together.
            let joined = ["一家", "家", "及其投保的保险公司"].into_iter().find(|j| rest.starts_with(j));
            match joined {
                Some(j) => (format!("{who}{j}"), rest.get(j.len()..).unwrap_or_default()),
                None => (who.to_owned(), rest),
            }
        } else if let Some(rest) = clause.strip_prefix("双方") {
            ("双方".to_owned(), rest)
        } else if clause.contains("子女") && !clause.contains(b) {
            ("各子女".to_owned(), clause)
        } else {
            (last.clone(), clause)
        };
        if content.chars().count() < 4 {
            continue;
        }
        last = obligor.clone();
        let (manner, days) = (manner_of(content), days_in(content));
        // Tens of thousands are paid in two instalments, the rest a month after the first.
        let instalments = out.len() < 2
            && manner == "银行转账"
            && content.contains("万元")
            && !["一次性", "付清", "剩余", "分两期", "余款", "一半", "已当场"]
                .iter()
                .any(|w| content.contains(w));
        if instalments {
            out.push(TermText {
                obligor: obligor.clone(),
                content: format!("{content}，首期支付一半"),
                manner,
                days,
            });
            out.push(TermText {
                obligor,
                content: "付清上述款项的余款".into(),
                manner,
                days: Some(days.unwrap_or(15) + 30),
            });
        } else {
            out.push(TermText { manner, days, obligor, content: content.to_owned() });
        }
    }
    out.truncate(3);
    if out.is_empty() {
        out.push(TermText {
            obligor: "双方".into(),
            content: deal.to_owned(),
            manner: "按协议约定自行履行",
            days: None,
        });
    }
    out
}

/// How a term is performed, from what it says.
fn manner_of(content: &str) -> &'static str {
    let has = |words: &[&str]| words.iter().any(|w| content.contains(w));
    if has(&["减免"]) {
        "从应付尾款中直接抵扣"
    } else if has(&["道歉"]) {
        "当面赔礼道歉"
    } else if content.contains('元')
        || has(&["赔偿", "补偿", "支付", "付清", "退还", "租金", "折价款", "补发", "补交", "分配"])
    {
        "银行转账"
    } else if has(&["拆除", "退回原界"]) {
        "现场拆除"
    } else if has(&["清理", "恢复原田埂"]) {
        "现场清理恢复，村干部见证"
    } else if has(&["补签"]) {
        "签订书面劳动合同"
    } else if has(&["补缴"]) {
        "到社保经办机构办理补缴手续"
    } else if has(&["测量", "鉴定"]) {
        "委托有资质的机构办理"
    } else if has(&["修复", "维修", "返工", "改接", "移至", "修剪", "加固", "检修", "铺设"])
    {
        "自行施工，完工后通知对方验收"
    } else if has(&["轮流", "探视", "接孩子", "陪护", "照料", "放水"]) {
        "按约定定期履行，调解员回访"
    } else {
        "按协议约定自行履行"
    }
}

/// The days a term gives itself (`7日内`), if it says.
fn days_in(content: &str) -> Option<u32> {
    let at = content.find("日内")?;
    let digits: String = content
        .get(..at)?
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().ok()
}

/// 各方当事人的责任, as a committee writes it for this kind of case.
fn responsibilities(category: &str, a: &str, b: &str) -> String {
    match category {
        "family" => "双方系家庭成员，均应依照《中华人民共和国民法典》婚姻家庭编的规定履行家庭义务，本着互谅互让、有利于家庭和睦的原则解决纠纷。".into(),
        "medical" => format!("根据双方陈述及调查核实的情况，{b}在诊疗过程中存在一定过错，应承担相应的赔偿责任；{a}对医疗风险表示理解，同意适当让步。"),
        "traffic" => format!("根据事故经过及交警部门的事故认定，{b}应承担相应的赔偿责任；{a}同意在合理范围内确定赔偿数额。"),
        "labour" => format!("{b}作为用人单位，应依法履行劳动合同及劳动保障义务，承担相应的支付责任；{a}同意就协议事项不再另行主张。"),
        "expropriation" => format!("补偿款系家庭共有财产的对价，{a}、{b}均有权依法分配，并应共同承担赡养父母的义务。"),
        _ => format!("根据双方陈述及调查核实的情况，{b}对纠纷的发生负主要责任，应承担相应责任；{a}本着互谅互让的原则，同意作出适当让步。"),
    }
}

fn set_amounts(rng: &mut Rng, cx: &mut Cx, lo: i64, hi: i64, step: i64) -> i64 {
    let claimed = yuan(rng, lo, hi, step);
    let share = rng.i64(55..=100);
    let agreed = (claimed * share / 100 / step.max(1) * step.max(1)).max(step.max(1));
    cx.v.set("amt_yuan", claimed.to_string());
    cx.v.set("amt", money(rng, claimed));
    cx.v.set("amt2", money(rng, agreed));
    claimed
}

const NEIGHBOUR: &[Case] = &[
    (
        "相邻排水",
        "{me}家与{b}家前后相邻，{b}家去年翻建房屋时把排水管接到了{me}家屋后，一下雨污水就往{me}家墙根流，墙面已经发霉开裂",
        "{b}改接排水管，并赔偿墙面维修费用{amt}",
        "{b}于{days}日内自行改接排水管，并一次性补偿{a}墙面维修费用{amt2}",
        true,
        None,
    ),
    (
        "楼上噪音",
        "{me}家住在{b}家楼下，{b}家{since}经常深夜在家里走动、拖椅子，孩子在地板上拍球，{me}多次上楼沟通都没有效果，双方还发生过口角",
        "{b}家晚上十点以后保持安静",
        "{b}家在客厅和儿童房铺设地垫，晚上十点后避免发出较大声响；双方互留联系方式，有问题先友好沟通",
        false,
        Some(true),
    ),
    (
        "通行",
        "{me}家进出只能走{b}家门前的一条小路，{since}{b}在路口砌了一道矮墙，还堆了柴火，{me}家的三轮车都进不去",
        "{b}拆除矮墙，恢复通行",
        "{b}拆除路口矮墙、清理柴堆，保留宽度不少于1.5米的通道；{a}通行时注意不损坏{b}家菜地",
        false,
        Some(false),
    ),
    (
        "空调外机安装",
        "{b}家新装的空调外机正对着{me}家窗户，夏天热风直吹进屋，冷凝水还一直滴在{me}家阳台上",
        "{b}移装空调外机",
        "{b}于{days}日内将空调外机移至东侧墙面并加装冷凝水管，移机费用由{b}承担",
        false,
        None,
    ),
    (
        "树木遮挡采光",
        "{b}家在两家交界处种的几棵樟树越长越高，树枝伸到{me}家屋顶上，落叶堵了排水沟，还挡了采光",
        "{b}修剪或移除越界树木",
        "{b}在{days}日内对越界树枝进行修剪，今后每年修剪一次；{a}不再要求砍伐",
        false,
        Some(false),
    ),
    (
        "房屋漏水",
        "{me}家住在{b}家楼下，{since}卫生间天花板一直渗水，墙皮大块脱落，物业看过后确认是楼上防水层坏了，但{b}迟迟不肯维修",
        "{b}修复防水层并赔偿损失{amt}",
        "{b}于{days}日内请专业人员修复卫生间防水层，并赔偿{a}装修损失{amt2}",
        true,
        Some(true),
    ),
    (
        "家禽毁损菜地",
        "{b}家散养的鸡鸭经常跑到{me}家菜地里，把刚种下的菜苗吃掉了大半，说了好几次，{b}不但不管，还说是{me}家篱笆没围好",
        "{b}圈养家禽，赔偿菜苗损失{amt}",
        "{b}对家禽实行圈养，并赔偿{a}菜苗损失{amt2}",
        true,
        Some(false),
    ),
    (
        "口角推搡致伤",
        "{me}与{b}因为门前堆放杂物的事情发生口角，继而发生推搡，{me}手臂被抓伤，花去医药费{amt}",
        "{b}赔礼道歉，赔偿医药费、误工费",
        "{b}向{a}赔礼道歉，并赔偿医药费、误工费共计{amt2}，双方就此事不再追究",
        true,
        None,
    ),
    (
        "共用墙体开裂",
        "{me}家和{b}家共用一堵山墙，{b}家拆旧建新时挖地基太深，{me}家那一侧墙体出现了好几条裂缝，下雨还渗水",
        "{b}请人鉴定并修复墙体，承担维修费用{amt}",
        "由双方共同委托鉴定，{b}承担墙体加固维修费用{amt2}，{days}日内完成维修",
        true,
        Some(false),
    ),
];

fn neighbour(rng: &mut Rng, cx: &mut Cx) -> Facts {
    set_amounts(rng, cx, 1_500, 30_000, 100);
    cx.v.set("b_ref", "邻居");
    let mut f = case_facts(rng, cx, NEIGHBOUR, "调委会", "向人民法院提起诉讼");
    let b = party(rng, cx, &cx.b.clone());
    f.others.push(b);
    f
}

const LAND: &[Case] = &[
    (
        "宅基地边界",
        "{me}家与{b}家宅基地相邻，{b}家{since}翻建新房时把围墙往{me}家这边砌出来约{k}0公分，占了{me}家的地基，{me}拿出当年的宅基地证，{b}不认可",
        "按原界址拆除围墙",
        "双方同意由{town}自然资源所重新测量界址，{b}按测量结果于{days}日内将围墙退回原界",
        false,
        None,
    ),
    (
        "承包地界址",
        "{me}家和{b}家的承包地相邻，{b}翻耕时把田埂往{me}家这边挪了一米多，侵占了{me}家将近{mu}分地",
        "恢复原来的田埂，赔偿当季损失{amt}",
        "双方在村干部见证下按二轮承包台账重新确定地界，{b}恢复原田埂位置并补偿{a}当季损失{amt2}",
        true,
        Some(false),
    ),
    (
        "山林权属",
        "{me}家与{b}家对{vil}后山一片{k}亩山林的权属有争议，{me}家有林权证，{b}说是自家祖上开的荒，{since}{b}擅自砍了山上的一批杉树",
        "确认山林权属并赔偿林木损失{amt}",
        "经核对林权证和原始档案，确认该片山林由{a}家承包经营，{b}赔偿林木损失{amt2}",
        true,
        Some(false),
    ),
    (
        "土地流转租金",
        "{me}家的{k}亩承包地流转给{b}种{crop}，合同约定每年每亩租金{rent}元，{b}已经拖欠了两年租金共{amt}，一直推说收成不好",
        "{b}付清拖欠的租金",
        "{b}于{days}日内支付所欠租金{amt2}，剩余部分在年底前付清，流转合同继续履行",
        true,
        Some(false),
    ),
    (
        "灌溉用水",
        "{me}家和{b}家共用一条灌溉水渠，{since}{b}在上游截水灌自家的田，{me}家的{k}亩水稻眼看要缺水",
        "合理分配灌溉用水",
        "双方约定按田亩面积轮流放水，单日{a}家、双日{b}家，由{org}指定专人负责开闸",
        false,
        Some(false),
    ),
];

fn land(rng: &mut Rng, cx: &mut Cx) -> Facts {
    cx.v.set("crop", p(rng, &["葡萄", "香榧", "茶叶", "苗木", "水稻", "草莓", "蓝莓"]));
    cx.v.set("mu", rng.u32(3..=9).to_string());
    let rent = pick(rng, &[500i64, 600, 800, 1000, 1200], 800);
    cx.v.set("rent", rent.to_string());
    set_amounts(rng, cx, 2_000, 40_000, 100);
    if cx.kind == Petition {
        return land_petition(rng, cx);
    }
    cx.v.set("b_ref", "邻居");
    let mut f = case_facts(rng, cx, LAND, "调委会", "向农村土地承包仲裁委员会申请仲裁或向人民法院起诉");
    let b = party(rng, cx, &cx.b.clone());
    f.others.push(b);
    f
}

fn land_petition(rng: &mut Rng, cx: &mut Cx) -> Facts {
    let mut f = Facts { people: 1, ..Facts::default() };
    if rng.bool() {
        cx.v.set("mu", rng.u32(1..=4).to_string());
        f.what = cx.f(p(
            rng,
            &[
                "{me}家在{vil}原有{k}亩承包地，二轮延包时{me}在外地打工，{org}没有给{me}家续签合同，把地划给了别人，这几年{me}家一直没有地种，也没有拿到任何补偿",
                "{me}家户口{since}迁回{vil}，按政策应该分到承包地，但{org}一直说没有机动地，{me}家四口人没有一分田",
            ],
        ));
        f.ask = cx.f("依法确认{me}家的土地承包经营权");
        f.titles = titles(
            cx,
            &["{a}反映土地承包经营权问题", "关于{vil}承包地被调整的信访", "反映{vil}二轮延包承包地问题"],
        );
        f.reply = petition_reply(
            rng,
            &cx.f("经{town}农业农村办调查，{a}家因户口迁出未续签承包合同，现户口已迁回。经村民代表会议讨论，同意从机动地中调剂{mu}亩给其承包，已签订承包合同。"),
        );
    } else {
        cx.v.set("yrs", cn(rng.u32(2..=5)));
        f.what = cx.f("{me}家符合建房条件，{yrs}年前就向{org}提交了宅基地申请，到现在一直没有批下来，{me}家五口人还挤在两间老房子里，房子漏雨也不敢大修");
        f.ask = cx.f("尽快审批宅基地申请");
        f.titles = titles(cx, &["{a}反映宅基地审批迟迟未办", "关于{vil}宅基地审批的信访"]);
        f.reply = petition_reply(
            rng,
            &cx.f("{a}的建房申请符合“一户一宅”条件，因{vil}村庄规划调整暂缓审批。现村庄规划已获批，已将其申请列入本年度第二批审批，预计两个月内办结。"),
        );
    }
    f.extras.push(cx.f(p(rng, ATTEMPTS)));
    f.amount_yuan = None;
    f
}

const FAMILY: &[Case] = &[
    (
        "赡养",
        "{me}今年{age}岁，老伴去世后一个人生活，有{kids}个子女。{since}子女们因为赡养费怎么分摊意见不一，互相推诿，老人每月的生活费没有着落，看病也没人陪",
        "子女按月支付赡养费、轮流照料",
        "{kids}名子女每人每月支付赡养费{rent}元，于每月5日前交付；老人住院时由子女轮流陪护，医药费平均分摊",
        false,
        None,
    ),
    (
        "子女探视",
        "{me}与{b}去年协议离婚，孩子跟{b}生活。离婚协议约定{me}每个月可以探视两次，但{since}{b}一直以各种理由不让{me}见孩子",
        "按离婚协议保障探视",
        "双方约定每月第一、三周的周六由{a}接孩子，周日傍晚送回，{b}予以配合，双方不在孩子面前争吵",
        false,
        None,
    ),
    (
        "遗产继承",
        "{me}父亲去世后留下{vil}的一栋老房子，评估价{amt}左右，兄弟姐妹{kids}人对房子怎么分意见不一致，{b}已经住进去了，不同意分",
        "按法定继承平均分配",
        "老房由{b}居住使用，{b}按评估价向其他继承人支付折价款共{amt2}，分两期付清",
        true,
        None,
    ),
    (
        "夫妻矛盾",
        "{me}与丈夫{b}结婚{yrs}年，{since}{b}经常喝酒到深夜，喝多了就吵架摔东西，{me}想好好过日子，希望有人出面劝劝",
        "对{b}进行劝导，维护家庭和睦",
        "{b}承诺控制饮酒、不再摔砸物品，遇事好好商量；双方同意一个月后由调解员回访",
        false,
        None,
    ),
    (
        "彩礼返还",
        "{me}的儿子与{b}的女儿订婚时给了彩礼{amt}，后来两人感情不和解除了婚约，{me}家要求退还彩礼，{b}家只同意退一部分",
        "退还彩礼",
        "{b}家退还彩礼{amt2}，于{days}日内一次性付清，双方就婚约事宜再无其他纠葛",
        true,
        None,
    ),
    (
        "老人住房",
        "{me}今年{age}岁，和儿子{b}一家住在一起，{since}儿媳嫌老人碍事，让{me}搬到旁边的柴房去住，{me}不同意，家里天天吵",
        "子女保障老人居住，不得让老人搬离",
        "{b}一家保证{a}继续住在原房间，不再要求老人搬离；家务和生活费另行商定，调解员定期回访",
        false,
        None,
    ),
];

fn family(rng: &mut Rng, cx: &mut Cx) -> Facts {
    let idx = rng.usize(..FAMILY.len());
    let case = FAMILY.get(idx).copied().unwrap_or(("", "", "", "", false, None));
    match case.0 {
        "赡养" | "老人住房" => {
            cx.applicant(rng, None, 1950, 1956);
            cx.other(rng, Some(false), 1972, 1985);
            // A son bears his father's name; a widow's son, her late husband's.
            if !cx.a.female {
                cx.kin();
            }
        }
        "遗产继承" => {
            cx.applicant(rng, None, 1962, 1980);
            cx.other(rng, Some(false), 1962, 1980);
            cx.kin();
        }
        "夫妻矛盾" => {
            cx.applicant(rng, Some(true), 1975, 1995);
            cx.other(rng, Some(false), 1972, 1993);
        }
        "彩礼返还" => {
            cx.applicant(rng, None, 1960, 1975);
            cx.other(rng, None, 1960, 1975);
        }
        _ => {}
    }
    cx.v.set("kids", cn(rng.u32(2..=4)));
    cx.v.set("yrs", cn(rng.u32(5..=20)));
    cx.v.set("rent", pick(rng, &[300u32, 400, 500, 600, 800], 500).to_string());
    set_amounts(rng, cx, 30_000, 200_000, 1_000);
    let mut f = case_with(rng, cx, (case.0, case.1, case.2, case.3, case.4), "调委会", "向人民法院起诉");
    if cx.kind == Dispute || chance(rng, 50) {
        let b = party(rng, cx, &cx.b.clone());
        f.others.push(b);
    }
    f.people = if case.0 == "赡养" || case.0 == "遗产继承" { rng.u32(3..=5) } else { 2 };
    f
}

fn medical(rng: &mut Rng, cx: &mut Cx) -> Facts {
    // Surgery, a drug reaction, a tooth: who treated and how much is at stake go together.
    let idx = rng.usize(..3);
    let (hospitals, lo, hi): (&[&str], i64, i64) = match idx {
        0 => (&["市某医院", "市某中医院", "城区某民营医院"], 20_000, 180_000),
        1 => (&["市某医院", "城区某民营医院", "{town}某诊所"], 8_000, 60_000),
        _ => (&["城区某口腔诊所", "{town}某口腔诊所"], 2_000, 15_000),
    };
    let hospital = p(rng, hospitals);
    cx.v.set("hosp", cx.f(hospital));
    cx.v.set("rel", p(rng, &["母亲", "父亲", "妻子", "丈夫", "孩子"]));
    set_amounts(rng, cx, lo, hi, 100);
    cx.v.set("pct", pick(rng, &[20u32, 30, 40, 50], 30).to_string());
    cx.v.set("b", cx.v.get("hosp").to_owned());
    let cases: &[Case] = &[
        (
            "手术并发症",
            "{me}{rel}{month}月在{hosp}做了{surgery}手术，术后出现{complication}，又住院了{stay}，多花了医疗费{amt}。{me}认为是手术操作有问题，医院说是正常并发症",
            "医院承担责任并赔偿各项损失{amt}",
            "参照医疗损害鉴定意见，医方承担{pct}%的责任，一次性补偿患方{amt2}，患方不再就此事提出其他要求",
            true,
            None,
        ),
        (
            "用药过敏",
            "{me}{rel}在{hosp}输液时出现严重过敏反应，转到上级医院抢救才脱离危险，前后花去医药费{amt}。{me}认为医院用药前没有问清过敏史，观察也不及时",
            "医院赔偿医疗费、误工费等损失",
            "医方承担{pct}%的责任，一次性赔偿患方医疗费、误工费等共计{amt2}",
            true,
            None,
        ),
        (
            "拔牙后感染",
            "{me}在{hosp}拔了一颗智齿，回家后伤口一直出血，后来发炎肿得很厉害，又去医院住了几天，花了{amt}",
            "诊所退还费用并赔偿后续治疗费用",
            "诊所退还治疗费用并补偿后续治疗费用{amt2}，双方就此事了结",
            true,
            None,
        ),
    ];
    cx.v.set("surgery", p(rng, &["胆囊切除", "阑尾切除", "腰椎", "膝关节置换", "疝气修补"]));
    cx.v.set("complication", p(rng, &["切口感染", "肠粘连", "下肢静脉血栓", "持续高烧"]));
    let case = cases.get(idx).copied().unwrap_or(("", "", "", "", false, None));
    let mut f = case_with(
        rng,
        cx,
        (case.0, case.1, case.2, case.3, case.4),
        "调委会",
        "申请医疗损害鉴定后向人民法院起诉",
    );
    let hosp = cx.v.get("hosp").to_owned();
    f.others.push(org_party(rng, cx, &hosp));
    if cx.kind == Petition {
        f.titles = titles(cx, &["{a}反映{hosp}医疗纠纷问题", "关于{rel}在{hosp}治疗的信访"]);
    }
    f
}

fn traffic(rng: &mut Rng, cx: &mut Cx) -> Facts {
    cx.v.set("injury", p(rng, &["左腿骨折", "锁骨骨折", "头部和手臂多处擦伤", "右手腕骨折", "肋骨骨折"]));
    cx.v.set("date", format!("{}月{}日", rng.u32(1..=12), rng.u32(1..=28)));
    cx.v.set("hours", p(rng, &["傍晚6点多", "早上7点左右", "晚上8点多", "中午12点左右"]));
    set_amounts(rng, cx, 4_000, 120_000, 100);
    let cases: &[Case] = &[
        (
            "交通事故赔偿",
            "{date}{hours}，{me}骑电动自行车在{road}与{b}驾驶的小型轿车发生碰撞，{me}{injury}，住院治疗{stay}。交警认定{b}负事故主要责任，保险公司赔付交强险部分后，双方对误工费、护理费等赔偿数额有分歧",
            "{b}赔偿误工费、护理费等各项损失{amt}",
            "{b}及其投保的保险公司共赔偿{a}各项损失{amt2}，其中交强险部分已到账，余款{days}日内付清",
            true,
            None,
        ),
        (
            "车辆追尾赔偿",
            "{date}，{me}驾驶的小轿车在{road}等红灯时被{b}驾驶的货车追尾，车尾严重受损，定损维修费{amt}。{b}的车只买了交强险，超出部分不愿承担",
            "{b}承担车辆维修费用",
            "{b}承担车辆维修费用{amt2}，分两期支付，第一期{days}日内付清",
            true,
            None,
        ),
        (
            "电动车撞伤老人",
            "{date}{hours}，{me}的父亲在{vil}{spot}散步时被{b}骑的电动车撞倒，导致{injury}，目前还在住院，已花去医疗费{amt}",
            "{b}承担医疗费、护理费等损失",
            "{b}承担{a}父亲医疗费、护理费、营养费等共计{amt2}，已当场支付一半，余款{days}日内付清",
            true,
            None,
        ),
    ];
    let mut f = case_facts(rng, cx, cases, "调委会", "向人民法院提起诉讼");
    let b = party(rng, cx, &cx.b.clone());
    f.others.push(b);
    if chance(rng, 35) {
        let insurer = p(rng, &["某财产保险股份有限公司诸暨支公司", "某保险公司诸暨营销服务部"]);
        f.others.push(org_party(rng, cx, insurer));
    }
    f.people = 2;
    f
}

// ---------------------------------------------------------------------------------------------
// Money and work: wage claims and labour disputes

const TRADES: &[&str] = &["木工", "钢筋工", "泥水工", "架子工", "油漆工", "水电安装", "杂工"];

fn industry(rng: &mut Rng, town: &str) -> &'static str {
    let local = match town {
        "大唐街道" => "袜业",
        "山下湖镇" => "珍珠饰品",
        "店口镇" => "铜业",
        "枫桥镇" => "服饰",
        "次坞镇" => "汽配",
        "牌头镇" => "机械",
        "同山镇" => "酒业",
        "赵家镇" => "香榧食品",
        _ => "",
    };
    if !local.is_empty() && chance(rng, 60) {
        local
    } else {
        p(rng, &["纺织", "五金", "机械", "电子", "食品", "包装", "针织", "物流", "建材", "汽配"])
    }
}

fn company(rng: &mut Rng, town: &str) -> String {
    let ind = industry(rng, town);
    match rng.u8(..3) {
        0 => format!("诸暨某{ind}有限公司"),
        1 => format!("浙江某{ind}有限公司"),
        _ => format!("{town}某{ind}厂"),
    }
}

fn project(rng: &mut Rng, cx: &Cx) -> String {
    let t = p(
        rng,
        &[
            "城西安置小区二期",
            "{town}中心幼儿园新建工程",
            "{town}农贸市场改造工程",
            "{vil}文化礼堂建设项目",
            "{road}提升改造工程",
            "高新区标准厂房三期",
            "浣江花园住宅项目",
            "城东污水管网改造工程",
            "{town}卫生院迁建工程",
            "{vil}安置房项目",
            "{town}小学综合楼工程",
        ],
    );
    cx.f(t)
}

fn wage(rng: &mut Rng, cx: &mut Cx) -> Facts {
    cx.applicant(rng, None, 1962, 2000);
    let construction = chance(rng, 65);
    let single = !construction && chance(rng, 40);
    let workers =
        if single { 1 } else { pick(rng, &[2u32, 3, 3, 4, 4, 5, 6, 7, 8, 10, 12, 15, 20, 26, 38], 4) };
    let months = pick(rng, &[1u32, 1, 2, 2, 2, 3, 3, 4, 5, 6, 8], 2);
    let per_month = yuan(rng, 4_500, 11_000, 100);
    let owed =
        (per_month * i64::from(months) * i64::from(workers) * rng.i64(35..=100) / 100 / 100 * 100).max(1_000);
    let employer = if construction {
        p(
            rng,
            &[
                "诸暨某建筑劳务有限公司",
                "浙江某建设集团有限公司",
                "绍兴某建设工程有限公司",
                "诸暨某装饰工程有限公司",
            ],
        )
        .to_owned()
    } else {
        company(rng, &cx.town)
    };
    let project = project(rng, cx);
    cx.other(rng, Some(false), 1965, 1985);
    cx.v.set("emp", employer.clone());
    cx.v.set("proj", project);
    cx.v.set("we", if cx.first { "我们" } else { "工人们" });
    cx.v.set("wen", if cx.first { "我们" } else { "" });
    cx.v.set("n", workers.to_string());
    cx.v.set("ncn", if workers <= 10 { cn(workers) } else { workers.to_string() });
    cx.v.set("mths", months_phrase(rng, months));
    cx.v.set("amt", money(rng, owed));
    cx.v.set("trade", p(rng, TRADES));
    cx.v.set("boss", format!("包工头{}", cx.b.name));
    cx.v.set("start", format!("{}年{}月", NOW_YEAR - i32::from(rng.bool()), rng.u32(1..=12)));
    cx.v.set("when", p(rng, &["过年", "农忙", "孩子开学", "年底"]));
    let excuses: &[&str] = if construction {
        &[
            "对方以总包单位没拨付工程款为由一拖再拖",
            "包工头说工程款还没结算下来，让大家再等等",
            "公司推说要等工程审计结束才能结算",
            "现在包工头电话也打不通了",
            "项目部和劳务公司互相推来推去",
        ]
    } else {
        &[
            "老板说厂里资金周转困难，答应分批付，到现在一分没付",
            "老板说货款没收回来，让大家再等等",
            "厂里说要等设备卖掉才有钱发工资",
        ]
    };
    cx.v.set("excuse", p(rng, excuses));
    cx.v.set("weare", if cx.first { "我们是" } else { "" });
    cx.v.set("who_n", if workers > 1 { "{n}名工人" } else { "{a}" });
    let mut f = Facts { people: workers, amount_yuan: Some(owed), ..Facts::default() };
    let boss_party = construction && chance(rng, 45);
    if construction {
        f.what = cx.f(p(
            rng,
            &[
                "{wen}{ncn}名工人从{start}开始在{proj}做{trade}，跟着{boss}干，{emp}是这个工程的劳务分包单位。现在活已经干完，{mths}的工资一直没发，共计{amt}，{excuse}",
                "{weare}{proj}工地上做{trade}的{ncn}名工人，被拖欠{mths}工资共{amt}。工程由{emp}承建，{excuse}",
                "{we}在{proj}干了{mths}，工资按月记工，{emp}只发了生活费，剩下的{amt}一直拖着不给，{excuse}",
            ],
        ));
        f.extras.push(cx.f(p(
            rng,
            &[
                "大家去项目部找过好几次，每次都说下个月给",
                "工人们都是外地和本地的农民工，家里都等着这笔钱",
                "工地上没有公示维权信息告示牌，也不知道农民工工资专用账户的事",
            ],
        )));
    } else if single {
        f.what = cx.f(p(
            rng,
            &[
                "{me}在{emp}上班{mths}，{since}辞职了，老板答应月底结清的工资{amt}到现在没给，打电话也不接",
                "{me}从{start}起在{emp}做包装工，离职时厂里扣着最后{mths}的工资{amt}不发，说是要扣押金",
            ],
        ));
    } else {
        f.what = cx.f(
            "{emp}{since}停产，{ncn}名工人的{mths}工资共{amt}没有结清，{excuse}。工人们多次到厂里讨要，老板避而不见",
        );
    }
    f.ask = cx.f(p(
        rng,
        &["帮助追讨被拖欠的工资", "督促{emp}尽快支付工资", "责成劳动监察部门介入，帮工人讨回工资"],
    ));
    f.titles = if single {
        titles(cx, &["{a}反映{emp}拖欠工资", "{emp}拖欠离职员工工资", "讨要被拖欠工资{amt}"])
    } else {
        titles(
            cx,
            &[
                "{emp}拖欠{n}名农民工工资",
                "{proj}{n}名工人讨要欠薪",
                "{a}等{n}人反映被拖欠工资{amt}",
                "反映{proj}拖欠农民工工资问题",
            ],
        )
    };
    match cx.kind {
        WageClaim => {
            let who = if workers > 1 { "{a}等{n}人" } else { "{a}" };
            let opener = if cx.first {
                p(rng, &["", "我是{vil}{res}{a}，"]).to_owned()
            } else {
                format!(
                    "{}{who}{}",
                    p(rng, &["来访人", "投诉人"]),
                    p(rng, &["反映：", "到劳动保障监察窗口反映，"])
                )
            };
            f.opener = Some(cx.f(&opener));
            if !cx.first {
                f.closing = Some(cx.f(&format!(
                    "{who}{}",
                    p(rng, &["要求尽快支付拖欠工资。", "请求劳动保障监察部门帮助追讨。"])
                )));
            }
        }
        Petition => {
            f.people = workers.max(1);
        }
        _ => {}
    }
    let paid = money(rng, owed);
    let share = rng.i64(40..=70);
    let part = money(rng, (owed * share / 100 / 100 * 100).max(100));
    cx.v.set("paid", paid);
    cx.v.set("part", part);
    let replies: &[&str] = if construction {
        &[
            "经市人社局劳动保障监察大队调查核实，{emp}确欠{n}名工人工资{paid}。经约谈，该公司已通过农民工工资专用账户足额支付，工人签字确认。",
            "经调查，{emp}拖欠工资情况属实，已下达限期改正指令书。总包单位先行垫付{part}，余款由{emp}在{days}日内付清。",
            "经{town}会同人社部门协调，{emp}与工人核对了考勤和工资数额，已分两次支付拖欠工资共{paid}。",
            "经核查，双方对工资数额存在争议，已引导工人向劳动人事争议仲裁委员会申请仲裁，并为其提供法律援助。",
        ]
    } else {
        &[
            "经市人社局劳动保障监察大队调查核实，{emp}确欠{who_n}工资{paid}。经约谈，{emp}已全额支付，工人签字确认。",
            "经调查，{emp}拖欠工资情况属实，已下达限期改正指令书，{emp}在期限内分两次付清了拖欠工资{paid}。",
            "经{town}会同人社部门协调，{emp}与工人核对了考勤和工资数额，已支付拖欠工资共{paid}。",
            "经核查，双方对工资数额存在争议，已引导当事人向劳动人事争议仲裁委员会申请仲裁，并提供法律援助。",
        ]
    };
    let reply = p(rng, replies);
    f.reply = if cx.kind == Petition { petition_reply(rng, &cx.f(reply)) } else { cx.f(reply) };
    if reply.contains("仲裁") {
        f.close = Some("已引导申请劳动仲裁，予以办结".to_owned());
    } else if cx.kind != WageClaim {
        f.close =
            Some(p(rng, &["工资已发放到位，回访满意，予以办结", "欠薪已结清，回访当事人满意"]).to_owned());
    }
    f.others.push(org_party(rng, cx, &employer));
    if boss_party {
        let boss = party(rng, cx, &cx.b.clone());
        f.others.push(boss);
    }
    f
}

fn labour(rng: &mut Rng, cx: &mut Cx) -> Facts {
    cx.applicant(rng, None, 1965, 2002);
    let firm = company(rng, &cx.town);
    cx.v.set("b", firm.clone());
    cx.v.set("yrs", cn(rng.u32(2..=12)));
    let m = rng.u32(3..=11);
    cx.v.set("mths", months_phrase(rng, m));
    cx.v.set(
        "work_injury",
        p(rng, &["右手被冲床压伤", "从货架上摔下来腰椎骨折", "左手两根手指被机器绞伤", "搬货时砸伤了脚"]),
    );
    let cases: &[Case] = &[
        (
            "解除劳动关系补偿",
            "{me}在{b}工作了{yrs}年，{since}公司以经营困难为由口头通知{me}不用来上班了，没有书面通知，也不给经济补偿",
            "{b}按规定支付经济补偿金{amt}",
            "{b}同意支付{a}经济补偿{amt2}，并补缴当月社会保险，双方解除劳动关系",
            true,
            None,
        ),
        (
            "工伤待遇",
            "{me}在{b}上班时{work_injury}，已认定为工伤，公司只付了部分医药费，停工留薪期的工资和一次性伤残补助都不肯按标准给",
            "{b}按工伤保险规定支付各项待遇{amt}",
            "{b}一次性支付{a}停工留薪期工资、一次性伤残就业补助金等共计{amt2}，{days}日内付清",
            true,
            None,
        ),
        (
            "未签劳动合同",
            "{me}进{b}已经{mths}了，公司一直没和{me}签劳动合同，也没交社保，{me}提出来以后车间主任就开始给{me}排夜班",
            "补签劳动合同、补缴社保，支付未签合同的双倍工资差额",
            "{b}与{a}补签劳动合同并补缴社会保险，支付未签合同期间工资差额{amt2}",
            true,
            None,
        ),
        (
            "加班费",
            "{me}在{b}流水线上班，每天干十一二个小时，周末也经常加班，但工资条上从来没有加班费，{me}算了一下，这{mths}少发了{amt}",
            "{b}补发加班工资",
            "{b}按考勤记录补发{a}加班工资{amt2}，今后按规定安排加班并足额支付加班费",
            true,
            None,
        ),
    ];
    // Claims differ in size: severance, injury benefits, a contract-less spell, overtime.
    let idx = rng.usize(..cases.len());
    let (lo, hi) = match idx {
        0 => (10_000, 90_000),
        1 => (30_000, 160_000),
        2 => (6_000, 48_000),
        _ => (3_000, 22_000),
    };
    set_amounts(rng, cx, lo, hi, 100);
    cx.v.set("req_lead", "经劳动保障监察大队调查约谈，双方协商一致：");
    let case = cases.get(idx).copied().unwrap_or(("", "", "", "", false, None));
    let mut f = case_with(
        rng,
        cx,
        (case.0, case.1, case.2, case.3, case.4),
        "调委会",
        "向劳动人事争议仲裁委员会申请仲裁",
    );
    if cx.kind == Petition {
        f.titles = titles(cx, &["{a}反映{b}劳动争议问题", "关于{b}劳动权益的信访"]);
    } else if cx.kind == Request {
        f.titles = titles(cx, &["投诉{b}侵害劳动权益", "反映{b}{subject}问题"]);
    }
    f.others.push(org_party(rng, cx, &firm));
    f.people = 1;
    f
}

// ---------------------------------------------------------------------------------------------
// Housing, property services, expropriation

fn property(rng: &mut Rng, cx: &mut Cx) -> Facts {
    let firm = p(rng, &["诸暨某物业服务有限公司", "浙江某物业管理有限公司", "诸暨某物业管理有限公司"]);
    cx.v.set("pm", firm);
    cx.v.set("fee1", p(rng, &["1.2", "1.5", "1.8", "2.0"]));
    cx.v.set("fee2", p(rng, &["2.2", "2.5", "2.8", "3.0"]));
    cx.v.set("rent", pick(rng, &[150u32, 200, 250, 300], 200).to_string());
    if cx.kind == Dispute {
        cx.v.set("b", firm);
        cx.v.set("b_ref", "物业公司");
        let cases: &[Case] = &[
            (
                "物业费",
                "{me}家住{estate}{bld}幢，阳台漏水报修了七八次物业都没修好，{me}家拒交了两年物业费{amt}，{b}就停了{me}家的门禁卡和车辆进出权限",
                "{b}修复漏水、恢复门禁",
                "{b}在{days}日内修复漏水并恢复门禁卡，{a}补交物业费{amt2}",
                true,
                None,
            ),
            (
                "地下车库进水",
                "连续暴雨后{estate}地下车库进水，{me}停在里面的车被泡了，定损{amt}，{b}说是天灾不肯赔，可排水泵那天根本没开",
                "{b}赔偿车辆损失",
                "{b}一次性补偿{a}车辆损失{amt2}，并对车库排水设施进行检修",
                true,
                None,
            ),
            (
                "装修押金",
                "{me}家装修完已经半年，向{b}申请退还装修押金{amt}，物业以楼道墙面有划痕为由一直拖着不退",
                "{b}退还装修押金",
                "{b}扣除墙面修补费300元后，于{days}日内退还{a}其余押金",
                true,
                None,
            ),
        ];
        let idx = rng.usize(..cases.len());
        let (lo, hi) = match idx {
            0 => (1_200, 9_000),
            1 => (8_000, 60_000),
            _ => (2_000, 5_000),
        };
        set_amounts(rng, cx, lo, hi, 100);
        let case = cases.get(idx).copied().unwrap_or(("", "", "", "", false, None));
        let mut f =
            case_with(rng, cx, (case.0, case.1, case.2, case.3, case.4), "调委会", "向人民法院提起诉讼");
        f.others.push(org_party(rng, cx, firm));
        return f;
    }
    let issues: &[(&str, &str, &str, &str)] = &[
        (
            "电梯频繁故障",
            "{me}住在{estate}{bld}幢，{since}电梯隔三差五就坏，上周还困过人，{pm}每次都说在等配件，业主们都很担心安全",
            "督促物业彻底维修电梯，公开维修情况",
            "经住建部门督促，{pm}已联系电梯维保单位全面检修，更换了故障部件，并在单元门口公示维保记录",
        ),
        (
            "物业费上涨",
            "{estate}的{pm}贴出通知，下个月起物业费从每平方米{fee1}元涨到{fee2}元，没有开业主大会，服务却越来越差，楼道卫生没人管",
            "依法规范物业费调价程序",
            "经核查，{pm}调价未履行业主共同决定程序，已责令暂停执行新标准，待依法征求业主意见后再行确定",
        ),
        (
            "公共车位收费",
            "{estate}的物业擅自把小区公共区域划成车位出租，每个月收{rent}元，业主要求公开这部分收益的去向，{pm}一直不答复",
            "公开公共区域收益并归全体业主",
            "已督促{pm}在小区公告栏公示公共车位收益及支出明细，收益纳入业主共有资金管理",
        ),
        (
            "小区绿化和卫生",
            "{estate}{since}垃圾经常隔天才清，绿化带杂草长得比人高，还有业主在绿地里种菜，{pm}也不管",
            "督促物业履行保洁和绿化养护责任",
            "已约谈{pm}负责人，督促增加保洁频次，清理绿化带杂草和毁绿种菜，{vil}将定期检查",
        ),
        (
            "维修资金使用",
            "{estate}{bld}幢外墙瓷砖脱落，{pm}说要动用专项维修资金，但报价明显偏高，也没有公开招标",
            "公开报价和施工方案，规范维修资金使用",
            "已要求{pm}重新组织比选报价，并将维修方案和费用提交业主表决，表决通过后方可申请使用维修资金",
        ),
    ];
    let fallback = ("", "", "", "");
    let (subject, told, ask, fix) = pick(rng, issues, fallback);
    cx.v.set("subject", subject);
    let mut f = Facts { people: 1, ..Facts::default() };
    f.what = cx.f(told);
    f.ask = cx.f(ask);
    if chance(rng, 40) {
        f.extras.push(cx.f(p(rng, ATTEMPTS)));
    }
    f.titles =
        titles(cx, &["反映{estate}{subject}问题", "{estate}业主反映{subject}", "投诉{estate}物业{subject}"]);
    if cx.kind == Petition {
        f.people = cx.v.get("hh").parse().unwrap_or(1);
        f.extras.insert(0, cx.f("这件事小区{hh}户业主都签了名"));
        f.titles = titles(cx, &["{estate}业主联名反映{subject}", "关于{estate}{subject}问题的信访"]);
        f.reply = petition_reply(rng, &cx.f(&format!("{fix}。")));
    } else {
        f.reply = cx.f(&format!("{fix}。"));
    }
    f.others.push(org_party(rng, cx, firm));
    f
}

fn expropriation(rng: &mut Rng, cx: &mut Cx) -> Facts {
    cx.applicant(rng, None, 1950, 1985);
    let project = p(
        rng,
        &[
            "城西安置小区二期",
            "{town}工业园区扩建项目",
            "{vil}旧村改造项目",
            "浦阳江堤防加固工程",
            "城东片区有机更新项目",
            "{town}集镇道路拓宽工程",
            "高铁站前区块征收项目",
        ],
    );
    cx.v.set("proj", cx.f(project));
    cx.v.set("area", pick(rng, &[120u32, 150, 180, 210, 260, 320], 180).to_string());
    cx.v.set("price", pick(rng, &[2800u32, 3200, 3600, 4100, 4500], 3200).to_string());
    cx.v.set("mu", rng.u32(1..=6).to_string());
    cx.v.set("crop", p(rng, &["苗木", "茶叶", "香榧", "蔬菜", "葡萄"]));
    let mths = rng.u32(14..=40);
    cx.v.set("mths", format!("{mths}个月"));
    if cx.kind == Dispute {
        set_amounts(rng, cx, 300_000, 2_400_000, 1_000);
        cx.other(rng, Some(false), 1955, 1980);
        cx.kin();
        let case = (
            "拆迁补偿款分配",
            "{me}家老屋被{proj}征收，补偿款共{amt}，兄弟{b}认为父母一直跟着自己住、老屋也是自己翻修的，应该多分，{me}不同意",
            "按继承份额平均分配补偿款",
            "扣除老人今后养老费用后，补偿款由{a}、{b}按四六比例分配，{b}多分部分用于承担父母日常照料",
            true,
        );
        let mut f = case_with(rng, cx, case, "调委会", "向人民法院起诉");
        let b = party(rng, cx, &cx.b.clone());
        f.others.push(b);
        return f;
    }
    let issues: &[(&str, &str, &str, &str, bool)] = &[
        (
            "房屋征收补偿标准",
            "{me}家在{proj}征收范围内，房屋{area}平方米，评估公司给出的价格每平方米只有{price}元，比相邻村去年的标准低了不少，评估时也没有通知{me}家到场",
            "重新评估，按统一标准补偿",
            "该项目补偿标准经公示执行，评估机构由被征收人投票选定，程序合法。对评估结果有异议的，可申请复核评估；已告知{a}申请途径，复核评估已受理",
            false,
        ),
        (
            "过渡费停发",
            "{me}家按协议搬出老房子已经{mths}了，当初说两年内交付安置房，现在安置房还没交付，过渡费也停发{mths_stopped}了，一共欠了{amt}",
            "补发过渡费，公布安置房交付时间",
            "{proj}安置房因规划调整延期交付，过渡费已恢复发放，并补发欠付部分{amt}，安置房预计明年下半年交付",
            true,
        ),
        (
            "青苗补偿款",
            "{proj}征用了{me}家{mu}亩承包地，地上的{crop}青苗补偿费{amt}，{org}到现在都没有发到{me}手里",
            "尽快发放青苗补偿款",
            "该笔青苗补偿款已由{town}拨付至村集体账户，因核对面积延误发放，已督促{vil}于{days}日内发放到户",
            true,
        ),
        (
            "安置人口认定",
            "{me}家户口在册五人，按政策应该安置五个人的面积，但拆迁办只认定了四人，说{me}儿媳的户口迁入时间晚于冻结日，可她是冻结前就结婚了",
            "重新认定安置人口",
            "经核查户籍档案，{a}儿媳户口迁入时间确在冻结日之后，但结婚登记在冻结日之前，经项目指挥部研究，符合安置条件，已纳入安置人口",
            false,
        ),
    ];
    let fallback = ("", "", "", "", false);
    let (subject, told, ask, fix, money_claim) = pick(rng, issues, fallback);
    cx.v.set("subject", subject);
    let amount = if subject == "过渡费停发" {
        let stopped = rng.u32(4..=12);
        let monthly = yuan(rng, 1_200, 3_600, 100);
        cx.v.set("mths_stopped", months_phrase(rng, stopped));
        i64::from(stopped) * monthly
    } else {
        let mu: i64 = cx.v.get("mu").parse().unwrap_or(1);
        mu * yuan(rng, 3_000, 12_000, 100)
    };
    let amount_text = money(rng, amount);
    cx.v.set("amt", amount_text);
    let mut f = Facts { people: 1, ..Facts::default() };
    f.what = cx.f(told);
    f.ask = cx.f(ask);
    f.extras.push(cx.f(p(rng, ATTEMPTS)));
    if money_claim {
        f.amount_yuan = Some(amount);
    }
    f.titles = titles(
        cx,
        if cx.kind == Petition {
            &["{a}反映{proj}{subject}问题", "关于{proj}{subject}的信访", "{vil}{res}反映{subject}问题"]
        } else {
            &["反映{proj}{subject}问题", "咨询{proj}{subject}问题", "{vil}{res}反映{subject}问题"]
        },
    );
    if chance(rng, 30) {
        f.people = cx.v.get("hh").parse::<u32>().unwrap_or(1) + 1;
        f.extras.insert(0, cx.f("同样情况的还有{hh}户"));
    }
    f.reply = if cx.kind == Petition {
        petition_reply(rng, &cx.f(&format!("{fix}。")))
    } else {
        cx.f(&format!("经{{town}}核实，{fix}。"))
    };
    f
}

fn housing(rng: &mut Rng, cx: &mut Cx) -> Facts {
    cx.v.set("rent", pick(rng, &[900u32, 1200, 1500, 1800], 1200).to_string());
    cx.v.set("pos", rng.u32(3..=60).to_string());
    cx.v.set("proj", project(rng, cx));
    let subsidy = set_amounts(rng, cx, 15_000, 45_000, 1_000);
    let issues: &[(&str, &str, &str, &str, bool)] = &[
        (
            "公租房申请",
            "{me}在城区打工好几年了，一家三口租房住，每个月房租{rent}元，申请公租房已经快一年了，一直说在轮候，也不知道排到第几",
            "告知轮候进度，尽快安排配租",
            "经市住建局核查，{a}家庭已通过公租房资格审核，目前在轮候序列第{pos}位，预计半年内可安排配租；轮候期间可申请租赁补贴",
            false,
        ),
        (
            "农村危房改造",
            "{me}家的老房子是七十年代建的泥墙房，{since}墙体开裂、屋顶漏雨，{me}家是低保户，没钱修，申请危房改造一直没有批下来",
            "尽快鉴定并纳入危房改造",
            "经{town}组织鉴定，该房屋为C级危房，已纳入今年农村困难家庭危房改造计划，补助资金{amt}，预计两个月内开工",
            true,
        ),
        (
            "安置房办证",
            "{me}家好几年前就分到了{proj}的安置房，到现在产权证一直办不下来，孩子上学、抵押贷款都受影响，同一批的{hh}户都是这样",
            "尽快办理不动产权证",
            "因该项目土地手续补办延误，经多部门协调，已完成土地出让手续，不动产首次登记已办结，{hh}户业主可分批办理不动产权证",
            false,
        ),
        (
            "人才租房补贴",
            "{me}是去年引进的技术人员，按政策可以申请租房补贴，材料交上去两个多月了，一直没有消息",
            "尽快审核发放租房补贴",
            "经核查，{a}的申请材料已审核通过，因部门间数据核验延误，补贴已于本月发放到账",
            false,
        ),
    ];
    let fallback = ("", "", "", "", false);
    let (subject, told, ask, fix, money_claim) = pick(rng, issues, fallback);
    cx.v.set("subject", subject);
    let mut f = Facts { people: 1, ..Facts::default() };
    f.what = cx.f(told);
    f.ask = cx.f(ask);
    if money_claim {
        f.amount_yuan = Some(subsidy);
    }
    if subject == "安置房办证" {
        f.people = cx.v.get("hh").parse().unwrap_or(1);
    }
    if chance(rng, 50) {
        f.extras.push(cx.f(p(rng, ATTEMPTS)));
    }
    f.titles =
        titles(cx, &["{a}反映{subject}问题", "关于{subject}的{kindword}", "{vil}{res}反映{subject}进展"]);
    f.titles
        .iter_mut()
        .for_each(|t| *t = t.replace("{kindword}", if cx.kind == Petition { "信访" } else { "诉求" }));
    f.reply = if cx.kind == Petition {
        petition_reply(rng, &cx.f(&format!("{fix}。")))
    } else {
        cx.f(&format!("{fix}。"))
    };
    f
}

// ---------------------------------------------------------------------------------------------
// Social security, consumers, education, policy enquiries

fn social_security(rng: &mut Rng, cx: &mut Cx) -> Facts {
    cx.applicant(rng, None, 1950, 1975);
    cx.v.set("yrs", cn(rng.u32(3..=8)));
    cx.v.set("rel", p(rng, &["母亲", "父亲", "爱人", "孩子"]));
    let amount = set_amounts(rng, cx, 12_000, 160_000, 100);
    let relief = yuan(rng, 1_000, 5_000, 500);
    let relief = money(rng, relief);
    cx.v.set("relief", relief);
    let issues: &[(&str, &str, &str, &str, bool)] = &[
        (
            "养老保险缴费记录缺失",
            "{me}今年{age}岁，九十年代在乡镇企业上班时单位给{me}交过{yrs}年养老保险，现在社保系统里查不到这几年的记录，影响{me}的退休待遇",
            "核实并补录缴费记录",
            "经市社保中心调取原单位档案和缴费凭证，确认{a}缺失的缴费记录属实，已补录{yrs}年缴费年限，养老金待遇已重新核定",
            false,
        ),
        (
            "低保申请",
            "{me}家{hardship}，家庭十分困难，申请低保被{org}退了回来，说条件不够，{me}想知道到底是哪一条不符合",
            "说明不予批准的理由，重新审核",
            "经{town}社会救助所入户核查，{a}家庭人均收入略高于本市低保标准，暂不符合低保条件；鉴于其实际困难，已给予临时救助{relief}，并纳入低收入家庭动态监测",
            false,
        ),
        (
            "异地就医报销",
            "{me}{rel}在杭州住院花了{amt}，回来报销时说没有办理异地就医备案，只能降低比例报销，可当时是急诊转院，根本来不及备案",
            "按急诊转院情况正常报销",
            "经市医保局核实，{a}{rel}属急诊转院，符合补办备案条件，已为其补办备案并按规定比例重新结算",
            true,
        ),
        (
            "残疾人补贴停发",
            "{me}的孩子是二级肢体残疾，残疾人两项补贴{since}突然停发了，{me}问了{org}也说不清楚原因",
            "查明原因，恢复发放补贴",
            "经核查，因残疾证到期换证信息未及时同步导致补贴暂停，现已恢复发放并补发停发期间的补贴",
            false,
        ),
        (
            "被征地农民养老保障",
            "{me}家的承包地好多年前就被征用了，当时说可以参加被征地农民养老保障，到现在也没办下来，{me}已经过了60岁",
            "落实被征地农民养老保障待遇",
            "经核查征地档案，{a}属被征地农民，符合参保条件，已办理参保缴费手续，自次月起按月领取养老待遇",
            false,
        ),
    ];
    let fallback = ("", "", "", "", false);
    let (subject, told, ask, fix, money_claim) = pick(rng, issues, fallback);
    cx.v.set("subject", subject);
    cx.v.set(
        "hardship",
        p(
            rng,
            &["丈夫去年因病去世", "老伴瘫痪在床好几年", "儿子患尿毒症要长期透析", "{me}自己做过两次大手术"],
        ),
    );
    let mut f = Facts { people: 1, ..Facts::default() };
    f.what = cx.f(told);
    f.ask = cx.f(ask);
    if money_claim {
        f.amount_yuan = Some(amount);
    }
    if chance(rng, 50) {
        f.extras.push(cx.f(p(rng, ATTEMPTS)));
    }
    f.titles = titles(cx, &["{a}反映{subject}问题", "反映{subject}", "关于{subject}问题的反映"]);
    f.reply = if cx.kind == Petition {
        petition_reply(rng, &cx.f(&format!("{fix}。")))
    } else {
        cx.f(&format!("{fix}。"))
    };
    f
}

fn consumer(rng: &mut Rng, cx: &mut Cx) -> Facts {
    let shop = p(rng, &["健身房", "美容店", "理发店", "儿童游泳馆", "洗车店"]);
    cx.v.set("shop", shop);
    cx.v.set("appl", p(rng, &["冰箱", "洗衣机", "空调", "热水器", "电视机"]));
    cx.v.set("food", p(rng, &["牛奶", "饼干", "火腿肠", "酸奶", "面包"]));
    cx.v.set("crop", p(rng, &["水稻", "玉米", "西瓜", "番茄"]));
    let seller = match shop {
        "健身房" => "{road}某健身房",
        "美容店" => "{road}某美容店",
        _ => "{town}某个体商户",
    };
    if cx.kind == Dispute {
        let firm = format!("诸暨某{}有限公司", p(rng, &["装饰工程", "家居", "建筑装饰"]));
        cx.v.set("b", firm.clone());
        cx.v.set("b_ref", "装修公司");
        let contract = set_amounts(rng, cx, 60_000, 260_000, 1_000);
        let pct = rng.i64(3..=10);
        let relief = money(rng, (contract * pct / 100 / 100 * 100).max(100));
        cx.v.set("amt2", relief);
        let case = (
            "装修质量",
            "{me}家装修请了{b}，合同价{amt}，现在工期已经拖了{k}个月，还有瓷砖空鼓、墙面开裂等问题，装修公司一直拖着不来返工",
            "{b}返工整改，赔偿延期损失",
            "{b}于{days}日内完成瓷砖和墙面返工，并减免尾款{amt2}以抵延期损失",
            true,
        );
        let mut f = case_with(rng, cx, case, "调委会", "向人民法院提起诉讼");
        f.amount_yuan = None;
        f.others.push(org_party(rng, cx, &firm));
        return f;
    }
    cx.v.set("dur2", p(rng, &["一个月", "两个星期", "三个月"]));
    let issues: &[(&str, &str, &str, &str)] = &[
        (
            "预付卡退费",
            "{me}在{seller}办了一张{amt}的会员卡，才用了{k}次，店就关门了，老板电话也打不通，同样办卡的还有不少人",
            "帮助追回卡内余额",
            "经{town}市场监管所调查，已联系上该店经营者，其承诺{days}日内按剩余次数退还会员卡余额，已登记涉及消费者信息",
        ),
        (
            "家电质量",
            "{me}{month}月在{town}的一家电器店买了一台{appl}，花了{amt}，用了不到{dur2}就坏了，商家说要寄回厂家检测，一个月了还没有结果",
            "督促商家退货或换新",
            "经{town}市场监管所调解，商家同意为消费者更换同型号新机，消费者表示接受",
        ),
        (
            "超市销售过期食品",
            "{me}在{vil}附近的一家超市买了{food}，回家发现已经过期好几天了，找超市要求赔偿，超市只同意退货",
            "依法查处并给予赔偿",
            "经{town}市场监管所现场核实，该超市确有销售过期食品的行为，已依法立案调查；经调解，超市退还货款并赔偿消费者1000元",
        ),
        (
            "种子质量",
            "{me}在{town}一家农资店买的{crop}种子，种下去出苗率不到一半，{k}亩地的收成都受了影响，农资店说是{me}自己没种好",
            "检测种子质量，赔偿损失",
            "经农业农村局委托检测，该批种子发芽率不符合标准，经调解，农资店退还种子款并赔偿损失",
        ),
        (
            "快递丢件",
            "{me}在网上买了一件价值{amt}的东西，物流显示已签收，但{me}根本没收到，{town}的快递点说不清楚去向，也不肯赔",
            "督促快递点查找或赔偿",
            "经市邮政管理部门协调，快递企业核实为快递点误投，已按物品价值赔偿消费者",
        ),
    ];
    let fallback = ("", "", "", "");
    let (subject, told, ask, fix) = pick(rng, issues, fallback);
    let small = match subject {
        "预付卡退费" => yuan(rng, 600, 9_800, 100),
        "家电质量" => yuan(rng, 1_500, 8_800, 100),
        _ => yuan(rng, 150, 3_000, 10),
    };
    let small_text = money(rng, small);
    cx.v.set("amt", small_text);
    cx.v.set("seller", cx.f(seller));
    cx.v.set("subject", subject);
    let mut f = Facts { people: 1, amount_yuan: Some(small), ..Facts::default() };
    if subject == "种子质量" || subject == "超市销售过期食品" {
        f.amount_yuan = None;
    }
    f.what = cx.f(told);
    f.ask = cx.f(ask);
    f.titles = titles(cx, &["投诉{subject}问题", "消费者反映{subject}纠纷", "{town}消费者投诉{subject}"]);
    f.reply = cx.f(&format!("{fix}。"));
    f.close = Some(
        p(rng, &["消费者已拿到退赔款，回访满意", "回访消费者，对处理结果满意", "调解成功，消费者表示认可"])
            .to_owned(),
    );
    f
}

fn education(rng: &mut Rng, cx: &mut Cx) -> Facts {
    cx.applicant(rng, None, 1978, 1996);
    cx.v.set("school", p(rng, &["{town}中心小学", "{town}中学", "{town}中心幼儿园", "城区某小学"]));
    cx.v.set("km", rng.u32(3..=9).to_string());
    let fee = yuan(rng, 800, 12_000, 100);
    let fee_text = money(rng, fee);
    cx.v.set("amt", fee_text);
    let mut f = Facts { people: 1, ..Facts::default() };
    if cx.kind == Petition {
        cx.applicant(rng, None, 1950, 1960);
        f.what = cx.f("{me}八十年代在{vil}小学当过{k}年民办代课教师，听说有原民办代课教师生活补助的政策，材料交上去快一年了，一直没有结果");
        f.ask = cx.f("核实代课经历，落实生活补助");
        f.titles = titles(cx, &["{a}反映原代课教师生活补助问题", "关于原民办代课教师待遇的信访"]);
        f.reply = petition_reply(
            rng,
            &cx.f("经市教育体育局调取档案并走访原学校，确认{a}在{vil}小学任代课教师{k}年，符合生活补助条件，已按规定核发补助。"),
        );
        return f;
    }
    let issues: &[(&str, &str, &str, &str, bool)] = &[
        (
            "孩子入学",
            "{me}家孩子今年要上一年级，户口在{vil}，房子买在城区，{me}想知道孩子应该在哪个学校报名，需要准备什么材料",
            "告知入学政策和报名材料",
            "已告知来电人：义务教育阶段按户籍和房产学区入学，城区房产需满足“房户一致”条件，具体报名材料以市教育体育局招生公告为准",
            false,
        ),
        (
            "学生上学路远",
            "{vil}到{school}有{km}公里山路，没有校车，孩子每天天不亮就要出门，遇到下雨天很不安全",
            "开通校车或增加公交班次",
            "经市教育体育局和交通运输局研究，已在上下学时段增开{vil}至{school}的定制公交，每天往返各两班",
            false,
        ),
        (
            "课后服务收费",
            "{school}的课后托管服务一学期收费{amt}，家长们觉得收费标准不透明，也不清楚能不能不参加",
            "公开收费标准，尊重家长自愿",
            "经核查，{school}课后服务收费按物价部门核定标准执行，坚持家长自愿参加，已要求学校在家长群公示收费依据和服务内容",
            true,
        ),
        (
            "培训机构停课退费",
            "{me}给孩子在{road}一家培训机构报了一年的课，交了{amt}，上了不到一半机构就突然停课了，老板不肯退钱",
            "督促培训机构退还剩余课时费",
            "经市教育体育局会同市场监管部门约谈该机构负责人，机构已按剩余课时退还学费",
            true,
        ),
        (
            "学校食堂",
            "{me}家孩子在{school}读书，孩子回来说食堂饭菜经常是冷的，分量也少，有时候吃不饱",
            "加强学校食堂管理",
            "经市教育体育局督查，已要求{school}食堂改进保温设施、调整菜谱，并邀请家长代表参与陪餐监督",
            false,
        ),
    ];
    let fallback = ("", "", "", "", false);
    let (subject, told, ask, fix, money_claim) = pick(rng, issues, fallback);
    cx.v.set("subject", subject);
    f.what = cx.f(told);
    f.ask = cx.f(ask);
    if money_claim {
        f.amount_yuan = Some(fee);
    }
    f.titles = titles(cx, &["反映{subject}问题", "{vil}家长反映{subject}", "关于{subject}的诉求"]);
    f.reply = cx.f(&format!("{fix}。"));
    f
}

fn consultation(rng: &mut Rng, cx: &mut Cx) -> Facts {
    cx.v.set("mu", rng.u32(2..=20).to_string());
    let topics: &[(&str, &str, &str)] = &[
        (
            "农村建房审批手续",
            "{me}家在{vil}的老房子想拆了重建，想问一下农村建房需要办哪些手续，到哪里去申请",
            "村民建房需先向村集体经济组织提出书面申请，经村民代表会议讨论通过并公示后，报{town}审批，同时办理乡村建设规划许可，具体可到{town}便民服务中心咨询",
        ),
        (
            "城乡居民医保缴费",
            "{me}想问一下今年城乡居民医保什么时候开始交，在哪里交，家里老人能不能代交",
            "城乡居民医保可通过“浙里办”、合作银行或村社代办点缴纳，家属可代为缴费，缴费期和标准以当年公告为准",
        ),
        (
            "灵活就业人员社保",
            "{me}从原单位离职了，暂时没有找到新工作，社保想自己接着交，应该到哪里办",
            "离职后可以灵活就业人员身份参保，可通过“浙里办”或到市社保中心窗口办理，需携带身份证，缴费基数可在规定范围内自选",
        ),
        (
            "高龄津贴申领",
            "{me}父亲今年满80周岁了，听说有高龄津贴，想问一下怎么申请，要带什么材料",
            "本市户籍年满80周岁的老年人可申领高龄津贴，由本人或家属携带身份证、户口簿到{town}便民服务中心申请，审核通过后按月发放",
        ),
        (
            "种粮补贴",
            "{me}家今年种了{mu}亩水稻，想问种粮补贴是怎么发的，要不要自己申报",
            "种粮补贴由村里统一登记种植面积，经{town}核实公示后，通过惠农补贴“一卡通”发放，面积有出入可向{org}反映",
        ),
        (
            "公积金租房提取",
            "{me}在城区租房住，想问租房提取住房公积金需要什么材料，一年能提几次",
            "无自有住房的职工可按规定提取公积金支付房租，可通过“浙里办”线上申请，提取额度和频次按公积金中心现行规定执行",
        ),
        (
            "小店证照办理",
            "{me}想在{vil}开一家小超市，想问营业执照和食品经营许可证要怎么办，能不能一起办",
            "可通过“浙里办”或到{town}便民服务中心市场监管窗口申请，营业执照和食品经营许可可一并提交，材料齐全当场受理",
        ),
        (
            "孩子户口迁入",
            "{me}家孩子在外地出生，户口想落到{town}，想问需要哪些材料，要不要本人到场",
            "新生儿可凭出生医学证明、父母户口簿和身份证到户籍所在地派出所申报出生登记，部分业务可通过“浙里办”线上办理",
        ),
        (
            "残疾证办理",
            "{me}家老人中风后行动不便，想给他办残疾证，不知道要先去哪里做鉴定",
            "可携带身份证、户口簿和近期照片到{town}残联专职委员处申请，由指定医院进行残疾评定，评定后发放残疾证",
        ),
        (
            "育儿补贴政策",
            "{me}家去年生了二胎，想问现在有什么育儿补贴，需不需要申请",
            "育儿补贴按国家和省市现行政策执行，符合条件的家庭可通过“浙里办”或到{town}便民服务中心申请，具体标准以相关部门公布为准",
        ),
    ];
    let fallback = ("", "", "");
    let (subject, question, answer) = pick(rng, topics, fallback);
    cx.v.set("subject", subject);
    let mut f = Facts { people: 1, ..Facts::default() };
    f.what = cx.f(question);
    f.closing = Some(
        if cx.first {
            p(rng, &["麻烦告知一下，谢谢。", "希望工作人员解答。", "请告知具体流程。"])
        } else {
            p(
                rng,
                &["来电人希望得到详细解答。", "请告知办理流程和所需材料。", "来电人希望工作人员回电解答。"],
            )
        }
        .to_owned(),
    );
    f.titles = titles(cx, &["咨询{subject}", "咨询{subject}政策", "关于{subject}的咨询"]);
    f.reply = cx.f(&format!(
        "{}{answer}。",
        p(rng, &["已电话答复来电人：", "已告知来电人：", "经电话联系，已向来电人解答："])
    ));
    f.close = Some(
        p(rng, &["已答复来电人，回访满意", "政策已解答清楚，来电人满意", "已解答，予以办结"]).to_owned(),
    );
    f
}

// ---------------------------------------------------------------------------------------------
// What a mediation records: sessions, rights, risks, failures, visits, closing notes

/// Where a session is held: the committee's room, the village's, or on the spot; a county
/// professional committee sits in its own room or the county's centre.
pub fn session_place(rng: &mut Rng, committee: &str, township: &str, village: &str, county: bool) -> String {
    let village_room = || {
        if village.ends_with("社区") {
            format!("{village}居委会会议室")
        } else {
            format!("{village}村委会会议室")
        }
    };
    match (county, rng.u8(..10)) {
        (true, 0..=6) | (false, 0..=4) => format!("{committee}调解室"),
        (true, _) => "诸暨市社会治理中心调解室".into(),
        (false, 5 | 6) => format!("{township}社会治理中心调解室"),
        (false, 7 | 8) => village_room(),
        (false, _) => "纠纷现场".into(),
    }
}

/// Who took part in a session.
pub fn participants(rng: &mut Rng, m: &MediationText, village: &str, committee: &str) -> String {
    let extra = match rng.u8(..10) {
        0 | 1 => format!("；列席：{village}干部"),
        2 => format!("；陪同：{}的家属", m.applicant),
        3 => "；列席：网格员".into(),
        _ => String::new(),
    };
    format!("申请人{}，被申请人{}；主持：{committee}调解员{extra}", m.applicant, m.respondent)
}

/// The record of session `n` (from 0) of `of`; the last one of an agreed mediation ends in the
/// agreement, of a failed one in the stalemate. With the mediator's proposal where one was made.
pub fn session_record(
    rng: &mut Rng,
    m: &MediationText,
    (n, of): (usize, usize),
    agreed: bool,
    again: bool,
) -> (String, Option<String>) {
    let (a, b) = (&m.applicant, &m.respondent);
    let opening = if n == 0 && again {
        format!("纠纷反弹后，调解员再次召集双方，听取{a}对协议履行情况的意见及{b}的解释，分析分歧所在。")
    } else if n == 0 {
        format!(
            "调解员核对双方身份，告知调解规则后，听取双方陈述。{a}陈述：{}{b}对部分事实提出异议。",
            m.facts
        )
    } else {
        p(
            rng,
            &[
                "调解员与双方分别进行背对背沟通，了解各自底线。",
                "调解员结合前次调解情况，向双方释明相关法律规定及诉讼成本。",
                "调解员会同村干部再次到现场查看，并与双方逐项核对分歧。",
            ],
        )
        .to_owned()
    };
    let last = n + 1 == of;
    let close = match (last, agreed) {
        (true, true) => format!("经释法说理、反复协商，双方就{}问题达成一致意见。", m.subject),
        (true, false) => format!("双方各执己见，分歧较大，{b}不同意调解员提出的方案。"),
        (false, _) => p(
            rng,
            &[
                "双方意见有所接近，约定再行调解。",
                "双方仍有分歧，调解员要求双方各自考虑后再谈。",
                "双方情绪有所缓和，同意继续调解。",
            ],
        )
        .to_owned(),
    };
    let proposal = (last || chance(rng, 40)).then(|| format!("调解员提出调解方案：{}。", m.deal));
    (format!("{opening}{close}"), proposal)
}

/// The note of the parties being told their rights and duties, if one is written.
pub fn rights_note(rng: &mut Rng) -> Option<String> {
    let notes = [
        "已口头告知双方当事人人民调解的性质、原则和效力，以及当事人在调解活动中享有的权利和承担的义务。",
        "已向双方送达《人民调解当事人权利义务告知书》，双方签字确认。",
        "已告知双方当事人权利义务，双方表示自愿接受调解。",
    ];
    chance(rng, 85).then(|| p(rng, &notes).to_owned())
}

/// A risk of violence, and to whom it went.
pub fn risk(rng: &mut Rng, m: &MediationText, township: &str) -> (String, String) {
    let b = &m.respondent;
    let a = &m.applicant;
    let what = p(
        rng,
        &[
            "调解过程中双方情绪激动，{b}扬言要上门讨说法，存在矛盾激化风险",
            "{a}多次表示“调解不成就和对方拼了”，情绪极不稳定，存在民转刑风险",
            "双方在调解室外发生推搡，经劝离后暂时平息，矛盾仍有激化可能",
        ],
    );
    let station = format!("{}派出所", police_short(township));
    (
        what.replace("{a}", a).replace("{b}", b) + "。已安排专人跟踪稳控。",
        format!("{station}、{township}社会治理中心"),
    )
}

/// 诸暨市公安局枫桥派出所 for 枫桥镇.
pub fn police_station(township: &str) -> String {
    format!("诸暨市公安局{}派出所", police_short(township))
}

fn police_short(township: &str) -> &str {
    ["街道", "镇", "乡"].iter().find_map(|s| township.strip_suffix(s)).unwrap_or(township)
}

/// Why mediation failed, after `sessions` sessions.
pub fn failure_reason(rng: &mut Rng, m: &MediationText, sessions: usize) -> String {
    let times = cn(sessions as u32);
    let why = p(
        rng,
        &[
            "双方对赔偿数额分歧较大",
            "{b}不认可{a}主张的事实",
            "双方各执己见，均不愿让步",
            "{b}坚持要求通过法律途径解决",
        ],
    )
    .replace("{a}", &m.applicant)
    .replace("{b}", &m.respondent);
    format!("经{times}次调解，{why}，未能达成协议。已告知当事人可{}。", m.fail_route)
}

/// Why a party refused mediation.
pub fn refusal_reason(rng: &mut Rng, m: &MediationText) -> String {
    p(
        rng,
        &[
            "被申请人{b}明确表示不同意调解，要求通过诉讼解决。",
            "{b}经调解员多次联系，表示不接受人民调解。",
            "{b}认为自己没有过错，拒绝参加调解。",
        ],
    )
    .replace("{b}", &m.respondent)
}

/// A note on a term performed, sometimes.
pub fn performance_note(rng: &mut Rng, manner: &str) -> Option<String> {
    if !chance(rng, 60) {
        return None;
    }
    Some(
        match manner {
            "银行转账" => {
                p(rng, &["款项已通过银行转账支付，收款方已确认到账。", "已转账支付，附转账凭证。"])
            }
            "现场拆除" => "已现场拆除完毕，调解员到场查看确认。",
            "当面赔礼道歉" => "已在调解员见证下当面赔礼道歉。",
            _ => p(rng, &["经回访确认已履行。", "当事人电话告知已履行，调解员核实无误。"]),
        }
        .to_owned(),
    )
}

/// What a follow-up visit notes: `performed` all, some (`partial`) or none.
pub fn visit_note(rng: &mut Rng, m: &MediationText, performed: bool, partial: bool) -> Option<String> {
    let note = if performed {
        if !chance(rng, 70) {
            return None;
        }
        p(
            rng,
            &[
                "回访双方，协议已履行，双方关系已缓和。",
                "电话回访{a}，对调解结果表示满意。",
                "上门回访，协议履行情况良好，未见反复。",
            ],
        )
    } else if partial {
        p(
            rng,
            &[
                "{b}已履行部分义务，余下部分承诺尽快履行，调解员继续跟踪。",
                "{a}反映{b}履行不及时，调解员已督促{b}按约履行。",
            ],
        )
    } else {
        p(
            rng,
            &[
                "{b}尚未履行协议，调解员已督促其限期履行，并告知{a}可依法申请强制执行或起诉。",
                "协议尚未履行，调解员再次做{b}的工作。",
            ],
        )
    };
    Some(note.replace("{a}", &m.applicant).replace("{b}", &m.respondent))
}

/// Why the dispute came back after the agreement.
pub fn relapse_reason(rng: &mut Rng, m: &MediationText) -> String {
    p(
        rng,
        &[
            "回访中{a}反映双方因{subject}问题再次发生争执，要求重新调解。",
            "{b}未按协议履行，双方矛盾再起，{a}申请再次调解。",
            "双方对协议条款的理解产生分歧，纠纷出现反弹。",
        ],
    )
    .replace("{a}", &m.applicant)
    .replace("{b}", &m.respondent)
    .replace("{subject}", &m.subject)
}

/// The note the township closes a mediated dispute with.
pub fn mediated_close(rng: &mut Rng, performed: bool) -> String {
    if performed {
        p(
            rng,
            &[
                "协议已履行完毕，回访双方无异议，予以销号",
                "回访双方，协议履行正常，予以销号",
                "协议已履行，回访当事人满意，予以办结",
            ],
        )
    } else {
        "协议部分未履行，已告知当事人可依法向人民法院起诉或申请强制执行，予以销号"
    }
    .to_owned()
}

/// Why the court rejected the application for confirmation.
pub const JUDICIAL_REJECTED: &str = "经审查，调解协议部分内容超出当事人处分范围，裁定驳回申请；当事人可通过调解变更原协议或者向人民法院提起诉讼。";

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const TOWNS: &[(&str, &str)] = &[
        ("枫桥镇", "枫源村"),
        ("暨阳街道", "西施殿社区"),
        ("大唐街道", "庙下村"),
        ("山下湖镇", "新桔城村"),
        ("店口镇", "江东社区"),
        ("东和乡", "东和村"),
    ];

    fn sample(seed: u64, n: usize) -> Vec<Grievance> {
        let mut rng = fastrand::Rng::with_seed(seed);
        (0..n)
            .map(|i| {
                let (t, v) = TOWNS[i % TOWNS.len()];
                compose(&mut rng, &Place { township: t, village: v })
            })
            .collect()
    }

    fn valid_id(id: &str) -> bool {
        let b = id.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) || !id.starts_with("330681") {
            return false;
        }
        let year: i32 = id[6..10].parse().unwrap();
        let month: u32 = id[10..12].parse().unwrap();
        let day: u32 = id[12..14].parse().unwrap();
        if !(1950..=2004).contains(&year) || !(1..=12).contains(&month) {
            return false;
        }
        if day < 1 || day > days_in_month(year, month) {
            return false;
        }
        const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = b[..17].iter().zip(W).map(|(d, w)| u32::from(d - b'0') * w).sum();
        b"10X98765432"[(sum % 11) as usize] == b[17]
    }

    fn valid_phone(p: &str) -> bool {
        let b = p.as_bytes();
        b.len() == 11 && b.iter().all(u8::is_ascii_digit) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
    }

    #[test]
    fn categories_cover_and_stay_in_list() {
        let codes: HashSet<&str> = CATEGORIES.iter().map(|c| c.0).collect();
        assert_eq!(codes.len(), 19);
        let seen: HashSet<&str> = sample(1, 5_000).iter().map(|g| g.category).collect();
        for g in sample(2, 2_000) {
            assert!(codes.contains(g.category), "{}", g.category);
        }
        for c in &codes {
            assert!(seen.contains(c), "category {c} never produced");
        }
        for (c, _, _) in MIX {
            assert!(codes.contains(c));
        }
    }

    #[test]
    fn kind_mix_is_reasonable() {
        let all = sample(3, 10_000);
        let share = |k: DemoKind| all.iter().filter(|g| g.kind == k).count() as f64 / all.len() as f64;
        let bounds = [
            (Request, 0.34, 0.46),
            (Dispute, 0.20, 0.30),
            (GridEvent, 0.11, 0.19),
            (Petition, 0.08, 0.16),
            (WageClaim, 0.05, 0.11),
        ];
        for (k, lo, hi) in bounds {
            let s = share(k);
            assert!((lo..=hi).contains(&s), "{k:?} {s}");
        }
    }

    #[test]
    fn fields_are_well_formed() {
        let mut ids = 0;
        let mut persons = 0;
        for g in sample(4, 5_000) {
            let (t, b, r) = (len(&g.title), len(&g.body), len(&g.reply));
            assert!((8..=40).contains(&t), "title {t}: {}", g.title);
            assert!((40..=400).contains(&b), "body {b}: {}", g.body);
            assert!((30..=200).contains(&r), "reply {r}: {}", g.reply);
            assert!(!g.close_note.is_empty() && len(&g.close_note) <= 60, "{}", g.close_note);
            for text in [&g.title, &g.body, &g.reply, &g.close_note] {
                assert!(!text.contains('{') && !text.contains('}'), "unfilled slot: {text}");
            }
            assert!(g.people_involved >= 1);
            assert!((1..=3).contains(&g.parties.len()), "{}", g.parties.len());
            if let Some(a) = g.amount_fen {
                assert!(a > 0 && a % 100 == 0);
            }
            if g.kind == WageClaim {
                assert!(g.amount_fen.is_some());
            }
            for p in &g.parties {
                assert!(valid_phone(&p.phone), "{}", p.phone);
                assert!(!p.name.is_empty() && !p.name.chars().any(|c| c.is_ascii_digit()), "{}", p.name);
                assert!(p.address.starts_with("诸暨市"), "{}", p.address);
                if let Some(id) = &p.id_card {
                    assert!(valid_id(id), "{id}");
                    ids += 1;
                }
                if !p.name.contains("公司") && !p.name.contains('某') {
                    persons += 1;
                }
            }
        }
        let ratio = ids as f64 / persons as f64;
        assert!((0.5..=0.7).contains(&ratio), "{ratio}");
    }

    #[test]
    fn deterministic_for_a_seed() {
        let a = sample(7, 300);
        let b = sample(7, 300);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.title, y.title);
            assert_eq!(x.body, y.body);
            assert_eq!(x.reply, y.reply);
            assert_eq!(x.parties.first().map(|p| &p.name), y.parties.first().map(|p| &p.name));
        }
        let c = sample(8, 300);
        assert!(a.iter().zip(&c).any(|(x, y)| x.body != y.body));
    }

    #[test]
    fn bodies_are_varied() {
        let all = sample(5, 5_000);
        let bodies: HashSet<&str> = all.iter().map(|g| g.body.as_str()).collect();
        assert!(bodies.len() >= 3_000, "{}", bodies.len());
        let titles: HashSet<&str> = all.iter().map(|g| g.title.as_str()).collect();
        assert!(titles.len() >= 1_000, "{}", titles.len());
    }

    #[test]
    fn places_appear_in_texts() {
        let mut rng = fastrand::Rng::with_seed(9);
        let place = Place { township: "枫桥镇", village: "枫源村" };
        let mentions = (0..1_000)
            .map(|_| compose(&mut rng, &place))
            .filter(|g| g.body.contains("枫源村") || g.body.contains("枫桥镇") || g.title.contains("枫源村"))
            .count();
        assert!(mentions > 500, "{mentions}");
    }

    #[test]
    fn odd_places_do_not_break_bounds() {
        let mut rng = fastrand::Rng::with_seed(10);
        let place = Place { township: "某某某某某某街道", village: "某某某某某某某某社区" };
        for _ in 0..2_000 {
            let g = compose(&mut rng, &place);
            assert!((8..=40).contains(&len(&g.title)), "{}", g.title);
            assert!((40..=400).contains(&len(&g.body)));
            assert!((30..=200).contains(&len(&g.reply)));
        }
        let empty = Place { township: "", village: "" };
        for _ in 0..500 {
            let g = compose(&mut rng, &empty);
            assert!((8..=40).contains(&len(&g.title)), "{}", g.title);
        }
    }

    #[test]
    fn money_reads_naturally() {
        let mut rng = fastrand::Rng::with_seed(1);
        assert_eq!(money(&mut rng, 8_500), "8500元");
        assert_eq!(money(&mut rng, 1_200_000), "120万元");
        assert_eq!(money(&mut rng, 360_000), "36万元");
        assert_eq!(money(&mut rng, 123_400), "12.34万元");
        assert_eq!(money(&mut rng, 150_000), "15万元");
        assert_eq!(cn(2), "两");
        assert_eq!(cn(12), "十二");
        assert_eq!(cn(22), "二十二");
    }

    #[test]
    fn disputes_carry_their_mediation() {
        let mut three = 0;
        for g in sample(12, 3_000) {
            let Some(m) = &g.mediation else {
                assert_ne!(g.kind, Dispute, "{}", g.title);
                continue;
            };
            assert_eq!(g.kind, Dispute);
            assert!((1..=3).contains(&m.terms.len()), "{}", m.deal);
            three += usize::from(m.terms.len() == 3);
            let texts = [&m.requests, &m.facts, &m.issues, &m.responsibilities, &m.deal, &m.fail_route];
            for t in texts {
                assert!(!t.is_empty() && !t.contains('{') && !t.contains('}'), "{t}");
            }
            assert!(!m.facts.starts_with('我'), "{}", m.facts);
            for t in &m.terms {
                assert!(
                    !t.obligor.is_empty() && t.content.chars().count() >= 4,
                    "{}: {}",
                    t.obligor,
                    t.content
                );
                assert!(!t.content.starts_with('家') && !t.content.contains('{'), "{}", t.content);
                assert!(t.days.is_none_or(|d| (1..=60).contains(&d)), "{:?}", t.days);
            }
        }
        assert!(three > 0);
    }

    #[test]
    fn terms_read_as_clauses() {
        let terms = terms_of("王伟于7日内自行改接排水管，并一次性补偿张芳墙面维修费用3200元", "张芳", "王伟");
        assert_eq!(terms.len(), 2);
        assert_eq!((terms[0].obligor.as_str(), terms[0].content.as_str()), ("王伟", "于7日内自行改接排水管"));
        assert_eq!(terms[0].days, Some(7));
        assert_eq!(terms[1].manner, "银行转账");
        let terms = terms_of("王伟家在客厅铺设地垫；双方互留联系方式，双方就此事不再追究", "张芳", "王伟");
        assert_eq!(terms[0].obligor, "王伟家");
        assert_eq!(terms[1].content, "互留联系方式");
        let terms = terms_of("王伟在7日内修复漏水并恢复门禁卡，张芳补交物业费4400元", "张芳", "王伟");
        assert_eq!(terms.len(), 2);
        assert_eq!((terms[1].obligor.as_str(), terms[1].content.as_str()), ("张芳", "补交物业费4400元"));
        let terms =
            terms_of("经核对林权证，确认该片山林由张芳家承包经营，王伟赔偿林木损失3000元", "张芳", "王伟");
        assert_eq!((terms.len(), terms[0].content.as_str()), (1, "赔偿林木损失3000元"));
        let terms = terms_of("王伟赔偿张芳各项损失3.2万元", "张芳", "王伟");
        assert_eq!(terms.len(), 2, "two instalments");
        assert_eq!(terms[1].days, Some(45));
    }

    /// Prints a few texts to read: `cargo test print_samples -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn print_samples() {
        for g in sample(11, 40) {
            println!(
                "[{:?}/{}] {}\n  {}\n  -> {}\n  == {} | people {} amount {:?} parties {}\n",
                g.kind,
                g.category,
                g.title,
                g.body,
                g.reply,
                g.close_note,
                g.people_involved,
                g.amount_fen,
                g.parties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("、")
            );
        }
    }
}
