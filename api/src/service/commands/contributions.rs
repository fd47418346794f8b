//! Donors, their contribution agreements and the deposits that pay them in: the commands. Each
//! states who may run it, its rules and its effect; the envelope does the rest (see
//! [`crate::service::envelope`]). Reads are in `service::contributions`.

use crate::domain::{
    ContributionStatus, Currency, DonorKind, Earmarking, ExactDecimal, LedgerEntryKind,
    PortfolioEventKind, Rate, Role, Text, Usd, UserError, UserErrorCode,
};
use crate::ids::Kind;
use crate::service::envelope::{Command, Replay};
use crate::service::events::NewEvent;
use crate::service::ledger::{self, NewEntry};
use crate::service::totals::within_fund_total;
use crate::service::{claim_version, lock_row, Ctx, ServiceError, ServiceResult, Services};
use chrono::NaiveDate;
use entity::{contribution, deposit, donor, fund_ledger, thematic_area};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};
use serde::Serialize;

#[derive(Serialize, Clone, Debug)]
pub struct NewDonor {
    pub name: String,
    pub kind: DonorKind,
    pub country: Option<String>,
    pub note: Option<String>,
}

#[derive(Serialize, Clone, Debug, Default)]
pub struct DonorChanges {
    pub name: Option<String>,
    pub kind: Option<DonorKind>,
    pub country: Option<Option<String>>,
    pub note: Option<Option<String>>,
}

#[derive(Serialize, Clone, Debug)]
pub struct NewContribution {
    pub donor_id: i64,
    pub reference: String,
    pub currency: String,
    pub amount: Decimal,
    /// Units of the currency per US dollar, to value the pledge in USD (1 for USD).
    pub usd_exchange_rate: Option<Decimal>,
    pub pledged_on: NaiveDate,
    pub signed_on: Option<NaiveDate>,
    pub earmarking: Earmarking,
    pub earmarked_area_id: Option<i64>,
    pub note: Option<String>,
}

#[derive(Serialize, Clone, Debug)]
pub struct NewDeposit {
    pub contribution_id: i64,
    pub received_on: NaiveDate,
    pub currency: String,
    pub amount: Decimal,
    pub exchange_rate: Decimal,
}

/// A recorded deposit, with its agreement as the deposit left it.
pub struct Deposited {
    pub deposit: deposit::Model,
    pub contribution: contribution::Model,
}

impl Replay for Deposited {
    fn key_subject(&self) -> i64 {
        self.deposit.id
    }

    async fn replay(fund: &Services, id: i64) -> ServiceResult<Self> {
        let deposit = fund.replayed::<deposit::Entity>(id).await?;
        let contribution = fund
            .replayed::<contribution::Entity>(deposit.contribution_id)
            .await?;
        Ok(Self {
            deposit,
            contribution,
        })
    }
}

/// Records a donor (ADMIN). Its name is unique in the fund.
pub async fn create_donor(
    fund: &Services,
    ctx: &Ctx,
    input: NewDonor,
) -> ServiceResult<donor::Model> {
    let command = Command::new(ctx, "createDonor", &[Role::Admin], "record donors")?;
    let name = Text::Name.required(&input.name, "name")?;
    let note = Text::Note.optional(input.note.as_deref(), "note")?;
    command
        .run(fund, async |txn, effect| {
            let created = donor::ActiveModel {
                name: Set(name),
                kind: Set(input.kind.as_str().to_owned()),
                country_code: Set(known_country(txn, input.country.as_deref(), "country").await?),
                note: Set(note),
                created_at: Set(chrono::Utc::now()),
                version: Set(1),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            effect.created((Kind::Donor, created.id), &created);
            Ok(created)
        })
        .await
}

/// Changes a donor's name, kind, country or note (ADMIN), at the version the caller read.
pub async fn update_donor(
    fund: &Services,
    ctx: &Ctx,
    id: i64,
    expected_version: i32,
    changes: DonorChanges,
) -> ServiceResult<donor::Model> {
    let command = Command::new(ctx, "updateDonor", &[Role::Admin], "update donors")?;
    let name = changes
        .name
        .as_deref()
        .map(|name| Text::Name.required(name, "name"))
        .transpose()?;
    let note = changes
        .note
        .as_ref()
        .map(|note| Text::Note.optional(note.as_deref(), "note"))
        .transpose()?;
    command
        .run(fund, async |txn, effect| {
            let country = match &changes.country {
                Some(code) => Some(known_country(txn, code.as_deref(), "country").await?),
                None => None,
            };
            let before = donor::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("id", "donor"))?;
            claim_version::<donor::Entity>(txn, id, before.version, expected_version).await?;
            let mut row: donor::ActiveModel = before.clone().into();
            if let Some(name) = name {
                row.name = Set(name);
            }
            if let Some(kind) = changes.kind {
                row.kind = Set(kind.as_str().to_owned());
            }
            if let Some(country) = country {
                row.country_code = Set(country);
            }
            if let Some(note) = note {
                row.note = Set(note);
            }
            row.version = Set(before.version + 1);
            let after = row.update(txn).await?;
            effect.changed((Kind::Donor, id), &before, &after);
            Ok(after)
        })
        .await
}

