//! Bearer tokens (RFC 8725): the service's own HS256 tokens and, when configured, an external
//! identity provider's RS256 or EdDSA tokens; `exp`, `iss`, `aud` and `sub` are required, and
//! `iat` on the service's own. No token lives longer than the maximum lifetime
//! (MPTF_MAX_TOKEN_HOURS) or says it was issued in the future.
//!
//! Subjects are namespaced by who vouches for them: the identity provider's `sub` becomes
//! `idp:<sub>`, so that a provider's token can never name a local account (`user:<id>`).

use super::accounts::AccountCache;
use super::idp::IdentityProvider;
use super::Principal;
use crate::domain::Role;
use crate::ids::{self, Kind};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The claims this service issues and accepts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub role: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub chair: bool,
    /// The donor's global id, for `DONOR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub donor: Option<String>,
    /// The organization's global id, for `PUNO`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the bearer token is malformed or not signed by this service")]
    Invalid,
    #[error("the bearer token has expired: get a new one (the `login` mutation or `mptf token`)")]
    Expired,
    #[error("the Authorization header names no scheme: send `Authorization: Bearer <token>`")]
    MissingScheme,
    #[error(
        "the Authorization header's scheme is not Bearer: send `Authorization: Bearer <token>`"
    )]
    UnsupportedScheme,
    #[error("the token's claims do not name a known role with its donor or organization")]
    BadClaims,
    #[error("the token's user account is deactivated or unknown")]
    Inactive,
    #[error("the account behind the token cannot be checked right now")]
    Unavailable,
}

/// The claims of an identity provider's token: its own `iss` and `aud` (a string or a list,
/// checked by the validation), `iat` if it has one, the rest as this service's.
#[derive(Debug, Clone, Deserialize)]
struct ForeignClaims {
    sub: String,
    exp: i64,
    #[serde(default)]
    iat: Option<i64>,
    role: String,
    #[serde(default)]
    chair: bool,
    #[serde(default)]
    donor: Option<String>,
    #[serde(default)]
    org: Option<String>,
}

/// Issues the service's own tokens (HS256) and verifies them and, when configured, those of an
/// external identity provider (RS256 or EdDSA, each key pinned to its algorithm).
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    idp: Option<Arc<IdentityProvider>>,
    accounts: AccountCache,
    max_lifetime_secs: i64,
}

pub const ISSUER: &str = "mptf";
pub const AUDIENCE: &str = "mptf-api";
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: u64 = 30;
/// The longest a token may live unless the settings say otherwise (MPTF_MAX_TOKEN_HOURS).
pub const DEFAULT_MAX_LIFETIME_HOURS: i64 = 24;
/// The namespace of the identity provider's subjects.
pub const IDP_SUBJECT_PREFIX: &str = "idp:";
/// Media types a token may declare in `typ` (RFC 8725 §3.11; RFC 9068 for access tokens).
const ACCEPTED_TYP: [&str; 3] = ["jwt", "at+jwt", "application/at+jwt"];

/// An expired token is told so: jsonwebtoken checks `exp` only once the signature holds, so
/// `Expired` confirms nothing about a forged token. Every other failure is `Invalid`, without
/// saying which check failed.
fn decode_error(error: jsonwebtoken::errors::Error) -> TokenError {
    match error.kind() {
        jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
        _ => TokenError::Invalid,
    }
}

fn validation(algorithm: Algorithm, issuer: &str, audience: &str) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.algorithms = vec![algorithm];
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = LEEWAY_SECS;
    validation.validate_nbf = true;
    validation
}

impl Tokens {
    pub fn new(secret: &[u8]) -> anyhow::Result<Self> {
        if secret.len() < 32 {
            anyhow::bail!("an HS256 secret has at least 32 bytes");
        }
        Ok(Self {
            encoding: EncodingKey::from_secret(secret)?,
            decoding: DecodingKey::from_secret(secret)?,
            validation: validation(Algorithm::HS256, ISSUER, AUDIENCE),
            issuer: ISSUER.to_owned(),
            audience: AUDIENCE.to_owned(),
            idp: None,
            accounts: AccountCache::default(),
            max_lifetime_secs: DEFAULT_MAX_LIFETIME_HOURS * 3600,
        })
    }

