//! POST /api/auth/login — seed 002's login: a JWT stored in the token store with a TTL, and the user.

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
    let out = state.identity.login(&credentials, &context, "auth.api", false).await?;
    deliver_committed(&state.identity.users, &state.queue, OutboxEntry { queue: AUTH_EVENTS.into(), event: out.event }).await;
    Ok(http::json(
        200,
        &serde_json::json!({
            "token": out.token.token,
            "expiresIn": out.token.expires_in,
            "user": { "id": out.user.id, "username": out.user.username, "role": out.user.role },
        }),
    ))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let sdk = sdk_config(dependency_timeout()?).await;
    let state = State { identity: Identity::from_env(&sdk)?, queue: Sqs::new(&sdk, QueueConfig::from_env()) };
    http::serve(|req| handle(&state, req)).await
}
