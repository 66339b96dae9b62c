//! PostgreSQL: stderr logs with a configurable log_line_prefix, logs carried by syslog, csvlog,
//! and pgaudit `AUDIT:` lines.
