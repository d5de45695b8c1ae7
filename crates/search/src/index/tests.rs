//! The index over a fixed corpus of thirty matters in 诸暨市 (/1/): 枫桥镇 (/1/5/, villages
//! 枫源村 23, 栎桥村 24, 新择村 25), 店口镇 (/1/6/, 湄池村 31, 三江村 32), 暨阳街道 (/1/7/,
//! 东湖社区 41); departments 人社局 /1/90/, 住建局 /1/91/, 综合执法局 /1/92/, 生态环境局 /1/93/.

use std::collections::BTreeSet;

use super::*;

const DAY_MS: i64 = 86_400_000;
const START_MS: i64 = 1_767_225_600_000; // 2026-01-01 (UTC+8 midnight minus 8 h, close enough)

/// (id, title, body, extra, place, handling units, lead unit, kind, status, channel, category);
/// registered on day `id`.
#[rustfmt::skip]
#[allow(clippy::type_complexity)]
const CORPUS: &[(i64, &str, &str, &str, &str, &[&str], Option<i64>, &str, &str, &str, &str)] = &[
    (1, "枫源村农民工反映某某建筑工地拖欠工资", "枫桥镇枫源村张某等12名农民工反映，某某建筑工地自去年10月起拖欠工资共计86000元，多次讨要未果，请求帮助追讨。", "已转人社局劳动监察大队核查。", "/1/5/23/", &["/1/90/"], Some(90), "wage_claim", "assigned", "hotline", "labour"),
    (2, "店口镇某某建筑工地拖欠农民工工资", "店口镇湄池村附近某某建筑工地包工头拖欠工资，涉及工人20余人。", "", "/1/6/31/", &["/1/90/"], Some(90), "wage_claim", "open", "hotline", "labour"),
    (3, "宅基地纠纷：湄池村两户争执", "店口镇湄池村村民王某与邻居李某因宅基地界线发生纠纷，双方多次争吵，请求村里调解。", "", "/1/6/31/", &[], Some(6), "dispute", "open", "walk_in", "land"),
    (4, "楼上装修噪音扰民", "暨阳街道东湖社区居民反映楼上住户夜间装修，噪音扰民严重，影响老人休息。", "已联系住户，承诺晚上不再施工。", "/1/7/41/", &[], Some(7), "request", "closed", "online", "noise"),
    (5, "枫桥镇广场舞噪音扰民", "枫桥镇镇区广场每晚广场舞音响声音过大，附近居民反映噪音扰民，希望限制时间。", "", "/1/5/", &[], Some(5), "request", "open", "hotline", "noise"),
    (6, "枫源村宅基地审批进度咨询", "枫源村村民咨询宅基地审批需要哪些材料，何时能够办理。", "", "/1/5/23/", &[], Some(5), "request", "closed", "online", "land"),
    (7, "栎桥村道路破损", "枫桥镇栎桥村村口道路破损严重，雨天积水，村民出行不便。", "", "/1/5/24/", &[], Some(5), "grid_event", "open", "grid", "traffic"),
    (8, "店口镇政府门口占道经营", "有商贩在店口镇政府门口占道经营，影响交通。", "", "/1/6/", &["/1/92/"], Some(92), "grid_event", "open", "grid", "traffic"),
    (9, "三江村工厂废水排放", "店口镇三江村一铜管加工厂夜间偷排废水，河水发黑发臭。", "", "/1/6/32/", &["/1/93/"], Some(93), "request", "assigned", "hotline", "environment"),
    (10, "拖欠工資問題", "楓橋鎮新擇村某某建築工地拖欠工資三個月，工人無法返鄉。", "", "/1/5/25/", &[], Some(5), "wage_claim", "open", "online", "labour"),
    (11, "12345热线转办：东湖社区电梯故障", "市民通过12345热线反映东湖社区3幢电梯频繁故障，存在安全隐患。", "", "/1/7/41/", &["/1/91/"], Some(91), "request", "open", "hotline", "construction"),
    (12, "来电反映新择村路灯不亮", "来电人通过１２３４５热线反映新择村主干道路灯不亮。", "", "/1/5/25/", &[], Some(5), "request", "open", "hotline", "traffic"),
    (13, "暨阳街道物业纠纷", "东湖社区业主与物业公司因物业费上涨产生纠纷，业主拒缴物业费。", "", "/1/7/41/", &[], Some(7), "dispute", "open", "walk_in", "neighbour"),
    (14, "邻里纠纷：楼道堆放杂物", "枫源村村民反映邻居长期在楼道堆放杂物，多次沟通无果。", "", "/1/5/23/", &[], Some(5), "dispute", "closed", "walk_in", "neighbour"),
    (15, "湄池村违章搭建", "湄池村村民在自家宅基地上违章搭建三层楼房，邻居投诉。", "", "/1/6/31/", &["/1/91/"], Some(91), "grid_event", "assigned", "grid", "construction"),
    (16, "工地夜间施工噪音", "暨阳街道某某建筑工地夜间施工，噪音扰民，居民无法入睡。", "", "/1/7/", &["/1/92/"], Some(92), "request", "open", "hotline", "noise"),
    (17, "劳务派遣公司克扣工资", "店口镇一劳务派遣公司克扣工人工资和加班费，涉及金额5000元。", "", "/1/6/", &["/1/90/"], Some(90), "wage_claim", "open", "walk_in", "labour"),
    (18, "枫桥镇养老保险咨询", "枫桥镇居民咨询城乡居民养老保险缴费档次和领取条件。", "", "/1/5/", &[], Some(5), "request", "closed", "online", "social_security"),
    (19, "新择村土地流转纠纷", "枫桥镇新择村村民与种植大户因土地流转租金发生纠纷。", "", "/1/5/25/", &[], Some(5), "dispute", "open", "walk_in", "land"),
    (20, "栎桥村垃圾清运不及时", "栎桥村垃圾桶满溢，清运不及时，夏季异味严重。", "", "/1/5/24/", &[], Some(5), "grid_event", "closed", "grid", "environment"),
    (21, "店口镇菜市场噪音", "店口镇菜市场凌晨卸货噪音大，周边居民反映强烈。", "", "/1/6/", &[], Some(6), "request", "open", "hotline", "noise"),
    (22, "三江村宅基地使用权争议", "三江村两兄弟因父母留下的宅基地使用权产生争议，申请调解。", "", "/1/6/32/", &[], Some(6), "dispute", "open", "walk_in", "land"),
    (23, "网上留言<script>alert(1)</script>", "留言内容含有特殊字符 <b>加粗</b> & 引号\"测试\"，反映枫源村路灯问题。", "", "/1/5/23/", &[], Some(5), "request", "open", "online", "traffic"),
    (24, "东湖社区停车难", "东湖社区车位不足，外来车辆乱停乱放。", "", "/1/7/41/", &[], Some(7), "grid_event", "open", "grid", "traffic"),
    (25, "枫源村自来水水压低", "枫源村高处农户自来水水压低，用水困难。", "", "/1/5/23/", &["/1/91/"], Some(91), "request", "assigned", "hotline", "construction"),
    (26, "店口镇某某建筑工地扬尘污染", "店口镇某某建筑工地未覆盖裸土，扬尘污染严重。", "", "/1/6/", &["/1/93/"], Some(93), "request", "open", "hotline", "environment"),
    (27, "工资拖欠：餐饮店员工讨薪", "暨阳街道某餐饮店拖欠3名员工两个月工资，老板失联。", "", "/1/7/", &["/1/90/"], Some(90), "wage_claim", "open", "hotline", "labour"),
    (28, "湄池村养殖场臭味", "湄池村生猪养殖场臭味扰民，苍蝇多。", "", "/1/6/31/", &[], Some(6), "request", "open", "online", "environment"),
    (29, "栎桥村低保申请", "栎桥村困难户咨询低保申请条件。", "", "/1/5/24/", &[], Some(5), "request", "closed", "walk_in", "social_security"),
    (30, "新择村山塘安全隐患", "新择村山塘堤坝有渗漏，存在安全隐患。", "", "/1/5/25/", &[], Some(5), "grid_event", "open", "grid", "environment"),
];

