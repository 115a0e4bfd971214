//! The web application driven in process through its real router, on a
//! fresh database per test (SQLite in memory, or PostgreSQL when
//! GUILDHALL_TEST_DATABASE_URL is set).

mod accounts;
mod api;
mod audit;
mod charter;
mod communities;
mod events;
mod harness;
mod hostile;
mod matrix;
mod merges;
mod organization;
mod privacy;
mod pulse;
mod resources;
mod search;
mod threads;
mod tokens;
