//! The rules of every service and the ports they need. Nothing here talks to the network:
//! storage, queues and other services sit behind traits that `adapters` implement.

pub mod audit;
pub mod codes;
pub mod error;
pub mod events;
pub mod health;
pub mod json;
pub mod migrations;
pub mod outbox;
pub mod paging;
pub mod ratelimit;

#[cfg(feature = "identity")]
pub mod auth;
#[cfg(feature = "chat")]
pub mod chat;
#[cfg(feature = "images")]
pub mod images;
#[cfg(feature = "sessions")]
pub mod sessions;
#[cfg(feature = "tenants")]
pub mod tenants;
#[cfg(feature = "identity")]
pub mod user_lookup;
