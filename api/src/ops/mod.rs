//! Operating the service: backups and restores of its database, and the lock that keeps a
//! second server off a SQLite file.

pub mod backup;
pub mod server_lock;
