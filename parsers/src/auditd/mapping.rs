//! From a group of records of one serial to one [`Event`]: which record says what happened, the
//! action of the vocabulary, actor, target, outcome, message and fields.
//!
//! The record that names the event is the first of a "message" type (user-space types such as
//! USER_LOGIN, and CONFIG_CHANGE, NETFILTER_CFG); without one, the SYSCALL record and its
//! companions (EXECVE, CWD, PATH, SOCKADDR, PROCTITLE) decide. The mapping, and the choices the
//! brief left open:
//!
//! | record | action | actor / target |
//! |---|---|---|
//! | USER_LOGIN | `login.success`; `login.failure`; `login.invalid_user` when sshd writes `acct="(invalid user)"` | acct / - |
//! | USER_LOGOUT | `logout` | acct |
//! | USER_AUTH | `login.success`/`login.failure` (an authentication attempt); by `su`: `su.success`/`su.failure`; by `sudo`: failure `sudo.denied`, success `other` | acct (su: auid / acct) |
//! | USER_ACCT, USER_ERR | failure `login.failure` (account refused, bad ident), else `other` | acct |
//! | CRED_ACQ, CRED_DISP, CRED_REFR | `other` (credentials handed out, not a login) | acct |
//! | USER_START / USER_END | `session.open` / `session.close` | acct |
//! | USER_CMD | `sudo.command` (`fields.command` = hex-decoded `cmd`) | auid / command |
//! | ADD_USER, DEL_USER, USER_MGMT, ACCT_LOCK, ACCT_UNLOCK | `account.create`, `.delete`, `.modify`, `.lock`, `.modify` | auid / acct or id |
//! | ADD_GROUP, DEL_GROUP, GRP_MGMT, GRP_CHAUTHTOK | `group.modify` | auid / acct or id |
//! | USER_CHAUTHTOK | `password.change` | auid / acct |
//! | ROLE_ASSIGN / ROLE_REMOVE | `permission.grant` / `permission.revoke` | auid / acct |
//! | CONFIG_CHANGE, DAEMON_CONFIG, DAEMON_RECONFIG | `audit.config_change` | auid / path, key, op or the setting |
//! | NETFILTER_CFG, USYS_CONFIG, MAC_* config and policy loads | `config.change` | auid / table |
//! | SERVICE_START / SERVICE_STOP | `service.start` / `service.stop`; `service.fail` when res=failed | auid / unit |
//! | SYSTEM_BOOT | `system.boot` | auid |
//! | SYSTEM_SHUTDOWN, SYSTEM_RUNLEVEL, other DAEMON_* | `system.message` | auid |
//! | SYSCALL execve/execveat, or any EXECVE record | `process.exec` | auid (else uid) / exe |
//! | SYSCALL connect | `network.connect`; outcome unknown for EINPROGRESS (-115) | auid (else uid) / address:port |
//! | SYSCALL with PATH records | `file.access` | auid (else uid) / the first non-PARENT path, made absolute with CWD |
//! | anything else | `other`, with the records' pairs in the message | |
//!
//! Actor names prefer the enriched names (`AUID="alice"`) to numbers; auid 4294967295 (or the
//! enriched `unset`) is no actor. "acct" is the account named by a user-space message (sshd's
//! `(invalid user)` and `?` name nobody). `hostname=` is not used as the event's host: for sshd it
//! is the remote end. src_ip is `addr=` when it is an IP address.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::kernel;
use super::record::{Body, decode, is_arg_key, parse_body};
use super::{FORMAT, Group, is_user_space};
use crate::atoms::{KvValue, hex_decode, is_ip};
use crate::context::ParseContext;
use crate::event::{Event, Outcome};
use crate::line::RawLine;
use crate::value::FieldValue;
use crate::vocab;

/// The event's fields, as [`Event::fields`] holds them.
type Fields = crate::event::Fields;

/// Whose name is the actor.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Who {
    /// The account the message is about (logins, sessions): acct, else auid.
    Account,
    /// The person acting (account management, sudo, su, config): auid, else uid.
    Admin,
    /// A system event: auid only.
    System,
}

/// Where the target comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tgt {
    None,
    Acct,
    Unit,
    Command,
    Config,
    Table,
}

