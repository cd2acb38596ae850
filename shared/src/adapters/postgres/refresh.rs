//! Login sessions and their refresh-token families: rotation, reuse detection, logout, listing.

use super::outbox::insert_claimed_outbox;
use super::{Postgres, db_error};
use crate::domain::auth::{LoginSession, LoginSessionStore, RefreshStore, Rotation, StoredRefresh, UserRecord};
use crate::domain::error::AppError;
use crate::domain::events::EventEnvelope;
use crate::domain::paging::Keyset;

pub(super) async fn insert_refresh(
    tx: &deadpool_postgres::Transaction<'_>,
    family: uuid::Uuid,
    user_id: i64,
    refresh: &StoredRefresh,
) -> Result<(), AppError> {
    tx.execute(INSERT_REFRESH, &[&refresh.hash, &family, &user_id, &refresh.access_jti, &refresh.expires_at])
        .await
        .map_err(db_error)?;
    Ok(())
}

impl RefreshStore for Postgres {
    async fn rotate(&self, presented_hash: &[u8], next: &StoredRefresh) -> Result<Rotation, AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let row = tx.query_opt(FIND_FOR_ROTATION, &[&presented_hash]).await.map_err(db_error)?;
        let Some(row) = row else {
            return Ok(Rotation::Unknown);
        };
        let family: uuid::Uuid = row.get(0);
        let spent: bool = row.get(1);
        let expired: bool = row.get(2);
        if spent {
            let revoked = tx.query(REVOKE_FAMILY, &[&family]).await.map_err(db_error)?;
            tx.execute(END_REUSED_SESSION, &[&family]).await.map_err(db_error)?;
            tx.commit().await.map_err(db_error)?;
            return Ok(Rotation::Reused { revoked_access_jtis: revoked.iter().map(|r| r.get(0)).collect() });
        }
        if expired {
            return Ok(Rotation::Expired);
        }
        let user = UserRecord {
            id: row.get(3),
            username: row.get(4),
            role: row.get(5),
            password_hash: row.get(6),
            tenant_id: row.get(7),
        };
        tx.execute(SPEND_REFRESH, &[&presented_hash]).await.map_err(db_error)?;
        tx.execute(TOUCH_SESSION, &[&family]).await.map_err(db_error)?;
        insert_refresh(&tx, family, user.id, next).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(Rotation::Rotated { user, session_id: family })
    }

    async fn record_logout(
        &self,
        user_id: i64,
        session_id: Option<uuid::Uuid>,
        queue: &str,
        event: &EventEnvelope,
    ) -> Result<Vec<String>, AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let mut jtis = Vec::new();
        if let Some(session) = session_id {
            tx.execute(END_SESSION, &[&session, &user_id]).await.map_err(db_error)?;
            let rows = tx.query(REVOKE_SESSION_TOKENS, &[&session, &user_id]).await.map_err(db_error)?;
            jtis = rows.iter().map(|r| r.get(0)).collect();
        }
        insert_claimed_outbox(&tx, queue, event).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(jtis)
    }
}

impl LoginSessionStore for Postgres {
    async fn login_sessions(
        &self,
        user_id: i64,
        before: Option<Keyset>,
        limit: i64,
    ) -> Result<Vec<LoginSession>, AppError> {
        let (at, id) = (before.map(|k| k.created_at), before.map(|k| k.id));
        let client = self.client().await?;
        let rows = client.query(LIST_LOGIN_SESSIONS, &[&user_id, &at, &id, &limit]).await.map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| LoginSession {
                id: r.get(0),
                user_agent: r.get(1),
                ip: r.get(2),
                created_at: r.get(3),
                last_seen_at: r.get(4),
                ended_at: r.get(5),
                end_reason: r.get(6),
                current: false,
            })
            .collect())
    }
}

// The statements of this file, one text each (the query plan test plans each row-finding one).
pub const INSERT_REFRESH: &str =
    "INSERT INTO refresh_tokens (token_hash, family_id, user_id, access_jti, expires_at) VALUES ($1, $2, $3, $4, $5)";
pub const FIND_FOR_ROTATION: &str = "SELECT rt.family_id, rt.used_at IS NOT NULL OR rt.revoked_at IS NOT NULL OR ls.ended_at IS NOT NULL, \
     rt.expires_at < now(), u.id, u.username, u.role, u.password_hash, u.tenant_id \
     FROM refresh_tokens rt JOIN users u ON u.id = rt.user_id JOIN login_sessions ls ON ls.id = rt.family_id \
     WHERE rt.token_hash = $1 FOR UPDATE OF rt";
pub const REVOKE_FAMILY: &str =
    "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE family_id = $1 RETURNING access_jti";
pub const END_REUSED_SESSION: &str = "UPDATE login_sessions SET ended_at = COALESCE(ended_at, now()), end_reason = COALESCE(end_reason, 'refresh_token_reuse') WHERE id = $1";
pub const SPEND_REFRESH: &str = "UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1";
pub const TOUCH_SESSION: &str = "UPDATE login_sessions SET last_seen_at = now() WHERE id = $1";
pub const END_SESSION: &str = "UPDATE login_sessions SET ended_at = COALESCE(ended_at, now()), end_reason = COALESCE(end_reason, 'logout') \
     WHERE id = $1 AND user_id = $2";
pub const REVOKE_SESSION_TOKENS: &str = "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, now()) WHERE family_id = $1 AND user_id = $2 RETURNING access_jti";
/// A page of a user's login sessions, newest first, after the keyset ($2, $3) when given.
pub const LIST_LOGIN_SESSIONS: &str = "SELECT id, user_agent, source_ip, created_at, last_seen_at, ended_at, end_reason \
     FROM login_sessions WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3)) \
     ORDER BY created_at DESC, id DESC LIMIT $4";
