//! `[[listeners]]`: syslog from other machines, received over UDP, TCP and TLS (RFC 5426, 6587,
//! 5425) into a spool that the watcher indexes as it indexes a log file.
//!
//! The pieces, each with its state explicit:
//!
//! - **The config** ([`Listener`]): a name (the events' `source`), a protocol and an address,
//!   the `hosts` allowed to send, `max_message`, and the certificate, key and optional client CA
//!   of a TLS listener.
//! - **Receivers**: tokio tasks per socket and per connection. TCP frames are octet-counted
//!   (`123 <34>1 …`) or end at a newline, told apart by their first byte (RFC 6587); a UDP
//!   datagram is one message. A message longer than `max_message` keeps its first `max_message`
//!   bytes, is flagged `truncated` with its whole length, and the rest is skipped as it arrives,
//!   never buffered. A peer outside `hosts` is refused (TCP) or its datagrams dropped, and
//!   counted.
//! - **The spool** ([`SpoolWriter`]): each listener appends what it receives to files of its own
//!   under `data/listen/NAME/`, one message a line with its peer, the time it arrived and its
//!   flags ([`encode`]); a batch is written in one `write` and made durable with `fdatasync`
//!   before the next is taken. What is in the spool is *acknowledged*: it survives a crash of
//!   vigil or of the machine.
//! - **Indexing**: the watcher follows the spool files like any log file (fingerprints and
//!   checkpoints, [`crate::watch`]), reading each line with [`ReceivedParser`]: the message is
//!   parsed as syslog and the event gets `fields.peer`. The spool's positions commit with the
//!   index, so after a SIGKILL every message in the spool is indexed exactly once. A spool file
//!   read and committed to its end, and not the one being written, is removed after the commit.
//! - **Back-pressure**: receivers hand messages to the spool writer through a bounded channel
//!   ([`CHANNEL`] messages); when it is full, TCP reading waits, and the senders' TCP windows
//!   close. When the spool holds more than [`MAX_BACKLOG`] bytes not yet indexed, TCP reading
//!   pauses until the indexer catches up. Memory is bounded by `CHANNEL × max_message` for the
//!   channel plus `2 × max_message` per connection (at most [`MAX_CONNECTIONS`] per listener):
//!   with the defaults, 64 MiB + 128 KiB a connection.
//! - **UDP** is best effort by nature: datagrams are counted per peer, and the kernel's drops
//!   for the socket (`/proc/net/udp`, the `drops` column) are exported as a metric.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;
use vigil_index::reader::Network;
use vigil_parsers::{Flag, Output, ParseContext, Parser, RawLine};

/// The format name of a listener's spool files (read by [`ReceivedParser`]).
pub const FORMAT: &str = "received";
/// Messages waiting between the receivers and the spool writer, per listener.
pub const CHANNEL: usize = 1024;
/// Spool bytes not yet indexed above which TCP reading pauses.
pub const MAX_BACKLOG: u64 = 1 << 30;
/// Open connections per TCP or TLS listener; more wait in the kernel's accept queue.
pub const MAX_CONNECTIONS: usize = 256;
/// A spool file is closed and a new one begun past this size.
const ROTATE_AT: u64 = 64 << 20;
/// The default `max_message`.
pub const DEFAULT_MAX_MESSAGE: usize = 64 << 10;
/// How long a TLS client has to finish its handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// How a listener receives.
#[derive(Debug, Clone)]
pub enum Protocol {
    Udp,
    Tcp,
    /// TCP with TLS (RFC 5425): the server's certificate chain and key, and the CA whose
    /// certificates clients must present (none: any client may connect).
    Tls {
        cert: PathBuf,
        key: PathBuf,
        client_ca: Option<PathBuf>,
    },
}

impl Protocol {
    pub fn name(&self) -> &'static str {
        match self {
            Protocol::Udp => "udp",
            Protocol::Tcp => "tcp",
            Protocol::Tls { .. } => "tls",
        }
    }
}

/// One `[[listeners]]` table, checked.
#[derive(Debug, Clone)]
pub struct Listener {
    /// The events' `source`; also the spool folder's name.
    pub name: String,
    pub protocol: Protocol,
    /// Where to listen (`0.0.0.0:6514`, `[::]:514`).
    pub address: SocketAddr,
    /// The peers allowed to send; empty: any.
    pub hosts: Vec<Network>,
    /// Longer messages are cut to this many bytes and flagged.
    pub max_message: usize,
    /// The host of a message that names none; `None`: the peer's address.
    pub host: Option<String>,
    /// The zone of times that carry none (RFC 3164).
    pub zone: Tz,
}

impl Listener {
    /// The folder of the listener's spool files.
    pub fn spool_dir(&self, data: &Path) -> PathBuf {
        data.join("listen").join(&self.name)
    }

