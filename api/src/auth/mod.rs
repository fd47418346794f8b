//! Who is calling: bearer tokens (the service's own and an identity provider's), the principal
//! they name, whether its account is still active, and password hashing and throttling for
//! `login`.

pub mod accounts;
pub mod idp;
pub mod password;
pub mod principal;
pub mod throttle;
pub mod tokens;

pub use accounts::AccountCache;
pub use idp::IdentityProvider;
pub use principal::Principal;
pub use throttle::LoginThrottle;
pub use tokens::{Claims, TokenError, Tokens};

use crate::config::Settings;

/// The token verifier the settings describe: the HS256 secret, the identity provider's keys if
/// any, and how long an account's active flag is trusted.
pub fn tokens_from_settings(settings: &Settings) -> anyhow::Result<Tokens> {
    let security = &settings.security;
    let mut tokens = Tokens::new(&settings.signing_secret()?)?
        .with_account_check(std::time::Duration::from_secs(security.account_check_secs))
        .with_max_lifetime(settings.max_token_lifetime());
    let issuer = security.idp_issuer.as_deref().unwrap_or_default();
    let audience = security.idp_audience.as_deref().unwrap_or_default();
    if let Some(path) = &security.idp_public_key_file {
        tokens =
            tokens.with_identity_provider(IdentityProvider::from_pem_file(path, issuer, audience)?);
    } else if let Some(path) = &security.idp_jwks_file {
        tokens = tokens
            .with_identity_provider(IdentityProvider::from_jwks_file(path, issuer, audience)?);
    }
    Ok(tokens)
}
