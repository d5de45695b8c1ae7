//! Test support for the integration suites: a fresh database per test on either engine
//! (SQLite in a temporary directory, or a new PostgreSQL database that is dropped afterwards),
//! raw SQL access for tests that play the intruder, and [`on_both_engines!`], which runs every
//! test of a suite once per engine.
//!
//! PostgreSQL comes from `MINSHENG_TEST_DATABASE_URL` (default: the local server as
//! `postgres`). A test that cannot reach it fails; it never skips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A database made for one test.
pub struct TestDb {
    /// What `minsheng_store::open` takes.
    pub url: String,
    pub engine: Engine,
    place: Place,
}

enum Place {
    Sqlite { path: PathBuf, _dir: tempfile::TempDir },
    Postgres { admin: String, db: String },
}

/// The server the PostgreSQL tests use, as its maintenance-database URL.
pub fn pg_admin_url() -> String {
    std::env::var("MINSHENG_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A connection, or a failed test that says why.
pub async fn pg_client(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap_or_else(|e| {
        panic!("these tests need PostgreSQL at {url} (set MINSHENG_TEST_DATABASE_URL): {e}")
    });
    tokio::spawn(conn);
    client
}

/// `admin` with its database name replaced by `db`, query string kept.
fn with_database(admin: &str, db: &str) -> String {
    let (base, tail) = admin.rsplit_once('/').unwrap_or((admin, ""));
    let query = tail.split_once('?').map(|(_, q)| format!("?{q}")).unwrap_or_default();
    format!("{base}/{db}{query}")
}

impl TestDb {
    pub async fn new(engine: Engine) -> Self {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("minsheng.db");
                Self { url: path.display().to_string(), engine, place: Place::Sqlite { path, _dir: dir } }
            }
            Engine::Postgres => {
                let admin = pg_admin_url();
                let db = format!("minsheng_t_{}", fastrand::u64(..));
                // Commits need not wait for the disk in tests: a crashed test run loses nothing
                // worth keeping, and the suites run several times faster.
                let client = pg_client(&admin).await;
                client.batch_execute(&format!("CREATE DATABASE {db}")).await.unwrap();
                client
                    .batch_execute(&format!("ALTER DATABASE {db} SET synchronous_commit = off"))
                    .await
                    .unwrap();
                Self { url: with_database(&admin, &db), engine, place: Place::Postgres { admin, db } }
            }
        }
    }

    /// Runs SQL straight against the database, behind the application's back.
    pub async fn raw_sql(&self, sql: &str) -> Result<(), String> {
        match &self.place {
            Place::Sqlite { path, .. } => {
                rusqlite::Connection::open(path).unwrap().execute_batch(sql).map_err(|e| e.to_string())
            }
            Place::Postgres { .. } => {
                pg_client(&self.url).await.batch_execute(sql).await.map_err(|e| e.to_string())
            }
        }
    }

    /// Removes a PostgreSQL test database (a SQLite one goes with its directory).
    pub async fn remove(self) {
        if let Place::Postgres { admin, db } = &self.place {
            let sql = format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)");
            let _ = pg_client(admin).await.batch_execute(&sql).await;
        }
    }
}

/// Runs each named test once per engine. `$fixture` has `async fn start(Engine) -> Self` and
/// `async fn done(self)`; each test is `async fn name(&$fixture)`.
#[macro_export]
macro_rules! on_both_engines {
    ($fixture:ident; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let f = super::$fixture::start($crate::Engine::Sqlite).await;
                super::$name(&f).await;
                f.done().await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let f = super::$fixture::start($crate::Engine::Postgres).await;
                super::$name(&f).await;
                f.done().await;
            })*
        }
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn swaps_the_database_name() {
        assert_eq!(super::with_database("postgres://u@h:5432/postgres", "t1"), "postgres://u@h:5432/t1");
        assert_eq!(
            super::with_database("postgres://u@h/postgres?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
    }
}
