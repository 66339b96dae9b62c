//! `/var/log/auth.log` as Debian 12 writes it (rsyslog, RFC 3164) for `arch-web01` and
//! `arch-db01`, and the same kind of messages from `arch-web02` in rsyslog's
//! `RSYSLOG_SyslogProtocol23Format` (RFC 5424): sshd, pam_unix, systemd-logind, sudo, su,
//! shadow-utils, systemd units and cron. Planted: failed-login bursts (one across midnight), a
//! departed employee's login, an off-hours sudo, an nginx failure; in `auth.log` also an
//! outsourced engineer added to the sudo group, sudo in the release window and at night under
//! an emergency ticket, dumps by a DBA and by the backup account, a log truncated, the logins
//! and the lock of leaving employees and outsourced engineers; in a month of history, the
//! last login of an outsourced engineer who then goes dormant.

use crate::Approval;
use crate::clock::{self, MIN, SEC};
use crate::driver::{Core, Gen, Queue};
use crate::out::Out;
use crate::register::LEADER;
use crate::world::{
    Account, BACKUP_ACCT, DEPARTED, DORMANT, Days, MONITOR_HOST, OPS, OPS_LEAVER, OUT_GONE,
    OUT_LEAVING, TEMP_UID, TEMP_USERS,
};

/// Which syslog header to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Rfc3164,
    Rfc5424,
}

const IDX_BACKUP: u8 = 5;
const IDX_DEPARTED: u8 = 6;
const IDX_OPS_LEAVER: u8 = 7;
const IDX_DORMANT: u8 = 8;
const IDX_OUT_GONE: u8 = 9;
const IDX_OUT_LEAVING: u8 = 10;
const NONE: usize = usize::MAX;

fn acct(i: u8) -> &'static Account {
    match i {
        IDX_BACKUP => &BACKUP_ACCT,
        IDX_DEPARTED => &DEPARTED,
        IDX_OPS_LEAVER => &OPS_LEAVER,
        IDX_DORMANT => &DORMANT,
        IDX_OUT_GONE => &OUT_GONE,
        IDX_OUT_LEAVING => &OUT_LEAVING,
        _ => &OPS[i as usize % OPS.len()],
    }
}

const NGINX: &str = "nginx.service - A high performance web server and a reverse proxy server";
const WEB_SUDO: [&str; 7] = [
    "/usr/bin/systemctl restart nginx",
    "/usr/bin/systemctl status nginx",
    "/usr/bin/tail -n 200 /var/log/nginx/error.log",
    "/usr/sbin/nginx -t",
    "/usr/bin/journalctl -u archive-web --since today",
    "/usr/bin/systemctl restart archive-web",
    "/usr/bin/apt-get update",
];
const DB_SUDO: [&str; 6] = [
    "/usr/bin/systemctl status postgresql@15-main",
    "/usr/bin/systemctl reload postgresql@15-main",
    "/usr/bin/tail -n 100 /var/log/postgresql/postgresql-15-main.log",
    "/usr/bin/df -h",
    "/usr/bin/du -sh /var/lib/postgresql/15/main",
    "/usr/bin/apt-get update",
];
const CRON_ROOT: [&str; 4] = [
    "   cd / && run-parts --report /etc/cron.hourly",
    "command -v debian-sa1 > /dev/null && debian-sa1 1 1",
    "/usr/local/bin/archive-healthcheck.sh >/dev/null 2>&1",
    "test -x /usr/sbin/logrotate && /usr/sbin/logrotate /etc/logrotate.conf",
];
const UNITS: [(&str, &str); 5] = [
    ("sysstat-collect.service", "system activity accounting tool"),
    ("logrotate.service", "Rotate log files"),
    ("apt-daily.service", "Daily apt download activities"),
    ("man-db.service", "Daily man-db regeneration"),
    (
        "e2scrub_all.service",
        "Online ext4 Metadata Check for All Filesystems",
    ),
];
const BURST_USERS: [&str; 8] = [
    "root", "admin", "admin", "oracle", "test", "root", "root", "ubuntu",
];

/// Queued items.
pub enum Ev {
    Accepted {
        h: u8,
        a: u8,
        mark: usize,
    },
    Sudo {
        h: u8,
        a: u8,
        pts: u8,
    },
    SessionEnd {
        h: u8,
        a: u8,
        pid: u32,
        port: u16,
        sess: u32,
        mark: usize,
    },
    CronEnd {
        h: u8,
        pid: u32,
        user: u8,
    },
    SuEnd {
        h: u8,
        pid: u32,
    },
    Burst {
        id: usize,
        h: u8,
        step: u8,
        ip: [u8; 4],
    },
    PlantSession {
        id: usize,
        h: u8,
    },
    PlantSudo {
        id: usize,
        h: u8,
    },
    PlantFail {
        id: usize,
        h: u8,
    },
    /// A planted login of account `a` lasting `len`, without sudo.
    Login {
        h: u8,
        a: u8,
        len: i64,
        mark: usize,
    },
    /// A planted sudo command of account `a` as `runas`, with what the command logs itself.
    Cmd {
        id: usize,
        h: u8,
        a: u8,
        runas: &'static str,
        cmd: String,
        then: Then,
    },
}

/// What a planted sudo command's tool logs after sudo's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    Nothing,
    /// `usermod -aG group user`.
    AddToGroup(&'static str, &'static str),
    /// `usermod -L user`.
    Lock(&'static str),
}

/// A planted administrator's session: a login `lead` before the command, the command, the
/// logout `len` after the login.
struct Plant {
    event: &'static str,
    /// (day, hour, minute, second) of the command.
    at: (u32, u32, u32, u32),
    h: u8,
    a: u8,
    runas: &'static str,
    cmd: &'static str,
    then: Then,
    needle: &'static str,
    lead: i64,
    len: i64,
}

