//! `[store]` of `vigil.toml`: where the events are kept. `kind = "tantivy"` (the default) is the
//! index in the data directory; `kind = "clickhouse"` is a ClickHouse server or cluster
//! ([`vigil_clickhouse`]). The password is never in the config: it comes from a file
//! (`password_file`, readable by its owner only) or an environment variable (`password_env`).

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

/// `[store]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreFile {
    kind: Spanned<String>,
    #[serde(default)]
    url: Option<Spanned<String>>,
    #[serde(default)]
    database: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    password_file: Option<Spanned<String>>,
    #[serde(default)]
    password_env: Option<Spanned<String>>,
    #[serde(default)]
    cluster: Option<String>,
    #[serde(default)]
    shards: Option<Vec<String>>,
    /// Events per insert (default 50,000).
    #[serde(default)]
    batch: Option<usize>,
}

/// The ClickHouse settings of `[store]`, or `None` for the index.
pub(crate) fn settings(
    file: Option<StoreFile>,
    base: &Path,
    value_err: &dyn Fn(std::ops::Range<usize>, String, String) -> crate::config::ConfigError,
) -> Result<Option<vigil_clickhouse::Settings>, crate::config::ConfigError> {
    let Some(f) = file else { return Ok(None) };
    match f.kind.get_ref().as_str() {
        "tantivy" => return Ok(None),
        "clickhouse" => {}
        other => {
            return Err(value_err(
                f.kind.span(),
                "store.kind".into(),
                format!("{other:?}: use tantivy (the index, default) or clickhouse"),
            ));
        }
    }
    let url = f.url.ok_or_else(|| {
        value_err(
            f.kind.span(),
            "store.url".into(),
            "a clickhouse store needs its url (http://HOST:8123)".into(),
        )
    })?;
    let password = match (&f.password_file, &f.password_env) {
        (Some(p), _) => {
            let path = base.join(p.get_ref());
            let text = std::fs::read_to_string(&path).map_err(|e| {
                value_err(
                    p.span(),
                    "store.password_file".into(),
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            Some(text.trim_end_matches(['\n', '\r']).to_string())
        }
        (None, Some(v)) => Some(std::env::var(v.get_ref()).map_err(|_| {
            value_err(
                v.span(),
                "store.password_env".into(),
                format!("${} is not set", v.get_ref()),
            )
        })?),
        (None, None) => None,
    };
    let settings = vigil_clickhouse::Settings {
        url: url.get_ref().clone(),
        database: f.database.unwrap_or_else(|| "vigil".into()),
        user: f.user.unwrap_or_else(|| "default".into()),
        password,
        cluster: f.cluster,
        shards: f.shards.unwrap_or_default(),
        batch: f.batch.unwrap_or(50_000),
    };
    vigil_clickhouse::Store::new(&settings)
        .map_err(|e| value_err(url.span(), "store".into(), e.to_string()))?;
    Ok(Some(settings))
}
