//! The `winlog` format: one Windows event log record a line, as the `evtx` crate renders it in
//! JSON (`evtx_dump -o jsonl`, or the `vigil-winlog` crate's record lines): the record's `Event`
//! element on one line, `{"Event":{"#attributes":{...},"System":{...},"EventData":{...}}}`.
//!
//! The shape, as evtx 0.15 writes it: an element's attributes are under `#attributes` (or, with
//! evtx's `separate_json_attributes`, under `NAME_attributes` beside it, which is read too); an
//! element with attributes and text is `{"#attributes":{...},"#text":...}`; numbers are JSON
//! numbers, or strings in records whose template typed them as strings (`"EventID":"1"`,
//! `"EventRecordID":"3229"`); `EventData` holds named `Data` elements as members, unnamed ones as
//! `"Data":{"#text":[...]}`; `UserData` holds one element of the provider's own (1102 and 104:
//! `LogFileCleared`). Records forwarded by Windows Event Forwarding (the `ForwardedEvents` log)
//! keep their original `System` and carry a `RenderingInfo` element as well, which is not read:
//! they give the same events as the records they copy.
//!
//! Every event: `ts` from `System/TimeCreated/@SystemTime` (UTC), `host` = `System/Computer`,
//! fields `event_id`, `record_id` (`EventRecordID`), `channel`, `provider` (`Provider/@Name`).
//! Values `-` and empty are no value. The Security events read (provider
//! Microsoft-Windows-Security-Auditing, or channel Security when the record names no provider):
//!
//! | EventID | action | actor | target | fields |
//! |---|---|---|---|---|
//! | 4624 | login.success | TargetUserName | | domain, logon_type, logon_process, auth_package, workstation; `src_ip` = IpAddress |
//! | 4625 | login.failure | TargetUserName | | as 4624, and status, sub_status, failure_reason |
//! | 4634, 4647 | logout | TargetUserName | | domain, logon_type (4634) |
//! | 4648 | login.explicit_credentials | SubjectUserName | TargetUserName | domain, target_domain, target_server, target_info, process, explicit_credentials = true; `src_ip` = IpAddress |
//! | 4672 | login.privileged, actor_role admin (service for Windows' own accounts: SYSTEM, LOCAL/NETWORK SERVICE, `NAME$`, DWM-, UMFD-) | SubjectUserName | | domain, privileges (space-separated) |
//! | 4688 | process.exec | SubjectUserName | CommandLine, else NewProcessName | domain, process, command_line, parent_process, target_user |
//! | 4720 | account.create | SubjectUserName | TargetUserName | domain, target_domain, target_sid |
//! | 4722 | account.modify, change enable | as 4720 | | |
//! | 4725 | account.lock, change disable | as 4720 | | |
//! | 4726 | account.delete | as 4720 | | |
//! | 4738 | account.modify, change modify | as 4720 | | |
//! | 4781 | account.modify, change name | as 4720 (target: NewTargetUserName) | | old_name |
//! | 4723, 4724 | password.change, change change / reset | as 4720 | | |
//! | 4740 | account.lock, change lockout | SubjectUserName | TargetUserName | caller_computer (TargetDomainName) |
//! | 4728, 4732, 4756 | group.modify, change add_member | SubjectUserName | the group (TargetUserName) | member (MemberName's CN, else MemberSid), member_sid, group_scope |
//! | 4729, 4733, 4757 | group.modify, change remove_member | as 4728 | | |
//! | 4727, 4731, 4754 | group.modify, change create | as 4728 | | |
//! | 4730, 4734, 4758 | group.modify, change delete | as 4728 | | |
//! | 4735, 4737, 4755 | group.modify, change modify | as 4728 | | |
//! | 4719 | audit.config_change | SubjectUserName | | category, subcategory, subcategory_guid, changes |
//!
//! And from provider Microsoft-Windows-Eventlog: 1102 (Security: "The audit log was cleared") and
//! 104 (System: "The X log file was cleared") give `audit.log_cleared`, actor = the `UserData`'s
//! SubjectUserName, target = the log cleared (1102: the record's channel; 104: the `UserData`'s
//! `Channel`). An EventID of another provider (Sysmon's 1, RdpCoreTS's 104) is not read as these.
//!
//! Any other record gives `system.message`, message `EventID N (provider)`, its outcome from the
//! audit keywords (Audit Success, Audit Failure) when it has them, and the scalar values of its
//! `EventData` (or `UserData`) copied into `fields` under their own names (unnamed `Data` as
//! `data_1`, `data_2`...), at most [`MAX_COPIED`] of them, strings cut at [`MAX_COPIED_LEN`]
//! bytes.
//!
//! Two choices of vocabulary:
//! - 4648 is `login.explicit_credentials`, not `login.success`: Windows writes it where a process
//!   *tried* a logon with other credentials (runas, a mapped drive, WMI to another machine),
//!   whose success the target records with its own 4624. As `login.success` it would count the
//!   same logon twice and credit the subject with a logon as the target account.
//! - 4672 is `login.privileged` with actor_role admin, not `permission.grant`: Windows writes it
//!   at every logon of an administrator-equivalent account (SYSTEM's service logons included);
//!   as `permission.grant` each would be an unapproved permission grant to the checks.
//!
//! A line is rejected only when it is not JSON, not an object, or has no `System` or no readable
//! `EventID`. A record with no readable `TimeCreated` takes the context's reference time and field
//! `ts_missing`. The event's id is the reader's (`Event::make_id(file_id, offset)`), and
//! `vigil-winlog`'s reader puts the record id in `offset`.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use crate::context::ParseContext;
use crate::error::{ErrorKind, ParseError};
use crate::event::{ActorRole, Event, Fields, Outcome};
use crate::line::RawLine;
use crate::{Output, Parser, reject, vocab};

