//! Hardening (issue 11, items 15–20): one server per SQLite file; kept figures that never
//! predate an acknowledged write, across processes and database restarts; dead pooled
//! connections after a restart; two processes starting together on a fresh PostgreSQL database;
//! slow request bodies and headers, and connections per client; requests cut off at shutdown.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use crate::operations::{
    fresh_database, run_mptf, ChildServer, SlowUpload, ThrowawayPostgres, DEPOSIT,
};
use mptf::startup::Application;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOTALS: &str = "{ portfolio { totals { depositedUsd } } }";
const DASHBOARD: &str = include_str!("../../bench/queries/dashboard.graphql");

fn deposited(data: &Value) -> i64 {
    let text = data["portfolio"]["totals"]["depositedUsd"]
        .as_str()
        .unwrap_or_else(|| panic!("a total: {data}"));
    let (units, cents) = text.split_once('.').unwrap_or((text, "00"));
    units.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}

/// The deposits' total as the database holds it, read past every cache.
async fn deposited_in_database(db: &sea_orm::DatabaseConnection) -> i64 {
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT CAST(COALESCE(SUM(amount_usd_cents), 0) AS BIGINT) FROM deposit",
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get_by_index::<i64>(0)
    .unwrap()
}

fn deposit(contribution: &str, amount: &str, key: &str) -> Value {
    json!({"input": {"contribution": contribution, "receivedOn": "2021-03-01", "amount": {"amount": amount, "currency": "USD"}, "exchangeRate": "1", "idempotencyKey": key}})
}

/// A signed USD agreement of a million, through `app`: its id.
async fn agreement(app: &TestApp, code: &str) -> String {
    let donor = create_donor(app, &format!("Donor {code}")).await;
    let created = record_contribution(app, &donor, code, "USD", "1000000.00", "1", None).await;
    created["contribution"]["id"].as_str().unwrap().to_owned()
}

/// Records a deposit and insists it is acknowledged.
async fn acknowledged_deposit(app: &TestApp, contribution: &str, amount: &str, key: &str) {
    let data = app
        .data(
            Some(&app.admin()),
            DEPOSIT,
            deposit(contribution, amount, key),
        )
        .await;
    assert_eq!(data["recordDeposit"]["userErrors"], json!([]), "{data}");
}

// ---------------------------------------------------------------------------------------------
// 15. One server per SQLite file

