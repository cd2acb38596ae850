//! Refresh-token rotation and logout (seed 004). Refresh tokens are opaque, stored hashed,
//! single use; presenting a spent one means it leaked, so the whole family (the login session)
//! is revoked, access tokens included.

use super::{
    Claims, Identity, IssuedToken, StoredRefresh, TokenStore, UserRecord, UserStore, new_refresh_token, refresh_expiry,
    refresh_token_hash,
};
use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::domain::events::{EventEnvelope, USER_LOGGED_OUT, UserLoggedOut};
use crate::domain::outbox::OutboxEntry;
use std::future::Future;
use uuid::Uuid;

#[derive(Debug)]
pub enum Rotation {
    Rotated {
        user: UserRecord,
        session_id: Uuid,
    },
    /// A spent or revoked token was presented: the family is now revoked.
    Reused {
        revoked_access_jtis: Vec<String>,
    },
    Expired,
    Unknown,
}

pub trait RefreshStore: Send + Sync {
    /// Atomically: marks the presented token used and stores `next` in its family — or, when
    /// the presented token was already used or revoked, revokes the family and ends its session.
    fn rotate(
        &self,
        presented_hash: &[u8],
        next: &StoredRefresh,
    ) -> impl Future<Output = Result<Rotation, AppError>> + Send;

    /// Ends the login session (if any) and revokes its refresh tokens, and queues the logout
    /// event, in one transaction. Returns the access-token ids issued in that session.
    fn record_logout(
        &self,
        user_id: i64,
        session_id: Option<Uuid>,
        queue: &str,
        event: &EventEnvelope,
    ) -> impl Future<Output = Result<Vec<String>, AppError>> + Send;
}

pub struct Refreshed {
    pub token: IssuedToken,
    pub refresh_token: String,
    pub session_id: Uuid,
}

/// `POST /api/v1/auth/refresh` request body.
#[derive(Debug, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RefreshRequest {
    /// The refresh token of the last login or refresh (single use). Blank or longer than 128
    /// bytes is answered like an unknown token (401 INVALID_REFRESH_TOKEN).
    #[cfg_attr(
        feature = "openapi",
        schema(example = "q3b2Y1x9Yz8m0n7v6c5x4z3a2s1d0f9g8h7j6k5l4p3", min_length = 1, max_length = 128)
    )]
    pub refresh_token: String,
}

/// The login session a refresh rotated the tokens of.
#[derive(Debug, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionRef {
    pub id: Uuid,
}

/// `data` of `POST /api/v1/auth/refresh`: a new access token and the next refresh token.
#[derive(Debug, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RefreshedTokens {
    /// HS256 JWT for `Authorization: Bearer`, in the same login session.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl")
    )]
    pub access_token: String,
    /// The next refresh token; the one presented is now spent.
    #[cfg_attr(feature = "openapi", schema(example = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5"))]
    pub refresh_token: String,
    pub token_type: super::TokenType,
    /// Seconds until the access token expires.
    #[cfg_attr(feature = "openapi", schema(example = 3600))]
    pub expires_in: u64,
    pub session: SessionRef,
}

impl From<Refreshed> for RefreshedTokens {
    fn from(r: Refreshed) -> Self {
        Self {
            access_token: r.token.token,
            refresh_token: r.refresh_token,
            token_type: super::TokenType::Bearer,
            expires_in: r.token.expires_in,
            session: SessionRef { id: r.session_id },
        }
    }
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
        let family = self.users.record_logout(user_id, session_id, crate::config::AUTH_EVENTS, &event).await?;
        for jti in family.iter().filter(|j| **j != claims.jti) {
            self.token_store.revoke(jti).await?;
        }
        Ok(OutboxEntry { queue: crate::config::AUTH_EVENTS.to_string(), event })
    }
}
