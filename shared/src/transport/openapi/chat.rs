//! Seed 004's chat backend (`/api/v1`, functions `chat-*`): chat sessions, their messages,
//! vendor and sellers, and user management. Every route takes the access token, counts against
//! the caller's rate limit and answers in the seed's envelope (`Envelope` / `EnvelopeError`). A
//! resource of another user is answered as not found, so ids reveal nothing; admins see
//! everything.

use super::{Envelope, EnvelopeError};
use crate::domain::chat::business::{Seller, Vendor};
use crate::domain::chat::messages::{EditMessage, Message};
use crate::domain::chat::users::{DeletedUser, User};
use crate::domain::chat::{ChatSession, Deleted, Page, SessionInput};
use schemas::{NewMessageBody, NewSellerBody, NewVendorBody, SellerChangeBody, UserUpdateBody, VendorChangeBody};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(
    sessions_create,
    sessions_list,
    sessions_get,
    sessions_update,
    sessions_delete,
    messages_create,
    messages_list,
    messages_get,
    messages_update,
    messages_delete,
    vendors_create,
    vendors_find,
    vendors_get,
    vendors_update,
    vendors_delete,
    sellers_create,
    sellers_list,
    sellers_get,
    sellers_update,
    sellers_delete,
    users_list,
    users_get,
    users_update,
    users_delete,
))]
pub(super) struct Doc;

// What every route may answer besides its own outcomes: the caller is authenticated (401), then
// counted against the rate limit (429); the token store (DynamoDB) and PostgreSQL may be down
// (503), and an unexpected database error is a 500.
const UNAUTHORIZED: &str = "No `Authorization: Bearer` token, or one that is malformed, invalid, expired or revoked \
                            (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED)";
const RATE_LIMITED: &str = "The caller made more than RATE_LIMIT_MAX requests (default 100) in the current window of \
                            RATE_LIMIT_WINDOW ms (default 15 min) (RATE_LIMITED)";
const INTERNAL: &str = "Unexpected error (INTERNAL_ERROR); its detail is logged, and in `detail` only when \
                        APP_ENV/NODE_ENV is `development`";
const UNAVAILABLE: &str = "The token store or the database is unavailable (TOKEN_STORE_UNAVAILABLE, \
                           DATABASE_UNAVAILABLE); retry";
const TOO_LARGE: &str = "Body over 16 KiB (PAYLOAD_TOO_LARGE)";
const NOT_JSON: &str = "A `Content-Type` other than `application/json` or `*+json` (UNSUPPORTED_MEDIA_TYPE)";

// ---- chat sessions ----------------------------------------------------------------------------

