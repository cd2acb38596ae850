//! The chat backend (`/api/v1`, port 3000 of the original system): its own authentication
//! with login sessions, then chat sessions, messages, vendors, sellers and users, all answered
//! in the envelope `{"status", "message", "data"}`. Every route but authentication takes the
//! access token and counts against the caller's rate limit before it reads anything else.

pub mod auth;
#[cfg(feature = "chat")]
pub mod messages;
#[cfg(all(feature = "chat", feature = "openapi"))]
mod openapi;
#[cfg(feature = "chat")]
pub mod requests;
#[cfg(feature = "chat")]
pub mod sellers;
#[cfg(feature = "chat")]
pub mod sessions;
#[cfg(feature = "chat")]
pub mod users;
#[cfg(feature = "chat")]
pub mod vendors;