/// Records a pledge or a signed agreement (ADMIN), valued in US dollars at the rate given.
/// Its reference is unique in the fund. Once per idempotency key.
pub async fn record_contribution(
    fund: &Services,
    ctx: &Ctx,
    input: NewContribution,
    idempotency_key: &str,
) -> ServiceResult<contribution::Model> {
    let command = Command::new(
        ctx,
        "recordContribution",
        &[Role::Admin],
        "record contributions",
    )?
    .idempotent(idempotency_key, &input)?;
    let recorded_by = command.principal().subject.clone();
    let currency = parse_currency(&input.currency, &["pledged", "currency"])?;
    let pledged_minor = currency.to_minor(input.amount, "pledged")?;
    let rate = pledge_rate(currency, input.usd_exchange_rate)?;
    let pledged_usd = currency.to_usd(pledged_minor, rate, "pledged")?;
    let reference = Text::Reference.required(&input.reference, "reference")?;
    let note = Text::Note.optional(input.note.as_deref(), "note")?;
    let today = chrono::Utc::now().date_naive();
    if input.pledged_on > today {
        return Err(
            UserError::validation("pledgedOn", "a pledge cannot be made in the future").into(),
        );
    }
    if let Some(signed_on) = input.signed_on {
        if signed_on > today {
            return Err(UserError::validation(
                "signedOn",
                "an agreement cannot be signed in the future",
            )
            .into());
        }
        if signed_on < input.pledged_on {
            return Err(UserError::validation(
                "signedOn",
                "an agreement is signed on or after the pledge",
            )
            .into());
        }
    }
    match (input.earmarking, input.earmarked_area_id) {
        (Earmarking::Unearmarked, None) | (Earmarking::ThematicArea, Some(_)) => {}
        (Earmarking::Unearmarked, Some(_)) => {
            return Err(UserError::new(
                UserErrorCode::EarmarkMismatch,
                &["earmarkedArea"],
                "an unearmarked contribution names no thematic area",
            )
            .into())
        }
        (Earmarking::ThematicArea, None) => {
            return Err(UserError::new(
                UserErrorCode::EarmarkMismatch,
                &["earmarkedArea"],
                "name the thematic area this contribution is earmarked to",
            )
            .into())
        }
    }
    let status = if input.signed_on.is_some() {
        ContributionStatus::Signed
    } else {
        ContributionStatus::Pledged
    };
    command
        .run(fund, async |txn, effect| {
            let donor = donor::Entity::find_by_id(input.donor_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("donor", "donor"))?;
            if let Some(area) = input.earmarked_area_id {
                thematic_area::Entity::find_by_id(area)
                    .one(txn)
                    .await?
                    .ok_or_else(|| UserError::not_found("earmarkedArea", "thematic area"))?;
            }
            within_fund_total::<contribution::Entity, _>(
                txn,
                contribution::Column::PledgedUsdCents,
                Condition::all(),
                pledged_usd.cents(),
                "pledged",
            )
            .await?;
            let same_currency =
                Condition::all().add(contribution::Column::Currency.eq(currency.code()));
            within_fund_total::<contribution::Entity, _>(
                txn,
                contribution::Column::PledgedMinor,
                same_currency,
                pledged_minor,
                "pledged",
            )
            .await?;
            let created = contribution::ActiveModel {
                donor_id: Set(donor.id),
                reference: Set(reference),
                status: Set(status.as_str().to_owned()),
                currency: Set(currency.code().to_owned()),
                pledged_minor: Set(pledged_minor),
                pledged_usd_cents: Set(pledged_usd.cents()),
                deposited_minor: Set(0),
                pledged_on: Set(input.pledged_on),
                signed_on: Set(input.signed_on),
                earmarking: Set(input.earmarking.as_str().to_owned()),
                earmarked_area_id: Set(input.earmarked_area_id),
                note: Set(note),
                recorded_by: Set(recorded_by),
                recorded_at: Set(chrono::Utc::now()),
                version: Set(1),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let mut entries = vec![agreement_entry(
                LedgerEntryKind::Pledge,
                &created,
                created.pledged_on,
            )];
            if let Some(signed_on) = created.signed_on {
                entries.push(agreement_entry(
                    LedgerEntryKind::Commitment,
                    &created,
                    signed_on,
                ));
            }
            ledger::append(txn, &created.recorded_by, entries).await?;
            effect.created((Kind::Contribution, created.id), &created);
            let summary = format!(
                "{} {} {} {}",
                donor.name,
                status.as_str().to_lowercase(),
                currency.code(),
                currency.from_minor(pledged_minor)
            );
            effect.announce(
                NewEvent::new(
                    PortfolioEventKind::Contribution,
                    (Kind::Contribution, created.id),
                    summary,
                )
                .for_donor(donor.id),
            );
            Ok(created)
        })
        .await
}

/// Marks a pledge as a signed agreement (ADMIN): signed on or after the pledge, not in the future.
pub async fn sign_contribution(
    fund: &Services,
    ctx: &Ctx,
    id: i64,
    expected_version: i32,
    signed_on: NaiveDate,
) -> ServiceResult<contribution::Model> {
    let command = Command::new(ctx, "signContribution", &[Role::Admin], "record agreements")?;
    let officer = command.principal().subject.clone();
    if signed_on > chrono::Utc::now().date_naive() {
        return Err(UserError::validation(
            "signedOn",
            "an agreement cannot be signed in the future",
        )
        .into());
    }
    command
        .run(fund, async |txn, effect| {
            let before = contribution::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("id", "contribution"))?;
            let status = ContributionStatus::from_stored(&before.status)?;
            if status != ContributionStatus::Pledged {
                return Err(UserError::invalid_transition(
                    "contribution",
                    status.as_str(),
                    ContributionStatus::Signed.as_str(),
                )
                .into());
            }
            if signed_on < before.pledged_on {
                return Err(UserError::validation(
                    "signedOn",
                    "an agreement is signed on or after the pledge",
                )
                .into());
            }
            claim_version::<contribution::Entity>(txn, id, before.version, expected_version)
                .await?;
            let mut row: contribution::ActiveModel = before.clone().into();
            row.status = Set(ContributionStatus::Signed.as_str().to_owned());
            row.signed_on = Set(Some(signed_on));
            row.version = Set(before.version + 1);
            let after = row.update(txn).await?;
            let entry = agreement_entry(LedgerEntryKind::Commitment, &after, signed_on);
            ledger::append(txn, &officer, vec![entry]).await?;
            effect.changed((Kind::Contribution, id), &before, &after);
            let summary = format!("Contribution {} signed", after.reference);
            effect.announce(
                NewEvent::status_change(Kind::Contribution, id, summary).for_donor(after.donor_id),
            );
            Ok(after)
        })
        .await
}

