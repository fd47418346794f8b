//! Interchange: the fund's data in the formats partner systems read beside GraphQL, with the
//! same tokens and rights (API.md, "Interchange"). The IATI file reads through the services, as
//! the caller; the CSV exports run the GraphQL lists themselves, as the caller. Neither sums
//! money itself.

pub mod csv;
pub mod iati;
