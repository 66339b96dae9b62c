//! PostgreSQL 15 stderr log of the archive database on `arch-db01`, with
//! `log_line_prefix = '%m [%p] %u@%d '`, `log_connections`/`log_disconnections` on and pgaudit
//! session logging (`pgaudit.log = 'read, write, ddl, role'`, `log_relation = on`): the
//! application account `archive_app` reading and writing through a connection pool with bound
//! parameters, DBAs reading with psql, checkpoints, a unique-key error, slow statements.
//! Planted: direct UPDATE/DELETE by DBAs on business tables with and without a ticket in an SQL
//! comment (one exactly at its ticket's end, one a minute after another's), an edit by the
//! application account, `COPY ... TO` exports with and without a ticket, a GRANT without one, a
//! burst of password failures.

use crate::Approval;
use crate::clock::{self, MIN, SEC};
use crate::driver::{Core, Gen, Queue};
use crate::out::Out;
use crate::register::{self, HEAD, LEADER};
use crate::world::{self, APP_HOST, OPS};

const HOST: &str = "arch-db01";
const HBA: &str = "Connection matched pg_hba.conf line 105: \"host    archive    all    10.0.0.0/8    scram-sha-256\"";
const NONE: usize = usize::MAX;

const READS: [(&str, &str); 5] = [
    (
        "public.archive_item",
        "SELECT id, code, title, class_code, retention, status FROM public.archive_item WHERE code = $1",
    ),
    (
        "public.archive_file",
        "SELECT id, item_id, page_no, file_path, sha256 FROM public.archive_file WHERE item_id = $1 ORDER BY page_no",
    ),
    (
        "public.catalog_entry",
        "SELECT count(*) FROM public.catalog_entry WHERE fonds_code = $1 AND year = $2",
    ),
    (
        "public.borrow_record",
        "SELECT id, item_id, borrower, due_date FROM public.borrow_record WHERE borrower = $1 AND returned_at IS NULL",
    ),
    (
        "public.approval_flow",
        "SELECT f.id, f.status FROM public.approval_flow f WHERE f.applicant = $1 ORDER BY f.created_at DESC LIMIT 20",
    ),
];
const WRITES: [(&str, &str, &str); 6] = [
    (
        "INSERT",
        "public.borrow_record",
        "INSERT INTO public.borrow_record (item_id, borrower, borrowed_at, due_date) VALUES ($1, $2, now(), $3)",
    ),
    (
        "UPDATE",
        "public.archive_item",
        "UPDATE public.archive_item SET title = $1, updated_at = now(), updated_by = $2 WHERE id = $3",
    ),
    (
        "UPDATE",
        "public.approval_flow",
        "UPDATE public.approval_flow SET status = $1, updated_at = now() WHERE id = $2",
    ),
    (
        "INSERT",
        "public.approval_step",
        "INSERT INTO public.approval_step (flow_id, approver, decision, comment) VALUES ($1, $2, $3, $4)",
    ),
    (
        "INSERT",
        "public.archive_item",
        "INSERT INTO public.archive_item (code, title, class_code, retention, created_by) VALUES ($1, $2, $3, $4, $5)",
    ),
    (
        "UPDATE",
        "public.borrow_record",
        "UPDATE public.borrow_record SET returned_at = now() WHERE id = $1",
    ),
];
const DBA_READS: [&str; 4] = [
    "SELECT count(*) FROM public.borrow_record WHERE returned_at IS NULL",
    "SELECT id, code, title, status FROM public.archive_item WHERE status = 'PENDING' LIMIT 50",
    "SELECT relname, n_live_tup, n_dead_tup FROM pg_stat_user_tables ORDER BY n_dead_tup DESC LIMIT 10",
    "SELECT pid, usename, state, query_start FROM pg_stat_activity WHERE datname = 'archive'",
];

struct Slot {
    pid: u32,
    port: u16,
    stmt: u64,
    since: i64,
    up: bool,
}

