//! Oversized input.

use super::*;

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
