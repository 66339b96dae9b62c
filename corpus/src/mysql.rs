//! MariaDB's `server_audit.log` (plugin server_audit, events CONNECT and QUERY) of `arch-db02`,
//! the approval-workflow database, and a MySQL 5.7 general query log (header lines, UTC ISO
//! times, `Connect`/`Init DB`/`Query`/`Quit`) of `arch-rpt01`, the reporting database. Normal
//! activity is the application account's pooled queries and DBAs' reads (the reporting
//! application writes only its own tables). Planted: direct UPDATE/DELETE by a DBA with and
//! without a ticket, a burst of failed connections, and in `server_audit.log` ten silent hours
//! (the audit plugin stopped) on the third Saturday.

use crate::Approval;
use crate::clock::{self, MIN, SEC};
use crate::driver::{Core, Gen, Queue};
use crate::out::Out;
use crate::register::{self, LEADER};
use crate::rng::Rng;
use crate::world::{self, APP_HOST, OPS, STAFF};

const BURST_IP: [u8; 4] = [10, 20, 7, 201];

/// Which MySQL-family log to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    ServerAudit,
    General,
}

struct Slot {
    conn: u64,
    up: bool,
}

/// Queued items.
pub enum Ev {
    DbaQuery {
        conn: u64,
        user: u8,
        q: u8,
    },
    Disconnect {
        conn: u64,
        user: u8,
    },
    Retry {
        user: u8,
    },
    PlantSession {
        id: usize,
        user: u8,
        sql: String,
    },
    PlantQuery {
        id: usize,
        conn: u64,
        user: u8,
        sql: String,
    },
    Burst {
        id: usize,
    },
}

/// The MariaDB / MySQL log generator.
pub struct Mysql {
    flavor: Flavor,
    slots: Vec<Slot>,
    conn: u64,
    query: u64,
    fails: [i64; 3],
    /// No line at all in this span (the audit plugin stopped).
    silent: (i64, i64),
}

const DBA_READS: [&str; 3] = [
    "SELECT count(*) FROM flow_instance WHERE status = 'RUNNING'",
    "SHOW PROCESSLIST",
    "SELECT table_name, table_rows FROM information_schema.tables WHERE table_schema = DATABASE()",
];

impl Mysql {
    pub fn new(flavor: Flavor) -> Self {
        Mysql {
            flavor,
            slots: (0..8).map(|_| Slot { conn: 0, up: false }).collect(),
            conn: 100,
            query: 1000,
            fails: [i64::MIN / 2; 3],
            silent: (0, 0),
        }
    }

