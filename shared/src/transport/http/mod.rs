//! HTTP plumbing for API Gateway functions: request ids, JSON bodies, and the single place
//! where an [`AppError`] becomes a response.

pub mod cors;
#[cfg(feature = "images")]
pub mod upload;
#[cfg(feature = "validation")]
pub mod validation;

use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::request::RequestContext;
pub use lambda_http::{Body, Error, Request, RequestExt, RequestPayloadExt, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;

/// Default limit for JSON request bodies; far below API Gateway's 10 MB so a hostile client
/// cannot make a function parse megabytes.
pub const DEFAULT_MAX_JSON_BYTES: usize = 64 * 1024;

pub fn request_id(req: &Request) -> String {
    req.lambda_context_ref()
        .map(|c| c.request_id.clone())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

pub fn header_str<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

pub fn query_param(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref().and_then(|q| q.first(name)).map(str::to_string)
}

/// The caller's address as API Gateway saw it (not a spoofable header).
pub fn source_ip(req: &Request) -> Option<String> {
    match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.http.source_ip.clone(),
        RequestContext::ApiGatewayV1(ctx) => ctx.identity.source_ip.clone(),
        _ => None,
    }
}

/// `?limit=`: 1..=`max`, `default` when absent, 400 INVALID_LIMIT otherwise.
pub fn page_limit(req: &Request, default: i64, max: i64) -> Result<i64, AppError> {
    match query_param(req, "limit") {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| AppError::new(ErrorCode::InvalidLimit, format!("limit must be between 1 and {max}"))),
    }
}

pub fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    }
}

/// The bytes of a JSON body, after the checks every JSON route shares: size limit, content
/// type (when given), not empty.
pub fn json_body(req: &Request, max_bytes: usize) -> Result<&[u8], AppError> {
    let bytes = body_bytes(req);
    if bytes.len() > max_bytes {
        return Err(AppError::new(ErrorCode::PayloadTooLarge, format!("request body is limited to {max_bytes} bytes")));
    }
    if let Some(ct) = header_str(req, header::CONTENT_TYPE.as_str()) {
        let essence = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(AppError::new(ErrorCode::UnsupportedMediaType, "expected Content-Type: application/json"));
        }
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::new(ErrorCode::EmptyBody, "a JSON body is required"));
    }
    Ok(bytes)
}

/// Parses a JSON body into `T`, with a size limit and distinct codes for each way it can be wrong.
pub fn parse_json<T: DeserializeOwned>(req: &Request, max_bytes: usize) -> Result<T, AppError> {
    let bytes = json_body(req, max_bytes)?;
    let value = serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => AppError::new(ErrorCode::ValidationFailed, format!("invalid request body: {e}")),
            _ => AppError::new(ErrorCode::InvalidJson, "the request body is not valid JSON"),
        }
    })?;
    require_object(bytes)?;
    Ok(value)
}

/// Every JSON body of this API is an object. serde also reads a struct from an array of its
/// fields in order (`["alice", "pw"]` as credentials), which no client is told it may send.
pub fn require_object(json: &[u8]) -> Result<(), AppError> {
    match json.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok(()),
        _ => Err(AppError::new(ErrorCode::ValidationFailed, "the request body must be a JSON object")),
    }
}

/// Deserializes an integer field of a JSON body, also when it is written with a zero fraction
/// (`450.0`): JSON has one number type, and JSON Schema's `integer`, which the OpenAPI document
/// declares these fields as, is any number without a fractional part. `450.5` and numbers out of
/// `T`'s range stay errors (400 VALIDATION_FAILED).
pub fn integer<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    use serde::de::Error;
    let n = <serde_json::Number as serde::Deserialize>::deserialize(d)?;
    let out_of_range = || D::Error::custom(format!("{n} is out of range"));
    if let Some(i) = n.as_i64() {
        return T::try_from(i).map_err(|_| out_of_range());
    }
    if let Some(u) = n.as_u64() {
        return T::try_from(u).map_err(|_| out_of_range());
    }
    match n.as_f64() {
        // The casts are exact: a float without a fraction inside the bounds is an integer there.
        Some(f) if f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) => {
            T::try_from(f as i64).map_err(|_| out_of_range())
        }
        Some(f) if f.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&f) => {
            T::try_from(f as u64).map_err(|_| out_of_range())
        }
        Some(f) if f.fract() == 0.0 => Err(out_of_range()),
        _ => Err(D::Error::custom(format!("invalid type: floating point `{n}`, expected an integer"))),
    }
}

/// [`integer`] for an optional field (`null` or absent: `None`; absent needs `#[serde(default)]`).
pub fn integer_opt<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    #[derive(serde::Deserialize)]
    struct Wrapped<T: TryFrom<i64> + TryFrom<u64>>(#[serde(deserialize_with = "integer")] T);
    Ok(<Option<Wrapped<T>> as serde::Deserialize>::deserialize(d)?.map(|Wrapped(v)| v))
}

