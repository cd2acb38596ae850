//! The foundation slice end to end, through the gateway of `cargo lambda watch` (API Gateway
//! events over the Lambda Runtime API), the real function binaries and the real servers:
//! POST /login -> SQS auth-events -> session-recorder -> MongoDB -> GET /last-connection.
// Needs the local cloud; without it the tests are compiled out (tests/build.rs says so).
#![cfg(local_cloud)]

use integration_tests::*;
use serde_json::json;
use std::time::Duration;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn login_shows_up_in_last_connection_within_five_seconds() {
    let username = unique("alice");
    create_user(&username, PASSWORD).await;

    let before = get(&format!("/last-connection?username={username}")).await;
    assert_eq!((before.status, before.code()), (404, "NO_CONNECTION"), "{:?}", before.json);

    let login = send(
        http()
            .post(format!("{}/login", gateway()))
            .header("user-agent", "integration-test/1.0")
            .json(&json!({ "username": username, "password": PASSWORD })),
    )
    .await;
    assert_eq!(login.status, 200, "{:?}", login.json);
    let token = login.json["token"].as_str().expect("token");
    assert_eq!(token.split('.').count(), 3, "a JWT");
    assert_eq!(login.json["tokenType"], "Bearer");
    assert_eq!(login.json["expiresIn"], 3600);
    assert!(login.headers.get("x-request-id").is_some());

    let seen = eventually(Duration::from_secs(5), || async {
        let r = get(&format!("/last-connection?username={username}")).await;
        (r.status == 200).then_some(r)
    })
    .await
    .expect("the login reached /last-connection through SQS within 5 s");
    assert_eq!(seen.json["username"], username.as_str());
    let at = chrono::DateTime::parse_from_rfc3339(seen.json["lastConnection"].as_str().unwrap()).unwrap();
    assert!((chrono::Utc::now() - at.with_timezone(&chrono::Utc)).num_seconds() < 30);
    let relative = seen.json["relative"].as_str().unwrap();
    assert!(relative == "now" || relative.ends_with("seconds ago"), "relative time: {relative}");

    // The session document carries the device info and is tied to the token.
    let doc = mongo_sessions()
        .await
        .find_one(mongodb::bson::doc! { "username": &username })
        .await
        .unwrap()
        .expect("session document");
    assert_eq!(doc.get_str("userAgent").unwrap(), "integration-test/1.0");
    assert!(doc.get_str("tokenId").is_ok());
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_401() {
    let username = unique("bob");
    create_user(&username, PASSWORD).await;
    let wrong = post_json("/login", &json!({ "username": username, "password": "nope" })).await;
    let unknown = post_json("/login", &json!({ "username": unique("nobody"), "password": PASSWORD })).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.code(), "INVALID_CREDENTIALS");
    assert_eq!((unknown.status, unknown.code()), (wrong.status, wrong.code()));
    assert_eq!(unknown.json["error"], wrong.json["error"]);
    assert!(wrong.json["requestId"].as_str().is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn bad_login_bodies_are_400_with_codes() {
    let url = format!("{}/login", gateway());
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (http().post(&url).header("content-type", "application/json").body("{\"username\": "), 400, "INVALID_JSON"),
        (http().post(&url).json(&json!({ "username": "x" })), 400, "VALIDATION_FAILED"),
        (http().post(&url).json(&json!({ "username": 5, "password": "x" })), 400, "VALIDATION_FAILED"),
        (http().post(&url).json(&json!({ "username": "x", "password": "y", "admin": true })), 400, "VALIDATION_FAILED"),
        (http().post(&url).json(&json!({ "username": "", "password": "y" })), 400, "VALIDATION_FAILED"),
        (http().post(&url).header("content-type", "application/json"), 400, "EMPTY_BODY"),
        (http().post(&url).header("content-type", "text/plain").body("hi"), 415, "UNSUPPORTED_MEDIA_TYPE"),
        (http().post(&url).json(&json!({ "username": "x", "password": "y".repeat(8192) })), 413, "PAYLOAD_TOO_LARGE"),
    ];
    for (i, (req, status, code)) in cases.into_iter().enumerate() {
        let r = send(req).await;
        assert_eq!((r.status, r.code()), (status, code), "case {i}: {:?}", r.json);
        assert!(r.json["requestId"].is_string(), "case {i}");
    }
}

#[tokio::test]
async fn last_connection_rejects_bad_queries() {
    let missing = get("/last-connection").await;
    assert_eq!((missing.status, missing.code()), (400, "MISSING_USERNAME"));
    let long = get(&format!("/last-connection?username={}", "a".repeat(200))).await;
    assert_eq!((long.status, long.code()), (400, "INVALID_USERNAME"));
    let unknown = get(&format!("/last-connection?username={}", unique("ghost"))).await;
    assert_eq!((unknown.status, unknown.code()), (404, "USER_NOT_FOUND"));
}

#[tokio::test]
async fn health_reports_every_dependency() {
    let auth = get("/auth/health").await;
    assert_eq!(auth.status, 200, "{:?}", auth.json);
    assert_eq!(auth.json["checks"]["postgres"]["status"], "up");
    assert_eq!(auth.json["checks"]["sqs"]["status"], "up");
    assert!(auth.json["checks"]["postgres"]["detail"]["version"].as_str().unwrap().starts_with("PostgreSQL"));
    let connected = get("/connected/health").await;
    assert_eq!(connected.status, 200, "{:?}", connected.json);
    assert_eq!(connected.json["checks"]["postgres"]["status"], "up");
    assert_eq!(connected.json["checks"]["mongo"]["status"], "up");
}

#[tokio::test]
async fn sample_events_work_through_the_invoke_api() {
    let event: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../events/session-recorder.json")).unwrap(),
    )
    .unwrap();
    let r = invoke("session-recorder", &event).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["batchItemFailures"], json!([]), "{:?}", r.json);

    // Migrations are applied by start-up; a second run has nothing left to do.
    let migrate = invoke("db-migrate", &json!({})).await;
    assert_eq!(migrate.status, 200, "{:?}", migrate.json);
    assert_eq!(migrate.json["applied"], json!([]));
}

