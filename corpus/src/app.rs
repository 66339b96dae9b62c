//! The archive application's own audit log on `arch-web01`: one JSON object per line with `ts`
//! (+08:00), `user`, `name`, `dept`, `role`, `action`, `target`, `result`, `ip`, a Chinese
//! `message` and a `ticket` where one applies. Normal activity: staff viewing, creating and
//! updating records, logging in, the administrator granting (with a special-permission ticket)
//! and revoking permissions in working hours, Friday-evening releases. Planted: exports with and
//! without an approval ticket, a failed-login burst and four failures that stay below one, a
//! departed employee's login, logins of a disabled account and of an employee the day before he
//! leaves, a release outside the window, emergency releases with a ticket (one the evening
//! before restic's failed night), a configuration change in working hours, a permission granted
//! with a ticket.

use crate::clock::{self, DAY, HOUR, MIN, OFFSET, SEC};
use crate::driver::{Core, Gen, Queue};
use crate::out::Out;
use crate::register::{self, HEAD};
use crate::world::{
    self, APP_ADMIN, DEPARTED, DEPARTED_DEPT, DEPTS, DISABLED_STAFF, Days, LEAVER_STAFF, STAFF,
};
use crate::{Approval, backup};

const BURST_IP: [u8; 4] = [172, 16, 88, 14];
const PERMS: [&str; 4] = ["借阅审批", "档案著录", "目录导出", "电子原件下载"];

/// Whether a change at `t` on arch-web01 has a successful restic run within 24 hours before and
/// within 24 hours after: the runs finish about 01:16 and 03:01 every night of the month but the
/// night `fail`. Records on planted event `id` that `backup.change_uncovered` fires or must
/// not, next to the other near misses `near`.
fn backup_rule(c: &mut Core, id: usize, t: i64, fail: u32, m: &clock::Month, near: &[&str]) {
    let ok: Vec<i64> = (1..=m.days)
        .filter(|&d| d != fail)
        .flat_map(|d| [m.at(d, 1, 16, 0), m.at(d, 3, 1, 0)])
        .collect();
    let before = ok.iter().any(|&s| s <= t && t - s <= DAY);
    let after = ok.iter().any(|&s| s >= t && s - t <= DAY);
    let p = c.p(id);
    if before && after {
        p.also_near_miss = near.iter().map(|r| r.to_string()).collect();
        p.also_near_miss.push("backup.change_uncovered".into());
    } else {
        if p.rule.is_none() {
            p.rule = Some("backup.change_uncovered".into());
        } else {
            p.also.push("backup.change_uncovered".into());
        }
        p.also_near_miss = near.iter().map(|r| r.to_string()).collect();
    }
}

/// Queued items.
pub enum Ev {
    Release {
        id: usize,
        n: u32,
    },
    Burst {
        id: usize,
    },
    Departed {
        id: usize,
        step: u8,
    },
    Export {
        id: usize,
        who: usize,
        ticket: Option<String>,
        count: u32,
        scope: String,
    },
    Deploy {
        id: usize,
        version: String,
        what: &'static str,
        ticket: Option<String>,
    },
    Retry {
        who: usize,
    },
    Config {
        id: usize,
        key: &'static str,
        msg: &'static str,
    },
    Grant {
        id: usize,
        who: usize,
        perm: &'static str,
    },
    /// A planted login (success or failure) or record view of staff member `who` from `ip`.
    Act {
        id: usize,
        who: usize,
        ip: [u8; 4],
        action: &'static str,
    },
}

/// A release outside the Friday window: when, what it fixes, its emergency ticket (none: the
/// planted violation).
struct Fix {
    t: i64,
    what: &'static str,
    ticket: Option<String>,
}

/// The JSON audit log generator.
pub struct App {
    fails: [[i64; 3]; 28],
    /// The next special-permission ticket number.
    sp: u32,
    /// (staff member, from, until): no normal login failure of theirs then (around a planted
    /// series of failures, which must stay exactly what it is).
    no_fail: Vec<(usize, i64, i64)>,
}

impl App {
    pub fn new() -> Self {
        App {
            fails: [[i64::MIN / 2; 3]; 28],
            sp: 11,
            no_fail: Vec::new(),
        }
    }

