//! POST /login — JSON credentials -> JWT (HS256, 1 h) registered in the token store; publishes
//! `UserLoggedIn` to `auth-events` through the transactional outbox (seed 001 §1).

use shared::adapters::{aws::sdk_config, dynamodb::DynamoTokens, postgres::Postgres, sqs::Sqs};
use shared::config::{QueueConfig, dependency_timeout};
use shared::http::{self, Body, Request, Response};
use shared::identity::{Credentials, Identity, LoginContext};
use shared::outbox::{OutboxEntry, deliver_committed};
use shared::{AppError, config::AUTH_EVENTS};

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
    let outcome = state.identity.login(&credentials, &context, "identity.login", false).await?;
    let entry = OutboxEntry { queue: AUTH_EVENTS.to_string(), event: outcome.event };
    deliver_committed(&state.identity.users, &state.queue, entry).await;
    Ok(http::json(
        200,
        &serde_json::json!({
            "token": outcome.token.token,
            "tokenType": "Bearer",
            "expiresIn": outcome.token.expires_in,
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
