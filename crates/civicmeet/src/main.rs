//! The `civicmeet` binary: read the settings, start logging, build the
//! application, print where it runs, serve until Ctrl-C.

use std::io::IsTerminal;
use std::process::ExitCode;

use civicmeet::{Application, Cli, Config};
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc rather than the system's allocator: the media path allocates
/// and frees a buffer per packet and frame (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::resolve(&cli) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("civicmeet: {e}");
            return ExitCode::from(2);
        }
    };
    if cli.print_config {
        print!("{}", config.to_toml());
        return ExitCode::SUCCESS;
    }
    let filter = match EnvFilter::try_new(&config.log.filter) {
        Ok(filter) => filter,
        Err(e) => {
            eprintln!("civicmeet: invalid log filter {:?}: {e}", config.log.filter);
            return ExitCode::from(2);
        }
    };
    // Logs go to stderr; stdout carries only the lines below, which scripts
    // (and the e2e tests) read to find the bound addresses.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("civicmeet: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("civicmeet is running at {}", app.url());
    println!("media on udp {}", app.media_addr());
    if let Some(sip) = app.sip_addr() {
        println!("sip on udp {sip}");
    }
    if let Some(sip_tls) = app.sip_tls_addr() {
        println!("sip on tls {sip_tls}");
    }
    if let Some(password) = app.generated_admin_password() {
        // Shown this once; it is kept in the data folder for later starts.
        println!(
            "admin login: user \"{}\", password {password}",
            app.admin_username()
        );
        println!("(kept in {})", app.admin_password_file().display());
    }

    let shutdown = async {
        // If the signal handler cannot be installed, run until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    match app.run_until(shutdown).await {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("civicmeet: {e}");
            ExitCode::FAILURE
        }
    }
}
