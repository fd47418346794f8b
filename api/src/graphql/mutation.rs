//! The mutation root: every command of the contract, `verbNoun(input:) → VerbNounPayload` with
//! `userErrors` for the failures a caller can fix. Nothing changes when any is returned.

use super::errors::{payload, to_graphql};
use super::loaders::DecisionById;
use super::scalars::{CountryCode, CurrencyCode, Date, DateTime, Decimal};
use super::types::reference::organization_by_id;
use super::types::users::Viewer;
use super::types::*;
use super::{loaded, ContextExt};
use crate::auth::throttle::ClientAddress;
use crate::auth::{LoginThrottle, Tokens};
use crate::domain::{
    CostCategory, DecisionKind, DirectCostKind, DisaggregationCategory, DisaggregationDimension,
    DocumentKind, DonorKind, Earmarking, ExpenditureNature, IndicatorLevel, InterestSource,
    MeetingKind, PartnerKind, ProgrammeStatus, RequestKind, RequestOutcome, ReviewOutcome, Role,
    Scope, UserError, UserErrorCode,
};
use crate::ids::{self, Kind};
use crate::service::commands::books::{
    self, NewDirectCost, NewInterest, NewOtherIncome, NewRefund,
};
use crate::service::commands::catalogue;
use crate::service::commands::contributions::{
    self as contributions, Amendment, DonorChanges, NewContribution, NewDeposit, NewDonor,
};
use crate::service::commands::documents::{self as documents, NewDocument};
use crate::service::commands::expenditure::{
    self as expenditure, ExpenditureCorrection, NewExpenditure,
};
use crate::service::commands::governance::{self as governance, DecisionSubject, NewDecision};
use crate::service::commands::notes::{self as notes, NewConceptNote};
use crate::service::commands::programmes::{
    self as programmes, NewBudgetLine, NewJointProgramme, NewTransfer,
};
use crate::service::commands::rates::{self as rates, NewExchangeRate};
use crate::service::commands::requests::{self as requests, NewProgrammeRequest, RequestAnswer};
use crate::service::commands::results::{
    self as results, IndicatorChanges, NewIndicator, NewReport, NewTarget,
};
use crate::service::commands::revisions::{self as revisions, NewRevision};
use crate::service::commands::users::{self as users, NewUser};
use crate::service::users::LoginOutcome;
use crate::service::ServiceError;
use async_graphql::{
    Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, Upload, ID,
};

#[derive(Default)]
pub struct Mutation;

/// Decodes an id from an input, answering `NOT_FOUND` on its field when it names nothing of
/// the right kind.
fn id_of(id: &ID, kind: Kind, field: &str) -> Result<i64, ServiceError> {
    ids::decode(kind, id).ok_or_else(|| {
        UserError::new(
            UserErrorCode::NotFound,
            &[field],
            format!("this is not the id of a {}", kind.name()),
        )
        .into()
    })
}

fn ids_of(ids: &[ID], kind: Kind, field: &str) -> Result<Vec<i64>, ServiceError> {
    ids.iter().map(|id| id_of(id, kind, field)).collect()
}

/// An amount in a currency, as a caller gives it.
#[derive(InputObject)]
pub struct MoneyInput {
    /// Greater than 0 and at most 1000000000000.00 in the currency (at most 100000000000000
    /// minor units: JPY 100000000000000, KWD 100000000000.000), with no more decimal places than
    /// the currency has; and worth at least USD 0.01 and at most USD 1000000000000.00 at the
    /// rate given with it.
    pub amount: Decimal,
    /// An ISO 4217 currency code with minor units (e.g. `EUR`); the amount may have no more
    /// decimals than it has (two for EUR, none for JPY, three for KWD).
    pub currency: CurrencyCode,
}

/// A proposal's markers, each an integer from 0 (not targeted) to 3 (principal objective).
#[derive(InputObject)]
pub struct MarkersInput {
    /// The gender marker, 0 to 3.
    pub gender: i32,
    /// The fund's human-rights marker, 0 to 3.
    pub human_rights: i32,
    /// The child-sensitivity marker, 0 to 3.
    pub child_sensitivity: i32,
}

/// An account's credentials.
#[derive(InputObject)]
pub struct LoginInput {
    /// The account's email address.
    pub email: String,
    /// The account's password.
    pub password: String,
}

/// What `login` answers: a token, or one refusal that reads the same whatever went wrong.
#[derive(SimpleObject)]
pub struct LoginPayload {
    /// A bearer token for the `Authorization` header (`Bearer <token>`) or the WebSocket
    /// `connection_init` payload; null when refused.
    pub token: Option<String>,
    /// When the token stops working (UTC): `MPTF_TOKEN_MINUTES` after issue, 15 minutes by default.
    pub expires_at: Option<DateTime>,
    /// Who the token speaks for: subject, role and ties.
    pub viewer: Option<Viewer>,
    /// One `VALIDATION` error, the same for an unknown address, a wrong password, an inactive
    /// account or a throttled source; empty on success.
    pub user_errors: Vec<UserError>,
}

/// A new account.
#[derive(InputObject)]
pub struct CreateUserInput {
    /// The address it signs in with; unique (`DUPLICATE` otherwise).
    pub email: String,
    /// The name shown for the account.
    pub display_name: String,
    /// The role its tokens will carry. ADMIN, STEERING_COMMITTEE and AUDITOR accounts wait for a
    /// second administrator's `activateUser`.
    pub role: Role,
    /// True for the steering committee's chair (STEERING_COMMITTEE only); false by default.
    #[graphql(default)]
    pub chair: bool,
    /// At least 12 characters; without one, the account can only use tokens issued for it.
    pub password: Option<String>,
    /// For a DONOR account: the donor it speaks for (required then, refused otherwise).
    pub donor: Option<ID>,
    /// For a PUNO account: the organization it speaks for (required then, refused otherwise).
    pub organization: Option<ID>,
}

