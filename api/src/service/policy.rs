//! Who may read what: the read rules of the API contract's role table (docs/permissions.md), each
//! defined once here and asked in the three forms the API needs:
//!
//! - a check on one record (`node`, a single read, a nested field): the caller gets `FORBIDDEN`;
//! - a SeaQuery [`Condition`] on a table (lists, nested lists, the dashboards' figures): rows the
//!   caller may not read are left out, and not counted;
//! - the audience of a portfolio event ([`Audience`]): decided when the event is delivered to a
//!   subscriber, from what the outbox row carries about its record (a note's status and
//!   organizations, an agreement's donor), with the same checks as a read of that record.
//!
//! The rule for concept notes is a value, [`ReadPolicy`], that the server holds
//! ([`Services::policy`](super::Services)) and every path above asks: the server runs
//! [`ReadPolicy::FUND`]. Changing who reads notes in a status is one edit of that constant; a test
//! (`tests/api/policy.rs`) starts a server with another value and sees every path follow.

use super::{Ctx, ServiceError, ServiceResult};
use crate::auth::Principal;
use crate::domain::{ConceptNoteStatus, DecisionStatus, LedgerEntryKind, Role};
use entity::{
    budget_line, concept_note, concept_note_organization, contribution, decision, deposit,
    joint_programme, ledger_entry, programme_request,
};
use sea_orm::sea_query::{Alias, DynIden, Expr, ExprTrait, IntoIden, Query};
use sea_orm::{ColumnTrait, Condition, EntityName, IdenStatic};

/// The read rule for concept notes: everything for the fund's staff and the steering committee;
/// a participating organization (PUNO) its own organization's notes in any status; every other
/// authenticated caller (donors, partner systems, and PUNOs for others' notes) the notes in one of
/// `published_note_statuses`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ReadPolicy {
    /// The statuses in which every authenticated caller reads a concept note.
    pub published_note_statuses: &'static [ConceptNoteStatus],
}

impl Default for ReadPolicy {
    fn default() -> Self {
        Self::FUND
    }
}

impl ReadPolicy {
    /// The fund's rule: donors and partner systems see a note once the steering committee has
    /// taken it up (`PIPELINE`), and from then on; a note under review, screened out, rejected or
    /// withdrawn stays with the fund and its organizations.
    pub const FUND: ReadPolicy = ReadPolicy {
        published_note_statuses: &[
            ConceptNoteStatus::Pipeline,
            ConceptNoteStatus::Approved,
            ConceptNoteStatus::Funded,
        ],
    };

    /// Whether every authenticated caller reads a note in `status`.
    pub fn publishes(&self, status: ConceptNoteStatus) -> bool {
        self.published_note_statuses.contains(&status)
    }

    /// Whether the check on a note in `status` needs the note's organizations: only for an
    /// unpublished note, and a caller who does not read everything (so a loader batch is saved).
    pub fn needs_organizations(&self, principal: &Principal, status: ConceptNoteStatus) -> bool {
        !principal.reads_everything() && !self.publishes(status)
    }

    /// The check on one concept note, in `status`, of the organizations `organization_ids`.
    pub fn may_read_concept_note(
        &self,
        principal: &Principal,
        status: ConceptNoteStatus,
        organization_ids: &[i64],
    ) -> bool {
        principal.reads_everything()
            || self.publishes(status)
            || own_organization(principal).is_some_and(|own| organization_ids.contains(&own))
    }

