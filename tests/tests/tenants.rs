//! Tenant data access through the real binaries: tokens introspected by the
//! identity service over HTTP, tenants in their own schemas and roles, the DynamoDB cache and
//! rate counters, and what happens when DynamoDB or PostgreSQL go away.
//!
//! Two tests stop servers and the identity service's token store is emptied when the AWS
//! emulator restarts, so the tests of this file run one at a time (`ONE_AT_A_TIME`).
// Needs the local cloud; without it the tests are compiled out (tests/build.rs says so).
#![cfg(local_cloud)]

use integration_tests::{
    Reply, create_user, eventually, gateway, http, postgres, postgres_with_options, run_function, send, stack_ctl,
    unique,
};
use runtime_api::apigw::HttpRequest;
use serde_json::{Value, json};
use shared::adapters::postgres::tenants::provision;
use shared::domain::tenants::NewTenant;
use shared::domain::tenants::TenantId;
use std::time::Duration;
use tokio::sync::Mutex;

static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());
const PASSWORD: &str = "correct horse battery staple";

struct Member {
    tenant: String,
    token: String,
}

async fn new_tenant(rate_limit: i32, rate_window_seconds: i32, active: bool) -> String {
    let id = unique("t");
    let tenant = NewTenant {
        id: TenantId::parse(&id).expect("valid id"),
        name: format!("Tenant {id}"),
        active,
        pool_max_size: 2,
        rate_limit,
        rate_window_seconds,
    };
    provision(&postgres().await, &tenant).await.expect("provision tenant");
    id
}

/// A user of `tenant` (or of none), logged in through the identity service.
async fn member_of(tenant: Option<&str>) -> Member {
    let username = unique("tenant-user");
    let id = create_user(&username, PASSWORD).await;
    if let Some(tenant) = tenant {
        postgres()
            .await
            .execute("UPDATE users SET tenant_id = $2 WHERE id = $1", &[&id, &tenant])
            .await
            .expect("set tenant");
    }
    let login =
        integration_tests::post_json("/api/auth/login", &json!({ "username": username, "password": PASSWORD })).await;
    assert_eq!(login.status, 200, "{}", login.json);
    Member {
        tenant: tenant.unwrap_or_default().to_string(),
        token: login.json["token"].as_str().expect("token").to_string(),
    }
}

