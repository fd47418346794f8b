//! The read rules of the API contract's role table, in one place. Queries use the conditions
//! to leave invisible rows out of lists; single-object reads use the predicates and answer
//! `FORBIDDEN`.

use super::{Ctx, ServiceError, ServiceResult};
use crate::auth::Principal;
use crate::domain::{ConceptNoteStatus, Role};
use entity::{concept_note, concept_note_organization, contribution};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition};

/// Any authenticated caller: programmes, results, meetings, donors' names and deposited totals.
pub fn authenticated(ctx: &Ctx) -> ServiceResult<&Principal> {
    ctx.principal()
}

/// A donor's pledges and agreements: the fund's staff, the steering committee, the donor itself.
pub fn can_read_contributions_of(principal: &Principal, donor_id: i64) -> bool {
    principal.reads_everything() || principal.donor_id == Some(donor_id)
}

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

pub fn require_contributions_of(principal: &Principal, donor_id: i64) -> ServiceResult<()> {
    if can_read_contributions_of(principal, donor_id) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "only the fund's staff, the steering committee and the donor itself can read a donor's contributions".to_owned(),
        ))
    }
}

/// Concept notes: everything for staff and committee; a PUNO its own organization's notes in any
/// status; everyone else (and PUNOs for others' notes) from `PIPELINE` on.
pub fn can_read_concept_note(
    principal: &Principal,
    status: ConceptNoteStatus,
    organization_ids: &[i64],
) -> bool {
    principal.reads_everything()
        || status.is_public()
        || (principal.role == Role::Puno
            && principal
                .organization_id
                .is_some_and(|own| organization_ids.contains(&own)))
}

pub fn concept_notes_condition(principal: &Principal) -> Condition {
    if principal.reads_everything() {
        return Condition::all();
    }
    let public = concept_note::Column::Status.is_in(
        [
            ConceptNoteStatus::Pipeline,
            ConceptNoteStatus::Approved,
            ConceptNoteStatus::Funded,
        ]
        .map(|s| s.as_str()),
    );
    let mut visible = Condition::any().add(public);
    if let (Role::Puno, Some(own)) = (principal.role, principal.organization_id) {
        visible = visible.add(
            concept_note::Column::Id.in_subquery(
                Query::select()
                    .column(concept_note_organization::Column::ConceptNoteId)
                    .from(concept_note_organization::Entity)
                    .and_where(concept_note_organization::Column::OrganizationId.eq(own))
                    .to_owned(),
            ),
        );
    }
    // Wrapped so that conditions added by callers narrow the visible notes, never widen them.
    Condition::all().add(visible)
}

/// The audit trail: staff and the steering committee.
pub fn require_audit_reader(ctx: &Ctx) -> ServiceResult<&Principal> {
    ctx.require(
        &[Role::Admin, Role::SteeringCommittee],
        "read the audit trail",
    )
}

/// Steering-committee records (meetings and decisions): staff and the committee; others see the
/// decisions on concept notes and programmes they can read, through those objects.
pub fn can_read_governance(principal: &Principal) -> bool {
    principal.reads_everything()
}
