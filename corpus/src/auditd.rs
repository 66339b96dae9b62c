//! auditd's `audit.log` of `arch-db01` in the raw format: ssh logins and logouts as PAM record
//! sequences, commands as SYSCALL/EXECVE/CWD/PATH/PROCTITLE/EOE groups, sudo as USER_CMD with a
//! hex-encoded command, cron sessions, service starts and stops, account changes and audit rule
//! changes (planted only: any change of the audit rules is for the checks to report);
//! serials increase, times are epoch seconds with milliseconds. Planted: a failed-login burst, a
//! departed employee's login, an off-hours sudo, an audit rule removed at night.

use crate::clock::{self, MIN, SEC};
use crate::driver::{Core, Gen, Queue};
use crate::out::Out;
use crate::world::{Account, BACKUP_ACCT, DEPARTED, OPS, TEMP_USERS};

const HOST: &str = "arch-db01";
const UNSET: u64 = 4_294_967_295;
const NONE: usize = usize::MAX;

fn acct(i: u8) -> &'static Account {
    match i {
        5 => &BACKUP_ACCT,
        6 => &DEPARTED,
        _ => &OPS[i as usize % OPS.len()],
    }
}

/// Commands people run in a shell: (argv, exe).
const SHELL_CMDS: [(&[&str], &str); 9] = [
    (&["ls", "-la"], "/usr/bin/ls"),
    (
        &[
            "tail",
            "-n",
            "100",
            "/var/log/postgresql/postgresql-15-main.log",
        ],
        "/usr/bin/tail",
    ),
    (&["psql", "archive"], "/usr/bin/perl"),
    (&["df", "-h"], "/usr/bin/df"),
    (&["ps", "aux"], "/usr/bin/ps"),
    (
        &["cat", "/etc/postgresql/15/main/postgresql.conf"],
        "/usr/bin/cat",
    ),
    (
        &["systemctl", "status", "postgresql@15-main"],
        "/usr/bin/systemctl",
    ),
    (&["grep", "-i", "error", "/var/log/syslog"], "/usr/bin/grep"),
    (&["du", "-sh", "/var/lib/postgresql/15/main"], "/usr/bin/du"),
];
/// Commands run with sudo.
const SUDO_CMDS: [(&[&str], &str); 4] = [
    (
        &["systemctl", "reload", "postgresql@15-main"],
        "/usr/bin/systemctl",
    ),
    (
        &["systemctl", "status", "postgresql@15-main"],
        "/usr/bin/systemctl",
    ),
    (
        &[
            "tail",
            "-n",
            "100",
            "/var/log/postgresql/postgresql-15-main.log",
        ],
        "/usr/bin/tail",
    ),
    (&["apt-get", "update"], "/usr/bin/apt-get"),
];
const UNITS: [&str; 6] = [
    "sysstat-collect",
    "logrotate",
    "apt-daily",
    "man-db",
    "phpsessionclean",
    "systemd-tmpfiles-clean",
];
/// Queued items.
pub enum Ev {
    Login {
        a: u8,
        mark: usize,
    },
    Shell {
        a: u8,
        ses: u32,
        bash: u32,
    },
    Sudo {
        a: u8,
        ses: u32,
        bash: u32,
    },
    Logout {
        a: u8,
        pid: u32,
        ses: u32,
        mark: usize,
    },
    CronEnd {
        pid: u32,
        ses: u32,
    },
    Burst {
        id: usize,
        step: u8,
    },
    PlantSession {
        id: usize,
    },
    PlantSudo {
        id: usize,
        ses: u32,
        bash: u32,
    },
    PlantRule {
        id: usize,
    },
}

/// The audit.log generator.
pub struct Auditd {
    serial: u64,
    pid: u32,
    ses: u32,
    fails: [[i64; 3]; 8],
    temp: u32,
}

impl Auditd {
    pub fn new() -> Self {
        Auditd {
            serial: 0,
            pid: 4000,
            ses: 500,
            fails: [[i64::MIN / 2; 3]; 8],
            temp: 0,
        }
    }

    fn pid(&mut self, c: &mut Core) -> u32 {
        self.pid += 1 + c.rng.below(29) as u32;
        if self.pid > 4_000_000 {
            self.pid = 1000;
        }
        self.pid
    }

