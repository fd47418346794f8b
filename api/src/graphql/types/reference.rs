//! Reference data: thematic areas, GCM objectives, guiding principles, countries, organizations.

use crate::domain::{OrganizationKind, Region};
use crate::graphql::loaders::*;
use crate::graphql::scalars::{CountryCode, Date};
use crate::graphql::{loaded, ContextExt};
use crate::ids::{self, Kind};
use async_graphql::{Context, Object, Result, ID};
use entity::{country, gcm_objective, guiding_principle, organization, thematic_area};

/// One of the fund's five thematic areas, which cluster the Compact's 23 objectives.
pub struct ThematicArea(pub thematic_area::Model);

#[Object]
impl ThematicArea {
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::ThematicArea, self.0.id))
    }
    async fn number(&self) -> i32 {
        self.0.number
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Increases with every correction; pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The GCM objectives this area clusters (a mapping the fund may correct).
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::OBJECTIVES, child_complexity)"
    )]
    async fn objectives(&self, ctx: &Context<'_>) -> Result<Vec<GcmObjective>> {
        let ids = loaded(
            ctx,
            ctx.loader().load_one(ObjectivesOfArea(self.0.id)).await,
        )?
        .unwrap_or_default();
        let rows = loaded(
            ctx,
            ctx.loader()
                .load_many(ids.iter().map(|id| ObjectiveById(*id)))
                .await,
        )?;
        let mut objectives: Vec<_> = rows.into_values().map(GcmObjective).collect();
        objectives.sort_by_key(|o| o.0.number);
        Ok(objectives)
    }
}

/// One of the 23 objectives of the Global Compact for Safe, Orderly and Regular Migration.
pub struct GcmObjective(pub gcm_objective::Model);

#[Object]
impl GcmObjective {
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::GcmObjective, self.0.id))
    }
    async fn number(&self) -> i32 {
        self.0.number
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn short_label(&self) -> &str {
        &self.0.short_label
    }
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::rows::THEMATIC_AREAS, child_complexity)"
    )]
    async fn thematic_areas(&self, ctx: &Context<'_>) -> Result<Vec<ThematicArea>> {
        let ids = loaded(
            ctx,
            ctx.loader().load_one(AreasOfObjective(self.0.id)).await,
        )?
        .unwrap_or_default();
        let rows = loaded(
            ctx,
            ctx.loader()
                .load_many(ids.iter().map(|id| ThematicAreaById(*id)))
                .await,
        )?;
        let mut areas: Vec<_> = rows.into_values().map(ThematicArea).collect();
        areas.sort_by_key(|a| a.0.number);
        Ok(areas)
    }
}

/// One of the Compact's ten guiding principles.
pub struct GuidingPrinciple(pub guiding_principle::Model);

#[Object]
impl GuidingPrinciple {
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::GuidingPrinciple, self.0.id))
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
}

/// A country or territory of ISO 3166-1, with its UN region.
pub struct Country(pub country::Model);

#[Object]
impl Country {
    pub async fn id(&self) -> ID {
        ID(ids::encode_key(Kind::Country, &self.0.code))
    }
    async fn code(&self) -> CountryCode {
        CountryCode(self.0.code.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn region(&self) -> Result<Option<Region>> {
        Ok(Some(Region::from_stored(&self.0.region)?))
    }
    async fn subregion(&self) -> &str {
        &self.0.subregion
    }
}

/// A UN entity that can be a participating organization (PUNO).
pub struct Organization(pub organization::Model);

#[Object]
impl Organization {
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::Organization, self.0.id))
    }
    async fn acronym(&self) -> &str {
        &self.0.acronym
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> Result<Option<OrganizationKind>> {
        Ok(Some(OrganizationKind::from_stored(&self.0.kind)?))
    }
    /// When it signed the fund's memorandum of understanding, where recorded.
    async fn mou_signed_on(&self) -> Option<Date> {
        self.0.mou_signed_on.map(Date)
    }
}

/// Loads organizations by id, in the order given.
pub async fn organizations_by_id(ctx: &Context<'_>, ids: &[i64]) -> Result<Vec<Organization>> {
    let rows = loaded(
        ctx,
        ctx.loader()
            .load_many(ids.iter().map(|id| OrganizationById(*id)))
            .await,
    )?;
    Ok(ids
        .iter()
        .filter_map(|id| rows.get(&OrganizationById(*id)).cloned().map(Organization))
        .collect())
}

pub async fn organization_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<Organization>> {
    Ok(loaded(ctx, ctx.loader().load_one(OrganizationById(id)).await)?.map(Organization))
}

pub async fn area_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<ThematicArea>> {
    Ok(loaded(ctx, ctx.loader().load_one(ThematicAreaById(id)).await)?.map(ThematicArea))
}

pub async fn countries_by_code(ctx: &Context<'_>, codes: Vec<String>) -> Result<Vec<Country>> {
    let rows = loaded(
        ctx,
        ctx.loader()
            .load_many(codes.iter().cloned().map(CountryByCode))
            .await,
    )?;
    Ok(codes
        .into_iter()
        .filter_map(|c| rows.get(&CountryByCode(c)).cloned().map(Country))
        .collect())
}

pub async fn objectives_by_id(ctx: &Context<'_>, ids: &[i64]) -> Result<Vec<GcmObjective>> {
    let rows = loaded(
        ctx,
        ctx.loader()
            .load_many(ids.iter().map(|id| ObjectiveById(*id)))
            .await,
    )?;
    Ok(ids
        .iter()
        .filter_map(|id| rows.get(&ObjectiveById(*id)).cloned().map(GcmObjective))
        .collect())
}

pub async fn principles_by_id(ctx: &Context<'_>, ids: &[i64]) -> Result<Vec<GuidingPrinciple>> {
    let rows = loaded(
        ctx,
        ctx.loader()
            .load_many(ids.iter().map(|id| PrincipleById(*id)))
            .await,
    )?;
    Ok(ids
        .iter()
        .filter_map(|id| rows.get(&PrincipleById(*id)).cloned().map(GuidingPrinciple))
        .collect())
}