fn corpus() -> Vec<MatterDoc> {
    CORPUS
        .iter()
        .map(|&(id, title, body, extra, place, handlers, lead_unit, kind, status, channel, category)| {
            MatterDoc {
                id,
                title: title.into(),
                body: body.into(),
                extra: extra.into(),
                scope: std::iter::once(place).chain(handlers.iter().copied()).map(String::from).collect(),
                place_path: place.into(),
                lead_unit,
                kind: kind.into(),
                status: status.into(),
                channel: channel.into(),
                category: category.into(),
                registered_at_ms: START_MS + id * DAY_MS,
                open: status != "closed",
            }
        })
        .collect()
}

fn indexed() -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    for matter in corpus() {
        index.upsert(&matter).unwrap();
    }
    index.commit(30).unwrap();
    index
}

fn query(text: &str, scopes: &[&str]) -> Query {
    Query {
        text: text.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        limit: 100,
        ..Query::default()
    }
}

fn ids(hits: &Hits) -> Vec<i64> {
    hits.items.iter().map(|hit| hit.id).collect()
}

fn id_set(hits: &Hits) -> BTreeSet<i64> {
    hits.items.iter().map(|hit| hit.id).collect()
}

fn set(ids: &[i64]) -> BTreeSet<i64> {
    ids.iter().copied().collect()
}

