//! Lambda's Invoke API on its own port: `POST /2015-03-31/functions/{name}/invocations`, the
//! request `aws lambda invoke`, the SDKs and `cargo lambda invoke --invoke-port` send. The name
//! may be the function's name, its ARN or a partial ARN (`<account>:function:<name>`).
//!
//! As on Lambda, a function error is a 200 with `X-Amz-Function-Error: Unhandled` and the error
//! document as the body (so `cargo lambda invoke`, which only looks at the status, prints it and
//! succeeds, as `aws lambda invoke` does; `local-cloud invoke` fails on it).

use crate::http::{Reply, reply};
use crate::runtime::{Functions, MAX_PAYLOAD_BYTES, Outcome};
use crate::stack::Stack;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use serde_json::json;
use std::sync::Arc;

pub struct InvokeApi {
    pub stack: Arc<Stack>,
    pub functions: Arc<Functions>,
}

/// A Lambda API error: its status, `x-amzn-ErrorType` and message.
fn error(status: StatusCode, kind: &str, message: &str) -> Reply {
    let mut resp = reply(status, "application/json", json!({"Type": "User", "message": message}).to_string());
    if let Ok(value) = kind.parse() {
        resp.headers_mut().insert("x-amzn-errortype", value);
    }
    resp
}

impl InvokeApi {
    pub async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Reply {
        let path = req.uri().path().to_owned();
        let name = path
            .strip_prefix("/2015-03-31/functions/")
            .and_then(|rest| rest.strip_suffix("/invocations"))
            .map(|n| percent_encoding::percent_decode_str(n).decode_utf8_lossy().into_owned());
        let Some(name) = name.filter(|_| req.method() == Method::POST) else {
            return error(StatusCode::NOT_FOUND, "UnknownOperationException", "Unknown operation");
        };
        let qualifier = req.uri().query().and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("Qualifier=")));
        let function = self.stack.function_for_invoke(&name).filter(|_| qualifier.is_none_or(|q| q == "$LATEST"));
        let Some(pool) = function.and_then(|f| self.functions.get(&f.name)) else {
            let arn = format!("arn:aws:lambda:{}:{}:function:{name}", self.stack.region, self.stack.account_id);
            return error(StatusCode::NOT_FOUND, "ResourceNotFoundException", &format!("Function not found: {arn}"));
        };
        let invocation_type = req
            .headers()
            .get("x-amz-invocation-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("RequestResponse")
            .to_owned();
        let payload = match Limited::new(req.into_body(), MAX_PAYLOAD_BYTES).collect().await {
            Ok(body) => body.to_bytes(),
            Err(_) => {
                return error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "RequestEntityTooLargeException",
                    &format!("Request must be smaller than {MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation"),
                );
            }
        };
        if !payload.is_empty() && serde_json::from_slice::<serde_json::Value>(&payload).is_err() {
            return error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                "Could not parse request body into json",
            );
        }
        match invocation_type.as_str() {
            "RequestResponse" => {}
            "Event" => {
                tokio::spawn(async move {
                    let invocation = pool.invoke(payload).await;
                    log(pool.name(), "Event", &invocation);
                });
                return reply(StatusCode::ACCEPTED, "application/json", "");
            }
            "DryRun" => return reply(StatusCode::NO_CONTENT, "application/json", ""),
            other => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "InvalidParameterValueException",
                    &format!("invalid InvocationType {other:?}"),
                );
            }
        }
        let invocation = pool.invoke(payload).await;
        log(pool.name(), "RequestResponse", &invocation);
        let (body, failed) = match &invocation.outcome {
            Outcome::Response(body) => (body.clone(), false),
            Outcome::Error(body) => (body.clone(), true),
        };
        let mut resp = reply(StatusCode::OK, "application/json", body);
        let headers = resp.headers_mut();
        headers.insert("x-amz-executed-version", hyper::header::HeaderValue::from_static("$LATEST"));
        if let Ok(id) = invocation.request_id.parse() {
            headers.insert("x-amzn-requestid", id);
        }
        if failed {
            headers.insert("x-amz-function-error", hyper::header::HeaderValue::from_static("Unhandled"));
        }
        resp
    }
}

fn log(function: &str, kind: &str, invocation: &crate::runtime::Invocation) {
    tracing::info!(
        function = %function,
        invocation_type = kind,
        lambda_request_id = %invocation.request_id,
        error_type = invocation.outcome.error_type().as_deref().unwrap_or("-"),
        duration_ms = invocation.duration.as_millis() as u64,
        "invoke"
    );
}
