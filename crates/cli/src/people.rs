//! `guildhall people`: merging two records of one person, and undoing it.

use crate::{explain, open};
use anyhow::Result;
use clap::Subcommand;
use guildhall_app::{App, Config};
use guildhall_store::OpenMode;

#[derive(Subcommand, Debug)]
pub(crate) enum PeopleCommand {
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
        merge: guildhall_domain::MergeId,
    },
    /// List merges, newest first.
    Merges,
}

/// Runs one `people` command on the database.
pub(crate) async fn run(database: &str, command: PeopleCommand) -> Result<()> {
    let store = open(database, OpenMode::MustExist).await?;
    let app = App::new(store, Config::default());
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
