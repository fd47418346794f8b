//! Results: how far an indicator has come from its baseline towards its target.

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

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

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
