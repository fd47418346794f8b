//! The fund and its joint programmes as an IATI 2.03 activities file (docs/iati.md): the fund a
//! `hierarchy="1"` activity, each joint programme a `hierarchy="2"` activity related to it, valid
//! against the standard's schema (`vendor/iati-2.03/`).
//!
//! The file is read as the caller: the same services and read rules as GraphQL (anonymous callers
//! get the fund's whole figures and no programme; a donor's amounts only for those who read every
//! donor's contributions, and only with `MPTF_IATI_PUBLISH_DONOR_AMOUNTS`). Money is never summed
//! here: the fund's figures are the services' (`portfolio_totals`, `agent_books`, the donors'
//! money statement), and a programme's transactions are its ledger entries, the very rows whose
//! sums are its `financials` — so the file's sums are the books' figures by construction.
//!
//! Gathering ([`gather`]) and writing ([`write`]) are apart: the writer is a plain function of
//! what was gathered and the moment of the export.

use crate::config::IatiSettings;
use crate::domain::{IndicatorLevel, LedgerEntryKind, ProgrammeStatus, Scope};
use crate::service::arithmetic;
use crate::service::contributions::{DonorFilter, DonorOrder};
use crate::service::page::{Window, MAX_PAGE_SIZE};
use crate::service::portfolio::PortfolioScope;
use crate::service::programmes::{ProgrammeFilter, ProgrammeOrder};
use crate::service::{Ctx, ServiceError, ServiceResult, Services};
use chrono::{DateTime, Months, NaiveDate, SecondsFormat, Utc};
use entity::{
    budget_line, budget_revision, concept_note, concept_note_country, decision, donor,
    indicator_measurement, indicator_measurement_value, indicator_target, joint_programme,
    ledger_entry, organization, results_indicator,
};
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::{BTreeMap, HashMap};
use std::io;

/// The DAC 5-digit sector of every activity: facilitation of orderly, safe, regular and
/// responsible migration and mobility.
pub const SECTOR: &str = "15190";

/// The IATI OrganisationType of the UN's organizations and of the Administrative Agent:
/// multilateral.
const MULTILATERAL: &str = "40";

/// The fund's official name, the title of its activity.
const FUND_TITLE: &str = "Start-up Fund for Safe, Orderly and Regular Migration (Migration MPTF)";

/// The reporting organization's name.
const PUBLISHER_NAME: &str = "UN Multi-Partner Trust Fund Office (Administrative Agent)";

/// What the export needs from the settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IatiOptions {
    /// `MPTF_IATI_PUBLISHER_REF`: without it nothing is exported.
    pub publisher_ref: Option<String>,
    /// `MPTF_IATI_FUND_CODE`.
    pub fund_code: String,
    /// `MPTF_IATI_PUBLISH_DONOR_AMOUNTS`.
    pub publish_donor_amounts: bool,
}

impl IatiOptions {
    pub fn from_settings(settings: &IatiSettings) -> Self {
        Self {
            publisher_ref: settings
                .iati_publisher_ref
                .as_ref()
                .map(|r| r.trim().to_owned()),
            fund_code: settings.iati_fund_code.trim().to_owned(),
            publish_donor_amounts: settings.iati_publish_donor_amounts,
        }
    }
}

/// Why no file was made.
#[derive(Debug, thiserror::Error)]
pub enum IatiError {
    /// The reporting organization's identifier is not set: every identifier in the file begins
    /// with it, and none is made up.
    #[error("the IATI export needs the reporting organization's IATI identifier: set MPTF_IATI_PUBLISHER_REF (or --iati-publisher-ref) to the identifier the fund's Administrative Agent publishes under; none is made up")]
    NotConfigured,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl IatiError {
    /// The code an HTTP answer carries.
    pub fn code(&self) -> &'static str {
        match self {
            IatiError::NotConfigured => "NOT_CONFIGURED",
            IatiError::Service(ServiceError::Unauthenticated) => "UNAUTHENTICATED",
            IatiError::Service(ServiceError::Forbidden(_)) => "FORBIDDEN",
            IatiError::Service(ServiceError::User(_)) => "BAD_USER_INPUT",
            IatiError::Service(ServiceError::Internal(_)) => "INTERNAL",
        }
    }
}

/// The activities file as `ctx` may read it, at `now`.
pub async fn export(
    services: &Services,
    ctx: &Ctx,
    options: &IatiOptions,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, IatiError> {
    let publisher = options
        .publisher_ref
        .as_deref()
        .filter(|r| !r.is_empty())
        .ok_or(IatiError::NotConfigured)?;
    let gathered = gather(services, ctx, options).await?;
    let identifiers = Identifiers {
        publisher: publisher.to_owned(),
        fund: format!("{publisher}-{}", options.fund_code),
    };
    write(&gathered, &identifiers, now)
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("writing the IATI file: {e}")).into())
}

// ---------------------------------------------------------------------------------------------
// What the file says, gathered through the services as the caller.

/// Everything the file publishes.
#[derive(Debug, Clone, Default)]
pub struct Gathered {
    pub fund: Fund,
    pub programmes: Vec<Programme>,
}

/// The fund's own activity: its whole figures and its donors.
#[derive(Debug, Clone, Default)]
pub struct Fund {
    /// The earliest value date in the books: when the fund's activity began.
    pub first_value_date: Option<NaiveDate>,
    /// Pledged and not cancelled (`totals.pledgedUsd`), USD cents.
    pub pledged: i64,
    /// Signed agreements (`totals.committedUsd`).
    pub committed: i64,
    /// Deposits received, gross (`sourcesAndUses.contributionsUsd`).
    pub deposited: i64,
    /// The donors, for a caller who reads their names (any token).
    pub donors: Vec<FundingDonor>,
    /// Whether the transactions are per donor (then they sum to the figures above).
    pub per_donor: bool,
}

