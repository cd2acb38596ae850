//! Bearer tokens (shared::domain::auth): `TokenService::verify` — the check behind every
//! authenticated route, introspection and the session/chat callers — with a fixed test secret,
//! `bearer_token` (the Authorization header) and `IntrospectionClients::authenticate` (HTTP
//! Basic of the introspection endpoint). Never a panic, and:
//!   - a token signed with another secret is never accepted;
//!   - an accepted token always has HS256, our issuer and audience, and is not expired.
//!
//! Input: byte 0 picks the mode.
//!   0 the rest, as text, is the token (and "Bearer <token>" goes through bearer_token first)
//!   1 "<header JSON> 0xFF <claims JSON>", base64url-encoded and signed with the right secret,
//!     so header and claims parsing and the claim checks behind the signature are reached
//!   2 as 1, signed with a wrong secret: must always be refused
//!   3 the rest is an Authorization header value: bearer_token and the Basic client check
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use libfuzzer_sys::fuzz_target;
use shared::domain::auth::{Introspection, IntrospectionClients, TokenService, TokenSettings, bearer_token};
use shared_fuzz::{check_client_error, split};
use std::sync::OnceLock;
use std::time::Duration;

const SECRET: &str = "fuzzing-secret-fuzzing-secret-0123456789";
const ISSUER: &str = "rust-lambda";
const AUDIENCE: &str = "rust-lambda-api";
/// `INTROSPECTION_CLIENTS` for the Basic check: one client, `tenant-service`.
const CLIENT_SECRET: &str = "introspection-client-secret";

fn tokens() -> &'static TokenService {
    static TOKENS: OnceLock<TokenService> = OnceLock::new();
    TOKENS.get_or_init(|| {
        TokenService::new(TokenSettings {
            secret: SECRET.to_string().into(),
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            ttl: Duration::from_secs(3600),
        })
    })
}

fn clients() -> &'static IntrospectionClients {
    static CLIENTS: OnceLock<IntrospectionClients> = OnceLock::new();
    CLIENTS.get_or_init(|| {
        IntrospectionClients::parse(&format!("tenant-service:{CLIENT_SECRET}").into()).expect("introspection clients")
    })
}

fn signed(header: &[u8], claims: &[u8], secret: &str) -> String {
    let message = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(claims));
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &EncodingKey::from_secret(secret.as_bytes()), Algorithm::HS256)
            .expect("HMAC signing");
    format!("{message}.{signature}")
}

/// Verifies like `Identity::authenticate` does; an accepted token must deserve it.
fn verify(token: &str, header_json: Option<&[u8]>) -> bool {
    match tokens().verify(token) {
        Ok(claims) => {
            assert_eq!(claims.iss, ISSUER);
            assert_eq!(claims.aud, AUDIENCE);
            // The service allows 5 s of leeway; 60 s more for the time this check itself takes.
            let now = chrono::Utc::now().timestamp();
            assert!(claims.exp.saturating_add(65) >= now, "expired token accepted: exp {}", claims.exp);
            if let Some(header) = header_json {
                let header: serde_json::Value = serde_json::from_slice(header).expect("an accepted header is JSON");
                assert_eq!(header["alg"], "HS256", "accepted header {header}");
            }
            // What introspection answers for it.
            let answer = Introspection::from_claims(claims);
            serde_json::to_string(&answer).expect("introspection serializes");
            true
        }
        Err(err) => {
            check_client_error(&err);
            assert_eq!(err.status(), 401);
            false
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => {
            let token = String::from_utf8_lossy(rest);
            verify(&token, None);
            let header = format!("Bearer {token}");
            match bearer_token(Some(&header)) {
                Ok(t) => {
                    verify(t, None);
                }
                Err(e) => check_client_error(&e),
            }
        }
        m @ (1 | 2) => {
            let parts = split(rest, 0xFF, 2);
            let (header, claims) = (parts[0], parts.get(1).copied().unwrap_or_default());
            let secret = if m == 1 { SECRET.to_string() } else { format!("{SECRET}-other") };
            let token = signed(header, claims, &secret);
            let accepted = verify(&token, Some(header));
            assert!(!(m == 2 && accepted), "a token signed with another secret was accepted: {token}");
        }
        _ => {
            let value = String::from_utf8_lossy(rest);
            match bearer_token(Some(&value)) {
                Ok(token) => {
                    assert!(!token.is_empty() && token.len() < value.len());
                    verify(token, None);
                }
                Err(e) => check_client_error(&e),
            }
            match clients().authenticate(Some(&value)) {
                Ok(client) => assert_eq!(client, "tenant-service"),
                Err(e) => check_client_error(&e),
            }
        }
    }
});
