//! The Stack Exchange importer on real dumps, on SQLite and (with
//! GUILDHALL_TEST_DATABASE_URL) on PostgreSQL. Expected figures are
//! computed here from the XML with a scanner of its own, not the importer's.

mod dump;
mod malformed;
mod stackexchange;
