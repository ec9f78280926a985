-- Booking: the catalogue (offices, services, staff and their hours), the
-- appointments, capability tokens, and the mail and webhook outboxes.
-- Times of day are minutes since local midnight in the office's time zone;
-- instants are seconds since the Unix epoch (UTC); dates are 'YYYY-MM-DD'.
-- The same schema exists for PostgreSQL in migrations/postgres: keep the
-- two in step (same tables, columns and constraints).

CREATE TABLE offices (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE office_hours (
    office_id INTEGER NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1440),
    end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440),
    CHECK (start_minute < end_minute)
);
CREATE INDEX office_hours_office ON office_hours (office_id);

CREATE TABLE closing_days (
    office_id INTEGER NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    date TEXT NOT NULL CHECK (length(date) = 10),
    label TEXT NOT NULL,
    PRIMARY KEY (office_id, date)
);

CREATE TABLE services (
    id INTEGER PRIMARY KEY,
    office_id INTEGER NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    duration_min INTEGER NOT NULL CHECK (duration_min > 0),
    buffer_before_min INTEGER NOT NULL CHECK (buffer_before_min >= 0),
    buffer_after_min INTEGER NOT NULL CHECK (buffer_after_min >= 0),
    min_notice_min INTEGER NOT NULL CHECK (min_notice_min >= 0),
    horizon_days INTEGER NOT NULL CHECK (horizon_days > 0),
    seats_per_slot INTEGER NOT NULL CHECK (seats_per_slot > 0),
    slot_interval_min INTEGER NOT NULL CHECK (slot_interval_min > 0),
    -- A JSON array of strings: what the citizen should bring.
    documents TEXT NOT NULL
);
CREATE INDEX services_office ON services (office_id);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    office_id INTEGER NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    -- Bumped by every hold: the write that serializes bookings per person.
    booking_lock INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX staff_office ON staff (office_id);

CREATE TABLE service_staff (
    service_id INTEGER NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    PRIMARY KEY (service_id, staff_id)
);
CREATE INDEX service_staff_staff ON service_staff (staff_id);

CREATE TABLE staff_hours (
    staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1440),
    end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440),
    CHECK (start_minute < end_minute)
);
CREATE INDEX staff_hours_staff ON staff_hours (staff_id);

CREATE TABLE staff_exceptions (
    staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    date TEXT NOT NULL CHECK (length(date) = 10),
    kind TEXT NOT NULL CHECK (kind IN ('absent', 'hours')),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1440),
    end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440),
    CHECK (start_minute < end_minute)
);
CREATE INDEX staff_exceptions_staff_date ON staff_exceptions (staff_id, date);

CREATE TABLE appointments (
    -- 32 lowercase hex characters, 128 random bits.
    id TEXT PRIMARY KEY NOT NULL,
    service_id INTEGER NOT NULL REFERENCES services (id),
    staff_id INTEGER NOT NULL REFERENCES staff (id),
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    -- The interval, buffers included, in which the staff member is busy.
    block_start INTEGER NOT NULL,
    block_end INTEGER NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('held', 'confirmed', 'cancelled', 'no_show', 'done')),
    citizen_name TEXT NOT NULL,
    citizen_email TEXT NOT NULL,
    citizen_phone TEXT,
    locale TEXT NOT NULL CHECK (locale IN ('de', 'en')),
    hold_expires_at INTEGER,
    meeting_id TEXT REFERENCES meetings (id) ON DELETE SET NULL,
    sequence INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    cancelled_at INTEGER,
    CHECK (starts_at < ends_at),
    CHECK (block_start <= starts_at AND ends_at <= block_end)
);
CREATE INDEX appointments_staff_block ON appointments (staff_id, block_start);
CREATE INDEX appointments_email ON appointments (citizen_email);
CREATE INDEX appointments_held ON appointments (status, hold_expires_at);

-- Capability tokens: only the SHA-256 (hex) of a token is stored, so a copy
-- of the database does not hand out working links. A token belongs either
-- to an appointment or to a staff member (the .ics feed).
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY NOT NULL,
    appointment_id TEXT REFERENCES appointments (id) ON DELETE CASCADE,
    staff_id INTEGER REFERENCES staff (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    CHECK ((appointment_id IS NULL) <> (staff_id IS NULL))
);
CREATE INDEX tokens_appointment ON tokens (appointment_id);
CREATE INDEX tokens_staff ON tokens (staff_id);
CREATE INDEX tokens_expiry ON tokens (expires_at);

CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY,
    appointment_id TEXT REFERENCES appointments (id) ON DELETE SET NULL,
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- The complete RFC 5322 message, headers and body.
    body_eml TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);

CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    -- The HMAC key; it has to be readable to sign, so it is stored as is.
    secret TEXT NOT NULL,
    -- A JSON array of event names.
    events TEXT NOT NULL,
    active INTEGER NOT NULL CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL
);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