#[test]
fn place_names_find_their_matters_titles_first() {
    let index = indexed();
    let hits = index.search(&query("枫源村", &["/1/"])).unwrap();
    assert_eq!(id_set(&hits), set(&[1, 6, 14, 23, 25]));
    assert_eq!(hits.total, 5);
    assert_eq!(set(&ids(&hits)[..3]), set(&[1, 6, 25]), "title matches first: {hits:#?}");

    // jieba cuts 店口镇 differently alone (店|口镇) and in 店口镇政府 (店口|镇政府).
    let hits = index.search(&query("店口镇", &["/1/"])).unwrap();
    assert_eq!(id_set(&hits), set(&[2, 3, 8, 9, 17, 21, 26]));
    assert_eq!(set(&ids(&hits)[..4]), set(&[2, 8, 21, 26]), "title matches first: {hits:#?}");
}

#[test]
fn common_words_rank_the_matters_about_them() {
    let index = indexed();
    let hits = index.search(&query("拖欠工资", &["/1/"])).unwrap();
    // 27 says 拖欠3名员工两个月工资: every word is there, not the phrase.
    assert_eq!(id_set(&hits), set(&[1, 2, 10, 27]));
    assert_ne!(ids(&hits)[0], 27, "the literal phrase outranks the scattered words: {hits:#?}");

    let hits = index.search(&query("噪音扰民", &["/1/"])).unwrap();
    assert_eq!(id_set(&hits), set(&[4, 5, 16]));
    assert_eq!(ids(&hits)[..2].iter().copied().collect::<BTreeSet<_>>(), set(&[4, 5]));

    let hits = index.search(&query("宅基地 纠纷", &["/1/"])).unwrap();
    assert_eq!(ids(&hits), vec![3]);
}

#[test]
fn traditional_and_full_width_find_each_other() {
    let index = indexed();
    let simplified = index.search(&query("拖欠工资", &["/1/"])).unwrap();
    let traditional = index.search(&query("拖欠工資", &["/1/"])).unwrap();
    assert_eq!(id_set(&traditional), id_set(&simplified));
    assert!(id_set(&simplified).contains(&10), "the traditional document is found by simplified text");

    assert_eq!(id_set(&index.search(&query("楓橋鎮 新擇村", &["/1/"])).unwrap()), set(&[10, 19]));
    assert_eq!(id_set(&index.search(&query("１２３４５", &["/1/"])).unwrap()), set(&[11, 12]));
    assert_eq!(id_set(&index.search(&query("12345", &["/1/"])).unwrap()), set(&[11, 12]));
}

#[test]
fn scope_limits_items_and_counts() {
    let index = indexed();
    let township = index.search(&query("拖欠工资", &["/1/6/"])).unwrap();
    assert_eq!((township.total, ids(&township)), (1, vec![2]));
    let noise = index.search(&query("噪音", &["/1/5/"])).unwrap();
    assert_eq!((noise.total, ids(&noise)), (1, vec![5]));
    let everything_in_5 = index.search(&query("", &["/1/5/"])).unwrap();
    assert_eq!(everything_in_5.total, 14);
    assert!(
        everything_in_5.items.iter().all(|hit| corpus()[hit.id as usize - 1].place_path.starts_with("/1/5/"))
    );

    // Handled by the labour bureau: visible to it, wherever placed.
    let bureau = index.search(&query("", &["/1/90/"])).unwrap();
    assert_eq!((bureau.total, id_set(&bureau)), (4, set(&[1, 2, 17, 27])));
    let bureau_wages = index.search(&query("拖欠工资", &["/1/90/"])).unwrap();
    assert_eq!(id_set(&bureau_wages), set(&[1, 2, 27]));

    let two = index.search(&query("噪音", &["/1/5/", "/1/6"])).unwrap();
    assert_eq!(id_set(&two), set(&[5, 21]));

    for nobody in [&[][..], &[""], &["/"], &["//", " "]] {
        assert_eq!(index.search(&query("", nobody)).unwrap(), Hits::default(), "{nobody:?} sees nothing");
    }
    assert_eq!(index.search(&query("", &["1/5"])).unwrap().total, 14, "slashes are optional");
    // A sibling with a longer number is not a subtree.
    assert_eq!(index.search(&query("", &["/1/9/"])).unwrap().total, 0);
}