/// The format's name, as written in the config and in `Event::format`.
pub const FORMAT: &str = "winlog";

/// At most this many `EventData` values are copied into the fields of an unmapped record.
pub const MAX_COPIED: usize = 32;

/// A copied string value longer than this many bytes is cut (on a character boundary).
pub const MAX_COPIED_LEN: usize = 1024;

const SECURITY_AUDITING: &str = "Microsoft-Windows-Security-Auditing";
const EVENTLOG: &str = "Microsoft-Windows-Eventlog";

/// The `Keywords` bits of the Security log's audit outcome.
const AUDIT_SUCCESS: u64 = 0x0020_0000_0000_0000;
const AUDIT_FAILURE: u64 = 0x0010_0000_0000_0000;

/// Reads Windows event records, one JSON object a line.
#[derive(Debug, Clone, Default)]
pub struct WinlogParser {
    _private: (),
}

impl WinlogParser {
    pub fn new() -> WinlogParser {
        WinlogParser::default()
    }
}

impl Parser for WinlogParser {
    fn name(&self) -> &'static str {
        FORMAT
    }

    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>) {
        out.push(parse_line(line, ctx));
    }
}

/// An element's text: a string, a number, or the `#text` of an element with attributes.
fn text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s.as_str())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Object(m) => m.get("#text").and_then(text),
        _ => None,
    }
}

/// An element's number: a JSON number, a decimal or `0x` hex string, or the `#text` of either.
fn number(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => {
            let s = s.trim();
            match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                Some(hex) => u64::from_str_radix(hex, 16).ok(),
                None => s.parse().ok(),
            }
        }
        Value::Object(m) => m.get("#text").and_then(number),
        _ => None,
    }
}

/// The attribute `attr` of the element `name` of `obj`: under its `#attributes`, or under
/// `NAME_attributes` beside it (evtx's `separate_json_attributes`).
fn attribute<'a>(obj: &'a Map<String, Value>, name: &str, attr: &str) -> Option<&'a Value> {
    obj.get(name)
        .and_then(|e| e.get("#attributes"))
        .and_then(|a| a.get(attr))
        .or_else(|| {
            obj.get(&format!("{name}_attributes"))
                .and_then(|a| a.get(attr))
        })
}

