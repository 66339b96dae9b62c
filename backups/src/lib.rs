//! vigil-backups: the nightly backup verification a cron job can trust.
//!
//! | module | what it holds |
//! |---|---|
//! | [`artefacts`] | the files a job leaves on disk: found, hashed (streaming, in parallel) against their sha256 manifest, optionally decompressed to nothing |
//! | [`jobs`] | backup jobs, their schedules (cron in a zone), and the verdict on each expected run |

pub mod artefacts;
pub mod jobs;
