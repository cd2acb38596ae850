//! The bookstore's auth service (its gateway answered on port 8080): JSON registration, login
//! and logout with tokens kept in the token store, and its health.

use crate::domain::auth::{
    Auth, Credentials, LoginOutcome, NewUser, Registrar, Registration, RegistrationStore, TokenStore, UserStore,
    UserSummary,
};
use crate::domain::error::AppError;
use crate::domain::events::{AUTH_EVENTS, EventPublisher};
use crate::domain::health::HealthCheck;
use crate::domain::outbox::{OutboxEntry, OutboxStore};
use crate::transport::http::{self, Body, Request, Response};
#[cfg(feature = "openapi")]
use crate::{domain::health::HealthReport, transport::http::ErrorBody};
use serde::Serialize;

#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(register, login, logout, health))]
pub struct Doc;

/// Longest JSON body of a registration.
const MAX_REGISTRATION_BYTES: usize = 4 * 1024;

/// `POST /api/auth/register`'s answer.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisteredUser {
    pub user: NewUser,
}

/// `POST /api/auth/login`: the access token and the user.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApiLogin {
    /// HS256 JWT for `Authorization: Bearer`.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl")
    )]
    pub token: String,
    /// Seconds until the token expires.
    #[cfg_attr(feature = "openapi", schema(example = 3600))]
    pub expires_in: u64,
    pub user: UserSummary,
}

impl ApiLogin {
    pub fn new(out: &LoginOutcome) -> Self {
        Self { token: out.token.token.clone(), expires_in: out.token.expires_in, user: UserSummary::from(&out.user) }
    }
}

/// `POST /api/auth/logout`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoggedOut {
    /// Always `logged out`.
    #[cfg_attr(feature = "openapi", schema(example = "logged out"))]
    pub message: &'static str,
}

impl LoggedOut {
    pub const fn new() -> Self {
        Self { message: "logged out" }
    }
}

impl Default for LoggedOut {
    fn default() -> Self {
        Self::new()
    }
}

/// Register
///
/// Creates a user with role `user`: username 3-32 of `[A-Za-z0-9_.-]`, a valid email, and a
/// password of at least 10 characters that zxcvbn rates 3 of 4 or better (judged also against
/// the username and email). Username and email are unique, case-insensitively. Queues
/// `UserRegistered` on `user-events`. Body limit 4 KiB.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/api/auth/register", tag = "bookstore auth", operation_id = "apiRegister",
    request_body(content = Registration, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered", body = RegisteredUser),
        (status = 400, description = "Body missing or not JSON, fields wrong, missing, unknown or invalid, or the password too weak (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED, WEAK_PASSWORD)", body = ErrorBody),
        (status = 409, description = "Username or email already registered (USERNAME_TAKEN, EMAIL_TAKEN)", body = ErrorBody),
        (status = 413, description = "Body over 4 KiB (PAYLOAD_TOO_LARGE)", body = ErrorBody),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Database down (DATABASE_UNAVAILABLE)", body = ErrorBody),
    )))]
pub async fn register<S, Q>(registrar: &Registrar<S, Q>, req: Request) -> Result<Response<Body>, AppError>
where
    S: RegistrationStore + OutboxStore,
    Q: EventPublisher,
{
    let registration: Registration = http::parse_json(&req, MAX_REGISTRATION_BYTES)?;
    let user = registrar.register(&registration, "auth.api").await?;
    Ok(http::json(201, &RegisteredUser { user }))
}

/// Log in
///
/// As `POST /login`, answering the token with the user. The token is registered in the token
/// store (DynamoDB, with the token's expiry as TTL) until it expires or the user logs out.
/// Body limit 4 KiB.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/api/auth/login", tag = "bookstore auth", operation_id = "apiLogin",
    request_body(content = Credentials, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in", body = ApiLogin),
        (status = 400, description = "Body missing, not JSON, or fields wrong, missing, unknown, blank or too long, or a username with NUL (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED)", body = ErrorBody),
        (status = 401, description = "Unknown user or wrong password (INVALID_CREDENTIALS)", body = ErrorBody),
        (status = 413, description = "Body over 4 KiB (PAYLOAD_TOO_LARGE)", body = ErrorBody),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Database or token store down (DATABASE_UNAVAILABLE, TOKEN_STORE_UNAVAILABLE)", body = ErrorBody),
    )))]
pub async fn login<U, T, Q>(auth: &Auth<U, T, Q>, req: Request) -> Result<Response<Body>, AppError>
where
    U: UserStore + OutboxStore,
    T: TokenStore,
    Q: EventPublisher,
{
    let credentials: Credentials = http::parse_json(&req, super::auth::MAX_CREDENTIALS_BYTES)?;
    let out = auth.identity.login(&credentials, &super::auth::login_context(&req), "auth.api", false).await?;
    let body = ApiLogin::new(&out);
    auth.deliver(OutboxEntry { queue: AUTH_EVENTS.into(), event: out.event }).await;
    Ok(http::json(200, &body))
}

/// Log out
///
/// Deletes the bearer's token from the token store: it stops working everywhere at once. A
/// token that belongs to a login session (`/api/v1/auth/login`) also ends that session and
/// revokes its refresh tokens and every access token issued in it. Queues `UserLoggedOut`.
/// No body is read.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/api/auth/logout", tag = "bookstore auth", operation_id = "apiLogout",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Logged out", body = LoggedOut),
        (status = 401, description = "Token missing, malformed, invalid, expired or already revoked (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Token store or database down (TOKEN_STORE_UNAVAILABLE, DATABASE_UNAVAILABLE)", body = ErrorBody),
    )))]
pub async fn logout<U, T, Q>(auth: &Auth<U, T, Q>, req: Request) -> Result<Response<Body>, AppError>
where
    U: UserStore + crate::domain::auth::RefreshStore + OutboxStore,
    T: TokenStore,
    Q: EventPublisher,
{
    let claims = auth.identity.authenticate(http::header_str(&req, "authorization")).await?;
    auth.deliver(auth.identity.logout(&claims, "auth.api").await?).await;
    Ok(http::json(200, &LoggedOut::new()))
}

/// Auth API health
///
/// PostgreSQL and the token store (DynamoDB), each checked with a deadline.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/health", tag = "bookstore auth", operation_id = "apiHealth",
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
    use crate::domain::events::EventEnvelope;

    #[test]
    fn login_and_logout_answers_keep_their_json_shape() {
        let token = TokenService::new(settings(&"k".repeat(32))).issue(&user(String::new())).unwrap();
        let jwt = token.token.clone();
        let out = LoginOutcome {
            user: user(String::new()),
            token,
            event: EventEnvelope::new("T", "t", ()).unwrap(),
            session: None,
        };
        assert_eq!(
            serde_json::to_value(ApiLogin::new(&out)).unwrap(),
            serde_json::json!({ "token": jwt, "expiresIn": 3600, "user": { "id": 1, "username": "alice", "role": "user" } })
        );
        assert_eq!(serde_json::to_value(LoggedOut::new()).unwrap(), serde_json::json!({ "message": "logged out" }));
    }
}
