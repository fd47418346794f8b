//! The dashboard: server-rendered pages for people (the steering committee, donors, the fund's
//! staff), under `/dashboard`. docs/pages.md has the design.
//!
//! A page is a view of the API, not a second API: each page runs its GraphQL documents (below,
//! in the views) in-process through the same schema and executor as `POST /graphql`, with the
//! caller the session cookie names. So a page reads exactly the figures and rows the API
//! answers that caller (the same service functions, the same `policy.rs` rules, the same
//! `knownAt`), and a section the caller may not read says so instead of showing anything.
//!
//! Templates are maud (compile-time checked, escaped by default); charts are inline SVG drawn
//! by [`charts`]; the stylesheet is served by the binary. The pages carry no script at all.

pub mod charts;
mod format;
mod views;
mod work;

use crate::auth::throttle::ClientAddress;
use crate::auth::TokenError;
use crate::graphql;
use crate::http::{request_id, AppState};
use crate::service::Ctx;
use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup, DOCTYPE};
use serde_json::{json, Value};

/// The cookie holding a signed-in person's token (the `login` mutation's).
pub const SESSION_COOKIE: &str = "mptf_session";
/// The path the cookie is scoped to: it never travels with API requests.
pub const SESSION_PATH: &str = "/dashboard";
/// The pages' own policy: no script at all, styles and images from this server only, forms
/// posting back here only, never framed.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'";
/// Links between the pages carry their origin (never their path, never to another host).
pub const REFERRER_POLICY: &str = "same-origin";
const STYLESHEET: &str = include_str!("pages.css");

/// The pages' routes (called from the HTTP setup).
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/dashboard", web::get().to(views::fund))
        .route("/dashboard/login", web::get().to(login_form))
        .route("/dashboard/login", web::post().to(login))
        .route("/dashboard/logout", web::post().to(logout))
        .route("/dashboard/programmes", web::get().to(views::programmes))
        .route(
            "/dashboard/programmes/{code}",
            web::get().to(views::programme),
        )
        .route("/dashboard/meetings", web::get().to(views::meetings))
        .route("/dashboard/meetings/{id}", web::get().to(views::meeting))
        .route("/dashboard/donors", web::get().to(views::donors))
        .route("/dashboard/donors/{id}", web::get().to(views::donor))
        .route("/dashboard/reports", web::get().to(work::reports))
        .route("/dashboard/calls", web::get().to(work::calls))
        .route("/dashboard/assets/pages.css", web::get().to(stylesheet))
        .route("/dashboard/{rest:.*}", web::get().to(not_found));
}

/// Who is looking at a page: the caller of the API the cookie's token names, or anonymous.
pub(crate) struct Session {
    pub ctx: Ctx,
    /// The cookie held a token that no longer holds (expired, or its account deactivated):
    /// the page is served anonymously and the cookie cleared.
    pub ended: bool,
}

impl Session {
    pub fn donor_id(&self) -> Option<i64> {
        self.ctx.principal.as_ref().and_then(|p| p.donor_id)
    }
}

/// Reads the session cookie, verifying its token as `Authorization: Bearer` would be.
pub(crate) async fn session(req: &HttpRequest, state: &AppState) -> Result<Session, Refusal> {
    let request_id = request_id(req);
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(Session {
            ctx: Ctx::new(None, request_id),
            ended: false,
        });
    };
    match state
        .tokens
        .authenticate(&state.services.db, cookie.value())
        .await
    {
        Ok(principal) => Ok(Session {
            ctx: Ctx::new(Some(principal), request_id),
            ended: false,
        }),
        Err(TokenError::Unavailable) => Err(Refusal::Internal(request_id)),
        Err(_) => Ok(Session {
            ctx: Ctx::new(None, request_id),
            ended: true,
        }),
    }
}

/// Why a page (or one of its sections) cannot be shown.
#[derive(Debug, Clone)]
pub(crate) enum Refusal {
    NotFound,
    Unauthenticated,
    Forbidden(String),
    BadInput(String),
    /// With the request id to quote.
    Internal(String),
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Refusal::NotFound => StatusCode::NOT_FOUND,
            Refusal::Unauthenticated => StatusCode::UNAUTHORIZED,
            Refusal::Forbidden(_) => StatusCode::FORBIDDEN,
            Refusal::BadInput(_) => StatusCode::BAD_REQUEST,
            Refusal::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A section the caller may not read: a note in its place.
    pub fn note(&self) -> Markup {
        match self {
            Refusal::Unauthenticated => html! {
                p.note { "Sign in to see these figures. " a href="/dashboard/login" { "Sign in" } }
            },
            Refusal::Forbidden(message) => html! { p.note { "Not shown to you: " (message) } },
            Refusal::BadInput(message) => html! { p.note { (message) } },
            Refusal::NotFound => html! { p.note { "Not found." } },
            Refusal::Internal(id) => html! {
                p.note { "These figures could not be read; quote request id " code { (id) } " to the fund's support." }
            },
        }
    }
}

