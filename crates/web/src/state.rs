//! What every request handler shares: the store, cached copies of the org tree and the
//! category catalogue, the clock, metrics and settings.

use crate::clock::Clock;
use crate::ops::Metrics;
use minsheng_domain::calendar::Calendar;
use minsheng_domain::policy::Policies;
use minsheng_domain::{Actor, Catalogue, Context, OrgTree};
use minsheng_store::{Store, StoreError};
use std::sync::{Arc, RwLock};

/// Tunables of the HTTP layer.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long an API token lives.
    pub token_ttl: jiff::SignedDuration,
    /// How long a browser session lives.
    pub session_ttl: jiff::SignedDuration,
    /// Mark cookies `Secure` (set when the site is served over HTTPS).
    pub secure_cookies: bool,
    /// Where uploaded files are kept (content-addressed by SHA-256).
    pub attachments_dir: std::path::PathBuf,
    /// The deployment's time zone: days and deadlines are counted in it.
    pub time_zone: jiff::tz::TimeZone,
    /// The CJK font PDF letters are set in; by default the first of Debian's Noto CJK faces.
    pub cjk_font: Option<std::path::PathBuf>,
    /// Where this node keeps its search index; none keeps it in memory (rebuilt at each start).
    pub search_dir: Option<std::path::PathBuf>,
}

