//! The HTTP API: API Gateway (HTTP API, payload format 2.0) in front of the functions, with the
//! template's routes. Only routes reach functions; every answer carries `apigw-requestid`, and
//! the gateway's own answers name no function and nothing internal.
//!
//! - no route: 404 `{"message":"Not Found"}`
//! - a body over 10 MB: 413 `{"message":"Request Entity Too Large"}`
//! - a function error, crash, init failure, timeout (its `Timeout`) or a malformed answer:
//!   500 `{"message":"Internal Server Error"}`
//! - no answer within the integration timeout (`TimeoutInMillis`, 30 s at most): 503
//!   `{"message":"Service Unavailable"}`; the invocation runs on, as on AWS
//!
//! Request bodies and headers are never logged (they carry passwords and tokens).

pub mod response;

use crate::http::{Reply, message};
use crate::routes::{Route, RouteTable};
use crate::runtime::Functions;
use base64::Engine;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, StatusCode};
use runtime_api::apigw::{HttpRequest, Received};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// API Gateway's largest request payload.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// How much of a refused body is still read (and dropped) before answering: a client that is
/// still sending would otherwise see its connection reset instead of the 413.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;

pub struct Gateway {
    pub routes: RouteTable,
    pub functions: Arc<Functions>,
    pub account_id: String,
    pub api_id: String,
    pub port: u16,
}

/// API Gateway's request ids: 11 random bytes in base64 (`JKJaXmPLvHcESHA=`).
fn request_id() -> String {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    base64::engine::general_purpose::STANDARD.encode(&bytes[..11])
}

impl Gateway {
    pub async fn handle(self: Arc<Self>, req: Request<Incoming>, peer: SocketAddr) -> Reply {
        let started = Instant::now();
        let id = request_id();
        let method = req.method().as_str().to_owned();
        // The path only: a query string may carry a token.
        let path = req.uri().path().to_owned();
        let (mut reply, route) = self.answer(req, peer, &id).await;
        if let Ok(value) = HeaderValue::from_str(&id) {
            reply.headers_mut().insert("apigw-requestid", value);
        }
        tracing::info!(
            request_id = %id,
            method = %method,
            path = %path,
            route = route.map_or("-", |r| r.key.as_str()),
            function = route.map_or("-", |r| r.function.as_str()),
            status = reply.status().as_u16(),
            latency_ms = started.elapsed().as_millis() as u64,
            "request"
        );
        reply
    }

    /// The answer, and the route it went to (for the log).
    async fn answer(&self, req: Request<Incoming>, peer: SocketAddr, id: &str) -> (Reply, Option<&Route>) {
        let declared =
            req.headers().get(hyper::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            if declared.is_some_and(|n| n <= DRAIN_BYTES as u64) {
                let _ = read_body(req.into_body(), 0).await;
            }
            return (too_large(), None);
        }
        match self.routes.find(req.method().as_str(), req.uri().path()) {
            None => (message(StatusCode::NOT_FOUND, "Not Found"), None),
            Some(matched) => (self.call(matched.route, matched.params, req, peer, id).await, Some(matched.route)),
        }
    }

    /// Invokes the route's function with the request as a payload 2.0 event.
    async fn call(
        &self,
        route: &Route,
        params: BTreeMap<String, String>,
        req: Request<Incoming>,
        peer: SocketAddr,
        id: &str,
    ) -> Reply {
        let (parts, body) = req.into_parts();
        let body = match read_body(body, MAX_BODY_BYTES).await {
            Ok(body) => body,
            Err(BodyError::TooLarge) => return too_large(),
            Err(BodyError::Broken) => return message(StatusCode::BAD_REQUEST, "Bad Request"),
        };
        let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut event = HttpRequest::new(parts.method.as_str(), target);
        for (name, value) in &parts.headers {
            event = event.header(name.as_str(), &String::from_utf8_lossy(value.as_bytes()));
        }
        if !body.is_empty() {
            event = event.body(body.to_vec());
        }
        let event = event.matched(&route.key, params).received(Received {
            request_id: id.to_owned(),
            source_ip: peer.ip().to_string(),
            account_id: self.account_id.clone(),
            api_id: self.api_id.clone(),
            port: self.port,
            time: chrono::Utc::now(),
        });
        let Some(pool) = self.functions.get(&route.function) else {
            return response::internal_server_error();
        };
        let payload = Bytes::from(event.to_event().to_string());
        // The invocation runs to its end even when the gateway stops waiting (as on AWS).
        let invocation = tokio::spawn(async move { pool.invoke(payload).await });
        match tokio::time::timeout(route.integration_timeout, invocation).await {
            Err(_) => message(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
            Ok(Err(_)) => response::internal_server_error(),
            Ok(Ok(invocation)) => response::to_client(&invocation.outcome).unwrap_or_else(|why| {
                tracing::warn!(request_id = %id, lambda_request_id = %invocation.request_id, function = %route.function,
                    error_type = invocation.outcome.error_type().as_deref().unwrap_or("-"), "{why}; answering 500");
                response::internal_server_error()
            }),
        }
    }
}

enum BodyError {
    TooLarge,
    Broken,
}

/// The body, up to `limit` bytes; past that the rest is read and dropped (up to [`DRAIN_BYTES`])
/// so that the client gets the answer.
async fn read_body(mut body: Incoming, limit: usize) -> Result<Bytes, BodyError> {
    let mut kept = BytesMut::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| BodyError::Broken)?;
        let Some(data) = frame.data_ref() else { continue };
        seen += data.len();
        if seen > DRAIN_BYTES {
            return Err(BodyError::TooLarge);
        }
        if seen <= limit {
            kept.extend_from_slice(data);
        }
    }
    if seen > limit { Err(BodyError::TooLarge) } else { Ok(kept.freeze()) }
}

fn too_large() -> Reply {
    message(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large")
}
