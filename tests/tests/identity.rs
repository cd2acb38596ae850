//! Identity end to end through the gateway and the real binaries: register -> login -> profile
//! -> introspect -> logout -> the same token refused everywhere; v1 sessions with refresh-token
//! rotation and reuse detection, and their listing; `UserRegistered` audited exactly once; hostile
//! tokens and bodies.
// Needs the local cloud; without it the tests are compiled out (tests/build.rs says so).
#![cfg(local_cloud)]

use base64::Engine as _;
use integration_tests::*;
use serde_json::{Value, json};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery staple";

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn get_with(path: &str, authorization: &str) -> Reply {
    send(http().get(format!("{}{path}", gateway())).header("authorization", authorization)).await
}

async fn post_with(path: &str, authorization: &str, body: &Value) -> Reply {
    send(http().post(format!("{}{path}", gateway())).header("authorization", authorization).json(body)).await
}

fn introspection_client() -> String {
    let clients = env("INTROSPECTION_CLIENTS");
    let first = clients.split(',').next().expect("a client").trim().to_string();
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(first))
}

async fn introspect(token: &str) -> Reply {
    send(
        http()
            .post(format!("{}/auth/introspect", gateway()))
            .header("authorization", introspection_client())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={token}&token_type_hint=access_token")),
    )
    .await
}

async fn register(username: &str, email: &str, password: &str) -> Reply {
    post_json("/api/auth/register", &json!({ "username": username, "email": email, "password": password })).await
}

#[tokio::test]
async fn register_login_profile_introspect_logout_and_the_token_is_dead_everywhere() {
    let username = unique("reader");
    let created = register(&username, &format!("{username}@example.com"), PASSWORD).await;
    assert_eq!(created.status, 201, "{:?}", created.json);
    assert_eq!(created.json["user"]["username"], username.as_str());
    assert!(created.json["user"].get("passwordHash").is_none());

    let login = post_json("/api/auth/login", &json!({ "username": username, "password": PASSWORD })).await;
    assert_eq!(login.status, 200, "{:?}", login.json);
    let token = login.json["token"].as_str().unwrap().to_string();
    assert_eq!(login.json["user"]["username"], username.as_str());

    let profile = get_with("/profile", &bearer(&token)).await;
    assert_eq!(profile.status, 200, "{:?}", profile.json);
    assert_eq!(profile.json["username"], username.as_str());
    assert_eq!(profile.json["email"], format!("{username}@example.com"));
    assert!(profile.json["lastLoginAt"].is_string());

    let active = introspect(&token).await;
    assert_eq!(active.status, 200, "{:?}", active.json);
    assert_eq!(active.json["active"], true);
    assert_eq!(active.json["sub"], created.json["user"]["id"].to_string());
    assert_eq!(active.json["username"], username.as_str());
    assert_eq!(active.json["role"], "user");
    assert_eq!(active.json["scope"], "api");
    assert!(active.json["exp"].as_i64().unwrap() > chrono::Utc::now().timestamp());

    let logout = post_with("/api/auth/logout", &bearer(&token), &json!({})).await;
    assert_eq!(logout.status, 200, "{:?}", logout.json);

    let after = get_with("/profile", &bearer(&token)).await;
    assert_eq!((after.status, after.code()), (401, "TOKEN_REVOKED"), "{:?}", after.json);
    let inactive = introspect(&token).await;
    assert_eq!(inactive.json, json!({ "active": false }));
    let again = post_with("/api/auth/logout", &bearer(&token), &json!({})).await;
    assert_eq!((again.status, again.code()), (401, "TOKEN_REVOKED"));
}

#[tokio::test]
async fn seed_login_token_works_for_profile_and_dies_on_logout() {
    let username = unique("classic");
    assert_eq!(register(&username, &format!("{username}@example.com"), PASSWORD).await.status, 201);
    let login = post_json("/login", &json!({ "username": username, "password": PASSWORD })).await;
    let token = login.json["token"].as_str().unwrap().to_string();
    assert_eq!(get_with("/profile", &bearer(&token)).await.status, 200);
    assert_eq!(post_with("/api/auth/logout", &bearer(&token), &json!({})).await.status, 200);
    assert_eq!(get_with("/profile", &bearer(&token)).await.code(), "TOKEN_REVOKED");
}

