//! Expenditure as the UN system reports it: amounts by the harmonized cost categories, the
//! indirect support costs their own line and capped, and when a figure may be interim or
//! certified (docs/reporting.md).

use super::{CostCategory, ExpenditureNature, Rate, Usd, UserError, UserErrorCode};
use rust_decimal::Decimal;

/// A figure by cost category, every category present (zero when not reported), in the
/// vocabulary's order.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ByCategory([Usd; 8]);

fn index(category: CostCategory) -> usize {
    CostCategory::ALL
        .iter()
        .position(|c| *c == category)
        .unwrap_or_default()
}

impl ByCategory {
    /// The figure from its stored amounts, in the vocabulary's order.
    pub fn from_cents(cents: [i64; 8]) -> Self {
        Self(cents.map(Usd::from_cents))
    }

    /// The caller's lines (`lines`, each `{category, amountUsd}`): at least one, each category
    /// at most once, each amount from 0 with at most two decimals. Also the position of the
    /// indirect support costs' line in the input, if given.
    pub fn parse(lines: &[(CostCategory, Decimal)]) -> Result<(Self, Option<usize>), UserError> {
        if lines.is_empty() {
            return Err(UserError::validation(
                "lines",
                "report the expenditure by cost category: at least one line",
            ));
        }
        let mut amounts = [None; 8];
        let mut support_at = None;
        for (position, (category, amount)) in lines.iter().enumerate() {
            let at = position.to_string();
            let usd = Usd::parse(*amount, "amountUsd")
                .map_err(|e| UserError::new(e.code, &["lines", &at, "amountUsd"], e.message))?;
            let slot = &mut amounts[index(*category)];
            if slot.is_some() {
                return Err(UserError::new(
                    UserErrorCode::Duplicate,
                    &["lines", &at, "category"],
                    format!("{category} is given twice: one line per cost category"),
                ));
            }
            *slot = Some(usd);
            if *category == CostCategory::IndirectSupportCosts {
                support_at = Some(position);
            }
        }
        Ok((Self(amounts.map(Option::unwrap_or_default)), support_at))
    }

    pub fn get(&self, category: CostCategory) -> Usd {
        self.0[index(category)]
    }

    /// Every category's amount, in the vocabulary's order.
    pub fn lines(&self) -> impl Iterator<Item = (CostCategory, Usd)> + '_ {
        CostCategory::ALL
            .iter()
            .copied()
            .zip(self.0.iter().copied())
    }

    pub fn cents(&self) -> [i64; 8] {
        self.0.map(Usd::cents)
    }

    /// The programmable expenditure: every category but the indirect support costs. `None` if
    /// it does not fit in cents.
    pub fn programmable(&self) -> Option<Usd> {
        Usd::checked_sum(
            self.lines()
                .filter(|(c, _)| *c != CostCategory::IndirectSupportCosts)
                .map(|(_, a)| a),
        )
    }

    /// The total: the exact sum of the lines.
    pub fn total(&self) -> Option<Usd> {
        Usd::checked_sum(self.0)
    }

    /// The most the indirect support costs may be: the budget line's rate times the programmable
    /// expenditure, rounded half-even to the cent as the budget line's own indirect support
    /// costs are.
    pub fn support_cap(&self, rate: Rate) -> Option<Usd> {
        self.programmable()?.times_rate(rate)
    }

    /// `BUDGET_EXCEEDED` on the indirect support costs' line (at `support_at` in the input) when
    /// they are above [`Self::support_cap`].
    pub fn check_support(&self, rate: Rate, support_at: Option<usize>) -> Result<(), UserError> {
        let support = self.get(CostCategory::IndirectSupportCosts);
        let cap = self.support_cap(rate);
        if cap.is_some_and(|cap| support <= cap) {
            return Ok(());
        }
        let at = support_at.unwrap_or_default().to_string();
        let cap = cap.map_or_else(|| "what the fund can record".to_owned(), |c| c.to_string());
        Err(UserError::new(
            UserErrorCode::BudgetExceeded,
            &["lines", &at, "amountUsd"],
            format!(
                "indirect support costs of {support} are more than the budget line's rate of {} times the programmable expenditure: at most {cap}",
                rate.value().normalize()
            ),
        ))
    }
}

