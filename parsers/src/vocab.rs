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
//! | `auth.failure` | login | an authentication layer's record of a failed attempt (PAM's `authentication failure`, `N more authentication failures`, `check pass; user unknown`): for sshd the same attempt as its own `Failed password` line, so a count of `login.failure` counts attempts once |
//! | `login.explicit_credentials` | login | a logon attempted with credentials other than the logged-on user's (Windows 4648: runas, a mapped drive, a remote tool): recorded where the attempt started, not proof that it succeeded |
//! | `login.privileged` | login | special privileges (administrator-equivalent rights) assigned to a new logon (Windows 4672) |
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
//! | `backup.info` | backup | a backup tool's report or message that is neither a run nor an error (borg check, info, list) |
//! | `backup.verified` | backup | `vigil backups verify` found a job fine: its runs and its artefacts |
//! | `backup.verify_failed` | backup | `vigil backups verify` found a job's run missing, failed, late or undersized, or an artefact corrupt |
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

/// Declares each action once: its constant, its row in [`ACTIONS`], its arm in [`category_of`],
/// and its Chinese name in [`chinese_name`].
macro_rules! vocabulary {
    ($( $konst:ident = $name:literal => $cat:ident, $zh:literal ),* $(,)?) => {
        $( pub const $konst: &str = $name; )*

        /// Every action of the vocabulary with its category, in the order of the table above.
        pub const ACTIONS: &[(&str, Category)] = &[ $( ($name, Category::$cat) ),* ];

        /// The Chinese name of a vocabulary action, for reports in Chinese (every action has one:
        /// the table above cannot name an action without it), or `None` outside the vocabulary.
        pub fn chinese_name(action: &str) -> Option<&'static str> {
            match action {
                $( $name => Some($zh), )*
                _ => None,
            }
        }

        /// The category of a vocabulary action, or `None` for an action outside the vocabulary.
        pub fn category_of(action: &str) -> Option<Category> {
            match action {
                $( $name => Some(Category::$cat), )*
                _ => None,
            }
        }
    };
}

vocabulary! {
    LOGIN_SUCCESS = "login.success" => Login, "登录成功",
    LOGIN_FAILURE = "login.failure" => Login, "登录失败",
    LOGIN_INVALID_USER = "login.invalid_user" => Login, "不存在账号的登录尝试",
    AUTH_FAILURE = "auth.failure" => Login, "认证失败",
    LOGIN_EXPLICIT_CREDENTIALS = "login.explicit_credentials" => Login, "使用显式凭据登录",
    LOGIN_PRIVILEGED = "login.privileged" => Login, "特权登录",
    LOGOUT = "logout" => Login, "退出登录",
    SESSION_OPEN = "session.open" => Login, "会话开始",
    SESSION_CLOSE = "session.close" => Login, "会话结束",
    SUDO_COMMAND = "sudo.command" => Admin, "sudo 提权命令",
    SUDO_DENIED = "sudo.denied" => Admin, "sudo 被拒绝",
    SU_SUCCESS = "su.success" => Admin, "切换用户",
    SU_FAILURE = "su.failure" => Admin, "切换用户失败",
    ACCOUNT_CREATE = "account.create" => Account, "创建账号",
    ACCOUNT_MODIFY = "account.modify" => Account, "修改账号",
    ACCOUNT_DELETE = "account.delete" => Account, "删除账号",
    ACCOUNT_LOCK = "account.lock" => Account, "锁定或禁用账号",
    GROUP_MODIFY = "group.modify" => Account, "修改用户组",
    PASSWORD_CHANGE = "password.change" => Account, "修改密码",
    DB_CONNECT = "db.connect" => Login, "数据库连接",
    DB_DISCONNECT = "db.disconnect" => Login, "数据库断开",
    DB_AUTH_FAILURE = "db.auth_failure" => Login, "数据库认证失败",
    DB_READ = "db.read" => DataRead, "数据查询",
    DB_INSERT = "db.insert" => DataEdit, "数据插入",
    DB_UPDATE = "db.update" => DataEdit, "数据更新",
    DB_DELETE = "db.delete" => DataEdit, "数据删除",
    DB_DDL = "db.ddl" => DataEdit, "表结构变更",
    DB_GRANT = "db.grant" => Permission, "数据库授权",
    DB_EXPORT = "db.export" => DataExport, "数据库导出",
    DB_STATEMENT = "db.statement" => Other, "其他数据库语句",
    BACKUP_START = "backup.start" => Backup, "备份开始",
    BACKUP_FINISH = "backup.finish" => Backup, "备份结束",
    BACKUP_ERROR = "backup.error" => Backup, "备份错误",
    BACKUP_INFO = "backup.info" => Backup, "备份信息",
    BACKUP_VERIFIED = "backup.verified" => Backup, "备份校验通过",
    BACKUP_VERIFY_FAILED = "backup.verify_failed" => Backup, "备份校验未通过",
    SERVICE_START = "service.start" => System, "服务启动",
    SERVICE_STOP = "service.stop" => System, "服务停止",
    SERVICE_FAIL = "service.fail" => System, "服务故障",
    SYSTEM_BOOT = "system.boot" => System, "系统启动",
    SYSTEM_MESSAGE = "system.message" => System, "系统消息",
    CRON_RUN = "cron.run" => System, "定时任务",
    PROCESS_EXEC = "process.exec" => Admin, "程序执行",
    NETWORK_CONNECT = "network.connect" => System, "网络连接",
    FILE_ACCESS = "file.access" => DataRead, "文件访问",
    AUDIT_CONFIG_CHANGE = "audit.config_change" => Config, "审计配置变更",
    AUDIT_LOG_CLEARED = "audit.log_cleared" => Config, "审计日志被清除",
    CONFIG_CHANGE = "config.change" => Config, "配置变更",
    RELEASE_DEPLOY = "release.deploy" => Release, "版本发布",
    EXPORT_REQUEST = "export.request" => DataExport, "数据导出申请",
    PERMISSION_GRANT = "permission.grant" => Permission, "授予特殊权限",
    PERMISSION_REVOKE = "permission.revoke" => Permission, "收回特殊权限",
    RECORD_VIEW = "record.view" => DataRead, "查看档案记录",
    RECORD_CREATE = "record.create" => DataEdit, "新建档案记录",
    RECORD_UPDATE = "record.update" => DataEdit, "修改档案记录",
    RECORD_DELETE = "record.delete" => DataEdit, "删除档案记录",
    OTHER = "other" => Other, "其他",
}

/// `action` as a constant when it is in the vocabulary (no allocation), else as an owned string.
pub fn intern(action: &str) -> std::borrow::Cow<'static, str> {
    match ACTIONS.iter().find(|(a, _)| *a == action) {
        Some((a, _)) => std::borrow::Cow::Borrowed(a),
        None => std::borrow::Cow::Owned(action.to_string()),
    }
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
