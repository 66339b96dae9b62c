//! The site the logs come from: its people (staff of the archive application, administrators,
//! DBAs, an outsourced engineer, a departed employee), departments, addresses, archive items and
//! their titles, and business tables. Fixed data, so every seed describes the same company.

use crate::clock::Month;
use crate::out::Out;
use crate::rng::Rng;

/// Departments, in Chinese as the application writes them.
pub const DEPTS: [&str; 8] = [
    "档案室",
    "办公室",
    "财务部",
    "人力资源部",
    "信息中心",
    "法务部",
    "工程管理部",
    "市场部",
];

/// A user of the archive application.
pub struct Staff {
    pub login: &'static str,
    pub name: &'static str,
    pub dept: usize,
    /// archivist, staff, dept_head, admin, auditor.
    pub role: &'static str,
}

const fn st(login: &'static str, name: &'static str, dept: usize, role: &'static str) -> Staff {
    Staff {
        login,
        name,
        dept,
        role,
    }
}

/// The archive application's users.
pub const STAFF: [Staff; 28] = [
    st("zhangwei", "张伟", 0, "archivist"),
    st("wangfang", "王芳", 0, "archivist"),
    st("lina", "李娜", 0, "archivist"),
    st("liuqiang", "刘强", 0, "dept_head"),
    st("zhaoli", "赵丽", 0, "archivist"),
    st("chenhui", "陈慧", 1, "staff"),
    st("yangli", "杨丽", 1, "staff"),
    st("huangmin", "黄敏", 1, "staff"),
    st("zhoujie", "周杰", 1, "dept_head"),
    st("wuxia", "吴霞", 2, "staff"),
    st("xuming", "徐明", 2, "staff"),
    st("sunli", "孙丽", 2, "staff"),
    st("maqiang", "马强", 2, "dept_head"),
    st("zhuhong", "朱红", 3, "staff"),
    st("hujun", "胡军", 3, "staff"),
    st("guoyan", "郭燕", 3, "dept_head"),
    st("linfeng", "林峰", 4, "admin"),
    st("hegang", "何刚", 4, "staff"),
    st("gaoyan", "高岩", 5, "staff"),
    st("luoxin", "罗欣", 5, "auditor"),
    st("zhengyu", "郑宇", 6, "staff"),
    st("liangbo", "梁波", 6, "staff"),
    st("songtao", "宋涛", 6, "staff"),
    st("tangjing", "唐静", 6, "dept_head"),
    st("hanxue", "韩雪", 7, "staff"),
    st("fengchao", "冯超", 7, "staff"),
    st("caojian", "曹健", 7, "staff"),
    st("xiehua", "谢华", 0, "archivist"),
];

/// The office address of staff member `i`.
pub fn staff_ip(i: usize) -> [u8; 4] {
    let s = &STAFF[i % STAFF.len()];
    [10, 20, (s.dept + 1) as u8, (21 + (i * 7) % 200) as u8]
}

/// An operating-system account on the servers.
pub struct Account {
    pub login: &'static str,
    pub name: &'static str,
    pub uid: u32,
    /// Where this account usually logs in from.
    pub ip: [u8; 4],
    /// Logs in with a key (else with a password).
    pub key: bool,
    /// May use sudo.
    pub admin: bool,
}

/// Server accounts that log in during normal work: administrators, DBAs, an outsourced engineer.
pub const OPS: [Account; 5] = [
    Account {
        login: "ops_li",
        name: "李伟",
        uid: 1001,
        ip: [10, 1, 10, 5],
        key: true,
        admin: true,
    },
    Account {
        login: "ops_zhao",
        name: "赵敏",
        uid: 1002,
        ip: [10, 1, 10, 6],
        key: true,
        admin: true,
    },
    Account {
        login: "dba_wang",
        name: "王强",
        uid: 1003,
        ip: [10, 1, 10, 7],
        key: true,
        admin: true,
    },
    Account {
        login: "dba_chen",
        name: "陈磊",
        uid: 1004,
        ip: [10, 1, 10, 8],
        key: false,
        admin: true,
    },
    Account {
        login: "wb_sun",
        name: "孙浩",
        uid: 1005,
        ip: [10, 1, 10, 20],
        key: false,
        admin: false,
    },
];

