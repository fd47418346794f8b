//! The fund's tables as sea-orm entities.

pub mod app_user;
pub mod audit_event;
pub mod budget_line;
pub mod capitalization_target;
pub mod concept_note;
pub mod concept_note_country;
pub mod concept_note_objective;
pub mod concept_note_organization;
pub mod concept_note_principle;
pub mod concept_note_review;
pub mod contribution;
pub mod country;
pub mod decision;
pub mod deposit;
pub mod donor;
pub mod expenditure_report;
pub mod fund_ledger;
pub mod gcm_objective;
pub mod guiding_principle;
pub mod idempotency_key;
pub mod indicator_measurement;
pub mod joint_programme;
pub mod ledger_entry;
pub mod organization;
pub mod portfolio_event;
pub mod results_indicator;
pub mod steering_committee_meeting;
pub mod thematic_area;
pub mod thematic_area_objective;
pub mod transfer;

/// Each table's `Entity`, named after the table.
pub mod prelude {
    pub use super::app_user::Entity as AppUser;
    pub use super::audit_event::Entity as AuditEvent;
    pub use super::budget_line::Entity as BudgetLine;
    pub use super::capitalization_target::Entity as CapitalizationTarget;
    pub use super::concept_note::Entity as ConceptNote;
    pub use super::concept_note_country::Entity as ConceptNoteCountry;
    pub use super::concept_note_objective::Entity as ConceptNoteObjective;
    pub use super::concept_note_organization::Entity as ConceptNoteOrganization;
    pub use super::concept_note_principle::Entity as ConceptNotePrinciple;
    pub use super::concept_note_review::Entity as ConceptNoteReview;
    pub use super::contribution::Entity as Contribution;
    pub use super::country::Entity as Country;
    pub use super::decision::Entity as Decision;
    pub use super::deposit::Entity as Deposit;
    pub use super::donor::Entity as Donor;
    pub use super::expenditure_report::Entity as ExpenditureReport;
    pub use super::fund_ledger::Entity as FundLedger;
    pub use super::gcm_objective::Entity as GcmObjective;
    pub use super::guiding_principle::Entity as GuidingPrinciple;
    pub use super::idempotency_key::Entity as IdempotencyKey;
    pub use super::indicator_measurement::Entity as IndicatorMeasurement;
    pub use super::joint_programme::Entity as JointProgramme;
    pub use super::ledger_entry::Entity as LedgerEntry;
    pub use super::organization::Entity as Organization;
    pub use super::portfolio_event::Entity as PortfolioEvent;
    pub use super::results_indicator::Entity as ResultsIndicator;
    pub use super::steering_committee_meeting::Entity as SteeringCommitteeMeeting;
    pub use super::thematic_area::Entity as ThematicArea;
    pub use super::thematic_area_objective::Entity as ThematicAreaObjective;
    pub use super::transfer::Entity as Transfer;
}
