//! Table tests of real auditd records (whole events), the assembler's rules, and property tests.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::Event;

fn ctx() -> ParseContext {
    ParseContext::new(
        "audit",
        "ctx-host",
        chrono_tz::UTC,
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    )
}

fn run_with(parser: &mut AuditdParser, lines: &[&str]) -> Vec<Output> {
    let text = lines.join("\n");
    crate::parse_text(parser, &ctx(), "audit.log", text.as_bytes())
}

fn run(lines: &[&str]) -> Vec<Output> {
    run_with(&mut AuditdParser::new(), lines)
}

/// The events of `lines`, as JSON.
fn events(lines: &[&str]) -> Vec<Value> {
    run(lines)
        .into_iter()
        .map(|o| serde_json::to_value(o.expect("an event")).unwrap())
        .collect()
}

/// The one event of `lines`.
fn one(lines: &[&str]) -> Value {
    let mut v = events(lines);
    assert_eq!(v.len(), 1, "{v:#?}");
    v.remove(0)
}

const LAUREL_EXECVE: &str =
    include_str!("../../../tests/fixtures/realdata/threathunters-io_laurel/record-execve.txt");
const LAUREL_CONNECT: &str =
    include_str!("../../../tests/fixtures/realdata/threathunters-io_laurel/record-connect.txt");
const LAUREL_SERVICE: &str = include_str!(
    "../../../tests/fixtures/realdata/threathunters-io_laurel/record-service-start.txt"
);
const TEST4: &str = include_str!(
    "../../../tests/fixtures/realdata/linux-audit_audit-userspace/auparse_test_test4.log"
);
const YAML_1610: &str = include_str!(
    "../../../tests/fixtures/realdata/elastic_go-libaudit/aucoalesce_testdata_ubuntu-16.10-linux-4.8.0.yaml"
);

/// The records of serial `serial` in the go-libaudit YAML fixture.
fn yaml_records(serial: &str) -> Vec<&'static str> {
    let pat = format!(":{serial})");
    YAML_1610
        .lines()
        .filter(|l| l.contains(&pat))
        .map(str::trim)
        .collect()
}

#[test]
fn sudo_user_cmd() {
    let l = "type=USER_CMD msg=audit(1488862769.030:19469538): user pid=3027 uid=497 auid=700 ses=11988 msg='cwd=\"/\" cmd=2F7573722F6C696236342F6E6167696F732F706C7567696E732F636865636B5F617374657269736B5F7369705F7065657273202D7020313037 terminal=? res=success'";
    let fields = json!({
                "auid": "700", "command": "/usr/lib64/nagios/plugins/check_asterisk_sip_peers -p 107", "cwd": "/",
                "pid": 3027, "res": "success", "serial": 19469538, "ses": 11988, "terminal": "?",
                "type": "USER_CMD", "types": ["USER_CMD"], "uid": "497"
    });
    assert_eq!(
        one(&[l]),
        json!({
            "id": "0000000000000000000000000000", "ts": "2017-03-07T04:59:29.030Z", "host": "ctx-host",
            "source": "audit", "format": "auditd", "category": "admin", "action": "sudo.command",
            "outcome": "success", "actor": "700", "actor_role": null, "src_ip": null,
            "target": "/usr/lib64/nagios/plugins/check_asterisk_sip_peers -p 107", "ticket": null,
            "message": "USER_CMD cwd=/ cmd=/usr/lib64/nagios/plugins/check_asterisk_sip_peers -p 107 terminal=? res=success",
            "raw": l,
            "fields": fields,
            "origin": {"path": "audit.log", "offset": 0, "line": 1}
        })
    );
}