/// The employee who left on the 20th of the previous month; any login of theirs is planted.
pub const DEPARTED: Account = Account {
    login: "liuyang",
    name: "刘洋",
    uid: 1006,
    ip: [10, 20, 3, 45],
    key: false,
    admin: false,
};
/// The departed employee's department.
pub const DEPARTED_DEPT: usize = 2;
/// The day of the previous month the departed employee left.
pub const DEPARTED_DAY: u32 = 20;

/// The account the backup server logs in with (to pull dumps) and runs dumps as.
pub const BACKUP_ACCT: Account = Account {
    login: "backup",
    name: "备份服务",
    uid: 1100,
    ip: BACKUP_HOST,
    key: true,
    admin: false,
};

/// An operations employee who leaves this month (on [`Days::ops_gone`]); his account is locked
/// the same day.
pub const OPS_LEAVER: Account = Account {
    login: "ops_xu",
    name: "徐磊",
    uid: 1007,
    ip: [10, 1, 10, 9],
    key: true,
    admin: false,
};
/// An outsourced engineer whose account is still active but who has not logged in since the
/// history month (a dormant account).
pub const DORMANT: Account = Account {
    login: "wb_zhou",
    name: "周斌",
    uid: 1008,
    ip: [10, 1, 10, 21],
    key: false,
    admin: false,
};
/// An outsourced engineer who left on the first Monday ([`Days::out_gone`]); nobody disables
/// the account.
pub const OUT_GONE: Account = Account {
    login: "wb_qian",
    name: "钱鹏",
    uid: 1009,
    ip: [10, 1, 10, 22],
    key: false,
    admin: false,
};
/// An outsourced engineer who leaves on the fourth Tuesday ([`Days::out_leaving`]): ten working
/// days to disable the account end next month.
pub const OUT_LEAVING: Account = Account {
    login: "wb_ma",
    name: "马骏",
    uid: 1020,
    ip: [10, 1, 10, 23],
    key: false,
    admin: false,
};

/// Temporary accounts of outsourced engineers that administrators create, add to a group, lock
/// and delete in normal work: (login, name).
pub const TEMP_USERS: [(&str, &str); 8] = [
    ("wb_wu", "吴凡"),
    ("wb_zheng", "郑凯"),
    ("wb_feng", "冯涛"),
    ("wb_jiang", "蒋磊"),
    ("wb_shen", "沈俊"),
    ("wb_han", "韩冬"),
    ("wb_luo", "罗成"),
    ("wb_tian", "田野"),
];
/// The first uid of the temporary accounts.
pub const TEMP_UID: u32 = 1010;

/// The staff member whose application account is disabled on [`Days::disabled`].
pub const DISABLED_STAFF: usize = 11;
/// The staff member who leaves the company on [`Days::leaver`].
pub const LEAVER_STAFF: usize = 22;
/// The application administrator.
pub const APP_ADMIN: usize = 16;

/// People who approve tickets (named in the approval register; not users of any system).
pub const CHAIRMAN: &str = "王建国";
pub const GENERAL_MANAGER: &str = "李国华";
/// The deputy general manager in charge of the archives.
pub const ARCHIVES_LEADER: &str = "陈志远";
/// The head of the archives room (staff member liuqiang).
pub const ARCHIVES_HEAD: &str = "刘强";