    /// The watched source that indexes the listener's spool.
    pub fn watched(&self, data: &Path) -> crate::watch::Watched {
        crate::watch::Watched {
            source: self.name.clone(),
            patterns: vec![
                self.spool_dir(data)
                    .join("*.spool")
                    .to_string_lossy()
                    .into_owned(),
            ],
            // Empty: each message's peer (see ReceivedParser).
            host: Some(self.host.clone().unwrap_or_default()),
            zone: self.zone,
            encoding: vigil_parsers::Encoding::Utf8,
            format: FORMAT.to_string(),
            options: Default::default(),
            journal: None,
            reference_time: None,
        }
    }
}

/// `[[listeners]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerFile {
    name: Spanned<String>,
    /// `udp`, `tcp` or `tls`.
    protocol: Spanned<String>,
    /// `0.0.0.0:514`, `127.0.0.1:6514`, `[::]:514`.
    address: Spanned<String>,
    #[serde(default)]
    hosts: Option<Spanned<Vec<String>>>,
    /// Bytes: a number, or with `KiB`/`MiB`.
    #[serde(default)]
    max_message: Option<Spanned<toml::Value>>,
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    zone: Option<Spanned<String>>,
    #[serde(default)]
    tls_cert: Option<Spanned<String>>,
    #[serde(default)]
    tls_key: Option<Spanned<String>>,
    #[serde(default)]
    tls_client_ca: Option<Spanned<String>>,
}

/// Checks the `[[listeners]]` tables: names unique among themselves and the sources, addresses,
/// networks, sizes and TLS files named with their keys.
pub(crate) fn listeners(
    files: Vec<ListenerFile>,
    zone: Tz,
    source_names: &std::collections::BTreeSet<String>,
    base: &Path,
    value_err: crate::config::ValueErr<'_>,
) -> Result<Vec<Listener>, crate::config::ConfigError> {
    let mut out: Vec<Listener> = Vec::new();
    for (n, f) in files.into_iter().enumerate() {
        let key = |k: &str| format!("listeners[{n}].{k}");
        let name = f.name.get_ref().trim().to_string();
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !name.starts_with('.');
        if !name_ok {
            return Err(value_err(
                f.name.span(),
                key("name"),
                format!(
                    "{name:?}: a listener's name is its spool folder's: use letters, digits, - _ ."
                ),
            ));
        }
        if source_names.contains(&name) || out.iter().any(|l| l.name == name) {
            return Err(value_err(
                f.name.span(),
                key("name"),
                format!("{name:?} names a source or another listener already"),
            ));
        }
        let address: SocketAddr = f.address.get_ref().trim().parse().map_err(|_| {
            value_err(
                f.address.span(),
                key("address"),
                format!(
                    "{:?} is not an address and port: write 0.0.0.0:514, 127.0.0.1:6514 or [::]:514",
                    f.address.get_ref()
                ),
            )
        })?;
        let mut hosts = Vec::new();
        if let Some(h) = &f.hosts {
            for net in h.get_ref() {
                let net = net.trim();
                let whole = if net.contains('/') {
                    net.to_string()
                } else if net.contains(':') {
                    format!("{net}/128")
                } else {
                    format!("{net}/32")
                };
                hosts.push(
                    Network::parse(&whole).map_err(|m| value_err(h.span(), key("hosts"), m))?,
                );
            }
        }
        let max_message = match &f.max_message {
            None => DEFAULT_MAX_MESSAGE,
            Some(v) => size(v.get_ref())
                .filter(|s| (512..=(16 << 20)).contains(s))
                .ok_or_else(|| {
                    value_err(
                        v.span(),
                        key("max_message"),
                        format!(
                            "{}: give bytes from 512 to 16 MiB, as 65536 or \"64 KiB\"",
                            v.get_ref()
                        ),
                    )
                })?,
        };
        let zone = match &f.zone {
            Some(z) => crate::config::parse_zone(z.get_ref())
                .map_err(|m| value_err(z.span(), key("zone"), m))?,
            None => zone,
        };
        let path_of = |p: &Spanned<String>| {
            let p = Path::new(p.get_ref());
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        let tls_keys = [
            ("tls_cert", &f.tls_cert),
            ("tls_key", &f.tls_key),
            ("tls_client_ca", &f.tls_client_ca),
        ];
        let protocol = match f.protocol.get_ref().as_str() {
            p @ ("udp" | "tcp") => {
                if let Some((k, Some(v))) = tls_keys.iter().find(|(_, v)| v.is_some()) {
                    return Err(value_err(
                        v.span(),
                        key(k),
                        format!("only a protocol = \"tls\" listener takes {k} (this one is {p})"),
                    ));
                }
                if p == "udp" {
                    Protocol::Udp
                } else {
                    Protocol::Tcp
                }
            }
            "tls" => {
                let (Some(cert), Some(tls_key)) = (&f.tls_cert, &f.tls_key) else {
                    return Err(value_err(
                        f.protocol.span(),
                        key(if f.tls_cert.is_none() {
                            "tls_cert"
                        } else {
                            "tls_key"
                        }),
                        "a tls listener needs tls_cert and tls_key (PEM files)".into(),
                    ));
                };
                Protocol::Tls {
                    cert: path_of(cert),
                    key: path_of(tls_key),
                    client_ca: f.tls_client_ca.as_ref().map(path_of),
                }
            }
            other => {
                return Err(value_err(
                    f.protocol.span(),
                    key("protocol"),
                    format!("{other:?}: use udp, tcp or tls"),
                ));
            }
        };
        out.push(Listener {
            name,
            protocol,
            address,
            hosts,
            max_message,
            host: f.host.filter(|h| !h.trim().is_empty()),
            zone,
        });
    }
    Ok(out)
}

/// `65536`, `"64 KiB"`, `"1MiB"`, `"512"` in bytes.
fn size(v: &toml::Value) -> Option<usize> {
    match v {
        toml::Value::Integer(i) => usize::try_from(*i).ok(),
        toml::Value::String(s) => {
            let s = s.trim();
            let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
            let n: usize = s[..digits].parse().ok()?;
            let unit = match s[digits..].trim().to_ascii_lowercase().as_str() {
                "" | "b" => 1,
                "k" | "kb" | "kib" => 1 << 10,
                "m" | "mb" | "mib" => 1 << 20,
                _ => return None,
            };
            n.checked_mul(unit)
        }
        _ => None,
    }
}

/// A message as received, on its way to the spool.
#[derive(Debug, Clone)]
pub struct Received {
    pub peer: IpAddr,
    pub at: DateTime<Utc>,
    pub bytes: Vec<u8>,
    /// The whole length of a message cut to `max_message`.
    pub cut: Option<u64>,
}

/// The spool line of `m`, with its newline: `PEER TIME FLAGS MESSAGE`, the message with `\`,
/// newline and carriage return escaped (`\\`, `\n`, `\r`) and every other byte as received.
pub fn encode(m: &Received, out: &mut Vec<u8>) {
    let flags = match m.cut {
        Some(n) => format!("cut:{n}"),
        None => "-".into(),
    };
    out.extend_from_slice(
        format!(
            "{} {} {} ",
            m.peer,
            m.at.to_rfc3339_opts(SecondsFormat::Micros, true),
            flags
        )
        .as_bytes(),
    );
    for &b in &m.bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b => out.push(b),
        }
    }
    out.push(b'\n');
}

