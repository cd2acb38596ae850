//! Identity, sessions, SOAP and their health routes (seeds 001 and 002, and seed 004's
//! `/api/v1/auth`): the functions `login`, `profile`, `test-db`, `test-event`, `api-*`,
//! `v1-auth-*`, `introspect`, `last-connection`, `sessions-*`, `register-soap`,
//! `user-lookup-soap` and the health functions of those services.
//!
//! Errors are `ErrorBody`, except under `/api/v1` (`EnvelopeError`) and on the SOAP routes,
//! which answer SOAP 1.1 Faults (`text/xml`) with the error's own HTTP status.

use super::{Envelope, EnvelopeError, ErrorBody, HealthReport};
use crate::adapters::postgres::{DatabaseTest, TestEventAccepted, UserProfile};
use crate::domain::auth::refresh::{RefreshRequest, RefreshedTokens};
use crate::domain::auth::{
    AccessToken, ApiLogin, Credentials, Introspection, IntrospectionRequest, LoggedOut, RegisteredUser, Registration,
    SessionLogin, SessionLogout,
};
use crate::domain::sessions::{
    CreateSession, LastConnection, SessionList, SessionView, SessionsEnded, TokenVerification, UpdateSession,
};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(modifiers(&OptionalSessionBody, &SessionMetadata), paths(
    login,
    profile,
    test_db,
    test_event,
    api_register,
    api_login,
    api_logout,
    v1_login,
    v1_refresh,
    v1_logout,
    introspect,
    last_connection,
    create_session,
    list_sessions,
    touch_session,
    end_sessions,
    verify_session_token,
    soap_register_user,
    soap_registration_wsdl,
    soap_get_user_by_query,
    soap_get_user,
    auth_health,
    api_health,
    connected_health,
    sessions_health,
    user_soap_health,
    user_search_health,
))]
pub(super) struct Doc;

/// `POST /api/sessions` takes no body as well as a `CreateSession`. utoipa says "optional" only
/// through `Option<T>`, whose schema would also allow a JSON `null` body, which is refused.
struct OptionalSessionBody;

impl Modify for OptionalSessionBody {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let operation = doc.paths.paths.get_mut("/api/sessions").and_then(|item| item.post.as_mut());
        if let Some(utoipa::openapi::RefOr::T(body)) = operation.and_then(|op| op.request_body.as_mut()) {
            body.required = Some(utoipa::openapi::Required::False);
        }
    }
}

const METADATA_VALUE: &str = "SessionMetadataValue";

/// Session metadata (`POST /api/sessions`, `PUT /api/sessions/{userId}`) is a MongoDB document:
/// its keys are not empty, do not start with `$`, have no `.` and (BSON keys being C strings) no
/// NUL, which nested keys cannot have either (400 VALIDATION_FAILED). The derived schema says
/// "an object"; this says which. (Its 4 KiB limit is in the description: JSON Schema cannot
/// bound the size of a document.)
struct SessionMetadata;

