//! Documents over HTTP (docs/documents.md): a GraphQL multipart request that carries a
//! document's file to `attachDocument`, and `GET /documents/{id}`, which serves the file to
//! whoever may read its record, with the same bearer token as `POST /graphql`.

use super::{caller, error_response, request_id, unauthenticated, AppState, HttpOptions};
use crate::ids::{self, Kind};
use crate::service::ServiceError;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::http::MultipartOptions;
use async_graphql::ParseRequestError;

/// A refused multipart request: its status, code and message.
pub type Refusal = (StatusCode, &'static str, String);

/// Reads a GraphQL multipart request (the `operations` and `map` parts, then one file part):
/// a file larger than the document limit is 413 `PAYLOAD_TOO_LARGE`, more than one file or a
/// malformed request 400 `BAD_REQUEST`.
pub async fn receive_multipart(
    content_type: &str,
    body: &[u8],
    options: &HttpOptions,
) -> Result<async_graphql::Request, Refusal> {
    // No `max_num_files`: async-graphql would then cap the whole body at one file's size,
    // operations included. The body's own limit bounds the whole; the count is checked below.
    let limits = MultipartOptions::default().max_file_size(options.max_document_bytes);
    let request = async_graphql::http::receive_body(Some(content_type), body, limits)
        .await
        .map_err(|error| match error {
            ParseRequestError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                format!(
                    "a document's file is at most {} bytes (MPTF_MAX_DOCUMENT_BYTES)",
                    options.max_document_bytes
                ),
            ),
            ParseRequestError::UnsupportedBatch => (
                StatusCode::BAD_REQUEST,
                "BATCH_NOT_SUPPORTED",
                "send one operation per request; batches are not accepted".to_owned(),
            ),
            other => (
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                format!("the body is not a GraphQL multipart request (an `operations` part, a `map` part, then the file): {other}"),
            ),
        })?;
    if request.uploads.len() > 1 {
        return Err((
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "send one file per request".to_owned(),
        ));
    }
    Ok(request)
}

/// `GET /documents/{id}`: the file, as uploaded, for a caller who may read the document's
/// record; 404 for everyone else, exactly as for an id that names nothing, so that a record's
/// documents are not told to those who may not read it. 401 (with the Bearer challenge) without
/// a token. `ETag` is the file's SHA-256; `If-None-Match` with it answers 304.
pub async fn download(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let request_id = request_id(&req);
    let not_found = || {
        error_response(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no document with this id that you may read",
            &request_id,
            false,
        )
    };
    let ctx = match caller(&req, &state, &request_id).await {
        Ok(ctx) => ctx,
        Err(refused) => return unauthenticated(refused, &request_id, false),
    };
    if ctx.principal.is_none() {
        let mut response = error_response(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "authentication required: send a valid bearer token",
            &request_id,
            false,
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        return response;
    }
    let Some(id) = ids::decode(Kind::Document, &path) else {
        return not_found();
    };
    let (document, content) = match state.services.document_file(&ctx, id).await {
        Ok(Some(found)) => found,
        Ok(None) | Err(ServiceError::Forbidden(_)) | Err(ServiceError::User(_)) => {
            return not_found()
        }
        Err(ServiceError::Unauthenticated) => {
            return unauthenticated(crate::auth::TokenError::Invalid, &request_id, false)
        }
        Err(ServiceError::Internal(detail)) => {
            let _ = crate::graphql::errors::internal(&detail, &request_id);
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                &format!("internal error; quote request id {request_id} to the fund's support"),
                &request_id,
                false,
            );
        }
    };
    let etag = format!("\"{}\"", document.sha256);
    let cached = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let mut response = if cached {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        // The caller's own copy may be kept, and checked again with its ETag before each use.
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("x-request-id", request_id.clone()));
    if cached {
        return response.finish();
    }
    response
        .insert_header((header::CONTENT_TYPE, document.media_type.clone()))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: disposition_name(&document.file_name),
        })
        .body(content)
}

/// `filename` (ASCII, for every client) and `filename*` (UTF-8, RFC 6266) when the name is not
/// plain ASCII.
fn disposition_name(name: &str) -> Vec<DispositionParam> {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut parameters = vec![DispositionParam::Filename(ascii.clone())];
    if ascii != name {
        parameters.push(DispositionParam::FilenameExt(header::ExtendedValue {
            charset: header::Charset::Ext("UTF-8".to_owned()),
            language_tag: None,
            value: name.as_bytes().to_vec(),
        }));
    }
    parameters
}
