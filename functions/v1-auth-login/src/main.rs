//! POST /api/v1/auth/login — seed 004: a login session with device info (user agent, source IP),
//! an access token and a rotating refresh token, in the `{status, message, data}` envelope.

use shared::adapters::{aws::sdk_config, dynamodb::DynamoTokens, postgres::Postgres, sqs::Sqs};
use shared::config::{AUTH_EVENTS, QueueConfig, dependency_timeout};
use shared::http::{self, Body, Request, Response};
use shared::identity::{Credentials, Identity, LoginContext};
use shared::outbox::{OutboxEntry, deliver_committed};
use shared::AppError;

struct State {
    identity: Identity<Postgres, DynamoTokens>,
    queue: Sqs,
}

async fn handle(state: &State, req: Request) -> Result<Response<Body>, AppError> {
    let credentials: Credentials = http::parse_json(&req, 4 * 1024)?;
    let context = LoginContext {
        user_agent: http::header_str(&req, "user-agent").map(str::to_string),
        source_ip: http::source_ip(&req),
    };
    let out = state.identity.login(&credentials, &context, "auth.v1", true).await?;
    deliver_committed(&state.identity.users, &state.queue, OutboxEntry { queue: AUTH_EVENTS.into(), event: out.event }).await;
    let (session_id, refresh_token) = out.session.ok_or_else(|| AppError::internal("session login without a session"))?;
    Ok(http::envelope(
        200,
        "logged in",
        &serde_json::json!({
            "accessToken": out.token.token,
            "refreshToken": refresh_token,
            "tokenType": "Bearer",
            "expiresIn": out.token.expires_in,
            "session": { "id": session_id, "userAgent": context.user_agent, "ip": context.source_ip },
            "user": { "id": out.user.id, "username": out.user.username, "role": out.user.role },
        }),
    ))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let sdk = sdk_config(dependency_timeout()?).await;
    let state = State { identity: Identity::from_env(&sdk)?, queue: Sqs::new(&sdk, QueueConfig::from_env()) };
    http::serve_enveloped(|req| handle(&state, req)).await
}
