-- Staff accounts, their sessions, and the audit log (issue 4).
-- Instants are seconds since the Unix epoch. The same schema exists for
-- PostgreSQL in migrations/postgres: keep the two in step.
--
-- An account logs in with a password (an argon2id PHC string; never the
-- password itself), through OpenID Connect (issuer + subject), or both.
-- OIDC-only accounts have no login name and no password hash.

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    -- Lowercase; NULL for accounts made by an OpenID Connect login.
    login TEXT UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
    password_hash TEXT,
    oidc_issuer TEXT,
    oidc_subject TEXT,
    created_at INTEGER NOT NULL,
    -- Set: the account can no longer log in and its sessions are gone.
    disabled_at INTEGER,
    -- Failed password attempts since the last success or lock.
    failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    -- Locks since the last successful login: each doubles the next one.
    lock_count INTEGER NOT NULL DEFAULT 0 CHECK (lock_count >= 0),
    locked_until INTEGER,
    UNIQUE (oidc_issuer, oidc_subject),
    CHECK ((oidc_issuer IS NULL) = (oidc_subject IS NULL))
);

-- A browser's login: only the SHA-256 of the cookie's token is stored.
CREATE TABLE sessions (
    hash TEXT PRIMARY KEY NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    -- The absolute end; idle expiry compares last_seen_at.
    expires_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Who did what, when: logins, PIN attempts, admissions, removals, role
-- changes. Never passwords, tokens, media or chat content.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    -- "kind:id label", e.g. "account:3 Erika Muster" or "admin:admin".
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    meeting TEXT,
    subject TEXT,
    detail TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_meeting ON audit_log (meeting);