#[test]
fn user_login_failure_of_an_invalid_user() {
    let l = "type=USER_LOGIN msg=audit(1492896301.818:19955): pid=12635 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=28696E76616C6964207573657229 exe=\"/usr/sbin/sshd\" hostname=? addr=179.38.151.221 terminal=sshd res=failed'";
    let fields = json!({
                "acct": "(invalid user)", "addr": "179.38.151.221", "auid": "4294967295", "exe": "/usr/sbin/sshd",
                "hostname": "?", "op": "login", "pid": 12635, "res": "failed", "serial": 19955,
                "ses": 4294967295u64, "terminal": "sshd", "type": "USER_LOGIN", "types": ["USER_LOGIN"], "uid": "0"
    });
    assert_eq!(
        one(&[l]),
        json!({
            "id": "0000000000000000000000000000", "ts": "2017-04-22T21:25:01.818Z", "host": "ctx-host",
            "source": "audit", "format": "auditd", "category": "login", "action": "login.invalid_user",
            "outcome": "failure", "actor": null, "actor_role": null, "src_ip": "179.38.151.221",
            "target": null, "ticket": null,
            "message": "USER_LOGIN op=login acct=(invalid user) exe=/usr/sbin/sshd hostname=? addr=179.38.151.221 terminal=sshd res=failed",
            "raw": l,
            "fields": fields,
            "origin": {"path": "audit.log", "offset": 0, "line": 1}
        })
    );
    // A named account's failure is login.failure, with the account as actor.
    let l = "type=USER_LOGIN msg=audit(1492896301.818:19956): pid=12635 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=\"alice\" exe=\"/usr/sbin/sshd\" hostname=? addr=10.1.2.3 terminal=sshd res=failed'";
    let e = one(&[l]);
    assert_eq!(
        (&e["action"], &e["actor"], &e["outcome"]),
        (&json!("login.failure"), &json!("alice"), &json!("failure"))
    );
}

#[test]
fn execve_group() {
    let lines = yaml_records("8972");
    assert_eq!(lines.len(), 7);
    let fields = json!({
                "arch": "x86_64", "argc": 2, "argv": "uname -a", "auid": "1001", "comm": "uname",
                "cwd": "/home/andrew_kroh", "egid": "1002", "euid": "1001", "exe": "/bin/uname", "exit": 0,
                "fsgid": "1002", "fsuid": "1001", "gid": "1002", "items": 2, "key": "key=user_commands",
                "paths": [
                    {"name": "/bin/uname", "nametype": "NORMAL"},
                    {"name": "/lib64/ld-linux-x86-64.so.2", "nametype": "NORMAL"}
                ],
                "pid": 10043, "ppid": 10027, "proctitle": "uname -a", "serial": 8972, "ses": 11, "sgid": "1002",
                "success": "yes", "suid": "1001", "syscall": "execve", "tty": "pts0", "type": "SYSCALL",
                "types": ["SYSCALL", "EXECVE", "CWD", "PATH", "PATH", "PROCTITLE", "EOE"], "uid": "1001"
    });
    assert_eq!(
        one(&lines),
        json!({
            "id": "0000000000000000000000000000", "ts": "2017-04-21T05:28:42.985Z", "host": "ctx-host",
            "source": "audit", "format": "auditd", "category": "admin", "action": "process.exec",
            "outcome": "success", "actor": "1001", "actor_role": null, "src_ip": null, "target": "/bin/uname",
            "ticket": null, "message": "exec uname -a [key=key=user_commands]",
            "raw": lines.join("\n"),
            "fields": fields,
            "origin": {"path": "audit.log", "offset": 0, "line": 1}
        })
    );
}

#[test]
fn enriched_execve_with_node() {
    let lines: Vec<&str> = LAUREL_EXECVE.lines().collect();
    let fields = json!({
                "ARCH": "x86_64", "AUID": "user", "EGID": "root", "EUID": "root", "FSGID": "root", "FSUID": "root",
                "GID": "root", "SGID": "root", "SUID": "root", "SYSCALL": "execve", "UID": "root",
                "arch": "x86_64", "argc": 1, "argv": "whoami", "auid": "1000", "comm": "whoami",
                "cwd": "/home/user/tmp", "egid": "0", "euid": "0", "exe": "/usr/bin/whoami", "exit": 0,
                "fsgid": "0", "fsuid": "0", "gid": "0", "items": 2,
                "paths": [
                    {"name": "/usr/bin/whoami", "nametype": "NORMAL"},
                    {"name": "/lib64/ld-linux-x86-64.so.2", "nametype": "NORMAL"}
                ],
                "pid": 10884, "ppid": 10883, "proctitle": "whoami", "serial": 15558, "ses": 1, "sgid": "0",
                "success": "yes", "suid": "0", "syscall": "execve", "tty": "pts1", "type": "SYSCALL",
                "types": ["SYSCALL", "EXECVE", "CWD", "PATH", "PATH", "PROCTITLE", "EOE"], "uid": "0"
    });
    assert_eq!(
        one(&lines),
        json!({
            "id": "0000000000000000000000000000", "ts": "2021-03-07T10:50:32.375Z", "host": "work",
            "source": "audit", "format": "auditd", "category": "admin", "action": "process.exec",
            "outcome": "success", "actor": "user", "actor_role": null, "src_ip": null,
            "target": "/usr/bin/whoami", "ticket": null, "message": "exec whoami",
            "raw": lines.join("\n"),
            "fields": fields,
            "origin": {"path": "audit.log", "offset": 0, "line": 1}
        })
    );
}

