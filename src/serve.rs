//! `vigil serve`: the web console for security reviewers. One binary, pages rendered on the
//! server (no script at all, so the Content-Security-Policy allows none), the stylesheet embedded.
//!
//! - Every page but the login page needs a session: a random token in an `HttpOnly;
//!   SameSite=Strict` cookie, held in memory (a restart logs everyone out). Every form carries the
//!   session's CSRF token; a POST without it is refused. The login form has its own token, a
//!   cookie and a field that must agree.
//! - Failed logins are limited per user name and per address: after [`MAX_FAILURES`] for one
//!   name (or [`MAX_FAILURES_PER_ADDRESS`] from one address, for any names) in [`FAILURE_WINDOW`],
//!   logins for that name (from there) are refused until the window passes.
//! - Every login, failed login, logout, search and triage is appended to vigil's own audit log,
//!   `data/console/audit.jsonl`, which `ingest` reads as the source `vigil`: the console's use is
//!   searchable like any other log.
//! - Log text is HTML-escaped wherever it is shown; a bad query is shown as its message.
//!
//! Without TLS the console listens on loopback only.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use axum::extract::{ConnectInfo, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt as _;
use axum::{Form, Router};
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use vigil_index::Searcher;
use vigil_parsers::Event;

use crate::config::Config;
use crate::exit::ExitCode;
use crate::triage::{self, Status};
use crate::users::{self, Role};

/// Failed logins allowed per address or user name within [`FAILURE_WINDOW`].
pub const MAX_FAILURES: usize = 5;
/// Failed logins from one address, whatever the names, before its logins are refused: more than
/// one user's, so that one user's typing does not lock out a shared jump host.
pub const MAX_FAILURES_PER_ADDRESS: usize = 20;
/// The window failed logins are counted in, and how long a limited login waits.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// A session ends this long after its last request.
const IDLE: Duration = Duration::from_secs(8 * 3600);
/// Hits per page.
const PAGE: usize = 50;

const CSS: &str = include_str!("serve.css");

/// The options of `vigil serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on: loopback only (127.0.0.1, ::1) without TLS.
    #[arg(long, default_value = "127.0.0.1:8440")]
    pub listen: SocketAddr,
    /// Serve HTTPS with this certificate chain (PEM, the server's certificate first); any
    /// address may then be listened on, and the cookies are `Secure`.
    #[arg(long, requires = "tls_key", value_name = "PEM")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, requires = "tls_cert", value_name = "PEM")]
    pub tls_key: Option<PathBuf>,
}

/// A logged-in user's session.
#[derive(Debug, Clone)]
struct Session {
    user: String,
    role: Role,
    csrf: String,
    seen: Instant,
}

/// The console's state, shared by every request.
struct App {
    config: Config,
    data: PathBuf,
    zone: Tz,
    searcher: Searcher,
    sessions: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
    audit: Mutex<std::fs::File>,
    host: String,
    /// Served over TLS: cookies are `Secure` and browsers are told to keep to HTTPS.
    tls: bool,
}

type Shared = Arc<App>;

/// Random hex: session and CSRF tokens.
fn token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| anyhow!("no random numbers for a token: {e}"))?;
    Ok(b.iter().fold(String::with_capacity(64), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    }))
}

/// Equal without saying where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// `s` safe inside HTML text and attribute values; control characters shown as `\xNN`.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control()
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c) =>
            {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// `s` percent-encoded for a URL's query.
fn url(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
    let age = max_age.map_or(String::new(), |a| format!("; Max-Age={a}"));
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

fn redirect(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// The headers every response carries; over TLS, cookies are `Secure` and HSTS is set.
async fn secure_headers(State(app): State<Shared>, mut r: Response) -> Response {
    let h = r.headers_mut();
    if app.tls {
        let cookies: Vec<HeaderValue> = h
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| HeaderValue::from_str(&format!("{v}; Secure")).ok())
            .collect();
        h.remove(header::SET_COOKIE);
        for c in cookies {
            h.append(header::SET_COOKIE, c);
        }
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

impl App {
    /// Appends one entry to the console's audit log (a failure to write it is said on stderr
    /// and does not stop the request: the console keeps serving, and says so).
    fn audit(&self, user: &str, action: &str, ok: bool, ip: &SocketAddr, message: &str) {
        let line = serde_json::json!({
            "ts": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "host": self.host,
            "user": user,
            "action": action,
            "result": if ok { "success" } else { "failure" },
            "ip": ip.ip().to_string(),
            "message": message,
        });
        let mut text = line.to_string();
        text.push('\n');
        let written = match self.audit.lock() {
            Ok(mut f) => f.write_all(text.as_bytes()).and_then(|()| f.sync_data()),
            Err(_) => Err(std::io::Error::other("the audit log's lock is poisoned")),
        };
        if let Err(e) = written {
            eprintln!("vigil serve: cannot write the audit log: {e}");
        }
    }

    /// The session of a request, touched.
    fn session(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let t = cookie(headers, "vigil_session")?;
        let mut sessions = self.sessions.lock().ok()?;
        let now = Instant::now();
        sessions.retain(|_, s| now.duration_since(s.seen) < IDLE);
        let s = sessions.get_mut(t)?;
        s.seen = now;
        Some((t.to_string(), s.clone()))
    }

    /// Whether `keys` may try to log in now; when not, how long until they may.
    fn limited(&self, keys: &[(String, usize)]) -> Option<Duration> {
        let mut f = self.failures.lock().ok()?;
        let now = Instant::now();
        let mut wait = None;
        for (k, max) in keys {
            if let Some(q) = f.get_mut(k) {
                while q
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= FAILURE_WINDOW)
                {
                    q.pop_front();
                }
                if q.len() >= *max
                    && let Some(first) = q.front()
                {
                    let w = FAILURE_WINDOW.saturating_sub(now.duration_since(*first));
                    wait = Some(wait.map_or(w, |x: Duration| x.max(w)));
                }
            }
        }
        wait
    }

    fn failed(&self, keys: &[(String, usize)]) {
        if let Ok(mut f) = self.failures.lock() {
            let now = Instant::now();
            // Names tried once each must not grow the table without end: forget expired ones.
            if f.len() > 10_000 {
                f.retain(|_, q| {
                    q.back()
                        .is_some_and(|t| now.duration_since(*t) < FAILURE_WINDOW)
                });
            }
            for (k, max) in keys {
                let q = f.entry(k.clone()).or_default();
                q.push_back(now);
                // Only the last `max` count.
                while q.len() > *max {
                    q.pop_front();
                }
            }
        }
    }
}

/// A page with the navigation of a logged-in user.
fn page(title: &str, s: &Session, body: &str) -> Response {
    let users = if s.role == Role::Admin {
        "<a href=\"/users\">Users</a>"
    } else {
        ""
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} · vigil</title>\
<link rel=\"stylesheet\" href=\"/assets/vigil.css\"></head><body>\
<nav><b>vigil</b> <a href=\"/search\">Search</a> <a href=\"/findings\">Findings</a> \
<a href=\"/backups\">Backups</a> <a href=\"/report\">Report</a> {users}\
<form class=\"logout\" method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<span id=\"who\">{} ({})</span> <button type=\"submit\" id=\"logout\">Log out</button></form></nav>\
<main>{body}</main></body></html>",
        esc(title),
        esc(&s.csrf),
        esc(&s.user),
        s.role.as_str(),
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

fn error_page(status: StatusCode, s: Option<&Session>, message: &str) -> Response {
    let body = format!(
        "<h1>{}</h1><p class=\"error\">{}</p>",
        status.as_u16(),
        esc(message)
    );
    let mut r = match s {
        Some(s) => page("error", s, &body),
        None => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            format!("<!doctype html><html><head><meta charset=\"utf-8\"><link rel=\"stylesheet\" href=\"/assets/vigil.css\"></head><body><main>{body}</main></body></html>"),
        )
            .into_response(),
    };
    *r.status_mut() = status;
    r
}

/// The session, or the answer for a request without one: to the login page for a page, 401 for
/// anything else.
fn need(
    app: &App,
    headers: &HeaderMap,
    page_request: bool,
) -> std::result::Result<Session, Response> {
    match app.session(headers) {
        Some((_, s)) => Ok(s),
        None if page_request => Err(redirect("/login")),
        None => Err(error_page(StatusCode::UNAUTHORIZED, None, "log in first")),
    }
}

/// A POST's session, its CSRF token checked.
fn need_post(
    app: &App,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> std::result::Result<(String, Session), Response> {
    let Some((t, s)) = app.session(headers) else {
        return Err(error_page(StatusCode::UNAUTHORIZED, None, "log in first"));
    };
    match form.get("csrf") {
        Some(c) if same(c, &s.csrf) => Ok((t, s)),
        _ => Err(error_page(
            StatusCode::FORBIDDEN,
            Some(&s),
            "this form has no valid CSRF token: reload the page and try again",
        )),
    }
}

async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS).into_response()
}

async fn login_form(headers: HeaderMap, State(app): State<Shared>) -> Response {
    if app.session(&headers).is_some() {
        return redirect("/search");
    }
    login_page(&headers, None, StatusCode::OK)
}

/// The login form. Its token is the browser's login cookie when it has one: a second request
/// for the page (another tab, or the browser's own request for an icon, redirected here) must
/// not turn the form already shown into a stale one.
fn login_page(headers: &HeaderMap, message: Option<&str>, status: StatusCode) -> Response {
    let kept = cookie(headers, "vigil_login")
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string);
    let Some(t) = kept.or_else(|| token().ok()) else {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, None, "no random numbers");
    };
    let msg = message.map_or(String::new(), |m| {
        format!("<p class=\"error\" id=\"login-error\">{}</p>", esc(m))
    });
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Log in · vigil</title>\
<link rel=\"stylesheet\" href=\"/assets/vigil.css\"></head><body><main class=\"login\"><h1>vigil</h1>{msg}\
<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" value=\"{t}\">\
<label>User <input name=\"user\" id=\"user\" autocomplete=\"username\" required></label>\
<label>Password <input name=\"password\" id=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
<button type=\"submit\" id=\"login\">Log in</button></form></main></body></html>"
    );
    let mut r = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie("vigil_login", &t, Some(600)));
    r
}

