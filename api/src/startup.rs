//! Builds the application: the database pool, migrations, the schema (once), the HTTP server.

use crate::config::Settings;
use crate::graphql::{self, SchemaOptions};
use crate::http::{self, guard::Guard, AppState};
use crate::ops::server_lock::{self, ServerLock};
use crate::service::{retry, EventBus, ReadPolicy, Services, StatementCounter};
use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};
use std::net::TcpListener;
use std::time::Duration;

/// Opens the database named by the settings, counting every statement sent.
pub async fn connect(
    settings: &Settings,
) -> anyhow::Result<(DatabaseConnection, StatementCounter)> {
    let mut options = ConnectOptions::new(settings.database_url.clone());
    options
        .max_connections(if settings.is_sqlite() {
            1
        } else {
            settings.db_max_connections
        })
        .min_connections(if settings.is_sqlite() { 1 } else { 2 })
        .acquire_timeout(Duration::from_secs(settings.db_acquire_timeout_secs))
        .connect_timeout(Duration::from_secs(settings.db_acquire_timeout_secs))
        .sqlx_logging(false)
        // A ping on every checkout would double the round trips of a request; only a connection
        // idle long enough to have been dropped by the server or a proxy is checked first.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        // After a failure (a database restart kills every pooled connection), the connections
        // opened before it are pinged before use, and the dead ones discarded (see `retry`).
        .map_sqlx_postgres_before_acquire(retry::check_before_use)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    let mut db = Database::connect(options).await.with_context(|| {
        format!(
            "cannot open the database {} named by MPTF_DATABASE_URL",
            crate::config::redact_url(&settings.database_url)
        )
    })?;
    let counter = StatementCounter::default();
    let counting = counter.clone();
    db.set_metric_callback(move |_| {
        counting.increment();
        crate::service::budget::count_statement();
    });
    Ok((db, counter))
}

/// Applies pending migrations (schema and reference data).
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("the database migrations failed")
}

/// Ready to serve: the database answers and every migration is applied. A probe does not wait
/// longer than a few seconds, whatever the pool's acquire timeout. A pooled connection that a
/// database restart killed fails the first try and is discarded (and the others opened before it
/// become suspect, see `retry`): the probe tries again, so it says ready as soon as the database
/// answers.
pub async fn check_ready(db: &DatabaseConnection) -> Result<(), String> {
    let check = async {
        let mut tries = 0;
        loop {
            match db.execute_unprepared("SELECT 1").await {
                Ok(_) => break,
                Err(error) if retry::is_connection_error(&error) && tries < READY_PROBE_RETRIES => {
                    retry::note(&error);
                    tries += 1;
                }
                Err(_) => return Err("the database does not answer".to_owned()),
            }
        }
        let pending = Migrator::get_pending_migrations(db)
            .await
            .map_err(|_| "cannot read the migration table".to_owned())?;
        if pending.is_empty() {
            Ok(())
        } else {
            Err(format!("{} migrations are not applied", pending.len()))
        }
    };
    tokio::time::timeout(READY_PROBE_TIMEOUT, check)
        .await
        .unwrap_or_else(|_| Err("the database does not answer in time".to_owned()))
}

const READY_PROBE_RETRIES: usize = 2;

/// PostgreSQL's advisory lock that start-up holds while it migrates and seeds: two processes
/// started together on a fresh database take turns, and the second finds the work done.
const STARTUP_LOCK: i64 = 0x6d70_7466_0001; // "mptf", 1

/// How long a process waits for another's start-up before giving up.
const STARTUP_LOCK_TIMEOUT_SECS: u64 = 120;

/// Runs `work` holding the start-up lock, on a PostgreSQL connection of its own (the pool's
/// connections do the work; the lock goes when this connection closes, however the process ends).
async fn holding_startup_lock<T>(
    database_url: &str,
    work: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    use sea_orm::sqlx::{Connection, Executor};
    let mut connection = sea_orm::sqlx::postgres::PgConnection::connect(database_url)
        .await
        .context("cannot open a connection for the start-up lock (MPTF_DATABASE_URL)")?;
    // The wait for the lock is bounded (STARTUP_LOCK_TIMEOUT_SECS).
    connection.execute("SET lock_timeout = '120s'").await?;
    let started = std::time::Instant::now();
    sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(STARTUP_LOCK)
        .execute(&mut connection)
        .await
        .with_context(|| {
            format!(
                "another mptf process has been migrating or seeding this database for \
                 {STARTUP_LOCK_TIMEOUT_SECS} s: is it stuck?"
            )
        })?;
    if started.elapsed() > Duration::from_millis(100) {
        tracing::info!(
            milliseconds = started.elapsed().as_millis() as u64,
            "waited for another process to migrate the database"
        );
    }
    let result = work.await;
    let _ = sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(STARTUP_LOCK)
        .execute(&mut connection)
        .await;
    let _ = connection.close().await;
    result
}

