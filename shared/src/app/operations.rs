//! The event consumers and jobs that belong to no one service: the audit trail of user events,
//! and the outbox relay. (`db-migrate` runs over [`super::auth::database`].)

#[cfg(any(feature = "mongo", all(feature = "postgres", feature = "sqs")))]
use crate::config::{ConfigError, Env};

/// `user-audit` (consumer of `user-events`): the audit trail in MongoDB.
#[cfg(feature = "mongo")]
pub async fn audit() -> Result<crate::adapters::mongo::Mongo, ConfigError> {
    crate::adapters::mongo::Mongo::new(&crate::config::MongoConfig::from_env(&Env::process())?).await
}

/// `outbox-relay` (every minute): the outbox, its queues, and `OUTBOX_BATCH_SIZE`.
#[cfg(all(feature = "postgres", feature = "sqs"))]
pub async fn relay()
-> Result<crate::domain::outbox::Relay<crate::adapters::postgres::Postgres, crate::adapters::sqs::Sqs>, ConfigError> {
    let outbox = super::auth::outbox().await?;
    Ok(crate::domain::outbox::Relay { outbox, batch: crate::config::outbox_batch_size(&Env::process())? })
}