    /// The check on one concept note, as an answer: `FORBIDDEN` saying why.
    pub fn require_concept_note(
        &self,
        principal: &Principal,
        status: ConceptNoteStatus,
        organization_ids: &[i64],
    ) -> ServiceResult<()> {
        if self.may_read_concept_note(principal, status, organization_ids) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(NOTE_REFUSAL.to_owned()))
        }
    }

    /// The concept notes `principal` may read, as a condition on `concept_note`.
    pub fn readable_concept_notes(&self, principal: &Principal) -> Condition {
        self.readable_concept_notes_in(principal, concept_note::Entity.table_name())
    }

    /// The same rule on `concept_note` read under another name (`FROM concept_note n`): the
    /// dashboards' statements alias their tables.
    pub fn readable_concept_notes_in(&self, principal: &Principal, table: &str) -> Condition {
        if principal.reads_everything() {
            return Condition::all();
        }
        let table: DynIden = Alias::new(table).into_iden();
        let column = |c: concept_note::Column| Expr::col((table.clone(), Alias::new(c.as_str())));
        let mut readable = Condition::any().add(
            column(concept_note::Column::Status)
                .is_in(self.published_note_statuses.iter().map(|s| s.as_str())),
        );
        if let Some(own) = own_organization(principal) {
            readable = readable.add(
                column(concept_note::Column::Id).in_subquery(
                    Query::select()
                        .column(concept_note_organization::Column::ConceptNoteId)
                        .from(concept_note_organization::Entity)
                        .and_where(concept_note_organization::Column::OrganizationId.eq(own))
                        .to_owned(),
                ),
            );
        }
        // Wrapped so that conditions added by callers narrow the readable notes, never widen them.
        Condition::all().add(readable)
    }

    /// The committee's decisions `principal` may read in a list: those in effect (see
    /// [`can_read_decision_in_its_status`]) on joint programmes and on the fund, and those on
    /// the concept notes it may read.
    pub fn readable_decisions(&self, principal: &Principal) -> Condition {
        if principal.reads_everything() {
            return Condition::all();
        }
        let readable_notes = Query::select()
            .column(concept_note::Column::Id)
            .from(concept_note::Entity)
            .cond_where(self.readable_concept_notes(principal))
            .to_owned();
        Condition::all()
            .add(decision::Column::Status.eq(DecisionStatus::Adopted.as_str()))
            .add(
                Condition::any()
                    .add(decision::Column::ConceptNoteId.is_null())
                    .add(decision::Column::ConceptNoteId.in_subquery(readable_notes)),
            )
    }

    /// The ledger entries `principal` may read, as a condition on `ledger_entry` (the list, and
    /// `node` of one entry, which asks whether its row meets it). See [`DONORS_LINES`]:
    ///
    /// - ADMIN, STEERING_COMMITTEE and AUDITOR read every entry;
    /// - a donor's money — an entry on one of [`DONORS_LINES`] or naming a donor (its pledges,
    ///   agreements and their amendments, deposits, the Administrative Agent's fee on them, and
    ///   the reversals of any of these) — is read by that donor alone, as its agreements are;
    /// - every other entry (the fund's interest, other income, direct costs and bank charges;
    ///   the committee's allocations; transfers, refunds, interest and expenditure of
    ///   participating organizations) is what the Gateway publishes fund by fund and programme
    ///   by programme, and every authenticated caller reads it — but an entry resting on a
    ///   decision only when that decision is readable (a decision on a concept note follows the
    ///   note's rule).
    ///
    /// So a DONOR reads its own money and the public entries, a PUNO and a PARTNER_SYSTEM the
    /// public entries (a PUNO's own organization's entries are among them).
    pub fn readable_ledger_entries(&self, principal: &Principal) -> Condition {
        if principal.reads_everything() {
            return Condition::all();
        }
        let readable_decisions = Query::select()
            .column(decision::Column::Id)
            .from(decision::Entity)
            .cond_where(self.readable_decisions(principal))
            .to_owned();
        let public = Condition::all()
            .add(ledger_entry::Column::CountsAs.is_not_in(DONORS_LINES.iter().map(|k| k.as_str())))
            .add(ledger_entry::Column::DonorId.is_null())
            .add(
                Condition::any()
                    .add(ledger_entry::Column::DecisionId.is_null())
                    .add(ledger_entry::Column::DecisionId.in_subquery(readable_decisions)),
            );
        let mut readable = Condition::any().add(public);
        if let Some(own) = principal.donor_id {
            readable = readable.add(ledger_entry::Column::DonorId.eq(own));
        }
        // Wrapped so that the caller's filters narrow the readable entries, never widen them.
        Condition::all().add(readable)
    }

    /// Whether a subscriber receives an event: the check on the record it is about, as the
    /// record stood after the event.
    pub fn may_receive(&self, principal: &Principal, audience: &Audience) -> bool {
        match audience {
            Audience::Everyone => true,
            Audience::Donor(donor_id) => can_read_contributions_of(principal, *donor_id),
            Audience::ConceptNote {
                status,
                organization_ids,
            } => self.may_read_concept_note(principal, *status, organization_ids),
            Audience::Organizations(organization_ids) => {
                may_read_programme_requests(principal, organization_ids)
            }
        }
    }
}

