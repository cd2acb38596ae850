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

// ------------------------------------------------------------------------------------------
// Authentication bypass.

/// Tokens an attacker can make without the signing key, or real tokens that should no longer
/// work: every one is a 401 with its stable code on every service. The forgeries carry the
/// claims of a real, logged-in user (with the admin role added), including the `jti` the token
/// store knows, so only the signature and algorithm checks stand between them and success.
#[tokio::test]
async fn forged_confused_stale_and_dead_tokens_are_refused_by_every_service() {
    let tenant = new_tenant().await;
    let alice = account(false, Some(&tenant)).await;
    let routes = guarded_routes(&alice, &tenant);

    // The real token works everywhere: the refusals below are about the tokens, not the routes.
    for route in &routes {
        let ok = route.with(Some(&alice.token), &[], "").await;
        assert!(matches!(ok.status, 200 | 201), "{} {} {}: {}", route.service, route.method, route.path, ok.json);
    }

    // A server the token's header points at: nothing may ever fetch a key from it.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();

    let secret = env("JWT_SECRET");
    let now = chrono::Utc::now().timestamp();
    let mut escalated = claims_of(&alice.token);
    escalated["role"] = json!("admin");
    escalated["scope"] = json!("api admin");
    let with = |changes: Value| {
        let mut c = escalated.clone();
        for (k, v) in changes.as_object().expect("object") {
            if v.is_null() {
                c.as_object_mut().expect("claims").remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    };
    let attacker_key = b"attacker-chosen-key-0123456789abcdef";
    let hs =
        |header: Value, claims: &Value, alg: Algorithm, key: &[u8]| compact(&header, claims, |i| hmac(alg, key, i));
    let real_parts: Vec<&str> = alice.token.split('.').collect();

    // Real tokens that must not work any more.
    let revoked = account(false, Some(&tenant)).await;
    let out = call("POST", "/api/v1/auth/logout", Some(&revoked.token), &[], Some(json!({}))).await;
    assert_eq!(out.status, 200, "logout: {}", out.json);
    let deleted = account(false, Some(&tenant)).await;
    postgres().await.execute("DELETE FROM users WHERE id = $1", &[&deleted.id]).await.expect("delete user");

    let cases: Vec<(&str, String, &str)> = vec![
        // Key and algorithm confusion: the header names another algorithm, the HMAC secret (or
        // nothing) signs it.
        (
            "RS256 header, HMAC-signed with the secret",
            hs(json!({ "alg": "RS256", "typ": "JWT" }), &escalated, Algorithm::HS256, secret.as_bytes()),
            "INVALID_TOKEN",
        ),
        (
            "ES256 header, HMAC-signed with the secret",
            hs(json!({ "alg": "ES256", "typ": "JWT" }), &escalated, Algorithm::HS256, secret.as_bytes()),
            "INVALID_TOKEN",
        ),
        (
            "PS256 header, no signature",
            compact(&json!({ "alg": "PS256", "typ": "JWT" }), &escalated, |_| String::new()),
            "INVALID_TOKEN",
        ),
        (
            "HS512 with the secret",
            hs(json!({ "alg": "HS512", "typ": "JWT" }), &escalated, Algorithm::HS512, secret.as_bytes()),
            "INVALID_TOKEN",
        ),
        (
            "HS384 with the secret",
            hs(json!({ "alg": "HS384", "typ": "JWT" }), &escalated, Algorithm::HS384, secret.as_bytes()),
            "INVALID_TOKEN",
        ),
        (
            "embedded jwk with the attacker's key",
            hs(
                json!({ "alg": "HS256", "typ": "JWT", "jwk": { "kty": "oct", "k": b64(attacker_key) } }),
                &escalated,
                Algorithm::HS256,
                attacker_key,
            ),
            "INVALID_TOKEN",
        ),
        (
            "jku pointing at the attacker's key set",
            hs(
                json!({ "alg": "HS256", "typ": "JWT", "jku": format!("http://127.0.0.1:{port}/jwks.json"), "kid": "attacker" }),
                &escalated,
                Algorithm::HS256,
                attacker_key,
            ),
            "INVALID_TOKEN",
        ),
        (
            "x5u pointing at the attacker's certificate",
            hs(
                json!({ "alg": "HS256", "typ": "JWT", "x5u": format!("http://127.0.0.1:{port}/cert.pem") }),
                &escalated,
                Algorithm::HS256,
                attacker_key,
            ),
            "INVALID_TOKEN",
        ),
        (
            "kid path traversal, empty key",
            hs(
                json!({ "alg": "HS256", "typ": "JWT", "kid": "../../../../../../dev/null" }),
                &escalated,
                Algorithm::HS256,
                b"",
            ),
            "INVALID_TOKEN",
        ),
        (
            "kid SQL injection",
            hs(
                json!({ "alg": "HS256", "typ": "JWT", "kid": "x' UNION SELECT 'attacker" }),
                &escalated,
                Algorithm::HS256,
                b"attacker",
            ),
            "INVALID_TOKEN",
        ),
        // alg: none, whatever its spelling, with or without a signature.
        ("alg none", compact(&json!({ "alg": "none", "typ": "JWT" }), &escalated, |_| String::new()), "INVALID_TOKEN"),
        ("alg None", compact(&json!({ "alg": "None", "typ": "JWT" }), &escalated, |_| String::new()), "INVALID_TOKEN"),
        ("alg NONE", compact(&json!({ "alg": "NONE", "typ": "JWT" }), &escalated, |_| String::new()), "INVALID_TOKEN"),
        ("alg nOnE", compact(&json!({ "alg": "nOnE" }), &escalated, |_| String::new()), "INVALID_TOKEN"),
        (
            "alg none without the last dot",
            format!("{}.{}", b64(json!({ "alg": "none" }).to_string()), b64(escalated.to_string())),
            "INVALID_TOKEN",
        ),
        (
            "alg none with a real signature",
            compact(&json!({ "alg": "none", "typ": "JWT" }), &escalated, |i| {
                hmac(Algorithm::HS256, secret.as_bytes(), i)
            }),
            "INVALID_TOKEN",
        ),
        // A real token whose payload was changed (role: admin), with its original signature.
        (
            "tampered payload",
            format!("{}.{}.{}", real_parts[0], b64(escalated.to_string()), real_parts[2]),
            "INVALID_TOKEN",
        ),
        (
            "guessed key",
            hs(json!({ "alg": "HS256", "typ": "JWT" }), &escalated, Algorithm::HS256, b"secret"),
            "INVALID_TOKEN",
        ),
        // Correctly signed with the real secret, and still not acceptable.
        (
            "expired",
            hs(
                json!({ "alg": "HS256", "typ": "JWT" }),
                &with(json!({ "iat": now - 7200, "exp": now - 3600 })),
                Algorithm::HS256,
                secret.as_bytes(),
            ),
            "TOKEN_EXPIRED",
        ),
        (
            "wrong issuer",
            hs(
                json!({ "alg": "HS256", "typ": "JWT" }),
                &with(json!({ "iss": "https://evil.example" })),
                Algorithm::HS256,
                secret.as_bytes(),
            ),
            "INVALID_TOKEN",
        ),
        (
            "wrong audience",
            hs(
                json!({ "alg": "HS256", "typ": "JWT" }),
                &with(json!({ "aud": "someone-else" })),
                Algorithm::HS256,
                secret.as_bytes(),
            ),
            "INVALID_TOKEN",
        ),
        (
            "audience list",
            hs(
                json!({ "alg": "HS256", "typ": "JWT" }),
                &with(json!({ "aud": ["someone-else"] })),
                Algorithm::HS256,
                secret.as_bytes(),
            ),
            "INVALID_TOKEN",
        ),
        (
            "no expiry",
            hs(
                json!({ "alg": "HS256", "typ": "JWT" }),
                &with(json!({ "exp": null })),
                Algorithm::HS256,
                secret.as_bytes(),
            ),
            "INVALID_TOKEN",
        ),
        (
            "never issued (unknown jti)",
            hs(
                json!({ "alg": "HS256", "typ": "JWT" }),
                &with(json!({ "jti": uuid::Uuid::new_v4().to_string() })),
                Algorithm::HS256,
                secret.as_bytes(),
            ),
            "TOKEN_REVOKED",
        ),
        // Real tokens: logged out, and of a user who has been deleted since.
        ("revoked by logout", revoked.token.clone(), "TOKEN_REVOKED"),
        ("user deleted", deleted.token.clone(), "INVALID_TOKEN"),
    ];
    for (what, token, code) in &cases {
        for route in &routes {
            let r = route.with(Some(token), &[], "").await;
            expect(&r, 401, route.code(code), &format!("{what} on {} {} {}", route.service, route.method, route.path));
        }
    }

    // A token anywhere but the Authorization header is no token at all.
    let token = alice.token.as_str();
    let cookie = format!("token={token}; access_token={token}; jwt={token}");
    for route in &routes {
        for query in [
            format!("access_token={token}"),
            format!("token={token}"),
            format!("jwt={token}"),
            format!("authorization=Bearer%20{token}"),
        ] {
            let r = route.with(None, &[], &query).await;
            expect(
                &r,
                401,
                route.code("MISSING_TOKEN"),
                &format!("{} {} ?{}", route.service, route.path, &query[..query.find('=').unwrap_or(0)]),
            );
        }
        let r = route.with(None, &[("cookie", &cookie)], "").await;
        expect(&r, 401, route.code("MISSING_TOKEN"), &format!("{} {} cookie", route.service, route.path));
        for header in ["x-access-token", "x-auth-token", "x-amz-security-token"] {
            let r = route.with(None, &[(header, token)], "").await;
            expect(&r, 401, route.code("MISSING_TOKEN"), &format!("{} {} {header}", route.service, route.path));
        }
    }

    let fetched = tokio::time::timeout(Duration::from_millis(500), listener.accept()).await;
    assert!(fetched.is_err(), "a function fetched a key from the URL in a token header: {fetched:?}");
    // None of it did anything: the real token still works, and nothing was created by a forgery.
    assert_eq!(routes[0].with(Some(&alice.token), &[], "").await.status, 200);
    let forged_sessions: i64 = postgres()
        .await
        .query_one("SELECT count(*) FROM chat_sessions WHERE user_id = $1 AND title = 'forged'", &[&alice.id])
        .await
        .expect("count")
        .get(0);
    assert_eq!(forged_sessions, 1, "only the real token's session (the positive control) was created");
    let records: i64 = postgres()
        .await
        .query_one(&format!("SELECT count(*) FROM {}.records", TenantId::parse(&tenant).expect("id").schema()), &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(records, 1, "only the real token's record (the positive control) was created");
}

/// The two authentication fixes of this suite on the function binaries themselves, run under
/// our own Runtime API as API Gateway would invoke them: a token of a deleted user (identity,
/// chat, sessions and introspection refuse it) and a 64 KB bearer token on the tenant service
/// (refused before introspection, which used to answer it with a 500). The gateway's function
/// processes keep the binaries they started with, so this holds even before it is restarted.
#[tokio::test]
async fn the_binaries_refuse_tokens_of_deleted_users_and_oversized_tokens() {
    let tenant = new_tenant().await;
    let ghost = account(false, Some(&tenant)).await;
    postgres().await.execute("DELETE FROM users WHERE id = $1", &[&ghost.id]).await.expect("delete user");
    let bearer = format!("Bearer {}", ghost.token);
    for (function, path) in [
        ("profile", "/profile"),
        ("sessions-verify", "/api/sessions/verify"),
        ("chat-sessions-list", "/api/v1/sessions"),
    ] {
        let mut process = run_function(function, &[]).await;
        let answer = process
            .http(&HttpRequest::get(path).header("authorization", &bearer), Duration::from_secs(30))
            .await
            .expect("answer");
        let body = answer.json().expect("json");
        assert_eq!((answer.status, body["code"].as_str()), (401, Some("INVALID_TOKEN")), "{function}: {body}");
    }
    let mut introspect = run_function("introspect", &[]).await;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            env("INTROSPECTION_CLIENT_ID"),
            env("INTROSPECTION_CLIENT_SECRET")
        ))
    );
    let request = HttpRequest::post("/auth/introspect")
        .header("authorization", &basic)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={}", ghost.token));
    let answer = introspect.http(&request, Duration::from_secs(30)).await.expect("answer");
    assert_eq!(
        (answer.status, answer.json().expect("json")),
        (200, json!({ "active": false })),
        "introspection of a deleted user's token"
    );

    let mut data = run_function("tenant-data-get", &[]).await;
    for token in ["a".repeat(64 * 1024), "a+b/c=".repeat(2000), format!("{}%2E", ghost.token)] {
        let request = HttpRequest::get("/api/data")
            .header("authorization", &format!("Bearer {token}"))
            .header("x-tenant-id", &tenant);
        let answer = data.http(&request, Duration::from_secs(30)).await.expect("answer");
        let body = answer.json().expect("json");
        assert_eq!(
            (answer.status, body["code"].as_str()),
            (401, Some("AUTHENTICATION_FAILED")),
            "{} bytes: {body}",
            token.len()
        );
    }
}