#[tokio::test]
async fn v1_sessions_rotate_refresh_tokens_and_reuse_revokes_the_family() {
    let username = unique("chatter");
    assert_eq!(register(&username, &format!("{username}@example.com"), PASSWORD).await.status, 201);
    let login = send(
        http()
            .post(format!("{}/api/v1/auth/login", gateway()))
            .header("user-agent", "chat-client/2.1")
            .json(&json!({ "username": username, "password": PASSWORD })),
    )
    .await;
    assert_eq!(login.status, 200, "{:?}", login.json);
    assert_eq!(login.json["status"], "success");
    let data = &login.json["data"];
    let (access1, refresh1) =
        (data["accessToken"].as_str().unwrap().to_string(), data["refreshToken"].as_str().unwrap().to_string());
    let session_id = data["session"]["id"].as_str().unwrap().to_string();
    assert_eq!(data["session"]["userAgent"], "chat-client/2.1");

    // The login session is recorded with its device info.
    let row = postgres()
        .await
        .query_one("SELECT user_agent, source_ip FROM login_sessions WHERE id = $1::text::uuid", &[&session_id])
        .await
        .unwrap();
    assert_eq!(row.get::<_, Option<String>>(0).as_deref(), Some("chat-client/2.1"));
    assert!(row.get::<_, Option<String>>(1).is_some(), "source IP recorded");
    // Refresh tokens are stored hashed, never in clear.
    let clear: i64 = postgres()
        .await
        .query_one("SELECT count(*) FROM refresh_tokens WHERE encode(token_hash, 'escape') = $1", &[&refresh1])
        .await
        .unwrap()
        .get(0);
    assert_eq!(clear, 0);

    let rotated = post_json("/api/v1/auth/refresh", &json!({ "refreshToken": refresh1 })).await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.json);
    let access2 = rotated.json["data"]["accessToken"].as_str().unwrap().to_string();
    let refresh2 = rotated.json["data"]["refreshToken"].as_str().unwrap().to_string();
    assert_ne!(refresh1, refresh2);
    assert_eq!(rotated.json["data"]["session"]["id"], session_id.as_str());
    assert_eq!(get_with("/profile", &bearer(&access2)).await.status, 200);

    // Reuse of the spent token: refused, and the whole family dies with it.
    let reuse = post_json("/api/v1/auth/refresh", &json!({ "refreshToken": refresh1 })).await;
    assert_eq!((reuse.status, reuse.code()), (401, "REFRESH_TOKEN_REUSED"), "{:?}", reuse.json);
    assert_eq!(reuse.json["status"], "error");
    let family = post_json("/api/v1/auth/refresh", &json!({ "refreshToken": refresh2 })).await;
    assert_eq!((family.status, family.code()), (401, "REFRESH_TOKEN_REUSED"), "{:?}", family.json);
    for access in [&access1, &access2] {
        let r = get_with("/profile", &bearer(access)).await;
        assert_eq!((r.status, r.code()), (401, "TOKEN_REVOKED"), "{:?}", r.json);
    }
    let unknown = post_json("/api/v1/auth/refresh", &json!({ "refreshToken": "not-a-real-token" })).await;
    assert_eq!((unknown.status, unknown.code()), (401, "INVALID_REFRESH_TOKEN"));
}

#[tokio::test]
async fn v1_logout_ends_the_session_and_its_refresh_token() {
    let username = unique("leaver");
    assert_eq!(register(&username, &format!("{username}@example.com"), PASSWORD).await.status, 201);
    let login = post_json("/api/v1/auth/login", &json!({ "username": username, "password": PASSWORD })).await;
    let access = login.json["data"]["accessToken"].as_str().unwrap().to_string();
    let refresh = login.json["data"]["refreshToken"].as_str().unwrap().to_string();
    let out = post_with("/api/v1/auth/logout", &bearer(&access), &json!({})).await;
    assert_eq!(out.status, 200, "{:?}", out.json);
    assert_eq!(out.json["status"], "success");
    assert_eq!(get_with("/profile", &bearer(&access)).await.code(), "TOKEN_REVOKED");
    let r = post_json("/api/v1/auth/refresh", &json!({ "refreshToken": refresh })).await;
    assert_eq!(r.status, 401, "{:?}", r.json);
    assert_eq!(introspect(&access).await.json["active"], false);
}