    /// The longest lifetime a token may have (`exp` − `iat`, and `exp` − now), when issued and
    /// when verified.
    pub fn with_max_lifetime(mut self, lifetime: chrono::Duration) -> Self {
        self.max_lifetime_secs = lifetime.num_seconds().max(1);
        self
    }

    /// The longest lifetime a token may have.
    pub fn max_lifetime(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.max_lifetime_secs)
    }

    /// Also accepts the tokens of an external identity provider.
    pub fn with_identity_provider(mut self, idp: IdentityProvider) -> Self {
        self.idp = Some(Arc::new(idp));
        self
    }

    /// How long an account's active flag is trusted (at most 60 s).
    pub fn with_account_check(mut self, ttl: std::time::Duration) -> Self {
        self.accounts = AccountCache::new(ttl);
        self
    }

    /// The cache of accounts' active flags, shared by every clone.
    pub fn accounts(&self) -> &AccountCache {
        &self.accounts
    }

    /// Mints a token for `principal`, valid for `lifetime` (at most the maximum lifetime).
    pub fn issue(
        &self,
        principal: &Principal,
        lifetime: chrono::Duration,
    ) -> anyhow::Result<String> {
        if lifetime.num_seconds() > self.max_lifetime_secs {
            anyhow::bail!(
                "a token lives at most {} minutes (MPTF_MAX_TOKEN_HOURS)",
                self.max_lifetime_secs / 60
            );
        }
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: principal.subject.clone(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + lifetime.num_seconds(),
            role: principal.role.as_str().to_owned(),
            chair: principal.chair,
            donor: principal.donor_id.map(|id| ids::encode(Kind::Donor, id)),
            org: principal
                .organization_id
                .map(|id| ids::encode(Kind::Organization, id)),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some("JWT".to_owned());
        Ok(jsonwebtoken::encode(&header, &claims, &self.encoding)?)
    }

    /// Verifies a bearer token's signature and claims and returns the principal it names.
    /// The key and its algorithm come from configuration only, never from the token: `alg`
    /// must be the one pinned to the key, and `jku`, `jwk`, `x5u`, `x5c` and `crit` are refused.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.jku.is_some()
            || header.jwk.is_some()
            || header.x5u.is_some()
            || header.x5c.is_some()
            || header.crit.is_some()
            || header
                .typ
                .as_deref()
                .is_some_and(|t| !ACCEPTED_TYP.contains(&t.to_ascii_lowercase().as_str()))
        {
            return Err(TokenError::Invalid);
        }
        if header.alg == Algorithm::HS256 {
            let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
                .map_err(decode_error)?;
            self.check_lifetime(Some(data.claims.iat), data.claims.exp)?;
            return principal_from_claims(data.claims);
        }
        let idp = self.idp.as_deref().ok_or(TokenError::Invalid)?;
        let key = idp
            .key_for(header.kid.as_deref())
            .filter(|k| k.algorithm == header.alg)
            .ok_or(TokenError::Invalid)?;
        let validation = validation(key.algorithm, &idp.issuer, &idp.audience);
        let data = jsonwebtoken::decode::<ForeignClaims>(token, &key.key, &validation)
            .map_err(decode_error)?;
        let claims = data.claims;
        self.check_lifetime(claims.iat, claims.exp)?;
        if claims.sub.trim().is_empty() {
            return Err(TokenError::BadClaims);
        }
        principal_from_claims(Claims {
            sub: format!("{IDP_SUBJECT_PREFIX}{}", claims.sub),
            iss: idp.issuer.clone(),
            aud: idp.audience.clone(),
            exp: 0,
            iat: 0,
            role: claims.role,
            chair: claims.chair,
            donor: claims.donor,
            org: claims.org,
        })
    }

    /// Refuses a token issued in the future (beyond the leeway) or living longer than the
    /// maximum lifetime, counted from `iat` when the token has one and from now in any case.
    fn check_lifetime(&self, iat: Option<i64>, exp: i64) -> Result<(), TokenError> {
        let now = chrono::Utc::now().timestamp();
        let leeway = LEEWAY_SECS as i64;
        if let Some(iat) = iat {
            if iat > now.saturating_add(leeway) || exp.saturating_sub(iat) > self.max_lifetime_secs
            {
                return Err(TokenError::Invalid);
            }
        }
        if exp.saturating_sub(now) > self.max_lifetime_secs.saturating_add(leeway) {
            return Err(TokenError::Invalid);
        }
        Ok(())
    }

    /// Verifies a bearer token and, when its subject is a user account (`user:<id>`), that the
    /// account is still active. Every transport resolves its caller through this.
    pub async fn authenticate(
        &self,
        db: &DatabaseConnection,
        token: &str,
    ) -> Result<Principal, TokenError> {
        let principal = self.verify(token)?;
        if let Some(user_id) = AccountCache::user_id(&principal.subject) {
            match self.accounts.is_active(db, user_id).await {
                Ok(true) => {}
                Ok(false) => return Err(TokenError::Inactive),
                Err(error) => {
                    tracing::error!(error = %error, "cannot check a token's user account");
                    return Err(TokenError::Unavailable);
                }
            }
        }
        Ok(principal)
    }
}

