//! Hashing: sha256 streamed through one fixed buffer per worker, files spread over worker threads
//! that pull from one queue (largest first, so the big files do not end up last on one thread),
//! `deep` decompression in the same pass, and the progress line.
//!
//! With `deep`, a zstd or gzip artefact is read once: the worker reads and hashes each buffer and
//! hands it to a decoder on a thread of its own (a few buffers circulate between the two), whose
//! output is thrown away; so one big archive takes the longer of hashing and decoding, not their
//! sum. A decoding error makes the file corrupt; the rest of the file is still read and hashed so
//! the manifest comparison stays meaningful. An I/O error makes it unreadable.

use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// The read buffer, one per worker. Small on purpose: it has to stay in the CPU's cache between
/// the kernel's copy into it and the hashing. Measured on a 1 GiB file in the page cache (AMD EPYC,
/// SHA instructions), system time per GiB: 16-96 KiB 0.11-0.2 s, 128 KiB-4 MiB 0.45-0.7 s (the
/// copy then misses the cache), with the same user time; so 64 KiB hashes ~1.2 GB/s on one core
/// where 1 MiB does ~0.8 GB/s.
pub(crate) const BUF: usize = 64 << 10;
/// The decoder's output buffer, one per worker, with `deep`.
const OUT_BUF: usize = 256 << 10;

/// One file to hash; `index` is the caller's, returned with the outcome.
pub(crate) struct Job {
    pub(crate) index: usize,
    pub(crate) path: PathBuf,
    pub(crate) size: u64,
}

pub(crate) struct Hashed {
    pub(crate) sha256: [u8; 32],
    /// Bytes read and hashed.
    pub(crate) bytes: u64,
    /// `deep`: the decoder's error.
    pub(crate) corrupt: Option<String>,
}

/// `Err` holds the I/O error's text (the file is unreadable).
pub(crate) type Outcome = Result<Hashed, String>;

/// The sha256 of a file's contents, read through a fixed buffer (never the whole file in memory).
pub fn sha256_file(path: &Path) -> io::Result<[u8; 32]> {
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; BUF];
    let mut h = Sha256::new();
    hash_plain(&mut file, &mut h, &mut buf, &AtomicU64::new(0))?;
    Ok(h.finalize().into())
}

/// Hashes the jobs with `threads` workers (0: the available parallelism) and returns the outcomes
/// sorted by job index. The calling thread is one of the workers; if a thread cannot be started
/// the others do its share; if one panicked its files are absent from the result.
pub(crate) fn run(
    mut jobs: Vec<Job>,
    threads: usize,
    deep: bool,
    progress: bool,
) -> Vec<(usize, Outcome)> {
    if jobs.is_empty() {
        return Vec::new();
    }
    jobs.sort_by(|a, b| b.size.cmp(&a.size).then(a.index.cmp(&b.index)));
    let total: u64 = jobs.iter().map(|j| j.size).sum();
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
    .clamp(1, jobs.len());
    let next = AtomicUsize::new(0);
    let done = AtomicU64::new(0);
    let (jobs, next, done) = (&jobs, &next, &done);
    let mut results = std::thread::scope(|s| {
        let (stop, stopped) = mpsc::channel::<()>();
        let reporter = if progress {
            std::thread::Builder::new()
                .name("vigil-progress".into())
                .spawn_scoped(s, move || report(&stopped, done, total))
                .ok()
        } else {
            None
        };
        let mut handles = Vec::with_capacity(threads);
        for i in 1..threads {
            match std::thread::Builder::new()
                .name(format!("vigil-hash-{i}"))
                .spawn_scoped(s, move || worker(jobs, next, done, deep))
            {
                Ok(h) => handles.push(h),
                Err(_) => break,
            }
        }
        let mut results = worker(jobs, next, done, deep);
        for h in handles {
            if let Ok(r) = h.join() {
                results.extend(r);
            }
        }
        drop(stop);
        if let Some(r) = reporter {
            let _ = r.join();
        }
        results
    });
    results.sort_by_key(|(i, _)| *i);
    results
}