/// Cancels a pledge or agreement on which nothing has been deposited (ADMIN), with a reason.
pub async fn cancel_contribution(
    fund: &Services,
    ctx: &Ctx,
    id: i64,
    expected_version: i32,
    reason: &str,
) -> ServiceResult<contribution::Model> {
    let command = Command::new(
        ctx,
        "cancelContribution",
        &[Role::Admin],
        "cancel contributions",
    )?;
    let officer = command.principal().subject.clone();
    let reason = Text::Reason.required(reason, "reason")?;
    command
        .run(fund, async |txn, effect| {
            let before = contribution::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("id", "contribution"))?;
            let status = ContributionStatus::from_stored(&before.status)?;
            let open = matches!(status, ContributionStatus::Pledged | ContributionStatus::Signed);
            if !open || before.deposited_minor > 0 {
                return Err(UserError::new(
                    UserErrorCode::InvalidTransition,
                    &[],
                    format!("a contribution can only be cancelled while nothing is deposited; this one is {status}"),
                )
                .into());
            }
            claim_version::<contribution::Entity>(txn, id, before.version, expected_version).await?;
            let mut row: contribution::ActiveModel = before.clone().into();
            row.status = Set(ContributionStatus::Cancelled.as_str().to_owned());
            row.note = Set(Some(match &before.note {
                Some(note) => format!("{note}\nCancelled: {reason}"),
                None => format!("Cancelled: {reason}"),
            }));
            row.version = Set(before.version + 1);
            let after = row.update(txn).await?;
            // The pledge and agreement leave the books by reversals, dated today.
            let today = chrono::Utc::now().date_naive();
            let standing = ledger::standing_entries_of_contribution(txn, id).await?;
            let reversals = standing
                .iter()
                .map(|entry| Ok(NewEntry::reversing(entry, today)?.described(format!("Cancelled: {reason}"))))
                .collect::<ServiceResult<Vec<_>>>()?;
            ledger::append(txn, &officer, reversals).await?;
            effect.changed((Kind::Contribution, id), &before, &after);
            let summary = format!("Contribution {} cancelled", after.reference);
            effect.announce(NewEvent::status_change(Kind::Contribution, id, summary).for_donor(after.donor_id));
            Ok(after)
        })
        .await
}

