//! PAM module messages, in any program: the new form `pam_unix(sshd:session): ...` and the old
//! form `su(pam_unix)[pid]: ...` (the service is then the program).
//!
//! | message | action | outcome |
//! |---|---|---|
//! | `session opened for user U[(uid=N)] [by B(uid=N)]` | session.open (actor B, else U; target U) | success |
//! | `session closed for user U` | session.close (actor and target U) | success |
//! | `authentication failure; logname= uid= euid= tty= ruser= rhost= user=` | by service, below | failure |
//! | `N more authentication failures; ...` | by service, `more_failures: N` | failure |
//! | `check pass; user unknown` | by service, `invalid_user: true` | failure |
//! | `password changed for U` | password.change (target U) | success |
//! | `account U has expired ...` | by service | failure |
//!
//! An authentication failure is `su.failure` for the service `su` (and `su-l`), `sudo.denied` for
//! `sudo` (and `sudo-i`) — a failed sudo password is a refused sudo, not a failed login — and
//! `auth.failure` for every other service: PAM's record of an attempt the program (sshd's
//! `Failed password`, login's `FAILED LOGIN`) records too as `login.failure`, so that counting
//! `login.failure` counts each attempt once. Its actor is `ruser` (who asked) or else `user`;
//! its target is `user` (the account authenticated as); `rhost` is the source address; `logname`,
//! `uid`, `euid` and `tty` are kept in fields when not empty. Other module messages stay
//! `system.message`. Fields: `pam_module`, `pam_service`, `pam_type`.

use super::parser::{actor, leading_number, set, src_ip, target};
use crate::atoms::FastFind;
use crate::atoms::{kv_pairs, split_once_byte};
use crate::event::{Event, Outcome};
use crate::vocab;

/// `pam_x(svc:type): MSG`. False when the message is not of that shape.
pub(super) fn new_form(msg: &str, ev: &mut Event) -> bool {
    let Some((module, rest)) = split_once_byte(msg, b'(') else {
        return false;
    };
    let Some((inner, text)) = rest.split_once_str("): ") else {
        return false;
    };
    if module.contains(' ') {
        return false;
    }
    let (service, kind) = match split_once_byte(inner, b':') {
        Some((s, k)) => (s, Some(k)),
        None => (inner, None),
    };
    handle(service, module, kind, text, ev);
    true
}

/// The action of an authentication failure in `service`.
fn failure_action(service: &str) -> &'static str {
    match service {
        "su" | "su-l" => vocab::SU_FAILURE,
        "sudo" | "sudo-i" => vocab::SUDO_DENIED,
        _ => vocab::AUTH_FAILURE,
    }
}

