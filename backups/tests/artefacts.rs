//! The artefact verifier on generated artefact trees in temporary folders: manifests (one file,
//! per run, relative and binary-mode lines, bad lines), every verdict, `deep` decompression, the
//! rolling re-hash sample and its state, and the hashes against known values and `sha256sum`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use vigil_backups::artefacts::{
    ArtefactReport, ArtefactSpec, Error, FileStatus, Manifest, VerifyOptions, sha256_file, verify,
};

const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const MILLION_A: &str = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

/// Deterministic incompressible-ish bytes.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    if let Some(d) = path.parent() {
        fs::create_dir_all(d).unwrap();
    }
    fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

fn set_mtime(path: &Path, t: SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

/// A sha256sum manifest at `manifest` of `files`, names relative to the manifest's folder.
fn write_manifest(manifest: &Path, files: &[&Path]) {
    let dir = manifest.parent().unwrap();
    let mut text = String::new();
    for f in files {
        let rel = f.strip_prefix(dir).unwrap();
        text += &format!("{}  {}\n", sha(&fs::read(f).unwrap()), rel.display());
    }
    write(manifest, text.as_bytes());
}

fn opts() -> VerifyOptions {
    VerifyOptions {
        deep: false,
        threads: 2,
        progress: false,
        since: UNIX_EPOCH,
        sample: None,
        state: None,
    }
}

fn spec(patterns: &[&Path], manifest: Option<Manifest>) -> ArtefactSpec {
    ArtefactSpec {
        patterns: patterns
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
        manifest,
    }
}

/// Status by file name.
fn statuses(r: &ArtefactReport) -> BTreeMap<String, FileStatus> {
    r.files
        .iter()
        .map(|f| {
            (
                f.path.file_name().unwrap().to_string_lossy().into_owned(),
                f.status.clone(),
            )
        })
        .collect()
}

fn count(r: &ArtefactReport, s: &FileStatus) -> usize {
    r.files.iter().filter(|f| &f.status == s).count()
}

/// Five artefacts of different sizes in `dir/db`, and `dir/db/SHA256SUMS` over them.
fn tree(dir: &Path) -> (Vec<PathBuf>, PathBuf) {
    let files: Vec<PathBuf> = (0..5)
        .map(|i| {
            write(
                &dir.join(format!("db/2026-11-0{i}.dump")),
                &noise(i, 1000 + 70_000 * i as usize),
            )
        })
        .collect();
    let sums = dir.join("db/SHA256SUMS");
    write_manifest(
        &sums,
        &files.iter().map(PathBuf::as_path).collect::<Vec<_>>(),
    );
    (files, sums)
}

#[test]
fn all_good() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, sums) = tree(tmp.path());
    let glob = tmp.path().join("db/*.dump");
    let r = verify(&spec(&[&glob], Some(Manifest::File(sums))), &opts()).unwrap();
    assert_eq!(r.files.len(), 5);
    assert_eq!(count(&r, &FileStatus::Ok), 5);
    assert_eq!(r.problems().count(), 0);
    let total: u64 = files.iter().map(|f| fs::metadata(f).unwrap().len()).sum();
    assert_eq!(r.bytes_hashed, total);
    for (f, res) in files.iter().zip(&r.files) {
        assert_eq!(&res.path, f);
        assert_eq!(
            res.sha256.as_deref(),
            Some(sha(&fs::read(f).unwrap()).as_str())
        );
        assert_eq!(res.size, fs::metadata(f).unwrap().len());
        assert!(res.modified.is_some());
    }
    // The newest by modification time.
    let t = SystemTime::now() + Duration::from_secs(60);
    set_mtime(&files[2], t);
    let r = verify(&spec(&[&glob], None), &opts()).unwrap();
    assert_eq!(r.newest, Some((files[2].clone(), t)));
    // Without a manifest: hashed, all ok.
    assert_eq!(count(&r, &FileStatus::Ok), 5);
}