    fn host(&self) -> &'static str {
        match self.flavor {
            Flavor::ServerAudit => "arch-db02",
            Flavor::General => "arch-rpt01",
        }
    }

    fn db(&self) -> &'static str {
        match self.flavor {
            Flavor::ServerAudit => "archive",
            Flavor::General => "archive_rpt",
        }
    }

    fn user(&self, u: u8) -> (&'static str, [u8; 4]) {
        match (u, self.flavor) {
            (0, Flavor::ServerAudit) => ("archive_app", APP_HOST),
            (0, Flavor::General) => ("rpt_app", [10, 1, 2, 31]),
            (1, _) => (OPS[2].login, OPS[2].ip),
            (2, _) => (OPS[3].login, OPS[3].ip),
            _ => ("root", BURST_IP),
        }
    }

    /// A quote inside a query: server_audit escapes it.
    fn q(&self) -> &'static str {
        match self.flavor {
            Flavor::ServerAudit => "\\'",
            Flavor::General => "'",
        }
    }

    /// Starts a line up to the operation/command: for server_audit
    /// `20261103 09:15:02,host,user,ip,conn,query,`, for the general log `TIME\t   ID `.
    fn start(&self, o: &mut Out, t: i64, u: u8, conn: u64, query: u64) {
        match self.flavor {
            Flavor::ServerAudit => {
                let (user, ip) = self.user(u);
                o.ts_compact(t)
                    .c(b',')
                    .s(self.host())
                    .c(b',')
                    .s(user)
                    .c(b',')
                    .ip(ip);
                o.c(b',').u(conn).c(b',').u(query).c(b',');
            }
            Flavor::General => {
                o.ts_utc_us(t).c(b'\t').upad(conn, 5, b' ').c(b' ');
            }
        }
    }

    fn connect(&mut self, c: &mut Core, t: i64, u: u8) -> u64 {
        self.conn += 1 + c.rng.below(3);
        let conn = self.conn;
        let (user, ip) = self.user(u);
        let db = self.db();
        let o = &mut c.out;
        self.start(o, t, u, conn, 0);
        match self.flavor {
            Flavor::ServerAudit => {
                o.s("CONNECT,").s(db).s(",,0").nl();
            }
            Flavor::General => {
                o.s("Connect\t")
                    .s(user)
                    .c(b'@')
                    .ip(ip)
                    .s(" on ")
                    .s(db)
                    .s(" using TCP/IP")
                    .nl();
            }
        }
        conn
    }

    fn disconnect(&self, o: &mut Out, t: i64, u: u8, conn: u64) {
        self.start(o, t, u, conn, 0);
        match self.flavor {
            Flavor::ServerAudit => {
                o.s("DISCONNECT,").s(self.db()).s(",,0").nl();
            }
            Flavor::General => {
                o.s("Quit\t").nl();
            }
        }
    }

    fn query(&mut self, o: &mut Out, t: i64, u: u8, conn: u64, body: impl FnOnce(&Self, &mut Out)) {
        self.query += 1;
        self.start(o, t, u, conn, self.query);
        match self.flavor {
            Flavor::ServerAudit => {
                o.s("QUERY,").s(self.db()).s(",'");
                body(self, o);
                o.s("',0").nl();
            }
            Flavor::General => {
                o.s("Query\t");
                body(self, o);
                o.nl();
            }
        }
    }

    fn failed(&mut self, c: &mut Core, t: i64, u: u8) {
        self.conn += 1;
        let conn = self.conn;
        let (user, ip) = self.user(u);
        let o = &mut c.out;
        self.start(o, t, u, conn, 0);
        match self.flavor {
            Flavor::ServerAudit => {
                o.s("FAILED_CONNECT,,,1045").nl();
            }
            Flavor::General => {
                o.s("Connect\t")
                    .s(user)
                    .c(b'@')
                    .ip(ip)
                    .s(" on  using TCP/IP")
                    .nl();
                self.start(o, t, u, conn, 0);
                o.s("Connect\tAccess denied for user '")
                    .s(user)
                    .s("'@'")
                    .ip(ip);
                o.s("' (using password: YES)").nl();
            }
        }
    }

    fn app_query(&mut self, c: &mut Core, t: i64) {
        let i = c.rng.below(self.slots.len() as u64) as usize;
        if !self.slots[i].up {
            let conn = self.connect(c, t, 0);
            self.slots[i] = Slot { conn, up: true };
        }
        let conn = self.slots[i].conn;
        let k = c.rng.below(10);
        let login = STAFF[c.rng.below(STAFF.len() as u64) as usize].login;
        let n = 10_000 + c.rng.below(90_000);
        let rng = &mut c.rng;
        self.query(&mut c.out, t, 0, conn, |me, o| {
            let q = me.q();
            match k {
                0..=3 => {
                    o.s("SELECT id, title, status, applicant FROM flow_instance WHERE applicant = ").s(q);
                    o.s(login).s(q).s(" ORDER BY created_at DESC LIMIT 20");
                }
                4..=5 => {
                    o.s("SELECT id, flow_id, name, status FROM flow_task WHERE assignee = ").s(q);
                    o.s(login).s(q).s(" AND status = ").s(q).s("PENDING").s(q);
                }
                6 => {
                    o.s("SELECT count(*) FROM borrow_apply WHERE item_code = ").s(q);
                    item(o, rng);
                    o.s(q);
                }
                7 | 8 if me.flavor == Flavor::General => {
                    o.s("SELECT applicant, count(*) FROM flow_instance WHERE created_at >= DATE_SUB(NOW(), INTERVAL 30 DAY) GROUP BY applicant");
                }
                7 => {
                    o.s("INSERT INTO flow_comment (flow_id, author, content, created_at) VALUES (");
                    o.u(n).s(", ").s(q).s(login).s(q).s(", ").s(q).s("同意").s(q).s(", NOW())");
                }
                8 => {
                    o.s("UPDATE flow_task SET status = ").s(q).s("DONE").s(q);
                    o.s(", finished_at = NOW() WHERE id = ").u(n);
                }
                _ if me.flavor == Flavor::General => {
                    // The reporting application records its runs, and writes nothing else.
                    o.s("INSERT INTO report_run (report, requested_by, created_at) VALUES (");
                    o.s(q).s("借阅统计").s(q).s(", ").s(q).s(login).s(q).s(", NOW())");
                }
                _ => {
                    o.s("INSERT INTO borrow_apply (item_code, applicant, reason, created_at) VALUES (");
                    o.s(q);
                    item(o, rng);
                    o.s(q).s(", ").s(q).s(login).s(q).s(", ").s(q).s("工作查阅").s(q).s(", NOW())");
                }
            }
        });
    }

    fn dba_session(&mut self, c: &mut Core, t: i64, u: u8, q: &mut Queue<Ev>) {
        let conn = self.connect(c, t, u);
        let n = 1 + c.rng.below(3);
        let mut ts = t;
        for _ in 0..n {
            ts += 5 * SEC + c.rng.below((90 * SEC) as u64) as i64;
            q.at(
                ts,
                Ev::DbaQuery {
                    conn,
                    user: u,
                    q: c.rng.below(3) as u8,
                },
            );
        }
        q.at(ts + 20 * SEC, Ev::Disconnect { conn, user: u });
    }
}

