//! Successful answers: JSON, seed-style envelopes, 204, and the headers every answer carries.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;

pub(crate) fn with_common_headers(mut resp: Response<Body>, request_id: &str) -> Response<Body> {
    let h = resp.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    // Responses are private by default; a handler may allow caching (static files of api-docs).
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    h.insert("strict-transport-security", HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("x-request-id", v);
    }
    resp
}

pub fn json<T: Serialize>(status: u16, body: &T) -> Response<Body> {
    let (status, text) = match serde_json::to_string(body) {
        Ok(text) => (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), text),
        Err(e) => {
            tracing::error!(error = %e, "response serialization failed");
            (StatusCode::INTERNAL_SERVER_ERROR, r#"{"error":"internal error","code":"INTERNAL_ERROR"}"#.to_string())
        }
    };
    let mut resp = Response::new(Body::Text(text));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// 204: done, nothing to say.
pub fn no_content() -> Response<Body> {
    let mut resp = Response::new(Body::Empty);
    *resp.status_mut() = StatusCode::NO_CONTENT;
    resp
}

/// The chat service's response envelope: `{"status": "success", "message": …, "data": …}`.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Envelope<T> {
    /// Always `success`.
    #[cfg_attr(feature = "openapi", schema(example = "success"))]
    pub status: &'static str,
    pub message: String,
    pub data: T,
}

pub fn envelope<T: Serialize>(status: u16, message: &str, data: &T) -> Response<Body> {
    json(status, &Envelope { status: "success", message: message.to_string(), data })
}
