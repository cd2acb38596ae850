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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sessions::service::tests::{Service, bearer, service};
    use crate::transport::http::RequestExt;
    use std::collections::HashMap;

    fn request(method: &str, authorization: Option<&str>, body: &str) -> Request {
        let mut builder = lambda_http::http::Request::builder().method(method).uri("/api/sessions");
        if let Some(value) = authorization {
            builder = builder.header("authorization", value);
        }
        builder.body(Body::Text(body.to_string())).unwrap()
    }

    fn for_user(req: Request, user_id: &str, query: &[(&str, &str)]) -> Request {
        let query: HashMap<String, String> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        req.with_path_parameters(HashMap::from([("userId".to_string(), user_id.to_string())]))
            .with_query_string_parameters(query)
    }

    fn json(resp: &Response<Body>) -> serde_json::Value {
        serde_json::from_slice(resp.body()).unwrap()
    }

    async fn created(service: &Service, authorization: &str) -> serde_json::Value {
        let resp = create(service, request("POST", Some(authorization), "")).await.unwrap();
        assert_eq!(resp.status(), 201);
        json(&resp)
    }

    #[tokio::test]
    async fn a_session_is_created_with_or_without_a_body() {
        let service = service(false);
        let alice = bearer(&service, 1).await;
        let session = created(&service, &alice).await;
        assert_eq!((session["origin"].as_str(), session["metadata"].clone()), (Some("api"), serde_json::json!({})));
        let body = r#"{"metadata": {"device": "phone"}}"#;
        let resp = create(&service, request("POST", Some(&alice), body)).await.unwrap();
        assert_eq!(json(&resp)["metadata"], serde_json::json!({"device": "phone"}));
        let unknown = create(&service, request("POST", Some(&alice), r#"{"other": 1}"#)).await.unwrap_err();
        assert_eq!(unknown.code(), "VALIDATION_FAILED");
        assert_eq!(create(&service, request("POST", None, "")).await.unwrap_err().code(), "MISSING_TOKEN");
    }

    #[tokio::test]
    async fn the_user_id_is_checked_before_the_token_then_the_owner() {
        let service = service(false);
        let no_token = for_user(request("GET", None, ""), "abc", &[]);
        assert_eq!(list(&service, no_token).await.unwrap_err().code(), "INVALID_USER_ID");
        let alice = bearer(&service, 1).await;
        let other = for_user(request("GET", Some(&alice), ""), "2", &[]);
        assert_eq!(list(&service, other).await.unwrap_err().code(), "FORBIDDEN");
        let bad_limit = for_user(request("GET", Some(&alice), ""), "1", &[("limit", "0")]);
        assert_eq!(list(&service, bad_limit).await.unwrap_err().code(), "INVALID_LIMIT");
    }

    #[tokio::test]
    async fn sessions_are_listed_touched_ended_and_verified() {
        let service = service(false);
        let alice = bearer(&service, 1).await;
        let session = created(&service, &alice).await;
        let id = session["sessionId"].as_str().unwrap();

        let listed = list(&service, for_user(request("GET", Some(&alice), ""), "1", &[("limit", "5")])).await.unwrap();
        let listed = json(&listed);
        assert_eq!((listed["userId"].as_i64(), listed["count"].as_u64()), (Some(1), Some(1)));

        let body = format!(r#"{{"sessionId": "{id}", "metadata": {{"device": "tablet"}}}}"#);
        let touched = touch(&service, for_user(request("PUT", Some(&alice), &body), "1", &[])).await.unwrap();
        assert_eq!(json(&touched)["metadata"], serde_json::json!({"device": "tablet"}));
        let missing = touch(&service, for_user(request("PUT", Some(&alice), ""), "1", &[])).await.unwrap_err();
        assert_eq!(missing.code(), "EMPTY_BODY");

        let verified = verify(&service, request("GET", Some(&alice), "")).await.unwrap();
        assert_eq!(json(&verified)["session"]["sessionId"].as_str(), Some(id));

        let one = for_user(request("DELETE", Some(&alice), ""), "1", &[("sessionId", id)]);
        assert_eq!(json(&end(&service, one).await.unwrap()), serde_json::json!({"userId": 1, "ended": 1}));
        let again = for_user(request("DELETE", Some(&alice), ""), "1", &[("sessionId", id)]);
        assert_eq!(end(&service, again).await.unwrap_err().code(), "SESSION_NOT_FOUND");
        assert_eq!(verify(&service, request("GET", Some(&alice), "")).await.unwrap_err().code(), "SESSION_ENDED");
    }
}
