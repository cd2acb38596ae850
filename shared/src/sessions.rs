//! Sessions and last connection (seed 001 §3/§6, seed 000): session documents recorded from
//! login events, and "when did this user last connect", as a timestamp and relative to now.

use crate::error::AppError;
use crate::events::{EventEnvelope, USER_LOGGED_IN, UserLoggedIn};
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_humanize::HumanTime;
use serde::Serialize;
use std::future::Future;
use uuid::Uuid;

const MAX_USERNAME_LEN: usize = 64;

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

pub trait SessionStore: Send + Sync {
    /// Inserts the session unless one with the same `login_event_id` exists.
    /// Returns whether it was new (a redelivered event returns false and changes nothing).
    fn record_login(&self, session: &SessionRecord) -> impl Future<Output = Result<bool, AppError>> + Send;

    fn last_connection(&self, user_id: i64) -> impl Future<Output = Result<Option<DateTime<Utc>>, AppError>> + Send;
}

pub trait UserDirectory: Send + Sync {
    fn user_id_by_username(&self, username: &str) -> impl Future<Output = Result<Option<i64>, AppError>> + Send;
}

#[derive(Debug, PartialEq, Eq)]
pub enum EventOutcome {
    Recorded,
    Duplicate,
    /// An event type this consumer does not act on: acknowledged, not retried.
    Ignored,
}

/// Applies one `auth-events` event. An error means "retry this message"; a message that can
/// never succeed (bad data) also errors, and the queue's redrive policy moves it to the DLQ.
pub async fn apply_auth_event<S: SessionStore>(store: &S, event: &EventEnvelope) -> Result<EventOutcome, AppError> {
    match event.event_type.as_str() {
        USER_LOGGED_IN => {
            let data: UserLoggedIn = event
                .data_as()
                .map_err(|e| AppError::bad_request("INVALID_EVENT", format!("UserLoggedIn data: {e}")))?;
            let session = SessionRecord {
                user_id: data.user_id,
                username: data.username,
                login_event_id: event.id,
                started_at: event.occurred_at,
                user_agent: data.user_agent,
                source_ip: data.source_ip,
                token_id: data.token_id,
            };
            Ok(if store.record_login(&session).await? { EventOutcome::Recorded } else { EventOutcome::Duplicate })
        }
        _ => Ok(EventOutcome::Ignored),
    }
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LastConnection {
    pub username: String,
    /// ISO 8601, UTC.
    pub last_connection: String,
    /// Human-friendly, relative to now ("5 minutes ago"), as `moment().fromNow()` did in the seed.
    pub relative: String,
}

pub fn validate_username(raw: Option<&str>) -> Result<&str, AppError> {
    let username = raw.map(str::trim).unwrap_or_default();
    if username.is_empty() {
        return Err(AppError::bad_request("MISSING_USERNAME", "query parameter 'username' is required"));
    }
    if username.chars().count() > MAX_USERNAME_LEN || username.chars().any(char::is_control) {
        return Err(AppError::bad_request("INVALID_USERNAME", "username is malformed"));
    }
    Ok(username)
}

pub fn relative_to(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    // Clock skew between writers must not turn a just-finished login into "in a few seconds".
    let delta = (at - now).min(chrono::Duration::zero());
    // HumanTime's Display says "now" for the last few seconds and "5 minutes ago" after, as
    // moment's fromNow() does; `to_text_en(.., Tense::Past)` would say "now ago".
    HumanTime::from(delta).to_string()
}

pub async fn last_connection<D: UserDirectory, S: SessionStore>(
    users: &D,
    sessions: &S,
    username: &str,
    now: DateTime<Utc>,
) -> Result<LastConnection, AppError> {
    let Some(user_id) = users.user_id_by_username(username).await? else {
        return Err(AppError::not_found("USER_NOT_FOUND", "no such user"));
    };
    let Some(at) = sessions.last_connection(user_id).await? else {
        return Err(AppError::not_found("NO_CONNECTION", "the user has never connected"));
    };
    Ok(LastConnection {
        username: username.to_string(),
        last_connection: at.to_rfc3339_opts(SecondsFormat::Millis, true),
        relative: relative_to(at, now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct MemorySessions(Mutex<Vec<SessionRecord>>);

    impl SessionStore for MemorySessions {
        async fn record_login(&self, s: &SessionRecord) -> Result<bool, AppError> {
            let mut all = self.0.lock().unwrap();
            if all.iter().any(|x| x.login_event_id == s.login_event_id) {
                return Ok(false);
            }
            all.push(s.clone());
            Ok(true)
        }
        async fn last_connection(&self, user_id: i64) -> Result<Option<DateTime<Utc>>, AppError> {
            Ok(self.0.lock().unwrap().iter().filter(|s| s.user_id == user_id).map(|s| s.started_at).max())
        }
    }

    struct Users;
    impl UserDirectory for Users {
        async fn user_id_by_username(&self, username: &str) -> Result<Option<i64>, AppError> {
            Ok((username == "alice").then_some(1))
        }
    }

    fn login_event(user_id: i64) -> EventEnvelope {
        EventEnvelope::new(
            USER_LOGGED_IN,
            "test",
            UserLoggedIn { user_id, username: "alice".into(), user_agent: None, source_ip: None, token_id: None },
        )
        .unwrap()
    }

    #[tokio::test]
    async fn redelivered_login_event_changes_nothing() {
        let store = MemorySessions::default();
        let e = login_event(1);
        assert_eq!(apply_auth_event(&store, &e).await.unwrap(), EventOutcome::Recorded);
        assert_eq!(apply_auth_event(&store, &e).await.unwrap(), EventOutcome::Duplicate);
        assert_eq!(store.0.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn unknown_event_types_are_ignored_and_bad_data_is_an_error() {
        let store = MemorySessions::default();
        let mut e = login_event(1);
        e.event_type = "SomethingElse".into();
        assert_eq!(apply_auth_event(&store, &e).await.unwrap(), EventOutcome::Ignored);
        let mut bad = login_event(1);
        bad.data = serde_json::json!({"userId": "not a number"});
        assert_eq!(apply_auth_event(&store, &bad).await.unwrap_err().code(), "INVALID_EVENT");
    }

    #[tokio::test]
    async fn last_connection_is_latest_and_relative() {
        let store = MemorySessions::default();
        let mut e = login_event(1);
        let now = Utc::now();
        e.occurred_at = now - chrono::Duration::minutes(5);
        apply_auth_event(&store, &e).await.unwrap();
        let mut older = login_event(1);
        older.occurred_at = now - chrono::Duration::days(3);
        apply_auth_event(&store, &older).await.unwrap();
        let lc = last_connection(&Users, &store, "alice", now).await.unwrap();
        assert_eq!(lc.relative, "5 minutes ago");
        assert!(lc.last_connection.ends_with('Z'));
        assert_eq!(
            DateTime::parse_from_rfc3339(&lc.last_connection).unwrap().timestamp(),
            e.occurred_at.timestamp()
        );
    }

    #[tokio::test]
    async fn unknown_user_and_never_connected_are_distinct_404s() {
        let store = MemorySessions::default();
        let now = Utc::now();
        assert_eq!(last_connection(&Users, &store, "bob", now).await.unwrap_err().code(), "USER_NOT_FOUND");
        assert_eq!(last_connection(&Users, &store, "alice", now).await.unwrap_err().code(), "NO_CONNECTION");
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