async fn login(
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(app): State<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let user = form.get("user").map_or("", |s| s.trim()).to_string();
    let password = form.get("password").cloned().unwrap_or_default();
    let csrf_ok = matches!(
        (form.get("csrf"), cookie(&headers, "vigil_login")),
        (Some(a), Some(b)) if same(a, b)
    );
    if !csrf_ok {
        return login_page(
            &headers,
            Some("the login form expired or did not come from this console: try again"),
            StatusCode::FORBIDDEN,
        );
    }
    let keys = [
        (format!("ip {}", peer.ip()), MAX_FAILURES_PER_ADDRESS),
        (format!("user {user}"), MAX_FAILURES),
    ];
    if let Some(wait) = app.limited(&keys) {
        app.audit(
            &user,
            "login.failure",
            false,
            &peer,
            "console login refused: too many failed logins",
        );
        return login_page(
            &headers,
            Some(&format!(
                "too many failed logins: try again in {} minutes",
                wait.as_secs().div_ceil(60).max(1)
            )),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let data = app.data.clone();
    let (u, p) = (user.clone(), password);
    let checked = tokio::task::spawn_blocking(move || users::verify(&data, &u, &p)).await;
    let found = match checked {
        Ok(Ok(found)) => found,
        Ok(Err(e)) => {
            eprintln!("vigil serve: {e:#}");
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                "the users file cannot be read: see the server's log",
            );
        }
        Err(_) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                "the login check failed",
            );
        }
    };
    let Some(found) = found else {
        app.failed(&keys);
        app.audit(
            &user,
            "login.failure",
            false,
            &peer,
            "console login failed: wrong user name or password",
        );
        return login_page(
            &headers,
            Some("wrong user name or password"),
            StatusCode::UNAUTHORIZED,
        );
    };
    let (Ok(t), Ok(csrf)) = (token(), token()) else {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, None, "no random numbers");
    };
    if let Ok(mut s) = app.sessions.lock() {
        s.insert(
            t.clone(),
            Session {
                user: found.name.clone(),
                role: found.role,
                csrf,
                seen: Instant::now(),
            },
        );
    }
    app.audit(&found.name, "login.success", true, &peer, "console login");
    let mut r = redirect("/search");
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie("vigil_session", &t, None));
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie("vigil_login", "", Some(0)));
    r
}

async fn logout(
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(app): State<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (t, s) = match need_post(&app, &headers, &form) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Ok(mut all) = app.sessions.lock() {
        all.remove(&t);
    }
    app.audit(&s.user, "logout", true, &peer, "console logout");
    let mut r = redirect("/login");
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie("vigil_session", "", Some(0)));
    r
}

/// A time from a form: empty is none.
fn form_time(
    v: Option<&String>,
    zone: Tz,
    name: &str,
) -> std::result::Result<Option<DateTime<Utc>>, String> {
    match v.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => crate::search_cmd::parse_time(s, zone, name)
            .map(Some)
            .map_err(|e| e.to_string()),
    }
}

/// The search page's URL for a query and range.
fn search_url(q: &str, since: &str, until: &str, page: usize) -> String {
    let mut u = format!("/search?q={}", url(q));
    if !since.is_empty() {
        let _ = write!(u, "&since={}", url(since));
    }
    if !until.is_empty() {
        let _ = write!(u, "&until={}", url(until));
    }
    if page > 1 {
        let _ = write!(u, "&page={page}");
    }
    u
}

