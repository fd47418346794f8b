//! The pages of the work around the money: the reports programmes owe (what is overdue, what
//! falls due) and the fund's calls for concept notes with their pipeline. As everywhere, each
//! figure and each row is the API's answer to the caller.

use super::format::{rows, share, text, usd_named, words};
use super::{layout, refusal_page, respond, run, session, unavailable, Nav, Refusal, Session};
use crate::http::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde_json::{json, Value};

async fn open(req: &HttpRequest, state: &AppState) -> Result<Session, HttpResponse> {
    session(req, state).await.map_err(|r| unavailable(&r))
}

/// How far ahead the calendar looks, in days.
const AHEAD_DAYS: i32 = 60;

const CALENDAR: &str = "query PagesReports($asOf: Date, $ahead: Int) {
  overdue: reportingCalendar(filter: { asOf: $asOf, status: [OVERDUE] }, first: 100) {
    totalCount nodes { kind year dueOn organization { acronym } jointProgramme { code title } } }
  due: reportingCalendar(filter: { asOf: $asOf, status: [DUE], dueWithinDays: $ahead }, first: 100) {
    totalCount nodes { kind year dueOn organization { acronym } jointProgramme { code title } } }
}";

/// The `asOf` of the reports page.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AsOf {
    as_of: Option<String>,
}

/// `GET /dashboard/reports?asOf=DAY`: the reports overdue on the day (today by default) and
/// those falling due in the next 60 days; a PUNO sees its own organization's, as the API says.
pub async fn reports(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<AsOf>,
) -> HttpResponse {
    let session = match open(&req, &state).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let as_of = query
        .as_of
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if as_of.is_some_and(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err()) {
        let refusal = Refusal::BadInput("`asOf` is a date, e.g. 2022-05-16".into());
        return refusal_page(&session, &refusal);
    }
    let variables = json!({"asOf": as_of, "ahead": AHEAD_DAYS});
    let answer = match run(&state, &session.ctx, CALENDAR, variables).await {
        Ok(data) => data,
        Err(refusal) => return refusal_page(&session, &refusal),
    };
    let day = as_of.map_or_else(|| "today".to_owned(), |d| format!("on {d}"));
    let body = html! {
        form.intime method="get" action="/dashboard/reports" {
            p {
                label for="asOf" { "Reports as they stand on" }
                input #asOf type="date" name="asOf" value=[as_of];
                button type="submit" { "Show" }
                @if as_of.is_some() { " " a href="/dashboard/reports" { "Today" } }
            }
        }
        section #overdue aria-labelledby="overdue-h" {
            h2 #overdue-h { "Overdue " (day) }
            (report_table(&answer["overdue"], &format!("Reports overdue {day}"), "Nothing is overdue."))
        }
        section #due aria-labelledby="due-h" {
            h2 #due-h { "Due in the next " (AHEAD_DAYS) " days" }
            (report_table(&answer["due"], &format!("Reports due within {AHEAD_DAYS} days of {}", as_of.unwrap_or("today")), "Nothing falls due."))
        }
    };
    respond(
        StatusCode::OK,
        &session,
        layout(&session, "Reports due", Nav::Reports, body),
    )
}

fn report_table(list: &Value, caption: &str, none: &str) -> Markup {
    html! {
        p { data value=(text_of(&list["totalCount"])) data-figure="totalCount" { (text(&list["totalCount"])) } " reports." }
        @if rows(list).is_empty() {
            p { (none) }
        } @else {
            table.figures.wide {
                caption { (caption) }
                thead { tr {
                    th scope="col" { "Due on" } th scope="col" { "Report" } th scope="col" { "Year" }
                    th scope="col" { "Programme" } th scope="col" { "Organization" }
                } }
                tbody {
                    @for r in rows(list) {
                        tr {
                            td { (day(&r["dueOn"])) }
                            td { (words(&r["kind"])) }
                            td { (text(&r["year"])) }
                            td { a href={ "/dashboard/programmes/" (r["jointProgramme"]["code"].as_str().unwrap_or("")) } { (text(&r["jointProgramme"]["code"])) } " " span.title { (text(&r["jointProgramme"]["title"])) } }
                            td { (text(&r["organization"]["acronym"])) }
                        }
                    }
                }
            }
            @if list["totalCount"].as_u64().unwrap_or(0) > rows(list).len() as u64 {
                p.caption { "The first 100; the whole list is the API's `reportingCalendar`." }
            }
        }
    }
}

/// A date, kept on one line.
fn day(value: &Value) -> Markup {
    match value.as_str() {
        Some(date) => html! { time datetime=(date) { (date) } },
        None => text(value),
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

const CALLS: &str = "query PagesCalls {
  calls(first: 100) { totalCount nodes { reference title status opensOn closesOn envelopeUsd
    maxBudgetUsd notesReceived takenIntoPipelineUsd envelopeTakenShare } }
}";

/// `GET /dashboard/calls`: the fund's calls for concept notes, with what each received and what
/// the committee took into the pipeline (of the notes the caller may read).
pub async fn calls(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let session = match open(&req, &state).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let answer = match run(&state, &session.ctx, CALLS, json!({})).await {
        Ok(data) => data,
        Err(refusal) => return refusal_page(&session, &refusal),
    };
    let list = &answer["calls"];
    let body = html! {
        p { (text(&list["totalCount"])) " calls, the latest to open first. Notes received and taken into the pipeline count the notes you may read." }
        table.figures.wide {
            caption { "The fund's calls for concept notes" }
            thead { tr {
                th scope="col" { "Call" } th scope="col" { "Window" } th scope="col" { "Status" }
                th scope="col" { "Envelope (USD)" } th scope="col" { "Ceiling per note (USD)" }
                th scope="col" { "Notes received" } th scope="col" { "Taken into the pipeline (USD)" }
                th scope="col" { "Share of the envelope" }
            } }
            tbody {
                @for c in rows(list) {
                    tr {
                        th scope="row" { (text(&c["reference"])) " " span.title { (text(&c["title"])) } }
                        td { (day(&c["opensOn"])) " to " (day(&c["closesOn"])) }
                        td { (words(&c["status"])) }
                        td.num { (usd_named(&c["envelopeUsd"], Some("envelopeUsd"))) }
                        td.num { (usd_named(&c["maxBudgetUsd"], None)) }
                        td.num { (text(&c["notesReceived"])) }
                        td.num { (usd_named(&c["takenIntoPipelineUsd"], Some("takenIntoPipelineUsd"))) }
                        td.num { (share(&c["envelopeTakenShare"])) }
                    }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        &session,
        layout(&session, "Calls for concept notes", Nav::Calls, body),
    )
}