/// Reads a PAM message of `module` for `service`.
pub(super) fn handle(service: &str, module: &str, kind: Option<&str>, msg: &str, ev: &mut Event) {
    ev.field("pam_module", module);
    if !service.is_empty() {
        ev.field("pam_service", service);
    }
    if let Some(k) = kind {
        ev.field("pam_type", k);
    }
    if let Some(r) = msg.strip_prefix("session opened for user ") {
        let (user, by) = match r.split_once_str(" by ") {
            Some((u, b)) => (u, Some(b)),
            None => (r, None),
        };
        let (user, uid) = name_uid(user);
        set(ev, vocab::SESSION_OPEN, Outcome::Success);
        target(ev, user);
        if let Some(uid) = uid {
            ev.field("uid", uid);
        }
        actor(ev, user);
        if let Some(by) = by {
            let (by_name, by_uid) = name_uid(by);
            actor(ev, by_name);
            if let Some(uid) = by_uid {
                ev.field("by_uid", uid);
            }
        }
    } else if let Some(r) = msg.strip_prefix("session closed for user ") {
        let (user, uid) = name_uid(r);
        set(ev, vocab::SESSION_CLOSE, Outcome::Success);
        actor(ev, user);
        target(ev, user);
        if let Some(uid) = uid {
            ev.field("uid", uid);
        }
    } else if let Some(r) = msg.strip_prefix("authentication failure;") {
        auth_failure(service, r, ev);
    } else if let Some((n, r)) = more_failures(msg) {
        ev.field("more_failures", n);
        auth_failure(service, r, ev);
    } else if msg.starts_with("check pass; user unknown") {
        set(ev, failure_action(service), Outcome::Failure);
        ev.field("invalid_user", true);
    } else if let Some(u) = msg.strip_prefix("password changed for ") {
        set(ev, vocab::PASSWORD_CHANGE, Outcome::Success);
        target(ev, u.trim_end());
    } else if let Some(r) = msg.strip_prefix("requirement ")
        && let Some((req, user)) = r.split_once_str(" not met by user ")
    {
        // pam_succeed_if: the user the requirement was put to is the actor.
        ev.field("requirement", req.trim_matches('"'));
        actor(ev, user.trim().trim_matches('"'));
    } else if let Some(r) = msg.strip_prefix("Consecutive login failures for user ")
        && let Some((u, _)) = r.split_once_str(" account temporarily locked")
    {
        // pam_faillock: the account is locked after its failures.
        set(ev, vocab::ACCOUNT_LOCK, Outcome::Success);
        actor(ev, u);
        target(ev, u);
        ev.field("reason", "consecutive login failures");
    } else if msg.starts_with("new password not acceptable") {
        // pam_unix(passwd:chauthtok): the new password was refused.
        set(ev, vocab::PASSWORD_CHANGE, Outcome::Failure);
    } else if let Some(r) = msg.strip_prefix("account ")
        && let Some((u, _)) = r.split_once_str(" has expired")
    {
        set(ev, failure_action(service), Outcome::Failure);
        actor(ev, u);
        target(ev, u);
        ev.field("reason", "account expired");
    }
}

/// `N more authentication failures; ...` written outside a module's prefix (Red Hat's sshd
/// writes `PAM 4 more authentication failures; ...`). False when `msg` is not one.
pub(super) fn more_failures_line(service: &str, msg: &str, ev: &mut Event) -> bool {
    match more_failures(msg) {
        Some((n, r)) => {
            ev.field("more_failures", n);
            auth_failure(service, r, ev);
            true
        }
        None => false,
    }
}

/// `2 more authentication failures; ...`
fn more_failures(msg: &str) -> Option<(u64, &str)> {
    let (n, rest) = leading_number(msg);
    let rest = rest.strip_prefix(" more authentication failures;")?;
    Some((n?, rest))
}

/// `name(uid=N)`, `(uid=0)` or `name`.
fn name_uid(s: &str) -> (&str, Option<u64>) {
    let s = s.trim();
    match s.split_once_str("(uid=") {
        Some((name, rest)) => {
            let (uid, _) = leading_number(rest);
            (name, uid)
        }
        None => (s, None),
    }
}

fn auth_failure(service: &str, kvs: &str, ev: &mut Event) {
    set(ev, failure_action(service), Outcome::Failure);
    let mut ruser = "";
    let mut user = "";
    for (k, v) in kv_pairs(kvs) {
        let v = v.as_str();
        match k {
            "user" => user = v,
            "ruser" => ruser = v,
            "rhost" => src_ip(ev, v),
            "uid" | "euid" if !v.is_empty() => {
                let k = if k == "uid" { "uid" } else { "euid" };
                match v.parse::<u64>() {
                    Ok(n) => ev.field(k, n),
                    Err(_) => ev.field(k, v),
                }
            }
            "logname" if !v.is_empty() => ev.field("logname", v),
            "tty" if !v.is_empty() => ev.field("tty", v),
            _ => {}
        }
    }
    if ruser.is_empty() {
        actor(ev, user);
    } else {
        actor(ev, ruser);
    }
    target(ev, user);
}