/// Queued items.
pub enum Ev {
    Disconnect {
        pid: u32,
        user: u8,
        port: u16,
        since: i64,
    },
    DbaStmt {
        pid: u32,
        user: u8,
        stmt: u64,
        sql: u8,
    },
    CheckpointDone {
        pid: u32,
        started: i64,
    },
    Retry {
        user: u8,
    },
    PlantDba {
        id: usize,
        user: u8,
        cmd: &'static str,
        table: &'static str,
        sql: String,
        txn: bool,
    },
    Burst {
        id: usize,
    },
    /// A planted psql session: connect now, run `stmts` at their times, disconnect after.
    Session {
        user: u8,
        stmts: Vec<Planned>,
    },
    /// A planted statement of the application's connection pool.
    AppWrite {
        id: usize,
        sql: &'static str,
    },
    Stmt {
        mark: usize,
        pid: u32,
        user: u8,
        stmt: u64,
        class: &'static str,
        cmd: &'static str,
        table: &'static str,
        sql: String,
    },
}

/// A statement of a planted session: when, what, and the planted event it shows (or `NONE`).
pub struct Planned {
    at: i64,
    class: &'static str,
    cmd: &'static str,
    table: &'static str,
    sql: String,
    mark: usize,
}

/// The PostgreSQL log generator.
pub struct Postgres {
    slots: Vec<Slot>,
    pid: u32,
    fails: [i64; 3],
}

impl Postgres {
    pub fn new() -> Self {
        Postgres {
            slots: (0..10)
                .map(|_| Slot {
                    pid: 0,
                    port: 0,
                    stmt: 0,
                    since: 0,
                    up: false,
                })
                .collect(),
            pid: 20_000,
            fails: [i64::MIN / 2; 3],
        }
    }

    fn pid(&mut self, c: &mut Core) -> u32 {
        self.pid += 1 + c.rng.below(23) as u32;
        if self.pid > 4_000_000 {
            self.pid = 1000;
        }
        self.pid
    }

    fn prefix(o: &mut Out, t: i64, pid: u32, user: &str, db: &str) {
        o.ts_pg(t)
            .s(" [")
            .u(u64::from(pid))
            .s("] ")
            .s(user)
            .c(b'@')
            .s(db)
            .c(b' ');
    }

    fn user(u: u8) -> (&'static str, [u8; 4]) {
        match u {
            0 => ("archive_app", APP_HOST),
            1 => (OPS[2].login, OPS[2].ip),
            2 => (OPS[3].login, OPS[3].ip),
            _ => ("sa", [10, 20, 7, 200]),
        }
    }

    fn connect(&mut self, c: &mut Core, t: i64, u: u8) -> (u32, u16) {
        let pid = self.pid(c);
        let port = 32768 + c.rng.below(28000) as u16;
        let (user, ip) = Self::user(u);
        let o = &mut c.out;
        Self::prefix(o, t, pid, "[unknown]", "[unknown]");
        o.s("LOG:  connection received: host=")
            .ip(ip)
            .s(" port=")
            .u(u64::from(port))
            .nl();
        Self::prefix(o, t, pid, user, "archive");
        o.s("LOG:  connection authenticated: identity=\"").s(user);
        o.s("\" method=scram-sha-256 (/etc/postgresql/15/main/pg_hba.conf:105)")
            .nl();
        Self::prefix(o, t, pid, user, "archive");
        o.s("LOG:  connection authorized: user=")
            .s(user)
            .s(" database=archive application_name=");
        o.s(if u == 0 {
            "PostgreSQL JDBC Driver"
        } else {
            "psql"
        });
        o.s(" SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)")
            .nl();
        (pid, port)
    }

    fn disconnect(o: &mut Out, t: i64, pid: u32, u: u8, port: u16, since: i64) {
        let (user, ip) = Self::user(u);
        let d = (t - since).max(0);
        Self::prefix(o, t, pid, user, "archive");
        o.s("LOG:  disconnection: session time: ")
            .u((d / clock::HOUR) as u64)
            .c(b':');
        o.d2(((d % clock::HOUR) / MIN) as u32)
            .c(b':')
            .d2(((d % MIN) / SEC) as u32)
            .c(b'.');
        o.upad(((d % SEC) / 1000) as u64, 3, b'0');
        o.s(" user=")
            .s(user)
            .s(" database=archive host=")
            .ip(ip)
            .s(" port=")
            .u(u64::from(port))
            .nl();
    }

