//! The state machines of the programming cycle and of money, and the checks on proposals.

use super::{ConceptNoteStatus, ContributionStatus, DecisionKind, ProgrammeStatus, UserError};

impl ConceptNoteStatus {
    /// The moves the programming cycle allows. `PIPELINE` may go back to `UNDER_REVIEW`
    /// (a deferral); `SCREENED_OUT`, `REJECTED`, `WITHDRAWN` and `FUNDED` end it.
    pub fn can_move_to(self, next: ConceptNoteStatus) -> bool {
        use ConceptNoteStatus::*;
        matches!(
            (self, next),
            (Submitted, UnderReview)
                | (Submitted, ScreenedOut)
                | (UnderReview, Pipeline)
                | (UnderReview, Rejected)
                | (Pipeline, UnderReview)
                | (Pipeline, Approved)
                | (Pipeline, Rejected)
                | (Approved, Funded)
                | (Submitted | UnderReview | Pipeline, Withdrawn)
        )
    }

    pub fn transition(self, next: ConceptNoteStatus) -> Result<ConceptNoteStatus, UserError> {
        if self.can_move_to(next) {
            Ok(next)
        } else {
            Err(UserError::invalid_transition(
                "concept note",
                self.as_str(),
                next.as_str(),
            ))
        }
    }
}

/// What kind of record a decision is taken on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecisionSubjectKind {
    ConceptNote,
    JointProgramme,
    /// The fund itself: no concept note, no programme.
    Fund,
}

impl DecisionKind {
    /// The concept-note status a decision on a note leads to, or `None` for decisions that are
    /// only taken on joint programmes.
    pub fn concept_note_outcome(self) -> Option<ConceptNoteStatus> {
        match self {
            DecisionKind::Pipeline => Some(ConceptNoteStatus::Pipeline),
            DecisionKind::Funding => Some(ConceptNoteStatus::Approved),
            DecisionKind::Rejection => Some(ConceptNoteStatus::Rejected),
            DecisionKind::Deferral => Some(ConceptNoteStatus::UnderReview),
            DecisionKind::BudgetRevision
            | DecisionKind::NoCostExtension
            | DecisionKind::Suspension
            | DecisionKind::LiftSuspension
            | DecisionKind::DirectCost => None,
        }
    }

    /// The kinds that state an amount in US dollars.
    pub fn carries_amount(self) -> bool {
        matches!(
            self,
            DecisionKind::Funding | DecisionKind::BudgetRevision | DecisionKind::DirectCost
        )
    }

    /// The kinds that allocate money to a programme, drawing on what the committee can still
    /// allocate (`ALLOCATION` entries).
    pub fn allocates(self) -> bool {
        matches!(self, DecisionKind::Funding | DecisionKind::BudgetRevision)
    }

    /// What the decision is taken on.
    pub fn subject(self) -> DecisionSubjectKind {
        if self.concept_note_outcome().is_some() {
            DecisionSubjectKind::ConceptNote
        } else if self == DecisionKind::DirectCost {
            DecisionSubjectKind::Fund
        } else {
            DecisionSubjectKind::JointProgramme
        }
    }
}

impl ContributionStatus {
    /// The status that follows from what has been deposited against what was signed.
    pub fn after_deposits(deposited_minor: i64, pledged_minor: i64) -> ContributionStatus {
        if deposited_minor >= pledged_minor {
            ContributionStatus::FullyDeposited
        } else {
            ContributionStatus::PartiallyDeposited
        }
    }

    pub fn accepts_deposits(self) -> bool {
        matches!(
            self,
            ContributionStatus::Signed | ContributionStatus::PartiallyDeposited
        )
    }
}

impl ProgrammeStatus {
    /// `APPROVED → ACTIVE → OPERATIONALLY_CLOSED → FINANCIALLY_CLOSED`, with `SUSPENDED` reachable
    /// from an approved or active programme and returning to where it was.
    pub fn can_move_to(
        self,
        next: ProgrammeStatus,
        before_suspension: Option<ProgrammeStatus>,
    ) -> bool {
        use ProgrammeStatus::*;
        match (self, next) {
            (Approved, Active) | (Active, OperationallyClosed) => true,
            (OperationallyClosed, FinanciallyClosed) => true,
            (Approved | Active, Suspended) => true,
            (Suspended, back) => Some(back) == before_suspension,
            _ => false,
        }
    }

    /// Money may still be transferred to a programme in these states.
    pub fn accepts_transfers(self) -> bool {
        matches!(self, ProgrammeStatus::Approved | ProgrammeStatus::Active)
    }

    /// Organizations may still report expenditure and results in these states.
    pub fn accepts_reports(self) -> bool {
        matches!(
            self,
            ProgrammeStatus::Approved
                | ProgrammeStatus::Active
                | ProgrammeStatus::OperationallyClosed
        )
    }
}

/// The gender, human-rights and child-sensitivity markers of a proposal, each 0–3.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Markers {
    pub gender: i32,
    pub human_rights: i32,
    pub child_sensitivity: i32,
}

impl Markers {
    pub fn parse(
        gender: i32,
        human_rights: i32,
        child_sensitivity: i32,
    ) -> Result<Self, UserError> {
        for (value, field) in [
            (gender, "gender"),
            (human_rights, "humanRights"),
            (child_sensitivity, "childSensitivity"),
        ] {
            if !(0..=3).contains(&value) {
                return Err(UserError::new(
                    super::UserErrorCode::Validation,
                    &["markers", field],
                    "a marker is 0 (no contribution) to 3 (principal objective)",
                ));
            }
        }
        Ok(Markers {
            gender,
            human_rights,
            child_sensitivity,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConceptNoteStatus::*;

    #[test]
    fn the_programming_cycle_only_moves_forward_or_defers() {
        assert!(Submitted.can_move_to(UnderReview));
        assert!(Pipeline.can_move_to(UnderReview));
        assert!(!Submitted.can_move_to(Approved));
        assert!(!Funded.can_move_to(Withdrawn));
        assert!(!Rejected.can_move_to(Pipeline));
        assert!(Approved.transition(Submitted).is_err());
    }

    #[test]
    fn a_suspension_returns_where_it_came_from() {
        use ProgrammeStatus::*;
        assert!(Suspended.can_move_to(Active, Some(Active)));
        assert!(!Suspended.can_move_to(FinanciallyClosed, Some(Active)));
        assert!(!FinanciallyClosed.can_move_to(Active, None));
    }
}