/// The principal a token's claims describe; a role without its tie (or with a foreign one) is
/// refused rather than guessed.
pub fn principal_from_claims(claims: Claims) -> Result<Principal, TokenError> {
    let role = Role::parse(&claims.role).ok_or(TokenError::BadClaims)?;
    if claims.sub.trim().is_empty() {
        return Err(TokenError::BadClaims);
    }
    let donor_id = claims.donor.as_deref().map(|d| ids::decode(Kind::Donor, d));
    let organization_id = claims
        .org
        .as_deref()
        .map(|o| ids::decode(Kind::Organization, o));
    let (donor_id, organization_id) = match (role, donor_id, organization_id) {
        (Role::Donor, Some(Some(donor)), None) => (Some(donor), None),
        (Role::Puno, None, Some(Some(org))) => (None, Some(org)),
        (
            Role::Admin | Role::SteeringCommittee | Role::PartnerSystem | Role::Auditor,
            None,
            None,
        ) => (None, None),
        _ => return Err(TokenError::BadClaims),
    };
    if claims.chair && role != Role::SteeringCommittee {
        return Err(TokenError::BadClaims);
    }
    Ok(Principal {
        subject: claims.sub,
        role,
        chair: claims.chair,
        donor_id,
        organization_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens {
        Tokens::new(b"a test secret that is long enough for hs256!").unwrap()
    }

    fn donor() -> Principal {
        Principal {
            subject: "user:7".into(),
            role: Role::Donor,
            chair: false,
            donor_id: Some(3),
            organization_id: None,
        }
    }

    #[test]
    fn a_token_round_trips_to_its_principal() {
        let t = tokens();
        let token = t.issue(&donor(), chrono::Duration::minutes(5)).unwrap();
        assert_eq!(t.verify(&token).unwrap(), donor());
    }

    #[test]
    fn no_token_outlives_the_maximum_lifetime() {
        let t = tokens().with_max_lifetime(chrono::Duration::hours(1));
        assert!(t.issue(&donor(), chrono::Duration::minutes(61)).is_err());
        let token = t.issue(&donor(), chrono::Duration::minutes(60)).unwrap();
        assert!(t.verify(&token).is_ok());
        let long = tokens()
            .issue(&donor(), chrono::Duration::minutes(61))
            .unwrap();
        assert_eq!(t.verify(&long), Err(TokenError::Invalid));
    }

    #[test]
    fn expired_and_foreign_tokens_are_refused() {
        let t = tokens();
        let expired = t.issue(&donor(), chrono::Duration::minutes(-5)).unwrap();
        assert_eq!(t.verify(&expired), Err(TokenError::Expired));
        let other = Tokens::new(b"another secret, also long enough for hs256").unwrap();
        let foreign = other.issue(&donor(), chrono::Duration::minutes(5)).unwrap();
        assert_eq!(t.verify(&foreign), Err(TokenError::Invalid));
        // Expiry is told only for a token this service signed.
        let foreign_expired = other
            .issue(&donor(), chrono::Duration::minutes(-5))
            .unwrap();
        assert_eq!(t.verify(&foreign_expired), Err(TokenError::Invalid));
    }
}