impl Modify for SessionMetadata {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{ObjectBuilder, Schema};
        let Some(components) = doc.components.as_mut() else { return };
        let description = "Any JSON value whose object keys have no NUL (U+0000), at any depth";
        components.schemas.insert(METADATA_VALUE.to_string(), super::json_value(METADATA_VALUE, description, false));
        let keys = ObjectBuilder::new().pattern(Some(r"^[^$.\u0000][^.\u0000]*$"));
        let rules = super::json_object(METADATA_VALUE, keys).build();
        for body in ["CreateSession", "UpdateSession"] {
            let Some(RefOr::T(Schema::Object(body))) = components.schemas.get_mut(body) else { continue };
            if let Some(RefOr::T(Schema::Object(metadata))) = body.properties.get_mut("metadata") {
                metadata.property_names = rules.property_names.clone();
                metadata.additional_properties = rules.additional_properties.clone();
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------
// SOAP examples: exactly what the writer produces (no indentation) and what the reader accepts.

const SOAP: &str = "text/xml; charset=utf-8";

const REGISTER_USER_REQUEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users">
  <soap:Body>
    <tns:RegisterUser>
      <tns:username>alice</tns:username>
      <tns:email>alice@example.com</tns:email>
      <tns:password>correct horse battery staple</tns:password>
    </tns:RegisterUser>
  </soap:Body>
</soap:Envelope>"#;

const REGISTER_USER_RESPONSE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users"><soap:Body>"#,
    r#"<tns:RegisterUserResponse><tns:userId>42</tns:userId><tns:username>alice</tns:username></tns:RegisterUserResponse>"#,
    r#"</soap:Body></soap:Envelope>"#
);

const GET_USER_REQUEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users">
  <soap:Body>
    <tns:GetUser>
      <tns:username>alice</tns:username>
    </tns:GetUser>
  </soap:Body>
</soap:Envelope>"#;

const GET_USER_RESPONSE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users"><soap:Body>"#,
    r#"<tns:GetUserResponse><tns:id>42</tns:id><tns:username>alice</tns:username></tns:GetUserResponse>"#,
    r#"</soap:Body></soap:Envelope>"#
);

const CLIENT_FAULT: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users"><soap:Body>"#,
    r#"<soap:Fault><faultcode>soap:Client</faultcode><faultstring>no user has that username</faultstring>"#,
    r#"<detail><tns:ServiceFault><tns:code>USER_NOT_FOUND</tns:code><tns:requestId>0d6f9a52-3c1b-4e8a-9f7d-2b5c8e1a4f60</tns:requestId></tns:ServiceFault></detail>"#,
    r#"</soap:Fault></soap:Body></soap:Envelope>"#
);

const SERVER_FAULT: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users"><soap:Body>"#,
    r#"<soap:Fault><faultcode>soap:Server</faultcode><faultstring>postgres is temporarily unavailable, please retry</faultstring>"#,
    r#"<detail><tns:ServiceFault><tns:code>DATABASE_UNAVAILABLE</tns:code><tns:requestId>0d6f9a52-3c1b-4e8a-9f7d-2b5c8e1a4f60</tns:requestId></tns:ServiceFault></detail>"#,
    r#"</soap:Fault></soap:Body></soap:Envelope>"#
);

/// The WSDL as `GET /register?wsdl` answers it for a request to `https://api.example.com/register`.
fn registration_wsdl() -> String {
    crate::transport::soap::wsdl(crate::transport::soap::Service::Registration, "https://api.example.com/register")
}

// ------------------------------------------------------------------------------------------------
// Identity (seed 001)

/// Log in (seed 001)
///
/// Checks the credentials and issues an HS256 access token (1 hour by default), registered in
/// the token store so that a logout revokes it everywhere. Unknown user and wrong password get
/// the same answer, in the same time. Queues `UserLoggedIn` on `auth-events` (transactional
/// outbox). Body limit 4 KiB.
#[utoipa::path(post, path = "/login", tag = "identity", operation_id = "login",
    request_body(content = Credentials, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in", body = AccessToken),
        (status = 400, description = "Body missing, not JSON, or fields wrong, missing, unknown, blank or too long, or a username with NUL (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED)", body = ErrorBody),
        (status = 401, description = "Unknown user or wrong password (INVALID_CREDENTIALS)", body = ErrorBody),
        (status = 413, description = "Body over 4 KiB (PAYLOAD_TOO_LARGE)", body = ErrorBody),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Database or token store down (DATABASE_UNAVAILABLE, TOKEN_STORE_UNAVAILABLE); retry after `Retry-After`", body = ErrorBody),
    ))]
#[allow(dead_code)]
fn login() {}

/// The caller's profile
///
/// The bearer's account as stored (no password material). Revoked tokens are refused here too.
#[utoipa::path(get, path = "/profile", tag = "identity", operation_id = "getProfile",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = UserProfile),
        (status = 401, description = "Token missing, malformed, invalid, expired or revoked (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED)", body = ErrorBody),
        (status = 404, description = "The account no longer exists (USER_NOT_FOUND)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Token store or database down (TOKEN_STORE_UNAVAILABLE, DATABASE_UNAVAILABLE)", body = ErrorBody),
    ))]
#[allow(dead_code)]
fn profile() {}

/// Check the database (seed 001)
///
/// A round trip to PostgreSQL, reporting its version and time. No credentials.
#[utoipa::path(get, path = "/test-db", tag = "identity", operation_id = "testDatabase",
    responses(
        (status = 200, description = "PostgreSQL answered", body = DatabaseTest),
        (status = 500, description = "The query failed (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "PostgreSQL unreachable (DATABASE_UNAVAILABLE)", body = ErrorBody),
    ))]
