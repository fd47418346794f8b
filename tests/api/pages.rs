//! Issue 15, items 2 and 3: the server-rendered dashboard (`/dashboard`, docs/pages.md). Each role
//! sees exactly its rows on the pages, the sign-in cookie is HttpOnly, SameSite=Strict and scoped
//! to the pages, a cross-site form post is refused, and a page with `knownAt` shows the API's
//! `portfolio(knownAt:)` figures.

use crate::fixtures::{agreement, create_donor, funded_programme};
use crate::helpers::{row_id, TestApp};
use crate::on_both;
use serde_json::{json, Value};

/// A client that does not follow redirects (to read the sign-in's own answer).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GETs a page with the session cookie holding `token`: (status, body).
async fn page(app: &TestApp, token: Option<&str>, path: &str) -> (u16, String) {
    let mut request = browser().get(format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.header("Cookie", format!("mptf_session={token}"));
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The exact value a page shows for a named figure (`<data … value="…" data-figure="NAME">`).
fn figure(body: &str, name: &str) -> Option<String> {
    let marker = format!("data-figure=\"{name}\"");
    let at = body.find(&marker)?;
    let before = &body[..at];
    let start = before.rfind("value=\"")? + "value=\"".len();
    let end = start + body[start..].find('"')?;
    Some(body[start..end].to_owned())
}

/// A donor with one signed agreement and one deposit of `amount` USD.
async fn donor_with_deposit(app: &TestApp, name: &str, reference: &str, amount: &str) -> String {
    let donor = create_donor(app, name).await;
    agreement(app, &donor, reference, ("USD", amount, "1"), Some(amount)).await;
    donor
}

on_both!(
    async fn each_role_sees_exactly_its_rows_on_the_pages(app: TestApp) {
        let a = donor_with_deposit(&app, "Donor Alpha", "AGREEMENT-ALPHA", "1234567.00").await;
        let b = donor_with_deposit(&app, "Donor Beta", "AGREEMENT-BETA", "7654321.00").await;
        let (a_id, b_id) = (row_id(&json!(a)), row_id(&json!(b)));
        let alpha = app.donor_token(a_id, "donor-alpha");

        // Donor A reads its own statement: its agreement and deposit, not B's.
        let (status, body) = page(&app, Some(&alpha), &format!("/dashboard/donors/{a_id}")).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("AGREEMENT-ALPHA"), "{body}");
        assert!(body.contains("1,234,567.00"));
        assert!(!body.contains("AGREEMENT-BETA") && !body.contains("7,654,321.00"));
        assert_eq!(
            figure(&body, "statement.depositedUsd").as_deref(),
            Some("1234567.00")
        );
        // B's statement is not A's to read: the API's FORBIDDEN, as a 403 page.
        let (status, body) = page(&app, Some(&alpha), &format!("/dashboard/donors/{b_id}")).await;
        assert_eq!(status, 403, "{body}");
        assert!(!body.contains("AGREEMENT-BETA") && !body.contains("7,654,321.00"));

        // The committee reads both statements.
        let committee = app.committee();
        for (id, reference) in [(a_id, "AGREEMENT-ALPHA"), (b_id, "AGREEMENT-BETA")] {
            let (status, body) =
                page(&app, Some(&committee), &format!("/dashboard/donors/{id}")).await;
            assert_eq!(status, 200, "{body}");
            assert!(body.contains(reference));
        }

        // Anonymous: a statement needs signing in; the fund page shows the public totals (the
        // API's own) and no breakdown.
        let (status, _) = page(&app, None, &format!("/dashboard/donors/{a_id}")).await;
        assert_eq!(status, 401);
        let (status, body) = page(&app, None, "/dashboard").await;
        assert_eq!(status, 200, "{body}");
        let api = app
            .data(
                None,
                "{ portfolio { totals { depositedUsd transferredUsd } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            api["portfolio"]["totals"]["depositedUsd"],
            json!("8888888.00")
        );
        assert_eq!(
            figure(&body, "totals.depositedUsd").map(Value::String),
            Some(api["portfolio"]["totals"]["depositedUsd"].clone())
        );
        assert!(body.contains("Sign in to see these figures"));
        assert!(
            !body.contains("By thematic area, USD"),
            "the breakdowns are for callers with a token"
        );

        // Unknown ids and pages are 404 pages, never a panic.
        for path in [
            "/dashboard/donors/999999".to_owned(),
            "/dashboard/donors/x".to_owned(),
            "/dashboard/meetings/999999".to_owned(),
            "/dashboard/programmes/NO-SUCH-CODE".to_owned(),
            "/dashboard/no-such-page".to_owned(),
        ] {
            let (status, body) = page(&app, Some(&committee), &path).await;
            assert_eq!(status, 404, "{path}: {body}");
        }

        // Every page carries the pages' policy: no script at all.
        let response = browser()
            .get(format!("{}/dashboard", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["content-security-policy"],
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"
        );
        assert!(!response.text().await.unwrap().contains("<script"));
    }
);

on_both!(
    async fn a_programme_page_shows_the_apis_figures_for_its_caller(app: TestApp) {
        let funded = funded_programme(&app, "3000000.00").await;
        let transfer = crate::fixtures::transfer(
            &app,
            &app.officer(),
            &funded,
            &funded.organizations[0],
            "400000.00",
            "pages-transfer",
        )
        .await;
        assert_eq!(transfer["userErrors"], json!([]), "{transfer}");
        let api = app
            .data(
                Some(&app.committee()),
                "query($id: ID!) { node(id: $id) { ... on JointProgramme { code financials { approvedUsd transferredUsd netFundedUsd } } } }",
                json!({"id": funded.programme}),
            )
            .await;
        let programme = &api["node"];
        let code = programme["code"].as_str().unwrap();
        // A donor reads programmes as the API lets it.
        let donor = app.donor_token(row_id(&json!(funded.donor)), "donor");
        for token in [app.committee(), donor] {
            let (status, body) =
                page(&app, Some(&token), &format!("/dashboard/programmes/{code}")).await;
            assert_eq!(status, 200, "{body}");
            for name in ["approvedUsd", "transferredUsd", "netFundedUsd"] {
                assert_eq!(
                    figure(&body, &format!("financials.{name}")).map(Value::String),
                    Some(programme["financials"][name].clone()),
                    "{name}"
                );
            }
            assert_eq!(
                figure(&body, "financials.transferredUsd").as_deref(),
                Some("400000.00")
            );
        }
        // The list filters by area and status, as the API's filter does.
        let (status, body) = page(
            &app,
            Some(&app.committee()),
            "/dashboard/programmes?area=4&status=APPROVED",
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains(code));
        let (status, body) =
            page(&app, Some(&app.committee()), "/dashboard/programmes?area=2").await;
        assert_eq!(status, 200);
        assert!(!body.contains(&format!("/dashboard/programmes/{code}\"")));
        // A meeting's page lists its decisions.
        let meeting = row_id(&json!(funded.meeting));
        let (status, body) = page(
            &app,
            Some(&app.committee()),
            &format!("/dashboard/meetings/{meeting}"),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert!(
            body.contains("funding") && body.contains("2,140,000.00"),
            "{body}"
        );
        // Anonymous callers are asked to sign in for the programmes.
        let (status, _) = page(&app, None, "/dashboard/programmes").await;
        assert_eq!(status, 401);
    }
);

/// Creates a DONOR account with a password, for signing in through the form.
async fn donor_account(app: &TestApp, donor: &str, email: &str) {
    let created = app
        .data(
            Some(&app.admin()),
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } userErrors { code message } } }",
            json!({"input": {"email": email, "displayName": "Donor desk", "role": "DONOR", "donor": donor, "password": "a-long-enough-password-1"}}),
        )
        .await;
    assert_eq!(created["createUser"]["userErrors"], json!([]), "{created}");
}

