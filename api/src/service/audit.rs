//! The audit trail: one event per accepted write, in the write's own transaction.
//!
//! Reading it is the one place where personal data of user accounts is redacted: only ADMIN
//! reads a user row's email, name or sign-in state in `changes`; every other reader sees the
//! fields that say what the account may do (its role, ties, and who created and activated it).

use super::{Ctx, ServiceResult};
use crate::domain::Role;
use crate::ids::Kind;
use entity::audit_event;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::{json, Value};

/// Appends an audit event: who did `action` to which subject, with its state before and after.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
    action: &str,
    subject: (Kind, i64),
    before: Option<Value>,
    after: Value,
) -> ServiceResult<()> {
    let role = ctx
        .principal
        .as_ref()
        .map(|p| p.role.as_str())
        .unwrap_or("ANONYMOUS");
    audit_event::ActiveModel {
        at: Set(chrono::Utc::now()),
        actor: Set(ctx.actor().to_owned()),
        actor_role: Set(role.to_owned()),
        action: Set(action.to_owned()),
        subject_type: Set(subject.0.name().to_owned()),
        subject_id: Set(subject.1),
        changes: Set(json!({ "before": before, "after": after }).to_string()),
        request_id: Set(Some(ctx.request_id.clone())),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A row as audit JSON.
pub fn snapshot<T: serde::Serialize>(row: &T) -> Value {
    serde_json::to_value(row).unwrap_or(Value::Null)
}

/// The fields of a user row that any reader of the audit trail may see. Everything else (email,
/// names, failed attempts, lock-out, password hash, any field added later) is personal and shown
/// to ADMIN only: a list of what may be shown, so that a new field is redacted until added here.
const USER_FIELDS_FOR_EVERY_READER: [&str; 12] = [
    "id",
    "role",
    "chair",
    "donor_id",
    "organization_id",
    "active",
    "pending_activation",
    "created_by",
    "activated_by",
    "activated_at",
    "created_at",
    "version",
];

/// What a redacted field reads.
pub const REDACTED: &str = "[redacted]";

/// The event as `ctx` may read it: a user account's personal fields redacted for every caller but
/// ADMIN.
pub fn visible_to(ctx: &Ctx, mut event: audit_event::Model) -> audit_event::Model {
    let admin = ctx.principal.as_ref().is_some_and(|p| p.is(Role::Admin));
    if admin || event.subject_type != Kind::User.name() {
        return event;
    }
    let mut changes: Value = serde_json::from_str(&event.changes).unwrap_or(Value::Null);
    // Events are written as {before, after}; anything else is not shown at all.
    for side in ["before", "after"] {
        if let Some(Value::Object(row)) = changes.get_mut(side) {
            for (field, value) in row.iter_mut() {
                // Even a null says something (e.g. "not locked"), so it is redacted too.
                if !USER_FIELDS_FOR_EVERY_READER.contains(&field.as_str()) {
                    *value = Value::String(REDACTED.to_owned());
                }
            }
        }
    }
    if changes
        .as_object()
        .is_none_or(|o| o.keys().any(|k| k != "before" && k != "after"))
    {
        changes = json!({ "before": Value::Null, "after": Value::Null });
    }
    event.changes = changes.to_string();
    event
}

/// Narrows the audit trail.
#[derive(Default)]
pub struct AuditFilter {
    pub subject: Option<(Kind, i64)>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

impl super::Services {
    pub async fn audit_events(
        &self,
        ctx: &Ctx,
        filter: AuditFilter,
        window: super::page::Window,
    ) -> ServiceResult<super::page::Page<audit_event::Model>> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        super::policy::require_audit_reader(ctx)?;
        let mut query = audit_event::Entity::find();
        if let Some((kind, id)) = filter.subject {
            query = query
                .filter(audit_event::Column::SubjectType.eq(kind.name()))
                .filter(audit_event::Column::SubjectId.eq(id));
        }
        if let Some(actor) = filter.actor {
            query = query.filter(audit_event::Column::Actor.eq(actor));
        }
        if let Some(action) = filter.action {
            query = query.filter(audit_event::Column::Action.eq(action));
        }
        if let Some(from) = filter.from {
            query = query.filter(audit_event::Column::At.gte(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(audit_event::Column::At.lt(to));
        }
        let query = query.order_by_desc(audit_event::Column::Id);
        let mut page = super::page::fetch(&self.db, query, window).await?;
        page.rows = page
            .rows
            .into_iter()
            .map(|event| visible_to(ctx, event))
            .collect();
        Ok(page)
    }

    pub async fn audit_event(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<audit_event::Model>> {
        use sea_orm::EntityTrait;
        super::policy::require_audit_reader(ctx)?;
        Ok(audit_event::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(|event| visible_to(ctx, event)))
    }
}
