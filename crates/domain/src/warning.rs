//! Three-colour early warning (三色预警): configurable rules over facts about matters and clusters
//! of matters, the warning they raise, and what each level asks of people.
//!
//! Warnings attach to **matters and clusters of matters, never to people** (DOMAIN.md, scope
//! boundary). The facts count matters, the people *involved in a matter* and the amounts owed,
//! and name no one; a cluster's subject is a place, an employer or a project, and the reasons
//! the engine writes name none of them either.
//!
//! The engine is pure. A caller computes the facts ([`MatterFacts`], [`ClusterFacts`]) from the
//! store at an instant of its choosing, evaluates them against the live [`Rules`]
//! ([`evaluate_matter`], [`evaluate_cluster`]) and records what [`decide`] answers: raise once,
//! escalate when the level rises, close with a note when the subject is resolved. The same facts
//! evaluated again change nothing, so a restart, or two schedulers racing, never duplicate a
//! warning. [`preview`] shows an administrator what an edited rule set would fire before it is
//! saved; [`Rules::check`] names the fields an edit got wrong.

use crate::clock::ClockName;
use crate::error::{FieldError, Issue};
use crate::ids::{MatterId, UnitId};
use crate::matter::{Matter, Status};
use crate::money::Fen;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;

string_enum!(
    /// How grave a warning is (预警等级), ordered: blue < yellow < red.
    Level {
        /// 蓝色预警: Ⅲ级, 一般
        Blue = "blue",
        /// 黄色预警: Ⅱ级, 较重
        Yellow = "yellow",
        /// 红色预警: Ⅰ级, 严重
        Red = "red",
    }
);

impl Level {
    /// 蓝色 / 黄色 / 红色
    pub fn colour(self) -> &'static str {
        match self {
            Self::Blue => "蓝色",
            Self::Yellow => "黄色",
            Self::Red => "红色",
        }
    }

    /// Ⅲ级 / Ⅱ级 / Ⅰ级
    pub fn grade(self) -> &'static str {
        match self {
            Self::Blue => "Ⅲ级",
            Self::Yellow => "Ⅱ级",
            Self::Red => "Ⅰ级",
        }
    }

    /// 一般 / 较重 / 严重
    pub fn severity(self) -> &'static str {
        match self {
            Self::Blue => "一般",
            Self::Yellow => "较重",
            Self::Red => "严重",
        }
    }

    /// `蓝色预警（Ⅲ级，一般）`
    pub fn label(self) -> String {
        format!("{}预警（{}，{}）", self.colour(), self.grade(), self.severity())
    }
}

/// How far the worst running clock of a matter is past its due instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overdue {
    /// The clock's span, from its start to its due instant, in seconds.
    pub limit_secs: i64,
    /// How long ago it fell due, in seconds (positive once past).
    pub past_secs: i64,
}

impl Overdue {
    /// Past its due instant at all.
    pub fn is_past(self) -> bool {
        self.past_secs > 0
    }

    /// Past by at least half its span again.
    pub fn by_half(self) -> bool {
        self.is_past() && self.past_secs.saturating_mul(2) >= self.limit_secs
    }

    /// The worst clock of the matter past due at `now`: the one furthest past relative to its
    /// span (then the longest past). Windows and booked sessions are no one's lateness, and a
    /// supervision's answer date counts as [`MatterFacts::supervision_ignored`] instead.
    pub fn worst(m: &Matter, now: Timestamp) -> Option<Self> {
        Self::worst_of(&Self::spans(m), now)
    }

    /// The (start, due) spans of a matter's clocks that count as lateness: what
    /// [`Overdue::worst_of`] needs, small enough to keep for every open matter.
    pub fn spans(m: &Matter) -> Vec<(Timestamp, Timestamp)> {
        m.clocks
            .iter()
            .filter(|(name, _)| name.marks_overdue() && **name != ClockName::Supervision)
            .map(|(_, c)| (c.started, c.due))
            .collect()
    }

    /// The worst of these (start, due) spans past due at `now`, as [`Overdue::worst`].
    pub fn worst_of(spans: &[(Timestamp, Timestamp)], now: Timestamp) -> Option<Self> {
        spans
            .iter()
            .map(|(started, due)| Self {
                limit_secs: due.duration_since(*started).as_secs(),
                past_secs: now.duration_since(*due).as_secs(),
            })
            .filter(|o| o.is_past())
            .max_by(|a, b| {
                // a.past / a.limit against b.past / b.limit, a span of zero or less being infinite.
                let ratio = |o: &Self| (i128::from(o.past_secs), i128::from(o.limit_secs.max(0)));
                let ((pa, la), (pb, lb)) = (ratio(a), ratio(b));
                let by_ratio = match (la == 0, lb == 0) {
                    (true, true) => std::cmp::Ordering::Equal,
                    (true, false) => std::cmp::Ordering::Greater,
                    (false, true) => std::cmp::Ordering::Less,
                    (false, false) => (pa * lb).cmp(&(pb * la)),
                };
                by_ratio.then(a.past_secs.cmp(&b.past_secs))
            })
    }
}

/// What the engine reads about one matter, computed by the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatterFacts {
    pub id: MatterId,
    /// Not closed: only open matters warn.
    pub open: bool,
    pub people_involved: u32,
    /// The amount owed or in dispute, in fen.
    pub amount_fen: Option<i64>,
    /// The worst running clock past its due instant.
    pub overdue: Option<Overdue>,
    /// A supervision's (督办) answer date passed unanswered.
    pub supervision_ignored: bool,
    /// Further contacts (letters, visits, calls) on the same unresolved matter.
    pub repeat_contacts: u32,
    /// Times a mediator reported that the dispute may turn violent (人民调解法 第二十五条).
    pub violence_flags: u32,
}

impl MatterFacts {
    /// The facts a matter's own state gives at `now`. Repeat contacts are linked to a matter
    /// outside it, so the caller counts them.
    pub fn of(m: &Matter, now: Timestamp, repeat_contacts: u32) -> Self {
        Self {
            id: m.id,
            open: m.status != Status::Closed,
            people_involved: m.registration.people_involved,
            amount_fen: m.registration.amount_fen.map(Fen::get),
            overdue: Overdue::worst(m, now),
            supervision_ignored: m.clocks.get(&ClockName::Supervision).is_some_and(|c| now > c.due),
            repeat_contacts,
            violence_flags: m.mediation.risk_flags,
        }
    }
}

