//! cron messages (Debian `CRON`, Red Hat `crond`/`CROND`).
//!
//! `(U) CMD (command)` is `cron.run` (actor U, `command`, success). Other lines (`(CRON) info
//! (No MTA installed...)`, `(*system*) RELOAD (/etc/crontab)`) stay `system.message`, with the
//! user in parentheses as actor. PAM session lines (`pam_unix(cron:session)`) are read by
//! [`super::pam`].

use super::parser::{actor, set};
use crate::atoms::FastFind;
use crate::event::{Event, Outcome};
use crate::vocab;

/// Reads a cron message into `ev`.
pub(super) fn parse(msg: &str, ev: &mut Event) {
    let Some(r) = msg.strip_prefix('(') else {
        return;
    };
    let Some((user, rest)) = r.split_once_str(") ") else {
        return;
    };
    if let Some(cmd) = rest.strip_prefix("CMD ") {
        set(ev, vocab::CRON_RUN, Outcome::Success);
        actor(ev, user);
        let cmd = cmd.trim_end();
        let cmd = cmd
            .strip_prefix('(')
            .and_then(|c| c.strip_suffix(')'))
            .unwrap_or(cmd)
            .trim();
        ev.field("command", cmd);
    } else if user != "CRON" && !user.starts_with('*') {
        actor(ev, user);
    }
}