#[test]
fn node_service_start() {
    let l = "node=localhost.localdomain type=SERVICE_START msg=audit(1594053514.709:6): pid=1 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 msg='unit=auditd comm=\"systemd\" exe=\"/usr/lib/systemd/systemd\" hostname=? addr=? terminal=? res=success'";
    let fields = json!({
                "addr": "?", "auid": "4294967295", "comm": "systemd", "exe": "/usr/lib/systemd/systemd",
                "hostname": "?", "pid": 1, "res": "success", "serial": 6, "ses": 4294967295u64,
                "subj": "system_u:system_r:init_t:s0", "terminal": "?", "type": "SERVICE_START",
                "types": ["SERVICE_START"], "uid": "0", "unit": "auditd"
    });
    assert_eq!(
        one(&[l]),
        json!({
            "id": "0000000000000000000000000000", "ts": "2020-07-06T16:38:34.709Z", "host": "localhost.localdomain",
            "source": "audit", "format": "auditd", "category": "system", "action": "service.start",
            "outcome": "success", "actor": null, "actor_role": null, "src_ip": null, "target": "auditd",
            "ticket": null,
            "message": "SERVICE_START unit=auditd comm=systemd exe=/usr/lib/systemd/systemd hostname=? addr=? terminal=? res=success",
            "raw": l,
            "fields": fields,
            "origin": {"path": "audit.log", "offset": 0, "line": 1}
        })
    );
}

#[test]
fn add_user() {
    let l = "type=ADD_USER msg=audit(1610903553.730:591): pid=2945 uid=0 auid=1000 ses=14 msg='op=adding user id=1004 exe=\"/usr/sbin/useradd\" hostname=ubuntu-bionic addr=127.0.0.1 terminal=pts/2 res=success'";
    let fields = json!({
                "addr": "127.0.0.1", "auid": "1000", "exe": "/usr/sbin/useradd", "hostname": "ubuntu-bionic",
                "id": "1004", "op": "adding user", "pid": 2945, "res": "success", "serial": 591, "ses": 14,
                "terminal": "pts/2", "type": "ADD_USER", "types": ["ADD_USER"], "uid": "0"
    });
    assert_eq!(
        one(&[l]),
        json!({
            "id": "0000000000000000000000000000", "ts": "2021-01-17T17:12:33.730Z", "host": "ctx-host",
            "source": "audit", "format": "auditd", "category": "account", "action": "account.create",
            "outcome": "success", "actor": "1000", "actor_role": null, "src_ip": "127.0.0.1", "target": "1004",
            "ticket": null,
            "message": "ADD_USER op=adding user id=1004 exe=/usr/sbin/useradd hostname=ubuntu-bionic addr=127.0.0.1 terminal=pts/2 res=success",
            "raw": l,
            "fields": fields,
            "origin": {"path": "audit.log", "offset": 0, "line": 1}
        })
    );
}

#[test]
fn user_chauthtok() {
    let l = "type=USER_CHAUTHTOK msg=audit(1610903558.174:594): pid=2953 uid=0 auid=1000 ses=14 msg='op=PAM:chauthtok acct=\"charlie\" exe=\"/usr/bin/passwd\" hostname=ubuntu-bionic addr=127.0.0.1 terminal=pts/2 res=success'";
    let fields = json!({
                "acct": "charlie", "addr": "127.0.0.1", "auid": "1000", "exe": "/usr/bin/passwd",
                "hostname": "ubuntu-bionic", "op": "PAM:chauthtok", "pid": 2953, "res": "success", "serial": 594,
                "ses": 14, "terminal": "pts/2", "type": "USER_CHAUTHTOK", "types": ["USER_CHAUTHTOK"], "uid": "0"
    });
    assert_eq!(
        one(&[l]),
        json!({
            "id": "0000000000000000000000000000", "ts": "2021-01-17T17:12:38.174Z", "host": "ctx-host",
            "source": "audit", "format": "auditd", "category": "account", "action": "password.change",
            "outcome": "success", "actor": "1000", "actor_role": null, "src_ip": "127.0.0.1", "target": "charlie",
            "ticket": null,
            "message": "USER_CHAUTHTOK op=PAM:chauthtok acct=charlie exe=/usr/bin/passwd hostname=ubuntu-bionic addr=127.0.0.1 terminal=pts/2 res=success",
            "raw": l,
            "fields": fields,
            "origin": {"path": "audit.log", "offset": 0, "line": 1}
        })
    );
}

