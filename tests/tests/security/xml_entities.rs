//! XML entities on the SOAP routes.

use super::*;

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