/// Records money received against a signed agreement that is not fully paid (ADMIN), in the
/// agreement's currency, within what remains of it, less the Administrative Agent's fee. Two
/// deposits on one agreement run one after the other. Once per idempotency key.
pub async fn record_deposit(
    fund: &Services,
    ctx: &Ctx,
    input: NewDeposit,
    idempotency_key: &str,
) -> ServiceResult<Deposited> {
    let command = Command::new(ctx, "recordDeposit", &[Role::Admin], "record deposits")?
        .idempotent(idempotency_key, &input)?;
    let recorded_by = command.principal().subject.clone();
    let currency = parse_currency(&input.currency, &["amount", "currency"])?;
    let amount_minor = currency.to_minor(input.amount, "amount")?;
    let rate = ExactDecimal::parse_exchange_rate(input.exchange_rate, "exchangeRate")?;
    if currency == Currency::USD && rate.0 != Decimal::ONE {
        return Err(UserError::validation(
            "exchangeRate",
            "a deposit in US dollars has an exchange rate of 1",
        )
        .into());
    }
    let amount_usd = currency.to_usd(amount_minor, rate, "amount")?;
    if input.received_on > chrono::Utc::now().date_naive() {
        return Err(UserError::validation(
            "receivedOn",
            "a deposit cannot be received in the future",
        )
        .into());
    }
    command
        .run(fund, async |txn, effect| {
            let agreement = lock_row::<contribution::Entity>(txn, input.contribution_id)
                .await?
                .ok_or_else(|| UserError::not_found("contribution", "contribution"))?;
            let status = ContributionStatus::from_stored(&agreement.status)?;
            if !status.accepts_deposits() {
                return Err(UserError::new(
                    UserErrorCode::InvalidTransition,
                    &["contribution"],
                    format!("deposits are recorded against signed agreements that are not fully paid; this one is {status}"),
                )
                .into());
            }
            if agreement.currency != currency.code() {
                let message = format!("the agreement is in {}; record the deposit in that currency", agreement.currency);
                return Err(UserError::new(UserErrorCode::Validation, &["amount", "currency"], message).into());
            }
            if input.received_on < agreement.signed_on.unwrap_or(agreement.pledged_on) {
                return Err(UserError::validation("receivedOn", "a deposit is received on or after the agreement is signed").into());
            }
            let outstanding = agreement
                .pledged_minor
                .checked_sub(agreement.deposited_minor)
                .ok_or_else(|| anyhow::anyhow!("contribution {} has impossible amounts", agreement.id))?;
            if amount_minor > outstanding {
                let message = format!(
                    "the deposit exceeds what remains of the agreement: {} {} outstanding",
                    currency.code(),
                    currency.from_minor(outstanding)
                );
                return Err(UserError::validation("amount", message).into());
            }
            let ledger = fund_ledger::Entity::find_by_id(1)
                .one(txn)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the fund ledger row is missing"))?;
            // A fee rate the database cannot give is a broken ledger, never a fee of 0%.
            let fee_rate = Rate::from_stored(&ledger.administrative_agent_fee_rate)?;
            let fee = amount_usd
                .times_rate(fee_rate)
                .ok_or_else(|| anyhow::anyhow!("the fee on {amount_usd} does not fit"))?;
            let net = amount_usd
                .checked_sub(fee)
                .ok_or_else(|| anyhow::anyhow!("the net of {amount_usd} less {fee} does not fit"))?;
            within_fund_total::<deposit::Entity, _>(txn, deposit::Column::AmountUsdCents, Condition::all(), amount_usd.cents(), "amount").await?;
            let created = deposit::ActiveModel {
                contribution_id: Set(agreement.id),
                received_on: Set(input.received_on),
                currency: Set(currency.code().to_owned()),
                amount_minor: Set(amount_minor),
                exchange_rate: Set(rate.to_stored()),
                amount_usd_cents: Set(amount_usd.cents()),
                fee_usd_cents: Set(fee.cents()),
                net_usd_cents: Set(net.cents()),
                recorded_by: Set(recorded_by),
                recorded_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let about = |entry: NewEntry| {
                entry
                    .pool(agreement.earmarked_area_id)
                    .donor(agreement.donor_id)
                    .contribution(agreement.id)
                    .deposit(created.id)
            };
            let mut entries = vec![about(NewEntry::in_currency(
                LedgerEntryKind::Deposit,
                created.received_on,
                &created.currency,
                created.amount_minor,
                amount_usd,
            ))
            .described(format!("Deposit on {}", agreement.reference))];
            if fee > Usd::ZERO {
                entries.push(
                    about(NewEntry::usd(LedgerEntryKind::AgentFee, created.received_on, fee))
                        .described(format!("Administrative Agent fee on a deposit on {}", agreement.reference)),
                );
            }
            ledger::append(txn, &created.recorded_by, entries).await?;
            // Within the outstanding amount, so within the pledge.
            let deposited = agreement
                .deposited_minor
                .checked_add(amount_minor)
                .ok_or_else(|| anyhow::anyhow!("contribution {} overflows", agreement.id))?;
            let new_status = ContributionStatus::after_deposits(deposited, agreement.pledged_minor);
            contribution::Entity::update_many()
                .col_expr(contribution::Column::DepositedMinor, Expr::value(deposited))
                .col_expr(contribution::Column::Status, Expr::value(new_status.as_str()))
                .filter(contribution::Column::Id.eq(agreement.id))
                .exec(txn)
                .await?;
            effect.created((Kind::Deposit, created.id), &created);
            if new_status != status {
                effect.audit(
                    (Kind::Contribution, agreement.id),
                    Some(serde_json::json!({ "status": status.as_str(), "deposited_minor": agreement.deposited_minor })),
                    serde_json::json!({ "status": new_status.as_str(), "deposited_minor": deposited }),
                );
            }
            let summary = format!(
                "Deposit of {} {} ({}) on {}",
                currency.code(),
                currency.from_minor(amount_minor),
                amount_usd,
                agreement.reference
            );
            effect.announce(
                NewEvent::new(PortfolioEventKind::Deposit, (Kind::Deposit, created.id), summary)
                    .for_donor(agreement.donor_id),
            );
            // The agreement as this deposit left it (read fresh when it was locked).
            let contribution = contribution::Model {
                deposited_minor: deposited,
                status: new_status.as_str().to_owned(),
                ..agreement
            };
            Ok(Deposited {
                deposit: created,
                contribution,
            })
        })
        .await
}

/// Reverses a deposit recorded in error (ADMIN), with a reason: `REVERSAL` entries of its
/// `DEPOSIT` and `AGENT_FEE` entries, dated today; the deposit itself stays on record. Its
/// agreement's deposited amount and status fall back. Only while the money is still the
/// committee's to allocate: under the spending lock, `INSUFFICIENT_FUNDS` when the pool's
/// uncommitted balance is below the deposit's net amount. Once per idempotency key.
pub async fn reverse_deposit(
    fund: &Services,
    ctx: &Ctx,
    id: i64,
    reason: &str,
    idempotency_key: &str,
) -> ServiceResult<Deposited> {
    #[derive(Serialize)]
    struct Reversal<'a> {
        deposit: i64,
        reason: &'a str,
    }
    let command = Command::new(ctx, "reverseDeposit", &[Role::Admin], "reverse deposits")?
        .idempotent(
            idempotency_key,
            &Reversal {
                deposit: id,
                reason,
            },
        )?;
    let officer = command.principal().subject.clone();
    let reason = Text::Reason.required(reason, "reason")?;
    command
        .run(fund, async |txn, effect| {
            let found = deposit::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("deposit", "deposit"))?;
            // Money leaves the pool: one such command at a time, then the agreement's row.
            ledger::lock_spending(txn).await?;
            let agreement = lock_row::<contribution::Entity>(txn, found.contribution_id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("deposit {id} without its contribution"))?;
            let standing = ledger::standing_entries_of_deposit(txn, id).await?;
            let booked = standing
                .iter()
                .any(|entry| entry.kind == LedgerEntryKind::Deposit.as_str());
            if !booked {
                return Err(UserError::new(
                    UserErrorCode::InvalidTransition,
                    &["deposit"],
                    "this deposit is already reversed",
                )
                .into());
            }
            let net = Usd::from_cents(found.net_usd_cents);
            let uncommitted = ledger::pool_now(txn, agreement.earmarked_area_id).await?.uncommitted()?;
            if uncommitted < net {
                let message = format!(
                    "the deposit brought {net} to its pool, which the committee can still allocate only {} of: the rest is allocated, so the money is no longer the Administrative Agent's to give back",
                    uncommitted.max(Usd::ZERO)
                );
                return Err(UserError::new(UserErrorCode::InsufficientFunds, &["deposit"], message).into());
            }
            let today = chrono::Utc::now().date_naive();
            let reversals = standing
                .iter()
                .map(|entry| Ok(NewEntry::reversing(entry, today)?.described(format!("Deposit reversed: {reason}"))))
                .collect::<ServiceResult<Vec<_>>>()?;
            ledger::append(txn, &officer, reversals).await?;
            let deposited = agreement
                .deposited_minor
                .checked_sub(found.amount_minor)
                .filter(|left| *left >= 0)
                .ok_or_else(|| anyhow::anyhow!("contribution {} has impossible amounts", agreement.id))?;
            let status = ContributionStatus::from_stored(&agreement.status)?;
            let new_status = if deposited == 0 {
                ContributionStatus::Signed
            } else {
                ContributionStatus::after_deposits(deposited, agreement.pledged_minor)
            };
            contribution::Entity::update_many()
                .col_expr(contribution::Column::DepositedMinor, Expr::value(deposited))
                .col_expr(contribution::Column::Status, Expr::value(new_status.as_str()))
                .filter(contribution::Column::Id.eq(agreement.id))
                .exec(txn)
                .await?;
            effect.audit(
                (Kind::Deposit, id),
                Some(serde_json::json!({ "reversed": false })),
                serde_json::json!({ "reversed": true, "reason": reason }),
            );
            effect.audit(
                (Kind::Contribution, agreement.id),
                Some(serde_json::json!({ "status": status.as_str(), "deposited_minor": agreement.deposited_minor })),
                serde_json::json!({ "status": new_status.as_str(), "deposited_minor": deposited }),
            );
            let currency = Currency::from_stored(&found.currency)?;
            let summary = format!(
                "Deposit of {} {} on {} reversed: {reason}",
                currency.code(),
                currency.from_minor(found.amount_minor),
                agreement.reference
            );
            effect.announce(
                NewEvent::new(PortfolioEventKind::Deposit, (Kind::Deposit, id), summary)
                    .for_donor(agreement.donor_id),
            );
            let contribution = contribution::Model {
                deposited_minor: deposited,
                status: new_status.as_str().to_owned(),
                ..agreement
            };
            Ok(Deposited {
                deposit: found,
                contribution,
            })
        })
        .await
}

