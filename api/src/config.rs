//! Settings, from the command line or `MPTF_*` environment variables, validated before start-up.
//! Secrets are never logged: `Settings` redacts them in `Debug`.

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Friendly defaults: GraphiQL, a generated signing secret, the demo portfolio.
    Development,
    /// Locked down: an explicit secret is required, GraphiQL and introspection are off.
    Production,
}

#[derive(ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Args, Clone)]
pub struct Settings {
    /// Database: a SQLite file (`sqlite://mptf.sqlite?mode=rwc`, the embedded default) or
    /// PostgreSQL (`postgres://user@host/db`).
    #[arg(
        long,
        env = "MPTF_DATABASE_URL",
        default_value = "sqlite://mptf.sqlite?mode=rwc",
        global = true
    )]
    pub database_url: String,

    /// Address to listen on; port 0 picks a free one.
    #[arg(
        long,
        env = "MPTF_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,

    #[arg(
        long,
        env = "MPTF_PROFILE",
        value_enum,
        default_value = "development",
        global = true
    )]
    pub profile: Profile,

    /// HS256 signing secret, at least 32 bytes. In development it defaults to a random secret
    /// kept in `--dev-secret-file`.
    #[arg(long, env = "MPTF_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,

    #[arg(
        long,
        env = "MPTF_DEV_SECRET_FILE",
        default_value = ".mptf-dev-secret",
        global = true
    )]
    pub dev_secret_file: PathBuf,

    /// Lifetime of the access tokens `login` issues, in minutes.
    #[arg(long, env = "MPTF_TOKEN_MINUTES", default_value_t = 15, global = true)]
    pub token_minutes: i64,

    /// Seed the demo portfolio into an empty database at start-up (default: in development).
    #[arg(long, env = "MPTF_SEED_DEMO", global = true)]
    pub seed_demo: Option<bool>,

    #[arg(
        long,
        env = "MPTF_DB_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub db_max_connections: u32,

    /// How long a request waits for a database connection before failing, in seconds.
    #[arg(
        long,
        env = "MPTF_DB_ACQUIRE_TIMEOUT_SECS",
        default_value_t = 5,
        global = true
    )]
    pub db_acquire_timeout_secs: u64,

    /// HTTP worker threads (0: one per CPU core).
    #[arg(long, env = "MPTF_HTTP_WORKERS", default_value_t = 0, global = true)]
    pub http_workers: usize,

    #[arg(long, env = "MPTF_LOG_FORMAT", value_enum, global = true)]
    pub log_format: Option<LogFormat>,

    /// Serve GraphiQL at `/` (default: in development).
    #[arg(long, env = "MPTF_GRAPHIQL", global = true)]
    pub graphiql: Option<bool>,

    /// Add the number of SQL statements each request ran to the response's `extensions`
    /// (default: in development; useful to check for N+1 queries).
    #[arg(long, env = "MPTF_EXPOSE_SQL_COUNT", global = true)]
    pub expose_sql_count: Option<bool>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database", &redact_url(&self.database_url))
            .field("listen", &self.listen)
            .field("profile", &self.profile)
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

impl Settings {
    pub fn development(&self) -> bool {
        self.profile == Profile::Development
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    pub fn graphiql_enabled(&self) -> bool {
        self.graphiql.unwrap_or(self.development())
    }

    pub fn sql_count_exposed(&self) -> bool {
        self.expose_sql_count.unwrap_or(self.development())
    }

    pub fn seeds_demo(&self) -> bool {
        self.seed_demo.unwrap_or(self.development())
    }

    /// Checks every setting, naming the one at fault.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !(self.is_sqlite()
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            bail!("MPTF_DATABASE_URL must start with sqlite:// or postgres://");
        }
        if !(1..=24 * 60).contains(&self.token_minutes) {
            bail!("MPTF_TOKEN_MINUTES must be between 1 and 1440");
        }
        if self.db_max_connections == 0 {
            bail!("MPTF_DB_MAX_CONNECTIONS must be at least 1");
        }
        if let Some(secret) = &self.jwt_secret {
            if secret.len() < 32 {
                bail!("MPTF_JWT_SECRET must be at least 32 bytes long");
            }
        } else if !self.development() {
            bail!("MPTF_JWT_SECRET is required in the production profile");
        }
        Ok(())
    }

    /// The HS256 secret: the configured one, or in development one kept in a local file.
    pub fn signing_secret(&self) -> anyhow::Result<Vec<u8>> {
        if let Some(secret) = &self.jwt_secret {
            return Ok(secret.as_bytes().to_vec());
        }
        let path = &self.dev_secret_file;
        if let Ok(existing) = std::fs::read_to_string(path) {
            if existing.trim().len() >= 32 {
                return Ok(existing.trim().as_bytes().to_vec());
            }
        }
        let secret = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        write_private(path, &secret).with_context(|| {
            format!("cannot write the development secret to {}", path.display())
        })?;
        Ok(secret.into_bytes())
    }
}

fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents.as_bytes())
}

/// A database URL without its password, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}
