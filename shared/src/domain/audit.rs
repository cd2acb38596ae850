//! Audit trail of user events (consumer of `user-events`): one record per event, written once
//! however often the event is delivered.

use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::domain::events::{EventEnvelope, USER_REGISTERED};
use std::future::Future;

#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub event_id: uuid::Uuid,
    pub event_type: String,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub source: String,
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub data: serde_json::Value,
}

pub trait AuditTrail: Send + Sync {
    /// Stores the record unless one with the same event id exists; true when it was new.
    fn record(&self, record: &AuditRecord) -> impl Future<Output = Result<bool, AppError>> + Send;
}

#[derive(Debug, PartialEq, Eq)]
pub enum AuditOutcome {
    Recorded,
    Duplicate,
    Ignored,
}

pub async fn apply_user_event<A: AuditTrail>(trail: &A, event: &EventEnvelope) -> Result<AuditOutcome, AppError> {
    if event.event_type != USER_REGISTERED {
        return Ok(AuditOutcome::Ignored);
    }
    let user_id = event.data.get("userId").and_then(serde_json::Value::as_i64);
    let username = event.data.get("username").and_then(serde_json::Value::as_str).map(str::to_string);
    if user_id.is_none() || username.is_none() {
        return Err(AppError::new(ErrorCode::InvalidEvent, "UserRegistered needs data.userId and data.username"));
    }
    let record = AuditRecord {
        event_id: event.id,
        event_type: event.event_type.clone(),
        occurred_at: event.occurred_at,
        source: event.source.clone(),
        user_id,
        username,
        data: event.data.clone(),
    };
    Ok(if trail.record(&record).await? { AuditOutcome::Recorded } else { AuditOutcome::Duplicate })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemoryAuditTrail;

    #[tokio::test]
    async fn registrations_are_recorded_once_and_others_ignored() {
        let trail = MemoryAuditTrail::default();
        let e = EventEnvelope::new(USER_REGISTERED, "t", serde_json::json!({"userId": 3, "username": "zoe"})).unwrap();
        assert_eq!(apply_user_event(&trail, &e).await.unwrap(), AuditOutcome::Recorded);
        assert_eq!(apply_user_event(&trail, &e).await.unwrap(), AuditOutcome::Duplicate);
        let recorded = trail.0.lock().unwrap().clone();
        assert_eq!(recorded.len(), 1);
        assert_eq!((recorded[0].user_id, recorded[0].username.as_deref()), (Some(3), Some("zoe")));
        let other = EventEnvelope::new("Other", "t", ()).unwrap();
        assert_eq!(apply_user_event(&trail, &other).await.unwrap(), AuditOutcome::Ignored);
        let bad = EventEnvelope::new(USER_REGISTERED, "t", serde_json::json!({})).unwrap();
        assert_eq!(apply_user_event(&trail, &bad).await.unwrap_err().code(), "INVALID_EVENT");
    }
}
