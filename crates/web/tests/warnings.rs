//! Three-colour warnings through the real router and the evaluator, against SQLite and
//! PostgreSQL, on a manual clock: a yellow cluster warning from five wage complaints about one
//! project (four just miss), its leader owner on every matter, raised once however often the
//! evaluator runs or restarts, hidden from another township, closed when the matters are;
//! matter warnings by people involved and lateness, escalating with their responses; the rules
//! edited, checked and previewed by an administrator; clusters with their figures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::{SignedDuration, Timestamp};
use minsheng_domain::{Role, UnitId, UnitKind, UserId};
use minsheng_store::{NewToken, NewUnit, NewUser, Store, TokenKind};
use minsheng_testkit::{Engine, TestDb, on_both_engines};
use minsheng_web::clock::{Clock, ManualClock};
use minsheng_web::{AppState, Settings};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

struct App {
    base: String,
    http: reqwest::Client,
    store: Arc<dyn Store>,
    state: AppState,
    clock: Arc<ManualClock>,
    units: HashMap<&'static str, i64>,
    tokens: HashMap<&'static str, String>,
    users: HashMap<&'static str, UserId>,
    db: Option<TestDb>,
    _files: tempfile::TempDir,
}

const PROJECT: &str = "枫桥镇中心幼儿园新建工程";

