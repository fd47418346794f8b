//! The synthetic portfolio: `scale` times the fund of report A/76/642 (per unit: 12 donors and
//! their agreements and deposits, 113 concept notes with reviews and decisions, five committee
//! meetings, 12 joint programmes with budget lines, transfers, expenditure, indicators and
//! measurements), deterministic from a seed and written in bulk for benchmarks.
//!
//! Unlike the demo portfolio it does not go through the service commands: it writes batched
//! multi-row INSERTs in one transaction, so 100× loads in seconds. It keeps the fund's invariants
//! by construction — deposits never exceed the signed agreement and the agreement's status
//! matches what was deposited; transfers never exceed their budget line nor the money available
//! (earmarked pools first, then unearmarked, as the service pays them); expenditure never exceeds
//! what the organization received; statuses follow the workflow (a funded note has a programme,
//! an approved one a funding decision, a rejected one a review and a rejection). It writes no
//! audit events, idempotency keys or outbox events: the rows are not the result of commands.

use crate::domain::*;
use crate::service::concept_notes::note_reference;
use anyhow::Context as _;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use entity::*;
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, Iterable, PaginatorTrait, Statement, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    /// How many times the report's fund (1: 12 donors, 113 concept notes, 12 programmes).
    pub scale: u32,
    /// The same seed gives the same portfolio.
    pub seed: u64,
    /// Draw a progress bar on the terminal.
    pub progress: bool,
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub rows: Vec<(&'static str, usize)>,
    pub elapsed: std::time::Duration,
}

impl Summary {
    pub fn total(&self) -> usize {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} rows in {:.1}s:",
            self.total(),
            self.elapsed.as_secs_f64()
        )?;
        for (table, n) in &self.rows {
            write!(f, " {table} {n},")?;
        }
        Ok(())
    }
}

/// Every date of the synthetic portfolio is on or before this day, whatever today is, so the
/// same seed gives the same rows.
const AS_OF: NaiveDate = date(2025, 12, 31);
const ACTOR: &str = "seed:synthetic";

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(day) => day,
        None => NaiveDate::MIN,
    }
}

fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour, 0, 0).unwrap_or_default().and_utc()
}

/// SplitMix64: small, fast and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An integer in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }

    /// `count` distinct items (fewer if there are not so many), in a stable order.
    fn distinct<T: Copy + Ord>(&mut self, items: &[T], count: usize) -> Vec<T> {
        let mut chosen: Vec<T> = Vec::new();
        let mut guard = 0;
        while chosen.len() < count.min(items.len()) && guard < 1000 {
            let item = *self.pick(items);
            if !chosen.contains(&item) {
                chosen.push(item);
            }
            guard += 1;
        }
        chosen
    }
}

/// (country, currency, units per USD) of the donors, as in the demo and beyond it.
const DONOR_PROFILES: [(&str, &str, &str); 24] = [
    ("DEU", "EUR", "0.85"),
    ("GBR", "GBP", "0.75"),
    ("NLD", "EUR", "0.85"),
    ("NOR", "NOK", "8.75"),
    ("DNK", "DKK", "6.25"),
    ("ESP", "EUR", "0.85"),
    ("USA", "USD", "1"),
    ("MAR", "USD", "1"),
    ("FRA", "EUR", "0.85"),
    ("PRT", "EUR", "0.85"),
    ("PHL", "USD", "1"),
    ("CYP", "EUR", "0.85"),
    ("SWE", "SEK", "9.5"),
    ("CHE", "CHF", "0.92"),
    ("JPN", "JPY", "110"),
    ("CAN", "CAD", "1.25"),
    ("AUS", "AUD", "1.35"),
    ("KOR", "USD", "1"),
    ("IRL", "EUR", "0.85"),
    ("BEL", "EUR", "0.85"),
    ("MEX", "USD", "1"),
    ("TUR", "USD", "1"),
    ("BGD", "USD", "1"),
    ("THA", "USD", "1"),
];

/// Topics by thematic area number.
const TOPICS: [&[&str]; 5] = [
    &[
        "Migration data and evidence",
        "Migration governance indicators",
        "Data for the Global Compact's review",
    ],
    &[
        "Protection of migrants in vulnerable situations",
        "Climate change, disasters and mobility",
        "Alternatives to immigration detention",
    ],
    &[
        "Counter-trafficking and protection of victims",
        "Integrated border management",
        "Return and sustainable reintegration",
    ],
    &[
        "Labour migration governance",
        "Fair recruitment and decent work",
        "Diaspora engagement and remittances",
    ],
    &[
        "Migrants' access to basic services",
        "Social cohesion and inclusion in cities",
        "Legal identity for migrants",
    ],
];

/// The report's pipeline, per unit: (how many notes, where they end). 113 in all, 12 funded.
const NOTE_PLAN: [(usize, ConceptNoteStatus); 7] = [
    (12, ConceptNoteStatus::Funded),
    // 10 of them ready for implementation: they wait in the pipeline for money, as in the demo,
    // rather than holding funding decisions the fund cannot cover.
    (34, ConceptNoteStatus::Pipeline),
    (20, ConceptNoteStatus::UnderReview),
    (10, ConceptNoteStatus::Submitted),
    (25, ConceptNoteStatus::ScreenedOut),
    (8, ConceptNoteStatus::Rejected),
    (4, ConceptNoteStatus::Withdrawn),
];

/// The committee's meetings per unit, as in the demo (shifted in time per unit).
const MEETINGS: [((i32, u32, u32), MeetingKind, &str); 5] = [
    (
        (2020, 6, 30),
        MeetingKind::Meeting,
        "Steering committee, first funding round",
    ),
    (
        (2020, 12, 10),
        MeetingKind::WrittenProcedure,
        "Pipeline update by written procedure",
    ),
    (
        (2021, 3, 31),
        MeetingKind::Meeting,
        "Steering committee, second funding round",
    ),
    (
        (2021, 7, 15),
        MeetingKind::Meeting,
        "Steering committee, third funding round",
    ),
    (
        (2021, 11, 18),
        MeetingKind::Meeting,
        "Steering committee, pipeline review",
    ),
];