/// A spool line read back: the peer, the time, the whole length of a cut message, the message.
pub type Decoded<'a> = (&'a str, DateTime<Utc>, Option<u64>, Vec<u8>);

/// A spool line read back: the peer, the time, the whole length of a cut message, and the
/// message. `None`: not a spool line.
pub fn decode(line: &[u8]) -> Option<Decoded<'_>> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let mut parts = line.splitn(4, |b| *b == b' ');
    let peer = std::str::from_utf8(parts.next()?).ok()?;
    let at = std::str::from_utf8(parts.next()?).ok()?;
    let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    let cut = match parts.next()? {
        b"-" => None,
        f => Some(
            std::str::from_utf8(f.strip_prefix(b"cut:")?)
                .ok()?
                .parse()
                .ok()?,
        ),
    };
    let escaped = parts.next().unwrap_or(b"");
    let mut msg = Vec::with_capacity(escaped.len());
    let mut i = escaped.iter();
    while let Some(&b) = i.next() {
        if b == b'\\' {
            match i.next() {
                Some(b'n') => msg.push(b'\n'),
                Some(b'r') => msg.push(b'\r'),
                Some(&o) => msg.push(o),
                None => msg.push(b'\\'),
            }
        } else {
            msg.push(b);
        }
    }
    Some((peer, at, cut, msg))
}

/// Reads a listener's spool lines: each message parsed as syslog (RFC 3164 or 5424) under the
/// time it arrived (for a year or a zone the message does not give) and, where the listener
/// names no host, its peer's address as the host of a message that names none. Every event
/// gets `fields.peer`; a cut message's event is flagged `truncated` with
/// `fields.original_length`. The header line each spool file opens with gives nothing.
pub struct ReceivedParser {
    inner: Box<dyn Parser>,
    ctx: Option<ParseContext>,
}

impl ReceivedParser {
    pub fn new() -> ReceivedParser {
        ReceivedParser {
            inner: Box::new(vigil_parsers::syslog::SyslogParser::new()),
            ctx: None,
        }
    }
}

impl Default for ReceivedParser {
    fn default() -> ReceivedParser {
        ReceivedParser::new()
    }
}

impl Parser for ReceivedParser {
    fn name(&self) -> &'static str {
        FORMAT
    }

    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>) {
        if line.bytes.starts_with(b"#") {
            return;
        }
        let Some((peer, at, cut, msg)) = decode(line.bytes) else {
            // Not a line the spool writer writes: read as a bare message.
            self.inner.feed(line, ctx, out);
            return;
        };
        let own = self.ctx.get_or_insert_with(|| ctx.clone());
        own.reference = at;
        own.reference_from = "received";
        if ctx.host.is_empty() && AsRef::<str>::as_ref(&own.host) != peer {
            own.host = peer.into();
        }
        let raw = RawLine {
            bytes: &msg,
            path: line.path,
            file_id: line.file_id,
            offset: line.offset,
            line: line.line,
        };
        let first = out.len();
        self.inner.feed(&raw, own, out);
        for o in &mut out[first..] {
            let Ok(e) = o else { continue };
            e.fields.insert("peer", peer.to_string());
            if let Some(n) = cut {
                e.flags.insert(Flag::Truncated);
                e.fields.insert("original_length", n);
            }
        }
    }
}

