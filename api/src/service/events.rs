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
        Audience::Organizations(organization_ids) => (
            None,
            None,
            format!("{ORGANIZATIONS}{}", encode_ids(organization_ids)),
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
        (None, None) if row.organization_ids.starts_with(ORGANIZATIONS) => {
            Audience::Organizations(decode_ids(&row.organization_ids[ORGANIZATIONS.len()..])?)
        }
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

/// The prefix of an [`Audience::Organizations`] row's organizations: "organizations:1,2,3".
const ORGANIZATIONS: &str = "organizations:";

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

/// How long events are kept for subscribers that reconnect, unless set otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// How many outbox rows a subscriber catching up reads at a time.
pub const CATCH_UP_PAGE: u64 = 200;

/// Where a subscriber that reconnects with `after` resumes: the event must still be in the
/// outbox, or the events just after it may be gone too, and the subscriber would not know.
pub async fn resume_after<C: ConnectionTrait>(
    db: &C,
    after: i64,
    kept_for_days: u32,
) -> ServiceResult<i64> {
    use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
    if portfolio_event::Entity::find_by_id(after)
        .select_only()
        .column(portfolio_event::Column::Id)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some()
    {
        return Ok(after);
    }
    let oldest: Option<i64> = portfolio_event::Entity::find()
        .select_only()
        .column(portfolio_event::Column::Id)
        .order_by_asc(portfolio_event::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    let why = match oldest {
        Some(oldest) if after < oldest => format!(
            "event {after} is no longer kept: the fund keeps events for {kept_for_days} days and the \
             oldest kept is {oldest}; read the current state through the queries, then subscribe \
             again without `after`"
        ),
        _ => format!("no event {after} was ever sent; pass the `id` of an event you received"),
    };
    Err(crate::domain::UserError::validation("after", why).into())
}

/// The id of the latest event written, if any: a live subscriber that falls behind catches up
/// from the outbox after it.
pub async fn latest<C: ConnectionTrait>(db: &C) -> ServiceResult<i64> {
    use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
    let latest: Option<i64> = portfolio_event::Entity::find()
        .select_only()
        .column(portfolio_event::Column::Id)
        .order_by_desc(portfolio_event::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    Ok(latest.unwrap_or(0))
}

/// The events written after `after`, oldest first, at most `limit` of them. A row this version
/// cannot read is left out (and logged), as it is when it arrives live.
pub async fn written_after<C: ConnectionTrait>(
    db: &C,
    after: i64,
    limit: u64,
) -> ServiceResult<Vec<PortfolioEvent>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let rows = portfolio_event::Entity::find()
        .filter(portfolio_event::Column::Id.gt(after))
        .order_by_asc(portfolio_event::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let id = row.id;
            from_row(row)
                .inspect_err(
                    |error| tracing::error!(%error, id, "a portfolio event cannot be read"),
                )
                .ok()
        })
        .collect())
}

/// Removes the events older than the retention period (`MPTF_EVENT_RETENTION_DAYS`; 0 keeps
/// them all). Every process may run it: deleting what another already deleted is harmless.
pub async fn forget_older_than<C: ConnectionTrait>(db: &C, days: u32) -> ServiceResult<u64> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    if days == 0 {
        return Ok(0);
    }
    let before = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
    let deleted = portfolio_event::Entity::delete_many()
        .filter(portfolio_event::Column::At.lt(before))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// What a subscriber receives: first the events written after `after` (read from the outbox),
/// then live ones. A subscriber that falls behind the live events catches up from the outbox
/// rather than skipping them, so nothing written is missed while it is kept. The stream ends if
/// the outbox cannot be read; the subscriber resumes with the last id it saw. Events are numbered
/// in commit order (see [`super::Services::commit_announcing`]), so reading "after an id" never
/// skips one that committed later.
pub fn feed(
    services: &super::Services,
    after: i64,
) -> impl futures::Stream<Item = PortfolioEvent> + Send + 'static {
    let feed = Feed {
        receiver: services.events.subscribe(),
        db: services.db.clone(),
        catch_up_after: Some(after),
        backlog: std::collections::VecDeque::new(),
        last_seen: after,
        from_outbox: std::collections::BTreeSet::new(),
    };
    futures::stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((event, feed))
    })
}

struct Feed {
    receiver: broadcast::Receiver<PortfolioEvent>,
    db: super::budget::Db,
    /// Still to read from the outbox: the events after this id.
    catch_up_after: Option<i64>,
    backlog: std::collections::VecDeque<PortfolioEvent>,
    /// The latest event id read, delivered or not (the reader may not see every event).
    last_seen: i64,
    /// The latest ids read from the outbox, so the live copy of one is not sent again.
    from_outbox: std::collections::BTreeSet<i64>,
}

impl Feed {
    /// Enough to cover the live events that can wait in the bus while the outbox is read.
    const REMEMBERED: usize = 4096;

