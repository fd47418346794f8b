//! The mutation root: every command of the contract, `verbNoun(input:) → VerbNounPayload` with
//! `userErrors` for the failures a caller can fix. Nothing changes when any is returned.

use super::errors::payload;
use super::scalars::{CountryCode, CurrencyCode, Date, DateTime, Decimal};
use super::types::users::Viewer;
use super::types::*;
use super::ContextExt;
use crate::auth::throttle::ClientAddress;
use crate::auth::{LoginThrottle, Tokens};
use crate::domain::{
    DecisionKind, DonorKind, Earmarking, IndicatorLevel, MeetingKind, ProgrammeStatus,
    ReviewOutcome, Role, Scope, UserError, UserErrorCode,
};
use crate::ids::{self, Kind};
use crate::service::commands::catalogue;
use crate::service::commands::contributions::{
    self as contributions, DonorChanges, NewContribution, NewDeposit, NewDonor,
};
use crate::service::commands::governance::{self as governance, DecisionSubject, NewDecision};
use crate::service::commands::notes::{self as notes, NewConceptNote};
use crate::service::commands::programmes::{
    self as programmes, NewBudgetLine, NewExpenditure, NewIndicator, NewJointProgramme, NewTransfer,
};
use crate::service::commands::users::{self as users, NewUser};
use crate::service::users::LoginOutcome;
use crate::service::ServiceError;
use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};

#[derive(Default)]
pub struct Mutation;

/// Decodes an id from an input, answering `NOT_FOUND` on its field when it names nothing of
/// the right kind.
fn id_of(id: &ID, kind: Kind, field: &str) -> Result<i64, ServiceError> {
    ids::decode(kind, id).ok_or_else(|| {
        UserError::new(
            UserErrorCode::NotFound,
            &[field],
            format!("this is not the id of a {}", kind.name()),
        )
        .into()
    })
}

fn ids_of(ids: &[ID], kind: Kind, field: &str) -> Result<Vec<i64>, ServiceError> {
    ids.iter().map(|id| id_of(id, kind, field)).collect()
}

#[derive(InputObject)]
pub struct MoneyInput {
    /// Greater than 0 and at most 1000000000000.00 in the currency (at most 100000000000000
    /// minor units: JPY 100000000000000, KWD 100000000000.000), with no more decimal places than
    /// the currency has; and worth at least USD 0.01 and at most USD 1000000000000.00 at the
    /// rate given with it.
    pub amount: Decimal,
    pub currency: CurrencyCode,
}

