//! The fund's ledger: one entry per movement of money (see docs/books.md).

use super::donors::{Contribution, Deposit, Donor};
use super::governance::Decision;
use super::programmes::{ExpenditureReport, JointProgramme, Transfer};
use super::reference::{area_by_id, organization_by_id, Organization, ThematicArea};
use super::{usd, Money};
use crate::domain::{Currency, LedgerEntryKind};
use crate::graphql::loaders::*;
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::graphql::{check, loaded, ContextExt};
use crate::ids::{self, Kind};
use crate::service::policy;
use async_graphql::{Context, Object, Result, ID};
use entity::ledger_entry;

/// One movement of money in the fund's books.
pub struct LedgerEntry(pub ledger_entry::Model);

/// One movement of money in the fund's books, appended by the command that made it and never
/// edited or deleted: a correction is a new entry (a `REVERSAL` naming the entry it cancels, or a
/// `COMMITMENT_AMENDMENT`). Every figure of the books is a sum of entries. A donor's money (its
/// pledges, agreements, deposits and their fees) is read by the donor itself, ADMIN,
/// STEERING_COMMITTEE and AUDITOR; every other entry by every token (through `node` others get
/// `FORBIDDEN`, and `ledgerEntries` leaves it out).
#[Object]
impl LedgerEntry {
    /// The entry's global id.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::LedgerEntry, self.0.id))
    }
    /// What the entry is.
    async fn kind(&self) -> Result<LedgerEntryKind> {
        Ok(LedgerEntryKind::from_stored(&self.0.kind)?)
    }
    /// The line of the books its amount counts in: its own kind, except a `REVERSAL` (the line
    /// of the entry it reverses, with the opposite amount) and a `COMMITMENT_AMENDMENT` (the
    /// `COMMITMENT` line).
    async fn counts_as(&self) -> Result<LedgerEntryKind> {
        Ok(LedgerEntryKind::from_stored(&self.0.counts_as)?)
    }
    /// The day the money moved (received, transferred, decided, spent): what `asOf` counts by.
    async fn value_date(&self) -> Date {
        Date(self.0.value_date)
    }
    /// When the entry was recorded (UTC, to the microsecond): what `knownAt` counts by.
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.recorded_at)
    }
    /// The token subject (e.g. `user:4`) of whoever made the movement's command.
    async fn recorded_by(&self) -> &str {
        &self.0.recorded_by
    }
    /// The amount in its own currency (an agreement's or a deposit's; USD for everything else),
    /// signed: negative for a reversal or a reduction.
    async fn amount(&self) -> Result<Money> {
        let currency = Currency::from_stored(&self.0.currency)?;
        Ok(Money::new(
            currency.from_minor(self.0.amount_minor),
            &self.0.currency,
        ))
    }
    /// The amount in USD (a deposit at its recorded rate, a pledge at the pledge's), signed.
    async fn amount_usd(&self) -> Decimal {
        usd(self.0.amount_usd_cents)
    }
    /// The earmark pool the money is in: a thematic area, or null for unearmarked money (and for
    /// expenditure, which is no longer the fund's).
    async fn earmarked_area(&self, ctx: &Context<'_>) -> Result<Option<ThematicArea>> {
        match self.0.pool_area_id {
            Some(id) => area_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The donor whose money it is (pledges, agreements, deposits, fees); null otherwise.
    async fn donor(&self, ctx: &Context<'_>) -> Result<Option<Donor>> {
        match self.0.donor_id {
            Some(id) => Ok(loaded(ctx, ctx.loader().load_one(DonorById(id)).await)?.map(Donor)),
            None => Ok(None),
        }
    }
    /// The agreement it concerns; null for entries that concern none.
    async fn contribution(&self, ctx: &Context<'_>) -> Result<Option<Contribution>> {
        let Some(id) = self.0.contribution_id else {
            return Ok(None);
        };
        let found = loaded(ctx, ctx.loader().load_one(ContributionById(id)).await)?;
        if let Some(agreement) = &found {
            // An entry about an agreement is that donor's money: the same readers, asked again.
            let principal = check(ctx, ctx.actor().principal())?;
            check(
                ctx,
                policy::require_contributions_of(principal, agreement.donor_id),
            )?;
        }
        Ok(found.map(Contribution))
    }
    /// The deposit it books (a `DEPOSIT`, its `AGENT_FEE`, or their reversal); null otherwise.
    async fn deposit(&self, ctx: &Context<'_>) -> Result<Option<Deposit>> {
        let Some(id) = self.0.deposit_id else {
            return Ok(None);
        };
        let found = loaded(ctx, ctx.loader().load_one(DepositById(id)).await)?;
        if found.is_some() {
            // A deposit is its donor's, as the entry that books it: the same readers, asked again.
            let principal = check(ctx, ctx.actor().principal())?;
            let readable = principal.reads_everything()
                || self
                    .0
                    .donor_id
                    .is_some_and(|donor| policy::can_read_contributions_of(principal, donor));
            if !readable {
                return Err(crate::graphql::errors::to_graphql(
                    crate::service::ServiceError::Forbidden(policy::LEDGER_REFUSAL.to_owned()),
                    ctx.actor(),
                ));
            }
        }
        Ok(found.map(Deposit))
    }
    /// The joint programme it concerns (allocations, transfers, refunds, expenditure); null
    /// otherwise.
    async fn joint_programme(&self, ctx: &Context<'_>) -> Result<Option<JointProgramme>> {
        match self.0.joint_programme_id {
            Some(id) => Ok(
                loaded(ctx, ctx.loader().load_one(JointProgrammeById(id)).await)?
                    .map(JointProgramme),
            ),
            None => Ok(None),
        }
    }
    /// The participating organization it concerns (transfers, refunds, its interest,
    /// expenditure); null otherwise.
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        match self.0.organization_id {
            Some(id) => organization_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The steering committee's decision it rests on (an allocation, a transfer, a direct cost);
    /// null otherwise.
    async fn decision(&self, ctx: &Context<'_>) -> Result<Option<Decision>> {
        match self.0.decision_id {
            Some(id) => {
                Ok(loaded(ctx, ctx.loader().load_one(DecisionById(id)).await)?.map(Decision))
            }
            None => Ok(None),
        }
    }
    /// The transfer it books; null otherwise.
    async fn transfer(&self, ctx: &Context<'_>) -> Result<Option<Transfer>> {
        match self.0.transfer_id {
            Some(id) => {
                Ok(loaded(ctx, ctx.loader().load_one(TransferById(id)).await)?.map(Transfer))
            }
            None => Ok(None),
        }
    }
    /// The expenditure report it books; null otherwise.
    async fn expenditure_report(&self, ctx: &Context<'_>) -> Result<Option<ExpenditureReport>> {
        match self.0.expenditure_report_id {
            Some(id) => Ok(
                loaded(ctx, ctx.loader().load_one(ExpenditureReportById(id)).await)?
                    .map(ExpenditureReport),
            ),
            None => Ok(None),
        }
    }
    /// For a `REVERSAL`, the entry it cancels (about the same records, so read by the same
    /// callers); null otherwise.
    async fn reverses(&self, ctx: &Context<'_>) -> Result<Option<LedgerEntry>> {
        match self.0.reverses_id {
            Some(id) => {
                Ok(loaded(ctx, ctx.loader().load_one(LedgerEntryById(id)).await)?.map(LedgerEntry))
            }
            None => Ok(None),
        }
    }
    /// What the movement was, in words (e.g. `Deposit on DEU-2021-01`, a cancellation's reason).
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
}
