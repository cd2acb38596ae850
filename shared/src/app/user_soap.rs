//! The user SOAP functions. `POST /register` registers through `app::auth::registration` (the
//! same registrar as `POST /api/auth/register`); its health is built here.

use crate::adapters::postgres::Postgres;
use crate::adapters::sqs::Sqs;
use crate::config::{ConfigError, Env, PostgresConfig, QueueConfig};
use crate::domain::events::USER_EVENTS;
use crate::domain::health::HealthCheck;

/// `GET /user-soap/health`: the database and the `user-events` queue registrations go to.
pub async fn health() -> Result<HealthCheck, ConfigError> {
    let env = Env::process();
    let sdk = super::aws(&env).await?;
    Ok(HealthCheck::new("user-soap", crate::config::dependency_timeout(&env)?)
        .with("postgres", Postgres::new(&PostgresConfig::from_env(&env)?)?)
        .with("sqs", Sqs::new(&sdk, QueueConfig::from_env(&env)).probe(USER_EVENTS)))
}