#[derive(InputObject)]
pub struct MarkersInput {
    pub gender: i32,
    pub human_rights: i32,
    pub child_sensitivity: i32,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

#[derive(SimpleObject)]
pub struct LoginPayload {
    /// A bearer token for the `Authorization` header.
    pub token: Option<String>,
    pub expires_at: Option<DateTime>,
    pub viewer: Option<Viewer>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    #[graphql(default)]
    pub chair: bool,
    /// At least 12 characters; without one, the account can only use tokens issued for it.
    pub password: Option<String>,
    pub donor: Option<ID>,
    pub organization: Option<ID>,
}

#[derive(SimpleObject)]
pub struct CreateUserPayload {
    pub user: Option<User>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct DeactivateUserInput {
    pub user: ID,
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct ActivateUserInput {
    pub user: ID,
    /// When given, the account's current version (`STALE_VERSION` otherwise).
    pub expected_version: Option<i32>,
}

#[derive(SimpleObject)]
pub struct ActivateUserPayload {
    pub user: Option<User>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct DeactivateUserPayload {
    pub user: Option<User>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct CreateDonorInput {
    /// At most 200 characters.
    pub name: String,
    pub kind: DonorKind,
    pub country: Option<CountryCode>,
    /// At most 2000 characters.
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct DonorPayload {
    pub donor: Option<Donor>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct UpdateDonorInput {
    pub id: ID,
    pub expected_version: i32,
    /// At most 200 characters.
    pub name: Option<String>,
    pub kind: Option<DonorKind>,
    pub country: MaybeUndefined<CountryCode>,
    /// At most 2000 characters.
    pub note: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct RecordContributionInput {
    pub donor: ID,
    /// The agreement's reference, unique in the fund (e.g. `DEU-2021-01`); at most 60 characters.
    pub reference: String,
    pub pledged: MoneyInput,
    /// Units of the pledge's currency per US dollar, to value it in USD; not needed for USD
    /// (and 1 if given). Greater than 0, at most 1000000000, at most ten decimal places.
    pub usd_exchange_rate: Option<Decimal>,
    /// Not in the future.
    pub pledged_on: Date,
    /// Set when the agreement is signed (not in the future); without it the contribution is a
    /// pledge.
    pub signed_on: Option<Date>,
    pub earmarking: Earmarking,
    pub earmarked_area: Option<ID>,
    /// At most 2000 characters.
    pub note: Option<String>,
    /// Chosen by the caller, 1 to 200 characters: a retry with the same key and input changes
    /// nothing.
    pub idempotency_key: String,
}

#[derive(SimpleObject)]
pub struct ContributionPayload {
    pub contribution: Option<Contribution>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct SignContributionInput {
    pub contribution: ID,
    pub expected_version: i32,
    /// Not in the future, nor before the pledge.
    pub signed_on: Date,
}

#[derive(InputObject)]
pub struct CancelContributionInput {
    pub contribution: ID,
    pub expected_version: i32,
    /// At most 2000 characters.
    pub reason: String,
}

#[derive(InputObject)]
pub struct RecordDepositInput {
    pub contribution: ID,
    pub received_on: Date,
    /// In the agreement's currency.
    pub amount: MoneyInput,
    /// Units of the currency per US dollar, as applied by the Administrative Agent: greater
    /// than 0, at most 1000000000, at most ten decimal places (1 for USD).
    pub exchange_rate: Decimal,
    /// Chosen by the caller, 1 to 200 characters: a retry with the same key and input changes
    /// nothing.
    pub idempotency_key: String,
}

#[derive(SimpleObject)]
pub struct RecordDepositPayload {
    pub deposit: Option<Deposit>,
    pub contribution: Option<Contribution>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct SubmitConceptNoteInput {
    /// At most 300 characters.
    pub title: String,
    /// At most 10000 characters.
    pub summary: String,
    pub scope: Scope,
    pub countries: Vec<CountryCode>,
    pub thematic_area: ID,
    pub objectives: Vec<ID>,
    #[graphql(default)]
    pub guiding_principles: Vec<ID>,
    pub convening: ID,
    /// The other participating organizations (at least one).
    pub participating_organizations: Vec<ID>,
    /// In US dollars: greater than 0, at most 1000000000000.00, at most two decimal places.
    pub requested_budget_usd: Decimal,
    pub duration_months: i32,
    pub markers: MarkersInput,
    /// Defaults to today.
    pub submitted_on: Option<Date>,
}

#[derive(SimpleObject)]
pub struct ConceptNotePayload {
    pub concept_note: Option<ConceptNote>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct ReviewConceptNoteInput {
    pub concept_note: ID,
    pub outcome: ReviewOutcome,
    /// Technical score, 0 to 100.
    pub score: Option<i32>,
    /// At most 10000 characters.
    pub comments: String,
}

#[derive(SimpleObject)]
pub struct ReviewConceptNotePayload {
    pub concept_note: Option<ConceptNote>,
    pub review: Option<ConceptNoteReview>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct WithdrawConceptNoteInput {
    pub concept_note: ID,
    pub expected_version: i32,
    /// At most 2000 characters.
    pub reason: String,
}

#[derive(InputObject)]
pub struct ScheduleMeetingInput {
    pub held_on: Date,
    pub kind: MeetingKind,
    /// At most 300 characters.
    pub title: String,
}

#[derive(SimpleObject)]
pub struct ScheduleMeetingPayload {
    pub meeting: Option<SteeringCommitteeMeeting>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct RecordDecisionInput {
    pub meeting: ID,
    pub kind: DecisionKind,
    /// A concept note (pipeline, funding, rejection, deferral) or a joint programme (budget
    /// revision, no-cost extension, suspension).
    pub subject: ID,
    /// For funding and budget revisions. In US dollars: greater than 0, at most
    /// 1000000000000.00, at most two decimal places.
    pub amount_usd: Option<Decimal>,
    /// For no-cost extensions.
    pub new_end_date: Option<Date>,
    /// At most 10000 characters.
    pub rationale: String,
    pub supersedes: Option<ID>,
}

#[derive(SimpleObject)]
pub struct RecordDecisionPayload {
    pub decision: Option<Decision>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct BudgetLineInput {
    pub organization: ID,
    /// In US dollars: greater than 0, at most 1000000000000.00, at most two decimal places.
    pub programmable_usd: Decimal,
    /// A fraction from 0 up to 1 (0.07 is 7%), at most six decimal places; defaults to 0.07.
    pub indirect_support_cost_rate: Option<Decimal>,
}

#[derive(InputObject)]
pub struct CreateJointProgrammeInput {
    pub concept_note: ID,
    /// Defaults to `MPTF-JP-<note number>`; at most 40 characters.
    pub code: Option<String>,
    /// Defaults to the concept note's title; at most 300 characters.
    pub title: Option<String>,
    pub start_date: Date,
    pub end_date: Date,
    pub budget_lines: Vec<BudgetLineInput>,
}

#[derive(SimpleObject)]
pub struct JointProgrammePayload {
    pub joint_programme: Option<JointProgramme>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct SetJointProgrammeStatusInput {
    pub joint_programme: ID,
    pub expected_version: i32,
    pub status: ProgrammeStatus,
    /// At most 2000 characters.
    pub reason: String,
}

#[derive(InputObject)]
pub struct RecordTransferInput {
    pub joint_programme: ID,
    pub organization: ID,
    /// The funding decision the transfer rests on.
    pub decision: ID,
    pub transferred_on: Date,
    /// In US dollars: greater than 0, at most 1000000000000.00, at most two decimal places.
    pub amount_usd: Decimal,
    /// Chosen by the caller, 1 to 200 characters: a retry with the same key and input changes
    /// nothing.
    pub idempotency_key: String,
}

#[derive(SimpleObject)]
pub struct RecordTransferPayload {
    pub transfer: Option<Transfer>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct ReportExpenditureInput {
    pub joint_programme: ID,
    /// Your own organization (the default).
    pub organization: Option<ID>,
    pub year: i32,
    /// In US dollars: from 0 up to at most 1000000000000.00, at most two decimal places.
    pub amount_usd: Decimal,
    #[graphql(name = "final", default)]
    pub is_final: bool,
    /// Chosen by the caller, 1 to 200 characters: a retry with the same key and input changes
    /// nothing.
    pub idempotency_key: String,
}

#[derive(SimpleObject)]
pub struct ReportExpenditurePayload {
    pub expenditure_report: Option<ExpenditureReport>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct AddIndicatorInput {
    pub joint_programme: ID,
    /// At most 40 characters.
    pub code: String,
    pub level: IndicatorLevel,
    /// At most 2000 characters.
    pub statement: String,
    /// At most 100 characters.
    pub unit: String,
    /// At most 999999999999999.999999 in absolute value: at most 15 digits before the decimal
    /// point and 6 after.
    pub baseline: Decimal,
    /// Differs from the baseline; at most 999999999999999.999999 in absolute value: at most 15
    /// digits before the decimal point and 6 after.
    pub target: Decimal,
    pub objective: Option<ID>,
    pub guiding_principle: Option<ID>,
}

#[derive(SimpleObject)]
pub struct AddIndicatorPayload {
    pub indicator: Option<ResultsIndicator>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct ReportIndicatorValueInput {
    pub indicator: ID,
    pub period_end: Date,
    /// At most 999999999999999.999999 in absolute value: at most 15 digits before the decimal
    /// point and 6 after.
    pub value: Decimal,
    /// At most 2000 characters.
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct ReportIndicatorValuePayload {
    pub measurement: Option<IndicatorMeasurement>,
    pub indicator: Option<ResultsIndicator>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct UpdateThematicAreaObjectivesInput {
    pub thematic_area: ID,
    pub expected_version: i32,
    /// The GCM objective numbers (1–23) the area clusters from now on.
    pub objectives: Vec<i32>,
}

#[derive(SimpleObject)]
pub struct UpdateThematicAreaObjectivesPayload {
    pub thematic_area: Option<ThematicArea>,
    pub user_errors: Vec<UserError>,
}

#[Object]
impl Mutation {
    /// Exchanges an email and password for a short-lived bearer token.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<LoginPayload> {
        let throttle = ctx.data_unchecked::<LoginThrottle>();
        // The HTTP peer; unknown on transports that do not say (they share one source).
        let source = ctx.data_opt::<ClientAddress>().and_then(|a| a.0);
        let outcome = super::check(
            ctx,
            ctx.services()
                .login(throttle, &input.email, &input.password, source)
                .await,
        )?;
        let principal = match outcome {
            LoginOutcome::Accepted(principal) => principal,
            LoginOutcome::Refused { delay } => {
                // Each consecutive failure (account known or not) answers a little later.
                tokio::time::sleep(delay).await;
                return Ok(LoginPayload {
                    token: None,
                    expires_at: None,
                    viewer: None,
                    user_errors: vec![crate::service::users::login_refused()],
                });
            }
        };
        let lifetime = ctx.data_unchecked::<super::SchemaOptions>().token_lifetime;
        let token = ctx
            .data_unchecked::<Tokens>()
            .issue(&principal, lifetime)
            .map_err(|e| super::errors::internal(&e, &ctx.actor().request_id))?;
        Ok(LoginPayload {
            token: Some(token),
            expires_at: Some(DateTime(chrono::Utc::now() + lifetime)),
            viewer: Some(Viewer(principal)),
            user_errors: Vec::new(),
        })
    }

    /// Creates an account (ADMIN; audited). An ADMIN or STEERING_COMMITTEE account cannot sign
    /// in until another administrator activates it with `activateUser`.
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> Result<CreateUserPayload> {
        let run = async {
            let new = NewUser {
                email: input.email,
                display_name: input.display_name,
                role: input.role,
                chair: input.chair,
                password: input.password,
                donor_id: input
                    .donor
                    .as_ref()
                    .map(|d| id_of(d, Kind::Donor, "donor"))
                    .transpose()?,
                organization_id: input
                    .organization
                    .as_ref()
                    .map(|o| id_of(o, Kind::Organization, "organization"))
                    .transpose()?,
            };
            users::create_user(ctx.services(), ctx.actor(), new).await
        };
        let (user, user_errors) = payload(run.await, ctx.actor())?;
        Ok(CreateUserPayload {
            user: user.map(User),
            user_errors,
        })
    }

    /// Activates an ADMIN or STEERING_COMMITTEE account that waits for a second administrator
    /// (ADMIN other than its creator; audited). `SEPARATION_OF_DUTIES` for its creator.
    async fn activate_user(
        &self,
        ctx: &Context<'_>,
        input: ActivateUserInput,
    ) -> Result<ActivateUserPayload> {
        let run = async {
            let id = id_of(&input.user, Kind::User, "user")?;
            users::activate_user(ctx.services(), ctx.actor(), id, input.expected_version).await
        };
        let (user, user_errors) = payload(run.await, ctx.actor())?;
        if let Some(user) = &user {
            // This process accepts the user's tokens at once.
            ctx.data_unchecked::<Tokens>().accounts().forget(user.id);
        }
        Ok(ActivateUserPayload {
            user: user.map(User),
            user_errors,
        })
    }

    /// Deactivates a user account (ADMIN; audited): it can no longer sign in, and its tokens
    /// stop working within a minute.
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        input: DeactivateUserInput,
    ) -> Result<DeactivateUserPayload> {
        let run = async {
            let id = id_of(&input.user, Kind::User, "user")?;
            users::deactivate_user(ctx.services(), ctx.actor(), id, input.expected_version).await
        };
        let (user, user_errors) = payload(run.await, ctx.actor())?;
        if let Some(user) = &user {
            // This process stops accepting the user's tokens at once; others within the TTL.
            ctx.data_unchecked::<Tokens>().accounts().forget(user.id);
        }
        Ok(DeactivateUserPayload {
            user: user.map(User),
            user_errors,
        })
    }

    async fn create_donor(
        &self,
        ctx: &Context<'_>,
        input: CreateDonorInput,
    ) -> Result<DonorPayload> {
        let new = NewDonor {
            name: input.name,
            kind: input.kind,
            country: input.country.map(|c| c.0),
            note: input.note,
        };
        let (donor, user_errors) = payload(
            contributions::create_donor(ctx.services(), ctx.actor(), new).await,
            ctx.actor(),
        )?;
        Ok(DonorPayload {
            donor: donor.map(Donor),
            user_errors,
        })
    }

    async fn update_donor(
        &self,
        ctx: &Context<'_>,
        input: UpdateDonorInput,
    ) -> Result<DonorPayload> {
        let run = async {
            let id = id_of(&input.id, Kind::Donor, "id")?;
            let changes = DonorChanges {
                name: input.name,
                kind: input.kind,
                country: maybe(input.country).map(|c| c.map(|c| c.0)),
                note: maybe(input.note),
            };
            contributions::update_donor(
                ctx.services(),
                ctx.actor(),
                id,
                input.expected_version,
                changes,
            )
            .await
        };
        let (donor, user_errors) = payload(run.await, ctx.actor())?;
        Ok(DonorPayload {
            donor: donor.map(Donor),
            user_errors,
        })
    }

    async fn record_contribution(
        &self,
        ctx: &Context<'_>,
        input: RecordContributionInput,
    ) -> Result<ContributionPayload> {
        let run = async {
            let new = NewContribution {
                donor_id: id_of(&input.donor, Kind::Donor, "donor")?,
                reference: input.reference,
                currency: input.pledged.currency.0,
                amount: input.pledged.amount.0,
                usd_exchange_rate: input.usd_exchange_rate.map(|r| r.0),
                pledged_on: input.pledged_on.0,
                signed_on: input.signed_on.map(|d| d.0),
                earmarking: input.earmarking,
                earmarked_area_id: input
                    .earmarked_area
                    .as_ref()
                    .map(|a| id_of(a, Kind::ThematicArea, "earmarkedArea"))
                    .transpose()?,
                note: input.note,
            };
            contributions::record_contribution(
                ctx.services(),
                ctx.actor(),
                new,
                &input.idempotency_key,
            )
            .await
        };
        let (contribution, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ContributionPayload {
            contribution: contribution.map(Contribution),
            user_errors,
        })
    }

    /// Records that a pledge became a signed agreement.
    async fn sign_contribution(
        &self,
        ctx: &Context<'_>,
        input: SignContributionInput,
    ) -> Result<ContributionPayload> {
        let run = async {
            let id = id_of(&input.contribution, Kind::Contribution, "contribution")?;
            contributions::sign_contribution(
                ctx.services(),
                ctx.actor(),
                id,
                input.expected_version,
                input.signed_on.0,
            )
            .await
        };
        let (contribution, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ContributionPayload {
            contribution: contribution.map(Contribution),
            user_errors,
        })
    }

    async fn cancel_contribution(
        &self,
        ctx: &Context<'_>,
        input: CancelContributionInput,
    ) -> Result<ContributionPayload> {
        let run = async {
            let id = id_of(&input.contribution, Kind::Contribution, "contribution")?;
            contributions::cancel_contribution(
                ctx.services(),
                ctx.actor(),
                id,
                input.expected_version,
                &input.reason,
            )
            .await
        };
        let (contribution, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ContributionPayload {
            contribution: contribution.map(Contribution),
            user_errors,
        })
    }

    async fn record_deposit(
        &self,
        ctx: &Context<'_>,
        input: RecordDepositInput,
    ) -> Result<RecordDepositPayload> {
        let run = async {
            let new = NewDeposit {
                contribution_id: id_of(&input.contribution, Kind::Contribution, "contribution")?,
                received_on: input.received_on.0,
                currency: input.amount.currency.0,
                amount: input.amount.amount.0,
                exchange_rate: input.exchange_rate.0,
            };
            contributions::record_deposit(ctx.services(), ctx.actor(), new, &input.idempotency_key)
                .await
        };
        let (deposited, user_errors) = payload(run.await, ctx.actor())?;
        let (deposit, contribution) = deposited
            .map(|d| (Some(Deposit(d.deposit)), Some(Contribution(d.contribution))))
            .unwrap_or((None, None));
        Ok(RecordDepositPayload {
            deposit,
            contribution,
            user_errors,
        })
    }

    async fn submit_concept_note(
        &self,
        ctx: &Context<'_>,
        input: SubmitConceptNoteInput,
    ) -> Result<ConceptNotePayload> {
        let run = async {
            let new = NewConceptNote {
                title: input.title,
                summary: input.summary,
                scope: input.scope,
                countries: input.countries.into_iter().map(|c| c.0).collect(),
                thematic_area_id: id_of(&input.thematic_area, Kind::ThematicArea, "thematicArea")?,
                objective_ids: ids_of(&input.objectives, Kind::GcmObjective, "objectives")?,
                principle_ids: ids_of(
                    &input.guiding_principles,
                    Kind::GuidingPrinciple,
                    "guidingPrinciples",
                )?,
                convening_organization_id: id_of(
                    &input.convening,
                    Kind::Organization,
                    "convening",
                )?,
                participating_organization_ids: ids_of(
                    &input.participating_organizations,
                    Kind::Organization,
                    "participatingOrganizations",
                )?,
                requested_budget_usd: input.requested_budget_usd.0,
                duration_months: input.duration_months,
                gender_marker: input.markers.gender,
                human_rights_marker: input.markers.human_rights,
                child_sensitivity_marker: input.markers.child_sensitivity,
                submitted_on: input.submitted_on.map(|d| d.0),
            };
            notes::submit_concept_note(ctx.services(), ctx.actor(), new).await
        };
        let (note, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ConceptNotePayload {
            concept_note: note.map(ConceptNote),
            user_errors,
        })
    }

    async fn review_concept_note(
        &self,
        ctx: &Context<'_>,
        input: ReviewConceptNoteInput,
    ) -> Result<ReviewConceptNotePayload> {
        let run = async {
            let id = id_of(&input.concept_note, Kind::ConceptNote, "conceptNote")?;
            notes::review_concept_note(
                ctx.services(),
                ctx.actor(),
                id,
                input.outcome,
                input.score,
                &input.comments,
            )
            .await
        };
        let (result, user_errors) = payload(run.await, ctx.actor())?;
        let (note, review) = result
            .map(|(n, r)| (Some(n), Some(r)))
            .unwrap_or((None, None));
        Ok(ReviewConceptNotePayload {
            concept_note: note.map(ConceptNote),
            review: review.map(ConceptNoteReview),
            user_errors,
        })
    }

    async fn withdraw_concept_note(
        &self,
        ctx: &Context<'_>,
        input: WithdrawConceptNoteInput,
    ) -> Result<ConceptNotePayload> {
        let run = async {
            let id = id_of(&input.concept_note, Kind::ConceptNote, "conceptNote")?;
            notes::withdraw_concept_note(
                ctx.services(),
                ctx.actor(),
                id,
                input.expected_version,
                &input.reason,
            )
            .await
        };
        let (note, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ConceptNotePayload {
            concept_note: note.map(ConceptNote),
            user_errors,
        })
    }

    async fn schedule_meeting(
        &self,
        ctx: &Context<'_>,
        input: ScheduleMeetingInput,
    ) -> Result<ScheduleMeetingPayload> {
        let result = governance::schedule_meeting(
            ctx.services(),
            ctx.actor(),
            input.held_on.0,
            input.kind,
            &input.title,
        )
        .await;
        let (meeting, user_errors) = payload(result, ctx.actor())?;
        Ok(ScheduleMeetingPayload {
            meeting: meeting.map(SteeringCommitteeMeeting),
            user_errors,
        })
    }

    /// Records a decision of the steering committee (the only role that decides).
    async fn record_decision(
        &self,
        ctx: &Context<'_>,
        input: RecordDecisionInput,
    ) -> Result<RecordDecisionPayload> {
        let run = async {
            let subject = match ids::decode_any(&input.subject) {
                Some((Kind::ConceptNote, key)) => {
                    key.parse().ok().map(DecisionSubject::ConceptNote)
                }
                Some((Kind::JointProgramme, key)) => {
                    key.parse().ok().map(DecisionSubject::JointProgramme)
                }
                _ => None,
            }
            .ok_or_else(|| {
                UserError::new(
                    UserErrorCode::NotFound,
                    &["subject"],
                    "the subject is the id of a concept note or a joint programme",
                )
            })?;
            let new = NewDecision {
                meeting_id: id_of(&input.meeting, Kind::SteeringCommitteeMeeting, "meeting")?,
                kind: input.kind,
                subject,
                amount_usd: input.amount_usd.map(|a| a.0),
                new_end_date: input.new_end_date.map(|d| d.0),
                rationale: input.rationale,
                supersedes_id: input
                    .supersedes
                    .as_ref()
                    .map(|s| id_of(s, Kind::Decision, "supersedes"))
                    .transpose()?,
            };
            governance::record_decision(ctx.services(), ctx.actor(), new).await
        };
        let (decision, user_errors) = payload(run.await, ctx.actor())?;
        Ok(RecordDecisionPayload {
            decision: decision.map(Decision),
            user_errors,
        })
    }

    async fn create_joint_programme(
        &self,
        ctx: &Context<'_>,
        input: CreateJointProgrammeInput,
    ) -> Result<JointProgrammePayload> {
        let run = async {
            let mut lines = Vec::with_capacity(input.budget_lines.len());
            for line in &input.budget_lines {
                lines.push(NewBudgetLine {
                    organization_id: id_of(&line.organization, Kind::Organization, "budgetLines")?,
                    programmable_usd: line.programmable_usd.0,
                    indirect_support_cost_rate: line.indirect_support_cost_rate.map(|r| r.0),
                });
            }
            let new = NewJointProgramme {
                concept_note_id: id_of(&input.concept_note, Kind::ConceptNote, "conceptNote")?,
                code: input.code,
                title: input.title,
                start_date: input.start_date.0,
                end_date: input.end_date.0,
                budget_lines: lines,
            };
            programmes::create_joint_programme(ctx.services(), ctx.actor(), new).await
        };
        let (programme, user_errors) = payload(run.await, ctx.actor())?;
        Ok(JointProgrammePayload {
            joint_programme: programme.map(JointProgramme),
            user_errors,
        })
    }

    async fn set_joint_programme_status(
        &self,
        ctx: &Context<'_>,
        input: SetJointProgrammeStatusInput,
    ) -> Result<JointProgrammePayload> {
        let run = async {
            let id = id_of(
                &input.joint_programme,
                Kind::JointProgramme,
                "jointProgramme",
            )?;
            programmes::set_joint_programme_status(
                ctx.services(),
                ctx.actor(),
                id,
                input.expected_version,
                input.status,
                &input.reason,
            )
            .await
        };
        let (programme, user_errors) = payload(run.await, ctx.actor())?;
        Ok(JointProgrammePayload {
            joint_programme: programme.map(JointProgramme),
            user_errors,
        })
    }

    async fn record_transfer(
        &self,
        ctx: &Context<'_>,
        input: RecordTransferInput,
    ) -> Result<RecordTransferPayload> {
        let run = async {
            let new = NewTransfer {
                joint_programme_id: id_of(
                    &input.joint_programme,
                    Kind::JointProgramme,
                    "jointProgramme",
                )?,
                organization_id: id_of(&input.organization, Kind::Organization, "organization")?,
                decision_id: id_of(&input.decision, Kind::Decision, "decision")?,
                transferred_on: input.transferred_on.0,
                amount_usd: input.amount_usd.0,
            };
            programmes::record_transfer(ctx.services(), ctx.actor(), new, &input.idempotency_key)
                .await
        };
        let (transfer, user_errors) = payload(run.await, ctx.actor())?;
        Ok(RecordTransferPayload {
            transfer: transfer.map(Transfer),
            user_errors,
        })
    }

    async fn report_expenditure(
        &self,
        ctx: &Context<'_>,
        input: ReportExpenditureInput,
    ) -> Result<ReportExpenditurePayload> {
        let run = async {
            let new = NewExpenditure {
                joint_programme_id: id_of(
                    &input.joint_programme,
                    Kind::JointProgramme,
                    "jointProgramme",
                )?,
                organization_id: input
                    .organization
                    .as_ref()
                    .map(|o| id_of(o, Kind::Organization, "organization"))
                    .transpose()?,
                year: input.year,
                amount_usd: input.amount_usd.0,
                is_final: input.is_final,
            };
            programmes::report_expenditure(ctx.services(), ctx.actor(), new, &input.idempotency_key)
                .await
        };
        let (report, user_errors) = payload(run.await, ctx.actor())?;
        Ok(ReportExpenditurePayload {
            expenditure_report: report.map(ExpenditureReport),
            user_errors,
        })
    }

    async fn add_indicator(
        &self,
        ctx: &Context<'_>,
        input: AddIndicatorInput,
    ) -> Result<AddIndicatorPayload> {
        let run = async {
            let new = NewIndicator {
                joint_programme_id: id_of(
                    &input.joint_programme,
                    Kind::JointProgramme,
                    "jointProgramme",
                )?,
                code: input.code,
                level: input.level,
                statement: input.statement,
                unit: input.unit,
                baseline: input.baseline.0,
                target: input.target.0,
                objective_id: input
                    .objective
                    .as_ref()
                    .map(|o| id_of(o, Kind::GcmObjective, "objective"))
                    .transpose()?,
                guiding_principle_id: input
                    .guiding_principle
                    .as_ref()
                    .map(|p| id_of(p, Kind::GuidingPrinciple, "guidingPrinciple"))
                    .transpose()?,
            };
            programmes::add_indicator(ctx.services(), ctx.actor(), new).await
        };
        let (indicator, user_errors) = payload(run.await, ctx.actor())?;
        Ok(AddIndicatorPayload {
            indicator: indicator.map(ResultsIndicator),
            user_errors,
        })
    }

    async fn report_indicator_value(
        &self,
        ctx: &Context<'_>,
        input: ReportIndicatorValueInput,
    ) -> Result<ReportIndicatorValuePayload> {
        let run = async {
            let id = id_of(&input.indicator, Kind::ResultsIndicator, "indicator")?;
            programmes::report_indicator_value(
                ctx.services(),
                ctx.actor(),
                id,
                input.period_end.0,
                input.value.0,
                input.note,
            )
            .await
        };
        let (measured, user_errors) = payload(run.await, ctx.actor())?;
        let (measurement, indicator) = measured
            .map(|m| {
                (
                    Some(IndicatorMeasurement(m.measurement)),
                    Some(ResultsIndicator(m.indicator)),
                )
            })
            .unwrap_or((None, None));
        Ok(ReportIndicatorValuePayload {
            measurement,
            indicator,
            user_errors,
        })
    }

    /// Corrects which GCM objectives a thematic area clusters (ADMIN; audited).
    async fn update_thematic_area_objectives(
        &self,
        ctx: &Context<'_>,
        input: UpdateThematicAreaObjectivesInput,
    ) -> Result<UpdateThematicAreaObjectivesPayload> {
        let run = async {
            let id = id_of(&input.thematic_area, Kind::ThematicArea, "thematicArea")?;
            catalogue::update_thematic_area_objectives(
                ctx.services(),
                ctx.actor(),
                id,
                &input.objectives,
                input.expected_version,
            )
            .await
        };
        let (area, user_errors) = payload(run.await, ctx.actor())?;
        Ok(UpdateThematicAreaObjectivesPayload {
            thematic_area: area.map(ThematicArea),
            user_errors,
        })
    }
}

/// `MaybeUndefined` as "change to this (maybe null)" or "leave alone".
fn maybe<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}