/// `q` with `field:value` added (AND), the value quoted.
fn add_term(q: &str, field: &str, value: &str) -> Option<String> {
    if value.contains(['"', '\\']) {
        return None;
    }
    let term = format!("{field}:\"{value}\"");
    let q = q.trim();
    Some(if q.is_empty() || q == "*" {
        term
    } else {
        format!("({q}) AND {term}")
    })
}

/// The histogram as inline SVG: a bar per bucket, its count in its title.
fn histogram_svg(h: &vigil_index::Histogram, zone: Tz) -> String {
    let max = h.counts.iter().copied().max().unwrap_or(1).max(1);
    let (w, ht) = (800.0_f64, 100.0_f64);
    let bw = w / h.counts.len().max(1) as f64;
    let mut svg = format!(
        "<svg id=\"histogram\" class=\"histogram\" viewBox=\"0 0 {w} {}\" width=\"{w}\" height=\"{}\" role=\"img\" aria-label=\"hits over time\">",
        ht + 18.0,
        ht + 18.0
    );
    let step = chrono::TimeDelta::microseconds(h.step_micros);
    for (i, n) in h.counts.iter().enumerate() {
        let start = h.from + step * i as i32;
        let bh = if *n == 0 {
            0.0
        } else {
            (*n as f64 / max as f64 * ht).max(1.0)
        };
        let _ = write!(
            svg,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#3b6ea5\" data-count=\"{n}\"><title>{}: {n}</title></rect>",
            i as f64 * bw + 0.5,
            ht - bh,
            (bw - 1.0).max(0.5),
            start.with_timezone(&zone).format("%Y-%m-%d %H:%M")
        );
    }
    let end = h.from + step * h.counts.len() as i32;
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"{}\" font-size=\"11\" fill=\"#555\">{}</text><text x=\"{w}\" y=\"{}\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555\" text-anchor=\"middle\">max {max} per bar</text></svg>",
        ht + 14.0,
        h.from.with_timezone(&zone).format("%Y-%m-%d %H:%M"),
        ht + 14.0,
        end.with_timezone(&zone).format("%Y-%m-%d %H:%M"),
        w / 2.0,
        ht + 14.0
    );
    svg
}

/// A row of events as a table.
fn events_table(events: &[Event], zone: Tz) -> String {
    let mut t = String::from(
        "<table class=\"hits\" id=\"hits\"><thead><tr><th>time</th><th>host</th><th>action</th><th>outcome</th><th>actor</th><th>src_ip</th><th>message</th></tr></thead><tbody>",
    );
    for e in events {
        // Long messages are cut in the table, and say so; the event page shows them whole.
        let mut msg: String = e.message.chars().take(240).collect();
        if msg.len() < e.message.len() {
            msg.push('…');
        }
        let _ = write!(
            t,
            "<tr><td><a href=\"/event/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"msg\">{}</td></tr>",
            url(e.id.as_str()),
            e.ts.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S"),
            esc(&e.host),
            esc(&e.action),
            e.outcome.as_str(),
            esc(e.actor.as_deref().unwrap_or("")),
            esc(e.src_ip.as_deref().unwrap_or("")),
            esc(&msg),
        );
    }
    t.push_str("</tbody></table>");
    t
}

async fn search_page(
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(app): State<Shared>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let s = match need(&app, &headers, true) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let q = params.get("q").map_or("", |s| s.trim()).to_string();
    let since_s = params.get("since").cloned().unwrap_or_default();
    let until_s = params.get("until").cloned().unwrap_or_default();
    let page_no: usize = params
        .get("page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let mut body = format!(
        "<h1>Search</h1><form class=\"search\" method=\"get\" action=\"/search\">\
<input name=\"q\" id=\"q\" value=\"{}\" placeholder=\"actor:zhangsan AND action:login.failure, 删除, src_ip:10.1.0.0/16\" size=\"60\">\
<label>from <input name=\"since\" id=\"since\" value=\"{}\" placeholder=\"2026-11-01, yesterday, -24h\" size=\"16\"></label>\
<label>to <input name=\"until\" id=\"until\" value=\"{}\" placeholder=\"now\" size=\"16\"></label>\
<button type=\"submit\" id=\"go\">Search</button></form>",
        esc(&q),
        esc(&since_s),
        esc(&until_s)
    );
    if q.is_empty() {
        body.push_str("<p class=\"hint\">Fields: actor, host, action, outcome, src_ip, target, ticket, source, category, fields.NAME; AND, OR, NOT (any case), \"phrases\", globs (action:db.*), networks (src_ip:10.1.0.0/16).</p>");
        return page("Search", &s, &body);
    }
    let zone = app.zone;
    let range = form_time(params.get("since"), zone, "from")
        .and_then(|a| form_time(params.get("until"), zone, "to").map(|b| (a, b)));
    let (since, until) = match range {
        Ok(r) => r,
        Err(e) => {
            let _ = write!(body, "<p class=\"error\" id=\"error\">{}</p>", esc(&e));
            let mut r = page("Search", &s, &body);
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return r;
        }
    };
    fresh(&app);
    let started = Instant::now();
    let (app2, q2) = (app.clone(), q.clone());
    let result = tokio::task::spawn_blocking(move || -> Result<_> {
        let searcher = &app2.searcher;
        let mut timings = Vec::with_capacity(5);
        let mut lap = Instant::now();
        let mut split = |name: &'static str| {
            timings.push((name, lap.elapsed()));
            lap = Instant::now();
        };
        let total = searcher.count(&q2, since, until)?;
        split("count");
        let offset = (page_no - 1) * PAGE;
        let hits = searcher.search_page(&q2, since, until, offset, PAGE, false)?;
        split("hits");
        let histogram = searcher.histogram(&q2, since, until, 60)?;
        split("histogram");
        let mut facets = Vec::new();
        for f in ["actor", "host", "action", "src_ip"] {
            let mut c = searcher.count_by(&q2, since, until, f)?;
            c.truncate(10);
            facets.push((f, c));
        }
        split("facets");
        Ok((total, offset, hits, histogram, facets, timings))
    })
    .await
    .unwrap_or_else(|_| Err(anyhow!("the search failed")));
    let (total, offset, hits, histogram, facets, mut timings) = match result {
        Ok(r) => r,
        Err(e) => {
            app.audit(
                &s.user,
                "console.search",
                false,
                &peer,
                &format!("console search refused: {q}"),
            );
            let _ = write!(
                body,
                "<p class=\"error\" id=\"error\">{}</p>",
                esc(&e.to_string())
            );
            let mut r = page("Search", &s, &body);
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return r;
        }
    };
    app.audit(
        &s.user,
        "console.search",
        true,
        &peer,
        &format!("console search: {q} ({total} hits)"),
    );
    let shown_to = offset + hits.len();
    let _ = write!(
        body,
        "<p class=\"count\" id=\"count\"><b id=\"hits-total\">{total}</b> hit{}{}</p>",
        if total == 1 { "" } else { "s" },
        if total == 0 {
            String::new()
        } else {
            format!(", {}–{shown_to} shown, newest first", offset + 1)
        }
    );
    if let Some(h) = &histogram {
        body.push_str(&histogram_svg(h, zone));
    }
    body.push_str("<div class=\"layout\"><aside class=\"facets\" id=\"facets\">");
    for (field, counts) in &facets {
        let _ = write!(body, "<h3>{field}</h3><ul>");
        for (value, n) in counts {
            match add_term(&q, field, value) {
                Some(nq) => {
                    let _ = write!(
                        body,
                        "<li><a class=\"facet\" data-field=\"{field}\" data-value=\"{}\" href=\"{}\">{}</a> <span class=\"n\">{n}</span></li>",
                        esc(value),
                        esc(&search_url(&nq, &since_s, &until_s, 1)),
                        esc(value)
                    );
                }
                None => {
                    let _ = write!(body, "<li>{} <span class=\"n\">{n}</span></li>", esc(value));
                }
            }
        }
        body.push_str("</ul>");
    }
    body.push_str("</aside><section>");
    body.push_str(&events_table(&hits, zone));
    body.push_str("<p class=\"pages\">");
    if page_no > 1 {
        let _ = write!(
            body,
            "<a id=\"prev\" href=\"{}\">← newer</a> ",
            esc(&search_url(&q, &since_s, &until_s, page_no - 1))
        );
    }
    if (shown_to as u64) < total {
        let _ = write!(
            body,
            "<a id=\"next\" href=\"{}\">older →</a>",
            esc(&search_url(&q, &since_s, &until_s, page_no + 1))
        );
    }
    body.push_str("</p></section></div>");
    timings.push(("total", started.elapsed()));
    let mut r = page("Search", &s, &body);
    // Where the server's time went, for a browser's network panel and for the benchmark.
    let timing = timings
        .iter()
        .map(|(n, d)| format!("{n};dur={:.2}", d.as_secs_f64() * 1000.0))
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(v) = HeaderValue::from_str(&timing) {
        r.headers_mut().insert("server-timing", v);
    }
    r
}

