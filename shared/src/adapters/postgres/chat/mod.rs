//! The chat backend's records in PostgreSQL (tables of migration V4, and `users`): one file per
//! kind of record, each statement a named constant (`tests/tests/query_plans.rs` checks that
//! every one is served by an index), and the one place where a constraint the database enforces
//! becomes an API error ([`constraints`]).

pub mod constraints;
pub mod messages;
pub mod sellers;
pub mod sessions;
pub mod users;
pub mod vendors;
