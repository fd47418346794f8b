//! The demo portfolio: the figures of the Secretary-General's report A/76/642 (December 2021),
//! entered through the same service commands as real data, so every invariant and audit rule
//! holds. Per-donor amounts are not public: the ones here are illustrative, and say so.

use crate::auth::Principal;
use crate::domain::*;
use crate::service::commands::calls;
use crate::service::commands::contributions::{
    self as contributions, NewContribution, NewDeposit, NewDonor,
};
use crate::service::commands::expenditure::{
    self as expenditure, ExpenditureCorrection, NewExpenditure,
};
use crate::service::commands::governance::{self as governance, DecisionSubject, NewDecision};
use crate::service::commands::notes::{self as notes, NewConceptNote};
use crate::service::commands::programmes::{
    self as programmes, NewBudgetLine, NewJointProgramme, NewTransfer,
};
use crate::service::commands::requests::RequestAnswer;
use crate::service::commands::results::{
    self as results, IndicatorChanges, NewIndicator, NewReport, NewTarget,
};
use crate::service::commands::users::{self as users, NewUser};
use crate::service::{Ctx, ServiceError, Services};
use anyhow::Context as _;
use chrono::NaiveDate;
use entity::{donor, organization};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// The password of the demo accounts (development only).
pub const DEMO_PASSWORD: &str = "migration-mptf-demo";

/// The demo accounts and their roles, as the server prints them at start-up (all share
/// [`DEMO_PASSWORD`]).
pub const DEMO_ACCOUNTS: &str = "admin@, intake@, agent@ (ADMIN), chair@ (STEERING_COMMITTEE), \
    donor@ (DONOR, Germany), iom@ (PUNO, IOM), dashboard@ (PARTNER_SYSTEM), auditor@ (AUDITOR), \
    all @mptf.example";

/// What every demo donor record says.
pub const ILLUSTRATIVE: &str = "Demo data: per-donor amounts are not public in the source report (A/76/642); these are illustrative. The fund total (USD 30 million from 12 donors, November 2021) is the report's.";

/// Seeds the demo portfolio if the database holds no donor yet. Returns whether it seeded.
pub async fn demo_if_empty(services: &Services) -> anyhow::Result<bool> {
    if donor::Entity::find().count(&services.db).await? > 0 {
        return Ok(false);
    }
    Demo::new(services)
        .await?
        .run()
        .await
        .context("seeding the demo portfolio failed")?;
    tracing::info!(
        "seeded the demo portfolio (figures of report A/76/642; per-donor amounts illustrative)"
    );
    Ok(true)
}

const fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(day) => day,
        None => NaiveDate::MIN,
    }
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap_or_default()
}

fn seed_error(error: ServiceError) -> anyhow::Error {
    match error {
        ServiceError::User(e) => anyhow::anyhow!("{:?} at {:?}: {}", e.code, e.field, e.message),
        other => anyhow::anyhow!("{other}"),
    }
}

struct Demo<'a> {
    services: &'a Services,
    organizations: HashMap<String, i64>,
    /// Fund Management Unit intake officer, reviewer, Administrative Agent officer, committee.
    intake: Ctx,
    reviewer: Ctx,
    agent: Ctx,
    committee: Ctx,
}

/// A funded programme of the demo, as the report names it.
struct Programme {
    title: &'static str,
    summary: &'static str,
    area: i64,
    objectives: &'static [i64],
    principles: &'static [i64],
    countries: &'static [&'static str],
    scope: Scope,
    organizations: &'static [&'static str],
    budget_usd: i64,
    months: i32,
    decided: NaiveDate,
    markers: (i32, i32, i32),
}

/// The national partner each demo programme names, in the order of [`PROGRAMMES`]
/// (illustrative, as the per-donor amounts are).
const PARTNERS: [(&str, PartnerKind); 12] = [
    (
        "Women migrant workers' association, Gauteng",
        PartnerKind::MigrantOrganization,
    ),
    (
        "Khatlon regional administration",
        PartnerKind::LocalGovernment,
    ),
    (
        "Overseas Filipino workers' federation",
        PartnerKind::MigrantOrganization,
    ),
    (
        "University institute of demography, Skopje",
        PartnerKind::Academia,
    ),
    ("Municipality of Santiago", PartnerKind::LocalGovernment),
    (
        "Cross-border women traders' network",
        PartnerKind::CivilSociety,
    ),
    (
        "Pastoralist communities' association",
        PartnerKind::CivilSociety,
    ),
    (
        "Migrant domestic workers' collective, Beirut",
        PartnerKind::MigrantOrganization,
    ),
    (
        "Anti-trafficking shelter network",
        PartnerKind::CivilSociety,
    ),
    ("Federation of Nepali trade unions", PartnerKind::TradeUnion),
    ("Municipality of Quito", PartnerKind::LocalGovernment),
    (
        "Migrant and diaspora organizations' network",
        PartnerKind::MigrantOrganization,
    ),
];

/// The fund's calls for concept notes: (title, opens, closes, envelope in USD, scopes).
const CALLS: [(&str, NaiveDate, NaiveDate, i64, &[Scope]); 3] = [
    (
        "First call for concept notes",
        date(2019, 11, 1),
        date(2020, 3, 31),
        12_000_000,
        &[Scope::National, Scope::Regional],
    ),
    (
        "Second call for concept notes",
        date(2020, 4, 1),
        date(2020, 12, 15),
        10_000_000,
        &[Scope::National, Scope::Regional],
    ),
    (
        "Third call for concept notes",
        date(2021, 1, 1),
        date(2021, 10, 31),
        10_000_000,
        &[Scope::National, Scope::Regional, Scope::Global],
    ),
];

/// What every demo call says of eligibility.
const ELIGIBILITY: &str = "Joint programmes of at least two UN entities that are members of the UN Network on Migration, endorsed by the government of every country they cover, with national partners, for 24 to 36 months and at most USD 3 million. The fund's guiding principles apply.";