async fn event_page(
    headers: HeaderMap,
    State(app): State<Shared>,
    UrlPath(id): UrlPath<String>,
) -> Response {
    let s = match need(&app, &headers, true) {
        Ok(s) => s,
        Err(r) => return r,
    };
    fresh(&app);
    let e = match app.searcher.get(&id) {
        Ok(Some(e)) => e,
        Ok(None) => {
            return error_page(
                StatusCode::NOT_FOUND,
                Some(&s),
                &format!("no event with id {id}"),
            );
        }
        Err(err) => return error_page(StatusCode::BAD_REQUEST, Some(&s), &err.to_string()),
    };
    let zone = app.zone;
    let mut body = format!(
        "<h1>Event {}</h1><table class=\"fields\" id=\"fields\">",
        esc(e.id.as_str())
    );
    let mut row = |k: &str, v: &str| {
        let _ = write!(body, "<tr><th>{k}</th><td>{}</td></tr>", esc(v));
    };
    row(
        "time",
        &e.ts
            .with_timezone(&zone)
            .format("%Y-%m-%d %H:%M:%S%.f %Z")
            .to_string(),
    );
    row("host", &e.host);
    row("source", &e.source);
    row("format", &e.format);
    row("category", e.category.as_str());
    row("action", &e.action);
    row("outcome", e.outcome.as_str());
    row("actor", e.actor.as_deref().unwrap_or(""));
    row("src_ip", e.src_ip.as_deref().unwrap_or(""));
    row("target", e.target.as_deref().unwrap_or(""));
    row("ticket", e.ticket.as_deref().unwrap_or(""));
    row("message", &e.message);
    for (k, v) in e.fields.iter() {
        let text = match v.view() {
            vigil_parsers::FieldRef::Str(s) => s.to_string(),
            vigil_parsers::FieldRef::Json(j) => j.to_string(),
        };
        let _ = write!(
            body,
            "<tr><th>fields.{}</th><td>{}</td></tr>",
            esc(k),
            esc(&text)
        );
    }
    let _ = write!(
        body,
        "<tr><th>origin</th><td>{} line {} (byte {})</td></tr></table><h2>Raw</h2><pre id=\"raw\">{}</pre>",
        esc(&e.origin.path),
        e.origin.line,
        e.origin.offset,
        esc(&e.raw)
    );
    // Context and the evidence chain.
    body.push_str("<h2>Context in its file</h2>");
    match crate::search_cmd::ContextReader::open(&app.data, 5).and_then(|r| Ok((r.around(&e)?, r))) {
        Ok((Some(c), reader)) => {
            body.push_str("<pre class=\"context\" id=\"context\">");
            for r in &c.before {
                let _ = writeln!(body, "<span class=\"ctx\">{}</span>", esc(&String::from_utf8_lossy(&r.line)));
            }
            for r in &c.event {
                let _ = writeln!(body, "<mark>{}</mark>", esc(&String::from_utf8_lossy(&r.line)));
            }
            for r in &c.after {
                let _ = writeln!(body, "<span class=\"ctx\">{}</span>", esc(&String::from_utf8_lossy(&r.line)));
            }
            body.push_str("</pre>");
            let _ = write!(body, "<p class=\"chain\" id=\"chain\">{}</p>", esc(&chain_status(&app.data, &reader, &c.holder)));
        }
        Ok((None, _)) => body.push_str("<p class=\"hint\" id=\"chain\">The archive does not hold this event's line (it was not archived: no context, no chain).</p>"),
        Err(err) => {
            let _ = write!(body, "<p class=\"error\" id=\"chain\">the archive cannot be read: {}</p>", esc(&err.to_string()));
        }
    }
    // The same actor within an hour.
    if let Some(actor) = e.actor.as_deref()
        && let Some(q) = add_term("", "actor", actor)
    {
        let hour = chrono::TimeDelta::hours(1);
        let (a, b) = (e.ts - hour, e.ts + hour);
        let near = app.searcher.search_page(&q, Some(a), Some(b), 0, 50, true);
        let total = app.searcher.count(&q, Some(a), Some(b)).unwrap_or(0);
        let fmt = |t: DateTime<Utc>| {
            t.with_timezone(&zone)
                .format("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        };
        let _ = write!(
            body,
            "<h2>Same actor ±1 h</h2><p><a id=\"same-actor\" href=\"{}\">{total} events of {} from {} to {}</a></p>",
            esc(&search_url(&q, &fmt(a), &fmt(b), 1)),
            esc(actor),
            a.with_timezone(&zone).format("%H:%M"),
            b.with_timezone(&zone).format("%H:%M")
        );
        if let Ok(near) = near {
            body.push_str(&events_table(&near, zone));
        }
    }
    page("Event", &s, &body)
}

/// What the archive says of the segment that holds a line: sealed under a link whose hash and
/// the segment's sha256 check out, or open and matching the last commit.
fn chain_status(
    data: &Path,
    reader: &crate::search_cmd::ContextReader,
    holder: &vigil_archive::context::Holder,
) -> String {
    use vigil_archive::context::Holder;
    let dir = data.join("archive");
    match holder {
        Holder::Sealed { segment, link } => {
            let links = match vigil_archive::chain::links(&dir) {
                Ok(l) => l,
                Err(e) => return format!("chain unreadable: {e}"),
            };
            let Some(l) = links.iter().find(|l| l.link == *link) else {
                return format!("segment {segment}: chain link {link} is missing");
            };
            let prev_ok = *link == 0
                || links
                    .iter()
                    .find(|p| p.link + 1 == *link)
                    .is_some_and(|p| p.hash == l.prev);
            let hash_ok = l.compute_hash() == l.hash;
            match vigil_archive::segment::hash_file(&dir.join(segment), None) {
                Ok((sha, _)) if sha == l.sha256 && hash_ok && prev_ok => format!(
                    "sealed in {segment} under chain link {link}: the segment's sha256 and the link's hash check out (link hash {})",
                    l.hash
                ),
                Ok(_) => format!(
                    "sealed in {segment} under chain link {link}: DOES NOT CHECK OUT (run vigil archive verify)"
                ),
                Err(e) => format!("sealed in {segment}: cannot be read: {e}"),
            }
        }
        Holder::Open { segment } => match reader.open_segment(segment) {
            Some((bytes, sha)) => {
                match vigil_archive::segment::hash_file(&dir.join(segment), Some(bytes)) {
                    Ok((got, _)) if got == sha => format!(
                        "in the open segment {segment} (not sealed yet): its {bytes} committed bytes match the last index commit"
                    ),
                    Ok(_) => format!(
                        "in the open segment {segment}: DOES NOT MATCH the last index commit (run vigil archive verify)"
                    ),
                    Err(e) => format!("in the open segment {segment}: cannot be read: {e}"),
                }
            }
            None => format!("in the open segment {segment}"),
        },
    }
}

/// The month a page asks for, else the month of the newest event, else this month.
fn month_of(app: &App, params: &HashMap<String, String>) -> String {
    if let Some(m) = params.get("month").filter(|m| !m.is_empty()) {
        return m.clone();
    }
    let zone = app.config.checking.policy.zone;
    let newest = app
        .searcher
        .search_page("*", None, None, 0, 1, false)
        .ok()
        .and_then(|v| v.into_iter().next())
        .map_or_else(Utc::now, |e| e.ts);
    let t = newest.with_timezone(&zone);
    format!("{}-{:02}", t.year(), t.month())
}

/// The index as of its last commit: a page shows what `watch` or `ingest` committed since the
/// console started. A reload that fails leaves the view as it was, and says so on stderr.
fn fresh(app: &App) {
    if let Err(e) = app.searcher.reload() {
        eprintln!("vigil serve: cannot reload the index: {e}");
    }
}

/// Runs `work` (index, registers, files) off the async threads. Its error is the page's message;
/// a panic is said in `what` failed, without its details.
async fn off_thread<T: Send + 'static>(
    s: &Session,
    what: &str,
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> std::result::Result<T, Response> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(error_page(
            StatusCode::BAD_REQUEST,
            Some(s),
            &format!("{e:#}"),
        )),
        Err(_) => Err(error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(s),
            &format!("{what} failed"),
        )),
    }
}

