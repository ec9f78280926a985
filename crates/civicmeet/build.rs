//! Embeds the whole `assets/` folder: generates a sorted table of
//! `(path, include_bytes!(...))` so that a new file in the folder needs no
//! Rust change. Cargo rebuilds when anything under `assets/` changes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo")).join("assets");
    println!("cargo:rerun-if-changed=assets");

    let mut files = Vec::new();
    if root.is_dir() {
        collect(&root, &root, &mut files);
    } else {
        println!(
            "cargo:warning=no assets folder at {}; serving no files",
            root.display()
        );
    }
    files.sort();

    let mut code = String::from("pub(crate) static ASSETS: &[(&str, &[u8])] = &[\n");
    for (relative, absolute) in &files {
        writeln!(code, "    ({relative:?}, include_bytes!({absolute:?})),")
            .expect("writing to a String");
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("assets.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}

/// Every file below `dir` as (path relative to `root` with `/`, absolute
/// path). Hidden files (editor droppings, .DS_Store) are skipped.
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("readable directory entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.is_empty() || name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files);
        } else if let (Some(relative), Some(absolute)) = (
            path.strip_prefix(root).ok().and_then(|r| r.to_str()),
            path.to_str(),
        ) {
            files.push((relative.replace('\\', "/"), absolute.to_string()));
        } else {
            println!(
                "cargo:warning=skipping asset with a non-UTF-8 path: {}",
                path.display()
            );
        }
    }
}
