//! `/api/v1/sellers`: the sellers of the chat sessions the caller may see.

use super::requests::{MAX_BODY_BYTES, caller, page_params, path_id, session_id_param};
use crate::domain::auth::{TokenStore, UserStore};
use crate::domain::chat::{Chat, ChatSessionStore, Deleted, SellerInput, SellerStore};
use crate::domain::ratelimit::RateCounter;
use crate::transport::http::validation::parse_valid;
use crate::transport::http::{self, Body, Enveloped, Request, Response};
#[cfg(feature = "openapi")]
use {
    super::openapi::{
        INTERNAL, NOT_JSON, NewSellerBody, RATE_LIMITED, SellerChangeBody, TOO_LARGE, UNAUTHORIZED, UNAVAILABLE,
    },
    crate::domain::chat::{Page, Seller},
    crate::transport::http::{Envelope, EnvelopeError},
};

#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, get, update, delete))]
pub struct Doc;

/// Add a seller
///
/// Adds a seller with its product to a chat session the caller may see. A seller (by name)
/// lists a product once per session.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/api/v1/sellers", tag = "chat", operation_id = "chatSellersCreate",
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
    )))]
pub async fn create<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + SellerStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let input: SellerInput = parse_valid(&req, MAX_BODY_BYTES)?;
    let seller = chat.create_seller(&caller, &input).await?;
    Ok(http::envelope(201, "seller created", &seller))
}

/// List a session's sellers
///
/// The sellers of a chat session the caller may see, in the order they were added, a page at a
/// time: pass a page's `nextCursor` as `cursor` for the next one (absent on the last page).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/v1/sellers", tag = "chat", operation_id = "chatSellersList",
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
    )))]
pub async fn list<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + SellerStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let session_id = session_id_param(&req)?;
    let (limit, cursor) = page_params(&req)?;
    let page = chat.sellers(&caller, session_id, limit, cursor.as_deref()).await?;
    Ok(http::envelope(200, "sellers", &page))
}

/// Get a seller
///
/// One seller of a chat session the caller may see.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/v1/sellers/{id}", tag = "chat", operation_id = "chatSellersGet",
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
    )))]
pub async fn get<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + SellerStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let seller = chat.seller(&caller, path_id(&req, "seller")?).await?;
    Ok(http::envelope(200, "seller", &seller))
}

/// Replace a seller's details
///
/// Replaces the name, product, price and currency of a seller of a chat session the caller may
/// see. A seller stays with its session: `sessionId` is refused.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/api/v1/sellers/{id}", tag = "chat", operation_id = "chatSellersUpdate",
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
    )))]
pub async fn update<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + SellerStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let id = path_id(&req, "seller")?;
    let input: SellerInput = parse_valid(&req, MAX_BODY_BYTES)?;
    let seller = chat.update_seller(&caller, id, &input).await?;
    Ok(http::envelope(200, "seller updated", &seller))
}

/// Delete a seller
///
/// Removes a seller of a chat session the caller may see.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/api/v1/sellers/{id}", tag = "chat", operation_id = "chatSellersDelete",
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
    )))]
pub async fn delete<D, U, T, C>(chat: &Chat<D, U, T, C>, req: Request) -> Result<Response<Body>, Enveloped>
where
    D: ChatSessionStore + SellerStore,
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    let caller = caller(chat, &req).await?;
    let id = path_id(&req, "seller")?;
    chat.delete_seller(&caller, id).await?;
    Ok(http::envelope(200, "seller deleted", &Deleted { id }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::chat::sessions::session_of;
    use crate::domain::error::AppError;
    use crate::transport::http::validation::{deserialize, flatten};
    use uuid::Uuid;
    use validator::Validate;

    fn fields_of(body: &str) -> Vec<String> {
        let checked = deserialize::<SellerInput>(body.as_bytes()).and_then(|s| {
            s.validate().map_err(|e| AppError::Invalid { message: String::new(), fields: flatten(&e) })?;
            session_of(s.session_id, true).map(|_| ())
        });
        match checked {
            Err(AppError::Invalid { fields, .. }) => fields.into_keys().collect(),
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn seller_bodies_name_their_bad_fields() {
        let sid = Uuid::now_v7();
        let ok = format!(r#"{{"sessionId":"{sid}","name":"Ann","product":"Tea","priceCents":450,"currency":"EUR"}}"#);
        assert!(deserialize::<SellerInput>(ok.as_bytes()).unwrap().validate().is_ok());
        assert_eq!(fields_of(&ok.replace('}', r#","owner":1}"#)), ["owner"]);
        assert_eq!(fields_of(&ok.replace(r#""priceCents":450"#, r#""priceCents":-1"#)), ["priceCents"]);
        assert_eq!(fields_of(&ok.replace("450", r#""cheap""#)), ["priceCents"]);
        assert_eq!(fields_of(&ok.replace("EUR", "euro")), ["currency"]);
        assert_eq!(fields_of(r#"{"name":"Ann","product":"Tea","priceCents":1,"currency":"EUR"}"#), ["sessionId"]);
        assert_eq!(
            fields_of(&format!(r#"{{"sessionId":"{sid}","name":"Ann","product":"Tea","currency":"EUR"}}"#)),
            ["priceCents"]
        );
    }

    #[cfg(feature = "openapi")]
    #[test]
    fn every_operation_takes_the_bearer_token_and_has_the_common_answers() {
        use utoipa::OpenApi;
        super::super::openapi::check_common_answers(Doc::openapi(), 5);
    }
}
