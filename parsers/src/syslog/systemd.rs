//! systemd (pid 1 and user managers) and systemd-logind messages.
//!
//! | message | action | outcome |
//! |---|---|---|
//! | `Started X.` (`Started u.service - Description.`) | service.start | success |
//! | `Stopped X.`, `U: Succeeded.`, `U: Deactivated successfully.`, `U: Main process exited, code=exited, status=0/SUCCESS` | service.stop | success |
//! | `Failed to start X.`, `U: Failed with result 'R'.`, `U: Main process exited, code=C, status=S` (not 0), `U: Start request repeated too quickly.` | service.fail | failure |
//! | `Starting X...`, `Stopping X...` | other (the unit is only changing state) | unknown |
//! | `Startup finished in ...` | system.boot | success |
//! | logind `New session N of user U.` / `Removed session N.` | session.open / session.close | success |
//!
//! The target is the unit (`ssh.service`) where the line names it, else the description systemd
//! writes (`OpenBSD Secure Shell server`); with both, the description goes to `description`.
//! Other lines stay `system.message`, with the target set when they start with a unit name.

use super::parser::{actor, set, target};
use crate::atoms::FastFind;
use crate::event::{Event, Outcome};
use crate::vocab;

const UNIT_SUFFIXES: [&str; 11] = [
    ".service",
    ".socket",
    ".timer",
    ".mount",
    ".scope",
    ".target",
    ".path",
    ".slice",
    ".swap",
    ".device",
    ".automount",
];

fn is_unit(s: &str) -> bool {
    !s.contains(' ') && UNIT_SUFFIXES.iter().any(|x| s.ends_with(x))
}

/// `u.service - Description` or `Description`.
fn unit_or_description(ev: &mut Event, s: &str) {
    match s.split_once_str(" - ") {
        Some((unit, desc)) if is_unit(unit) => {
            target(ev, unit);
            ev.field("description", desc);
        }
        _ => target(ev, s),
    }
}

/// Reads a systemd message into `ev`.
pub(super) fn parse(msg: &str, ev: &mut Event) {
    let msg = msg.trim_end();
    if let Some(r) = msg.strip_prefix("Started ") {
        set(ev, vocab::SERVICE_START, Outcome::Success);
        unit_or_description(ev, r.strip_suffix('.').unwrap_or(r));
    } else if let Some(r) = msg.strip_prefix("Stopped ") {
        set(ev, vocab::SERVICE_STOP, Outcome::Success);
        unit_or_description(ev, r.strip_suffix('.').unwrap_or(r));
    } else if let Some(r) = msg.strip_prefix("Failed to start ") {
        set(ev, vocab::SERVICE_FAIL, Outcome::Failure);
        unit_or_description(ev, r.strip_suffix('.').unwrap_or(r));
    } else if let Some(r) = msg
        .strip_prefix("Starting ")
        .or_else(|| msg.strip_prefix("Stopping "))
        && let Some(x) = r.strip_suffix("...")
    {
        set(ev, vocab::OTHER, Outcome::Unknown);
        ev.field(
            "state",
            if msg.starts_with("Starting") {
                "starting"
            } else {
                "stopping"
            },
        );
        unit_or_description(ev, x);
    } else if msg.starts_with("Startup finished in ") {
        set(ev, vocab::SYSTEM_BOOT, Outcome::Success);
    } else if let Some((unit, what)) = msg.split_once_str(": ")
        && is_unit(unit)
    {
        target(ev, unit);
        unit_message(what, ev);
    }
}

fn unit_message(what: &str, ev: &mut Event) {
    if let Some(r) = what.strip_prefix("Failed with result '") {
        set(ev, vocab::SERVICE_FAIL, Outcome::Failure);
        if let Some((result, _)) = r.split_once('\'') {
            ev.field("result", result);
        }
    } else if let Some(r) = what.strip_prefix("Main process exited, ") {
        // `code=exited, status=1/FAILURE`
        let mut ok = false;
        for part in r.split(", ") {
            if let Some(c) = part.strip_prefix("code=") {
                ev.field("code", c);
            } else if let Some(s) = part.strip_prefix("status=") {
                ok = s.starts_with("0/") || s == "0";
                ev.field("status", s);
            }
        }
        if ok {
            set(ev, vocab::SERVICE_STOP, Outcome::Success);
        } else {
            set(ev, vocab::SERVICE_FAIL, Outcome::Failure);
        }
    } else if what.starts_with("Succeeded") || what.starts_with("Deactivated successfully") {
        set(ev, vocab::SERVICE_STOP, Outcome::Success);
    } else if what.starts_with("Start request repeated too quickly") {
        set(ev, vocab::SERVICE_FAIL, Outcome::Failure);
    }
}

/// Reads a systemd-logind message into `ev`.
pub(super) fn logind(msg: &str, ev: &mut Event) {
    let msg = msg.trim_end();
    if let Some(r) = msg.strip_prefix("New session ")
        && let Some((id, user)) = r.split_once_str(" of user ")
    {
        set(ev, vocab::SESSION_OPEN, Outcome::Success);
        let user = user.strip_suffix('.').unwrap_or(user);
        actor(ev, user);
        target(ev, user);
        ev.field("session", id);
    } else if let Some(r) = msg.strip_prefix("Removed session ") {
        set(ev, vocab::SESSION_CLOSE, Outcome::Success);
        ev.field("session", r.strip_suffix('.').unwrap_or(r));
    }
}
