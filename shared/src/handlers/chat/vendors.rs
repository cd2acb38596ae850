//! `/api/v1/vendors`: the vendor of each chat session the caller may see.

use super::requests::{MAX_BODY_BYTES, caller, path_id, session_id_param};
use crate::domain::auth::{TokenStore, UserStore};
use crate::domain::chat::{Chat, ChatSessionStore, Deleted, VendorInput, VendorStore};
use crate::domain::ratelimit::RateCounter;
use crate::transport::http::validation::parse_valid;
use crate::transport::http::{self, Body, Enveloped, Request, Response};
#[cfg(feature = "openapi")]
use {
    super::openapi::{
        INTERNAL, NOT_JSON, NewVendorBody, RATE_LIMITED, TOO_LARGE, UNAUTHORIZED, UNAVAILABLE, VendorChangeBody,
    },
    crate::domain::chat::Vendor,
    crate::transport::http::{Envelope, EnvelopeError},
};

#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, find, get, update, delete))]
pub struct Doc;

/// Register a session's vendor
///
/// Registers the vendor of a chat session the caller may see: one vendor per session, and a
/// vendor email (compared without case) is used by one vendor only.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/api/v1/vendors", tag = "chat", operation_id = "chatVendorsCreate",
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
    )))]
pub async fn create<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + VendorStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let input: VendorInput = parse_valid(&req, MAX_BODY_BYTES)?;
    let vendor = chat.create_vendor(&caller, &input).await?;
    Ok(http::envelope(201, "vendor created", &vendor))
}

/// Get a session's vendor
///
/// The vendor of a chat session the caller may see.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/v1/vendors", tag = "chat", operation_id = "chatVendorsFind",
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
    )))]
pub async fn find<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + VendorStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let session_id = session_id_param(&req)?;
    let vendor = chat.session_vendor(&caller, session_id).await?;
    Ok(http::envelope(200, "vendor", &vendor))
}

/// Get a vendor
///
/// One vendor of a chat session the caller may see.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/v1/vendors/{id}", tag = "chat", operation_id = "chatVendorsGet",
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
    )))]
pub async fn get<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + VendorStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let vendor = chat.vendor(&caller, path_id(&req, "vendor")?).await?;
    Ok(http::envelope(200, "vendor", &vendor))
}

/// Replace a vendor's details
///
/// Replaces the name, email and phone of a vendor of a chat session the caller may see (an
/// omitted or null email or phone is cleared). A vendor stays with its session: `sessionId` is
/// refused.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/api/v1/vendors/{id}", tag = "chat", operation_id = "chatVendorsUpdate",
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
    )))]
pub async fn update<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + VendorStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let id = path_id(&req, "vendor")?;
    let input: VendorInput = parse_valid(&req, MAX_BODY_BYTES)?;
    let vendor = chat.update_vendor(&caller, id, &input).await?;
    Ok(http::envelope(200, "vendor updated", &vendor))
}

/// Delete a vendor
///
/// Removes the vendor of a chat session the caller may see.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/api/v1/vendors/{id}", tag = "chat", operation_id = "chatVendorsDelete",
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
    )))]
pub async fn delete<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + VendorStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let id = path_id(&req, "vendor")?;
    chat.delete_vendor(&caller, id).await?;
    Ok(http::envelope(200, "vendor deleted", &Deleted { id }))
}

#[cfg(all(test, feature = "openapi"))]
mod tests {
    #[test]
    fn every_operation_takes_the_bearer_token_and_has_the_common_answers() {
        use utoipa::OpenApi;
        super::super::openapi::check_common_answers(super::Doc::openapi(), 5);
    }
}
