//! Session service end to end (the session and connected services): the session API behind the same tokens and
//! revocation as identity, ownership, and the auth-events consumer's idempotency and ordering.
// Needs the local cloud; without it the tests are compiled out (tests/build.rs says so).
#![cfg(local_cloud)]

use integration_tests::*;
use serde_json::{Value, json};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery staple";

async fn user_with_token(prefix: &str) -> (String, i64, String) {
    let username = unique(prefix);
    let id = create_user(&username, PASSWORD).await;
    let login = post_json("/api/auth/login", &json!({ "username": username, "password": PASSWORD })).await;
    assert_eq!(login.status, 200, "{:?}", login.json);
    (username, id, login.json["token"].as_str().unwrap().to_string())
}

async fn call(method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
    let mut req = http().request(method, format!("{}{path}", gateway()));
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    send(req).await
}

#[tokio::test]
async fn session_lifecycle_through_the_api() {
    let (username, id, token) = user_with_token("sess").await;
    let created =
        call(reqwest::Method::POST, "/api/sessions", Some(&token), Some(json!({ "metadata": { "device": "phone" } })))
            .await;
    assert_eq!(created.status, 201, "{:?}", created.json);
    assert_eq!(created.json["userId"], id);
    assert_eq!(created.json["username"], username.as_str());
    assert_eq!(created.json["metadata"]["device"], "phone");
    let session_id = created.json["sessionId"].as_str().unwrap().to_string();

    let listed = call(reqwest::Method::GET, &format!("/api/sessions/{id}"), Some(&token), None).await;
    assert_eq!(listed.status, 200, "{:?}", listed.json);
    assert!(listed.json["sessions"].as_array().unwrap().iter().any(|s| s["sessionId"] == session_id.as_str()));

    let touched = call(
        reqwest::Method::PUT,
        &format!("/api/sessions/{id}"),
        Some(&token),
        Some(json!({ "sessionId": session_id, "metadata": { "screen": "chat" } })),
    )
    .await;
    assert_eq!(touched.status, 200, "{:?}", touched.json);
    assert_eq!(touched.json["metadata"], json!({ "device": "phone", "screen": "chat" }));
    assert!(touched.json["lastSeenAt"].is_string());

    let verify = call(reqwest::Method::GET, "/api/sessions/verify", Some(&token), None).await;
    assert_eq!(verify.status, 200, "{:?}", verify.json);
    assert_eq!(verify.json["valid"], true);

    let ended =
        call(reqwest::Method::DELETE, &format!("/api/sessions/{id}?sessionId={session_id}"), Some(&token), None).await;
    assert_eq!((ended.status, ended.json["ended"].as_u64()), (200, Some(1)), "{:?}", ended.json);
    let again =
        call(reqwest::Method::DELETE, &format!("/api/sessions/{id}?sessionId={session_id}"), Some(&token), None).await;
    assert_eq!((again.status, again.code()), (404, "SESSION_NOT_FOUND"));
    let verify = call(reqwest::Method::GET, "/api/sessions/verify", Some(&token), None).await;
    assert_eq!((verify.status, verify.code()), (401, "SESSION_ENDED"), "{:?}", verify.json);

    let health = get("/sessions/health").await;
    assert_eq!(health.status, 200, "{:?}", health.json);

    // The session service announced both changes on session-events.
    let wanted = ["SessionCreated", "SessionEnded"];
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let found = eventually(Duration::from_secs(20), || {
        let (seen, session_id) = (seen.clone(), session_id.clone());
        async move {
            let out = sqs()
                .await
                .receive_message()
                .queue_url(env("SESSION_EVENTS_QUEUE_URL"))
                .max_number_of_messages(10)
                .visibility_timeout(30)
                .send()
                .await
                .ok()?;
            for m in out.messages() {
                let event: Value = serde_json::from_str(m.body().unwrap_or("{}")).unwrap_or_default();
                if event["data"]["sessionId"] == session_id.as_str() {
                    seen.lock().unwrap().push(event["type"].as_str().unwrap_or_default().to_string());
                }
            }
            let seen = seen.lock().unwrap();
            wanted.iter().all(|w| seen.iter().any(|s| s == w)).then_some(())
        }
    })
    .await;
    assert!(found.is_some(), "session events seen: {:?}", seen.lock().unwrap());
}