#[test]
fn filters_combine_with_text() {
    let index = indexed();
    let search = |edit: &dyn Fn(&mut Query)| {
        let mut q = query("", &["/1/"]);
        edit(&mut q);
        id_set(&index.search(&q).unwrap())
    };
    assert_eq!(
        search(&|q| {
            q.text = "纠纷".into();
            q.kind = Some("dispute".into());
        }),
        set(&[3, 13, 14, 19])
    );
    assert_eq!(
        search(&|q| {
            q.text = "纠纷".into();
            q.kind = Some("dispute".into());
            q.open_only = true;
        }),
        set(&[3, 13, 19])
    );
    assert_eq!(
        search(&|q| {
            q.text = "纠纷".into();
            q.status = Some("closed".into());
        }),
        set(&[14])
    );
    assert_eq!(
        search(&|q| {
            q.text = "宅基地".into();
            q.place_path = Some("/1/6/".into());
        }),
        set(&[3, 15, 22])
    );
    assert_eq!(
        search(&|q| {
            q.text = "工地".into();
            q.lead_unit = Some(90);
        }),
        set(&[1, 2])
    );
    assert_eq!(
        search(&|q| {
            q.text = "噪音".into();
            q.registered_from_ms = Some(START_MS + 4 * DAY_MS);
            q.registered_before_ms = Some(START_MS + 16 * DAY_MS);
        }),
        set(&[4, 5])
    );
    assert_eq!(
        search(&|q| {
            q.channel = Some("grid".into());
            q.category = Some("traffic".into());
        }),
        set(&[7, 8, 24])
    );
    assert_eq!(
        search(&|q| {
            q.text = "噪音".into();
            q.place_path = Some("".into());
        }),
        set(&[])
    );
}

#[test]
fn newest_orders_by_registration() {
    let index = indexed();
    let mut q = query("", &["/1/5/"]);
    q.order = Order::Newest;
    q.limit = 5;
    let hits = index.search(&q).unwrap();
    assert_eq!((hits.total, ids(&hits)), (14, vec![30, 29, 25, 23, 20]));
    assert!(hits.items.iter().all(|hit| hit.score == 0.0));

    q.text = "枫源村".into();
    assert_eq!(ids(&index.search(&q).unwrap()), vec![25, 23, 14, 6, 1]);
    q.text.clear();
    q.order = Order::Relevance;
    assert_eq!(ids(&index.search(&q).unwrap()), vec![30, 29, 25, 23, 20], "no text: newest first");
}

#[test]
fn pages_and_limits() {
    let index = indexed();
    let mut q = query("", &["/1/"]);
    q.order = Order::Newest;
    q.offset = 25;
    q.limit = 10;
    let hits = index.search(&q).unwrap();
    assert_eq!((hits.total, ids(&hits)), (30, vec![5, 4, 3, 2, 1]));
    q.limit = 0;
    assert_eq!(index.search(&q).unwrap(), Hits { total: 30, items: vec![] });
    q.offset = usize::MAX;
    q.limit = usize::MAX;
    assert_eq!(index.search(&q).unwrap(), Hits { total: 30, items: vec![] });
    q.text = "枫源村".into();
    q.order = Order::Relevance;
    assert_eq!(index.search(&q).unwrap(), Hits { total: 5, items: vec![] });
}

