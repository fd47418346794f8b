//! Every command of the fund, one file per area, each command one function named as in the API
//! (`recordDeposit` is `contributions::record_deposit`). A command states who may run it, its
//! idempotency key where money moves, its rules and its effect (the rows it writes, their audit
//! events, the events it announces); [`super::envelope`] runs it in one transaction. Reads live
//! beside, in the service's other modules.

pub mod books;
pub mod calls;
pub mod catalogue;
pub mod contributions;
pub mod documents;
pub mod expenditure;
pub mod governance;
pub mod notes;
pub mod programmes;
pub mod rates;
pub mod reporting;
pub mod requests;
pub mod results;
pub mod revisions;
pub mod users;
