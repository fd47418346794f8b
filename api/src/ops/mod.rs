//! Operating the service: backups and restores of its database.

pub mod backup;