fn item(o: &mut Out, r: &mut Rng) {
    world::item_code(o, r);
}

impl Gen for Mysql {
    type Ev = Ev;
    const BASE_UNITS: u64 = 100_000;

    fn header(&mut self, c: &mut Core) {
        if self.flavor == Flavor::General {
            let o = &mut c.out;
            o.s("/usr/sbin/mysqld, Version: 5.7.44-log (MySQL Community Server (GPL)). started with:").nl();
            o.s("Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock")
                .nl();
            o.s("Time                 Id Command    Argument").nl();
        }
    }

    #[allow(clippy::type_complexity)]
    fn init(&mut self, c: &mut Core, q: &mut Queue<Ev>) {
        let m = c.month;
        let y = m.year;
        let days = m.days;
        let host = self.host();
        if c.history {
            return;
        }
        let workday = |c: &mut Core| loop {
            let d = 3 + c.rng.below(u64::from(days - 5)) as u32;
            if (1..=5).contains(&m.weekday_of(d)) {
                return d;
            }
        };
        let quote = self.q();
        let plans: [(u8, &str, String, Option<String>, &str, u32); 2] = match self.flavor {
            Flavor::ServerAudit => [
                (
                    1,
                    "dba_direct_update",
                    format!(
                        "/* CHG-{y}-0015 */ UPDATE flow_instance SET status = {quote}APPROVED{quote} WHERE id = 20931"
                    ),
                    Some(format!("CHG-{y}-0015")),
                    "archive.flow_instance",
                    10,
                ),
                (
                    2,
                    "dba_direct_delete",
                    "DELETE FROM flow_comment WHERE id = 88412".to_string(),
                    None,
                    "archive.flow_comment",
                    21,
                ),
            ],
            Flavor::General => [
                (
                    1,
                    "dba_direct_update",
                    format!(
                        "/* CHG-{y}-0021 */ UPDATE borrow_apply SET status = 'CLOSED' WHERE id = 3307"
                    ),
                    Some(format!("CHG-{y}-0021")),
                    "archive_rpt.borrow_apply",
                    14,
                ),
                (
                    2,
                    "dba_direct_update",
                    "UPDATE flow_instance SET applicant = 'zhangwei' WHERE id = 18750".to_string(),
                    None,
                    "archive_rpt.flow_instance",
                    19,
                ),
            ],
        };
        for (user, event, sql, ticket, target, hour) in plans {
            let d = workday(c);
            let t = m.at(d, hour, c.rng.below(58) as u32, c.rng.below(60) as u32);
            let needle = ticket.clone().unwrap_or_else(|| sql.clone());
            let id = c.plant(event, t, host, needle);
            let (login, ip) = self.user(user);
            c.p(id).actor(login).src_ip(ip).target(target);
            c.p(id).fires("data_edit.unapproved", &[]);
            match (&ticket, self.flavor) {
                (None, _) => {
                    c.p(id).note("no ticket");
                }
                (Some(tk), Flavor::ServerAudit) => {
                    c.p(id)
                        .ticket(tk)
                        .note("the quoted ticket is not in the register");
                }
                (Some(tk), Flavor::General) => {
                    // The register's ticket is for another table.
                    let (from, until) = register::day_window(t + MIN);
                    c.approve(Approval::new(
                        tk.clone(),
                        "data_edit",
                        Some(2),
                        login,
                        LEADER,
                        from,
                        until,
                        "archive_rpt.borrow_stat",
                    ));
                    c.p(id).ticket(tk).note(
                        "the register's ticket is for another table (archive_rpt.borrow_stat)",
                    );
                }
            }
            q.at(t, Ev::PlantSession { id, user, sql });
        }
        let d = workday(c);
        let t = m.at(d, 23, c.rng.below(55) as u32, c.rng.below(60) as u32);
        let needle = match self.flavor {
            Flavor::ServerAudit => ",10.20.7.201,".to_string(),
            Flavor::General => "'root'@'10.20.7.201'".to_string(),
        };
        let id = c.plant("failed_login_burst", t, host, needle);
        c.p(id)
            .actor("root")
            .src_ip(BURST_IP)
            .count(6)
            .fires("login.bruteforce", &[]);
        let mut ts = t;
        for _ in 0..6 {
            q.at(ts, Ev::Burst { id });
            ts += 3 * SEC + c.rng.below((20 * SEC) as u64) as i64;
        }
        if self.flavor == Flavor::ServerAudit {
            // Ten hours without a line, on the third Saturday.
            let d = m.nth(6, 3);
            let (from, until) = (m.at(d, 2, 0, 0), m.at(d, 12, 0, 0));
            self.silent = (from, until);
            let tm = clock::tm_at(from, clock::OFFSET);
            let needle = format!("{:04}{:02}{:02} 02:", tm.year, tm.month, tm.day);
            let id = c.plant("source_silent", from, host, needle);
            c.p(id)
                .count(0)
                .fires("source.silent", &[])
                .note("no line from 02:00 to 12:00 (the audit plugin stopped)");
        }
    }

