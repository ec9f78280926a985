//! Free slots as an accessible list: a week at a time, a heading per day,
//! a link per slot whose accessible name is the full date and time.

use axum::extract::{Path, Query, State};
use chrono::{Datelike, Days, NaiveDate};
use civicmeet_booking::{Slot, free_slots};
use maud::{Markup, html};
use serde::Deserialize;

use super::catalog::{ServiceRules, service_rules};
use super::dates;
use crate::state::AppState;
use crate::web::{Lang, Page, PageContext, PageError, layout};

#[derive(Deserialize)]
pub struct WeekQuery {
    /// Any date of the week to show (`YYYY-MM-DD`); default this week.
    week: Option<String>,
}

/// `GET /book/services/{id}?week=YYYY-MM-DD`
pub async fn page(
    State(state): State<AppState>,
    ctx: PageContext,
    Path(id): Path<i64>,
    Query(query): Query<WeekQuery>,
) -> Result<Markup, PageError> {
    let now = super::now();
    let rules = service_rules(&state.store, id, now)
        .await?
        .ok_or(PageError::NotFound)?;
    let base = format!("/book/services/{id}");
    let week = Week::of(&rules, now, query.week.as_deref());
    let bookings = rules.active_bookings(&state.store, now).await?;
    let slots = free_slots(&rules.rules(), &bookings, now, week.monday..=week.sunday());
    let lang = ctx.lang;
    let title = rules.record.name.clone();
    Ok(layout::render(
        &ctx,
        Page {
            title: &title,
            styles: &["booking.css"],
            scripts: &[],
            body: html! {
                h1 { (title) }
                p { (rules.office.name) }
                @if !rules.record.description.is_empty() { p { (rules.record.description) } }
                (week_view(lang, &rules, &week, &slots, &base, |slot| {
                    format!("/book/services/{id}/form?start={}", slot.start.timestamp())
                }))
                p { a href="/book" { (lang.pick("Anderes Anliegen wählen", "Choose another service")) } }
            },
        },
    ))
}

/// The week shown, and whether there are weeks before and after it with
/// bookable days.
pub struct Week {
    pub monday: NaiveDate,
    pub first_bookable: NaiveDate,
    pub last_bookable: NaiveDate,
}

impl Week {
    /// The week containing `wanted` (else today), clamped to the bookable
    /// range of the service.
    pub fn of(
        rules: &ServiceRules,
        now: chrono::DateTime<chrono::Utc>,
        wanted: Option<&str>,
    ) -> Week {
        let zone = rules.office.time_zone;
        let today = now.with_timezone(&zone).date_naive();
        let last = (now + rules.service.horizon())
            .with_timezone(&zone)
            .date_naive();
        let date = wanted
            .and_then(|w| NaiveDate::parse_from_str(w, "%Y-%m-%d").ok())
            .unwrap_or(today)
            .clamp(today, last.max(today));
        Week {
            monday: monday_of(date),
            first_bookable: today,
            last_bookable: last,
        }
    }

    pub fn sunday(&self) -> NaiveDate {
        self.monday
            .checked_add_days(Days::new(6))
            .unwrap_or(self.monday)
    }

    fn previous(&self) -> Option<NaiveDate> {
        (self.monday > self.first_bookable)
            .then(|| self.monday.checked_sub_days(Days::new(7)))
            .flatten()
    }

    fn next(&self) -> Option<NaiveDate> {
        (self.sunday() < self.last_bookable)
            .then(|| self.monday.checked_add_days(Days::new(7)))
            .flatten()
    }
}

fn monday_of(date: NaiveDate) -> NaiveDate {
    date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
        .unwrap_or(date)
}

/// The slots of one week, grouped by day, with the week navigation.
pub fn week_view(
    lang: Lang,
    rules: &ServiceRules,
    week: &Week,
    slots: &[Slot],
    base: &str,
    link: impl Fn(&Slot) -> String,
) -> Markup {
    let zone = rules.office.time_zone;
    let mut days: Vec<(NaiveDate, Vec<&Slot>)> = Vec::new();
    for slot in slots {
        match days.last_mut() {
            Some((date, list)) if *date == slot.local_date() => list.push(slot),
            _ => days.push((slot.local_date(), vec![slot])),
        }
    }
    let range = format!(
        "{} – {}",
        dates::day(lang, week.monday),
        dates::day(lang, week.sunday())
    );
    let nav = html! {
        nav class="week-nav" aria-label=(lang.pick("Wochen", "Weeks")) {
            @if let Some(previous) = week.previous() {
                a href={ (base) "?week=" (previous) } rel="prev" { (lang.pick("← Vorherige Woche", "← Previous week")) }
            }
            @if let Some(next) = week.next() {
                a href={ (base) "?week=" (next) } rel="next" { (lang.pick("Nächste Woche →", "Next week →")) }
            }
        }
    };
    html! {
        h2 { (lang.pick("Freie Termine", "Free appointments")) }
        p class="week-range" { (range) }
        (nav)
        @if days.is_empty() {
            p { (lang.pick("In dieser Woche gibt es keine freien Termine.",
                           "There are no free appointments this week.")) }
        }
        @for (date, list) in &days {
            section class="day" aria-labelledby={ "day-" (date) } {
                h3 id={ "day-" (date) } { (dates::day(lang, *date)) }
                ul class="slots" {
                    @for slot in list {
                        li { a class="slot" href=(link(slot))
                               aria-label=(dates::full(lang, slot.start, zone)) {
                            (dates::clock(slot.start, zone))
                        } }
                    }
                }
            }
        }
        @if !days.is_empty() { (nav) }
    }
}
