//! Meetings and who may enter them.
//!
//! The meeting id names a meeting; it opens nothing by itself. Entry comes
//! from a *link key*: 256 random bits after the `#` of `/m/<id>#<key>`,
//! stored only as SHA-256, each bound to one meeting and one role. A
//! booked appointment's join and host tokens (see `tokens.rs`) work as link
//! keys of the appointment's meeting too, so the links in the citizen's
//! mails need no second secret.

use sha2::{Digest, Sha256};

use crate::backend::with_pool;
use crate::text_enum::text_enum;
use crate::{Store, StoreError, random};

text_enum! {
    /// What kind of meeting; it decides a few rules in the server.
    pub enum MeetingKind {
        Open = "open",
        /// A booked 1:1 consultation: ends when one side leaves.
        Consultation = "consultation",
        /// A court hearing: notice to acknowledge, judges pinned.
        Hearing = "hearing",
    }
}

text_enum! {
    /// The role a link gives inside its meeting.
    pub enum LinkRole {
        Host = "host",
        Judge = "judge",
        Guest = "guest",
    }
}

/// A stored meeting.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MeetingRecord {
    /// The meeting id as the server formats it.
    pub id: String,
    /// When it was created, in seconds since the Unix epoch.
    pub created_at: i64,
    #[sqlx(try_from = "String")]
    pub kind: MeetingKind,
    /// Whether guests wait for a host to admit them.
    pub waiting_room: bool,
    host_pin_hash: Option<String>,
    guest_pin_hash: Option<String>,
    /// The number room systems and phones dial; `None` only for meetings
    /// made before dial-in existed, until [`Store::dial_number`] is asked.
    pub dial_number: Option<String>,
    /// The name it may also be dialled by (`sip:<alias>@…`), if it has one.
    pub sip_alias: Option<String>,
}

impl MeetingRecord {
    /// Whether entering with `role` needs a PIN. Judges use the host PIN.
    pub fn needs_pin(&self, role: LinkRole) -> bool {
        self.pin_hash(role).is_some()
    }

    /// Whether `pin` is this meeting's PIN for `role` (true when none is set).
    pub fn pin_matches(&self, role: LinkRole, pin: &str) -> bool {
        match self.pin_hash(role) {
            None => true,
            Some(stored) => pin_hash(&self.id, pin) == stored,
        }
    }

    fn pin_hash(&self, role: LinkRole) -> Option<&str> {
        match role {
            LinkRole::Host | LinkRole::Judge => self.host_pin_hash.as_deref(),
            LinkRole::Guest => self.guest_pin_hash.as_deref(),
        }
    }
}

/// What a new meeting is like. PINs are checked by the caller (4–10
/// digits); the store only hashes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeeting {
    pub id: String,
    pub created_at: i64,
    pub kind: MeetingKind,
    pub waiting_room: bool,
    pub host_pin: Option<String>,
    pub guest_pin: Option<String>,
    /// A name to dial it by, already checked by the caller (see
    /// [`valid_sip_alias`]); unique across meetings.
    pub sip_alias: Option<String>,
}

impl NewMeeting {
    /// An open meeting with a waiting room and no PINs.
    pub fn open(id: &str, created_at: i64) -> NewMeeting {
        NewMeeting {
            id: id.to_owned(),
            created_at,
            kind: MeetingKind::Open,
            waiting_room: true,
            host_pin: None,
            guest_pin: None,
            sip_alias: None,
        }
    }
}

/// Whether `alias` can name a meeting for dialling: 1 to 64 of lower-case
/// letters, digits, `.`, `_` and `-`, starting with a letter or digit, and
/// not all digits (those are dial numbers).
pub fn valid_sip_alias(alias: &str) -> bool {
    (1..=64).contains(&alias.len())
        && alias
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        && alias
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && !alias.bytes().all(|b| b.is_ascii_digit())
}

/// Where a link key lives, so it can be revoked. Opaque to callers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LinkRef {
    hash: String,
    /// A booked appointment's token rather than a meeting link.
    appointment_token: bool,
}

/// What a valid link key grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingLink {
    pub meeting_id: String,
    pub role: LinkRole,
    pub link: LinkRef,
}

/// The unique columns a meeting is found by.
enum MeetingKey {
    Id,
    DialNumber,
    SipAlias,
}

