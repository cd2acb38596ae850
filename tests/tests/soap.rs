//! The SOAP 1.1 services (the user SOAP and user lookup services) through the gateway and the
//! real binaries: register -> lookup by username -> the same id; duplicates, weak passwords and
//! hostile XML as SOAP Faults with their codes and statuses; XXE never fetches anything;
//! WSDL documents; the lookup's one-origin CORS; health routes.
// Needs the local cloud; without it the tests are compiled out (tests/build.rs says so).
#![cfg(local_cloud)]

use integration_tests::*;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const USERS_NS: &str = "urn:rust-lambda:users";
const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";
const PASSWORD: &str = "correct horse battery staple";

/// (namespace, text or local name)
type Named = (Option<String>, String);

/// A SOAP answer: status, headers, and the text of each element by local name (with its namespace).
struct Soap {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
    elements: BTreeMap<String, Named>,
    root: Option<Named>,
}

impl Soap {
    fn get(&self, local: &str) -> &str {
        self.elements.get(local).map(|(_, t)| t.as_str()).unwrap_or_default()
    }
    fn ns_of(&self, local: &str) -> Option<&str> {
        self.elements.get(local).and_then(|(ns, _)| ns.as_deref())
    }
    /// The fault's detail code; also checks the Fault's shape.
    fn fault_code(&self) -> &str {
        assert_eq!(self.ns_of("Fault"), Some(ENVELOPE_NS), "not a SOAP Fault: {}", self.text);
        assert!(self.elements.contains_key("faultcode") && self.elements.contains_key("faultstring"), "{}", self.text);
        assert_eq!(self.ns_of("code"), Some(USERS_NS), "{}", self.text);
        self.get("code")
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Namespace-aware reading of the answer: any well-formedness error fails the test.
fn read(text: &str) -> (BTreeMap<String, Named>, Option<Named>) {
    let mut reader = NsReader::from_str(text);
    let mut elements = BTreeMap::new();
    let mut root = None;
    let mut open: Vec<String> = Vec::new();
    loop {
        let (ns, event) =
            reader.read_resolved_event().unwrap_or_else(|e| panic!("answer is not well-formed XML ({e}): {text}"));
        let ns = match ns {
            ResolveResult::Bound(n) => Some(n.0.to_string()),
            _ => None,
        };
        match event {
            Event::Start(s) => {
                let name = s.local_name().as_ref().to_string();
                root.get_or_insert((ns.clone(), name.clone()));
                elements.entry(name.clone()).or_insert((ns, String::new()));
                open.push(name);
            }
            Event::Empty(s) => {
                let name = s.local_name().as_ref().to_string();
                root.get_or_insert((ns.clone(), name.clone()));
                elements.entry(name).or_insert((ns, String::new()));
            }
            Event::End(_) => {
                open.pop();
            }
            Event::Text(t) => {
                if let Some(name) = open.last() {
                    elements.get_mut(name).expect("opened").1.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(name) = open.last() {
                    let c = match &*r {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("unexpected reference &{other}; in {text}"),
                    };
                    elements.get_mut(name).expect("opened").1.push(c);
                }
            }
            Event::DocType(_) => panic!("an answer with a DOCTYPE: {text}"),
            Event::Eof => break,
            _ => {}
        }
    }
    (elements, root)
}

async fn soap(req: reqwest::RequestBuilder) -> Soap {
    let resp = req.send().await.expect("request reached the gateway");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("response body");
    let (elements, root) = if text.is_empty() { (BTreeMap::new(), None) } else { read(&text) };
    if !text.is_empty() {
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("text/xml; charset=utf-8"),
            "{status} {text}"
        );
    }
    Soap { status, headers, text, elements, root }
}

fn envelope(operation: &str, fields: &[(&str, &str)]) -> String {
    let inner: String = fields.iter().map(|(k, v)| format!("<u:{k}>{v}</u:{k}>")).collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:u="urn:rust-lambda:users">
  <soapenv:Header/>
  <soapenv:Body><u:{operation}>{inner}</u:{operation}></soapenv:Body>
</soapenv:Envelope>"#
    )
}

async fn post_xml(path: &str, body: String) -> Soap {
    soap(
        http()
            .post(format!("{}{path}", gateway()))
            .header("content-type", "text/xml; charset=utf-8")
            .header("soapaction", "\"\"")
            .body(body),
    )
    .await
}

async fn register(username: &str, email: &str, password: &str) -> Soap {
    post_xml("/register", envelope("RegisterUser", &[("username", username), ("email", email), ("password", password)]))
        .await
}

async fn lookup(query: &str, origin: Option<&str>) -> Soap {
    let mut req = http().get(format!("{}/user/soap{query}", gateway()));
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    soap(req).await
}

fn allowed_origin() -> String {
    env("SOAP_LOOKUP_ALLOWED_ORIGIN")
}

#[tokio::test]
async fn register_over_soap_then_look_the_user_up_by_username() {
    let username = unique("soap");
    let email = format!("{username}@example.com");
    let created = register(&username, &email, PASSWORD).await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.root, Some((Some(ENVELOPE_NS.into()), "Envelope".into())));
    assert_eq!(created.ns_of("RegisterUserResponse"), Some(USERS_NS), "{}", created.text);
    let id: i64 = created.get("userId").parse().unwrap_or_else(|_| panic!("userId in {}", created.text));
    assert!(id > 0);
    assert_eq!(created.get("username"), username);
    assert!(!created.text.contains(PASSWORD));

