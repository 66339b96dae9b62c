//! The console's users: `data/console/users.json`, owner-only, one entry per user with a role and
//! an argon2 hash of the password (never the password). `vigil user add|remove|list` manage it;
//! `vigil serve` reads it at every login, so a change takes effect without a restart.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Serialize};

/// What a user may do in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Searches, reads events, findings, reports and backups, triages findings.
    Reviewer,
    /// A reviewer who also manages users.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }
}

/// One user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// The argon2 hash in PHC form.
    pub hash: String,
}

/// The users file of a data directory.
pub fn path(data: &Path) -> PathBuf {
    data.join("console").join("users.json")
}

/// The users, none when the file does not exist yet.
pub fn load(data: &Path) -> Result<Vec<User>> {
    let p = path(data);
    match std::fs::read(&p) {
        Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{}: not a users file (it is written by `vigil user add`)",
                p.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(anyhow!("{}: cannot read: {e}", p.display())),
    }
}

fn save(data: &Path, users: &[User]) -> Result<()> {
    let p = path(data);
    let dir = data.join("console");
    crate::ingest::create_private_dir(&dir)
        .with_context(|| format!("{}: cannot create", dir.display()))?;
    let tmp = dir.join("users.json.tmp");
    let mut f = crate::read::create_private(&tmp)
        .with_context(|| format!("{}: cannot write", tmp.display()))?;
    serde_json::to_writer_pretty(&mut f, users)?;
    f.sync_all()
        .with_context(|| format!("{}: cannot write", tmp.display()))?;
    std::fs::rename(&tmp, &p).with_context(|| format!("{}: cannot write", p.display()))
}

/// A name is letters, digits, `.`, `_` and `-`, 1 to 64 of them.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(anyhow!(
            "user name {name:?}: use 1 to 64 letters, digits, '.', '_' or '-'"
        ))
    }
}

/// The argon2 hash of `password`.
pub fn hash(password: &str) -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("no random numbers for a salt: {e}"))?;
    let salt = SaltString::encode_b64(&bytes).map_err(|e| anyhow!("cannot make a salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow!("cannot hash the password: {e}"))
}

/// Adds `name` (or replaces its role and password).
pub fn add(data: &Path, name: &str, role: Role, password: &str) -> Result<bool> {
    check_name(name)?;
    if password.chars().count() < 8 {
        return Err(anyhow!(
            "the password is too short: use at least 8 characters"
        ));
    }
    let mut users = load(data)?;
    let hash = hash(password)?;
    let replaced = match users.iter_mut().find(|u| u.name == name) {
        Some(u) => {
            u.role = role;
            u.hash = hash;
            true
        }
        None => {
            users.push(User {
                name: name.to_string(),
                role,
                hash,
            });
            false
        }
    };
    save(data, &users)?;
    Ok(replaced)
}

/// Removes `name`; whether it was there.
pub fn remove(data: &Path, name: &str) -> Result<bool> {
    let mut users = load(data)?;
    let before = users.len();
    users.retain(|u| u.name != name);
    let removed = users.len() < before;
    if removed {
        save(data, &users)?;
    }
    Ok(removed)
}

/// The user `name` if `password` is theirs.
pub fn verify(data: &Path, name: &str, password: &str) -> Result<Option<User>> {
    let users = load(data)?;
    let Some(u) = users.into_iter().find(|u| u.name == name) else {
        // The same work as a real check, so that timing does not say which names exist.
        static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
        if let Some(h) = DUMMY.get_or_init(|| hash("not anyone's password").ok())
            && let Ok(parsed) = PasswordHash::new(h)
        {
            let _ = Argon2::default().verify_password(password.as_bytes(), &parsed);
        }
        return Ok(None);
    };
    let parsed = PasswordHash::new(&u.hash).map_err(|e| {
        anyhow!(
            "{}: the hash of {:?} is unreadable: {e}",
            path(data).display(),
            u.name
        )
    })?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        .then_some(u))
}

/// Reads a password: from stdin's first line when it is not a terminal, else asked twice at the
/// terminal without echo.
pub fn read_password() -> Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_string());
    }
    let ask = |prompt: &str| -> Result<String> {
        eprint!("{prompt}");
        std::io::stderr().flush()?;
        let fd = std::io::stdin();
        let old = rustix::termios::tcgetattr(&fd)?;
        let mut quiet = old.clone();
        quiet.local_modes.remove(rustix::termios::LocalModes::ECHO);
        rustix::termios::tcsetattr(&fd, rustix::termios::OptionalActions::Now, &quiet)?;
        let mut line = String::new();
        let read = fd.lock().read_line(&mut line);
        rustix::termios::tcsetattr(&fd, rustix::termios::OptionalActions::Now, &old)?;
        eprintln!();
        read?;
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    };
    let first = ask("password: ")?;
    let again = ask("again: ")?;
    if first != again {
        return Err(anyhow!("the two passwords differ: nothing changed"));
    }
    Ok(first)
}
