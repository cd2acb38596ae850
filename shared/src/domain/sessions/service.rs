//! The session service: the bearer's token checked (the auth service's tokens and revocation),
//! the owner-or-admin rule, and the session documents, with `session-events` announcing what
//! changed when that queue is configured.

use super::access::{authorize, parse_user_id};
use super::ports::SessionStore;
use super::records::NewApiSession;
use super::requests::{CreateSession, UpdateSession, malformed_session_id, validate_metadata};
use super::views::{SessionList, SessionView, SessionsEnded, TokenVerification};
use crate::domain::auth::{Claims, Identity, LoginContext, TokenStore, UserStore};
use crate::domain::error::{AppError, ErrorCode};
use crate::domain::events::{EventEnvelope, EventPublisher, SESSION_CREATED, SESSION_ENDED, SESSION_EVENTS};
use crate::domain::outbox::{Outbox, OutboxEntry, OutboxStore};
use std::future::Future;

/// What the session API functions share.
pub struct SessionService<U, T, S, O, Q> {
    /// Token checks: the same tokens and revocation as the auth service.
    pub identity: Identity<U, T>,
    pub sessions: S,
    /// Where changes are announced (`session-events`); None when no queue is configured.
    pub events: Option<Outbox<O, Q>>,
}

/// The bearer of a valid token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub claims: Claims,
    pub user_id: i64,
}

impl<U: UserStore, T: TokenStore, S, O, Q> SessionService<U, T, S, O, Q> {
    /// Checks an `Authorization: Bearer` header (signature, expiry, revocation, user).
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Caller, AppError> {
        let claims = self.identity.authenticate(authorization).await?;
        let user_id = claims.sub.parse().map_err(|_| AppError::new(ErrorCode::InvalidToken, "the token is invalid"))?;
        Ok(Caller { claims, user_id })
    }

    /// The `{userId}` a route names, checked before the token, then against the caller (the
    /// owner or an admin).
    pub async fn authorize_owner(
        &self,
        user_id: Option<&str>,
        authorization: Option<&str>,
    ) -> Result<(Caller, i64), AppError> {
        let owner = parse_user_id(user_id)?;
        let caller = self.authenticate(authorization).await?;
        authorize(caller.user_id, &caller.claims.role, owner)?;
        Ok((caller, owner))
    }
}

impl<U, T, S: SessionStore, O, Q> SessionService<U, T, S, O, Q> {
    /// The user's sessions, newest first.
    pub async fn list(&self, owner: i64, limit: i64) -> Result<SessionList, AppError> {
        let sessions = self.sessions.list(owner, limit).await?;
        Ok(SessionList { user_id: owner, count: sessions.len(), sessions })
    }

    /// Touches one of the user's sessions and merges metadata into it; 404 when there is none.
    pub async fn touch(&self, owner: i64, body: UpdateSession) -> Result<SessionView, AppError> {
        if malformed_session_id(&body.session_id) {
            return Err(AppError::new(ErrorCode::ValidationFailed, "sessionId is required (at most 64 characters)"));
        }
        let metadata = validate_metadata(body.metadata)?;
        self.sessions
            .touch(owner, body.session_id.trim(), Some(&metadata))
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::SessionNotFound, "no such session for this user"))
    }

    /// The caller's token is valid and the session its login opened (if recorded yet) has not
    /// ended.
    pub async fn verify(&self, caller: Caller) -> Result<TokenVerification, AppError> {
        let session = self.sessions.find_by_token(&caller.claims.jti).await?;
        if session.as_ref().is_some_and(|s| s.status == "ended") {
            return Err(AppError::new(ErrorCode::SessionEnded, "the session of this token has ended"));
        }
        // The session document is written from the login event, asynchronously: right after
        // login it may not exist yet, which does not make the token invalid.
        Ok(TokenVerification {
            valid: true,
            user_id: caller.user_id,
            username: caller.claims.username,
            role: caller.claims.role,
            expires_at: caller.claims.exp,
            session,
        })
    }
}

