//! CSV of every list: `GET /export/NAME.csv` (API.md, "Interchange"; docs/interchange.md).
//!
//! Each export *is* a GraphQL list query: the server runs the list's own connection, page by
//! page (100 rows, the largest page a caller may ask for, each page one execution through the
//! same executor, limits and rules as `POST /graphql`), as the caller of the request, with the
//! query string as the list's `filter`. So the rows a CSV holds, their order, who may read them
//! and what a filter means are exactly the GraphQL list's, by construction; nothing here reads
//! the database or sums money.
//!
//! The response is streamed: a page is written out as CSV (the `csv` crate quotes) before the
//! next one is read, so the server holds one page at a time whatever the list's length. The
//! first page is read before the response starts, so a refused token, a bad filter or a
//! forbidden list is an ordinary coded JSON error with its HTTP status; a failure after that
//! aborts the stream (the body ends without its last chunk), never a truncated file that looks
//! complete.
//!
//! Columns are the GraphQL fields of a row, named by their path (`amount.amount`,
//! `organization.acronym`); values as GraphQL serves them: decimals as plain text with a dot,
//! dates and moments ISO 8601, booleans `true`/`false`, null as an empty cell.

use crate::graphql::execution;
use crate::http::{caller, error_response, request_id, unauthenticated, AppState};
use crate::service::Ctx;
use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value};

/// Rows per page: the largest page the GraphQL lists serve.
pub const PAGE_SIZE: u32 = 100;

/// One export: the list it runs and the columns it writes.
#[derive(Debug)]
pub struct Export {
    /// The name in the URL: `/export/{name}.csv`.
    pub name: &'static str,
    /// The root connection it pages through.
    pub field: &'static str,
    /// The connection's filter input type.
    pub filter_type: &'static str,
    /// Filter fields that are lists (the query string gives them comma-separated).
    pub list_params: &'static [&'static str],
    /// Filter fields that are integers.
    pub int_params: &'static [&'static str],
    /// For rows nested in the list's nodes (a programme's budget lines): the nested field, and
    /// the node's columns written before the row's own (column name, path in the node).
    pub each: Option<(&'static str, &'static [(&'static str, &'static str)])>,
    /// The row's columns: GraphQL field paths.
    pub columns: &'static [&'static str],
}

