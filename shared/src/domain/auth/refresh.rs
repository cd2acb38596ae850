//! Refresh-token rotation and logout. Refresh tokens are opaque, stored hashed,
//! single use; presenting a spent one means it leaked, so the whole family (the login session)
//! is revoked, access tokens included.

use super::ports::{RefreshStore, Rotation, StoredRefresh, TokenStore, UserStore};
use super::service::Identity;
use super::tokens::{Claims, IssuedToken, new_refresh_token, refresh_expiry, refresh_token_hash};
use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::domain::events::{AUTH_EVENTS, EventEnvelope, USER_LOGGED_OUT, UserLoggedOut};
use crate::domain::outbox::OutboxEntry;
use uuid::Uuid;

pub struct Refreshed {
    pub token: IssuedToken,
    pub refresh_token: String,
    pub session_id: Uuid,
}

const MAX_REFRESH_TOKEN_LEN: usize = 128;

impl<U: UserStore + RefreshStore, T: TokenStore> Identity<U, T> {
    pub async fn refresh(&self, presented: &str) -> Result<Refreshed, AppError> {
        let presented = presented.trim();
        if presented.is_empty() || presented.len() > MAX_REFRESH_TOKEN_LEN {
            return Err(AppError::new(ErrorCode::InvalidRefreshToken, "the refresh token is invalid"));
        }
        let (plain, hash) = new_refresh_token();
        let jti = Uuid::new_v4().to_string();
        let next = StoredRefresh { hash, expires_at: refresh_expiry(self.refresh_ttl), access_jti: jti.clone() };
        match self.users.rotate(&refresh_token_hash(presented), &next).await? {
            Rotation::Rotated { user, session_id } => {
                let token = self.tokens.issue_with(&user, jti, Some(session_id))?;
                self.token_store.register(&token.claims).await?;
                Ok(Refreshed { token, refresh_token: plain, session_id })
            }
            Rotation::Reused { revoked_access_jtis } => {
                tracing::warn!(revoked = revoked_access_jtis.len(), "refresh token reuse detected; session revoked");
                for jti in &revoked_access_jtis {
                    self.token_store.revoke(jti).await?;
                }
                Err(AppError::new(
                    ErrorCode::RefreshTokenReused,
                    "the refresh token was already used; the session has been revoked",
                ))
            }
            Rotation::Expired => Err(AppError::new(ErrorCode::RefreshTokenExpired, "the refresh token has expired")),
            Rotation::Unknown => Err(AppError::new(ErrorCode::InvalidRefreshToken, "the refresh token is invalid")),
        }
    }

    /// Logs the bearer of `claims` out: the access token stops working everywhere at once,
    /// and with it its login session and refresh tokens. Returns the queued `UserLoggedOut`.
    pub async fn logout(&self, claims: &Claims, source: &str) -> Result<OutboxEntry, AppError> {
        let user_id: i64 =
            claims.sub.parse().map_err(|_| AppError::new(ErrorCode::InvalidToken, "the token is invalid"))?;
        let session_id = claims.sid.as_deref().and_then(|s| Uuid::parse_str(s).ok());
        let event = EventEnvelope::new(
            USER_LOGGED_OUT,
            source,
            UserLoggedOut {
                user_id,
                username: claims.username.clone(),
                session_id: claims.sid.clone(),
                token_id: claims.jti.clone(),
            },
        )
        .map_err(AppError::internal)?;
        self.token_store.revoke(&claims.jti).await?;
        let family = self.users.record_logout(user_id, session_id, AUTH_EVENTS, &event).await?;
        for jti in family.iter().filter(|j| **j != claims.jti) {
            self.token_store.revoke(jti).await?;
        }
        Ok(OutboxEntry { queue: AUTH_EVENTS.to_string(), event })
    }
}