/// A value worth keeping: not empty, not Windows' `-` for "none".
fn present(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty() && t != "-").then_some(t)
}

/// The named values of the record: `EventData`'s members, or those of `UserData`'s one element.
struct Data<'a> {
    map: Option<&'a Map<String, Value>>,
}

impl<'a> Data<'a> {
    fn of(event: &'a Map<String, Value>) -> Data<'a> {
        let map = match event.get("EventData") {
            Some(Value::Object(m)) => Some(m),
            _ => match event.get("UserData") {
                Some(Value::Object(m)) => m
                    .iter()
                    .find(|(k, _)| !k.starts_with('#'))
                    .and_then(|(_, v)| v.as_object()),
                _ => None,
            },
        };
        Data { map }
    }

    /// The value `key`, if present (not empty, not `-`).
    fn get(&self, key: &str) -> Option<String> {
        let v = self.map?.get(key)?;
        let t = text(v)?;
        present(&t).map(str::to_string)
    }

    fn number(&self, key: &str) -> Option<u64> {
        self.map?.get(key).and_then(number)
    }
}

/// The common name of a distinguished name (`CN=bob,OU=...` gives `bob`); anything else as it is.
fn common_name(dn: &str) -> String {
    let Some(rest) = dn
        .strip_prefix("CN=")
        .or_else(|| dn.strip_prefix("cn="))
        .or_else(|| dn.strip_prefix("Cn="))
    else {
        return dn.to_string();
    };
    // A comma escaped with a backslash belongs to the name.
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            ',' => break,
            c => out.push(c),
        }
    }
    out
}

/// `TimeCreated`'s `SystemTime`: RFC 3339 (evtx 0.15: seven fractional digits), or the
/// `2015-08-24 06:51:38.437500 UTC` of older evtx versions.
fn system_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = s.strip_suffix(" UTC").unwrap_or(s);
    NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|n| n.and_utc())
}

/// Cuts `s` to at most `max` bytes, on a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Reads one record: an event, or the rejection of a line that is not one.
#[allow(clippy::result_large_err)] // `Output` is the crate's shared result type.
pub fn parse_line(line: &RawLine<'_>, ctx: &ParseContext) -> Output {
    let (raw, decoded) = line.decode_nonblank(ctx)?;
    let fail = |kind: ErrorKind| Err(reject(line, raw.to_string(), ParseError::new(kind, 0)));
    let root: Value = match serde_json::from_str(&raw) {
        Ok(v) => v,
        Err(e) => return fail(ErrorKind::Json(e.to_string())),
    };
    let Some(root) = root.as_object() else {
        return fail(ErrorKind::NotThisFormat(FORMAT));
    };
    // `{"Event":{...}}`, or the event element itself.
    let event = match root.get("Event") {
        Some(Value::Object(e)) => e,
        _ => root,
    };
    let Some(system) = event.get("System").and_then(Value::as_object) else {
        return fail(ErrorKind::Expected("an Event object with a System element"));
    };
    let Some(event_id) = system.get("EventID").and_then(number) else {
        return fail(ErrorKind::Expected("System.EventID"));
    };
    let str_of = |k: &str| {
        system
            .get(k)
            .and_then(text)
            .and_then(|t| present(&t).map(str::to_string))
    };
    let provider = attribute(system, "Provider", "Name")
        .and_then(text)
        .map(|t| t.into_owned())
        .unwrap_or_default();
    let channel = str_of("Channel").unwrap_or_default();
    let computer = str_of("Computer");
    let ts = attribute(system, "TimeCreated", "SystemTime")
        .and_then(text)
        .and_then(|t| system_time(&t));

    let mut fields = Fields::with_capacity(10);
    fields.insert("event_id", event_id);
    if let Some(r) = system.get("EventRecordID").and_then(number) {
        fields.insert("record_id", r);
    }
    if !channel.is_empty() {
        fields.insert("channel", channel.as_str());
    }
    if !provider.is_empty() {
        fields.insert("provider", provider.as_str());
    }
    if ts.is_none() {
        fields.insert("ts_missing", true);
    }
    let mut ev = Event::with_fields(
        ctx,
        line,
        FORMAT,
        ts.unwrap_or(ctx.reference),
        vocab::SYSTEM_MESSAGE,
        raw.to_string(),
        fields,
    );
    if let Some(f) = decoded {
        ev.flag(f);
    }
    if let Some(host) = computer {
        ev.host = ctx.shared_host(&host);
    }
    let keywords = system.get("Keywords").and_then(number).unwrap_or(0);
    let data = Data::of(event);
    let security = if provider.is_empty() {
        channel.eq_ignore_ascii_case("Security")
    } else {
        provider.eq_ignore_ascii_case(SECURITY_AUDITING)
    };
    let eventlog = provider.eq_ignore_ascii_case(EVENTLOG);
    let read = match (event_id, security, eventlog) {
        (1102 | 104, _, true) => {
            log_cleared(&mut ev, event_id, &channel, &data);
            true
        }
        (_, true, _) => security_event(&mut ev, event_id, &data),
        _ => false,
    };
    if !read {
        other(&mut ev, event_id, &provider, keywords, event);
    }
    Ok(ev)
}