fn worker(jobs: &[Job], next: &AtomicUsize, done: &AtomicU64, deep: bool) -> Vec<(usize, Outcome)> {
    let mut buf = vec![0u8; BUF];
    let mut out = Vec::new();
    let mut results = Vec::new();
    while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
        let outcome = hash_file(&job.path, deep, &mut buf, &mut out, done);
        results.push((job.index, outcome.map_err(|e| e.to_string())));
    }
    results
}

fn hash_file(
    path: &Path,
    deep: bool,
    buf: &mut [u8],
    out: &mut Vec<u8>,
    done: &AtomicU64,
) -> io::Result<Hashed> {
    let mut file = File::open(path)?;
    let kind = if deep {
        compression(path, &mut file)?
    } else {
        None
    };
    let mut h = Sha256::new();
    let (bytes, corrupt) = match kind {
        None => (hash_plain(&mut file, &mut h, buf, done)?, None),
        Some(kind) => {
            if out.is_empty() {
                out.resize(OUT_BUF, 0);
            }
            match hash_decompressing_pipelined(&mut file, kind, &mut h, out, done)? {
                Some(r) => r,
                // No thread for the decoder: both in this one.
                None => hash_decompressing(file, kind, &mut h, buf, out, done)?,
            }
        }
    };
    Ok(Hashed {
        sha256: h.finalize().into(),
        bytes,
        corrupt,
    })
}

