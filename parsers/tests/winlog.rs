//! The `winlog` parser on real Windows event records, as the `evtx` crate (0.15.1,
//! `evtx_dump -o jsonl`) renders them from the public samples of `samples/evtx/` (see its
//! README): a table of record lines and the event each must give. A few rows at the end are
//! derived from these real lines by changing named values, for events no sample holds (4725,
//! 4726, 4740, 4756, a command line, a forwarded event); each says what was changed.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use chrono::{DateTime, Utc};
use vigil_parsers::event::Outcome;
use vigil_parsers::winlog::WinlogParser;
use vigil_parsers::{ActorRole, Event, ParseContext, Parser, RawLine, formats, parse_text};

fn ctx() -> ParseContext {
    let reference = DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    ParseContext::new(
        "winlog",
        "default-host",
        chrono_tz::Asia::Shanghai,
        reference,
    )
}

#[allow(clippy::result_large_err)] // `Output` is the crate's shared result type.
fn parse(line: &str) -> vigil_parsers::Output {
    let mut out = Vec::new();
    let raw = RawLine {
        bytes: line.as_bytes(),
        path: "Security.evtx",
        file_id: 0xabc,
        offset: 42,
        line: 42,
    };
    WinlogParser::new().feed(&raw, &ctx(), &mut out);
    assert_eq!(out.len(), 1);
    out.pop().unwrap()
}

/// A record line and the event it must give. `fields` are some of the event's fields, each with
/// its value as JSON text.
struct Row {
    source: &'static str,
    line: &'static str,
    ts: &'static str,
    host: &'static str,
    action: &'static str,
    outcome: Outcome,
    actor: Option<&'static str>,
    role: Option<ActorRole>,
    target: Option<&'static str>,
    src_ip: Option<&'static str>,
    fields: &'static [(&'static str, &'static str)],
}

fn check(row: &Row, line: &str) -> Event {
    let e = parse(line).unwrap_or_else(|r| panic!("{}: rejected: {:?}", row.source, r.error));
    let at = format!("{} ({})", row.source, row.action);
    assert_eq!(e.format, "winlog", "{at}");
    assert_eq!(e.ts, DateTime::parse_from_rfc3339(row.ts).unwrap(), "{at}");
    assert_eq!(e.host, row.host, "{at}");
    assert_eq!(e.action, row.action, "{at}");
    assert_eq!(e.outcome, row.outcome, "{at}");
    assert_eq!(e.actor.as_deref(), row.actor, "{at}");
    assert_eq!(e.actor_role, row.role, "{at}");
    assert_eq!(e.target.as_deref(), row.target, "{at}");
    assert_eq!(e.src_ip.as_deref(), row.src_ip, "{at}");
    assert_eq!(e.raw, line, "{at}");
    assert_eq!(e.id, vigil_parsers::Event::make_id(0xabc, 42), "{at}");
    assert!(!e.message.is_empty(), "{at}");
    for key in ["event_id", "record_id", "channel", "provider"] {
        assert!(e.fields.contains_key(key), "{at}: no {key}");
    }
    for (key, json) in row.fields {
        let got = e.fields.get(key).map(|v| serde_json::to_string(v).unwrap());
        assert_eq!(got.as_deref(), Some(*json), "{at}: field {key}");
    }
    e
}

