//! `minsheng demo`: a realistic demo county. It creates 诸暨市's real townships and villages
//! with grids, departments and committees, staff for every role, and about a year of matters
//! with natural Chinese texts that move through the real lifecycle (every event decided by the
//! domain, as in production), then serves it and prints the logins.

mod county;
mod history;
mod mediation;
mod texts;

use crate::serve;
use minsheng_domain::{OrgTree, Role, UnitId, UnitKind};
use minsheng_store::{NewUnit, NewUser, Store};
use minsheng_web::clock::SystemClock;
use minsheng_web::{AppState, Settings};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Every demo account's password.
pub const DEMO_PASSWORD: &str = "minsheng2026";

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Directory for the demo database (SQLite).
    #[arg(long, default_value = "minsheng-demo")]
    pub data_dir: PathBuf,
    /// Build the demo in this database instead (e.g. `postgres://…`).
    #[arg(long, env = "MINSHENG_DEMO_DATABASE_URL")]
    pub database_url: Option<String>,
    /// How many matters of history to generate.
    #[arg(long, default_value_t = 30_000)]
    pub matters: u64,
    /// Seed of the generator: the same seed builds the same county.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Address to serve on.
    #[arg(long, env = "MINSHENG_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Throw away an existing demo database and build a new one.
    #[arg(long)]
    pub fresh: bool,
    /// Build only; do not serve.
    #[arg(long)]
    pub no_serve: bool,
}

pub async fn run(args: DemoArgs) -> Result<ExitCode, String> {
    let url = match &args.database_url {
        Some(_) if args.fresh => {
            return Err("--fresh rebuilds only the SQLite demo directory; for a database URL, drop and \
                        recreate the database yourself"
                .into());
        }
        Some(url) => url.clone(),
        None => {
            let path = args.data_dir.join("minsheng.db");
            if args.fresh {
                let index = args.data_dir.join("search");
                if index.exists() {
                    std::fs::remove_dir_all(&index)
                        .map_err(|e| format!("cannot remove {}: {e}", index.display()))?;
                }
                for suffix in ["", "-wal", "-shm"] {
                    let f = PathBuf::from(format!("{}{suffix}", path.display()));
                    if f.exists() {
                        std::fs::remove_file(&f)
                            .map_err(|e| format!("cannot remove {}: {e}", f.display()))?;
                    }
                }
            }
            path.display().to_string()
        }
    };
    let store = minsheng_store::open(&url).await.map_err(|e| format!("cannot open {url}: {e}"))?;
    let settings = Settings {
        attachments_dir: crate::config::attachments_dir_for(&url),
        search_dir: Some(crate::config::search_dir_for(&url)),
        ..Settings::default()
    };
    let state = AppState::load(Arc::clone(&store), Arc::new(SystemClock), settings)
        .await
        .map_err(|e| e.to_string())?;
    store.ensure_categories(minsheng_domain::category::defaults()).await.map_err(|e| e.to_string())?;
    let logins = if state.org().is_empty() {
        println!("building the demo county 诸暨市 …");
        build_org(store.as_ref()).await?;
        state.reload().await.map_err(|e| e.to_string())?;
        let logins = build_users(store.as_ref(), &state.org()).await?;
        let cast = history::Cast::of(
            &state.org(),
            &store.users(&minsheng_store::Scope::all()).await.map_err(|e| e.to_string())?,
        )?;
        history::generate(Arc::clone(&store), state.knowledge(state.org()), cast, args.matters, args.seed)
            .await?;
        logins
    } else {
        let users = store.users(&minsheng_store::Scope::all()).await.map_err(|e| e.to_string())?;
        let matters = store.count_matters().await.map_err(|e| e.to_string())?;
        if !users.iter().any(|u| u.username == "clerk") || matters == 0 {
            return Err(format!(
                "{url} holds data that is not a finished demo (another installation, or an interrupted \
                 build); use an empty database, or --fresh for the SQLite demo directory"
            ));
        }
        println!("reusing the demo database at {url} (use --fresh to rebuild)");
        featured_logins(&state.org())
    };
    state.reload().await.map_err(|e| e.to_string())?;
    if args.no_serve {
        store.close().await;
        print_logins(None, &logins);
        return Ok(ExitCode::SUCCESS);
    }
    let listen = args.listen.clone();
    serve::serve(state, &listen, || print_logins(Some(&listen), &logins)).await
}

