//! API users, with their role and the donor or organization they act for.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "app_user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub email: String,
    pub display_name: String,
    /// Never serialized, so that it stays out of audit snapshots.
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub role: String,
    pub chair: bool,
    pub donor_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub active: bool,
    /// No longer written: `login` throttles per account and source address in memory
    /// (`mptf::auth::throttle`), so that a stranger cannot lock the account for its owner.
    pub failed_logins: i32,
    /// No longer written or read (see `failed_logins`).
    pub locked_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub version: i32,
    /// A privileged account another administrator has not activated yet (it cannot sign in).
    pub pending_activation: bool,
    /// The token subject who created the account (unknown for accounts older than this).
    pub created_by: Option<String>,
    /// The token subject who activated a privileged account.
    pub activated_by: Option<String>,
    pub activated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::donor::Entity",
        from = "Column::DonorId",
        to = "super::donor::Column::Id"
    )]
    Donor,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id"
    )]
    Organization,
}

impl Related<super::donor::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Donor.def()
    }
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
