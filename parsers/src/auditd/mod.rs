//! Linux auditd: `type=X msg=audit(EPOCH:SERIAL): k=v ...` records, joined per serial into events.
//!
//! The kernel writes one audit event as several records sharing a serial (SYSCALL, EXECVE, CWD,
//! PATH, PROCTITLE, SOCKADDR, ..., then EOE), and records of different events may interleave.
//! [`AuditdParser`] holds the open events keyed by (node, serial, time) and emits each as ONE
//! [`Event`] when it is complete. Read also: the optional `node=NAME ` prefix (the event's host),
//! the enriched format (`log_format=ENRICHED`: names such as `AUID="alice"` after a `\x1d`), quoted
//! and hex-encoded values, and the `msg='...'` wrapper of user-space messages.
//!
//! When an event is complete:
//! - on its EOE record;
//! - at once for a user-space message type (USER_*, CRED_*, ADD_USER, SERVICE_START, DAEMON_*,
//!   ...): these have no EOE. If records of the same serial follow (a message sent while a syscall
//!   rule was active: SYSCALL, SOCKADDR, EOE), they make a second event whose `fields.follows`
//!   names the message type;
//! - when a record of the same node arrives whose time is more than
//!   [`AuditdConfig::eoe_timeout_ms`] later (as auparse does; old kernels write no EOE). This
//!   uses the records' times, never the clock;
//! - when more than [`AuditdConfig::max_open`] events are open: the oldest is emitted with
//!   [`Flag::Incomplete`];
//! - on [`Parser::flush`].
//!
//! An event closed by time or flush is flagged [`Flag::Incomplete`] only if it holds a SYSCALL
//! record, got no EOE, and this parser has seen an EOE record before (the log writes EOEs, so
//! the missing one means records may be missing). Logs of kernels that write no EOE at all are
//! not flagged.
//!
//! Rejected (one line each): an empty line; a line that is not an auditd record (the error names
//! the byte where the header went wrong); a time that is not a valid epoch; a serial too large;
//! an EOE record whose event is not open (its records were emitted already or never written).
//!
//! Every line fed is accounted for: it is a record of exactly one event (`fields.types` lists
//! them, one per line) or one rejection. The mapping of record types to actions is in
//! [`mapping`].

mod kernel;
pub mod mapping;
mod record;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use crate::error::{ErrorKind, ParseError};
use crate::event::Flag;
use crate::{Output, ParseContext, Parser, RawLine, reject};

pub use kernel::{SockAddr, sockaddr, syscall_name};
pub use record::{Header, parse_header};

/// The format's name.
pub const FORMAT: &str = "auditd";

/// How the assembler bounds what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditdConfig {
    /// How many events may be open at once; beyond it the oldest is emitted, flagged incomplete.
    pub max_open: usize,
    /// An open event is complete once a record of the same node is this much later (ms).
    pub eoe_timeout_ms: i64,
}

impl Default for AuditdConfig {
    fn default() -> Self {
        AuditdConfig {
            max_open: 64,
            eoe_timeout_ms: 2000,
        }
    }
}

/// The auditd reader: a stateful assembler of records into events.
#[derive(Debug, Default)]
pub struct AuditdParser {
    cfg: AuditdConfig,
    open: VecDeque<Group>,
    /// Keys of user-space messages emitted at once, with their type, to mark records that follow.
    recent: VecDeque<(Option<String>, u64, String, String)>,
    seen_eoe: bool,
}

/// How many emitted message keys are remembered for `fields.follows`.
const RECENT: usize = 16;

/// Where a record sits in its group's `raw`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecSpan {
    pub end: usize,
    pub rtype: (usize, usize),
    pub body: usize,
}

/// The records of one serial, held until complete.
#[derive(Debug)]
pub(crate) struct Group {
    pub node: Option<String>,
    pub serial: u64,
    pub epoch: String,
    pub ts: DateTime<Utc>,
    /// The records joined with `\n`, in arrival order.
    pub raw: String,
    pub recs: Vec<RecSpan>,
    pub path: String,
    pub file_id: u64,
    pub offset: u64,
    pub line: u64,
    pub flags: Vec<Flag>,
    pub has_eoe: bool,
    pub has_syscall: bool,
    pub follows: Option<String>,
}

