//! Donors, their contribution agreements and the deposits that pay them in.

use super::idempotency::{Begun, Claim};
use super::page::{self, Page, Window};
use super::search::Search;
use super::totals::within_fund_total;
use super::{
    arithmetic, audit, claim_version, events, lock_row, policy, Ctx, ServiceError, ServiceResult,
    Services,
};
use crate::domain::{
    ContributionStatus, Currency, DonorKind, Earmarking, ExactDecimal, PortfolioEventKind, Rate,
    Role, Text, UserError, UserErrorCode,
};
use crate::ids::Kind;
use chrono::NaiveDate;
use entity::{contribution, deposit, donor, fund_ledger, thematic_area};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;

#[derive(Default)]
pub struct DonorFilter {
    pub kind: Option<DonorKind>,
    pub country: Option<String>,
    pub search: Option<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DonorOrder {
    Name,
    NewestFirst,
}

#[derive(Default)]
pub struct ContributionFilter {
    pub donor_id: Option<i64>,
    pub statuses: Vec<ContributionStatus>,
    pub earmarking: Option<Earmarking>,
    pub thematic_area_id: Option<i64>,
    pub currency: Option<String>,
    pub signed_from: Option<NaiveDate>,
    pub signed_to: Option<NaiveDate>,
}

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

impl Services {
    pub async fn donors(
        &self,
        ctx: &Ctx,
        filter: DonorFilter,
        order: DonorOrder,
        window: Window,
    ) -> ServiceResult<Page<donor::Model>> {
        policy::authenticated(ctx)?;
        let mut query = donor::Entity::find();
        if let Some(kind) = filter.kind {
            query = query.filter(donor::Column::Kind.eq(kind.as_str()));
        }
        if let Some(country) = filter.country {
            query = query.filter(donor::Column::CountryCode.eq(country));
        }
        if let Some(search) = Search::parse(filter.search.as_deref(), "filter.search")? {
            query = query.filter(search.matches(donor::Column::Name));
        }
        query = match order {
            DonorOrder::Name => query.order_by_asc(donor::Column::Name),
            DonorOrder::NewestFirst => query.order_by_desc(donor::Column::CreatedAt),
        }
        .order_by_asc(donor::Column::Id);
        page::fetch(&self.db, query, window).await
    }

    pub async fn donor(&self, ctx: &Ctx, id: i64) -> ServiceResult<Option<donor::Model>> {
        policy::authenticated(ctx)?;
        Ok(donor::Entity::find_by_id(id).one(&self.db).await?)
    }

