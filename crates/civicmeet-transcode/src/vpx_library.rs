//! Opening libvpx at run time and looking up its entry points, for the
//! VP8 decoder and the VP8 encoder alike.
//!
//! libvpx is not linked at build time, so that `cargo build` needs no
//! system package; a machine without it is told which package to install.

use std::ffi::{CStr, c_char};

use libloading::Library;

use crate::TranscodeError;

/// The sonames tried, newest first (libvpx9 is 1.15 in Debian 13, libvpx7
/// is 1.12 in Debian 12); the unversioned name last, as a development
/// package installs it.
pub(crate) const LIBRARY_NAMES: [&str; 5] = [
    "libvpx.so.9",
    "libvpx.so.8",
    "libvpx.so.7",
    "libvpx.so.6",
    "libvpx.so",
];

/// What to tell an operator whose machine lacks libvpx.
pub(crate) const INSTALL_HINT: &str =
    "install the libvpx shared library (Debian 12: `apt-get install libvpx7`, Debian 13: libvpx9)";

/// Opens the first of `names` found; returns it with the name it had.
pub(crate) fn open<'a>(names: &[&'a str]) -> Result<(Library, &'a str), TranscodeError> {
    let mut failures = Vec::new();
    for &name in names {
        // SAFETY: loading runs the library's initialisers; libvpx's only set
        // up its CPU-feature tables.
        match unsafe { Library::new(name) } {
            Ok(library) => return Ok((library, name)),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    Err(TranscodeError::Unavailable(format!(
        "libvpx not found ({}); {INSTALL_HINT}",
        failures.join("; ")
    )))
}

/// Looks `name` up as a function of type `T`; the error is the name.
///
/// SAFETY (for callers): `T` must be the function's real C type (each type
/// in `vpx_abi.rs` and `vpx_encoder_abi.rs` was written from the libvpx
/// headers), and the copied pointer must only be used while `library`
/// stays loaded.
pub(crate) unsafe fn symbol<T: Copy>(library: &Library, name: &str) -> Result<T, String> {
    // SAFETY: see above.
    unsafe {
        library
            .get::<T>(name)
            .map(|s| *s)
            .map_err(|_| name.to_string())
    }
}

/// A C string as text, empty for null.
///
/// SAFETY (for callers): `text` is null or a NUL-terminated string valid
/// for the call.
pub(crate) unsafe fn c_text(text: *const c_char) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: non-null and NUL-terminated per the caller's promise.
    unsafe { CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_machine_without_libvpx_is_told_what_to_install() {
        let Err(TranscodeError::Unavailable(message)) = open(&["libvpx.so.0-not-here"]) else {
            panic!("a library that does not exist loaded");
        };
        assert!(message.contains("libvpx7"), "{message}");
        assert!(message.contains("libvpx.so.0-not-here"), "{message}");
    }
}
