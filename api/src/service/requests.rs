//! Requests from participating organizations to the steering committee: the reads (the commands
//! that submit, schedule, withdraw and answer them are in `commands::requests` and
//! `commands::governance`). Who reads them is one rule in `policy`
//! ([`policy::may_read_programme_requests`]).

use super::page::{self, Page, Window};
use super::{policy, Ctx, ServiceError, ServiceResult, Services};
use crate::domain::{RequestKind, RequestStatus};
use entity::{budget_line, joint_programme, programme_request};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

#[derive(Default)]
pub struct RequestFilter {
    pub joint_programme_id: Option<i64>,
    pub statuses: Vec<RequestStatus>,
    pub kinds: Vec<RequestKind>,
    pub meeting_id: Option<i64>,
}

impl Services {
    /// The programme requests `ctx` may read, newest first.
    pub async fn programme_requests(
        &self,
        ctx: &Ctx,
        filter: RequestFilter,
        window: Window,
    ) -> ServiceResult<Page<programme_request::Model>> {
        let principal = policy::authenticated(ctx)?;
        let mut condition = policy::readable_programme_requests(principal);
        if let Some(programme) = filter.joint_programme_id {
            condition = condition.add(programme_request::Column::JointProgrammeId.eq(programme));
        }
        if !filter.statuses.is_empty() {
            condition = condition.add(
                programme_request::Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())),
            );
        }
        if !filter.kinds.is_empty() {
            condition = condition.add(
                programme_request::Column::Kind.is_in(filter.kinds.iter().map(|k| k.as_str())),
            );
        }
        if let Some(meeting) = filter.meeting_id {
            condition = condition.add(programme_request::Column::MeetingId.eq(meeting));
        }
        let query = programme_request::Entity::find()
            .filter(condition)
            .order_by_desc(programme_request::Column::RequestedAt)
            .order_by_desc(programme_request::Column::Id);
        page::fetch(&self.db, query, window).await
    }

    /// One programme request: `None` if there is none, `FORBIDDEN` if `ctx` may not read it.
    pub async fn programme_request(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<programme_request::Model>> {
        let principal = policy::authenticated(ctx)?;
        let Some(found) = programme_request::Entity::find_by_id(id)
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let organizations = organizations_of_programme(&self.db, found.joint_programme_id).await?;
        if !policy::may_read_programme_requests(principal, &organizations) {
            return Err(ServiceError::Forbidden(policy::REQUEST_REFUSAL.to_owned()));
        }
        Ok(Some(found))
    }

    /// The request a decision answers, if the caller may read it (`None` otherwise: the
    /// decision itself is readable more widely than the request).
    pub async fn request_answered_by(
        &self,
        ctx: &Ctx,
        decision_id: i64,
    ) -> ServiceResult<Option<programme_request::Model>> {
        let principal = policy::authenticated(ctx)?;
        Ok(programme_request::Entity::find()
            .filter(policy::readable_programme_requests(principal))
            .filter(programme_request::Column::DecisionId.eq(decision_id))
            .one(&self.db)
            .await?)
    }
}

/// The organizations of a programme: its convening organization and those with a budget line.
pub async fn organizations_of_programme<C: ConnectionTrait>(
    db: &C,
    programme_id: i64,
) -> ServiceResult<Vec<i64>> {
    let mut organizations: Vec<i64> = budget_line::Entity::find()
        .filter(budget_line::Column::JointProgrammeId.eq(programme_id))
        .all(db)
        .await?
        .into_iter()
        .map(|line| line.organization_id)
        .collect();
    if let Some(programme) = joint_programme::Entity::find_by_id(programme_id)
        .one(db)
        .await?
    {
        organizations.push(programme.convening_organization_id);
    }
    organizations.sort_unstable();
    organizations.dedup();
    Ok(organizations)
}