/// `GET /api/v1/auth/sessions`: the caller's own login sessions, newest first, with device info
/// and the current one marked; paged; ended ones keep their reason; nobody else's are listed.
#[tokio::test]
async fn v1_login_sessions_are_listed_newest_first_with_device_info() {
    let username = unique("devices");
    assert_eq!(register(&username, &format!("{username}@example.com"), PASSWORD).await.status, 201);
    let login = |agent: &'static str| {
        let username = username.clone();
        async move {
            let r = send(
                http()
                    .post(format!("{}/api/v1/auth/login", gateway()))
                    .header("user-agent", agent)
                    .json(&json!({ "username": username, "password": PASSWORD })),
            )
            .await;
            assert_eq!(r.status, 200, "{:?}", r.json);
            (r.json["data"]["accessToken"].as_str().unwrap().to_string(), r.json["data"]["session"]["id"].clone())
        }
    };
    let (phone, phone_session) = login("phone/1.0").await;
    let (laptop, laptop_session) = login("laptop/2.0").await;

    let page = get_with("/api/v1/auth/sessions?limit=1", &bearer(&laptop)).await;
    assert_eq!((page.status, page.json["status"].as_str()), (200, Some("success")), "{:?}", page.json);
    assert_eq!(page.json["message"], "login sessions");
    let items = page.json["data"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (&items[0]["id"], &items[0]["userAgent"], &items[0]["current"]),
        (&laptop_session, &json!("laptop/2.0"), &json!(true))
    );
    assert!(items[0]["ip"].is_string() && items[0]["endedAt"].is_null(), "{:?}", items[0]);
    let cursor = page.json["data"]["nextCursor"].as_str().expect("a second page").to_string();
    let rest = get_with(&format!("/api/v1/auth/sessions?limit=1&cursor={cursor}"), &bearer(&laptop)).await;
    let items = rest.json["data"]["items"].as_array().unwrap();
    assert_eq!((&items[0]["id"], &items[0]["current"]), (&phone_session, &json!(false)), "{:?}", rest.json);
    assert!(rest.json["data"].get("nextCursor").is_none(), "{:?}", rest.json);

    assert_eq!(post_with("/api/v1/auth/logout", &bearer(&phone), &json!({})).await.status, 200);
    let all = get_with("/api/v1/auth/sessions", &bearer(&laptop)).await;
    let ended = &all.json["data"]["items"][1];
    assert_eq!((&ended["id"], &ended["endReason"]), (&phone_session, &json!("logout")), "{:?}", all.json);
    assert!(ended["endedAt"].is_string());

    // Someone else sees only their own; bad parameters and missing tokens are the client's mistakes.
    let other = unique("other");
    assert_eq!(register(&other, &format!("{other}@example.com"), PASSWORD).await.status, 201);
    let theirs = post_json("/api/v1/auth/login", &json!({ "username": other, "password": PASSWORD })).await;
    let theirs = theirs.json["data"]["accessToken"].as_str().unwrap().to_string();
    let listed = get_with("/api/v1/auth/sessions", &bearer(&theirs)).await;
    assert_eq!(listed.json["data"]["items"].as_array().map(Vec::len), Some(1), "{:?}", listed.json);
    for (query, code) in [("?limit=0", "INVALID_LIMIT"), ("?cursor=nope", "INVALID_CURSOR")] {
        let r = get_with(&format!("/api/v1/auth/sessions{query}"), &bearer(&laptop)).await;
        assert_eq!((r.status, r.code(), r.json["status"].as_str()), (400, code, Some("error")), "{query}");
    }
    let anonymous = get("/api/v1/auth/sessions").await;
    assert_eq!((anonymous.status, anonymous.code()), (401, "MISSING_TOKEN"));
}

#[tokio::test]
async fn user_registered_is_audited_exactly_once() {
    let username = unique("audited");
    let created = register(&username, &format!("{username}@example.com"), PASSWORD).await;
    assert_eq!(created.status, 201);
    let audit = mongo_collection("audit").await;
    let filter = mongodb::bson::doc! { "username": &username, "type": "UserRegistered" };
    let found = eventually(Duration::from_secs(10), || {
        let (audit, filter) = (audit.clone(), filter.clone());
        async move { (audit.count_documents(filter).await.ok()? == 1).then_some(()) }
    })
    .await;
    assert!(found.is_some(), "UserRegistered reached the audit trail");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(audit.count_documents(filter).await.unwrap(), 1, "and only once");
}

#[tokio::test]
async fn registration_rejects_duplicates_weak_passwords_and_bad_bodies() {
    let username = unique("dup");
    let email = format!("{username}@example.com");
    assert_eq!(register(&username, &email, PASSWORD).await.status, 201);
    let same_name = register(&username.to_uppercase(), &format!("other-{email}"), PASSWORD).await;
    assert_eq!((same_name.status, same_name.code()), (409, "USERNAME_TAKEN"), "{:?}", same_name.json);
    let same_email = register(&unique("other"), &email.to_uppercase(), PASSWORD).await;
    assert_eq!((same_email.status, same_email.code()), (409, "EMAIL_TAKEN"), "{:?}", same_email.json);
    let weak = register(&unique("weak"), "weak@example.com", "password123").await;
    assert_eq!((weak.status, weak.code()), (400, "WEAK_PASSWORD"));
    let bad_email = register(&unique("mail"), "nope", PASSWORD).await;
    assert_eq!((bad_email.status, bad_email.code()), (400, "VALIDATION_FAILED"));
    let huge =
        post_json("/api/auth/register", &json!({ "username": "x", "email": "y", "password": "z".repeat(10_000) }))
            .await;
    assert_eq!((huge.status, huge.code()), (413, "PAYLOAD_TOO_LARGE"));
    let broken = send(
        http()
            .post(format!("{}/api/auth/register", gateway()))
            .header("content-type", "application/json")
            .body("{\"username\":"),
    )
    .await;
    assert_eq!((broken.status, broken.code()), (400, "INVALID_JSON"));
    let extra = post_json(
        "/api/auth/register",
        &json!({ "username": unique("x"), "email": "e@example.com", "password": PASSWORD, "role": "admin" }),
    )
    .await;
    assert_eq!((extra.status, extra.code()), (400, "VALIDATION_FAILED"), "no mass assignment of role");
}