/// What a listener has received, for `--metrics` and the summary: per peer, messages taken into
/// the spool; messages cut; peers refused; UDP datagrams the kernel dropped.
#[derive(Debug, Default)]
pub struct Stats {
    pub peers: Mutex<BTreeMap<IpAddr, u64>>,
    pub cut: AtomicU64,
    pub refused: AtomicU64,
    pub udp_drops: AtomicU64,
    /// Spool bytes not yet indexed, as of the last commit.
    pub backlog: AtomicU64,
    pub spooled: AtomicU64,
}

/// A listener's spool files: appended in batches, each made durable before the next is taken.
pub struct SpoolWriter {
    dir: PathBuf,
    name: String,
    file: File,
    seq: u64,
    size: u64,
}

/// The spool files of `dir`, oldest first, with their sequence numbers.
pub fn spool_files(dir: &Path) -> std::io::Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for e in entries {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "spool")
            && let Some(seq) = p
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse().ok())
        {
            out.push((seq, p));
        }
    }
    out.sort();
    Ok(out)
}

impl SpoolWriter {
    /// Opens the spool of listener `name` in `dir`: a new file after the newest. A newest file
    /// that ends inside a line (vigil stopped in the middle of a write, before the batch was
    /// made durable) has that partial line cut off, with a warning: it was never acknowledged.
    pub fn open(dir: &Path, name: &str) -> Result<SpoolWriter> {
        crate::ingest::create_private_dir(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let files = spool_files(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        let mut seq = 0;
        if let Some((last, path)) = files.last() {
            seq = *last;
            repair(path)?;
        }
        let mut w = SpoolWriter {
            dir: dir.to_path_buf(),
            name: name.to_string(),
            file: File::open("/dev/null").context("cannot open /dev/null")?,
            seq,
            size: 0,
        };
        w.next_file()?;
        Ok(w)
    }

    fn next_file(&mut self) -> Result<()> {
        self.seq += 1;
        let path = self.dir.join(format!("{:010}.spool", self.seq));
        let mut file = crate::read::open_private(&path, true)
            .with_context(|| format!("cannot create {}", path.display()))?;
        // The first line makes the file's fingerprint its own (see vigil_follow).
        let head = format!(
            "#vigil-spool listener={} file={} opened={}\n",
            self.name,
            self.seq,
            Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
        );
        file.write_all(head.as_bytes())
            .and_then(|()| file.sync_data())
            .with_context(|| format!("cannot write {}", path.display()))?;
        // The new name must survive a crash too.
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        self.file = file;
        self.size = head.len() as u64;
        Ok(())
    }

    /// Appends `batch` (spool lines) in one write and makes it durable.
    pub fn append(&mut self, batch: &[u8]) -> Result<()> {
        if self.size >= ROTATE_AT {
            self.next_file()?;
        }
        self.file
            .write_all(batch)
            .and_then(|()| self.file.sync_data())
            .with_context(|| format!("cannot write the spool of listener {}", self.name))?;
        self.size += batch.len() as u64;
        Ok(())
    }

    /// The file being written.
    pub fn current(&self) -> PathBuf {
        self.dir.join(format!("{:010}.spool", self.seq))
    }
}

/// Cuts a partial last line off `path`.
fn repair(path: &Path) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    // Look back for the last newline, a block at a time.
    let mut end = len;
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut buf[..n])?;
        if let Some(i) = buf[..n].iter().rposition(|b| *b == b'\n') {
            let keep = start + i as u64 + 1;
            if keep < len {
                f.set_len(keep)?;
                f.sync_data()?;
                eprintln!(
                    "vigil: {}: cut {} bytes of a message that was being written when vigil stopped (never acknowledged)",
                    path.display(),
                    len - keep
                );
            }
            return Ok(());
        }
        if start == 0 {
            f.set_len(0)?;
            return Ok(());
        }
        end = start;
    }
}

/// After a commit: the listener's spool bytes not yet indexed (for back-pressure and the
/// metrics), and its files read and committed to their end removed, but the one being written.
/// `committed` gives a spool file's committed offset by path.
pub fn after_commit(
    dir: &Path,
    current: &Path,
    committed: &dyn Fn(&Path) -> Option<u64>,
    removed: &mut Vec<PathBuf>,
) -> std::io::Result<u64> {
    let mut backlog = 0;
    for (_, path) in spool_files(dir)? {
        let size = match std::fs::metadata(&path) {
            Ok(m) => m.len(),
            Err(_) => continue,
        };
        let done = committed(&path).unwrap_or(0);
        if done >= size && path != current {
            std::fs::remove_file(&path)?;
            removed.push(path);
        } else {
            backlog += size.saturating_sub(done);
        }
    }
    Ok(backlog)
}

