//! What the auth rules need from storage, one trait per concern: users and their logins,
//! registrations, refresh-token families, and the token store (what Redis did in the seeds).

use super::tokens::Claims;
use super::users::{NewUser, UserProfile, UserRecord};
use crate::domain::error::AppError;
use crate::domain::events::EventEnvelope;
use crate::domain::outbox::OutboxEntry;
use crate::domain::paging::Keyset;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::future::Future;
use uuid::Uuid;

/// A refresh token as stored: only its SHA-256, never the token itself.
#[derive(Debug, Clone)]
pub struct StoredRefresh {
    pub hash: Vec<u8>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The access token issued together with it (revoked with its family).
    pub access_jti: String,
}

/// A login session opened by a login, with its first refresh token.
#[derive(Debug, Clone)]
pub struct SessionStart {
    pub id: uuid::Uuid,
    pub user_agent: Option<String>,
    pub source_ip: Option<String>,
    pub refresh: StoredRefresh,
}

/// A login session as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LoginSession {
    pub id: Uuid,
    /// The `User-Agent` of the login; null when it sent none.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "Mozilla/5.0"))]
    pub user_agent: Option<String>,
    /// The caller's address as API Gateway saw it at login.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "203.0.113.7"))]
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The last refresh of its tokens (the login's time until then).
    pub last_seen_at: DateTime<Utc>,
    /// When it ended; null while it is active.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it ended (`logout`, `refresh_token_reuse`); null while it is active.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "logout"))]
    pub end_reason: Option<String>,
    /// Whether the token of this request belongs to it.
    pub current: bool,
}

pub trait UserStore: Send + Sync {
    fn find_by_username(&self, username: &str) -> impl Future<Output = Result<Option<UserRecord>, AppError>> + Send;

    /// Records a successful login (and its session, if any) and queues its event in the
    /// outbox, in one transaction: all of it happens or none. `new_hash` upgrades the stored hash.
    fn complete_login(
        &self,
        user_id: i64,
        new_hash: Option<String>,
        session: Option<&SessionStart>,
        queue: &str,
        event: &EventEnvelope,
    ) -> impl Future<Output = Result<(), AppError>> + Send;

    /// Whether the user a token was issued to (`sub`) still exists: a token outlives a deleted
    /// account in the token store, and must not outlive it anywhere else.
    fn user_exists(&self, subject: &str) -> impl Future<Output = Result<bool, AppError>> + Send;

    /// The user as `GET /profile` shows them (no password material); None when the account is gone.
    fn profile(&self, user_id: i64) -> impl Future<Output = Result<Option<UserProfile>, AppError>> + Send;
}

/// Where issued access tokens are registered (DynamoDB with TTL, what Redis did in the bookstore auth service).
/// A token is valid only while its entry exists: logout deletes it, everywhere at once.
pub trait TokenStore: Send + Sync {
    fn register(&self, claims: &Claims) -> impl Future<Output = Result<(), AppError>> + Send;
    fn is_active(&self, jti: &str) -> impl Future<Output = Result<bool, AppError>> + Send;
    fn revoke(&self, jti: &str) -> impl Future<Output = Result<(), AppError>> + Send;
}

#[derive(Debug)]
pub enum Rotation {
    Rotated {
        user: UserRecord,
        session_id: Uuid,
    },
    /// A spent or revoked token was presented: the family is now revoked.
    Reused {
        revoked_access_jtis: Vec<String>,
    },
    Expired,
    Unknown,
}

pub trait RefreshStore: Send + Sync {
    /// Atomically: marks the presented token used and stores `next` in its family — or, when
    /// the presented token was already used or revoked, revokes the family and ends its session.
    fn rotate(
        &self,
        presented_hash: &[u8],
        next: &StoredRefresh,
    ) -> impl Future<Output = Result<Rotation, AppError>> + Send;

    /// Ends the login session (if any) and revokes its refresh tokens, and queues the logout
    /// event, in one transaction. Returns the access-token ids issued in that session.
    fn record_logout(
        &self,
        user_id: i64,
        session_id: Option<Uuid>,
        queue: &str,
        event: &EventEnvelope,
    ) -> impl Future<Output = Result<Vec<String>, AppError>> + Send;
}

pub trait RegistrationStore: Send + Sync {
    /// Inserts the user and the event built by `event` (given the new id) into the outbox in
    /// one transaction. Duplicate username/email -> 409 USERNAME_TAKEN / EMAIL_TAKEN.
    fn insert_user<F>(
        &self,
        username: &str,
        email: &str,
        password_hash: &str,
        event: F,
    ) -> impl Future<Output = Result<(NewUser, OutboxEntry), AppError>> + Send
    where
        F: FnOnce(&NewUser) -> Result<OutboxEntry, AppError> + Send;
}

/// The login sessions of a user, as the API lists them.
pub trait LoginSessionStore: Send + Sync {
    /// Up to `limit` sessions of `user_id`, newest first, created before `before` when given
    /// (`current` is left false: the caller knows its own session).
    fn login_sessions(
        &self,
        user_id: i64,
        before: Option<Keyset>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<LoginSession>, AppError>> + Send;
}
