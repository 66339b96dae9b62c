//! The registers the checks read beside the events: `approvals.csv` (approved tickets) and
//! `accounts.csv` (HR's list of accounts and their status). Both are validated whole on load: the
//! first bad row is named by file, line and column, and nothing is checked against a register
//! that is half read.
//!
//! | register | columns |
//! |---|---|
//! | approvals | ticket, kind (data_edit, data_export, special_permission, emergency_release), grade (1-3 for data_edit, else empty), operator, approver, approver_role, approved_at, valid_from, valid_until (RFC 3339 with offset), scope (`;`-separated globs, empty = any) |
//! | accounts | user, name, dept, kind (employee, outsourced), status (active, disabled, departed), changed_on (YYYY-MM-DD) |
//!
//! Extra columns are allowed (HR exports carry more); missing ones are an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};

use crate::csv;
use crate::error::{Error, Result};
use crate::pattern::Pattern;
use crate::policy::APPROVER_ROLES;

/// What a ticket approves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    DataEdit,
    DataExport,
    SpecialPermission,
    EmergencyRelease,
}

impl TicketKind {
    const NAMES: [(&'static str, TicketKind); 4] = [
        ("data_edit", TicketKind::DataEdit),
        ("data_export", TicketKind::DataExport),
        ("special_permission", TicketKind::SpecialPermission),
        ("emergency_release", TicketKind::EmergencyRelease),
    ];

    /// The kind a register or config names (`data_edit`, `emergency_release`, ...).
    pub fn parse(s: &str) -> Option<TicketKind> {
        Self::NAMES.iter().find(|(n, _)| *n == s).map(|(_, k)| *k)
    }

    /// Every kind's name, for a message.
    pub fn names() -> Vec<&'static str> {
        Self::NAMES.iter().map(|(n, _)| *n).collect()
    }

    /// The kind's name in the register.
    pub fn as_str(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("", |(n, _)| n)
    }
}

/// One approved ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub ticket: String,
    pub kind: TicketKind,
    pub grade: Option<u8>,
    pub operator: String,
    pub approver: String,
    pub approver_role: String,
    pub approved_at: DateTime<Utc>,
    pub valid_from: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub scope: Vec<Pattern>,
    /// The line of the register it is on.
    pub line: usize,
}

impl Approval {
    /// Whether the ticket's window holds `t` (both ends included).
    pub fn covers_time(&self, t: DateTime<Utc>) -> bool {
        self.valid_from <= t && t <= self.valid_until
    }

    /// Whether the scope holds `target` (an empty scope holds everything). A pattern also matches
    /// one word of the target, so `public.archive_item` holds the command
    /// `pg_dump -t public.archive_item archive`.
    pub fn covers_target(&self, target: Option<&str>) -> bool {
        if self.scope.is_empty() {
            return true;
        }
        let Some(target) = target else {
            return false;
        };
        self.scope.iter().any(|p| {
            p.matches(target)
                || target
                    .split(|c: char| c.is_whitespace() || c == '=' || c == '\'' || c == '"')
                    .any(|w| !w.is_empty() && p.matches(w))
        })
    }