/// Runs one GraphQL document for the session's caller, through the API's own executor.
pub(crate) async fn run(
    state: &AppState,
    ctx: &Ctx,
    document: &str,
    variables: Value,
) -> Result<Value, Refusal> {
    let request = async_graphql::Request::new(document)
        .variables(async_graphql::Variables::from_json(variables));
    let executed = graphql::execution::execute(
        &state.schema,
        &state.services,
        &state.requests,
        request,
        ctx.clone(),
    )
    .await;
    answer(executed.response, &ctx.request_id)
}

fn answer(response: async_graphql::Response, request_id: &str) -> Result<Value, Refusal> {
    if let Some(error) = response.errors.first() {
        let code = error
            .extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .and_then(|c| match c {
                async_graphql::Value::String(s) => Some(s.clone()),
                async_graphql::Value::Enum(e) => Some(e.to_string()),
                _ => None,
            })
            .unwrap_or_default();
        return Err(match code.as_str() {
            "FORBIDDEN" => Refusal::Forbidden(error.message.clone()),
            "UNAUTHENTICATED" => Refusal::Unauthenticated,
            "NOT_FOUND" => Refusal::NotFound,
            "INTERNAL" | "" | "REQUEST_TIMEOUT" => Refusal::Internal(request_id.to_owned()),
            _ => Refusal::BadInput(error.message.clone()),
        });
    }
    response
        .data
        .into_json()
        .map_err(|_| Refusal::Internal(request_id.to_owned()))
}

/// The pages' navigation.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) enum Nav {
    Fund,
    Programmes,
    Meetings,
    Donors,
    Reports,
    Calls,
    SignIn,
}

/// A whole page around `body`.
pub(crate) fn layout(session: &Session, title: &str, current: Nav, body: Markup) -> Markup {
    let item = |nav: Nav, href: &str, label: &str| {
        html! {
            li { a href=(href) aria-current=[(nav == current).then_some("page")] { (label) } }
        }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Migration MPTF" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/dashboard/assets/pages.css";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    p.brand { a href="/dashboard" { "Migration Multi-Partner Trust Fund" } }
                    nav aria-label="Pages" {
                        ul {
                            (item(Nav::Fund, "/dashboard", "The fund"))
                            (item(Nav::Programmes, "/dashboard/programmes", "Programmes"))
                            (item(Nav::Meetings, "/dashboard/meetings", "Meetings"))
                            (item(Nav::Donors, "/dashboard/donors", "Donors"))
                            (item(Nav::Reports, "/dashboard/reports", "Reports due"))
                            (item(Nav::Calls, "/dashboard/calls", "Calls"))
                        }
                    }
                    div.who {
                        @match &session.ctx.principal {
                            Some(principal) => {
                                span.role { "Signed in: " (principal.role.as_str()) }
                                form method="post" action="/dashboard/logout" {
                                    button type="submit" { "Sign out" }
                                }
                            }
                            None => {
                                @if current != Nav::SignIn {
                                    a.button href="/dashboard/login" { "Sign in" }
                                }
                            }
                        }
                    }
                }
                main #main tabindex="-1" {
                    @if session.ended {
                        p.note role="status" { "Your session has ended: sign in again to see more." }
                    }
                    h1 { (title) }
                    (body)
                }
                footer.site {
                    p { "Figures in US dollars from the fund's books, exactly as the API answers them. Each chart's figures are in the table beside it." }
                }
            }
        }
    }
}

/// An HTML answer with the pages' headers; clears the cookie when the session ended.
pub(crate) fn respond(status: StatusCode, session: &Session, page: Markup) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", CSP))
        .insert_header(("Referrer-Policy", REFERRER_POLICY));
    if session.ended {
        response.cookie(removal_cookie(false));
    }
    response.body(page.into_string())
}

/// The page for a refusal (404, 403, 401 with a link to sign in, 400, 500).
pub(crate) fn refusal_page(session: &Session, refusal: &Refusal) -> HttpResponse {
    let (title, body) = match refusal {
        Refusal::NotFound => (
            "Not found",
            html! { p { "There is no such page here. " a href="/dashboard" { "Back to the fund" } } },
        ),
        Refusal::Forbidden(message) => (
            "Not yours to see",
            html! { p { (message) } p { a href="/dashboard" { "Back to the fund" } } },
        ),
        Refusal::Unauthenticated => (
            "Sign in to see this page",
            html! { p { a href="/dashboard/login" { "Sign in" } " with your account of the fund." } },
        ),
        Refusal::BadInput(message) => ("This page cannot be read so", html! { p { (message) } }),
        Refusal::Internal(id) => (
            "Something went wrong",
            html! { p { "Quote request id " code { (id) } " to the fund's support." } },
        ),
    };
    respond(
        refusal.status(),
        session,
        layout(session, title, Nav::Fund, body),
    )
}

