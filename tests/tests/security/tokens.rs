//! Authentication bypass.

use super::*;

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
