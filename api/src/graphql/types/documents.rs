//! Documents kept with the fund's records (docs/documents.md).

use crate::domain::DocumentKind;
use crate::graphql::limits::rows;
use crate::graphql::loaders::*;
use crate::graphql::node::{self, Node};
use crate::graphql::scalars::{Date, DateTime};
use crate::graphql::{check, loaded, ContextExt};
use crate::ids::{self, Kind};
use crate::service::documents::Subject;
use async_graphql::{Context, Object, Result, ID};
use entity::document;

/// A document attached to a record.
pub struct Document(pub document::Model);

/// A file the fund keeps with a concept note, a joint programme, a steering-committee meeting
/// or an expenditure report (`attachDocument`): a concept note's text, a programme document, a
/// report, a meeting's minutes. Read by whoever may read its record; the file itself is at
/// `downloadUrl`, for the same callers. Never edited: a new version is another document.
#[Object]
impl Document {
    /// The document's global id.
    pub async fn id(&self) -> ID {
        ID(ids::encode(Kind::Document, self.0.id))
    }
    /// What the document is.
    async fn kind(&self) -> Result<DocumentKind> {
        Ok(DocumentKind::from_stored(&self.0.kind)?)
    }
    /// Its title (e.g. "Minutes of the fourth meeting").
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The day it was issued or signed (not when it was uploaded: `uploadedAt`).
    async fn dated_on(&self) -> Date {
        Date(self.0.dated_on)
    }
    /// The file's name as uploaded (its last path component), e.g. `minutes-2021-11.pdf`.
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// The file's media type, as the service found it from its contents (never the uploader's
    /// claim), e.g. `application/pdf`; served as the download's `Content-Type`.
    async fn media_type(&self) -> &str {
        &self.0.media_type
    }
    /// The file's size in bytes (at most the server's MPTF_MAX_DOCUMENT_BYTES).
    async fn size_bytes(&self) -> Result<i32> {
        Ok(i32::try_from(self.0.size_bytes)?)
    }
    /// SHA-256 of the file, 64 lower-case hexadecimal digits: the download's `ETag`, and how a
    /// reader checks that the file is the one the fund keeps.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    /// The path of the file on this server, `/documents/{id}`: `GET` it with the same bearer
    /// token (404 for a caller who may not read the record).
    async fn download_url(&self) -> String {
        format!("/documents/{}", ids::encode(Kind::Document, self.0.id))
    }
    /// The token subject (e.g. `user:4`) of whoever attached it.
    async fn uploaded_by(&self) -> &str {
        &self.0.uploaded_by
    }
    /// When it was attached (UTC).
    async fn uploaded_at(&self) -> DateTime {
        DateTime(self.0.uploaded_at)
    }
    /// The record it belongs to: a `ConceptNote`, `JointProgramme`, `SteeringCommitteeMeeting`
    /// or `ExpenditureReport`.
    async fn subject(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        let (kind, id) = check(ctx, Subject::of(&self.0))?.global();
        node::resolve(ctx, &ID(ids::encode(kind, id))).await
    }
}

/// The documents of a record the caller has read, by date (oldest first), at most
/// [`rows::DOCUMENTS`].
pub async fn documents_of(ctx: &Context<'_>, subject: Subject) -> Result<Vec<Document>> {
    let loader = ctx.loader();
    let rows = match subject {
        Subject::ConceptNote(id) => loader.load_one(DocumentsOfConceptNote(id)).await,
        Subject::JointProgramme(id) => loader.load_one(DocumentsOfProgramme(id)).await,
        Subject::Meeting(id) => loader.load_one(DocumentsOfMeeting(id)).await,
        Subject::ExpenditureReport(id) => loader.load_one(DocumentsOfExpenditureReport(id)).await,
    };
    Ok(loaded(ctx, rows)?
        .unwrap_or_default()
        .into_iter()
        .take(rows::DOCUMENTS)
        .map(Document)
        .collect())
}