/// Every export, by name.
pub const EXPORTS: &[Export] = &[
    Export {
        name: "donors",
        field: "donors",
        filter_type: "DonorFilter",
        list_params: &[],
        int_params: &[],
        each: None,
        columns: &["id", "name", "kind", "country.code", "note"],
    },
    Export {
        name: "contributions",
        field: "contributions",
        filter_type: "ContributionFilter",
        list_params: &["status"],
        int_params: &[],
        each: None,
        columns: &[
            "id",
            "reference",
            "donor.id",
            "donor.name",
            "status",
            "pledged.amount",
            "pledged.currency",
            "pledgedUsd",
            "pledgedOn",
            "signedOn",
            "earmarking",
            "earmarkedArea.number",
            "deposited.amount",
            "depositedUsd",
            "outstanding.amount",
            "recordedAt",
        ],
    },
    Export {
        name: "deposits",
        field: "deposits",
        filter_type: "DepositFilter",
        list_params: &[],
        int_params: &[],
        each: None,
        columns: &[
            "id",
            "contribution.id",
            "contribution.reference",
            "receivedOn",
            "amount.amount",
            "amount.currency",
            "exchangeRate",
            "amountUsd",
            "administrativeAgentFeeUsd",
            "netUsd",
            "reversed",
            "recordedAt",
        ],
    },
    Export {
        name: "concept-notes",
        field: "conceptNotes",
        filter_type: "ConceptNoteFilter",
        list_params: &["status"],
        int_params: &[],
        each: None,
        columns: &[
            "id",
            "reference",
            "title",
            "status",
            "scope",
            "thematicArea.number",
            "convening.acronym",
            "requestedBudgetUsd",
            "durationMonths",
            "submittedOn",
        ],
    },
    Export {
        name: "joint-programmes",
        field: "jointProgrammes",
        filter_type: "JointProgrammeFilter",
        list_params: &["status"],
        int_params: &[],
        each: None,
        columns: &[
            "id",
            "code",
            "title",
            "status",
            "scope",
            "thematicArea.number",
            "convening.acronym",
            "startDate",
            "endDate",
            "originalEndDate",
            "approvedBudgetUsd",
        ],
    },
    Export {
        name: "budget-lines",
        field: "jointProgrammes",
        filter_type: "JointProgrammeFilter",
        list_params: &["status"],
        int_params: &[],
        each: Some((
            "budgetLines",
            &[("jointProgramme.id", "id"), ("jointProgramme.code", "code")],
        )),
        columns: &[
            "id",
            "organization.acronym",
            "programmableUsd",
            "indirectSupportCostRate",
            "indirectSupportCostUsd",
            "totalUsd",
        ],
    },
    Export {
        name: "transfers",
        field: "transfers",
        filter_type: "TransferFilter",
        list_params: &[],
        int_params: &[],
        each: None,
        columns: &[
            "id",
            "jointProgramme.code",
            "organization.acronym",
            "decision.id",
            "transferredOn",
            "amountUsd",
            "fromEarmarkedUsd",
            "fromUnearmarkedUsd",
            "recordedBy",
            "recordedAt",
        ],
    },
    Export {
        name: "expenditure-reports",
        field: "expenditureReports",
        filter_type: "ExpenditureReportFilter",
        list_params: &[],
        int_params: &["year"],
        each: None,
        columns: &[
            "id",
            "jointProgramme.code",
            "organization.acronym",
            "year",
            "nature",
            "amountUsd",
            "byCategory.staffAndPersonnelUsd",
            "byCategory.suppliesUsd",
            "byCategory.equipmentUsd",
            "byCategory.contractualServicesUsd",
            "byCategory.travelUsd",
            "byCategory.transfersAndGrantsUsd",
            "byCategory.generalOperatingUsd",
            "byCategory.indirectSupportCostsUsd",
            "final",
            "certifiedAt",
            "reportedBy",
            "reportedAt",
        ],
    },
    Export {
        name: "indicators",
        field: "jointProgrammes",
        filter_type: "JointProgrammeFilter",
        list_params: &["status"],
        int_params: &[],
        each: Some((
            "indicators",
            &[("jointProgramme.id", "id"), ("jointProgramme.code", "code")],
        )),
        columns: &[
            "id",
            "code",
            "level",
            "statement",
            "unit",
            "baseline",
            "target",
            "progress",
        ],
    },
    Export {
        name: "decisions",
        field: "decisions",
        filter_type: "DecisionFilter",
        list_params: &["kind"],
        int_params: &[],
        each: None,
        columns: &[
            "id",
            "kind",
            "amountUsd",
            "newEndDate",
            "rationale",
            "recordedBy",
            "recordedAt",
        ],
    },
    Export {
        name: "ledger",
        field: "ledgerEntries",
        filter_type: "LedgerEntryFilter",
        list_params: &["kinds"],
        int_params: &[],
        each: None,
        columns: &[
            "id",
            "kind",
            "countsAs",
            "valueDate",
            "recordedAt",
            "recordedBy",
            "amount.amount",
            "amount.currency",
            "amountUsd",
            "earmarkedArea.number",
            "donor.id",
            "jointProgramme.code",
            "organization.acronym",
            "decision.id",
            "transfer.id",
            "expenditureReport.id",
            "description",
        ],
    },
];

/// The export named `name`.
pub fn export(name: &str) -> Option<&'static Export> {
    EXPORTS.iter().find(|e| e.name == name)
}

