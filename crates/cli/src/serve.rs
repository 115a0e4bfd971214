//! `guildhall serve`: the web server, optionally on a new demonstration
//! organization.

use crate::demo::{DemoArgs, generate_demo, print_demo_accounts};
use crate::open;
use anyhow::{Context, Result};
use clap::Args;
use guildhall_app::{App, Config};
use guildhall_store::OpenMode;
use std::io::Write;
use std::net::SocketAddr;

#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "GUILDHALL_BIND", default_value = "127.0.0.1:8080")]
    pub(crate) bind: SocketAddr,
    /// If the database has nobody in it yet, fill it with the demonstration organization first.
    #[arg(long)]
    pub(crate) demo: bool,
    /// Mark cookies Secure: set this when Guildhall is served over HTTPS.
    #[arg(long, env = "GUILDHALL_SECURE_COOKIES")]
    pub(crate) secure_cookies: bool,
    /// Page loads and other reads served at once (writes never wait for
    /// them); 0: the number of cores. Raise it when the database is
    /// a PostgreSQL server on another machine.
    #[arg(long, env = "GUILDHALL_CONCURRENT_READS", default_value_t = 0)]
    pub(crate) concurrent_reads: usize,
    /// Reverse proxies to believe about the client's address
    /// (X-Forwarded-For), as addresses or networks separated by commas,
    /// e.g. 127.0.0.1,10.0.0.0/8. Without it every request behind a proxy
    /// counts as coming from the proxy, for sign-in throttling too.
    #[arg(long = "trusted-proxy", env = "GUILDHALL_TRUSTED_PROXIES", default_value = "", value_parser = parse_proxies)]
    pub(crate) trusted_proxies: guildhall_web::TrustedProxies,
}

pub(crate) fn parse_proxies(s: &str) -> Result<guildhall_web::TrustedProxies, String> {
    guildhall_web::TrustedProxies::parse(s)
}

pub(crate) async fn serve(database: &str, args: ServeArgs) -> Result<()> {
    let store = open(database, OpenMode::Create).await?;
    if args.demo {
        if store
            .count_people()
            .await
            .context("cannot read the database")?
            == 0
        {
            println!("Creating the demonstration organization…");
            generate_demo(
                &store,
                &DemoArgs {
                    people: 400,
                    communities: 30,
                    months: 12,
                    seed: 1,
                },
            )
            .await?;
        } else {
            println!("The database already has people; serving it as it is.");
            print_demo_accounts();
        }
    }
    if !args.demo
        && store
            .count_people()
            .await
            .context("cannot read the database")?
            == 0
    {
        // Serving may create the database, but never silently: a mistyped
        // path must not look like a working installation.
        println!(
            "The database '{database}' is new and empty. Open the address below to create the first administrator,\n\
             or stop here and check --database if you meant an existing one (`guildhall serve --demo` fills an empty one with a demonstration)."
        );
    }
    let app = App::new(store.clone(), Config::default());
    let router = guildhall_web::router(
        app,
        guildhall_web::WebConfig {
            secure_cookies: args.secure_cookies,
            concurrent_reads: args.concurrent_reads,
            trusted_proxies: args.trusted_proxies,
        },
    );
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}: is another server using it? Try --bind 127.0.0.1:8081",
                args.bind
            )
        })?;
    let addr = listener.local_addr().context("no local address")?;
    println!("Guildhall is listening on http://{addr}");
    let _ = std::io::stdout().flush();

    let sweeper = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = sweeper
                .delete_expired_sessions(guildhall_domain::Timestamp::now().0)
                .await
            {
                tracing::warn!(error = %e, "could not delete expired sessions");
            }
        }
    });

    // Each connection's address reaches handlers for the audit log.
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server stopped")?;
    store.close().await;
    Ok(())
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