#[test]
fn one_byte_flipped_is_named_with_the_expected_hash() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, sums) = tree(tmp.path());
    let before = sha(&fs::read(&files[3]).unwrap());
    let mut bytes = fs::read(&files[3]).unwrap();
    bytes[12_345] ^= 0x01;
    fs::write(&files[3], &bytes).unwrap();
    let glob = tmp.path().join("db/*.dump");
    let r = verify(&spec(&[&glob], Some(Manifest::File(sums))), &opts()).unwrap();
    let problems: Vec<_> = r.problems().collect();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].path, files[3]);
    assert_eq!(
        problems[0].status,
        FileStatus::Mismatch {
            expected: before.clone()
        }
    );
    assert_eq!(problems[0].sha256.as_deref(), Some(sha(&bytes).as_str()));
    assert!(problems[0].status.to_string().contains(&before));
    assert_eq!(count(&r, &FileStatus::Ok), 4);
}

#[test]
fn manifest_line_for_a_file_that_is_gone_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, sums) = tree(tmp.path());
    fs::remove_file(&files[1]).unwrap();
    let glob = tmp.path().join("db/*.dump");
    let r = verify(&spec(&[&glob], Some(Manifest::File(sums))), &opts()).unwrap();
    assert_eq!(r.files.len(), 5);
    let problems: Vec<_> = r.problems().collect();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].path, files[1]);
    assert_eq!(problems[0].status, FileStatus::Missing);
    assert_eq!(problems[0].sha256, None);
    assert_eq!(count(&r, &FileStatus::Ok), 4);
}

#[test]
fn empty_file_and_file_not_in_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, sums) = tree(tmp.path());
    let empty = write(&tmp.path().join("db/2026-11-09.dump"), b"");
    let extra = write(&tmp.path().join("db/2026-11-10.dump"), b"abc");
    let glob = tmp.path().join("db/*.dump");
    let r = verify(&spec(&[&glob], Some(Manifest::File(sums))), &opts()).unwrap();
    let s = statuses(&r);
    assert_eq!(s["2026-11-09.dump"], FileStatus::Empty);
    assert_eq!(s["2026-11-10.dump"], FileStatus::NotInManifest);
    let extra_res = r.files.iter().find(|f| f.path == extra).unwrap();
    assert_eq!(extra_res.sha256.as_deref(), Some(ABC));
    let empty_res = r.files.iter().find(|f| f.path == empty).unwrap();
    assert_eq!(empty_res.size, 0);
    assert_eq!(r.problems().count(), 2);
    assert_eq!(count(&r, &FileStatus::Ok), 5);
    // An empty file listed with the empty hash is still empty: a backup is never empty.
    let sums2 = tmp.path().join("db/SUMS2");
    write(&sums2, format!("{EMPTY}  2026-11-09.dump\n").as_bytes());
    let r = verify(&spec(&[&empty], Some(Manifest::File(sums2))), &opts()).unwrap();
    assert_eq!(statuses(&r)["2026-11-09.dump"], FileStatus::Empty);
}

