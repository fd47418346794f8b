//! GraphiQL, served whole by the binary: the page, GraphiQL's and React's prebuilt browser files
//! (vendor/graphiql/, as published on npm, see its refresh.sh), the script that starts it and the
//! example operations of each role. Nothing comes from another host, so GraphiQL works on an
//! office network without internet and its Content-Security-Policy names this server only.
//!
//! The files are compiled in with `include_bytes!`: a fixed handful, no directory to walk and no
//! extra crate (rust-embed would add a proc-macro and a runtime lookup for the same result).
//! Each is served under a path that carries a hash of its content, so browsers may keep it for a
//! year: a new release of the files is a new path.

use super::AppState;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// Where the assets are served: `/graphiql/assets/<content hash>/<name>`.
pub const ASSETS: &str = "/graphiql/assets";

/// The page's policy: scripts, styles and connections from this server only. GraphiQL's
/// stylesheet embeds its fonts and a few images as `data:` URLs; WebSocket subscriptions to the
/// same host are covered by `'self'` (CSP Level 3). GraphiQL's dialogs add one `<style>` element
/// while open: it carries this response's nonce rather than the policy allowing inline styles.
fn page_policy(style_nonce: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{style_nonce}'; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    )
}

/// Where the page carries its nonce.
const STYLE_NONCE: &str = "{{style-nonce}}";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JSON: &str = "application/json";

/// The files as they are served (the page links them in this order).
const FILES: [(&str, &str, &[u8]); 6] = [
    (
        "graphiql.min.css",
        CSS,
        include_bytes!("../../../vendor/graphiql/graphiql.min.css"),
    ),
    (
        "mptf-graphiql.css",
        CSS,
        include_bytes!("graphiql/mptf-graphiql.css"),
    ),
    (
        "react.production.min.js",
        JAVASCRIPT,
        include_bytes!("../../../vendor/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        JAVASCRIPT,
        include_bytes!("../../../vendor/graphiql/react-dom.production.min.js"),
    ),
    (
        "graphiql.min.js",
        JAVASCRIPT,
        include_bytes!("../../../vendor/graphiql/graphiql.min.js"),
    ),
    (
        "mptf-graphiql.js",
        JAVASCRIPT,
        include_bytes!("graphiql/mptf-graphiql.js"),
    ),
];

/// An example operation, opened as one of GraphiQL's tabs. `account` is the demo account whose
/// token the tab needs (none: anonymous); the tests sign in with it and run every example.
struct Example {
    query: &'static str,
    role: Option<&'static str>,
    account: Option<&'static str>,
    variables: Option<fn() -> Value>,
}

const EXAMPLES: [Example; 7] = [
    Example {
        query: include_str!("graphiql/examples/public-figures.graphql"),
        role: None,
        account: None,
        variables: None,
    },
    Example {
        query: include_str!("graphiql/examples/sign-in.graphql"),
        role: None,
        account: None,
        variables: Some(|| json!({"password": crate::seed::DEMO_PASSWORD})),
    },
    Example {
        query: include_str!("graphiql/examples/donor-statement.graphql"),
        role: Some("DONOR"),
        account: Some("donor@mptf.example"),
        variables: None,
    },
    Example {
        query: include_str!("graphiql/examples/committee-pipeline.graphql"),
        role: Some("STEERING_COMMITTEE"),
        account: Some("chair@mptf.example"),
        variables: None,
    },
    Example {
        query: include_str!("graphiql/examples/organization-notes.graphql"),
        role: Some("PUNO"),
        account: Some("iom@mptf.example"),
        variables: None,
    },
    Example {
        query: include_str!("graphiql/examples/partner-programmes.graphql"),
        role: Some("PARTNER_SYSTEM"),
        account: Some("dashboard@mptf.example"),
        variables: Some(|| json!({"after": null})),
    },
    Example {
        query: include_str!("graphiql/examples/admin-deposit.graphql"),
        role: Some("ADMIN"),
        account: Some("admin@mptf.example"),
        // Germany's first agreement (MPTF-DEU-01), the demo seed's first contribution.
        variables: Some(
            || json!({"contribution": crate::ids::encode(crate::ids::Kind::Contribution, 1)}),
        ),
    },
];

/// The examples as the starting script reads them: GraphiQL's tab fields (`query`, and
/// `variables` and `headers` as the JSON texts its panes show) plus who the tab is for.
fn examples_json() -> Vec<u8> {
    let tabs: Vec<Value> = EXAMPLES
        .iter()
        .map(|example| {
            let headers = example.role.map(|role| {
                let placeholder = format!("<a {role} token, from the SignIn tab>");
                pretty(&json!({ "Authorization": format!("Bearer {placeholder}") }))
            });
            json!({
                "query": example.query,
                "variables": example.variables.map(|v| pretty(&v())),
                "headers": headers,
                "role": example.role,
                "account": example.account,
            })
        })
        .collect();
    serde_json::to_vec_pretty(&tabs).unwrap_or_default()
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

struct Asset {
    path: String,
    content_type: &'static str,
    body: web::Bytes,
}

impl Asset {
    fn new(name: &str, content_type: &'static str, body: web::Bytes) -> Asset {
        let hash = hex::encode(Sha256::digest(&body));
        Asset {
            path: format!("{ASSETS}/{}/{name}", &hash[..16]),
            content_type,
            body,
        }
    }
}

/// The page and its assets, put together once.
struct Site {
    page: String,
    assets: Vec<Asset>,
}

static SITE: LazyLock<Site> = LazyLock::new(|| {
    let mut assets: Vec<Asset> = FILES
        .iter()
        .map(|(name, content_type, bytes)| {
            Asset::new(name, content_type, web::Bytes::from_static(bytes))
        })
        .collect();
    assets.push(Asset::new(
        "examples.json",
        JSON,
        web::Bytes::from(examples_json()),
    ));
    let names = FILES
        .iter()
        .map(|(name, ..)| *name)
        .chain(["examples.json"]);
    let page = names.zip(&assets).fold(
        include_str!("graphiql/index.html").to_owned(),
        |page, (name, asset)| page.replace(&format!("{{{{{name}}}}}"), &asset.path),
    );
    Site { page, assets }
});

/// `GET /` (and `GET /graphql` from a browser): the page, when GraphiQL is enabled.
pub async fn page(state: web::Data<AppState>) -> HttpResponse {
    if !state.graphiql {
        return HttpResponse::NotFound().finish();
    }
    // A fresh nonce per response (122 random bits), so a page seen once proves nothing later.
    let style_nonce = uuid::Uuid::new_v4().simple().to_string();
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, page_policy(&style_nonce)))
        // The page names its assets by content; it is checked again on every visit (and its
        // nonce changes).
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(SITE.page.replace(STYLE_NONCE, &style_nonce))
}

