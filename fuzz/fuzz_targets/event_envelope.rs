//! Queue messages and request parameters.
//!
//! SQS bodies reach `consumer::process_batch`, which parses each as an `EventEnvelope` and hands
//! it to the consumers' logic (`sessions::apply_auth_event`, `audit::apply_user_event`, here over
//! in-process stores). A message that cannot be used must be reported as a failure of that
//! message only — never a panic that would fail the whole batch forever.
//!
//! Query-string, path and header parameters go through the pure parsers the handlers call:
//! `http::page_limit`, the chat and tenant page/cursor/id parsers, user ids, usernames, tenant
//! ids, image ids and cursors, and the CORS origin check. Their refusals are client errors.
//!
//! Input: byte 0 picks the mode.
//!   0 the rest is one SQS message body, processed by process_batch with both consumers
//!   1 the rest is an EventEnvelope: parsed, its data read as each event type, re-serialized
//!     (what the outbox relay publishes) and parsed back
//!   2 the rest, split at '\n', gives: limit, cursor, sessionId, id, userId, username, tenant,
//!     origin (each parser sees its own field)
#![no_main]

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use libfuzzer_sys::fuzz_target;
use shared::AppError;
use shared::adapters::memory::{MemoryAuditTrail, MemorySessions};
use shared::domain::audit::apply_user_event;
use shared::domain::auth::UserRegistered;
use shared::domain::events::{EventEnvelope, UserLoggedIn, UserLoggedOut};
use shared::domain::sessions::apply_auth_event;
use shared::domain::tenants::TenantId;
use shared::transport::http::cors::CorsPolicy;
use shared_fuzz::{block_on, body, check_client_error, part, request, split, with_params};
use std::sync::OnceLock;

fn check<T>(result: Result<T, AppError>) -> Option<T> {
    result.map_err(|e| check_client_error(&e)).ok()
}

fn cors() -> &'static CorsPolicy {
    static CORS: OnceLock<CorsPolicy> = OnceLock::new();
    CORS.get_or_init(|| {
        CorsPolicy::single_origin(
            "https://chat.example.com",
            &["GET", "POST", "PUT", "DELETE"],
            "authorization, content-type",
        )
        .expect("CORS policy")
    })
}

fn sqs_message(body: &[u8]) {
    let mut message = SqsMessage::default();
    message.message_id = Some("m-1".into());
    message.body = Some(String::from_utf8_lossy(body).into_owned());
    let mut event = SqsEvent::default();
    event.records = vec![message.clone(), message];
    let failures = |resp: aws_lambda_events::event::sqs::SqsBatchResponse| resp.batch_item_failures.len();
    let sessions = block_on(shared::transport::sqs::process_batch(event.clone(), |e| async move {
        apply_auth_event(&MemorySessions::default(), &e).await
    }));
    let audit = block_on(shared::transport::sqs::process_batch(event, |e| async move {
        apply_user_event(&MemoryAuditTrail::default(), &e).await
    }));
    // Each message is judged on its own: both copies succeed or both fail.
    assert!(matches!(failures(sessions), 0 | 2));
    assert!(matches!(failures(audit), 0 | 2));
}

fn envelope(bytes: &[u8]) {
    let Ok(event) = serde_json::from_slice::<EventEnvelope>(bytes) else {
        return;
    };
    let _ = event.data_as::<UserLoggedIn>();
    let _ = event.data_as::<UserLoggedOut>();
    let _ = event.data_as::<UserRegistered>();
    // The relay and the test-event function publish envelopes: what we write must read back.
    // Not for times outside years 0-9999: RFC 3339 cannot write them (an accepted
    // "9999-12-31T23:59:59-01:00" is in year 10000 once in UTC), and our producers stamp
    // `Utc::now()`, so only a consumed message could carry one, and nothing republishes those.
    let text = serde_json::to_string(&event).expect("an envelope serializes");
    if !(0..=9999).contains(&chrono::Datelike::year(&event.occurred_at)) {
        return;
    }
    let back: EventEnvelope = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text} does not read back: {e}"));
    assert_eq!(
        (back.id, &back.event_type, &back.source, &back.data),
        (event.id, &event.event_type, &event.source, &event.data)
    );
    assert_eq!(back.occurred_at.timestamp_millis(), event.occurred_at.timestamp_millis());
}

fn parameters(rest: &[u8]) {
    let p = split(rest, b'\n', 8);
    let (limit, cursor, session_id, id, user_id, username, tenant, origin) =
        (part(&p, 0), part(&p, 1), part(&p, 2), part(&p, 3), part(&p, 4), part(&p, 5), part(&p, 6), part(&p, 7));
    let headers =
        [("origin", origin.as_str()), ("access-control-request-method", "PUT"), ("x-tenant-id", tenant.as_str())];
    let Some(req) = request("GET", "/fuzz", &headers, body(b"")).or_else(|| request("GET", "/fuzz", &[], body(b"")))
    else {
        return;
    };
    let query = [
        ("limit", limit),
        ("cursor", cursor.clone()),
        ("sessionId", session_id),
        ("id", id.clone()),
        ("username", username.clone()),
    ];
    let path = [("id", id.clone()), ("userId", user_id.clone()), ("uploadId", id.clone())];
    let req = with_params(req, &query, &path);

    if let Some(n) = check(shared::transport::http::page_limit(&req, 20, 100)) {
        assert!((1..=100).contains(&n));
    }
    if let Some((n, _)) = check(shared::handlers::chat::requests::page_params(&req)) {
        assert!((1..=shared::domain::chat::MAX_PAGE_SIZE).contains(&n));
    }
    check(shared::handlers::chat::requests::session_id_param(&req));
    check(shared::handlers::chat::requests::path_id(&req, "message"));
    if let Some(n) = check(shared::handlers::chat::requests::user_id(&req)) {
        assert!(n > 0);
    }
    check(shared::handlers::tenant_data::page_params(&req));
    check(shared::handlers::tenant_data::record_id(&req, true));
    check(shared::handlers::tenant_data::record_id(&req, false));
    if let Some(t) = check(TenantId::parse(&tenant)) {
        let schema = t.schema();
        assert!(schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'), "{schema}");
    }
    if let Some(n) = check(shared::domain::sessions::parse_user_id(Some(&user_id))) {
        assert!(n > 0);
    }
    check(shared::domain::sessions::validate_username(Some(&username)));
    check(shared::transport::soap::lookup_username(Some(&username)));
    let _ = shared::domain::images::parse_object_id(&id);
    let _ =
        cursor.strip_prefix(shared::domain::images::PUBLIC_PREFIX).and_then(shared::domain::images::parse_object_id);
    let allowed = cors().allows(&req);
    match cors().preflight(&req) {
        Ok(resp) => assert!(allowed && resp.status() == 204),
        Err(e) => check_client_error(&e),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => sqs_message(rest),
        1 => envelope(rest),
        _ => parameters(rest),
    }
});