    /// `{"ts":"..","user":"..","name":"..","dept":"..","role":"..","action":"..","target":"`
    #[allow(clippy::too_many_arguments)]
    fn head(o: &mut Out, t: i64, user: &str, name: &str, dept: &str, role: &str, action: &str) {
        o.s("{\"ts\":\"")
            .ts_rfc3339_ms(t)
            .s("\",\"user\":\"")
            .s(user)
            .s("\",\"name\":\"")
            .s(name);
        o.s("\",\"dept\":\"")
            .s(dept)
            .s("\",\"role\":\"")
            .s(role)
            .s("\",\"action\":\"")
            .s(action);
        o.s("\",\"target\":\"");
    }

    /// `","result":"..","ip":"..","message":"`
    fn mid(o: &mut Out, ok: bool, ip: [u8; 4]) {
        o.s("\",\"result\":\"")
            .s(if ok { "success" } else { "failure" });
        o.s("\",\"ip\":\"").ip(ip).s("\",\"message\":\"");
    }

    fn tail(o: &mut Out, ticket: Option<&str>) {
        o.c(b'"');
        if let Some(tk) = ticket {
            o.s(",\"ticket\":\"").s(tk).c(b'"');
        }
        o.c(b'}').nl();
    }

    fn staff_head(o: &mut Out, t: i64, i: usize, action: &str) {
        let s = &STAFF[i];
        Self::head(o, t, s.login, s.name, DEPTS[s.dept], s.role, action);
    }

    fn tail_title(o: &mut Out, r: &mut crate::rng::Rng) {
        o.s("《");
        world::title(o, r);
        o.s("》");
        Self::tail(o, None);
    }

    fn record(&mut self, c: &mut Core, t: i64, i: usize, action: &str) {
        let ip = world::staff_ip(i);
        let code = world::item_code_arr(&mut c.rng);
        let code = &code[..];
        let o = &mut c.out;
        Self::staff_head(o, t, i, action);
        o.s("archive_item/").b(code);
        Self::mid(o, true, ip);
        match action {
            "record.view" => {
                o.s("查看档案 ").b(code).c(b' ');
                Self::tail_title(o, &mut c.rng);
            }
            "record.create" => {
                o.s("新建档案 ").b(code).c(b' ');
                Self::tail_title(o, &mut c.rng);
            }
            "record.update" => {
                o.s("修改档案 ").b(code);
                match c.rng.below(3) {
                    0 => o.s(" 著录信息：题名"),
                    1 => o.s(" 保管期限：30年→永久"),
                    _ => o.s(" 密级：内部→公开"),
                };
                Self::tail(o, None);
            }
            _ => {
                o.s("删除档案 ").b(code).s("（重复著录）");
                Self::tail(o, None);
            }
        }
    }

    fn login(&mut self, c: &mut Core, t: i64, i: usize, q: &mut Queue<Ev>) {
        let ip = world::staff_ip(i);
        let quiet = self
            .no_fail
            .iter()
            .any(|&(w, from, until)| w == i && (from..=until).contains(&t));
        let fail = c.rng.chance(1, 12) && !quiet && {
            let f = &mut self.fails[i % 28];
            if t - f[0] >= 3 * MIN {
                f.rotate_left(1);
                f[2] = t;
                true
            } else {
                false
            }
        };
        let o = &mut c.out;
        if fail {
            Self::staff_head(o, t, i, "login.failure");
            o.s("session");
            Self::mid(o, false, ip);
            o.s("登录失败：用户名或密码错误");
            Self::tail(o, None);
            q.at(
                t + 5 * SEC + c.rng.below((20 * SEC) as u64) as i64,
                Ev::Retry { who: i },
            );
        } else {
            Self::staff_head(o, t, i, "login.success");
            o.s("session");
            Self::mid(o, true, ip);
            o.s("登录成功");
            Self::tail(o, None);
        }
    }

