//! Strict CORS for one configured origin (the user lookup service: "allowing only" one origin).
//!
//! Only a request whose `Origin` is exactly the configured one gets
//! `Access-Control-Allow-Origin`; any other origin gets no CORS header at all, so the browser
//! withholds the answer from the page. Every answer says `Vary: Origin`, so a shared cache never
//! hands one origin's answer to another. Preflights (`OPTIONS`) are answered here: 204 for the
//! allowed origin and an allowed method, 403 otherwise. No credentials mode, no wildcard.
//!
//! API Gateway must not add CORS headers of its own for these routes (the HttpApi has no
//! `CorsConfiguration`), and locally `cargo lambda watch` runs with `--disable-cors`.

use crate::config::ConfigError;
use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::transport::http::{self, ErrorResponse, Request, Response};
use lambda_http::Body;
use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use std::future::Future;

#[derive(Debug, Clone)]
pub struct CorsPolicy {
    origin: String,
    origin_header: HeaderValue,
    methods: &'static [&'static str],
    allow_headers: HeaderValue,
    max_age_seconds: u32,
}

/// `scheme://host[:port]`, as browsers send it: http(s), no path, query, user info or wildcard.
fn normalize_origin(raw: &str) -> Option<String> {
    let origin = raw.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, rest) = origin.split_once("://")?;
    let host_ok = !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        && !rest.starts_with(':');
    (matches!(scheme, "http" | "https") && host_ok).then_some(origin)
}

