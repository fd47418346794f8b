//! Operations: health, readiness and metrics; request ids in the logs; graceful shutdown on
//! SIGTERM; `kill -9` in the middle of money mutations; a PostgreSQL outage; backup and restore;
//! configuration errors. Most run the built `mptf` binary as a child process, as production does.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

// ---------------------------------------------------------------------------------------------
// The binary as a child process

/// `target/<profile>/mptf`, built from the current sources once per test run (a stale binary
/// would test yesterday's code); or the binary `MPTF_TEST_BINARY` names.
pub(crate) fn mptf_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(binary) = std::env::var_os("MPTF_TEST_BINARY") {
            return PathBuf::from(binary);
        }
        let exe = std::env::current_exe().expect("the test binary's path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("tests run from target/<profile>/deps");
        let binary = profile_dir.join("mptf");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let mut build = Command::new(cargo);
        // The same build as `cargo run`'s, so that CI finds it done.
        build
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--quiet", "--bin", "mptf"]);
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        let built = build.status().is_ok_and(|s| s.success());
        assert!(
            built || binary.exists(),
            "cannot build {}: run `cargo build -p mptf --bin mptf` first",
            binary.display()
        );
        binary
    })
}

/// The binary with a clean `MPTF_*` environment pointing at `database_url`.
pub(crate) fn mptf(database_url: &str) -> Command {
    let mut command = Command::new(mptf_binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("MPTF_") {
            command.env_remove(key);
        }
    }
    command
        .env("MPTF_DATABASE_URL", database_url)
        .env("MPTF_JWT_SECRET", SECRET)
        .env("MPTF_DEV_SECRET_FILE", "/nonexistent/.mptf-dev-secret")
        .env("MPTF_SEED_DEMO", "false")
        .env("MPTF_LOG_FORMAT", "json")
        .env("RUST_LOG", "info,sqlx=warn,sea_orm=warn")
        .stdin(Stdio::null());
    command
}

/// Runs a command of the binary to its end: (success, stdout and stderr).
pub(crate) fn run_mptf(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let output = mptf(database_url)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("mptf runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// `mptf serve` in a child process, on a free port.
pub(crate) struct ChildServer {
    process: std::process::Child,
    pub(crate) address: String,
    logs: Arc<Mutex<Vec<String>>>,
}

impl ChildServer {
    pub(crate) async fn start(database_url: &str, env: &[(&str, &str)]) -> ChildServer {
        let mut process = mptf(database_url)
            .arg("serve")
            .env("MPTF_LISTEN", "127.0.0.1:0")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mptf starts");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (port_sender, port) = std::sync::mpsc::channel::<u16>();
        let stdout = process.stdout.take().expect("stdout");
        let stderr = process.stderr.take().expect("stderr");
        let kept = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = line
                    .split("listening on http://")
                    .nth(1)
                    .and_then(|rest| rest.split(':').nth(1))
                    .map(|p| {
                        p.chars()
                            .take_while(char::is_ascii_digit)
                            .collect::<String>()
                    })
                    .and_then(|p| p.parse().ok())
                {
                    let _ = port_sender.send(port);
                }
                kept.lock().unwrap().push(line);
            }
        });
        let kept = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        let port = tokio::task::spawn_blocking(move || port.recv_timeout(Duration::from_secs(90)))
            .await
            .unwrap();
        let Ok(port) = port else {
            let _ = process.kill();
            panic!(
                "the server did not start:\n{}",
                logs.lock().unwrap().join("\n")
            );
        };
        let server = ChildServer {
            process,
            address: format!("http://127.0.0.1:{port}"),
            logs,
        };
        let client = reqwest::Client::new();
        for _ in 0..100 {
            let ready = client
                .get(format!("{}/readyz", server.address))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if ready {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server never became ready:\n{}", server.logs());
    }

    pub(crate) fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }

    pub(crate) fn sigterm(&self) {
        let pid = i32::try_from(self.process.id()).expect("a pid");
        // SAFETY: kill(2) with a pid of our own child and a valid signal number.
        let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(sent, 0, "SIGTERM is delivered");
    }

    /// SIGKILL: the process ends at once, with whatever it was doing.
    fn kill9(&mut self) {
        self.process.kill().expect("SIGKILL is delivered");
        self.process.wait().expect("the process is reaped");
    }

    pub(crate) async fn exit_status(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Some(status) = self.process.try_wait().expect("the child's status") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A fresh database for a child server: a SQLite file in a temporary folder, or a new
/// PostgreSQL database (None when `MPTF_TEST_POSTGRES_URL` is not set).
pub(crate) async fn fresh_database(
    backend: Backend,
) -> Option<(String, Option<tempfile::TempDir>)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let url = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("mptf.sqlite").display()
            );
            Some((url, Some(dir)))
        }
        Backend::Postgres => fresh_postgres_database().await.map(|url| (url, None)),
    }
}

