//! What every request handler can reach. Cheap to clone.

use std::sync::Arc;

use civicmeet_store::Store;

use crate::media_task::MediaHandle;
use crate::signalling::roster::Roster;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub roster: Arc<Roster>,
    pub media: MediaHandle,
}