/// What `createUser` answers: the account, or why not.
#[derive(SimpleObject)]
pub struct CreateUserPayload {
    /// The account created; null when refused.
    pub user: Option<User>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// The account to deactivate.
#[derive(InputObject)]
pub struct DeactivateUserInput {
    /// The account's global id.
    pub user: ID,
    /// The record's `version` as you read it; `STALE_VERSION` if it changed since.
    pub expected_version: i32,
}

/// The privileged account to activate.
#[derive(InputObject)]
pub struct ActivateUserInput {
    /// The account's global id.
    pub user: ID,
    /// When given, the account's current version (`STALE_VERSION` otherwise).
    pub expected_version: Option<i32>,
}

/// What `activateUser` answers: the account, or why not.
#[derive(SimpleObject)]
pub struct ActivateUserPayload {
    /// The account, now active; null when refused.
    pub user: Option<User>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// What `deactivateUser` answers: the account, or why not.
#[derive(SimpleObject)]
pub struct DeactivateUserPayload {
    /// The account, now inactive; null when refused.
    pub user: Option<User>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// A new donor.
#[derive(InputObject)]
pub struct CreateDonorInput {
    /// The donor's name, unique in the fund (`DUPLICATE` otherwise); at most 200 characters.
    pub name: String,
    /// What kind of entity the donor is.
    pub kind: DonorKind,
    /// The donor's country (ISO 3166-1 alpha-3), where it has one.
    pub country: Option<CountryCode>,
    /// Remarks on the record (e.g. that figures are illustrative); at most 2000 characters.
    pub note: Option<String>,
}

/// What `createDonor` and `updateDonor` answer: the donor, or why not.
#[derive(SimpleObject)]
pub struct DonorPayload {
    /// The donor as stored now; null when refused.
    pub donor: Option<Donor>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// Changes to a donor's record; a field left out stays as it is.
#[derive(InputObject)]
pub struct UpdateDonorInput {
    /// The donor's global id.
    pub id: ID,
    /// The record's `version` as you read it; `STALE_VERSION` if it changed since.
    pub expected_version: i32,
    /// A new name, unique in the fund; at most 200 characters.
    pub name: Option<String>,
    /// A new kind.
    pub kind: Option<DonorKind>,
    /// A new country; null clears it, leaving it out keeps it.
    pub country: MaybeUndefined<CountryCode>,
    /// A new note (at most 2000 characters); null clears it, leaving it out keeps it.
    pub note: MaybeUndefined<String>,
}

/// A donor's pledge or signed agreement.
#[derive(InputObject)]
pub struct RecordContributionInput {
    /// The donor's global id.
    pub donor: ID,
    /// The agreement's reference, unique in the fund (e.g. `DEU-2021-01`); at most 60 characters.
    pub reference: String,
    /// The amount pledged or agreed, in the agreement's currency.
    pub pledged: MoneyInput,
    /// Units of the pledge's currency per US dollar, to value it in USD; not needed for USD
    /// (and 1 if given). Greater than 0, at most 1000000000, at most ten decimal places.
    pub usd_exchange_rate: Option<Decimal>,
    /// The date the donor pledged; not in the future.
    pub pledged_on: Date,
    /// The date the agreement was signed (not in the future, nor before `pledgedOn`); without it
    /// the contribution is a pledge.
    pub signed_on: Option<Date>,
    /// Unearmarked, or soft-earmarked to a thematic area.
    pub earmarking: Earmarking,
    /// The thematic area, for `THEMATIC_AREA` earmarking only (`EARMARK_MISMATCH` if missing, or
    /// given for unearmarked money).
    pub earmarked_area: Option<ID>,
    /// Remarks on the contribution; at most 2000 characters.
    pub note: Option<String>,
    /// Chosen by the caller, 1 to 200 characters: a retry with the same key and input changes
    /// nothing.
    pub idempotency_key: String,
}

/// What `recordContribution`, `signContribution` and `cancelContribution` answer: the contribution,
/// or why not.
#[derive(SimpleObject)]
pub struct ContributionPayload {
    /// The contribution as stored now; null when refused.
    pub contribution: Option<Contribution>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// A pledge that became a signed agreement.
#[derive(InputObject)]
pub struct SignContributionInput {
    /// The pledge's global id (status `PLEDGED`).
    pub contribution: ID,
    /// The record's `version` as you read it; `STALE_VERSION` if it changed since.
    pub expected_version: i32,
    /// The date the agreement was signed: not in the future, nor before the pledge.
    pub signed_on: Date,
}

/// A contribution to cancel; only while nothing is deposited against it.
#[derive(InputObject)]
pub struct CancelContributionInput {
    /// The contribution's global id.
    pub contribution: ID,
    /// The record's `version` as you read it; `STALE_VERSION` if it changed since.
    pub expected_version: i32,
    /// Why it is cancelled (kept in its `note`); at most 2000 characters.
    pub reason: String,
}

/// Money the Administrative Agent received against a signed agreement.
#[derive(InputObject)]
pub struct RecordDepositInput {
    /// The agreement's global id: signed, not fully deposited, not cancelled.
    pub contribution: ID,
    /// The date the money was received (its value date); not in the future.
    pub received_on: Date,
    /// The amount received, in the agreement's currency (another currency is refused).
    pub amount: MoneyInput,
    /// Units of the currency per US dollar, as applied by the Administrative Agent: greater
    /// than 0, at most 1000000000, at most ten decimal places (1 for USD).
    pub exchange_rate: Decimal,
    /// Chosen by the caller, 1 to 200 characters, unique per request: a retry with the same key and
    /// the same input applies once and answers as the first time; the same key with a different
    /// input is `DUPLICATE`.
    pub idempotency_key: String,
}

/// What `recordDeposit` answers: the deposit with its USD value and fee, and the agreement it
/// updated.
#[derive(SimpleObject)]
pub struct RecordDepositPayload {
    /// The deposit recorded; null when refused.
    pub deposit: Option<Deposit>,
    /// The agreement, with its new status and outstanding amount; null when refused.
    pub contribution: Option<Contribution>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// A top-up or reduction of a signed agreement.
#[derive(InputObject)]
pub struct AmendContributionInput {
    /// The agreement's global id: signed, not cancelled.
    pub contribution: ID,
    /// The record's `version` as you read it; `STALE_VERSION` if it changed since.
    pub expected_version: i32,
    /// The agreement's new amount, in its own currency; not below what is already deposited.
    pub pledged: MoneyInput,
    /// The day the amendment was signed (today when left out): not in the future, nor before
    /// the agreement.
    pub signed_on: Option<Date>,
    /// Why it is amended (in the amendment entry's description); at most 2000 characters.
    pub reason: String,
}

/// A deposit recorded in error, to reverse.
#[derive(InputObject)]
pub struct ReverseDepositInput {
    /// The deposit's global id; not already reversed.
    pub deposit: ID,
    /// Why it is reversed (in the reversal entries' description and the audit); at most 2000
    /// characters.
    pub reason: String,
    /// Chosen by the caller, 1 to 200 characters, unique per request: a retry with the same key and
    /// the same input applies once and answers as the first time; the same key with a different
    /// input is `DUPLICATE`.
    pub idempotency_key: String,
}

/// What `reverseDeposit` answers: the deposit, now reversed, and the agreement it paid.
#[derive(SimpleObject)]
pub struct ReverseDepositPayload {
    /// The deposit, with `reversed` true; null when refused.
    pub deposit: Option<Deposit>,
    /// The agreement, with its deposited amount, status and outstanding amount after the
    /// reversal; null when refused.
    pub contribution: Option<Contribution>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// A concept note answering the fund's call.
#[derive(InputObject)]
pub struct SubmitConceptNoteInput {
    /// The proposed programme's title; at most 300 characters.
    pub title: String,
    /// The proposal in brief; at most 10000 characters.
    pub summary: String,
    /// National (exactly one country), regional (at least two) or global.
    pub scope: Scope,
    /// The countries covered, as ISO 3166-1 alpha-3 codes.
    pub countries: Vec<CountryCode>,
    /// The thematic area's global id.
    pub thematic_area: ID,
    /// The GCM objectives' global ids; at least one.
    pub objectives: Vec<ID>,
    /// The guiding principles' global ids; none by default.
    #[graphql(default)]
    pub guiding_principles: Vec<ID>,
    /// The convening organization's global id; a PUNO submits as its own organization.
    pub convening: ID,
    /// The other participating organizations (at least one).
    pub participating_organizations: Vec<ID>,
    /// The budget requested from the fund, in US dollars: greater than 0, at most 1000000000000.00,
    /// at most two decimal places.
    pub requested_budget_usd: Decimal,
    /// The proposed duration, 1 to 120 months.
    pub duration_months: i32,
    /// The proposal's gender, human-rights and child-sensitivity markers.
    pub markers: MarkersInput,
    /// The date submitted (not in the future); today by default. A note answering a call is
    /// dated within the call's window.
    pub submitted_on: Option<Date>,
    /// The call the note answers (its global id); none for the fund's direct intake. The note
    /// must meet the call's terms: its window (`INVALID_TRANSITION`), scopes, thematic areas
    /// (`VALIDATION`) and ceiling per note (`BUDGET_EXCEEDED`).
    pub call: Option<ID>,
    /// The national partners working with the organizations (civil society, local government,
    /// migrants' organizations…); at most 50, each name once (`DUPLICATE`); none by default.
    #[graphql(default)]
    pub national_partners: Vec<NationalPartnerInput>,
}

/// A national partner named with a concept note.
#[derive(InputObject)]
pub struct NationalPartnerInput {
    /// The partner's name; at most 200 characters.
    pub name: String,
    /// What kind of partner it is.
    pub kind: PartnerKind,
}

/// A call for concept notes, as the Fund Management Unit announces it.
#[derive(InputObject)]
pub struct AnnounceCallInput {
    /// The call's title; at most 300 characters.
    pub title: String,
    /// The first day the call takes concept notes.
    pub opens_on: Date,
    /// The last day it takes them; on or after `opensOn`.
    pub closes_on: Date,
    /// The indicative envelope in US dollars: greater than 0, at most 1000000000000.00, at most
    /// two decimal places.
    pub envelope_usd: Decimal,
    /// The thematic areas invited (global ids); at least one.
    pub thematic_areas: Vec<ID>,
    /// The scopes invited; at least one.
    pub scopes: Vec<Scope>,
    /// The most one note may request, in US dollars: greater than 0, at most the envelope, at
    /// most two decimal places; no ceiling when omitted.
    pub max_budget_usd: Option<Decimal>,
    /// The eligibility rules in the call's own words; at most 10000 characters.
    pub eligibility: String,
}

/// A later closing date for a call that has not closed.
#[derive(InputObject)]
pub struct ExtendCallInput {
    /// The call's global id.
    pub call: ID,
    /// The call's `version` as last read (`STALE_VERSION` if it changed since).
    pub expected_version: i32,
    /// The new last day; later than the current one.
    pub closes_on: Date,
}

/// What `announceCall` and `extendCall` answer: the call, or why not.
#[derive(SimpleObject)]
pub struct CallPayload {
    /// The call as stored now; null when refused.
    pub call: Option<Call>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// A government's endorsement of a concept note.
#[derive(InputObject)]
pub struct RecordGovernmentEndorsementInput {
    /// The note's global id: one still in the programming cycle.
    pub concept_note: ID,
    /// The country whose government endorsed it: one the note covers.
    pub country: CountryCode,
    /// The day it endorsed the note; not in the future.
    pub endorsed_on: Date,
}

/// What `recordGovernmentEndorsement` answers: the endorsement, or why not.
#[derive(SimpleObject)]
pub struct RecordGovernmentEndorsementPayload {
    /// The endorsement recorded; null when refused.
    pub government_endorsement: Option<GovernmentEndorsement>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// The endorsement of a note's joint programme document, which makes it ready for
/// implementation.
#[derive(InputObject)]
pub struct MarkReadyForImplementationInput {
    /// The note's global id: `PIPELINE` or `APPROVED`, endorsed by the government of every
    /// country it covers.
    pub concept_note: ID,
    /// The note's `version` as last read (`STALE_VERSION` if it changed since).
    pub expected_version: i32,
    /// The day the joint programme document was endorsed; not before the note's submission, not
    /// in the future.
    pub programme_document_endorsed_on: Date,
}

/// What `submitConceptNote` and `withdrawConceptNote` answer: the concept note, or why not.
#[derive(SimpleObject)]
pub struct ConceptNotePayload {
    /// The note as stored now; null when refused.
    pub concept_note: Option<ConceptNote>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// The Fund Management Unit's technical review of a concept note.
#[derive(InputObject)]
pub struct ReviewConceptNoteInput {
    /// The note's global id: `SUBMITTED`, or `UNDER_REVIEW` for a further review; not one the
    /// reviewer entered.
    pub concept_note: ID,
    /// Recommended, not recommended, or screened out (a submitted note only).
    pub outcome: ReviewOutcome,
    /// Technical score, 0 to 100.
    pub score: Option<i32>,
    /// The reviewer's comments; at most 10000 characters.
    pub comments: String,
}

/// What `reviewConceptNote` answers: the note with its new status and the review, or why not.
#[derive(SimpleObject)]
pub struct ReviewConceptNotePayload {
    /// The note, with its new status; null when refused.
    pub concept_note: Option<ConceptNote>,
    /// The review recorded; null when refused.
    pub review: Option<ConceptNoteReview>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// A concept note to withdraw before approval.
#[derive(InputObject)]
pub struct WithdrawConceptNoteInput {
    /// The note's global id: `SUBMITTED`, `UNDER_REVIEW` or `PIPELINE`.
    pub concept_note: ID,
    /// The record's `version` as you read it; `STALE_VERSION` if it changed since.
    pub expected_version: i32,
    /// Why it is withdrawn; at most 2000 characters.
    pub reason: String,
}

/// A meeting of the steering committee, or a written procedure.
#[derive(InputObject)]
pub struct ScheduleMeetingInput {
    /// The date it is or was held.
    pub held_on: Date,
    /// A meeting or a written procedure.
    pub kind: MeetingKind,
    /// The meeting's title (e.g. "Ninth meeting of the steering committee"); at most 300
    /// characters.
    pub title: String,
}

/// What `scheduleMeeting` answers: the meeting, or why not.
#[derive(SimpleObject)]
pub struct ScheduleMeetingPayload {
    /// The meeting recorded; null when refused.
    pub meeting: Option<SteeringCommitteeMeeting>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// A decision the steering committee took by consensus.
#[derive(InputObject)]
pub struct RecordDecisionInput {
    /// The global id of the meeting or written procedure that took it.
    pub meeting: ID,
    /// What was decided; it must suit the subject's kind and status.
    pub kind: DecisionKind,
    /// A concept note (pipeline, funding, rejection, deferral) or a joint programme (budget
    /// revision, no-cost extension, suspension, lifting a suspension); left out for a
    /// `DIRECT_COST` decision, which is on the fund itself.
    pub subject: Option<ID>,
    /// For funding, budget revisions and direct costs (the most the fund's own costs may reach
    /// on this decision). In US dollars: greater than 0, at most 1000000000000.00, at most two
    /// decimal places.
    pub amount_usd: Option<Decimal>,
    /// The programme's new end date, for `NO_COST_EXTENSION` only.
    pub new_end_date: Option<Date>,
    /// The committee's reasons; at most 10000 characters.
    pub rationale: String,
    /// The global id of an earlier decision this one replaces (decisions are never edited).
    pub supersedes: Option<ID>,
    /// The programme request this decision answers, and how: the decision is then taken on the
    /// request's programme, of the kind that answers it (`NO_COST_EXTENSION` for an extension,
    /// `BUDGET_REVISION` for a budget revision or a tranche), and states what was asked
    /// (`APPROVED`; `REFUSED`: what it refuses, and then it changes nothing) or less
    /// (`PARTLY_APPROVED`).
    pub answers: Option<RequestAnswerInput>,
}

/// A decision's answer to a programme request.
#[derive(InputObject)]
pub struct RequestAnswerInput {
    /// The request's global id: submitted or on an agenda, and not answered by a decision in
    /// effect or awaiting confirmation.
    pub request: ID,
    /// How the committee answers it.
    pub outcome: RequestOutcome,
}

/// A convening organization's request to the steering committee.
#[derive(InputObject)]
pub struct SubmitProgrammeRequestInput {
    /// The programme's global id; the caller's organization convenes it (or the caller is
    /// ADMIN); not operationally or financially closed.
    pub joint_programme: ID,
    /// What is asked for.
    pub kind: RequestKind,
    /// Why; at most 10000 characters.
    pub justification: String,
    /// For `NO_COST_EXTENSION` only: the end date asked for, later than the current one.
    pub new_end_date: Option<Date>,
    /// For `BUDGET_REVISION` and `TRANCHE` only: the amount asked for, in US dollars (greater
    /// than 0, at most two decimal places).
    pub amount_usd: Option<Decimal>,
}

/// Puts a request on the agenda of a meeting or written procedure.
#[derive(InputObject)]
pub struct PutRequestOnAgendaInput {
    /// The request's global id: not answered or withdrawn.
    pub request: ID,
    /// The meeting not yet held, or the written procedure whose deadline has not passed.
    pub meeting: ID,
}

/// Withdraws a request not answered yet.
#[derive(InputObject)]
pub struct WithdrawProgrammeRequestInput {
    /// The request's global id.
    pub request: ID,
}

/// What the programme request commands answer: the request, or why not.
#[derive(SimpleObject)]
pub struct ProgrammeRequestPayload {
    /// The request as stored; null when refused.
    pub programme_request: Option<ProgrammeRequest>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// A convening organization's narrative report on its programme.
#[derive(InputObject)]
pub struct SubmitNarrativeReportInput {
    /// The programme's global id; the caller's organization convenes it.
    pub joint_programme: ID,
    /// The calendar year an annual report covers (a year of the programme's that has ended,
    /// every year but its last); left out for the final report, once the programme has ended.
    pub year: Option<i32>,
    /// What the programme achieved; at most 10000 characters.
    pub summary: String,
}

/// What `submitNarrativeReport` answers: the report, or why not.
#[derive(SimpleObject)]
pub struct SubmitNarrativeReportPayload {
    /// The report as stored; null when refused.
    pub narrative_report: Option<NarrativeReport>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// Confirms a decision awaiting the chair or its written procedure's deadline.
#[derive(InputObject)]
pub struct ConfirmDecisionInput {
    /// The global id of the `PENDING` decision.
    pub decision: ID,
}

/// Objects to a decision put to a written procedure.
#[derive(InputObject)]
pub struct ObjectToDecisionInput {
    /// The global id of the `PENDING` decision put to a written procedure.
    pub decision: ID,
    /// The member's reasons; at most 2000 characters.
    pub reason: String,
}

/// What `recordDecision`, `confirmDecision` and `objectToDecision` answer: the decision, or why
/// not.
#[derive(SimpleObject)]
pub struct RecordDecisionPayload {
    /// The decision recorded; null when refused.
    pub decision: Option<Decision>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// One participating organization's share of a new programme's budget.
#[derive(InputObject)]
pub struct BudgetLineInput {
    /// The organization's global id; one line per organization.
    pub organization: ID,
    /// The programmable amount, in US dollars: greater than 0, at most 1000000000000.00, at most
    /// two decimal places.
    pub programmable_usd: Decimal,
    /// The indirect support cost rate, a fraction from 0 up to 1 (0.07 is 7%) with at most six
    /// decimal places; 0.07 by default.
    pub indirect_support_cost_rate: Option<Decimal>,
}

/// A joint programme made from an `APPROVED` concept note, with its budget per organization.
#[derive(InputObject)]
pub struct CreateJointProgrammeInput {
    /// The approved note's global id; it becomes `FUNDED`.
    pub concept_note: ID,
    /// Defaults to `MPTF-JP-<note number>`; at most 40 characters.
    pub code: Option<String>,
    /// Defaults to the concept note's title; at most 300 characters.
    pub title: Option<String>,
    /// The planned start of implementation.
    pub start_date: Date,
    /// The planned end; after `startDate`.
    pub end_date: Date,
    /// At least two organizations' lines, whose totals (programmable plus indirect support costs)
    /// add up to the funding decision's amount exactly (`BUDGET_EXCEEDED` above it, `VALIDATION`
    /// below).
    pub budget_lines: Vec<BudgetLineInput>,
}

/// What `createJointProgramme` and `setJointProgrammeStatus` answer: the programme, or why not.
#[derive(SimpleObject)]
pub struct JointProgrammePayload {
    /// The programme as stored now; null when refused.
    pub joint_programme: Option<JointProgramme>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// A programme's next status.
#[derive(InputObject)]
pub struct SetJointProgrammeStatusInput {
    /// The programme's global id.
    pub joint_programme: ID,
    /// The record's `version` as you read it; `STALE_VERSION` if it changed since.
    pub expected_version: i32,
    /// `ACTIVE`, `OPERATIONALLY_CLOSED`, `FINANCIALLY_CLOSED` (once every organization sent its
    /// final expenditure report), or back from `SUSPENDED` to where it was; `SUSPENDED` itself only
    /// by a steering-committee decision.
    pub status: ProgrammeStatus,
    /// Why, for the record; at most 2000 characters.
    pub reason: String,
}

/// A steering committee's budget revision, applied to a programme's budget lines.
#[derive(InputObject)]
pub struct ReviseBudgetInput {
    /// The programme's global id; not `FINANCIALLY_CLOSED`.
    pub joint_programme: ID,
    /// The committee's `BUDGET_REVISION` decision on this programme; applied once
    /// (`INVALID_TRANSITION` the second time, and for a superseded decision).
    pub decision: ID,
    /// The programme's `version` as you read it; `STALE_VERSION` if it changed since.
    pub expected_version: i32,
    /// The programme's new lines, replacing the current ones: at least two, one per organization,
    /// each for a participating organization of the programme's concept note, the convening one
    /// included. Their totals (programmable plus indirect support costs) add up to the approved
    /// budget plus the decision's amount exactly (`BUDGET_EXCEEDED` above, `VALIDATION` below);
    /// no line totals less than its organization already received (`BUDGET_EXCEEDED`), and an
    /// organization is left out only if it received no transfer and reported no expenditure.
    pub budget_lines: Vec<BudgetLineInput>,
}

/// What `reviseBudget` answers: the programme with its revised lines and the revision, or why
/// not.
#[derive(SimpleObject)]
pub struct ReviseBudgetPayload {
    /// The programme as stored now, with its revised lines and budget; null when refused.
    pub joint_programme: Option<JointProgramme>,
    /// The revision as applied, with the lines before and after it; null when refused.
    pub budget_revision: Option<BudgetRevision>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// Money the Administrative Agent transferred to a participating organization on a funding
/// decision.
#[derive(InputObject)]
pub struct RecordTransferInput {
    /// The programme's global id: `APPROVED` or `ACTIVE`.
    pub joint_programme: ID,
    /// The receiving organization's global id; it has a budget line in the programme, and the
    /// transfer stays within that line's total.
    pub organization: ID,
    /// The funding decision the transfer rests on, or a budget revision once applied to the lines
    /// by `reviseBudget` (`INVALID_TRANSITION` before); one recorded by someone else
    /// (`SEPARATION_OF_DUTIES` otherwise).
    pub decision: ID,
    /// The date of the transfer (its value date); not in the future.
    pub transferred_on: Date,
    /// In US dollars: greater than 0, at most 1000000000000.00, at most two decimal places; within
    /// the line's remainder (`BUDGET_EXCEEDED`) and the money the fund holds for the programme's
    /// area (`EARMARK_MISMATCH`, `INSUFFICIENT_FUNDS`).
    pub amount_usd: Decimal,
    /// Chosen by the caller, 1 to 200 characters, unique per request: a retry with the same key and
    /// the same input applies once and answers as the first time; the same key with a different
    /// input is `DUPLICATE`.
    pub idempotency_key: String,
}

/// What `recordTransfer` answers: the transfer, or why not.
#[derive(SimpleObject)]
pub struct RecordTransferPayload {
    /// The transfer recorded, with the parts paid from earmarked and unearmarked money; null when
    /// refused.
    pub transfer: Option<Transfer>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// Unspent money a participating organization refunded to the fund on a programme.
#[derive(InputObject)]
pub struct RecordRefundInput {
    /// The programme's global id.
    pub joint_programme: ID,
    /// The refunding organization's global id; it has a budget line in the programme.
    pub organization: ID,
    /// The date the money came back (its value date); not in the future.
    pub refunded_on: Date,
    /// In US dollars: greater than 0, at most 1000000000000.00, at most two decimal places; at
    /// most what the organization holds of the programme's money (transferred, less expenditure
    /// and refunds), now and on `refundedOn` (`INSUFFICIENT_FUNDS`, naming the amount held).
    pub amount_usd: Decimal,
    /// Chosen by the caller, 1 to 200 characters, unique per request: a retry with the same key and
    /// the same input applies once and answers as the first time; the same key with a different
    /// input is `DUPLICATE`.
    pub idempotency_key: String,
}

/// What `recordRefund` answers: the refund and the entries it booked, or why not.
#[derive(SimpleObject)]
pub struct RecordRefundPayload {
    /// The programme refunded on; null when refused.
    pub joint_programme: Option<JointProgramme>,
    /// The organization that refunded; null when refused.
    pub organization: Option<Organization>,
    /// The amount refunded, in US dollars; null when refused.
    pub amount_usd: Option<Decimal>,
    /// The `REFUND` entries booked, one per pool the money returned to (the programme's thematic
    /// area first, then unearmarked money, as the transfers to the organization drew on them);
    /// empty when refused.
    pub entries: Vec<BookedEntry>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// Interest the fund received: its own, or returned by a participating organization.
#[derive(InputObject)]
pub struct RecordInterestInput {
    /// `FUND` (the fund's own interest and investment income) or `ORGANIZATION` (interest a
    /// participating organization returns).
    pub source: InterestSource,
    /// For `ORGANIZATION`: the organization's global id, one the fund transferred money to
    /// (required then); refused for `FUND`.
    pub organization: Option<ID>,
    /// The date the interest was received (its value date); not in the future.
    pub received_on: Date,
    /// In US dollars: greater than 0, at most 1000000000000.00, at most two decimal places.
    pub amount_usd: Decimal,
    /// Chosen by the caller, 1 to 200 characters, unique per request: a retry with the same key and
    /// the same input applies once and answers as the first time; the same key with a different
    /// input is `DUPLICATE`.
    pub idempotency_key: String,
}

/// What `recordInterest` answers: the entry booked, or why not.
#[derive(SimpleObject)]
pub struct RecordInterestPayload {
    /// The `FUND_INTEREST` or `ORGANIZATION_INTEREST` entry booked, unearmarked; null when refused.
    pub entry: Option<BookedEntry>,
    /// The organization that returned the interest; null for the fund's own or when refused.
    pub organization: Option<Organization>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// Income of the fund other than deposits and interest.
#[derive(InputObject)]
pub struct RecordOtherIncomeInput {
    /// The date it was received (its value date); not in the future.
    pub received_on: Date,
    /// In US dollars: greater than 0, at most 1000000000000.00, at most two decimal places.
    pub amount_usd: Decimal,
    /// What the income is; 1 to 2000 characters.
    pub description: String,
    /// Chosen by the caller, 1 to 200 characters, unique per request: a retry with the same key and
    /// the same input applies once and answers as the first time; the same key with a different
    /// input is `DUPLICATE`.
    pub idempotency_key: String,
}

/// What `recordOtherIncome` answers: the entry booked, or why not.
#[derive(SimpleObject)]
pub struct RecordOtherIncomePayload {
    /// The `OTHER_INCOME` entry booked, unearmarked; null when refused.
    pub entry: Option<BookedEntry>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// A cost the fund paid for itself: a direct cost the steering committee approved, or a bank
/// charge.
#[derive(InputObject)]
pub struct RecordDirectCostInput {
    /// `DIRECT_COST` (the Fund Management Unit's or the secretariat's, on a committee decision)
    /// or `BANK_CHARGE` (on none).
    pub kind: DirectCostKind,
    /// The date the cost was paid (its value date); not in the future.
    pub incurred_on: Date,
    /// In US dollars: greater than 0, at most 1000000000000.00, at most two decimal places; at
    /// most the unearmarked money the committee has not allocated (`INSUFFICIENT_FUNDS`).
    pub amount_usd: Decimal,
    /// What was paid for; 1 to 2000 characters.
    pub description: String,
    /// For `DIRECT_COST`: the global id of the committee's decision approving it (required then),
    /// one that allocates no money to a programme (not `FUNDING` or `BUDGET_REVISION`); refused
    /// for `BANK_CHARGE`.
    pub decision: Option<ID>,
    /// Chosen by the caller, 1 to 200 characters, unique per request: a retry with the same key and
    /// the same input applies once and answers as the first time; the same key with a different
    /// input is `DUPLICATE`.
    pub idempotency_key: String,
}

/// What `recordDirectCost` answers: the entry booked, or why not.
#[derive(SimpleObject)]
pub struct RecordDirectCostPayload {
    /// The `DIRECT_COST` or `BANK_CHARGE` entry booked, unearmarked; null when refused.
    pub entry: Option<BookedEntry>,
    /// The decision a direct cost rests on; null for a bank charge or when refused.
    pub decision: Option<Decision>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// A participating organization's expenditure on a programme for one year, by the UN system's
/// harmonized cost categories.
#[derive(InputObject)]
pub struct ReportExpenditureInput {
    /// The programme's global id; one your organization takes part in, not financially closed or
    /// suspended.
    pub joint_programme: ID,
    /// The reporting organization's global id; your own (the default), and no other.
    pub organization: Option<ID>,
    /// The calendar year, from 2019 to the current one. One report per organization and year:
    /// an interim figure replaces the year's interim figure; a certified year is `DUPLICATE`
    /// (only `correctExpenditure` changes it).
    pub year: i32,
    /// `INTERIM` (the current or a past year; replaceable until the year is certified) or
    /// `CERTIFIED` (a year that has ended — or, with `final`, the year of an end date that has
    /// passed — once; what the reporting calendar counts). `CERTIFIED` by default.
    #[graphql(default_with = "ExpenditureNature::Certified")]
    pub nature: ExpenditureNature,
    /// The amounts by cost category, at least one, each category at most once (`DUPLICATE`);
    /// those left out are 0. Each from 0 up to 1000000000000.00 with at most two decimal places.
    /// `INDIRECT_SUPPORT_COSTS` at most the budget line's indirect support cost rate times the
    /// other categories' sum, rounded half-even to the cent (`BUDGET_EXCEEDED`). The total is
    /// their exact sum; all years together at most what was transferred to your organization net
    /// of its refunds (`BUDGET_EXCEEDED` on `lines`).
    #[graphql(default)]
    pub lines: Vec<ExpenditureLineInput>,
    /// The total, when a client states it: it must be the lines' exact sum (`VALIDATION`).
    #[graphql(
        deprecation = "Give the amounts by cost category in `lines`; their sum is the total. Without `lines` the report is refused."
    )]
    pub amount_usd: Option<Decimal>,
    /// True for the organization's final report on the programme, which must be `CERTIFIED`; no
    /// report follows it. False by default.
    #[graphql(name = "final", default)]
    pub is_final: bool,
    /// Chosen by the caller, 1 to 200 characters, unique per request: a retry with the same key and
    /// the same input applies once and answers as the first time; the same key with a different
    /// input is `DUPLICATE`.
    pub idempotency_key: String,
}

/// One cost category's amount in an expenditure figure.
#[derive(InputObject)]
pub struct ExpenditureLineInput {
    /// The UN system's harmonized cost category.
    pub category: CostCategory,
    /// In US dollars: from 0 up to at most 1000000000000.00, at most two decimal places.
    pub amount_usd: Decimal,
}

/// The Administrative Agent's correction of a certified expenditure figure, on an audit's word.
#[derive(InputObject)]
pub struct CorrectExpenditureInput {
    /// The certified expenditure report's global id (`INVALID_TRANSITION` for an interim one).
    pub expenditure_report: ID,
    /// The report's `version` as you read it (`STALE_VERSION` when it moved on).
    pub expected_version: i32,
    /// The corrected amounts by cost category, under the rules of `reportExpenditure`'s `lines`.
    pub lines: Vec<ExpenditureLineInput>,
    /// The audit, or its document, the correction rests on (e.g. `OAI-2024-017`), 1 to 60
    /// characters.
    pub audit_reference: String,
    /// Why the figure changes, 1 to 2000 characters.
    pub reason: String,
    /// Chosen by the caller, 1 to 200 characters, unique per request: a retry with the same key and
    /// the same input applies once and answers as the first time; the same key with a different
    /// input is `DUPLICATE`.
    pub idempotency_key: String,
}

/// What `correctExpenditure` answers: the report with its new figure, or why not.
#[derive(SimpleObject)]
pub struct CorrectExpenditurePayload {
    /// The report corrected; null when refused.
    pub expenditure_report: Option<ExpenditureReport>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

fn lines_of(lines: &[ExpenditureLineInput]) -> Vec<(CostCategory, rust_decimal::Decimal)> {
    lines.iter().map(|l| (l.category, l.amount_usd.0)).collect()
}

/// What `reportExpenditure` answers: the report, or why not.
#[derive(SimpleObject)]
pub struct ReportExpenditurePayload {
    /// The report recorded; null when refused.
    pub expenditure_report: Option<ExpenditureReport>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// An indicator for a programme's results framework.
#[derive(InputObject)]
pub struct AddIndicatorInput {
    /// The programme's global id (a PUNO: one its organization takes part in).
    pub joint_programme: ID,
    /// The indicator's code, unique within the programme (`DUPLICATE`); at most 40 characters.
    pub code: String,
    /// Outcome or output.
    pub level: IndicatorLevel,
    /// What the indicator measures; at most 2000 characters.
    pub statement: String,
    /// The unit of its values; at most 100 characters.
    pub unit: String,
    /// The value at the start of the programme, in `unit`; at most 999999999999999.999999 in
    /// absolute value: at most 15 digits before the decimal point and 6 after.
    pub baseline: Decimal,
    /// The value the programme aims for, in `unit`; it differs from the baseline, and is at most
    /// 999999999999999.999999 in absolute value: at most 15 digits before the decimal point and 6
    /// after.
    pub target: Decimal,
    /// The global id of a GCM objective it tracks, if any.
    pub objective: Option<ID>,
    /// The global id of a guiding principle it tracks, if any.
    pub guiding_principle: Option<ID>,
    /// The year the baseline was measured, from 2000 to this year; the programme's start year when
    /// not given.
    pub baseline_year: Option<i32>,
    /// The dimensions the fund asks its values to be disaggregated by, each once; none when not
    /// given. Every report then gives a value for each of their categories.
    #[graphql(default)]
    pub disaggregation: Vec<DisaggregationDimension>,
    /// Targets per period (e.g. per programme year), at most 20: each period within the
    /// programme's dates, none overlapping another. None when not given: the overall `target`
    /// only.
    #[graphql(default)]
    pub targets: Vec<IndicatorTargetInput>,
}

/// An indicator's target for one period.
#[derive(InputObject)]
pub struct IndicatorTargetInput {
    /// The first day of the period, within the programme's dates.
    pub period_start: Date,
    /// The last day of the period, no earlier than its first, within the programme's dates.
    pub period_end: Date,
    /// The value aimed for by the end of the period, in the indicator's unit; at most
    /// 999999999999999.999999 in absolute value: at most 15 digits before the decimal point and 6
    /// after.
    pub target: Decimal,
}

impl IndicatorTargetInput {
    fn into_new(self) -> NewTarget {
        NewTarget {
            period_start: self.period_start.0,
            period_end: self.period_end.0,
            target: self.target.0,
        }
    }
}

/// A disaggregated report's value for one category.
#[derive(InputObject)]
pub struct CategoryValueInput {
    /// The category, of one of the dimensions the indicator is disaggregated by.
    pub category: DisaggregationCategory,
    /// The value for the category, in the indicator's unit (0 where none); at most
    /// 999999999999999.999999 in absolute value: at most 15 digits before the decimal point and 6
    /// after.
    pub value: Decimal,
}

/// What `addIndicator` answers: the indicator, or why not.
#[derive(SimpleObject)]
pub struct AddIndicatorPayload {
    /// The indicator added; null when refused.
    pub indicator: Option<ResultsIndicator>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// An indicator's value for a reporting period.
#[derive(InputObject)]
pub struct ReportIndicatorValueInput {
    /// The indicator's global id, of a programme your organization takes part in.
    pub indicator: ID,
    /// The last day of the period; the period has ended (not in the future), and a period end is
    /// reported once (`DUPLICATE`).
    pub period_end: Date,
    /// The value at the end of the period, in the indicator's unit; at most 999999999999999.999999
    /// in absolute value: at most 15 digits before the decimal point and 6 after.
    pub value: Decimal,
    /// Remarks on the value; at most 2000 characters.
    pub note: Option<String>,
    /// The first day of the period, no later than `periodEnd`. The period lies within the
    /// programme's dates and, where the indicator has targets per period, within one of their
    /// periods. When not given: the start of the indicator's period that holds `periodEnd`, or
    /// with no targets per period the later of 1 January of `periodEnd`'s year and the
    /// programme's start.
    pub period_start: Option<Date>,
    /// For a disaggregated indicator, the value of every category of each of its dimensions, each
    /// once (0 where none); where a dimension is exhaustive (`SEX`, `AGE_GROUP`) its values add up
    /// to `value`. None for an indicator that is not disaggregated.
    #[graphql(default)]
    pub breakdown: Vec<CategoryValueInput>,
}

/// The Fund Management Unit's revision of an indicator's form: what is not given stays.
#[derive(InputObject)]
pub struct ReviseIndicatorInput {
    /// The indicator's global id; an active indicator of a programme not financially closed.
    pub indicator: ID,
    /// The indicator's `version` as you read it (`STALE_VERSION` otherwise).
    pub expected_version: i32,
    /// The new statement; at most 2000 characters.
    pub statement: Option<String>,
    /// The new unit; at most 100 characters.
    pub unit: Option<String>,
    /// The new baseline, in the unit; at most 999999999999999.999999 in absolute value: at most
    /// 15 digits before the decimal point and 6 after.
    pub baseline: Option<Decimal>,
    /// The year the new baseline was measured, from 2000 to this year.
    pub baseline_year: Option<i32>,
    /// The new overall target, other than the baseline; at most 999999999999999.999999 in
    /// absolute value: at most 15 digits before the decimal point and 6 after.
    pub target: Option<Decimal>,
    /// Why the indicator is revised; at most 2000 characters.
    pub reason: String,
}

/// The Fund Management Unit's targets per period for an indicator, replacing its current ones.
#[derive(InputObject)]
pub struct SetIndicatorTargetsInput {
    /// The indicator's global id; an active indicator of a programme not financially closed.
    pub indicator: ID,
    /// The indicator's `version` as you read it (`STALE_VERSION` otherwise).
    pub expected_version: i32,
    /// The targets, at most 20: each period within the programme's dates, none overlapping
    /// another, and every value already reported within one of them. Empty: the overall target
    /// only.
    pub targets: Vec<IndicatorTargetInput>,
    /// Why the targets change; at most 2000 characters.
    pub reason: String,
}

/// The Fund Management Unit's retirement of an indicator.
#[derive(InputObject)]
pub struct RetireIndicatorInput {
    /// The indicator's global id; an active indicator.
    pub indicator: ID,
    /// The indicator's `version` as you read it (`STALE_VERSION` otherwise).
    pub expected_version: i32,
    /// Why the indicator is retired; at most 2000 characters.
    pub reason: String,
}

/// What `reviseIndicator`, `setIndicatorTargets` and `retireIndicator` answer: the indicator as it
/// is now, or why not.
#[derive(SimpleObject)]
pub struct IndicatorPayload {
    /// The indicator in its new form, with its `revisions`; null when refused.
    pub indicator: Option<ResultsIndicator>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// What `reportIndicatorValue` answers: the measurement and the indicator's new progress, or why
/// not.
#[derive(SimpleObject)]
pub struct ReportIndicatorValuePayload {
    /// The value recorded; null when refused.
    pub measurement: Option<IndicatorMeasurement>,
    /// The indicator, with its new `latest` and `progress`; null when refused.
    pub indicator: Option<ResultsIndicator>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// A correction of which GCM objectives a thematic area clusters.
#[derive(InputObject)]
pub struct UpdateThematicAreaObjectivesInput {
    /// The area's global id.
    pub thematic_area: ID,
    /// The record's `version` as you read it; `STALE_VERSION` if it changed since.
    pub expected_version: i32,
    /// The GCM objective numbers (1–23) the area clusters from now on.
    pub objectives: Vec<i32>,
}

/// What `updateThematicAreaObjectives` answers: the area, or why not.
#[derive(SimpleObject)]
pub struct UpdateThematicAreaObjectivesPayload {
    /// The area with its objectives as corrected; null when refused.
    pub thematic_area: Option<ThematicArea>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// A rate for the Administrative Agent's table of exchange rates.
#[derive(InputObject)]
pub struct RecordExchangeRateInput {
    /// The currency (ISO 4217, with minor units); not USD.
    pub currency: CurrencyCode,
    /// Units of the currency per US dollar: greater than 0, at most 1000000000, at most 10
    /// decimal places.
    pub units_per_usd: Decimal,
    /// The day the rate applies from; not in the future. One rate per currency and day
    /// (`DUPLICATE` on this field): a correction is a rate for a later day.
    pub effective_on: Date,
    /// Where the rate comes from (e.g. "UN operational rate of exchange"); 1 to 200 characters.
    pub source: String,
}

/// What `recordExchangeRate` answers: the rate, or why not.
#[derive(SimpleObject)]
pub struct RecordExchangeRatePayload {
    /// The rate as recorded; null when refused.
    pub exchange_rate: Option<ExchangeRate>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// A document to attach to a record, with its file (sent as a GraphQL multipart request:
/// docs/documents.md).
#[derive(InputObject)]
pub struct AttachDocumentInput {
    /// The global id of the record it belongs to: a `ConceptNote`, `JointProgramme`,
    /// `SteeringCommitteeMeeting` or `ExpenditureReport` (`VALIDATION` for any other id,
    /// `NOT_FOUND` for a record that does not exist or that you may not read).
    pub subject_id: ID,
    /// What the document is; it must fit the record (`VALIDATION` says which kinds do): a
    /// concept note `CONCEPT_NOTE`, a programme `PROGRAMME_DOCUMENT`, `NARRATIVE_REPORT` or
    /// `FINANCIAL_REPORT`, an expenditure report `FINANCIAL_REPORT`, a meeting `MINUTES`;
    /// `OTHER` on any.
    pub kind: DocumentKind,
    /// Its title, 1 to 300 characters.
    pub title: String,
    /// The day it was issued or signed; not after today.
    pub dated_on: Date,
    /// The file, as the multipart request's one file part: PDF, Office Open XML (.docx, .xlsx,
    /// .pptx), OpenDocument (.odt, .ods, .odp), PNG, JPEG, CSV or plain UTF-8 text, told from
    /// its contents (`VALIDATION` otherwise), not empty, at most the server's
    /// MPTF_MAX_DOCUMENT_BYTES (10 MiB by default; a larger request is refused with HTTP 413
    /// `PAYLOAD_TOO_LARGE`). The same file is attached to a record once (`DUPLICATE`).
    pub file: Upload,
}

/// What `attachDocument` answers: the document, or why not.
#[derive(SimpleObject)]
pub struct AttachDocumentPayload {
    /// The document as kept; null when refused.
    pub document: Option<Document>,
    /// Why the command was refused, with the input field at fault; empty on success. When not empty
    /// nothing was changed.
    pub user_errors: Vec<UserError>,
}

/// Commands. Each is one transaction with an audit event, refused as a whole with `userErrors`
/// (nothing changes) or `UNAUTHENTICATED`/`FORBIDDEN` at the top level; who may call which is in
/// docs/permissions.md.
#[Object]
impl Mutation {
    /// Exchanges an email and password for a short-lived bearer token (any caller, no token
    /// needed). Refusals read the same whatever the cause and are throttled per account and source
    /// address.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `LoginInput`.")] input: LoginInput,
    ) -> Result<LoginPayload> {
        let throttle = ctx.data_unchecked::<LoginThrottle>();
        // The HTTP peer; unknown on transports that do not say (they share one source).
        let source = ctx.data_opt::<ClientAddress>().and_then(|a| a.0);
        let outcome = super::check(
            ctx,
            ctx.services()
                .login(throttle, &input.email, &input.password, source)
                .await,
        )?;
        let principal = match outcome {
            LoginOutcome::Accepted(principal) => principal,
            LoginOutcome::Refused { delay } => {
                // Each consecutive failure (account known or not) answers a little later.
                tokio::time::sleep(delay).await;
                return Ok(LoginPayload {
                    token: None,
                    expires_at: None,
                    viewer: None,
                    user_errors: vec![crate::service::users::login_refused()],
                });
            }
        };
        let lifetime = ctx.data_unchecked::<super::SchemaOptions>().token_lifetime;
        let token = ctx
            .data_unchecked::<Tokens>()
            .issue(&principal, lifetime)
            .map_err(|e| super::errors::internal(&e, &ctx.actor().request_id))?;
        Ok(LoginPayload {
            token: Some(token),
            expires_at: Some(DateTime(chrono::Utc::now() + lifetime)),
            viewer: Some(Viewer(principal)),
            user_errors: Vec::new(),
        })
    }

