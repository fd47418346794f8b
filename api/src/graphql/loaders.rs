//! DataLoaders: every nested field of a page loads with one statement for the whole page, so a
//! page of 50 programmes costs the same number of statements as a page of 5.

use async_graphql::dataloader::Loader;
use entity::*;
use sea_orm::sea_query::postgres_array::NotU8;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use std::sync::Arc;

pub struct DbLoader {
    db: crate::service::budget::Db,
}

impl DbLoader {
    pub fn new(db: crate::service::budget::Db) -> Self {
        Self { db }
    }

    /// `column IN (keys)`. On PostgreSQL, `column = ANY($1)` with the keys bound as one array:
    /// the statement's text no longer depends on how many keys a page has, so each connection
    /// prepares it once and PostgreSQL plans it once (a generic plan using the index), where a
    /// list of up to a hundred parameters made a new statement to parse and plan for nearly
    /// every page — and the planner chose sequential scans that grow with the table.
    fn among<C, V>(&self, column: C, keys: impl IntoIterator<Item = V>) -> Expr
    where
        C: ColumnTrait,
        V: Into<sea_orm::Value> + NotU8,
    {
        if self.db.get_database_backend() == DbBackend::Postgres {
            column.eq_any(keys)
        } else {
            column.is_in(keys)
        }
    }
}

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DbErr>>;

/// A foreign key, required or optional.
trait ParentKey {
    fn parent(&self) -> Option<i64>;
}

impl ParentKey for i64 {
    fn parent(&self) -> Option<i64> {
        Some(*self)
    }
}

impl ParentKey for Option<i64> {
    fn parent(&self) -> Option<i64> {
        *self
    }
}

/// A loader of rows by their primary key.
macro_rules! by_id {
    ($key:ident, $table:ident) => {
        #[derive(Copy, Clone, Debug, Hash, PartialEq, Eq)]
        pub struct $key(pub i64);

        impl Loader<$key> for DbLoader {
            type Value = $table::Model;
            type Error = Arc<DbErr>;

            #[tracing::instrument(name = "loader", skip_all, fields(loader = stringify!($key), keys = keys.len()))]
            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let rows = $table::Entity::find()
                    .filter(self.among($table::Column::Id, keys.iter().map(|k| k.0)))
                    .all(&self.db)
                    .await?;
                Ok(rows.into_iter().map(|row| ($key(row.id), row)).collect())
            }
        }
    };
}

/// A loader of the rows that belong to a parent, in a stable order.
macro_rules! many_by {
    ($key:ident, $table:ident, $parent:ident . $field:ident, $order:ident) => {
        #[derive(Copy, Clone, Debug, Hash, PartialEq, Eq)]
        pub struct $key(pub i64);

        impl Loader<$key> for DbLoader {
            type Value = Vec<$table::Model>;
            type Error = Arc<DbErr>;

            #[tracing::instrument(name = "loader", skip_all, fields(loader = stringify!($key), keys = keys.len()))]
            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let rows = $table::Entity::find()
                    .filter(self.among($table::Column::$parent, keys.iter().map(|k| k.0)))
                    .order_by_asc($table::Column::$order)
                    .order_by_asc($table::Column::Id)
                    .all(&self.db)
                    .await?;
                let mut grouped: HashMap<$key, Vec<$table::Model>> =
                    keys.iter().map(|k| (*k, Vec::new())).collect();
                for row in rows {
                    if let Some(parent) = ParentKey::parent(&row.$field) {
                        grouped.entry($key(parent)).or_default().push(row);
                    }
                }
                Ok(grouped)
            }
        }
    };
}

by_id!(OrganizationById, organization);
by_id!(ThematicAreaById, thematic_area);
by_id!(ObjectiveById, gcm_objective);
by_id!(PrincipleById, guiding_principle);
by_id!(DonorById, donor);
by_id!(ConceptNoteById, concept_note);
by_id!(MeetingById, steering_committee_meeting);
by_id!(DecisionById, decision);
by_id!(JointProgrammeById, joint_programme);
by_id!(IndicatorById, results_indicator);
by_id!(ContributionById, contribution);
by_id!(DepositById, deposit);
by_id!(TransferById, transfer);
by_id!(ExpenditureReportById, expenditure_report);
by_id!(LedgerEntryById, ledger_entry);
by_id!(CallById, call_for_concept_notes);

