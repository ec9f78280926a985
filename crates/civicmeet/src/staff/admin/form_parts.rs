//! Pieces the admin forms share: opening hours as text per weekday
//! ("08:00-12:00, 13:00-16:00"), lists as one entry per line, the API's
//! field errors as form errors, and a few inputs the shared `web::form`
//! does not have (number, textarea, select).

use maud::{Markup, html};

use crate::api::error::ApiError;
use crate::api::hours::{HoursBody, Weekday};
use crate::staff::admin::texts::ax;
use crate::web::form::FormErrors;
use crate::web::{Lang, PageError};

/// The form field of each weekday's hours.
pub const WEEKDAY_FIELDS: [(&str, Weekday); 7] = [
    ("hours-monday", Weekday::Monday),
    ("hours-tuesday", Weekday::Tuesday),
    ("hours-wednesday", Weekday::Wednesday),
    ("hours-thursday", Weekday::Thursday),
    ("hours-friday", Weekday::Friday),
    ("hours-saturday", Weekday::Saturday),
    ("hours-sunday", Weekday::Sunday),
];

/// "08:00-12:00, 13:00-16:00" into spans of `day`; `None` if a part does
/// not look like a span (the API checks the times themselves).
pub fn parse_hours(day: Weekday, text: &str) -> Option<Vec<HoursBody>> {
    let mut spans = Vec::new();
    for part in text
        .split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (start, end) = part.split_once(['-', '–'])?;
        spans.push(HoursBody {
            weekday: day,
            start: start.trim().to_string(),
            end: end.trim().to_string(),
        });
    }
    Some(spans)
}

