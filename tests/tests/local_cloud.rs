//! The running local cloud behaves as API Gateway and Lambda do where the functions can tell:
//! only the template's routes reach functions, API Gateway's own answers, bodies as API Gateway
//! encodes them, and the template's schedule running `outbox-relay` by itself.
//! (tools/local-cloud/tests has the same behaviours against a test template, in detail.)
// Needs the local cloud; without it the tests are compiled out (tests/build.rs says so).
#![cfg(local_cloud)]

use integration_tests::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn no_function_is_reachable_except_through_a_route() {
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/no-such-route"),
        ("GET", "/login"),
        ("GET", "/lambda-url/login/"),
        ("POST", "/2015-03-31/functions/local-login/invocations"),
    ] {
        let r = send(http().request(method.parse().unwrap(), format!("{}{path}", gateway()))).await;
        assert_eq!((r.status, &r.json), (404, &json!({"message": "Not Found"})), "{method} {path}");
        let id = r.headers.get("apigw-requestid").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(!id.is_empty(), "{method} {path}: every answer carries apigw-requestid");
    }
}

#[tokio::test]
async fn bodies_over_10_mb_are_refused_by_the_gateway() {
    let body = vec![0x89u8; 10 * 1024 * 1024 + 1];
    let r = send(http().post(format!("{}/images", gateway())).header("content-type", "image/png").body(body)).await;
    assert_eq!((r.status, &r.json), (413, &json!({"message": "Request Entity Too Large"})));
    assert!(r.headers.get("apigw-requestid").is_some());
}

#[tokio::test]
async fn a_body_that_is_not_utf8_reaches_the_function_base64_encoded() {
    // The function decodes it and finds no JSON: its own 400, not a gateway failure.
    let r = send(
        http()
            .post(format!("{}/login", gateway()))
            .header("content-type", "application/json")
            .body(vec![0xff, 0xfe, 0x00]),
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "INVALID_JSON"), "{:?}", r.json);
    assert!(r.headers.get("apigw-requestid").is_some() && r.headers.get("x-request-id").is_some());
}

/// `outbox-relay` has a `Schedule` event: the local cloud runs it (every minute, or every
/// LOCAL_SCHEDULE_RATE_SECONDS as localstack/test.sh sets), nobody invokes it here.
#[tokio::test]
async fn the_schedule_delivers_what_waits_in_the_outbox() {
    let username = unique("scheduled");
    let id = uuid::Uuid::now_v7();
    let event = json!({
        "id": id, "type": "UserRegistered", "occurredAt": chrono::Utc::now().to_rfc3339(), "source": "integration-test",
        "data": { "userId": 1, "username": username, "email": format!("{username}@example.com"), "channel": "integration-test" }
    });
    postgres()
        .await
        .execute("INSERT INTO outbox (event_id, queue, payload) VALUES ($1, 'user-events', $2)", &[&id, &event])
        .await
        .expect("an outbox row");
    let audit = mongo_collection("audit").await;
    let filter = mongodb::bson::doc! { "username": &username, "type": "UserRegistered" };
    let delivered = eventually(Duration::from_secs(90), || {
        let (audit, filter) = (audit.clone(), filter.clone());
        async move { (audit.count_documents(filter).await.ok()? == 1).then_some(()) }
    })
    .await;
    assert!(delivered.is_some(), "the scheduled outbox-relay delivered the event to user-events and user-audit");
}
