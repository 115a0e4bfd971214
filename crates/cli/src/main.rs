//! `guildhall`: the one binary. Serves the web application, migrates the
//! database, creates accounts, generates the demonstration organization and
//! exports the activity log. It parses arguments and reports errors in
//! words that say what to do next; all behaviour lives in the library crates.

#![forbid(unsafe_code)]

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use guildhall_app::auth::AccountInput;
use guildhall_app::export::ExportFormat;
use guildhall_app::{App, AppError, Config};
use guildhall_store::{OpenMode, Store};
use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;

#[derive(Parser, Debug)]
#[command(
    name = "guildhall",
    version,
    about = "Guildhall: cultivate your organization's communities of practice."
)]
struct Cli {
    /// Database: a SQLite file path, sqlite://PATH, or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "GUILDHALL_DATABASE_URL",
        default_value = "guildhall.db"
    )]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the web server.
    Serve(ServeArgs),
    /// Create the database if needed and apply every pending migration.
    Migrate,
    /// Administration: accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// People: merge two records of one person, undo a merge, list merges.
    #[command(subcommand)]
    People(PeopleCommand),
    /// Write a consistent copy of the live SQLite database to FILE (the
    /// server may keep running). PostgreSQL: use pg_dump.
    Backup {
        /// A new file; an existing one is never overwritten.
        file: std::path::PathBuf,
    },
    /// Replace the SQLite database by a backup, after checking it. Stop the
    /// server first; the replaced file is kept beside it.
    Restore { file: std::path::PathBuf },
    /// Fill an empty database with a realistic demonstration organization.
    Demo(DemoArgs),
    /// Export data.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Import a community's history from another system.
    #[command(subcommand)]
    Import(ImportCommand),
    /// The health pulse of every community (or one), as docs/METRICS.md defines it.
    Pulse {
        /// Only this community.
        #[arg(long)]
        community: Option<String>,
        /// The instant of the pulse, RFC 3339 (default: now).
        #[arg(long)]
        as_of: Option<String>,
        /// Window length in days.
        #[arg(long, default_value = "90")]
        window: String,
        /// json (an array of records) or table.
        #[arg(long, default_value = "table")]
        format: String,
    },
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "GUILDHALL_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// If the database has nobody in it yet, fill it with the demonstration organization first.
    #[arg(long)]
    demo: bool,
    /// Mark cookies Secure: set this when Guildhall is served over HTTPS.
    #[arg(long, env = "GUILDHALL_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Page loads and other reads served at once (writes never wait for
    /// them); 0: the number of cores. Raise it when the database is
    /// a PostgreSQL server on another machine.
    #[arg(long, env = "GUILDHALL_CONCURRENT_READS", default_value_t = 0)]
    concurrent_reads: usize,
    /// Reverse proxies to believe about the client's address
    /// (X-Forwarded-For), as addresses or networks separated by commas,
    /// e.g. 127.0.0.1,10.0.0.0/8. Without it every request behind a proxy
    /// counts as coming from the proxy, for sign-in throttling too.
    #[arg(long = "trusted-proxy", env = "GUILDHALL_TRUSTED_PROXIES", default_value = "", value_parser = parse_proxies)]
    trusted_proxies: guildhall_web::TrustedProxies,
}