/// Sets the action and outcome.
fn set(ev: &mut Event, action: &'static str, outcome: Outcome) {
    ev.set_action(action);
    ev.outcome = outcome;
}

/// The actor's (`Subject*` or `Target*`) name and domain.
fn actor_from(ev: &mut Event, data: &Data<'_>, who: &str) {
    ev.actor = data.get(&format!("{who}UserName"));
    if let Some(d) = data.get(&format!("{who}DomainName")) {
        ev.field("domain", d);
    }
}

/// The action's account: `TargetUserName` with its domain and SID.
fn target_account(ev: &mut Event, data: &Data<'_>) {
    ev.target = data.get("TargetUserName");
    if let Some(d) = data.get("TargetDomainName") {
        ev.field("target_domain", d);
    }
    if let Some(s) = data.get("TargetSid") {
        ev.field("target_sid", s);
    }
}

/// `name (domain\user)` for messages.
fn who(ev: &Event) -> String {
    let user = ev.actor.as_deref().unwrap_or("?");
    match ev.fields.get("domain").and_then(|d| d.as_str()) {
        Some(d) => format!("{d}\\{user}"),
        None => user.to_string(),
    }
}

/// The logon fields of 4624 and 4625.
fn logon(ev: &mut Event, data: &Data<'_>) {
    actor_from(ev, data, "Target");
    ev.src_ip = data.get("IpAddress");
    if let Some(t) = data.number("LogonType") {
        ev.field("logon_type", t);
    }
    for (key, field) in [
        ("WorkstationName", "workstation"),
        ("LogonProcessName", "logon_process"),
        ("AuthenticationPackageName", "auth_package"),
    ] {
        if let Some(v) = data.get(key) {
            ev.field(field, v);
        }
    }
}

