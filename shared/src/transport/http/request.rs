//! What a handler reads from an API Gateway request: its id, headers, query and path
//! parameters, the caller's address, and JSON bodies checked the same way on every route.

use crate::domain::error::{AppError, ErrorCode};
use lambda_http::http::header;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;

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

/// A path parameter (`{id}` of the route), trimmed.
pub fn path_param<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.path_parameters_ref().and_then(|p| p.first(name)).map(str::trim)
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

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Counts {
        #[serde(deserialize_with = "crate::domain::json::integer")]
        small: i32,
        #[serde(deserialize_with = "crate::domain::json::integer")]
        size: u64,
        #[serde(default, deserialize_with = "crate::domain::json::integer_opt")]
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
