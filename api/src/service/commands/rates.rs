//! The Administrative Agent's table of exchange rates: the one command that adds to it. A rate
//! is never edited; a correction is a rate for a later day (see docs/books.md, "Currencies after
//! the pledge"). Reads are in [`crate::service::rates`].

use crate::domain::{Currency, ExactDecimal, PortfolioEventKind, Role, Text, UserError};
use crate::ids::Kind;
use crate::service::commands::contributions::parse_currency;
use crate::service::envelope::Command;
use crate::service::events::NewEvent;
use crate::service::{Ctx, ServiceResult, Services};
use chrono::{NaiveDate, SubsecRound, Utc};
use entity::exchange_rate;
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, Set};
use serde::Serialize;

#[derive(Serialize, Clone, Debug)]
pub struct NewExchangeRate {
    pub currency: String,
    pub effective_on: NaiveDate,
    pub units_per_usd: Decimal,
    pub source: String,
}

/// Records how many units of a currency buy one US dollar from a day on (ADMIN, for the
/// Administrative Agent): one rate per currency and day, never in the future, never for the
/// dollar itself. Agreements in that currency value what they still owe at the latest rate.
pub async fn record_exchange_rate(
    fund: &Services,
    ctx: &Ctx,
    input: NewExchangeRate,
) -> ServiceResult<exchange_rate::Model> {
    let command = Command::new(
        ctx,
        "recordExchangeRate",
        &[Role::Admin],
        "record exchange rates",
    )?;
    let recorded_by = command.principal().subject.clone();
    let currency = parse_currency(&input.currency, &["currency"])?;
    if currency == Currency::USD {
        return Err(UserError::validation(
            "currency",
            "the fund keeps its books in US dollars: one US dollar is always worth 1",
        )
        .into());
    }
    let rate = ExactDecimal::parse_exchange_rate(input.units_per_usd, "unitsPerUsd")?;
    if input.effective_on > Utc::now().date_naive() {
        return Err(UserError::validation(
            "effectiveOn",
            "a rate is recorded from the day it applies, not in advance",
        )
        .into());
    }
    let source = Text::Name.required(&input.source, "source")?;
    command
        .run(fund, async |txn, effect| {
            let row = exchange_rate::ActiveModel {
                currency: Set(currency.code().to_owned()),
                effective_on: Set(input.effective_on),
                units_per_usd: Set(rate.to_stored()),
                source: Set(source),
                recorded_by: Set(recorded_by),
                recorded_at: Set(Utc::now().trunc_subsecs(6)),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            effect.created((Kind::ExchangeRate, row.id), &row);
            let summary = format!(
                "Exchange rate: {} {} per US dollar from {}",
                rate.0, row.currency, row.effective_on
            );
            effect.announce(NewEvent::new(
                PortfolioEventKind::ExchangeRate,
                (Kind::ExchangeRate, row.id),
                summary,
            ));
            Ok(row)
        })
        .await
}
