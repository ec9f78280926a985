//! civicmeet-store
