//! The syslog listeners, fed by real clients: util-linux's `logger` over UDP and TCP (newline
//! and octet-counted framing, RFC 3164 and 5424), rsyslog forwarding over TLS with `omfwd` and
//! its gtls and ossl drivers, and a SIGKILL of `vigil receive` under load from a client on
//! loopback. Where a client is missing, the test says it was skipped.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failure is the test failing

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{count_in, stop_watch, vigil_in, vigil_ok, wait_for_count};

/// A fresh folder for a test's site.
fn site(name: &str, listeners: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vigil-listen-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("vigil.toml"),
        format!("data_dir = \"data\"\ndisplay_zone = \"UTC\"\n\n{listeners}"),
    )
    .unwrap();
    dir
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    let s = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = s.local_addr().unwrap().port();
    // The same port must be free for UDP too.
    drop(s);
    match std::net::UdpSocket::bind(("127.0.0.1", port)) {
        Ok(_) => port,
        Err(_) => free_port(),
    }
}

/// `vigil receive` in `dir`, once its last TCP listener (`port`) takes connections.
fn start_receive(dir: &Path, port: u16) -> Child {
    start_receive_with(dir, port, &[])
}

fn start_receive_with(dir: &Path, port: u16, opts: &[&str]) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(["--config", "vigil.toml", "--data", "data", "receive"])
        .args(["--commit-every", "200ms"])
        .args(opts)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            panic!("vigil receive ended ({status}): {err}");
        }
        assert!(Instant::now() < deadline, "the listener never came up");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn logger(args: &[&str]) {
    let out = Command::new("logger").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "logger {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The events `query` finds, as JSON.
fn events(dir: &Path, query: &str) -> Vec<serde_json::Value> {
    let out = vigil_ok(dir, &["search", query, "--format", "jsonl", "--limit", "0"]);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn logger_over_udp_and_tcp_is_indexed_once_each_with_its_peer() {
    if !have("logger") {
        eprintln!("SKIPPED logger_over_udp_and_tcp: logger (bsdutils) is not installed");
        return;
    }
    let (udp, tcp, closed) = (free_port(), free_port(), free_port());
    let dir = site(
        "logger",
        &format!(
            r#"[[listeners]]
name = "net-udp"
protocol = "udp"
address = "127.0.0.1:{udp}"

[[listeners]]
name = "closed"
protocol = "tcp"
address = "127.0.0.1:{closed}"
hosts = ["10.0.0.0/8", "2001:db8::/32"]

[[listeners]]
name = "net-tcp"
protocol = "tcp"
address = "127.0.0.1:{tcp}"
max_message = "2 KiB"
"#
        ),
    );
    let metrics = free_port();
    let vigil = start_receive_with(&dir, tcp, &["--metrics", &format!("127.0.0.1:{metrics}")]);
    let (udp, tcp, closed) = (udp.to_string(), tcp.to_string(), closed.to_string());
    let failed = "Failed password for root from 198.51.100.9 port 4242 ssh2";
    for i in 0..20 {
        // RFC 5424 over TCP, octet-counted.
        logger(&[
            "--server",
            "127.0.0.1",
            "--port",
            &tcp,
            "--tcp",
            "--octet-count",
            "--rfc5424",
            "-t",
            "sshd",
            "-p",
            "auth.info",
            failed,
        ]);
        // RFC 3164 over TCP, one message a line.
        logger(&[
            "--server",
            "127.0.0.1",
            "--port",
            &tcp,
            "--tcp",
            "--rfc3164",
            "-t",
            "app",
            "-p",
            "user.notice",
            &format!("tcp message {i} 档案 备份"),
        ]);
        // RFC 3164 over UDP.
        logger(&[
            "--server",
            "127.0.0.1",
            "--port",
            &udp,
            "--udp",
            "--rfc3164",
            "-t",
            "sshd",
            "-p",
            "auth.info",
            failed,
        ]);
    }
    // A message longer than max_message (2 KiB): cut, flagged, and the next one read whole.
    let long = format!("long {}", "x".repeat(6000));
    logger(&[
        "--server",
        "127.0.0.1",
        "--port",
        &tcp,
        "--tcp",
        "--rfc3164",
        "--size",
        "10000",
        "-t",
        "app",
        &long,
    ]);
    logger(&[
        "--server",
        "127.0.0.1",
        "--port",
        &tcp,
        "--tcp",
        "--rfc3164",
        "-t",
        "app",
        "after the long one",
    ]);
    // From a peer outside the listener's hosts: refused.
    let _ = Command::new("logger")
        .args([
            "--server",
            "127.0.0.1",
            "--port",
            &closed,
            "--tcp",
            "not allowed",
        ])
        .output();
    assert_eq!(wait_for_count(&dir, "source:net-tcp", 42), 42);
    assert_eq!(wait_for_count(&dir, "source:net-udp", 20), 20);
    // The counters, as Prometheus scrapes them.
    let mut http = std::net::TcpStream::connect(("127.0.0.1", metrics)).unwrap();
    http.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut page = String::new();
    std::io::Read::read_to_string(&mut http, &mut page).unwrap();
    for line in [
        "vigil_listener_messages_total{listener=\"net-tcp\",peer=\"127.0.0.1\"} 42",
        "vigil_listener_messages_total{listener=\"net-udp\",peer=\"127.0.0.1\"} 20",
        "vigil_listener_truncated_total{listener=\"net-tcp\"} 1",
        "vigil_listener_refused_total{listener=\"closed\"} 1",
        "vigil_listener_udp_drops_total{listener=\"net-udp\"} 0",
    ] {
        assert!(page.contains(line), "{line} not in:\n{page}");
    }
    let (code, err) = stop_watch(vigil);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("listener net-tcp receives syslog over tcp"),
        "{err}"
    );

    assert_eq!(count_in(&dir, "source:net-tcp"), 42);
    assert_eq!(count_in(&dir, "source:net-udp"), 20);
    assert_eq!(count_in(&dir, "source:closed"), 0);
    assert_eq!(
        count_in(
            &dir,
            "action:login.failure AND actor:root AND src_ip:198.51.100.9"
        ),
        40
    );
    assert_eq!(count_in(&dir, "备份"), 20);
    let all = events(&dir, "source:net-tcp OR source:net-udp");
    assert_eq!(all.len(), 62);
    let mut ids: Vec<&str> = all.iter().map(|e| e["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 62, "every message once");
    for e in &all {
        assert_eq!(e["fields"]["peer"], "127.0.0.1", "{e}");
    }
    let cut = events(&dir, "long AND NOT after");
    assert_eq!(cut.len(), 1);
    assert_eq!(
        cut[0]["flags"],
        serde_json::json!(["year_inferred", "zone_from_source", "truncated"])
    );
    let whole = cut[0]["fields"]["original_length"].as_u64().unwrap();
    assert!(whole > 6000, "{whole}");
    assert!(cut[0]["raw"].as_str().unwrap().len() <= 2048);
    assert_eq!(count_in(&dir, "\"after the long one\""), 1);
}

/// Runs `openssl ARGS` in `dir`.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for localhost and a client certificate, signed by the CA.
fn certificates(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca-key.pem",
            "-out",
            "ca.pem",
            "-days",
            "30",
            "-subj",
            "/CN=vigil test CA",
        ],
    );
    for who in ["server", "client"] {
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{who}-key.pem"),
                "-out",
                &format!("{who}.csr"),
                "-subj",
                "/CN=localhost",
            ],
        );
        std::fs::write(
            dir.join(format!("{who}.ext")),
            "subjectAltName = DNS:localhost, IP:127.0.0.1\n",
        )
        .unwrap();
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{who}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-CAcreateserial",
                "-out",
                &format!("{who}.pem"),
                "-days",
                "30",
                "-extfile",
                &format!("{who}.ext"),
            ],
        );
    }
}

