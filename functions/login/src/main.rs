//! POST /login — JSON credentials -> JWT (HS256, 1 h); publishes `UserLoggedIn` to `auth-events`
//! through the transactional outbox (seed 001 §1).

use shared::adapters::{aws::sdk_config, postgres::Postgres, sqs::Sqs};
use shared::config::{JwtConfig, QueueConfig, dependency_timeout};
use shared::http::{self, Body, Request, Response};
use shared::identity::{self, Credentials, LoginContext, PasswordHasher, TokenService};
use shared::outbox::{OutboxEntry, deliver_committed};
use shared::{AppError, config::AUTH_EVENTS};

struct State {
    db: Postgres,
    queue: Sqs,
    hasher: PasswordHasher,
    tokens: TokenService,
}

async fn handle(state: &State, req: Request) -> Result<Response<Body>, AppError> {
    let credentials: Credentials = http::parse_json(&req, 4 * 1024)?;
    let context = LoginContext {
        user_agent: http::header_str(&req, "user-agent").map(str::to_string),
        source_ip: http::source_ip(&req),
    };
    let outcome = identity::login(&state.db, &state.hasher, &state.tokens, &credentials, &context).await?;
    let entry = OutboxEntry { queue: AUTH_EVENTS.to_string(), event: outcome.event };
    deliver_committed(&state.db, &state.queue, entry).await;
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
    let state = State {
        db: Postgres::from_env()?,
        queue: Sqs::new(&sdk, QueueConfig::from_env()),
        hasher: PasswordHasher::from_env()?,
        tokens: TokenService::new(JwtConfig::from_env()?),
    };
    http::serve(|req| handle(&state, req)).await
}