    /// `LOG:  AUDIT: SESSION,n,1,CLASS,CMD,TABLE,table,statement,<not logged>`
    #[allow(clippy::too_many_arguments)]
    fn audit(
        o: &mut Out,
        t: i64,
        pid: u32,
        user: &str,
        stmt: u64,
        class: &str,
        cmd: &str,
        table: &str,
        sql: &str,
    ) {
        Self::prefix(o, t, pid, user, "archive");
        o.s("LOG:  AUDIT: SESSION,")
            .u(stmt)
            .s(",1,")
            .s(class)
            .c(b',')
            .s(cmd)
            .c(b',');
        if !table.is_empty() {
            o.s("TABLE,").s(table);
        } else {
            o.c(b',');
        }
        o.c(b',');
        csv(o, sql);
        o.s(",<not logged>").nl();
    }

    fn slot(&mut self, c: &mut Core, t: i64) -> usize {
        let i = c.rng.below(self.slots.len() as u64) as usize;
        if !self.slots[i].up {
            let (pid, port) = self.connect(c, t, 0);
            let s = &mut self.slots[i];
            *s = Slot {
                pid,
                port,
                stmt: 0,
                since: t,
                up: true,
            };
        }
        i
    }

    fn app_stmt(&mut self, c: &mut Core, t: i64) {
        let i = self.slot(c, t);
        let write = c.rng.chance(1, 4);
        let s = &mut self.slots[i];
        s.stmt += 1;
        let (pid, stmt) = (s.pid, s.stmt);
        if write {
            let (cmd, table, sql) = *c.rng.pick(&WRITES);
            Self::audit(
                &mut c.out,
                t,
                pid,
                "archive_app",
                stmt,
                "WRITE",
                cmd,
                table,
                sql,
            );
        } else {
            let (table, sql) = *c.rng.pick(&READS);
            Self::audit(
                &mut c.out,
                t,
                pid,
                "archive_app",
                stmt,
                "READ",
                "SELECT",
                table,
                sql,
            );
        }
    }

    fn dba_session(&mut self, c: &mut Core, t: i64, u: u8, q: &mut Queue<Ev>) {
        let (pid, port) = self.connect(c, t, u);
        let n = 1 + c.rng.below(3);
        let mut ts = t;
        for k in 0..n {
            ts += 5 * SEC + c.rng.below((2 * MIN) as u64) as i64;
            q.at(
                ts,
                Ev::DbaStmt {
                    pid,
                    user: u,
                    stmt: k + 1,
                    sql: c.rng.below(4) as u8,
                },
            );
        }
        q.at(
            ts + 10 * SEC + c.rng.below((5 * MIN) as u64) as i64,
            Ev::Disconnect {
                pid,
                user: u,
                port,
                since: t,
            },
        );
    }

    fn auth_fail(&mut self, c: &mut Core, t: i64, u: u8) -> u16 {
        let pid = self.pid(c);
        let port = 32768 + c.rng.below(28000) as u16;
        let (user, ip) = Self::user(u);
        let o = &mut c.out;
        Self::prefix(o, t, pid, "[unknown]", "[unknown]");
        o.s("LOG:  connection received: host=")
            .ip(ip)
            .s(" port=")
            .u(u64::from(port))
            .nl();
        Self::prefix(o, t, pid, user, "archive");
        o.s("FATAL:  password authentication failed for user \"")
            .s(user)
            .c(b'"')
            .nl();
        Self::prefix(o, t, pid, user, "archive");
        o.s("DETAIL:  ").s(HBA).nl();
        port
    }