/// What the watcher needs of a running listener: the source that reads its spool, where the
/// spool is, and the counters it keeps up to date.
#[derive(Debug, Clone)]
pub struct Spooled {
    pub source: String,
    pub dir: PathBuf,
    pub current: Arc<Mutex<PathBuf>>,
    pub stats: Arc<Stats>,
}

/// A listener at work: its receivers and its spool writer, until [`Running::stop`].
pub struct Running {
    pub listener: Listener,
    pub stats: Arc<Stats>,
    /// The spool file being written, for [`after_commit`].
    pub current: Arc<Mutex<PathBuf>>,
    pub local: SocketAddr,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// What the watcher needs of it.
    pub fn spooled(&self, data: &Path) -> Spooled {
        Spooled {
            source: self.listener.name.clone(),
            dir: self.listener.spool_dir(data),
            current: self.current.clone(),
            stats: self.stats.clone(),
        }
    }

    /// Stops receiving, and waits for the messages received to be in the spool.
    pub async fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in &self.tasks {
            t.abort();
        }
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
        if let Some(w) = self.writer.take() {
            let _ = tokio::task::spawn_blocking(move || w.join()).await;
        }
    }
}

/// Binds `l`'s socket and starts receiving into its spool under `data`. Must run inside a tokio
/// runtime. A socket that cannot be bound is an error naming the listener and the address.
pub fn start(l: &Listener, data: &Path) -> Result<Running> {
    let dir = l.spool_dir(data);
    let mut spool = SpoolWriter::open(&dir, &l.name)?;
    let current = Arc::new(Mutex::new(spool.current()));
    let stats = Arc::new(Stats::default());
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Received>(CHANNEL);
    let bind_err = |e: std::io::Error| {
        let hint = if e.kind() == std::io::ErrorKind::PermissionDenied && l.address.port() < 1024 {
            ": ports below 1024 need root or CAP_NET_BIND_SERVICE; choose a port above 1024"
        } else if e.kind() == std::io::ErrorKind::AddrInUse {
            ": another program listens there"
        } else {
            ""
        };
        anyhow!(
            "listener {}: cannot listen on {} {}: {e}{hint}",
            l.name,
            l.protocol.name(),
            l.address
        )
    };
    let mut tasks = Vec::new();
    let local;
    match &l.protocol {
        Protocol::Udp => {
            let sock = std::net::UdpSocket::bind(l.address).map_err(bind_err)?;
            sock.set_nonblocking(true)?;
            local = sock.local_addr()?;
            let sock = tokio::net::UdpSocket::from_std(sock)?;
            tasks.push(tokio::spawn(udp(sock, l.clone(), tx, stats.clone())));
        }
        Protocol::Tcp | Protocol::Tls { .. } => {
            let tls = match &l.protocol {
                Protocol::Tls {
                    cert,
                    key,
                    client_ca,
                } => {
                    let names = |k: &str| format!("listeners {}: {k}", l.name);
                    let (c, k, ca) = (names("tls_cert"), names("tls_key"), names("tls_client_ca"));
                    Some(tokio_rustls::TlsAcceptor::from(crate::tls::server_config(
                        cert,
                        key,
                        client_ca.as_deref(),
                        &crate::tls::Names {
                            cert: &c,
                            key: &k,
                            client_ca: &ca,
                        },
                    )?))
                }
                _ => None,
            };
            let sock = std::net::TcpListener::bind(l.address).map_err(bind_err)?;
            sock.set_nonblocking(true)?;
            local = sock.local_addr()?;
            let sock = tokio::net::TcpListener::from_std(sock)?;
            tasks.push(tokio::spawn(accept(
                sock,
                tls,
                l.clone(),
                tx,
                stats.clone(),
                stop.clone(),
            )));
        }
    }
    let writer_stats = stats.clone();
    let writer_current = current.clone();
    let name = l.name.clone();
    let writer = std::thread::Builder::new()
        .name(format!("spool-{name}"))
        .spawn(move || {
            let mut batch = Vec::with_capacity(1 << 20);
            let mut counts: Vec<IpAddr> = Vec::new();
            while let Some(first) = rx.blocking_recv() {
                batch.clear();
                counts.clear();
                encode(&first, &mut batch);
                counts.push(first.peer);
                while batch.len() < (4 << 20) {
                    match rx.try_recv() {
                        Ok(m) => {
                            encode(&m, &mut batch);
                            counts.push(m.peer);
                        }
                        Err(_) => break,
                    }
                }
                if let Err(e) = spool.append(&batch) {
                    // Nothing more can be acknowledged: stop taking messages (TCP senders
                    // then wait) and say so.
                    eprintln!("vigil: listener {name}: {e:#}; receiving stopped");
                    return;
                }
                if let Ok(mut c) = writer_current.lock() {
                    *c = spool.current();
                }
                writer_stats
                    .spooled
                    .fetch_add(counts.len() as u64, Ordering::Relaxed);
                if let Ok(mut p) = writer_stats.peers.lock() {
                    for peer in &counts {
                        *p.entry(*peer).or_insert(0) += 1;
                    }
                }
            }
        })
        .context("cannot start the spool writer")?;
    Ok(Running {
        listener: l.clone(),
        stats,
        current,
        local,
        stop,
        tasks,
        writer: Some(writer),
    })
}

