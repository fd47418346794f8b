//! Results: how far an indicator has come from its baseline towards its target, and the rules of
//! its disaggregation and its periods (see docs/results.md).

use super::vocabulary::{DisaggregationCategory, DisaggregationDimension, UnknownStoredValue};
use super::{UserError, UserErrorCode};
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

/// Every ratio the API serves (delivery, shares, progress) has exactly this many decimals, so
/// "0.3000" is never "0.30" or "0.3" elsewhere; half-even where a fifth decimal is cut.
pub const RATIO_DECIMALS: u32 = 4;

/// Rounds half-even to [`RATIO_DECIMALS`] and pads to that scale.
fn to_ratio_scale(value: Decimal) -> Decimal {
    let mut rounded =
        value.round_dp_with_strategy(RATIO_DECIMALS, RoundingStrategy::MidpointNearestEven);
    rounded.rescale(RATIO_DECIMALS);
    rounded
}

/// (latest − baseline) ÷ (target − baseline), half-even to four decimals; `None` where it is
/// undefined (target equal to baseline) or not representable. Inputs are bounded when entered
/// (see `bounds::indicator_value`), but this never panics whatever the stored values.
pub fn progress(baseline: Decimal, target: Decimal, latest: Decimal) -> Option<Decimal> {
    let span = target.checked_sub(baseline)?;
    let done = latest.checked_sub(baseline)?;
    let ratio = done.checked_div(span)?;
    Some(to_ratio_scale(ratio))
}

/// `part ÷ whole` half-even to four decimals, or `None` when `whole` is zero.
pub fn ratio(part: i64, whole: i64) -> Option<Decimal> {
    Decimal::from(part)
        .checked_div(Decimal::from(whole))
        .map(to_ratio_scale)
}

