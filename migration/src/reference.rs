//! The reference data the fund starts with. Marked *(unconfirmed)* in the domain notes where it is
//! so: it is seeded here once and from then on corrected as data (by an administrator, audited).

/// (number, name, GCM objectives clustered under it) — the clustering is unconfirmed.
pub const THEMATIC_AREAS: [(i32, &str, &str, &[i32]); 5] = [
    (
        1,
        "Promoting fact-based and data-driven migration discourse, policy and planning",
        "Evidence, information and international cooperation as the basis of migration policy.",
        &[1, 3, 17, 23],
    ),
    (
        2,
        "Protecting the human rights, safety and well-being of migrants, including through addressing drivers and mitigating situations of vulnerability in migration",
        "Adverse drivers, vulnerabilities, saving lives, screening and referral, alternatives to detention.",
        &[2, 7, 8, 12, 13],
    ),
    (
        3,
        "Addressing irregular migration, including through managing borders and combatting transnational crime",
        "Smuggling, trafficking, border management, consular protection, return and reintegration.",
        &[9, 10, 11, 14, 21],
    ),
    (
        4,
        "Facilitating regular migration, decent work and enhancing the positive development effects of human mobility",
        "Regular pathways, decent work, skills, diasporas, remittances, portability of social protection.",
        &[5, 6, 18, 19, 20, 22],
    ),
    (
        5,
        "Improving the social inclusion and integration of migrants",
        "Legal identity, basic services, inclusion and social cohesion.",
        &[4, 15, 16],
    ),
];

/// The 23 objectives of the Global Compact for Migration: (number, title, short label).
pub const GCM_OBJECTIVES: [(i32, &str, &str); 23] = [
    (1, "Collect and utilize accurate and disaggregated data as a basis for evidence-based policies", "Data"),
    (2, "Minimize the adverse drivers and structural factors that compel people to leave their country of origin", "Adverse drivers"),
    (3, "Provide accurate and timely information at all stages of migration", "Information"),
    (4, "Ensure that all migrants have proof of legal identity and adequate documentation", "Legal identity"),
    (5, "Enhance availability and flexibility of pathways for regular migration", "Regular pathways"),
    (6, "Facilitate fair and ethical recruitment and safeguard conditions that ensure decent work", "Decent work"),
    (7, "Address and reduce vulnerabilities in migration", "Vulnerabilities"),
    (8, "Save lives and establish coordinated international efforts on missing migrants", "Save lives"),
    (9, "Strengthen the transnational response to smuggling of migrants", "Smuggling"),
    (10, "Prevent, combat and eradicate trafficking in persons in the context of international migration", "Trafficking"),
    (11, "Manage borders in an integrated, secure and coordinated manner", "Borders"),
    (12, "Strengthen certainty and predictability in migration procedures for appropriate screening, assessment and referral", "Screening and referral"),
    (13, "Use migration detention only as a measure of last resort and work towards alternatives", "Alternatives to detention"),
    (14, "Enhance consular protection, assistance and cooperation throughout the migration cycle", "Consular protection"),
    (15, "Provide access to basic services for migrants", "Basic services"),
    (16, "Empower migrants and societies to realize full inclusion and social cohesion", "Inclusion"),
    (17, "Eliminate all forms of discrimination and promote evidence-based public discourse to shape perceptions of migration", "Non-discrimination"),
    (18, "Invest in skills development and facilitate mutual recognition of skills, qualifications and competences", "Skills"),
    (19, "Create conditions for migrants and diasporas to fully contribute to sustainable development in all countries", "Diaspora contributions"),
    (20, "Promote faster, safer and cheaper transfer of remittances and foster financial inclusion of migrants", "Remittances"),
    (21, "Cooperate in facilitating safe and dignified return and readmission, as well as sustainable reintegration", "Return and reintegration"),
    (22, "Establish mechanisms for the portability of social security entitlements and earned benefits", "Social protection portability"),
    (23, "Strengthen international cooperation and global partnerships for safe, orderly and regular migration", "International cooperation"),
];

/// The ten guiding principles of the Compact: (code, name).
pub const GUIDING_PRINCIPLES: [(&str, &str); 10] = [
    ("PEOPLE_CENTRED", "People-centred"),
    ("INTERNATIONAL_COOPERATION", "International cooperation"),
    ("NATIONAL_SOVEREIGNTY", "National sovereignty"),
    ("RULE_OF_LAW", "Rule of law and due process"),
    ("SUSTAINABLE_DEVELOPMENT", "Sustainable development"),
    ("HUMAN_RIGHTS", "Human rights"),
    ("GENDER_RESPONSIVE", "Gender-responsive"),
    ("CHILD_SENSITIVE", "Child-sensitive"),
    ("WHOLE_OF_GOVERNMENT", "Whole-of-government approach"),
    ("WHOLE_OF_SOCIETY", "Whole-of-society approach"),
];

/// UN entities that can be participating organizations: (acronym, name, kind). The fund's founding
/// signatories come first; the MoU dates are not public in the source, so they are left empty.
pub const ORGANIZATIONS: [(&str, &str, &str); 16] = [
    (
        "ILO",
        "International Labour Organization",
        "SPECIALIZED_AGENCY",
    ),
    (
        "IOM",
        "International Organization for Migration",
        "RELATED_ORGANIZATION",
    ),
    (
        "OHCHR",
        "Office of the United Nations High Commissioner for Human Rights",
        "SECRETARIAT",
    ),
    (
        "UN DESA",
        "United Nations Department of Economic and Social Affairs",
        "SECRETARIAT",
    ),
    (
        "UNDP",
        "United Nations Development Programme",
        "FUNDS_AND_PROGRAMMES",
    ),
    (
        "UNICEF",
        "United Nations Children's Fund",
        "FUNDS_AND_PROGRAMMES",
    ),
    (
        "UNHCR",
        "Office of the United Nations High Commissioner for Refugees",
        "FUNDS_AND_PROGRAMMES",
    ),
    (
        "UNODC",
        "United Nations Office on Drugs and Crime",
        "SECRETARIAT",
    ),
    ("WHO", "World Health Organization", "SPECIALIZED_AGENCY"),
    (
        "UNOPS",
        "United Nations Office for Project Services",
        "FUNDS_AND_PROGRAMMES",
    ),
    (
        "UNDRR",
        "United Nations Office for Disaster Risk Reduction",
        "SECRETARIAT",
    ),
    (
        "UN Women",
        "United Nations Entity for Gender Equality and the Empowerment of Women",
        "FUNDS_AND_PROGRAMMES",
    ),
    (
        "UNFPA",
        "United Nations Population Fund",
        "FUNDS_AND_PROGRAMMES",
    ),
    (
        "UNEP",
        "United Nations Environment Programme",
        "FUNDS_AND_PROGRAMMES",
    ),
    (
        "FAO",
        "Food and Agriculture Organization of the United Nations",
        "SPECIALIZED_AGENCY",
    ),
    (
        "UN-Habitat",
        "United Nations Human Settlements Programme",
        "FUNDS_AND_PROGRAMMES",
    ),
];

/// Capitalization targets: (label, USD cents, due on).
pub const CAPITALIZATION_TARGETS: [(&str, i64, &str); 2] = [
    ("First year of operations", 2_500_000_000, "2020-05-31"),
    (
        "International Migration Review Forum 2022",
        7_000_000_000,
        "2022-05-31",
    ),
];

/// The Administrative Agent's fee on each deposit (1%), kept as data.
pub const ADMINISTRATIVE_AGENT_FEE_RATE: &str = "0.01";
