//! What the CLI tests share: running the binary, and a copy of the samples whose files carry
//! the time just after the month they cover.

#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// 2026-12-01T00:00:00+08:00.
pub const AFTER_THE_MONTH: u64 = 1_796_054_400;

pub fn vigil(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .unwrap()
}

/// `vigil --config vigil.toml --data data ARGS` in `dir`: a copy of the samples or a site made by
/// a test, with its data directory inside.
pub fn vigil_in(dir: &Path, args: &[&str]) -> Output {
    vigil(
        dir,
        &[&["--config", "vigil.toml", "--data", "data"], args].concat(),
    )
}

/// `vigil_in`, which must succeed: a failure shows vigil's stderr.
pub fn vigil_ok(dir: &Path, args: &[&str]) -> Output {
    let out = vigil_in(dir, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "vigil {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            let when = SystemTime::UNIX_EPOCH + Duration::from_secs(AFTER_THE_MONTH);
            std::fs::File::options()
                .write(true)
                .open(&target)
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
    }
}

/// A copy of `samples/` in a fresh directory; `--data` goes inside it.
///
/// The store matrix: with `VIGIL_TEST_CLICKHOUSE=URL1,URL2` (the HTTP urls of the two shards of
/// a ClickHouse cluster named `vigil_cluster`, as `.ci/run` starts one), the copy's config gets a
/// `[store]` in a database of its own, and the tests that use the copy run against ClickHouse.
pub fn samples_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vigil-check-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&root().join("samples"), &dir);
    if let Ok(shards) = std::env::var("VIGIL_TEST_CLICKHOUSE") {
        let shards: Vec<&str> = shards.split(',').collect();
        let db: String = format!("t{}_{name}", std::process::id())
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let list: Vec<String> = shards.iter().map(|s| format!("{s:?}")).collect();
        let config = std::fs::read_to_string(dir.join("vigil.toml")).unwrap();
        std::fs::write(
            dir.join("vigil.toml"),
            format!(
                "{config}\n[store]\nkind = \"clickhouse\"\nurl = {:?}\ndatabase = \"{db}\"\ncluster = \"vigil_cluster\"\nshards = [{}]\n",
                shards[0],
                list.join(", ")
            ),
        )
        .unwrap();
    }
    dir
}

/// A copy of the samples (see [`samples_copy`]) ingested once per test binary: the tests of a
/// file share it. `name` names the copy the first call makes.
pub fn ingested_samples(name: &str) -> &'static PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = samples_copy(name);
        vigil_ok(&dir, &["ingest"]);
        dir
    })
}

/// Starts `vigil --config vigil.toml --data data watch OPTS` in `dir`, its stderr kept for
/// [`stop_watch`].
pub fn start_watch_in(dir: &Path, opts: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["--config", "vigil.toml", "--data", "data", "watch"])
        .args(opts)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Stops a watch as an operator does (SIGINT) and waits: its exit code and stderr.
pub fn stop_watch(mut watch: std::process::Child) -> (Option<i32>, String) {
    Command::new("kill")
        .args(["-INT", &watch.id().to_string()])
        .status()
        .unwrap();
    let status = watch.wait().unwrap();
    let mut err = String::new();
    if let Some(mut e) = watch.stderr.take() {
        std::io::Read::read_to_string(&mut e, &mut err).unwrap();
    }
    (status.code(), err)
}

/// The count `vigil search QUERY --count` prints in `dir`, which must succeed.
pub fn count_in(dir: &Path, query: &str) -> usize {
    let out = vigil_in(dir, &["search", query, "--count"]);
    assert!(
        out.status.success(),
        "search {query}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Polls until `query` counts at least `n` events in `dir` (0 while there is no index yet), or
/// two minutes pass; the last count.
pub fn wait_for_count(dir: &Path, query: &str, n: usize) -> usize {
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let out = vigil_in(dir, &["search", query, "--count"]);
        let got: usize = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(0);
        if got >= n || std::time::Instant::now() > deadline {
            return got;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// [`vigil_in`] with environment variables set.
pub fn vigil_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["--config", "vigil.toml", "--data", "data"])
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .output()
        .unwrap()
}
