//! GraphQL object types, each a thin wrapper over a stored row.

pub mod audit;
pub mod booked;
pub mod calls;
pub mod documents;
pub mod donors;
pub mod governance;
pub mod ledger;
pub mod notes;
pub mod portfolio;
pub mod programmes;
pub mod rates;
pub mod reference;
pub mod reporting;
pub mod requests;
pub mod results;
pub mod revisions;
pub mod users;

pub use audit::AuditEvent;
pub use booked::BookedEntry;
pub use calls::{Call, GovernmentEndorsement, NationalPartner};
pub use documents::Document;
pub use donors::{Contribution, Deposit, Donor};
pub use governance::{Decision, SteeringCommitteeMeeting};
pub use ledger::LedgerEntry;
pub use notes::{ConceptNote, ConceptNoteReview};
pub use programmes::{
    BudgetLine, ExpenditureReport, IndicatorMeasurement, JointProgramme, ResultsIndicator, Transfer,
};
pub use rates::ExchangeRate;
pub use reference::{Country, GcmObjective, GuidingPrinciple, Organization, ThematicArea};
pub use reporting::{NarrativeReport, ReportDue};
pub use requests::ProgrammeRequest;
pub use results::{CategoryValue, IndicatorDimension, IndicatorRevision, IndicatorTarget};
pub use revisions::{BudgetRevision, RevisedBudgetLine};
pub use users::User;

use super::scalars::{CurrencyCode, Decimal};
use async_graphql::SimpleObject;

/// An amount in a currency, exact: `{ amount: "1250000.00", currency: "EUR" }`.
#[derive(SimpleObject, Clone, Debug)]
pub struct Money {
    /// The amount, with as many decimals as the currency has (two for EUR and USD, none for JPY).
    pub amount: Decimal,
    /// The ISO 4217 currency code.
    pub currency: CurrencyCode,
}

impl Money {
    pub fn new(amount: rust_decimal::Decimal, currency: &str) -> Self {
        Self {
            amount: Decimal(amount),
            currency: CurrencyCode(currency.to_owned()),
        }
    }
}

/// The gender, human-rights and child-sensitivity markers, each 0 (not targeted) to 3 (principal
/// objective).
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct Markers {
    /// The gender marker, 0 to 3.
    pub gender: i32,
    /// The fund's human-rights marker, 0 to 3.
    pub human_rights: i32,
    /// The child-sensitivity marker (since 2023), 0 to 3.
    pub child_sensitivity: i32,
}

/// Cents as a USD `Decimal`.
pub fn usd(cents: i64) -> Decimal {
    crate::domain::Usd::from_cents(cents).into()
}
