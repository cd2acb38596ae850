//! What the session store is asked to write: sessions opened and ended by login events, and
//! sessions created through the API.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A session opened by a login (`UserLoggedIn`).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub user_id: i64,
    pub username: String,
    /// The id of the event that opened the session: the idempotency key.
    pub login_event_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub source_ip: Option<String>,
    pub token_id: Option<String>,
}

impl SessionRecord {
    /// A session opened by a login is identified by its token's `jti` (unique per login), so a
    /// logout naming that token finds it, whichever of the two events arrives first.
    pub fn session_id(&self) -> String {
        self.token_id.clone().unwrap_or_else(|| self.login_event_id.to_string())
    }
}

/// A session ended by a logout (`UserLoggedOut`).
#[derive(Debug, Clone, PartialEq)]
pub struct LogoutRecord {
    pub session_id: String,
    pub user_id: i64,
    pub username: String,
    pub logout_event_id: Uuid,
    pub ended_at: DateTime<Utc>,
}

/// A session created through `POST /api/sessions`.
#[derive(Debug, Clone)]
pub struct NewApiSession {
    pub session_id: String,
    pub user_id: i64,
    pub username: String,
    pub token_id: String,
    pub user_agent: Option<String>,
    pub source_ip: Option<String>,
    pub metadata: serde_json::Value,
    pub now: DateTime<Utc>,
}