    // GET /user/soap?username= (any case) -> the same id.
    let found = lookup(&format!("?username={}", username.to_uppercase()), None).await;
    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(found.ns_of("GetUserResponse"), Some(USERS_NS), "{}", found.text);
    assert_eq!(found.get("id"), id.to_string());
    assert_eq!(found.get("username"), username);

    // The same operation as a SOAP request (POST /user/soap, GetUser).
    let found = post_xml("/user/soap", envelope("GetUser", &[("username", &username)])).await;
    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(found.get("id"), id.to_string());

    // UserRegistered went out on user-events (outbox -> SQS -> user-audit), once, from the SOAP channel.
    let audit = mongo_collection("audit").await;
    let filter = mongodb::bson::doc! { "userId": id, "type": "UserRegistered", "source": "users.soap" };
    let seen = eventually(Duration::from_secs(15), || {
        let (audit, filter) = (audit.clone(), filter.clone());
        async move { (audit.count_documents(filter).await.ok()? >= 1).then_some(()) }
    })
    .await;
    assert!(seen.is_some(), "UserRegistered from users.soap reached the audit trail");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(audit.count_documents(filter).await.unwrap(), 1, "exactly once");
}

#[tokio::test]
async fn duplicates_and_weak_passwords_are_client_faults() {
    let username = unique("soapdup");
    let email = format!("{username}@example.com");
    assert_eq!(register(&username, &email, PASSWORD).await.status, 200);

    let same_name = register(&username.to_uppercase(), &format!("other-{email}"), PASSWORD).await;
    assert_eq!((same_name.status, same_name.fault_code()), (409, "USERNAME_TAKEN"), "{}", same_name.text);
    assert_eq!(same_name.get("faultcode"), "soap:Client");
    assert!(same_name.header("x-request-id").is_some_and(|id| id == same_name.get("requestId")));

    let same_email = register(&unique("soapdup"), &email.to_uppercase(), PASSWORD).await;
    assert_eq!((same_email.status, same_email.fault_code()), (409, "EMAIL_TAKEN"), "{}", same_email.text);

    let weak = register(&unique("soapweak"), &format!("w-{email}"), "password123").await;
    assert_eq!((weak.status, weak.fault_code()), (400, "WEAK_PASSWORD"), "{}", weak.text);
    assert_eq!(weak.get("faultcode"), "soap:Client");

    let invalid = register("a b", "not-an-email", PASSWORD).await;
    assert_eq!((invalid.status, invalid.fault_code()), (400, "VALIDATION_FAILED"), "{}", invalid.text);
}