on_both!(
    async fn the_sign_in_cookie_stays_on_the_pages_and_cannot_be_posted_cross_site(app: TestApp) {
        let donor = donor_with_deposit(&app, "Donor Gamma", "AGREEMENT-GAMMA", "1000.00").await;
        donor_account(&app, &donor, "gamma@example.org").await;
        let login = |headers: Vec<(&'static str, String)>, password: &'static str| {
            let mut request = browser()
                .post(format!("{}/dashboard/login", app.address))
                .form(&[("email", "gamma@example.org"), ("password", password)]);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            request.send()
        };

        // Cross-site posts are refused before any password is checked, and set no cookie.
        for headers in [
            vec![("Sec-Fetch-Site", "cross-site".to_owned())],
            vec![("Sec-Fetch-Site", "same-site".to_owned())],
            vec![("Origin", "https://elsewhere.example".to_owned())],
            vec![("Origin", "null".to_owned())],
        ] {
            let response = login(headers.clone(), "a-long-enough-password-1")
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 403, "{headers:?}");
            assert!(response.headers().get("set-cookie").is_none());
        }

        // A wrong password: the API's refusal, no cookie.
        let response = login(vec![], "wrong-password-here").await.unwrap();
        assert_eq!(response.status().as_u16(), 401);
        assert!(response.headers().get("set-cookie").is_none());
        assert!(response
            .text()
            .await
            .unwrap()
            .contains("the email or password is wrong"));

        // Signed in from the pages themselves: a cookie the page's script could not read, sent
        // only to the pages, never cross-site.
        let origin = app.address.clone();
        let response = login(
            vec![
                ("Origin", origin.clone()),
                ("Sec-Fetch-Site", "same-origin".to_owned()),
            ],
            "a-long-enough-password-1",
        )
        .await
        .unwrap();
        assert_eq!(response.status().as_u16(), 303);
        assert_eq!(response.headers()["location"], "/dashboard");
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_owned();
        let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
        assert!(attributes[0].starts_with("mptf_session=ey"), "{cookie}");
        assert!(attributes.contains(&"HttpOnly"), "{cookie}");
        assert!(attributes.contains(&"SameSite=Strict"), "{cookie}");
        assert!(attributes.contains(&"Path=/dashboard"), "{cookie}");
        // Development serves plain HTTP; production adds Secure (docs/pages.md).
        assert!(!attributes.contains(&"Secure"), "{cookie}");
        let token = attributes[0].trim_start_matches("mptf_session=").to_owned();

        // The cookie's token reads what the API shows this donor.
        let id = row_id(&json!(donor));
        let (status, body) = page(&app, Some(&token), &format!("/dashboard/donors/{id}")).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("AGREEMENT-GAMMA"));

        // Signing out cross-site is refused too; from the pages it clears the cookie.
        let logout = |headers: Vec<(&'static str, String)>| {
            let mut request = browser()
                .post(format!("{}/dashboard/logout", app.address))
                .header("Cookie", format!("mptf_session={token}"));
            for (name, value) in headers {
                request = request.header(name, value);
            }
            request.send()
        };
        let response = logout(vec![("Sec-Fetch-Site", "cross-site".to_owned())])
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403);
        assert!(response.headers().get("set-cookie").is_none());
        let response = logout(vec![("Origin", origin)]).await.unwrap();
        assert_eq!(response.status().as_u16(), 303);
        let cleared = response.headers()["set-cookie"].to_str().unwrap();
        assert!(cleared.starts_with("mptf_session=;"), "{cleared}");
        assert!(cleared.contains("Max-Age=0") && cleared.contains("Path=/dashboard"));

        // A cookie whose token does not hold is served anonymously, and cleared.
        let response = browser()
            .get(format!("{}/dashboard", app.address))
            .header("Cookie", "mptf_session=not-a-token")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("mptf_session=;"));
    }
);

