//! Versioned schema migrations for SQLite, embedded in the binary and applied in order at open.

use rusqlite::Connection;

const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_ledger.sql")),
    (2, include_str!("../../migrations/sqlite/0002_login_failures.sql")),
    (3, include_str!("../../migrations/sqlite/0003_workbench_indexes.sql")),
    (4, include_str!("../../migrations/sqlite/0004_overdue_index.sql")),
    (5, include_str!("../../migrations/sqlite/0005_saved_filters.sql")),
    (6, include_str!("../../migrations/sqlite/0006_lead_status_index.sql")),
    (7, include_str!("../../migrations/sqlite/0007_user_prefs.sql")),
    (8, include_str!("../../migrations/sqlite/0008_user_units.sql")),
    (9, include_str!("../../migrations/sqlite/0009_clocks.sql")),
    (10, include_str!("../../migrations/sqlite/0010_final_petitions.sql")),
    (11, include_str!("../../migrations/sqlite/0011_deadline_indexes.sql")),
    (12, include_str!("../../migrations/sqlite/0012_mediation.sql")),
    (13, include_str!("../../migrations/sqlite/0013_merge.sql")),
    (14, include_str!("../../migrations/sqlite/0014_warnings.sql")),
];

/// Applies every migration not yet recorded, each in its own transaction.
pub fn run(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
    )?;
    for (version, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let done: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
            [version],
            |r| r.get(0),
        )?;
        if !done {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, unixepoch())",
                [version],
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}
