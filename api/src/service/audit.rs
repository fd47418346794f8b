//! The audit trail: one event per accepted write, in the write's own transaction.

use super::{Ctx, ServiceResult};
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
        super::access::require_audit_reader(ctx)?;
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
        super::page::fetch(&self.db, query, window).await
    }

    pub async fn audit_event(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<audit_event::Model>> {
        use sea_orm::EntityTrait;
        super::access::require_audit_reader(ctx)?;
        Ok(audit_event::Entity::find_by_id(id).one(&self.db).await?)
    }
}
