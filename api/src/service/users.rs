//! People and systems who sign in: accounts, Argon2id passwords, login with lock-out.

use super::contributions::required_text;
use super::{audit, Ctx, ServiceError, ServiceResult, Services};
use crate::auth::{password, Principal};
use crate::domain::{Role, UserError, UserErrorCode};
use crate::ids::Kind;
use entity::{app_user, donor, organization};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

/// Failed attempts before an account is locked, and for how long.
pub const MAX_FAILED_LOGINS: i32 = 5;
pub const LOCK_MINUTES: i64 = 15;

pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub chair: bool,
    pub password: Option<String>,
    pub donor_id: Option<i64>,
    pub organization_id: Option<i64>,
}

/// Why a login failed. Deliberately one message for unknown emails, wrong passwords and
/// locked accounts, so that the answer reveals nothing.
pub const LOGIN_REFUSED: &str =
    "the email or password is wrong, or the account is locked for a while";

impl Services {
    pub async fn create_user(&self, ctx: &Ctx, input: NewUser) -> ServiceResult<app_user::Model> {
        ctx.require(&[Role::Admin], "create users")?;
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
        let created = app_user::ActiveModel {
            email: Set(email),
            display_name: Set(display_name),
            password_hash: Set(password_hash),
            role: Set(input.role.as_str().to_owned()),
            chair: Set(input.chair),
            donor_id: Set(input.donor_id),
            organization_id: Set(input.organization_id),
            active: Set(true),
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

    /// Checks an email and password; on success returns the principal to issue a token for.
    /// Failures are counted; after `MAX_FAILED_LOGINS` the account is locked for a while.
    pub async fn login(&self, email: &str, password_given: &str) -> ServiceResult<Principal> {
        let email = email.trim().to_lowercase();
        let found = app_user::Entity::find()
            .filter(app_user::Column::Email.eq(&email))
            .one(&self.db)
            .await?;
        let Some(user) = found else {
            // Same work as for a real account, so timing tells nothing.
            password::verify(password_given, password::decoy_hash());
            return Err(refused());
        };
        let now = chrono::Utc::now();
        let locked = user.locked_until.is_some_and(|until| until > now);
        let matches = user
            .password_hash
            .as_deref()
            .map(|hash| password::verify(password_given, hash))
            .unwrap_or_else(|| {
                // No password set: do the same work, then refuse.
                password::verify(password_given, password::decoy_hash());
                false
            });
        if locked || !matches || !user.active {
            if !locked {
                let failures = user.failed_logins + 1;
                let mut row: app_user::ActiveModel = user.into();
                row.failed_logins = Set(failures);
                if failures >= MAX_FAILED_LOGINS {
                    row.failed_logins = Set(0);
                    row.locked_until = Set(Some(now + chrono::Duration::minutes(LOCK_MINUTES)));
                }
                row.update(&self.db).await?;
            }
            return Err(refused());
        }
        if user.failed_logins > 0 || user.locked_until.is_some() {
            let mut row: app_user::ActiveModel = user.clone().into();
            row.failed_logins = Set(0);
            row.locked_until = Set(None);
            row.update(&self.db).await?;
        }
        principal_of(&user)
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
        if !before.active {
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

fn refused() -> ServiceError {
    UserError::new(UserErrorCode::Validation, &[], LOGIN_REFUSED).into()
}
