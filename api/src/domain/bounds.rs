//! What the fund accepts from a caller, in one place: the size of amounts, rates, indicator
//! values, dates and free text. The schema's descriptions and README's "Input bounds" say the
//! same numbers (a test checks that every `Decimal` input of the schema states its bounds).

use super::UserError;
use rust_decimal::Decimal;

// ---------------------------------------------------------------------------------------------
// Money

/// The largest amount of one input, in minor units of its currency: USD (or EUR, or any other
/// currency with cents) 1,000,000,000,000.00, JPY 100,000,000,000,000, KWD 100,000,000,000.000.
/// The USD value of an amount after conversion is bound by the same number of cents.
///
/// Why this number: money is summed by the database as BIGINT (i64, at most about 9.22 × 10^18
/// minor units). One amount is at most 10^14, and [`MAX_FUND_TOTAL_MINOR`] bounds every column's
/// total across the fund, so no sum of accepted values can overflow.
pub const MAX_AMOUNT_MINOR: i64 = 100_000_000_000_000;

/// The largest total of one kind of money across the fund, in minor units (USD 100 trillion):
/// all pledges (in USD, and in each currency), all deposits, all amounts decided by the
/// steering committee, all budgets requested. A command that would take a total past it is
/// refused. Transfers are bound by the deposits, expenditure by the transfers, budget lines by
/// the decisions. Commands running at the same moment (at most one per database connection) may
/// each pass the check, overshooting by one [`MAX_AMOUNT_MINOR`] each: with a hundred
/// connections a total stays below 2 × 10^16, so a figure that adds or subtracts up to four
/// hundred totals still fits in i64.
pub const MAX_FUND_TOTAL_MINOR: i64 = 10_000_000_000_000_000;

/// The largest exchange rate, in units of a currency per US dollar.
pub const MAX_EXCHANGE_RATE: i64 = 1_000_000_000;
/// Decimal places of an exchange rate.
pub const EXCHANGE_RATE_DECIMALS: u32 = 10;
/// Decimal places of a fee or indirect support cost rate (a fraction from 0 up to 1).
pub const RATE_DECIMALS: u32 = 6;

// ---------------------------------------------------------------------------------------------
// Indicator values

/// Baselines, targets and reported values of results indicators are at most
/// 999,999,999,999,999.999999 in absolute value: 15 integer digits and 6 decimals. Progress,
/// (value − baseline) ÷ (target − baseline), is then always representable (at most about
/// 2 × 10^21, far inside rust_decimal's 7.9 × 10^28).
pub const INDICATOR_INTEGER_DIGITS: u32 = 15;
pub const INDICATOR_DECIMALS: u32 = 6;

/// The most periods an indicator has targets for (`setIndicatorTargets`): a programme of up to
/// five years, quarter by quarter.
pub const MAX_TARGET_PERIODS: usize = 20;

/// Checks a baseline, target or reported value of a results indicator.
pub fn indicator_value(value: Decimal, field: &str) -> Result<Decimal, UserError> {
    let value = value.normalize();
    if value.scale() > INDICATOR_DECIMALS {
        return Err(UserError::validation(
            field,
            format!("an indicator value has at most {INDICATOR_DECIMALS} decimal places"),
        ));
    }
    let limit = Decimal::from(10i64.pow(INDICATOR_INTEGER_DIGITS));
    if value.abs() >= limit {
        return Err(UserError::validation(
            field,
            format!(
                "an indicator value has at most {INDICATOR_INTEGER_DIGITS} digits before the decimal point"
            ),
        ));
    }
    Ok(value)
}

// ---------------------------------------------------------------------------------------------
// Dates

/// Every date a caller gives (and every date-time of a filter) lies in these years: the fund
/// was established in 2019, and nothing it records is older than 2000 or beyond 2100.
pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2100;

pub fn plausible_year(year: i32) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&year)
}

// ---------------------------------------------------------------------------------------------
// Free text

