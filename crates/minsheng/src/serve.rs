//! `minsheng serve`: open the store, seed an empty installation, serve HTTP until SIGTERM or
//! Ctrl-C, then finish in-flight requests and queued commits before exiting.

use crate::config::{self, FileConfig};
use minsheng_web::clock::SystemClock;
use minsheng_web::scheduler::{self, SchedulerConfig};
use minsheng_web::{AppState, FirstAdmin, Settings};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MINSHENG_LISTEN")]
    pub listen: Option<String>,
    /// `postgres://user@host/db` for PostgreSQL; otherwise a SQLite file path.
    #[arg(long, env = "MINSHENG_DATABASE_URL")]
    pub database_url: Option<String>,
    /// A TOML config file (keys: listen, database_url, log_format, body_limit_bytes, token_ttl_hours, session_hours, secure_cookies, attachments_dir, root_unit_name, time_zone, cjk_font).
    #[arg(long, env = "MINSHENG_CONFIG")]
    pub config: Option<PathBuf>,
    /// Mark cookies Secure: set this when the site is served over HTTPS.
    #[arg(long, env = "MINSHENG_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Name of the root unit created in an empty database.
    #[arg(long, env = "MINSHENG_ROOT_UNIT_NAME")]
    pub root_unit_name: Option<String>,
    /// The IANA time zone days and deadlines are counted in.
    #[arg(long, env = "MINSHENG_TIME_ZONE")]
    pub time_zone: Option<String>,
    /// The CJK font file PDF letters are set in (default: Debian's fonts-noto-cjk).
    #[arg(long, env = "MINSHENG_CJK_FONT")]
    pub cjk_font: Option<PathBuf>,
}

/// Opens the store and the application state, seeding an empty installation.
pub async fn prepare(url: &str, settings: Settings, root_name: &str) -> Result<AppState, String> {
    let store =
        minsheng_store::open(url).await.map_err(|e| format!("cannot open the database {url}: {e}"))?;
    let state = AppState::load(store, Arc::new(SystemClock), settings).await.map_err(|e| e.to_string())?;
    let admin = minsheng_web::bootstrap(
        &state,
        root_name,
        std::env::var("MINSHENG_ADMIN_USER").ok(),
        std::env::var("MINSHENG_ADMIN_PASSWORD").ok(),
    )
    .await
    .map_err(|e| format!("cannot seed the database: {e:?}"))?;
    match admin {
        FirstAdmin::Existing => {}
        FirstAdmin::Supplied { username } => {
            println!("created administrator {username} with the supplied password")
        }
        FirstAdmin::Generated { username, password } => {
            println!("created administrator {username}; password (shown once, change it): {password}")
        }
    }
    Ok(state)
}

pub async fn run(args: ServeArgs, file: FileConfig) -> Result<ExitCode, String> {
    let listen = args.listen.or(file.listen).unwrap_or_else(|| config::DEFAULT_LISTEN.into());
    let url = args.database_url.or(file.database_url).unwrap_or_else(|| config::DEFAULT_DATABASE.into());
    let mut settings = Settings::default();
    if let Some(limit) = file.body_limit_bytes {
        settings.body_limit = limit;
    }
    if let Some(hours) = file.token_ttl_hours {
        if !(1..=24 * 366).contains(&hours) {
            return Err(format!("token_ttl_hours must be between 1 and {} (a year), not {hours}", 24 * 366));
        }
        settings.token_ttl = jiff::SignedDuration::from_hours(hours);
    }
    if let Some(hours) = file.session_hours {
        if !(1..=24 * 30).contains(&hours) {
            return Err(format!("session_hours must be between 1 and 720, not {hours}"));
        }
        settings.session_ttl = jiff::SignedDuration::from_hours(hours);
    }
    settings.secure_cookies = args.secure_cookies || file.secure_cookies.unwrap_or(false);
    settings.attachments_dir = file.attachments_dir.unwrap_or_else(|| config::attachments_dir_for(&url));
    settings.search_dir = Some(file.search_dir.unwrap_or_else(|| config::search_dir_for(&url)));
    let zone = args.time_zone.or(file.time_zone).unwrap_or_else(|| "Asia/Shanghai".into());
    settings.time_zone = minsheng_web::state::time_zone(&zone)?;
    settings.cjk_font = args.cjk_font.or(file.cjk_font);
    if let Some(font) = settings.cjk_font.as_ref().filter(|f| !f.exists()) {
        return Err(format!("cjk_font {} does not exist", font.display()));
    }
    if let Some(limit) = file.body_limit_bytes.filter(|l| !(1024..=64 * 1024 * 1024).contains(l)) {
        return Err(format!("body_limit_bytes must be between 1024 and 67108864, not {limit}"));
    }
    let root = args.root_unit_name.or(file.root_unit_name).unwrap_or_else(|| "本级单位".into());
    let state = prepare(&url, settings, &root).await?;
    serve(state, &listen, || {}).await
}

/// Serves until a shutdown signal; `ready` runs once the socket is bound.
pub async fn serve(state: AppState, listen: &str, ready: impl FnOnce()) -> Result<ExitCode, String> {
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let store = Arc::clone(&state.store);
    tracing::info!(%addr, engine = store.engine(), "serving");
    println!("listening on http://{addr}");
    ready();
    // The scheduler runs beside the server and stops before the store closes.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let scheduler = tokio::spawn(scheduler::run(state.clone(), SchedulerConfig::default(), async move {
        let _ = stopped.await;
    }));
    // The search index follows the log beside it, and stops with it.
    let (stop_search, search_stopped) = tokio::sync::oneshot::channel::<()>();
    let follower = tokio::spawn(minsheng_web::search::follow(state.clone(), async move {
        let _ = search_stopped.await;
    }));
    // So does the warning evaluator.
    let (stop_warnings, warnings_stopped) = tokio::sync::oneshot::channel::<()>();
    let warnings = tokio::spawn(minsheng_web::warnings::follow(state.clone(), async move {
        let _ = warnings_stopped.await;
    }));
    let app = minsheng_web::router(state);
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await;
    let _ = stop.send(());
    let _ = stop_search.send(());
    let _ = stop_warnings.send(());
    if let Err(e) = scheduler.await {
        tracing::error!(error = %e, "the scheduler ended abnormally");
    }
    if let Err(e) = warnings.await {
        tracing::error!(error = %e, "the warning evaluator ended abnormally");
    }
    if let Err(e) = follower.await {
        tracing::error!(error = %e, "the search index's follower ended abnormally");
    }
    tracing::info!("finishing queued commits");
    store.close().await;
    served.map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested");
}