#[test]
fn snippets_mark_words_and_escape_html() {
    let index = indexed();
    let hits = index.search(&query("噪音扰民", &["/1/"])).unwrap();
    for hit in &hits.items {
        assert!(hit.title_snippet.contains("<mark>") || hit.body_snippet.contains("<mark>"), "{hit:?}");
        assert!(hit.body_snippet.contains("</mark>"), "{hit:?}");
    }
    let four = hits.items.iter().find(|hit| hit.id == 4).unwrap();
    assert_eq!(four.title_snippet, "楼上装修<mark>噪音扰民</mark>");

    let hits = index.search(&query("路灯", &["/1/5/23/"])).unwrap();
    let hit = &hits.items[0];
    assert_eq!(hit.id, 23);
    assert_eq!(hit.title_snippet, "网上留言&lt;script&gt;alert(1)&lt;/script&gt;");
    assert!(hit.body_snippet.contains("&lt;b&gt;加粗&lt;/b&gt; &amp; 引号&quot;测试&quot;"), "{hit:?}");
    assert!(hit.body_snippet.contains("<mark>路灯</mark>"), "{hit:?}");

    // Snippets show the text as written, the traditional characters marked.
    let hits = index.search(&query("拖欠工资", &["/1/5/25/"])).unwrap();
    assert!(hits.items[0].title_snippet.contains("<mark>拖欠工資</mark>"), "{:?}", hits.items[0]);

    // Without text: the beginnings, escaped, nothing marked.
    let hits = index.search(&query("", &["/1/5/23/"])).unwrap();
    let hit = hits.items.iter().find(|hit| hit.id == 23).unwrap();
    assert!(hit.title_snippet.starts_with("网上留言&lt;script&gt;") && !hit.body_snippet.contains("<mark>"));
}

#[test]
fn query_syntax_is_only_text() {
    let index = indexed();
    for text in
        ["\"title:(", "*", "AND OR", "", "。。。！", "title:枫源村", "[1 TO 5]", "\\", "+-!^~", "\u{0}"]
    {
        let hits = index.search(&query(text, &["/1/5/"])).unwrap();
        assert!(hits.total == 0 || hits.total == 14, "{text:?}: {hits:?}");
    }
    // Syntax around real words: the words still count.
    assert_eq!(id_set(&index.search(&query("title:(枫源村", &["/1/"])).unwrap()), set(&[]));
    assert_eq!(id_set(&index.search(&query("(枫源村)", &["/1/"])).unwrap()), set(&[1, 6, 14, 23, 25]));
    let long = "枫源村".repeat(1000);
    assert!(index.search(&query(&long, &["/1/"])).is_ok());
}

#[test]
fn upsert_replaces_and_delete_removes() {
    let index = indexed();
    let mut first = corpus().remove(0);
    first.status = "closed".into();
    first.open = false;
    index.upsert(&first).unwrap();
    index.upsert(&first).unwrap();
    index.commit(31).unwrap();

    let hits = index.search(&query("枫源村", &["/1/"])).unwrap();
    assert_eq!((hits.total, hits.items.len()), (5, 5));
    let mut closed = query("", &["/1/"]);
    closed.status = Some("closed".into());
    assert!(id_set(&index.search(&closed).unwrap()).contains(&1));
    let mut assigned = query("", &["/1/"]);
    assigned.status = Some("assigned".into());
    assert!(!id_set(&index.search(&assigned).unwrap()).contains(&1));

    index.delete(5).unwrap();
    index.commit(32).unwrap();
    assert_eq!(index.search(&query("广场舞", &["/1/"])).unwrap(), Hits::default());
    assert_eq!(index.search(&query("", &["/1/"])).unwrap().total, 29);

    // Deleted, then back within one commit.
    let mut sixth = corpus().remove(5);
    index.delete(6).unwrap();
    sixth.title = "枫源村宅基地审批已办结".into();
    index.upsert(&sixth).unwrap();
    index.commit(33).unwrap();
    let hits = index.search(&query("办结", &["/1/"])).unwrap();
    assert_eq!((hits.total, ids(&hits)), (1, vec![6]));
    assert_eq!(index.search(&query("", &["/1/"])).unwrap().total, 29);
}

#[test]
fn repeated_upserts_before_any_commit_keep_one() {
    let index = SearchIndex::in_memory().unwrap();
    let mut matter = corpus().remove(0);
    for status in ["open", "assigned", "closed"] {
        matter.status = status.into();
        index.upsert(&matter).unwrap();
    }
    index.commit(3).unwrap();
    let hits = index.search(&query("", &["/1/"])).unwrap();
    assert_eq!((hits.total, ids(&hits)), (1, vec![1]));
    let mut closed = query("", &["/1/"]);
    closed.status = Some("closed".into());
    assert_eq!(index.search(&closed).unwrap().total, 1);
}

