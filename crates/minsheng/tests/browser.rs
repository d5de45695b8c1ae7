//! The staff interface in a real browser: headless Debian Chromium driven through
//! chromedriver against the real binary serving a small demo county. Covers the daily
//! journey (sign in, register a phone complaint with two parties, route it to a department,
//! handle and reply as that department, close as the clerk, find it in the closed list and
//! export the list),
//! scope by URL, and the English switch. A second journey, against the web app run in this
//! process on a manual clock with its scheduler, takes a neighbour dispute through people's
//! mediation: acceptance, two sessions, a written agreement printed and downloaded, judicial
//! confirmation, the follow-up visit falling due as the clock moves on, and a relapse that
//! reopens it. Screenshots of each main page are saved under
//! `$CARGO_TARGET_TMPDIR/screenshots`. Without Chromium or chromedriver the tests fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fantoccini::{Client, ClientBuilder, Locator};
use jiff::Timestamp;
use minsheng_domain::{Role, UnitId, UnitKind};
use minsheng_store::{NewUnit, NewUser};
use minsheng_web::clock::ManualClock;
use minsheng_web::scheduler::{self, SchedulerConfig};
use minsheng_web::{AppState, Settings};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// Every user's password: the demo's, and the in-process county's.
const PASSWORD: &str = "minsheng2026";

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The demo county (small) served by the real binary; returns its address.
fn start_demo(dir: &std::path::Path) -> (Killed, String) {
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_minsheng"))
            .args(["demo", "--matters", "300", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .env("MINSHENG_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("listening on ") {
                let _ = tx.send(addr.to_owned());
            }
        }
    });
    let base = rx.recv_timeout(Duration::from_secs(120)).expect("the demo did not start");
    (child, base)
}

fn start_chromedriver() -> (Killed, String) {
    let port = free_port();
    let child = Killed(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("chromedriver is required (Debian package chromium-driver): {e}")),
    );
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (child, format!("http://127.0.0.1:{port}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("chromedriver did not start");
}

async fn browser(webdriver: &str, size: &str) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                     "--disable-component-update", "--no-first-run", "--disable-sync", "--lang=zh-CN", format!("--window-size={size}")],
            "prefs": {"intl.accept_languages": "zh-CN"}
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector).capabilities(caps).connect(webdriver).await.expect("cannot start Chromium")
}

struct Journey {
    c: Client,
    base: String,
    shots: PathBuf,
}