// ------------------------------------------------------------------------------------------
// Another user's resources (IDOR). Images have no owner to protect: the image delivery service and the service
// map describe public uploads and a public listing with no database (no user id is stored with
// an object), so there is no other user's image to reach; the path tests below keep every write
// inside the service's own keys instead.

/// Chat: a resource of another user is answered as not found (404, its own code),
/// so ids reveal nothing; admin-only operations are 403 FORBIDDEN (chat.rs: "A resource of
/// another user is answered as not found"). After every attempt the owner's rows are unchanged.
#[tokio::test]
async fn chat_resources_of_another_user_stay_out_of_reach() {
    let (alice, bob) = (account(false, None).await, account(false, None).await);
    let a = |method: &'static str, path: String, body: Option<Value>| {
        let token = alice.token.clone();
        async move { call(method, &path, Some(&token), &[], body).await }
    };
    let email = format!("{}@example.com", unique("alice"));
    let me = a("PUT", format!("/api/v1/users/{}", alice.id), Some(json!({ "email": email }))).await;
    assert_eq!(me.status, 200, "{}", me.json);
    let session = a("POST", "/api/v1/sessions".into(), Some(json!({ "title": "alice private" }))).await;
    let sid = session.json["data"]["id"].as_str().expect("session id").to_string();
    let message =
        a("POST", "/api/v1/messages".into(), Some(json!({ "sessionId": sid, "kind": "text", "text": "alice secret" })))
            .await;
    let mid = message.json["data"]["id"].as_str().expect("message id").to_string();
    let vendor = a(
        "POST",
        "/api/v1/vendors".into(),
        Some(json!({ "sessionId": sid, "name": "Alice Vendor", "email": format!("v-{email}") })),
    )
    .await;
    let vid = vendor.json["data"]["id"].as_str().expect("vendor id").to_string();
    let seller = a(
        "POST",
        "/api/v1/sellers".into(),
        Some(
            json!({ "sessionId": sid, "name": "Alice Seller", "product": "Tea", "priceCents": 100, "currency": "EUR" }),
        ),
    )
    .await;
    let xid = seller.json["data"]["id"].as_str().expect("seller id").to_string();

    let seller_body = json!({ "name": "Bob", "product": "Tea", "priceCents": 1, "currency": "EUR" });
    let attempts: Vec<(&str, String, Option<Value>, u16, &str)> = vec![
        ("GET", format!("/api/v1/sessions/{sid}"), None, 404, "SESSION_NOT_FOUND"),
        ("PUT", format!("/api/v1/sessions/{sid}"), Some(json!({ "title": "bob was here" })), 404, "SESSION_NOT_FOUND"),
        ("DELETE", format!("/api/v1/sessions/{sid}"), None, 404, "SESSION_NOT_FOUND"),
        ("GET", format!("/api/v1/sessions?userId={}", alice.id), None, 403, "FORBIDDEN"),
        ("GET", format!("/api/v1/messages?sessionId={sid}"), None, 404, "SESSION_NOT_FOUND"),
        (
            "POST",
            "/api/v1/messages".into(),
            Some(json!({ "sessionId": sid, "kind": "text", "text": "bob was here" })),
            404,
            "SESSION_NOT_FOUND",
        ),
        ("GET", format!("/api/v1/messages/{mid}"), None, 404, "MESSAGE_NOT_FOUND"),
        ("PUT", format!("/api/v1/messages/{mid}"), Some(json!({ "text": "bob was here" })), 404, "MESSAGE_NOT_FOUND"),
        ("DELETE", format!("/api/v1/messages/{mid}"), None, 404, "MESSAGE_NOT_FOUND"),
        ("GET", format!("/api/v1/vendors?sessionId={sid}"), None, 404, "SESSION_NOT_FOUND"),
        (
            "POST",
            "/api/v1/vendors".into(),
            Some(json!({ "sessionId": sid, "name": "Bob Vendor" })),
            404,
            "SESSION_NOT_FOUND",
        ),
        ("GET", format!("/api/v1/vendors/{vid}"), None, 404, "VENDOR_NOT_FOUND"),
        ("PUT", format!("/api/v1/vendors/{vid}"), Some(json!({ "name": "Bob Vendor" })), 404, "VENDOR_NOT_FOUND"),
        ("DELETE", format!("/api/v1/vendors/{vid}"), None, 404, "VENDOR_NOT_FOUND"),
        ("GET", format!("/api/v1/sellers?sessionId={sid}"), None, 404, "SESSION_NOT_FOUND"),
        (
            "POST",
            "/api/v1/sellers".into(),
            Some(json!({ "sessionId": sid, "name": "Bob", "product": "Coffee", "priceCents": 1, "currency": "EUR" })),
            404,
            "SESSION_NOT_FOUND",
        ),
        ("GET", format!("/api/v1/sellers/{xid}"), None, 404, "SELLER_NOT_FOUND"),
        ("PUT", format!("/api/v1/sellers/{xid}"), Some(seller_body), 404, "SELLER_NOT_FOUND"),
        ("DELETE", format!("/api/v1/sellers/{xid}"), None, 404, "SELLER_NOT_FOUND"),
        ("GET", format!("/api/v1/users/{}", alice.id), None, 404, "USER_NOT_FOUND"),
        (
            "PUT",
            format!("/api/v1/users/{}", alice.id),
            Some(json!({ "email": format!("bob-{email}") })),
            404,
            "USER_NOT_FOUND",
        ),
        ("DELETE", format!("/api/v1/users/{}", alice.id), None, 403, "FORBIDDEN"),
        ("GET", "/api/v1/users".into(), None, 403, "FORBIDDEN"),
        // Bob on his own account: no self-promotion.
        ("PUT", format!("/api/v1/users/{}", bob.id), Some(json!({ "role": "admin" })), 403, "FORBIDDEN"),
    ];
    for (method, path, body, status, code) in attempts {
        let r = call(method, &path, Some(&bob.token), &[], body).await;
        expect(&r, status, code, &format!("bob {method} {path}"));
    }

    // Alice's rows, read back from PostgreSQL: exactly as she left them.
    let pg = postgres().await;
    let s = pg
        .query_one("SELECT user_id, title FROM chat_sessions WHERE id = $1::text::uuid", &[&sid])
        .await
        .expect("session row");
    assert_eq!((s.get::<_, i64>(0), s.get::<_, String>(1).as_str()), (alice.id, "alice private"));
    let m = pg
        .query_one("SELECT body, edited_at IS NULL, sender_id FROM chat_messages WHERE id = $1::text::uuid", &[&mid])
        .await
        .expect("message row");
    assert_eq!(
        (m.get::<_, Option<String>>(0).as_deref(), m.get::<_, bool>(1), m.get::<_, Option<i64>>(2)),
        (Some("alice secret"), true, Some(alice.id))
    );
    let count = |sql: &'static str| {
        let (pg, sid) = (&pg, sid.clone());
        async move { pg.query_one(sql, &[&sid]).await.expect("count").get::<_, i64>(0) }
    };
    assert_eq!(
        count("SELECT count(*) FROM chat_messages WHERE session_id = $1::text::uuid").await,
        1,
        "nothing was posted into alice's session"
    );
    assert_eq!(count("SELECT count(*) FROM vendors WHERE session_id = $1::text::uuid").await, 1);
    assert_eq!(
        count("SELECT count(*) FROM sellers WHERE session_id = $1::text::uuid").await,
        1,
        "no seller was added to alice's session"
    );
    let v =
        pg.query_one("SELECT name, email FROM vendors WHERE id = $1::text::uuid", &[&vid]).await.expect("vendor row");
    assert_eq!(
        (v.get::<_, String>(0), v.get::<_, Option<String>>(1)),
        ("Alice Vendor".to_string(), Some(format!("v-{email}")))
    );
    let x = pg
        .query_one("SELECT name, product, price_cents FROM sellers WHERE id = $1::text::uuid", &[&xid])
        .await
        .expect("seller row");
    assert_eq!(
        (x.get::<_, String>(0).as_str(), x.get::<_, String>(1).as_str(), x.get::<_, i64>(2)),
        ("Alice Seller", "Tea", 100)
    );
    let u = pg.query_one("SELECT email, role FROM users WHERE id = $1", &[&alice.id]).await.expect("alice");
    assert_eq!((u.get::<_, Option<String>>(0), u.get::<_, String>(1).as_str()), (Some(email.clone()), "user"));
    let role: String = pg.query_one("SELECT role FROM users WHERE id = $1", &[&bob.id]).await.expect("bob").get(0);
    assert_eq!(role, "user", "bob did not promote himself");
    let bobs: i64 =
        pg.query_one("SELECT count(*) FROM chat_sessions WHERE user_id = $1", &[&bob.id]).await.expect("count").get(0);
    assert_eq!(bobs, 0);
}

