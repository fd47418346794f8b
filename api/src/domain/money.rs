//! Exact money. Amounts are `rust_decimal::Decimal` in Rust and integers of minor units (USD
//! cents, euro cents, yen) in the database; nothing on a money path is ever a binary float.

use super::UserError;
use rust_decimal::{Decimal, RoundingStrategy};
use std::fmt;
use std::str::FromStr;

/// An amount of US dollars, held as whole cents.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Usd(i64);

impl Usd {
    pub const ZERO: Usd = Usd(0);

    pub fn from_cents(cents: i64) -> Self {
        Usd(cents)
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// Parses a caller's amount: at most two decimal places, strictly positive, and in range.
    pub fn parse_positive(amount: Decimal, field: &str) -> Result<Self, UserError> {
        let usd = Self::parse(amount, field)?;
        if usd.0 <= 0 {
            return Err(UserError::validation(
                field,
                "the amount must be greater than zero",
            ));
        }
        Ok(usd)
    }

    /// Parses a caller's amount that may be zero.
    pub fn parse(amount: Decimal, field: &str) -> Result<Self, UserError> {
        to_minor_units(amount, 2).map(Usd).map_err(|problem| {
            UserError::validation(field, format!("a US dollar amount {problem}"))
        })
    }

    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    pub fn checked_add(self, other: Usd) -> Option<Usd> {
        self.0.checked_add(other.0).map(Usd)
    }

    pub fn checked_sub(self, other: Usd) -> Option<Usd> {
        self.0.checked_sub(other.0).map(Usd)
    }

    /// `self × rate`, rounded half-even to the cent (fees, indirect support costs).
    pub fn times_rate(self, rate: Rate) -> Usd {
        let exact = Decimal::from(self.0) * rate.0;
        let cents = exact.round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven);
        Usd(i64::try_from(cents).unwrap_or(i64::MAX))
    }
}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "USD {}", self.to_decimal())
    }
}

impl std::iter::Sum for Usd {
    fn sum<I: Iterator<Item = Usd>>(iter: I) -> Usd {
        Usd(iter.map(|u| u.0).sum())
    }
}

/// A share such as a fee or an indirect support cost rate: an exact decimal from 0 up to 1.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Rate(Decimal);

impl Rate {
    pub fn parse(value: Decimal, field: &str) -> Result<Self, UserError> {
        if value < Decimal::ZERO || value >= Decimal::ONE {
            return Err(UserError::validation(
                field,
                "a rate is a fraction from 0 up to 1, e.g. \"0.07\" for 7%",
            ));
        }
        if value.scale() > 6 {
            return Err(UserError::validation(
                field,
                "a rate has at most six decimal places",
            ));
        }
        Ok(Rate(value.normalize()))
    }

    /// Reads a rate stored by this service.
    pub fn from_stored(text: &str) -> Self {
        Rate(Decimal::from_str(text).unwrap_or_default())
    }

    pub fn value(self) -> Decimal {
        self.0
    }

    pub fn to_stored(self) -> String {
        self.0.to_string()
    }
}

/// An ISO 4217 currency with its own number of minor units.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub const USD: Currency = Currency(iso_currency::Currency::USD);

    pub fn parse(code: &str) -> Option<Self> {
        iso_currency::Currency::from_code(code)
            .filter(|c| c.exponent().is_some())
            .map(Currency)
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    pub fn minor_unit_digits(self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(2))
    }

    /// Parses an amount in this currency into minor units, refusing more decimals than it has.
    pub fn to_minor(self, amount: Decimal, field: &str) -> Result<i64, UserError> {
        let minor = to_minor_units(amount, self.minor_unit_digits()).map_err(|problem| {
            UserError::validation(field, format!("an amount in {} {problem}", self.code()))
        })?;
        if minor <= 0 {
            return Err(UserError::validation(
                field,
                "the amount must be greater than zero",
            ));
        }
        Ok(minor)
    }

    pub fn from_minor(self, minor: i64) -> Decimal {
        Decimal::new(minor, self.minor_unit_digits())
    }

    /// Converts an amount in this currency to USD at `rate` units per USD, half-even to the cent.
    pub fn to_usd(self, minor: i64, units_per_usd: ExactDecimal) -> Usd {
        let amount = self.from_minor(minor);
        let usd = (amount / units_per_usd.0)
            .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
        Usd(i64::try_from(usd * Decimal::ONE_HUNDRED).unwrap_or(i64::MAX))
    }
}