const PROGRAMMES: [Programme; 12] = [
    Programme { title: "Protecting women migrant workers in South Africa", summary: "Rights-based labour migration governance for women migrant workers and their access to decent work and protection.", area: 4, objectives: &[6, 7, 22], principles: &[1, 6, 7], countries: &["ZAF"], scope: Scope::National, organizations: &["ILO", "IOM", "UN Women"], budget_usd: 2_000_000, months: 24, decided: date(2020, 6, 30), markers: (3, 3, 1) },
    Programme { title: "Families remaining in countries of origin: Khatlon, Tajikistan", summary: "Mitigating the adverse drivers of migration and supporting families left behind in the Khatlon region.", area: 2, objectives: &[2, 7, 19], principles: &[1, 5, 8], countries: &["TJK"], scope: Scope::National, organizations: &["IOM", "UNICEF", "UNDP"], budget_usd: 2_000_000, months: 24, decided: date(2020, 6, 30), markers: (2, 2, 3) },
    Programme { title: "Governance of overseas Filipino workers' migration", summary: "Strengthening the governance of labour migration for overseas Filipino workers and their reintegration.", area: 4, objectives: &[5, 6, 21], principles: &[2, 9, 10], countries: &["PHL"], scope: Scope::National, organizations: &["IOM", "ILO", "UN Women"], budget_usd: 2_000_000, months: 24, decided: date(2020, 6, 30), markers: (2, 2, 1) },
    Programme { title: "Evidence-based migration policy in North Macedonia", summary: "Better migration data and its use for evidence-based policy and planning.", area: 1, objectives: &[1, 3, 17], principles: &[3, 9], countries: &["MKD"], scope: Scope::National, organizations: &["IOM", "UNDP", "UNFPA"], budget_usd: 2_000_000, months: 24, decided: date(2020, 6, 30), markers: (1, 2, 1) },
    Programme { title: "Socio-economic integration through decent work in Chile and Mexico", summary: "Decent work and socio-economic integration of migrants and refugees in Chile and Mexico.", area: 5, objectives: &[15, 16, 6], principles: &[1, 5, 10], countries: &["CHL", "MEX"], scope: Scope::Regional, organizations: &["ILO", "IOM", "UNHCR"], budget_usd: 2_000_000, months: 24, decided: date(2020, 6, 30), markers: (2, 2, 1) },
    Programme { title: "Border management and social cohesion in the Parrot's Beak", summary: "Integrated border management and social cohesion in the border area of Guinea, Liberia and Sierra Leone, over 30 months.", area: 3, objectives: &[11, 14, 16], principles: &[2, 4, 10], countries: &["GIN", "LBR", "SLE"], scope: Scope::Regional, organizations: &["IOM", "UNDP", "UNODC"], budget_usd: 2_000_000, months: 30, decided: date(2020, 6, 30), markers: (2, 2, 1) },
    Programme { title: "Disasters, climate change and human mobility in the IGAD region", summary: "Addressing drivers and facilitating safe mobility in the context of disasters and climate change.", area: 2, objectives: &[2, 5, 23], principles: &[2, 5], countries: &["DJI", "ERI", "ETH", "KEN", "SOM", "SSD", "SDN", "UGA"], scope: Scope::Regional, organizations: &["ILO", "IOM", "UNHCR", "UNOPS"], budget_usd: 3_000_000, months: 36, decided: date(2021, 3, 31), markers: (2, 2, 1) },
    Programme { title: "Managing migrants' health risks in Iraq, Jordan and Lebanon", summary: "Migrants' access to health services and the management of health risks, including COVID-19.", area: 5, objectives: &[15, 7], principles: &[1, 6, 9], countries: &["IRQ", "JOR", "LBN"], scope: Scope::Regional, organizations: &["WHO", "IOM", "UNDRR"], budget_usd: 2_500_000, months: 30, decided: date(2021, 3, 31), markers: (2, 3, 2) },
    Programme { title: "Countering trafficking in persons in the Western Balkans", summary: "Preventing trafficking in persons and protecting victims, with a human-rights based approach.", area: 3, objectives: &[10, 7], principles: &[4, 6, 7], countries: &["SRB", "BIH", "MNE"], scope: Scope::Regional, organizations: &["UNODC", "IOM", "OHCHR"], budget_usd: 1_800_000, months: 24, decided: date(2021, 3, 31), markers: (3, 3, 2) },
    Programme { title: "Fair recruitment and sustainable reintegration in Nepal", summary: "Fair and ethical recruitment of Nepali workers and the sustainable reintegration of returnees.", area: 4, objectives: &[6, 21, 18], principles: &[1, 5], countries: &["NPL"], scope: Scope::National, organizations: &["ILO", "IOM", "UNDP"], budget_usd: 1_700_000, months: 24, decided: date(2021, 7, 15), markers: (2, 1, 1) },
    Programme { title: "Local governments for the socio-economic integration of migrants in Ecuador", summary: "Capacity of local governments to include migrants in services, jobs and civic life.", area: 5, objectives: &[16, 15, 4], principles: &[9, 10], countries: &["ECU"], scope: Scope::National, organizations: &["UNDP", "IOM", "UNHCR"], budget_usd: 1_500_000, months: 24, decided: date(2021, 7, 15), markers: (2, 2, 2) },
    Programme { title: "Migration data for the Global Compact's review", summary: "Disaggregated migration data and capacity for its use in GCM reviews.", area: 1, objectives: &[1, 23], principles: &[2, 3], countries: &[], scope: Scope::Global, organizations: &["UNFPA", "IOM", "UNICEF"], budget_usd: 1_500_000, months: 24, decided: date(2021, 7, 15), markers: (2, 1, 2) },
];

/// (name, kind, country, currency, pledged, deposits (amount, rate, received on), earmarked area)
type DonorSeed = (
    &'static str,
    DonorKind,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, (i32, u32, u32))],
    Option<i64>,
);

const DONORS: [DonorSeed; 12] = [
    (
        "Germany",
        DonorKind::MemberState,
        "DEU",
        "EUR",
        "8500000",
        &[
            ("3400000", "0.85", (2019, 11, 15)),
            ("3400000", "0.85", (2021, 2, 10)),
        ],
        None,
    ),
    (
        "United Kingdom",
        DonorKind::MemberState,
        "GBR",
        "GBP",
        "3000000",
        &[("3000000", "0.75", (2020, 3, 20))],
        Some(4),
    ),
    (
        "Netherlands",
        DonorKind::MemberState,
        "NLD",
        "EUR",
        "2550000",
        &[("2550000", "0.85", (2020, 1, 30))],
        None,
    ),
    (
        "Norway",
        DonorKind::MemberState,
        "NOR",
        "NOK",
        "17500000",
        &[("17500000", "8.75", (2020, 5, 12))],
        None,
    ),
    (
        "Denmark",
        DonorKind::MemberState,
        "DNK",
        "DKK",
        "12500000",
        &[("12500000", "6.25", (2020, 9, 1))],
        None,
    ),
    (
        "Spain",
        DonorKind::MemberState,
        "ESP",
        "EUR",
        "1700000",
        &[("1700000", "0.85", (2020, 11, 18))],
        Some(3),
    ),
    (
        "United States of America",
        DonorKind::MemberState,
        "USA",
        "USD",
        "3000000",
        &[("3000000", "1", (2021, 4, 6))],
        None,
    ),
    (
        "Morocco",
        DonorKind::MemberState,
        "MAR",
        "USD",
        "1000000",
        &[("1000000", "1", (2021, 6, 22))],
        None,
    ),
    (
        "France",
        DonorKind::MemberState,
        "FRA",
        "EUR",
        "1700000",
        &[("1700000", "0.85", (2021, 5, 4))],
        None,
    ),
    (
        "Portugal",
        DonorKind::MemberState,
        "PRT",
        "EUR",
        "850000",
        &[("850000", "0.85", (2021, 3, 9))],
        None,
    ),
    (
        "Philippines",
        DonorKind::MemberState,
        "PHL",
        "USD",
        "1000000",
        &[("1000000", "1", (2021, 8, 30))],
        None,
    ),
    (
        "Cyprus",
        DonorKind::MemberState,
        "CYP",
        "EUR",
        "850000",
        &[("850000", "0.85", (2021, 10, 12))],
        None,
    ),
];

/// A participating organization's officer, acting for `organization` (its id).
fn officer_of(organization: i64) -> Ctx {
    Ctx::new(
        Some(Principal {
            subject: format!("puno:{organization}"),
            role: Role::Puno,
            chair: false,
            donor_id: None,
            organization_id: Some(organization),
        }),
        "seed",
    )
}

fn actor(subject: &str, role: Role) -> Ctx {
    Ctx::new(
        Some(Principal {
            subject: subject.to_owned(),
            role,
            chair: role == Role::SteeringCommittee,
            donor_id: None,
            organization_id: None,
        }),
        "seed",
    )
}