    fn error(&mut self, c: &mut Core, t: i64) {
        let i = self.slot(c, t);
        let pid = self.slots[i].pid;
        let o = &mut c.out;
        Self::prefix(o, t, pid, "archive_app", "archive");
        o.s("ERROR:  duplicate key value violates unique constraint \"archive_item_code_key\"")
            .nl();
        Self::prefix(o, t, pid, "archive_app", "archive");
        o.s("DETAIL:  Key (code)=(");
        world::item_code(o, &mut c.rng);
        o.s(") already exists.").nl();
        Self::prefix(o, t, pid, "archive_app", "archive");
        o.s("STATEMENT:  ").s(WRITES[4].2).nl();
    }

    fn slow(&mut self, c: &mut Core, t: i64) {
        let i = self.slot(c, t);
        let pid = self.slots[i].pid;
        let ms = 1000 + c.rng.below(9000);
        let frac = c.rng.below(1000);
        let o = &mut c.out;
        Self::prefix(o, t, pid, "archive_app", "archive");
        o.s("LOG:  duration: ")
            .u(ms)
            .c(b'.')
            .upad(frac, 3, b'0')
            .s(" ms  execute <unnamed>: ");
        o.s(READS[0].1).nl();
        Self::prefix(o, t, pid, "archive_app", "archive");
        o.s("DETAIL:  parameters: $1 = '");
        world::item_code(o, &mut c.rng);
        o.c(b'\'').nl();
    }
}