    fn next_serial(&mut self, c: &mut Core) -> u64 {
        if self.serial == 0 {
            self.serial = 10_000 + c.rng.below(80_000);
        }
        self.serial += 1 + c.rng.below(3);
        self.serial
    }

    fn may_fail(&mut self, k: usize, t: i64) -> bool {
        let f = &mut self.fails[k % 8];
        if t - f[0] < 3 * MIN {
            return false;
        }
        f.rotate_left(1);
        f[2] = t;
        true
    }

    /// `type=TY msg=audit(T:S): `
    fn rec(o: &mut Out, t: i64, serial: u64, ty: &str) {
        o.s("type=")
            .s(ty)
            .s(" msg=audit(")
            .epoch_ms(t)
            .c(b':')
            .u(serial)
            .s("): ");
    }

    /// A PAM user record: `pid=.. uid=0 auid=.. ses=.. subj=unconfined msg='op=.. acct=".." ...'`.
    #[allow(clippy::too_many_arguments)]
    fn pam(
        &mut self,
        c: &mut Core,
        t: i64,
        ty: &str,
        pid: u32,
        auid: u64,
        ses: u64,
        op: &str,
        grantors: &str,
        acct: &str,
        exe: &str,
        ip: Option<[u8; 4]>,
        terminal: &str,
        ok: bool,
    ) {
        let s = self.next_serial(c);
        let o = &mut c.out;
        Self::rec(o, t, s, ty);
        o.s("pid=")
            .u(u64::from(pid))
            .s(" uid=0 auid=")
            .u(auid)
            .s(" ses=")
            .u(ses);
        o.s(" subj=unconfined msg='op=")
            .s(op)
            .s(" grantors=")
            .s(grantors);
        o.s(" acct=\"")
            .s(acct)
            .s("\" exe=\"")
            .s(exe)
            .s("\" hostname=");
        match ip {
            Some(ip) => {
                o.ip(ip).s(" addr=").ip(ip);
            }
            None => {
                o.s("? addr=?");
            }
        }
        o.s(" terminal=").s(terminal).s(" res=");
        o.s(if ok { "success'" } else { "failed'" }).nl();
    }

    fn login(&mut self, c: &mut Core, t: i64, a: u8, q: &mut Queue<Ev>, mark: usize, shell: bool) {
        let ac = acct(a);
        let pid = self.pid(c);
        self.ses += 1;
        let ses = self.ses;
        let uid = u64::from(ac.uid);
        let ip = Some(ac.ip);
        let sshd = "/usr/sbin/sshd";
        if !ac.key {
            self.pam(
                c,
                t,
                "USER_AUTH",
                pid,
                UNSET,
                UNSET,
                "PAM:authentication",
                "pam_permit,pam_unix",
                ac.login,
                sshd,
                ip,
                "ssh",
                true,
            );
        }
        self.pam(
            c,
            t,
            "USER_ACCT",
            pid,
            UNSET,
            UNSET,
            "PAM:accounting",
            "pam_permit",
            ac.login,
            sshd,
            ip,
            "ssh",
            true,
        );
        self.pam(
            c,
            t,
            "CRED_ACQ",
            pid,
            UNSET,
            UNSET,
            "PAM:setcred",
            "pam_permit",
            ac.login,
            sshd,
            ip,
            "ssh",
            true,
        );
        let s = self.next_serial(c);
        let o = &mut c.out;
        Self::rec(o, t, s, "LOGIN");
        o.s("pid=")
            .u(u64::from(pid))
            .s(" uid=0 subj=unconfined old-auid=4294967295 auid=");
        o.u(uid)
            .s(" tty=(none) old-ses=4294967295 ses=")
            .u(u64::from(ses))
            .s(" res=1")
            .nl();
        self.pam(
            c, t, "USER_START", pid, uid, u64::from(ses), "PAM:session_open",
            "pam_loginuid,pam_keyinit,pam_permit,pam_umask,pam_unix,pam_systemd,pam_mail,pam_limits,pam_env,pam_env",
            ac.login, sshd, ip, "ssh", true,
        );
        let s = self.next_serial(c);
        let o = &mut c.out;
        Self::rec(o, t, s, "USER_LOGIN");
        o.s("pid=")
            .u(u64::from(pid))
            .s(" uid=0 auid=")
            .u(uid)
            .s(" ses=")
            .u(u64::from(ses));
        o.s(" subj=unconfined msg='op=login id=").u(uid);
        o.s(" exe=\"/usr/sbin/sshd\" hostname=? addr=").ip(ac.ip);
        o.s(" terminal=/dev/pts/0 res=success'").nl();
        let bash = pid + 2;
        let len = if a == 5 {
            20 * SEC + c.rng.below((3 * MIN) as u64) as i64
        } else {
            3 * MIN + c.rng.below((60 * MIN) as u64) as i64
        };
        let end = t + len;
        if shell {
            let n = 1 + c.rng.below(6);
            let mut ts = t;
            for _ in 0..n {
                ts += 5 * SEC + c.rng.below((5 * MIN) as u64) as i64;
                if ts >= end {
                    break;
                }
                let sudo = ac.admin && c.rng.chance(1, 4) && clock::is_work_hours(ts);
                if sudo {
                    q.at(ts, Ev::Sudo { a, ses, bash });
                } else {
                    q.at(ts, Ev::Shell { a, ses, bash });
                }
            }
        }
        q.at(end, Ev::Logout { a, pid, ses, mark });
    }