    fn admin(&mut self, c: &mut Core, t: i64) {
        let admin = APP_ADMIN; // linfeng, 信息中心
        let ip = world::staff_ip(admin);
        let who = c.rng.below(STAFF.len() as u64) as usize;
        let perm = *c.rng.pick(&PERMS);
        let r = c.rng.below(10);
        if r <= 4 {
            self.grant(c, t, who, perm);
            return;
        }
        let o = &mut c.out;
        Self::staff_head(o, t, admin, "permission.revoke");
        o.s("user/").s(STAFF[who].login);
        Self::mid(o, true, ip);
        o.s("撤销 ")
            .s(STAFF[who].name)
            .c(b' ')
            .s(perm)
            .s(" 权限（到期）");
        Self::tail(o, None);
    }

    /// The administrator grants `perm` to `who` under the next special-permission ticket, which
    /// the register holds: approved by the archives head the afternoon before, valid until the
    /// end of the third working hours after.
    fn grant(&mut self, c: &mut Core, t: i64, who: usize, perm: &str) -> String {
        let admin = APP_ADMIN;
        let y = clock::tm_at(t, OFFSET).year;
        let ticket = format!("SP-{y}-{:03}", self.sp);
        self.sp += 1;
        let day = (t + OFFSET).div_euclid(DAY) * DAY - OFFSET;
        c.approve(Approval::new(
            ticket.clone(),
            "special_permission",
            None,
            STAFF[admin].login,
            HEAD,
            day - DAY + 16 * HOUR + 20 * MIN,
            day + 3 * DAY + 17 * HOUR + 30 * MIN,
            &format!("user/{}", STAFF[who].login),
        ));
        let o = &mut c.out;
        Self::staff_head(o, t, admin, "permission.grant");
        o.s("user/").s(STAFF[who].login);
        Self::mid(o, true, world::staff_ip(admin));
        o.s("授予 ")
            .s(STAFF[who].name)
            .c(b' ')
            .s(DEPTS[STAFF[who].dept]);
        o.c(b' ').s(perm).s(" 权限");
        Self::tail(o, Some(&ticket));
        ticket
    }

    fn departed_head(o: &mut Out, t: i64, action: &str) {
        Self::head(
            o,
            t,
            DEPARTED.login,
            DEPARTED.name,
            DEPTS[DEPARTED_DEPT],
            "staff",
            action,
        );
    }
}

impl Gen for App {
    type Ev = Ev;
    const BASE_UNITS: u64 = 60_000;