/// (code, level, statement, unit, target)
const INDICATORS: [(&str, IndicatorLevel, &str, &str, i64); 4] = [
    (
        "OC1",
        IndicatorLevel::Outcome,
        "Policies or frameworks adopted or revised with the programme's support",
        "policies",
        3,
    ),
    (
        "OP1.1",
        IndicatorLevel::Output,
        "People reached by the programme's services (disaggregated by sex and age)",
        "people",
        5000,
    ),
    (
        "OP1.2",
        IndicatorLevel::Output,
        "Officials trained on rights-based migration governance",
        "officials",
        120,
    ),
    (
        "OP2.1",
        IndicatorLevel::Output,
        "Partnerships with local authorities and civil society established",
        "partnerships",
        25,
    ),
];

/// The reference data the generator draws from, read from the database.
struct Reference {
    /// (area id, area number, objective ids it clusters)
    areas: Vec<(i64, i32, Vec<i64>)>,
    objectives: Vec<i64>,
    principles: Vec<i64>,
    /// (id, acronym)
    organizations: Vec<(i64, String)>,
    /// IOM's id: it convenes most joint programmes.
    iom: Option<i64>,
    /// (code, name, region), without Antarctica.
    countries: Vec<(String, String, String)>,
    by_region: BTreeMap<String, Vec<usize>>,
    country_names: HashMap<String, String>,
    fee_rate: Rate,
}

impl Reference {
    async fn load(db: &impl ConnectionTrait) -> anyhow::Result<Self> {
        let mut areas: Vec<(i64, i32, Vec<i64>)> = thematic_area::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a.number, Vec::new()))
            .collect();
        areas.sort_by_key(|a| a.1);
        for link in thematic_area_objective::Entity::find().all(db).await? {
            if let Some(area) = areas.iter_mut().find(|a| a.0 == link.thematic_area_id) {
                area.2.push(link.gcm_objective_id);
            }
        }
        for area in &mut areas {
            area.2.sort_unstable();
        }
        let mut objectives: Vec<i64> = gcm_objective::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect();
        objectives.sort_unstable();
        let mut principles: Vec<i64> = guiding_principle::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        principles.sort_unstable();
        let mut organizations: Vec<(i64, String)> = organization::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.acronym))
            .collect();
        organizations.sort_unstable();
        let iom = organizations
            .iter()
            .find(|(_, a)| a == "IOM")
            .map(|(id, _)| *id);
        let mut countries: Vec<(String, String, String)> = country::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .filter(|c| c.region != "ANTARCTICA")
            .map(|c| (c.code, c.name, c.region))
            .collect();
        countries.sort_unstable();
        let mut by_region: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, (_, _, region)) in countries.iter().enumerate() {
            by_region.entry(region.clone()).or_default().push(i);
        }
        let country_names = countries
            .iter()
            .map(|(code, name, _)| (code.clone(), name.clone()))
            .collect();
        let fee_rate = fund_ledger::Entity::find_by_id(1)
            .one(db)
            .await?
            .map(|l| Rate::from_stored(&l.administrative_agent_fee_rate))
            .context("the fund ledger row is missing: run the migrations first")??;
        anyhow::ensure!(
            areas.len() == 5
                && areas.iter().all(|a| !a.2.is_empty())
                && principles.len() >= 3
                && organizations.len() >= 4
                && !countries.is_empty(),
            "the reference data is incomplete: run the migrations first"
        );
        Ok(Self {
            areas,
            objectives,
            principles,
            organizations,
            iom,
            countries,
            by_region,
            country_names,
            fee_rate,
        })
    }
}

/// The next id of each table (the generator assigns ids itself, so rows can refer to each other
/// before anything is written).
#[derive(Default)]
struct Ids {
    next: HashMap<&'static str, i64>,
}

impl Ids {
    fn take(&mut self, table: &'static str) -> i64 {
        let next = self.next.entry(table).or_insert(1);
        let id = *next;
        *next += 1;
        id
    }
}

/// Every row to write, in the order the foreign keys need.
#[derive(Default)]
struct Plan {
    meetings: Vec<steering_committee_meeting::ActiveModel>,
    donors: Vec<donor::ActiveModel>,
    contributions: Vec<contribution::ActiveModel>,
    deposits: Vec<deposit::ActiveModel>,
    notes: Vec<concept_note::ActiveModel>,
    note_countries: Vec<concept_note_country::ActiveModel>,
    note_objectives: Vec<concept_note_objective::ActiveModel>,
    note_principles: Vec<concept_note_principle::ActiveModel>,
    note_organizations: Vec<concept_note_organization::ActiveModel>,
    reviews: Vec<concept_note_review::ActiveModel>,
    programmes: Vec<joint_programme::ActiveModel>,
    decisions: Vec<decision::ActiveModel>,
    budget_lines: Vec<budget_line::ActiveModel>,
    transfers: Vec<transfer::ActiveModel>,
    expenditures: Vec<expenditure_report::ActiveModel>,
    indicators: Vec<results_indicator::ActiveModel>,
    measurements: Vec<indicator_measurement::ActiveModel>,
    /// Refunds of what organizations did not spend on financially closed programmes: booked in
    /// the ledger after the tables' money is.
    refunds: Vec<ledger_entry::ActiveModel>,
}

/// Money not yet transferred, by pool: earmarked to a thematic area (by area id), or not.
#[derive(Default)]
struct Pools {
    earmarked: HashMap<i64, i64>,
    unearmarked: i64,
    /// What the committee can still allocate: net deposits and refunds less its allocations.
    allocatable: i64,
}

impl Pools {
    /// Pays up to `wanted` cents for a programme in `area`: earmarked money first, then
    /// unearmarked. Returns (from earmarked, from unearmarked).
    fn pay(&mut self, area: i64, wanted: i64) -> (i64, i64) {
        let earmarked = self.earmarked.entry(area).or_default();
        let from_earmarked = wanted.min(*earmarked).max(0);
        *earmarked -= from_earmarked;
        let from_unearmarked = (wanted - from_earmarked).min(self.unearmarked).max(0);
        self.unearmarked -= from_unearmarked;
        (from_earmarked, from_unearmarked)
    }
}

