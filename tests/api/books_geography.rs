//! Issue 13, item 6: a programme in several countries counts once in the fund's totals, and a
//! breakdown by region or country splits its money between its countries, to the cent, so that
//! the breakdown adds up to the total.

use crate::on_both;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::str::FromStr;

fn sum(rows: &Value, field: &str) -> Decimal {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| Decimal::from_str(row[field].as_str().unwrap()).unwrap())
        .sum()
}

on_both! {
    async fn breakdowns_by_region_and_country_add_up_to_the_totals(app: TestApp) {
        mptf::seed::demo_if_empty(&app.services).await.unwrap();
        for scope in ["", "(thematicArea: $area)"] {
            let refs = app.data(None, "{ thematicAreas { id number } }", json!({})).await;
            let area = refs["thematicAreas"].as_array().unwrap().iter().find(|a| a["number"] == 2).unwrap()["id"].clone();
            let variables = if scope.is_empty() { "" } else { "($area: ID)" };
            let query = format!("query{variables} {{ portfolio{scope} {{
                totals {{ approvedUsd transferredUsd expenditureUsd }}
                byRegion {{ region programmeCount approvedUsd transferredUsd expenditureUsd }}
                byCountry {{ country {{ code }} approvedUsd transferredUsd expenditureUsd }} }} }}");
            let arguments = if scope.is_empty() { json!({}) } else { json!({"area": area}) };
            let data = app.data(Some(&app.admin()), &query, arguments).await;
            let portfolio = &data["portfolio"];
            let regions = &portfolio["byRegion"];
            for field in ["approvedUsd", "transferredUsd", "expenditureUsd"] {
                let total = Decimal::from_str(portfolio["totals"][field].as_str().unwrap()).unwrap();
                assert!(total > Decimal::ZERO, "{field} {scope}: {portfolio}");
                assert_eq!(sum(regions, field), total, "{field} by region {scope}: {portfolio}");
                // Countries add up to the total less the programmes with no country.
                let global = regions.as_array().unwrap().iter().find(|r| r["region"].is_null())
                    .map_or(Decimal::ZERO, |r| Decimal::from_str(r[field].as_str().unwrap()).unwrap());
                assert_eq!(sum(&portfolio["byCountry"], field) + global, total, "{field} by country {scope}");
                for row in regions.as_array().unwrap().iter().chain(portfolio["byCountry"].as_array().unwrap()) {
                    assert!(Decimal::from_str(row[field].as_str().unwrap()).unwrap() >= Decimal::ZERO, "{row}");
                }
            }
        }
        // The IGAD programme's eight countries share its budget: Africa holds all of it, and no
        // country more than its share.
        let data = app.data(Some(&app.admin()), "{ portfolio { byCountry { country { code } approvedUsd } } }", json!({})).await;
        let kenya = data["portfolio"]["byCountry"].as_array().unwrap().iter().find(|c| c["country"]["code"] == "KEN").unwrap().clone();
        assert!(Decimal::from_str(kenya["approvedUsd"].as_str().unwrap()).unwrap() < Decimal::from(1_000_000), "{kenya}");
    }
}