impl Journey {
    async fn go(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    async fn shot(&self, name: &str) {
        let png = self.c.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    async fn css(&self, selector: &str) -> fantoccini::elements::Element {
        self.c.find(Locator::Css(selector)).await.unwrap_or_else(|e| panic!("{selector}: {e}"))
    }

    async fn fill(&self, selector: &str, text: &str) {
        let e = self.css(selector).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    async fn click(&self, selector: &str) {
        self.css(selector).await.click().await.unwrap();
    }

    async fn body(&self) -> String {
        self.c.source().await.unwrap()
    }

    /// Waits until the page shows `text` (a form post navigates asynchronously).
    async fn wait_for(&self, text: &str) -> String {
        for _ in 0..50 {
            let body = self.body().await;
            if body.contains(text) {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let body = self.body().await;
        panic!(
            "the page never showed {text:?}: {}",
            body.split("<main").nth(1).unwrap_or(&body).chars().take(2000).collect::<String>()
        );
    }

    async fn sign_in(&self, user: &str) {
        self.go("/login").await;
        self.fill("#username", user).await;
        self.fill("#password", PASSWORD).await;
        self.click("form[action='/login'] button").await;
        self.wait_for("您好").await;
    }

    async fn sign_out(&self) {
        self.click("form[action='/logout'] button").await;
        self.wait_for("您已安全退出").await;
    }

    /// Fills the intake form (the page must be open).
    async fn fill_intake(&self, m: &Intake<'_>) {
        self.css("#kind").await.select_by_value(m.kind).await.unwrap();
        self.css("#channel").await.select_by_value(m.channel).await.unwrap();
        self.css("#category").await.select_by_value(m.category).await.unwrap();
        self.fill("#place", m.place).await;
        self.fill("#title", m.title).await;
        self.fill("#body", m.body).await;
        for (i, (name, phone)) in m.parties.iter().enumerate() {
            self.fill(&format!("#p{i}-name"), name).await;
            self.fill(&format!("#p{i}-phone"), phone).await;
        }
    }

    /// Fetches `path` in the page, with its session: (content type, bytes).
    async fn fetch(&self, path: &str) -> (String, Vec<u8>) {
        let got = self
            .c
            .execute_async(
                "const [url, done] = arguments; fetch(url).then(r => r.arrayBuffer().then(b => \
                 done([r.headers.get('content-type'), Array.from(new Uint8Array(b))])));",
                vec![serde_json::json!(path)],
            )
            .await
            .unwrap();
        let bytes = got[1].as_array().unwrap().iter().map(|b| b.as_u64().unwrap() as u8).collect();
        (got[0].as_str().unwrap_or_default().to_owned(), bytes)
    }

    /// Downloads the matter's letter as a PDF and opens it with poppler: its text.
    async fn letter(&self, matter: &str, kind: &str) -> String {
        let (kind_of, pdf) = self.fetch(&format!("{matter}/letters/{kind}.pdf")).await;
        assert_eq!(kind_of, "application/pdf", "{kind}");
        assert!(pdf.starts_with(b"%PDF-"), "{kind} is a PDF");
        let mut child = Command::new("pdftotext")
            .args(["-", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("pdftotext is required (Debian package poppler-utils)");
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&pdf).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{kind} opens");
        String::from_utf8(out.stdout).unwrap().replace('\n', "")
    }

    /// Unfolds an occasional action's form (a closed `<details>`).
    async fn unfold(&self, action: &str) {
        // (CSS cannot nest :has, so XPath finds the fold.)
        let folded = format!("//details[not(@open)][.//input[@name='action' and @value='{action}']]/summary");
        if let Ok(summary) = self.c.find(Locator::XPath(&folded)).await {
            summary.click().await.unwrap();
        }
    }

    /// Chooses `value` in the select `name` of the form for `action`.
    async fn choose(&self, action: &str, name: &str, value: &str) {
        self.unfold(action).await;
        let select = format!("form:has(input[name='action'][value='{action}']) select[name='{name}']");
        self.css(&select).await.select_by_value(value).await.unwrap();
    }

    /// Submits the matter page's form for `action`, filling its text if it has one; an
    /// occasional action's form is folded away, and is unfolded first.
    /// Routes the open matter (转办) to the unit whose name contains `unit`.
    async fn route_to(&self, unit: &str) {
        let xpath = format!("//select[@name='unit_id']/option[contains(., '{unit}')]");
        let id = self.c.find(Locator::XPath(&xpath)).await.unwrap().attr("value").await.unwrap().unwrap();
        self.choose("assign", "unit_id", &id).await;
        self.act("assign", None).await;
        self.wait_for("status s-assigned").await;
    }

    async fn act(&self, action: &str, text: Option<&str>) {
        let form = format!("form:has(input[name='action'][value='{action}'])");
        self.unfold(action).await;
        if let Some(text) = text {
            self.fill(&format!("{form} textarea"), text).await;
        }
        self.click(&format!("{form} button")).await;
    }
}

/// What the intake form is filled with.
struct Intake<'a> {
    kind: &'a str,
    channel: &'a str,
    category: &'a str,
    place: &'a str,
    title: &'a str,
    body: &'a str,
    /// (name, phone) of each party, in order.
    parties: &'a [(&'a str, &'a str)],
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_journey_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let (_demo, base) = start_demo(dir.path());
    let (_driver, webdriver) = start_chromedriver();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let j = Journey { c: browser(&webdriver, "1366,768").await, base, shots };

    j.go("/").await;
    assert!(j.c.current_url().await.unwrap().path().ends_with("/login"));
    j.shot("login").await;
    j.sign_in("clerk").await;
    j.shot("workbench").await;

    // Register a phone complaint with two parties.
    j.go("/matters/new").await;
    let place =
        j.c.find(Locator::XPath("//datalist[@id='places']/option[starts-with(@value, '枫桥镇 / ')]"))
            .await
            .unwrap()
            .attr("value")
            .await
            .unwrap()
            .unwrap();
    let complaint = Intake {
        kind: "request",
        channel: "phone",
        category: "property_service",
        place: &place,
        title: "投诉小区物业擅自上涨物业费",
        body: "来电人反映小区物业未经业主大会同意上涨物业费，请求核查。",
        parties: &[("楼建国", "13857512345"), ("诸暨某物业服务有限公司", "0575-87001234")],
    };
    j.fill_intake(&complaint).await;
    let photo = dir.path().join("现场照片.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-a-tiny-picture").unwrap();
    j.css("#files").await.send_keys(photo.to_str().unwrap()).await.unwrap();
    j.shot("intake").await;
    j.click("form.intake button[type=submit]").await;
    j.wait_for("已保存").await;
    j.shot("matter-registered").await;
    let url = j.c.current_url().await.unwrap();
    let matter_path = url.path().to_owned();
    assert!(matter_path.starts_with("/matters/"), "{url}");
    let page = j.body().await;
    assert!(
        page.contains("投诉小区物业擅自上涨物业费") && page.contains("楼**") && !page.contains("13857512345")
    );

    // Route it to the housing bureau.
    j.route_to("市住房和城乡建设局").await;
    j.shot("matter").await;
    j.sign_out().await;

    // The bureau's handler takes it and replies.
    j.sign_in("handler_zjj").await;
    j.go(&matter_path).await;
    j.act("start", None).await;
    j.wait_for("status s-in_progress").await;
    j.act("reply", Some("经核查，物业公司已暂停调价，并将召开业主大会说明情况。")).await;
    j.wait_for("status s-replied").await;
    j.sign_out().await;

    // The clerk closes it and finds it among the closed.
    j.sign_in("clerk").await;
    j.go(&matter_path).await;
    j.act("close", None).await;
    j.wait_for("status s-closed").await;
    j.go("/matters?status=closed&category=property_service").await;
    let list = j.body().await;
    assert!(list.contains(&format!("href=\"{matter_path}\"")), "the closed list shows it");
    j.shot("list").await;
    // Export the list: the browser fetches the link, with its session, and gets a workbook.
    let export = j.css("a[download]").await.attr("href").await.unwrap().unwrap();
    let (kind, workbook) = j.fetch(&export).await;
    assert!(kind.contains("spreadsheetml"), "{kind}");
    assert!(workbook.starts_with(b"PK"), "an XLSX file is a zip");
    assert!(workbook.len() > 2_000, "{} bytes", workbook.len());

    // English, then out.
    j.click("a[lang='en']").await;
    j.wait_for("Workbench").await;
    j.shot("list-en").await;
    j.click("a[lang='zh-CN']").await;
    j.wait_for("工作台").await;
    j.sign_out().await;

    // The administrator's pages.
    j.sign_in("admin").await;
    j.go("/admin/units").await;
    j.wait_for("组织架构").await;
    j.shot("admin-units").await;
    j.sign_out().await;

    // A petition from registration to final, each notice downloaded and opened as a PDF.
    j.sign_in("clerk").await;
    j.go("/matters/new").await;
    let petition_letter = Intake {
        kind: "petition",
        channel: "letter",
        category: "land",
        place: &place,
        title: "反映承包地被占用未获补偿",
        body: "来信人反映其承包地被村集体调整给他人使用，多次反映未获答复，请求依法处理。",
        parties: &[("陈秀英", "13957512345")],
    };
    j.fill_intake(&petition_letter).await;
    j.click("form.intake button[type=submit]").await;
    j.wait_for("已保存").await;
    let petition = j.c.current_url().await.unwrap().path().to_owned();
    assert!(j.body().await.contains("受理时限"), "the 15-day clock shows");
    j.route_to("市信访局").await;
    j.sign_out().await;

    j.sign_in("handler_xfj").await;
    j.go(&petition).await;
    j.act("start", None).await;
    j.wait_for("status s-in_progress").await;
    let text = j.letter(&petition, "acceptance").await;
    assert!(
        text.contains("信访事项受理告知书") && text.contains("陈秀英") && text.contains("市信访局"),
        "{text}"
    );
    j.go(&format!("{petition}/letters/acceptance")).await;
    j.wait_for("信访事项受理告知书").await;
    j.shot("letter-acceptance").await;
    j.go(&petition).await;
    j.unfold("request_extension").await;
    j.fill("form:has(input[value='request_extension']) input[name='amount']", "15").await;
    j.act("request_extension", Some("需调取土地承包档案")).await;
    j.wait_for("延期申请等待").await;
    j.sign_out().await;

    j.sign_in("clerk").await;
    j.go(&petition).await;
    j.act("decide_extension", None).await;
    // The page after the post says it was saved; any page says 事项, so wait for that.
    j.wait_for("已保存").await;
    let text = j.letter(&petition, "extension").await;
    assert!(text.contains("办理期限延长告知书") && text.contains("延长15日"), "{text}");
    j.sign_out().await;

    j.sign_in("handler_xfj").await;
    j.go(&petition).await;
    j.choose("reply", "outcome", "support").await;
    j.act("reply", Some("经核查，村集体调整承包地未经法定程序，已责成恢复原承包关系。")).await;
    j.wait_for("status s-replied").await;
    let text = j.letter(&petition, "opinion").await;
    assert!(text.contains("信访事项处理意见书") && text.contains("处理结果：支持"), "{text}");
    j.sign_out().await;

    // Review by the county, then re-review, and the petition is final.
    for (reason, level, after) in [
        ("信访人不服，申请复查", "复查", "status s-replied"),
        ("信访人仍不服，申请复核", "复核", "status s-closed"),
    ] {
        j.sign_in("clerk").await;
        j.go(&petition).await;
        if level == "复核" {
            // The county reviewed; no unit stands above it here, so the clerk names the body.
            j.unfold("request_review").await;
            let root =
                j.c.find(Locator::XPath(
                    "//form[.//input[@value='request_review']]//select[@name='unit_id']/option[.='诸暨市']",
                ))
                .await
                .unwrap()
                .attr("value")
                .await
                .unwrap()
                .unwrap();
            j.choose("request_review", "unit_id", &root).await;
        }
        j.act("request_review", Some(reason)).await;
        j.wait_for("status s-under_review").await;
        assert!(j.body().await.contains(level));
        j.sign_out().await;
        j.sign_in("leader").await;
        j.go(&petition).await;
        j.choose("decide_review", "outcome", "support").await;
        j.act("decide_review", Some("维持原处理意见。")).await;
        j.wait_for(after).await;
        j.sign_out().await;
    }
    j.sign_in("clerk").await;
    j.go(&petition).await;
    let page = j.wait_for("status s-closed").await;
    assert!(page.contains("复核后终结"), "the petition is final");
    j.shot("petition-final").await;
    j.sign_out().await;

    // A clerk of another township cannot open it, even by typing its address.
    j.sign_in("clerk_001").await;
    j.go(&matter_path).await;
    j.wait_for("不在您的管辖范围内").await;
    j.shot("not-found").await;
    j.c.close().await.unwrap();

    // And the workbench on a phone.
    let phone =
        Journey { c: browser(&webdriver, "390,844").await, base: j.base.clone(), shots: j.shots.clone() };
    phone.sign_in("clerk_109").await;
    phone.shot("workbench-phone").await;
    phone.c.close().await.unwrap();
}

/// The web app run in this process on a clock the test moves: a fresh SQLite store, a small
/// county (诸暨市 → 枫桥镇 → 枫源村, the township's mediation committee, the city court), a
/// clerk at the township and a mediator in the committee, the router and the scheduler.
struct InProcess {
    base: String,
    clock: Arc<ManualClock>,
    state: AppState,
    stop: tokio::sync::oneshot::Sender<()>,
    scheduler: tokio::task::JoinHandle<()>,
    /// The warning evaluator, when the journey wants it.
    warnings: Option<(tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
    server: tokio::task::JoinHandle<()>,
}

/// An instant in China Standard Time: `cst("2026-03-02 09:00")`.
fn cst(at: &str) -> Timestamp {
    format!("{}:00+08:00", at.replace(' ', "T")).parse().unwrap()
}

async fn add_unit(state: &AppState, parent: UnitId, kind: UnitKind, name: &str) -> UnitId {
    let parent_path = state.org().path(parent).unwrap();
    let unit = state
        .store
        .create_unit(NewUnit { parent_id: Some(parent), kind, name: name.into(), code: None, parent_path })
        .await
        .unwrap();
    state.reload().await.unwrap();
    unit.id
}

async fn add_user(state: &AppState, username: &str, display_name: &str, role: Role, unit: UnitId) -> i64 {
    let password_hash = minsheng_web::auth::hash_password(PASSWORD).unwrap();
    let user = state
        .store
        .create_user(NewUser {
            username: username.into(),
            display_name: display_name.into(),
            role,
            unit_id: unit,
            password_hash,
            created_at: state.clock.now(),
        })
        .await
        .unwrap();
    user.id.0
}

impl InProcess {
    async fn start(dir: &Path, at: Timestamp, warnings: bool) -> Self {
        let clock = Arc::new(ManualClock::new(at));
        let store = minsheng_store::open(dir.join("minsheng.db").to_str().unwrap()).await.unwrap();
        let settings = Settings { attachments_dir: dir.join("attachments"), ..Settings::default() };
        let state = AppState::load(store, clock.clone(), settings).await.unwrap();
        minsheng_web::bootstrap(&state, "诸暨市", Some("admin".into()), Some(PASSWORD.into())).await.unwrap();
        let county = state.org().iter().find(|u| u.parent_id.is_none()).unwrap().id;
        let town = add_unit(&state, county, UnitKind::Township, "枫桥镇").await;
        add_unit(&state, town, UnitKind::Village, "枫源村").await;
        let committee = add_unit(&state, town, UnitKind::Committee, "枫桥镇人民调解委员会").await;
        add_unit(&state, county, UnitKind::Department, "诸暨市人民法院").await;
        add_user(&state, "clerk_fq", "楼晓燕", Role::Clerk, town).await;
        add_user(&state, "leader_fq", "何建军", Role::Leader, town).await;
        let mediator = add_user(&state, "mediator_fq", "陈国平", Role::Mediator, committee).await;
        state
            .store
            .set_mediator_specialities(minsheng_domain::UserId(mediator), vec!["neighbour".into()])
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = minsheng_web::router(state.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        // Ticks often, so a moved clock fires its timers within a moment.
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let config = SchedulerConfig { interval: Duration::from_millis(200), ..SchedulerConfig::default() };
        let scheduler = tokio::spawn(scheduler::run(state.clone(), config, async move {
            let _ = stopped.await;
        }));
        let warnings = warnings.then(|| {
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let task = tokio::spawn(minsheng_web::warnings::follow(state.clone(), async move {
                let _ = stopped.await;
            }));
            (stop, task)
        });
        Self { base, clock, state, stop, scheduler, warnings, server }
    }

    /// Moves the clock to `at` (China Standard Time).
    fn set_clock(&self, at: &str) {
        self.clock.set(cst(at));
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.scheduler.await.unwrap();
        if let Some((stop, task)) = self.warnings {
            let _ = stop.send(());
            task.await.unwrap();
        }
        self.server.abort();
        self.state.store.close().await;
    }
}

/// The matter page's mediation forms.
impl Journey {
    fn form_of(action: &str) -> String {
        format!("form:has(input[name='action'][value='{action}'])")
    }

    /// Sets the `nth` field named `name` in the form for `action`: types into text, ticks a
    /// box, sets a date or a time (whose typing depends on the browser's locale) as the picker
    /// would.
    async fn put(&self, action: &str, name: &str, nth: usize, value: &str) {
        self.unfold(action).await;
        let selector = format!("{} [name='{name}']", Self::form_of(action));
        let all = self.c.find_all(Locator::Css(&selector)).await.unwrap();
        let e = all.get(nth).unwrap_or_else(|| panic!("{selector} #{nth}"));
        match e.attr("type").await.unwrap().as_deref() {
            Some("date" | "datetime-local") => {
                let script = "arguments[0].value = arguments[1]; \
                              arguments[0].dispatchEvent(new Event('change', {bubbles: true}));";
                self.c
                    .execute(script, vec![serde_json::to_value(e).unwrap(), serde_json::json!(value)])
                    .await
                    .unwrap();
            }
            Some("checkbox") => {
                if !e.is_selected().await.unwrap() {
                    e.click().await.unwrap();
                }
            }
            _ => {
                e.clear().await.unwrap();
                e.send_keys(value).await.unwrap();
            }
        }
    }

    /// The matter's version in the page (its forms carry it).
    fn version_in(body: &str) -> Option<i64> {
        let (_, rest) = body.split_once("name=\"version\" value=\"")?;
        rest.split('"').next()?.parse().ok()
    }

    /// Submits the form for `action` and waits for the page after it: saved, the matter a
    /// version on. Fails with the page's errors if it was refused.
    async fn submit(&self, action: &str) -> String {
        let before = Self::version_in(&self.body().await);
        self.click(&format!("{} button[type=submit]", Self::form_of(action))).await;
        for _ in 0..100 {
            let body = self.body().await;
            if body.contains("class=\"notice error\"") {
                let errors: Vec<&str> = body
                    .split("class=\"notice error\" role=\"alert\">")
                    .skip(1)
                    .filter_map(|e| e.split('<').next())
                    .collect();
                panic!("{action} was refused: {errors:?}");
            }
            if body.contains("已保存") && Self::version_in(&body) != before {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Unsent (the browser refused a field) or never saved: show where it stopped.
        let invalid =
            self.c.find_all(Locator::Css(&format!("{} :invalid", Self::form_of(action)))).await.unwrap();
        let mut names = vec![];
        for e in invalid {
            names.push(e.attr("name").await.unwrap().unwrap_or_default());
        }
        panic!("{action} never came back saved; fields the browser refuses: {names:?}");
    }

    /// Reloads the page until it has an element at `xpath` (the scheduler acts on its own).
    async fn reload_until(&self, xpath: &str) {
        for _ in 0..50 {
            self.c.refresh().await.unwrap();
            if self.has(xpath).await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the page never showed {xpath}");
    }

    /// The page is no wider than the window: nothing makes it scroll sideways.
    async fn fits_the_window(&self) {
        let widths = self
            .c
            .execute(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
                vec![],
            )
            .await
            .unwrap();
        assert!(widths[0].as_i64() <= widths[1].as_i64(), "the page scrolls sideways: {widths}");
    }

    /// Scrolls the element at `selector` to the top of the window (to see it on a screenshot).
    async fn scroll_to(&self, selector: &str) {
        let e = self.css(selector).await;
        self.c
            .execute("arguments[0].scrollIntoView({block: 'start'});", vec![serde_json::to_value(e).unwrap()])
            .await
            .unwrap();
    }

    /// Whether the page has an element at `xpath`.
    async fn has(&self, xpath: &str) -> bool {
        !self.c.find_all(Locator::XPath(xpath)).await.unwrap().is_empty()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mediation_journey_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let app = InProcess::start(dir.path(), cst("2026-03-02 09:00"), false).await;
    let (_driver, webdriver) = start_chromedriver();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let j = Journey { c: browser(&webdriver, "1366,768").await, base: app.base.clone(), shots };

    // 1. The township's clerk registers a neighbour dispute with three parties and sends it to
    // the township's mediation committee.
    j.sign_in("clerk_fq").await;
    j.go("/matters/new").await;
    let place =
        j.c.find(Locator::XPath("//datalist[@id='places']/option[contains(@value, '枫源村')]"))
            .await
            .unwrap()
            .attr("value")
            .await
            .unwrap()
            .unwrap();
    let parties = [("楼阿根", "13857500011"), ("何志强", "13857500022"), ("何志明", "13857500033")];
    j.fill_intake(&Intake {
        kind: "dispute",
        channel: "visit",
        category: "neighbour",
        place: &place,
        title: "宅基地之间排水沟被围墙堵塞引发的邻里纠纷",
        body: "楼阿根来访反映：邻居何志强、何志明兄弟去年翻建围墙时占用并堵塞了两家之间的排水沟，\
               雨天积水渗入楼家房屋，多次协商未果，请求调解。",
        parties: &parties,
    })
    .await;
    j.css("#p2-role").await.select_by_value("other").await.unwrap();
    j.fill("#people", "3").await;
    j.fill("#amount", "3000").await;
    j.click("form.intake button[type=submit]").await;
    j.wait_for("已保存").await;
    let matter = j.c.current_url().await.unwrap().path().to_owned();
    assert!(matter.starts_with("/matters/"), "{matter}");
    j.route_to("枫桥镇人民调解委员会").await;
    j.sign_out().await;

    // The committee's mediator accepts it, appointed by the committee, and tells the parties
    // their rights.
    j.sign_in("mediator_fq").await;
    j.go(&matter).await;
    let suggested =
        j.css("form:has(input[value='accept_mediation']) select[name='mediator_id'] option").await;
    assert_eq!(
        suggested.text().await.unwrap(),
        "★ 陈国平（在办 0）",
        "the mediator who knows neighbour disputes"
    );
    j.choose("accept_mediation", "chosen_by_party", "no").await;
    j.put(
        "accept_mediation",
        "requests",
        0,
        "请求何志强、何志明拆除堵塞排水沟的围墙，恢复排水，并赔偿房屋渗水损失。",
    )
    .await;
    let page = j.submit("accept_mediation").await;
    assert!(page.contains("status s-in_progress") && page.contains("调解受理登记"));
    assert!(page.contains("枫桥镇人民调解委员会") && page.contains("陈国平（否，调委会指定）"));
    j.shot("mediation-accepted").await;
    j.fits_the_window().await;
    j.act("notify_rights", Some("已当面送达权利义务告知书，三方当事人均表示愿意接受调解。")).await;
    j.wait_for("告知权利义务").await;
    assert!(j.body().await.contains(&format!("href=\"{matter}/letters/rights\"")), "the rights notice");

    // 2. Two sessions, three days apart: the first at a time typed in, the second now (its
    // time left empty). A session lasts 12 hours, so on each later day the mediator signs in
    // again.
    app.set_clock("2026-03-05 15:00");
    j.sign_in("mediator_fq").await;
    j.go(&matter).await;
    j.put("record_session", "held_at", 0, "2026-03-05T14:00").await;
    j.put("record_session", "place", 0, "枫源村村民委员会调解室").await;
    j.put("record_session", "participants", 0, "楼阿根、何志强、何志明，调解员陈国平，村调解主任何建新")
        .await;
    j.put(
        "record_session",
        "record",
        0,
        "三方到场陈述。何志强承认翻建围墙时堵塞了排水沟，但认为渗水另有原因。",
    )
    .await;
    j.put("record_session", "proposals", 0, "现场查看排水沟走向后再行调解。").await;
    let page = j.submit("record_session").await;
    assert!(page.contains("<dt>调解次数</dt><dd>1</dd>"), "one session");
    assert!(
        page.contains("；调解方案/建议：现场查看排水沟走向后再行调解。"),
        "the timeline says what was proposed"
    );

    app.set_clock("2026-03-09 16:00");
    j.sign_in("mediator_fq").await;
    j.go(&matter).await;
    j.put("record_session", "place", 0, "楼阿根、何志强两家之间的排水沟现场").await;
    j.put("record_session", "participants", 0, "楼阿根、何志强、何志明，调解员陈国平").await;
    j.put(
        "record_session",
        "record",
        0,
        "现场查看，排水沟确被围墙地基占用约一米。各方同意拆除该段围墙并赔偿损失。",
    )
    .await;
    let page = j.submit("record_session").await;
    assert!(page.contains("<dt>调解次数</dt><dd>2</dd>"), "two sessions");
    assert!(
        page.contains("2026-03-09 16:00 · 楼阿根、何志强两家之间的排水沟现场"),
        "the second session was held now"
    );

    // 3. An agreement with two terms, signed by all three and the mediator.
    j.put(
        "draft_agreement",
        "facts",
        0,
        "何志强、何志明翻建围墙时，围墙地基占用并堵塞两家之间的排水沟约一米，致楼阿根房屋雨天渗水。",
    )
    .await;
    j.put("draft_agreement", "issues", 0, "围墙是否拆除；楼阿根房屋渗水损失的赔偿。").await;
    j.put(
        "draft_agreement",
        "responsibilities",
        0,
        "何志强、何志明对排水沟堵塞负主要责任；楼阿根对损失扩大负次要责任。",
    )
    .await;
    let terms = [
        ("何志强、何志明", "拆除占用排水沟的一段围墙并疏通排水沟", "现场拆除，村民委员会见证", "2026-03-20"),
        ("何志强", "赔偿楼阿根房屋渗水损失人民币3000元", "银行转账", "2026-03-31"),
    ];
    for (i, (who, what, how, when)) in terms.iter().enumerate() {
        j.put("draft_agreement", "term_obligor", i, who).await;
        j.put("draft_agreement", "term_content", i, what).await;
        j.put("draft_agreement", "term_manner", i, how).await;
        j.put("draft_agreement", "term_deadline", i, when).await;
    }
    j.fits_the_window().await;
    j.scroll_to("form:has(input[value='draft_agreement']) fieldset.terms").await;
    j.shot("mediation-agreement-form").await;
    let page = j.submit("draft_agreement").await;
    assert!(page.contains("第 1 版待签署"), "a draft awaits signatures");
    for i in 0..3 {
        j.put("sign_agreement", "parties_signed", i, "").await;
    }
    j.choose("sign_agreement", "mediator_signed", "yes").await;
    let page = j.submit("sign_agreement").await;
    assert!(
        page.contains("status s-replied") && page.contains("调解协议签署生效"),
        "the agreement is in force"
    );
    assert!(page.contains("调解成功（书面协议）"));

    // 4. The agreement printed, and downloaded as a PDF naming all three parties.
    j.go(&format!("{matter}/letters/agreement")).await;
    let print = j.wait_for("人民调解协议书").await;
    for (name, _) in parties {
        assert!(print.contains(name), "the print page names {name}");
    }
    j.shot("mediation-agreement").await;
    let text = j.letter(&matter, "agreement").await;
    assert!(text.contains("人民调解协议书") && text.contains("枫桥镇人民调解委员会"), "{text}");
    for (name, _) in parties {
        assert!(text.contains(name), "the PDF names {name}: {text}");
    }
    assert!(text.contains("3000"), "the PDF has the terms: {text}");

    // 5. Judicial confirmation: the parties apply the same day, the court accepts two days
    // later and confirms it on the 20th.
    j.go(&matter).await;
    j.put("file_judicial", "court", 0, "诸暨市人民法院").await;
    let page = j.submit("file_judicial").await;
    assert!(page.contains("诸暨市人民法院 · 申请司法确认 2026-03-09"), "filed");
    app.set_clock("2026-03-11 10:00");
    j.sign_in("mediator_fq").await;
    j.go(&matter).await;
    let page = j.submit("record_judicial_acceptance").await;
    assert!(page.contains("诸暨市人民法院 · 法院受理 2026-03-11"), "accepted");
    app.set_clock("2026-03-20 10:00");
    j.sign_in("mediator_fq").await;
    j.go(&matter).await;
    j.choose("record_judicial_ruling", "result", "confirmed").await;
    let page = j.submit("record_judicial_ruling").await;
    assert!(page.contains("诸暨市人民法院 · 裁定确认有效 2026-03-20"), "confirmed");

    // 6. The first visit is due seven days after the first term's deadline (24:00 on the 27th):
    // on the 28th the scheduler has reminded and marked it overdue.
    app.set_clock("2026-03-28 10:00");
    j.sign_in("mediator_fq").await;
    let link = format!("//section[h2[starts-with(., '已超期')]]//tr[@class='overdue']//a[@href='{matter}']");
    for _ in 0..50 {
        if j.has(&link).await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        j.c.refresh().await.unwrap();
    }
    assert!(j.has(&link).await, "the workbench lists it as overdue");
    j.go(&matter).await;
    let overdue_visit = "//ol[@class='timeline']/li[strong='超期'][p='回访']";
    let reminded_visit = "//ol[@class='timeline']/li[strong='临期提醒'][p='回访']";
    j.reload_until(overdue_visit).await;
    assert!(j.has(reminded_visit).await, "the visit was reminded before it was overdue");
    assert!(
        j.has("//span[contains(@class, 'tag') and contains(@class, 'danger') and starts-with(., '回访')]")
            .await,
        "the visit clock shows overdue"
    );
    j.fits_the_window().await;
    j.shot("mediation-visit-overdue").await;

    // 7. The visit finds the wall still standing and the quarrel back: a relapse.
    j.act("record_relapse", Some("回访发现围墙未拆除，双方因排水问题再次发生争吵。")).await;
    // 8. The dispute is mediated again.
    let page = j.wait_for("status s-in_progress").await;
    assert!(page.contains(">办理中<") && page.contains("<strong>反弹</strong>"), "reopened as a relapse");
    assert!(page.contains("（已反弹）") && page.contains("<dt>反弹</dt><dd>1</dd>"));
    assert!(
        !j.has("//span[contains(@class, 'tag') and starts-with(., '回访')]").await,
        "no visit is owed now"
    );
    assert!(j.has("//form[.//input[@name='action' and @value='record_session']]").await, "sessions again");
    j.fits_the_window().await;
    j.shot("mediation-relapsed").await;

    // The committee's registers for March count the relapse.
    j.go("/mediation").await;
    let page = j.wait_for("人民调解台账").await;
    assert!(page.contains("<th scope=\"row\">反弹</th><td>1</td>"), "the month's relapses");
    j.shot("mediation-registers").await;
    j.sign_out().await;
    j.c.close().await.unwrap();
    app.stop().await;
}

/// Five wage complaints about one project: the similar-matter panel shows the others while the
/// fifth is typed; the evaluator raises a yellow cluster warning; the township's leader owns
/// every matter of it; once all are resolved the warning closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warning_journey_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let app = InProcess::start(dir.path(), cst("2026-04-07 09:00"), true).await;
    let (_driver, webdriver) = start_chromedriver();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let j = Journey { c: browser(&webdriver, "1366,768").await, base: app.base.clone(), shots };
    j.sign_in("clerk_fq").await;
    j.go("/matters/new").await;
    let place =
        j.c.find(Locator::XPath("//datalist[@id='places']/option[contains(@value, '枫源村')]"))
            .await
            .unwrap()
            .attr("value")
            .await
            .unwrap()
            .unwrap();
    let project = "枫桥镇中心幼儿园新建工程";
    let callers = [
        ("楼国庆", "13857501001", "木工", 3, "24000"),
        ("何建华", "13857501002", "钢筋工", 2, "18600"),
        ("陈小平", "13857501003", "泥水工", 4, "31000"),
        ("骆永明", "13857501004", "架子工", 2, "15200"),
        ("寿海军", "13857501005", "电焊工", 3, "22800"),
    ];
    let mut matters = vec![];
    for (n, (name, phone, trade, people, yuan)) in callers.iter().enumerate() {
        // 1. Each is registered at intake, naming the project.
        j.go("/matters/new").await;
        let body = format!(
            "{name}来电反映：在{project}做{trade}，包工头拖欠{people}人工资共{yuan}元，去项目部讨要多次未果，请求帮助追讨。"
        );
        j.fill_intake(&Intake {
            kind: "request",
            channel: "phone",
            category: "wage_arrears",
            place: &place,
            title: &format!("{project}拖欠{trade}工资"),
            body: &body,
            parties: &[(name, phone)],
        })
        .await;
        j.fill("#people", &people.to_string()).await;
        j.fill("#amount", yuan).await;
        j.fill("#project", project).await;
        if n == 4 {
            // 2. While the fifth is typed, the panel shows the four before it, same project.
            j.css("#body").await.send_keys(" ").await.unwrap();
            let mut lines = String::new();
            for _ in 0..50 {
                let body = j.body().await;
                lines = body.split("<ul class=\"similar\">").nth(1).unwrap_or_default().to_owned();
                // (An answer to the words typed before the project may come first.)
                if lines.contains("同一项目")
                    && matters.iter().all(|m| lines.contains(&format!("href=\"{m}\"")))
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            for m in &matters {
                assert!(lines.contains(&format!("href=\"{m}\"")), "{m} in the panel: {lines}");
            }
            assert!(lines.contains("同一项目"), "why they match");
            j.shot("warning-similar-panel").await;
        }
        j.click("form.intake button[type=submit]").await;
        j.wait_for("已保存").await;
        matters.push(j.c.current_url().await.unwrap().path().to_owned());
    }

    // 3. The evaluator raises a yellow cluster warning: on the workbench and the board.
    j.go("/warnings").await;
    j.reload_until("//table[@id='warnings']//a[contains(@class, 'lv-yellow')]").await;
    // The response is written just after the raise: the owner follows within a moment.
    j.reload_until("//table[@id='warnings']//td[contains(., '何建军')]").await;
    let board = j.body().await;
    assert!(board.contains("同一项目：枫桥镇中心幼儿园新建工程"), "the cluster's subject");
    assert!(board.contains("同一项目30日内5件相似事项（≥5件）"), "why it fired");
    assert!(
        j.has("//ul[@id='org-map']/li[contains(@class, 'lv-yellow')][.//strong[.='枫源村']]").await,
        "the village's tile is yellow"
    );
    assert!(board.contains("何建军"), "the owner on the board");
    j.fits_the_window().await;
    j.shot("warning-board").await;
    j.go("/").await;
    assert!(j.has("//section[@id='workbench-warnings']//a[contains(@class, 'lv-yellow')]").await);

    // 4. The township's leader owns each matter, with a deadline.
    j.click("#workbench-warnings a.lv-yellow").await;
    let page = j.wait_for("warning-members").await;
    assert!(page.contains("由何建军包案，限"), "the response in the log");
    for m in &matters {
        assert!(page.contains(&format!("href=\"{m}\"")), "{m} among the warning's matters");
    }
    j.shot("warning-detail").await;
    j.go(&matters[0]).await;
    let page = j.body().await;
    assert!(
        page.contains("领导包案") && page.contains("黄色预警（Ⅱ级，较重）"),
        "leader and warning on the matter"
    );

    // 5. Each is resolved: handled directly, answered and closed; then the warning closes.
    for m in &matters {
        j.go(m).await;
        j.act("start", None).await;
        j.wait_for("status s-in_progress").await;
        j.act("reply", Some("经镇劳动保障所协调，施工总包单位已代为支付拖欠工资。")).await;
        j.wait_for("status s-replied").await;
        j.act("close", Some("回访确认工资已到账")).await;
        j.wait_for("status s-closed").await;
    }
    j.go("/warnings?state=closed").await;
    j.reload_until("//table[@id='warnings']//td[contains(., '簇内事项均已办结')]").await;
    j.go("/warnings").await;
    assert!(j.body().await.contains("没有符合条件的预警"), "no open warning is left");
    j.shot("warning-closed").await;
    j.sign_out().await;

    // The administrator previews clusters of three on the last 90 days, then a bad edit.
    j.sign_in("admin").await;
    j.go("/admin/warnings").await;
    j.fill("input[name='r0_min']", "3").await;
    j.click("button[name='action'][value='preview']").await;
    let page = j.wait_for("id=\"rules-preview\"").await;
    assert!(page.contains("同一项目30日内5件相似事项（≥3件）"), "what the edit would fire");
    j.shot("warning-rules-preview").await;
    j.fill("input[name='r0_min']", "1").await;
    j.click("button[name='action'][value='save']").await;
    let page = j.wait_for("notice error").await;
    assert!(page.contains("cluster_yellow·"), "the rule is named");
    j.sign_out().await;
    j.c.close().await.unwrap();
    app.stop().await;
}
