//! Builds a full-text index of N synthetic Chinese matters (N from the first argument,
//! default 1,000,000) in a temporary directory, reports build time, index size and memory,
//! then times 1,000 township-scoped searches (count + top 20 with snippets), common words
//! over the whole city, and each common word alone in one township and in the whole city.
//!
//! `cargo run --release -p minsheng-search --example index_bench -- 200000`
//!
//! `INDEX_DIR=dir`: keep the index in `dir` instead; a committed index already there is
//! searched as it is (no build, no upserts), so search changes can be timed without
//! rebuilding. It must have been built with the same N.

use std::time::{Duration, Instant};

use minsheng_search::index::{MatterDoc, Order, Query, SearchIndex};

const TOWNSHIPS: [&str; 20] = [
    "枫桥镇",
    "店口镇",
    "暨阳街道",
    "浣东街道",
    "陶朱街道",
    "大唐街道",
    "次坞镇",
    "牌头镇",
    "同山镇",
    "安华镇",
    "草塔镇",
    "五泄镇",
    "璜山镇",
    "赵家镇",
    "东和乡",
    "马剑镇",
    "岭北镇",
    "山下湖镇",
    "姚江镇",
    "应店街镇",
];
const VILLAGE_HEADS: [&str; 20] = [
    "枫", "栎", "湄", "三", "新", "上", "下", "东", "西", "南", "北", "大", "小", "石", "溪", "柳", "杨",
    "梅", "桃", "竹",
];
const VILLAGE_TAILS: [&str; 20] = [
    "源", "桥", "池", "江", "择", "塘", "湖", "山", "坞", "岭", "田", "庄", "溪", "港", "岙", "畈", "墩",
    "里", "湾", "坑",
];
const DEPARTMENTS: usize = 10;
const SURNAMES: [&str; 12] = ["张", "王", "李", "赵", "陈", "杨", "周", "吴", "徐", "孙", "朱", "何"];
/// Company names: 30 × 10, each rare.
const FIRMS: [&str; 30] = [
    "宏达", "恒信", "鑫源", "华腾", "金诚", "永盛", "天成", "瑞丰", "嘉禾", "东升", "兴旺", "博远", "安泰",
    "利民", "正阳", "富春", "长青", "顺发", "万隆", "汇通", "明珠", "国泰", "祥和", "盛世", "锦华", "海天",
    "龙腾", "新月", "昌盛", "德润",
];
const TRADES: [&str; 10] = ["建筑", "建材", "物业", "纺织", "五金", "劳务", "餐饮", "运输", "装饰", "机械"];

/// Per issue: title, and body sentences; {p} place, {n} number, {s} surname, {f} firm.
const ISSUES: &[(&str, &[&str])] = &[
    (
        "{p}农民工反映拖欠工资",
        &[
            "{s}某等{n}名农民工反映{f}工地拖欠工资",
            "共计{n}000元多次讨要未果",
            "包工头已失联",
            "请求劳动监察部门帮助追讨",
        ],
    ),
    (
        "{p}工地夜间施工噪音扰民",
        &["{f}工地夜间施工噪音扰民", "居民无法入睡", "已持续{n}天", "希望限制施工时间"],
    ),
    (
        "{p}宅基地纠纷",
        &["村民{s}某与邻居因宅基地界线发生纠纷", "双方多次争吵", "请求村里调解", "涉及面积约{n}平方米"],
    ),
    ("{p}广场舞噪音", &["每晚广场舞音响声音过大", "附近居民反映噪音扰民", "希望安排在{n}点前结束"]),
    ("{p}道路破损", &["村口道路破损严重", "雨天积水", "村民出行不便", "坑洞约{n}处"]),
    ("{p}垃圾清运不及时", &["垃圾桶满溢清运不及时", "夏季异味严重", "已有{n}天未清运"]),
    ("{p}违章搭建", &["村民{s}某在自家宅基地上违章搭建", "搭建面积约{n}平方米", "邻居多次投诉"]),
    ("{p}物业纠纷", &["业主与{f}物业公司因物业费上涨产生纠纷", "涨幅达{n}%", "业主拒缴物业费"]),
    ("{p}企业偷排废水", &["{f}厂夜间偷排废水", "河水发黑发臭", "鱼类死亡约{n}斤"]),
    ("{p}电梯故障", &["小区{n}幢电梯频繁故障", "存在安全隐患", "物业维修不及时"]),
    ("{p}土地流转纠纷", &["村民与种植大户因土地流转租金发生纠纷", "拖欠租金{n}元", "请求调解"]),
    ("{p}养老保险咨询", &["居民咨询城乡居民养老保险缴费档次", "已缴费{n}年", "询问领取条件"]),
    ("{p}低保申请咨询", &["困难户咨询低保申请条件", "家庭人口{n}人", "收入来源单一"]),
    ("{p}停车难", &["小区车位不足", "外来车辆乱停乱放", "缺少车位约{n}个"]),
    ("{p}自来水水压低", &["高处农户自来水水压低", "用水困难", "影响{n}户"]),
    ("{p}扬尘污染", &["{f}工地未覆盖裸土", "扬尘污染严重", "周边{n}户居民受影响"]),
    ("{p}餐饮油烟扰民", &["{f}餐饮店油烟直排", "楼上住户无法开窗", "已投诉{n}次"]),
    ("{p}劳动合同纠纷", &["{s}某与{f}公司未签订劳动合同", "被辞退后未获经济补偿", "工作{n}个月"]),
    ("{p}克扣工资", &["{f}公司克扣工人工资和加班费", "涉及金额{n}元", "涉及工人{n}人"]),
    ("{p}化粪池满溢", &["公厕化粪池满溢", "污水横流", "已有{n}天"]),
    ("{p}山塘安全隐患", &["山塘堤坝有渗漏", "存在安全隐患", "下游有{n}户居民"]),
    ("{p}邻里纠纷", &["邻居长期在楼道堆放杂物", "多次沟通无果", "堵塞消防通道"]),
    ("{p}路灯不亮", &["主干道路灯不亮", "夜间出行不安全", "共{n}盏"]),
    ("{p}医疗费用纠纷", &["患者家属{s}某对医疗费用有异议", "金额{n}元", "要求医院说明"]),
    ("{p}学生入学咨询", &["家长咨询子女入学政策", "户籍在{p}", "孩子{n}岁"]),
];
const REPLIES: [&str; 6] = [
    "已转相关部门核查处理",
    "已电话联系来电人说明情况",
    "经现场核实情况属实",
    "已督促责任单位限期整改",
    "双方已达成调解协议",
    "已告知来电人政策规定",
];
const KINDS: [&str; 5] = ["request", "petition", "dispute", "grid_event", "wage_claim"];
const STATUSES: [&str; 3] = ["open", "assigned", "closed"];
const CHANNELS: [&str; 4] = ["hotline", "walk_in", "online", "grid"];