/// A donor as a funding organization, with its own amounts when they are published.
#[derive(Debug, Clone)]
pub struct FundingDonor {
    pub name: String,
    pub kind: String,
    pub amounts: Option<DonorAmounts>,
}

/// A donor's money, USD cents (the donors' money statement of `service::arithmetic`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromQueryResult)]
pub struct DonorAmounts {
    pub id: i64,
    pub pledged: i64,
    pub committed: i64,
    pub deposited: i64,
}

/// An organization named in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub name: String,
    pub iati_ref: Option<String>,
}

/// One money movement of a programme: a ledger entry on the allocation, transfer, refund or
/// expenditure line.
#[derive(Debug, Clone)]
pub struct Movement {
    /// The line it counts in (`counts_as`).
    pub line: LedgerEntryKind,
    pub value_date: NaiveDate,
    /// As booked: a reversal is already negative.
    pub amount_usd_cents: i64,
    pub organization: Option<Org>,
}

/// An indicator with its values, oldest period first.
#[derive(Debug, Clone)]
pub struct Indicator {
    pub row: results_indicator::Model,
    pub measurements: Vec<indicator_measurement::Model>,
    /// Its current targets per period, in the order of their periods.
    pub targets: Vec<indicator_target::Model>,
    /// The values per category of each disaggregated report, by measurement id.
    pub breakdown: HashMap<i64, Vec<indicator_measurement_value::Model>>,
}

/// A joint programme's activity.
#[derive(Debug, Clone)]
pub struct Programme {
    pub row: joint_programme::Model,
    /// Its concept note's summary, where the caller reads the note.
    pub description: Option<String>,
    /// ISO 3166-1 alpha-2 codes, in order.
    pub countries: Vec<String>,
    pub convening: Option<Org>,
    /// Every organization with a budget line, by id.
    pub implementing: Vec<Org>,
    pub movements: Vec<Movement>,
    pub indicators: Vec<Indicator>,
    /// The day the latest budget revision was applied, if any.
    pub revised_on: Option<NaiveDate>,
}

/// Reads every page of a list.
async fn all_pages<T, F, Fut>(mut page: F) -> ServiceResult<Vec<T>>
where
    F: FnMut(Window) -> Fut,
    Fut: std::future::Future<Output = ServiceResult<crate::service::page::Page<T>>>,
{
    let mut rows = Vec::new();
    loop {
        let window = Window {
            after: (!rows.is_empty()).then(|| rows.len() as u64 - 1),
            before: None,
            first: Some(MAX_PAGE_SIZE),
            last: None,
        };
        let next = page(window).await?;
        let more = next.has_next && !next.rows.is_empty();
        rows.extend(next.rows);
        if !more {
            return Ok(rows);
        }
    }
}

/// The ISO 3166-1 alpha-2 code of an alpha-3 code the database keeps.
pub fn alpha2(alpha3: &str) -> Option<String> {
    keshvar::Alpha3::try_from(alpha3)
        .ok()
        .map(|code| keshvar::Alpha2::from(code).to_string())
}

/// What the file publishes for `ctx`.
pub async fn gather(
    services: &Services,
    ctx: &Ctx,
    options: &IatiOptions,
) -> ServiceResult<Gathered> {
    let whole = PortfolioScope::default();
    let totals = services.portfolio_totals(ctx, &whole).await?;
    let books = services.agent_books(ctx, &whole).await?;
    let first_value_date: Option<Option<NaiveDate>> = ledger_entry::Entity::find()
        .select_only()
        .expr(ledger_entry::Column::ValueDate.min())
        .into_tuple()
        .one(&services.db)
        .await?;
    let mut fund = Fund {
        first_value_date: first_value_date.flatten(),
        pledged: totals.pledged.cents()?,
        committed: totals.committed.cents()?,
        deposited: books.readable()?.lines.contributions,
        donors: Vec::new(),
        per_donor: false,
    };
    // Anonymous callers read the fund's whole figures only.
    let Some(principal) = ctx.principal.as_ref() else {
        return Ok(Gathered {
            fund,
            programmes: Vec::new(),
        });
    };
    let donors: Vec<donor::Model> =
        all_pages(|window| services.donors(ctx, DonorFilter::default(), DonorOrder::Name, window))
            .await?;
    fund.per_donor = options.publish_donor_amounts && principal.reads_everything();
    let amounts: HashMap<i64, DonorAmounts> = if fund.per_donor {
        services
            .figure_rows::<DonorAmounts>(&arithmetic::money_of_donors(Condition::all()))
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect()
    } else {
        HashMap::new()
    };
    fund.donors = donors
        .into_iter()
        .map(|d| FundingDonor {
            amounts: fund.per_donor.then(|| {
                amounts.get(&d.id).copied().unwrap_or(DonorAmounts {
                    id: d.id,
                    ..DonorAmounts::default()
                })
            }),
            name: d.name,
            kind: d.kind,
        })
        .collect();

    let rows: Vec<joint_programme::Model> = all_pages(|window| {
        services.joint_programmes(
            ctx,
            ProgrammeFilter::default(),
            ProgrammeOrder::Code,
            window,
        )
    })
    .await?;
    let programmes = programmes(services, principal, rows).await?;
    Ok(Gathered { fund, programmes })
}