/// A GraphQL selection set for dotted `paths`: `["a", "b.c", "b.d"]` → `a b { c d }`.
pub fn selection(paths: &[&str]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < paths.len() {
        match paths[i].split_once('.') {
            None => {
                out.push_str(paths[i]);
                out.push(' ');
                i += 1;
            }
            Some((head, _)) => {
                let mut inner = Vec::new();
                while i < paths.len() {
                    match paths[i].split_once('.') {
                        Some((h, rest)) if h == head => {
                            inner.push(rest);
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push_str(&format!("{head} {{ {}}} ", selection(&inner)));
            }
        }
    }
    out
}

impl Export {
    /// The header row.
    pub fn header(&self) -> Vec<&'static str> {
        let mut header: Vec<&'static str> = self
            .each
            .map(|(_, parent)| parent.iter().map(|(name, _)| *name).collect())
            .unwrap_or_default();
        header.extend(self.columns.iter().copied());
        header
    }

    /// The page query: the list's connection, `first` rows after `$after`, with `$filter`.
    pub fn query(&self) -> String {
        let node = match self.each {
            None => selection(self.columns),
            Some((nested, parent)) => {
                let mut paths: Vec<&str> = parent.iter().map(|(_, path)| *path).collect();
                paths.sort_unstable();
                paths.dedup();
                format!(
                    "{}{nested} {{ {}}}",
                    selection(&paths),
                    selection(self.columns)
                )
            }
        };
        format!(
            "query CsvExport($filter: {}, $after: String) {{ {}(filter: $filter, first: {PAGE_SIZE}, after: $after) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {node}}} }} }}",
            self.filter_type, self.field
        )
    }

    /// The list's `filter` from the query string's parameters: each parameter a filter field,
    /// lists comma-separated, integers checked. `BAD_USER_INPUT` for a value that is not one.
    pub fn filter(&self, params: &[(String, String)]) -> Result<Value, String> {
        if params.is_empty() {
            return Ok(Value::Null);
        }
        let mut filter = Map::new();
        for (key, value) in params {
            let value = if self.list_params.contains(&key.as_str()) {
                Value::Array(
                    value
                        .split(',')
                        .map(|v| Value::String(v.trim().to_owned()))
                        .collect(),
                )
            } else if self.int_params.contains(&key.as_str()) {
                let n: i64 = value
                    .parse()
                    .map_err(|_| format!("`{key}` is not an integer: {value:?}"))?;
                Value::from(n)
            } else {
                Value::String(value.clone())
            };
            if filter.insert(key.clone(), value).is_some() {
                return Err(format!("`{key}` is given twice"));
            }
        }
        Ok(Value::Object(filter))
    }

    /// The CSV rows of one page's nodes.
    fn rows(&self, nodes: &[Value]) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        for node in nodes {
            match self.each {
                None => rows.push(self.columns.iter().map(|c| cell(node, c)).collect()),
                Some((nested, parent)) => {
                    let prefix: Vec<String> =
                        parent.iter().map(|(_, path)| cell(node, path)).collect();
                    for item in node[nested].as_array().into_iter().flatten() {
                        let mut row = prefix.clone();
                        row.extend(self.columns.iter().map(|c| cell(item, c)));
                        rows.push(row);
                    }
                }
            }
        }
        rows
    }
}

/// The value at dotted `path` in `value`, as a CSV cell.
pub fn cell(value: &Value, path: &str) -> String {
    path.split('.')
        .try_fold(value, |v, key| v.get(key))
        .map(text)
        .unwrap_or_default()
}

/// A GraphQL value as text: strings as they are, null empty, lists `;`-separated.
fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

/// CSV text of `rows`.
fn write_rows<S: AsRef<str>>(rows: &[Vec<S>]) -> Result<Bytes, String> {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(row.iter().map(|c| c.as_ref()))
            .map_err(|e| e.to_string())?;
    }
    writer
        .into_inner()
        .map(Bytes::from)
        .map_err(|e| e.to_string())
}

/// One page of a list, read as GraphQL reads it.
struct Page {
    nodes: Vec<Value>,
    next: Option<String>,
}

/// Why a page could not be read: the coded error of the GraphQL response.
struct Refusal {
    status: StatusCode,
    code: String,
    message: String,
}