many_by!(
    ConceptNotesOfCall,
    concept_note,
    CallId.call_id,
    SubmittedOn
);
many_by!(
    PartnersOfNote,
    national_partner,
    ConceptNoteId.concept_note_id,
    Name
);

/// The governments that endorsed a note, by country code.
#[derive(Copy, Clone, Debug, Hash, PartialEq, Eq)]
pub struct EndorsementsOfNote(pub i64);

impl Loader<EndorsementsOfNote> for DbLoader {
    type Value = Vec<concept_note_endorsement::Model>;
    type Error = Arc<DbErr>;

    #[tracing::instrument(name = "loader", skip_all, fields(loader = "EndorsementsOfNote", keys = keys.len()))]
    async fn load(
        &self,
        keys: &[EndorsementsOfNote],
    ) -> LoadResult<EndorsementsOfNote, Self::Value> {
        let rows = concept_note_endorsement::Entity::find()
            .filter(self.among(
                concept_note_endorsement::Column::ConceptNoteId,
                keys.iter().map(|k| k.0),
            ))
            .order_by_asc(concept_note_endorsement::Column::CountryCode)
            .all(&self.db)
            .await?;
        let mut grouped: HashMap<EndorsementsOfNote, Vec<concept_note_endorsement::Model>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            grouped
                .entry(EndorsementsOfNote(row.concept_note_id))
                .or_default()
                .push(row);
        }
        Ok(grouped)
    }
}

/// What a call invites (its thematic areas and scopes).
#[derive(Copy, Clone, Debug, Hash, PartialEq, Eq)]
pub struct InvitedByCall(pub i64);

impl Loader<InvitedByCall> for DbLoader {
    type Value = Arc<crate::service::calls::Invited>;
    type Error = Arc<DbErr>;

    #[tracing::instrument(name = "loader", skip_all, fields(loader = "InvitedByCall", keys = keys.len()))]
    async fn load(&self, keys: &[InvitedByCall]) -> LoadResult<InvitedByCall, Self::Value> {
        let ids: Vec<i64> = keys.iter().map(|k| k.0).collect();
        let invited = crate::service::calls::invited_by(&self.db, &ids)
            .await
            .map_err(|e| Arc::new(DbErr::Custom(e.to_string())))?;
        Ok(invited
            .into_iter()
            .map(|(id, invited)| (InvitedByCall(id), Arc::new(invited)))
            .collect())
    }
}

many_by!(
    BudgetLinesOfProgramme,
    budget_line,
    JointProgrammeId.joint_programme_id,
    OrganizationId
);
many_by!(
    RequestsOfProgramme,
    programme_request,
    JointProgrammeId.joint_programme_id,
    RequestedAt
);
many_by!(
    RevisionsOfProgramme,
    budget_revision,
    JointProgrammeId.joint_programme_id,
    AppliedAt
);
many_by!(
    LinesOfRevision,
    budget_revision_line,
    BudgetRevisionId.budget_revision_id,
    OrganizationId
);
many_by!(
    TransfersOfProgramme,
    transfer,
    JointProgrammeId.joint_programme_id,
    TransferredOn
);
many_by!(
    ExpendituresOfProgramme,
    expenditure_report,
    JointProgrammeId.joint_programme_id,
    Year
);
many_by!(
    StatementsOfExpenditureReport,
    expenditure_statement,
    ExpenditureReportId.expenditure_report_id,
    Id
);
many_by!(
    DocumentsOfConceptNote,
    document,
    ConceptNoteId.concept_note_id,
    DatedOn
);
many_by!(
    DocumentsOfProgramme,
    document,
    JointProgrammeId.joint_programme_id,
    DatedOn
);
many_by!(DocumentsOfMeeting, document, MeetingId.meeting_id, DatedOn);
many_by!(
    DocumentsOfExpenditureReport,
    document,
    ExpenditureReportId.expenditure_report_id,
    DatedOn
);
many_by!(
    IndicatorsOfProgramme,
    results_indicator,
    JointProgrammeId.joint_programme_id,
    Code
);
many_by!(
    MeasurementsOfIndicator,
    indicator_measurement,
    IndicatorId.indicator_id,
    PeriodEnd
);
many_by!(
    TargetsOfIndicator,
    indicator_target,
    IndicatorId.indicator_id,
    PeriodStart
);
many_by!(
    RevisionsOfIndicator,
    indicator_revision,
    IndicatorId.indicator_id,
    Number
);
many_by!(
    ValuesOfMeasurement,
    indicator_measurement_value,
    MeasurementId.measurement_id,
    Id
);
many_by!(
    DepositsOfContribution,
    deposit,
    ContributionId.contribution_id,
    ReceivedOn
);
many_by!(
    ReviewsOfConceptNote,
    concept_note_review,
    ConceptNoteId.concept_note_id,
    ReviewedAt
);
many_by!(
    DecisionsOfConceptNote,
    decision,
    ConceptNoteId.concept_note_id,
    RecordedAt
);
many_by!(
    DecisionsOfProgramme,
    decision,
    JointProgrammeId.joint_programme_id,
    RecordedAt
);
many_by!(
    NarrativeReportsOfProgramme,
    narrative_report,
    JointProgrammeId.joint_programme_id,
    Year
);
many_by!(
    DecisionsOfMeeting,
    decision,
    MeetingId.meeting_id,
    RecordedAt
);