fn allowed(l: &Listener, peer: IpAddr) -> bool {
    let s = peer.to_string();
    l.hosts.is_empty() || l.hosts.iter().any(|n| n.contains(&s))
}

/// A peer address as a log would write it: IPv4-mapped IPv6 as IPv4.
fn plain(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

async fn udp(
    sock: tokio::net::UdpSocket,
    l: Listener,
    tx: tokio::sync::mpsc::Sender<Received>,
    stats: Arc<Stats>,
) {
    let inode = socket_inode(&sock);
    let mut buf = vec![0u8; 65536];
    let mut drops_read = std::time::Instant::now();
    loop {
        let Ok((n, from)) = sock.recv_from(&mut buf).await else {
            continue;
        };
        let peer = plain(from.ip());
        if drops_read.elapsed() >= Duration::from_secs(1) {
            if let Some(d) = inode.and_then(udp_drops) {
                stats.udp_drops.store(d, Ordering::Relaxed);
            }
            drops_read = std::time::Instant::now();
        }
        if !allowed(&l, peer) {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let mut msg = &buf[..n];
        while let Some((b'\n' | b'\0' | b'\r', rest)) = msg.split_last() {
            msg = rest;
        }
        if msg.is_empty() {
            continue;
        }
        let cut = (msg.len() > l.max_message).then_some(msg.len() as u64);
        if cut.is_some() {
            stats.cut.fetch_add(1, Ordering::Relaxed);
            msg = &msg[..l.max_message];
        }
        let m = Received {
            peer,
            at: Utc::now(),
            bytes: msg.to_vec(),
            cut,
        };
        if tx.send(m).await.is_err() {
            return;
        }
    }
}

/// The inode of a socket, to find it in `/proc/net/udp`.
fn socket_inode(sock: &tokio::net::UdpSocket) -> Option<u64> {
    use std::os::fd::AsRawFd;
    let link = std::fs::read_link(format!("/proc/self/fd/{}", sock.as_raw_fd())).ok()?;
    let s = link.to_str()?;
    s.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
}

/// The kernel's count of datagrams dropped for the UDP socket `inode` (receive buffer full).
pub fn udp_drops(inode: u64) -> Option<u64> {
    for table in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // sl local rem st tx:rx tr:tm retrnsmt uid timeout inode ref pointer drops
            if cols.len() >= 13 && cols[9].parse() == Ok(inode) {
                return cols[12].parse().ok();
            }
        }
    }
    None
}

