//! Links a host's action has already let in: the guest link the server
//! issues for a room system a host dialled out to. Whoever joins with one
//! skips the PIN and the waiting room (a locked meeting still holds it,
//! as it holds everyone but leaders) and stays a guest: no host right
//! comes with it. Kept in memory only: such a link lives exactly as long
//! as its call, which a restart ends anyway.

use std::collections::HashSet;
use std::sync::Mutex;

use civicmeet_store::LinkRef;

#[derive(Debug, Default)]
pub struct PreAdmitted {
    links: Mutex<HashSet<LinkRef>>,
}

impl PreAdmitted {
    pub fn insert(&self, link: LinkRef) {
        self.lock().insert(link);
    }

    pub fn remove(&self, link: &LinkRef) {
        self.lock().remove(link);
    }

    pub fn contains(&self, link: &LinkRef) -> bool {
        self.lock().contains(link)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<LinkRef>> {
        // A panic while holding this lock cannot leave the set half
        // changed (each call is one insert, remove or lookup).
        self.links.lock().unwrap_or_else(|e| e.into_inner())
    }
}