#[allow(dead_code)]
fn test_db() {}

/// Publish a test event (seed 001)
///
/// Queues a `TestEvent` (data: the request id) for `auth-events` in the transactional outbox
/// and tries to deliver it at once; if SQS is down the outbox relay delivers it shortly, so the
/// answer is 202 either way. No credentials; every call publishes an event.
#[utoipa::path(get, path = "/test-event", tag = "identity", operation_id = "testEvent",
    responses(
        (status = 202, description = "Queued (and delivered, when `delivered` is true)", body = TestEventAccepted),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "The outbox (PostgreSQL) is down (DATABASE_UNAVAILABLE)", body = ErrorBody),
    ))]
#[allow(dead_code)]
fn test_event() {}

// ------------------------------------------------------------------------------------------------
// Identity (seed 002: the bookstore's auth API)

/// Register (seed 002)
///
/// Creates a user with role `user`: username 3-32 of `[A-Za-z0-9_.-]`, a valid email, and a
/// password of at least 10 characters that zxcvbn rates 3 of 4 or better (judged also against
/// the username and email). Username and email are unique, case-insensitively. Queues
/// `UserRegistered` on `user-events`. Body limit 4 KiB.
#[utoipa::path(post, path = "/api/auth/register", tag = "identity", operation_id = "apiRegister",
    request_body(content = Registration, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered", body = RegisteredUser),
        (status = 400, description = "Body missing or not JSON, fields wrong, missing, unknown or invalid, or the password too weak (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED, WEAK_PASSWORD)", body = ErrorBody),
        (status = 409, description = "Username or email already registered (USERNAME_TAKEN, EMAIL_TAKEN)", body = ErrorBody),
        (status = 413, description = "Body over 4 KiB (PAYLOAD_TOO_LARGE)", body = ErrorBody),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Database down (DATABASE_UNAVAILABLE)", body = ErrorBody),
    ))]
#[allow(dead_code)]
fn api_register() {}

/// Log in (seed 002)
///
/// As `POST /login`, answering the token with the user. The token is registered in the token
/// store (DynamoDB, with the token's expiry as TTL) until it expires or the user logs out.
/// Body limit 4 KiB.
#[utoipa::path(post, path = "/api/auth/login", tag = "identity", operation_id = "apiLogin",
    request_body(content = Credentials, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in", body = ApiLogin),
        (status = 400, description = "Body missing, not JSON, or fields wrong, missing, unknown, blank or too long, or a username with NUL (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED)", body = ErrorBody),
        (status = 401, description = "Unknown user or wrong password (INVALID_CREDENTIALS)", body = ErrorBody),
        (status = 413, description = "Body over 4 KiB (PAYLOAD_TOO_LARGE)", body = ErrorBody),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Database or token store down (DATABASE_UNAVAILABLE, TOKEN_STORE_UNAVAILABLE)", body = ErrorBody),
    ))]
#[allow(dead_code)]
fn api_login() {}

/// Log out (seed 002)
///
/// Deletes the bearer's token from the token store: it stops working everywhere at once. A
/// token that belongs to a login session (`/api/v1/auth/login`) also ends that session and
/// revokes its refresh tokens and every access token issued in it. Queues `UserLoggedOut`.
/// No body is read.
#[utoipa::path(post, path = "/api/auth/logout", tag = "identity", operation_id = "apiLogout",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Logged out", body = LoggedOut),
        (status = 401, description = "Token missing, malformed, invalid, expired or already revoked (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Token store or database down (TOKEN_STORE_UNAVAILABLE, DATABASE_UNAVAILABLE)", body = ErrorBody),
    ))]
#[allow(dead_code)]
fn api_logout() {}

// ------------------------------------------------------------------------------------------------
// Identity (seed 004: login sessions and refresh tokens, in the envelope)