impl<U, T, S: SessionStore, O: OutboxStore, Q: EventPublisher> SessionService<U, T, S, O, Q> {
    /// Creates an active session for the caller (`SessionCreated`).
    pub async fn create(
        &self,
        caller: &Caller,
        body: CreateSession,
        client: &LoginContext,
    ) -> Result<SessionView, AppError> {
        let metadata = validate_metadata(body.metadata)?;
        let session = NewApiSession {
            session_id: uuid::Uuid::now_v7().to_string(),
            user_id: caller.user_id,
            username: caller.claims.username.clone(),
            token_id: caller.claims.jti.clone(),
            user_agent: client.user_agent.clone(),
            source_ip: client.source_ip.clone(),
            metadata: serde_json::Value::Object(metadata),
            now: chrono::Utc::now(),
        };
        let data = serde_json::json!({
            "sessionId": session.session_id,
            "userId": session.user_id,
            "username": session.username,
            "origin": "api",
        });
        let event = EventEnvelope::new(SESSION_CREATED, "sessions.api", data).map_err(AppError::internal)?;
        self.with_event(event, || self.sessions.create(&session), |_| true).await
    }

    /// Ends one active session (`session_id`) or every active session of the user
    /// (`SessionEnded`, when anything ended); 404 when the one named is not active.
    pub async fn end(&self, caller: &Caller, owner: i64, session_id: Option<&str>) -> Result<SessionsEnded, AppError> {
        if session_id.is_some_and(malformed_session_id) {
            return Err(AppError::new(ErrorCode::ValidationFailed, "sessionId must be 1 to 64 characters"));
        }
        let session_id = session_id.map(str::trim);
        let data = serde_json::json!({ "userId": owner, "sessionId": session_id, "endedBy": caller.user_id });
        let event = EventEnvelope::new(SESSION_ENDED, "sessions.api", data).map_err(AppError::internal)?;
        let ended = self.with_event(event, || self.sessions.end(owner, session_id), |n| *n > 0).await?;
        if session_id.is_some() && ended == 0 {
            return Err(AppError::new(ErrorCode::SessionNotFound, "no such active session for this user"));
        }
        Ok(SessionsEnded { user_id: owner, ended })
    }