/// The time zone named by `name` (IANA), falling back to China Standard Time, which has had
/// no daylight saving since 1991, when the system has no time-zone database.
pub fn time_zone(name: &str) -> Result<jiff::tz::TimeZone, String> {
    match jiff::tz::TimeZone::get(name) {
        Ok(tz) => Ok(tz),
        Err(_) if name == "Asia/Shanghai" => Ok(jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8))),
        Err(e) => Err(format!("unknown time zone {name}: {e}")),
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            body_limit: 256 * 1024,
            token_ttl: jiff::SignedDuration::from_hours(24 * 30),
            session_ttl: jiff::SignedDuration::from_hours(12),
            secure_cookies: false,
            attachments_dir: std::path::PathBuf::from("minsheng-data/attachments"),
            time_zone: jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(8)),
            cjk_font: None,
            search_dir: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub metrics: Metrics,
    pub settings: Settings,
    pub tokens: crate::auth::TokenCache,
    pub exports: crate::ui::export::Jobs,
    /// The full-text index, following the event log.
    pub search: Arc<crate::search::Search>,
    /// Every matter's MinHash signature, for similar matters.
    pub similar: crate::similar::Similarity,
    /// The three-colour warning evaluator's memory.
    pub warnings: crate::warnings::Warnings,
    org: RwLock<Arc<OrgTree>>,
    catalogue: RwLock<Arc<Catalogue>>,
    calendar: RwLock<Arc<Calendar>>,
    policies: RwLock<Arc<Policies>>,
    /// The PDF font, loaded at the first letter (20 MB: not before it is needed).
    cjk: std::sync::OnceLock<Result<minsheng_docs::CjkFont, String>>,
    /// When the org tree was last reread because a request named an unknown unit.
    last_miss: std::sync::Mutex<Option<std::time::Instant>>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub async fn load(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: Settings,
    ) -> Result<Self, StoreError> {
        let calendar =
            Calendar::builtin(settings.time_zone.clone()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let index = match &settings.search_dir {
            Some(dir) => minsheng_search::index::SearchIndex::open(dir),
            None => minsheng_search::index::SearchIndex::in_memory(),
        }
        .map_err(|e| StoreError::Corrupt(format!("search index: {e}")))?;
        let similar = crate::similar::Similarity::open(settings.search_dir.as_ref())?;
        let state = Self(Arc::new(Inner {
            store,
            clock,
            metrics: Metrics::default(),
            settings,
            tokens: crate::auth::TokenCache::default(),
            exports: crate::ui::export::Jobs::default(),
            search: crate::search::Search::new(index),
            similar,
            warnings: crate::warnings::Warnings::default(),
            org: RwLock::new(Arc::new(OrgTree::default())),
            catalogue: RwLock::new(Arc::new(Catalogue::default())),
            calendar: RwLock::new(Arc::new(calendar)),
            policies: RwLock::new(Arc::new(Policies::defaults())),
            last_miss: std::sync::Mutex::new(None),
            cjk: std::sync::OnceLock::new(),
        }));
        state.reload().await?;
        Ok(state)
    }

    /// Rereads the org tree, the catalogue, the holiday notices and the time-limit policies
    /// from the store (after a change, or when another node may have made one).
    pub async fn reload(&self) -> Result<(), StoreError> {
        let units = self.store.units().await?;
        let org = OrgTree::new(units).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let catalogue = Catalogue::new(self.store.categories().await?);
        if let Ok(mut o) = self.org.write() {
            *o = Arc::new(org);
        }
        if let Ok(mut c) = self.catalogue.write() {
            *c = Arc::new(catalogue);
        }
        self.reload_clocks().await
    }

    /// Rereads the holiday notices and the time-limit policies.
    pub async fn reload_clocks(&self) -> Result<(), StoreError> {
        let corrupt = |e: String| StoreError::Corrupt(e);
        let mut calendar =
            Calendar::builtin(self.settings.time_zone.clone()).map_err(|e| corrupt(e.to_string()))?;
        for notice in self.store.calendar_notices().await? {
            calendar.apply(&notice).map_err(|e| corrupt(format!("notice {}: {e}", notice.year)))?;
        }
        let policies = match self.store.setting(crate::api::calendar::POLICIES_KEY).await? {
            Some(json) => serde_json::from_str(&json).map_err(|e| corrupt(format!("policies: {e}")))?,
            None => Policies::defaults(),
        };
        if let Ok(mut c) = self.calendar.write() {
            *c = Arc::new(calendar);
        }
        if let Ok(mut p) = self.policies.write() {
            *p = Arc::new(policies);
        }
        Ok(())
    }

    pub fn calendar(&self) -> Arc<Calendar> {
        Arc::clone(&self.calendar.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    pub fn policies(&self) -> Arc<Policies> {
        Arc::clone(&self.policies.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// The font PDF letters are set in, loaded on first use (blocking: call it off the async
    /// threads).
    pub fn cjk_font(&self) -> Result<minsheng_docs::CjkFont, String> {
        self.cjk
            .get_or_init(|| {
                minsheng_docs::CjkFont::find(self.settings.cjk_font.as_deref()).map_err(|e| e.to_string())
            })
            .clone()
    }

    /// Everything a domain decision needs besides the actor and the time.
    pub fn knowledge(&self, org: Arc<OrgTree>) -> Knowledge {
        Knowledge { org, catalogue: self.catalogue(), calendar: self.calendar(), policies: self.policies() }
    }

    pub fn org(&self) -> Arc<OrgTree> {
        self.org.read().map(|o| Arc::clone(&o)).unwrap_or_default()
    }

    pub fn catalogue(&self) -> Arc<Catalogue> {
        self.catalogue.read().map(|c| Arc::clone(&c)).unwrap_or_default()
    }

    /// The org tree, reloaded first if it does not know every one of `units` (another node
    /// may have added them). Misses reload at most once a second, so requests naming made-up
    /// units cannot make every request reread the tree.
    pub async fn org_knowing(&self, units: &[i64]) -> Arc<OrgTree> {
        let org = self.org();
        if units.iter().all(|u| org.contains(minsheng_domain::UnitId(*u))) {
            return org;
        }
        let now = std::time::Instant::now();
        let due = match self.last_miss.lock() {
            Ok(mut last)
                if last.is_none_or(|t| now.duration_since(t) >= std::time::Duration::from_secs(1)) =>
            {
                *last = Some(now);
                true
            }
            _ => false,
        };
        if !due {
            return org;
        }
        if let Err(e) = self.reload().await {
            tracing::warn!(error = %e, "could not reload the org tree");
        }
        self.org()
    }
}

/// A consistent set of the cached reference data a decision reads.
#[derive(Clone)]
pub struct Knowledge {
    pub org: Arc<OrgTree>,
    pub catalogue: Arc<Catalogue>,
    pub calendar: Arc<Calendar>,
    pub policies: Arc<Policies>,
}

impl Knowledge {
    pub fn ctx(&self, actor: Actor, now: jiff::Timestamp) -> Context<'_> {
        Context {
            actor,
            now,
            org: &self.org,
            catalogue: &self.catalogue,
            calendar: &self.calendar,
            policies: &self.policies,
        }
    }
}
