//! Account tools (shadow-utils): useradd, usermod, userdel, groupadd, groupmod, groupdel,
//! gpasswd, passwd, chpasswd, chage, chsh, chfn, newusers.
//!
//! | message | action | target |
//! |---|---|---|
//! | `new user: name=U, UID=n, GID=n, home=h, shell=s[, from=t]` | account.create | U |
//! | `failed adding user 'U', data deleted` | account.create, failure | U |
//! | `delete user 'U'` | account.delete | U |
//! | `change user 'U' password`, `password for 'U' changed by 'A'`, `changed password expiry for U` | password.change | U |
//! | `lock user 'U' password` | account.lock | U |
//! | `change user 'U' ...`, `change user name 'U' to 'V'`, `unlock user 'U' password`, `changed user 'U' shell\|information` | account.modify | U |
//! | `new group: name=G, GID=n`, `group added to FILE: name=G...` | group.modify, `change: create` | G |
//! | `removed [shadow ]group 'G' owned by 'U'`, `group 'G' removed[ from FILE]` | group.modify, `change: delete` | G |
//! | `add 'U' to [shadow ]group 'G'`, `user U added by A to group G` | group.modify, `change: add_member`, `member` | G |
//! | `delete 'U' from [shadow ]group 'G'`, `user U removed by A from group G` | group.modify, `change: remove_member`, `member` | G |
//! | `group changed in FILE (group G/n, ...)`, `members of group G set by A to ...`, other gpasswd changes | group.modify, `change: modify` | G |
//!
//! Outcome success unless the message says it failed. Other messages of these tools (`cannot
//! lock /etc/passwd`) stay `system.message`.

use super::parser::{actor, set, target};
use crate::atoms::FastFind;
use crate::event::{Event, Outcome};
use crate::vocab;

const TOOLS: [&str; 13] = [
    "useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel", "gpasswd", "passwd",
    "chpasswd", "chage", "chsh", "chfn", "newusers",
];

/// Whether `program` is one of the account tools.
pub(super) fn is_account_tool(program: &str) -> bool {
    TOOLS.contains(&program)
}

/// `'x' rest` -> (x, rest)
fn quoted(s: &str) -> Option<(&str, &str)> {
    let r = s.strip_prefix('\'')?;
    r.split_once('\'')
}

