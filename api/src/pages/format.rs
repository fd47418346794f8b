//! How the pages write the API's values: money with thousands separators (from the exact
//! decimal string, never through a float), shares as percentages, dates as given.

use maud::{html, Markup};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

/// `"1234567.50"` → `"1,234,567.50"` (the digits are the API's, only grouped).
pub fn grouped(text: &str) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let mut out = String::with_capacity(text.len() + whole.len() / 3);
    out.push_str(sign);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// An amount in USD as the API gave it: `<data value="exact">grouped</data>`, named by
/// `figure` for the browser check when given.
pub fn usd(value: &Value) -> Markup {
    usd_named(value, None)
}

pub fn usd_named(value: &Value, figure: Option<&str>) -> Markup {
    match value.as_str() {
        Some(text) => html! { data.usd value=(text) data-figure=[figure] { (grouped(text)) } },
        None => html! { span.none { "—" } },
    }
}

/// An amount in a currency: `{amount, currency}`.
pub fn money(value: &Value) -> Markup {
    match (value["amount"].as_str(), value["currency"].as_str()) {
        (Some(amount), Some(currency)) => html! {
            data.money value=(amount) { (currency) " " (grouped(amount)) }
        },
        _ => html! { span.none { "—" } },
    }
}

/// A fraction (`"0.4523"`) as a percentage with one decimal (`45.2%`).
pub fn share(value: &Value) -> Markup {
    match value.as_str().and_then(|t| Decimal::from_str(t).ok()) {
        Some(fraction) => {
            let percent = (fraction * Decimal::ONE_HUNDRED).round_dp(1);
            html! { data.share value=(fraction) { (percent) "%" } }
        }
        None => html! { span.none { "—" } },
    }
}

/// A text, a number or a date as given; a dash for null.
pub fn text(value: &Value) -> Markup {
    match value {
        Value::String(s) => html! { (s) },
        Value::Number(n) => html! { (n) },
        Value::Bool(true) => html! { "yes" },
        Value::Bool(false) => html! { "no" },
        _ => html! { span.none { "—" } },
    }
}

/// An enum value as words: `FINANCIALLY_CLOSED` → `financially closed`.
pub fn words(value: &Value) -> String {
    value
        .as_str()
        .map(|s| s.to_lowercase().replace('_', " "))
        .unwrap_or_else(|| "—".to_owned())
}

/// The rows of a list (`nodes`, or a plain list); none for anything else.
pub fn rows(value: &Value) -> &[Value] {
    value
        .get("nodes")
        .unwrap_or(value)
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_keeps_every_digit() {
        assert_eq!(grouped("1234567.50"), "1,234,567.50");
        assert_eq!(grouped("-1000.00"), "-1,000.00");
        assert_eq!(grouped("999.99"), "999.99");
        assert_eq!(grouped("0"), "0");
        assert_eq!(grouped("100000"), "100,000");
    }
}