fn hash_plain(
    r: &mut impl Read,
    h: &mut Sha256,
    buf: &mut [u8],
    done: &AtomicU64,
) -> io::Result<u64> {
    let mut bytes = 0u64;
    loop {
        let n = match r.read(buf) {
            Ok(0) => return Ok(bytes),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
        bytes += n as u64;
        done.fetch_add(n as u64, Ordering::Relaxed);
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Compression {
    Zstd,
    Gzip,
}

/// The compression of a file by its magic bytes, else by its extension (then the decoder will say
/// what is wrong with the start). Leaves the file at offset 0.
fn compression(path: &Path, file: &mut File) -> io::Result<Option<Compression>> {
    let mut magic = [0u8; 4];
    let mut n = 0;
    while n < magic.len() {
        match file.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    file.seek(SeekFrom::Start(0))?;
    let magic = &magic[..n];
    if magic == [0x28, 0xb5, 0x2f, 0xfd] {
        return Ok(Some(Compression::Zstd));
    }
    if magic.starts_with(&[0x1f, 0x8b]) {
        return Ok(Some(Compression::Gzip));
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    Ok(match ext.as_deref() {
        Some("zst" | "zstd" | "tzst") => Some(Compression::Zstd),
        Some("gz" | "tgz") => Some(Compression::Gzip),
        _ => None,
    })
}

/// Reads the whole file once, hashing every byte and feeding the decoder. Returns the bytes read
/// and the decoder's error if any; `Err` only for an I/O error.
fn hash_decompressing(
    file: File,
    kind: Compression,
    h: &mut Sha256,
    buf: &mut [u8],
    out: &mut [u8],
    done: &AtomicU64,
) -> io::Result<(u64, Option<String>)> {
    let mut r = HashingReader {
        file,
        hasher: h,
        buf,
        pos: 0,
        filled: 0,
        bytes: 0,
        error: None,
        done,
    };
    let decoded = decode(kind, &mut r, out);
    if let Some(e) = r.error.take() {
        return Err(e);
    }
    // Whatever the decoder left (after an error, or trailing bytes it never asked for).
    loop {
        let n = r.fill_buf()?.len();
        if n == 0 {
            break;
        }
        r.consume(n);
    }
    Ok((r.bytes, decoded.err().map(|e| e.to_string())))
}

/// Buffers in flight between the hasher and the decoder's thread.
const SLOTS: usize = 4;

/// Like [`hash_decompressing`], with the decoder on a thread of its own: this thread reads and
/// hashes, and passes each buffer on (a few buffers circulate between the two). A file then takes
/// the longer of hashing and decoding instead of their sum. `None` if the thread cannot be
/// started (nothing has been read then).
fn hash_decompressing_pipelined(
    file: &mut File,
    kind: Compression,
    h: &mut Sha256,
    out: &mut [u8],
    done: &AtomicU64,
) -> io::Result<Option<(u64, Option<String>)>> {
    let (full_tx, full_rx) = mpsc::sync_channel::<(Vec<u8>, usize)>(SLOTS);
    let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
    for _ in 0..SLOTS {
        let _ = free_tx.send(vec![0u8; BUF]);
    }
    std::thread::scope(|s| {
        let decoder = std::thread::Builder::new()
            .name("vigil-decode".into())
            .spawn_scoped(s, move || {
                let mut r = ChannelReader {
                    full: full_rx,
                    free: free_tx,
                    cur: None,
                    pos: 0,
                };
                decode(kind, &mut r, out)
            });
        let Ok(decoder) = decoder else {
            return Ok(None);
        };
        let mut tx = Some(full_tx);
        let mut own: Option<Vec<u8>> = None;
        let mut bytes = 0u64;
        let read = loop {
            // A buffer back from the decoder or, once it has stopped, this thread's own.
            let mut b = match free_rx.recv() {
                Ok(b) => b,
                Err(_) => own.take().unwrap_or_else(|| vec![0u8; BUF]),
            };
            let n = match file.read(&mut b) {
                Ok(0) => break Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    own = Some(b);
                    continue;
                }
                Err(e) => break Err(e),
            };
            h.update(&b[..n]);
            bytes += n as u64;
            done.fetch_add(n as u64, Ordering::Relaxed);
            match &tx {
                Some(t) => {
                    if let Err(mpsc::SendError((b, _))) = t.send((b, n)) {
                        // The decoder has stopped (an error): keep hashing alone.
                        tx = None;
                        own = Some(b);
                    }
                }
                None => own = Some(b),
            }
        };
        // The end of the input for the decoder.
        drop(tx);
        let decoded = match decoder.join() {
            Ok(d) => d,
            Err(_) => Err(io::Error::other("the decoder's thread panicked")),
        };
        read?;
        Ok(Some((bytes, decoded.err().map(|e| e.to_string()))))
    })
}

/// The decoder's side of [`hash_decompressing_pipelined`]: a `BufRead` over the buffers received,
/// each sent back once consumed; the end of input when the hasher hangs up.
struct ChannelReader {
    full: mpsc::Receiver<(Vec<u8>, usize)>,
    free: mpsc::Sender<Vec<u8>>,
    cur: Option<(Vec<u8>, usize)>,
    pos: usize,
}

/// `Read::read` for a reader whose buffer is its [`BufRead`] side.
fn read_from_buf(r: &mut impl BufRead, out: &mut [u8]) -> io::Result<usize> {
    let avail = r.fill_buf()?;
    let n = avail.len().min(out.len());
    out[..n].copy_from_slice(&avail[..n]);
    r.consume(n);
    Ok(n)
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_from_buf(self, out)
    }
}

impl BufRead for ChannelReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.cur.as_ref().is_none_or(|(_, n)| self.pos >= *n) {
            if let Some((b, _)) = self.cur.take() {
                let _ = self.free.send(b);
            }
            self.pos = 0;
            self.cur = self.full.recv().ok();
        }
        Ok(match &self.cur {
            Some((b, n)) => &b[self.pos..*n],
            None => &[],
        })
    }

    fn consume(&mut self, amt: usize) {
        self.pos += amt;
    }
}

/// Decodes all of `r` into `out`, over and over; the decoder's error if any.
fn decode(kind: Compression, r: &mut impl BufRead, out: &mut [u8]) -> io::Result<()> {
    match kind {
        Compression::Zstd => zstd::stream::read::Decoder::with_buffer(r).and_then(|mut d| {
            // Archives made with `zstd --long=31` need the large window; the default (27) would
            // call them corrupt. Memory is what the archive's own window asks for.
            d.window_log_max(31)?;
            discard(&mut d, out)
        }),
        Compression::Gzip => discard(&mut flate2::bufread::MultiGzDecoder::new(r), out),
    }
}

/// Reads `r` to its end into `out`, over and over.
fn discard(r: &mut impl Read, out: &mut [u8]) -> io::Result<()> {
    loop {
        match r.read(out) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A `BufRead` over a file that hashes every byte as it is read from the file, through the
/// worker's buffer. Keeps the file's I/O error apart from the decoder's.
struct HashingReader<'a> {
    file: File,
    hasher: &'a mut Sha256,
    buf: &'a mut [u8],
    pos: usize,
    filled: usize,
    bytes: u64,
    error: Option<io::Error>,
    done: &'a AtomicU64,
}

impl Read for HashingReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_from_buf(self, out)
    }
}

