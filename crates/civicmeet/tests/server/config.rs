//! Configuration: defaults, the TOML file, environment and flags, checked
//! in-process and through the real binary's `--print-config`.

use std::process::Command;

use civicmeet::{Cli, Config, ConfigError};
use clap::Parser;

const ENV_VARS: [&str; 7] = [
    "CIVICMEET_CONFIG",
    "CIVICMEET_HTTP_LISTEN",
    "CIVICMEET_MEDIA_LISTEN",
    "CIVICMEET_MEDIA_PUBLIC_ADDRESS",
    "CIVICMEET_DATA_DIR",
    "CIVICMEET_LOG",
    "RUST_LOG",
];

/// The binary with no CIVICMEET_* variables from the test's environment.
fn civicmeet() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_civicmeet"));
    for var in ENV_VARS {
        command.env_remove(var);
    }
    command
}

fn printed_config(command: &mut Command) -> Config {
    let output = command.arg("--print-config").output().expect("binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Config::from_toml(&String::from_utf8_lossy(&output.stdout)).expect("printed config parses")
}

fn write_file(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let path = dir.path().join("civicmeet.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn defaults_are_loopback_and_a_local_data_folder() {
    let config = printed_config(&mut civicmeet());
    assert_eq!(config, Config::default());
    assert_eq!(config.http.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.media.listen.to_string(), "127.0.0.1:10000");
    assert!(config.media.public_addresses.is_empty());
    assert_eq!(config.storage.data_dir.to_str(), Some("./civicmeet-data"));
    assert_eq!(config.log.filter, "info");
}

#[test]
fn the_sample_file_is_the_defaults() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../../civicmeet.sample.toml");
    let config = Config::from_file(sample.as_ref()).expect("sample parses");
    assert_eq!(config, Config::default());
}

#[test]
fn an_unknown_key_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        &dir,
        "[http]\nlisten = \"127.0.0.1:9000\"\nlisten_port = 1\n",
    );
    let err = Config::from_file(&path).unwrap_err();
    assert!(matches!(err, ConfigError::Parse { .. }));
    assert!(err.to_string().contains("listen_port"), "{err}");

    let path = write_file(&dir, "[videos]\nfps = 30\n");
    let output = civicmeet().arg("--config").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("videos"), "{stderr}");
}

#[test]
fn environment_overrides_the_file_and_flags_override_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        &dir,
        "[http]\nlisten = \"127.0.0.1:9000\"\n[media]\nlisten = \"127.0.0.1:9001\"\n\
         [storage]\ndata_dir = \"/srv/file\"\n[log]\nfilter = \"warn\"\n",
    );
    let config = printed_config(
        civicmeet()
            .env("CIVICMEET_CONFIG", &path)
            .env("CIVICMEET_HTTP_LISTEN", "127.0.0.1:9100")
            .env("CIVICMEET_MEDIA_PUBLIC_ADDRESS", "192.0.2.1,192.0.2.2")
            .env("CIVICMEET_DATA_DIR", "/srv/env")
            .args(["--data-dir", "/srv/flag", "--log", "debug"]),
    );
    assert_eq!(config.http.listen.to_string(), "127.0.0.1:9100"); // env over file
    assert_eq!(config.media.listen.to_string(), "127.0.0.1:9001"); // file over default
    assert_eq!(
        config.media.public_addresses,
        vec![
            "192.0.2.1".parse::<std::net::IpAddr>().unwrap(),
            "192.0.2.2".parse().unwrap()
        ]
    );
    assert_eq!(config.storage.data_dir.to_str(), Some("/srv/flag")); // flag over env
    assert_eq!(config.log.filter, "debug"); // flag over file
}

#[test]
fn repeated_public_address_flags_are_collected() {
    let cli = Cli::try_parse_from([
        "civicmeet",
        "--media-listen",
        "0.0.0.0:10000",
        "--media-public-address",
        "192.0.2.1",
        "--media-public-address",
        "2001:db8::1",
    ])
    .unwrap();
    let config = Config::resolve(&cli).unwrap();
    assert_eq!(config.media.public_addresses.len(), 2);
}

#[test]
fn an_unspecified_media_address_without_a_public_one_is_refused() {
    let output = civicmeet()
        .args(["--media-listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("media.public_addresses"), "{stderr}");
}
