//! Accessible form parts: an error summary at the top that links to each
//! field, and fields that point at their hint and error
//! (`aria-describedby`) and say when they are wrong (`aria-invalid`).
//!
//! A handler validates into [`FormErrors`]; on any error it renders the
//! same form again with the entered values and the errors, and changes
//! nothing (WCAG 3.3.1, 3.3.3).

use maud::{Markup, html};

use super::i18n::{Lang, t};

/// One field's problem; `message` comes from a translation table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's `id` (and `name`).
    pub field: &'static str,
    pub message: &'static str,
}

/// The problems of one submitted form, in the order of the fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    pub fn add(&mut self, field: &'static str, message: &'static str) {
        self.0.push(FieldError { field, message });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first message for `field`, if any.
    pub fn for_field(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message)
    }

    /// Whether a form-wide problem (not tied to an input) is present.
    pub fn has(&self, field: &str) -> bool {
        self.for_field(field).is_some()
    }
}

/// The summary at the top of a form: a focusable alert with a heading and
/// a link to each wrong field. Nothing when there are no errors.
pub fn error_summary(lang: Lang, errors: &FormErrors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div class="error-summary" role="alert" aria-labelledby="error-summary-heading" tabindex="-1" id="error-summary" {
                h2 id="error-summary-heading" { (t(lang, "form.summary_heading")) }
                ul {
                    @for error in &errors.0 {
                        li { a href={ "#" (error.field) } { (error.message) } }
                    }
                }
            }
        }
    }
}

/// What kind of text input.
#[derive(Debug, Clone, Copy)]
pub enum InputKind {
    Text,
    Email,
    Tel,
}

impl InputKind {
    fn as_str(self) -> &'static str {
        match self {
            InputKind::Text => "text",
            InputKind::Email => "email",
            InputKind::Tel => "tel",
        }
    }
}

/// A labelled text input with its optional hint and its error.
pub struct TextField<'a> {
    pub name: &'static str,
    pub label: &'a str,
    pub kind: InputKind,
    pub value: &'a str,
    pub required: bool,
    pub hint: Option<&'a str>,
    /// The `autocomplete` token (`name`, `email`, `tel`).
    pub autocomplete: &'a str,
    pub max_len: usize,
}

impl TextField<'_> {
    pub fn render(&self, lang: Lang, errors: &FormErrors) -> Markup {
        let error = errors.for_field(self.name);
        let hint_id = format!("{}-hint", self.name);
        let error_id = format!("{}-error", self.name);
        let described: Vec<&str> = [
            self.hint.map(|_| hint_id.as_str()),
            error.map(|_| error_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        let described = described.join(" ");
        html! {
            div class="field" {
                label for=(self.name) {
                    (self.label)
                    @if !self.required { " (" (t(lang, "form.optional")) ")" }
                }
                @if let Some(hint) = self.hint { p class="hint" id=(hint_id) { (hint) } }
                @if let Some(message) = error { p class="field-error" id=(error_id) { (message) } }
                input type=(self.kind.as_str()) id=(self.name) name=(self.name) value=(self.value)
                    autocomplete=(self.autocomplete) maxlength=(self.max_len)
                    required[self.required]
                    aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[(!described.is_empty()).then_some(described.as_str())];
            }
        }
    }
}

/// A labelled checkbox (e.g. consent) with its error.
pub fn checkbox(name: &'static str, label: Markup, checked: bool, errors: &FormErrors) -> Markup {
    let error = errors.for_field(name);
    let error_id = format!("{name}-error");
    html! {
        div class="field checkbox" {
            @if let Some(message) = error { p class="field-error" id=(error_id) { (message) } }
            input type="checkbox" id=(name) name=(name) value="yes" checked[checked] required
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| error_id.as_str())];
            label for=(name) { (label) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_field_points_at_its_error_and_escapes_its_value() {
        let mut errors = FormErrors::default();
        errors.add("name", "Bitte Namen angeben");
        let field = TextField {
            name: "name",
            label: "Name",
            kind: InputKind::Text,
            value: "<script>alert(1)</script>",
            required: true,
            hint: None,
            autocomplete: "name",
            max_len: 100,
        };
        let html = field.render(Lang::De, &errors).into_string();
        assert!(html.contains(r#"aria-invalid="true""#), "{html}");
        assert!(html.contains(r#"aria-describedby="name-error""#), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        let summary = error_summary(Lang::De, &errors).into_string();
        assert!(summary.contains("href=\"#name\""), "{summary}");
    }
}
