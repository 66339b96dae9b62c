//! Times the artefact verifier on its own, for `bench/backups.sh` until `vigil backups verify`
//! exists: hashes every file the glob matches against the manifest and prints the rate.
//!
//! ```text
//! verify_artefacts MANIFEST GLOB [THREADS] [--deep] [--progress]
//! ```
//!
//! MANIFEST is a sha256sum file, a glob of per-run manifests (if it holds `*`), or `-` for none.
//! THREADS defaults to 0 (the available parallelism). Every file is "of the window" (all hashed).
//! Prints one line `files N, bytes B, seconds S, MB/s R, problems P`, then one line per problem;
//! exits 1 when there is a problem, 2 when the verifier could not run.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::UNIX_EPOCH;

use vigil_backups::artefacts::{ArtefactSpec, Manifest, VerifyOptions, verify};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags: Vec<&str> = args
        .iter()
        .filter(|a| a.starts_with("--"))
        .map(String::as_str)
        .collect();
    let pos: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(String::as_str)
        .collect();
    let (manifest, pattern) = match pos.as_slice() {
        [m, g, ..] => (*m, *g),
        _ => {
            eprintln!("usage: verify_artefacts MANIFEST GLOB [THREADS] [--deep] [--progress]");
            return ExitCode::from(2);
        }
    };
    let threads = match pos.get(2).map(|t| t.parse::<usize>()) {
        None => 0,
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            eprintln!("THREADS: {e}");
            return ExitCode::from(2);
        }
    };
    let spec = ArtefactSpec {
        patterns: vec![pattern.to_string()],
        manifest: match manifest {
            "-" => None,
            m if m.contains('*') => Some(Manifest::PerRun(m.to_string())),
            m => Some(Manifest::File(PathBuf::from(m))),
        },
    };
    let opts = VerifyOptions {
        deep: flags.contains(&"--deep"),
        threads,
        progress: flags.contains(&"--progress"),
        since: UNIX_EPOCH,
        sample: None,
        state: None,
    };
    let report = match verify(&spec, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("verify_artefacts: {e}");
            return ExitCode::from(2);
        }
    };
    let problems: Vec<_> = report.problems().collect();
    println!(
        "files {}, bytes {}, seconds {:.3}, MB/s {:.0}, problems {}",
        report.files.len(),
        report.bytes_hashed,
        report.seconds,
        report.bytes_hashed as f64 / 1e6 / report.seconds.max(1e-9),
        problems.len()
    );
    for p in &problems {
        println!("{}: {}", p.path.display(), p.status);
    }
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