#[test]
fn config_change() {
    let lines = yaml_records("8068");
    let fields = json!({
                "auid": "1001", "key": "auth", "list": "4", "op": "updated_rules", "path": "/etc/gshadow",
                "res": "1", "serial": 8068, "ses": 6, "type": "CONFIG_CHANGE", "types": ["CONFIG_CHANGE"]
    });
    assert_eq!(
        one(&lines),
        json!({
            "id": "0000000000000000000000000000", "ts": "2017-04-21T03:01:04.836Z", "host": "ctx-host",
            "source": "audit", "format": "auditd", "category": "config", "action": "audit.config_change",
            "outcome": "success", "actor": "1001", "actor_role": null, "src_ip": null, "target": "/etc/gshadow",
            "ticket": null,
            "message": "CONFIG_CHANGE auid=1001 ses=6 op=updated_rules path=/etc/gshadow key=auth list=4 res=1",
            "raw": lines[0],
            "fields": fields,
            "origin": {"path": "audit.log", "offset": 0, "line": 1}
        })
    );
}

const ARGV48: &str = "/bin/sh -efu /usr/bin/ld -plugin /usr/libexec/gcc/aarch64-alt-linux/8/liblto_plugin.so -plugin-opt=/usr/libexec/gcc/aarch64-alt-linux/8/lto-wrapper -plugin-opt=-fresolution=/usr/src/tmp/cchyHiZN.res -plugin-opt=-pass-through=-lgcc -plugin-opt=-pass-through=-lgcc_s -plugin-opt=-pass-through=-lc -plugin-opt=-pass-through=-lgcc -plugin-opt=-pass-through=-lgcc_s --build-id --no-add-needed --eh-frame-hdr --hash-style=gnu --as-needed -shared -X -EL -maarch64linux -o ztest105133.so /usr/lib64/gcc/aarch64-alt-linux/8/../../../../lib64/crti.o /usr/lib64/gcc/aarch64-alt-linux/8/crtbeginS.o -L/usr/lib64/gcc/aarch64-alt-linux/8 -L/usr/lib64/gcc/aarch64-alt-linux/8/../../../../lib64 -L/lib/../lib64 -L/usr/lib/../lib64 -L/usr/lib64/gcc/aarch64-alt-linux/8/../../.. -soname libz.so.1 --version-script zlib.map ztest105133.o -lgcc --push-state --as-needed -lgcc_s --pop-state -lc -lgcc --push-state --as-needed -lgcc_s --pop-state /usr/lib64/gcc/aarch64-alt-linux/8/crtendS.o /usr/lib64/gcc/aarch64-alt-linux/8/../../../../lib64/crtn.o";