#[tokio::test]
async fn another_users_sessions_are_forbidden_unless_admin() {
    let (_, alice_id, _alice) = user_with_token("alice").await;
    let (_, _bob_id, bob) = user_with_token("bob").await;
    for (method, body) in [
        (reqwest::Method::GET, None),
        (reqwest::Method::PUT, Some(json!({ "sessionId": "x" }))),
        (reqwest::Method::DELETE, None),
    ] {
        let r = call(method.clone(), &format!("/api/sessions/{alice_id}"), Some(&bob), body).await;
        assert_eq!((r.status, r.code()), (403, "FORBIDDEN"), "{method}: {:?}", r.json);
    }
    // An admin may.
    let admin_name = unique("admin");
    let admin_id = create_user(&admin_name, PASSWORD).await;
    postgres().await.execute("UPDATE users SET role = 'admin' WHERE id = $1", &[&admin_id]).await.unwrap();
    let login = post_json("/api/auth/login", &json!({ "username": admin_name, "password": PASSWORD })).await;
    let admin = login.json["token"].as_str().unwrap();
    assert_eq!(call(reqwest::Method::GET, &format!("/api/sessions/{alice_id}"), Some(admin), None).await.status, 200);
}

#[tokio::test]
async fn bad_input_and_bad_tokens_get_clear_codes() {
    let (_, id, token) = user_with_token("picky").await;
    for bad in ["abc", "0", "-5", "1%3B%20DROP%20TABLE%20users"] {
        let r = call(reqwest::Method::GET, &format!("/api/sessions/{bad}"), Some(&token), None).await;
        assert_eq!((r.status, r.code()), (400, "INVALID_USER_ID"), "{bad}: {:?}", r.json);
    }
    let wrong_shape =
        call(reqwest::Method::POST, "/api/sessions", Some(&token), Some(json!({ "metadata": [1, 2] }))).await;
    assert_eq!((wrong_shape.status, wrong_shape.code()), (400, "VALIDATION_FAILED"));
    let injection = call(
        reqwest::Method::POST,
        "/api/sessions",
        Some(&token),
        Some(json!({ "metadata": { "$where": "sleep(1000)" } })),
    )
    .await;
    assert_eq!((injection.status, injection.code()), (400, "VALIDATION_FAILED"));
    let unknown_field = call(reqwest::Method::POST, "/api/sessions", Some(&token), Some(json!({ "userId": 1 }))).await;
    assert_eq!((unknown_field.status, unknown_field.code()), (400, "VALIDATION_FAILED"));
    let huge = call(
        reqwest::Method::POST,
        "/api/sessions",
        Some(&token),
        Some(json!({ "metadata": { "x": "y".repeat(20_000) } })),
    )
    .await;
    assert_eq!((huge.status, huge.code()), (413, "PAYLOAD_TOO_LARGE"));
    let no_session =
        call(reqwest::Method::PUT, &format!("/api/sessions/{id}"), Some(&token), Some(json!({ "metadata": {} }))).await;
    assert_eq!((no_session.status, no_session.code()), (400, "VALIDATION_FAILED"));
    let missing = call(reqwest::Method::GET, &format!("/api/sessions/{id}"), None, None).await;
    assert_eq!((missing.status, missing.code()), (401, "MISSING_TOKEN"));
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({ "sub": id.to_string(), "username": "x", "role": "user", "iss": env("JWT_ISSUER"), "aud": env("JWT_AUDIENCE"),
                 "iat": 1, "exp": chrono::Utc::now().timestamp() - 600, "jti": "expired" }),
        &jsonwebtoken::EncodingKey::from_secret(env("JWT_SECRET").as_bytes()),
    )
    .unwrap();
    let expired = call(reqwest::Method::GET, &format!("/api/sessions/{id}"), Some(&expired), None).await;
    assert_eq!((expired.status, expired.code()), (401, "TOKEN_EXPIRED"));
    let forged = call(reqwest::Method::GET, &format!("/api/sessions/{id}"), Some("a.b.c"), None).await;
    assert_eq!((forged.status, forged.code()), (401, "INVALID_TOKEN"));
    // Revoked: logout, then the same token is refused by the session service too.
    assert_eq!(call(reqwest::Method::POST, "/api/auth/logout", Some(&token), Some(json!({}))).await.status, 200);
    let revoked = call(reqwest::Method::GET, &format!("/api/sessions/{id}"), Some(&token), None).await;
    assert_eq!((revoked.status, revoked.code()), (401, "TOKEN_REVOKED"));
}