/// A concept note's facts that its decisions and programme reuse.
struct Note {
    id: i64,
    title: String,
    area_id: i64,
    scope: Scope,
    objectives: Vec<i64>,
    principles: Vec<i64>,
    organizations: Vec<i64>,
    requested_cents: i64,
    months: i32,
    markers: (i32, i32, i32),
}

struct Generator<'a> {
    reference: &'a Reference,
    options: &'a Options,
    rng: Rng,
    ids: Ids,
    plan: Plan,
    pools: Pools,
}

/// Generates the synthetic portfolio into a database whose migrations are applied and that holds
/// no donor and no concept note yet.
pub async fn generate(db: &DatabaseConnection, options: &Options) -> anyhow::Result<Summary> {
    anyhow::ensure!(
        (1..=10_000).contains(&options.scale),
        "--scale is from 1 to 10000"
    );
    let started = std::time::Instant::now();
    if donor::Entity::find().count(db).await? > 0
        || concept_note::Entity::find().count(db).await? > 0
    {
        anyhow::bail!(
            "the database already holds donors or concept notes: the synthetic portfolio goes into a freshly migrated database"
        );
    }
    let reference = Reference::load(db).await?;
    let mut generator = Generator {
        reference: &reference,
        options,
        rng: Rng(options.seed ^ 0x6D70_7466_5F73_6565),
        ids: Ids::default(),
        plan: Plan::default(),
        pools: Pools::default(),
    };
    // Ids continue after whatever the tables hold (reference data aside, they are empty).
    for table in TABLES {
        let max = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS max_id FROM {table}"),
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "max_id"))
            .transpose()?
            .unwrap_or(0);
        generator.ids.next.insert(table, max + 1);
    }
    for unit in 0..options.scale {
        generator.unit(unit)?;
    }
    let plan = generator.plan;
    let summary_rows = write(db, plan, options.progress).await?;
    Ok(Summary {
        rows: summary_rows,
        elapsed: started.elapsed(),
    })
}

/// The tables with an id the generator assigns.
const TABLES: [&str; 13] = [
    "steering_committee_meeting",
    "donor",
    "contribution",
    "deposit",
    "concept_note",
    "concept_note_review",
    "joint_programme",
    "decision",
    "budget_line",
    "transfer",
    "expenditure_report",
    "results_indicator",
    "indicator_measurement",
];