    pub async fn contributions(
        &self,
        ctx: &Ctx,
        filter: ContributionFilter,
        window: Window,
    ) -> ServiceResult<Page<contribution::Model>> {
        let principal = policy::authenticated(ctx)?;
        let mut condition = policy::contributions_condition(principal);
        if let Some(donor) = filter.donor_id {
            condition = condition.add(contribution::Column::DonorId.eq(donor));
        }
        if !filter.statuses.is_empty() {
            condition = condition.add(
                contribution::Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())),
            );
        }
        if let Some(earmarking) = filter.earmarking {
            condition = condition.add(contribution::Column::Earmarking.eq(earmarking.as_str()));
        }
        if let Some(area) = filter.thematic_area_id {
            condition = condition.add(contribution::Column::EarmarkedAreaId.eq(area));
        }
        if let Some(currency) = filter.currency {
            condition = condition.add(contribution::Column::Currency.eq(currency));
        }
        if let Some(from) = filter.signed_from {
            condition = condition.add(contribution::Column::SignedOn.gte(from));
        }
        if let Some(to) = filter.signed_to {
            condition = condition.add(contribution::Column::SignedOn.lte(to));
        }
        let query = contribution::Entity::find()
            .filter(condition)
            .order_by_desc(contribution::Column::PledgedOn)
            .order_by_desc(contribution::Column::Id);
        page::fetch(&self.db, query, window).await
    }

    /// One contribution, or `FORBIDDEN` if it is another donor's.
    pub async fn contribution(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<contribution::Model>> {
        let principal = policy::authenticated(ctx)?;
        let Some(found) = contribution::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(None);
        };
        policy::require_contributions_of(principal, found.donor_id)?;
        Ok(Some(found))
    }

    pub async fn deposit(&self, ctx: &Ctx, id: i64) -> ServiceResult<Option<deposit::Model>> {
        let principal = policy::authenticated(ctx)?;
        let Some(found) = deposit::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(None);
        };
        let agreement = contribution::Entity::find_by_id(found.contribution_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("deposit {id} without its contribution"))?;
        policy::require_contributions_of(principal, agreement.donor_id)?;
        Ok(Some(found))
    }

    pub async fn create_donor(&self, ctx: &Ctx, input: NewDonor) -> ServiceResult<donor::Model> {
        ctx.require(&[Role::Admin], "record donors")?;
        let name = Text::Name.required(&input.name, "name")?;
        let note = Text::Note.optional(input.note.as_deref(), "note")?;
        let country = self
            .known_country(input.country.as_deref(), "country")
            .await?;
        let txn = self.db.begin().await?;
        if donor::Entity::find()
            .filter(donor::Column::Name.eq(&name))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(UserError::new(
                UserErrorCode::Duplicate,
                &["name"],
                format!("a donor named {name:?} already exists"),
            )
            .into());
        }
        let created = donor::ActiveModel {
            name: Set(name),
            kind: Set(input.kind.as_str().to_owned()),
            country_code: Set(country),
            note: Set(note),
            created_at: Set(chrono::Utc::now()),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            ctx,
            "createDonor",
            (Kind::Donor, created.id),
            None,
            audit::snapshot(&created),
        )
        .await?;
        self.commit(txn).await?;
        Ok(created)
    }

    pub async fn update_donor(
        &self,
        ctx: &Ctx,
        id: i64,
        expected_version: i32,
        changes: DonorChanges,
    ) -> ServiceResult<donor::Model> {
        ctx.require(&[Role::Admin], "update donors")?;
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
        let country = match &changes.country {
            Some(code) => Some(self.known_country(code.as_deref(), "country").await?),
            None => None,
        };
        let txn = self.db.begin().await?;
        let before = donor::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| UserError::not_found("id", "donor"))?;
        claim_version::<donor::Entity>(&txn, id, before.version, expected_version).await?;
        let mut row: donor::ActiveModel = before.clone().into();
        if let Some(name) = name {
            if donor::Entity::find()
                .filter(donor::Column::Name.eq(&name))
                .filter(donor::Column::Id.ne(id))
                .one(&txn)
                .await?
                .is_some()
            {
                return Err(UserError::new(
                    UserErrorCode::Duplicate,
                    &["name"],
                    format!("a donor named {name:?} already exists"),
                )
                .into());
            }
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
        let after = row.update(&txn).await?;
        audit::record(
            &txn,
            ctx,
            "updateDonor",
            (Kind::Donor, id),
            Some(audit::snapshot(&before)),
            audit::snapshot(&after),
        )
        .await?;
        self.commit(txn).await?;
        Ok(after)
    }

    /// Records a pledge or a signed agreement. Idempotent on `idempotency_key`.
    pub async fn record_contribution(
        &self,
        ctx: &Ctx,
        input: NewContribution,
        idempotency_key: &str,
    ) -> ServiceResult<contribution::Model> {
        let principal = ctx.require(&[Role::Admin], "record contributions")?;
        let claim = Claim::new(
            &principal.subject,
            "recordContribution",
            idempotency_key,
            &input,
        )?;
        let currency = parse_currency(&input.currency, &["pledged", "currency"])?;
        let pledged_minor = currency.to_minor(input.amount, "pledged")?;
        let rate = match (currency == Currency::USD, input.usd_exchange_rate) {
            (true, None) => ExactDecimal(Decimal::ONE),
            (true, Some(rate)) => {
                let rate = ExactDecimal::parse_exchange_rate(rate, "usdExchangeRate")?;
                if rate.0 != Decimal::ONE {
                    return Err(UserError::validation(
                        "usdExchangeRate",
                        "a pledge in US dollars has an exchange rate of 1 (or none)",
                    )
                    .into());
                }
                rate
            }
            (false, Some(rate)) => ExactDecimal::parse_exchange_rate(rate, "usdExchangeRate")?,
            (false, None) => {
                return Err(UserError::validation(
                    "usdExchangeRate",
                    format!(
                        "give the rate (units of {} per US dollar) to value a pledge in USD",
                        currency.code()
                    ),
                )
                .into())
            }
        };
        let pledged_usd = currency.to_usd(pledged_minor, rate, "pledged")?;
        let reference = Text::Reference.required(&input.reference, "reference")?;
        let note = Text::Note.optional(input.note.as_deref(), "note")?;
        let today = chrono::Utc::now().date_naive();
        if input.pledged_on > today {
            return Err(UserError::validation(
                "pledgedOn",
                "a pledge cannot be made in the future",
            )
            .into());
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

        let txn = match claim.begin(&self.db).await? {
            Begun::Fresh(txn) => txn,
            Begun::Replay(id) => return self.replayed::<contribution::Entity>(id).await,
        };
        let donor = donor::Entity::find_by_id(input.donor_id)
            .one(&txn)
            .await?
            .ok_or_else(|| UserError::not_found("donor", "donor"))?;
        if let Some(area) = input.earmarked_area_id {
            thematic_area::Entity::find_by_id(area)
                .one(&txn)
                .await?
                .ok_or_else(|| UserError::not_found("earmarkedArea", "thematic area"))?;
        }
        if contribution::Entity::find()
            .filter(contribution::Column::Reference.eq(&reference))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(UserError::new(
                UserErrorCode::Duplicate,
                &["reference"],
                format!("a contribution with reference {reference:?} already exists"),
            )
            .into());
        }
        within_fund_total::<contribution::Entity, _>(
            &txn,
            contribution::Column::PledgedUsdCents,
            Condition::all(),
            pledged_usd.cents(),
            "pledged",
        )
        .await?;
        within_fund_total::<contribution::Entity, _>(
            &txn,
            contribution::Column::PledgedMinor,
            Condition::all().add(contribution::Column::Currency.eq(currency.code())),
            pledged_minor,
            "pledged",
        )
        .await?;
        let status = if input.signed_on.is_some() {
            ContributionStatus::Signed
        } else {
            ContributionStatus::Pledged
        };
        let created = contribution::ActiveModel {
            donor_id: Set(donor.id),
            reference: Set(reference.clone()),
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
            recorded_by: Set(principal.subject.clone()),
            recorded_at: Set(chrono::Utc::now()),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        claim.complete(&txn, created.id).await?;
        audit::record(
            &txn,
            ctx,
            "recordContribution",
            (Kind::Contribution, created.id),
            None,
            audit::snapshot(&created),
        )
        .await?;
        let event = events::append(
            &txn,
            events::NewEvent::new(
                PortfolioEventKind::Contribution,
                (Kind::Contribution, created.id),
                format!(
                    "{} {} {} {}",
                    donor.name,
                    status.as_str().to_lowercase(),
                    currency.code(),
                    currency.from_minor(pledged_minor)
                ),
            )
            .for_donor(donor.id),
        )
        .await?;
        self.commit(txn).await?;
        self.events.committed(event);
        Ok(created)
    }

    /// Marks a pledge as a signed agreement.
    pub async fn sign_contribution(
        &self,
        ctx: &Ctx,
        id: i64,
        expected_version: i32,
        signed_on: NaiveDate,
    ) -> ServiceResult<contribution::Model> {
        ctx.require(&[Role::Admin], "record agreements")?;
        if signed_on > chrono::Utc::now().date_naive() {
            return Err(UserError::validation(
                "signedOn",
                "an agreement cannot be signed in the future",
            )
            .into());
        }
        let txn = self.db.begin().await?;
        let before = contribution::Entity::find_by_id(id)
            .one(&txn)
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
        claim_version::<contribution::Entity>(&txn, id, before.version, expected_version).await?;
        let mut row: contribution::ActiveModel = before.clone().into();
        row.status = Set(ContributionStatus::Signed.as_str().to_owned());
        row.signed_on = Set(Some(signed_on));
        row.version = Set(before.version + 1);
        let after = row.update(&txn).await?;
        audit::record(
            &txn,
            ctx,
            "signContribution",
            (Kind::Contribution, id),
            Some(audit::snapshot(&before)),
            audit::snapshot(&after),
        )
        .await?;
        let event = events::append(
            &txn,
            events::NewEvent::status_change(
                Kind::Contribution,
                id,
                format!("Contribution {} signed", after.reference),
            )
            .for_donor(after.donor_id),
        )
        .await?;
        self.commit(txn).await?;
        self.events.committed(event);
        Ok(after)
    }

    /// Cancels a pledge or agreement on which nothing has been deposited.
    pub async fn cancel_contribution(
        &self,
        ctx: &Ctx,
        id: i64,
        expected_version: i32,
        reason: &str,
    ) -> ServiceResult<contribution::Model> {
        ctx.require(&[Role::Admin], "cancel contributions")?;
        let reason = Text::Reason.required(reason, "reason")?;
        let txn = self.db.begin().await?;
        let before = contribution::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| UserError::not_found("id", "contribution"))?;
        let status = ContributionStatus::from_stored(&before.status)?;
        if !matches!(
            status,
            ContributionStatus::Pledged | ContributionStatus::Signed
        ) || before.deposited_minor > 0
        {
            return Err(UserError::new(
                UserErrorCode::InvalidTransition,
                &[],
                format!("a contribution can only be cancelled while nothing is deposited; this one is {status}"),
            )
            .into());
        }
        claim_version::<contribution::Entity>(&txn, id, before.version, expected_version).await?;
        let mut row: contribution::ActiveModel = before.clone().into();
        row.status = Set(ContributionStatus::Cancelled.as_str().to_owned());
        row.note = Set(Some(match &before.note {
            Some(note) => format!("{note}\nCancelled: {reason}"),
            None => format!("Cancelled: {reason}"),
        }));
        row.version = Set(before.version + 1);
        let after = row.update(&txn).await?;
        audit::record(
            &txn,
            ctx,
            "cancelContribution",
            (Kind::Contribution, id),
            Some(audit::snapshot(&before)),
            audit::snapshot(&after),
        )
        .await?;
        let event = events::append(
            &txn,
            events::NewEvent::status_change(
                Kind::Contribution,
                id,
                format!("Contribution {} cancelled", after.reference),
            )
            .for_donor(after.donor_id),
        )
        .await?;
        self.commit(txn).await?;
        self.events.committed(event);
        Ok(after)
    }

    /// Records money received against a signed agreement, less the Administrative Agent's fee.
    pub async fn record_deposit(
        &self,
        ctx: &Ctx,
        input: NewDeposit,
        idempotency_key: &str,
    ) -> ServiceResult<deposit::Model> {
        let principal = ctx.require(&[Role::Admin], "record deposits")?;
        let claim = Claim::new(&principal.subject, "recordDeposit", idempotency_key, &input)?;
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

        let txn = match claim.begin(&self.db).await? {
            Begun::Fresh(txn) => txn,
            Begun::Replay(id) => return self.replayed::<deposit::Entity>(id).await,
        };
        let agreement = lock_row::<contribution::Entity>(&txn, input.contribution_id)
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
            return Err(UserError::new(
                UserErrorCode::Validation,
                &["amount", "currency"],
                format!(
                    "the agreement is in {}; record the deposit in that currency",
                    agreement.currency
                ),
            )
            .into());
        }
        if input.received_on < agreement.signed_on.unwrap_or(agreement.pledged_on) {
            return Err(UserError::validation(
                "receivedOn",
                "a deposit is received on or after the agreement is signed",
            )
            .into());
        }
        let outstanding = agreement
            .pledged_minor
            .checked_sub(agreement.deposited_minor)
            .ok_or_else(|| {
                anyhow::anyhow!("contribution {} has impossible amounts", agreement.id)
            })?;
        if amount_minor > outstanding {
            return Err(UserError::validation(
                "amount",
                format!(
                    "the deposit exceeds what remains of the agreement: {} {} outstanding",
                    currency.code(),
                    currency.from_minor(outstanding)
                ),
            )
            .into());
        }
        let ledger = fund_ledger::Entity::find_by_id(1)
            .one(&txn)
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
        within_fund_total::<deposit::Entity, _>(
            &txn,
            deposit::Column::AmountUsdCents,
            Condition::all(),
            amount_usd.cents(),
            "amount",
        )
        .await?;
        let created = deposit::ActiveModel {
            contribution_id: Set(agreement.id),
            received_on: Set(input.received_on),
            currency: Set(currency.code().to_owned()),
            amount_minor: Set(amount_minor),
            exchange_rate: Set(rate.to_stored()),
            amount_usd_cents: Set(amount_usd.cents()),
            fee_usd_cents: Set(fee.cents()),
            net_usd_cents: Set(net.cents()),
            recorded_by: Set(principal.subject.clone()),
            recorded_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        // Within the outstanding amount, so within the pledge.
        let deposited = agreement
            .deposited_minor
            .checked_add(amount_minor)
            .ok_or_else(|| anyhow::anyhow!("contribution {} overflows", agreement.id))?;
        let new_status = ContributionStatus::after_deposits(deposited, agreement.pledged_minor);
        contribution::Entity::update_many()
            .col_expr(contribution::Column::DepositedMinor, Expr::value(deposited))
            .col_expr(
                contribution::Column::Status,
                Expr::value(new_status.as_str()),
            )
            .filter(contribution::Column::Id.eq(agreement.id))
            .exec(&txn)
            .await?;
        claim.complete(&txn, created.id).await?;
        audit::record(
            &txn,
            ctx,
            "recordDeposit",
            (Kind::Deposit, created.id),
            None,
            audit::snapshot(&created),
        )
        .await?;
        if new_status != status {
            audit::record(
                &txn,
                ctx,
                "recordDeposit",
                (Kind::Contribution, agreement.id),
                Some(serde_json::json!({ "status": status.as_str(), "deposited_minor": agreement.deposited_minor })),
                serde_json::json!({ "status": new_status.as_str(), "deposited_minor": deposited }),
            )
            .await?;
        }
        let event = events::append(
            &txn,
            events::NewEvent::new(
                PortfolioEventKind::Deposit,
                (Kind::Deposit, created.id),
                format!(
                    "Deposit of {} {} ({}) on {}",
                    currency.code(),
                    currency.from_minor(amount_minor),
                    amount_usd,
                    agreement.reference
                ),
            )
            .for_donor(agreement.donor_id),
        )
        .await?;
        self.commit(txn).await?;
        self.events.committed(event);
        Ok(created)
    }

    /// A country code the caller gave, checked against the ISO list.
    pub(crate) async fn known_country(
        &self,
        code: Option<&str>,
        field: &str,
    ) -> ServiceResult<Option<String>> {
        let Some(code) = code else { return Ok(None) };
        let code = code.trim().to_uppercase();
        match entity::country::Entity::find_by_id(code.clone())
            .one(&self.db)
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
}

