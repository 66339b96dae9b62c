//! `vigil-corpus`: writes one log file per format plus `manifest.json` and the site's two
//! registers (`approvals.csv`, `accounts.csv`) into a directory.
//!
//! ```text
//! vigil-corpus --month 2026-11 --seed 1 --size 50MB --out DIR [--kinds auth_log,postgres] [--malformed N]
//! vigil-corpus --month 2026-11 --scale 1 --out DIR [--history 2026-08 [--history-scale 0.002]]
//! ```

use std::fs::{self, File};
use std::io::{BufWriter, Write};

use flate2::Compression;
use flate2::GzBuilder;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde::Serialize;
use vigil_corpus::{Kind, Manifest, Month, Size, Spec, generate, parse_size, register};

/// Deterministic generator of realistic logs of every format vigil reads.
#[derive(Debug, Parser)]
#[command(name = "vigil-corpus", version)]
struct Cli {
    /// The month the logs cover (zone Asia/Shanghai), YYYY-MM.
    #[arg(long, default_value = "2026-11")]
    month: String,
    /// Seed: the same seed and arguments give byte-identical files.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Target size of each file, e.g. 50MB, 512KiB, 2GB (K/M/G = 1000^n, KiB/MiB/GiB = 1024^n).
    #[arg(long, conflicts_with = "scale")]
    size: Option<String>,
    /// Instead of --size: a month of normal activity at this scale (1 = about 40 users).
    #[arg(long)]
    scale: Option<f64>,
    /// Directory to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Comma-separated kinds to write (default all): auth_log, rfc5424, auditd, postgres,
    /// mariadb_audit, mysql_general, app_json, restic, borg, backup_job.
    #[arg(long, value_delimiter = ',')]
    kinds: Vec<String>,
    /// Malformed lines to mix into each file (listed in the manifest).
    #[arg(long, default_value_t = 0)]
    malformed: u64,
    /// Also write the login log (auth_log) of an earlier month, YYYY-MM, gzipped under the name
    /// logrotate gives it (`auth.log-YYYYMMDD.gz`, the first day of the following month): a quiet
    /// month of history for the checks that look back (dormant accounts), listed in the
    /// manifest's `history`.
    #[arg(long)]
    history: Option<String>,
    /// The scale of the history month's normal activity.
    #[arg(long, default_value_t = 0.002)]
    history_scale: f64,
}

#[derive(Serialize)]
struct Index<'a> {
    month: &'a str,
    seed: u64,
    size: String,
    malformed: u64,
    files: &'a [Manifest],
    /// Files of earlier months (their lines and offsets are those of the uncompressed text).
    #[serde(skip_serializing_if = "<[Manifest]>::is_empty")]
    history: &'a [Manifest],
}