/// A signed agreement's new amount: a top-up or a reduction.
#[derive(Serialize, Clone, Debug)]
pub struct Amendment {
    pub contribution_id: i64,
    pub expected_version: i32,
    pub currency: String,
    pub amount: Decimal,
    /// The day the amendment was signed (today when not given).
    pub signed_on: Option<NaiveDate>,
    pub reason: String,
}

/// Amends a signed agreement's amount (ADMIN), with a reason, at the version the caller read:
/// a `COMMITMENT_AMENDMENT` entry of the difference, in the agreement's currency and in USD at
/// the agreement's own rate. Never below what is already deposited.
pub async fn amend_contribution(
    fund: &Services,
    ctx: &Ctx,
    input: Amendment,
) -> ServiceResult<contribution::Model> {
    let command = Command::new(ctx, "amendContribution", &[Role::Admin], "amend agreements")?;
    let officer = command.principal().subject.clone();
    let reason = Text::Reason.required(&input.reason, "reason")?;
    let currency = parse_currency(&input.currency, &["pledged", "currency"])?;
    let pledged_minor = currency.to_minor(input.amount, "pledged")?;
    if pledged_minor <= 0 {
        return Err(
            UserError::validation("pledged", "an agreement's amount is greater than 0").into(),
        );
    }
    let today = chrono::Utc::now().date_naive();
    let signed_on = input.signed_on.unwrap_or(today);
    if signed_on > today {
        return Err(UserError::validation(
            "signedOn",
            "an amendment cannot be signed in the future",
        )
        .into());
    }
    command
        .run(fund, async |txn, effect| {
            // claim_version below serialises this with a deposit on the same agreement.
            let before = contribution::Entity::find_by_id(input.contribution_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("contribution", "contribution"))?;
            let status = ContributionStatus::from_stored(&before.status)?;
            let signed = matches!(
                status,
                ContributionStatus::Signed
                    | ContributionStatus::PartiallyDeposited
                    | ContributionStatus::FullyDeposited
            );
            if !signed {
                return Err(UserError::new(
                    UserErrorCode::InvalidTransition,
                    &["contribution"],
                    format!("only a signed agreement is amended; this one is {status}"),
                )
                .into());
            }
            if before.currency != currency.code() {
                let message = format!(
                    "the agreement is in {}; amend it in that currency",
                    before.currency
                );
                return Err(UserError::new(
                    UserErrorCode::Validation,
                    &["pledged", "currency"],
                    message,
                )
                .into());
            }
            if pledged_minor < before.deposited_minor {
                let message = format!(
                    "an agreement is not reduced below what is already deposited: {} {}",
                    currency.code(),
                    currency.from_minor(before.deposited_minor)
                );
                return Err(UserError::validation("pledged", message).into());
            }
            if pledged_minor == before.pledged_minor {
                return Err(UserError::validation(
                    "pledged",
                    "the amendment leaves the agreement's amount as it is",
                )
                .into());
            }
            if signed_on < before.signed_on.unwrap_or(before.pledged_on) {
                return Err(UserError::validation(
                    "signedOn",
                    "an amendment is signed on or after the agreement",
                )
                .into());
            }
            claim_version::<contribution::Entity>(
                txn,
                before.id,
                before.version,
                input.expected_version,
            )
            .await?;
            // The agreement's own rate: its USD value per unit of its currency, as recorded.
            let pledged_usd = Decimal::from(before.pledged_usd_cents)
                .checked_mul(Decimal::from(pledged_minor))
                .and_then(|product| product.checked_div(Decimal::from(before.pledged_minor)))
                .map(|cents| {
                    cents.round_dp_with_strategy(
                        0,
                        rust_decimal::RoundingStrategy::MidpointNearestEven,
                    )
                })
                .and_then(|cents| i64::try_from(cents).ok())
                .ok_or_else(|| {
                    UserError::validation("pledged", "the amount does not fit in the fund's books")
                })?;
            let difference_minor = pledged_minor
                .checked_sub(before.pledged_minor)
                .ok_or_else(|| anyhow::anyhow!("the amendment's difference does not fit"))?;
            let difference_usd = pledged_usd
                .checked_sub(before.pledged_usd_cents)
                .ok_or_else(|| anyhow::anyhow!("the amendment's difference does not fit"))?;
            if difference_usd > 0 {
                within_fund_total::<contribution::Entity, _>(
                    txn,
                    contribution::Column::PledgedUsdCents,
                    Condition::all(),
                    difference_usd,
                    "pledged",
                )
                .await?;
            }
            let new_status = if before.deposited_minor == 0 {
                ContributionStatus::Signed
            } else {
                ContributionStatus::after_deposits(before.deposited_minor, pledged_minor)
            };
            let mut row: contribution::ActiveModel = before.clone().into();
            row.pledged_minor = Set(pledged_minor);
            row.pledged_usd_cents = Set(pledged_usd);
            row.status = Set(new_status.as_str().to_owned());
            row.version = Set(before.version + 1);
            let after = row.update(txn).await?;
            let entry = NewEntry::in_currency(
                LedgerEntryKind::CommitmentAmendment,
                signed_on,
                &after.currency,
                difference_minor,
                Usd::from_cents(difference_usd),
            )
            .pool(after.earmarked_area_id)
            .donor(after.donor_id)
            .contribution(after.id)
            .described(format!("Agreement amended: {}: {reason}", after.reference));
            ledger::append(txn, &officer, vec![entry]).await?;
            effect.changed((Kind::Contribution, after.id), &before, &after);
            let summary = format!(
                "Contribution {} amended to {} {}",
                after.reference,
                currency.code(),
                currency.from_minor(pledged_minor)
            );
            effect.announce(
                NewEvent::new(
                    PortfolioEventKind::Contribution,
                    (Kind::Contribution, after.id),
                    summary,
                )
                .for_donor(after.donor_id),
            );
            Ok(after)
        })
        .await
}