/// Log in with a session (seed 004)
///
/// Opens a login session that records the device (user agent, source IP as API Gateway saw
/// it) and answers an access token bound to it (`sid` claim) with an opaque, single-use
/// refresh token (30 days by default). Queues `UserLoggedIn`. Body limit 4 KiB.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "identity", operation_id = "v1Login",
    request_body(content = Credentials, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in (message `logged in`)", body = Envelope<SessionLogin>),
        (status = 400, description = "Body missing, not JSON, or fields wrong, missing, unknown, blank or too long, or a username with NUL (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED)", body = EnvelopeError),
        (status = 401, description = "Unknown user or wrong password (INVALID_CREDENTIALS)", body = EnvelopeError),
        (status = 413, description = "Body over 4 KiB (PAYLOAD_TOO_LARGE)", body = EnvelopeError),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE)", body = EnvelopeError),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = EnvelopeError),
        (status = 503, description = "Database or token store down (DATABASE_UNAVAILABLE, TOKEN_STORE_UNAVAILABLE)", body = EnvelopeError),
    ))]
#[allow(dead_code)]
fn v1_login() {}

/// Refresh the access token (seed 004)
///
/// Rotates the refresh token: the presented one is spent and a new pair is answered, in the
/// same login session. Presenting a spent (or revoked) refresh token means it leaked: the whole
/// session is revoked, its access tokens included, and the answer is 401 REFRESH_TOKEN_REUSED.
/// Body limit 4 KiB.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "identity", operation_id = "v1Refresh",
    request_body(content = RefreshRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "New tokens (message `token refreshed`)", body = Envelope<RefreshedTokens>),
        (status = 400, description = "Body missing, not JSON, or fields wrong, missing or unknown (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED)", body = EnvelopeError),
        (status = 401, description = "Refresh token unknown, blank or too long, expired, or already used (the session is then revoked) (INVALID_REFRESH_TOKEN, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_REUSED)", body = EnvelopeError),
        (status = 413, description = "Body over 4 KiB (PAYLOAD_TOO_LARGE)", body = EnvelopeError),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE)", body = EnvelopeError),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = EnvelopeError),
        (status = 503, description = "Database or token store down (DATABASE_UNAVAILABLE, TOKEN_STORE_UNAVAILABLE)", body = EnvelopeError),
    ))]
#[allow(dead_code)]
fn v1_refresh() {}

/// Log out of the session (seed 004)
///
/// Revokes the bearer's access token and ends its login session: the session's refresh tokens
/// and every access token issued in it stop working. Queues `UserLoggedOut`. No body is read.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "identity", operation_id = "v1Logout",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Logged out (message `logged out`)", body = Envelope<SessionLogout>),
        (status = 401, description = "Token missing, malformed, invalid, expired or already revoked (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED)", body = EnvelopeError),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = EnvelopeError),
        (status = 503, description = "Token store or database down (TOKEN_STORE_UNAVAILABLE, DATABASE_UNAVAILABLE)", body = EnvelopeError),
    ))]
#[allow(dead_code)]
fn v1_logout() {}

/// Introspect a token (RFC 7662)
///
/// For resource servers (the tenant service of seed 003), which authenticate with HTTP Basic
/// (a client id and secret of `INTROSPECTION_CLIENTS`). The token is sent form-encoded
/// (`application/x-www-form-urlencoded`, as RFC 7662 says) or as JSON. Any token that is not a
/// currently valid, unrevoked access token of this service is `{"active": false}`. Body limit
/// 8 KiB. A body with any other Content-Type (or none) is answered 400 INVALID_REQUEST.
#[utoipa::path(post, path = "/auth/introspect", tag = "identity", operation_id = "introspectToken",
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
    ))]
#[allow(dead_code)]
fn introspect() {}

// ------------------------------------------------------------------------------------------------
// Sessions (seeds 000, 001 §3 and §6)

/// A user's last connection
///
/// When the user last logged in (the latest session recorded from login events), as an ISO 8601
/// timestamp and relative to now ("5 minutes ago"). No credentials. User from PostgreSQL,
/// sessions from MongoDB.
#[utoipa::path(get, path = "/last-connection", tag = "sessions", operation_id = "getLastConnection",
    params(
        ("username" = String, Query, min_length = 1, max_length = 64, example = "alice", pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000-\u001f\u007f-\u009f]*$",
            description = "The username (case-insensitive; trimmed; no control characters)"),
    ),
    responses(
        (status = 200, description = "The last connection", body = LastConnection),
        (status = 400, description = "`username` missing or blank, or malformed (MISSING_USERNAME, INVALID_USERNAME)", body = ErrorBody),
        (status = 404, description = "No such user, or the user never connected (USER_NOT_FOUND, NO_CONNECTION)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Database or session store down (DATABASE_UNAVAILABLE, SESSION_STORE_UNAVAILABLE)", body = ErrorBody),
    ))]