/// A donor's contributions, newest pledge first (the order of the `contributions` list).
#[derive(Copy, Clone, Debug, Hash, PartialEq, Eq)]
pub struct ContributionsOfDonor(pub i64);

impl Loader<ContributionsOfDonor> for DbLoader {
    type Value = Vec<contribution::Model>;
    type Error = Arc<DbErr>;

    #[tracing::instrument(name = "loader", skip_all, fields(loader = "ContributionsOfDonor", keys = keys.len()))]
    async fn load(
        &self,
        keys: &[ContributionsOfDonor],
    ) -> LoadResult<ContributionsOfDonor, Self::Value> {
        let rows = contribution::Entity::find()
            .filter(self.among(contribution::Column::DonorId, keys.iter().map(|k| k.0)))
            .order_by_desc(contribution::Column::PledgedOn)
            .order_by_desc(contribution::Column::Id)
            .all(&self.db)
            .await?;
        let mut grouped: HashMap<ContributionsOfDonor, Vec<contribution::Model>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for row in rows {
            grouped
                .entry(ContributionsOfDonor(row.donor_id))
                .or_default()
                .push(row);
        }
        Ok(grouped)
    }
}

many_by!(
    ProgrammesOfArea,
    joint_programme,
    ThematicAreaId.thematic_area_id,
    Code
);

/// A loader of the ids a concept note links to through a join table.
macro_rules! links_of_note {
    ($key:ident, $table:ident, $target:ident, $value:ty) => {
        #[derive(Copy, Clone, Debug, Hash, PartialEq, Eq)]
        pub struct $key(pub i64);

        impl Loader<$key> for DbLoader {
            type Value = Vec<$value>;
            type Error = Arc<DbErr>;

            #[tracing::instrument(name = "loader", skip_all, fields(loader = stringify!($key), keys = keys.len()))]
            async fn load(&self, keys: &[$key]) -> LoadResult<$key, Self::Value> {
                let rows: Vec<(i64, $value)> = $table::Entity::find()
                    .select_only()
                    .column($table::Column::ConceptNoteId)
                    .column($table::Column::$target)
                    .filter(self.among($table::Column::ConceptNoteId, keys.iter().map(|k| k.0)))
                    .order_by_asc($table::Column::$target)
                    .into_tuple()
                    .all(&self.db)
                    .await?;
                let mut grouped: HashMap<$key, Vec<$value>> =
                    keys.iter().map(|k| (*k, Vec::new())).collect();
                for (note, target) in rows {
                    grouped.entry($key(note)).or_default().push(target);
                }
                Ok(grouped)
            }
        }
    };
}

