//! API Gateway HTTP API (payload format 2.0): the events the HTTP functions receive behind the
//! `HttpApi` of template.yaml, and the answers they give, so tests talk HTTP to a bare binary.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Builds one request as API Gateway delivers it (`version: "2.0"`).
#[derive(Debug, Clone)]
pub struct HttpRequest {
    method: String,
    path: String,
    raw_query: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    cookies: Vec<String>,
    body: Option<Vec<u8>>,
    force_base64: bool,
    route: Option<String>,
    matched: Option<(String, BTreeMap<String, String>)>,
    received: Option<Received>,
}

/// What the gateway knows about a real request: the event then carries these instead of the
/// stand-ins a test request gets, and only the headers the client sent (plus `x-forwarded-*`).
#[derive(Debug, Clone)]
pub struct Received {
    /// `requestContext.requestId`, also the `apigw-requestid` of the answer.
    pub request_id: String,
    pub source_ip: String,
    pub account_id: String,
    pub api_id: String,
    /// The port the client connected to, for `x-forwarded-port`.
    pub port: u16,
    pub time: chrono::DateTime<chrono::Utc>,
}

impl HttpRequest {
    /// `path` may carry a query string (`/x?a=1`), kept raw and decoded into the parameters.
    pub fn new(method: &str, path: &str) -> Self {
        let (path, raw_query) = path.split_once('?').unwrap_or((path, ""));
        let query = raw_query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k), decode(v))
            })
            .collect();
        Self {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            raw_query: raw_query.to_owned(),
            query,
            headers: Vec::new(),
            cookies: Vec::new(),
            body: None,
            force_base64: false,
            route: None,
            matched: None,
            received: None,
        }
    }

    /// Shorthand for the most common test request.
    pub fn get(path: &str) -> Self {
        Self::new("GET", path)
    }

    /// Shorthand for the most common test request with a body.
    pub fn post(path: &str) -> Self {
        Self::new("POST", path)
    }

    /// Appends a query parameter (percent-encoded into `rawQueryString`).
    pub fn query(mut self, key: &str, value: &str) -> Self {
        let sep = if self.raw_query.is_empty() { "" } else { "&" };
        self.raw_query = format!("{}{sep}{}={}", self.raw_query, encode(key), encode(value));
        self.query.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Adds a header (name lowercased, as API Gateway does); `cookie` goes to the `cookies` field.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = name.to_ascii_lowercase();
        if name == "cookie" {
            self.cookies.extend(value.split(';').map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned));
        } else {
            self.headers.push((name, value.to_owned()));
        }
        self
    }

    /// Adds one `name=value` cookie.
    pub fn cookie(mut self, cookie: &str) -> Self {
        self.cookies.push(cookie.to_owned());
        self
    }

    /// Sets the body; it is sent base64-encoded when it is not UTF-8 (or when forced).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Sets a JSON body and its content type.
    pub fn json(self, body: &Value) -> Self {
        self.header("content-type", "application/json").body(body.to_string())
    }

    /// Sends even a UTF-8 body base64-encoded, as API Gateway does for binary media types.
    pub fn base64_body(mut self, force: bool) -> Self {
        self.force_base64 = force;
        self
    }

    /// Matches a route template such as `/api/sessions/{userId}`: sets `routeKey` and the path
    /// parameters found in the path, as a route of the HttpApi would.
    pub fn route(mut self, template: &str) -> Self {
        self.route = Some(template.to_owned());
        self
    }

    /// The route a gateway matched (`GET /a/{b}`, `$default`) and its path parameters.
    pub fn matched(mut self, route_key: &str, params: BTreeMap<String, String>) -> Self {
        self.matched = Some((route_key.to_owned(), params));
        self
    }

    /// Marks the request as a real one that reached a gateway (see [`Received`]).
    pub fn received(mut self, received: Received) -> Self {
        self.received = Some(received);
        self
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n == name)
    }

    /// The event as the function receives it.
    pub fn to_event(&self) -> Value {
        let mut headers = Map::new();
        match &self.received {
            None => {
                let defaults = [
                    ("host", "localhost"),
                    ("user-agent", "runtime-api"),
                    ("x-forwarded-for", "127.0.0.1"),
                    ("x-forwarded-port", "443"),
                    ("x-forwarded-proto", "https"),
                ];
                for (name, value) in defaults {
                    if !self.has_header(name) {
                        headers.insert(name.to_owned(), value.into());
                    }
                }
                if let Some(body) = &self.body {
                    headers.insert("content-length".to_owned(), body.len().to_string().into());
                }
            }
            // What the client used to reach this gateway: plain HTTP on a local port (API
            // Gateway says https and 443, which is what its clients use).
            Some(r) => {
                headers.insert("x-forwarded-port".to_owned(), r.port.to_string().into());
                headers.insert("x-forwarded-proto".to_owned(), "http".into());
            }
        }
        for (name, value) in &self.headers {
            if self.received.is_some() && name.starts_with("x-forwarded-") && name != "x-forwarded-for" {
                continue; // the gateway's own, not the client's
            }
            join(&mut headers, name, value); // repeated headers are comma-joined
        }
        if let Some(r) = &self.received {
            // The client's address is appended to what proxies before it reported.
            join(&mut headers, "x-forwarded-for", &r.source_ip);
        }
        let mut query = Map::new();
        for (key, value) in &self.query {
            join(&mut query, key, value);
        }
        let user_agent = headers.get("user-agent").cloned().unwrap_or(Value::Null);
        let now = self.received.as_ref().map_or_else(chrono::Utc::now, |r| r.time);
        let route_key = match (&self.matched, &self.route) {
            (Some((key, _)), _) => key.clone(),
            (None, Some(t)) => format!("{} {t}", self.method),
            (None, None) => "$default".to_owned(),
        };
        let domain = headers.get("host").and_then(Value::as_str).unwrap_or("localhost").to_owned();
        let domain_prefix = domain.split(['.', ':']).next().unwrap_or_default().to_owned();
        let (request_id, source_ip, account_id, api_id) = match &self.received {
            Some(r) => (r.request_id.clone(), r.source_ip.clone(), r.account_id.clone(), r.api_id.clone()),
            None => {
                (uuid::Uuid::new_v4().simple().to_string(), "127.0.0.1".into(), "000000000000".into(), "local".into())
            }
        };
        let mut event = json!({
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": self.path,
            "rawQueryString": self.raw_query,
            "headers": headers,
            "requestContext": {
                "accountId": account_id,
                "apiId": api_id,
                "domainName": domain,
                "domainPrefix": domain_prefix,
                "http": {
                    "method": self.method,
                    "path": self.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": source_ip,
                    "userAgent": user_agent,
                },
                "requestId": request_id,
                "routeKey": route_key,
                "stage": "$default",
                "time": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
                "timeEpoch": now.timestamp_millis(),
            },
            "isBase64Encoded": false,
        });
        // API Gateway leaves out the optional fields that are empty; so do we.
        if !query.is_empty() {
            event["queryStringParameters"] = query.into();
        }
        if !self.cookies.is_empty() {
            event["cookies"] = self.cookies.clone().into();
        }
        let params = match (&self.matched, &self.route) {
            (Some((_, params)), _) => params.iter().map(|(k, v)| (k.clone(), Value::from(v.clone()))).collect(),
            (None, Some(t)) => path_parameters(t, &self.path),
            (None, None) => Map::new(),
        };
        if !params.is_empty() {
            event["pathParameters"] = params.into();
        }
        if let Some(body) = &self.body {
            match std::str::from_utf8(body) {
                Ok(text) if !self.force_base64 => event["body"] = text.into(),
                _ => {
                    event["body"] = STANDARD.encode(body).into();
                    event["isBase64Encoded"] = true.into();
                }
            }
        }
        event
    }
}

