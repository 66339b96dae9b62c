//! Syslog: RFC 3164 and RFC 5424 envelopes, and the messages of the programs that matter to an
//! audit (sshd, sudo, su, account tools, pam_unix, systemd, cron).
