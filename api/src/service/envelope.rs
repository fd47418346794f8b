//! The command envelope: what every command of the fund does around its own rules, written once.
//!
//! A command (see [`super::commands`]) states its name, who may run it, its idempotency key where
//! money moves, its rules and its effect: the rows it writes, the audit events that record them
//! and the portfolio events it announces. The envelope does the rest, in this order:
//!
//! 1. authorize the caller ([`Command::new`]);
//! 2. open one transaction, claiming the idempotency key in it when there is one (a retry or a
//!    racing twin with the same key gets what the first run produced, and changes nothing);
//! 3. run the command's work in that transaction;
//! 4. record the key's result and append the audit events;
//! 5. raise the fund's version, append the outbox events and commit (see
//!    [`Services::commit_announcing`]: events are numbered in commit order), and only then hand
//!    the events to subscribers.
//!
//! Anything that fails before the commit rolls the whole transaction back: no audit event
//! without its write, no write without its audit event. A write that breaks one of the schema's
//! unique keys answers `DUPLICATE` on the input field that key stands for ([`UNIQUE_KEYS`]), so
//! a racing twin is told what a later one is told, never `INTERNAL`. When the connection broke
//! before the commit was sent, the HTTP layer runs the whole request again (see `retry`).

use super::idempotency::{Begun, Claim};
use super::{audit, events, Ctx, ServiceError, ServiceResult, Services};
use crate::auth::Principal;
use crate::domain::{Role, UserError, UserErrorCode};
use crate::ids::Kind;
use sea_orm::{DatabaseTransaction, DbErr, RuntimeErr, TransactionTrait};
use serde::Serialize;
use serde_json::Value;
use std::future::Future;

/// A command about to run: its name (also the action of its audit events) and its caller.
pub struct Command<'c> {
    name: &'static str,
    ctx: &'c Ctx,
    principal: &'c Principal,
}

/// A command that runs once per idempotency key (every command that moves money).
pub struct OncePerKey<'c> {
    command: Command<'c>,
    claim: Claim,
}

/// What a command records besides its own rows, collected while it works and written by the
/// envelope in the same transaction.
#[derive(Default)]
pub struct Effect {
    audits: Vec<AuditEntry>,
    events: Vec<events::NewEvent>,
}

struct AuditEntry {
    subject: (Kind, i64),
    before: Option<Value>,
    after: Value,
}

impl Effect {
    /// Records a change to `subject` in the audit trail, with its state before and after.
    pub fn audit(&mut self, subject: (Kind, i64), before: Option<Value>, after: Value) {
        self.audits.push(AuditEntry {
            subject,
            before,
            after,
        });
    }

    /// Records a row the command created.
    pub fn created<T: Serialize>(&mut self, subject: (Kind, i64), row: &T) {
        self.audit(subject, None, audit::snapshot(row));
    }

    /// Records a row the command changed.
    pub fn changed<T: Serialize>(&mut self, subject: (Kind, i64), before: &T, after: &T) {
        self.audit(
            subject,
            Some(audit::snapshot(before)),
            audit::snapshot(after),
        );
    }

    /// Announces a portfolio event: written to the outbox now, delivered once committed.
    pub fn announce(&mut self, event: events::NewEvent) {
        self.events.push(event);
    }
}

impl<'c> Command<'c> {
    /// The command `name`, which only callers holding one of `who` may run (`doing` says what is
    /// refused otherwise, as in "the PUNO role cannot {doing}").
    pub fn new(ctx: &'c Ctx, name: &'static str, who: &[Role], doing: &str) -> ServiceResult<Self> {
        let principal = ctx.require(who, doing)?;
        Ok(Self {
            name,
            ctx,
            principal,
        })
    }

