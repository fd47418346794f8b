//! Accounts of people and systems who sign in: the commands that create, activate and deactivate
//! them. An ADMIN, STEERING_COMMITTEE or AUDITOR account created through the API waits, unable to sign in
//! or to use a token, until an administrator other than its creator activates it. Each command
//! states who may run it, its rules and its effect; the envelope does the rest (see
//! [`crate::service::envelope`]). Sign-in and reads are in `service::users`.

use crate::auth::password;
use crate::domain::{Role, UserError, UserErrorCode};
use crate::ids::Kind;
use crate::service::contributions::required_text;
use crate::service::envelope::Command;
use crate::service::users::{needs_second_administrator, user_subject};
use crate::service::{claim_version, Ctx, ServiceResult, Services};
use entity::{app_user, donor, organization};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub chair: bool,
    pub password: Option<String>,
    pub donor_id: Option<i64>,
    pub organization_id: Option<i64>,
}

/// Whether an account is created active or waits for a second administrator.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Activation {
    /// Through the API: privileged accounts wait for `activateUser`.
    ByRole,
    /// By whoever runs the server (seed, command line): active at once.
    Operator,
}

/// Creates an account (ADMIN). An ADMIN, STEERING_COMMITTEE or AUDITOR account waits for another
/// administrator's `activateUser`.
pub async fn create_user(
    fund: &Services,
    ctx: &Ctx,
    input: NewUser,
) -> ServiceResult<app_user::Model> {
    let command = Command::new(ctx, "createUser", &[Role::Admin], "create users")?;
    create(fund, command, input, Activation::ByRole).await
}

/// Creates an account that is active at once, whatever its role: for the demo seed and
/// `mptf create-admin`, run by whoever holds the database (as ADMIN). Never reachable from the API.
pub async fn create_user_as_operator(
    fund: &Services,
    ctx: &Ctx,
    input: NewUser,
) -> ServiceResult<app_user::Model> {
    let command = Command::new(ctx, "createUser", &[Role::Admin], "create users")?;
    create(fund, command, input, Activation::Operator).await
}

/// An account: its email unique (any case), a password of at least 12 characters if any, a
/// DONOR tied to one donor and a PUNO to one organization (and no other role to either), a
/// chair only on the steering committee.
async fn create(
    fund: &Services,
    command: Command<'_>,
    input: NewUser,
    activation: Activation,
) -> ServiceResult<app_user::Model> {
    let created_by = command.principal().subject.clone();
    let email = required_text(&input.email, "email", 254)?.to_lowercase();
    if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        return Err(
            UserError::validation("email", "an email address looks like name@example.org").into(),
        );
    }
    let display_name = required_text(&input.display_name, "displayName", 200)?;
    let password_hash = match input.password.as_deref() {
        Some(p) if p.chars().count() < 12 => {
            return Err(
                UserError::validation("password", "a password has at least 12 characters").into(),
            )
        }
        Some(p) => {
            Some(password::hash(p).map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))?)
        }
        None => None,
    };
    match (input.role, input.donor_id, input.organization_id) {
        (Role::Donor, Some(_), None) | (Role::Puno, None, Some(_)) => {}
        (
            Role::Admin | Role::SteeringCommittee | Role::PartnerSystem | Role::Auditor,
            None,
            None,
        ) => {}
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
    let pending = activation == Activation::ByRole && needs_second_administrator(input.role);
    command
        .run(fund, async |txn, effect| {
            if let Some(id) = input.donor_id {
                donor::Entity::find_by_id(id)
                    .one(txn)
                    .await?
                    .ok_or_else(|| UserError::not_found("donor", "donor"))?;
            }
            if let Some(id) = input.organization_id {
                organization::Entity::find_by_id(id)
                    .one(txn)
                    .await?
                    .ok_or_else(|| UserError::not_found("organization", "organization"))?;
            }
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
                created_by: Set(Some(created_by)),
                activated_by: Set(None),
                activated_at: Set(None),
                failed_logins: Set(0),
                locked_until: Set(None),
                created_at: Set(chrono::Utc::now()),
                version: Set(1),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            effect.created((Kind::User, created.id), &created);
            Ok(created)
        })
        .await
}

/// Activates an account that waits for a second administrator (ADMIN). The administrator who
/// created it cannot, nor one whose own account that administrator created (or who created that
/// administrator's account): a second pair of hands is someone else's.
pub async fn activate_user(
    fund: &Services,
    ctx: &Ctx,
    id: i64,
    expected_version: Option<i32>,
) -> ServiceResult<app_user::Model> {
    let command = Command::new(ctx, "activateUser", &[Role::Admin], "activate users")?;
    let activator = command.principal().subject.clone();
    command
        .run(fund, async |txn, effect| {
            let before = app_user::Entity::find_by_id(id)
                .one(txn)
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
            if creator == activator || user_subject(id) == activator {
                return Err(UserError::new(
                    UserErrorCode::SeparationOfDuties,
                    &["user"],
                    "you created this account: another administrator must activate it",
                )
                .into());
            }
            if created_one_another(txn, &activator, &creator).await? {
                return Err(UserError::new(
                    UserErrorCode::SeparationOfDuties,
                    &["user"],
                    "your account and that of this account's creator were created one by the other: \
                     an administrator outside that pair must activate it",
                )
                .into());
            }
            let expected = expected_version.unwrap_or(before.version);
            claim_version::<app_user::Entity>(txn, id, before.version, expected).await?;
            let mut row: app_user::ActiveModel = before.clone().into();
            row.active = Set(true);
            row.pending_activation = Set(false);
            row.activated_by = Set(Some(activator.clone()));
            row.activated_at = Set(Some(chrono::Utc::now()));
            row.version = Set(before.version + 1);
            let after = row.update(txn).await?;
            effect.changed((Kind::User, id), &before, &after);
            Ok(after)
        })
        .await
}

/// Whether one of two subjects is a local account the other created.
async fn created_one_another(db: &impl ConnectionTrait, a: &str, b: &str) -> ServiceResult<bool> {
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

/// Deactivates an account (ADMIN): it can no longer sign in, and its tokens are refused once the
/// token check reads the account again. Administrators cannot deactivate themselves; an account
/// waiting for activation can be deactivated, which turns the request down.
pub async fn deactivate_user(
    fund: &Services,
    ctx: &Ctx,
    id: i64,
    expected_version: i32,
) -> ServiceResult<app_user::Model> {
    let command = Command::new(ctx, "deactivateUser", &[Role::Admin], "deactivate users")?;
    if user_subject(id) == command.principal().subject {
        return Err(UserError::validation("user", "you cannot deactivate your own account").into());
    }
    command
        .run(fund, async |txn, effect| {
            let before = app_user::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("user", "user"))?;
            if !before.active && !before.pending_activation {
                return Err(UserError::new(
                    UserErrorCode::InvalidTransition,
                    &["user"],
                    "the account is already deactivated",
                )
                .into());
            }
            claim_version::<app_user::Entity>(txn, id, before.version, expected_version).await?;
            let mut row: app_user::ActiveModel = before.clone().into();
            row.active = Set(false);
            row.pending_activation = Set(false);
            row.version = Set(before.version + 1);
            let after = row.update(txn).await?;
            effect.changed((Kind::User, id), &before, &after);
            Ok(after)
        })
        .await
}
