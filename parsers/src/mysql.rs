//! MariaDB server_audit plugin lines and the MySQL general query log.
