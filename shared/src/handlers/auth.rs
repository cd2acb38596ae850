//! The auth service (port 5001 of the original system): logging in, the caller's profile, a
//! database round trip, a test event, introspection for other services, and its health.

use crate::domain::auth::{
    Auth, Credentials, Identity, IssuedToken, LoginContext, TokenIntrospection, TokenStore, TokenType, UserProfile,
    UserStore,
};
use crate::domain::error::{AppError, ErrorCode};
use crate::domain::events::{AUTH_EVENTS, EventEnvelope, EventPublisher, TEST_EVENT};
use crate::domain::health::{DatabaseInfo, HealthCheck, ServerInfo};
use crate::domain::outbox::{Outbox, OutboxEntry, OutboxStore};
use crate::transport::http::{self, Body, Request, RequestPayloadExt, Response};
#[cfg(feature = "openapi")]
use crate::{domain::auth::Introspection, domain::health::HealthReport, transport::http::ErrorBody};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(login, profile, test_db, test_event, introspect, health))]
pub struct Doc;

/// Longest JSON body of a login.
pub(crate) const MAX_CREDENTIALS_BYTES: usize = 4 * 1024;
/// Longest introspection request (RFC 7662 form or JSON).
const MAX_INTROSPECTION_BYTES: usize = 8 * 1024;

/// Device info of a login: the user agent, and the source IP as API Gateway saw it.
pub(crate) fn login_context(req: &Request) -> LoginContext {
    LoginContext {
        user_agent: http::header_str(req, "user-agent").map(str::to_string),
        source_ip: http::source_ip(req),
    }
}

/// The bearer's user id, from a verified token.
pub(crate) fn user_id(subject: &str) -> Result<i64, AppError> {
    subject.parse().map_err(|_| AppError::new(ErrorCode::InvalidToken, "the token is invalid"))
}

/// `POST /login`: the access token.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    /// HS256 JWT for `Authorization: Bearer`, registered in the token store until it expires
    /// or the user logs out.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl")
    )]
    pub token: String,
    pub token_type: TokenType,
    /// Seconds until the token expires (`JWT_TTL_SECONDS`, 3600 by default).
    #[cfg_attr(feature = "openapi", schema(example = 3600))]
    pub expires_in: u64,
}

impl From<&IssuedToken> for AccessToken {
    fn from(t: &IssuedToken) -> Self {
        Self { token: t.token.clone(), token_type: TokenType::Bearer, expires_in: t.expires_in }
    }
}

/// `GET /test-db`: the database answered.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DatabaseTest {
    /// Always `ok`.
    #[cfg_attr(feature = "openapi", schema(example = "ok"))]
    pub status: &'static str,
    /// What the server reported.
    pub database: ServerInfo,
}

/// `GET /test-event`: a `TestEvent` was queued in the outbox.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TestEventAccepted {
    /// The event's id (UUID v7), as consumers see it.
    pub event_id: uuid::Uuid,
    /// The logical queue it goes to: `auth-events`.
    #[cfg_attr(feature = "openapi", schema(example = "auth-events"))]
    pub queue: &'static str,
    /// Whether it reached SQS already; if not, the outbox relay delivers it shortly.
    pub delivered: bool,
}

/// `POST /auth/introspect` request (RFC 7662 §2.1), form-encoded (or JSON). Other parameters
/// are ignored.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntrospectionRequest {
    /// The access token to introspect. Anything that is not a currently valid token of this
    /// service (malformed, expired, revoked, empty) is simply reported inactive.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")
    )]
    pub token: String,
    /// Accepted and ignored: only access tokens are introspected.
    #[cfg_attr(feature = "openapi", schema(example = "access_token"))]
    pub token_type_hint: Option<String>,
}