/// Session service (the session service): another user's sessions are 403 FORBIDDEN by user id, and a
/// session id of another user under one's own user id is not found; MongoDB still holds the
/// owner's session as it was.
#[tokio::test]
async fn sessions_of_another_user_stay_out_of_reach() {
    let (alice, bob) = (account(false, None).await, account(false, None).await);
    let created = call(
        "POST",
        "/api/sessions",
        Some(&alice.token),
        &[],
        Some(json!({ "metadata": { "device": "alice-phone" } })),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let sid = created.json["sessionId"].as_str().expect("sessionId").to_string();
    let bobs = call("POST", "/api/sessions", Some(&bob.token), &[], Some(json!({}))).await;
    assert_eq!(bobs.status, 201, "{}", bobs.json);

    let (a, b) = (alice.id, bob.id);
    let attempts: Vec<(&str, String, Option<Value>, u16, &str)> = vec![
        ("GET", format!("/api/sessions/{a}"), None, 403, "FORBIDDEN"),
        (
            "PUT",
            format!("/api/sessions/{a}"),
            Some(json!({ "sessionId": sid, "metadata": { "device": "bob" } })),
            403,
            "FORBIDDEN",
        ),
        ("DELETE", format!("/api/sessions/{a}?sessionId={sid}"), None, 403, "FORBIDDEN"),
        ("DELETE", format!("/api/sessions/{a}"), None, 403, "FORBIDDEN"),
        // Alice's session id under bob's own user id.
        (
            "PUT",
            format!("/api/sessions/{b}"),
            Some(json!({ "sessionId": sid, "metadata": { "device": "bob" } })),
            404,
            "SESSION_NOT_FOUND",
        ),
        ("DELETE", format!("/api/sessions/{b}?sessionId={sid}"), None, 404, "SESSION_NOT_FOUND"),
    ];
    for (method, path, body, status, code) in attempts {
        let r = call(method, &path, Some(&bob.token), &[], body).await;
        expect(&r, status, code, &format!("bob {method} {path}"));
    }
    let doc = mongo_sessions()
        .await
        .find_one(mongodb::bson::doc! { "sessionId": &sid })
        .await
        .expect("mongo")
        .expect("alice's session");
    assert_eq!(doc.get_i64("userId").ok().or_else(|| doc.get_i32("userId").ok().map(i64::from)), Some(a));
    assert_eq!(doc.get_str("status").expect("status"), "active", "bob ended nothing of alice's");
    assert_eq!(doc.get_document("metadata").expect("metadata").get_str("device").expect("device"), "alice-phone");
    let listed = call("GET", &format!("/api/sessions/{a}"), Some(&alice.token), &[], None).await;
    assert!(listed.json["sessions"].as_array().expect("sessions").iter().all(|s| s["userId"] == a), "{}", listed.json);
}

/// Tenant data: another tenant's records are not found with one's own tenant, and
/// the other tenant itself is 403 TENANT_ACCESS_DENIED, whatever the method; the owner tenant's
/// schema still holds its record unchanged.
#[tokio::test]
async fn tenant_data_of_another_tenant_stays_out_of_reach() {
    let (ta, tb) = (new_tenant().await, new_tenant().await);
    let (alice, bob) = (account(false, Some(&ta)).await, account(false, Some(&tb)).await);
    let created = call(
        "POST",
        "/api/data",
        Some(&alice.token),
        &[("x-tenant-id", &ta)],
        Some(json!({ "data": { "owner": "alice" } })),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let rid = created.json["id"].as_str().expect("id").to_string();

    let update = json!({ "data": { "owner": "bob" } });
    let attempts: Vec<(&str, String, &str, Option<Value>, u16, &str)> = vec![
        // Bob's own tenant, alice's record id.
        ("GET", format!("/api/data?id={rid}"), &tb, None, 404, "RECORD_NOT_FOUND"),
        ("PUT", format!("/api/data?id={rid}"), &tb, Some(update.clone()), 404, "RECORD_NOT_FOUND"),
        (
            "PUT",
            format!("/api/data?id={rid}"),
            &tb,
            Some(json!({ "data": { "owner": "bob" }, "version": 1 })),
            404,
            "RECORD_NOT_FOUND",
        ),
        ("DELETE", format!("/api/data?id={rid}"), &tb, None, 404, "RECORD_NOT_FOUND"),
        // Alice's tenant named outright.
        ("GET", "/api/data".into(), &ta, None, 403, "TENANT_ACCESS_DENIED"),
        ("GET", format!("/api/data?id={rid}"), &ta, None, 403, "TENANT_ACCESS_DENIED"),
        ("POST", "/api/data".into(), &ta, Some(update.clone()), 403, "TENANT_ACCESS_DENIED"),
        ("PUT", format!("/api/data?id={rid}"), &ta, Some(update.clone()), 403, "TENANT_ACCESS_DENIED"),
        ("DELETE", format!("/api/data?id={rid}"), &ta, None, 403, "TENANT_ACCESS_DENIED"),
        ("GET", "/tenants/health/details".into(), &ta, None, 403, "TENANT_ACCESS_DENIED"),
    ];
    for (method, path, tenant, body, status, code) in attempts {
        let r = call(method, &path, Some(&bob.token), &[("x-tenant-id", tenant)], body).await;
        expect(&r, status, code, &format!("bob {method} {path} as {tenant}"));
    }
    // Both tenants at once (API Gateway joins repeated headers with a comma): not a tenant id.
    for header in [format!("{tb},{ta}"), format!("{tb}, {ta}"), format!("{ta} ")] {
        let r = call("GET", "/api/data", Some(&bob.token), &[("x-tenant-id", &header)], None).await;
        let expected = if header.contains(',') { (400, "INVALID_TENANT_ID") } else { (403, "TENANT_ACCESS_DENIED") };
        expect(&r, expected.0, expected.1, &format!("X-Tenant-ID {header:?}"));
    }
    let repeated = send(
        http()
            .get(format!("{}/api/data", gateway()))
            .bearer_auth(&bob.token)
            .header("x-tenant-id", tb.as_str())
            .header("x-tenant-id", ta.as_str()),
    )
    .await;
    assert!(
        repeated.json["records"].as_array().is_none_or(|r| r.iter().all(|rec| rec["id"] != rid.as_str())),
        "two X-Tenant-ID headers reached alice's records: {}",
        repeated.json
    );
    assert!(
        matches!((repeated.status, repeated.code()), (400, "INVALID_TENANT_ID") | (200, "")),
        "{} {}",
        repeated.status,
        repeated.json
    );

    let pg = postgres().await;
    let schema_a = TenantId::parse(&ta).expect("id").schema();
    let row = pg
        .query_one(&format!("SELECT data, version FROM {schema_a}.records WHERE id = $1::text::uuid"), &[&rid])
        .await
        .expect("alice's record");
    assert_eq!((row.get::<_, Value>(0), row.get::<_, i32>(1)), (json!({ "owner": "alice" }), 1));
    let total: i64 =
        pg.query_one(&format!("SELECT count(*) FROM {schema_a}.records"), &[]).await.expect("count").get(0);
    assert_eq!(total, 1, "nothing was written into alice's tenant");
    let schema_b = TenantId::parse(&tb).expect("id").schema();
    let in_b: i64 = pg.query_one(&format!("SELECT count(*) FROM {schema_b}.records"), &[]).await.expect("count").get(0);
    assert_eq!(in_b, 0, "nothing was written into bob's tenant either");
}

// ------------------------------------------------------------------------------------------
// XML entities on the SOAP routes.

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

/// The fields of a RegisterUser (username first) and of a GetUser, with `value` as the username.
fn operations(username: &str, value: &str) -> [(&'static str, String); 2] {
    [
        (
            "/register",
            soap_envelope(
                "RegisterUser",
                &format!(
                    "<u:username>{value}</u:username><u:email>{username}@example.com</u:email><u:password>{PASSWORD}</u:password>"
                ),
            ),
        ),
        ("/user/soap", soap_envelope("GetUser", &format!("<u:username>{value}</u:username>"))),
    ]
}

/// DOCTYPEs in every place and spelling, parameter entities, external subsets, XInclude and
/// entity expansion on both SOAP routes: refused with the documented fault code, quickly, with
/// no file content in any answer, nothing fetched and nothing registered.
#[tokio::test]
async fn xml_entities_and_includes_are_refused_on_both_soap_routes() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut laughs = String::from("<!ENTITY lol0 \"lol\">");
    for i in 1..=9 {
        laughs.push_str(&format!("<!ENTITY lol{i} \"{}\">", format!("&lol{};", i - 1).repeat(10)));
    }
    // Quadratic blowup: one big entity referenced many times (no nesting to detect).
    let quadratic = format!("<!ENTITY big \"{}\">", "x".repeat(20_000));
    let prologs: Vec<(&str, String, String)> = vec![
        ("file entity", "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>".into(), "&e;".into()),
        ("parameter entity to a file", "<!DOCTYPE x [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>".into(), "alice".into()),
        (
            "parameter entity out of band",
            format!("<!DOCTYPE x [<!ENTITY % file SYSTEM \"file:///etc/passwd\"><!ENTITY % dtd SYSTEM \"http://127.0.0.1:{port}/evil.dtd\"> %dtd;]>"),
            "alice".into(),
        ),
        ("external subset", format!("<!DOCTYPE soapenv:Envelope SYSTEM \"http://127.0.0.1:{port}/soap.dtd\">"), "alice".into()),
        ("public identifier", format!("<!DOCTYPE x PUBLIC \"-//E//DTD E//EN\" \"http://127.0.0.1:{port}/e.dtd\">"), "alice".into()),
        ("lower-case doctype", "<!doctype x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>".into(), "&e;".into()),
        ("after a comment", "<!-- hi --><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>".into(), "&e;".into()),
        ("after the declaration", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/shadow\">]>".into(), "&e;".into()),
        ("billion laughs", format!("<!DOCTYPE lolz [{laughs}]>"), "&lol9;".into()),
        ("quadratic blowup", format!("<!DOCTYPE q [{quadratic}]>"), "&big;".repeat(1000)),
    ];
    let started = Instant::now();
    let mut names = Vec::new();
    for (what, prolog, value) in &prologs {
        let username = unique("xxe");
        for (path, envelope) in operations(&username, value) {
            let r = post_soap(path, format!("{prolog}{envelope}"), "text/xml; charset=utf-8").await;
            assert_eq!((r.status, r.code()), (400, "XML_DOCTYPE_FORBIDDEN"), "{what} on {path}: {}", r.text);
            assert!(r.text.len() < 2048, "{what} on {path}: the answer expanded something ({} bytes)", r.text.len());
            assert!(
                !r.text.contains("root:") && !r.text.contains("lollol") && !r.text.contains("xxxxxxxx"),
                "{what} on {path}: {}",
                r.text
            );
        }
        names.push(username);
    }
    assert!(started.elapsed() < Duration::from_secs(60), "entity documents took {:?}", started.elapsed());

    // No DOCTYPE, but other ways to pull content in or to reach the parser's limits.
    let username = unique("xinc");
    let xinclude =
        "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"file:///etc/passwd\" parse=\"text\"/>";
    let others: Vec<(&str, String, String, u16, &str)> = vec![
        ("XInclude in the username", String::new(), xinclude.into(), 400, "INVALID_SOAP_REQUEST"),
        (
            "a DOCTYPE inside the body",
            String::new(),
            "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>".into(),
            400,
            "XML_DOCTYPE_FORBIDDEN",
        ),
        ("an undeclared entity", String::new(), "&passwd;".into(), 400, "MALFORMED_XML"),
        (
            "a stylesheet instruction",
            "<?xml-stylesheet type=\"text/xsl\" href=\"file:///etc/passwd\"?>".into(),
            "alice".into(),
            400,
            "INVALID_SOAP_REQUEST",
        ),
        (
            "a declared UTF-16 encoding",
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?>".into(),
            "alice".into(),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            "5,000 nested elements",
            String::new(),
            format!("{}x{}", "<u:a>".repeat(5000), "</u:a>".repeat(5000)),
            400,
            "INVALID_SOAP_REQUEST",
        ),
    ];
    for (what, prolog, value, status, code) in &others {
        for (path, envelope) in operations(&username, value) {
            let r = post_soap(path, format!("{prolog}{envelope}"), "text/xml; charset=utf-8").await;
            assert_eq!((r.status, r.code()), (*status, *code), "{what} on {path}: {}", r.text);
            assert!(!r.text.contains("root:"), "{what} on {path}: {}", r.text);
        }
    }
    names.push(username);

    // A UTF-16 document with an external entity. The local gateway cannot carry a body that is
    // not UTF-8 under a text content type (it answers 500 itself, before any function runs), so
    // the functions get it as API Gateway delivers it, base64-encoded, from our own Runtime API.
    let utf16_doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{}",
        soap_envelope("GetUser", "<u:username>&e;</u:username>")
    );
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(utf16_doc.encode_utf16().flat_map(u16::to_le_bytes));
    for (function, path) in [("user-lookup-soap", "/user/soap"), ("register-soap", "/register")] {
        let mut process = run_function(function, &[]).await;
        let request = HttpRequest::post(path)
            .header("content-type", "text/xml; charset=utf-16")
            .header("soapaction", "\"\"")
            .body(utf16.clone());
        let answer = process.http(&request, Duration::from_secs(30)).await.expect("answer");
        let text = answer.text();
        let code = text.split("<tns:code>").nth(1).and_then(|s| s.split('<').next()).unwrap_or_default();
        assert_eq!((answer.status, code), (415, "UNSUPPORTED_MEDIA_TYPE"), "UTF-16 on {function}: {text}");
        assert!(!text.contains("root:"));
    }

    let fetched = tokio::time::timeout(Duration::from_millis(500), listener.accept()).await;
    assert!(fetched.is_err(), "a SOAP function connected to an entity's URL: {fetched:?}");
    let pg = postgres().await;
    for name in names {
        let n: i64 =
            pg.query_one("SELECT count(*) FROM users WHERE username = $1", &[&name]).await.expect("count").get(0);
        assert_eq!(n, 0, "{name} was registered from a hostile document");
    }
}

// ------------------------------------------------------------------------------------------
// Path tricks in image names and ids.

const PNG: &[u8] = include_bytes!("../fixtures/images/sunset.png");

async fn image_store() -> aws_sdk_s3::Client {
    let sdk = integration_tests::aws_sdk_config().await;
    let conf = aws_sdk_s3::config::Builder::from(&sdk).endpoint_url(env("IMAGES_S3_ENDPOINT")).force_path_style(true);
    aws_sdk_s3::Client::from_conf(conf.build())
}

/// Every key of the images bucket, all pages.
async fn bucket_keys() -> BTreeSet<String> {
    let s3 = image_store().await;
    let mut keys = BTreeSet::new();
    let mut token = None;
    loop {
        let out = s3
            .list_objects_v2()
            .bucket(env("IMAGES_BUCKET"))
            .set_continuation_token(token)
            .send()
            .await
            .expect("list the bucket");
        keys.extend(out.contents().iter().filter_map(|o| o.key().map(str::to_string)));
        match out.next_continuation_token() {
            Some(next) if out.is_truncated().unwrap_or(false) => token = Some(next.to_string()),
            _ => break,
        }
    }
    keys
}

/// A key this service writes: `images/` or `uploads/`, then its own id, nothing of the client's.
fn is_service_key(key: &str) -> bool {
    let Some(id) = key.strip_prefix("images/").or_else(|| key.strip_prefix("uploads/")) else {
        return false;
    };
    shared::domain::images::parse_object_id(id).is_some()
}

/// One request with its target sent byte for byte: HTTP clients normalise `..` and `%2e%2e`
/// segments away before sending, an attacker's client does not.
async fn raw_http(method: &str, target: &str) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = gateway();
    let host = address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect to the gateway");
    let request =
        format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer))
        .await
        .expect("answer in time")
        .expect("read");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        // size CRLF data CRLF ... 0 CRLF CRLF
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 || tail.len() < n {
                break;
            }
            out.push_str(&tail[..n]);
            rest = tail[n..].trim_start_matches("\r\n");
        }
        out
    } else {
        body.to_string()
    };
    (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
}

