//! Exact money. Amounts are `rust_decimal::Decimal` in Rust and integers of minor units (USD
//! cents, euro cents, yen) in the database; nothing on a money path is ever a binary float.
//! Every operation is checked: an amount out of [`bounds`](super::bounds) is refused, and no
//! conversion saturates or falls back to a default.

use super::bounds::{EXCHANGE_RATE_DECIMALS, MAX_AMOUNT_MINOR, MAX_EXCHANGE_RATE, RATE_DECIMALS};
use super::vocabulary::UnknownStoredValue;
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

    /// The sum of `amounts`, or `None` if it does not fit.
    pub fn checked_sum(amounts: impl IntoIterator<Item = Usd>) -> Option<Usd> {
        amounts
            .into_iter()
            .try_fold(Usd::ZERO, |total, amount| total.checked_add(amount))
    }

    /// `self × rate`, rounded half-even to the cent (fees, indirect support costs). A rate is
    /// below 1, so the result is never larger than `self`; `None` only if that were not so.
    pub fn times_rate(self, rate: Rate) -> Option<Usd> {
        let exact = Decimal::from(self.0).checked_mul(rate.0)?;
        let cents = exact.round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven);
        i64::try_from(cents).ok().map(Usd)
    }
}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "USD {}", self.to_decimal())
    }
}

/// A share such as a fee or an indirect support cost rate: an exact decimal from 0 up to 1.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Rate(Decimal);

impl Rate {
    /// 7%, the indirect support cost rate of a budget line unless agreed otherwise.
    pub const DEFAULT_INDIRECT_SUPPORT_COST: Rate = Rate(Decimal::from_parts(7, 0, 0, false, 2));

    pub fn parse(value: Decimal, field: &str) -> Result<Self, UserError> {
        let value = value.normalize();
        if value < Decimal::ZERO || value >= Decimal::ONE {
            return Err(UserError::validation(
                field,
                "a rate is a fraction from 0 up to 1, e.g. \"0.07\" for 7%",
            ));
        }
        if value.scale() > RATE_DECIMALS {
            return Err(UserError::validation(
                field,
                format!("a rate has at most {RATE_DECIMALS} decimal places"),
            ));
        }
        Ok(Rate(value))
    }

    /// Reads a rate stored by this service; anything else is a broken database, never a rate
    /// of 0.
    pub fn from_stored(text: &str) -> Result<Self, UnknownStoredValue> {
        Decimal::from_str(text)
            .ok()
            .and_then(|value| Rate::parse(value, "rate").ok())
            .ok_or_else(|| UnknownStoredValue {
                vocabulary: "rate",
                value: text.to_owned(),
            })
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
pub struct Currency {
    iso: iso_currency::Currency,
    /// Minor-unit digits, at most 4 in ISO 4217.
    digits: u16,
}

impl Currency {
    pub const USD: Currency = Currency {
        iso: iso_currency::Currency::USD,
        digits: 2,
    };

    /// A currency with minor units (not gold, not a fund code).
    pub fn parse(code: &str) -> Option<Self> {
        let iso = iso_currency::Currency::from_code(code)?;
        iso.exponent().map(|digits| Currency { iso, digits })
    }

    /// Reads a currency stored by this service.
    pub fn from_stored(code: &str) -> Result<Self, UnknownStoredValue> {
        Self::parse(code).ok_or_else(|| UnknownStoredValue {
            vocabulary: "currency",
            value: code.to_owned(),
        })
    }

    pub fn code(self) -> &'static str {
        self.iso.code()
    }

    pub fn minor_unit_digits(self) -> u32 {
        u32::from(self.digits)
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
        // ISO 4217 has at most 4 minor-unit digits, far below rust_decimal's 28.
        Decimal::new(minor, self.minor_unit_digits())
    }

    /// Converts an amount in this currency to USD at `rate` units per USD, half-even to the
    /// cent. An amount worth less than a cent, or more than the largest amount, is refused on
    /// `field`.
    pub fn to_usd(
        self,
        minor: i64,
        units_per_usd: ExactDecimal,
        field: &str,
    ) -> Result<Usd, UserError> {
        let too_large = || {
            UserError::validation(
                field,
                format!(
                    "at this rate the amount is worth more than {}, the largest amount the fund records",
                    Usd(MAX_AMOUNT_MINOR)
                ),
            )
        };
        let usd = self
            .from_minor(minor)
            .checked_div(units_per_usd.0)
            .ok_or_else(too_large)?
            .round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven);
        let cents = usd
            .checked_mul(Decimal::ONE_HUNDRED)
            .and_then(|c| i64::try_from(c).ok())
            .ok_or_else(too_large)?;
        if cents > MAX_AMOUNT_MINOR {
            return Err(too_large());
        }
        if cents <= 0 {
            return Err(UserError::validation(
                field,
                "at this rate the amount is worth less than one US cent",
            ));
        }
        Ok(Usd(cents))
    }
}

/// A positive exact decimal that is not money: exchange rates, indicator values.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ExactDecimal(pub Decimal);

impl ExactDecimal {
    /// Reads a decimal stored by this service; anything else is a broken database, never 0.
    pub fn from_stored(text: &str) -> Result<Self, UnknownStoredValue> {
        // Served as recorded, without trailing zeros: "1.0856", never "1.08560".
        Decimal::from_str(text)
            .map(|value| ExactDecimal(value.normalize()))
            .map_err(|_| UnknownStoredValue {
                vocabulary: "decimal",
                value: text.to_owned(),
            })
    }