const ROWS: &[Row] = &[
    Row {
        source: "samples/evtx/evtx-attack-samples/NTLM2SelfRelay-med0x2e-security_4624_4688.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4624,"Version":2,"Level":0,"Task":12544,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2022-05-01T04:41:37.6423698Z"}},"EventRecordID":21367,"Correlation":{"#attributes":{"ActivityID":"{ad9fd595-5d0f-0001-c2d5-9fad0f5dd801}"}},"Execution":{"#attributes":{"ProcessID":704,"ThreadID":10224}},"Channel":"Security","Computer":"wind10.winlab.local","Security":null},"EventData":{"SubjectUserSid":"S-1-0-0","SubjectUserName":"-","SubjectDomainName":"-","SubjectLogonId":"0x0","TargetUserSid":"S-1-5-21-81107902-1099128984-1836738286-500","TargetUserName":"Administrator","TargetDomainName":"WINLAB.LOCAL","TargetLogonId":"0x820d61","LogonType":3,"LogonProcessName":"Kerberos","AuthenticationPackageName":"Kerberos","WorkstationName":"-","LogonGuid":"{59cefb69-4f9d-7486-c449-471e00b814e3}","TransmittedServices":"-","LmPackageName":"-","KeyLength":0,"ProcessId":"0x0","ProcessName":"-","IpAddress":"192.168.1.219","IpPort":"63640","ImpersonationLevel":"%%1833","RestrictedAdminMode":"-","TargetOutboundUserName":"-","TargetOutboundDomainName":"-","VirtualAccount":"%%1843","TargetLinkedLogonId":"0x0","ElevatedToken":"%%1842"}}}"##,
        ts: "2022-05-01T04:41:37.642369800Z",
        host: "wind10.winlab.local",
        action: "login.success",
        outcome: Outcome::Success,
        actor: Some("Administrator"),
        role: None,
        target: None,
        src_ip: Some("192.168.1.219"),
        fields: &[
            ("event_id", r##"4624"##),
            ("record_id", r##"21367"##),
            ("channel", r##""Security""##),
            ("provider", r##""Microsoft-Windows-Security-Auditing""##),
            ("domain", r##""WINLAB.LOCAL""##),
            ("logon_type", r##"3"##),
            ("auth_package", r##""Kerberos""##),
        ],
    },
    Row {
        source: "samples/evtx/evtx-crate/Security_with_size_t.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4624,"Version":0,"Level":0,"Task":12544,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2015-08-24T06:51:38.4375000Z"}},"EventRecordID":2,"Correlation":null,"Execution":{"#attributes":{"ProcessID":600,"ThreadID":604}},"Channel":"Security","Computer":"26L2233B1-02","Security":null},"EventData":{"SubjectUserSid":"S-1-0-0","SubjectUserName":"-","SubjectDomainName":"-","SubjectLogonId":"0x0","TargetUserSid":"S-1-5-18","TargetUserName":"SYSTEM","TargetDomainName":"NT AUTHORITY","TargetLogonId":"0x3e7","LogonType":0,"LogonProcessName":"-","AuthenticationPackageName":"-","WorkstationName":"-","LogonGuid":"{00000000-0000-0000-0000-000000000000}","TransmittedServices":"-","LmPackageName":"-","KeyLength":0,"ProcessId":"0x4","ProcessName":"","IpAddress":"-","IpPort":"-"}}}"##,
        ts: "2015-08-24T06:51:38.437500Z",
        host: "26L2233B1-02",
        action: "login.success",
        outcome: Outcome::Success,
        actor: Some("SYSTEM"),
        role: None,
        target: None,
        src_ip: None,
        fields: &[
            ("domain", r##""NT AUTHORITY""##),
            ("logon_type", r##"0"##),
            ("record_id", r##"2"##),
        ],
    },
    Row {
        source: "samples/evtx/evtx-attack-samples/CA_4624_4625_LogonType2_LogonProc_chrome.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4625,"Version":0,"Level":0,"Task":12544,"Opcode":0,"Keywords":"0x8010000000000000","TimeCreated":{"#attributes":{"SystemTime":"2020-09-09T13:18:23.6279525Z"}},"EventRecordID":137222,"Correlation":{"#attributes":{"ActivityID":"{74a48ca1-86f6-0001-2e8d-a474f686d601}"}},"Execution":{"#attributes":{"ProcessID":640,"ThreadID":684}},"Channel":"Security","Computer":"MSEDGEWIN10","Security":null},"EventData":{"SubjectUserSid":"S-1-5-21-3461203602-4096304019-2269080069-1000","SubjectUserName":"IEUser","SubjectDomainName":"MSEDGEWIN10","SubjectLogonId":"0x79e59","TargetUserSid":"S-1-0-0","TargetUserName":"IEUser","TargetDomainName":"MSEDGEWIN10","Status":"0xc000006d","FailureReason":"%%2313","SubStatus":"0xc000006a","LogonType":2,"LogonProcessName":"Chrome","AuthenticationPackageName":"Negotiate","WorkstationName":"MSEDGEWIN10","TransmittedServices":"-","LmPackageName":"-","KeyLength":0,"ProcessId":"0x1358","ProcessName":"C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe","IpAddress":"-","IpPort":"-"}}}"##,
        ts: "2020-09-09T13:18:23.627952500Z",
        host: "MSEDGEWIN10",
        action: "login.failure",
        outcome: Outcome::Failure,
        actor: Some("IEUser"),
        role: None,
        target: None,
        src_ip: None,
        fields: &[
            ("status", r##""0xc000006d""##),
            ("sub_status", r##""0xc000006a""##),
            ("logon_type", r##"2"##),
            ("workstation", r##""MSEDGEWIN10""##),
            ("domain", r##""MSEDGEWIN10""##),
            ("logon_process", r##""Chrome""##),
        ],
    },
    Row {
        source: "samples/evtx/evtx-attack-samples/NTLM2SelfRelay-med0x2e-security_4624_4688.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4634,"Version":0,"Level":0,"Task":12545,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2022-05-01T04:42:11.0690643Z"}},"EventRecordID":21375,"Correlation":null,"Execution":{"#attributes":{"ProcessID":704,"ThreadID":9984}},"Channel":"Security","Computer":"wind10.winlab.local","Security":null},"EventData":{"TargetUserSid":"S-1-5-21-81107902-1099128984-1836738286-500","TargetUserName":"Administrator","TargetDomainName":"WINLAB.LOCAL","TargetLogonId":"0x821aab","LogonType":3}}}"##,
        ts: "2022-05-01T04:42:11.069064300Z",
        host: "wind10.winlab.local",
        action: "logout",
        outcome: Outcome::Success,
        actor: Some("Administrator"),
        role: None,
        target: None,
        src_ip: None,
        fields: &[("logon_type", r##"3"##), ("domain", r##""WINLAB.LOCAL""##)],
    },
    Row {
        source: "samples/evtx/evtx-crate/Security_with_size_t.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4647,"Version":0,"Level":0,"Task":12545,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2015-09-12T18:10:56.3445000Z"}},"EventRecordID":598,"Correlation":null,"Execution":{"#attributes":{"ProcessID":620,"ThreadID":1840}},"Channel":"Security","Computer":"WIN-L0ZZQ76PMUF","Security":null},"EventData":{"TargetUserSid":"S-1-5-21-3848053756-3249532031-1848221756-500","TargetUserName":"Administrator","TargetDomainName":"WIN-L0ZZQ76PMUF","TargetLogonId":"0x3aaf3"}}}"##,
        ts: "2015-09-12T18:10:56.344500Z",
        host: "WIN-L0ZZQ76PMUF",
        action: "logout",
        outcome: Outcome::Success,
        actor: Some("Administrator"),
        role: None,
        target: None,
        src_ip: None,
        fields: &[("event_id", r##"4647"##)],
    },
    Row {
        source: "samples/evtx/evtx-attack-samples/LM_WMIC_4648_rpcss.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4648,"Version":0,"Level":0,"Task":12544,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2019-03-18T11:27:23.2312238Z"}},"EventRecordID":433333,"Correlation":{"#attributes":{"ActivityID":"{4e7eb78f-3e42-4406-b9c2-eb1508584c86}"}},"Execution":{"#attributes":{"ProcessID":524,"ThreadID":2668}},"Channel":"Security","Computer":"PC01.example.corp","Security":null},"EventData":{"SubjectUserSid":"S-1-5-21-1587066498-1489273250-1035260531-1106","SubjectUserName":"user01","SubjectDomainName":"EXAMPLE","SubjectLogonId":"0x18a7875","LogonGuid":"{3523b8be-1c1a-a740-a8c3-4cc91a5f3b14}","TargetUserName":"administrator","TargetDomainName":"EXAMPLE.CORP","TargetLogonGuid":"{50419e1a-1c62-023a-239e-78c43a7792ab}","TargetServerName":"WIN-77LTAPHIQ1R.example.corp","TargetInfo":"RPCSS/WIN-77LTAPHIQ1R.example.corp","ProcessId":"0x304","ProcessName":"C:\\Windows\\System32\\svchost.exe","IpAddress":"-","IpPort":"-"}}}"##,
        ts: "2019-03-18T11:27:23.231223800Z",
        host: "PC01.example.corp",
        action: "login.explicit_credentials",
        outcome: Outcome::Success,
        actor: Some("user01"),
        role: None,
        target: Some("administrator"),
        src_ip: None,
        fields: &[
            ("explicit_credentials", r##"true"##),
            ("target_server", r##""WIN-77LTAPHIQ1R.example.corp""##),
            ("target_domain", r##""EXAMPLE.CORP""##),
            ("process", r##""C:\\Windows\\System32\\svchost.exe""##),
        ],
    },
    Row {
        source: "samples/evtx/evtx-attack-samples/NTLM2SelfRelay-med0x2e-security_4624_4688.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4672,"Version":0,"Level":0,"Task":12548,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2022-05-01T04:41:34.3517684Z"}},"EventRecordID":21366,"Correlation":{"#attributes":{"ActivityID":"{ad9fd595-5d0f-0001-c2d5-9fad0f5dd801}"}},"Execution":{"#attributes":{"ProcessID":704,"ThreadID":10224}},"Channel":"Security","Computer":"wind10.winlab.local","Security":null},"EventData":{"SubjectUserSid":"S-1-5-21-81107902-1099128984-1836738286-500","SubjectUserName":"Administrator","SubjectDomainName":"WINLAB.LOCAL","SubjectLogonId":"0x820d61","PrivilegeList":"SeSecurityPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\tSeImpersonatePrivilege\r\n\t\t\tSeDelegateSessionUserImpersonatePrivilege"}}}"##,
        ts: "2022-05-01T04:41:34.351768400Z",
        host: "wind10.winlab.local",
        action: "login.privileged",
        outcome: Outcome::Success,
        actor: Some("Administrator"),
        role: Some(ActorRole::Admin),
        target: None,
        src_ip: None,
        fields: &[(
            "privileges",
            r##""SeSecurityPrivilege SeBackupPrivilege SeRestorePrivilege SeTakeOwnershipPrivilege SeDebugPrivilege SeSystemEnvironmentPrivilege SeLoadDriverPrivilege SeImpersonatePrivilege SeDelegateSessionUserImpersonatePrivilege""##,
        )],
    },
    Row {
        source: "samples/evtx/evtx-attack-samples/NTLM2SelfRelay-med0x2e-security_4624_4688.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4688,"Version":2,"Level":0,"Task":13312,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2022-05-01T04:42:06.6565422Z"}},"EventRecordID":21374,"Correlation":null,"Execution":{"#attributes":{"ProcessID":4,"ThreadID":9832}},"Channel":"Security","Computer":"wind10.winlab.local","Security":null},"EventData":{"SubjectUserSid":"S-1-5-20","SubjectUserName":"WIND10$","SubjectDomainName":"WINLAB","SubjectLogonId":"0x3e4","NewProcessId":"0x1dc","NewProcessName":"C:\\Windows\\System32\\notepad.exe","TokenElevationType":"%%1936","ProcessId":"0xe8c","CommandLine":"","TargetUserSid":"S-1-0-0","TargetUserName":"Administrator","TargetDomainName":"WINLAB.LOCAL","TargetLogonId":"0x82215a","ParentProcessName":"C:\\Windows\\System32\\wbem\\WmiPrvSE.exe","MandatoryLabel":"S-1-16-12288"}}}"##,
        ts: "2022-05-01T04:42:06.656542200Z",
        host: "wind10.winlab.local",
        action: "process.exec",
        outcome: Outcome::Success,
        actor: Some("WIND10$"),
        role: None,
        target: Some(r"C:\Windows\System32\notepad.exe"),
        src_ip: None,
        fields: &[
            ("process", r##""C:\\Windows\\System32\\notepad.exe""##),
            (
                "parent_process",
                r##""C:\\Windows\\System32\\wbem\\WmiPrvSE.exe""##,
            ),
            ("target_user", r##""Administrator""##),
        ],
    },
    Row {
        source: "samples/evtx/evtx-crate/new-user-security.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4720,"Version":0,"Level":0,"Task":13824,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2013-10-23T16:22:39.9735000Z"}},"EventRecordID":112,"Correlation":null,"Execution":{"#attributes":{"ProcessID":508,"ThreadID":1032}},"Channel":"Security","Computer":"IE8Win7","Security":null},"EventData":{"TargetUserName":"IEUser","TargetDomainName":"IE8Win7","TargetSid":"S-1-5-21-3463664321-2923530833-3546627382-1000","SubjectUserSid":"S-1-5-18","SubjectUserName":"WIN-QALA5Q3KJ43$","SubjectDomainName":"WORKGROUP","SubjectLogonId":"0x3e7","PrivilegeList":"-","SamAccountName":"IEUser","DisplayName":"%%1793","UserPrincipalName":"-","HomeDirectory":"%%1793","HomePath":"%%1793","ScriptPath":"%%1793","ProfilePath":"%%1793","UserWorkstations":"%%1793","PasswordLastSet":"%%1794","AccountExpires":"%%1794","PrimaryGroupId":"513","AllowedToDelegateTo":"-","OldUacValue":"0x0","NewUacValue":"0x15","UserAccountControl":"\r\n\t\t%%2080\r\n\t\t%%2082\r\n\t\t%%2084","UserParameters":"%%1793","SidHistory":"-","LogonHours":"%%1797"}}}"##,
        ts: "2013-10-23T16:22:39.973500Z",
        host: "IE8Win7",
        action: "account.create",
        outcome: Outcome::Success,
        actor: Some("WIN-QALA5Q3KJ43$"),
        role: None,
        target: Some("IEUser"),
        src_ip: None,
        fields: &[
            ("target_domain", r##""IE8Win7""##),
            (
                "target_sid",
                r##""S-1-5-21-3463664321-2923530833-3546627382-1000""##,
            ),
            ("domain", r##""WORKGROUP""##),
        ],
    },
    Row {
        source: "samples/evtx/evtx-attack-samples/samaccount_spoofing_CVE-2021-42287_CVE-2021-42278_DC_securitylogs.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4722,"Version":0,"Level":0,"Task":13824,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2021-12-12T17:57:52.3137504Z"}},"EventRecordID":2982086,"Correlation":null,"Execution":{"#attributes":{"ProcessID":624,"ThreadID":3652}},"Channel":"Security","Computer":"01566s-win16-ir.threebeesco.com","Security":null},"EventData":{"TargetUserName":"DC012$","TargetDomainName":"3B","TargetSid":"S-1-5-21-308926384-506822093-3341789130-220105","SubjectUserSid":"S-1-5-21-308926384-506822093-3341789130-101606","SubjectUserName":"lgrove","SubjectDomainName":"3B","SubjectLogonId":"0x738ae4"}}}"##,
        ts: "2021-12-12T17:57:52.313750400Z",
        host: "01566s-win16-ir.threebeesco.com",
        action: "account.modify",
        outcome: Outcome::Success,
        actor: Some("lgrove"),
        role: None,
        target: Some("DC012$"),
        src_ip: None,
        fields: &[("change", r##""enable""##)],
    },
    Row {
        source: "samples/evtx/evtx-attack-samples/samaccount_spoofing_CVE-2021-42287_CVE-2021-42278_DC_securitylogs.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4724,"Version":0,"Level":0,"Task":13824,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2021-12-12T17:57:52.3137547Z"}},"EventRecordID":2982087,"Correlation":null,"Execution":{"#attributes":{"ProcessID":624,"ThreadID":3652}},"Channel":"Security","Computer":"01566s-win16-ir.threebeesco.com","Security":null},"EventData":{"TargetUserName":"DC012$","TargetDomainName":"3B","TargetSid":"S-1-5-21-308926384-506822093-3341789130-220105","SubjectUserSid":"S-1-5-21-308926384-506822093-3341789130-101606","SubjectUserName":"lgrove","SubjectDomainName":"3B","SubjectLogonId":"0x738ae4"}}}"##,
        ts: "2021-12-12T17:57:52.313754700Z",
        host: "01566s-win16-ir.threebeesco.com",
        action: "password.change",
        outcome: Outcome::Success,
        actor: Some("lgrove"),
        role: None,
        target: Some("DC012$"),
        src_ip: None,
        fields: &[("change", r##""reset""##)],
    },
    Row {
        source: "samples/evtx/evtx-attack-samples/samaccount_spoofing_CVE-2021-42287_CVE-2021-42278_DC_securitylogs.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4781,"Version":0,"Level":0,"Task":13824,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2021-12-12T17:57:52.3751054Z"}},"EventRecordID":2982094,"Correlation":null,"Execution":{"#attributes":{"ProcessID":624,"ThreadID":3652}},"Channel":"Security","Computer":"01566s-win16-ir.threebeesco.com","Security":null},"EventData":{"OldTargetUserName":"DC012$","NewTargetUserName":"01566s-win16-ir","TargetDomainName":"3B","TargetSid":"S-1-5-21-308926384-506822093-3341789130-220105","SubjectUserSid":"S-1-5-21-308926384-506822093-3341789130-101606","SubjectUserName":"lgrove","SubjectDomainName":"3B","SubjectLogonId":"0x738ce4","PrivilegeList":"-"}}}"##,
        ts: "2021-12-12T17:57:52.375105400Z",
        host: "01566s-win16-ir.threebeesco.com",
        action: "account.modify",
        outcome: Outcome::Success,
        actor: Some("lgrove"),
        role: None,
        target: Some("01566s-win16-ir"),
        src_ip: None,
        fields: &[("change", r##""name""##), ("old_name", r##""DC012$""##)],
    },
    Row {
        source: "samples/evtx/evtx-crate/new-user-security.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4728,"Version":0,"Level":0,"Task":13826,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2013-10-23T16:22:39.9735000Z"}},"EventRecordID":111,"Correlation":null,"Execution":{"#attributes":{"ProcessID":508,"ThreadID":1032}},"Channel":"Security","Computer":"IE8Win7","Security":null},"EventData":{"MemberName":"-","MemberSid":"S-1-5-21-3463664321-2923530833-3546627382-1000","TargetUserName":"None","TargetDomainName":"IE8Win7","TargetSid":"S-1-5-21-3463664321-2923530833-3546627382-513","SubjectUserSid":"S-1-5-18","SubjectUserName":"WIN-QALA5Q3KJ43$","SubjectDomainName":"WORKGROUP","SubjectLogonId":"0x3e7","PrivilegeList":"-"}}}"##,
        ts: "2013-10-23T16:22:39.973500Z",
        host: "IE8Win7",
        action: "group.modify",
        outcome: Outcome::Success,
        actor: Some("WIN-QALA5Q3KJ43$"),
        role: None,
        target: Some("None"),
        src_ip: None,
        fields: &[
            ("change", r##""add_member""##),
            (
                "member",
                r##""S-1-5-21-3463664321-2923530833-3546627382-1000""##,
            ),
            ("group_scope", r##""global""##),
        ],
    },
    Row {
        source: "samples/evtx/evtx-attack-samples/Network_Service_Guest_added_to_admins_4732.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4732,"Version":0,"Level":0,"Task":13826,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2019-09-22T11:22:05.2017271Z"}},"EventRecordID":191029,"Correlation":{"#attributes":{"ActivityID":"{15957a0b-7182-0000-a07a-95158271d501}"}},"Execution":{"#attributes":{"ProcessID":624,"ThreadID":4452}},"Channel":"Security","Computer":"MSEDGEWIN10","Security":null},"EventData":{"MemberName":"-","MemberSid":"S-1-5-21-3461203602-4096304019-2269080069-501","TargetUserName":"Administrators","TargetDomainName":"Builtin","TargetSid":"S-1-5-32-544","SubjectUserSid":"S-1-5-21-3461203602-4096304019-2269080069-1000","SubjectUserName":"IEUser","SubjectDomainName":"MSEDGEWIN10","SubjectLogonId":"0x27a10f","PrivilegeList":"-"}}}"##,
        ts: "2019-09-22T11:22:05.201727100Z",
        host: "MSEDGEWIN10",
        action: "group.modify",
        outcome: Outcome::Success,
        actor: Some("IEUser"),
        role: None,
        target: Some("Administrators"),
        src_ip: None,
        fields: &[
            ("change", r##""add_member""##),
            (
                "member",
                r##""S-1-5-21-3461203602-4096304019-2269080069-501""##,
            ),
            ("group_scope", r##""local""##),
            ("target_domain", r##""Builtin""##),
        ],
    },
    Row {
        source: "samples/evtx/evtx-attack-samples/NTLM2SelfRelay-med0x2e-security_4624_4688.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Eventlog","Guid":"{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}"}},"EventID":1102,"Version":0,"Level":4,"Task":104,"Opcode":0,"Keywords":"0x4020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2022-05-01T04:40:18.0840039Z"}},"EventRecordID":21365,"Correlation":null,"Execution":{"#attributes":{"ProcessID":1228,"ThreadID":9912}},"Channel":"Security","Computer":"wind10.winlab.local","Security":null},"UserData":{"LogFileCleared":{"#attributes":{"xmlns":"http://manifests.microsoft.com/win/2004/08/windows/eventlog"},"SubjectUserSid":"S-1-5-21-482804190-775995292-3801157738-1002","SubjectUserName":"admin","SubjectDomainName":"WIND10","SubjectLogonId":"0x47ea55"}}}}"##,
        ts: "2022-05-01T04:40:18.084003900Z",
        host: "wind10.winlab.local",
        action: "audit.log_cleared",
        outcome: Outcome::Success,
        actor: Some("admin"),
        role: None,
        target: Some("Security"),
        src_ip: None,
        fields: &[
            ("domain", r##""WIND10""##),
            ("event_id", r##"1102"##),
            ("provider", r##""Microsoft-Windows-Eventlog""##),
        ],
    },
    Row {
        source: "samples/evtx/evtx-attack-samples/DE_104_system_log_cleared.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Eventlog","Guid":"{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}"}},"EventID":104,"Version":0,"Level":4,"Task":104,"Opcode":0,"Keywords":"0x8000000000000000","TimeCreated":{"#attributes":{"SystemTime":"2019-03-19T23:34:25.8943413Z"}},"EventRecordID":27736,"Correlation":null,"Execution":{"#attributes":{"ProcessID":812,"ThreadID":3916}},"Channel":"System","Computer":"PC01.example.corp","Security":{"#attributes":{"UserID":"S-1-5-21-1587066498-1489273250-1035260531-1106"}}},"UserData":{"LogFileCleared":{"#attributes":{"xmlns:auto-ns3":"http://schemas.microsoft.com/win/2004/08/events","xmlns":"http://manifests.microsoft.com/win/2004/08/windows/eventlog"},"SubjectUserName":"user01","SubjectDomainName":"EXAMPLE","Channel":"System","BackupPath":null}}}}"##,
        ts: "2019-03-19T23:34:25.894341300Z",
        host: "PC01.example.corp",
        action: "audit.log_cleared",
        outcome: Outcome::Success,
        actor: Some("user01"),
        role: None,
        target: Some("System"),
        src_ip: None,
        fields: &[
            ("cleared_channel", r##""System""##),
            ("channel", r##""System""##),
        ],
    },
    Row {
        source: "samples/evtx/evtx-attack-samples/DFIR_RDP_Client_TimeZone_RdpCoreTs_104_example.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-RemoteDesktopServices-RdpCoreTS","Guid":"{1139c61b-b549-4251-8ed3-27250a1edec8}"}},"EventID":104,"Version":0,"Level":4,"Task":4,"Opcode":15,"Keywords":"0x4000000000000000","TimeCreated":{"#attributes":{"SystemTime":"2020-07-09T19:47:00.7191248Z"}},"EventRecordID":1129,"Correlation":{"#attributes":{"ActivityID":"{f420ca7a-0e56-4135-8a7c-ce2182d30000}"}},"Execution":{"#attributes":{"ProcessID":476,"ThreadID":4152}},"Channel":"Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational","Computer":"MSEDGEWIN10","Security":{"#attributes":{"UserID":"S-1-5-20"}}},"EventData":{"TimezoneBiasHour":"[1]"}}}"##,
        ts: "2020-07-09T19:47:00.719124800Z",
        host: "MSEDGEWIN10",
        action: "system.message",
        outcome: Outcome::Unknown,
        actor: None,
        role: None,
        target: None,
        src_ip: None,
        fields: &[("event_id", r##"104"##), ("TimezoneBiasHour", r##""[1]""##)],
    },
    Row {
        source: "samples/evtx/evtx-crate/MSExchange_Management_wec.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"MSExchange CmdletLogs"}},"EventID":{"#attributes":{"Qualifiers":"16384"},"#text":"1"},"Level":"4","Task":"1","Keywords":"0x80000000000000","TimeCreated":{"#attributes":{"SystemTime":"2021-11-19T16:52:33.833733500Z"}},"EventRecordID":"3229","Channel":"MSExchange Management","Computer":"WEC.ave.local","Security":null},"EventData":{"Data":{"#text":["Set-Mailbox","-Identity \"Administrateur\" -DeliverToMailboxAndForward \"False\" -ForwardingSmtpAddress \"smtp:test2@example.com\"","ave.local/Users/Administrateur","S-1-5-21-186559946-3925841745-111227986-500","S-1-5-21-186559946-3925841745-111227986-500","Remote-ManagementShell-Unknown","5668 w3wp#MSExchangePowerShellAppPool","","5","00:00:26.0389557","Afficher la forêt entière : 'False', Portée par défaut : « ave.local », Configuration du contrôleur de domaine : « DC.ave.local », Catalogue global préféré : « DC.ave.local », Contrôleurs de domaine préférés : « { DC.ave.local } »","","","","","","","False","","0 objects execution has been proxied to remote server.","","","0","ActivityId: a3591746-a27b-447a-b8be-ff54ae3a46f1","ServicePlan:;IsAdmin:True;","","fr-FR"]}}}}"##,
        ts: "2021-11-19T16:52:33.833733500Z",
        host: "WEC.ave.local",
        action: "system.message",
        outcome: Outcome::Unknown,
        actor: None,
        role: None,
        target: None,
        src_ip: None,
        fields: &[
            ("event_id", r##"1"##),
            ("record_id", r##"3229"##),
            ("data_1", r##""Set-Mailbox""##),
            (
                "data_4",
                r##""S-1-5-21-186559946-3925841745-111227986-500""##,
            ),
        ],
    },
    Row {
        source: "samples/evtx/evtx-crate/Security_with_size_t.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4776,"Version":0,"Level":0,"Task":14336,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2015-08-24T06:57:38.5468750Z"}},"EventRecordID":62,"Correlation":null,"Execution":{"#attributes":{"ProcessID":592,"ThreadID":680}},"Channel":"Security","Computer":"WIN-L0ZZQ76PMUF","Security":null},"EventData":{"PackageName":"MICROSOFT_AUTHENTICATION_PACKAGE_V1_0","TargetUserName":"Administrator","Workstation":"WIN-L0ZZQ76PMUF","Status":"0x0"}}}"##,
        ts: "2015-08-24T06:57:38.546875Z",
        host: "WIN-L0ZZQ76PMUF",
        action: "system.message",
        outcome: Outcome::Success,
        actor: None,
        role: None,
        target: None,
        src_ip: None,
        fields: &[
            ("event_id", r##"4776"##),
            ("TargetUserName", r##""Administrator""##),
            ("Status", r##""0x0""##),
        ],
    },
    Row {
        source: "samples/evtx/evtx-crate/Security_short_selected.evtx",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":5152,"Version":0,"Level":0,"Task":12809,"Opcode":0,"Keywords":"0x8010000000000000","TimeCreated":{"#attributes":{"SystemTime":"2016-06-29T15:24:34.3460000Z"}},"EventRecordID":319457771,"Correlation":null,"Execution":{"#attributes":{"ProcessID":4,"ThreadID":80}},"Channel":"Security","Computer":"temporal","Security":null},"EventData":{"ProcessId":0,"Application":"-","Direction":"%%14592","SourceAddress":"23.94.153.202","SourcePort":"59639","DestAddress":"169.46.6.101","DestPort":"3389","Protocol":6,"FilterRTID":67607,"LayerName":"%%14597","LayerRTID":13}}}"##,
        ts: "2016-06-29T15:24:34.346Z",
        host: "temporal",
        action: "system.message",
        outcome: Outcome::Failure,
        actor: None,
        role: None,
        target: None,
        src_ip: None,
        fields: &[
            ("event_id", r##"5152"##),
            ("Protocol", r##"6"##),
            ("SourceAddress", r##""23.94.153.202""##),
        ],
    },
    Row {
        source: "sbousseaden/EVTX-ATTACK-SAMPLES Credential Access/ACL_ForcePwd_SPNAdd_User_Computer_Accounts.evtx (not kept in samples/: 1 MiB)",
        line: r##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{54849625-5478-4994-a5ba-3e3b0328c30d}"}},"EventID":4719,"Version":0,"Level":0,"Task":13568,"Opcode":0,"Keywords":"0x8020000000000000","TimeCreated":{"#attributes":{"SystemTime":"2019-03-25T10:36:03.9746084Z"}},"EventRecordID":198238054,"Correlation":null,"Execution":{"#attributes":{"ProcessID":444,"ThreadID":3616}},"Channel":"Security","Computer":"DC1.insecurebank.local","Security":null},"EventData":{"SubjectUserSid":"S-1-5-18","SubjectUserName":"DC1$","SubjectDomainName":"insecurebank","SubjectLogonId":"0x3e7","CategoryId":"%%8273","SubcategoryId":"%%12544","SubcategoryGuid":"{0cce9215-69ae-11d9-bed3-505054503030}","AuditPolicyChanges":"%%8449, %%8451"}}}"##,
        ts: "2019-03-25T10:36:03.974608400Z",
        host: "DC1.insecurebank.local",
        action: "audit.config_change",
        outcome: Outcome::Success,
        actor: Some("DC1$"),
        role: None,
        target: None,
        src_ip: None,
        fields: &[
            ("subcategory", r##""%%12544""##),
            ("changes", r##""%%8449, %%8451""##),
            ("category", r##""%%8273""##),
        ],
    },
];

#[test]
fn real_records_give_the_events_their_event_ids_mean() {
    for row in ROWS {
        check(row, row.line);
    }
}

#[test]
fn the_messages_say_what_happened_in_english() {
    let messages: Vec<String> = ROWS
        .iter()
        .map(|r| parse(r.line).unwrap().message)
        .collect();
    assert_eq!(
        messages[0],
        "An account was successfully logged on: WINLAB.LOCAL\\Administrator (logon type 3) from 192.168.1.219"
    );
    assert_eq!(
        messages[2],
        "An account failed to log on: MSEDGEWIN10\\IEUser (logon type 2)"
    );
    assert_eq!(
        messages[13],
        "S-1-5-21-3461203602-4096304019-2269080069-501 added to group Administrators by MSEDGEWIN10\\IEUser"
    );
    assert_eq!(messages[14], "The audit log was cleared by WIND10\\admin");
    assert_eq!(
        messages[15],
        "The System log file was cleared by EXAMPLE\\user01"
    );
    assert_eq!(
        messages[16],
        "EventID 104 (Microsoft-Windows-RemoteDesktopServices-RdpCoreTS)"
    );
}

/// A real line with some of its text replaced.
fn derive(line: &str, changes: &[(&str, &str)]) -> String {
    let mut s = line.to_string();
    for (from, to) in changes {
        assert!(s.contains(from), "{from} not in the line");
        s = s.replacen(from, to, 1);
    }
    s
}

fn row(action: &'static str) -> &'static Row {
    ROWS.iter().find(|r| r.action == action).unwrap()
}

#[test]
fn derived_records_of_events_no_sample_holds() {
    // 4722 (enabled) made 4725 (disabled) and 4726 (deleted): the same EventData.
    let enabled = ROWS[9].line;
    for (id, action, change) in [
        ("4725", "account.lock", Some("\"disable\"")),
        ("4726", "account.delete", None),
    ] {
        let e = parse(&derive(
            enabled,
            &[("\"EventID\":4722", &format!("\"EventID\":{id}"))],
        ))
        .unwrap();
        assert_eq!(e.action, action);
        assert_eq!(
            (e.actor.as_deref(), e.target.as_deref()),
            (Some("lgrove"), Some("DC012$"))
        );
        assert_eq!(
            e.fields
                .get("change")
                .map(|v| serde_json::to_string(v).unwrap()),
            change.map(str::to_string)
        );
    }
    // 4740 (locked out): TargetUserName the account, TargetDomainName the caller computer.
    let e = parse(&derive(
        enabled,
        &[
            ("\"EventID\":4722", "\"EventID\":4740"),
            (
                "\"TargetDomainName\":\"3B\"",
                "\"TargetDomainName\":\"WKS-07\"",
            ),
        ],
    ))
    .unwrap();
    assert_eq!(e.action, "account.lock");
    assert_eq!(e.target.as_deref(), Some("DC012$"));
    assert_eq!(e.fields["change"].as_str(), Some("lockout"));
    assert_eq!(e.fields["caller_computer"].as_str(), Some("WKS-07"));
    // 4728 made 4756 (universal group) with a member named by its DN.
    let e = parse(&derive(
        ROWS[12].line,
        &[
            ("\"EventID\":4728", "\"EventID\":4756"),
            (
                "\"MemberName\":\"-\"",
                "\"MemberName\":\"CN=bob,OU=Staff,DC=corp,DC=example\"",
            ),
        ],
    ))
    .unwrap();
    assert_eq!(e.action, "group.modify");
    assert_eq!(e.target.as_deref(), Some("None"));
    assert_eq!(e.fields["member"].as_str(), Some("bob"));
    assert_eq!(e.fields["change"].as_str(), Some("add_member"));
    assert_eq!(e.fields["group_scope"].as_str(), Some("universal"));
    assert_eq!(
        e.fields["member_sid"].as_str(),
        Some("S-1-5-21-3463664321-2923530833-3546627382-1000")
    );
    // 4688 with a command line: the command line is the target.
    let e = parse(&derive(
        row("process.exec").line,
        &[(
            "\"CommandLine\":\"\"",
            "\"CommandLine\":\"notepad.exe C:\\\\secret.txt\"",
        )],
    ))
    .unwrap();
    assert_eq!(e.target.as_deref(), Some("notepad.exe C:\\secret.txt"));
    assert_eq!(
        e.fields["command_line"].as_str(),
        Some("notepad.exe C:\\secret.txt")
    );
    assert_eq!(
        e.fields["process"].as_str(),
        Some("C:\\Windows\\System32\\notepad.exe")
    );
}

/// Windows Event Forwarding keeps a record's System and adds a RenderingInfo element (here as
/// the evtx crate renders it): the record gives the same event.
#[test]
fn forwarded_events_read_as_the_records_they_copy() {
    let original = ROWS[0].line;
    let forwarded = derive(
        original,
        &[(
            "}}}",
            r##"},"RenderingInfo":{"#attributes":{"Culture":"en-US"},"Message":"An account was successfully logged on.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tNULL SID","Level":"Information","Task":"Logon","Opcode":"Info","Channel":"Security","Provider":"Microsoft Windows security auditing.","Keywords":{"Keyword":"Audit Success"}}}}"##,
        )],
    );
    assert!(forwarded.ends_with("\"Audit Success\"}}}}"));
    let a = parse(original).unwrap();
    let mut b = parse(&forwarded).unwrap();
    assert_eq!(b.raw, forwarded);
    b.raw = a.raw.clone();
    assert_eq!(a, b);
    // Through the registry too.
    let mut p = formats::build("winlog", &formats::Options::default()).unwrap();
    let out = parse_text(
        p.as_mut(),
        &ctx(),
        "ForwardedEvents.evtx",
        forwarded.as_bytes(),
    );
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].as_ref().unwrap().action, "login.success");
}

#[test]
fn the_shapes_of_other_evtx_settings_are_read() {
    // `separate_json_attributes`: attributes beside their element, EventID with Qualifiers.
    let line = r##"{"Event":{"System":{"Provider_attributes":{"Name":"Service Control Manager"},"EventID":7036,"EventID_attributes":{"Qualifiers":16384},"TimeCreated_attributes":{"SystemTime":"2017-12-26T13:06:45.1405869Z"},"EventRecordID":"12","Channel":"System","Computer":"PC"},"EventData":{"param1":"Windows Update","param2":"running"}}}"##;
    let e = parse(line).unwrap();
    assert_eq!(e.action, "system.message");
    assert_eq!(e.fields["event_id"].as_u64(), Some(7036));
    assert_eq!(e.fields["record_id"].as_u64(), Some(12));
    assert_eq!(
        e.fields["provider"].as_str(),
        Some("Service Control Manager")
    );
    assert_eq!(e.fields["param1"].as_str(), Some("Windows Update"));
    assert_eq!(e.message, "EventID 7036 (Service Control Manager)");
    assert_eq!(e.ts.to_rfc3339(), "2017-12-26T13:06:45.140586900+00:00");
    // No TimeCreated: the context's reference time, said so.
    let e = parse(r##"{"Event":{"System":{"EventID":{"#text":"9"}}}}"##).unwrap();
    assert_eq!(e.ts, ctx().reference);
    assert_eq!(e.fields["ts_missing"].as_bool(), Some(true));
    assert_eq!(e.host, "default-host");
}

#[test]
fn many_values_are_copied_within_bounds() {
    let data: Vec<String> = (0..50)
        .map(|i| format!("\"k{i:02}\":\"{}\"", "x".repeat(i * 100)))
        .collect();
    let line = format!(
        r#"{{"Event":{{"System":{{"EventID":1,"Channel":"Application","Computer":"PC"}},"EventData":{{{}}}}}}}"#,
        data.join(",")
    );
    let e = parse(&line).unwrap();
    let copied: Vec<&str> = e.fields.keys().filter(|k| k.starts_with('k')).collect();
    assert_eq!(copied.len(), vigil_parsers::winlog::MAX_COPIED);
    for k in copied {
        assert!(e.fields[k].as_str().unwrap().len() <= vigil_parsers::winlog::MAX_COPIED_LEN);
    }
}

#[test]
fn only_lines_that_are_not_records_are_rejected() {
    for (line, class) in [
        ("not json", "json"),
        ("{\"Event\":", "json"),
        ("[1,2]", "wrong_format"),
        (r#"{"Event":{"EventData":{}}}"#, "syntax"),
        (r#"{"Event":{"System":{"Channel":"Security"}}}"#, "syntax"),
        (r#"{"Event":{"System":{"EventID":"four"}}}"#, "syntax"),
        ("   ", "empty"),
    ] {
        let r = parse(line).unwrap_err();
        assert_eq!(r.error.class(), class, "{line}");
        assert_eq!(r.raw, line);
    }
}

#[test]
fn the_sniffer_knows_record_lines() {
    let head: String = ROWS
        .iter()
        .take(3)
        .map(|r| format!("{}\n", r.line))
        .collect();
    assert_eq!(
        formats::sniff(head.as_bytes()),
        formats::Sniffed::Format("winlog")
    );
}