/// The days of the month on which the register's status changes fall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    /// [`DISABLED_STAFF`]'s account is disabled (the 15th).
    pub disabled: u32,
    /// [`LEAVER_STAFF`] leaves (the fourth Wednesday).
    pub leaver: u32,
    /// [`OPS_LEAVER`] leaves and his account is locked (the second Thursday).
    pub ops_gone: u32,
    /// [`OUT_GONE`] leaves (the first Monday).
    pub out_gone: u32,
    /// [`OUT_LEAVING`] leaves (the fourth Tuesday).
    pub out_leaving: u32,
}

impl Days {
    pub fn of(m: &Month) -> Days {
        Days {
            disabled: 15,
            leaver: m.nth(3, 4),
            ops_gone: m.nth(4, 2),
            out_gone: m.nth(1, 1),
            out_leaving: m.nth(2, 4),
        }
    }
}

/// Whether staff member `i` may act in the application at `t`: not once the register says the
/// account is disabled or gone (from the day after the change).
pub fn staff_active(i: usize, t: i64, m: &Month) -> bool {
    let d = Days::of(m);
    match i {
        DISABLED_STAFF => t < m.at(d.disabled + 1, 0, 0, 0),
        LEAVER_STAFF => t < m.at(d.leaver + 1, 0, 0, 0),
        _ => true,
    }
}

/// The backup server that pulls dumps at night.
pub const BACKUP_HOST: [u8; 4] = [10, 1, 3, 10];
/// The monitoring server that probes ssh.
pub const MONITOR_HOST: [u8; 4] = [10, 1, 3, 20];
/// The application server's address (client of the databases).
pub const APP_HOST: [u8; 4] = [10, 1, 2, 30];

/// Archive classes: 文书, 会计, 人事, 合同, 基建, 设备, 科研.
pub const CLASSES: [&str; 7] = ["WS", "KJ", "RS", "HT", "JJ", "SB", "KY"];

const TOPICS: [&str; 24] = [
    "档案数字化扫描",
    "办公用房调整",
    "年度预算编制",
    "员工培训计划",
    "信息系统安全检查",
    "合同管理制度修订",
    "固定资产盘点",
    "节能降耗",
    "安全生产月活动",
    "人事任免",
    "档案移交",
    "财务报销流程优化",
    "科研项目结题验收",
    "基建工程竣工验收",
    "设备采购招标",
    "保密工作检查",
    "印章使用管理",
    "干部选拔任用",
    "年度考核",
    "数据备份演练",
    "网络安全等级保护测评",
    "公文处理规范",
    "档案借阅登记",
    "质量管理体系内审",
];

/// Writes an archive item code such as `2019-WS-0031`.
pub fn item_code(o: &mut Out, r: &mut Rng) {
    o.b(&item_code_arr(r));
}

/// An archive item code such as `2019-WS-0031`, as bytes.
pub fn item_code_arr(r: &mut Rng) -> [u8; 12] {
    let year = 2008 + r.below(19) as u32;
    let class = r.pick(&CLASSES).as_bytes();
    let num = 1 + r.below(3000) as u32;
    let d = |v: u32| b'0' + (v % 10) as u8;
    [
        d(year / 1000),
        d(year / 100),
        d(year / 10),
        d(year),
        b'-',
        class[0],
        class[1],
        b'-',
        d(num / 1000),
        d(num / 100),
        d(num / 10),
        d(num),
    ]
}

/// Writes an archive item title such as `关于档案数字化扫描的通知`.
pub fn title(o: &mut Out, r: &mut Rng) {
    let topic = *r.pick(&TOPICS);
    match r.below(6) {
        0 => o.s("关于").s(topic).s("的通知"),
        1 => o.s("关于").s(topic).s("的请示"),
        2 if !topic.starts_with("年度") => {
            o.u(2015 + r.below(12)).s("年度").s(topic).s("工作总结")
        }
        2 => o.s(topic).s("工作总结"),
        3 => o.s(topic).s("会议纪要"),
        4 => o.s(topic).s("实施方案"),
        _ => o.s("关于印发〈").s(topic).s("管理办法〉的通知"),
    };
}
