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

/// One of the fund's five thematic areas, which cluster the Compact's 23 objectives. Reference
/// data: readable without a token; only ADMIN corrects its objectives, audited.
#[Object]
impl ThematicArea {
    /// The area's global id (for filters, earmarking and `updateThematicAreaObjectives`).
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::ThematicArea, self.0.id))
    }
    /// The area's number, 1 to 5.
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// The area's name (e.g. "Improving the social inclusion and integration of migrants").
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the area covers.
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

/// One of the 23 objectives of the Global Compact for Safe, Orderly and Regular Migration.
/// Reference data, readable without a token.
#[Object]
impl GcmObjective {
    /// The objective's global id (for filters and indicators).
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::GcmObjective, self.0.id))
    }
    /// The objective's number in the Compact, 1 to 23.
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// The objective as the Compact words it.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// A short label for charts (e.g. "Decent work").
    async fn short_label(&self) -> &str {
        &self.0.short_label
    }
    /// The thematic areas that cluster this objective (a mapping the fund may correct).
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

/// One of the Compact's ten guiding principles, criteria for selecting and monitoring joint
/// programmes. Reference data, readable without a token.
#[Object]
impl GuidingPrinciple {
    /// The principle's global id (for filters and indicators).
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::GuidingPrinciple, self.0.id))
    }
    /// A stable code for the principle (e.g. `HUMAN_RIGHTS`).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The principle's name (e.g. "Gender-responsive").
    async fn name(&self) -> &str {
        &self.0.name
    }
}

/// A country or territory of ISO 3166-1, with its UN region.
pub struct Country(pub country::Model);

/// A country or territory of ISO 3166-1, with its UN region. Reference data, readable without a
/// token.
#[Object]
impl Country {
    /// The country's global id.
    pub async fn id(&self) -> ID {
        ID(ids::encode_key(Kind::Country, &self.0.code))
    }
    /// The ISO 3166-1 alpha-3 code (e.g. `PHL`).
    async fn code(&self) -> CountryCode {
        CountryCode(self.0.code.clone())
    }
    /// The country's short English name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The UN geoscheme (M49) region.
    async fn region(&self) -> Result<Option<Region>> {
        Ok(Some(Region::from_stored(&self.0.region)?))
    }
    /// The UN geoscheme (M49) subregion (e.g. "South-eastern Asia").
    async fn subregion(&self) -> &str {
        &self.0.subregion
    }
}

/// A UN entity that can be a participating organization (PUNO).
pub struct Organization(pub organization::Model);

/// A UN entity that can be a participating organization (PUNO) of joint programmes. Reference data,
/// readable without a token.
#[Object]
impl Organization {
    /// The organization's global id (for inputs and filters); a PUNO token's `org` claim carries
    /// it.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::Organization, self.0.id))
    }
    /// The organization's acronym (e.g. `IOM`).
    async fn acronym(&self) -> &str {
        &self.0.acronym
    }
    /// The organization's full name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Where the entity sits in the UN system.
    async fn kind(&self) -> Result<Option<OrganizationKind>> {
        Ok(Some(OrganizationKind::from_stored(&self.0.kind)?))
    }
    /// When it signed the fund's memorandum of understanding, where recorded.
    async fn mou_signed_on(&self) -> Option<Date> {
        self.0.mou_signed_on.map(Date)
    }
    /// The organization's IATI organisation identifier, where the fund
    /// recorded it; the IATI export (`GET /iati/activities.xml`) writes it as the organization's
    /// `ref`. Null while unknown: the export then names the organization without a `ref`.
    async fn iati_ref(&self) -> Option<&str> {
        self.0.iati_ref.as_deref()
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