impl Group {
    fn new(h: &Header<'_>, line: &RawLine<'_>) -> Group {
        Group {
            node: h.node.map(str::to_string),
            serial: h.serial,
            epoch: h.epoch.to_string(),
            ts: h.ts,
            raw: String::new(),
            recs: Vec::new(),
            path: line.path.to_string(),
            file_id: line.file_id,
            offset: line.offset,
            line: line.line,
            flags: Vec::new(),
            has_eoe: false,
            has_syscall: false,
            follows: None,
        }
    }

    fn is(&self, h: &Header<'_>) -> bool {
        self.serial == h.serial && self.epoch == h.epoch && self.node.as_deref() == h.node
    }

    fn push(&mut self, text: &str, h: &Header<'_>, flag: Option<Flag>) {
        if !self.raw.is_empty() {
            self.raw.push('\n');
        }
        let start = self.raw.len();
        self.raw.push_str(text);
        // The type sits right after `type=` in the line; find it the same way the header did.
        let tpos = crate::error::offset_in(text, h.rtype);
        self.recs.push(RecSpan {
            end: self.raw.len(),
            rtype: (start + tpos, start + tpos + h.rtype.len()),
            body: start + h.body,
        });
        if let Some(f) = flag
            && !self.flags.contains(&f)
        {
            self.flags.push(f);
        }
        match h.rtype {
            "EOE" => self.has_eoe = true,
            "SYSCALL" => self.has_syscall = true,
            _ => {}
        }
    }
}

/// Whether a record type is a user-space message (types 1100-1299 and 2100-2999): these are
/// complete on their own, with no EOE.
pub fn is_user_space(t: &str) -> bool {
    if let Some(n) = t.strip_prefix("UNKNOWN[").and_then(|r| r.strip_suffix(']')) {
        return n
            .parse::<u32>()
            .is_ok_and(|n| (1100..1300).contains(&n) || (2100..3000).contains(&n));
    }
    const PREFIXES: [&str; 13] = [
        "USER_", "CRED_", "DAEMON_", "SERVICE_", "SYSTEM_", "ACCT_", "GRP_", "ROLE_", "RESP_",
        "CRYPTO_", "VIRT_", "LABEL_", "DEV_",
    ];
    const EXACT: [&str; 14] = [
        "USER",
        "ADD_USER",
        "DEL_USER",
        "ADD_GROUP",
        "DEL_GROUP",
        "USYS_CONFIG",
        "DAC_CHECK",
        "CHGRP_ID",
        "TEST",
        "TRUSTED_APP",
        "CHUSER_ID",
        "MAC_CHECK",
        "SOFTWARE_UPDATE",
        "FS_RELABEL",
    ];
    const KERNEL_ANOM: [&str; 4] = ["ANOM_PROMISCUOUS", "ANOM_ABEND", "ANOM_LINK", "ANOM_CREAT"];
    PREFIXES.iter().any(|p| t.starts_with(p))
        || EXACT.contains(&t)
        || (t.starts_with("ANOM_") && !KERNEL_ANOM.contains(&t))
}

impl AuditdParser {
    pub fn new() -> AuditdParser {
        AuditdParser::with_config(AuditdConfig::default())
    }

    pub fn with_config(cfg: AuditdConfig) -> AuditdParser {
        AuditdParser {
            cfg: AuditdConfig {
                max_open: cfg.max_open.max(1),
                ..cfg
            },
            ..AuditdParser::default()
        }
    }

    /// How many events are open.
    pub fn open_events(&self) -> usize {
        self.open.len()
    }

    fn emit(&self, ctx: &ParseContext, mut g: Group, incomplete: bool, out: &mut Vec<Output>) {
        if incomplete {
            g.flags.push(Flag::Incomplete);
        }
        out.push(Ok(mapping::build(ctx, g)));
    }

