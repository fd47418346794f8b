//! People and systems who sign in: accounts, Argon2id passwords, login with throttling, and the
//! second administrator every privileged account needs.
//!
//! An ADMIN or STEERING_COMMITTEE account created through the API waits, unable to sign in or to
//! use a token, until an administrator other than its creator activates it (`activateUser`), so
//! that no one administrator can give themselves the second pair of hands the fund's
//! separation of duties asks for. Accounts set up by whoever runs the server (the demo seed,
//! `mptf create-admin`) are active at once: they hold the database and the signing secret anyway.

use super::contributions::required_text;
use super::{audit, Ctx, ServiceError, ServiceResult, Services};
use crate::auth::{password, LoginThrottle, Principal};
use crate::domain::{Role, UserError, UserErrorCode};
use crate::ids::Kind;
use entity::{app_user, donor, organization};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};
use std::net::IpAddr;
use std::time::Duration;

pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub chair: bool,
    pub password: Option<String>,
    pub donor_id: Option<i64>,
    pub organization_id: Option<i64>,
}

/// Why a login failed. Deliberately one message for unknown emails, wrong passwords, inactive
/// accounts and throttled attempts, so that the answer reveals nothing.
pub const LOGIN_REFUSED: &str =
    "the email or password is wrong, or the account is locked for a while";

/// The refusal every failed login answers with.
pub fn login_refused() -> UserError {
    UserError::new(UserErrorCode::Validation, &[], LOGIN_REFUSED)
}

/// How a login ended: a principal to issue a token for, or a refusal to answer after `delay`.
pub enum LoginOutcome {
    Accepted(Principal),
    Refused { delay: Duration },
}

/// Roles whose accounts need a second administrator to activate them.
pub fn needs_second_administrator(role: Role) -> bool {
    matches!(role, Role::Admin | Role::SteeringCommittee)
}

/// Whether an account is created active or waits for a second administrator.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Activation {
    /// Through the API: privileged accounts wait for `activateUser`.
    ByRole,
    /// By whoever runs the server (seed, command line): active at once.
    Operator,
}

impl Services {
    /// Creates an account (ADMIN; audited). An ADMIN or STEERING_COMMITTEE account waits for
    /// another administrator's `activateUser`.
    pub async fn create_user(&self, ctx: &Ctx, input: NewUser) -> ServiceResult<app_user::Model> {
        ctx.require(&[Role::Admin], "create users")?;
        self.insert_user(ctx, input, Activation::ByRole).await
    }

    /// Creates an account that is active at once, whatever its role: for the demo seed and
    /// `mptf create-admin`, run by whoever holds the database. Never reachable from the API.
    pub async fn create_user_as_operator(
        &self,
        ctx: &Ctx,
        input: NewUser,
    ) -> ServiceResult<app_user::Model> {
        self.insert_user(ctx, input, Activation::Operator).await
    }

    /// How many active ADMIN accounts there are (`mptf create-admin` sets up the first two).
    pub async fn active_administrators(&self) -> ServiceResult<u64> {
        Ok(app_user::Entity::find()
            .filter(app_user::Column::Role.eq(Role::Admin.as_str()))
            .filter(app_user::Column::Active.eq(true))
            .count(&self.db)
            .await?)
    }

