//! Test harness: each test starts the real server on port 0 with its own database (a fresh
//! SQLite file, or a fresh PostgreSQL database when `MPTF_TEST_POSTGRES_URL` is set) and talks
//! GraphQL over HTTP with a typed client.

use mptf::auth::{Principal, Tokens};
use mptf::config::{Profile, Settings};
use mptf::domain::Role;
use mptf::service::{ReadPolicy, Services};
use mptf::startup::Application;
use serde_json::{json, Value};
use std::sync::Once;

pub const SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";

/// The databases every test runs against.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Declares a test that runs once per backend: `name::sqlite` always, `name::postgres` when
/// `MPTF_TEST_POSTGRES_URL` is set. The one macro for "on both databases", in three forms:
/// - `async fn name(app: TestApp) { … }`: a server with the test settings;
/// - `adjust, async fn name(app: TestApp) { … }`: a server whose settings `adjust` changes first;
/// - `async fn name(backend: Backend) { … }`: no server; the test starts what it needs (the
///   binary as a child process, two servers, a throwaway cluster).
#[macro_export]
macro_rules! on_both {
    (@spawn $name:ident, $app:ident, $body:block, $sqlite:expr, $postgres:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::helpers::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $postgres {
                    run(app).await;
                }
            }
        }
    };
    ($(#[$meta:meta])* async fn $name:ident($app:ident: TestApp) $body:block) => {
        $crate::on_both!(@spawn $name, $app, $body,
            $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await,
            $crate::helpers::TestApp::spawn_if_postgres().await);
    };
    ($(#[$meta:meta])* async fn $name:ident($backend:ident: Backend) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($backend: $crate::helpers::Backend) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if std::env::var("MPTF_TEST_POSTGRES_URL").is_ok() {
                    run($crate::helpers::Backend::Postgres).await;
                }
            }
        }
    };
    ($adjust:path, $(#[$meta:meta])* async fn $name:ident($app:ident: TestApp) $body:block) => {
        $crate::on_both!(@spawn $name, $app, $body,
            $crate::helpers::TestApp::spawn_with($crate::helpers::Backend::Sqlite, $adjust).await,
            match std::env::var("MPTF_TEST_POSTGRES_URL") {
                Ok(_) => Some($crate::helpers::TestApp::spawn_with($crate::helpers::Backend::Postgres, $adjust).await),
                Err(_) => None,
            });
    };
}

pub struct TestApp {
    pub backend: Backend,
    pub address: String,
    pub services: Services,
    pub tokens: Tokens,
    pub database_url: String,
    pub client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            mptf::telemetry::init(mptf::config::LogFormat::Pretty, "info");
        }
    });
}

pub fn settings(database_url: &str) -> Settings {
    Settings {
        database_url: database_url.to_owned(),
        listen: "127.0.0.1:0".parse().unwrap(),
        profile: Profile::Development,
        jwt_secret: Some(SECRET.to_owned()),
        dev_secret_file: "/nonexistent".into(),
        token_minutes: 15,
        seed_demo: Some(false),
        db_max_connections: 10,
        db_acquire_timeout_secs: 5,
        http_workers: 1,
        log_format: None,
        graphiql: Some(true),
        expose_sql_count: Some(true),
        security: Default::default(),
        operations: Default::default(),
        iati: Default::default(),
    }
}

