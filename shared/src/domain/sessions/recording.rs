//! Sessions recorded from the auth service's events (`auth-events`): a login opens one, a
//! logout ends it, in whichever order they arrive and however often they are delivered.

use super::ports::SessionStore;
use super::records::{LogoutRecord, SessionRecord};
use crate::domain::error::{AppError, ErrorCode};
use crate::domain::events::{EventEnvelope, USER_LOGGED_IN, USER_LOGGED_OUT, UserLoggedIn, UserLoggedOut};

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
                .map_err(|e| AppError::new(ErrorCode::InvalidEvent, format!("UserLoggedIn data: {e}")))?;
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
        USER_LOGGED_OUT => {
            let data: UserLoggedOut = event
                .data_as()
                .map_err(|e| AppError::new(ErrorCode::InvalidEvent, format!("UserLoggedOut data: {e}")))?;
            let logout = LogoutRecord {
                session_id: data.token_id,
                user_id: data.user_id,
                username: data.username,
                logout_event_id: event.id,
                ended_at: event.occurred_at,
            };
            Ok(if store.record_logout(&logout).await? { EventOutcome::Recorded } else { EventOutcome::Duplicate })
        }
        _ => Ok(EventOutcome::Ignored),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::adapters::memory::MemorySessions;

    pub(crate) fn login_event(user_id: i64, token_id: Option<&str>) -> EventEnvelope {
        let data = UserLoggedIn {
            user_id,
            username: "alice".into(),
            user_agent: None,
            source_ip: None,
            token_id: token_id.map(str::to_string),
        };
        EventEnvelope::new(USER_LOGGED_IN, "test", data).unwrap()
    }

    fn logout_event(user_id: i64, token_id: &str) -> EventEnvelope {
        let data =
            UserLoggedOut { user_id, username: "alice".into(), session_id: None, token_id: token_id.to_string() };
        EventEnvelope::new(USER_LOGGED_OUT, "test", data).unwrap()
    }

    #[tokio::test]
    async fn redelivered_login_event_changes_nothing() {
        let store = MemorySessions::default();
        let e = login_event(1, None);
        assert_eq!(apply_auth_event(&store, &e).await.unwrap(), EventOutcome::Recorded);
        assert_eq!(apply_auth_event(&store, &e).await.unwrap(), EventOutcome::Duplicate);
        assert_eq!(store.all().len(), 1);
    }

    #[tokio::test]
    async fn a_logout_before_its_login_stays_in_force() {
        let store = MemorySessions::default();
        let logout = logout_event(1, "jti-1");
        assert_eq!(apply_auth_event(&store, &logout).await.unwrap(), EventOutcome::Recorded);
        assert_eq!(apply_auth_event(&store, &logout).await.unwrap(), EventOutcome::Duplicate);
        assert_eq!(apply_auth_event(&store, &login_event(1, Some("jti-1"))).await.unwrap(), EventOutcome::Recorded);
        let sessions = store.all();
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0].status, "ended");
        assert!(sessions[0].started_at.is_some());
    }

    #[tokio::test]
    async fn unknown_event_types_are_ignored_and_bad_data_is_an_error() {
        let store = MemorySessions::default();
        let mut e = login_event(1, None);
        e.event_type = "SomethingElse".into();
        assert_eq!(apply_auth_event(&store, &e).await.unwrap(), EventOutcome::Ignored);
        let mut bad = login_event(1, None);
        bad.data = serde_json::json!({"userId": "not a number"});
        assert_eq!(apply_auth_event(&store, &bad).await.unwrap_err().code(), "INVALID_EVENT");
        let mut bad_logout = logout_event(1, "jti");
        bad_logout.data = serde_json::json!({"userId": 1});
        assert_eq!(apply_auth_event(&store, &bad_logout).await.unwrap_err().code(), "INVALID_EVENT");
    }
}
