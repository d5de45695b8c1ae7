//! Settings for `minsheng serve`: from flags, `MINSHENG_*` environment variables, and an
//! optional TOML file, in that order of precedence, then built-in defaults.

use serde::Deserialize;
use std::path::Path;

/// The TOML config file. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub log_format: Option<String>,
    pub body_limit_bytes: Option<usize>,
    pub token_ttl_hours: Option<i64>,
    pub root_unit_name: Option<String>,
    pub session_hours: Option<i64>,
    pub secure_cookies: Option<bool>,
    pub attachments_dir: Option<std::path::PathBuf>,
    pub time_zone: Option<String>,
    pub cjk_font: Option<std::path::PathBuf>,
    pub search_dir: Option<std::path::PathBuf>,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> Result<Self, String> {
        let Some(path) = path else { return Ok(Self::default()) };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("config file {}: {e}", path.display()))
    }
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE: &str = "minsheng-data/minsheng.db";

/// Uploaded files live beside a SQLite database, or under `minsheng-data/` for PostgreSQL.
pub fn attachments_dir_for(database_url: &str) -> std::path::PathBuf {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        return std::path::PathBuf::from("minsheng-data/attachments");
    }
    let path = std::path::Path::new(database_url.strip_prefix("sqlite://").unwrap_or(database_url));
    path.parent().unwrap_or(std::path::Path::new(".")).join("attachments")
}

/// This node's search index lives beside a SQLite database, or under `minsheng-data/` for
/// PostgreSQL (each node keeps its own and follows the shared log).
pub fn search_dir_for(database_url: &str) -> std::path::PathBuf {
    attachments_dir_for(database_url).with_file_name("search")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_known_keys_and_names_unknown_ones() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.toml");
        std::fs::write(&good, "listen = \"0.0.0.0:9000\"\ntoken_ttl_hours = 12\n").unwrap();
        let config = FileConfig::load(Some(&good)).unwrap();
        assert_eq!((config.listen.as_deref(), config.token_ttl_hours), (Some("0.0.0.0:9000"), Some(12)));
        assert!(config.database_url.is_none());

        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "listne = \"x\"\n").unwrap();
        let err = FileConfig::load(Some(&bad)).unwrap_err();
        assert!(err.contains("listne"), "{err}");
        assert!(
            FileConfig::load(Some(&dir.path().join("missing.toml"))).unwrap_err().contains("cannot read")
        );
        assert!(FileConfig::load(None).unwrap().listen.is_none());
    }
}