on_both!(
    async fn a_page_with_known_at_matches_the_apis_known_at_figures(app: TestApp) {
        donor_with_deposit(&app, "Donor Delta", "AGREEMENT-DELTA", "500000.00").await;
        // Moments are recorded to the microsecond: step past the first deposit's.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let known_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        donor_with_deposit(&app, "Donor Epsilon", "AGREEMENT-EPSILON", "250000.00").await;

        let committee = app.committee();
        let api = app
            .data(
                Some(&committee),
                "query($at: DateTime) { portfolio(knownAt: $at) {
                    sourcesAndUses { contributionsUsd totalSourcesUsd agentFeesUsd balanceWithAgentUsd }
                    fundsWithOrganizations { balanceUsd } totalBalanceUsd uncommittedUsd } }",
                json!({"at": known_at}),
            )
            .await;
        let then = &api["portfolio"];
        assert_eq!(
            then["sourcesAndUses"]["contributionsUsd"],
            json!("500000.00")
        );
        let (status, body) = page(
            &app,
            Some(&committee),
            &format!("/dashboard?knownAt={}", known_at.replace('+', "%2B")),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        for (name, value) in [
            (
                "sourcesAndUses.contributionsUsd",
                &then["sourcesAndUses"]["contributionsUsd"],
            ),
            (
                "sourcesAndUses.totalSourcesUsd",
                &then["sourcesAndUses"]["totalSourcesUsd"],
            ),
            (
                "sourcesAndUses.agentFeesUsd",
                &then["sourcesAndUses"]["agentFeesUsd"],
            ),
            (
                "sourcesAndUses.balanceWithAgentUsd",
                &then["sourcesAndUses"]["balanceWithAgentUsd"],
            ),
            (
                "fundsWithOrganizations.balanceUsd",
                &then["fundsWithOrganizations"]["balanceUsd"],
            ),
            ("totalBalanceUsd", &then["totalBalanceUsd"]),
            ("uncommittedUsd", &then["uncommittedUsd"]),
        ] {
            assert_eq!(
                figure(&body, name).map(Value::String).as_ref(),
                Some(value),
                "{name}"
            );
        }
        // Without knownAt the page shows the books now, the later deposit counted.
        let (_, now) = page(&app, Some(&committee), "/dashboard").await;
        assert_eq!(
            figure(&now, "sourcesAndUses.contributionsUsd").as_deref(),
            Some("750000.00")
        );
        // A knownAt that is not a moment is a 400 page saying so.
        let (status, body) = page(&app, Some(&committee), "/dashboard?knownAt=yesterday").await;
        assert_eq!(status, 400);
        assert!(body.contains("knownAt"));
    }
);