fn forge(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn hostile_tokens_are_refused() {
    let now = chrono::Utc::now().timestamp();
    let claims = |exp: i64, aud: &str| {
        json!({ "sub": "1", "username": "x", "role": "admin", "iss": env("JWT_ISSUER"), "aud": aud,
                "iat": now - 7200, "exp": exp, "jti": uuid::Uuid::new_v4().to_string(), "scope": "api admin" })
    };
    let secret = env("JWT_SECRET");
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let cases = [
        ("expired", forge(&claims(now - 3600, &env("JWT_AUDIENCE")), &secret), "TOKEN_EXPIRED"),
        ("wrong audience", forge(&claims(now + 3600, "someone-else"), &secret), "INVALID_TOKEN"),
        ("wrong key", forge(&claims(now + 3600, &env("JWT_AUDIENCE")), &"k".repeat(40)), "INVALID_TOKEN"),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT"})),
                b64(&claims(now + 3600, &env("JWT_AUDIENCE")))
            ),
            "INVALID_TOKEN",
        ),
        // Correctly signed but never issued (not in the token store): refused too.
        ("never issued", forge(&claims(now + 3600, &env("JWT_AUDIENCE")), &secret), "TOKEN_REVOKED"),
        ("garbage", "a.b.c".to_string(), "INVALID_TOKEN"),
    ];
    for (name, token, code) in cases {
        let r = get_with("/profile", &bearer(&token)).await;
        assert_eq!((r.status, r.code()), (401, code), "{name}: {:?}", r.json);
        assert_eq!(introspect(&token).await.json, json!({ "active": false }), "{name}");
    }
    let missing = get("/profile").await;
    assert_eq!((missing.status, missing.code()), (401, "MISSING_TOKEN"));
    let basic = get_with("/profile", "Basic Zm9vOmJhcg==").await;
    assert_eq!((basic.status, basic.code()), (401, "INVALID_TOKEN"));
}

#[tokio::test]
async fn introspection_requires_client_authentication() {
    let anonymous = send(
        http()
            .post(format!("{}/auth/introspect", gateway()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("token=x"),
    )
    .await;
    assert_eq!((anonymous.status, anonymous.code()), (401, "INVALID_CLIENT"));
    let wrong = send(
        http()
            .post(format!("{}/auth/introspect", gateway()))
            .header(
                "authorization",
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode("tenant-service:wrong-secret-123456")
                ),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body("token=x"),
    )
    .await;
    assert_eq!((wrong.status, wrong.code()), (401, "INVALID_CLIENT"));
    let no_token = send(
        http()
            .post(format!("{}/auth/introspect", gateway()))
            .header("authorization", introspection_client())
            .header("content-type", "application/x-www-form-urlencoded")
            .body("token_type_hint=access_token"),
    )
    .await;
    assert_eq!((no_token.status, no_token.code()), (400, "INVALID_REQUEST"));
}

#[tokio::test]
async fn test_db_test_event_and_health_routes() {
    let db = get("/test-db").await;
    assert_eq!(db.status, 200, "{:?}", db.json);
    assert!(db.json["database"]["version"].as_str().unwrap().starts_with("PostgreSQL"));
    let event = get("/test-event").await;
    assert_eq!(event.status, 202, "{:?}", event.json);
    assert_eq!(event.json["delivered"], true);
    let event_id = event.json["eventId"].as_str().unwrap().to_string();
    let left: i64 = postgres()
        .await
        .query_one("SELECT count(*) FROM outbox WHERE event_id = $1::text::uuid", &[&event_id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "delivered events leave the outbox");
    let health = get("/api/health").await;
    assert_eq!(health.status, 200, "{:?}", health.json);
    assert_eq!(health.json["checks"]["dynamodb"]["status"], "up");
}