impl<'a> Demo<'a> {
    async fn new(services: &'a Services) -> anyhow::Result<Self> {
        let organizations = organization::Entity::find()
            .all(&services.db)
            .await?
            .into_iter()
            .map(|o| (o.acronym, o.id))
            .collect();
        Ok(Self {
            services,
            organizations,
            intake: actor("user:2", Role::Admin),
            reviewer: actor("user:1", Role::Admin),
            agent: actor("user:4", Role::Admin),
            committee: actor("user:3", Role::SteeringCommittee),
        })
    }

    fn org(&self, acronym: &str) -> anyhow::Result<i64> {
        self.organizations
            .get(acronym)
            .copied()
            .ok_or_else(|| anyhow::anyhow!("no organization {acronym}"))
    }

    async fn run(&self) -> anyhow::Result<()> {
        let donors = self.donors().await?;
        self.users(donors[0]).await?;
        let meetings = self.meetings().await?;
        self.calls().await?;
        self.programmes(&meetings).await?;
        self.other_concept_notes(&meetings).await?;
        self.fund_books(&meetings).await?;
        self.exchange_rates().await?;
        self.documents(&meetings).await?;
        Ok(())
    }

    /// Documents kept with the records, each a small generated PDF: the minutes of every
    /// meeting (the Fund Management Unit), and for the first three programmes their concept
    /// note and their signed programme document (the convening organization).
    async fn documents(&self, meetings: &[(NaiveDate, i64)]) -> anyhow::Result<()> {
        use crate::domain::documents::simple_pdf;
        use crate::ids::{encode, Kind};
        use crate::service::commands::documents::{attach_document, NewDocument};
        let limit = 10 * 1024 * 1024;
        for (held_on, meeting) in meetings {
            let title = format!("Minutes of the steering committee, {held_on}");
            let pdf = simple_pdf(&[
                "UN Migration Multi-Partner Trust Fund",
                title.as_str(),
                "Illustrative minutes of the demo portfolio.",
            ]);
            attach_document(
                self.services,
                &self.agent,
                NewDocument {
                    subject_id: encode(Kind::SteeringCommitteeMeeting, *meeting),
                    kind: DocumentKind::Minutes,
                    title,
                    dated_on: *held_on,
                    file: Some((format!("minutes-{held_on}.pdf"), pdf)),
                },
                limit,
            )
            .await
            .map_err(seed_error)?;
        }
        let first = entity::joint_programme::Entity::find()
            .order_by_asc(entity::joint_programme::Column::Code)
            .all(&self.services.db)
            .await?;
        for programme in first.iter().take(3) {
            let convening = officer_of(programme.convening_organization_id);
            let note = entity::concept_note::Entity::find_by_id(programme.concept_note_id)
                .one(&self.services.db)
                .await?
                .context("a programme's concept note")?;
            for (subject, kind, title, dated_on, file_name) in [
                (
                    encode(Kind::ConceptNote, note.id),
                    DocumentKind::ConceptNote,
                    format!("Concept note: {}", note.title),
                    note.submitted_on,
                    format!("concept-note-{}.pdf", programme.code),
                ),
                (
                    encode(Kind::JointProgramme, programme.id),
                    DocumentKind::ProgrammeDocument,
                    format!("Joint programme document {}", programme.code),
                    programme.start_date,
                    format!("programme-document-{}.pdf", programme.code),
                ),
            ] {
                let pdf = simple_pdf(&[
                    "UN Migration Multi-Partner Trust Fund",
                    title.as_str(),
                    "Illustrative document of the demo portfolio.",
                ]);
                attach_document(
                    self.services,
                    &convening,
                    NewDocument {
                        subject_id: subject,
                        kind,
                        title,
                        dated_on,
                        file: Some((file_name, pdf)),
                    },
                    limit,
                )
                .await
                .map_err(seed_error)?;
            }
        }
        Ok(())
    }

    /// The Administrative Agent's rates at the end of 2021 for the currencies agreements are in,
    /// so that what the agreements still owe is valued today and its revaluation shows.
    async fn exchange_rates(&self) -> anyhow::Result<()> {
        use crate::service::commands::rates::{self, NewExchangeRate};
        for (currency, units_per_usd) in [
            ("EUR", "0.884"),
            ("GBP", "0.741"),
            ("NOK", "8.83"),
            ("DKK", "6.574"),
        ] {
            rates::record_exchange_rate(
                self.services,
                &self.agent,
                NewExchangeRate {
                    currency: currency.into(),
                    effective_on: date(2021, 12, 1),
                    units_per_usd: dec(units_per_usd),
                    source: "UN operational rate of exchange, December 2021".into(),
                },
            )
            .await
            .map_err(seed_error)?;
        }
        Ok(())
    }

