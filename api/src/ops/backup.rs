//! `mptf backup` and `mptf restore`. SQLite: an online, consistent copy made by SQLite itself
//! (`VACUUM INTO`), safe while the server runs. PostgreSQL: `pg_dump --format=custom` and
//! `pg_restore`, which must be on the `PATH` (or in `/usr/lib/postgresql/*/bin`) in a version
//! at least the server's.

use crate::config::Settings;
use crate::startup;
use anyhow::{bail, Context};
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

/// Writes a backup of the database named by the settings to `file`, which must not exist yet.
/// The file appears complete or not at all.
pub async fn backup(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    settings.validate()?;
    if file.exists() {
        bail!("the backup file {} already exists", file.display());
    }
    let partial = partial_name(file);
    let _ = std::fs::remove_file(&partial);
    let result = if settings.is_sqlite() {
        let database = sqlite_path(&settings.database_url)?;
        if !database.exists() {
            bail!(
                "the SQLite database {} named by MPTF_DATABASE_URL does not exist",
                database.display()
            );
        }
        let (db, _) = startup::connect(settings).await?;
        let written = vacuum_into(&db, &partial).await;
        db.close().await.ok();
        written.and(check_sqlite_file(&partial).await)
    } else {
        run_postgres_tool(
            "pg_dump",
            &settings.database_url,
            &[
                "--format=custom".into(),
                format!("--file={}", partial.display()),
            ],
        )
    };
    if let Err(error) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    std::fs::rename(&partial, file)
        .with_context(|| format!("cannot move the backup into {}", file.display()))?;
    Ok(())
}

/// Restores `file` into the database named by the settings, which must hold no tables (unless
/// `replace`: then its contents are dropped first), and applies any migration the backup
/// predates. Stop the servers using that database first.
pub async fn restore(settings: &Settings, file: &Path, replace: bool) -> anyhow::Result<()> {
    settings.validate()?;
    if !file.is_file() {
        bail!("the backup file {} does not exist", file.display());
    }
    if settings.is_sqlite() {
        check_sqlite_file(file).await?;
        let target = sqlite_path(&settings.database_url)?;
        if target.exists() {
            if !replace && sqlite_has_tables(&target).await? {
                bail!(
                    "the database {} named by MPTF_DATABASE_URL is not empty: restore into a fresh database, or pass --replace",
                    target.display()
                );
            }
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let path = PathBuf::from(format!("{}{suffix}", target.display()));
                if path.exists() {
                    std::fs::remove_file(&path)
                        .with_context(|| format!("cannot remove {}", path.display()))?;
                }
            }
        }
        let db = open_read_only(file).await?;
        let written = vacuum_into(&db, &target).await;
        db.close().await.ok();
        written?;
    } else {
        let (db, _) = startup::connect(settings).await?;
        let tables = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        db.close().await.ok();
        let mut arguments = vec![
            "--no-owner".to_owned(),
            "--no-privileges".to_owned(),
            "--exit-on-error".to_owned(),
            "--single-transaction".to_owned(),
        ];
        if tables > 0 {
            if !replace {
                bail!("the database named by MPTF_DATABASE_URL is not empty ({tables} tables): restore into a fresh database, or pass --replace");
            }
            arguments.extend(["--clean".to_owned(), "--if-exists".to_owned()]);
        }
        arguments.push(file.display().to_string());
        run_postgres_tool("pg_restore", &settings.database_url, &arguments)?;
    }
    let (db, _) = startup::connect(settings).await?;
    startup::migrate(&db).await?;
    db.close().await.ok();
    Ok(())
}

fn partial_name(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// The file of a SQLite database URL.
pub(crate) fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let options = SqliteConnectOptions::from_str(url)
        .with_context(|| "MPTF_DATABASE_URL is not a SQLite URL".to_owned())?;
    Ok(options.get_filename().to_path_buf())
}

