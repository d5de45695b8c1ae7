//! WAL checkpoints (and hourly planner statistics) on their own thread. The writer runs with automatic checkpoints off, so it
//! never stops to copy pages back into the database; this thread does it in passive mode every
//! five seconds (never blocking the writer or readers) and truncates the WAL on shutdown. At
//! 1M matters a half-second interval doubled p99 latency: each checkpoint's page writes were
//! flushed by the writer's next fsync. Five seconds keeps the WAL under ~100 MB at full load.

use crate::Result;
use rusqlite::Connection;
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

const INTERVAL: Duration = Duration::from_secs(5);
/// Checkpoint intervals between statistics refreshes: an hour.
const OPTIMIZE_EVERY: u32 = 720;

pub(crate) struct Checkpointer {
    /// Dropping the sender wakes the thread at once and stops it.
    stop: Mutex<Option<mpsc::Sender<()>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    pub fn start(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let (stop, wake) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new().name("sqlite-checkpoint".into()).spawn(move || {
            let mut ticks: u32 = 0;
            while let Err(RecvTimeoutError::Timeout) = wake.recv_timeout(INTERVAL) {
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
                ticks = ticks.wrapping_add(1);
                // Hourly, refresh the planner's statistics where they have drifted.
                if ticks.is_multiple_of(OPTIMIZE_EVERY)
                    && let Err(e) = conn.execute_batch("PRAGMA optimize;")
                {
                    tracing::warn!(error = %e, "PRAGMA optimize failed");
                }
            }
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
                tracing::warn!(error = %e, "final WAL checkpoint failed");
            }
        })?;
        Ok(Self { stop: Mutex::new(Some(stop)), thread: Mutex::new(Some(thread)) })
    }

    /// Stops the thread after a last, truncating checkpoint. Call after the writer has stopped.
    pub async fn close(&self) {
        if let Ok(mut stop) = self.stop.lock() {
            stop.take();
        }
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}
