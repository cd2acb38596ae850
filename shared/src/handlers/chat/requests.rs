//! What every chat route reads from its request: the caller (authenticated and counted against
//! the rate limit, before anything else), path ids, pages, and the body limit.

use crate::domain::auth::{TokenStore, UserStore};
use crate::domain::chat::{Caller, Chat, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::domain::error::{AppError, ErrorCode};
use crate::domain::ratelimit::RateCounter;
use crate::transport::http::{self, Request, RequestExt};
use uuid::Uuid;

/// Longest JSON body of a chat route.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The bearer of the request's token, counted against the rate limit.
pub async fn caller<D, U, T, C>(chat: &Chat<D, U, T, C>, req: &Request) -> Result<Caller, AppError>
where
    U: UserStore,
    T: TokenStore,
    C: RateCounter,
{
    chat.caller(http::header_str(req, "authorization")).await
}

/// The `{id}` path parameter as a UUID.
pub fn path_id(req: &Request, what: &'static str) -> Result<Uuid, AppError> {
    req.path_parameters_ref()
        .and_then(|p| p.first("id"))
        .and_then(|raw| Uuid::parse_str(raw.trim()).ok())
        .ok_or_else(|| AppError::new(ErrorCode::InvalidId, format!("the {what} id must be a UUID")))
}

/// The `{id}` path parameter of `/api/v1/users/{id}`.
pub fn user_id(req: &Request) -> Result<i64, AppError> {
    req.path_parameters_ref()
        .and_then(|p| p.first("id"))
        .and_then(|raw| raw.trim().parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::new(ErrorCode::InvalidId, "the user id must be a positive integer"))
}

/// `?limit=` (1-100, default 20) and `?cursor=` (opaque, from the previous page).
pub fn page_params(req: &Request) -> Result<(i64, Option<String>), AppError> {
    Ok((http::page_limit(req, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?, http::query_param(req, "cursor")))
}

/// `?sessionId=` of the routes that list what belongs to one chat session.
pub fn session_id_param(req: &Request) -> Result<Uuid, AppError> {
    http::query_param(req, "sessionId")
        .and_then(|raw| Uuid::parse_str(raw.trim()).ok())
        .ok_or_else(|| AppError::new(ErrorCode::InvalidSessionId, "sessionId must be a chat session's UUID"))
}

/// `?userId=` of `GET /api/v1/sessions`: whose sessions (default: the caller's).
pub fn user_id_param(req: &Request) -> Result<Option<i64>, AppError> {
    http::query_param(req, "userId")
        .map(|raw| {
            raw.trim().parse::<i64>().map_err(|_| AppError::new(ErrorCode::InvalidUserId, "userId must be an integer"))
        })
        .transpose()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::chat::{EditMessage, NewMessage, SessionInput, VendorInput};
    use crate::transport::http::validation::deserialize;
    use std::collections::HashMap;

    /// A request with an optional `Authorization`, a JSON body, path and query parameters.
    pub(crate) fn request(
        authorization: Option<&str>,
        body: &str,
        path: &[(&str, &str)],
        query: &[(&str, &str)],
    ) -> Request {
        let mut builder = lambda_http::http::Request::builder().header("content-type", "application/json");
        if let Some(a) = authorization {
            builder = builder.header("authorization", a);
        }
        let req = builder.body(http::Body::from(body)).unwrap();
        let map = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        req.with_path_parameters(map(path)).with_query_string_parameters(map(query))
    }

    /// A status and the envelope of an answer or an error.
    pub(crate) fn answer(result: Result<http::Response<http::Body>, http::Enveloped>) -> (u16, serde_json::Value) {
        use crate::transport::http::ErrorResponse;
        let resp = result.unwrap_or_else(|e| e.into_response("req-1"));
        let http::Body::Text(text) = resp.body() else { panic!("a JSON body") };
        (resp.status().as_u16(), serde_json::from_str(text).unwrap())
    }

    #[test]
    fn ids_pages_and_user_ids_are_checked() {
        let id = Uuid::now_v7().to_string();
        assert!(path_id(&request(None, "", &[("id", &id)], &[]), "session").is_ok());
        let err = path_id(&request(None, "", &[("id", "42")], &[]), "message").unwrap_err();
        assert_eq!((err.code().as_str(), err.to_string().as_str()), ("INVALID_ID", "the message id must be a UUID"));
        assert_eq!(user_id(&request(None, "", &[("id", " 42 ")], &[])).unwrap(), 42);
        for bad in ["0", "-1", "x"] {
            assert_eq!(user_id(&request(None, "", &[("id", bad)], &[])).unwrap_err().code(), "INVALID_ID");
        }
        assert_eq!(page_params(&request(None, "", &[], &[])).unwrap(), (20, None));
        let page = page_params(&request(None, "", &[], &[("limit", "100"), ("cursor", "7")])).unwrap();
        assert_eq!(page, (100, Some("7".into())));
        let err = page_params(&request(None, "", &[], &[("limit", "101")])).unwrap_err();
        assert_eq!(err.code(), "INVALID_LIMIT");
        let err = session_id_param(&request(None, "", &[], &[])).unwrap_err();
        assert_eq!(err.code(), "INVALID_SESSION_ID");
        assert_eq!(user_id_param(&request(None, "", &[], &[("userId", "-3")])).unwrap(), Some(-3));
        let err = user_id_param(&request(None, "", &[], &[("userId", "me")])).unwrap_err();
        assert_eq!(err.code(), "INVALID_USER_ID");
    }

    /// A NUL reached PostgreSQL and came back as a 500 (found by localstack/api-schema.sh).
    #[test]
    fn text_with_nul_is_a_validation_error_of_its_field() {
        let err = deserialize::<SessionInput>(br#"{"title": "a\u0000b"}"#).unwrap_err();
        assert_eq!(err.code(), "VALIDATION_FAILED");
        assert!(err.fields().is_some_and(|f| f.contains_key("title")), "{:?}", err.fields());
        let err = deserialize::<EditMessage>(br#"{"text": "\u0000"}"#).unwrap_err();
        assert!(err.fields().is_some_and(|f| f.contains_key("text")), "{:?}", err.fields());
        let media = br#"{"sessionId": "0191f6b2-7c1e-7a53-8f1e-3b5d2c4a9e10", "kind": "media",
                          "mediaUrl": "https://cdn.example.com/a\u0000.png", "mediaType": "image/png"}"#;
        let err = deserialize::<NewMessage>(media).unwrap_err();
        assert!(err.fields().is_some_and(|f| f.contains_key("mediaUrl")), "{:?}", err.fields());
        let vendor = br#"{"name": "Acme", "email": "a\u0000@acme.example"}"#;
        let err = deserialize::<VendorInput>(vendor).unwrap_err();
        assert!(err.fields().is_some_and(|f| f.contains_key("email")), "{:?}", err.fields());
        // Everything else is as before.
        let ok = deserialize::<SessionInput>(br#"{"title": "  Spring catalogue "}"#).unwrap();
        assert_eq!(ok.title, "Spring catalogue");
    }
}