async fn call(method: &str, path: &str, token: Option<&str>, tenant: Option<&str>, body: Option<Value>) -> Reply {
    let mut req = http().request(method.parse().expect("method"), format!("{}{path}", gateway()));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(tenant) = tenant {
        req = req.header("x-tenant-id", tenant);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    send(req).await
}

impl Member {
    async fn data(&self, method: &str, query: &str, body: Option<Value>) -> Reply {
        call(method, &format!("/api/data{query}"), Some(&self.token), Some(&self.tenant), body).await
    }
}

#[tokio::test]
async fn crud_for_two_tenants_keeps_their_data_apart() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let (a, b) = (new_tenant(1000, 60, true).await, new_tenant(1000, 60, true).await);
    let (alice, bob) = (member_of(Some(&a)).await, member_of(Some(&b)).await);

    let hostile = json!({
        "name": "Robert'); DROP TABLE records;--",
        "$where": "this.password.length > 0",
        "filter": { "$ne": null },
        "nested": [1, "two", { "three": 3.5 }, null, true],
    });
    let created = alice.data("POST", "", Some(json!({ "data": hostile }))).await;
    assert_eq!(created.status, 201, "{}", created.json);
    let id = created.json["id"].as_str().expect("id").to_string();
    assert_eq!(created.json["data"], hostile, "stored verbatim");
    assert_eq!(created.json["version"], 1);
    assert!(created.headers.contains_key("x-ratelimit-remaining"));
    let bobs = bob.data("POST", "", Some(json!({ "data": { "owner": "bob" } }))).await;
    assert_eq!(bobs.status, 201, "{}", bobs.json);

    // Each tenant sees its own records only, even with the other's record id.
    let listed = alice.data("GET", "", None).await;
    assert_eq!(listed.status, 200, "{}", listed.json);
    let ids: Vec<&str> =
        listed.json["records"].as_array().expect("records").iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, [id.as_str()]);
    assert_eq!(bob.data("GET", &format!("?id={id}"), None).await.code(), "RECORD_NOT_FOUND");
    assert_eq!(bob.data("DELETE", &format!("?id={id}"), None).await.code(), "RECORD_NOT_FOUND");
    let fetched = alice.data("GET", &format!("?id={id}"), None).await;
    assert_eq!((fetched.status, &fetched.json["data"]), (200, &hostile), "the hostile strings did nothing");

    // Update with optimistic concurrency.
    let updated =
        alice.data("PUT", &format!("?id={id}"), Some(json!({ "data": { "name": "Bobby" }, "version": 1 }))).await;
    assert_eq!((updated.status, &updated.json["version"]), (200, &json!(2)), "{}", updated.json);
    let stale = alice.data("PUT", &format!("?id={id}"), Some(json!({ "data": { "name": "x" }, "version": 1 }))).await;
    assert_eq!((stale.status, stale.code()), (409, "VERSION_CONFLICT"));

    // Pagination: newest first, the cursor continues where the page ended.
    for n in 0..3 {
        assert_eq!(alice.data("POST", "", Some(json!({ "data": { "n": n } }))).await.status, 201);
    }
    let page = alice.data("GET", "?limit=3", None).await;
    let first: Vec<Value> =
        page.json["records"].as_array().expect("records").iter().map(|r| r["data"]["n"].clone()).collect();
    assert_eq!(first, [json!(2), json!(1), json!(0)]);
    let cursor = page.json["nextCursor"].as_str().expect("more");
    let rest = alice.data("GET", &format!("?limit=3&cursor={cursor}"), None).await;
    assert_eq!(rest.json["records"][0]["id"].as_str(), Some(id.as_str()));
    assert!(rest.json["nextCursor"].is_null());

    let deleted = alice.data("DELETE", &format!("?id={id}"), None).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(alice.data("GET", &format!("?id={id}"), None).await.code(), "RECORD_NOT_FOUND");

    // Isolation below the API: tenant A's role cannot read tenant B's schema at all.
    let (schema_a, schema_b) = (TenantId::parse(&a).unwrap().schema(), TenantId::parse(&b).unwrap().schema());
    let client = postgres_with_options(Some(&format!("-c role={schema_a}"))).await;
    let err = client.query(&format!("SELECT count(*) FROM {schema_b}.records"), &[]).await.expect_err("denied");
    assert_eq!(err.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{err}");
}

#[tokio::test]
async fn tokens_open_their_own_tenant_only() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let (a, b) = (new_tenant(1000, 60, true).await, new_tenant(1000, 60, true).await);
    let disabled = new_tenant(1000, 60, false).await;
    let alice = member_of(Some(&a)).await;

    let crossed = call("GET", "/api/data", Some(&alice.token), Some(&b), None).await;
    assert_eq!((crossed.status, crossed.code()), (403, "TENANT_ACCESS_DENIED"), "{}", crossed.json);
    let no_tenant = member_of(None).await;
    let nowhere = call("GET", "/api/data", Some(&no_tenant.token), Some(&a), None).await;
    assert_eq!((nowhere.status, nowhere.code()), (403, "TENANT_ACCESS_DENIED"));
    let ghost = member_of(Some("ghost-tenant")).await;
    assert_eq!(ghost.data("GET", "", None).await.code(), "TENANT_NOT_FOUND");
    let off = member_of(Some(&disabled)).await;
    let refused = off.data("POST", "", Some(json!({ "data": { "x": 1 } }))).await;
    assert_eq!((refused.status, refused.code()), (404, "TENANT_NOT_FOUND"));
}