    /// Whether a group closed without its EOE lacks records.
    fn missing_eoe(&self, g: &Group) -> bool {
        g.has_syscall && !g.has_eoe && self.seen_eoe
    }

    /// Emits the groups of `node` that are more than the timeout older than `ts`.
    fn expire(
        &mut self,
        node: Option<&str>,
        ts: DateTime<Utc>,
        ctx: &ParseContext,
        out: &mut Vec<Output>,
    ) {
        let limit = ts - chrono::Duration::milliseconds(self.cfg.eoe_timeout_ms);
        if !self
            .open
            .iter()
            .any(|g| g.ts < limit && g.node.as_deref() == node)
        {
            return;
        }
        let (old, keep): (VecDeque<Group>, VecDeque<Group>) = std::mem::take(&mut self.open)
            .into_iter()
            .partition(|g| g.ts < limit && g.node.as_deref() == node);
        self.open = keep;
        for g in old {
            let inc = self.missing_eoe(&g);
            self.emit(ctx, g, inc, out);
        }
    }

    fn follows(&self, h: &Header<'_>) -> Option<String> {
        self.recent
            .iter()
            .find(|(n, s, e, _)| *s == h.serial && e == h.epoch && n.as_deref() == h.node)
            .map(|(_, _, _, t)| t.clone())
    }
}

impl Parser for AuditdParser {
    fn name(&self) -> &'static str {
        FORMAT
    }

    fn feed(&mut self, line: &RawLine<'_>, ctx: &ParseContext, out: &mut Vec<Output>) {
        let (text, flag) = match line.decode_nonblank(ctx) {
            Ok(t) => t,
            Err(r) => {
                out.push(Err(r));
                return;
            }
        };
        let h = match parse_header(&text) {
            Ok(h) => h,
            Err(e) => {
                out.push(Err(reject(line, text.into_owned(), e)));
                return;
            }
        };
        self.expire(h.node, h.ts, ctx, out);

        if let Some(pos) = self.open.iter().rposition(|g| g.is(&h)) {
            if h.rtype == "EOE" {
                self.seen_eoe = true;
                if let Some(mut g) = self.open.remove(pos) {
                    g.push(&text, &h, flag);
                    self.emit(ctx, g, false, out);
                }
            } else if let Some(g) = self.open.get_mut(pos) {
                g.push(&text, &h, flag);
            }
            return;
        }
        if h.rtype == "EOE" {
            self.seen_eoe = true;
            let why = format!(
                "end-of-event record (EOE) of serial {} at {}, but no record of that event is open: \
                 its records were emitted already (more than {} events open, or more than {} ms \
                 earlier) or were never written",
                h.serial, h.epoch, self.cfg.max_open, self.cfg.eoe_timeout_ms
            );
            out.push(Err(reject(
                line,
                text.into_owned(),
                ParseError::new(ErrorKind::Other(why), 0),
            )));
            return;
        }
        let mut g = Group::new(&h, line);
        g.follows = self.follows(&h);
        g.push(&text, &h, flag);
        if is_user_space(h.rtype) {
            if self.recent.len() >= RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back((
                g.node.clone(),
                g.serial,
                g.epoch.clone(),
                h.rtype.to_string(),
            ));
            self.emit(ctx, g, false, out);
            return;
        }
        self.open.push_back(g);
        while self.open.len() > self.cfg.max_open {
            if let Some(old) = self.open.pop_front() {
                self.emit(ctx, old, true, out);
            }
        }
    }

    fn flush(&mut self, ctx: &ParseContext, out: &mut Vec<Output>) {
        while let Some(g) = self.open.pop_front() {
            let inc = self.missing_eoe(&g);
            self.emit(ctx, g, inc, out);
        }
    }

    fn pending_offset(&self) -> Option<u64> {
        self.open.iter().map(|g| g.offset).min()
    }
}
