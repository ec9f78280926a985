//! The application: binds the sockets, opens the store, starts the media
//! task, and serves HTTP. `main` and every test build it the same way.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::ListenerExt;
use civicmeet_store::{Store, StoreConfig, StoreError};
use tokio::net::{TcpListener, UdpSocket};

use crate::api::webhooks::DeliveryWaker;
use crate::config::Config;
use crate::http::tls::TlsListener;
use crate::media_task::{MediaSetupError, MediaTask, TcpSide};
use crate::signalling::roster::Roster;
use crate::staff::auth::{AdminCredential, CredentialError};
use crate::state::AppState;

/// Why the application could not start or stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot listen for HTTP on {addr}: {source}")]
    BindHttp {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the media UDP port {addr}: {source}")]
    BindMedia {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the media TCP port {addr} (media.tcp_port): {source}")]
    BindMediaTcp {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Media(#[from] MediaSetupError),
    #[error(transparent)]
    AdminCredential(#[from] CredentialError),
    #[error("cannot set up TLS: {0}")]
    Tls(#[from] crate::http::tls::TlsError),
    #[error("the system random number generator failed")]
    Random,
    #[error(transparent)]
    Sip(#[from] crate::sip::SipError),
    #[error("the HTTP server failed: {0}")]
    Serve(std::io::Error),
}

/// A built, not yet serving, application.
pub struct Application {
    listener: TcpListener,
    /// `None`: plain HTTP.
    tls: Option<Arc<rustls::ServerConfig>>,
    http_addr: SocketAddr,
    media_addr: SocketAddr,
    /// `None`: SIP is off.
    sip_addr: Option<SocketAddr>,
    /// `None`: SIP TLS is off.
    sip_tls_addr: Option<SocketAddr>,
    state: AppState,
    media_task: tokio::task::JoinHandle<()>,
    jobs_task: tokio::task::JoinHandle<()>,
    sip_task: Option<tokio::task::JoinHandle<()>>,
}

impl Application {
    /// Binds HTTP and UDP (port 0 picks free ports), opens (and migrates)
    /// the store, and starts the media task.
    pub async fn build(config: Config) -> Result<Application, AppError> {
        let store = Store::open_with(&StoreConfig {
            sqlite_path: config.database_path(),
            url: config.database.postgres_url(),
        })
        .await?;
        let admin = Arc::new(AdminCredential::load_or_create(&config)?);
        let tls = crate::http::tls::server_config(&config)?;

        let listener = TcpListener::bind(config.http.listen)
            .await
            .map_err(|source| AppError::BindHttp {
                addr: config.http.listen,
                source,
            })?;
        let http_addr = listener.local_addr().map_err(|source| AppError::BindHttp {
            addr: config.http.listen,
            source,
        })?;

        let socket = UdpSocket::bind(config.media.listen)
            .await
            .map_err(|source| AppError::BindMedia {
                addr: config.media.listen,
                source,
            })?;
        let media_addr = socket.local_addr().map_err(|source| AppError::BindMedia {
            addr: config.media.listen,
            source,
        })?;
        let candidates = candidate_addrs(&config, media_addr);
        let tcp = match config.media.tcp_port {
            0 => None,
            port => {
                let addr = SocketAddr::new(config.media.listen.ip(), port);
                let bind_error = |source| AppError::BindMediaTcp { addr, source };
                let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
                let tcp_addr = listener.local_addr().map_err(bind_error)?;
                let tcp_candidates = candidate_addrs(&config, tcp_addr);
                let side = TcpSide::new(listener, &tcp_candidates).map_err(bind_error)?;
                Some((side, tcp_candidates))
            }
        };
        let (media_task, media) =
            MediaTask::new(socket, candidates, tcp, config.media.bandwidth_estimation)?;
        let media_task = tokio::spawn(media_task.run());
        // SIP calls join meetings through the HTTP and media ports above,
        // like browsers.
        let pre_admitted = Arc::new(crate::signalling::pre_admitted::PreAdmitted::default());
        let (sip_addr, sip_tls_addr, sip_task, dial_outs) =
            match crate::sip::SipSocket::bind(&config).await? {
                Some(sip) => {
                    let (addr, tls_addr) = (sip.local_addr(), sip.tls_addr());
                    let (task, dial_outs) = sip.start(
                        &config,
                        store.clone(),
                        http_addr,
                        media_addr,
                        pre_admitted.clone(),
                    )?;
                    (Some(addr), tls_addr, Some(task), Some(dial_outs))
                }
                None => (None, None, None, None),
            };
        let dial_out = dial_outs.filter(|_| config.sip.dial_out_enabled());
        let roster = Arc::new(Roster::default());
        roster.set_dial_out(dial_out.is_some());

        let public_url: Arc<str> = config.public_url(http_addr).into();
        if config.booking.seed_demo {
            crate::booking::seed::seed_demo(&store, chrono::Utc::now().timestamp()).await?;
        }
        let booking = Arc::new(
            crate::booking::BookingRuntime::new(&config, public_url.to_string())
                .ok_or(AppError::Random)?,
        );
        let jobs_task = crate::jobs::spawn(store.clone(), &config, booking.clone());
        let slots_limiter = Arc::new(crate::booking::rate_limit::RateLimiter::new(
            crate::api::slots::per_minute(&config),
        ));
        let accounts = Arc::new(crate::accounts::Accounts::new(&config, &public_url));
        let state = AppState {
            store,
            roster,
            seats: Arc::default(),
            pins: Arc::default(),
            media,
            config: Arc::new(config),
            public_url,
            admin,
            deliveries: DeliveryWaker::default(),
            slots_limiter,
            booking,
            tls: tls.is_some(),
            accounts,
            pre_admitted,
            dial_out,
        };
        Ok(Application {
            listener,
            tls,
            http_addr,
            media_addr,
            sip_addr,
            sip_tls_addr,
            state,
            media_task,
            jobs_task,
            sip_task,
        })
    }

    /// The bound HTTP address (the real port when 0 was asked for).
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The bound address as a URL, `http://` or (with TLS) `https://`.
    pub fn url(&self) -> String {
        format!("{}://{}/", self.state.config.scheme(), self.http_addr)
    }

    /// The admin password, if this start generated it (first start with
    /// no `admin.password`): `main` prints it once.
    pub fn generated_admin_password(&self) -> Option<&str> {
        self.state.admin.generated_password()
    }

    /// The staff and admin user name.
    pub fn admin_username(&self) -> &str {
        self.state.admin.username()
    }

    /// Where a generated admin password is kept.
    pub fn admin_password_file(&self) -> std::path::PathBuf {
        self.state
            .config
            .storage
            .data_dir
            .join(crate::staff::auth::PASSWORD_FILE)
    }

    /// The clock of logins and sessions (tests move it forward).
    pub fn accounts_clock(&self) -> crate::accounts::Clock {
        self.state.accounts.clock.clone()
    }

    /// The bound media UDP address.
    pub fn media_addr(&self) -> SocketAddr {
        self.media_addr
    }

    /// The bound SIP UDP address; `None` when SIP is off.
    pub fn sip_addr(&self) -> Option<SocketAddr> {
        self.sip_addr
    }

    /// The bound SIP TLS address (the real port when 0 was asked for);
    /// `None` when SIP TLS is off.
    pub fn sip_tls_addr(&self) -> Option<SocketAddr> {
        self.sip_tls_addr
    }

    /// Serves until the HTTP server fails.
    pub async fn run(self) -> Result<(), AppError> {
        self.run_until(std::future::pending()).await
    }

    /// Serves until `shutdown` completes, then stops the media task and
    /// closes the store. Open meeting sockets are dropped, not drained: a
    /// browser sees the socket close and may rejoin another node later.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), AppError> {
        let Application {
            listener,
            tls,
            state,
            media_task,
            jobs_task,
            sip_task,
            ..
        } = self;
        let store = state.store.clone();
        let webhook_worker = tokio::spawn(crate::api::webhooks::worker::run(
            state.store.clone(),
            state.deliveries.clone(),
        ));
        // The peer address feeds the booking rate limit (never logged).
        let app = crate::http::router(state).into_make_service_with_connect_info::<SocketAddr>();
        let serve = async move {
            match tls {
                Some(tls) => {
                    let listener = TlsListener::new(listener, tls).map_err(AppError::Serve)?;
                    // `tap_io` does nothing but lets axum's connect info read
                    // the peer address of a listener that is not its own.
                    axum::serve(listener.tap_io(|_| ()), app).await
                }
                None => axum::serve(listener, app).await,
            }
            .map_err(AppError::Serve)
        };
        let result = tokio::select! {
            served = serve => served,
            () = shutdown => Ok(()),
        };
        media_task.abort();
        if let Some(sip_task) = sip_task {
            sip_task.abort();
        }
        webhook_worker.abort();
        jobs_task.abort();
        store.close().await;
        result
    }
}

/// The ICE host candidates: each public address with the bound port, or
/// the bound address itself.
fn candidate_addrs(config: &Config, media_addr: SocketAddr) -> Vec<SocketAddr> {
    if config.media.public_addresses.is_empty() {
        vec![media_addr]
    } else {
        config
            .media
            .public_addresses
            .iter()
            .map(|ip| SocketAddr::new(*ip, media_addr.port()))
            .collect()
    }
}
