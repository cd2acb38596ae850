//! Fault injection through the real servers: a dependency stops, the functions answer a clear
//! 503 with its code, and recover on their own (no function restart) once it is back. Nothing
//! accepted is lost: a login made while SQS is down is delivered by the outbox relay later.
//! One test, run alone in its own binary, because it stops shared servers.

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

    // --- MongoDB down
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

    // --- SQS down: the login is accepted, its event waits in the outbox
    let second = unique("outboxed");
    create_user(&second, PASSWORD).await;
    stack_ctl("stop", "aws").await;
    let accepted = login(&second).await;
    assert_eq!(accepted.status, 200, "login must not depend on the queue: {:?}", accepted.json);
    let health = get("/auth/health").await;
    assert_eq!((health.status, health.json["checks"]["sqs"]["status"].as_str()), (503, Some("down")));
    let pending: i64 = postgres()
        .await
        .query_one("SELECT count(*) FROM outbox WHERE payload->'data'->>'username' = $1", &[&second])
        .await
        .unwrap()
        .get(0);
    assert_eq!(pending, 1, "the event is kept in the outbox");
    stack_ctl("start", "aws").await;
    wait_healthy("/auth/health").await;

    // The scheduled relay delivers it (invoked here as EventBridge would).
    let delivered = eventually(RECOVERY, || async {
        let r = invoke("outbox-relay", &json!({ "source": "aws.events", "detail-type": "Scheduled Event" })).await;
        assert_eq!(r.status, 200, "{:?}", r.json);
        let lc = get(&format!("/last-connection?username={second}")).await;
        (lc.status == 200).then_some(lc)
    })
    .await;
    assert!(delivered.is_some(), "the outboxed login reached the session store after SQS returned");
    let left: i64 = postgres()
        .await
        .query_one("SELECT count(*) FROM outbox WHERE payload->'data'->>'username' = $1", &[&second])
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "delivered events leave the outbox");
}