/// Deposits of the given contributions, oldest first (for loaders and statements).
pub fn deposits_of_condition(contribution_ids: &[i64]) -> Condition {
    Condition::all().add(deposit::Column::ContributionId.is_in(contribution_ids.iter().copied()))
}

fn parse_currency(code: &str, field: &[&str]) -> ServiceResult<Currency> {
    Currency::parse(code.trim()).ok_or_else(|| {
        ServiceError::User(UserError::new(
            UserErrorCode::Validation,
            field,
            format!("{code:?} is not an ISO 4217 currency code"),
        ))
    })
}

/// Trims a required text input and bounds its length (for inputs without a [`Text`] kind;
/// the fund's own texts use `Text::…::required`).
pub(crate) fn required_text(value: &str, field: &str, max: usize) -> ServiceResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(UserError::validation(field, "this field cannot be empty").into());
    }
    if value.chars().count() > max {
        return Err(UserError::validation(field, format!("at most {max} characters")).into());
    }
    Ok(value.to_owned())
}

/// One currency's share of a donor's agreements, in minor units.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct CurrencyFigures {
    pub currency: String,
    pub pledged: i64,
    pub signed: i64,
    pub deposited: i64,
}

/// A donor's money in USD cents.
#[derive(Debug, Clone, Default, sea_orm::FromQueryResult)]
pub struct DonorUsdFigures {
    pub pledged: i64,
    pub committed: i64,
    pub deposited: i64,
    pub fees: i64,
    pub net: i64,
}

