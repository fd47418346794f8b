//! Accounts and the caller's own identity.

use super::donors::Donor;
use super::reference::{organization_by_id, Organization};
use crate::auth::Principal;
use crate::domain::Role;
use crate::graphql::loaders::DonorById;
use crate::graphql::scalars::DateTime;
use crate::graphql::{loaded, ContextExt};
use crate::ids::{self, Kind};
use async_graphql::{Context, Object, Result, ID};
use entity::app_user;

/// A person or system with an account.
pub struct User(pub app_user::Model);

/// A person or system with an account that signs in with `login`. Read through `node` by ADMIN and
/// by the account itself (`FORBIDDEN` for others); the audit trail shows changes to accounts to
/// ADMIN, STEERING_COMMITTEE and AUDITOR, with the personal fields (email, name) `[redacted]`
/// for the committee and auditors.
#[Object]
impl User {
    /// The account's global id; tokens name it as the subject `user:<number>`.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::User, self.0.id))
    }
    /// The address the account signs in with, unique.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// The name shown for the account.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// The role its tokens carry.
    async fn role(&self) -> Result<Option<Role>> {
        Ok(Some(Role::from_stored(&self.0.role)?))
    }
    /// True for the steering committee's chair (a STEERING_COMMITTEE account).
    async fn chair(&self) -> bool {
        self.0.chair
    }
    /// False until the account can sign in: see `pendingActivation`, or deactivated.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// An ADMIN, STEERING_COMMITTEE or AUDITOR account waiting for an administrator other than its
    /// creator to activate it (`activateUser`).
    async fn pending_activation(&self) -> bool {
        self.0.pending_activation
    }
    /// Who activated the account, for privileged accounts activated by a second administrator.
    async fn activated_by(&self) -> Option<&str> {
        self.0.activated_by.as_deref()
    }
    /// The donor a DONOR account speaks for.
    async fn donor(&self, ctx: &Context<'_>) -> Result<Option<Donor>> {
        match self.0.donor_id {
            Some(id) => Ok(loaded(ctx, ctx.loader().load_one(DonorById(id)).await)?.map(Donor)),
            None => Ok(None),
        }
    }
    /// The organization a PUNO account speaks for.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        match self.0.organization_id {
            Some(id) => organization_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
    /// When the account was created (UTC).
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// For `expectedVersion` in updates.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Who is calling, as the token says.
pub struct Viewer(pub Principal);

/// Who is calling, as the token says.
#[Object]
impl Viewer {
    /// The token's subject.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// The token's role.
    async fn role(&self) -> Role {
        self.0.role
    }
    /// True for the steering committee's chair.
    async fn chair(&self) -> bool {
        self.0.chair
    }
    /// The donor a DONOR speaks for.
    async fn donor(&self, ctx: &Context<'_>) -> Result<Option<Donor>> {
        match self.0.donor_id {
            Some(id) => Ok(loaded(ctx, ctx.loader().load_one(DonorById(id)).await)?.map(Donor)),
            None => Ok(None),
        }
    }
    /// The organization a PUNO speaks for.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        match self.0.organization_id {
            Some(id) => organization_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
}
