//! A request from a programme's convening organization to the steering committee: a no-cost
//! extension, a budget revision or its next tranche, with a justification; put on a meeting's
//! agenda, and answered by a decision of the committee.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "programme_request")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub joint_programme_id: i64,
    /// The organization on whose behalf it was made: the programme's convening organization.
    pub organization_id: i64,
    pub kind: String,
    pub justification: String,
    /// What a no-cost extension asks for.
    pub new_end_date: Option<Date>,
    /// What a budget revision or a tranche asks for, in USD cents.
    pub amount_usd_cents: Option<i64>,
    pub requested_by: String,
    pub requested_at: DateTimeUtc,
    pub status: String,
    /// The meeting or written procedure whose agenda it is on.
    pub meeting_id: Option<i64>,
    /// The decision that answers it (pending, or in effect once `ANSWERED`).
    pub decision_id: Option<i64>,
    /// That decision's answer.
    pub outcome: Option<String>,
    /// The day the answer took effect (the decision's adoption).
    pub answered_on: Option<Date>,
    pub withdrawn_by: Option<String>,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
