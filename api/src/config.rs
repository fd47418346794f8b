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

    /// Query limits, CORS, the external identity provider and account checks.
    #[command(flatten)]
    pub security: SecuritySettings,

    /// Shutdown and WebSocket timing.
    #[command(flatten)]
    pub operations: OperationsSettings,

    /// What the IATI export publishes and under which identifiers (docs/iati.md).
    #[command(flatten)]
    pub iati: IatiSettings,
}

/// The IATI 2.03 export (`GET /iati/activities.xml`, `mptf export iati FILE`; docs/iati.md).
#[derive(Args, Clone, Debug, PartialEq, Eq)]
pub struct IatiSettings {
    /// The IATI organisation identifier of the reporting organization (the Administrative
    /// Agent publishing the fund), e.g. as registered with the IATI Registry. Every activity's
    /// identifier begins with it. Without it the export is refused with NOT_CONFIGURED: an
    /// identifier is never made up.
    #[arg(long, env = "MPTF_IATI_PUBLISHER_REF", global = true)]
    pub iati_publisher_ref: Option<String>,

    /// Publish each donor's pledges, agreements and deposits as its own transactions (to the
    /// callers who read every donor's contributions); off: the fund's totals only.
    #[arg(
        long,
        env = "MPTF_IATI_PUBLISH_DONOR_AMOUNTS",
        default_value_t = false,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub iati_publish_donor_amounts: bool,

    /// The fund's own code, after the publisher's identifier in the fund's activity identifier
    /// (`<MPTF_IATI_PUBLISHER_REF>-MIG00`): by default the MPTF Office Gateway's code of the
    /// Migration MPTF.
    #[arg(
        long,
        env = "MPTF_IATI_FUND_CODE",
        default_value = "MIG00",
        global = true
    )]
    pub iati_fund_code: String,
}

impl Default for IatiSettings {
    fn default() -> Self {
        Self {
            iati_publisher_ref: None,
            iati_publish_donor_amounts: false,
            iati_fund_code: "MIG00".to_owned(),
        }
    }
}

impl IatiSettings {
    /// Checks the IATI settings, naming the one at fault.
    pub fn validate(&self) -> anyhow::Result<()> {
        let identifier = |text: &str| {
            !text.trim().is_empty()
                && text.len() <= 100
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if let Some(reference) = &self.iati_publisher_ref {
            if !identifier(reference) {
                bail!("MPTF_IATI_PUBLISHER_REF must be an IATI organisation identifier: letters, digits, `-`, `_` and `.` (e.g. the reporting organization's registered identifier)");
            }
        }
        if !identifier(&self.iati_fund_code) {
            bail!("MPTF_IATI_FUND_CODE must be letters, digits, `-`, `_` or `.`");
        }
        Ok(())
    }
}

/// How the server stops and how long a WebSocket may stay silent before `connection_init`.
#[derive(Args, Clone, Debug, PartialEq, Eq)]
pub struct OperationsSettings {
    /// On SIGTERM, how long in-flight requests get to finish before the process exits anyway,
    /// in seconds.
    #[arg(
        long,
        env = "MPTF_SHUTDOWN_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub shutdown_timeout_secs: u64,

    /// How long a WebSocket may wait before sending `connection_init` (then closed with 4408),
    /// in seconds.
    #[arg(
        long,
        env = "MPTF_WS_INIT_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub ws_init_timeout_secs: u64,

