//! The pages themselves: for each, the GraphQL documents it runs (as the caller) and how it
//! shows their answers. A figure is always the API's; a page only lays it out.

use super::charts::{self, Bar, Level, Point, Stack};
use super::format::{grouped, money, rows, share, text, usd, usd_named, words};
use super::{layout, refusal_page, respond, run, session, unavailable, Nav, Refusal, Session};
use crate::http::AppState;
use crate::ids::{self, Kind};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use maud::{html, Markup};
use serde_json::{json, Value};

/// `asOf` and `knownAt` as a page's query parameters: the fund's books as they stood on a day,
/// or as they were known at a moment (a past meeting's pack).
#[derive(serde::Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct InTime {
    known_at: Option<String>,
    as_of: Option<String>,
}

impl InTime {
    /// The parameters checked (`BAD_USER_INPUT`'s words on a page), blanks dropped.
    fn checked(&self) -> Result<(Option<String>, Option<String>), Refusal> {
        let known_at = self
            .known_at
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let as_of = self
            .as_of
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if let Some(at) = known_at {
            DateTime::parse_from_rfc3339(at).map_err(|_| {
                Refusal::BadInput(
                    "`knownAt` is a moment with its time zone, e.g. 2022-05-16T00:00:00Z".into(),
                )
            })?;
        }
        if let Some(day) = as_of {
            NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .map_err(|_| Refusal::BadInput("`asOf` is a date, e.g. 2022-05-16".into()))?;
        }
        Ok((known_at.map(str::to_owned), as_of.map(str::to_owned)))
    }
}

async fn open(req: &HttpRequest, state: &AppState) -> Result<Session, HttpResponse> {
    session(req, state).await.map_err(|r| unavailable(&r))
}

/// A section's heading, then its content or the note saying why it is not shown.
fn section(
    id: &str,
    heading: &str,
    answer: &Result<Value, Refusal>,
    body: impl FnOnce(&Value) -> Markup,
) -> Markup {
    html! {
        section #(id) aria-labelledby={ (id) "-h" } {
            h2 #{ (id) "-h" } { (heading) }
            @match answer {
                Ok(data) => (body(data)),
                Err(refusal) => (refusal.note()),
            }
        }
    }
}

fn now_only(in_time: bool) -> Markup {
    html! {
        @if in_time {
            p.caption { "As the portfolio stands now: these figures are not kept by date." }
        }
    }
}

// ---- The fund --------------------------------------------------------------------------------

const BOOKS: &str = "query PagesBooks($asOf: Date, $knownAt: DateTime) {
  portfolio(asOf: $asOf, knownAt: $knownAt) {
    sourcesAndUses { contributionsUsd fundInterestUsd organizationInterestUsd otherIncomeUsd totalSourcesUsd
      transferredUsd refundsUsd netTransferredUsd agentFeesUsd directCostsUsd bankChargesUsd totalUsesUsd
      balanceWithAgentUsd balanceWithAgentShare }
    fundsWithOrganizations { transferredUsd expenditureUsd refundsUsd balanceUsd balanceShare }
    totalBalanceUsd
  }
}";

const POOLS: &str = "query PagesPools($asOf: Date, $knownAt: DateTime) {
  portfolio(asOf: $asOf, knownAt: $knownAt) {
    uncommitted { pool { number name } balanceWithAgentUsd allocatedNotTransferredUsd uncommittedUsd }
    uncommittedUsd
  }
}";

const TOTALS: &str = "query PagesTotals {
  portfolio {
    totals { pledgedUsd committedUsd depositedUsd netDepositedUsd approvedUsd transferredUsd expenditureUsd }
    fundingGapUsd
    capitalizationTargets { label amountUsd dueOn }
  }
}";

const CAPITALIZATION: &str = "query PagesCapitalization {
  portfolio { contributionsOverTime(interval: QUARTER) { period depositedUsd depositCount } }
}";

const AREAS: &str = "query PagesAreas {
  portfolio { byThematicArea { area { number name } approvedUsd transferredUsd share programmeCount pipelineCount } }
}";

const REGIONS: &str = "query PagesRegions {
  portfolio { byRegion { region programmeCount approvedUsd transferredUsd expenditureUsd conceptNoteCount } }
}";

const FUNNEL: &str =
    "query PagesFunnel { portfolio { pipelineFunnel { status count requestedUsd } deliveryRate } }";

const DELIVERY: &str = "query PagesDelivery($asOf: Date, $knownAt: DateTime) {
  jointProgrammes(first: 50, orderBy: APPROVED_BUDGET_DESC) {
    totalCount
    nodes { code title startDate endDate financials(asOf: $asOf, knownAt: $knownAt) { netFundedUsd expenditureUsd deliveryRate } }
  }
}";

/// `GET /dashboard`: the fund, as the committee's meeting pack.
pub async fn fund(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<InTime>,
) -> HttpResponse {
    let session = match open(&req, &state).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let (known_at, as_of) = match query.checked() {
        Ok(t) => t,
        Err(refusal) => return refusal_page(&session, &refusal),
    };
    let in_time = known_at.is_some() || as_of.is_some();
    let time = json!({"knownAt": known_at, "asOf": as_of});
    let ctx = &session.ctx;
    let (books, pools, totals, capitalization, areas, regions, funnel, delivery) = futures::join!(
        run(&state, ctx, BOOKS, time.clone()),
        run(&state, ctx, POOLS, time.clone()),
        run(&state, ctx, TOTALS, json!({})),
        run(&state, ctx, CAPITALIZATION, json!({})),
        run(&state, ctx, AREAS, json!({})),
        run(&state, ctx, REGIONS, json!({})),
        run(&state, ctx, FUNNEL, json!({})),
        run(&state, ctx, DELIVERY, time.clone()),
    );
    // The day time elapsed is counted to: the pack's day, or today.
    let today = known_at
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc).date_naive())
        .or_else(|| as_of.as_deref().and_then(|d| d.parse().ok()))
        .unwrap_or_else(|| Utc::now().date_naive());
    let body = html! {
        @if let Some(at) = &known_at {
            p.pack { "The fund's books as they were known at " time datetime=(at) { (at) } "." }
        }
        @if let Some(day) = &as_of {
            p.pack { "The fund's books as they stood at the end of " time datetime=(day) { (day) } "." }
        }
        form.intime method="get" action="/dashboard" {
            p {
                label for="knownAt" { "Books as known at" }
                input #knownAt type="text" name="knownAt" value=[known_at.as_deref()] placeholder="2022-05-16T00:00:00Z" inputmode="text";
                label for="asOf" { "or as of the day" }
                input #asOf type="date" name="asOf" value=[as_of.as_deref()];
                button type="submit" { "Show" }
                @if in_time { " " a href="/dashboard" { "Now" } }
            }
        }
        (section("capitalization", "Capitalization against targets", &merge(&totals, &capitalization), |d| capitalization_view(d, in_time)))
        (section("books", "Sources and uses of funds", &books, books_view))
        (section("pools", "What the committee can still allocate", &pools, pools_view))
        (section("areas", "Money by thematic area", &areas, |d| areas_view(d, in_time)))
        (section("regions", "Money by region", &regions, |d| regions_view(d, in_time)))
        (section("funnel", "The pipeline", &funnel, |d| funnel_view(d, in_time)))
        (section("delivery", "Delivery by programme against time elapsed", &delivery, |d| delivery_view(d, today)))
    };
    respond(
        StatusCode::OK,
        &session,
        layout(&session, "The fund", Nav::Fund, body),
    )
}