/// The kinds of free text a caller enters, each with its maximum length in characters
/// (Unicode scalar values), counted after surrounding white space is trimmed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Text {
    /// A contribution's reference (`DEU-2021-01`).
    Reference,
    /// A programme's or an indicator's code.
    Code,
    /// An indicator's unit (`persons`, `%`).
    Unit,
    /// A donor's or a user's name.
    Name,
    /// Titles of concept notes, programmes and meetings.
    Title,
    /// Why a contribution is cancelled, a note withdrawn, a programme's status changed.
    Reason,
    /// Remarks on a donor, a contribution or a reported value.
    Note,
    /// An indicator's statement.
    Statement,
    /// A concept note's summary.
    Summary,
    /// A technical review's comments.
    Comments,
    /// A decision's rationale.
    Rationale,
    /// Why a programme asks the steering committee for an extension, a revision or a tranche.
    Justification,
    /// "Part of the name" in a list's filter.
    Search,
}

impl Text {
    pub const fn max_chars(self) -> usize {
        match self {
            Text::Reference => 60,
            Text::Code => 40,
            Text::Unit => 100,
            Text::Search => 100,
            Text::Name => 200,
            Text::Title => 300,
            Text::Reason | Text::Note | Text::Statement => 2_000,
            Text::Summary | Text::Comments | Text::Rationale | Text::Justification => 10_000,
        }
    }

    /// A required text: trimmed, not empty, and within its maximum.
    pub fn required(self, value: &str, field: &str) -> Result<String, UserError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(UserError::validation(field, "this field cannot be empty"));
        }
        self.bounded(value, field)
    }

    /// An optional text: trimmed, and nothing when empty.
    pub fn optional(self, value: Option<&str>, field: &str) -> Result<Option<String>, UserError> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            Some(value) => self.bounded(value, field).map(Some),
            None => Ok(None),
        }
    }

    fn bounded(self, value: &str, field: &str) -> Result<String, UserError> {
        let max = self.max_chars();
        if value.chars().count() > max {
            return Err(UserError::validation(
                field,
                format!("at most {max} characters"),
            ));
        }
        Ok(value.to_owned())
    }
}

/// No single string of a request may be longer than this, whatever the input: a catch-all for
/// inputs without a [`Text`] kind of their own (the largest kind is 10,000 characters).
pub const MAX_ANY_TEXT_CHARS: usize = 20_000;

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn indicator_values_have_fifteen_digits_and_six_decimals() {
        assert!(indicator_value(dec("999999999999999.999999"), "value").is_ok());
        assert!(indicator_value(dec("-999999999999999.999999"), "value").is_ok());
        assert!(indicator_value(dec("1000000000000000"), "value").is_err());
        assert!(indicator_value(dec("0.0000001"), "value").is_err());
        assert!(indicator_value(dec("0.0000000000000000000000000001"), "value").is_err());
        assert!(indicator_value(dec("79228162514264337593543950335"), "value").is_err());
        assert_eq!(
            indicator_value(dec("1.5000000"), "value").unwrap(),
            dec("1.5")
        );
    }

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(Text::Code.required("  A1 ", "code").unwrap(), "A1");
        assert!(Text::Code.required("   ", "code").is_err());
        assert!(Text::Code.required(&"x".repeat(41), "code").is_err());
        assert!(Text::Code.required(&"é".repeat(40), "code").is_ok());
        assert_eq!(Text::Note.optional(Some("  "), "note").unwrap(), None);
        assert!(Text::Note
            .optional(Some(&"x".repeat(2001)), "note")
            .is_err());
    }

    #[test]
    fn fund_totals_leave_room_in_i64() {
        // Four hundred totals, each overshot by a hundred concurrent commands, still fit.
        let worst = MAX_FUND_TOTAL_MINOR + 100 * MAX_AMOUNT_MINOR;
        assert!(worst.checked_mul(400).is_some());
    }
}