/// The rate that values a pledge in US dollars: 1 (or none) for USD, required otherwise.
fn pledge_rate(currency: Currency, given: Option<Decimal>) -> ServiceResult<ExactDecimal> {
    match (currency == Currency::USD, given) {
        (true, None) => Ok(ExactDecimal(Decimal::ONE)),
        (true, Some(rate)) => {
            let rate = ExactDecimal::parse_exchange_rate(rate, "usdExchangeRate")?;
            if rate.0 != Decimal::ONE {
                return Err(UserError::validation(
                    "usdExchangeRate",
                    "a pledge in US dollars has an exchange rate of 1 (or none)",
                )
                .into());
            }
            Ok(rate)
        }
        (false, Some(rate)) => Ok(ExactDecimal::parse_exchange_rate(rate, "usdExchangeRate")?),
        (false, None) => Err(UserError::validation(
            "usdExchangeRate",
            format!(
                "give the rate (units of {} per US dollar) to value a pledge in USD",
                currency.code()
            ),
        )
        .into()),
    }
}

/// A country code the caller gave, checked against the ISO list.
pub(crate) async fn known_country<C: ConnectionTrait>(
    db: &C,
    code: Option<&str>,
    field: &str,
) -> ServiceResult<Option<String>> {
    let Some(code) = code else { return Ok(None) };
    let code = code.trim().to_uppercase();
    match entity::country::Entity::find_by_id(code.clone())
        .one(db)
        .await?
    {
        Some(_) => Ok(Some(code)),
        None => Err(UserError::validation(
            field,
            format!("{code:?} is not an ISO 3166-1 alpha-3 country code"),
        )
        .into()),
    }
}

pub(crate) fn parse_currency(code: &str, field: &[&str]) -> ServiceResult<Currency> {
    Currency::parse(code.trim()).ok_or_else(|| {
        ServiceError::User(UserError::new(
            UserErrorCode::Validation,
            field,
            format!("{code:?} is not an ISO 4217 currency code"),
        ))
    })
}

/// A pledge's or agreement's entry in the books: the whole amount, in the agreement's currency
/// and valued at the pledge's rate, in the pool it is earmarked to.
fn agreement_entry(
    kind: LedgerEntryKind,
    agreement: &contribution::Model,
    on: NaiveDate,
) -> NewEntry {
    let what = match kind {
        LedgerEntryKind::Pledge => "Pledge",
        _ => "Agreement signed",
    };
    NewEntry::in_currency(
        kind,
        on,
        &agreement.currency,
        agreement.pledged_minor,
        Usd::from_cents(agreement.pledged_usd_cents),
    )
    .pool(agreement.earmarked_area_id)
    .donor(agreement.donor_id)
    .contribution(agreement.id)
    .described(format!("{what}: {}", agreement.reference))
}
