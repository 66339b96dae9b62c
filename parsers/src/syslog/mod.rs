//! Syslog: RFC 3164 and RFC 5424 envelopes, and the messages of the programs that matter to an
//! audit (sshd, sudo, su, account tools, pam_unix, systemd, cron).
//!
//! [`envelope`] reads the envelope (priority, time, host, program, pid, structured data) and
//! leaves the message; other formats carried by syslog (PostgreSQL) use it too. [`SyslogParser`]
//! is the `syslog` format: see [`parser`] for what each program's messages become.

mod accounts;
mod cron;
pub mod envelope;
mod pam;
pub mod parser;
mod sshd;
mod su;
mod sudo;
mod systemd;

pub use envelope::{Envelope, Rfc, SdElement, envelope};
pub use parser::{FORMAT, SyslogParser, parse_line};
