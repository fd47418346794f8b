//! Reference data: thematic areas, GCM objectives and their clustering, guiding principles,
//! countries and UN organizations. Everyone may read it; only an ADMIN corrects it, audited.

use super::{audit, events, Ctx, ServiceResult, Services};
use crate::domain::{Region, Role, UserError};
use crate::ids::Kind;
use entity::{
    country, gcm_objective, guiding_principle, organization, thematic_area, thematic_area_objective,
};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Set,
    TransactionTrait,
};
use serde_json::json;

impl Services {
    pub async fn thematic_areas(&self) -> ServiceResult<Vec<thematic_area::Model>> {
        Ok(thematic_area::Entity::find()
            .order_by_asc(thematic_area::Column::Number)
            .all(&self.db)
            .await?)
    }

    pub async fn gcm_objectives(&self) -> ServiceResult<Vec<gcm_objective::Model>> {
        Ok(gcm_objective::Entity::find()
            .order_by_asc(gcm_objective::Column::Number)
            .all(&self.db)
            .await?)
    }

    pub async fn guiding_principles(&self) -> ServiceResult<Vec<guiding_principle::Model>> {
        Ok(guiding_principle::Entity::find()
            .order_by_asc(guiding_principle::Column::Position)
            .all(&self.db)
            .await?)
    }

    pub async fn countries(&self, region: Option<Region>) -> ServiceResult<Vec<country::Model>> {
        let mut query = country::Entity::find().order_by_asc(country::Column::Name);
        if let Some(region) = region {
            query = query.filter(country::Column::Region.eq(region.as_str()));
        }
        Ok(query.all(&self.db).await?)
    }

    pub async fn organizations(
        &self,
        kind: Option<crate::domain::OrganizationKind>,
        search: Option<&str>,
    ) -> ServiceResult<Vec<organization::Model>> {
        let mut query = organization::Entity::find().order_by_asc(organization::Column::Acronym);
        if let Some(kind) = kind {
            query = query.filter(organization::Column::Kind.eq(kind.as_str()));
        }
        if let Some(search) = super::search::Search::parse(search, "filter.search")? {
            query = query.filter(
                sea_orm::Condition::any()
                    .add(search.matches(organization::Column::Acronym))
                    .add(search.matches(organization::Column::Name)),
            );
        }
        Ok(query.all(&self.db).await?)
    }

    /// Replaces the GCM objectives clustered under a thematic area (the clustering is
    /// unconfirmed data, corrected by the Fund Management Unit).
    pub async fn update_thematic_area_objectives(
        &self,
        ctx: &Ctx,
        area_id: i64,
        objective_numbers: &[i32],
        expected_version: i32,
    ) -> ServiceResult<thematic_area::Model> {
        ctx.require(&[Role::Admin], "correct reference data")?;
        if objective_numbers.is_empty() {
            return Err(UserError::validation(
                "objectives",
                "a thematic area clusters at least one objective",
            )
            .into());
        }
        if let Some(bad) = objective_numbers.iter().find(|n| !(1..=23).contains(*n)) {
            return Err(UserError::validation(
                "objectives",
                format!("there is no GCM objective {bad}: they are numbered 1 to 23"),
            )
            .into());
        }
        let txn = self.db.begin().await?;
        let area = thematic_area::Entity::find_by_id(area_id)
            .one(&txn)
            .await?
            .ok_or_else(|| UserError::not_found("thematicArea", "thematic area"))?;
        super::claim_version::<thematic_area::Entity>(
            &txn,
            area_id,
            area.version,
            expected_version,
        )
        .await?;
        let before: Vec<i32> = objective_numbers_of(&txn, area_id).await?;
        thematic_area_objective::Entity::delete_many()
            .filter(thematic_area_objective::Column::ThematicAreaId.eq(area_id))
            .exec(&txn)
            .await?;
        let objectives = gcm_objective::Entity::find()
            .filter(gcm_objective::Column::Number.is_in(objective_numbers.iter().copied()))
            .all(&txn)
            .await?;
        thematic_area_objective::Entity::insert_many(objectives.iter().map(|o| {
            thematic_area_objective::ActiveModel {
                thematic_area_id: Set(area_id),
                gcm_objective_id: Set(o.id),
            }
        }))
        .exec(&txn)
        .await?;
        let updated = thematic_area::Model {
            version: area.version + 1,
            ..area
        };
        let mut after: Vec<i32> = objectives.iter().map(|o| o.number).collect();
        after.sort_unstable();
        audit::record(
            &txn,
            ctx,
            "updateThematicAreaObjectives",
            (Kind::ThematicArea, area_id),
            Some(json!({ "objectives": before })),
            json!({ "objectives": after }),
        )
        .await?;
        let event = events::append(
            &txn,
            events::NewEvent::status_change(
                Kind::ThematicArea,
                area_id,
                format!(
                    "Thematic area {} now clusters objectives {:?}",
                    updated.number, after
                ),
            ),
        )
        .await?;
        self.commit(txn).await?;
        self.events.committed(event);
        Ok(updated)
    }
}

async fn objective_numbers_of<C: sea_orm::ConnectionTrait>(
    db: &C,
    area_id: i64,
) -> ServiceResult<Vec<i32>> {
    let objectives = gcm_objective::Entity::find()
        .join(
            sea_orm::JoinType::InnerJoin,
            thematic_area_objective::Relation::GcmObjective.def().rev(),
        )
        .filter(thematic_area_objective::Column::ThematicAreaId.eq(area_id))
        .order_by_asc(gcm_objective::Column::Number)
        .all(db)
        .await?;
    Ok(objectives.into_iter().map(|o| o.number).collect())
}