    async fn next(&mut self) -> Option<PortfolioEvent> {
        loop {
            if let Some(event) = self.backlog.pop_front() {
                return Some(event);
            }
            if let Some(after) = self.catch_up_after {
                let page = match written_after(&self.db, after, CATCH_UP_PAGE).await {
                    Ok(page) => page,
                    Err(error) => {
                        tracing::warn!(%error, "cannot read the outbox for a subscriber; ending its stream");
                        return None;
                    }
                };
                // A short page is the end of what is written so far.
                self.catch_up_after = match page.last() {
                    Some(event) if page.len() as u64 == CATCH_UP_PAGE => Some(event.id),
                    _ => None,
                };
                for event in &page {
                    self.last_seen = self.last_seen.max(event.id);
                    self.from_outbox.insert(event.id);
                }
                while self.from_outbox.len() > Self::REMEMBERED {
                    self.from_outbox.pop_first();
                }
                self.backlog.extend(page);
                continue;
            }
            match self.receiver.recv().await {
                Ok(event) if self.from_outbox.contains(&event.id) => {}
                Ok(event) => {
                    self.last_seen = self.last_seen.max(event.id);
                    return Some(event);
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::info!(missed, "a slow subscriber catches up from the outbox");
                    self.catch_up_after = Some(self.last_seen);
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

/// Removes events past their retention now and then every hour, in the background.
pub fn forget_old_events(services: &super::Services) {
    let services = services.clone();
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            match forget_older_than(&services.db, services.events.kept_for_days).await {
                Ok(0) => {}
                Ok(removed) => {
                    tracing::info!(removed, "removed portfolio events past their retention")
                }
                Err(error) => tracing::warn!(%error, "cannot remove old portfolio events"),
            }
        }
    });
}

/// Fans committed events out to this process's subscribers. A slow subscriber only loses its
/// own oldest events (it is told how many); it never holds up the others.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<PortfolioEvent>,
    /// True when the database cannot carry events between processes (SQLite).
    delivers_locally: bool,
    /// How long the outbox keeps events for subscribers that reconnect, in days (0: always).
    pub kept_for_days: u32,
}

impl EventBus {
    pub fn new(delivers_locally: bool) -> Self {
        let (sender, _) = broadcast::channel(1024);
        Self {
            sender,
            delivers_locally,
            kept_for_days: DEFAULT_RETENTION_DAYS,
        }
    }

    /// The same bus, keeping events for `days` (0: always).
    pub fn keeping_for(mut self, days: u32) -> Self {
        self.kept_for_days = days;
        self
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Kind;

    /// An outbox in a fresh SQLite file, migrated.
    async fn outbox() -> (sea_orm::DatabaseConnection, std::path::PathBuf) {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path =
            std::env::temp_dir().join(format!("mptf-feed-{}-{nanos}.sqlite", std::process::id()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let db = sea_orm::Database::connect(url).await.unwrap();
        crate::startup::migrate(&db).await.unwrap();
        (db, path)
    }

    async fn write(
        db: &sea_orm::DatabaseConnection,
        sender: &broadcast::Sender<PortfolioEvent>,
        n: i64,
    ) {
        let event = NewEvent::new(
            PortfolioEventKind::Transfer,
            (Kind::Transfer, n),
            format!("transfer {n}"),
        );
        let event = append(db, event).await.unwrap();
        let _ = sender.send(event);
    }

    fn feed(
        db: &sea_orm::DatabaseConnection,
        receiver: broadcast::Receiver<PortfolioEvent>,
        after: i64,
    ) -> Feed {
        Feed {
            receiver,
            db: super::super::budget::Db(db.clone()),
            catch_up_after: Some(after),
            backlog: Default::default(),
            last_seen: after,
            from_outbox: Default::default(),
        }
    }

    async fn quiet(feed: &mut Feed) -> bool {
        tokio::time::timeout(std::time::Duration::from_millis(100), feed.next())
            .await
            .is_err()
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_catches_up_from_the_outbox_each_event_once() {
        let (db, path) = outbox().await;
        // A bus that holds two events: five written while the subscriber is not reading overflow it.
        let (sender, receiver) = broadcast::channel(2);
        let mut feed = feed(&db, receiver, 0);
        assert!(quiet(&mut feed).await, "nothing written yet");
        for n in 1..=5 {
            write(&db, &sender, n).await;
        }
        let mut subjects = Vec::new();
        for _ in 0..5 {
            subjects.push(feed.next().await.unwrap().subject.1);
        }
        assert_eq!(subjects, [1, 2, 3, 4, 5], "every event, in order");
        assert!(
            quiet(&mut feed).await,
            "the two the bus still held are not sent again"
        );
        write(&db, &sender, 6).await;
        assert_eq!(feed.next().await.unwrap().subject.1, 6, "then live");
        let _ = std::fs::remove_file(path);
    }

    #[tokio::test]
    async fn a_subscriber_resuming_reads_the_outbox_past_a_page() {
        let (db, path) = outbox().await;
        let (sender, _) = broadcast::channel(2);
        for n in 1..=(CATCH_UP_PAGE as i64 + 3) {
            write(&db, &sender, n).await;
        }
        let mut feed = feed(&db, sender.subscribe(), 2);
        let mut count = 0;
        while let Ok(Some(event)) =
            tokio::time::timeout(std::time::Duration::from_millis(200), feed.next()).await
        {
            count += 1;
            assert_eq!(event.subject.1, count + 2);
        }
        assert_eq!(count, CATCH_UP_PAGE as i64 + 1);
        let _ = std::fs::remove_file(path);
    }
}
