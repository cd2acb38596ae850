//! The session documents and the user directory of the session services.

use super::lock;
use crate::domain::error::{AppError, Dependency};
use crate::domain::sessions::{LogoutRecord, NewApiSession, SessionRecord, SessionStore, SessionView, UserDirectory};
use chrono::{DateTime, Utc};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// A session document with what the store keeps besides its view.
#[derive(Debug, Clone)]
struct Stored {
    view: SessionView,
    token_id: Option<String>,
    login_event_id: Option<uuid::Uuid>,
    logout_event_id: Option<uuid::Uuid>,
}

/// Session documents, answered like MongoDB does, and a switch to take the store down.
pub struct MemorySessions {
    sessions: Mutex<Vec<Stored>>,
    up: AtomicBool,
}

impl Default for MemorySessions {
    fn default() -> Self {
        Self { sessions: Mutex::default(), up: AtomicBool::new(true) }
    }
}

impl MemorySessions {
    /// Every session, in the order they were first written.
    pub fn all(&self) -> Vec<SessionView> {
        lock(&self.sessions).iter().map(|s| s.view.clone()).collect()
    }

    /// MongoDB down (false): every call answers 503 SESSION_STORE_UNAVAILABLE.
    pub fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), AppError> {
        if self.up.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(AppError::unavailable(Dependency::Mongo, "the session store is switched off"))
        }
    }
}

fn blank(session_id: String, user_id: i64, username: String, origin: &str) -> SessionView {
    SessionView {
        session_id,
        user_id,
        username,
        status: "active".into(),
        origin: origin.into(),
        started_at: None,
        ended_at: None,
        last_seen_at: None,
        user_agent: None,
        source_ip: None,
        metadata: serde_json::json!({}),
    }
}

impl SessionStore for MemorySessions {
    async fn record_login(&self, s: &SessionRecord) -> Result<bool, AppError> {
        self.check()?;
        let mut all = lock(&self.sessions);
        let id = s.session_id();
        let index = match all.iter().position(|x| x.view.session_id == id) {
            Some(i) => i,
            None => {
                all.push(Stored {
                    view: blank(id, s.user_id, s.username.clone(), "login"),
                    token_id: None,
                    login_event_id: None,
                    logout_event_id: None,
                });
                all.len() - 1
            }
        };
        let stored = &mut all[index];
        if stored.login_event_id == Some(s.login_event_id) {
            return Ok(false);
        }
        // Fills in the details; a logout recorded first keeps the session ended.
        stored.login_event_id = Some(s.login_event_id);
        stored.token_id = s.token_id.clone();
        stored.view.user_id = s.user_id;
        stored.view.username = s.username.clone();
        stored.view.started_at = Some(s.started_at);
        stored.view.user_agent = s.user_agent.clone();
        stored.view.source_ip = s.source_ip.clone();
        Ok(true)
    }

    async fn record_logout(&self, l: &LogoutRecord) -> Result<bool, AppError> {
        self.check()?;
        let mut all = lock(&self.sessions);
        if let Some(stored) = all.iter_mut().find(|x| x.view.session_id == l.session_id) {
            if stored.logout_event_id == Some(l.logout_event_id) {
                return Ok(false);
            }
            stored.logout_event_id = Some(l.logout_event_id);
            stored.view.status = "ended".into();
            stored.view.ended_at = Some(l.ended_at);
            return Ok(true);
        }
        let mut view = blank(l.session_id.clone(), l.user_id, l.username.clone(), "login");
        view.status = "ended".into();
        view.ended_at = Some(l.ended_at);
        all.push(Stored {
            view,
            token_id: Some(l.session_id.clone()),
            login_event_id: None,
            logout_event_id: Some(l.logout_event_id),
        });
        Ok(true)
    }

    async fn last_connection(&self, user_id: i64) -> Result<Option<DateTime<Utc>>, AppError> {
        self.check()?;
        Ok(lock(&self.sessions).iter().filter(|s| s.view.user_id == user_id).filter_map(|s| s.view.started_at).max())
    }

    async fn create(&self, s: &NewApiSession) -> Result<SessionView, AppError> {
        self.check()?;
        let mut view = blank(s.session_id.clone(), s.user_id, s.username.clone(), "api");
        view.started_at = Some(s.now);
        view.last_seen_at = Some(s.now);
        view.user_agent = s.user_agent.clone();
        view.source_ip = s.source_ip.clone();
        view.metadata = s.metadata.clone();
        let mut all = lock(&self.sessions);
        // Like the upsert on a new id: sending it twice changes nothing.
        if !all.iter().any(|x| x.view.session_id == s.session_id) {
            all.push(Stored {
                view: view.clone(),
                token_id: Some(s.token_id.clone()),
                login_event_id: None,
                logout_event_id: None,
            });
        }
        Ok(view)
    }

    async fn list(&self, user_id: i64, limit: i64) -> Result<Vec<SessionView>, AppError> {
        self.check()?;
        let mut found: Vec<SessionView> =
            lock(&self.sessions).iter().filter(|s| s.view.user_id == user_id).map(|s| s.view.clone()).collect();
        // Newest first; sessions without a start (a logout before its login) last, as MongoDB sorts.
        found.sort_by_key(|s| std::cmp::Reverse(s.started_at));
        found.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(found)
    }

    async fn touch(
        &self,
        user_id: i64,
        session_id: &str,
        metadata: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> Result<Option<SessionView>, AppError> {
        self.check()?;
        let mut all = lock(&self.sessions);
        let Some(stored) = all.iter_mut().find(|s| s.view.user_id == user_id && s.view.session_id == session_id) else {
            return Ok(None);
        };
        stored.view.last_seen_at = Some(Utc::now());
        if !stored.view.metadata.is_object() {
            stored.view.metadata = serde_json::json!({});
        }
        if let Some(target) = stored.view.metadata.as_object_mut() {
            for (key, value) in metadata.into_iter().flatten() {
                target.insert(key.clone(), value.clone());
            }
        }
        Ok(Some(stored.view.clone()))
    }

    async fn end(&self, user_id: i64, session_id: Option<&str>) -> Result<u64, AppError> {
        self.check()?;
        let mut ended = 0;
        for stored in lock(&self.sessions).iter_mut() {
            let view = &mut stored.view;
            if view.user_id == user_id && view.status == "active" && session_id.is_none_or(|id| view.session_id == id) {
                view.status = "ended".into();
                view.ended_at = Some(Utc::now());
                ended += 1;
            }
        }
        Ok(ended)
    }

    async fn find_by_token(&self, token_id: &str) -> Result<Option<SessionView>, AppError> {
        self.check()?;
        Ok(lock(&self.sessions)
            .iter()
            .filter(|s| s.token_id.as_deref() == Some(token_id))
            .max_by_key(|s| s.view.started_at)
            .map(|s| s.view.clone()))
    }
}

/// Users by id and name.
#[derive(Default)]
pub struct MemoryUserDirectory(pub Mutex<Vec<(i64, String)>>);

impl MemoryUserDirectory {
    pub fn with<'a>(users: impl IntoIterator<Item = (i64, &'a str)>) -> Self {
        Self(Mutex::new(users.into_iter().map(|(id, name)| (id, name.to_string())).collect()))
    }
}

impl UserDirectory for MemoryUserDirectory {
    async fn user_id_by_username(&self, username: &str) -> Result<Option<i64>, AppError> {
        Ok(lock(&self.0).iter().find(|(_, name)| name.eq_ignore_ascii_case(username)).map(|(id, _)| *id))
    }
}