#[tokio::test]
async fn a_poison_message_ends_in_the_dlq_and_its_batch_mates_are_not_redelivered() {
    let sqs = sqs().await;
    let queue = env("AUTH_EVENTS_QUEUE_URL");
    let dlq = env("AUTH_EVENTS_DLQ_URL");
    let marker = unique("poison");
    let username = unique("carol");
    let user_id = create_user(&username, PASSWORD).await;
    let good = json!({
        "id": uuid::Uuid::new_v4(), "type": "UserLoggedIn", "occurredAt": chrono::Utc::now().to_rfc3339(),
        "source": "integration-test", "data": { "userId": user_id, "username": username }
    });
    let entries = [
        aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
            .id("poison")
            .message_body(format!("{{\"not\": \"an envelope\", \"marker\": \"{marker}\"}}"))
            .build()
            .unwrap(),
        aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
            .id("good")
            .message_body(good.to_string())
            .build()
            .unwrap(),
    ];
    sqs.send_message_batch().queue_url(&queue).set_entries(Some(entries.to_vec())).send().await.unwrap();

    // The good one is processed...
    eventually(Duration::from_secs(10), || async {
        (get(&format!("/last-connection?username={username}")).await.status == 200).then_some(())
    })
    .await
    .expect("the valid event of the batch was processed");

    // ...and the poison one lands in the DLQ after maxReceiveCount receives.
    let good_id = good["id"].as_str().unwrap().to_string();
    let seen_good_in_dlq = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    eventually(Duration::from_secs(90), || {
        let (sqs, dlq, marker, good_id) = (sqs.clone(), dlq.clone(), marker.clone(), good_id.clone());
        let seen = seen_good_in_dlq.clone();
        async move {
            let out = sqs
                .receive_message()
                .queue_url(&dlq)
                .max_number_of_messages(10)
                .visibility_timeout(1)
                .send()
                .await
                .ok()?;
            let mut hit = None;
            for m in out.messages() {
                let body = m.body().unwrap_or_default();
                if body.contains(&good_id) {
                    seen.store(true, std::sync::atomic::Ordering::SeqCst);
                }
                if body.contains(&marker) {
                    sqs.delete_message().queue_url(&dlq).receipt_handle(m.receipt_handle().unwrap()).send().await.ok();
                    hit = Some(());
                }
            }
            hit
        }
    })
    .await
    .expect("the poison message reached the DLQ");
    assert!(
        !seen_good_in_dlq.load(std::sync::atomic::Ordering::SeqCst),
        "the valid batch mate was redelivered until it reached the DLQ"
    );

    // Exactly one session for the valid event, whatever the retries of its batch mate.
    let count = mongo_sessions().await.count_documents(mongodb::bson::doc! { "loginEventId": &good_id }).await.unwrap();
    assert_eq!(count, 1);
}