impl Postgres {
    /// The events planted at fixed times of the month, with the register rows they need.
    #[allow(clippy::too_many_lines)]
    fn plant_more(&mut self, c: &mut Core, q: &mut Queue<Ev>) {
        let m = c.month;
        let y = m.year;
        let (wang, chen) = (1u8, 2u8);

        // The application account edits a business table: a service account may.
        let t = m.at(m.nth(3, 3), 10, 5, 12);
        let sql = "UPDATE public.archive_item SET status = $1, updated_at = now(), updated_by = $2 WHERE id = $3";
        let id = c.plant(
            "service_account_edit",
            t,
            HOST,
            "public.archive_item SET status = $1",
        );
        c.p(id)
            .actor("archive_app")
            .src_ip(APP_HOST)
            .target("public.archive_item")
            .near("data_edit.unapproved", &[])
            .note("archive_app is the service account: its writes need no ticket");
        q.at(t, Ev::AppWrite { id, sql });

        // A DBA's edit exactly when the ticket ends (the window is inclusive), and another's a
        // minute after the end of its ticket.
        let d = m.nth(2, 4);
        let t = m.at(d, 18, 0, 0);
        let tk = format!("DE-{y}-035");
        c.approve(Approval::new(
            tk.clone(),
            "data_edit",
            Some(3),
            OPS[2].login,
            HEAD,
            m.at(d, 14, 0, 0),
            t,
            "public.borrow_record",
        ));
        let id = c.plant("dba_direct_update", t, HOST, tk.clone());
        c.p(id)
            .actor(OPS[2].login)
            .src_ip(OPS[2].ip)
            .target("public.borrow_record")
            .ticket(&tk)
            .near("data_edit.unapproved", &["data_edit.grade"])
            .note("at 18:00:00.000, exactly the ticket's valid_until (inclusive)");
        let sql = format!(
            "/* {tk} */ UPDATE public.borrow_record SET due_date = '{y}-12-31' WHERE id = 18842"
        );
        self.session(
            q,
            wang,
            t,
            vec![
                txn(t - 40 * SEC),
                write(t, "UPDATE", "public.borrow_record", sql, id),
                commit(t + 12 * SEC),
            ],
        );

        let d = m.nth(3, 4);
        let t = m.at(d, 12, 1, 0);
        let tk = format!("DE-{y}-036");
        c.approve(Approval::new(
            tk.clone(),
            "data_edit",
            Some(2),
            OPS[3].login,
            LEADER,
            m.at(d, 9, 0, 0),
            m.at(d, 12, 0, 0),
            "public.approval_flow",
        ));
        let id = c.plant("dba_direct_update", t, HOST, tk.clone());
        c.p(id)
            .actor(OPS[3].login)
            .src_ip(OPS[3].ip)
            .target("public.approval_flow")
            .ticket(&tk)
            .fires("data_edit.unapproved", &[])
            .note("at 12:01, a minute after the quoted ticket's valid_until (12:00)");
        let sql = format!(
            "/* {tk} */ UPDATE public.approval_flow SET status = 'WITHDRAWN' WHERE id = 21107"
        );
        self.session(
            q,
            chen,
            t,
            vec![write(t, "UPDATE", "public.approval_flow", sql, id)],
        );

        // COPY ... TO: one without a ticket, one under the register's export ticket.
        let t = m.at(m.nth(2, 2), 16, 12, 30);
        let id = c.plant("db_export", t, HOST, "borrow_record.csv");
        c.p(id)
            .actor(OPS[2].login)
            .src_ip(OPS[2].ip)
            .target("public.borrow_record")
            .fires("data_export.unapproved", &[])
            .note("COPY ... TO a file, no data_export ticket");
        let sql = "COPY public.borrow_record TO '/tmp/borrow_record.csv' WITH (FORMAT csv, HEADER)"
            .to_string();
        self.session(
            q,
            wang,
            t,
            vec![read_copy(t, "public.borrow_record", sql, id)],
        );

        let d = m.nth(1, 4);
        let t = m.at(d, 14, 30, 5);
        let tk = format!("EXP-{y}-009");
        c.approve(Approval::new(
            tk.clone(),
            "data_export",
            None,
            OPS[2].login,
            HEAD,
            m.at(d, 13, 30, 0),
            m.at(d, 17, 0, 0),
            "public.catalog_entry",
        ));
        let id = c.plant("db_export", t, HOST, tk.clone());
        c.p(id)
            .actor(OPS[2].login)
            .src_ip(OPS[2].ip)
            .target("public.catalog_entry")
            .ticket(&tk)
            .near("data_export.unapproved", &[])
            .note("COPY ... TO under the register's export ticket (operator dba_wang, scope public.catalog_entry)");
        // The ticket comment after the statement: pgaudit's command tag and vigil read a COPY
        // that starts with a comment as a read, not an export.
        let sql = format!(
            "COPY public.catalog_entry TO '/var/lib/postgresql/export/catalog_entry.csv' WITH (FORMAT csv, HEADER) /* {tk} */"
        );
        self.session(
            q,
            wang,
            t,
            vec![read_copy(t, "public.catalog_entry", sql, id)],
        );

        // A GRANT to the outsourced engineer, without a special-permission ticket.
        let t = m.at(m.nth(3, 3), 11, 5, 40);
        let sql = "GRANT SELECT ON public.archive_item TO wb_sun".to_string();
        let id = c.plant("db_grant", t, HOST, sql.clone());
        c.p(id)
            .actor(OPS[2].login)
            .src_ip(OPS[2].ip)
            .target("public.archive_item")
            .fires("permission.unapproved", &[])
            .note("grantee wb_sun (only in the statement); no special_permission ticket for dba_wang or wb_sun");
        self.session(
            q,
            wang,
            t,
            vec![Planned {
                at: t,
                class: "ROLE",
                cmd: "GRANT",
                table: "",
                sql,
                mark: id,
            }],
        );
    }

    /// Opens a planted session of `user` a little before `t`.
    fn session(&mut self, q: &mut Queue<Ev>, user: u8, t: i64, stmts: Vec<Planned>) {
        let first = stmts.iter().map(|p| p.at).min().unwrap_or(t);
        q.at(first - 35 * SEC, Ev::Session { user, stmts });
    }
}

fn txn(at: i64) -> Planned {
    Planned {
        at,
        class: "MISC",
        cmd: "BEGIN",
        table: "",
        sql: "BEGIN".to_string(),
        mark: NONE,
    }
}

fn commit(at: i64) -> Planned {
    Planned {
        at,
        class: "MISC",
        cmd: "COMMIT",
        table: "",
        sql: "COMMIT".to_string(),
        mark: NONE,
    }
}

fn write(at: i64, cmd: &'static str, table: &'static str, sql: String, mark: usize) -> Planned {
    Planned {
        at,
        class: "WRITE",
        cmd,
        table,
        sql,
        mark,
    }
}

