//! The site's two registers, written next to the logs and consistent with them:
//!
//! - `approvals.csv` (`ticket,kind,grade,operator,approver,approver_role,approved_at,valid_from,
//!   valid_until,scope`): the tickets the planted near misses need, the tickets normal work quotes
//!   (special permissions granted in the application), and a few tickets no line of the month
//!   needs. A ticket quoted in a log line but meant to be missing from the register (a planted
//!   violation) is not written.
//! - `accounts.csv` (`user,name,dept,kind,status,changed_on`): every person's account the logs
//!   use: the application's staff, the server accounts of administrators and DBAs, the departed
//!   employee, the outsourced engineers. Service and system accounts (`root`, `postgres`,
//!   `archive_app`, `rpt_app`, `backup`, `sa`) are not people and are not listed.

use crate::clock::{self, DAY, HOUR, MIN, Month, OFFSET};
use crate::world::{
    ARCHIVES_HEAD, ARCHIVES_LEADER, CHAIRMAN, DEPARTED, DEPARTED_DAY, DEPARTED_DEPT, DEPTS,
    DISABLED_STAFF, DORMANT, Days, GENERAL_MANAGER, LEAVER_STAFF, OPS, OPS_LEAVER, OUT_GONE,
    OUT_LEAVING, STAFF, TEMP_USERS,
};
use crate::{Approval, Manifest};

/// The header of `approvals.csv`.
pub const APPROVALS_HEADER: &str =
    "ticket,kind,grade,operator,approver,approver_role,approved_at,valid_from,valid_until,scope";
/// The header of `accounts.csv`.
pub const ACCOUNTS_HEADER: &str = "user,name,dept,kind,status,changed_on";

/// The department of the information centre (administrators, DBAs, outsourced engineers).
const IT: usize = 4;

impl Approval {
    /// A ticket approved 40 minutes before its window opens.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        ticket: String,
        kind: &'static str,
        grade: Option<u8>,
        operator: &str,
        approver: (&'static str, &'static str),
        valid_from: i64,
        valid_until: i64,
        scope: &str,
    ) -> Approval {
        Approval {
            ticket,
            kind,
            grade,
            operator: operator.to_string(),
            approver: approver.0,
            approver_role: approver.1,
            approved_at: valid_from - 40 * MIN,
            valid_from,
            valid_until,
            scope: scope.to_string(),
        }
    }

    /// The row as CSV, without the line end.
    pub fn csv(&self) -> String {
        let grade = self.grade.map(|g| g.to_string()).unwrap_or_default();
        let fields = [
            self.ticket.as_str(),
            self.kind,
            &grade,
            &self.operator,
            self.approver,
            self.approver_role,
            &clock::rfc3339_s(self.approved_at),
            &clock::rfc3339_s(self.valid_from),
            &clock::rfc3339_s(self.valid_until),
            &self.scope,
        ];
        row(&fields)
    }
}

/// The head of the archives room.
pub(crate) const HEAD: (&str, &str) = (ARCHIVES_HEAD, "archives_head");
/// The deputy general manager in charge of the archives.
pub(crate) const LEADER: (&str, &str) = (ARCHIVES_LEADER, "archives_leader");

/// A day's working window around `t`: from 09:00 (or an hour before `t`, if earlier) to 18:00
/// (or an hour after `t`, if later) of its day.
pub(crate) fn day_window(t: i64) -> (i64, i64) {
    let day = (t + OFFSET).div_euclid(DAY) * DAY - OFFSET;
    (
        (day + 9 * HOUR).min(t - HOUR),
        (day + 18 * HOUR).max(t + HOUR),
    )
}

/// CSV fields joined, quoted where they need it.
fn row(fields: &[&str]) -> String {
    let mut s = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        if f.contains([',', '"', '\n', '\r']) {
            s.push('"');
            s.push_str(&f.replace('"', "\"\""));
            s.push('"');
        } else {
            s.push_str(f);
        }
    }
    s
}

/// Tickets of the register that no line of month `m` needs: last month's, another export that
/// was approved but not run, next month's.
fn unrelated(m: &Month) -> Vec<Approval> {
    let y = m.year;
    let before = m.start - 4 * DAY;
    let d = m.nth(1, 2);
    vec![
        Approval::new(
            format!("DE-{y}-027"),
            "data_edit",
            Some(1),
            OPS[2].login,
            (CHAIRMAN, "chairman"),
            m.start - 9 * DAY + 14 * HOUR,
            m.start - 9 * DAY + 18 * HOUR,
            "archive.flow_instance",
        ),
        Approval::new(
            format!("DE-{y}-028"),
            "data_edit",
            Some(3),
            OPS[3].login,
            HEAD,
            before + 9 * HOUR + 30 * MIN,
            before + 17 * HOUR + 30 * MIN,
            "public.borrow_record",
        ),
        Approval::new(
            format!("SP-{y}-008"),
            "special_permission",
            None,
            STAFF[19].login,
            HEAD,
            m.start - 12 * DAY + 9 * HOUR,
            m.start - 5 * DAY + 17 * HOUR + 30 * MIN,
            "user/luoxin",
        ),
        Approval::new(
            format!("EXP-{y}-006"),
            "data_export",
            None,
            STAFF[18].login,
            HEAD,
            m.at(d, 9, 0, 0),
            m.at(d + 2, 17, 30, 0),
            "catalog/2018-HT",
        ),
        Approval::new(
            format!("DE-{y}-040"),
            "data_edit",
            Some(2),
            OPS[2].login,
            (GENERAL_MANAGER, "general_manager"),
            m.end - 6 * HOUR,
            m.end + 12 * HOUR,
            "archive.flow_task",
        ),
    ]
}