async fn findings_page(
    headers: HeaderMap,
    State(app): State<Shared>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let s = match need(&app, &headers, true) {
        Ok(s) => s,
        Err(r) => return r,
    };
    fresh(&app);
    let month = month_of(&app, &params);
    let rule = params.get("rule").cloned().unwrap_or_default();
    let severity = params.get("severity").cloned().unwrap_or_default();
    let status = params.get("status").cloned().unwrap_or_default();
    let app2 = app.clone();
    let m2 = month.clone();
    let run = off_thread(
        &s,
        "the checks",
        move || -> Result<(Vec<vigil_checks::Finding>, Vec<triage::Entry>)> {
            let policy = &app2.config.checking.policy;
            let (since, until) = crate::check_cmd::month_period(&m2, policy.zone)?;
            let (approvals, accounts) = crate::check_cmd::registers(&app2.config)?;
            let jobs: Vec<vigil_backups::jobs::Job> =
                app2.config.backups.iter().map(|b| b.job.clone()).collect();
            let checks = vigil_checks::Checks {
                store: &app2.searcher,
                policy,
                approvals: &approvals,
                accounts: &accounts,
                jobs: &jobs,
            };
            let outcome = checks.run(since, until, &[])?;
            Ok((outcome.findings, triage::load(&app2.data)?))
        },
    )
    .await;
    let (findings, entries) = match run {
        Ok(r) => r,
        Err(r) => return r,
    };
    let mut body = format!(
        "<h1>Findings</h1><form class=\"search\" method=\"get\" action=\"/findings\">\
<label>month <input name=\"month\" id=\"month\" value=\"{}\" size=\"8\"></label>\
<label>rule <input name=\"rule\" id=\"rule\" value=\"{}\" placeholder=\"backup.*\" size=\"20\"></label>\
<label>severity <select name=\"severity\" id=\"severity\">",
        esc(&month),
        esc(&rule)
    );
    for (v, label) in [
        ("", "any"),
        ("high", "high"),
        ("medium", "medium or higher"),
        ("low", "low or higher"),
    ] {
        let sel = if v == severity { " selected" } else { "" };
        let _ = write!(body, "<option value=\"{v}\"{sel}>{label}</option>");
    }
    body.push_str("</select></label><label>status <select name=\"status\" id=\"status\">");
    for (v, label) in [
        ("", "any"),
        ("open", "not triaged"),
        ("acknowledged", "acknowledged"),
        ("false_positive", "false positive"),
        ("followed_up", "followed up"),
    ] {
        let sel = if v == status { " selected" } else { "" };
        let _ = write!(body, "<option value=\"{v}\"{sel}>{label}</option>");
    }
    body.push_str("</select></label><button type=\"submit\">Show</button></form>");
    let pattern = (!rule.is_empty()).then(|| vigil_checks::pattern::Pattern::new(&rule));
    let min = vigil_checks::Severity::parse(&severity);
    let back = format!(
        "/findings?month={}&rule={}&severity={}&status={}",
        url(&month),
        url(&rule),
        url(&severity),
        url(&status)
    );
    let mut shown = 0;
    let mut rows = String::new();
    for f in &findings {
        if pattern.as_ref().is_some_and(|p| !p.matches(f.rule))
            || min.is_some_and(|m| f.severity < m)
        {
            continue;
        }
        let key = f.key();
        let history = triage::of(&entries, &key);
        let latest = history.last().map(|e| e.status);
        let status_ok = match status.as_str() {
            "" => true,
            "open" => latest.is_none(),
            other => latest.is_some_and(|l| l.as_str() == other),
        };
        if !status_ok {
            continue;
        }
        shown += 1;
        let mut evidence = String::new();
        for id in f.evidence.iter().take(5) {
            let _ = write!(evidence, "<a href=\"/event/{}\">{}</a> ", url(id), esc(id));
        }
        if f.evidence.len() > 5 {
            let _ = write!(evidence, "and {} more", f.evidence.len() - 5);
        }
        let mut hist = String::new();
        for e in &history {
            let _ = write!(
                hist,
                "<div class=\"triaged\">{} by {} at {}: {}</div>",
                e.status.label(),
                esc(&e.by),
                e.at.with_timezone(&app.zone).format("%Y-%m-%d %H:%M"),
                esc(&e.note)
            );
        }
        let mut options = String::new();
        for st in Status::ALL {
            let _ = write!(
                options,
                "<option value=\"{}\">{}</option>",
                st.as_str(),
                st.label()
            );
        }
        let _ = write!(
            rows,
            "<tr class=\"finding sev-{}\" id=\"f-{key}\" data-key=\"{key}\"><td>{}</td><td>{}</td><td>{}</td><td>{}<div class=\"evidence\">{evidence}</div></td>\
<td>{hist}<form method=\"post\" action=\"/findings/triage\" class=\"triage\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<input type=\"hidden\" name=\"key\" value=\"{key}\"><input type=\"hidden\" name=\"back\" value=\"{}\">\
<input type=\"hidden\" name=\"month\" value=\"{}\"><select name=\"status\">{options}</select>\
<input name=\"note\" placeholder=\"note\" required maxlength=\"2000\"><button type=\"submit\">Mark</button></form></td></tr>",
            f.severity.as_str(),
            f.time.format("%Y-%m-%d %H:%M:%S"),
            f.severity.as_str(),
            esc(f.rule),
            esc(&f.summary),
            esc(&s.csrf),
            esc(&back),
            esc(&month),
        );
    }
    let _ = write!(
        body,
        "<p class=\"count\" id=\"count\"><b id=\"findings-shown\">{shown}</b> of {} findings of {} shown</p>\
<table class=\"findings\" id=\"findings\"><thead><tr><th>time</th><th>severity</th><th>rule</th><th>what</th><th>triage</th></tr></thead><tbody>{rows}</tbody></table>",
        findings.len(),
        esc(&month)
    );
    page("Findings", &s, &body)
}