const READY_PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// A running server.
pub struct Application {
    pub port: u16,
    /// The port of the separate `/metrics` listener (MPTF_METRICS_LISTEN), when there is one.
    pub metrics_port: Option<u16>,
    pub services: Services,
    server: Server,
    metrics_server: Option<Server>,
    shutdown: tokio::sync::watch::Sender<bool>,
    shutdown_timeout: Duration,
    guard: web::Data<Guard>,
    /// SQLite: held while the server runs, so that no second server opens the same file.
    server_lock: Option<ServerLock>,
}

impl Application {
    /// Connects, migrates, seeds the demo portfolio into an empty database when asked, and binds
    /// the listener (port 0 picks a free port).
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        Self::build_with_policy(settings, ReadPolicy::FUND).await
    }

    /// Like [`Application::build`], with another read rule for concept notes: for the test that
    /// shows every read path follows the one rule (`tests/api/policy.rs`). Not a setting: a
    /// deployment cannot widen who reads unpublished notes.
    pub async fn build_with_policy(
        settings: &Settings,
        policy: ReadPolicy,
    ) -> anyhow::Result<Self> {
        settings.validate()?;
        let (db, statements) = connect(settings).await?;
        let server_lock = if settings.is_sqlite() {
            match server_lock::acquire(&settings.database_url) {
                Ok(lock) => lock,
                Err(error) => {
                    db.close().await.ok();
                    return Err(error);
                }
            }
        } else {
            None
        };
        let tokens = crate::auth::tokens_from_settings(settings)?;
        let events = EventBus::new(db.get_database_backend() != DbBackend::Postgres)
            .keeping_for(settings.operations.event_retention_days);
        let services = Services {
            db: db.into(),
            events,
            statements,
            figures: crate::service::FiguresCache::new(Duration::from_secs(
                settings.operations.figures_cache_secs,
            )),
            policy,
        };
        let prepare = async {
            migrate(&services.db).await?;
            if settings.seeds_demo() {
                crate::seed::demo_if_empty(&services).await?;
            }
            Ok(())
        };
        if services.db.get_database_backend() == DbBackend::Postgres {
            holding_startup_lock(&settings.database_url, prepare).await?;
            crate::service::events::listen(&services, &settings.database_url).await?;
        } else {
            prepare.await?;
        }
        crate::service::events::forget_old_events(&services);
        let options = SchemaOptions::from_settings(settings);
        let schema = graphql::build_schema(services.clone(), tokens.clone(), options);
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("cannot listen on {} (MPTF_LISTEN)", settings.listen))?;
        let port = listener.local_addr()?.port();
        let (shutdown, shutdown_seen) = tokio::sync::watch::channel(false);
        let state = web::Data::new(AppState {
            schema,
            services: services.clone(),
            tokens,
            graphiql: settings.graphiql_enabled(),
            expose_sql_count: settings.sql_count_exposed(),
            ws_init_timeout: Duration::from_secs(settings.operations.ws_init_timeout_secs),
            shutdown: shutdown_seen,
            http: http::HttpOptions::from_settings(settings),
            requests: graphql::execution::RequestLimits::from_settings(settings),
            ws_limits: http::ws::WsLimits {
                max_subscriptions_per_socket: settings.security.max_subscriptions_per_socket,
                max_sockets_per_caller: settings.security.max_sockets_per_caller,
            },
            sockets: Default::default(),
            iati: crate::interchange::iati::IatiOptions::from_settings(&settings.iati),
        });
        let workers = if settings.http_workers == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        } else {
            settings.http_workers
        };
        let metrics = web::Data::new(
            http::metrics::Metrics::new(services.db.0.clone(), services.statements.clone())
                .context("cannot set up the metrics")?,
        );
        let shutdown_timeout = Duration::from_secs(settings.operations.shutdown_timeout_secs);
        let (metrics_server, metrics_port) = match settings.security.metrics_listen {
            Some(address) => {
                let (server, port) = metrics_server(
                    address,
                    metrics.clone(),
                    http::metrics::MetricsAccess::for_metrics_listener(settings),
                    shutdown_timeout,
                )?;
                (Some(server), Some(port))
            }
            None => (None, None),
        };
        let metrics_access = web::Data::new(http::metrics::MetricsAccess::for_api(settings));
        if *metrics_access.get_ref() == http::metrics::MetricsAccess::NotHere
            && metrics_port.is_none()
        {
            tracing::info!("/metrics is not served: set MPTF_METRICS_LISTEN or MPTF_METRICS_TOKEN");
        }
        let guard = web::Data::new(Guard::new(
            Duration::from_secs(settings.operations.body_timeout_secs),
            settings.security.max_body_bytes,
            settings.security.max_document_bytes,
            settings.operations.max_connections_per_client,
        ));
        let app_guard = guard.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(metrics.clone())
                .app_data(metrics_access.clone())
                .app_data(app_guard.clone())
                .app_data(web::PayloadConfig::new(state.http.max_body_bytes))
                .wrap(actix_web::middleware::from_fn(http::guard::middleware))
                .wrap(http::security_headers(&state.http))
                .wrap(http::cors(&state.http))
                .configure(http::routes)
                .wrap(actix_web::middleware::from_fn(http::metrics::middleware))
        })
        .workers(workers)
        .client_request_timeout(Duration::from_secs(settings.operations.header_timeout_secs))
        .on_connect(guard.on_connect())
        .listen(listener)?
        .shutdown_timeout(shutdown_timeout.as_secs())
        .disable_signals()
        .run();
        Ok(Self {
            port,
            metrics_port,
            services,
            server,
            metrics_server,
            shutdown,
            shutdown_timeout,
            guard,
            server_lock,
        })
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or Ctrl-C, then stops accepting, closes WebSockets with a close
    /// frame (1001), lets in-flight requests finish (for at most the shutdown timeout) and closes
    /// the pool. A second signal stops at once.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let shutdown = self.shutdown;
        let db = self.services.db.0.clone();
        let timeout = self.shutdown_timeout;
        let metrics_handle = self.metrics_server.as_ref().map(Server::handle);
        if let Some(metrics_server) = self.metrics_server {
            tokio::spawn(metrics_server);
        }
        let guard = self.guard;
        let _server_lock = self.server_lock;
        let mut server = tokio::spawn(self.server);
        tokio::select! {
            result = &mut server => {
                // The server stopped by itself (it should not): report why.
                db.close().await.ok();
                return match result {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(error)) => Err(error).context("the HTTP server failed"),
                    Err(error) => Err(error).context("the HTTP server panicked"),
                };
            }
            _ = wait_for_signal() => {}
        }
        let started = std::time::Instant::now();
        tracing::info!(
            timeout_secs = timeout.as_secs(),
            in_flight = guard.in_flight(),
            "shutting down: no new connections, closing WebSockets, finishing in-flight requests"
        );
        guard.stopping();
        let _ = shutdown.send(true);
        if let Some(metrics_handle) = metrics_handle {
            // Scrapes are short: the metrics listener stops with the API.
            tokio::spawn(metrics_handle.stop(false));
        }
        let graceful = handle.stop(true);
        tokio::select! {
            _ = graceful => {}
            _ = wait_for_signal() => {
                tracing::warn!("second signal: stopping now");
                handle.stop(false).await;
            }
            _ = tokio::time::sleep(timeout + Duration::from_secs(1)) => {
                tracing::warn!("in-flight requests did not finish within the shutdown timeout");
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), server).await;
        // The requests the timeout cut off are dropped with their workers: wait for the count to
        // settle (briefly), then say how many there were.
        let settle = std::time::Instant::now() + Duration::from_secs(2);
        while guard.in_flight() > 0 && std::time::Instant::now() < settle {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let cut_off = guard.cut_off();
        if cut_off > 0 {
            tracing::warn!(
                cut_off,
                timeout_secs = timeout.as_secs(),
                "the shutdown cut off {cut_off} in-flight requests unfinished (MPTF_SHUTDOWN_TIMEOUT_SECS)"
            );
        }
        if tokio::time::timeout(Duration::from_secs(5), db.close())
            .await
            .is_err()
        {
            tracing::warn!("the database pool did not close in time");
        }
        tracing::info!(
            milliseconds = started.elapsed().as_millis() as u64,
            "stopped"
        );
        Ok(())
    }

    /// Runs the server in the background (tests).
    pub fn spawn(self) -> (u16, Services, ServerHandle) {
        let handle = self.server.handle();
        let port = self.port;
        let services = self.services.clone();
        let shutdown = self.shutdown;
        if let Some(metrics_server) = self.metrics_server {
            tokio::spawn(metrics_server);
        }
        let server_lock = self.server_lock;
        tokio::spawn(async move {
            let _keep_open = (shutdown, server_lock);
            let _ = self.server.await;
        });
        (port, services, handle)
    }
}

/// The separate listener of MPTF_METRICS_LISTEN: `/metrics` only, on one worker.
fn metrics_server(
    address: std::net::SocketAddr,
    metrics: web::Data<http::metrics::Metrics>,
    access: http::metrics::MetricsAccess,
    shutdown_timeout: Duration,
) -> anyhow::Result<(Server, u16)> {
    let listener = TcpListener::bind(address)
        .with_context(|| format!("cannot listen on {address} (MPTF_METRICS_LISTEN)"))?;
    let port = listener.local_addr()?.port();
    let access = web::Data::new(access);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(metrics.clone())
            .app_data(access.clone())
            .route("/metrics", web::get().to(http::metrics::metrics))
    })
    .workers(1)
    .listen(listener)?
    .shutdown_timeout(shutdown_timeout.as_secs())
    .disable_signals()
    .run();
    Ok((server, port))
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut terminate = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = terminate.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