#[allow(dead_code)]
fn last_connection() {}

/// Create a session
///
/// Creates an active session document (origin `api`) for the bearer, recording its user agent
/// and source IP, with optional metadata. The body is optional: none means no metadata. When
/// `SESSION_EVENTS_QUEUE_URL` is set, announces `SessionCreated` on `session-events`. Body
/// limit 8 KiB.
#[utoipa::path(post, path = "/api/sessions", tag = "sessions", operation_id = "createLoginSession",
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
    ))]
#[allow(dead_code)]
fn create_session() {}

/// List a user's sessions
///
/// The user's sessions (active and ended), newest first. The user themself or an admin only.
/// `userId` is checked before the token.
#[utoipa::path(get, path = "/api/sessions/{userId}", tag = "sessions", operation_id = "listLoginSessions",
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
    ))]
#[allow(dead_code)]
fn list_sessions() {}

/// Touch a session
///
/// Sets the session's `lastSeenAt` to now and merges `metadata` into its metadata, key by key.
/// The user themself or an admin only. `userId` is checked before the token. Body limit 8 KiB.
#[utoipa::path(put, path = "/api/sessions/{userId}", tag = "sessions", operation_id = "touchLoginSession",
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
    ))]
#[allow(dead_code)]
fn touch_session() {}

/// End sessions
///
/// Ends one active session (`sessionId`) or, without it, every active session of the user. The
/// user themself or an admin only. `userId` is checked before the token. When
/// `SESSION_EVENTS_QUEUE_URL` is set and something ended, announces `SessionEnded`. This ends
/// session documents only: tokens stay valid until they expire or are logged out.
#[utoipa::path(delete, path = "/api/sessions/{userId}", tag = "sessions", operation_id = "endLoginSessions",
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
    ))]
#[allow(dead_code)]
fn end_sessions() {}

/// Verify a token and its session
///
/// The bearer token is valid (signature, expiry, not revoked) and the session its login opened
/// has not been ended. The session document is written from the login event, asynchronously:
/// right after a login it may not exist yet (`session` is then null), which does not make the
/// token invalid.
#[utoipa::path(get, path = "/api/sessions/verify", tag = "sessions", operation_id = "verifySessionToken",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The token is valid", body = TokenVerification),
        (status = 401, description = "Token missing, malformed, invalid, expired or revoked, or its session ended (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED, SESSION_ENDED)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Token store or session store down (TOKEN_STORE_UNAVAILABLE, SESSION_STORE_UNAVAILABLE)", body = ErrorBody),
    ))]
#[allow(dead_code)]
fn verify_session_token() {}

// ------------------------------------------------------------------------------------------------
// SOAP (seed 001 §2 and §5)

