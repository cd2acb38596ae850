//! The auth service's state: users, the token store, hashing and signing, and where events go.

use super::passwords::PasswordHasher;
use super::tokens::TokenService;
use crate::domain::events::EventPublisher;
use crate::domain::outbox::{OutboxEntry, OutboxStore, deliver_committed};

/// Everything the auth functions share: users, the token store, hashing and signing.
pub struct Identity<U, T> {
    pub users: U,
    pub token_store: T,
    pub hasher: PasswordHasher,
    pub tokens: TokenService,
    pub refresh_ttl: std::time::Duration,
}

/// [`Identity`] with the queue its events are delivered to: what the token-issuing and
/// registering functions share.
pub struct Auth<U, T, Q> {
    pub identity: Identity<U, T>,
    pub events: Q,
}

impl<U: OutboxStore, T, Q: EventPublisher> Auth<U, T, Q> {
    /// Sends an event its transaction committed to the outbox (the relay retries failures).
    pub async fn deliver(&self, entry: OutboxEntry) -> bool {
        deliver_committed(&self.identity.users, &self.events, entry).await
    }
}