/// Reads a Security-Auditing event; `false` when its EventID is not one read here.
fn security_event(ev: &mut Event, id: u64, data: &Data<'_>) -> bool {
    let logon_type = |ev: &Event| {
        ev.fields
            .get("logon_type")
            .and_then(|v| v.as_u64())
            .map(|t| format!(" (logon type {t})"))
            .unwrap_or_default()
    };
    let from = |ev: &Event| {
        ev.src_ip
            .as_deref()
            .map(|ip| format!(" from {ip}"))
            .unwrap_or_default()
    };
    match id {
        4624 => {
            set(ev, vocab::LOGIN_SUCCESS, Outcome::Success);
            logon(ev, data);
            ev.message = format!(
                "An account was successfully logged on: {}{}{}",
                who(ev),
                logon_type(ev),
                from(ev)
            );
        }
        4625 => {
            set(ev, vocab::LOGIN_FAILURE, Outcome::Failure);
            logon(ev, data);
            for (key, field) in [
                ("Status", "status"),
                ("SubStatus", "sub_status"),
                ("FailureReason", "failure_reason"),
            ] {
                if let Some(v) = data.get(key) {
                    ev.field(field, v);
                }
            }
            ev.message = format!(
                "An account failed to log on: {}{}{}",
                who(ev),
                logon_type(ev),
                from(ev)
            );
        }
        4634 | 4647 => {
            set(ev, vocab::LOGOUT, Outcome::Success);
            actor_from(ev, data, "Target");
            if let Some(t) = data.number("LogonType") {
                ev.field("logon_type", t);
            }
            ev.message = if id == 4634 {
                format!("An account was logged off: {}", who(ev))
            } else {
                format!("User initiated logoff: {}", who(ev))
            };
        }
        4648 => {
            set(ev, vocab::LOGIN_EXPLICIT_CREDENTIALS, Outcome::Success);
            actor_from(ev, data, "Subject");
            ev.target = data.get("TargetUserName");
            ev.src_ip = data.get("IpAddress");
            ev.field("explicit_credentials", true);
            for (key, field) in [
                ("TargetDomainName", "target_domain"),
                ("TargetServerName", "target_server"),
                ("TargetInfo", "target_info"),
                ("ProcessName", "process"),
            ] {
                if let Some(v) = data.get(key) {
                    ev.field(field, v);
                }
            }
            let server = ev
                .fields
                .get("target_server")
                .and_then(|v| v.as_str())
                .map(|s| format!(" on {s}"))
                .unwrap_or_default();
            ev.message = format!(
                "A logon was attempted using explicit credentials: {} as {}{}",
                who(ev),
                ev.target.as_deref().unwrap_or("?"),
                server
            );
        }
        4672 => {
            set(ev, vocab::LOGIN_PRIVILEGED, Outcome::Success);
            actor_from(ev, data, "Subject");
            // Windows' own accounts log on privileged all day: they are services, not people.
            let sid = data.get("SubjectUserSid").unwrap_or_default();
            ev.actor_role = Some(if is_machine_account(ev.actor.as_deref(), &sid) {
                ActorRole::Service
            } else {
                ActorRole::Admin
            });
            if let Some(p) = data.get("PrivilegeList") {
                ev.field(
                    "privileges",
                    p.split_whitespace().collect::<Vec<_>>().join(" "),
                );
            }
            ev.message = format!("Special privileges assigned to new logon: {}", who(ev));
        }
        4688 => {
            set(ev, vocab::PROCESS_EXEC, Outcome::Success);
            actor_from(ev, data, "Subject");
            let process = data.get("NewProcessName");
            let command = data.get("CommandLine");
            ev.target = command.clone().or_else(|| process.clone());
            if let Some(p) = &process {
                ev.field("process", p.as_str());
            }
            if let Some(c) = command {
                ev.field("command_line", c);
            }
            if let Some(p) = data.get("ParentProcessName") {
                ev.field("parent_process", p);
            }
            if let Some(u) = data.get("TargetUserName") {
                ev.field("target_user", u);
            }
            ev.message = format!(
                "A new process has been created by {}: {}",
                who(ev),
                ev.target.as_deref().unwrap_or("?")
            );
        }
        4720 | 4722 | 4725 | 4726 | 4738 | 4781 | 4723 | 4724 => {
            let (action, change, text) = match id {
                4720 => (vocab::ACCOUNT_CREATE, None, "A user account was created"),
                4722 => (
                    vocab::ACCOUNT_MODIFY,
                    Some("enable"),
                    "A user account was enabled",
                ),
                4725 => (
                    vocab::ACCOUNT_LOCK,
                    Some("disable"),
                    "A user account was disabled",
                ),
                4726 => (vocab::ACCOUNT_DELETE, None, "A user account was deleted"),
                4738 => (
                    vocab::ACCOUNT_MODIFY,
                    Some("modify"),
                    "A user account was changed",
                ),
                4781 => (
                    vocab::ACCOUNT_MODIFY,
                    Some("name"),
                    "The name of an account was changed",
                ),
                4723 => (
                    vocab::PASSWORD_CHANGE,
                    Some("change"),
                    "An attempt was made to change an account's password",
                ),
                _ => (
                    vocab::PASSWORD_CHANGE,
                    Some("reset"),
                    "An attempt was made to reset an account's password",
                ),
            };
            set(ev, action, Outcome::Success);
            actor_from(ev, data, "Subject");
            target_account(ev, data);
            if id == 4781 {
                ev.target = data.get("NewTargetUserName");
                if let Some(old) = data.get("OldTargetUserName") {
                    ev.field("old_name", old);
                }
            }
            if let Some(c) = change {
                ev.field("change", c);
            }
            ev.message = format!(
                "{text}: {} by {}",
                ev.target.as_deref().unwrap_or("?"),
                who(ev)
            );
        }
        4740 => {
            set(ev, vocab::ACCOUNT_LOCK, Outcome::Success);
            actor_from(ev, data, "Subject");
            ev.target = data.get("TargetUserName");
            if let Some(s) = data.get("TargetSid") {
                ev.field("target_sid", s);
            }
            // 4740's TargetDomainName is the computer the failed logons came from.
            if let Some(c) = data.get("TargetDomainName") {
                ev.field("caller_computer", c);
            }
            ev.field("change", "lockout");
            ev.message = format!(
                "A user account was locked out: {}",
                ev.target.as_deref().unwrap_or("?")
            );
        }
        4727..=4735 | 4737 | 4754..=4758 => {
            let (change, scope) = match id {
                4728 | 4732 | 4756 => ("add_member", id),
                4729 | 4733 | 4757 => ("remove_member", id),
                4727 | 4731 | 4754 => ("create", id),
                4730 | 4734 | 4758 => ("delete", id),
                _ => ("modify", id),
            };
            set(ev, vocab::GROUP_MODIFY, Outcome::Success);
            actor_from(ev, data, "Subject");
            target_account(ev, data);
            ev.field("change", change);
            ev.field(
                "group_scope",
                match scope {
                    4727..=4730 | 4737 => "global",
                    4731..=4735 => "local",
                    _ => "universal",
                },
            );
            let member_sid = data.get("MemberSid");
            let member = data
                .get("MemberName")
                .map(|m| common_name(&m))
                .filter(|m| !m.is_empty())
                .or_else(|| member_sid.clone());
            if let Some(s) = member_sid {
                ev.field("member_sid", s);
            }
            let group = ev.target.as_deref().unwrap_or("?").to_string();
            ev.message = match (&member, change) {
                (Some(m), "add_member") => format!("{m} added to group {group} by {}", who(ev)),
                (Some(m), "remove_member") => {
                    format!("{m} removed from group {group} by {}", who(ev))
                }
                _ => format!("Group {group}: {change} by {}", who(ev)),
            };
            if let Some(m) = member {
                ev.field("member", m);
            }
        }
        4719 => {
            set(ev, vocab::AUDIT_CONFIG_CHANGE, Outcome::Success);
            actor_from(ev, data, "Subject");
            for (key, field) in [
                ("CategoryId", "category"),
                ("SubcategoryId", "subcategory"),
                ("SubcategoryGuid", "subcategory_guid"),
                ("AuditPolicyChanges", "changes"),
            ] {
                if let Some(v) = data.get(key) {
                    ev.field(field, v);
                }
            }
            ev.message = format!("System audit policy was changed by {}", who(ev));
        }
        _ => return false,
    }
    true
}

