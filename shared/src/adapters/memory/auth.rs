//! Users, their logins, login sessions, registrations and refresh-token families, and the token store.

use super::lock;
use crate::domain::auth::{
    Claims, LoginSession, LoginSessionStore, NewUser, RefreshStore, RegistrationStore, Rotation, SessionStart,
    StoredRefresh, TokenStore, UserProfile, UserRecord, UserStore,
};
use crate::domain::error::{AppError, ErrorCode};
use crate::domain::events::EventEnvelope;
use crate::domain::outbox::OutboxEntry;
use crate::domain::paging::Keyset;
use std::sync::Mutex;
use uuid::Uuid;

/// What a successful login recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletedLogin {
    pub user_id: i64,
    pub new_hash: Option<String>,
    pub queue: String,
}

/// A refresh token as the store keeps it.
struct Refresh {
    hash: Vec<u8>,
    family: Uuid,
    user_id: i64,
    access_jti: String,
    used: bool,
    expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Default)]
pub struct MemoryUsers {
    pub users: Mutex<Vec<UserRecord>>,
    pub logins: Mutex<Vec<CompletedLogin>>,
    /// Events the store committed with its changes (what the outbox would hold).
    pub outbox: Mutex<Vec<OutboxEntry>>,
    refresh: Mutex<Vec<Refresh>>,
    ended_sessions: Mutex<Vec<Uuid>>,
    /// Login sessions with their owner, in the order they were opened.
    sessions: Mutex<Vec<(i64, LoginSession)>>,
}

impl MemoryUsers {
    pub fn with(users: impl IntoIterator<Item = UserRecord>) -> Self {
        Self { users: Mutex::new(users.into_iter().collect()), ..Self::default() }
    }

    fn find(&self, id: i64) -> Option<UserRecord> {
        lock(&self.users).iter().find(|u| u.id == id).cloned()
    }
}

impl UserStore for MemoryUsers {
    async fn find_by_username(&self, username: &str) -> Result<Option<UserRecord>, AppError> {
        Ok(lock(&self.users).iter().find(|u| u.username.eq_ignore_ascii_case(username)).cloned())
    }

    async fn complete_login(
        &self,
        user_id: i64,
        new_hash: Option<String>,
        session: Option<&SessionStart>,
        queue: &str,
        event: &EventEnvelope,
    ) -> Result<(), AppError> {
        if let Some(hash) = &new_hash
            && let Some(user) = lock(&self.users).iter_mut().find(|u| u.id == user_id)
        {
            user.password_hash = hash.clone();
        }
        if let Some(s) = session {
            let now = chrono::Utc::now();
            lock(&self.sessions).push((
                user_id,
                LoginSession {
                    id: s.id,
                    user_agent: s.user_agent.clone(),
                    ip: s.source_ip.clone(),
                    created_at: now,
                    last_seen_at: now,
                    ended_at: None,
                    end_reason: None,
                    current: false,
                },
            ));
            lock(&self.refresh).push(Refresh {
                hash: s.refresh.hash.clone(),
                family: s.id,
                user_id,
                access_jti: s.refresh.access_jti.clone(),
                used: false,
                expires_at: s.refresh.expires_at,
            });
        }
        lock(&self.logins).push(CompletedLogin { user_id, new_hash, queue: queue.to_string() });
        lock(&self.outbox).push(OutboxEntry { queue: queue.to_string(), event: event.clone() });
        Ok(())
    }

    async fn user_exists(&self, subject: &str) -> Result<bool, AppError> {
        Ok(subject.parse().ok().and_then(|id| self.find(id)).is_some())
    }

    async fn profile(&self, user_id: i64) -> Result<Option<UserProfile>, AppError> {
        Ok(self.find(user_id).map(|u| UserProfile {
            id: u.id,
            username: u.username,
            email: None,
            role: u.role,
            tenant_id: u.tenant_id,
            created_at: chrono::DateTime::UNIX_EPOCH,
            last_login_at: None,
        }))
    }
}

