//! The store's contract, run on SQLite and (with GUILDHALL_TEST_DATABASE_URL)
//! on PostgreSQL: the same story must hold on both.

mod backup;
mod conformance;
mod events;
mod feed;
mod kept;
mod migrations;
mod pulse_read;
mod search;
mod visibility;
mod words;