    /// The scope as written.
    pub fn scope_text(&self) -> String {
        if self.scope.is_empty() {
            return "any target".into();
        }
        self.scope
            .iter()
            .map(Pattern::as_str)
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// The approvals register.
#[derive(Debug, Clone, Default)]
pub struct Approvals {
    pub path: PathBuf,
    pub tickets: Vec<Approval>,
    by_number: BTreeMap<String, usize>,
}

/// A register's rows with the index of each required column, and the row-error maker.
struct Table {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<csv::Record>,
}

impl Table {
    fn read(path: &Path, text: &str, required: &[&str]) -> Result<Table> {
        let bad = |line: usize, column: &str, message: String| Error::Register {
            path: path.to_path_buf(),
            line,
            column: column.to_string(),
            message,
        };
        let mut rows = csv::records(text).map_err(|(line, m)| bad(line, "-", m))?;
        if rows.is_empty() {
            return Err(bad(
                1,
                "-",
                format!(
                    "the file is empty; it needs the header row {}",
                    required.join(",")
                ),
            ));
        }
        let header: Vec<String> = rows
            .remove(0)
            .fields
            .iter()
            .map(|s| s.trim().to_string())
            .collect();
        for name in required {
            if !header.iter().any(|h| h == name) {
                return Err(bad(
                    1,
                    name,
                    format!(
                        "the header has no column {name:?}; the columns are {}",
                        required.join(",")
                    ),
                ));
            }
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    fn error(&self, line: usize, column: &str, message: String) -> Error {
        Error::Register {
            path: self.path.clone(),
            line,
            column: column.to_string(),
            message,
        }
    }

    /// The value of `column` in `row`, trimmed (a short row has empty values).
    fn get<'a>(&self, row: &'a csv::Record, column: &str) -> &'a str {
        self.header
            .iter()
            .position(|h| h == column)
            .and_then(|i| row.fields.get(i))
            .map_or("", |s| s.trim())
    }

    fn required<'a>(&self, row: &'a csv::Record, column: &str) -> Result<&'a str> {
        let v = self.get(row, column);
        if v.is_empty() {
            return Err(self.error(row.line, column, "is empty; every row needs it".into()));
        }
        Ok(v)
    }

    fn time(&self, row: &csv::Record, column: &str) -> Result<DateTime<Utc>> {
        let v = self.required(row, column)?;
        DateTime::parse_from_rfc3339(v)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                self.error(
                    row.line,
                    column,
                    format!(
                        "{v:?} is not a time with its offset; write it as 2026-11-16T09:00:00+08:00"
                    ),
                )
            })
    }

    fn check_width(&self, row: &csv::Record) -> Result<()> {
        if row.fields.len() > self.header.len() {
            return Err(self.error(
                row.line,
                "-",
                format!(
                    "{} values for {} columns; quote a value that holds a comma",
                    row.fields.len(),
                    self.header.len()
                ),
            ));
        }
        Ok(())
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

impl Approvals {
    pub const COLUMNS: [&'static str; 10] = [
        "ticket",
        "kind",
        "grade",
        "operator",
        "approver",
        "approver_role",
        "approved_at",
        "valid_from",
        "valid_until",
        "scope",
    ];

    /// Reads and validates the register at `path`.
    pub fn load(path: &Path) -> Result<Approvals> {
        Approvals::parse(path, &read(path)?)
    }

    /// Validates the register `text` (named `path` in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Approvals> {
        let t = Table::read(path, text, &Self::COLUMNS)?;
        let mut out = Approvals {
            path: path.to_path_buf(),
            ..Approvals::default()
        };
        for row in &t.rows {
            t.check_width(row)?;
            let ticket = t.required(row, "ticket")?.to_string();
            let kind_text = t.required(row, "kind")?;
            let kind = TicketKind::NAMES
                .iter()
                .find(|(n, _)| *n == kind_text)
                .map(|(_, k)| *k)
                .ok_or_else(|| {
                    t.error(
                        row.line,
                        "kind",
                        format!(
                            "{kind_text:?} is not a kind; use data_edit, data_export, special_permission or emergency_release"
                        ),
                    )
                })?;
            let grade_text = t.get(row, "grade");
            let grade = match (kind, grade_text) {
                (TicketKind::DataEdit, "") => {
                    return Err(t.error(
                        row.line,
                        "grade",
                        "is empty; a data_edit ticket needs its grade, 1, 2 or 3".into(),
                    ));
                }
                (_, "") => None,
                (_, g) => match g.parse::<u8>() {
                    Ok(n @ 1..=3) => Some(n),
                    _ => {
                        return Err(t.error(
                            row.line,
                            "grade",
                            format!("{g:?} is not a grade; use 1, 2 or 3"),
                        ));
                    }
                },
            };
            let operator = t.required(row, "operator")?.to_string();
            let approver = t.required(row, "approver")?.to_string();
            let approver_role = t.required(row, "approver_role")?.to_string();
            if !APPROVER_ROLES.contains(&approver_role.as_str()) {
                return Err(t.error(
                    row.line,
                    "approver_role",
                    format!(
                        "{approver_role:?} is not an approver role; use one of {}",
                        APPROVER_ROLES.join(", ")
                    ),
                ));
            }
            let approved_at = t.time(row, "approved_at")?;
            let valid_from = t.time(row, "valid_from")?;
            let valid_until = t.time(row, "valid_until")?;
            if valid_until < valid_from {
                return Err(t.error(row.line, "valid_until", "is before valid_from".into()));
            }
            let scope = t
                .get(row, "scope")
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(Pattern::new)
                .collect();
            if let Some(first) = out.by_number.get(&ticket).map(|&i| out.tickets[i].line) {
                return Err(t.error(
                    row.line,
                    "ticket",
                    format!("{ticket} is already on line {first}"),
                ));
            }
            out.by_number.insert(ticket.clone(), out.tickets.len());
            out.tickets.push(Approval {
                ticket,
                kind,
                grade,
                operator,
                approver,
                approver_role,
                approved_at,
                valid_from,
                valid_until,
                scope,
                line: row.line,
            });
        }
        Ok(out)
    }

    /// The ticket numbered `number`, if the register holds it.
    pub fn get(&self, number: &str) -> Option<&Approval> {
        self.by_number.get(number).map(|&i| &self.tickets[i])
    }

    /// The tickets of `kind` for `operator` whose window holds `t`.
    pub fn for_operator<'a>(
        &'a self,
        kind: Option<TicketKind>,
        operator: &'a str,
        t: DateTime<Utc>,
    ) -> impl Iterator<Item = &'a Approval> + 'a {
        self.tickets.iter().filter(move |a| {
            kind.is_none_or(|k| a.kind == k) && a.operator == operator && a.covers_time(t)
        })
    }
}