links_of_note!(CountriesOfNote, concept_note_country, CountryCode, String);
links_of_note!(
    ObjectivesOfNote,
    concept_note_objective,
    GcmObjectiveId,
    i64
);
links_of_note!(
    PrinciplesOfNote,
    concept_note_principle,
    GuidingPrincipleId,
    i64
);
links_of_note!(
    OrganizationsOfNote,
    concept_note_organization,
    OrganizationId,
    i64
);

/// Countries by ISO code.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct CountryByCode(pub String);

impl Loader<CountryByCode> for DbLoader {
    type Value = country::Model;
    type Error = Arc<DbErr>;

    #[tracing::instrument(name = "loader", skip_all, fields(loader = "CountryByCode", keys = keys.len()))]
    async fn load(&self, keys: &[CountryByCode]) -> LoadResult<CountryByCode, Self::Value> {
        let rows = country::Entity::find()
            .filter(self.among(country::Column::Code, keys.iter().map(|k| k.0.clone())))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| (CountryByCode(row.code.clone()), row))
            .collect())
    }
}

/// The objectives a thematic area clusters, and the areas an objective belongs to.
#[derive(Copy, Clone, Debug, Hash, PartialEq, Eq)]
pub struct ObjectivesOfArea(pub i64);

impl Loader<ObjectivesOfArea> for DbLoader {
    type Value = Vec<i64>;
    type Error = Arc<DbErr>;

    #[tracing::instrument(name = "loader", skip_all, fields(loader = "ObjectivesOfArea", keys = keys.len()))]
    async fn load(&self, keys: &[ObjectivesOfArea]) -> LoadResult<ObjectivesOfArea, Self::Value> {
        let rows: Vec<(i64, i64)> = thematic_area_objective::Entity::find()
            .select_only()
            .column(thematic_area_objective::Column::ThematicAreaId)
            .column(thematic_area_objective::Column::GcmObjectiveId)
            .filter(self.among(
                thematic_area_objective::Column::ThematicAreaId,
                keys.iter().map(|k| k.0),
            ))
            .order_by_asc(thematic_area_objective::Column::GcmObjectiveId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut grouped: HashMap<_, Vec<i64>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for (area, objective) in rows {
            grouped
                .entry(ObjectivesOfArea(area))
                .or_default()
                .push(objective);
        }
        Ok(grouped)
    }
}

#[derive(Copy, Clone, Debug, Hash, PartialEq, Eq)]
pub struct AreasOfObjective(pub i64);

impl Loader<AreasOfObjective> for DbLoader {
    type Value = Vec<i64>;
    type Error = Arc<DbErr>;

    #[tracing::instrument(name = "loader", skip_all, fields(loader = "AreasOfObjective", keys = keys.len()))]
    async fn load(&self, keys: &[AreasOfObjective]) -> LoadResult<AreasOfObjective, Self::Value> {
        let rows: Vec<(i64, i64)> = thematic_area_objective::Entity::find()
            .select_only()
            .column(thematic_area_objective::Column::GcmObjectiveId)
            .column(thematic_area_objective::Column::ThematicAreaId)
            .filter(self.among(
                thematic_area_objective::Column::GcmObjectiveId,
                keys.iter().map(|k| k.0),
            ))
            .order_by_asc(thematic_area_objective::Column::ThematicAreaId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut grouped: HashMap<_, Vec<i64>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for (objective, area) in rows {
            grouped
                .entry(AreasOfObjective(objective))
                .or_default()
                .push(area);
        }
        Ok(grouped)
    }
}

pub use crate::service::arithmetic::books::ProgrammeMoney;

/// A programme's money in the books as they stood on a day and were known at a moment (the
/// `financials(asOf, knownAt)` arguments; the default scope is the books as they stand).
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct MoneyOfProgramme(pub i64, pub crate::service::arithmetic::books::BooksScope);

impl Loader<MoneyOfProgramme> for DbLoader {
    type Value = ProgrammeMoney;
    type Error = Arc<DbErr>;

