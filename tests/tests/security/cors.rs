//! CORS.

use super::*;

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