#[tokio::test]
async fn bad_xml_is_refused_with_its_own_code() {
    let cases: Vec<(&str, String, u16, &str)> = vec![
        (
            "malformed",
            "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>".into(),
            400,
            "MALFORMED_XML",
        ),
        ("not XML", "username=alice".into(), 400, "MALFORMED_XML"),
        (
            "undefined entity",
            envelope("RegisterUser", &[("username", "&xxe;"), ("email", "a@example.com"), ("password", PASSWORD)]),
            400,
            "MALFORMED_XML",
        ),
        (
            "oversized",
            format!(
                "{}<!--{}-->",
                envelope("RegisterUser", &[("username", "big"), ("email", "a@example.com"), ("password", PASSWORD)]),
                "x".repeat(70 * 1024)
            ),
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        ("wrong operation", envelope("DeleteUser", &[("username", "alice")]), 400, "INVALID_SOAP_REQUEST"),
        (
            "missing field",
            envelope("RegisterUser", &[("username", "alice"), ("password", PASSWORD)]),
            400,
            "INVALID_SOAP_REQUEST",
        ),
        (
            "duplicate field",
            envelope(
                "RegisterUser",
                &[("username", "a1"), ("username", "a2"), ("email", "a@example.com"), ("password", PASSWORD)],
            ),
            400,
            "INVALID_SOAP_REQUEST",
        ),
        ("not an envelope", "<RegisterUser xmlns=\"urn:rust-lambda:users\"/>".into(), 400, "INVALID_SOAP_REQUEST"),
        (
            "SOAP 1.2",
            "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Body/></e:Envelope>".into(),
            400,
            "SOAP_VERSION_MISMATCH",
        ),
        ("empty", String::new(), 400, "EMPTY_BODY"),
    ];
    for (what, body, status, code) in cases {
        let r = post_xml("/register", body).await;
        assert_eq!((r.status, r.fault_code()), (status, code), "{what}: {}", r.text);
    }
    let version = post_xml(
        "/register",
        "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Body/></e:Envelope>".into(),
    )
    .await;
    assert_eq!(version.get("faultcode"), "soap:VersionMismatch");

    let json =
        soap(http().post(format!("{}/register", gateway())).header("content-type", "application/json").body("{}"))
            .await;
    assert_eq!((json.status, json.fault_code()), (415, "UNSUPPORTED_MEDIA_TYPE"));

    let get = soap(http().get(format!("{}/register", gateway()))).await;
    assert_eq!((get.status, get.fault_code()), (400, "INVALID_SOAP_REQUEST"), "{}", get.text);
}

#[tokio::test]
async fn a_doctype_with_an_external_entity_is_refused_and_nothing_is_fetched() {
    // A listener the entity points at: any fetch of the entity would connect here.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let username = unique("xxe");
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE soapenv:Envelope [
  <!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/secret">
  <!ENTITY % remote SYSTEM "http://127.0.0.1:{port}/evil.dtd">
  %remote;
]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:u="urn:rust-lambda:users">
  <soapenv:Body><u:RegisterUser><u:username>{username}</u:username><u:email>&xxe;</u:email><u:password>{PASSWORD}</u:password></u:RegisterUser></soapenv:Body>
</soapenv:Envelope>"#
    );
    let r = post_xml("/register", body).await;
    assert_eq!((r.status, r.fault_code()), (400, "XML_DOCTYPE_FORBIDDEN"), "{}", r.text);
    assert_eq!(r.get("faultcode"), "soap:Client");

    let file = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><u:GetUser xmlns:u="urn:rust-lambda:users"><u:username>&e;</u:username></u:GetUser></soapenv:Body></soapenv:Envelope>"#;
    let r = post_xml("/user/soap", file.to_string()).await;
    assert_eq!((r.status, r.fault_code()), (400, "XML_DOCTYPE_FORBIDDEN"), "{}", r.text);
    assert!(!r.text.contains("root:"), "{}", r.text);

    let connected = tokio::time::timeout(Duration::from_secs(2), listener.accept()).await;
    assert!(connected.is_err(), "the function connected to the entity's URL: {connected:?}");
    assert_eq!(lookup(&format!("?username={username}"), None).await.status, 404, "nothing was registered");
}

#[tokio::test]
async fn billion_laughs_is_refused_at_once() {
    let mut dtd = String::from("<!ENTITY lol0 \"lol\">\n");
    for i in 1..=9 {
        let refs = format!("&lol{};", i - 1).repeat(10);
        dtd.push_str(&format!("<!ENTITY lol{i} \"{refs}\">\n"));
    }
    let body = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n{dtd}]>\n{}",
        envelope("RegisterUser", &[("username", "&lol9;"), ("email", "a@example.com"), ("password", PASSWORD)])
            .trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
    );
    let started = Instant::now();
    let r = post_xml("/register", body).await;
    assert_eq!((r.status, r.fault_code()), (400, "XML_DOCTYPE_FORBIDDEN"), "{}", r.text);
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert!(r.text.len() < 2048, "the answer expanded something: {} bytes", r.text.len());
}

#[tokio::test]
async fn lookup_faults_for_unknown_and_missing_usernames() {
    let unknown = lookup(&format!("?username={}", unique("nobody")), None).await;
    assert_eq!((unknown.status, unknown.fault_code()), (404, "USER_NOT_FOUND"), "{}", unknown.text);
    assert_eq!(unknown.get("faultcode"), "soap:Client");
    let missing = lookup("", None).await;
    assert_eq!((missing.status, missing.fault_code()), (400, "MISSING_USERNAME"), "{}", missing.text);
    let blank = lookup("?username=%20", None).await;
    assert_eq!(blank.fault_code(), "MISSING_USERNAME");
    let long = lookup(&format!("?username={}", "a".repeat(100)), None).await;
    assert_eq!((long.status, long.fault_code()), (400, "INVALID_USERNAME"));
}