    /// Creates an account (ADMIN; audited). An ADMIN, STEERING_COMMITTEE or AUDITOR account cannot sign
    /// in until another administrator activates it with `activateUser`.
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `CreateUserInput`.")] input: CreateUserInput,
    ) -> Result<CreateUserPayload> {
        let run = async {
            let new = NewUser {
                email: input.email,
                display_name: input.display_name,
                role: input.role,
                chair: input.chair,
                password: input.password,
                donor_id: input
                    .donor
                    .as_ref()
                    .map(|d| id_of(d, Kind::Donor, "donor"))
                    .transpose()?,
                organization_id: input
                    .organization
                    .as_ref()
                    .map(|o| id_of(o, Kind::Organization, "organization"))
                    .transpose()?,
            };
            users::create_user(ctx.services(), ctx.actor(), new).await
        };
        let (user, user_errors) = payload(run.await, ctx.actor())?;
        Ok(CreateUserPayload {
            user: user.map(User),
            user_errors,
        })
    }

    /// Activates an ADMIN, STEERING_COMMITTEE or AUDITOR account that waits for a second administrator
    /// (ADMIN other than its creator; audited). `SEPARATION_OF_DUTIES` for its creator.
    async fn activate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `ActivateUserInput`.")] input: ActivateUserInput,
    ) -> Result<ActivateUserPayload> {
        let run = async {
            let id = id_of(&input.user, Kind::User, "user")?;
            users::activate_user(ctx.services(), ctx.actor(), id, input.expected_version).await
        };
        let (user, user_errors) = payload(run.await, ctx.actor())?;
        if let Some(user) = &user {
            // This process accepts the user's tokens at once.
            ctx.data_unchecked::<Tokens>().accounts().forget(user.id);
        }
        Ok(ActivateUserPayload {
            user: user.map(User),
            user_errors,
        })
    }