/// The lines of the books that are a donor's money: what it pledged and signed (amendments
/// count as `COMMITMENT`), what it deposited and the fee taken on that (reversals count in the
/// line they reverse). Read like the donor's agreements: by the donor itself and the roles that
/// read everything.
pub const DONORS_LINES: [LedgerEntryKind; 4] = [
    LedgerEntryKind::Pledge,
    LedgerEntryKind::Commitment,
    LedgerEntryKind::Deposit,
    LedgerEntryKind::AgentFee,
];

/// Why a ledger entry is refused (the fund's rule).
pub const LEDGER_REFUSAL: &str = "this ledger entry is a donor's money (its pledges, agreements, deposits and their fees), read only by the donor itself, the fund's staff, the steering committee and auditors, or it rests on a decision on a concept note you may not read yet";

/// Why a concept note is refused (the fund's rule).
pub const NOTE_REFUSAL: &str =
    "this concept note is not yet in the pipeline, and your organization does not take part in it";

/// The organization whose notes `principal` reads in any status: a PUNO's own.
fn own_organization(principal: &Principal) -> Option<i64> {
    match (principal.role, principal.organization_id) {
        (Role::Puno, Some(own)) => Some(own),
        _ => None,
    }
}

/// Who may receive a portfolio event: what the read rule needs to know about its record. Carried
/// in the outbox row (see `events`), so that the rule is applied when the event is delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// A record every authenticated caller reads (programmes, transfers, meetings, the
    /// catalogue).
    Everyone,
    /// A donor's pledge or agreement.
    Donor(i64),
    /// A concept note, or a decision on one: the note's status after the event and its
    /// organizations.
    ConceptNote {
        status: ConceptNoteStatus,
        organization_ids: Vec<i64>,
    },
    /// A record of these organizations only (a programme's requests to the steering
    /// committee): ADMIN, STEERING_COMMITTEE, AUDITOR and the organizations' PUNOs.
    Organizations(Vec<i64>),
}

/// A decision not in effect — awaiting the chair's confirmation or its written procedure's
/// deadline, or objected to — is the committee's own business: read by ADMIN,
/// STEERING_COMMITTEE and AUDITOR; every other caller reads decisions once they are adopted
/// (and those on concept notes by the note's rule).
/// (The list's condition is [`Policy::readable_decisions`].)
pub fn can_read_decision_in_its_status(principal: &Principal, decision: &decision::Model) -> bool {
    principal.reads_everything() || decision.status == DecisionStatus::Adopted.as_str()
}

/// A programme's requests to the steering committee (extensions, revisions, tranches) are the
/// committee's business and the programme's: ADMIN, STEERING_COMMITTEE and AUDITOR read every
/// request; a PUNO the requests of the programmes its organization takes part in
/// (`organization_ids`: the programme's convening organization and those with a budget line);
/// donors and partner systems none (they read the decisions that answer them, once adopted).
pub fn may_read_programme_requests(principal: &Principal, organization_ids: &[i64]) -> bool {
    principal.reads_everything()
        || own_organization(principal).is_some_and(|own| organization_ids.contains(&own))
}

/// The same rule as a condition on `programme_request`.
pub fn readable_programme_requests(principal: &Principal) -> Condition {
    if principal.reads_everything() {
        return Condition::all();
    }
    let Some(own) = own_organization(principal) else {
        // Donors, partner systems, and a PUNO token naming no organization: nothing.
        return Condition::all().add(Expr::val(1).eq(Expr::val(0)));
    };
    let programmes_of_own = Query::select()
        .column(budget_line::Column::JointProgrammeId)
        .from(budget_line::Entity)
        .and_where(budget_line::Column::OrganizationId.eq(own))
        .to_owned();
    let convened_by_own = Query::select()
        .column(joint_programme::Column::Id)
        .from(joint_programme::Entity)
        .and_where(joint_programme::Column::ConveningOrganizationId.eq(own))
        .to_owned();
    Condition::all().add(
        Condition::any()
            .add(programme_request::Column::JointProgrammeId.in_subquery(programmes_of_own))
            .add(programme_request::Column::JointProgrammeId.in_subquery(convened_by_own)),
    )
}

/// Why a programme request is refused (the rule above).
pub const REQUEST_REFUSAL: &str = "a programme's requests to the steering committee are read by the fund's staff, the committee, auditors and the programme's own organizations";

