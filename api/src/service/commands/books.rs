//! The fund's books: the commands that move money other than deposits, allocations and
//! transfers (see docs/books.md). A participating organization refunds unspent money of a
//! programme; the fund receives interest and other income; it pays direct costs and bank
//! charges. Each command books its ledger entries, once per idempotency key, audited (one audit
//! event per entry) and announced. Here too is the rule a programme closes financially by: every
//! organization's balance of its money is zero.

use crate::domain::{
    DecisionKind, DirectCostKind, InterestSource, LedgerEntryKind, PortfolioEventKind, Role, Text,
    Usd, UserError, UserErrorCode,
};
use crate::ids::Kind;
use crate::service::arithmetic::books::{line_total, WithOrganizations};
use crate::service::arithmetic::{column, table};
use crate::service::envelope::{Command, Effect, Replay};
use crate::service::events::NewEvent;
use crate::service::ledger::{self, NewEntry};
use crate::service::totals::within_fund_total;
use crate::service::{lock_row, Ctx, ServiceResult, Services};
use chrono::NaiveDate;
use entity::{budget_line, expenditure_report, joint_programme, ledger_entry, organization};
use rust_decimal::Decimal;
use sea_orm::sea_query::{ExprTrait, Query};
use sea_orm::DatabaseTransaction;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Serialize, Clone, Debug)]
pub struct NewRefund {
    pub joint_programme_id: i64,
    pub organization_id: i64,
    pub refunded_on: NaiveDate,
    pub amount_usd: Decimal,
}

#[derive(Serialize, Clone, Debug)]
pub struct NewInterest {
    pub source: InterestSource,
    pub organization_id: Option<i64>,
    pub received_on: NaiveDate,
    pub amount_usd: Decimal,
}

#[derive(Serialize, Clone, Debug)]
pub struct NewOtherIncome {
    pub received_on: NaiveDate,
    pub amount_usd: Decimal,
    pub description: String,
}

#[derive(Serialize, Clone, Debug)]
pub struct NewDirectCost {
    pub kind: DirectCostKind,
    pub incurred_on: NaiveDate,
    pub amount_usd: Decimal,
    pub description: String,
    pub decision_id: Option<i64>,
}

/// The ledger entries one command booked, in the order it booked them (never empty).
pub struct Booked {
    pub entries: Vec<ledger_entry::Model>,
}

impl Booked {
    fn new(entries: Vec<ledger_entry::Model>) -> ServiceResult<Self> {
        if entries.is_empty() {
            return Err(anyhow::anyhow!("a command that moves money booked no entry").into());
        }
        Ok(Self { entries })
    }

    /// The first entry: the one the idempotency key, the event and a payload's `entry` name.
    pub fn first(&self) -> &ledger_entry::Model {
        &self.entries[0]
    }

    /// The total of the entries, in US dollars.
    pub fn total(&self) -> ServiceResult<Usd> {
        Usd::checked_sum(
            self.entries
                .iter()
                .map(|e| Usd::from_cents(e.amount_usd_cents)),
        )
        .ok_or_else(|| anyhow::anyhow!("a command's entries do not fit in cents").into())
    }
}

impl Replay for Booked {
    fn key_subject(&self) -> i64 {
        self.first().id
    }

    /// The entries booked with the first one: same kind, programme and organization, recorded by
    /// the same caller at the same moment (one `append`).
    async fn replay(fund: &Services, id: i64) -> ServiceResult<Self> {
        let first = fund.replayed::<ledger_entry::Entity>(id).await?;
        let mut same = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::Id.gte(first.id))
            .filter(ledger_entry::Column::Kind.eq(first.kind.clone()))
            .filter(ledger_entry::Column::RecordedBy.eq(first.recorded_by.clone()));
        if let Some(programme) = first.joint_programme_id {
            same = same.filter(ledger_entry::Column::JointProgrammeId.eq(programme));
        }
        let entries = same
            .order_by_asc(ledger_entry::Column::Id)
            .limit(10)
            .all(&fund.db)
            .await?
            .into_iter()
            .filter(|e| {
                e.recorded_at == first.recorded_at
                    && e.joint_programme_id == first.joint_programme_id
                    && e.organization_id == first.organization_id
            })
            .collect();
        Booked::new(entries)
    }
}