async fn triage_post(
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(app): State<Shared>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (_, s) = match need_post(&app, &headers, &form) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let key = form.get("key").cloned().unwrap_or_default();
    let note = form.get("note").map_or("", |n| n.trim()).to_string();
    let Some(status) = form.get("status").and_then(|st| Status::parse(st)) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            Some(&s),
            "status: acknowledged, false_positive or followed_up",
        );
    };
    if note.is_empty() || note.chars().count() > 2000 {
        return error_page(
            StatusCode::BAD_REQUEST,
            Some(&s),
            "a note (up to 2000 characters) says why",
        );
    }
    let month = form.get("month").cloned().unwrap_or_default();
    // The finding must be one of its month's: the key names it, the rule and time are kept.
    let app2 = app.clone();
    let k2 = key.clone();
    let found = tokio::task::spawn_blocking(move || -> Result<Option<vigil_checks::Finding>> {
        let policy = &app2.config.checking.policy;
        let (since, until) = crate::check_cmd::month_period(&month, policy.zone)?;
        let (approvals, accounts) = crate::check_cmd::registers(&app2.config)?;
        let jobs: Vec<vigil_backups::jobs::Job> =
            app2.config.backups.iter().map(|b| b.job.clone()).collect();
        let checks = vigil_checks::Checks {
            store: &app2.searcher,
            policy,
            approvals: &approvals,
            accounts: &accounts,
            jobs: &jobs,
        };
        Ok(checks
            .run(since, until, &[])?
            .findings
            .into_iter()
            .find(|f| f.key() == k2))
    })
    .await;
    let f = match found {
        Ok(Ok(Some(f))) => f,
        Ok(Ok(None)) => {
            return error_page(
                StatusCode::NOT_FOUND,
                Some(&s),
                &format!("no finding {key} in that month"),
            );
        }
        Ok(Err(e)) => return error_page(StatusCode::BAD_REQUEST, Some(&s), &format!("{e:#}")),
        Err(_) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(&s),
                "the checks failed",
            );
        }
    };
    let entry = triage::Entry {
        at: Utc::now(),
        by: s.user.clone(),
        key: key.clone(),
        rule: f.rule.to_string(),
        finding_time: f.time.to_rfc3339(),
        status,
        note: note.clone(),
    };
    if let Err(e) = triage::append(&app.data, &entry) {
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(&s),
            &format!("{e:#}"),
        );
    }
    app.audit(
        &s.user,
        "console.triage",
        true,
        &peer,
        &format!(
            "console triage: {} {} {key} as {}: {note}",
            f.rule,
            f.time.to_rfc3339(),
            status.as_str()
        ),
    );
    let back = form
        .get("back")
        .filter(|b| b.starts_with("/findings?") && !b.contains(['\r', '\n']))
        .cloned()
        .unwrap_or_else(|| "/findings".into());
    redirect(&format!("{back}#f-{key}"))
}

/// A table cell of a count of something wrong: marked when it is not 0.
fn count_cell(n: usize) -> String {
    if n == 0 {
        "<td>0</td>".into()
    } else {
        format!("<td class=\"bad\">{n}</td>")
    }
}

/// One job's runs of a period, judged from the index as `backups verify` judges them, and the
/// newest verification the nightly run recorded (its artefact checks: the page hashes nothing).
struct JobPage {
    name: String,
    schedule: String,
    runs: Vec<vigil_backups::jobs::RunVerdict>,
    verified: Option<Event>,
}