#[tokio::test]
async fn bad_requests_have_the_documented_codes() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let a = new_tenant(1000, 60, true).await;
    let alice = member_of(Some(&a)).await;
    let t = Some(alice.token.as_str());
    let big = json!({ "data": { "blob": "x".repeat(70 * 1024) } });
    let cases: Vec<(&str, Reply, u16, &str)> = vec![
        ("no Authorization", call("GET", "/api/data", None, Some(&a), None).await, 401, "AUTHENTICATION_FAILED"),
        (
            "garbage token",
            call("GET", "/api/data", Some("not.a.jwt"), Some(&a), None).await,
            401,
            "AUTHENTICATION_FAILED",
        ),
        ("no X-Tenant-ID", call("GET", "/api/data", t, None, None).await, 400, "MISSING_TENANT_ID"),
        ("upper-case tenant", call("GET", "/api/data", t, Some("ACME"), None).await, 400, "INVALID_TENANT_ID"),
        (
            "SQL in tenant",
            call("GET", "/api/data", t, Some("a';drop table tenants;--"), None).await,
            400,
            "INVALID_TENANT_ID",
        ),
        ("path in tenant", call("GET", "/api/data", t, Some("../etc"), None).await, 400, "INVALID_TENANT_ID"),
        ("long tenant", call("GET", "/api/data", t, Some(&"a".repeat(41)), None).await, 400, "INVALID_TENANT_ID"),
        ("oversized body", alice.data("POST", "", Some(big)).await, 413, "PAYLOAD_TOO_LARGE"),
        (
            "unknown field",
            alice.data("POST", "", Some(json!({ "data": { "a": 1 }, "owner": "x" }))).await,
            400,
            "VALIDATION_FAILED",
        ),
        ("data not an object", alice.data("POST", "", Some(json!({ "data": [1, 2] }))).await, 400, "VALIDATION_FAILED"),
        ("empty data", alice.data("POST", "", Some(json!({ "data": {} }))).await, 400, "VALIDATION_FAILED"),
        ("no body", alice.data("POST", "", None).await, 400, "EMPTY_BODY"),
        ("PUT without id", alice.data("PUT", "", Some(json!({ "data": { "a": 1 } }))).await, 400, "MISSING_RECORD_ID"),
        ("malformed id", alice.data("DELETE", "?id=1%20OR%201=1", None).await, 400, "INVALID_RECORD_ID"),
        ("limit 0", alice.data("GET", "?limit=0", None).await, 400, "INVALID_LIMIT"),
        ("bad cursor", alice.data("GET", "?cursor=zzz", None).await, 400, "INVALID_CURSOR"),
        (
            "details without token",
            call("GET", "/tenants/health/details", None, Some(&a), None).await,
            401,
            "AUTHENTICATION_FAILED",
        ),
    ];
    for (what, reply, status, code) in &cases {
        assert_eq!((reply.status, reply.code()), (*status, *code), "{what}: {}", reply.json);
        assert!(reply.json["requestId"].as_str().is_some_and(|r| !r.is_empty()), "{what}: requestId");
        assert!(reply.json["error"].as_str().is_some_and(|e| !e.is_empty()), "{what}: error");
    }
    let raw = http()
        .post(format!("{}/api/data", gateway()))
        .bearer_auth(&alice.token)
        .header("x-tenant-id", &a)
        .header("content-type", "application/json")
        .body("{\"data\": {")
        .send()
        .await
        .expect("gateway");
    assert_eq!(send_reply(raw).await.code(), "INVALID_JSON");
}

/// PostgreSQL's jsonb cannot hold the NUL character, which JSON (and serde) allow: a document
/// with one, in a value or in a key, at any depth, is the client's mistake (400 INVALID_DATA),
/// found before the query, and nothing is stored.
#[tokio::test]
async fn documents_with_nul_characters_are_refused() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let a = new_tenant(1000, 60, true).await;
    let alice = member_of(Some(&a)).await;
    let created = alice.data("POST", "", Some(json!({ "data": { "title": "fine" } }))).await;
    assert_eq!(created.status, 201, "{}", created.json);
    let id = created.json["id"].as_str().expect("id").to_string();

    let documents = [
        json!({ "note": "a\u{0}b" }),
        json!({ "a\u{0}b": 1 }),
        json!({ "nested": { "list": [1, { "deep": "\u{0}" }] } }),
        json!({ "nested": [{ "key\u{0}": true }] }),
    ];
    for document in documents {
        for (method, query) in [("POST", String::new()), ("PUT", format!("?id={id}"))] {
            let reply = alice.data(method, &query, Some(json!({ "data": document }))).await;
            assert_eq!((reply.status, reply.code()), (400, "INVALID_DATA"), "{method} {document}: {}", reply.json);
            assert!(reply.json["error"].as_str().is_some_and(|e| e.contains("NUL")), "{}", reply.json);
            assert!(reply.json["requestId"].as_str().is_some_and(|r| !r.is_empty()));
        }
    }
    let listed = alice.data("GET", "", None).await;
    assert_eq!(listed.json["records"].as_array().map(Vec::len), Some(1), "nothing was stored: {}", listed.json);
    let kept = alice.data("GET", &format!("?id={id}"), None).await;
    assert_eq!(
        (&kept.json["data"], &kept.json["version"]),
        (&json!({ "title": "fine" }), &json!(1)),
        "nothing was changed"
    );
}

