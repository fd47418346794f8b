//! Reference data: thematic areas, GCM objectives and their clustering, guiding principles,
//! countries and UN organizations. Everyone may read it; only an ADMIN corrects it, audited.

use super::{ServiceResult, Services};
use crate::domain::Region;
use entity::{
    country, gcm_objective, guiding_principle, organization, thematic_area, thematic_area_objective,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait};

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
}

/// The numbers of the GCM objectives a thematic area clusters, in order.
pub(crate) async fn objective_numbers_of<C: sea_orm::ConnectionTrait>(
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
