//! The config sections of staff accounts (issue 4): sessions and lockout
//! (`[accounts]`), OpenID Connect login (`[oidc]`), and the audit log's
//! retention (`[audit]`).

use serde::{Deserialize, Serialize};

use super::ConfigError;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountsConfig {
    /// A login session ends after this many minutes without a request.
    pub session_idle_minutes: u32,
    /// A login session ends this many hours after the login, however busy.
    pub session_max_hours: u32,
    /// Wrong passwords in a row that lock an account.
    pub lockout_failures: u32,
    /// How long the first lock lasts; each further lock lasts twice as long.
    pub lockout_seconds: u32,
    /// No lock lasts longer than this.
    pub lockout_max_seconds: u32,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        AccountsConfig {
            session_idle_minutes: 30,
            session_max_hours: 10,
            lockout_failures: 5,
            lockout_seconds: 60,
            lockout_max_seconds: 3600,
        }
    }
}

impl AccountsConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.session_idle_minutes == 0 || self.session_max_hours == 0 {
            return Err(ConfigError::Invalid(
                "accounts.session_idle_minutes and accounts.session_max_hours must be positive"
                    .into(),
            ));
        }
        if self.lockout_failures == 0 || self.lockout_seconds == 0 {
            return Err(ConfigError::Invalid(
                "accounts.lockout_failures and accounts.lockout_seconds must be positive".into(),
            ));
        }
        if self.lockout_max_seconds < self.lockout_seconds {
            return Err(ConfigError::Invalid(
                "accounts.lockout_max_seconds must not be less than accounts.lockout_seconds"
                    .into(),
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcConfig {
    /// The OpenID provider, e.g. `https://login.example.de/realms/staff`.
    /// Empty: no OpenID Connect login. The server talks to this issuer
    /// (and only to it): `https://`, or `http://` on loopback for tests.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Where the provider sends the browser back. Empty: the public URL
    /// with `/login/oidc/callback`.
    pub redirect_url: String,
    /// The scopes asked for; `openid` is always among them.
    pub scopes: Vec<String>,
    /// The ID token claim with the person's groups or roles.
    pub roles_claim: String,
    /// Values of that claim that make an admin.
    pub admin_values: Vec<String>,
    /// Values of that claim that make a staff member. A login whose
    /// claim has none of these and none of `admin_values` is refused.
    pub staff_values: Vec<String>,
}

impl Default for OidcConfig {
    fn default() -> Self {
        OidcConfig {
            issuer: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            redirect_url: String::new(),
            scopes: vec!["openid".into(), "profile".into(), "email".into()],
            roles_claim: "groups".into(),
            admin_values: Vec::new(),
            staff_values: Vec::new(),
        }
    }
}

impl OidcConfig {
    pub fn enabled(&self) -> bool {
        !self.issuer.is_empty()
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !self.enabled() {
            return Ok(());
        }
        let invalid = |text: &str| Err(ConfigError::Invalid(format!("oidc: {text}")));
        let Ok(issuer) = url::Url::parse(&self.issuer) else {
            return invalid("issuer must be a URL");
        };
        let loopback = matches!(
            issuer.host(),
            Some(url::Host::Ipv4(ip)) if ip.is_loopback()
        ) || matches!(issuer.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
            || issuer.host_str() == Some("localhost");
        match issuer.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return invalid("issuer must be an https:// URL (http:// only on loopback)"),
        }
        if self.client_id.is_empty() {
            return invalid("client_id is required");
        }
        if !self.redirect_url.is_empty() && url::Url::parse(&self.redirect_url).is_err() {
            return invalid("redirect_url must be a URL");
        }
        if self.roles_claim.is_empty() {
            return invalid("roles_claim is required");
        }
        if self.admin_values.is_empty() && self.staff_values.is_empty() {
            return invalid("admin_values or staff_values must name at least one value");
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// Audit entries older than this many days are deleted.
    pub retention_days: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            retention_days: 365,
        }
    }
}

impl AuditConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.retention_days == 0 {
            return Err(ConfigError::Invalid(
                "audit.retention_days must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oidc_needs_a_secure_issuer_a_client_and_a_role_mapping() {
        let mut oidc = OidcConfig::default();
        oidc.validate().expect("off is fine");
        oidc.issuer = "http://idp.example.de".into();
        oidc.client_id = "civicmeet".into();
        oidc.staff_values = vec!["staff".into()];
        assert!(oidc.validate().is_err(), "plain http to another host");
        oidc.issuer = "http://127.0.0.1:9000".into();
        oidc.validate().expect("loopback for tests");
        oidc.issuer = "https://idp.example.de/realms/x".into();
        oidc.validate().expect("https");
        oidc.staff_values.clear();
        assert!(oidc.validate().is_err(), "no role mapping");
    }
}
