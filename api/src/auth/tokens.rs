//! Bearer tokens: HS256 only, with `exp`, `iss`, `aud` and `sub` required (RFC 8725).

use super::Principal;
use crate::domain::Role;
use crate::ids::{self, Kind};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

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
    #[error("the token is malformed, expired, or not signed by this service")]
    Invalid,
    #[error("the token's claims do not name a known role with its donor or organization")]
    BadClaims,
}

/// Issues and verifies the service's own tokens.
#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
}

pub const ISSUER: &str = "mptf";
pub const AUDIENCE: &str = "mptf-api";

impl Tokens {
    pub fn new(secret: &[u8]) -> anyhow::Result<Self> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        validation.validate_nbf = true;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret)?,
            decoding: DecodingKey::from_secret(secret)?,
            validation,
            issuer: ISSUER.to_owned(),
            audience: AUDIENCE.to_owned(),
        })
    }

    /// Mints a token for `principal`, valid for `lifetime`.
    pub fn issue(
        &self,
        principal: &Principal,
        lifetime: chrono::Duration,
    ) -> anyhow::Result<String> {
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
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Verifies a bearer token and returns the principal it names.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        // Keys come from configuration only, never from the token itself.
        if header.alg != Algorithm::HS256
            || header.jku.is_some()
            || header.jwk.is_some()
            || header.x5u.is_some()
        {
            return Err(TokenError::Invalid);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        principal_from_claims(data.claims)
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
        (Role::Admin | Role::SteeringCommittee | Role::PartnerSystem, None, None) => (None, None),
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
    fn expired_and_foreign_tokens_are_refused() {
        let t = tokens();
        let expired = t.issue(&donor(), chrono::Duration::minutes(-5)).unwrap();
        assert_eq!(t.verify(&expired), Err(TokenError::Invalid));
        let other = Tokens::new(b"another secret, also long enough for hs256").unwrap();
        let foreign = other.issue(&donor(), chrono::Duration::minutes(5)).unwrap();
        assert_eq!(t.verify(&foreign), Err(TokenError::Invalid));
    }
}
