//! The `minsheng` binary as an operator runs it: a SIGKILL during intake loses no acknowledged
//! matter, SIGTERM drains in-flight commits, `verify` names the first altered event, and
//! `backup` copies a running database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "crash-test-password";

struct Server {
    child: Child,
    base: String,
}

/// A server still running when its test ends is killed, so no test leaves one behind.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_minsheng")
}

/// Starts `minsheng serve` on a free port and waits until it listens.
fn start(db: &Path) -> Server {
    let mut child = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url"])
        .arg(db)
        .env("MINSHENG_ADMIN_USER", "admin")
        .env("MINSHENG_ADMIN_PASSWORD", PASSWORD)
        .env("MINSHENG_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("listening on ") {
                let _ = tx.send(addr.to_owned());
            }
        }
    });
    let base = rx.recv_timeout(Duration::from_secs(60)).expect("the server did not start listening");
    Server { child, base }
}

async fn token(http: &reqwest::Client, base: &str) -> String {
    let r = http
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

async fn root_unit(http: &reqwest::Client, base: &str, token: &str) -> i64 {
    let units: Value = http
        .get(format!("{base}/api/v1/units"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    units["items"][0]["id"].as_i64().unwrap()
}

fn intake(unit: i64, n: usize) -> Value {
    json!({
        "kind": "request", "channel": "phone", "category": "wage_arrears", "unit_id": unit,
        "title": format!("反映拖欠工资问题（第{n}件）"),
        "body": "我们十二名工人在城西安置小区二期工地干活，包工头拖欠工资共计三万六千元，请求帮助追讨。",
        "people_involved": 12, "amount_fen": 3_600_000
    })
}

/// Posts matters from `clients` concurrent clients until the server stops answering or `stop`
/// is set; returns every id the server acknowledged with 201.
async fn load(base: String, token: String, unit: i64, clients: usize, stop: Arc<Mutex<bool>>) -> Vec<i64> {
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = vec![];
    for c in 0..clients {
        let (base, token, acked, stop) = (base.clone(), token.clone(), Arc::clone(&acked), Arc::clone(&stop));
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for n in 0.. {
                if *stop.lock().unwrap() {
                    break;
                }
                let sent = http
                    .post(format!("{base}/api/v1/matters"))
                    .bearer_auth(&token)
                    .json(&intake(unit, c * 100_000 + n))
                    .send()
                    .await;
                let Ok(resp) = sent else { break };
                if resp.status() != 201 {
                    break;
                }
                let Ok(body) = resp.json::<Value>().await else { break };
                acked.lock().unwrap().push(body["id"].as_i64().unwrap());
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    acked.lock().unwrap().clone()
}

async fn assert_all_present(base: &str, token: &str, ids: &[i64]) {
    let http = reqwest::Client::new();
    for id in ids {
        let r = http.get(format!("{base}/api/v1/matters/{id}")).bearer_auth(token).send().await.unwrap();
        assert_eq!(r.status(), 200, "acknowledged matter {id} was lost");
    }
}

fn verify(db: &Path) -> (i32, String) {
    let out = Command::new(bin())
        .args(["verify", "--database-url"])
        .arg(db)
        .env("MINSHENG_LOG", "warn")
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("minsheng.db");
    (dir, db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_intake_loses_no_acknowledged_matter() {
    let (_dir, db) = temp_db();
    let mut server = start(&db);
    let http = reqwest::Client::new();
    let token = token(&http, &server.base).await;
    let unit = root_unit(&http, &server.base, &token).await;
    let stop = Arc::new(Mutex::new(false));
    let loader = tokio::spawn(load(server.base.clone(), token.clone(), unit, 16, Arc::clone(&stop)));
    // Let intake run, then kill the server mid-stream without warning.
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let acked = loader.await.unwrap();
    assert!(
        acked.len() > 50,
        "too little load reached the server in {:?}: {}",
        started.elapsed(),
        acked.len()
    );

    let server = start(&db);
    assert_all_present(&server.base, &token, &acked).await;
    let (code, out) = verify(&db);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("chain intact"), "{out}");
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_commits_and_exits_cleanly() {
    let (_dir, db) = temp_db();
    let mut server = start(&db);
    let http = reqwest::Client::new();
    let token = token(&http, &server.base).await;
    let unit = root_unit(&http, &server.base, &token).await;
    let stop = Arc::new(Mutex::new(false));
    let loader = tokio::spawn(load(server.base.clone(), token.clone(), unit, 8, Arc::clone(&stop)));
    tokio::time::sleep(Duration::from_millis(800)).await;
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = server.child.wait().unwrap();
    *stop.lock().unwrap() = true;
    assert!(status.success(), "graceful shutdown should exit 0, got {status}");
    let acked = loader.await.unwrap();
    assert!(!acked.is_empty());
    let server = start(&db);
    assert_all_present(&server.base, &token, &acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_the_first_altered_event_and_backup_copies_a_running_database() {
    let (dir, db) = temp_db();
    let server = start(&db);
    let http = reqwest::Client::new();
    let token = token(&http, &server.base).await;
    let unit = root_unit(&http, &server.base, &token).await;
    for n in 0..5 {
        let r = http
            .post(format!("{}/api/v1/matters", server.base))
            .bearer_auth(&token)
            .json(&intake(unit, n))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    // Backup while serving, then refuse to overwrite.
    let copy = dir.path().join("copy.db");
    let out = Command::new(bin()).args(["backup", "--database-url"]).arg(&db).arg(&copy).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let again = Command::new(bin()).args(["backup", "--database-url"]).arg(&db).arg(&copy).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    drop(server);

    // Each intake recorded its registration and the start of its dispatch clock.
    assert_eq!(verify(&copy), (0, "事件链完整 chain intact: 10 events verified\n".into()));
    // Someone edits the third matter's registration behind the application's back.
    let conn = rusqlite::Connection::open(&copy).unwrap();
    conn.execute_batch("DROP TRIGGER events_no_update; UPDATE events SET payload = replace(payload, '三万六千元', '三千六百元') WHERE seq = 5;").unwrap();
    drop(conn);
    let (code, out) = verify(&copy);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("seq 5 (matter 3)"), "{out}");
    assert!(out.contains("4 events before it verified"), "{out}");
}

async fn found(http: &reqwest::Client, base: &str, token: &str, words: &str) -> u64 {
    let r: Value = http
        .get(format!("{base}/api/v1/matters?q={}", minsheng_web::ui::session::urlencode(words)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["total"].as_u64().unwrap_or_else(|| panic!("a search answers with a total: {r}"))
}

/// The search index lives beside the database and survives restarts; `reindex` rebuilds it
/// from the log; an index left from another database is rebuilt, never believed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_index_follows_the_log_and_is_rebuilt_by_reindex() {
    let (dir, db) = temp_db();
    let http = reqwest::Client::new();
    {
        let server = start(&db);
        let token = token(&http, &server.base).await;
        let unit = root_unit(&http, &server.base, &token).await;
        for n in 0..4 {
            let r = http
                .post(format!("{}/api/v1/matters", server.base))
                .bearer_auth(&token)
                .json(&intake(unit, n))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }
        assert_eq!(found(&http, &server.base, &token, "拖欠工资").await, 4, "found as soon as registered");
    }
    assert!(dir.path().join("search").is_dir(), "the index lives beside the database");

    let out = Command::new(bin())
        .args(["reindex", "--database-url"])
        .arg(&db)
        .env("MINSHENG_LOG", "warn")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.contains("indexed 4 matters"), "{said}");
    {
        let server = start(&db);
        let token = token(&http, &server.base).await;
        assert_eq!(found(&http, &server.base, &token, "拖欠工资").await, 4, "after a restart and a rebuild");
    }

    // A new database beside the old index: the index belongs to another log and is rebuilt.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let server = start(&db);
    let token = token(&http, &server.base).await;
    assert_eq!(found(&http, &server.base, &token, "拖欠工资").await, 0, "nothing from the old database");
}
