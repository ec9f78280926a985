//! Environment overrides for every key: `CIVICMEET_<SECTION>_<KEY>`.
//!
//! The names come from the config's own shape (the defaults serialized), so
//! a new key needs no code here: `[booking] hold_minutes` is
//! `CIVICMEET_BOOKING_HOLD_MINUTES`. A value is read as the key's type;
//! lists are comma-separated.

use toml::{Table, Value};

use super::Config;

/// Parses `file_text` and applies the environment `lookup` finds, then
/// deserializes (unknown keys in the file are refused there).
pub fn apply(file_text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
    let mut table: Table =
        toml::from_str(file_text).map_err(|e| e.to_string().trim_end().to_string())?;
    let defaults = Table::try_from(Config::default()).map_err(|e| e.to_string())?;
    for (section, keys) in &defaults {
        let Value::Table(keys) = keys else { continue };
        for (key, default) in keys {
            let name = format!(
                "CIVICMEET_{}_{}",
                section.to_uppercase(),
                key.to_uppercase()
            );
            let Some(raw) = lookup(&name) else { continue };
            let value = parse_like(default, &raw).ok_or_else(|| {
                format!("{name}={raw:?} is not a valid value for {section}.{key}")
            })?;
            let entry = table
                .entry(section.clone())
                .or_insert_with(|| Value::Table(Table::new()));
            let Value::Table(entry) = entry else {
                return Err(format!("{section} must be a table"));
            };
            entry.insert(key.clone(), value);
        }
    }
    Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| e.to_string().trim_end().to_string())
}

/// Reads `raw` as the type of `default`.
fn parse_like(default: &Value, raw: &str) -> Option<Value> {
    Some(match default {
        Value::Integer(_) => Value::Integer(raw.trim().parse().ok()?),
        Value::Boolean(_) => Value::Boolean(raw.trim().parse().ok()?),
        Value::Float(_) => Value::Float(raw.trim().parse().ok()?),
        Value::Array(_) => Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        ),
        _ => Value::String(raw.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn every_key_has_an_environment_variable() {
        let config = apply(
            "[booking]\nhold_minutes = 20\n",
            env(&[
                ("CIVICMEET_BOOKING_HOLD_MINUTES", "30"),
                ("CIVICMEET_BOOKING_SEED_DEMO", "false"),
                ("CIVICMEET_MAIL_SMTP_HOST", "mail.example.de"),
                ("CIVICMEET_MEDIA_PUBLIC_ADDRESSES", "192.0.2.1, 192.0.2.2"),
                ("CIVICMEET_HTTP_TLS", "files"),
                ("CIVICMEET_HTTP_CERT_FILE", "/etc/civicmeet/cert.pem"),
            ]),
        )
        .unwrap();
        assert_eq!(config.booking.hold_minutes, 30);
        assert!(!config.booking.seed_demo);
        assert_eq!(config.mail.smtp_host, "mail.example.de");
        assert_eq!(config.media.public_addresses.len(), 2);
        assert_eq!(config.http.tls, crate::config::TlsMode::Files);
        assert_eq!(
            config.http.cert_file,
            std::path::Path::new("/etc/civicmeet/cert.pem")
        );
    }

    #[test]
    fn a_bad_value_names_the_variable() {
        let err = apply("", env(&[("CIVICMEET_BOOKING_HOLD_MINUTES", "soon")])).unwrap_err();
        assert!(err.contains("CIVICMEET_BOOKING_HOLD_MINUTES"), "{err}");
    }

    #[test]
    fn unknown_keys_in_the_file_are_still_refused() {
        let err = apply("[booking]\nhold_minute = 3\n", env(&[])).unwrap_err();
        assert!(err.contains("hold_minute"), "{err}");
    }
}