#[test]
fn long_execve_argc_48() {
    let lines: Vec<&str> = TEST4.lines().take(7).collect();
    assert_eq!(ARGV48.split(' ').count(), 48);
    let fields = json!({
                "arch": "x86_64", "argc": 48, "argv": ARGV48, "auid": "573", "comm": "ld",
                "cwd": "/usr/src/RPM/BUILD/zlib-1.2.11-alt1", "egid": "583", "euid": "583", "exe": "/bin/sh4",
                "exit": 0, "fsgid": "583", "fsuid": "583", "gid": "583", "items": 3,
                "paths": [
                    {"name": "/usr/bin/ld", "nametype": "NORMAL"},
                    {"name": "/bin/sh", "nametype": "NORMAL"},
                    {"name": "/lib64/ld-linux-aarch64.so.1", "nametype": "NORMAL"}
                ],
                "pid": 105183, "ppid": 105182,
                "proctitle": "/bin/sh -efu /usr/bin/ld -plugin /usr/libexec/gcc/aarch64-alt-linux/8/liblto_plugin.so -plugin-opt=/usr/libexec/gcc/aarch64-alt-",
                "serial": 25618, "ses": 2632, "sgid": "583", "success": "yes", "suid": "583", "syscall": "execve",
                "tty": "pts2", "type": "SYSCALL",
                "types": ["SYSCALL", "EXECVE", "CWD", "PATH", "PATH", "PATH", "PROCTITLE"], "uid": "583"
    });
    assert_eq!(
        one(&lines),
        json!({
            "id": "0000000000000000000000000000", "ts": "2022-06-17T11:29:58.534Z", "host": "ctx-host",
            "source": "audit", "format": "auditd", "category": "admin", "action": "process.exec",
            "outcome": "success", "actor": "573", "actor_role": null, "src_ip": null, "target": "/bin/sh4",
            "ticket": null, "message": format!("exec {ARGV48}"),
            "raw": lines.join("\n"),
            "fields": fields,
            "origin": {"path": "audit.log", "offset": 0, "line": 1}
        })
    );
}

/// Two connect events of the laurel fixture with their records interleaved.
#[test]
fn interleaved_serials() {
    let l: Vec<&str> = LAUREL_CONNECT.lines().collect();
    // 681: SYSCALL SOCKADDR EOE (l[0..3]); 682: SYSCALL SOCKADDR EOE (l[3..6]).
    let order = [l[0], l[3], l[4], l[1], l[2], l[5]];
    let mut p = AuditdParser::new();
    let c = ctx();
    let mut out = Vec::new();
    let mut offset = 0u64;
    let mut pending = Vec::new();
    for (n, rec) in order.iter().enumerate() {
        let line = RawLine {
            bytes: rec.as_bytes(),
            path: "audit.log",
            file_id: 7,
            offset,
            line: n as u64 + 1,
        };
        p.feed(&line, &c, &mut out);
        pending.push(p.pending_offset());
        offset += rec.len() as u64 + 1;
    }
    // 681 opened at 0 stays pending until its EOE (5th line); then 682 (opened at line 2) is.
    let o2 = l[0].len() as u64 + 1;
    assert_eq!(
        pending,
        vec![Some(0), Some(0), Some(0), Some(0), Some(o2), None]
    );
    let evs: Vec<Value> = out
        .into_iter()
        .map(|o| serde_json::to_value(o.unwrap()).unwrap())
        .collect();
    assert_eq!(evs.len(), 2);
    let common = |serial: u64, addr: &str, fam: &str, port: u64, saddr: &str| {
        json!({
            "arch": "x86_64", "auid": "4294967295", "comm": "php", "egid": "48", "euid": "48",
            "exe": "/usr/bin/php", "family": fam, "fsgid": "48", "fsuid": "48", "gid": "48", "items": 0,
            "pid": 1074252, "ppid": 1074250, "saddr": saddr, "serial": serial, "ses": 4294967295u64, "sgid": "48",
            "sock_addr": addr, "sock_port": port, "suid": "48", "syscall": "connect", "tty": "(none)",
            "type": "SYSCALL", "types": ["SYSCALL", "SOCKADDR", "EOE"], "uid": "48"
        })
    };
    let mut f1 = common(
        2482681,
        "127.0.0.1",
        "inet",
        11211,
        "02002BCB7F0000010000000000000000",
    );
    f1["exit"] = json!(0);
    f1["success"] = json!("yes");
    assert_eq!(
        evs[0],
        json!({
            "id": "0000000000000007000000000000", "ts": "2024-08-16T14:44:02.459Z", "host": "ctx-host",
            "source": "audit", "format": "auditd", "category": "system", "action": "network.connect",
            "outcome": "success", "actor": "48", "actor_role": null, "src_ip": null, "target": "127.0.0.1:11211",
            "ticket": null, "message": "connect to 127.0.0.1:11211 by /usr/bin/php",
            "raw": l[..3].join("\n"), "fields": f1,
            "origin": {"path": "audit.log", "offset": 0, "line": 1}
        })
    );
    let mut f2 = common(
        2482682,
        "::1",
        "inet6",
        11211,
        "0A002BCB000000000000000000000000000000000000000100000000",
    );
    f2["exit"] = json!(-115);
    f2["success"] = json!("no");
    assert_eq!(
        evs[1],
        json!({
            "id": format!("{:016x}{:012x}", 7, o2), "ts": "2024-08-16T14:44:02.459Z", "host": "ctx-host",
            "source": "audit", "format": "auditd", "category": "system", "action": "network.connect",
            "outcome": "unknown", "actor": "48", "actor_role": null, "src_ip": null, "target": "[::1]:11211",
            "ticket": null, "message": "connect to [::1]:11211 by /usr/bin/php",
            "raw": l[3..].join("\n"), "fields": f2,
            "origin": {"path": "audit.log", "offset": o2, "line": 2}
        })
    );
}