fn read_copy(at: i64, table: &'static str, sql: String, mark: usize) -> Planned {
    Planned {
        at,
        class: "READ",
        cmd: "COPY",
        table,
        sql,
        mark,
    }
}

/// Writes `s` as pgaudit writes a CSV field: quoted (quotes doubled) when it holds a comma,
/// a quote or a line break.
fn csv(o: &mut Out, s: &str) {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        o.c(b'"');
        for part in s.split('"').enumerate() {
            if part.0 > 0 {
                o.s("\"\"");
            }
            o.s(part.1);
        }
        o.c(b'"');
    } else {
        o.s(s);
    }
}

impl Gen for Postgres {
    type Ev = Ev;
    const BASE_UNITS: u64 = 200_000;

    #[allow(clippy::type_complexity)]
    fn init(&mut self, c: &mut Core, q: &mut Queue<Ev>) {
        let m = c.month;
        let y = m.year;
        let days = m.days;
        if c.history {
            return;
        }
        let workday = |c: &mut Core, lo: u32| loop {
            let d = lo + c.rng.below(u64::from(days - lo - 2)) as u32;
            if (1..=5).contains(&m.weekday_of(d)) {
                return d;
            }
        };
        let plans: [(u8, &str, &str, &str, String, Option<String>, bool, u32); 4] = [
            (
                1,
                "UPDATE",
                "public.archive_item",
                "dba_direct_update",
                format!(
                    "/* CHG-{y}-0012 */ UPDATE public.archive_item SET title = '关于2019年度档案移交工作的通知' WHERE id = 7"
                ),
                Some(format!("CHG-{y}-0012")),
                true,
                15,
            ),
            (
                2,
                "DELETE",
                "public.borrow_record",
                "dba_direct_delete",
                "DELETE FROM public.borrow_record WHERE id = 1532".to_string(),
                None,
                false,
                20,
            ),
            (
                1,
                "UPDATE",
                "public.approval_flow",
                "dba_direct_update",
                "UPDATE public.approval_flow SET status = 'APPROVED' WHERE id = 20931".to_string(),
                None,
                false,
                11,
            ),
            (
                2,
                "UPDATE",
                "public.catalog_entry",
                "dba_direct_update",
                format!(
                    "/* DE-{y}-031 */ UPDATE public.catalog_entry SET retention = 'PERMANENT' WHERE fonds_code = 'A001' AND year = 2015"
                ),
                Some(format!("DE-{y}-031")),
                true,
                16,
            ),
        ];
        for (k, (user, cmd, table, event, sql, ticket, txn, hour)) in plans.into_iter().enumerate()
        {
            let d = workday(c, 3);
            let t = m.at(d, hour, c.rng.below(60) as u32, c.rng.below(60) as u32);
            let needle = ticket.clone().unwrap_or_else(|| sql.clone());
            let id = c.plant(event, t, HOST, needle);
            let (login, ip) = Self::user(user);
            c.p(id).actor(login).src_ip(ip).target(table);
            if let Some(tk) = &ticket {
                c.p(id).ticket(tk);
            }
            // The statement runs a minute after the session opens (see `Ev::PlantDba`).
            let (from, until) = register::day_window(t + MIN);
            match k {
                0 => {
                    // A grade-1 table, approved by the archives head alone.
                    if let Some(tk) = &ticket {
                        c.approve(Approval::new(
                            tk.clone(),
                            "data_edit",
                            Some(1),
                            login,
                            HEAD,
                            from,
                            until,
                            table,
                        ));
                    }
                    c.p(id)
                        .fires("data_edit.grade", &[])
                        .not(&["data_edit.unapproved"])
                        .note("the register's ticket covers it, but a grade-1 table needs the chairman or the general manager, not the archives head");
                }
                3 => {
                    if let Some(tk) = &ticket {
                        c.approve(Approval::new(
                            tk.clone(),
                            "data_edit",
                            Some(2),
                            login,
                            LEADER,
                            from,
                            until,
                            table,
                        ));
                    }
                    c.p(id)
                        .near("data_edit.unapproved", &["data_edit.grade"])
                        .note("covered by the register's ticket, approved by the archives leader (grade 2)");
                }
                _ => {
                    c.p(id).fires("data_edit.unapproved", &[]).note("no ticket");
                }
            }
            q.at(
                t,
                Ev::PlantDba {
                    id,
                    user,
                    cmd,
                    table,
                    sql,
                    txn,
                },
            );
        }

        let d = workday(c, 5);
        let t = m.at(d, 22, c.rng.below(58) as u32, c.rng.below(60) as u32);
        let id = c.plant("failed_login_burst", t, HOST, "user \"sa\"");
        c.p(id)
            .actor("sa")
            .src_ip([10, 20, 7, 200])
            .count(6)
            .fires("login.bruteforce", &[]);
        let mut ts = t;
        for _ in 0..6 {
            q.at(ts, Ev::Burst { id });
            ts += 4 * SEC + c.rng.below((20 * SEC) as u64) as i64;
        }
        self.plant_more(c, q);
    }