/// Tries at a fresh number when one is taken. With 9 digits and even a
/// million meetings, a collision is a 1-in-900 event, eight in a row never.
const DIAL_NUMBER_ATTEMPTS: usize = 8;

fn pin_hash(meeting_id: &str, pin: &str) -> String {
    random::hex(&Sha256::digest(format!("{meeting_id}:{pin}").as_bytes()))
}

impl Store {
    /// Stores a new open meeting (waiting room on, no PINs). Fails with
    /// [`StoreError::AlreadyExists`] when the id is taken.
    pub async fn create_meeting(&self, id: &str, created_at: i64) -> Result<(), StoreError> {
        self.create_meeting_with(&NewMeeting::open(id, created_at))
            .await
    }

    /// Stores a new meeting as described, with a dial-in number of its own.
    /// [`StoreError::AliasTaken`] when another meeting has its SIP alias.
    pub async fn create_meeting_with(&self, meeting: &NewMeeting) -> Result<(), StoreError> {
        for _ in 0..DIAL_NUMBER_ATTEMPTS {
            match self.insert_meeting(meeting, &random::dial_number()?).await {
                // Taken: the id (a real conflict), the alias, or, rarely,
                // the number (then try another).
                Err(StoreError::AlreadyExists) if self.meeting(&meeting.id).await?.is_none() => {
                    if let Some(alias) = &meeting.sip_alias
                        && self.meeting_by_sip_alias(alias).await?.is_some()
                    {
                        return Err(StoreError::AliasTaken);
                    }
                }
                result => return result,
            }
        }
        Err(StoreError::AlreadyExists)
    }

