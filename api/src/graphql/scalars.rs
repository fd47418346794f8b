//! The contract's scalars. `Decimal` travels only as a JSON string: a JSON number would have
//! passed through a binary float on its way in.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use std::str::FromStr;

/// An exact decimal, as a string: `"1250000.00"`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Decimal(pub rust_decimal::Decimal);

#[Scalar(
    name = "Decimal",
    specified_by_url = "https://spec.graphql.org/draft/#sec-String"
)]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => parse_decimal(text).map(Decimal).ok_or_else(|| {
                InputValueError::custom(format!("{text:?} is not a decimal number such as \"1250000.00\""))
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
    if !well_formed {
        return None;
    }
    rust_decimal::Decimal::from_str(text).ok()
}

impl From<crate::domain::Usd> for Decimal {
    fn from(usd: crate::domain::Usd) -> Self {
        Decimal(usd.to_decimal())
    }
}

/// A calendar date, ISO 8601: `"2021-11-30"`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Date(pub chrono::NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!(
                        "{text:?} is not an ISO 8601 date such as \"2021-11-30\""
                    ))
                }),
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

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| DateTime(t.with_timezone(&chrono::Utc)))
                .map_err(|_| {
                    InputValueError::custom(format!("{text:?} is not an RFC 3339 date-time"))
                }),
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
    }
}
