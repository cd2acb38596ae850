//! Fault injection while traffic runs. Three writers keep sending through the gateway — user
//! registrations (PostgreSQL + outbox → SQS → user-audit → MongoDB), tenant records (token
//! introspection, DynamoDB counters, the tenant's PostgreSQL schema) and image uploads (the S3
//! store) — while PostgreSQL, the MongoDB-wire server, the S3 store and the AWS emulator are
//! stopped and started one after the other, without restarting any function.
//!
//! Every answer must be a success or a 503 with a stable code; each writer must succeed again
//! within `RECOVERY` of its dependency's return; and every write that was accepted must be found
//! at the end: the users in PostgreSQL and audited exactly once in MongoDB (outbox, queue and DLQ
//! empty), the tenant records in the tenant's schema, the images in the bucket.
//!
//! The AWS emulator keeps queues in memory, so a stop loses the messages stored in it (a real SQS
//! outage does not). The registration writer therefore pauses until the queue is drained before the
//! emulator stops, and resumes while it is down: what is accepted then waits in the outbox.
//! One test, alone in its binary, because it stops shared servers.
// Needs the local cloud; without it the tests are compiled out (tests/build.rs says so).
#![cfg(local_cloud)]

use integration_tests::*;
use serde_json::{Value, json};
use shared::adapters::postgres::tenants::provision;
use shared::domain::tenants::NewTenant;
use shared::domain::tenants::TenantId;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "traffic-under-faults-password";
const RECOVERY: Duration = Duration::from_secs(30);
const OUTAGE: Duration = Duration::from_secs(4);
const PNG: &[u8] = include_bytes!("../fixtures/images/sunset.png");

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Writer {
    Register,
    TenantRecord,
    ImageUpload,
}

/// One answer seen by a writer.
#[derive(Clone, Debug)]
struct Seen {
    at: Instant,
    phase: &'static str,
    writer: Writer,
    status: u16,
    code: String,
}

#[derive(Default)]
struct Log {
    seen: Vec<Seen>,
    /// Answers that are neither a success nor a clear 503 (nor an expected re-login).
    violations: Vec<String>,
    registered: Vec<String>,
    records: Vec<uuid::Uuid>,
    images: Vec<String>,
}

struct Traffic {
    log: Arc<Mutex<Log>>,
    phase: Arc<Mutex<&'static str>>,
    stop: Arc<AtomicBool>,
    registrations_paused: Arc<AtomicBool>,
}

impl Traffic {
    fn set_phase(&self, phase: &'static str) {
        *self.phase.lock().expect("phase") = phase;
    }

    fn first_success_after(&self, writer: Writer, since: Instant) -> Option<Duration> {
        let log = self.log.lock().expect("log");
        log.seen
            .iter()
            .find(|s| s.writer == writer && s.at >= since && (200..300).contains(&s.status))
            .map(|s| s.at - since)
    }

    fn record(&self, writer: Writer, status: u16, code: &str, body: &Value, allowed_401: bool) {
        let phase = *self.phase.lock().expect("phase");
        let mut log = self.log.lock().expect("log");
        log.seen.push(Seen { at: Instant::now(), phase, writer, status, code: code.to_string() });
        let clear_503 = status == 503 && !code.is_empty();
        let relogin = allowed_401 && status == 401;
        if !(200..300).contains(&status) && !clear_503 && !relogin {
            log.violations.push(format!("{phase}: {writer:?} answered {status} {body}"));
        }
    }
}

/// A request that records a transport failure instead of panicking.
async fn try_send(req: reqwest::RequestBuilder) -> (u16, Value) {
    match req.timeout(Duration::from_secs(30)).send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
        }
        Err(e) => (0, Value::String(format!("transport error: {e}"))),
    }
}

async fn login(username: &str) -> Option<String> {
    let (status, body) = try_send(
        http()
            .post(format!("{}/api/auth/login", gateway()))
            .json(&json!({ "username": username, "password": PASSWORD })),
    )
    .await;
    (status == 200).then(|| body["token"].as_str().map(str::to_string)).flatten()
}