async fn backups_page(
    headers: HeaderMap,
    State(app): State<Shared>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let s = match need(&app, &headers, true) {
        Ok(s) => s,
        Err(r) => return r,
    };
    fresh(&app);
    let month = month_of(&app, &params);
    let app2 = app.clone();
    let m2 = month.clone();
    let run = off_thread(
        &s,
        "the backup verification",
        move || -> Result<Vec<JobPage>> {
            use vigil_index::EventStore as _;
            let (since, until) =
                crate::check_cmd::month_period(&m2, app2.config.checking.policy.zone)?;
            let now = crate::backups_cmd::judged_at(&app2.searcher, Utc::now())?;
            let mut jobs = Vec::new();
            for b in &app2.config.backups {
                let runs = vigil_backups::jobs::judge(&b.job, &app2.searcher, since, until, now)?;
                let last = app2
                    .searcher
                    .rows(
                        &vigil_index::Filter::all()
                            .term("source", "vigil-backups")
                            .term("target", b.job.name.clone()),
                    )?
                    .last()
                    .map(|r| r.id.to_string());
                let verified = match last {
                    Some(id) => app2.searcher.get(&id)?,
                    None => None,
                };
                jobs.push(JobPage {
                    name: b.job.name.clone(),
                    schedule: format!(
                        "{} ({})",
                        b.job.schedule.exprs.join("; "),
                        b.job.schedule.zone
                    ),
                    runs,
                    verified,
                });
            }
            Ok(jobs)
        },
    )
    .await;
    let jobs = match run {
        Ok(j) => j,
        Err(r) => return r,
    };
    let zone = app.zone;
    let when = |t: DateTime<Utc>| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string();
    let mut body = format!(
        "<h1>Backups</h1><form class=\"search\" method=\"get\" action=\"/backups\">\
<label>month <input name=\"month\" id=\"month\" value=\"{}\" size=\"8\"></label>\
<button type=\"submit\">Show</button></form>",
        esc(&month)
    );
    if jobs.is_empty() {
        body.push_str("<p class=\"hint\">No backup jobs are configured: describe each one in a [[backups]] table of the config.</p>");
    }
    let _ = write!(
        body,
        "<table class=\"backups\" id=\"jobs\"><thead><tr><th>job</th><th>schedule</th><th>runs</th><th>ok</th><th>late</th><th>failed</th><th>missing</th><th>not due</th><th>last nightly verification</th></tr></thead><tbody>"
    );
    for j in &jobs {
        let n =
            |st: vigil_backups::jobs::RunStatus| j.runs.iter().filter(|r| r.status == st).count();
        use vigil_backups::jobs::RunStatus as St;
        let verified_ok = j
            .verified
            .as_ref()
            .map(|e| e.outcome == vigil_parsers::Outcome::Success);
        let bad = j
            .runs
            .iter()
            .any(vigil_backups::jobs::RunVerdict::is_problem)
            || verified_ok == Some(false);
        let verified = j.verified.as_ref().map_or_else(
            || "none recorded".to_string(),
            |e| {
                format!(
                    "{} {}: {}",
                    when(e.ts),
                    if verified_ok == Some(true) {
                        "OK"
                    } else {
                        "PROBLEMS"
                    },
                    esc(&e.message)
                )
            },
        );
        let _ = write!(
            body,
            "<tr class=\"job{}\" data-job=\"{}\"><td><a href=\"#job-{}\">{}</a></td><td><code>{}</code></td><td>{}</td><td>{}</td>{}{}{}<td>{}</td><td class=\"msg\">{}</td></tr>",
            if bad { " problem" } else { "" },
            esc(&j.name),
            url(&j.name),
            esc(&j.name),
            esc(&j.schedule),
            j.runs.len(),
            n(St::Ok),
            count_cell(n(St::Late)),
            count_cell(n(St::Failed)),
            count_cell(n(St::Missing)),
            n(St::Pending),
            verified
        );
    }
    body.push_str("</tbody></table>");
    // Each job's runs that are not simply on time, with their evidence.
    for j in &jobs {
        let notable: Vec<_> = j
            .runs
            .iter()
            .filter(|r| r.is_problem() || r.retries > 0)
            .collect();
        let _ = write!(
            body,
            "<h2 id=\"job-{}\">{}</h2>",
            url(&j.name),
            esc(&j.name)
        );
        if notable.is_empty() {
            let _ = write!(
                body,
                "<p class=\"hint\">Every judged run of {month} was on time and whole.</p>"
            );
            continue;
        }
        body.push_str("<table class=\"runs\"><thead><tr><th>expected</th><th>verdict</th><th>finished</th><th>size</th><th>what</th><th>evidence</th></tr></thead><tbody>");
        for r in notable {
            let what = [
                r.error.clone(),
                r.size_problem.clone(),
                (r.retries > 0).then(|| format!("{} failed attempts before", r.retries)),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; ");
            let evidence: String = r
                .evidence
                .iter()
                .map(|id| format!("<a href=\"/event/{}\">{}</a> ", url(id), esc(id)))
                .collect();
            let _ = write!(
                body,
                "<tr class=\"run{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"msg\">{}</td><td class=\"evidence\">{}</td></tr>",
                if r.is_problem() { " sev-high" } else { "" },
                when(r.expected),
                r.status.as_str(),
                r.finished.map(when).unwrap_or_default(),
                r.bytes.map(vigil_backups::jobs::human).unwrap_or_default(),
                esc(&what),
                evidence
            );
        }
        body.push_str("</tbody></table>");
    }
    body.push_str("<p class=\"hint\">Runs are judged from the logs vigil holds; artefacts on disk are hashed by <code>vigil backups verify</code> (the nightly run), whose newest verdict each job shows.</p>");
    page("Backups", &s, &body)
}

async fn report_page(
    headers: HeaderMap,
    State(app): State<Shared>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let s = match need(&app, &headers, true) {
        Ok(s) => s,
        Err(r) => return r,
    };
    fresh(&app);
    let month = month_of(&app, &params);
    let lang = if params.get("lang").is_some_and(|l| l == "en") {
        vigil_report::markdown::Lang::En
    } else {
        vigil_report::markdown::Lang::Zh
    };
    let app2 = app.clone();
    let made = off_thread(&s, "the report", move || -> Result<String> {
        let (label, since, until, prev) =
            crate::report_cmd::month(&month, &app2.config.checking.policy)?;
        let r = crate::report_cmd::make(&app2.config, &app2.data, &label, since, until, prev)?;
        Ok(vigil_report::html::render(&r, lang))
    })
    .await;
    let html = match made {
        Ok(h) => h,
        Err(r) => return r,
    };
    let mut r = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    // The report is a document of its own with its styles inline; it has no script.
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"),
    );
    r
}

async fn users_page(headers: HeaderMap, State(app): State<Shared>) -> Response {
    let s = match need(&app, &headers, true) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if s.role != Role::Admin {
        return error_page(StatusCode::FORBIDDEN, Some(&s), "only admins manage users");
    }
    let list = match users::load(&app.data) {
        Ok(l) => l,
        Err(e) => {
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some(&s),
                &format!("{e:#}"),
            );
        }
    };
    let mut body = String::from(
        "<h1>Users</h1><table id=\"users\"><thead><tr><th>name</th><th>role</th><th></th></tr></thead><tbody>",
    );
    for u in &list {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td><form method=\"post\" action=\"/users/remove\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"name\" value=\"{}\"><button type=\"submit\">Remove</button></form></td></tr>",
            esc(&u.name),
            u.role.as_str(),
            esc(&s.csrf),
            esc(&u.name)
        );
    }
    let _ = write!(
        body,
        "</tbody></table><h2>Add or reset</h2><form method=\"post\" action=\"/users\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
<label>name <input name=\"name\" required></label><label>role <select name=\"role\"><option>reviewer</option><option>admin</option></select></label>\
<label>password <input name=\"password\" type=\"password\" minlength=\"8\" required></label><button type=\"submit\">Save</button></form>",
        esc(&s.csrf)
    );
    page("Users", &s, &body)
}