/// The spans of `day` as the text a form shows.
pub fn format_hours(day: Weekday, hours: &[HoursBody]) -> String {
    hours
        .iter()
        .filter(|h| h.weekday == day)
        .map(|h| format!("{}-{}", h.start, h.end))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every weekday's text field, parsed; a malformed one is a form error.
pub fn hours_from_fields(
    field: impl Fn(&str) -> String,
    errors: &mut FormErrors,
) -> Vec<HoursBody> {
    let mut all = Vec::new();
    for (name, day) in WEEKDAY_FIELDS {
        match parse_hours(day, &field(name)) {
            Some(spans) => all.extend(spans),
            None => errors.add(name, "hours"),
        }
    }
    all
}

/// Non-empty trimmed lines.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// An API validation error as a form error: `fields` maps the API's field
/// (the part before `[` or `.`) to the form field and its message key.
/// Anything but a validation error becomes a page error.
pub fn api_to_form(
    e: ApiError,
    fields: &[(&str, &'static str)],
    errors: &mut FormErrors,
) -> Result<(), PageError> {
    match e {
        ApiError::Invalid { field, .. }
        | ApiError::Malformed {
            field: Some(field), ..
        } => {
            let head = field.split(['[', '.']).next().unwrap_or_default();
            let (form_field, key) = match head {
                "hours" => {
                    // hours[i] cannot tell the weekday back; name the first.
                    ("hours-monday", "hours")
                }
                other => fields
                    .iter()
                    .find(|(api, _)| *api == other)
                    .map_or(("name", "generic"), |(_, form)| (*form, *form)),
            };
            errors.add(form_field, key);
            Ok(())
        }
        ApiError::Internal(detail) => Err(PageError::Internal(detail)),
        ApiError::NotFound { .. } => Err(PageError::NotFound),
        _ => Err(PageError::BadRequest("invalid request")),
    }
}

/// Turns message keys into the visitor's language.
pub fn translate(lang: Lang, errors: FormErrors) -> FormErrors {
    FormErrors(
        errors
            .0
            .into_iter()
            .map(|mut e| {
                e.message = ax(lang, e.message);
                e
            })
            .collect(),
    )
}

/// The error paragraph and ARIA attributes of a field.
fn error_parts<'a>(name: &str, errors: &'a FormErrors) -> (Option<&'a str>, String) {
    (errors.for_field(name), format!("{name}-error"))
}

/// The `aria-describedby` value of a field: its hint and error ids, as
/// far as it has them (empty: no attribute).
pub fn described_by(hint_id: Option<&str>, error_id: Option<&str>) -> String {
    [hint_id, error_id]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A labelled input of any type (text, number, url, email, date).
pub fn input(
    kind: &str,
    name: &str,
    label: &str,
    value: &str,
    hint: Option<&str>,
    errors: &FormErrors,
) -> Markup {
    let (error, error_id) = error_parts(name, errors);
    let hint_id = format!("{name}-hint");
    let described = described_by(
        hint.map(|_| hint_id.as_str()),
        error.map(|_| error_id.as_str()),
    );
    html! {
        div class="field" {
            label for=(name) { (label) }
            @if let Some(hint) = hint { p class="hint" id=(hint_id) { (hint) } }
            @if let Some(message) = error { p class="field-error" id=(error_id) { (message) } }
            input type=(kind) id=(name) name=(name) value=(value)
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[(!described.is_empty()).then_some(described.as_str())];
        }
    }
}

/// A labelled textarea.
pub fn textarea(
    name: &str,
    label: &str,
    value: &str,
    hint: Option<&str>,
    errors: &FormErrors,
) -> Markup {
    let (error, error_id) = error_parts(name, errors);
    let hint_id = format!("{name}-hint");
    let described = described_by(
        hint.map(|_| hint_id.as_str()),
        error.map(|_| error_id.as_str()),
    );
    html! {
        div class="field" {
            label for=(name) { (label) }
            @if let Some(hint) = hint { p class="hint" id=(hint_id) { (hint) } }
            @if let Some(message) = error { p class="field-error" id=(error_id) { (message) } }
            textarea id=(name) name=(name) rows="4"
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[(!described.is_empty()).then_some(described.as_str())] { (value) }
        }
    }
}

/// A labelled select of `(value, text)` options.
pub fn select(
    name: &str,
    label: &str,
    options: &[(String, String)],
    selected: &str,
    errors: &FormErrors,
) -> Markup {
    let (error, error_id) = error_parts(name, errors);
    html! {
        div class="field" {
            label for=(name) { (label) }
            @if let Some(message) = error { p class="field-error" id=(error_id) { (message) } }
            select id=(name) name=(name)
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| error_id.as_str())] {
                @for (value, text) in options {
                    option value=(value) selected[value == selected] { (text) }
                }
            }
        }
    }
}

/// A group of checkboxes with one legend (e.g. staff of a service).
pub fn checkboxes(
    name: &str,
    legend: &str,
    options: &[(String, String)],
    checked: &[String],
    errors: &FormErrors,
) -> Markup {
    let (error, error_id) = error_parts(name, errors);
    html! {
        fieldset id=(name) aria-describedby=[error.map(|_| error_id.as_str())] {
            legend { (legend) }
            @if let Some(message) = error { p class="field-error" id=(error_id) { (message) } }
            @for (i, (value, text)) in options.iter().enumerate() {
                div class="checkbox" {
                    input type="checkbox" id={ (name) "-" (i) } name=(name) value=(value)
                        checked[checked.contains(value)];
                    label for={ (name) "-" (i) } { (text) }
                }
            }
        }
    }
}

/// The time zones offered: Europe's, and UTC.
pub fn time_zones() -> Vec<(String, String)> {
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|name| name.starts_with("Europe/") || *name == "UTC")
        .map(|name| (name.to_string(), name.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_text_round_trips() {
        let spans = parse_hours(Weekday::Monday, "08:00-12:00, 13:00 – 16:00").expect("parses");
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[1].start, "13:00");
        assert_eq!(
            format_hours(Weekday::Monday, &spans),
            "08:00-12:00, 13:00-16:00"
        );
        assert!(parse_hours(Weekday::Monday, "morning").is_none());
        assert!(parse_hours(Weekday::Monday, " ").expect("empty").is_empty());
    }
}

/// A submitted form as name-value pairs (checkbox groups repeat a name).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A whole number field; a malformed one is a form error (and 0).
    pub fn number(&self, name: &'static str, errors: &mut FormErrors) -> i64 {
        match self.get(name).trim().parse() {
            Ok(n) => n,
            Err(_) => {
                errors.add(name, "number");
                0
            }
        }
    }
}