/// A refund as recorded: its entries, one per pool, and the programme and organization.
pub struct Refunded {
    pub booked: Booked,
    pub programme: joint_programme::Model,
    pub organization: organization::Model,
}

impl Replay for Refunded {
    fn key_subject(&self) -> i64 {
        self.booked.key_subject()
    }

    async fn replay(fund: &Services, id: i64) -> ServiceResult<Self> {
        let booked = Booked::replay(fund, id).await?;
        let (programme, organization) = match (
            booked.first().joint_programme_id,
            booked.first().organization_id,
        ) {
            (Some(programme), Some(organization)) => (programme, organization),
            _ => return Err(anyhow::anyhow!("refund entry {id} names no programme").into()),
        };
        Ok(Self {
            programme: fund.replayed::<joint_programme::Entity>(programme).await?,
            organization: fund.replayed::<organization::Entity>(organization).await?,
            booked,
        })
    }
}

/// Records a participating organization's refund of unspent money of a programme (ADMIN): at
/// most what it holds of the programme's money (transferred less expenditure and refunds), then
/// and now. The money returns to the pools the transfers to it came from (earmarked money first),
/// raising what the committee can allocate. Once per idempotency key.
pub async fn record_refund(
    fund: &Services,
    ctx: &Ctx,
    input: NewRefund,
    idempotency_key: &str,
) -> ServiceResult<Refunded> {
    let command = Command::new(ctx, "recordRefund", &[Role::Admin], "record refunds")?
        .idempotent(idempotency_key, &input)?;
    let officer = command.principal().subject.clone();
    let amount = Usd::parse_positive(input.amount_usd, "amountUsd")?;
    not_in_future(input.refunded_on, "refundedOn", "a refund")?;
    command
        .run(fund, async |txn, effect| {
            // Money comes back to the pools: one at a time with what spends from them.
            ledger::lock_spending(txn).await?;
            // An expenditure report locks the programme too, so a report and a refund never both
            // count the same balance.
            let programme = lock_row::<joint_programme::Entity>(txn, input.joint_programme_id)
                .await?
                .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
            let organization = organization::Entity::find_by_id(input.organization_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("organization", "organization"))?;
            let takes_part = budget_line::Entity::find()
                .filter(budget_line::Column::JointProgrammeId.eq(programme.id))
                .filter(budget_line::Column::OrganizationId.eq(organization.id))
                .one(txn)
                .await?
                .is_some();
            if !takes_part {
                let message = format!("{} takes no part in {}: it has no budget line in it", organization.acronym, programme.code);
                return Err(UserError::validation("organization", message).into());
            }
            let holds = |money: Option<&WithOrganizations>| -> ServiceResult<Usd> {
                Ok(Usd::from_cents(money.map(WithOrganizations::balance).transpose()?.unwrap_or(0)))
            };
            let now = held_by_organization(txn, programme.id, None).await?;
            let held = holds(now.get(&organization.id))?;
            if amount > held {
                let message = format!(
                    "{} holds {held} of {}'s money (transferred, less expenditure and refunds): it cannot refund more",
                    organization.acronym, programme.code
                );
                return Err(UserError::new(UserErrorCode::InsufficientFunds, &["amountUsd"], message).into());
            }
            // Dated in the past, the refund must also have been possible on its day, or the books
            // as of that day would show the organization holding less than nothing.
            let then = held_by_organization(txn, programme.id, Some(input.refunded_on)).await?;
            let held_then = holds(then.get(&organization.id))?;
            if amount > held_then {
                let message = format!(
                    "on {} {} held {held_then} of {}'s money: date the refund on or after the transfers it returns",
                    input.refunded_on, organization.acronym, programme.code
                );
                return Err(UserError::new(UserErrorCode::InsufficientFunds, &["refundedOn"], message).into());
            }
            let returnable = returnable_by_pool(txn, programme.id, organization.id).await?;
            let parts = ledger::split_over(&returnable, amount).ok_or_else(|| {
                anyhow::anyhow!("a refund of {amount} within the balance does not fit the transfers' pools")
            })?;
            let entries = parts
                .into_iter()
                .map(|(pool, part)| {
                    NewEntry::usd(LedgerEntryKind::Refund, input.refunded_on, part)
                        .pool(pool)
                        .programme(programme.id)
                        .organization(organization.id)
                        .described(format!("Refund from {} on {}", organization.acronym, programme.code))
                })
                .collect();
            let booked = book(txn, effect, &officer, entries).await?;
            let summary = format!(
                "Refund of {amount} from {} on joint programme {}",
                organization.acronym, programme.code
            );
            announce(effect, PortfolioEventKind::Refund, &booked, summary);
            Ok(Refunded {
                booked,
                programme,
                organization,
            })
        })
        .await
}

