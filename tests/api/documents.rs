//! Documents (issue 17, item 6): concept notes, programmes, meetings and expenditure reports
//! carry documents, uploaded as GraphQL multipart requests, stored by the service with their
//! size and SHA-256, and served at `GET /documents/{id}` to whoever may read their record.

use crate::fixtures::*;
use crate::helpers::*;
use crate::on_both;
use entity::portfolio_event;
use mptf::config::Settings;
use mptf::domain::documents::simple_pdf;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const ATTACH: &str = "mutation($input: AttachDocumentInput!) { attachDocument(input: $input) { document { id kind title datedOn fileName mediaType sizeBytes sha256 downloadUrl uploadedBy subject { id } } userErrors { code field message } } }";

/// Attaches `bytes` as `file_name` (the client claiming `claimed` as its type) and returns the
/// whole response.
async fn attach(
    app: &TestApp,
    token: Option<&str>,
    input: Value,
    file: (&str, &str, &[u8]),
) -> (reqwest::StatusCode, Value) {
    let mut input = input;
    input["file"] = Value::Null;
    let response = app
        .upload(token, ATTACH, json!({ "input": input }), "input.file", file)
        .await;
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

fn input(subject: &str, kind: &str, title: &str) -> Value {
    json!({"subjectId": subject, "kind": kind, "title": title, "datedOn": "2021-06-30"})
}

#[track_caller]
fn accepted(response: &Value) -> Value {
    assert!(response.get("errors").is_none(), "{response:#}");
    let payload = &response["data"]["attachDocument"];
    assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
    payload["document"].clone()
}

#[track_caller]
fn refused(response: &Value, code: &str, field: &str) {
    assert!(response.get("errors").is_none(), "{response:#}");
    let payload = &response["data"]["attachDocument"];
    assert_eq!(payload["document"], Value::Null, "{payload:#}");
    let errors = payload["userErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{payload:#}");
    assert_eq!(errors[0]["code"], code, "{payload:#}");
    assert_eq!(errors[0]["field"], json!(["input", field]), "{payload:#}");
}

#[track_caller]
fn top_level(response: &Value, code: &str) {
    assert_eq!(
        response["errors"][0]["extensions"]["code"], code,
        "{response:#}"
    );
    assert_eq!(
        response["data"]["attachDocument"],
        Value::Null,
        "{response:#}"
    );
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

on_both!(
    async fn documents_are_kept_with_their_records_and_served_to_their_readers(app: TestApp) {
        let admin = app.admin();
        let funded = funded_programme(&app, "5000000.00").await;
        let ilo = app.puno_token(row_id(&json!(funded.organizations[0])), "user:ilo");
        let meeting = schedule_meeting(&app).await;

        // The Fund Management Unit keeps a meeting's minutes; the client's claimed type and
        // name do not matter, the bytes do.
        let minutes = simple_pdf(&["Minutes of the funding round"]);
        let (status, response) = attach(
            &app,
            Some(&admin),
            input(&meeting, "MINUTES", "Minutes of the funding round"),
            (
                "C:\\Users\\fmu\\minutes 2021-06.pdf",
                "application/octet-stream",
                &minutes,
            ),
        )
        .await;
        assert_eq!(status, 200);
        let document = accepted(&response);
        assert_eq!(document["kind"], "MINUTES");
        assert_eq!(document["fileName"], "minutes 2021-06.pdf");
        assert_eq!(document["mediaType"], "application/pdf");
        assert_eq!(document["sizeBytes"], minutes.len());
        assert_eq!(document["sha256"], sha256(&minutes));
        assert_eq!(document["uploadedBy"], "user:admin");
        assert_eq!(document["subject"]["id"], meeting);
        let id = document["id"].as_str().unwrap().to_owned();
        assert_eq!(document["downloadUrl"], format!("/documents/{id}"));

        // A participating organization keeps its programme's document, a CSV its budget.
        let (_, response) = attach(
            &app,
            Some(&ilo),
            input(
                &funded.programme,
                "PROGRAMME_DOCUMENT",
                "Joint programme document",
            ),
            (
                "budget.csv",
                "text/csv",
                b"organization,amount\nILO,1070000.00\n",
            ),
        )
        .await;
        let budget = accepted(&response);
        assert_eq!(budget["mediaType"], "text/csv; charset=utf-8");
        assert_eq!(budget["uploadedBy"], "user:ilo");

        // Every reader of the records lists them, through the records and `node`.
        let donor = app.donor_token(row_id(&json!(funded.donor)), "user:donor");
        let listed = app
            .data(
                Some(&donor),
                "query($m: ID!, $p: ID!, $d: ID!) { m: node(id: $m) { ... on SteeringCommitteeMeeting { documents { id title } } } p: node(id: $p) { ... on JointProgramme { documents { id kind } } } d: node(id: $d) { ... on Document { title sizeBytes } } }",
                json!({"m": meeting, "p": funded.programme, "d": id}),
            )
            .await;
        assert_eq!(
            listed["m"]["documents"],
            json!([{"id": id, "title": "Minutes of the funding round"}])
        );
        assert_eq!(
            listed["p"]["documents"],
            json!([{"id": budget["id"], "kind": "PROGRAMME_DOCUMENT"}])
        );
        assert_eq!(listed["d"]["sizeBytes"], minutes.len());

        // The file itself, as uploaded, with its type, name and SHA-256 as its ETag.
        let download = app.get(Some(&donor), &format!("/documents/{id}")).await;
        assert_eq!(download.status(), 200);
        let header = |name: &str| {
            download
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        assert_eq!(header("content-type"), "application/pdf");
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("etag"), format!("\"{}\"", sha256(&minutes)));
        assert!(
            header("content-disposition")
                .starts_with("attachment; filename=\"minutes 2021-06.pdf\""),
            "{}",
            header("content-disposition")
        );
        let etag = header("etag");
        assert_eq!(download.bytes().await.unwrap().as_ref(), minutes.as_slice());
        let again = app
            .client
            .get(format!("{}/documents/{id}", app.address))
            .bearer_auth(&donor)
            .header("If-None-Match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);

        // Audited (the description, not the bytes) and announced to the record's readers.
        let audit = app
            .data(
                Some(&admin),
                "{ auditEvents(first: 1) { nodes { action subject changes } } }",
                json!({}),
            )
            .await;
        let last = &audit["auditEvents"]["nodes"][0];
        assert_eq!(last["action"], "attachDocument", "{last}");
        assert_eq!(last["subject"], budget["id"], "{last}");
        assert!(
            !last["changes"].to_string().contains("1070000.00"),
            "the audit trail holds no file: {last}"
        );
        let events = portfolio_event::Entity::find()
            .filter(portfolio_event::Column::Kind.eq("DOCUMENT"))
            .all(&app.services.db)
            .await
            .unwrap();
        assert_eq!(events.len(), 2);
        assert!(
            events[0].summary.contains("Minutes of the funding round"),
            "{:?}",
            events[0]
        );
    }
);

on_both!(
    async fn a_concept_notes_documents_are_read_as_the_note_is(app: TestApp) {
        let admin = app.admin();
        let note = submit_note(&app, &admin, 4, 6, "ILO", "IOM").await;
        let note = note["conceptNote"]["id"].as_str().unwrap().to_owned();
        let pdf = simple_pdf(&["Concept note"]);
        let ilo = app.puno_token(
            row_id(&json!(organization_id(&app, "ILO").await)),
            "user:ilo",
        );
        let (_, response) = attach(
            &app,
            Some(&ilo),
            input(&note, "CONCEPT_NOTE", "Concept note as submitted"),
            ("concept-note.pdf", "application/pdf", &pdf),
        )
        .await;
        let id = accepted(&response)["id"].as_str().unwrap().to_owned();
        let path = format!("/documents/{id}");

        // The note is SUBMITTED: its organizations and the fund read it and its documents.
        let listed = app
            .data(
                Some(&ilo),
                "query($id: ID!) { node(id: $id) { ... on ConceptNote { documents { id } } } }",
                json!({"id": note}),
            )
            .await;
        assert_eq!(listed["node"]["documents"], json!([{"id": id}]));
        assert_eq!(app.get(Some(&ilo), &path).await.status(), 200);
        assert_eq!(app.get(Some(&app.committee()), &path).await.status(), 200);

        // A donor, a partner system and another organization do not: FORBIDDEN through
        // `node`, and 404 for the file, as for an id that names nothing.
        let donor_id = create_donor(&app, "Documents donor").await;
        let donor = app.donor_token(row_id(&json!(donor_id)), "user:donor");
        let undp = app.puno_token(
            row_id(&json!(organization_id(&app, "UNDP").await)),
            "user:undp",
        );
        for token in [&donor, &undp] {
            let code = app
                .error_code(
                    Some(token),
                    "query($id: ID!) { node(id: $id) { id } }",
                    json!({"id": id}),
                )
                .await;
            assert_eq!(code, "FORBIDDEN");
            let refused = app.get(Some(token), &path).await;
            assert_eq!(refused.status(), 404);
            let body: Value = refused.json().await.unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
        }
        let nothing = app
            .get(
                Some(&admin),
                &format!(
                    "/documents/{}",
                    mptf::ids::encode(mptf::ids::Kind::Document, 999)
                ),
            )
            .await;
        assert_eq!(nothing.status(), 404);
        assert_eq!(
            app.get(Some(&admin), "/documents/not-an-id").await.status(),
            404
        );
        assert_eq!(
            app.get(Some(&admin), &format!("/documents/{note}"))
                .await
                .status(),
            404
        );

        // Without a token: 401 with the Bearer challenge.
        let anonymous = app.get(None, &path).await;
        assert_eq!(anonymous.status(), 401);
        assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");

        // Another organization may not even attach to the note it cannot read: NOT_FOUND, as
        // for a note that does not exist.
        let (_, response) = attach(
            &app,
            Some(&undp),
            input(&note, "OTHER", "Comments"),
            ("comments.txt", "text/plain", b"Comments"),
        )
        .await;
        refused(&response, "NOT_FOUND", "subjectId");
    }
);

on_both!(
    async fn attaching_is_refused_to_other_roles_and_other_records(app: TestApp) {
        let funded = funded_programme(&app, "5000000.00").await;
        let meeting = schedule_meeting(&app).await;
        let ilo_row = row_id(&json!(funded.organizations[0]));
        let ilo = app.puno_token(ilo_row, "user:ilo");
        let undp = app.puno_token(
            row_id(&json!(organization_id(&app, "UNDP").await)),
            "user:undp",
        );
        let text: &[u8] = b"A progress note.\n";
        let file = ("note.txt", "text/plain", text);
        let before = audit_count(&app).await;

        // No token, and roles that attach nothing.
        let (status, response) =
            attach(&app, None, input(&funded.programme, "OTHER", "Note"), file).await;
        assert_eq!(status, 401);
        top_level(&response, "UNAUTHENTICATED");
        // With a token, a multipart body that is not a GraphQL multipart request.
        let malformed = app
            .client
            .post(format!("{}/graphql", app.address))
            .bearer_auth(app.admin())
            .header("Content-Type", "multipart/form-data; boundary=x")
            .body("--x\r\nContent-Disposition: form-data; name=\"query\"\r\n\r\n{ viewer { role } }\r\n--x--\r\n")
            .send()
            .await
            .unwrap();
        assert_eq!(malformed.status(), 400);
        for token in [
            app.committee(),
            app.donor_token(row_id(&json!(funded.donor)), "user:donor"),
            app.token(mptf::domain::Role::PartnerSystem, "user:partner"),
            app.token(mptf::domain::Role::Auditor, "user:auditor"),
        ] {
            let (_, response) = attach(
                &app,
                Some(&token),
                input(&funded.programme, "OTHER", "Note"),
                file,
            )
            .await;
            top_level(&response, "FORBIDDEN");
        }
        // A PUNO: not a programme its organization takes no part in, never a meeting.
        let (_, response) = attach(
            &app,
            Some(&undp),
            input(&funded.programme, "OTHER", "Note"),
            file,
        )
        .await;
        top_level(&response, "FORBIDDEN");
        let (_, response) = attach(
            &app,
            Some(&ilo),
            input(&meeting, "MINUTES", "Minutes"),
            file,
        )
        .await;
        top_level(&response, "FORBIDDEN");

        // A type the fund does not accept, whatever the name and the claimed type say.
        let admin = app.admin();
        let executable: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00";
        let (_, response) = attach(
            &app,
            Some(&admin),
            input(&funded.programme, "NARRATIVE_REPORT", "Report"),
            ("report.pdf", "application/pdf", executable),
        )
        .await;
        refused(&response, "VALIDATION", "file");
        let message = response["data"]["attachDocument"]["userErrors"][0]["message"]
            .as_str()
            .unwrap();
        assert!(message.contains("PDF"), "{message}");
        let (_, response) = attach(
            &app,
            Some(&admin),
            input(&funded.programme, "NARRATIVE_REPORT", "Report"),
            ("empty.txt", "text/plain", b""),
        )
        .await;
        refused(&response, "VALIDATION", "file");

        // A kind that does not belong on the record, an id of another kind, a future date.
        let (_, response) = attach(
            &app,
            Some(&admin),
            input(&funded.programme, "MINUTES", "Minutes"),
            file,
        )
        .await;
        refused(&response, "VALIDATION", "kind");
        let (_, response) = attach(
            &app,
            Some(&admin),
            input(&funded.donor, "OTHER", "Letter"),
            file,
        )
        .await;
        refused(&response, "VALIDATION", "subjectId");
        let mut future = input(&funded.programme, "OTHER", "Note");
        future["datedOn"] = json!("2099-01-01");
        let (_, response) = attach(&app, Some(&admin), future, file).await;
        refused(&response, "VALIDATION", "datedOn");
        let missing = mptf::ids::encode(mptf::ids::Kind::JointProgramme, 999);
        let (_, response) =
            attach(&app, Some(&admin), input(&missing, "OTHER", "Note"), file).await;
        refused(&response, "NOT_FOUND", "subjectId");
        assert_eq!(audit_count(&app).await, before, "a refusal wrote something");

        // The same file once per record.
        let (_, response) = attach(
            &app,
            Some(&ilo),
            input(&funded.programme, "OTHER", "Note"),
            file,
        )
        .await;
        accepted(&response);
        let (_, response) = attach(
            &app,
            Some(&admin),
            input(&funded.programme, "OTHER", "Again"),
            file,
        )
        .await;
        refused(&response, "DUPLICATE", "file");

        // A JSON request naming a file it does not carry: refused, and the server still serves.
        for marker in ["#__graphql_file__:7", "#__graphql_file__:x"] {
            let mut request = input(&funded.programme, "OTHER", "Note");
            request["file"] = json!(marker);
            let response = app
                .graphql(Some(&admin), ATTACH, json!({ "input": request }))
                .await;
            if marker.ends_with('7') {
                refused(&response, "VALIDATION", "file");
            } else {
                assert!(response["errors"][0]["message"].is_string(), "{response:#}");
            }
        }
        let alive = app
            .data(None, "{ thematicAreas { number } }", json!({}))
            .await;
        assert_eq!(alive["thematicAreas"].as_array().unwrap().len(), 5);
    }
);

fn small_documents(settings: &mut Settings) {
    settings.security.max_document_bytes = 4096;
}

on_both!(
    small_documents,
    async fn a_file_above_the_limit_is_refused_before_it_is_kept(app: TestApp) {
        let admin = app.admin();
        let meeting = schedule_meeting(&app).await;
        let exactly = vec![b'a'; 4096];
        let (status, response) = attach(
            &app,
            Some(&admin),
            input(&meeting, "OTHER", "At the limit"),
            ("limit.txt", "text/plain", &exactly),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(accepted(&response)["sizeBytes"], 4096);

        let above = vec![b'a'; 4097];
        let before = audit_count(&app).await;
        let (status, response) = attach(
            &app,
            Some(&admin),
            input(&meeting, "OTHER", "Above the limit"),
            ("above.txt", "text/plain", &above),
        )
        .await;
        assert_eq!(status, 413, "{response:#}");
        assert_eq!(
            response["errors"][0]["extensions"]["code"],
            "PAYLOAD_TOO_LARGE"
        );
        let message = response["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("4096 bytes"), "{message}");
        assert_eq!(audit_count(&app).await, before);

        // A JSON body keeps its own, smaller limit.
        let big = "x".repeat(300 * 1024);
        let refused = app
            .client
            .post(format!("{}/graphql", app.address))
            .json(&json!({"query": format!("{{ viewer {{ role }} }} # {big}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 413);
    }
);

on_both!(
    async fn an_expenditure_report_carries_its_financial_statement(app: TestApp) {
        let funded = funded_programme(&app, "5000000.00").await;
        let ilo = &funded.organizations[0];
        let sent = transfer(
            &app,
            &app.admin(),
            &funded,
            ilo,
            "100000.00",
            "doc-transfer",
        )
        .await;
        assert_eq!(sent["userErrors"], json!([]), "{sent}");
        let puno = app.puno_token(row_id(&json!(ilo)), "user:ilo");
        let report = command(
            &app,
            &puno,
            "reportExpenditure",
            "expenditureReport { id }",
            json!({"jointProgramme": funded.programme, "year": 2021, "lines": [{"category": "STAFF_AND_PERSONNEL", "amountUsd": "50000.00"}], "idempotencyKey": "doc-exp"}),
        )
        .await;
        let report = report["expenditureReport"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let iom = app.puno_token(row_id(&json!(funded.organizations[1])), "user:iom");
        let statement = simple_pdf(&["Certified financial statement 2021"]);
        let (_, response) = attach(
            &app,
            Some(&iom),
            input(&report, "FINANCIAL_REPORT", "Statement"),
            ("statement.pdf", "application/pdf", &statement),
        )
        .await;
        top_level(&response, "FORBIDDEN");
        let (_, response) = attach(
            &app,
            Some(&puno),
            input(
                &report,
                "FINANCIAL_REPORT",
                "Certified financial statement 2021",
            ),
            ("statement.pdf", "application/pdf", &statement),
        )
        .await;
        let document = accepted(&response);
        let listed = app
            .data(
                Some(&app.token(mptf::domain::Role::PartnerSystem, "user:partner")),
                "query($id: ID!) { node(id: $id) { ... on JointProgramme { expenditures { documents { id kind } } } } }",
                json!({"id": funded.programme}),
            )
            .await;
        assert_eq!(
            listed["node"]["expenditures"][0]["documents"],
            json!([{"id": document["id"], "kind": "FINANCIAL_REPORT"}])
        );
    }
);

on_both!(
    async fn the_demo_portfolio_keeps_minutes_and_programme_documents(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let partner = app.token(mptf::domain::Role::PartnerSystem, "user:partner");
        let data = app
            .data(
                Some(&partner),
                "{ steeringCommitteeMeetings(first: 10) { nodes { heldOn documents { kind mediaType downloadUrl } } } jointProgrammes(first: 3) { nodes { documents { kind } } } }",
                json!({}),
            )
            .await;
        // Every meeting held keeps its minutes; the next meeting (two months ahead) has none yet.
        let today = chrono::Utc::now().date_naive().to_string();
        let (held, upcoming): (Vec<&Value>, Vec<&Value>) = data["steeringCommitteeMeetings"]
            ["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .partition(|m| m["heldOn"].as_str().unwrap() <= today.as_str());
        assert_eq!((held.len(), upcoming.len()), (5, 1), "{data}");
        assert_eq!(upcoming[0]["documents"], json!([]));
        let meetings = held;
        for meeting in &meetings {
            assert_eq!(meeting["documents"][0]["kind"], "MINUTES", "{meeting}");
            assert_eq!(meeting["documents"][0]["mediaType"], "application/pdf");
        }
        let url = meetings[0]["documents"][0]["downloadUrl"].as_str().unwrap();
        let file = app.get(Some(&partner), url).await;
        assert_eq!(file.status(), 200);
        assert!(file.bytes().await.unwrap().starts_with(b"%PDF-1.4"));
        let documented = data["jointProgrammes"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["documents"] == json!([{"kind": "PROGRAMME_DOCUMENT"}]))
            .count();
        assert!(documented >= 1, "{data}");
    }
);
