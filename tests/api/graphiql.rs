//! GraphiQL offline (issue 15, part 1): the page and every file it needs come from the server,
//! its Content-Security-Policy names no other host, and each example operation it opens with runs
//! on the demo portfolio for the role it is written for.

use crate::helpers::{Backend, TestApp};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The sources a directive of the page's policy may name: this server, `data:` URLs, nothing.
const ALLOWED_SOURCES: [&str; 3] = ["'self'", "'none'", "data:"];

struct Fetched {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Fetched {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn fetch(app: &TestApp, path: &str, accept: &str) -> Fetched {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .header("Accept", accept)
        .send()
        .await
        .expect("the server answers");
    Fetched {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.bytes().await.expect("a body").to_vec(),
    }
}

/// The values of every `attribute="…"` in the page.
fn attributes(page: &str, attribute: &str) -> Vec<String> {
    let marker = format!("{attribute}=\"");
    page.match_indices(&marker)
        .filter_map(|(at, _)| {
            let rest = &page[at + marker.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .collect()
}

/// The files the page links, in the order it links them.
fn linked_assets(page: &str) -> Vec<String> {
    attributes(page, "src")
        .into_iter()
        .chain(attributes(page, "href"))
        .chain(attributes(page, "data-examples"))
        .filter(|path| path.starts_with("/graphiql/assets/"))
        .collect()
}

/// The vendored files and their sums, as vendor/graphiql/SHA256SUMS records them.
fn vendored() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vendor/graphiql");
    let sums =
        std::fs::read_to_string(root.join("SHA256SUMS")).expect("vendor/graphiql/SHA256SUMS");
    sums.lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(sum, name)| (name.to_owned(), sum.to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_and_its_files_come_from_the_server() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let page = fetch(&app, "/", "text/html").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
    assert_eq!(page.header("cache-control"), "no-store");
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert_eq!(page.header("x-frame-options"), "DENY");

    // The policy: every directive names this server, data: or nothing (and styles a nonce);
    // no inline script or style, no eval; and the directives GraphiQL needs are there.
    let policy = page.header("content-security-policy").to_owned();
    let directives: Vec<Vec<&str>> = policy
        .split(';')
        .map(|d| d.split_whitespace().collect())
        .filter(|d: &Vec<&str>| !d.is_empty())
        .collect();
    assert!(directives.len() >= 8, "{policy}");
    for directive in &directives {
        for source in &directive[1..] {
            let nonce = directive[0] == "style-src" && source.starts_with("'nonce-");
            assert!(
                ALLOWED_SOURCES.contains(source) || nonce,
                "{} names {source}: {policy}",
                directive[0]
            );
        }
    }
    // The nonce the page's script hands to GraphiQL's dialogs: this response's, fresh each time.
    let style_src = directives
        .iter()
        .find(|d| d[0] == "style-src")
        .expect("style-src");
    assert_eq!(style_src.len(), 3, "{policy}");
    assert_eq!(style_src[1], "'self'", "{policy}");
    let nonce = style_src[2]
        .trim_start_matches("'nonce-")
        .trim_end_matches('\'');
    assert!(nonce.len() >= 22, "{policy}");
    assert_eq!(attributes(&page.text(), "nonce"), [nonce], "{policy}");
    let again = fetch(&app, "/", "text/html").await;
    assert!(!again.header("content-security-policy").contains(nonce));
    for wanted in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            directives.iter().any(|d| d.join(" ") == wanted),
            "no `{wanted}` in {policy}"
        );
    }

    // The page: no URL outside the server, no inline script or style.
    let text = page.text();
    assert!(text.contains("<div id=\"graphiql\""), "{text}");
    for scheme in ["http:", "https:", "//"] {
        assert!(!text.contains(scheme), "the page names `{scheme}`: {text}");
    }
    assert!(
        !text.contains("<style") && !text.contains("style=\""),
        "inline style: {text}"
    );
    let scripts = attributes(&text, "src");
    assert_eq!(
        text.matches("<script").count(),
        scripts.len(),
        "an inline script: {text}"
    );
    for url in attributes(&text, "src")
        .iter()
        .chain(&attributes(&text, "href"))
    {
        assert!(url.starts_with('/') || url == "data:,", "{url}");
    }

    // Every linked file: served with its type, cacheable for a year, and for the vendored ones
    // exactly the bytes vendor/graphiql/SHA256SUMS names.
    let assets = linked_assets(&text);
    assert_eq!(assets.len(), 7, "{assets:?}");
    let vendored = vendored();
    assert_eq!(vendored.len(), 7, "{vendored:?}");
    let mut checked_vendored = 0;
    for path in &assets {
        let asset = fetch(&app, path, "*/*").await;
        assert_eq!(asset.status, 200, "{path}");
        let expected_type = match path.rsplit('.').next() {
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("json") => "application/json",
            other => panic!("an unexpected file {path}: {other:?}"),
        };
        assert_eq!(asset.header("content-type"), expected_type, "{path}");
        assert_eq!(
            asset.header("cache-control"),
            "public, max-age=31536000, immutable",
            "{path}"
        );
        assert_eq!(asset.header("x-content-type-options"), "nosniff", "{path}");
        assert!(asset.body.len() > 100, "{path}");
        let sum = hex(&Sha256::digest(&asset.body));
        assert!(
            path.contains(&sum[..16]),
            "{path} is not named by its content {sum}"
        );
        let name = path.rsplit('/').next().unwrap_or_default();
        if let Some((_, recorded)) = vendored.iter().find(|(file, _)| file == name) {
            assert_eq!(
                &sum, recorded,
                "{name} differs from vendor/graphiql/SHA256SUMS"
            );
            checked_vendored += 1;
        }
    }
    assert_eq!(
        checked_vendored, 4,
        "graphiql.min.js/.css, react, react-dom"
    );

    // A browser asking for /graphql gets the same page; a wrong hash or name gets nothing.
    let from_graphql = fetch(&app, "/graphql", "text/html").await;
    assert_eq!(from_graphql.status, 200);
    assert_eq!(
        from_graphql
            .text()
            .replace(&attributes(&from_graphql.text(), "nonce")[0], nonce),
        text
    );
    let script = assets
        .iter()
        .find(|p| p.ends_with("/graphiql.min.js"))
        .expect("graphiql.min.js");
    let (folder, _) = script.rsplit_once('/').unwrap_or_default();
    for wrong in [
        "/graphiql/assets/0000000000000000/graphiql.min.js".to_owned(),
        "/graphiql/assets/graphiql.min.js".to_owned(),
        format!("{folder}/graphiql.js"),
        format!("{folder}/..%2F..%2FCargo.toml"),
    ] {
        assert_eq!(fetch(&app, &wrong, "*/*").await.status, 404, "{wrong}");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_and_no_files_when_graphiql_is_off() {
    let on = TestApp::spawn(Backend::Sqlite).await;
    let assets = linked_assets(&fetch(&on, "/", "text/html").await.text());
    assert!(!assets.is_empty());
    let off =
        TestApp::spawn_with(Backend::Sqlite, |settings| settings.graphiql = Some(false)).await;
    assert_eq!(fetch(&off, "/", "text/html").await.status, 404);
    for path in &assets {
        assert_eq!(fetch(&off, path, "*/*").await.status, 404, "{path}");
    }
}

/// The operation a tab's document defines (`query Name`, `mutation Name`).
fn operation_name(document: &str) -> String {
    document
        .lines()
        .find_map(|line| {
            let line = line.trim_start();
            ["query ", "mutation ", "subscription "]
                .iter()
                .find_map(|keyword| line.strip_prefix(keyword))
        })
        .and_then(|rest| rest.split(|c: char| !c.is_alphanumeric()).next())
        .unwrap_or_default()
        .to_owned()
}

/// Every `userErrors` list anywhere in a response's data.
fn user_errors(value: &Value, found: &mut Vec<Value>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "userErrors" {
                    found.extend(value.as_array().cloned().unwrap_or_default());
                } else {
                    user_errors(value, found);
                }
            }
        }
        Value::Array(values) => values.iter().for_each(|v| user_errors(v, found)),
        _ => {}
    }
}

async fn every_example_runs_on_the_demo_portfolio(backend: Backend) {
    let app = TestApp::spawn_with(backend, |settings| settings.seed_demo = Some(true)).await;
    let page = fetch(&app, "/", "text/html").await.text();
    let examples_path = attributes(&page, "data-examples")
        .pop()
        .expect("the examples' path");
    let examples: Vec<Value> =
        serde_json::from_slice(&fetch(&app, &examples_path, "application/json").await.body)
            .expect("the examples are JSON");
    let names: Vec<String> = examples
        .iter()
        .map(|e| operation_name(e["query"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(
        names,
        [
            "PublicFigures",
            "SignIn",
            "DonorStatement",
            "CommitteePipeline",
            "OrganizationConceptNotes",
            "Programmes",
            "RecordDeposit"
        ]
    );
    let mut roles = Vec::new();
    for (example, name) in examples.iter().zip(&names) {
        let query = example["query"].as_str().unwrap_or_default();
        let variables: Value = match example["variables"].as_str() {
            Some(text) => serde_json::from_str(text).expect("the variables pane holds JSON"),
            None => json!({}),
        };
        // A tab for a role says so in its Headers pane; the test signs in with the demo account
        // the tab names, as the SignIn tab does.
        let token = match example["account"].as_str() {
            Some(account) => {
                let headers: Value =
                    serde_json::from_str(example["headers"].as_str().expect("headers"))
                        .expect("the headers pane holds JSON");
                assert!(
                    headers["Authorization"]
                        .as_str()
                        .is_some_and(|h| h.starts_with("Bearer ")),
                    "{name}"
                );
                let login = app
                    .data(
                        None,
                        "mutation($email: String!, $password: String!) { login(input: {email: $email, password: $password}) { token viewer { role } } }",
                        json!({"email": account, "password": mptf::seed::DEMO_PASSWORD}),
                    )
                    .await;
                assert_eq!(
                    login["login"]["viewer"]["role"], example["role"],
                    "{name}: {login}"
                );
                roles.push(example["role"].as_str().unwrap_or_default().to_owned());
                Some(
                    login["login"]["token"]
                        .as_str()
                        .expect("a token")
                        .to_owned(),
                )
            }
            None => None,
        };
        let data = app.data(token.as_deref(), query, variables).await;
        let mut errors = Vec::new();
        user_errors(&data, &mut errors);
        assert!(errors.is_empty(), "{name}: {errors:?}");
        // Each example shows rows of the demo portfolio, not an empty answer.
        let shown = match name.as_str() {
            "PublicFigures" => data["portfolio"]["totals"]["depositedUsd"].clone(),
            "SignIn" => {
                for alias in ["donor", "committee", "puno", "partnerSystem", "admin"] {
                    assert!(data[alias]["token"].is_string(), "SignIn {alias}: {data}");
                }
                data["admin"]["token"].clone()
            }
            "DonorStatement" => data["contributions"]["nodes"][0]["deposits"][0]["netUsd"].clone(),
            "CommitteePipeline" => data["conceptNotes"]["nodes"][0]["reference"].clone(),
            "OrganizationConceptNotes" => data["conceptNotes"]["nodes"][0]["reference"].clone(),
            "Programmes" => data["jointProgrammes"]["nodes"][0]["code"].clone(),
            "RecordDeposit" => {
                assert_eq!(
                    data["recordDeposit"]["contribution"]["reference"], "MPTF-DEU-01",
                    "{data}"
                );
                data["recordDeposit"]["deposit"]["amountUsd"].clone()
            }
            other => panic!("an example the test does not know: {other}"),
        };
        assert!(
            shown.as_str().is_some_and(|s| !s.is_empty()),
            "{name} shows nothing: {data}"
        );
    }
    assert_eq!(
        roles,
        [
            "DONOR",
            "STEERING_COMMITTEE",
            "PUNO",
            "PARTNER_SYSTEM",
            "ADMIN"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_runs_on_the_demo_portfolio_sqlite() {
    every_example_runs_on_the_demo_portfolio(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_runs_on_the_demo_portfolio_postgres() {
    if std::env::var("MPTF_TEST_POSTGRES_URL").is_ok() {
        every_example_runs_on_the_demo_portfolio(Backend::Postgres).await;
    }
}