impl RegistrationStore for MemoryUsers {
    async fn insert_user<F>(
        &self,
        username: &str,
        email: &str,
        password_hash: &str,
        event: F,
    ) -> Result<(NewUser, OutboxEntry), AppError>
    where
        F: FnOnce(&NewUser) -> Result<OutboxEntry, AppError> + Send,
    {
        let mut users = lock(&self.users);
        if users.iter().any(|u| u.username.eq_ignore_ascii_case(username)) {
            return Err(AppError::new(ErrorCode::UsernameTaken, "that username is already registered"));
        }
        let id = users.iter().map(|u| u.id).max().unwrap_or(0) + 1;
        users.push(UserRecord {
            id,
            username: username.to_string(),
            role: "user".into(),
            password_hash: password_hash.to_string(),
            tenant_id: None,
        });
        let user = NewUser {
            id,
            username: username.to_string(),
            email: email.to_string(),
            role: "user".into(),
            created_at: chrono::Utc::now(),
        };
        let entry = event(&user)?;
        lock(&self.outbox).push(entry.clone());
        Ok((user, entry))
    }
}

impl RefreshStore for MemoryUsers {
    async fn rotate(&self, presented_hash: &[u8], next: &StoredRefresh) -> Result<Rotation, AppError> {
        let mut tokens = lock(&self.refresh);
        let Some(found) = tokens.iter_mut().find(|r| r.hash == presented_hash) else { return Ok(Rotation::Unknown) };
        let family = found.family;
        if found.used || lock(&self.ended_sessions).contains(&family) {
            let revoked = tokens.iter().filter(|r| r.family == family).map(|r| r.access_jti.clone()).collect();
            lock(&self.ended_sessions).push(family);
            return Ok(Rotation::Reused { revoked_access_jtis: revoked });
        }
        if found.expires_at < chrono::Utc::now() {
            return Ok(Rotation::Expired);
        }
        found.used = true;
        let user_id = found.user_id;
        tokens.push(Refresh {
            hash: next.hash.clone(),
            family,
            user_id,
            access_jti: next.access_jti.clone(),
            used: false,
            expires_at: next.expires_at,
        });
        let user = self.find(user_id).ok_or_else(|| AppError::internal("refresh token of a deleted user"))?;
        Ok(Rotation::Rotated { user, session_id: family })
    }

    async fn record_logout(
        &self,
        user_id: i64,
        session_id: Option<Uuid>,
        queue: &str,
        event: &EventEnvelope,
    ) -> Result<Vec<String>, AppError> {
        let mut jtis = Vec::new();
        if let Some(session) = session_id {
            lock(&self.ended_sessions).push(session);
            for (_, s) in lock(&self.sessions).iter_mut().filter(|(owner, s)| *owner == user_id && s.id == session) {
                s.ended_at.get_or_insert_with(chrono::Utc::now);
                s.end_reason.get_or_insert_with(|| "logout".into());
            }
            jtis = lock(&self.refresh)
                .iter()
                .filter(|r| r.family == session && r.user_id == user_id)
                .map(|r| r.access_jti.clone())
                .collect();
        }
        lock(&self.outbox).push(OutboxEntry { queue: queue.to_string(), event: event.clone() });
        Ok(jtis)
    }
}

impl LoginSessionStore for MemoryUsers {
    async fn login_sessions(
        &self,
        user_id: i64,
        before: Option<Keyset>,
        limit: i64,
    ) -> Result<Vec<LoginSession>, AppError> {
        let mut mine: Vec<LoginSession> =
            lock(&self.sessions).iter().filter(|(owner, _)| *owner == user_id).map(|(_, s)| s.clone()).collect();
        mine.sort_by_key(|s| std::cmp::Reverse((s.created_at, s.id)));
        Ok(mine
            .into_iter()
            .filter(|s| before.is_none_or(|k| (s.created_at, s.id) < (k.created_at, k.id)))
            .take(usize::try_from(limit).unwrap_or(0))
            .collect())
    }
}

/// Registered access-token ids; a revoked one is simply gone.
#[derive(Default)]
pub struct MemoryTokens(pub Mutex<Vec<String>>);

impl TokenStore for MemoryTokens {
    async fn register(&self, claims: &Claims) -> Result<(), AppError> {
        lock(&self.0).push(claims.jti.clone());
        Ok(())
    }
    async fn is_active(&self, jti: &str) -> Result<bool, AppError> {
        Ok(lock(&self.0).iter().any(|j| j == jti))
    }
    async fn revoke(&self, jti: &str) -> Result<(), AppError> {
        lock(&self.0).retain(|j| j != jti);
        Ok(())
    }
}
