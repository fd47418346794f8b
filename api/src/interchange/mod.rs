//! Interchange: the fund's data in the formats partner systems read beside GraphQL, with the
//! same tokens and rights (API.md, "Interchange"). Each format reads through the services, as the
//! caller, and never sums money itself.

pub mod csv;
pub mod iati;