const COMMON: [&str; 6] = ["拖欠工资", "噪音扰民", "宅基地纠纷", "村民", "道路破损", "安全隐患"];
const RARE: [&str; 6] = ["宏达建材", "化粪池", "德润机械", "医疗费用 异议", "湄塘村 违章搭建", "山塘渗漏"];

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn village(t: usize, v: usize) -> String {
    format!("{}{}村", VILLAGE_HEADS[(t + v) % 20], VILLAGE_TAILS[(t * 7 + v) % 20])
}

fn fill(template: &str, rng: &mut Rng, place: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let key = &rest[at..at + 3];
        match key {
            "{p}" => out.push_str(place),
            "{n}" => out.push_str(&(1 + rng.below(500)).to_string()),
            "{s}" => out.push_str(rng.pick(&SURNAMES)),
            _ => {
                out.push_str(rng.pick(&FIRMS));
                out.push_str(rng.pick(&TRADES));
            }
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

fn matter(id: i64, rng: &mut Rng) -> MatterDoc {
    let (t, v) = (rng.below(20), rng.below(20));
    let place = format!("{}{}", TOWNSHIPS[t], village(t, v));
    let place_path = format!("/1/{}/{}/", t + 2, 100 + t * 20 + v);
    let (title, sentences) = ISSUES[rng.below(ISSUES.len())];
    let mut body = String::new();
    for _ in 0..2 + rng.below(4) {
        body.push_str(&fill(sentences[rng.below(sentences.len())], rng, &place));
        body.push('，');
    }
    body.pop();
    body.push('。');
    let mut scope = vec![place_path.clone()];
    let handled = rng.below(3) == 0;
    if handled {
        scope.push(format!("/1/{}/", 900 + rng.below(DEPARTMENTS)));
    }
    let status = rng.pick(&STATUSES);
    MatterDoc {
        id,
        title: fill(title, rng, &place),
        extra: if handled { rng.pick(&REPLIES).to_string() } else { String::new() },
        body,
        scope,
        place_path,
        lead_unit: Some(t as i64 + 2),
        kind: rng.pick(&KINDS).into(),
        status: status.into(),
        channel: rng.pick(&CHANNELS).into(),
        category: "general".into(),
        registered_at_ms: 1_700_000_000_000 + id * 60_000,
        open: status != "closed",
    }
}

fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or("?".to_string(), |kb| format!("{} MB", kb / 1024))
    };
    format!(
        "VmRSS {} (anon {}, file {}), peak VmHWM {}",
        field("VmRSS:"),
        field("RssAnon:"),
        field("RssFile:"),
        field("VmHWM:")
    )
}

