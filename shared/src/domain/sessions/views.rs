//! Sessions as the API shows them: one session, a user's list, how many ended, and a token's
//! verification.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A session as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// The session's id: the `jti` of the token whose login opened it, or a generated id for
    /// sessions created with `POST /api/sessions`.
    #[cfg_attr(feature = "openapi", schema(example = "0194c3a0-7b1e-7c3d-9f2a-5b6c7d8e9f01"))]
    pub session_id: String,
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub user_id: i64,
    /// Empty when unknown (a logout recorded before its login).
    #[cfg_attr(feature = "openapi", schema(example = "alice"))]
    pub username: String,
    /// `active` or `ended`.
    #[cfg_attr(feature = "openapi", schema(value_type = SessionStatus))]
    pub status: String,
    /// `login` (recorded from a login event) or `api` (created with `POST /api/sessions`).
    #[cfg_attr(feature = "openapi", schema(value_type = SessionOrigin))]
    pub origin: String,
    /// Null for a session whose logout arrived before its login.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub started_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub ended_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_seen_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", schema(required = true, example = "Mozilla/5.0"))]
    pub user_agent: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, example = "203.0.113.7"))]
    pub source_ip: Option<String>,
    /// Free-form client metadata (a JSON object, `{}` when none).
    #[cfg_attr(feature = "openapi", schema(value_type = Object, example = json!({"device": "phone"})))]
    pub metadata: serde_json::Value,
}

/// A session's status: `active` until it is ended (logout, `DELETE /api/sessions/{userId}`).
#[cfg(feature = "openapi")]
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    Active,
    Ended,
}

/// Where a session came from: a login event (`login`) or `POST /api/sessions` (`api`).
#[cfg(feature = "openapi")]
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SessionOrigin {
    Login,
    Api,
}

/// `GET /api/sessions/{userId}`: the user's sessions, newest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionList {
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub user_id: i64,
    /// How many sessions are listed (at most `limit`).
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub count: usize,
    pub sessions: Vec<SessionView>,
}

/// `DELETE /api/sessions/{userId}`: how many active sessions were ended.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionsEnded {
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub user_id: i64,
    /// Active sessions ended (1 with `sessionId`; 0 or more without).
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub ended: u64,
}

/// `GET /api/sessions/verify`: the bearer token is valid, and whose it is.
#[cfg(feature = "identity")]
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenVerification {
    /// Always true (an invalid token is a 401).
    pub valid: bool,
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub user_id: i64,
    #[cfg_attr(feature = "openapi", schema(example = "alice"))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::domain::auth::UserRole))]
    pub role: String,
    /// The token's expiry, seconds since the Unix epoch.
    #[cfg_attr(feature = "openapi", schema(example = 1767225600))]
    pub expires_at: i64,
    /// The session the token's login opened; null while it is not recorded yet (it is written
    /// from the login event, asynchronously) or for tokens without one.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub session: Option<SessionView>,
}
