//! Checking an ID token (OpenID Connect Core 1.0 §3.1.3.7): the signature
//! with the provider's key named by `kid`, an asymmetric algorithm only
//! (never `none` or a shared-secret HMAC), `iss` equal to the configured
//! issuer, `aud` containing our client id (and `azp` equal to it when
//! there are several audiences), `exp` in the future, and the `nonce` of
//! this login.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use super::OidcError;

/// The algorithms accepted: what providers sign ID tokens with.
const ALGORITHMS: [Algorithm; 7] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// What we need from the header first: which key and algorithm.
pub fn key_id(token: &str) -> Result<(Option<String>, Algorithm), OidcError> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|e| OidcError::InvalidToken(e.to_string()))?;
    if !ALGORITHMS.contains(&header.alg) {
        return Err(OidcError::InvalidToken("algorithm not allowed".into()));
    }
    Ok((header.kid, header.alg))
}

/// Whether the key set has the key a token names.
pub fn has_key(keys: &JwkSet, kid: Option<&str>) -> bool {
    match kid {
        Some(kid) => keys.find(kid).is_some(),
        None => keys.keys.len() == 1,
    }
}

/// The token's claims, once every check passed.
pub fn claims(
    token: &str,
    keys: &JwkSet,
    issuer: &str,
    client_id: &str,
    nonce: &str,
) -> Result<Map<String, Value>, OidcError> {
    let invalid = |text: &str| OidcError::InvalidToken(text.to_string());
    let (kid, alg) = key_id(token)?;
    let jwk = match kid.as_deref() {
        Some(kid) => keys.find(kid),
        // Without a kid only an unambiguous key set will do.
        None if keys.keys.len() == 1 => keys.keys.first(),
        None => None,
    }
    .ok_or_else(|| invalid("unknown signing key"))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| OidcError::InvalidToken(e.to_string()))?;
    let mut validation = Validation::new(alg);
    validation.set_issuer(&[issuer, &format!("{issuer}/")]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = 60;
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
        .map_err(|e| OidcError::InvalidToken(e.to_string()))?;
    let claims = data.claims;
    let token_nonce = claims
        .get("nonce")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if token_nonce.len() != nonce.len()
        || !bool::from(token_nonce.as_bytes().ct_eq(nonce.as_bytes()))
    {
        return Err(invalid("nonce does not match"));
    }
    if let Some(Value::Array(audiences)) = claims.get("aud")
        && audiences.len() > 1
        && claims.get("azp").and_then(Value::as_str) != Some(client_id)
    {
        return Err(invalid("azp is not this client"));
    }
    match claims.get("sub").and_then(Value::as_str) {
        Some(sub) if !sub.is_empty() && sub.len() <= 255 => Ok(claims),
        _ => Err(invalid("no usable sub")),
    }
}