on_both!(
    async fn the_reports_and_calls_pages_show_the_apis_rows_for_their_caller(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        let overdue = "query($asOf: Date) { reportingCalendar(filter: { asOf: $asOf, status: [OVERDUE] }) { totalCount } }";
        let committee = app.committee();
        let iom = app
            .data(None, "{ organizations { id acronym } }", json!({}))
            .await;
        let iom = iom["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["acronym"] == "IOM")
            .unwrap()["id"]
            .clone();
        let puno = app.puno_token(row_id(&iom), "user:iom");
        let mut counts = Vec::new();
        for token in [&committee, &puno] {
            for as_of in [None, Some("2022-06-15")] {
                let api = app.data(Some(token), overdue, json!({"asOf": as_of})).await
                    ["reportingCalendar"]["totalCount"]
                    .clone();
                let path = as_of.map_or("/dashboard/reports".to_owned(), |d| {
                    format!("/dashboard/reports?asOf={d}")
                });
                let (status, body) = page(&app, Some(token), &path).await;
                assert_eq!(status, 200, "{path}: {body}");
                assert_eq!(
                    figure(&body, "totalCount"),
                    Some(api.to_string()),
                    "{path}: the page's overdue count is the API's"
                );
                counts.push(api.as_i64().unwrap());
            }
        }
        assert!(
            counts[1] > 0 && counts[3] > 0 && counts[3] < counts[1],
            "the demo has reports overdue, fewer of them the PUNO's own: {counts:?}"
        );
        let (status, _) = page(&app, Some(&committee), "/dashboard/reports?asOf=June").await;
        assert_eq!(status, 400);
        let (status, _) = page(&app, None, "/dashboard/reports").await;
        assert_eq!(status, 401);

        let calls = app
            .data(
                Some(&committee),
                "{ calls { nodes { envelopeUsd takenIntoPipelineUsd } } }",
                json!({}),
            )
            .await;
        let (status, body) = page(&app, Some(&committee), "/dashboard/calls").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            figure(&body, "envelopeUsd").map(Value::String),
            Some(calls["calls"]["nodes"][0]["envelopeUsd"].clone())
        );
        assert_eq!(
            figure(&body, "takenIntoPipelineUsd").map(Value::String),
            Some(calls["calls"]["nodes"][0]["takenIntoPipelineUsd"].clone())
        );
        assert!(
            body.contains("MPTF-CALL-2021-03"),
            "the latest call first: {body}"
        );
    }
);
