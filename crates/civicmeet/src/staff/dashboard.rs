//! `GET /staff`: the dashboard. Per office and staff member, today's and
//! the next 7 days' appointments with their status, a "join as host" link
//! and the actions (no-show, done, cancel); the bulk cancellation form;
//! the calendar feed button; failed mails and webhook calls with a retry
//! button.
//!
//! "waiting" and "in call" come from the signalling roster: one person in
//! the appointment's meeting is someone waiting, two or more a call.
//! Server-rendered, no JavaScript; each action is a small POST form.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use civicmeet_store::{Appointment, AppointmentStatus, MailStatus, Office, Staff};
use maud::{Markup, html};

use super::texts::tx;
use crate::api::hours::{stored_zone, today_in};
use crate::meeting_id::MeetingId;
use crate::staff::actions::day_bounds;
use crate::state::AppState;
use crate::web::{Lang, Page, PageContext, PageError, csrf, layout};

/// How many days after today the dashboard shows.
const DAYS_AHEAD: i64 = 7;

/// `GET /staff`
pub async fn page(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: PageContext,
    identity: crate::staff::guard::Identity,
) -> Result<Markup, PageError> {
    let lang = ctx.lang;
    let offices = state.store.offices().await?;
    let mut sections = Vec::new();
    for office in &offices {
        let staff = state.store.staff_list(Some(office.id)).await?;
        let mut people = Vec::new();
        for person in staff {
            let appointments = upcoming(&state, office, person.id).await?;
            people.push((person, appointments));
        }
        sections.push((office, people));
    }
    let title = tx(lang, "dashboard.title");
    let body = html! {
        (crate::accounts::login::signed_in_bar(&ctx, identity.signed_in()))
        h1 { (title) }
        p { (tx(lang, "dashboard.range")) " · " a href="/admin" { (tx(lang, "dashboard.admin_link")) } }
        @if sections.iter().all(|(_, people)| people.is_empty()) {
            p { (tx(lang, "dashboard.no_staff")) }
        }
        @for (office, people) in &sections {
            section aria-labelledby={ "office-" (office.id) } {
                h2 id={ "office-" (office.id) } { (office.name) }
                @for (person, appointments) in people {
                    (staff_section(&state, &ctx, office, person, appointments).await?)
                }
            }
        }
        (bulk_form(&state, &ctx, &offices).await?)
        (failures(&state, &ctx).await?)
    };
    Ok(layout::render(&ctx, Page::new(title, body)))
}

async fn upcoming(
    state: &AppState,
    office: &Office,
    staff_id: i64,
) -> Result<Vec<Appointment>, PageError> {
    let tz = stored_zone(&office.time_zone);
    let today = today_in(tz);
    let (from, _) = day_bounds(tz, today);
    let (_, to) = day_bounds(tz, today + chrono::Duration::days(DAYS_AHEAD));
    Ok(state
        .store
        .appointments_for_staff(staff_id, from, to)
        .await?)
}

/// The status as staff see it, with the roster's view of the meeting.
pub fn status_key(state: &AppState, appointment: &Appointment) -> &'static str {
    match appointment.status {
        AppointmentStatus::Held => "status.held",
        AppointmentStatus::Cancelled => "status.cancelled",
        AppointmentStatus::NoShow => "status.no_show",
        AppointmentStatus::Done => "status.done",
        AppointmentStatus::Confirmed => {
            let present = appointment
                .meeting_id
                .as_deref()
                .and_then(MeetingId::parse)
                .map_or(0, |m| state.roster.count(m));
            match present {
                0 => "status.confirmed",
                1 => "status.waiting",
                _ => "status.in_call",
            }
        }
    }
}

fn local(tz: Tz, seconds: i64) -> DateTime<Tz> {
    DateTime::<Utc>::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
}

