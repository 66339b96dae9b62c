//! `vigil watch --metrics ADDR`: the watcher's counters served as Prometheus text on
//! `GET /metrics`, from a small HTTP/1.1 server on a thread of its own. The counters are atomics
//! the watch loop updates as it goes; a scrape reads them without stopping it.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};

/// What the watcher has done since it started.
#[derive(Debug, Default)]
pub struct Metrics {
    pub lines: AtomicU64,
    pub events: AtomicU64,
    pub dead: AtomicU64,
    pub commits: AtomicU64,
    /// Unix time of the last commit (0: none yet).
    pub last_commit: AtomicI64,
    /// Unix time since which read lines wait for a commit (0: nothing waits).
    pub dirty_since: AtomicI64,
    /// Per source: lines read, and the newest event time (unix seconds).
    sources: Mutex<BTreeMap<String, (u64, i64)>>,
    /// The running listeners' counters, by listener name.
    pub listeners: std::sync::OnceLock<Vec<(String, std::sync::Arc<crate::listen::Stats>)>>,
}

impl Metrics {
    /// Counts `lines` read from `source`, and the newest event time of what they gave.
    pub fn source(&self, source: &str, lines: u64, out: &[vigil_parsers::Output]) {
        let ts = out
            .iter()
            .filter_map(|o| o.as_ref().ok().map(|e| e.ts.timestamp()))
            .max();
        if let Ok(mut m) = self.sources.lock() {
            let e = m.entry(source.to_string()).or_insert((0, 0));
            e.0 += lines;
            if let Some(t) = ts {
                e.1 = e.1.max(t);
            }
        }
    }

    /// The Prometheus text exposition of the counters, at `now` (unix seconds).
    pub fn render(&self, now: i64) -> String {
        let mut s = String::new();
        let mut one = |name: &str, kind: &str, help: &str, v: String| {
            s.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}\n"
            ));
        };
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed).to_string();
        one(
            "vigil_watch_lines_total",
            "counter",
            "Lines read from the sources.",
            get(&self.lines),
        );
        one(
            "vigil_watch_events_total",
            "counter",
            "Events indexed.",
            get(&self.events),
        );
        one(
            "vigil_watch_dead_letters_total",
            "counter",
            "Lines no parser accepted, written to the dead letter.",
            get(&self.dead),
        );
        one(
            "vigil_watch_commits_total",
            "counter",
            "Commits of the index, checkpoints and archive.",
            get(&self.commits),
        );
        one(
            "vigil_watch_last_commit_timestamp_seconds",
            "gauge",
            "When the last commit was made (0: none yet).",
            self.last_commit.load(Ordering::Relaxed).to_string(),
        );
        let dirty = self.dirty_since.load(Ordering::Relaxed);
        one(
            "vigil_watch_commit_lag_seconds",
            "gauge",
            "How long read lines have waited for a commit (0: none waits).",
            if dirty == 0 { 0 } else { (now - dirty).max(0) }.to_string(),
        );
        let label = |v: &str| {
            v.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        };
        if let Ok(m) = self.sources.lock() {
            s.push_str("# HELP vigil_watch_source_lines_total Lines read, per source.\n# TYPE vigil_watch_source_lines_total counter\n");
            for (name, (lines, _)) in m.iter() {
                s.push_str(&format!(
                    "vigil_watch_source_lines_total{{source=\"{}\"}} {lines}\n",
                    label(name)
                ));
            }
            s.push_str("# HELP vigil_watch_source_last_event_timestamp_seconds The newest event's time, per source.\n# TYPE vigil_watch_source_last_event_timestamp_seconds gauge\n");
            for (name, (_, ts)) in m.iter().filter(|(_, (_, ts))| *ts > 0) {
                s.push_str(&format!(
                    "vigil_watch_source_last_event_timestamp_seconds{{source=\"{}\"}} {ts}\n",
                    label(name)
                ));
            }
        }
        if let Some(ls) = self.listeners.get().filter(|l| !l.is_empty()) {
            let mut family = |name: &str, kind: &str, help: &str, rows: Vec<(String, u64)>| {
                s.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
                for (labels, v) in rows {
                    s.push_str(&format!("{name}{{{labels}}} {v}\n"));
                }
            };
            let each = |f: &dyn Fn(&crate::listen::Stats) -> u64| -> Vec<(String, u64)> {
                ls.iter()
                    .map(|(n, st)| (format!("listener=\"{}\"", label(n)), f(st)))
                    .collect()
            };
            let mut peers = Vec::new();
            for (n, st) in ls {
                if let Ok(p) = st.peers.lock() {
                    for (ip, count) in p.iter() {
                        peers.push((format!("listener=\"{}\",peer=\"{ip}\"", label(n)), *count));
                    }
                }
            }
            family(
                "vigil_listener_messages_total",
                "counter",
                "Messages received and written to the spool (acknowledged), per listener and peer.",
                peers,
            );
            family(
                "vigil_listener_truncated_total",
                "counter",
                "Messages longer than max_message, cut and flagged.",
                each(&|st| st.cut.load(Ordering::Relaxed)),
            );
            family(
                "vigil_listener_refused_total",
                "counter",
                "Connections or datagrams from peers outside hosts, and failed TLS handshakes.",
                each(&|st| st.refused.load(Ordering::Relaxed)),
            );
            family(
                "vigil_listener_udp_drops_total",
                "counter",
                "Datagrams the kernel dropped for a UDP listener's socket (receive buffer full), from /proc/net/udp.",
                each(&|st| st.udp_drops.load(Ordering::Relaxed)),
            );
            family(
                "vigil_listener_backlog_bytes",
                "gauge",
                "Spool bytes not yet indexed, as of the last commit.",
                each(&|st| st.backlog.load(Ordering::Relaxed)),
            );
        }
        s
    }
}

/// Serves `metrics` on `addr` from a thread of its own; returns the address bound (port 0
/// picks a free one).
pub fn serve(addr: &str, metrics: std::sync::Arc<Metrics>) -> Result<SocketAddr> {
    let listener = TcpListener::bind(addr)
        .with_context(|| format!("--metrics {addr}: cannot listen there"))?;
    let bound = listener
        .local_addr()
        .with_context(|| format!("--metrics {addr}: cannot listen there"))?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // A client that misbehaves costs its connection, nothing more.
            let _ = answer(stream, &metrics);
        }
    });
    Ok(bound)
}

/// Reads one request (its head, at most 8 KiB, within 5 s) and answers it.
fn answer(mut stream: TcpStream, metrics: &Metrics) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, kind, body) = match (method, path.split('?').next().unwrap_or("")) {
        ("GET", "/metrics") => (
            "200 OK",
            "text/plain; version=0.0.4; charset=utf-8",
            metrics.render(chrono::Utc::now().timestamp()),
        ),
        ("GET", _) => (
            "404 Not Found",
            "text/plain",
            "only /metrics is here\n".to_string(),
        ),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            "GET /metrics\n".to_string(),
        ),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}
