//! Fault injection through the real servers: a dependency stops, the functions answer a clear
//! 503 with its code, and recover on their own (no function restart) once it is back. Nothing
//! accepted is lost: a registration made while SQS is down is delivered by the outbox relay later.
//! One test, run alone in its own binary, because it stops shared servers.
// Needs the local cloud; without it the tests are compiled out (tests/build.rs says so).
#![cfg(local_cloud)]

use integration_tests::*;
use serde_json::json;
use std::time::Duration;

const PASSWORD: &str = "fault-injection-password";
const RECOVERY: Duration = Duration::from_secs(30);

async fn wait_healthy(path: &str) {
    eventually(RECOVERY, || async { (get(path).await.status == 200).then_some(()) })
        .await
        .unwrap_or_else(|| panic!("{path} did not recover within {RECOVERY:?} without restarting the function"));
}

async fn login(username: &str) -> Reply {
    post_json("/login", &json!({ "username": username, "password": PASSWORD })).await
}

#[tokio::test]
async fn dependencies_go_down_and_come_back() {
    let username = unique("faulty");
    create_user(&username, PASSWORD).await;
    wait_healthy("/connected/health").await;
    wait_healthy("/auth/health").await;

    // A function that used MongoDB before a restart holds pooled connections to the old server.
    // Lambda freezes a process between invocations, so the driver's monitor cannot notice the
    // restart: the test stops the process (SIGSTOP) while MongoDB restarts and slows its
    // heartbeat. Its first request afterwards must still succeed (a stale connection is retried
    // on a new one), not fail with a broken pipe. Ending sessions is an `update_many`, which the
    // driver's own retryable writes never retry.
    let user_id = create_user(&format!("{username}-s"), PASSWORD).await;
    let token =
        post_json("/api/auth/login", &json!({ "username": format!("{username}-s"), "password": PASSWORD })).await;
    let end_sessions = runtime_api::apigw::HttpRequest::new("DELETE", &format!("/api/sessions/{user_id}"))
        .route("/api/sessions/{userId}")
        .header("authorization", &format!("Bearer {}", token.json["token"].as_str().expect("token")));
    let mongo_uri = env("MONGO_URI");
    let separator = if mongo_uri.contains('?') { '&' } else { '?' };
    let frozen_uri = format!("{mongo_uri}{separator}heartbeatFrequencyMS=600000");
    let mut sessions_end = run_function("sessions-end", &[("MONGO_URI", &frozen_uri)]).await;
    let ended = sessions_end.http(&end_sessions, Duration::from_secs(30)).await.expect("sessions-end answers");
    assert_eq!(ended.status, 200, "{}", ended.text());
    let sessions_end_pid = sessions_end.pid().expect("sessions-end runs").to_string();
    let signal = |name: &str| {
        let status = std::process::Command::new("kill").args([name, &sessions_end_pid]).status().expect("kill");
        assert!(status.success(), "kill {name} {sessions_end_pid}");
    };

    // --- MongoDB down
    signal("-STOP"); // frozen between invocations, as Lambda does
    stack_ctl("stop", "mongo").await;
    let health = get("/connected/health").await;
    assert_eq!(health.status, 503, "{:?}", health.json);
    assert_eq!(health.json["code"], "DEPENDENCY_UNAVAILABLE");
    assert_eq!(health.json["checks"]["mongo"]["status"], "down");
    assert_eq!(health.json["checks"]["mongo"]["code"], "SESSION_STORE_UNAVAILABLE");
    assert_eq!(health.json["checks"]["postgres"]["status"], "up");
    let lc = get(&format!("/last-connection?username={username}")).await;
    assert_eq!((lc.status, lc.code()), (503, "SESSION_STORE_UNAVAILABLE"), "{:?}", lc.json);
    assert!(lc.headers.get("retry-after").is_some());
    stack_ctl("start", "mongo").await;
    wait_healthy("/connected/health").await;
    let lc = get(&format!("/last-connection?username={username}")).await;
    assert_eq!((lc.status, lc.code()), (404, "NO_CONNECTION"), "{:?}", lc.json);
    signal("-CONT");
    let ended = sessions_end.http(&end_sessions, Duration::from_secs(30)).await.expect("sessions-end answers");
    assert_eq!(
        ended.status,
        200,
        "the first request after MongoDB's restart, on a connection pooled before it: {}",
        ended.text()
    );

    // --- PostgreSQL down
    stack_ctl("stop", "postgres").await;
    for path in ["/auth/health", "/connected/health"] {
        let health = get(path).await;
        assert_eq!(health.status, 503, "{path}: {:?}", health.json);
        assert_eq!(health.json["checks"]["postgres"]["status"], "down", "{path}");
        assert_eq!(health.json["checks"]["postgres"]["code"], "DATABASE_UNAVAILABLE", "{path}");
    }
    let refused = login(&username).await;
    assert_eq!((refused.status, refused.code()), (503, "DATABASE_UNAVAILABLE"), "{:?}", refused.json);
    stack_ctl("start", "postgres").await;
    wait_healthy("/auth/health").await;
    wait_healthy("/connected/health").await;
    assert_eq!(login(&username).await.status, 200);

    // --- AWS emulator down (SQS and the token store): registration is accepted, its
    // UserRegistered event waits in the outbox; logins answer a clear 503.
    stack_ctl("stop", "aws").await;
    let registered_name = unique("queued");
    let registered = post_json(
        "/api/auth/register",
        &json!({ "username": registered_name, "email": format!("{registered_name}@example.com"), "password": "correct horse battery staple" }),
    )
    .await;
    assert_eq!(registered.status, 201, "registration must not depend on the queue: {:?}", registered.json);
    let health = get("/auth/health").await;
    assert_eq!((health.status, health.json["checks"]["sqs"]["status"].as_str()), (503, Some("down")));
    let refused = login(&username).await;
    assert_eq!((refused.status, refused.code()), (503, "TOKEN_STORE_UNAVAILABLE"), "{:?}", refused.json);
    let outboxed = |name: String| async move {
        postgres()
            .await
            .query_one("SELECT count(*) FROM outbox WHERE payload->'data'->>'username' = $1", &[&name])
            .await
            .unwrap()
            .get::<_, i64>(0)
    };
    assert_eq!(outboxed(registered_name.clone()).await, 1, "the event is kept in the outbox");
    stack_ctl("start", "aws").await;
    wait_healthy("/auth/health").await;

    // The scheduled relay delivers it (invoked here as EventBridge would) to user-events, whose
    // consumer writes the audit record exactly once.
    let audit = mongo_collection("audit").await;
    let filter = mongodb::bson::doc! { "username": &registered_name, "type": "UserRegistered" };
    let audited = eventually(RECOVERY, || {
        let (audit, filter) = (audit.clone(), filter.clone());
        async move {
            let r = invoke("outbox-relay", &json!({ "source": "aws.events", "detail-type": "Scheduled Event" })).await;
            assert_eq!(r.status, 200, "{:?}", r.json);
            (audit.count_documents(filter).await.ok()? == 1).then_some(())
        }
    })
    .await;
    assert!(audited.is_some(), "UserRegistered made while SQS was down was delivered after it returned");
    assert_eq!(outboxed(registered_name.clone()).await, 0, "delivered events leave the outbox");
    assert_eq!(login(&username).await.status, 200, "logins work again");
}