async fn accept(
    sock: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    l: Listener,
    tx: tokio::sync::mpsc::Sender<Received>,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut conns = tokio::task::JoinSet::new();
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let (stream, from) = match sock.accept().await {
            Ok(s) => s,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let peer = plain(from.ip());
        if !allowed(&l, peer) {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let (tx, stats, l, stop, tls) = (
            tx.clone(),
            stats.clone(),
            l.clone(),
            stop.clone(),
            tls.clone(),
        );
        conns.spawn(async move {
            let _permit = permit;
            match tls {
                None => read_frames(stream, peer, &l, &tx, &stats, &stop).await,
                Some(acceptor) => {
                    let Ok(Ok(s)) = tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await
                    else {
                        stats.refused.fetch_add(1, Ordering::Relaxed);
                        return;
                    };
                    read_frames(s, peer, &l, &tx, &stats, &stop).await
                }
            }
        });
        // Reap finished connections.
        while conns.try_join_next().is_some() {}
    }
}

/// Splits a TCP stream into messages (RFC 6587): octet-counted when a frame starts with a
/// digit, else up to a newline.
#[derive(Debug)]
pub struct Framer {
    max: usize,
    buf: Vec<u8>,
    /// An octet-counted message's bytes still to skip after its cut.
    skip_octets: u64,
    /// A newline-framed message cut: its first part and the length so far; the rest is skipped
    /// up to the newline.
    cutting: Option<(Vec<u8>, u64)>,
}

impl Framer {
    pub fn new(max: usize) -> Framer {
        Framer {
            max,
            buf: Vec::new(),
            skip_octets: 0,
            cutting: None,
        }
    }

    /// Takes in `data` and pushes the whole messages it completes to `out` (with the whole
    /// length of a cut one). What is buffered stays under `2 × max + 12` bytes.
    pub fn push(&mut self, mut data: &[u8], out: &mut Vec<(Vec<u8>, Option<u64>)>) {
        while !data.is_empty() {
            if self.skip_octets > 0 {
                let n = (self.skip_octets as usize).min(data.len());
                self.skip_octets -= n as u64;
                data = &data[n..];
                continue;
            }
            if let Some((_, len)) = &mut self.cutting {
                match data.iter().position(|b| *b == b'\n') {
                    Some(i) => {
                        *len += i as u64;
                        data = &data[i + 1..];
                        if let Some((first, len)) = self.cutting.take() {
                            out.push((first, Some(len)));
                        }
                    }
                    None => {
                        *len += data.len() as u64;
                        data = &[];
                    }
                }
                continue;
            }
            let room = (2 * self.max + 12).saturating_sub(self.buf.len()).max(1);
            let n = room.min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            self.frames(out);
        }
    }

    /// Takes the whole frames out of the buffer.
    fn frames(&mut self, out: &mut Vec<(Vec<u8>, Option<u64>)>) {
        let mut at = 0;
        loop {
            let rest = &self.buf[at..];
            // Separators between frames.
            let skip = rest
                .iter()
                .take_while(|b| matches!(b, b'\n' | b'\r' | b'\0' | b' '))
                .count();
            at += skip;
            let rest = &self.buf[at..];
            let Some(&first) = rest.first() else { break };
            if first.is_ascii_digit() {
                let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                if digits == rest.len() && digits <= 10 {
                    break; // the length is not all here yet
                }
                let len: Option<u64> = std::str::from_utf8(&rest[..digits])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .filter(|_| digits <= 10 && rest.get(digits) == Some(&b' '));
                let Some(len) = len else {
                    // Not a length: a newline-framed message that starts with a digit.
                    match self.line(at, out) {
                        Some(next) => {
                            at = next;
                            continue;
                        }
                        None => break,
                    }
                };
                let body = at + digits + 1;
                let have = (self.buf.len() - body) as u64;
                if len <= self.max as u64 {
                    if have < len {
                        break;
                    }
                    let end = body + len as usize;
                    out.push((self.buf[body..end].to_vec(), None));
                    at = end;
                } else {
                    if have < self.max as u64 {
                        break;
                    }
                    out.push((self.buf[body..body + self.max].to_vec(), Some(len)));
                    let taken = have.min(len);
                    self.skip_octets = len - taken;
                    at = body + taken as usize;
                }
            } else {
                match self.line(at, out) {
                    Some(next) => at = next,
                    None => break,
                }
            }
        }
        self.buf.drain(..at);
    }

    /// A newline-framed message at `at`: pushed, with where the next starts; `None` while its
    /// end is not here and it is within bounds (a longer one is cut and its rest skipped).
    fn line(&mut self, at: usize, out: &mut Vec<(Vec<u8>, Option<u64>)>) -> Option<usize> {
        let rest = &self.buf[at..];
        match rest.iter().position(|b| *b == b'\n') {
            Some(i) if i <= self.max => {
                let mut m = &rest[..i];
                if let Some((b'\r', r)) = m.split_last() {
                    m = r;
                }
                out.push((m.to_vec(), None));
                Some(at + i + 1)
            }
            Some(i) => {
                out.push((rest[..self.max].to_vec(), Some(i as u64)));
                Some(at + i + 1)
            }
            None if rest.len() > self.max => {
                self.cutting = Some((rest[..self.max].to_vec(), rest.len() as u64));
                Some(self.buf.len())
            }
            None => None,
        }
    }

    /// At the end of the stream: a last message without its newline, or a cut one.
    pub fn finish(&mut self, out: &mut Vec<(Vec<u8>, Option<u64>)>) {
        if let Some(c) = self.cutting.take() {
            out.push((c.0, Some(c.1)));
        }
        let rest = std::mem::take(&mut self.buf);
        let trimmed: &[u8] = {
            let mut r = &rest[..];
            while let Some((b'\n' | b'\r' | b'\0' | b' ', t)) = r.split_last() {
                r = t;
            }
            r
        };
        if !trimmed.is_empty() && self.skip_octets == 0 {
            out.push((trimmed.to_vec(), None));
        }
    }
}

async fn read_frames<S: tokio::io::AsyncRead + Unpin>(
    mut stream: S,
    peer: IpAddr,
    l: &Listener,
    tx: &tokio::sync::mpsc::Sender<Received>,
    stats: &Stats,
    stop: &AtomicBool,
) {
    use tokio::io::AsyncReadExt;
    let mut framer = Framer::new(l.max_message);
    let mut buf = vec![0u8; 64 << 10];
    let mut frames = Vec::new();
    loop {
        // The indexer is far behind: let the spool drain before taking more.
        while stats.backlog.load(Ordering::Relaxed) > MAX_BACKLOG && !stop.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => {
                framer.finish(&mut frames);
                0
            }
            Ok(n) => {
                framer.push(&buf[..n], &mut frames);
                n
            }
        };
        let at = Utc::now();
        for (bytes, cut) in frames.drain(..) {
            if cut.is_some() {
                stats.cut.fetch_add(1, Ordering::Relaxed);
            }
            if tx
                .send(Received {
                    peer,
                    at,
                    bytes,
                    cut,
                })
                .await
                .is_err()
            {
                return;
            }
        }
        if n == 0 {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(max: usize, chunks: &[&[u8]]) -> Vec<(String, Option<u64>)> {
        let mut f = Framer::new(max);
        let mut out = Vec::new();
        for c in chunks {
            f.push(c, &mut out);
        }
        f.finish(&mut out);
        out.into_iter()
            .map(|(b, c)| (String::from_utf8_lossy(&b).into_owned(), c))
            .collect()
    }

    #[test]
    fn tcp_frames_by_octet_count_and_by_newline_in_any_chunks() {
        let stream = b"<13>Dec  8 01:00:00 h app: one\n19 <13>1 - h a - - two\n<13>three\r\n";
        let want = vec![
            ("<13>Dec  8 01:00:00 h app: one".to_string(), None),
            ("<13>1 - h a - - two".to_string(), None),
            ("<13>three".to_string(), None),
        ];
        assert_eq!(frames(512, &[stream]), want);
        // Byte by byte: the same messages.
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(frames(512, &bytes), want);
        // An octet-counted frame may hold a newline.
        assert_eq!(
            frames(512, &[b"9 <13>a\nb c"]),
            vec![("<13>a\nb c".to_string(), None)]
        );
        // A last message without its newline is taken at the end of the stream.
        assert_eq!(frames(512, &[b"<13>x"]), vec![("<13>x".to_string(), None)]);
    }

    #[test]
    fn long_messages_are_cut_flagged_with_their_length_and_the_next_read_whole() {
        let long = format!("<13>{}\n<13>next\n", "a".repeat(5000));
        let got = frames(1000, &long.as_bytes().chunks(700).collect::<Vec<_>>());
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0.len(), 1000);
        assert_eq!(got[0].1, Some(5004));
        assert_eq!(got[1], ("<13>next".to_string(), None));
        let counted = format!("5004 <13>{}11 <13>counted", "b".repeat(5000));
        let got = frames(1000, &counted.as_bytes().chunks(333).collect::<Vec<_>>());
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].0.len(), got[0].1), (1000, Some(5004)));
        assert_eq!(got[1], ("<13>counted".to_string(), None));
        // The buffer stays bounded while a long line streams through.
        let mut f = Framer::new(1000);
        let mut out = Vec::new();
        for _ in 0..1000 {
            f.push(&[b'x'; 4096], &mut out);
            assert!(f.buf.len() <= 2 * 1000 + 12);
        }
        f.push(b"\n", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].1, Some(4096 * 1000));
    }

    #[test]
    fn spool_lines_read_back_byte_exact() {
        let m = Received {
            peer: "10.1.2.3".parse().unwrap(),
            at: DateTime::parse_from_rfc3339("2026-12-08T01:02:03.000004Z")
                .unwrap()
                .with_timezone(&Utc),
            bytes: b"<13>a\\b\nc\rd \xff".to_vec(),
            cut: Some(70000),
        };
        let mut line = Vec::new();
        encode(&m, &mut line);
        assert_eq!(
            line,
            b"10.1.2.3 2026-12-08T01:02:03.000004Z cut:70000 <13>a\\\\b\\nc\\rd \xff\n".to_vec()
        );
        let (peer, at, cut, msg) = decode(&line).unwrap();
        assert_eq!((peer, at, cut, msg), ("10.1.2.3", m.at, m.cut, m.bytes));
    }

    #[test]
    fn received_lines_become_syslog_events_with_their_peer() {
        let mut p = ReceivedParser::new();
        let ctx = ParseContext::new("net", "", chrono_tz::UTC, Utc::now());
        let mut out = Vec::new();
        for (i, l) in [
            &b"#vigil-spool listener=net file=1 opened=2026-12-08T00:00:00Z\n"[..],
            b"192.0.2.7 2026-12-08T01:00:00.000000Z - <38>Dec  8 01:00:00 web01 sshd[7]: Failed password for root from 198.51.100.9 port 4242 ssh2\n",
            b"192.0.2.8 2026-12-08T01:00:01.000000Z cut:99999 <38>1 2026-12-08T01:00:01Z - sshd 8 - - Accepted password for alice from 198.51.100.10 port 1 ssh2\n",
        ]
        .iter()
        .enumerate()
        {
            let raw = RawLine {
                bytes: l,
                path: "x.spool",
                file_id: 1,
                offset: i as u64 * 100,
                line: i as u64 + 1,
            };
            p.feed(&raw, &ctx, &mut out);
        }
        let evs: Vec<_> = out.into_iter().map(|o| o.unwrap()).collect();
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[0].action, "login.failure");
        assert_eq!(&*evs[0].host, "web01");
        assert_eq!(evs[0].actor.as_deref(), Some("root"));
        assert_eq!(evs[0].fields.get("peer").unwrap(), "192.0.2.7");
        assert_eq!(evs[0].ts.to_rfc3339(), "2026-12-08T01:00:00+00:00");
        assert!(evs[0].flags.iter().all(|f| f != Flag::Truncated));
        // No host in the message: the peer's address.
        assert_eq!(&*evs[1].host, "192.0.2.8");
        assert_eq!(evs[1].action, "login.success");
        assert!(evs[1].flags.contains(&Flag::Truncated));
        assert_eq!(
            evs[1]
                .fields
                .get("original_length")
                .and_then(|v| v.as_u64()),
            Some(99999)
        );
    }
}