/// `mptf serve` on `url`: (whether it succeeded, its output) once it exits, or (true, …) if it
/// is still serving after 15 s (then it is killed).
async fn serve_briefly(url: &str) -> (bool, String) {
    let mut child = crate::operations::mptf(url)
        .arg("serve")
        .env("MPTF_LISTEN", "127.0.0.1:0")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("mptf starts");
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            let output = child.wait_with_output().unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            return (output.status.success(), text);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    (true, "still serving after 15 s".to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_one_sqlite_file_is_refused_and_backup_works_beside_the_first() {
    let (url, dir) = fresh_database(Backend::Sqlite).await.unwrap();
    let dir = dir.unwrap();
    let mut first = ChildServer::start(&url, &[]).await;

    // A second server process says what to do, and stops at once.
    let started = Instant::now();
    let (ok, output) = serve_briefly(&url).await;
    assert!(
        !ok,
        "a second server started on the same SQLite file: {output}"
    );
    assert!(
        output.contains("already serving the SQLite database") && output.contains("PostgreSQL"),
        "{output}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    // The same in a process of its own, under another name for the same file.
    let other_name = url.replace("/mptf.sqlite", "/./mptf.sqlite");
    let refused = Application::build(&settings(&other_name)).await;
    assert!(refused.is_err(), "a second server started in this process");

    // The first serves on: deposits, while `mptf backup` copies the database beside it.
    let app = TestApp::attach(&first.address, &url).await;
    let contribution = agreement(&app, "SQLITE-1").await;
    let file = dir.path().join("beside.backup");
    let backup = {
        let (url, file) = (url.clone(), file.display().to_string());
        tokio::task::spawn_blocking(move || run_mptf(&url, &["backup", &file], &[]))
    };
    let deposits = futures::future::join_all((0..20).map(|n| {
        let (app, contribution) = (&app, &contribution);
        async move {
            app.graphql(
                Some(&app.admin()),
                DEPOSIT,
                deposit(contribution, "10.00", &format!("beside-{n}")),
            )
            .await
        }
    }))
    .await;
    for answer in &deposits {
        assert_eq!(
            answer["data"]["recordDeposit"]["userErrors"],
            json!([]),
            "{answer}"
        );
    }
    let (ok, output) = backup.await.unwrap();
    assert!(ok, "the backup beside the running server: {output}");
    assert!(file.is_file());
    assert_eq!(deposited_in_database(&app.services.db).await, 20_000);

    // Once the first has stopped, a server starts on the file.
    first.sigterm();
    assert!(first.exit_status(Duration::from_secs(10)).await.is_some());
    let next = ChildServer::start(&url, &[]).await;
    let app = TestApp::attach(&next.address, &url).await;
    assert_eq!(deposited(&app.data(None, TOTALS, json!({})).await), 20_000);
}

// ---------------------------------------------------------------------------------------------
// 16. Kept figures never predate an acknowledged write

on_both! {
    /// Another process writes to the fund through the service (here: the demo seed through a
    /// pool of its own, sharing no memory with the server): the server's very next dashboard
    /// shows it, although the figures were kept.
    async fn a_write_by_another_process_shows_on_the_next_dashboard(app: TestApp) {
        let token = app.committee();
        let before = app.data(Some(&token), DASHBOARD, json!({})).await;
        assert_eq!(app.data(Some(&token), DASHBOARD, json!({})).await, before, "kept");
        let other = TestApp::attach(&app.address, &app.database_url).await;
        assert!(mptf::seed::demo_if_empty(&other.services).await.unwrap());
        let after = app.data(Some(&token), DASHBOARD, json!({})).await;
        assert_eq!(deposited(&after), deposited_in_database(&app.services.db).await);
        assert_ne!(deposited(&after), deposited(&before));
    }
}

on_both! {
    /// What the check costs: one statement per request that asks for figures (the fund's
    /// version), however many it asks for; the kept dashboard was 1 statement before (the areas'
    /// names), the computed one 5 (4 before the ledger, and the Administrative Agent's balance
    /// behind the deprecated `availableUsd`).
    async fn a_kept_dashboard_costs_the_version_read_and_the_areas_names(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        app.until_quiet().await;
        let token = app.committee();
        let mut counts = Vec::new();
        for _ in 0..3 {
            let answer = app.graphql(Some(&token), DASHBOARD, json!({})).await;
            assert!(answer.get("errors").is_none(), "{answer}");
            counts.push(answer["extensions"]["sqlStatements"].as_u64().unwrap());
        }
        assert_eq!(counts, vec![6, 2, 2], "statements of a computed, then kept dashboard");
    }
}

/// Stops (SIGSTOP) the PostgreSQL backends of the processes' event listeners, as a network that
/// drops their packets would: no notification arrives, and nothing tells the processes so.
/// Resumed when dropped.
struct FrozenListeners(Vec<i32>);

impl FrozenListeners {
    async fn freeze(db: &sea_orm::DatabaseConnection, at_least: usize) -> FrozenListeners {
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
            ))
            .await
            .unwrap();
        let pids: Vec<i32> = rows
            .iter()
            .map(|row| row.try_get_by_index::<i32>(0).unwrap())
            .collect();
        assert!(pids.len() >= at_least, "the listeners' backends: {pids:?}");
        for pid in &pids {
            // SAFETY: kill(2) on a backend of the test's own PostgreSQL cluster.
            assert_eq!(unsafe { libc::kill(*pid, libc::SIGSTOP) }, 0);
        }
        FrozenListeners(pids)
    }
}

impl Drop for FrozenListeners {
    fn drop(&mut self) {
        for pid in &self.0 {
            // SAFETY: as above.
            unsafe { libc::kill(*pid, libc::SIGCONT) };
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_notification_never_serves_a_figure_older_than_an_acknowledged_write() {
    if std::env::var("MPTF_TEST_POSTGRES_URL").is_err() {
        return;
    }
    let Some(postgres) = ThrowawayPostgres::init() else {
        eprintln!("PostgreSQL's server programs are not installed: skipped");
        return;
    };
    postgres.start();
    let first = TestApp::spawn_on(&postgres.url()).await;
    let second = TestApp::spawn_on(&postgres.url()).await;
    let contribution = agreement(&first, "LATE-1").await;
    let token = first.admin();
    for app in [&first, &second] {
        app.data(Some(&token), TOTALS, json!({})).await;
    }
    let _frozen = FrozenListeners::freeze(&first.services.db, 2).await;
    let mut expected = 0;
    for round in 0..4 {
        let (writer, reader) = if round % 2 == 0 {
            (&first, &second)
        } else {
            (&second, &first)
        };
        // The reader's figure is kept...
        assert_eq!(
            deposited(&reader.data(Some(&token), TOTALS, json!({})).await),
            expected
        );
        acknowledged_deposit(writer, &contribution, "100.00", &format!("late-{round}")).await;
        expected += 10_000;
        // ...and not served once the write is acknowledged, though no notification came.
        assert_eq!(
            deposited(&reader.data(Some(&token), TOTALS, json!({})).await),
            expected,
            "round {round}: the other process served a figure older than the acknowledged deposit"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 17 (and 16). A database restart

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_database_restart_readiness_and_requests_succeed_at_once_with_current_figures() {
    if std::env::var("MPTF_TEST_POSTGRES_URL").is_err() {
        return;
    }
    let Some(postgres) = ThrowawayPostgres::init() else {
        eprintln!("PostgreSQL's server programs are not installed: skipped");
        return;
    };
    postgres.start();
    let first = TestApp::spawn_on(&postgres.url()).await;
    let second = TestApp::spawn_on(&postgres.url()).await;
    let contribution = agreement(&first, "RESTART-1").await;
    let token = first.admin();
    // Both pools hold several connections, and the second keeps the dashboard's figure.
    for app in [&first, &second] {
        futures::future::join_all((0..8).map(|_| app.data(Some(&token), DASHBOARD, json!({}))))
            .await;
    }
    assert_eq!(
        deposited(&second.data(Some(&token), TOTALS, json!({})).await),
        0
    );

    postgres.stop();
    postgres.start();

    // Ready the moment the database answers: the first probe says so.
    for app in [&first, &second] {
        let readyz = app
            .client
            .get(format!("{}/readyz", app.address))
            .send()
            .await
            .unwrap();
        let status = readyz.status();
        assert_eq!(status, 200, "{}", readyz.text().await.unwrap());
    }
    // A deposit is acknowledged at the first try, and the other process's next dashboard shows it.
    acknowledged_deposit(&first, &contribution, "250.00", "after-restart").await;
    assert_eq!(
        deposited(&second.data(Some(&token), TOTALS, json!({})).await),
        25_000
    );
    // No request fails on a connection the restart killed.
    for app in [&first, &second] {
        for _ in 0..10 {
            let answer = app.graphql(Some(&token), DASHBOARD, json!({})).await;
            assert!(answer.get("errors").is_none(), "{answer}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 18. Two processes starting together on a fresh PostgreSQL database

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_started_together_on_a_fresh_postgres_database_both_start_and_seed_once() {
    let counts = |db: sea_orm::DatabaseConnection| async move {
        let mut counts = Vec::new();
        for table in [
            "donor",
            "contribution",
            "deposit",
            "concept_note",
            "seaql_migrations",
        ] {
            let row = db
                .query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table}"),
                ))
                .await
                .unwrap()
                .unwrap();
            counts.push(row.try_get_by_index::<i64>(0).unwrap());
        }
        counts
    };
    let reference = TestApp::spawn(Backend::Sqlite).await;
    mptf::seed::demo_if_empty(&reference.services)
        .await
        .unwrap();
    let seeded_once = counts(reference.services.db.0.clone()).await;
    for _ in 0..3 {
        let Some(database) = fresh_postgres_database().await else {
            return;
        };
        let mut both = settings(&database);
        both.seed_demo = Some(true);
        let (first, second) = tokio::join!(Application::build(&both), Application::build(&both));
        let first = first.expect("the first process starts");
        let second = second.expect("the second process starts");
        assert_eq!(
            counts(first.services.db.0.clone()).await,
            seeded_once,
            "seeded once"
        );
        drop(second);
    }
}

// ---------------------------------------------------------------------------------------------
// 19. Slow bodies and headers; connections per client

async fn guarded(adjust: impl FnOnce(&mut mptf::config::Settings)) -> TestApp {
    TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.operations.body_timeout_secs = 1;
        settings.operations.header_timeout_secs = 1;
        adjust(settings);
    })
    .await
}

/// A raw connection that sends `head` at once, then `trickle` one byte every 100 ms.
struct Trickle {
    reader: tokio::net::tcp::OwnedReadHalf,
    writer: tokio::task::JoinHandle<()>,
}

impl Trickle {
    async fn start(address: &str, head: String, trickle: Vec<u8>) -> Trickle {
        let host = address.trim_start_matches("http://");
        let stream = tokio::net::TcpStream::connect(host).await.unwrap();
        let (reader, mut write) = stream.into_split();
        let writer = tokio::spawn(async move {
            if write.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for byte in trickle {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if write.write_all(&[byte]).await.is_err() {
                    return;
                }
            }
            // Keep the connection open; the server must end it.
            std::future::pending::<()>().await;
        });
        Trickle { reader, writer }
    }

    /// What the server answered (status and JSON body) before closing, or None if it still
    /// holds the connection after `within`.
    async fn answer(&mut self, within: Duration) -> Option<(u16, Value)> {
        let mut answer = Vec::new();
        tokio::time::timeout(within, self.reader.read_to_end(&mut answer))
            .await
            .ok()?
            .ok()?;
        let text = String::from_utf8_lossy(&answer);
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or_default();
        Some((status, serde_json::from_str(body).unwrap_or(Value::Null)))
    }
}

impl Drop for Trickle {
    fn drop(&mut self) {
        self.writer.abort();
    }
}

fn post_head(address: &str, length: usize) -> String {
    let host = address.trim_start_matches("http://");
    format!("POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_that_trickle_are_cut_off_with_408() {
    let app = guarded(|_| {}).await;
    let body = json!({"query": TOTALS}).to_string().into_bytes();
    // Thirty at once, a byte every 100 ms: none is held past the deadline.
    let started = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..30 {
        slow.push(
            Trickle::start(
                &app.address,
                post_head(&app.address, body.len()),
                body.clone(),
            )
            .await,
        );
    }
    for connection in &mut slow {
        let (status, answer) = connection
            .answer(Duration::from_secs(5))
            .await
            .expect("the server ends a trickling body");
        assert_eq!(status, 408, "{answer}");
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "REQUEST_TIMEOUT",
            "{answer}"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    // A body sent at once is answered as before.
    let ok = app.data(None, TOTALS, json!({})).await;
    assert_eq!(deposited(&ok), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_that_trickle_are_cut_off() {
    let app = guarded(|_| {}).await;
    let host = app.address.trim_start_matches("http://").to_owned();
    let started = Instant::now();
    let mut slow = Trickle::start(
        &app.address,
        format!("POST /graphql HTTP/1.1\r\nHost: {host}\r\n"),
        b"X-Slow: "
            .iter()
            .copied()
            .chain(std::iter::repeat_n(b'a', 100))
            .collect(),
    )
    .await;
    let answer = slow.answer(Duration::from_secs(4)).await;
    assert!(
        answer.is_some(),
        "the server still holds a connection whose headers trickle"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_a_clients_cap_are_refused_with_429() {
    let app = guarded(|settings| {
        settings.operations.body_timeout_secs = 30;
        settings.operations.max_connections_per_client = 4;
    })
    .await;
    let body = json!({"query": TOTALS}).to_string().into_bytes();
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(
            Trickle::start(
                &app.address,
                post_head(&app.address, body.len()),
                body[..1].to_vec(),
            )
            .await,
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut over = Trickle::start(
        &app.address,
        format!(
            "{}{}",
            post_head(&app.address, body.len()),
            String::from_utf8(body.clone()).unwrap()
        ),
        Vec::new(),
    )
    .await;
    let (status, answer) = over
        .answer(Duration::from_secs(5))
        .await
        .expect("an answer");
    assert_eq!(status, 429, "{answer}");
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "TOO_MANY_REQUESTS",
        "{answer}"
    );
    // Once the client's connections close, it is served again.
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{}/graphql", app.address))
        .json(&json!({"query": TOTALS}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

// ---------------------------------------------------------------------------------------------
// 20. Requests cut off at shutdown

on_both! {
    async fn a_shutdown_that_cuts_requests_off_says_how_many(backend: Backend) {
        let Some((url, _dir)) = fresh_database(backend).await else { return };
        let mut server = ChildServer::start(&url, &[
            ("MPTF_SHUTDOWN_TIMEOUT_SECS", "1"),
            ("MPTF_BODY_TIMEOUT_SECS", "60"),
        ]).await;
        let app = TestApp::attach(&server.address, &url).await;
        // Two uploads that never finish, still in flight when SIGTERM comes.
        let _first = SlowUpload::start(&server.address, &app.admin(), TOTALS, json!({})).await;
        let _second = SlowUpload::start(&server.address, &app.admin(), TOTALS, json!({})).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        server.sigterm();
        let status = server.exit_status(Duration::from_secs(10)).await.expect("the server exits");
        assert!(status.success(), "{status}");
        let warning = server
            .logs()
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .find(|line| line["fields"]["cut_off"].is_number())
            .unwrap_or_else(|| panic!("no warning of requests cut off:\n{}", server.logs()));
        assert_eq!(warning["level"], "WARN", "{warning}");
        assert_eq!(warning["fields"]["cut_off"], 2, "{warning}");
    }
}