async fn vacuum_into(db: &DatabaseConnection, file: &Path) -> anyhow::Result<()> {
    let path = file
        .to_str()
        .context("the backup path is not valid UTF-8")?
        .to_owned();
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [path.into()],
    ))
    .await
    .with_context(|| format!("cannot write a copy of the database to {}", file.display()))?;
    Ok(())
}

async fn open_read_only(file: &Path) -> anyhow::Result<DatabaseConnection> {
    let options =
        SqliteConnectOptions::from_str(&format!("sqlite://{}", file.display()))?.read_only(true);
    let pool = sea_orm::sqlx::SqlitePool::connect_with(options)
        .await
        .with_context(|| format!("cannot open {}", file.display()))?;
    Ok(sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// A SQLite backup is sound: its pages check out and it holds the migration table.
async fn check_sqlite_file(file: &Path) -> anyhow::Result<()> {
    let db = open_read_only(file).await?;
    let check = async {
        let integrity = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA integrity_check",
            ))
            .await
            .with_context(|| format!("{} is not a SQLite database", file.display()))?
            .map(|row| row.try_get_by_index::<String>(0))
            .transpose()?;
        if integrity.as_deref() != Some("ok") {
            bail!("{} fails SQLite's integrity check", file.display());
        }
        let migrations = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT count(*) FROM sqlite_master WHERE name = 'seaql_migrations'",
            ))
            .await?
            .map(|row| row.try_get_by_index::<i64>(0))
            .transpose()?;
        if migrations != Some(1) {
            bail!("{} is not an mptf database", file.display());
        }
        Ok(())
    };
    let result = check.await;
    db.close().await.ok();
    result
}

async fn sqlite_has_tables(file: &Path) -> anyhow::Result<bool> {
    if std::fs::metadata(file)?.len() == 0 {
        return Ok(false);
    }
    let db = open_read_only(file).await?;
    let count = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
        ))
        .await?
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0);
    db.close().await.ok();
    Ok(count > 0)
}

/// Runs `pg_dump` or `pg_restore` on the database of `url`; the password goes through the
/// environment, not the command line (which other users can read).
fn run_postgres_tool(tool: &str, url: &str, arguments: &[String]) -> anyhow::Result<()> {
    let program = postgres_tool(tool);
    let (url, password) = split_password(url);
    let mut command = Command::new(&program);
    command.arg(format!("--dbname={url}")).args(arguments);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().with_context(|| {
        format!(
            "cannot run {}: install PostgreSQL's client tools (a version at least the server's)",
            program.display()
        )
    })?;
    if !output.status.success() {
        bail!(
            "{tool} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// `tool` on the PATH, else the newest installed under `/usr/lib/postgresql`.
fn postgres_tool(tool: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()));
    if on_path {
        return PathBuf::from(tool);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let path = entry.path().join("bin").join(tool);
            path.is_file().then_some((version, path))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, path)| path)
        .unwrap_or_else(|| PathBuf::from(tool))
}

/// `postgres://user:secret@host/db` → (`postgres://user@host/db`, `secret`).
fn split_password(url: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return (url.to_owned(), None);
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return (url.to_owned(), None);
    };
    match rest[..at].split_once(':') {
        Some((user, password)) => (
            format!("{}{user}{}", &url[..scheme_end], &rest[at..]),
            Some(password.to_owned()),
        ),
        None => (url.to_owned(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_leave_the_url() {
        assert_eq!(
            split_password("postgres://mptf:s3cret@db:5432/mptf"),
            (
                "postgres://mptf@db:5432/mptf".to_owned(),
                Some("s3cret".to_owned())
            )
        );
        assert_eq!(
            split_password("postgres://postgres@127.0.0.1/x"),
            ("postgres://postgres@127.0.0.1/x".to_owned(), None)
        );
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite://mptf.sqlite?mode=rwc").unwrap(),
            PathBuf::from("mptf.sqlite")
        );
        assert_eq!(
            sqlite_path("sqlite:///tmp/x/mptf.sqlite").unwrap(),
            PathBuf::from("/tmp/x/mptf.sqlite")
        );
    }
}