async fn build_org(store: &dyn Store) -> Result<(), String> {
    let plan = county::plan()?;
    let mut ids: Vec<UnitId> = Vec::with_capacity(plan.len());
    let mut paths: Vec<String> = Vec::with_capacity(plan.len());
    for unit in &plan {
        let parent_path = unit.parent.and_then(|p| paths.get(p).cloned()).unwrap_or_else(|| "/".into());
        let made = store
            .create_unit(NewUnit {
                parent_id: unit.parent.and_then(|p| ids.get(p).copied()),
                kind: unit.kind,
                name: unit.name.clone(),
                code: unit.code.clone(),
                parent_path: parent_path.clone(),
            })
            .await
            .map_err(|e| format!("cannot create unit {}: {e}", unit.name))?;
        ids.push(made.id);
        paths.push(format!("{parent_path}{}/", made.id));
        // A professional committee's field is the first of its categories.
        let field = county::COMMITTEES.iter().find(|c| c.0 == unit.name).and_then(|c| c.2.first());
        if let Some(field) = field {
            store
                .set_committee_field(made.id, Some((*field).to_owned()))
                .await
                .map_err(|e| format!("cannot set the field of {}: {e}", unit.name))?;
        }
    }
    Ok(())
}

/// A login worth showing: (role in Chinese, username, unit).
pub type Login = (&'static str, String, String);

/// The township whose staff the printed logins feature: 枫桥镇, home of the Fengqiao experience.
const FEATURED_TOWNSHIP: &str = "枫桥镇";

fn township_suffix(code: Option<&str>) -> String {
    code.map(|c| c.chars().skip(6).collect()).unwrap_or_default()
}

fn featured_logins(org: &OrgTree) -> Vec<Login> {
    let name = |id: Option<UnitId>| id.map(|u| org.full_name(u)).unwrap_or_default();
    let county = org.iter().find(|u| u.parent_id.is_none()).map(|u| u.id);
    let by_name = |n: &str| org.iter().find(|u| u.name == n).map(|u| u.id);
    let fq = org.iter().find(|u| u.kind == UnitKind::Township && u.name == FEATURED_TOWNSHIP);
    let fq_suffix = township_suffix(fq.and_then(|u| u.code.as_deref()));
    let county_name = county.and_then(|c| org.get(c)).map(|u| u.name.clone()).unwrap_or_default();
    vec![
        ("系统管理员 admin", "admin".into(), county_name.clone()),
        ("领导 leader", "leader".into(), county_name.clone()),
        ("登记员 clerk (county centre)", "clerk".into(), county_name.clone()),
        ("登记员 clerk (township)", format!("clerk_{fq_suffix}"), FEATURED_TOWNSHIP.into()),
        ("承办人 handler", "handler_zjj".into(), name(by_name("市住房和城乡建设局"))),
        ("调解员 mediator", format!("mediator_{fq_suffix}"), format!("{FEATURED_TOWNSHIP}人民调解委员会")),
        ("网格员 grid worker", format!("grid_{fq_suffix}"), FEATURED_TOWNSHIP.into()),
        ("审计 auditor", "auditor".into(), county_name),
    ]
}

async fn build_users(store: &dyn Store, org: &OrgTree) -> Result<Vec<Login>, String> {
    let hash = tokio::task::spawn_blocking(|| minsheng_web::auth::hash_password(DEMO_PASSWORD))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{e:?}"))?;
    let county = org.iter().find(|u| u.parent_id.is_none()).map(|u| u.id).ok_or("no county")?;
    let unit_named = |n: &str| org.iter().find(|u| u.name == n).map(|u| u.id).ok_or(format!("no unit {n}"));
    let mut users: Vec<(String, String, Role, UnitId)> = vec![
        ("admin".into(), "系统管理员".into(), Role::Admin, county),
        ("leader".into(), "王副市长".into(), Role::Leader, county),
        ("auditor".into(), "监督员".into(), Role::Auditor, county),
        // The county centre's intake clerks register matters anywhere in the county.
        ("clerk".into(), "市社会治理中心登记员".into(), Role::Clerk, county),
    ];
    for (name, login, _) in county::DEPARTMENTS {
        users.push((format!("handler_{login}"), format!("{name}承办人"), Role::Handler, unit_named(name)?));
    }
    for (name, login, _) in county::COMMITTEES {
        users.push((format!("mediator_{login}"), format!("{name}调解员"), Role::Mediator, unit_named(name)?));
    }
    for township in org.iter().filter(|u| u.kind == UnitKind::Township) {
        let suffix = township_suffix(township.code.as_deref());
        let committee = unit_named(&format!("{}人民调解委员会", township.name))?;
        users.push((format!("clerk_{suffix}"), format!("{}登记员", township.name), Role::Clerk, township.id));
        users.push((
            format!("leader_{suffix}"),
            format!("{}分管领导", township.name),
            Role::Leader,
            township.id,
        ));
        users.push((
            format!("mediator_{suffix}"),
            format!("{}调解员", township.name),
            Role::Mediator,
            committee,
        ));
        // A grid worker for every grid; the township's first one has the short login.
        let villages = org.iter().filter(|v| v.kind == UnitKind::Village && v.parent_id == Some(township.id));
        for (v, village) in villages.enumerate() {
            let grids = org.iter().filter(|g| g.kind == UnitKind::Grid && g.parent_id == Some(village.id));
            for (k, grid) in grids.enumerate() {
                let login = if v == 0 && k == 0 {
                    format!("grid_{suffix}")
                } else {
                    format!("grid_{}_{}", township_suffix(village.code.as_deref()), k + 1)
                };
                users.push((
                    login,
                    format!("{}{}网格员", village.name, grid.name),
                    Role::GridWorker,
                    grid.id,
                ));
            }
        }
    }
    // The featured township's villages have committees of their own, with a mediator each.
    for committee in org.iter().filter(|u| u.kind == UnitKind::Committee) {
        let village = committee.parent_id.and_then(|p| org.get(p)).filter(|v| v.kind == UnitKind::Village);
        if let Some(village) = village {
            users.push((
                format!("mediator_v{}", township_suffix(village.code.as_deref())),
                format!("{}调解员", village.name),
                Role::Mediator,
                committee.id,
            ));
        }
    }
    let now = jiff::Timestamp::now();
    for (username, display_name, role, unit_id) in users {
        let made = store
            .create_user(NewUser {
                username,
                display_name,
                role,
                unit_id,
                password_hash: hash.clone(),
                created_at: now,
            })
            .await
            .map_err(|e| e.to_string())?;
        // Mediators take on their committee's field; township and village ones, everyday
        // disputes.
        if role == Role::Mediator {
            let name = org.get(unit_id).map(|u| u.name.as_str()).unwrap_or_default();
            let specialities =
                county::COMMITTEES.iter().find(|c| c.0 == name).map_or(county::EVERYDAY_DISPUTES, |c| c.2);
            store
                .set_mediator_specialities(made.id, specialities.iter().map(|c| (*c).to_owned()).collect())
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(featured_logins(org))
}

/// `text` padded with spaces to `width` terminal columns (a Chinese character takes two).
fn pad(text: &str, width: usize) -> String {
    let used = unicode_width::UnicodeWidthStr::width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(used).max(1)))
}

fn print_logins(listen: Option<&str>, logins: &[Login]) {
    println!();
    println!("民声 Minsheng demo — 诸暨市");
    if let Some(addr) = listen {
        println!("  address:  http://{addr}/   (API docs: http://{addr}/api/docs)");
    }
    println!("  password for every demo account: {DEMO_PASSWORD}");
    println!("  {}{}unit", pad("role", 32), pad("username", 18));
    for (role, username, unit) in logins {
        println!("  {}{}{unit}", pad(role, 32), pad(username, 18));
    }
    println!("  (every township has clerk_/leader_/mediator_/grid_ + the last three digits of its code,");
    println!("   every grid a grid_<village code>_<n> worker, every department a handler_<abbreviation>;");
    println!("   see GET /api/v1/users)");
    println!();
}