impl BufRead for HashingReader<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.filled {
            let n = loop {
                match self.file.read(self.buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let copy = io::Error::new(e.kind(), e.to_string());
                        self.error = Some(e);
                        return Err(copy);
                    }
                }
            };
            self.hasher.update(&self.buf[..n]);
            self.bytes += n as u64;
            self.done.fetch_add(n as u64, Ordering::Relaxed);
            self.pos = 0;
            self.filled = n;
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.filled);
    }
}

/// The progress line on stderr, rewritten every 200 ms until `stop` is dropped, then a newline.
fn report(stop: &mpsc::Receiver<()>, done: &AtomicU64, total: u64) {
    let start = Instant::now();
    let mut err = io::stderr();
    loop {
        let finished = !matches!(
            stop.recv_timeout(Duration::from_millis(200)),
            Err(mpsc::RecvTimeoutError::Timeout)
        );
        let d = done.load(Ordering::Relaxed);
        let secs = start.elapsed().as_secs_f64().max(1e-3);
        let pct = if total == 0 {
            100.0
        } else {
            d as f64 * 100.0 / total as f64
        };
        let line = format!(
            "\rhashing {} / {} ({pct:.0}%) {:.0} MB/s   ",
            human(d),
            human(total),
            d as f64 / 1e6 / secs
        );
        let _ = err.write_all(line.as_bytes());
        if finished {
            let _ = err.write_all(b"\n");
            let _ = err.flush();
            return;
        }
        let _ = err.flush();
    }
}

fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else {
        format!("{:.1} MB", b / 1e6)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The one-thread and the two-thread decoding agree: same bytes, same hash, same verdict.
    #[test]
    fn pipelined_and_serial_decoding_agree() {
        let data: Vec<u8> = (0..50_000u32)
            .flat_map(|i| format!("{i} {}\n", i * 7).into_bytes())
            .collect();
        let zst = zstd::encode_all(&data[..], 3).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&data).unwrap();
        let gz = gz.finish().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let cases = [
            (Compression::Zstd, zst.clone(), true),
            (Compression::Zstd, zst[..zst.len() - 3].to_vec(), false),
            (Compression::Gzip, gz.clone(), true),
            (Compression::Gzip, gz[..gz.len() / 3].to_vec(), false),
            (Compression::Gzip, b"not gzip at all".to_vec(), false),
        ];
        for (i, (kind, bytes, good)) in cases.into_iter().enumerate() {
            let p = tmp.path().join(format!("f{i}"));
            std::fs::write(&p, &bytes).unwrap();
            let done = AtomicU64::new(0);
            let mut out = vec![0u8; OUT_BUF];
            let mut h1 = Sha256::new();
            let mut f = File::open(&p).unwrap();
            let a = hash_decompressing_pipelined(&mut f, kind, &mut h1, &mut out, &done)
                .unwrap()
                .unwrap();
            let mut h2 = Sha256::new();
            let mut buf = vec![0u8; BUF];
            let b = hash_decompressing(
                File::open(&p).unwrap(),
                kind,
                &mut h2,
                &mut buf,
                &mut out,
                &done,
            )
            .unwrap();
            assert_eq!(a.0, bytes.len() as u64, "case {i}");
            assert_eq!(a.0, b.0, "case {i}");
            assert_eq!(a.1.is_none(), good, "case {i}: {:?}", a.1);
            assert_eq!(b.1.is_none(), good, "case {i}: {:?}", b.1);
            let (h1, h2): ([u8; 32], [u8; 32]) = (h1.finalize().into(), h2.finalize().into());
            assert_eq!(h1, h2, "case {i}");
            assert_eq!(h1, <[u8; 32]>::from(Sha256::digest(&bytes)), "case {i}");
        }
    }
}