impl Generator<'_> {
    /// One report-sized fund: meetings, donors and their money, the pipeline, the programmes.
    fn unit(&mut self, unit: u32) -> anyhow::Result<()> {
        // Each unit lives in its own stretch of time, two to four years after the report's, so
        // that the synthetic fund has programmes starting, running and closed.
        let shift = Duration::days(self.rng.range(730, 1460));
        let meetings: Vec<(i64, NaiveDate)> = MEETINGS
            .iter()
            .map(|((y, m, d), kind, title)| {
                let id = self.ids.take("steering_committee_meeting");
                let held_on = date(*y, *m, *d) + shift;
                self.plan
                    .meetings
                    .push(steering_committee_meeting::ActiveModel {
                        id: Set(id),
                        held_on: Set(held_on),
                        kind: Set(kind.as_str().to_owned()),
                        title: Set(format!("{title} (synthetic unit {})", unit + 1)),
                        created_at: Set(at(held_on - Duration::days(21), 9)),
                        version: Set(1),
                    });
                (id, held_on)
            })
            .collect();
        // Money comes in before and around the first funding round.
        let first_round = meetings[0].1;
        for n in 0..12 {
            self.donor(unit, n, first_round)?;
        }
        let mut n = 0;
        for (count, status) in NOTE_PLAN {
            for _ in 0..count {
                self.concept_note(n, status, &meetings)?;
                n += 1;
            }
        }
        Ok(())
    }

    fn donor(&mut self, unit: u32, n: usize, first_round: NaiveDate) -> anyhow::Result<()> {
        let (country, currency_code, rate_text) =
            DONOR_PROFILES[(n + unit as usize * 5) % DONOR_PROFILES.len()];
        let country_name = self
            .reference
            .country_names
            .get(country)
            .cloned()
            .unwrap_or_else(|| country.to_owned());
        let country = self
            .reference
            .country_names
            .contains_key(country)
            .then(|| country.to_owned());
        let id = self.ids.take("donor");
        let (kind, name) = match n {
            10 => (
                DonorKind::Foundation,
                format!("Foundation for Safe Migration {id:05}"),
            ),
            11 => (
                *self.rng.pick(&[
                    DonorKind::PrivateSector,
                    DonorKind::InternationalFinancialInstitution,
                    DonorKind::UnEntity,
                    DonorKind::Other,
                ]),
                format!("Partner {id:05} ({country_name})"),
            ),
            _ => (
                DonorKind::MemberState,
                format!("{country_name} (synthetic donor {id:05})"),
            ),
        };
        self.plan.donors.push(donor::ActiveModel {
            id: Set(id),
            name: Set(name),
            kind: Set(kind.as_str().to_owned()),
            country_code: Set(country.clone()),
            note: Set(Some(format!(
                "Synthetic data (mptf seed synthetic --scale {} --seed {}): not a real donor, not real amounts.",
                self.options.scale, self.options.seed
            ))),
            created_at: Set(at(first_round - Duration::days(700), 9)),
            version: Set(1),
        });
        let currency = Currency::parse(currency_code).context("unknown donor currency")?;
        let rate = ExactDecimal(Decimal::from_str(rate_text)?);
        let agreements = 1 + usize::from(self.rng.chance(0.35)) + usize::from(self.rng.chance(0.1));
        for k in 0..agreements {
            // Each unit keeps agreements with money still to come (the write benchmark deposits on them).
            let forced = match (n, k) {
                (0, 0) => Some(ContributionStatus::PartiallyDeposited),
                (6, 0) => Some(ContributionStatus::Signed),
                _ => None,
            };
            self.contribution(id, country.as_deref(), currency, rate, first_round, forced)?;
        }
        Ok(())
    }

    fn contribution(
        &mut self,
        donor_id: i64,
        country: Option<&str>,
        currency: Currency,
        rate: ExactDecimal,
        first_round: NaiveDate,
        forced: Option<ContributionStatus>,
    ) -> anyhow::Result<()> {
        use ContributionStatus::*;
        let id = self.ids.take("contribution");
        let status = forced.unwrap_or_else(|| {
            let r = self.rng.unit();
            match r {
                r if r < 0.65 => FullyDeposited,
                r if r < 0.80 => PartiallyDeposited,
                r if r < 0.88 => Signed,
                r if r < 0.96 => Pledged,
                _ => Cancelled,
            }
        });
        // USD 300,000 to 9.6 million, most of them small; in the agreement's currency, rounded
        // to a thousand units.
        let usd = 300_000.0 * 2f64.powf(5.0 * self.rng.unit());
        let units_per_usd = f64::from_str(&rate.0.to_string()).unwrap_or(1.0);
        let major = ((usd * units_per_usd / 1000.0).round() as i64).max(1) * 1000;
        let pledged_minor = major * 10i64.pow(currency.minor_unit_digits());
        let pledged_usd = currency
            .to_usd(pledged_minor, rate, "pledged")
            .map_err(|e| anyhow::anyhow!(e.message))?;
        let pledged_on = first_round - Duration::days(self.rng.range(60, 600));
        let signed_on = match status {
            Pledged => None,
            Cancelled if self.rng.chance(0.5) => None,
            _ => Some(pledged_on + Duration::days(self.rng.range(30, 120))),
        };
        let earmarked_area = self
            .rng
            .chance(0.15)
            .then(|| self.rng.pick(&self.reference.areas).0);
        // What arrives: all of it, part of it (30–80%), or nothing yet.
        let to_deposit = match status {
            FullyDeposited => pledged_minor,
            PartiallyDeposited => {
                let share = 0.3 + 0.5 * self.rng.unit();
                let minor_per_thousand = 1000 * 10i64.pow(currency.minor_unit_digits());
                ((pledged_minor as f64 * share) as i64 / minor_per_thousand).max(1)
                    * minor_per_thousand
            }
            _ => 0,
        };
        if to_deposit > 0 {
            let tranches = if status == FullyDeposited {
                self.rng.range(1, 3)
            } else {
                self.rng.range(1, 2)
            };
            let mut received_on =
                signed_on.unwrap_or(pledged_on) + Duration::days(self.rng.range(15, 90));
            let mut left = to_deposit;
            for t in 0..tranches {
                let amount = if t + 1 == tranches {
                    left
                } else {
                    (left / (tranches - t)).max(1)
                };
                left -= amount;
                if amount <= 0 {
                    continue;
                }
                // Deposits arrive at the day's rate, a little off the agreement's.
                let day_rate = if currency == Currency::USD {
                    rate
                } else {
                    let jitter = Decimal::new(self.rng.range(-300, 300), 4);
                    ExactDecimal((rate.0 * (Decimal::ONE + jitter)).round_dp(4))
                };
                let amount_usd = currency
                    .to_usd(amount, day_rate, "amount")
                    .map_err(|e| anyhow::anyhow!(e.message))?;
                let fee = amount_usd
                    .times_rate(self.reference.fee_rate)
                    .context("the fee overflows")?;
                let net = amount_usd.cents() - fee.cents();
                let day = received_on.min(AS_OF);
                self.plan.deposits.push(deposit::ActiveModel {
                    id: Set(self.ids.take("deposit")),
                    contribution_id: Set(id),
                    received_on: Set(day),
                    currency: Set(currency.code().to_owned()),
                    amount_minor: Set(amount),
                    exchange_rate: Set(day_rate.to_stored()),
                    amount_usd_cents: Set(amount_usd.cents()),
                    fee_usd_cents: Set(fee.cents()),
                    net_usd_cents: Set(net),
                    recorded_by: Set(ACTOR.to_owned()),
                    recorded_at: Set(at(day, 14)),
                });
                match earmarked_area {
                    Some(area) => *self.pools.earmarked.entry(area).or_default() += net,
                    None => self.pools.unearmarked += net,
                }
                self.pools.allocatable += net;
                received_on += Duration::days(self.rng.range(120, 400));
            }
        }
        self.plan.contributions.push(contribution::ActiveModel {
            id: Set(id),
            donor_id: Set(donor_id),
            reference: Set(format!("MPTF-{}-{id:05}", country.unwrap_or("XXX"))),
            status: Set(status.as_str().to_owned()),
            currency: Set(currency.code().to_owned()),
            pledged_minor: Set(pledged_minor),
            pledged_usd_cents: Set(pledged_usd.cents().max(1)),
            deposited_minor: Set(to_deposit),
            pledged_on: Set(pledged_on),
            signed_on: Set(signed_on),
            earmarking: Set(if earmarked_area.is_some() {
                Earmarking::ThematicArea
            } else {
                Earmarking::Unearmarked
            }
            .as_str()
            .to_owned()),
            earmarked_area_id: Set(earmarked_area),
            note: Set(None),
            recorded_by: Set(ACTOR.to_owned()),
            recorded_at: Set(at(pledged_on, 10)),
            version: Set(1),
        });
        Ok(())
    }

    fn concept_note(
        &mut self,
        n: usize,
        status: ConceptNoteStatus,
        meetings: &[(i64, NaiveDate)],
    ) -> anyhow::Result<()> {
        use ConceptNoteStatus::*;
        let reference = self.reference;
        let id = self.ids.take("concept_note");
        let (area_id, area_number, area_objectives) = self.rng.pick(&reference.areas).clone();
        let topic = *self
            .rng
            .pick(TOPICS[(area_number as usize).clamp(1, 5) - 1]);
        // Funded notes were decided at the funding rounds; the rest at any meeting.
        let meeting = match status {
            Funded => meetings[*self.rng.pick(&[0usize, 2, 3])],
            _ => meetings[self.rng.range(0, meetings.len() as i64 - 1) as usize],
        };
        let submitted_on = meeting.1 - Duration::days(self.rng.range(60, 240));
        let r = self.rng.unit();
        let scope = if r < 0.65 {
            Scope::National
        } else if r < 0.95 {
            Scope::Regional
        } else {
            Scope::Global
        };
        let first = self.rng.range(0, reference.countries.len() as i64 - 1) as usize;
        let countries: Vec<usize> = match scope {
            Scope::National => vec![first],
            Scope::Regional => {
                let region = &reference.countries[first].2;
                let mut chosen = vec![first];
                let others = self.rng.range(1, 4) as usize;
                for c in self.rng.distinct(&reference.by_region[region], others) {
                    if !chosen.contains(&c) {
                        chosen.push(c);
                    }
                }
                chosen
            }
            Scope::Global => Vec::new(),
        };
        let title = match scope {
            Scope::National => format!("{topic} in {}", reference.countries[first].1),
            Scope::Regional => format!(
                "{topic}: a regional programme ({})",
                reference.countries[first].2.to_lowercase()
            ),
            Scope::Global => format!("{topic}: a global programme"),
        };
        let in_area = self.rng.range(1, 2) as usize;
        let mut objectives = self.rng.distinct(&area_objectives, in_area);
        if self.rng.chance(0.5) {
            let extra = *self.rng.pick(&reference.objectives);
            if !objectives.contains(&extra) {
                objectives.push(extra);
            }
        }
        let how_many = self.rng.range(2, 3) as usize;
        let principles = self.rng.distinct(&reference.principles, how_many);
        let all_orgs: Vec<i64> = reference.organizations.iter().map(|(id, _)| *id).collect();
        let convening = match reference.iom {
            Some(iom) if self.rng.chance(0.4) => iom,
            _ => *self.rng.pick(&all_orgs),
        };
        let mut organizations = vec![convening];
        let others = self.rng.range(2, 4) as usize;
        for org in self.rng.distinct(&all_orgs, others) {
            if organizations.len() < 4 && !organizations.contains(&org) {
                organizations.push(org);
            }
        }
        let requested_cents = self.rng.range(20, 60) * 50_000 * 100;
        let months = *self.rng.pick(&[18, 24, 24, 30, 36]);
        let markers = (
            self.rng.range(1, 3) as i32,
            self.rng.range(1, 3) as i32,
            self.rng.range(0, 3) as i32,
        );
        let convening_name = reference
            .organizations
            .iter()
            .find(|(o, _)| *o == convening)
            .map(|(_, a)| a.as_str())
            .unwrap_or("IOM");
        self.plan.notes.push(concept_note::ActiveModel {
            id: Set(id),
            reference: Set(note_reference(submitted_on, id)),
            title: Set(title.clone()),
            summary: Set(format!(
                "A joint programme on {} convened by {convening_name} with {} other participating organizations (synthetic note {}).",
                topic.to_lowercase(),
                organizations.len() - 1,
                n + 1
            )),
            scope: Set(scope.as_str().to_owned()),
            thematic_area_id: Set(area_id),
            convening_organization_id: Set(convening),
            requested_budget_usd_cents: Set(requested_cents),
            duration_months: Set(months),
            gender_marker: Set(markers.0),
            human_rights_marker: Set(markers.1),
            child_sensitivity_marker: Set(markers.2),
            submitted_on: Set(submitted_on),
            status: Set(status.as_str().to_owned()),
            submitted_by: Set(ACTOR.to_owned()),
            created_at: Set(at(submitted_on, 9)),
            version: Set(1),
            call_id: Set(None),
            programme_document_endorsed_on: Set(None),
        });
        for c in &countries {
            self.plan
                .note_countries
                .push(concept_note_country::ActiveModel {
                    concept_note_id: Set(id),
                    country_code: Set(reference.countries[*c].0.clone()),
                });
        }
        for o in &objectives {
            self.plan
                .note_objectives
                .push(concept_note_objective::ActiveModel {
                    concept_note_id: Set(id),
                    gcm_objective_id: Set(*o),
                });
        }
        for p in &principles {
            self.plan
                .note_principles
                .push(concept_note_principle::ActiveModel {
                    concept_note_id: Set(id),
                    guiding_principle_id: Set(*p),
                });
        }
        for o in &organizations {
            self.plan
                .note_organizations
                .push(concept_note_organization::ActiveModel {
                    concept_note_id: Set(id),
                    organization_id: Set(*o),
                });
        }
        // The review: screened out, not recommended (rejected) or recommended.
        let outcome = match status {
            Submitted | Withdrawn => None,
            ScreenedOut => Some(ReviewOutcome::ScreenedOut),
            Rejected => Some(ReviewOutcome::NotRecommended),
            _ => Some(ReviewOutcome::Recommended),
        };
        if let Some(outcome) = outcome {
            let score = match outcome {
                ReviewOutcome::ScreenedOut => self.rng.range(20, 50),
                ReviewOutcome::NotRecommended => self.rng.range(40, 65),
                ReviewOutcome::Recommended => self.rng.range(65, 95),
            };
            self.plan.reviews.push(concept_note_review::ActiveModel {
                id: Set(self.ids.take("concept_note_review")),
                concept_note_id: Set(id),
                outcome: Set(outcome.as_str().to_owned()),
                score: Set(Some(score as i32)),
                comments: Set(match outcome {
                    ReviewOutcome::ScreenedOut => {
                        "Does not meet the eligibility criteria of the call."
                    }
                    ReviewOutcome::NotRecommended => "Technical review completed: not recommended.",
                    ReviewOutcome::Recommended => {
                        "Strong alignment with the GCM objectives and the guiding principles."
                    }
                }
                .to_owned()),
                reviewed_by: Set("user:1".to_owned()),
                reviewed_at: Set(at(
                    submitted_on + Duration::days(self.rng.range(14, 45)),
                    11,
                )),
            });
        }
        let note = Note {
            id,
            title,
            area_id,
            scope,
            objectives,
            principles,
            organizations,
            requested_cents,
            months,
            markers,
        };
        match status {
            Rejected => {
                self.decision(
                    meeting,
                    DecisionKind::Rejection,
                    (Some(id), None),
                    None,
                    "Not selected: the pipeline favours geographic balance.",
                );
            }
            Pipeline => {
                self.decision(
                    meeting,
                    DecisionKind::Pipeline,
                    (Some(id), None),
                    None,
                    "Entered in the pipeline.",
                );
            }
            Funded => self.programme(&note, meeting, meetings)?,
            _ => {}
        }
        Ok(())
    }

    fn decision(
        &mut self,
        meeting: (i64, NaiveDate),
        kind: DecisionKind,
        subject: (Option<i64>, Option<i64>),
        amount_cents: Option<i64>,
        rationale: &str,
    ) -> i64 {
        let id = self.ids.take("decision");
        self.plan.decisions.push(decision::ActiveModel {
            id: Set(id),
            meeting_id: Set(meeting.0),
            kind: Set(kind.as_str().to_owned()),
            concept_note_id: Set(subject.0),
            joint_programme_id: Set(subject.1),
            amount_usd_cents: Set(amount_cents),
            new_end_date: Set(None),
            rationale: Set(rationale.to_owned()),
            supersedes_id: Set(None),
            recorded_by: Set("user:3".to_owned()),
            recorded_at: Set(at(meeting.1, 15)),
            // Recorded by a committee member at the meeting: in effect from its day.
            status: Set(DecisionStatus::Adopted.as_str().to_owned()),
            adopted_on: Set(Some(meeting.1)),
            confirmed_by: Set(Some("user:3".to_owned())),
            confirmed_at: Set(Some(at(meeting.1, 15))),
        });
        id
    }

    fn programme(
        &mut self,
        note: &Note,
        meeting: (i64, NaiveDate),
        meetings: &[(i64, NaiveDate)],
    ) -> anyhow::Result<()> {
        self.decision(
            meeting,
            DecisionKind::Pipeline,
            (Some(note.id), None),
            None,
            "Selected for the pipeline for geographic and thematic balance.",
        );
        // Budget lines: the request shared among the organizations, 7% support costs on top.
        let isc = Rate::DEFAULT_INDIRECT_SUPPORT_COST;
        let orgs = &note.organizations;
        // The committee allocates only what the fund holds and has not allocated: a request
        // above it is funded at what is left (in whole thousands of dollars, support costs on top).
        let affordable = (self.pools.allocatable * 100 / 107 / 100_000 * 100_000).max(100_000);
        let requested = note.requested_cents.min(affordable);
        let share = requested / orgs.len() as i64;
        let lines: Vec<(i64, i64, i64, i64)> = orgs
            .iter()
            .enumerate()
            .map(|(i, org)| {
                let programmable = if i + 1 == orgs.len() {
                    requested - share * (orgs.len() as i64 - 1)
                } else {
                    share
                };
                let cost = Usd::from_cents(programmable)
                    .times_rate(isc)
                    .context("support costs overflow")?
                    .cents();
                Ok((self.ids.take("budget_line"), *org, programmable, cost))
            })
            .collect::<anyhow::Result<_>>()?;
        let approved: i64 = lines.iter().map(|(_, _, p, c)| p + c).sum();
        self.pools.allocatable -= approved;
        let funding = self.decision(
            meeting,
            DecisionKind::Funding,
            (Some(note.id), None),
            Some(approved),
            "Funded: ready for implementation.",
        );
        let id = self.ids.take("joint_programme");
        let start = meeting.1 + Duration::days(self.rng.range(30, 60));
        let end = start + Duration::days(i64::from(note.months) * 30);
        let status = if end < AS_OF {
            if self.rng.chance(0.5) {
                ProgrammeStatus::FinanciallyClosed
            } else {
                ProgrammeStatus::OperationallyClosed
            }
        } else {
            let r = self.rng.unit();
            if r < 0.06 {
                ProgrammeStatus::Suspended
            } else if r < 0.10 {
                ProgrammeStatus::Approved
            } else {
                ProgrammeStatus::Active
            }
        };
        self.plan.programmes.push(joint_programme::ActiveModel {
            id: Set(id),
            code: Set(format!("MPTF-JP-{:04}", note.id)),
            title: Set(note.title.clone()),
            concept_note_id: Set(note.id),
            status: Set(status.as_str().to_owned()),
            status_before_suspension: Set((status == ProgrammeStatus::Suspended)
                .then(|| ProgrammeStatus::Active.as_str().to_owned())),
            thematic_area_id: Set(note.area_id),
            scope: Set(note.scope.as_str().to_owned()),
            start_date: Set(start),
            end_date: Set(end),
            original_end_date: Set(Some(end)),
            convening_organization_id: Set(orgs[0]),
            approved_budget_usd_cents: Set(approved),
            original_budget_usd_cents: Set(approved),
            gender_marker: Set(note.markers.0),
            human_rights_marker: Set(note.markers.1),
            child_sensitivity_marker: Set(note.markers.2),
            created_at: Set(at(meeting.1 + Duration::days(20), 10)),
            version: Set(1),
        });
        if status == ProgrammeStatus::Suspended {
            let last = meetings[meetings.len() - 1];
            self.decision(
                last,
                DecisionKind::Suspension,
                (None, Some(id)),
                None,
                "Suspended pending a review of the security situation.",
            );
        }
        for (line_id, org, programmable, cost) in &lines {
            self.plan.budget_lines.push(budget_line::ActiveModel {
                id: Set(*line_id),
                joint_programme_id: Set(id),
                organization_id: Set(*org),
                programmable_usd_cents: Set(*programmable),
                indirect_support_cost_rate: Set(isc.to_stored()),
                indirect_support_cost_usd_cents: Set(*cost),
                total_usd_cents: Set(programmable + cost),
                version: Set(1),
            });
            self.transfers_and_spending(
                id,
                note.area_id,
                funding,
                status,
                (start, end),
                *line_id,
                *org,
                programmable + cost,
            );
        }
        self.indicators(id, note, start, end);
        Ok(())
    }

    /// Tranches to one organization (first at the start, the rest a year on), and its yearly
    /// expenditure, never more than it received by the end of that year.
    #[allow(clippy::too_many_arguments)]
    fn transfers_and_spending(
        &mut self,
        programme: i64,
        area: i64,
        funding: i64,
        status: ProgrammeStatus,
        (start, end): (NaiveDate, NaiveDate),
        line: i64,
        org: i64,
        line_total: i64,
    ) {
        use ProgrammeStatus::*;
        let closed = matches!(status, OperationallyClosed | FinanciallyClosed);
        let first_share = match status {
            Approved => 0.0,
            _ if closed => 0.5 + 0.2 * self.rng.unit(),
            _ => 0.4 + 0.2 * self.rng.unit(),
        };
        let first = (line_total as f64 * first_share) as i64;
        let second_on = start + Duration::days(365);
        let second = match status {
            _ if closed => line_total - first,
            Active if second_on <= AS_OF => {
                ((line_total as f64 * (0.2 + 0.2 * self.rng.unit())) as i64).min(line_total - first)
            }
            _ => 0,
        };
        let mut tranches = Vec::new();
        let mut from_earmarked = 0i64;
        for (amount, on) in [(first, start), (second, second_on.min(AS_OF))] {
            if amount <= 0 {
                continue;
            }
            let (earmarked, unearmarked) = self.pools.pay(area, amount);
            let paid = earmarked + unearmarked;
            if paid <= 0 {
                continue;
            }
            from_earmarked += earmarked;
            self.plan.transfers.push(transfer::ActiveModel {
                id: Set(self.ids.take("transfer")),
                joint_programme_id: Set(programme),
                organization_id: Set(org),
                budget_line_id: Set(line),
                decision_id: Set(funding),
                transferred_on: Set(on),
                amount_usd_cents: Set(paid),
                from_earmarked_usd_cents: Set(earmarked),
                from_unearmarked_usd_cents: Set(unearmarked),
                thematic_area_id: Set(area),
                recorded_by: Set("user:4".to_owned()),
                recorded_at: Set(at(on, 12)),
            });
            tranches.push((on, paid));
        }
        let received: i64 = tranches.iter().map(|(_, a)| a).sum();
        if received == 0 {
            return;
        }
        let first_year = start.year();
        let last_year = end.min(AS_OF).year().max(first_year);
        let years = i64::from(last_year - first_year + 1);
        let spent_share = if closed {
            0.97 + 0.03 * self.rng.unit()
        } else {
            0.3 + 0.5 * self.rng.unit()
        };
        let mut spent = 0i64;
        for (i, year) in (first_year..=last_year).enumerate() {
            let by_year_end: i64 = tranches
                .iter()
                .filter(|(on, _)| on.year() <= year)
                .map(|(_, a)| a)
                .sum();
            let target = ((received as f64 * spent_share * (i as f64 + 1.0) / years as f64) as i64)
                .min(by_year_end);
            let amount = (target - spent).max(0);
            spent += amount;
            let reported_on = date(year, 12, 31).min(AS_OF);
            self.plan
                .expenditures
                .push(expenditure_report::ActiveModel {
                    id: Set(self.ids.take("expenditure_report")),
                    joint_programme_id: Set(programme),
                    organization_id: Set(org),
                    year: Set(year),
                    amount_usd_cents: Set(amount),
                    r#final: Set(status == FinanciallyClosed && year == last_year),
                    reported_by: Set(format!("puno:{org}")),
                    reported_at: Set(at(reported_on, 16)),
                });
        }
        // A programme closes financially only once its organizations hold none of its money:
        // what was not spent came back, to the pools it was transferred from.
        if status == FinanciallyClosed && received > spent {
            let unspent = received - spent;
            let to_area = unspent.min(from_earmarked);
            let refunded_on = (end + Duration::days(60)).min(AS_OF);
            for (pool, amount) in [(Some(area), to_area), (None, unspent - to_area)] {
                if amount <= 0 {
                    continue;
                }
                match pool {
                    Some(area) => *self.pools.earmarked.entry(area).or_default() += amount,
                    None => self.pools.unearmarked += amount,
                }
                self.pools.allocatable += amount;
                self.plan.refunds.push(ledger_entry::ActiveModel {
                    kind: Set("REFUND".to_owned()),
                    counts_as: Set("REFUND".to_owned()),
                    value_date: Set(refunded_on),
                    recorded_at: Set(at(refunded_on, 11)),
                    recorded_by: Set("user:4".to_owned()),
                    currency: Set("USD".to_owned()),
                    amount_minor: Set(amount),
                    amount_usd_cents: Set(amount),
                    pool_area_id: Set(pool),
                    joint_programme_id: Set(Some(programme)),
                    organization_id: Set(Some(org)),
                    description: Set(Some("Refund of unspent balance at closure".to_owned())),
                    ..Default::default()
                });
            }
        }
    }

    fn indicators(&mut self, programme: i64, note: &Note, start: NaiveDate, end: NaiveDate) {
        let count = self.rng.range(2, 4) as usize;
        let convening = note.organizations[0];
        for (k, (code, level, statement, unit, target)) in INDICATORS.iter().take(count).enumerate()
        {
            let id = self.ids.take("results_indicator");
            self.plan.indicators.push(results_indicator::ActiveModel {
                id: Set(id),
                joint_programme_id: Set(programme),
                code: Set((*code).to_owned()),
                level: Set(level.as_str().to_owned()),
                statement: Set((*statement).to_owned()),
                unit: Set((*unit).to_owned()),
                baseline: Set("0".to_owned()),
                target: Set(target.to_string()),
                baseline_year: Set(start.year()),
                status: Set(IndicatorStatus::Active.as_str().to_owned()),
                retired_by: Set(None),
                retired_at: Set(None),
                retirement_reason: Set(None),
                disaggregation: Set(String::new()),
                target_set: Set(0),
                gcm_objective_id: Set(note.objectives.get(k % note.objectives.len()).copied()),
                guiding_principle_id: Set(note.principles.get(k % note.principles.len()).copied()),
                created_by: Set(format!("puno:{convening}")),
                created_at: Set(at(start + Duration::days(30), 10)),
                version: Set(1),
            });
            // A few six-monthly measurements, up to today (of the synthetic world).
            let mut progress = 0.0;
            for j in 1..=3i64 {
                let period_end = start + Duration::days(j * 182);
                if period_end > AS_OF || period_end > end {
                    break;
                }
                progress += 0.15 + 0.2 * self.rng.unit();
                let value = (*target as f64 * progress).round() as i64;
                self.plan
                    .measurements
                    .push(indicator_measurement::ActiveModel {
                        id: Set(self.ids.take("indicator_measurement")),
                        indicator_id: Set(id),
                        period_start: Set(if j == 1 {
                            start
                        } else {
                            start + Duration::days((j - 1) * 182 + 1)
                        }),
                        period_end: Set(period_end),
                        value: Set(ExactDecimal(Decimal::from(value)).to_stored()),
                        note: Set(Some("Reported in the progress report.".to_owned())),
                        reported_by: Set(format!("puno:{convening}")),
                        reported_at: Set(at((period_end + Duration::days(30)).min(AS_OF), 10)),
                    });
            }
        }
    }
}

