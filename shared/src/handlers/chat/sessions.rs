//! `/api/v1/sessions`: the caller's chat sessions (any session for an admin).

use super::requests::{MAX_BODY_BYTES, caller, page_params, path_id, user_id_param};
use crate::domain::auth::{TokenStore, UserStore};
use crate::domain::chat::{Chat, ChatSessionStore, Deleted, SessionInput};
use crate::domain::ratelimit::RateCounter;
use crate::transport::http::validation::parse_valid;
use crate::transport::http::{self, Body, Enveloped, Request, Response};
#[cfg(feature = "openapi")]
use {
    super::openapi::{INTERNAL, NOT_JSON, RATE_LIMITED, TOO_LARGE, UNAUTHORIZED, UNAVAILABLE},
    crate::domain::chat::{ChatSession, Page},
    crate::transport::http::{Envelope, EnvelopeError},
};

#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, get, update, delete))]
pub struct Doc;

/// Create a chat session
///
/// Creates a chat session owned by the caller. The title is trimmed and must then have 1-200
/// characters; unknown fields are refused.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/api/v1/sessions", tag = "chat", operation_id = "chatSessionsCreate",
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
    )))]
pub async fn create<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let input: SessionInput = parse_valid(&req, MAX_BODY_BYTES)?;
    let session = chat.create_session(&caller, &input).await?;
    Ok(http::envelope(201, "session created", &session))
}

/// List chat sessions
///
/// The caller's chat sessions, newest first, a page at a time: pass a page's `nextCursor` as
/// `cursor` for the next one (absent on the last page). An admin may list another user's
/// sessions with `userId`; anyone else gets 403 for a `userId` other than their own.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/v1/sessions", tag = "chat", operation_id = "chatSessionsList",
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
    )))]
pub async fn list<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let (limit, cursor) = page_params(&req)?;
    let user_id = user_id_param(&req)?;
    let page = chat.list_sessions(&caller, user_id, limit, cursor.as_deref()).await?;
    Ok(http::envelope(200, "sessions", &page))
}

/// Get a chat session
///
/// One chat session of the caller (any session for an admin); other users' sessions are not found.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/v1/sessions/{id}", tag = "chat", operation_id = "chatSessionsGet",
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
    )))]
pub async fn get<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let session = chat.session(&caller, path_id(&req, "session")?).await?;
    Ok(http::envelope(200, "session", &session))
}

/// Rename a chat session
///
/// Replaces the title of a session of the caller (any session for an admin). The title is
/// trimmed and must then have 1-200 characters.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/api/v1/sessions/{id}", tag = "chat", operation_id = "chatSessionsUpdate",
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
    )))]
pub async fn update<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let id = path_id(&req, "session")?;
    let input: SessionInput = parse_valid(&req, MAX_BODY_BYTES)?;
    let session = chat.rename_session(&caller, id, &input).await?;
    Ok(http::envelope(200, "session updated", &session))
}

/// Delete a chat session
///
/// Deletes a session of the caller (any session for an admin) with its messages, vendor and sellers.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "chat", operation_id = "chatSessionsDelete",
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
    )))]
pub async fn delete<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let id = path_id(&req, "session")?;
    chat.delete_session(&caller, id).await?;
    Ok(http::envelope(200, "session deleted", &Deleted { id }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::chat::service::tests::{bearer, chat};
    use crate::handlers::chat::requests::tests::{answer, request};

    #[tokio::test]
    async fn a_session_is_created_read_and_hidden_in_the_envelope() {
        let chat = chat(100);
        let (alice, bob) = (bearer(&chat, 1).await, bearer(&chat, 2).await);
        let (status, body) = answer(create(&chat, request(Some(&alice), r#"{"title": " Spring "}"#, &[], &[])).await);
        assert_eq!((status, &body["status"], &body["message"]), (201, &"success".into(), &"session created".into()));
        assert_eq!((&body["data"]["title"], &body["data"]["userId"]), (&"Spring".into(), &1.into()));
        let id = body["data"]["id"].as_str().unwrap().to_string();
        let (status, body) = answer(get(&chat, request(Some(&alice), "", &[("id", &id)], &[])).await);
        assert_eq!((status, &body["message"]), (200, &"session".into()));
        let (status, body) = answer(get(&chat, request(Some(&bob), "", &[("id", &id)], &[])).await);
        assert_eq!(
            (status, &body["code"], &body["data"]),
            (404, &"SESSION_NOT_FOUND".into(), &serde_json::Value::Null)
        );
        let (status, body) = answer(delete(&chat, request(Some(&alice), "", &[("id", &id)], &[])).await);
        assert_eq!((status, &body["message"], &body["data"]["id"]), (200, &"session deleted".into(), &id.into()));
    }

    #[tokio::test]
    async fn the_caller_is_checked_before_the_request_is_read() {
        let chat = chat(1);
        let (status, body) = answer(create(&chat, request(None, "not json", &[], &[])).await);
        assert_eq!((status, &body["code"]), (401, &"MISSING_TOKEN".into()));
        let alice = bearer(&chat, 1).await;
        let (status, body) = answer(list(&chat, request(Some(&alice), "", &[], &[("userId", "me")])).await);
        assert_eq!((status, &body["code"]), (400, &"INVALID_USER_ID".into()));
        let (status, body) = answer(list(&chat, request(Some(&alice), "", &[], &[("userId", "me")])).await);
        assert_eq!((status, &body["code"]), (429, &"RATE_LIMITED".into()));
    }

    #[cfg(feature = "openapi")]
    #[test]
    fn every_operation_takes_the_bearer_token_and_has_the_common_answers() {
        use utoipa::OpenApi;
        super::super::openapi::check_common_answers(Doc::openapi(), 5);
    }
}
