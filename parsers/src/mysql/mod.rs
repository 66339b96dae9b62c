//! MariaDB server_audit plugin lines (format `mariadb_audit`, from its own file or through
//! syslog) and the MySQL general query log (`mysql_general`, the 5.0/5.1 tab format and the 5.7+
//! ISO format).

pub mod general;
pub mod mariadb_audit;

pub use general::MysqlGeneralParser;
pub use mariadb_audit::{AuditRecord, MariadbAuditParser, parse_audit_record};

/// Format name of MariaDB server_audit logs.
pub const FORMAT_MARIADB_AUDIT: &str = "mariadb_audit";
/// Format name of the MySQL general query log.
pub const FORMAT_GENERAL: &str = "mysql_general";

#[cfg(test)]
mod tests;
