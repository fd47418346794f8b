//! Calls for concept notes and what the fund asks of a note while it waits for money
//! (docs/calls.md): the Fund Management Unit announces a call and may extend its window; the
//! governments that endorse a note are recorded country by country; a note whose joint
//! programme document is endorsed is ready for implementation. Which call a note answers is
//! decided on submission (`commands::notes::submit_concept_note`, asking
//! [`crate::domain::calls::CallTerms::admits`]).

use crate::domain::calls;
use crate::domain::{
    ConceptNoteStatus, PortfolioEventKind, Role, Scope, Text, Usd, UserError, UserErrorCode,
};
use crate::ids::Kind;
use crate::service::calls::call_terms;
use crate::service::concept_notes::{expect_all, organization_ids_of};
use crate::service::envelope::Command;
use crate::service::events::NewEvent;
use crate::service::{claim_version, lock_row, Ctx, ServiceError, ServiceResult, Services};
use chrono::{Datelike, NaiveDate};
use entity::{
    call_for_concept_notes, call_scope, call_thematic_area, concept_note, concept_note_country,
    concept_note_endorsement, thematic_area,
};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Serialize, Clone, Debug)]
pub struct NewCall {
    pub title: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub envelope_usd: Decimal,
    pub thematic_area_ids: Vec<i64>,
    pub scopes: Vec<Scope>,
    pub max_budget_usd: Option<Decimal>,
    pub eligibility: String,
}