/// rsyslog reading `input` (one message a line) with imfile and forwarding it with omfwd over
/// TLS through `driver`, until every line is sent; returns rsyslogd's stderr when it fails.
fn rsyslog_forward(dir: &Path, driver: &str, port: u16, input: &Path) -> Child {
    let work = dir.join(format!("rsyslog-{driver}"));
    std::fs::create_dir_all(&work).unwrap();
    let conf = work.join("rsyslog.conf");
    let p = |f: &str| dir.join(f).display().to_string();
    std::fs::write(
        &conf,
        format!(
            r#"global(workDirectory="{work}"
       defaultNetstreamDriverCAFile="{ca}"
       defaultNetstreamDriverCertFile="{cert}"
       defaultNetstreamDriverKeyFile="{key}")
module(load="imfile")
input(type="imfile" File="{input}" Tag="archive-app:" Facility="local0" Severity="notice")
action(type="omfwd" target="127.0.0.1" port="{port}" protocol="tcp"
       StreamDriver="{driver}" StreamDriverMode="1"
       StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost"
       TCP_Framing="octet-counted"
       action.resumeRetryCount="-1" action.resumeInterval="1")
"#,
            work = work.display(),
            ca = p("ca.pem"),
            cert = p("client.pem"),
            key = p("client-key.pem"),
            input = input.display(),
        ),
    )
    .unwrap();
    Command::new("rsyslogd")
        .args(["-n", "-f"])
        .arg(&conf)
        .arg("-i")
        .arg(work.join("rsyslogd.pid"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn rsyslog_forwards_over_tls_with_a_client_certificate_through_gtls_and_ossl() {
    let rsyslogd = ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"]
        .iter()
        .find(|p| Path::new(p).exists());
    if rsyslogd.is_none() || !have("openssl") {
        eprintln!("SKIPPED rsyslog_forwards_over_tls: rsyslogd or openssl is not installed");
        return;
    }
    let drivers: Vec<&str> = ["gtls", "ossl"]
        .into_iter()
        .filter(|d| {
            let found = ["/usr/lib/x86_64-linux-gnu/rsyslog", "/usr/lib/rsyslog"]
                .iter()
                .any(|dir| Path::new(dir).join(format!("lmnsd_{d}.so")).exists());
            if !found {
                eprintln!(
                    "SKIPPED rsyslog over TLS with {d}: rsyslog's {d} driver is not installed"
                );
            }
            found
        })
        .collect();
    if drivers.is_empty() {
        return;
    }
    let port = free_port();
    let dir = site(
        "tls",
        &format!(
            r#"[[listeners]]
name = "net-tls"
protocol = "tls"
address = "127.0.0.1:{port}"
tls_cert = "server.pem"
tls_key = "server-key.pem"
tls_client_ca = "ca.pem"
"#
        ),
    );
    certificates(&dir);
    let vigil = start_receive(&dir, port);
    let mut sent = 0;
    for (n, driver) in drivers.iter().enumerate() {
        let input = dir.join(format!("app-{driver}.log"));
        let mut f = std::fs::File::create(&input).unwrap();
        for i in 0..100 {
            writeln!(
                f,
                "user zhangsan exported record AR-{n}-{i} via {driver} 导出"
            )
            .unwrap();
        }
        drop(f);
        sent += 100;
        let mut rsyslog = rsyslog_forward(&dir, driver, port, &input);
        let got = wait_for_count(&dir, "source:net-tls", sent);
        let _ = Command::new("kill")
            .args(["-TERM", &rsyslog.id().to_string()])
            .status();
        let status = rsyslog.wait().unwrap();
        let mut err = String::new();
        std::io::Read::read_to_string(&mut rsyslog.stderr.take().unwrap(), &mut err).unwrap();
        assert_eq!(got, sent, "rsyslog with {driver} ({status}): {err}");
        assert_eq!(count_in(&dir, &format!("\"via {driver}\"")), 100);
    }
    // Without a client certificate the listener takes nothing.
    let out = Command::new("sh")
        .args([
            "-c",
            &format!(
                "printf '<13>Dec  8 01:00:00 h app: no certificate\\n' | timeout 10 openssl s_client -quiet -connect 127.0.0.1:{port} -CAfile ca.pem 2>&1"
            ),
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    let (code, err) = stop_watch(vigil);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(count_in(&dir, "\"no certificate\""), 0, "{out:?}");
    let all = events(&dir, "source:net-tls");
    assert_eq!(all.len(), sent);
    for e in &all {
        assert_eq!(e["fields"]["peer"], "127.0.0.1");
        assert!(e["host"].as_str().is_some_and(|h| !h.is_empty()), "{e}");
    }
    assert_eq!(count_in(&dir, "导出 AND zhangsan"), sent);
}

/// The message numbers in the spool files of `dir`'s listener `name`: what was acknowledged.
fn spooled(dir: &Path, name: &str) -> Vec<u64> {
    let mut seqs = Vec::new();
    let spool = dir.join("data/listen").join(name);
    for e in std::fs::read_dir(&spool).unwrap() {
        let text = std::fs::read(e.unwrap().path()).unwrap();
        for line in text.split(|b| *b == b'\n') {
            if line.is_empty() || line.starts_with(b"#") {
                continue;
            }
            let s = String::from_utf8_lossy(line);
            let n = s.rsplit("seq=").next().unwrap().trim().parse().unwrap();
            seqs.push(n);
        }
    }
    seqs.sort();
    seqs
}

fn kill9(child: &mut Child) {
    Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    let _ = child.wait();
}

#[test]
fn a_sigkilled_listener_loses_nothing_it_acknowledged_and_indexes_it_once() {
    let port = free_port();
    let dir = site(
        "kill",
        &format!(
            "[[listeners]]\nname = \"net\"\nprotocol = \"tcp\"\naddress = \"127.0.0.1:{port}\"\n"
        ),
    );
    let mut vigil = start_receive(&dir, port);
    // A client on loopback sends numbered messages as fast as the listener takes them, until
    // the connection breaks.
    let client = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let mut sent = 0u64;
        for seq in 0..200_000u64 {
            let m = format!("<13>Dec  8 01:00:00 app01 app: message seq={seq}\n");
            if s.write_all(m.as_bytes()).is_err() {
                break;
            }
            sent += 1;
            // A bounded load: at most 25,000 messages a second.
            if seq % 500 == 499 {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        sent
    });
    // Kill it while messages arrive.
    let deadline = Instant::now() + Duration::from_secs(60);
    // Once some are indexed and more arrive.
    while (spooled(&dir, "net").len() < 20_000 || count_in(&dir, "source:net") == 0)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    kill9(&mut vigil);
    let sent = client.join().unwrap();
    let acknowledged = spooled(&dir, "net");
    eprintln!(
        "killed after {} messages were sent: {} acknowledged (in the spool), {} indexed",
        sent,
        acknowledged.len(),
        count_in(&dir, "source:net")
    );
    assert!(acknowledged.len() >= 20_000, "{}", acknowledged.len());
    assert!((acknowledged.len() as u64) <= sent);
    let mut unique = acknowledged.clone();
    unique.dedup();
    assert_eq!(unique.len(), acknowledged.len(), "a message spooled twice");
    // Restarted, and killed again while it indexes the spool.
    let before = count_in(&dir, "source:net");
    let mut again = start_receive(&dir, port);
    let deadline = Instant::now() + Duration::from_secs(60);
    while count_in(&dir, "source:net") == before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    kill9(&mut again);
    eprintln!(
        "killed again while indexing: {} of them indexed",
        count_in(&dir, "source:net")
    );
    // Finished.
    let last = start_receive(&dir, port);
    let n = acknowledged.len();
    assert_eq!(wait_for_count(&dir, "source:net", n), n);
    let (code, err) = stop_watch(last);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(count_in(&dir, "source:net"), n);
    let mut indexed: Vec<u64> = events(&dir, "source:net")
        .iter()
        .map(|e| {
            e["raw"]
                .as_str()
                .unwrap()
                .rsplit("seq=")
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    indexed.sort();
    assert_eq!(
        indexed, acknowledged,
        "each acknowledged message indexed exactly once"
    );
    // The spool files read to their end are gone, but the one being written when it stopped.
    let left = std::fs::read_dir(dir.join("data/listen/net"))
        .unwrap()
        .count();
    assert!(left <= 1, "{left} spool files left");
}

#[test]
fn listener_mistakes_are_named_with_their_key() {
    let cases = [
        (
            "[[listeners]]\nname = \"a\"\nprotocol = \"quic\"\naddress = \"127.0.0.1:5514\"\n",
            "listeners[0].protocol",
            "use udp, tcp or tls",
        ),
        (
            "[[listeners]]\nname = \"a\"\nprotocol = \"tcp\"\naddress = \"localhost\"\n",
            "listeners[0].address",
            "is not an address and port",
        ),
        (
            "[[listeners]]\nname = \"a\"\nprotocol = \"tls\"\naddress = \"127.0.0.1:6514\"\n",
            "listeners[0].tls_cert",
            "needs tls_cert and tls_key",
        ),
        (
            "[[listeners]]\nname = \"a\"\nprotocol = \"udp\"\naddress = \"127.0.0.1:5514\"\nhosts = [\"10.0.0.0/33\"]\n",
            "listeners[0].hosts",
            "prefix length",
        ),
        (
            "[[listeners]]\nname = \"a\"\nprotocol = \"udp\"\naddress = \"127.0.0.1:5514\"\nmax_message = \"9 GiB\"\n",
            "listeners[0].max_message",
            "from 512 to 16 MiB",
        ),
    ];
    for (toml, key, says) in cases {
        let dir = site("mistakes", toml);
        let out = vigil_in(&dir, &["receive"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(key) && err.contains(says), "{key}: {err}");
    }
    // A port taken by another program is named with the listener.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = site(
        "taken",
        &format!(
            "[[listeners]]\nname = \"net\"\nprotocol = \"tcp\"\naddress = \"127.0.0.1:{port}\"\n"
        ),
    );
    let out = vigil_in(&dir, &["receive"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "listener net: cannot listen on tcp 127.0.0.1:{port}"
        )),
        "{err}"
    );
}
