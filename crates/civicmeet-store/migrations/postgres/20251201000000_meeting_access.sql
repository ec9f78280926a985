-- Meeting access (issue 4). A meeting has a kind (open, consultation,
-- hearing), a waiting room (on unless turned off), and optional PINs for
-- hosts and guests, stored as SHA-256 of "<meeting id>:<pin>" so equal PINs
-- of two meetings differ in the table.
ALTER TABLE meetings ADD COLUMN kind TEXT NOT NULL DEFAULT 'open'
    CHECK (kind IN ('open', 'consultation', 'hearing'));
ALTER TABLE meetings ADD COLUMN waiting_room BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE meetings ADD COLUMN host_pin_hash TEXT;
ALTER TABLE meetings ADD COLUMN guest_pin_hash TEXT;

-- Per-participant links: the key after '#' in /m/<meeting>#<key> is 256
-- random bits; only its SHA-256 (hex) is kept. The role comes from the link.
-- A removed participant's link is revoked, never deleted, so the removal
-- stays visible.
CREATE TABLE meeting_links (
    hash TEXT PRIMARY KEY NOT NULL,
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('host', 'judge', 'guest')),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX meeting_links_meeting ON meeting_links (meeting_id);