/// The totals (public) with the deposits over time (the committee's): the totals alone when the
/// caller may not read deposits by period.
fn merge(
    totals: &Result<Value, Refusal>,
    over_time: &Result<Value, Refusal>,
) -> Result<Value, Refusal> {
    let totals = totals.clone()?;
    Ok(json!({
        "totals": totals["portfolio"],
        "overTime": over_time.as_ref().map(|d| d["portfolio"]["contributionsOverTime"].clone()).ok(),
        "overTimeRefused": over_time.as_ref().err().map(|r| r.note().into_string()),
    }))
}

fn capitalization_view(data: &Value, in_time: bool) -> Markup {
    let p = &data["totals"];
    let t = &p["totals"];
    let targets = rows(&p["capitalizationTargets"]);
    let periods = data["overTime"].as_array().cloned().unwrap_or_default();
    // The line's heights: deposits so far at the end of each quarter (geometry only).
    let mut so_far = 0.0;
    let heights: Vec<f64> = periods
        .iter()
        .map(|r| {
            so_far += r["depositedUsd"]
                .as_str()
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0);
            so_far
        })
        .collect();
    let points: Vec<Point<'_>> = periods
        .iter()
        .zip(&heights)
        .map(|(r, h)| Point {
            label: r["period"].as_str().unwrap_or(""),
            value: *h,
        })
        .collect();
    let levels: Vec<Level<'_>> = targets
        .iter()
        .map(|r| Level {
            label: r["label"].as_str().unwrap_or(""),
            value: r["amountUsd"]
                .as_str()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0),
        })
        .collect();
    html! {
        (now_only(in_time))
        div.columns {
            table.figures {
                caption { "The fund's totals, USD" }
                tbody {
                    tr { th scope="row" { "Pledged" } td { (usd_named(&t["pledgedUsd"], Some("totals.pledgedUsd"))) } }
                    tr { th scope="row" { "Committed (signed agreements)" } td { (usd_named(&t["committedUsd"], Some("totals.committedUsd"))) } }
                    tr { th scope="row" { "Deposited" } td { (usd_named(&t["depositedUsd"], Some("totals.depositedUsd"))) } }
                    tr { th scope="row" { "Deposited, net of the Agent's fees" } td { (usd_named(&t["netDepositedUsd"], Some("totals.netDepositedUsd"))) } }
                    tr { th scope="row" { "Approved for programmes" } td { (usd_named(&t["approvedUsd"], Some("totals.approvedUsd"))) } }
                    tr { th scope="row" { "Transferred to organizations" } td { (usd_named(&t["transferredUsd"], Some("totals.transferredUsd"))) } }
                    tr { th scope="row" { "Expenditure reported" } td { (usd_named(&t["expenditureUsd"], Some("totals.expenditureUsd"))) } }
                    tr { th scope="row" { "Still to deposit to reach the current target" } td { (usd_named(&p["fundingGapUsd"], Some("fundingGapUsd"))) } }
                }
            }
            table.figures {
                caption { "Capitalization targets" }
                thead { tr { th scope="col" { "Target" } th scope="col" { "Due on" } th scope="col" { "USD" } } }
                tbody {
                    @for target in targets {
                        tr { td { (text(&target["label"])) } td { (text(&target["dueOn"])) } td { (usd(&target["amountUsd"])) } }
                    }
                }
            }
        }
        @match data["overTimeRefused"].as_str() {
            Some(note) => (maud::PreEscaped(note.to_owned())),
            None => div.chart-pair {
                (charts::line("capitalization-chart", "Deposits received so far, against the capitalization targets",
                    "Cumulative deposits by quarter (line) and the targets (dashed); the table beside gives each quarter's deposits.",
                    &points, &levels))
                table.figures {
                    caption { "Deposits received per quarter, USD" }
                    thead { tr { th scope="col" { "Quarter" } th scope="col" { "Deposits" } th scope="col" { "USD" } } }
                    tbody {
                        @for period in &periods {
                            tr { td { (text(&period["period"])) } td { (text(&period["depositCount"])) } td { (usd(&period["depositedUsd"])) } }
                        }
                    }
                }
            },
        }
    }
}