/// What a cluster is about: a place, an employer or a project — never a person.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// 属地: the unit the matters concern.
    Place(UnitId),
    /// 用人单位, by name as the caller normalised it.
    Employer(String),
    /// 项目 (a construction project, an expropriation …), by name.
    Project(String),
}

impl Subject {
    /// `同一属地` / `同一用人单位` / `同一项目`
    fn words(&self) -> &'static str {
        match self {
            Self::Place(_) => "同一属地",
            Self::Employer(_) => "同一用人单位",
            Self::Project(_) => "同一项目",
        }
    }
}

/// A cluster: similar matters (of one category) about one subject.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterKey {
    pub subject: Subject,
    /// The category code the matters share.
    pub category: String,
}

/// One matter of a cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterMember {
    pub id: MatterId,
    /// Whole days since it was registered (0: within the last day).
    pub age_days: u32,
    pub open: bool,
    pub people_involved: u32,
}

/// What the engine reads about one cluster, computed by the caller: every similar matter about
/// the subject registered in the last [`LOOKBACK_DAYS`], and any older one still open.
///
/// The engine counts the members itself, in each rule's own window, so a rule that changes its
/// window or its threshold needs no other facts: the counts, growth and collective size below
/// are derived from the members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterFacts {
    pub key: ClusterKey,
    pub members: Vec<ClusterMember>,
}

impl ClusterFacts {
    /// Some matter of it is still open: only open clusters warn.
    pub fn open(&self) -> bool {
        self.members.iter().any(|m| m.open)
    }

    fn aged(&self, from: u64, to: u64) -> impl Iterator<Item = &ClusterMember> {
        self.members.iter().filter(move |m| (from..to).contains(&u64::from(m.age_days)))
    }

    /// Similar matters registered in the last `window_days`.
    pub fn size_in(&self, window_days: u32) -> u32 {
        count(self.aged(0, u64::from(window_days)))
    }

    /// Similar matters registered in the window before that.
    pub fn size_before(&self, window_days: u32) -> u32 {
        let w = u64::from(window_days);
        count(self.aged(w, 2 * w))
    }

    /// More matters in the last `window_days` than in the window before, and at least two: one
    /// matter alone is not a cluster.
    pub fn growing(&self, window_days: u32) -> bool {
        let now = self.size_in(window_days);
        now >= 2 && now > self.size_before(window_days)
    }

    /// The most people any one matter registered in the last `window_days` involves: a matter of
    /// five or more is collective (群体性).
    pub fn largest_in(&self, window_days: u32) -> u32 {
        self.aged(0, u64::from(window_days)).map(|m| m.people_involved).max().unwrap_or(0)
    }

    /// The members' ids.
    pub fn member_ids(&self) -> Vec<MatterId> {
        self.members.iter().map(|m| m.id).collect()
    }
}

fn count<'a>(members: impl Iterator<Item = &'a ClusterMember>) -> u32 {
    u32::try_from(members.count()).unwrap_or(u32::MAX)
}

/// How far back the facts a caller computes reach, in days: cluster windows fit in it, and a
/// growth window twice over.
pub const LOOKBACK_DAYS: u32 = 90;

/// When a rule holds. Thresholds are data, so an administrator can move them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// (cluster) At least `min` similar matters about the subject in the last `window_days`.
    ClusterSize { min: u32, window_days: u32 },
    /// (cluster) A matter of at least `min_people` registered in the last `window_days`, and
    /// more matters in that window than in the one before.
    CollectiveGrowing { min_people: u32, window_days: u32 },
    /// (matter) At least `min` people involved.
    People { min: u32 },
    /// (matter) At least `min_fen` owed or in dispute.
    Amount { min_fen: i64 },
    /// (matter) A clock past its due instant.
    Overdue,
    /// (matter) A clock past its due instant by half its span again.
    OverdueByHalf,
    /// (matter) A supervision's answer date passed unanswered.
    SupervisionIgnored,
    /// (matter) At least `min` further contacts on the same unresolved matter.
    RepeatContacts { min: u32 },
    /// (matter) A mediator reported a risk of violence.
    ViolenceRisk,
}

impl Condition {
    /// Whether it is about clusters (otherwise about single matters).
    pub fn on_clusters(&self) -> bool {
        matches!(self, Self::ClusterSize { .. } | Self::CollectiveGrowing { .. })
    }

    /// Conditions of one family say the same thing at different thresholds: a reason words each
    /// family once, at its gravest rule.
    fn family(&self) -> u8 {
        match self {
            Self::ClusterSize { .. } => 0,
            Self::CollectiveGrowing { .. } => 1,
            Self::People { .. } => 2,
            Self::Amount { .. } => 3,
            Self::Overdue | Self::OverdueByHalf => 4,
            Self::SupervisionIgnored => 5,
            Self::RepeatContacts { .. } => 6,
            Self::ViolenceRisk => 7,
        }
    }

    /// Why it holds of a matter, in Chinese, or `None`.
    fn on_matter(&self, f: &MatterFacts) -> Option<String> {
        match *self {
            Self::ClusterSize { .. } | Self::CollectiveGrowing { .. } => None,
            Self::People { min } => {
                (f.people_involved >= min).then(|| format!("涉及人数{}人（≥{min}人）", f.people_involved))
            }
            Self::Amount { min_fen } => f
                .amount_fen
                .filter(|a| *a >= min_fen)
                .map(|a| format!("涉及金额{}（≥{}）", yuan(a), yuan(min_fen))),
            Self::Overdue => f
                .overdue
                .filter(|o| o.is_past())
                .map(|o| format!("已超期{}（时限{}）", span(o.past_secs), span(o.limit_secs))),
            Self::OverdueByHalf => f
                .overdue
                .filter(|o| o.by_half())
                .map(|o| format!("已超期{}，超过时限（{}）的一半", span(o.past_secs), span(o.limit_secs))),
            Self::SupervisionIgnored => {
                f.supervision_ignored.then(|| "督办要求的答复期限已过，仍未答复".to_string())
            }
            Self::RepeatContacts { min } => (f.repeat_contacts >= min)
                .then(|| format!("同一未化解事项重复反映{}次（≥{min}次）", f.repeat_contacts)),
            Self::ViolenceRisk => (f.violence_flags > 0)
                .then(|| format!("调解员报告纠纷有激化为暴力冲突的风险（{}次）", f.violence_flags)),
        }
    }