/// 1102 and 104 of the Eventlog provider: a log cleared.
fn log_cleared(ev: &mut Event, id: u64, channel: &str, data: &Data<'_>) {
    set(ev, vocab::AUDIT_LOG_CLEARED, Outcome::Success);
    actor_from(ev, data, "Subject");
    let cleared = if id == 104 {
        data.get("Channel")
    } else {
        present(channel).map(str::to_string)
    };
    ev.target = cleared.clone();
    if let Some(c) = &cleared {
        ev.field("cleared_channel", c.as_str());
    }
    if let Some(p) = data.get("BackupPath") {
        ev.field("backup_path", p);
    }
    ev.message = match id {
        1102 => format!("The audit log was cleared by {}", who(ev)),
        _ => format!(
            "The {} log file was cleared by {}",
            cleared.as_deref().unwrap_or("?"),
            who(ev)
        ),
    };
}

/// Any other record: `system.message` with its data copied.
fn other(ev: &mut Event, id: u64, provider: &str, keywords: u64, event: &Map<String, Value>) {
    ev.set_action(vocab::SYSTEM_MESSAGE);
    ev.outcome = if keywords & AUDIT_FAILURE != 0 {
        Outcome::Failure
    } else if keywords & AUDIT_SUCCESS != 0 {
        Outcome::Success
    } else {
        Outcome::Unknown
    };
    ev.message = if provider.is_empty() {
        format!("EventID {id}")
    } else {
        format!("EventID {id} ({provider})")
    };
    let Some(map) = Data::of(event).map else {
        return;
    };
    let mut copied = 0;
    let mut copy = |ev: &mut Event, key: String, v: &Value| {
        if copied >= MAX_COPIED || ev.fields.contains_key(&key) {
            return;
        }
        let value: crate::value::FieldValue = match v {
            Value::String(s) => cut(s, MAX_COPIED_LEN).into(),
            Value::Number(_) | Value::Bool(_) => v.clone().into(),
            _ => return,
        };
        ev.fields.insert(key, value);
        copied += 1;
    };
    for (k, v) in map {
        if k.starts_with('#') || k.ends_with("_attributes") {
            continue;
        }
        let inner = match v {
            Value::Object(o) => o.get("#text").unwrap_or(v),
            _ => v,
        };
        match inner {
            Value::Array(items) if k == "Data" => {
                for (i, item) in items.iter().enumerate() {
                    copy(ev, format!("data_{}", i + 1), item);
                }
            }
            _ if k == "Data" => copy(ev, "data_1".to_string(), inner),
            _ => copy(ev, k.clone(), inner),
        }
    }
}