    fn logout(&mut self, c: &mut Core, t: i64, a: u8, pid: u32, ses: u32) {
        let ac = acct(a);
        let uid = u64::from(ac.uid);
        let s = self.next_serial(c);
        let o = &mut c.out;
        Self::rec(o, t, s, "USER_LOGOUT");
        o.s("pid=")
            .u(u64::from(pid))
            .s(" uid=0 auid=")
            .u(uid)
            .s(" ses=")
            .u(u64::from(ses));
        o.s(" subj=unconfined msg='op=logout id=").u(uid);
        o.s(" exe=\"/usr/sbin/sshd\" hostname=? addr=").ip(ac.ip);
        o.s(" terminal=/dev/pts/0 res=success'").nl();
        let ip = Some(ac.ip);
        self.pam(
            c, t, "USER_END", pid, uid, u64::from(ses), "PAM:session_close",
            "pam_loginuid,pam_keyinit,pam_permit,pam_umask,pam_unix,pam_systemd,pam_mail,pam_limits,pam_env,pam_env",
            ac.login, "/usr/sbin/sshd", ip, "ssh", true,
        );
        self.pam(
            c,
            t,
            "CRED_DISP",
            pid,
            uid,
            u64::from(ses),
            "PAM:setcred",
            "pam_permit",
            ac.login,
            "/usr/sbin/sshd",
            ip,
            "ssh",
            true,
        );
    }

    /// A SYSCALL/EXECVE/CWD/PATH/PROCTITLE/EOE group for one execve.
    #[allow(clippy::too_many_arguments)]
    fn execve(
        &mut self,
        c: &mut Core,
        t: i64,
        argv: &[&str],
        exe: &str,
        ppid: u32,
        auid: u64,
        uid: u64,
        ses: u64,
        tty: &str,
        cwd: &str,
    ) {
        let pid = self.pid(c);
        let s = self.next_serial(c);
        let a0 = 0x5600_0000_0000 + c.rng.below(0xff_ffff_ffff);
        let o = &mut c.out;
        Self::rec(o, t, s, "SYSCALL");
        o.s("arch=c000003e syscall=59 success=yes exit=0 a0=")
            .hex(a0, 12);
        o.s(" a1=").hex(a0 + 0x50, 12).s(" a2=").hex(a0 + 0xa0, 12);
        o.s(" a3=8 items=2 ppid=")
            .u(u64::from(ppid))
            .s(" pid=")
            .u(u64::from(pid));
        o.s(" auid=").u(auid);
        for f in [
            " uid=", " gid=", " euid=", " suid=", " fsuid=", " egid=", " sgid=", " fsgid=",
        ] {
            o.s(f).u(uid);
        }
        o.s(" tty=").s(tty).s(" ses=").u(ses).s(" comm=\"");
        let comm = argv[0].rsplit('/').next().unwrap_or(argv[0]);
        o.s(&comm[..comm.len().min(15)]);
        o.s("\" exe=\"")
            .s(exe)
            .s("\" subj=unconfined key=\"exec\"")
            .nl();
        Self::rec(o, t, s, "EXECVE");
        o.s("argc=").u(argv.len() as u64);
        for (i, a) in argv.iter().enumerate() {
            o.s(" a").u(i as u64).s("=\"").s(a).c(b'"');
        }
        o.nl();
        Self::rec(o, t, s, "CWD");
        o.s("cwd=\"").s(cwd).c(b'"').nl();
        Self::rec(o, t, s, "PATH");
        o.s("item=0 name=\"")
            .s(exe)
            .s("\" inode=")
            .u(1_311_000 + (exe.len() as u64) * 131);
        o.s(" dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0").nl();
        Self::rec(o, t, s, "PATH");
        o.s("item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=1310923 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0").nl();
        Self::rec(o, t, s, "PROCTITLE");
        o.s("proctitle=");
        if argv.len() == 1 {
            o.c(b'"').s(argv[0]).c(b'"');
        } else {
            for (i, a) in argv.iter().enumerate() {
                if i > 0 {
                    o.s("00");
                }
                o.hex_bytes_upper(a.as_bytes());
            }
        }
        o.nl();
        Self::rec(o, t, s, "EOE");
        o.nl();
    }

