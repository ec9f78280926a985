//! The store's behaviour, every test run against SQLite (a file in a temp
//! folder) and PostgreSQL (a throwaway cluster this binary starts, see
//! `pg.rs`) with the same body.

mod harness;
mod pg;

mod accounts;
mod appointments;
mod catalog;
mod dial_numbers;
mod fixtures;
mod meeting_links;
mod outbox;
mod race;
mod schema;
mod tokens;
mod webhooks;