/// Records interest the fund received (ADMIN): its own (`FUND`, naming no organization) or
/// interest a participating organization returns (`ORGANIZATION`, naming one that received
/// transfers from the fund). Unearmarked money. Once per idempotency key.
pub async fn record_interest(
    fund: &Services,
    ctx: &Ctx,
    input: NewInterest,
    idempotency_key: &str,
) -> ServiceResult<Booked> {
    let command = Command::new(ctx, "recordInterest", &[Role::Admin], "record interest")?
        .idempotent(idempotency_key, &input)?;
    let officer = command.principal().subject.clone();
    let amount = Usd::parse_positive(input.amount_usd, "amountUsd")?;
    not_in_future(input.received_on, "receivedOn", "interest")?;
    match (input.source, input.organization_id) {
        (InterestSource::Fund, Some(_)) => {
            return Err(UserError::validation(
                "organization",
                "the fund's own interest names no organization (use source ORGANIZATION for interest an organization returns)",
            )
            .into())
        }
        (InterestSource::Organization, None) => {
            return Err(UserError::validation(
                "organization",
                "name the participating organization that returns the interest",
            )
            .into())
        }
        _ => {}
    }
    command
        .run(fund, async |txn, effect| {
            let organization = match input.organization_id {
                Some(id) => {
                    let organization = organization::Entity::find_by_id(id)
                        .one(txn)
                        .await?
                        .ok_or_else(|| UserError::not_found("organization", "organization"))?;
                    let received_transfers = ledger_entry::Entity::find()
                        .filter(ledger_entry::Column::OrganizationId.eq(id))
                        .filter(ledger_entry::Column::CountsAs.eq(LedgerEntryKind::Transfer.as_str()))
                        .one(txn)
                        .await?
                        .is_some();
                    if !received_transfers {
                        let message = format!("the fund has transferred no money to {}: an organization returns interest earned on transfers", organization.acronym);
                        return Err(UserError::validation("organization", message).into());
                    }
                    Some(organization)
                }
                None => None,
            };
            within_income_total(txn, amount).await?;
            let kind = input.source.ledger_kind();
            let entry = NewEntry::usd(kind, input.received_on, amount);
            let (entry, summary) = match &organization {
                Some(organization) => (
                    entry
                        .organization(organization.id)
                        .described(format!("Interest returned by {}", organization.acronym)),
                    format!("Interest of {amount} returned by {}", organization.acronym),
                ),
                None => (
                    entry.described("Interest earned by the fund"),
                    format!("Interest of {amount} earned by the fund"),
                ),
            };
            let booked = book(txn, effect, &officer, vec![entry]).await?;
            announce(effect, PortfolioEventKind::Income, &booked, summary);
            Ok(booked)
        })
        .await
}

/// Records other income of the fund (ADMIN), described. Unearmarked money. Once per idempotency
/// key.
pub async fn record_other_income(
    fund: &Services,
    ctx: &Ctx,
    input: NewOtherIncome,
    idempotency_key: &str,
) -> ServiceResult<Booked> {
    let command = Command::new(
        ctx,
        "recordOtherIncome",
        &[Role::Admin],
        "record other income",
    )?
    .idempotent(idempotency_key, &input)?;
    let officer = command.principal().subject.clone();
    let amount = Usd::parse_positive(input.amount_usd, "amountUsd")?;
    not_in_future(input.received_on, "receivedOn", "income")?;
    let description = Text::Note.required(&input.description, "description")?;
    command
        .run(fund, async |txn, effect| {
            within_income_total(txn, amount).await?;
            let summary = format!("Other income of {amount}: {description}");
            let entry = NewEntry::usd(LedgerEntryKind::OtherIncome, input.received_on, amount)
                .described(description);
            let booked = book(txn, effect, &officer, vec![entry]).await?;
            announce(effect, PortfolioEventKind::Income, &booked, summary);
            Ok(booked)
        })
        .await
}