async fn send_reply(resp: reqwest::Response) -> Reply {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let json = resp.json().await.unwrap_or(Value::Null);
    Reply { status, headers, json }
}

#[tokio::test]
async fn the_rate_limit_triggers_and_resets() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let a = new_tenant(3, 3, true).await;
    let alice = member_of(Some(&a)).await;
    let mut limited = None;
    for _ in 0..8 {
        let reply = alice.data("GET", "", None).await;
        if reply.status == 429 {
            limited = Some(reply);
            break;
        }
        assert_eq!(reply.status, 200, "{}", reply.json);
    }
    let limited = limited.expect("the 4th request within a 3-second window is refused");
    assert_eq!(limited.code(), "RATE_LIMITED");
    let retry_after: u64 = limited.headers["retry-after"].to_str().unwrap().parse().expect("seconds");
    assert!((1..=3).contains(&retry_after), "Retry-After {retry_after}");
    tokio::time::sleep(Duration::from_millis(retry_after * 1000 + 300)).await;
    assert_eq!(alice.data("GET", "", None).await.status, 200, "a new window");
}

#[tokio::test]
async fn health_and_details() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let health = call("GET", "/tenants/health", None, None, None).await;
    assert_eq!((health.status, &health.json["status"]), (200, &json!("ok")), "{}", health.json);
    assert_eq!(health.json["checks"]["database"]["status"], "up");
    assert_eq!(health.json["checks"]["cache"]["status"], "up");

    let a = new_tenant(1000, 60, true).await;
    let alice = member_of(Some(&a)).await;
    let details = call("GET", "/tenants/health/details", Some(&alice.token), Some(&a), None).await;
    assert_eq!(details.status, 200, "{}", details.json);
    assert_eq!(details.json["database"]["tenant"]["detail"]["role"], TenantId::parse(&a).unwrap().schema());
    assert!(details.json["pools"].as_array().expect("pools").iter().any(|p| p["tenant"] == a.as_str()));
    assert!(details.json["cache"]["stats"]["hitRate"].is_number());
    assert!(details.json["memory"]["rssKiB"].as_u64().is_some_and(|kib| kib > 0));
}