#[tokio::test]
async fn both_services_describe_themselves_with_wsdl() {
    for (path, service, address_suffix) in [
        ("/register?wsdl", "UserRegistrationService", "/register"),
        ("/user/soap?wsdl", "UserLookupService", "/user/soap"),
        ("/user/soap?WSDL", "UserLookupService", "/user/soap"),
    ] {
        let r = soap(http().get(format!("{}{path}", gateway()))).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(r.root, Some((Some(WSDL_NS.into()), "definitions".into())), "{path}");
        let mut reader = NsReader::from_str(&r.text);
        let target = loop {
            match reader.read_event().expect("WSDL") {
                Event::Start(s) => {
                    break s.try_get_attribute("targetNamespace").expect("attribute").map(|a| a.value.into_owned());
                }
                Event::Eof => break None,
                _ => {}
            }
        };
        assert_eq!(target.as_deref(), Some(USERS_NS), "{path}");
        assert!(r.text.contains(&format!("name=\"{service}\"")), "{path}");
        assert!(r.text.contains("<soap:binding style=\"document\""), "{path}");
        let address =
            r.text.split("<soap:address location=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default();
        assert!(address.starts_with("http") && address.ends_with(address_suffix), "{path}: address {address}");
    }
}

#[tokio::test]
async fn lookup_cors_answers_only_the_configured_origin() {
    let origin = allowed_origin();
    let username = unique("cors");
    assert_eq!(register(&username, &format!("{username}@example.com"), PASSWORD).await.status, 200);
    let query = format!("?username={username}");

    let allowed = lookup(&query, Some(&origin)).await;
    assert_eq!(allowed.status, 200);
    assert_eq!(allowed.header("access-control-allow-origin"), Some(origin.as_str()));
    assert!(allowed.header("vary").is_some_and(|v| v.contains("Origin")));
    assert!(allowed.header("access-control-allow-credentials").is_none());

    // Faults reach the allowed origin's page too.
    let fault = lookup("?username=", Some(&origin)).await;
    assert_eq!(fault.header("access-control-allow-origin"), Some(origin.as_str()));

    for foreign in ["http://evil.example", "http://127.0.0.1:8081", "null"] {
        let r = lookup(&query, Some(foreign)).await;
        assert_eq!(r.status, 200, "the answer is the same; only the browser withholds it");
        assert!(
            r.header("access-control-allow-origin").is_none(),
            "{foreign} got {:?}",
            r.header("access-control-allow-origin")
        );
        assert!(r.header("access-control-allow-credentials").is_none(), "{foreign}");
    }

    let preflight = |o: &str, method: &str| {
        http()
            .request(reqwest::Method::OPTIONS, format!("{}/user/soap", gateway()))
            .header("origin", o)
            .header("access-control-request-method", method)
            .header("access-control-request-headers", "content-type, soapaction")
    };
    let ok = soap(preflight(&origin, "GET")).await;
    assert_eq!(ok.status, 204, "{}", ok.text);
    assert_eq!(ok.header("access-control-allow-origin"), Some(origin.as_str()));
    assert!(ok.header("access-control-allow-methods").is_some_and(|m| m.contains("GET")));
    assert_eq!(soap(preflight(&origin, "POST")).await.status, 204);

    let refused = soap(preflight("http://evil.example", "GET")).await;
    assert_eq!((refused.status, refused.fault_code()), (403, "CORS_ORIGIN_FORBIDDEN"), "{}", refused.text);
    assert!(refused.header("access-control-allow-origin").is_none());
    let method = soap(preflight(&origin, "DELETE")).await;
    assert_eq!((method.status, method.fault_code()), (403, "CORS_METHOD_FORBIDDEN"));
}

#[tokio::test]
async fn soap_health_routes_are_up() {
    let soap_health = get("/user-soap/health").await;
    assert_eq!(soap_health.status, 200, "{:?}", soap_health.json);
    assert_eq!(soap_health.json["service"], "user-soap");
    assert_eq!(soap_health.json["checks"]["postgres"]["status"], "up");
    assert_eq!(soap_health.json["checks"]["sqs"]["status"], "up");
    assert_eq!(soap_health.json["checks"]["sqs"]["detail"]["queue"], "user-events");

    let search_health = get("/user-search/health").await;
    assert_eq!(search_health.status, 200, "{:?}", search_health.json);
    assert_eq!(search_health.json["service"], "user-search");
    assert_eq!(search_health.json["checks"]["postgres"]["status"], "up");
}
