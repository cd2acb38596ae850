//! The event consumers and jobs that belong to no one service: the audit trail of user events,
//! and the outbox relay. (`db-migrate` runs over [`super::auth::database`].)

#[cfg(any(feature = "mongo", all(feature = "postgres", feature = "sqs")))]
use crate::config::{ConfigError, Env};

/// `user-audit` (consumer of `user-events`): the audit trail in MongoDB.
#[cfg(feature = "mongo")]
pub async fn audit() -> Result<crate::adapters::mongo::Mongo, ConfigError> {
    crate::adapters::mongo::Mongo::new(&crate::config::MongoConfig::from_env(&Env::process())?).await
}

/// `outbox-relay` (every minute): the outbox in PostgreSQL, the queues it delivers to, and
/// `OUTBOX_BATCH_SIZE`.
#[cfg(all(feature = "postgres", feature = "sqs"))]
pub async fn relay()
-> Result<crate::domain::outbox::Relay<crate::adapters::postgres::Postgres, crate::adapters::sqs::Sqs>, ConfigError> {
    use crate::adapters::{postgres::Postgres, sqs::Sqs};
    use crate::config::{PostgresConfig, QueueConfig, outbox_batch_size};
    use crate::domain::outbox::{Outbox, Relay};
    let env = Env::process();
    let sdk = super::aws(&env).await?;
    let outbox = Outbox {
        store: Postgres::new(&PostgresConfig::from_env(&env)?)?,
        publisher: Sqs::new(&sdk, QueueConfig::from_env(&env)),
    };
    Ok(Relay { outbox, batch: outbox_batch_size(&env)? })
}