/// Records a direct cost (on the steering committee's decision approving it) or a bank charge
/// (on none) the fund paid (ADMIN), described: money leaving the Administrative Agent from the
/// unearmarked pool, never more than the committee has left unallocated there. Once per
/// idempotency key.
pub async fn record_direct_cost(
    fund: &Services,
    ctx: &Ctx,
    input: NewDirectCost,
    idempotency_key: &str,
) -> ServiceResult<Booked> {
    let command = Command::new(
        ctx,
        "recordDirectCost",
        &[Role::Admin],
        "record direct costs",
    )?
    .idempotent(idempotency_key, &input)?;
    let officer = command.principal().subject.clone();
    let amount = Usd::parse_positive(input.amount_usd, "amountUsd")?;
    not_in_future(input.incurred_on, "incurredOn", "a cost")?;
    let description = Text::Note.required(&input.description, "description")?;
    match (input.kind, input.decision_id) {
        (DirectCostKind::DirectCost, None) => {
            return Err(UserError::validation(
                "decision",
                "a direct cost rests on the steering committee's decision approving it",
            )
            .into())
        }
        (DirectCostKind::BankCharge, Some(_)) => {
            return Err(UserError::validation(
                "decision",
                "a bank charge rests on no decision of the committee",
            )
            .into())
        }
        _ => {}
    }
    command
        .run(fund, async |txn, effect| {
            // Money leaves the pool: one at a time with allocations, transfers and refunds.
            ledger::lock_spending(txn).await?;
            if let Some(id) = input.decision_id {
                within_direct_cost_decision(txn, id, amount).await?;
            }
            let uncommitted = ledger::pool_now(txn, None).await?.uncommitted()?;
            if amount > uncommitted {
                let message = format!(
                    "the committee has {} of unearmarked money left unallocated, and the fund's own costs are paid from it",
                    uncommitted.max(Usd::ZERO)
                );
                return Err(UserError::new(UserErrorCode::InsufficientFunds, &["amountUsd"], message).into());
            }
            let what = match input.kind {
                DirectCostKind::DirectCost => "Direct cost",
                DirectCostKind::BankCharge => "Bank charge",
            };
            let summary = format!("{what} of {amount}: {description}");
            let entry = NewEntry::usd(input.kind.ledger_kind(), input.incurred_on, amount)
                .decision_if(input.decision_id)
                .described(description);
            let booked = book(txn, effect, &officer, vec![entry]).await?;
            announce(effect, PortfolioEventKind::Cost, &booked, summary);
            Ok(booked)
        })
        .await
}

/// Refuses a direct cost that does not rest on a `DIRECT_COST` decision in effect, or would take
/// the direct costs booked against it past the amount the committee approved.
async fn within_direct_cost_decision(
    txn: &DatabaseTransaction,
    decision_id: i64,
    amount: Usd,
) -> ServiceResult<()> {
    let decision = super::governance::decision_in_effect(txn, decision_id, "decision").await?;
    if DecisionKind::from_stored(&decision.kind)? != DecisionKind::DirectCost {
        return Err(UserError::validation(
            "decision",
            format!(
                "a direct cost rests on the committee's DIRECT_COST decision approving the fund's own costs, not on a {} decision",
                decision.kind
            ),
        )
        .into());
    }
    let approved = Usd::from_cents(decision.amount_usd_cents.unwrap_or(0));
    let booked = ledger::direct_costs_on(txn, decision_id).await?;
    let left = approved
        .checked_sub(booked)
        .ok_or_else(|| anyhow::anyhow!("direct costs on decision {decision_id} overflow"))?;
    if amount > left {
        let message = format!(
            "the committee approved {approved} of direct costs on this decision and {booked} are booked against it: at most {} more",
            left.max(Usd::ZERO)
        );
        return Err(UserError::new(UserErrorCode::BudgetExceeded, &["amountUsd"], message).into());
    }
    Ok(())
}