// ---------------------------------------------------------------------------------------------
// WebSocket

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A subscription to every portfolio event, acknowledged.
async fn subscribe(address: &str, token: &str) -> Socket {
    let mut request = format!("{}/graphql", address.replacen("http", "ws", 1))
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the WebSocket opens");
    let init =
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}});
    socket.send(Message::text(init.to_string())).await.unwrap();
    let ack = next_text(&mut socket).await.expect("connection_ack");
    assert_eq!(ack["type"], "connection_ack");
    let subscribe = json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { portfolioEvents { kind } }"}});
    socket
        .send(Message::text(subscribe.to_string()))
        .await
        .unwrap();
    socket
}

async fn next_text(socket: &mut Socket) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let message: Value = serde_json::from_str(&text).unwrap();
                if message["type"] != "ping" {
                    return Some(message);
                }
            }
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

/// Reads until the server's close frame: its code.
async fn close_code(socket: &mut Socket, within: Duration) -> Option<CloseCode> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(500), socket.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| f.code),
            Ok(Some(Ok(_))) | Err(_) => continue,
            Ok(Some(Err(_))) | Ok(None) => return None,
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Metrics

/// The value of one series in a Prometheus exposition (`name{labels}` as written).
fn sample(exposition: &str, series: &str) -> Option<f64> {
    exposition
        .lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    response.text().await.unwrap()
}

on_both! {
    async fn health_readiness_and_metrics_are_served(app: TestApp) {
        let healthz = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
        assert_eq!(healthz.status(), 200);
        let readyz = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
        assert_eq!(readyz.status(), 200);

        let statements_before = sample(&scrape(&app).await, "mptf_db_statements_total").unwrap();
        app.data(None, "query Totals { portfolio { totals { depositedUsd } } }", json!({})).await;
        app.data(None, "query Totals { portfolio { totals { depositedUsd } } }", json!({})).await;
        app.data(None, "query Areas { thematicAreas { number } }", json!({})).await;
        app.data(None, "{ guidingPrinciples { code } }", json!({})).await;
        let donor = create_donor(&app, "Metrics").await;
        // A business failure: a deposit against a contribution that does not exist.
        let refused = app.data(Some(&app.admin()),
            "mutation Deposit($input: RecordDepositInput!) { recordDeposit(input: $input) { userErrors { code } } }",
            json!({"input": {"contribution": donor, "receivedOn": "2021-03-01", "amount": {"amount": "1.00", "currency": "USD"}, "exchangeRate": "1", "idempotencyKey": "metrics-1"}})).await;
        assert_ne!(refused["recordDeposit"]["userErrors"], json!([]), "{refused}");
        app.graphql(None, "query Broken { noSuchField }", json!({})).await;

        let mut socket = subscribe(&app.address, &app.admin()).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let metrics = scrape(&app).await;
        assert_eq!(sample(&metrics, "mptf_graphql_requests_total{operation=\"Totals\",outcome=\"ok\"}"), Some(2.0), "{metrics}");
        assert_eq!(sample(&metrics, "mptf_graphql_requests_total{operation=\"Areas\",outcome=\"ok\"}"), Some(1.0), "{metrics}");
        assert!(sample(&metrics, "mptf_graphql_requests_total{operation=\"anonymous\",outcome=\"ok\"}").unwrap() >= 1.0, "{metrics}");
        assert_eq!(sample(&metrics, "mptf_graphql_requests_total{operation=\"Deposit\",outcome=\"user_error\"}"), Some(1.0), "{metrics}");
        assert_eq!(sample(&metrics, "mptf_graphql_requests_total{operation=\"Broken\",outcome=\"user_error\"}"), Some(1.0), "{metrics}");
        assert_eq!(sample(&metrics, "mptf_graphql_request_duration_seconds_count{operation=\"Totals\",outcome=\"ok\"}"), Some(2.0), "{metrics}");
        assert_eq!(sample(&metrics, "mptf_subscriptions_open"), Some(1.0), "{metrics}");
        assert_eq!(sample(&metrics, "mptf_websocket_connections_open"), Some(1.0), "{metrics}");
        assert!(sample(&metrics, "mptf_db_statements_total").unwrap() > statements_before, "{metrics}");
        // The same counter as the test's handle on the server's services.
        assert_eq!(sample(&metrics, "mptf_db_statements_total"), Some(app.statements() as f64));
        assert!(sample(&metrics, "mptf_db_pool_max_connections").unwrap() >= 1.0, "{metrics}");
        assert!(sample(&metrics, "mptf_db_pool_connections{state=\"idle\"}").is_some(), "{metrics}");
        assert!(sample(&metrics, "mptf_db_pool_connections{state=\"in_use\"}").is_some(), "{metrics}");
        assert!(sample(&metrics, "mptf_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}").is_some(), "{metrics}");

        socket.send(Message::text(json!({"id": "1", "type": "complete"}).to_string())).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(sample(&scrape(&app).await, "mptf_subscriptions_open"), Some(0.0));
        socket.close(None).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(sample(&scrape(&app).await, "mptf_websocket_connections_open"), Some(0.0));
    }
}