    async fn insert_user(
        &self,
        ctx: &Ctx,
        input: NewUser,
        activation: Activation,
    ) -> ServiceResult<app_user::Model> {
        let email = required_text(&input.email, "email", 254)?.to_lowercase();
        if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
            return Err(UserError::validation(
                "email",
                "an email address looks like name@example.org",
            )
            .into());
        }
        let display_name = required_text(&input.display_name, "displayName", 200)?;
        let password_hash = match input.password.as_deref() {
            Some(p) if p.chars().count() < 12 => {
                return Err(UserError::validation(
                    "password",
                    "a password has at least 12 characters",
                )
                .into())
            }
            Some(p) => Some(
                password::hash(p).map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))?,
            ),
            None => None,
        };
        match (input.role, input.donor_id, input.organization_id) {
            (Role::Donor, Some(_), None) | (Role::Puno, None, Some(_)) => {}
            (Role::Admin | Role::SteeringCommittee | Role::PartnerSystem, None, None) => {}
            (Role::Donor, _, _) => {
                return Err(UserError::validation(
                    "donor",
                    "a DONOR user speaks for one donor, and only that",
                )
                .into())
            }
            (Role::Puno, _, _) => {
                return Err(UserError::validation(
                    "organization",
                    "a PUNO user speaks for one organization, and only that",
                )
                .into())
            }
            _ => {
                return Err(UserError::validation(
                    "role",
                    "only DONOR users name a donor and only PUNO users an organization",
                )
                .into())
            }
        }
        if input.chair && input.role != Role::SteeringCommittee {
            return Err(UserError::validation(
                "chair",
                "only a steering committee member can be its chair",
            )
            .into());
        }
        let txn = self.db.begin().await?;
        if let Some(id) = input.donor_id {
            donor::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(|| UserError::not_found("donor", "donor"))?;
        }
        if let Some(id) = input.organization_id {
            organization::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(|| UserError::not_found("organization", "organization"))?;
        }
        if app_user::Entity::find()
            .filter(app_user::Column::Email.eq(&email))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(UserError::new(
                UserErrorCode::Duplicate,
                &["email"],
                "an account with this email already exists",
            )
            .into());
        }
        let pending = activation == Activation::ByRole && needs_second_administrator(input.role);
        let created = app_user::ActiveModel {
            email: Set(email),
            display_name: Set(display_name),
            password_hash: Set(password_hash),
            role: Set(input.role.as_str().to_owned()),
            chair: Set(input.chair),
            donor_id: Set(input.donor_id),
            organization_id: Set(input.organization_id),
            active: Set(!pending),
            pending_activation: Set(pending),
            created_by: Set(Some(ctx.actor().to_owned())),
            activated_by: Set(None),
            activated_at: Set(None),
            failed_logins: Set(0),
            locked_until: Set(None),
            created_at: Set(chrono::Utc::now()),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            ctx,
            "createUser",
            (Kind::User, created.id),
            None,
            audit::snapshot(&created),
        )
        .await?;
        self.commit(txn).await?;
        Ok(created)
    }

    /// Checks an email and password from `source`; on success returns the principal to issue
    /// a token for. The throttle counts failures per (account, source) and per source, and
    /// refuses a throttled pair or source whatever the password, so that guessing from one
    /// address neither succeeds nor locks out the owner signing in from another. The password is
    /// checked (Argon2id) in every case, so that the time taken tells nothing either.
    pub async fn login(
        &self,
        throttle: &LoginThrottle,
        email: &str,
        password_given: &str,
        source: Option<IpAddr>,
    ) -> ServiceResult<LoginOutcome> {
        let email = email.trim().to_lowercase();
        let throttled = throttle.locked(&email, source);
        let found = app_user::Entity::find()
            .filter(app_user::Column::Email.eq(&email))
            .one(&self.db)
            .await?;
        let stored = found.as_ref().and_then(|u| u.password_hash.as_deref());
        // Unknown account or no password set: the same work against a decoy, then refuse.
        let matches = password::verify(password_given, stored.unwrap_or(password::decoy_hash()))
            && stored.is_some();
        match found {
            Some(user) if matches && user.active && !throttled => {
                throttle.succeeded(&email, source);
                Ok(LoginOutcome::Accepted(principal_of(&user)?))
            }
            _ => Ok(LoginOutcome::Refused {
                delay: throttle.failed(&email, source),
            }),
        }
    }

    /// Activates an account that waits for a second administrator (ADMIN; audited). The
    /// administrator who created it cannot, nor one whose own account that administrator created
    /// (or who created that administrator's account): a second pair of hands is someone else's.
    pub async fn activate_user(
        &self,
        ctx: &Ctx,
        id: i64,
        expected_version: Option<i32>,
    ) -> ServiceResult<app_user::Model> {
        let principal = ctx.require(&[Role::Admin], "activate users")?;
        let txn = self.db.begin().await?;
        let before = app_user::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| UserError::not_found("user", "user"))?;
        if !before.pending_activation {
            let state = if before.active {
                "the account is already active"
            } else {
                "the account is deactivated, not waiting for activation"
            };
            return Err(UserError::new(UserErrorCode::InvalidTransition, &["user"], state).into());
        }
        let creator = before.created_by.clone().unwrap_or_default();
        if creator == principal.subject || user_subject(id) == principal.subject {
            return Err(UserError::new(
                UserErrorCode::SeparationOfDuties,
                &["user"],
                "you created this account: another administrator must activate it",
            )
            .into());
        }
        if self
            .created_one_another(&txn, &principal.subject, &creator)
            .await?
        {
            return Err(UserError::new(
                UserErrorCode::SeparationOfDuties,
                &["user"],
                "your account and that of this account's creator were created one by the other: \
                 an administrator outside that pair must activate it",
            )
            .into());
        }
        let expected = expected_version.unwrap_or(before.version);
        super::claim_version::<app_user::Entity>(&txn, id, before.version, expected).await?;
        let mut row: app_user::ActiveModel = before.clone().into();
        row.active = Set(true);
        row.pending_activation = Set(false);
        row.activated_by = Set(Some(principal.subject.clone()));
        row.activated_at = Set(Some(chrono::Utc::now()));
        row.version = Set(before.version + 1);
        let after = row.update(&txn).await?;
        audit::record(
            &txn,
            ctx,
            "activateUser",
            (Kind::User, id),
            Some(audit::snapshot(&before)),
            audit::snapshot(&after),
        )
        .await?;
        self.commit(txn).await?;
        Ok(after)
    }

    /// Whether one of two subjects is a local account the other created.
    async fn created_one_another(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        a: &str,
        b: &str,
    ) -> ServiceResult<bool> {
        for (account, creator) in [(a, b), (b, a)] {
            let Some(id) = crate::auth::AccountCache::user_id(account) else {
                continue;
            };
            let created_by = app_user::Entity::find_by_id(id)
                .one(db)
                .await?
                .and_then(|u| u.created_by);
            if created_by.as_deref() == Some(creator) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Deactivates an account: it can no longer sign in, and its tokens are refused once the
    /// token check reads the account again. Administrators cannot deactivate themselves.
    pub async fn deactivate_user(
        &self,
        ctx: &Ctx,
        id: i64,
        expected_version: i32,
    ) -> ServiceResult<app_user::Model> {
        let principal = ctx.require(&[Role::Admin], "deactivate users")?;
        if user_subject(id) == principal.subject {
            return Err(
                UserError::validation("user", "you cannot deactivate your own account").into(),
            );
        }
        let txn = self.db.begin().await?;
        let before = app_user::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| UserError::not_found("user", "user"))?;
        // An account waiting for activation can be deactivated: that turns the request down.
        if !before.active && !before.pending_activation {
            return Err(UserError::new(
                UserErrorCode::InvalidTransition,
                &["user"],
                "the account is already deactivated",
            )
            .into());
        }
        super::claim_version::<app_user::Entity>(&txn, id, before.version, expected_version)
            .await?;
        let mut row: app_user::ActiveModel = before.clone().into();
        row.active = Set(false);
        row.pending_activation = Set(false);
        row.version = Set(before.version + 1);
        let after = row.update(&txn).await?;
        audit::record(
            &txn,
            ctx,
            "deactivateUser",
            (Kind::User, id),
            Some(audit::snapshot(&before)),
            audit::snapshot(&after),
        )
        .await?;
        self.commit(txn).await?;
        Ok(after)
    }

    pub async fn user(&self, ctx: &Ctx, id: i64) -> ServiceResult<Option<app_user::Model>> {
        let principal = ctx.principal()?;
        let found = app_user::Entity::find_by_id(id).one(&self.db).await?;
        if principal.role == Role::Admin
            || found
                .as_ref()
                .is_some_and(|u| user_subject(u.id) == principal.subject)
        {
            Ok(found)
        } else {
            Err(ServiceError::Forbidden(
                "only the fund's administrators read user accounts".to_owned(),
            ))
        }
    }
}

/// The token subject of a user account.
pub fn user_subject(id: i64) -> String {
    format!("user:{id}")
}

pub fn principal_of(user: &app_user::Model) -> ServiceResult<Principal> {
    Ok(Principal {
        subject: user_subject(user.id),
        role: Role::from_stored(&user.role)?,
        chair: user.chair,
        donor_id: user.donor_id,
        organization_id: user.organization_id,
    })
}
