//! The `syslog` format: one event per line, the envelope read by [`super::envelope`] and the
//! message read by the parser of the program that wrote it.
//!
//! Only a line whose envelope cannot be read is rejected. A message no program parser knows
//! becomes a `system.message` event with its text kept, so nothing is lost.
//!
//! | program (before any `(...)`) | reader | actions |
//! |---|---|---|
//! | `sshd`, `sshd-session` | [`super::sshd`] | login.success/failure/invalid_user, logout, other (pre-auth) |
//! | `sudo`, `doas` | [`super::sudo`] | sudo.command, sudo.denied |
//! | `su` | [`super::su`] | su.success, su.failure |
//! | shadow-utils (`useradd`, `usermod`, `passwd`, `chage`...) | [`super::accounts`] | account.*, group.modify, password.change |
//! | any, message `pam_x(svc:type): ...`, or program `prog(pam_x)` | [`super::pam`] | session.open/close, login.failure, su.failure, sudo.denied, password.change |
//! | `systemd`, `systemd-logind` | [`super::systemd`] | service.start/stop/fail, system.boot, session.open/close |
//! | `cron`, `CRON`, `crond` | [`super::cron`] | cron.run |
//! | anything else (`kernel`...) | — | system.message |
//!
//! Fields always set where the line has them: `program`, `pid` (a number where it is one),
//! `facility` and `severity` (names), `msgid`, `sd` (RFC 5424 structured data as
//! `{"id": {"name": "value"}}`, a repeated name becomes an array), `time_source: "reference"`
//! when an RFC 5424 line had the nil time, `repeated` for rsyslog's
//! `message repeated N times: [ ... ]` (the inner message is parsed).

use serde_json::{Map, Value};

use super::envelope::{Envelope, FACILITIES, SEVERITIES, envelope};
use super::{accounts, cron, pam, sshd, su, sudo, systemd};
use crate::atoms::{FastFind, split_once_byte, trim_blanks};
use crate::context::ParseContext;
use crate::event::{Event, Fields, Flag, Outcome};
use crate::line::RawLine;
use crate::vocab;
use crate::{Output, Parser, reject};

/// The format's name, as written in the config and in `Event::format`.
pub const FORMAT: &str = "syslog";

/// Reads syslog lines (RFC 3164 files, RFC 5424, RFC 6587 framing) into events.
#[derive(Debug, Clone, Default)]
pub struct SyslogParser {
    _private: (),
}

impl SyslogParser {
    pub fn new() -> SyslogParser {
        SyslogParser::default()
    }
}

impl Parser for SyslogParser {
    fn name(&self) -> &'static str {
        FORMAT
    }

    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>) {
        out.push(parse_line(line, ctx));
    }
}

/// Reads one line: an event, or the rejection of a line whose envelope cannot be read.
#[allow(clippy::result_large_err)] // `Output` is the crate's shared result type.
pub fn parse_line(line: &RawLine<'_>, ctx: &ParseContext) -> Output {
    let (text, decoded) = line.decode(ctx);
    match envelope(&text, ctx) {
        Ok(env) => {
            let mut ev = build(&env, &text, line, ctx);
            if let Some(f) = decoded {
                ev.flag(f);
            }
            Ok(ev)
        }
        Err(e) => Err(reject(line, text.into_owned(), e)),
    }
}

fn build(env: &Envelope<'_>, text: &str, line: &RawLine<'_>, ctx: &ParseContext) -> Event {
    // `Event::new` made in place (`with_fields` is inlined): the event is not copied out of a
    // call. Room for 6 fields, as `Event::new` makes.
    let mut ev = Event::with_fields(
        ctx,
        line,
        FORMAT,
        env.ts,
        vocab::SYSTEM_MESSAGE,
        text.to_string(),
        Fields::with_capacity(6),
    );
    if let Some(host) = env.host {
        ev.host = ctx.shared_host(host);
    }
    if env.year_inferred {
        ev.flags.push(Flag::YearInferred);
    }
    if env.zone_from_source {
        ev.flags.push(Flag::ZoneFromSource);
    }
    if env.ts_from_reference {
        ev.field("time_source", ctx.reference_from);
    }
    // RFC 6587 non-transparent framing may leave its NUL trailer on the message.
    let msg = env.msg.trim_end_matches('\0');
    ev.message = trim_blanks(msg).to_string();

    if let Some(name) = env.facility().and_then(|f| FACILITIES.get(f as usize)) {
        ev.field("facility", *name);
    }
    if let Some(name) = env.severity().and_then(|s| SEVERITIES.get(s as usize)) {
        ev.field("severity", *name);
    }
    if let Some(id) = env.msgid {
        ev.field("msgid", id);
    }
    if let Some(pid) = env.pid {
        match pid.parse::<u64>() {
            Ok(n) => ev.field("pid", n),
            Err(_) => ev.field("pid", pid),
        }
    }
    if !env.structured.is_empty() {
        ev.field("sd", structured(env));
    }

    let (program, sub) = split_program(env.app.unwrap_or(""));
    if !program.is_empty() {
        ev.field("program", program);
    }
    // rsyslog's RFC 5424 template keeps the space after a 3164 tag: `- -  Accepted ...`.
    let body = strip_solaris_id(msg.trim_start_matches(' '));
    let body = strip_repeated(body, &mut ev);
    dispatch(program, sub, body, &mut ev);

    ev.ticket = ctx.find_ticket(msg);
    ev
}

/// Reads a message `msg` written by program `app` (as a syslog tag such as `sshd` or
/// `sshd(pam_unix)`) into `ev`, as a syslog line's message is read: the program's reader sets the
/// action, actor, address and outcome, and a quoted ticket is found. For the journal, whose
/// entries carry the same messages in fields.
pub(crate) fn read_message(app: &str, msg: &str, ctx: &ParseContext, ev: &mut Event) {
    let (program, sub) = split_program(app);
    if !program.is_empty() {
        ev.field("program", program);
    }
    let body = strip_repeated(trim_blanks(msg), ev);
    dispatch(program, sub, body, ev);
    ev.ticket = ctx.find_ticket(msg);
}

/// RFC 5424 structured data as a JSON object of objects.
fn structured(env: &Envelope<'_>) -> Value {
    let mut sd = Map::new();
    for el in &env.structured {
        let mut params = Map::new();
        for (name, value) in &el.params {
            match params.get_mut(*name) {
                None => {
                    params.insert((*name).to_string(), Value::String(value.clone()));
                }
                Some(Value::Array(a)) => a.push(Value::String(value.clone())),
                Some(old) => {
                    let first = old.take();
                    *old = Value::Array(vec![first, Value::String(value.clone())]);
                }
            }
        }
        sd.insert(el.id.to_string(), Value::Object(params));
    }
    Value::Object(sd)
}

/// `su(pam_unix)` is `su` with the sub-part `pam_unix`. Shared with the `journald` format, whose
/// `SYSLOG_IDENTIFIER` is the same tag.
pub(crate) fn split_program(app: &str) -> (&str, Option<&str>) {
    match split_once_byte(app, b'(') {
        Some((prog, rest)) if !prog.is_empty() => {
            let inner = rest.strip_suffix(')').unwrap_or(rest);
            (prog, Some(inner))
        }
        _ => (app, None),
    }
}

/// Solaris prefixes messages with `[ID 800047 auth.notice] `.
fn strip_solaris_id(msg: &str) -> &str {
    if let Some(r) = msg.strip_prefix("[ID ")
        && let Some((_, after)) = r.split_once_str("] ")
    {
        return after;
    }
    msg
}

