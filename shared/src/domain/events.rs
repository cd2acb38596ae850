//! The one JSON envelope every event travels in (SQS in place of the seeds' RabbitMQ):
//! `{"id", "type", "occurredAt", "source", "data"}`. Consumers deduplicate by `id`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Logical queue names. Events and the outbox store these, never URLs, so an outbox row written
/// before a redeploy still reaches the right queue (the adapter maps names to URLs).
pub const AUTH_EVENTS: &str = "auth-events";
pub const USER_EVENTS: &str = "user-events";
pub const SESSION_EVENTS: &str = "session-events";

pub const USER_LOGGED_IN: &str = "UserLoggedIn";
pub const USER_LOGGED_OUT: &str = "UserLoggedOut";
pub const USER_REGISTERED: &str = "UserRegistered";
pub const TEST_EVENT: &str = "TestEvent";
pub const SESSION_CREATED: &str = "SessionCreated";
pub const SESSION_ENDED: &str = "SessionEnded";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventEnvelope {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(serialize_with = "rfc3339_millis")]
    pub occurred_at: DateTime<Utc>,
    pub source: String,
    pub data: serde_json::Value,
}

fn rfc3339_millis<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

impl EventEnvelope {
    pub fn new(event_type: &str, source: &str, data: impl Serialize) -> Result<Self, serde_json::Error> {
        Ok(Self {
            // v7: time-ordered, so ids sort like the events happened.
            id: Uuid::now_v7(),
            event_type: event_type.to_string(),
            occurred_at: Utc::now(),
            source: source.to_string(),
            data: serde_json::to_value(data)?,
        })
    }

    pub fn data_as<T: for<'de> Deserialize<'de>>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_value(self.data.clone())
    }
}

/// `data` of `UserLoggedIn`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserLoggedIn {
    pub user_id: i64,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    /// The token's `jti`: ties the session document to the token that opened it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
}

/// `data` of `UserLoggedOut`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserLoggedOut {
    pub user_id: i64,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The `jti` of the token that was logged out: the session it opened ends.
    pub token_id: String,
}

/// Sends an event to a logical queue ("auth-events", "user-events").
pub trait EventPublisher: Send + Sync {
    fn publish(
        &self,
        queue: &str,
        event: &EventEnvelope,
    ) -> impl std::future::Future<Output = Result<(), crate::domain::error::AppError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_round_trips_with_documented_field_names() {
        let e = EventEnvelope::new(
            USER_LOGGED_IN,
            "identity.login",
            UserLoggedIn {
                user_id: 7,
                username: "alice".into(),
                user_agent: None,
                source_ip: Some("127.0.0.1".into()),
                token_id: None,
            },
        )
        .unwrap();
        let json = serde_json::to_value(&e).unwrap();
        for key in ["id", "type", "occurredAt", "source", "data"] {
            assert!(json.get(key).is_some(), "missing {key}");
        }
        assert_eq!(json["data"]["userId"], 7);
        let back: EventEnvelope = serde_json::from_value(json).unwrap();
        assert_eq!(back.id, e.id);
        assert_eq!(back.data_as::<UserLoggedIn>().unwrap().username, "alice");
    }

    #[test]
    fn envelope_rejects_missing_fields() {
        let err = serde_json::from_str::<EventEnvelope>(r#"{"id":"x","type":"T"}"#);
        assert!(err.is_err());
    }
}