    fn user_cmd(&mut self, c: &mut Core, t: i64, ac: &Account, ses: u32, cmd: &str) {
        let pid = self.pid(c);
        let s = self.next_serial(c);
        let o = &mut c.out;
        Self::rec(o, t, s, "USER_CMD");
        o.s("pid=")
            .u(u64::from(pid))
            .s(" uid=")
            .u(u64::from(ac.uid))
            .s(" auid=");
        o.u(u64::from(ac.uid)).s(" ses=").u(u64::from(ses));
        o.s(" subj=unconfined msg='cwd=\"/home/")
            .s(ac.login)
            .s("\" cmd=");
        if cmd.contains(' ') {
            o.hex_bytes_upper(cmd.as_bytes());
        } else {
            o.c(b'"').s(cmd).c(b'"');
        }
        o.s(" exe=\"/usr/bin/sudo\" terminal=pts/0 res=success'")
            .nl();
    }

    fn sudo(&mut self, c: &mut Core, t: i64, a: u8, ses: u32, bash: u32) {
        let ac = acct(a);
        let (argv, exe) = *c.rng.pick(&SUDO_CMDS);
        let cmd = argv.join(" ");
        self.user_cmd(c, t, ac, ses, &cmd);
        let pid = self.pid(c);
        let uid = u64::from(ac.uid);
        self.pam(
            c,
            t,
            "USER_START",
            pid,
            uid,
            u64::from(ses),
            "PAM:session_open",
            "pam_limits,pam_env,pam_env,pam_permit,pam_unix",
            "root",
            "/usr/bin/sudo",
            None,
            "/dev/pts/0",
            true,
        );
        let home = format!("/home/{}", ac.login);
        self.execve(c, t, argv, exe, bash, uid, 0, u64::from(ses), "pts0", &home);
        self.pam(
            c,
            t,
            "USER_END",
            pid,
            uid,
            u64::from(ses),
            "PAM:session_close",
            "pam_limits,pam_env,pam_env,pam_permit,pam_unix",
            "root",
            "/usr/bin/sudo",
            None,
            "/dev/pts/0",
            true,
        );
    }

    fn cron(&mut self, c: &mut Core, t: i64, q: &mut Queue<Ev>) {
        let pid = self.pid(c);
        self.ses += 1;
        let ses = self.ses;
        let cron = "/usr/sbin/cron";
        self.pam(
            c,
            t,
            "USER_ACCT",
            pid,
            UNSET,
            UNSET,
            "PAM:accounting",
            "pam_permit",
            "root",
            cron,
            None,
            "cron",
            true,
        );
        self.pam(
            c,
            t,
            "CRED_ACQ",
            pid,
            UNSET,
            UNSET,
            "PAM:setcred",
            "pam_permit",
            "root",
            cron,
            None,
            "cron",
            true,
        );
        let s = self.next_serial(c);
        let o = &mut c.out;
        Self::rec(o, t, s, "LOGIN");
        o.s("pid=").u(u64::from(pid)).s(
            " uid=0 subj=unconfined old-auid=4294967295 auid=0 tty=(none) old-ses=4294967295 ses=",
        );
        o.u(u64::from(ses)).s(" res=1").nl();
        self.pam(
            c,
            t,
            "USER_START",
            pid,
            0,
            u64::from(ses),
            "PAM:session_open",
            "pam_loginuid,pam_env,pam_env,pam_permit,pam_unix,pam_limits",
            "root",
            cron,
            None,
            "cron",
            true,
        );
        if c.rng.chance(1, 3) {
            self.execve(
                c,
                t,
                &["/usr/lib/sysstat/debian-sa1", "1", "1"],
                "/usr/bin/dash",
                pid + 1,
                0,
                0,
                u64::from(ses),
                "(none)",
                "/root",
            );
        }
        let end = t + SEC + c.rng.below((30 * SEC) as u64) as i64;
        q.at(end, Ev::CronEnd { pid, ses });
    }