/// The organization whose reports owed a caller reads in the reporting calendar: a PUNO its own
/// (the reports its organization owes the fund); every other token reads the whole fund's
/// (`None`), as programmes and their reports are public.
pub fn reporting_organization(principal: &Principal) -> Option<i64> {
    match principal.role {
        // A PUNO token naming no organization reads nothing: no row has id 0.
        Role::Puno => Some(principal.organization_id.unwrap_or(0)),
        _ => None,
    }
}

/// Any authenticated caller: programmes, results, meetings, donors' names and deposited totals.
pub fn authenticated(ctx: &Ctx) -> ServiceResult<&Principal> {
    ctx.principal()
}

/// A donor's pledges and agreements: the fund's staff, the steering committee, the donor itself.
pub fn can_read_contributions_of(principal: &Principal, donor_id: i64) -> bool {
    principal.reads_everything() || principal.donor_id == Some(donor_id)
}

/// The same rule as a condition on `contribution`.
pub fn contributions_condition(principal: &Principal) -> Condition {
    if principal.reads_everything() {
        Condition::all()
    } else if let Some(donor) = principal.donor_id {
        Condition::all().add(contribution::Column::DonorId.eq(donor))
    } else {
        // PUNOs and partner systems see deposited totals only, never agreements.
        Condition::all().add(Expr::val(1).eq(Expr::val(0)))
    }
}

/// The deposits `principal` may read, as a condition on `deposit` (the flat list `deposits`):
/// the rule of the agreements they are received against ([`contributions_condition`]), as
/// `Contribution.deposits` and `node` of a deposit apply it. A deposit is its donor's money: read
/// by the donor itself, ADMIN, STEERING_COMMITTEE and AUDITOR; PUNOs and partner systems read
/// deposited totals only, never a deposit.
pub fn readable_deposits(principal: &Principal) -> Condition {
    if principal.reads_everything() {
        return Condition::all();
    }
    Condition::all().add(
        deposit::Column::ContributionId.in_subquery(
            Query::select()
                .column(contribution::Column::Id)
                .from(contribution::Entity)
                .cond_where(contributions_condition(principal))
                .to_owned(),
        ),
    )
}

/// The transfers `principal` may read, as a condition on `transfer`: every authenticated
/// caller reads every transfer, as it reads the programmes they fund (`JointProgramme.transfers`,
/// `node`), and the Gateway publishes them programme by programme.
pub fn readable_transfers(_principal: &Principal) -> Condition {
    Condition::all()
}

/// The expenditure reports `principal` may read, as a condition on `expenditure_report`: every
/// authenticated caller reads every report, as it reads the programmes they are about
/// (`JointProgramme.expenditures`, `node`).
pub fn readable_expenditure_reports(_principal: &Principal) -> Condition {
    Condition::all()
}

pub fn require_contributions_of(principal: &Principal, donor_id: i64) -> ServiceResult<()> {
    if can_read_contributions_of(principal, donor_id) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "only the fund's staff, the steering committee and the donor itself can read a donor's contributions".to_owned(),
        ))
    }
}

/// The audit trail: staff, the steering committee and auditors.
pub fn require_audit_reader(ctx: &Ctx) -> ServiceResult<&Principal> {
    ctx.require(
        &[Role::Admin, Role::SteeringCommittee, Role::Auditor],
        "read the audit trail",
    )
}

/// What the rule on attaching a document needs to know about its record: the organizations
/// it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentOwners {
    /// A concept note, of these organizations (convening included).
    ConceptNote(Vec<i64>),
    /// A joint programme, of the organizations with a budget line in it.
    JointProgramme(Vec<i64>),
    /// An expenditure report, made by this organization.
    ExpenditureReport(i64),
    /// A steering-committee meeting: the fund's own record.
    Meeting,
}