/// The programmes' details: each read as GraphQL reads it (programme detail is read by every
/// token; a concept note and a ledger entry through their rules in `service::policy`).
async fn programmes(
    services: &Services,
    principal: &crate::auth::Principal,
    rows: Vec<joint_programme::Model>,
) -> ServiceResult<Vec<Programme>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let db = &services.db;
    let organizations: HashMap<i64, Org> = organization::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| {
            (
                o.id,
                Org {
                    name: o.name,
                    iati_ref: o.iati_ref.filter(|r| !r.trim().is_empty()),
                },
            )
        })
        .collect();
    let programme_ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let note_ids: Vec<i64> = rows.iter().map(|p| p.concept_note_id).collect();
    let notes: HashMap<i64, String> = concept_note::Entity::find()
        .filter(services.policy.readable_concept_notes(principal))
        .filter(concept_note::Column::Id.is_in(note_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.id, n.summary))
        .collect();
    let mut countries: HashMap<i64, Vec<String>> = HashMap::new();
    for link in concept_note_country::Entity::find()
        .filter(concept_note_country::Column::ConceptNoteId.is_in(note_ids))
        .order_by_asc(concept_note_country::Column::CountryCode)
        .all(db)
        .await?
    {
        if let Some(code) = alpha2(&link.country_code) {
            countries
                .entry(link.concept_note_id)
                .or_default()
                .push(code);
        }
    }
    let mut lines: HashMap<i64, Vec<i64>> = HashMap::new();
    for line in budget_line::Entity::find()
        .filter(budget_line::Column::JointProgrammeId.is_in(programme_ids.clone()))
        .order_by_asc(budget_line::Column::OrganizationId)
        .all(db)
        .await?
    {
        lines
            .entry(line.joint_programme_id)
            .or_default()
            .push(line.organization_id);
    }
    let mut revised: HashMap<i64, NaiveDate> = HashMap::new();
    for revision in budget_revision::Entity::find()
        .filter(budget_revision::Column::JointProgrammeId.is_in(programme_ids.clone()))
        .order_by_asc(budget_revision::Column::AppliedAt)
        .all(db)
        .await?
    {
        revised.insert(
            revision.joint_programme_id,
            revision.applied_at.date_naive(),
        );
    }
    let mut movements: HashMap<i64, Vec<Movement>> = HashMap::new();
    for entry in ledger_entry::Entity::find()
        .filter(services.policy.readable_ledger_entries(principal))
        .filter(ledger_entry::Column::JointProgrammeId.is_in(programme_ids.clone()))
        .filter(ledger_entry::Column::CountsAs.is_in([
            LedgerEntryKind::Allocation.as_str(),
            LedgerEntryKind::Transfer.as_str(),
            LedgerEntryKind::Refund.as_str(),
            LedgerEntryKind::Expenditure.as_str(),
        ]))
        .order_by_asc(ledger_entry::Column::ValueDate)
        .order_by_asc(ledger_entry::Column::Id)
        .all(db)
        .await?
    {
        let Some(programme) = entry.joint_programme_id else {
            continue;
        };
        movements.entry(programme).or_default().push(Movement {
            line: LedgerEntryKind::from_stored(&entry.counts_as)?,
            value_date: entry.value_date,
            amount_usd_cents: entry.amount_usd_cents,
            organization: entry
                .organization_id
                .and_then(|id| organizations.get(&id).cloned()),
        });
    }
    // A funding decision allocates before its programme exists: its `ALLOCATION` entries name
    // the decision on the programme's concept note, not the programme.
    let note_of_programme: HashMap<i64, i64> =
        rows.iter().map(|p| (p.concept_note_id, p.id)).collect();
    let funding: HashMap<i64, i64> = decision::Entity::find()
        .filter(decision::Column::Kind.eq(crate::domain::DecisionKind::Funding.as_str()))
        .filter(decision::Column::Status.eq(crate::domain::DecisionStatus::Adopted.as_str()))
        .filter(
            decision::Column::ConceptNoteId
                .is_in(note_of_programme.keys().copied().collect::<Vec<_>>()),
        )
        .all(db)
        .await?
        .into_iter()
        .filter_map(|d| {
            d.concept_note_id
                .and_then(|note| note_of_programme.get(&note))
                .map(|programme| (d.id, *programme))
        })
        .collect();
    if !funding.is_empty() {
        for entry in ledger_entry::Entity::find()
            .filter(services.policy.readable_ledger_entries(principal))
            .filter(ledger_entry::Column::JointProgrammeId.is_null())
            .filter(ledger_entry::Column::CountsAs.eq(LedgerEntryKind::Allocation.as_str()))
            .filter(
                ledger_entry::Column::DecisionId.is_in(funding.keys().copied().collect::<Vec<_>>()),
            )
            .order_by_asc(ledger_entry::Column::ValueDate)
            .order_by_asc(ledger_entry::Column::Id)
            .all(db)
            .await?
        {
            let Some(programme) = entry.decision_id.and_then(|d| funding.get(&d)) else {
                continue;
            };
            movements.entry(*programme).or_default().push(Movement {
                line: LedgerEntryKind::Allocation,
                value_date: entry.value_date,
                amount_usd_cents: entry.amount_usd_cents,
                organization: None,
            });
        }
        for list in movements.values_mut() {
            // Stable: entries of one day keep the ledger's order.
            list.sort_by_key(|m| m.value_date);
        }
    }
    let indicator_rows = results_indicator::Entity::find()
        .filter(results_indicator::Column::JointProgrammeId.is_in(programme_ids))
        .order_by_asc(results_indicator::Column::Code)
        .order_by_asc(results_indicator::Column::Id)
        .all(db)
        .await?;
    let mut measurements: HashMap<i64, Vec<indicator_measurement::Model>> = HashMap::new();
    for measurement in indicator_measurement::Entity::find()
        .filter(
            indicator_measurement::Column::IndicatorId
                .is_in(indicator_rows.iter().map(|i| i.id).collect::<Vec<_>>()),
        )
        .order_by_asc(indicator_measurement::Column::PeriodEnd)
        .order_by_asc(indicator_measurement::Column::Id)
        .all(db)
        .await?
    {
        measurements
            .entry(measurement.indicator_id)
            .or_default()
            .push(measurement);
    }
    let mut breakdown: HashMap<i64, Vec<indicator_measurement_value::Model>> = HashMap::new();
    for value in indicator_measurement_value::Entity::find()
        .filter(
            indicator_measurement_value::Column::MeasurementId.is_in(
                measurements
                    .values()
                    .flatten()
                    .map(|m| m.id)
                    .collect::<Vec<_>>(),
            ),
        )
        .order_by_asc(indicator_measurement_value::Column::Id)
        .all(db)
        .await?
    {
        breakdown
            .entry(value.measurement_id)
            .or_default()
            .push(value);
    }
    let mut targets: HashMap<i64, Vec<indicator_target::Model>> = HashMap::new();
    for target in indicator_target::Entity::find()
        .filter(
            indicator_target::Column::IndicatorId
                .is_in(indicator_rows.iter().map(|i| i.id).collect::<Vec<_>>()),
        )
        .order_by_asc(indicator_target::Column::PeriodStart)
        .all(db)
        .await?
    {
        targets.entry(target.indicator_id).or_default().push(target);
    }
    let mut indicators: HashMap<i64, Vec<Indicator>> = HashMap::new();
    for row in indicator_rows {
        let current = targets
            .remove(&row.id)
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t.target_set == row.target_set)
            .collect();
        indicators
            .entry(row.joint_programme_id)
            .or_default()
            .push(Indicator {
                breakdown: measurements
                    .get(&row.id)
                    .into_iter()
                    .flatten()
                    .filter_map(|m| breakdown.remove(&m.id).map(|values| (m.id, values)))
                    .collect(),
                measurements: measurements.remove(&row.id).unwrap_or_default(),
                targets: current,
                row,
            });
    }
    Ok(rows
        .into_iter()
        .map(|row| Programme {
            description: notes.get(&row.concept_note_id).cloned(),
            countries: countries.remove(&row.concept_note_id).unwrap_or_default(),
            convening: organizations.get(&row.convening_organization_id).cloned(),
            implementing: lines
                .remove(&row.id)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|id| organizations.get(&id).cloned())
                .collect(),
            movements: movements.remove(&row.id).unwrap_or_default(),
            indicators: indicators.remove(&row.id).unwrap_or_default(),
            revised_on: revised.get(&row.id).copied(),
            row,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Arithmetic of the file's layout (not of money): periods, shares, codes.

/// Periods of at most one year covering `start..=end`, the first from `start`.
pub fn periods(start: NaiveDate, end: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let end = end.max(start);
    let mut periods = Vec::new();
    let mut from = start;
    loop {
        let year_end = from
            .checked_add_months(Months::new(12))
            .and_then(|d| d.pred_opt())
            .unwrap_or(end);
        let to = year_end.min(end);
        periods.push((from, to));
        match to.succ_opt() {
            Some(next) if to < end => from = next,
            _ => return periods,
        }
    }
}

/// `cents` split over `periods` by their days, the rest in the last: the parts add up to
/// `cents` exactly.
pub fn split_by_days(cents: i64, periods: &[(NaiveDate, NaiveDate)]) -> Vec<i64> {
    let days: Vec<i128> = periods
        .iter()
        .map(|(from, to)| i128::from((*to - *from).num_days() + 1))
        .collect();
    let total: i128 = days.iter().sum();
    let mut given: i128 = 0;
    let mut parts = Vec::with_capacity(days.len());
    for (i, d) in days.iter().enumerate() {
        let part = if i + 1 == days.len() || total == 0 {
            i128::from(cents) - given
        } else {
            i128::from(cents) * d / total
        };
        given += part;
        // Each part lies between 0 and `cents`, so it fits.
        parts.push(i64::try_from(part).unwrap_or(0));
    }
    parts
}

/// Equal shares of 100 for `n` places, to two decimals, adding up to exactly 100: the
/// hundredths left over go one each to the first places.
pub fn percentages(n: usize) -> Vec<Decimal> {
    if n == 0 {
        return Vec::new();
    }
    let n = n as i64;
    let base = 10_000 / n;
    let left = 10_000 % n;
    (0..n)
        .map(|i| Decimal::new(base + i64::from(i < left), 2).normalize())
        .collect()
}

/// USD cents as the exact decimal IATI reads.
pub fn amount(cents: i64) -> String {
    Decimal::new(cents, 2).to_string()
}

/// IATI's ActivityStatus of a programme's status.
pub fn activity_status(status: ProgrammeStatus) -> &'static str {
    match status {
        ProgrammeStatus::Approved => "1",
        ProgrammeStatus::Active => "2",
        ProgrammeStatus::OperationallyClosed => "3",
        ProgrammeStatus::FinanciallyClosed => "4",
        ProgrammeStatus::Suspended => "6",
    }
}

/// IATI's PolicySignificance of a UN marker score (0–3): 3 principal objective → 2, 2
/// significant → 1, 0–1 not targeted → 0.
pub fn significance(score: i32) -> &'static str {
    match score {
        3 => "2",
        2 => "1",
        _ => "0",
    }
}