struct Host {
    name: &'static str,
    pid: u32,
    sess: u32,
    logind: u32,
    web: bool,
}

/// The auth.log generator.
pub struct Auth {
    style: Style,
    hosts: Vec<Host>,
    fails: [[i64; 3]; 8],
    temp: u32,
}

impl Auth {
    pub fn new(style: Style) -> Self {
        let hosts = match style {
            Style::Rfc3164 => vec![
                Host {
                    name: "arch-web01",
                    pid: 2000,
                    sess: 100,
                    logind: 612,
                    web: true,
                },
                Host {
                    name: "arch-db01",
                    pid: 3000,
                    sess: 200,
                    logind: 598,
                    web: false,
                },
            ],
            Style::Rfc5424 => vec![Host {
                name: "arch-web02",
                pid: 2500,
                sess: 300,
                logind: 633,
                web: true,
            }],
        };
        Auth {
            style,
            hosts,
            fails: [[i64::MIN / 2; 3]; 8],
            temp: 0,
        }
    }

    fn pid(&mut self, c: &mut Core, h: u8) -> u32 {
        let host = &mut self.hosts[h as usize];
        host.pid += 1 + c.rng.below(37) as u32;
        if host.pid > 4_000_000 {
            host.pid = 1000;
        }
        host.pid
    }

    /// Writes the syslog header up to and including `prog[pid]: `.
    fn hdr(&self, o: &mut Out, t: i64, h: u8, prog: &str, pid: u32, pri: u8) {
        let host = self.hosts[h as usize].name;
        match self.style {
            Style::Rfc3164 => {
                o.ts_syslog(t).c(b' ').s(host).c(b' ').s(prog);
                if pid != 0 {
                    o.c(b'[').u(u64::from(pid)).c(b']');
                }
                o.s(": ");
            }
            Style::Rfc5424 => {
                o.c(b'<').u(u64::from(pri)).s(">1 ");
                o.ts_rfc3339_us(t).c(b' ').s(host).c(b' ').s(prog).c(b' ');
                if pid != 0 {
                    o.u(u64::from(pid));
                } else {
                    o.c(b'-');
                }
                // rsyslog keeps the space that follows the RFC 3164 tag at the start of
                // %msg%, so this template writes two spaces before the message.
                o.s(" - -  ");
            }
        }
    }

    /// Whether a failed attempt by account slot `k` at `t` keeps fewer than 4 failures in any
    /// 3 minutes and none within 10 minutes of the last (each attempt logs two failure lines:
    /// normal typos never look like a burst); records it if so.
    fn may_fail(&mut self, k: usize, t: i64) -> bool {
        let f = &mut self.fails[k % 8];
        if t - f[0] < 3 * MIN || t - f[2] < 10 * MIN {
            return false;
        }
        f.rotate_left(1);
        f[2] = t;
        true
    }