impl App {
    async fn start(engine: Engine) -> Self {
        let db = TestDb::new(engine).await;
        let store = minsheng_store::open(&db.url).await.unwrap();
        let files = tempfile::tempdir().unwrap();
        let settings = Settings { attachments_dir: files.path().to_owned(), ..Settings::default() };
        let clock = Arc::new(ManualClock::new(Timestamp::now()));
        let state = AppState::load(Arc::clone(&store), clock.clone(), settings).await.unwrap();
        minsheng_web::bootstrap(&state, "诸暨市", Some("admin".into()), Some("password-123".into()))
            .await
            .unwrap();
        let mut units = HashMap::new();
        units.insert("county", state.org().iter().next().unwrap().id.0);
        let tree: [(&'static str, &str, UnitKind, &str); 5] = [
            ("town_a", "county", UnitKind::Township, "枫桥镇"),
            ("town_b", "county", UnitKind::Township, "店口镇"),
            ("village_a", "town_a", UnitKind::Village, "枫源村"),
            ("village_a2", "town_a", UnitKind::Village, "栎桥村"),
            ("dept2", "county", UnitKind::Department, "市人力资源和社会保障局"),
        ];
        for (key, parent, kind, name) in tree {
            let parent_id = UnitId(units[parent]);
            let parent_path = state.org().path(parent_id).unwrap();
            let u = store
                .create_unit(NewUnit {
                    parent_id: Some(parent_id),
                    kind,
                    name: name.into(),
                    code: None,
                    parent_path,
                })
                .await
                .unwrap();
            state.reload().await.unwrap();
            units.insert(key, u.id.0);
        }
        let hash = minsheng_web::auth::hash_password("password-123").unwrap();
        let cast: [(&'static str, Role, &str); 6] = [
            ("leader_county", Role::Leader, "county"),
            ("leader_a", Role::Leader, "town_a"),
            ("clerk", Role::Clerk, "county"),
            ("clerk_a", Role::Clerk, "town_a"),
            ("clerk_b", Role::Clerk, "town_b"),
            ("handler2", Role::Handler, "dept2"),
        ];
        let mut tokens = HashMap::new();
        let mut users = HashMap::new();
        let now = clock.now();
        for (name, role, unit) in cast {
            let user = store
                .create_user(NewUser {
                    username: name.into(),
                    display_name: format!("{name}名"),
                    role,
                    unit_id: UnitId(units[unit]),
                    password_hash: hash.clone(),
                    created_at: now,
                })
                .await
                .unwrap();
            let (secret, token) = minsheng_web::auth::new_token().unwrap();
            store
                .create_token(NewToken {
                    hash: token,
                    user_id: user.id,
                    kind: TokenKind::Api,
                    created_at: now,
                    // The clock moves months ahead in these tests.
                    expires_at: now + SignedDuration::from_hours(24 * 400),
                })
                .await
                .unwrap();
            tokens.insert(name, secret);
            users.insert(name, user.id);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = minsheng_web::router(state.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        let mut app = Self {
            base,
            http: reqwest::Client::new(),
            store,
            state,
            clock,
            units,
            tokens,
            users,
            db: Some(db),
            _files: files,
        };
        let (s, t) = app
            .call(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"username": "admin", "password": "password-123"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{t}");
        app.tokens.insert("admin", t["token"].as_str().unwrap().to_owned());
        app
    }

    async fn done(self) {
        self.store.close().await;
        drop(self.store);
        if let Some(db) = self.db {
            db.remove().await;
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        who: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(who) = who {
            req = req.bearer_auth(&self.tokens[who]);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn get(&self, who: &str, path: &str) -> Value {
        let (s, v) = self.call(Method::GET, path, Some(who), None).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        v
    }

    /// A wage complaint at `unit`: `people` workers owed `yuan`, about `project` if any.
    async fn complaint(
        &self,
        who: &str,
        unit: &str,
        n: usize,
        project: Option<&str>,
        people: u32,
        yuan: i64,
    ) -> i64 {
        let names = ["张建国", "李秀英", "王德明", "赵红梅", "陈志强", "刘小芳"];
        let mut m = json!({
            "kind": "request",
            "channel": "phone",
            "category": "wage_arrears",
            "unit_id": self.units[unit],
            "title": format!("反映工地拖欠工资（第{}位来电）", n + 1),
            "body": format!("{}反映在{}做木工，包工头拖欠{}人工资共{}元，多次讨要未果，请求帮助追讨。", names[n % names.len()], project.unwrap_or("某工地"), people, yuan),
            "people_involved": people,
            "amount_fen": yuan * 100,
            "parties": [{"name": names[n % names.len()], "phone": format!("1381234{:04}", n)}]
        });
        if let Some(p) = project {
            m["project"] = json!(p);
        }
        let (s, made) = self.call(Method::POST, "/api/v1/matters", Some(who), Some(m)).await;
        assert_eq!(s, StatusCode::CREATED, "{made}");
        made["id"].as_i64().unwrap()
    }

    /// A matter that clusters with nothing: a question about a pension transfer.
    async fn pension_question(&self, who: &str, unit: &str) -> i64 {
        let m = json!({
            "kind": "request",
            "channel": "phone",
            "category": "social_security",
            "unit_id": self.units[unit],
            "title": "咨询养老保险关系转移接续进度",
            "body": "来电人称今年三月从外省回乡，申请养老保险关系转入，至今未收到办理结果，询问进度。",
            "parties": [{"name": "周文华", "phone": "13900001111"}]
        });
        let (s, made) = self.call(Method::POST, "/api/v1/matters", Some(who), Some(m)).await;
        assert_eq!(s, StatusCode::CREATED, "{made}");
        made["id"].as_i64().unwrap()
    }

    async fn step(&self, who: &str, id: i64, command: Value) -> Value {
        let m = self.get(who, &format!("/api/v1/matters/{id}")).await;
        let body = json!({"expected_version": m["version"], "command": command});
        let (s, m) =
            self.call(Method::POST, &format!("/api/v1/matters/{id}/commands"), Some(who), Some(body)).await;
        assert_eq!(s, StatusCode::OK, "{command}: {m}");
        m
    }

    async fn evaluate(&self) -> minsheng_web::warnings::Run {
        minsheng_web::warnings::run_once(&self.state).await.unwrap()
    }

    fn advance(&self, by: SignedDuration) {
        self.clock.set(self.clock.now() + by);
    }

    async fn warnings(&self, who: &str, query: &str) -> Vec<Value> {
        self.get(who, &format!("/api/v1/warnings?{query}")).await["items"].as_array().unwrap().clone()
    }
}

async fn five_wage_complaints_about_one_project_raise_one_yellow_cluster_warning(app: &App) {
    let mut ids = vec![];
    for n in 0..4 {
        ids.push(
            app.complaint(
                "clerk_a",
                if n % 2 == 0 { "village_a" } else { "village_a2" },
                n,
                Some(PROJECT),
                2,
                8000,
            )
            .await,
        );
    }
    app.evaluate().await;
    // Four just miss the rule (≥ 5 in 30 days).
    assert!(app.warnings("clerk", "").await.is_empty());
    let clusters = app.get("clerk", "/api/v1/warnings/clusters").await;
    let c = &clusters["items"][0];
    assert_eq!(
        (c["subject"]["kind"].as_str(), c["subject"]["name"].as_str()),
        (Some("project"), Some(PROJECT)),
        "{clusters}"
    );
    assert_eq!((c["figures"]["size"].as_u64(), c["figures"]["people"].as_u64()), (Some(4), Some(8)));
    assert_eq!(c["figures"]["amount_fen"], 4 * 800_000);
    assert_eq!(c["unit_name"], "枫桥镇", "the unit over both villages");

    ids.push(app.complaint("clerk_a", "village_a", 4, Some("枫桥镇中心幼儿园 新建工程"), 3, 12000).await);
    let run = app.evaluate().await;
    assert_eq!(run.raised, 1, "{run:?}");
    let found = app.warnings("clerk_a", "").await;
    assert_eq!(found.len(), 1, "{found:?}");
    let w = &found[0];
    assert_eq!(w["level"], "yellow");
    assert_eq!(w["level_label"], "黄色预警（Ⅱ级，较重）");
    assert_eq!(w["subject"]["kind"], "project");
    assert_eq!(w["reason"], "同一项目30日内5件相似事项（≥5件）");
    assert_eq!(w["rules"], json!(["cluster_yellow"]));
    let mut members: Vec<i64> =
        w["members"].as_array().unwrap().iter().map(|m| m.as_i64().unwrap()).collect();
    members.sort();
    assert_eq!(members, ids);
    assert_eq!(w["figures"]["size"], 5);
    assert_eq!(w["figures"]["people"], 11);
    // Yellow: the township's leader owns every matter of it, with a deadline 15 days out.
    assert_eq!(w["owner"]["name"], "leader_a名", "{w}");
    let deadline: Timestamp = w["deadline"].as_str().unwrap().parse().unwrap();
    assert_eq!(deadline.duration_since(app.clock.now()), SignedDuration::from_hours(24 * 15));
    for id in &ids {
        let m = app.get("clerk_a", &format!("/api/v1/matters/{id}")).await;
        assert_eq!(m["leader_id"], app.users["leader_a"].0, "{m}");
    }
    // Raised once: evaluating again, or after a restart, adds nothing.
    let again = app.evaluate().await;
    assert_eq!((again.raised, again.escalated, again.closed), (0, 0, 0));
    minsheng_web::warnings::reset(&app.state).await;
    let restarted =
        AppState::load(Arc::clone(&app.store), app.clock.clone(), Settings::default()).await.unwrap();
    let after = minsheng_web::warnings::run_once(&restarted).await.unwrap();
    assert_eq!((after.raised, after.escalated), (0, 0));
    assert_eq!(app.warnings("clerk", "state=all").await.len(), 1);
    let id = w["id"].as_i64().unwrap();
    let detail = app.get("clerk_a", &format!("/api/v1/warnings/{id}")).await;
    let happenings: Vec<&str> =
        detail["log"].as_array().unwrap().iter().map(|l| l["happening"].as_str().unwrap()).collect();
    assert_eq!(happenings, ["raised", "responded"], "{detail}");
    assert!(detail["log"][1]["text"].as_str().unwrap().contains("由leader_a名包案"), "{detail}");
    // Another township sees neither the warning nor the cluster.
    assert!(app.warnings("clerk_b", "").await.is_empty());
    let (s, _) = app.call(Method::GET, &format!("/api/v1/warnings/{id}"), Some("clerk_b"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(app.get("clerk_b", "/api/v1/warnings/clusters").await["items"].as_array().unwrap().is_empty());
    // A matter's page lists the warning about it.
    let of = app.warnings("clerk_a", &format!("matter_id={}", ids[2])).await;
    assert_eq!(of.len(), 1);

    // Resolved: while one matter is open the warning stands; then it closes with a note.
    for (i, id) in ids.iter().enumerate() {
        app.step("clerk_a", *id, json!({"type": "start"})).await;
        app.step("clerk_a", *id, json!({"type": "reply", "text": "经协调，施工单位已将拖欠工资全额支付。"}))
            .await;
        app.step("clerk_a", *id, json!({"type": "close", "note": "回访满意"})).await;
        let run = app.evaluate().await;
        assert_eq!(run.closed, usize::from(i == ids.len() - 1), "after closing {} of 5", i + 1);
    }
    assert!(app.warnings("clerk_a", "").await.is_empty());
    let closed = app.warnings("clerk_a", "state=closed").await;
    assert_eq!(closed[0]["close_note"], "簇内事项均已办结");
    let detail = app.get("clerk_a", &format!("/api/v1/warnings/{id}")).await;
    assert_eq!(detail["log"].as_array().unwrap().last().unwrap()["happening"], "closed");
}

async fn matter_warnings_escalate_with_their_responses(app: &App) {
    // Blue: six people involved; the handling unit's head (the township's leader) is told.
    let six = app.complaint("clerk_a", "village_a", 0, None, 6, 3000).await;
    // Four just misses the rule (≥ 5 people).
    let four = app.complaint("clerk_a", "village_a2", 1, None, 4, 3000).await;
    app.evaluate().await;
    let blue = app.warnings("clerk_a", &format!("matter_id={six}")).await;
    assert_eq!(blue.len(), 1);
    assert_eq!(
        (blue[0]["level"].as_str(), blue[0]["reason"].as_str()),
        (Some("blue"), Some("涉及人数6人（≥5人）"))
    );
    assert_eq!(blue[0]["notified"][0]["name"], "leader_a名");
    assert_eq!(blue[0]["response"], "通知承办单位负责人");
    assert!(app.warnings("clerk_a", &format!("matter_id={four}")).await.is_empty());

    // Red: 120 people; the command centre coordinates, the superiors are told, a leader owns it.
    let many = app.complaint("clerk_a", "village_a", 2, None, 120, 2_000_000).await;
    app.evaluate().await;
    let red = app.warnings("clerk", &format!("matter_id={many}")).await;
    assert_eq!(red[0]["level"], "red", "{red:?}");
    assert_eq!(red[0]["reason"], "涉及人数120人（≥100人）；涉及金额200万元（≥100万元）");
    assert_eq!(red[0]["coordinator"], "诸暨市");
    let told: Vec<&str> =
        red[0]["notified"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert!(told.contains(&"leader_county名"), "{told:?}");
    assert_eq!(red[0]["owner"]["name"], "leader_a名");

    // Lateness: routed to the labour bureau, past its limit → blue; past by half again → yellow.
    let late = app.pension_question("clerk_a", "village_a").await;
    let m = app
        .step("clerk_a", late, json!({"type": "assign", "mode": "transfer", "unit_id": app.units["dept2"]}))
        .await;
    let due: Timestamp = m["deadline"].as_str().unwrap().parse().unwrap();
    let started = app.clock.now();
    app.clock.set(due + SignedDuration::from_hours(1));
    app.evaluate().await;
    let w = app.warnings("handler2", &format!("matter_id={late}")).await;
    assert_eq!(w[0]["level"], "blue", "{w:?}");
    assert!(w[0]["reason"].as_str().unwrap().starts_with("已超期1小时"), "{w:?}");
    assert_eq!(w[0]["unit_name"], "市人力资源和社会保障局");
    // The bureau has no leader account: the county's leader is its head.
    assert_eq!(w[0]["notified"][0]["name"], "leader_county名");
    let span = due.duration_since(started);
    app.clock.set(due + span / 2 + SignedDuration::from_hours(1));
    let run = app.evaluate().await;
    assert!(run.escalated >= 1, "{run:?}");
    let w = app.warnings("handler2", &format!("matter_id={late}")).await;
    assert_eq!(w.len(), 1, "escalated, not raised again");
    assert_eq!(w[0]["level"], "yellow");
    assert_eq!(w[0]["owner"]["name"], "leader_county名");
    let m = app.get("handler2", &format!("/api/v1/matters/{late}")).await;
    assert_eq!(m["leader_id"], app.users["leader_county"].0);
    let log = app.get("handler2", &format!("/api/v1/warnings/{}", w[0]["id"])).await;
    let happenings: Vec<&str> =
        log["log"].as_array().unwrap().iter().map(|l| l["happening"].as_str().unwrap()).collect();
    assert_eq!(happenings, ["raised", "responded", "escalated", "responded"], "{log}");
    assert!(
        log["log"][2]["text"]
            .as_str()
            .unwrap()
            .starts_with("由蓝色预警（Ⅲ级，一般）升级为黄色预警（Ⅱ级，较重）")
    );
    // Bad filters are named.
    let (s, p) = app.call(Method::GET, "/api/v1/warnings?level=purple", Some("clerk"), None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
}

async fn rules_are_edited_checked_and_previewed(app: &App) {
    let live = app.get("clerk", "/api/v1/warnings/rules").await;
    assert_eq!(live["rules"].as_array().unwrap().len(), 13);
    for n in 0..3 {
        app.complaint("clerk_a", "village_a", n, Some(PROJECT), 1, 1000).await;
    }
    app.evaluate().await;
    assert!(app.warnings("clerk", "").await.is_empty());
    // Clusters of three: the preview shows a yellow warning the live rules do not fire.
    let mut edited = live.clone();
    edited["rules"][0]["condition"]["min"] = json!(3);
    let (s, p) =
        app.call(Method::POST, "/api/v1/warnings/rules/preview", Some("admin"), Some(edited.clone())).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["proposed"]["yellow"].as_u64().unwrap(), p["live"]["yellow"].as_u64().unwrap() + 1, "{p}");
    assert!(
        p["items"].as_array().unwrap().iter().any(|i| i["reason"] == "同一项目30日内3件相似事项（≥3件）"),
        "{p}"
    );
    // Only a deployment administrator saves.
    let (s, _) = app.call(Method::PUT, "/api/v1/warnings/rules", Some("clerk"), Some(edited.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Bad values are named, in Chinese.
    let mut bad = live.clone();
    bad["rules"][0]["condition"]["min"] = json!(1);
    bad["rules"][1]["condition"]["window_days"] = json!(365);
    bad["rules"][2]["id"] = json!("cluster_yellow");
    let (s, p) = app.call(Method::PUT, "/api/v1/warnings/rules", Some("admin"), Some(bad)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    let named: Vec<&str> =
        p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(named, ["rules[0].condition.min", "rules[1].condition.window_days", "rules[2].id"], "{p}");
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("2"), "{p}");
    let (s, p) = app
        .call(
            Method::PUT,
            "/api/v1/warnings/rules",
            Some("admin"),
            Some(json!({"rules": [{"id": "x", "level": "purple", "condition": {"kind": "overdue"}}]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    // Saved, the next evaluation fires it.
    let (s, saved) = app.call(Method::PUT, "/api/v1/warnings/rules", Some("admin"), Some(edited)).await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    assert_eq!(saved["rules"][0]["condition"]["min"], 3);
    app.advance(SignedDuration::from_secs(60));
    app.evaluate().await;
    let found = app.warnings("clerk", "").await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["reason"], "同一项目30日内3件相似事项（≥3件）");
}

async fn repeat_contacts_and_merged_matters_count_towards_yellow(app: &App) {
    let main = app.pension_question("clerk_a", "village_a").await;
    for channel in ["phone", "visit"] {
        app.step(
            "clerk_a",
            main,
            json!({"type": "record_contact", "channel": channel, "note": "询问办理进度"}),
        )
        .await;
    }
    app.evaluate().await;
    // Two repeat contacts just miss the rule (≥ 3).
    assert!(app.warnings("clerk_a", &format!("matter_id={main}")).await.is_empty());
    // The same citizen's letter, registered again and merged into the main: the third.
    let again = app.pension_question("clerk_a", "village_a").await;
    app.step(
        "clerk_a",
        again,
        json!({"type": "merge_into", "main_id": main, "reason": "同一来电人反映同一事项"}),
    )
    .await;
    app.evaluate().await;
    let w = app.warnings("clerk_a", &format!("matter_id={main}")).await;
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(
        (w[0]["level"].as_str(), w[0]["reason"].as_str()),
        (Some("yellow"), Some("同一未化解事项重复反映3次（≥3次）"))
    );
    assert_eq!(w[0]["owner"]["name"], "leader_a名");
    // The merge undone, the main counts two again: its warning stays (warnings do not flap).
    app.step("clerk_a", again, json!({"type": "unmerge", "reason": "经核实为不同事项"})).await;
    app.evaluate().await;
    let w = app.warnings("clerk_a", &format!("matter_id={main}")).await;
    assert_eq!(w[0]["level"], "yellow");
    // Closed, it closes with a note.
    app.step("clerk_a", main, json!({"type": "start"})).await;
    app.step("clerk_a", main, json!({"type": "reply", "text": "已转入办理，养老保险关系转移已完成。"})).await;
    app.step("clerk_a", main, json!({"type": "close"})).await;
    app.evaluate().await;
    let closed = app.warnings("clerk_a", &format!("matter_id={main}&state=closed")).await;
    assert_eq!(closed[0]["close_note"], "事项已化解");
}

on_both_engines!(
    App;
    five_wage_complaints_about_one_project_raise_one_yellow_cluster_warning,
    matter_warnings_escalate_with_their_responses,
    rules_are_edited_checked_and_previewed,
    repeat_contacts_and_merged_matters_count_towards_yellow,
);
