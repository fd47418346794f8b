//! Security, through the real server: query limits, tokens (RFC 8725) and the identity
//! provider, deactivated accounts, login throttling and lock-out, the production profile, error
//! masking, the permission matrix of `docs/permissions.md` with object-level checks, and
//! graphql-cop style probes against the production profile.
//!
//! The key pairs in `tests/api/keys/` exist for these tests only and protect nothing.

mod accounts;
mod limits;
mod masking;
mod object_level;
mod permissions;
mod probes;
mod profile;
mod tokens;

// Shared between sections: signing in and creating accounts.
use accounts::create_user;
use tokens::{assert_refused, viewer};

use crate::fixtures::{
    create_donor, funded_programme, record_contribution, record_deposit, reference_ids,
    submit_note, Funded,
};
use crate::helpers::*;
use crate::on_both;
use futures::{SinkExt, StreamExt};
use mptf::config::{Profile, Settings};
use mptf::domain::Role;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// The production profile as the tests run it: GraphiQL, SQL counts and GET at their
/// production defaults, one dashboard origin allowed.
fn production(settings: &mut Settings) {
    settings.profile = Profile::Production;
    settings.graphiql = None;
    settings.expose_sql_count = None;
    settings.security.cors_origins = vec![DASHBOARD.to_owned()];
}

const DASHBOARD: &str = "https://dashboard.example.org";

/// A raw response: status, headers and the JSON body (Null when the body is not JSON).
struct Raw {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Raw {
    async fn from(response: reqwest::Response) -> Raw {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        Raw {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("")
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn post_json(app: &TestApp, token: Option<&str>, body: &Value) -> Raw {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    Raw::from(request.send().await.expect("the server answers")).await
}

async fn post_with(app: &TestApp, token: &str, query: &str) -> Raw {
    post_json(app, Some(token), &json!({"query": query})).await
}

async fn audit_events(app: &TestApp) -> u64 {
    entity::audit_event::Entity::find()
        .count(&app.services.db)
        .await
        .unwrap()
}

async fn donor_count(app: &TestApp) -> u64 {
    entity::donor::Entity::find()
        .count(&app.services.db)
        .await
        .unwrap()
}

fn partner(app: &TestApp) -> String {
    app.token(Role::PartnerSystem, "client:dashboard")
}