async fn staff_section(
    state: &AppState,
    ctx: &PageContext,
    office: &Office,
    person: &Staff,
    appointments: &[Appointment],
) -> Result<Markup, PageError> {
    let lang = ctx.lang;
    let tz = stored_zone(&office.time_zone);
    let heading_id = format!("staff-{}", person.id);
    let mut services = std::collections::HashMap::new();
    for a in appointments {
        if let std::collections::hash_map::Entry::Vacant(e) = services.entry(a.service_id) {
            let name = state
                .store
                .service(a.service_id)
                .await?
                .map_or_else(String::new, |s| s.name);
            e.insert(name);
        }
    }
    Ok(html! {
        section aria-labelledby=(heading_id) {
            h3 id=(heading_id) { (person.display_name) }
            @if appointments.is_empty() {
                p { (tx(lang, "dashboard.none")) }
            } @else {
                table {
                    caption class="visually-hidden" { (tx(lang, "dashboard.title")) ": " (person.display_name) }
                    thead { tr {
                        th scope="col" { (tx(lang, "col.time")) }
                        th scope="col" { (tx(lang, "col.service")) }
                        th scope="col" { (tx(lang, "col.citizen")) }
                        th scope="col" { (tx(lang, "col.status")) }
                        th scope="col" { (tx(lang, "col.actions")) }
                    } }
                    tbody {
                        @for a in appointments {
                            (row(state, ctx, tz, a, services.get(&a.service_id).map_or("", String::as_str)))
                        }
                    }
                }
            }
            form method="post" action={ "/staff/staff/" (person.id) "/feed-link" } class="inline" {
                (csrf::hidden_field(&ctx.csrf))
                button type="submit" aria-describedby={ "feed-hint-" (person.id) } {
                    (tx(lang, "feed.new")) span class="visually-hidden" { ": " (person.display_name) }
                }
                p class="hint" id={ "feed-hint-" (person.id) } { (tx(lang, "feed.hint")) }
            }
        }
    })
}

fn row(state: &AppState, ctx: &PageContext, tz: Tz, a: &Appointment, service: &str) -> Markup {
    let lang = ctx.lang;
    let start = local(tz, a.starts_at);
    let end = local(tz, a.ends_at);
    let active = matches!(
        a.status,
        AppointmentStatus::Held | AppointmentStatus::Confirmed
    );
    let confirmed = a.status == AppointmentStatus::Confirmed;
    // Screen readers hear which appointment a button acts on.
    let label = format!("{} {}", start.format("%Y-%m-%d %H:%M"), a.citizen_name);
    html! {
        tr {
            td { time datetime=(start.to_rfc3339()) { (start.format("%Y-%m-%d %H:%M")) } "–" (end.format("%H:%M")) }
            td { (service) }
            td { (a.citizen_name) }
            td { (tx(lang, status_key(state, a))) }
            td class="actions" {
                @if confirmed {
                    @if a.meeting_id.is_some() {
                        (action_button(ctx, &a.id, "host", tx(lang, "action.join"), &label))
                    }
                    (action_button(ctx, &a.id, "no-show", tx(lang, "action.no_show"), &label))
                    (action_button(ctx, &a.id, "done", tx(lang, "action.done"), &label))
                }
                @if active {
                    a href={ "/staff/appointments/" (a.id) "/cancel" } { (tx(lang, "action.cancel")) span class="visually-hidden" { ": " (label) } }
                }
            }
        }
    }
}

fn action_button(ctx: &PageContext, id: &str, action: &str, text: &str, label: &str) -> Markup {
    html! {
        form method="post" action={ "/staff/appointments/" (id) "/" (action) } class="inline" {
            (csrf::hidden_field(&ctx.csrf))
            button type="submit" { (text) span class="visually-hidden" { ": " (label) } }
        }
    }
}

