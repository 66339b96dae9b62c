//! JSON lines with a configurable field mapping (the archive application's own audit log).
