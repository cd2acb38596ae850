//! The chat API's authentication (`/api/v1/auth`): login sessions with device info, refresh
//! tokens that rotate on every use, and logout, answered in the chat envelope.

use crate::domain::auth::{
    Auth, Credentials, Identity, LoginContext, LoginOutcome, LoginSessionStore, RefreshStore, Refreshed, TokenStore,
    TokenType, UserStore, UserSummary,
};
use crate::domain::error::AppError;
use crate::domain::events::{AUTH_EVENTS, EventPublisher};
use crate::domain::outbox::{OutboxEntry, OutboxStore};
use crate::domain::paging::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::transport::http::{self, Body, Enveloped, Request, Response};
#[cfg(feature = "openapi")]
use crate::{
    domain::{auth::LoginSession, paging::Page},
    transport::http::{Envelope, EnvelopeError},
};
use serde::Serialize;
use uuid::Uuid;

#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(login, refresh, logout, sessions))]
pub struct Doc;

/// Longest JSON body of a refresh.
const MAX_REFRESH_BYTES: usize = 4 * 1024;

/// The login session a v1 login opened, with the device info recorded for it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LoginSessionInfo {
    pub id: uuid::Uuid,
    /// The request's `User-Agent`, null when it sent none.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "Mozilla/5.0"))]
    pub user_agent: Option<String>,
    /// The caller's address as API Gateway saw it.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "203.0.113.7"))]
    pub ip: Option<String>,
}

/// `data` of `POST /api/v1/auth/login`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionLogin {
    /// HS256 JWT for `Authorization: Bearer`, tied to the session (`sid` claim).
    #[cfg_attr(
        feature = "openapi",
        schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl")
    )]
    pub access_token: String,
    /// Opaque, single-use refresh token (43 characters, base64url); returned only here and by
    /// `POST /api/v1/auth/refresh`.
    #[cfg_attr(feature = "openapi", schema(example = "q3b2Y1x9Yz8m0n7v6c5x4z3a2s1d0f9g8h7j6k5l4p3"))]
    pub refresh_token: String,
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    #[cfg_attr(feature = "openapi", schema(example = 3600))]
    pub expires_in: u64,
    pub session: LoginSessionInfo,
    pub user: UserSummary,
}

impl SessionLogin {
    /// None when the login opened no session (a login without `with_session`).
    pub fn new(out: &LoginOutcome, context: &LoginContext) -> Option<Self> {
        let (id, refresh_token) = out.session.clone()?;
        Some(Self {
            access_token: out.token.token.clone(),
            refresh_token,
            token_type: TokenType::Bearer,
            expires_in: out.token.expires_in,
            session: LoginSessionInfo { id, user_agent: context.user_agent.clone(), ip: context.source_ip.clone() },
            user: UserSummary::from(&out.user),
        })
    }
}

/// `data` of `POST /api/v1/auth/logout`: the login session that ended.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionLogout {
    /// The token's login session (`sid`); null for a token issued without one (`/login`,
    /// `/api/auth/login`), whose logout revokes only that token.
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<uuid::Uuid>))]
    pub session_id: Option<String>,
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
    pub token_type: TokenType,
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
            token_type: TokenType::Bearer,
            expires_in: r.token.expires_in,
            session: SessionRef { id: r.session_id },
        }
    }
}

/// Log in with a session
///
/// Opens a login session that records the device (user agent, source IP as API Gateway saw
/// it) and answers an access token bound to it (`sid` claim) with an opaque, single-use
/// refresh token (30 days by default). Queues `UserLoggedIn`. Body limit 4 KiB.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/api/v1/auth/login", tag = "chat", operation_id = "v1Login",
    request_body(content = Credentials, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in (message `logged in`)", body = Envelope<SessionLogin>),
        (status = 400, description = "Body missing, not JSON, or fields wrong, missing, unknown, blank or too long, or a username with NUL (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED)", body = EnvelopeError),
        (status = 401, description = "Unknown user or wrong password (INVALID_CREDENTIALS)", body = EnvelopeError),
        (status = 413, description = "Body over 4 KiB (PAYLOAD_TOO_LARGE)", body = EnvelopeError),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE)", body = EnvelopeError),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = EnvelopeError),
        (status = 503, description = "Database or token store down (DATABASE_UNAVAILABLE, TOKEN_STORE_UNAVAILABLE)", body = EnvelopeError),
    )))]
pub async fn login<U, T, Q>(auth: &Auth<U, T, Q>, req: Request) -> Result<Response<Body>, Enveloped>
where
    U: UserStore + OutboxStore,
    T: TokenStore,
    Q: EventPublisher,
{
    let credentials: Credentials = http::parse_json(&req, crate::handlers::auth::MAX_CREDENTIALS_BYTES)?;
    let context = crate::handlers::auth::login_context(&req);
    let out = auth.identity.login(&credentials, &context, "auth.v1", true).await?;
    let body = SessionLogin::new(&out, &context);
    auth.deliver(OutboxEntry { queue: AUTH_EVENTS.into(), event: out.event }).await;
    let body = body.ok_or_else(|| AppError::internal("session login without a session"))?;
    Ok(http::envelope(200, "logged in", &body))
}

