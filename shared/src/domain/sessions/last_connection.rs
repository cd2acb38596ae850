//! "When did this user last connect": the latest session recorded from a login, as a timestamp
//! and relative to now.

use super::ports::{SessionStore, UserDirectory};
use crate::domain::error::{AppError, ErrorCode};
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_humanize::HumanTime;
use serde::Serialize;

const MAX_USERNAME_LEN: usize = 64;

/// `GET /last-connection`: when the user last logged in.
#[derive(Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LastConnection {
    /// The username as asked (trimmed).
    #[cfg_attr(feature = "openapi", schema(example = "alice"))]
    pub username: String,
    /// ISO 8601, UTC, in milliseconds.
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2025-01-31T09:15:00.000Z"))]
    pub last_connection: String,
    /// Human-friendly, relative to now ("5 minutes ago"), as moment's `fromNow()` says it.
    #[cfg_attr(feature = "openapi", schema(example = "5 minutes ago"))]
    pub relative: String,
}

/// The connected service: users by name, and their sessions.
pub struct LastConnections<D, S> {
    pub users: D,
    pub sessions: S,
}

impl<D: UserDirectory, S: SessionStore> LastConnections<D, S> {
    /// The user's latest login; 404 USER_NOT_FOUND or NO_CONNECTION (two different answers).
    pub async fn of(&self, username: &str, now: DateTime<Utc>) -> Result<LastConnection, AppError> {
        let Some(user_id) = self.users.user_id_by_username(username).await? else {
            return Err(AppError::new(ErrorCode::UserNotFound, "no such user"));
        };
        let Some(at) = self.sessions.last_connection(user_id).await? else {
            return Err(AppError::new(ErrorCode::NoConnection, "the user has never connected"));
        };
        Ok(LastConnection {
            username: username.to_string(),
            last_connection: at.to_rfc3339_opts(SecondsFormat::Millis, true),
            relative: relative_to(at, now),
        })
    }
}

/// The `username` asked for: trimmed, 1 to 64 characters, no control characters.
pub fn validate_username(raw: Option<&str>) -> Result<&str, AppError> {
    let username = raw.map(str::trim).unwrap_or_default();
    if username.is_empty() {
        return Err(AppError::new(ErrorCode::MissingUsername, "query parameter 'username' is required"));
    }
    if username.chars().count() > MAX_USERNAME_LEN || username.chars().any(char::is_control) {
        return Err(AppError::new(ErrorCode::InvalidUsername, "username is malformed"));
    }
    Ok(username)
}

/// `at` relative to `now`, in words ("now", "5 minutes ago", "2 days ago").
pub fn relative_to(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    // Clock skew between writers must not turn a just-finished login into "in a few seconds".
    let delta = (at - now).min(chrono::Duration::zero());
    // HumanTime's Display says "now" for the last few seconds and "5 minutes ago" after, as
    // moment's fromNow() does; `to_text_en(.., Tense::Past)` would say "now ago".
    HumanTime::from(delta).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::{MemorySessions, MemoryUserDirectory};
    use crate::domain::sessions::apply_auth_event;
    use crate::domain::sessions::recording::tests::login_event;

    fn service() -> LastConnections<MemoryUserDirectory, MemorySessions> {
        LastConnections { users: MemoryUserDirectory::with([(1, "alice")]), sessions: MemorySessions::default() }
    }

    #[tokio::test]
    async fn last_connection_is_latest_and_relative() {
        let connections = service();
        let now = Utc::now();
        let mut e = login_event(1, None);
        e.occurred_at = now - chrono::Duration::minutes(5);
        apply_auth_event(&connections.sessions, &e).await.unwrap();
        let mut older = login_event(1, None);
        older.occurred_at = now - chrono::Duration::days(3);
        apply_auth_event(&connections.sessions, &older).await.unwrap();
        let lc = connections.of("alice", now).await.unwrap();
        assert_eq!(lc.relative, "5 minutes ago");
        assert!(lc.last_connection.ends_with('Z'));
        assert_eq!(DateTime::parse_from_rfc3339(&lc.last_connection).unwrap().timestamp(), e.occurred_at.timestamp());
        // Usernames are compared case-insensitively, and answered as asked.
        assert_eq!(connections.of("ALICE", now).await.unwrap().username, "ALICE");
    }

    #[tokio::test]
    async fn unknown_user_and_never_connected_are_distinct_404s() {
        let connections = service();
        let now = Utc::now();
        assert_eq!(connections.of("bob", now).await.unwrap_err().code(), "USER_NOT_FOUND");
        assert_eq!(connections.of("alice", now).await.unwrap_err().code(), "NO_CONNECTION");
    }

    #[test]
    fn username_query_is_validated() {
        assert_eq!(validate_username(None).unwrap_err().code(), "MISSING_USERNAME");
        assert_eq!(validate_username(Some("  ")).unwrap_err().code(), "MISSING_USERNAME");
        assert_eq!(validate_username(Some(&"a".repeat(65))).unwrap_err().code(), "INVALID_USERNAME");
        assert_eq!(validate_username(Some("a\u{0}b")).unwrap_err().code(), "INVALID_USERNAME");
        assert_eq!(validate_username(Some(" alice ")).unwrap(), "alice");
    }

    #[test]
    fn relative_times_read_like_moment() {
        let now = Utc::now();
        let ago = |secs: i64| relative_to(now - chrono::Duration::seconds(secs), now);
        assert_eq!(ago(0), "now");
        assert_eq!(ago(2), "now");
        assert_eq!(ago(90), "a minute ago");
        assert_eq!(ago(3 * 3600), "3 hours ago");
        assert_eq!(ago(2 * 86400), "2 days ago");
        // Clock skew: a timestamp slightly in the future reads as now.
        assert_eq!(relative_to(now + chrono::Duration::seconds(3), now), "now");
    }
}