/// A fresh, empty PostgreSQL database on the server named by `MPTF_TEST_POSTGRES_URL`.
pub async fn fresh_postgres_database() -> Option<String> {
    let base = std::env::var("MPTF_TEST_POSTGRES_URL").ok()?;
    let name = format!("mptf_test_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(&base)
        .await
        .expect("connect to MPTF_TEST_POSTGRES_URL");
    use sea_orm::ConnectionTrait;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    admin.close().await.ok();
    let (prefix, _) = base
        .rsplit_once('/')
        .expect("MPTF_TEST_POSTGRES_URL ends with /<database>");
    Some(format!("{prefix}/{name}"))
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// A server on an existing database (a second process on the same PostgreSQL).
    pub async fn spawn_on(database_url: &str) -> TestApp {
        init_logs();
        let application = Application::build(&settings(database_url))
            .await
            .expect("the application starts");
        let (port, services, _handle) = application.spawn();
        TestApp {
            backend: if database_url.starts_with("postgres") {
                Backend::Postgres
            } else {
                Backend::Sqlite
            },
            address: format!("http://127.0.0.1:{port}"),
            services,
            tokens: Tokens::new(SECRET.as_bytes()).unwrap(),
            database_url: database_url.to_owned(),
            client: reqwest::Client::new(),
            _dir: None,
        }
    }

    /// A client of a server running elsewhere (a child process) on `database_url`; `services`
    /// is a connection of the test's own to that database.
    pub async fn attach(address: &str, database_url: &str) -> TestApp {
        let (db, statements) = mptf::startup::connect(&settings(database_url))
            .await
            .expect("the test connects to the server's database");
        TestApp {
            backend: if database_url.starts_with("postgres") {
                Backend::Postgres
            } else {
                Backend::Sqlite
            },
            address: address.to_owned(),
            services: Services {
                db: db.into(),
                events: mptf::service::EventBus::new(true),
                statements,
                figures: mptf::service::FiguresCache::disabled(),
                policy: ReadPolicy::FUND,
            },
            tokens: Tokens::new(SECRET.as_bytes()).unwrap(),
            database_url: database_url.to_owned(),
            client: reqwest::Client::new(),
            _dir: None,
        }
    }

    pub async fn spawn_if_postgres() -> Option<TestApp> {
        std::env::var("MPTF_TEST_POSTGRES_URL").ok()?;
        Some(Self::spawn(Backend::Postgres).await)
    }

    /// Starts a server whose settings `adjust` may change.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        Self::start(backend, adjust, ReadPolicy::FUND).await
    }

    /// Starts a server that reads concept notes under `policy` instead of the fund's rule.
    pub async fn spawn_with_policy(backend: Backend, policy: ReadPolicy) -> TestApp {
        Self::start(backend, |_| {}, policy).await
    }

    async fn start(
        backend: Backend,
        adjust: impl FnOnce(&mut Settings),
        policy: ReadPolicy,
    ) -> TestApp {
        init_logs();
        let (url, dir) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                (
                    format!(
                        "sqlite://{}?mode=rwc",
                        dir.path().join("mptf.sqlite").display()
                    ),
                    Some(dir),
                )
            }
            Backend::Postgres => (
                fresh_postgres_database()
                    .await
                    .expect("MPTF_TEST_POSTGRES_URL"),
                None,
            ),
        };
        let mut settings = settings(&url);
        adjust(&mut settings);
        let application = Application::build_with_policy(&settings, policy)
            .await
            .expect("the application starts");
        let (port, services, _handle) = application.spawn();
        TestApp {
            backend,
            address: format!("http://127.0.0.1:{port}"),
            services,
            tokens: Tokens::new(SECRET.as_bytes()).unwrap(),
            database_url: url,
            client: reqwest::Client::new(),
            _dir: dir,
        }
    }

    /// A token for a role; DONOR and PUNO tokens name their donor or organization.
    pub fn token(&self, role: Role, subject: &str) -> String {
        self.token_for(Principal {
            subject: subject.to_owned(),
            role,
            chair: false,
            donor_id: None,
            organization_id: None,
        })
    }

    pub fn donor_token(&self, donor_id: i64, subject: &str) -> String {
        self.token_for(Principal {
            subject: subject.to_owned(),
            role: Role::Donor,
            chair: false,
            donor_id: Some(donor_id),
            organization_id: None,
        })
    }

    pub fn puno_token(&self, organization_id: i64, subject: &str) -> String {
        self.token_for(Principal {
            subject: subject.to_owned(),
            role: Role::Puno,
            chair: false,
            donor_id: None,
            organization_id: Some(organization_id),
        })
    }

    pub fn token_for(&self, principal: Principal) -> String {
        self.tokens
            .issue(&principal, chrono::Duration::minutes(10))
            .unwrap()
    }

    /// Posts a GraphQL request and returns the whole JSON response.
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the server answers");
        response.json().await.expect("a JSON body")
    }

    /// Posts a GraphQL multipart request (the `operations` and `map` parts, then the file as
    /// part `0`, mapped to `variables.{file_variable}`) and returns the HTTP response.
    pub async fn upload(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
        file_variable: &str,
        file: (&str, &str, &[u8]),
    ) -> reqwest::Response {
        let (file_name, content_type, bytes) = file;
        let boundary = "mptf-test-boundary-7d1e3a";
        let operations = json!({"query": query, "variables": variables}).to_string();
        let map = json!({"0": [format!("variables.{file_variable}")]}).to_string();
        let mut body = Vec::new();
        for (name, value) in [("operations", operations), ("map", map)] {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the server answers")
    }

    /// `GET` a path of the server, with the token if any.
    pub async fn get(&self, token: Option<&str>, path: &str) -> reqwest::Response {
        let mut request = self.client.get(format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the server answers")
    }

    /// Like `graphql`, but fails the test on any top-level error and returns `data`.
    pub async fn data(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let response = self.graphql(token, query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    /// The code of the first top-level error.
    pub async fn error_code(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        let response = self.graphql(token, query, variables).await;
        response["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("expected an error: {response:#}"))
            .to_owned()
    }

    /// Waits until the server sends no SQL for a while. `extensions.sqlStatements` counts every
    /// statement of the process, and with PostgreSQL the event listener reads the outbox rows the
    /// fixtures' commits announced, a little after those commits.
    pub async fn until_quiet(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut seen = self.services.statements.get();
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
            let now = self.services.statements.get();
            if now == seen || std::time::Instant::now() > deadline {
                return;
            }
            seen = now;
        }
    }

    pub fn admin(&self) -> String {
        self.token(Role::Admin, "user:admin")
    }

    /// A second Fund Management Unit officer (separation of duties).
    pub fn officer(&self) -> String {
        self.token(Role::Admin, "user:officer")
    }

    pub fn committee(&self) -> String {
        self.token(Role::SteeringCommittee, "user:committee")
    }

    /// The steering committee's chair (the token's `chair` claim), another member than
    /// `committee`.
    pub fn chair(&self) -> String {
        self.token_for(Principal {
            subject: "user:chair".to_owned(),
            role: Role::SteeringCommittee,
            chair: true,
            donor_id: None,
            organization_id: None,
        })
    }

    /// SQL statements the server has sent so far.
    pub fn statements(&self) -> u64 {
        self.services.statements.get()
    }
}

/// The numeric row id behind a global id.
pub fn row_id(global: &Value) -> i64 {
    let (_, key) =
        mptf::ids::decode_any(global.as_str().expect("an id string")).expect("a global id");
    key.parse().expect("a numeric id")
}