/// The answer when even the session could not be read.
pub(crate) fn unavailable(refusal: &Refusal) -> HttpResponse {
    let session = Session {
        ctx: Ctx::new(None, "-"),
        ended: false,
    };
    refusal_page(&session, refusal)
}

async fn not_found(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    match session(&req, &state).await {
        Ok(session) => refusal_page(&session, &Refusal::NotFound),
        Err(refusal) => unavailable(&refusal),
    }
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(STYLESHEET)
}

// ---- Sign-in ---------------------------------------------------------------------------------

/// Whether a form post comes from these pages. A browser says where a request comes from in
/// `Sec-Fetch-Site`: only `same-origin` is accepted. A browser too old to send it sends `Origin`
/// with every POST: it must name this server (`null`, as sent under some referrer policies, is
/// refused). A client sending neither is not a browser acting on someone's behalf.
pub(crate) fn same_site_post(req: &HttpRequest) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.to_str().ok() == Some("same-origin");
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let info = req.connection_info();
        let host = info.host();
        return origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .is_some_and(|(_, origin_host)| origin_host.eq_ignore_ascii_case(host));
    }
    true
}

fn session_cookie(token: String, seconds: i64, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path(SESSION_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(time::Duration::seconds(seconds.max(0)))
        .finish()
}

fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = session_cookie(String::new(), 0, secure);
    cookie.make_removal();
    cookie
}

fn login_page(session: &Session, message: Option<&str>) -> Markup {
    layout(
        session,
        "Sign in",
        Nav::SignIn,
        html! {
            @if let Some(message) = message {
                p.error role="alert" { (message) }
            }
            form.signin method="post" action="/dashboard/login" {
                p {
                    label for="email" { "Email" }
                    input #email type="email" name="email" autocomplete="username" required;
                }
                p {
                    label for="password" { "Password" }
                    input #password type="password" name="password" autocomplete="current-password" required;
                }
                p { button type="submit" { "Sign in" } }
            }
            p { "The same accounts as the API's " code { "login" } ". Your session lasts as long as its token." }
        },
    )
}

async fn login_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    match session(&req, &state).await {
        Ok(session) => respond(StatusCode::OK, &session, login_page(&session, None)),
        Err(refusal) => unavailable(&refusal),
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct LoginForm {
    email: String,
    password: String,
}

const LOGIN: &str = "mutation PagesLogin($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token expiresAt userErrors { message } }
}";

fn cross_site_refused() -> HttpResponse {
    HttpResponse::Forbidden()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("Content-Security-Policy", CSP))
        .body("cross-site form posts are refused")
}

/// Signs in with the `login` mutation itself (its throttle, its password check on the blocking
/// pool, its token), then keeps the token in the session cookie.
async fn login(
    req: HttpRequest,
    form: web::Form<LoginForm>,
    state: web::Data<AppState>,
) -> HttpResponse {
    if !same_site_post(&req) {
        return cross_site_refused();
    }
    let request_id = request_id(&req);
    let anonymous = Session {
        ctx: Ctx::new(None, request_id.clone()),
        ended: false,
    };
    let request = async_graphql::Request::new(LOGIN)
        .variables(async_graphql::Variables::from_json(
            json!({"email": form.email, "password": form.password}),
        ))
        .data(ClientAddress(req.peer_addr().map(|a| a.ip())));
    let executed = graphql::execution::execute(
        &state.schema,
        &state.services,
        &state.requests,
        request,
        anonymous.ctx.clone(),
    )
    .await;
    let data = match answer(executed.response, &request_id) {
        Ok(data) => data,
        Err(refusal) => {
            let message = match &refusal {
                Refusal::BadInput(m) => m.clone(),
                _ => return refusal_page(&anonymous, &refusal),
            };
            return respond(
                StatusCode::BAD_REQUEST,
                &anonymous,
                login_page(&anonymous, Some(&message)),
            );
        }
    };
    let payload = &data["login"];
    let (Some(token), Some(expires_at)) =
        (payload["token"].as_str(), payload["expiresAt"].as_str())
    else {
        let message = payload["userErrors"][0]["message"]
            .as_str()
            .unwrap_or(crate::service::users::LOGIN_REFUSED);
        return respond(
            StatusCode::UNAUTHORIZED,
            &anonymous,
            login_page(&anonymous, Some(message)),
        );
    };
    let seconds = chrono::DateTime::parse_from_rfc3339(expires_at)
        .map(|at| (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds())
        .unwrap_or(0);
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/dashboard"))
        .insert_header(("Content-Security-Policy", CSP))
        .cookie(session_cookie(
            token.to_owned(),
            seconds,
            state.http.production,
        ))
        .finish()
}

/// Signs out: clears the cookie (the token itself lives out its short lifetime).
async fn logout(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if !same_site_post(&req) {
        return cross_site_refused();
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/dashboard"))
        .insert_header(("Content-Security-Policy", CSP))
        .cookie(removal_cookie(state.http.production))
        .finish()
}
