//! `user-audit`, the consumer of `user-events`: each `UserRegistered` becomes an audit record,
//! once per event id; an error has the message retried (then moved to the DLQ).

use crate::domain::audit::{AuditOutcome, AuditTrail, apply_user_event};
use crate::domain::error::AppError;
use crate::domain::events::EventEnvelope;

pub async fn on_user_event<A: AuditTrail>(trail: &A, event: EventEnvelope) -> Result<AuditOutcome, AppError> {
    apply_user_event(trail, &event).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemoryAuditTrail;
    use crate::domain::events::USER_REGISTERED;

    #[tokio::test]
    async fn a_registration_is_audited_once() {
        let trail = MemoryAuditTrail::default();
        let event =
            EventEnvelope::new(USER_REGISTERED, "test", serde_json::json!({"userId": 5, "username": "ann"})).unwrap();
        assert_eq!(on_user_event(&trail, event.clone()).await.unwrap(), AuditOutcome::Recorded);
        assert_eq!(on_user_event(&trail, event.clone()).await.unwrap(), AuditOutcome::Duplicate);
        assert_eq!(trail.0.lock().unwrap()[0].event_id, event.id);
    }
}
