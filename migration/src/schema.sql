-- The fund's data model, written once for both databases.
-- Placeholders replaced per backend: %ID% (auto-increment primary key), %TS% (UTC timestamp),
-- %DATE% (calendar date). Money is always BIGINT in minor units (USD cents in *_usd_cents columns),
-- never NUMERIC: SQLite would store NUMERIC as a binary float. Rates and indicator values, which are
-- never summed, are exact decimal strings checked by the domain layer.

CREATE TABLE thematic_area (
    id %ID%,
    number INTEGER NOT NULL UNIQUE CHECK (number BETWEEN 1 AND 5),
    name TEXT NOT NULL CHECK (length(name) > 0),
    description TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE gcm_objective (
    id %ID%,
    number INTEGER NOT NULL UNIQUE CHECK (number BETWEEN 1 AND 23),
    title TEXT NOT NULL,
    short_label TEXT NOT NULL
);

CREATE TABLE thematic_area_objective (
    thematic_area_id BIGINT NOT NULL REFERENCES thematic_area (id),
    gcm_objective_id BIGINT NOT NULL REFERENCES gcm_objective (id),
    PRIMARY KEY (thematic_area_id, gcm_objective_id)
);
CREATE INDEX thematic_area_objective_objective ON thematic_area_objective (gcm_objective_id);

CREATE TABLE guiding_principle (
    id %ID%,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    position INTEGER NOT NULL UNIQUE
);

CREATE TABLE country (
    code TEXT NOT NULL PRIMARY KEY CHECK (length(code) = 3),
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    subregion TEXT NOT NULL
);
CREATE INDEX country_region ON country (region);

CREATE TABLE organization (
    id %ID%,
    acronym TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('FUNDS_AND_PROGRAMMES', 'SPECIALIZED_AGENCY', 'RELATED_ORGANIZATION', 'SECRETARIAT', 'OTHER')),
    mou_signed_on %DATE%,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE capitalization_target (
    id %ID%,
    label TEXT NOT NULL,
    amount_usd_cents BIGINT NOT NULL CHECK (amount_usd_cents > 0),
    due_on %DATE% NOT NULL UNIQUE
);

-- One row; every transaction that spends the fund's balance updates it first, which serializes
-- spending on both databases (a row lock on PostgreSQL, the write lock on SQLite).
CREATE TABLE fund_ledger (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    administrative_agent_fee_rate TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE donor (
    id %ID%,
    name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
    kind TEXT NOT NULL CHECK (kind IN ('MEMBER_STATE', 'PRIVATE_SECTOR', 'FOUNDATION', 'INTERNATIONAL_FINANCIAL_INSTITUTION', 'UN_ENTITY', 'OTHER')),
    country_code TEXT REFERENCES country (code),
    note TEXT,
    created_at %TS% NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX donor_country ON donor (country_code);
CREATE INDEX donor_kind ON donor (kind);

CREATE TABLE app_user (
    id %ID%,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT,
    role TEXT NOT NULL CHECK (role IN ('ADMIN', 'STEERING_COMMITTEE', 'DONOR', 'PUNO', 'PARTNER_SYSTEM')),
    chair BOOLEAN NOT NULL DEFAULT FALSE,
    donor_id BIGINT REFERENCES donor (id),
    organization_id BIGINT REFERENCES organization (id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until %TS%,
    created_at %TS% NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK ((role = 'DONOR') = (donor_id IS NOT NULL)),
    CHECK ((role = 'PUNO') = (organization_id IS NOT NULL))
);
CREATE INDEX app_user_donor ON app_user (donor_id);
CREATE INDEX app_user_organization ON app_user (organization_id);

CREATE TABLE contribution (
    id %ID%,
    donor_id BIGINT NOT NULL REFERENCES donor (id),
    reference TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('PLEDGED', 'SIGNED', 'PARTIALLY_DEPOSITED', 'FULLY_DEPOSITED', 'CANCELLED')),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    pledged_minor BIGINT NOT NULL CHECK (pledged_minor > 0),
    -- the pledge in USD at the rate known when it was recorded (for the pledged/committed totals)
    pledged_usd_cents BIGINT NOT NULL CHECK (pledged_usd_cents > 0),
    deposited_minor BIGINT NOT NULL DEFAULT 0 CHECK (deposited_minor >= 0 AND deposited_minor <= pledged_minor),
    pledged_on %DATE% NOT NULL,
    signed_on %DATE%,
    earmarking TEXT NOT NULL CHECK (earmarking IN ('UNEARMARKED', 'THEMATIC_AREA')),
    earmarked_area_id BIGINT REFERENCES thematic_area (id),
    note TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at %TS% NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK ((earmarking = 'THEMATIC_AREA') = (earmarked_area_id IS NOT NULL)),
    CHECK (((status = 'PLEDGED') = (signed_on IS NULL)) OR status = 'CANCELLED')
);
CREATE INDEX contribution_donor ON contribution (donor_id);
CREATE INDEX contribution_status ON contribution (status);
CREATE INDEX contribution_area ON contribution (earmarked_area_id);

CREATE TABLE deposit (
    id %ID%,
    contribution_id BIGINT NOT NULL REFERENCES contribution (id),
    received_on %DATE% NOT NULL,
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    exchange_rate TEXT NOT NULL,
    amount_usd_cents BIGINT NOT NULL CHECK (amount_usd_cents > 0),
    fee_usd_cents BIGINT NOT NULL CHECK (fee_usd_cents >= 0),
    net_usd_cents BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at %TS% NOT NULL,
    CHECK (net_usd_cents = amount_usd_cents - fee_usd_cents)
);
CREATE INDEX deposit_contribution ON deposit (contribution_id);
CREATE INDEX deposit_received_on ON deposit (received_on);

CREATE TABLE concept_note (
    id %ID%,
    reference TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL CHECK (length(title) > 0),
    summary TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('NATIONAL', 'REGIONAL', 'GLOBAL')),
    thematic_area_id BIGINT NOT NULL REFERENCES thematic_area (id),
    convening_organization_id BIGINT NOT NULL REFERENCES organization (id),
    requested_budget_usd_cents BIGINT NOT NULL CHECK (requested_budget_usd_cents > 0),
    duration_months INTEGER NOT NULL CHECK (duration_months BETWEEN 1 AND 120),
    gender_marker INTEGER NOT NULL CHECK (gender_marker BETWEEN 0 AND 3),
    human_rights_marker INTEGER NOT NULL CHECK (human_rights_marker BETWEEN 0 AND 3),
    child_sensitivity_marker INTEGER NOT NULL CHECK (child_sensitivity_marker BETWEEN 0 AND 3),
    submitted_on %DATE% NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('SUBMITTED', 'UNDER_REVIEW', 'PIPELINE', 'APPROVED', 'FUNDED', 'SCREENED_OUT', 'REJECTED', 'WITHDRAWN')),
    submitted_by TEXT NOT NULL,
    created_at %TS% NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX concept_note_area ON concept_note (thematic_area_id);
CREATE INDEX concept_note_convening ON concept_note (convening_organization_id);
CREATE INDEX concept_note_status ON concept_note (status);
CREATE INDEX concept_note_submitted_on ON concept_note (submitted_on);

CREATE TABLE concept_note_country (
    concept_note_id BIGINT NOT NULL REFERENCES concept_note (id),
    country_code TEXT NOT NULL REFERENCES country (code),
    PRIMARY KEY (concept_note_id, country_code)
);
CREATE INDEX concept_note_country_country ON concept_note_country (country_code);

CREATE TABLE concept_note_objective (
    concept_note_id BIGINT NOT NULL REFERENCES concept_note (id),
    gcm_objective_id BIGINT NOT NULL REFERENCES gcm_objective (id),
    PRIMARY KEY (concept_note_id, gcm_objective_id)
);
CREATE INDEX concept_note_objective_objective ON concept_note_objective (gcm_objective_id);

CREATE TABLE concept_note_principle (
    concept_note_id BIGINT NOT NULL REFERENCES concept_note (id),
    guiding_principle_id BIGINT NOT NULL REFERENCES guiding_principle (id),
    PRIMARY KEY (concept_note_id, guiding_principle_id)
);
CREATE INDEX concept_note_principle_principle ON concept_note_principle (guiding_principle_id);

-- Participating organizations, the convening one included.
CREATE TABLE concept_note_organization (
    concept_note_id BIGINT NOT NULL REFERENCES concept_note (id),
    organization_id BIGINT NOT NULL REFERENCES organization (id),
    PRIMARY KEY (concept_note_id, organization_id)
);
CREATE INDEX concept_note_organization_organization ON concept_note_organization (organization_id);

CREATE TABLE concept_note_review (
    id %ID%,
    concept_note_id BIGINT NOT NULL REFERENCES concept_note (id),
    outcome TEXT NOT NULL CHECK (outcome IN ('RECOMMENDED', 'NOT_RECOMMENDED', 'SCREENED_OUT')),
    score INTEGER CHECK (score BETWEEN 0 AND 100),
    comments TEXT NOT NULL,
    reviewed_by TEXT NOT NULL,
    reviewed_at %TS% NOT NULL
);
CREATE INDEX concept_note_review_note ON concept_note_review (concept_note_id);

CREATE TABLE steering_committee_meeting (
    id %ID%,
    held_on %DATE% NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('MEETING', 'WRITTEN_PROCEDURE')),
    title TEXT NOT NULL,
    created_at %TS% NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX steering_committee_meeting_held_on ON steering_committee_meeting (held_on);

CREATE TABLE joint_programme (
    id %ID%,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL CHECK (length(title) > 0),
    concept_note_id BIGINT NOT NULL UNIQUE REFERENCES concept_note (id),
    status TEXT NOT NULL CHECK (status IN ('APPROVED', 'ACTIVE', 'OPERATIONALLY_CLOSED', 'FINANCIALLY_CLOSED', 'SUSPENDED')),
    -- the status to return to when a suspension is lifted
    status_before_suspension TEXT CHECK (status_before_suspension IN ('APPROVED', 'ACTIVE')),
    thematic_area_id BIGINT NOT NULL REFERENCES thematic_area (id),
    scope TEXT NOT NULL CHECK (scope IN ('NATIONAL', 'REGIONAL', 'GLOBAL')),
    start_date %DATE% NOT NULL,
    end_date %DATE% NOT NULL,
    convening_organization_id BIGINT NOT NULL REFERENCES organization (id),
    approved_budget_usd_cents BIGINT NOT NULL CHECK (approved_budget_usd_cents > 0),
    gender_marker INTEGER NOT NULL CHECK (gender_marker BETWEEN 0 AND 3),
    human_rights_marker INTEGER NOT NULL CHECK (human_rights_marker BETWEEN 0 AND 3),
    child_sensitivity_marker INTEGER NOT NULL CHECK (child_sensitivity_marker BETWEEN 0 AND 3),
    created_at %TS% NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (end_date > start_date)
);
CREATE INDEX joint_programme_area ON joint_programme (thematic_area_id);
CREATE INDEX joint_programme_status ON joint_programme (status);
CREATE INDEX joint_programme_convening ON joint_programme (convening_organization_id);
CREATE INDEX joint_programme_start_date ON joint_programme (start_date);

CREATE TABLE decision (
    id %ID%,
    meeting_id BIGINT NOT NULL REFERENCES steering_committee_meeting (id),
    kind TEXT NOT NULL CHECK (kind IN ('PIPELINE', 'FUNDING', 'REJECTION', 'DEFERRAL', 'BUDGET_REVISION', 'NO_COST_EXTENSION', 'SUSPENSION')),
    concept_note_id BIGINT REFERENCES concept_note (id),
    joint_programme_id BIGINT REFERENCES joint_programme (id),
    amount_usd_cents BIGINT CHECK (amount_usd_cents > 0),
    new_end_date %DATE%,
    rationale TEXT NOT NULL,
    supersedes_id BIGINT REFERENCES decision (id),
    recorded_by TEXT NOT NULL,
    recorded_at %TS% NOT NULL,
    CHECK ((concept_note_id IS NULL) <> (joint_programme_id IS NULL)),
    CHECK ((kind IN ('FUNDING', 'BUDGET_REVISION')) = (amount_usd_cents IS NOT NULL)),
    CHECK ((kind = 'NO_COST_EXTENSION') = (new_end_date IS NOT NULL))
);
CREATE INDEX decision_meeting ON decision (meeting_id);
CREATE INDEX decision_concept_note ON decision (concept_note_id);
CREATE INDEX decision_joint_programme ON decision (joint_programme_id);
CREATE INDEX decision_supersedes ON decision (supersedes_id);
CREATE INDEX decision_kind ON decision (kind);

CREATE TABLE budget_line (
    id %ID%,
    joint_programme_id BIGINT NOT NULL REFERENCES joint_programme (id),
    organization_id BIGINT NOT NULL REFERENCES organization (id),
    programmable_usd_cents BIGINT NOT NULL CHECK (programmable_usd_cents > 0),
    indirect_support_cost_rate TEXT NOT NULL,
    indirect_support_cost_usd_cents BIGINT NOT NULL CHECK (indirect_support_cost_usd_cents >= 0),
    total_usd_cents BIGINT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (joint_programme_id, organization_id),
    CHECK (total_usd_cents = programmable_usd_cents + indirect_support_cost_usd_cents)
);
CREATE INDEX budget_line_organization ON budget_line (organization_id);

CREATE TABLE transfer (
    id %ID%,
    joint_programme_id BIGINT NOT NULL REFERENCES joint_programme (id),
    organization_id BIGINT NOT NULL REFERENCES organization (id),
    budget_line_id BIGINT NOT NULL REFERENCES budget_line (id),
    decision_id BIGINT NOT NULL REFERENCES decision (id),
    transferred_on %DATE% NOT NULL,
    amount_usd_cents BIGINT NOT NULL CHECK (amount_usd_cents > 0),
    -- which pools paid for it: money earmarked to the programme's area first, then unearmarked money
    from_earmarked_usd_cents BIGINT NOT NULL CHECK (from_earmarked_usd_cents >= 0),
    from_unearmarked_usd_cents BIGINT NOT NULL CHECK (from_unearmarked_usd_cents >= 0),
    thematic_area_id BIGINT NOT NULL REFERENCES thematic_area (id),
    recorded_by TEXT NOT NULL,
    recorded_at %TS% NOT NULL,
    CHECK (amount_usd_cents = from_earmarked_usd_cents + from_unearmarked_usd_cents),
    -- a transfer goes to an organization with a budget line in the programme
    FOREIGN KEY (joint_programme_id, organization_id) REFERENCES budget_line (joint_programme_id, organization_id)
);
CREATE INDEX transfer_joint_programme ON transfer (joint_programme_id);
CREATE INDEX transfer_organization ON transfer (organization_id);
CREATE INDEX transfer_budget_line ON transfer (budget_line_id);
CREATE INDEX transfer_decision ON transfer (decision_id);
CREATE INDEX transfer_area ON transfer (thematic_area_id);
CREATE INDEX transfer_transferred_on ON transfer (transferred_on);

CREATE TABLE expenditure_report (
    id %ID%,
    joint_programme_id BIGINT NOT NULL REFERENCES joint_programme (id),
    organization_id BIGINT NOT NULL REFERENCES organization (id),
    year INTEGER NOT NULL CHECK (year BETWEEN 2019 AND 2100),
    amount_usd_cents BIGINT NOT NULL CHECK (amount_usd_cents >= 0),
    final BOOLEAN NOT NULL,
    reported_by TEXT NOT NULL,
    reported_at %TS% NOT NULL,
    UNIQUE (joint_programme_id, organization_id, year),
    FOREIGN KEY (joint_programme_id, organization_id) REFERENCES budget_line (joint_programme_id, organization_id)
);
CREATE INDEX expenditure_report_organization ON expenditure_report (organization_id);

CREATE TABLE results_indicator (
    id %ID%,
    joint_programme_id BIGINT NOT NULL REFERENCES joint_programme (id),
    code TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('OUTCOME', 'OUTPUT')),
    statement TEXT NOT NULL CHECK (length(statement) > 0),
    unit TEXT NOT NULL,
    baseline TEXT NOT NULL,
    target TEXT NOT NULL,
    gcm_objective_id BIGINT REFERENCES gcm_objective (id),
    guiding_principle_id BIGINT REFERENCES guiding_principle (id),
    created_by TEXT NOT NULL,
    created_at %TS% NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (joint_programme_id, code)
);
CREATE INDEX results_indicator_objective ON results_indicator (gcm_objective_id);
CREATE INDEX results_indicator_principle ON results_indicator (guiding_principle_id);

CREATE TABLE indicator_measurement (
    id %ID%,
    indicator_id BIGINT NOT NULL REFERENCES results_indicator (id),
    period_end %DATE% NOT NULL,
    value TEXT NOT NULL,
    note TEXT,
    reported_by TEXT NOT NULL,
    reported_at %TS% NOT NULL,
    UNIQUE (indicator_id, period_end)
);

CREATE TABLE audit_event (
    id %ID%,
    at %TS% NOT NULL,
    actor TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    changes TEXT NOT NULL,
    request_id TEXT
);
CREATE INDEX audit_event_subject ON audit_event (subject_type, subject_id);
CREATE INDEX audit_event_actor ON audit_event (actor);
CREATE INDEX audit_event_at ON audit_event (at);

-- A money-moving command's first answer, kept so that a retry returns it and changes nothing.
CREATE TABLE idempotency_key (
    actor TEXT NOT NULL,
    operation TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    -- the id of what the first request created, which a retry returns
    subject_id BIGINT NOT NULL,
    created_at %TS% NOT NULL,
    PRIMARY KEY (actor, operation, key)
);

-- The outbox of portfolio events: written in the command's transaction, published after commit.
CREATE TABLE portfolio_event (
    id %ID%,
    at %TS% NOT NULL,
    kind TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    summary TEXT NOT NULL,
    donor_id BIGINT,
    organization_ids TEXT NOT NULL DEFAULT ''
);
CREATE INDEX portfolio_event_at ON portfolio_event (at);