    async fn insert_meeting(
        &self,
        meeting: &NewMeeting,
        dial_number: &str,
    ) -> Result<(), StoreError> {
        let host = meeting
            .host_pin
            .as_deref()
            .map(|p| pin_hash(&meeting.id, p));
        let guest = meeting
            .guest_pin
            .as_deref()
            .map(|p| pin_hash(&meeting.id, p));
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO meetings (id, created_at, kind, waiting_room, host_pin_hash, guest_pin_hash, dial_number, sip_alias) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&meeting.id)
            .bind(meeting.created_at)
            .bind(meeting.kind.as_str())
            .bind(meeting.waiting_room)
            .bind(&host)
            .bind(&guest)
            .bind(dial_number)
            .bind(&meeting.sip_alias)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(())
    }

    /// The meeting with this id, if there is one.
    pub async fn meeting(&self, id: &str) -> Result<Option<MeetingRecord>, StoreError> {
        self.meeting_where(MeetingKey::Id, id).await
    }

    /// The meeting a room system or phone reaches by dialling `number`.
    pub async fn meeting_by_dial_number(
        &self,
        number: &str,
    ) -> Result<Option<MeetingRecord>, StoreError> {
        self.meeting_where(MeetingKey::DialNumber, number).await
    }

    /// The meeting a room system reaches by dialling its alias.
    pub async fn meeting_by_sip_alias(
        &self,
        alias: &str,
    ) -> Result<Option<MeetingRecord>, StoreError> {
        self.meeting_where(MeetingKey::SipAlias, alias).await
    }

    async fn meeting_where(
        &self,
        key: MeetingKey,
        value: &str,
    ) -> Result<Option<MeetingRecord>, StoreError> {
        // Each column is unique, so at most one row matches. Literal
        // statements only (sqlx refuses SQL built at run time).
        let sql = match key {
            MeetingKey::Id => {
                "SELECT id, created_at, kind, waiting_room, host_pin_hash, guest_pin_hash, dial_number, sip_alias \
                 FROM meetings WHERE id = $1"
            }
            MeetingKey::DialNumber => {
                "SELECT id, created_at, kind, waiting_room, host_pin_hash, guest_pin_hash, dial_number, sip_alias \
                 FROM meetings WHERE dial_number = $1"
            }
            MeetingKey::SipAlias => {
                "SELECT id, created_at, kind, waiting_room, host_pin_hash, guest_pin_hash, dial_number, sip_alias \
                 FROM meetings WHERE sip_alias = $1"
            }
        };
        Ok(with_pool!(self, pool => {
            sqlx::query_as(sql).bind(value).fetch_optional(pool).await
        })?)
    }

    /// The meeting's dial-in number, given one now if it has none yet (a
    /// meeting older than dial-in). [`StoreError::UnknownReference`] for an
    /// unknown meeting.
    pub async fn dial_number(&self, meeting_id: &str) -> Result<String, StoreError> {
        for _ in 0..DIAL_NUMBER_ATTEMPTS {
            let meeting = self
                .meeting(meeting_id)
                .await?
                .ok_or(StoreError::UnknownReference)?;
            if let Some(number) = meeting.dial_number {
                return Ok(number);
            }
            let number = random::dial_number()?;
            // Only where none is set: two callers at once agree on one.
            let assigned = with_pool!(self, pool => {
                sqlx::query("UPDATE meetings SET dial_number = $1 WHERE id = $2 AND dial_number IS NULL")
                    .bind(&number)
                    .bind(meeting_id)
                    .execute(pool)
                    .await
                    .map(|_| ())
            });
            match assigned.map_err(StoreError::from) {
                Ok(()) | Err(StoreError::AlreadyExists) => {}
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::AlreadyExists)
    }

    /// Makes a new link key for `role` in the meeting and returns it; this
    /// is the only time the key exists on the server. Fails with
    /// [`StoreError::UnknownReference`] for an unknown meeting.
    pub async fn issue_meeting_link(
        &self,
        meeting_id: &str,
        role: LinkRole,
        now: i64,
    ) -> Result<String, StoreError> {
        let key = random::secret()?;
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO meeting_links (hash, meeting_id, role, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(random::secret_hash(&key))
            .bind(meeting_id)
            .bind(role.as_str())
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ())
        })?;
        Ok(key)
    }

    /// What `key` grants at `now`: a meeting link that is not revoked, or a
    /// booked appointment's unexpired join (guest) or host token. `None`
    /// for anything else; the cases are not told apart.
    pub async fn meeting_link(
        &self,
        key: &str,
        now: i64,
    ) -> Result<Option<MeetingLink>, StoreError> {
        // No real key is that long; do not hash arbitrary input sizes.
        if key.len() > 128 {
            return Ok(None);
        }
        let hash = random::secret_hash(key);
        let row: Option<(String, String)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT meeting_id, role FROM meeting_links \
                 WHERE hash = $1 AND revoked_at IS NULL",
            )
            .bind(&hash)
            .fetch_optional(pool)
            .await
        })?;
        if let Some((meeting_id, role)) = row {
            let Ok(role) = role.parse() else {
                return Ok(None);
            };
            return Ok(Some(MeetingLink {
                meeting_id,
                role,
                link: LinkRef {
                    hash,
                    appointment_token: false,
                },
            }));
        }
        let row: Option<(Option<String>, String)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.meeting_id, t.purpose FROM tokens t \
                 JOIN appointments a ON a.id = t.appointment_id \
                 WHERE t.hash = $1 AND t.purpose IN ('join', 'host') AND t.expires_at > $2",
            )
            .bind(&hash)
            .bind(now)
            .fetch_optional(pool)
            .await
        })?;
        Ok(match row {
            Some((Some(meeting_id), purpose)) => Some(MeetingLink {
                meeting_id,
                role: if purpose == "host" {
                    LinkRole::Host
                } else {
                    LinkRole::Guest
                },
                link: LinkRef {
                    hash,
                    appointment_token: true,
                },
            }),
            _ => None,
        })
    }

    /// Stops a link from working (a removed participant's). Idempotent.
    pub async fn revoke_meeting_link(&self, link: &LinkRef, now: i64) -> Result<(), StoreError> {
        if link.appointment_token {
            with_pool!(self, pool => {
                sqlx::query("DELETE FROM tokens WHERE hash = $1")
                    .bind(&link.hash)
                    .execute(pool)
                    .await
                    .map(|_| ())
            })?;
        } else {
            with_pool!(self, pool => {
                sqlx::query(
                    "UPDATE meeting_links SET revoked_at = $2 \
                     WHERE hash = $1 AND revoked_at IS NULL",
                )
                .bind(&link.hash)
                .bind(now)
                .execute(pool)
                .await
                .map(|_| ())
            })?;
        }
        Ok(())
    }
}