    /// Why it holds of a cluster, in Chinese, or `None`.
    fn on_cluster(&self, f: &ClusterFacts) -> Option<String> {
        let subject = f.key.subject.words();
        match *self {
            Self::ClusterSize { min, window_days: w } => {
                let n = f.size_in(w);
                (n >= min).then(|| format!("{subject}{w}日内{n}件相似事项（≥{min}件）"))
            }
            Self::CollectiveGrowing { min_people, window_days: w } => {
                let largest = f.largest_in(w);
                (largest >= min_people && f.growing(w)).then(|| {
                    format!(
                        "{subject}{w}日内{}件相似事项，多于此前{w}日的{}件，其中有涉及{largest}人的群体性事项（≥{min_people}人）",
                        f.size_in(w),
                        f.size_before(w)
                    )
                })
            }
            _ => None,
        }
    }
}

/// `12万元`, `3500元`, `120.50元`.
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let (yuan, cents) = (fen / 100, fen % 100);
    if cents == 0 && yuan >= 10_000 && yuan % 10_000 == 0 {
        format!("{sign}{}万元", yuan / 10_000)
    } else if cents == 0 {
        format!("{sign}{yuan}元")
    } else {
        format!("{sign}{yuan}.{cents:02}元")
    }
}

/// A span of seconds in the largest whole unit: `12天`, `5小时`, `40分钟`.
fn span(secs: i64) -> String {
    match secs {
        s if s >= 86_400 => format!("{}天", s / 86_400),
        s if s >= 3_600 => format!("{}小时", s / 3_600),
        s if s >= 60 => format!("{}分钟", s / 60),
        _ => "不足1分钟".to_string(),
    }
}

fn yes() -> bool {
    true
}

/// One rule: when `condition` holds of an open matter or cluster, a warning of `level`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A stable name, listed in every warning the rule raises.
    pub id: String,
    pub level: Level,
    #[serde(default = "yes")]
    pub enabled: bool,
    pub condition: Condition,
}

/// The live rule set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rules(Vec<Rule>);

impl Default for Rules {
    fn default() -> Self {
        Self::defaults()
    }
}

impl Rules {
    /// The most rules one installation keeps.
    pub const RULES_MAX: usize = 100;
    /// The longest rule id, in characters.
    pub const ID_MAX: usize = 64;

    pub fn new(rules: Vec<Rule>) -> Self {
        Self(rules)
    }

    pub fn rules(&self) -> &[Rule] {
        &self.0
    }

    /// DOMAIN.md's defaults.
    pub fn defaults() -> Self {
        use Condition::*;
        use Level::*;
        let rule = |id: &str, level, condition| Rule { id: id.to_string(), level, enabled: true, condition };
        Self(vec![
            // Clusters: ≥5 similar matters about one subject in 30 days → yellow; ≥15, or a
            // collective matter (≥5 people) and growing → red.
            rule("cluster_yellow", Yellow, ClusterSize { min: 5, window_days: 30 }),
            rule("cluster_red", Red, ClusterSize { min: 15, window_days: 30 }),
            rule("collective_growing", Red, CollectiveGrowing { min_people: 5, window_days: 30 }),
            // People involved and amounts owed.
            rule("people_blue", Blue, People { min: 5 }),
            rule("people_yellow", Yellow, People { min: 30 }),
            rule("people_red", Red, People { min: 100 }),
            rule("amount_yellow", Yellow, Amount { min_fen: 100_000 * 100 }),
            rule("amount_red", Red, Amount { min_fen: 1_000_000 * 100 }),
            // Lateness.
            rule("overdue", Blue, Overdue),
            rule("overdue_by_half", Yellow, OverdueByHalf),
            rule("supervision_ignored", Red, SupervisionIgnored),
            // Repeat contacts and the mediator's flag.
            rule("repeat_contacts", Yellow, RepeatContacts { min: 3 }),
            rule("violence_risk", Red, ViolenceRisk),
        ])
    }

    /// Checks an edited set: ids present, unique and short, thresholds in range (cluster windows
    /// within [`LOOKBACK_DAYS`], a growth window within half of it).
    pub fn check(rules: &[Rule]) -> Result<(), Vec<FieldError>> {
        let mut errors = vec![];
        if rules.len() > Self::RULES_MAX {
            errors.push(FieldError::new("rules", Issue::TooLong { max: Self::RULES_MAX }));
        }
        for (i, r) in rules.iter().enumerate() {
            let field = |name: &str| format!("rules[{i}].{name}");
            if r.id.trim().is_empty() {
                errors.push(FieldError::new(field("id"), Issue::Required));
            } else if r.id.chars().count() > Self::ID_MAX {
                errors.push(FieldError::new(field("id"), Issue::TooLong { max: Self::ID_MAX }));
            } else if r.id.chars().any(char::is_control) {
                errors.push(FieldError::new(field("id"), Issue::ControlCharacters));
            } else if rules[..i].iter().any(|o| o.id.trim() == r.id.trim()) {
                errors.push(FieldError::new(field("id"), Issue::Duplicate));
            }
            let mut range = |name: &str, value: i64, min: i64, max: i64| {
                if !(min..=max).contains(&value) {
                    errors.push(FieldError::new(
                        field(&format!("condition.{name}")),
                        Issue::OutOfRange { min, max },
                    ));
                }
            };
            let lookback = i64::from(LOOKBACK_DAYS);
            match r.condition {
                Condition::ClusterSize { min, window_days } => {
                    range("min", min.into(), 2, 10_000);
                    range("window_days", window_days.into(), 1, lookback);
                }
                Condition::CollectiveGrowing { min_people, window_days } => {
                    range("min_people", min_people.into(), 2, 1_000_000);
                    range("window_days", window_days.into(), 1, lookback / 2);
                }
                Condition::People { min } => range("min", min.into(), 1, 1_000_000),
                Condition::Amount { min_fen } => range("min_fen", min_fen, 1, Fen::MAX),
                Condition::RepeatContacts { min } => range("min", min.into(), 1, 1_000),
                Condition::Overdue
                | Condition::OverdueByHalf
                | Condition::SupervisionIgnored
                | Condition::ViolenceRisk => {}
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    fn enabled(&self) -> impl Iterator<Item = &Rule> {
        self.0.iter().filter(|r| r.enabled)
    }
}

/// What a warning is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningSubject {
    Matter(MatterId),
    Cluster(ClusterKey),
}

/// A stable text key for a subject, to find the warning already raised on it: `matter:42`,
/// `cluster:wage_arrears:place:7`, `cluster:wage_arrears:employer:某某建筑公司`. The category
/// has `%` and `:` escaped, so the name after it may hold anything.
pub fn key(subject: &WarningSubject) -> String {
    match subject {
        WarningSubject::Matter(id) => format!("matter:{id}"),
        WarningSubject::Cluster(ClusterKey { subject, category }) => {
            let category = category.replace('%', "%25").replace(':', "%3A");
            match subject {
                Subject::Place(unit) => format!("cluster:{category}:place:{unit}"),
                Subject::Employer(name) => format!("cluster:{category}:employer:{name}"),
                Subject::Project(name) => format!("cluster:{category}:project:{name}"),
            }
        }
    }
}

/// The rules that hold of a subject, and the warning they make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Firing {
    pub subject: WarningSubject,
    /// The gravest level among the rules that hold.
    pub level: Level,
    /// Every rule that holds, gravest first (in rule-set order within a level).
    pub rules: Vec<String>,
    /// Why, in Chinese, with the figures: each family of condition once, at its gravest rule,
    /// joined by `；`.
    pub reason: String,
}

fn firing(subject: WarningSubject, mut held: Vec<(&Rule, String)>) -> Option<Firing> {
    held.sort_by_key(|(r, _)| Reverse(r.level));
    let level = held.first()?.0.level;
    let mut families = vec![];
    let mut reasons = vec![];
    for (r, why) in &held {
        let family = r.condition.family();
        if !families.contains(&family) {
            families.push(family);
            reasons.push(why.as_str());
        }
    }
    Some(Firing {
        subject,
        level,
        rules: held.iter().map(|(r, _)| r.id.clone()).collect(),
        reason: reasons.join("；"),
    })
}

/// The warning the enabled rules make of an open matter, if any holds.
pub fn evaluate_matter(rules: &Rules, facts: &MatterFacts) -> Option<Firing> {
    if !facts.open {
        return None;
    }
    let held = rules.enabled().filter_map(|r| Some((r, r.condition.on_matter(facts)?))).collect();
    firing(WarningSubject::Matter(facts.id), held)
}

/// The warning the enabled rules make of an open cluster, if any holds.
pub fn evaluate_cluster(rules: &Rules, facts: &ClusterFacts) -> Option<Firing> {
    if !facts.open() {
        return None;
    }
    let held = rules.enabled().filter_map(|r| Some((r, r.condition.on_cluster(facts)?))).collect();
    firing(WarningSubject::Cluster(facts.key.clone()), held)
}

/// The figures of a cluster as a warning shows them: how many similar matters in the window,
/// how many in the window before (growth), the people they involve and the amount they claim.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figures {
    pub window_days: u32,
    pub size: u32,
    pub before: u32,
    pub open: u32,
    pub people: u64,
    pub amount_fen: i64,
}