fn start_traffic(tenant: String, member: String, token: String) -> (Traffic, Vec<tokio::task::JoinHandle<()>>) {
    let traffic = Traffic {
        log: Arc::default(),
        phase: Arc::new(Mutex::new("0 baseline")),
        stop: Arc::default(),
        registrations_paused: Arc::default(),
    };
    let mut tasks = Vec::new();
    let pause = Duration::from_millis(50);

    let t = traffic.clone_handles();
    tasks.push(tokio::spawn(async move {
        while !t.stop.load(Ordering::Relaxed) {
            if t.registrations_paused.load(Ordering::Relaxed) {
                tokio::time::sleep(pause).await;
                continue;
            }
            let username = unique("traffic");
            let body =
                json!({ "username": username, "password": PASSWORD, "email": format!("{username}@example.com") });
            let (status, reply) = try_send(http().post(format!("{}/api/auth/register", gateway())).json(&body)).await;
            t.record(Writer::Register, status, reply["code"].as_str().unwrap_or_default(), &reply, false);
            if status == 201 {
                t.log.lock().expect("log").registered.push(username);
            }
            tokio::time::sleep(pause).await;
        }
    }));

    let t = traffic.clone_handles();
    tasks.push(tokio::spawn(async move {
        let mut token = Some(token);
        let mut n = 0u64;
        while !t.stop.load(Ordering::Relaxed) {
            let Some(bearer) = token.clone() else {
                // The AWS emulator forgets its token store when it restarts (DynamoDB Local keeps
                // items in memory): the writer logs in again, as a client would after a 401.
                token = login(&member).await;
                tokio::time::sleep(pause).await;
                continue;
            };
            n += 1;
            let req = http()
                .post(format!("{}/api/data", gateway()))
                .bearer_auth(&bearer)
                .header("x-tenant-id", &tenant)
                .json(&json!({ "data": { "n": n, "writer": "faults_under_traffic" } }));
            let (status, reply) = try_send(req).await;
            t.record(Writer::TenantRecord, status, reply["code"].as_str().unwrap_or_default(), &reply, true);
            if status == 201 {
                if let Some(id) = reply["id"].as_str().and_then(|id| id.parse().ok()) {
                    t.log.lock().expect("log").records.push(id);
                }
            } else if status == 401 {
                token = None;
            }
            tokio::time::sleep(pause).await;
        }
    }));

    let t = traffic.clone_handles();
    tasks.push(tokio::spawn(async move {
        while !t.stop.load(Ordering::Relaxed) {
            let req = http().post(format!("{}/images", gateway())).header("content-type", "image/png").body(PNG);
            let (status, reply) = try_send(req).await;
            t.record(Writer::ImageUpload, status, reply["code"].as_str().unwrap_or_default(), &reply, false);
            if status == 201
                && let Some(url) = reply["url"].as_str()
            {
                t.log.lock().expect("log").images.push(url.to_string());
            }
            tokio::time::sleep(pause).await;
        }
    }));
    (traffic, tasks)
}

impl Traffic {
    fn clone_handles(&self) -> Traffic {
        Traffic {
            log: self.log.clone(),
            phase: self.phase.clone(),
            stop: self.stop.clone(),
            registrations_paused: self.registrations_paused.clone(),
        }
    }
}

async fn queue_depth(queue_url_var: &str) -> i64 {
    let out = sqs()
        .await
        .get_queue_attributes()
        .queue_url(env(queue_url_var))
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .expect("queue attributes");
    let attrs = out.attributes().cloned().unwrap_or_default();
    attrs.values().map(|v| v.parse::<i64>().unwrap_or(0)).sum()
}