/// Refresh the access token
///
/// Rotates the refresh token: the presented one is spent and a new pair is answered, in the
/// same login session. Presenting a spent (or revoked) refresh token means it leaked: the whole
/// session is revoked, its access tokens included, and the answer is 401 REFRESH_TOKEN_REUSED.
/// Body limit 4 KiB.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/api/v1/auth/refresh", tag = "chat", operation_id = "v1Refresh",
    request_body(content = RefreshRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "New tokens (message `token refreshed`)", body = Envelope<RefreshedTokens>),
        (status = 400, description = "Body missing, not JSON, or fields wrong, missing or unknown (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED)", body = EnvelopeError),
        (status = 401, description = "Refresh token unknown, blank or too long, expired, or already used (the session is then revoked) (INVALID_REFRESH_TOKEN, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REUSED)", body = EnvelopeError),
        (status = 413, description = "Body over 4 KiB (PAYLOAD_TOO_LARGE)", body = EnvelopeError),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE)", body = EnvelopeError),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = EnvelopeError),
        (status = 503, description = "Database or token store down (DATABASE_UNAVAILABLE, TOKEN_STORE_UNAVAILABLE)", body = EnvelopeError),
    )))]
pub async fn refresh<U, T>(identity: &Identity<U, T>, req: Request) -> Result<Response<Body>, Enveloped>
where
    U: UserStore + RefreshStore,
    T: TokenStore,
{
    let body: RefreshRequest = http::parse_json(&req, MAX_REFRESH_BYTES)?;
    let refreshed = identity.refresh(&body.refresh_token).await?;
    Ok(http::envelope(200, "token refreshed", &RefreshedTokens::from(refreshed)))
}

/// Log out of the session
///
/// Revokes the bearer's access token and ends its login session: the session's refresh tokens
/// and every access token issued in it stop working. Queues `UserLoggedOut`. No body is read.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/api/v1/auth/logout", tag = "chat", operation_id = "v1Logout",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Logged out (message `logged out`)", body = Envelope<SessionLogout>),
        (status = 401, description = "Token missing, malformed, invalid, expired or already revoked (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED)", body = EnvelopeError),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = EnvelopeError),
        (status = 503, description = "Token store or database down (TOKEN_STORE_UNAVAILABLE, DATABASE_UNAVAILABLE)", body = EnvelopeError),
    )))]
pub async fn logout<U, T, Q>(auth: &Auth<U, T, Q>, req: Request) -> Result<Response<Body>, Enveloped>
where
    U: UserStore + RefreshStore + OutboxStore,
    T: TokenStore,
    Q: EventPublisher,
{
    let claims = auth.identity.authenticate(http::header_str(&req, "authorization")).await?;
    auth.deliver(auth.identity.logout(&claims, "auth.v1").await?).await;
    Ok(http::envelope(200, "logged out", &SessionLogout { session_id: claims.sid }))
}

/// The caller's login sessions
///
/// The devices the caller is logged in on, and was: every login session of the bearer's user,
/// active and ended, newest first, with the user agent and source address recorded at login, the
/// last refresh, when and why it ended, and `current` on the session of this request's token. A
/// page at a time (`?limit=`, `?cursor=` from the previous page).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/v1/auth/sessions", tag = "chat", operation_id = "v1LoginSessions",
    security(("bearer" = [])),
    params(
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, example = 20, description = "At most this many sessions (1-100, default 20)"),
        ("cursor" = Option<String>, Query, nullable = false, pattern = r"^[0-9]{1,18}_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
            description = "The `nextCursor` of the previous page (opaque)"),
    ),
    responses(
        (status = 200, description = "The sessions, newest first (message `login sessions`)", body = Envelope<Page<LoginSession>>),
        (status = 400, description = "`limit` out of range, or a cursor this API did not issue (INVALID_LIMIT, INVALID_CURSOR)", body = EnvelopeError),
        (status = 401, description = "Token missing, malformed, invalid, expired or revoked (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED)", body = EnvelopeError),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = EnvelopeError),
        (status = 503, description = "Token store or database down (TOKEN_STORE_UNAVAILABLE, DATABASE_UNAVAILABLE)", body = EnvelopeError),
    )))]
pub async fn sessions<U, T>(identity: &Identity<U, T>, req: Request) -> Result<Response<Body>, Enveloped>
where
    U: UserStore + LoginSessionStore,
    T: TokenStore,
{
    let claims = identity.authenticate(http::header_str(&req, "authorization")).await?;
    let limit = http::page_limit(&req, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?;
    let page = identity.login_sessions(&claims, limit, http::query_param(&req, "cursor").as_deref()).await?;
    Ok(http::envelope(200, "login sessions", &page))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::auth::TokenService;
    use crate::domain::auth::tokens::tests::{settings, user};
    use crate::domain::events::EventEnvelope;

    #[test]
    fn session_answers_keep_their_json_shape() {
        let token = TokenService::new(settings(&"k".repeat(32))).issue(&user(String::new())).unwrap();
        let jwt = token.token.clone();
        let session = Uuid::now_v7();
        let out = LoginOutcome {
            user: user(String::new()),
            token,
            event: EventEnvelope::new("T", "t", ()).unwrap(),
            session: Some((session, "r".into())),
        };
        let context = LoginContext { user_agent: Some("ua".into()), source_ip: None };
        assert_eq!(
            serde_json::to_value(SessionLogin::new(&out, &context).unwrap()).unwrap(),
            serde_json::json!({
                "accessToken": jwt, "refreshToken": "r", "tokenType": "Bearer", "expiresIn": 3600,
                "session": { "id": session, "userAgent": "ua", "ip": null },
                "user": { "id": 1, "username": "alice", "role": "user" },
            })
        );
        assert_eq!(
            serde_json::to_value(SessionLogout { session_id: None }).unwrap(),
            serde_json::json!({ "sessionId": null })
        );
    }
}