async fn read_page(
    state: &AppState,
    ctx: &Ctx,
    export: &Export,
    filter: &Value,
    after: Option<&str>,
) -> Result<Page, Refusal> {
    let variables = serde_json::json!({"filter": filter, "after": after});
    let request = async_graphql::Request::new(export.query())
        .variables(async_graphql::Variables::from_json(variables));
    let executed = execution::execute(
        &state.schema,
        &state.services,
        &state.requests,
        request,
        ctx.clone(),
    )
    .await;
    let response = executed.response;
    if let Some(error) = response.errors.first() {
        let error = serde_json::to_value(error).unwrap_or_default();
        let code = error["extensions"]["code"]
            .as_str()
            .unwrap_or("BAD_USER_INPUT")
            .to_owned();
        let status = match code.as_str() {
            "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
            "FORBIDDEN" => StatusCode::FORBIDDEN,
            "INTERNAL" => StatusCode::INTERNAL_SERVER_ERROR,
            "REQUEST_TIMEOUT" | "SERVICE_UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        };
        return Err(Refusal {
            status,
            code,
            message: error["message"].as_str().unwrap_or("refused").to_owned(),
        });
    }
    let data = response.data.into_json().map_err(|e| Refusal {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: "INTERNAL".to_owned(),
        message: e.to_string(),
    })?;
    let list = &data[export.field];
    let next = (list["pageInfo"]["hasNextPage"] == Value::Bool(true))
        .then(|| list["pageInfo"]["endCursor"].as_str().map(str::to_owned))
        .flatten();
    let nodes = match list.get("nodes") {
        Some(Value::Array(nodes)) => nodes.clone(),
        _ => Vec::new(),
    };
    Ok(Page { nodes, next })
}

/// `GET /export/{name}.csv`.
pub async fn export_csv(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let request_id = request_id(&req);
    let Some(export) = path.strip_suffix(".csv").and_then(export) else {
        let names: Vec<&str> = EXPORTS.iter().map(|e| e.name).collect();
        return error_response(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!(
                "no such export: the exports are /export/NAME.csv for {}",
                names.join(", ")
            ),
            &request_id,
            false,
        );
    };
    let ctx = match caller(&req, &state, &request_id).await {
        Ok(ctx) => ctx,
        Err(refused) => return unauthenticated(refused, &request_id, false),
    };
    let params: Vec<(String, String)> =
        match web::Query::<Vec<(String, String)>>::from_query(req.query_string()) {
            Ok(params) => params.into_inner(),
            Err(e) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    "BAD_USER_INPUT",
                    &format!("the query string is not a list of filters: {e}"),
                    &request_id,
                    false,
                )
            }
        };
    let filter = match export.filter(&params) {
        Ok(filter) => filter,
        Err(message) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                &message,
                &request_id,
                false,
            )
        }
    };
    let first = match read_page(&state, &ctx, export, &filter, None).await {
        Ok(first) => first,
        Err(refusal) => {
            let mut response = error_response(
                refusal.status,
                &refusal.code,
                &refusal.message,
                &request_id,
                false,
            );
            if refusal.status == StatusCode::UNAUTHORIZED {
                // RFC 6750: a request without a credential gets the bare challenge.
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
            }
            return response;
        }
    };
    let head = match write_rows(&[export.header()]) {
        Ok(head) => head,
        Err(e) => {
            tracing::error!(request_id = %request_id, error = %e, "a CSV header failed");
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                &format!("internal error; quote request id {request_id} to the fund's support"),
                &request_id,
                false,
            );
        }
    };
    /// Where the stream is: the header to write, then a page read and not yet written, then
    /// the cursor of the next page.
    enum Step {
        Header(Page),
        Page(Page),
        Next(String),
        Done,
    }
    let stream_state = state.clone();
    let stream_request_id = request_id.clone();
    let body = futures::stream::unfold(Step::Header(first), move |step| {
        let state = stream_state.clone();
        let ctx = ctx.clone();
        let filter = filter.clone();
        let request_id = stream_request_id.clone();
        let head = head.clone();
        async move {
            let page = match step {
                Step::Done => return None,
                Step::Header(first) => return Some((Ok(head), Step::Page(first))),
                Step::Page(page) => page,
                Step::Next(after) => {
                    match read_page(&state, &ctx, export, &filter, Some(&after)).await {
                        Ok(page) => page,
                        Err(refusal) => {
                            tracing::error!(request_id = %request_id, code = %refusal.code, error = %refusal.message, "a CSV export stopped");
                            return Some((
                                Err(actix_web::error::ErrorInternalServerError(refusal.message)),
                                Step::Done,
                            ));
                        }
                    }
                }
            };
            let next = match page.next.clone() {
                Some(after) => Step::Next(after),
                None => Step::Done,
            };
            match write_rows(&export.rows(&page.nodes)) {
                Ok(bytes) => Some((Ok(bytes), next)),
                Err(e) => Some((
                    Err(actix_web::error::ErrorInternalServerError(e)),
                    Step::Done,
                )),
            }
        }
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.csv\"", export.name),
        ))
        .insert_header(("x-request-id", request_id))
        .streaming::<_, actix_web::Error>(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_nest_dotted_paths() {
        assert_eq!(
            selection(&["id", "amount.amount", "amount.currency", "donor.id"]).trim(),
            "id amount { amount currency } donor { id }"
        );
    }

    #[test]
    fn filters_come_from_the_query_string() {
        let ledger = export("ledger").unwrap();
        let params = vec![
            ("kinds".to_owned(), "DEPOSIT,AGENT_FEE".to_owned()),
            ("from".to_owned(), "2021-01-01".to_owned()),
        ];
        assert_eq!(
            ledger.filter(&params).unwrap(),
            serde_json::json!({"kinds": ["DEPOSIT", "AGENT_FEE"], "from": "2021-01-01"})
        );
        let reports = export("expenditure-reports").unwrap();
        assert!(reports
            .filter(&[("year".to_owned(), "x".to_owned())])
            .is_err());
        assert_eq!(ledger.filter(&[]).unwrap(), Value::Null);
    }

    #[test]
    fn cells_are_graphql_values_as_text() {
        let node = serde_json::json!({"a": "1.50", "b": {"c": null}, "d": true, "e": 3});
        assert_eq!(cell(&node, "a"), "1.50");
        assert_eq!(cell(&node, "b.c"), "");
        assert_eq!(cell(&node, "d"), "true");
        assert_eq!(cell(&node, "e"), "3");
        assert_eq!(cell(&node, "missing.x"), "");
    }
}
