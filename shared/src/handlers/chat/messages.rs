//! `/api/v1/messages`: the messages of the chat sessions the caller may see.

use super::requests::{MAX_BODY_BYTES, caller, page_params, path_id, session_id_param};
use crate::domain::auth::{TokenStore, UserStore};
use crate::domain::chat::{Chat, ChatSessionStore, Deleted, EditMessage, MessageStore, NewMessage};
use crate::domain::ratelimit::RateCounter;
use crate::transport::http::validation::parse_valid;
use crate::transport::http::{self, Body, Enveloped, Request, Response};
#[cfg(feature = "openapi")]
use {
    super::openapi::{INTERNAL, NOT_JSON, NewMessageBody, RATE_LIMITED, TOO_LARGE, UNAUTHORIZED, UNAVAILABLE},
    crate::domain::chat::{Message, Page},
    crate::transport::http::{Envelope, EnvelopeError},
};

#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, get, update, delete))]
pub struct Doc;

/// Post a message
///
/// Posts a message to a chat session the caller may see, as the caller. A `text` message has
/// `text` (trimmed, 1-4000 characters) and no media; a `media` message has `mediaUrl` (an
/// absolute URL) and `mediaType` (`image/…`, `video/…` or `audio/…`) and may have a `text`
/// caption.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/api/v1/messages", tag = "chat", operation_id = "chatMessagesCreate",
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
    )))]
pub async fn create<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + MessageStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let input: NewMessage = parse_valid(&req, MAX_BODY_BYTES)?;
    let message = chat.post_message(&caller, &input).await?;
    Ok(http::envelope(201, "message created", &message))
}

/// List a session's messages
///
/// The messages of a chat session the caller may see, in the order they were written, a page
/// at a time: pass a page's `nextCursor` as `cursor` for the next one (absent on the last page).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/v1/messages", tag = "chat", operation_id = "chatMessagesList",
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
    )))]
pub async fn list<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + MessageStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let session_id = session_id_param(&req)?;
    let (limit, cursor) = page_params(&req)?;
    let page = chat.messages(&caller, session_id, limit, cursor.as_deref()).await?;
    Ok(http::envelope(200, "messages", &page))
}

/// Get a message
///
/// One message of a chat session the caller may see.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/v1/messages/{id}", tag = "chat", operation_id = "chatMessagesGet",
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
    )))]
pub async fn get<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + MessageStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let message = chat.message(&caller, path_id(&req, "message")?).await?;
    Ok(http::envelope(200, "message", &message))
}

/// Edit a message
///
/// Replaces the text of a text message and sets its `editedAt`. Only its sender or an admin may
/// edit it; media messages cannot be edited.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/api/v1/messages/{id}", tag = "chat", operation_id = "chatMessagesUpdate",
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
    )))]
pub async fn update<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + MessageStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let id = path_id(&req, "message")?;
    let input: EditMessage = parse_valid(&req, MAX_BODY_BYTES)?;
    let message = chat.edit_message(&caller, id, &input).await?;
    Ok(http::envelope(200, "message updated", &message))
}

/// Delete a message
///
/// Deletes a message of a chat session the caller may see (whoever sent it).
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/api/v1/messages/{id}", tag = "chat", operation_id = "chatMessagesDelete",
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
    )))]
pub async fn delete<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + MessageStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let id = path_id(&req, "message")?;
    chat.delete_message(&caller, id).await?;
    Ok(http::envelope(200, "message deleted", &Deleted { id }))
}

#[cfg(all(test, feature = "openapi"))]
mod tests {
    #[test]
    fn every_operation_takes_the_bearer_token_and_has_the_common_answers() {
        use utoipa::OpenApi;
        super::super::openapi::check_common_answers(super::Doc::openapi(), 5);
    }
}