    /// The movements that give every line of the Gateway's sources and uses a value: the fund's
    /// interest, interest an organization passed on, other income, a bank charge, a refund of
    /// unspent money, and a budget revision whose increment is transferred. (A direct cost rests
    /// on a committee decision on the fund's own budget, a kind of decision the vocabulary does not
    /// have yet, so the demo has none.)
    async fn fund_books(&self, meetings: &[(NaiveDate, i64)]) -> anyhow::Result<()> {
        use crate::service::commands::books::{
            self as books, NewDirectCost, NewInterest, NewOtherIncome, NewRefund,
        };
        use crate::service::commands::revisions::{self as revisions, NewRevision};
        let year_end = date(2021, 12, 31);
        let iom = self.org("IOM")?;
        books::record_interest(
            self.services,
            &self.agent,
            NewInterest {
                source: InterestSource::Fund,
                organization_id: None,
                received_on: year_end,
                amount_usd: dec("18400"),
            },
            "seed-fund-interest-2021",
        )
        .await
        .map_err(seed_error)?;
        books::record_interest(
            self.services,
            &self.agent,
            NewInterest {
                source: InterestSource::Organization,
                organization_id: Some(iom),
                received_on: year_end,
                amount_usd: dec("2150"),
            },
            "seed-iom-interest-2021",
        )
        .await
        .map_err(seed_error)?;
        books::record_other_income(
            self.services,
            &self.agent,
            NewOtherIncome {
                received_on: date(2021, 9, 30),
                amount_usd: dec("1000"),
                description: "Exchange gain on a contribution received in euros".into(),
            },
            "seed-other-income-2021",
        )
        .await
        .map_err(seed_error)?;
        books::record_direct_cost(
            self.services,
            &self.agent,
            NewDirectCost {
                kind: DirectCostKind::BankCharge,
                incurred_on: year_end,
                amount_usd: dec("120"),
                description: "Bank charges, 2021".into(),
                decision_id: None,
            },
            "seed-bank-charges-2021",
        )
        .await
        .map_err(seed_error)?;
        // The fund's own costs for 2021, approved by written procedure: the Fund Management Unit
        // keeps the committee's record, the chair confirms it once the procedure has closed
        // without objection, and the agent books the costs against it.
        let procedure = Self::meeting_on(meetings, date(2020, 12, 10));
        let approval = governance::record_decision(
            self.services,
            &self.agent,
            NewDecision {
                meeting_id: procedure,
                kind: DecisionKind::DirectCost,
                subject: DecisionSubject::Fund,
                amount_usd: Some(dec("15000")),
                new_end_date: None,
                rationale: "Direct costs of the Fund Management Unit for 2021: the mid-term monitoring mission.".into(),
                supersedes_id: None,
                answers: None,
            },
        )
        .await
        .map_err(seed_error)?;
        governance::confirm_decision(self.services, &self.committee, approval.id)
            .await
            .map_err(seed_error)?;
        books::record_direct_cost(
            self.services,
            &self.agent,
            NewDirectCost {
                kind: DirectCostKind::DirectCost,
                incurred_on: date(2021, 10, 29),
                amount_usd: dec("12500"),
                description: "Mid-term monitoring mission of the Fund Management Unit".into(),
                decision_id: Some(approval.id),
            },
            "seed-direct-cost-2021",
        )
        .await
        .map_err(seed_error)?;

        // UN Women returns part of what is left of the first programme's first tranche.
        let first = self.programme("MPTF-JP-001").await?;
        books::record_refund(
            self.services,
            &self.agent,
            NewRefund {
                joint_programme_id: first.id,
                organization_id: self.org("UN Women")?,
                refunded_on: date(2021, 12, 15),
                amount_usd: dec("25000"),
            },
            "seed-refund-jp-001",
        )
        .await
        .map_err(seed_error)?;

        // The committee tops up the fair-recruitment programme; the Fund Management Unit applies
        // the revision to ILO's line and the Administrative Agent transfers the increment.
        let topped_up = self.programme("MPTF-JP-010").await?;
        let meeting = Self::meeting_on(meetings, date(2021, 11, 18));
        // ILO, convening, asked for the top-up; the committee's revision answers it in full.
        let asked = self
            .request(
                &topped_up,
                RequestKind::BudgetRevision,
                "A second cohort of recruitment agencies asked to join the fair recruitment pilot; 100,000 more programmable for ILO, with its support costs.",
                None,
                Some(dec("107000")),
            )
            .await?;
        let revision = governance::record_decision(
            self.services,
            &self.committee,
            NewDecision {
                meeting_id: meeting,
                kind: DecisionKind::BudgetRevision,
                subject: DecisionSubject::JointProgramme(topped_up.id),
                amount_usd: Some(dec("107000")),
                new_end_date: None,
                rationale: "Top-up for a second cohort of the fair recruitment pilot.".into(),
                supersedes_id: None,
                answers: Some(RequestAnswer {
                    request_id: asked,
                    outcome: RequestOutcome::Approved,
                }),
            },
        )
        .await
        .map_err(seed_error)?;
        let ilo = self.org("ILO")?;
        let lines = entity::budget_line::Entity::find()
            .filter(entity::budget_line::Column::JointProgrammeId.eq(topped_up.id))
            .order_by_asc(entity::budget_line::Column::Id)
            .all(&self.services.db)
            .await?;
        // 100,000 more programmable for ILO, with its 7% support costs: 107,000 exactly.
        let budget_lines = lines
            .iter()
            .map(|line| NewBudgetLine {
                organization_id: line.organization_id,
                programmable_usd: Decimal::new(line.programmable_usd_cents, 2)
                    + if line.organization_id == ilo {
                        dec("100000")
                    } else {
                        Decimal::ZERO
                    },
                indirect_support_cost_rate: None,
            })
            .collect();
        let current = self.programme("MPTF-JP-010").await?;
        revisions::revise_budget(
            self.services,
            &self.agent,
            NewRevision {
                joint_programme_id: current.id,
                decision_id: revision.id,
                expected_version: current.version,
                budget_lines,
            },
        )
        .await
        .map_err(seed_error)?;
        programmes::record_transfer(
            self.services,
            &self.agent,
            NewTransfer {
                joint_programme_id: current.id,
                organization_id: ilo,
                decision_id: revision.id,
                transferred_on: date(2021, 12, 1),
                amount_usd: dec("107000"),
            },
            "seed-transfer-revision-jp-010",
        )
        .await
        .map_err(seed_error)?;

        // The Fund Management Unit has recorded the last meeting's extension of the first
        // programme; it awaits the chair's confirmation.
        // It answers the convening organization's request: the request shows no outcome until
        // the chair confirms it.
        let first = self.programme("MPTF-JP-001").await?;
        let new_end_date = first.end_date.checked_add_months(chrono::Months::new(6));
        let extension = self
            .request(
                &first,
                RequestKind::NoCostExtension,
                "Travel restrictions delayed the returnees' reintegration activities by five months; six more months, without new money, complete them.",
                new_end_date,
                None,
            )
            .await?;
        governance::record_decision(
            self.services,
            &self.agent,
            NewDecision {
                meeting_id: meeting,
                kind: DecisionKind::NoCostExtension,
                subject: DecisionSubject::JointProgramme(first.id),
                amount_usd: None,
                new_end_date,
                rationale: "Six more months to complete the returnees' reintegration activities delayed by travel restrictions.".into(),
                supersedes_id: None,
                answers: Some(RequestAnswer {
                    request_id: extension,
                    outcome: RequestOutcome::Approved,
                }),
            },
        )
        .await
        .map_err(seed_error)?;
        self.tranche_on_the_next_agenda().await
    }

    /// A request from a programme's convening organization to the steering committee.
    async fn request(
        &self,
        programme: &entity::joint_programme::Model,
        kind: RequestKind,
        justification: &str,
        new_end_date: Option<NaiveDate>,
        amount_usd: Option<Decimal>,
    ) -> anyhow::Result<i64> {
        use crate::service::commands::requests::{self, NewProgrammeRequest};
        let convening = programme.convening_organization_id;
        let puno = officer_of(convening);
        let request = requests::submit_programme_request(
            self.services,
            &puno,
            NewProgrammeRequest {
                joint_programme_id: programme.id,
                kind,
                justification: justification.to_owned(),
                new_end_date,
                amount_usd,
            },
        )
        .await
        .map_err(seed_error)?;
        Ok(request.id)
    }