    /// How long a dashboard figure may be served from memory at most, in seconds; any committed
    /// write retires it earlier. 0 computes every figure for every request.
    #[arg(
        long,
        env = "MPTF_FIGURES_CACHE_SECS",
        default_value_t = 60,
        global = true
    )]
    pub figures_cache_secs: u64,

    /// How long the outbox keeps portfolio events for subscribers that reconnect with
    /// `portfolioEvents(after:)`, in days; older ones are removed every hour. 0 keeps them all.
    #[arg(
        long,
        env = "MPTF_EVENT_RETENTION_DAYS",
        default_value_t = crate::service::events::DEFAULT_RETENTION_DAYS,
        global = true
    )]
    pub event_retention_days: u32,

    /// How long a client may take to send a request's headers, in seconds (then 408 and the
    /// connection is closed).
    #[arg(
        long,
        env = "MPTF_HEADER_TIMEOUT_SECS",
        default_value_t = 5,
        global = true
    )]
    pub header_timeout_secs: u64,

    /// How long a client may take to send a request's whole body once its headers have
    /// arrived, in seconds (then 408 with the code REQUEST_TIMEOUT).
    #[arg(
        long,
        env = "MPTF_BODY_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub body_timeout_secs: u64,

    /// Most connections one client address may hold open at once; requests on the ones above
    /// get 429 with the code TOO_MANY_REQUESTS. 0: no cap (behind a proxy that connects from
    /// one address, raise it or turn it off and cap at the proxy).
    #[arg(
        long,
        env = "MPTF_MAX_CONNECTIONS_PER_CLIENT",
        default_value_t = 100,
        global = true
    )]
    pub max_connections_per_client: usize,
}

impl Default for OperationsSettings {
    fn default() -> Self {
        Self {
            shutdown_timeout_secs: 30,
            ws_init_timeout_secs: 10,
            figures_cache_secs: 60,
            event_retention_days: crate::service::events::DEFAULT_RETENTION_DAYS,
            header_timeout_secs: 5,
            body_timeout_secs: 10,
            max_connections_per_client: 100,
        }
    }
}

impl OperationsSettings {
    /// Checks the operations settings, naming the one at fault.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !(1..=600).contains(&self.shutdown_timeout_secs) {
            bail!("MPTF_SHUTDOWN_TIMEOUT_SECS must be between 1 and 600");
        }
        if !(1..=300).contains(&self.ws_init_timeout_secs) {
            bail!("MPTF_WS_INIT_TIMEOUT_SECS must be between 1 and 300");
        }
        if self.figures_cache_secs > 3_600 {
            bail!("MPTF_FIGURES_CACHE_SECS must be at most 3600 (an hour)");
        }
        if self.event_retention_days > 3_650 {
            bail!("MPTF_EVENT_RETENTION_DAYS must be at most 3650 (ten years; 0 keeps them all)");
        }
        if !(1..=300).contains(&self.header_timeout_secs) {
            bail!("MPTF_HEADER_TIMEOUT_SECS must be between 1 and 300");
        }
        if !(1..=600).contains(&self.body_timeout_secs) {
            bail!("MPTF_BODY_TIMEOUT_SECS must be between 1 and 600");
        }
        if self.max_connections_per_client > 100_000 {
            bail!("MPTF_MAX_CONNECTIONS_PER_CLIENT must be at most 100000 (0: no cap)");
        }
        Ok(())
    }
}

/// The highest MPTF_MAX_TOKEN_HOURS accepted (30 days).
pub const MAX_TOKEN_HOURS_LIMIT: i64 = 720;

/// What guards the API: query limits (each refused before execution with its own code), the
/// request size, cross-origin access, GET, and the tokens of an external identity provider.
#[derive(Args, Clone, Debug, PartialEq, Eq)]
pub struct SecuritySettings {
    /// Largest request body accepted, in bytes (larger ones get 413).
    #[arg(long, env = "MPTF_MAX_BODY_BYTES", default_value_t = 256 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Largest document file accepted by `attachDocument`, in bytes (a larger upload gets 413).
    /// A request that carries a file may be this much larger than MPTF_MAX_BODY_BYTES.
    #[arg(long, env = "MPTF_MAX_DOCUMENT_BYTES", default_value_t = 10 * 1024 * 1024, global = true)]
    pub max_document_bytes: usize,

    /// Deepest field nesting of a query (QUERY_TOO_DEEP).
    #[arg(long, env = "MPTF_MAX_DEPTH", default_value_t = 10, global = true)]
    pub max_depth: usize,

