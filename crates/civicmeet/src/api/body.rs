//! Reading API input: a JSON body extractor whose every failure is an
//! [`ApiError`] naming the field, and the shared value checks (text
//! lengths, times of day, dates) that turn input into store records.
//!
//! Input types use `deny_unknown_fields`, so a misspelt key is an error
//! rather than a silently ignored value.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header;
use axum::http::request::Parts;
use chrono::NaiveDate;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// Largest accepted body. A catalogue record is far smaller.
const MAX_BODY: usize = 64 * 1024;

/// A JSON request body of type `T`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::Malformed {
                message: "the body must be JSON (Content-Type: application/json)".into(),
                field: None,
            });
        }
        let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY)
            .await
            .map_err(|_| ApiError::Malformed {
                message: format!("the body is larger than {MAX_BODY} bytes"),
                field: None,
            })?;
        parse(&bytes).map(ApiJson)
    }
}

/// The numeric `{id}` of a path. One that is not a number names no
/// record, so it is a 404 like an unknown one.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(text) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound { what: "record" })?;
        text.parse()
            .map(Id)
            .map_err(|_| ApiError::NotFound { what: "record" })
    }
}

/// Parses `bytes` as `T`: syntax errors are 400, shape errors 422 with
/// the JSON path of the offending field.
pub fn parse<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let field = (path != ".").then_some(path);
        let inner = e.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => ApiError::Invalid {
                field: field.unwrap_or_default(),
                message: describe(&inner),
            },
            _ => ApiError::Malformed {
                message: "the body is not valid JSON".into(),
                field,
            },
        }
    })?;
    deserializer.end().map_err(|_| ApiError::Malformed {
        message: "trailing characters after the JSON value".into(),
        field: None,
    })?;
    Ok(value)
}

/// serde's message without the position (and so without input echoes
/// beyond what serde itself puts there: type names and field names).
fn describe(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// A required single line of text of at most `max` characters, trimmed.
pub fn line(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    optional_text(field, value, max)?;
    if value.chars().any(char::is_control) {
        return Err(ApiError::invalid(field, "must be a single line"));
    }
    Ok(value.to_string())
}

/// Free text (may be empty, may have line breaks) of at most `max` characters.
pub fn optional_text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    if value.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(ApiError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.trim().to_string())
}

/// A time of day `HH:MM` as minutes since midnight; `24:00` is allowed as
/// an end.
pub fn minute_of_day(field: &str, value: &str) -> Result<i32, ApiError> {
    let bad = || ApiError::invalid(field, "must be a time of day as HH:MM");
    let (h, m) = value.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: i32 = h.parse().map_err(|_| bad())?;
    let m: i32 = m.parse().map_err(|_| bad())?;
    if !(0..=24).contains(&h) || !(0..60).contains(&m) || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// Minutes since midnight back to `HH:MM`.
pub fn format_minute(minute: i32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// A calendar date `YYYY-MM-DD`.
pub fn date(field: &str, value: &str) -> Result<NaiveDate, ApiError> {
    if value.len() != 10 {
        return Err(ApiError::invalid(field, "must be a date as YYYY-MM-DD"));
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(field, "must be a date as YYYY-MM-DD"))
}

/// A `start`-`end` pair of times with the start first.
pub fn span(field: &str, start: &str, end: &str) -> Result<(i32, i32), ApiError> {
    let s = minute_of_day(&format!("{field}.start"), start)?;
    let e = minute_of_day(&format!("{field}.end"), end)?;
    if s >= e {
        return Err(ApiError::invalid(
            format!("{field}.end"),
            "must be after the start",
        ));
    }
    Ok((s, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day() {
        assert_eq!(minute_of_day("t", "08:30").ok(), Some(510));
        assert_eq!(minute_of_day("t", "24:00").ok(), Some(1440));
        for bad in ["8:30", "24:01", "12:60", "ab:cd", "", "12-00"] {
            assert!(minute_of_day("t", bad).is_err(), "{bad}");
        }
        assert_eq!(format_minute(510), "08:30");
    }

    #[test]
    fn lines_are_trimmed_bounded_and_single() {
        assert_eq!(line("n", "  a  ", 3).ok().as_deref(), Some("a"));
        assert!(line("n", "abcd", 3).is_err());
        assert!(line("n", "a\nb", 10).is_err());
        assert!(line("n", "   ", 10).is_err());
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // Only the parse result matters.
    struct Sample {
        name: String,
        hours: Vec<u32>,
    }

    #[test]
    fn parse_errors_name_the_field() {
        let e = parse::<Sample>(&Bytes::from_static(br#"{"name": 5, "hours": []}"#))
            .expect_err("wrong type");
        assert!(
            matches!(&e, ApiError::Invalid { field, .. } if field == "name"),
            "{e:?}"
        );
        let e = parse::<Sample>(&Bytes::from_static(br#"{"name": "a", "hours": [1, "x"]}"#))
            .expect_err("wrong type");
        assert!(
            matches!(&e, ApiError::Invalid { field, .. } if field == "hours[1]"),
            "{e:?}"
        );
        let e = parse::<Sample>(&Bytes::from_static(
            br#"{"name": "a", "hours": [], "x": 1}"#,
        ))
        .expect_err("unknown field");
        assert!(matches!(e, ApiError::Invalid { .. }));
        let e = parse::<Sample>(&Bytes::from_static(b"{")).expect_err("syntax");
        assert!(matches!(e, ApiError::Malformed { .. }));
    }
}