fn dir_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.metadata().ok())
        .filter(|meta| meta.is_file())
        .map(|meta| meta.len())
        .sum()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted.get(((sorted.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or_default()
}

fn report(label: &str, mut times: Vec<Duration>, totals: &[usize]) {
    times.sort();
    let mean_total = totals.iter().sum::<usize>() as f64 / totals.len().max(1) as f64;
    println!(
        "{label:>22}: n={:4} p50 {:7.2} ms  p99 {:7.2} ms  max {:7.2} ms  (mean matches {:.0})",
        times.len(),
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        mean_total
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: i64 = std::env::args().nth(1).map(|arg| arg.parse()).transpose()?.unwrap_or(1_000_000);
    let temporary = tempfile::tempdir()?;
    let dir = std::env::var_os("INDEX_DIR").map_or_else(|| temporary.path().to_owned(), Into::into);
    println!("start: {}", memory());
    let index = SearchIndex::open(&dir)?;
    if index.checkpoint().is_some() {
        println!("searching the index already in {} ({} MB)", dir.display(), dir_size(&dir) / 1_000_000);
    } else {
        build(&index, &dir, n)?;
    }
    search(&index, n)
}

fn build(index: &SearchIndex, dir: &std::path::Path, n: i64) -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let started = Instant::now();
    let mut text_bytes = 0usize;
    for id in 1..=n {
        let matter = matter(id, &mut rng);
        text_bytes += matter.title.len() + matter.body.len() + matter.extra.len();
        index.upsert(&matter)?;
        if id % 100_000 == 0 {
            index.commit(id)?;
            println!("{id:>9} indexed, {:6.1} s, {}", started.elapsed().as_secs_f64(), memory());
        }
    }
    index.commit(n)?;
    let built = started.elapsed();
    println!(
        "built {n} matters ({} MB of text) in {:.1} s ({:.0}/s); index {} MB; {}",
        text_bytes / 1_000_000,
        built.as_secs_f64(),
        n as f64 / built.as_secs_f64(),
        dir_size(dir) / 1_000_000,
        memory()
    );

    let started = Instant::now();
    for i in 0..10_000 {
        let id = 1 + rng.below(n as usize) as i64;
        let mut changed = matter(id, &mut rng);
        changed.extra = format!("第{i}次更新：{}", REPLIES[i % REPLIES.len()]);
        index.upsert(&changed)?;
    }
    index.commit(n + 1)?;
    println!(
        "10,000 upserts of indexed matters + commit: {:.2} s; {}",
        started.elapsed().as_secs_f64(),
        memory()
    );
    Ok(())
}

fn search(index: &SearchIndex, n: i64) -> Result<(), Box<dyn std::error::Error>> {
    // Its own stream, so the searches are the same whether the index was built now or not.
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let query = |text: &str, scope: String| Query {
        text: text.to_string(),
        scopes: vec![scope],
        order: Order::Relevance,
        limit: 20,
        ..Query::default()
    };
    let mut timings: [(Vec<Duration>, Vec<usize>); 3] = Default::default();
    for i in 0..1000 {
        let township = format!("/1/{}/", 2 + rng.below(20));
        let (kind, text) = match i % 3 {
            0 => (0, rng.pick(&COMMON)),
            1 => (1, rng.pick(&RARE)),
            _ => (2, ""),
        };
        let q = query(text, township);
        let started = Instant::now();
        let hits = index.search(&q)?;
        timings[kind].0.push(started.elapsed());
        timings[kind].1.push(hits.total);
    }
    println!("1,000 searches in one township of {n} matters (count + top 20 with snippets):");
    let all: Vec<Duration> = timings.iter().flat_map(|(times, _)| times.iter().copied()).collect();
    let all_totals: Vec<usize> = timings.iter().flat_map(|(_, totals)| totals.iter().copied()).collect();
    let [(common, common_totals), (rare, rare_totals), (newest, newest_totals)] = timings;
    report("common words", common, &common_totals);
    report("rare words", rare, &rare_totals);
    report("no text (newest)", newest, &newest_totals);
    report("all", all, &all_totals);
    let mut whole = (Vec::new(), Vec::new());
    for i in 0..100 {
        let q = query(COMMON[i % COMMON.len()], "/1/".into());
        let started = Instant::now();
        let hits = index.search(&q)?;
        whole.0.push(started.elapsed());
        whole.1.push(hits.total);
    }
    report("common, whole city", whole.0, &whole.1);
    for word in COMMON {
        for (label, scope) in [("township", "/1/2/"), ("whole city", "/1/")] {
            let q = query(word, scope.into());
            let (mut times, mut totals) = (Vec::new(), Vec::new());
            for _ in 0..50 {
                let started = Instant::now();
                let hits = index.search(&q)?;
                times.push(started.elapsed());
                totals.push(hits.total);
            }
            report(&format!("{word}, {label}"), times, &totals);
        }
    }
    println!("after searches: {}", memory());
    Ok(())
}