fn books_view(data: &Value) -> Markup {
    let p = &data["portfolio"];
    let s = &p["sourcesAndUses"];
    let w = &p["fundsWithOrganizations"];
    let row = |label: &str, value: &Value, figure: &str| {
        html! { tr { th scope="row" { (label) } td { (usd_named(value, Some(figure))) } } }
    };
    let balance = [
        Bar {
            label: "With the Administrative Agent",
            value: s["balanceWithAgentUsd"].as_str().unwrap_or("0"),
        },
        Bar {
            label: "With participating organizations",
            value: w["balanceUsd"].as_str().unwrap_or("0"),
        },
    ];
    html! {
        div.columns {
            table.figures {
                caption { "Sources of funds, USD" }
                tbody {
                    (row("Contributions from donors", &s["contributionsUsd"], "sourcesAndUses.contributionsUsd"))
                    (row("The fund's interest", &s["fundInterestUsd"], "sourcesAndUses.fundInterestUsd"))
                    (row("Interest from participating organizations", &s["organizationInterestUsd"], "sourcesAndUses.organizationInterestUsd"))
                    (row("Other income", &s["otherIncomeUsd"], "sourcesAndUses.otherIncomeUsd"))
                    tr.total { th scope="row" { "Total sources" } td { (usd_named(&s["totalSourcesUsd"], Some("sourcesAndUses.totalSourcesUsd"))) } }
                }
            }
            table.figures {
                caption { "Uses of funds, USD" }
                tbody {
                    (row("Transferred to organizations", &s["transferredUsd"], "sourcesAndUses.transferredUsd"))
                    (row("Refunds from organizations", &s["refundsUsd"], "sourcesAndUses.refundsUsd"))
                    (row("Net transferred", &s["netTransferredUsd"], "sourcesAndUses.netTransferredUsd"))
                    (row("The Administrative Agent's fees", &s["agentFeesUsd"], "sourcesAndUses.agentFeesUsd"))
                    (row("Direct costs", &s["directCostsUsd"], "sourcesAndUses.directCostsUsd"))
                    (row("Bank charges", &s["bankChargesUsd"], "sourcesAndUses.bankChargesUsd"))
                    tr.total { th scope="row" { "Total uses" } td { (usd_named(&s["totalUsesUsd"], Some("sourcesAndUses.totalUsesUsd"))) } }
                }
            }
        }
        div.chart-pair {
            (charts::bars("balances-chart", "The fund's balances", "What the Administrative Agent holds and what the participating organizations hold.", &balance))
            table.figures {
                caption { "Balances, USD" }
                tbody {
                    tr { th scope="row" { "With the Administrative Agent" } td { (usd_named(&s["balanceWithAgentUsd"], Some("sourcesAndUses.balanceWithAgentUsd"))) } td { (share(&s["balanceWithAgentShare"])) } }
                    tr { th scope="row" { "With participating organizations (transferred " (grouped(w["transferredUsd"].as_str().unwrap_or("0"))) ", spent " (grouped(w["expenditureUsd"].as_str().unwrap_or("0"))) ", refunded " (grouped(w["refundsUsd"].as_str().unwrap_or("0"))) ")" } td { (usd_named(&w["balanceUsd"], Some("fundsWithOrganizations.balanceUsd"))) } td { (share(&w["balanceShare"])) } }
                    tr.total { th scope="row" { "Total balance" } td { (usd_named(&p["totalBalanceUsd"], Some("totalBalanceUsd"))) } td {} }
                }
            }
        }
    }
}

/// A pool's or area's short label in a chart ("Area 2"); the table beside names it in full.
fn short_name(pool: &Value) -> String {
    match pool["number"].as_i64() {
        Some(number) => format!("Area {number}"),
        None => "Unearmarked".to_owned(),
    }
}

fn pool_name(pool: &Value) -> String {
    match pool["name"].as_str() {
        Some(name) => format!("{} {}", pool["number"], name),
        None => "Unearmarked".to_owned(),
    }
}

fn pools_view(data: &Value) -> Markup {
    let p = &data["portfolio"];
    let pools = rows(&p["uncommitted"]);
    let names: Vec<String> = pools.iter().map(|r| pool_name(&r["pool"])).collect();
    let labels: Vec<String> = pools.iter().map(|r| short_name(&r["pool"])).collect();
    let stacks: Vec<Stack<'_>> = pools
        .iter()
        .zip(&labels)
        .map(|(r, name)| Stack {
            label: name,
            values: vec![
                r["uncommittedUsd"].as_str().unwrap_or("0"),
                r["allocatedNotTransferredUsd"].as_str().unwrap_or("0"),
            ],
        })
        .collect();
    html! {
        div.chart-pair {
            (charts::stacked("pools-chart", "The balance with the Agent, per earmark pool", "Per pool: what the committee can still allocate, and what it allocated that is not transferred yet.", &["Can still allocate", "Allocated, not transferred"], &stacks))
            table.figures {
                caption { "Per earmark pool, USD" }
                thead { tr { th scope="col" { "Pool" } th scope="col" { "With the Agent" } th scope="col" { "Allocated, not transferred" } th scope="col" { "Can still allocate" } } }
                tbody {
                    @for (r, name) in pools.iter().zip(&names) {
                        tr { th scope="row" { (name) } td { (usd(&r["balanceWithAgentUsd"])) } td { (usd(&r["allocatedNotTransferredUsd"])) } td { (usd(&r["uncommittedUsd"])) } }
                    }
                    tr.total { th scope="row" { "The fund" } td {} td {} td { (usd_named(&p["uncommittedUsd"], Some("uncommittedUsd"))) } }
                }
            }
        }
    }
}

fn areas_view(data: &Value, in_time: bool) -> Markup {
    let areas = rows(&data["portfolio"]["byThematicArea"]);
    let names: Vec<String> = areas.iter().map(|r| pool_name(&r["area"])).collect();
    let labels: Vec<String> = areas.iter().map(|r| short_name(&r["area"])).collect();
    let stacks: Vec<Stack<'_>> = areas
        .iter()
        .zip(&labels)
        .map(|(r, name)| Stack {
            label: name,
            values: vec![
                r["transferredUsd"].as_str().unwrap_or("0"),
                r["approvedUsd"].as_str().unwrap_or("0"),
            ],
        })
        .collect();
    html! {
        (now_only(in_time))
        div.chart-pair {
            (charts::paired("areas-chart", "Approved and transferred, by thematic area", "Per thematic area: what was transferred (upper bar) and what was approved (lower bar).", ["Transferred", "Approved"], &stacks))
            table.figures {
                caption { "By thematic area, USD" }
                thead { tr { th scope="col" { "Thematic area" } th scope="col" { "Programmes" } th scope="col" { "In the pipeline" } th scope="col" { "Approved" } th scope="col" { "Share" } th scope="col" { "Transferred" } } }
                tbody {
                    @for (r, name) in areas.iter().zip(&names) {
                        tr { th scope="row" { (name) } td { (text(&r["programmeCount"])) } td { (text(&r["pipelineCount"])) } td { (usd(&r["approvedUsd"])) } td { (share(&r["share"])) } td { (usd(&r["transferredUsd"])) } }
                    }
                }
            }
        }
    }
}

fn regions_view(data: &Value, in_time: bool) -> Markup {
    let regions = rows(&data["portfolio"]["byRegion"]);
    let names: Vec<String> = regions
        .iter()
        .map(|r| match r["region"].as_str() {
            Some(_) => words(&r["region"]),
            None => "Global (no country)".to_owned(),
        })
        .collect();
    let stacks: Vec<Stack<'_>> = regions
        .iter()
        .zip(&names)
        .map(|(r, name)| Stack {
            label: name,
            values: vec![
                r["transferredUsd"].as_str().unwrap_or("0"),
                r["approvedUsd"].as_str().unwrap_or("0"),
            ],
        })
        .collect();
    html! {
        (now_only(in_time))
        p.caption { "A programme in several countries is split between them, so the regions add up to the fund's totals." }
        div.chart-pair {
            (charts::paired("regions-chart", "Approved and transferred, by region", "Per UN region: transferred (upper bar) and approved (lower bar).", ["Transferred", "Approved"], &stacks))
            table.figures {
                caption { "By region, USD" }
                thead { tr { th scope="col" { "Region" } th scope="col" { "Programmes" } th scope="col" { "Concept notes" } th scope="col" { "Approved" } th scope="col" { "Transferred" } th scope="col" { "Expenditure" } } }
                tbody {
                    @for (r, name) in regions.iter().zip(&names) {
                        tr { th scope="row" { (name) } td { (text(&r["programmeCount"])) } td { (text(&r["conceptNoteCount"])) } td { (usd(&r["approvedUsd"])) } td { (usd(&r["transferredUsd"])) } td { (usd(&r["expenditureUsd"])) } }
                    }
                }
            }
        }
    }
}

