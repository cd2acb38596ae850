//! The session API's routes: each checks the bearer's token (and, under `/{userId}`, that the
//! caller is that user or an admin) before touching the session documents.

use crate::domain::auth::{TokenStore, UserStore};
use crate::domain::error::AppError;
use crate::domain::events::EventPublisher;
use crate::domain::outbox::OutboxStore;
use crate::domain::sessions::{Caller, CreateSession, SessionService, SessionStore, UpdateSession, parse_limit};
#[cfg(feature = "openapi")]
use crate::domain::sessions::{SessionList, SessionView, SessionsEnded, TokenVerification};
#[cfg(feature = "openapi")]
use crate::transport::http::ErrorBody;
use crate::transport::http::{self, Body, Request, Response};

#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, list, touch, end, verify, super::health::health),
    modifiers(&OptionalSessionBody, &SessionMetadata)
)]
pub struct Doc;

/// Longest JSON body of a session route.
const MAX_BODY_BYTES: usize = 8 * 1024;

/// The bearer of the request's token.
async fn caller<U: UserStore, T: TokenStore, S, O, Q>(
    service: &SessionService<U, T, S, O, Q>,
    req: &Request,
) -> Result<Caller, AppError> {
    service.authenticate(http::header_str(req, "authorization")).await
}

/// The caller and the `{userId}` of the path, once the caller may act for that user.
async fn owner<U: UserStore, T: TokenStore, S, O, Q>(
    service: &SessionService<U, T, S, O, Q>,
    req: &Request,
) -> Result<(Caller, i64), AppError> {
    service.authorize_owner(http::path_param(req, "userId"), http::header_str(req, "authorization")).await
}

/// Create a session
///
/// Creates an active session document (origin `api`) for the bearer, recording its user agent
/// and source IP, with optional metadata. The body is optional: none means no metadata. When
/// `SESSION_EVENTS_QUEUE_URL` is set, announces `SessionCreated` on `session-events`. Body
/// limit 8 KiB.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/api/sessions", tag = "sessions", operation_id = "createLoginSession",
    security(("bearer" = [])),
    request_body(content = CreateSession, content_type = "application/json",
        description = "Optional: an empty body is the same as `{}`"),
    responses(
        (status = 201, description = "Created", body = SessionView),
        (status = 400, description = "Blank body, not JSON, unknown fields, or metadata not an object, over 4 KiB or with bad keys (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED)", body = ErrorBody),
        (status = 401, description = "Token missing, malformed, invalid, expired or revoked (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED)", body = ErrorBody),
        (status = 413, description = "Body over 8 KiB (PAYLOAD_TOO_LARGE)", body = ErrorBody),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Token store, session store or (with events) database down (TOKEN_STORE_UNAVAILABLE, SESSION_STORE_UNAVAILABLE, DATABASE_UNAVAILABLE)", body = ErrorBody),
    )))]
pub async fn create<U, T, S, O, Q>(
    service: &SessionService<U, T, S, O, Q>,
    req: Request,
) -> Result<Response<Body>, AppError>
where
    U: UserStore,
    T: TokenStore,
    S: SessionStore,
    O: OutboxStore,
    Q: EventPublisher,
{
    let caller = caller(service, &req).await?;
    let body: CreateSession =
        if req.body().is_empty() { CreateSession::default() } else { http::parse_json(&req, MAX_BODY_BYTES)? };
    let created = service.create(&caller, body, &super::super::auth::login_context(&req)).await?;
    Ok(http::json(201, &created))
}

/// List a user's sessions
///
/// The user's sessions (active and ended), newest first. The user themself or an admin only.
/// `userId` is checked before the token.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/sessions/{userId}", tag = "sessions", operation_id = "listLoginSessions",
    security(("bearer" = [])),
    params(
        ("userId" = i64, Path, minimum = 1, example = 42, description = "The user whose sessions to list"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, example = 20, description = "At most this many sessions (1-100, default 20)"),
    ),
    responses(
        (status = 200, description = "The sessions", body = SessionList),
        (status = 400, description = "`userId` not a positive integer, or `limit` out of range (INVALID_USER_ID, INVALID_LIMIT)", body = ErrorBody),
        (status = 401, description = "Token missing, malformed, invalid, expired or revoked (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED)", body = ErrorBody),
        (status = 403, description = "Another user's sessions, and the caller is not an admin (FORBIDDEN)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Token store or session store down (TOKEN_STORE_UNAVAILABLE, SESSION_STORE_UNAVAILABLE)", body = ErrorBody),
    )))]