/// Announces a call for concept notes (ADMIN): a window that closes on or after it opens, an
/// indicative envelope, at least one thematic area and one scope invited, and a ceiling per
/// note within the envelope. Its reference is made of the opening year and its number
/// (`MPTF-CALL-2020-02`).
pub async fn announce_call(
    fund: &Services,
    ctx: &Ctx,
    input: NewCall,
) -> ServiceResult<call_for_concept_notes::Model> {
    let command = Command::new(
        ctx,
        "announceCall",
        &[Role::Admin],
        "announce calls for concept notes: the Fund Management Unit runs the calls",
    )?;
    let principal = command.principal();
    let title = Text::Title.required(&input.title, "title")?;
    let eligibility = Text::Summary.required(&input.eligibility, "eligibility")?;
    if input.closes_on < input.opens_on {
        return Err(UserError::validation(
            "closesOn",
            format!("a call closes on or after it opens ({})", input.opens_on),
        )
        .into());
    }
    let envelope = Usd::parse_positive(input.envelope_usd, "envelopeUsd")?;
    let ceiling = input
        .max_budget_usd
        .map(|amount| Usd::parse_positive(amount, "maxBudgetUsd"))
        .transpose()?;
    if ceiling.is_some_and(|ceiling| ceiling > envelope) {
        let message =
            format!("one note may not request more than the call's envelope of {envelope}");
        return Err(UserError::validation("maxBudgetUsd", message).into());
    }
    let areas: BTreeSet<i64> = input.thematic_area_ids.iter().copied().collect();
    if areas.is_empty() {
        return Err(UserError::validation(
            "thematicAreas",
            "a call invites at least one thematic area",
        )
        .into());
    }
    let scopes: BTreeSet<&'static str> = input.scopes.iter().map(|s| s.as_str()).collect();
    if scopes.is_empty() {
        return Err(UserError::validation("scopes", "a call invites at least one scope").into());
    }
    command
        .run(fund, async |txn, effect| {
            expect_all::<thematic_area::Entity, _>(txn, thematic_area::Column::Id, &areas, "thematicAreas", "thematic area").await?;
            let created = call_for_concept_notes::ActiveModel {
                // Replaced by a reference made of the id, just below.
                reference: Set(format!("pending-{}", uuid::Uuid::new_v4())),
                title: Set(title),
                opens_on: Set(input.opens_on),
                closes_on: Set(input.closes_on),
                envelope_usd_cents: Set(envelope.cents()),
                max_budget_usd_cents: Set(ceiling.map(Usd::cents)),
                eligibility: Set(eligibility),
                announced_by: Set(principal.subject.clone()),
                announced_at: Set(chrono::Utc::now()),
                version: Set(1),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            let mut row: call_for_concept_notes::ActiveModel = created.clone().into();
            row.reference = Set(format!("MPTF-CALL-{}-{:02}", created.opens_on.year(), created.id));
            let created = row.update(txn).await?;
            call_thematic_area::Entity::insert_many(areas.iter().map(|area| call_thematic_area::ActiveModel {
                call_id: Set(created.id),
                thematic_area_id: Set(*area),
            }))
            .exec(txn)
            .await?;
            call_scope::Entity::insert_many(scopes.iter().map(|scope| call_scope::ActiveModel {
                call_id: Set(created.id),
                scope: Set((*scope).to_owned()),
            }))
            .exec(txn)
            .await?;
            effect.audit(
                (Kind::Call, created.id),
                None,
                serde_json::json!({ "call": crate::service::audit::snapshot(&created), "thematicAreas": areas, "scopes": scopes }),
            );
            let summary = format!("Call {} announced: {}, open {} to {}", created.reference, created.title, created.opens_on, created.closes_on);
            effect.announce(NewEvent::new(PortfolioEventKind::Call, (Kind::Call, created.id), summary));
            Ok(created)
        })
        .await
}

/// Extends a call's window (ADMIN): a later closing date, while the call has not closed.
pub async fn extend_call(
    fund: &Services,
    ctx: &Ctx,
    call_id: i64,
    expected_version: i32,
    closes_on: NaiveDate,
) -> ServiceResult<call_for_concept_notes::Model> {
    let command = Command::new(
        ctx,
        "extendCall",
        &[Role::Admin],
        "extend calls for concept notes: the Fund Management Unit runs the calls",
    )?;
    command
        .run(fund, async |txn, effect| {
            let before = call_for_concept_notes::Entity::find_by_id(call_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("call", "call for concept notes"))?;
            let today = chrono::Utc::now().date_naive();
            if today > before.closes_on {
                let message = format!(
                    "the call {} closed on {}: announce a new call instead",
                    before.reference, before.closes_on
                );
                return Err(
                    UserError::new(UserErrorCode::InvalidTransition, &["call"], message).into(),
                );
            }
            if closes_on <= before.closes_on {
                let message = format!(
                    "an extension closes the call later than {}",
                    before.closes_on
                );
                return Err(UserError::validation("closesOn", message).into());
            }
            claim_version::<call_for_concept_notes::Entity>(
                txn,
                call_id,
                before.version,
                expected_version,
            )
            .await?;
            let mut row: call_for_concept_notes::ActiveModel = before.clone().into();
            row.closes_on = Set(closes_on);
            row.version = Set(before.version + 1);
            let after = row.update(txn).await?;
            effect.changed((Kind::Call, call_id), &before, &after);
            let summary = format!(
                "Call {} extended: now closes on {closes_on}",
                after.reference
            );
            effect.announce(NewEvent::new(
                PortfolioEventKind::Call,
                (Kind::Call, call_id),
                summary,
            ));
            Ok(after)
        })
        .await
}

/// Records that a country's government endorsed a concept note (ADMIN, or the note's convening
/// organization): a country the note covers, once, on a day not in the future, while the note
/// is still in the programming cycle (not screened out, rejected or withdrawn).
pub async fn record_government_endorsement(
    fund: &Services,
    ctx: &Ctx,
    note_id: i64,
    country: &str,
    endorsed_on: NaiveDate,
) -> ServiceResult<concept_note_endorsement::Model> {
    let command = Command::new(
        ctx,
        "recordGovernmentEndorsement",
        &[Role::Admin, Role::Puno],
        "record governments' endorsements of concept notes",
    )?;
    let principal = command.principal();
    let country = country.trim().to_uppercase();
    if endorsed_on > chrono::Utc::now().date_naive() {
        return Err(UserError::validation(
            "endorsedOn",
            "an endorsement cannot be dated in the future",
        )
        .into());
    }
    command
        .run(fund, async |txn, effect| {
            let note = lock_row::<concept_note::Entity>(txn, note_id)
                .await?
                .ok_or_else(|| UserError::not_found("conceptNote", "concept note"))?;
            if !principal.acts_for(note.convening_organization_id) {
                return Err(ServiceError::Forbidden(
                    "record this note's endorsements: its convening organization or the Fund Management Unit does".to_owned(),
                ));
            }
            let status = ConceptNoteStatus::from_stored(&note.status)?;
            if !still_in_cycle(status) {
                let message = format!("the concept note is {status}: it takes no more endorsements");
                return Err(UserError::new(UserErrorCode::InvalidTransition, &["conceptNote"], message).into());
            }
            if !covered(txn, note_id).await?.contains(&country) {
                let message = format!("the concept note {} does not cover {country}", note.reference);
                return Err(UserError::validation("country", message).into());
            }
            // A twin meets the primary key, and the envelope answers DUPLICATE on `country`.
            let created = concept_note_endorsement::ActiveModel {
                concept_note_id: Set(note_id),
                country_code: Set(country.clone()),
                endorsed_on: Set(endorsed_on),
                recorded_by: Set(principal.subject.clone()),
                recorded_at: Set(chrono::Utc::now()),
            }
            .insert(txn)
            .await?;
            effect.created((Kind::ConceptNote, note_id), &created);
            let summary = format!("Concept note {}: endorsed by the government of {country}", note.reference);
            let organizations = organization_ids_of(txn, note_id).await?;
            effect.announce(NewEvent::status_change(Kind::ConceptNote, note_id, summary).about_concept_note(status, organizations));
            Ok(created)
        })
        .await
}

/// Whether a note in `status` still moves through the programming cycle.
fn still_in_cycle(status: ConceptNoteStatus) -> bool {
    use ConceptNoteStatus::*;
    matches!(
        status,
        Submitted | UnderReview | Pipeline | Approved | Funded
    )
}

/// Records that a note's joint programme document was endorsed (ADMIN): the note is then ready
/// for implementation. Only a note the committee has taken into the pipeline or approved, once,
/// on a day not before its submission nor in the future, and only when the government of every
/// country it covers has endorsed it.
pub async fn mark_ready_for_implementation(
    fund: &Services,
    ctx: &Ctx,
    note_id: i64,
    expected_version: i32,
    endorsed_on: NaiveDate,
) -> ServiceResult<concept_note::Model> {
    let command = Command::new(
        ctx,
        "markReadyForImplementation",
        &[Role::Admin],
        "mark concept notes ready for implementation",
    )?;
    if endorsed_on > chrono::Utc::now().date_naive() {
        return Err(UserError::validation(
            "programmeDocumentEndorsedOn",
            "the endorsement cannot be dated in the future",
        )
        .into());
    }
    command
        .run(fund, async |txn, effect| {
            let before = concept_note::Entity::find_by_id(note_id)
                .one(txn)
                .await?
                .ok_or_else(|| UserError::not_found("conceptNote", "concept note"))?;
            let status = ConceptNoteStatus::from_stored(&before.status)?;
            if !matches!(status, ConceptNoteStatus::Pipeline | ConceptNoteStatus::Approved) {
                let message = format!("a note is made ready for implementation in the pipeline or once approved; this one is {status}");
                return Err(UserError::new(UserErrorCode::InvalidTransition, &["conceptNote"], message).into());
            }
            if let Some(on) = before.programme_document_endorsed_on {
                let message = format!("the note's programme document was endorsed on {on}");
                return Err(UserError::new(UserErrorCode::Duplicate, &["conceptNote"], message).into());
            }
            if endorsed_on < before.submitted_on {
                let message = format!("the programme document is endorsed after the note was submitted, on {}", before.submitted_on);
                return Err(UserError::validation("programmeDocumentEndorsedOn", message).into());
            }
            let missing = calls::missing_endorsements(
                &covered(txn, note_id).await?,
                &endorsed(txn, note_id).await?,
            );
            if !missing.is_empty() {
                let message = format!("the government of {} has not endorsed the note yet", missing.join(", "));
                return Err(UserError::new(UserErrorCode::InvalidTransition, &["conceptNote"], message).into());
            }
            claim_version::<concept_note::Entity>(txn, note_id, before.version, expected_version).await?;
            let mut row: concept_note::ActiveModel = before.clone().into();
            row.programme_document_endorsed_on = Set(Some(endorsed_on));
            row.version = Set(before.version + 1);
            let after = row.update(txn).await?;
            effect.changed((Kind::ConceptNote, note_id), &before, &after);
            let summary = format!("Concept note {}: ready for implementation", after.reference);
            let organizations = organization_ids_of(txn, note_id).await?;
            effect.announce(NewEvent::status_change(Kind::ConceptNote, note_id, summary).about_concept_note(status, organizations));
            Ok(after)
        })
        .await
}

async fn covered(txn: &sea_orm::DatabaseTransaction, note_id: i64) -> ServiceResult<Vec<String>> {
    Ok(concept_note_country::Entity::find()
        .filter(concept_note_country::Column::ConceptNoteId.eq(note_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| c.country_code)
        .collect())
}

async fn endorsed(txn: &sea_orm::DatabaseTransaction, note_id: i64) -> ServiceResult<Vec<String>> {
    Ok(concept_note_endorsement::Entity::find()
        .filter(concept_note_endorsement::Column::ConceptNoteId.eq(note_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|e| e.country_code)
        .collect())
}

/// The terms of the call a note answers, read in the submitting transaction; `NOT_FOUND` on
/// `call` for an id that names none.
pub async fn terms_of(
    txn: &sea_orm::DatabaseTransaction,
    call_id: i64,
) -> ServiceResult<calls::CallTerms> {
    call_terms(txn, call_id)
        .await?
        .ok_or_else(|| UserError::not_found("call", "call for concept notes").into())
}