    fn arrival(&mut self, c: &mut Core, t: i64, q: &mut Queue<Ev>) {
        let r = c.rng.below(1000);
        let work = clock::is_work_hours(t);
        match r {
            0..=899 => self.app_stmt(c, t),
            900..=909 => {
                let i = c.rng.below(self.slots.len() as u64) as usize;
                let s = &mut self.slots[i];
                if s.up {
                    s.up = false;
                    Self::disconnect(&mut c.out, t, s.pid, 0, s.port, s.since);
                }
            }
            910..=919 => {
                let pid = 812;
                let o = &mut c.out;
                Self::prefix(o, t, pid, "", "");
                o.s("LOG:  checkpoint starting: time").nl();
                let done = t + 30 * SEC + c.rng.below((240 * SEC) as u64) as i64;
                q.at(done, Ev::CheckpointDone { pid, started: t });
            }
            920..=929 if work => {
                let u = 1 + c.rng.below(2) as u8;
                self.dba_session(c, t, u, q);
            }
            930..=932 => self.error(c, t),
            933..=937 => self.slow(c, t),
            938..=940 if work => {
                let u = 2;
                if t - self.fails[0] >= 3 * MIN {
                    self.fails.rotate_left(1);
                    self.fails[2] = t;
                    self.auth_fail(c, t, u);
                    q.at(
                        t + 5 * SEC + c.rng.below((10 * SEC) as u64) as i64,
                        Ev::Retry { user: u },
                    );
                }
            }
            _ => self.app_stmt(c, t),
        }
    }

