//! The vocabulary of actions, written down once.
//!
//! Every parser names what happened with one of these dotted verbs, and the category of an event
//! follows from its action. The checks and the report match on these strings, so a new action is
//! added here first. An action that is not in the table (from a JSON log or a regex format whose
//! configuration names its own) gets the category its configuration gives, or `other`.
//!
//! | action | category | meaning |
//! |---|---|---|
//! | `login.success` | login | a successful login (sshd, console, application, audit USER_LOGIN) |
//! | `login.failure` | login | a failed login or authentication attempt |
//! | `login.invalid_user` | login | a login attempt for an account that does not exist |
//! | `logout` | login | a session ended by the user or a disconnect |
//! | `session.open` | login | a PAM session opened (su, sshd, cron) |
//! | `session.close` | login | a PAM session closed |
//! | `sudo.command` | admin | a command run through sudo (or doas) |
//! | `sudo.denied` | admin | sudo refused: not in sudoers, wrong password, command not allowed |
//! | `su.success` | admin | su to another user |
//! | `su.failure` | admin | a failed su |
//! | `account.create` | account | a user account created |
//! | `account.modify` | account | a user account changed |
//! | `account.delete` | account | a user account deleted |
//! | `account.lock` | account | an account locked or disabled |
//! | `group.modify` | account | a group created, changed or deleted, or a member added |
//! | `password.change` | account | a password or its ageing changed |
//! | `db.connect` | login | a database connection authorised |
//! | `db.disconnect` | login | a database session ended |
//! | `db.auth_failure` | login | a database authentication failure |
//! | `db.read` | data_read | a query that reads data |
//! | `db.insert` | data_edit | rows inserted (or copied in) |
//! | `db.update` | data_edit | rows updated |
//! | `db.delete` | data_edit | rows deleted or a table truncated |
//! | `db.ddl` | data_edit | a schema change: CREATE, ALTER, DROP |
//! | `db.grant` | permission | a database privilege or role granted or revoked |
//! | `db.export` | data_export | data copied out of the database (COPY TO, dump) |
//! | `db.statement` | other | any other statement (SET, BEGIN, function call) |
//! | `backup.start` | backup | a backup run started |
//! | `backup.finish` | backup | a backup run ended (outcome success or failure) |
//! | `backup.error` | backup | an error reported during a backup run |
//! | `service.start` | system | a service (systemd unit) started |
//! | `service.stop` | system | a service stopped |
//! | `service.fail` | system | a service failed |
//! | `system.boot` | system | the machine booted |
//! | `system.message` | system | a system message of no more specific kind |
//! | `cron.run` | system | a command started by cron |
//! | `process.exec` | admin | a program executed, as recorded by auditd |
//! | `network.connect` | system | an outgoing connection recorded by auditd |
//! | `file.access` | data_read | a watched file accessed, as recorded by auditd |
//! | `audit.config_change` | config | the audit rules or the audit daemon's configuration changed |
//! | `audit.log_cleared` | config | an audit or event log was cleared |
//! | `config.change` | config | a configuration changed |
//! | `release.deploy` | release | a release deployed |
//! | `export.request` | data_export | an export requested or run through the application |
//! | `permission.grant` | permission | a special permission granted |
//! | `permission.revoke` | permission | a special permission revoked |
//! | `record.view` | data_read | a record read through the application |
//! | `record.create` | data_edit | a record created through the application |
//! | `record.update` | data_edit | a record changed through the application |
//! | `record.delete` | data_edit | a record deleted through the application |
//! | `other` | other | a line of a known format whose meaning is not classified |

use crate::event::Category;

pub const LOGIN_SUCCESS: &str = "login.success";
pub const LOGIN_FAILURE: &str = "login.failure";
pub const LOGIN_INVALID_USER: &str = "login.invalid_user";
pub const LOGOUT: &str = "logout";
pub const SESSION_OPEN: &str = "session.open";
pub const SESSION_CLOSE: &str = "session.close";
pub const SUDO_COMMAND: &str = "sudo.command";
pub const SUDO_DENIED: &str = "sudo.denied";
pub const SU_SUCCESS: &str = "su.success";
pub const SU_FAILURE: &str = "su.failure";
pub const ACCOUNT_CREATE: &str = "account.create";
pub const ACCOUNT_MODIFY: &str = "account.modify";
pub const ACCOUNT_DELETE: &str = "account.delete";
pub const ACCOUNT_LOCK: &str = "account.lock";
pub const GROUP_MODIFY: &str = "group.modify";
pub const PASSWORD_CHANGE: &str = "password.change";
pub const DB_CONNECT: &str = "db.connect";
pub const DB_DISCONNECT: &str = "db.disconnect";
pub const DB_AUTH_FAILURE: &str = "db.auth_failure";
pub const DB_READ: &str = "db.read";
pub const DB_INSERT: &str = "db.insert";
pub const DB_UPDATE: &str = "db.update";
pub const DB_DELETE: &str = "db.delete";
pub const DB_DDL: &str = "db.ddl";
pub const DB_GRANT: &str = "db.grant";
pub const DB_EXPORT: &str = "db.export";
pub const DB_STATEMENT: &str = "db.statement";
pub const BACKUP_START: &str = "backup.start";
pub const BACKUP_FINISH: &str = "backup.finish";
pub const BACKUP_ERROR: &str = "backup.error";
pub const SERVICE_START: &str = "service.start";
pub const SERVICE_STOP: &str = "service.stop";
pub const SERVICE_FAIL: &str = "service.fail";
pub const SYSTEM_BOOT: &str = "system.boot";
pub const SYSTEM_MESSAGE: &str = "system.message";
pub const CRON_RUN: &str = "cron.run";
pub const PROCESS_EXEC: &str = "process.exec";
pub const NETWORK_CONNECT: &str = "network.connect";
pub const FILE_ACCESS: &str = "file.access";
pub const AUDIT_CONFIG_CHANGE: &str = "audit.config_change";
pub const AUDIT_LOG_CLEARED: &str = "audit.log_cleared";
pub const CONFIG_CHANGE: &str = "config.change";
pub const RELEASE_DEPLOY: &str = "release.deploy";
pub const EXPORT_REQUEST: &str = "export.request";
pub const PERMISSION_GRANT: &str = "permission.grant";
pub const PERMISSION_REVOKE: &str = "permission.revoke";
pub const RECORD_VIEW: &str = "record.view";
pub const RECORD_CREATE: &str = "record.create";
pub const RECORD_UPDATE: &str = "record.update";
pub const RECORD_DELETE: &str = "record.delete";
pub const OTHER: &str = "other";