fn run(cli: &Cli) -> Result<()> {
    let month = Month::parse(&cli.month)
        .with_context(|| format!("--month {:?}: expected YYYY-MM", cli.month))?;
    let size = match (&cli.size, cli.scale) {
        (Some(s), _) => Size::Bytes(
            parse_size(s).with_context(|| format!("--size {s:?}: expected e.g. 50MB or 512KiB"))?,
        ),
        (None, Some(x)) if x.is_finite() && x >= 0.0 => Size::Scale(x),
        (None, Some(x)) => bail!("--scale {x}: expected a number >= 0"),
        (None, None) => Size::Scale(1.0),
    };
    let kinds: Vec<Kind> = if cli.kinds.is_empty() {
        Kind::ALL.to_vec()
    } else {
        cli.kinds
            .iter()
            .map(|k| Kind::from_name(k).with_context(|| format!("--kinds: unknown kind {k:?}")))
            .collect::<Result<_>>()?
    };
    fs::create_dir_all(&cli.out).with_context(|| format!("creating {}", cli.out.display()))?;
    let spec = Spec {
        month,
        seed: cli.seed,
        size,
        malformed: cli.malformed,
        history: false,
    };
    let history = match &cli.history {
        None => None,
        Some(h) => {
            let hm =
                Month::parse(h).with_context(|| format!("--history {h:?}: expected YYYY-MM"))?;
            if hm.start >= month.start {
                bail!("--history {h}: expected a month before {}", cli.month);
            }
            if !(cli.history_scale.is_finite() && cli.history_scale >= 0.0) {
                bail!(
                    "--history-scale {}: expected a number >= 0",
                    cli.history_scale
                );
            }
            Some(hm)
        }
    };
    let mut manifests = Vec::new();
    let all = Instant::now();
    for kind in kinds {
        let path = cli.out.join(kind.file_name());
        let started = Instant::now();
        let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        let m = generate(kind, &spec, &mut w)
            .and_then(|m| w.flush().map(|()| m))
            .with_context(|| format!("writing {}", path.display()))?;
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "vigil-corpus: {:<14} {:>10.1} MB {:>10} lines {:>3} planted  {:>6.2} s  {:>7.1} MB/s",
            kind.name(),
            m.bytes as f64 / 1e6,
            m.lines,
            m.planted.iter().filter(|p| p.event != "malformed").count(),
            secs,
            m.bytes as f64 / 1e6 / secs.max(1e-9),
        );
        manifests.push(m);
    }
    let mut history_manifests = Vec::new();
    if let Some(hm) = history {
        let started = Instant::now();
        let hspec = Spec {
            month: hm,
            seed: cli.seed,
            size: Size::Scale(cli.history_scale),
            malformed: 0,
            history: true,
        };
        let next = vigil_corpus::clock::tm_at(hm.end, vigil_corpus::clock::OFFSET);
        let name = format!(
            "{}-{:04}{:02}{:02}.gz",
            Kind::AuthLog.file_name(),
            next.year,
            next.month,
            next.day
        );
        let mut text = Vec::new();
        let mut m = generate(Kind::AuthLog, &hspec, &mut text)
            .with_context(|| format!("generating {name}"))?;
        m.file = name.clone();
        let path = cli.out.join(&name);
        let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        // No name and no time in the gzip header: the same arguments give the same bytes.
        let mut gz = GzBuilder::new()
            .mtime(0)
            .write(BufWriter::new(file), Compression::best());
        gz.write_all(&text)
            .and_then(|()| gz.finish())
            .and_then(|mut w| w.flush())
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!(
            "vigil-corpus: {:<14} {:>10.1} MB {:>10} lines {:>3} planted  {:>6.2} s  (history, gzipped)",
            name,
            m.bytes as f64 / 1e6,
            m.lines,
            m.planted.len(),
            started.elapsed().as_secs_f64(),
        );
        history_manifests.push(m);
    }
    let all_manifests: Vec<Manifest> = manifests
        .iter()
        .chain(history_manifests.iter())
        .cloned()
        .collect();
    for (name, text) in [
        (
            "approvals.csv",
            register::approvals_csv(&all_manifests, &month),
        ),
        ("accounts.csv", register::accounts_csv(&month)),
    ] {
        let path = cli.out.join(name);
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let index = Index {
        month: &cli.month,
        seed: cli.seed,
        size: match size {
            Size::Bytes(b) => format!("{b} bytes"),
            Size::Scale(s) => format!("scale {s}"),
        },
        malformed: cli.malformed,
        files: &manifests,
        history: &history_manifests,
    };
    let path = cli.out.join("manifest.json");
    let text = serde_json::to_string_pretty(&index)?;
    fs::write(&path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
    eprintln!(
        "vigil-corpus: wrote {} files, manifest.json, approvals.csv and accounts.csv to {} in {:.2} s",
        manifests.len() + history_manifests.len(),
        cli.out.display(),
        all.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vigil-corpus: {e:#}");
            ExitCode::from(2)
        }
    }
}