/// Reads an account tool's message into `ev`.
pub(super) fn parse(_program: &str, msg: &str, ev: &mut Event) {
    let msg = msg.trim_end();
    if let Some(r) = msg.strip_prefix("new user: ") {
        set(ev, vocab::ACCOUNT_CREATE, Outcome::Success);
        for (k, v) in list(r) {
            match k {
                "name" => target(ev, v),
                "UID" | "GID" => number(ev, &k.to_ascii_lowercase(), v),
                "home" | "shell" | "from" => ev.field(k.to_string(), v),
                _ => {}
            }
        }
    } else if let Some(r) = msg
        .strip_prefix("new group: ")
        .or_else(|| msg.strip_prefix("group added to ").map(after_colon))
    {
        group(ev, "create", "");
        for (k, v) in list(r) {
            match k {
                "name" => target(ev, v),
                "GID" => number(ev, "gid", v),
                _ => {}
            }
        }
    } else if let Some(r) = msg.strip_prefix("failed adding user ")
        && let Some((u, _)) = quoted(r)
    {
        set(ev, vocab::ACCOUNT_CREATE, Outcome::Failure);
        target(ev, u);
    } else if let Some(r) = msg.strip_prefix("delete user ")
        && let Some((u, _)) = quoted(r)
    {
        set(ev, vocab::ACCOUNT_DELETE, Outcome::Success);
        target(ev, u);
    } else if let Some(r) = msg.strip_prefix("change user name ")
        && let Some((u, rest)) = quoted(r)
    {
        set(ev, vocab::ACCOUNT_MODIFY, Outcome::Success);
        target(ev, u);
        ev.field("change", "name");
        if let Some((new, _)) = rest.strip_prefix(" to ").and_then(quoted) {
            ev.field("new_name", new);
        }
    } else if let Some(r) = msg.strip_prefix("change user ")
        && let Some((u, rest)) = quoted(r)
    {
        target(ev, u);
        if rest == " password" {
            set(ev, vocab::PASSWORD_CHANGE, Outcome::Success);
        } else {
            set(ev, vocab::ACCOUNT_MODIFY, Outcome::Success);
            let what = rest.trim_start().split(' ').next().unwrap_or("");
            if !what.is_empty() {
                ev.field("change", what);
            }
        }
    } else if let Some(r) = msg.strip_prefix("lock user ")
        && let Some((u, _)) = quoted(r)
    {
        set(ev, vocab::ACCOUNT_LOCK, Outcome::Success);
        target(ev, u);
    } else if let Some(r) = msg.strip_prefix("unlock user ")
        && let Some((u, _)) = quoted(r)
    {
        set(ev, vocab::ACCOUNT_MODIFY, Outcome::Success);
        target(ev, u);
        ev.field("change", "unlock");
    } else if let Some(r) = msg.strip_prefix("changed user ")
        && let Some((u, rest)) = quoted(r)
    {
        set(ev, vocab::ACCOUNT_MODIFY, Outcome::Success);
        target(ev, u);
        let what = rest.trim_start().split(' ').next().unwrap_or("");
        if !what.is_empty() {
            ev.field("change", what);
        }
    } else if let Some(r) = msg.strip_prefix("password for ")
        && let Some((u, rest)) = quoted(r)
    {
        set(ev, vocab::PASSWORD_CHANGE, Outcome::Success);
        target(ev, u);
        if let Some((by, _)) = rest.strip_prefix(" changed by ").and_then(quoted) {
            actor(ev, by);
        }
    } else if let Some(u) = msg.strip_prefix("changed password expiry for ") {
        set(ev, vocab::PASSWORD_CHANGE, Outcome::Success);
        target(ev, u);
        ev.field("change", "expiry");
    } else if let Some(r) = msg
        .strip_prefix("removed group ")
        .or_else(|| msg.strip_prefix("removed shadow group "))
        && let Some((g, rest)) = quoted(r)
    {
        group(ev, "delete", g);
        if let Some((owner, _)) = rest.strip_prefix(" owned by ").and_then(quoted) {
            ev.field("owner", owner);
        }
    } else if let Some(r) = msg.strip_prefix("group ")
        && let Some((g, rest)) = quoted(r)
        && rest.starts_with(" removed")
    {
        group(ev, "delete", g);
    } else if let Some(r) = msg.strip_prefix("add ")
        && let Some((u, rest)) = quoted(r)
        && let Some(g) = rest
            .strip_prefix(" to group ")
            .or_else(|| rest.strip_prefix(" to shadow group "))
        && let Some((g, _)) = quoted(g)
    {
        group(ev, "add_member", g);
        ev.field("member", u);
    } else if let Some(r) = msg.strip_prefix("delete ")
        && let Some((u, rest)) = quoted(r)
        && let Some(g) = rest
            .strip_prefix(" from group ")
            .or_else(|| rest.strip_prefix(" from shadow group "))
        && let Some((g, _)) = quoted(g)
    {
        group(ev, "remove_member", g);
        ev.field("member", u);
    } else if let Some(r) = msg.strip_prefix("user ")
        && let Some((u, rest)) = r.split_once(' ')
        && let Some((change, rest)) = rest
            .strip_prefix("added by ")
            .map(|x| ("add_member", x))
            .or_else(|| {
                rest.strip_prefix("removed by ")
                    .map(|x| ("remove_member", x))
            })
        && let Some((by, g)) = rest
            .split_once_str(" to group ")
            .or_else(|| rest.split_once_str(" from group "))
    {
        group(ev, change, g);
        ev.field("member", u);
        actor(ev, by);
    } else if let Some(r) = msg.strip_prefix("group changed in ")
        && let Some((_, inner)) = r.split_once_str("(group ")
    {
        let name = inner.split(['/', ',', ')']).next().unwrap_or("");
        group(ev, "modify", name);
    } else if let Some(r) = msg
        .strip_prefix("members of group ")
        .or_else(|| msg.strip_prefix("administrators of group "))
        && let Some((g, rest)) = r.split_once_str(" set by ")
    {
        group(ev, "modify", g);
        let by = rest.split_once_str(" to ").map_or(rest, |(b, _)| b);
        actor(ev, by);
    }
}

fn group(ev: &mut Event, change: &str, name: &str) {
    set(ev, vocab::GROUP_MODIFY, Outcome::Success);
    ev.field("change", change);
    target(ev, name);
}

/// `FILE: rest` -> rest
fn after_colon(s: &str) -> &str {
    s.split_once_str(": ").map_or("", |(_, r)| r)
}

/// `k=v, k=v`
fn list(s: &str) -> impl Iterator<Item = (&str, &str)> {
    s.split(", ").filter_map(|p| p.split_once('='))
}

fn number(ev: &mut Event, key: &str, v: &str) {
    let key = key.to_string();
    match v.parse::<u64>() {
        Ok(n) => ev.field(key, n),
        Err(_) => ev.field(key, v),
    }
}