    /// The next meeting of the committee, two months from the day the demo is made, and on its
    /// agenda an active programme's request for its next tranche.
    async fn tranche_on_the_next_agenda(&self) -> anyhow::Result<()> {
        use crate::service::commands::requests;
        let held_on = chrono::Utc::now().date_naive() + chrono::Days::new(60);
        let meeting = governance::schedule_meeting(
            self.services,
            &self.agent,
            held_on,
            MeetingKind::Meeting,
            "Steering committee, next meeting",
        )
        .await
        .map_err(seed_error)?;
        let active = entity::joint_programme::Entity::find()
            .filter(entity::joint_programme::Column::Status.eq(ProgrammeStatus::Active.as_str()))
            .filter(entity::joint_programme::Column::Code.is_not_in(["MPTF-JP-001", "MPTF-JP-010"]))
            .order_by_asc(entity::joint_programme::Column::Code)
            .one(&self.services.db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the demo has no other active programme"))?;
        let tranche = self
            .request(
                &active,
                RequestKind::Tranche,
                "The first tranche is 80% spent and the mid-term targets are met: the second tranche keeps the activities going.",
                None,
                Some(dec("250000")),
            )
            .await?;
        requests::put_request_on_agenda(self.services, &self.agent, tranche, meeting.id)
            .await
            .map_err(seed_error)?;
        Ok(())
    }

    async fn programme(&self, code: &str) -> anyhow::Result<entity::joint_programme::Model> {
        entity::joint_programme::Entity::find()
            .filter(entity::joint_programme::Column::Code.eq(code))
            .one(&self.services.db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the demo has no programme {code}"))
    }

    async fn donors(&self) -> anyhow::Result<Vec<i64>> {
        let admin = &self.agent;
        let mut ids = Vec::new();
        for (n, (name, kind, country, currency, pledged, deposits, area)) in
            DONORS.into_iter().enumerate()
        {
            let donor = contributions::create_donor(
                self.services,
                admin,
                NewDonor {
                    name: name.into(),
                    kind,
                    country: Some(country.into()),
                    note: Some(ILLUSTRATIVE.into()),
                },
            )
            .await
            .map_err(seed_error)?;
            let first_deposit = deposits[0].2;
            let signed = date(first_deposit.0, first_deposit.1, first_deposit.2)
                - chrono::Duration::days(30);
            let contribution = contributions::record_contribution(
                self.services,
                admin,
                NewContribution {
                    donor_id: donor.id,
                    reference: format!("MPTF-{country}-{:02}", n + 1),
                    currency: currency.into(),
                    amount: dec(pledged),
                    usd_exchange_rate: Some(dec(deposits[0].1)),
                    pledged_on: signed - chrono::Duration::days(60),
                    signed_on: Some(signed),
                    earmarking: if area.is_some() {
                        Earmarking::ThematicArea
                    } else {
                        Earmarking::Unearmarked
                    },
                    earmarked_area_id: area,
                    note: Some("Illustrative amount (demo data).".into()),
                },
                &format!("seed-contribution-{n}"),
            )
            .await
            .map_err(seed_error)?;
            for (i, (amount, rate, (y, m, d))) in deposits.iter().enumerate() {
                contributions::record_deposit(
                    self.services,
                    admin,
                    NewDeposit {
                        contribution_id: contribution.id,
                        received_on: date(*y, *m, *d),
                        currency: currency.into(),
                        amount: dec(amount),
                        exchange_rate: dec(rate),
                    },
                    &format!("seed-deposit-{n}-{i}"),
                )
                .await
                .map_err(seed_error)?;
            }
            ids.push(donor.id);
        }
        // A fresh pledge, not yet signed.
        contributions::record_contribution(
            self.services,
            admin,
            NewContribution {
                donor_id: ids[2],
                reference: "MPTF-NLD-2022".into(),
                currency: "EUR".into(),
                amount: dec("1000000"),
                usd_exchange_rate: Some(dec("0.85")),
                pledged_on: date(2021, 11, 1),
                signed_on: None,
                earmarking: Earmarking::Unearmarked,
                earmarked_area_id: None,
                note: Some("Illustrative pledge (demo data).".into()),
            },
            "seed-pledge",
        )
        .await
        .map_err(seed_error)?;
        Ok(ids)
    }

    async fn users(&self, first_donor: i64) -> anyhow::Result<()> {
        let admin = Ctx::system(Role::Admin);
        let accounts = [
            (
                "admin@mptf.example",
                "Fund Management Unit (review)",
                Role::Admin,
                false,
                None,
                None,
            ),
            (
                "intake@mptf.example",
                "Fund Management Unit (intake)",
                Role::Admin,
                false,
                None,
                None,
            ),
            (
                "chair@mptf.example",
                "Steering committee chair",
                Role::SteeringCommittee,
                true,
                None,
                None,
            ),
            (
                "agent@mptf.example",
                "Administrative Agent (MPTF Office)",
                Role::Admin,
                false,
                None,
                None,
            ),
            (
                "donor@mptf.example",
                "Donor focal point (Germany)",
                Role::Donor,
                false,
                Some(first_donor),
                None,
            ),
            (
                "iom@mptf.example",
                "IOM focal point",
                Role::Puno,
                false,
                None,
                Some(self.org("IOM")?),
            ),
            (
                "dashboard@mptf.example",
                "Partner dashboard",
                Role::PartnerSystem,
                false,
                None,
                None,
            ),
            (
                "auditor@mptf.example",
                "Auditor (reads everything, writes nothing)",
                Role::Auditor,
                false,
                None,
                None,
            ),
        ];
        for (email, name, role, chair, donor_id, organization_id) in accounts {
            users::create_user_as_operator(
                self.services,
                &admin,
                NewUser {
                    email: email.into(),
                    display_name: name.into(),
                    role,
                    chair,
                    password: Some(DEMO_PASSWORD.into()),
                    donor_id,
                    organization_id,
                },
            )
            .await
            .map_err(seed_error)?;
        }
        Ok(())
    }

    async fn meetings(&self) -> anyhow::Result<Vec<(NaiveDate, i64)>> {
        let mut meetings = Vec::new();
        for (held_on, kind, title) in [
            (
                date(2020, 6, 30),
                MeetingKind::Meeting,
                "Steering committee, first funding round",
            ),
            (
                date(2020, 12, 10),
                MeetingKind::WrittenProcedure,
                "Pipeline update by written procedure",
            ),
            (
                date(2021, 3, 31),
                MeetingKind::Meeting,
                "Steering committee, second funding round",
            ),
            (
                date(2021, 7, 15),
                MeetingKind::Meeting,
                "Steering committee, third funding round",
            ),
            (
                date(2021, 11, 18),
                MeetingKind::Meeting,
                "Steering committee, pipeline review",
            ),
        ] {
            let meeting =
                governance::schedule_meeting(self.services, &self.agent, held_on, kind, title)
                    .await
                    .map_err(seed_error)?;
            meetings.push((held_on, meeting.id));
        }
        Ok(meetings)
    }

    /// The fund's 2019–2021 rounds, each a call (the Fund Management Unit announces them).
    async fn calls(&self) -> anyhow::Result<()> {
        for (title, opens_on, closes_on, envelope, scopes) in CALLS {
            calls::announce_call(
                self.services,
                &self.intake,
                calls::NewCall {
                    title: title.into(),
                    opens_on,
                    closes_on,
                    envelope_usd: Decimal::from(envelope),
                    thematic_area_ids: vec![1, 2, 3, 4, 5],
                    scopes: scopes.to_vec(),
                    max_budget_usd: Some(Decimal::from(3_000_000)),
                    eligibility: ELIGIBILITY.into(),
                },
            )
            .await
            .map_err(seed_error)?;
        }
        Ok(())
    }

    /// Submits a note to the call whose terms it meets (the one open on its date), or to the
    /// fund's direct intake when none does.
    async fn submit(&self, mut note: NewConceptNote) -> anyhow::Result<i64> {
        let submitted_on = note.submitted_on.context("a demo note has its date")?;
        for call in entity::call_for_concept_notes::Entity::find()
            .all(&self.services.db)
            .await?
        {
            let terms = crate::service::calls::call_terms(&self.services.db, call.id)
                .await
                .map_err(seed_error)?
                .context("the call was just read")?;
            let answer = crate::domain::calls::Answer {
                submitted_on,
                scope: note.scope,
                thematic_area_id: note.thematic_area_id,
                requested: Usd::parse_positive(note.requested_budget_usd, "requestedBudgetUsd")
                    .map_err(|e| anyhow::anyhow!(e.message))?,
            };
            if terms.admits(answer).is_ok() {
                note.call_id = Some(call.id);
                break;
            }
        }
        Ok(
            notes::submit_concept_note(self.services, &self.intake, note)
                .await
                .map_err(seed_error)?
                .id,
        )
    }

    /// The governments of the note's countries endorse it on `endorsed_on`; with `ready`, its
    /// joint programme document is endorsed on that day too.
    async fn endorse(
        &self,
        note: i64,
        endorsed_on: NaiveDate,
        ready: Option<NaiveDate>,
    ) -> anyhow::Result<()> {
        let countries = entity::concept_note_country::Entity::find()
            .filter(entity::concept_note_country::Column::ConceptNoteId.eq(note))
            .all(&self.services.db)
            .await?;
        for country in countries {
            calls::record_government_endorsement(
                self.services,
                &self.intake,
                note,
                &country.country_code,
                endorsed_on,
            )
            .await
            .map_err(seed_error)?;
        }
        if let Some(ready) = ready {
            let version = entity::concept_note::Entity::find_by_id(note)
                .one(&self.services.db)
                .await?
                .context("the note was just submitted")?
                .version;
            calls::mark_ready_for_implementation(self.services, &self.intake, note, version, ready)
                .await
                .map_err(seed_error)?;
        }
        Ok(())
    }

    async fn decide(
        &self,
        meeting: i64,
        kind: DecisionKind,
        note: i64,
        amount: Option<Decimal>,
        rationale: &str,
    ) -> anyhow::Result<i64> {
        let decision = NewDecision {
            meeting_id: meeting,
            kind,
            subject: DecisionSubject::ConceptNote(note),
            amount_usd: amount,
            new_end_date: None,
            rationale: rationale.into(),
            supersedes_id: None,
            answers: None,
        };
        Ok(
            governance::record_decision(self.services, &self.committee, decision)
                .await
                .map_err(seed_error)?
                .id,
        )
    }

    fn meeting_on(meetings: &[(NaiveDate, i64)], day: NaiveDate) -> i64 {
        meetings
            .iter()
            .find(|(d, _)| *d == day)
            .or(meetings.first())
            .map(|(_, id)| *id)
            .unwrap_or(1)
    }

    async fn programmes(&self, meetings: &[(NaiveDate, i64)]) -> anyhow::Result<()> {
        let (mut interim_replaced, mut corrected) = (false, false);
        for (n, p) in PROGRAMMES.iter().enumerate() {
            let orgs: Vec<i64> = p
                .organizations
                .iter()
                .map(|a| self.org(a))
                .collect::<anyhow::Result<_>>()?;
            let note = self
                .submit(NewConceptNote {
                    title: p.title.into(),
                    summary: p.summary.into(),
                    scope: p.scope,
                    countries: p.countries.iter().map(|c| (*c).to_owned()).collect(),
                    thematic_area_id: p.area,
                    objective_ids: p.objectives.to_vec(),
                    principle_ids: p.principles.to_vec(),
                    convening_organization_id: orgs[0],
                    participating_organization_ids: orgs[1..].to_vec(),
                    requested_budget_usd: Decimal::from(p.budget_usd),
                    duration_months: p.months,
                    gender_marker: p.markers.0,
                    human_rights_marker: p.markers.1,
                    child_sensitivity_marker: p.markers.2,
                    submitted_on: Some(p.decided - chrono::Duration::days(120)),
                    call_id: None,
                    national_partners: vec![notes::NewNationalPartner {
                        name: PARTNERS[n].0.into(),
                        kind: PARTNERS[n].1,
                    }],
                })
                .await?;
            notes::review_concept_note(
                self.services,
                &self.reviewer,
                note,
                ReviewOutcome::Recommended,
                Some(80 + (n as i32 % 15)),
                "Strong alignment with the GCM objectives and the guiding principles.",
            )
            .await
            .map_err(seed_error)?;
            let meeting = Self::meeting_on(meetings, p.decided);
            self.decide(
                meeting,
                DecisionKind::Pipeline,
                note,
                None,
                "Selected for the pipeline for geographic and thematic balance.",
            )
            .await?;
            // Programmable amounts share the request; 7% support costs come on top of each.
            let programmable_cents = p.budget_usd * 100;
            let share = programmable_cents / orgs.len() as i64;
            let seven_percent = Rate::DEFAULT_INDIRECT_SUPPORT_COST;
            let mut lines = Vec::new();
            for (i, org) in orgs.iter().enumerate() {
                let programmable = if i + 1 == orgs.len() {
                    programmable_cents - share * (orgs.len() as i64 - 1)
                } else {
                    share
                };
                let total = programmable
                    + Usd::from_cents(programmable)
                        .times_rate(seven_percent)
                        .context("support costs overflow")?
                        .cents();
                lines.push((*org, programmable, total));
            }
            let approved: i64 = lines.iter().map(|(_, _, total)| total).sum();
            let funding = self
                .decide(
                    meeting,
                    DecisionKind::Funding,
                    note,
                    Some(Decimal::new(approved, 2)),
                    "Funded: ready for implementation.",
                )
                .await?;
            // Endorsed by its governments before the decision, its programme document a month
            // after: ready for implementation, then a programme.
            self.endorse(
                note,
                p.decided - chrono::Duration::days(60),
                Some(p.decided + chrono::Duration::days(30)),
            )
            .await?;
            let budget_lines = lines
                .iter()
                .map(|(org, programmable, _)| NewBudgetLine {
                    organization_id: *org,
                    programmable_usd: Decimal::new(*programmable, 2),
                    indirect_support_cost_rate: None,
                })
                .collect();
            let start = p.decided + chrono::Duration::days(45);
            let end = start + chrono::Duration::days(i64::from(p.months) * 30);
            let programme = programmes::create_joint_programme(
                self.services,
                &self.reviewer,
                NewJointProgramme {
                    concept_note_id: note,
                    code: Some(format!("MPTF-JP-{:03}", n + 1)),
                    title: None,
                    start_date: start,
                    end_date: end,
                    budget_lines,
                },
            )
            .await
            .map_err(seed_error)?;
            programmes::set_joint_programme_status(
                self.services,
                &self.reviewer,
                programme.id,
                programme.version,
                ProgrammeStatus::Active,
                "Inception completed.",
            )
            .await
            .map_err(seed_error)?;
            // First tranche (the first round in full, later rounds half).
            let first_round = p.decided.year_ce().1 == 2020;
            for (i, (org, _, line_total)) in lines.iter().enumerate() {
                let tranche = if first_round {
                    *line_total
                } else {
                    line_total / 2
                };
                programmes::record_transfer(
                    self.services,
                    &self.agent,
                    NewTransfer {
                        joint_programme_id: programme.id,
                        organization_id: *org,
                        decision_id: funding,
                        transferred_on: start,
                        amount_usd: Decimal::new(tranche, 2),
                    },
                    &format!("seed-transfer-{n}-{i}"),
                )
                .await
                .map_err(seed_error)?;
                let puno = officer_of(*org);
                let spent = tranche * if first_round { 70 } else { 30 } / 100;
                let year = start.year_ce().1 as i32;
                // The first round certified its first year; later rounds sent interim figures
                // (the first of them replaced its first interim figure with a fuller one).
                let certified = first_round && year < chrono::Utc::now().year();
                let nature = if certified {
                    ExpenditureNature::Certified
                } else {
                    ExpenditureNature::Interim
                };
                let replaced = !first_round && i == 0 && !interim_replaced;
                let report = async |amount: i64, key: String| {
                    expenditure::report_expenditure(
                        self.services,
                        &puno,
                        NewExpenditure {
                            joint_programme_id: programme.id,
                            organization_id: None,
                            year,
                            nature,
                            lines: demo_lines(amount, false),
                            amount_usd: None,
                            is_final: false,
                        },
                        &key,
                    )
                    .await
                };
                if replaced {
                    interim_replaced = true;
                    report(spent / 2, format!("seed-expenditure-{n}-{i}-first"))
                        .await
                        .map_err(seed_error)?;
                }
                let reported = report(spent, format!("seed-expenditure-{n}-{i}"))
                    .await
                    .map_err(seed_error)?;
                if certified && !corrected {
                    // The audit moved travel wrongly charged to contractual services: the same
                    // total, another breakdown, on the Administrative Agent's correction.
                    corrected = true;
                    expenditure::correct_expenditure(
                        self.services,
                        &self.agent,
                        ExpenditureCorrection {
                            expenditure_report_id: reported.id,
                            expected_version: reported.version,
                            lines: demo_lines(spent, true),
                            audit_reference: format!("OAI-{}-{:03}", year + 1, n + 1),
                            reason: "The internal audit found consultants' travel charged as contractual services.".into(),
                        },
                        &format!("seed-expenditure-correction-{n}-{i}"),
                    )
                    .await
                    .map_err(seed_error)?;
                }
            }
            self.indicators(n, programme.id, p, orgs[0], (start, end))
                .await?;
            if first_round && start.year() < programme.end_date.year() {
                // The first round's convening organizations reported on their first year.
                self.narrative_report(programme.id, orgs[0], start.year())
                    .await?;
            }
        }
        Ok(())
    }

    async fn narrative_report(
        &self,
        programme: i64,
        convening: i64,
        year: i32,
    ) -> anyhow::Result<()> {
        use crate::service::commands::reporting::{self, NewNarrativeReport};
        let puno = officer_of(convening);
        reporting::submit_narrative_report(
            self.services,
            &puno,
            NewNarrativeReport {
                joint_programme_id: programme,
                year: Some(year),
                summary: format!(
                    "Annual progress report {year}: partners convened, baselines set and the first activities under way."
                ),
            },
        )
        .await
        .map_err(seed_error)?;
        Ok(())
    }

    /// Each programme's results framework: an outcome and an output indicator with targets per
    /// programme year, the output disaggregated by sex, each reported at six and twelve months.
    /// The first programme's outcome indicator was revised by the Fund Management Unit at its
    /// mid-term review, and its third indicator retired.
    async fn indicators(
        &self,
        n: usize,
        programme: i64,
        p: &Programme,
        convening: i64,
        (start, end): (NaiveDate, NaiveDate),
    ) -> anyhow::Result<()> {
        let puno = officer_of(convening);
        // Targets follow each programme's size and reach, so no two programmes report alike.
        let policies = (2 + p.countries.len() % 3).to_string();
        let people = (p.budget_usd / 400 + 250 * i64::from(p.months % 7)).to_string();
        let by_sex = [DisaggregationDimension::Sex];
        let mut specs = vec![
            (
                "OC1",
                IndicatorLevel::Outcome,
                "Policies or frameworks adopted or revised with the programme's support",
                "policies",
                "0",
                policies.as_str(),
                p.objectives[0],
                p.principles.first().copied(),
                &by_sex[..0],
            ),
            (
                "OP1.1",
                IndicatorLevel::Output,
                "People reached by the programme's services (disaggregated by sex)",
                "people",
                "0",
                people.as_str(),
                p.objectives[p.objectives.len() - 1],
                p.principles.last().copied(),
                &by_sex[..],
            ),
        ];
        if n == 0 {
            specs.push((
                "OP1.2",
                IndicatorLevel::Output,
                "Private recruitment agencies monitored by the labour inspectorate",
                "agencies",
                "0",
                "40",
                p.objectives[0],
                None,
                &by_sex[..0],
            ));
        }
        // One period per programme year, the last one ending with the programme.
        let mut years = Vec::new();
        let mut from = start;
        while from <= end {
            let to = (from + chrono::Months::new(12) - chrono::Days::new(1)).min(end);
            years.push((from, to));
            from = to + chrono::Days::new(1);
        }
        for (code, level, statement, unit, baseline, target, objective, principle, dimensions) in
            specs
        {
            let target_value = dec(target);
            let count = Decimal::from(years.len() as i64);
            let targets = years
                .iter()
                .enumerate()
                .map(|(k, (from, to))| NewTarget {
                    period_start: *from,
                    period_end: *to,
                    target: (target_value * Decimal::from(k as i64 + 1) / count).round(),
                })
                .collect();
            let indicator = results::add_indicator(
                self.services,
                &puno,
                NewIndicator {
                    joint_programme_id: programme,
                    code: code.into(),
                    level,
                    statement: statement.into(),
                    unit: unit.into(),
                    baseline: dec(baseline),
                    baseline_year: Some(start.year_ce().1 as i32 - 1),
                    target: target_value,
                    objective_id: Some(objective),
                    guiding_principle_id: principle,
                    disaggregation: dimensions.to_vec(),
                    targets,
                },
            )
            .await
            .map_err(seed_error)?;
            for (months, share) in [(6, "0.25"), (12, "0.6")] {
                let period_end = start + chrono::Duration::days(months * 30);
                if period_end > chrono::Utc::now().date_naive() {
                    continue;
                }
                let value = (target_value * dec(share)).round();
                let breakdown = if dimensions.is_empty() {
                    Vec::new()
                } else {
                    let women = (value * dec("0.54")).round();
                    let other = (value * dec("0.01")).round();
                    vec![
                        (DisaggregationCategory::Female, women),
                        (DisaggregationCategory::Male, value - women - other),
                        (DisaggregationCategory::Other, other),
                    ]
                };
                results::report_indicator_value(
                    self.services,
                    &puno,
                    NewReport {
                        indicator_id: indicator.id,
                        period_start: None,
                        period_end,
                        value,
                        note: Some("Reported in the annual progress report.".into()),
                        breakdown,
                    },
                )
                .await
                .map_err(seed_error)?;
            }
            if n != 0 {
                continue;
            }
            // Read again: each report moved the indicator's version on.
            let current = entity::results_indicator::Entity::find_by_id(indicator.id)
                .one(&self.services.db)
                .await?
                .context("the indicator just added")?;
            match code {
                "OC1" => {
                    let revised = results::revise_indicator(
                        self.services,
                        &self.reviewer,
                        IndicatorChanges {
                            indicator_id: current.id,
                            expected_version: current.version,
                            statement: Some("National policies or frameworks on labour migration adopted or revised with the programme's support".into()),
                            unit: None,
                            baseline: None,
                            baseline_year: None,
                            target: Some(target_value + Decimal::ONE),
                            reason: "Mid-term review: the regional framework on labour migration counts as one more policy.".into(),
                        },
                    )
                    .await
                    .map_err(seed_error)?;
                    // The second year's target follows the revised overall target.
                    let raised = years
                        .iter()
                        .enumerate()
                        .map(|(k, (from, to))| NewTarget {
                            period_start: *from,
                            period_end: *to,
                            target: if k + 1 == years.len() {
                                target_value + Decimal::ONE
                            } else {
                                (target_value * Decimal::from(k as i64 + 1) / count).round()
                            },
                        })
                        .collect();
                    results::set_indicator_targets(
                        self.services,
                        &self.reviewer,
                        revised.id,
                        revised.version,
                        raised,
                        "Mid-term review: the last year's target follows the revised overall target.",
                    )
                    .await
                    .map_err(seed_error)?;
                }
                "OP1.2" => {
                    results::retire_indicator(
                        self.services,
                        &self.reviewer,
                        current.id,
                        current.version,
                        "Replaced by the labour inspectorate's own monitoring data after the mid-term review.",
                    )
                    .await
                    .map_err(seed_error)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The rest of the 113 notes: 10 approved and ready, 24 in the pipeline, 67 under review or closed.
    async fn other_concept_notes(&self, meetings: &[(NaiveDate, i64)]) -> anyhow::Result<()> {
        const TOPICS: [(&str, i64, &[i64]); 10] = [
            ("Labour migration governance", 4, &[5, 6]),
            ("Migration data and evidence", 1, &[1, 3]),
            (
                "Protection of migrants in vulnerable situations",
                2,
                &[7, 12],
            ),
            ("Counter-trafficking and protection of victims", 3, &[10]),
            ("Integrated border management", 3, &[11, 9]),
            ("Migrants' access to basic services", 5, &[15]),
            ("Climate change, disasters and mobility", 2, &[2]),
            ("Return and sustainable reintegration", 3, &[21]),
            ("Diaspora engagement and remittances", 4, &[19, 20]),
            ("Social cohesion and inclusion in cities", 5, &[16, 4]),
        ];
        const COUNTRIES: [&str; 24] = [
            "GTM", "HND", "SLV", "COL", "PER", "SEN", "GMB", "NGA", "NER", "MLI", "ETH", "KEN",
            "BGD", "LKA", "IDN", "KGZ", "UZB", "MDA", "UKR", "TUN", "EGY", "JOR", "FJI", "PNG",
        ];
        const PAIRS: [(&str, &str); 6] = [
            ("IOM", "UNDP"),
            ("ILO", "IOM"),
            ("UNICEF", "IOM"),
            ("UNHCR", "UNDP"),
            ("UNODC", "IOM"),
            ("UN Women", "ILO"),
        ];
        // (how many, where they end)
        let plan: [(usize, ConceptNoteStatus); 6] = [
            // 10 of them ready for implementation, waiting for money: the committee funds
            // when money allows, so they hold no funding decision the fund cannot cover.
            (34, ConceptNoteStatus::Pipeline),
            (20, ConceptNoteStatus::UnderReview),
            (10, ConceptNoteStatus::Submitted),
            (25, ConceptNoteStatus::ScreenedOut),
            (8, ConceptNoteStatus::Rejected),
            (4, ConceptNoteStatus::Withdrawn),
        ];
        let names: HashMap<String, String> = self
            .services
            .countries(None)
            .await
            .map_err(seed_error)?
            .into_iter()
            .map(|c| (c.code, c.name))
            .collect();
        let mut n = 0usize;
        for (count, status) in plan {
            for _ in 0..count {
                let (topic, area, objectives) = TOPICS[n % TOPICS.len()];
                let country = COUNTRIES[(n * 7) % COUNTRIES.len()];
                let (convening, other) = PAIRS[n % PAIRS.len()];
                let submitted = date(2020, 1, 15) + chrono::Duration::days((n as i64 * 6) % 640);
                let budget = 1_000_000 + (n as i64 % 8) * 250_000;
                let note = self
                    .submit(NewConceptNote {
                        title: format!(
                            "{topic} in {}",
                            names.get(country).map(String::as_str).unwrap_or(country)
                        ),
                        summary: format!(
                            "A joint programme on {} led by {convening} with {other}.",
                            topic.to_lowercase()
                        ),
                        scope: Scope::National,
                        countries: vec![country.to_owned()],
                        thematic_area_id: area,
                        objective_ids: objectives.to_vec(),
                        principle_ids: vec![1 + (n as i64 % 10), 1 + ((n as i64 + 5) % 10)],
                        convening_organization_id: self.org(convening)?,
                        participating_organization_ids: vec![self.org(other)?],
                        requested_budget_usd: Decimal::from(budget),
                        duration_months: 24,
                        gender_marker: (n % 4) as i32,
                        human_rights_marker: ((n + 1) % 4) as i32,
                        child_sensitivity_marker: ((n + 2) % 4) as i32,
                        submitted_on: Some(submitted),
                        call_id: None,
                        national_partners: Vec::new(),
                    })
                    .await?;
                self.advance(note, status, submitted, meetings, n).await?;
                // The first ten of the pipeline are ready for implementation (the report's
                // "10 ready"); five more are endorsed by their governments only.
                if status == ConceptNoteStatus::Pipeline && n < 15 {
                    let ready = (n < 10).then(|| submitted + chrono::Duration::days(150));
                    self.endorse(note, submitted + chrono::Duration::days(60), ready)
                        .await?;
                }
                n += 1;
            }
        }
        Ok(())
    }

    async fn advance(
        &self,
        note: i64,
        status: ConceptNoteStatus,
        submitted: NaiveDate,
        meetings: &[(NaiveDate, i64)],
        n: usize,
    ) -> anyhow::Result<()> {
        use ConceptNoteStatus::*;
        // A note is decided at a meeting held after it was submitted (the last meeting follows
        // every submission), the notes spread over those meetings.
        let after: Vec<i64> = meetings
            .iter()
            .filter(|(held_on, _)| *held_on >= submitted)
            .map(|(_, id)| *id)
            .collect();
        let meeting = *after
            .get(n % after.len().max(1))
            .ok_or_else(|| anyhow::anyhow!("no meeting after {submitted} for a demo note"))?;
        match status {
            Submitted => {}
            ScreenedOut => {
                notes::review_concept_note(
                    self.services,
                    &self.reviewer,
                    note,
                    ReviewOutcome::ScreenedOut,
                    Some(30 + (n as i32 % 20)),
                    "Does not meet the eligibility criteria of the call.",
                )
                .await
                .map_err(seed_error)?;
            }
            Withdrawn => {
                notes::withdraw_concept_note(
                    self.services,
                    &self.intake,
                    note,
                    1,
                    "Withdrawn by the convening organization.",
                )
                .await
                .map_err(seed_error)?;
            }
            _ => {
                let outcome = if status == Rejected {
                    ReviewOutcome::NotRecommended
                } else {
                    ReviewOutcome::Recommended
                };
                notes::review_concept_note(
                    self.services,
                    &self.reviewer,
                    note,
                    outcome,
                    Some(55 + (n as i32 % 40)),
                    "Technical review completed.",
                )
                .await
                .map_err(seed_error)?;
                match status {
                    Rejected => {
                        self.decide(
                            meeting,
                            DecisionKind::Rejection,
                            note,
                            None,
                            "Not selected: the pipeline favours geographic balance.",
                        )
                        .await?;
                    }
                    Pipeline => {
                        self.decide(
                            meeting,
                            DecisionKind::Pipeline,
                            note,
                            None,
                            "Entered in the pipeline.",
                        )
                        .await?;
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// A demo expenditure of `cents` by cost category: 7% indirect support costs on the programmable
/// part (exactly the cap, rounded as the books round), the programmable part shared among the
/// categories; `audited` moves a tenth of the contractual services to travel.
fn demo_lines(cents: i64, audited: bool) -> Vec<(CostCategory, Decimal)> {
    let rate = Rate::DEFAULT_INDIRECT_SUPPORT_COST;
    // The smallest programmable part whose support costs cover the rest: the rest is then
    // within the cap.
    let mut programmable = cents * 100 / 107;
    while programmable < cents
        && programmable
            + Usd::from_cents(programmable)
                .times_rate(rate)
                .map_or(i64::MAX, Usd::cents)
            < cents
    {
        programmable += 1;
    }
    let support = cents - programmable;
    let staff = programmable * 40 / 100;
    let mut contractual = programmable * 20 / 100;
    let mut travel = programmable * 10 / 100;
    if audited {
        travel += contractual / 10;
        contractual -= contractual / 10;
    }
    let supplies = programmable * 10 / 100;
    let grants = programmable * 15 / 100;
    let operating = programmable - staff - contractual - travel - supplies - grants;
    [
        (CostCategory::StaffAndPersonnel, staff),
        (CostCategory::Supplies, supplies),
        (CostCategory::ContractualServices, contractual),
        (CostCategory::Travel, travel),
        (CostCategory::TransfersAndGrants, grants),
        (CostCategory::GeneralOperating, operating),
        (CostCategory::IndirectSupportCosts, support),
    ]
    .into_iter()
    .map(|(category, amount)| (category, Decimal::new(amount, 2)))
    .collect()
}

use chrono::Datelike;