    /// Highest cost of a query, where a connection costs its page size times its selection
    /// (QUERY_TOO_COMPLEX).
    #[arg(
        long,
        env = "MPTF_MAX_COMPLEXITY",
        default_value_t = 25_000,
        global = true
    )]
    pub max_complexity: usize,

    /// Most aliased fields in one document (TOO_MANY_ALIASES).
    #[arg(long, env = "MPTF_MAX_ALIASES", default_value_t = 15, global = true)]
    pub max_aliases: usize,

    /// Most directives in one document (TOO_MANY_DIRECTIVES).
    #[arg(long, env = "MPTF_MAX_DIRECTIVES", default_value_t = 50, global = true)]
    pub max_directives: usize,

    /// Most lexical tokens in one document (TOO_MANY_TOKENS).
    #[arg(long, env = "MPTF_MAX_TOKENS", default_value_t = 1_000, global = true)]
    pub max_tokens: usize,

    /// Most repeated selections of the same field or fragment in one selection set, across a
    /// document (TOO_MANY_DUPLICATE_FIELDS).
    #[arg(
        long,
        env = "MPTF_MAX_DUPLICATE_FIELDS",
        default_value_t = 20,
        global = true
    )]
    pub max_duplicate_fields: usize,

    /// Origins of the dashboards allowed to call the API from a browser, comma-separated
    /// (`https://dashboard.example.org`). Development allows any origin when none is named.
    #[arg(long, env = "MPTF_CORS_ORIGINS", value_delimiter = ',', global = true)]
    pub cors_origins: Vec<String>,

    /// Answer queries sent with GET (default: in development; mutations never).
    #[arg(long, env = "MPTF_GRAPHQL_GET", global = true)]
    pub graphql_get: Option<bool>,

    /// PEM file with the public key (RSA for RS256, Ed25519 for EdDSA) of an external identity
    /// provider whose tokens are accepted besides the service's own.
    #[arg(long, env = "MPTF_IDP_PUBLIC_KEY_FILE", global = true)]
    pub idp_public_key_file: Option<PathBuf>,

    /// JWKS file with the identity provider's public keys (RSA or Ed25519), chosen by `kid`.
    #[arg(long, env = "MPTF_IDP_JWKS_FILE", global = true)]
    pub idp_jwks_file: Option<PathBuf>,

    /// The `iss` the identity provider's tokens carry.
    #[arg(long, env = "MPTF_IDP_ISSUER", global = true)]
    pub idp_issuer: Option<String>,

    /// The `aud` the identity provider's tokens must name.
    #[arg(long, env = "MPTF_IDP_AUDIENCE", global = true)]
    pub idp_audience: Option<String>,

    /// How long a user account's active flag is trusted before it is read again, in seconds
    /// (at most 60): a deactivated user's tokens stop working within this time.
    #[arg(
        long,
        env = "MPTF_ACCOUNT_CHECK_SECS",
        default_value_t = 30,
        global = true
    )]
    pub account_check_secs: u64,

    /// Longest a query or mutation may run, in seconds; then it is cancelled and answered with
    /// REQUEST_TIMEOUT.
    #[arg(
        long,
        env = "MPTF_MAX_REQUEST_SECS",
        default_value_t = 10,
        global = true
    )]
    pub max_request_secs: u64,

    /// Most database connections one request may hold at once (0: a third of the pool), so
    /// that one request cannot starve the others.
    #[arg(
        long,
        env = "MPTF_DB_CONNECTIONS_PER_REQUEST",
        default_value_t = 0,
        global = true
    )]
    pub db_connections_per_request: u32,

    /// Most operations open at once on one WebSocket (a further `subscribe` closes it with 4429).
    #[arg(
        long,
        env = "MPTF_MAX_SUBSCRIPTIONS_PER_SOCKET",
        default_value_t = 20,
        global = true
    )]
    pub max_subscriptions_per_socket: usize,

    /// Most WebSockets open at once for one caller (one token subject, or one address for
    /// anonymous callers); a further `connection_init` is closed with 4429.
    #[arg(
        long,
        env = "MPTF_MAX_SOCKETS_PER_CALLER",
        default_value_t = 10,
        global = true
    )]
    pub max_sockets_per_caller: usize,
    /// The longest a bearer token may live, in hours: a token whose `exp` lies further than this
    /// after its `iat` (or after now) is refused, whoever signed it. `login`'s tokens
    /// (MPTF_TOKEN_MINUTES) and `mptf token --minutes` stay within it.
    #[arg(
        long,
        env = "MPTF_MAX_TOKEN_HOURS",
        default_value_t = 24,
        global = true
    )]
    pub max_token_hours: i64,

    /// How long `login` refuses an account from one source address after five wrong passwords
    /// from there (and a source address after many failures on any accounts), in seconds.
    #[arg(
        long,
        env = "MPTF_LOGIN_LOCK_SECS",
        default_value_t = 900,
        global = true
    )]
    pub login_lock_secs: u64,

    /// A separate address for `/metrics` (e.g. `127.0.0.1:9090`); when set, the API's own port
    /// does not serve it.
    #[arg(long, env = "MPTF_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<SocketAddr>,

    /// A bearer token (at least 32 bytes) that `/metrics` requires. Without it and without
    /// MPTF_METRICS_LISTEN, the production profile does not serve `/metrics` at all.
    #[arg(
        long,
        env = "MPTF_METRICS_TOKEN",
        hide_env_values = true,
        value_parser = parse_secret,
        global = true
    )]
    pub metrics_token: Option<Secret>,
}