fn envelope(event_type: &str, data: Value) -> Value {
    json!({ "id": uuid::Uuid::now_v7(), "type": event_type, "occurredAt": chrono::Utc::now().to_rfc3339(),
            "source": "integration-test", "data": data })
}

async fn publish(event: &Value) {
    sqs()
        .await
        .send_message()
        .queue_url(env("AUTH_EVENTS_QUEUE_URL"))
        .message_body(event.to_string())
        .send()
        .await
        .unwrap();
}

async fn session_doc(token_id: &str) -> Option<mongodb::bson::Document> {
    mongo_sessions().await.find_one(mongodb::bson::doc! { "sessionId": token_id }).await.unwrap()
}

#[tokio::test]
async fn login_logout_events_are_idempotent_and_order_independent() {
    let username = unique("events");
    let user_id = create_user(&username, PASSWORD).await;

    // In order, with the login delivered twice.
    let token = uuid::Uuid::new_v4().to_string();
    let login = envelope("UserLoggedIn", json!({ "userId": user_id, "username": username, "tokenId": token }));
    publish(&login).await;
    publish(&login).await;
    let doc =
        eventually(Duration::from_secs(10), || async { session_doc(&token).await }).await.expect("session recorded");
    assert_eq!(doc.get_str("status").unwrap(), "active");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(mongo_sessions().await.count_documents(mongodb::bson::doc! { "sessionId": &token }).await.unwrap(), 1);
    publish(&envelope("UserLoggedOut", json!({ "userId": user_id, "username": username, "tokenId": token }))).await;
    eventually(Duration::from_secs(10), || async {
        session_doc(&token).await.filter(|d| d.get_str("status").ok() == Some("ended")).map(|_| ())
    })
    .await
    .expect("logout ended the session");

    // Out of order: the logout arrives before its login; the session stays ended.
    let late = uuid::Uuid::new_v4().to_string();
    publish(&envelope("UserLoggedOut", json!({ "userId": user_id, "username": username, "tokenId": late }))).await;
    eventually(Duration::from_secs(10), || async { session_doc(&late).await }).await.expect("tombstone recorded");
    publish(&envelope(
        "UserLoggedIn",
        json!({ "userId": user_id, "username": username, "tokenId": late, "userAgent": "late/1" }),
    ))
    .await;
    let doc = eventually(Duration::from_secs(10), || async {
        session_doc(&late).await.filter(|d| d.get_str("userAgent").ok() == Some("late/1"))
    })
    .await
    .expect("late login filled in the details");
    assert_eq!(doc.get_str("status").unwrap(), "ended", "a late login does not reopen a logged-out session");
    assert_eq!(mongo_sessions().await.count_documents(mongodb::bson::doc! { "sessionId": &late }).await.unwrap(), 1);

    // The real flow: logout through the API ends the session the login opened.
    let login = post_json("/api/auth/login", &json!({ "username": username, "password": PASSWORD })).await;
    let access = login.json["token"].as_str().unwrap().to_string();
    let claims: Value = {
        use base64::Engine as _;
        let payload = access.split('.').nth(1).unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    let jti = claims["jti"].as_str().unwrap().to_string();
    eventually(Duration::from_secs(10), || async { session_doc(&jti).await }).await.expect("login recorded");
    assert_eq!(call(reqwest::Method::POST, "/api/auth/logout", Some(&access), Some(json!({}))).await.status, 200);
    eventually(Duration::from_secs(10), || async {
        session_doc(&jti).await.filter(|d| d.get_str("status").ok() == Some("ended")).map(|_| ())
    })
    .await
    .expect("UserLoggedOut from the API ended the session");
}