/// Records that accompany a SYSCALL record and never name an event themselves.
fn is_companion(t: &str) -> bool {
    matches!(
        t,
        "SYSCALL"
            | "EXECVE"
            | "CWD"
            | "PATH"
            | "PROCTITLE"
            | "SOCKADDR"
            | "EOE"
            | "BPRM_FCAPS"
            | "OBJ_PID"
            | "MMAP"
            | "FD_PAIR"
            | "IPC"
            | "SOCKETCALL"
            | "CAPSET"
    ) || t.starts_with("UNKNOWN[")
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// The mapping of a message record, if its type has one.
fn message_map(t: &str, b: &Body<'_>, outcome: Outcome) -> Option<(&'static str, Who, Tgt)> {
    use vocab::*;
    let failed = outcome == Outcome::Failure;
    let pick = |ko: &'static str, ok: &'static str| if failed { ko } else { ok };
    Some(match t {
        "USER_LOGIN" => {
            let invalid = b.text("acct").is_some_and(|a| a == "(invalid user)");
            let ko = if invalid {
                LOGIN_INVALID_USER
            } else {
                LOGIN_FAILURE
            };
            (pick(ko, LOGIN_SUCCESS), Who::Account, Tgt::None)
        }
        "USER_LOGOUT" => (LOGOUT, Who::Account, Tgt::None),
        "USER_AUTH" => match b.text("exe").as_deref().map(basename) {
            Some("su") => (pick(SU_FAILURE, SU_SUCCESS), Who::Admin, Tgt::Acct),
            Some("sudo") => (pick(SUDO_DENIED, OTHER), Who::Account, Tgt::None),
            _ => (pick(LOGIN_FAILURE, LOGIN_SUCCESS), Who::Account, Tgt::None),
        },
        "USER_ACCT" | "USER_ERR" => (pick(LOGIN_FAILURE, OTHER), Who::Account, Tgt::None),
        "CRED_ACQ" | "CRED_DISP" | "CRED_REFR" => (OTHER, Who::Account, Tgt::None),
        "USER_START" => (SESSION_OPEN, Who::Account, Tgt::None),
        "USER_END" => (SESSION_CLOSE, Who::Account, Tgt::None),
        "USER_CMD" => (SUDO_COMMAND, Who::Admin, Tgt::Command),
        "ADD_USER" => (ACCOUNT_CREATE, Who::Admin, Tgt::Acct),
        "DEL_USER" => (ACCOUNT_DELETE, Who::Admin, Tgt::Acct),
        "USER_MGMT" | "ACCT_UNLOCK" => (ACCOUNT_MODIFY, Who::Admin, Tgt::Acct),
        "ACCT_LOCK" => (ACCOUNT_LOCK, Who::Admin, Tgt::Acct),
        "ADD_GROUP" | "DEL_GROUP" | "GRP_MGMT" | "GRP_CHAUTHTOK" => {
            (GROUP_MODIFY, Who::Admin, Tgt::Acct)
        }
        "USER_CHAUTHTOK" => (PASSWORD_CHANGE, Who::Admin, Tgt::Acct),
        "ROLE_ASSIGN" => (PERMISSION_GRANT, Who::Admin, Tgt::Acct),
        "ROLE_REMOVE" => (PERMISSION_REVOKE, Who::Admin, Tgt::Acct),
        "CONFIG_CHANGE" | "DAEMON_CONFIG" | "DAEMON_RECONFIG" => {
            (AUDIT_CONFIG_CHANGE, Who::Admin, Tgt::Config)
        }
        "NETFILTER_CFG"
        | "USYS_CONFIG"
        | "MAC_CONFIG_CHANGE"
        | "USER_MAC_CONFIG_CHANGE"
        | "MAC_POLICY_LOAD"
        | "USER_MAC_POLICY_LOAD" => (CONFIG_CHANGE, Who::Admin, Tgt::Table),
        "SERVICE_START" => (pick(SERVICE_FAIL, SERVICE_START), Who::System, Tgt::Unit),
        "SERVICE_STOP" => (pick(SERVICE_FAIL, SERVICE_STOP), Who::System, Tgt::Unit),
        "SYSTEM_BOOT" => (SYSTEM_BOOT, Who::System, Tgt::None),
        "SYSTEM_SHUTDOWN" | "SYSTEM_RUNLEVEL" => (SYSTEM_MESSAGE, Who::System, Tgt::None),
        _ if t.starts_with("DAEMON_") => (SYSTEM_MESSAGE, Who::System, Tgt::None),
        _ if is_user_space(t) => (OTHER, Who::Account, Tgt::None),
        _ => return None,
    })
}

/// Success from `res=` (success/failed/1/0/yes/no), else `success=`.
fn outcome_of(b: &Body<'_>) -> Outcome {
    b.get("res")
        .or_else(|| b.get("success"))
        .map_or(Outcome::Unknown, |v| Outcome::from_word(v.as_str()))
}

/// Stores a value; `pid`, `ppid`, `ses`, `exit`, `items` and `argc` as JSON numbers.
fn value(key: &str, text: Cow<'_, str>) -> FieldValue {
    if matches!(key, "pid" | "ppid" | "ses" | "exit" | "items" | "argc")
        && let Ok(n) = text.parse::<i64>()
    {
        return FieldValue::from(n);
    }
    FieldValue::from(text)
}

/// Inserts `key` unless it is there already.
fn put(f: &mut Fields, key: &str, v: FieldValue) {
    if !f.contains_key(key) {
        f.insert(key.to_string(), v);
    }
}

/// Adds a record's pairs (decoded) to the fields, first writer wins.
fn put_pairs(f: &mut Fields, pairs: &[(&str, KvValue<'_>)], syscall: bool) {
    for (k, v) in pairs {
        let k = *k;
        if k == "msg" || (syscall && matches!(k, "a0" | "a1" | "a2" | "a3")) {
            continue;
        }
        let text = decode(k, *v);
        if k == "key" && text == "(null)" {
            continue;
        }
        let k = if k == "cmd" { "command" } else { k };
        put(f, k, value(k, text));
    }
}

/// `k=v k=v` of decoded pairs, for messages.
fn pairs_text(out: &mut String, pairs: &[(&str, KvValue<'_>)]) {
    for (k, v) in pairs {
        if *k == "msg" {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(&decode(k, *v));
    }
}

fn record_text(t: &str, b: &Body<'_>) -> String {
    let mut s = String::new();
    if b.wrapped {
        if !b.prefix.is_empty() {
            s.push_str(b.prefix);
        }
        pairs_text(&mut s, &b.inner);
    } else {
        if t == "AVC" && !b.prefix.is_empty() {
            s.push_str(&collapse(b.prefix));
        }
        pairs_text(&mut s, &b.outer);
    }
    if s.is_empty() {
        t.to_string()
    } else {
        format!("{t} {s}")
    }
}

/// Records whose pairs are read one by one rather than copied into the fields.
fn is_special(t: &str) -> bool {
    matches!(
        t,
        "EOE" | "EXECVE" | "CWD" | "PATH" | "PROCTITLE" | "SOCKADDR"
    )
}

/// `avc:  denied  { read } for` as `denied { read }`.
fn put_avc(f: &mut Fields, b: &Body<'_>) {
    let text = collapse(b.prefix.trim_start_matches("avc:").trim_end_matches("for"));
    if !text.is_empty() {
        put(f, "avc", FieldValue::from(text));
    }
}

/// Runs of blanks as one.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn str_field<'f>(f: &'f Fields, k: &str) -> Option<&'f str> {
    f.get(k).and_then(FieldValue::as_str)
}

/// A name for an id: the enriched name (`AUID="alice"`), else the number, unless unset.
fn id_name(f: &Fields, upper: &str, lower: &str) -> Option<String> {
    let set = |s: &&str| !matches!(*s, "unset" | "?" | "" | "4294967295" | "-1" | "(none)");
    str_field(f, upper)
        .filter(set)
        .or_else(|| str_field(f, lower).filter(set))
        .map(str::to_string)
}

fn acct(f: &Fields) -> Option<String> {
    str_field(f, "acct")
        .filter(|a| !matches!(*a, "?" | "" | "(unknown)" | "(invalid user)" | "unknown"))
        .map(str::to_string)
}

/// The argv of an EXECVE record: `a0..aN`, long arguments re-joined from `aN[i]` pieces.
fn argv(b: &Body<'_>) -> String {
    let mut parts: Vec<(u32, u32, Cow<'_, str>)> = Vec::new();
    for (k, v) in &b.outer {
        if !is_arg_key(k) {
            continue;
        }
        let rest = &k[1..];
        let (n, i) = match rest.split_once('[') {
            Some((n, i)) => (n, i.trim_end_matches(']')),
            None => (rest, "0"),
        };
        let (Ok(n), Ok(i)) = (n.parse::<u32>(), i.parse::<u32>()) else {
            continue;
        };
        parts.push((n, i, decode(k, *v)));
    }
    parts.sort_by_key(|(n, i, _)| (*n, *i));
    let mut out = String::new();
    let mut last = None;
    for (n, _, s) in &parts {
        if last.is_some() && last != Some(*n) {
            out.push(' ');
        }
        last = Some(*n);
        out.push_str(s);
    }
    out
}

/// Builds the event of a closed group.
pub(super) fn build(ctx: &ParseContext, mut g: Group) -> Event {
    let raw = std::mem::take(&mut g.raw);
    let recs: Vec<(&str, Body<'_>)> = g
        .recs
        .iter()
        .map(|r| {
            let t = raw.get(r.rtype.0..r.rtype.1).unwrap_or_default();
            let body = raw.get(r.body..r.end).unwrap_or_default();
            (t, parse_body(body))
        })
        .collect();

    let msg_idx = recs
        .iter()
        .position(|(t, b)| message_map(t, b, outcome_of(b)).is_some());
    let sys_idx = recs.iter().position(|(t, _)| *t == "SYSCALL");
    let kind_idx = recs.iter().position(|(t, _)| !is_companion(t));
    let primary = msg_idx.or(sys_idx).unwrap_or(0);
    let kind = recs
        .get(msg_idx.or(kind_idx).or(sys_idx).unwrap_or(0))
        .map_or("", |(t, _)| *t);

    let mut f = Fields::with_capacity(24);
    f.insert("type", FieldValue::from(kind));
    f.insert(
        "types",
        Value::from(recs.iter().map(|(t, _)| *t).collect::<Vec<_>>()),
    );
    f.insert("serial", FieldValue::from(g.serial));

    // The primary record, then SYSCALL, then the enriched names, then the rest.
    let mut order: Vec<usize> = vec![primary];
    order.extend(sys_idx.filter(|s| *s != primary));
    let mut paths: Vec<Value> = Vec::new();
    let mut path_names: Vec<(String, Option<String>)> = Vec::new();
    let mut sock: Option<kernel::SockAddr> = None;
    let mut extras: Vec<String> = Vec::new();
    for &i in &order {
        if let Some((t, b)) = recs.get(i).filter(|(t, _)| !is_special(t)) {
            put_pairs(&mut f, &b.outer, *t == "SYSCALL");
            put_pairs(&mut f, &b.inner, false);
            if b.wrapped && !b.prefix.is_empty() {
                put(&mut f, "op", FieldValue::from(b.prefix));
            }
            if *t == "AVC" {
                put_avc(&mut f, b);
            }
        }
    }
    for &i in &order {
        if let Some((_, b)) = recs.get(i) {
            for (k, v) in &b.enriched {
                put(&mut f, k, FieldValue::from(*v));
            }
        }
    }
    for (i, (t, b)) in recs.iter().enumerate() {
        match *t {
            "EOE" => {}
            "EXECVE" => {
                if let Some(n) = b.get("argc") {
                    put(&mut f, "argc", value("argc", Cow::Borrowed(n.as_str())));
                }
                let a = argv(b);
                match f.get_mut("argv") {
                    // Several EXECVE records (a very long argv): one string.
                    Some(s) if s.is_string() => {
                        s.push_str(" ");
                        s.push_str(&a);
                    }
                    _ => put(&mut f, "argv", FieldValue::from(a)),
                }
            }
            "CWD" => {
                if let Some(c) = b.text("cwd") {
                    put(&mut f, "cwd", FieldValue::from(c.into_owned()));
                }
            }
            "PATH" => {
                let name = b.text("name").map(Cow::into_owned);
                let nametype = b.text("nametype").map(Cow::into_owned);
                let mut o = Map::new();
                if let Some(n) = &name {
                    o.insert("name".into(), Value::from(n.as_str()));
                }
                if let Some(n) = &nametype {
                    o.insert("nametype".into(), Value::from(n.as_str()));
                }
                paths.push(Value::Object(o));
                if let Some(n) = name {
                    path_names.push((n, nametype));
                }
            }
            "PROCTITLE" => {
                if let Some(p) = b.text("proctitle") {
                    put(&mut f, "proctitle", FieldValue::from(p.into_owned()));
                }
            }
            "SOCKADDR" => {
                if let Some(s) = b.get("saddr") {
                    put(&mut f, "saddr", FieldValue::from(s.as_str()));
                    sock = hex_decode(s.as_str()).and_then(|bytes| kernel::sockaddr(&bytes));
                }
                for (k, v) in &b.enriched {
                    put(&mut f, k, FieldValue::from(*v));
                }
            }
            _ if order.contains(&i) => {}
            _ => {
                put_pairs(&mut f, &b.outer, false);
                put_pairs(&mut f, &b.inner, false);
                if !t.starts_with("UNKNOWN[") {
                    if *t == "AVC" {
                        put_avc(&mut f, b);
                    }
                    extras.push(record_text(t, b));
                }
            }
        }
    }
    if !paths.is_empty() {
        f.insert("paths", Value::Array(paths));
    }
    if let Some(s) = &sock {
        f.insert("family", FieldValue::from(s.family.as_str()));
        if let Some(a) = &s.addr {
            f.insert("sock_addr", FieldValue::from(a.as_str()));
        }
        if let Some(p) = s.port {
            f.insert("sock_port", FieldValue::from(p));
        }
        if let Some(p) = &s.path {
            f.insert("sock_path", FieldValue::from(p.as_str()));
        }
    }
    // Architecture and syscall by name.
    let arch_hex = str_field(&f, "arch").map(str::to_string);
    let mut syscall: Option<String> = str_field(&f, "SYSCALL").map(str::to_string);
    if let Some(a) = &arch_hex {
        if syscall.is_none() {
            syscall = str_field(&f, "syscall")
                .and_then(|n| kernel::syscall_name(a, n))
                .map(str::to_string);
        }
        if let Some((name, _)) = kernel::arch(a) {
            f.insert("arch", FieldValue::from(name));
        }
    }
    if let Some(s) = &syscall
        && f.contains_key("syscall")
    {
        f.insert("syscall", FieldValue::from(s.as_str()));
    }
    if let Some(t) = &g.follows {
        f.insert("follows", FieldValue::from(t.as_str()));
    }

    // What happened.
    let prim_body = recs.get(primary).map(|(_, b)| b);
    let mut outcome = prim_body.map_or(Outcome::Unknown, outcome_of);
    if outcome == Outcome::Unknown
        && let Some((_, b)) = sys_idx.and_then(|i| recs.get(i))
    {
        outcome = outcome_of(b);
    }
    let mapped = msg_idx
        .and_then(|i| recs.get(i))
        .and_then(|(t, b)| message_map(t, b, outcome));
    let has_execve = recs.iter().any(|(t, _)| *t == "EXECVE");
    let exe = str_field(&f, "exe")
        .or_else(|| str_field(&f, "comm"))
        .unwrap_or("?")
        .to_string();
    let sc = syscall
        .as_deref()
        .or_else(|| str_field(&f, "syscall"))
        .unwrap_or("syscall")
        .to_string();
    let (action, who, target, mut message) = match mapped {
        Some((action, who, tgt)) => {
            let target = match tgt {
                Tgt::None => None,
                Tgt::Acct => acct(&f)
                    .or_else(|| str_field(&f, "grp").map(str::to_string))
                    .or_else(|| str_field(&f, "id").map(str::to_string)),
                Tgt::Unit => str_field(&f, "unit").map(str::to_string),
                Tgt::Command => str_field(&f, "command").map(str::to_string),
                Tgt::Table => str_field(&f, "table").map(str::to_string),
                Tgt::Config => config_target(&f, prim_body),
            };
            let text = msg_idx
                .and_then(|i| recs.get(i))
                .map(|(t, b)| record_text(t, b))
                .unwrap_or_default();
            (action, who, target, text)
        }
        None if has_execve || matches!(sc.as_str(), "execve" | "execveat") => {
            let cmdline = str_field(&f, "argv")
                .filter(|s| !s.is_empty())
                .or_else(|| str_field(&f, "proctitle"))
                .unwrap_or(exe.as_str())
                .to_string();
            let target = str_field(&f, "exe").map(str::to_string).or_else(|| {
                cmdline
                    .split(' ')
                    .next()
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            });
            (
                vocab::PROCESS_EXEC,
                Who::Admin,
                target,
                format!("exec {cmdline}"),
            )
        }
        None if sys_idx.is_some() && sc == "connect" => {
            let ep = sock.as_ref().and_then(kernel::SockAddr::endpoint);
            if outcome == Outcome::Failure
                && f.get("exit").and_then(FieldValue::as_i64) == Some(-115)
            {
                outcome = Outcome::Unknown;
            }
            let msg = format!("connect to {} by {exe}", ep.as_deref().unwrap_or("?"));
            (vocab::NETWORK_CONNECT, Who::Admin, ep, msg)
        }
        None if sys_idx.is_some() && !path_names.is_empty() => {
            let cwd = str_field(&f, "cwd");
            let pick = path_names
                .iter()
                .find(|(_, t)| t.as_deref() != Some("PARENT"))
                .or_else(|| path_names.first())
                .map(|(n, _)| match cwd {
                    Some(c) if !n.starts_with('/') => format!("{}/{n}", c.trim_end_matches('/')),
                    _ => n.clone(),
                });
            let msg = format!("{sc} {} by {exe}", pick.as_deref().unwrap_or("?"));
            (vocab::FILE_ACCESS, Who::Admin, pick, msg)
        }
        None if sys_idx.is_some() => (vocab::OTHER, Who::Admin, None, format!("{sc} by {exe}")),
        None => {
            let text = recs
                .get(primary)
                .map(|(t, b)| record_text(t, b))
                .unwrap_or_default();
            (vocab::OTHER, Who::Admin, None, text)
        }
    };
    if mapped.is_none() {
        if let Some(k) = str_field(&f, "key") {
            message.push_str(&format!(" [key={k}]"));
        }
        for e in &extras {
            message.push_str(" | ");
            message.push_str(e);
        }
    }

    let auid = id_name(&f, "AUID", "auid");
    let actor = match who {
        Who::Account => acct(&f).or(auid),
        Who::Admin => auid.or_else(|| id_name(&f, "UID", "uid")),
        Who::System => auid,
    };

    let line = RawLine {
        bytes: &[],
        path: &g.path,
        file_id: g.file_id,
        offset: g.offset,
        line: g.line,
    };
    drop(recs);
    let mut ev = Event::new(ctx, &line, FORMAT, g.ts, action, raw);
    if let Some(n) = &g.node {
        ev.host = ctx.shared_host(n);
    }
    ev.outcome = outcome;
    ev.actor = actor;
    ev.target = target;
    ev.src_ip = str_field(&f, "addr")
        .filter(|a| is_ip(a))
        .map(str::to_string);
    ev.ticket = ctx.find_ticket(&message);
    ev.message = message;
    ev.fields = f;
    for fl in &g.flags {
        ev.flag(*fl);
    }
    ev
}

/// What a CONFIG_CHANGE changed: the watched path, the rule key, the operation, or the setting.
fn config_target(f: &Fields, b: Option<&Body<'_>>) -> Option<String> {
    if let Some(p) = str_field(f, "path") {
        return Some(p.to_string());
    }
    if let Some(k) = str_field(f, "key") {
        return Some(k.to_string());
    }
    const NOT_SETTINGS: [&str; 12] = [
        "auid", "ses", "subj", "res", "old", "pid", "uid", "op", "list", "ver", "format", "kernel",
    ];
    let setting = b.and_then(|b| {
        b.outer
            .iter()
            .map(|(k, _)| *k)
            .find(|k| !NOT_SETTINGS.contains(k))
    });
    setting
        .map(str::to_string)
        .or_else(|| str_field(f, "op").map(str::to_string))
}
