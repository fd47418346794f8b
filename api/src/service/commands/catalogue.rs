//! Reference data: the one command that corrects it. Everyone may read reference data (see
//! `service::catalogue`); only an ADMIN corrects it, audited. The envelope does the rest (see
//! [`crate::service::envelope`]).

use crate::domain::{Role, UserError};
use crate::ids::Kind;
use crate::service::catalogue::objective_numbers_of;
use crate::service::envelope::Command;
use crate::service::events::NewEvent;
use crate::service::{claim_version, Ctx, ServiceResult, Services};
use entity::{gcm_objective, thematic_area, thematic_area_objective};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;

/// Replaces the GCM objectives clustered under a thematic area (ADMIN): at least one, each
/// numbered 1 to 23. The clustering is unconfirmed data, corrected by the Fund Management Unit.
pub async fn update_thematic_area_objectives(
    fund: &Services,
    ctx: &Ctx,
    area_id: i64,
    objective_numbers: &[i32],
    expected_version: i32,
) -> ServiceResult<thematic_area::Model> {
    let command = Command::new(
        ctx,
        "updateThematicAreaObjectives",
        &[Role::Admin],
        "correct reference data",
    )?;
    if objective_numbers.is_empty() {
        return Err(UserError::validation(
            "objectives",
            "a thematic area clusters at least one objective",
        )
        .into());
    }
    if let Some(bad) = objective_numbers.iter().find(|n| !(1..=23).contains(*n)) {
        let message = format!("there is no GCM objective {bad}: they are numbered 1 to 23");
        return Err(UserError::validation("objectives", message).into());
    }
    command
        .run(fund, async |txn, effect| {
            let area = thematic_area::Entity::find_by_id(area_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("thematicArea", "thematic area"))?;
            claim_version::<thematic_area::Entity>(txn, area_id, area.version, expected_version)
                .await?;
            let before: Vec<i32> = objective_numbers_of(txn, area_id).await?;
            thematic_area_objective::Entity::delete_many()
                .filter(thematic_area_objective::Column::ThematicAreaId.eq(area_id))
                .exec(txn)
                .await?;
            let objectives = gcm_objective::Entity::find()
                .filter(gcm_objective::Column::Number.is_in(objective_numbers.iter().copied()))
                .all(txn)
                .await?;
            thematic_area_objective::Entity::insert_many(objectives.iter().map(|o| {
                thematic_area_objective::ActiveModel {
                    thematic_area_id: Set(area_id),
                    gcm_objective_id: Set(o.id),
                }
            }))
            .exec(txn)
            .await?;
            let updated = thematic_area::Model {
                version: area.version + 1,
                ..area
            };
            let mut after: Vec<i32> = objectives.iter().map(|o| o.number).collect();
            after.sort_unstable();
            let summary = format!(
                "Thematic area {} now clusters objectives {:?}",
                updated.number, after
            );
            effect.audit(
                (Kind::ThematicArea, area_id),
                Some(json!({ "objectives": before })),
                json!({ "objectives": after }),
            );
            effect.announce(NewEvent::status_change(
                Kind::ThematicArea,
                area_id,
                summary,
            ));
            Ok(updated)
        })
        .await
}
