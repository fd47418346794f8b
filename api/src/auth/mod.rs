//! Who is calling: bearer tokens, the principal they name, and password hashing for `login`.

pub mod password;
pub mod principal;
pub mod tokens;

pub use principal::Principal;
pub use tokens::{Claims, TokenError, Tokens};