fn join(map: &mut Map<String, Value>, key: &str, value: &str) {
    let joined = match map.get(key).and_then(Value::as_str) {
        Some(prev) => format!("{prev},{value}"),
        None => value.to_owned(),
    };
    map.insert(key.to_owned(), joined.into());
}

fn path_parameters(template: &str, path: &str) -> Map<String, Value> {
    let mut params = Map::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, pattern) in template.split('/').enumerate() {
        let Some(name) = pattern.strip_prefix('{').and_then(|p| p.strip_suffix('}')) else { continue };
        let value = match name.strip_suffix('+') {
            // A greedy parameter takes the rest of the path.
            Some(_) => segments.get(i..).map(|rest| rest.join("/")).unwrap_or_default(),
            None => segments.get(i).copied().unwrap_or_default().to_owned(),
        };
        params.insert(name.trim_end_matches('+').to_owned(), decode(&value).into());
    }
    params
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Why a function's answer is not an HTTP response.
#[derive(Debug, thiserror::Error)]
pub enum ResponseError {
    #[error("answer is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("body is not base64: {0}")]
    Base64(#[from] base64::DecodeError),
    #[error("invalid {0}")]
    Shape(&'static str),
}

/// The HTTP response API Gateway would send for a function's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    /// Lowercased names; `multiValueHeaders` values are comma-joined in.
    pub headers: BTreeMap<String, String>,
    /// The `Set-Cookie` values (payload 2.0 carries them apart from the headers).
    pub cookies: Vec<String>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// Parses `{statusCode, headers, multiValueHeaders, cookies, body, isBase64Encoded}`; like
    /// API Gateway, an answer without `statusCode` is a 200 whose JSON body is the whole answer.
    pub fn from_lambda(raw: &[u8]) -> Result<Self, ResponseError> {
        let value: Value = serde_json::from_slice(raw)?;
        let Some(status) = value.get("statusCode") else {
            let headers = BTreeMap::from([("content-type".to_owned(), "application/json".to_owned())]);
            return Ok(Self { status: 200, headers, cookies: Vec::new(), body: raw.to_vec() });
        };
        let status = status.as_u64().and_then(|s| u16::try_from(s).ok()).ok_or(ResponseError::Shape("statusCode"))?;
        let mut headers = BTreeMap::new();
        if let Some(map) = value.get("headers").and_then(Value::as_object) {
            for (name, v) in map {
                headers
                    .insert(name.to_ascii_lowercase(), v.as_str().ok_or(ResponseError::Shape("headers"))?.to_owned());
            }
        }
        if let Some(map) = value.get("multiValueHeaders").and_then(Value::as_object) {
            for (name, values) in map {
                let values = values.as_array().ok_or(ResponseError::Shape("multiValueHeaders"))?;
                for v in values.iter().filter_map(Value::as_str) {
                    let entry = headers.entry(name.to_ascii_lowercase()).or_default();
                    if entry.is_empty() {
                        entry.push_str(v);
                    } else if !entry.split(',').any(|e| e.trim() == v) {
                        entry.push_str(&format!(",{v}"));
                    }
                }
            }
        }
        let cookies = match value.get("cookies") {
            None | Some(Value::Null) => Vec::new(),
            Some(c) => c
                .as_array()
                .ok_or(ResponseError::Shape("cookies"))?
                .iter()
                .map(|c| c.as_str().map(str::to_owned).ok_or(ResponseError::Shape("cookies")))
                .collect::<Result<_, _>>()?,
        };
        let body = match value.get("body") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) if value["isBase64Encoded"] == true => STANDARD.decode(s)?,
            Some(Value::String(s)) => s.clone().into_bytes(),
            Some(_) => return Err(ResponseError::Shape("body")),
        };
        Ok(Self { status, headers, cookies, body })
    }

    /// One header by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// The body as JSON, the common case for these functions.
    pub fn json(&self) -> serde_json::Result<Value> {
        serde_json::from_slice(&self.body)
    }

    /// The body as text (lossy), for messages and SOAP.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};

    fn v2(event: &Value) -> ApiGatewayV2httpRequest {
        serde_json::from_value(event.clone()).unwrap()
    }

    #[test]
    fn event_is_an_http_api_v2_request() {
        let req = HttpRequest::post("/api/sessions/42?x=1&x=2")
            .query("name", "a b&c")
            .header("X-Request-Id", "r1")
            .header("Cookie", "a=1; b=2")
            .json(&json!({"k": "v"}))
            .route("/api/sessions/{userId}");
        let event = req.to_event();
        // lambda_http tries the REST (v1) shape first: ours must not pass for one.
        assert!(serde_json::from_value::<ApiGatewayProxyRequest>(event.clone()).is_err());
        let parsed = v2(&event);
        assert_eq!(parsed.version.as_deref(), Some("2.0"));
        assert_eq!(parsed.request_context.http.method, "POST");
        assert_eq!(parsed.request_context.http.path.as_deref(), Some("/api/sessions/42"));
        assert_eq!(parsed.request_context.http.source_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(parsed.request_context.stage.as_deref(), Some("$default"));
        assert_eq!(parsed.route_key.as_deref(), Some("POST /api/sessions/{userId}"));
        assert_eq!(parsed.raw_path.as_deref(), Some("/api/sessions/42"));
        assert_eq!(parsed.raw_query_string.as_deref(), Some("x=1&x=2&name=a%20b%26c"));
        assert_eq!(parsed.query_string_parameters.all("x"), Some(vec!["1", "2"]));
        assert_eq!(parsed.query_string_parameters.first("name"), Some("a b&c"));
        assert_eq!(parsed.path_parameters.get("userId").map(String::as_str), Some("42"));
        assert_eq!(parsed.headers["x-request-id"], "r1");
        assert_eq!(parsed.headers["content-type"], "application/json");
        assert!(parsed.headers.get("cookie").is_none());
        assert_eq!(parsed.cookies, Some(vec!["a=1".to_owned(), "b=2".to_owned()]));
        assert_eq!(parsed.body.as_deref(), Some(r#"{"k":"v"}"#));
        assert!(!parsed.is_base64_encoded);
        assert!(parsed.request_context.time_epoch > 0);
    }

    #[test]
    fn minimal_event_and_binary_bodies() {
        let parsed = v2(&HttpRequest::get("/auth/health").to_event());
        assert_eq!(parsed.route_key.as_deref(), Some("$default"));
        assert!(parsed.query_string_parameters.is_empty() && parsed.cookies.is_none() && parsed.body.is_none());

        let parsed = v2(&HttpRequest::post("/img").body(vec![0xff, 0x00, 0x80]).to_event());
        assert!(parsed.is_base64_encoded);
        assert_eq!(STANDARD.decode(parsed.body.unwrap()).unwrap(), [0xff, 0x00, 0x80]);

        let parsed = v2(&HttpRequest::post("/x").body("text").base64_body(true).to_event());
        assert!(parsed.is_base64_encoded);
        assert_eq!(parsed.body.as_deref(), Some("dGV4dA=="));
    }

    #[test]
    fn response_parsing() {
        let raw = json!({
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "x-a": "1"},
            "multiValueHeaders": {"x-a": ["1", "2"]},
            "cookies": ["sid=1; HttpOnly"],
            "body": STANDARD.encode(br#"{"ok":true}"#),
            "isBase64Encoded": true,
        });
        let resp = HttpResponse::from_lambda(raw.to_string().as_bytes()).unwrap();
        assert_eq!(resp.status, 201);
        assert_eq!(resp.header("content-type"), Some("application/json"));
        assert_eq!(resp.header("X-A"), Some("1,2"));
        assert_eq!(resp.cookies, ["sid=1; HttpOnly"]);
        assert_eq!(resp.json().unwrap(), json!({"ok": true}));

        let plain = HttpResponse::from_lambda(br#"{"statusCode":404,"body":"nope","isBase64Encoded":false}"#).unwrap();
        assert_eq!((plain.status, plain.text().as_str()), (404, "nope"));
        // No statusCode: API Gateway answers 200 with the whole answer as JSON.
        let bare = HttpResponse::from_lambda(br#"{"hello":1}"#).unwrap();
        assert_eq!((bare.status, bare.json().unwrap()), (200, json!({"hello": 1})));
        assert!(matches!(HttpResponse::from_lambda(b"not json"), Err(ResponseError::Json(_))));
        assert!(matches!(
            HttpResponse::from_lambda(br#"{"statusCode":200,"body":"***","isBase64Encoded":true}"#),
            Err(ResponseError::Base64(_))
        ));
    }

    #[test]
    fn greedy_route_parameters_take_the_rest_of_the_path() {
        let parsed = v2(&HttpRequest::get("/files/a/b%20c.png").route("/files/{key+}").to_event());
        assert_eq!(parsed.path_parameters.get("key").map(String::as_str), Some("a/b c.png"));
    }

    #[test]
    fn a_received_request_carries_the_gateways_facts() {
        let time = chrono::DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z").unwrap().with_timezone(&chrono::Utc);
        let received = Received {
            request_id: "JKJaXmPLvHcESHA=".into(),
            source_ip: "127.0.0.2".into(),
            account_id: "123456789012".into(),
            api_id: "local".into(),
            port: 9000,
            time,
        };
        let event = HttpRequest::new("GET", "/api/sessions/a%2Fb?x=1")
            .header("Host", "127.0.0.1:9000")
            .header("X-Forwarded-For", "10.0.0.1")
            .header("X-Forwarded-Proto", "https")
            .matched("GET /api/sessions/{userId}", BTreeMap::from([("userId".to_owned(), "a/b".to_owned())]))
            .received(received)
            .to_event();
        let parsed = v2(&event);
        assert_eq!(parsed.route_key.as_deref(), Some("GET /api/sessions/{userId}"));
        assert_eq!(parsed.path_parameters["userId"], "a/b");
        assert_eq!(parsed.request_context.request_id.as_deref(), Some("JKJaXmPLvHcESHA="));
        assert_eq!(parsed.request_context.http.source_ip.as_deref(), Some("127.0.0.2"));
        assert_eq!(parsed.request_context.account_id.as_deref(), Some("123456789012"));
        assert_eq!(parsed.request_context.domain_name.as_deref(), Some("127.0.0.1:9000"));
        assert_eq!(parsed.request_context.time_epoch, time.timestamp_millis());
        assert_eq!(parsed.headers["x-forwarded-for"], "10.0.0.1,127.0.0.2");
        assert_eq!(parsed.headers["x-forwarded-proto"], "http", "the gateway's, not the client's");
        assert_eq!(parsed.headers["x-forwarded-port"], "9000");
        assert!(parsed.headers.get("user-agent").is_none() && parsed.headers.get("content-length").is_none());
        assert_eq!(event["requestContext"]["domainPrefix"], "127");
    }

    #[test]
    fn percent_coding() {
        assert_eq!(encode("a b/é"), "a%20b%2F%C3%A9");
        assert_eq!(decode("a%20b%2F%C3%A9%zz"), "a b/é%zz");
    }
}
