//! vigil: a log and backup audit pipeline for a records system run under an operations regulation.
//!
//! The binary (`src/main.rs`) is glue; the work is in the library crates and in these modules:
//!
//! | module | what it is for |
//! |---|---|
//! | [`archive_cmd`] | `vigil archive verify` and `vigil archive head`: the evidence chain checked and quoted |
//! | [`backups_cmd`] | `vigil backups verify`: runs, sizes and artefacts per job; metrics; verdicts indexed |
//! | [`backups_config`] | `[[backups]]` of `vigil.toml`: the backup jobs, read into the verifier's jobs |
//! | [`check_cmd`] | `vigil check`: the rules over a period, findings as a table or JSON, exit by severity |
//! | [`commit`] | one commit of index, checkpoints and archive, shared by ingest and watch |
//! | [`evtx`] | Windows `.evtx` files as a source: records by their stream and `EventRecordID`, not by offsets |
//! | [`exit`] | exit codes as a type: 0 all well, 1 findings or problems, 2 could not run |
//! | [`deadletter`] | the dead letter's JSON lines |
//! | [`config`] | `vigil.toml`: sources, the site's formats, data directory, display zone |
//! | [`init`] | `vigil init`: a commented config and example registers |
//! | [`listen`] | `[[listeners]]`: syslog over UDP, TCP and TLS received into a spool the watcher indexes |
//! | [`journal`] | the systemd journal as a source: `journalctl -o json` after the last cursor |
//! | [`ingest`] | `vigil ingest`: files into the index from their checkpoints, rejects to the dead letter |
//! | [`metrics`] | `watch --metrics`: the watcher's counters as Prometheus text over HTTP |
//! | [`report_cmd`] | `vigil report`: the monthly IT-meeting report, Markdown (zh, en) or JSON |
//! | [`sanitize`] | log text made safe for a terminal (control sequences stripped) |
//! | [`reference`] | the time a file's lines without a year or a time are read against |
//! | [`read`] | reading a log file (plain or gzip) into parser lines, with its fingerprint |
//! | [`policy_config`] | `[policy]` and `[registers]` of `vigil.toml`, read into the checks' policy |
//! | [`parse_cmd`] | `vigil parse`: run the parsers over files and print events |
//! | [`search_cmd`] | `vigil search` and `vigil show`: hits as a table, JSON or raw lines |
//! | [`serve`] | `vigil serve`: the web console (search, events, findings and triage, reports) behind a login |
//! | [`store_cmd`] | `vigil store migrate --to clickhouse`: the index's events copied month by month, resumable |
//! | [`store_config`] | `[store]` of `vigil.toml`: the index (default) or ClickHouse, its password from a file or the environment |
//! | [`spool`] | the writer's inbox: events and commit requests from commands that are not the writer |
//! | [`tls`] | TLS server configs from PEM files, for the console and the listeners |
//! | [`triage`] | reviewers' triage of findings: an append-only log of who marked what, when, why |
//! | [`users`] | the console's users and roles, passwords as argon2 hashes; `vigil user` |
//! | [`watch`] | `vigil watch`: follow the sources, index and archive every line once, stop cleanly |

pub mod archive_cmd;
pub mod backups_cmd;
pub mod backups_config;
pub mod check_cmd;
pub mod commit;
pub mod config;
pub mod deadletter;
pub mod evtx;
pub mod exit;
pub mod ingest;
pub mod init;
pub mod journal;
pub mod listen;
pub mod metrics;
pub mod parse_cmd;
pub mod policy_config;
pub mod read;
pub mod reference;
pub mod report_cmd;
pub mod sanitize;
pub mod search_cmd;
pub mod serve;
pub mod spool;
pub mod store_cmd;
pub mod store_config;
pub mod tls;
pub mod triage;
pub mod users;
pub mod watch;