/// `VALIDATION` on `year` unless it is from 2019 (the fund's first) to `this_year`.
pub fn check_year(year: i32, this_year: i32) -> Result<(), UserError> {
    if !(2019..=this_year).contains(&year) {
        let message = format!("expenditure is reported for a year from 2019 to {this_year}");
        return Err(UserError::validation("year", message));
    }
    Ok(())
}

/// Whether a figure of `nature` may be reported for `year` in `this_year`: an interim figure
/// for the current or a past year, a certified one for a year that has ended — or, the final
/// report, once the programme has ended (`programme_ended`). `VALIDATION` on the field at
/// fault otherwise.
pub fn check_reportable(
    nature: ExpenditureNature,
    year: i32,
    this_year: i32,
    is_final: bool,
    programme_ended: bool,
) -> Result<(), UserError> {
    check_year(year, this_year)?;
    match nature {
        ExpenditureNature::Interim if is_final => Err(UserError::validation(
            "final",
            "the final report is certified expenditure: report it with nature CERTIFIED",
        )),
        ExpenditureNature::Certified if year == this_year && !(is_final && programme_ended) => {
            Err(UserError::validation(
                "nature",
                format!("{year} has not ended: its expenditure is certified once it has (report an INTERIM figure until then)"),
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn the_total_is_the_exact_sum_and_support_costs_are_capped_half_even() {
        let (figure, at) = ByCategory::parse(&[
            (CostCategory::Travel, d("100.05")),
            (CostCategory::StaffAndPersonnel, d("0.10")),
            (CostCategory::IndirectSupportCosts, d("7.01")),
        ])
        .unwrap();
        assert_eq!(at, Some(2));
        assert_eq!(figure.total(), Some(Usd::from_cents(10_716)));
        assert_eq!(figure.programmable(), Some(Usd::from_cents(10_015)));
        // 10015 × 0.07 = 701.05 cents, rounded to 701.
        let rate = Rate::DEFAULT_INDIRECT_SUPPORT_COST;
        assert_eq!(figure.support_cap(rate), Some(Usd::from_cents(701)));
        assert!(figure.check_support(rate, at).is_ok());
        let (over, at) = ByCategory::parse(&[
            (CostCategory::Travel, d("100.15")),
            (CostCategory::IndirectSupportCosts, d("7.02")),
        ])
        .unwrap();
        // 10015 × 0.07 again → 701 cents; 702 is one cent over.
        let refused = over.check_support(rate, at).unwrap_err();
        assert_eq!(refused.code, UserErrorCode::BudgetExceeded);
        assert_eq!(refused.field, ["input", "lines", "1", "amountUsd"]);
        // A tie goes to the even cent: 150 × 0.07 = 10.5 cents, at most 10 (not 11).
        let (tie, at) = ByCategory::parse(&[
            (CostCategory::Travel, d("1.50")),
            (CostCategory::IndirectSupportCosts, d("0.11")),
        ])
        .unwrap();
        assert_eq!(tie.support_cap(rate), Some(Usd::from_cents(10)));
        assert!(tie.check_support(rate, at).is_err());
    }

    #[test]
    fn a_category_is_given_once_and_at_least_one_line() {
        assert!(ByCategory::parse(&[]).is_err());
        let twice = ByCategory::parse(&[
            (CostCategory::Travel, d("1")),
            (CostCategory::Travel, d("2")),
        ])
        .unwrap_err();
        assert_eq!(twice.code, UserErrorCode::Duplicate);
    }

    #[test]
    fn certified_figures_wait_for_the_year_to_end() {
        use ExpenditureNature::*;
        assert!(check_reportable(Interim, 2026, 2026, false, false).is_ok());
        assert!(check_reportable(Certified, 2025, 2026, false, false).is_ok());
        assert!(check_reportable(Certified, 2026, 2026, false, false).is_err());
        assert!(check_reportable(Certified, 2026, 2026, true, true).is_ok());
        assert!(check_reportable(Interim, 2025, 2026, true, false).is_err());
        assert!(check_reportable(Interim, 2018, 2026, false, false).is_err());
    }
}
