//! Portfolio events: written to an outbox table in the command's transaction and delivered to
//! subscribers only after it commits. With SQLite (one process) the bus delivers them itself; with
//! PostgreSQL the transaction also sends a NOTIFY, which reaches every process (this one too).

use super::ServiceResult;
use crate::domain::PortfolioEventKind;
use crate::ids::Kind;
use entity::portfolio_event;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, Set, Statement};
use tokio::sync::broadcast;

/// The PostgreSQL channel that carries committed event ids between processes.
pub const CHANNEL: &str = "mptf_portfolio_events";

/// An event as subscribers receive it.
#[derive(Clone, Debug)]
pub struct PortfolioEvent {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub kind: PortfolioEventKind,
    pub subject: (Kind, i64),
    pub summary: String,
    /// The donor whose agreement this is about: other donors must not see it.
    pub donor_id: Option<i64>,
    /// Organizations whose unpublished concept note this is about, if any.
    pub organization_ids: Vec<i64>,
    /// False when the subject is only visible to the fund's staff and committee (and `donor_id`
    /// or `organization_ids`).
    pub public: bool,
}

/// An event a command is about to commit.
pub struct NewEvent {
    pub kind: PortfolioEventKind,
    pub subject: (Kind, i64),
    pub summary: String,
    pub donor_id: Option<i64>,
    pub organization_ids: Vec<i64>,
    pub public: bool,
}

impl NewEvent {
    pub fn new(kind: PortfolioEventKind, subject: (Kind, i64), summary: impl Into<String>) -> Self {
        Self {
            kind,
            subject,
            summary: summary.into(),
            donor_id: None,
            organization_ids: Vec::new(),
            public: true,
        }
    }

    pub fn status_change(kind: Kind, id: i64, summary: impl Into<String>) -> Self {
        Self::new(PortfolioEventKind::StatusChange, (kind, id), summary)
    }

    /// Restricts the event to the fund's staff, the committee and this donor.
    pub fn for_donor(mut self, donor_id: i64) -> Self {
        self.donor_id = Some(donor_id);
        self.public = false;
        self
    }

    /// Restricts the event to the fund's staff, the committee and these organizations.
    pub fn for_organizations(mut self, organization_ids: Vec<i64>) -> Self {
        self.organization_ids = organization_ids;
        self.public = false;
        self
    }
}

/// Appends the event to the outbox, in the caller's transaction.
pub async fn append<C: ConnectionTrait>(db: &C, event: NewEvent) -> ServiceResult<PortfolioEvent> {
    let at = chrono::Utc::now();
    let row = portfolio_event::ActiveModel {
        at: Set(at),
        kind: Set(event.kind.as_str().to_owned()),
        subject_type: Set(event.subject.0.name().to_owned()),
        subject_id: Set(event.subject.1),
        summary: Set(event.summary.clone()),
        donor_id: Set(event.donor_id),
        organization_ids: Set(encode_ids(&event.organization_ids, event.public)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), row.id.to_string().into()],
        ))
        .await?;
    }
    Ok(PortfolioEvent {
        id: row.id,
        at,
        kind: event.kind,
        subject: event.subject,
        summary: event.summary,
        donor_id: event.donor_id,
        organization_ids: event.organization_ids,
        public: event.public,
    })
}

/// Reads an outbox row back into an event (for events that arrive by NOTIFY).
pub fn from_row(row: portfolio_event::Model) -> Option<PortfolioEvent> {
    let kind = PortfolioEventKind::parse(&row.kind)?;
    let subject_kind = crate::ids::Kind::ALL
        .into_iter()
        .find(|k| k.name() == row.subject_type)?;
    let (public, organization_ids) = decode_ids(&row.organization_ids);
    Some(PortfolioEvent {
        id: row.id,
        at: row.at,
        kind,
        subject: (subject_kind, row.subject_id),
        summary: row.summary,
        donor_id: row.donor_id,
        organization_ids,
        public: public && row.donor_id.is_none(),
    })
}

// Stored as "public" or "private:1,2,3".
fn encode_ids(ids: &[i64], public: bool) -> String {
    if public {
        return "public".to_owned();
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("private:{}", list.join(","))
}

fn decode_ids(text: &str) -> (bool, Vec<i64>) {
    match text.strip_prefix("private:") {
        Some(list) => (
            false,
            list.split(',').filter_map(|n| n.parse().ok()).collect(),
        ),
        None => (true, Vec::new()),
    }
}

/// Fans committed events out to this process's subscribers. A slow subscriber only loses its
/// own oldest events (it is told how many); it never holds up the others.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<PortfolioEvent>,
    /// True when the database cannot carry events between processes (SQLite).
    delivers_locally: bool,
}

impl EventBus {
    pub fn new(delivers_locally: bool) -> Self {
        let (sender, _) = broadcast::channel(1024);
        Self {
            sender,
            delivers_locally,
        }
    }

    /// Called after a command's transaction committed.
    pub fn committed(&self, event: PortfolioEvent) {
        if self.delivers_locally {
            self.deliver(event);
        }
    }

    /// Hands an event to this process's subscribers.
    pub fn deliver(&self, event: PortfolioEvent) {
        // No subscriber is not an error.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<PortfolioEvent> {
        self.sender.subscribe()
    }
}

/// With PostgreSQL: listens for committed events from every process and delivers them to this
/// process's subscribers. After an outage the listener connects again by itself. (The dashboard
/// figures do not depend on it: they are checked against the fund's version, see `figures`.)
pub async fn listen(services: &super::Services, database_url: &str) -> anyhow::Result<()> {
    let listener = subscribe(database_url).await?;
    let services = services.clone();
    let database_url = database_url.to_owned();
    tokio::spawn(async move {
        let mut listener = listener;
        loop {
            // `try_recv`, not `recv`: `recv` reconnects silently, and the notifications sent in
            // between would be lost without a trace.
            let lost = match listener.try_recv().await {
                Ok(Some(notification)) => {
                    deliver(&services, notification.payload()).await;
                    None
                }
                Ok(None) => Some("the connection was closed".to_owned()),
                Err(error) => Some(error.to_string()),
            };
            if let Some(error) = lost {
                // The pool's connections most likely died with this one: check them before use.
                super::retry::connection_lost();
                tracing::warn!(%error, "portfolio event listener lost its connection; retrying");
                listener = loop {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    match subscribe(&database_url).await {
                        Ok(listener) => break listener,
                        Err(error) => {
                            // Still down: the pool's older connections stay suspect until it
                            // is back.
                            super::retry::connection_lost();
                            tracing::warn!(%error, "portfolio event listener cannot reconnect yet")
                        }
                    }
                };
                tracing::info!("portfolio event listener connected again");
            }
        }
    });
    Ok(())
}

async fn subscribe(database_url: &str) -> anyhow::Result<sea_orm::sqlx::postgres::PgListener> {
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect(database_url).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Reads a notified event from the outbox and hands it to this process's subscribers.
async fn deliver(services: &super::Services, payload: &str) {
    use sea_orm::EntityTrait;
    let Ok(id) = payload.parse::<i64>() else {
        return;
    };
    match portfolio_event::Entity::find_by_id(id)
        .one(&services.db)
        .await
    {
        Ok(Some(row)) => {
            if let Some(event) = from_row(row) {
                services.events.deliver(event);
            }
        }
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "cannot read a notified portfolio event"),
    }
}
