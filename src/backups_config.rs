//! The `[[backups]]` tables of `vigil.toml`: each backup job's schedule, which events are its
//! runs, its size expectation and where its artefacts are, read into [`vigil_backups::jobs::Job`]
//! and the artefacts' places. Every value is checked here, so a mistake names its key and line.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::TimeDelta;
use serde::Deserialize;
use toml::Spanned;
use vigil_backups::jobs::{Job, RunFilter, Schedule, SizeRule, parse_size};
use vigil_checks::policy::parse_duration;

use crate::config::{ConfigError, ValueErr, parse_zone};

/// One cron expression, or several.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// One `[[backups]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackupFile {
    /// The job's name, unique.
    name: Spanned<String>,
    /// A cron expression (`0 2 * * *`) or a list of them.
    schedule: Spanned<OneOrMany>,
    /// The zone the schedule is read in (default: the policy's zone).
    #[serde(default)]
    zone: Option<Spanned<String>>,
    /// How long after its scheduled time a run may finish and still be on time (default `2h`).
    #[serde(default)]
    grace: Option<Spanned<String>>,
    /// The source whose events are the job's runs.
    source: Spanned<String>,
    /// Only events of this job name (`fields.job`, or the target).
    #[serde(default)]
    job: Option<String>,
    /// Only events of this host.
    #[serde(default)]
    host: Option<String>,
    /// Only runs with this tag.
    #[serde(default)]
    tag: Option<String>,
    /// Where the job's artefacts land: globs or directories, relative to the config's folder.
    #[serde(default)]
    artefacts: Vec<String>,
    /// One sha256sum manifest for the artefacts.
    #[serde(default)]
    manifest: Option<Spanned<String>>,
    /// A manifest per run, found by this glob.
    #[serde(default)]
    manifests: Option<Spanned<String>>,
    /// The smallest size a run may have (`1GB`).
    #[serde(default)]
    size_min: Option<Spanned<String>>,
    /// The largest.
    #[serde(default)]
    size_max: Option<Spanned<String>>,
    /// Not below this share of the median of the last 7 runs (`80%`).
    #[serde(default)]
    size_not_below: Option<Spanned<String>>,
    /// The newest artefact may be at most this old (`26h`).
    #[serde(default)]
    max_age: Option<Spanned<String>>,
}

/// Where a job's artefacts are checked, as configured (paths absolute).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Artefacts {
    pub patterns: Vec<String>,
    /// One manifest file.
    pub manifest: Option<String>,
    /// A glob of per-run manifests.
    pub manifests: Option<String>,
}

/// A backup job, checked.
#[derive(Debug, Clone)]
pub struct BackupJob {
    pub job: Job,
    pub artefacts: Artefacts,
    pub max_age: Option<TimeDelta>,
}

fn absolute(base: &Path, p: &str) -> String {
    let path = Path::new(p);
    if path.is_absolute() {
        p.to_string()
    } else {
        base.join(path).to_string_lossy().into_owned()
    }
}

/// Checks the `[[backups]]` tables. `zone` is the default zone, `sources` the configured source
/// names, `base` the config's folder.
pub(crate) fn backups(
    files: Vec<BackupFile>,
    zone: chrono_tz::Tz,
    sources: &BTreeSet<String>,
    base: &Path,
    err: ValueErr,
) -> Result<Vec<BackupJob>, ConfigError> {
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for (n, b) in files.into_iter().enumerate() {
        let key = |k: &str| format!("backups[{n}].{k}");
        let name = b.name.get_ref().trim().to_string();
        if name.is_empty() || !names.insert(name.clone()) {
            return Err(err(
                b.name.span(),
                key("name"),
                format!("{name:?}: a job needs a name of its own"),
            ));
        }
        let zone = match &b.zone {
            Some(z) => parse_zone(z.get_ref()).map_err(|m| err(z.span(), key("zone"), m))?,
            None => zone,
        };
        let exprs = match b.schedule.get_ref() {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        };
        let schedule = Schedule::parse(&exprs, zone)
            .map_err(|m| err(b.schedule.span(), key("schedule"), m))?;
        let duration =
            |v: &Option<Spanned<String>>, k: &str| -> Result<Option<TimeDelta>, ConfigError> {
                v.as_ref()
                    .map(|d| parse_duration(d.get_ref()).map_err(|m| err(d.span(), key(k), m)))
                    .transpose()
            };
        let grace = duration(&b.grace, "grace")?.unwrap_or(TimeDelta::hours(2));
        let max_age = duration(&b.max_age, "max_age")?;
        let source = b.source.get_ref().trim().to_string();
        if !sources.contains(&source) {
            return Err(err(
                b.source.span(),
                key("source"),
                format!(
                    "{source:?} is not a configured source; the sources are {}",
                    sources.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        let size = |v: &Option<Spanned<String>>, k: &str| -> Result<Option<u64>, ConfigError> {
            v.as_ref()
                .map(|s| parse_size(s.get_ref()).map_err(|m| err(s.span(), key(k), m)))
                .transpose()
        };
        let min_of_median = match &b.size_not_below {
            Some(p) => {
                let t = p.get_ref().trim();
                let v = t
                    .strip_suffix('%')
                    .and_then(|n| n.trim().parse::<f64>().ok())
                    .filter(|v| (0.0..=100.0).contains(v))
                    .ok_or_else(|| {
                        err(
                            p.span(),
                            key("size_not_below"),
                            format!("{t:?} is not a share; write it as 80%"),
                        )
                    })?;
                Some(v / 100.0)
            }
            None => None,
        };
        if b.manifest.is_some() && b.manifests.is_some() {
            let span = b.manifests.as_ref().map_or(0..0, Spanned::span);
            return Err(err(
                span,
                key("manifests"),
                "give either one manifest or a glob of manifests, not both".into(),
            ));
        }
        if (b.manifest.is_some() || b.manifests.is_some()) && b.artefacts.is_empty() {
            let span = b
                .manifest
                .as_ref()
                .or(b.manifests.as_ref())
                .map_or(0..0, Spanned::span);
            return Err(err(
                span,
                key("artefacts"),
                "a manifest needs the artefacts it covers: list them in artefacts".into(),
            ));
        }
        out.push(BackupJob {
            job: Job {
                name,
                schedule,
                grace,
                source,
                filter: RunFilter {
                    job: b.job,
                    host: b.host,
                    tag: b.tag,
                },
                size: SizeRule {
                    min: size(&b.size_min, "size_min")?,
                    max: size(&b.size_max, "size_max")?,
                    min_of_median,
                },
            },
            artefacts: Artefacts {
                patterns: b.artefacts.iter().map(|p| absolute(base, p)).collect(),
                manifest: b.manifest.map(|m| absolute(base, m.get_ref())),
                manifests: b.manifests.map(|m| absolute(base, m.get_ref())),
            },
            max_age,
        });
    }
    Ok(out)
}
