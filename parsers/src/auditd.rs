//! Linux auditd: `type=X msg=audit(EPOCH:SERIAL): k=v ...` records, joined per serial into events.