    /// Deactivates a user account (ADMIN; audited): it can no longer sign in, and its tokens
    /// stop working within a minute.
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `DeactivateUserInput`.")]
        input: DeactivateUserInput,
    ) -> Result<DeactivateUserPayload> {
        let run = async {
            let id = id_of(&input.user, Kind::User, "user")?;
            users::deactivate_user(ctx.services(), ctx.actor(), id, input.expected_version).await
        };
        let (user, user_errors) = payload(run.await, ctx.actor())?;
        if let Some(user) = &user {
            // This process stops accepting the user's tokens at once; others within the TTL.
            ctx.data_unchecked::<Tokens>().accounts().forget(user.id);
        }
        Ok(DeactivateUserPayload {
            user: user.map(User),
            user_errors,
        })
    }

    /// Records a new donor (ADMIN; audited).
    async fn create_donor(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `CreateDonorInput`.")] input: CreateDonorInput,
    ) -> Result<DonorPayload> {
        let new = NewDonor {
            name: input.name,
            kind: input.kind,
            country: input.country.map(|c| c.0),
            note: input.note,
        };
        let (donor, user_errors) = payload(
            contributions::create_donor(ctx.services(), ctx.actor(), new).await,
            ctx.actor(),
        )?;
        Ok(DonorPayload {
            donor: donor.map(Donor),
            user_errors,
        })
    }

