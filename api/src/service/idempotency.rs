//! Idempotency keys for money-moving commands: the key is claimed first in the command's own
//! transaction, so a retry (or a racing twin) sees the first result and changes nothing.

use super::{is_unique_violation, ServiceError, ServiceResult};
use crate::domain::{UserError, UserErrorCode};
use entity::idempotency_key;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use sha2::{Digest, Sha256};

/// A command's claim on `(actor, operation, key)`, with a fingerprint of its input.
pub struct Claim {
    pub actor: String,
    pub operation: &'static str,
    pub key: String,
    pub fingerprint: String,
}

/// How a money-moving command starts.
pub enum Begun {
    /// The key is new: the command runs in this transaction, which holds the key.
    Fresh(sea_orm::DatabaseTransaction),
    /// The same request already succeeded: answer what it created.
    Replay(i64),
}

/// What a claim found.
pub enum Outcome {
    /// The key is new and now held by this transaction.
    Claimed,
    /// The same request already succeeded: here is what it created.
    Replay(i64),
}

impl Claim {
    pub fn new(
        actor: &str,
        operation: &'static str,
        key: &str,
        input: &impl serde::Serialize,
    ) -> ServiceResult<Self> {
        let key = key.trim();
        if key.is_empty() || key.len() > 200 {
            return Err(UserError::validation(
                "idempotencyKey",
                "an idempotency key is 1 to 200 characters",
            )
            .into());
        }
        let canonical = serde_json::to_vec(input).map_err(anyhow::Error::from)?;
        Ok(Self {
            actor: actor.to_owned(),
            operation,
            key: key.to_owned(),
            fingerprint: hex::encode(Sha256::digest(&canonical)),
        })
    }

    /// Opens the command's transaction with the key claimed, or finds the first result. A twin
    /// request racing for the same key waits for the first to commit, then replays it.
    pub async fn begin(&self, db: &sea_orm::DatabaseConnection) -> ServiceResult<Begun> {
        use sea_orm::TransactionTrait;
        loop {
            let txn = db.begin().await?;
            match self.take(&txn).await {
                Ok(Outcome::Claimed) => return Ok(Begun::Fresh(txn)),
                Ok(Outcome::Replay(id)) => return Ok(Begun::Replay(id)),
                Err(error) if lost_race(&error) => {
                    drop(txn);
                    if let Some(id) = self.replay(db).await? {
                        return Ok(Begun::Replay(id));
                    }
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Looks the key up and claims it if it is new. A key used with another input is `DUPLICATE`.
    pub async fn take<C: ConnectionTrait>(&self, db: &C) -> ServiceResult<Outcome> {
        if let Some(found) = self.find(db).await? {
            return self.replay_of(found);
        }
        let claim = idempotency_key::ActiveModel {
            actor: Set(self.actor.clone()),
            operation: Set(self.operation.to_owned()),
            key: Set(self.key.clone()),
            request_hash: Set(self.fingerprint.clone()),
            subject_id: Set(0),
            created_at: Set(chrono::Utc::now()),
        };
        match claim.insert(db).await {
            Ok(_) => Ok(Outcome::Claimed),
            // A twin request holds the key and has committed: the caller retries and replays.
            Err(error) if is_unique_violation(&error) => {
                Err(ServiceError::Internal(anyhow::anyhow!(RaceLost)))
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Records what the claimed command created, in the same transaction.
    pub async fn complete<C: ConnectionTrait>(&self, db: &C, subject_id: i64) -> ServiceResult<()> {
        idempotency_key::ActiveModel {
            actor: Set(self.actor.clone()),
            operation: Set(self.operation.to_owned()),
            key: Set(self.key.clone()),
            subject_id: Set(subject_id),
            ..Default::default()
        }
        .update(db)
        .await?;
        Ok(())
    }

    /// After losing a race, the winner's committed result.
    pub async fn replay<C: ConnectionTrait>(&self, db: &C) -> ServiceResult<Option<i64>> {
        match self.find(db).await? {
            Some(found) => match self.replay_of(found)? {
                Outcome::Replay(id) => Ok(Some(id)),
                Outcome::Claimed => Ok(None),
            },
            None => Ok(None),
        }
    }

    async fn find<C: ConnectionTrait>(
        &self,
        db: &C,
    ) -> ServiceResult<Option<idempotency_key::Model>> {
        Ok(idempotency_key::Entity::find_by_id((
            self.actor.clone(),
            self.operation.to_owned(),
            self.key.clone(),
        ))
        .one(db)
        .await?)
    }

    fn replay_of(&self, found: idempotency_key::Model) -> ServiceResult<Outcome> {
        if found.request_hash == self.fingerprint {
            Ok(Outcome::Replay(found.subject_id))
        } else {
            Err(UserError::new(
                UserErrorCode::Duplicate,
                &["idempotencyKey"],
                "this idempotency key was already used with a different input; use a new key for a new request",
            )
            .into())
        }
    }
}

/// Marker for the lost race between two requests with the same key.
#[derive(Debug, thiserror::Error)]
#[error("a concurrent request with the same idempotency key won")]
pub struct RaceLost;

/// True when a command failed only because its twin committed first.
pub fn lost_race(error: &ServiceError) -> bool {
    matches!(error, ServiceError::Internal(e) if e.downcast_ref::<RaceLost>().is_some())
}