    fn due(&mut self, c: &mut Core, t: i64, ev: Ev, q: &mut Queue<Ev>) {
        match ev {
            Ev::Disconnect {
                pid,
                user,
                port,
                since,
            } => {
                Self::disconnect(&mut c.out, t, pid, user, port, since);
            }
            Ev::DbaStmt {
                pid,
                user,
                stmt,
                sql,
            } => {
                let (login, _) = Self::user(user);
                let text = DBA_READS[sql as usize % DBA_READS.len()];
                let table = match sql {
                    0 => "public.borrow_record",
                    1 => "public.archive_item",
                    2 => "pg_catalog.pg_stat_user_tables",
                    _ => "pg_catalog.pg_stat_activity",
                };
                Self::audit(
                    &mut c.out, t, pid, login, stmt, "READ", "SELECT", table, text,
                );
            }
            Ev::CheckpointDone { pid, started } => {
                let secs = (t - started) / 1000;
                let bufs = 200 + c.rng.below(5000);
                let o = &mut c.out;
                Self::prefix(o, t, pid, "", "");
                o.s("LOG:  checkpoint complete: wrote ")
                    .u(bufs)
                    .s(" buffers (");
                o.frac(bufs * 100, 16384, 1);
                o.s("%); 0 WAL file(s) added, 0 removed, ")
                    .u(c.rng.below(4));
                o.s(" recycled; write=")
                    .u((secs / 1000) as u64)
                    .c(b'.')
                    .upad((secs % 1000) as u64, 3, b'0');
                o.s(" s, sync=0.00")
                    .u(1 + c.rng.below(9))
                    .s(" s, total=")
                    .u((secs / 1000) as u64);
                o.c(b'.')
                    .upad((secs % 1000) as u64, 3, b'0')
                    .s(" s; sync files=")
                    .u(10 + c.rng.below(60));
                o.s(", longest=0.002 s, average=0.001 s; distance=")
                    .u(bufs * 8)
                    .s(" kB, estimate=");
                o.u(bufs * 9).s(" kB").nl();
            }
            Ev::Retry { user } => self.dba_session(c, t, user, q),
            Ev::PlantDba {
                id,
                user,
                cmd,
                table,
                sql,
                txn,
            } => {
                let (pid, port) = self.connect(c, t, user);
                let mut stmt = 1;
                let mut ts = t + 20 * SEC;
                if txn {
                    let sql = "BEGIN".to_string();
                    q.at(
                        ts,
                        Ev::Stmt {
                            mark: NONE,
                            pid,
                            user,
                            stmt,
                            class: "MISC",
                            cmd: "BEGIN",
                            table: "",
                            sql,
                        },
                    );
                    stmt += 1;
                }
                ts += 40 * SEC;
                q.at(
                    ts,
                    Ev::Stmt {
                        mark: id,
                        pid,
                        user,
                        stmt,
                        class: "WRITE",
                        cmd,
                        table,
                        sql,
                    },
                );
                stmt += 1;
                if txn {
                    let sql = "COMMIT".to_string();
                    q.at(
                        ts + 15 * SEC,
                        Ev::Stmt {
                            mark: NONE,
                            pid,
                            user,
                            stmt,
                            class: "MISC",
                            cmd: "COMMIT",
                            table: "",
                            sql,
                        },
                    );
                }
                q.at(
                    ts + 2 * MIN,
                    Ev::Disconnect {
                        pid,
                        user,
                        port,
                        since: t,
                    },
                );
            }
            Ev::Stmt {
                mark,
                pid,
                user,
                stmt,
                class,
                cmd,
                table,
                sql,
            } => {
                let (login, _) = Self::user(user);
                if mark != NONE {
                    c.begin(mark);
                }
                Self::audit(&mut c.out, t, pid, login, stmt, class, cmd, table, &sql);
                c.end();
            }
            Ev::Burst { id } => {
                c.begin(id);
                self.auth_fail(c, t, 3);
                c.end();
            }
            Ev::Session { user, stmts } => {
                let (pid, port) = self.connect(c, t, user);
                let mut last = t;
                for (k, p) in stmts.into_iter().enumerate() {
                    last = last.max(p.at);
                    q.at(
                        p.at,
                        Ev::Stmt {
                            mark: p.mark,
                            pid,
                            user,
                            stmt: k as u64 + 1,
                            class: p.class,
                            cmd: p.cmd,
                            table: p.table,
                            sql: p.sql,
                        },
                    );
                }
                q.at(
                    last + 50 * SEC,
                    Ev::Disconnect {
                        pid,
                        user,
                        port,
                        since: t,
                    },
                );
            }
            Ev::AppWrite { id, sql } => {
                let i = self.slot(c, t);
                let s = &mut self.slots[i];
                s.stmt += 1;
                let (pid, stmt) = (s.pid, s.stmt);
                c.begin(id);
                Self::audit(
                    &mut c.out,
                    t,
                    pid,
                    "archive_app",
                    stmt,
                    "WRITE",
                    "UPDATE",
                    "public.archive_item",
                    sql,
                );
                c.end();
            }
        }
    }

    fn malformed(&mut self, c: &mut Core, t: i64, variant: u32) {
        let o = &mut c.out;
        if variant == 1 {
            o.s("2026-11-31 25:61:00.000 CST [1] @ LOG:  checkpoint starting: time")
                .nl();
        } else {
            o.ts_pg(t);
            o.s(" [").nl();
        }
    }
}