    pub fn to_stored(self) -> String {
        self.0.normalize().to_string()
    }

    pub fn parse_exchange_rate(value: Decimal, field: &str) -> Result<Self, UserError> {
        let value = value.normalize();
        if value <= Decimal::ZERO || value > Decimal::from(MAX_EXCHANGE_RATE) {
            return Err(UserError::validation(
                field,
                format!("an exchange rate (units of the currency per US dollar) is greater than zero and at most {MAX_EXCHANGE_RATE}"),
            ));
        }
        if value.scale() > EXCHANGE_RATE_DECIMALS {
            return Err(UserError::validation(
                field,
                format!("an exchange rate has at most {EXCHANGE_RATE_DECIMALS} decimal places"),
            ));
        }
        Ok(ExactDecimal(value))
    }

    /// A baseline, target or reported value of a results indicator.
    pub fn parse_indicator_value(value: Decimal, field: &str) -> Result<Self, UserError> {
        super::bounds::indicator_value(value, field).map(ExactDecimal)
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
    let too_large = || {
        format!(
            "is at most {} (the largest amount the fund records)",
            Decimal::new(MAX_AMOUNT_MINOR, digits)
        )
    };
    let minor = 10i64
        .checked_pow(digits)
        .and_then(|unit| normalized.checked_mul(Decimal::from(unit)))
        .and_then(|scaled| i64::try_from(scaled).ok())
        .ok_or_else(too_large)?;
    if minor > MAX_AMOUNT_MINOR {
        return Err(too_large());
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
            Some(Usd::from_cents(2))
        ); // 2.5 -> 2
        assert_eq!(
            Usd::from_cents(350).times_rate(one_percent),
            Some(Usd::from_cents(4))
        ); // 3.5 -> 4
        assert_eq!(
            Usd::from_cents(100_000_000)
                .times_rate(one_percent)
                .map(Usd::to_decimal),
            Some(dec("10000.00"))
        );
        let almost_one = Rate::parse(dec("0.999999"), "rate").unwrap();
        assert!(Usd::from_cents(i64::MAX).times_rate(almost_one).is_some());
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
            eur.to_usd(100_000_000, rate, "amount")
                .unwrap()
                .to_decimal(),
            dec("1250000.00")
        );
        // Halfway cases, where half-even and half-up differ: EUR 100.05 at 2 per dollar is
        // USD 50.025, which goes to the even cent 50.02 (half-up would say 50.03); EUR 0.05 is
        // 0.025, so 0.02; EUR 100.07 is 50.035, so 50.04 (up, to the even cent).
        let two = ExactDecimal::parse_exchange_rate(dec("2"), "rate").unwrap();
        let usd = |minor| eur.to_usd(minor, two, "amount").unwrap().to_decimal();
        assert_eq!(usd(10_005), dec("50.02"));
        assert_eq!(usd(5), dec("0.02"));
        assert_eq!(usd(10_007), dec("50.04"));
    }

    #[test]
    fn conversions_never_saturate() {
        let eur = Currency::parse("EUR").unwrap();
        let tiny = ExactDecimal::parse_exchange_rate(dec("0.0001"), "rate").unwrap();
        // EUR 1,000,000,000,000.00 at 0.0001 per USD would be USD 10^16: refused.
        assert!(eur.to_usd(MAX_AMOUNT_MINOR, tiny, "amount").is_err());
        let huge = ExactDecimal::parse_exchange_rate(dec("1000000000"), "rate").unwrap();
        assert!(eur.to_usd(1, huge, "amount").is_err()); // worth less than a cent
        assert!(ExactDecimal::parse_exchange_rate(dec("1000000000.1"), "rate").is_err());
        assert!(ExactDecimal::parse_exchange_rate(dec("0.00000000001"), "rate").is_err());
    }

    #[test]
    fn stored_values_are_never_defaulted() {
        assert!(Rate::from_stored("0.01").is_ok());
        assert!(Rate::from_stored("abc").is_err());
        assert!(Rate::from_stored("1.5").is_err());
        assert!(ExactDecimal::from_stored("").is_err());
        assert!(Currency::from_stored("XAU").is_err());
        assert_eq!(Rate::DEFAULT_INDIRECT_SUPPORT_COST.value(), dec("0.07"));
    }

    #[test]
    fn amounts_refuse_negative_and_too_precise_values() {
        assert!(Usd::parse_positive(dec("-1"), "amount").is_err());
        assert!(Usd::parse_positive(dec("0"), "amount").is_err());
        assert!(Usd::parse_positive(dec("0.001"), "amount").is_err());
        assert!(Usd::parse_positive(dec("1000000000000.00"), "amount").is_ok());
        assert!(Usd::parse_positive(dec("1000000000000.01"), "amount").is_err());
        assert!(Usd::parse_positive(dec("79228162514264337593543950335"), "amount").is_err());
        let jpy = Currency::parse("JPY").unwrap();
        assert!(jpy.to_minor(dec("100000000000000"), "amount").is_ok());
        assert!(jpy.to_minor(dec("100000000000001"), "amount").is_err());
        assert_eq!(
            Usd::parse_positive(dec("0.10"), "amount").unwrap().cents(),
            10
        );
    }
}