async fn users_post(
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    State(app): State<Shared>,
    UrlPath(what): UrlPath<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (_, s) = match need_post(&app, &headers, &form) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if s.role != Role::Admin {
        return error_page(StatusCode::FORBIDDEN, Some(&s), "only admins manage users");
    }
    let name = form.get("name").map_or("", |n| n.trim()).to_string();
    let done = match what.as_str() {
        "add" => {
            let role = if form.get("role").is_some_and(|r| r == "admin") {
                Role::Admin
            } else {
                Role::Reviewer
            };
            let password = form.get("password").cloned().unwrap_or_default();
            let data = app.data.clone();
            let n = name.clone();
            match tokio::task::spawn_blocking(move || users::add(&data, &n, role, &password)).await
            {
                Ok(r) => r.map(|_| format!("console user {name} saved as {}", role.as_str())),
                Err(_) => Err(anyhow!("the user could not be saved")),
            }
        }
        "remove" => users::remove(&app.data, &name).map(|_| format!("console user {name} removed")),
        _ => Err(anyhow!("no such action")),
    };
    match done {
        Ok(msg) => {
            app.audit(&s.user, "account.modify", true, &peer, &msg);
            redirect("/users")
        }
        Err(e) => error_page(StatusCode::BAD_REQUEST, Some(&s), &format!("{e:#}")),
    }
}

async fn users_add(
    headers: HeaderMap,
    peer: ConnectInfo<SocketAddr>,
    state: State<Shared>,
    form: Form<HashMap<String, String>>,
) -> Response {
    users_post(headers, peer, state, UrlPath("add".into()), form).await
}

async fn users_remove(
    headers: HeaderMap,
    peer: ConnectInfo<SocketAddr>,
    state: State<Shared>,
    form: Form<HashMap<String, String>>,
) -> Response {
    users_post(headers, peer, state, UrlPath("remove".into()), form).await
}

async fn home(headers: HeaderMap, State(app): State<Shared>) -> Response {
    match need(&app, &headers, true) {
        Ok(_) => redirect("/search"),
        Err(r) => r,
    }
}

async fn not_found(headers: HeaderMap, State(app): State<Shared>) -> Response {
    match need(&app, &headers, true) {
        Ok(s) => error_page(StatusCode::NOT_FOUND, Some(&s), "no such page"),
        Err(r) => r,
    }
}

/// How long a client has to finish its TLS handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// A listener that gives axum TLS connections whose handshake is done. Handshakes run in tasks
/// of their own, each limited to [`HANDSHAKE`], so a slow or silent client holds up no other.
struct TlsListener {
    done: tokio::sync::mpsc::Receiver<(
        tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
        SocketAddr,
    )>,
    local: SocketAddr,
}

impl TlsListener {
    fn new(tcp: tokio::net::TcpListener, config: Arc<rustls::ServerConfig>) -> Result<TlsListener> {
        let local = tcp.local_addr()?;
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let (tx, done) = tokio::sync::mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let (stream, peer) = match tcp.accept().await {
                    Ok(c) => c,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, then go on.
                        eprintln!("vigil serve: cannot accept a connection: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    // A client that cannot speak TLS with us (plain HTTP, an old protocol, a
                    // certificate it refuses) or is too slow at it is dropped.
                    if let Ok(Ok(tls)) =
                        tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await
                    {
                        let _ = tx.send((tls, peer)).await;
                    }
                });
            }
        });
        Ok(TlsListener { done, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.done.recv().await {
            Some(c) => c,
            // The accepting task ended (it never does by itself): accept nothing more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// The console's routes.
fn router(app: Shared) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/search", get(search_page))
        .route("/event/{id}", get(event_page))
        .route("/findings", get(findings_page))
        .route("/findings/triage", post(triage_post))
        .route("/backups", get(backups_page))
        .route("/report", get(report_page))
        .route("/users", get(users_page).post(users_add))
        .route("/users/remove", post(users_remove))
        .route("/assets/vigil.css", get(css))
        // Browsers ask for an icon on their own; there is none, and that is no reason to log in.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .fallback(not_found)
        .layer(axum::middleware::map_response_with_state(
            app.clone(),
            secure_headers,
        ))
        .with_state(app)
}

/// Runs `vigil serve` until interrupted.
pub fn run(config: Config, data: &Path, args: &ServeArgs) -> Result<ExitCode> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(crate::tls::server_config(
            cert,
            key,
            None,
            &crate::tls::Names {
                cert: "--tls-cert",
                key: "--tls-key",
                client_ca: "",
            },
        )?),
        _ => None,
    };
    if tls.is_none() && !args.listen.ip().is_loopback() {
        return Err(anyhow!(
            "--listen {}: without TLS the console listens on loopback only (127.0.0.1:PORT or [::1]:PORT); give --tls-cert and --tls-key for other machines",
            args.listen
        ));
    }
    if users::load(data)?.is_empty() {
        return Err(anyhow!(
            "{}: no console users yet: add one with `vigil user add NAME --role admin`",
            users::path(data).display()
        ));
    }
    let searcher = crate::search_cmd::open(data)?;
    let dir = data.join("console");
    crate::ingest::create_private_dir(&dir)
        .with_context(|| format!("{}: cannot create", dir.display()))?;
    let audit_path = dir.join("audit.jsonl");
    let audit = crate::read::open_private(&audit_path, true)
        .with_context(|| format!("{}: cannot open for appending", audit_path.display()))?;
    let host = rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    let app = Arc::new(App {
        zone: config.display_zone,
        config,
        data: data.to_path_buf(),
        searcher,
        sessions: Mutex::new(HashMap::new()),
        failures: Mutex::new(HashMap::new()),
        audit: Mutex::new(audit),
        host,
        tls: tls.is_some(),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("--listen {}: cannot listen", args.listen))?;
        let addr = listener.local_addr()?;
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        let service = router(app).into_make_service_with_connect_info::<SocketAddr>();
        match tls {
            None => {
                eprintln!("vigil serve: listening on http://{addr}/ (Ctrl-C stops)");
                axum::serve(listener, service)
                    .with_graceful_shutdown(stop)
                    .await
            }
            Some(config) => {
                eprintln!("vigil serve: listening on https://{addr}/ (Ctrl-C stops)");
                // `tap_io` lends the TLS listener axum's ConnectInfo of the peer's address.
                let listener = TlsListener::new(listener, config)?.tap_io(|_| {});
                axum::serve(listener, service)
                    .with_graceful_shutdown(stop)
                    .await
            }
        }
        .context("the server stopped")?;
        eprintln!("vigil serve: stopped");
        Ok(ExitCode::Ok)
    })
}