fn funnel_view(data: &Value, in_time: bool) -> Markup {
    let stages = rows(&data["portfolio"]["pipelineFunnel"]);
    let names: Vec<String> = stages.iter().map(|r| words(&r["status"])).collect();
    let counts: Vec<String> = stages.iter().map(|r| r["count"].to_string()).collect();
    let bars: Vec<Bar<'_>> = names
        .iter()
        .zip(&counts)
        .map(|(name, count)| Bar {
            label: name,
            value: count,
        })
        .collect();
    html! {
        (now_only(in_time))
        div.chart-pair {
            (charts::bars("funnel-chart", "Concept notes by status", "How many concept notes are at each step of the programming cycle.", &bars))
            table.figures {
                caption { "Concept notes by status" }
                thead { tr { th scope="col" { "Status" } th scope="col" { "Notes" } th scope="col" { "Requested, USD" } } }
                tbody {
                    @for (r, name) in stages.iter().zip(&names) {
                        tr { th scope="row" { (name) } td { (text(&r["count"])) } td { (usd(&r["requestedUsd"])) } }
                    }
                    tr.total { th scope="row" { "The fund's delivery rate" } td {} td { (share(&data["portfolio"]["deliveryRate"])) } }
                }
            }
        }
    }
}

/// The share of a programme's duration elapsed on `today` (0 to 1; presentation only).
fn elapsed(programme: &Value, today: NaiveDate) -> Option<f64> {
    let start: NaiveDate = programme["startDate"].as_str()?.parse().ok()?;
    let end: NaiveDate = programme["endDate"].as_str()?.parse().ok()?;
    let total = (end - start).num_days();
    if total <= 0 {
        return None;
    }
    Some(((today - start).num_days() as f64 / total as f64).clamp(0.0, 1.0))
}

fn delivery_view(data: &Value, today: NaiveDate) -> Markup {
    let list = &data["jointProgrammes"];
    let programmes = rows(list);
    let times: Vec<String> = programmes
        .iter()
        .map(|p| format!("{:.4}", elapsed(p, today).unwrap_or(0.0)))
        .collect();
    let stacks: Vec<Stack<'_>> = programmes
        .iter()
        .zip(&times)
        .take(25)
        .map(|(p, time)| Stack {
            label: p["code"].as_str().unwrap_or(""),
            values: vec![
                p["financials"]["deliveryRate"].as_str().unwrap_or("0"),
                time,
            ],
        })
        .collect();
    html! {
        p.caption {
            "The " (programmes.len()) " largest programmes by approved budget, of " (text(&list["totalCount"])) "; delivery is expenditure over the net funded amount, time elapsed is counted to " (today) ". "
            a href="/dashboard/programmes" { "Every programme" }
        }
        div.chart-pair {
            (charts::paired("delivery-chart", "Delivery against time elapsed, by programme", "For the 25 largest programmes: delivery (upper bar) and the share of the programme's duration elapsed (lower bar).", ["Delivery", "Time elapsed"], &stacks))
            table.figures {
                caption { "Delivery by programme" }
                thead { tr { th scope="col" { "Programme" } th scope="col" { "Net funded, USD" } th scope="col" { "Expenditure, USD" } th scope="col" { "Delivery" } th scope="col" { "Time elapsed" } } }
                tbody {
                    @for (p, time) in programmes.iter().zip(&times) {
                        tr {
                            th scope="row" { a href={ "/dashboard/programmes/" (p["code"].as_str().unwrap_or("")) } { (text(&p["code"])) } " " span.title { (text(&p["title"])) } }
                            td { (usd(&p["financials"]["netFundedUsd"])) }
                            td { (usd(&p["financials"]["expenditureUsd"])) }
                            td { (share(&p["financials"]["deliveryRate"])) }
                            td { (share(&Value::String(time.clone()))) }
                        }
                    }
                }
            }
        }
    }
}

// ---- Programmes ------------------------------------------------------------------------------

const AREA_LIST: &str = "query PagesAreaList { thematicAreas { id number name } }";

const PROGRAMMES: &str = "query PagesProgrammes($filter: JointProgrammeFilter, $after: String) {
  jointProgrammes(first: 50, after: $after, filter: $filter, orderBy: CODE) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { code title status startDate endDate thematicArea { number name } countries { name }
            financials { approvedUsd transferredUsd expenditureUsd deliveryRate } }
  }
}";

const REGIONS_LIST: [&str; 5] = ["AFRICA", "AMERICAS", "ASIA", "EUROPE", "OCEANIA"];
const STATUSES: [&str; 5] = [
    "APPROVED",
    "ACTIVE",
    "OPERATIONALLY_CLOSED",
    "FINANCIALLY_CLOSED",
    "SUSPENDED",
];

