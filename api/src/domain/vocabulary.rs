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
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, serde::Serialize, Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

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
    /// The roles of the API contract, carried in a token's `role` claim.
    Role {
        Admin = "ADMIN",
        SteeringCommittee = "STEERING_COMMITTEE",
        Donor = "DONOR",
        Puno = "PUNO",
        PartnerSystem = "PARTNER_SYSTEM",
    }
);

vocabulary!(
    DonorKind {
        MemberState = "MEMBER_STATE",
        PrivateSector = "PRIVATE_SECTOR",
        Foundation = "FOUNDATION",
        InternationalFinancialInstitution = "INTERNATIONAL_FINANCIAL_INSTITUTION",
        UnEntity = "UN_ENTITY",
        Other = "OTHER",
    }
);

vocabulary!(
    /// Where a contribution stands: signed agreements become deposits as money arrives.
    ContributionStatus {
        Pledged = "PLEDGED",
        Signed = "SIGNED",
        PartiallyDeposited = "PARTIALLY_DEPOSITED",
        FullyDeposited = "FULLY_DEPOSITED",
        Cancelled = "CANCELLED",
    }
);

vocabulary!(
    /// Unearmarked money serves any programme; soft-earmarked money only its thematic area's.
    Earmarking {
        Unearmarked = "UNEARMARKED",
        ThematicArea = "THEMATIC_AREA",
    }
);

vocabulary!(
    Scope {
        National = "NATIONAL",
        Regional = "REGIONAL",
        Global = "GLOBAL",
    }
);

vocabulary!(
    /// The programming cycle of a concept note.
    ConceptNoteStatus {
        Submitted = "SUBMITTED",
        UnderReview = "UNDER_REVIEW",
        Pipeline = "PIPELINE",
        Approved = "APPROVED",
        Funded = "FUNDED",
        ScreenedOut = "SCREENED_OUT",
        Rejected = "REJECTED",
        Withdrawn = "WITHDRAWN",
    }
);

vocabulary!(
    /// The Fund Management Unit's technical review of a concept note.
    ReviewOutcome {
        Recommended = "RECOMMENDED",
        NotRecommended = "NOT_RECOMMENDED",
        ScreenedOut = "SCREENED_OUT",
    }
);

vocabulary!(
    MeetingKind {
        Meeting = "MEETING",
        WrittenProcedure = "WRITTEN_PROCEDURE",
    }
);

vocabulary!(
    /// What the steering committee decided, by consensus.
    DecisionKind {
        Pipeline = "PIPELINE",
        Funding = "FUNDING",
        Rejection = "REJECTION",
        Deferral = "DEFERRAL",
        BudgetRevision = "BUDGET_REVISION",
        NoCostExtension = "NO_COST_EXTENSION",
        Suspension = "SUSPENSION",
    }
);

vocabulary!(
    ProgrammeStatus {
        Approved = "APPROVED",
        Active = "ACTIVE",
        OperationallyClosed = "OPERATIONALLY_CLOSED",
        FinanciallyClosed = "FINANCIALLY_CLOSED",
        Suspended = "SUSPENDED",
    }
);

vocabulary!(
    IndicatorLevel {
        Outcome = "OUTCOME",
        Output = "OUTPUT",
    }
);

vocabulary!(
    OrganizationKind {
        FundsAndProgrammes = "FUNDS_AND_PROGRAMMES",
        SpecializedAgency = "SPECIALIZED_AGENCY",
        RelatedOrganization = "RELATED_ORGANIZATION",
        Secretariat = "SECRETARIAT",
        Other = "OTHER",
    }
);

vocabulary!(
    /// Regions of the UN geoscheme (M49), as the seeded country list records them.
    Region {
        Africa = "AFRICA",
        Americas = "AMERICAS",
        Asia = "ASIA",
        Europe = "EUROPE",
        Oceania = "OCEANIA",
        Antarctica = "ANTARCTICA",
    }
);

vocabulary!(
    /// What a live portfolio event reports.
    PortfolioEventKind {
        Contribution = "CONTRIBUTION",
        Deposit = "DEPOSIT",
        Decision = "DECISION",
        StatusChange = "STATUS_CHANGE",
        Transfer = "TRANSFER",
        Expenditure = "EXPENDITURE",
        IndicatorReport = "INDICATOR_REPORT",
    }
);
