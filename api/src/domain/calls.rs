//! A call for concept notes and what it admits (docs/calls.md): its window, the thematic areas
//! and scopes it invites, and the most one note may request. No SQL here: the command reads
//! the call and asks these rules.

use super::{CallStatus, Scope, Usd, UserError, UserErrorCode};
use chrono::NaiveDate;

/// What a call invites, as the command that takes a note reads it.
#[derive(Clone, Debug)]
pub struct CallTerms {
    pub reference: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub thematic_area_ids: Vec<i64>,
    pub scopes: Vec<Scope>,
    pub max_budget: Option<Usd>,
}

/// A note as the call sees it.
#[derive(Clone, Copy, Debug)]
pub struct Answer {
    pub submitted_on: NaiveDate,
    pub scope: Scope,
    pub thematic_area_id: i64,
    pub requested: Usd,
}

/// Where a call with this window stands on `today`: upcoming before it opens, open from its
/// opening day to its closing day (both included), closed after.
pub fn status(opens_on: NaiveDate, closes_on: NaiveDate, today: NaiveDate) -> CallStatus {
    if today < opens_on {
        CallStatus::Upcoming
    } else if today <= closes_on {
        CallStatus::Open
    } else {
        CallStatus::Closed
    }
}

impl CallTerms {
    /// Whether the call takes `note`: submitted within its window (`INVALID_TRANSITION` on
    /// `call` otherwise: the call was not open then), in a scope and a thematic area it invites,
    /// and within its ceiling per note (`VALIDATION` on the field that does not fit).
    pub fn admits(&self, note: Answer) -> Result<(), UserError> {
        if status(self.opens_on, self.closes_on, note.submitted_on) != CallStatus::Open {
            let message = format!(
                "the call {} takes concept notes from {} to {}; this one is dated {}",
                self.reference, self.opens_on, self.closes_on, note.submitted_on
            );
            return Err(UserError::new(
                UserErrorCode::InvalidTransition,
                &["call"],
                message,
            ));
        }
        if !self.scopes.contains(&note.scope) {
            let invited: Vec<&str> = self.scopes.iter().map(|s| s.as_str()).collect();
            let message = format!(
                "the call {} invites {} concept notes, not {}",
                self.reference,
                invited.join(" or "),
                note.scope
            );
            return Err(UserError::validation("scope", message));
        }
        if !self.thematic_area_ids.contains(&note.thematic_area_id) {
            let message = format!(
                "the call {} does not invite concept notes in this thematic area",
                self.reference
            );
            return Err(UserError::validation("thematicArea", message));
        }
        if let Some(ceiling) = self.max_budget {
            if note.requested > ceiling {
                let message = format!(
                    "the call {} takes concept notes requesting at most {ceiling}",
                    self.reference
                );
                return Err(UserError::new(
                    UserErrorCode::BudgetExceeded,
                    &["requestedBudgetUsd"],
                    message,
                ));
            }
        }
        Ok(())
    }
}

/// The countries of `covered` whose government has not endorsed the note (in `endorsed`), in
/// their order: a note is ready for implementation only when there are none.
pub fn missing_endorsements(covered: &[String], endorsed: &[String]) -> Vec<String> {
    covered
        .iter()
        .filter(|country| !endorsed.contains(country))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, m, d).unwrap()
    }

    fn field(name: &str) -> Vec<String> {
        vec!["input".to_owned(), name.to_owned()]
    }

    fn call() -> CallTerms {
        CallTerms {
            reference: "MPTF-CALL-2020-02".into(),
            opens_on: day(4, 1),
            closes_on: day(4, 30),
            thematic_area_ids: vec![1, 4],
            scopes: vec![Scope::National, Scope::Regional],
            max_budget: Some(Usd::from_cents(300_000_000)),
        }
    }

    fn answer(submitted_on: NaiveDate) -> Answer {
        Answer {
            submitted_on,
            scope: Scope::National,
            thematic_area_id: 4,
            requested: Usd::from_cents(300_000_000),
        }
    }

    #[test]
    fn a_call_is_open_from_its_first_day_to_its_last() {
        assert_eq!(
            status(day(4, 1), day(4, 30), day(3, 31)),
            CallStatus::Upcoming
        );
        assert_eq!(status(day(4, 1), day(4, 30), day(4, 1)), CallStatus::Open);
        assert_eq!(status(day(4, 1), day(4, 30), day(4, 30)), CallStatus::Open);
        assert_eq!(status(day(4, 1), day(4, 30), day(5, 1)), CallStatus::Closed);
    }

    #[test]
    fn a_call_takes_what_it_invites_and_names_what_does_not_fit() {
        assert!(call().admits(answer(day(4, 30))).is_ok());
        let late = call().admits(answer(day(5, 1))).unwrap_err();
        assert_eq!(
            (late.code, late.field),
            (UserErrorCode::InvalidTransition, field("call"))
        );
        let early = call().admits(answer(day(3, 31))).unwrap_err();
        assert_eq!(early.code, UserErrorCode::InvalidTransition);
        let global = call()
            .admits(Answer {
                scope: Scope::Global,
                ..answer(day(4, 2))
            })
            .unwrap_err();
        assert_eq!(global.field, field("scope"));
        let area = call()
            .admits(Answer {
                thematic_area_id: 2,
                ..answer(day(4, 2))
            })
            .unwrap_err();
        assert_eq!(area.field, field("thematicArea"));
        let dear = call()
            .admits(Answer {
                requested: Usd::from_cents(300_000_001),
                ..answer(day(4, 2))
            })
            .unwrap_err();
        assert_eq!(
            (dear.code, dear.field),
            (UserErrorCode::BudgetExceeded, field("requestedBudgetUsd"))
        );
    }
}
