//! `/api/v1/users`: user management (admins) and every user's own profile.

use super::requests::{MAX_BODY_BYTES, caller, page_params, user_id};
use crate::domain::auth::{TokenStore, UserStore};
use crate::domain::chat::{AccountStore, Chat, DeletedUser, UserUpdate};
use crate::domain::ratelimit::RateCounter;
use crate::transport::http::validation::parse_valid;
use crate::transport::http::{self, Body, Enveloped, Request, Response};
#[cfg(feature = "openapi")]
use {
    super::openapi::{INTERNAL, NOT_JSON, RATE_LIMITED, TOO_LARGE, UNAUTHORIZED, UNAVAILABLE, UserUpdateBody},
    crate::domain::chat::{Page, User},
    crate::transport::http::{Envelope, EnvelopeError},
};

#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, get, update, delete))]
pub struct Doc;

/// List users
///
/// Every account, by id, a page at a time (admins only): pass a page's `nextCursor` as `cursor`
/// for the next one (absent on the last page). Accounts are created by `POST /api/auth/register`.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/v1/users", tag = "chat", operation_id = "chatUsersList",
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
    )))]
pub async fn list<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: AccountStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let (limit, cursor) = page_params(&req)?;
    let page = chat.users(&caller, limit, cursor.as_deref()).await?;
    Ok(http::envelope(200, "users", &page))
}

/// Get a user
///
/// The caller's own profile, or any profile for an admin; other users are not found.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/v1/users/{id}", tag = "chat", operation_id = "chatUsersGet",
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
    )))]
pub async fn get<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: AccountStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let user = chat.user(&caller, user_id(&req)?).await?;
    Ok(http::envelope(200, "user", &user))
}

/// Update a user
///
/// Changes the email of the caller's own account (any account for an admin) and, for admins
/// only, the role. At least one of `email` and `role` must be given; an omitted or null field
/// stays as it is.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/api/v1/users/{id}", tag = "chat", operation_id = "chatUsersUpdate",
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
    )))]
pub async fn update<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: AccountStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let id = user_id(&req)?;
    let change: UserUpdate = parse_valid(&req, MAX_BODY_BYTES)?;
    let user = chat.update_user(&caller, id, &change).await?;
    Ok(http::envelope(200, "user updated", &user))
}

/// Delete a user
///
/// Removes an account with everything it owns: its chat sessions (with their messages, vendor
/// and sellers) and login sessions; its messages in other users' sessions stay, without sender.
/// Admins only, and not their own account.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/api/v1/users/{id}", tag = "chat", operation_id = "chatUsersDelete",
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
    )))]
pub async fn delete<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: AccountStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let id = user_id(&req)?;
    chat.delete_user(&caller, id).await?;
    Ok(http::envelope(200, "user deleted", &DeletedUser { id }))
}

#[cfg(all(test, feature = "openapi"))]
mod tests {
    #[test]
    fn every_operation_takes_the_bearer_token_and_has_the_common_answers() {
        use utoipa::OpenApi;
        super::super::openapi::check_common_answers(super::Doc::openapi(), 4);
    }
}