/// Register a user over SOAP (seed 001)
///
/// SOAP 1.1, document/literal: a `RegisterUser` envelope in namespace `urn:rust-lambda:users`
/// holding `username`, `email` and `password` (each once, any order; qualified or unqualified)
/// answers a `RegisterUserResponse` with `userId` and `username`. The same rules as
/// `POST /api/auth/register` apply. Queues `UserRegistered` on `user-events`.
///
/// The reader is strict: UTF-8 only, at most 64 KiB, no DOCTYPE (so no entities beyond the XML
/// predefined ones), no processing instructions, nesting at most 32 deep, header entries marked
/// `mustUnderstand="1"` refused. Errors are SOAP 1.1 Faults (`faultcode` soap:Client,
/// soap:VersionMismatch, soap:MustUnderstand or soap:Server; `detail/tns:ServiceFault` holds the
/// stable `code` and the `requestId`) with the error's own HTTP status, not 500 for every fault.
/// The WSDL is at `GET /register?wsdl`.
#[utoipa::path(post, path = "/register", tag = "soap", operation_id = "soapRegisterUser",
    params(
        ("SOAPAction" = Option<String>, Header, nullable = false, example = "\"urn:rust-lambda:users#RegisterUser\"",
            description = "`\"urn:rust-lambda:users#RegisterUser\"`, `\"\"` or absent; any other action is a Client fault (ErrorCode::InvalidSoapAction)"),
    ),
    request_body(content = String, content_type = SOAP,
        description = "A SOAP 1.1 `RegisterUser` envelope (`application/xml` is accepted too; only UTF-8)",
        example = json!(REGISTER_USER_REQUEST)),
    responses(
        (status = 200, description = "Registered: a `RegisterUserResponse` envelope", content_type = SOAP, body = String,
            example = json!(REGISTER_USER_RESPONSE)),
        (status = 400, description = "Client fault: empty body, malformed XML, DOCTYPE, not the expected envelope or operation, wrong SOAPAction, SOAP 1.2 envelope, mustUnderstand header, invalid fields or weak password (EMPTY_BODY, ErrorCode::MalformedXml, ErrorCode::XmlDoctypeForbidden, ErrorCode::InvalidSoapRequest, ErrorCode::InvalidSoapAction, ErrorCode::SoapVersionMismatch, ErrorCode::SoapMustUnderstand, VALIDATION_FAILED, WEAK_PASSWORD)",
            content_type = SOAP, body = String, example = json!(CLIENT_FAULT)),
        (status = 409, description = "Client fault: username or email already registered (USERNAME_TAKEN, EMAIL_TAKEN)", content_type = SOAP, body = String),
        (status = 413, description = "Client fault: body over 64 KiB (PAYLOAD_TOO_LARGE)", content_type = SOAP, body = String),
        (status = 415, description = "Client fault: not text/xml or application/xml, or not UTF-8 (UNSUPPORTED_MEDIA_TYPE)", content_type = SOAP, body = String),
        (status = 500, description = "Server fault: internal error (INTERNAL_ERROR)", content_type = SOAP, body = String),
        (status = 503, description = "Server fault: database down (DATABASE_UNAVAILABLE)", content_type = SOAP, body = String,
            example = json!(SERVER_FAULT)),
    ))]
#[allow(dead_code)]
fn soap_register_user() {}

/// The registration service's WSDL
///
/// WSDL 1.1 of the `RegisterUser` service, its port addressed at the URL the request came to.
/// Only with `?wsdl`: a GET without it is a Client fault.
#[utoipa::path(get, path = "/register", tag = "soap", operation_id = "soapRegistrationWsdl",
    params(
        ("wsdl" = String, Query, allow_reserved, example = "",
            description = "Present (any value, even empty; any case) to get the WSDL"),
    ),
    responses(
        (status = 200, description = "The WSDL 1.1 document", content_type = SOAP, body = String, example = json!(registration_wsdl())),
        (status = 400, description = "Client fault: no `wsdl` parameter (ErrorCode::InvalidSoapRequest)", content_type = SOAP, body = String),
    ))]
#[allow(dead_code)]
fn soap_registration_wsdl() {}

/// Look a user up (seed 001, HTTP GET binding)
///
/// `?username=` answers the same SOAP 1.1 envelope as `POST /user/soap`: a `GetUserResponse`
/// with `id` and `username`, or a Fault (404 USER_NOT_FOUND for an unknown user). With `?wsdl`
/// it answers the service's WSDL 1.1 instead. Strict CORS: only the origin configured in
/// `SOAP_LOOKUP_ALLOWED_ORIGIN` gets `Access-Control-Allow-Origin`; every answer says
/// `Vary: Origin`.
#[utoipa::path(get, path = "/user/soap", tag = "soap", operation_id = "soapGetUserByQuery",
    params(
        ("username" = Option<String>, Query, max_length = 64, example = "alice", pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000-\u001f\u007f-\u009f]*$",
            description = "The username (case-insensitive, trimmed, no control characters); required unless `wsdl` is given"),
        ("wsdl" = Option<String>, Query, allow_reserved,
            description = "Present (any value, even empty; any case) to get the WSDL instead"),
    ),
    responses(
        (status = 200, description = "A `GetUserResponse` envelope, or the WSDL with `?wsdl`", content_type = SOAP, body = String,
            example = json!(GET_USER_RESPONSE)),
        (status = 400, description = "Client fault: `username` missing, blank or malformed (MISSING_USERNAME, INVALID_USERNAME)", content_type = SOAP, body = String),
        (status = 404, description = "Client fault: no user has that username (USER_NOT_FOUND)", content_type = SOAP, body = String,
            example = json!(CLIENT_FAULT)),
        (status = 500, description = "Server fault: internal error (INTERNAL_ERROR)", content_type = SOAP, body = String),
        (status = 503, description = "Server fault: database down (DATABASE_UNAVAILABLE)", content_type = SOAP, body = String,
            example = json!(SERVER_FAULT)),
    ))]
