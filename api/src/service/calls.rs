//! Reading calls for concept notes (docs/calls.md). Every token reads the calls: the fund
//! publishes them. A call's notes are read through the concept notes' own rule
//! ([`super::policy::ReadPolicy`]); the commands are in `commands::calls`.

use super::page::{self, Page, Window};
use super::{policy, Ctx, ServiceResult, Services};
use crate::domain::calls::{self, CallTerms};
use crate::domain::{CallStatus, Scope, Usd};
use chrono::NaiveDate;
use entity::{call_for_concept_notes, call_scope, call_thematic_area};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// Narrows the list of calls; every field given must match.
#[derive(Clone, Debug, Default)]
pub struct CallFilter {
    /// Only calls in one of these statuses today.
    pub statuses: Vec<CallStatus>,
    /// Only calls inviting this thematic area.
    pub thematic_area_id: Option<i64>,
}

/// The calls in `status` on `today`, as a condition: the SQL twin of [`calls::status`].
fn in_status(status: CallStatus, today: NaiveDate) -> Condition {
    use call_for_concept_notes::Column;
    match status {
        CallStatus::Upcoming => Condition::all().add(Column::OpensOn.gt(today)),
        CallStatus::Open => Condition::all()
            .add(Column::OpensOn.lte(today))
            .add(Column::ClosesOn.gte(today)),
        CallStatus::Closed => Condition::all().add(Column::ClosesOn.lt(today)),
    }
}

impl Services {
    /// The fund's calls, the latest to open first.
    pub async fn calls(
        &self,
        ctx: &Ctx,
        filter: CallFilter,
        window: Window,
    ) -> ServiceResult<Page<call_for_concept_notes::Model>> {
        policy::authenticated(ctx)?;
        let today = chrono::Utc::now().date_naive();
        let mut condition = Condition::all();
        if !filter.statuses.is_empty() {
            condition = condition.add(
                filter
                    .statuses
                    .iter()
                    .fold(Condition::any(), |any, status| {
                        any.add(in_status(*status, today))
                    }),
            );
        }
        if let Some(area) = filter.thematic_area_id {
            condition = condition.add(
                call_for_concept_notes::Column::Id.in_subquery(
                    Query::select()
                        .column(call_thematic_area::Column::CallId)
                        .from(call_thematic_area::Entity)
                        .and_where(call_thematic_area::Column::ThematicAreaId.eq(area))
                        .to_owned(),
                ),
            );
        }
        let query = call_for_concept_notes::Entity::find()
            .filter(condition)
            .order_by_desc(call_for_concept_notes::Column::OpensOn)
            .order_by_desc(call_for_concept_notes::Column::Id);
        page::fetch(&self.db, query, window).await
    }

    /// One call, for `node`.
    pub async fn call(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<call_for_concept_notes::Model>> {
        policy::authenticated(ctx)?;
        Ok(call_for_concept_notes::Entity::find_by_id(id)
            .one(&self.db)
            .await?)
    }
}

/// What a call invites: its thematic areas and scopes, by id and in the vocabulary's order.
pub struct Invited {
    pub thematic_area_ids: Vec<i64>,
    pub scopes: Vec<Scope>,
}

/// What the calls `ids` invite, each call's in one entry (two statements for all of them).
pub async fn invited_by<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
) -> ServiceResult<std::collections::HashMap<i64, Invited>> {
    let mut invited: std::collections::HashMap<i64, Invited> = ids
        .iter()
        .map(|id| {
            let empty = Invited {
                thematic_area_ids: Vec::new(),
                scopes: Vec::new(),
            };
            (*id, empty)
        })
        .collect();
    let areas = call_thematic_area::Entity::find()
        .filter(call_thematic_area::Column::CallId.is_in(ids.iter().copied()))
        .order_by_asc(call_thematic_area::Column::ThematicAreaId)
        .all(db)
        .await?;
    for row in areas {
        if let Some(call) = invited.get_mut(&row.call_id) {
            call.thematic_area_ids.push(row.thematic_area_id);
        }
    }
    let scopes = call_scope::Entity::find()
        .filter(call_scope::Column::CallId.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    for row in scopes {
        if let Some(call) = invited.get_mut(&row.call_id) {
            call.scopes.push(Scope::from_stored(&row.scope)?);
        }
    }
    for call in invited.values_mut() {
        call.scopes
            .sort_by_key(|scope| Scope::ALL.iter().position(|s| s == scope));
    }
    Ok(invited)
}

/// The terms a note answering call `id` must meet; `None` when there is no such call.
pub async fn call_terms<C: ConnectionTrait>(db: &C, id: i64) -> ServiceResult<Option<CallTerms>> {
    let Some(call) = call_for_concept_notes::Entity::find_by_id(id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let invited = invited_by(db, &[id]).await?.remove(&id);
    let invited = invited.unwrap_or(Invited {
        thematic_area_ids: Vec::new(),
        scopes: Vec::new(),
    });
    Ok(Some(CallTerms {
        reference: call.reference,
        opens_on: call.opens_on,
        closes_on: call.closes_on,
        thematic_area_ids: invited.thematic_area_ids,
        scopes: invited.scopes,
        max_budget: call.max_budget_usd_cents.map(Usd::from_cents),
    }))
}

/// Where `call` stands today.
pub fn status_today(call: &call_for_concept_notes::Model) -> CallStatus {
    calls::status(
        call.opens_on,
        call.closes_on,
        chrono::Utc::now().date_naive(),
    )
}