    /// Corrects a donor's record (ADMIN; audited).
    async fn update_donor(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `UpdateDonorInput`.")] input: UpdateDonorInput,
    ) -> Result<DonorPayload> {
        let run = async {
            let id = id_of(&input.id, Kind::Donor, "id")?;
            let changes = DonorChanges {
                name: input.name,
                kind: input.kind,
                country: maybe(input.country).map(|c| c.map(|c| c.0)),
                note: maybe(input.note),
            };
            contributions::update_donor(
                ctx.services(),
                ctx.actor(),
                id,
                input.expected_version,
                changes,
            )
            .await
        };
        let (donor, user_errors) = payload(run.await, ctx.actor())?;
        Ok(DonorPayload {
            donor: donor.map(Donor),
            user_errors,
        })
    }

    /// Records a donor's pledge, or a signed agreement when `signedOn` is given (ADMIN; audited;
    /// idempotent by `idempotencyKey`). Sends a `CONTRIBUTION` event to the fund's staff, the
    /// committee and the donor.
    async fn record_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `RecordContributionInput`.")]
        input: RecordContributionInput,
    ) -> Result<ContributionPayload> {
        let run = async {
            let new = NewContribution {
                donor_id: id_of(&input.donor, Kind::Donor, "donor")?,
                reference: input.reference,
                currency: input.pledged.currency.0,
                amount: input.pledged.amount.0,
                usd_exchange_rate: input.usd_exchange_rate.map(|r| r.0),
                pledged_on: input.pledged_on.0,
                signed_on: input.signed_on.map(|d| d.0),
                earmarking: input.earmarking,
                earmarked_area_id: input
                    .earmarked_area
                    .as_ref()
                    .map(|a| id_of(a, Kind::ThematicArea, "earmarkedArea"))
                    .transpose()?,
                note: input.note,
            };
            contributions::record_contribution(
                ctx.services(),
                ctx.actor(),
                new,
                &input.idempotency_key,
            )
            .await
        };
        let (contribution, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ContributionPayload {
            contribution: contribution.map(Contribution),
            user_errors,
        })
    }

    /// Records that a pledge became a signed agreement (ADMIN; audited). Sends a `STATUS_CHANGE`
    /// event to the fund's staff, the committee and the donor.
    async fn sign_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `SignContributionInput`.")]
        input: SignContributionInput,
    ) -> Result<ContributionPayload> {
        let run = async {
            let id = id_of(&input.contribution, Kind::Contribution, "contribution")?;
            contributions::sign_contribution(
                ctx.services(),
                ctx.actor(),
                id,
                input.expected_version,
                input.signed_on.0,
            )
            .await
        };
        let (contribution, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ContributionPayload {
            contribution: contribution.map(Contribution),
            user_errors,
        })
    }

    /// Cancels a contribution against which nothing is deposited (ADMIN; audited).
    async fn cancel_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `CancelContributionInput`.")]
        input: CancelContributionInput,
    ) -> Result<ContributionPayload> {
        let run = async {
            let id = id_of(&input.contribution, Kind::Contribution, "contribution")?;
            contributions::cancel_contribution(
                ctx.services(),
                ctx.actor(),
                id,
                input.expected_version,
                &input.reason,
            )
            .await
        };
        let (contribution, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ContributionPayload {
            contribution: contribution.map(Contribution),
            user_errors,
        })
    }

    /// Records money the Administrative Agent received against a signed agreement, values it in USD
    /// at the given rate and deducts the 1% fee (ADMIN; audited; idempotent by `idempotencyKey`).
    /// Sends a `DEPOSIT` event to the fund's staff, the committee and the donor.
    async fn record_deposit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `RecordDepositInput`.")]
        input: RecordDepositInput,
    ) -> Result<RecordDepositPayload> {
        let run = async {
            let new = NewDeposit {
                contribution_id: id_of(&input.contribution, Kind::Contribution, "contribution")?,
                received_on: input.received_on.0,
                currency: input.amount.currency.0,
                amount: input.amount.amount.0,
                exchange_rate: input.exchange_rate.0,
            };
            contributions::record_deposit(ctx.services(), ctx.actor(), new, &input.idempotency_key)
                .await
        };
        let (deposited, user_errors) = payload(run.await, ctx.actor())?;
        let (deposit, contribution) = deposited
            .map(|d| (Some(Deposit(d.deposit)), Some(Contribution(d.contribution))))
            .unwrap_or((None, None));
        Ok(RecordDepositPayload {
            deposit,
            contribution,
            user_errors,
        })
    }

    /// Amends a signed agreement's amount, up or down (ADMIN; audited): a `COMMITMENT_AMENDMENT`
    /// entry of the difference, valued at the agreement's rate; its status follows its deposits.
    async fn amend_contribution(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `AmendContributionInput`.")]
        input: AmendContributionInput,
    ) -> Result<ContributionPayload> {
        let run = async {
            let amendment = Amendment {
                contribution_id: id_of(&input.contribution, Kind::Contribution, "contribution")?,
                expected_version: input.expected_version,
                currency: input.pledged.currency.0,
                amount: input.pledged.amount.0,
                signed_on: input.signed_on.map(|d| d.0),
                reason: input.reason,
            };
            contributions::amend_contribution(ctx.services(), ctx.actor(), amendment).await
        };
        let (contribution, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ContributionPayload {
            contribution: contribution.map(Contribution),
            user_errors,
        })
    }

    /// Reverses a deposit recorded in error (ADMIN; audited; idempotent by `idempotencyKey`):
    /// `REVERSAL` entries cancel its `DEPOSIT` and `AGENT_FEE` entries, the deposit stays on
    /// record, and its agreement's deposited amount and status fall back. `INSUFFICIENT_FUNDS`
    /// when the committee has already allocated the money; `INVALID_TRANSITION` if already
    /// reversed. Sends a `DEPOSIT` event to the fund's staff, the committee and the donor.
    async fn reverse_deposit(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `ReverseDepositInput`.")]
        input: ReverseDepositInput,
    ) -> Result<ReverseDepositPayload> {
        let run = async {
            let id = id_of(&input.deposit, Kind::Deposit, "deposit")?;
            contributions::reverse_deposit(
                ctx.services(),
                ctx.actor(),
                id,
                &input.reason,
                &input.idempotency_key,
            )
            .await
        };
        let (reversed, user_errors) = payload(run.await, ctx.actor())?;
        let (deposit, contribution) = reversed
            .map(|d| (Some(Deposit(d.deposit)), Some(Contribution(d.contribution))))
            .unwrap_or((None, None));
        Ok(ReverseDepositPayload {
            deposit,
            contribution,
            user_errors,
        })
    }