pub async fn list<U, T, S, O, Q>(
    service: &SessionService<U, T, S, O, Q>,
    req: Request,
) -> Result<Response<Body>, AppError>
where
    U: UserStore,
    T: TokenStore,
    S: SessionStore,
{
    let (_caller, owner) = owner(service, &req).await?;
    let limit = parse_limit(http::query_param(&req, "limit").as_deref())?;
    Ok(http::json(200, &service.list(owner, limit).await?))
}

/// Touch a session
///
/// Sets the session's `lastSeenAt` to now and merges `metadata` into its metadata, key by key.
/// The user themself or an admin only. `userId` is checked before the token. Body limit 8 KiB.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/api/sessions/{userId}", tag = "sessions", operation_id = "touchLoginSession",
    security(("bearer" = [])),
    params(("userId" = i64, Path, minimum = 1, example = 42, description = "The session's user")),
    request_body(content = UpdateSession, content_type = "application/json"),
    responses(
        (status = 200, description = "The session after the change", body = SessionView),
        (status = 400, description = "`userId` not a positive integer; body missing, not JSON, with unknown fields; `sessionId` blank or over 64 characters; metadata not an object, over 4 KiB or with bad keys (INVALID_USER_ID, EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED)", body = ErrorBody),
        (status = 401, description = "Token missing, malformed, invalid, expired or revoked (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED)", body = ErrorBody),
        (status = 403, description = "Another user's session, and the caller is not an admin (FORBIDDEN)", body = ErrorBody),
        (status = 404, description = "The user has no session with that id (SESSION_NOT_FOUND)", body = ErrorBody),
        (status = 413, description = "Body over 8 KiB (PAYLOAD_TOO_LARGE)", body = ErrorBody),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Token store or session store down (TOKEN_STORE_UNAVAILABLE, SESSION_STORE_UNAVAILABLE)", body = ErrorBody),
    )))]
pub async fn touch<U, T, S, O, Q>(
    service: &SessionService<U, T, S, O, Q>,
    req: Request,
) -> Result<Response<Body>, AppError>
where
    U: UserStore,
    T: TokenStore,
    S: SessionStore,
{
    let (_caller, owner) = owner(service, &req).await?;
    let body: UpdateSession = http::parse_json(&req, MAX_BODY_BYTES)?;
    Ok(http::json(200, &service.touch(owner, body).await?))
}

/// End sessions
///
/// Ends one active session (`sessionId`) or, without it, every active session of the user. The
/// user themself or an admin only. `userId` is checked before the token. When
/// `SESSION_EVENTS_QUEUE_URL` is set and something ended, announces `SessionEnded`. This ends
/// session documents only: tokens stay valid until they expire or are logged out.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/api/sessions/{userId}", tag = "sessions", operation_id = "endLoginSessions",
    security(("bearer" = [])),
    params(
        ("userId" = i64, Path, minimum = 1, example = 42, description = "The sessions' user"),
        ("sessionId" = Option<String>, Query, min_length = 1, max_length = 64, pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
            description = "The one session to end (1-64 characters, not blank); all of the user's active sessions when absent"),
    ),
    responses(
        (status = 200, description = "How many sessions ended", body = SessionsEnded),
        (status = 400, description = "`userId` not a positive integer, or `sessionId` blank, over 64 characters or with NUL (INVALID_USER_ID, VALIDATION_FAILED)", body = ErrorBody),
        (status = 401, description = "Token missing, malformed, invalid, expired or revoked (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED)", body = ErrorBody),
        (status = 403, description = "Another user's sessions, and the caller is not an admin (FORBIDDEN)", body = ErrorBody),
        (status = 404, description = "`sessionId` names no active session of the user (SESSION_NOT_FOUND)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Token store, session store or (with events) database down (TOKEN_STORE_UNAVAILABLE, SESSION_STORE_UNAVAILABLE, DATABASE_UNAVAILABLE)", body = ErrorBody),
    )))]
