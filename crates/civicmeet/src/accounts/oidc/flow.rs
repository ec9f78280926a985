//! The pure parts of the OpenID Connect login: PKCE (RFC 7636, S256),
//! the pending-login cookie, the authorization URL, and which role the
//! claims give.
//!
//! Between `/login/oidc/start` and the callback, the browser keeps
//! `state`, `nonce`, the PKCE verifier and where to go next in an
//! HttpOnly, SameSite=Lax cookie scoped to `/login/oidc` that lives ten
//! minutes. It need not be signed: another site cannot set our cookies,
//! the callback only goes on when the `state` the provider returns equals
//! the cookie's, and the ID token must carry the cookie's nonce.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use civicmeet_store::AccountRole;

use crate::config::OidcConfig;

/// The pending-login cookie's name and lifetime.
pub const COOKIE: &str = "oidc_login";
pub const COOKIE_MAX_AGE: u32 = 600;

/// One login in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub next: String,
}

fn random_text() -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(URL_SAFE_NO_PAD.encode(bytes))
}

impl Pending {
    /// A fresh login going to `next`; `None` if randomness fails.
    pub fn new(next: &str) -> Option<Pending> {
        Some(Pending {
            state: random_text()?,
            nonce: random_text()?,
            verifier: random_text()?,
            next: next.to_string(),
        })
    }

    /// The cookie value: four base64url fields joined by dots.
    pub fn to_cookie(&self) -> String {
        format!(
            "{}.{}.{}.{}",
            self.state,
            self.nonce,
            self.verifier,
            URL_SAFE_NO_PAD.encode(self.next.as_bytes())
        )
    }

    pub fn from_cookie(value: &str) -> Option<Pending> {
        let mut parts = value.split('.');
        let (state, nonce, verifier, next) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || [state, nonce, verifier].iter().any(|p| p.len() != 43) {
            return None;
        }
        let next = String::from_utf8(URL_SAFE_NO_PAD.decode(next).ok()?).ok()?;
        Some(Pending {
            state: state.into(),
            nonce: nonce.into(),
            verifier: verifier.into(),
            next,
        })
    }

    /// Whether the provider returned this login's `state` (constant time).
    pub fn state_matches(&self, returned: &str) -> bool {
        returned.len() == self.state.len()
            && bool::from(returned.as_bytes().ct_eq(self.state.as_bytes()))
    }
}

/// The PKCE S256 challenge of a verifier.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Where to send the browser to log in.
pub fn authorization_url(
    endpoint: &str,
    config: &OidcConfig,
    redirect_url: &str,
    pending: &Pending,
) -> Option<String> {
    let mut url = url::Url::parse(endpoint).ok()?;
    let mut scopes: Vec<&str> = vec!["openid"];
    scopes.extend(
        config
            .scopes
            .iter()
            .map(String::as_str)
            .filter(|s| *s != "openid"),
    );
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", redirect_url)
        .append_pair("scope", &scopes.join(" "))
        .append_pair("state", &pending.state)
        .append_pair("nonce", &pending.nonce)
        .append_pair("code_challenge", &challenge(&pending.verifier))
        .append_pair("code_challenge_method", "S256");
    Some(url.into())
}

/// The role the ID token's roles claim gives: admin if any value is an
/// admin value, else staff if any is a staff value, else none (refused).
/// The claim may be a list of strings or one string.
pub fn role_from_claim(
    config: &OidcConfig,
    claim: Option<&serde_json::Value>,
) -> Option<AccountRole> {
    let values: Vec<&str> = match claim {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(|v| v.as_str()).collect(),
        Some(serde_json::Value::String(one)) => vec![one.as_str()],
        _ => Vec::new(),
    };
    let has = |wanted: &[String]| values.iter().any(|v| wanted.iter().any(|w| w == v));
    if has(&config.admin_values) {
        Some(AccountRole::Admin)
    } else if has(&config.staff_values) {
        Some(AccountRole::Staff)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_pending_cookie_round_trips_and_refuses_tampering() {
        let pending = Pending::new("/admin?x=1").unwrap();
        let cookie = pending.to_cookie();
        assert_eq!(Pending::from_cookie(&cookie), Some(pending.clone()));
        assert!(pending.state_matches(&pending.state));
        assert!(!pending.state_matches(&Pending::new("/").unwrap().state));
        assert!(!pending.state_matches(""));
        for bad in ["", "a.b.c.d", &format!("{cookie}.x"), "....", "\u{1F600}"] {
            assert_eq!(Pending::from_cookie(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_authorization_url_carries_pkce_state_and_nonce() {
        let config = OidcConfig {
            client_id: "civic meet".into(),
            ..OidcConfig::default()
        };
        let pending = Pending::new("/staff").unwrap();
        let url = authorization_url(
            "https://idp.example/auth?kc=1",
            &config,
            "https://c.example/cb",
            &pending,
        )
        .unwrap();
        let parsed = url::Url::parse(&url).unwrap();
        let pairs: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(pairs["kc"], "1");
        assert_eq!(pairs["client_id"], "civic meet");
        assert_eq!(pairs["scope"], "openid profile email");
        assert_eq!(pairs["code_challenge_method"], "S256");
        assert_eq!(pairs["code_challenge"], challenge(&pending.verifier));
        assert_eq!(pairs["state"], pending.state);
        assert_eq!(pairs["nonce"], pending.nonce);
    }

    #[test]
    fn claims_map_to_roles_and_unmapped_logins_get_none() {
        let config = OidcConfig {
            admin_values: vec!["civicmeet-admins".into()],
            staff_values: vec!["sachbearbeitung".into()],
            ..OidcConfig::default()
        };
        let role = |v| role_from_claim(&config, Some(&v));
        assert_eq!(
            role(json!(["x", "civicmeet-admins", "sachbearbeitung"])),
            Some(AccountRole::Admin)
        );
        assert_eq!(role(json!(["sachbearbeitung"])), Some(AccountRole::Staff));
        assert_eq!(role(json!("sachbearbeitung")), Some(AccountRole::Staff));
        assert_eq!(role(json!(["other"])), None);
        assert_eq!(role(json!(42)), None);
        assert_eq!(role_from_claim(&config, None), None);
    }
}
