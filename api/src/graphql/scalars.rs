//! The contract's scalars. `Decimal` travels only as a JSON string: a JSON number would have
//! passed through a binary float on its way in. Dates and date-times lie in the fund's years
//! (see `domain::bounds`), so every date input is bounded, including ones added later.

use crate::domain::bounds::{plausible_year, FIRST_YEAR, LAST_YEAR};
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::Datelike;
use std::str::FromStr;

/// At most this many significant digits (leading zeros aside): every such decimal is exact in
/// `rust_decimal` (28 digits fit its 96 bits), so nothing a caller sends is rounded on the way in.
const MAX_DECIMAL_DIGITS: usize = 28;

/// An exact decimal, as a string: `"1250000.00"`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Decimal(pub rust_decimal::Decimal);

/// An exact decimal number as a JSON string in plain notation, e.g. "1250000.00": digits, at
/// most one point, an optional leading minus, at most 28 significant digits. Each input states
/// its own bounds.
#[Scalar(
    name = "Decimal",
    specified_by_url = "https://spec.graphql.org/draft/#sec-String"
)]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => parse_decimal(text).map(Decimal).ok_or_else(|| {
                InputValueError::custom(format!(
                    "{:?} is not a decimal number such as \"1250000.00\" (at most {MAX_DECIMAL_DIGITS} significant digits)",
                    abbreviated(text)
                ))
            }),
            _ => Err(InputValueError::custom(
                "a Decimal travels as a JSON string, such as \"1250000.00\", never as a JSON number",
            )),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// Plain decimal notation only: digits, one optional point, an optional leading minus.
fn parse_decimal(text: &str) -> Option<rust_decimal::Decimal> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let well_formed = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1
        && !digits.starts_with('.')
        && !digits.ends_with('.');
    if !well_formed || significant_digits(digits) > MAX_DECIMAL_DIGITS {
        return None;
    }
    rust_decimal::Decimal::from_str(text).ok()
}

/// The digits of the mantissa: the integer part without its leading zeros, and every decimal.
fn significant_digits(digits: &str) -> usize {
    let (integer, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    integer.trim_start_matches('0').len() + fraction.len()
}

impl From<crate::domain::Usd> for Decimal {
    fn from(usd: crate::domain::Usd) -> Self {
        Decimal(usd.to_decimal())
    }
}

/// The first 40 characters of a caller's text, for an error message.
fn abbreviated(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

fn out_of_range<T: async_graphql::InputType>(text: &str) -> InputValueError<T> {
    InputValueError::custom(format!(
        "{:?} is outside the fund's dates: from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31",
        abbreviated(text)
    ))
}

/// A calendar date, ISO 8601: `"2021-11-30"`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Date(pub chrono::NaiveDate);

/// A calendar date, ISO 8601, e.g. "2021-11-30". A date given as input lies from 2000-01-01 to
/// 2100-12-31.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(date) if plausible_year(date.year()) => Ok(Date(date)),
                Ok(_) => Err(out_of_range(text)),
                Err(_) => Err(InputValueError::custom(format!(
                    "{:?} is not an ISO 8601 date such as \"2021-11-30\"",
                    abbreviated(text)
                ))),
            },
            _ => Err(InputValueError::custom(
                "a Date is a string such as \"2021-11-30\"",
            )),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// A moment in time, RFC 3339 in UTC: `"2021-11-30T14:00:00Z"`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct DateTime(pub chrono::DateTime<chrono::Utc>);

/// A moment in time, RFC 3339, e.g. "2021-11-30T14:00:00Z" (answered in UTC). One given as
/// input lies from 2000-01-01 to 2100-12-31.
#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => match chrono::DateTime::parse_from_rfc3339(text) {
                Ok(t) if plausible_year(t.with_timezone(&chrono::Utc).year()) => {
                    Ok(DateTime(t.with_timezone(&chrono::Utc)))
                }
                Ok(_) => Err(out_of_range(text)),
                Err(_) => Err(InputValueError::custom(format!(
                    "{:?} is not an RFC 3339 date-time",
                    abbreviated(text)
                ))),
            },
            _ => Err(InputValueError::custom(
                "a DateTime is a string such as \"2021-11-30T14:00:00Z\"",
            )),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    }
}

/// An ISO 3166-1 alpha-3 country code: `"PHL"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountryCode(pub String);

/// An ISO 3166-1 alpha-3 country code, three upper-case letters: "PHL".
#[Scalar(name = "CountryCode")]
impl ScalarType for CountryCode {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text)
                if text.len() == 3 && text.chars().all(|c| c.is_ascii_uppercase()) =>
            {
                Ok(CountryCode(text.clone()))
            }
            _ => Err(InputValueError::custom(
                "a CountryCode is three upper-case letters (ISO 3166-1 alpha-3), such as \"PHL\"",
            )),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// An ISO 4217 currency code: `"EUR"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrencyCode(pub String);

/// An ISO 4217 currency code that has minor units (not gold or fund codes), such as "EUR", "USD" or
/// "JPY"; amounts in it have no more decimals than it has (two, none, three).
#[Scalar(name = "CurrencyCode")]
impl ScalarType for CurrencyCode {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) if crate::domain::Currency::parse(text).is_some() => {
                Ok(CurrencyCode(text.clone()))
            }
            _ => Err(InputValueError::custom(
                "a CurrencyCode is an ISO 4217 code with minor units, such as \"EUR\"",
            )),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_strings_in_plain_notation() {
        assert!(<Decimal as ScalarType>::parse(Value::String("1250000.00".into())).is_ok());
        assert!(<Decimal as ScalarType>::parse(Value::String("1e6".into())).is_err());
        assert!(<Decimal as ScalarType>::parse(Value::String(" 1".into())).is_err());
        assert!(<Decimal as ScalarType>::parse(Value::Number(1.into())).is_err());
        let most = "1".repeat(28);
        assert!(<Decimal as ScalarType>::parse(Value::String(most.clone())).is_ok());
        assert!(<Decimal as ScalarType>::parse(Value::String(format!("{most}.0"))).is_err());
        assert!(<Decimal as ScalarType>::parse(Value::String(
            "0.0000000000000000000000000001".into()
        ))
        .is_ok());
        assert!(<Decimal as ScalarType>::parse(Value::String(
            "79228162514264337593543950335".into()
        ))
        .is_err());
        assert!(<Decimal as ScalarType>::parse(Value::String(
            "10.0000000000000000000000000001".into()
        ))
        .is_err());
    }

    #[test]
    fn dates_lie_in_the_funds_years() {
        let date = |s: &str| <Date as ScalarType>::parse(Value::String(s.into()));
        assert!(date("2000-01-01").is_ok());
        assert!(date("2100-12-31").is_ok());
        assert!(date("1999-12-31").is_err());
        assert!(date("0000-01-01").is_err());
        assert!(date("9999-12-31").is_err());
        let moment = |s: &str| <DateTime as ScalarType>::parse(Value::String(s.into()));
        assert!(moment("2021-11-30T14:00:00Z").is_ok());
        assert!(moment("9999-12-31T23:59:59Z").is_err());
        assert!(moment("2000-01-01T00:30:00+01:00").is_err());
    }
}
