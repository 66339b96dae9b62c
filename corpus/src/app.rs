//! The archive application's own audit log on `arch-web01`: one JSON object per line with `ts`
//! (+08:00), `user`, `name`, `dept`, `role`, `action`, `target`, `result`, `ip`, a Chinese
//! `message` and a `ticket` where one applies. Normal activity: staff viewing, creating and
//! updating records, logging in, administrators granting permissions and changing settings,
//! Friday-evening releases. Planted: exports with and without an approval ticket, a failed-login
//! burst, a departed employee's login, a release outside the window.

use crate::clock::{self, MIN, SEC};
use crate::driver::{Core, Gen, Queue};
use crate::out::Out;
use crate::world::{self, DEPARTED, DEPARTED_DEPT, DEPTS, STAFF};

const BURST_IP: [u8; 4] = [172, 16, 88, 14];
const PERMS: [&str; 4] = ["借阅审批", "档案著录", "目录导出", "电子原件下载"];

/// Queued items.
pub enum Ev {
    Release {
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
    Hotfix {
        id: usize,
    },
    Retry {
        who: usize,
    },
}

/// The JSON audit log generator.
pub struct App {
    fails: [[i64; 3]; 28],
}

impl App {
    pub fn new() -> Self {
        App {
            fails: [[i64::MIN / 2; 3]; 28],
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
        let fail = c.rng.chance(1, 12) && {
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
        let admin = 16; // linfeng, 信息中心
        let ip = world::staff_ip(admin);
        let who = c.rng.below(STAFF.len() as u64) as usize;
        let perm = *c.rng.pick(&PERMS);
        let r = c.rng.below(10);
        let y = clock::tm_at(t, clock::OFFSET).year;
        let tk = 10 + c.rng.below(80);
        let o = &mut c.out;
        match r {
            0..=4 => {
                Self::staff_head(o, t, admin, "permission.grant");
                o.s("user/").s(STAFF[who].login);
                Self::mid(o, true, ip);
                o.s("授予 ")
                    .s(STAFF[who].name)
                    .c(b' ')
                    .s(DEPTS[STAFF[who].dept]);
                o.c(b' ')
                    .s(perm)
                    .s(" 权限\",\"ticket\":\"SP-")
                    .u(y as u64)
                    .s("-0")
                    .u(tk)
                    .s("\"}");
                o.nl();
            }
            5..=7 => {
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
            _ => {
                Self::staff_head(o, t, admin, "config.change");
                o.s("config/session.timeout");
                Self::mid(o, true, ip);
                o.s("修改系统参数 session.timeout：30→60 分钟");
                Self::tail(o, None);
            }
        }
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
        // Releases in the Friday-evening window.
        let mut n = 0;
        for d in 1..=days {
            if m.weekday_of(d) == 5 {
                n += 1;
                let t = m.at(d, 19, 30, 0) + c.rng.below((40 * MIN) as u64) as i64;
                q.at(t, Ev::Release { n });
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
            .count(235);
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
        c.p(id).actor(STAFF[0].login).src_ip(BURST_IP).count(7);
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
        c.p(id).actor(DEPARTED.login).src_ip(DEPARTED.ip).count(1);
        q.at(t, Ev::Departed { id, step: 0 });

        let d = workday(c, 3);
        let t = m.at(d, 14, c.rng.below(60) as u32, c.rng.below(60) as u32);
        let id = c.plant("release_outside_window", t, "arch-web01", "v3.9.1-hotfix");
        c.p(id)
            .actor(STAFF[16].login)
            .target("archive-web")
            .note("no emergency release ticket");
        q.at(t, Ev::Hotfix { id });
    }

    fn arrival(&mut self, c: &mut Core, t: i64, q: &mut Queue<Ev>) {
        let i = c.rng.below(STAFF.len() as u64) as usize;
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
            Ev::Release { n } => {
                let y = clock::tm_at(t, clock::OFFSET).year;
                let o = &mut c.out;
                Self::staff_head(o, t, 16, "release.deploy");
                o.s("archive-web");
                Self::mid(o, true, world::staff_ip(16));
                o.s("发布版本 v3.")
                    .u(u64::from(n + 4))
                    .s(".0（档案借阅流程优化）\",\"ticket\":\"REL-");
                o.u(y as u64).s("-0").u(u64::from(40 + n)).s("\"}").nl();
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
            Ev::Hotfix { id } => {
                c.begin(id);
                let o = &mut c.out;
                Self::staff_head(o, t, 16, "release.deploy");
                o.s("archive-web");
                Self::mid(o, true, world::staff_ip(16));
                o.s("发布版本 v3.9.1-hotfix（修复借阅单打印错误）");
                Self::tail(o, None);
                c.end();
            }
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