    /// Receives a concept note, `SUBMITTED` (ADMIN, or a PUNO as its convening organization;
    /// audited).
    async fn submit_concept_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `SubmitConceptNoteInput`.")]
        input: SubmitConceptNoteInput,
    ) -> Result<ConceptNotePayload> {
        let run = async {
            let new = NewConceptNote {
                title: input.title,
                summary: input.summary,
                scope: input.scope,
                countries: input.countries.into_iter().map(|c| c.0).collect(),
                thematic_area_id: id_of(&input.thematic_area, Kind::ThematicArea, "thematicArea")?,
                objective_ids: ids_of(&input.objectives, Kind::GcmObjective, "objectives")?,
                principle_ids: ids_of(
                    &input.guiding_principles,
                    Kind::GuidingPrinciple,
                    "guidingPrinciples",
                )?,
                convening_organization_id: id_of(
                    &input.convening,
                    Kind::Organization,
                    "convening",
                )?,
                participating_organization_ids: ids_of(
                    &input.participating_organizations,
                    Kind::Organization,
                    "participatingOrganizations",
                )?,
                requested_budget_usd: input.requested_budget_usd.0,
                duration_months: input.duration_months,
                gender_marker: input.markers.gender,
                human_rights_marker: input.markers.human_rights,
                child_sensitivity_marker: input.markers.child_sensitivity,
                submitted_on: input.submitted_on.map(|d| d.0),
                call_id: input
                    .call
                    .as_ref()
                    .map(|call| id_of(call, Kind::Call, "call"))
                    .transpose()?,
                national_partners: input
                    .national_partners
                    .into_iter()
                    .map(|p| notes::NewNationalPartner {
                        name: p.name,
                        kind: p.kind,
                    })
                    .collect(),
            };
            notes::submit_concept_note(ctx.services(), ctx.actor(), new).await
        };
        let (note, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ConceptNotePayload {
            concept_note: note.map(ConceptNote),
            user_errors,
        })
    }

    /// Announces a call for concept notes (ADMIN; audited; a `CALL` event): its window, its
    /// indicative envelope, the thematic areas and scopes it invites and its eligibility.
    async fn announce_call(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `AnnounceCallInput`.")] input: AnnounceCallInput,
    ) -> Result<CallPayload> {
        let run = async {
            let new = crate::service::commands::calls::NewCall {
                title: input.title,
                opens_on: input.opens_on.0,
                closes_on: input.closes_on.0,
                envelope_usd: input.envelope_usd.0,
                thematic_area_ids: ids_of(
                    &input.thematic_areas,
                    Kind::ThematicArea,
                    "thematicAreas",
                )?,
                scopes: input.scopes,
                max_budget_usd: input.max_budget_usd.map(|d| d.0),
                eligibility: input.eligibility,
            };
            crate::service::commands::calls::announce_call(ctx.services(), ctx.actor(), new).await
        };
        let (call, user_errors) = payload(run.await, ctx.actor())?;
        Ok(CallPayload {
            call: call.map(Call),
            user_errors,
        })
    }

    /// Extends a call's window to a later closing date while it has not closed (ADMIN; audited;
    /// a `CALL` event).
    async fn extend_call(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `ExtendCallInput`.")] input: ExtendCallInput,
    ) -> Result<CallPayload> {
        let run = async {
            let call = id_of(&input.call, Kind::Call, "call")?;
            crate::service::commands::calls::extend_call(
                ctx.services(),
                ctx.actor(),
                call,
                input.expected_version,
                input.closes_on.0,
            )
            .await
        };
        let (call, user_errors) = payload(run.await, ctx.actor())?;
        Ok(CallPayload {
            call: call.map(Call),
            user_errors,
        })
    }

    /// Records that the government of a country a concept note covers endorsed it (ADMIN, or a
    /// PUNO for a note its organization convenes; audited). Once per country (`DUPLICATE`).
    async fn record_government_endorsement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `RecordGovernmentEndorsementInput`.")]
        input: RecordGovernmentEndorsementInput,
    ) -> Result<RecordGovernmentEndorsementPayload> {
        let run = async {
            let note = id_of(&input.concept_note, Kind::ConceptNote, "conceptNote")?;
            crate::service::commands::calls::record_government_endorsement(
                ctx.services(),
                ctx.actor(),
                note,
                &input.country.0,
                input.endorsed_on.0,
            )
            .await
        };
        let (endorsement, user_errors) = payload(run.await, ctx.actor())?;
        Ok(RecordGovernmentEndorsementPayload {
            government_endorsement: endorsement.map(GovernmentEndorsement),
            user_errors,
        })
    }

    /// Records that a note's joint programme document was endorsed, which makes the note ready
    /// for implementation (ADMIN; audited): a note in the pipeline or approved, endorsed by the
    /// government of every country it covers (`INVALID_TRANSITION` naming those missing).
    async fn mark_ready_for_implementation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `MarkReadyForImplementationInput`.")]
        input: MarkReadyForImplementationInput,
    ) -> Result<ConceptNotePayload> {
        let run = async {
            let note = id_of(&input.concept_note, Kind::ConceptNote, "conceptNote")?;
            crate::service::commands::calls::mark_ready_for_implementation(
                ctx.services(),
                ctx.actor(),
                note,
                input.expected_version,
                input.programme_document_endorsed_on.0,
            )
            .await
        };
        let (note, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ConceptNotePayload {
            concept_note: note.map(ConceptNote),
            user_errors,
        })
    }

    /// Records the Fund Management Unit's technical review of a concept note (ADMIN, not the one
    /// who entered it; audited).
    async fn review_concept_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `ReviewConceptNoteInput`.")]
        input: ReviewConceptNoteInput,
    ) -> Result<ReviewConceptNotePayload> {
        let run = async {
            let id = id_of(&input.concept_note, Kind::ConceptNote, "conceptNote")?;
            notes::review_concept_note(
                ctx.services(),
                ctx.actor(),
                id,
                input.outcome,
                input.score,
                &input.comments,
            )
            .await
        };
        let (result, user_errors) = payload(run.await, ctx.actor())?;
        let (note, review) = result
            .map(|(n, r)| (Some(n), Some(r)))
            .unwrap_or((None, None));
        Ok(ReviewConceptNotePayload {
            concept_note: note.map(ConceptNote),
            review: review.map(ConceptNoteReview),
            user_errors,
        })
    }

    /// Withdraws a concept note before approval (ADMIN, or a PUNO of its convening organization;
    /// audited).
    async fn withdraw_concept_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `WithdrawConceptNoteInput`.")]
        input: WithdrawConceptNoteInput,
    ) -> Result<ConceptNotePayload> {
        let run = async {
            let id = id_of(&input.concept_note, Kind::ConceptNote, "conceptNote")?;
            notes::withdraw_concept_note(
                ctx.services(),
                ctx.actor(),
                id,
                input.expected_version,
                &input.reason,
            )
            .await
        };
        let (note, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ConceptNotePayload {
            concept_note: note.map(ConceptNote),
            user_errors,
        })
    }

    /// Records a meeting of the steering committee or a written procedure, at which decisions are
    /// then recorded (ADMIN; audited).
    async fn schedule_meeting(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `ScheduleMeetingInput`.")]
        input: ScheduleMeetingInput,
    ) -> Result<ScheduleMeetingPayload> {
        let result = governance::schedule_meeting(
            ctx.services(),
            ctx.actor(),
            input.held_on.0,
            input.kind,
            &input.title,
        )
        .await;
        let (meeting, user_errors) = payload(result, ctx.actor())?;
        Ok(ScheduleMeetingPayload {
            meeting: meeting.map(SteeringCommitteeMeeting),
            user_errors,
        })
    }

    /// Records a decision of the steering committee taken at a meeting or put to a written
    /// procedure (audited). Recorded by a STEERING_COMMITTEE member at a meeting held, it takes
    /// effect at once and moves its subject on: a concept note to `PIPELINE`, `APPROVED`,
    /// `REJECTED` or back to `UNDER_REVIEW`, a programme's budget, end date, suspension or its
    /// lifting; a `DIRECT_COST` decision approves the fund's own costs up to its amount; then a
    /// `DECISION` event is sent. Recorded by ADMIN (the Fund Management Unit keeping the
    /// committee's record) it is `PENDING` until the chair confirms it (`confirmDecision`); put to
    /// a written procedure (a `WRITTEN_PROCEDURE` whose date, its no-objection deadline, has not
    /// passed) it is `PENDING` until that deadline passes without objection.
    async fn record_decision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `RecordDecisionInput`.")]
        input: RecordDecisionInput,
    ) -> Result<RecordDecisionPayload> {
        let run = async {
            let subject = match input.subject.as_ref().map(|id| ids::decode_any(id)) {
                None => Some(DecisionSubject::Fund),
                Some(Some((Kind::ConceptNote, key))) => {
                    key.parse().ok().map(DecisionSubject::ConceptNote)
                }
                Some(Some((Kind::JointProgramme, key))) => {
                    key.parse().ok().map(DecisionSubject::JointProgramme)
                }
                _ => None,
            }
            .ok_or_else(|| {
                UserError::new(
                    UserErrorCode::NotFound,
                    &["subject"],
                    "the subject is the id of a concept note or a joint programme",
                )
            })?;
            let new = NewDecision {
                meeting_id: id_of(&input.meeting, Kind::SteeringCommitteeMeeting, "meeting")?,
                kind: input.kind,
                subject,
                amount_usd: input.amount_usd.map(|a| a.0),
                new_end_date: input.new_end_date.map(|d| d.0),
                rationale: input.rationale,
                supersedes_id: input
                    .supersedes
                    .as_ref()
                    .map(|s| id_of(s, Kind::Decision, "supersedes"))
                    .transpose()?,
                answers: input
                    .answers
                    .as_ref()
                    .map(|a| {
                        Ok::<_, ServiceError>(RequestAnswer {
                            request_id: id_of(&a.request, Kind::ProgrammeRequest, "answers")?,
                            outcome: a.outcome,
                        })
                    })
                    .transpose()?,
            };
            governance::record_decision(ctx.services(), ctx.actor(), new).await
        };
        let (decision, user_errors) = payload(run.await, ctx.actor())?;
        Ok(RecordDecisionPayload {
            decision: decision.map(Decision),
            user_errors,
        })
    }

    /// Submits a programme's narrative report (PUNO: the convening organization; audited; a
    /// `NARRATIVE_REPORT` event): on a calendar year of the programme's that has ended, or its
    /// final report once the programme has ended. One of each (`DUPLICATE`); the reporting
    /// calendar counts it as submitted.
    async fn submit_narrative_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `SubmitNarrativeReportInput`.")]
        input: SubmitNarrativeReportInput,
    ) -> Result<SubmitNarrativeReportPayload> {
        let run = async {
            let new = crate::service::commands::reporting::NewNarrativeReport {
                joint_programme_id: id_of(
                    &input.joint_programme,
                    Kind::JointProgramme,
                    "jointProgramme",
                )?,
                year: input.year,
                summary: input.summary,
            };
            crate::service::commands::reporting::submit_narrative_report(
                ctx.services(),
                ctx.actor(),
                new,
            )
            .await
        };
        let (report, user_errors) = payload(run.await, ctx.actor())?;
        Ok(SubmitNarrativeReportPayload {
            narrative_report: report.map(NarrativeReport),
            user_errors,
        })
    }

