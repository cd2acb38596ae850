//! The chat backend through the real binaries behind the local gateway: chat sessions
//! with ownership, admin access, pagination, and field-level validation errors in the envelope.
// Needs the local cloud; without it the tests are compiled out (tests/build.rs says so).
#![cfg(local_cloud)]

use integration_tests::{Reply, create_user, gateway, http, post_json, postgres, run_function, send, unique};
use runtime_api::apigw::HttpRequest;
use serde_json::{Value, json};
use std::time::Duration;

const PASSWORD: &str = "correct horse battery staple";

/// A user logged in through `/api/v1/auth/login`; `admin` gives the user the admin role first.
async fn user(admin: bool) -> String {
    user_with_id(admin).await.1
}

/// [`user`], with the new user's id.
async fn user_with_id(admin: bool) -> (i64, String) {
    let username = unique("chat");
    let id = create_user(&username, PASSWORD).await;
    if admin {
        postgres().await.execute("UPDATE users SET role = 'admin' WHERE id = $1", &[&id]).await.expect("make admin");
    }
    let login = post_json("/api/v1/auth/login", &json!({ "username": username, "password": PASSWORD })).await;
    assert_eq!(login.status, 200, "{}", login.json);
    (id, login.json["data"]["accessToken"].as_str().expect("access token").to_string())
}

async fn call(method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
    let mut req = http().request(method.parse().expect("method"), format!("{}{path}", gateway()));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    send(req).await
}

fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!((reply.status, reply.code()), (status, code), "{}", reply.json);
    assert_eq!(reply.json["status"], "error");
    assert!(reply.json["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(reply.json["requestId"].as_str().is_some_and(|r| !r.is_empty()));
}

#[tokio::test]
async fn sessions_have_owners_titles_and_pages() {
    let (alice, bob, admin) = (user(false).await, user(false).await, user(true).await);

    let created = call("POST", "/api/v1/sessions", Some(&alice), Some(json!({ "title": "Support chat" }))).await;
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(
        (created.json["status"].as_str(), created.json["message"].as_str()),
        (Some("success"), Some("session created"))
    );
    let id = created.json["data"]["id"].as_str().expect("id").to_string();
    assert_eq!(created.json["data"]["title"], "Support chat");
    let path = format!("/api/v1/sessions/{id}");

    // The owner reads and renames it; another user cannot even see that it exists; an admin can.
    assert_eq!(call("GET", &path, Some(&alice), None).await.json["data"]["id"], id.as_str());
    for (method, body) in [("GET", None), ("PUT", Some(json!({ "title": "mine now" }))), ("DELETE", None)] {
        assert_error(&call(method, &path, Some(&bob), body).await, 404, "SESSION_NOT_FOUND");
    }
    assert_eq!(call("GET", &path, Some(&admin), None).await.status, 200);
    let renamed = call("PUT", &path, Some(&alice), Some(json!({ "title": "Billing question" }))).await;
    assert_eq!((renamed.status, &renamed.json["data"]["title"]), (200, &json!("Billing question")));

    // Pagination, newest first, with a cursor; bob's list does not include alice's sessions.
    for n in 0..3 {
        let r = call("POST", "/api/v1/sessions", Some(&alice), Some(json!({ "title": format!("chat {n}") }))).await;
        assert_eq!(r.status, 201);
    }
    let page = call("GET", "/api/v1/sessions?limit=2", Some(&alice), None).await;
    let titles = |r: &Reply| -> Vec<String> {
        r.json["data"]["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|s| s["title"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(titles(&page), ["chat 2", "chat 1"]);
    let cursor = page.json["data"]["nextCursor"].as_str().expect("more pages").to_string();
    let rest = call("GET", &format!("/api/v1/sessions?limit=2&cursor={cursor}"), Some(&alice), None).await;
    assert_eq!(titles(&rest), ["chat 0", "Billing question"]);
    assert!(rest.json["data"]["nextCursor"].is_null());
    assert!(titles(&call("GET", "/api/v1/sessions", Some(&bob), None).await).is_empty());

    // Only an admin lists another user's sessions.
    let alice_id = created.json["data"]["userId"].as_i64().expect("userId");
    let as_admin = call("GET", &format!("/api/v1/sessions?userId={alice_id}&limit=100"), Some(&admin), None).await;
    assert_eq!(titles(&as_admin).len(), 4);
    assert_error(
        &call("GET", &format!("/api/v1/sessions?userId={alice_id}"), Some(&bob), None).await,
        403,
        "FORBIDDEN",
    );

    let deleted = call("DELETE", &path, Some(&alice), None).await;
    assert_eq!(deleted.status, 200, "{}", deleted.json);
    assert_error(&call("GET", &path, Some(&alice), None).await, 404, "SESSION_NOT_FOUND");
}

#[tokio::test]
async fn bad_session_input_gets_field_level_errors() {
    let alice = user(false).await;
    let cases = [
        (json!({}), "title", "is required"),
        (json!({ "title": 42 }), "title", "invalid type: integer `42`, expected a string"),
        (json!({ "title": "" }), "title", "must be 1 to 200 characters"),
        (json!({ "title": "   " }), "title", "must be 1 to 200 characters"),
        (json!({ "title": "x".repeat(201) }), "title", "must be 1 to 200 characters"),
        (json!({ "title": "ok", "userId": 1 }), "userId", "is not allowed"),
    ];
    for (body, field, message) in cases {
        for (method, path) in
            [("POST", "/api/v1/sessions".to_string()), ("PUT", format!("/api/v1/sessions/{}", uuid::Uuid::now_v7()))]
        {
            let reply = call(method, &path, Some(&alice), Some(body.clone())).await;
            assert_error(&reply, 400, "VALIDATION_FAILED");
            assert_eq!(reply.json["errors"][field][0], message, "{method} {body}: {}", reply.json);
        }
    }
    assert_error(&call("POST", "/api/v1/sessions", None, Some(json!({ "title": "t" }))).await, 401, "MISSING_TOKEN");
    assert_error(
        &call("POST", "/api/v1/sessions", Some("forged.token.here"), Some(json!({ "title": "t" }))).await,
        401,
        "INVALID_TOKEN",
    );
    assert_error(&call("GET", "/api/v1/sessions/not-a-uuid", Some(&alice), None).await, 400, "INVALID_ID");
    assert_error(&call("GET", "/api/v1/sessions?limit=500", Some(&alice), None).await, 400, "INVALID_LIMIT");
    assert_error(&call("GET", "/api/v1/sessions?cursor=garbage", Some(&alice), None).await, 400, "INVALID_CURSOR");
    let raw = http()
        .post(format!("{}/api/v1/sessions", gateway()))
        .bearer_auth(&alice)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .expect("gateway");
    assert_eq!(raw.status().as_u16(), 400);
    let body: Value = raw.json().await.expect("json");
    assert_eq!(body["code"], "INVALID_JSON");
}

#[tokio::test]
async fn messages_stay_in_order_and_in_their_session() {
    let (alice, bob, admin) = (user(false).await, user(false).await, user(true).await);
    let session = call("POST", "/api/v1/sessions", Some(&alice), Some(json!({ "title": "Order 1234" }))).await;
    let session_id = session.json["data"]["id"].as_str().expect("id").to_string();

    let texts = ["hello", "my parcel is late", "order 1234", "thanks"];
    let mut ids = Vec::new();
    for text in texts {
        let posted = call(
            "POST",
            "/api/v1/messages",
            Some(&alice),
            Some(json!({ "sessionId": session_id, "kind": "text", "text": text })),
        )
        .await;
        assert_eq!(posted.status, 201, "{}", posted.json);
        ids.push(posted.json["data"]["id"].as_str().expect("id").to_string());
    }
    let media = json!({ "sessionId": session_id, "kind": "media", "mediaUrl": "https://cdn.example.com/p.png", "mediaType": "image/png", "text": "photo" });
    let photo = call("POST", "/api/v1/messages", Some(&alice), Some(media)).await;
    assert_eq!((photo.status, &photo.json["data"]["kind"]), (201, &json!("media")), "{}", photo.json);

    // Chronological, across pages.
    let base = format!("/api/v1/messages?sessionId={session_id}");
    let first = call("GET", &format!("{base}&limit=3"), Some(&alice), None).await;
    let page_texts = |r: &Reply| -> Vec<String> {
        r.json["data"]["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|m| m["text"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(page_texts(&first), texts[..3]);
    let cursor = first.json["data"]["nextCursor"].as_str().expect("more").to_string();
    let second = call("GET", &format!("{base}&limit=3&cursor={cursor}"), Some(&alice), None).await;
    assert_eq!(page_texts(&second), ["thanks", "photo"]);

    // Another user sees nothing of it, and cannot write into it; an admin can read.
    let msg = format!("/api/v1/messages/{}", ids[1]);
    assert_error(&call("GET", &msg, Some(&bob), None).await, 404, "MESSAGE_NOT_FOUND");
    assert_error(&call("DELETE", &msg, Some(&bob), None).await, 404, "MESSAGE_NOT_FOUND");
    assert_error(
        &call("GET", &format!("/api/v1/messages?sessionId={session_id}"), Some(&bob), None).await,
        404,
        "SESSION_NOT_FOUND",
    );
    let intrusion = call(
        "POST",
        "/api/v1/messages",
        Some(&bob),
        Some(json!({ "sessionId": session_id, "kind": "text", "text": "hi" })),
    )
    .await;
    assert_error(&intrusion, 404, "SESSION_NOT_FOUND");
    assert_eq!(call("GET", &msg, Some(&admin), None).await.status, 200);

    // Edits: text only, by its sender.
    let edited = call("PUT", &msg, Some(&alice), Some(json!({ "text": "my parcel is very late" }))).await;
    assert_eq!(
        (edited.status, &edited.json["data"]["text"]),
        (200, &json!("my parcel is very late")),
        "{}",
        edited.json
    );
    assert!(edited.json["data"]["editedAt"].is_string());
    let photo_path = format!("/api/v1/messages/{}", photo.json["data"]["id"].as_str().expect("id"));
    assert_error(
        &call("PUT", &photo_path, Some(&alice), Some(json!({ "text": "x" }))).await,
        409,
        "NOT_A_TEXT_MESSAGE",
    );
    assert_eq!(call("DELETE", &msg, Some(&alice), None).await.status, 200);
    assert_error(&call("GET", &msg, Some(&alice), None).await, 404, "MESSAGE_NOT_FOUND");

    // Deleting the session takes its messages with it.
    assert_eq!(call("DELETE", &format!("/api/v1/sessions/{session_id}"), Some(&alice), None).await.status, 200);
    assert_error(
        &call("GET", &format!("/api/v1/messages/{}", ids[0]), Some(&admin), None).await,
        404,
        "MESSAGE_NOT_FOUND",
    );
}

#[tokio::test]
async fn bad_messages_get_field_level_errors() {
    let alice = user(false).await;
    let session = call("POST", "/api/v1/sessions", Some(&alice), Some(json!({ "title": "t" }))).await;
    let sid = session.json["data"]["id"].as_str().expect("id").to_string();
    let cases = [
        (json!({ "kind": "text", "text": "hi" }), "sessionId", "is required"),
        (json!({ "sessionId": "nope", "kind": "text", "text": "hi" }), "sessionId", ""),
        (json!({ "sessionId": sid, "kind": "video", "text": "hi" }), "kind", ""),
        (json!({ "sessionId": sid, "kind": "text" }), "text", "is required for a text message"),
        (json!({ "sessionId": sid, "kind": "text", "text": "  " }), "text", "must be 1 to 4000 characters"),
        (json!({ "sessionId": sid, "kind": "text", "text": "x".repeat(4001) }), "text", "must be 1 to 4000 characters"),
        (json!({ "sessionId": sid, "kind": "text", "text": 7 }), "text", ""),
        (
            json!({ "sessionId": sid, "kind": "text", "text": "hi", "mediaUrl": "https://x.y/z" }),
            "mediaUrl",
            "is not allowed for a text message",
        ),
        (
            json!({ "sessionId": sid, "kind": "media", "mediaUrl": "not a url", "mediaType": "image/png" }),
            "mediaUrl",
            "must be a URL",
        ),
        (
            json!({ "sessionId": sid, "kind": "media", "mediaUrl": "https://x.y/z", "mediaType": "text/html" }),
            "mediaType",
            "must be an image/, video/ or audio/ media type",
        ),
        (json!({ "sessionId": sid, "kind": "text", "text": "hi", "senderId": 1 }), "senderId", "is not allowed"),
    ];
    for (body, field, message) in cases {
        let reply = call("POST", "/api/v1/messages", Some(&alice), Some(body.clone())).await;
        assert_error(&reply, 400, "VALIDATION_FAILED");
        let got = reply.json["errors"][field][0].as_str().unwrap_or_default();
        assert!(!got.is_empty() && got.starts_with(message), "{body}: {}", reply.json);
    }
    assert_error(&call("GET", "/api/v1/messages", Some(&alice), None).await, 400, "INVALID_SESSION_ID");
    assert_error(
        &call("GET", &format!("/api/v1/messages?sessionId={sid}&cursor=-1"), Some(&alice), None).await,
        400,
        "INVALID_CURSOR",
    );
    assert_error(
        &call("PUT", &format!("/api/v1/messages/{}", uuid::Uuid::now_v7()), Some(&alice), Some(json!({}))).await,
        400,
        "VALIDATION_FAILED",
    );
}

#[tokio::test]
async fn vendors_and_sellers_follow_the_unique_rules() {
    let (alice, bob, admin) = (user(false).await, user(false).await, user(true).await);
    let new_session =
        |title: &'static str| call("POST", "/api/v1/sessions", Some(&alice), Some(json!({ "title": title })));
    let s1 = new_session("shop 1").await.json["data"]["id"].as_str().expect("id").to_string();
    let s2 = new_session("shop 2").await.json["data"]["id"].as_str().expect("id").to_string();
    let email = format!("{}@example.com", unique("vendor"));

    // One vendor per session; vendor emails unique whatever their case.
    let vendor = call(
        "POST",
        "/api/v1/vendors",
        Some(&alice),
        Some(json!({ "sessionId": s1, "name": "Acme", "email": email, "phone": "+49 30 1234567" })),
    )
    .await;
    assert_eq!(vendor.status, 201, "{}", vendor.json);
    let vendor_id = vendor.json["data"]["id"].as_str().expect("id").to_string();
    let second = call("POST", "/api/v1/vendors", Some(&alice), Some(json!({ "sessionId": s1, "name": "Other" }))).await;
    assert_error(&second, 409, "VENDOR_EXISTS");
    let same_email = call(
        "POST",
        "/api/v1/vendors",
        Some(&alice),
        Some(json!({ "sessionId": s2, "name": "Copy", "email": email.to_uppercase() })),
    )
    .await;
    assert_error(&same_email, 409, "VENDOR_EMAIL_TAKEN");
    let found = call("GET", &format!("/api/v1/vendors?sessionId={s1}"), Some(&alice), None).await;
    assert_eq!(found.json["data"]["id"], vendor_id.as_str());
    assert_error(
        &call("GET", &format!("/api/v1/vendors?sessionId={s2}"), Some(&alice), None).await,
        404,
        "VENDOR_NOT_FOUND",
    );
    let vendor_path = format!("/api/v1/vendors/{vendor_id}");
    assert_error(&call("GET", &vendor_path, Some(&bob), None).await, 404, "VENDOR_NOT_FOUND");
    assert_error(
        &call("POST", "/api/v1/vendors", Some(&bob), Some(json!({ "sessionId": s2, "name": "Bob's" }))).await,
        404,
        "SESSION_NOT_FOUND",
    );
    assert_eq!(call("GET", &vendor_path, Some(&admin), None).await.status, 200);
    let moved = call("PUT", &vendor_path, Some(&alice), Some(json!({ "sessionId": s2, "name": "Acme" }))).await;
    assert_error(&moved, 400, "VALIDATION_FAILED");
    assert_eq!(moved.json["errors"]["sessionId"][0], "cannot be changed");
    let renamed = call("PUT", &vendor_path, Some(&alice), Some(json!({ "name": "Acme GmbH", "email": email }))).await;
    assert_eq!((renamed.status, &renamed.json["data"]["name"]), (200, &json!("Acme GmbH")), "{}", renamed.json);

    assert_error(&call("DELETE", &vendor_path, Some(&bob), None).await, 404, "VENDOR_NOT_FOUND");
    assert_eq!(call("DELETE", &vendor_path, Some(&alice), None).await.status, 200);
    assert_error(
        &call("GET", &format!("/api/v1/vendors?sessionId={s1}"), Some(&alice), None).await,
        404,
        "VENDOR_NOT_FOUND",
    );
    let again = call(
        "POST",
        "/api/v1/vendors",
        Some(&alice),
        Some(json!({ "sessionId": s1, "name": "Acme again", "email": email })),
    )
    .await;
    assert_eq!(again.status, 201, "a session without a vendor takes a new one: {}", again.json);
    let vendor_path = format!("/api/v1/vendors/{}", again.json["data"]["id"].as_str().expect("id"));

    // Sellers: many per session, a product once per seller and session, listed in order.
    let offer = |name: &str, product: &str, cents: i64| json!({ "sessionId": s1, "name": name, "product": product, "priceCents": cents, "currency": "EUR" });
    for (name, product, cents) in [("Ann", "Tea", 450), ("Ann", "Coffee", 390), ("Ben", "Tea", 420)] {
        let r = call("POST", "/api/v1/sellers", Some(&alice), Some(offer(name, product, cents))).await;
        assert_eq!(r.status, 201, "{}", r.json);
    }
    assert_error(
        &call("POST", "/api/v1/sellers", Some(&alice), Some(offer("Ann", "Tea", 500))).await,
        409,
        "SELLER_PRODUCT_EXISTS",
    );
    let page = call("GET", &format!("/api/v1/sellers?sessionId={s1}&limit=2"), Some(&alice), None).await;
    let names = |r: &Reply| -> Vec<String> {
        r.json["data"]["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|s| {
                format!("{}/{}", s["name"].as_str().unwrap_or_default(), s["product"].as_str().unwrap_or_default())
            })
            .collect()
    };
    assert_eq!(names(&page), ["Ann/Tea", "Ann/Coffee"]);
    let cursor = page.json["data"]["nextCursor"].as_str().expect("more").to_string();
    let rest =
        call("GET", &format!("/api/v1/sellers?sessionId={s1}&limit=2&cursor={cursor}"), Some(&alice), None).await;
    assert_eq!(names(&rest), ["Ben/Tea"]);
    assert_error(
        &call("GET", &format!("/api/v1/sellers?sessionId={s1}"), Some(&bob), None).await,
        404,
        "SESSION_NOT_FOUND",
    );
    let seller_id = page.json["data"]["items"][1]["id"].as_str().expect("id").to_string();
    let seller_path = format!("/api/v1/sellers/{seller_id}");
    let clash = call(
        "PUT",
        &seller_path,
        Some(&alice),
        Some(json!({ "name": "Ann", "product": "Tea", "priceCents": 1, "currency": "EUR" })),
    )
    .await;
    assert_error(&clash, 409, "SELLER_PRODUCT_EXISTS");
    let repriced = call(
        "PUT",
        &seller_path,
        Some(&alice),
        Some(json!({ "name": "Ann", "product": "Coffee", "priceCents": 350, "currency": "EUR" })),
    )
    .await;
    assert_eq!((repriced.status, &repriced.json["data"]["priceCents"]), (200, &json!(350)), "{}", repriced.json);
    assert_error(&call("DELETE", &seller_path, Some(&bob), None).await, 404, "SELLER_NOT_FOUND");
    assert_eq!(call("DELETE", &seller_path, Some(&alice), None).await.status, 200);
    assert_error(&call("GET", &seller_path, Some(&alice), None).await, 404, "SELLER_NOT_FOUND");

    // Bad bodies name their fields.
    let bad = [
        (json!({ "sessionId": s2, "name": "", "email": "x" }), ["email", "name"].as_slice()),
        (json!({ "sessionId": s2, "name": "V", "phone": "call me" }), ["phone"].as_slice()),
        (json!({ "name": "V" }), ["sessionId"].as_slice()),
    ];
    for (body, fields) in bad {
        let r = call("POST", "/api/v1/vendors", Some(&alice), Some(body.clone())).await;
        assert_error(&r, 400, "VALIDATION_FAILED");
        let got: Vec<&str> = r.json["errors"].as_object().expect("errors").keys().map(String::as_str).collect();
        assert_eq!(got, fields, "{body}");
    }
    let bad_sellers = [
        (json!({ "sessionId": s2, "name": "A", "product": "P", "priceCents": -5, "currency": "EUR" }), "priceCents"),
        (json!({ "sessionId": s2, "name": "A", "product": "P", "priceCents": 1.5, "currency": "EUR" }), "priceCents"),
        (json!({ "sessionId": s2, "name": "A", "product": "P", "priceCents": 5, "currency": "euro" }), "currency"),
        (
            json!({ "sessionId": s2, "name": "A", "product": "x".repeat(201), "priceCents": 5, "currency": "EUR" }),
            "product",
        ),
        (
            json!({ "sessionId": s2, "name": "A", "product": "P", "priceCents": 5, "currency": "EUR", "stock": 3 }),
            "stock",
        ),
    ];
    for (body, field) in bad_sellers {
        let r = call("POST", "/api/v1/sellers", Some(&alice), Some(body.clone())).await;
        assert_error(&r, 400, "VALIDATION_FAILED");
        assert!(r.json["errors"][field].is_array(), "{body}: {}", r.json);
    }

    // Deleting the session removes its vendor and sellers.
    assert_eq!(call("DELETE", &format!("/api/v1/sessions/{s1}"), Some(&alice), None).await.status, 200);
    assert_error(&call("GET", &vendor_path, Some(&admin), None).await, 404, "VENDOR_NOT_FOUND");
}

/// The id of the user a token belongs to, read from their own profile route's answer.
async fn my_id(token: &str) -> i64 {
    let sessions = call("POST", "/api/v1/sessions", Some(token), Some(json!({ "title": "whoami" }))).await;
    sessions.json["data"]["userId"].as_i64().expect("userId")
}

#[tokio::test]
async fn users_manage_themselves_and_admins_manage_everyone() {
    let (alice, bob, admin) = (user(false).await, user(false).await, user(true).await);
    let (alice_id, bob_id, admin_id) = (my_id(&alice).await, my_id(&bob).await, my_id(&admin).await);
    let me = format!("/api/v1/users/{alice_id}");

    let profile = call("GET", &me, Some(&alice), None).await;
    assert_eq!((profile.status, profile.json["data"]["id"].as_i64()), (200, Some(alice_id)), "{}", profile.json);
    assert!(profile.json["data"].get("passwordHash").is_none() && !profile.json.to_string().contains("pbkdf2"));
    assert_error(&call("GET", &me, Some(&bob), None).await, 404, "USER_NOT_FOUND");
    assert_eq!(call("GET", &me, Some(&admin), None).await.status, 200);

    let email = format!("{}@example.com", unique("alice"));
    let updated = call("PUT", &me, Some(&alice), Some(json!({ "email": email }))).await;
    assert_eq!((updated.status, &updated.json["data"]["email"]), (200, &json!(email)), "{}", updated.json);
    let taken =
        call("PUT", &format!("/api/v1/users/{bob_id}"), Some(&bob), Some(json!({ "email": email.to_uppercase() })))
            .await;
    assert_error(&taken, 409, "EMAIL_TAKEN");

    // Admin-only operations.
    assert_error(&call("PUT", &me, Some(&alice), Some(json!({ "role": "admin" }))).await, 403, "FORBIDDEN");
    assert_error(&call("GET", "/api/v1/users", Some(&alice), None).await, 403, "FORBIDDEN");
    assert_error(&call("DELETE", &format!("/api/v1/users/{bob_id}"), Some(&alice), None).await, 403, "FORBIDDEN");
    let listed = call("GET", "/api/v1/users?limit=100", Some(&admin), None).await;
    assert_eq!(listed.status, 200, "{}", listed.json);
    let promoted =
        call("PUT", &format!("/api/v1/users/{bob_id}"), Some(&admin), Some(json!({ "role": "admin" }))).await;
    assert_eq!(promoted.json["data"]["role"], "admin");
    assert_error(
        &call("DELETE", &format!("/api/v1/users/{admin_id}"), Some(&admin), None).await,
        409,
        "CANNOT_DELETE_SELF",
    );
    assert_eq!(call("DELETE", &me, Some(&admin), None).await.status, 200);
    assert_error(&call("GET", &me, Some(&admin), None).await, 404, "USER_NOT_FOUND");

    // Bad input.
    for (body, field) in [
        (json!({ "email": "not-an-email" }), "email"),
        (json!({ "role": "root" }), "role"),
        (json!({ "username": "x" }), "username"),
        (json!({}), "body"),
    ] {
        let r = call("PUT", &format!("/api/v1/users/{admin_id}"), Some(&admin), Some(body.clone())).await;
        assert_error(&r, 400, "VALIDATION_FAILED");
        assert!(r.json["errors"][field].is_array(), "{body}: {}", r.json);
    }
    assert_error(&call("GET", "/api/v1/users/abc", Some(&admin), None).await, 400, "INVALID_ID");
}

/// The chat service's per-caller rate limit (`RATE_LIMIT_MAX` per `RATE_LIMIT_WINDOW` ms), here 3 per
/// 3 s on a function run by the test's own Runtime API; the 4th request in a window is a 429 in
/// the envelope with Retry-After, and the next window is open again.
#[tokio::test]
async fn the_rate_limit_refuses_then_reopens() {
    let alice = user(false).await;
    let mut function =
        run_function("chat-sessions-list", &[("RATE_LIMIT_MAX", "3"), ("RATE_LIMIT_WINDOW", "3000")]).await;
    let request = HttpRequest::get("/api/v1/sessions").header("authorization", &format!("Bearer {alice}"));
    let mut limited = None;
    for _ in 0..8 {
        let answer = function.http(&request, Duration::from_secs(30)).await.expect("answer");
        if answer.status == 429 {
            limited = Some(answer);
            break;
        }
        assert_eq!(answer.status, 200, "{}", answer.text());
    }
    let limited = limited.expect("the 4th request of a window is refused");
    let body = limited.json().expect("json");
    assert_eq!((body["status"].as_str(), body["code"].as_str()), (Some("error"), Some("RATE_LIMITED")), "{body}");
    let retry: u64 = limited.header("retry-after").expect("Retry-After").parse().expect("seconds");
    assert!((1..=3).contains(&retry));
    tokio::time::sleep(Duration::from_millis(retry * 1000 + 300)).await;
    assert_eq!(function.http(&request, Duration::from_secs(30)).await.expect("answer").status, 200);
}

/// `CORS_ORIGIN` (the stack sets http://127.0.0.1:8080): that origin gets its preflight and the
/// CORS headers on answers, errors included; any other origin gets neither.
#[tokio::test]
async fn cors_answers_the_configured_origin_only() {
    let alice = user(false).await;
    let allowed = integration_tests::env("CORS_ORIGIN");
    let preflight = |origin: String| {
        http()
            .request(reqwest::Method::OPTIONS, format!("{}/api/v1/sessions", gateway()))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let ok = preflight(allowed.clone()).await.expect("gateway");
    assert_eq!(ok.status().as_u16(), 204);
    assert_eq!(ok.headers()["access-control-allow-origin"], allowed.as_str());
    assert!(ok.headers()["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    let foreign = preflight("https://evil.example".into()).await.expect("gateway");
    assert_eq!(foreign.status().as_u16(), 403);
    assert!(foreign.headers().get("access-control-allow-origin").is_none());

    let get = |origin: &str, token: Option<&str>| {
        let mut req = http().get(format!("{}/api/v1/sessions", gateway())).header("origin", origin);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let answer = get(&allowed, Some(&alice)).await.expect("gateway");
    assert_eq!(
        (answer.status().as_u16(), &answer.headers()["access-control-allow-origin"]),
        (200, &allowed.parse::<reqwest::header::HeaderValue>().unwrap())
    );
    let error = get(&allowed, None).await.expect("gateway");
    assert_eq!(error.status().as_u16(), 401);
    assert_eq!(error.headers()["access-control-allow-origin"], allowed.as_str(), "errors are readable by the page too");
    let elsewhere = get("https://evil.example", Some(&alice)).await.expect("gateway");
    assert!(elsewhere.headers().get("access-control-allow-origin").is_none());
}

/// Every write route of `/api/v1`, each with the four kinds of bad body: a wrong type, a missing
/// field, an over-long string and an unknown field — a 400 envelope naming the field each time.
#[tokio::test]
async fn every_write_route_names_the_field_of_each_mistake() {
    let alice = user(false).await;
    let sid = call("POST", "/api/v1/sessions", Some(&alice), Some(json!({ "title": "t" }))).await.json["data"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let me = my_id(&alice).await;
    let any = uuid::Uuid::now_v7();
    let long = "x".repeat(5000);
    // (method, path, a valid body, a string field to break, a required field to drop)
    let routes: Vec<(&str, String, Value, &str, Option<&str>)> = vec![
        ("POST", "/api/v1/sessions".into(), json!({ "title": "t" }), "title", Some("title")),
        ("PUT", format!("/api/v1/sessions/{any}"), json!({ "title": "t" }), "title", Some("title")),
        (
            "POST",
            "/api/v1/messages".into(),
            json!({ "sessionId": sid, "kind": "text", "text": "hi" }),
            "text",
            Some("sessionId"),
        ),
        ("PUT", format!("/api/v1/messages/{any}"), json!({ "text": "hi" }), "text", Some("text")),
        ("POST", "/api/v1/vendors".into(), json!({ "sessionId": sid, "name": "V" }), "name", Some("name")),
        ("PUT", format!("/api/v1/vendors/{any}"), json!({ "name": "V" }), "name", Some("name")),
        (
            "POST",
            "/api/v1/sellers".into(),
            json!({ "sessionId": sid, "name": "A", "product": "P", "priceCents": 1, "currency": "EUR" }),
            "product",
            Some("priceCents"),
        ),
        (
            "PUT",
            format!("/api/v1/sellers/{any}"),
            json!({ "name": "A", "product": "P", "priceCents": 1, "currency": "EUR" }),
            "name",
            Some("currency"),
        ),
        ("PUT", format!("/api/v1/users/{me}"), json!({ "email": "a@example.com" }), "email", None),
    ];
    for (method, path, valid, text_field, required) in routes {
        let mut cases: Vec<(&str, Value, String)> = Vec::new();
        let mut wrong_type = valid.clone();
        wrong_type[text_field] = json!(12345);
        cases.push(("wrong type", wrong_type, text_field.to_string()));
        let mut too_long = valid.clone();
        too_long[text_field] = json!(long);
        cases.push(("over-long", too_long, text_field.to_string()));
        let mut unknown = valid.clone();
        unknown["isAdmin"] = json!(true);
        cases.push(("unknown field", unknown, "isAdmin".to_string()));
        if let Some(required) = required {
            let mut missing = valid.clone();
            missing.as_object_mut().expect("object").remove(required);
            cases.push(("missing field", missing, required.to_string()));
        }
        for (what, body, field) in cases {
            let reply = call(method, &path, Some(&alice), Some(body)).await;
            assert_error(&reply, 400, "VALIDATION_FAILED");
            assert!(
                reply.json["errors"][&field].as_array().is_some_and(|m| !m.is_empty()),
                "{method} {path} {what}: {}",
                reply.json
            );
        }
    }
}

/// A cursor's timestamp must be one PostgreSQL can hold (and one this API could have issued):
/// far outside that range it is INVALID_CURSOR, never a database error.
#[tokio::test]
async fn cursors_with_impossible_timestamps_are_refused() {
    let alice = user(false).await;
    let sid = call("POST", "/api/v1/sessions", Some(&alice), Some(json!({ "title": "t" }))).await.json["data"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let any = uuid::Uuid::now_v7();
    for micros in ["-300000000000000000", "-1", "253402300800000000", "8000000000000000000"] {
        let cursor = format!("{micros}_{any}");
        for path in
            [format!("/api/v1/sessions?cursor={cursor}"), format!("/api/v1/sellers?sessionId={sid}&cursor={cursor}")]
        {
            assert_error(&call("GET", &path, Some(&alice), None).await, 400, "INVALID_CURSOR");
        }
    }
    // The edges of the range are still cursors: the epoch and the last microsecond of 9999.
    for micros in ["0", "253402300799999999"] {
        let sessions = call("GET", &format!("/api/v1/sessions?cursor={micros}_{any}"), Some(&alice), None).await;
        assert_eq!(sessions.status, 200, "{micros}: {}", sessions.json);
    }
}

/// An access token outlives its user (deleted by an admin, or in the database): creating
/// anything that records the caller's id is then a 401 INVALID_TOKEN, not a foreign-key 500.
#[tokio::test]
async fn tokens_of_deleted_users_cannot_create() {
    let (alice_id, alice) = user_with_id(false).await;
    let (admin_id, admin) = user_with_id(true).await;
    let (_, other_admin) = user_with_id(true).await;
    let bob = user(false).await;
    let bobs = call("POST", "/api/v1/sessions", Some(&bob), Some(json!({ "title": "bob's" }))).await;
    let bobs = bobs.json["data"]["id"].as_str().expect("id").to_string();

    // Deleted by an admin through the API.
    assert_eq!(call("DELETE", &format!("/api/v1/users/{alice_id}"), Some(&other_admin), None).await.status, 200);
    let session = call("POST", "/api/v1/sessions", Some(&alice), Some(json!({ "title": "ghost" }))).await;
    assert_error(&session, 401, "INVALID_TOKEN");

    // Deleted in the database: an admin may write into anyone's session, but not as nobody.
    postgres().await.execute("DELETE FROM users WHERE id = $1", &[&admin_id]).await.expect("delete admin");
    let message = call(
        "POST",
        "/api/v1/messages",
        Some(&admin),
        Some(json!({ "sessionId": bobs, "kind": "text", "text": "boo" })),
    )
    .await;
    assert_error(&message, 401, "INVALID_TOKEN");
    assert_error(
        &call("POST", "/api/v1/sessions", Some(&admin), Some(json!({ "title": "ghost" }))).await,
        401,
        "INVALID_TOKEN",
    );
    let listed = call("GET", &format!("/api/v1/messages?sessionId={bobs}"), Some(&bob), None).await;
    assert_eq!(listed.json["data"]["items"].as_array().map(Vec::len), Some(0), "nothing was written: {}", listed.json);
}