    fn init(&mut self, c: &mut Core, q: &mut Queue<Ev>) {
        let m = c.month;
        let y = m.year;
        let days = m.days;
        if c.history {
            return;
        }
        let fail = backup::restic_fail_day(c.seed, &m);
        // Releases in the Friday-evening window.
        let mut n = 0;
        for d in 1..=days {
            if m.weekday_of(d) == 5 {
                n += 1;
                let t = m.at(d, 19, 30, 0) + c.rng.below((40 * MIN) as u64) as i64;
                let id = c.plant(
                    "release_in_window",
                    t,
                    "arch-web01",
                    format!("REL-{y}-0{}", 40 + n),
                );
                c.p(id)
                    .actor(STAFF[APP_ADMIN].login)
                    .target("archive-web")
                    .ticket(&format!("REL-{y}-0{}", 40 + n))
                    .note("the weekly release, in the Friday 18:00-24:00 window");
                backup_rule(
                    c,
                    id,
                    t,
                    fail,
                    &m,
                    &["admin.offhours", "change.business_hours"],
                );
                c.p(id).near_miss = Some("release.outside_window".into());
                q.at(t, Ev::Release { id, n });
            }
        }
        let workday = |c: &mut Core, lo: u32| loop {
            let d = lo + c.rng.below(u64::from(days - lo - 2)) as u32;
            if (1..=4).contains(&m.weekday_of(d)) {
                return d;
            }
        };

        let d = workday(c, 3);
        let t = m.at(d, 10, c.rng.below(60) as u32, c.rng.below(60) as u32);
        let tk = format!("EXP-{y}-007");
        let id = c.plant("export", t, "arch-web01", tk.clone());
        c.p(id)
            .actor(STAFF[1].login)
            .src_ip(world::staff_ip(1))
            .target("catalog/2019-WS")
            .ticket(&tk)
            .count(235)
            .near("data_export.unapproved", &[])
            .note("the register's export ticket covers it");
        let (from, until) = register::day_window(t);
        c.approve(Approval::new(
            tk.clone(),
            "data_export",
            None,
            STAFF[1].login,
            HEAD,
            from,
            until,
            "catalog/2019-WS",
        ));
        q.at(
            t,
            Ev::Export {
                id,
                who: 1,
                ticket: Some(tk),
                count: 235,
                scope: "catalog/2019-WS".into(),
            },
        );

        let d = workday(c, 3);
        let t = m.at(d, 16, c.rng.below(60) as u32, c.rng.below(60) as u32);
        let id = c.plant("export", t, "arch-web01", "导出档案目录 1280 条");
        c.p(id)
            .actor(STAFF[9].login)
            .src_ip(world::staff_ip(9))
            .target("catalog/2023-KJ")
            .count(1280)
            .fires("data_export.unapproved", &[])
            .note("no approval ticket");
        q.at(
            t,
            Ev::Export {
                id,
                who: 9,
                ticket: None,
                count: 1280,
                scope: "catalog/2023-KJ".into(),
            },
        );

        let d = workday(c, 4);
        let t = m.at(d, 2, c.rng.below(60) as u32, c.rng.below(60) as u32);
        let id = c.plant(
            "failed_login_burst",
            t,
            "arch-web01",
            "\"ip\":\"172.16.88.14\"",
        );
        c.p(id)
            .actor(STAFF[0].login)
            .src_ip(BURST_IP)
            .count(7)
            .fires("login.bruteforce", &[]);
        let mut ts = t;
        for _ in 0..7 {
            q.at(ts, Ev::Burst { id });
            ts += 5 * SEC + c.rng.below((15 * SEC) as u64) as i64;
        }

        let d = workday(c, 5);
        let t = m.at(d, 9, 20 + c.rng.below(30) as u32, c.rng.below(60) as u32);
        let id = c.plant(
            "departed_user_login",
            t,
            "arch-web01",
            "\"user\":\"liuyang\"",
        );
        c.p(id)
            .actor(DEPARTED.login)
            .src_ip(DEPARTED.ip)
            .count(1)
            .fires("login.disabled_account", &["account.departed_active"]);
        q.at(t, Ev::Departed { id, step: 0 });

        // Releases outside the window: a hotfix in working hours without a ticket, and
        // emergency releases with one (a Tuesday night, the evening before restic's failed night,
        // a Wednesday morning). Versions follow the weekly releases (v3.5.0 on the first Friday).
        let d = workday(c, 3);
        let t = m.at(d, 14, c.rng.below(60) as u32, c.rng.below(60) as u32);
        let tuesday = if m.nth(2, 1) + 1 == fail {
            m.nth(2, 2)
        } else {
            m.nth(2, 1)
        };
        let fixes = [
            Fix {
                t,
                what: "修复借阅单打印错误",
                ticket: None,
            },
            Fix {
                t: m.at(tuesday, 21, 40, 12),
                what: "紧急修复：档案检索超时",
                ticket: Some(format!("ER-{y}-001")),
            },
            Fix {
                t: m.at(fail - 1, 21, 35, 40),
                what: "紧急修复：借阅到期提醒重复发送",
                ticket: Some(format!("ER-{y}-002")),
            },
            Fix {
                t: m.at(m.nth(3, 3), 11, 20, 30),
                what: "紧急修复：电子原件下载失败",
                ticket: Some(format!("ER-{y}-004")),
            },
        ];
        let fridays: Vec<i64> = (1..=days)
            .filter(|&d| m.weekday_of(d) == 5)
            .map(|d| m.at(d, 19, 30, 0))
            .collect();
        let mut order: Vec<usize> = (0..fixes.len()).collect();
        order.sort_by_key(|&k| fixes[k].t);
        let mut patch: Vec<u32> = Vec::new();
        for k in order {
            let f = &fixes[k];
            let minor = 4 + fridays.iter().filter(|&&fr| fr < f.t).count();
            if patch.len() <= minor {
                patch.resize(minor + 1, 0);
            }
            patch[minor] += 1;
            let mut version = format!("v3.{minor}.{}", patch[minor]);
            if f.ticket.is_none() {
                version.push_str("-hotfix");
            }
            let event = if f.ticket.is_some() {
                "emergency_release"
            } else {
                "release_outside_window"
            };
            let id = c.plant(event, f.t, "arch-web01", version.clone());
            c.p(id).actor(STAFF[APP_ADMIN].login).target("archive-web");
            match &f.ticket {
                None => {
                    c.p(id)
                        .fires("release.outside_window", &[])
                        .note("no emergency release ticket");
                    if clock::is_work_hours(f.t) {
                        c.p(id).also.push("change.business_hours".into());
                    }
                    backup_rule(c, id, f.t, fail, &m, &[]);
                }
                Some(tk) => {
                    c.p(id).ticket(tk);
                    // Approved for a half-hour-aligned window around the release.
                    let from = f.t - f.t.rem_euclid(30 * MIN) - 30 * MIN;
                    let until = from + 150 * MIN;
                    c.approve(Approval::new(
                        tk.clone(),
                        "emergency_release",
                        None,
                        STAFF[APP_ADMIN].login,
                        register::LEADER,
                        from,
                        until,
                        "archive-web",
                    ));
                    let hours = if clock::is_work_hours(f.t) {
                        "change.business_hours"
                    } else {
                        "admin.offhours"
                    };
                    backup_rule(c, id, f.t, fail, &m, &[hours]);
                    c.p(id).near_miss = Some("release.outside_window".into());
                    let note = if c.p(id).rule.is_some() {
                        "emergency release with its ticket; restic fails both runs the night after: no backup of arch-web01 within 24 h after"
                    } else {
                        "emergency release with its ticket"
                    };
                    c.p(id).note(note);
                }
            }
            q.at(
                f.t,
                Ev::Deploy {
                    id,
                    version,
                    what: f.what,
                    ticket: f.ticket.clone(),
                },
            );
        }

        // A configuration change in working hours, without an emergency ticket.
        let t = m.at(m.nth(2, 4), 10, 47, 33);
        let id = c.plant("config_change", t, "arch-web01", "borrow.max_days");
        c.p(id)
            .actor(STAFF[APP_ADMIN].login)
            .target("config/borrow.max_days")
            .fires("change.business_hours", &[])
            .note("in working hours, no emergency release ticket");
        q.at(
            t,
            Ev::Config {
                id,
                key: "config/borrow.max_days",
                msg: "修改系统参数 borrow.max_days：30→45 天",
            },
        );

        // A special permission granted with its ticket (the register holds it).
        let t = m.at(m.nth(4, 3), 10, 32, 5);
        let id = c.plant("permission_grant", t, "arch-web01", "密级档案查阅");
        c.p(id)
            .actor(STAFF[APP_ADMIN].login)
            .target(&format!("user/{}", STAFF[4].login))
            .near("permission.unapproved", &[])
            .note(
                "special permission ticket in the register (operator linfeng, scope user/zhaoli)",
            );
        q.at(
            t,
            Ev::Grant {
                id,
                who: 4,
                perm: "密级档案查阅",
            },
        );

        let days_of = Days::of(&m);
        // The disabled account (disabled on the 15th) logs in on the 18th, from a colleague's
        // desk, and reads two records; on the 10th it still could.
        let t = m.at(days_of.disabled + 3, 9, 12, 33);
        let ip = [10, 20, 3, 211];
        let id = c.plant(
            "disabled_user_login",
            t,
            "arch-web01",
            "\"ip\":\"10.20.3.211\"",
        );
        c.p(id)
            .actor(STAFF[DISABLED_STAFF].login)
            .src_ip(ip)
            .count(3)
            .fires("login.disabled_account", &[])
            .note("accounts.csv: disabled the 15th");
        for (k, action) in ["login.success", "record.view", "record.view"]
            .into_iter()
            .enumerate()
        {
            let at = t + k as i64 * (70 * SEC);
            q.at(
                at,
                Ev::Act {
                    id,
                    who: DISABLED_STAFF,
                    ip,
                    action,
                },
            );
        }
        let t = m.at(days_of.disabled - 5, 9, 5, 41);
        let ip = [10, 20, 3, 212];
        let id = c.plant(
            "login_before_disabled",
            t,
            "arch-web01",
            "\"ip\":\"10.20.3.212\"",
        );
        c.p(id)
            .actor(STAFF[DISABLED_STAFF].login)
            .src_ip(ip)
            .near("login.disabled_account", &[])
            .note("before the account was disabled (the 15th)");
        q.at(
            t,
            Ev::Act {
                id,
                who: DISABLED_STAFF,
                ip,
                action: "login.success",
            },
        );

        // The employee who leaves on the fourth Wednesday logs in the day before; nobody
        // disables his account.
        let t = m.at(days_of.leaver - 1, 14, 3, 20);
        let ip = [10, 20, 7, 213];
        let id = c.plant("leaver_login", t, "arch-web01", "\"ip\":\"10.20.7.213\"");
        c.p(id)
            .actor(STAFF[LEAVER_STAFF].login)
            .src_ip(ip)
            .count(2)
            .fires("account.departed_active", &[])
            .not(&["login.disabled_account"])
            .note("the day before he leaves (accounts.csv: departed the 25th); no disabling event by the end of that day: account.departed_active for the account");
        for (k, action) in ["login.success", "record.view"].into_iter().enumerate() {
            q.at(
                t + k as i64 * (2 * MIN),
                Ev::Act {
                    id,
                    who: LEAVER_STAFF,
                    ip,
                    action,
                },
            );
        }

        // Four wrong passwords within three minutes, then the right one: below the threshold.
        let who = 14;
        let t = m.at(m.nth(1, 2), 8, 52, 10);
        let ip = [10, 20, 4, 214];
        let id = c.plant(
            "failed_logins_below_threshold",
            t,
            "arch-web01",
            "\"ip\":\"10.20.4.214\"",
        );
        c.p(id)
            .actor(STAFF[who].login)
            .src_ip(ip)
            .count(4)
            .near("login.bruteforce", &[])
            .note("4 failures within 3 minutes, then a success");
        self.no_fail.push((who, t - 15 * MIN, t + 15 * MIN));
        for (k, off) in [0, 50, 105, 170, 210].into_iter().enumerate() {
            q.at(
                t + off * SEC,
                Ev::Act {
                    id,
                    who,
                    ip,
                    action: if k < 4 {
                        "login.failure"
                    } else {
                        "login.success"
                    },
                },
            );
        }
    }