    /// Submits a request to the steering committee on a joint programme (PUNO: the programme's
    /// convening organization; ADMIN on its behalf; audited; a `PROGRAMME_REQUEST` event): a
    /// no-cost extension with the end date asked for, a budget revision or a tranche with the
    /// amount. Not on a closed programme (`INVALID_TRANSITION`).
    async fn submit_programme_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `SubmitProgrammeRequestInput`.")]
        input: SubmitProgrammeRequestInput,
    ) -> Result<ProgrammeRequestPayload> {
        let run = async {
            let new = NewProgrammeRequest {
                joint_programme_id: id_of(
                    &input.joint_programme,
                    Kind::JointProgramme,
                    "jointProgramme",
                )?,
                kind: input.kind,
                justification: input.justification,
                new_end_date: input.new_end_date.map(|d| d.0),
                amount_usd: input.amount_usd.map(|a| a.0),
            };
            requests::submit_programme_request(ctx.services(), ctx.actor(), new).await
        };
        let (request, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ProgrammeRequestPayload {
            programme_request: request.map(ProgrammeRequest),
            user_errors,
        })
    }

    /// Puts a programme request on the agenda of a meeting not yet held or of a written
    /// procedure still open (ADMIN; audited; a `PROGRAMME_REQUEST` event); it may move to another
    /// agenda until a decision answers it.
    async fn put_request_on_agenda(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `PutRequestOnAgendaInput`.")]
        input: PutRequestOnAgendaInput,
    ) -> Result<ProgrammeRequestPayload> {
        let run = async {
            let request = id_of(&input.request, Kind::ProgrammeRequest, "request")?;
            let meeting = id_of(&input.meeting, Kind::SteeringCommitteeMeeting, "meeting")?;
            requests::put_request_on_agenda(ctx.services(), ctx.actor(), request, meeting).await
        };
        let (request, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ProgrammeRequestPayload {
            programme_request: request.map(ProgrammeRequest),
            user_errors,
        })
    }

    /// Withdraws a programme request not answered yet, while no decision answering it awaits
    /// confirmation (PUNO: the organization that made it; ADMIN; audited; a `PROGRAMME_REQUEST`
    /// event).
    async fn withdraw_programme_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `WithdrawProgrammeRequestInput`.")]
        input: WithdrawProgrammeRequestInput,
    ) -> Result<ProgrammeRequestPayload> {
        let run = async {
            let request = id_of(&input.request, Kind::ProgrammeRequest, "request")?;
            requests::withdraw_programme_request(ctx.services(), ctx.actor(), request).await
        };
        let (request, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ProgrammeRequestPayload {
            programme_request: request.map(ProgrammeRequest),
            user_errors,
        })
    }

    /// Confirms a `PENDING` decision, which then takes effect as `recordDecision` describes
    /// (STEERING_COMMITTEE; audited; a `DECISION` event). A decision of a meeting is confirmed by
    /// the chair (the token's `chair` claim), who did not record it; a written procedure's, once
    /// its deadline has passed without objection, by any member but its recorder.
    async fn confirm_decision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `ConfirmDecisionInput`.")]
        input: ConfirmDecisionInput,
    ) -> Result<RecordDecisionPayload> {
        let run = async {
            let id = id_of(&input.decision, Kind::Decision, "decision")?;
            governance::confirm_decision(ctx.services(), ctx.actor(), id).await
        };
        let (decision, user_errors) = payload(run.await, ctx.actor())?;
        Ok(RecordDecisionPayload {
            decision: decision.map(Decision),
            user_errors,
        })
    }

    /// Objects to a decision put to a written procedure, on or before its no-objection deadline
    /// (STEERING_COMMITTEE; audited): the decision becomes `OBJECTED` and never takes effect.
    async fn object_to_decision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `ObjectToDecisionInput`.")]
        input: ObjectToDecisionInput,
    ) -> Result<RecordDecisionPayload> {
        let run = async {
            let id = id_of(&input.decision, Kind::Decision, "decision")?;
            governance::object_to_decision(ctx.services(), ctx.actor(), id, &input.reason).await
        };
        let (decision, user_errors) = payload(run.await, ctx.actor())?;
        Ok(RecordDecisionPayload {
            decision: decision.map(Decision),
            user_errors,
        })
    }

    /// Makes a joint programme of an approved concept note, with its budget lines (ADMIN; audited);
    /// the note becomes `FUNDED`.
    async fn create_joint_programme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `CreateJointProgrammeInput`.")]
        input: CreateJointProgrammeInput,
    ) -> Result<JointProgrammePayload> {
        let run = async {
            let mut lines = Vec::with_capacity(input.budget_lines.len());
            for line in &input.budget_lines {
                lines.push(NewBudgetLine {
                    organization_id: id_of(&line.organization, Kind::Organization, "budgetLines")?,
                    programmable_usd: line.programmable_usd.0,
                    indirect_support_cost_rate: line.indirect_support_cost_rate.map(|r| r.0),
                });
            }
            let new = NewJointProgramme {
                concept_note_id: id_of(&input.concept_note, Kind::ConceptNote, "conceptNote")?,
                code: input.code,
                title: input.title,
                start_date: input.start_date.0,
                end_date: input.end_date.0,
                budget_lines: lines,
            };
            programmes::create_joint_programme(ctx.services(), ctx.actor(), new).await
        };
        let (programme, user_errors) = payload(run.await, ctx.actor())?;
        Ok(JointProgrammePayload {
            joint_programme: programme.map(JointProgramme),
            user_errors,
        })
    }

    /// Moves a programme to its next status (ADMIN; audited); suspension is the steering
    /// committee's, by decision. Sends a `STATUS_CHANGE` event.
    async fn set_joint_programme_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `SetJointProgrammeStatusInput`.")]
        input: SetJointProgrammeStatusInput,
    ) -> Result<JointProgrammePayload> {
        let run = async {
            let id = id_of(
                &input.joint_programme,
                Kind::JointProgramme,
                "jointProgramme",
            )?;
            programmes::set_joint_programme_status(
                ctx.services(),
                ctx.actor(),
                id,
                input.expected_version,
                input.status,
                &input.reason,
            )
            .await
        };
        let (programme, user_errors) = payload(run.await, ctx.actor())?;
        Ok(JointProgrammePayload {
            joint_programme: programme.map(JointProgramme),
            user_errors,
        })
    }

    /// Applies a steering committee's `BUDGET_REVISION` decision to a programme's budget lines
    /// (ADMIN, the Fund Management Unit; audited): the lines are replaced, the approved budget
    /// grows by the decision's amount, and the lines before and after stay readable in
    /// `budgetRevisions`. Transfers on the revision are possible from then on. Sends a `DECISION`
    /// event.
    async fn revise_budget(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `ReviseBudgetInput`.")] input: ReviseBudgetInput,
    ) -> Result<ReviseBudgetPayload> {
        let run = async {
            let mut lines = Vec::with_capacity(input.budget_lines.len());
            for line in &input.budget_lines {
                lines.push(NewBudgetLine {
                    organization_id: id_of(&line.organization, Kind::Organization, "budgetLines")?,
                    programmable_usd: line.programmable_usd.0,
                    indirect_support_cost_rate: line.indirect_support_cost_rate.map(|r| r.0),
                });
            }
            let new = NewRevision {
                joint_programme_id: id_of(
                    &input.joint_programme,
                    Kind::JointProgramme,
                    "jointProgramme",
                )?,
                decision_id: id_of(&input.decision, Kind::Decision, "decision")?,
                expected_version: input.expected_version,
                budget_lines: lines,
            };
            revisions::revise_budget(ctx.services(), ctx.actor(), new).await
        };
        let (revised, user_errors) = payload(run.await, ctx.actor())?;
        let (joint_programme, budget_revision) = match revised {
            Some(revised) => (
                Some(JointProgramme(revised.programme)),
                Some(BudgetRevision(revised.revision)),
            ),
            None => (None, None),
        };
        Ok(ReviseBudgetPayload {
            joint_programme,
            budget_revision,
            user_errors,
        })
    }

    /// Records a transfer of the Administrative Agent to a participating organization on a funding
    /// decision (ADMIN, not the one who recorded the decision; audited; idempotent by
    /// `idempotencyKey`). Paid from money earmarked to the programme's area first, then unearmarked
    /// money. Sends a `TRANSFER` event.
    async fn record_transfer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `RecordTransferInput`.")]
        input: RecordTransferInput,
    ) -> Result<RecordTransferPayload> {
        let run = async {
            let new = NewTransfer {
                joint_programme_id: id_of(
                    &input.joint_programme,
                    Kind::JointProgramme,
                    "jointProgramme",
                )?,
                organization_id: id_of(&input.organization, Kind::Organization, "organization")?,
                decision_id: id_of(&input.decision, Kind::Decision, "decision")?,
                transferred_on: input.transferred_on.0,
                amount_usd: input.amount_usd.0,
            };
            programmes::record_transfer(ctx.services(), ctx.actor(), new, &input.idempotency_key)
                .await
        };
        let (transfer, user_errors) = payload(run.await, ctx.actor())?;
        Ok(RecordTransferPayload {
            transfer: transfer.map(Transfer),
            user_errors,
        })
    }

    /// Records a participating organization's refund of unspent money of a programme (ADMIN;
    /// audited; idempotent by `idempotencyKey`). The money returns to the pools the transfers came
    /// from and raises what the committee can allocate. Sends a `REFUND` event.
    async fn record_refund(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `RecordRefundInput`.")] input: RecordRefundInput,
    ) -> Result<RecordRefundPayload> {
        let run = async {
            let new = NewRefund {
                joint_programme_id: id_of(
                    &input.joint_programme,
                    Kind::JointProgramme,
                    "jointProgramme",
                )?,
                organization_id: id_of(&input.organization, Kind::Organization, "organization")?,
                refunded_on: input.refunded_on.0,
                amount_usd: input.amount_usd.0,
            };
            books::record_refund(ctx.services(), ctx.actor(), new, &input.idempotency_key).await
        };
        let (refunded, user_errors) = payload(run.await, ctx.actor())?;
        let Some(refunded) = refunded else {
            return Ok(RecordRefundPayload {
                joint_programme: None,
                organization: None,
                amount_usd: None,
                entries: Vec::new(),
                user_errors,
            });
        };
        let amount = refunded
            .booked
            .total()
            .map_err(|e| to_graphql(e, ctx.actor()))?;
        Ok(RecordRefundPayload {
            joint_programme: Some(JointProgramme(refunded.programme)),
            organization: Some(Organization(refunded.organization)),
            amount_usd: Some(amount.into()),
            entries: refunded
                .booked
                .entries
                .into_iter()
                .map(BookedEntry)
                .collect(),
            user_errors,
        })
    }

    /// Records interest the fund received: its own, or returned by a participating organization
    /// (ADMIN; audited; idempotent by `idempotencyKey`). Unearmarked money. Sends an `INCOME` event.
    async fn record_interest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `RecordInterestInput`.")]
        input: RecordInterestInput,
    ) -> Result<RecordInterestPayload> {
        let run = async {
            let new = NewInterest {
                source: input.source,
                organization_id: input
                    .organization
                    .as_ref()
                    .map(|o| id_of(o, Kind::Organization, "organization"))
                    .transpose()?,
                received_on: input.received_on.0,
                amount_usd: input.amount_usd.0,
            };
            books::record_interest(ctx.services(), ctx.actor(), new, &input.idempotency_key).await
        };
        let (booked, user_errors) = payload(run.await, ctx.actor())?;
        let entry = booked.and_then(|b| b.entries.into_iter().next());
        let organization = match entry.as_ref().and_then(|e| e.organization_id) {
            Some(id) => organization_by_id(ctx, id).await?,
            None => None,
        };
        Ok(RecordInterestPayload {
            entry: entry.map(BookedEntry),
            organization,
            user_errors,
        })
    }

    /// Records other income of the fund (ADMIN; audited; idempotent by `idempotencyKey`).
    /// Unearmarked money. Sends an `INCOME` event.
    async fn record_other_income(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `RecordOtherIncomeInput`.")]
        input: RecordOtherIncomeInput,
    ) -> Result<RecordOtherIncomePayload> {
        let run = async {
            let new = NewOtherIncome {
                received_on: input.received_on.0,
                amount_usd: input.amount_usd.0,
                description: input.description,
            };
            books::record_other_income(ctx.services(), ctx.actor(), new, &input.idempotency_key)
                .await
        };
        let (booked, user_errors) = payload(run.await, ctx.actor())?;
        Ok(RecordOtherIncomePayload {
            entry: booked
                .and_then(|b| b.entries.into_iter().next())
                .map(BookedEntry),
            user_errors,
        })
    }

