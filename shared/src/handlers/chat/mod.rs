//! The chat backend (`/api/v1`, port 3000 of the original system): its own authentication
//! with login sessions, then chat sessions, messages, vendors, sellers and users, all answered
//! in the envelope `{"status", "message", "data"}`.

pub mod auth;