#[derive(serde::Deserialize, Default)]
pub struct ProgrammeParams {
    area: Option<String>,
    region: Option<String>,
    status: Option<String>,
    after: Option<String>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `GET /dashboard/programmes?area=N&region=R&status=S`.
pub async fn programmes(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ProgrammeParams>,
) -> HttpResponse {
    let session = match open(&req, &state).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let areas = match run(&state, &session.ctx, AREA_LIST, json!({})).await {
        Ok(data) => data,
        Err(refusal) => return refusal_page(&session, &refusal),
    };
    let areas = rows(&areas["thematicAreas"]).to_vec();
    let area = given(&query.area);
    let region = given(&query.region);
    let status = given(&query.status);
    let mut filter = serde_json::Map::new();
    if let Some(number) = area {
        match areas.iter().find(|a| {
            a["number"]
                .as_i64()
                .is_some_and(|n| number.parse() == Ok(n))
        }) {
            Some(found) => {
                filter.insert("thematicArea".into(), found["id"].clone());
            }
            None => {
                return refusal_page(
                    &session,
                    &Refusal::BadInput(format!("there is no thematic area {number}")),
                )
            }
        }
    }
    if let Some(region) = region {
        if !REGIONS_LIST.contains(&region) {
            return refusal_page(&session, &Refusal::BadInput("no such region".into()));
        }
        filter.insert("region".into(), json!(region));
    }
    if let Some(status) = status {
        if !STATUSES.contains(&status) {
            return refusal_page(&session, &Refusal::BadInput("no such status".into()));
        }
        filter.insert("status".into(), json!([status]));
    }
    let answer = match run(
        &state,
        &session.ctx,
        PROGRAMMES,
        json!({"filter": filter, "after": given(&query.after)}),
    )
    .await
    {
        Ok(data) => data,
        Err(refusal) => return refusal_page(&session, &refusal),
    };
    let list = &answer["jointProgrammes"];
    let next = list["pageInfo"]["hasNextPage"]
        .as_bool()
        .unwrap_or(false)
        .then(|| {
            let mut params = url_params(&[("area", area), ("region", region), ("status", status)]);
            params.push_str(&format!(
                "{}after={}",
                if params.is_empty() { "" } else { "&" },
                list["pageInfo"]["endCursor"].as_str().unwrap_or("")
            ));
            format!("/dashboard/programmes?{params}")
        });
    let body = html! {
        form.filters method="get" action="/dashboard/programmes" {
            p {
                label for="area" { "Thematic area" }
                select #area name="area" {
                    option value="" { "Any" }
                    @for a in &areas {
                        @let number = a["number"].to_string();
                        option value=(number) selected[area == Some(number.as_str())] { (number) " " (text(&a["name"])) }
                    }
                }
                label for="region" { "Region" }
                select #region name="region" {
                    option value="" { "Any" }
                    @for r in REGIONS_LIST {
                        option value=(r) selected[region == Some(r)] { (words(&json!(r))) }
                    }
                }
                label for="status" { "Status" }
                select #status name="status" {
                    option value="" { "Any" }
                    @for s in STATUSES {
                        option value=(s) selected[status == Some(s)] { (words(&json!(s))) }
                    }
                }
                button type="submit" { "Show" }
            }
        }
        p { (text(&list["totalCount"])) " programmes." }
        table.figures.wide {
            caption { "Joint programmes, USD" }
            thead { tr {
                th scope="col" { "Programme" } th scope="col" { "Area" } th scope="col" { "Countries" } th scope="col" { "Status" }
                th scope="col" { "Period" } th scope="col" { "Approved" } th scope="col" { "Transferred" } th scope="col" { "Expenditure" } th scope="col" { "Delivery" }
            } }
            tbody {
                @for p in rows(list) {
                    tr {
                        th scope="row" { a href={ "/dashboard/programmes/" (p["code"].as_str().unwrap_or("")) } { (text(&p["code"])) } " " span.title { (text(&p["title"])) } }
                        td { (text(&p["thematicArea"]["number"])) }
                        td { (rows(&p["countries"]).iter().filter_map(|c| c["name"].as_str()).collect::<Vec<_>>().join(", ")) }
                        td { (words(&p["status"])) }
                        td { (text(&p["startDate"])) " – " (text(&p["endDate"])) }
                        td { (usd_named(&p["financials"]["approvedUsd"], Some("programme.approvedUsd"))) }
                        td { (usd_named(&p["financials"]["transferredUsd"], Some("programme.transferredUsd"))) }
                        td { (usd(&p["financials"]["expenditureUsd"])) }
                        td { (share(&p["financials"]["deliveryRate"])) }
                    }
                }
            }
        }
        @if let Some(next) = next {
            p { a rel="next" href=(next) { "Next page" } }
        }
    };
    respond(
        StatusCode::OK,
        &session,
        layout(&session, "Joint programmes", Nav::Programmes, body),
    )
}

fn url_params(params: &[(&str, Option<&str>)]) -> String {
    params
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", encode(v))))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes a query value (the values here are codes and numbers; anything else is
/// encoded byte by byte).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const FIND_PROGRAMME: &str = "query PagesFindProgramme($search: String!) {
  jointProgrammes(first: 100, filter: {search: $search}) { nodes { id code } }
}";

const PROGRAMME: &str = "query PagesProgramme($id: ID!, $asOf: Date, $knownAt: DateTime) {
  node(id: $id) { ... on JointProgramme {
    code title status startDate endDate originalEndDate
    thematicArea { number name } countries { name } convening { acronym }
    participatingOrganizations { acronym name }
    financials(asOf: $asOf, knownAt: $knownAt) { approvedUsd originalBudgetUsd transferredUsd refundsUsd netFundedUsd
      expenditureUsd deliveryRate balanceUsd balanceWithOrganizationsUsd }
    budgetLines { organization { acronym } programmableUsd indirectSupportCostRate indirectSupportCostUsd totalUsd }
    budgetRevisions { appliedAt amountUsd budgetBeforeUsd budgetAfterUsd
      linesBefore { organization { acronym } totalUsd } linesAfter { organization { acronym } totalUsd } }
    transfers { transferredOn organization { acronym } amountUsd }
    expenditures { year organization { acronym } amountUsd final }
    indicators { code level statement unit baseline baselineYear target status latest { periodStart periodEnd value } progress }
    decisions { kind amountUsd rationale recordedAt meeting { id heldOn title } }
  } }
}";

fn acronym(row: &Value) -> Markup {
    text(&row["organization"]["acronym"])
}

fn meeting_link(meeting: &Value) -> Markup {
    let id = meeting["id"]
        .as_str()
        .and_then(|g| ids::decode(Kind::SteeringCommitteeMeeting, g));
    match id {
        Some(id) => {
            html! { a href={ "/dashboard/meetings/" (id) } { (text(&meeting["heldOn"])) " " (text(&meeting["title"])) } }
        }
        None => html! { span.none { "—" } },
    }
}