/// Create a chat session
///
/// Creates a chat session owned by the caller. The title is trimmed and must then have 1-200
/// characters; unknown fields are refused.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "chat-sessions", operation_id = "chatSessionsCreate",
    security(("bearer" = [])),
    request_body(content = SessionInput, content_type = "application/json"),
    responses(
        (status = 201, description = "The new session (message `session created`)", body = Envelope<ChatSession>),
        (status = 400, description = "Empty body, invalid JSON or invalid fields (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED with `errors`)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 413, description = TOO_LARGE, body = EnvelopeError),
        (status = 415, description = NOT_JSON, body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn sessions_create() {}

/// List chat sessions
///
/// The caller's chat sessions, newest first, a page at a time: pass a page's `nextCursor` as
/// `cursor` for the next one (absent on the last page). An admin may list another user's
/// sessions with `userId`; anyone else gets 403 for a `userId` other than their own.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "chat-sessions", operation_id = "chatSessionsList",
    security(("bearer" = [])),
    params(
        ("limit" = Option<i64>, Query, nullable = false, minimum = 1, maximum = 100, description = "Page size, 1-100 (default 20)"),
        ("cursor" = Option<String>, Query, nullable = false, pattern = r"^[0-9]{1,18}_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
            description = "The `nextCursor` of the previous page (opaque)"),
        ("userId" = Option<i64>, Query, nullable = false, minimum = -9_223_372_036_854_775_807i64, maximum = 9_223_372_036_854_775_807i64, description = "Whose sessions (default: the caller's); another user's for admins only"),
    ),
    responses(
        (status = 200, description = "A page of sessions (message `sessions`)", body = Envelope<Page<ChatSession>>),
        (status = 400, description = "A bad `limit`, `cursor` or `userId` (INVALID_LIMIT, INVALID_CURSOR, INVALID_USER_ID)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 403, description = "`userId` of another user, and the caller is not an admin (FORBIDDEN)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn sessions_list() {}

/// Get a chat session
///
/// One chat session of the caller (any session for an admin); other users' sessions are not found.
#[utoipa::path(get, path = "/api/v1/sessions/{id}", tag = "chat-sessions", operation_id = "chatSessionsGet",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The session's id")),
    responses(
        (status = 200, description = "The session (message `session`)", body = Envelope<ChatSession>),
        (status = 400, description = "The id is not a UUID (INVALID_ID)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such session, or another user's (SESSION_NOT_FOUND)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn sessions_get() {}

/// Rename a chat session
///
/// Replaces the title of a session of the caller (any session for an admin). The title is
/// trimmed and must then have 1-200 characters.
#[utoipa::path(put, path = "/api/v1/sessions/{id}", tag = "chat-sessions", operation_id = "chatSessionsUpdate",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The session's id")),
    request_body(content = SessionInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The renamed session (message `session updated`)", body = Envelope<ChatSession>),
        (status = 400, description = "The id is not a UUID, or an empty body, invalid JSON or invalid fields (INVALID_ID, EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED with `errors`)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such session, or another user's (SESSION_NOT_FOUND)", body = EnvelopeError),
        (status = 413, description = TOO_LARGE, body = EnvelopeError),
        (status = 415, description = NOT_JSON, body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn sessions_update() {}

/// Delete a chat session
///
/// Deletes a session of the caller (any session for an admin) with its messages, vendor and sellers.
#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "chat-sessions", operation_id = "chatSessionsDelete",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The session's id")),
    responses(
        (status = 200, description = "Deleted (message `session deleted`)", body = Envelope<Deleted>),
        (status = 400, description = "The id is not a UUID (INVALID_ID)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such session, or another user's (SESSION_NOT_FOUND)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn sessions_delete() {}

// ---- messages ---------------------------------------------------------------------------------

/// Post a message
///
/// Posts a message to a chat session the caller may see, as the caller. A `text` message has
/// `text` (trimmed, 1-4000 characters) and no media; a `media` message has `mediaUrl` (an
/// absolute URL) and `mediaType` (`image/…`, `video/…` or `audio/…`) and may have a `text`
/// caption.
#[utoipa::path(post, path = "/api/v1/messages", tag = "chat-messages", operation_id = "chatMessagesCreate",
    security(("bearer" = [])),
    request_body(content = NewMessageBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The new message (message `message created`)", body = Envelope<Message>),
        (status = 400, description = "Empty body, invalid JSON or invalid fields, including fields the `kind` requires or forbids (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED with `errors`)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such session, or another user's (SESSION_NOT_FOUND)", body = EnvelopeError),
        (status = 413, description = TOO_LARGE, body = EnvelopeError),
        (status = 415, description = NOT_JSON, body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn messages_create() {}

/// List a session's messages
///
/// The messages of a chat session the caller may see, in the order they were written, a page
/// at a time: pass a page's `nextCursor` as `cursor` for the next one (absent on the last page).
#[utoipa::path(get, path = "/api/v1/messages", tag = "chat-messages", operation_id = "chatMessagesList",
    security(("bearer" = [])),
    params(
        ("sessionId" = Uuid, Query, description = "The chat session"),
        ("limit" = Option<i64>, Query, nullable = false, minimum = 1, maximum = 100, description = "Page size, 1-100 (default 20)"),
        ("cursor" = Option<String>, Query, nullable = false, pattern = "^[0-9]{1,18}$", description = "The `nextCursor` of the previous page (opaque)"),
    ),
    responses(
        (status = 200, description = "A page of messages (message `messages`)", body = Envelope<Page<Message>>),
        (status = 400, description = "A missing or bad `sessionId`, a bad `limit` or `cursor` (INVALID_SESSION_ID, INVALID_LIMIT, INVALID_CURSOR)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such session, or another user's (SESSION_NOT_FOUND)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn messages_list() {}

/// Get a message
///
/// One message of a chat session the caller may see.
#[utoipa::path(get, path = "/api/v1/messages/{id}", tag = "chat-messages", operation_id = "chatMessagesGet",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The message's id")),
    responses(
        (status = 200, description = "The message (message `message`)", body = Envelope<Message>),
        (status = 400, description = "The id is not a UUID (INVALID_ID)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such message, or one in another user's session (MESSAGE_NOT_FOUND)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn messages_get() {}

/// Edit a message
///
/// Replaces the text of a text message and sets its `editedAt`. Only its sender or an admin may
/// edit it; media messages cannot be edited.
#[utoipa::path(put, path = "/api/v1/messages/{id}", tag = "chat-messages", operation_id = "chatMessagesUpdate",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The message's id")),
    request_body(content = EditMessage, content_type = "application/json"),
    responses(
        (status = 200, description = "The edited message (message `message updated`)", body = Envelope<Message>),
        (status = 400, description = "The id is not a UUID, or an empty body, invalid JSON or invalid fields (INVALID_ID, EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED with `errors`)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 403, description = "The caller may see the message but is neither its sender nor an admin (FORBIDDEN)", body = EnvelopeError),
        (status = 404, description = "No such message, or one in another user's session (MESSAGE_NOT_FOUND)", body = EnvelopeError),
        (status = 409, description = "A media message (NOT_A_TEXT_MESSAGE)", body = EnvelopeError),
        (status = 413, description = TOO_LARGE, body = EnvelopeError),
        (status = 415, description = NOT_JSON, body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn messages_update() {}

/// Delete a message
///
/// Deletes a message of a chat session the caller may see (whoever sent it).
#[utoipa::path(delete, path = "/api/v1/messages/{id}", tag = "chat-messages", operation_id = "chatMessagesDelete",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The message's id")),
    responses(
        (status = 200, description = "Deleted (message `message deleted`)", body = Envelope<Deleted>),
        (status = 400, description = "The id is not a UUID (INVALID_ID)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such message, or one in another user's session (MESSAGE_NOT_FOUND)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn messages_delete() {}

// ---- vendors ----------------------------------------------------------------------------------

/// Register a session's vendor
///
/// Registers the vendor of a chat session the caller may see: one vendor per session, and a
/// vendor email (compared without case) is used by one vendor only.
#[utoipa::path(post, path = "/api/v1/vendors", tag = "chat-vendors", operation_id = "chatVendorsCreate",
    security(("bearer" = [])),
    request_body(content = NewVendorBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The new vendor (message `vendor created`)", body = Envelope<Vendor>),
        (status = 400, description = "Empty body, invalid JSON or invalid fields (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED with `errors`)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such session, or another user's (SESSION_NOT_FOUND)", body = EnvelopeError),
        (status = 409, description = "The session has a vendor already, or another vendor uses this email (VENDOR_EXISTS, VENDOR_EMAIL_TAKEN)", body = EnvelopeError),
        (status = 413, description = TOO_LARGE, body = EnvelopeError),
        (status = 415, description = NOT_JSON, body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn vendors_create() {}

/// Get a session's vendor
///
/// The vendor of a chat session the caller may see.
#[utoipa::path(get, path = "/api/v1/vendors", tag = "chat-vendors", operation_id = "chatVendorsFind",
    security(("bearer" = [])),
    params(("sessionId" = Uuid, Query, description = "The chat session")),
    responses(
        (status = 200, description = "The session's vendor (message `vendor`)", body = Envelope<Vendor>),
        (status = 400, description = "A missing or bad `sessionId` (INVALID_SESSION_ID)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such session, or another user's (SESSION_NOT_FOUND); the session has no vendor (VENDOR_NOT_FOUND)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn vendors_find() {}

/// Get a vendor
///
/// One vendor of a chat session the caller may see.
#[utoipa::path(get, path = "/api/v1/vendors/{id}", tag = "chat-vendors", operation_id = "chatVendorsGet",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The vendor's id")),
    responses(
        (status = 200, description = "The vendor (message `vendor`)", body = Envelope<Vendor>),
        (status = 400, description = "The id is not a UUID (INVALID_ID)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such vendor, or the vendor of another user's session (VENDOR_NOT_FOUND)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn vendors_get() {}

/// Replace a vendor's details
///
/// Replaces the name, email and phone of a vendor of a chat session the caller may see (an
/// omitted or null email or phone is cleared). A vendor stays with its session: `sessionId` is
/// refused.
#[utoipa::path(put, path = "/api/v1/vendors/{id}", tag = "chat-vendors", operation_id = "chatVendorsUpdate",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The vendor's id")),
    request_body(content = VendorChangeBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated vendor (message `vendor updated`)", body = Envelope<Vendor>),
        (status = 400, description = "The id is not a UUID, or an empty body, invalid JSON or invalid fields, `sessionId` included (INVALID_ID, EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED with `errors`)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such vendor, or the vendor of another user's session (VENDOR_NOT_FOUND)", body = EnvelopeError),
        (status = 409, description = "Another vendor uses this email (VENDOR_EMAIL_TAKEN)", body = EnvelopeError),
        (status = 413, description = TOO_LARGE, body = EnvelopeError),
        (status = 415, description = NOT_JSON, body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn vendors_update() {}

/// Delete a vendor
///
/// Removes the vendor of a chat session the caller may see.
#[utoipa::path(delete, path = "/api/v1/vendors/{id}", tag = "chat-vendors", operation_id = "chatVendorsDelete",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The vendor's id")),
    responses(
        (status = 200, description = "Deleted (message `vendor deleted`)", body = Envelope<Deleted>),
        (status = 400, description = "The id is not a UUID (INVALID_ID)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such vendor, or the vendor of another user's session (VENDOR_NOT_FOUND)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn vendors_delete() {}

// ---- sellers ----------------------------------------------------------------------------------

/// Add a seller
///
/// Adds a seller with its product to a chat session the caller may see. A seller (by name)
/// lists a product once per session.
#[utoipa::path(post, path = "/api/v1/sellers", tag = "chat-sellers", operation_id = "chatSellersCreate",
    security(("bearer" = [])),
    request_body(content = NewSellerBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The new seller (message `seller created`)", body = Envelope<Seller>),
        (status = 400, description = "Empty body, invalid JSON or invalid fields (EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED with `errors`)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such session, or another user's (SESSION_NOT_FOUND)", body = EnvelopeError),
        (status = 409, description = "This seller lists this product in this session already (SELLER_PRODUCT_EXISTS)", body = EnvelopeError),
        (status = 413, description = TOO_LARGE, body = EnvelopeError),
        (status = 415, description = NOT_JSON, body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn sellers_create() {}

/// List a session's sellers
///
/// The sellers of a chat session the caller may see, in the order they were added, a page at a
/// time: pass a page's `nextCursor` as `cursor` for the next one (absent on the last page).
#[utoipa::path(get, path = "/api/v1/sellers", tag = "chat-sellers", operation_id = "chatSellersList",
    security(("bearer" = [])),
    params(
        ("sessionId" = Uuid, Query, description = "The chat session"),
        ("limit" = Option<i64>, Query, nullable = false, minimum = 1, maximum = 100, description = "Page size, 1-100 (default 20)"),
        ("cursor" = Option<String>, Query, nullable = false, pattern = r"^[0-9]{1,18}_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
            description = "The `nextCursor` of the previous page (opaque)"),
    ),
    responses(
        (status = 200, description = "A page of sellers (message `sellers`)", body = Envelope<Page<Seller>>),
        (status = 400, description = "A missing or bad `sessionId`, a bad `limit` or `cursor` (INVALID_SESSION_ID, INVALID_LIMIT, INVALID_CURSOR)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such session, or another user's (SESSION_NOT_FOUND)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn sellers_list() {}

/// Get a seller
///
/// One seller of a chat session the caller may see.
#[utoipa::path(get, path = "/api/v1/sellers/{id}", tag = "chat-sellers", operation_id = "chatSellersGet",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The seller's id")),
    responses(
        (status = 200, description = "The seller (message `seller`)", body = Envelope<Seller>),
        (status = 400, description = "The id is not a UUID (INVALID_ID)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such seller, or a seller of another user's session (SELLER_NOT_FOUND)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn sellers_get() {}

/// Replace a seller's details
///
/// Replaces the name, product, price and currency of a seller of a chat session the caller may
/// see. A seller stays with its session: `sessionId` is refused.
#[utoipa::path(put, path = "/api/v1/sellers/{id}", tag = "chat-sellers", operation_id = "chatSellersUpdate",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The seller's id")),
    request_body(content = SellerChangeBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated seller (message `seller updated`)", body = Envelope<Seller>),
        (status = 400, description = "The id is not a UUID, or an empty body, invalid JSON or invalid fields, `sessionId` included (INVALID_ID, EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED with `errors`)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such seller, or a seller of another user's session (SELLER_NOT_FOUND)", body = EnvelopeError),
        (status = 409, description = "A seller of that name lists that product in this session already (SELLER_PRODUCT_EXISTS)", body = EnvelopeError),
        (status = 413, description = TOO_LARGE, body = EnvelopeError),
        (status = 415, description = NOT_JSON, body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn sellers_update() {}

/// Delete a seller
///
/// Removes a seller of a chat session the caller may see.
#[utoipa::path(delete, path = "/api/v1/sellers/{id}", tag = "chat-sellers", operation_id = "chatSellersDelete",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The seller's id")),
    responses(
        (status = 200, description = "Deleted (message `seller deleted`)", body = Envelope<Deleted>),
        (status = 400, description = "The id is not a UUID (INVALID_ID)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such seller, or a seller of another user's session (SELLER_NOT_FOUND)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn sellers_delete() {}

// ---- users ------------------------------------------------------------------------------------

/// List users
///
/// Every account, by id, a page at a time (admins only): pass a page's `nextCursor` as `cursor`
/// for the next one (absent on the last page). Accounts are created by `POST /api/auth/register`.
#[utoipa::path(get, path = "/api/v1/users", tag = "chat-users", operation_id = "chatUsersList",
    security(("bearer" = [])),
    params(
        ("limit" = Option<i64>, Query, nullable = false, minimum = 1, maximum = 100, description = "Page size, 1-100 (default 20)"),
        ("cursor" = Option<String>, Query, nullable = false, pattern = "^[0-9]{1,18}$", description = "The `nextCursor` of the previous page (opaque)"),
    ),
    responses(
        (status = 200, description = "A page of accounts (message `users`)", body = Envelope<Page<User>>),
        (status = 400, description = "A bad `limit` or `cursor` (INVALID_LIMIT, INVALID_CURSOR)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 403, description = "The caller is not an admin (FORBIDDEN)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn users_list() {}

/// Get a user
///
/// The caller's own profile, or any profile for an admin; other users are not found.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "chat-users", operation_id = "chatUsersGet",
    security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, maximum = 9_223_372_036_854_775_807i64, description = "The user's id")),
    responses(
        (status = 200, description = "The profile (message `user`)", body = Envelope<User>),
        (status = 400, description = "The id is not a positive integer (INVALID_ID)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 404, description = "No such user, or another user and the caller is not an admin (USER_NOT_FOUND)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn users_get() {}

/// Update a user
///
/// Changes the email of the caller's own account (any account for an admin) and, for admins
/// only, the role. At least one of `email` and `role` must be given; an omitted or null field
/// stays as it is.
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "chat-users", operation_id = "chatUsersUpdate",
    security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, maximum = 9_223_372_036_854_775_807i64, description = "The user's id")),
    request_body(content = UserUpdateBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated profile (message `user updated`)", body = Envelope<User>),
        (status = 400, description = "The id is not a positive integer, or an empty body, invalid JSON, invalid fields or nothing to change (INVALID_ID, EMPTY_BODY, INVALID_JSON, VALIDATION_FAILED with `errors`)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 403, description = "A `role` from a caller who is not an admin (FORBIDDEN)", body = EnvelopeError),
        (status = 404, description = "No such user, or another user and the caller is not an admin (USER_NOT_FOUND)", body = EnvelopeError),
        (status = 409, description = "Another account uses this email (EMAIL_TAKEN)", body = EnvelopeError),
        (status = 413, description = TOO_LARGE, body = EnvelopeError),
        (status = 415, description = NOT_JSON, body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn users_update() {}

/// Delete a user
///
/// Removes an account with everything it owns: its chat sessions (with their messages, vendor
/// and sellers) and login sessions; its messages in other users' sessions stay, without sender.
/// Admins only, and not their own account.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "chat-users", operation_id = "chatUsersDelete",
    security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, maximum = 9_223_372_036_854_775_807i64, description = "The user's id")),
    responses(
        (status = 200, description = "Deleted (message `user deleted`)", body = Envelope<DeletedUser>),
        (status = 400, description = "The id is not a positive integer (INVALID_ID)", body = EnvelopeError),
        (status = 401, description = UNAUTHORIZED, body = EnvelopeError),
        (status = 403, description = "The caller is not an admin (FORBIDDEN)", body = EnvelopeError),
        (status = 404, description = "No such user (USER_NOT_FOUND)", body = EnvelopeError),
        (status = 409, description = "The caller's own account (CANNOT_DELETE_SELF)", body = EnvelopeError),
        (status = 429, description = RATE_LIMITED, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds until the current rate-limit window ends"))),
        (status = 500, description = INTERNAL, body = EnvelopeError),
        (status = 503, description = UNAVAILABLE, body = EnvelopeError, headers(("Retry-After" = u64, description = "Seconds to wait before retrying (1)"))),
    ))]
#[allow(dead_code)]
fn users_delete() {}

/// Request bodies whose rules one derived schema cannot say: the same Rust type serves `POST`
/// and `PUT` with different rules for `sessionId`, or one field decides which others belong.
/// Each schema here starts from the derived schema of the real type and only tightens it, so
/// the field rules stay next to the validator rules they describe.
mod schemas {
    use crate::domain::chat::business::{SellerInput, VendorInput};
    use crate::domain::chat::messages::NewMessage;
    use crate::domain::chat::users::{Role, UserUpdate};
    use std::borrow::Cow;
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{
        AnyOfBuilder, Discriminator, Object, ObjectBuilder, OneOfBuilder, Ref, Schema, SchemaType, Type,
    };
    use utoipa::{PartialSchema, ToSchema};

    type Schemas = Vec<(String, RefOr<Schema>)>;

    /// The derived schema of `T`, an object.
    fn object<T: PartialSchema>() -> Object {
        match T::schema() {
            RefOr::T(Schema::Object(o)) => o,
            _ => unreachable!("{} derives an object schema", std::any::type_name::<T>()),
        }
    }

    fn is_null(schema: &RefOr<Schema>) -> bool {
        matches!(schema, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null))
    }

    /// The schema of an `Option<T>` without its `null`.
    fn non_null(schema: RefOr<Schema>) -> RefOr<Schema> {
        match schema {
            RefOr::T(Schema::Object(mut o)) => {
                if let SchemaType::Array(types) = &o.schema_type {
                    let mut types: Vec<Type> = types.iter().filter(|t| **t != Type::Null).cloned().collect();
                    o.schema_type =
                        if types.len() == 1 { SchemaType::Type(types.remove(0)) } else { SchemaType::Array(types) };
                }
                RefOr::T(Schema::Object(o))
            }
            RefOr::T(Schema::OneOf(mut one)) => {
                one.items.retain(|item| !is_null(item));
                if one.items.len() == 1 { one.items.remove(0) } else { RefOr::T(Schema::OneOf(one)) }
            }
            other => other,
        }
    }

    /// `field` must be given, and not as null.
    fn require(o: &mut Object, field: &str) {
        if let Some(schema) = o.properties.get_mut(field) {
            *schema = non_null(schema.clone());
        }
        if !o.required.iter().any(|r| r == field) {
            o.required.push(field.to_string());
        }
    }

    /// `field` may be absent or null, nothing else.
    fn null_only(o: &mut Object, field: &str, description: &str) {
        o.required.retain(|r| r != field);
        o.properties.insert(
            field.to_string(),
            ObjectBuilder::new().schema_type(Type::Null).description(Some(description)).into(),
        );
    }

    /// `field` is the string `value`.
    fn constant(o: &mut Object, field: &str, value: &str) {
        o.properties.insert(
            field.to_string(),
            ObjectBuilder::new().schema_type(Type::String).enum_values(Some([value])).into(),
        );
        require(o, field);
    }

    fn described(mut o: Object, title: &str, description: &str) -> RefOr<Schema> {
        o.title = Some(title.to_string());
        o.description = Some(description.to_string());
        RefOr::T(Schema::Object(o))
    }

    /// `POST /api/v1/messages`: a text message or a media message ([`NewMessage::check_shape`]).
    pub struct NewMessageBody;

    const TEXT_MESSAGE: &str = "ChatTextMessageCreate";
    const MEDIA_MESSAGE: &str = "ChatMediaMessageCreate";

    fn text_message() -> RefOr<Schema> {
        let mut o = object::<NewMessage>();
        constant(&mut o, "kind", "text");
        require(&mut o, "text");
        null_only(&mut o, "mediaUrl", "Not allowed in a text message");
        null_only(&mut o, "mediaType", "Not allowed in a text message");
        described(o, "Text message", "A text message: `text`, no media")
    }

    fn media_message() -> RefOr<Schema> {
        let mut o = object::<NewMessage>();
        constant(&mut o, "kind", "media");
        require(&mut o, "mediaUrl");
        require(&mut o, "mediaType");
        described(o, "Media message", "A media message: `mediaUrl` and `mediaType`, and an optional `text` caption")
    }

    impl PartialSchema for NewMessageBody {
        fn schema() -> RefOr<Schema> {
            let at = |name: &str| format!("#/components/schemas/{name}");
            OneOfBuilder::new()
                .item(Ref::from_schema_name(TEXT_MESSAGE))
                .item(Ref::from_schema_name(MEDIA_MESSAGE))
                .discriminator(Some(Discriminator::with_mapping(
                    "kind",
                    [("text", at(TEXT_MESSAGE)), ("media", at(MEDIA_MESSAGE))],
                )))
                .description(Some("The body of `POST /api/v1/messages`: `kind` decides which fields belong"))
                .into()
        }
    }

    impl ToSchema for NewMessageBody {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("ChatMessageCreate")
        }
        fn schemas(schemas: &mut Schemas) {
            schemas.push((TEXT_MESSAGE.to_string(), text_message()));
            schemas.push((MEDIA_MESSAGE.to_string(), media_message()));
        }
    }

    /// `POST /api/v1/vendors`: [`VendorInput`] with `sessionId`.
    pub struct NewVendorBody;

    impl PartialSchema for NewVendorBody {
        fn schema() -> RefOr<Schema> {
            let mut o = object::<VendorInput>();
            require(&mut o, "sessionId");
            described(o, "New vendor", "The body of `POST /api/v1/vendors`")
        }
    }

    impl ToSchema for NewVendorBody {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("ChatVendorCreate")
        }
    }

    /// `PUT /api/v1/vendors/{id}`: [`VendorInput`] without `sessionId`.
    pub struct VendorChangeBody;

    impl PartialSchema for VendorChangeBody {
        fn schema() -> RefOr<Schema> {
            let mut o = object::<VendorInput>();
            null_only(&mut o, "sessionId", "A vendor stays with its session: a session id is refused");
            described(o, "Vendor details", "The body of `PUT /api/v1/vendors/{id}`: the vendor's new details")
        }
    }

    impl ToSchema for VendorChangeBody {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("ChatVendorChange")
        }
    }

    /// `POST /api/v1/sellers`: [`SellerInput`] with `sessionId`.
    pub struct NewSellerBody;

    impl PartialSchema for NewSellerBody {
        fn schema() -> RefOr<Schema> {
            let mut o = object::<SellerInput>();
            require(&mut o, "sessionId");
            described(o, "New seller", "The body of `POST /api/v1/sellers`")
        }
    }

    impl ToSchema for NewSellerBody {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("ChatSellerCreate")
        }
    }

    /// `PUT /api/v1/sellers/{id}`: [`SellerInput`] without `sessionId`.
    pub struct SellerChangeBody;

    impl PartialSchema for SellerChangeBody {
        fn schema() -> RefOr<Schema> {
            let mut o = object::<SellerInput>();
            null_only(&mut o, "sessionId", "A seller stays with its session: a session id is refused");
            described(o, "Seller details", "The body of `PUT /api/v1/sellers/{id}`: the seller's new details")
        }
    }

    impl ToSchema for SellerChangeBody {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("ChatSellerChange")
        }
    }

    /// `PUT /api/v1/users/{id}`: [`UserUpdate`] with `email` or `role` (or both) not null.
    pub struct UserUpdateBody;

    impl PartialSchema for UserUpdateBody {
        fn schema() -> RefOr<Schema> {
            let with = |field: &str, title: &str| {
                let mut o = object::<UserUpdate>();
                require(&mut o, field);
                o.title = Some(title.to_string());
                o.description = None;
                RefOr::T(Schema::Object(o))
            };
            AnyOfBuilder::new()
                .item(with("email", "New email"))
                .item(with("role", "New role"))
                .description(Some("The body of `PUT /api/v1/users/{id}`: `email`, `role` (admins only) or both"))
                .into()
        }
    }

    impl ToSchema for UserUpdateBody {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("ChatUserChange")
        }
        fn schemas(schemas: &mut Schemas) {
            schemas.push((Role::name().into(), Role::schema()));
        }
    }
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    /// `#[utoipa::path]` takes security scheme names as literals only: they must stay the root's.
    #[test]
    fn every_chat_operation_takes_the_bearer_token_and_has_the_common_answers() {
        let doc = serde_json::to_value(super::Doc::openapi()).unwrap();
        let mut count = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                count += 1;
                assert_eq!(op["security"], serde_json::json!([{ super::super::BEARER: [] }]), "{method} {path}");
                for status in ["401", "429", "500", "503"] {
                    assert!(op["responses"].get(status).is_some(), "{method} {path}: no {status}");
                }
            }
        }
        assert_eq!(count, 24);
    }
}