/// What a raised warning records beside its level: what it is about, why and by which rules,
/// and the response under way. Kept as the warning's body; its changes are logged as events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Detail {
    pub subject: WarningSubject,
    /// The matters it is about: one, or the cluster's members.
    pub members: Vec<MatterId>,
    pub rules: Vec<String>,
    pub reason: String,
    pub response: Response,
    /// Yellow: the leader who owns it (包案) and the deadline.
    #[serde(default)]
    pub owner: Option<crate::ids::UserId>,
    #[serde(default)]
    pub deadline: Option<Timestamp>,
    /// Red: the command centre coordinating.
    #[serde(default)]
    pub coordinator: Option<UnitId>,
    /// The people told of it (the unit head; for red, the centre and the superiors).
    #[serde(default)]
    pub notified: Vec<crate::ids::UserId>,
    #[serde(default)]
    pub close_note: Option<String>,
    /// A cluster's size, growth, people and amount.
    #[serde(default)]
    pub figures: Option<Figures>,
}

string_enum!(
    /// What happened to a warning (its log).
    Happening {
        /// 发出
        Raised = "raised",
        /// 升级
        Escalated = "escalated",
        /// 响应: someone notified, a leader made owner, the centre coordinating
        Responded = "responded",
        /// 关闭
        Closed = "closed",
    }
);

/// What to record after evaluating a subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "change")]
pub enum Change {
    /// No warning stood on the subject: raise this one.
    Raise(Firing),
    /// The standing warning's level rises; `firing` says why now.
    Escalate { from: Level, to: Level, firing: Firing },
    /// The subject is resolved: close the standing warning with this note.
    Close { note: String },
    /// Nothing to record.
    None,
}

/// What a fresh evaluation changes about the warning standing on a subject.
///
/// - `previous` is the open warning already raised on the subject (found by [`key`]): its level
///   and subject; `open` whether the subject is still open; `firing` what the evaluation gave.
/// - No warning stands and a rule holds: raise it, once. Evaluating again with the warning
///   recorded gives [`Change::None`], so restarts and repeated runs never duplicate it.
/// - A warning stands and the level rises: escalate it.
/// - A warning stands and the subject still open gives the same level, a lower one or none (a
///   rule disabled, a cluster's window moving on, an overdue clock extended): the warning stays
///   at its level. Warnings do not flap down and up; they close when the subject is resolved,
///   or by hand.
/// - A warning stands and the subject is no longer open: close it with a note, `事项已化解` for
///   a matter and `簇内事项均已办结` for a cluster. If it opens again (a relapse) and a rule
///   holds, a new warning is raised.
pub fn decide(previous: Option<(Level, &WarningSubject)>, open: bool, firing: Option<Firing>) -> Change {
    match (previous, firing) {
        (None, Some(f)) => Change::Raise(f),
        (Some((from, _)), Some(f)) if f.level > from => Change::Escalate { from, to: f.level, firing: f },
        (Some((_, subject)), None) if !open => Change::Close { note: close_note(subject).to_string() },
        _ => Change::None,
    }
}

fn close_note(subject: &WarningSubject) -> &'static str {
    match subject {
        WarningSubject::Matter(_) => "事项已化解",
        WarningSubject::Cluster(_) => "簇内事项均已办结",
    }
}

/// The deadline a leader who owns a yellow warning gets by default (a product default, not law).
pub const LEADER_DEADLINE_DAYS: u32 = 15;

/// What a warning of each level asks for: always an action towards resolving the matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "response")]
pub enum Response {
    /// Blue: the handling unit's head is notified.
    NotifyUnitHead,
    /// Yellow: a leader owns it (领导包案) and resolves it within the deadline.
    LeaderOwner { deadline_days: u32 },
    /// Red: the county command centre coordinates the units, and superiors are informed.
    CommandCentre,
}

impl Response {
    /// The response in Chinese.
    pub fn words(&self) -> String {
        match self {
            Self::NotifyUnitHead => "通知承办单位负责人".to_string(),
            Self::LeaderOwner { deadline_days } => format!("由领导包案，限{deadline_days}日内化解"),
            Self::CommandCentre => "由县级指挥中心统筹协调，并报告上级".to_string(),
        }
    }
}