    /// Records a direct cost the steering committee approved, or a bank charge, that the fund
    /// paid from unearmarked money (ADMIN; audited; idempotent by `idempotencyKey`). Sends a
    /// `COST` event.
    async fn record_direct_cost(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `RecordDirectCostInput`.")]
        input: RecordDirectCostInput,
    ) -> Result<RecordDirectCostPayload> {
        let run = async {
            let new = NewDirectCost {
                kind: input.kind,
                incurred_on: input.incurred_on.0,
                amount_usd: input.amount_usd.0,
                description: input.description,
                decision_id: input
                    .decision
                    .as_ref()
                    .map(|d| id_of(d, Kind::Decision, "decision"))
                    .transpose()?,
            };
            books::record_direct_cost(ctx.services(), ctx.actor(), new, &input.idempotency_key)
                .await
        };
        let (booked, user_errors) = payload(run.await, ctx.actor())?;
        let entry = booked.and_then(|b| b.entries.into_iter().next());
        let decision = match entry.as_ref().and_then(|e| e.decision_id) {
            Some(id) => loaded(ctx, ctx.loader().load_one(DecisionById(id)).await)?.map(Decision),
            None => None,
        };
        Ok(RecordDirectCostPayload {
            entry: entry.map(BookedEntry),
            decision,
            user_errors,
        })
    }

    /// Reports a year's expenditure of your organization on a programme by cost category,
    /// interim or certified (PUNO; audited; idempotent by `idempotencyKey`): the books count the
    /// year's latest figure. Sends an `EXPENDITURE` event.
    async fn report_expenditure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `ReportExpenditureInput`.")]
        input: ReportExpenditureInput,
    ) -> Result<ReportExpenditurePayload> {
        let run = async {
            let new = NewExpenditure {
                joint_programme_id: id_of(
                    &input.joint_programme,
                    Kind::JointProgramme,
                    "jointProgramme",
                )?,
                organization_id: input
                    .organization
                    .as_ref()
                    .map(|o| id_of(o, Kind::Organization, "organization"))
                    .transpose()?,
                year: input.year,
                nature: input.nature,
                lines: lines_of(&input.lines),
                amount_usd: input.amount_usd.map(|a| a.0),
                is_final: input.is_final,
            };
            expenditure::report_expenditure(
                ctx.services(),
                ctx.actor(),
                new,
                &input.idempotency_key,
            )
            .await
        };
        let (report, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ReportExpenditurePayload {
            expenditure_report: report.map(ExpenditureReport),
            user_errors,
        })
    }

    /// Corrects a certified expenditure figure on an audit's word (ADMIN; audited; idempotent by
    /// `idempotencyKey`): a new figure marked audited, the certified one and earlier corrections
    /// kept; the ledger reverses the figure's `EXPENDITURE` entry and books the corrected one.
    /// Sends an `EXPENDITURE` event.
    async fn correct_expenditure(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `CorrectExpenditureInput`.")]
        input: CorrectExpenditureInput,
    ) -> Result<CorrectExpenditurePayload> {
        let run = async {
            let correction = ExpenditureCorrection {
                expenditure_report_id: id_of(
                    &input.expenditure_report,
                    Kind::ExpenditureReport,
                    "expenditureReport",
                )?,
                expected_version: input.expected_version,
                lines: lines_of(&input.lines),
                audit_reference: input.audit_reference.clone(),
                reason: input.reason.clone(),
            };
            expenditure::correct_expenditure(
                ctx.services(),
                ctx.actor(),
                correction,
                &input.idempotency_key,
            )
            .await
        };
        let (report, user_errors) = payload(run.await, ctx.actor())?;
        Ok(CorrectExpenditurePayload {
            expenditure_report: report.map(ExpenditureReport),
            user_errors,
        })
    }

    /// Adds an indicator to a programme's results framework (ADMIN, or a PUNO of the programme;
    /// audited).
    async fn add_indicator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `AddIndicatorInput`.")] input: AddIndicatorInput,
    ) -> Result<AddIndicatorPayload> {
        let run = async {
            let new = NewIndicator {
                joint_programme_id: id_of(
                    &input.joint_programme,
                    Kind::JointProgramme,
                    "jointProgramme",
                )?,
                code: input.code,
                level: input.level,
                statement: input.statement,
                unit: input.unit,
                baseline: input.baseline.0,
                target: input.target.0,
                objective_id: input
                    .objective
                    .as_ref()
                    .map(|o| id_of(o, Kind::GcmObjective, "objective"))
                    .transpose()?,
                guiding_principle_id: input
                    .guiding_principle
                    .as_ref()
                    .map(|p| id_of(p, Kind::GuidingPrinciple, "guidingPrinciple"))
                    .transpose()?,
                baseline_year: input.baseline_year,
                disaggregation: input.disaggregation,
                targets: input
                    .targets
                    .into_iter()
                    .map(IndicatorTargetInput::into_new)
                    .collect(),
            };
            results::add_indicator(ctx.services(), ctx.actor(), new).await
        };
        let (indicator, user_errors) = payload(run.await, ctx.actor())?;
        Ok(AddIndicatorPayload {
            indicator: indicator.map(ResultsIndicator),
            user_errors,
        })
    }

    /// Reports an indicator's value at the end of a period (PUNO of the programme; audited). Sends
    /// an `INDICATOR_REPORT` event.
    async fn report_indicator_value(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `ReportIndicatorValueInput`.")]
        input: ReportIndicatorValueInput,
    ) -> Result<ReportIndicatorValuePayload> {
        let run = async {
            let report = NewReport {
                indicator_id: id_of(&input.indicator, Kind::ResultsIndicator, "indicator")?,
                period_start: input.period_start.map(|d| d.0),
                period_end: input.period_end.0,
                value: input.value.0,
                note: input.note,
                breakdown: input
                    .breakdown
                    .into_iter()
                    .map(|c| (c.category, c.value.0))
                    .collect(),
            };
            results::report_indicator_value(ctx.services(), ctx.actor(), report).await
        };
        let (measured, user_errors) = payload(run.await, ctx.actor())?;
        let (measurement, indicator) = measured
            .map(|m| {
                (
                    Some(IndicatorMeasurement(m.measurement)),
                    Some(ResultsIndicator(m.indicator)),
                )
            })
            .unwrap_or((None, None));
        Ok(ReportIndicatorValuePayload {
            measurement,
            indicator,
            user_errors,
        })
    }

    /// Revises an indicator's statement, unit, baseline (and its year) or overall target (ADMIN,
    /// the Fund Management Unit: an organization does not change an approved programme's results
    /// framework alone; audited), with a reason. The form it replaces is kept in `revisions`.
    /// Sends an `INDICATOR_REVISION` event.
    async fn revise_indicator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `ReviseIndicatorInput`.")]
        input: ReviseIndicatorInput,
    ) -> Result<IndicatorPayload> {
        let run = async {
            let changes = IndicatorChanges {
                indicator_id: id_of(&input.indicator, Kind::ResultsIndicator, "indicator")?,
                expected_version: input.expected_version,
                statement: input.statement,
                unit: input.unit,
                baseline: input.baseline.map(|b| b.0),
                baseline_year: input.baseline_year,
                target: input.target.map(|t| t.0),
                reason: input.reason,
            };
            results::revise_indicator(ctx.services(), ctx.actor(), changes).await
        };
        let (indicator, user_errors) = payload(run.await, ctx.actor())?;
        Ok(IndicatorPayload {
            indicator: indicator.map(ResultsIndicator),
            user_errors,
        })
    }

    /// Sets an indicator's targets per period, replacing its current ones (ADMIN, the Fund
    /// Management Unit; audited), with a reason. The targets replaced are kept in `revisions`.
    /// Sends an `INDICATOR_REVISION` event.
    async fn set_indicator_targets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `SetIndicatorTargetsInput`.")]
        input: SetIndicatorTargetsInput,
    ) -> Result<IndicatorPayload> {
        let run = async {
            let id = id_of(&input.indicator, Kind::ResultsIndicator, "indicator")?;
            let targets = input
                .targets
                .into_iter()
                .map(IndicatorTargetInput::into_new)
                .collect();
            results::set_indicator_targets(
                ctx.services(),
                ctx.actor(),
                id,
                input.expected_version,
                targets,
                &input.reason,
            )
            .await
        };
        let (indicator, user_errors) = payload(run.await, ctx.actor())?;
        Ok(IndicatorPayload {
            indicator: indicator.map(ResultsIndicator),
            user_errors,
        })
    }

    /// Retires an indicator (ADMIN, the Fund Management Unit; audited), with a reason: it keeps its
    /// reports and revisions and takes no more reports. Sends a `STATUS_CHANGE` event.
    async fn retire_indicator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `RetireIndicatorInput`.")]
        input: RetireIndicatorInput,
    ) -> Result<IndicatorPayload> {
        let run = async {
            let id = id_of(&input.indicator, Kind::ResultsIndicator, "indicator")?;
            results::retire_indicator(
                ctx.services(),
                ctx.actor(),
                id,
                input.expected_version,
                &input.reason,
            )
            .await
        };
        let (indicator, user_errors) = payload(run.await, ctx.actor())?;
        Ok(IndicatorPayload {
            indicator: indicator.map(ResultsIndicator),
            user_errors,
        })
    }

    /// Records how many units of a currency buy one US dollar from a day on (ADMIN, for the
    /// Administrative Agent; audited, announced as `EXCHANGE_RATE`). Agreements in that currency
    /// then value what they still owe at it (`Contribution.outstandingUsd`).
    async fn record_exchange_rate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `RecordExchangeRateInput`.")]
        input: RecordExchangeRateInput,
    ) -> Result<RecordExchangeRatePayload> {
        let run = rates::record_exchange_rate(
            ctx.services(),
            ctx.actor(),
            NewExchangeRate {
                currency: input.currency.0,
                effective_on: input.effective_on.0,
                units_per_usd: input.units_per_usd.0,
                source: input.source,
            },
        );
        let (rate, user_errors) = payload(run.await, ctx.actor())?;
        Ok(RecordExchangeRatePayload {
            exchange_rate: rate.map(ExchangeRate),
            user_errors,
        })
    }

    /// Attaches a document to a concept note, a joint programme, a steering-committee meeting
    /// or an expenditure report, the file stored by the service with its size and SHA-256
    /// (ADMIN on any record; PUNO on the concept notes, programmes and expenditure reports of
    /// its own organization; audited, announced as `DOCUMENT` to whoever reads the record).
    /// Sent as a GraphQL multipart request (docs/documents.md).
    async fn attach_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `AttachDocumentInput`.")]
        input: AttachDocumentInput,
    ) -> Result<AttachDocumentPayload> {
        // Read after the caller is authorized: a file the request does not carry is the
        // command's `VALIDATION`, never a crash.
        let file = input
            .file
            .value(ctx)
            .ok()
            .map(|upload| (upload.filename, upload.content.to_vec()));
        let limit = ctx.data::<super::SchemaOptions>()?.max_document_bytes;
        let run = documents::attach_document(
            ctx.services(),
            ctx.actor(),
            NewDocument {
                subject_id: input.subject_id.0,
                kind: input.kind,
                title: input.title,
                dated_on: input.dated_on.0,
                file,
            },
            limit,
        );
        let (document, user_errors) = payload(run.await, ctx.actor())?;
        Ok(AttachDocumentPayload {
            document: document.map(Document),
            user_errors,
        })
    }

    /// Corrects which GCM objectives a thematic area clusters (ADMIN; audited).
    async fn update_thematic_area_objectives(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The command's input: see `UpdateThematicAreaObjectivesInput`.")]
        input: UpdateThematicAreaObjectivesInput,
    ) -> Result<UpdateThematicAreaObjectivesPayload> {
        let run = async {
            let id = id_of(&input.thematic_area, Kind::ThematicArea, "thematicArea")?;
            catalogue::update_thematic_area_objectives(
                ctx.services(),
                ctx.actor(),
                id,
                &input.objectives,
                input.expected_version,
            )
            .await
        };
        let (area, user_errors) = payload(run.await, ctx.actor())?;
        Ok(UpdateThematicAreaObjectivesPayload {
            thematic_area: area.map(ThematicArea),
            user_errors,
        })
    }
}

/// `MaybeUndefined` as "change to this (maybe null)" or "leave alone".
fn maybe<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}