    fn arrival(&mut self, c: &mut Core, t: i64, q: &mut Queue<Ev>) {
        if (self.silent.0..self.silent.1).contains(&t) {
            return;
        }
        let r = c.rng.below(1000);
        let work = clock::is_work_hours(t);
        match r {
            880..=894 => {
                let i = c.rng.below(self.slots.len() as u64) as usize;
                if self.slots[i].up {
                    self.slots[i].up = false;
                    let conn = self.slots[i].conn;
                    self.disconnect(&mut c.out, t, 0, conn);
                }
            }
            895..=904 if work => {
                let u = 1 + c.rng.below(2) as u8;
                self.dba_session(c, t, u, q);
            }
            905..=907 if work => {
                if t - self.fails[0] >= 3 * MIN {
                    self.fails.rotate_left(1);
                    self.fails[2] = t;
                    self.failed(c, t, 2);
                    q.at(
                        t + 5 * SEC + c.rng.below((10 * SEC) as u64) as i64,
                        Ev::Retry { user: 2 },
                    );
                }
            }
            _ => self.app_query(c, t),
        }
    }

    fn due(&mut self, c: &mut Core, t: i64, ev: Ev, q: &mut Queue<Ev>) {
        match ev {
            Ev::DbaQuery { conn, user, q: k } => {
                let text = DBA_READS[k as usize % DBA_READS.len()];
                self.query(&mut c.out, t, user, conn, |me, o| {
                    if me.flavor == Flavor::ServerAudit {
                        o.s(&text.replace('\'', "\\'"));
                    } else {
                        o.s(text);
                    }
                });
            }
            Ev::Disconnect { conn, user } => self.disconnect(&mut c.out, t, user, conn),
            Ev::Retry { user } => self.dba_session(c, t, user, q),
            Ev::PlantSession { id, user, sql } => {
                let conn = self.connect(c, t, user);
                q.at(
                    t + 45 * SEC,
                    Ev::PlantQuery {
                        id,
                        conn,
                        user,
                        sql,
                    },
                );
                q.at(t + 3 * MIN, Ev::Disconnect { conn, user });
            }
            Ev::PlantQuery {
                id,
                conn,
                user,
                sql,
            } => {
                c.begin(id);
                self.query(&mut c.out, t, user, conn, |_, o| {
                    o.s(&sql);
                });
                c.end();
            }
            Ev::Burst { id } => {
                c.begin(id);
                self.failed(c, t, 3);
                c.end();
            }
        }
    }

    fn malformed(&mut self, c: &mut Core, t: i64, variant: u32) {
        let o = &mut c.out;
        match (self.flavor, variant) {
            (Flavor::ServerAudit, 1) => {
                o.s("20261131 25:61:00,arch-db02,archive_app").nl();
            }
            (Flavor::ServerAudit, _) => {
                o.ts_compact(t).s(",arch-db02,archive_app,10.1.2.30,12,345,QUERY,archive,'SELECT id FROM flow_task WHERE").nl();
            }
            (Flavor::General, 1) => {
                o.s("2026-11-31T25:61:00.000000Z\t   12 Query\tSELECT 1")
                    .nl();
            }
            (Flavor::General, _) => {
                o.s("\t\t\t\x01\x02 Quer").nl();
            }
        }
    }
}
