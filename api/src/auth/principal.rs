//! The authenticated caller, as every service call sees it.

use crate::domain::Role;

/// Who acts: the token's subject and the role and ties its claims give it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The token's `sub`: a user id for people, a client id for partner systems.
    pub subject: String,
    pub role: Role,
    /// Set for the steering committee's chair.
    pub chair: bool,
    /// The donor a `DONOR` speaks for.
    pub donor_id: Option<i64>,
    /// The participating organization a `PUNO` speaks for.
    pub organization_id: Option<i64>,
}

impl Principal {
    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    /// Whether the caller may act for `organization` in a command that ADMIN runs on any
    /// organization's behalf: anyone but a PUNO, and a PUNO for its own organization only.
    pub fn acts_for(&self, organization: i64) -> bool {
        self.role != Role::Puno || self.organization_id == Some(organization)
    }

    /// Fund staff, the steering committee and auditors read every record (auditors write
    /// nothing: no command names their role).
    pub fn reads_everything(&self) -> bool {
        matches!(
            self.role,
            Role::Admin | Role::SteeringCommittee | Role::Auditor
        )
    }
}
