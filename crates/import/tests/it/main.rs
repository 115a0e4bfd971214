//! The importers on real data (Stack Exchange dumps, Apache list
//! archives, a Slack workspace export) and on the project's Discourse topic
//! documents, on SQLite and (with GUILDHALL_TEST_DATABASE_URL) on
//! PostgreSQL. Expected figures are computed here from the files with
//! scanners of their own, not the importers'.

mod discourse;
mod dump;
mod malformed;
mod mbox;
mod pipermail;
mod slack;
mod stackexchange;
