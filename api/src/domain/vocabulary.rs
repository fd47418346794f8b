//! The fund's closed vocabularies. Each is stored as its SCREAMING_CASE name and exposed under the
//! same name in GraphQL, so the database, the API and the documents all say the same word.

/// A stored value outside its vocabulary: a broken database, never a caller's mistake.
#[derive(Debug, thiserror::Error)]
#[error("unknown {vocabulary} {value:?} in the database")]
pub struct UnknownStoredValue {
    pub vocabulary: &'static str,
    pub value: String,
}

/// Declares an enum whose variants are stored and exposed by their upper-case names.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, serde::Serialize, Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Reads a stored or typed value by its name.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// Reads a stored value; the database's CHECK constraints keep it in the vocabulary.
            pub fn from_stored(text: &str) -> Result<Self, UnknownStoredValue> {
                Self::parse(text).ok_or_else(|| UnknownStoredValue {
                    vocabulary: stringify!($name),
                    value: text.to_owned(),
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// The roles of the API contract, carried in a token's `role` claim. Each role reads and writes
    /// what docs/permissions.md lists; a token without a known role is refused.
    Role {
        /// The Fund Management Unit and the Administrative Agent (the MPTF Office): reads
        /// everything, and records users, donors, contributions, deposits, concept-note intake and
        /// review, meetings, joint programmes and transfers.
        Admin = "ADMIN",
        /// A member of the steering committee (the token's `chair` claim marks its chair): reads
        /// everything but user accounts' personal data, and is the only role that records
        /// decisions.
        SteeringCommittee = "STEERING_COMMITTEE",
        /// A donor (the token's `donor` claim names it): reads its own contributions and deposits
        /// in full, other donors' deposited totals, concept notes from `PIPELINE` on, programmes,
        /// results and the portfolio; writes nothing.
        Donor = "DONOR",
        /// A participating UN organization (the token's `org` claim names it): reads its own
        /// organization's concept notes in any status, programmes, results and the portfolio;
        /// submits concept notes it convenes, and reports expenditure and results on programmes it
        /// takes part in.
        Puno = "PUNO",
        /// A system that reads the portfolio through the API (dashboards, the MPTF Office's
        /// reporting): reads what a donor reads about programmes and the portfolio, all donors'
        /// deposited totals, and no personal data; writes nothing.
        PartnerSystem = "PARTNER_SYSTEM",
        /// An auditor of the fund (internal or external audit, the Board of Auditors): reads
        /// everything the steering committee reads — every donor's agreements and deposits, the
        /// whole ledger, the audit trail — with user accounts' personal data redacted as for the
        /// committee; writes nothing.
        Auditor = "AUDITOR",
    }
);

vocabulary!(
    /// What kind of entity a donor is.
    DonorKind {
        /// A UN member state (a government).
        MemberState = "MEMBER_STATE",
        /// A company or other private-sector body.
        PrivateSector = "PRIVATE_SECTOR",
        /// A philanthropic foundation.
        Foundation = "FOUNDATION",
        /// An international financial institution, such as a development bank.
        InternationalFinancialInstitution = "INTERNATIONAL_FINANCIAL_INSTITUTION",
        /// A UN entity contributing from its own resources.
        UnEntity = "UN_ENTITY",
        /// Any other contributor.
        Other = "OTHER",
    }
);

vocabulary!(
    /// Where a contribution stands: `PLEDGED → SIGNED → PARTIALLY_DEPOSITED → FULLY_DEPOSITED`, or
    /// `CANCELLED`. Deposits are recorded only against a signed agreement that is not fully paid; a
    /// contribution can be cancelled only while nothing is deposited against it.
    ContributionStatus {
        /// Announced by the donor, with no signed agreement yet.
        Pledged = "PLEDGED",
        /// A contribution agreement is signed (`signedOn`); nothing deposited yet.
        Signed = "SIGNED",
        /// Some, but not all, of the agreed amount has been deposited (compared in the agreement's
        /// currency).
        PartiallyDeposited = "PARTIALLY_DEPOSITED",
        /// Deposits have reached the agreed amount, in the agreement's currency.
        FullyDeposited = "FULLY_DEPOSITED",
        /// Withdrawn before anything was deposited; it counts in no total and nothing is
        /// outstanding.
        Cancelled = "CANCELLED",
    }
);

vocabulary!(
    /// How a donor restricts its money. Unearmarked money serves any programme; soft-earmarked
    /// money only the programmes of its thematic area (never one organization or project).
    Earmarking {
        /// Free for the steering committee to allocate to any thematic area.
        Unearmarked = "UNEARMARKED",
        /// Soft-earmarked to one thematic area (`earmarkedArea`): transfers to that area's
        /// programmes draw on it first.
        ThematicArea = "THEMATIC_AREA",
    }
);

vocabulary!(
    /// Where a concept note or joint programme works.
    Scope {
        /// In one country.
        National = "NATIONAL",
        /// In several countries of a region (e.g. the IGAD region, the Parrot's Beak).
        Regional = "REGIONAL",
        /// Across regions, or on global processes.
        Global = "GLOBAL",
    }
);

vocabulary!(
    /// The programming cycle of a concept note: `SUBMITTED → UNDER_REVIEW → PIPELINE → APPROVED →
    /// FUNDED`. `SCREENED_OUT`, `REJECTED`, `WITHDRAWN` and `FUNDED` end it; a deferral sends a
    /// `PIPELINE` note back to `UNDER_REVIEW`. Donors and partner systems read notes from
    /// `PIPELINE` on.
    ConceptNoteStatus {
        /// Entered by the Fund Management Unit or submitted by its convening organization; not yet
        /// reviewed.
        Submitted = "SUBMITTED",
        /// Reviewed (recommended or not) by the Fund Management Unit, awaiting the steering
        /// committee; also where a deferral sends a pipeline note back.
        UnderReview = "UNDER_REVIEW",
        /// Put into the pipeline by the steering committee (a `PIPELINE` decision): a candidate for
        /// funding when money allows. Public from here on.
        Pipeline = "PIPELINE",
        /// The steering committee decided to fund it (a `FUNDING` decision); the joint programme
        /// document is being prepared.
        Approved = "APPROVED",
        /// A joint programme was created from it (`createJointProgramme`).
        Funded = "FUNDED",
        /// Screened out by the Fund Management Unit's review (a `SCREENED_OUT` review of a
        /// submitted note).
        ScreenedOut = "SCREENED_OUT",
        /// Rejected by the steering committee (a `REJECTION` decision).
        Rejected = "REJECTED",
        /// Withdrawn by its convening organization or the Fund Management Unit before approval.
        Withdrawn = "WITHDRAWN",
    }
);

vocabulary!(
    /// The Fund Management Unit's technical review of a concept note. A review of a `SUBMITTED`
    /// note moves it to `UNDER_REVIEW` (or to `SCREENED_OUT`); a note under review may receive
    /// further reviews.
    ReviewOutcome {
        /// Recommended to the steering committee.
        Recommended = "RECOMMENDED",
        /// Not recommended, but left for the steering committee to consider.
        NotRecommended = "NOT_RECOMMENDED",
        /// Does not meet the call's criteria: ends the note (on a `SUBMITTED` note only).
        ScreenedOut = "SCREENED_OUT",
    }
);

vocabulary!(
    /// How the steering committee took its decisions.
    MeetingKind {
        /// A meeting of the committee (in person or online).
        Meeting = "MEETING",
        /// A decision round by written procedure, without a meeting.
        WrittenProcedure = "WRITTEN_PROCEDURE",
    }
);

vocabulary!(
    /// What the steering committee decided, by consensus. `PIPELINE`, `FUNDING`, `REJECTION` and
    /// `DEFERRAL` are taken on concept notes; `BUDGET_REVISION`, `NO_COST_EXTENSION`,
    /// `SUSPENSION` and `LIFT_SUSPENSION` on joint programmes; `DIRECT_COST` on the fund itself.
    DecisionKind {
        /// Puts an `UNDER_REVIEW` concept note into the pipeline.
        Pipeline = "PIPELINE",
        /// Approves funding of a pipeline concept note (`amountUsd`); the note becomes `APPROVED`
        /// and transfers may rest on this decision.
        Funding = "FUNDING",
        /// Rejects a concept note under review or in the pipeline.
        Rejection = "REJECTION",
        /// Sends a pipeline concept note back to `UNDER_REVIEW`.
        Deferral = "DEFERRAL",
        /// Revises a joint programme's budget (`amountUsd`: the revised budget).
        BudgetRevision = "BUDGET_REVISION",
        /// Extends a joint programme's end date without new money (`newEndDate`).
        NoCostExtension = "NO_COST_EXTENSION",
        /// Suspends a joint programme; the only way a programme becomes `SUSPENDED`.
        Suspension = "SUSPENSION",
        /// Lifts a programme's suspension: it returns to the status it had before; the only way
        /// out of `SUSPENDED`.
        LiftSuspension = "LIFT_SUSPENSION",
        /// Approves the fund's own costs (the Fund Management Unit's, the secretariat's) up to
        /// `amountUsd`; taken on no concept note or programme. `recordDirectCost` books them
        /// against it.
        DirectCost = "DIRECT_COST",
    }
);

vocabulary!(
    /// Where a decision stands. A decision takes effect (`ADOPTED`) only by a steering committee
    /// member's act: recording it themselves at a meeting, confirming what the Fund Management
    /// Unit recorded, or — for a written procedure — letting its no-objection deadline pass.
    DecisionStatus {
        /// Recorded, not in effect yet: awaiting the chair's confirmation, or the deadline of
        /// its written procedure.
        Pending = "PENDING",
        /// In effect since `adoptedOn`.
        Adopted = "ADOPTED",
        /// A member objected to it before its written procedure's deadline: it never takes
        /// effect, and the matter goes to a meeting.
        Objected = "OBJECTED",
    }
);

vocabulary!(
    /// What a programme's convening organization asks the steering committee for
    /// (`submitProgrammeRequest`).
    RequestKind {
        /// More time without new money: a new end date later than the current one. Answered by a
        /// `NO_COST_EXTENSION` decision.
        NoCostExtension = "NO_COST_EXTENSION",
        /// More money for the programme's budget (`amountUsd`). Answered by a `BUDGET_REVISION`
        /// decision.
        BudgetRevision = "BUDGET_REVISION",
        /// The programme's next tranche (`amountUsd`). Answered by a `BUDGET_REVISION` decision,
        /// which allocates the tranche to the programme (see docs/governance.md).
        Tranche = "TRANCHE",
    }
);

vocabulary!(
    /// The committee's answer to a programme request, stated by the decision that answers it.
    RequestOutcome {
        /// Granted as asked: the decision states what the request asked for.
        Approved = "APPROVED",
        /// Granted in part: less money than asked, or an earlier end date than asked.
        PartlyApproved = "PARTLY_APPROVED",
        /// Refused: the decision states what it refuses and changes nothing (no allocation, no
        /// new end date); nothing rests on it.
        Refused = "REFUSED",
    }
);

vocabulary!(
    /// Where a programme request stands: `SUBMITTED → ON_AGENDA → ANSWERED`, or `WITHDRAWN`
    /// before it is answered.
    RequestStatus {
        /// Sent by the convening organization; not on an agenda yet.
        Submitted = "SUBMITTED",
        /// On the agenda of a meeting or written procedure (`putRequestOnAgenda`); a decision
        /// answering it may be pending.
        OnAgenda = "ON_AGENDA",
        /// Answered by a decision in effect (`ADOPTED`); `outcome` says how.
        Answered = "ANSWERED",
        /// Withdrawn by its organization or the Fund Management Unit before it was answered.
        Withdrawn = "WITHDRAWN",
    }
);

vocabulary!(
    /// The life of a joint programme: `APPROVED → ACTIVE → OPERATIONALLY_CLOSED →
    /// FINANCIALLY_CLOSED`; `SUSPENDED` (by a steering-committee `SUSPENSION` decision) from an
    /// approved or active programme, and back to where it was.
    ProgrammeStatus {
        /// Created from a funded concept note; not yet started. Transfers and reports are accepted.
        Approved = "APPROVED",
        /// Under way. Transfers and reports are accepted.
        Active = "ACTIVE",
        /// Its activities have ended; no more transfers, but organizations still report expenditure
        /// and results.
        OperationallyClosed = "OPERATIONALLY_CLOSED",
        /// Closed for good, once every participating organization has sent its final expenditure
        /// report. No transfers, no reports.
        FinanciallyClosed = "FINANCIALLY_CLOSED",
        /// Suspended by the steering committee: no transfers and no reports until it returns to its
        /// former status.
        Suspended = "SUSPENDED",
    }
);

vocabulary!(
    /// The level of a results indicator in the programme's results framework.
    IndicatorLevel {
        /// Measures a change the programme contributes to (an outcome).
        Outcome = "OUTCOME",
        /// Measures what the programme delivers (an output).
        Output = "OUTPUT",
    }
);

vocabulary!(
    /// Whether an indicator is still measured. Only the Fund Management Unit retires one
    /// (`retireIndicator`); a retired indicator keeps its reports and revisions but takes no more.
    IndicatorStatus {
        /// Part of the programme's results framework: reported on.
        Active = "ACTIVE",
        /// Taken out of the results framework by the Fund Management Unit, with a reason; no more
        /// reports, revisions or targets.
        Retired = "RETIRED",
    }
);

vocabulary!(
    /// A dimension the fund asks an indicator's values to be disaggregated by, each with the fund's
    /// own categories (`DisaggregationCategory`).
    DisaggregationDimension {
        /// By sex: `FEMALE`, `MALE`, `OTHER`. Exhaustive: the categories add up to the total.
        Sex = "SEX",
        /// By age group: `AGE_0_17`, `AGE_18_24`, `AGE_25_59`, `AGE_60_PLUS`. Exhaustive: the
        /// categories add up to the total.
        AgeGroup = "AGE_GROUP",
        /// By migratory status: `MIGRANT`, `RETURNEE`, `DISPLACED`, `HOST_COMMUNITY`. Not
        /// exhaustive (a displaced person may also be a migrant, a person may be none of them):
        /// the categories need not add up to the total.
        MigratoryStatus = "MIGRATORY_STATUS",
    }
);

vocabulary!(
    /// A category of a disaggregation dimension, as the fund defines it.
    DisaggregationCategory {
        /// Sex: female.
        Female = "FEMALE",
        /// Sex: male.
        Male = "MALE",
        /// Sex: another sex, or not stated.
        Other = "OTHER",
        /// Age group: 0 to 17 years (children).
        #[graphql(name = "AGE_0_17")]
        Age0To17 = "AGE_0_17",
        /// Age group: 18 to 24 years (youth).
        #[graphql(name = "AGE_18_24")]
        Age18To24 = "AGE_18_24",
        /// Age group: 25 to 59 years.
        #[graphql(name = "AGE_25_59")]
        Age25To59 = "AGE_25_59",
        /// Age group: 60 years and older.
        #[graphql(name = "AGE_60_PLUS")]
        Age60Plus = "AGE_60_PLUS",
        /// Migratory status: a migrant.
        Migrant = "MIGRANT",
        /// Migratory status: a returned migrant.
        Returnee = "RETURNEE",
        /// Migratory status: an internally displaced person.
        Displaced = "DISPLACED",
        /// Migratory status: a member of a host community.
        HostCommunity = "HOST_COMMUNITY",
    }
);

impl DisaggregationDimension {
    /// The fund's categories of the dimension, in their order.
    pub fn categories(self) -> &'static [DisaggregationCategory] {
        use DisaggregationCategory::*;
        match self {
            DisaggregationDimension::Sex => &[Female, Male, Other],
            DisaggregationDimension::AgeGroup => &[Age0To17, Age18To24, Age25To59, Age60Plus],
            DisaggregationDimension::MigratoryStatus => {
                &[Migrant, Returnee, Displaced, HostCommunity]
            }
        }
    }

    /// Whether every person counted falls in exactly one category, so that the categories add up
    /// to the total.
    pub fn exhaustive(self) -> bool {
        !matches!(self, DisaggregationDimension::MigratoryStatus)
    }
}

impl DisaggregationCategory {
    /// The dimension the category belongs to.
    pub fn dimension(self) -> DisaggregationDimension {
        DisaggregationDimension::ALL
            .iter()
            .copied()
            .find(|d| d.categories().contains(&self))
            .unwrap_or(DisaggregationDimension::MigratoryStatus)
    }
}

vocabulary!(
    /// Where a UN entity sits in the UN system.
    OrganizationKind {
        /// A UN fund or programme (e.g. UNDP, UNICEF).
        FundsAndProgrammes = "FUNDS_AND_PROGRAMMES",
        /// A specialized agency (e.g. ILO, WHO).
        SpecializedAgency = "SPECIALIZED_AGENCY",
        /// A related organization (e.g. IOM).
        RelatedOrganization = "RELATED_ORGANIZATION",
        /// A department or office of the UN Secretariat (e.g. UN DESA, OHCHR).
        Secretariat = "SECRETARIAT",
        /// Any other UN entity.
        Other = "OTHER",
    }
);

vocabulary!(
    /// Regions of the UN geoscheme (M49), as the seeded country list records them.
    Region {
        /// Africa.
        Africa = "AFRICA",
        /// The Americas: Latin America and the Caribbean, and Northern America.
        Americas = "AMERICAS",
        /// Asia, the Middle East included.
        Asia = "ASIA",
        /// Europe.
        Europe = "EUROPE",
        /// Oceania.
        Oceania = "OCEANIA",
        /// Antarctica.
        Antarctica = "ANTARCTICA",
    }
);

vocabulary!(
    /// What a live portfolio event reports. Every token receives the events about programmes,
    /// transfers, expenditure, results and the reference data; events about a donor's money only
    /// the fund's staff, the committee and that donor; events about a concept note not yet public
    /// only the staff, the committee and the note's organizations.
    PortfolioEventKind {
        /// A contribution was recorded (`recordContribution`). For ADMIN, STEERING_COMMITTEE and
        /// the donor concerned.
        Contribution = "CONTRIBUTION",
        /// A deposit was received (`recordDeposit`). For ADMIN, STEERING_COMMITTEE and the donor
        /// concerned.
        Deposit = "DEPOSIT",
        /// The steering committee recorded a decision, or the Fund Management Unit applied a
        /// budget revision to a programme's lines (`reviseBudget`). For every token, except a
        /// decision on a concept note not yet public: ADMIN, STEERING_COMMITTEE and the note's
        /// organizations only.
        Decision = "DECISION",
        /// A record changed status: a contribution signed or cancelled (for ADMIN,
        /// STEERING_COMMITTEE and the donor), a concept note submitted, reviewed or withdrawn
        /// (ADMIN, STEERING_COMMITTEE and the note's organizations), a joint programme created or
        /// moved to a new status, a results indicator retired, or a thematic area's objectives
        /// corrected (every token).
        StatusChange = "STATUS_CHANGE",
        /// The Administrative Agent transferred money to a participating organization. For every
        /// token.
        Transfer = "TRANSFER",
        /// A participating organization reported expenditure. For every token.
        Expenditure = "EXPENDITURE",
        /// A participating organization reported a results indicator's value. For every token.
        IndicatorReport = "INDICATOR_REPORT",
        /// The Fund Management Unit revised a results indicator or set its targets per period
        /// (`reviseIndicator`, `setIndicatorTargets`). For every token.
        IndicatorRevision = "INDICATOR_REVISION",
        /// A participating organization refunded unspent money of a programme to the fund
        /// (`recordRefund`). For every token.
        Refund = "REFUND",
        /// The fund received interest or other income (`recordInterest`, `recordOtherIncome`).
        /// For every token.
        Income = "INCOME",
        /// The fund paid a direct cost or a bank charge (`recordDirectCost`). For every token.
        Cost = "COST",
        /// The Administrative Agent recorded an exchange rate (`recordExchangeRate`). For every
        /// token.
        ExchangeRate = "EXCHANGE_RATE",
        /// A document was attached to a record (`attachDocument`). For whoever may read the
        /// record: every token, but for a concept note not yet public, `ADMIN`,
        /// `STEERING_COMMITTEE` and the note's `PUNO`s.
        Document = "DOCUMENT",
        /// A convening organization submitted a programme's narrative report
        /// (`submitNarrativeReport`). For every token.
        NarrativeReport = "NARRATIVE_REPORT",
        /// The Fund Management Unit announced a call for concept notes or extended its window
        /// (`announceCall`, `extendCall`). For every token.
        Call = "CALL",
        /// A convening organization submitted or withdrew a request to the steering committee,
        /// or the Fund Management Unit put one on an agenda (`submitProgrammeRequest`,
        /// `putRequestOnAgenda`, `withdrawProgrammeRequest`). For ADMIN, STEERING_COMMITTEE,
        /// AUDITOR and the programme's organizations.
        ProgrammeRequest = "PROGRAMME_REQUEST",
    }
);

vocabulary!(
    /// The UN system's harmonized expenditure categories (UNSDG), in which a participating
    /// organization reports what it spent; indirect support costs are their own line.
    CostCategory {
        /// Staff and other personnel costs.
        StaffAndPersonnel = "STAFF_AND_PERSONNEL",
        /// Supplies, commodities and materials.
        Supplies = "SUPPLIES",
        /// Equipment, vehicles and furniture, including depreciation.
        Equipment = "EQUIPMENT",
        /// Contractual services.
        ContractualServices = "CONTRACTUAL_SERVICES",
        /// Travel.
        Travel = "TRAVEL",
        /// Transfers and grants to counterparts.
        TransfersAndGrants = "TRANSFERS_AND_GRANTS",
        /// General operating and other direct costs.
        GeneralOperating = "GENERAL_OPERATING",
        /// Indirect support costs: at most the budget line's indirect support cost rate times the
        /// programmable expenditure (the seven other categories).
        IndirectSupportCosts = "INDIRECT_SUPPORT_COSTS",
    }
);

vocabulary!(
    /// What an expenditure report's figure is (docs/reporting.md).
    ExpenditureNature {
        /// An interim figure, reported any time for the current or a past year; its organization
        /// may replace it until the year's certified figure is in. It counts in the books until
        /// then, and does not answer the reporting calendar.
        Interim = "INTERIM",
        /// The year's certified figure, for a year that has ended, reported once; changed only
        /// by an audited correction (`correctExpenditure`). It answers the reporting calendar's
        /// financial report.
        Certified = "CERTIFIED",
    }
);

vocabulary!(
    /// A report a joint programme owes the fund (docs/reporting.md, the MPTF Office's standard
    /// terms).
    ReportKind {
        /// The convening organization's narrative report on a calendar year, by 31 May of the
        /// next year (every year but the last).
        AnnualNarrative = "ANNUAL_NARRATIVE",
        /// A participating organization's certified expenditure of a calendar year, by 30 April
        /// of the next year (`reportExpenditure` with `nature: CERTIFIED`; an interim figure does
        /// not answer it).
        AnnualFinancial = "ANNUAL_FINANCIAL",
        /// The convening organization's final narrative report, within four months of the end
        /// date.
        FinalNarrative = "FINAL_NARRATIVE",
        /// A participating organization's final certified expenditure (`reportExpenditure` with
        /// `nature: CERTIFIED` and `final`), by 30 June of the year after the end date.
        FinalFinancial = "FINAL_FINANCIAL",
    }
);

vocabulary!(
    /// Where a report owed stands on a day.
    ReportStatus {
        /// Not submitted, and its due date has not passed.
        Due = "DUE",
        /// Not submitted, and its due date has passed.
        Overdue = "OVERDUE",
        /// Submitted on or before its due date.
        Submitted = "SUBMITTED",
        /// Submitted after its due date.
        SubmittedLate = "SUBMITTED_LATE",
    }
);

vocabulary!(
    /// What a document is (docs/documents.md). Each kind belongs to some records only: a concept
    /// note carries `CONCEPT_NOTE`, a joint programme `PROGRAMME_DOCUMENT`, `NARRATIVE_REPORT`
    /// and `FINANCIAL_REPORT`, an expenditure report `FINANCIAL_REPORT`, a meeting `MINUTES`;
    /// `OTHER` (annexes, letters) any of them.
    DocumentKind {
        /// The concept note as the organizations wrote it (on a concept note).
        ConceptNote = "CONCEPT_NOTE",
        /// The signed joint programme document, with its results framework and budget (on a
        /// joint programme).
        ProgrammeDocument = "PROGRAMME_DOCUMENT",
        /// A narrative progress or final report (on a joint programme).
        NarrativeReport = "NARRATIVE_REPORT",
        /// A certified financial statement (on a joint programme or an expenditure report).
        FinancialReport = "FINANCIAL_REPORT",
        /// The minutes of a steering-committee meeting or written procedure (on a meeting).
        Minutes = "MINUTES",
        /// Anything else: an annex, a letter, a map (on any record).
        Other = "OTHER",
    }
);

vocabulary!(
    /// What a movement of money in the fund's ledger is (see docs/books.md). Every figure of the
    /// fund's books is a sum of entries of some of these kinds; corrections are entries too.
    LedgerEntryKind {
        /// A donor's pledge, in its currency (valued in US dollars at the pledge's rate).
        Pledge = "PLEDGE",
        /// A signed agreement (a commitment), from the day it is signed.
        Commitment = "COMMITMENT",
        /// A top-up (positive) or reduction (negative) of a signed agreement.
        CommitmentAmendment = "COMMITMENT_AMENDMENT",
        /// Money received from a donor (gross, before the Administrative Agent's fee).
        Deposit = "DEPOSIT",
        /// The Administrative Agent's fee, 1% of each deposit, deducted when it is received.
        AgentFee = "AGENT_FEE",
        /// Interest and investment income earned by the fund.
        FundInterest = "FUND_INTEREST",
        /// Interest a participating organization returns to the fund.
        OrganizationInterest = "ORGANIZATION_INTEREST",
        /// Any other income of the fund.
        OtherIncome = "OTHER_INCOME",
        /// Money the steering committee allocated to a programme (a funding decision or a budget
        /// revision), drawn on a pool's uncommitted balance.
        Allocation = "ALLOCATION",
        /// Money transferred to a participating organization, against an allocation.
        Transfer = "TRANSFER",
        /// Unspent money a participating organization returns; back to its pool.
        Refund = "REFUND",
        /// The Fund Management Unit's and secretariat's costs the committee approved.
        DirectCost = "DIRECT_COST",
        /// A bank's charge on the fund's account.
        BankCharge = "BANK_CHARGE",
        /// Expenditure a participating organization reported.
        Expenditure = "EXPENDITURE",
        /// Cancels an earlier entry (its `reverses`) by the opposite amount, on a new date.
        Reversal = "REVERSAL",
    }
);

vocabulary!(
    /// Whose interest the fund received (`recordInterest`).
    InterestSource {
        /// Interest and investment income the fund earned on the money the Administrative Agent
        /// holds: a `FUND_INTEREST` entry, naming no organization.
        Fund = "FUND",
        /// Interest a participating organization earned on money transferred to it and returned
        /// to the fund: an `ORGANIZATION_INTEREST` entry, naming the organization.
        Organization = "ORGANIZATION",
    }
);

impl InterestSource {
    /// The line of the books this interest is booked on.
    pub fn ledger_kind(self) -> LedgerEntryKind {
        match self {
            InterestSource::Fund => LedgerEntryKind::FundInterest,
            InterestSource::Organization => LedgerEntryKind::OrganizationInterest,
        }
    }
}

vocabulary!(
    /// What the fund paid for itself (`recordDirectCost`), from unearmarked money.
    DirectCostKind {
        /// A cost of the Fund Management Unit or the secretariat that the steering committee
        /// approved: a `DIRECT_COST` entry, resting on the committee's decision.
        DirectCost = "DIRECT_COST",
        /// A bank's charge on the fund's account: a `BANK_CHARGE` entry, resting on no decision.
        BankCharge = "BANK_CHARGE",
    }
);

impl DirectCostKind {
    /// The line of the books this cost is booked on.
    pub fn ledger_kind(self) -> LedgerEntryKind {
        match self {
            DirectCostKind::DirectCost => LedgerEntryKind::DirectCost,
            DirectCostKind::BankCharge => LedgerEntryKind::BankCharge,
        }
    }
}

vocabulary!(
    /// Where a call for concept notes stands on a day (docs/calls.md).
    CallStatus {
        /// Announced; its window has not opened yet.
        Upcoming = "UPCOMING",
        /// Its window is open: it takes concept notes.
        Open = "OPEN",
        /// Its window has closed.
        Closed = "CLOSED",
    }
);

vocabulary!(
    /// What kind of national partner works with a concept note's organizations (docs/calls.md).
    PartnerKind {
        /// A civil-society organization.
        CivilSociety = "CIVIL_SOCIETY",
        /// A local or regional government: a city, a municipality, a province.
        LocalGovernment = "LOCAL_GOVERNMENT",
        /// An organization of migrants or of the diaspora.
        MigrantOrganization = "MIGRANT_ORGANIZATION",
        /// A university or research institute.
        Academia = "ACADEMIA",
        /// A company or employers' organization.
        PrivateSector = "PRIVATE_SECTOR",
        /// A trade union or workers' organization.
        TradeUnion = "TRADE_UNION",
        /// A national human rights institution.
        NationalHumanRightsInstitution = "NATIONAL_HUMAN_RIGHTS_INSTITUTION",
    }
);