/// An indicator's dimensions as stored: their names, comma-separated, in the vocabulary's order,
/// each once; empty when it is not disaggregated.
pub fn dimensions_to_stored(dimensions: &[DisaggregationDimension]) -> String {
    DisaggregationDimension::ALL
        .iter()
        .filter(|d| dimensions.contains(d))
        .map(|d| d.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads an indicator's stored dimensions.
pub fn dimensions_from_stored(
    text: &str,
) -> Result<Vec<DisaggregationDimension>, UnknownStoredValue> {
    text.split(',')
        .filter(|name| !name.is_empty())
        .map(DisaggregationDimension::from_stored)
        .collect()
}

/// Checks a report's values per category against the indicator's dimensions: none for an
/// indicator that is not disaggregated; otherwise each category of each of its dimensions once
/// (0 where none), no category of another dimension, and where a dimension is exhaustive its
/// categories adding up to the total. Fields are paths under the input's `breakdown`.
pub fn check_breakdown(
    dimensions: &[DisaggregationDimension],
    total: Decimal,
    given: &[(DisaggregationCategory, Decimal)],
) -> Result<(), UserError> {
    if dimensions.is_empty() {
        if given.is_empty() {
            return Ok(());
        }
        return Err(UserError::validation(
            "breakdown",
            "the indicator is not disaggregated: report its total only, with no breakdown",
        ));
    }
    let names = dimensions
        .iter()
        .map(|d| d.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    for (index, (category, _)) in given.iter().enumerate() {
        let position = index.to_string();
        let dimension = category.dimension();
        if !dimensions.contains(&dimension) {
            let message = format!(
                "the indicator is disaggregated by {names}: {category} is a category of {dimension}, which it does not ask for"
            );
            return Err(UserError::new(
                UserErrorCode::Validation,
                &["breakdown", &position, "category"],
                message,
            ));
        }
        if given[..index]
            .iter()
            .any(|(earlier, _)| earlier == category)
        {
            return Err(UserError::new(
                UserErrorCode::Duplicate,
                &["breakdown", &position, "category"],
                format!("{category} is given twice: one value per category"),
            ));
        }
    }
    for dimension in dimensions {
        let mut sum = Decimal::ZERO;
        for category in dimension.categories() {
            let value = given.iter().find(|(c, _)| c == category).map(|(_, v)| *v);
            let Some(value) = value else {
                let message = format!(
                    "the breakdown gives no value for {category}: give every category of {dimension} ({}), 0 where none",
                    dimension.categories().iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
                );
                return Err(UserError::validation("breakdown", message));
            };
            // Each value is bounded (15 digits): a handful of them always fits.
            sum += value;
        }
        if dimension.exhaustive() && sum != total {
            let message = format!(
                "the {dimension} categories add up to {}, not to the value {}: they count the same people",
                sum.normalize(),
                total.normalize()
            );
            return Err(UserError::validation("breakdown", message));
        }
    }
    Ok(())
}

/// Whether the period `inner` lies within the period `outer` (both inclusive).
pub fn within(inner: (NaiveDate, NaiveDate), outer: (NaiveDate, NaiveDate)) -> bool {
    outer.0 <= inner.0 && inner.1 <= outer.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn a_breakdown_gives_every_category_once_and_adds_up_where_exhaustive() {
        use DisaggregationCategory::*;
        use DisaggregationDimension::*;
        let by_sex = [Sex];
        assert!(check_breakdown(&[], dec("10"), &[]).is_ok());
        assert!(check_breakdown(&[], dec("10"), &[(Female, dec("10"))]).is_err());
        let full = [(Female, dec("6")), (Male, dec("4")), (Other, dec("0"))];
        assert!(check_breakdown(&by_sex, dec("10"), &full).is_ok());
        let short = check_breakdown(&by_sex, dec("10"), &full[..2]).unwrap_err();
        assert_eq!(short.field, ["input", "breakdown"]);
        assert!(short.message.contains("OTHER"), "{}", short.message);
        let invented = [
            (Female, dec("6")),
            (Male, dec("4")),
            (Other, dec("0")),
            (Migrant, dec("1")),
        ];
        let invented = check_breakdown(&by_sex, dec("10"), &invented).unwrap_err();
        assert_eq!(invented.field, ["input", "breakdown", "3", "category"]);
        let twice = [(Female, dec("6")), (Female, dec("4"))];
        assert_eq!(
            check_breakdown(&by_sex, dec("10"), &twice)
                .unwrap_err()
                .code,
            UserErrorCode::Duplicate
        );
        assert!(check_breakdown(&by_sex, dec("11"), &full).is_err());
        // Migratory status is not exhaustive: its categories need not add up.
        let status = [
            (Migrant, dec("3")),
            (Returnee, dec("2")),
            (Displaced, dec("0")),
            (HostCommunity, dec("1")),
        ];
        assert!(check_breakdown(&[MigratoryStatus], dec("10"), &status).is_ok());
        assert_eq!(
            dimensions_to_stored(&[MigratoryStatus, Sex]),
            "SEX,MIGRATORY_STATUS"
        );
        assert_eq!(
            dimensions_from_stored("SEX,MIGRATORY_STATUS").unwrap(),
            [Sex, MigratoryStatus]
        );
        assert!(dimensions_from_stored("").unwrap().is_empty());
        assert!(dimensions_from_stored("HEIGHT").is_err());
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn progress_is_checked_whatever_the_values() {
        assert_eq!(progress(dec("0"), dec("200"), dec("50")), Some(dec("0.25")));
        assert_eq!(progress(dec("5"), dec("5"), dec("7")), None);
        // The values of issue 11, stored before inputs were bounded: no panic, no figure.
        assert_eq!(
            progress(
                dec("0"),
                dec("0.0000000000000000000000000001"),
                dec("79228162514264337593543950335")
            ),
            None
        );
        assert_eq!(progress(Decimal::MIN, Decimal::MAX, Decimal::MAX), None);
        assert_eq!(progress(Decimal::MAX, Decimal::MIN, Decimal::MIN), None);
    }

    #[test]
    fn ratios_of_any_cents() {
        assert_eq!(ratio(1, 3), Some(dec("0.3333")));
        assert_eq!(ratio(5, 0), None);
        assert!(ratio(i64::MAX, 1).is_some());
        assert!(ratio(i64::MIN, -1).is_some());
    }

    #[test]
    fn every_ratio_has_four_decimals() {
        assert_eq!(ratio(3, 10).unwrap().to_string(), "0.3000");
        assert_eq!(ratio(1, 1).unwrap().to_string(), "1.0000");
        assert_eq!(
            progress(dec("0"), dec("200"), dec("50"))
                .unwrap()
                .to_string(),
            "0.2500"
        );
    }

    #[test]
    fn ratios_round_half_to_even() {
        // 0.00005 and 0.00015 lie halfway: half-up would give 0.0001 and 0.0002.
        assert_eq!(ratio(1, 20_000).unwrap().to_string(), "0.0000");
        assert_eq!(ratio(3, 20_000).unwrap().to_string(), "0.0002");
        assert_eq!(ratio(-1, 20_000).unwrap().to_string(), "0.0000");
        assert_eq!(
            progress(dec("0"), dec("20000"), dec("1"))
                .unwrap()
                .to_string(),
            "0.0000"
        );
    }
}