    fn wal_archive(&mut self, c: &mut Core, t: i64) {
        let seg = c.rng.below(0xFFFF);
        let name = format!(
            "cp pg_wal/000000010000002A0000{seg:04X} /var/lib/postgresql/wal_archive/000000010000002A0000{seg:04X}"
        );
        let argv = ["sh", "-c", &name];
        self.execve(
            c,
            t,
            &argv,
            "/usr/bin/dash",
            812,
            UNSET,
            114,
            UNSET,
            "(none)",
            "/var/lib/postgresql/15/main",
        );
    }

    fn service(&mut self, c: &mut Core, t: i64) {
        let unit = *c.rng.pick(&UNITS);
        for ty in ["SERVICE_START", "SERVICE_STOP"] {
            let s = self.next_serial(c);
            let o = &mut c.out;
            Self::rec(o, t, s, ty);
            o.s("pid=1 uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='unit=")
                .s(unit);
            o.s(" comm=\"systemd\" exe=\"/usr/lib/systemd/systemd\" hostname=? addr=? terminal=? res=success'").nl();
        }
    }

    fn typo(&mut self, c: &mut Core, t: i64, q: &mut Queue<Ev>) {
        let a: u8 = if c.rng.chance(1, 2) { 3 } else { 4 };
        let ac = acct(a);
        if self.may_fail(a as usize, t) {
            let pid = self.pid(c);
            self.pam(
                c,
                t,
                "USER_AUTH",
                pid,
                UNSET,
                UNSET,
                "PAM:authentication",
                "?",
                ac.login,
                "/usr/sbin/sshd",
                Some(ac.ip),
                "ssh",
                false,
            );
        }
        q.at(
            t + 4 * SEC + c.rng.below((10 * SEC) as u64) as i64,
            Ev::Login { a, mark: NONE },
        );
    }

    fn account(&mut self, c: &mut Core, t: i64) {
        let ac = acct(c.rng.below(2) as u8);
        let user = TEMP_USERS[(self.temp % 4) as usize].0;
        let del = self.temp / 4 % 2 == 1;
        self.temp += 1;
        let pid = self.pid(c);
        let recs: &[(&str, &str, &str)] = if del {
            &[
                ("DEL_USER", "delete-user", "/usr/sbin/userdel"),
                ("DEL_GROUP", "delete-group", "/usr/sbin/userdel"),
            ]
        } else {
            &[
                ("ADD_GROUP", "add-group", "/usr/sbin/useradd"),
                ("ADD_USER", "add-user", "/usr/sbin/useradd"),
                ("USER_CHAUTHTOK", "PAM:chauthtok", "/usr/bin/passwd"),
            ]
        };
        for &(ty, op, exe) in recs {
            let s = self.next_serial(c);
            let o = &mut c.out;
            Self::rec(o, t, s, ty);
            o.s("pid=")
                .u(u64::from(pid))
                .s(" uid=0 auid=")
                .u(u64::from(ac.uid));
            o.s(" ses=")
                .u(u64::from(self.ses))
                .s(" subj=unconfined msg='op=")
                .s(op);
            if ty == "USER_CHAUTHTOK" {
                o.s(" grantors=pam_permit,pam_unix");
            }
            o.s(" acct=\"")
                .s(user)
                .s("\" exe=\"")
                .s(exe)
                .s("\" hostname=")
                .s(HOST);
            o.s(" addr=? terminal=pts/0 res=success'").nl();
        }
    }

