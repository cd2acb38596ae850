//! What the fuzz targets share: one current-thread tokio runtime, requests built the way the
//! functions receive them, a splitter that turns fuzz bytes into several inputs, and the
//! oracle every target applies to an error (rendered in each format; a client's input never
//! becomes a 5xx).

use lambda_http::http;
use shared::AppError;
use shared::transport::http::{Body, Request, RequestExt};
use std::collections::HashMap;
use std::future::Future;
use std::sync::OnceLock;

/// One runtime for the whole fuzzing process (building one per input would dominate the time).
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_time().build().expect("tokio runtime"))
}

pub fn block_on<F: Future>(future: F) -> F::Output {
    runtime().block_on(future)
}

/// Splits the input at `sep` into at most `n` parts (the last one keeps any further `sep`).
pub fn split(data: &[u8], sep: u8, n: usize) -> Vec<&[u8]> {
    data.splitn(n, |b| *b == sep).collect()
}

/// The part `i` of a split as text (lossy: the parsers under test take `&str` there).
pub fn part(parts: &[&[u8]], i: usize) -> String {
    parts.get(i).map(|p| String::from_utf8_lossy(p).into_owned()).unwrap_or_default()
}

/// A request as lambda_http hands it to a handler. `None` when a header value is not one the
/// HTTP layer could ever deliver (API Gateway would not either).
pub fn request(method: &str, uri: &str, headers: &[(&str, &str)], body: Body) -> Option<Request> {
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        let value = http::HeaderValue::from_str(value).ok()?;
        builder = builder.header(*name, value);
    }
    builder.body(body).ok()
}

/// Adds query-string and path parameters (already decoded, as API Gateway delivers them).
pub fn with_params(req: Request, query: &[(&str, String)], path: &[(&str, String)]) -> Request {
    let map = |pairs: &[(&str, String)]| -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    };
    req.with_query_string_parameters(map(query)).with_path_parameters(map(path))
}

/// The body as the functions get it: text when it is UTF-8, else binary (base64 on the wire).
pub fn body(bytes: &[u8]) -> Body {
    match std::str::from_utf8(bytes) {
        Ok(text) => Body::Text(text.to_string()),
        Err(_) => Body::Binary(bytes.to_vec()),
    }
}

/// Every way an error of a request parser reaches a client: the JSON error, seed 004's
/// envelope and a SOAP fault. A parser of client input must answer with a 4xx: a 5xx here would
/// be a client mistake reported as our failure (and retried, alerted on ...).
pub fn check_client_error(err: &AppError) {
    let status = err.status();
    assert!((400..500).contains(&status), "client input produced {status} {}: {err}", err.code());
    for resp in [
        shared::transport::http::error_response(err, "fuzz-request"),
        shared::transport::http::envelope_error_response(err, "fuzz-request"),
    ] {
        assert_eq!(resp.status().as_u16(), status);
        let Body::Text(text) = resp.body() else { panic!("error bodies are JSON text") };
        let value: serde_json::Value = serde_json::from_str(text).expect("error bodies are valid JSON");
        assert_eq!(value["code"], err.code().as_str());
    }
    let fault = shared::transport::soap::fault_response(err, "fuzz-request");
    assert_eq!(fault.status().as_u16(), status);
    assert!(matches!(fault.body(), Body::Text(xml) if xml.starts_with("<?xml")), "SOAP faults are XML text");
}
