//! The HTTP API through the real router, on a real port, against SQLite and PostgreSQL.
//! Every test runs on both engines. PostgreSQL comes from MINSHENG_TEST_DATABASE_URL (default:
//! the local server as `postgres`); if it cannot be reached, the PostgreSQL tests fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use minsheng_domain::{Role, UnitId, UnitKind, UserId};
use minsheng_store::{NewToken, NewUnit, NewUser, Store, TokenKind};
use minsheng_testkit::{Engine, TestDb, on_both_engines};
use minsheng_web::clock::SystemClock;
use minsheng_web::{AppState, Settings};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

const BODY_LIMIT: usize = 64 * 1024;

struct App {
    base: String,
    http: reqwest::Client,
    store: Arc<dyn Store>,
    units: HashMap<&'static str, i64>,
    tokens: HashMap<&'static str, String>,
    users: HashMap<&'static str, UserId>,
    db: Option<TestDb>,
    _files: Option<tempfile::TempDir>,
}

fn shared_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| minsheng_web::auth::hash_password("password-123").unwrap())
}

impl App {
    async fn start(engine: Engine) -> Self {
        let db = TestDb::new(engine).await;
        let store = minsheng_store::open(&db.url).await.unwrap();
        let files = tempfile::tempdir().unwrap();
        let settings = Settings {
            body_limit: BODY_LIMIT,
            attachments_dir: files.path().to_owned(),
            ..Settings::default()
        };
        let state = AppState::load(Arc::clone(&store), Arc::new(SystemClock), settings).await.unwrap();
        minsheng_web::bootstrap(&state, "诸暨市", Some("admin".into()), Some("password-123".into()))
            .await
            .unwrap();
        let mut units = HashMap::new();
        let county = state.org().iter().next().unwrap().id.0;
        units.insert("county", county);
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
        add("grid_a", "village_a", UnitKind::Grid, "第一网格").await;
        add("dept", "county", UnitKind::Department, "市住房和城乡建设局").await;
        add("dept2", "county", UnitKind::Department, "市人力资源和社会保障局").await;
        add("committee_a", "town_a", UnitKind::Committee, "枫桥镇人民调解委员会").await;
        add("committee_county", "county", UnitKind::Committee, "诸暨市人民调解委员会").await;
        add("court", "county", UnitKind::Department, "市人民法院").await;
        let mut tokens = HashMap::new();
        let mut users = HashMap::new();
        let cast: [(&'static str, Role, &str); 11] = [
            ("leader", Role::Leader, "county"),
            ("clerk_a", Role::Clerk, "town_a"),
            ("clerk_b", Role::Clerk, "town_b"),
            ("handler", Role::Handler, "dept"),
            ("handler2", Role::Handler, "dept2"),
            ("grid", Role::GridWorker, "grid_a"),
            ("auditor", Role::Auditor, "county"),
            ("admin_b", Role::Admin, "town_b"),
            ("mediator_a", Role::Mediator, "committee_a"),
            ("mediator_b", Role::Mediator, "committee_a"),
            ("mediator_county", Role::Mediator, "committee_county"),
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
            users.insert(name, user.id);
        }
        // The township committee's second mediator specialises in neighbour disputes.
        store.set_mediator_specialities(users["mediator_b"], vec!["neighbour".into()]).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = minsheng_web::router(state);
        tokio::spawn(async move { axum::serve(listener, router).await });
        let mut app = Self {
            base,
            http: reqwest::Client::new(),
            store,
            units,
            tokens,
            users,
            db: Some(db),
            _files: Some(files),
        };
        let admin = app.login("admin", "password-123").await;
        app.tokens.insert("admin", admin);
        app
    }

    async fn done(self) {
        self.store.close().await;
        drop(self.store);
        if let Some(db) = self.db {
            db.remove().await;
        }
    }

    async fn login(&self, user: &str, password: &str) -> String {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"username": user, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    fn unit(&self, key: &str) -> i64 {
        self.units[key]
    }

    /// Sends a request as `who` (a key of `tokens`, or None for anonymous).
    async fn call(
        &self,
        method: Method,
        path: &str,
        who: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.send(method, path, who, body, &[]).await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        who: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(who) = who {
            req = req.bearer_auth(&self.tokens[who]);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let ct =
            resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let text = resp.text().await.unwrap();
        if status.is_client_error() || status.is_server_error() {
            assert_eq!(ct, "application/problem+json", "{status} {text}");
        }
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn raw(
        &self,
        method: Method,
        path: &str,
        who: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let resp = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.tokens[who])
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    fn intake(&self, unit: &str) -> Value {
        json!({
            "kind": "dispute",
            "channel": "visit",
            "title": "反映邻居违建占用宅基地",
            "body": "邻居在我家宅基地边界砌墙，占地约十二平方米，多次协商未果，请求调解。",
            "unit_id": self.unit(unit),
            "category": "land",
            "people_involved": 2,
            "amount_fen": 1_250_000,
            "parties": [
                {"name": "张建国", "phone": "13812345678", "id_card": "330681198001011232", "address": "诸暨市枫桥镇枫源村18号"},
                {"role": "respondent", "name": "李某某", "phone": "0575-87012345"}
            ]
        })
    }

    async fn create(&self, who: &str, unit: &str) -> Value {
        let (status, body) =
            self.call(Method::POST, "/api/v1/matters", Some(who), Some(self.intake(unit))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    async fn command(&self, who: &str, id: &Value, version: i64, command: Value) -> (StatusCode, Value) {
        let path = format!("/api/v1/matters/{id}/commands");
        self.call(
            Method::POST,
            &path,
            Some(who),
            Some(json!({"expected_version": version, "command": command})),
        )
        .await
    }

    async fn count(&self) -> usize {
        self.store.count_matters().await.unwrap() as usize
    }
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

async fn operations_endpoints(app: &App) {
    let (s, body) = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!((s, body), (StatusCode::OK, Value::String("ok".into())));
    assert_eq!(app.call(Method::GET, "/readyz", None, None).await.0, StatusCode::OK);
    let (s, doc) = app.call(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    for path in [
        "/api/v1/matters",
        "/api/v1/matters/{id}/commands",
        "/api/v1/matters/{id}/timeline",
        "/api/v1/auth/token",
        "/api/v1/units",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }
    let (s, html) = app.call(Method::GET, "/api/docs", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.as_str().unwrap().contains("swagger-ui-bundle.js"));
    assert_eq!(app.call(Method::GET, "/api/docs/swagger-ui-bundle.js", None, None).await.0, StatusCode::OK);
    app.create("clerk_a", "village_a").await;
    let (s, metrics) = app.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let metrics = metrics.as_str().unwrap().to_owned();
    assert!(metrics.contains("minsheng_matters_registered_total 1"), "{metrics}");
    assert!(metrics.contains(r#"route="/api/v1/matters""#), "{metrics}");
    // Unknown routes and wrong methods are problems too, in the caller's language.
    let (s, p) = app.call(Method::GET, "/nowhere", None, None).await;
    assert_eq!((s, p["status"].as_u64()), (StatusCode::NOT_FOUND, Some(404)));
    let (s, p) = app.call(Method::PUT, "/api/v1/matters", Some("clerk_a"), None).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(p["title"], "不支持该请求方法");
}

async fn tokens_and_languages(app: &App) {
    let (s, p) = app
        .call(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "admin", "password": "wrong"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(p["title"], "用户名或密码不正确");
    let (s, p) = app
        .send(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "nobody", "password": "x"})),
            &[("accept-language", "en-GB,en")],
        )
        .await;
    assert_eq!((s, p["title"].as_str()), (StatusCode::UNAUTHORIZED, Some("wrong username or password")));
    let (s, me) = app.call(Method::GET, "/api/v1/me", Some("admin"), None).await;
    assert_eq!(
        (s, me["username"].as_str(), me["role"].as_str()),
        (StatusCode::OK, Some("admin"), Some("admin"))
    );
    // Anonymous callers get 401 on everything but sign-in and operations.
    for (m, path) in [
        (Method::GET, "/api/v1/matters"),
        (Method::GET, "/api/v1/matters/1"),
        (Method::GET, "/api/v1/units"),
        (Method::GET, "/api/v1/users"),
        (Method::GET, "/api/v1/categories"),
        (Method::POST, "/api/v1/matters/1/commands"),
    ] {
        let (s, _) = app.call(m.clone(), path, None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{m} {path}");
    }
    // A revoked token stops working.
    let (s, _) = app.call(Method::DELETE, "/api/v1/auth/token", Some("admin"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(app.call(Method::GET, "/api/v1/me", Some("admin"), None).await.0, StatusCode::UNAUTHORIZED);
}

async fn repeated_failures_lock_the_account(app: &App) {
    let attempt = |password: &'static str| {
        app.call(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "auditor", "password": password})),
        )
    };
    for _ in 0..5 {
        assert_eq!(attempt("guess").await.0, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused, with a clear message and when to retry.
    let resp = app
        .http
        .post(format!("{}/api/v1/auth/token", app.base))
        .json(&json!({"username": "auditor", "password": "password-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "900");
    let p: Value = resp.json().await.unwrap();
    assert_eq!(p["title"], "登录失败次数过多，账号已暂时锁定，请 15 分钟后再试");
    // Other accounts are unaffected, and a success clears the count.
    assert_eq!(app.login("admin", "password-123").await.len(), 67);
}

async fn the_whole_lifecycle(app: &App) {
    let m = app.create("clerk_a", "village_a").await;
    let id = &m["id"];
    assert_eq!((m["status"].as_str(), m["version"].as_i64()), (Some("registered"), Some(1)));
    assert_eq!(m["unit_name"], "枫桥镇 / 枫源村");
    assert_eq!(m["amount_fen"], 1_250_000);
    let (s, got) = app.call(Method::GET, &format!("/api/v1/matters/{id}"), Some("clerk_a"), None).await;
    assert_eq!((s, got["title"].as_str()), (StatusCode::OK, Some("反映邻居违建占用宅基地")));

    let v = |m: &Value| m["version"].as_i64().unwrap();
    let (s, m) = app
        .command(
            "clerk_a",
            id,
            v(&m),
            json!({"type": "assign", "mode": "transfer", "unit_id": app.unit("dept")}),
        )
        .await;
    assert_eq!((s, m["status"].as_str()), (StatusCode::OK, Some("assigned")), "{m}");
    assert_eq!(m["handling"]["lead_unit_name"], "市住房和城乡建设局");
    // A dispute runs its handling clock from the routing: 30 days by default.
    assert_eq!(m["clocks"][0]["clock"], "handling", "{m}");
    assert_eq!(m["clocks"][0]["limit"], json!({"amount": 30, "unit": "calendar_days"}));
    assert_eq!(m["deadline"], m["clocks"][0]["due"]);
    let (s, m) = app.command("handler", id, v(&m), json!({"type": "start"})).await;
    assert_eq!((s, m["status"].as_str()), (StatusCode::OK, Some("in_progress")), "{m}");
    let before = v(&m);
    let (s, m) =
        app.command("handler", id, before, json!({"type": "note", "text": "已约双方现场查看"})).await;
    assert_eq!((s, v(&m)), (StatusCode::OK, before + 1), "a note is one event");
    let (s, m) = app
        .command(
            "handler",
            id,
            v(&m),
            json!({"type": "reply", "text": "经现场测量，围墙越界0.4米，已责令拆除。"}),
        )
        .await;
    assert_eq!((s, m["status"].as_str()), (StatusCode::OK, Some("replied")), "{m}");
    let (s, m) = app.command("clerk_a", id, v(&m), json!({"type": "close", "note": "回访满意"})).await;
    assert_eq!((s, m["status"].as_str()), (StatusCode::OK, Some("closed")), "{m}");
    let (s, m) =
        app.command("leader", id, v(&m), json!({"type": "reopen", "reason": "围墙未拆，群众再次反映"})).await;
    assert_eq!(
        (s, m["status"].as_str(), m["reopen_count"].as_u64()),
        (StatusCode::OK, Some("in_progress"), Some(1)),
        "{m}"
    );

    let (s, t) =
        app.call(Method::GET, &format!("/api/v1/matters/{id}/timeline"), Some("clerk_a"), None).await;
    assert_eq!(s, StatusCode::OK);
    let items = t["items"].as_array().unwrap();
    let steps: Vec<&Value> =
        items.iter().filter(|e| !e["type"].as_str().unwrap().starts_with("clock_")).collect();
    let kinds: Vec<&str> = steps.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["registered", "assigned", "started", "note_added", "replied", "closed", "reopened"]);
    assert_eq!(steps[6]["data"]["reason"], "围墙未拆，群众再次反映");
    assert_eq!(steps[1]["actor_id"], app.users["clerk_a"].0);
    let clocks: Vec<String> = items
        .iter()
        .filter(|e| e["type"].as_str().unwrap().starts_with("clock_"))
        .map(|e| format!("{} {}", e["type"].as_str().unwrap(), e["data"]["clock"].as_str().unwrap()))
        .collect();
    assert_eq!(
        clocks,
        [
            "clock_started handling",
            "clock_stopped handling",
            "clock_started follow_up",
            "clock_stopped follow_up",
            "clock_started handling"
        ],
        "handling until the reply, then the follow-up visit, then handling again after the reopening"
    );

    let (s, list) = app.call(Method::GET, "/api/v1/matters?status=in_progress", Some("leader"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"][0]["id"], *id);
    assert_eq!(list["next_cursor"], Value::Null);
}

async fn bad_input_is_refused_and_changes_nothing(app: &App) {
    let before = app.count().await;
    let post = |body: Value| app.call(Method::POST, "/api/v1/matters", Some("clerk_a"), Some(body));
    let with = |key: &str, value: Value| {
        let mut body = app.intake("village_a");
        body[key] = value;
        body
    };
    // Malformed JSON, wrong media type, oversize bodies (just over the limit: a server that
    // answers 413 before reading a much larger body may reset the connection mid-send).
    let (s, p) = app
        .raw(Method::POST, "/api/v1/matters", "clerk_a", "application/json", b"{\"kind\": ".to_vec())
        .await;
    assert_eq!(
        (s, p["type"].as_str()),
        (StatusCode::BAD_REQUEST, Some("urn:minsheng:problem:malformed-json"))
    );
    let (s, _) = app.raw(Method::POST, "/api/v1/matters", "clerk_a", "text/plain", b"{}".to_vec()).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (s, p) = post(with("body", Value::String("很长".repeat(BODY_LIMIT / 6 + 500)))).await;
    assert_eq!(
        (s, p["type"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("urn:minsheng:problem:payload-too-large"))
    );
    // Wrong types, unknown fields and values, each named.
    let cases: Vec<(Value, &str)> = vec![
        (with("title", json!(123)), "title"),
        (with("kind", json!("complaint")), "kind"),
        (with("channel", json!("fax")), "channel"),
        (with("surprise", json!(true)), "surprise"),
        (with("unit_id", json!("one")), "unit_id"),
    ];
    for (body, field) in cases {
        let (s, p) = post(body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {p}");
        assert_eq!(fields(&p), [field], "{p}");
    }
    let mut missing = app.intake("village_a");
    missing.as_object_mut().unwrap().remove("title");
    assert_eq!(fields(&post(missing).await.1), ["title"]);
    // Validation of values: every bad field at once.
    let mut body = app.intake("village_a");
    body["parties"][0]["phone"] = json!("1381234567");
    body["parties"][0]["id_card"] = json!("330681198001011239");
    body["parties"][1]["name"] = json!("");
    body["unit_id"] = json!(987_654);
    body["category"] = json!("aliens");
    body["amount_fen"] = json!(-1);
    let (s, p) = post(body).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let mut got = fields(&p);
    got.sort();
    assert_eq!(
        got,
        ["amount_fen", "category", "parties[0].id_card", "parties[0].phone", "parties[1].name", "unit_id"]
    );
    assert!(
        p["errors"][0]["message"].as_str().unwrap().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{p}"
    );
    let attachment = json!([{"name": "现场照片.jpg", "media_type": "image/jpeg", "size_bytes": 1024, "sha256": "not-hex"}]);
    assert_eq!(fields(&post(with("attachments", attachment)).await.1), ["attachments[0].sha256"]);
    // Nor may a client name stored content by its digest: someone else's file, or any type.
    let digest = "ab".repeat(32);
    let claimed =
        json!([{"name": "x.svg", "media_type": "image/svg+xml", "size_bytes": 10, "sha256": digest}]);
    let (s, p) = post(with("attachments", claimed)).await;
    assert_eq!(
        (s, fields(&p)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["attachments[0].sha256".to_string()])
    );
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("登记页面"), "{p}");
    let (s, p) = app
        .send(
            Method::POST,
            "/api/v1/matters",
            Some("clerk_a"),
            Some(app.intake("village_a")),
            &[("idempotency-key", "键")],
        )
        .await;
    assert_eq!((s, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["Idempotency-Key".to_string()]));
    let (s, _) = post(with("unit_id", json!(app.unit("town_b")))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a township clerk registers only in their township");
    assert_eq!(app.count().await, before, "no bad intake created a matter");

    // Commands: unknown fields, unknown types, illegal transitions, stale versions.
    let m = app.create("clerk_a", "village_a").await;
    let id = &m["id"];
    let (s, p) = app.command("clerk_a", id, 1, json!({"type": "start", "extra": 1})).await;
    assert_eq!((s, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["command.extra".to_string()]), "{p}");
    let (s, p) = app.command("clerk_a", id, 1, json!({"type": "teleport"})).await;
    assert_eq!((s, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["command.type".to_string()]), "{p}");
    let (s, p) = app.command("clerk_a", id, 1, json!({"type": "reply", "text": "x"})).await;
    assert_eq!(
        (s, p["type"].as_str()),
        (StatusCode::CONFLICT, Some("urn:minsheng:problem:illegal-transition"))
    );
    assert_eq!(p["title"], "事项当前状态为“已登记”，不能执行“答复”");
    let (s, p) = app
        .command("clerk_a", id, 1, json!({"type": "assign", "mode": "assign", "unit_id": app.unit("dept")}))
        .await;
    assert_eq!((s, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["report_by".to_string()]));
    let many: Vec<i64> = (0..21).map(|i| 1_000 + i).collect();
    let joint = json!({"type": "assign", "mode": "joint", "unit_id": app.unit("dept"), "co_unit_ids": many});
    let (s, p) = app.command("clerk_a", id, 1, joint).await;
    assert_eq!((s, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["co_unit_ids".to_string()]));
    let (s, p) = app
        .command("clerk_a", id, 1, json!({"type": "assign", "mode": "transfer", "unit_id": 424_242}))
        .await;
    assert_eq!((s, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["unit_id".to_string()]));
    let (s, _) = app.call(Method::GET, "/api/v1/matters/abc", Some("clerk_a"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.call(Method::GET, "/api/v1/matters/99999999", Some("clerk_a"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, after) = app.call(Method::GET, &format!("/api/v1/matters/{id}"), Some("clerk_a"), None).await;
    assert_eq!(
        (after["version"].as_i64(), after["status"].as_str()),
        (Some(1), Some("registered")),
        "refused commands change nothing"
    );
    // Bad query parameters name themselves.
    for (query, field) in [
        ("status=lost", "status"),
        ("from=yesterday", "from"),
        ("limit=0", "limit"),
        ("colour=red", "colour"),
        ("unit_id=777777", "unit_id"),
    ] {
        let (s, p) = app.call(Method::GET, &format!("/api/v1/matters?{query}"), Some("clerk_a"), None).await;
        assert_eq!(
            (s, fields(&p)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]),
            "{query}: {p}"
        );
    }
}

async fn stale_writes_get_409_with_the_current_version(app: &App) {
    let m = app.create("clerk_a", "village_a").await;
    let id = &m["id"];
    let (s, _) = app.command("clerk_a", id, 1, json!({"type": "comment", "text": "第一条"})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, p) = app.command("clerk_a", id, 1, json!({"type": "comment", "text": "过期的版本"})).await;
    assert_eq!((s, p["current_version"].as_i64()), (StatusCode::CONFLICT, Some(2)));
    assert_eq!(p["type"], "urn:minsheng:problem:stale-version");
    // Racing writers: exactly one of several concurrent commands on the same version wins.
    let racers = (0..6)
        .map(|i| app.command("clerk_a", id, 2, json!({"type": "comment", "text": format!("并发 {i}")})));
    let results = futures_join(racers).await;
    assert_eq!(results.iter().filter(|(s, _)| *s == StatusCode::OK).count(), 1);
    assert!(results.iter().all(|(s, _)| *s == StatusCode::OK || *s == StatusCode::CONFLICT));
}

async fn futures_join<F: std::future::Future<Output = T>, T>(futures: impl Iterator<Item = F>) -> Vec<T> {
    let mut set = Vec::new();
    for f in futures {
        set.push(f);
    }
    let mut out = Vec::new();
    // Poll them together on this task.
    let joined = async {
        let mut pinned: Vec<_> = set.into_iter().map(Box::pin).collect();
        let mut results: Vec<Option<T>> = (0..pinned.len()).map(|_| None).collect();
        std::future::poll_fn(|cx| {
            let mut pending = false;
            for (i, f) in pinned.iter_mut().enumerate() {
                if results[i].is_none() {
                    match f.as_mut().poll(cx) {
                        std::task::Poll::Ready(v) => results[i] = Some(v),
                        std::task::Poll::Pending => pending = true,
                    }
                }
            }
            if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
        })
        .await;
        results.into_iter().map(Option::unwrap).collect::<Vec<_>>()
    };
    out.extend(joined.await);
    out
}

async fn retried_intake_is_idempotent(app: &App) {
    let before = app.count().await;
    let post = |body: Value| {
        app.send(
            Method::POST,
            "/api/v1/matters",
            Some("clerk_a"),
            Some(body),
            &[("idempotency-key", "intake-42")],
        )
    };
    let (s1, a) = post(app.intake("village_a")).await;
    let (s2, b) = post(app.intake("village_a")).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(a["id"], b["id"]);
    let mut other = app.intake("village_a");
    other["title"] = json!("另一件事");
    let (s, p) = post(other).await;
    assert_eq!(
        (s, p["type"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("urn:minsheng:problem:idempotency-key-reused"))
    );
    assert_eq!(app.count().await, before + 1);
}

async fn scope_is_enforced_on_every_endpoint(app: &App) {
    let m = app.create("clerk_a", "village_a").await;
    let id = &m["id"];
    let paths = [
        (Method::GET, format!("/api/v1/matters/{id}"), None),
        (Method::GET, format!("/api/v1/matters/{id}/timeline"), None),
        (
            Method::POST,
            format!("/api/v1/matters/{id}/commands"),
            Some(json!({"expected_version": 1, "command": {"type": "comment", "text": "看看"}})),
        ),
        (Method::POST, format!("/api/v1/matters/{id}/reveal"), Some(json!({"reason": "核实"}))),
    ];
    for who in ["clerk_b", "handler", "admin_b"] {
        for (m, path, body) in &paths {
            let (s, _) = app.call(m.clone(), path, Some(who), body.clone()).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{who} {m} {path}");
        }
        let (_, list) = app.call(Method::GET, "/api/v1/matters", Some(who), None).await;
        assert!(list["items"].as_array().unwrap().iter().all(|i| i["id"] != *id), "{who} listed it");
    }
    for who in ["clerk_a", "leader", "auditor", "grid"] {
        let (s, _) = app.call(Method::GET, &format!("/api/v1/matters/{id}"), Some(who), None).await;
        let expected = if who == "grid" { StatusCode::NOT_FOUND } else { StatusCode::OK };
        assert_eq!(s, expected, "{who}");
    }
    // The auditor reads but never writes.
    let (s, p) = app.command("auditor", id, 1, json!({"type": "comment", "text": "x"})).await;
    assert_eq!((s, p["type"].as_str()), (StatusCode::FORBIDDEN, Some("urn:minsheng:problem:forbidden")));
    // Transferred to a department: it sees the matter; another department still does not.
    app.command("clerk_a", id, 1, json!({"type": "assign", "mode": "transfer", "unit_id": app.unit("dept")}))
        .await;
    assert_eq!(
        app.call(Method::GET, &format!("/api/v1/matters/{id}"), Some("handler"), None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        app.call(Method::GET, &format!("/api/v1/matters/{id}"), Some("handler2"), None).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, p) = app.command("handler2", id, 2, json!({"type": "start"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
    // Users are scoped too.
    let (_, users) = app.call(Method::GET, "/api/v1/users", Some("clerk_b"), None).await;
    let names: Vec<&str> =
        users["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["clerk_b", "admin_b"]);
}

async fn personal_data_is_masked_until_revealed(app: &App) {
    let m = app.create("clerk_a", "village_a").await;
    let id = &m["id"];
    let party = &m["parties"][0];
    assert_eq!((party["name"].as_str(), party["phone"].as_str()), (Some("张**"), Some("138****5678")));
    assert_eq!(party["id_card"], "3306**********1232");
    assert_eq!(party["masked"], true);
    let (_, t) =
        app.call(Method::GET, &format!("/api/v1/matters/{id}/timeline"), Some("clerk_a"), None).await;
    let text = t.to_string();
    assert!(
        !text.contains("13812345678") && !text.contains("张建国") && !text.contains("330681198001011232"),
        "{text}"
    );
    let (s, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/matters/{id}/reveal"),
            Some("clerk_a"),
            Some(json!({"reason": " "})),
        )
        .await;
    assert_eq!((s, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_string()]));
    let (s, r) = app
        .call(
            Method::POST,
            &format!("/api/v1/matters/{id}/reveal"),
            Some("clerk_a"),
            Some(json!({"reason": "电话回访需要联系方式"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["parties"][0]["phone"].as_str(), r["parties"][0]["masked"].as_bool()),
        (Some("13812345678"), Some(false))
    );
    assert_eq!(r["parties"][0]["name"], "张建国");
    let (_, t) = app.call(Method::GET, &format!("/api/v1/matters/{id}/timeline"), Some("leader"), None).await;
    let last = t["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["type"].as_str(), last["data"]["reason"].as_str()),
        (Some("parties_revealed"), Some("电话回访需要联系方式"))
    );
    assert_eq!(last["actor_id"], app.users["clerk_a"].0);
    // Grid workers never see unmasked data.
    let g = app.create("grid", "grid_a").await;
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/matters/{}/reveal", g["id"]),
            Some("grid"),
            Some(json!({"reason": "想看"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

async fn list_filters_and_pages(app: &App) {
    let mut ids = vec![];
    for i in 0..7 {
        let mut body = app.intake(if i % 2 == 0 { "village_a" } else { "grid_a" });
        if i % 3 == 0 {
            body["kind"] = json!("request");
            body["channel"] = json!("phone");
            body["category"] = json!("consultation");
        }
        let (s, m) = app.call(Method::POST, "/api/v1/matters", Some("clerk_a"), Some(body)).await;
        assert_eq!(s, StatusCode::CREATED);
        ids.push(m["id"].as_i64().unwrap());
    }
    ids.reverse();
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/matters?limit=3&cursor={c}"),
            None => "/api/v1/matters?limit=3".to_string(),
        };
        let (s, page) = app.call(Method::GET, &path, Some("clerk_a"), None).await;
        assert_eq!(s, StatusCode::OK);
        seen.extend(page["items"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let (_, oldest) =
        app.call(Method::GET, "/api/v1/matters?sort=oldest&limit=2", Some("clerk_a"), None).await;
    let first: Vec<i64> =
        oldest["items"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(first, [ids[6], ids[5]], "oldest first");
    let (s, p) = app.call(Method::GET, "/api/v1/matters?sort=sideways", Some("clerk_a"), None).await;
    assert_eq!((s, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["sort".to_string()]));
    let count = |q: &'static str| async move {
        let (s, page) = app.call(Method::GET, &format!("/api/v1/matters?{q}"), Some("leader"), None).await;
        assert_eq!(s, StatusCode::OK, "{q}: {page}");
        page["items"].as_array().unwrap().len()
    };
    assert_eq!(count("kind=request").await, 3);
    assert_eq!(count("kind=dispute&channel=visit&category=land").await, 4);
    assert_eq!(count("channel=phone&status=registered").await, 3);
    let grid = app.unit("grid_a");
    let grid_query: &'static str = Box::leak(format!("unit_id={grid}").into_boxed_str());
    assert_eq!(count(grid_query).await, 3);
    assert_eq!(count("from=2000-01-01&to=2999-01-01").await, 7);
    assert_eq!(count("to=2001-01-01").await, 0);
    assert_eq!(count("from=2999-01-01T00:00:00Z").await, 0);
}

async fn administrators_manage_units_and_users(app: &App) {
    let (s, units) = app.call(Method::GET, "/api/v1/units", Some("grid"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(units["items"].as_array().unwrap().iter().any(|u| u["full_name"] == "枫桥镇 / 枫源村"));
    let (s, cats) = app.call(Method::GET, "/api/v1/categories", Some("grid"), None).await;
    assert_eq!((s, cats["items"][0]["code"].as_str()), (StatusCode::OK, Some("wage_arrears")));

    let village =
        json!({"parent_id": app.unit("town_a"), "kind": "village", "name": "栎桥村", "code": "330681107201"});
    let (s, _) = app.call(Method::POST, "/api/v1/units", Some("clerk_a"), Some(village.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.call(Method::POST, "/api/v1/units", Some("admin_b"), Some(village.clone())).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "outside admin_b's township");
    let (s, p) = app
        .call(
            Method::POST,
            "/api/v1/units",
            Some("admin"),
            Some(json!({"parent_id": app.unit("county"), "kind": "grid", "name": "错位网格"})),
        )
        .await;
    assert_eq!((s, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["kind".to_string()]));
    let (s, v) = app.call(Method::POST, "/api/v1/units", Some("admin"), Some(village)).await;
    assert_eq!((s, v["full_name"].as_str()), (StatusCode::CREATED, Some("枫桥镇 / 栎桥村")));

    let user = json!({"username": "clerk_lq", "display_name": "栎桥村登记员", "role": "clerk", "unit_id": v["id"], "password": "long-enough-1"});
    let (s, u) = app.call(Method::POST, "/api/v1/users", Some("admin"), Some(user.clone())).await;
    assert_eq!((s, u["role"].as_str()), (StatusCode::CREATED, Some("clerk")), "{u}");
    let (s, p) = app.call(Method::POST, "/api/v1/users", Some("admin"), Some(user)).await;
    assert_eq!((s, p["type"].as_str()), (StatusCode::CONFLICT, Some("urn:minsheng:problem:duplicate")));
    let bad = json!({"username": "X", "display_name": "", "role": "clerk", "unit_id": 5_555_555, "password": "short"});
    let (s, p) = app.call(Method::POST, "/api/v1/users", Some("admin"), Some(bad)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&p), ["username", "display_name", "unit_id", "password"]);
    // The new clerk signs in with the password and works in their village only.
    let mut app2 = App { tokens: app.tokens.clone(), ..shallow(app) };
    let token = app2.login("clerk_lq", "long-enough-1").await;
    app2.tokens.insert("clerk_lq", token);
    let (s, _) =
        app2.call(Method::POST, "/api/v1/matters", Some("clerk_lq"), Some(app.intake("village_a"))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

/// A second handle on the same running app (same server and store).
fn shallow(app: &App) -> App {
    App {
        base: app.base.clone(),
        http: app.http.clone(),
        store: Arc::clone(&app.store),
        units: app.units.clone(),
        tokens: HashMap::new(),
        users: app.users.clone(),
        db: None,
        _files: None,
    }
}

// ---- Staff pages, in-process: sign-in, CSRF, scope, actions, language, password ----------

/// A browser-like client for the staff pages: no automatic redirects, cookies kept by hand.
struct Browser<'a> {
    app: &'a App,
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

struct Reply {
    status: StatusCode,
    location: String,
    headers: reqwest::header::HeaderMap,
    body: String,
}

fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!("{}={}", minsheng_web::ui::session::urlencode(k), minsheng_web::ui::session::urlencode(v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The value of a hidden `name` input in `html`.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} field in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

impl<'a> Browser<'a> {
    fn new(app: &'a App) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { app, http, cookies: HashMap::new() }
    }

    async fn send(&mut self, method: Method, path: &str, form: Option<&[(&str, &str)]>) -> Reply {
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
        let headers = resp.headers().clone();
        Reply { status, location, headers, body: resp.text().await.unwrap() }
    }

    async fn bytes(&self, path: &str) -> (reqwest::header::HeaderMap, Vec<u8>) {
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let resp =
            self.http.get(format!("{}{path}", self.app.base)).header("cookie", cookie).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        (resp.headers().clone(), resp.bytes().await.unwrap().to_vec())
    }

    /// Posts a multipart form, as a browser does for a form with files.
    async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &[u8])],
    ) -> Reply {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (name, bytes) in files {
            form = form
                .part("files", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()));
        }
        let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let resp = self
            .http
            .post(format!("{}{path}", self.app.base))
            .header("cookie", cookie)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let location =
            resp.headers().get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let headers = resp.headers().clone();
        Reply { status, location, headers, body: resp.text().await.unwrap() }
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.send(Method::POST, path, Some(form)).await
    }

    async fn sign_in(&mut self, user: &str, password: &str) -> Reply {
        let page = self.get("/login").await;
        let csrf = hidden(&page.body, "csrf");
        self.post("/login", &[("username", user), ("password", password), ("csrf", &csrf), ("next", "/")])
            .await
    }
}

/// The matter's version as the API sees it now.
async fn version_of(app: &App, who: &str, id: &Value) -> i64 {
    let (_, m) = app.call(Method::GET, &format!("/api/v1/matters/{id}"), Some(who), None).await;
    m["version"].as_i64().unwrap()
}

/// A return goes back to the desk that routed it; an extension request waits on the same desk
/// for approval; both show on that desk's workbench, and both are done with the page's forms.
async fn returns_and_extensions_wait_on_the_right_desk(app: &App) {
    let m = app.create("clerk_a", "village_a").await;
    let id = &m["id"];
    let title = m["title"].as_str().unwrap().to_string();
    let assign = json!({"type": "assign", "mode": "transfer", "unit_id": app.unit("dept")});
    let (s, _) = app.command("clerk_a", id, version_of(app, "clerk_a", id).await, assign.clone()).await;
    assert_eq!(s, StatusCode::OK);

    // The bureau's handler returns it from the matter page.
    let mut handler = Browser::new(app);
    handler.sign_in("handler", "password-123").await;
    let page = handler.get(&format!("/matters/{id}")).await;
    assert!(page.body.contains("value=\"return\""), "the handler may return it");
    let csrf = hidden(&page.body, "csrf");
    let version = hidden(&page.body, "version");
    let blank = [("csrf", csrf.as_str()), ("version", version.as_str()), ("action", "return"), ("text", " ")];
    let r = handler.post(&format!("/matters/{id}"), &blank).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("必填，不能为空"), "the reason is required, in Chinese");
    let fields = [
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("action", "return"),
        ("text", "不属于本单位职责，应由镇调委会调处"),
    ];
    let r = handler.post(&format!("/matters/{id}"), &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let mut clerk = Browser::new(app);
    clerk.sign_in("clerk_a", "password-123").await;
    let desk = clerk.get("/").await.body;
    let returned = desk.split("退回给我的").nth(1).expect("a returned-to-me list");
    assert!(returned.split("</section>").next().unwrap().contains(&title), "{desk}");
    let page = clerk.get(&format!("/matters/{id}")).await.body;
    assert!(page.contains("已退单，等待") && page.contains("不属于本单位职责"), "{page}");

    // Routed again, it cannot be returned twice by the same unit.
    let (s, _) = app.command("clerk_a", id, version_of(app, "clerk_a", id).await, assign).await;
    assert_eq!(s, StatusCode::OK);
    let (s, p) = app
        .command(
            "handler",
            id,
            version_of(app, "handler", id).await,
            json!({"type": "return", "reason": "再退"}),
        )
        .await;
    assert_eq!(
        (s, p["errors"][0]["message"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("只能进行一次，已经用过"))
    );

    // An extension request waits for the clerk's approval.
    let (s, _) =
        app.command("handler", id, version_of(app, "handler", id).await, json!({"type": "start"})).await;
    assert_eq!(s, StatusCode::OK);
    let page = handler.get(&format!("/matters/{id}")).await.body;
    let (csrf, version) = (hidden(&page, "csrf"), hidden(&page, "version"));
    let ask = [
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("action", "request_extension"),
        ("amount", "10"),
        ("text", "需委托测绘"),
    ];
    assert_eq!(handler.post(&format!("/matters/{id}"), &ask).await.status, StatusCode::SEE_OTHER);
    let desk = clerk.get("/").await.body;
    let approval = desk.split("待我审批").nth(1).expect("an awaiting-approval list");
    assert!(approval.split("</section>").next().unwrap().contains(&title), "{desk}");
    let (_, before) = app.call(Method::GET, &format!("/api/v1/matters/{id}"), Some("clerk_a"), None).await;
    assert_eq!(before["waiting_for"], "approval");
    let page = clerk.get(&format!("/matters/{id}")).await.body;
    assert!(page.contains("审批延期 10：需委托测绘"), "the request is shown with its reason");
    let (csrf, version) = (hidden(&page, "csrf"), hidden(&page, "version"));
    let approve = [
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("action", "decide_extension"),
        ("approve", "yes"),
    ];
    assert_eq!(clerk.post(&format!("/matters/{id}"), &approve).await.status, StatusCode::SEE_OTHER);
    let (_, after) = app.call(Method::GET, &format!("/api/v1/matters/{id}"), Some("clerk_a"), None).await;
    assert_eq!((after["extensions_granted"].as_u64(), &after["waiting_for"]), (Some(1), &Value::Null));
    let due = |m: &Value| m["clocks"][0]["due"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    // Ten more days from the old last day, rolled on to a working day as statutory periods are
    // (so the expectation holds whatever day the test runs).
    let calendar = minsheng_domain::calendar::Calendar::builtin(jiff::tz::TimeZone::fixed(
        jiff::tz::Offset::constant(8),
    ))
    .unwrap();
    let last_day = calendar.date_of(due(&before) - jiff::SignedDuration::from_secs(1));
    let extended = calendar.due_date(last_day, minsheng_domain::calendar::Limit::calendar_days(10));
    assert_eq!(Some(due(&after)), calendar.end_of(extended), "ten more days");
    assert!(due(&after).duration_since(due(&before)) >= jiff::SignedDuration::from_hours(24 * 10));
    assert!(
        !clerk
            .get("/")
            .await
            .body
            .split("待我审批")
            .nth(1)
            .unwrap()
            .split("</section>")
            .next()
            .unwrap()
            .contains(&title)
    );
}

async fn the_calendar_and_the_time_limits(app: &App) {
    let get = |path: &str, who: &str| {
        let path = path.to_string();
        let who = who.to_string();
        async move { app.call(Method::GET, &path, Some(&who), None).await }
    };
    // 15 working days from 28 September 2026 run over the National Day break and its make-up
    // Saturday.
    let (s, d) =
        get("/api/v1/calendar/deadline?start=2026-09-28&amount=15&unit=working_days", "clerk_a").await;
    assert_eq!((s, d["due_date"].as_str()), (StatusCode::OK, Some("2026-10-23")), "{d}");
    assert_eq!(d["due_at"], "2026-10-23T16:00:00Z");
    let (s, d) =
        get("/api/v1/calendar/deadline?start=2026-09-18&amount=15&unit=calendar_days", "auditor").await;
    assert_eq!(
        (s, d["due_date"].as_str()),
        (StatusCode::OK, Some("2026-10-08")),
        "a due date in the break rolls on"
    );
    let (s, p) = get("/api/v1/calendar/deadline?start=2026-02-30&amount=x&unit=weeks", "clerk_a").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&p), ["start", "amount", "unit"], "{p}");
    assert_eq!(p["errors"][0]["message"], "不是有效的日期（格式 YYYY-MM-DD）");

    // The 2027 notice is entered by the administrator of the whole deployment only.
    let (s, y) = get("/api/v1/calendar/2027", "clerk_a").await;
    assert_eq!((s, y["known"].as_bool()), (StatusCode::OK, Some(false)));
    let notice = json!({"days": [
        {"date": "2027-01-01", "kind": "off", "name": "元旦"},
        {"date": "2027-02-06", "kind": "on", "name": "春节"},
        {"date": "2027-02-10", "kind": "off", "name": "春节"}
    ]});
    let put = |who: &str, body: Value| {
        let who = who.to_string();
        async move { app.call(Method::PUT, "/api/v1/calendar/2027", Some(&who), Some(body)).await }
    };
    assert_eq!(put("admin_b", notice.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(put("clerk_a", notice.clone()).await.0, StatusCode::FORBIDDEN);
    let mut wrong = notice.clone();
    wrong["days"][2]["kind"] = json!("on");
    let (s, p) = put("admin", wrong).await;
    assert_eq!((s, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["days[2].kind".to_string()]), "{p}");
    assert_eq!(p["errors"][0]["message"], "只有周六、周日才能调为工作日");
    let (s, y) = put("admin", notice).await;
    assert_eq!(
        (s, y["known"].as_bool(), y["days"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(true), Some(3))
    );
    let (_, d) =
        get("/api/v1/calendar/deadline?start=2027-02-09&amount=1&unit=working_days", "clerk_a").await;
    assert_eq!(d["due_date"], "2027-02-11", "the entered holiday counts");

    // Time limits: read by anyone, changed by the deployment's administrator, every change kept.
    let (s, p) = get("/api/v1/policies", "clerk_a").await;
    assert_eq!(s, StatusCode::OK);
    let mut rules = p["rules"].as_array().unwrap().clone();
    let dispute = rules.iter().position(|r| r["kind"] == "dispute" && r["clock"] == "handling").unwrap();
    rules[dispute]["limit"] = json!({"amount": 20, "unit": "working_days"});
    let mut bad = rules.clone();
    bad.push(json!({"kind": "petition", "clock": "review", "limit": {"amount": 4, "unit": "hours"}}));
    let (s, e) = app.call(Method::PUT, "/api/v1/policies", Some("admin"), Some(json!({"rules": bad}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["errors"][0]["message"], "该时限不能按小时计算", "{e}");
    let (s, _) = app
        .call(Method::PUT, "/api/v1/policies", Some("clerk_a"), Some(json!({"rules": rules.clone()})))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) =
        app.call(Method::PUT, "/api/v1/policies", Some("admin"), Some(json!({"rules": rules}))).await;
    assert_eq!(s, StatusCode::OK);
    let (_, changes) = get("/api/v1/policies/changes", "auditor").await;
    assert_eq!(changes["items"].as_array().unwrap().len(), 1);
    let (_, me) = get("/api/v1/me", "admin").await;
    assert_eq!(changes["items"][0]["changed_by"], me["id"], "{me}");
    // A new dispute runs the new limit from its routing.
    let m = app.create("clerk_a", "village_a").await;
    let (_, m) = app
        .command(
            "clerk_a",
            &m["id"],
            m["version"].as_i64().unwrap(),
            json!({"type": "assign", "mode": "transfer", "unit_id": app.unit("dept")}),
        )
        .await;
    assert_eq!(m["clocks"][0]["limit"], json!({"amount": 20, "unit": "working_days"}), "{m}");
}

/// The text of a PDF, as poppler reads it (the Debian package poppler-utils).
fn pdf_text(pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let mut child = std::process::Command::new("pdftotext")
        .args(["-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("pdftotext is required (Debian package poppler-utils; scripts/check installs it)");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    // Lines break anywhere in Chinese; join them to search the prose.
    String::from_utf8(out.stdout).unwrap().replace('\n', "")
}

async fn letter(app: &App, who: &str, id: &Value, kind: &str) -> String {
    let resp = app
        .http
        .get(format!("{}/api/v1/matters/{id}/letters/{kind}.pdf", app.base))
        .bearer_auth(&app.tokens[who])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{kind}");
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    pdf_text(&resp.bytes().await.unwrap())
}

/// A petition from registration to final, through the API: acceptance, an extension, the
/// handling opinion, review and re-review, each letter read back out of its PDF; then the same
/// petitioner's same request is flagged at intake as no longer accepted.
async fn a_petition_runs_to_final_with_its_letters(app: &App) {
    let mut intake = app.intake("village_a");
    intake["kind"] = json!("petition");
    intake["channel"] = json!("letter");
    let (s, m) = app.call(Method::POST, "/api/v1/matters", Some("clerk_a"), Some(intake.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let id = m["id"].clone();
    assert_eq!(m["clocks"][0]["clock"], "intake", "15 days to decide: {m}");
    let (_, none) =
        app.call(Method::GET, &format!("/api/v1/matters/{id}/letters"), Some("clerk_a"), None).await;
    assert_eq!(none["items"], json!([]));
    let v = async |who: &str| version_of(app, who, &id).await;
    let run = async |who: &str, command: Value| {
        let (s, m) = app.command(who, &id, version_of(app, who, &id).await, command).await;
        assert_eq!(s, StatusCode::OK, "{m}");
        m
    };
    run("clerk_a", json!({"type": "assign", "mode": "transfer", "unit_id": app.unit("dept")})).await;
    let m = run("handler", json!({"type": "start"})).await;
    assert_eq!(m["clocks"][0]["limit"], json!({"amount": 60, "unit": "calendar_days"}));
    let due_day = |m: &Value| {
        let due: jiff::Timestamp = m["clocks"][0]["due"].as_str().unwrap().parse().unwrap();
        let d = (due - jiff::SignedDuration::from_secs(1))
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)))
            .date();
        format!("{}年{}月{}日", d.year(), d.month(), d.day())
    };
    let text = letter(app, "handler", &id, "acceptance").await;
    assert!(text.contains("信访事项受理告知书") && text.contains("市住房和城乡建设局"), "{text}");
    assert!(
        text.contains(&format!("事项编号：{id}")) && text.contains(&format!("办理期限：{}前", due_day(&m))),
        "{text}"
    );
    assert!(text.contains("张建国"), "a letter names its addressee in full");

    run("handler", json!({"type": "request_extension", "amount": 20, "reason": "需委托测绘"})).await;
    let m = run("clerk_a", json!({"type": "decide_extension", "approve": true})).await;
    let text = letter(app, "clerk_a", &id, "extension").await;
    assert!(text.contains("办理期限延长告知书") && text.contains("延长20日"), "{text}");
    assert!(text.contains(&format!("{}前", due_day(&m))), "{text}");

    run("handler", json!({"type": "reply", "text": "经现场测量，围墙未越界。", "outcome": "reject"})).await;
    let text = letter(app, "handler", &id, "opinion").await;
    assert!(text.contains("处理结果：不予支持") && text.contains("向诸暨市请求复查"), "{text}");
    let (_, list) =
        app.call(Method::GET, &format!("/api/v1/matters/{id}/letters"), Some("clerk_a"), None).await;
    let kinds: Vec<&str> =
        list["items"].as_array().unwrap().iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["transfer", "acceptance", "extension", "opinion"]);
    let text = letter(app, "clerk_a", &id, "transfer").await;
    assert!(text.contains("信访事项转送告知书") && text.contains("转送市住房和城乡建设局办理"), "{text}");

    // 复查 by the next-higher body, then 复核: final.
    let m = run("clerk_a", json!({"type": "request_review", "reason": "不服处理意见"})).await;
    assert_eq!(
        (m["status"].as_str(), m["handling"]["lead_unit_id"].as_i64()),
        (Some("under_review"), Some(app.unit("county")))
    );
    run("leader", json!({"type": "decide_review", "outcome": "reject", "text": "维持原处理意见"})).await;
    // Above the county there is no unit in this tree: the re-reviewing body must be named.
    let (s, p) = app
        .command("clerk_a", &id, v("clerk_a").await, json!({"type": "request_review", "reason": "申请复核"}))
        .await;
    assert_eq!((s, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["unit_id".to_string()]), "{p}");
    run("clerk_a", json!({"type": "request_review", "reason": "申请复核", "unit_id": app.unit("county")}))
        .await;
    let m = run("leader", json!({"type": "decide_review", "outcome": "reject", "text": "复核维持"})).await;
    assert_eq!(
        (m["status"].as_str(), m["final_cause"].as_str()),
        (Some("closed"), Some("re_reviewed")),
        "{m}"
    );
    assert_eq!(m["clocks"], json!([]));
    let (s, _) = app
        .command("clerk_a", &id, v("clerk_a").await, json!({"type": "reopen", "reason": "再次反映"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a final petition does not reopen");

    // Every letter issued is on the record.
    let (_, t) =
        app.call(Method::GET, &format!("/api/v1/matters/{id}/timeline"), Some("clerk_a"), None).await;
    let issued: Vec<&str> = t["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "parties_revealed")
        .map(|e| e["data"]["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        issued,
        [
            "出具《信访事项受理告知书》",
            "出具《办理期限延长告知书》",
            "出具《信访事项处理意见书》",
            "出具《信访事项转送告知书》"
        ]
    );

    // The same petitioner on the same subject again: flagged and linked to the final one.
    let (s, again) = app.call(Method::POST, "/api/v1/matters", Some("clerk_a"), Some(intake.clone())).await;
    assert_eq!((s, &again["repeat_of"]), (StatusCode::CREATED, &id), "{again}");
    let mut other = intake.clone();
    other["category"] = json!("housing");
    let (_, fresh) = app.call(Method::POST, "/api/v1/matters", Some("clerk_a"), Some(other)).await;
    assert_eq!(fresh["repeat_of"], Value::Null, "another subject is a new petition");
    let mut b = Browser::new(app);
    b.sign_in("clerk_a", "password-123").await;
    let page = b.get(&format!("/matters/{}", again["id"])).await.body;
    assert!(page.contains("依法不再受理") && page.contains(&format!("href=\"/matters/{id}\"")), "{page}");

    // Declined: the non-acceptance notice names the channel.
    let did = again["id"].clone();
    let (s, _) = app
        .command(
            "clerk_a",
            &did,
            version_of(app, "clerk_a", &did).await,
            json!({"type": "decline", "route": "litigation", "reason": "已终结，不再受理"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let text = letter(app, "clerk_a", &did, "non_acceptance").await;
    assert!(
        text.contains("信访事项不予受理告知书") && text.contains("诉讼途径") && text.contains("枫桥镇"),
        "{text}"
    );
    // The print page has the same words.
    let page = b.get(&format!("/matters/{did}/letters/non_acceptance")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("信访事项不予受理告知书") && page.body.contains("已终结，不再受理"));
    assert_eq!(
        b.get(&format!("/matters/{did}/letters/opinion")).await.status,
        StatusCode::NOT_FOUND,
        "no opinion yet"
    );
}

/// The calendar page's calculator for everyone; the notice and the limits for the
/// deployment's administrator, with errors named in Chinese.
async fn the_calendar_and_limits_pages(app: &App) {
    let mut clerk = Browser::new(app);
    clerk.sign_in("clerk_a", "password-123").await;
    let page = clerk.get("/admin/calendar?year=2026&start=2026-09-28&amount=15&unit=working_days").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("期限届满日：2026-10-23（星期五）"), "{}", page.body);
    assert!(
        page.body.contains("国庆节") && !page.body.contains("name=\"days\""),
        "clerks read, they do not enter"
    );

    let mut admin = Browser::new(app);
    admin.sign_in("admin", "password-123").await;
    let page = admin.get("/admin/calendar?year=2027").await;
    assert!(page.body.contains("尚未录入 2027 年的放假安排"));
    let csrf = hidden(&page.body, "csrf");
    let bad = admin
        .post(
            "/admin/calendar",
            &[("csrf", &csrf), ("year", "2027"), ("days", "2027-01-01 放假 元旦\n2027-02-31 放假 春节")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("第 2 行无法识别"), "{}", bad.body);
    let wrong = admin
        .post("/admin/calendar", &[("csrf", &csrf), ("year", "2027"), ("days", "2027-03-03 上班 春节")])
        .await;
    assert!(wrong.body.contains("只有周六、周日才能调为工作日"), "{}", wrong.body);
    let ok = admin
        .post(
            "/admin/calendar",
            &[("csrf", &csrf), ("year", "2027"), ("days", "2027-01-01 放假 元旦\n2027-02-06 上班 春节")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let (_, y) = app.call(Method::GET, "/api/v1/calendar/2027", Some("clerk_a"), None).await;
    assert_eq!(y["days"][1]["kind"], "on");
    let forged = clerk.post("/admin/calendar", &[("csrf", "nope"), ("year", "2027"), ("days", "")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "a forged form is refused");

    let page = admin.get("/admin/policies").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = hidden(&page.body, "csrf");
    let (_, p) = app.call(Method::GET, "/api/v1/policies", Some("clerk_a"), None).await;
    let rules = p["rules"].as_array().unwrap();
    let mut fields: Vec<(String, String)> = vec![("csrf".into(), csrf)];
    for (i, r) in rules.iter().enumerate() {
        fields.push((format!("amount_{i}"), r["limit"]["amount"].to_string()));
        fields.push((format!("unit_{i}"), r["limit"]["unit"].as_str().unwrap().to_string()));
    }
    let review = rules.iter().position(|r| r["kind"] == "petition" && r["clock"] == "review").unwrap();
    fields[1 + 2 * review + 1].1 = "hours".into();
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = admin.post("/admin/policies", &form).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains(&format!("第 {} 行：该时限不能按小时计算", review + 1)),
        "{}",
        refused.body
    );
    fields[1 + 2 * review + 1].1 = "calendar_days".into();
    fields[1 + 2 * review].1 = "45".into();
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(admin.post("/admin/policies", &form).await.status, StatusCode::SEE_OTHER);
    let (_, p) = app.call(Method::GET, "/api/v1/policies", Some("clerk_a"), None).await;
    assert_eq!(p["rules"][review]["limit"], json!({"amount": 45, "unit": "calendar_days"}));
    assert!(admin.get("/admin/policies").await.body.contains("共 "), "the change is listed");
    assert_eq!(clerk.get("/admin/policies").await.status, StatusCode::FORBIDDEN);
}

/// A wage claim: accepted within 5 working days, handled within 60, with the wages recovered
/// and the workers paid added up, and a refusal to pay referred to the police once.
async fn a_wage_claim_tracks_what_is_recovered(app: &App) {
    let mut intake = app.intake("village_a");
    intake["kind"] = json!("wage_claim");
    intake["category"] = json!("wage_arrears");
    intake["people_involved"] = json!(12);
    let (s, m) = app.call(Method::POST, "/api/v1/matters", Some("clerk_a"), Some(intake)).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["clocks"][0]["limit"], json!({"amount": 5, "unit": "working_days"}), "{m}");
    let id = m["id"].clone();
    let run = async |who: &str, command: Value| {
        app.command(who, &id, version_of(app, who, &id).await, command).await
    };
    let (s, m) =
        run("clerk_a", json!({"type": "assign", "mode": "transfer", "unit_id": app.unit("dept2")})).await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(m["clocks"][0]["limit"], json!({"amount": 60, "unit": "working_days"}));
    run("handler2", json!({"type": "start"})).await;
    let (s, p) = run("handler2", json!({"type": "record_recovery", "amount_fen": 0, "workers": 3})).await;
    assert_eq!((s, fields(&p)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["amount_fen".to_string()]), "{p}");
    run("handler2", json!({"type": "record_recovery", "amount_fen": 3_600_000, "workers": 5})).await;
    let (_, m) = run(
        "handler2",
        json!({"type": "record_recovery", "amount_fen": 1_200_000, "workers": 2, "note": "第二批"}),
    )
    .await;
    assert_eq!((m["recovered_fen"].as_i64(), m["workers_paid"].as_u64()), (Some(4_800_000), Some(7)), "{m}");
    let (s, m) = run(
        "handler2",
        json!({"type": "refer_to_police", "reason": "用工单位拒不支付，涉嫌拒不支付劳动报酬罪"}),
    )
    .await;
    assert_eq!((s, m["referred_to_police"].as_bool()), (StatusCode::OK, Some(true)));
    assert_eq!(
        run("handler2", json!({"type": "refer_to_police", "reason": "再次"})).await.0,
        StatusCode::CONFLICT
    );
    let other = app
        .command("handler", &id, 1, json!({"type": "record_recovery", "amount_fen": 100, "workers": 1}))
        .await;
    assert_eq!(other.0, StatusCode::NOT_FOUND, "another bureau does not even see it");
}

async fn staff_sign_in_and_out(app: &App) {
    let mut b = Browser::new(app);
    let r = b.get("/").await;
    assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, "/login"));
    let r = b.get("/matters/1").await;
    assert_eq!(r.location, "/login?next=/matters/1");
    let login = b.get("/login").await;
    assert!(login.body.contains("<h1>登录</h1>"), "{}", login.body);
    let csp = login.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(login.headers["x-frame-options"], "DENY");

    let r = b.sign_in("clerk_a", "wrong").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("用户名或密码不正确"), "{}", r.body);
    // A login form posted without its double-submit token is refused.
    let r =
        b.post("/login", &[("username", "clerk_a"), ("password", "password-123"), ("csrf", "forged")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("表单已过期或来源不明"));

    let r = b.sign_in("clerk_a", "password-123").await;
    assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, "/"), "{}", r.body);
    let set = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        set.contains("ms_session=") && set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("您好，clerk_a") && home.body.contains("工作台"), "{}", home.body);
    assert_eq!(home.headers["cache-control"], "no-store");

    // Signing out needs the form's token; then the session is gone.
    let r = b.post("/logout", &[("csrf", "nope")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let csrf = hidden(&home.body, "csrf");
    let r = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.location, "/login?bye=1");
    assert_eq!(b.get("/").await.location, "/login");
}

async fn staff_pages_act_within_scope(app: &App) {
    let m = app.create("clerk_a", "village_a").await;
    let id = m["id"].as_i64().unwrap();
    let path = format!("/matters/{id}");
    let mut clerk = Browser::new(app);
    clerk.sign_in("clerk_a", "password-123").await;
    let page = clerk.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("反映邻居违建占用宅基地") && page.body.contains("张**"), "{}", page.body);
    assert!(
        !page.body.contains("张建国") && !page.body.contains("13812345678"),
        "personal data must be masked"
    );
    assert!(
        page.body.contains("value=\"assign\"") && !page.body.contains("value=\"reply\""),
        "offers only what the state allows"
    );

    // A forged form changes nothing.
    let r = clerk.post(&path, &[("csrf", "forged"), ("version", "1"), ("action", "start")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let csrf = hidden(&page.body, "csrf");
    let dept = app.unit("dept").to_string();
    let r = clerk
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("action", "assign"),
                ("unit_id", &dept),
                ("mode", "transfer"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location.clone()),
        (StatusCode::SEE_OTHER, format!("{path}?done=1")),
        "{}",
        r.body
    );
    let after = clerk.get(&format!("{path}?done=1")).await;
    assert!(after.body.contains("已保存") && after.body.contains("已交办"), "{}", after.body);
    // Submitting the old version again says the matter moved on, and shows it as it is.
    let r = clerk
        .post(&path, &[("csrf", &csrf), ("version", "1"), ("action", "comment"), ("text", "迟到的评论")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("该事项刚被他人更新"), "{}", r.body);

    // The department's handler may start it; another township's clerk cannot even open it.
    let mut handler = Browser::new(app);
    handler.sign_in("handler", "password-123").await;
    let page = handler.get(&path).await;
    assert!(page.body.contains("value=\"start\""), "{}", page.body);
    let mut stranger = Browser::new(app);
    stranger.sign_in("clerk_b", "password-123").await;
    let r = stranger.get(&path).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("不在您的管辖范围内"), "{}", r.body);

    // Revealing needs a reason and is recorded.
    let r = clerk.post(&format!("{path}/reveal"), &[("csrf", &csrf), ("reason", "电话回访")]).await;
    assert!(r.body.contains("张建国") && r.body.contains("电话回访"), "{}", r.body);

    // Joint handling: a lead bureau and a co-handling bureau, chosen in one form.
    let joint = app.create("clerk_a", "village_a").await["id"].as_i64().unwrap();
    let jpath = format!("/matters/{joint}");
    let (dept, dept2) = (app.unit("dept").to_string(), app.unit("dept2").to_string());
    let fields = [
        ("csrf", csrf.as_str()),
        ("version", "1"),
        ("action", "assign"),
        ("mode", "joint"),
        ("unit_id", dept.as_str()),
        ("co_unit_ids", dept2.as_str()),
    ];
    let r = clerk.post(&jpath, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut co = Browser::new(app);
    co.sign_in("handler2", "password-123").await;
    let page = co.get(&jpath).await;
    assert!(page.body.contains("协办"), "{}", page.body);
    assert!(
        page.body.contains("value=\"comment\"") && !page.body.contains("value=\"assign\""),
        "co-units work, not steer"
    );

    // English, remembered in a cookie.
    let r = clerk.get("/lang/en?next=/").await;
    assert_eq!(r.location, "/");
    let home = clerk.get("/").await;
    assert!(home.body.contains("Workbench") && home.body.contains("lang=\"en\""), "{}", home.body);
    // The choice follows the user to another browser.
    let mut elsewhere = Browser::new(app);
    elsewhere.sign_in("clerk_a", "password-123").await;
    assert!(elsewhere.get("/").await.body.contains("Workbench"), "the profile's language applies at sign-in");
}

async fn clerks_register_matters_with_the_form(app: &App) {
    let mut b = Browser::new(app);
    b.sign_in("clerk_a", "password-123").await;
    let form = b.get("/matters/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<option value=\"枫桥镇 / 枫源村\">"), "places in scope are offered");
    assert!(!form.body.contains("店口镇"), "places outside the clerk's township are not");
    let csrf = hidden(&form.body, "csrf");
    let before = app.count().await;
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("kind", "request"),
        ("channel", "phone"),
        ("category", "consultation"),
        ("place", "枫桥镇 / 枫源村"),
        ("title", "咨询农村宅基地审批流程"),
        ("body", "来电人询问翻建老房需要办理哪些手续。"),
        ("people", "1"),
        ("amount", "12,500.5"),
        ("p0_role", "applicant"),
        ("p0_name", "王小红"),
        ("p0_phone", "1381234567"),
        ("p1_role", "respondent"),
        ("p1_name", "李四"),
        ("p1_id_card", "330681198001011239"),
    ];
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-a-tiny-picture";
    let program: &[u8] = b"MZ\x90\x00not-a-picture";
    let r = b.post_multipart("/matters/new", &fields, &[("现场照片.png", png), ("照片.jpg", program)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不支持的文件类型：照片.jpg"), "{}", r.body);
    assert!(
        r.body.contains("不是有效的电话号码") && r.body.contains("不是有效的 18 位居民身份证号码"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"王小红\""), "what was typed is kept");
    assert_eq!(app.count().await, before);
    fields[11] = ("p0_phone", "13812345678");
    fields[14] = ("p1_id_card", "330681198001011232");
    let r = b.post_multipart("/matters/new", &fields, &[("现场照片.png", png)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = b.get(&r.location).await;
    // The photo is kept and served back to those who may see the matter.
    let href =
        page.body.split("href=\"").find(|s| s.contains("/attachments/")).unwrap().split('"').next().unwrap();
    assert!(page.body.contains("现场照片.png"), "{}", page.body);
    let (headers, bytes) = b.bytes(href).await;
    assert_eq!((headers["content-type"].to_str().unwrap(), bytes.as_slice()), ("image/png", png));
    assert!(headers["content-security-policy"].to_str().unwrap().starts_with("sandbox"));
    assert_eq!(headers["cache-control"], "no-store");
    let mut stranger = Browser::new(app);
    stranger.sign_in("clerk_b", "password-123").await;
    assert_eq!(stranger.get(href).await.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("咨询农村宅基地审批流程") && page.body.contains("12500.50"), "{}", page.body);
    assert!(page.body.contains("王**") && page.body.contains("李*"), "{}", page.body);
    assert_eq!(app.count().await, before + 1);
    // A place outside the clerk's scope is refused by name.
    fields[4] = ("place", "店口镇");
    let r = b.post_multipart("/matters/new", &fields, &[]).await;
    assert!(r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("单位不存在"), "{}", r.body);
}

async fn staff_filter_and_page_the_list(app: &App) {
    for _ in 0..3 {
        app.create("clerk_a", "village_a").await;
    }
    let mut b = Browser::new(app);
    b.sign_in("leader", "password-123").await;
    let page = b.get("/matters?kind=dispute&status=registered&limit=2").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches("class=\"title\"").count(), 2, "{}", page.body);
    let next =
        page.body.split("href=\"").find(|s| s.starts_with("/matters?") && s.contains("cursor=")).unwrap();
    let next = next.split('"').next().unwrap().replace("&#38;", "&").replace("&amp;", "&");
    assert!(next.contains("kind=dispute") && next.contains("status=registered"), "{next}");
    let second = b.get(&next).await;
    assert_eq!(second.body.matches("class=\"title\"").count(), 1, "{}", second.body);
    let none = b.get("/matters?kind=petition").await;
    assert!(none.body.contains("没有符合条件的事项"), "{}", none.body);
    // Saved under a name, the filter comes back as a link for this user only.
    let csrf = hidden(&page.body, "csrf");
    let query = hidden(&page.body, "query").replace("&#38;", "&");
    assert_eq!(query, "kind=dispute&status=registered");
    let r = b.post("/matters/filters", &[("csrf", &csrf), ("name", "待交办纠纷"), ("query", &query)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let list = b.get("/matters").await;
    assert!(
        list.body.contains("待交办纠纷")
            && list.body.contains("href=\"/matters?kind=dispute&#38;status=registered\""),
        "{}",
        list.body
    );
    let r = b.post("/matters/filters", &[("csrf", &csrf), ("name", "坏的"), ("query", "colour=red")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!b.get("/matters").await.body.contains("坏的"), "a query the list would refuse is not saved");
    let mut other = Browser::new(app);
    other.sign_in("auditor", "password-123").await;
    assert!(!other.get("/matters").await.body.contains("待交办纠纷"));

    // The list as a spreadsheet, with the same filter.
    assert!(
        page.body.contains("href=\"/matters/export.xlsx?kind=dispute&#38;status=registered\""),
        "{}",
        page.body
    );
    let (headers, xlsx) = b.bytes("/matters/export.xlsx?kind=dispute&status=registered").await;
    assert_eq!(headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert!(headers["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''%E4%BA%8B%E9%A1%B9"));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "事项列表").unwrap();
    assert_eq!(sheet.height(), 4, "a header and three matters");
    assert_eq!(sheet.get_value((0, 1)).unwrap().to_string(), "标题");
    assert_eq!(sheet.get_value((1, 1)).unwrap().to_string(), "反映邻居违建占用宅基地");
    assert_eq!(sheet.get_value((1, 6)).unwrap().to_string(), "枫桥镇 / 枫源村");
    assert_eq!(sheet.get_value((1, 9)).unwrap().to_string(), "12500");
    let bad = b.get("/matters?from=someday").await;
    assert!(bad.body.contains("筛选条件有误：from"), "{}", bad.body);
}

async fn administrators_keep_the_tree_and_the_accounts(app: &App) {
    let mut clerk = Browser::new(app);
    clerk.sign_in("clerk_a", "password-123").await;
    assert_eq!(clerk.get("/admin/units").await.status, StatusCode::FORBIDDEN);
    let mut admin = Browser::new(app);
    admin.sign_in("admin", "password-123").await;
    let town = app.unit("town_a").to_string();
    let page = admin.get(&format!("/admin/units?parent={town}")).await;
    assert!(page.body.contains("枫源村") && page.body.contains("value=\"village\""), "{}", page.body);
    assert!(!page.body.contains("value=\"county\""), "only kinds that may sit under a township");
    let csrf = hidden(&page.body, "csrf");
    let r = admin
        .post(
            "/admin/units",
            &[("csrf", &csrf), ("parent", &town), ("kind", "village"), ("name", "栎桥村"), ("code", "")],
        )
        .await;
    assert_eq!(r.location, format!("/admin/units?parent={town}&done=1"), "{}", r.body);
    let r = admin
        .post("/admin/units", &[("csrf", &csrf), ("parent", &town), ("kind", "village"), ("name", " ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let village =
        app.store.units().await.unwrap().into_iter().find(|u| u.name == "栎桥村").unwrap().id.0.to_string();
    let r = admin
        .post(
            &format!("/admin/units/{village}"),
            &[("csrf", &csrf), ("parent", &town), ("name", "新栎桥村"), ("code", "330681109201")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(admin.get(&format!("/admin/units?parent={town}")).await.body.contains("新栎桥村"));

    let r = admin
        .post(
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("unit_id", &village),
                ("username", "lq_clerk"),
                ("display_name", "栎桥登记员"),
                ("role", "clerk"),
                ("password", "first-password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = admin.get(&format!("/admin/users?unit={village}")).await;
    assert!(list.body.contains("lq_clerk") && !list.body.contains("clerk_a"), "{}", list.body);
    assert!(admin.get(&format!("/admin/users?unit={town}")).await.body.contains("clerk_a"));
    let mut newcomer = Browser::new(app);
    assert_eq!(newcomer.sign_in("lq_clerk", "first-password").await.location, "/");
    // Deactivated: the session ends and signing in fails.
    let id = app.store.credentials("lq_clerk").await.unwrap().unwrap().user.id.0.to_string();
    let r = admin
        .post(
            &format!("/admin/users/{id}"),
            &[("csrf", &csrf), ("back", &town), ("display_name", "栎桥登记员"), ("role", "clerk")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(newcomer.get("/").await.location, "/login");
    assert!(newcomer.sign_in("lq_clerk", "first-password").await.body.contains("用户名或密码不正确"));
    // Moving the village to the other township takes its matters along.
    let m = app.create("clerk_a", "village_a").await["id"].as_i64().unwrap();
    let mut body = app.intake("village_a");
    body["unit_id"] = json!(village.parse::<i64>().unwrap());
    let (s, placed) = app.call(Method::POST, "/api/v1/matters", Some("clerk_a"), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED);
    let placed = placed["id"].as_i64().unwrap();
    let town_b = app.unit("town_b").to_string();
    let page = admin.get(&format!("/admin/units?parent={village}")).await;
    assert!(page.body.contains(&format!("<option value=\"{town_b}\">")), "{}", page.body);
    let r =
        admin.post(&format!("/admin/units/{village}/move"), &[("csrf", &csrf), ("parent", &town_b)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (s, _) = app.call(Method::GET, &format!("/api/v1/matters/{placed}"), Some("clerk_b"), None).await;
    assert_eq!(s, StatusCode::OK, "the moved village's matter is now township B's");
    let (s, _) = app.call(Method::GET, &format!("/api/v1/matters/{m}"), Some("clerk_b"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "other matters stay where they were");
    let r = admin.post(&format!("/admin/units/{town}/move"), &[("csrf", &csrf), ("parent", &village)]).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a unit cannot move under its own subtree or an unfit parent"
    );

    // A further unit lets a user switch to it and act there.
    let matter = app.create("clerk_a", "village_a").await["id"].as_i64().unwrap();
    let mut b_clerk = Browser::new(app);
    b_clerk.sign_in("clerk_b", "password-123").await;
    assert_eq!(b_clerk.get(&format!("/matters/{matter}")).await.status, StatusCode::NOT_FOUND);
    let clerk_b = app.users["clerk_b"].0.to_string();
    let r = admin.post(&format!("/admin/users/{clerk_b}/units"), &[("csrf", &csrf), ("unit", &town)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let home = b_clerk.get("/").await;
    assert!(home.body.contains("action=\"/scope\"") && home.body.contains("枫桥镇"), "{}", home.body);
    assert_eq!(
        b_clerk.get("/scope?unit=999999&next=/").await.status,
        StatusCode::NOT_FOUND,
        "only their own units"
    );
    let r = b_clerk.get(&format!("/scope?unit={town}&next=/matters/{matter}")).await;
    assert_eq!(r.location, format!("/matters/{matter}"));
    assert_eq!(
        b_clerk.get(&format!("/matters/{matter}")).await.status,
        StatusCode::OK,
        "acting for 枫桥镇 now"
    );

    // Categories are the whole installation's: the root administrator adds them.
    let r = admin
        .post(
            "/admin/categories",
            &[
                ("csrf", &csrf),
                ("code", "village_affairs"),
                ("name_zh", "村务公开"),
                ("name_en", "Village affairs"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = admin
        .post(
            "/admin/categories",
            &[("csrf", &csrf), ("code", "village_affairs"), ("name_zh", "重复"), ("name_en", "Again")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = admin.get("/matters/new").await;
    assert!(form.body.contains("<option value=\"village_affairs\">村务公开</option>"), "{}", form.body);

    // An administrator of another township sees neither the unit nor its users.
    let mut other = Browser::new(app);
    other.sign_in("admin_b", "password-123").await;
    assert_eq!(other.get(&format!("/admin/units?parent={town}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&format!("/admin/users?unit={town}")).await.status, StatusCode::NOT_FOUND);
    let page = other.get("/admin/units").await;
    let csrf_b = hidden(&page.body, "csrf");
    let r = other
        .post(
            "/admin/categories",
            &[("csrf", &csrf_b), ("code", "mine_only"), ("name_zh", "本镇"), ("name_en", "Ours")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn large_exports_run_in_the_background(app: &App) {
    // Five thousand matters straight into the store, as an import would.
    let org = minsheng_domain::OrgTree::new(app.store.units().await.unwrap()).unwrap();
    let draft: minsheng_domain::matter::RegistrationDraft =
        serde_json::from_value(app.intake("village_a")).unwrap();
    let catalogue = minsheng_domain::Catalogue::new(minsheng_domain::category::defaults());
    let reg = minsheng_domain::matter::Registration::parse(&draft, &catalogue, |u| org.contains(u)).unwrap();
    let now = jiff::Timestamp::now();
    let appends: Vec<_> = (0..5_000)
        .map(|_| {
            let m = minsheng_domain::Matter::registered(
                minsheng_domain::MatterId(0),
                reg.clone(),
                now,
                app.users["clerk_a"],
            );
            let event = minsheng_domain::Event::Registered(reg.clone());
            minsheng_store::Append::new_matter(&m, &[event], &org, None).unwrap()
        })
        .collect();
    assert!(app.store.append_many(appends).await.iter().all(|r| r.is_ok()));
    let mut b = Browser::new(app);
    b.sign_in("clerk_a", "password-123").await;
    let r = b.get("/matters/export.xlsx?kind=dispute").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let job = r.location.clone();
    assert!(job.starts_with("/matters/export/"), "{job}");
    // Another user cannot watch or take it.
    let mut other = Browser::new(app);
    other.sign_in("leader", "password-123").await;
    assert_eq!(other.get(&job).await.status, StatusCode::NOT_FOUND);
    let mut page = b.get(&job).await;
    for _ in 0..100 {
        if page.body.contains("文件已生成") {
            break;
        }
        assert!(
            page.body.contains("http-equiv=\"refresh\"") && page.body.contains("正在导出"),
            "{}",
            page.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        page = b.get(&job).await;
    }
    assert!(page.body.contains("已整理 5000 条"), "{}", page.body);
    let (_, xlsx) = b.bytes(&format!("{job}/file")).await;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    assert_eq!(calamine::Reader::worksheet_range(&mut book, "事项列表").unwrap().height(), 5_001);
    assert_eq!(b.get(&format!("{job}/file")).await.status, StatusCode::NOT_FOUND, "a file is taken once");
}

async fn staff_change_their_password(app: &App) {
    let mut b = Browser::new(app);
    b.sign_in("handler2", "password-123").await;
    let mut other = Browser::new(app);
    other.sign_in("handler2", "password-123").await;
    let page = b.get("/account/password").await;
    let csrf = hidden(&page.body, "csrf");
    let r = b
        .post(
            "/account/password",
            &[("csrf", &csrf), ("current", "password-123"), ("new", "short"), ("repeat", "shorter")],
        )
        .await;
    assert!(r.body.contains("至少需要 8 个字符") && r.body.contains("两次输入的新密码不一致"), "{}", r.body);
    let r = b
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", "not-it"),
                ("new", "新的密码要足够长才行"),
                ("repeat", "新的密码要足够长才行"),
            ],
        )
        .await;
    assert!(r.body.contains("当前密码不正确"), "{}", r.body);
    let r = b
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", "password-123"),
                ("new", "新的密码要足够长才行"),
                ("repeat", "新的密码要足够长才行"),
            ],
        )
        .await;
    assert!(r.body.contains("密码已修改"), "{}", r.body);
    assert_eq!(b.get("/").await.status, StatusCode::OK, "this session stays");
    assert_eq!(other.get("/").await.location, "/login", "other sessions end");
    assert_eq!(app.login("handler2", "新的密码要足够长才行").await.len(), 67);
}

// ---- People's mediation: a committee's disputes, its errors, its registers ----------------

/// Today in the deployment's time zone (Asia/Shanghai, +08:00): the server runs on the real clock.
fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8))).date()
}

fn days_ahead(n: i64) -> jiff::civil::Date {
    today().checked_add(jiff::Span::new().days(n)).unwrap()
}

/// `2026年5月14日`, as the letters write a date.
fn date_words(d: jiff::civil::Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// Runs a command on the matter's current version as `who`; it must succeed. The matter after.
async fn step(app: &App, who: &str, id: &Value, command: Value) -> Value {
    let (s, m) = app.command(who, id, version_of(app, who, id).await, command.clone()).await;
    assert_eq!(s, StatusCode::OK, "{command}: {m}");
    m
}

fn three_parties() -> Value {
    json!([
        {"name": "张建国", "phone": "13812345678", "id_card": "330681198001011232", "address": "诸暨市枫桥镇枫源村18号"},
        {"role": "respondent", "name": "李某某", "phone": "0575-87012345"},
        {"role": "other", "name": "王秀英", "phone": "13912345678"}
    ])
}

/// A dispute registered at 枫源村 by clerk_a and transferred to the township committee.
async fn committee_dispute(
    app: &App,
    title: &str,
    category: &str,
    amount_fen: i64,
    people: u32,
    parties: Value,
) -> Value {
    let mut intake = app.intake("village_a");
    intake["title"] = json!(title);
    intake["category"] = json!(category);
    intake["amount_fen"] = json!(amount_fen);
    intake["people_involved"] = json!(people);
    intake["parties"] = parties;
    let (s, m) = app.call(Method::POST, "/api/v1/matters", Some("clerk_a"), Some(intake)).await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let to_committee = json!({"type": "assign", "mode": "transfer", "unit_id": app.unit("committee_a")});
    let m = step(app, "clerk_a", &m["id"], to_committee).await;
    assert_eq!(
        (m["status"].as_str(), m["handling"]["lead_unit_name"].as_str()),
        (Some("assigned"), Some("枫桥镇人民调解委员会")),
        "{m}"
    );
    m
}

fn accept_by(app: &App, mediator: &str, source: &str) -> Value {
    json!({
        "type": "accept_mediation",
        "mediator_id": app.users[mediator].0,
        "chosen_by_party": true,
        "source": source,
        "requests": "请求对方疏通排水沟并赔偿积水损失"
    })
}

fn clock_names(m: &Value) -> Vec<String> {
    m["clocks"].as_array().unwrap().iter().map(|c| c["clock"].as_str().unwrap().to_owned()).collect()
}

fn clock_due(m: &Value, name: &str) -> Option<String> {
    m["clocks"].as_array().unwrap().iter().find(|c| c["clock"] == name).map(|c| c["due"].to_string())
}

/// The error a problem document has for `field`.
fn error_for<'a>(problem: &'a Value, field: &str) -> &'a Value {
    problem["errors"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["field"] == field))
        .unwrap_or_else(|| panic!("no error for {field} in {problem}"))
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Registration, appointment by speciality, the rights notice, sessions, a signed agreement
/// and its judicial confirmation, a follow-up visit and a relapse; both documents read back.
async fn a_dispute_mediated_to_a_followed_up_agreement(app: &App) {
    let m = committee_dispute(app, "邻里排水沟堵塞纠纷", "neighbour", 800_000, 3, three_parties()).await;
    let id = m["id"].clone();
    assert_eq!(m["mediation"], Value::Null, "not before a committee accepts it");
    let committee = app.unit("committee_a");
    let (mediator_a, mediator_b) = (app.users["mediator_a"].0, app.users["mediator_b"].0);

    // The neighbour specialist comes first, though appointed after the other mediator.
    let suggestions = format!("/api/v1/mediation/mediators?committee_id={committee}&category=neighbour");
    let (s, list) = app.call(Method::GET, &suggestions, Some("clerk_a"), None).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let items = list["items"].as_array().unwrap();
    let ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [mediator_b, mediator_a], "only the committee's own mediators, specialist first: {list}");
    assert_eq!(
        (items[0]["matches_category"].as_bool(), items[1]["matches_category"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!((&items[0]["specialities"], &items[0]["open_matters"]), (&json!(["neighbour"]), &json!(0)));

    // The parties choose the specialist, who takes the dispute on.
    let m = step(app, "mediator_b", &id, accept_by(app, "mediator_b", "application")).await;
    let med = &m["mediation"];
    assert_eq!(m["status"], "in_progress", "{m}");
    assert_eq!(
        (
            med["committee_id"].as_i64(),
            med["committee_name"].as_str(),
            med["mediator_id"].as_i64(),
            med["chosen_by_party"].as_bool(),
            med["source"].as_str()
        ),
        (Some(committee), Some("枫桥镇人民调解委员会"), Some(mediator_b), Some(true), Some("application")),
        "{m}"
    );
    let (_, list) = app.call(Method::GET, &suggestions, Some("clerk_a"), None).await;
    assert_eq!(list["items"][0]["open_matters"], 1, "the specialist now mediates one dispute: {list}");

    let m =
        step(app, "mediator_b", &id, json!({"type": "notify_rights", "note": "当场宣读并发放告知书"})).await;
    assert_eq!(m["mediation"]["rights_notified"], true);
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48);
    let m = step(
        app,
        "mediator_b",
        &id,
        json!({"type": "schedule_session", "at": at.to_string(), "place": "枫源村调解室"}),
    )
    .await;
    assert_eq!(m["mediation"]["next_session_place"], "枫源村调解室");
    assert!(clock_names(&m).contains(&"session".to_owned()), "{m}");
    for (n, record) in
        [(1, "双方陈述事实，李某某承认堆放建筑垃圾"), (2, "现场查看排水沟，双方就疏通和赔偿达成一致")]
    {
        let held_at = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1);
        let m = step(
            app,
            "mediator_b",
            &id,
            json!({
                "type": "record_session",
                "held_at": held_at.to_string(),
                "place": "枫源村调解室",
                "participants": "张建国、李某某、王秀英",
                "record": record,
                "proposals": "李某某清理垃圾并赔偿损失"
            }),
        )
        .await;
        assert_eq!(m["mediation"]["sessions"], n);
        assert_eq!(m["mediation"]["next_session"], Value::Null, "the scheduled session was held");
    }

    // A written agreement of two terms, signed by everyone.
    // Far enough apart that no holiday break rolls their follow-up visits onto one day.
    let (first, second) = (days_ahead(5), days_ahead(40));
    let m = step(
        app,
        "mediator_b",
        &id,
        json!({
            "type": "draft_agreement",
            "facts": "李某某在房屋东侧堆放建筑垃圾，堵塞三户共用排水沟，致张建国家院内积水。",
            "issues": "排水沟的疏通责任及积水损失的赔偿。",
            "responsibilities": "李某某负主要责任，王秀英对排水沟的日常维护负次要责任。",
            "terms": [
                {"obligor": "李某某", "content": "清除堆放的建筑垃圾并疏通排水沟", "manner": "现场清理", "deadline": first.to_string()},
                {"obligor": "李某某", "content": "赔偿张建国积水损失人民币贰仟元", "manner": "银行转账", "deadline": second.to_string()}
            ]
        }),
    )
    .await;
    assert_eq!(m["mediation"]["unsigned_draft_version"], 1, "{m}");
    let m = step(
        app,
        "mediator_b",
        &id,
        json!({"type": "sign_agreement", "signed_on": today().to_string(), "parties_signed": [0, 1, 2], "mediator_signed": true}),
    )
    .await;
    assert_eq!(m["status"], "replied", "履行中: {m}");
    let med = &m["mediation"];
    assert_eq!((med["outcome"].as_str(), &med["unsigned_draft_version"]), (Some("written"), &Value::Null));
    let agreement = &med["agreement"];
    let hash = agreement["content_hash"].as_str().unwrap().to_owned();
    assert!(hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()), "{hash}");
    assert_eq!(
        (agreement["form"].as_str(), agreement["version"].as_u64(), agreement["signed_on"].as_str()),
        (Some("written"), Some(1), Some(today().to_string().as_str()))
    );
    let deadlines: Vec<&str> =
        agreement["terms"].as_array().unwrap().iter().map(|t| t["deadline"].as_str().unwrap()).collect();
    assert_eq!(deadlines, [first.to_string(), second.to_string()]);
    let clocks = clock_names(&m);
    for clock in ["performance", "visit", "judicial_application"] {
        assert!(clocks.contains(&clock.to_owned()), "{clock} in {clocks:?}");
    }
    assert_eq!(
        clock_due(&m, "performance"),
        Some(agreement["terms"][0]["due"].to_string()),
        "the first term"
    );
    assert_eq!(clock_due(&m, "judicial_application"), Some(agreement["apply_by"].to_string()));
    assert_eq!(med["visits_due"].as_array().unwrap().len(), 3, "after each term and after the agreement");

    // Judicial confirmation: filed, accepted, confirmed.
    let m = step(
        app,
        "mediator_b",
        &id,
        json!({"type": "file_judicial", "court": "市人民法院", "filed_on": today().to_string()}),
    )
    .await;
    assert_eq!(m["mediation"]["judicial"]["court"], "市人民法院");
    let clocks = clock_names(&m);
    assert!(clocks.contains(&"judicial_acceptance".to_owned()), "{clocks:?}");
    assert!(!clocks.contains(&"judicial_application".to_owned()), "{clocks:?}");
    let m = step(
        app,
        "mediator_b",
        &id,
        json!({"type": "record_judicial_acceptance", "accepted_on": today().to_string()}),
    )
    .await;
    assert!(clock_names(&m).contains(&"judicial_ruling".to_owned()), "{m}");
    let m = step(
        app,
        "mediator_b",
        &id,
        json!({"type": "record_judicial_ruling", "ruled_on": today().to_string(), "result": "confirmed"}),
    )
    .await;
    let judicial = &m["mediation"]["judicial"];
    assert_eq!(
        (judicial["result"].as_str(), judicial["ruled_on"].as_str()),
        (Some("confirmed"), Some(today().to_string().as_str()))
    );
    assert!(clock_names(&m).iter().all(|c| !c.starts_with("judicial")), "{m}");

    // A follow-up visit, then the dispute comes back.
    let m = step(
        app,
        "mediator_b",
        &id,
        json!({"type": "record_visit", "performance": "partial", "satisfaction": "satisfied", "risk": "low", "note": "垃圾已清除，赔偿款尚未支付"}),
    )
    .await;
    assert_eq!(
        (m["mediation"]["visits_done"].as_u64(), m["mediation"]["visits_due"].as_array().map(Vec::len)),
        (Some(1), Some(2))
    );
    // A risk of violence reported: a red flag on the page, and the report on the record.
    step(
        app,
        "mediator_b",
        &id,
        json!({"type": "flag_risk", "description": "双方因垃圾再次发生推搡", "reported_to": "枫桥派出所"}),
    )
    .await;
    let mut mediator = Browser::new(app);
    mediator.sign_in("mediator_b", "password-123").await;
    let page = mediator.get(&format!("/matters/{id}")).await.body;
    assert!(page.contains("红色：调解员已报告 1 次纠纷可能激化"), "{page}");
    assert!(page.contains("双方因垃圾再次发生推搡（已报告：枫桥派出所）"), "{page}");
    let m = step(
        app,
        "mediator_b",
        &id,
        json!({"type": "record_relapse", "reason": "李某某再次堆放垃圾，双方发生争吵"}),
    )
    .await;
    let med = &m["mediation"];
    assert_eq!(
        (m["status"].as_str(), m["reopen_count"].as_u64(), med["relapses"].as_u64()),
        (Some("in_progress"), Some(1), Some(1)),
        "{m}"
    );
    assert_eq!((&med["outcome"], &med["agreement"]["relapsed"]), (&Value::Null, &json!(true)));
    let clocks = clock_names(&m);
    assert!(
        !clocks.contains(&"performance".to_owned()) && !clocks.contains(&"visit".to_owned()),
        "{clocks:?}"
    );

    // The documents, read back out of their PDFs.
    let (_, letters) =
        app.call(Method::GET, &format!("/api/v1/matters/{id}/letters"), Some("mediator_b"), None).await;
    let kinds: Vec<&str> =
        letters["items"].as_array().unwrap().iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["mediation_registration", "rights", "session_record", "agreement", "visit_record"],
        "{letters}"
    );
    // The committee's file: registration form, session record and follow-up record.
    let text = letter(app, "mediator_b", &id, "mediation_registration").await;
    for want in ["人民调解受理登记表", "张建国", "李某某", "王秀英", "邻里纠纷", "当事人请求", "登记人"]
    {
        assert!(text.contains(want), "{want} missing from the registration form: {text}");
    }
    let text = letter(app, "mediator_b", &id, "session_record").await;
    for want in ["人民调解记录", "第一次调解", "第二次调解", "记录人"] {
        assert!(text.contains(want), "{want} missing from the session record: {text}");
    }
    let text = letter(app, "mediator_b", &id, "visit_record").await;
    for want in ["人民调解回访记录", "第一次回访", "部分履行", "赔偿款尚未支付", "回访人"]
    {
        assert!(text.contains(want), "{want} missing from the visit record: {text}");
    }
    let text = letter(app, "mediator_b", &id, "agreement").await;
    for want in [
        "人民调解协议书",
        "枫桥镇人民调解委员会",
        "张建国",
        "李某某",
        "王秀英",
        "调解员",
        "清除堆放的建筑垃圾并疏通排水沟",
        &format!("{}前履行完毕", date_words(second)),
        "第1版",
        &hash,
    ] {
        assert!(text.contains(want), "{want} missing from the agreement: {text}");
    }
    let text = letter(app, "mediator_b", &id, "rights").await;
    for want in
        ["人民调解当事人权利义务告知书", "枫桥镇人民调解委员会", "张建国", "李某某", "王秀英", "司法确认"]
    {
        assert!(text.contains(want), "{want} missing from the rights notice: {text}");
    }

    // Mediated again after the relapse: a new version, confirmed (or not) on its own.
    let held_at = (jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1)).to_string();
    step(
        app,
        "mediator_b",
        &id,
        json!({"type": "record_session", "held_at": held_at, "place": "枫源村调解室", "participants": "三方当事人", "record": "再次调解"}),
    )
    .await;
    let again = days_ahead(4);
    let m = step(
        app,
        "mediator_b",
        &id,
        json!({
            "type": "draft_agreement",
            "facts": "李某某再次堆放建筑垃圾。",
            "issues": "垃圾的清运。",
            "responsibilities": "李某某负全部责任。",
            "terms": [{"obligor": "李某某", "content": "将建筑垃圾运离现场", "manner": "雇车清运", "deadline": again.to_string()}]
        }),
    )
    .await;
    assert_eq!(m["mediation"]["unsigned_draft_version"], 2, "{m}");
    let m = step(
        app,
        "mediator_b",
        &id,
        json!({"type": "sign_agreement", "signed_on": today().to_string(), "parties_signed": [0, 1, 2], "mediator_signed": true}),
    )
    .await;
    let med = &m["mediation"];
    assert_eq!(
        (m["status"].as_str(), med["outcome"].as_str(), med["agreement"]["version"].as_u64()),
        (Some("replied"), Some("written"), Some(2)),
        "{m}"
    );
    assert_eq!((&med["agreement"]["relapsed"], &med["judicial"]), (&json!(false), &Value::Null));
    assert_ne!(med["agreement"]["content_hash"].as_str(), Some(hash.as_str()));
    assert!(clock_names(&m).contains(&"judicial_application".to_owned()), "{m}");
    let text = letter(app, "mediator_b", &id, "agreement").await;
    assert!(
        text.contains("第2版") && text.contains("将建筑垃圾运离现场") && !text.contains("赔偿张建国积水损失"),
        "{text}"
    );
}

/// Every mediation input error names its field, with the field's Chinese name and a Chinese
/// message (English on request), and changes nothing.
async fn mediation_bad_input_is_named_in_chinese(app: &App) {
    let m = committee_dispute(app, "宅基地边界纠纷", "neighbour", 100_000, 3, three_parties()).await;
    let id = m["id"].clone();
    let refused = async |who: &str, command: Value| {
        let (s, p) = app.command(who, &id, version_of(app, who, &id).await, command).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        p
    };

    // A mediator of the county committee is not this committee's to appoint; nor is a clerk.
    for who in ["mediator_county", "clerk_a"] {
        let p = refused("mediator_b", accept_by(app, who, "application")).await;
        assert_eq!(fields(&p), ["mediator_id"], "{p}");
        let e = error_for(&p, "mediator_id");
        assert_eq!(
            (e["label"].as_str(), e["message"].as_str()),
            (Some("调解员"), Some("须为该调委会在岗的调解员")),
            "{p}"
        );
    }
    step(app, "mediator_b", &id, accept_by(app, "mediator_b", "application")).await;

    // A session "held" in the future.
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2);
    let session = json!({
        "type": "record_session",
        "held_at": later.to_string(),
        "place": "枫源村调解室",
        "participants": "张建国、李某某、王秀英",
        "record": "双方陈述"
    });
    let p = refused("mediator_b", session.clone()).await;
    assert_eq!(fields(&p), ["held_at"], "{p}");
    let e = error_for(&p, "held_at");
    assert_eq!(
        (e["label"].as_str(), e["message"].as_str()),
        (Some("调解时间"), Some("不能晚于今天（记录的是已经发生的事）"))
    );

    // Terms: one dated before today, one without a deadline.
    let yesterday = today().checked_sub(jiff::Span::new().days(1)).unwrap();
    let mut draft = json!({
        "type": "draft_agreement",
        "facts": "李某某在宅基地边界砌墙。",
        "issues": "围墙是否越界。",
        "responsibilities": "李某某负全部责任。",
        "terms": [
            {"obligor": "李某某", "content": "拆除越界围墙", "manner": "现场拆除", "deadline": yesterday.to_string()},
            {"obligor": "李某某", "content": "恢复原状", "manner": "现场施工"}
        ]
    });
    let p = refused("mediator_b", draft.clone()).await;
    assert_eq!(fields(&p), ["terms[0].deadline", "terms[1].deadline"], "{p}");
    let e = error_for(&p, "terms[1].deadline");
    assert_eq!(
        (e["label"].as_str(), e["message"].as_str()),
        (Some("第2条协议条款·履行期限"), Some("必填，不能为空"))
    );
    assert!(e["label"].as_str().unwrap().contains("履行期限"));
    let e = error_for(&p, "terms[0].deadline");
    assert_eq!(e["label"], "第1条协议条款·履行期限");
    assert!(has_chinese(e["message"].as_str().unwrap()), "{p}");
    draft["terms"][0]["deadline"] = json!(days_ahead(3).to_string());
    draft["terms"][1]["deadline"] = json!(days_ahead(7).to_string());
    step(app, "mediator_b", &id, draft).await;

    // Signed without the third party.
    let unsigned = json!({"type": "sign_agreement", "signed_on": today().to_string(), "parties_signed": [0, 1], "mediator_signed": true});
    let p = refused("mediator_b", unsigned.clone()).await;
    assert_eq!(fields(&p), ["parties[2].signed"], "{p}");
    let e = error_for(&p, "parties[2].signed");
    assert_eq!(
        (e["label"].as_str(), e["message"].as_str()),
        (Some("第3位当事人·签名"), Some("尚未签名：协议须经各方当事人和调解员签名"))
    );

    // In English on request.
    let english = async |command: Value| {
        let version = version_of(app, "mediator_b", &id).await;
        let (s, p) = app
            .send(
                Method::POST,
                &format!("/api/v1/matters/{id}/commands"),
                Some("mediator_b"),
                Some(json!({"expected_version": version, "command": command})),
                &[("accept-language", "en")],
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        p
    };
    let p = english(unsigned).await;
    let e = error_for(&p, "parties[2].signed");
    assert_eq!(
        (e["label"].as_str(), e["message"].as_str()),
        (Some("party 3: signature"), Some("has not signed: every party and the mediator must sign"))
    );
    let p = english(session).await;
    let e = error_for(&p, "held_at");
    assert_eq!(
        (e["label"].as_str(), e["message"].as_str()),
        (Some("time held"), Some("may not be in the future (it records something done)"))
    );

    // None of it changed the dispute: the draft still awaits its signatures.
    let (_, m) = app.call(Method::GET, &format!("/api/v1/matters/{id}"), Some("mediator_b"), None).await;
    let med = &m["mediation"];
    assert_eq!(
        (m["status"].as_str(), med["sessions"].as_u64(), med["unsigned_draft_version"].as_u64()),
        (Some("in_progress"), Some(0), Some(1)),
        "{m}"
    );
    assert_eq!((&med["agreement"], &med["outcome"]), (&Value::Null, &Value::Null));
}

/// A register downloaded as `who` and read back with calamine: its sheet's name, and every
/// row (the header first) as the cells' text.
async fn register_rows(app: &App, who: &str, kind: &str, query: &str) -> (String, Vec<Vec<String>>) {
    let resp = app
        .http
        .get(format!("{}/api/v1/mediation/registers/{kind}.xlsx?{query}", app.base))
        .bearer_auth(&app.tokens[who])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{kind}");
    assert_eq!(
        resp.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let xlsx = resp.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let name = calamine::Reader::sheet_names(&book)[0].clone();
    let sheet = calamine::Reader::worksheet_range(&mut book, &name).unwrap();
    assert_eq!(sheet.start(), Some((0, 0)));
    let rows = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    (name, rows)
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// Three disputes through the township committee (a written agreement performed and visited,
/// a failure with the routes told, an oral agreement from screening), then each register and
/// the monthly counts for today hold exactly those facts.
async fn the_committees_registers_match_what_was_recorded(app: &App) {
    let two = |a: &str, b: &str| json!([{"name": a}, {"role": "respondent", "name": b}]);
    // A written agreement, performed and visited.
    let a = committee_dispute(app, "相邻排水纠纷", "neighbour", 1_250_000, 2, two("张建国", "李某某")).await;
    let a_id = a["id"].clone();
    step(app, "mediator_b", &a_id, accept_by(app, "mediator_b", "application")).await;
    let held_at = (jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1)).to_string();
    let session = json!({"type": "record_session", "held_at": held_at, "place": "枫源村调解室", "participants": "双方当事人", "record": "达成一致"});
    step(app, "mediator_b", &a_id, session.clone()).await;
    let deadline = days_ahead(7);
    step(
        app,
        "mediator_b",
        &a_id,
        json!({
            "type": "draft_agreement",
            "facts": "李某某堵塞排水沟。",
            "issues": "排水沟的疏通。",
            "responsibilities": "李某某负全部责任。",
            "terms": [{"obligor": "李某某", "content": "疏通排水沟", "manner": "现场清理", "deadline": deadline.to_string()}]
        }),
    )
    .await;
    let signed = step(
        app,
        "mediator_b",
        &a_id,
        json!({"type": "sign_agreement", "signed_on": today().to_string(), "parties_signed": [0, 1], "mediator_signed": true}),
    )
    .await;
    let hash = signed["mediation"]["agreement"]["content_hash"].as_str().unwrap().to_owned();
    step(app, "mediator_b", &a_id, json!({"type": "record_performance", "term": 0, "note": "已疏通"})).await;
    step(
        app,
        "mediator_b",
        &a_id,
        json!({"type": "record_visit", "performance": "performed", "satisfaction": "satisfied", "risk": "none", "note": "双方满意"}),
    )
    .await;
    step(
        app,
        "mediator_b",
        &a_id,
        json!({"type": "file_judicial", "court": "市人民法院", "filed_on": today().to_string()}),
    )
    .await;

    // A failure, referred by the police, with a risk reported on the way.
    let b = committee_dispute(app, "承包地界纠纷", "land", 300_000, 3, two("赵大海", "钱小梅")).await;
    let b_id = b["id"].clone();
    let mut accept = accept_by(app, "mediator_a", "police");
    accept["referred_by"] = json!("枫桥派出所");
    accept["chosen_by_party"] = json!(false);
    step(app, "mediator_a", &b_id, accept).await;
    step(app, "mediator_a", &b_id, session).await;
    step(
        app,
        "mediator_a",
        &b_id,
        json!({"type": "flag_risk", "description": "双方言语冲突，有肢体冲突苗头", "reported_to": "枫桥派出所"}),
    )
    .await;
    let failed = step(
        app,
        "mediator_a",
        &b_id,
        json!({"type": "record_failure", "reason": "双方分歧过大", "routes": ["litigation", "arbitration"], "referred_to": "市人民法院"}),
    )
    .await;
    assert_eq!(
        (failed["status"].as_str(), failed["mediation"]["outcome"].as_str()),
        (Some("closed"), Some("failed"))
    );

    // An oral agreement on a dispute found by screening.
    let c = committee_dispute(app, "赡养费纠纷", "family", 50_000, 4, two("孙立", "周敏")).await;
    let c_id = c["id"].clone();
    step(app, "mediator_a", &c_id, accept_by(app, "mediator_a", "screening")).await;
    let oral_deadline = days_ahead(3);
    let oral = step(
        app,
        "mediator_a",
        &c_id,
        json!({
            "type": "record_oral_agreement",
            "content": "周敏每月支付赡养费",
            "terms": [{"obligor": "周敏", "content": "支付本月赡养费", "manner": "现金", "deadline": oral_deadline.to_string()}]
        }),
    )
    .await;
    assert_eq!(
        (oral["status"].as_str(), oral["mediation"]["outcome"].as_str()),
        (Some("replied"), Some("oral"))
    );

    let day = today().to_string();
    let query = format!("committee_id={}&from={day}&to={day}", app.unit("committee_a"));
    let (a_no, b_no, c_no) = (a_id.to_string(), b_id.to_string(), c_id.to_string());
    let (a_parties, b_parties, c_parties) = (
        "张建国（申请人）、李某某（被申请人）",
        "赵大海（申请人）、钱小梅（被申请人）",
        "孙立（申请人）、周敏（被申请人）",
    );

    let (name, rows) = register_rows(app, "clerk_a", "screening", &query).await;
    assert_eq!(name, "纠纷排查登记簿");
    assert_eq!(
        rows,
        [
            row(&["序号", "排查日期", "编号", "纠纷类型", "地点", "当事人", "简要情况", "处理情况"]),
            row(&[
                "1",
                &day,
                &c_no,
                "婚姻家庭",
                "枫桥镇 / 枫源村",
                c_parties,
                "赡养费纠纷",
                "调解成功（口头协议）"
            ]),
        ]
    );

    let (name, rows) = register_rows(app, "clerk_a", "mediation", &query).await;
    assert_eq!(name, "人民调解登记簿");
    let requests = "请求对方疏通排水沟并赔偿积水损失";
    assert_eq!(
        rows,
        [
            row(&[
                "序号",
                "受理日期",
                "编号",
                "纠纷类型",
                "来源",
                "当事人",
                "简要情况",
                "当事人请求",
                "调解员",
                "调解次数",
                "调解结果",
                "结束日期"
            ]),
            row(&[
                "1",
                &day,
                &a_no,
                "邻里纠纷",
                "当事人申请",
                a_parties,
                "相邻排水纠纷",
                requests,
                "mediator_b",
                "1",
                "调解成功（书面协议）",
                &day
            ]),
            row(&[
                "2",
                &day,
                &b_no,
                "土地纠纷",
                "公安机关移送（枫桥派出所）",
                b_parties,
                "承包地界纠纷",
                requests,
                "mediator_a",
                "1",
                "调解不成",
                &day
            ]),
            row(&[
                "3",
                &day,
                &c_no,
                "婚姻家庭",
                "主动排查",
                c_parties,
                "赡养费纠纷",
                requests,
                "mediator_a",
                "0",
                "调解成功（口头协议）",
                &day
            ]),
        ]
    );

    let (name, rows) = register_rows(app, "clerk_a", "agreements", &query).await;
    assert_eq!(name, "调解协议登记簿");
    assert_eq!(
        rows,
        [
            row(&[
                "序号",
                "协议日期",
                "编号",
                "版本",
                "形式",
                "当事人",
                "协议条款",
                "司法确认",
                "履行情况",
                "是否反弹",
                "内容摘要"
            ]),
            row(&[
                "1",
                &day,
                &a_no,
                "1",
                "书面协议",
                a_parties,
                &format!("李某某：疏通排水沟（现场清理，{deadline}前）"),
                "已申请",
                "已履行",
                "否",
                &hash[..16]
            ]),
            row(&[
                "2",
                &day,
                &c_no,
                "1",
                "口头协议",
                c_parties,
                &format!("周敏：支付本月赡养费（现金，{oral_deadline}前）"),
                "",
                "未履行",
                "否",
                ""
            ]),
        ]
    );

    let (name, rows) = register_rows(app, "clerk_a", "visits", &query).await;
    assert_eq!(name, "回访登记簿");
    assert_eq!(
        rows,
        [
            row(&["序号", "回访日期", "编号", "当事人", "履行情况", "满意度", "遗留风险", "回访人", "备注"]),
            row(&["1", &day, &a_no, a_parties, "已履行", "满意", "无", "mediator_b", "双方满意"]),
        ]
    );

    let (name, rows) = register_rows(app, "clerk_a", "summary", &query).await;
    assert_eq!(name, "人民调解工作月报");
    assert_eq!(
        rows,
        [
            row(&["项目", "数值"]),
            row(&["受理纠纷（件）", "3"]),
            row(&["调解纠纷（件）", "3"]),
            row(&["调解成功（件）", "2"]),
            row(&["调解成功率", "66.7%"]),
            row(&["涉及金额（元）", "16000"]),
            row(&["涉及人数（人）", "9"]),
            row(&["反弹（件）", "0"]),
            row(&["回访（次）", "1"]),
            row(&["风险预警（次）", "1"]),
        ]
    );

    let expected = json!({
        "received": 3,
        "mediated": 3,
        "succeeded": 2,
        "success_rate_permille": 667,
        "amount_fen": 1_600_000,
        "people": 9,
        "relapses": 0,
        "visits": 1,
        "risk_flags": 1
    });
    for who in ["clerk_a", "leader"] {
        let (s, summary) =
            app.call(Method::GET, &format!("/api/v1/mediation/summary?{query}"), Some(who), None).await;
        assert_eq!((s, &summary), (StatusCode::OK, &expected), "{who}");
    }
    // Yesterday's books are empty.
    let yesterday = today().checked_sub(jiff::Span::new().days(1)).unwrap();
    let (_, summary) = app
        .call(
            Method::GET,
            &format!(
                "/api/v1/mediation/summary?committee_id={}&from={yesterday}&to={yesterday}",
                app.unit("committee_a")
            ),
            Some("clerk_a"),
            None,
        )
        .await;
    assert_eq!((&summary["received"], &summary["success_rate_permille"]), (&json!(0), &Value::Null));

    // Another township's clerk may not read this committee's books.
    for path in [
        format!("/api/v1/mediation/registers/mediation.xlsx?{query}"),
        format!("/api/v1/mediation/summary?{query}"),
    ] {
        let (s, p) = app.call(Method::GET, &path, Some("clerk_b"), None).await;
        assert_eq!(
            (s, fields(&p)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["committee_id".to_string()]),
            "{p}"
        );
        assert_eq!(p["errors"][0]["message"], "不在您的管辖范围内", "{p}");
    }

    // A fourth dispute, escalated to the county committee after the township committee took
    // it on, stays in the township committee's books as far as it went there, and enters the
    // county committee's when that committee accepts it.
    let d = committee_dispute(app, "山林权属纠纷", "land", 200_000, 5, two("吴山", "郑林")).await;
    let d_id = d["id"].clone();
    step(app, "mediator_a", &d_id, accept_by(app, "mediator_a", "application")).await;
    let moved = step(
        app,
        "mediator_a",
        &d_id,
        json!({"type": "transfer_mediation", "unit_id": app.unit("committee_county"), "linkage": "escalate", "reason": "涉及跨镇山林，提请市调委会调解"}),
    )
    .await;
    assert_eq!(
        (moved["status"].as_str(), moved["handling"]["lead_unit_name"].as_str()),
        (Some("assigned"), Some("诸暨市人民调解委员会")),
        "{moved}"
    );
    step(app, "mediator_county", &d_id, accept_by(app, "mediator_county", "application")).await;
    let (d_no, d_parties) = (d_id.to_string(), "吴山（申请人）、郑林（被申请人）");
    let (_, rows) = register_rows(app, "clerk_a", "mediation", &query).await;
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert_eq!(
        rows[4],
        row(&[
            "4",
            &day,
            &d_no,
            "土地纠纷",
            "当事人申请",
            d_parties,
            "山林权属纠纷",
            requests,
            "mediator_a",
            "0",
            "调解中",
            ""
        ])
    );
    let (_, summary) =
        app.call(Method::GET, &format!("/api/v1/mediation/summary?{query}"), Some("clerk_a"), None).await;
    assert_eq!((&summary["received"], &summary["mediated"]), (&json!(4), &json!(3)), "{summary}");
    let county = format!("committee_id={}&from={day}&to={day}", app.unit("committee_county"));
    let (_, rows) = register_rows(app, "leader", "mediation", &county).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[1],
        row(&[
            "1",
            &day,
            &d_no,
            "土地纠纷",
            "当事人申请",
            d_parties,
            "山林权属纠纷",
            requests,
            "mediator_county",
            "0",
            "调解中",
            ""
        ])
    );
    let (_, summary) =
        app.call(Method::GET, &format!("/api/v1/mediation/summary?{county}"), Some("leader"), None).await;
    assert_eq!(
        (&summary["received"], &summary["mediated"], &summary["success_rate_permille"]),
        (&json!(1), &json!(0), &Value::Null),
        "{summary}"
    );
}

/// Registers a matter as `who` at `unit` with these words; returns its id.
async fn matter_with(
    app: &App,
    who: &str,
    unit: &str,
    kind: &str,
    category: &str,
    title: &str,
    body: &str,
) -> i64 {
    let mut m = app.intake(unit);
    m["kind"] = json!(kind);
    m["category"] = json!(category);
    m["title"] = json!(title);
    m["body"] = json!(body);
    let (status, made) = app.call(Method::POST, "/api/v1/matters", Some(who), Some(m)).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    made["id"].as_i64().unwrap()
}

async fn search(app: &App, who: &str, query: &str) -> Value {
    let (status, found) = app.call(Method::GET, &format!("/api/v1/matters?{query}"), Some(who), None).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found
}

fn ids(found: &Value) -> Vec<i64> {
    found["items"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect()
}

/// Full-text search through the list: Chinese words, traditional characters and full-width
/// digits, combined with filters, counted and ranked within the caller's scope only.
async fn matters_are_found_by_their_words(app: &App) {
    let wages = matter_with(
        app,
        "clerk_a",
        "village_a",
        "wage_claim",
        "wage_arrears",
        "某建筑工地拖欠农民工工资",
        "枫源村安置房项目工地拖欠12名农民工工资共计36万元，包工头失联。",
    )
    .await;
    let noise = matter_with(
        app,
        "clerk_a",
        "village_a",
        "request",
        "environment",
        "石料厂夜间噪音扰民",
        "枫源村石料厂夜间生产，噪音很大，影响村民休息，来电号码１２３４５转办。",
    )
    .await;
    let elsewhere = matter_with(
        app,
        "clerk_b",
        "town_b",
        "wage_claim",
        "wage_arrears",
        "店口镇某厂拖欠工资",
        "店口镇某五金厂拖欠8名工人工资，请求帮助追讨。",
    )
    .await;
    let q = |s: &str| format!("q={}", minsheng_web::ui::session::urlencode(s));
    // Just registered, found at once; the county sees both townships' wage claims, best first.
    let found = search(app, "leader", &q("拖欠工资")).await;
    assert_eq!((found["total"].as_u64(), ids(&found).len()), (Some(2), 2), "{found}");
    assert!(ids(&found).contains(&wages) && ids(&found).contains(&elsewhere));
    let snippet = found["hits"][0]["title_snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>"), "{snippet}");
    // A township clerk sees and counts only their own.
    let mine = search(app, "clerk_a", &q("拖欠工资")).await;
    assert_eq!((ids(&mine), mine["total"].as_u64()), (vec![wages], Some(1)), "{mine}");
    assert_eq!(search(app, "clerk_b", &q("噪音")).await["total"].as_u64(), Some(0), "no leak by count");
    // Traditional characters and full-width digits find the usual forms, and the reverse.
    assert_eq!(ids(&search(app, "clerk_a", &q("拖欠工資")).await), [wages]);
    assert_eq!(ids(&search(app, "clerk_a", &q("12345")).await), [noise]);
    assert_eq!(ids(&search(app, "clerk_a", &q("噪音擾民")).await), [noise]);
    // Words combine with the list's filters.
    let only = search(app, "leader", &format!("{}&unit_id={}", q("拖欠工资"), app.unit("town_b"))).await;
    assert_eq!(ids(&only), [elsewhere]);
    assert!(search(app, "leader", &format!("{}&kind=request", q("拖欠工资"))).await["total"] == 0);
    // Replies are searched too, and a status change is seen by the next search.
    let v = version_of(app, "clerk_a", &json!(noise)).await;
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/matters/{noise}/commands"),
            Some("clerk_a"),
            Some(json!({"expected_version": v, "command": {"type": "start"}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let started = search(app, "clerk_a", &format!("{}&status=in_progress", q("噪音"))).await;
    assert_eq!(ids(&started), [noise]);
    // The list page's search box: the count, the matched words marked, markup in a body
    // shown as text.
    let odd = matter_with(
        app,
        "clerk_a",
        "village_a",
        "request",
        "other",
        "反映网页脚本问题",
        "村网站被插入<script>alert(1)</script>代码，请求处理网页脚本。",
    )
    .await;
    let mut clerk = Browser::new(app);
    clerk.sign_in("clerk_a", "password-123").await;
    let page = clerk.get(&format!("/matters?{}", q("拖欠工資"))).await.body;
    assert!(page.contains("共找到 1 件") && page.contains("<mark>"), "{page}");
    assert!(page.contains("某建筑工地拖欠农民工工资"), "{page}");
    let page = clerk.get(&format!("/matters?{}", q("网页脚本"))).await.body;
    assert!(page.contains(&format!("/matters/{odd}")), "{page}");
    assert!(!page.contains("<script>alert"), "markup from a body is escaped: {page}");
    // Query syntax is only text: no error, nothing special.
    for odd in ["title:(", "*", "AND OR", "a\\b"] {
        let r = search(app, "clerk_a", &q(odd)).await;
        assert!(r["total"].is_u64(), "{odd}: {r}");
    }
}

/// Five wage complaints about one project: each finds the others as similar, with why; an
/// unrelated matter and matters outside the caller's scope are not offered.
async fn similar_matters_are_offered_with_why(app: &App) {
    let people = ["赵一", "钱二", "孙三", "李四", "周五"];
    let mut ids = vec![];
    for (i, who) in people.iter().enumerate() {
        let mut m = app.intake("village_a");
        m["kind"] = json!("wage_claim");
        m["category"] = json!("wage_arrears");
        m["title"] = json!(format!("枫源村安置房二期工地拖欠工资（{who}）"));
        m["body"] = json!(format!(
            "我是枫源村安置房二期工地的木工{who}，诸暨某建设有限公司承建，包工头拖欠我们班组工资{}万元，年底了还不发，请求帮忙追讨。",
            3 + i
        ));
        m["parties"] = json!([{"name": who, "phone": "13812345678"}, {"role": "respondent", "name": "诸暨某建设有限公司"}]);
        let (status, made) = app.call(Method::POST, "/api/v1/matters", Some("clerk_a"), Some(m)).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        ids.push(made["id"].as_i64().unwrap());
    }
    let unrelated = matter_with(
        app,
        "clerk_a",
        "village_a",
        "request",
        "environment",
        "村口垃圾清运不及时",
        "村口垃圾桶满了好几天没人清运，气味很大，请求及时清理。",
    )
    .await;
    let fifth = ids[4];
    let (status, similar) =
        app.call(Method::GET, &format!("/api/v1/matters/{fifth}/similar"), Some("clerk_a"), None).await;
    assert_eq!(status, StatusCode::OK, "{similar}");
    let items = similar["items"].as_array().unwrap();
    let found: Vec<i64> = items.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    for id in &ids[..4] {
        assert!(found.contains(id), "{id} missing from {similar}");
    }
    assert!(!found.contains(&fifth) && !found.contains(&unrelated), "{similar}");
    let first = &items[0];
    assert!(first["score"].as_f64().unwrap() >= 0.3, "{first}");
    let why = &first["why"];
    assert_eq!((why["same_place"].as_bool(), why["same_category"].as_bool()), (Some(true), Some(true)));
    assert!(
        why["shared_words"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("安置房二期工地"))
    );
    assert_eq!(why["same_parties"][0].as_str().unwrap().chars().next(), Some('诸'), "masked: {why}");
    // While a clerk types the sixth, the same five come up.
    let (status, draft) = app
        .call(
            Method::POST,
            "/api/v1/matters/similar",
            Some("clerk_a"),
            Some(json!({"title": "安置房二期工地拖欠工资", "body": "枫源村安置房二期工地的木工，诸暨某建设有限公司承建，包工头拖欠我们班组工资，请求帮忙追讨。", "unit_id": app.unit("village_a"), "category": "wage_arrears"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    assert_eq!(draft["items"].as_array().unwrap().len(), 5, "{draft}");
    // The intake page's panel, as the clerk types.
    let mut clerk = Browser::new(app);
    clerk.sign_in("clerk_a", "password-123").await;
    let form = clerk.get("/matters/new").await.body;
    assert!(form.contains("hx-post=\"/matters/similar\""), "the panel is wired to the form");
    let csrf = hidden(&form, "csrf");
    let panel = clerk
        .post(
            "/matters/similar",
            &[
                ("csrf", csrf.as_str()),
                ("title", "安置房二期工地拖欠工资"),
                ("body", "枫源村安置房二期工地的木工，诸暨某建设有限公司承建，包工头拖欠我们班组工资。"),
                ("category", "wage_arrears"),
                ("place", "枫桥镇 / 枫源村"),
            ],
        )
        .await;
    assert_eq!(panel.status, StatusCode::OK);
    assert!(panel.body.contains("相似事项") && panel.body.contains("同一属地"), "{}", panel.body);
    for id in &ids {
        assert!(panel.body.contains(&format!("/matters/{id}\"")), "{id} in {}", panel.body);
    }
    let refused = clerk.post("/matters/similar", &[("csrf", "forged"), ("title", "x")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Another township's clerk is offered none of them.
    let (_, theirs) =
        app.call(Method::GET, &format!("/api/v1/matters/{fifth}/similar"), Some("clerk_b"), None).await;
    assert_eq!(theirs["type"], "urn:minsheng:problem:not-found", "not even the matter: {theirs}");
    let (_, draft_b) = app
        .call(
            Method::POST,
            "/api/v1/matters/similar",
            Some("clerk_b"),
            Some(json!({"title": "安置房二期工地拖欠工资", "body": "枫源村安置房二期工地的木工，包工头拖欠我们班组工资"})),
        )
        .await;
    assert_eq!(draft_b["items"].as_array().unwrap().len(), 0, "{draft_b}");
}

/// A node whose `signatures.bin` was written with an older signature recipe (an upgrade)
/// does not compare old signatures with new ones: it rebuilds its index and signs every matter
/// again, and similar matters are found as before.
async fn signatures_of_an_older_recipe_are_signed_again(app: &App) {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings { search_dir: Some(dir.path().to_path_buf()), ..Settings::default() };
    let url = &app.db.as_ref().unwrap().url;
    let load = || async {
        let store = minsheng_store::open(url).await.unwrap();
        AppState::load(store, Arc::new(SystemClock), settings.clone()).await.unwrap()
    };
    let (title, body) =
        ("枫源村自来水管爆裂", "枫源村村口自来水主管爆裂三天无人维修，全村停水，请求尽快抢修。");
    let mut ids = vec![];
    for _ in 0..2 {
        ids.push(matter_with(app, "clerk_a", "village_a", "request", "environment", title, body).await);
    }
    let node = load().await;
    minsheng_web::search::catch_up(&node, 50, true).await.unwrap();
    let found = |node: &AppState| -> Vec<i64> {
        node.similar.candidates(title, body, 100).into_iter().map(|(id, _)| id.0).collect()
    };
    assert!(ids.iter().all(|id| found(&node).contains(id)), "{:?}", found(&node));
    drop(node);

    // Every record as an older build wrote it: same length, an older version byte.
    let path = dir.path().join("signatures.bin");
    let mut file = std::fs::read(&path).unwrap();
    let mut at = 0;
    while at + 10 <= file.len() {
        let len = usize::from(u16::from_le_bytes([file[at + 8], file[at + 9]]));
        file[at + 10] = minsheng_search::similar::minhash::FORMAT_VERSION - 1;
        at += 10 + len;
    }
    std::fs::write(&path, &file).unwrap();
    let node = load().await;
    assert!(node.similar.outdated());
    assert!(found(&node).is_empty(), "old signatures are not compared");
    minsheng_web::search::catch_up(&node, 50, true).await.unwrap();
    assert!(!node.similar.outdated());
    assert!(ids.iter().all(|id| found(&node).contains(id)), "{:?}", found(&node));
}

/// A second app node on the same database keeps its own index and finds what the first
/// registered: each node follows the shared log.
async fn every_node_finds_what_another_registered(app: &App) {
    let url = &app.db.as_ref().unwrap().url;
    let store = minsheng_store::open(url).await.unwrap();
    let state = AppState::load(Arc::clone(&store), Arc::new(SystemClock), Settings::default()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, minsheng_web::router(state)).await });
    let id = matter_with(
        app,
        "clerk_a",
        "village_a",
        "request",
        "environment",
        "养殖场臭味扰民",
        "枫源村东头养猪场臭味很重，夏天尤其严重，请求整治。",
    )
    .await;
    let found: Value = app
        .http
        .get(format!("{other}/api/v1/matters?q={}", minsheng_web::ui::session::urlencode("养猪场")))
        .bearer_auth(&app.tokens["clerk_a"])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&found), [id], "{found}");
}

on_both_engines!(
    App;
    matters_are_found_by_their_words,
    every_node_finds_what_another_registered,
    signatures_of_an_older_recipe_are_signed_again,
    similar_matters_are_offered_with_why,
    operations_endpoints,
    tokens_and_languages,
    repeated_failures_lock_the_account,
    the_whole_lifecycle,
    bad_input_is_refused_and_changes_nothing,
    stale_writes_get_409_with_the_current_version,
    retried_intake_is_idempotent,
    scope_is_enforced_on_every_endpoint,
    personal_data_is_masked_until_revealed,
    list_filters_and_pages,
    administrators_manage_units_and_users,
    staff_sign_in_and_out,
    staff_pages_act_within_scope,
    staff_change_their_password,
    clerks_register_matters_with_the_form,
    staff_filter_and_page_the_list,
    large_exports_run_in_the_background,
    administrators_keep_the_tree_and_the_accounts,
    returns_and_extensions_wait_on_the_right_desk,
    the_calendar_and_the_time_limits,
    a_petition_runs_to_final_with_its_letters,
    the_calendar_and_limits_pages,
    a_wage_claim_tracks_what_is_recovered,
    a_dispute_mediated_to_a_followed_up_agreement,
    mediation_bad_input_is_named_in_chinese,
    the_committees_registers_match_what_was_recorded,
);