/// `GET /graphiql/assets/<hash>/<name>`: one of the page's files, cacheable for a year (a
/// different content has a different path).
pub async fn asset(state: web::Data<AppState>, path: web::Path<(String, String)>) -> HttpResponse {
    if !state.graphiql {
        return HttpResponse::NotFound().finish();
    }
    let (hash, name) = path.into_inner();
    let wanted = format!("{ASSETS}/{hash}/{name}");
    match SITE.assets.iter().find(|asset| asset.path == wanted) {
        Some(asset) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(asset.body.clone()),
        None => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_links_every_asset_and_nothing_else() {
        let page = SITE.page.replace(STYLE_NONCE, "n");
        assert!(!page.contains("{{"), "a placeholder left: {page}");
        for asset in &SITE.assets {
            assert!(
                SITE.page.contains(&asset.path),
                "{} is not linked",
                asset.path
            );
        }
        assert!(!SITE.page.contains("http:") && !SITE.page.contains("https:"));
    }

    #[test]
    fn the_examples_are_json_with_a_tab_each() {
        let tabs: Vec<Value> = serde_json::from_slice(&examples_json()).unwrap();
        assert_eq!(tabs.len(), EXAMPLES.len());
        for tab in tabs {
            assert!(tab["query"].as_str().is_some_and(|q| !q.is_empty()));
            if let Some(headers) = tab["headers"].as_str() {
                let headers: Value = serde_json::from_str(headers).unwrap();
                assert!(headers["Authorization"]
                    .as_str()
                    .unwrap()
                    .starts_with("Bearer "));
            }
        }
    }
}