/// Refuses to close `programme` financially unless every organization with a budget line in it
/// has sent its final expenditure report and holds none of its money (transferred less
/// expenditure and refunds): `INVALID_TRANSITION` naming who has not reported, or how much is
/// still with whom.
pub async fn ensure_financially_closable<C: ConnectionTrait>(
    txn: &C,
    programme: &joint_programme::Model,
) -> ServiceResult<()> {
    let lines = budget_line::Entity::find()
        .filter(budget_line::Column::JointProgrammeId.eq(programme.id))
        .order_by_asc(budget_line::Column::Id)
        .all(txn)
        .await?;
    let participants: Vec<i64> = lines.iter().map(|l| l.organization_id).collect();
    let acronyms: BTreeMap<i64, String> = organization::Entity::find()
        .filter(organization::Column::Id.is_in(participants.clone()))
        .all(txn)
        .await?
        .into_iter()
        .map(|o| (o.id, o.acronym))
        .collect();
    let name = |id: &i64| {
        acronyms
            .get(id)
            .cloned()
            .unwrap_or_else(|| format!("organization {id}"))
    };
    let finals: BTreeSet<i64> = expenditure_report::Entity::find()
        .filter(expenditure_report::Column::JointProgrammeId.eq(programme.id))
        .filter(expenditure_report::Column::Final.eq(true))
        .all(txn)
        .await?
        .into_iter()
        .map(|r| r.organization_id)
        .collect();
    let unreported: Vec<String> = participants
        .iter()
        .filter(|id| !finals.contains(*id))
        .map(&name)
        .collect();
    if !unreported.is_empty() {
        let message = format!(
            "a programme closes financially once every organization has sent its final expenditure report; {} has not",
            unreported.join(", ")
        );
        return Err(UserError::new(UserErrorCode::InvalidTransition, &["status"], message).into());
    }
    let money = held_by_organization(txn, programme.id, None).await?;
    let mut still_held = Vec::new();
    for id in &participants {
        let balance = money
            .get(id)
            .map(WithOrganizations::balance)
            .transpose()?
            .unwrap_or(0);
        if balance != 0 {
            still_held.push(format!(
                "{} still with {}",
                Usd::from_cents(balance),
                name(id)
            ));
        }
    }
    if !still_held.is_empty() {
        let message = format!(
            "{}: a programme closes financially once each organization has refunded what it did not spend",
            still_held.join(", ")
        );
        return Err(UserError::new(UserErrorCode::InvalidTransition, &["status"], message).into());
    }
    Ok(())
}

/// The refunds an organization made of a programme's money so far, in US dollars.
pub async fn refunded<C: ConnectionTrait>(
    txn: &C,
    programme: i64,
    organization: i64,
) -> ServiceResult<Usd> {
    let money = held_by_organization(txn, programme, None).await?;
    Ok(Usd::from_cents(
        money.get(&organization).map_or(0, |m| m.refunds),
    ))
}

/// A programme's money with each organization (transferred, expenditure, refunds) from the
/// ledger, counting the entries dated on or before `as_of` when given.
async fn held_by_organization<C: ConnectionTrait>(
    txn: &C,
    programme: i64,
    as_of: Option<NaiveDate>,
) -> ServiceResult<BTreeMap<i64, WithOrganizations>> {
    #[derive(FromQueryResult)]
    struct Row {
        organization_id: Option<i64>,
        transferred: i64,
        expenditure: i64,
        refunds: i64,
    }
    let kinds = [
        LedgerEntryKind::Transfer,
        LedgerEntryKind::Expenditure,
        LedgerEntryKind::Refund,
    ];
    let mut select = Query::select();
    select
        .from_as(table("ledger_entry"), table("l"))
        .column((table("l"), table("organization_id")))
        .expr_as(line_total(LedgerEntryKind::Transfer), table("transferred"))
        .expr_as(
            line_total(LedgerEntryKind::Expenditure),
            table("expenditure"),
        )
        .expr_as(line_total(LedgerEntryKind::Refund), table("refunds"))
        .and_where(column("l", "joint_programme_id").eq(programme))
        .and_where(column("l", "counts_as").is_in(kinds.map(LedgerEntryKind::as_str)))
        .add_group_by([column("l", "organization_id")]);
    if let Some(day) = as_of {
        select.and_where(column("l", "value_date").lte(day));
    }
    let statement = txn.get_database_backend().build(&select);
    Ok(Row::find_by_statement(statement)
        .all(txn)
        .await?
        .into_iter()
        .filter_map(|row| {
            let money = WithOrganizations {
                transferred: row.transferred,
                expenditure: row.expenditure,
                refunds: row.refunds,
            };
            row.organization_id.map(|id| (id, money))
        })
        .collect())
}