async fn upload_multipart(filename: &str) -> Reply {
    let mut body = Vec::new();
    body.extend_from_slice(format!("--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: image/png\r\n\r\n").as_bytes());
    body.extend_from_slice(PNG);
    body.extend_from_slice(b"\r\n--b0undary--\r\n");
    send(
        http()
            .post(format!("{}/images", gateway()))
            .header("content-type", "multipart/form-data; boundary=b0undary")
            .body(body),
    )
    .await
}

/// Traversal in every encoding a name can arrive in (multipart file name, `?filename=`, the
/// presign body) and in the upload id of the complete route and the listing's cursor: a name
/// that tries to be a path is refused (400 INVALID_FILENAME); one that only looks odd is kept
/// as a label while the key stays ours; ids and cursors that are not ours are refused. The
/// bucket holds no key outside `images/` and `uploads/` afterwards, and none with the names.
#[tokio::test]
async fn path_tricks_in_image_names_and_ids_never_leave_the_images_prefix() {
    let before = bucket_keys().await;
    let refused_names = [
        "../../../etc/passwd.png",
        "..\\..\\windows\\win.ini.png",
        "/etc/passwd.png",
        "C:\\Windows\\evil.png",
        "images/../../x.png",
        "uploads/../images/x.png",
        "....//....//x.png",
        "..",
        ".",
        "\u{2025}/x.png",
        "CON.png",
        "x.png.",
    ];
    for name in refused_names {
        expect(&upload_multipart(name).await, 400, "INVALID_FILENAME", &format!("multipart {name:?}"));
        let presign = call(
            "POST",
            "/images/uploads",
            None,
            &[],
            Some(json!({ "contentType": "image/png", "size": 10, "filename": name })),
        )
        .await;
        expect(&presign, 400, "INVALID_FILENAME", &format!("presign {name:?}"));
    }
    // `?filename=` arrives percent-encoded: decoded once by the gateway, never twice by us.
    let raw_refused = [
        "..%2F..%2Fetc%2Fpasswd.png",
        "..%5C..%5Cx.png",
        "%2Fetc%2Fpasswd.png",
        "a%00b.png",
        "%00",
        "x%0D%0ASet-Cookie%3A%20a%3Db.png",
        "%2E%2E",
    ];
    for query in raw_refused {
        let r = send(
            http()
                .post(format!("{}/images?filename={query}", gateway()))
                .header("content-type", "image/png")
                .body(PNG.to_vec()),
        )
        .await;
        expect(&r, 400, "INVALID_FILENAME", &format!("?filename={query}"));
    }
    // Names a multipart header cannot carry, through the JSON of the presign route.
    for name in ["x\u{0}.png", "a\"; filename=\"evil.html", "x\r\nSet-Cookie: a=b.png"] {
        let r = call(
            "POST",
            "/images/uploads",
            None,
            &[],
            Some(json!({ "contentType": "image/png", "size": 10, "filename": name })),
        )
        .await;
        expect(&r, 400, "INVALID_FILENAME", &format!("presign {name:?}"));
    }

    // Names that only look like paths: labels, stored verbatim as the original name, the key ours.
    let labels = [
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd.png",
        "\u{FF0E}\u{FF0E}\u{FF0F}\u{FF0E}\u{FF0E}\u{FF0F}etc\u{FF0F}passwd.png",
        "\u{2025}\u{2215}x.png",
        "..x.png",
    ];
    let mut accepted = Vec::new();
    for name in labels {
        let r = upload_multipart(name).await;
        assert_eq!(r.status, 201, "multipart {name:?}: {}", r.json);
        assert_eq!(r.json["originalName"], name, "{}", r.json);
        let key = r.json["key"].as_str().expect("key").to_string();
        assert!(key.starts_with("images/") && is_service_key(&key), "{name:?} -> {key}");
        accepted.push(key);
        let p = call(
            "POST",
            "/images/uploads",
            None,
            &[],
            Some(json!({ "contentType": "image/png", "size": 10, "filename": name })),
        )
        .await;
        assert_eq!(p.status, 201, "presign {name:?}: {}", p.json);
        let id = p.json["uploadId"].as_str().expect("uploadId");
        assert!(shared::domain::images::parse_object_id(id).is_some(), "{name:?} -> upload id {id}");
        assert!(p.json["publicUrl"].as_str().is_some_and(|u| u.ends_with(&format!("/images/{id}"))), "{}", p.json);
    }
    let encoded = send(
        http()
            .post(format!("{}/images?filename=%252e%252e%252fx.png", gateway()))
            .header("content-type", "image/png")
            .body(PNG.to_vec()),
    )
    .await;
    assert_eq!(
        (encoded.status, &encoded.json["originalName"]),
        (201, &json!("%2e%2e%2fx.png")),
        "double-encoded: {}",
        encoded.json
    );
    accepted.push(encoded.json["key"].as_str().expect("key").to_string());

    // The stored names come back as RFC 8187 labels, never as a path or a raw header.
    for key in &accepted {
        let head = image_store().await.head_object().bucket(env("IMAGES_BUCKET")).key(key).send().await.expect("head");
        let disposition = head.content_disposition().unwrap_or_default();
        assert!(disposition.starts_with("inline; filename*=UTF-8''"), "{key}: {disposition}");
        assert!(!disposition[26..].contains(['/', '\\', '"', '\r', '\n']), "{key}: {disposition}");
    }

    // Ids and cursors that are not this service's own: refused before the store is asked.
    let ids = [
        "..%2F..%2Fimages%2Fx.png",
        "%2e%2e",
        "..",
        "..%5Cx",
        "%2Fetc%2Fpasswd",
        "9999999999999-0123456789abcdef.png%00",
        "9999999999999-0123456789abcdef.png%2F..%2F..%2Fx",
        "9999999999999-0123456789ABCDEF.png",
    ];
    for id in ids {
        let (status, json) = raw_http("POST", &format!("/images/uploads/{id}/complete")).await;
        assert_eq!((status, json["code"].as_str()), (400, Some("INVALID_UPLOAD_ID")), "complete {id}: {json}");
    }
    let cursors = [
        "images/../uploads/x",
        "uploads/8233333333333-0123456789abcdef.png",
        "images/8233333333333-0123456789abcdef.png%00",
        "%2e%2e%2f",
        "%2Fimages%2F",
    ];
    for cursor in cursors {
        expect(&get(&format!("/images?cursor={cursor}")).await, 400, "INVALID_CURSOR", &format!("cursor {cursor}"));
    }

    let after = bucket_keys().await;
    let new: Vec<&String> = after.difference(&before).collect();
    for key in &accepted {
        assert!(after.contains(key), "{key} was stored");
    }
    for key in &new {
        assert!(is_service_key(key), "a key outside the service's own shape: {key}");
        assert!(
            !key.contains("..") && !key.contains("passwd") && !key.contains('\\') && !key.contains("win.ini"),
            "{key}"
        );
    }
    for key in &after {
        assert!(!key.starts_with('/') && !key.contains("../") && !key.contains("etc/passwd"), "the bucket holds {key}");
    }
}