/// Writes the plan in one transaction, in batches of multi-row INSERTs, then moves PostgreSQL's
/// id sequences past the ids written and refreshes the planner's statistics (VACUUM ANALYZE).
async fn write(
    db: &DatabaseConnection,
    plan: Plan,
    progress: bool,
) -> anyhow::Result<Vec<(&'static str, usize)>> {
    let counts = vec![
        ("steering_committee_meeting", plan.meetings.len()),
        ("donor", plan.donors.len()),
        ("contribution", plan.contributions.len()),
        ("deposit", plan.deposits.len()),
        ("concept_note", plan.notes.len()),
        ("concept_note_country", plan.note_countries.len()),
        ("concept_note_objective", plan.note_objectives.len()),
        ("concept_note_principle", plan.note_principles.len()),
        ("concept_note_organization", plan.note_organizations.len()),
        ("concept_note_review", plan.reviews.len()),
        ("joint_programme", plan.programmes.len()),
        ("decision", plan.decisions.len()),
        ("budget_line", plan.budget_lines.len()),
        ("transfer", plan.transfers.len()),
        ("expenditure_report", plan.expenditures.len()),
        ("results_indicator", plan.indicators.len()),
        ("indicator_measurement", plan.measurements.len()),
        ("refund (ledger_entry)", plan.refunds.len()),
    ];
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let bar = if progress {
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg:<28} [{bar:40}] {pos}/{len} rows ({elapsed})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let txn = db.begin().await?;
    insert(&txn, plan.meetings, &bar).await?;
    insert(&txn, plan.donors, &bar).await?;
    insert(&txn, plan.contributions, &bar).await?;
    insert(&txn, plan.deposits, &bar).await?;
    insert(&txn, plan.notes, &bar).await?;
    insert(&txn, plan.note_countries, &bar).await?;
    insert(&txn, plan.note_objectives, &bar).await?;
    insert(&txn, plan.note_principles, &bar).await?;
    insert(&txn, plan.note_organizations, &bar).await?;
    insert(&txn, plan.reviews, &bar).await?;
    insert(&txn, plan.programmes, &bar).await?;
    insert(&txn, plan.decisions, &bar).await?;
    insert(&txn, plan.budget_lines, &bar).await?;
    insert(&txn, plan.transfers, &bar).await?;
    insert(&txn, plan.expenditures, &bar).await?;
    // The books: the tables' money as an upgrade books it, then the refunds at closure.
    bar.set_message("ledger_entry");
    for statement in migration::book_existing_money(txn.get_database_backend()) {
        txn.execute_unprepared(&statement).await?;
    }
    insert(&txn, plan.refunds, &bar).await?;
    insert(&txn, plan.indicators, &bar).await?;
    insert(&txn, plan.measurements, &bar).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        for table in TABLES {
            txn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))"
            ))
            .await?;
        }
    }
    bar.set_message("committing");
    txn.commit().await?;
    // Fresh statistics for the planner, and (PostgreSQL) the visibility map that index-only
    // scans need, which autovacuum would only set some time later.
    bar.set_message("analyzing");
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("VACUUM (ANALYZE)").await?;
    } else {
        db.execute_unprepared("ANALYZE").await?;
    }
    bar.finish_and_clear();
    Ok(counts)
}