/// Log in
///
/// Checks the credentials and issues an HS256 access token (1 hour by default), registered in
/// the token store so that a logout revokes it everywhere. Unknown user and wrong password get
/// the same answer, in the same time. Queues `UserLoggedIn` on `auth-events` (transactional
/// outbox). Body limit 4 KiB.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/login", tag = "auth", operation_id = "login",
    request_body(content = Credentials, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in", body = AccessToken),
        (status = 400, description = "Body missing, not JSON, or fields wrong, missing, unknown, blank or too long, or a username with NUL (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED)", body = ErrorBody),
        (status = 401, description = "Unknown user or wrong password (INVALID_CREDENTIALS)", body = ErrorBody),
        (status = 413, description = "Body over 4 KiB (PAYLOAD_TOO_LARGE)", body = ErrorBody),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Database or token store down (DATABASE_UNAVAILABLE, TOKEN_STORE_UNAVAILABLE); retry after `Retry-After`", body = ErrorBody),
    )))]
pub async fn login<U, T, Q>(auth: &Auth<U, T, Q>, req: Request) -> Result<Response<Body>, AppError>
where
    U: UserStore + OutboxStore,
    T: TokenStore,
    Q: EventPublisher,
{
    let credentials: Credentials = http::parse_json(&req, MAX_CREDENTIALS_BYTES)?;
    let out = auth.identity.login(&credentials, &login_context(&req), "identity.login", false).await?;
    auth.deliver(OutboxEntry { queue: AUTH_EVENTS.into(), event: out.event }).await;
    Ok(http::json(200, &AccessToken::from(&out.token)))
}

/// The caller's profile
///
/// The bearer's account as stored (no password material). Revoked tokens are refused here too.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/profile", tag = "auth", operation_id = "getProfile",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = UserProfile),
        (status = 401, description = "Token missing, malformed, invalid, expired or revoked (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED)", body = ErrorBody),
        (status = 404, description = "The account no longer exists (USER_NOT_FOUND)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Token store or database down (TOKEN_STORE_UNAVAILABLE, DATABASE_UNAVAILABLE)", body = ErrorBody),
    )))]
pub async fn profile<U: UserStore, T: TokenStore>(
    identity: &Identity<U, T>,
    req: Request,
) -> Result<Response<Body>, AppError> {
    let claims = identity.authenticate(http::header_str(&req, "authorization")).await?;
    let profile: UserProfile = identity
        .users
        .profile(user_id(&claims.sub)?)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::UserNotFound, "the account no longer exists"))?;
    Ok(http::json(200, &profile))
}

/// Check the database
///
/// A round trip to PostgreSQL, reporting its version and time. No credentials.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/test-db", tag = "auth", operation_id = "testDatabase",
    responses(
        (status = 200, description = "PostgreSQL answered", body = DatabaseTest),
        (status = 500, description = "The query failed (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "PostgreSQL unreachable (DATABASE_UNAVAILABLE)", body = ErrorBody),
    )))]
pub async fn test_db<D: DatabaseInfo>(db: &D, _req: Request) -> Result<Response<Body>, AppError> {
    let database = db.server_info().await?;
    Ok(http::json(200, &DatabaseTest { status: "ok", database }))
}

/// Publish a test event
///
/// Queues a `TestEvent` (data: the request id) for `auth-events` in the transactional outbox
/// and tries to deliver it at once; if SQS is down the outbox relay delivers it shortly, so the
/// answer is 202 either way. No credentials; every call publishes an event.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/test-event", tag = "auth", operation_id = "testEvent",
    responses(
        (status = 202, description = "Queued (and delivered, when `delivered` is true)", body = TestEventAccepted),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "The outbox (PostgreSQL) is down (DATABASE_UNAVAILABLE)", body = ErrorBody),
    )))]