/// Like the `zstd` command: with the frame's content checksum.
fn zst(data: &[u8]) -> Vec<u8> {
    let mut e = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
    e.include_checksum(true).unwrap();
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn deep_finds_truncated_and_flipped_archives() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("arch");
    // Compressible content so that the archives have real structure.
    let data: Vec<u8> = (0..100_000u32)
        .flat_map(|i| format!("row {i} {}\n", i % 97).into_bytes())
        .collect();
    let good_zst = write(&d.join("good.zst"), &zst(&data));
    let good_gz = write(&d.join("good.gz"), &gz(&data));
    // Two frames, two members: both valid.
    let mut two = zst(&data[..1000]);
    two.extend(zst(&data[1000..5000]));
    let multi_zst = write(&d.join("multi.zstd"), &two);
    let mut two = gz(&data[..1000]);
    two.extend(gz(&data[1000..5000]));
    let multi_gz = write(&d.join("multi.tar.gz"), &two);
    // Found by magic bytes, whatever the name.
    let magic = zst(&data);
    let magic_zst = write(&d.join("dump.bin"), &magic[..magic.len() - 100]);
    let z = zst(&data);
    let cut_zst = write(&d.join("cut.zst"), &z[..z.len() / 2]);
    let g = gz(&data);
    let cut_gz = write(&d.join("cut.gz"), &g[..g.len() - 9]);
    let mut g = gz(&data);
    let mid = g.len() / 2;
    g[mid] ^= 0x10;
    let flip_gz = write(&d.join("flip.gz"), &g);
    let mut z = zst(&data);
    let mid = z.len() / 2;
    z[mid] ^= 0x10;
    let flip_zst = write(&d.join("flip.zst"), &z);
    let plain = write(&d.join("notes.txt"), b"not compressed");
    let all = [
        &good_zst, &good_gz, &multi_zst, &multi_gz, &magic_zst, &cut_zst, &cut_gz, &flip_gz,
        &flip_zst, &plain,
    ];
    // The manifest was written from the damaged files: only decompressing tells.
    let sums = d.join("SHA256SUMS");
    write_manifest(&sums, &all.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    let s = spec(&[&d], Some(Manifest::File(sums)));

    let r = verify(&s, &opts()).unwrap();
    assert_eq!(
        r.problems().count(),
        0,
        "{:?}",
        r.problems().collect::<Vec<_>>()
    );

    let deep = VerifyOptions {
        deep: true,
        ..opts()
    };
    let r = verify(&s, &deep).unwrap();
    let st = statuses(&r);
    for ok in [
        "good.zst",
        "good.gz",
        "multi.zstd",
        "multi.tar.gz",
        "notes.txt",
    ] {
        assert_eq!(st[ok], FileStatus::Ok, "{ok}");
    }
    for bad in ["dump.bin", "cut.zst", "cut.gz", "flip.gz", "flip.zst"] {
        assert!(
            matches!(&st[bad], FileStatus::Corrupt(e) if !e.is_empty()),
            "{bad}: {:?}",
            st[bad]
        );
    }
    // The hash is still computed over the whole file, in the same pass.
    for f in &r.files {
        assert_eq!(
            f.sha256.as_deref(),
            Some(sha(&fs::read(&f.path).unwrap()).as_str()),
            "{}",
            f.path.display()
        );
    }
    let total: u64 = all.iter().map(|f| fs::metadata(f).unwrap().len()).sum();
    assert_eq!(r.bytes_hashed, total);
}

#[test]
fn per_run_manifests() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("db");
    let mut runs = Vec::new();
    for day in 1..=3 {
        let a = write(
            &d.join(format!("2026-11-0{day}.base.zst")),
            &noise(day, 5000),
        );
        let b = write(
            &d.join(format!("2026-11-0{day}.wal.zst")),
            &noise(day + 10, 3000),
        );
        write_manifest(&d.join(format!("2026-11-0{day}.sha256")), &[&a, &b]);
        runs.push((a, b));
    }
    let s = spec(
        &[&d.join("*")],
        Some(Manifest::PerRun(
            d.join("*.sha256").to_string_lossy().into_owned(),
        )),
    );
    let r = verify(&s, &opts()).unwrap();
    // The manifests themselves are not artefacts.
    assert_eq!(r.files.len(), 6);
    assert_eq!(count(&r, &FileStatus::Ok), 6);

    let mut bytes = fs::read(&runs[1].1).unwrap();
    bytes[0] ^= 0x80;
    fs::write(&runs[1].1, &bytes).unwrap();
    fs::remove_file(&runs[2].0).unwrap();
    let r = verify(&s, &opts()).unwrap();
    let st = statuses(&r);
    assert!(matches!(
        st["2026-11-02.wal.zst"],
        FileStatus::Mismatch { .. }
    ));
    assert_eq!(st["2026-11-03.base.zst"], FileStatus::Missing);
    assert_eq!(r.problems().count(), 2);

    // A run whose manifest never came: its files are in no manifest.
    write(&d.join("2026-11-04.base.zst"), &noise(4, 100));
    let r = verify(&s, &opts()).unwrap();
    assert_eq!(
        statuses(&r)["2026-11-04.base.zst"],
        FileStatus::NotInManifest
    );
}