/// rsyslog's `message repeated 3 times: [ Failed password for root ...]`: the inner message,
/// with `repeated` set to the count.
fn strip_repeated<'a>(msg: &'a str, ev: &mut Event) -> &'a str {
    if let Some(r) = msg.strip_prefix("message repeated ")
        && let Some((n, rest)) = r.split_once_str(" times: [")
        && let Ok(n) = n.parse::<u64>()
    {
        ev.field("repeated", n);
        let inner = rest.strip_suffix(']').unwrap_or(rest);
        return trim_blanks(inner);
    }
    msg
}

/// Hands `msg` to the reader of `program` (with its `(sub)` part, see [`split_program`]): the
/// table of the module comment. Shared with the `journald` format, whose `MESSAGE` is the same
/// text a syslog line carries after its tag.
pub(crate) fn dispatch(program: &str, sub: Option<&str>, msg: &str, ev: &mut Event) {
    if let Some(module) = sub
        && module.starts_with("pam_")
    {
        pam::handle(program, module, None, msg, ev);
        return;
    }
    if msg.starts_with("pam_") && pam::new_form(msg, ev) {
        return;
    }
    match program {
        "sshd" | "sshd-session" => sshd::parse(msg, ev),
        "sudo" => sudo::parse(msg, ev),
        "doas" => sudo::doas(msg, ev),
        "su" => su::parse(msg, ev),
        "systemd" => systemd::parse(msg, ev),
        "systemd-logind" => systemd::logind(msg, ev),
        p if p.eq_ignore_ascii_case("cron") || p.eq_ignore_ascii_case("crond") => {
            cron::parse(msg, ev)
        }
        p if accounts::is_account_tool(p) => accounts::parse(p, msg, ev),
        // `password check failed for user (testuser)`: a failed password check.
        "unix_chkpwd" => {
            if let Some(r) = msg.strip_prefix("password check failed for user ") {
                set(ev, vocab::LOGIN_FAILURE, Outcome::Failure);
                let user = r.trim().trim_start_matches('(').trim_end_matches(')');
                actor(ev, user);
            }
        }
        _ => {}
    }
}

// --- helpers shared by the program readers -------------------------------------------------

/// Sets the action (and its category) and the outcome.
pub(super) fn set(ev: &mut Event, action: &'static str, outcome: Outcome) {
    ev.set_action(action);
    ev.outcome = outcome;
}

/// `Some(s)` unless `s` is empty.
pub(super) fn non_empty(s: &str) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s.to_string())
    }
}

/// Sets the actor, unless empty.
pub(super) fn actor(ev: &mut Event, s: &str) {
    if let Some(a) = non_empty(s) {
        ev.actor = Some(a);
    }
}

/// Sets the target, unless empty.
pub(super) fn target(ev: &mut Event, s: &str) {
    if let Some(t) = non_empty(s) {
        ev.target = Some(t);
    }
}

/// Sets the source address, unless empty.
pub(super) fn src_ip(ev: &mut Event, s: &str) {
    if let Some(t) = non_empty(s) {
        ev.src_ip = Some(t);
    }
}

/// The leading decimal number of `s`, and what follows it.
pub(super) fn leading_number(s: &str) -> (Option<u64>, &str) {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    // `n` counts ASCII digits, so it is a char boundary.
    let (digits, rest) = s.split_at(n);
    (digits.parse().ok(), rest)
}