/// Inserts rows in batches that stay under both databases' limit on bound parameters.
async fn insert<A>(
    txn: &sea_orm::DatabaseTransaction,
    rows: Vec<A>,
    bar: &ProgressBar,
) -> anyhow::Result<()>
where
    A: ActiveModelTrait + Send,
{
    let table = <A::Entity as Default>::default();
    let name = sea_orm::EntityName::table_name(&table);
    bar.set_message(name.to_owned());
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let batch = (30_000 / columns).clamp(1, 2_000);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(batch).collect();
        let n = chunk.len();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(txn)
            .await
            .with_context(|| format!("inserting into {name}"))?;
        bar.inc(n as u64);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic() {
        let mut a = Rng(42);
        let mut b = Rng(42);
        for _ in 0..1000 {
            assert_eq!(a.next(), b.next());
        }
        let mut c = Rng(7);
        for _ in 0..1000 {
            let v = c.range(3, 9);
            assert!((3..=9).contains(&v));
            assert!((0.0..1.0).contains(&c.unit()));
        }
    }

    #[test]
    fn pools_pay_earmarked_money_first_and_never_overdraw() {
        let mut pools = Pools::default();
        pools.earmarked.insert(2, 100);
        pools.unearmarked = 50;
        assert_eq!(pools.pay(2, 120), (100, 20));
        assert_eq!(pools.pay(3, 100), (0, 30));
        assert_eq!(pools.pay(2, 10), (0, 0));
    }
}
