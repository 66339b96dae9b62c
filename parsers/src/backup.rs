//! Backup tools' output: restic `backup --json` and borg `--json` / `--log-json`.
