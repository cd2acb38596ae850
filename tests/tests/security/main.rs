//! Attacks through the gateway over real connections, on every service, for what the other
//! suites do not cover already (identity.rs: hostile tokens on /profile; chat.rs, sessions.rs,
//! tenants.rs: owners and tenants on the happy paths; soap.rs: the first XXE cases; images.rs:
//! the first bad names):
//! - forged, confused, stale, revoked tokens and tokens of deleted users on one route of each
//!   authenticated service, and tokens sent anywhere but the Authorization header;
//! - another user's (or tenant's) resources, with the owner's rows read back from the databases;
//! - XML entity tricks on both SOAP routes;
//! - path tricks in image names and ids, with the bucket listed before and after;
//! - SQL and NoSQL injection strings wherever a string, id or cursor is read;
//! - oversized bodies and headers and deeply nested JSON;
//! - CORS for a foreign origin.
//!
//! Every user, tenant, session and image is created here with unique names, so the tests run in
//! parallel with each other and with the other suites.
// Needs the local cloud; without it the tests are compiled out (tests/build.rs says so).
#![cfg(local_cloud)]
// The attack tables are tuples, one line per attempt: easier to read than a struct per table.
#![allow(clippy::type_complexity)]

use base64::Engine as _;
use integration_tests::*;
use jsonwebtoken::{Algorithm, EncodingKey};
use runtime_api::apigw::HttpRequest;
use serde_json::{Value, json};
use shared::adapters::postgres::tenants::provision;
use shared::domain::tenants::NewTenant;
use shared::domain::tenants::TenantId;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// The password of every account this suite creates (localstack/scan-secrets.py looks for it in the logs).
const PASSWORD: &str = "hostile input 7f3a suite";
/// A wrong password that is an injection string too (scan-secrets.py looks for it in the logs).
const WRONG_PASSWORD: &str = "wrong password ' OR '1'='1";
const EVIL: &str = "https://evil.example";

// ------------------------------------------------------------------------------------------
// Accounts, tenants and calls.

struct Account {
    id: i64,
    token: String,
}

async fn new_tenant() -> String {
    let id = unique("sec");
    let tenant = NewTenant {
        id: TenantId::parse(&id).expect("valid id"),
        name: format!("Security {id}"),
        active: true,
        pool_max_size: 2,
        rate_limit: 100_000,
        rate_window_seconds: 60,
    };
    provision(&postgres().await, &tenant).await.expect("provision tenant");
    id
}

/// A user (an admin with `admin`) of `tenant`, logged in through `/api/v1/auth/login`.
async fn account(admin: bool, tenant: Option<&str>) -> Account {
    let username = unique("sec");
    let id = create_user(&username, PASSWORD).await;
    let pg = postgres().await;
    if admin {
        pg.execute("UPDATE users SET role = 'admin' WHERE id = $1", &[&id]).await.expect("make admin");
    }
    if let Some(tenant) = tenant {
        pg.execute("UPDATE users SET tenant_id = $2 WHERE id = $1", &[&id, &tenant]).await.expect("join tenant");
    }
    let login = post_json("/api/v1/auth/login", &json!({ "username": username, "password": PASSWORD })).await;
    assert_eq!(login.status, 200, "{}", login.json);
    Account { id, token: login.json["data"]["accessToken"].as_str().expect("access token").to_string() }
}

/// Any request through the gateway: `token` as `Authorization: Bearer`, extra headers, JSON body.
async fn call(method: &str, path: &str, token: Option<&str>, headers: &[(&str, &str)], body: Option<Value>) -> Reply {
    let mut req = http().request(method.parse().expect("method"), format!("{}{path}", gateway()));
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    send(req).await
}

/// Asserts status and code; an answer in the chat service's envelope must say `"status": "error"` too.
#[track_caller]
fn expect(reply: &Reply, status: u16, code: &str, what: &str) {
    assert_eq!((reply.status, reply.code()), (status, code), "{what}: {}", reply.json);
    if reply.json.get("status").is_some() {
        assert_eq!(reply.json["status"], "error", "{what}");
    }
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
        .expect("claims")
}