    #[allow(clippy::too_many_arguments)]
    fn session_start(
        &mut self,
        c: &mut Core,
        t: i64,
        h: u8,
        a: u8,
        q: &mut Queue<Ev>,
        sudos: bool,
        end_after: i64,
        mark: usize,
    ) {
        let ac = acct(a);
        let pid = self.pid(c, h);
        let port = 32768 + c.rng.below(28000) as u16;
        let host = &mut self.hosts[h as usize];
        host.sess += 1;
        let sess = host.sess;
        let logind = host.logind;
        let o = &mut c.out;
        self.hdr(o, t, h, "sshd", pid, 38);
        if ac.key {
            o.s("Accepted publickey for ")
                .s(ac.login)
                .s(" from ")
                .ip(ac.ip);
            o.s(" port ").u(u64::from(port)).s(" ssh2: ED25519 SHA256:");
            fingerprint(o, ac.uid);
        } else {
            o.s("Accepted password for ")
                .s(ac.login)
                .s(" from ")
                .ip(ac.ip);
            o.s(" port ").u(u64::from(port)).s(" ssh2");
        }
        o.nl();
        self.hdr(o, t, h, "sshd", pid, 86);
        o.s("pam_unix(sshd:session): session opened for user ")
            .s(ac.login);
        o.s("(uid=").u(u64::from(ac.uid)).s(") by (uid=0)").nl();
        self.hdr(o, t, h, "systemd-logind", logind, 38);
        o.s("New session ")
            .u(u64::from(sess))
            .s(" of user ")
            .s(ac.login)
            .c(b'.')
            .nl();
        self.hdr(o, t, h, "systemd", 1, 30);
        o.s("Started session-")
            .u(u64::from(sess))
            .s(".scope - Session ");
        o.u(u64::from(sess)).s(" of User ").s(ac.login).c(b'.').nl();
        let end = t + end_after;
        if sudos && ac.admin {
            let n = c.rng.below(4);
            let mut ts = t;
            for _ in 0..n {
                ts += 20 * SEC + c.rng.below((8 * MIN) as u64) as i64;
                if ts < end && clock::is_work_hours(ts) {
                    q.at(
                        ts,
                        Ev::Sudo {
                            h,
                            a,
                            pts: (sess % 4) as u8,
                        },
                    );
                }
            }
        } else if sudos && c.rng.chance(1, 60) {
            // The outsourced engineer tries sudo now and then and is refused.
            let ts = t + 30 * SEC + c.rng.below((3 * MIN) as u64) as i64;
            if ts < end {
                q.at(ts, Ev::Sudo { h, a, pts: 0 });
            }
        }
        q.at(
            end,
            Ev::SessionEnd {
                h,
                a,
                pid,
                port,
                sess,
                mark,
            },
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn session_end(&mut self, c: &mut Core, t: i64, h: u8, a: u8, pid: u32, port: u16, sess: u32) {
        let ac = acct(a);
        let logind = self.hosts[h as usize].logind;
        let o = &mut c.out;
        self.hdr(o, t, h, "sshd", pid, 38);
        o.s("Received disconnect from ")
            .ip(ac.ip)
            .s(" port ")
            .u(u64::from(port));
        o.s(":11: disconnected by user").nl();
        self.hdr(o, t, h, "sshd", pid, 38);
        o.s("Disconnected from user ").s(ac.login).c(b' ').ip(ac.ip);
        o.s(" port ").u(u64::from(port)).nl();
        self.hdr(o, t, h, "sshd", pid, 86);
        o.s("pam_unix(sshd:session): session closed for user ")
            .s(ac.login)
            .nl();
        self.hdr(o, t, h, "systemd-logind", logind, 38);
        o.s("Session ")
            .u(u64::from(sess))
            .s(" logged out. Waiting for processes to exit.")
            .nl();
        self.hdr(o, t, h, "systemd-logind", logind, 38);
        o.s("Removed session ").u(u64::from(sess)).c(b'.').nl();
        self.hdr(o, t, h, "systemd", 1, 30);
        o.s("session-")
            .u(u64::from(sess))
            .s(".scope: Deactivated successfully.")
            .nl();
    }

    #[allow(clippy::too_many_arguments)]
    fn sudo_line(&self, o: &mut Out, t: i64, h: u8, ac: &Account, pts: u8, pre: &str, cmd: &str) {
        self.sudo_line_as(o, t, h, ac, pts, pre, "root", cmd);
    }

    #[allow(clippy::too_many_arguments)]
    fn sudo_line_as(
        &self,
        o: &mut Out,
        t: i64,
        h: u8,
        ac: &Account,
        pts: u8,
        pre: &str,
        runas: &str,
        cmd: &str,
    ) {
        self.hdr(o, t, h, "sudo", 0, 85);
        let pad = 8usize.saturating_sub(ac.login.len());
        for _ in 0..pad {
            o.c(b' ');
        }
        o.s(ac.login)
            .s(" : ")
            .s(pre)
            .s("TTY=pts/")
            .u(u64::from(pts));
        o.s(" ; PWD=/home/")
            .s(ac.login)
            .s(" ; USER=")
            .s(runas)
            .s(" ; COMMAND=")
            .s(cmd)
            .nl();
    }

    fn sudo_session(&self, o: &mut Out, t: i64, h: u8, ac: &Account) {
        self.sudo_open(o, t, h, ac, "root");
        self.sudo_close(o, t, h, "root");
    }

    fn sudo_open(&self, o: &mut Out, t: i64, h: u8, ac: &Account, runas: &str) {
        let uid = if runas == "postgres" { 114 } else { 0 };
        self.hdr(o, t, h, "sudo", 0, 86);
        o.s("pam_unix(sudo:session): session opened for user ")
            .s(runas)
            .s("(uid=")
            .u(uid)
            .s(") by ")
            .s(ac.login)
            .s("(uid=")
            .u(u64::from(ac.uid))
            .s(")")
            .nl();
    }

    fn sudo_close(&self, o: &mut Out, t: i64, h: u8, runas: &str) {
        self.hdr(o, t, h, "sudo", 0, 86);
        o.s("pam_unix(sudo:session): session closed for user ")
            .s(runas)
            .nl();
    }

    fn sudo(&mut self, c: &mut Core, t: i64, h: u8, a: u8, pts: u8) {
        let ac = acct(a);
        let web = self.hosts[h as usize].web;
        let cmd = if web {
            *c.rng.pick(&WEB_SUDO)
        } else {
            *c.rng.pick(&DB_SUDO)
        };
        if !ac.admin {
            self.sudo_line(&mut c.out, t, h, ac, pts, "user NOT in sudoers ; ", cmd);
            return;
        }
        if c.rng.chance(1, 30) && self.may_fail(a as usize, t) {
            let o = &mut c.out;
            self.hdr(o, t, h, "sudo", 0, 85);
            o.s("pam_unix(sudo:auth): authentication failure; logname=")
                .s(ac.login);
            o.s(" uid=")
                .u(u64::from(ac.uid))
                .s(" euid=0 tty=/dev/pts/")
                .u(u64::from(pts));
            o.s(" ruser=")
                .s(ac.login)
                .s(" rhost=  user=")
                .s(ac.login)
                .nl();
        }
        self.sudo_line(&mut c.out, t, h, ac, pts, "", cmd);
        self.sudo_session(&mut c.out, t, h, ac);
        if cmd == "/usr/bin/systemctl restart nginx" {
            let o = &mut c.out;
            for (pre, post) in [
                ("Stopping ", "..."),
                ("", ""),
                ("Stopped ", "."),
                ("Starting ", "..."),
                ("Started ", "."),
            ] {
                self.hdr(o, t, h, "systemd", 1, 30);
                if pre.is_empty() {
                    o.s("nginx.service: Deactivated successfully.").nl();
                } else {
                    o.s(pre).s(NGINX).s(post).nl();
                }
            }
        }
    }

    fn cron(&mut self, c: &mut Core, t: i64, h: u8, q: &mut Queue<Ev>) {
        let pid = self.pid(c, h);
        let pg = !self.hosts[h as usize].web && c.rng.chance(1, 4);
        let o = &mut c.out;
        let (user, uid) = if pg { ("postgres", 114) } else { ("root", 0) };
        self.hdr(o, t, h, "CRON", pid, 86);
        o.s("pam_unix(cron:session): session opened for user ")
            .s(user);
        o.s("(uid=").u(uid).s(") by (uid=0)").nl();
        self.hdr(o, t, h, "CRON", pid, 78);
        o.s("(").s(user).s(") CMD (");
        if pg {
            o.s("/usr/local/bin/pg_wal_archive_check.sh");
        } else {
            let cmd = CRON_ROOT[c.rng.below(CRON_ROOT.len() as u64) as usize];
            o.s(cmd);
        }
        o.c(b')').nl();
        let end = t + SEC + c.rng.below((40 * SEC) as u64) as i64;
        q.at(
            end,
            Ev::CronEnd {
                h,
                pid,
                user: u8::from(pg),
            },
        );
    }

    fn unit(&mut self, c: &mut Core, t: i64, h: u8) {
        let (unit, desc) = *c.rng.pick(&UNITS);
        let o = &mut c.out;
        self.hdr(o, t, h, "systemd", 1, 30);
        o.s("Starting ").s(unit).s(" - ").s(desc).s("...").nl();
        self.hdr(o, t, h, "systemd", 1, 30);
        o.s(unit).s(": Deactivated successfully.").nl();
        self.hdr(o, t, h, "systemd", 1, 30);
        o.s("Finished ").s(unit).s(" - ").s(desc).c(b'.').nl();
    }

    fn typo(&mut self, c: &mut Core, t: i64, h: u8, q: &mut Queue<Ev>) {
        let a: u8 = if c.rng.chance(1, 2) { 3 } else { 4 };
        let ac = acct(a);
        if !self.may_fail(a as usize, t) {
            self.session_start(c, t, h, a, q, true, 10 * MIN, NONE);
            return;
        }
        let pid = self.pid(c, h);
        let port = 32768 + c.rng.below(28000);
        let o = &mut c.out;
        self.hdr(o, t, h, "sshd", pid, 85);
        o.s("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=");
        o.ip(ac.ip).s("  user=").s(ac.login).nl();
        self.hdr(o, t, h, "sshd", pid, 38);
        o.s("Failed password for ")
            .s(ac.login)
            .s(" from ")
            .ip(ac.ip);
        o.s(" port ").u(port).s(" ssh2").nl();
        let again = t + 3 * SEC + c.rng.below((12 * SEC) as u64) as i64;
        q.at(again, Ev::Accepted { h, a, mark: NONE });
    }

    fn su(&mut self, c: &mut Core, t: i64, h: u8, q: &mut Queue<Ev>) {
        let a = c.rng.below(2) as u8;
        let ac = acct(a);
        let pid = self.pid(c, h);
        let o = &mut c.out;
        self.hdr(o, t, h, "su", pid, 85);
        o.s("(to root) ")
            .s(ac.login)
            .s(" on pts/")
            .u(1 + c.rng.below(3))
            .nl();
        self.hdr(o, t, h, "su", pid, 86);
        o.s("pam_unix(su:session): session opened for user root(uid=0) by ")
            .s(ac.login);
        o.s("(uid=").u(u64::from(ac.uid)).c(b')').nl();
        let end = t + 30 * SEC + c.rng.below((10 * MIN) as u64) as i64;
        q.at(end, Ev::SuEnd { h, pid });
    }

    fn account_admin(&mut self, c: &mut Core, t: i64, h: u8) {
        let a = c.rng.below(2) as u8;
        let ac = acct(a);
        let user = TEMP_USERS[(self.temp % 8) as usize].0;
        let uid = u64::from(TEMP_UID + self.temp % 8);
        let op = self.temp / 8 % 4;
        self.temp += 1;
        let pid = self.pid(c, h);
        let cmd: &str = match op {
            0 => "/usr/sbin/useradd -m -s /bin/bash ",
            1 => "/usr/sbin/usermod -aG archive-ops ",
            2 => "/usr/sbin/usermod -L ",
            _ => "/usr/sbin/userdel -r ",
        };
        let o = &mut c.out;
        self.hdr(o, t, h, "sudo", 0, 85);
        for _ in 0..8usize.saturating_sub(ac.login.len()) {
            o.c(b' ');
        }
        o.s(ac.login).s(" : TTY=pts/0 ; PWD=/home/").s(ac.login);
        o.s(" ; USER=root ; COMMAND=").s(cmd).s(user).nl();
        self.sudo_session(o, t, h, ac);
        match op {
            0 => {
                self.hdr(o, t, h, "useradd", pid, 86);
                o.s("new group: name=").s(user).s(", GID=").u(uid).nl();
                self.hdr(o, t, h, "useradd", pid, 86);
                o.s("new user: name=")
                    .s(user)
                    .s(", UID=")
                    .u(uid)
                    .s(", GID=")
                    .u(uid);
                o.s(", home=/home/")
                    .s(user)
                    .s(", shell=/bin/bash, from=/dev/pts/0")
                    .nl();
                self.hdr(o, t, h, "passwd", pid + 3, 86);
                o.s("pam_unix(passwd:chauthtok): password changed for ")
                    .s(user)
                    .nl();
                self.hdr(o, t, h, "chage", pid + 5, 86);
                o.s("changed password expiry for ").s(user).nl();
            }
            1 => {
                self.hdr(o, t, h, "usermod", pid, 86);
                o.s("add '").s(user).s("' to group 'archive-ops'").nl();
                self.hdr(o, t, h, "usermod", pid, 86);
                o.s("add '")
                    .s(user)
                    .s("' to shadow group 'archive-ops'")
                    .nl();
            }
            2 => {
                self.hdr(o, t, h, "usermod", pid, 86);
                o.s("lock user '").s(user).s("' password").nl();
            }
            _ => {
                self.hdr(o, t, h, "userdel", pid, 86);
                o.s("delete user '").s(user).c(b'\'').nl();
                self.hdr(o, t, h, "userdel", pid, 86);
                o.s("removed group '")
                    .s(user)
                    .s("' owned by '")
                    .s(user)
                    .c(b'\'')
                    .nl();
                self.hdr(o, t, h, "userdel", pid, 86);
                o.s("removed shadow group '")
                    .s(user)
                    .s("' owned by '")
                    .s(user)
                    .c(b'\'')
                    .nl();
            }
        }
        if op == 0 && self.temp % 5 == 1 {
            self.hdr(o, t, h, "groupadd", pid + 7, 86);
            o.s("group added to /etc/group: name=archive-ro, GID=1200")
                .nl();
            self.hdr(o, t, h, "groupadd", pid + 7, 86);
            o.s("group added to /etc/gshadow: name=archive-ro").nl();
            self.hdr(o, t, h, "groupadd", pid + 7, 86);
            o.s("new group: name=archive-ro, GID=1200").nl();
        }
    }

    fn probe(&mut self, c: &mut Core, t: i64, h: u8) {
        let pid = self.pid(c, h);
        let port = 32768 + c.rng.below(28000);
        let o = &mut c.out;
        self.hdr(o, t, h, "sshd", pid, 38);
        o.s("Connection closed by ")
            .ip(MONITOR_HOST)
            .s(" port ")
            .u(port);
        o.s(" [preauth]").nl();
    }

    fn burst_step(&mut self, c: &mut Core, t: i64, h: u8, step: u8, ip: [u8; 4]) {
        let pid = self.pid(c, h);
        let port = 32768 + c.rng.below(28000);
        let o = &mut c.out;
        if step == 0 {
            self.hdr(o, t, h, "sshd", pid, 38);
            o.s("Address ")
                .ip(ip)
                .s(" maps to scan-")
                .u(u64::from(ip[3]));
            o.s(".example.net, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!");
            o.nl();
            return;
        }
        let user = BURST_USERS[(step as usize - 1) % BURST_USERS.len()];
        if user == "root" {
            self.hdr(o, t, h, "sshd", pid, 85);
            o.s("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=");
            o.ip(ip).s("  user=root").nl();
            self.hdr(o, t, h, "sshd", pid, 38);
            o.s("Failed password for root from ")
                .ip(ip)
                .s(" port ")
                .u(port)
                .s(" ssh2")
                .nl();
            if step == 7 {
                self.hdr(o, t, h, "sshd", pid, 38);
                o.s("error: maximum authentication attempts exceeded for root from ")
                    .ip(ip);
                o.s(" port ").u(port).s(" ssh2 [preauth]").nl();
                self.hdr(o, t, h, "sshd", pid, 38);
                o.s("Disconnecting authenticating user root ")
                    .ip(ip)
                    .s(" port ")
                    .u(port);
                o.s(": Too many authentication failures [preauth]").nl();
                self.hdr(o, t, h, "sshd", pid, 85);
                o.s("PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=");
                o.ip(ip).s("  user=root").nl();
            } else {
                self.hdr(o, t, h, "sshd", pid, 38);
                o.s("Connection closed by authenticating user root ").ip(ip);
                o.s(" port ").u(port).s(" [preauth]").nl();
            }
        } else {
            self.hdr(o, t, h, "sshd", pid, 38);
            o.s("Invalid user ")
                .s(user)
                .s(" from ")
                .ip(ip)
                .s(" port ")
                .u(port)
                .nl();
            self.hdr(o, t, h, "sshd", pid, 85);
            o.s("pam_unix(sshd:auth): check pass; user unknown").nl();
            self.hdr(o, t, h, "sshd", pid, 85);
            o.s("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=");
            o.ip(ip).nl();
            self.hdr(o, t, h, "sshd", pid, 38);
            o.s("Failed password for invalid user ")
                .s(user)
                .s(" from ")
                .ip(ip);
            o.s(" port ").u(port).s(" ssh2").nl();
            self.hdr(o, t, h, "sshd", pid, 38);
            o.s("Connection closed by invalid user ")
                .s(user)
                .c(b' ')
                .ip(ip);
            o.s(" port ").u(port).s(" [preauth]").nl();
        }
    }
}

impl Auth {
    /// The events planted in `auth.log` only (arch-web01 and arch-db01), at fixed times of the
    /// month, with what each is expected to fire or not.
    #[allow(clippy::too_many_lines)]
    fn plant_more(&mut self, c: &mut Core, q: &mut Queue<Ev>) {
        let m = c.month;
        let y = m.year;
        let days = Days::of(&m);
        let (web, db) = (0u8, 1u8);
        let plants = [
            Plant {
                event: "admin_group_add",
                at: (m.nth(4, 2), 10, 20, 14),
                h: web,
                a: 0,
                runas: "root",
                cmd: "/usr/sbin/usermod -aG sudo wb_sun",
                then: Then::AddToGroup("wb_sun", "sudo"),
                needle: "add 'wb_sun' to ",
                lead: 4 * MIN,
                len: 12 * MIN,
            },
            Plant {
                event: "departed_account_locked",
                at: (days.ops_gone, 16, 40, 22),
                h: web,
                a: 0,
                runas: "root",
                cmd: "/usr/sbin/usermod -L ops_xu",
                then: Then::Lock("ops_xu"),
                needle: "lock user 'ops_xu'",
                lead: 3 * MIN,
                len: 8 * MIN,
            },
            Plant {
                event: "dump_without_ticket",
                at: (m.nth(4, 3), 15, 42, 10),
                h: db,
                a: 3,
                runas: "postgres",
                cmd: "/usr/bin/pg_dump -d archive -t public.archive_item -f /tmp/archive_item.sql",
                then: Then::Nothing,
                needle: "pg_dump -d archive -t public.archive_item",
                lead: 4 * MIN,
                len: 15 * MIN,
            },
            Plant {
                event: "backup_account_dump",
                at: (m.nth(2, 3), 9, 40, 5),
                h: db,
                a: IDX_BACKUP,
                runas: "postgres",
                cmd: "/usr/bin/pg_dump --format=custom -f /var/backups/pg/archive-manual.dump archive",
                then: Then::Nothing,
                needle: "archive-manual.dump",
                lead: 75 * SEC,
                len: 9 * MIN,
            },
            Plant {
                event: "sudo_in_release_window",
                at: (m.nth(5, 3), 21, 0, 10),
                h: web,
                a: 0,
                runas: "root",
                cmd: "/usr/bin/journalctl -u archive-web -n 500",
                then: Then::Nothing,
                needle: "journalctl -u archive-web -n 500",
                lead: 3 * MIN + 30 * SEC,
                len: 15 * MIN,
            },
            Plant {
                event: "offhours_sudo_with_ticket",
                at: (m.nth(6, 3), 22, 15, 30),
                h: web,
                a: 0,
                runas: "root",
                cmd: "/usr/bin/certbot renew --cert-name archive-web --force-renewal",
                then: Then::Nothing,
                needle: "certbot renew",
                lead: 3 * MIN + 25 * SEC,
                len: 20 * MIN,
            },
            Plant {
                event: "log_truncated",
                at: (m.nth(4, 4), 23, 47, 10),
                h: db,
                a: 1,
                runas: "root",
                cmd: "/usr/bin/truncate -s 0 /var/log/auth.log",
                then: Then::Nothing,
                needle: "truncate -s 0 /var/log/auth.log",
                lead: 3 * MIN + 8 * SEC,
                len: 9 * MIN,
            },
        ];
        for p in plants {
            let (d, hh, mm, ss) = p.at;
            let t = m.at(d, hh, mm, ss);
            let ac = acct(p.a);
            let id = c.plant(p.event, t, self.hosts[p.h as usize].name, p.needle);
            c.p(id).actor(ac.login).src_ip(ac.ip);
            match p.event {
                "admin_group_add" => {
                    c.p(id)
                        .target("sudo")
                        .count(2)
                        .fires("permission.unapproved", &[])
                        .note("usermod adds wb_sun to group sudo (and its shadow group), run with sudo by ops_li (the sudo line just before); no special_permission ticket for ops_li or wb_sun");
                }
                "departed_account_locked" => {
                    c.p(id)
                        .target(OPS_LEAVER.login)
                        .near("account.departed_active", &[])
                        .note("ops_xu leaves this day (accounts.csv) and usermod -L locks his account the same afternoon");
                }
                "dump_without_ticket" => {
                    c.p(id)
                        .target("public.archive_item")
                        .fires("data_export.unapproved", &[])
                        .note("sudo -u postgres pg_dump by a DBA, no data_export ticket");
                }
                "backup_account_dump" => {
                    c.p(id)
                        .target("archive")
                        .near("data_export.unapproved", &[])
                        .note("a manual dump by the backup account (a backup account may dump), in working hours");
                }
                "sudo_in_release_window" => {
                    c.p(id)
                        .target(p.cmd)
                        .near("admin.offhours", &[])
                        .note("Friday 21:00, inside the release window");
                }
                "offhours_sudo_with_ticket" => {
                    let tk = format!("ER-{y}-003");
                    c.approve(Approval::new(
                        tk.clone(),
                        "emergency_release",
                        None,
                        ac.login,
                        LEADER,
                        t - t.rem_euclid(30 * MIN) - 30 * MIN,
                        t - t.rem_euclid(30 * MIN) + 90 * MIN,
                        "",
                    ));
                    c.p(id)
                        .target(p.cmd)
                        .near("admin.offhours", &[])
                        .note(&format!("Saturday night, covered by {tk} in the register (operator ops_li; the line quotes no ticket)"));
                }
                _ => {
                    c.p(id)
                        .target("/var/log/auth.log")
                        .fires("audit.tampering", &["admin.offhours"])
                        .note("sudo truncate -s 0 /var/log/auth.log at night");
                }
            }
            q.at(
                t - p.lead,
                Ev::Login {
                    h: p.h,
                    a: p.a,
                    len: p.len,
                    mark: NONE,
                },
            );
            q.at(
                t,
                Ev::Cmd {
                    id,
                    h: p.h,
                    a: p.a,
                    runas: p.runas,
                    cmd: p.cmd.to_string(),
                    then: p.then,
                },
            );
        }

        // Logins of people who leave this month, on their last days.
        let logins = [
            (
                "ops_leaver_login",
                m.at(days.ops_gone - 1, 10, 5, 33),
                web,
                IDX_OPS_LEAVER,
                "for ops_xu from",
            ),
            (
                "outsourced_leaver_login",
                m.at(days.out_gone, 10, 15, 20),
                db,
                IDX_OUT_GONE,
                "for wb_qian from",
            ),
            (
                "outsourced_leaver_login",
                m.at(days.out_leaving, 14, 10, 45),
                web,
                IDX_OUT_LEAVING,
                "for wb_ma from",
            ),
        ];
        for (event, t, h, a, needle) in logins {
            let ac = acct(a);
            let id = c.plant(event, t, self.hosts[h as usize].name, needle);
            c.p(id).actor(ac.login).src_ip(ac.ip);
            match a {
                IDX_OPS_LEAVER => {
                    c.p(id).near("login.disabled_account", &[]).note(
                        "the day before he leaves (accounts.csv: departed the second Thursday)",
                    );
                }
                IDX_OUT_GONE => {
                    c.p(id)
                        .fires("account.departed_active", &[])
                        .not(&["login.disabled_account"])
                        .note("on the day he leaves (accounts.csv: departed the first Monday); nobody disables the account within 10 working days");
                }
                _ => {
                    c.p(id)
                        .near("account.departed_active", &["login.disabled_account"])
                        .note("on the day he leaves (the fourth Tuesday): the 10 working days to disable the account end next month");
                }
            }
            q.at(
                t,
                Ev::Login {
                    h,
                    a,
                    len: 25 * MIN,
                    mark: id,
                },
            );
        }

        // Failed passwords from one address across midnight (Saturday to Sunday).
        let t = m.at(m.nth(6, 3), 23, 58, 30);
        let ip = [198, 51, 100, 61];
        let id = c.plant(
            "failed_login_burst",
            t,
            self.hosts[web as usize].name,
            "198.51.100.61",
        );
        c.p(id)
            .src_ip(ip)
            .actor("root")
            .count(6)
            .fires("login.bruteforce", &[])
            .note("6 failed ssh logins within 3 minutes, across midnight: one burst");
        for step in 0..=6u8 {
            let at = t + if step == 0 {
                0
            } else {
                8 + 30 * (i64::from(step) - 1)
            } * SEC;
            q.at(
                at,
                Ev::Burst {
                    id,
                    h: web,
                    step,
                    ip,
                },
            );
        }
    }
}

/// A stable fake key fingerprint (43 base64 characters) for an account.
fn fingerprint(o: &mut Out, uid: u32) {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut r = crate::rng::Rng::new(u64::from(uid), 0x5348_4132);
    for _ in 0..43 {
        o.c(B64[(r.next_u64() & 63) as usize]);
    }
}

impl Gen for Auth {
    type Ev = Ev;
    const BASE_UNITS: u64 = 25_000;

    fn init(&mut self, c: &mut Core, q: &mut Queue<Ev>) {
        let m = c.month;
        let days = m.days;
        let (web, db, ip) = match self.style {
            Style::Rfc3164 => (0u8, 1u8, [203, 0, 113, 77]),
            Style::Rfc5424 => (0u8, 0u8, [198, 51, 100, 23]),
        };
        let host = |h: u8| self.hosts[h as usize].name;

        if c.history {
            if self.style == Style::Rfc3164 {
                // The last login of an outsourced engineer whose account stays active.
                let t = m.at(m.nth(4, 4), 15, 20, 40);
                let id = c.plant("outsourced_last_login", t, host(db), "for wb_zhou from");
                c.p(id)
                    .actor(DORMANT.login)
                    .src_ip(DORMANT.ip)
                    .fires("account.dormant_outsourced", &[])
                    .note("his last login: more than 90 days before the end of the sample month, account still active in accounts.csv");
                q.at(
                    t,
                    Ev::Login {
                        h: db,
                        a: IDX_DORMANT,
                        len: 35 * MIN,
                        mark: id,
                    },
                );
            }
            return;
        }

        // A failed-login burst at night: 8 failures within about two minutes.
        let t = m.at(
            4 + c.rng.below(u64::from(days - 8)) as u32,
            1 + c.rng.below(4) as u32,
            c.rng.below(60) as u32,
            c.rng.below(60) as u32,
        );
        let mut ipstr = String::new();
        for (i, b) in ip.iter().enumerate() {
            if i > 0 {
                ipstr.push('.');
            }
            ipstr.push_str(&b.to_string());
        }
        let id = c.plant("failed_login_burst", t, host(web), ipstr);
        c.p(id)
            .src_ip(ip)
            .actor("root")
            .count(8)
            .fires("login.bruteforce", &[])
            .note("8 failed ssh passwords within 2 minutes");
        let mut ts = t;
        for step in 0..=8u8 {
            q.at(
                ts,
                Ev::Burst {
                    id,
                    h: web,
                    step,
                    ip,
                },
            );
            ts += 8 * SEC + c.rng.below((7 * SEC) as u64) as i64;
        }

        // A departed employee logs in one evening.
        let t = m.at(
            5 + c.rng.below(u64::from(days - 10)) as u32,
            19 + c.rng.below(3) as u32,
            c.rng.below(60) as u32,
            c.rng.below(60) as u32,
        );
        let id = c.plant("departed_user_login", t, host(db), DEPARTED.login);
        c.p(id)
            .actor(DEPARTED.login)
            .src_ip(DEPARTED.ip)
            .fires("login.disabled_account", &["account.departed_active"])
            .note("account of an employee who left last month");
        q.at(
            t,
            Ev::Accepted {
                h: db,
                a: IDX_DEPARTED,
                mark: id,
            },
        );

        // An administrator edits a configuration file with sudo at 02:xx.
        let t = m.at(
            3 + c.rng.below(u64::from(days - 6)) as u32,
            2,
            10 + c.rng.below(40) as u32,
            c.rng.below(60) as u32,
        );
        let cmd = if self.hosts[db as usize].web {
            "/usr/bin/vim /etc/nginx/nginx.conf"
        } else {
            "/usr/bin/vim /etc/postgresql/15/main/pg_hba.conf"
        };
        let id = c.plant("offhours_sudo", t, host(db), format!("COMMAND={cmd}"));
        c.p(id)
            .actor(OPS[1].login)
            .src_ip(OPS[1].ip)
            .target(cmd)
            .fires("admin.offhours", &[]);
        q.at(t - 2 * MIN, Ev::PlantSession { id, h: db });

        // nginx fails to start after a restart (an incident).
        let t = m.at(
            2 + c.rng.below(u64::from(days - 4)) as u32,
            10 + c.rng.below(6) as u32,
            c.rng.below(60) as u32,
            c.rng.below(60) as u32,
        );
        let id = c.plant(
            "service_failure",
            t,
            host(web),
            "nginx.service: Failed with result",
        );
        c.p(id).target("nginx.service");
        q.at(t, Ev::PlantFail { id, h: web });

        if self.style == Style::Rfc3164 {
            self.plant_more(c, q);
        }
    }

    fn arrival(&mut self, c: &mut Core, t: i64, q: &mut Queue<Ev>) {
        let h = if self.hosts.len() > 1 && c.rng.chance(9, 20) {
            1
        } else {
            0
        };
        let r = c.rng.below(1000);
        if clock::is_work_hours(t) {
            match r {
                0..=179 => {
                    let a = c.rng.below(5) as u8;
                    let len = 2 * MIN + c.rng.below((80 * MIN) as u64) as i64;
                    self.session_start(c, t, h, a, q, true, len, NONE);
                }
                180..=419 => self.cron(c, t, h, q),
                420..=519 => self.unit(c, t, h),
                520..=569 => self.typo(c, t, h, q),
                570..=609 => self.su(c, t, h, q),
                610..=614 if !c.history => self.account_admin(c, t, h),
                _ => self.probe(c, t, h),
            }
        } else {
            match r {
                0..=499 => self.cron(c, t, h, q),
                500..=579 => {
                    let len = 20 * SEC + c.rng.below((5 * MIN) as u64) as i64;
                    self.session_start(c, t, h, IDX_BACKUP, q, false, len, NONE);
                }
                580..=699 => self.unit(c, t, h),
                _ => self.probe(c, t, h),
            }
        }
    }

    fn due(&mut self, c: &mut Core, t: i64, ev: Ev, q: &mut Queue<Ev>) {
        match ev {
            Ev::Accepted { h, a, mark } => {
                if mark != NONE {
                    c.begin(mark);
                }
                let len = 3 * MIN + c.rng.below((30 * MIN) as u64) as i64;
                self.session_start(c, t, h, a, q, mark == NONE, len, mark);
                c.end();
            }
            Ev::Sudo { h, a, pts } => self.sudo(c, t, h, a, pts),
            Ev::SessionEnd {
                h,
                a,
                pid,
                port,
                sess,
                mark,
            } => {
                if mark != NONE {
                    c.begin(mark);
                }
                self.session_end(c, t, h, a, pid, port, sess);
                c.end();
            }
            Ev::CronEnd { h, pid, user } => {
                self.hdr(&mut c.out, t, h, "CRON", pid, 86);
                let u = if user == 1 { "postgres" } else { "root" };
                c.out
                    .s("pam_unix(cron:session): session closed for user ")
                    .s(u)
                    .nl();
            }
            Ev::SuEnd { h, pid } => {
                self.hdr(&mut c.out, t, h, "su", pid, 86);
                c.out
                    .s("pam_unix(su:session): session closed for user root")
                    .nl();
            }
            Ev::Burst { id, h, step, ip } => {
                c.begin(id);
                self.burst_step(c, t, h, step, ip);
                c.end();
            }
            Ev::PlantSession { id, h } => {
                self.session_start(c, t, h, 1, q, false, 9 * MIN, NONE);
                q.at(t + 2 * MIN, Ev::PlantSudo { id, h });
            }
            Ev::PlantSudo { id, h } => {
                let cmd = c.planted[id].target.clone().unwrap_or_default();
                c.begin(id);
                self.sudo_line(&mut c.out, t, h, acct(1), 0, "", &cmd);
                self.sudo_session(&mut c.out, t, h, acct(1));
                c.end();
            }
            Ev::Login { h, a, len, mark } => {
                if mark != NONE {
                    c.begin(mark);
                }
                self.session_start(c, t, h, a, q, false, len, NONE);
                c.end();
            }
            Ev::Cmd {
                id,
                h,
                a,
                runas,
                cmd,
                then,
            } => {
                let ac = acct(a);
                let pid = self.pid(c, h);
                c.begin(id);
                let o = &mut c.out;
                self.sudo_line_as(o, t, h, ac, 0, "", runas, &cmd);
                self.sudo_open(o, t, h, ac, runas);
                match then {
                    Then::Nothing => {}
                    Then::AddToGroup(user, group) => {
                        for shadow in ["", "shadow "] {
                            self.hdr(o, t, h, "usermod", pid, 86);
                            o.s("add '")
                                .s(user)
                                .s("' to ")
                                .s(shadow)
                                .s("group '")
                                .s(group)
                                .c(b'\'')
                                .nl();
                        }
                    }
                    Then::Lock(user) => {
                        self.hdr(o, t, h, "usermod", pid, 86);
                        o.s("lock user '").s(user).s("' password").nl();
                    }
                }
                self.sudo_close(o, t, h, runas);
                c.end();
            }
            Ev::PlantFail { id, h } => {
                c.begin(id);
                let o = &mut c.out;
                self.hdr(o, t, h, "systemd", 1, 30);
                o.s("Starting ").s(NGINX).s("...").nl();
                self.hdr(o, t, h, "nginx", 0, 27);
                o.s("nginx: [emerg] bind() to 0.0.0.0:443 failed (98: Address already in use)")
                    .nl();
                self.hdr(o, t, h, "systemd", 1, 27);
                o.s("nginx.service: Control process exited, code=exited, status=1/FAILURE")
                    .nl();
                self.hdr(o, t, h, "systemd", 1, 27);
                o.s("nginx.service: Failed with result 'exit-code'.").nl();
                self.hdr(o, t, h, "systemd", 1, 27);
                o.s("Failed to start ").s(NGINX).c(b'.').nl();
                c.end();
            }
        }
    }

    fn malformed(&mut self, c: &mut Core, t: i64, variant: u32) {
        let host = self.hosts[0].name;
        let o = &mut c.out;
        match (self.style, variant) {
            (Style::Rfc3164, 1) => {
                o.s("Nov 31 25:61:99 ")
                    .s(host)
                    .s(" sshd[1]: Accepted password for")
                    .nl();
            }
            (Style::Rfc3164, _) => {
                o.ts_syslog(t);
                o.s(" ").s(host).nl();
            }
            (Style::Rfc5424, 1) => {
                o.s("<38>1 2026-11-31T25:61:00+08:00 ")
                    .s(host)
                    .s(" sshd 1 - -  Accepted")
                    .nl();
            }
            (Style::Rfc5424, _) => {
                o.s("<999>7 ").ts_rfc3339_us(t).nl();
            }
        }
    }
}