    fn arrival(&mut self, c: &mut Core, t: i64, q: &mut Queue<Ev>) {
        let mut i = c.rng.below(STAFF.len() as u64) as usize;
        // Nobody uses an account the register has disabled (only planted lines do), and the
        // administrator's role makes every action of his an administrator's: he works in
        // working hours.
        while !world::staff_active(i, t + MIN, &c.month)
            || (i == APP_ADMIN && !clock::is_work_hours(t))
        {
            i = (i + 1) % STAFF.len();
        }
        let r = c.rng.below(1000);
        match r {
            0..=619 => self.record(c, t, i, "record.view"),
            620..=679 if STAFF[i].role == "archivist" || r < 640 => {
                let i = [0, 1, 2, 4, 27][(r % 5) as usize];
                self.record(c, t, i, "record.create");
            }
            680..=759 => {
                let i = [0, 1, 2, 4, 27][(r % 5) as usize];
                self.record(c, t, i, "record.update");
            }
            760..=763 => {
                let i = [0, 1, 2, 4, 27][(r % 5) as usize];
                self.record(c, t, i, "record.delete");
            }
            764..=767 if clock::is_work_hours(t) => self.admin(c, t),
            768..=899 => self.login(c, t, i, q),
            _ => self.record(c, t, i, "record.view"),
        }
    }

