//! `guildhall admin`: accounts made by an operator.

use crate::{explain, open};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use guildhall_app::auth::AccountInput;
use guildhall_app::{App, Config};
use guildhall_store::OpenMode;
use std::io::{BufRead, IsTerminal};

#[derive(Subcommand, Debug)]
pub(crate) enum AdminCommand {
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

/// Runs one `admin` command on the database.
pub(crate) async fn run(database: &str, command: AdminCommand) -> Result<()> {
    match command {
        AdminCommand::CreateUser {
            email,
            name,
            role,
            password_stdin,
        } => {
            let store = open(database, OpenMode::MustExist).await?;
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
    }
}

pub(crate) fn read_password(from_stdin: bool) -> Result<String> {
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