/// What of the transfers to an organization for a programme has not come back yet, per pool, in
/// the order a refund returns it (the area's pool first, then unearmarked money, as transfers
/// draw on them).
async fn returnable_by_pool<C: ConnectionTrait>(
    txn: &C,
    programme: i64,
    organization: i64,
) -> ServiceResult<Vec<(Option<i64>, Usd)>> {
    #[derive(FromQueryResult)]
    struct Row {
        pool_area_id: Option<i64>,
        transferred: i64,
        refunds: i64,
    }
    let mut select = Query::select();
    select
        .from_as(table("ledger_entry"), table("l"))
        .column((table("l"), table("pool_area_id")))
        .expr_as(line_total(LedgerEntryKind::Transfer), table("transferred"))
        .expr_as(line_total(LedgerEntryKind::Refund), table("refunds"))
        .and_where(column("l", "joint_programme_id").eq(programme))
        .and_where(column("l", "organization_id").eq(organization))
        .and_where(column("l", "counts_as").is_in([
            LedgerEntryKind::Transfer.as_str(),
            LedgerEntryKind::Refund.as_str(),
        ]))
        .add_group_by([column("l", "pool_area_id")]);
    let statement = txn.get_database_backend().build(&select);
    let mut pools = Row::find_by_statement(statement)
        .all(txn)
        .await?
        .into_iter()
        .map(|row| {
            let left = row.transferred.checked_sub(row.refunds).ok_or_else(|| {
                anyhow::anyhow!("the transfers of programme {programme} do not fit in cents")
            })?;
            Ok((row.pool_area_id, Usd::from_cents(left)))
        })
        .collect::<ServiceResult<Vec<_>>>()?;
    pools.sort_by_key(|(pool, _)| pool.is_none());
    Ok(pools)
}

/// Refuses a date after today.
fn not_in_future(day: NaiveDate, field: &str, what: &str) -> ServiceResult<()> {
    if day > chrono::Utc::now().date_naive() {
        let message = format!("{what} cannot be dated in the future");
        return Err(UserError::validation(field, message).into());
    }
    Ok(())
}

/// Keeps the fund's income (interest and other income) within the bound on one kind of money,
/// so that every sum of the books fits.
async fn within_income_total<C: ConnectionTrait>(txn: &C, amount: Usd) -> ServiceResult<()> {
    let income = Condition::all().add(ledger_entry::Column::CountsAs.is_in([
        LedgerEntryKind::FundInterest.as_str(),
        LedgerEntryKind::OrganizationInterest.as_str(),
        LedgerEntryKind::OtherIncome.as_str(),
    ]));
    within_fund_total::<ledger_entry::Entity, _>(
        txn,
        ledger_entry::Column::AmountUsdCents,
        income,
        amount.cents(),
        "amountUsd",
    )
    .await
}

/// Appends `entries`, each audited as a row the command created.
async fn book<C: ConnectionTrait>(
    txn: &C,
    effect: &mut Effect,
    recorded_by: &str,
    entries: Vec<NewEntry>,
) -> ServiceResult<Booked> {
    let booked = Booked::new(ledger::append(txn, recorded_by, entries).await?)?;
    for entry in &booked.entries {
        effect.created((Kind::LedgerEntry, entry.id), entry);
    }
    Ok(booked)
}

/// Announces the movement to every token: the Gateway publishes each of these lines.
fn announce(effect: &mut Effect, kind: PortfolioEventKind, booked: &Booked, summary: String) {
    let subject = (Kind::LedgerEntry, booked.first().id);
    effect.announce(NewEvent::new(kind, subject, summary));
}