#[test]
fn bad_manifest_line_names_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, sums) = tree(tmp.path());
    let mut text = fs::read_to_string(&sums).unwrap();
    text.insert_str(0, "# comment\n\n");
    text += "d41d8cd98f00b204e9800998ecf8427e  md5sum.txt\n";
    fs::write(&sums, &text).unwrap();
    let err = verify(
        &spec(&[&files[0]], Some(Manifest::File(sums.clone()))),
        &opts(),
    )
    .unwrap_err();
    match &err {
        Error::ManifestLine { path, line, .. } => {
            assert_eq!(path, &sums);
            assert_eq!(*line, 8);
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains(&format!("{}:8:", sums.display())), "{msg}");
    assert!(msg.contains("<64 hex digits>  <path>"), "{msg}");

    // One space only.
    fs::write(&sums, format!("{ABC} x\n")).unwrap();
    let err = verify(
        &spec(&[&files[0]], Some(Manifest::File(sums.clone()))),
        &opts(),
    )
    .unwrap_err();
    assert!(err.to_string().contains(":1:"), "{err}");

    // A manifest that cannot be read.
    let gone = tmp.path().join("nope/SUMS");
    let err = verify(
        &spec(&[&files[0]], Some(Manifest::File(gone.clone()))),
        &opts(),
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::ManifestRead { ref path, .. } if path == &gone),
        "{err}"
    );

    // A bad glob.
    let err = verify(&spec(&[Path::new("/tmp/[x")], None), &opts()).unwrap_err();
    assert!(matches!(err, Error::Pattern { .. }), "{err}");
}

#[test]
fn rolling_sample_rehashes_each_older_file_once_per_cycle() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("db");
    let now = SystemTime::now();
    let since = now - Duration::from_secs(86_400);
    let mut older = Vec::new();
    for i in 0..8u64 {
        let f = write(&d.join(format!("old-{i}.zst")), &noise(i, 2000));
        set_mtime(&f, since - Duration::from_secs(86_400 * (i + 1)));
        older.push(f);
    }
    let window: Vec<PathBuf> = (0..2u64)
        .map(|i| write(&d.join(format!("new-{i}.zst")), &noise(100 + i, 2000)))
        .collect();
    let all: Vec<&Path> = older.iter().chain(&window).map(PathBuf::as_path).collect();
    let sums = d.join("SHA256SUMS");
    write_manifest(&sums, &all);
    let state = tmp.path().join("data/backup-state.json");
    let s = spec(&[&d.join("*.zst")], Some(Manifest::File(sums)));
    let o = VerifyOptions {
        since,
        sample: Some(0.25),
        state: Some(state.clone()),
        ..opts()
    };

    let mut rehashed: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for run in 0..4 {
        let r = verify(&s, &o).unwrap();
        assert_eq!(r.problems().count(), 0);
        let hashed: Vec<&PathBuf> = r
            .files
            .iter()
            .filter(|f| f.sha256.is_some())
            .map(|f| &f.path)
            .collect();
        for w in &window {
            assert!(
                hashed.contains(&w),
                "run {run}: the window is always hashed"
            );
        }
        let old_hashed: Vec<_> = r
            .files
            .iter()
            .filter(|f| older.contains(&f.path) && f.status == FileStatus::Ok)
            .collect();
        assert_eq!(old_hashed.len(), 2, "run {run}: ceil(0.25 x 8)");
        assert_eq!(count(&r, &FileStatus::NotSampled), 6, "run {run}");
        for f in &r.files {
            if f.status == FileStatus::NotSampled {
                assert!(older.contains(&f.path));
                assert_eq!(f.sha256, None);
            }
        }
        for f in old_hashed {
            *rehashed.entry(f.path.clone()).or_default() += 1;
        }
        // The state has an entry for every file hashed so far.
        let json: serde_json::Value = serde_json::from_slice(&fs::read(&state).unwrap()).unwrap();
        let entries = json["files"].as_object().unwrap();
        assert_eq!(entries.len(), 2 + 2 * (run + 1), "run {run}");
        assert!(entries.values().all(|e| e["ok"] == true));
    }
    assert_eq!(rehashed.len(), 8, "every older file once: {rehashed:?}");
    assert!(rehashed.values().all(|&n| n == 1), "{rehashed:?}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&state).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // No temporary file left beside it.
    assert_eq!(fs::read_dir(state.parent().unwrap()).unwrap().count(), 1);

    // The fifth run starts the next cycle with the least recently verified: run 1's.
    let first = verify(&s, &o).unwrap();
    let again: Vec<_> = first
        .files
        .iter()
        .filter(|f| older.contains(&f.path) && f.status == FileStatus::Ok)
        .map(|f| f.path.clone())
        .collect();
    assert_eq!(again.len(), 2);

    // An older file found wrong is re-hashed every run until fixed, on top of the sample.
    let mut bytes = fs::read(&older[5]).unwrap();
    bytes[7] ^= 1;
    fs::write(&older[5], &bytes).unwrap();
    set_mtime(&older[5], since - Duration::from_secs(3600));
    let mut mismatches = 0;
    for _ in 0..4 {
        let r = verify(&s, &o).unwrap();
        let st = statuses(&r);
        if matches!(st["old-5.zst"], FileStatus::Mismatch { .. }) {
            mismatches += 1;
        }
        let sampled_ok = r
            .files
            .iter()
            .filter(|f| older.contains(&f.path) && f.status == FileStatus::Ok)
            .count();
        assert!(sampled_ok >= 1);
    }
    // Picked by the sample at some point, then kept: at least the last three runs.
    assert!(mismatches >= 3, "{mismatches}");
}