// ------------------------------------------------------------------------------------------
// Injection strings.

/// SQL and NoSQL injection in usernames, ids, cursors, query parameters, JSON values and tenant
/// ids: a 4xx with its code or a normal empty/own answer, never a 5xx, never another's data.
#[tokio::test]
async fn injection_strings_are_inert_everywhere() {
    let tenant = new_tenant().await;
    let (alice, bob) = (account(false, Some(&tenant)).await, account(false, None).await);
    let sid = call("POST", "/api/v1/sessions", Some(&alice.token), &[], Some(json!({ "title": "alice only" })))
        .await
        .json["data"]["id"]
        .as_str()
        .expect("session id")
        .to_string();
    let sql = [
        "' OR 1=1 --",
        "' OR '1'='1",
        "admin'--",
        "\"; DROP TABLE users; --",
        "1; DROP TABLE users",
        "%' OR username LIKE '%",
    ];
    let encode = |s: &str| shared::domain::images::percent_encode_name(s);

    // Logins: strings are compared, never interpreted; objects where strings belong are refused.
    for username in sql {
        for path in ["/login", "/api/auth/login", "/api/v1/auth/login"] {
            let r = post_json(path, &json!({ "username": username, "password": WRONG_PASSWORD })).await;
            expect(&r, 401, "INVALID_CREDENTIALS", &format!("{path} {username}"));
        }
    }
    for value in [
        json!({ "$ne": null }),
        json!({ "$gt": "" }),
        json!({ "$where": "return true" }),
        json!(["alice"]),
        json!(true),
    ] {
        for path in ["/login", "/api/auth/login", "/api/v1/auth/login"] {
            let r = post_json(path, &json!({ "username": value, "password": value })).await;
            expect(&r, 400, "VALIDATION_FAILED", &format!("{path} {value}"));
        }
        let r = post_json(
            "/api/auth/register",
            &json!({ "username": value, "email": "x@example.com", "password": PASSWORD }),
        )
        .await;
        expect(&r, 400, "VALIDATION_FAILED", &format!("register {value}"));
        let r = post_json("/api/v1/auth/refresh", &json!({ "refreshToken": value })).await;
        assert!(matches!((r.status, r.code()), (400, "VALIDATION_FAILED")), "refresh {value}: {} {}", r.status, r.json);
    }
    for username in sql {
        let r = post_json(
            "/api/auth/register",
            &json!({ "username": username, "email": "x@example.com", "password": PASSWORD }),
        )
        .await;
        expect(&r, 400, "VALIDATION_FAILED", &format!("register {username}"));
        let r = post_json("/api/v1/auth/refresh", &json!({ "refreshToken": username })).await;
        expect(&r, 401, "INVALID_REFRESH_TOKEN", &format!("refresh {username}"));
    }

    // Lookups by username: nobody has these names.
    for username in sql.iter().copied().chain(["{\"$ne\": null}", "{\"$gt\": \"\"}", "%", "_", "*"]) {
        let r = get(&format!("/last-connection?username={}", encode(username))).await;
        expect(&r, 404, "USER_NOT_FOUND", &format!("last-connection {username}"));
        let soap =
            http().get(format!("{}/user/soap?username={}", gateway(), encode(username))).send().await.expect("gateway");
        let status = soap.status().as_u16();
        let text = soap.text().await.expect("body");
        assert_eq!(status, 404, "user/soap {username}: {text}");
        assert!(text.contains("<tns:code>USER_NOT_FOUND</tns:code>"), "user/soap {username}: {text}");
    }
    for query in ["username[$ne]=x", "username[$gt]=", "username[$regex]=.*"] {
        expect(&get(&format!("/last-connection?{query}")).await, 400, "MISSING_USERNAME", query);
    }

    // Chat: ids, cursors, parameters and JSON values.
    let t = Some(alice.token.as_str());
    let chat: Vec<(&str, String, Option<Value>, u16, &str)> = vec![
        ("GET", format!("/api/v1/sessions/{}", encode("' OR 1=1 --")), None, 400, "INVALID_ID"),
        ("GET", format!("/api/v1/sessions/{}", encode(&format!("{sid}' OR '1'='1"))), None, 400, "INVALID_ID"),
        ("DELETE", format!("/api/v1/messages/{}", encode("1 OR 1=1")), None, 400, "INVALID_ID"),
        ("GET", format!("/api/v1/users/{}", encode("1 OR 1=1")), None, 400, "INVALID_ID"),
        ("GET", format!("/api/v1/users/{}", encode("1; DROP TABLE users")), None, 400, "INVALID_ID"),
        ("GET", format!("/api/v1/sessions?cursor={}", encode("' OR 1=1 --")), None, 400, "INVALID_CURSOR"),
        (
            "GET",
            format!("/api/v1/sessions?cursor={}", encode(&format!("0_{sid}' OR '1'='1"))),
            None,
            400,
            "INVALID_CURSOR",
        ),
        ("GET", format!("/api/v1/sessions?userId={}", encode("1 OR 1=1")), None, 400, "INVALID_USER_ID"),
        (
            "GET",
            format!("/api/v1/sessions?limit={}", encode("1; DROP TABLE chat_sessions")),
            None,
            400,
            "INVALID_LIMIT",
        ),
        ("GET", format!("/api/v1/messages?sessionId={}", encode("' OR 1=1 --")), None, 400, "INVALID_SESSION_ID"),
        ("GET", format!("/api/v1/messages?sessionId={sid}&cursor={}", encode("0 OR 1=1")), None, 400, "INVALID_CURSOR"),
        (
            "GET",
            format!("/api/v1/sellers?sessionId={sid}&cursor={}", encode("{\"$gt\": \"\"}")),
            None,
            400,
            "INVALID_CURSOR",
        ),
        ("GET", format!("/api/v1/vendors?sessionId={}", encode("{\"$ne\": null}")), None, 400, "INVALID_SESSION_ID"),
        ("POST", "/api/v1/sessions".into(), Some(json!({ "title": { "$ne": null } })), 400, "VALIDATION_FAILED"),
        (
            "POST",
            "/api/v1/messages".into(),
            Some(json!({ "sessionId": { "$gt": "" }, "kind": "text", "text": "x" })),
            400,
            "VALIDATION_FAILED",
        ),
        (
            "POST",
            "/api/v1/vendors".into(),
            Some(json!({ "sessionId": sid, "name": { "$where": "1" } })),
            400,
            "VALIDATION_FAILED",
        ),
        (
            "PUT",
            format!("/api/v1/users/{}", alice.id),
            Some(json!({ "email": { "$ne": null } })),
            400,
            "VALIDATION_FAILED",
        ),
        ("PUT", format!("/api/v1/users/{}", alice.id), Some(json!({ "role": "admin' --" })), 400, "VALIDATION_FAILED"),
    ];
    for (method, path, body, status, code) in chat {
        let r = call(method, &path, t, &[], body).await;
        expect(&r, status, code, &format!("{method} {path}"));
    }
    // Stored verbatim, read back verbatim: the strings are data.
    for title in sql {
        let r = call("POST", "/api/v1/sessions", t, &[], Some(json!({ "title": title }))).await;
        assert_eq!((r.status, r.json["data"]["title"].as_str()), (201, Some(title)), "{}", r.json);
    }
    let bobs = call("GET", "/api/v1/sessions?limit=100", Some(&bob.token), &[], None).await;
    assert_eq!(bobs.json["data"]["items"], json!([]), "bob sees none of alice's sessions: {}", bobs.json);

    // Session service: ids and session ids are strings, never operators.
    let b = Some(bob.token.as_str());
    let own = call("POST", "/api/sessions", b, &[], Some(json!({}))).await;
    assert_eq!(own.status, 201, "{}", own.json);
    let sessions: Vec<(&str, String, Option<Value>, u16, &str)> = vec![
        ("GET", format!("/api/sessions/{}", encode("1 OR 1=1")), None, 400, "INVALID_USER_ID"),
        ("GET", format!("/api/sessions/{}", encode("{\"$ne\": null}")), None, 400, "INVALID_USER_ID"),
        (
            "PUT",
            format!("/api/sessions/{}", bob.id),
            Some(json!({ "sessionId": { "$ne": null } })),
            400,
            "VALIDATION_FAILED",
        ),
        (
            "PUT",
            format!("/api/sessions/{}", bob.id),
            Some(json!({ "sessionId": "' OR 1=1 --" })),
            404,
            "SESSION_NOT_FOUND",
        ),
        (
            "PUT",
            format!("/api/sessions/{}", bob.id),
            Some(json!({ "sessionId": "{\"$ne\": null}" })),
            404,
            "SESSION_NOT_FOUND",
        ),
        (
            "DELETE",
            format!("/api/sessions/{}?sessionId={}", bob.id, encode("{\"$ne\": null}")),
            None,
            404,
            "SESSION_NOT_FOUND",
        ),
        (
            "DELETE",
            format!("/api/sessions/{}?sessionId={}", bob.id, encode("' || '1'=='1")),
            None,
            404,
            "SESSION_NOT_FOUND",
        ),
        (
            "POST",
            "/api/sessions".into(),
            Some(json!({ "metadata": { "$set": { "userId": alice.id } } })),
            400,
            "VALIDATION_FAILED",
        ),
        ("POST", "/api/sessions".into(), Some(json!({ "metadata": { "a.b": 1 } })), 400, "VALIDATION_FAILED"),
    ];
    for (method, path, body, status, code) in sessions {
        let r = call(method, &path, b, &[], body).await;
        expect(&r, status, code, &format!("{method} {path}"));
    }
    let still = call("GET", &format!("/api/sessions/{}", bob.id), b, &[], None).await;
    assert!(
        still.json["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .any(|s| s["sessionId"] == own.json["sessionId"] && s["status"] == "active"),
        "bob's own session was not ended by an operator: {}",
        still.json
    );
    let alice_docs = mongo_sessions()
        .await
        .count_documents(mongodb::bson::doc! { "userId": alice.id, "origin": "api" })
        .await
        .expect("count");
    assert_eq!(alice_docs, 0, "nothing was written for alice");

    // Tenants: ids, cursors and tenant ids.
    let tt = [("x-tenant-id", tenant.as_str())];
    let tenants: Vec<(&str, String, &[(&str, &str)], u16, &str)> = vec![
        ("GET", format!("/api/data?id={}", encode("' OR 1=1 --")), &tt, 400, "INVALID_RECORD_ID"),
        ("GET", format!("/api/data?cursor={}", encode("' OR 1=1 --")), &tt, 400, "INVALID_CURSOR"),
        ("GET", format!("/api/data?limit={}", encode("1 OR 1=1")), &tt, 400, "INVALID_LIMIT"),
        ("GET", "/api/data".into(), &[("x-tenant-id", "' OR 1=1 --")], 400, "INVALID_TENANT_ID"),
        ("GET", "/api/data".into(), &[("x-tenant-id", "{\"$ne\":null}")], 400, "INVALID_TENANT_ID"),
        ("GET", "/api/data".into(), &[("x-tenant-id", "public")], 403, "TENANT_ACCESS_DENIED"),
        ("GET", "/api/data".into(), &[("x-tenant-id", "pg-catalog")], 403, "TENANT_ACCESS_DENIED"),
    ];
    for (method, path, headers, status, code) in tenants {
        let r = call(method, &path, t, headers, None).await;
        expect(&r, status, code, &format!("{method} {path} {headers:?}"));
    }
    let listed = call("GET", "/api/data", t, &tt, None).await;
    assert_eq!((listed.status, &listed.json["records"]), (200, &json!([])), "{}", listed.json);

    // Nothing was dropped.
    let pg = postgres().await;
    for table in ["users", "chat_sessions", "chat_messages", "tenants", "login_sessions", "refresh_tokens", "outbox"] {
        assert!(pg.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await.is_ok(), "{table} is gone");
    }
}

// ------------------------------------------------------------------------------------------
// Oversized input.

/// A 1 MB JSON body on every JSON route is a 413 PAYLOAD_TOO_LARGE from the function; deeply
/// nested JSON within the size limits is a 400 with its code; a 64 KB header is read and
/// ignored, or refused with the header's own code when it is the one the route reads; and the
/// functions keep answering afterwards.
#[tokio::test]
async fn oversized_and_deeply_nested_input_is_a_4xx_and_functions_keep_answering() {
    let tenant = new_tenant().await;
    let alice = account(false, Some(&tenant)).await;
    let t = Some(alice.token.as_str());
    let tt = [("x-tenant-id", tenant.as_str())];
    let megabyte = "x".repeat(1024 * 1024);

    struct Route<'a> {
        path: &'a str,
        token: Option<&'a str>,
        headers: &'a [(&'a str, &'a str)],
        envelope: bool,
    }
    let routes = [
        Route { path: "/login", token: None, headers: &[], envelope: false },
        Route { path: "/api/auth/login", token: None, headers: &[], envelope: false },
        Route { path: "/api/auth/register", token: None, headers: &[], envelope: false },
        Route { path: "/api/v1/auth/login", token: None, headers: &[], envelope: true },
        Route { path: "/api/v1/auth/refresh", token: None, headers: &[], envelope: true },
        Route { path: "/api/v1/sessions", token: t, headers: &[], envelope: true },
        Route { path: "/api/v1/messages", token: t, headers: &[], envelope: true },
        Route { path: "/api/v1/vendors", token: t, headers: &[], envelope: true },
        Route { path: "/api/v1/sellers", token: t, headers: &[], envelope: true },
        Route { path: "/api/sessions", token: t, headers: &[], envelope: false },
        Route { path: "/api/data", token: t, headers: &tt, envelope: false },
        Route { path: "/images/uploads", token: None, headers: &[], envelope: false },
    ];
    for route in &routes {
        let r = call(
            "POST",
            route.path,
            route.token,
            route.headers,
            Some(json!({ "title": megabyte, "username": megabyte })),
        )
        .await;
        expect(&r, 413, "PAYLOAD_TOO_LARGE", &format!("1 MB on {}", route.path));
        assert_eq!(route.envelope, r.json.get("status").is_some(), "{}: the route's own error format", route.path);
    }
    let soap = post_soap(
        "/register",
        soap_envelope("RegisterUser", &format!("<u:username>{megabyte}</u:username>")),
        "text/xml; charset=utf-8",
    )
    .await;
    assert_eq!((soap.status, soap.code()), (413, "PAYLOAD_TOO_LARGE"), "{}", &soap.text[..soap.text.len().min(300)]);
    let introspect = send(
        http()
            .post(format!("{}/auth/introspect", gateway()))
            .basic_auth("tenant-service", Some(env("INTROSPECTION_CLIENT_SECRET")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={megabyte}")),
    )
    .await;
    expect(&introspect, 413, "PAYLOAD_TOO_LARGE", "1 MB introspection");
    let six_megabytes = vec![0x89u8; 6 * 1024 * 1024];
    let upload =
        send(http().post(format!("{}/images", gateway())).header("content-type", "image/png").body(six_megabytes))
            .await;
    expect(&upload, 413, "FILE_TOO_LARGE", "6 MB image");

    // Deep nesting inside the size limits: serde_json's recursion limit where a free-form JSON
    // value is read (INVALID_JSON), the field's type where a typed field is (VALIDATION_FAILED);
    // never a stack overflow.
    let deep_array = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
    let deep_object = |levels: usize| format!("{}1{}", "{\"a\":".repeat(levels), "}".repeat(levels));
    let nested: Vec<(&str, Option<&str>, &[(&str, &str)], String, &str)> = vec![
        ("/api/sessions", t, &[], format!("{{\"metadata\":{}}}", deep_object(1000)), "INVALID_JSON"),
        ("/api/sessions", t, &[], format!("{{\"metadata\":{{\"a\":{}}}}}", deep_array(3000)), "INVALID_JSON"),
        ("/api/data", t, &tt, format!("{{\"data\":{{\"a\":{}}}}}", deep_array(20_000)), "INVALID_JSON"),
        ("/api/data", t, &tt, format!("{{\"data\":{}}}", deep_object(5000)), "INVALID_JSON"),
        ("/api/v1/sessions", t, &[], deep_array(5000), "VALIDATION_FAILED"),
        ("/api/v1/sessions", t, &[], format!("{{\"title\":{}}}", deep_object(1000)), "VALIDATION_FAILED"),
        (
            "/api/v1/messages",
            t,
            &[],
            format!("{{\"sessionId\":{},\"kind\":\"text\",\"text\":\"x\"}}", deep_array(3000)),
            "VALIDATION_FAILED",
        ),
        ("/login", None, &[], deep_array(1500), "VALIDATION_FAILED"),
        ("/api/v1/auth/login", None, &[], format!("{{\"username\":{}}}", deep_object(500)), "VALIDATION_FAILED"),
        ("/api/v1/auth/refresh", None, &[], format!("{{\"refreshToken\":{}}}", deep_array(1500)), "VALIDATION_FAILED"),
        ("/images/uploads", None, &[], deep_array(1500), "VALIDATION_FAILED"),
    ];
    for (path, token, headers, body, code) in nested {
        let mut req =
            http().post(format!("{}{path}", gateway())).header("content-type", "application/json").body(body.clone());
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = send(req).await;
        expect(&r, 400, code, &format!("{} nested bytes on {path}", body.len()));
    }

    // 64 KB headers: ignored where the route does not read them, refused with the header's own
    // code where it does; never a 5xx.
    let big = "a".repeat(64 * 1024);
    let noise = call("GET", "/api/v1/sessions", t, &[("x-padding", &big)], None).await;
    assert_eq!(noise.status, 200, "an unread 64 KB header: {}", noise.json);
    let guarded = guarded_routes(&alice, &tenant);
    for route in &guarded {
        let r = route.with(Some(&big), &[], "").await;
        expect(&r, 401, route.code("INVALID_TOKEN"), &format!("64 KB bearer token on {} {}", route.method, route.path));
        let r = route.with(None, &[("authorization", &format!("Basic {big}"))], "").await;
        expect(&r, 401, route.code("INVALID_TOKEN"), &format!("64 KB Basic on {} {}", route.method, route.path));
    }
    expect(
        &call("GET", "/api/data", t, &[("x-tenant-id", &big)], None).await,
        400,
        "INVALID_TENANT_ID",
        "64 KB X-Tenant-ID",
    );
    let origin = call("GET", "/api/v1/sessions", t, &[("origin", &format!("http://{big}"))], None).await;
    assert_eq!(origin.status, 200);
    assert!(origin.headers.get("access-control-allow-origin").is_none());
    let ua = call(
        "POST",
        "/api/v1/auth/login",
        None,
        &[("user-agent", &big)],
        Some(json!({ "username": "nobody-here", "password": "x" })),
    )
    .await;
    expect(&ua, 401, "INVALID_CREDENTIALS", "64 KB User-Agent on login");
    expect(
        &get(&format!("/last-connection?username={}", "a".repeat(60 * 1024))).await,
        400,
        "INVALID_USERNAME",
        "60 KB query",
    );

    // A 1 MB header is beyond what the local gateway (hyper) reads: it answers 431 itself and no
    // function is invoked (API Gateway's own limit is 10 KB per header; it answers before Lambda too).
    let huge = send(
        http()
            .get(format!("{}/api/v1/sessions", gateway()))
            .bearer_auth(&alice.token)
            .header("x-padding", "a".repeat(1024 * 1024)),
    )
    .await;
    assert_eq!(huge.status, 431, "gateway: {}", huge.json);

    // Everything still answers.
    for route in &guarded {
        let r = route.with(Some(&alice.token), &[], "").await;
        assert!(matches!(r.status, 200 | 201), "{} {} after the flood: {}", route.method, route.path, r.json);
    }
    let soap_ok = post_soap(
        "/user/soap",
        soap_envelope("GetUser", "<u:username>nobody-at-all</u:username>"),
        "text/xml; charset=utf-8",
    )
    .await;
    assert_eq!((soap_ok.status, soap_ok.code()), (404, "USER_NOT_FOUND"));
    assert_eq!(get("/images?limit=1").await.status, 200);
}

// ------------------------------------------------------------------------------------------
// CORS.

/// `CORS_ORIGIN` is the one browser origin of `/api/v1` (chat.rs checks it on /api/v1/sessions):
/// on every other `/api/v1` route family too, a foreign origin's preflight is 403 with no CORS
/// headers, its simple requests get no Access-Control-Allow-Origin, and look-alike origins do
/// not match. The other services send no CORS headers at all. Credentials are never allowed.
#[tokio::test]
async fn foreign_origins_get_no_cors_grant_anywhere() {
    let alice = account(false, None).await;
    let allowed = env("CORS_ORIGIN");
    let sid =
        call("POST", "/api/v1/sessions", Some(&alice.token), &[], Some(json!({ "title": "cors" }))).await.json["data"]
            ["id"]
            .as_str()
            .expect("id")
            .to_string();
    let chat_paths = [
        "/api/v1/sessions".to_string(),
        format!("/api/v1/sessions/{sid}"),
        "/api/v1/messages".into(),
        format!("/api/v1/messages/{sid}"),
        "/api/v1/vendors".into(),
        format!("/api/v1/vendors/{sid}"),
        "/api/v1/sellers".into(),
        format!("/api/v1/sellers/{sid}"),
        "/api/v1/users".into(),
        format!("/api/v1/users/{}", alice.id),
    ];
    let foreign = [
        EVIL.to_string(),
        "null".into(),
        format!("{allowed}.evil.example"),
        format!("{allowed}0"),
        format!("{}@evil.example", allowed),
        allowed.replacen("http://", "https://", 1),
        allowed.replacen("http://", "http://evil.", 1),
        format!("{allowed}/../evil"),
        format!("{allowed}, {EVIL}"),
    ];
    let preflight = |path: &str, origin: &str| {
        http()
            .request(reqwest::Method::OPTIONS, format!("{}{path}", gateway()))
            .header("origin", origin)
            .header("access-control-request-method", "DELETE")
            .header("access-control-request-headers", "authorization, content-type")
    };
    for path in &chat_paths {
        for origin in &foreign {
            let r = send(preflight(path, origin)).await;
            expect(&r, 403, "CORS_ORIGIN_FORBIDDEN", &format!("preflight {path} from {origin}"));
            assert!(r.headers.get("access-control-allow-origin").is_none(), "{path} {origin}");
            assert!(r.headers.get("access-control-allow-methods").is_none(), "{path} {origin}");
            assert!(r.headers.get("access-control-allow-credentials").is_none(), "{path} {origin}");
            let simple = send(
                http().get(format!("{}{path}", gateway())).bearer_auth(&alice.token).header("origin", origin.as_str()),
            )
            .await;
            assert!(simple.status < 500, "{path} {origin}: {}", simple.status);
            assert!(
                simple.headers.get("access-control-allow-origin").is_none(),
                "{path} from {origin}: {:?}",
                simple.headers
            );
            assert!(simple.headers.get("access-control-allow-credentials").is_none(), "{path} {origin}");
            assert!(
                simple.headers.get("vary").is_some_and(|v| v.to_str().unwrap_or_default().contains("Origin")),
                "{path}: Vary: Origin"
            );
        }
        // The configured origin is granted, still without credentials.
        let ok = send(preflight(path, &allowed)).await;
        assert_eq!(ok.status, 204, "{path}: {}", ok.json);
        assert_eq!(ok.headers["access-control-allow-origin"], allowed.as_str());
        assert!(ok.headers.get("access-control-allow-credentials").is_none(), "{path}: credentials");
    }

    // The other services have no CORS policy: no grant for anyone, preflights unrouted.
    let tenant = new_tenant().await;
    let member = account(false, Some(&tenant)).await;
    let others: Vec<(&str, String, Vec<(&str, String)>)> = vec![
        ("GET", "/profile".into(), vec![("authorization", format!("Bearer {}", alice.token))]),
        ("GET", "/api/sessions/verify".into(), vec![("authorization", format!("Bearer {}", alice.token))]),
        (
            "GET",
            "/api/data".into(),
            vec![("authorization", format!("Bearer {}", member.token)), ("x-tenant-id", tenant.clone())],
        ),
        ("GET", "/images?limit=1".into(), vec![]),
        ("GET", "/last-connection?username=nobody".into(), vec![]),
        ("GET", "/api/health".into(), vec![]),
        ("POST", "/api/auth/login".into(), vec![("content-type", "application/json".into())]),
    ];
    for (method, path, headers) in &others {
        for origin in [EVIL, "null", allowed.as_str()] {
            let mut req = http()
                .request(method.parse().expect("method"), format!("{}{path}", gateway()))
                .header("origin", origin);
            for (k, v) in headers {
                req = req.header(*k, v.as_str());
            }
            if *method == "POST" {
                req = req.body("{\"username\":\"nobody\",\"password\":\"x\"}");
            }
            let r = send(req).await;
            assert!(r.status < 500, "{method} {path} from {origin}: {} {}", r.status, r.json);
            assert!(
                r.headers.get("access-control-allow-origin").is_none(),
                "{method} {path} from {origin}: {:?}",
                r.headers
            );
            assert!(r.headers.get("access-control-allow-credentials").is_none(), "{method} {path} from {origin}");
        }
        let pre = send(
            http()
                .request(reqwest::Method::OPTIONS, format!("{}{path}", gateway()))
                .header("origin", EVIL)
                .header("access-control-request-method", "POST"),
        )
        .await;
        // No OPTIONS route: the gateway's 404 (as API Gateway's for an unrouted method).
        assert_eq!(pre.status, 404, "preflight {path}");
        assert!(pre.headers.get("access-control-allow-origin").is_none(), "preflight {path}");
    }
    // The SOAP lookup's single origin (soap.rs covers its preflights): a look-alike origin gets nothing.
    for origin in [format!("{}.evil.example", env("SOAP_LOOKUP_ALLOWED_ORIGIN")), EVIL.to_string()] {
        let r = send(http().get(format!("{}/user/soap?username=nobody", gateway())).header("origin", origin.as_str()))
            .await;
        assert!(r.headers.get("access-control-allow-origin").is_none(), "{origin}");
        assert!(r.headers.get("access-control-allow-credentials").is_none(), "{origin}");
    }
}
