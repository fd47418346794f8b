//! Portfolio events: written to an outbox table in the command's transaction and delivered to
//! subscribers only after it commits. With SQLite (one process) the bus delivers them itself; with
//! PostgreSQL the transaction also sends a NOTIFY, which reaches every process (this one too).

use super::policy::Audience;
use super::ServiceResult;
use crate::domain::{ConceptNoteStatus, PortfolioEventKind};
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
    /// What the read policy needs to decide, at delivery, who receives the event.
    pub audience: Audience,
}

/// An event a command is about to commit.
pub struct NewEvent {
    pub kind: PortfolioEventKind,
    pub subject: (Kind, i64),
    pub summary: String,
    pub audience: Audience,
}

impl NewEvent {
    /// An event about a record every authenticated caller reads.
    pub fn new(kind: PortfolioEventKind, subject: (Kind, i64), summary: impl Into<String>) -> Self {
        Self {
            kind,
            subject,
            summary: summary.into(),
            audience: Audience::Everyone,
        }
    }

    pub fn status_change(kind: Kind, id: i64, summary: impl Into<String>) -> Self {
        Self::new(PortfolioEventKind::StatusChange, (kind, id), summary)
    }

    /// About a donor's pledge or agreement: read as the donor's contributions are.
    pub fn for_donor(self, donor_id: i64) -> Self {
        self.for_audience(Audience::Donor(donor_id))
    }

    /// About a concept note (or a decision on one), now in `status`, of these organizations:
    /// read as the note is.
    pub fn about_concept_note(self, status: ConceptNoteStatus, organization_ids: Vec<i64>) -> Self {
        self.for_audience(Audience::ConceptNote {
            status,
            organization_ids,
        })
    }

    pub fn for_audience(mut self, audience: Audience) -> Self {
        self.audience = audience;
        self
    }
}

/// Appends the event to the outbox, in the caller's transaction.
pub async fn append<C: ConnectionTrait>(db: &C, event: NewEvent) -> ServiceResult<PortfolioEvent> {
    let at = chrono::Utc::now();
    let (donor_id, concept_note_status, organization_ids) = match &event.audience {
        Audience::Everyone => (None, None, String::new()),
        Audience::Donor(donor) => (Some(*donor), None, String::new()),
        Audience::ConceptNote {
            status,
            organization_ids,
        } => (
            None,
            Some(status.as_str().to_owned()),
            encode_ids(organization_ids),
        ),
    };
    let row = portfolio_event::ActiveModel {
        at: Set(at),
        kind: Set(event.kind.as_str().to_owned()),
        subject_type: Set(event.subject.0.name().to_owned()),
        subject_id: Set(event.subject.1),
        summary: Set(event.summary.clone()),
        donor_id: Set(donor_id),
        organization_ids: Set(organization_ids),
        concept_note_status: Set(concept_note_status),
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
        audience: event.audience,
    })
}

/// Reads an outbox row back into an event (for events that arrive by NOTIFY). A row this
/// version cannot read (an unknown kind, status or id) is an error: it is not delivered, rather
/// than delivered to the wrong audience.
pub fn from_row(row: portfolio_event::Model) -> anyhow::Result<PortfolioEvent> {
    let kind = PortfolioEventKind::parse(&row.kind)
        .ok_or_else(|| anyhow::anyhow!("unknown event kind {:?}", row.kind))?;
    let subject_kind = crate::ids::Kind::ALL
        .into_iter()
        .find(|k| k.name() == row.subject_type)
        .ok_or_else(|| anyhow::anyhow!("unknown event subject {:?}", row.subject_type))?;
    let audience = match (&row.concept_note_status, row.donor_id) {
        (Some(status), _) => Audience::ConceptNote {
            status: ConceptNoteStatus::from_stored(status)?,
            organization_ids: decode_ids(&row.organization_ids)?,
        },
        (None, Some(donor)) => Audience::Donor(donor),
        // Written before the outbox carried the note's status, by a server that froze the note's
        // audience as "private:<organizations>": the note was unpublished then.
        (None, None) if row.organization_ids.starts_with(LEGACY_PRIVATE) => Audience::ConceptNote {
            status: ConceptNoteStatus::Submitted,
            organization_ids: decode_ids(&row.organization_ids)?,
        },
        (None, None) => Audience::Everyone,
    };
    Ok(PortfolioEvent {
        id: row.id,
        at: row.at,
        kind,
        subject: (subject_kind, row.subject_id),
        summary: row.summary,
        audience,
    })
}

const LEGACY_PRIVATE: &str = "private:";

// The note's organizations, stored as "1,2,3".
fn encode_ids(ids: &[i64]) -> String {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    list.join(",")
}

fn decode_ids(text: &str) -> anyhow::Result<Vec<i64>> {
    let list = text.strip_prefix(LEGACY_PRIVATE).unwrap_or(text);
    if list.is_empty() {
        return Ok(Vec::new());
    }
    list.split(',')
        .map(|id| {
            id.parse()
                .map_err(|_| anyhow::anyhow!("a stored organization id {id:?} is not a number"))
        })
        .collect()
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
        Ok(Some(row)) => match from_row(row) {
            Ok(event) => services.events.deliver(event),
            Err(error) => tracing::error!(%error, id, "a notified portfolio event cannot be read"),
        },
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "cannot read a notified portfolio event"),
    }
}
