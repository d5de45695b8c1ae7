//! Merging matters (主件/并件) and repeat contacts, through the real router on a real port,
//! against SQLite and PostgreSQL: contacts counted on the main, the merged matter's clocks
//! stopped and off the to-do lists, the main's answer and closing on the merged matter's own
//! record and letter, the undo, every refusal named in Chinese and English, scope, and the
//! matter page's forms.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use minsheng_domain::clock::ClockName;
use minsheng_domain::{Event, Matter, MatterId, OrgTree, Role, UnitId, UnitKind, UserId};
use minsheng_store::{Append, NewToken, NewUnit, NewUser, Scope, Store, TokenKind};
use minsheng_testkit::{Engine, TestDb, on_both_engines};
use minsheng_web::clock::SystemClock;
use minsheng_web::{AppState, Settings};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

const PASSWORD: &str = "password-123";

struct App {
    base: String,
    http: reqwest::Client,
    store: Arc<dyn Store>,
    units: HashMap<&'static str, i64>,
    tokens: HashMap<&'static str, String>,
    db: Option<TestDb>,
    _files: tempfile::TempDir,
}

fn shared_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| minsheng_web::auth::hash_password(PASSWORD).unwrap())
}

impl App {
    async fn start(engine: Engine) -> Self {
        let db = TestDb::new(engine).await;
        let store = minsheng_store::open(&db.url).await.unwrap();
        let files = tempfile::tempdir().unwrap();
        let settings = Settings { attachments_dir: files.path().to_owned(), ..Settings::default() };
        let state = AppState::load(Arc::clone(&store), Arc::new(SystemClock), settings).await.unwrap();
        minsheng_web::bootstrap(&state, "诸暨市", Some("admin".into()), Some(PASSWORD.into())).await.unwrap();
        let mut units = HashMap::new();
        units.insert("county", state.org().iter().next().unwrap().id.0);
        let mut add = async |key: &'static str, parent: &str, kind: UnitKind, name: &str| {
            let parent_id = units[parent];
            let parent_path = state.org().path(UnitId(parent_id)).unwrap();
            let u = store
                .create_unit(NewUnit {
                    parent_id: Some(UnitId(parent_id)),
                    kind,
                    name: name.into(),
                    code: None,
                    parent_path,
                })
                .await
                .unwrap();
            state.reload().await.unwrap();
            units.insert(key, u.id.0);
        };
        add("town_a", "county", UnitKind::Township, "枫桥镇").await;
        add("town_b", "county", UnitKind::Township, "店口镇").await;
        add("village_a", "town_a", UnitKind::Village, "枫源村").await;
        add("village_b", "town_b", UnitKind::Village, "店口村").await;
        add("dept", "county", UnitKind::Department, "市人力资源和社会保障局").await;
        let mut tokens = HashMap::new();
        let cast: [(&'static str, Role, &str); 5] = [
            ("leader", Role::Leader, "county"),
            ("clerk_a", Role::Clerk, "town_a"),
            ("clerk_b", Role::Clerk, "town_b"),
            ("handler", Role::Handler, "dept"),
            ("auditor", Role::Auditor, "county"),
        ];
        for (name, role, unit) in cast {
            let user = store
                .create_user(NewUser {
                    username: name.into(),
                    display_name: name.into(),
                    role,
                    unit_id: UnitId(units[unit]),
                    password_hash: shared_hash().into(),
                    created_at: jiff::Timestamp::now(),
                })
                .await
                .unwrap();
            let (secret, hash) = minsheng_web::auth::new_token().unwrap();
            let now = jiff::Timestamp::now();
            store
                .create_token(NewToken {
                    hash,
                    user_id: user.id,
                    kind: TokenKind::Api,
                    created_at: now,
                    expires_at: now + jiff::SignedDuration::from_hours(1),
                })
                .await
                .unwrap();
            tokens.insert(name, secret);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = minsheng_web::router(state);
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { base, http: reqwest::Client::new(), store, units, tokens, db: Some(db), _files: files }
    }

    async fn done(self) {
        self.store.close().await;
        drop(self.store);
        if let Some(db) = self.db {
            db.remove().await;
        }
    }

    fn unit(&self, key: &str) -> i64 {
        self.units[key]
    }

    /// Sends a request as `who`, in Chinese unless `lang` says otherwise.
    async fn send(
        &self,
        method: Method,
        path: &str,
        who: &str,
        body: Option<Value>,
        lang: &str,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.tokens[who])
            .header("accept-language", lang);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn get(&self, who: &str, path: &str) -> Value {
        let (status, body) = self.send(Method::GET, path, who, None, "zh-CN").await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    async fn matter(&self, who: &str, id: i64) -> Value {
        self.get(who, &format!("/api/v1/matters/{id}")).await
    }

    /// A command at the matter's current version, in `lang`.
    async fn try_in(&self, lang: &str, who: &str, id: i64, command: Value) -> (StatusCode, Value) {
        let version = self.matter(who, id).await["version"].as_i64().unwrap();
        let body = json!({"expected_version": version, "command": command});
        self.send(Method::POST, &format!("/api/v1/matters/{id}/commands"), who, Some(body), lang).await
    }

    async fn try_cmd(&self, who: &str, id: i64, command: Value) -> (StatusCode, Value) {
        self.try_in("zh-CN", who, id, command).await
    }

    async fn run(&self, who: &str, id: i64, command: Value) -> Value {
        let (status, m) = self.try_cmd(who, id, command.clone()).await;
        assert_eq!(status, StatusCode::OK, "{command} on {id}: {m}");
        m
    }

    /// A wage complaint (or another `kind`) by `applicant` at `unit`, about the same site.
    async fn complaint(&self, who: &str, unit: &str, kind: &str, applicant: &str, phone: &str) -> i64 {
        let intake = json!({
            "kind": kind,
            "channel": "visit",
            "category": "wage_arrears",
            "unit_id": self.unit(unit),
            "title": format!("枫源村安置房二期工地拖欠工资（{applicant}）"),
            "body": format!("我是枫源村安置房二期工地的木工{applicant}，诸暨某建设有限公司承建，包工头拖欠我们班组工资三万元，年底了还不发，请求帮忙追讨。"),
            "people_involved": 6,
            "amount_fen": 3_000_000,
            "project": "枫源村安置房二期",
            "parties": [
                {"name": applicant, "phone": phone},
                {"role": "respondent", "name": "诸暨某建设有限公司"}
            ]
        });
        let (status, made) = self.send(Method::POST, "/api/v1/matters", who, Some(intake), "zh-CN").await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        made["id"].as_i64().unwrap()
    }

    /// Routes a matter to the department, which starts on it.
    async fn to_department(&self, id: i64) {
        self.run("clerk_a", id, json!({"type": "assign", "mode": "transfer", "unit_id": self.unit("dept")}))
            .await;
        self.run("handler", id, json!({"type": "start"})).await;
    }
}

fn clocks(m: &Value) -> Vec<String> {
    m["clocks"].as_array().unwrap().iter().map(|c| c["clock"].as_str().unwrap().to_owned()).collect()
}

fn ids(list: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> =
        list["items"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();
    ids.sort();
    ids
}

fn events(timeline: &Value, kind: &str) -> Vec<Value> {
    timeline["items"].as_array().unwrap().iter().filter(|e| e["type"] == kind).cloned().collect()
}

/// The one field error of a refusal: (field, label, message).
fn refusal(problem: &Value) -> (String, String, String) {
    let errors = problem["errors"].as_array().unwrap_or_else(|| panic!("no field errors: {problem}"));
    assert_eq!(errors.len(), 1, "{problem}");
    let e = &errors[0];
    let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
    (s("field"), s("label"), s("message"))
}

/// Expects a 422 naming `field` with these words in each language.
async fn refused(app: &App, who: &str, id: i64, command: Value, field: &str, zh: &str, en: &str) {
    for (lang, words, label) in [("zh-CN", zh, "主件"), ("en", en, "main matter")] {
        let (status, p) = app.try_in(lang, who, id, command.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{command}: {p}");
        let (f, l, message) = refusal(&p);
        assert_eq!((f.as_str(), message.as_str()), (field, words), "{lang} {command}");
        if field == "main_id" {
            assert_eq!(l, label, "{lang}");
        }
        let title = if lang == "en" {
            "some fields are invalid"
        } else {
            "提交的内容有误，请按提示修改"
        };
        assert_eq!(p["title"], title);
    }
}

/// Two wage complaints about one site: the second is merged into the first, which counts
/// every contact, a repeat call included; the merged one's clocks stop and it leaves the to-do
/// lists; undone, it runs again on its own and the main gives its contacts back.
async fn two_wage_complaints_merge_and_count(app: &App) {
    let main = app.complaint("clerk_a", "village_a", "wage_claim", "赵一", "13812345678").await;
    let other = app.complaint("clerk_a", "village_a", "wage_claim", "钱二", "13912345678").await;
    app.to_department(main).await;
    app.to_department(other).await;
    let m = app.matter("clerk_a", main).await;
    assert_eq!((m["contacts"].as_u64(), m["repeat_contacts"].as_u64()), (Some(1), Some(0)), "{m}");
    // The first citizen calls again; the second came back once before the merge.
    let m = app
        .run("clerk_a", main, json!({"type": "record_contact", "channel": "phone", "note": "又来电催问"}))
        .await;
    assert_eq!((m["contacts"].as_u64(), m["repeat_contacts"].as_u64()), (Some(2), Some(1)));
    app.run("handler", other, json!({"type": "record_contact", "channel": "visit"})).await;
    let before = app.matter("handler", other).await;
    assert_eq!(clocks(&before), ["handling"]);
    assert!(!app.store.timers_of(MatterId(other)).await.unwrap().is_empty());

    let s = app
        .run("clerk_a", other, json!({"type": "merge_into", "main_id": main, "reason": "同一工地同一包工头"}))
        .await;
    assert_eq!(s["merged_into"].as_i64(), Some(main), "{s}");
    assert_eq!((clocks(&s).len(), &s["deadline"]), (0, &Value::Null), "its clocks stopped: {s}");
    assert!(app.store.timers_of(MatterId(other)).await.unwrap().is_empty(), "and set no timer");
    assert_eq!(s["status"], "in_progress", "its state is kept for an undo");
    assert_eq!(s["repeat_contacts"].as_u64(), Some(0), "its main counts its contacts");
    let m = app.matter("handler", main).await;
    assert_eq!(m["merged"], json!([other]), "{m}");
    assert_eq!(
        (m["contacts"].as_u64(), m["repeat_contacts"].as_u64()),
        (Some(4), Some(3)),
        "1 + 1 call + 2 merged"
    );
    assert_eq!(clocks(&m), ["handling"], "the main runs on");

    // The lists tell merged matters apart; the summary names the main.
    let merged = app.get("clerk_a", "/api/v1/matters?merged=true").await;
    assert_eq!(ids(&merged), vec![other]);
    assert_eq!(merged["items"][0]["merged_into"].as_i64(), Some(main));
    assert!(!ids(&app.get("clerk_a", "/api/v1/matters?merged=false").await).contains(&other));
    let (status, p) = app.send(Method::GET, "/api/v1/matters?merged=maybe", "clerk_a", None, "zh-CN").await;
    assert_eq!((status, refusal(&p).0.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "merged"));
    // It is on no one's to-do list: not the department's, whose work is the main.
    let mut desk = Browser::new(app);
    desk.sign_in("handler").await;
    let home = desk.get("/").await.body;
    let todo = section(&home, "待我单位办理");
    assert!(todo.contains(&format!("href=\"/matters/{main}\"")), "{todo}");
    assert!(!todo.contains(&format!("href=\"/matters/{other}\"")), "{todo}");
    assert!(todo.contains("<span class=\"count\">1</span>"), "{todo}");
    let list = desk.get("/matters?merged=true").await.body;
    assert!(list.contains(&format!("href=\"/matters/{other}\"")), "{list}");
    assert!(!list.contains(&format!("href=\"/matters/{main}\"")), "{list}");
    assert!(list.contains("<option value=\"true\" selected>只看并件</option>"), "{list}");

    // A merged matter is worked on its main: it takes comments, not steps.
    let (status, p) = app.try_cmd("handler", other, json!({"type": "reply", "text": "已处理"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refusal(&p),
        ("merged_into".into(), "并件".into(), "该事项已并入主件，请在主件上办理（或先撤销并件）".into())
    );
    app.run("handler", other, json!({"type": "comment", "text": "已电话告知钱二并入主件办理"})).await;

    // Undone: its clocks run again from its state, and the main gives its contacts back.
    let s = app.run("clerk_a", other, json!({"type": "unmerge", "reason": "核实后不是同一班组"})).await;
    assert_eq!((s["merged_into"].clone(), clocks(&s)), (Value::Null, vec!["handling".to_string()]), "{s}");
    assert!(s["deadline"].is_string(), "{s}");
    assert!(!app.store.timers_of(MatterId(other)).await.unwrap().is_empty());
    assert_eq!((s["contacts"].as_u64(), s["repeat_contacts"].as_u64()), (Some(2), Some(1)));
    let m = app.matter("handler", main).await;
    assert_eq!((m["merged"].clone(), m["contacts"].as_u64()), (json!([]), Some(2)), "{m}");
    let todo = section(&desk.get("/").await.body, "待我单位办理").to_owned();
    assert!(todo.contains(&format!("href=\"/matters/{other}\"")), "back on the list: {todo}");
    // Both records keep the whole story.
    let timeline = app.get("clerk_a", &format!("/api/v1/matters/{main}/timeline")).await;
    assert_eq!(events(&timeline, "merge_received")[0]["data"], json!({"from": other, "contacts": 2}));
    assert_eq!(events(&timeline, "merge_withdrawn")[0]["data"], json!({"from": other}));
    assert_eq!(
        events(&timeline, "contact_recorded")[0]["data"],
        json!({"channel": "phone", "note": "又来电催问"})
    );
    let timeline = app.get("clerk_a", &format!("/api/v1/matters/{other}/timeline")).await;
    assert_eq!(events(&timeline, "merged_into")[0]["data"]["main"].as_i64(), Some(main));
    assert_eq!(events(&timeline, "unmerged")[0]["data"]["reason"], "核实后不是同一班组");
    // The OpenAPI document describes all of it.
    let doc = app.get("clerk_a", "/api/v1/openapi.json").await;
    let view = &doc["components"]["schemas"]["MatterView"]["properties"];
    for field in ["merged_into", "merged", "contacts", "repeat_contacts"] {
        assert!(view[field].is_object(), "MatterView.{field}");
    }
    assert!(doc["components"]["schemas"]["MatterSummary"]["properties"]["merged_into"].is_object());
    let commands = doc["components"]["schemas"]["Command"].to_string();
    for command in ["merge_into", "unmerge", "record_contact", "main_id"] {
        assert!(commands.contains(command), "{command} in {commands}");
    }
    let list = doc["paths"]["/api/v1/matters"]["get"]["parameters"].to_string();
    assert!(list.contains("\"merged\""), "{list}");
}

/// Two petitions on the same facts: the main's handling opinion and its closing are recorded on
/// the merged petition too, once, and its own 处理意见书 (to its own petitioner) says the main's
/// answer.
async fn the_main_answer_reaches_the_merged_citizen(app: &App) {
    let main = app.complaint("clerk_a", "village_a", "petition", "孙三", "13712345678").await;
    let other = app.complaint("clerk_a", "village_a", "petition", "李四", "13612345678").await;
    app.to_department(main).await;
    app.to_department(other).await;
    app.run("clerk_a", other, json!({"type": "merge_into", "main_id": main, "reason": "同一工地欠薪"})).await;
    let (_, letters) =
        app.send(Method::GET, &format!("/api/v1/matters/{other}/letters"), "clerk_a", None, "zh-CN").await;
    assert!(!letters.to_string().contains("opinion"), "no answer yet: {letters}");

    let answer = "经调查核实，施工单位已于12月20日前结清班组全部工资，由镇劳动保障所监督发放。";
    app.run("handler", main, json!({"type": "reply", "text": answer, "outcome": "support"})).await;
    let s = app.matter("clerk_a", other).await;
    assert_eq!(
        (s["status"].as_str(), s["reply"].as_str(), s["outcome"].as_str()),
        (Some("replied"), Some(answer), Some("support")),
        "{s}"
    );
    assert!(clocks(&s).is_empty(), "still merged: no clock of its own");
    let (_, letters) =
        app.send(Method::GET, &format!("/api/v1/matters/{other}/letters"), "clerk_a", None, "zh-CN").await;
    assert!(letters.to_string().contains("/letters/opinion.pdf"), "{letters}");
    let letter = pdf(app, "clerk_a", other, "opinion").await;
    assert!(letter.contains("李四"), "addressed to its own petitioner: {letter}");
    assert!(letter.contains(&format!("第{other}号")), "{letter}");
    assert!(letter.contains("施工单位已于12月20日前结清班组全部工资"), "{letter}");
    assert!(letter.contains("处理结果：支持"), "{letter}");

    // One merged after the answer gets it at once.
    let late = app.complaint("clerk_a", "village_a", "petition", "周五", "13512345678").await;
    app.to_department(late).await;
    let l =
        app.run("clerk_a", late, json!({"type": "merge_into", "main_id": main, "reason": "同一工地"})).await;
    assert_eq!((l["status"].as_str(), l["reply"].as_str()), (Some("replied"), Some(answer)), "{l}");
    // The main's closing follows; further steps on the main add nothing more to it.
    app.run("clerk_a", main, json!({"type": "close", "note": "已结清"})).await;
    let s = app.matter("clerk_a", other).await;
    assert_eq!(s["status"], "closed", "{s}");
    assert_eq!(app.matter("clerk_a", late).await["status"], "closed");
    app.run("clerk_a", main, json!({"type": "comment", "text": "回访：工人已领到工资"})).await;
    let timeline = app.get("clerk_a", &format!("/api/v1/matters/{other}/timeline")).await;
    assert_eq!(events(&timeline, "replied").len(), 1, "{timeline}");
    assert_eq!(events(&timeline, "closed").len(), 1);
    assert_eq!(events(&timeline, "replied")[0]["data"], json!({"text": answer, "outcome": "support"}));
    // Closed, nothing repeats any more; the count of contacts stays.
    let m = app.matter("clerk_a", main).await;
    assert_eq!((m["contacts"].as_u64(), m["repeat_contacts"].as_u64()), (Some(3), Some(0)));
}

/// Every refusal of merging is named, in Chinese and in English, and changes nothing.
async fn every_refusal_is_named(app: &App) {
    let a = app.complaint("clerk_a", "village_a", "wage_claim", "赵一", "13812345678").await;
    let b = app.complaint("clerk_a", "village_a", "wage_claim", "钱二", "13912345678").await;
    let c = app.complaint("clerk_a", "village_a", "wage_claim", "孙三", "13712345678").await;
    let closed = app.complaint("clerk_a", "village_a", "wage_claim", "李四", "13612345678").await;
    let merge = |main: i64| json!({"type": "merge_into", "main_id": main, "reason": "同一事项"});
    let unmerge = json!({"type": "unmerge", "reason": "撤销"});
    refused(app, "clerk_a", a, merge(a), "main_id", "不能并入事项自身", "may not be the matter itself").await;
    refused(
        app,
        "clerk_a",
        a,
        merge(99_999),
        "main_id",
        "事项不存在，或不在您的管辖范围内",
        "names no matter within your scope",
    )
    .await;
    refused(
        app,
        "clerk_a",
        a,
        unmerge.clone(),
        "merged_into",
        "该事项未并入任何主件，无需撤销",
        "has nothing to undo: the matter is not merged",
    )
    .await;
    let (status, p) =
        app.try_cmd("clerk_a", a, json!({"type": "merge_into", "main_id": b, "reason": " "})).await;
    assert_eq!((status, refusal(&p).0.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "reason"));

    app.run("clerk_a", b, merge(a)).await;
    refused(
        app,
        "clerk_a",
        b,
        merge(c),
        "main_id",
        "该事项已并入主件，不能重复并件（可先撤销并件）",
        "cannot be chosen: this matter is merged already (undo that first)",
    )
    .await;
    refused(
        app,
        "clerk_a",
        a,
        merge(c),
        "main_id",
        "该事项是主件，已有并件，不能再并入其他事项",
        "cannot be chosen: this matter is itself a main matter with merged matters",
    )
    .await;
    refused(
        app,
        "clerk_a",
        c,
        merge(b),
        "main_id",
        "该主件本身已并入其他事项，请并入其主件",
        "is itself merged into another matter; merge into that one instead",
    )
    .await;
    refused(
        app,
        "clerk_a",
        b,
        json!({"type": "record_contact", "channel": "phone"}),
        "merged_into",
        "该事项已并入主件，请在主件上办理（或先撤销并件）",
        "this matter is merged and handled on its main matter (or undo the merge first)",
    )
    .await;
    app.to_department(closed).await;
    app.run("handler", closed, json!({"type": "reply", "text": "已结清"})).await;
    app.run("clerk_a", closed, json!({"type": "close"})).await;
    refused(
        app,
        "clerk_a",
        c,
        merge(closed),
        "main_id",
        "主件已办结，不能再并入",
        "is closed; nothing can be merged into it",
    )
    .await;
    // A closed matter is not merged either: a state refusal, worded with its state.
    let (status, p) = app.try_cmd("clerk_a", closed, merge(c)).await;
    assert_eq!(
        (status, p["title"].as_str()),
        (StatusCode::CONFLICT, Some("事项当前状态为“已办结”，不能执行“并入主件”"))
    );
    // An auditor merges nothing.
    let (status, p) = app.try_cmd("auditor", c, merge(a)).await;
    assert_eq!((status, p["title"].as_str()), (StatusCode::FORBIDDEN, Some("您的角色无权执行此操作")));
    // None of it changed a thing.
    let (m, s) = (app.matter("clerk_a", a).await, app.matter("clerk_a", c).await);
    assert_eq!((m["merged"].clone(), m["contacts"].as_u64()), (json!([b]), Some(2)));
    assert_eq!((s["merged_into"].clone(), s["merged"].clone()), (Value::Null, json!([])));
    assert_eq!(app.matter("clerk_a", closed).await["merged"], json!([]));
}

/// A clerk of another township merges nothing into a matter outside their scope, and cannot
/// reach one of the first township's matters at all.
async fn another_township_cannot_merge_across_scope(app: &App) {
    let main = app.complaint("clerk_a", "village_a", "wage_claim", "赵一", "13812345678").await;
    let theirs = app.complaint("clerk_b", "village_b", "wage_claim", "周五", "13512345678").await;
    let before = app.matter("clerk_b", theirs).await;
    let merge = |to: i64| json!({"type": "merge_into", "main_id": to, "reason": "同一工地"});
    let (status, p) = app.try_cmd("clerk_b", theirs, merge(main)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert_eq!(refusal(&p), ("main_id".into(), "主件".into(), "事项不存在，或不在您的管辖范围内".into()));
    let (status, _) =
        app.send(Method::GET, &format!("/api/v1/matters/{main}"), "clerk_b", None, "zh-CN").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the main is not theirs to see");
    let after = app.matter("clerk_b", theirs).await;
    assert_eq!(
        (after["version"].clone(), after["merged_into"].clone()),
        (before["version"].clone(), Value::Null)
    );
    assert_eq!(app.matter("clerk_a", main).await["merged"], json!([]));
    // Nor may they merge the first township's matter, which they cannot see.
    let body = json!({"expected_version": 1, "command": merge(theirs)});
    let (status, _) = app
        .send(Method::POST, &format!("/api/v1/matters/{main}/commands"), "clerk_b", Some(body), "zh-CN")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The county's leader sees both and may merge across the townships.
    app.run("leader", theirs, merge(main)).await;
    assert_eq!(app.matter("leader", main).await["merged"], json!([theirs]));
}

/// The matter page: a similar matter offers a one-click merge; the merged matter links its
/// main and offers the undo; the main lists its merged matters and counts the contacts; a
/// repeat visit is recorded with a form; the timeline says all of it, in both languages.
async fn the_matter_page_merges_and_counts(app: &App) {
    let main = app.complaint("clerk_a", "village_a", "wage_claim", "赵一", "13812345678").await;
    let other = app.complaint("clerk_a", "village_a", "wage_claim", "钱二", "13912345678").await;
    let third = app.complaint("clerk_a", "village_a", "wage_claim", "孙三", "13712345678").await;
    let mut b = Browser::new(app);
    b.sign_in("clerk_a").await;
    let page = b.get(&format!("/matters/{other}")).await.body;
    let similar = section(&page, "相似事项");
    assert!(similar.contains(&format!("href=\"/matters/{main}\"")), "{similar}");
    assert!(similar.contains(&format!("name=\"main_id\" value=\"{main}\"")), "{similar}");
    assert!(similar.contains(&format!("并入此件 #{main}")), "{similar}");
    let reason = format!("与事项 #{main} 反映同一事项，并入该件办理");
    assert!(similar.contains(&format!("name=\"text\" value=\"{reason}\"")), "{similar}");
    // One click: the form the line carries, as a browser posts it.
    let form = [
        ("csrf", hidden(&page, "csrf")),
        ("version", hidden(&page, "version")),
        ("action", "merge_into".to_string()),
        ("main_id", main.to_string()),
        ("text", reason),
    ];
    let r = b.post(&format!("/matters/{other}"), &form).await;
    assert_eq!(
        (r.status, r.location.clone()),
        (StatusCode::SEE_OTHER, format!("/matters/{other}?done=1")),
        "{}",
        r.body
    );
    let page = b.get(&format!("/matters/{other}")).await.body;
    assert!(
        page.contains("本件已并入主件") && page.contains(&format!("<a href=\"/matters/{main}\">#{main}</a>")),
        "{page}"
    );
    assert!(page.contains("撤销并件"), "the undo is offered");
    assert!(!page.contains("相似事项"), "a merged matter offers no further merge");
    assert!(
        page.contains(&format!("并入主件 #{main}：与事项 #{main} 反映同一事项")),
        "the timeline line: {page}"
    );
    // A third like them is offered the main, not the merged one, to merge into.
    let page = b.get(&format!("/matters/{third}")).await.body;
    let similar = section(&page, "相似事项");
    assert!(similar.contains(&format!("href=\"/matters/{other}\"")), "{similar}");
    assert!(similar.contains(&format!("name=\"main_id\" value=\"{main}\"")), "{similar}");
    assert!(!similar.contains(&format!("name=\"main_id\" value=\"{other}\"")), "{similar}");

    // The main lists it and counts; a repeat visit is recorded on it with the page's form.
    let page = b.get(&format!("/matters/{main}")).await.body;
    let merged = section(&page, "并件");
    assert!(merged.contains(&format!("href=\"/matters/{other}\"")), "{merged}");
    assert!(page.contains("<dt>来件次数</dt><dd>2</dd>"), "{page}");
    assert!(page.contains(&format!("事项 #{other} 并入，来件 1 次")), "{page}");
    let form = [
        ("csrf", hidden(&page, "csrf")),
        ("version", hidden(&page, "version")),
        ("action", "record_contact".to_string()),
        ("channel", "visit".to_string()),
        ("text", "再次来访".to_string()),
    ];
    let r = b.post(&format!("/matters/{main}"), &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = b.get(&format!("/matters/{main}")).await.body;
    assert!(
        page.contains("<dt>来件次数</dt><dd>3</dd>")
            && page.contains("<dt>重复反映（未化解）</dt><dd>2</dd>"),
        "{page}"
    );
    assert!(page.contains("重复来访/来电") && page.contains("来访：再次来访"), "{page}");

    // A wrong main number is named on the page, in the user's words.
    let page = b.get(&format!("/matters/{main}")).await.body;
    let form = [
        ("csrf", hidden(&page, "csrf")),
        ("version", hidden(&page, "version")),
        ("action", "merge_into".to_string()),
        ("main_id", main.to_string()),
        ("text", "x".to_string()),
    ];
    let r = b.post(&format!("/matters/{main}"), &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("主件：不能并入事项自身"), "{}", r.body);

    // In English.
    b.get(&format!("/lang/en?next=/matters/{other}")).await;
    let page = b.get(&format!("/matters/{other}")).await.body;
    assert!(
        page.contains("This matter is merged into main matter") && page.contains("Undo the merge"),
        "{page}"
    );
    // Undone with the page's form.
    let form = [
        ("csrf", hidden(&page, "csrf")),
        ("version", hidden(&page, "version")),
        ("action", "unmerge".to_string()),
        ("text", "Not the same crew".to_string()),
    ];
    let r = b.post(&format!("/matters/{other}"), &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = b.get(&format!("/matters/{other}")).await.body;
    assert!(!page.contains("This matter is merged into main matter"), "{page}");
    assert!(
        page.contains(&format!("out of main matter #{main}: Not the same crew"))
            || page.contains(&format!("out of main matter #{main}：Not the same crew")),
        "{page}"
    );
    let page = b.get(&format!("/matters/{main}")).await.body;
    assert!(page.contains("<dt>Contacts</dt><dd>2</dd>"), "{page}");
}

/// Appends `events` to a matter straight through the store, as if the server had stopped
/// before the write that should have followed.
async fn write_behind_the_back(app: &App, id: i64, events: &[Event]) {
    let stored = app.store.events(&Scope::all(), MatterId(id)).await.unwrap().unwrap();
    let mut m = Matter::from_events(&stored).unwrap();
    let version = m.version;
    let now = jiff::Timestamp::now();
    for e in events {
        m.apply(e, now);
    }
    let org = OrgTree::new(app.store.units().await.unwrap()).unwrap();
    let append = Append::existing(&m, events, &org, Some(version)).unwrap().by(UserId(0));
    app.store.append(append).await.unwrap();
}

/// A merge whose second write never happened, and a main's answer that never reached its
/// merged matter, are both made whole by the next write on either matter, once.
async fn a_half_done_merge_heals_at_the_next_write(app: &App) {
    let main = app.complaint("clerk_a", "village_a", "wage_claim", "赵一", "13812345678").await;
    let other = app.complaint("clerk_a", "village_a", "wage_claim", "钱二", "13912345678").await;
    app.to_department(main).await;
    app.to_department(other).await;
    let merged = Event::MergedInto { main: MatterId(main), reason: "同一工地".into() };
    write_behind_the_back(app, other, &[merged, Event::ClockStopped { clock: ClockName::Handling }]).await;
    assert_eq!(app.matter("clerk_a", main).await["merged"], json!([]), "the main missed it");
    let m = app.run("clerk_a", main, json!({"type": "comment", "text": "核对来件"})).await;
    assert_eq!((m["merged"].clone(), m["contacts"].as_u64()), (json!([other]), Some(2)), "{m}");

    let answer = "已责令施工单位限期支付。";
    let replied = Event::Replied { text: answer.into(), outcome: None };
    write_behind_the_back(app, main, &[replied, Event::ClockStopped { clock: ClockName::Handling }]).await;
    assert_eq!(app.matter("clerk_a", other).await["status"], "in_progress", "the merged one missed it");
    let s = app.run("clerk_a", other, json!({"type": "note", "text": "待主件答复"})).await;
    assert_eq!((s["status"].as_str(), s["reply"].as_str()), (Some("replied"), Some(answer)), "{s}");
    app.run("clerk_a", main, json!({"type": "comment", "text": "再核对"})).await;
    app.run("clerk_a", other, json!({"type": "note", "text": "再看"})).await;
    let timeline = app.get("clerk_a", &format!("/api/v1/matters/{other}/timeline")).await;
    assert_eq!(events(&timeline, "replied").len(), 1, "healed once: {timeline}");
    let timeline = app.get("clerk_a", &format!("/api/v1/matters/{main}/timeline")).await;
    assert_eq!(events(&timeline, "merge_received").len(), 1, "{timeline}");
}

// ---- Browser-like client for the staff pages ------------------------------------------------

struct Browser<'a> {
    app: &'a App,
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

struct Reply {
    status: StatusCode,
    location: String,
    body: String,
}

fn form_body(fields: &[(&str, String)]) -> String {
    use minsheng_web::ui::session::urlencode;
    fields.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&")
}

/// The value of the first hidden `name` input in `html`.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} field in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The part of a page from the heading `title` to the end of its section.
fn section<'p>(html: &'p str, title: &str) -> &'p str {
    let start = html
        .find(&format!(">{title} "))
        .or_else(|| html.find(&format!(">{title}<")))
        .unwrap_or_else(|| panic!("no section {title} in {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

impl<'a> Browser<'a> {
    fn new(app: &'a App) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { app, http, cookies: HashMap::new() }
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<&[(&str, String)]>) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.app.base));
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        if !cookie.is_empty() {
            req = req.header("cookie", cookie);
        }
        if let Some(fields) = form {
            req = req.header("content-type", "application/x-www-form-urlencoded").body(form_body(fields));
        }
        let resp = req.send().await.unwrap();
        for set in resp.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || set.to_str().unwrap().contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = resp.status();
        let location =
            resp.headers().get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        Reply { status, location, body: resp.text().await.unwrap() }
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, String)]) -> Reply {
        self.send(Method::POST, path, Some(form)).await
    }

    async fn sign_in(&mut self, user: &str) {
        let page = self.get("/login").await;
        let csrf = hidden(&page.body, "csrf");
        let form = [
            ("username", user.to_string()),
            ("password", PASSWORD.to_string()),
            ("csrf", csrf),
            ("next", "/".to_string()),
        ];
        let r = self.post("/login", &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
}

/// The text of a letter's PDF, as poppler reads it (Debian package poppler-utils).
async fn pdf(app: &App, who: &str, id: i64, kind: &str) -> String {
    let resp = app
        .http
        .get(format!("{}/api/v1/matters/{id}/letters/{kind}.pdf", app.base))
        .bearer_auth(&app.tokens[who])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{kind}");
    let bytes = resp.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let mut child = std::process::Command::new("pdftotext")
        .args(["-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("pdftotext is required (Debian package poppler-utils; scripts/check installs it)");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().replace('\n', "")
}

on_both_engines!(
    App;
    two_wage_complaints_merge_and_count,
    the_main_answer_reaches_the_merged_citizen,
    every_refusal_is_named,
    another_township_cannot_merge_across_scope,
    the_matter_page_merges_and_counts,
    a_half_done_merge_heals_at_the_next_write,
);