fn parse_proxies(s: &str) -> Result<guildhall_web::TrustedProxies, String> {
    guildhall_web::TrustedProxies::parse(s)
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create a person with a sign-in account.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// administrator, knowledge_strategist, executive, manager, hr or member.
        #[arg(long, default_value = "member")]
        role: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
enum PeopleCommand {
    /// Merge two records of one person: everything the absorbed record did
    /// becomes the kept person's; the absorbed record is hidden. Undoable.
    Merge {
        /// The person who stays: an id or an email address.
        #[arg(long)]
        keep: String,
        /// The person merged away: an id or an email address.
        #[arg(long)]
        absorb: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Undo a merge (newest first): the rows it moved go back.
    Unmerge {
        /// The merge's number, as `guildhall people merges` shows it.
        merge: i64,
    },
    /// List merges, newest first.
    Merges,
}

#[derive(Args, Debug)]
struct DemoArgs {
    #[arg(long, default_value_t = 400)]
    people: u32,
    #[arg(long, default_value_t = 30)]
    communities: u32,
    /// Months of history to generate, ending now.
    #[arg(long, default_value_t = 12)]
    months: u32,
    /// The same seed always gives the same organization.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// A Stack Exchange site's data dump (the unpacked folder with Posts.xml,
    /// Users.xml, Comments.xml, Votes.xml, …). Running it again changes nothing.
    Stackexchange {
        /// The folder of one site's dump; its name names the site.
        dir: std::path::PathBuf,
        /// Import into this existing community instead of one created for the site.
        #[arg(long)]
        community: Option<String>,
        /// Read and check everything, report what would be written, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Mailing-list archives: mbox files (also pipermail's text archives),
    /// unpacked. Messages archived more than once are imported once, and
    /// running it again changes nothing.
    Mbox {
        /// The archive files, read in order (oldest first threads best).
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// The community to import into; created if it does not exist.
        #[arg(long)]
        community: String,
        /// Read and check everything, report what would be written, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A Discourse forum: a folder of topic documents as its public JSON API
    /// serves them (/t/{id}.json, one file each), optionally with
    /// /categories.json saved as categories.json. One community per category
    /// unless --community is given; private messages are never imported.
    /// Running it again changes nothing.
    Discourse {
        /// The folder of topic documents, or of a dump of the public API
        /// (topics/ beside categories.json).
        dir: std::path::PathBuf,
        /// Import every category into this existing community (categories
        /// become tags) instead of one community per category.
        #[arg(long)]
        community: Option<String>,
        /// The forum's address (e.g. https://forum.example.org), which
        /// keeps what is imported of it apart from other forums. By default
        /// the address its documents carry, else the folder's name.
        #[arg(long)]
        site: Option<String>,
        /// Read and check everything, report what would be written, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A Slack workspace export (channels.json, users.json, a folder per
    /// channel with a JSON file per day), unpacked or the .zip Slack gives:
    /// one community per channel, conversations as discussion threads,
    /// joins as memberships, reactions on replies as thanks. Running it
    /// again changes nothing.
    Slack {
        /// The export's folder or .zip; its name names the workspace.
        path: std::path::PathBuf,
        /// Import every channel into this existing community instead of
        /// one community per channel.
        #[arg(long)]
        community: Option<String>,
        /// Read and check everything, report what would be written, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand, Debug)]
enum ExportCommand {
    /// The activity log, as docs/METRICS.md defines it.
    Activity {
        /// csv or jsonl.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GUILDHALL_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn open(database: &str, mode: OpenMode) -> Result<Store> {
    Store::open(database, mode)
        .await
        .with_context(|| format!("cannot use the database '{database}'"))
}

/// Application errors in CLI words.
fn explain(e: AppError) -> anyhow::Error {
    match e {
        AppError::Validation(f) => anyhow::anyhow!("invalid input: {}", f.summary()),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn people_command(app: &App, command: PeopleCommand) -> Result<()> {
    let actor = guildhall_app::Actor::command_line();
    let describe = |m: &guildhall_app::store::PersonMerge| {
        format!(
            "merge {}: {} (person {}) kept, {} <{}> (person {}) merged away, {} rows moved{}",
            m.id,
            m.kept_name,
            m.kept_id,
            m.absorbed_name,
            m.absorbed_email,
            m.absorbed_id,
            m.rows_moved,
            if m.undone_at.is_some() {
                ", undone"
            } else {
                ""
            }
        )
    };
    match command {
        PeopleCommand::Merge {
            keep,
            absorb,
            reason,
        } => {
            let kept = app
                .person_by_reference("--keep", &keep)
                .await
                .map_err(explain)?;
            let absorbed = app
                .person_by_reference("--absorb", &absorb)
                .await
                .map_err(explain)?;
            let m = app
                .merge_people(&actor, kept.id, absorbed.id, &reason)
                .await
                .map_err(explain)?;
            println!("Merged: {}.", describe(&m));
            println!("Undo with: guildhall people unmerge {}", m.id);
        }
        PeopleCommand::Unmerge { merge } => {
            let m = app
                .undo_person_merge(&actor, merge)
                .await
                .map_err(explain)?;
            println!("Undone: {}.", describe(&m));
        }
        PeopleCommand::Merges => {
            let merges = app.person_merges(&actor, 500, 0).await.map_err(explain)?;
            if merges.is_empty() {
                println!("No merges.");
            }
            for m in &merges {
                println!("{}", describe(m));
            }
        }
    }
    Ok(())
}

/// A bar on a terminal, log lines otherwise.
fn import_progress() -> Box<dyn guildhall_import::progress::Progress> {
    if std::io::stdout().is_terminal() && std::io::stderr().is_terminal() {
        Box::new(guildhall_import::progress::Bar::new())
    } else {
        Box::new(guildhall_import::progress::Lines::new(
            std::time::Duration::from_secs(5),
        ))
    }
}

/// Runs one importer (a module of guildhall_import) with a progress display
/// and reports its summary; `$label` names the input in the audit log.
macro_rules! run_import {
    ($db:expr, $module:ident, $input:expr, $community:expr, $dry_run:expr, $label:expr $(, $field:ident: $value:expr)*) => {{
        let store = open($db, OpenMode::MustExist).await?;
        // Importers share these two options, some have their own; the
        // others (chunk sizes for tests) keep their defaults.
        let opts = guildhall_import::$module::Options {
            community: $community,
            dry_run: $dry_run,
            $($field: $value,)*
            ..Default::default()
        };
        let mut progress = import_progress();
        let started = std::time::Instant::now();
        let outcome =
            guildhall_import::$module::import(&store, $input, &opts, progress.as_mut()).await;
        report_import(store, started, outcome, (stringify!($module), $label)).await
    }};
}

/// Prints an import's summary and time, or says why nothing was imported.
async fn report_import(
    store: Store,
    started: std::time::Instant,
    outcome: std::result::Result<guildhall_import::Summary, guildhall_import::ImportError>,
    (source, input): (&str, String),
) -> Result<()> {
    let summary = outcome.map_err(import_failed)?;
    if !summary.dry_run {
        let first_line = summary.to_string();
        let first_line = first_line.lines().next().unwrap_or_default();
        store
            .audit_command_line(
                &format!("import.{source}"),
                &format!("{input}: {first_line}"),
            )
            .await
            .context("the import landed, but recording it in the audit log failed")?;
    }
    store.close().await;
    print!("{summary}");
    println!("Took {:.1}s.", started.elapsed().as_secs_f64());
    Ok(())
}

fn import_failed(e: guildhall_import::ImportError) -> anyhow::Error {
    match e {
        guildhall_import::ImportError::Malformed { .. } => {
            anyhow::anyhow!("{e}\nNothing was imported: the database is as it was.")
        }
        other => anyhow::anyhow!("{other}\nNothing was imported."),
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve(&cli.database, args).await,
        Command::Migrate => {
            let store = Store::connect(&cli.database, OpenMode::Create)
                .await
                .with_context(|| format!("cannot use the database '{}'", cli.database))?;
            let applied = store.migrate().await.context("migration failed")?;
            if applied.is_empty() {
                println!("The database is up to date.");
            } else {
                println!("Applied migrations: {applied:?}");
            }
            Ok(())
        }
        Command::Admin(AdminCommand::CreateUser {
            email,
            name,
            role,
            password_stdin,
        }) => {
            let store = open(&cli.database, OpenMode::MustExist).await?;
            let password = read_password(password_stdin)?;
            let app = App::new(store, Config::default());
            let id = app
                .create_account(&AccountInput {
                    name,
                    email: email.clone(),
                    password,
                    role,
                })
                .await
                .map_err(explain)?;
            println!("Created {email} (person {id}).");
            Ok(())
        }
        Command::Backup { file } => {
            let store = open(&cli.database, OpenMode::MustExist).await?;
            let started = std::time::Instant::now();
            let r = store.backup_to(&file).await?;
            store
                .audit_command_line("database.backed_up", &file.display().to_string())
                .await?;
            println!(
                "Backed up to {} in {:.1} s: {} bytes, schema version {}, {} people, {} activity events.",
                r.file.display(),
                started.elapsed().as_secs_f64(),
                r.bytes,
                r.schema_version,
                r.people,
                r.activity
            );
            Ok(())
        }
        Command::Restore { file } => {
            let target = guildhall_store::sqlite_file_of(&cli.database)?;
            let (r, kept) = guildhall_store::backup::restore(&file, &target)?;
            let store = open(&cli.database, OpenMode::MustExist).await?;
            store
                .migrate()
                .await
                .context("migrating the restored database")?;
            store
                .audit_command_line("database.restored", &file.display().to_string())
                .await?;
            println!(
                "Restored {} into {}: schema version {}, {} people, {} activity events.",
                file.display(),
                r.file.display(),
                r.schema_version,
                r.people,
                r.activity
            );
            if let Some(kept) = kept {
                println!("The database it replaced is kept as {}.", kept.display());
            }
            Ok(())
        }
        Command::People(command) => {
            let store = open(&cli.database, OpenMode::MustExist).await?;
            let app = App::new(store, Config::default());
            people_command(&app, command).await
        }
        Command::Demo(args) => {
            let store = open(&cli.database, OpenMode::Create).await?;
            generate_demo(&store, &args).await
        }
        Command::Pulse {
            community,
            as_of,
            window,
            format,
        } => {
            if !matches!(format.as_str(), "json" | "table") {
                bail!("--format: '{format}' is not one of: json, table");
            }
            let window = guildhall_app::pulse::PulseWindow::parse(as_of.as_deref(), Some(&window))
                .map_err(|e| match e {
                    AppError::Validation(f) => anyhow::anyhow!(
                        "{}",
                        f.0.iter()
                            .map(|e| format!("--{}: {}", e.field.replace('_', "-"), e.message))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                    other => explain(other),
                })?;
            let store = open(&cli.database, OpenMode::MustExist).await?;
            let app = App::new(store, Config::default());
            let reports =
                app.all_pulses(community.as_deref(), window)
                    .await
                    .map_err(|e| match e {
                        AppError::Validation(f) => anyhow::anyhow!(
                            "--community: {}",
                            f.0.first().map(|e| e.message.as_str()).unwrap_or("unknown")
                        ),
                        other => explain(other),
                    })?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            if format == "json" {
                let records: Vec<_> = reports.iter().map(|r| r.record()).collect();
                serde_json::to_writer_pretty(&mut out, &records)
                    .context("cannot write the pulse")?;
                writeln!(out).context("cannot write the pulse")?;
            } else {
                print_pulse_table(&mut out, &reports).context("cannot write the pulse")?;
            }
            Ok(())
        }
        Command::Import(ImportCommand::Stackexchange {
            dir,
            community,
            dry_run,
        }) => {
            let label = dir.display().to_string();
            run_import!(
                &cli.database,
                stackexchange,
                &dir,
                community,
                dry_run,
                label
            )
        }
        Command::Import(ImportCommand::Mbox {
            files,
            community,
            dry_run,
        }) => {
            let label = files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(" ");
            run_import!(&cli.database, mbox, &files, community, dry_run, label)
        }
        Command::Import(ImportCommand::Discourse {
            dir,
            community,
            site,
            dry_run,
        }) => {
            let label = dir.display().to_string();
            run_import!(
                &cli.database,
                discourse,
                &dir,
                community,
                dry_run,
                label,
                site: site
            )
        }
        Command::Import(ImportCommand::Slack {
            path,
            community,
            dry_run,
        }) => {
            let label = path.display().to_string();
            run_import!(&cli.database, slack, &path, community, dry_run, label)
        }
        Command::Export(ExportCommand::Activity { format, out }) => {
            let format =
                ExportFormat::parse(&format).map_err(|m| anyhow::anyhow!("--format: {m}"))?;
            let store = open(&cli.database, OpenMode::MustExist).await?;
            let app = App::new(store, Config::default());
            let n = match out {
                Some(path) => {
                    let file = std::fs::File::create(&path)
                        .with_context(|| format!("cannot create '{}'", path.display()))?;
                    let mut w = std::io::BufWriter::new(file);
                    app.export_activity(format, &mut w).await.map_err(explain)?
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut w = std::io::BufWriter::new(stdout.lock());
                    app.export_activity(format, &mut w).await.map_err(explain)?
                }
            };
            tracing::info!(records = n, "exported the activity log");
            app.store
                .audit_command_line("activity.exported", &format!("{n} records"))
                .await?;
            Ok(())
        }
    }
}

fn print_pulse_table(
    out: &mut impl Write,
    reports: &[guildhall_app::pulse::PulseReport],
) -> std::io::Result<()> {
    let opt = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.2}"));
    writeln!(
        out,
        "{:<32} {:<14} {:>7} {:>6} {:>5} {:>6} {:>6}  alerts",
        "community", "stage", "members", "active", "core", "contr", "trend"
    )?;
    for r in reports {
        let f = &r.pulse.figures;
        let alerts: Vec<&str> = r
            .pulse
            .alerts
            .list()
            .iter()
            .filter(|(_, on)| *on)
            .map(|(n, _)| *n)
            .collect();
        writeln!(
            out,
            "{:<32} {:<14} {:>7} {:>6} {:>5} {:>6} {:>6}  {}",
            r.community.slug,
            r.community.stage,
            f.members,
            f.active_members,
            f.core,
            f.contributions,
            opt(f.activity_trend),
            alerts.join(", ")
        )?;
    }
    Ok(())
}

fn read_password(from_stdin: bool) -> Result<String> {
    let password = if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        let first = rpassword::prompt_password("Password: ").context("cannot read the password")?;
        let again =
            rpassword::prompt_password("Repeat it: ").context("cannot read the password")?;
        if first != again {
            bail!("the two passwords differ; run the command again");
        }
        first
    };
    if password.is_empty() {
        bail!("no password given: type one at the prompt or pipe it with --password-stdin");
    }
    Ok(password)
}

async fn generate_demo(store: &Store, args: &DemoArgs) -> Result<()> {
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

fn print_demo_accounts() {
    println!(
        "Sign in with any of these accounts (password: {}):",
        guildhall_demo::DEMO_PASSWORD
    );
    for (email, role) in guildhall_demo::DEMO_ACCOUNTS {
        println!("  {email:<36} {role}");
    }
}

async fn serve(database: &str, args: ServeArgs) -> Result<()> {
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

async fn shutdown_signal() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_subcommand_takes_the_database_flag() {
        for args in [
            vec!["guildhall", "--database", "x.db", "migrate"],
            vec!["guildhall", "migrate", "--database", "x.db"],
            vec![
                "guildhall",
                "import",
                "stackexchange",
                "dump",
                "--dry-run",
                "--database",
                "x.db",
            ],
            vec![
                "guildhall",
                "import",
                "mbox",
                "a.mbox",
                "b.mbox",
                "--community",
                "dev",
                "--database",
                "x.db",
            ],
            vec![
                "guildhall",
                "import",
                "discourse",
                "forum",
                "--community",
                "dev",
                "--site",
                "https://forum.example.org",
                "--dry-run",
                "--database",
                "x.db",
            ],
            vec![
                "guildhall",
                "import",
                "slack",
                "export.zip",
                "--community",
                "dev",
                "--dry-run",
                "--database",
                "x.db",
            ],
            vec![
                "guildhall",
                "export",
                "activity",
                "--database",
                "x.db",
                "--format",
                "jsonl",
            ],
        ] {
            let cli = Cli::try_parse_from(args).expect("parses");
            assert_eq!(cli.database, "x.db");
        }
    }
}
