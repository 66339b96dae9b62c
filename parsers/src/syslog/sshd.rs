//! sshd messages (OpenSSH, also as `sshd-session`): logins, failures, invalid users, disconnects.
//!
//! | message | action | outcome |
//! |---|---|---|
//! | `Accepted METHOD for U from IP port N ssh2[: KEYTYPE FP]` | login.success | success |
//! | `Failed METHOD for [invalid user] U from IP port N ssh2` | login.failure | failure |
//! | `Invalid user U from IP [port N]`, `input_userauth_request: invalid user U` | login.invalid_user | failure |
//! | `Postponed METHOD for invalid user U from ...` | login.invalid_user | failure |
//! | `User U from IP not allowed because ...`, `ROOT LOGIN REFUSED FROM IP` | login.failure | failure |
//! | `error: PAM: REASON for [illegal user] U from H` | login.failure (login.invalid_user for "User not known") | failure |
//! | `error: maximum authentication attempts exceeded for ...`, `Disconnecting ...: Too many authentication failures` | login.failure, `too_many` | failure |
//! | `Disconnected from [invalid\|authenticating] user U IP port N` | logout | success for `user`, failure for invalid/authenticating |
//! | `Received disconnect from IP port N:CODE: REASON` | logout | failure before authentication (`[preauth]`), else success |
//! | `Connection closed\|reset by [authenticating\|invalid] user U IP port N` | logout | as above; unknown without either |
//! | `reverse mapping checking getaddrinfo for H [IP] failed - POSSIBLE BREAK-IN ATTEMPT!`, `Address IP maps to H, but this does not map back ...` | other, category login, `break_in_attempt` | unknown |
//! | `Did not receive identification string from IP`, `Bad protocol version identification ...`, `banner exchange: ...`, `Unable to negotiate ...` | other, category login, `preauth_error` | failure |
//!
//! The pre-authentication connection failures are not `login.failure`: no account was tried, and
//! counting port scanners as failed logins would drown the failed-login thresholds. They keep
//! the category `login` so they are found with logins. Everything else is `system.message`.
//! A `[preauth]` suffix sets `preauth: true`.

use super::pam;
use super::parser::{actor, addr_port, leading_number, set, src_ip};
use crate::atoms::FastFind;
use crate::event::{Category, Event, Outcome};
use crate::vocab;

/// Reads an sshd message into `ev`; leaves it a `system.message` when it is none of the above.
pub(super) fn parse(msg: &str, ev: &mut Event) {
    let (msg, preauth) = match msg.strip_suffix(" [preauth]") {
        Some(m) => (m, true),
        None => (msg, false),
    };
    if preauth {
        ev.field("preauth", true);
    }
    let m = msg.strip_prefix("fatal: ").unwrap_or(msg);
    // `subsystem request for sftp by user vagrant`: the user is the actor.
    if let Some(r) = m.strip_prefix("subsystem request for ")
        && let Some((subsystem, user)) = r.split_once(" by user ")
    {
        ev.field("subsystem", subsystem);
        actor(ev, user.split_whitespace().next().unwrap_or(""));
        return;
    }
    if let Some(r) = m.strip_prefix("Accepted ") {
        accepted(r, ev);
    } else if let Some(r) = m.strip_prefix("Failed ") {
        failed(r, ev);
    } else if let Some(r) = m.strip_prefix("Invalid user ") {
        // `Invalid user U from IP[ port N]`; an empty user leaves "from" right after.
        let (user, from) = r
            .rsplit_once_str(" from ")
            .or_else(|| r.strip_prefix("from ").map(|f| ("", f)))
            .unwrap_or((r, ""));
        invalid(ev, user);
        remote(ev, from);
    } else if let Some(r) = m.strip_prefix("input_userauth_request: invalid user ") {
        invalid(ev, r);
    } else if let Some(r) = m.strip_prefix("Postponed ") {
        postponed(r, ev);
    } else if let Some(r) = m.strip_prefix("Disconnected from ") {
        disconnected(r, preauth, ev);
    } else if let Some(r) = m.strip_prefix("Received disconnect from ") {
        received_disconnect(r, preauth, ev);
    } else if let Some(r) = m
        .strip_prefix("Connection closed by ")
        .or_else(|| m.strip_prefix("Connection reset by "))
    {
        disconnected(r, preauth, ev);
    } else if let Some(r) = m.strip_prefix("error: maximum authentication attempts exceeded for ") {
        too_many(r, ev);
    } else if let Some(r) = m.strip_prefix("Disconnecting") {
        disconnecting(r, ev);
    } else if let Some(r) = m.strip_prefix("reverse mapping checking getaddrinfo for ") {
        // `H [IP] failed - POSSIBLE BREAK-IN ATTEMPT!`
        let (host, rest) = r.split_once_str(" [").unwrap_or((r, ""));
        let ip = rest.split_once(']').map_or("", |(ip, _)| ip);
        break_in(ev, ip, host);
    } else if let Some(r) = m.strip_prefix("Address ")
        && let Some((ip, rest)) = r.split_once_str(" maps to ")
        && let Some((host, _)) = rest.split_once_str(", but this does not map back")
    {
        break_in(ev, ip, host);
    } else if let Some(r) = m.strip_prefix("Did not receive identification string from ") {
        preauth_error(ev, "no_identification", r);
    } else if let Some(r) = m.strip_prefix("Bad protocol version identification ") {
        let from = r.rsplit_once_str(" from ").map_or("", |(_, f)| f);
        preauth_error(ev, "bad_protocol_version", from);
    } else if let Some(r) = m.strip_prefix("banner exchange: Connection from ") {
        preauth_error(ev, "banner_exchange", r);
    } else if let Some(r) = m.strip_prefix("Unable to negotiate ") {
        let from = r.strip_prefix("with ").unwrap_or("");
        let (from, reason) = from.split_once_str(": ").unwrap_or((from, ""));
        preauth_error(ev, "negotiation", from.trim_end_matches(':'));
        let reason = reason.split_once_str(". ").map_or(reason, |(x, _)| x);
        if !reason.is_empty() {
            ev.field("reason", reason);
        }
    } else if let Some(r) = m.strip_prefix("PAM ")
        && pam::more_failures_line("sshd", r, ev)
    {
        // Red Hat's sshd: `PAM 4 more authentication failures; logname= ... user=root`.
    } else if let Some(r) = m.strip_prefix("error: PAM: ") {
        pam_error(r, ev);
    } else if let Some(r) = m.strip_prefix("User ")
        && let Some((user, rest)) = r.split_once_str(" from ")
        && let Some((ip, reason)) = rest.split_once_str(" not allowed because ")
    {
        set(ev, vocab::LOGIN_FAILURE, Outcome::Failure);
        actor(ev, user);
        src_ip(ev, ip);
        ev.field("reason", format!("not allowed because {reason}"));
    } else if let Some(ip) = m.strip_prefix("ROOT LOGIN REFUSED FROM ") {
        set(ev, vocab::LOGIN_FAILURE, Outcome::Failure);
        actor(ev, "root");
        src_ip(ev, ip.split(' ').next().unwrap_or(""));
        ev.field("reason", "root login refused");
    }
}