async fn audited_once(usernames: &[String]) -> Result<(), String> {
    let audit = mongo_collection("audit").await;
    let filter = mongodb::bson::doc! { "type": "UserRegistered", "username": { "$in": usernames } };
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    let mut cursor = audit.find(filter).await.map_err(|e| e.to_string())?;
    while cursor.advance().await.map_err(|e| e.to_string())? {
        let doc = cursor.deserialize_current().map_err(|e| e.to_string())?;
        *counts.entry(doc.get_str("username").unwrap_or_default().to_string()).or_default() += 1;
    }
    let missing: Vec<_> = usernames.iter().filter(|u| !counts.contains_key(*u)).collect();
    let doubled: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    if missing.is_empty() && doubled.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} not audited yet (e.g. {:?}), audited more than once: {doubled:?}",
            missing.len(),
            missing.first()
        ))
    }
}

/// Runs the outbox relay (as the schedule does) until every accepted registration is audited.
async fn wait_all_audited(usernames: &[String]) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        invoke("outbox-relay", &json!({ "source": "aws.events", "detail-type": "Scheduled Event" })).await;
        match audited_once(usernames).await {
            Ok(()) => return,
            Err(e) if Instant::now() >= deadline => panic!("accepted registrations were lost: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

#[tokio::test]
async fn accepted_writes_survive_every_outage_under_traffic() {
    // A tenant with a limit the traffic never reaches, and a member of it.
    let tenant = unique("traffic").replace('_', "-");
    provision(
        &postgres().await,
        &NewTenant {
            id: TenantId::parse(&tenant).expect("tenant id"),
            name: "Traffic under faults".into(),
            active: true,
            pool_max_size: 2,
            rate_limit: 1_000_000,
            rate_window_seconds: 60,
        },
    )
    .await
    .expect("provision tenant");
    let member = unique("traffic-member");
    let id = create_user(&member, PASSWORD).await;
    postgres()
        .await
        .execute("UPDATE users SET tenant_id = $2 WHERE id = $1", &[&id, &tenant])
        .await
        .expect("join tenant");
    let token = login(&member).await.expect("member logs in");

    let baseline_start = Instant::now();
    let (traffic, tasks) = start_traffic(tenant.clone(), member.clone(), token);
    for writer in [Writer::Register, Writer::TenantRecord, Writer::ImageUpload] {
        let works = eventually(RECOVERY, || async { traffic.first_success_after(writer, baseline_start) }).await;
        assert!(
            works.is_some(),
            "{writer:?} works before any fault: {:?}",
            traffic.log.lock().expect("log").violations
        );
    }

    let mut recoveries = Vec::new();
    for (component, phase, back_phase, writers) in [
        ("postgres", "1 postgres down", "1 postgres back", vec![Writer::Register, Writer::TenantRecord]),
        ("mongo", "2 mongo down", "2 mongo back", vec![]),
        ("s3", "3 s3 store down", "3 s3 store back", vec![Writer::ImageUpload]),
        ("aws", "4 aws emulator down", "4 aws emulator back", vec![Writer::Register, Writer::TenantRecord]),
    ] {
        if component == "aws" {
            // The emulator's queues live in memory: drain them before it stops (see the header).
            traffic.registrations_paused.store(true, Ordering::Relaxed);
            let accepted = traffic.log.lock().expect("log").registered.clone();
            wait_all_audited(&accepted).await;
            traffic.registrations_paused.store(false, Ordering::Relaxed);
        }
        traffic.set_phase(phase);
        stack_ctl("stop", component).await;
        tokio::time::sleep(OUTAGE).await;
        stack_ctl("start", component).await;
        let back = Instant::now();
        traffic.set_phase(back_phase);
        for writer in writers {
            let recovered = eventually(RECOVERY, || async { traffic.first_success_after(writer, back) }).await;
            let recovered = recovered
                .unwrap_or_else(|| panic!("{writer:?} did not recover within {RECOVERY:?} after {component} returned"));
            recoveries
                .push(format!("{component}: {writer:?} succeeded {:.1} s after the restart", recovered.as_secs_f64()));
        }
        // Each phase must have exercised its outage: a refusal from the functions that need the
        // dependency; with SQS down, registrations still accepted (their events wait in the outbox).
        let log = traffic.log.lock().expect("log");
        let in_phase = |writer: Writer, status: u16| {
            log.seen.iter().any(|s| s.phase == phase && s.writer == writer && s.status == status)
        };
        let seen: Vec<String> = log
            .seen
            .iter()
            .filter(|s| s.phase == phase)
            .map(|s| format!("{:?} {} {}", s.writer, s.status, s.code))
            .collect();
        let seen = seen.join(", ");
        match component {
            "postgres" => assert!(
                in_phase(Writer::Register, 503) && in_phase(Writer::TenantRecord, 503),
                "{phase}: no 503 seen: {seen}"
            ),
            "s3" => assert!(in_phase(Writer::ImageUpload, 503), "{phase}: no 503 seen: {seen}"),
            "aws" => {
                assert!(in_phase(Writer::Register, 201), "{phase}: no registration accepted while SQS was down: {seen}")
            }
            _ => {}
        }
    }
    traffic.set_phase("5 after");
    tokio::time::sleep(Duration::from_secs(2)).await;
    traffic.stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("writer task");
    }

    let log = std::mem::take(&mut *traffic.log.lock().expect("log"));
    // The table for docs/robustness.md: answers per phase and writer.
    let mut table: BTreeMap<(&str, Writer), BTreeMap<String, u32>> = BTreeMap::new();
    for s in &log.seen {
        let key = if s.code.is_empty() { s.status.to_string() } else { format!("{} {}", s.status, s.code) };
        *table.entry((s.phase, s.writer)).or_default().entry(key).or_default() += 1;
    }
    eprintln!("| phase | writer | answers |\n|---|---|---|");
    for ((phase, writer), answers) in &table {
        let answers: Vec<String> = answers.iter().map(|(k, n)| format!("{n}× {k}")).collect();
        eprintln!("| {phase} | {writer:?} | {} |", answers.join(", "));
    }
    for r in &recoveries {
        eprintln!("{r}");
    }
    eprintln!(
        "accepted: {} registrations, {} tenant records, {} images",
        log.registered.len(),
        log.records.len(),
        log.images.len()
    );
    assert!(
        log.violations.is_empty(),
        "answers that were neither a success nor a clear 503:\n{}",
        log.violations.join("\n")
    );

    // --- Nothing accepted is lost.
    let pg = postgres().await;
    let users: i64 = pg
        .query_one("SELECT count(*) FROM users WHERE username = ANY($1)", &[&log.registered])
        .await
        .expect("count users")
        .get(0);
    assert_eq!(users as usize, log.registered.len(), "every accepted registration is stored");
    wait_all_audited(&log.registered).await;
    let outboxed: i64 = pg
        .query_one("SELECT count(*) FROM outbox WHERE payload->'data'->>'username' = ANY($1)", &[&log.registered])
        .await
        .expect("count outbox")
        .get(0);
    assert_eq!(outboxed, 0, "delivered events leave the outbox");
    let drained = eventually(Duration::from_secs(30), || async {
        (queue_depth("USER_EVENTS_QUEUE_URL").await == 0).then_some(())
    })
    .await;
    assert!(drained.is_some(), "user-events is drained");
    assert_eq!(queue_depth("USER_EVENTS_DLQ_URL").await, 0, "no accepted event ended in the DLQ");

    let schema = TenantId::parse(&tenant).expect("tenant id").schema();
    let stored: i64 = pg
        .query_one(&format!("SELECT count(*) FROM {schema}.records WHERE id = ANY($1)"), &[&log.records])
        .await
        .expect("count records")
        .get(0);
    assert_eq!(stored as usize, log.records.len(), "every accepted tenant record is stored");

    for url in &log.images {
        let (status, _) = try_send(http().get(url)).await;
        assert_eq!(status, 200, "accepted image {url} is in the store");
    }
}