#[allow(dead_code)]
fn soap_get_user_by_query() {}

/// Look a user up over SOAP (seed 001)
///
/// SOAP 1.1, document/literal: a `GetUser` envelope in namespace `urn:rust-lambda:users`
/// holding `username` answers a `GetUserResponse` with `id` and `username`, or a Fault (404
/// USER_NOT_FOUND for an unknown user). The envelope is read as strictly as by
/// `POST /register` (UTF-8, 64 KiB, no DOCTYPE, …). Strict CORS as for `GET /user/soap`.
#[utoipa::path(post, path = "/user/soap", tag = "soap", operation_id = "soapGetUser",
    params(
        ("SOAPAction" = Option<String>, Header, nullable = false, example = "\"urn:rust-lambda:users#GetUser\"",
            description = "`\"urn:rust-lambda:users#GetUser\"`, `\"\"` or absent; any other action is a Client fault (ErrorCode::InvalidSoapAction)"),
    ),
    request_body(content = String, content_type = SOAP,
        description = "A SOAP 1.1 `GetUser` envelope (`application/xml` is accepted too; only UTF-8)",
        example = json!(GET_USER_REQUEST)),
    responses(
        (status = 200, description = "A `GetUserResponse` envelope", content_type = SOAP, body = String,
            example = json!(GET_USER_RESPONSE)),
        (status = 400, description = "Client fault: empty body, malformed XML, DOCTYPE, not the expected envelope or operation, wrong SOAPAction, SOAP 1.2 envelope, mustUnderstand header, `username` blank or malformed (EMPTY_BODY, ErrorCode::MalformedXml, ErrorCode::XmlDoctypeForbidden, ErrorCode::InvalidSoapRequest, ErrorCode::InvalidSoapAction, ErrorCode::SoapVersionMismatch, ErrorCode::SoapMustUnderstand, MISSING_USERNAME, INVALID_USERNAME)",
            content_type = SOAP, body = String),
        (status = 404, description = "Client fault: no user has that username (USER_NOT_FOUND)", content_type = SOAP, body = String,
            example = json!(CLIENT_FAULT)),
        (status = 413, description = "Client fault: body over 64 KiB (PAYLOAD_TOO_LARGE)", content_type = SOAP, body = String),
        (status = 415, description = "Client fault: not text/xml or application/xml, or not UTF-8 (UNSUPPORTED_MEDIA_TYPE)", content_type = SOAP, body = String),
        (status = 500, description = "Server fault: internal error (INTERNAL_ERROR)", content_type = SOAP, body = String),
        (status = 503, description = "Server fault: database down (DATABASE_UNAVAILABLE)", content_type = SOAP, body = String,
            example = json!(SERVER_FAULT)),
    ))]
#[allow(dead_code)]
fn soap_get_user() {}

// ------------------------------------------------------------------------------------------------
// Health

/// Auth service health (seed 001)
///
/// PostgreSQL and the `auth-events` queue, each checked with a deadline (DEPENDENCY_TIMEOUT_MS).
#[utoipa::path(get, path = "/auth/health", tag = "health", operation_id = "authHealth",
    responses(
        (status = 200, description = "Every dependency is up (`status` ok)", body = HealthReport),
        (status = 503, description = "A dependency is down or timed out (`status` unavailable, `code` DEPENDENCY_UNAVAILABLE); the report names it", body = HealthReport),
    ))]
#[allow(dead_code)]
fn auth_health() {}