#[test]
fn clear_empties_for_a_rebuild() {
    let index = indexed();
    index.upsert(&corpus()[0]).unwrap();
    index.clear().unwrap();
    assert_eq!(index.search(&query("", &["/1/"])).unwrap().total, 30, "cleared at the next commit");
    let mut again = corpus()[1].clone();
    again.title = "重建后".into();
    index.upsert(&again).unwrap();
    again.title = "再次重建".into();
    index.upsert(&again).unwrap();
    index.commit(7).unwrap();
    let hits = index.search(&query("", &["/1/"])).unwrap();
    assert_eq!((hits.total, ids(&hits)), (1, vec![2]));
    assert_eq!(index.checkpoint(), Some(7));
}

#[test]
fn checkpoint_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index");
    {
        let index = SearchIndex::open(&path).unwrap();
        assert_eq!(index.checkpoint(), None);
        for matter in corpus() {
            index.upsert(&matter).unwrap();
        }
        index.commit(41).unwrap();
        assert_eq!(index.checkpoint(), Some(41));
    }
    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(index.checkpoint(), Some(41));
    assert_eq!(index.search(&query("枫源村", &["/1/"])).unwrap().total, 5);
    index.delete(1).unwrap();
    index.commit(42).unwrap();
    drop(index);
    let index = SearchIndex::open(&path).unwrap();
    assert_eq!((index.checkpoint(), index.search(&query("枫源村", &["/1/"])).unwrap().total), (Some(42), 4));
}

#[test]
fn another_schema_is_replaced_by_an_empty_index() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut builder = Schema::builder();
        let text = builder.add_text_field("text", STRING);
        let index = Index::create_in_dir(dir.path(), builder.build()).unwrap();
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let mut document = TantivyDocument::new();
        document.add_text(text, "old");
        writer.add_document(document).unwrap();
        let mut commit = writer.prepare_commit().unwrap();
        commit.set_payload("99");
        commit.commit().unwrap();
    }
    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(index.checkpoint(), None);
    index.upsert(&corpus()[0]).unwrap();
    index.commit(1).unwrap();
    assert_eq!(index.search(&query("", &["/1/"])).unwrap().total, 1);
}

#[test]
fn a_scope_holding_every_matter_is_skipped_and_others_still_apply() {
    let index = indexed();
    let mut elsewhere = corpus().remove(0);
    elsewhere.id = 99;
    elsewhere.scope = vec!["/2/7/".into()];
    elsewhere.place_path = "/2/7/".into();
    index.upsert(&elsewhere).unwrap();
    index.commit(31).unwrap();
    // Every matter but 99 lies under /1/: /1/ is a restriction again.
    assert_eq!(index.search(&query("", &["/1/"])).unwrap().total, 30);
    assert_eq!(id_set(&index.search(&query("枫源村", &["/1/"])).unwrap()), set(&[1, 6, 14, 23, 25]));
    assert_eq!(ids(&index.search(&query("枫源村", &["/2/"])).unwrap()), vec![99]);
    assert_eq!(index.search(&query("", &["/1/", "/2/"])).unwrap().total, 31);
    // Deleted, it still sits in its segment until a merge: /1/ keeps restricting, correctly.
    index.delete(99).unwrap();
    index.commit(32).unwrap();
    assert_eq!(index.search(&query("", &["/1/"])).unwrap().total, 30);
    assert_eq!(index.search(&query("", &["/2/"])).unwrap().total, 0);
}

#[test]
fn parallel_search_finds_counts_and_ranks_as_one_thread_does() {
    let index = SearchIndex::in_memory().unwrap();
    // Several commits: several segments to search side by side.
    for (batch, matters) in corpus().chunks(7).enumerate() {
        for matter in matters {
            index.upsert(matter).unwrap();
        }
        index.commit(batch as i64).unwrap();
    }
    assert!(index.reader.searcher().segment_readers().len() > 1);
    let queries =
        [("拖欠工资", "/1/"), ("枫源村", "/1/5/"), ("噪音", "/1/"), ("", "/1/6/"), ("店口镇", "/1/")];
    let run = |index: &SearchIndex| -> Vec<(Hits, usize)> {
        queries
            .iter()
            .map(|(text, scope)| {
                let mut q = query(text, &[scope]);
                let hits = index.search(&q).unwrap();
                q.limit = 0;
                (hits, index.search(&q).unwrap().total)
            })
            .collect()
    };
    let one = run(&index);
    assert!(one.iter().all(|(hits, total)| hits.total > 0 && hits.total == *total), "{one:?}");
    assert_eq!(run(&index.parallel_always()), one);
}
