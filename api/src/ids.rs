//! Opaque global identifiers: `base64url("Kind:number")`, so that any object can be fetched by
//! `node(id:)` and callers never build on our row numbers.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The kinds of object the API identifies. The name is part of the encoded id: never rename one.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    ThematicArea,
    GcmObjective,
    GuidingPrinciple,
    Country,
    Organization,
    Donor,
    Contribution,
    Deposit,
    ConceptNote,
    ConceptNoteReview,
    SteeringCommitteeMeeting,
    Decision,
    JointProgramme,
    BudgetLine,
    Transfer,
    ExpenditureReport,
    ResultsIndicator,
    IndicatorMeasurement,
    AuditEvent,
    User,
    LedgerEntry,
    ExchangeRate,
    NarrativeReport,
    Document,
    Call,
    ProgrammeRequest,
}

impl Kind {
    pub const ALL: [Kind; 26] = [
        Kind::ThematicArea,
        Kind::GcmObjective,
        Kind::GuidingPrinciple,
        Kind::Country,
        Kind::Organization,
        Kind::Donor,
        Kind::Contribution,
        Kind::Deposit,
        Kind::ConceptNote,
        Kind::ConceptNoteReview,
        Kind::SteeringCommitteeMeeting,
        Kind::Decision,
        Kind::JointProgramme,
        Kind::BudgetLine,
        Kind::Transfer,
        Kind::ExpenditureReport,
        Kind::ResultsIndicator,
        Kind::IndicatorMeasurement,
        Kind::AuditEvent,
        Kind::User,
        Kind::LedgerEntry,
        Kind::ExchangeRate,
        Kind::NarrativeReport,
        Kind::Document,
        Kind::Call,
        Kind::ProgrammeRequest,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::ThematicArea => "ThematicArea",
            Kind::GcmObjective => "GcmObjective",
            Kind::GuidingPrinciple => "GuidingPrinciple",
            Kind::Country => "Country",
            Kind::Organization => "Organization",
            Kind::Donor => "Donor",
            Kind::Contribution => "Contribution",
            Kind::Deposit => "Deposit",
            Kind::ConceptNote => "ConceptNote",
            Kind::ConceptNoteReview => "ConceptNoteReview",
            Kind::SteeringCommitteeMeeting => "SteeringCommitteeMeeting",
            Kind::Decision => "Decision",
            Kind::JointProgramme => "JointProgramme",
            Kind::BudgetLine => "BudgetLine",
            Kind::Transfer => "Transfer",
            Kind::ExpenditureReport => "ExpenditureReport",
            Kind::ResultsIndicator => "ResultsIndicator",
            Kind::IndicatorMeasurement => "IndicatorMeasurement",
            Kind::AuditEvent => "AuditEvent",
            Kind::User => "User",
            Kind::LedgerEntry => "LedgerEntry",
            Kind::ExchangeRate => "ExchangeRate",
            Kind::NarrativeReport => "NarrativeReport",
            Kind::Document => "Document",
            Kind::Call => "Call",
            Kind::ProgrammeRequest => "ProgrammeRequest",
        }
    }

    fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Encodes a numeric row id.
pub fn encode(kind: Kind, id: i64) -> String {
    encode_key(kind, &id.to_string())
}

/// Encodes a textual key (countries are keyed by their ISO code).
pub fn encode_key(kind: Kind, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{key}", kind.name()))
}

/// Decodes any global id into its kind and key.
pub fn decode_any(id: &str) -> Option<(Kind, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim_end_matches('=')).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, key) = text.split_once(':')?;
    Some((Kind::from_name(kind)?, key.to_owned()))
}

/// Decodes a global id that must be of `kind` and numeric.
pub fn decode(kind: Kind, id: &str) -> Option<i64> {
    match decode_any(id)? {
        (k, key) if k == kind => key.parse().ok().filter(|n: &i64| *n > 0),
        _ => None,
    }
}

/// The name portfolio events' ids carry. Events are not nodes (nothing fetches one by id); their
/// id is where a subscriber that reconnects resumes (`portfolioEvents(after:)`).
const EVENT: &str = "PortfolioEvent";

/// Encodes the id of a portfolio event (its row in the outbox).
pub fn encode_event(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{EVENT}:{id}"))
}

/// Decodes the id of a portfolio event.
pub fn decode_event(id: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(id.trim_end_matches('=')).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    match text.split_once(':')? {
        (EVENT, key) => key.parse().ok().filter(|n: &i64| *n > 0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_kind() {
        let id = encode(Kind::Donor, 42);
        assert_eq!(decode(Kind::Donor, &id), Some(42));
        assert_eq!(decode(Kind::Contribution, &id), None);
        assert_eq!(decode(Kind::Donor, "not an id"), None);
        assert_eq!(
            decode_any(&encode_key(Kind::Country, "CHE")),
            Some((Kind::Country, "CHE".into()))
        );
    }

    #[test]
    fn event_ids_round_trip_and_are_not_node_ids() {
        assert_eq!(decode_event(&encode_event(7)), Some(7));
        assert_eq!(decode_event(&encode(Kind::Donor, 7)), None);
        assert_eq!(decode_any(&encode_event(7)), None);
        assert_eq!(decode_event("bm90IGFuIGlk"), None);
    }
}
