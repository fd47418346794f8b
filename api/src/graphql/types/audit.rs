//! The audit trail.

use crate::graphql::scalars::DateTime;
use crate::ids::{self, Kind};
use async_graphql::{Json, Object, Result, ID};
use entity::audit_event;

/// One accepted write: who did what to which record, with its state before and after.
pub struct AuditEvent(pub audit_event::Model);

/// One accepted write: who did what to which record, with its state before and after. Read by ADMIN,
/// STEERING_COMMITTEE and AUDITOR; personal fields of user accounts read `[redacted]` for everyone but
/// ADMIN.
#[Object]
impl AuditEvent {
    /// The event's global id.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::AuditEvent, self.0.id))
    }
    /// When the write committed (UTC).
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }
    /// The token subject who acted.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The actor's role at the time (e.g. `ADMIN`).
    async fn actor_role(&self) -> &str {
        &self.0.actor_role
    }
    /// The mutation, e.g. `recordDeposit`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The global id of the record changed.
    async fn subject(&self) -> Result<ID> {
        let kind = Kind::ALL
            .into_iter()
            .find(|k| k.name() == self.0.subject_type)
            .ok_or_else(|| {
                format!(
                    "unknown subject type {:?} in the audit trail",
                    self.0.subject_type
                )
            })?;
        Ok(ID(ids::encode(kind, self.0.subject_id)))
    }
    /// The kind of record changed, as its type is named in this schema (e.g. `Deposit`).
    async fn subject_type(&self) -> &str {
        &self.0.subject_type
    }
    /// `{ "before": …, "after": … }`; money in the stored minor units (USD cents).
    async fn changes(&self) -> Result<Json<serde_json::Value>> {
        Ok(Json(serde_json::from_str(&self.0.changes)?))
    }
    /// The id of the HTTP request that made the write (the `x-request-id` of its response), for
    /// matching the server's log.
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
}
