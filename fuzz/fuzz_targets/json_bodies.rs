//! The request bodies of every JSON route, through the same functions the handlers call
//! (`http::parse_json`, `validation::parse_valid`, `DataBody::parse`, the payload extractor of
//! introspection) and the pure checks the handlers run right after (credentials, registration
//! rules, session metadata, message shape, presign). Never a panic, and every refusal is a
//! client error that renders in every error format.
//!
//! Input: byte 0 picks the route (low 4 bits) and the Content-Type (high bits), the rest is
//! the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::AppError;
use shared::adapters::memory::MemoryImages;
use shared::domain::auth::{Credentials, Registration};
use shared::domain::chat::{EditMessage, NewMessage, SellerInput, SessionInput, UserUpdate, VendorInput};
use shared::domain::images::{ImagePolicy, ImageService, PresignRequest};
use shared::domain::sessions::{CreateSession, UpdateSession, validate_metadata};
use shared::handlers::auth::IntrospectionRequest;
use shared::handlers::chat::auth::RefreshRequest;
use shared::handlers::tenant_data::DataBody;
use shared::transport::http::validation::parse_valid;
use shared::transport::http::{self, Request, RequestPayloadExt};
use shared_fuzz::{block_on, body, check_client_error, request};
use std::time::Duration;

/// Content types a client may send; `None` = no header (tolerated, as by the handlers).
const CONTENT_TYPES: [Option<&str>; 4] =
    [Some("application/json"), None, Some("application/merge-patch+json; charset=utf-8"), Some("text/plain")];

const ROUTES: u8 = 14;

fn check<T>(result: Result<T, AppError>) -> Option<T> {
    result.map_err(|e| check_client_error(&e)).ok()
}

fn images() -> ImageService<MemoryImages> {
    let policy = ImagePolicy {
        max_bytes: 4 * 1024 * 1024,
        max_presigned_bytes: 50 * 1024 * 1024,
        max_pixels: 100_000_000,
        presign_ttl: Duration::from_secs(900),
    };
    ImageService { store: MemoryImages::default(), policy, public_base_url: "http://images.test".into() }
}

/// One route's handler up to its first call of a store.
fn route(index: u8, req: &Request) {
    let chat = shared::handlers::chat::requests::MAX_BODY_BYTES;
    match index {
        // POST /login, /api/auth/login, /api/v1/auth/login
        0 => {
            if let Some(c) = check(http::parse_json::<Credentials>(req, 4 * 1024)) {
                check(c.validate());
            }
        }
        // POST /api/auth/register (and the fields of SOAP RegisterUser)
        1 => {
            if let Some(r) = check(http::parse_json::<Registration>(req, 4 * 1024))
                && let Some(n) = check(r.normalized())
            {
                assert!(n.username.len() <= 32 && !n.username.is_empty(), "{n:?}");
            }
        }
        // POST /api/v1/auth/refresh
        2 => {
            check(http::parse_json::<RefreshRequest>(req, 4 * 1024));
        }
        // POST /api/sessions (the body is optional)
        3 => {
            let parsed = if req.body().is_empty() {
                Ok(CreateSession::default())
            } else {
                http::parse_json::<CreateSession>(req, 8 * 1024)
            };
            if let Some(b) = check(parsed) {
                check(validate_metadata(b.metadata));
            }
        }
        // PUT /api/sessions/{userId}
        4 => {
            if let Some(b) = check(http::parse_json::<UpdateSession>(req, 8 * 1024)) {
                check(validate_metadata(b.metadata));
            }
        }
        // POST /images/uploads
        5 => {
            if let Some(b) = check(http::parse_json::<PresignRequest>(req, 4 * 1024)) {
                let svc = images();
                if let Some(p) = check(block_on(svc.presign(&b.content_type, b.size, b.filename.as_deref()))) {
                    assert!(shared::domain::images::parse_object_id(&p.upload_id).is_some(), "{}", p.upload_id);
                }
            }
        }
        // POST / PUT /api/data
        6 => {
            if let Some(b) = check(DataBody::parse(req)) {
                assert!(!b.data.is_empty());
            }
        }
        // POST / PUT /api/v1/sessions
        7 => {
            if let Some(s) = check(parse_valid::<SessionInput>(req, chat)) {
                assert!(!s.title.is_empty() && s.title == s.title.trim());
            }
        }
        // POST /api/v1/messages
        8 => {
            if let Some(m) = check(parse_valid::<NewMessage>(req, chat)) {
                check(m.check_shape());
            }
        }
        // PUT /api/v1/messages/{id}
        9 => {
            check(parse_valid::<EditMessage>(req, chat));
        }
        // POST / PUT /api/v1/vendors
        10 => {
            check(parse_valid::<VendorInput>(req, chat));
        }
        // POST / PUT /api/v1/sellers
        11 => {
            check(parse_valid::<SellerInput>(req, chat));
        }
        // PUT /api/v1/users/{id}
        12 => {
            check(parse_valid::<UserUpdate>(req, chat));
        }
        // POST /auth/introspect: form-encoded (or JSON), through lambda_http's payload extractor
        _ => {
            if let Ok(Some(r)) = req.payload::<IntrospectionRequest>() {
                let _ = r.token.trim();
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let index = (selector & 0x0f) % ROUTES;
    let content_type = if index == 13 {
        // Introspection's own media types.
        [Some("application/x-www-form-urlencoded"), Some("application/json"), None, Some("text/plain")]
            [usize::from(selector >> 4) % 4]
    } else {
        CONTENT_TYPES[usize::from(selector >> 4) % CONTENT_TYPES.len()]
    };
    let headers: Vec<(&str, &str)> = content_type.map(|ct| ("content-type", ct)).into_iter().collect();
    let Some(req) = request("POST", "/fuzz", &headers, body(rest)) else {
        return;
    };
    route(index, &req);
});
