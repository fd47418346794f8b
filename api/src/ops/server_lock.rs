//! One server per SQLite file. SQLite serializes writers with a file lock that a second process
//! does not wait for in a useful way (a deferred transaction that must upgrade fails at once
//! with "database is locked", whatever the busy timeout), and each process would keep dashboard
//! figures the other's writes never retire in time. So `mptf serve` holds an exclusive lock on a
//! file next to the database (`<database>.lock`, released by the kernel when the process ends,
//! however it ends) and a second server refuses to start, saying what to do. Commands that only
//! read (`mptf backup`) do not take it and work beside the running server.

use anyhow::Context;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Held while the server runs; dropping it releases the lock.
#[derive(Debug)]
pub struct ServerLock {
    _file: File,
    path: PathBuf,
}

impl ServerLock {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Takes the server lock of the SQLite database `database_url` names (which must exist), or
/// explains who holds it. An in-memory database needs none.
pub fn acquire(database_url: &str) -> anyhow::Result<Option<ServerLock>> {
    let database = super::backup::sqlite_path(database_url)?;
    if database.as_os_str() == ":memory:" || database_url.contains("mode=memory") {
        return Ok(None);
    }
    // The same file under any name (relative, through a symbolic link) has the same lock.
    let database = std::fs::canonicalize(&database).with_context(|| {
        format!(
            "cannot find the SQLite database {} named by MPTF_DATABASE_URL",
            database.display()
        )
    })?;
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open the server lock {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let who = if holder.is_empty() {
                "another mptf server".to_owned()
            } else {
                format!("another mptf server (process {holder})")
            };
            anyhow::bail!(
                "{who} is already serving the SQLite database {}: a SQLite database serves one \
                 server process at a time (it holds {}). Stop that server first, or use one server \
                 with more MPTF_HTTP_WORKERS; to run several server processes, use PostgreSQL \
                 (MPTF_DATABASE_URL=postgres://...). `mptf backup` works beside the running server.",
                database.display(),
                path.display()
            );
        }
        Err(TryLockError::Error(error)) => {
            return Err(error)
                .with_context(|| format!("cannot lock the server lock {}", path.display()))
        }
    }
    // Who holds it, for the message a second server prints.
    file.set_len(0)?;
    file.rewind()?;
    write!(file, "{}", std::process::id())?;
    file.flush()?;
    Ok(Some(ServerLock { _file: file, path }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_file_is_refused_until_the_first_is_dropped() {
        let dir = tempfile_dir();
        let database = dir.join("mptf.sqlite");
        std::fs::write(&database, b"").unwrap();
        let url = format!("sqlite://{}?mode=rwc", database.display());
        let first = acquire(&url).unwrap().expect("a lock");
        // The same file through a relative-looking path with `..` in it.
        let other_name = format!(
            "sqlite://{}/../{}/mptf.sqlite",
            dir.display(),
            dir.file_name().unwrap().to_string_lossy()
        );
        let refused = acquire(&other_name).unwrap_err().to_string();
        assert!(
            refused.contains(&std::process::id().to_string()),
            "{refused}"
        );
        assert!(refused.contains("PostgreSQL"), "{refused}");
        drop(first);
        assert!(acquire(&url).unwrap().is_some());
        std::fs::remove_dir_all(&dir).ok();
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mptf-lock-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