    #[tracing::instrument(name = "loader", skip_all, fields(loader = "MoneyOfProgramme", keys = keys.len()))]
    async fn load(&self, keys: &[MoneyOfProgramme]) -> LoadResult<MoneyOfProgramme, Self::Value> {
        // The figure is the fund's arithmetic's; this loader only batches it, one statement per
        // scope asked for (nearly always one).
        let mut scopes: Vec<&crate::service::arithmetic::books::BooksScope> = Vec::new();
        for key in keys {
            if !scopes.contains(&&key.1) {
                scopes.push(&key.1);
            }
        }
        let mut answers = HashMap::with_capacity(keys.len());
        for scope in scopes {
            let ids: Vec<i64> = keys.iter().filter(|k| &k.1 == scope).map(|k| k.0).collect();
            let money =
                crate::service::arithmetic::books::money_of_programmes(&self.db, scope, &ids)
                    .await
                    .map_err(|e| Arc::new(DbErr::Custom(e.to_string())))?;
            for (id, money) in money {
                answers.insert(MoneyOfProgramme(id, scope.clone()), money);
            }
        }
        Ok(answers)
    }
}

/// A donor's pledged, committed and deposited totals, in USD cents.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct DonorMoney {
    pub id: i64,
    pub pledged: i64,
    pub committed: i64,
    pub deposited: i64,
}

/// Whether `reverseDeposit` reversed a deposit (its `DEPOSIT` entry has a `REVERSAL`).
#[derive(Copy, Clone, Debug, Hash, PartialEq, Eq)]
pub struct DepositReversed(pub i64);

impl Loader<DepositReversed> for DbLoader {
    type Value = bool;
    type Error = Arc<DbErr>;

    #[tracing::instrument(name = "loader", skip_all, fields(loader = "DepositReversed", keys = keys.len()))]
    async fn load(&self, keys: &[DepositReversed]) -> LoadResult<DepositReversed, Self::Value> {
        let reversals = crate::service::contributions::deposit_reversals(
            self.among(ledger_entry::Column::DepositId, keys.iter().map(|k| k.0)),
        )
        .all(&self.db)
        .await?;
        let mut reversed: HashMap<DepositReversed, bool> =
            keys.iter().map(|k| (*k, false)).collect();
        for entry in reversals {
            if let Some(deposit) = entry.deposit_id {
                reversed.insert(DepositReversed(deposit), true);
            }
        }
        Ok(reversed)
    }
}

/// The latest rate the Administrative Agent recorded for a currency (its ISO code) that applies
/// today; absent while it has recorded none.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct LatestExchangeRate(pub String);

impl Loader<LatestExchangeRate> for DbLoader {
    type Value = exchange_rate::Model;
    type Error = Arc<DbErr>;

    #[tracing::instrument(name = "loader", skip_all, fields(loader = "LatestExchangeRate", keys = keys.len()))]
    async fn load(
        &self,
        keys: &[LatestExchangeRate],
    ) -> LoadResult<LatestExchangeRate, Self::Value> {
        let currencies: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let today = chrono::Utc::now().date_naive();
        let latest = crate::service::rates::latest_rates(&self.db, &currencies, today).await?;
        Ok(latest
            .into_iter()
            .map(|(currency, rate)| (LatestExchangeRate(currency), rate))
            .collect())
    }
}

#[derive(Copy, Clone, Debug, Hash, PartialEq, Eq)]
pub struct MoneyOfDonor(pub i64);

impl Loader<MoneyOfDonor> for DbLoader {
    type Value = DonorMoney;
    type Error = Arc<DbErr>;

    #[tracing::instrument(name = "loader", skip_all, fields(loader = "MoneyOfDonor", keys = keys.len()))]
    async fn load(&self, keys: &[MoneyOfDonor]) -> LoadResult<MoneyOfDonor, Self::Value> {
        let select = crate::service::arithmetic::money_of_donors(
            Condition::all().add(self.among(donor::Column::Id, keys.iter().map(|k| k.0))),
        );
        let rows = DonorMoney::find_by_statement(self.db.get_database_backend().build(&select))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| (MoneyOfDonor(row.id), row))
            .collect())
    }
}

many_by!(
    ProgrammesOfNote,
    joint_programme,
    ConceptNoteId.concept_note_id,
    Id
);
