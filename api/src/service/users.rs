//! People and systems who sign in: accounts, Argon2id passwords, login with throttling, and the
//! second administrator every privileged account needs.
//!
//! An ADMIN, STEERING_COMMITTEE or AUDITOR account created through the API waits, unable to sign in or to
//! use a token, until an administrator other than its creator activates it (`activateUser`), so
//! that no one administrator can give themselves the second pair of hands the fund's
//! separation of duties asks for. Accounts set up by whoever runs the server (the demo seed,
//! `mptf create-admin`) are active at once: they hold the database and the signing secret anyway.

use super::{Ctx, ServiceError, ServiceResult, Services};
use crate::auth::{password, LoginThrottle, Principal};
use crate::domain::{Role, UserError, UserErrorCode};
use entity::app_user;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::net::IpAddr;
use std::time::Duration;

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

/// Roles whose accounts need a second administrator to activate them: those that decide or
/// move money, and the auditor, who reads every donor's agreements and the audit trail (one
/// administrator alone cannot open all of that to someone outside the fund).
pub fn needs_second_administrator(role: Role) -> bool {
    matches!(role, Role::Admin | Role::SteeringCommittee | Role::Auditor)
}

impl Services {
    /// How many active ADMIN accounts there are (`mptf create-admin` sets up the first two).
    pub async fn active_administrators(&self) -> ServiceResult<u64> {
        Ok(app_user::Entity::find()
            .filter(app_user::Column::Role.eq(Role::Admin.as_str()))
            .filter(app_user::Column::Active.eq(true))
            .count(&self.db)
            .await?)
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
        let stored = found.as_ref().and_then(|u| u.password_hash.clone());
        let has_password = stored.is_some();
        // Unknown account or no password set: the same work against a decoy, then refuse.
        // Argon2id is deliberately slow: it runs on the blocking pool, so a burst of sign-ins
        // never holds the async workers that every other request (and the pool's connections)
        // needs.
        let given = password_given.to_owned();
        let matches = tokio::task::spawn_blocking(move || {
            password::verify(&given, stored.as_deref().unwrap_or(password::decoy_hash()))
        })
        .await
        .map_err(|e| anyhow::anyhow!("the password check did not finish: {e}"))?
            && has_password;
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
