//! Password hashing: argon2id with OWASP's parameters (19 MiB, two
//! passes, one lane), stored as a PHC string that carries its own salt
//! and parameters, so stronger settings later still verify old hashes.
//!
//! Hashing takes tens of milliseconds on purpose; it runs on the blocking
//! pool so it does not stall the async workers. Unknown login names are
//! checked against a dummy hash, so they take as long as wrong passwords.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// The shortest password an admin may set.
pub const MIN_LEN: usize = 12;
/// Longer input is refused before hashing (argon2 would take it, but no
/// one types more, and it bounds the work per request).
pub const MAX_LEN: usize = 256;

fn hasher() -> Argon2<'static> {
    // OWASP Password Storage Cheat Sheet: m=19456 KiB, t=2, p=1. The
    // constants are valid, so `Params::new` cannot fail.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string of `password` with a fresh salt; `None` if the system
/// random source fails.
pub fn hash(password: &str) -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    let salt = SaltString::encode_b64(&bytes).ok()?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .ok()
        .map(|h| h.to_string())
}

/// Whether `password` matches the PHC string. A malformed string never
/// matches.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    hasher()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// A hash nobody knows the password of, made once: what unknown and
/// password-less accounts are checked against.
pub fn dummy() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut bytes = [0u8; 24];
        let _ = getrandom::fill(&mut bytes);
        hash(&format!("{bytes:?}")).unwrap_or_default()
    })
}

/// [`verify`] on the blocking pool. `phc: None` checks the dummy hash and
/// returns false, taking the same time.
pub async fn verify_async(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify(&password, &phc),
        None => {
            verify(&password, dummy());
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// [`hash`] on the blocking pool.
pub async fn hash_async(password: String) -> Option<String> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password_and_is_argon2id() {
        let phc = hash("correct horse battery").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("correct horse batterz", &phc));
        assert!(!verify("correct horse battery", "not a hash"));
        assert_ne!(hash("correct horse battery").unwrap(), phc, "salted");
    }
}
