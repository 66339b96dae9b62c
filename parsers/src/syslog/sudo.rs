//! sudo and doas messages: commands run as another user, and refusals.
//!
//! sudo writes `USER : [REASON ; ]TTY=t ; PWD=d ; USER=runas ; [GROUP=g ; ][TSID=id ; ][ENV=... ; ]COMMAND=cmd`.
//! Without a reason it is `sudo.command` (success); with `N incorrect password attempt(s)`,
//! `user NOT in sudoers`, `command not allowed`, `a password is required`, `user NOT authorized
//! on host` it is `sudo.denied` (failure; `attempts` for wrong passwords, `reason` always). Any
//! other reason (a warning such as `problem with defaults entries`) stays `system.message` with
//! the fields read. Actor: the invoking user; target: the run-as user. Fields `tty`, `pwd`,
//! `runas`, `runas_group`, `tsid`, `command`.
//!
//! doas (OpenBSD) writes `U ran command CMD as R from DIR` or `U ran command as R: CMD`
//! (`sudo.command`), `failed command for U: CMD`, `command not permitted for U: CMD` and
//! `failed auth for U` (`sudo.denied`).

use super::parser::{actor, leading_number, set, target};
use crate::atoms::FastFind;
use crate::event::{Event, Outcome};
use crate::vocab;

const DENIALS: [&str; 7] = [
    "incorrect password attempt",
    "NOT in sudoers",
    "not allowed",
    "NOT allowed",
    "password is required",
    "NOT authorized",
    "not permitted",
];

/// Reads a sudo message into `ev`.
pub(super) fn parse(msg: &str, ev: &mut Event) {
    let m = msg.trim_start_matches(' ');
    let Some((user, rest)) = m.split_once_str(" : ") else {
        return;
    };
    if user.is_empty() || user.contains(' ') {
        return;
    }
    let mut reason: Option<&str> = None;
    let mut known = false;
    let mut r = rest;
    loop {
        if let Some(c) = r.strip_prefix("COMMAND=") {
            ev.field("command", c);
            known = true;
            break;
        }
        let (part, next) = r.split_once_str(" ; ").unwrap_or((r, ""));
        match crate::atoms::split_once_byte(part, b'=') {
            Some((k, v)) if !k.is_empty() && k.bytes().all(|b| b.is_ascii_uppercase()) => {
                known = true;
                match k {
                    "TTY" => ev.field("tty", v),
                    "PWD" => ev.field("pwd", v),
                    "USER" => {
                        ev.field("runas", v);
                        target(ev, v);
                    }
                    "GROUP" => ev.field("runas_group", v),
                    "TSID" => ev.field("tsid", v),
                    "ENV" => ev.field("env", v),
                    _ => {}
                }
            }
            _ if reason.is_none() => reason = Some(part.trim()),
            _ => {}
        }
        if next.is_empty() {
            break;
        }
        r = next;
    }
    if !known && reason.is_none() {
        return;
    }
    actor(ev, user);
    match reason {
        None => set(ev, vocab::SUDO_COMMAND, Outcome::Success),
        Some(why) => {
            ev.field("reason", why);
            if DENIALS.iter().any(|d| why.contains(d)) {
                set(ev, vocab::SUDO_DENIED, Outcome::Failure);
                if why.has("incorrect password attempt")
                    && let (Some(n), _) = leading_number(why)
                {
                    ev.field("attempts", n);
                }
            }
        }
    }
}

/// Reads a doas message into `ev`.
pub(super) fn doas(msg: &str, ev: &mut Event) {
    if let Some((user, rest)) = msg.split_once_str(" ran command ") {
        set(ev, vocab::SUDO_COMMAND, Outcome::Success);
        actor(ev, user);
        if let Some(r) = rest.strip_prefix("as ") {
            // `as R: CMD`
            let (runas, cmd) = r.split_once_str(": ").unwrap_or((r, ""));
            runas_command(ev, runas, cmd);
        } else {
            // `CMD as R from DIR`
            let (cmd_as, dir) = rest.rsplit_once_str(" from ").unwrap_or((rest, ""));
            let (cmd, runas) = cmd_as.rsplit_once_str(" as ").unwrap_or((cmd_as, ""));
            runas_command(ev, runas, cmd);
            if !dir.is_empty() {
                ev.field("pwd", dir);
            }
        }
    } else if let Some(r) = msg
        .strip_prefix("failed command for ")
        .or_else(|| msg.strip_prefix("command not permitted for "))
    {
        let (user, cmd) = r.split_once_str(": ").unwrap_or((r, ""));
        set(ev, vocab::SUDO_DENIED, Outcome::Failure);
        actor(ev, user);
        if !cmd.is_empty() {
            ev.field("command", cmd);
        }
        ev.field("reason", "command not permitted");
    } else if let Some(user) = msg.strip_prefix("failed auth for ") {
        set(ev, vocab::SUDO_DENIED, Outcome::Failure);
        actor(ev, user);
        ev.field("reason", "failed auth");
    }
}

fn runas_command(ev: &mut Event, runas: &str, cmd: &str) {
    if !runas.is_empty() {
        ev.field("runas", runas);
        target(ev, runas);
    }
    if !cmd.is_empty() {
        ev.field("command", cmd);
    }
}