/// How money earmarked to a thematic area was used, in USD cents: the donor's own net deposits
/// to it, and the pool of all donors' earmarked money to that area with what transfers drew on it.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
pub struct EarmarkUse {
    pub area_id: i64,
    pub donor_net: i64,
    pub pool_net: i64,
    pub pool_transferred: i64,
}

/// What a donor gave and how it was used.
pub struct DonorStatement {
    pub donor_id: i64,
    pub by_currency: Vec<CurrencyFigures>,
    pub usd: DonorUsdFigures,
    pub earmarks: Vec<EarmarkUse>,
    /// The donor's unearmarked net deposits, and the unearmarked pool with what transfers drew on it.
    pub unearmarked_net: i64,
    pub unearmarked_pool_net: i64,
    pub unearmarked_pool_transferred: i64,
}

impl Services {
    /// A donor's statement: the donor itself, the fund's staff and the steering committee.
    pub async fn donor_statement(&self, ctx: &Ctx, donor_id: i64) -> ServiceResult<DonorStatement> {
        let principal = policy::authenticated(ctx)?;
        policy::require_contributions_of(principal, donor_id)?;
        // The statement's figures are the fund's arithmetic's, kept in memory until the fund
        // changes (see `figures`).
        let by_currency = self
            .figure_rows::<CurrencyFigures>(&arithmetic::donor_by_currency(donor_id))
            .await?;
        let usd = self
            .figure_row::<DonorUsdFigures>(&arithmetic::donor_usd(donor_id))
            .await?
            .ok_or_else(|| anyhow::anyhow!("a donor statement's sums returned no row"))?;
        let earmarks = self
            .figure_rows::<EarmarkUse>(&arithmetic::donor_earmarks(donor_id))
            .await?;
        #[derive(sea_orm::FromQueryResult, Clone)]
        struct Pool {
            donor_net: i64,
            pool_net: i64,
            pool_transferred: i64,
        }
        let pool = self
            .figure_row::<Pool>(&arithmetic::donor_unearmarked(donor_id))
            .await?
            .ok_or_else(|| anyhow::anyhow!("a donor statement's sums returned no row"))?;
        Ok(DonorStatement {
            donor_id,
            by_currency,
            usd,
            earmarks,
            unearmarked_net: pool.donor_net,
            unearmarked_pool_net: pool.pool_net,
            unearmarked_pool_transferred: pool.pool_transferred,
        })
    }
}
