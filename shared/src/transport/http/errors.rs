//! THE place where an [`AppError`] becomes an HTTP answer, in each of the API's two JSON
//! formats: `{"error", "code", "requestId"}` and the chat API's envelope. (SOAP faults are
//! rendered in `transport::soap::faults`.)

use super::response::json;
use crate::domain::error::AppError;
use lambda_http::http::{HeaderValue, header};
use lambda_http::{Body, Response};
use serde::Serialize;

/// An error as a handler's format renders it; the runner calls this with the invocation's id.
pub trait ErrorResponse: From<AppError> {
    fn into_response(self, request_id: &str) -> Response<Body>;
}

impl ErrorResponse for AppError {
    fn into_response(self, request_id: &str) -> Response<Body> {
        error_response(&self, request_id)
    }
}

/// An error of the chat API (`/api/v1`), answered in its envelope.
#[derive(Debug)]
pub struct Enveloped(pub AppError);

impl From<AppError> for Enveloped {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl ErrorResponse for Enveloped {
    fn into_response(self, request_id: &str) -> Response<Body> {
        envelope_error_response(&self.0, request_id)
    }
}

/// Whether 5xx envelopes carry the internal detail (`APP_ENV`/`NODE_ENV=development`); set
/// once at start-up from the configuration.
static DEVELOPMENT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

pub fn set_development(development: bool) {
    let _ = DEVELOPMENT.set(development);
}

fn development() -> bool {
    DEVELOPMENT.get().copied().unwrap_or(false)
}

/// The JSON error body of every route outside `/api/v1` (the tenant data service's format, used everywhere).
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody<'a> {
    /// What went wrong, for people. Internal details are never included.
    #[cfg_attr(feature = "openapi", schema(example = "token is missing or invalid"))]
    pub error: String,
    /// Stable machine-readable code.
    #[cfg_attr(feature = "openapi", schema(example = "INVALID_TOKEN"))]
    pub code: &'a str,
    /// The Lambda request id, also in the `x-request-id` header and in every log line.
    pub request_id: &'a str,
    /// Field-level messages of a validation failure (400 VALIDATION_FAILED): field -> messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<std::collections::HashMap<String, Vec<String>>>))]
    pub fields: Option<&'a crate::domain::error::FieldErrors>,
}

/// What every rendering of an error (JSON, envelope, SOAP fault) does to its response: logs the
/// error once — internal errors with their detail, dependency failures as warnings, client
/// mistakes as info — and tells clients of a 503 when to retry.
pub fn finish_error_response(err: &AppError, mut resp: Response<Body>) -> Response<Body> {
    match err {
        AppError::Internal(_) => tracing::error!(error = %err, code = %err.code(), "request failed"),
        AppError::Unavailable { .. } => tracing::warn!(error = %err, code = %err.code(), "dependency unavailable"),
        _ => tracing::info!(code = %err.code(), status = err.status(), "request rejected"),
    }
    match err {
        AppError::Unavailable { .. } => {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        AppError::RateLimited { retry_after_seconds, .. } => {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_seconds));
        }
        _ => {}
    }
    resp
}

/// `{"error": …, "code": …, "requestId": …}` — the format the tenant data service documents, used everywhere.
pub fn error_response(err: &AppError, request_id: &str) -> Response<Body> {
    let body = ErrorBody { error: err.public_message(), code: err.code().as_str(), request_id, fields: err.fields() };
    finish_error_response(err, json(err.status(), &body))
}

/// The chat service's envelope of an error, with the same stable code and request id as everywhere else.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EnvelopeError {
    /// Always `error`.
    #[cfg_attr(feature = "openapi", schema(example = "error"))]
    pub status: &'static str,
    pub message: String,
    /// Always null.
    #[cfg_attr(feature = "openapi", schema(schema_with = null_schema, required = true))]
    pub data: Option<()>,
    /// Stable machine-readable code.
    #[cfg_attr(feature = "openapi", schema(example = "VALIDATION_FAILED"))]
    pub code: &'static str,
    pub request_id: String,
    /// Field-level messages of a validation failure: field -> messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<std::collections::HashMap<String, Vec<String>>>))]
    pub errors: Option<crate::domain::error::FieldErrors>,
    /// Internal detail of a 5xx, only when APP_ENV/NODE_ENV is `development`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[cfg(feature = "openapi")]
fn null_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::Null)
        .description(Some("Always null."))
        .build()
}

pub fn envelope_error_response(err: &AppError, request_id: &str) -> Response<Body> {
    let body = envelope_error_body(err, request_id, development());
    finish_error_response(err, json(err.status(), &body))
}

/// The envelope of an error. In development (the chat service: `NODE_ENV=development`) the internal
/// detail of a 500 or 503 is included to speed up debugging; in production it stays in the logs.
pub fn envelope_error_body(err: &AppError, request_id: &str, development: bool) -> EnvelopeError {
    EnvelopeError {
        status: "error",
        message: err.public_message(),
        data: None,
        code: err.code().as_str(),
        request_id: request_id.to_string(),
        errors: err.fields().cloned(),
        detail: (development && err.status() >= 500).then(|| err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::error::ErrorCode;

    #[test]
    fn internal_detail_only_in_development() {
        let err = AppError::internal("relation \"chat_sessions\" does not exist");
        let body = |e: &AppError, dev: bool| serde_json::to_value(envelope_error_body(e, "r", dev)).unwrap();
        assert!(body(&err, false).get("detail").is_none());
        let dev = body(&err, true);
        assert!(dev["detail"].as_str().unwrap().contains("chat_sessions"));
        assert_eq!(dev["data"], serde_json::Value::Null);
        let client_mistake = AppError::new(ErrorCode::InvalidRequest, "y");
        assert!(body(&client_mistake, true).get("detail").is_none());
    }

    #[test]
    fn error_response_has_code_request_id_and_no_internal_detail() {
        let resp = error_response(&AppError::internal("db password is hunter2"), "req-1");
        assert_eq!(resp.status(), 500);
        let Body::Text(text) = resp.body() else { panic!("text body expected") };
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(v["code"], "INTERNAL_ERROR");
        assert_eq!(v["requestId"], "req-1");
        assert!(!text.contains("hunter2"));
    }
}