/// `header.claims.signature`, the signature made by `sign` over `header.claims`.
fn compact(header: &Value, claims: &Value, sign: impl FnOnce(&str) -> String) -> String {
    let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let signature = sign(&input);
    format!("{input}.{signature}")
}

fn hmac(algorithm: Algorithm, key: &[u8], input: &str) -> String {
    jsonwebtoken::crypto::sign(input.as_bytes(), &EncodingKey::from_secret(key), algorithm).expect("sign")
}

/// One route of each service that authenticates its callers with the identity service's tokens.
struct Guarded {
    service: &'static str,
    method: &'static str,
    path: String,
    tenant: Option<String>,
    body: Option<Value>,
}

impl Guarded {
    /// The codes differ by service: the tenant service answers every failed authentication with
    /// the tenant data service's AUTHENTICATION_FAILED, the others name the reason.
    fn code<'a>(&self, identity_code: &'a str) -> &'a str {
        if self.service == "tenants" { "AUTHENTICATION_FAILED" } else { identity_code }
    }

    async fn with(&self, token: Option<&str>, extra: &[(&str, &str)], query: &str) -> Reply {
        let mut headers: Vec<(&str, &str)> = extra.to_vec();
        if let Some(tenant) = &self.tenant {
            headers.push(("x-tenant-id", tenant));
        }
        let sep = if self.path.contains('?') { '&' } else { '?' };
        let path = if query.is_empty() { self.path.clone() } else { format!("{}{sep}{query}", self.path) };
        call(self.method, &path, token, &headers, self.body.clone()).await
    }
}

/// `/profile` (identity), a write of `/api/v1` (chat), `/api/sessions/verify` (sessions) and
/// `/api/data` (tenants). The image routes have no callers to authenticate: the image delivery service and the
/// service map make uploads and listings public (no owner, no token), so there is no token check
/// to bypass there (see the report).
fn guarded_routes(account: &Account, tenant: &str) -> Vec<Guarded> {
    vec![
        Guarded { service: "auth", method: "GET", path: "/profile".into(), tenant: None, body: None },
        Guarded {
            service: "chat",
            method: "POST",
            path: "/api/v1/sessions".into(),
            tenant: None,
            body: Some(json!({ "title": "forged" })),
        },
        Guarded {
            service: "chat",
            method: "GET",
            path: format!("/api/v1/users/{}", account.id),
            tenant: None,
            body: None,
        },
        Guarded { service: "sessions", method: "GET", path: "/api/sessions/verify".into(), tenant: None, body: None },
        Guarded {
            service: "sessions",
            method: "GET",
            path: format!("/api/sessions/{}", account.id),
            tenant: None,
            body: None,
        },
        Guarded {
            service: "tenants",
            method: "GET",
            path: "/api/data".into(),
            tenant: Some(tenant.to_string()),
            body: None,
        },
        Guarded {
            service: "tenants",
            method: "POST",
            path: "/api/data".into(),
            tenant: Some(tenant.to_string()),
            body: Some(json!({ "data": { "forged": true } })),
        },
    ]
}

fn soap_envelope(operation: &str, inner: &str) -> String {
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:u="urn:rust-lambda:users"><soapenv:Body><u:{operation}>{inner}</u:{operation}></soapenv:Body></soapenv:Envelope>"#
    )
}

struct SoapAnswer {
    status: u16,
    text: String,
}

impl SoapAnswer {
    fn code(&self) -> &str {
        self.text.split("<tns:code>").nth(1).and_then(|s| s.split('<').next()).unwrap_or_default()
    }
}

async fn post_soap(path: &str, body: impl Into<Vec<u8>>, content_type: &str) -> SoapAnswer {
    let resp = http()
        .post(format!("{}{path}", gateway()))
        .header("content-type", content_type)
        .header("soapaction", "\"\"")
        .body(body.into())
        .send()
        .await
        .expect("gateway");
    let status = resp.status().as_u16();
    SoapAnswer { status, text: resp.text().await.expect("body") }
}

mod cors;
mod image_paths;
mod injection;
mod oversized;
mod ownership;
mod tokens;
mod xml_entities;
