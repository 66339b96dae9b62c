//! su messages in their several dialects (util-linux, shadow-utils, BSD, busybox).
//!
//! | message | action |
//! |---|---|
//! | `(to R) U on TTY` (util-linux), `U to R on TTY` (BSD), `+ TTY U:R` (shadow), `Successful su for R by U` | su.success |
//! | `FAILED SU (to R) U on TTY`, `BAD SU U to R on TTY`, `- TTY U:R`, `FAILED su for R by U`, `failed: TTY changing from U to R` | su.failure |
//!
//! Actor U (who ran su), target R (the account switched to), `tty` in fields. PAM lines of su
//! (`su(pam_unix)`, `pam_unix(su:auth)`) are read by [`super::pam`].

use super::parser::{actor, set, target};
use crate::atoms::FastFind;
use crate::event::{Event, Outcome};
use crate::vocab;

/// Reads an su message into `ev`.
pub(super) fn parse(msg: &str, ev: &mut Event) {
    if let Some(r) = msg.strip_prefix("(to ") {
        to_on(r, Outcome::Success, ev);
    } else if let Some(r) = msg.strip_prefix("FAILED SU (to ") {
        to_on(r, Outcome::Failure, ev);
    } else if let Some(r) = msg.strip_prefix("BAD SU ") {
        user_to_on(r, Outcome::Failure, ev);
    } else if let Some(r) = msg.strip_prefix("FAILED su for ") {
        for_by(r, Outcome::Failure, ev);
    } else if let Some(r) = msg.strip_prefix("Successful su for ") {
        for_by(r, Outcome::Success, ev);
    } else if let Some(r) = msg.strip_prefix("failed: ") {
        // `TTY changing from U to R`
        if let Some((tty, rest)) = r.split_once_str(" changing from ")
            && let Some((user, to)) = rest.rsplit_once_str(" to ")
        {
            done(ev, Outcome::Failure, user, to, tty);
        }
    } else if let Some(r) = msg.strip_prefix("+ ") {
        tty_pair(r, Outcome::Success, ev);
    } else if let Some(r) = msg.strip_prefix("- ") {
        tty_pair(r, Outcome::Failure, ev);
    } else if msg.has(" to ") && msg.has(" on ") {
        user_to_on(msg, Outcome::Success, ev);
    }
}

fn done(ev: &mut Event, outcome: Outcome, user: &str, to: &str, tty: &str) {
    let action = match outcome {
        Outcome::Success => vocab::SU_SUCCESS,
        _ => vocab::SU_FAILURE,
    };
    set(ev, action, outcome);
    actor(ev, user);
    target(ev, to);
    if !tty.is_empty() {
        ev.field("tty", tty);
    }
}

/// `R) U on TTY`
fn to_on(r: &str, outcome: Outcome, ev: &mut Event) {
    let Some((to, rest)) = r.split_once_str(") ") else {
        return;
    };
    let (user, tty) = rest.rsplit_once_str(" on ").unwrap_or((rest, ""));
    done(ev, outcome, user, to, tty);
}

/// `U to R on TTY`
fn user_to_on(r: &str, outcome: Outcome, ev: &mut Event) {
    let (who, tty) = r.rsplit_once_str(" on ").unwrap_or((r, ""));
    let Some((user, to)) = who.split_once_str(" to ") else {
        return;
    };
    if user.contains(' ') || to.contains(' ') {
        return;
    }
    done(ev, outcome, user, to, tty);
}

/// `R by U`
fn for_by(r: &str, outcome: Outcome, ev: &mut Event) {
    let Some((to, user)) = r.split_once_str(" by ") else {
        return;
    };
    done(ev, outcome, user.trim_end(), to, "");
}

/// `TTY U:R` (or `U-R`)
fn tty_pair(r: &str, outcome: Outcome, ev: &mut Event) {
    let Some((tty, pair)) = r.split_once(' ') else {
        return;
    };
    let Some((user, to)) = pair.split_once(':').or_else(|| pair.rsplit_once('-')) else {
        return;
    };
    done(ev, outcome, user, to, tty);
}
