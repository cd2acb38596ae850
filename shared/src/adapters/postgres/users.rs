//! Users: logins, registrations, profiles and lookups.

use super::outbox::insert_claimed_outbox;
use super::refresh::insert_refresh;
use super::{Postgres, db_error, unique_violation};
use crate::domain::auth::{NewUser, RegistrationStore, SessionStart, UserProfile, UserRecord, UserStore};
use crate::domain::error::{AppError, ErrorCode};
use crate::domain::events::EventEnvelope;
use crate::domain::outbox::OutboxEntry;

impl Postgres {
    pub async fn create_user(&self, username: &str, password_hash: &str, role: &str) -> Result<i64, AppError> {
        let client = self.client().await?;
        let row =
            client.query_one(CREATE_USER, &[&username, &password_hash, &role]).await.map_err(
                |e| match unique_violation(&e) {
                    Some(_) => AppError::new(ErrorCode::UsernameTaken, "that username is already registered"),
                    None => db_error(e),
                },
            )?;
        Ok(row.get(0))
    }
}

impl UserStore for Postgres {
    async fn find_by_username(&self, username: &str) -> Result<Option<UserRecord>, AppError> {
        let client = self.client().await?;
        let row = client.query_opt(FIND_BY_USERNAME, &[&username]).await.map_err(db_error)?;
        Ok(row.map(|r| UserRecord {
            id: r.get(0),
            username: r.get(1),
            role: r.get(2),
            password_hash: r.get(3),
            tenant_id: r.get(4),
        }))
    }

    async fn complete_login(
        &self,
        user_id: i64,
        new_hash: Option<String>,
        session: Option<&SessionStart>,
        queue: &str,
        event: &EventEnvelope,
    ) -> Result<(), AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        if let Some(s) = session {
            tx.execute(INSERT_LOGIN_SESSION, &[&s.id, &user_id, &s.user_agent, &s.source_ip])
                .await
                .map_err(db_error)?;
            insert_refresh(&tx, s.id, user_id, &s.refresh).await?;
        }
        tx.execute(RECORD_LOGIN, &[&user_id, &new_hash]).await.map_err(db_error)?;
        insert_claimed_outbox(&tx, queue, event).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn user_exists(&self, subject: &str) -> Result<bool, AppError> {
        let Ok(id) = subject.parse::<i64>() else { return Ok(false) };
        let client = self.client().await?;
        let row = client.query_opt(USER_EXISTS, &[&id]).await.map_err(db_error)?;
        Ok(row.is_some())
    }

    async fn profile(&self, user_id: i64) -> Result<Option<UserProfile>, AppError> {
        let client = self.client().await?;
        let row = client.query_opt(PROFILE, &[&user_id]).await.map_err(db_error)?;
        Ok(row.map(|r| UserProfile {
            id: r.get(0),
            username: r.get(1),
            email: r.get(2),
            role: r.get(3),
            tenant_id: r.get(4),
            created_at: r.get(5),
            last_login_at: r.get(6),
        }))
    }
}

impl RegistrationStore for Postgres {
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
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let row = tx.query_one(INSERT_REGISTERED_USER, &[&username, &email, &password_hash]).await.map_err(|e| {
            match unique_violation(&e) {
                Some("users_email_key") => AppError::new(ErrorCode::EmailTaken, "that email is already registered"),
                Some(_) => AppError::new(ErrorCode::UsernameTaken, "that username is already registered"),
                None => db_error(e),
            }
        })?;
        let user = NewUser {
            id: row.get(0),
            username: row.get(1),
            email: row.get(2),
            role: row.get(3),
            created_at: row.get(4),
        };
        let entry = event(&user)?;
        insert_claimed_outbox(&tx, &entry.queue, &entry.event).await?;
        tx.commit().await.map_err(db_error)?;
        Ok((user, entry))
    }
}

// The statements of this file, one text each (the query plan test plans each row-finding one).
pub const CREATE_USER: &str = "INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3) RETURNING id";
pub const FIND_BY_USERNAME: &str =
    "SELECT id, username, role, password_hash, tenant_id FROM users WHERE lower(username) = lower($1)";
pub const INSERT_LOGIN_SESSION: &str =
    "INSERT INTO login_sessions (id, user_id, user_agent, source_ip) VALUES ($1, $2, $3, $4)";
pub const RECORD_LOGIN: &str = "UPDATE users SET last_login_at = now(), \
     password_hash = COALESCE($2, password_hash), \
     updated_at = CASE WHEN $2::text IS NULL THEN updated_at ELSE now() END \
     WHERE id = $1";
pub const USER_EXISTS: &str = "SELECT 1 FROM users WHERE id = $1";
pub const PROFILE: &str =
    "SELECT id, username, email, role, tenant_id, created_at, last_login_at FROM users WHERE id = $1";
pub const INSERT_REGISTERED_USER: &str = "INSERT INTO users (username, email, password_hash) VALUES ($1, $2, $3) \
     RETURNING id, username, email, role, created_at";