/// `GET /dashboard/programmes/CODE`.
pub async fn programme(
    req: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<String>,
    query: web::Query<InTime>,
) -> HttpResponse {
    let session = match open(&req, &state).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let (known_at, as_of) = match query.checked() {
        Ok(t) => t,
        Err(refusal) => return refusal_page(&session, &refusal),
    };
    let code = code.into_inner();
    if code.is_empty() || code.chars().count() > 40 {
        return refusal_page(&session, &Refusal::NotFound);
    }
    let found = match run(
        &state,
        &session.ctx,
        FIND_PROGRAMME,
        json!({"search": code}),
    )
    .await
    {
        Ok(data) => data,
        Err(refusal) => return refusal_page(&session, &refusal),
    };
    let Some(id) = rows(&found["jointProgrammes"])
        .iter()
        .find(|p| p["code"].as_str() == Some(code.as_str()))
        .map(|p| p["id"].clone())
    else {
        return refusal_page(&session, &Refusal::NotFound);
    };
    let variables = json!({"id": id, "knownAt": known_at, "asOf": as_of});
    let p = &match node(&state, &session, PROGRAMME, variables).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let f = &p["financials"];
    let money_bars = [
        Bar {
            label: "Approved budget",
            value: f["approvedUsd"].as_str().unwrap_or("0"),
        },
        Bar {
            label: "Transferred",
            value: f["transferredUsd"].as_str().unwrap_or("0"),
        },
        Bar {
            label: "Refunded",
            value: f["refundsUsd"].as_str().unwrap_or("0"),
        },
        Bar {
            label: "Expenditure",
            value: f["expenditureUsd"].as_str().unwrap_or("0"),
        },
    ];
    let title = format!(
        "{} {}",
        p["code"].as_str().unwrap_or(""),
        p["title"].as_str().unwrap_or("")
    );
    let body = html! {
        @if let Some(at) = &known_at {
            p.pack { "Its money as known at " time datetime=(at) { (at) } "." }
        }
        dl.facts {
            dt { "Status" } dd { (words(&p["status"])) }
            dt { "Thematic area" } dd { (text(&p["thematicArea"]["number"])) " " (text(&p["thematicArea"]["name"])) }
            dt { "Countries" } dd { (rows(&p["countries"]).iter().filter_map(|c| c["name"].as_str()).collect::<Vec<_>>().join(", ")) }
            dt { "Convening organization" } dd { (text(&p["convening"]["acronym"])) }
            dt { "Participating organizations" } dd { (rows(&p["participatingOrganizations"]).iter().filter_map(|c| c["acronym"].as_str()).collect::<Vec<_>>().join(", ")) }
            dt { "Period" } dd { (text(&p["startDate"])) " – " (text(&p["endDate"])) @if !p["originalEndDate"].is_null() { " (originally " (text(&p["originalEndDate"])) ")" } }
        }
        section #money aria-labelledby="money-h" {
            h2 #money-h { "Its money" }
            div.chart-pair {
                (charts::bars("money-chart", "The programme's money", "Approved budget, transfers, refunds and expenditure, in USD.", &money_bars))
                table.figures {
                    caption { "USD" }
                    tbody {
                        tr { th scope="row" { "Approved budget (as revised)" } td { (usd_named(&f["approvedUsd"], Some("financials.approvedUsd"))) } }
                        tr { th scope="row" { "Original budget" } td { (usd_named(&f["originalBudgetUsd"], Some("financials.originalBudgetUsd"))) } }
                        tr { th scope="row" { "Transferred" } td { (usd_named(&f["transferredUsd"], Some("financials.transferredUsd"))) } }
                        tr { th scope="row" { "Refunded" } td { (usd_named(&f["refundsUsd"], Some("financials.refundsUsd"))) } }
                        tr { th scope="row" { "Net funded" } td { (usd_named(&f["netFundedUsd"], Some("financials.netFundedUsd"))) } }
                        tr { th scope="row" { "Expenditure" } td { (usd_named(&f["expenditureUsd"], Some("financials.expenditureUsd"))) } }
                        tr { th scope="row" { "Delivery" } td { (share(&f["deliveryRate"])) } }
                        tr { th scope="row" { "Still to transfer" } td { (usd(&f["balanceUsd"])) } }
                        tr { th scope="row" { "Held by the organizations" } td { (usd(&f["balanceWithOrganizationsUsd"])) } }
                    }
                }
            }
        }
        section #budget aria-labelledby="budget-h" {
            h2 #budget-h { "Budget lines" }
            table.figures.wide {
                caption { "Budget lines as revised, USD" }
                thead { tr { th scope="col" { "Organization" } th scope="col" { "Programmable" } th scope="col" { "Indirect support cost rate" } th scope="col" { "Indirect support costs" } th scope="col" { "Total" } } }
                tbody {
                    @for line in rows(&p["budgetLines"]) {
                        tr { th scope="row" { (acronym(line)) } td { (usd(&line["programmableUsd"])) } td { (share(&line["indirectSupportCostRate"])) } td { (usd(&line["indirectSupportCostUsd"])) } td { (usd(&line["totalUsd"])) } }
                    }
                }
            }
            @let revisions = rows(&p["budgetRevisions"]);
            @if revisions.is_empty() {
                p { "The budget was never revised: these are the original lines." }
            } @else {
                table.figures.wide {
                    caption { "Budget revisions, USD" }
                    thead { tr { th scope="col" { "Applied" } th scope="col" { "Before" } th scope="col" { "Change" } th scope="col" { "After" } th scope="col" { "Lines before" } th scope="col" { "Lines after" } } }
                    tbody {
                        @for r in revisions {
                            tr {
                                td { (text(&r["appliedAt"])) } td { (usd(&r["budgetBeforeUsd"])) } td { (usd(&r["amountUsd"])) } td { (usd(&r["budgetAfterUsd"])) }
                                td { @for l in rows(&r["linesBefore"]) { (acronym(l)) " " (usd(&l["totalUsd"])) br; } }
                                td { @for l in rows(&r["linesAfter"]) { (acronym(l)) " " (usd(&l["totalUsd"])) br; } }
                            }
                        }
                    }
                }
            }
        }
        section #transfers aria-labelledby="transfers-h" {
            h2 #transfers-h { "Transfers and expenditure" }
            div.columns {
                table.figures {
                    caption { "Transfers, USD" }
                    thead { tr { th scope="col" { "Date" } th scope="col" { "To" } th scope="col" { "Amount" } } }
                    tbody { @for t in rows(&p["transfers"]) { tr { td { (text(&t["transferredOn"])) } td { (acronym(t)) } td { (usd(&t["amountUsd"])) } } } }
                }
                table.figures {
                    caption { "Expenditure reported, USD" }
                    thead { tr { th scope="col" { "Year" } th scope="col" { "By" } th scope="col" { "Amount" } th scope="col" { "Final" } } }
                    tbody { @for e in rows(&p["expenditures"]) { tr { td { (text(&e["year"])) } td { (acronym(e)) } td { (usd(&e["amountUsd"])) } td { (text(&e["final"])) } } } }
                }
            }
        }
        section #indicators aria-labelledby="indicators-h" {
            h2 #indicators-h { "Results indicators" }
            table.figures.wide {
                caption { "Indicators and their progress" }
                thead { tr { th scope="col" { "Code" } th scope="col" { "Level" } th scope="col" { "Statement" } th scope="col" { "Baseline" } th scope="col" { "Target" } th scope="col" { "Latest" } th scope="col" { "Progress" } } }
                tbody {
                    @for i in rows(&p["indicators"]) {
                        tr {
                            th scope="row" { (text(&i["code"])) } td { (words(&i["level"])) }
                            td { (text(&i["statement"])) " (" (text(&i["unit"])) ")" @if i["status"] == "RETIRED" { " — retired" } }
                            td { (text(&i["baseline"])) " (" (text(&i["baselineYear"])) ")" } td { (text(&i["target"])) }
                            td { (text(&i["latest"]["value"])) @if !i["latest"].is_null() { " for " (text(&i["latest"]["periodStart"])) " to " (text(&i["latest"]["periodEnd"])) } }
                            td { (share(&i["progress"])) }
                        }
                    }
                }
            }
        }
        section #decisions aria-labelledby="decisions-h" {
            h2 #decisions-h { "The committee's decisions" }
            (decisions_table(rows(&p["decisions"]), true))
        }
    };
    respond(
        StatusCode::OK,
        &session,
        layout(&session, &title, Nav::Programmes, body),
    )
}