/// Who attaches a document to a record (`attachDocument`): the fund's staff (ADMIN) to any
/// record; a participating organization (PUNO) to a concept note, a joint programme or an
/// expenditure report of its own organization (a note it is among the organizations of, a
/// programme it has a budget line in, a report it made). A meeting's minutes, and anything
/// else on a meeting, are the Fund Management Unit's alone. Every other role attaches nothing.
///
/// Reading is not a rule of its own: a document is read by whoever may read its record (a
/// concept note's by [`ReadPolicy::may_read_concept_note`], every other record's by every
/// authenticated caller), through that record's own check.
pub fn may_attach_document(principal: &Principal, owners: &DocumentOwners) -> bool {
    if principal.role == Role::Admin {
        return true;
    }
    let Some(own) = own_organization(principal) else {
        return false;
    };
    match owners {
        DocumentOwners::ConceptNote(organizations)
        | DocumentOwners::JointProgramme(organizations) => organizations.contains(&own),
        DocumentOwners::ExpenditureReport(organization) => *organization == own,
        DocumentOwners::Meeting => false,
    }
}

/// Why a document is refused (the rule above).
pub const ATTACH_REFUSAL: &str = "a participating organization attaches documents only to the concept notes, joint programmes and expenditure reports of its own organization, and only the Fund Management Unit attaches a meeting's minutes";

/// Steering-committee records (meetings and decisions): staff and the committee; others see the
/// decisions on concept notes and programmes they can read, through those objects.
pub fn can_read_governance(principal: &Principal) -> bool {
    principal.reads_everything()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::SqliteQueryBuilder;
    use ConceptNoteStatus::*;

    fn principal(role: Role, donor_id: Option<i64>, organization_id: Option<i64>) -> Principal {
        Principal {
            subject: "test".to_owned(),
            role,
            chair: false,
            donor_id,
            organization_id,
        }
    }

    fn sql(condition: Condition) -> String {
        Query::select()
            .column(concept_note::Column::Id)
            .from(concept_note::Entity)
            .cond_where(condition)
            .to_string(SqliteQueryBuilder)
    }

    /// The three forms of the note rule answer from the one list of published statuses: widen
    /// it, and the check, the condition and the audience of events all widen with it.
    #[test]
    fn the_check_the_condition_and_the_audience_follow_one_list() {
        let donor = principal(Role::Donor, Some(1), None);
        let owner = principal(Role::Puno, None, Some(7));
        let other = principal(Role::Puno, None, Some(8));
        let staff = principal(Role::Admin, None, None);
        let wider = ReadPolicy {
            published_note_statuses: &[UnderReview, Pipeline, Approved, Funded],
        };
        let under_review = Audience::ConceptNote {
            status: UnderReview,
            organization_ids: vec![7],
        };
        for (policy, donors_read) in [(ReadPolicy::FUND, false), (wider, true)] {
            assert_eq!(
                policy.may_read_concept_note(&donor, UnderReview, &[7]),
                donors_read
            );
            assert_eq!(
                policy.may_read_concept_note(&other, UnderReview, &[7]),
                donors_read
            );
            assert!(policy.may_read_concept_note(&owner, UnderReview, &[7]));
            assert!(policy.may_read_concept_note(&staff, UnderReview, &[7]));
            assert_eq!(policy.may_receive(&donor, &under_review), donors_read);
            assert!(policy.may_receive(&owner, &under_review));
            assert_eq!(
                sql(policy.readable_concept_notes(&donor)).contains("'UNDER_REVIEW'"),
                donors_read
            );
        }
        assert!(!ReadPolicy::FUND.may_read_concept_note(&donor, Submitted, &[]));
        assert!(ReadPolicy::FUND.may_read_concept_note(&donor, Pipeline, &[]));
        // Only a PUNO's organization counts: a donor's id never matches a note's organizations.
        assert!(!ReadPolicy::FUND.may_read_concept_note(
            &principal(Role::Donor, Some(7), Some(7)),
            UnderReview,
            &[7]
        ));
    }

    #[test]
    fn the_condition_reads_the_published_statuses_or_the_own_organization() {
        assert_eq!(
            sql(ReadPolicy::FUND
                .readable_concept_notes_in(&principal(Role::Puno, None, Some(7)), "n")),
            r#"SELECT "id" FROM "concept_note" WHERE "n"."status" IN ('PIPELINE', 'APPROVED', 'FUNDED') OR "n"."id" IN (SELECT "concept_note_id" FROM "concept_note_organization" WHERE "concept_note_organization"."organization_id" = 7)"#
        );
        assert_eq!(
            sql(ReadPolicy::FUND.readable_concept_notes(&principal(Role::Admin, None, None))),
            r#"SELECT "id" FROM "concept_note" WHERE TRUE"#
        );
    }
}