    fn config_change(&mut self, c: &mut Core, t: i64, op: &str, key: &str, auid: u32) {
        let s = self.next_serial(c);
        let o = &mut c.out;
        Self::rec(o, t, s, "CONFIG_CHANGE");
        o.s("auid=")
            .u(u64::from(auid))
            .s(" ses=")
            .u(u64::from(self.ses));
        o.s(" subj=unconfined op=")
            .s(op)
            .s(" key=\"")
            .s(key)
            .s("\" list=4 res=1")
            .nl();
    }

    fn burst(&mut self, c: &mut Core, t: i64) {
        let ip = Some([203, 0, 113, 88]);
        let pid = self.pid(c);
        self.pam(
            c,
            t,
            "USER_AUTH",
            pid,
            UNSET,
            UNSET,
            "PAM:authentication",
            "?",
            "root",
            "/usr/sbin/sshd",
            ip,
            "ssh",
            false,
        );
        let s = self.next_serial(c);
        let o = &mut c.out;
        Self::rec(o, t, s, "USER_LOGIN");
        o.s("pid=").u(u64::from(pid));
        o.s(" uid=0 auid=4294967295 ses=4294967295 subj=unconfined msg='op=login acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=203.0.113.88 terminal=sshd res=failed'");
        o.nl();
    }
}

impl Gen for Auditd {
    type Ev = Ev;
    const BASE_UNITS: u64 = 30_000;

    fn init(&mut self, c: &mut Core, q: &mut Queue<Ev>) {
        let m = c.month;
        let days = m.days;
        if c.history {
            return;
        }
        let day =
            |c: &mut Core, lo: u32, span: u32| lo + c.rng.below(u64::from(days - span)) as u32;

        let d = day(c, 3, 7);
        let t = m.at(d, 3, c.rng.below(60) as u32, c.rng.below(60) as u32);
        let id = c.plant("failed_login_burst", t, HOST, "addr=203.0.113.88");
        c.p(id)
            .src_ip([203, 0, 113, 88])
            .actor("root")
            .count(7)
            .fires("login.bruteforce", &[]);
        let mut ts = t;
        for step in 0..7u8 {
            q.at(ts, Ev::Burst { id, step });
            ts += 5 * SEC + c.rng.below((15 * SEC) as u64) as i64;
        }

        let d = day(c, 4, 9);
        let t = m.at(d, 20, c.rng.below(60) as u32, c.rng.below(60) as u32);
        let id = c.plant("departed_user_login", t, HOST, "acct=\"liuyang\"");
        c.p(id)
            .actor(DEPARTED.login)
            .src_ip(DEPARTED.ip)
            .fires("login.disabled_account", &["account.departed_active"]);
        q.at(t, Ev::Login { a: 6, mark: id });

        let d = day(c, 3, 6);
        let t = m.at(d, 1, 10 + c.rng.below(40) as u32, c.rng.below(60) as u32);
        let cmd = "vim /etc/postgresql/15/main/pg_hba.conf";
        let mut hex = String::new();
        for b in cmd.bytes() {
            hex.push_str(&format!("{b:02X}"));
        }
        let id = c.plant("offhours_sudo", t, HOST, hex);
        c.p(id)
            .actor(OPS[1].login)
            .src_ip(OPS[1].ip)
            .target(cmd)
            .fires("admin.offhours", &[]);
        q.at(t - 3 * MIN, Ev::PlantSession { id });

        let d = day(c, 3, 6);
        let t = m.at(d, 23, c.rng.below(50) as u32, c.rng.below(60) as u32);
        let id = c.plant("audit_rule_removed", t, HOST, "op=remove_rule");
        c.p(id)
            .actor(OPS[1].login)
            .target("pg-conf")
            .fires("audit.tampering", &[]);
        q.at(t, Ev::PlantRule { id });
    }