on_both! {
    async fn readiness_fails_while_migrations_are_pending(app: TestApp) {
        use sea_orm::ConnectionTrait;
        let removed = app.services.db
            .execute_unprepared("DELETE FROM seaql_migrations WHERE version = (SELECT max(version) FROM seaql_migrations)")
            .await
            .unwrap();
        assert_eq!(removed.rows_affected(), 1);
        let readyz = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
        assert_eq!(readyz.status(), 503);
        let body: Value = readyz.json().await.unwrap();
        assert!(body["reason"].as_str().unwrap().contains("migrations are not applied"), "{body}");
        let healthz = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
        assert_eq!(healthz.status(), 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_log_line_of_a_request_carries_its_request_id() {
    let (url, _dir) = fresh_database(Backend::Sqlite).await.unwrap();
    let server = ChildServer::start(&url, &[]).await;
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{}/graphql", server.address))
        .header("x-request-id", "ops-log-check-1")
        .json(&json!({"query": "query Totals { portfolio { totals { depositedUsd } } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "ops-log-check-1");
    // A request id the server makes itself is the one it answers with and logs.
    let response = client
        .post(format!("{}/graphql", server.address))
        .json(&json!({"query": "{ thematicAreas { number } }"}))
        .send()
        .await
        .unwrap();
    let generated = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let lines: Vec<Value> = server
        .logs()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    for (id, operation) in [
        ("ops-log-check-1", "Totals"),
        (generated.as_str(), "anonymous"),
    ] {
        let access = lines
            .iter()
            .find(|l| l["span"]["request_id"] == id && l["target"] == "mptf::access")
            .unwrap_or_else(|| panic!("no access log line for {id}:\n{}", server.logs()));
        assert_eq!(access["fields"]["status"], 200);
        assert_eq!(access["fields"]["operation"], operation);
        assert_eq!(access["span"]["route"], "/graphql");
    }
}

// ---------------------------------------------------------------------------------------------
// Graceful shutdown

/// Holds PostgreSQL's lock on the deposit table, so that a deposit waits inside its
/// transaction until the lock is released.
struct WriteLock(sea_orm::sqlx::PgConnection);

impl WriteLock {
    async fn take(database_url: &str) -> WriteLock {
        use sea_orm::sqlx::{Connection, Executor};
        let mut connection = sea_orm::sqlx::PgConnection::connect(database_url)
            .await
            .unwrap();
        connection.execute("BEGIN").await.unwrap();
        connection
            .execute("LOCK TABLE deposit IN EXCLUSIVE MODE")
            .await
            .unwrap();
        WriteLock(connection)
    }

    async fn release(mut self) {
        use sea_orm::sqlx::{Connection, Executor};
        self.0.execute("ROLLBACK").await.unwrap();
        self.0.close().await.unwrap();
    }
}

pub(crate) const DEPOSIT: &str = "mutation($input: RecordDepositInput!) { recordDeposit(input: $input) { deposit { id } userErrors { code message } } }";

pub(crate) fn deposit_input(contribution: &str, key: &str) -> Value {
    json!({"input": {"contribution": contribution, "receivedOn": "2021-03-01", "amount": {"amount": "100.00", "currency": "USD"}, "exchangeRate": "1", "idempotencyKey": key}})
}

/// A GraphQL request over a raw connection whose body is sent in two halves, so that it is
/// still in flight between them.
pub(crate) struct SlowUpload {
    stream: tokio::net::TcpStream,
    rest: Vec<u8>,
}

impl SlowUpload {
    pub(crate) async fn start(
        address: &str,
        token: &str,
        query: &str,
        variables: Value,
    ) -> SlowUpload {
        use tokio::io::AsyncWriteExt;
        let body = json!({"query": query, "variables": variables})
            .to_string()
            .into_bytes();
        let host = address.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
        let head = format!(
            "POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let half = body.len() / 2;
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&body[..half]).await.unwrap();
        stream.flush().await.unwrap();
        SlowUpload {
            stream,
            rest: body[half..].to_vec(),
        }
    }

    /// Sends the rest of the body.
    async fn send_rest(&mut self) {
        use tokio::io::AsyncWriteExt;
        self.stream
            .write_all(&self.rest)
            .await
            .expect("the connection is still open");
    }

    /// The status and JSON body of the answer.
    async fn answer(&mut self) -> (u16, Value) {
        use tokio::io::AsyncReadExt;
        let mut answer = Vec::new();
        tokio::time::timeout(
            Duration::from_secs(10),
            self.stream.read_to_end(&mut answer),
        )
        .await
        .expect("an answer in time")
        .expect("an answer");
        let answer = String::from_utf8_lossy(&answer);
        let status = answer
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("an HTTP answer: {answer}"));
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or_default();
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }
}

on_both! {
    async fn sigterm_finishes_in_flight_requests_and_closes_websockets(backend: Backend) {
        let Some((url, _dir)) = fresh_database(backend).await else { return };
        let mut server = ChildServer::start(&url, &[("MPTF_SHUTDOWN_TIMEOUT_SECS", "10")]).await;
        let app = TestApp::attach(&server.address, &url).await;
        let donor = create_donor(&app, "Shutdown").await;
        let contribution = record_contribution(&app, &donor, "SHUT-1", "USD", "1000000.00", "1", None).await;
        let contribution = contribution["contribution"]["id"].as_str().unwrap().to_owned();
        let mut socket = subscribe(&server.address, &app.admin()).await;

        // In flight when SIGTERM arrives: a deposit whose body is still arriving, and on
        // PostgreSQL one that waits inside its transaction for a lock the test holds.
        let mut upload = SlowUpload::start(&server.address, &app.admin(), DEPOSIT, deposit_input(&contribution, "shutdown-upload")).await;
        let lock = (backend == Backend::Postgres).then(|| url.clone());
        let lock = match lock {
            Some(url) => Some(WriteLock::take(&url).await),
            None => None,
        };
        let waiting = lock.is_some().then(|| {
            let request = reqwest::Client::new()
                .post(format!("{}/graphql", server.address))
                .bearer_auth(app.admin())
                .json(&json!({"query": DEPOSIT, "variables": deposit_input(&contribution, "shutdown-locked")}));
            tokio::spawn(async move { request.send().await })
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        if let Some(waiting) = &waiting {
            assert!(!waiting.is_finished(), "the deposit waits for the lock");
        }
        let signalled = Instant::now();
        server.sigterm();

        // The WebSocket is closed with 1001 (going away) right away.
        assert_eq!(close_code(&mut socket, Duration::from_secs(5)).await, Some(CloseCode::Away));
        // No new connections are accepted.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let refused = reqwest::Client::new()
            .get(format!("{}/healthz", server.address))
            .timeout(Duration::from_secs(2))
            .send()
            .await;
        assert!(refused.is_err(), "a new connection after SIGTERM is refused");

        // The in-flight requests complete.
        upload.send_rest().await;
        let mut expected = "100.00";
        if let (Some(lock), Some(waiting)) = (lock, waiting) {
            lock.release().await;
            let response = waiting.await.unwrap().expect("the in-flight request is answered");
            assert_eq!(response.status(), 200);
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["data"]["recordDeposit"]["userErrors"], json!([]), "{body}");
            expected = "200.00";
        }
        let (status, body) = upload.answer().await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["recordDeposit"]["userErrors"], json!([]), "{body}");

        let status = server.exit_status(Duration::from_secs(15)).await.expect("the server exits");
        assert!(status.success(), "exit status {status}:\n{}", server.logs());
        assert!(signalled.elapsed() < Duration::from_secs(12), "within the shutdown timeout");
        assert!(server.logs().contains("\"stopped\""), "{}", server.logs());

        // The deposit is there for the next server.
        let server = ChildServer::start(&url, &[]).await;
        let app = TestApp::attach(&server.address, &url).await;
        let data = app.data(Some(&app.admin()), "query($id: ID!) { node(id: $id) { ... on Contribution { depositedUsd } } }", json!({"id": contribution})).await;
        assert_eq!(data["node"]["depositedUsd"], expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_server_stops_at_once_on_sigterm() {
    let (url, _dir) = fresh_database(Backend::Sqlite).await.unwrap();
    let mut server = ChildServer::start(&url, &[]).await;
    // A kept-alive, idle connection does not hold the shutdown up.
    let client = reqwest::Client::new();
    client
        .get(format!("{}/healthz", server.address))
        .send()
        .await
        .unwrap();
    let signalled = Instant::now();
    server.sigterm();
    let status = server
        .exit_status(Duration::from_secs(10))
        .await
        .expect("the server exits");
    assert!(status.success(), "{status}");
    assert!(
        signalled.elapsed() < Duration::from_secs(3),
        "took {:?}",
        signalled.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// Crash safety

/// The deposits of a contribution as the database holds them: (ids, sum in cents, deposited in
/// cents), and the ids of the deposits the audit trail records.
async fn ledger(app: &TestApp, contribution: &str) -> (Vec<String>, i64, i64, Vec<String>) {
    let data = app
        .data(
            Some(&app.admin()),
            "query($id: ID!) { node(id: $id) { ... on Contribution { depositedUsd deposits { id amountUsd } } } }",
            json!({"id": contribution}),
        )
        .await;
    let deposits = data["node"]["deposits"].as_array().unwrap();
    let ids: Vec<String> = deposits
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    let sum = deposits.iter().map(|d| cents(&d["amountUsd"])).sum();
    let deposited = cents(&data["node"]["depositedUsd"]);
    let mut audited = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .data(
                Some(&app.admin()),
                "query($after: String) { auditEvents(filter: {action: \"recordDeposit\"}, first: 100, after: $after) { nodes { subject } pageInfo { hasNextPage endCursor } } }",
                json!({"after": after}),
            )
            .await;
        let events = &page["auditEvents"];
        // A deposit's audit events: the deposit's own (the contribution's status change is
        // recorded under the contribution).
        audited.extend(
            events["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["subject"].as_str().unwrap().to_owned())
                .filter(|s| mptf::ids::decode(mptf::ids::Kind::Deposit, s).is_some()),
        );
        if events["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = events["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    (ids, sum, deposited, audited)
}

fn cents(value: &Value) -> i64 {
    let text = value.as_str().expect("a decimal string");
    let (units, fraction) = text.split_once('.').unwrap_or((text, "00"));
    units.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap()
}

/// Checks the invariants after a crash: every deposit whole (counted in the contribution and
/// audited once), no duplicates.
fn assert_whole(ids: &[String], sum: i64, deposited: i64, audited: &[String]) {
    assert_eq!(
        sum, deposited,
        "the contribution's deposited total is the sum of its deposits"
    );
    assert_eq!(sum, 10_000 * ids.len() as i64, "every deposit is whole");
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "no deposit twice");
    let mut audited = audited.to_vec();
    audited.sort();
    assert_eq!(audited, unique, "one audit event per deposit");
}

on_both! {
    async fn kill_9_loses_no_acknowledged_deposit_and_retries_apply_once(backend: Backend) {
        const KEYS: usize = 60;
        let Some((url, _dir)) = fresh_database(backend).await else { return };
        let mut server = ChildServer::start(&url, &[]).await;
        let app = TestApp::attach(&server.address, &url).await;
        let donor = create_donor(&app, "Crash").await;
        let contribution = record_contribution(&app, &donor, "CRASH-1", "USD", "1000000.00", "1", None).await;
        let contribution = contribution["contribution"]["id"].as_str().unwrap().to_owned();

        // Four clients send deposits with their keys; the server is killed mid-stream.
        let next_key = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let acknowledged = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
        let mut clients = Vec::new();
        for _ in 0..4 {
            let (next_key, acknowledged) = (next_key.clone(), acknowledged.clone());
            let (address, token, contribution) = (server.address.clone(), app.admin(), contribution.clone());
            clients.push(tokio::spawn(async move {
                let client = reqwest::Client::new();
                loop {
                    let n = next_key.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if n >= KEYS {
                        return;
                    }
                    let key = format!("crash-{n}");
                    let sent = client
                        .post(format!("{address}/graphql"))
                        .bearer_auth(&token)
                        .json(&json!({"query": DEPOSIT, "variables": deposit_input(&contribution, &key)}))
                        .send()
                        .await;
                    let Ok(response) = sent else { return };
                    let Ok(body) = response.json::<Value>().await else { return };
                    let id = body["data"]["recordDeposit"]["deposit"]["id"].as_str().map(str::to_owned);
                    match id {
                        Some(id) => acknowledged.lock().unwrap().push((key, id)),
                        None => panic!("a deposit was refused: {body}"),
                    }
                }
            }));
        }
        let started = Instant::now();
        while acknowledged.lock().unwrap().len() < 15 && started.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill9();
        for client in clients {
            client.await.unwrap();
        }
        let acknowledged = acknowledged.lock().unwrap().clone();
        let attempted = next_key.load(std::sync::atomic::Ordering::SeqCst).min(KEYS);
        assert!(acknowledged.len() >= 15, "deposits were acknowledged before the crash");
        assert!(attempted < KEYS, "the server died mid-stream ({attempted} of {KEYS} keys sent)");

        // After a restart: every acknowledged deposit is there, once; nothing is half-written.
        let server = ChildServer::start(&url, &[]).await;
        let app = TestApp::attach(&server.address, &url).await;
        let (ids, sum, deposited, audited) = ledger(&app, &contribution).await;
        for (key, id) in &acknowledged {
            assert!(ids.contains(id), "acknowledged deposit {key} ({id}) survived the crash");
        }
        assert!(ids.len() <= attempted, "no deposit without a request");
        assert_whole(&ids, sum, deposited, &audited);

        // Retrying every key applies the unacknowledged ones once and replays the others.
        for n in 0..KEYS {
            let key = format!("crash-{n}");
            let data = app.data(Some(&app.admin()), DEPOSIT, deposit_input(&contribution, &key)).await;
            assert_eq!(data["recordDeposit"]["userErrors"], json!([]), "{data}");
            if let Some((_, id)) = acknowledged.iter().find(|(k, _)| *k == key) {
                assert_eq!(&data["recordDeposit"]["deposit"]["id"], id, "a retry replays the first answer");
            }
        }
        let (ids, sum, deposited, audited) = ledger(&app, &contribution).await;
        assert_eq!(ids.len(), KEYS);
        assert_whole(&ids, sum, deposited, &audited);
    }
}

// ---------------------------------------------------------------------------------------------
// Backup and restore

on_both! {
    async fn a_backup_restored_into_a_fresh_database_holds_the_same_portfolio(backend: Backend) {
        if backend == Backend::Postgres && which("pg_dump").is_none() {
            eprintln!("pg_dump is not installed: skipped");
            return;
        }
        let Some((url, _dir)) = fresh_database(backend).await else { return };
        let app = TestApp::spawn_on(&url).await;
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let query = "{ portfolio { totals { depositedUsd netDepositedUsd approvedUsd transferredUsd expenditureUsd availableUsd } fundingGapUsd }
                       donors { totalCount } conceptNotes { totalCount } jointProgrammes { totalCount } auditEvents { totalCount } }";
        let before = app.data(Some(&app.admin()), query, json!({})).await;
        assert_ne!(before["portfolio"]["totals"]["depositedUsd"], "0.00");

        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("mptf.backup");
        let file = file.to_str().unwrap();
        // Online: the server keeps running while the backup is taken.
        let (ok, output) = run_mptf(&url, &["backup", file], &[]);
        assert!(ok, "{output}");
        let (ok, output) = run_mptf(&url, &["backup", file], &[]);
        assert!(!ok && output.contains("already exists"), "a backup never overwrites: {output}");

        let (target, _target_dir) = fresh_database(backend).await.unwrap();
        let (ok, output) = run_mptf(&target, &["restore", file], &[]);
        assert!(ok, "{output}");
        let restored = TestApp::spawn_on(&target).await;
        let after = restored.data(Some(&restored.admin()), query, json!({})).await;
        assert_eq!(after, before);

        // A database that holds data is not overwritten by accident.
        let (ok, output) = run_mptf(&target, &["restore", file], &[]);
        assert!(!ok && output.contains("not empty"), "{output}");
        let (ok, output) = run_mptf(&target, &["restore", "--replace", file], &[]);
        assert!(ok, "{output}");
    }
}

fn which(tool: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(tool))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| postgres_bin_dir().map(|d| d.join(tool)))
}

// ---------------------------------------------------------------------------------------------
// Configuration

#[test]
fn a_wrong_setting_stops_the_server_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("mptf.sqlite").display()
    );
    let occupied = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = occupied.local_addr().unwrap().to_string();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("MPTF_DATABASE_URL", "mysql://db/mptf")],
            "MPTF_DATABASE_URL",
        ),
        (
            &[(
                "MPTF_DATABASE_URL",
                "sqlite:///no/such/folder/mptf.sqlite?mode=rwc",
            )],
            "MPTF_DATABASE_URL",
        ),
        (
            &[
                ("MPTF_PROFILE", "production"),
                ("MPTF_JWT_SECRET", "too-short"),
            ],
            "MPTF_JWT_SECRET",
        ),
        (&[("MPTF_PROFILE", "staging")], "MPTF_PROFILE"),
        (&[("MPTF_LISTEN", "not-an-address")], "MPTF_LISTEN"),
        (
            &[("MPTF_DB_MAX_CONNECTIONS", "0")],
            "MPTF_DB_MAX_CONNECTIONS",
        ),
        (
            &[("MPTF_DB_ACQUIRE_TIMEOUT_SECS", "soon")],
            "MPTF_DB_ACQUIRE_TIMEOUT_SECS",
        ),
        (
            &[("MPTF_SHUTDOWN_TIMEOUT_SECS", "0")],
            "MPTF_SHUTDOWN_TIMEOUT_SECS",
        ),
        (&[("MPTF_SEED_DEMO", "yes please")], "MPTF_SEED_DEMO"),
        (&[("MPTF_HTTP_WORKERS", "100000")], "MPTF_HTTP_WORKERS"),
        (&[("MPTF_LISTEN", &taken)], "MPTF_LISTEN"),
    ];
    mptf_binary();
    for (env, named) in cases {
        let started = Instant::now();
        let mut command = mptf(&url);
        command.arg("serve").envs(env.iter().copied());
        let output = command.output().expect("mptf runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{env:?} starts the server");
        assert!(
            stderr.contains(named),
            "{env:?}: the message names {named}: {stderr}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }
    // The production profile without a secret.
    let output = mptf(&url)
        .arg("serve")
        .env("MPTF_PROFILE", "production")
        .env_remove("MPTF_JWT_SECRET")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("MPTF_JWT_SECRET"));
}

// ---------------------------------------------------------------------------------------------
// A PostgreSQL outage, on a throwaway instance of the test's own

fn postgres_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("pg_ctl").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// A PostgreSQL cluster in a temporary folder, on its own port; stopped when dropped.
pub(crate) struct ThrowawayPostgres {
    bin: PathBuf,
    folder: tempfile::TempDir,
    port: u16,
}

impl ThrowawayPostgres {
    fn data(&self) -> PathBuf {
        self.folder.path().join("data")
    }

    /// Runs a PostgreSQL program as the `postgres` user (they refuse root).
    fn run(&self, program: &str, args: &[&str]) -> std::process::Output {
        let program = self.bin.join(program);
        let mut command = if unsafe { libc::geteuid() } == 0 {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        command
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("the PostgreSQL program runs")
    }

    pub(crate) fn init() -> Option<ThrowawayPostgres> {
        let bin = postgres_bin_dir()?;
        let folder = tempfile::tempdir().ok()?;
        if unsafe { libc::geteuid() } == 0 {
            let owned = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(folder.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(owned, "the folder is given to the postgres user");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let cluster = ThrowawayPostgres { bin, folder, port };
        let data = cluster.data();
        let output = cluster.run(
            "initdb",
            &[
                "-D",
                data.to_str()?,
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ],
        );
        assert!(
            output.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Some(cluster)
    }

    pub(crate) fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.folder.path().display()
        );
        let log = self.folder.path().join("postgres.log");
        let data = self.data();
        let output = self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        );
        assert!(
            output.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&output.stdout),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    pub(crate) fn stop(&self) {
        let data = self.data();
        let output = self.run(
            "pg_ctl",
            &["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"],
        );
        assert!(
            output.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub(crate) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.run(
            "pg_ctl",
            &["-D", data.to_str().unwrap_or(""), "-m", "immediate", "stop"],
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_fails_fast_and_the_service_recovers() {
    if std::env::var("MPTF_TEST_POSTGRES_URL").is_err() {
        return;
    }
    let Some(postgres) = ThrowawayPostgres::init() else {
        eprintln!("PostgreSQL's server programs are not installed: skipped");
        return;
    };
    postgres.start();
    let server = ChildServer::start(
        &postgres.url(),
        &[
            ("MPTF_DB_ACQUIRE_TIMEOUT_SECS", "2"),
            ("MPTF_DB_MAX_CONNECTIONS", "4"),
        ],
    )
    .await;
    let app = TestApp::attach(&server.address, &postgres.url()).await;
    app.services.db.0.clone().close().await.ok();
    create_donor(&app, "Before the outage").await;
    let query = "{ donors { totalCount } }";
    assert_eq!(
        app.data(Some(&app.admin()), query, json!({})).await["donors"]["totalCount"],
        1
    );
    let status = |path: &'static str| {
        let client = app.client.clone();
        let address = app.address.clone();
        async move {
            let started = Instant::now();
            let response = client.get(format!("{address}{path}")).send().await.unwrap();
            (response.status().as_u16(), started.elapsed())
        }
    };

    postgres.stop();
    // Requests fail fast, masked.
    for _ in 0..3 {
        let started = Instant::now();
        let response = app.graphql(Some(&app.admin()), query, json!({})).await;
        let elapsed = started.elapsed();
        assert!(
            elapsed < Duration::from_millis(3500),
            "answered in {elapsed:?}"
        );
        let error = &response["errors"][0];
        let code = error["extensions"]["code"].as_str().unwrap_or_default();
        assert!(code == "INTERNAL" || code == "UNAVAILABLE", "{response}");
        assert!(error["extensions"]["requestId"].is_string(), "{response}");
        let message = error["message"].as_str().unwrap().to_lowercase();
        for detail in [
            "pool",
            "connect",
            "refused",
            "sqlx",
            "postgres",
            "timed out",
        ] {
            assert!(
                !message.contains(detail),
                "the detail stays in the log: {message}"
            );
        }
    }
    let (readyz, elapsed) = status("/readyz").await;
    assert_eq!(readyz, 503);
    assert!(
        elapsed < Duration::from_secs(4),
        "readyz answered in {elapsed:?}"
    );
    let (healthz, elapsed) = status("/healthz").await;
    assert_eq!(healthz, 200);
    assert!(elapsed < Duration::from_millis(500));
    assert!(
        server.logs().contains("internal error"),
        "the detail is logged"
    );

    // PostgreSQL returns: the same process serves again.
    postgres.start();
    let started = Instant::now();
    loop {
        let response = app.graphql(Some(&app.admin()), query, json!({})).await;
        if response["data"]["donors"]["totalCount"] == 1 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the service did not recover: {response}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(status("/readyz").await.0, 200);
    let app = TestApp::attach(&server.address, &postgres.url()).await;
    create_donor(&app, "After the outage").await;
    assert_eq!(
        app.data(Some(&app.admin()), query, json!({})).await["donors"]["totalCount"],
        2
    );
}

// ---------------------------------------------------------------------------------------------
// Logs

on_both! {
    /// A request whose fields all fail writes one summary line, not a line (and a backtrace) per
    /// field: the log cannot be flooded by asking for the same failure many times.
    async fn a_failing_request_logs_one_bounded_summary(backend: Backend) {
        let Some((url, _dir)) = fresh_database(backend).await else { return };
        let (seeded, output) = run_mptf(&url, &["seed", "synthetic", "--scale", "1"], &[]);
        assert!(seeded, "{output}");
        let server = ChildServer::start(&url, &[("RUST_BACKTRACE", "1"), ("RUST_LIB_BACKTRACE", "1")]).await;
        let app = TestApp::attach(&server.address, &url).await;
        // Every indicator's measurements now fail to load.
        use sea_orm::ConnectionTrait;
        // (Their breakdowns first: on PostgreSQL they hold a foreign key to them.)
        app.services.db.execute_unprepared("DROP TABLE indicator_measurement_value").await.unwrap();
        app.services.db.execute_unprepared("DROP TABLE indicator_measurement").await.unwrap();
        let one = "jointProgrammes(first: 12) { nodes { code indicators { code latest { value } progress } } }";
        let document = format!("{{ {} }}", (0..5).map(|i| format!("a{i}: {one}")).collect::<Vec<_>>().join(" "));
        let body = app.client.post(format!("{}/graphql", server.address))
            .header("x-request-id", "log-bound-probe")
            .header("Authorization", format!("Bearer {}", app.admin()))
            .json(&json!({"query": document}))
            .send().await.unwrap().json::<Value>().await.unwrap();
        let errors = body["errors"].as_array().expect("the failures are reported");
        assert!(errors.len() >= 100, "many fields failed: {body}");
        assert!(errors.iter().all(|e| e["extensions"]["code"] == "INTERNAL" && e["extensions"]["requestId"] == "log-bound-probe"));
        assert!(!body.to_string().contains("indicator_measurement"), "no SQL detail reaches the client");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let logs = server.logs();
        let lines: Vec<&str> = logs.lines().filter(|l| l.contains("log-bound-probe")).collect();
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        assert!(bytes <= 4 * 1024, "{bytes} bytes of log for one request:\n{}", lines.join("\n"));
        let summary = lines.iter().find(|l| l.contains("internal errors")).expect("one summary line");
        assert!(summary.contains(&format!("\"errors\":{}", errors.len())), "{summary}");
    }
}
