//! The session and connected functions: session documents in MongoDB, users in PostgreSQL,
//! tokens checked against the DynamoDB token store, changes announced on `session-events`
//! through the PostgreSQL outbox.

#[cfg(all(feature = "mongo", any(feature = "postgres", feature = "sessions")))]
use crate::adapters::mongo::Mongo;
#[cfg(all(feature = "postgres", feature = "mongo"))]
use crate::adapters::postgres::Postgres;
#[cfg(all(feature = "mongo", any(feature = "postgres", feature = "sessions")))]
use crate::config::{ConfigError, Env, MongoConfig};
#[cfg(all(feature = "postgres", feature = "mongo"))]
use crate::config::{PostgresConfig, dependency_timeout};
#[cfg(all(feature = "postgres", feature = "mongo"))]
use crate::domain::health::HealthCheck;

#[cfg(all(
    feature = "identity",
    feature = "sessions",
    feature = "postgres",
    feature = "dynamodb",
    feature = "mongo",
    feature = "sqs"
))]
pub use api::*;

#[cfg(all(
    feature = "identity",
    feature = "sessions",
    feature = "postgres",
    feature = "dynamodb",
    feature = "mongo",
    feature = "sqs"
))]
mod api {
    use super::*;
    use crate::adapters::{dynamodb::DynamoTokens, sqs::Sqs};
    use crate::config::QueueConfig;
    use crate::domain::events::SESSION_EVENTS;
    use crate::domain::outbox::Outbox;
    use crate::domain::sessions::SessionService;

    pub type SessionApi = SessionService<Postgres, DynamoTokens, Mongo, Postgres, Sqs>;

    /// `POST /api/sessions`, `GET`/`PUT`/`DELETE /api/sessions/{userId}`, `GET /api/sessions/verify`:
    /// the auth service's token checks, the session documents, and `session-events` when
    /// `SESSION_EVENTS_QUEUE_URL` is set (its outbox in the users' database).
    pub async fn api() -> Result<SessionApi, ConfigError> {
        let env = Env::process();
        let sdk = super::super::aws(&env).await?;
        let identity = super::super::auth::identity(&env, &sdk)?;
        let queues = QueueConfig::from_env(&env);
        let events = queues
            .url_of(SESSION_EVENTS)
            .is_some()
            .then(|| Outbox { store: identity.users.clone(), publisher: Sqs::new(&sdk, queues) });
        Ok(SessionService { identity, sessions: Mongo::new(&MongoConfig::from_env(&env)?).await?, events })
    }
}

/// `GET /sessions/health`: PostgreSQL, MongoDB and the token store the session API's token
/// checks need.
#[cfg(all(feature = "postgres", feature = "dynamodb", feature = "mongo"))]
pub async fn health() -> Result<HealthCheck, ConfigError> {
    use crate::adapters::dynamodb::DynamoTokens;
    let env = Env::process();
    let sdk = super::aws(&env).await?;
    Ok(HealthCheck::new("sessions", dependency_timeout(&env)?)
        .with("postgres", Postgres::new(&PostgresConfig::from_env(&env)?)?)
        .with("mongo", Mongo::new(&MongoConfig::from_env(&env)?).await?)
        .with("dynamodb", DynamoTokens::new(&sdk, crate::config::table_name(&env, "TOKENS_TABLE")?)))
}

/// `session-recorder` (consumer of `auth-events`): the session documents alone.
#[cfg(all(feature = "sessions", feature = "mongo"))]
pub async fn recorder() -> Result<Mongo, ConfigError> {
    Mongo::new(&MongoConfig::from_env(&Env::process())?).await
}

/// `GET /last-connection`: users in PostgreSQL, their sessions in MongoDB.
#[cfg(all(feature = "sessions", feature = "postgres", feature = "mongo"))]
pub async fn last_connection() -> Result<crate::domain::sessions::LastConnections<Postgres, Mongo>, ConfigError> {
    let env = Env::process();
    Ok(crate::domain::sessions::LastConnections {
        users: Postgres::new(&PostgresConfig::from_env(&env)?)?,
        sessions: Mongo::new(&MongoConfig::from_env(&env)?).await?,
    })
}

/// `GET /connected/health`: what `GET /last-connection` needs, PostgreSQL and MongoDB.
#[cfg(all(feature = "postgres", feature = "mongo"))]
pub async fn connected_health() -> Result<HealthCheck, ConfigError> {
    let env = Env::process();
    Ok(HealthCheck::new("connected", dependency_timeout(&env)?)
        .with("postgres", Postgres::new(&PostgresConfig::from_env(&env)?)?)
        .with("mongo", Mongo::new(&MongoConfig::from_env(&env)?).await?))
}