fn decisions_table(decisions: &[Value], with_meeting: bool) -> Markup {
    html! {
        table.figures.wide {
            caption { "Decisions" }
            thead { tr {
                @if with_meeting { th scope="col" { "Meeting" } } @else { th scope="col" { "On" } }
                th scope="col" { "Decision" } th scope="col" { "Amount, USD" } th scope="col" { "Rationale" } th scope="col" { "Recorded" }
            } }
            tbody {
                @for d in decisions {
                    tr {
                        @if with_meeting {
                            td { (meeting_link(&d["meeting"])) }
                        } @else {
                            td {
                                @match d["subject"]["__typename"].as_str() {
                                    Some("JointProgramme") => a href={ "/dashboard/programmes/" (d["subject"]["code"].as_str().unwrap_or("")) } { (text(&d["subject"]["code"])) " " (text(&d["subject"]["title"])) },
                                    Some("ConceptNote") => { (text(&d["subject"]["reference"])) " " (text(&d["subject"]["title"])) },
                                    _ => span.none { "—" },
                                }
                            }
                        }
                        td { (words(&d["kind"])) @if !d["newEndDate"].is_null() { " to " (text(&d["newEndDate"])) } }
                        td { (usd_named(&d["amountUsd"], Some("decision.amountUsd"))) }
                        td { (text(&d["rationale"])) }
                        td { (text(&d["recordedAt"])) }
                    }
                }
            }
        }
    }
}

// ---- Meetings --------------------------------------------------------------------------------

const MEETINGS: &str = "query PagesMeetings {
  steeringCommitteeMeetings(first: 100) { totalCount nodes { id heldOn kind title } }
}";

const MEETING: &str = "query PagesMeeting($id: ID!) {
  node(id: $id) { ... on SteeringCommitteeMeeting {
    heldOn kind title
    decisions { kind amountUsd newEndDate rationale recordedAt
      subject { __typename ... on ConceptNote { reference title } ... on JointProgramme { code title } } }
  } }
}";

/// `GET /dashboard/meetings`.
pub async fn meetings(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let session = match open(&req, &state).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let answer = match run(&state, &session.ctx, MEETINGS, json!({})).await {
        Ok(data) => data,
        Err(refusal) => return refusal_page(&session, &refusal),
    };
    let list = &answer["steeringCommitteeMeetings"];
    let body = html! {
        p { (text(&list["totalCount"])) " meetings and written procedures, the latest first." }
        table.figures.wide {
            caption { "The steering committee's meetings" }
            thead { tr { th scope="col" { "Held on" } th scope="col" { "Meeting" } th scope="col" { "Kind" } } }
            tbody {
                @for m in rows(list) {
                    tr {
                        td { (text(&m["heldOn"])) }
                        td { (meeting_link(m)) }
                        td { (words(&m["kind"])) }
                    }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        &session,
        layout(&session, "The committee's meetings", Nav::Meetings, body),
    )
}

fn node_id(kind: Kind, raw: &str) -> Option<String> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| ids::encode(kind, n))
}

/// The record a page shows: `document`'s `node`, or the page that answers instead (the API's
/// refusal, or 404 when the id names nothing).
async fn node(
    state: &AppState,
    session: &Session,
    document: &str,
    variables: Value,
) -> Result<Value, HttpResponse> {
    let mut answer = run(state, &session.ctx, document, variables)
        .await
        .map_err(|refusal| refusal_page(session, &refusal))?;
    match answer["node"].take() {
        Value::Null => Err(refusal_page(session, &Refusal::NotFound)),
        found => Ok(found),
    }
}

/// `GET /dashboard/meetings/ID`: a meeting's decisions, the committee's record.
pub async fn meeting(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> HttpResponse {
    let session = match open(&req, &state).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let Some(global) = node_id(Kind::SteeringCommitteeMeeting, &id) else {
        return refusal_page(&session, &Refusal::NotFound);
    };
    let m = &match node(&state, &session, MEETING, json!({"id": global})).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let title = format!(
        "{} ({})",
        m["title"].as_str().unwrap_or("Meeting"),
        m["heldOn"].as_str().unwrap_or("")
    );
    let pack = m["heldOn"]
        .as_str()
        .map(|day| format!("/dashboard?knownAt={day}T00:00:00Z"));
    let body = html! {
        p { (words(&m["kind"])) " held on " (text(&m["heldOn"])) ". "
            @if let Some(pack) = pack { a href=(pack) { "The fund's books as known when it opened" } }
        }
        (decisions_table(rows(&m["decisions"]), false))
    };
    respond(
        StatusCode::OK,
        &session,
        layout(&session, &title, Nav::Meetings, body),
    )
}

// ---- Donors ----------------------------------------------------------------------------------

const DONORS: &str = "query PagesDonors {
  donors(first: 100) { totalCount nodes { id name kind country { name } totals { depositedUsd } } }
}";

const DONOR: &str = "query PagesDonor($id: ID!) {
  node(id: $id) { ... on Donor {
    name kind country { name } note
    statement { pledgedUsd committedUsd depositedUsd administrativeAgentFeesUsd netDepositedUsd
      unearmarkedNetDepositedUsd unearmarkedUsedShare
      byCurrency { pledged { amount currency } signed { amount currency } deposited { amount currency } }
      earmarks { area { number name } netDepositedUsd poolNetDepositedUsd poolTransferredUsd usedShare programmes { code title } } }
    contributions(first: 20) { totalCount nodes {
      reference status pledged { amount currency } pledgedUsd pledgedOn signedOn earmarking earmarkedArea { number name }
      deposits { receivedOn amount { amount currency } exchangeRate amountUsd administrativeAgentFeeUsd netUsd reversed }
      outstanding { amount currency } } }
  } }
}";