    /// Who runs the command.
    pub fn principal(&self) -> &'c Principal {
        self.principal
    }

    /// Makes the command run once per `key` of its caller: a retry with the same key and input
    /// gets the first result; the same key with another input is `DUPLICATE`.
    pub fn idempotent(self, key: &str, input: &impl Serialize) -> ServiceResult<OncePerKey<'c>> {
        let claim = Claim::new(&self.principal.subject, self.name, key, input)?;
        Ok(OncePerKey {
            command: self,
            claim,
        })
    }

    /// Runs `work` in one transaction, with its audit and outbox events, and commits. The span
    /// (one per command) shows in a slow request's trace where its time went.
    #[tracing::instrument(name = "command", skip_all, fields(command = self.name, caller = %self.principal.subject))]
    pub async fn run<T>(
        self,
        fund: &Services,
        work: impl AsyncFnOnce(&DatabaseTransaction, &mut Effect) -> ServiceResult<T>,
    ) -> ServiceResult<T> {
        let txn = fund.db.begin().await?;
        self.apply(fund, txn, None, |_| 0, work).await
    }

    async fn apply<T>(
        &self,
        fund: &Services,
        txn: DatabaseTransaction,
        claim: Option<&Claim>,
        key_subject: impl FnOnce(&T) -> i64,
        work: impl AsyncFnOnce(&DatabaseTransaction, &mut Effect) -> ServiceResult<T>,
    ) -> ServiceResult<T> {
        let mut effect = Effect::default();
        let produced = work(&txn, &mut effect).await.map_err(duplicate_named)?;
        if let Some(claim) = claim {
            claim.complete(&txn, key_subject(&produced)).await?;
        }
        for entry in effect.audits {
            audit::record(
                &txn,
                self.ctx,
                self.name,
                entry.subject,
                entry.before,
                entry.after,
            )
            .await?;
        }
        let announced = fund.commit_announcing(txn, effect.events).await?;
        for event in announced {
            fund.events.committed(event);
        }
        Ok(produced)
    }
}

impl OncePerKey<'_> {
    /// Who runs the command.
    pub fn principal(&self) -> &Principal {
        self.command.principal
    }

    /// Runs `work` once for the key, as [`Command::run`]; a retry gets what the first run
    /// produced, read again ([`Replay`]).
    #[tracing::instrument(name = "command", skip_all, fields(command = self.command.name, caller = %self.command.principal.subject))]
    pub async fn run<T: Replay>(
        self,
        fund: &Services,
        work: impl AsyncFnOnce(&DatabaseTransaction, &mut Effect) -> ServiceResult<T>,
    ) -> ServiceResult<T> {
        let txn = match self.claim.begin(&fund.db).await? {
            Begun::Fresh(txn) => txn,
            Begun::Replay(id) => return T::replay(fund, id).await,
        };
        self.command
            .apply(fund, txn, Some(&self.claim), T::key_subject, work)
            .await
    }
}

/// What a money-moving command produces: the row its idempotency key stands for, and how to read
/// it again for a retry with the same key.
pub trait Replay: Sized {
    /// The id the key records.
    fn key_subject(&self) -> i64;
    /// What the first run with the key produced, as it is now.
    fn replay(fund: &Services, id: i64) -> impl Future<Output = ServiceResult<Self>> + Send;
}

/// A row answered as itself on a replay.
macro_rules! replayed_as_row {
    ($($table:ident),+) => {$(
        impl Replay for entity::$table::Model {
            fn key_subject(&self) -> i64 {
                self.id
            }

            async fn replay(fund: &Services, id: i64) -> ServiceResult<Self> {
                fund.replayed::<entity::$table::Entity>(id).await
            }
        }
    )+};
}

replayed_as_row!(contribution, transfer, expenditure_report);

/// A unique key of the schema, and the input field a caller gave that it stands for.
pub struct UniqueKey {
    /// The constraint's name on PostgreSQL (`<table>_<columns>_key`).
    pub postgres: &'static str,
    /// The columns SQLite names when it refuses the row (`<table>.<column>, …`).
    pub sqlite: &'static str,
    pub field: &'static str,
    pub message: &'static str,
}