/// Whether an account belongs to an employee or to outsourced staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Employee,
    Outsourced,
}

/// An account's status in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Disabled,
    Departed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Disabled => "disabled",
            Status::Departed => "departed",
        }
    }
}

/// One account of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub user: String,
    pub name: String,
    pub dept: String,
    pub kind: AccountKind,
    pub status: Status,
    pub changed_on: NaiveDate,
    pub line: usize,
}

/// The accounts register, by user.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    pub path: PathBuf,
    pub accounts: BTreeMap<String, Account>,
}

impl Accounts {
    pub const COLUMNS: [&'static str; 6] = ["user", "name", "dept", "kind", "status", "changed_on"];

    /// Reads and validates the register at `path`.
    pub fn load(path: &Path) -> Result<Accounts> {
        Accounts::parse(path, &read(path)?)
    }

    /// Validates the register `text` (named `path` in errors).
    pub fn parse(path: &Path, text: &str) -> Result<Accounts> {
        let t = Table::read(path, text, &Self::COLUMNS)?;
        let mut out = Accounts {
            path: path.to_path_buf(),
            accounts: BTreeMap::new(),
        };
        for row in &t.rows {
            t.check_width(row)?;
            let user = t.required(row, "user")?.to_string();
            let kind = match t.required(row, "kind")? {
                "employee" => AccountKind::Employee,
                "outsourced" => AccountKind::Outsourced,
                k => {
                    return Err(t.error(
                        row.line,
                        "kind",
                        format!("{k:?} is not a kind; use employee or outsourced"),
                    ));
                }
            };
            let status = match t.required(row, "status")? {
                "active" => Status::Active,
                "disabled" => Status::Disabled,
                "departed" => Status::Departed,
                s => {
                    return Err(t.error(
                        row.line,
                        "status",
                        format!("{s:?} is not a status; use active, disabled or departed"),
                    ));
                }
            };
            let day = t.required(row, "changed_on")?;
            let changed_on = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
                t.error(
                    row.line,
                    "changed_on",
                    format!("{day:?} is not a date; write it as 2026-11-25"),
                )
            })?;
            if let Some(first) = out.accounts.get(&user) {
                return Err(t.error(
                    row.line,
                    "user",
                    format!("{user} is already on line {}", first.line),
                ));
            }
            out.accounts.insert(
                user.clone(),
                Account {
                    user,
                    name: t.get(row, "name").to_string(),
                    dept: t.get(row, "dept").to_string(),
                    kind,
                    status,
                    changed_on,
                    line: row.line,
                },
            );
        }
        Ok(out)
    }

    pub fn get(&self, user: &str) -> Option<&Account> {
        self.accounts.get(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "ticket,kind,grade,operator,approver,approver_role,approved_at,valid_from,valid_until,scope\n";

    fn approvals(rows: &str) -> Result<Approvals> {
        Approvals::parse(Path::new("approvals.csv"), &format!("{HEAD}{rows}"))
    }

    #[test]
    fn a_good_register_loads_with_its_windows_and_scopes() -> Result<()> {
        let a = approvals(
            "CHG-2026-0012,data_edit,1,dba_wang,张总,general_manager,2026-11-15T10:00:00+08:00,2026-11-16T09:00:00+08:00,2026-11-16T18:00:00+08:00,public.archive_item\n\
             EXP-2026-007,data_export,,wangfang,刘强,archives_head,2026-11-25T10:00:00+08:00,2026-11-26T00:00:00+08:00,2026-11-27T00:00:00+08:00,catalog/2019-*;catalog/2020-WS\n",
        )?;
        assert_eq!(a.tickets.len(), 2);
        let t = a.get("CHG-2026-0012").ok_or_else(|| Error::Read {
            path: "x".into(),
            source: std::io::Error::other("missing"),
        })?;
        assert_eq!(t.kind, TicketKind::DataEdit);
        assert_eq!(t.grade, Some(1));
        assert_eq!(t.line, 2);
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default()
        };
        assert!(t.covers_time(at("2026-11-16T09:00:00+08:00")));
        assert!(t.covers_time(at("2026-11-16T18:00:00+08:00")));
        assert!(!t.covers_time(at("2026-11-16T18:00:00.001+08:00")));
        assert!(t.covers_target(Some("PUBLIC.ARCHIVE_ITEM")));
        assert!(!t.covers_target(Some("public.catalog_entry")));
        assert!(t.covers_target(Some("pg_dump -t public.archive_item archive")));
        let e = a.get("EXP-2026-007").map(|e| {
            (
                e.covers_target(Some("catalog/2019-WS")),
                e.covers_target(Some("catalog/2021-WS")),
            )
        });
        assert_eq!(e, Some((true, false)));
        assert_eq!(
            a.for_operator(
                Some(TicketKind::DataEdit),
                "dba_wang",
                at("2026-11-16T12:00:00+08:00")
            )
            .count(),
            1
        );
        assert_eq!(
            a.for_operator(
                Some(TicketKind::DataEdit),
                "dba_chen",
                at("2026-11-16T12:00:00+08:00")
            )
            .count(),
            0
        );
        Ok(())
    }

    #[test]
    fn a_bad_row_is_named_by_line_and_column() {
        let cases = [
            (
                "X-1,data_edit,,op,a,archives_head,2026-11-15T10:00:00+08:00,2026-11-16T09:00:00+08:00,2026-11-16T18:00:00+08:00,\n",
                2,
                "grade",
            ),
            (
                "X-1,data_edit,4,op,a,archives_head,2026-11-15T10:00:00+08:00,2026-11-16T09:00:00+08:00,2026-11-16T18:00:00+08:00,\n",
                2,
                "grade",
            ),
            (
                "X-1,edit,1,op,a,archives_head,2026-11-15T10:00:00+08:00,2026-11-16T09:00:00+08:00,2026-11-16T18:00:00+08:00,\n",
                2,
                "kind",
            ),
            (
                "X-1,data_edit,1,op,a,boss,2026-11-15T10:00:00+08:00,2026-11-16T09:00:00+08:00,2026-11-16T18:00:00+08:00,\n",
                2,
                "approver_role",
            ),
            (
                "X-1,data_edit,1,op,a,archives_head,2026-11-15 10:00,2026-11-16T09:00:00+08:00,2026-11-16T18:00:00+08:00,\n",
                2,
                "approved_at",
            ),
            (
                "X-1,data_edit,1,op,a,archives_head,2026-11-15T10:00:00+08:00,2026-11-16T09:00:00+08:00,2026-11-15T18:00:00+08:00,\n",
                2,
                "valid_until",
            ),
            (
                "X-1,data_edit,1,,a,archives_head,2026-11-15T10:00:00+08:00,2026-11-16T09:00:00+08:00,2026-11-16T18:00:00+08:00,\n",
                2,
                "operator",
            ),
            (
                "X-1,data_edit,1,op,a,archives_head,2026-11-15T10:00:00+08:00,2026-11-16T09:00:00+08:00,2026-11-16T18:00:00+08:00,\n\
              X-1,data_edit,1,op,a,archives_head,2026-11-15T10:00:00+08:00,2026-11-16T09:00:00+08:00,2026-11-16T18:00:00+08:00,\n",
                3,
                "ticket",
            ),
            (
                "X-1,data_edit,1,op,a,archives_head,2026-11-15T10:00:00+08:00,2026-11-16T09:00:00+08:00,2026-11-16T18:00:00+08:00,a,b\n",
                2,
                "-",
            ),
        ];
        for (rows, line, column) in cases {
            match approvals(rows) {
                Err(Error::Register {
                    line: l,
                    column: c,
                    message,
                    ..
                }) => {
                    assert_eq!((l, c.as_str()), (line, column), "{rows}: {message}");
                }
                other => panic!("{rows}: {other:?}"),
            }
        }
        match Approvals::parse(Path::new("a.csv"), "ticket,kind\n") {
            Err(e) => assert_eq!(
                e.to_string(),
                "a.csv: line 1, column grade: the header has no column \"grade\"; the columns are ticket,kind,grade,operator,approver,approver_role,approved_at,valid_from,valid_until,scope"
            ),
            Ok(_) => panic!("a header without columns loaded"),
        }
    }

    #[test]
    fn accounts_load_and_bad_rows_are_named() -> Result<()> {
        let text = "user,name,dept,kind,status,changed_on,extra\nliuyang,刘洋,财务部,employee,departed,2026-10-20,x\nwb_sun,孙浩,信息中心,outsourced,active,2026-03-01,\n";
        let a = Accounts::parse(Path::new("accounts.csv"), text)?;
        assert_eq!(
            a.get("liuyang").map(|a| (a.status, a.kind)),
            Some((Status::Departed, AccountKind::Employee))
        );
        assert_eq!(
            a.get("wb_sun").map(|a| a.changed_on.to_string()),
            Some("2026-03-01".into())
        );
        let bad =
            "user,name,dept,kind,status,changed_on\nliuyang,刘洋,财务部,employee,left,2026-10-20\n";
        assert!(
            matches!(Accounts::parse(Path::new("a.csv"), bad), Err(Error::Register { line: 2, ref column, .. }) if column == "status")
        );
        let bad = "user,name,dept,kind,status,changed_on\nliuyang,刘洋,财务部,employee,departed,20.10.2026\n";
        assert!(
            matches!(Accounts::parse(Path::new("a.csv"), bad), Err(Error::Register { line: 2, ref column, .. }) if column == "changed_on")
        );
        Ok(())
    }
}