    fn arrival(&mut self, c: &mut Core, t: i64, q: &mut Queue<Ev>) {
        let r = c.rng.below(1000);
        if clock::is_work_hours(t) {
            match r {
                0..=149 => {
                    let a = c.rng.below(5) as u8;
                    self.login(c, t, a, q, NONE, true);
                }
                150..=449 => self.cron(c, t, q),
                450..=749 => self.wal_archive(c, t),
                750..=849 => self.service(c, t),
                850..=869 => self.typo(c, t, q),
                870..=874 => self.account(c, t),
                _ => {
                    self.execve(
                        c,
                        t,
                        &["df", "-P"],
                        "/usr/bin/df",
                        700,
                        UNSET,
                        110,
                        UNSET,
                        "(none)",
                        "/",
                    );
                }
            }
        } else {
            match r {
                0..=399 => self.cron(c, t, q),
                400..=699 => self.wal_archive(c, t),
                700..=799 => self.service(c, t),
                800..=879 => self.login(c, t, 5, q, NONE, false),
                _ => {
                    self.execve(
                        c,
                        t,
                        &["df", "-P"],
                        "/usr/bin/df",
                        700,
                        UNSET,
                        110,
                        UNSET,
                        "(none)",
                        "/",
                    );
                }
            }
        }
    }

    fn due(&mut self, c: &mut Core, t: i64, ev: Ev, q: &mut Queue<Ev>) {
        match ev {
            Ev::Login { a, mark } => {
                if mark != NONE {
                    c.begin(mark);
                }
                self.login(c, t, a, q, mark, mark == NONE);
                c.end();
            }
            Ev::Shell { a, ses, bash } => {
                let ac = acct(a);
                let (argv, exe) = *c.rng.pick(&SHELL_CMDS);
                let home = format!("/home/{}", ac.login);
                let uid = u64::from(ac.uid);
                self.execve(
                    c,
                    t,
                    argv,
                    exe,
                    bash,
                    uid,
                    uid,
                    u64::from(ses),
                    "pts0",
                    &home,
                );
            }
            Ev::Sudo { a, ses, bash } => self.sudo(c, t, a, ses, bash),
            Ev::Logout { a, pid, ses, mark } => {
                if mark != NONE {
                    c.begin(mark);
                }
                self.logout(c, t, a, pid, ses);
                c.end();
            }
            Ev::CronEnd { pid, ses } => {
                let cron = "/usr/sbin/cron";
                self.pam(
                    c,
                    t,
                    "CRED_DISP",
                    pid,
                    0,
                    u64::from(ses),
                    "PAM:setcred",
                    "pam_permit",
                    "root",
                    cron,
                    None,
                    "cron",
                    true,
                );
                self.pam(
                    c,
                    t,
                    "USER_END",
                    pid,
                    0,
                    u64::from(ses),
                    "PAM:session_close",
                    "pam_loginuid,pam_env,pam_env,pam_permit,pam_unix,pam_limits",
                    "root",
                    cron,
                    None,
                    "cron",
                    true,
                );
            }
            Ev::Burst { id, step } => {
                c.begin(id);
                self.burst(c, t);
                let _ = step;
                c.end();
            }
            Ev::PlantSession { id } => {
                self.login(c, t, 1, q, NONE, false);
                let ses = self.ses;
                q.at(
                    t + 3 * MIN,
                    Ev::PlantSudo {
                        id,
                        ses,
                        bash: self.pid + 2,
                    },
                );
            }
            Ev::PlantSudo { id, ses, bash } => {
                let ac = acct(1);
                c.begin(id);
                self.user_cmd(c, t, ac, ses, "vim /etc/postgresql/15/main/pg_hba.conf");
                c.end();
                let home = format!("/home/{}", ac.login);
                self.execve(
                    c,
                    t,
                    &["vim", "/etc/postgresql/15/main/pg_hba.conf"],
                    "/usr/bin/vim.basic",
                    bash,
                    u64::from(ac.uid),
                    0,
                    u64::from(ses),
                    "pts0",
                    &home,
                );
            }
            Ev::PlantRule { id } => {
                c.begin(id);
                self.config_change(c, t, "remove_rule", "pg-conf", OPS[1].uid);
                c.end();
            }
        }
    }

    fn malformed(&mut self, c: &mut Core, t: i64, variant: u32) {
        let o = &mut c.out;
        if variant == 1 {
            o.s("type=SYSCALL msg=audit(").epoch_ms(t).s(":").nl();
        } else {
            o.s("type=USER_LOGIN msg=audit(notanumber:12): pid=1 uid=0")
                .nl();
        }
    }
}