    /// Runs `change` (a session-store write) and announces it on `session-events`. The event is
    /// put in the outbox *before* the change — the session store and the outbox's database
    /// share no transaction — and discarded if the change fails or `announce` says there is
    /// nothing to tell; so an accepted change is never left unannounced.
    async fn with_event<R, F, Fut>(
        &self,
        event: EventEnvelope,
        change: F,
        announce: impl Fn(&R) -> bool,
    ) -> Result<R, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R, AppError>>,
    {
        let Some(outbox) = &self.events else {
            return change().await;
        };
        outbox.store.enqueue(SESSION_EVENTS, &event).await?;
        let id = event.id;
        match change().await {
            Ok(value) if announce(&value) => {
                outbox.deliver(OutboxEntry { queue: SESSION_EVENTS.into(), event }).await;
                Ok(value)
            }
            outcome => {
                if let Err(e) = outbox.store.mark_delivered(id).await {
                    tracing::warn!(event_id = %id, error = %e, "could not discard an unneeded session event");
                }
                outcome
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::adapters::memory::{MemoryOutbox, MemoryQueue, MemorySessions, MemoryTokens, MemoryUsers};
    use crate::domain::auth::UserRecord;
    use crate::domain::auth::passwords::{MIN_PBKDF2_ITERATIONS, PasswordHasher};
    use crate::domain::auth::tokens::TokenService;
    use crate::domain::auth::tokens::tests::settings;
    use std::time::Duration;

    pub(crate) type Service = SessionService<MemoryUsers, MemoryTokens, MemorySessions, MemoryOutbox, MemoryQueue>;

    fn user(id: i64, username: &str, role: &str) -> UserRecord {
        UserRecord { id, username: username.into(), role: role.into(), password_hash: String::new(), tenant_id: None }
    }

    /// alice (1) and bob (2) are users, root (3) an admin; events on when `events`.
    pub(crate) fn service(events: bool) -> Service {
        SessionService {
            identity: Identity {
                users: MemoryUsers::with([user(1, "alice", "user"), user(2, "bob", "user"), user(3, "root", "admin")]),
                token_store: MemoryTokens::default(),
                hasher: PasswordHasher::new(MIN_PBKDF2_ITERATIONS).unwrap(),
                tokens: TokenService::new(settings(&"k".repeat(32))),
                refresh_ttl: Duration::from_secs(3600),
            },
            sessions: MemorySessions::default(),
            events: events.then(|| Outbox { store: MemoryOutbox::default(), publisher: MemoryQueue::default() }),
        }
    }

    /// An `Authorization` header of a registered token of the user `id`.
    pub(crate) async fn bearer(service: &Service, id: i64) -> String {
        let user = service.identity.users.users.lock().unwrap().iter().find(|u| u.id == id).cloned().unwrap();
        let issued = service.identity.tokens.issue(&user).unwrap();
        service.identity.token_store.register(&issued.claims).await.unwrap();
        format!("Bearer {}", issued.token)
    }

    fn sent(service: &Service) -> Vec<(String, String)> {
        let outbox = service.events.as_ref().unwrap();
        outbox.publisher.sent.lock().unwrap().iter().map(|(q, e)| (q.clone(), e.event_type.clone())).collect()
    }

    #[tokio::test]
    async fn user_ids_are_checked_before_tokens_and_only_owners_and_admins_pass() {
        let service = service(false);
        assert_eq!(service.authorize_owner(Some("x"), None).await.unwrap_err().code(), "INVALID_USER_ID");
        assert_eq!(service.authorize_owner(Some("1"), None).await.unwrap_err().code(), "MISSING_TOKEN");
        let alice = bearer(&service, 1).await;
        assert_eq!(service.authorize_owner(Some("1"), Some(&alice)).await.unwrap().1, 1);
        assert_eq!(service.authorize_owner(Some("2"), Some(&alice)).await.unwrap_err().code(), "FORBIDDEN");
        let root = bearer(&service, 3).await;
        let (caller, owner) = service.authorize_owner(Some(" 2 "), Some(&root)).await.unwrap();
        assert_eq!((caller.user_id, owner), (3, 2));
    }

    #[tokio::test]
    async fn a_created_session_is_announced_when_events_are_on() {
        let service = service(true);
        let caller = service.authenticate(Some(&bearer(&service, 1).await)).await.unwrap();
        let client = LoginContext { user_agent: Some("ua".into()), source_ip: Some("203.0.113.7".into()) };
        let body = CreateSession { metadata: Some(serde_json::json!({"device": "phone"})) };
        let view = service.create(&caller, body, &client).await.unwrap();
        assert_eq!((view.origin.as_str(), view.status.as_str(), view.user_id), ("api", "active", 1));
        assert_eq!(view.metadata, serde_json::json!({"device": "phone"}));
        assert_eq!(view.user_agent.as_deref(), Some("ua"));
        assert_eq!(sent(&service), [(SESSION_EVENTS.to_string(), SESSION_CREATED.to_string())]);
        // Its token finds it.
        assert_eq!(service.verify(caller).await.unwrap().session, Some(view));
    }

    #[tokio::test]
    async fn without_a_queue_nothing_is_queued() {
        let service = service(false);
        let caller = service.authenticate(Some(&bearer(&service, 1).await)).await.unwrap();
        service.create(&caller, CreateSession::default(), &LoginContext::default()).await.unwrap();
        assert_eq!(service.end(&caller, 1, None).await.unwrap().ended, 1);
        assert_eq!(service.sessions.all()[0].status, "ended");
    }

    #[tokio::test]
    async fn an_unneeded_or_failed_change_discards_its_event() {
        let service = service(true);
        let caller = service.authenticate(Some(&bearer(&service, 1).await)).await.unwrap();
        // Nothing to end: no event, and the one queued is discarded.
        assert_eq!(service.end(&caller, 1, None).await.unwrap().ended, 0);
        assert_eq!(service.end(&caller, 1, Some("nope")).await.unwrap_err().code(), "SESSION_NOT_FOUND");
        // The store is down: the error is the answer, and the event is discarded too.
        service.sessions.set_up(false);
        let err = service.create(&caller, CreateSession::default(), &LoginContext::default()).await.unwrap_err();
        assert_eq!(err.code(), "SESSION_STORE_UNAVAILABLE");
        let outbox = service.events.as_ref().unwrap();
        assert!(sent(&service).is_empty());
        assert_eq!(outbox.store.delivered.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn ending_sessions_is_announced_and_counted() {
        let service = service(true);
        let caller = service.authenticate(Some(&bearer(&service, 1).await)).await.unwrap();
        let first = service.create(&caller, CreateSession::default(), &LoginContext::default()).await.unwrap();
        service.create(&caller, CreateSession::default(), &LoginContext::default()).await.unwrap();
        for bad in ["", "  ", &"x".repeat(65)] {
            assert_eq!(service.end(&caller, 1, Some(bad)).await.unwrap_err().code(), "VALIDATION_FAILED");
        }
        let one = service.end(&caller, 1, Some(&format!(" {} ", first.session_id))).await.unwrap();
        assert_eq!(serde_json::to_value(one).unwrap(), serde_json::json!({"userId": 1, "ended": 1}));
        assert_eq!(service.end(&caller, 1, None).await.unwrap().ended, 1);
        let ended: Vec<_> = sent(&service).into_iter().filter(|(_, t)| t == SESSION_ENDED).collect();
        assert_eq!(ended.len(), 2);
    }

    #[tokio::test]
    async fn touching_validates_merges_and_finds_only_the_owners_sessions() {
        let service = service(false);
        let caller = service.authenticate(Some(&bearer(&service, 1).await)).await.unwrap();
        let body = CreateSession { metadata: Some(serde_json::json!({"device": "phone", "app": "web"})) };
        let created = service.create(&caller, body, &LoginContext::default()).await.unwrap();
        let touch = |id: &str, metadata| UpdateSession { session_id: id.into(), metadata };
        assert_eq!(service.touch(1, touch(" ", None)).await.unwrap_err().code(), "VALIDATION_FAILED");
        assert_eq!(service.touch(1, touch("nope", None)).await.unwrap_err().code(), "SESSION_NOT_FOUND");
        assert_eq!(service.touch(2, touch(&created.session_id, None)).await.unwrap_err().code(), "SESSION_NOT_FOUND");
        let bad = touch(&created.session_id, Some(serde_json::json!({"$set": 1})));
        assert_eq!(service.touch(1, bad).await.unwrap_err().code(), "VALIDATION_FAILED");
        let merged =
            service.touch(1, touch(&created.session_id, Some(serde_json::json!({"device": "tablet"})))).await.unwrap();
        assert_eq!(merged.metadata, serde_json::json!({"device": "tablet", "app": "web"}));
        assert!(merged.last_seen_at.is_some());
        let list = service.list(1, 20).await.unwrap();
        assert_eq!((list.user_id, list.count), (1, 1));
    }

    #[tokio::test]
    async fn a_token_whose_session_ended_no_longer_verifies() {
        let service = service(false);
        let caller = service.authenticate(Some(&bearer(&service, 1).await)).await.unwrap();
        // Not recorded yet: valid, without a session.
        let verified = service.verify(caller.clone()).await.unwrap();
        assert!(verified.valid && verified.session.is_none());
        assert_eq!((verified.user_id, verified.username.as_str(), verified.role.as_str()), (1, "alice", "user"));
        service.create(&caller, CreateSession::default(), &LoginContext::default()).await.unwrap();
        service.end(&caller, 1, None).await.unwrap();
        assert_eq!(service.verify(caller).await.unwrap_err().code(), "SESSION_ENDED");
    }
}
