//! `--formats FILE`: the site's own formats (regex formats) and the JSON field mapping, read from
//! a TOML file. The same tables will sit in `vigil.toml` when the config arrives.
//!
//! ```toml
//! [json]                      # optional: the field mapping of `json` sources
//! actor = ["user", "operator"]
//!
//! [[formats]]                 # a regex format, named by sources or found by --format auto
//! name = "backup-job"
//! [[formats.patterns]]
//! regex = '^(?P<ts>\S+ \S+) \[(?P<target>[^\]]+)\] START'
//! ts_format = "%Y-%m-%d %H:%M:%S"
//! action = "backup.start"
//! ```

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use serde::Deserialize;
use vigil_parsers::json::JsonMapping;
use vigil_parsers::regex_format::{RegexFormat, RegexFormatConfig};

/// The file's tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormatsFile {
    /// The field mapping of `json` sources.
    #[serde(default)]
    json: Option<JsonMapping>,
    /// Regex formats.
    #[serde(default)]
    formats: Vec<RegexFormatConfig>,
}

/// Reads `path` into the parsers' options: its regex formats compiled, its JSON mapping checked.
/// Errors name the file and the key.
pub fn load(path: &Path, opts: &mut vigil_parsers::formats::Options) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file: FormatsFile = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text.get(..s.start).unwrap_or(&text).matches('\n').count() + 1)
            .unwrap_or(0);
        anyhow!("{}: line {line}: {}", path.display(), e.message())
    })?;
    if let Some(m) = file.json {
        m.validate()
            .map_err(|e| anyhow!("{}: [json]: {e}", path.display()))?;
        opts.json = m;
    }
    for cfg in &file.formats {
        if vigil_parsers::formats::BUILTIN.contains(&cfg.name.as_str()) {
            return Err(anyhow!(
                "{}: [[formats]] name {:?}: that is a built-in format's name; choose another",
                path.display(),
                cfg.name
            ));
        }
        let f = RegexFormat::compile(cfg)
            .map_err(|e| anyhow!("{}: [[formats]] {e}", path.display()))?;
        opts.regex.push(f);
    }
    Ok(())
}
