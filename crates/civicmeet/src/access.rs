//! Who may do what: the one permission table.
//!
//! Every check in the server asks [`allows`]; no handler or session
//! compares roles itself. The same table is printed in ARCHITECTURE.md
//! ("Permissions"), and a test keeps the two identical.
//!
//! Two kinds of roles meet here. *Account roles* ([`Role::Admin`],
//! [`Role::Staff`]) come from a staff login (or the configured admin
//! credential) and open the staff pages, the admin pages and the REST API.
//! *Meeting roles* ([`Role::Host`], [`Role::Judge`], [`Role::Guest`]) come
//! from the capability link a participant joined with, and hold only inside
//! that one meeting. A staff member who hosts a meeting does so through a
//! host link; the account alone opens no meeting.

/// A role, as an account or as a participant of one meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Runs the installation: catalogue, accounts, audit log, API.
    Admin,
    /// A case worker: the dashboard and their appointments.
    Staff,
    /// Leads a meeting: admits, mutes, removes, locks, ends.
    Host,
    /// Leads a hearing: a host who is pinned in everyone's layout.
    Judge,
    /// Takes part once admitted.
    Guest,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Staff,
        Role::Host,
        Role::Judge,
        Role::Guest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Host => "host",
            Role::Judge => "judge",
            Role::Guest => "guest",
        }
    }
}

/// Something a role may or may not do. HTTP routes and signalling
/// messages each map to exactly one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// `GET /staff`: the dashboard of appointments.
    ViewDashboard,
    /// Cancel, no-show, done, bulk cancel, feed links, retry mail.
    ManageAppointments,
    /// `/admin/*`: offices, services, staff, accounts, the audit log.
    Administer,
    /// `/api/v1/*`: the REST API.
    UseApi,
    /// Enter a meeting (a guest enters its waiting room first).
    JoinMeeting,
    /// Enter without waiting for admission.
    SkipWaitingRoom,
    /// Send and receive media, renegotiate, report own mute state.
    TakePart,
    /// Share one's screen (one share per meeting at a time). Guests may:
    /// in a consultation the citizen often has the document to show; a
    /// host can stop any share ([`Action::MuteOthers`]).
    ShareScreen,
    /// See the waiting list; admit or reject someone waiting.
    Admit,
    /// Mute someone's microphone, stop their camera or their screen share.
    MuteOthers,
    /// Send an admitted participant back to the waiting room.
    SendToWaitingRoom,
    /// Remove someone; their link stops working.
    Remove,
    /// Lock or unlock the meeting.
    Lock,
    /// End the meeting for everyone.
    EndForAll,
    /// Make new links to the meeting.
    Invite,
    /// Call a room system or phone over SIP into the meeting.
    DialOut,
}

impl Action {
    pub const ALL: [Action; 16] = [
        Action::ViewDashboard,
        Action::ManageAppointments,
        Action::Administer,
        Action::UseApi,
        Action::JoinMeeting,
        Action::SkipWaitingRoom,
        Action::TakePart,
        Action::ShareScreen,
        Action::Admit,
        Action::MuteOthers,
        Action::SendToWaitingRoom,
        Action::Remove,
        Action::Lock,
        Action::EndForAll,
        Action::Invite,
        Action::DialOut,
    ];
}

use Action::*;
use Role::*;

/// The table: each action and the roles allowed to do it. Anything not
/// listed is refused.
pub const TABLE: &[(Action, &[Role])] = &[
    (ViewDashboard, &[Admin, Staff]),
    (ManageAppointments, &[Admin, Staff]),
    (Administer, &[Admin]),
    (UseApi, &[Admin]),
    (JoinMeeting, &[Host, Judge, Guest]),
    (SkipWaitingRoom, &[Host, Judge]),
    (TakePart, &[Host, Judge, Guest]),
    (ShareScreen, &[Host, Judge, Guest]),
    (Admit, &[Host, Judge]),
    (MuteOthers, &[Host, Judge]),
    (SendToWaitingRoom, &[Host, Judge]),
    (Remove, &[Host, Judge]),
    (Lock, &[Host, Judge]),
    (EndForAll, &[Host, Judge]),
    (Invite, &[Host, Judge]),
    (DialOut, &[Host, Judge]),
];

/// Whether `role` may do `action`.
pub fn allows(role: Role, action: Action) -> bool {
    TABLE
        .iter()
        .any(|(listed, roles)| *listed == action && roles.contains(&role))
}

/// The table as the Markdown that ARCHITECTURE.md carries.
pub fn markdown_table() -> String {
    let mut out = String::from("| action |");
    for role in Role::ALL {
        out.push_str(&format!(" {} |", role.as_str()));
    }
    out.push_str("\n|---|");
    for _ in Role::ALL {
        out.push_str("---|");
    }
    out.push('\n');
    for action in Action::ALL {
        out.push_str(&format!("| {action:?} |"));
        for role in Role::ALL {
            out.push_str(if allows(role, action) {
                " yes |"
            } else {
                " – |"
            });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_in_the_table_once() {
        for action in Action::ALL {
            let rows = TABLE.iter().filter(|(a, _)| *a == action).count();
            assert_eq!(rows, 1, "{action:?}");
        }
        assert_eq!(TABLE.len(), Action::ALL.len());
    }

    #[test]
    fn architecture_md_carries_this_table() {
        let doc = include_str!("../../../ARCHITECTURE.md");
        assert!(
            doc.contains(&markdown_table()),
            "ARCHITECTURE.md's permission table differs from access::TABLE; it should read:\n{}",
            markdown_table()
        );
    }

    #[test]
    fn account_roles_open_no_meeting_and_guests_lead_nothing() {
        assert!(!allows(Admin, JoinMeeting));
        assert!(!allows(Staff, JoinMeeting));
        for action in [
            Admit,
            MuteOthers,
            SendToWaitingRoom,
            Remove,
            Lock,
            EndForAll,
            Invite,
            DialOut,
        ] {
            assert!(!allows(Guest, action), "{action:?}");
        }
    }
}
