//! `session-recorder`, the consumer of `auth-events`: `UserLoggedIn` records a session,
//! `UserLoggedOut` ends it (whichever arrives first). Idempotent: a redelivered event changes
//! nothing; an error has the message retried (then moved to the DLQ).

use crate::domain::error::AppError;
use crate::domain::events::EventEnvelope;
use crate::domain::sessions::{EventOutcome, SessionStore, apply_auth_event};

pub async fn on_auth_event<S: SessionStore>(sessions: &S, event: EventEnvelope) -> Result<EventOutcome, AppError> {
    apply_auth_event(sessions, &event).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemorySessions;
    use crate::domain::events::{USER_LOGGED_IN, UserLoggedIn};

    #[tokio::test]
    async fn a_login_event_records_its_session_once() {
        let sessions = MemorySessions::default();
        let data = UserLoggedIn {
            user_id: 7,
            username: "zoe".into(),
            user_agent: Some("ua".into()),
            source_ip: None,
            token_id: Some("jti-7".into()),
        };
        let event = EventEnvelope::new(USER_LOGGED_IN, "test", data).unwrap();
        assert_eq!(on_auth_event(&sessions, event.clone()).await.unwrap(), EventOutcome::Recorded);
        assert_eq!(on_auth_event(&sessions, event).await.unwrap(), EventOutcome::Duplicate);
        let recorded = sessions.all();
        assert_eq!(recorded.len(), 1);
        assert_eq!((recorded[0].session_id.as_str(), recorded[0].status.as_str()), ("jti-7", "active"));
    }
}