/// A user-space message is emitted at once; the syscall records of its serial that follow make a
/// second event that says what it follows.
#[test]
fn message_then_its_syscall_records() {
    let lines: Vec<&str> = LAUREL_SERVICE.lines().collect();
    let mut p = AuditdParser::new();
    let c = ctx();
    let mut out = Vec::new();
    p.feed(&RawLine::text(lines[0]), &c, &mut out);
    assert_eq!((out.len(), p.pending_offset()), (1, None));
    let out = run(&lines);
    let evs: Vec<Event> = out.into_iter().map(|o| o.unwrap()).collect();
    assert_eq!(evs.len(), 2);
    assert_eq!(
        (evs[0].action.as_ref(), evs[0].target.as_deref()),
        ("service.start", Some("apt-daily"))
    );
    assert_eq!(evs[0].fields["UID"], json!("root"));
    assert_eq!(evs[1].action, "other");
    assert_eq!(evs[1].fields["follows"], json!("SERVICE_START"));
    assert_eq!(
        evs[1].fields["SADDR"],
        json!("fam=netlink nlnk-fam=16 nlnk-pid=0")
    );
    assert_eq!(evs[1].fields["family"], json!("netlink"));
    assert_eq!(evs[1].fields["subj_apparmor"], json!("unconfined"));
    assert!(evs[1].flags.is_empty());
}

fn syscall(serial: u32, ts: &str) -> String {
    format!(
        "type=SYSCALL msg=audit({ts}:{serial}): arch=c000003e syscall=2 success=yes exit=3 items=1 pid=1 auid=1000 uid=0 comm=\"cat\" exe=\"/bin/cat\" key=\"shadow\""
    )
}

fn path(serial: u32, ts: &str) -> String {
    format!("type=PATH msg=audit({ts}:{serial}): item=0 name=\"/etc/shadow\" nametype=NORMAL")
}

fn eoe(serial: u32, ts: &str) -> String {
    format!("type=EOE msg=audit({ts}:{serial}):")
}

#[test]
fn bound_on_open_events() {
    let mut p = AuditdParser::with_config(AuditdConfig {
        max_open: 2,
        ..AuditdConfig::default()
    });
    let c = ctx();
    let mut out = Vec::new();
    let recs = [
        syscall(1, "100.000"),
        syscall(2, "100.000"),
        syscall(3, "100.000"),
        eoe(2, "100.000"),
    ];
    for (i, r) in recs.iter().enumerate() {
        p.feed(
            &RawLine::text(r).at(i as u64 * 1000, i as u64 + 1),
            &c,
            &mut out,
        );
        assert!(p.open_events() <= 2);
    }
    // The third open event pushed out the first, flagged; serial 2 closed on its EOE.
    let evs: Vec<Event> = out.into_iter().map(|o| o.unwrap()).collect();
    assert_eq!(evs.len(), 2);
    assert_eq!(
        (evs[0].fields["serial"].to_json(), evs[0].flags.to_vec()),
        (json!(1), vec![Flag::Incomplete])
    );
    assert_eq!(
        (evs[1].fields["serial"].to_json(), evs[1].flags.to_vec()),
        (json!(2), vec![])
    );
    assert_eq!(p.pending_offset(), Some(2000));
    let mut out = Vec::new();
    p.flush(&c, &mut out);
    // Serial 3 got no EOE in a log that writes EOEs: incomplete.
    let e = out.pop().unwrap().unwrap();
    assert_eq!(
        (e.fields["serial"].to_json(), e.flags.to_vec()),
        (json!(3), vec![Flag::Incomplete])
    );
    assert_eq!(p.pending_offset(), None);
    assert_eq!(
        AuditdParser::with_config(AuditdConfig {
            max_open: 0,
            eoe_timeout_ms: 0
        })
        .cfg
        .max_open,
        1
    );
}