/// The unique keys a command's input can break. A key not listed (an idempotency key, reference
/// data) stays an internal error: no caller's input explains it.
pub const UNIQUE_KEYS: &[UniqueKey] = &[
    UniqueKey {
        postgres: "concept_note_endorsement_pkey",
        sqlite: "concept_note_endorsement.concept_note_id, concept_note_endorsement.country_code",
        field: "country",
        message: "this country's government already endorsed this concept note",
    },
    UniqueKey {
        postgres: "national_partner_concept_note_id_name_key",
        sqlite: "national_partner.concept_note_id, national_partner.name",
        field: "nationalPartners",
        message: "a national partner is named once per concept note",
    },
    UniqueKey {
        postgres: "narrative_report_joint_programme_id_year_final_key",
        sqlite: "narrative_report.joint_programme_id, narrative_report.year, narrative_report.final",
        field: "year",
        message: "this programme's narrative report on this year (or its final report) was already submitted",
    },
    UniqueKey {
        postgres: "exchange_rate_currency_effective_on_key",
        sqlite: "exchange_rate.currency, exchange_rate.effective_on",
        field: "effectiveOn",
        message: "the Administrative Agent already recorded a rate of this currency for this day; record a correction for a later day",
    },
    UniqueKey {
        postgres: "donor_name_key",
        sqlite: "donor.name",
        field: "name",
        message: "a donor with this name already exists",
    },
    UniqueKey {
        postgres: "contribution_reference_key",
        sqlite: "contribution.reference",
        field: "reference",
        message: "a contribution with this reference already exists",
    },
    UniqueKey {
        postgres: "app_user_email_key",
        sqlite: "app_user.email",
        field: "email",
        message: "an account with this email already exists",
    },
    UniqueKey {
        postgres: "joint_programme_code_key",
        sqlite: "joint_programme.code",
        field: "code",
        message: "a joint programme with this code already exists",
    },
    UniqueKey {
        postgres: "joint_programme_concept_note_id_key",
        sqlite: "joint_programme.concept_note_id",
        field: "conceptNote",
        message: "a joint programme was already created from this concept note",
    },
    UniqueKey {
        postgres: "expenditure_report_joint_programme_id_organization_id_year_key",
        sqlite: "expenditure_report.joint_programme_id, expenditure_report.organization_id, expenditure_report.year",
        field: "year",
        message: "your organization already reported expenditure for this year",
    },
    UniqueKey {
        postgres: "results_indicator_joint_programme_id_code_key",
        sqlite: "results_indicator.joint_programme_id, results_indicator.code",
        field: "code",
        message: "the programme already has an indicator with this code",
    },
    UniqueKey {
        postgres: "indicator_measurement_indicator_id_period_end_key",
        sqlite: "indicator_measurement.indicator_id, indicator_measurement.period_end",
        field: "periodEnd",
        message: "a value for this period is already reported",
    },
];

/// The unique key a database error broke, if it is a unique-key violation of one in
/// [`UNIQUE_KEYS`]. The kind of error comes from the database's error code (sea-orm's
/// `sql_err`); which key, from PostgreSQL's constraint name or the columns SQLite names.
pub fn broken_unique_key(error: &DbErr) -> Option<&'static UniqueKey> {
    let Some(sea_orm::SqlErr::UniqueConstraintViolation(message)) = error.sql_err() else {
        return None;
    };
    let constraint = match error {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            e.as_database_error().and_then(|e| e.constraint())
        }
        _ => None,
    };
    match constraint {
        Some(name) => UNIQUE_KEYS.iter().find(|key| key.postgres == name),
        None => {
            let columns = message.strip_prefix("UNIQUE constraint failed: ")?;
            UNIQUE_KEYS.iter().find(|key| key.sqlite == columns)
        }
    }
}

/// A command's failure as the caller sees it: a broken unique key is `DUPLICATE` on its field.
fn duplicate_named(error: ServiceError) -> ServiceError {
    let ServiceError::Internal(detail) = &error else {
        return error;
    };
    match detail.downcast_ref::<DbErr>().and_then(broken_unique_key) {
        Some(key) => UserError::new(UserErrorCode::Duplicate, &[key.field], key.message).into(),
        None => error,
    }
}
