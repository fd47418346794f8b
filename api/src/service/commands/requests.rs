//! Requests from participating organizations: a programme's convening organization asks the
//! steering committee for a no-cost extension, a budget revision or its next tranche, with a
//! justification (`submitProgrammeRequest`); the Fund Management Unit puts it on the agenda of a
//! meeting not yet held or a written procedure still open (`putRequestOnAgenda`); a decision of
//! the committee answers it (`recordDecision` with `answers`, see [`link_answer`]) and the request
//! is `ANSWERED` once that decision is adopted ([`settle_answer`]). Until then it may be
//! withdrawn (`withdrawProgrammeRequest`). Reads are in `service::requests`.

use crate::domain::{
    DecisionKind, DecisionStatus, MeetingKind, PortfolioEventKind, ProgrammeStatus, RequestKind,
    RequestOutcome, RequestStatus, Role, Text, Usd, UserError, UserErrorCode,
};
use crate::ids::Kind;
use crate::service::envelope::{Command, Effect};
use crate::service::events::NewEvent;
use crate::service::policy::Audience;
use crate::service::requests::organizations_of_programme;
use crate::service::{lock_row, Ctx, ServiceError, ServiceResult, Services};
use chrono::NaiveDate;
use entity::{decision, joint_programme, programme_request, steering_committee_meeting};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};
use serde::Serialize;

impl RequestKind {
    /// The kind of decision that answers a request of this kind. A tranche is money the
    /// committee allocates to the programme: in the fund's books that is a `BUDGET_REVISION`
    /// decision (an allocation to a programme that exists), on which the transfers then rest.
    pub fn answered_by(self) -> DecisionKind {
        match self {
            RequestKind::NoCostExtension => DecisionKind::NoCostExtension,
            RequestKind::BudgetRevision | RequestKind::Tranche => DecisionKind::BudgetRevision,
        }
    }
}

#[derive(Serialize, Clone, Debug)]
pub struct NewProgrammeRequest {
    pub joint_programme_id: i64,
    pub kind: RequestKind,
    pub justification: String,
    pub new_end_date: Option<NaiveDate>,
    pub amount_usd: Option<Decimal>,
}

/// What a decision answers: a request, and how (`recordDecision`'s `answers`).
#[derive(Serialize, Clone, Copy, Debug)]
pub struct RequestAnswer {
    pub request_id: i64,
    pub outcome: RequestOutcome,
}