#[test]
fn time_closes_events_without_eoe() {
    // Old kernels write no EOE: a record 2 s later closes the event, and nothing is flagged.
    let l = [
        syscall(1, "100.000"),
        path(1, "100.000"),
        syscall(2, "101.500"),
        syscall(3, "102.001"),
        path(3, "102.001"),
    ];
    let mut p = AuditdParser::new();
    let c = ctx();
    let mut out = Vec::new();
    for (i, r) in l.iter().enumerate() {
        p.feed(&RawLine::text(r).at(i as u64, i as u64 + 1), &c, &mut out);
    }
    assert_eq!(out.len(), 1);
    let e = out.remove(0).unwrap();
    assert_eq!(
        (e.action.as_ref(), e.target.as_deref(), e.flags.len()),
        ("file.access", Some("/etc/shadow"), 0)
    );
    assert_eq!(e.message, "open /etc/shadow by /bin/cat [key=shadow]");
    p.flush(&c, &mut out);
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|o| o.as_ref().unwrap().flags.is_empty()));
    // Another node's clock does not close this node's events.
    let mut p = AuditdParser::new();
    let mut out = Vec::new();
    p.feed(&RawLine::text(&syscall(1, "100.000")), &c, &mut out);
    p.feed(
        &RawLine::text(&format!("node=b {}", syscall(1, "200.000"))),
        &c,
        &mut out,
    );
    assert_eq!((out.len(), p.open_events()), (0, 2));
}

#[test]
fn rejections() {
    let out = run(&[
        "",
        "hello world",
        "type=SYSCALL msg=audit(1.2.3:4): x=1",
        "type=EOE msg=audit(100.000:77):",
        "node=h type=SYSCALL msg=audit(1:99999999999999999999999): x",
    ]);
    let why: Vec<(u64, &'static str, usize)> = out
        .iter()
        .map(|o| {
            let r = o.as_ref().unwrap_err();
            (r.line, r.error.class(), r.error.at)
        })
        .collect();
    assert_eq!(
        why,
        vec![
            (1, "empty", 0),
            (2, "syntax", 0),
            (3, "bad_timestamp", 23),
            (4, "other", 0),
            (5, "bad_value", 32)
        ]
    );
    let eoe = out[3].as_ref().unwrap_err();
    assert!(
        eoe.error
            .to_string()
            .starts_with("end-of-event record (EOE) of serial 77 at 100.000, but no record")
    );
}

#[test]
fn invalid_utf8_is_flagged() {
    let mut bytes = b"type=USER_START msg=audit(1.000:5): pid=1 uid=0 auid=1000 ses=1 msg='op=PAM:session_open acct=\"".to_vec();
    bytes.extend_from_slice(b"b\xffb\" exe=\"/usr/sbin/sshd\" res=success'");
    let mut p = AuditdParser::new();
    let mut out = Vec::new();
    p.feed(
        &RawLine {
            bytes: &bytes,
            path: "-",
            file_id: 0,
            offset: 0,
            line: 1,
        },
        &ctx(),
        &mut out,
    );
    let e = out.remove(0).unwrap();
    assert_eq!(
        (e.action.as_ref(), e.actor.as_deref(), e.flags.to_vec()),
        ("session.open", Some("b\u{fffd}b"), vec![Flag::InvalidUtf8])
    );
}

#[test]
fn user_space_types() {
    for t in [
        "USER_LOGIN",
        "USER_CMD",
        "ADD_USER",
        "DAEMON_START",
        "SERVICE_STOP",
        "ANOM_LOGIN_FAILURES",
        "UNKNOWN[1130]",
        "USER",
    ] {
        assert!(is_user_space(t), "{t}");
    }
    for t in [
        "SYSCALL",
        "LOGIN",
        "CONFIG_CHANGE",
        "ANOM_PROMISCUOUS",
        "AVC",
        "UNKNOWN[1420]",
        "EOE",
    ] {
        assert!(!is_user_space(t), "{t}");
    }
}

#[test]
fn su_sudo_and_ticket() {
    let e = one(&[
        "type=USER_AUTH msg=audit(1493162652.324:18669): pid=9730 uid=0 auid=1001 ses=1 msg='op=PAM:authentication acct=\"root\" exe=\"/bin/su\" hostname=? addr=? terminal=/dev/pts/0 res=failed'",
    ]);
    assert_eq!(
        (&e["action"], &e["actor"], &e["target"]),
        (&json!("su.failure"), &json!("1001"), &json!("root"))
    );
    let e = one(&[
        "type=USER_AUTH msg=audit(1.000:1): pid=9 uid=0 auid=1001 ses=1 msg='op=PAM:authentication acct=\"bob\" exe=\"/usr/bin/sudo\" hostname=? addr=? terminal=/dev/pts/0 res=failed'",
    ]);
    assert_eq!(
        (&e["action"], &e["actor"]),
        (&json!("sudo.denied"), &json!("bob"))
    );
    // cmd in hex: "psql -c 'update x' # CHG-2026-0012"
    let cmd: String = "psql -c 'update x' # CHG-2026-0012"
        .bytes()
        .map(|b| format!("{b:02X}"))
        .collect();
    let l = format!(
        "type=USER_CMD msg=audit(1.000:2): pid=9 uid=1001 auid=1001 ses=1 msg='cwd=\"/\" cmd={cmd} terminal=pts/0 res=success'\u{1d}UID=\"bob\" AUID=\"bob\""
    );
    let e = one(&[&l]);
    assert_eq!(
        (&e["actor"], &e["ticket"], &e["fields"]["command"]),
        (
            &json!("bob"),
            &json!("CHG-2026-0012"),
            &json!("psql -c 'update x' # CHG-2026-0012")
        )
    );
}

/// Lines of every real auditd fixture, for the property tests.
fn real_lines() -> Vec<&'static str> {
    [
        LAUREL_EXECVE,
        LAUREL_CONNECT,
        LAUREL_SERVICE,
        TEST4,
        YAML_1610,
    ]
    .iter()
    .flat_map(|t| t.lines())
    .map(str::trim)
    .filter(|l| l.starts_with("type=") || l.starts_with("node="))
    .collect()
}

