//! Documents kept with the fund's records: the one command that adds one (docs/documents.md).
//! A document is never edited; a new version is another document. Reads are in
//! [`crate::service::documents`].

use crate::domain::documents as files;
use crate::domain::{
    ConceptNoteStatus, DocumentKind, PortfolioEventKind, Role, Text, UserError, UserErrorCode,
};
use crate::ids::Kind;
use crate::service::concept_notes::organization_ids_of;
use crate::service::documents::Subject;
use crate::service::envelope::Command;
use crate::service::events::NewEvent;
use crate::service::policy::{self, DocumentOwners};
use crate::service::{Ctx, ServiceError, ServiceResult, Services};
use chrono::{NaiveDate, SubsecRound, Utc};
use entity::{
    budget_line, concept_note, document, document_content, expenditure_report, joint_programme,
    steering_committee_meeting,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

/// A document to attach: its record's global id, what it is, and the file as uploaded.
pub struct NewDocument {
    pub subject_id: String,
    pub kind: DocumentKind,
    pub title: String,
    pub dated_on: NaiveDate,
    /// The file's name as the uploader's client gave it (a path is cut to its last component)
    /// and its bytes; `None` when the request carries no file.
    pub file: Option<(String, Vec<u8>)>,
}

/// Attaches a document to a concept note, a joint programme, a steering-committee meeting or an
/// expenditure report (who may: [`policy::may_attach_document`]). The file is at most
/// `max_bytes` and of a type the fund accepts ([`files::ACCEPTED`]), told from its bytes; its
/// kind fits its record ([`DocumentKind::fits`]); the same file is attached to a record once.
pub async fn attach_document(
    fund: &Services,
    ctx: &Ctx,
    input: NewDocument,
    max_bytes: usize,
) -> ServiceResult<document::Model> {
    let command = Command::new(
        ctx,
        "attachDocument",
        &[Role::Admin, Role::Puno],
        "attach documents",
    )?;
    let principal = command.principal();
    let subject = Subject::from_global_id(&input.subject_id).ok_or_else(|| {
        UserError::validation(
            "subjectId",
            "a document belongs to a concept note, a joint programme, a steering-committee meeting or an expenditure report: give the global id of one",
        )
    })?;
    if !input.kind.fits(subject.kind()) {
        let fitting: Vec<&str> = DocumentKind::fitting(subject.kind())
            .into_iter()
            .map(|k| k.as_str())
            .collect();
        return Err(UserError::validation(
            "kind",
            format!(
                "a {} document does not belong on {}: its kinds are {}",
                input.kind,
                subject.kind().noun(),
                fitting.join(", ")
            ),
        )
        .into());
    }
    let title = Text::Title.required(&input.title, "title")?;
    if input.dated_on > Utc::now().date_naive() {
        return Err(UserError::validation(
            "datedOn",
            "a document is dated on the day it was issued or signed, not after today",
        )
        .into());
    }
    let (file_name, content) = input.file.ok_or_else(|| {
        UserError::validation(
            "file",
            "the request carries no file for `file`: send the file as a part of a GraphQL multipart request (docs/documents.md)",
        )
    })?;
    let file_name = files::clean_file_name(&file_name).ok_or_else(|| {
        UserError::validation(
            "file",
            "the file has no name (or its name holds control characters): send it with its file name",
        )
    })?;
    let size = content.len();
    if size == 0 {
        return Err(UserError::validation("file", "the file is empty").into());
    }
    if size > max_bytes {
        return Err(UserError::validation(
            "file",
            format!("the file is {size} bytes; a document is at most {max_bytes} bytes"),
        )
        .into());
    }
    let media_type = files::media_type_of(&content, &file_name).ok_or_else(|| {
        UserError::validation(
            "file",
            format!(
                "the fund accepts {}; this file is none of them (told from its contents, whatever its name)",
                files::ACCEPTED
            ),
        )
    })?;
    let sha256 = hex::encode(Sha256::digest(&content));
    let uploaded_by = principal.subject.clone();
    command
        .run(fund, async |txn, effect| {
            let audience = owners_and_audience(fund, txn, principal, subject).await?;
            let (key, id) = subject.column();
            let twin = document::Entity::find()
                .filter(key.eq(id))
                .filter(document::Column::Sha256.eq(sha256.as_str()))
                .one(txn)
                .await?;
            if let Some(twin) = twin {
                return Err(UserError::new(
                    UserErrorCode::Duplicate,
                    &["file"],
                    format!(
                        "this file is attached to the record already, as \"{}\"",
                        twin.title
                    ),
                )
                .into());
            }
            let [concept_note_id, joint_programme_id, meeting_id, expenditure_report_id] =
                subject.columns();
            let row = document::ActiveModel {
                concept_note_id: Set(concept_note_id),
                joint_programme_id: Set(joint_programme_id),
                meeting_id: Set(meeting_id),
                expenditure_report_id: Set(expenditure_report_id),
                kind: Set(input.kind.as_str().to_owned()),
                title: Set(title),
                dated_on: Set(input.dated_on),
                file_name: Set(file_name),
                media_type: Set(media_type.to_owned()),
                size_bytes: Set(size as i64),
                sha256: Set(sha256),
                uploaded_by: Set(uploaded_by),
                uploaded_at: Set(Utc::now().trunc_subsecs(6)),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            document_content::ActiveModel {
                document_id: Set(row.id),
                content: Set(content),
            }
            .insert(txn)
            .await?;
            // The audit trail records the document as described and its SHA-256, not the bytes.
            effect.created((Kind::Document, row.id), &row);
            let summary = format!(
                "Document attached to {}: {} ({}, {})",
                subject.kind().noun(),
                row.title,
                row.kind,
                row.dated_on
            );
            effect.announce(
                NewEvent::new(
                    PortfolioEventKind::Document,
                    (Kind::Document, row.id),
                    summary,
                )
                .for_audience(audience),
            );
            Ok(row)
        })
        .await
}

/// Reads the record, refuses the caller unless the rule lets it attach there, and returns who
/// receives the event: those who read the record. A record the caller may not even read is
/// `NOT_FOUND`, as one that does not exist (its existence is not told).
async fn owners_and_audience<C: ConnectionTrait>(
    fund: &Services,
    txn: &C,
    principal: &crate::auth::Principal,
    subject: Subject,
) -> ServiceResult<policy::Audience> {
    let missing = || UserError::not_found("subjectId", subject.kind().name());
    let (owners, audience) = match subject {
        Subject::ConceptNote(id) => {
            let note = concept_note::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(missing)?;
            let organizations = organization_ids_of(txn, id).await?;
            let status = ConceptNoteStatus::from_stored(&note.status)?;
            if !fund
                .policy
                .may_read_concept_note(principal, status, &organizations)
            {
                return Err(missing().into());
            }
            let audience = policy::Audience::ConceptNote {
                status,
                organization_ids: organizations.clone(),
            };
            (DocumentOwners::ConceptNote(organizations), audience)
        }
        Subject::JointProgramme(id) => {
            joint_programme::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(missing)?;
            let organizations = budget_line::Entity::find()
                .filter(budget_line::Column::JointProgrammeId.eq(id))
                .all(txn)
                .await?
                .into_iter()
                .map(|line| line.organization_id)
                .collect();
            (
                DocumentOwners::JointProgramme(organizations),
                policy::Audience::Everyone,
            )
        }
        Subject::Meeting(id) => {
            steering_committee_meeting::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(missing)?;
            (DocumentOwners::Meeting, policy::Audience::Everyone)
        }
        Subject::ExpenditureReport(id) => {
            let report = expenditure_report::Entity::find_by_id(id)
                .one(txn)
                .await?
                .ok_or_else(missing)?;
            (
                DocumentOwners::ExpenditureReport(report.organization_id),
                policy::Audience::Everyone,
            )
        }
    };
    if !policy::may_attach_document(principal, &owners) {
        return Err(ServiceError::Forbidden(policy::ATTACH_REFUSAL.to_owned()));
    }
    Ok(audience)
}