async fn bulk_form(
    state: &AppState,
    ctx: &PageContext,
    offices: &[Office],
) -> Result<Markup, PageError> {
    let lang = ctx.lang;
    let staff = state.store.staff_list(None).await?;
    Ok(html! {
        section aria-labelledby="bulk-heading" {
            h2 id="bulk-heading" { (tx(lang, "bulk.heading")) }
            form method="get" action="/staff/cancel-day" {
                div class="field" {
                    label for="office" { (tx(lang, "bulk.office")) }
                    select id="office" name="office" required {
                        @for o in offices { option value=(o.id) { (o.name) } }
                    }
                }
                div class="field" {
                    label for="staff" { (tx(lang, "bulk.staff")) }
                    select id="staff" name="staff" {
                        option value="" { (tx(lang, "bulk.everyone")) }
                        @for s in &staff { option value=(s.id) { (s.display_name) } }
                    }
                }
                div class="field" {
                    label for="date" { (tx(lang, "bulk.date")) }
                    input type="date" id="date" name="date" required;
                }
                div class="field" {
                    label for="days" { (tx(lang, "bulk.days")) }
                    p class="hint" id="days-hint" { (tx(lang, "bulk.days_hint")) }
                    input type="number" id="days" name="days" value="1" min="1" max="366" aria-describedby="days-hint";
                }
                button type="submit" { (tx(lang, "bulk.check")) }
            }
        }
    })
}

async fn failures(state: &AppState, ctx: &PageContext) -> Result<Markup, PageError> {
    let lang = ctx.lang;
    let mails = state.store.failed_mails().await?;
    let deliveries = state.store.failed_deliveries().await?;
    let state_text = |status: MailStatus| {
        if status == MailStatus::Failed {
            tx(lang, "failed.failed")
        } else {
            tx(lang, "failed.pending")
        }
    };
    Ok(html! {
        section aria-labelledby="failed-mails" {
            h2 id="failed-mails" { (tx(lang, "failed.mails")) }
            @if mails.is_empty() { p { (tx(lang, "failed.none")) } } @else {
                table {
                    thead { tr {
                        th scope="col" { (tx(lang, "failed.kind")) }
                        th scope="col" { (tx(lang, "failed.subject")) }
                        th scope="col" { (tx(lang, "failed.attempts")) }
                        th scope="col" { (tx(lang, "failed.error")) }
                        th scope="col" { (tx(lang, "failed.state")) }
                        th scope="col" { (tx(lang, "col.actions")) }
                    } }
                    tbody { @for m in &mails { tr {
                        td { (m.kind) }
                        td { (m.subject) }
                        td { (m.attempts) }
                        td { (m.last_error.as_deref().unwrap_or("")) }
                        td { (state_text(m.status)) }
                        td { @if m.status == MailStatus::Failed {
                            form method="post" action={ "/staff/mails/" (m.id) "/retry" } class="inline" {
                                (csrf::hidden_field(&ctx.csrf))
                                button type="submit" { (tx(lang, "action.retry")) span class="visually-hidden" { ": " (m.subject) } }
                            }
                        } }
                    } } }
                }
            }
        }
        section aria-labelledby="failed-deliveries" {
            h2 id="failed-deliveries" { (tx(lang, "failed.deliveries")) }
            @if deliveries.is_empty() { p { (tx(lang, "failed.none")) } } @else {
                table {
                    thead { tr {
                        th scope="col" { (tx(lang, "failed.webhook")) }
                        th scope="col" { (tx(lang, "failed.event")) }
                        th scope="col" { (tx(lang, "failed.attempts")) }
                        th scope="col" { (tx(lang, "failed.error")) }
                        th scope="col" { (tx(lang, "failed.state")) }
                        th scope="col" { (tx(lang, "col.actions")) }
                    } }
                    tbody { @for d in &deliveries { tr {
                        td { (d.webhook_id) }
                        td { (d.event) }
                        td { (d.attempts) }
                        td { (d.last_error.as_deref().unwrap_or("")) }
                        td { (state_text(d.status)) }
                        td { @if d.status == MailStatus::Failed {
                            form method="post" action={ "/staff/deliveries/" (d.id) "/retry" } class="inline" {
                                (csrf::hidden_field(&ctx.csrf))
                                button type="submit" { (tx(lang, "action.retry")) span class="visually-hidden" { ": " (d.event) " " (d.id) } }
                            }
                        } }
                    } } }
                }
            }
        }
    })
}

/// A one-message page with a link back to the dashboard.
pub fn notice(ctx: &PageContext, title: &str, body: Markup) -> Markup {
    let lang: Lang = ctx.lang;
    layout::render(
        ctx,
        Page::new(
            title,
            html! {
                h1 { (title) }
                (body)
                p { a href="/staff" { (tx(lang, "back")) } }
            },
        ),
    )
}