/// Feeds `lines` and checks that every line is a record of exactly one event or a rejection.
fn accounted(lines: &[Vec<u8>], max_open: usize) {
    let mut p = AuditdParser::with_config(AuditdConfig {
        max_open,
        ..AuditdConfig::default()
    });
    let c = ctx();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        p.feed(
            &RawLine {
                bytes: l,
                path: "p",
                file_id: 1,
                offset: i as u64 * 10,
                line: i as u64 + 1,
            },
            &c,
            &mut out,
        );
        assert!(p.open_events() <= max_open.max(1));
    }
    p.flush(&c, &mut out);
    assert_eq!(p.pending_offset(), None);
    let mut count = 0;
    for o in &out {
        match o {
            Ok(e) => {
                let n = e.fields["types"].as_array().map_or(0, Vec::len);
                assert!(n >= 1);
                assert_eq!(e.raw.split('\n').count(), n, "{}", e.raw);
                count += n;
            }
            Err(_) => count += 1,
        }
    }
    assert_eq!(count, lines.len());
}

proptest! {
    #[test]
    fn random_bytes_never_panic(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 0..20)) {
        accounted(&lines, 4);
    }

    #[test]
    fn random_strings_never_panic(lines in prop::collection::vec("(node=[a-z]{1,3} )?type=[A-Z_]{0,12} msg=audit\\([0-9.]{0,14}:[0-9]{0,4}\\):[ -~\\x1d]{0,80}", 0..30), max in 1usize..6) {
        let lines: Vec<Vec<u8>> = lines.into_iter().map(String::into_bytes).collect();
        accounted(&lines, max);
    }

    #[test]
    fn any_text_never_panics(lines in prop::collection::vec("\\PC{0,120}", 0..10)) {
        let lines: Vec<Vec<u8>> = lines.into_iter().map(String::into_bytes).collect();
        accounted(&lines, 64);
    }

    #[test]
    fn truncated_and_shuffled_real_lines(cuts in prop::collection::vec((0usize..200, 0usize..4000), 1..40), max in 1usize..8) {
        let real = real_lines();
        let lines: Vec<Vec<u8>> = cuts
            .iter()
            .map(|(i, cut)| {
                let l = real[i % real.len()].as_bytes();
                l[..(*cut).min(l.len())].to_vec()
            })
            .collect();
        accounted(&lines, max);
    }
}