/// Whether an account is Windows' own rather than a person's: LocalSystem, LocalService and
/// NetworkService (S-1-5-18, -19, -20), a computer account (`NAME$`), the window manager's and
/// font driver's (`DWM-1`, `UMFD-0`).
fn is_machine_account(name: Option<&str>, sid: &str) -> bool {
    let name = name.unwrap_or("");
    matches!(sid, "S-1-5-18" | "S-1-5-19" | "S-1-5-20")
        || name.ends_with('$')
        || name.starts_with("DWM-")
        || name.starts_with("UMFD-")
        || matches!(
            name.to_ascii_uppercase().as_str(),
            "SYSTEM" | "LOCAL SERVICE" | "NETWORK SERVICE"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_names_come_out_of_distinguished_names() {
        assert_eq!(
            common_name("CN=bob,OU=Users,DC=corp,DC=example"),
            "bob".to_string()
        );
        assert_eq!(common_name("CN=Smith\\, Bob,OU=x"), "Smith, Bob");
        assert_eq!(common_name("S-1-5-21-1"), "S-1-5-21-1");
    }

    #[test]
    fn event_ids_and_times_are_read_in_every_shape() {
        assert_eq!(number(&serde_json::json!(4624)), Some(4624));
        assert_eq!(number(&serde_json::json!("4624")), Some(4624));
        assert_eq!(
            number(&serde_json::json!({"#attributes": {"Qualifiers": 16384}, "#text": 7036})),
            Some(7036)
        );
        assert_eq!(
            number(&serde_json::json!("0x8020000000000000")),
            Some(0x8020_0000_0000_0000)
        );
        assert_eq!(
            system_time("2022-05-01T04:41:34.3517684Z").map(|t| t.to_rfc3339()),
            Some("2022-05-01T04:41:34.351768400+00:00".to_string())
        );
        assert_eq!(
            system_time("2015-08-24 06:51:38.437500 UTC").map(|t| t.to_rfc3339()),
            Some("2015-08-24T06:51:38.437500+00:00".to_string())
        );
    }
}