impl CorsPolicy {
    /// `methods`: what cross-origin pages may call (preflights asking for anything else get a
    /// 403); `allow_headers`: the request headers they may send.
    pub fn single_origin(
        origin: &str,
        methods: &'static [&'static str],
        allow_headers: &'static str,
    ) -> Result<Self, ConfigError> {
        let origin = normalize_origin(origin).ok_or_else(|| ConfigError::Invalid {
            name: "allowed CORS origin",
            reason: format!("{origin:?} is not an origin like http://host:port"),
        })?;
        let origin_header = HeaderValue::from_str(&origin)
            .map_err(|e| ConfigError::Invalid { name: "allowed CORS origin", reason: e.to_string() })?;
        Ok(Self {
            origin,
            origin_header,
            methods,
            allow_headers: HeaderValue::from_static(allow_headers),
            max_age_seconds: 600,
        })
    }

    pub fn allowed_origin(&self) -> &str {
        &self.origin
    }

    /// Whether the request comes from the allowed origin (exact match; `null` never matches).
    pub fn allows(&self, req: &Request) -> bool {
        http::header_str(req, header::ORIGIN.as_str())
            .is_some_and(|o| o.trim_end_matches('/').eq_ignore_ascii_case(&self.origin))
    }

    /// Adds `Vary: Origin` to any answer, and `Access-Control-Allow-Origin` when `allowed`.
    pub fn decorate(&self, allowed: bool, mut resp: Response<Body>) -> Response<Body> {
        let h = resp.headers_mut();
        h.append(header::VARY, HeaderValue::from_static("Origin"));
        if allowed {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, self.origin_header.clone());
            h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("x-request-id"));
        }
        resp
    }

    /// Answers a preflight: 204 with the allowed methods and headers, or a 403 error.
    pub fn preflight(&self, req: &Request) -> Result<Response<Body>, AppError> {
        if !self.allows(req) {
            return Err(AppError::new(ErrorCode::CorsOriginForbidden, "this origin may not call this endpoint"));
        }
        let method = http::header_str(req, header::ACCESS_CONTROL_REQUEST_METHOD.as_str()).unwrap_or_default();
        if !self.methods.iter().any(|m| m.eq_ignore_ascii_case(method)) {
            return Err(AppError::new(
                ErrorCode::CorsMethodForbidden,
                format!("cross-origin requests may use {} only", self.methods.join(", ")),
            ));
        }
        let mut resp = Response::new(Body::Empty);
        *resp.status_mut() = StatusCode::NO_CONTENT;
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&self.methods.join(", ")) {
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, v);
        }
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, self.allow_headers.clone());
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(self.max_age_seconds));
        h.append(header::VARY, HeaderValue::from_static("Access-Control-Request-Method"));
        h.append(header::VARY, HeaderValue::from_static("Access-Control-Request-Headers"));
        Ok(self.decorate(true, resp))
    }

    /// Runs `handler` under this policy: `OPTIONS` is a preflight; any other answer — success or
    /// error, rendered in the handler's own format — is decorated for the allowed origin. A
    /// refused preflight carries no CORS header.
    pub async fn handle<F, Fut, E>(&self, req: Request, request_id: &str, handler: F) -> Response<Body>
    where
        F: FnOnce(Request) -> Fut,
        Fut: Future<Output = Result<Response<Body>, E>>,
        E: ErrorResponse,
    {
        if req.method() == Method::OPTIONS {
            return self.preflight(&req).unwrap_or_else(|e| E::from(e).into_response(request_id));
        }
        let allowed = self.allows(&req);
        let resp = handler(req).await.unwrap_or_else(|e| e.into_response(request_id));
        self.decorate(allowed, resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http;

    const ORIGIN: &str = "http://127.0.0.1:8080";

    fn policy() -> CorsPolicy {
        CorsPolicy::single_origin(ORIGIN, &["GET", "POST"], "content-type, soapaction").unwrap()
    }

    fn req(method: &str, origin: Option<&str>, request_method: Option<&str>) -> Request {
        let mut b = http::Request::builder().method(method).uri("/user/soap");
        if let Some(o) = origin {
            b = b.header("origin", o);
        }
        if let Some(m) = request_method {
            b = b.header("access-control-request-method", m);
        }
        b.body(Body::Empty).unwrap()
    }

    async fn ok(_: Request) -> Result<Response<Body>, AppError> {
        Ok(Response::new(Body::Empty))
    }

    async fn fail(_: Request) -> Result<Response<Body>, AppError> {
        Err(AppError::new(ErrorCode::UserNotFound, "no such user"))
    }

    #[test]
    fn only_well_formed_single_origins_are_configurable() {
        assert_eq!(policy().allowed_origin(), ORIGIN);
        assert_eq!(
            CorsPolicy::single_origin("HTTP://Example.com/", &["GET"], "x").unwrap().allowed_origin(),
            "http://example.com"
        );
        for bad in ["*", "", "null", "example.com", "ftp://x", "http://a/b", "http://", "http://a b"] {
            assert!(CorsPolicy::single_origin(bad, &["GET"], "x").is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn allowed_origin_gets_the_header_on_success_and_on_errors() {
        let p = policy();
        let r = p.handle(req("GET", Some(ORIGIN), None), "rid", ok).await;
        assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
        assert_eq!(r.headers()["vary"], "Origin");
        let r = p.handle(req("GET", Some(ORIGIN), None), "rid", fail).await;
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    }

    #[tokio::test]
    async fn other_origins_get_no_cors_header() {
        let p = policy();
        for origin in [Some("http://evil.example"), Some("http://127.0.0.1:8081"), Some("null"), None] {
            let r = p.handle(req("GET", origin, None), "rid", ok).await;
            assert!(r.headers().get("access-control-allow-origin").is_none(), "{origin:?}");
            assert!(r.headers().get("access-control-expose-headers").is_none());
            assert_eq!(r.headers()["vary"], "Origin");
        }
    }

    #[tokio::test]
    async fn preflight_is_204_for_the_allowed_origin_and_403_otherwise() {
        let p = policy();
        let r = p.handle(req("OPTIONS", Some(ORIGIN), Some("GET")), "rid", fail).await;
        assert_eq!(r.status(), 204);
        assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
        assert_eq!(r.headers()["access-control-allow-methods"], "GET, POST");
        assert_eq!(r.headers()["access-control-max-age"], "600");

        let refused = |r: Response<Body>| {
            assert!(r.headers().get("access-control-allow-origin").is_none());
            let Body::Text(text) = r.body() else { panic!("a JSON error body") };
            (r.status().as_u16(), serde_json::from_str::<serde_json::Value>(text).unwrap()["code"].clone())
        };
        let r = p.handle(req("OPTIONS", Some("http://evil.example"), Some("GET")), "rid", ok).await;
        assert_eq!(refused(r), (403, ErrorCode::CorsOriginForbidden.as_str().into()));
        let r = p.handle(req("OPTIONS", None, Some("GET")), "rid", ok).await;
        assert_eq!(refused(r), (403, ErrorCode::CorsOriginForbidden.as_str().into()));
        let r = p.handle(req("OPTIONS", Some(ORIGIN), Some("DELETE")), "rid", ok).await;
        assert_eq!(refused(r), (403, ErrorCode::CorsMethodForbidden.as_str().into()));
    }
}