/// Auth API health (seed 002)
///
/// PostgreSQL and the token store (DynamoDB), each checked with a deadline.
#[utoipa::path(get, path = "/api/health", tag = "health", operation_id = "apiHealth",
    responses(
        (status = 200, description = "Every dependency is up (`status` ok)", body = HealthReport),
        (status = 503, description = "A dependency is down or timed out (`status` unavailable, `code` DEPENDENCY_UNAVAILABLE); the report names it", body = HealthReport),
    ))]
#[allow(dead_code)]
fn api_health() {}

/// Connected-users service health (seed 000)
///
/// PostgreSQL and MongoDB, each checked with a deadline: what `GET /last-connection` needs.
#[utoipa::path(get, path = "/connected/health", tag = "health", operation_id = "connectedHealth",
    responses(
        (status = 200, description = "Every dependency is up (`status` ok)", body = HealthReport),
        (status = 503, description = "A dependency is down or timed out (`status` unavailable, `code` DEPENDENCY_UNAVAILABLE); the report names it", body = HealthReport),
    ))]
#[allow(dead_code)]
fn connected_health() {}

/// Session service health (seed 001)
///
/// PostgreSQL, MongoDB and the token store (DynamoDB) the session API's token checks need, each
/// checked with a deadline. Seed 001's `GET /health`, on its own path.
#[utoipa::path(get, path = "/sessions/health", tag = "health", operation_id = "sessionsHealth",
    responses(
        (status = 200, description = "Every dependency is up (`status` ok)", body = HealthReport),
        (status = 503, description = "A dependency is down or timed out (`status` unavailable, `code` DEPENDENCY_UNAVAILABLE); the report names it", body = HealthReport),
    ))]
#[allow(dead_code)]
fn sessions_health() {}

/// User SOAP service health (seed 001)
///
/// PostgreSQL and the `user-events` queue, each checked with a deadline.
#[utoipa::path(get, path = "/user-soap/health", tag = "health", operation_id = "userSoapHealth",
    responses(
        (status = 200, description = "Every dependency is up (`status` ok)", body = HealthReport),
        (status = 503, description = "A dependency is down or timed out (`status` unavailable, `code` DEPENDENCY_UNAVAILABLE); the report names it", body = HealthReport),
    ))]
#[allow(dead_code)]
fn user_soap_health() {}

/// User Lookup SOAP service health (seed 001)
///
/// PostgreSQL, checked with a deadline.
#[utoipa::path(get, path = "/user-search/health", tag = "health", operation_id = "userSearchHealth",
    responses(
        (status = 200, description = "PostgreSQL is up (`status` ok)", body = HealthReport),
        (status = 503, description = "PostgreSQL is down or timed out (`status` unavailable, `code` DEPENDENCY_UNAVAILABLE)", body = HealthReport),
    ))]
#[allow(dead_code)]
fn user_search_health() {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::http::{Body, Response};
    use crate::transport::soap;

    fn text(resp: Response<Body>) -> String {
        match resp.body() {
            Body::Text(t) => t.clone(),
            other => panic!("text body expected, got {other:?}"),
        }
    }

    #[test]
    fn soap_examples_are_what_the_services_read_and_write() {
        let [u, e, p] =
            soap::parse_envelope(REGISTER_USER_REQUEST.as_bytes(), "RegisterUser", ["username", "email", "password"])
                .unwrap();
        assert_eq!(
            (u.as_str(), e.as_str(), p.as_str()),
            ("alice", "alice@example.com", "correct horse battery staple")
        );
        let [u] = soap::parse_envelope(GET_USER_REQUEST.as_bytes(), "GetUser", ["username"]).unwrap();
        assert_eq!(u, "alice");
        assert_eq!(text(soap::register_user_response(42, "alice").unwrap()), REGISTER_USER_RESPONSE);
        assert_eq!(text(soap::get_user_response(42, "alice").unwrap()), GET_USER_RESPONSE);
        let request_id = "0d6f9a52-3c1b-4e8a-9f7d-2b5c8e1a4f60";
        let not_found = crate::AppError::new(crate::ErrorCode::UserNotFound, "no user has that username");
        assert_eq!(text(soap::fault_response(&not_found, request_id)), CLIENT_FAULT);
        let down = crate::AppError::unavailable(crate::Dependency::Postgres, "connection refused");
        assert_eq!(text(soap::fault_response(&down, request_id)), SERVER_FAULT);
    }
}