/// The approval register's rows: what the files need, then the unrelated tickets, by ticket
/// (a row needed twice is written once).
pub fn approvals(manifests: &[Manifest], m: &Month) -> Vec<Approval> {
    let mut rows: Vec<Approval> = manifests
        .iter()
        .flat_map(|f| f.approvals.iter().cloned())
        .chain(unrelated(m))
        .collect();
    rows.sort_by(|a, b| {
        (a.ticket.as_str(), a.approved_at).cmp(&(b.ticket.as_str(), b.approved_at))
    });
    rows.dedup();
    rows
}

/// `approvals.csv` for the files of `manifests` (month `m`).
pub fn approvals_csv(manifests: &[Manifest], m: &Month) -> String {
    let mut s = String::from(APPROVALS_HEADER);
    s.push('\n');
    for a in approvals(manifests, m) {
        s.push_str(&a.csv());
        s.push('\n');
    }
    s
}

/// `accounts.csv` for month `m`: who may use the systems, and since when.
pub fn accounts_csv(m: &Month) -> String {
    let days = Days::of(m);
    let ago = |n: i64| clock::ymd(m.start - n * DAY);
    let prev = clock::tm_at(m.start - DAY, OFFSET);
    let mut rows: Vec<[String; 6]> = Vec::new();
    let mut add = |user: &str, name: &str, dept: &str, kind: &str, status: &str, on: String| {
        rows.push([
            user.to_string(),
            name.to_string(),
            dept.to_string(),
            kind.to_string(),
            status.to_string(),
            on,
        ]);
    };
    for (i, s) in STAFF.iter().enumerate() {
        let (status, on) = match i {
            DISABLED_STAFF => ("disabled", m.date(days.disabled)),
            LEAVER_STAFF => ("departed", m.date(days.leaver)),
            _ => (
                "active",
                format!(
                    "{:04}-{:02}-{:02}",
                    2010 + (i * 5) % 14,
                    1 + (i * 7) % 12,
                    1 + (i * 13) % 28
                ),
            ),
        };
        add(s.login, s.name, DEPTS[s.dept], "employee", status, on);
    }
    add(
        DEPARTED.login,
        DEPARTED.name,
        DEPTS[DEPARTED_DEPT],
        "employee",
        "departed",
        format!("{:04}-{:02}-{DEPARTED_DAY:02}", prev.year, prev.month),
    );
    let hired = ["2017-03-06", "2019-07-01", "2016-09-12", "2021-04-12"];
    for (a, on) in OPS.iter().zip(hired) {
        add(
            a.login,
            a.name,
            DEPTS[IT],
            "employee",
            "active",
            on.to_string(),
        );
    }
    add(
        OPS_LEAVER.login,
        OPS_LEAVER.name,
        DEPTS[IT],
        "employee",
        "departed",
        m.date(days.ops_gone),
    );
    // The outsourced engineers.
    add(
        OPS[4].login,
        OPS[4].name,
        DEPTS[IT],
        "outsourced",
        "active",
        ago(244),
    );
    add(
        DORMANT.login,
        DORMANT.name,
        DEPTS[IT],
        "outsourced",
        "active",
        ago(200),
    );
    add(
        OUT_GONE.login,
        OUT_GONE.name,
        DEPTS[IT],
        "outsourced",
        "departed",
        m.date(days.out_gone),
    );
    add(
        OUT_LEAVING.login,
        OUT_LEAVING.name,
        DEPTS[IT],
        "outsourced",
        "departed",
        m.date(days.out_leaving),
    );
    for (login, name) in TEMP_USERS {
        add(login, name, DEPTS[IT], "outsourced", "active", m.date(1));
    }
    let mut s = String::from(ACCOUNTS_HEADER);
    s.push('\n');
    for r in &rows {
        let fields: Vec<&str> = r.iter().map(String::as_str).collect();
        s.push_str(&row(&fields));
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_name_every_person_once() {
        let m = Month::new(2026, 11).unwrap();
        let text = accounts_csv(&m);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(ACCOUNTS_HEADER));
        let users: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
        let mut sorted = users.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), users.len(), "a user listed twice");
        for u in [
            "zhangwei", "liuyang", "ops_li", "wb_sun", "wb_zhou", "ops_xu", "wb_wu",
        ] {
            assert!(users.contains(&u), "{u}");
        }
        assert!(text.contains("\nliuyang,刘洋,财务部,employee,departed,2026-10-20\n"));
        assert!(text.contains("\nsunli,孙丽,财务部,employee,disabled,2026-11-15\n"));
        assert!(text.contains("\nsongtao,宋涛,工程管理部,employee,departed,2026-11-25\n"));
        assert!(text.contains("\nops_xu,徐磊,信息中心,employee,departed,2026-11-12\n"));
        assert!(text.contains("\nwb_qian,钱鹏,信息中心,outsourced,departed,2026-11-02\n"));
        assert!(text.contains("\nwb_ma,马骏,信息中心,outsourced,departed,2026-11-24\n"));
    }

    #[test]
    fn rows_are_csv_with_rfc3339_times() {
        let m = Month::new(2026, 11).unwrap();
        let text = approvals_csv(&[], &m);
        assert!(text.starts_with(APPROVALS_HEADER));
        assert!(text.contains(
            "\nDE-2026-028,data_edit,3,dba_chen,刘强,archives_head,2026-10-28T08:50:00+08:00,\
             2026-10-28T09:30:00+08:00,2026-10-28T17:30:00+08:00,public.borrow_record\n"
        ));
        assert_eq!(row(&["a,b", "c\"d", "e"]), "\"a,b\",\"c\"\"d\",e");
    }
}