/// `IP[ port N]REST`: the address word, the port, and what follows the port (or the address).
pub(super) fn addr_port(s: &str) -> (&str, Option<u64>, &str) {
    let (ip, rest) = split_once_byte(s, b' ').unwrap_or((s, ""));
    match rest.strip_prefix("port ") {
        Some(p) => {
            let (port, rest) = leading_number(p);
            (ip, port, rest)
        }
        None => (ip, None, rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use chrono::{DateTime, Utc};
    use chrono_tz::Tz;
    use proptest::prelude::*;
    use serde_json::json;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn ctx_at(reference: &str, zone: Tz) -> ParseContext {
        ParseContext::new("auth", "default-host", zone, utc(reference))
    }

    /// The context of the tables: Shanghai, read on 1 March 2026.
    fn ctx() -> ParseContext {
        ctx_at("2026-03-01T00:00:00Z", chrono_tz::Asia::Shanghai)
    }

    #[allow(clippy::result_large_err)]
    fn one(line: &str, ctx: &ParseContext) -> Output {
        let mut p = SyslogParser::new();
        let mut out = Vec::new();
        p.feed(&RawLine::text(line), ctx, &mut out);
        assert_eq!(out.len(), 1, "{line}");
        out.pop().unwrap()
    }

    fn event(line: &str, ctx: &ParseContext) -> Event {
        match one(line, ctx) {
            Ok(e) => e,
            Err(r) => panic!("rejected {line:?}: {}", r.error),
        }
    }

    /// `expected` plus what is the same for every line of the table (`RawLine::text`).
    fn whole(line: &str, mut expected: Value) -> Value {
        let m = expected.as_object_mut().unwrap();
        m.insert("id".into(), json!("0000000000000000000000000000"));
        m.insert("source".into(), json!("auth"));
        m.insert("format".into(), json!("syslog"));
        m.insert("raw".into(), json!(line));
        m.insert(
            "origin".into(),
            json!({"path": "-", "offset": 0, "line": 1}),
        );
        if m.get("flags") == Some(&json!([])) {
            m.remove("flags");
        }
        expected
    }

    /// Real lines from tests/fixtures/realdata (elastic_beats auth log, wazuh-ruleset tests,
    /// Dynatrace RFC samples), read in Shanghai on 2026-03-01, as whole events.
    fn table() -> Vec<(&'static str, Value)> {
        vec![
            (
                "Feb 21 21:54:44 localhost sshd[3402]: Accepted publickey for vagrant from 10.0.2.2 port 63673 ssh2: RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84",
                json!({
                "ts": "2026-02-21T13:54:44Z",
                "host": "localhost",
                "category": "login",
                "action": "login.success",
                "outcome": "success",
                "actor": "vagrant",
                "actor_role": null,
                "src_ip": "10.0.2.2",
                "target": null,
                "ticket": null,
                "message": "Accepted publickey for vagrant from 10.0.2.2 port 63673 ssh2: RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84",
                "fields": {"key": "39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84", "key_type": "RSA", "method": "publickey", "pid": 3402, "port": 63673, "program": "sshd", "protocol": "ssh2"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Feb 23 00:13:35 localhost sshd[7483]: Accepted password for vagrant from 192.168.33.1 port 58803 ssh2",
                json!({
                "ts": "2026-02-22T16:13:35Z",
                "host": "localhost",
                "category": "login",
                "action": "login.success",
                "outcome": "success",
                "actor": "vagrant",
                "actor_role": null,
                "src_ip": "192.168.33.1",
                "target": null,
                "ticket": null,
                "message": "Accepted password for vagrant from 192.168.33.1 port 58803 ssh2",
                "fields": {"method": "password", "pid": 7483, "port": 58803, "program": "sshd", "protocol": "ssh2"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Feb 21 21:56:12 localhost sshd[3430]: Invalid user test from 10.0.2.2",
                json!({
                "ts": "2026-02-21T13:56:12Z",
                "host": "localhost",
                "category": "login",
                "action": "login.invalid_user",
                "outcome": "failure",
                "actor": "test",
                "actor_role": null,
                "src_ip": "10.0.2.2",
                "target": null,
                "ticket": null,
                "message": "Invalid user test from 10.0.2.2",
                "fields": {"invalid_user": true, "pid": 3430, "program": "sshd"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Feb 20 08:35:22 slave22 sshd[5774]: Failed password for root from 216.160.83.57 port 29160 ssh2",
                json!({
                "ts": "2026-02-20T00:35:22Z",
                "host": "slave22",
                "category": "login",
                "action": "login.failure",
                "outcome": "failure",
                "actor": "root",
                "actor_role": null,
                "src_ip": "216.160.83.57",
                "target": null,
                "ticket": null,
                "message": "Failed password for root from 216.160.83.57 port 29160 ssh2",
                "fields": {"method": "password", "pid": 5774, "port": 29160, "program": "sshd", "protocol": "ssh2"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Feb 19 15:30:04 slave22 sshd[18406]: Did not receive identification string from 2.125.160.217",
                json!({
                "ts": "2026-02-19T07:30:04Z",
                "host": "slave22",
                "category": "login",
                "action": "other",
                "outcome": "failure",
                "actor": null,
                "actor_role": null,
                "src_ip": "2.125.160.217",
                "target": null,
                "ticket": null,
                "message": "Did not receive identification string from 2.125.160.217",
                "fields": {"pid": 18406, "preauth_error": "no_identification", "program": "sshd"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Feb 24 00:13:02 precise32 sudo:      tsg : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/ls",
                json!({
                "ts": "2026-02-23T16:13:02Z",
                "host": "precise32",
                "category": "admin",
                "action": "sudo.denied",
                "outcome": "failure",
                "actor": "tsg",
                "actor_role": null,
                "src_ip": null,
                "target": "root",
                "ticket": null,
                "message": "tsg : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/ls",
                "fields": {"command": "/bin/ls", "program": "sudo", "pwd": "/home/vagrant", "reason": "user NOT in sudoers", "runas": "root", "tty": "pts/1"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Feb 22 11:47:05 localhost groupadd[6991]: new group: name=apache, GID=48",
                json!({
                "ts": "2026-02-22T03:47:05Z",
                "host": "localhost",
                "category": "account",
                "action": "group.modify",
                "outcome": "success",
                "actor": null,
                "actor_role": null,
                "src_ip": null,
                "target": "apache",
                "ticket": null,
                "message": "new group: name=apache, GID=48",
                "fields": {"change": "create", "gid": 48, "pid": 6991, "program": "groupadd"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Feb 22 11:47:05 localhost useradd[6995]: new user: name=apache, UID=48, GID=48, home=/usr/share/httpd, shell=/sbin/nologin",
                json!({
                "ts": "2026-02-22T03:47:05Z",
                "host": "localhost",
                "category": "account",
                "action": "account.create",
                "outcome": "success",
                "actor": null,
                "actor_role": null,
                "src_ip": null,
                "target": "apache",
                "ticket": null,
                "message": "new user: name=apache, UID=48, GID=48, home=/usr/share/httpd, shell=/sbin/nologin",
                "fields": {"gid": 48, "home": "/usr/share/httpd", "pid": 6995, "program": "useradd", "shell": "/sbin/nologin", "uid": 48},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Dec 30 19:36:11 rheltest sudo: cplummer : TTY=pts/2 ; PWD=/home/cplummer1 ; USER=root ; TSID=0000UM ; COMMAND=/bin/bash",
                json!({
                "ts": "2025-12-30T11:36:11Z",
                "host": "rheltest",
                "category": "admin",
                "action": "sudo.command",
                "outcome": "success",
                "actor": "cplummer",
                "actor_role": null,
                "src_ip": null,
                "target": "root",
                "ticket": null,
                "message": "cplummer : TTY=pts/2 ; PWD=/home/cplummer1 ; USER=root ; TSID=0000UM ; COMMAND=/bin/bash",
                "fields": {"command": "/bin/bash", "program": "sudo", "pwd": "/home/cplummer1", "runas": "root", "tsid": "0000UM", "tty": "pts/2"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Jun 25 16:15:45 precise32 sudo:     mike : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/ls",
                json!({
                "ts": "2025-06-25T08:15:45Z",
                "host": "precise32",
                "category": "admin",
                "action": "sudo.denied",
                "outcome": "failure",
                "actor": "mike",
                "actor_role": null,
                "src_ip": null,
                "target": "root",
                "ticket": null,
                "message": "mike : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/ls",
                "fields": {"attempts": 3, "command": "/bin/ls", "program": "sudo", "pwd": "/root", "reason": "3 incorrect password attempts", "runas": "root", "tty": "pts/0"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Mar 22 07:21:58 ix doas: ddp ran command /bin/ksh as root from /data/ddp/projects/git/sysconf/ossec/rules",
                json!({
                "ts": "2025-03-21T23:21:58Z",
                "host": "ix",
                "category": "admin",
                "action": "sudo.command",
                "outcome": "success",
                "actor": "ddp",
                "actor_role": null,
                "src_ip": null,
                "target": "root",
                "ticket": null,
                "message": "ddp ran command /bin/ksh as root from /data/ddp/projects/git/sysconf/ossec/rules",
                "fields": {"command": "/bin/ksh", "program": "doas", "pwd": "/data/ddp/projects/git/sysconf/ossec/rules", "runas": "root"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Feb 29 14:58:39 ix doas: failed auth for ddp",
                json!({
                "ts": "2024-02-29T06:58:39Z",
                "host": "ix",
                "category": "admin",
                "action": "sudo.denied",
                "outcome": "failure",
                "actor": "ddp",
                "actor_role": null,
                "src_ip": null,
                "target": null,
                "ticket": null,
                "message": "failed auth for ddp",
                "fields": {"program": "doas", "reason": "failed auth"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Apr 27 15:22:23 niban su[2921936]: failed: ttyq4 changing from ldap to root",
                json!({
                "ts": "2025-04-27T07:22:23Z",
                "host": "niban",
                "category": "admin",
                "action": "su.failure",
                "outcome": "failure",
                "actor": "ldap",
                "actor_role": null,
                "src_ip": null,
                "target": "root",
                "ticket": null,
                "message": "failed: ttyq4 changing from ldap to root",
                "fields": {"pid": 2921936, "program": "su", "tty": "ttyq4"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Apr 27 15:22:23 niban su[234]: BAD SU ger to fwmaster on /dev/ttyp0",
                json!({
                "ts": "2025-04-27T07:22:23Z",
                "host": "niban",
                "category": "admin",
                "action": "su.failure",
                "outcome": "failure",
                "actor": "ger",
                "actor_role": null,
                "src_ip": null,
                "target": "fwmaster",
                "ticket": null,
                "message": "BAD SU ger to fwmaster on /dev/ttyp0",
                "fields": {"pid": 234, "program": "su", "tty": "/dev/ttyp0"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Apr 22 17:51:51 enigma su: dcid to root on /dev/ttyp1",
                json!({
                "ts": "2025-04-22T09:51:51Z",
                "host": "enigma",
                "category": "admin",
                "action": "su.success",
                "outcome": "success",
                "actor": "dcid",
                "actor_role": null,
                "src_ip": null,
                "target": "root",
                "ticket": null,
                "message": "dcid to root on /dev/ttyp1",
                "fields": {"program": "su", "tty": "/dev/ttyp1"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Nov 11 22:46:29 localhost su(pam_unix)[23164]: authentication failure; logname= uid=1342 euid=0 tty= ruser=dcid rhost=  user=osaudit",
                json!({
                "ts": "2025-11-11T14:46:29Z",
                "host": "localhost",
                "category": "admin",
                "action": "su.failure",
                "outcome": "failure",
                "actor": "dcid",
                "actor_role": null,
                "src_ip": null,
                "target": "osaudit",
                "ticket": null,
                "message": "authentication failure; logname= uid=1342 euid=0 tty= ruser=dcid rhost=  user=osaudit",
                "fields": {"euid": 0, "pam_module": "pam_unix", "pam_service": "su", "pid": 23164, "program": "su", "uid": 1342},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Nov 11 22:46:29 localhost vsftpd(pam_unix)[25073]: check pass; user unknown",
                json!({
                "ts": "2025-11-11T14:46:29Z",
                "host": "localhost",
                "category": "login",
                "action": "auth.failure",
                "outcome": "failure",
                "actor": null,
                "actor_role": null,
                "src_ip": null,
                "target": null,
                "ticket": null,
                "message": "check pass; user unknown",
                "fields": {"invalid_user": true, "pam_module": "pam_unix", "pam_service": "vsftpd", "pid": 25073, "program": "vsftpd"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Nov 11 22:46:29 localhost su(pam_unix)[14592]: session opened for user news by (uid=0)",
                json!({
                "ts": "2025-11-11T14:46:29Z",
                "host": "localhost",
                "category": "login",
                "action": "session.open",
                "outcome": "success",
                "actor": "news",
                "actor_role": null,
                "src_ip": null,
                "target": "news",
                "ticket": null,
                "message": "session opened for user news by (uid=0)",
                "fields": {"by_uid": 0, "pam_module": "pam_unix", "pam_service": "su", "pid": 14592, "program": "su"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Nov 11 22:46:29 localhost su(pam_unix)[14592]: session closed for user news",
                json!({
                "ts": "2025-11-11T14:46:29Z",
                "host": "localhost",
                "category": "login",
                "action": "session.close",
                "outcome": "success",
                "actor": "news",
                "actor_role": null,
                "src_ip": null,
                "target": "news",
                "ticket": null,
                "message": "session closed for user news",
                "fields": {"pam_module": "pam_unix", "pam_service": "su", "pid": 14592, "program": "su"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Nov 11 22:46:29 localhost sshd(pam_unix)[15794]: 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.3.1  user=root",
                json!({
                "ts": "2025-11-11T14:46:29Z",
                "host": "localhost",
                "category": "login",
                "action": "auth.failure",
                "outcome": "failure",
                "actor": "root",
                "actor_role": null,
                "src_ip": "10.0.3.1",
                "target": "root",
                "ticket": null,
                "message": "2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.0.3.1  user=root",
                "fields": {"euid": 0, "more_failures": 2, "pam_module": "pam_unix", "pam_service": "sshd", "pid": 15794, "program": "sshd", "tty": "ssh", "uid": 0},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Mar  3 10:56:18 junction sshd[32065]: fatal: Unable to negotiate with 202.191.177.33 port 3579: no matching cipher found. Their offer: 3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc [preauth]",
                json!({
                "ts": "2025-03-03T02:56:18Z",
                "host": "junction",
                "category": "login",
                "action": "other",
                "outcome": "failure",
                "actor": null,
                "actor_role": null,
                "src_ip": "202.191.177.33",
                "target": null,
                "ticket": null,
                "message": "fatal: Unable to negotiate with 202.191.177.33 port 3579: no matching cipher found. Their offer: 3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc [preauth]",
                "fields": {"pid": 32065, "port": 3579, "preauth": true, "preauth_error": "negotiation", "program": "sshd", "reason": "no matching cipher found"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "2013-10-30T14:51:24.140565+01:00 srv sshd[12664]: Failed keyboard-interactive/pam for invalid user warez from 192.241.237.101 port 54197 ssh2",
                json!({
                "ts": "2013-10-30T13:51:24.140565Z",
                "host": "srv",
                "category": "login",
                "action": "login.failure",
                "outcome": "failure",
                "actor": "warez",
                "actor_role": null,
                "src_ip": "192.241.237.101",
                "target": null,
                "ticket": null,
                "message": "Failed keyboard-interactive/pam for invalid user warez from 192.241.237.101 port 54197 ssh2",
                "fields": {"invalid_user": true, "method": "keyboard-interactive/pam", "pid": 12664, "port": 54197, "program": "sshd", "protocol": "ssh2"},
                "flags": []
                }),
            ),
            (
                "Aug 18 07:30:25 192.168.1.5 sshd[20247]: [ID 800047 auth.notice] Failed none for root from 192.168.1.1 port 36942 ssh2",
                json!({
                "ts": "2025-08-17T23:30:25Z",
                "host": "192.168.1.5",
                "category": "login",
                "action": "login.failure",
                "outcome": "failure",
                "actor": "root",
                "actor_role": null,
                "src_ip": "192.168.1.1",
                "target": null,
                "ticket": null,
                "message": "[ID 800047 auth.notice] Failed none for root from 192.168.1.1 port 36942 ssh2",
                "fields": {"method": "none", "pid": 20247, "port": 36942, "program": "sshd", "protocol": "ssh2"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Oct 20 12:33:07 ar-agent sshd[3433]: Address 192.168.18.54 maps to nmap.18.168.192.in-addr.arpa, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!",
                json!({
                "ts": "2025-10-20T04:33:07Z",
                "host": "ar-agent",
                "category": "login",
                "action": "other",
                "outcome": "unknown",
                "actor": null,
                "actor_role": null,
                "src_ip": "192.168.18.54",
                "target": null,
                "ticket": null,
                "message": "Address 192.168.18.54 maps to nmap.18.168.192.in-addr.arpa, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!",
                "fields": {"break_in_attempt": true, "pid": 3433, "program": "sshd", "remote_host": "nmap.18.168.192.in-addr.arpa"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Dec 27 03:23:51 r1 sshd[21183]: error: maximum authentication attempts exceeded for root from 183.106.179.x port 34100 ssh2 [preauth]",
                json!({
                "ts": "2025-12-26T19:23:51Z",
                "host": "r1",
                "category": "login",
                "action": "login.failure",
                "outcome": "failure",
                "actor": "root",
                "actor_role": null,
                "src_ip": "183.106.179.x",
                "target": null,
                "ticket": null,
                "message": "error: maximum authentication attempts exceeded for root from 183.106.179.x port 34100 ssh2 [preauth]",
                "fields": {"pid": 21183, "port": 34100, "preauth": true, "program": "sshd", "protocol": "ssh2", "too_many": true},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Jul 18 09:21:57 localhost kernel: nouveau E[  PGRAPH][0000:0f:00.0] DATA_ERROR BEGIN_END_ACTIVE",
                json!({
                "ts": "2025-07-18T01:21:57Z",
                "host": "localhost",
                "category": "system",
                "action": "system.message",
                "outcome": "unknown",
                "actor": null,
                "actor_role": null,
                "src_ip": null,
                "target": null,
                "ticket": null,
                "message": "nouveau E[  PGRAPH][0000:0f:00.0] DATA_ERROR BEGIN_END_ACTIVE",
                "fields": {"program": "kernel"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "2015 Nov 13 13:40:01 ether rsyslogd-2177: imuxsock begins to drop messages from pid 17840 due to rate-limiting",
                json!({
                "ts": "2015-11-13T05:40:01Z",
                "host": "ether",
                "category": "system",
                "action": "system.message",
                "outcome": "unknown",
                "actor": null,
                "actor_role": null,
                "src_ip": null,
                "target": null,
                "ticket": null,
                "message": "imuxsock begins to drop messages from pid 17840 due to rate-limiting",
                "fields": {"program": "rsyslogd-2177"},
                "flags": ["zone_from_source"]
                }),
            ),
            (
                "May  4 18:21:10 collectd useradd[15178]: failed adding user 'ansible', data deleted",
                json!({
                "ts": "2025-05-04T10:21:10Z",
                "host": "collectd",
                "category": "account",
                "action": "account.create",
                "outcome": "failure",
                "actor": null,
                "actor_role": null,
                "src_ip": null,
                "target": "ansible",
                "ticket": null,
                "message": "failed adding user 'ansible', data deleted",
                "fields": {"pid": 15178, "program": "useradd"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "Aug 13 13:20:58 master systemd: Time has been changed",
                json!({
                "ts": "2025-08-13T05:20:58Z",
                "host": "master",
                "category": "system",
                "action": "system.message",
                "outcome": "unknown",
                "actor": null,
                "actor_role": null,
                "src_ip": null,
                "target": null,
                "ticket": null,
                "message": "Time has been changed",
                "fields": {"program": "systemd"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
            (
                "215 <86>1 2015-08-05T21:58:59.693Z 192.168.2.132 SecureAuth0 23108 ID52020 [SecureAuth@27389 UserHostAddress=\"192.168.2.132\" Realm=\"SecureAuth0\" UserID=\"Tester2\" PEN=\"27389\"] Found the user for retrieving user's profile",
                json!({
                "ts": "2015-08-05T21:58:59.693Z",
                "host": "192.168.2.132",
                "category": "system",
                "action": "system.message",
                "outcome": "unknown",
                "actor": null,
                "actor_role": null,
                "src_ip": null,
                "target": null,
                "ticket": null,
                "message": "Found the user for retrieving user's profile",
                "fields": {"facility": "authpriv", "msgid": "ID52020", "pid": 23108, "program": "SecureAuth0", "sd": {"SecureAuth@27389": {"PEN": "27389", "Realm": "SecureAuth0", "UserHostAddress": "192.168.2.132", "UserID": "Tester2"}}, "severity": "info"},
                "flags": []
                }),
            ),
            (
                "<34>Feb  4 11:14:27 1.2.3.4 apache_server: test message",
                json!({
                "ts": "2026-02-04T03:14:27Z",
                "host": "1.2.3.4",
                "category": "system",
                "action": "system.message",
                "outcome": "unknown",
                "actor": null,
                "actor_role": null,
                "src_ip": null,
                "target": null,
                "ticket": null,
                "message": "test message",
                "fields": {"facility": "auth", "program": "apache_server", "severity": "crit"},
                "flags": ["year_inferred", "zone_from_source"]
                }),
            ),
        ]
    }

    #[test]
    fn real_lines_become_these_whole_events() {
        let c = ctx();
        let table = table();
        assert!(table.len() >= 20);
        for (line, want) in table {
            let got = serde_json::to_value(event(line, &c)).unwrap();
            assert_eq!(got, whole(line, want), "{line}");
        }
    }

    /// (line, action, outcome, actor, target, src_ip)
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );

    fn check(rows: &[Row]) {
        let c = ctx();
        for (line, action, outcome, actor, target, ip) in rows {
            let e = event(line, &c);
            assert_eq!(e.action, *action, "{line}");
            assert_eq!(e.outcome.as_str(), *outcome, "{line}");
            assert_eq!(e.actor.as_deref(), *actor, "actor of {line}");
            assert_eq!(e.target.as_deref(), *target, "target of {line}");
            assert_eq!(e.src_ip.as_deref(), *ip, "src_ip of {line}");
        }
    }

    /// Real lines of a RHEL 8 /var/log/secure and messages quoted in public write-ups
    /// (cron, systemd, PAM sessions, logind, sshd disconnects) and RHEL 7's secure log from
    /// elastic/beats (filebeat/module/system/auth/test/secure-rhel7.log).
    #[test]
    fn public_lines_of_the_other_programs() {
        check(&[
            (
                "Dec  3 14:01:01 DevOps-Tutorial CROND[972]: (root) CMD (run-parts /etc/cron.hourly)",
                "cron.run",
                "success",
                Some("root"),
                None,
                None,
            ),
            (
                "Dec  3 14:00:00 DevOps-Tutorial crond[924]: (CRON) INFO (running with inotify support)",
                "system.message",
                "unknown",
                None,
                None,
                None,
            ),
            (
                "Dec  3 13:59:59 DevOps-Tutorial systemd[1]: Started OpenSSH server daemon.",
                "service.start",
                "success",
                None,
                Some("OpenSSH server daemon"),
                None,
            ),
            (
                "Dec  3 14:02:35 DevOps-Tutorial systemd[1]: Stopped System Logging Service.",
                "service.stop",
                "success",
                None,
                Some("System Logging Service"),
                None,
            ),
            (
                "Dec  3 14:02:35 DevOps-Tutorial systemd[1]: rsyslog.service: Succeeded.",
                "service.stop",
                "success",
                None,
                Some("rsyslog.service"),
                None,
            ),
            (
                "Dec  3 14:02:35 DevOps-Tutorial systemd[1]: Stopping System Logging Service...",
                "other",
                "unknown",
                None,
                Some("System Logging Service"),
                None,
            ),
            (
                "Dec  3 14:00:01 DevOps-Tutorial systemd[1]: Startup finished in 1.483s (kernel) + 1.804s (initrd) + 12.785s (userspace) = 16.074s.",
                "system.boot",
                "success",
                None,
                None,
                None,
            ),
            (
                "Dec  3 14:00:01 DevOps-Tutorial systemd[1]: Reached target Cloud-init target.",
                "system.message",
                "unknown",
                None,
                None,
                None,
            ),
            (
                "Dec  3 14:01:57 DevOps-Tutorial systemd-logind[622]: New session 1 of user root.",
                "session.open",
                "success",
                Some("root"),
                Some("root"),
                None,
            ),
            (
                "Dec  3 14:01:57 DevOps-Tutorial systemd[987]: pam_unix(systemd-user:session): session opened for user root by (uid=0)",
                "session.open",
                "success",
                Some("root"),
                Some("root"),
                None,
            ),
            (
                "Dec  3 14:01:57 DevOps-Tutorial sshd[982]: Accepted publickey for root from 147.45.170.252 port 61371 ssh2: ED25519 SHA256:J3ogJEDZdZmTdhZpEQGkEcbhUvkl5RHTMEtpNkM3oMo",
                "login.success",
                "success",
                Some("root"),
                None,
                Some("147.45.170.252"),
            ),
            (
                "Dec  3 14:01:57 DevOps-Tutorial sshd[982]: pam_unix(sshd:session): session opened for user root by (uid=0)",
                "session.open",
                "success",
                Some("root"),
                Some("root"),
                None,
            ),
            (
                "Dec  3 14:02:35 DevOps-Tutorial sudo[1028]:    root : TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/systemctl restart rsyslog",
                "sudo.command",
                "success",
                Some("root"),
                Some("root"),
                None,
            ),
            (
                "Dec  3 14:02:35 DevOps-Tutorial sudo[1028]: pam_unix(sudo:session): session opened for user root by root(uid=0)",
                "session.open",
                "success",
                Some("root"),
                Some("root"),
                None,
            ),
            (
                "Dec  4 08:19:27 web sudo[1297]: pam_unix(sudo:session): session opened for user root(uid=0) by abc(uid=1000)",
                "session.open",
                "success",
                Some("abc"),
                Some("root"),
                None,
            ),
            (
                "Dec  3 14:02:35 DevOps-Tutorial sudo[1028]: pam_unix(sudo:session): session closed for user root",
                "session.close",
                "success",
                Some("root"),
                Some("root"),
                None,
            ),
            (
                "Dec  3 14:00:03 DevOps-Tutorial sshd[955]: Received disconnect from 206.172.46.162 port 35303:11: Bye Bye [preauth]",
                "logout",
                "failure",
                None,
                None,
                Some("206.172.46.162"),
            ),
            (
                "Dec  3 14:00:03 DevOps-Tutorial sshd[955]: Disconnected from authenticating user root 206.172.46.162 port 35303 [preauth]",
                "logout",
                "failure",
                Some("root"),
                None,
                Some("206.172.46.162"),
            ),
            (
                "Dec  3 14:05:22 DevOps-Tutorial sshd[1043]: Invalid user fbs from 83.171.110.159 port 38550",
                "login.invalid_user",
                "failure",
                Some("fbs"),
                None,
                Some("83.171.110.159"),
            ),
            (
                "Dec  3 14:05:22 DevOps-Tutorial sshd[1043]: Disconnected from invalid user fbs 83.171.110.159 port 38550 [preauth]",
                "logout",
                "failure",
                Some("fbs"),
                None,
                Some("83.171.110.159"),
            ),
            (
                "Dec  3 14:06:19 DevOps-Tutorial sshd[1055]: Connection closed by invalid user esuser 167.99.157.155 port 33918 [preauth]",
                "logout",
                "failure",
                Some("esuser"),
                None,
                Some("167.99.157.155"),
            ),
            (
                "Feb 22 16:48:04 slave22 sshd[2809]: Received disconnect from 69.245.39.97: 11: disconnected by user",
                "logout",
                "success",
                None,
                None,
                Some("69.245.39.97"),
            ),
            (
                "Feb 22 16:48:04 slave22 sshd[2805]: pam_unix(sshd:session): session closed for user drewr",
                "session.close",
                "success",
                Some("drewr"),
                Some("drewr"),
                None,
            ),
            (
                "Feb 22 16:45:32 slave22 sshd[2742]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=202.109.143.106  user=root",
                "auth.failure",
                "failure",
                Some("root"),
                Some("root"),
                Some("202.109.143.106"),
            ),
            (
                "Feb 22 16:45:26 slave22 sshd[2738]: PAM 4 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=202.109.143.106  user=root",
                "auth.failure",
                "failure",
                Some("root"),
                Some("root"),
                Some("202.109.143.106"),
            ),
            (
                "Feb 22 16:45:20 slave22 sshd[2738]: pam_succeed_if(sshd:auth): requirement \"uid >= 1000\" not met by user \"root\"",
                "system.message",
                "unknown",
                Some("root"),
                None,
                None,
            ),
            (
                "Feb 22 16:45:26 slave22 sshd[2738]: fatal: Read from socket failed: Connection reset by peer [preauth]",
                "system.message",
                "unknown",
                None,
                None,
                None,
            ),
        ]);
    }

    /// Messages of Elastic's filebeat system/auth module tests (elastic/beats,
    /// filebeat/module/system/auth/test, Apache-2.0), as issue 21 quotes them, in a syslog
    /// envelope: vigil read them as plain messages; each now gives the action and the person the
    /// peers' own parsers find.
    #[test]
    fn elastic_auth_test_lines_the_peers_read() {
        check(&[
            (
                "Feb 21 21:56:12 localhost sshd[3430]: pam_faillock(sshd:auth): Consecutive login failures for user test account temporarily locked",
                "account.lock",
                "success",
                Some("test"),
                Some("test"),
                None,
            ),
            (
                "Feb 21 21:56:12 localhost unix_chkpwd[3431]: password check failed for user (testuser)",
                "login.failure",
                "failure",
                Some("testuser"),
                None,
                None,
            ),
            (
                "Feb 21 21:56:12 localhost passwd[3432]: pam_unix(passwd:chauthtok): new password not acceptable",
                "password.change",
                "failure",
                None,
                None,
                None,
            ),
            (
                "Feb 21 21:56:12 localhost sshd[3433]: subsystem request for sftp by user vagrant",
                "system.message",
                "unknown",
                Some("vagrant"),
                None,
                None,
            ),
        ]);
    }

    /// Messages in the form their programs write them (shadow-utils, sudo, su, systemd and sshd
    /// strings from their sources), for the variants the real samples lack.
    #[test]
    fn written_forms_of_each_program() {
        check(&[
            (
                "Mar  2 10:00:00 h usermod[1]: change user 'alice' password",
                "password.change",
                "success",
                None,
                Some("alice"),
                None,
            ),
            (
                "Mar  2 10:00:00 h usermod[1]: lock user 'alice' password",
                "account.lock",
                "success",
                None,
                Some("alice"),
                None,
            ),
            (
                "Mar  2 10:00:00 h usermod[1]: unlock user 'alice' password",
                "account.modify",
                "success",
                None,
                Some("alice"),
                None,
            ),
            (
                "Mar  2 10:00:00 h usermod[1]: change user 'alice' shell from '/bin/sh' to '/bin/bash'",
                "account.modify",
                "success",
                None,
                Some("alice"),
                None,
            ),
            (
                "Mar  2 10:00:00 h usermod[1]: add 'alice' to group 'sudo'",
                "group.modify",
                "success",
                None,
                Some("sudo"),
                None,
            ),
            (
                "Mar  2 10:00:00 h useradd[1]: add 'alice' to shadow group 'sudo'",
                "group.modify",
                "success",
                None,
                Some("sudo"),
                None,
            ),
            (
                "Mar  2 10:00:00 h userdel[1]: delete user 'alice'",
                "account.delete",
                "success",
                None,
                Some("alice"),
                None,
            ),
            (
                "Mar  2 10:00:00 h userdel[1]: removed group 'alice' owned by 'alice'",
                "group.modify",
                "success",
                None,
                Some("alice"),
                None,
            ),
            (
                "Mar  2 10:00:00 h userdel[1]: delete 'alice' from group 'sudo'",
                "group.modify",
                "success",
                None,
                Some("sudo"),
                None,
            ),
            (
                "Mar  2 10:00:00 h groupadd[1]: group added to /etc/group: name=ops, GID=1001",
                "group.modify",
                "success",
                None,
                Some("ops"),
                None,
            ),
            (
                "Mar  2 10:00:00 h groupdel[1]: group 'ops' removed from /etc/group",
                "group.modify",
                "success",
                None,
                Some("ops"),
                None,
            ),
            (
                "Mar  2 10:00:00 h groupmod[1]: group changed in /etc/group (group ops/1001, new name: ops2)",
                "group.modify",
                "success",
                None,
                Some("ops"),
                None,
            ),
            (
                "Mar  2 10:00:00 h gpasswd[1]: user bob added by root to group ops",
                "group.modify",
                "success",
                Some("root"),
                Some("ops"),
                None,
            ),
            (
                "Mar  2 10:00:00 h passwd[1]: pam_unix(passwd:chauthtok): password changed for bob",
                "password.change",
                "success",
                None,
                Some("bob"),
                None,
            ),
            (
                "Mar  2 10:00:00 h chpasswd[1]: pam_unix(chpasswd:chauthtok): password changed for bob",
                "password.change",
                "success",
                None,
                Some("bob"),
                None,
            ),
            (
                "Mar  2 10:00:00 h passwd[1]: password for 'bob' changed by 'root'",
                "password.change",
                "success",
                Some("root"),
                Some("bob"),
                None,
            ),
            (
                "Mar  2 10:00:00 h chage[1]: changed password expiry for bob",
                "password.change",
                "success",
                None,
                Some("bob"),
                None,
            ),
            (
                "Mar  2 10:00:00 h sudo[1]: pam_unix(sudo:auth): authentication failure; logname=bob uid=1000 euid=0 tty=/dev/pts/0 ruser=bob rhost=  user=bob",
                "sudo.denied",
                "failure",
                Some("bob"),
                Some("bob"),
                None,
            ),
            (
                "Mar  2 10:00:00 h sudo[1]:      bob : command not allowed ; TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/rm -rf /",
                "sudo.denied",
                "failure",
                Some("bob"),
                Some("root"),
                None,
            ),
            (
                "Mar  2 10:00:00 h su[1]: (to root) bob on pts/1",
                "su.success",
                "success",
                Some("bob"),
                Some("root"),
                None,
            ),
            (
                "Mar  2 10:00:00 h su[1]: FAILED SU (to root) bob on pts/1",
                "su.failure",
                "failure",
                Some("bob"),
                Some("root"),
                None,
            ),
            (
                "Mar  2 10:00:00 h su[1]: + pts/1 bob:root",
                "su.success",
                "success",
                Some("bob"),
                Some("root"),
                None,
            ),
            (
                "Mar  2 10:00:00 h su[1]: - pts/1 bob:root",
                "su.failure",
                "failure",
                Some("bob"),
                Some("root"),
                None,
            ),
            (
                "Mar  2 10:00:00 h su[1]: FAILED su for root by bob",
                "su.failure",
                "failure",
                Some("bob"),
                Some("root"),
                None,
            ),
            (
                "Mar  2 10:00:00 h su[1]: pam_unix(su:session): session opened for user root by bob(uid=1000)",
                "session.open",
                "success",
                Some("bob"),
                Some("root"),
                None,
            ),
            (
                "Mar  2 10:00:00 h su[1]: pam_unix(su:auth): authentication failure; logname=bob uid=1000 euid=0 tty=pts/1 ruser=bob rhost=  user=root",
                "su.failure",
                "failure",
                Some("bob"),
                Some("root"),
                None,
            ),
            (
                "Mar  2 10:00:00 h systemd[1]: nginx.service: Main process exited, code=exited, status=1/FAILURE",
                "service.fail",
                "failure",
                None,
                Some("nginx.service"),
                None,
            ),
            (
                "Mar  2 10:00:00 h systemd[1]: nginx.service: Failed with result 'exit-code'.",
                "service.fail",
                "failure",
                None,
                Some("nginx.service"),
                None,
            ),
            (
                "Mar  2 10:00:00 h systemd[1]: Failed to start A high performance web server.",
                "service.fail",
                "failure",
                None,
                Some("A high performance web server"),
                None,
            ),
            (
                "Mar  2 10:00:00 h systemd[1]: Started ssh.service - OpenBSD Secure Shell server.",
                "service.start",
                "success",
                None,
                Some("ssh.service"),
                None,
            ),
            (
                "Mar  2 10:00:00 h CRON[5]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
                "session.open",
                "success",
                Some("root"),
                Some("root"),
                None,
            ),
            (
                "Mar  2 10:00:00 h sshd[5]: Failed password for invalid user admin from 2001:db8::7 port 4242 ssh2",
                "login.failure",
                "failure",
                Some("admin"),
                None,
                Some("2001:db8::7"),
            ),
            (
                "Mar  2 10:00:00 h sshd[5]: Disconnecting authenticating user root 10.1.1.1 port 22: Too many authentication failures [preauth]",
                "login.failure",
                "failure",
                Some("root"),
                None,
                Some("10.1.1.1"),
            ),
            (
                "Mar  2 10:00:00 h sshd[5]: Disconnected from user bob 10.1.1.1 port 5022",
                "logout",
                "success",
                Some("bob"),
                None,
                Some("10.1.1.1"),
            ),
            (
                "Mar  2 10:00:00 h sshd[5]: reverse mapping checking getaddrinfo for x.example [10.9.9.9] failed - POSSIBLE BREAK-IN ATTEMPT!",
                "other",
                "unknown",
                None,
                None,
                Some("10.9.9.9"),
            ),
            (
                "Mar  2 10:00:00 h sshd[5]: Bad protocol version identification 'GET / HTTP/1.1' from 10.9.9.9 port 4444",
                "other",
                "failure",
                None,
                None,
                Some("10.9.9.9"),
            ),
            (
                "Mar  2 10:00:00 h sshd[5]: message repeated 2 times: [ Failed password for root from 10.2.2.2 port 22 ssh2]",
                "login.failure",
                "failure",
                Some("root"),
                None,
                Some("10.2.2.2"),
            ),
            (
                "Mar  2 10:00:00 h sshd-session[5]: Accepted keyboard-interactive/pam for bob from 10.2.2.2 port 22 ssh2",
                "login.success",
                "success",
                Some("bob"),
                None,
                Some("10.2.2.2"),
            ),
            (
                "Mar  2 10:00:00 h doas: command not permitted for bob: rm -rf /",
                "sudo.denied",
                "failure",
                Some("bob"),
                None,
                None,
            ),
        ]);
        let e = event(
            "Mar  2 10:00:00 h sshd[5]: message repeated 2 times: [ Failed password for root from 10.2.2.2 port 22 ssh2]",
            &ctx(),
        );
        assert_eq!(e.fields["repeated"], json!(2));
        let e = event(
            "Mar  2 10:00:00 h sshd[5]: Disconnecting authenticating user root 10.1.1.1 port 22: Too many authentication failures [preauth]",
            &ctx(),
        );
        assert_eq!(e.fields["too_many"], json!(true));
        let e = event(
            "Mar  2 10:00:00 h sshd[5]: reverse mapping checking getaddrinfo for x.example [10.9.9.9] failed - POSSIBLE BREAK-IN ATTEMPT!",
            &ctx(),
        );
        assert_eq!(
            (e.category, &e.fields["break_in_attempt"].to_json()),
            (crate::Category::Login, &json!(true))
        );
    }

    #[test]
    fn the_event_is_built_as_event_new_would() {
        let c = ctx();
        let line = "Mar  2 10:00:00 h kernel: x";
        let raw = RawLine::text(line).at(77, 3);
        let e = parse_line(&raw, &c).unwrap();
        let mut want = Event::new(&c, &raw, FORMAT, e.ts, vocab::SYSTEM_MESSAGE, line.into());
        want.host = "h".into();
        want.message = "x".into();
        want.field("program", "kernel");
        want.flag(Flag::ZoneFromSource);
        want.flag(Flag::YearInferred);
        assert_eq!(e, want);
    }

    #[test]
    fn a_ticket_quoted_in_a_message_is_found() {
        let e = event(
            "Mar  2 10:00:00 h sudo:  bob : TTY=pts/0 ; PWD=/srv ; USER=postgres ; COMMAND=/usr/bin/psql -c update per CHG-2026-0012",
            &ctx(),
        );
        assert_eq!(e.ticket.as_deref(), Some("CHG-2026-0012"));
        assert_eq!(e.action, "sudo.command");
        let e = event("Mar  2 10:00:00 h kernel: eth0-2026: link up", &ctx());
        assert_eq!(e.ticket, None);
    }

    #[test]
    fn new_year_in_shanghai_is_last_years() {
        // 00:30 on 1 January 2027 in Shanghai.
        let c = ctx_at("2026-12-31T16:30:00Z", chrono_tz::Asia::Shanghai);
        let e = event(
            "Dec 31 23:59:59 h sshd[1]: Accepted password for bob from 10.0.0.1 port 22 ssh2",
            &c,
        );
        assert_eq!(e.ts, utc("2026-12-31T15:59:59Z"));
        assert_eq!(e.flags, vec![Flag::YearInferred, Flag::ZoneFromSource]);
        let e = event(
            "Jan  1 00:10:00 h sshd[1]: Accepted password for bob from 10.0.0.1 port 22 ssh2",
            &c,
        );
        assert_eq!(e.ts, utc("2026-12-31T16:10:00Z"));
    }

    #[test]
    fn new_year_in_utc() {
        let c = ctx_at("2027-01-01T00:30:00Z", chrono_tz::UTC);
        let e = event("Dec 31 23:59:59 h kernel: x", &c);
        assert_eq!(e.ts, utc("2026-12-31T23:59:59Z"));
        assert!(e.flags.contains(&Flag::YearInferred));
        let e = event("Jan  1 00:29:00 h kernel: x", &c);
        assert_eq!(e.ts, utc("2027-01-01T00:29:00Z"));
    }

    #[test]
    fn leap_day() {
        // The real doas line of 29 February, read in 2026: the latest leap year is 2024.
        let c = ctx_at("2026-03-01T00:00:00Z", chrono_tz::UTC);
        let e = event("Feb 29 14:58:39 ix doas: failed auth for ddp", &c);
        assert_eq!(e.ts, utc("2024-02-29T14:58:39Z"));
        let c = ctx_at("2028-03-01T00:00:00Z", chrono_tz::UTC);
        let e = event("Feb 29 14:58:39 ix doas: failed auth for ddp", &c);
        assert_eq!(e.ts, utc("2028-02-29T14:58:39Z"));
        let e = event("2028 Feb 29 14:58:39 ix doas: failed auth for ddp", &c);
        assert_eq!(e.ts, utc("2028-02-29T14:58:39Z"));
        assert!(!e.flags.contains(&Flag::YearInferred));
        assert!(one("2027 Feb 29 14:58:39 ix doas: failed auth for ddp", &c).is_err());
    }

    #[test]
    fn rfc5424_fractions_offsets_and_nil_time() {
        let c = ctx();
        let e = event(
            "<38>1 2026-11-03T09:00:00.123456+08:00 db1 sshd 77 - - Accepted password for bob from 10.0.0.1 port 22 ssh2",
            &c,
        );
        assert_eq!(e.ts, utc("2026-11-03T01:00:00.123456Z"));
        assert!(e.flags.is_empty());
        assert_eq!(e.action, "login.success");
        assert_eq!(
            (e.fields["facility"].as_str(), e.fields["severity"].as_str()),
            (Some("auth"), Some("info"))
        );
        let e = event("<38>1 2026-11-03T01:00:00.5-05:30 db1 app - - - x", &c);
        assert_eq!(e.ts, utc("2026-11-03T06:30:00.5Z"));
        let e = event("<38>1 2026-11-03T09:00:00 db1 app - - - x", &c);
        assert_eq!(e.ts, utc("2026-11-03T01:00:00Z"));
        assert_eq!(e.flags, vec![Flag::ZoneFromSource]);
        let e = event("<38>1 - - app - - - x", &c);
        assert_eq!(e.ts, c.reference);
        assert_eq!(e.fields["time_source"], json!("reference"));
        assert_eq!(e.host, "default-host");
        let e = event(r#"<38>1 - h app - - [a@1 k="1" k="2"][b@2] x"#, &c);
        assert_eq!(e.fields["sd"], json!({"a@1": {"k": ["1", "2"]}, "b@2": {}}));
    }

    #[test]
    fn only_an_unreadable_envelope_is_rejected() {
        let c = ctx();
        let err = |l: &str| one(l, &c).unwrap_err();
        let r = err("");
        assert_eq!((r.error.kind.clone(), r.error.at), (ErrorKind::Empty, 0));
        let r = err("Foo 21 21:54:44 localhost sshd[1]: x");
        assert_eq!(r.error.class(), "bad_timestamp");
        assert_eq!(r.raw, "Foo 21 21:54:44 localhost sshd[1]: x");
        let r = err("<999>Feb  4 11:14:27 h x: y");
        assert_eq!(r.error.class(), "syntax");
        // Whatever follows a good envelope is an event.
        let e = event("Feb  4 11:14:27 h sshd[1]: Accepted \u{0} garbage for", &c);
        assert_eq!(e.action, "system.message");
        // Bad bytes are replaced and flagged.
        let mut p = SyslogParser::new();
        let mut out = Vec::new();
        let bytes = b"Feb  4 11:14:27 h kernel: \xff\xfe";
        let line = RawLine {
            bytes,
            path: "-",
            file_id: 0,
            offset: 0,
            line: 1,
        };
        p.feed(&line, &c, &mut out);
        let e = out.pop().unwrap().unwrap();
        assert!(e.flags.contains(&Flag::InvalidUtf8));
        assert_eq!(p.name(), "syslog");
    }

    fn real_lines() -> Vec<&'static str> {
        table().into_iter().map(|(l, _)| l).collect()
    }

    proptest! {
        #[test]
        fn random_bytes_give_one_output(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let c = ctx();
            let mut p = SyslogParser::new();
            let mut out = Vec::new();
            let line = RawLine { bytes: &bytes, path: "-", file_id: 0, offset: 0, line: 1 };
            p.feed(&line, &c, &mut out);
            prop_assert_eq!(out.len(), 1);
        }

        #[test]
        fn random_text_gives_one_output(s in "\\PC{0,200}") {
            let out = crate::parse_text(&mut SyslogParser::new(), &ctx(), "-", s.as_bytes());
            prop_assert_eq!(out.len(), s.split_inclusive('\n').count());
        }

        #[test]
        fn syslog_like_text_gives_one_output(
            prefix in "(<[0-9]{1,3}>(1 )?)?",
            s in "(Feb 29|Dec 31|2026-01-01T00:00:00Z|[A-Z][a-z]{2} [ 0-9]{2}) [0-9:]{8} [a-z]{1,5} [a-z()_]{0,12}(\\[[0-9]{0,4}\\])?: [ -~]{0,80}"
        ) {
            let line = format!("{prefix}{s}");
            let _ = one(&line, &ctx());
        }

        #[test]
        fn truncated_and_spliced_real_lines_never_panic(i in 0usize..31, cut in 0usize..400, tail in "[ -~]{0,40}") {
            let lines = real_lines();
            let l = lines[i % lines.len()];
            let mut cut = cut.min(l.len());
            while !l.is_char_boundary(cut) {
                cut -= 1;
            }
            let _ = one(&l[..cut], &ctx());
            let _ = one(&format!("{}{}", &l[..cut], tail), &ctx());
        }
    }
}