pub async fn test_event<S, P>(outbox: &Outbox<S, P>, req: Request) -> Result<Response<Body>, AppError>
where
    S: OutboxStore,
    P: EventPublisher,
{
    let data = serde_json::json!({ "requestId": http::request_id(&req) });
    let event = EventEnvelope::new(TEST_EVENT, "identity.test-event", data).map_err(AppError::internal)?;
    let event_id = event.id;
    let delivered = outbox.publish(AUTH_EVENTS, event).await?;
    // 202: accepted; delivered now, or by the outbox relay shortly.
    Ok(http::json(202, &TestEventAccepted { event_id, queue: AUTH_EVENTS, delivered }))
}

/// Introspect a token (RFC 7662)
///
/// For resource servers (the tenant data service), which authenticate with HTTP Basic
/// (a client id and secret of `INTROSPECTION_CLIENTS`). The token is sent form-encoded
/// (`application/x-www-form-urlencoded`, as RFC 7662 says) or as JSON. Any token that is not a
/// currently valid, unrevoked access token of this service is `{"active": false}`. Body limit
/// 8 KiB. A body with any other Content-Type (or none) is answered 400 INVALID_REQUEST.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/auth/introspect", tag = "auth", operation_id = "introspectToken",
    security(("introspectionClient" = [])),
    request_body(content(
        (IntrospectionRequest = "application/x-www-form-urlencoded"),
        (IntrospectionRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "The token's state (and its claims when active)", body = Introspection),
        (status = 400, description = "No `token` parameter, an unparsable body, or an unsupported Content-Type (INVALID_REQUEST)", body = ErrorBody),
        (status = 401, description = "Client authentication failed (INVALID_CLIENT)", body = ErrorBody),
        (status = 413, description = "Body over 8 KiB (PAYLOAD_TOO_LARGE)", body = ErrorBody),
        (status = 503, description = "Token store down (TOKEN_STORE_UNAVAILABLE)", body = ErrorBody),
    )))]
pub async fn introspect<U: UserStore, T: TokenStore>(
    service: &TokenIntrospection<U, T>,
    req: Request,
) -> Result<Response<Body>, AppError> {
    let client = service.clients.authenticate(http::header_str(&req, "authorization"))?;
    if req.body().len() > MAX_INTROSPECTION_BYTES {
        return Err(AppError::new(
            ErrorCode::PayloadTooLarge,
            format!("request body is limited to {MAX_INTROSPECTION_BYTES} bytes"),
        ));
    }
    let body: IntrospectionRequest = req
        .payload()
        .map_err(|_| AppError::new(ErrorCode::InvalidRequest, "expected a form-encoded body with 'token'"))?
        .ok_or_else(|| AppError::new(ErrorCode::InvalidRequest, "the 'token' parameter is required"))?;
    let answer = service.identity.introspect(body.token.trim()).await?;
    tracing::info!(client, active = answer.active, "token introspected");
    Ok(http::json(200, &answer))
}

/// Auth service health
///
/// PostgreSQL and the `auth-events` queue, each checked with a deadline (DEPENDENCY_TIMEOUT_MS).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/auth/health", tag = "auth", operation_id = "authHealth",
    responses(
        (status = 200, description = "Every dependency is up (`status` ok)", body = HealthReport),
        (status = 503, description = "A dependency is down or timed out (`status` unavailable, `code` DEPENDENCY_UNAVAILABLE); the report names it", body = HealthReport),
    )))]
pub async fn health(check: &HealthCheck, _req: Request) -> Result<Response<Body>, AppError> {
    Ok(super::health::report(check).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::auth::TokenService;
    use crate::domain::auth::tokens::tests::{settings, user};

    #[test]
    fn the_access_token_keeps_its_json_shape() {
        let token = TokenService::new(settings(&"k".repeat(32))).issue(&user(String::new())).unwrap();
        let jwt = token.token.clone();
        assert_eq!(
            serde_json::to_value(AccessToken::from(&token)).unwrap(),
            serde_json::json!({ "token": jwt, "tokenType": "Bearer", "expiresIn": 3600 })
        );
    }
}
