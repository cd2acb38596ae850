//! Injection strings.

use super::*;

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