#[test]
fn sample_needs_a_state_and_a_fraction() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, _) = tree(tmp.path());
    let s = spec(&[&files[0]], None);
    let e = verify(
        &s,
        &VerifyOptions {
            sample: Some(0.1),
            ..opts()
        },
    )
    .unwrap_err();
    assert!(matches!(e, Error::SampleWithoutState));
    let e = verify(
        &s,
        &VerifyOptions {
            sample: Some(1.5),
            state: Some(tmp.path().join("s.json")),
            ..opts()
        },
    )
    .unwrap_err();
    assert!(matches!(e, Error::BadSample(_)));
    // A state file that is not JSON.
    let st = write(&tmp.path().join("s.json"), b"{not json");
    let e = verify(
        &s,
        &VerifyOptions {
            sample: Some(0.5),
            state: Some(st),
            ..opts()
        },
    )
    .unwrap_err();
    assert!(matches!(e, Error::StateParse { .. }), "{e}");
}

#[test]
fn older_files_without_sample_are_not_rehashed() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, sums) = tree(tmp.path());
    let since = SystemTime::now() - Duration::from_secs(3600);
    for f in &files[..3] {
        set_mtime(f, since - Duration::from_secs(10));
    }
    let o = VerifyOptions { since, ..opts() };
    let r = verify(
        &spec(&[&tmp.path().join("db/*.dump")], Some(Manifest::File(sums))),
        &o,
    )
    .unwrap();
    assert_eq!(count(&r, &FileStatus::NotSampled), 3);
    assert_eq!(count(&r, &FileStatus::Ok), 2);
    let hashed: u64 = files[3..]
        .iter()
        .map(|f| fs::metadata(f).unwrap().len())
        .sum();
    assert_eq!(r.bytes_hashed, hashed);
}

#[test]
fn directory_pattern_recurses() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("backup");
    let a = write(&root.join("a.dump"), b"abc");
    let b = write(&root.join("x/b.dump"), &noise(1, 10));
    let c = write(&root.join("x/y/z/c.dump"), &noise(2, 70_000));
    let r = verify(&spec(&[&root], None), &opts()).unwrap();
    let paths: Vec<&PathBuf> = r.files.iter().map(|f| &f.path).collect();
    assert_eq!(paths, vec![&a, &b, &c]);
    assert_eq!(count(&r, &FileStatus::Ok), 3);
    // A glob matching a directory also means every file below it.
    let r = verify(&spec(&[&root.join("x")], None), &opts()).unwrap();
    assert_eq!(r.files.len(), 2);
    // Overlapping patterns find each file once.
    let r = verify(&spec(&[&root, &root.join("x/*"), &a], None), &opts()).unwrap();
    assert_eq!(r.files.len(), 3);
}