/// The token cache TTL is configurable: with 2 s, a logged-out (revoked) token stops working
/// within seconds. The function runs under the test's own Runtime API with that setting.
#[tokio::test]
async fn a_revoked_token_stops_working_when_its_cache_entry_expires() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let a = new_tenant(1000, 60, true).await;
    let alice = member_of(Some(&a)).await;
    let mut function = run_function("tenant-data-get", &[("TOKEN_CACHE_TTL_SECONDS", "2")]).await;
    let request = HttpRequest::get("/api/data")
        .header("authorization", &format!("Bearer {}", alice.token))
        .header("x-tenant-id", &a);
    let first = function.http(&request, Duration::from_secs(30)).await.expect("answer");
    assert_eq!(first.status, 200, "{}", first.text());

    let logout = call("POST", "/api/auth/logout", Some(&alice.token), None, Some(json!({}))).await;
    assert_eq!(logout.status, 200, "{}", logout.json);
    let mut refused = None;
    for _ in 0..40 {
        let answer = function.http(&request, Duration::from_secs(30)).await.expect("answer");
        if answer.status == 401 {
            refused = Some(answer);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let refused = refused.expect("revoked token refused within 10 s");
    assert_eq!(refused.json().expect("json")["code"], "AUTHENTICATION_FAILED");
}

/// DynamoDB (shared cache, rate counters, and the identity service's token store) goes away:
/// tokens this environment has cached keep working, a token never seen cannot be checked (503),
/// and all is well again once it is back.
#[tokio::test]
async fn cached_tokens_keep_working_while_dynamodb_is_down() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let a = new_tenant(1000, 60, true).await;
    let (alice, newcomer) = (member_of(Some(&a)).await, member_of(Some(&a)).await);
    assert_eq!(alice.data("GET", "", None).await.status, 200, "warm the function's cache");

    stack_ctl("stop", "aws").await;
    let cached = alice.data("GET", "", None).await;
    let unknown = newcomer.data("GET", "", None).await;
    stack_ctl("start", "aws").await;
    assert_eq!(cached.status, 200, "cached token while DynamoDB is down: {}", cached.json);
    assert_eq!((unknown.status, unknown.code()), (503, "AUTH_SERVICE_UNAVAILABLE"), "{}", unknown.json);

    // The emulator restarts empty: log in again, and everything works without restarting a function.
    let again = member_of(Some(&a)).await;
    let healed = eventually(Duration::from_secs(30), || async {
        let r = again.data("POST", "", Some(json!({ "data": { "after": "outage" } }))).await;
        (r.status == 201).then_some(r)
    })
    .await;
    assert!(healed.is_some(), "writes work again after DynamoDB is back");
}

/// PostgreSQL down: the original service's DATABASE_ERROR as a 503, and recovery without restarts.
#[tokio::test]
async fn a_database_outage_is_a_database_error_and_heals() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let a = new_tenant(1000, 60, true).await;
    let alice = member_of(Some(&a)).await;
    assert_eq!(alice.data("GET", "", None).await.status, 200);
    stack_ctl("stop", "postgres").await;
    let down = alice.data("POST", "", Some(json!({ "data": { "during": "outage" } }))).await;
    stack_ctl("start", "postgres").await;
    assert_eq!((down.status, down.code()), (503, "DATABASE_ERROR"), "{}", down.json);
    assert!(down.headers.contains_key("retry-after"));
    let healed = eventually(Duration::from_secs(30), || async {
        let r = alice.data("POST", "", Some(json!({ "data": { "after": "outage" } }))).await;
        (r.status == 201).then_some(r)
    })
    .await;
    assert!(healed.is_some(), "the same function process recovers");
}

/// On AWS the tenant service reaches the identity service's introspection over HTTPS
/// (`AUTH_SERVICE_URL`); locally it is plain HTTP. Through a TLS endpoint signed by a test
/// authority in front of the gateway: without the authority the function refuses the server and
/// cannot check the token (503, no handshake completes); trusting it through `SSL_CERT_FILE`,
/// the token is introspected over TLS and the tenant's records are served.
#[tokio::test]
async fn introspection_speaks_tls_and_checks_the_certificate() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let a = new_tenant(1000, 60, true).await;
    let alice = member_of(Some(&a)).await;
    let proxy = integration_tests::tls::TlsProxy::start(&gateway()).await;
    let request = HttpRequest::get("/api/data")
        .header("authorization", &format!("Bearer {}", alice.token))
        .header("x-tenant-id", &a);

    let mut untrusting = run_function("tenant-data-get", &[("AUTH_SERVICE_URL", &proxy.url)]).await;
    let refused = untrusting.http(&request, Duration::from_secs(30)).await.expect("answer");
    assert_eq!(refused.status, 503, "{}", refused.text());
    assert_eq!(refused.json().expect("json")["code"], "AUTH_SERVICE_UNAVAILABLE");
    assert_eq!(proxy.handshakes(), 0, "a server signed by an unknown authority is refused");

    let mut trusting =
        run_function("tenant-data-get", &[("AUTH_SERVICE_URL", &proxy.url), ("SSL_CERT_FILE", proxy.ca_file())]).await;
    let served = trusting.http(&request, Duration::from_secs(30)).await.expect("answer");
    assert_eq!(served.status, 200, "{}", served.text());
    assert!(proxy.handshakes() >= 1, "the token was introspected through TLS");
}
