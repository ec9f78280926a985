-- Meetings: the id is the capability in the meeting link (32 lowercase hex
-- characters, 128 random bits); created_at is seconds since the Unix epoch.
CREATE TABLE meetings (
    id TEXT PRIMARY KEY NOT NULL,
    created_at BIGINT NOT NULL
);
