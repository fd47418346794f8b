//! Documents kept with the fund's records, the read side (docs/documents.md): a record's
//! documents, one document (`node`), and its file (`GET /documents/{id}`). A document is read by
//! whoever may read its record, through that record's own check (see
//! [`policy::may_attach_document`] for who attaches one, in [`super::commands::documents`]).
//! Lists (the records' `documents`, loaded in batches in `graphql::loaders`) read the `document`
//! table only; the bytes are read only to serve one file.

use super::{policy, Ctx, ServiceError, ServiceResult, Services};
use crate::domain::documents::SubjectKind;
use crate::ids::{self, Kind};
use entity::{document, document_content};
use sea_orm::EntityTrait;

/// The record a document belongs to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    ConceptNote(i64),
    JointProgramme(i64),
    Meeting(i64),
    ExpenditureReport(i64),
}

impl Subject {
    pub fn kind(self) -> SubjectKind {
        match self {
            Subject::ConceptNote(_) => SubjectKind::ConceptNote,
            Subject::JointProgramme(_) => SubjectKind::JointProgramme,
            Subject::Meeting(_) => SubjectKind::Meeting,
            Subject::ExpenditureReport(_) => SubjectKind::ExpenditureReport,
        }
    }

    /// The record's global id, as its kind and row.
    pub fn global(self) -> (Kind, i64) {
        match self {
            Subject::ConceptNote(id) => (Kind::ConceptNote, id),
            Subject::JointProgramme(id) => (Kind::JointProgramme, id),
            Subject::Meeting(id) => (Kind::SteeringCommitteeMeeting, id),
            Subject::ExpenditureReport(id) => (Kind::ExpenditureReport, id),
        }
    }

    /// The record a global id names, when it is of a kind that carries documents.
    pub fn from_global_id(id: &str) -> Option<Subject> {
        let (kind, key) = ids::decode_any(id)?;
        let row = key.parse::<i64>().ok().filter(|n| *n > 0)?;
        match kind {
            Kind::ConceptNote => Some(Subject::ConceptNote(row)),
            Kind::JointProgramme => Some(Subject::JointProgramme(row)),
            Kind::SteeringCommitteeMeeting => Some(Subject::Meeting(row)),
            Kind::ExpenditureReport => Some(Subject::ExpenditureReport(row)),
            _ => None,
        }
    }

    /// The record of a stored document (the table's CHECK keeps exactly one).
    pub fn of(document: &document::Model) -> ServiceResult<Subject> {
        let subject = match document {
            document::Model {
                concept_note_id: Some(id),
                ..
            } => Subject::ConceptNote(*id),
            document::Model {
                joint_programme_id: Some(id),
                ..
            } => Subject::JointProgramme(*id),
            document::Model {
                meeting_id: Some(id),
                ..
            } => Subject::Meeting(*id),
            document::Model {
                expenditure_report_id: Some(id),
                ..
            } => Subject::ExpenditureReport(*id),
            _ => {
                return Err(ServiceError::Internal(anyhow::anyhow!(
                    "document {} belongs to no record",
                    document.id
                )))
            }
        };
        Ok(subject)
    }

    /// The column that names this record, and its row.
    pub fn column(self) -> (document::Column, i64) {
        match self {
            Subject::ConceptNote(id) => (document::Column::ConceptNoteId, id),
            Subject::JointProgramme(id) => (document::Column::JointProgrammeId, id),
            Subject::Meeting(id) => (document::Column::MeetingId, id),
            Subject::ExpenditureReport(id) => (document::Column::ExpenditureReportId, id),
        }
    }

    /// The subject columns of a new document row: this one set, the others null.
    pub fn columns(self) -> [Option<i64>; 4] {
        let mut columns = [None; 4];
        let (index, id) = match self {
            Subject::ConceptNote(id) => (0, id),
            Subject::JointProgramme(id) => (1, id),
            Subject::Meeting(id) => (2, id),
            Subject::ExpenditureReport(id) => (3, id),
        };
        columns[index] = Some(id);
        columns
    }
}

impl Services {
    /// Whether the caller may read `subject`, by that record's own rule: `FORBIDDEN` if not;
    /// `false` when it does not exist.
    async fn reads_subject(&self, ctx: &Ctx, subject: Subject) -> ServiceResult<bool> {
        policy::authenticated(ctx)?;
        let exists = match subject {
            Subject::ConceptNote(id) => self.concept_note(ctx, id).await?.is_some(),
            Subject::JointProgramme(id) => self.joint_programme(ctx, id).await?.is_some(),
            Subject::Meeting(id) => self.meeting(ctx, id).await?.is_some(),
            Subject::ExpenditureReport(id) => self
                .programme_detail::<entity::expenditure_report::Entity>(ctx, id)
                .await?
                .is_some(),
        };
        Ok(exists)
    }

    /// One document (`node`), with the rights on its record: `FORBIDDEN` if the caller may not
    /// read the record.
    pub async fn document(&self, ctx: &Ctx, id: i64) -> ServiceResult<Option<document::Model>> {
        policy::authenticated(ctx)?;
        let Some(found) = document::Entity::find_by_id(id).one(&self.db).await? else {
            return Ok(None);
        };
        if !self.reads_subject(ctx, Subject::of(&found)?).await? {
            return Ok(None);
        }
        Ok(Some(found))
    }

    /// One document with its file, for `GET /documents/{id}`: the same rights as [`Self::document`].
    pub async fn document_file(
        &self,
        ctx: &Ctx,
        id: i64,
    ) -> ServiceResult<Option<(document::Model, Vec<u8>)>> {
        let Some(found) = self.document(ctx, id).await? else {
            return Ok(None);
        };
        let content = document_content::Entity::find_by_id(found.id)
            .one(&self.db)
            .await?
            .ok_or_else(|| {
                ServiceError::Internal(anyhow::anyhow!("document {} has no file", found.id))
            })?;
        Ok(Some((found, content.content)))
    }
}