/// A setting that is never printed: `Debug` shows `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

fn parse_secret(text: &str) -> Result<Secret, String> {
    Ok(Secret(text.to_owned()))
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            max_document_bytes: 10 * 1024 * 1024,
            max_depth: 10,
            max_complexity: 25_000,
            max_aliases: 15,
            max_directives: 50,
            max_tokens: 1_000,
            max_duplicate_fields: 20,
            cors_origins: Vec::new(),
            graphql_get: None,
            idp_public_key_file: None,
            idp_jwks_file: None,
            idp_issuer: None,
            idp_audience: None,
            account_check_secs: 30,
            max_request_secs: 10,
            db_connections_per_request: 0,
            max_subscriptions_per_socket: 20,
            max_sockets_per_caller: 10,
            max_token_hours: 24,
            login_lock_secs: 900,
            metrics_listen: None,
            metrics_token: None,
        }
    }
}

impl SecuritySettings {
    /// Checks the security settings, naming the one at fault.
    pub fn validate(&self, production: bool) -> anyhow::Result<()> {
        for (value, name) in [
            (self.max_body_bytes, "MPTF_MAX_BODY_BYTES"),
            (self.max_document_bytes, "MPTF_MAX_DOCUMENT_BYTES"),
            (self.max_depth, "MPTF_MAX_DEPTH"),
            (self.max_complexity, "MPTF_MAX_COMPLEXITY"),
            (self.max_tokens, "MPTF_MAX_TOKENS"),
        ] {
            if value == 0 {
                bail!("{name} must be at least 1");
            }
        }
        if self.account_check_secs > 60 {
            bail!("MPTF_ACCOUNT_CHECK_SECS must be at most 60");
        }
        if !(1..=600).contains(&self.max_request_secs) {
            bail!("MPTF_MAX_REQUEST_SECS must be between 1 and 600");
        }
        if self.max_subscriptions_per_socket == 0 || self.max_sockets_per_caller == 0 {
            bail!("MPTF_MAX_SUBSCRIPTIONS_PER_SOCKET and MPTF_MAX_SOCKETS_PER_CALLER must be at least 1");
        }
        if !(1..=MAX_TOKEN_HOURS_LIMIT).contains(&self.max_token_hours) {
            bail!("MPTF_MAX_TOKEN_HOURS must be between 1 and {MAX_TOKEN_HOURS_LIMIT}");
        }
        if !(1..=86_400).contains(&self.login_lock_secs) {
            bail!("MPTF_LOGIN_LOCK_SECS must be between 1 and 86400 (a day)");
        }
        if self
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.0.trim().len() < 32)
        {
            bail!("MPTF_METRICS_TOKEN must be at least 32 bytes long");
        }
        for origin in &self.cors_origins {
            if origin == "*" {
                if production {
                    bail!("MPTF_CORS_ORIGINS cannot be `*` in the production profile: name the dashboards' origins");
                }
                continue;
            }
            let valid = origin.split_once("://").is_some_and(|(scheme, rest)| {
                matches!(scheme, "http" | "https")
                    && !rest.is_empty()
                    && !rest.contains('/')
                    && !rest.contains('@')
            });
            if !valid {
                bail!("MPTF_CORS_ORIGINS: {origin:?} is not an origin like https://dashboard.example.org");
            }
        }
        match (&self.idp_public_key_file, &self.idp_jwks_file) {
            (Some(_), Some(_)) => {
                bail!("name either MPTF_IDP_PUBLIC_KEY_FILE or MPTF_IDP_JWKS_FILE, not both")
            }
            (None, None) => {
                if self.idp_issuer.is_some() || self.idp_audience.is_some() {
                    bail!("MPTF_IDP_ISSUER and MPTF_IDP_AUDIENCE need MPTF_IDP_PUBLIC_KEY_FILE or MPTF_IDP_JWKS_FILE");
                }
            }
            _ => {
                if self
                    .idp_issuer
                    .as_deref()
                    .is_none_or(|i| i.trim().is_empty())
                {
                    bail!("MPTF_IDP_ISSUER is required with an identity provider's key");
                }
                if self
                    .idp_audience
                    .as_deref()
                    .is_none_or(|a| a.trim().is_empty())
                {
                    bail!("MPTF_IDP_AUDIENCE is required with an identity provider's key");
                }
            }
        }
        Ok(())
    }
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
            .field("security", &self.security)
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

    /// The longest lifetime of any bearer token.
    pub fn max_token_lifetime(&self) -> chrono::Duration {
        chrono::Duration::hours(self.security.max_token_hours)
    }

    /// Whether `GET /graphql` answers queries (mutations are never accepted over GET).
    pub fn graphql_get_enabled(&self) -> bool {
        self.security.graphql_get.unwrap_or(self.development())
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
        if self.token_minutes > self.security.max_token_hours.saturating_mul(60) {
            bail!("MPTF_TOKEN_MINUTES must not exceed MPTF_MAX_TOKEN_HOURS (in minutes)");
        }
        if self
            .security
            .metrics_listen
            .is_some_and(|m| m == self.listen && m.port() != 0)
        {
            bail!("MPTF_METRICS_LISTEN must differ from MPTF_LISTEN");
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
        self.security.validate(!self.development())?;
        if !(1..=600).contains(&self.db_acquire_timeout_secs) {
            bail!("MPTF_DB_ACQUIRE_TIMEOUT_SECS must be between 1 and 600");
        }
        if self.http_workers > 1024 {
            bail!("MPTF_HTTP_WORKERS must be at most 1024 (0: one per CPU core)");
        }
        self.operations.validate()?;
        self.iati.validate()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        security: SecuritySettings,
        #[command(flatten)]
        operations: OperationsSettings,
        #[command(flatten)]
        iati: IatiSettings,
    }

    #[test]
    fn the_security_defaults_are_the_command_lines() {
        let parsed = Cli::try_parse_from(["mptf"]).unwrap();
        assert_eq!(parsed.security, SecuritySettings::default());
        assert_eq!(parsed.operations, OperationsSettings::default());
        assert_eq!(parsed.iati, IatiSettings::default());
    }

    #[test]
    fn cors_origins_are_origins() {
        let mut security = SecuritySettings {
            cors_origins: vec!["https://dashboard.example.org".into()],
            ..SecuritySettings::default()
        };
        assert!(security.validate(true).is_ok());
        security.cors_origins = vec!["*".into()];
        assert!(security.validate(true).is_err());
        assert!(security.validate(false).is_ok());
        security.cors_origins = vec!["https://example.org/path".into()];
        assert!(security.validate(false).is_err());
    }
}