/// Submits a request to the steering committee on a joint programme (PUNO: the programme's
/// convening organization; ADMIN on its behalf): a no-cost extension states a new end date
/// later than the current one, a budget revision or a tranche an amount in US dollars. Not on a
/// programme that is closed.
pub async fn submit_programme_request(
    fund: &Services,
    ctx: &Ctx,
    input: NewProgrammeRequest,
) -> ServiceResult<programme_request::Model> {
    let command = Command::new(
        ctx,
        "submitProgrammeRequest",
        &[Role::Puno, Role::Admin],
        "submit requests to the steering committee: a programme's convening organization does, or the Fund Management Unit on its behalf",
    )?;
    let principal = command.principal();
    let justification = Text::Justification.required(&input.justification, "justification")?;
    let amount = match (input.kind, input.amount_usd, input.new_end_date) {
        (RequestKind::NoCostExtension, Some(_), _) => {
            return Err(UserError::validation(
                "amountUsd",
                "a no-cost extension asks for no money: leave the amount out",
            )
            .into())
        }
        (RequestKind::NoCostExtension, None, None) => {
            return Err(UserError::validation(
                "newEndDate",
                "a no-cost extension states the new end date it asks for",
            )
            .into())
        }
        (RequestKind::NoCostExtension, None, Some(_)) => None,
        (_, _, Some(_)) => {
            return Err(UserError::validation(
                "newEndDate",
                "only a no-cost extension asks for a new end date",
            )
            .into())
        }
        (kind, None, None) => {
            let message = format!("a {kind} request states the amount it asks for, in US dollars");
            return Err(UserError::validation("amountUsd", message).into());
        }
        (_, Some(amount), None) => Some(Usd::parse_positive(amount, "amountUsd")?),
    };
    command
        .run(fund, async |txn, effect| {
            let programme = joint_programme::Entity::find_by_id(input.joint_programme_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("jointProgramme", "joint programme"))?;
            if !principal.acts_for(programme.convening_organization_id)
            {
                return Err(ServiceError::Forbidden(
                    "submit this programme's requests to the steering committee: its convening organization does".to_owned(),
                ));
            }
            let status = ProgrammeStatus::from_stored(&programme.status)?;
            if matches!(
                status,
                ProgrammeStatus::OperationallyClosed | ProgrammeStatus::FinanciallyClosed
            ) {
                let message = format!("the programme is {status}: it asks the committee for nothing more");
                return Err(UserError::new(UserErrorCode::InvalidTransition, &["jointProgramme"], message).into());
            }
            if let Some(end) = input.new_end_date {
                if end <= programme.end_date {
                    let message = format!(
                        "an extension asks for an end date later than the current one, {}",
                        programme.end_date
                    );
                    return Err(UserError::validation("newEndDate", message).into());
                }
            }
            let created = programme_request::ActiveModel {
                joint_programme_id: Set(programme.id),
                organization_id: Set(programme.convening_organization_id),
                kind: Set(input.kind.as_str().to_owned()),
                justification: Set(justification),
                new_end_date: Set(input.new_end_date),
                amount_usd_cents: Set(amount.map(Usd::cents)),
                requested_by: Set(principal.subject.clone()),
                requested_at: Set(chrono::Utc::now()),
                status: Set(RequestStatus::Submitted.as_str().to_owned()),
                version: Set(1),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            effect.created((Kind::ProgrammeRequest, created.id), &created);
            let what = match amount {
                Some(amount) => format!("{} of {amount}", input.kind),
                None => format!("{} to {}", input.kind, created.new_end_date.unwrap_or(programme.end_date)),
            };
            let summary = format!("Joint programme {} requests a {what}", programme.code);
            announce(txn, effect, &created, summary).await?;
            Ok(created)
        })
        .await
}

/// Puts a request on the agenda of a meeting not yet held, or of a written procedure whose
/// no-objection deadline has not passed (ADMIN, as the committee's secretariat). A request on an
/// agenda may be moved to another (a written procedure objected to goes to a meeting), until a
/// decision answers it.
pub async fn put_request_on_agenda(
    fund: &Services,
    ctx: &Ctx,
    request_id: i64,
    meeting_id: i64,
) -> ServiceResult<programme_request::Model> {
    let command = Command::new(
        ctx,
        "putRequestOnAgenda",
        &[Role::Admin],
        "put requests on the steering committee's agenda: the Fund Management Unit keeps it",
    )?;
    command
        .run(fund, async |txn, effect| {
            let request = open_request(txn, request_id, "request").await?;
            let meeting = steering_committee_meeting::Entity::find_by_id(meeting_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("meeting", "steering committee meeting"))?;
            if meeting.held_on < chrono::Utc::now().date_naive() {
                let message = match MeetingKind::from_stored(&meeting.kind)? {
                    MeetingKind::Meeting => format!("this meeting was held on {}: put the request on a meeting to come", meeting.held_on),
                    MeetingKind::WrittenProcedure => format!("this written procedure closed on {}: put the request on one still open, or a meeting to come", meeting.held_on),
                };
                return Err(UserError::validation("meeting", message).into());
            }
            let mut row: programme_request::ActiveModel = request.clone().into();
            row.meeting_id = Set(Some(meeting.id));
            row.status = Set(RequestStatus::OnAgenda.as_str().to_owned());
            let after = row.update(txn).await?;
            effect.changed((Kind::ProgrammeRequest, request_id), &request, &after);
            let summary = format!(
                "A {} request is on the agenda of \"{}\" ({})",
                request.kind, meeting.title, meeting.held_on
            );
            announce(txn, effect, &after, summary).await?;
            Ok(after)
        })
        .await
}

/// Withdraws a request not answered yet (PUNO: the organization that made it; ADMIN), while no
/// decision answering it awaits confirmation.
pub async fn withdraw_programme_request(
    fund: &Services,
    ctx: &Ctx,
    request_id: i64,
) -> ServiceResult<programme_request::Model> {
    let command = Command::new(
        ctx,
        "withdrawProgrammeRequest",
        &[Role::Puno, Role::Admin],
        "withdraw requests to the steering committee: the organization that made one does, or the Fund Management Unit",
    )?;
    let principal = command.principal();
    command
        .run(fund, async |txn, effect| {
            let request = programme_request::Entity::find_by_id(request_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("request", "programme request"))?;
            if !principal.acts_for(request.organization_id) {
                return Err(ServiceError::Forbidden(
                    "withdraw this request: the organization that made it does".to_owned(),
                ));
            }
            let request = open_request(txn, request_id, "request").await?;
            let mut row: programme_request::ActiveModel = request.clone().into();
            row.status = Set(RequestStatus::Withdrawn.as_str().to_owned());
            row.withdrawn_by = Set(Some(principal.subject.clone()));
            row.withdrawn_at = Set(Some(chrono::Utc::now()));
            let after = row.update(txn).await?;
            effect.changed((Kind::ProgrammeRequest, request_id), &request, &after);
            let summary = format!("A {} request was withdrawn", request.kind);
            announce(txn, effect, &after, summary).await?;
            Ok(after)
        })
        .await
}

/// The request `id`, locked, provided it is still open: not answered, not withdrawn, and no
/// decision answering it awaits confirmation (one objected to leaves it open).
async fn open_request(
    txn: &DatabaseTransaction,
    id: i64,
    field: &str,
) -> ServiceResult<programme_request::Model> {
    let request = lock_row::<programme_request::Entity>(txn, id)
        .await?
        .ok_or_else(|| UserError::not_found(field, "programme request"))?;
    match RequestStatus::from_stored(&request.status)? {
        RequestStatus::Submitted | RequestStatus::OnAgenda => {}
        status => {
            let message = format!("this request is {status}: nothing more is done with it");
            return Err(UserError::new(UserErrorCode::InvalidTransition, &[field], message).into());
        }
    }
    if let Some(answering) = request.decision_id {
        let answering = decision::Entity::find_by_id(answering)
            .one(txn)
            .await?
            .ok_or_else(|| anyhow::anyhow!("request {id} names no decision"))?;
        if answering.status == DecisionStatus::Pending.as_str() {
            return Err(UserError::new(
                UserErrorCode::InvalidTransition,
                &[field],
                "a decision answering this request awaits the chair's confirmation or its written procedure's deadline",
            )
            .into());
        }
    }
    Ok(request)
}

/// Links the decision just recorded to the request it answers, checking that it fits: taken on
/// the request's programme, of the kind that answers the request's kind, stating what was asked
/// (`APPROVED`, and `REFUSED`: what it refuses) or less (`PARTLY_APPROVED`: less money, an
/// earlier end date). The request goes on the agenda of the decision's meeting; it is answered
/// once the decision takes effect ([`settle_answer`]).
pub async fn link_answer(
    txn: &DatabaseTransaction,
    effect: &mut Effect,
    decision: &decision::Model,
    answer: RequestAnswer,
) -> ServiceResult<()> {
    let request = open_request(txn, answer.request_id, "answers").await?;
    if decision.joint_programme_id != Some(request.joint_programme_id) {
        return Err(UserError::validation(
            "subject",
            "a decision answering a request is taken on the request's programme",
        )
        .into());
    }
    let kind = RequestKind::from_stored(&request.kind)?;
    if decision.kind != kind.answered_by().as_str() {
        let message = format!(
            "a {kind} request is answered by a {} decision, not a {} one",
            kind.answered_by(),
            decision.kind
        );
        return Err(UserError::validation("kind", message).into());
    }
    match kind {
        RequestKind::NoCostExtension => fits(
            answer.outcome,
            request.new_end_date,
            decision.new_end_date,
            "newEndDate",
            "an earlier end date",
        )?,
        RequestKind::BudgetRevision | RequestKind::Tranche => fits(
            answer.outcome,
            request.amount_usd_cents,
            decision.amount_usd_cents,
            "amountUsd",
            "less money",
        )?,
    }
    let mut row: programme_request::ActiveModel = request.clone().into();
    row.decision_id = Set(Some(decision.id));
    row.outcome = Set(Some(answer.outcome.as_str().to_owned()));
    row.meeting_id = Set(Some(decision.meeting_id));
    row.status = Set(RequestStatus::OnAgenda.as_str().to_owned());
    let after = row.update(txn).await?;
    effect.changed((Kind::ProgrammeRequest, request.id), &request, &after);
    Ok(())
}

/// Whether what a decision grants (`decided`) answers what was asked as `outcome` says: the
/// same for an approval or a refusal (what it refuses), less for a partial approval.
fn fits<T: Ord>(
    outcome: RequestOutcome,
    asked: Option<T>,
    decided: Option<T>,
    field: &str,
    less: &str,
) -> Result<(), UserError> {
    let fitting = match (asked, decided) {
        (Some(asked), Some(decided)) if outcome == RequestOutcome::PartlyApproved => {
            decided < asked
        }
        (Some(asked), Some(decided)) => decided == asked,
        _ => false,
    };
    if fitting {
        return Ok(());
    }
    let message = match outcome {
        RequestOutcome::PartlyApproved => {
            format!("a partial approval grants {less} than the request asked for")
        }
        outcome => format!("an answer {outcome} states what the request asked for"),
    };
    Err(UserError::validation(field, message))
}

/// The request a decision answers, if any.
pub async fn answered_by<C: ConnectionTrait>(
    db: &C,
    decision_id: i64,
) -> ServiceResult<Option<programme_request::Model>> {
    Ok(programme_request::Entity::find()
        .filter(programme_request::Column::DecisionId.eq(decision_id))
        .one(db)
        .await?)
}

/// Whether the decision refuses the request it answers: then it changes nothing, and nothing
/// rests on it.
pub async fn refuses<C: ConnectionTrait>(db: &C, decision_id: i64) -> ServiceResult<bool> {
    Ok(answered_by(db, decision_id).await?.is_some_and(|request| {
        request.outcome.as_deref() == Some(RequestOutcome::Refused.as_str())
    }))
}

/// The decision answering `request` took effect on `adopted_on`: the request is `ANSWERED`.
pub async fn settle_answer(
    txn: &DatabaseTransaction,
    effect: &mut Effect,
    request: &programme_request::Model,
    adopted_on: NaiveDate,
) -> ServiceResult<()> {
    let request = lock_row::<programme_request::Entity>(txn, request.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("request {} vanished", request.id))?;
    let mut row: programme_request::ActiveModel = request.clone().into();
    row.status = Set(RequestStatus::Answered.as_str().to_owned());
    row.answered_on = Set(Some(adopted_on));
    let after = row.update(txn).await?;
    effect.changed((Kind::ProgrammeRequest, request.id), &request, &after);
    Ok(())
}

/// Announces a change to a request to those who may read it: the fund's staff, the committee,
/// auditors and the programme's organizations.
async fn announce(
    txn: &DatabaseTransaction,
    effect: &mut Effect,
    request: &programme_request::Model,
    summary: String,
) -> ServiceResult<()> {
    let organizations = organizations_of_programme(txn, request.joint_programme_id).await?;
    let event = NewEvent::new(
        PortfolioEventKind::ProgrammeRequest,
        (Kind::ProgrammeRequest, request.id),
        summary,
    );
    effect.announce(event.for_audience(Audience::Organizations(organizations)));
    Ok(())
}
