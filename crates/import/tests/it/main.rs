//! The importers on real data (Stack Exchange dumps, Apache list
//! archives, a Slack workspace export), on SQLite and (with GUILDHALL_TEST_DATABASE_URL) on
//! PostgreSQL. Expected figures are computed here from the files with
//! scanners of their own, not the importers'.

mod dump;
mod malformed;
mod mbox;
mod slack;
mod stackexchange;