/// `GET /dashboard/donors`.
pub async fn donors(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let session = match open(&req, &state).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let answer = match run(&state, &session.ctx, DONORS, json!({})).await {
        Ok(data) => data,
        Err(refusal) => return refusal_page(&session, &refusal),
    };
    let list = &answer["donors"];
    let body = html! {
        @if let Some(own) = session.donor_id() {
            p { a href={ "/dashboard/donors/" (own) } { "Your statement" } }
        }
        table.figures.wide {
            caption { "Donors and their deposits, USD" }
            thead { tr { th scope="col" { "Donor" } th scope="col" { "Kind" } th scope="col" { "Country" } th scope="col" { "Deposited" } } }
            tbody {
                @for d in rows(list) {
                    @let id = d["id"].as_str().and_then(|g| ids::decode(Kind::Donor, g));
                    tr {
                        th scope="row" {
                            @match id { Some(id) => a href={ "/dashboard/donors/" (id) } { (text(&d["name"])) }, None => (text(&d["name"])) }
                        }
                        td { (words(&d["kind"])) }
                        td { (text(&d["country"]["name"])) }
                        td { (usd_named(&d["totals"]["depositedUsd"], Some("donor.depositedUsd"))) }
                    }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        &session,
        layout(&session, "Donors", Nav::Donors, body),
    )
}

/// `GET /dashboard/donors/ID`: a donor's statement, for the donor itself and the fund's staff
/// and committee (403 for another donor, as the API answers).
pub async fn donor(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> HttpResponse {
    let session = match open(&req, &state).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let Some(global) = node_id(Kind::Donor, &id) else {
        return refusal_page(&session, &Refusal::NotFound);
    };
    let d = &match node(&state, &session, DONOR, json!({"id": global})).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let s = &d["statement"];
    let earmarks = rows(&s["earmarks"]);
    let names: Vec<String> = earmarks.iter().map(|e| pool_name(&e["area"])).collect();
    let labels: Vec<String> = earmarks.iter().map(|e| short_name(&e["area"])).collect();
    let used: Vec<Bar<'_>> = earmarks
        .iter()
        .zip(&labels)
        .map(|(e, name)| Bar {
            label: name,
            value: e["usedShare"].as_str().unwrap_or("0"),
        })
        .collect();
    let title = format!("{}: statement", d["name"].as_str().unwrap_or("Donor"));
    let body = html! {
        p { (words(&d["kind"])) @if !d["country"].is_null() { ", " (text(&d["country"]["name"])) } "." }
        @if let Some(note) = d["note"].as_str() { p.caption { (note) } }
        table.figures {
            caption { "The statement, USD" }
            tbody {
                tr { th scope="row" { "Pledged" } td { (usd_named(&s["pledgedUsd"], Some("statement.pledgedUsd"))) } }
                tr { th scope="row" { "Committed (signed)" } td { (usd_named(&s["committedUsd"], Some("statement.committedUsd"))) } }
                tr { th scope="row" { "Deposited" } td { (usd_named(&s["depositedUsd"], Some("statement.depositedUsd"))) } }
                tr { th scope="row" { "The Administrative Agent's fees" } td { (usd_named(&s["administrativeAgentFeesUsd"], Some("statement.administrativeAgentFeesUsd"))) } }
                tr { th scope="row" { "Net deposited" } td { (usd_named(&s["netDepositedUsd"], Some("statement.netDepositedUsd"))) } }
                tr { th scope="row" { "Of which unearmarked" } td { (usd(&s["unearmarkedNetDepositedUsd"])) } }
                tr { th scope="row" { "Share of the unearmarked pool used" } td { (share(&s["unearmarkedUsedShare"])) } }
            }
        }
        table.figures {
            caption { "By currency" }
            thead { tr { th scope="col" { "Pledged" } th scope="col" { "Signed" } th scope="col" { "Deposited" } } }
            tbody { @for c in rows(&s["byCurrency"]) { tr { td { (money(&c["pledged"])) } td { (money(&c["signed"])) } td { (money(&c["deposited"])) } } } }
        }
        section #agreements aria-labelledby="agreements-h" {
            h2 #agreements-h { "Agreements and deposits" }
            @for c in rows(&d["contributions"]) {
                article.agreement {
                    h3 { (text(&c["reference"])) " — " (words(&c["status"])) }
                    p {
                        "Pledged " (money(&c["pledged"])) " (USD " (usd(&c["pledgedUsd"])) ") on " (text(&c["pledgedOn"]))
                        @if !c["signedOn"].is_null() { ", signed on " (text(&c["signedOn"])) }
                        "; " (words(&c["earmarking"]))
                        @if !c["earmarkedArea"].is_null() { " to " (pool_name(&c["earmarkedArea"])) }
                        "; outstanding " (money(&c["outstanding"])) "."
                    }
                    table.figures.wide {
                        caption { "Deposits" }
                        thead { tr { th scope="col" { "Received" } th scope="col" { "Amount" } th scope="col" { "Rate per USD" } th scope="col" { "USD" } th scope="col" { "Agent's fee, USD" } th scope="col" { "Net, USD" } th scope="col" { "Reversed" } } }
                        tbody {
                            @for dep in rows(&c["deposits"]) {
                                tr {
                                    td { (text(&dep["receivedOn"])) } td { (money(&dep["amount"])) } td { (text(&dep["exchangeRate"])) }
                                    td { (usd_named(&dep["amountUsd"], Some("deposit.amountUsd"))) } td { (usd(&dep["administrativeAgentFeeUsd"])) } td { (usd(&dep["netUsd"])) } td { (text(&dep["reversed"])) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section #earmarks aria-labelledby="earmarks-h" {
            h2 #earmarks-h { "How its earmarks were used" }
            @if earmarks.is_empty() {
                p { "No earmarked deposits." }
            } @else {
                div.chart-pair {
                    (charts::bars("earmarks-chart", "Share of each earmark pool used", "Per thematic area the donor earmarked to: the share of the pool transferred to programmes.", &used))
                    table.figures.wide {
                        caption { "Earmarks, USD" }
                        thead { tr { th scope="col" { "Thematic area" } th scope="col" { "Its net deposits" } th scope="col" { "The pool's net deposits" } th scope="col" { "The pool transferred" } th scope="col" { "Used" } th scope="col" { "Programmes" } } }
                        tbody {
                            @for (e, name) in earmarks.iter().zip(&names) {
                                tr {
                                    th scope="row" { (name) } td { (usd(&e["netDepositedUsd"])) } td { (usd(&e["poolNetDepositedUsd"])) } td { (usd(&e["poolTransferredUsd"])) } td { (share(&e["usedShare"])) }
                                    td { @for p in rows(&e["programmes"]) { a href={ "/dashboard/programmes/" (p["code"].as_str().unwrap_or("")) } { (text(&p["code"])) } " " } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    respond(
        StatusCode::OK,
        &session,
        layout(&session, &title, Nav::Donors, body),
    )
}