    fn due(&mut self, c: &mut Core, t: i64, ev: Ev, q: &mut Queue<Ev>) {
        match ev {
            Ev::Release { id, n } => {
                let y = clock::tm_at(t, clock::OFFSET).year;
                c.begin(id);
                let o = &mut c.out;
                Self::staff_head(o, t, APP_ADMIN, "release.deploy");
                o.s("archive-web");
                Self::mid(o, true, world::staff_ip(APP_ADMIN));
                o.s("发布版本 v3.")
                    .u(u64::from(n + 4))
                    .s(".0（档案借阅流程优化）\",\"ticket\":\"REL-");
                o.u(y as u64).s("-0").u(u64::from(40 + n)).s("\"}").nl();
                c.end();
            }
            Ev::Burst { id } => {
                c.begin(id);
                let o = &mut c.out;
                Self::staff_head(o, t, 0, "login.failure");
                o.s("session");
                Self::mid(o, false, BURST_IP);
                o.s("登录失败：用户名或密码错误");
                Self::tail(o, None);
                c.end();
            }
            Ev::Departed { id, step } => {
                c.begin(id);
                let o = &mut c.out;
                if step == 0 {
                    Self::departed_head(o, t, "login.success");
                    o.s("session");
                    Self::mid(o, true, DEPARTED.ip);
                    o.s("登录成功");
                    Self::tail(o, None);
                } else {
                    Self::departed_head(o, t, "record.view");
                    o.s("archive_item/2024-KJ-0");
                    o.u(100 + u64::from(step));
                    Self::mid(o, true, DEPARTED.ip);
                    o.s("查看档案 2024-KJ-0").u(100 + u64::from(step)).s(" 《");
                    world::title(o, &mut c.rng);
                    o.s("》");
                    Self::tail(o, None);
                }
                c.end();
                if step < 3 {
                    let next = t + 20 * SEC + c.rng.below((3 * MIN) as u64) as i64;
                    q.at(next, Ev::Departed { id, step: step + 1 });
                } else {
                    c.p(id).count(4);
                }
            }
            Ev::Export {
                id,
                who,
                ticket,
                count,
                scope,
            } => {
                c.begin(id);
                let o = &mut c.out;
                Self::staff_head(o, t, who, "export.request");
                o.s(&scope);
                Self::mid(o, true, world::staff_ip(who));
                o.s("导出档案目录 ").u(u64::from(count)).s(" 条");
                Self::tail(o, ticket.as_deref());
                c.end();
            }
            Ev::Deploy {
                id,
                version,
                what,
                ticket,
            } => {
                c.begin(id);
                let o = &mut c.out;
                Self::staff_head(o, t, APP_ADMIN, "release.deploy");
                o.s("archive-web");
                Self::mid(o, true, world::staff_ip(APP_ADMIN));
                o.s("发布版本 ").s(&version).s("（").s(what).s("）");
                Self::tail(o, ticket.as_deref());
                c.end();
            }
            Ev::Config { id, key, msg } => {
                c.begin(id);
                let o = &mut c.out;
                Self::staff_head(o, t, APP_ADMIN, "config.change");
                o.s(key);
                Self::mid(o, true, world::staff_ip(APP_ADMIN));
                o.s(msg);
                Self::tail(o, None);
                c.end();
            }
            Ev::Grant { id, who, perm } => {
                c.begin(id);
                let ticket = self.grant(c, t, who, perm);
                c.end();
                c.p(id).ticket(&ticket);
            }
            Ev::Act {
                id,
                who,
                ip,
                action,
            } => {
                c.begin(id);
                let o = &mut c.out;
                Self::staff_head(o, t, who, action);
                match action {
                    "record.view" => {
                        let code = world::item_code_arr(&mut c.rng);
                        o.s("archive_item/").b(&code);
                        Self::mid(o, true, ip);
                        o.s("查看档案 ").b(&code).s(" 《");
                        world::title(o, &mut c.rng);
                        o.s("》");
                    }
                    _ => {
                        let ok = action == "login.success";
                        o.s("session");
                        Self::mid(o, ok, ip);
                        o.s(if ok {
                            "登录成功"
                        } else {
                            "登录失败：用户名或密码错误"
                        });
                    }
                }
                Self::tail(o, None);
                c.end();
            }
            Ev::Retry { who } if !world::staff_active(who, t, &c.month) => {}
            Ev::Retry { who } => {
                let ip = world::staff_ip(who);
                let o = &mut c.out;
                Self::staff_head(o, t, who, "login.success");
                o.s("session");
                Self::mid(o, true, ip);
                o.s("登录成功");
                Self::tail(o, None);
            }
        }
    }

    fn malformed(&mut self, c: &mut Core, t: i64, variant: u32) {
        let o = &mut c.out;
        if variant == 1 {
            o.s("{\"ts\":\"")
                .ts_rfc3339_ms(t)
                .s("\",\"user\":\"zh")
                .nl();
        } else {
            o.s("ts=")
                .ts_rfc3339_ms(t)
                .s(" user=zhangwei action=record.view")
                .nl();
        }
    }
}
