//! What the session rules need from storage: the session documents, and the users they belong to.

use super::records::{LogoutRecord, NewApiSession, SessionRecord};
use super::views::SessionView;
use crate::domain::error::AppError;
use chrono::{DateTime, Utc};
use std::future::Future;

/// The session documents (MongoDB).
pub trait SessionStore: Send + Sync {
    /// Records the login's session (keyed by its session id). Returns whether anything changed:
    /// a redelivered event returns false and changes nothing. A logout that arrived first
    /// stays in force: the login fills in the details but does not reopen the session.
    fn record_login(&self, session: &SessionRecord) -> impl Future<Output = Result<bool, AppError>> + Send;

    /// Ends the session; creates it ended when the login has not arrived yet (out of order).
    fn record_logout(&self, logout: &LogoutRecord) -> impl Future<Output = Result<bool, AppError>> + Send;

    /// When the user's latest recorded login started; None when they never logged in.
    fn last_connection(&self, user_id: i64) -> impl Future<Output = Result<Option<DateTime<Utc>>, AppError>> + Send;

    fn create(&self, session: &NewApiSession) -> impl Future<Output = Result<SessionView, AppError>> + Send;

    /// The user's sessions, newest first, at most `limit`.
    fn list(&self, user_id: i64, limit: i64) -> impl Future<Output = Result<Vec<SessionView>, AppError>> + Send;

    /// Touches `lastSeenAt` and merges `metadata` into the session's; None when not found.
    fn touch(
        &self,
        user_id: i64,
        session_id: &str,
        metadata: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> impl Future<Output = Result<Option<SessionView>, AppError>> + Send;

    /// Ends one (or, without `session_id`, every) active session of the user; returns how many.
    fn end(&self, user_id: i64, session_id: Option<&str>) -> impl Future<Output = Result<u64, AppError>> + Send;

    /// The newest session opened by the token with this `jti`.
    fn find_by_token(&self, token_id: &str) -> impl Future<Output = Result<Option<SessionView>, AppError>> + Send;
}

/// The users (PostgreSQL), as far as the session services need them.
pub trait UserDirectory: Send + Sync {
    /// The id of the user with this username, compared case-insensitively.
    fn user_id_by_username(&self, username: &str) -> impl Future<Output = Result<Option<i64>, AppError>> + Send;
}