/// DOMAIN.md's response to a warning of `level`.
pub fn response(level: Level) -> Response {
    match level {
        Level::Blue => Response::NotifyUnitHead,
        Level::Yellow => Response::LeaderOwner { deadline_days: LEADER_DEADLINE_DAYS },
        Level::Red => Response::CommandCentre,
    }
}

/// What `rules` would fire on these facts (the caller passes the last [`LOOKBACK_DAYS`]'), gravest
/// first, matters before clusters within a level: an administrator sees an edit's effect before
/// saving it. The rules need not have passed [`Rules::check`].
pub fn preview(rules: &Rules, matters: &[MatterFacts], clusters: &[ClusterFacts]) -> Vec<Firing> {
    let mut out: Vec<Firing> = matters
        .iter()
        .filter_map(|m| evaluate_matter(rules, m))
        .chain(clusters.iter().filter_map(|c| evaluate_cluster(rules, c)))
        .collect();
    out.sort_by_key(|f| Reverse(f.level));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const DAY: i64 = 86_400;

    fn quiet(id: i64) -> MatterFacts {
        MatterFacts {
            id: MatterId(id),
            open: true,
            people_involved: 1,
            amount_fen: None,
            overdue: None,
            supervision_ignored: false,
            repeat_contacts: 0,
            violence_flags: 0,
        }
    }

    fn on(f: &MatterFacts) -> Option<Firing> {
        evaluate_matter(&Rules::defaults(), f)
    }

    /// The rules that held, or none.
    fn held(f: Option<Firing>) -> Vec<String> {
        f.map(|f| f.rules).unwrap_or_default()
    }

    fn fires(f: &MatterFacts, rule: &str, level: Level) {
        let got = on(f).unwrap_or_else(|| panic!("{rule} did not fire on {f:?}"));
        assert!(got.rules.iter().any(|r| r == rule), "{rule} not in {:?}", got.rules);
        assert_eq!(got.level, level, "{rule}");
    }

    fn misses(f: &MatterFacts, rule: &str) {
        assert!(!held(on(f)).iter().any(|r| r == rule), "{rule} fired on {f:?}");
    }

    fn member(id: i64, age_days: u32, people: u32) -> ClusterMember {
        ClusterMember { id: MatterId(id), age_days, open: true, people_involved: people }
    }

    /// `recent` matters of one person in the last 30 days and `older` in the 30 before.
    fn cluster(recent: u32, older: u32) -> ClusterFacts {
        let mut members: Vec<_> = (0..recent).map(|i| member(i64::from(i), i % 30, 1)).collect();
        members.extend((0..older).map(|i| member(1000 + i64::from(i), 30 + i % 30, 1)));
        ClusterFacts {
            key: ClusterKey {
                subject: Subject::Project("城东安置房二期".into()),
                category: "wage_arrears".into(),
            },
            members,
        }
    }

    fn on_cluster(c: &ClusterFacts) -> Option<Firing> {
        evaluate_cluster(&Rules::defaults(), c)
    }

    #[test]
    fn levels_are_ordered_and_worded() {
        assert!(Level::Blue < Level::Yellow && Level::Yellow < Level::Red);
        assert_eq!(Level::parse("yellow"), Some(Level::Yellow));
        assert_eq!(Level::Blue.label(), "蓝色预警（Ⅲ级，一般）");
        assert_eq!(Level::Yellow.label(), "黄色预警（Ⅱ级，较重）");
        assert_eq!(Level::Red.label(), "红色预警（Ⅰ级，严重）");
    }

    #[test]
    fn a_quiet_matter_raises_nothing() {
        assert_eq!(on(&quiet(1)), None);
    }

    #[test]
    fn people_involved() {
        let people = |n| MatterFacts { people_involved: n, ..quiet(1) };
        fires(&people(5), "people_blue", Level::Blue);
        misses(&people(4), "people_blue");
        assert_eq!(on(&people(4)), None);
        fires(&people(30), "people_yellow", Level::Yellow);
        misses(&people(29), "people_yellow");
        fires(&people(100), "people_red", Level::Red);
        misses(&people(99), "people_red");
        assert_eq!(on(&people(99)).map(|f| f.level), Some(Level::Yellow));
    }

    #[test]
    fn amount_owed() {
        let owed = |fen| MatterFacts { amount_fen: Some(fen), ..quiet(1) };
        fires(&owed(10_000_000), "amount_yellow", Level::Yellow);
        misses(&owed(9_999_999), "amount_yellow");
        assert_eq!(on(&owed(9_999_999)), None);
        fires(&owed(100_000_000), "amount_red", Level::Red);
        misses(&owed(99_999_999), "amount_red");
        assert_eq!(on(&owed(99_999_999)).map(|f| f.level), Some(Level::Yellow));
    }

    #[test]
    fn overdue_and_by_half() {
        let late = |limit, past| MatterFacts {
            overdue: Some(Overdue { limit_secs: limit, past_secs: past }),
            ..quiet(1)
        };
        fires(&late(20 * DAY, 1), "overdue", Level::Blue);
        misses(&late(20 * DAY, 0), "overdue");
        assert_eq!(on(&late(20 * DAY, 0)), None);
        assert_eq!(on(&MatterFacts { overdue: None, ..quiet(1) }), None);
        fires(&late(20 * DAY, 10 * DAY), "overdue_by_half", Level::Yellow);
        misses(&late(20 * DAY, 10 * DAY - 1), "overdue_by_half");
        assert_eq!(on(&late(20 * DAY, 10 * DAY - 1)).map(|f| f.level), Some(Level::Blue));
    }

    #[test]
    fn supervision_ignored() {
        fires(&MatterFacts { supervision_ignored: true, ..quiet(1) }, "supervision_ignored", Level::Red);
        misses(&MatterFacts { supervision_ignored: false, ..quiet(1) }, "supervision_ignored");
    }

    #[test]
    fn repeat_contacts() {
        fires(&MatterFacts { repeat_contacts: 3, ..quiet(1) }, "repeat_contacts", Level::Yellow);
        misses(&MatterFacts { repeat_contacts: 2, ..quiet(1) }, "repeat_contacts");
    }

    #[test]
    fn violence_risk() {
        fires(&MatterFacts { violence_flags: 1, ..quiet(1) }, "violence_risk", Level::Red);
        misses(&MatterFacts { violence_flags: 0, ..quiet(1) }, "violence_risk");
    }

    #[test]
    fn a_closed_matter_raises_nothing_whatever_its_facts() {
        let worst = MatterFacts {
            open: false,
            people_involved: 500,
            amount_fen: Some(1_000_000_000),
            overdue: Some(Overdue { limit_secs: DAY, past_secs: 30 * DAY }),
            supervision_ignored: true,
            repeat_contacts: 10,
            violence_flags: 2,
            ..quiet(1)
        };
        assert_eq!(on(&worst), None);
        assert_eq!(on(&MatterFacts { open: true, ..worst }).map(|f| f.level), Some(Level::Red));
    }

    #[test]
    fn cluster_size() {
        let yellow = on_cluster(&cluster(5, 0)).unwrap();
        assert_eq!((yellow.level, yellow.rules), (Level::Yellow, vec!["cluster_yellow".to_string()]));
        // Four in the window and a fifth a day too old.
        let mut four = cluster(4, 0);
        four.members.push(member(99, 30, 1));
        assert_eq!(four.size_in(30), 4);
        assert_eq!(on_cluster(&four), None);
        let red = on_cluster(&cluster(15, 0)).unwrap();
        assert_eq!(red.level, Level::Red);
        assert_eq!(red.rules, ["cluster_red", "cluster_yellow"]);
        let fourteen = on_cluster(&cluster(14, 20)).unwrap();
        assert_eq!((fourteen.level, fourteen.rules), (Level::Yellow, vec!["cluster_yellow".to_string()]));
    }

    #[test]
    fn collective_and_growing() {
        // Three this window (one of five people), one in the window before.
        let mut c = cluster(3, 1);
        c.members[0].people_involved = 5;
        let red = on_cluster(&c).unwrap();
        assert_eq!((red.level, red.rules.clone()), (Level::Red, vec!["collective_growing".to_string()]));
        // Four people is not collective.
        c.members[0].people_involved = 4;
        assert_eq!(on_cluster(&c), None);
        // Collective, but not growing: as many before.
        let mut flat = cluster(3, 3);
        flat.members[0].people_involved = 40;
        assert_eq!(on_cluster(&flat), None);
        // A collective matter alone is not a growing cluster.
        let mut alone = cluster(1, 0);
        alone.members[0].people_involved = 40;
        assert_eq!(on_cluster(&alone), None);
        // A collective matter of the window before does not count.
        let mut old = cluster(3, 1);
        old.members[3].people_involved = 40;
        assert_eq!(on_cluster(&old), None);
    }

    #[test]
    fn a_cluster_with_every_matter_closed_raises_nothing() {
        let mut c = cluster(20, 0);
        for m in &mut c.members {
            m.open = false;
        }
        assert_eq!(on_cluster(&c), None);
        c.members[7].open = true;
        assert_eq!(on_cluster(&c).map(|f| f.level), Some(Level::Red));
    }

    #[test]
    fn matter_rules_ignore_clusters_and_cluster_rules_ignore_matters() {
        let rules = Rules::defaults();
        let on_clusters: Vec<_> =
            rules.rules().iter().filter(|r| r.condition.on_clusters()).map(|r| r.id.as_str()).collect();
        assert_eq!(on_clusters, ["cluster_yellow", "cluster_red", "collective_growing"]);
        assert_eq!(evaluate_cluster(&rules, &cluster(3, 0)), None);
        let m = MatterFacts { people_involved: 500, ..quiet(1) };
        assert!(held(on(&m)).iter().all(|r| r.starts_with("people_")));
    }

    #[test]
    fn the_highest_level_wins_and_every_rule_that_held_is_listed() {
        let f = MatterFacts {
            people_involved: 120,
            overdue: Some(Overdue { limit_secs: 20 * DAY, past_secs: 12 * DAY }),
            repeat_contacts: 3,
            ..quiet(7)
        };
        let got = on(&f).unwrap();
        assert_eq!(got.subject, WarningSubject::Matter(MatterId(7)));
        assert_eq!(got.level, Level::Red);
        assert_eq!(
            got.rules,
            ["people_red", "people_yellow", "overdue_by_half", "repeat_contacts", "people_blue", "overdue"]
        );
        assert_eq!(
            got.reason,
            "涉及人数120人（≥100人）；已超期12天，超过时限（20天）的一半；同一未化解事项重复反映3次（≥3次）"
        );
    }

    #[test]
    fn a_disabled_rule_does_not_fire() {
        let mut rules = Rules::defaults();
        for r in &mut rules.0 {
            r.enabled = r.id != "people_blue";
        }
        assert_eq!(evaluate_matter(&rules, &MatterFacts { people_involved: 10, ..quiet(1) }), None);
    }

    #[test]
    fn reasons_are_chinese_and_carry_the_figures() {
        let reason = |f: &MatterFacts| on(f).map(|f| f.reason).unwrap_or_default();
        assert_eq!(on_cluster(&cluster(5, 0)).unwrap().reason, "同一项目30日内5件相似事项（≥5件）");
        assert_eq!(reason(&MatterFacts { people_involved: 32, ..quiet(1) }), "涉及人数32人（≥30人）");
        let late = Overdue { limit_secs: 20 * DAY, past_secs: 12 * DAY + 5 };
        assert_eq!(
            reason(&MatterFacts { overdue: Some(late), ..quiet(1) }),
            "已超期12天，超过时限（20天）的一半"
        );
        let hours = Overdue { limit_secs: 2 * 3_600, past_secs: 3_600 * 5 / 2 };
        assert_eq!(
            reason(&MatterFacts { overdue: Some(hours), ..quiet(1) }),
            "已超期2小时，超过时限（2小时）的一半"
        );
        let just = Overdue { limit_secs: 20 * DAY, past_secs: 40 * 60 };
        assert_eq!(reason(&MatterFacts { overdue: Some(just), ..quiet(1) }), "已超期40分钟（时限20天）");
        assert_eq!(
            reason(&MatterFacts { amount_fen: Some(12_000_000), ..quiet(1) }),
            "涉及金额12万元（≥10万元）"
        );
        assert_eq!(
            reason(&MatterFacts { amount_fen: Some(123_456_789), ..quiet(1) }),
            "涉及金额1234567.89元（≥100万元）"
        );
        assert_eq!(
            reason(&MatterFacts { repeat_contacts: 4, ..quiet(1) }),
            "同一未化解事项重复反映4次（≥3次）"
        );
        assert_eq!(
            reason(&MatterFacts { supervision_ignored: true, ..quiet(1) }),
            "督办要求的答复期限已过，仍未答复"
        );
        assert_eq!(
            reason(&MatterFacts { violence_flags: 2, ..quiet(1) }),
            "调解员报告纠纷有激化为暴力冲突的风险（2次）"
        );
        let mut c = cluster(3, 1);
        c.members[1].people_involved = 12;
        c.key.subject = Subject::Place(UnitId(330681));
        assert_eq!(
            on_cluster(&c).unwrap().reason,
            "同一属地30日内3件相似事项，多于此前30日的1件，其中有涉及12人的群体性事项（≥5人）"
        );
        c.key.subject = Subject::Employer("某某劳务公司".into());
        let r = on_cluster(&c).unwrap().reason;
        assert!(r.starts_with("同一用人单位") && !r.contains("某某"), "names no one: {r}");
    }

    #[test]
    fn keys_are_stable_and_distinct() {
        let cluster = |subject, category: &str| {
            WarningSubject::Cluster(ClusterKey { subject, category: category.into() })
        };
        assert_eq!(key(&WarningSubject::Matter(MatterId(42))), "matter:42");
        assert_eq!(key(&cluster(Subject::Place(UnitId(7)), "wage_arrears")), "cluster:wage_arrears:place:7");
        assert_eq!(
            key(&cluster(Subject::Employer("某某建筑公司".into()), "wage_arrears")),
            "cluster:wage_arrears:employer:某某建筑公司"
        );
        assert_ne!(
            key(&cluster(Subject::Project("x".into()), "a:project:y")),
            key(&cluster(Subject::Project("y:project:x".into()), "a"))
        );
        assert_ne!(
            key(&cluster(Subject::Project("7".into()), "land")),
            key(&cluster(Subject::Place(UnitId(7)), "land"))
        );
    }

    #[test]
    fn decide_raises_once_escalates_keeps_and_closes() {
        let matter = WarningSubject::Matter(MatterId(3));
        let yellow = on(&MatterFacts { people_involved: 30, ..quiet(3) });
        let red = on(&MatterFacts { people_involved: 100, ..quiet(3) });
        let blue = on(&MatterFacts { people_involved: 5, ..quiet(3) });
        assert!(matches!(decide(None, true, yellow.clone()), Change::Raise(f) if f.level == Level::Yellow));
        // The same result again: nothing.
        assert_eq!(decide(Some((Level::Yellow, &matter)), true, yellow.clone()), Change::None);
        // Higher: escalate, saying why.
        match decide(Some((Level::Yellow, &matter)), true, red.clone()) {
            Change::Escalate { from, to, firing } => {
                assert_eq!((from, to), (Level::Yellow, Level::Red));
                assert_eq!(Some(firing), red);
            }
            other => panic!("expected an escalation, got {other:?}"),
        }
        // Lower, or no rule holding, while open: the warning stays at its level.
        assert_eq!(decide(Some((Level::Red, &matter)), true, blue), Change::None);
        assert_eq!(decide(Some((Level::Red, &matter)), true, None), Change::None);
        // Closed: close with a note.
        assert_eq!(
            decide(Some((Level::Red, &matter)), false, None),
            Change::Close { note: "事项已化解".into() }
        );
        let c = cluster(5, 0);
        let subject = WarningSubject::Cluster(c.key.clone());
        assert_eq!(
            decide(Some((Level::Yellow, &subject)), false, None),
            Change::Close { note: "簇内事项均已办结".into() }
        );
        // Nothing standing, nothing holding.
        assert_eq!(decide(None, true, None), Change::None);
        assert_eq!(decide(None, false, None), Change::None);
    }

    /// A caller that keeps standing warnings by key, as the store would.
    fn run(
        store: &mut BTreeMap<String, (Level, WarningSubject)>,
        log: &mut Vec<String>,
        facts: &MatterFacts,
    ) {
        let subject = WarningSubject::Matter(facts.id);
        let k = key(&subject);
        let previous = store.get(&k).map(|(l, s)| (*l, s));
        match decide(previous, facts.open, on(facts)) {
            Change::Raise(f) => {
                log.push(format!("raise {}", f.level.as_str()));
                store.insert(k, (f.level, f.subject));
            }
            Change::Escalate { to, firing, .. } => {
                log.push(format!("escalate {}", to.as_str()));
                store.insert(k, (to, firing.subject));
            }
            Change::Close { note } => {
                log.push(format!("close {note}"));
                store.remove(&k);
            }
            Change::None => {}
        }
    }

    #[test]
    fn repeated_evaluation_never_duplicates() {
        let (mut store, mut log) = (BTreeMap::new(), vec![]);
        let steps = [
            MatterFacts { people_involved: 6, ..quiet(9) },
            MatterFacts { people_involved: 6, ..quiet(9) },
            MatterFacts { people_involved: 6, repeat_contacts: 3, ..quiet(9) },
            MatterFacts { people_involved: 6, repeat_contacts: 3, ..quiet(9) },
            MatterFacts { people_involved: 6, ..quiet(9) },
            MatterFacts { people_involved: 6, open: false, ..quiet(9) },
            MatterFacts { people_involved: 6, open: false, ..quiet(9) },
            MatterFacts { people_involved: 6, ..quiet(9) },
        ];
        for facts in &steps {
            run(&mut store, &mut log, facts);
        }
        assert_eq!(log, ["raise blue", "escalate yellow", "close 事项已化解", "raise blue"]);
    }

    #[test]
    fn responses_follow_the_level() {
        assert_eq!(response(Level::Blue), Response::NotifyUnitHead);
        assert_eq!(response(Level::Yellow), Response::LeaderOwner { deadline_days: LEADER_DEADLINE_DAYS });
        assert_eq!(response(Level::Red), Response::CommandCentre);
        assert_eq!(response(Level::Blue).words(), "通知承办单位负责人");
        assert_eq!(response(Level::Yellow).words(), "由领导包案，限15日内化解");
        assert_eq!(response(Level::Red).words(), "由县级指挥中心统筹协调，并报告上级");
    }

    #[test]
    fn the_defaults_pass_their_own_check_and_bad_edits_are_named() {
        assert_eq!(Rules::check(Rules::defaults().rules()), Ok(()));
        let mut rules = Rules::defaults().0;
        rules[3].condition = Condition::People { min: 0 };
        rules[0].condition = Condition::ClusterSize { min: 1, window_days: 91 };
        rules[2].condition = Condition::CollectiveGrowing { min_people: 5, window_days: 46 };
        rules[6].condition = Condition::Amount { min_fen: 0 };
        rules[11].condition = Condition::RepeatContacts { min: 1001 };
        rules[5].id = " ".into();
        rules[8].id = "people_blue".into();
        rules[9].id = "x".repeat(65);
        let errors = Rules::check(&rules).unwrap_err();
        let range = |field: &str, min, max| FieldError::new(field, Issue::OutOfRange { min, max });
        assert_eq!(
            errors,
            vec![
                range("rules[0].condition.min", 2, 10_000),
                range("rules[0].condition.window_days", 1, 90),
                range("rules[2].condition.window_days", 1, 45),
                range("rules[3].condition.min", 1, 1_000_000),
                FieldError::new("rules[5].id", Issue::Required),
                range("rules[6].condition.min_fen", 1, Fen::MAX),
                FieldError::new("rules[8].id", Issue::Duplicate),
                FieldError::new("rules[9].id", Issue::TooLong { max: 64 }),
                range("rules[11].condition.min", 1, 1_000),
            ]
        );
        let many = vec![Rules::defaults().0[0].clone(); Rules::RULES_MAX + 1];
        assert!(
            Rules::check(&many).unwrap_err().contains(&FieldError::new("rules", Issue::TooLong { max: 100 }))
        );
    }

    #[test]
    fn rules_round_trip_through_json() {
        let rules = Rules::defaults();
        let json = serde_json::to_string_pretty(&rules).unwrap();
        assert_eq!(serde_json::from_str::<Rules>(&json).unwrap(), rules);
        let first: serde_json::Value = serde_json::to_value(&rules.rules()[0]).unwrap();
        assert_eq!(
            first,
            serde_json::json!({
                "id": "cluster_yellow",
                "level": "yellow",
                "enabled": true,
                "condition": { "kind": "cluster_size", "min": 5, "window_days": 30 }
            })
        );
        // An admin's edit: `enabled` may be left out; unknown fields and kinds are refused.
        let edited: Rule =
            serde_json::from_str(r#"{"id":"late","level":"blue","condition":{"kind":"overdue"}}"#).unwrap();
        assert_eq!(edited.condition, Condition::Overdue);
        assert!(edited.enabled);
        assert!(
            serde_json::from_str::<Rule>(
                r#"{"id":"p","level":"red","condition":{"kind":"people","min":5,"max":9}}"#
            )
            .is_err()
        );
        assert!(
            serde_json::from_str::<Rule>(r#"{"id":"p","level":"red","condition":{"kind":"person_score"}}"#)
                .is_err()
        );
        assert!(
            serde_json::from_str::<Rule>(r#"{"id":"p","level":"purple","condition":{"kind":"overdue"}}"#)
                .is_err()
        );
        // Firings and changes serialise too, for the store and the API.
        let f = on(&MatterFacts { people_involved: 30, ..quiet(2) }).unwrap();
        assert_eq!(serde_json::from_str::<Firing>(&serde_json::to_string(&f).unwrap()).unwrap(), f);
    }

    #[test]
    fn preview_shows_an_edits_effect() {
        let matters = [
            MatterFacts { people_involved: 3, ..quiet(1) },
            MatterFacts { people_involved: 8, ..quiet(2) },
            MatterFacts { supervision_ignored: true, ..quiet(3) },
            MatterFacts { people_involved: 40, open: false, ..quiet(4) },
        ];
        let clusters = [cluster(6, 0), cluster(2, 0)];
        let now = preview(&Rules::defaults(), &matters, &clusters);
        let subjects: Vec<_> = now.iter().map(|f| (key(&f.subject), f.level)).collect();
        assert_eq!(
            subjects,
            [
                ("matter:3".to_string(), Level::Red),
                ("cluster:wage_arrears:project:城东安置房二期".to_string(), Level::Yellow),
                ("matter:2".to_string(), Level::Blue),
            ]
        );
        // Lowering the people threshold to 3 and the cluster size to 2 fires on more.
        let mut draft = Rules::defaults().0;
        draft[3].condition = Condition::People { min: 3 };
        draft[0].condition = Condition::ClusterSize { min: 2, window_days: 30 };
        assert_eq!(Rules::check(&draft), Ok(()));
        let then = preview(&Rules::new(draft), &matters, &clusters);
        assert_eq!(then.len(), 5);
        assert!(then.iter().any(|f| f.subject == WarningSubject::Matter(MatterId(1))));
    }

    #[test]
    fn facts_of_a_matter() {
        use crate::calendar::Limit;
        use crate::clock::Clock;
        use crate::matter::{Channel, MatterKind, Registration};
        let t = |s: i64| Timestamp::from_second(1_780_000_000 + s).unwrap();
        let registration = Registration {
            kind: MatterKind::WageClaim,
            channel: Channel::Visit,
            category: crate::category::CategoryCode("wage_arrears".into()),
            unit_id: UnitId(5),
            title: "欠薪".into(),
            body: "工程款未结".into(),
            parties: vec![],
            people_involved: 32,
            amount_fen: Fen::new(12_000_000),
            attachments: vec![],
            urgency: Default::default(),
            project: None,
        };
        let mut m = Matter::registered(MatterId(11), registration, t(0), crate::ids::UserId(1));
        let clock = |started, due| Clock {
            started: t(started),
            due: t(due),
            limit: Some(Limit::calendar_days(1)),
            reminded: false,
            overdue: false,
            run: 1,
        };
        // Handling: 20 days, 4 past. Intake: 2 days, 1.5 past (the worse by ratio). A review
        // window past due is no one's lateness; the supervision is its own fact.
        m.clocks.insert(ClockName::Handling, clock(0, 20 * DAY));
        m.clocks.insert(ClockName::Intake, clock(22 * DAY, 24 * DAY - DAY / 2));
        m.clocks.insert(ClockName::ReviewWindow, clock(0, DAY));
        m.clocks.insert(ClockName::Supervision, clock(0, 23 * DAY));
        m.mediation.risk_flags = 1;
        let f = MatterFacts::of(&m, t(24 * DAY), 2);
        assert_eq!(
            f,
            MatterFacts {
                id: MatterId(11),
                open: true,
                people_involved: 32,
                amount_fen: Some(12_000_000),
                overdue: Some(Overdue { limit_secs: 2 * DAY - DAY / 2, past_secs: DAY / 2 }),
                supervision_ignored: true,
                repeat_contacts: 2,
                violence_flags: 1,
            }
        );
        assert_eq!(MatterFacts::of(&m, t(10 * DAY), 0).overdue, None);
        assert!(!MatterFacts::of(&m, t(10 * DAY), 0).supervision_ignored);
        m.status = Status::Closed;
        assert!(!MatterFacts::of(&m, t(10 * DAY), 0).open);
    }
}