pub async fn end<U, T, S, O, Q>(
    service: &SessionService<U, T, S, O, Q>,
    req: Request,
) -> Result<Response<Body>, AppError>
where
    U: UserStore,
    T: TokenStore,
    S: SessionStore,
    O: OutboxStore,
    Q: EventPublisher,
{
    let (caller, owner) = owner(service, &req).await?;
    let session_id = http::query_param(&req, "sessionId");
    Ok(http::json(200, &service.end(&caller, owner, session_id.as_deref()).await?))
}

/// Verify a token and its session
///
/// The bearer token is valid (signature, expiry, not revoked) and the session its login opened
/// has not been ended. The session document is written from the login event, asynchronously:
/// right after a login it may not exist yet (`session` is then null), which does not make the
/// token invalid.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/sessions/verify", tag = "sessions", operation_id = "verifySessionToken",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The token is valid", body = TokenVerification),
        (status = 401, description = "Token missing, malformed, invalid, expired or revoked, or its session ended (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED, SESSION_ENDED)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Token store or session store down (TOKEN_STORE_UNAVAILABLE, SESSION_STORE_UNAVAILABLE)", body = ErrorBody),
    )))]
pub async fn verify<U, T, S, O, Q>(
    service: &SessionService<U, T, S, O, Q>,
    req: Request,
) -> Result<Response<Body>, AppError>
where
    U: UserStore,
    T: TokenStore,
    S: SessionStore,
{
    let caller = caller(service, &req).await?;
    Ok(http::json(200, &service.verify(caller).await?))
}

/// `POST /api/sessions` takes no body as well as a `CreateSession`. utoipa says "optional" only
/// through `Option<T>`, whose schema would also allow a JSON `null` body, which is refused.
#[cfg(feature = "openapi")]
struct OptionalSessionBody;

#[cfg(feature = "openapi")]
impl utoipa::Modify for OptionalSessionBody {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let operation = doc.paths.paths.get_mut("/api/sessions").and_then(|item| item.post.as_mut());
        if let Some(utoipa::openapi::RefOr::T(body)) = operation.and_then(|op| op.request_body.as_mut()) {
            body.required = Some(utoipa::openapi::Required::False);
        }
    }
}

#[cfg(feature = "openapi")]
const METADATA_VALUE: &str = "SessionMetadataValue";

/// Session metadata (`POST /api/sessions`, `PUT /api/sessions/{userId}`) is a MongoDB document:
/// its keys are not empty, do not start with `$`, have no `.` and (BSON keys being C strings) no
/// NUL, which nested keys cannot have either (400 VALIDATION_FAILED). The derived schema says
/// "an object"; this says which. (Its 4 KiB limit is in the description: JSON Schema cannot
/// bound the size of a document.)
#[cfg(feature = "openapi")]
struct SessionMetadata;

#[cfg(feature = "openapi")]
impl utoipa::Modify for SessionMetadata {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use crate::transport::openapi::{json_object, json_value};
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{ObjectBuilder, Schema};
        let Some(components) = doc.components.as_mut() else { return };
        let description = "Any JSON value whose object keys have no NUL (U+0000), at any depth";
        components.schemas.insert(METADATA_VALUE.to_string(), json_value(METADATA_VALUE, description, false));
        let keys = ObjectBuilder::new().pattern(Some(r"^[^$.\u0000][^.\u0000]*$"));
        let rules = json_object(METADATA_VALUE, keys).build();
        for body in ["CreateSession", "UpdateSession"] {
            let Some(RefOr::T(Schema::Object(body))) = components.schemas.get_mut(body) else { continue };
            if let Some(RefOr::T(Schema::Object(metadata))) = body.properties.get_mut("metadata") {
                metadata.property_names = rules.property_names.clone();
                metadata.additional_properties = rules.additional_properties.clone();
            }
        }
    }
}
