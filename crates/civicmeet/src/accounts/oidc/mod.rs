//! OpenID Connect login (IO-2): the authorization code flow with PKCE
//! (S256), `state` and `nonce` (OpenID Connect Core 1.0 §3.1, RFC 7636),
//! against the one provider `[oidc]` names.
//!
//! - [`flow`]: the pure parts (PKCE, the pending-login cookie, the
//!   authorization URL, claims to role).
//! - [`verify`]: the ID token's signature against the provider's JWKS and
//!   its `iss`, `aud`, `exp` and `nonce` (jsonwebtoken on aws-lc-rs).
//! - [`routes`]: `GET /login/oidc/start` and `GET /login/oidc/callback`.
//! - This file: the provider's metadata and keys, fetched over the same
//!   small rustls client as webhooks and cached for a while.
//!
//! The server only ever calls the configured issuer: discovery must name
//! that exact issuer, and the token endpoint and JWKS must be on its
//! origin, or the login is refused.

pub mod flow;
pub mod routes;
pub mod verify;

use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;

use crate::api::webhooks::client::{self, Outgoing};
use crate::config::OidcConfig;

/// How long discovery and keys are reused before being fetched again.
const CACHE_FOR: Duration = Duration::from_secs(600);
/// The largest discovery document or key set read.
const MAX_ANSWER: usize = 256 * 1024;

/// The provider's endpoints (OpenID Connect Discovery 1.0).
#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

/// Why talking to the provider failed. Texts hold no tokens or claims.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the provider did not answer: {0}")]
    Unreachable(String),
    #[error("the provider answered {0}")]
    Status(u16),
    #[error("the provider's answer is malformed: {0}")]
    Malformed(String),
    #[error("the provider's metadata names another issuer or origin")]
    WrongIssuer,
    #[error("the ID token is not valid: {0}")]
    InvalidToken(String),
}

/// The configured provider and what was fetched from it.
pub struct Provider {
    pub config: OidcConfig,
    /// Where the provider sends the browser back.
    pub redirect_url: String,
    metadata: Mutex<Option<(Metadata, Instant)>>,
    keys: Mutex<Option<(jsonwebtoken::jwk::JwkSet, Instant)>>,
}

impl Provider {
    pub fn new(config: &OidcConfig, public_url: &str) -> Provider {
        let redirect_url = if config.redirect_url.is_empty() {
            format!("{public_url}/login/oidc/callback")
        } else {
            config.redirect_url.clone()
        };
        Provider {
            config: config.clone(),
            redirect_url,
            metadata: Mutex::new(None),
            keys: Mutex::new(None),
        }
    }

    /// The issuer as configured, without a trailing slash.
    pub fn issuer(&self) -> &str {
        self.config.issuer.trim_end_matches('/')
    }

    /// The provider's metadata (cached).
    pub async fn metadata(&self) -> Result<Metadata, OidcError> {
        let mut cached = self.metadata.lock().await;
        if let Some((metadata, at)) = cached.as_ref()
            && at.elapsed() < CACHE_FOR
        {
            return Ok(metadata.clone());
        }
        let url = format!("{}/.well-known/openid-configuration", self.issuer());
        let metadata: Metadata = get_json(&url).await?;
        let same_origin = |endpoint: &str| same_origin(endpoint, self.issuer());
        if metadata.issuer.trim_end_matches('/') != self.issuer()
            || !same_origin(&metadata.token_endpoint)
            || !same_origin(&metadata.jwks_uri)
        {
            return Err(OidcError::WrongIssuer);
        }
        *cached = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    /// The provider's signing keys (cached; fetched again when `refresh`,
    /// e.g. a token names a key the cache does not have after rotation).
    pub async fn keys(&self, refresh: bool) -> Result<jsonwebtoken::jwk::JwkSet, OidcError> {
        let mut cached = self.keys.lock().await;
        if !refresh
            && let Some((keys, at)) = cached.as_ref()
            && at.elapsed() < CACHE_FOR
        {
            return Ok(keys.clone());
        }
        let metadata = self.metadata().await?;
        let keys: jsonwebtoken::jwk::JwkSet = get_json(&metadata.jwks_uri).await?;
        *cached = Some((keys.clone(), Instant::now()));
        Ok(keys)
    }

    /// Exchanges the authorization code for tokens; returns the ID token.
    pub async fn exchange(&self, code: &str, verifier: &str) -> Result<String, OidcError> {
        let metadata = self.metadata().await?;
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", &self.redirect_url)
            .append_pair("code_verifier", verifier)
            .finish();
        // client_secret_basic (RFC 6749 §2.3.1): both parts form-encoded.
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        use base64::Engine;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            encode(&self.config.client_id),
            encode(&self.config.client_secret)
        ));
        let headers = [
            ("authorization", format!("Basic {basic}")),
            ("accept", "application/json".to_string()),
        ];
        let (status, answer) = client::request(
            &metadata.token_endpoint,
            Outgoing {
                method: hyper::Method::POST,
                content_type: "application/x-www-form-urlencoded",
                user_agent: "civicmeet-oidc/1",
                headers: &headers,
                body,
                max_answer: MAX_ANSWER,
            },
        )
        .await
        .map_err(|e| OidcError::Unreachable(e.to_string()))?;
        if status != 200 {
            return Err(OidcError::Status(status));
        }
        #[derive(Deserialize)]
        struct TokenAnswer {
            id_token: String,
        }
        let answer: TokenAnswer = serde_json::from_slice(&answer)
            .map_err(|_| OidcError::Malformed("token answer without an id_token".into()))?;
        Ok(answer.id_token)
    }
}

/// Whether `url` has the same scheme, host and port as `base`.
fn same_origin(url: &str, base: &str) -> bool {
    match (url::Url::parse(url), url::Url::parse(base)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Result<T, OidcError> {
    let headers = [("accept", "application/json".to_string())];
    let (status, body) = client::request(
        url,
        Outgoing {
            method: hyper::Method::GET,
            content_type: "application/json",
            user_agent: "civicmeet-oidc/1",
            headers: &headers,
            body: String::new(),
            max_answer: MAX_ANSWER,
        },
    )
    .await
    .map_err(|e| OidcError::Unreachable(e.to_string()))?;
    if status != 200 {
        return Err(OidcError::Status(status));
    }
    serde_json::from_slice(&body).map_err(|e| OidcError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert!(same_origin(
            "https://idp.example/token",
            "https://idp.example/realms/a"
        ));
        assert!(!same_origin(
            "https://evil.example/token",
            "https://idp.example"
        ));
        assert!(!same_origin(
            "http://idp.example/token",
            "https://idp.example"
        ));
        assert!(!same_origin(
            "https://idp.example:8443/t",
            "https://idp.example"
        ));
    }
}
