//! Rebuilds the crate when a migration is added or changed: `sqlx::migrate!`
//! embeds the folder at compile time and cargo cannot see that on its own.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