fn with_common_headers(mut resp: Response<Body>, request_id: &str) -> Response<Body> {
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

/// The JSON error body of every route outside `/api/v1` (seed 003's format, used everywhere).
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

/// `{"error": …, "code": …, "requestId": …}` — the format seed 003 documents, used everywhere.
pub fn error_response(err: &AppError, request_id: &str) -> Response<Body> {
    let body = ErrorBody { error: err.public_message(), code: err.code().as_str(), request_id, fields: err.fields() };
    finish_error_response(err, json(err.status(), &body))
}

/// Seed 004's response envelope: `{"status": "success", "message": …, "data": …}`.
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

/// Seed 004's envelope of an error, with the same stable code and request id as everywhere else.
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
    let body = envelope_error_body(err, request_id, crate::config::is_development());
    finish_error_response(err, json(err.status(), &body))
}

/// The envelope of an error. In development (seed 004: `NODE_ENV=development`) the internal
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

/// Runs an HTTP function: `handler` returns a response or an [`AppError`]; this maps the error,
/// adds the request id and security headers, and never lets a client mistake become a 500.
pub async fn serve<F, Fut>(handler: F) -> Result<(), Error>
where
    F: Fn(Request) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Response<Body>, AppError>> + Send,
{
    serve_with(error_response, handler).await
}

/// [`serve`] for the v1 API: errors rendered in seed 004's envelope.
pub async fn serve_enveloped<F, Fut>(handler: F) -> Result<(), Error>
where
    F: Fn(Request) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Response<Body>, AppError>> + Send,
{
    serve_with(envelope_error_response, handler).await
}

/// [`serve`] with a chosen rendering of errors (JSON, envelope, SOAP fault).
pub async fn serve_with<F, Fut>(render_error: fn(&AppError, &str) -> Response<Body>, handler: F) -> Result<(), Error>
where
    F: Fn(Request) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Response<Body>, AppError>> + Send,
{
    let handler = &handler;
    lambda_http::run(lambda_http::service_fn(move |req: Request| async move {
        let request_id = request_id(&req);
        let resp = match handler(req).await {
            Ok(resp) => resp,
            Err(err) => render_error(&err, &request_id),
        };
        Ok::<_, Error>(with_common_headers(resp, &request_id))
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Login {
        username: String,
        password: String,
    }

    fn req(body: &str, content_type: Option<&str>) -> Request {
        let mut b = http::Request::builder().method("POST").uri("/login");
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        b.body(Body::Text(body.to_string())).unwrap()
    }

    fn code(r: Result<Login, AppError>) -> &'static str {
        r.unwrap_err().code().as_str()
    }

    #[test]
    fn json_bodies_fail_with_distinct_codes() {
        let j = Some("application/json");
        assert_eq!(code(parse_json(&req("", j), 100)), "EMPTY_BODY");
        assert_eq!(code(parse_json(&req("{not json", j), 100)), "INVALID_JSON");
        assert_eq!(code(parse_json(&req(r#"{"username":"a"}"#, j), 100)), "VALIDATION_FAILED");
        assert_eq!(code(parse_json(&req(r#"{"username":1,"password":"x"}"#, j), 100)), "VALIDATION_FAILED");
        assert_eq!(code(parse_json(&req(&"x".repeat(101), j), 100)), "PAYLOAD_TOO_LARGE");
        assert_eq!(code(parse_json(&req("{}", Some("text/xml")), 100)), "UNSUPPORTED_MEDIA_TYPE");
        assert!(parse_json::<Login>(&req(r#"{"username":"a","password":"b"}"#, None), 100).is_ok());
        // serde would read the struct from an array of its fields (found by localstack/api-schema.sh).
        assert_eq!(code(parse_json::<Login>(&req(r#"["a","b"]"#, j), 100)), "VALIDATION_FAILED");
    }

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

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Counts {
        #[serde(deserialize_with = "integer")]
        small: i32,
        #[serde(deserialize_with = "integer")]
        size: u64,
        #[serde(default, deserialize_with = "integer_opt")]
        version: Option<i32>,
    }

    #[test]
    fn integers_may_be_written_with_a_zero_fraction() {
        let parse = |body: &str| parse_json::<Counts>(&req(body, Some("application/json")), 1024);
        let ok = |small, size, version| Counts { small, size, version };
        assert_eq!(parse(r#"{"small": 450, "size": 8388608, "version": 3}"#).unwrap(), ok(450, 8388608, Some(3)));
        assert_eq!(
            parse(r#"{"small": 450.0, "size": 8.388608e6, "version": 3.0}"#).unwrap(),
            ok(450, 8388608, Some(3))
        );
        assert_eq!(
            parse(r#"{"small": -2.0, "size": 1e19, "version": null}"#).unwrap(),
            ok(-2, 10_000_000_000_000_000_000, None)
        );
        assert_eq!(parse(r#"{"small": 0, "size": 18446744073709551615}"#).unwrap(), ok(0, u64::MAX, None));
        for body in [
            r#"{"small": 450.5, "size": 1}"#,
            r#"{"small": 1, "size": -1.0}"#,
            r#"{"small": 3e9, "size": 1}"#,
            r#"{"small": 1, "size": 1e20}"#,
            r#"{"small": 1, "size": 1, "version": 1.5}"#,
            r#"{"small": "1", "size": 1}"#,
        ] {
            assert_eq!(parse(body).unwrap_err().code(), "VALIDATION_FAILED", "{body}");
        }
    }
}
