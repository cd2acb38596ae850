//! The chat backend's functions (`/api/v1`, except its authentication): chat sessions,
//! messages, vendors, sellers and accounts in PostgreSQL, tokens checked against DynamoDB,
//! rate counters in the token table, answers decorated for `CORS_ORIGIN`.

use crate::adapters::dynamodb::{DynamoCounter, DynamoTokens};
use crate::adapters::postgres::Postgres;
use crate::config::{ChatConfig, ConfigError, Env};
use crate::domain::chat::Chat;
use crate::domain::ratelimit::RateLimiter;
use crate::transport::http::cors::CorsPolicy;
use crate::transport::lambda::HttpApp;

/// What every chat function runs on.
pub type ChatApi = Chat<Postgres, Postgres, DynamoTokens, DynamoCounter>;

/// What cross-origin pages may call, and the request headers they may send.
const CORS_METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE"];
const CORS_HEADERS: &str = "authorization, content-type";

/// Every `/api/v1` route but `/api/v1/auth/*`.
pub async fn api() -> Result<HttpApp<ChatApi>, ConfigError> {
    let env = Env::process();
    let sdk = super::aws(&env).await?;
    let identity = super::auth::identity(&env, &sdk)?;
    let config = ChatConfig::from_env(&env)?;
    let cors = config.cors_origin.as_deref().map(cors_policy).transpose()?;
    let chat = Chat {
        store: identity.users.clone(),
        identity,
        limiter: RateLimiter::new(DynamoCounter::new(&sdk, config.counter_table)),
        rate_limit: config.rate_limit,
    };
    Ok(HttpApp::new(chat).with_cors(cors).with_development(config.development))
}

fn cors_policy(origin: &str) -> Result<CorsPolicy, ConfigError> {
    CorsPolicy::single_origin(origin, CORS_METHODS, CORS_HEADERS).map_err(|_| ConfigError::Invalid {
        name: "CORS_ORIGIN",
        reason: format!("{origin:?} is not an origin like http://host:port"),
    })
}
