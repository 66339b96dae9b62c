//! Exit codes as a type. Every command ends with one of these.

/// How a vigil command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// All well.
    Ok = 0,
    /// Findings or problems found (the command did its job and has something to report).
    Findings = 1,
    /// vigil could not do its job: bad config, unreadable input, broken index.
    Failed = 2,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(c: ExitCode) -> Self {
        std::process::ExitCode::from(c as u8)
    }
}
