//! The server's integration tests, as one test binary: each file below is
//! one area, all share the harness in `common`. One binary instead of one
//! per file, because each links the whole server with its dependencies
//! (hundreds of MB each, which filled CI's disk, and a link step per file
//! on a 2-core machine).

mod api_support;
mod booking_support;
mod common;
mod str0m_peer;

mod accounts;
mod api;
mod api_webhooks;
mod binary;
mod booking;
mod booking_abuse;
mod booking_jobs;
mod booking_postgres;
mod bypass;
mod config;
mod host_controls;
mod media;
mod meetings;
mod permissions;
mod resume;
mod screen_share;
mod signalling;
mod sip;
mod sip_dial_out;
mod sip_tls;
mod staff;
mod staff_admin;
mod tls;
