//! `minsheng`: the one binary. `serve` runs the server, `demo` builds and serves a realistic
//! demo county, `verify` recomputes the event log's hash chain, `backup` copies a running
//! SQLite database.

mod config;
mod demo;
mod serve;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// jemalloc rather than glibc's malloc: glibc gives busy threads arenas of their own and hands
/// back little of what they free, which kept ~250 MB more resident in a server holding a
/// million matters (decision 0011).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(name = "minsheng", version, about = "民声 — case management for social governance centres")]
struct Cli {
    /// Log format: text or json.
    #[arg(long, global = true, env = "MINSHENG_LOG_FORMAT")]
    log_format: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Build a demo county with a year of history, then serve it.
    Demo(demo::DemoArgs),
    /// Recompute the event log's hash chain and name the first broken event.
    Verify {
        /// `postgres://…`, or a SQLite file path.
        #[arg(long, env = "MINSHENG_DATABASE_URL", default_value = config::DEFAULT_DATABASE)]
        database_url: String,
    },
    /// Rebuild this node's search index from the event log (stop the server first: the index
    /// is locked while it runs).
    Reindex {
        #[arg(long, env = "MINSHENG_DATABASE_URL", default_value = config::DEFAULT_DATABASE)]
        database_url: String,
        /// Where the index lives (default: beside a SQLite database, or minsheng-data/search).
        #[arg(long, env = "MINSHENG_SEARCH_DIR")]
        search_dir: Option<PathBuf>,
    },
    /// Copy a (running) SQLite database consistently to a new file.
    Backup {
        #[arg(long, env = "MINSHENG_DATABASE_URL", default_value = config::DEFAULT_DATABASE)]
        database_url: String,
        /// The new file; it must not exist.
        dest: PathBuf,
    },
}

fn init_logs(format: Option<&str>) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MINSHENG_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    if format == Some("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => {
                let file = config::FileConfig::load(args.config.as_deref())?;
                init_logs(cli.log_format.as_deref().or(file.log_format.as_deref()));
                serve::run(args, file).await
            }
            Command::Demo(args) => {
                init_logs(cli.log_format.as_deref());
                demo::run(args).await
            }
            Command::Verify { database_url } => {
                init_logs(cli.log_format.as_deref());
                verify(&database_url).await
            }
            Command::Reindex { database_url, search_dir } => {
                init_logs(cli.log_format.as_deref());
                reindex(&database_url, search_dir).await
            }
            Command::Backup { database_url, dest } => {
                init_logs(cli.log_format.as_deref());
                backup(&database_url, &dest).await
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("minsheng: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn verify(url: &str) -> Result<ExitCode, String> {
    let store = minsheng_store::open(url).await.map_err(|e| format!("cannot open {url}: {e}"))?;
    let report = store.verify_chain().await.map_err(|e| e.to_string());
    store.close().await;
    match report? {
        minsheng_store::ChainReport::Intact { events } => {
            println!("事件链完整 chain intact: {events} events verified");
            Ok(ExitCode::SUCCESS)
        }
        minsheng_store::ChainReport::Broken { seq, matter_id, reason, checked } => {
            let why = match reason {
                minsheng_store::BreakReason::DigestMismatch => {
                    "its contents do not match its digest (altered)"
                }
                minsheng_store::BreakReason::Gap => "events before it are missing (deleted)",
            };
            println!(
                "事件链断裂 chain BROKEN at event seq {seq} (matter {matter_id}): {why}; {checked} events before it verified"
            );
            Ok(ExitCode::from(2))
        }
    }
}

async fn reindex(url: &str, search_dir: Option<PathBuf>) -> Result<ExitCode, String> {
    let store =
        minsheng_store::open(url).await.map_err(|e| format!("cannot open the database {url}: {e}"))?;
    let settings = minsheng_web::Settings {
        search_dir: Some(search_dir.unwrap_or_else(|| config::search_dir_for(url))),
        ..minsheng_web::Settings::default()
    };
    let state = minsheng_web::AppState::load(
        std::sync::Arc::clone(&store),
        std::sync::Arc::new(minsheng_web::clock::SystemClock),
        settings,
    )
    .await
    .map_err(|e| format!("cannot open the search index: {e}"))?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "重建索引 reindexing [{bar:40}] {pos}/{len} events ({per_sec}, 剩余 {eta})",
        )
        .map_err(|e| e.to_string())?,
    );
    let started = std::time::Instant::now();
    let applied = minsheng_web::search::rebuild(&state, |at, head| {
        bar.set_length(u64::try_from(head).unwrap_or(0));
        bar.set_position(u64::try_from(at).unwrap_or(0));
    })
    .await?;
    bar.finish_and_clear();
    let matters = store.count_matters().await.map_err(|e| e.to_string())?;
    println!("indexed {matters} matters from {applied} events in {:.1} s", started.elapsed().as_secs_f64());
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn backup(url: &str, dest: &std::path::Path) -> Result<ExitCode, String> {
    let store = minsheng_store::open(url).await.map_err(|e| format!("cannot open {url}: {e}"))?;
    let done = store.backup(dest).await.map_err(|e| e.to_string());
    store.close().await;
    done?;
    println!("backup written to {}", dest.display());
    Ok(ExitCode::SUCCESS)
}
