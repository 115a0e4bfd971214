//! `guildhall demo`: the demonstration organization.

use crate::open;
use anyhow::{Context, Result};
use clap::Args;
use guildhall_store::{OpenMode, Store};

#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    #[arg(long, default_value_t = 400)]
    pub(crate) people: u32,
    #[arg(long, default_value_t = 30)]
    pub(crate) communities: u32,
    /// Months of history to generate, ending now.
    #[arg(long, default_value_t = 12)]
    pub(crate) months: u32,
    /// The same seed always gives the same organization.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
}

/// Fills an empty database with the demonstration organization.
pub(crate) async fn run(database: &str, args: &DemoArgs) -> Result<()> {
    let store = open(database, OpenMode::Create).await?;
    generate_demo(&store, args).await
}

pub(crate) async fn generate_demo(store: &Store, args: &DemoArgs) -> Result<()> {
    let opts = guildhall_demo::DemoOptions {
        people: args.people,
        communities: args.communities,
        months: args.months,
        seed: args.seed,
    };
    let started = std::time::Instant::now();
    let summary = guildhall_demo::generate(store, &opts, guildhall_domain::Timestamp::now().0)
        .await
        .context("could not generate the demonstration organization")?;
    println!(
        "Demonstration organization ready in {:.1}s: {} units, {} people, {} domains, {} communities, {} memberships, {} activity events, {} threads, {} replies.",
        started.elapsed().as_secs_f64(),
        summary.units,
        summary.people,
        summary.domains,
        summary.communities,
        summary.memberships,
        summary.events,
        summary.threads,
        summary.replies
    );
    print_demo_accounts();
    Ok(())
}

pub(crate) fn print_demo_accounts() {
    println!(
        "Sign in with any of these accounts (password: {}):",
        guildhall_demo::DEMO_PASSWORD
    );
    for (email, role) in guildhall_demo::DEMO_ACCOUNTS {
        println!("  {email:<36} {role}");
    }
}
