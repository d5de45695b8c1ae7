//! The staff interface in a real browser: headless Debian Chromium driven through
//! chromedriver against the real binary serving a small demo county. Covers the daily
//! journey (sign in, register a phone complaint with two parties, route it to a department,
//! handle and reply as that department, close as the clerk, find it in the closed list and
//! export the list),
//! scope by URL, and the English switch. Screenshots of each main page are saved under
//! `$CARGO_TARGET_TMPDIR/screenshots`. Without Chromium or chromedriver the test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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
        self.fill("#password", "minsheng2026").await;
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
    let dept =
        j.c.find(Locator::XPath("//select[@name='unit_id']/option[contains(., '市住房和城乡建设局')]"))
            .await
            .unwrap()
            .attr("value")
            .await
            .unwrap()
            .unwrap();
    j.css("form:has(input[value='assign']) select[name='unit_id']")
        .await
        .select_by_value(&dept)
        .await
        .unwrap();
    j.act("assign", None).await;
    j.wait_for("status s-assigned").await;
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
    let office =
        j.c.find(Locator::XPath("//select[@name='unit_id']/option[contains(., '市信访局')]"))
            .await
            .unwrap()
            .attr("value")
            .await
            .unwrap()
            .unwrap();
    j.choose("assign", "unit_id", &office).await;
    j.act("assign", None).await;
    j.wait_for("status s-assigned").await;
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