/// Every action of the vocabulary with its category, in the order of the table above.
pub const ACTIONS: &[(&str, Category)] = &[
    (LOGIN_SUCCESS, Category::Login),
    (LOGIN_FAILURE, Category::Login),
    (LOGIN_INVALID_USER, Category::Login),
    (LOGOUT, Category::Login),
    (SESSION_OPEN, Category::Login),
    (SESSION_CLOSE, Category::Login),
    (SUDO_COMMAND, Category::Admin),
    (SUDO_DENIED, Category::Admin),
    (SU_SUCCESS, Category::Admin),
    (SU_FAILURE, Category::Admin),
    (ACCOUNT_CREATE, Category::Account),
    (ACCOUNT_MODIFY, Category::Account),
    (ACCOUNT_DELETE, Category::Account),
    (ACCOUNT_LOCK, Category::Account),
    (GROUP_MODIFY, Category::Account),
    (PASSWORD_CHANGE, Category::Account),
    (DB_CONNECT, Category::Login),
    (DB_DISCONNECT, Category::Login),
    (DB_AUTH_FAILURE, Category::Login),
    (DB_READ, Category::DataRead),
    (DB_INSERT, Category::DataEdit),
    (DB_UPDATE, Category::DataEdit),
    (DB_DELETE, Category::DataEdit),
    (DB_DDL, Category::DataEdit),
    (DB_GRANT, Category::Permission),
    (DB_EXPORT, Category::DataExport),
    (DB_STATEMENT, Category::Other),
    (BACKUP_START, Category::Backup),
    (BACKUP_FINISH, Category::Backup),
    (BACKUP_ERROR, Category::Backup),
    (SERVICE_START, Category::System),
    (SERVICE_STOP, Category::System),
    (SERVICE_FAIL, Category::System),
    (SYSTEM_BOOT, Category::System),
    (SYSTEM_MESSAGE, Category::System),
    (CRON_RUN, Category::System),
    (PROCESS_EXEC, Category::Admin),
    (NETWORK_CONNECT, Category::System),
    (FILE_ACCESS, Category::DataRead),
    (AUDIT_CONFIG_CHANGE, Category::Config),
    (AUDIT_LOG_CLEARED, Category::Config),
    (CONFIG_CHANGE, Category::Config),
    (RELEASE_DEPLOY, Category::Release),
    (EXPORT_REQUEST, Category::DataExport),
    (PERMISSION_GRANT, Category::Permission),
    (PERMISSION_REVOKE, Category::Permission),
    (RECORD_VIEW, Category::DataRead),
    (RECORD_CREATE, Category::DataEdit),
    (RECORD_UPDATE, Category::DataEdit),
    (RECORD_DELETE, Category::DataEdit),
    (OTHER, Category::Other),
];

/// The category of a vocabulary action, or `None` for an action outside the vocabulary.
pub fn category_of(action: &str) -> Option<Category> {
    ACTIONS.iter().find(|(a, _)| *a == action).map(|(_, c)| *c)
}

/// Whether `action` is in the vocabulary.
pub fn is_known(action: &str) -> bool {
    category_of(action).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The doc table at the top of this file and `ACTIONS` say the same thing.
    #[test]
    fn doc_table_matches_actions() {
        let src = include_str!("vocab.rs");
        let rows: Vec<(String, String)> = src
            .lines()
            .filter_map(|l| l.strip_prefix("//! | `"))
            .map(|l| {
                let mut cells = l.split('|').map(str::trim);
                let action = cells.next().unwrap_or("").trim_end_matches('`').to_string();
                let cat = cells.next().unwrap_or("").to_string();
                (action, cat)
            })
            .collect();
        let table: Vec<(String, String)> = ACTIONS
            .iter()
            .map(|(a, c)| (a.to_string(), c.as_str().to_string()))
            .collect();
        assert_eq!(rows, table);
    }

    #[test]
    fn issue_vocabulary_is_present() {
        for a in [
            "login.success",
            "login.failure",
            "logout",
            "session.open",
            "session.close",
            "sudo.command",
            "sudo.denied",
            "su.success",
            "su.failure",
            "account.create",
            "account.modify",
            "account.delete",
            "account.lock",
            "group.modify",
            "password.change",
            "db.connect",
            "db.auth_failure",
            "db.read",
            "db.insert",
            "db.update",
            "db.delete",
            "db.ddl",
            "db.grant",
            "db.export",
            "backup.start",
            "backup.finish",
            "backup.error",
            "service.start",
            "service.stop",
            "service.fail",
            "system.boot",
            "audit.config_change",
            "audit.log_cleared",
            "config.change",
            "release.deploy",
            "export.request",
            "permission.grant",
            "permission.revoke",
        ] {
            assert!(is_known(a), "{a} missing from the vocabulary");
        }
    }
}