/// IATI's OrganisationType of a donor's kind; `None` for other kinds.
pub fn donor_type(kind: &str) -> Option<&'static str> {
    match kind {
        "MEMBER_STATE" => Some("10"),
        "PRIVATE_SECTOR" => Some("70"),
        "FOUNDATION" => Some("60"),
        "INTERNATIONAL_FINANCIAL_INSTITUTION" | "UN_ENTITY" => Some(MULTILATERAL),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The file.

/// The identifiers the file is published under.
pub struct Identifiers {
    pub publisher: String,
    pub fund: String,
}

impl Identifiers {
    fn programme(&self, code: &str) -> String {
        format!("{}-{}", self.publisher, code)
    }
}

type Xml = Writer<Vec<u8>>;

/// A line of the fund's transactions: its type, what it says, a donor's amount on it, the
/// fund's total.
type FundLine = (&'static str, &'static str, fn(&DonorAmounts) -> i64, i64);

fn date(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn narrative(w: &mut Xml, text: &str) -> io::Result<()> {
    w.create_element("narrative")
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

/// `<name><narrative>text</narrative></name>`.
fn text_element(w: &mut Xml, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_inner_content(|w| narrative(w, text))?;
    Ok(())
}

/// An organization element (`participating-org`, `provider-org`, `receiver-org`).
fn org(
    w: &mut Xml,
    name: &str,
    role: Option<&str>,
    org_type: Option<&str>,
    org: &Org,
) -> io::Result<()> {
    let mut element = w.create_element(name);
    if let Some(reference) = &org.iati_ref {
        element = element.with_attribute(("ref", reference.as_str()));
    }
    if let Some(role) = role {
        element = element.with_attribute(("role", role));
    }
    if let Some(org_type) = org_type {
        element = element.with_attribute(("type", org_type));
    }
    element.write_inner_content(|w| narrative(w, &org.name))?;
    Ok(())
}

fn value(w: &mut Xml, cents: i64, value_date: NaiveDate) -> io::Result<()> {
    w.create_element("value")
        .with_attribute(("currency", "USD"))
        .with_attribute(("value-date", date(value_date).as_str()))
        .write_text_content(BytesText::new(&amount(cents)))?;
    Ok(())
}

/// One transaction: its type, date, value and what it says.
struct Transaction<'a> {
    code: &'static str,
    day: NaiveDate,
    cents: i64,
    description: &'a str,
    provider: Option<&'a Org>,
    receiver: Option<&'a Org>,
}

fn transaction(w: &mut Xml, t: &Transaction<'_>) -> io::Result<()> {
    w.create_element("transaction").write_inner_content(|w| {
        w.create_element("transaction-type")
            .with_attribute(("code", t.code))
            .write_empty()?;
        w.create_element("transaction-date")
            .with_attribute(("iso-date", date(t.day).as_str()))
            .write_empty()?;
        value(w, t.cents, t.day)?;
        text_element(w, "description", t.description)?;
        if let Some(provider) = t.provider {
            org(w, "provider-org", None, None, provider)?;
        }
        if let Some(receiver) = t.receiver {
            org(w, "receiver-org", None, None, receiver)?;
        }
        Ok(())
    })?;
    Ok(())
}

fn activity_date(w: &mut Xml, kind: &str, day: NaiveDate, note: Option<&str>) -> io::Result<()> {
    let element = w
        .create_element("activity-date")
        .with_attribute(("type", kind))
        .with_attribute(("iso-date", date(day).as_str()));
    match note {
        Some(note) => element.write_inner_content(|w| narrative(w, note))?,
        None => element.write_empty()?,
    };
    Ok(())
}

fn sector(w: &mut Xml) -> io::Result<()> {
    w.create_element("sector")
        .with_attribute(("vocabulary", "1"))
        .with_attribute(("code", SECTOR))
        .with_attribute(("percentage", "100"))
        .write_empty()?;
    Ok(())
}

/// Writes the activities file.
pub fn write(g: &Gathered, ids: &Identifiers, now: DateTime<Utc>) -> io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let generated = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let today = now.date_naive();
    let publisher = Org {
        name: PUBLISHER_NAME.to_owned(),
        iati_ref: Some(ids.publisher.clone()),
    };
    w.create_element("iati-activities")
        .with_attribute(("version", "2.03"))
        .with_attribute(("generated-datetime", generated.as_str()))
        .write_inner_content(|w| {
            fund_activity(w, g, ids, &publisher, &generated, today)?;
            for programme in &g.programmes {
                programme_activity(w, programme, ids, &publisher, &generated, today)?;
            }
            Ok(())
        })?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

fn reporting_org(w: &mut Xml, publisher: &Org) -> io::Result<()> {
    w.create_element("reporting-org")
        .with_attribute(("ref", publisher.iati_ref.as_deref().unwrap_or_default()))
        .with_attribute(("type", MULTILATERAL))
        .write_inner_content(|w| narrative(w, &publisher.name))?;
    Ok(())
}

fn fund_activity(
    w: &mut Xml,
    g: &Gathered,
    ids: &Identifiers,
    publisher: &Org,
    generated: &str,
    today: NaiveDate,
) -> io::Result<()> {
    let fund = &g.fund;
    w.create_element("iati-activity")
        .with_attribute(("last-updated-datetime", generated))
        .with_attribute(("xml:lang", "en"))
        .with_attribute(("default-currency", "USD"))
        .with_attribute(("hierarchy", "1"))
        .write_inner_content(|w| {
            w.create_element("iati-identifier")
                .write_text_content(BytesText::new(&ids.fund))?;
            reporting_org(w, publisher)?;
            text_element(w, "title", FUND_TITLE)?;
            w.create_element("description")
                .with_attribute(("type", "1"))
                .write_inner_content(|w| {
                    narrative(
                        w,
                        "The UN's pooled fund for the implementation of the Global Compact for \
                         Safe, Orderly and Regular Migration: donors' contributions, pooled and \
                         administered by the Administrative Agent, fund joint programmes of the \
                         UN's participating organizations decided by the steering committee.",
                    )
                })?;
            for donor in &fund.donors {
                let as_org = Org {
                    name: donor.name.clone(),
                    iati_ref: None,
                };
                org(
                    w,
                    "participating-org",
                    Some("1"),
                    donor_type(&donor.kind),
                    &as_org,
                )?;
            }
            org(
                w,
                "participating-org",
                Some("2"),
                Some(MULTILATERAL),
                publisher,
            )?;
            org(
                w,
                "participating-org",
                Some("3"),
                Some(MULTILATERAL),
                publisher,
            )?;
            w.create_element("activity-status")
                .with_attribute(("code", "2"))
                .write_empty()?;
            match fund.first_value_date {
                Some(first) => activity_date(w, "2", first, None)?,
                None => activity_date(w, "1", today, None)?,
            }
            w.create_element("activity-scope")
                .with_attribute(("code", "1"))
                .write_empty()?;
            sector(w)?;
            let lines: [FundLine; 3] = [
                (
                    "13",
                    "Pledged to the fund and not cancelled, to date",
                    |a| a.pledged,
                    fund.pledged,
                ),
                (
                    "11",
                    "Committed in signed contribution agreements, to date",
                    |a| a.committed,
                    fund.committed,
                ),
                (
                    "1",
                    "Deposits received by the Administrative Agent (gross), to date",
                    |a| a.deposited,
                    fund.deposited,
                ),
            ];
            for (code, description, of_donor, whole) in lines {
                if fund.per_donor {
                    for donor in &fund.donors {
                        let cents = donor.amounts.as_ref().map(of_donor).unwrap_or(0);
                        if cents != 0 {
                            let provider = Org {
                                name: donor.name.clone(),
                                iati_ref: None,
                            };
                            transaction(
                                w,
                                &Transaction {
                                    code,
                                    day: today,
                                    cents,
                                    description,
                                    provider: Some(&provider),
                                    receiver: Some(publisher),
                                },
                            )?;
                        }
                    }
                } else if whole != 0 {
                    transaction(
                        w,
                        &Transaction {
                            code,
                            day: today,
                            cents: whole,
                            description,
                            provider: None,
                            receiver: Some(publisher),
                        },
                    )?;
                }
            }
            for programme in &g.programmes {
                w.create_element("related-activity")
                    .with_attribute(("ref", ids.programme(&programme.row.code).as_str()))
                    .with_attribute(("type", "2"))
                    .write_empty()?;
            }
            Ok(())
        })?;
    Ok(())
}

fn programme_activity(
    w: &mut Xml,
    p: &Programme,
    ids: &Identifiers,
    publisher: &Org,
    generated: &str,
    today: NaiveDate,
) -> io::Result<()> {
    let row = &p.row;
    let status = ProgrammeStatus::from_stored(&row.status).ok();
    let scope = Scope::from_stored(&row.scope).ok();
    w.create_element("iati-activity")
        .with_attribute(("last-updated-datetime", generated))
        .with_attribute(("xml:lang", "en"))
        .with_attribute(("default-currency", "USD"))
        .with_attribute(("hierarchy", "2"))
        .write_inner_content(|w| {
            w.create_element("iati-identifier")
                .write_text_content(BytesText::new(&ids.programme(&row.code)))?;
            reporting_org(w, publisher)?;
            text_element(w, "title", &row.title)?;
            w.create_element("description")
                .with_attribute(("type", "1"))
                .write_inner_content(|w| {
                    narrative(w, p.description.as_deref().unwrap_or(&row.title))
                })?;
            org(
                w,
                "participating-org",
                Some("1"),
                Some(MULTILATERAL),
                publisher,
            )?;
            if let Some(convening) = &p.convening {
                org(
                    w,
                    "participating-org",
                    Some("2"),
                    Some(MULTILATERAL),
                    convening,
                )?;
            }
            org(
                w,
                "participating-org",
                Some("3"),
                Some(MULTILATERAL),
                publisher,
            )?;
            for implementing in &p.implementing {
                org(
                    w,
                    "participating-org",
                    Some("4"),
                    Some(MULTILATERAL),
                    implementing,
                )?;
            }
            w.create_element("activity-status")
                .with_attribute(("code", status.map(activity_status).unwrap_or("2")))
                .write_empty()?;
            let planned_end = row.original_end_date.unwrap_or(row.end_date);
            activity_date(w, "1", row.start_date, None)?;
            let started = !matches!(status, None | Some(ProgrammeStatus::Approved));
            if started && row.start_date <= today {
                activity_date(w, "2", row.start_date, None)?;
            }
            let extension = (planned_end != row.end_date).then(|| {
                format!(
                    "The original planned end; a no-cost extension moved the end to {}",
                    date(row.end_date)
                )
            });
            activity_date(w, "3", planned_end, extension.as_deref())?;
            let closed = matches!(
                status,
                Some(ProgrammeStatus::OperationallyClosed | ProgrammeStatus::FinanciallyClosed)
            );
            if closed && row.end_date <= today {
                activity_date(w, "4", row.end_date, None)?;
            }
            let scope_code = match scope {
                Some(Scope::Global) => "1",
                Some(Scope::Regional) => "2",
                _ if p.countries.len() > 1 => "3",
                _ => "4",
            };
            w.create_element("activity-scope")
                .with_attribute(("code", scope_code))
                .write_empty()?;
            if p.countries.is_empty() {
                // A programme with no country (a global one): developing countries, unspecified.
                w.create_element("recipient-region")
                    .with_attribute(("code", "998"))
                    .with_attribute(("vocabulary", "1"))
                    .with_attribute(("percentage", "100"))
                    .write_empty()?;
            } else {
                for (code, share) in p.countries.iter().zip(percentages(p.countries.len())) {
                    w.create_element("recipient-country")
                        .with_attribute(("code", code.as_str()))
                        .with_attribute(("percentage", share.to_string().as_str()))
                        .write_empty()?;
                }
            }
            sector(w)?;
            w.create_element("policy-marker")
                .with_attribute(("vocabulary", "1"))
                .with_attribute(("code", "1"))
                .with_attribute(("significance", significance(row.gender_marker)))
                .write_empty()?;
            for (code, name, score) in [
                (
                    "HUMAN_RIGHTS",
                    "The fund's human-rights marker",
                    row.human_rights_marker,
                ),
                (
                    "CHILD_SENSITIVITY",
                    "The fund's child-sensitivity marker",
                    row.child_sensitivity_marker,
                ),
            ] {
                w.create_element("policy-marker")
                    .with_attribute(("vocabulary", "99"))
                    .with_attribute(("code", code))
                    .with_attribute(("significance", significance(score)))
                    .write_inner_content(|w| narrative(w, name))?;
            }
            budgets(w, p, planned_end)?;
            for m in &p.movements {
                let (code, cents, description) = match m.line {
                    LedgerEntryKind::Allocation => (
                        "2",
                        m.amount_usd_cents,
                        "Allocated by the steering committee",
                    ),
                    LedgerEntryKind::Transfer => (
                        "3",
                        m.amount_usd_cents,
                        "Transferred by the Administrative Agent",
                    ),
                    LedgerEntryKind::Refund => (
                        "3",
                        m.amount_usd_cents.checked_neg().unwrap_or(0),
                        "Refund of unspent balance (a negative disbursement)",
                    ),
                    LedgerEntryKind::Expenditure => {
                        ("4", m.amount_usd_cents, "Expenditure reported")
                    }
                    _ => continue,
                };
                let (provider, receiver) = match m.line {
                    LedgerEntryKind::Expenditure => (m.organization.as_ref(), None),
                    LedgerEntryKind::Refund => (m.organization.as_ref(), Some(publisher)),
                    _ => (Some(publisher), m.organization.as_ref()),
                };
                transaction(
                    w,
                    &Transaction {
                        code,
                        day: m.value_date,
                        cents,
                        description,
                        provider,
                        receiver,
                    },
                )?;
            }
            w.create_element("related-activity")
                .with_attribute(("ref", ids.fund.as_str()))
                .with_attribute(("type", "1"))
                .write_empty()?;
            results(w, p)?;
            Ok(())
        })?;
    Ok(())
}

/// The original budget over the original plan, per period of at most a year (type 1); and,
/// when a revision or an extension changed it, the revised budget over the plan as it stands
/// (type 2).
fn budgets(w: &mut Xml, p: &Programme, planned_end: NaiveDate) -> io::Result<()> {
    let row = &p.row;
    let mut budget = |kind: &str, cents: i64, end: NaiveDate, value_date: Option<NaiveDate>| {
        let spans = periods(row.start_date, end);
        for ((from, to), part) in spans.iter().zip(split_by_days(cents, &spans)) {
            w.create_element("budget")
                .with_attribute(("type", kind))
                .with_attribute(("status", "2"))
                .write_inner_content(|w| {
                    w.create_element("period-start")
                        .with_attribute(("iso-date", date(*from).as_str()))
                        .write_empty()?;
                    w.create_element("period-end")
                        .with_attribute(("iso-date", date(*to).as_str()))
                        .write_empty()?;
                    value(w, part, value_date.unwrap_or(*from))
                })?;
        }
        Ok::<(), io::Error>(())
    };
    budget("1", row.original_budget_usd_cents, planned_end, None)?;
    if row.approved_budget_usd_cents != row.original_budget_usd_cents || planned_end != row.end_date
    {
        budget(
            "2",
            row.approved_budget_usd_cents,
            row.end_date,
            p.revised_on,
        )?;
    }
    Ok(())
}

/// A stored dimension or category as words for IATI's free-text `dimension`: `MIGRATORY_STATUS`
/// → `migratory status`, `FEMALE` → `female`.
fn dimension_name(stored: &str) -> String {
    stored.to_lowercase().replace('_', " ")
}

/// The results framework: one result per level (outputs, outcomes), each indicator with its
/// baseline (in its year) and one period per value reported, from the report's period start to
/// its end, with the target of the indicator's period that holds it (the overall target where it
/// has no targets per period) and the value.
fn results(w: &mut Xml, p: &Programme) -> io::Result<()> {
    let mut by_level: BTreeMap<&'static str, Vec<&Indicator>> = BTreeMap::new();
    for indicator in &p.indicators {
        let level = match IndicatorLevel::from_stored(&indicator.row.level) {
            Ok(IndicatorLevel::Output) => "1",
            Ok(IndicatorLevel::Outcome) => "2",
            Err(_) => "9",
        };
        by_level.entry(level).or_default().push(indicator);
    }
    for (level, indicators) in by_level {
        let title = match level {
            "1" => "Outputs",
            "2" => "Outcomes",
            _ => "Results",
        };
        w.create_element("result")
            .with_attribute(("type", level))
            .write_inner_content(|w| {
                text_element(w, "title", title)?;
                for indicator in indicators {
                    let row = &indicator.row;
                    let baseline = crate::domain::ExactDecimal::from_stored(&row.baseline)
                        .map(|d| d.0)
                        .ok();
                    let target = crate::domain::ExactDecimal::from_stored(&row.target)
                        .map(|d| d.0)
                        .ok();
                    let measure = if row.unit.trim() == "%" { "2" } else { "1" };
                    let ascending = match (baseline, target) {
                        (Some(b), Some(t)) if t < b => "false",
                        _ => "true",
                    };
                    w.create_element("indicator")
                        .with_attribute(("measure", measure))
                        .with_attribute(("ascending", ascending))
                        .write_inner_content(|w| {
                            text_element(w, "title", &format!("{} {}", row.code, row.statement))?;
                            text_element(w, "description", &format!("Unit: {}", row.unit))?;
                            let start = p.row.start_date;
                            let year = row.baseline_year.to_string();
                            let mut element = w
                                .create_element("baseline")
                                .with_attribute(("year", year.as_str()));
                            // The programme's start is the baseline's day when it is of that year.
                            if start.format("%Y").to_string() == year {
                                element =
                                    element.with_attribute(("iso-date", date(start).as_str()));
                            }
                            let baseline_text = baseline.map(|b| b.normalize().to_string());
                            if let Some(b) = &baseline_text {
                                element = element.with_attribute(("value", b.as_str()));
                            }
                            element.write_empty()?;
                            for m in &indicator.measurements {
                                let period_start = m.period_start.min(m.period_end);
                                let period_target = indicator
                                    .targets
                                    .iter()
                                    .find(|t| {
                                        t.period_start <= m.period_end
                                            && m.period_end <= t.period_end
                                    })
                                    .and_then(|t| {
                                        crate::domain::ExactDecimal::from_stored(&t.target).ok()
                                    })
                                    .map(|t| t.0)
                                    .or(target);
                                let target_text = period_target.map(|t| t.normalize().to_string());
                                w.create_element("period").write_inner_content(|w| {
                                    w.create_element("period-start")
                                        .with_attribute(("iso-date", date(period_start).as_str()))
                                        .write_empty()?;
                                    w.create_element("period-end")
                                        .with_attribute(("iso-date", date(m.period_end).as_str()))
                                        .write_empty()?;
                                    if let Some(t) = &target_text {
                                        w.create_element("target")
                                            .with_attribute(("value", t.as_str()))
                                            .write_empty()?;
                                    }
                                    let actual = crate::domain::ExactDecimal::from_stored(&m.value)
                                        .map(|v| v.0.normalize().to_string())
                                        .ok();
                                    if let Some(actual) = &actual {
                                        w.create_element("actual")
                                            .with_attribute(("value", actual.as_str()))
                                            .write_empty()?;
                                    }
                                    // A disaggregated report: one more actual per category,
                                    // its dimension named as the fund names it.
                                    for value in
                                        indicator.breakdown.get(&m.id).into_iter().flatten()
                                    {
                                        let Ok(v) =
                                            crate::domain::ExactDecimal::from_stored(&value.value)
                                        else {
                                            continue;
                                        };
                                        let v = v.0.normalize().to_string();
                                        w.create_element("actual")
                                            .with_attribute(("value", v.as_str()))
                                            .write_inner_content(|w| {
                                                w.create_element("dimension")
                                                    .with_attribute((
                                                        "name",
                                                        dimension_name(&value.dimension).as_str(),
                                                    ))
                                                    .with_attribute((
                                                        "value",
                                                        dimension_name(&value.category).as_str(),
                                                    ))
                                                    .write_empty()?;
                                                Ok(())
                                            })?;
                                    }
                                    Ok(())
                                })?;
                            }
                            Ok(())
                        })?;
                }
                Ok(())
            })?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// `GET /iati/activities.xml`.

/// `GET /iati/activities.xml`: the file as the bearer token's caller may read it (anonymous
/// without a token), or a coded JSON error.
pub async fn activities_xml(
    req: actix_web::HttpRequest,
    state: actix_web::web::Data<crate::http::AppState>,
) -> actix_web::HttpResponse {
    use crate::http::{caller, error_response, unauthenticated};
    use actix_web::http::{header, StatusCode};
    let request_id = crate::http::request_id(&req);
    let ctx = match caller(&req, &state, &request_id).await {
        Ok(ctx) => ctx,
        Err(refused) => return unauthenticated(refused, &request_id, false),
    };
    match export(&state.services, &ctx, &state.iati, Utc::now()).await {
        Ok(bytes) => actix_web::HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "application/xml; charset=utf-8"))
            .insert_header(("x-request-id", request_id))
            .body(bytes),
        Err(error) => {
            let status = match &error {
                IatiError::NotConfigured => StatusCode::SERVICE_UNAVAILABLE,
                IatiError::Service(ServiceError::Unauthenticated) => StatusCode::UNAUTHORIZED,
                IatiError::Service(ServiceError::Forbidden(_)) => StatusCode::FORBIDDEN,
                IatiError::Service(ServiceError::User(_)) => StatusCode::BAD_REQUEST,
                IatiError::Service(ServiceError::Internal(_)) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            let message = match &error {
                IatiError::Service(ServiceError::Internal(e)) => {
                    tracing::error!(request_id = %request_id, error = %e, "the IATI export failed");
                    format!("internal error; quote request id {request_id} to the fund's support")
                }
                other => other.to_string(),
            };
            error_response(status, error.code(), &message, &request_id, false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn periods_are_at_most_a_year_and_cover_the_plan() {
        let spans = periods(day(2020, 3, 1), day(2022, 8, 31));
        assert_eq!(
            spans,
            vec![
                (day(2020, 3, 1), day(2021, 2, 28)),
                (day(2021, 3, 1), day(2022, 2, 28)),
                (day(2022, 3, 1), day(2022, 8, 31)),
            ]
        );
        assert_eq!(periods(day(2020, 1, 1), day(2020, 1, 1)).len(), 1);
        // An end before the start is one day's period, never an error.
        assert_eq!(
            periods(day(2020, 5, 1), day(2020, 1, 1)),
            vec![(day(2020, 5, 1), day(2020, 5, 1))]
        );
    }

    #[test]
    fn a_budget_split_by_days_adds_up_exactly() {
        let spans = periods(day(2020, 3, 1), day(2022, 8, 31));
        for cents in [0, 1, 99, 1_000_001, 12_345_678_901] {
            let parts = split_by_days(cents, &spans);
            assert_eq!(parts.iter().sum::<i64>(), cents);
            assert!(parts.iter().all(|p| *p >= 0));
        }
    }

    #[test]
    fn country_shares_add_up_to_100() {
        for n in 1..=60 {
            let shares = percentages(n);
            assert_eq!(shares.len(), n);
            assert_eq!(shares.iter().sum::<Decimal>(), Decimal::from(100));
            assert!(shares.iter().all(|s| s.scale() <= 2));
        }
        assert_eq!(
            percentages(3),
            vec![
                Decimal::new(3334, 2),
                Decimal::new(3333, 2),
                Decimal::new(3333, 2)
            ]
        );
    }

    #[test]
    fn codes_follow_the_standard() {
        assert_eq!(alpha2("DEU").as_deref(), Some("DE"));
        assert_eq!(alpha2("MEX").as_deref(), Some("MX"));
        assert_eq!(alpha2("XXX"), None);
        assert_eq!(
            [0, 1, 2, 3].map(significance),
            ["0", "0", "1", "2"],
            "UN gender-equality marker scores"
        );
        assert_eq!(amount(-500), "-5.00");
        assert_eq!(amount(123_456), "1234.56");
    }
}