/// A positive exact decimal that is not money: exchange rates, indicator values.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ExactDecimal(pub Decimal);

impl ExactDecimal {
    pub fn from_stored(text: &str) -> Self {
        ExactDecimal(Decimal::from_str(text).unwrap_or_default())
    }

    pub fn to_stored(self) -> String {
        self.0.normalize().to_string()
    }

    pub fn parse_exchange_rate(value: Decimal, field: &str) -> Result<Self, UserError> {
        if value <= Decimal::ZERO {
            return Err(UserError::validation(
                field,
                "an exchange rate (units of the currency per US dollar) must be greater than zero",
            ));
        }
        if value.scale() > 10 {
            return Err(UserError::validation(
                field,
                "an exchange rate has at most ten decimal places",
            ));
        }
        Ok(ExactDecimal(value))
    }
}

fn to_minor_units(amount: Decimal, digits: u32) -> Result<i64, String> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err("cannot be negative".to_owned());
    }
    let normalized = amount.normalize();
    if normalized.scale() > digits {
        return Err(format!("has at most {digits} decimal places"));
    }
    let scaled = normalized
        .checked_mul(Decimal::from(10i64.pow(digits)))
        .ok_or_else(|| "is too large".to_owned())?;
    let minor = i64::try_from(scaled).map_err(|_| "is too large".to_owned())?;
    // Keep totals well inside i64 even after summing a hundred thousand rows.
    if minor > 1_000_000_000_000_000 {
        return Err("is too large".to_owned());
    }
    Ok(minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn fee_rounds_half_even_to_the_cent() {
        let one_percent = Rate::parse(dec("0.01"), "rate").unwrap();
        assert_eq!(
            Usd::from_cents(250).times_rate(one_percent),
            Usd::from_cents(2)
        ); // 2.5 -> 2
        assert_eq!(
            Usd::from_cents(350).times_rate(one_percent),
            Usd::from_cents(4)
        ); // 3.5 -> 4
        assert_eq!(
            Usd::from_cents(100_000_000)
                .times_rate(one_percent)
                .to_decimal(),
            dec("10000.00")
        );
    }

    #[test]
    fn currencies_keep_their_own_minor_units() {
        let jpy = Currency::parse("JPY").unwrap();
        assert!(jpy.to_minor(dec("10.5"), "amount").is_err());
        assert_eq!(jpy.to_minor(dec("1000"), "amount").unwrap(), 1000);
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(kwd.to_minor(dec("1.234"), "amount").unwrap(), 1234);
        assert!(Currency::parse("XAU").is_none());
        assert!(Currency::parse("EURO").is_none());
    }

    #[test]
    fn conversion_to_usd_is_exact_and_half_even() {
        let eur = Currency::parse("EUR").unwrap();
        let rate = ExactDecimal::parse_exchange_rate(dec("0.8"), "rate").unwrap();
        assert_eq!(
            eur.to_usd(100_000_000, rate).to_decimal(),
            dec("1250000.00")
        );
    }

    #[test]
    fn amounts_refuse_negative_and_too_precise_values() {
        assert!(Usd::parse_positive(dec("-1"), "amount").is_err());
        assert!(Usd::parse_positive(dec("0"), "amount").is_err());
        assert!(Usd::parse_positive(dec("0.001"), "amount").is_err());
        assert_eq!(
            Usd::parse_positive(dec("0.10"), "amount").unwrap().cents(),
            10
        );
    }
}
