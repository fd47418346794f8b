//! An external identity provider's public keys (RS256 or EdDSA), from a PEM file or a JWKS file.
//! Each key is pinned to one algorithm when it is loaded; a token's own `alg` only has to agree.

use anyhow::{bail, Context};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use std::path::Path;

/// RSA keys shorter than 2048 bits are refused (their DER encoding is shorter than this).
const MIN_RSA_DER_BYTES: usize = 260;
const MIN_RSA_MODULUS_BYTES: usize = 256;

/// One verification key and the only algorithm it verifies.
#[derive(Clone)]
pub struct PinnedKey {
    pub kid: Option<String>,
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

/// The identity provider: who issues its tokens, for which audience, and with which keys.
#[derive(Clone)]
pub struct IdentityProvider {
    pub issuer: String,
    pub audience: String,
    keys: Vec<PinnedKey>,
}

impl IdentityProvider {
    pub fn new(issuer: &str, audience: &str, keys: Vec<PinnedKey>) -> anyhow::Result<Self> {
        if keys.is_empty() {
            bail!("the identity provider has no RS256 or EdDSA key");
        }
        Ok(Self {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            keys,
        })
    }

    /// Loads a public key PEM file: an RSA key verifies RS256 only, an Ed25519 key EdDSA only.
    pub fn from_pem_file(path: &Path, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let pem = std::fs::read(path)
            .with_context(|| format!("MPTF_IDP_PUBLIC_KEY_FILE: cannot read {}", path.display()))?;
        let key = pinned_from_pem(&pem).with_context(|| {
            format!(
                "MPTF_IDP_PUBLIC_KEY_FILE: {} holds no RSA (2048 bits or more) or Ed25519 public key",
                path.display()
            )
        })?;
        Self::new(issuer, audience, vec![key])
    }

    /// Loads a JWKS file; keys for encryption, symmetric keys and other algorithms are skipped.
    pub fn from_jwks_file(path: &Path, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("MPTF_IDP_JWKS_FILE: cannot read {}", path.display()))?;
        let set: JwkSet = serde_json::from_str(&text)
            .with_context(|| format!("MPTF_IDP_JWKS_FILE: {} is not a JWKS", path.display()))?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            match pinned_from_jwk(jwk) {
                Ok(key) => keys.push(key),
                Err(reason) => tracing::warn!(
                    kid = jwk.common.key_id.as_deref().unwrap_or(""),
                    "skipping a key of the identity provider's JWKS: {reason}"
                ),
            }
        }
        Self::new(issuer, audience, keys)
            .with_context(|| format!("MPTF_IDP_JWKS_FILE: {}", path.display()))
    }

    /// The key a token names with `kid`; without one, the only key there is.
    pub fn key_for(&self, kid: Option<&str>) -> Option<&PinnedKey> {
        match kid {
            Some(kid) => self.keys.iter().find(|k| k.kid.as_deref() == Some(kid)),
            None if self.keys.len() == 1 => self.keys.first(),
            None => None,
        }
    }

    /// Whether any key verifies `algorithm` (so that tokens of other algorithms go elsewhere).
    pub fn uses(&self, algorithm: Algorithm) -> bool {
        self.keys.iter().any(|k| k.algorithm == algorithm)
    }
}

fn pinned_from_pem(pem: &[u8]) -> anyhow::Result<PinnedKey> {
    if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
        if key.try_get_as_bytes()?.len() < MIN_RSA_DER_BYTES {
            bail!("the RSA key is shorter than 2048 bits");
        }
        return Ok(PinnedKey {
            kid: None,
            algorithm: Algorithm::RS256,
            key,
        });
    }
    let key = DecodingKey::from_ed_pem(pem)?;
    Ok(PinnedKey {
        kid: None,
        algorithm: Algorithm::EdDSA,
        key,
    })
}

fn pinned_from_jwk(jwk: &jsonwebtoken::jwk::Jwk) -> anyhow::Result<PinnedKey> {
    if matches!(
        jwk.common.public_key_use,
        Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
    ) {
        bail!("not a signing key");
    }
    let algorithm = match (&jwk.algorithm, jwk.common.key_algorithm) {
        (AlgorithmParameters::RSA(params), None | Some(KeyAlgorithm::RS256)) => {
            use base64::Engine;
            let modulus = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(params.n.trim_end_matches('='))
                .context("the RSA modulus is not base64url")?;
            let significant = modulus.iter().skip_while(|b| **b == 0).count();
            if significant < MIN_RSA_MODULUS_BYTES {
                bail!("the RSA key is shorter than 2048 bits");
            }
            Algorithm::RS256
        }
        (AlgorithmParameters::OctetKeyPair(params), None | Some(KeyAlgorithm::EdDSA))
            if params.curve == EllipticCurve::Ed25519 =>
        {
            Algorithm::EdDSA
        }
        _ => bail!("only RSA keys for RS256 and Ed25519 keys for EdDSA are accepted"),
    };
    Ok(PinnedKey {
        kid: jwk.common.key_id.clone(),
        algorithm,
        key: DecodingKey::from_jwk(jwk)?,
    })
}
