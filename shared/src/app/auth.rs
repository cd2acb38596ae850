//! The auth, bookstore auth and chat-auth functions: users in PostgreSQL, access tokens
//! registered in DynamoDB, events to SQS through the outbox.

#[cfg(feature = "postgres")]
use crate::adapters::postgres::Postgres;
#[cfg(feature = "postgres")]
use crate::config::PostgresConfig;
#[cfg(any(feature = "postgres", feature = "dynamodb", feature = "sqs"))]
use crate::config::{ConfigError, Env};

#[cfg(all(feature = "identity", feature = "postgres", feature = "dynamodb"))]
pub use with_tokens::*;

/// Users in PostgreSQL, tokens in DynamoDB.
#[cfg(all(feature = "identity", feature = "postgres", feature = "dynamodb"))]
mod with_tokens {
    use super::*;
    use crate::adapters::dynamodb::DynamoTokens;
    use crate::domain::auth::{Identity, TokenIntrospection, TokenService};

    pub type Tokens = Identity<Postgres, DynamoTokens>;

    /// The identity service every token-checking function shares (also the sessions and chat
    /// functions).
    pub(crate) fn identity(env: &Env, sdk: &aws_config::SdkConfig) -> Result<Tokens, ConfigError> {
        Ok(Identity {
            users: Postgres::new(&PostgresConfig::from_env(env)?)?,
            token_store: DynamoTokens::new(sdk, crate::config::table_name(env, "TOKENS_TABLE")?),
            hasher: crate::config::password_hasher(env)?,
            tokens: TokenService::new(crate::config::token_settings(env)?),
            refresh_ttl: crate::config::refresh_ttl(env)?,
        })
    }

    /// `GET /profile`, `POST /api/v1/auth/refresh`: tokens checked and issued.
    pub async fn tokens() -> Result<Tokens, ConfigError> {
        let env = Env::process();
        identity(&env, &super::super::aws(&env).await?)
    }

    /// `POST /auth/introspect`.
    pub async fn introspection() -> Result<TokenIntrospection<Postgres, DynamoTokens>, ConfigError> {
        let env = Env::process();
        let identity = identity(&env, &super::super::aws(&env).await?)?;
        Ok(TokenIntrospection { identity, clients: crate::config::introspection_clients(&env)? })
    }

    /// `GET /api/health`: the bookstore auth service's database and token store.
    pub async fn bookstore_health() -> Result<crate::domain::health::HealthCheck, ConfigError> {
        let env = Env::process();
        let sdk = super::super::aws(&env).await?;
        Ok(crate::domain::health::HealthCheck::new("auth-api", crate::config::dependency_timeout(&env)?)
            .with("postgres", Postgres::new(&PostgresConfig::from_env(&env)?)?)
            .with("dynamodb", DynamoTokens::new(&sdk, crate::config::table_name(&env, "TOKENS_TABLE")?)))
    }

    /// `POST /login`, `POST /api/auth/login`, `/logout`, `POST /api/v1/auth/login`, `/logout`:
    /// tokens issued and revoked, with their events.
    #[cfg(feature = "sqs")]
    pub async fn auth()
    -> Result<crate::domain::auth::Auth<Postgres, DynamoTokens, crate::adapters::sqs::Sqs>, ConfigError> {
        let env = Env::process();
        let sdk = super::super::aws(&env).await?;
        Ok(crate::domain::auth::Auth { identity: identity(&env, &sdk)?, events: super::queues(&env, &sdk) })
    }
}

#[cfg(all(feature = "postgres", feature = "sqs"))]
pub use with_events::*;

/// PostgreSQL with its outbox, and SQS.
#[cfg(all(feature = "postgres", feature = "sqs"))]
mod with_events {
    use super::*;
    use crate::adapters::sqs::Sqs;
    use crate::domain::events::AUTH_EVENTS;
    use crate::domain::health::HealthCheck;
    use crate::domain::outbox::Outbox;

    pub(crate) fn queues(env: &Env, sdk: &aws_config::SdkConfig) -> Sqs {
        Sqs::new(sdk, crate::config::QueueConfig::from_env(env))
    }

    /// `GET /auth/health`: the auth service's database and its event queue.
    pub async fn health() -> Result<HealthCheck, ConfigError> {
        let env = Env::process();
        let sdk = super::super::aws(&env).await?;
        Ok(HealthCheck::new("auth", crate::config::dependency_timeout(&env)?)
            .with("postgres", Postgres::new(&PostgresConfig::from_env(&env)?)?)
            .with("sqs", queues(&env, &sdk).probe(AUTH_EVENTS)))
    }

    /// `GET /test-event`, `outbox-relay`: the outbox and the queues it delivers to.
    pub async fn outbox() -> Result<Outbox<Postgres, Sqs>, ConfigError> {
        outbox_from(&Env::process()).await
    }

    /// `POST /api/auth/register`, SOAP `POST /register`: registrations with `UserRegistered`.
    #[cfg(feature = "identity")]
    pub async fn registration() -> Result<crate::domain::auth::Registrar<Postgres, Sqs>, ConfigError> {
        let env = Env::process();
        let outbox = outbox_from(&env).await?;
        Ok(crate::domain::auth::Registrar { outbox, hasher: crate::config::password_hasher(&env)? })
    }

    async fn outbox_from(env: &Env) -> Result<Outbox<Postgres, Sqs>, ConfigError> {
        let sdk = super::super::aws(env).await?;
        Ok(Outbox { store: Postgres::new(&PostgresConfig::from_env(env)?)?, publisher: queues(env, &sdk) })
    }
}

/// `GET /test-db`, `db-migrate`: the database alone.
#[cfg(feature = "postgres")]
pub async fn database() -> Result<Postgres, ConfigError> {
    Postgres::new(&PostgresConfig::from_env(&Env::process())?)
}