#[cfg(unix)]
#[test]
fn fifos_are_skipped_and_symlinks_to_files_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("backup");
    let a = write(&root.join("a.dump"), b"abc");
    std::os::unix::fs::symlink(&a, root.join("link.dump")).unwrap();
    std::os::unix::fs::symlink(tmp.path(), root.join("loop")).unwrap();
    std::os::unix::fs::symlink(root.join("gone"), root.join("dangling.dump")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(root.join("pipe"))
        .status()
        .is_ok_and(|s| s.success());
    let r = verify(&spec(&[&root], None), &opts()).unwrap();
    let st = statuses(&r);
    assert_eq!(st["a.dump"], FileStatus::Ok);
    assert_eq!(st["link.dump"], FileStatus::Ok);
    assert!(matches!(st["dangling.dump"], FileStatus::Unreadable(_)));
    assert_eq!(r.files.len(), 3, "{st:?}");
    if fifo {
        assert!(!st.contains_key("pipe"));
    }
}

#[test]
fn relative_and_binary_mode_manifest_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("backup");
    let a = write(&root.join("db/a.dump"), &noise(1, 1000));
    let b = write(&root.join("db/sub/b.dump"), &noise(2, 1000));
    let c = write(&root.join("other/c.dump"), &noise(3, 1000));
    let d = write(&root.join("db/with space.dump"), &noise(4, 1000));
    let e = write(&root.join("db/back\\slash.dump"), &noise(5, 1000));
    let h = |p: &Path| sha(&fs::read(p).unwrap());
    let text = format!(
        "{}  a.dump\n{} *./sub/b.dump\n{}  ../other/c.dump\n{} *{}\n{}  with space.dump\r\n\\{}  back\\\\slash.dump\n",
        h(&a),
        h(&b).to_uppercase(),
        h(&c),
        h(&d),
        d.display(),
        h(&d),
        h(&e),
    );
    let sums = write(&root.join("db/SHA256SUMS"), text.as_bytes());
    let r = verify(&spec(&[&root], Some(Manifest::File(sums))), &opts()).unwrap();
    assert_eq!(r.files.len(), 5, "{:?}", statuses(&r));
    assert_eq!(count(&r, &FileStatus::Ok), 5, "{:?}", statuses(&r));
    // A manifest reached through a relative path resolves against its own folder too.
    let here = std::env::current_dir().unwrap();
    let rel = pathdiff(&root.join("db/SHA256SUMS"), &here);
    let r = verify(&spec(&[&root], Some(Manifest::File(rel))), &opts()).unwrap();
    assert_eq!(count(&r, &FileStatus::Ok), 5);
}

/// `target` relative to `base` (both absolute), with `..` as needed.
fn pathdiff(target: &Path, base: &Path) -> PathBuf {
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    out
}

#[test]
fn manifest_file_outside_patterns_is_still_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, sums) = tree(tmp.path());
    // The pattern names two files; the manifest names five: the other three are checked too.
    let r = verify(
        &spec(&[&files[0], &files[1]], Some(Manifest::File(sums))),
        &opts(),
    )
    .unwrap();
    assert_eq!(count(&r, &FileStatus::Ok), 5);
}

#[test]
fn known_hashes() {
    let tmp = tempfile::tempdir().unwrap();
    let abc = write(&tmp.path().join("abc"), b"abc");
    assert_eq!(hex(&sha256_file(&abc).unwrap()), ABC);
    let empty = write(&tmp.path().join("empty"), b"");
    assert_eq!(hex(&sha256_file(&empty).unwrap()), EMPTY);
    let a = write(&tmp.path().join("million"), &vec![b'a'; 1_000_000]);
    assert_eq!(hex(&sha256_file(&a).unwrap()), MILLION_A);
    let r = verify(&spec(&[&a, &abc], None), &opts()).unwrap();
    let got: Vec<_> = r.files.iter().map(|f| f.sha256.clone().unwrap()).collect();
    assert_eq!(got, vec![ABC.to_string(), MILLION_A.to_string()]);
    assert!(sha256_file(&tmp.path().join("nope")).is_err());
}