/// `IP port N[ ssh2][: KEY]` into src_ip, port and protocol; the rest is returned.
fn remote<'a>(ev: &mut Event, s: &'a str) -> &'a str {
    let (ip, port, rest) = addr_port(s);
    src_ip(ev, ip);
    if let Some(p) = port {
        ev.field("port", p);
    }
    let rest = rest.trim_start_matches(' ');
    match rest.strip_prefix("ssh2") {
        Some(r) => {
            ev.field("protocol", "ssh2");
            r
        }
        None => rest,
    }
}

/// `[invalid user ]U` (also `illegal user`): the user, and whether it was invalid.
fn user_part(s: &str) -> (&str, bool) {
    match s
        .strip_prefix("invalid user ")
        .or_else(|| s.strip_prefix("illegal user "))
    {
        Some(u) => (u, true),
        None => (s, false),
    }
}

fn accepted(r: &str, ev: &mut Event) {
    let Some((method, rest)) = r.split_once_str(" for ") else {
        return;
    };
    let Some((user, from)) = rest.rsplit_once_str(" from ") else {
        return;
    };
    set(ev, vocab::LOGIN_SUCCESS, Outcome::Success);
    ev.field("method", method);
    actor(ev, user);
    let rest = remote(ev, from);
    if let Some(key) = rest.strip_prefix(": ") {
        match crate::atoms::split_once_byte(key, b' ') {
            Some((kind, fp)) => {
                ev.field("key_type", kind);
                ev.field("key", fp);
            }
            None => ev.field("key", key),
        }
    }
}

fn failed(r: &str, ev: &mut Event) {
    let Some((method, rest)) = r.split_once_str(" for ") else {
        return;
    };
    let Some((who, from)) = rest.rsplit_once_str(" from ") else {
        return;
    };
    set(ev, vocab::LOGIN_FAILURE, Outcome::Failure);
    ev.field("method", method);
    let (user, invalid) = user_part(who);
    if invalid {
        ev.field("invalid_user", true);
    }
    actor(ev, user);
    remote(ev, from);
}

fn invalid(ev: &mut Event, user: &str) {
    set(ev, vocab::LOGIN_INVALID_USER, Outcome::Failure);
    ev.field("invalid_user", true);
    actor(ev, user);
}

/// `METHOD for [invalid user ]U from IP port N ssh2`: only an invalid user makes it an event.
fn postponed(r: &str, ev: &mut Event) {
    let Some((method, rest)) = r.split_once_str(" for ") else {
        return;
    };
    let Some((who, from)) = rest.rsplit_once_str(" from ") else {
        return;
    };
    let (user, invalid_user) = user_part(who);
    ev.field("method", method);
    remote(ev, from);
    if invalid_user {
        invalid(ev, user);
    } else {
        actor(ev, user);
    }
}

