//! Builds the application: the database pool, migrations, the schema (once), the HTTP server.

use crate::auth::Tokens;
use crate::config::Settings;
use crate::graphql::{self, SchemaOptions};
use crate::http::{self, AppState};
use crate::service::{EventBus, Services, StatementCounter};
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::DefaultHeaders;
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
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
    let mut db = Database::connect(options).await.with_context(|| {
        format!(
            "cannot open the database {}",
            crate::config::redact_url(&settings.database_url)
        )
    })?;
    let counter = StatementCounter::default();
    let counting = counter.clone();
    db.set_metric_callback(move |_| counting.increment());
    Ok((db, counter))
}

/// Applies pending migrations (schema and reference data).
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("the database migrations failed")
}

/// Ready to serve: the database answers and every migration is applied.
pub async fn check_ready(db: &DatabaseConnection) -> Result<(), String> {
    db.execute_unprepared("SELECT 1")
        .await
        .map_err(|_| "the database does not answer".to_owned())?;
    let pending = Migrator::get_pending_migrations(db)
        .await
        .map_err(|_| "cannot read the migration table".to_owned())?;
    if pending.is_empty() {
        Ok(())
    } else {
        Err(format!("{} migrations are not applied", pending.len()))
    }
}

/// A running server.
pub struct Application {
    pub port: u16,
    pub services: Services,
    server: Server,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Application {
    /// Connects, migrates, seeds the demo portfolio into an empty database when asked, and binds
    /// the listener (port 0 picks a free port).
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        settings.validate()?;
        let (db, statements) = connect(settings).await?;
        migrate(&db).await?;
        let tokens = Tokens::new(&settings.signing_secret()?)?;
        let events = EventBus::new(db.get_database_backend() != DbBackend::Postgres);
        let services = Services {
            db,
            events,
            statements,
        };
        if settings.seeds_demo() {
            crate::seed::demo_if_empty(&services).await?;
        }
        if services.db.get_database_backend() == DbBackend::Postgres {
            crate::service::events::listen(&services, &settings.database_url).await?;
        }
        let options = SchemaOptions {
            introspection: settings.development(),
            token_lifetime: chrono::Duration::minutes(settings.token_minutes),
            ..SchemaOptions::default()
        };
        let schema = graphql::build_schema(services.clone(), tokens.clone(), options);
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let (shutdown, shutdown_seen) = tokio::sync::watch::channel(false);
        let state = web::Data::new(AppState {
            schema,
            services: services.clone(),
            tokens,
            graphiql: settings.graphiql_enabled(),
            expose_sql_count: settings.sql_count_exposed(),
            ws_init_timeout: Duration::from_secs(10),
            shutdown: shutdown_seen,
        });
        let workers = if settings.http_workers == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        } else {
            settings.http_workers
        };
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(256 * 1024))
                .wrap(
                    DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "no-referrer"))
                        .add(("X-Frame-Options", "DENY")),
                )
                .configure(http::routes)
        })
        .workers(workers)
        .listen(listener)?
        .shutdown_timeout(30)
        .disable_signals()
        .run();
        Ok(Self {
            port,
            services,
            server,
            shutdown,
        })
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM or Ctrl-C, then stops accepting, closes WebSockets with a close
    /// frame, lets in-flight requests finish and closes the pool.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let shutdown = self.shutdown;
        let db = self.services.db.clone();
        let server = tokio::spawn(self.server);
        wait_for_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = shutdown.send(true);
        handle.stop(true).await;
        let _ = server.await;
        db.close().await.ok();
        tracing::info!("stopped");
        Ok(())
    }

    /// Runs the server in the background (tests).
    pub fn spawn(self) -> (u16, Services, ServerHandle) {
        let handle = self.server.handle();
        let port = self.port;
        let services = self.services.clone();
        let shutdown = self.shutdown;
        tokio::spawn(async move {
            let _keep_open = shutdown;
            let _ = self.server.await;
        });
        (port, services, handle)
    }
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