#[test]
fn hashes_equal_sha256sum() {
    let tmp = tempfile::tempdir().unwrap();
    // Sizes around the buffer's edges and a few MB.
    let sizes = [
        1usize,
        63,
        64,
        65,
        65_535,
        65_536,
        65_537,
        1 << 20,
        3_000_001,
    ];
    let files: Vec<PathBuf> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| write(&tmp.path().join(format!("f{i:02}")), &noise(i as u64, n)))
        .collect();
    let r = verify(
        &spec(&[tmp.path()], None),
        &VerifyOptions {
            threads: 3,
            ..opts()
        },
    )
    .unwrap();
    for (f, res) in files.iter().zip(&r.files) {
        assert_eq!(
            res.sha256.as_deref(),
            Some(sha(&fs::read(f).unwrap()).as_str())
        );
    }
    let Ok(out) = std::process::Command::new("sha256sum")
        .args(&files)
        .output()
    else {
        eprintln!("sha256sum is not on PATH: compared with the sha2 crate only");
        return;
    };
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let theirs: Vec<&str> = text.lines().map(|l| &l[..64]).collect();
    let ours: Vec<&str> = r
        .files
        .iter()
        .map(|f| f.sha256.as_deref().unwrap())
        .collect();
    assert_eq!(ours, theirs);
}

#[test]
fn same_verdicts_whatever_the_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, sums) = tree(tmp.path());
    let mut bytes = fs::read(&files[0]).unwrap();
    bytes[0] ^= 1;
    fs::write(&files[0], bytes).unwrap();
    let s = spec(&[&tmp.path().join("db")], Some(Manifest::File(sums)));
    let runs: Vec<Vec<_>> = [0, 1, 2, 7]
        .iter()
        .map(|&t| {
            let r = verify(
                &s,
                &VerifyOptions {
                    threads: t,
                    ..opts()
                },
            )
            .unwrap();
            r.files
                .into_iter()
                .map(|f| (f.path, f.status, f.sha256))
                .collect()
        })
        .collect();
    assert!(runs.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(runs[0].len(), 5);
}

#[test]
fn json_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, sums) = tree(tmp.path());
    let mut bytes = fs::read(&files[0]).unwrap();
    bytes[0] ^= 1;
    fs::write(&files[0], bytes).unwrap();
    let r = verify(
        &spec(&[&tmp.path().join("db/*.dump")], Some(Manifest::File(sums))),
        &opts(),
    )
    .unwrap();
    let v = serde_json::to_value(&r).unwrap();
    let f0 = &v["files"][0];
    assert_eq!(f0["status"], "mismatch");
    assert_eq!(f0["expected"].as_str().unwrap().len(), 64);
    assert!(f0["modified"].as_str().unwrap().ends_with('Z'));
    assert_eq!(v["files"][1]["status"], "ok");
    assert!(v["files"][1].get("expected").is_none());
    assert!(v["newest"]["path"].is_string());
    assert!(v["bytes_hashed"].as_u64().unwrap() > 0);
    assert!(v["seconds"].as_f64().is_some());
    let st = serde_json::to_value(FileStatus::Corrupt("x".into())).unwrap();
    assert_eq!(st, serde_json::json!({"status": "corrupt", "error": "x"}));
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let f = write(&tmp.path().join("locked.dump"), b"abc");
    fs::set_permissions(&f, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&f).is_ok() {
        eprintln!("running as root: permissions do not stop reads, nothing to test");
        return;
    }
    let r = verify(&spec(&[&f], None), &opts()).unwrap();
    assert!(matches!(&r.files[0].status, FileStatus::Unreadable(e) if e.contains("ermission")));
}