/// `[invalid |authenticating ]user U IP port N` or `IP port N`: who, and from where.
fn peer<'a>(ev: &mut Event, s: &'a str) -> (Option<&'a str>, &'a str) {
    let (kind, rest) = if let Some(r) = s.strip_prefix("invalid user ") {
        (Some("invalid"), r)
    } else if let Some(r) = s.strip_prefix("authenticating user ") {
        (Some("authenticating"), r)
    } else if let Some(r) = s.strip_prefix("user ") {
        (Some("user"), r)
    } else {
        (None, s)
    };
    if kind.is_none() {
        return (None, remote(ev, rest));
    }
    // The user name may hold blanks (invalid users are written as sent): read from the right.
    let (left, port_rest) = match rest.rsplit_once_str(" port ") {
        Some((l, p)) => (l, Some(p)),
        None => (rest, None),
    };
    let (user, ip) = left.rsplit_once(' ').unwrap_or(("", left));
    actor(ev, user);
    src_ip(ev, ip);
    let tail = match port_rest {
        Some(p) => {
            let (port, t) = leading_number(p);
            if let Some(port) = port {
                ev.field("port", port);
            }
            t
        }
        None => "",
    };
    if kind == Some("invalid") {
        ev.field("invalid_user", true);
    }
    (kind, tail)
}

fn disconnected(r: &str, preauth: bool, ev: &mut Event) {
    let (kind, _) = peer(ev, r);
    let outcome = match kind {
        Some("invalid") | Some("authenticating") => Outcome::Failure,
        _ if preauth => Outcome::Failure,
        Some(_) => Outcome::Success,
        None => Outcome::Unknown,
    };
    set(ev, vocab::LOGOUT, outcome);
}

/// `IP port N:CODE: REASON` (or the older `IP: CODE: REASON`).
fn received_disconnect(r: &str, preauth: bool, ev: &mut Event) {
    let (ip, port, rest) = addr_port(r);
    let ip = ip.strip_suffix(':').unwrap_or(ip);
    src_ip(ev, ip);
    if let Some(p) = port {
        ev.field("port", p);
    }
    let rest = rest.trim_start_matches([':', ' ']);
    let (code, reason) = leading_number(rest);
    if let Some(c) = code {
        ev.field("code", c);
    }
    let reason = reason.trim_start_matches([':', ' ']);
    if !reason.is_empty() {
        ev.field("reason", reason);
    }
    let outcome = if preauth {
        Outcome::Failure
    } else {
        Outcome::Success
    };
    set(ev, vocab::LOGOUT, outcome);
}

/// `[invalid user ]U from IP port N ssh2`
fn too_many(r: &str, ev: &mut Event) {
    let (who, from) = r.rsplit_once_str(" from ").unwrap_or((r, ""));
    set(ev, vocab::LOGIN_FAILURE, Outcome::Failure);
    ev.field("too_many", true);
    let (user, invalid) = user_part(who);
    if invalid {
        ev.field("invalid_user", true);
    }
    actor(ev, user);
    remote(ev, from);
}

/// `: Too many authentication failures for U` (old) or
/// ` [invalid |authenticating ]user U IP port N: Too many authentication failures`.
fn disconnecting(r: &str, ev: &mut Event) {
    let (who, reason) = r.split_once_str(": ").unwrap_or((r, ""));
    let who = who.trim_start_matches(' ');
    if !who.is_empty() {
        peer(ev, who);
    }
    if let Some(rest) = reason.strip_prefix("Too many authentication failures") {
        set(ev, vocab::LOGIN_FAILURE, Outcome::Failure);
        ev.field("too_many", true);
        if let Some(u) = rest.strip_prefix(" for ") {
            let (user, invalid) = user_part(u);
            if invalid {
                ev.field("invalid_user", true);
            }
            actor(ev, user);
        }
    }
}

fn break_in(ev: &mut Event, ip: &str, host: &str) {
    set(ev, vocab::OTHER, Outcome::Unknown);
    ev.category = Category::Login;
    ev.field("break_in_attempt", true);
    src_ip(ev, ip);
    if !host.is_empty() {
        ev.field("remote_host", host);
    }
}

fn preauth_error(ev: &mut Event, kind: &str, from: &str) {
    set(ev, vocab::OTHER, Outcome::Failure);
    ev.category = Category::Login;
    ev.field("preauth_error", kind);
    if !from.is_empty() {
        remote(ev, from);
    }
}

/// `REASON for [illegal user ]U from H`
fn pam_error(r: &str, ev: &mut Event) {
    let Some((reason, rest)) = r.split_once_str(" for ") else {
        return;
    };
    let (who, from) = rest.rsplit_once_str(" from ").unwrap_or((rest, ""));
    let (user, invalid) = user_part(who);
    if reason.starts_with("User not known") {
        set(ev, vocab::LOGIN_INVALID_USER, Outcome::Failure);
    } else {
        set(ev, vocab::LOGIN_FAILURE, Outcome::Failure);
    }
    if invalid {
        ev.field("invalid_user", true);
    }
    ev.field("reason", reason);
    actor(ev, user);
    src_ip(ev, from);
}
